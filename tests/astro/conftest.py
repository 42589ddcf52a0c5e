"""Shared fixtures for the astro tests: the shipped Starlink catalogue and Skyfield's data.

Everything comes from package data (orbitcloud's ``data/starlink-2023-07-18.tle``) or from
``skyfield-data`` (de421.bsp, finals2000A.all): nothing is downloaded, and nothing is read from
../shared (it is not at a fixed path in CI).
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from importlib import resources
from pathlib import Path

import pytest
from sgp4.api import WGS72, Satrec


def _load_catalogue():
    ref = resources.files("orbitcloud") / "data" / "starlink-2023-07-18.tle"
    try:
        from orbitcloud.astro.tle import load_tle_file
    except ImportError:  # pragma: no cover - the strict loader is written alongside
        lines = [ln.rstrip() for ln in ref.read_text(encoding="ascii").splitlines() if ln.strip()]
        return [
            (lines[k].strip(), Satrec.twoline2rv(lines[k + 1], lines[k + 2], WGS72))
            for k in range(0, len(lines), 3)
        ]
    with resources.as_file(ref) as path:
        return [(e.name, e.satrec) for e in load_tle_file(path)]


@pytest.fixture(scope="session")
def starlink_catalogue() -> list[tuple[str, Satrec]]:
    """The 4,428 (name, Satrec) of the shipped 2023-07-18 Starlink catalogue, in file order."""
    return _load_catalogue()


@pytest.fixture(scope="session")
def skyfield_loader():
    """A Skyfield ``Loader`` on skyfield-data's folder (de421.bsp, finals2000A.all)."""
    pytest.importorskip("skyfield")
    skyfield_data = pytest.importorskip("skyfield_data")
    from skyfield.api import Loader

    with warnings.catch_warnings():  # skyfield-data warns that its finals file is old
        warnings.simplefilter("ignore")
        return Loader(skyfield_data.get_skyfield_data_path(), verbose=False)


@pytest.fixture(scope="session")
def de421(skyfield_loader):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return skyfield_loader("de421.bsp")


FUZZ_TLE = Path(__file__).resolve().parents[2] / "bench" / "fuzz_tle.py"
"""The project's seeded TLE mutation generator (a bench script, also run by these tests)."""


@pytest.fixture(scope="module")
def fuzz():
    """bench/fuzz_tle.py as a module (loaded, not copied)."""
    spec = importlib.util.spec_from_file_location("orbitcloud_bench_fuzz_tle", FUZZ_TLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module
