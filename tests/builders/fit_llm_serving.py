"""Fit the serving efficiencies of ``orbitcloud.spacecraft.llm`` and report held-out accuracy.

FIT set: ``tests/spacecraft/data/trtllm_v0.13.0_ifb.csv`` (NVIDIA TensorRT-LLM v0.13.0
perf-overview, in-flight batching). HELD-OUT sets, never seen by the fit:
``trtllm_v0.9.0_static.csv`` (v0.9.0 static batching), ``trtllm_v1.0_perf_overview.csv`` (v1.0,
PyTorch backend), and, reported apart, ``trtllm_h200_launch_blog.csv`` (v0.5, superseded). Each
file's header names its source. The seven efficiencies of
:class:`~orbitcloud.spacecraft.llm.ServingEfficiency` are fitted by robust least squares on
ln(model / measured); the result is pasted into ``CALIBRATED``.

Run: ``python3.11 tests/builders/fit_llm_serving.py`` (prints the fit and the held-out ratios).
``tests/spacecraft/test_llm_serving.py`` imports :func:`load` and :func:`predict` from here.
"""

from __future__ import annotations

import csv
from dataclasses import astuple, replace
from pathlib import Path

import numpy as np

from orbitcloud.scenario.presets import ACCELERATORS, LLM_MODELS
from orbitcloud.spacecraft import llm
from orbitcloud.spacecraft.compute import BYTES_PER_PARAM, DEFAULT_BATCH_CEILING

DATA = Path(__file__).parents[1] / "spacecraft" / "data"
FIT = "trtllm_v0.13.0_ifb.csv"
HELD_OUT = ("trtllm_v0.9.0_static.csv", "trtllm_v1.0_perf_overview.csv")
SUPERSEDED = "trtllm_h200_launch_blog.csv"
"""Held out too, but reported apart: the page itself says its v0.5 data is superseded ("There
have been significant improvements in v0.6 & later"); its Llama-2-70B TP2 128/2048 row is 2.4x
below v0.9.0's measurement of the same configuration (1,654 vs 3,963 tokens/s per GPU)."""
KV_FRACTION = {"trtllm_v0.13.0_ifb.csv": 0.99, "trtllm_v1.0_perf_overview.csv": 0.95}
"""KV-cache share of free memory each benchmark ran with: v0.13.0's example output prints "KV
Memory Percentage: 99.0%"; the v1.0 page: "In many cases, we also use ... 0.95". Others: the
engine default 0.9 (static tables give the batch, so memory rarely binds)."""
PRECISION = {"fp8": "fp8", "fp16": "bf16"}
"""Published precision -> catalogue peak key (FP16 and BF16 run at the same tensor rate)."""


def load(name: str) -> dict[str, np.ndarray]:
    """Rows of one table: gpu, precision, model, tp, batch, isl, osl, measured (group total)."""
    with (DATA / name).open() as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    out: dict[str, list] = {k: [] for k in ("gpu", "precision", "model", "tp", "batch", "isl",
                                            "osl", "measured")}  # fmt: skip
    for r in rows:
        tp = int(r["tp"])
        out["gpu"].append(r["gpu"])
        out["precision"].append(r["precision"])
        out["model"].append(r["model"])
        out["tp"].append(tp)
        out["batch"].append(int(r.get("batch") or DEFAULT_BATCH_CEILING))
        out["isl"].append(int(r["isl"]))
        out["osl"].append(int(r["osl"]))
        if "tokens_per_s" in r:
            out["measured"].append(float(r["tokens_per_s"]))
        else:
            out["measured"].append(float(r["tokens_per_s_per_gpu"]) * tp)
    t = {k: np.asarray(v) for k, v in out.items()}
    t["kv_fraction"] = np.asarray(KV_FRACTION.get(name, 0.9))
    return t


def predict(t: dict[str, np.ndarray], eff: llm.ServingEfficiency = llm.CALIBRATED) -> np.ndarray:
    """Model output tokens/s of each row's group (vectorised per model)."""
    acc = [ACCELERATORS[g] for g in t["gpu"]]
    prec = [PRECISION[p] for p in t["precision"]]
    peak = np.array([a["peak_tflops"][p] * 1e12 for a, p in zip(acc, prec, strict=True)])
    hbm = np.array([a["hbm_gb"] * 1e9 for a in acc])
    bw = np.array([a["hbm_tb_s"] * 1e12 for a in acc])
    link = np.array([a["interconnect_gb_s"] * 1e9 for a in acc])
    pb = np.array([BYTES_PER_PARAM[p] for p in prec])
    out = np.zeros(len(t["gpu"]))
    eff = replace(eff, kv_memory_fraction=float(t["kv_fraction"]))
    for m in np.unique(t["model"]):
        s = t["model"] == m
        r = llm.serving_throughput(
            llm.LlmSpec.from_dict(LLM_MODELS[str(m)]), peak[s], hbm[s], bw[s], pb[s],
            t["batch"][s], t["isl"][s], t["osl"][s], t["tp"][s], link[s], eff,
        )  # fmt: skip
        out[s] = r.output_tokens_per_s
    return out


def ratios(name: str, eff: llm.ServingEfficiency = llm.CALIBRATED) -> tuple[dict, np.ndarray]:
    """A table and its model/measured ratios."""
    t = load(name)
    return t, predict(t, eff) / t["measured"]


def held_out(eff: llm.ServingEfficiency = llm.CALIBRATED) -> tuple[np.ndarray, np.ndarray]:
    """Accelerator and model/measured ratio of every held-out row."""
    parts = [ratios(n, eff) for n in HELD_OUT]
    return np.concatenate([t["gpu"] for t, _ in parts]), np.concatenate([q for _, q in parts])


def fit() -> llm.ServingEfficiency:
    """Robust least squares (soft-L1, 15 % scale) on ln(model/measured) over the fit table;
    rows the model cannot hold get a fixed penalty (they keep the memory terms honest)."""
    from scipy.optimize import least_squares

    t = load(FIT)
    names = ("mfu_8bit", "mfu_16bit", "mbu", "mbu_kv", "allreduce_latency_s",
             "seq_step_overhead_s", "layer_step_overhead_s")  # fmt: skip
    x0 = np.array([0.5, 0.6, 0.8, 0.6, 10e-6, 10e-6, 10e-6])
    scale = np.array([1.0, 1.0, 1.0, 1.0, 1e-5, 1e-5, 1e-5])

    def eff_of(x: np.ndarray) -> llm.ServingEfficiency:
        return llm.ServingEfficiency(**dict(zip(names, x * scale, strict=True)))

    def resid(x: np.ndarray) -> np.ndarray:
        p = predict(t, eff_of(x))
        return np.where(p > 0, np.log(np.maximum(p, 1e-9) / t["measured"]), 3.0)

    # bandwidth utilisations capped at 0.95: the best streaming kernels reach about 90-95 % of
    # the datasheet bandwidth (both end at the cap: the fit would take more)
    lo = np.array([0.05, 0.05, 0.2, 0.05, 0.0, 0.0, 0.0])
    hi = np.array([1.0, 1.0, 0.95, 0.95, 20.0, 20.0, 200.0])
    r = least_squares(resid, x0 / scale, bounds=(lo, hi), loss="soft_l1", f_scale=0.15)
    return eff_of(r.x)


def summary(name: str, eff: llm.ServingEfficiency) -> None:
    t, q = ratios(name, eff)
    print(f"{name}: {len(q)} rows, median {np.median(q):.3f}, range {q.min():.2f}-{q.max():.2f}")
    for g in np.unique(t["gpu"]):
        s = t["gpu"] == g
        print(f"  {g:15s} n={s.sum():3d} median {np.median(q[s]):.3f} "
              f"range {q[s].min():.2f}-{q[s].max():.2f}")  # fmt: skip


def main() -> None:
    eff = fit()
    print("fitted:", eff)
    print("values:", [float(f"{v:.4g}") for v in astuple(eff)])
    for name in (FIT, *HELD_OUT, SUPERSEDED):
        summary(name, eff)
    gpu, q = held_out(eff)
    print("held out, all tables:")
    for g in np.unique(gpu):
        s = gpu == g
        print(f"  {g:15s} n={s.sum():3d} median {np.median(q[s]):.3f} "
              f"range {q[s].min():.2f}-{q[s].max():.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
