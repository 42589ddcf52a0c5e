"""Fixtures: one real default run (session-wide), and copies of it with synthetic tables."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from report_synthetic import add_synthetic_tables, make_xss_folder

import orbitcloud

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in default scenario, run with the finalizers (so report.html is written)."""
    out = tmp_path_factory.mktemp("runs") / "default"
    return orbitcloud.run("default", out=out).path


@pytest.fixture(scope="session")
def full_folder(default_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default run plus synthetic tables for every section (no report files)."""
    dst = tmp_path_factory.mktemp("full") / "default-full"
    shutil.copytree(default_run, dst)
    for f in dst.glob("report.*"):
        f.unlink()
    add_synthetic_tables(dst)
    return dst


@pytest.fixture(scope="session")
def xss_folder(default_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("xss") / "xss"
    make_xss_folder(default_run, dst)
    return dst


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per test module (tests/report/test_browser.py
    says where it is and whether a missing one skips or fails)."""
    from test_browser import ARGS, CHROMIUM, _need_chromium

    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
