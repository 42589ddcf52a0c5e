"""Accelerator throughput from power, and LLM tokens/s per satellite (groups x capacity).

The serving model's accuracy against held-out TensorRT-LLM tables is in test_llm_serving.py."""

from __future__ import annotations

import numpy as np

from orbitcloud.scenario.presets import ACCELERATORS, LLM_MODELS
from orbitcloud.spacecraft import compute as C


def _acc(name: str) -> dict:
    a = ACCELERATORS[name]
    return {"peak_flops": a["peak_tflops"]["fp8"] * 1e12, "hbm_bytes": a["hbm_gb"] * 1e9,
            "hbm_bytes_per_s": a["hbm_tb_s"] * 1e12, "precision_bytes": 1.0}  # fmt: skip


def test_capacity_from_power():
    p = np.array([50.0, 60.0, 180.0, 300.0, 400.0])
    c = C.capacity_from_power(p, 60.0, 300.0)
    np.testing.assert_allclose(c, [0.0, 0.0, 0.5 ** (1 / 3), 1.0, 1.0])
    assert np.all(np.diff(c) >= 0)


def test_tokens_per_s_scales_with_groups_and_capacity():
    spec = C.LlmSpec.from_dict(LLM_MODELS["llama-3-70b"])
    a = _acc("tpu-v6e")
    ok = np.array([8, 8, 3, 0])
    cap = np.array([1.0, 0.5, 1.0, 1.0])
    tps = C.llm_tokens_per_s(spec, accelerators_ok=ok, capacity=cap, **a)
    g = C.llm_group_throughput(spec, batch=64, input_tokens=512, output_tokens=256, **a)
    assert g.group_size == 3  # 70 GB of FP8 weights need three 32 GB chips
    np.testing.assert_allclose(tps, [2, 1, 1, 0] * np.array(g.output_tokens_per_s))
    # a model that fits nowhere serves nothing
    big = C.LlmSpec.from_dict(LLM_MODELS["llama-3.1-405b"])
    jet = _acc("jetson-agx-orin-64gb")
    assert (
        C.llm_tokens_per_s(big, accelerators_ok=np.array([1]), capacity=np.ones(1), **jet)[0] == 0
    )
