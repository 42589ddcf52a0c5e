"""The answer panel: the scenario's question, the verdict, the key numbers with units and the
assumptions that decide it -- first in the report and first in ``orbitcloud run``'s output.

Built from the run summary only (so the CLI, ``--json`` and the report share one text):

* ``summary["verdicts"]`` (written by the stories: cost, latency, outage) -- a list of
  ``{"topic", "question", "text", "numbers": [{"name", "value", "unit"}], "baseline",
  "assumptions": [str], "flips": [{"assumption", "now", "flip_at", "unit", "text"}]}``;
  every verdict present is shown, a missing key is left out (never invented).
* otherwise one panel from what the run has: the scenario's ``question`` (else the first
  sentence of its description), the ``answer`` KPI, and 3-6 key numbers chosen by the kind of
  scenario (:data:`KEY_NUMBERS`), each with its unit from the KPI registry.

:func:`answer_panel` returns ``{"question", "verdicts": [...], "source"}``; the run stores it
as ``summary["answer_panel"]`` (:func:`orbitcloud.report.finalize_run`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from orbitcloud.results.kpis import lookup

__all__ = [
    "KEY_NUMBERS",
    "MAX_NUMBERS",
    "answer_panel",
    "first_sentence",
    "format_number",
    "lead_sentences",
]

MAX_NUMBERS = 6
"""Key numbers per panel built from KPIs (the brief: 3-6)."""

KEY_NUMBERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (kind, KPI names or regular expressions, in the order shown); the first kind whose first
    # KPI the summary holds (with a value) is the scenario's kind.
    ("economics", (
        "economics_orbital_usd_per_mtok", "economics_terrestrial_usd_per_mtok",
        "economics_orbital_usd_per_accelerator_hour",
        "economics_terrestrial_usd_per_accelerator_hour",
        "economics_cost_ratio_orbital_to_terrestrial", "economics_breakeven_launch_usd_per_kg",
    )),
    ("outage", (
        "outage_orbital_served_fraction_during", "outage_terrestrial_served_fraction_during",
        "outage_orbital_p50_ms_during", "outage_terrestrial_p50_ms_during",
        "inference_orbital_p95_ms", "inference_terrestrial_p95_ms",
    )),
    ("inference", (
        "inference_orbital_p50_ms", "inference_terrestrial_p50_ms", "inference_orbital_p95_ms",
        "inference_terrestrial_p95_ms", "inference_orbital_served_fraction",
        "inference_terrestrial_served_fraction",
    )),
    ("training", (
        r"training_(?!link_).+_goodput", r"training_.+_mfu", "training_link_knee_gbps",
        "compute_lost_to_eclipse_fraction", "compute_lost_to_radiation_fraction", "job_restarts",
    )),
    ("eo", (
        r"eo_.+_insight_p50_min", r"eo_.+_downlinked_gb", r"eo_.+_served_fraction",
        r"eo_.+_queued_gb_peak",
    )),
    ("compute", (
        "compute_capacity_mean", "compute_lost_to_eclipse_fraction", "accelerator_temp_max_k",
        "formation_min_separation_m", "sunlit_fraction_mean", "network_isl_capacity_mean_gbps",
    )),
    ("network", (
        "network_rtt_mean_ms", "network_faster_than_fibre_fraction", "network_reachable_fraction",
        "network_isl_links_mean", "satellites", "altitude_min_km",
    )),
    ("orbit", (
        "satellites", "altitude_min_km", "altitude_max_km", "sunlit_fraction_mean",
        "network_isl_links_mean", "dose_rad_per_year",
    )),
)  # fmt: skip

_SENTENCE = re.compile(r"^(.+?[.!?])(\s|$)", re.DOTALL)


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (whitespace folded), or all of it."""
    t = " ".join(str(text).split())
    m = _SENTENCE.match(t)
    return m.group(1) if m else t


_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def lead_sentences(text: str, n: int = 2, max_chars: int = 320) -> tuple[str, str]:
    """``text`` split after its first sentence, or its first ``n`` while they stay within
    ``max_chars`` (a sentence ends at ``.``, ``!`` or ``?`` followed by a space and a capital,
    so ``15.5 ms`` does not end one): ``(lead, rest)``."""
    parts = _SPLIT.split(" ".join(str(text).split()))
    k = 1
    while k < min(n, len(parts)) and len(" ".join(parts[: k + 1])) <= max_chars:
        k += 1
    return " ".join(parts[:k]), " ".join(parts[k:])


def _value(v: Any) -> bool:
    """A number worth showing: a finite int/float (not a bool)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def format_number(value: Any, unit: str = "") -> str:
    """``value`` with its unit for a human (a fraction as a fraction, ``1`` dropped)."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        a = abs(value)
        text = f"{value:.3g}" if a != 0 and (a < 1e-3 or a >= 1e7) else (
            f"{value:,.4g}" if a < 1e4 else f"{value:,.0f}")  # fmt: skip
    else:
        text = str(value)
    return text if unit in ("", "1") else f"{text} {unit}"


def _described(name: str, k: Any) -> str:
    """The registry's description of KPI ``name``, with the instance a pattern KPI stands for
    (``eo_<mode>_downlinked_gb`` as ``eo_edge_downlinked_gb``: "data downlinked (edge)")."""
    if k is None:
        return ""
    m = re.fullmatch(r"(.*)<[a-z_]+>(.*)", k.name)
    if m is None or not name.startswith(m.group(1)) or not name.endswith(m.group(2)):
        return str(k.description)
    inst = name[len(m.group(1)) : len(name) - len(m.group(2))]
    return f"{k.description} ({inst.replace('_', ' ')})"


def _kpi_numbers(kpis: dict[str, Any], wanted: tuple[str, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for w in wanted:
        names = [w] if w in kpis else [n for n in kpis if re.fullmatch(w, n)]
        for name in names:
            if name in seen or not _value(kpis[name]):
                continue
            seen.add(name)
            k = lookup(name)
            out.append({"name": name, "value": kpis[name], "unit": k.unit if k else "",
                        "description": _described(name, k)})  # fmt: skip
            if len(out) >= MAX_NUMBERS:
                return out
    return out


def _kind(kpis: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    for kind, wanted in KEY_NUMBERS:
        head = wanted[0]
        if any(_value(v) and (n == head or re.fullmatch(head, n)) for n, v in kpis.items()):
            return kind, wanted
    return KEY_NUMBERS[-1]


def _text(v: Any) -> str:
    return "" if v is None else " ".join(str(v).split())


def _verdict(v: dict[str, Any], fallback_question: str) -> dict[str, Any]:
    """One verdict of summary["verdicts"] in the panel's shape: known keys only, numbers with a
    unit (from the registry where the verdict gives none), flips as text."""
    numbers = []
    for n in v.get("numbers") or []:
        if not isinstance(n, dict) or "name" not in n:
            continue
        unit = n.get("unit")
        if unit is None:
            k = lookup(str(n["name"]))
            unit = k.unit if k else ""
        numbers.append({"name": _text(n["name"]), "value": n.get("value"), "unit": str(unit),
                        "description": _text(n.get("description"))})  # fmt: skip
    flips = []
    for f in v.get("flips") or []:
        if isinstance(f, dict):
            text = _text(f.get("text"))
            if not text and f.get("assumption") is not None:
                unit = str(f.get("unit") or "")
                text = (f"{_text(f['assumption'])}: now {format_number(f.get('now'), unit)}, "
                        f"flips at {format_number(f.get('flip_at'), unit)}")  # fmt: skip
            if text:
                flips.append(text)
        elif isinstance(f, str) and f.strip():
            flips.append(_text(f))
    return {
        "topic": _text(v.get("topic")),
        "question": _text(v.get("question")) or fallback_question,
        "text": _text(v.get("text")),
        "numbers": numbers,
        "baseline": _text(v.get("baseline")),
        "assumptions": [_text(a) for a in v.get("assumptions") or [] if _text(a)],
        "flips": flips,
    }


def answer_panel(scenario: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """The answer panel of a run (see the module docstring).

    Parameters
    ----------
    scenario : the resolved scenario as a dict (``question``, ``description`` are read)
    summary : the run summary (``verdicts``, ``kpis``)
    """
    scenario = scenario if isinstance(scenario, dict) else {}
    summary = summary if isinstance(summary, dict) else {}
    kpis = summary.get("kpis") if isinstance(summary.get("kpis"), dict) else {}
    assert isinstance(kpis, dict)
    question = _text(scenario.get("question")) or first_sentence(scenario.get("description", ""))
    raw = summary.get("verdicts")
    verdicts = [_verdict(v, question) for v in raw if isinstance(v, dict)] if isinstance(
        raw, list) else []  # fmt: skip
    verdicts = [v for v in verdicts if v["text"] or v["numbers"]]
    if verdicts:
        return {"question": question or verdicts[0]["question"], "verdicts": verdicts,
                "source": "verdicts"}  # fmt: skip
    kind, wanted = _kind(kpis)
    answer = kpis.get("answer")
    text = _text(answer) if isinstance(answer, str) else ""
    numbers = _kpi_numbers(kpis, wanted)
    if len(numbers) < 3:  # top up from the general figures of any run
        more = _kpi_numbers(kpis, KEY_NUMBERS[-1][1])
        numbers += [n for n in more if n["name"] not in {m["name"] for m in numbers}]
        numbers = numbers[:MAX_NUMBERS]
    return {
        "question": question,
        "verdicts": [{"topic": kind, "question": question, "text": text, "numbers": numbers,
                      "baseline": "", "assumptions": [], "flips": []}],
        "source": "kpis",
    }  # fmt: skip
