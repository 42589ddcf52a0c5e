"""LLM serving model (``spacecraft.llm``): held-out TensorRT-LLM tables and closed forms.

The efficiencies in ``llm.CALIBRATED`` were fitted by ``tests/builders/fit_llm_serving.py`` to
TensorRT-LLM v0.13.0 only; the accuracy tests below use the v0.9.0 and v1.0 tables, which the
fit never sees (sources in each CSV header; docs/models-spacecraft.md lists both sets).
"""

from __future__ import annotations

import importlib.util
from dataclasses import astuple, replace
from pathlib import Path

import numpy as np
import pytest

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.presets import ACCELERATORS, LLM_MODELS
from orbitcloud.spacecraft import compute as C
from orbitcloud.spacecraft import llm

_spec = importlib.util.spec_from_file_location(
    "fit_llm_serving", Path(__file__).parents[1] / "builders" / "fit_llm_serving.py"
)
assert _spec is not None
assert _spec.loader is not None
fit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fit)

MEDIAN_BAND = (0.9, 1.1)
"""Issue 14: per accelerator, the median model/measured of the held-out rows."""
ROW_BAND = (0.67, 1.5)
"""Issue 14: every held-out row."""


def _acc(name: str, precision: str = "fp8") -> dict[str, float]:
    a = ACCELERATORS[name]
    return {"peak_flops": a["peak_tflops"][precision] * 1e12, "hbm_bytes": a["hbm_gb"] * 1e9,
            "hbm_bytes_per_s": a["hbm_tb_s"] * 1e12,
            "precision_bytes": C.BYTES_PER_PARAM[precision]}  # fmt: skip


def test_calibrated_constants_come_from_the_fit_table_only():
    """Re-running the fit on the v0.13.0 table reproduces the pasted constants (so nothing was
    tuned on the held-out tables), and no held-out table is the fit table."""
    assert fit.FIT not in fit.HELD_OUT
    assert fit.SUPERSEDED not in fit.HELD_OUT
    got = fit.fit()
    np.testing.assert_allclose(astuple(got), astuple(llm.CALIBRATED), rtol=2e-3)


def test_tensorrt_llm_held_out_median_per_accelerator():
    gpu, q = fit.held_out()
    assert set(gpu) == {"a100-sxm-80gb", "h100-sxm", "h200-sxm"}
    for g in np.unique(gpu):
        med = float(np.median(q[gpu == g]))
        assert MEDIAN_BAND[0] <= med <= MEDIAN_BAND[1], (g, med)


@pytest.mark.parametrize("table", fit.HELD_OUT)
def test_tensorrt_llm_held_out_every_row(table):
    t, q = fit.ratios(table)
    bad = [(t["gpu"][i], t["model"][i], int(t["tp"][i]), int(t["isl"][i]), int(t["osl"][i]),
            round(float(q[i]), 2)) for i in np.flatnonzero((q < ROW_BAND[0]) | (q > ROW_BAND[1]))]  # fmt: skip
    assert not bad


def test_tensorrt_llm_v1_llama_3_1_8b_long_outputs_not_overestimated():
    """The class of the default ``llama-3-8b`` (GQA, long outputs) was 1.9-3.1x too high before
    (issue 14); on the 14 held-out v1.0 rows with OSL >= 1000 (H100 and H200) none is more than
    10 % high and none below the row band."""
    t, q = fit.ratios("trtllm_v1.0_perf_overview.csv")
    s = (t["model"] == "llama-3.1-8b") & (t["osl"] >= 1000)
    assert s.sum() == 14
    assert ROW_BAND[0] <= q[s].min()
    assert q[s].max() <= 1.1


def test_h200_launch_blog_superseded_rows():
    """TensorRT-LLM v0.5 H200 blog (held out, reported apart): median within the band; its
    Llama-2-70B TP2 128/2048 row is the one far off (v0.9.0 measured the same configuration
    2.4x faster), so the per-row band is not applied to this superseded page."""
    t, q = fit.ratios(fit.SUPERSEDED)
    assert MEDIAN_BAND[0] <= np.median(q) <= MEDIAN_BAND[1]
    off = (q < ROW_BAND[0]) | (q > ROW_BAND[1])
    assert off.sum() == 1
    i = int(np.flatnonzero(off)[0])
    assert (t["model"][i], t["tp"][i], t["isl"][i], t["osl"][i]) == ("llama-2-70b", 2, 128, 2048)


def test_h200_vs_h100_blog_ratio_as_a_held_out_row():
    """Same blog: Llama-70B 2048/128 on one H200 at batch 32 (303 tokens/s) is 1.9x one H100 at
    batch 8, i.e. H100 ~ 159 tokens/s; both rows within the held-out row band."""
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-2-70b"])
    h200 = C.llm_group_throughput(spec, batch=32, input_tokens=2048, output_tokens=128,
                                  group_size=1, **_acc("h200-sxm"))  # fmt: skip
    h100 = C.llm_group_throughput(spec, batch=8, input_tokens=2048, output_tokens=128,
                                  group_size=1, **_acc("h100-sxm"))  # fmt: skip
    assert ROW_BAND[0] < h200.output_tokens_per_s / 303.0 < ROW_BAND[1]
    assert ROW_BAND[0] < h100.output_tokens_per_s / (303.0 / 1.9) < ROW_BAND[1]


# --- closed forms of the model's terms (independent arithmetic, module docstring) ---------


def test_decode_step_batch_one_closed_form():
    """Batch 1 on one H100 (FP8): weights without the input embedding, at >= 16 bit for the
    two vocabulary matrices, over bandwidth x mbu; KV of the mean context over bandwidth x
    mbu_kv; plus the per-sequence and per-layer overheads. Prefill: 2 N_lin ISL + 2 L d ISL^2
    FLOP at peak x mfu_8bit."""
    e = llm.CALIBRATED
    n, lay, d, vocab = 8.03e9, 32, 4096, 128256
    isl, osl = 128, 128
    peak, bw = 1979e12, 3.35e12
    emb = vocab * d
    streamed = (n - 2 * emb) * 1.0 + emb * 2.0  # output head at 16 bit, input lookup not read
    kv = 2 * lay * 8 * 128 * 1.0 * (isl + (osl + 1) / 2)
    step = streamed / (bw * e.mbu) + kv / (bw * e.mbu_kv) + e.seq_step_overhead_s
    step += lay * e.layer_step_overhead_s
    prefill = (2 * (n - emb) * isl + 2 * lay * d * isl**2) / (peak * e.mfu_8bit)
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-3-8b"])
    one = C.llm_group_throughput(spec, batch=1, input_tokens=isl, output_tokens=osl,
                                 **_acc("h100-sxm"))  # fmt: skip
    assert one.group_size == 1
    assert one.batch == 1
    assert one.decode_step_s == pytest.approx(step, rel=1e-9)
    assert one.prefill_s == pytest.approx(prefill, rel=1e-9)
    assert one.output_tokens_per_s == pytest.approx(osl / (prefill + osl * step), rel=1e-9)


def test_batch_limited_by_kv_memory_and_gqa():
    """Batch = floor(f (HBM - workspace - W) / (kappa (ISL + OSL))), kappa = 2 L n_kv d_head p;
    four times the KV heads (no GQA) gives a quarter of the batch."""
    e = llm.CALIBRATED
    gqa = C.LlmSpec.from_dict(LLM_MODELS["llama-3-8b"])
    mha = replace(gqa, kv_heads=32)
    a = _acc("h100-sxm")
    w = (8.03e9 - 2 * 128256 * 4096) * 1.0 + 2 * 128256 * 4096 * 2.0
    free = e.kv_memory_fraction * (80e9 - e.workspace_bytes - w)
    for spec, kv_heads in ((gqa, 8), (mha, 32)):
        got = C.llm_group_throughput(spec, batch=100_000, input_tokens=1000, output_tokens=1000,
                                     **a)  # fmt: skip
        assert got.batch == int(free // (2 * 32 * kv_heads * 128 * 1.0 * 2000))
    assert mha.kv_bytes_per_token(1.0) == 4 * gqa.kv_bytes_per_token(1.0)


def test_tensor_parallel_allreduce_closed_form():
    """Two ring all-reduces per layer per step of b d 16-bit activations: latency + 2 (g-1)/g of
    the bytes over the link (Patarasuk & Yuan 2009); none for one accelerator."""
    e = llm.CALIBRATED
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-3-70b"])
    a = _acc("h100-sxm")
    kw = {"batch": 64, "input_tokens": 512, "output_tokens": 256, "group_size": 4}
    slow = C.llm_group_throughput(spec, link_bytes_per_s=100e9, **kw, **a)
    fast = C.llm_group_throughput(spec, link_bytes_per_s=400e9, **kw, **a)
    moved = 2 * 80 * 1.5 * 64 * 8192 * 2.0  # 2 L x 2(g-1)/g x b d bytes
    assert slow.decode_step_s - fast.decode_step_s == pytest.approx(
        moved / 100e9 - moved / 400e9, rel=1e-9
    )
    r = llm.serving_throughput(spec, a["peak_flops"], a["hbm_bytes"], a["hbm_bytes_per_s"], 1.0,
                               64, 512, 256, np.array([1, 2]), 450e9, e)  # fmt: skip
    no_comm = replace(e, allreduce_latency_s=0.0)
    r0 = llm.serving_throughput(spec, a["peak_flops"], a["hbm_bytes"], a["hbm_bytes_per_s"], 1.0,
                                64, 512, 256, np.array([1, 2]), np.inf, no_comm)  # fmt: skip
    assert r.decode_step_s[0] == r0.decode_step_s[0]  # one accelerator: no all-reduce
    assert r.decode_step_s[1] - r0.decode_step_s[1] == pytest.approx(
        2 * 80 * (e.allreduce_latency_s + 1.0 * 64 * 8192 * 2.0 / 450e9), rel=1e-9
    )


def test_attention_cost_grows_with_context():
    """At a fixed batch the decode step grows linearly with the context by the KV bytes, and
    prefill per token grows by the causal attention 2 L d ISL FLOP."""
    e = llm.CALIBRATED
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-3-8b"])
    a = _acc("h200-sxm")
    isl = np.array([1000.0, 2000.0, 4000.0])
    r = llm.serving_throughput(spec, a["peak_flops"], a["hbm_bytes"], a["hbm_bytes_per_s"], 1.0,
                               16, isl, 200, 1)  # fmt: skip
    kv_step = 16 * 1000 * spec.kv_bytes_per_token(1.0) / (a["hbm_bytes_per_s"] * e.mbu_kv)
    np.testing.assert_allclose(np.diff(r.decode_step_s), [kv_step, 2 * kv_step], rtol=1e-9)
    per_tok = r.prefill_s / isl
    attn = 2 * 32 * 4096 * 1000 / (a["peak_flops"] * e.mfu_8bit)
    np.testing.assert_allclose(np.diff(per_tok), [attn, 2 * attn], rtol=1e-9)


def test_vectorised_matches_one_at_a_time():
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-3-70b"])
    a = _acc("h100-sxm")
    isl = np.array([128, 2048, 5000, 128])
    osl = np.array([128, 128, 500, 4096])
    g = np.array([1, 2, 4, 8])
    r = llm.serving_throughput(spec, a["peak_flops"], a["hbm_bytes"], a["hbm_bytes_per_s"], 1.0,
                               4096, isl, osl, g)  # fmt: skip
    for i in range(4):
        one = C.llm_group_throughput(spec, batch=4096, input_tokens=int(isl[i]),
                                     output_tokens=int(osl[i]), group_size=int(g[i]),
                                     link_bytes_per_s=llm.DEFAULT_LINK_BYTES_PER_S, **a)  # fmt: skip
        assert r.output_tokens_per_s[i] == pytest.approx(one.output_tokens_per_s, rel=1e-12)
        assert r.batch[i] == one.batch
    assert r.batch[0] >= 1  # 70B FP8 fits on one 80 GB H100 with a small KV cache


def test_model_that_does_not_fit_serves_nothing():
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-3-70b"])
    a = _acc("h100-sxm", "bf16")
    got = C.llm_group_throughput(spec, batch=64, input_tokens=512, output_tokens=256,
                                 group_size=1, **a)  # fmt: skip
    assert not got.feasible
    assert got.output_tokens_per_s == 0.0
    assert got.batch == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("input_tokens", 0), ("output_tokens", -5), ("batch", 0), ("hbm_bytes", float("nan")),
     ("peak_flops", float("inf")), ("group_size", 0)],
)  # fmt: skip
def test_bad_input_is_a_clear_error(field, value):
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-3-8b"])
    kw = {"batch": 64, "input_tokens": 512, "output_tokens": 256, **_acc("h100-sxm")}
    kw[field] = value
    with pytest.raises(OrbitcloudInputError, match=field):
        C.llm_group_throughput(spec, **kw)
