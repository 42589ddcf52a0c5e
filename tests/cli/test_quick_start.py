"""The README's quick start is what CI runs (issue 17, part 1): `.ci/run` runs the README's test
command as written, with only the interpreter and the venv folder as variables."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def quick_start_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Quick start") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "no bash block in the quick start"
    return [ln.strip() for ln in block.group(1).splitlines() if ln.strip()]


def test_the_quick_start_is_two_commands_in_a_venv():
    run, test = quick_start_commands()
    assert run == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/orbitcloud run"
    assert test.startswith('python3 -m venv .venv && .venv/bin/pip install ".[test]" && ')
    assert test.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readme_test_command():
    test = quick_start_commands()[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    as_in_ci = test.replace("python3 -m venv", '"$PYTHON" -m venv').replace(".venv", '"$VENV"')
    as_in_ci = as_in_ci.replace('"$VENV"/bin/', '"$VENV/bin/')
    as_in_ci = re.sub(r'"\$VENV/bin/(\w+)', r'"$VENV/bin/\1"', as_in_ci)
    joined = re.sub(r"\\\n\s*", "", ci)  # continuation lines as one
    assert as_in_ci in joined, (as_in_ci, joined)
    assert re.search(r"^PYTHON=\$\{PYTHON:-python3\}$", ci, re.M)
    assert re.search(r"^VENV=\$\{VENV:-\.venv\}$", ci, re.M)
