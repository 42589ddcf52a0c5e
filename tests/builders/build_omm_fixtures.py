"""Build the OMM fixtures of tests/astro/data/ from entries of the shared TLE catalogue.

Each OMM field is written from the TLE's own column text, the way CelesTrak converts a TLE to
OMM (CelesTrak, "A New Way to Obtain GP Data"): decimal strings are copied, implied-decimal
fields become ``.NNNNNE-N``, and the epoch's day fraction (8 digits, a multiple of 864 us) is
written exactly in microseconds. Nothing here uses orbitcloud's readers, so the fixtures are an
independent reference for tests/astro/test_omm.py.

Run from the repository root::

    python tests/builders/build_omm_fixtures.py
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "astro" / "data"

#: Varied on purpose: Starlink at 53 and 70 deg, negative ndot and BSTAR, non-zero nddot with
#: both exponent signs, an eccentric rideshare tug, BlueWalker 3, ION.
NORAD_IDS = (44713, 45743, 49142, 53754, 53807, 55441, 57157, 57269)

HEADER = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "EPHEMERIS_TYPE",
    "CLASSIFICATION_TYPE",
    "NORAD_CAT_ID",
    "ELEMENT_SET_NO",
    "REV_AT_EPOCH",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
METADATA = ("OBJECT_NAME", "OBJECT_ID")
MEAN_ELEMENTS = (
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
)
TLE_PARAMETERS = (
    "EPHEMERIS_TYPE",
    "CLASSIFICATION_TYPE",
    "NORAD_CAT_ID",
    "ELEMENT_SET_NO",
    "REV_AT_EPOCH",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)


def exp_field(s: str) -> str:
    """' 12345-5' -> '.12345E-5'; ' 00000+0' -> '0'."""
    if int(s[1:6]) == 0:
        return "0"
    sign = "-" if s[0] == "-" else ""
    return f"{sign}.{s[1:6]}E{'-' if s[6] == '-' else ''}{s[7]}"


def tle_to_omm(name: str, l1: str, l2: str) -> dict[str, str]:
    """OMM fields as text, copied from the TLE columns."""
    yy = int(l1[18:20])
    year = 2000 + yy if yy < 57 else 1900 + yy
    day, frac = l1[20:32].split(".")
    micro = int(frac) * 864  # 1e-8 day = 864 us, so this is exact
    epoch = date(year, 1, 1) + timedelta(days=int(day) - 1)
    seconds, us = divmod(micro, 1_000_000)
    hh, rest = divmod(seconds, 3600)
    mm, ss = divmod(rest, 60)
    launch = int(l1[9:11])
    launch += 2000 if launch < 57 else 1900
    ndot = l1[33:43].strip().lstrip("+")
    return {
        "OBJECT_NAME": name.strip(),
        "OBJECT_ID": f"{launch}-{l1[11:14]}{l1[14:17].strip()}",
        "EPOCH": f"{epoch.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}.{us:06d}",
        "MEAN_MOTION": l2[52:63].strip(),
        "ECCENTRICITY": "." + l2[26:33],
        "INCLINATION": l2[8:16].strip(),
        "RA_OF_ASC_NODE": l2[17:25].strip(),
        "ARG_OF_PERICENTER": l2[34:42].strip(),
        "MEAN_ANOMALY": l2[43:51].strip(),
        "EPHEMERIS_TYPE": l1[62],
        "CLASSIFICATION_TYPE": l1[7],
        "NORAD_CAT_ID": str(int(l1[2:7])),
        "ELEMENT_SET_NO": str(int(l1[64:68])),
        "REV_AT_EPOCH": str(int(l2[63:68])),
        "BSTAR": exp_field(l1[53:61]),
        "MEAN_MOTION_DOT": ndot,
        "MEAN_MOTION_DDOT": exp_field(l1[44:52]),
    }


def json_value(key: str, text: str) -> object:
    if key in ("OBJECT_NAME", "OBJECT_ID", "EPOCH", "CLASSIFICATION_TYPE"):
        return text
    if key in ("EPHEMERIS_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH"):
        return int(text)
    return float(text)  # CelesTrak's JSON carries numbers; repr round-trips to the same double


def xml_document(records: list[dict[str, str]]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="https://sanaregistry.org/r/ndmxml_unqualified/'
        'ndmxml-2.0.0-master-2.0.xsd">',
    ]
    for rec in records:
        out += [
            '<omm id="CCSDS_OMM_VERS" version="2.0">',
            "<header><CREATION_DATE/><ORIGINATOR/></header>",
            "<body><segment>",
            "<metadata>",
            *(f"<{k}>{rec[k]}</{k}>" for k in METADATA),
            "<CENTER_NAME>EARTH</CENTER_NAME>",
            "<REF_FRAME>TEME</REF_FRAME>",
            "<TIME_SYSTEM>UTC</TIME_SYSTEM>",
            "<MEAN_ELEMENT_THEORY>SGP4</MEAN_ELEMENT_THEORY>",
            "</metadata>",
            "<data><meanElements>",
            *(f"<{k}>{rec[k]}</{k}>" for k in MEAN_ELEMENTS),
            "</meanElements><tleParameters>",
            *(f"<{k}>{rec[k]}</{k}>" for k in TLE_PARAMETERS),
            "</tleParameters></data>",
            "</segment></body>",
            "</omm>",
        ]
    out.append("</ndm>")
    return "\n".join(out) + "\n"


def main() -> None:
    text = (files("orbitcloud") / "data" / "starlink-2023-07-18.tle").read_text("ascii")
    lines = text.splitlines()
    by_id = {}
    for i in range(0, len(lines), 3):
        name, l1, l2 = lines[i : i + 3]
        by_id[int(l1[2:7])] = (name, l1, l2)
    picked = [by_id[n] for n in NORAD_IDS]
    records = [tle_to_omm(*entry) for entry in picked]

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "omm_sample_source.tle").write_text(
        "".join(f"{n}\n{l1}\n{l2}\n" for n, l1, l2 in picked), encoding="ascii"
    )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    for rec in records:
        writer.writerow([rec[k] for k in HEADER])
    (OUT / "omm_sample.csv").write_bytes(buf.getvalue().encode("ascii"))
    doc = [{k: json_value(k, rec[k]) for k in HEADER} for rec in records]
    (OUT / "omm_sample.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="ascii")
    (OUT / "omm_sample.xml").write_text(xml_document(records), encoding="ascii")
    print(f"wrote {len(records)} records to {OUT}")


if __name__ == "__main__":
    main()
