"""Accelerator throughput from power and heat, and LLM inference tokens/s (roofline model).

Delivered compute of a satellite = healthy accelerators x peak x capacity factor, where the
capacity factor follows the power the accelerators may draw this step (power and thermal
headroom) by dynamic voltage-frequency scaling: P_dyn ~ f V^2 with V ~ f gives throughput ~
P_dyn^(1/3).

LLM inference (per tensor-parallel group of accelerators that holds the model):
* prefill (compute-bound): 2 N FLOP per input token at a model-FLOP utilisation ``mfu``;
* decode (memory-bound at small batch): per output step, read the weights (N x bytes) and the
  KV cache of the batch, at a bandwidth utilisation ``mbu``; compute-bound at large batch (the
  step takes the larger of the two times);
* the batch is limited by memory: weights + KV cache (2 L n_kv d_head bytes per token) must fit.
Throughput = batch x output tokens / (prefill time + output tokens x step time), output tokens/s
as in NVIDIA's TensorRT-LLM tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0}

DEFAULT_MFU = 0.5
"""Model-FLOP utilisation of prefill (assumed; 0.4-0.6 typical for large-batch LLM prefill)."""

DEFAULT_MFU_DECODE = 0.35
"""Model-FLOP utilisation of compute-bound decode steps (assumed; smaller GEMMs than prefill)."""

DEFAULT_MBU = 0.8
"""Memory-bandwidth utilisation of decode (assumed; 0.6-0.9 for tuned kernels)."""

MEMORY_RESERVE = 0.10
"""Fraction of accelerator memory kept for activations, workspace and fragmentation (assumed)."""


def capacity_from_power(
    power_w: np.ndarray, idle_w: np.ndarray, tdp_w: np.ndarray, exponent: np.ndarray | float = 1 / 3
) -> np.ndarray:
    """Fraction of peak throughput at a power draw between idle and TDP, in [0, 1].

    c = ((P - P_idle) / (P_tdp - P_idle))^exponent, clipped; 0 at or below idle.

    Parameters
    ----------
    power_w : power available to the accelerators [W] (per device, or totals consistently)
    idle_w : idle (static) power [W]
    tdp_w : thermal design power [W]
    exponent : throughput-power exponent [-]; 1/3 from CMOS DVFS

    Returns
    -------
    Capacity factor [-]

    References
    ----------
    Dynamic CMOS power P = a C V^2 f (Rabaey, Chandrakasan & Nikolic, Digital Integrated
    Circuits, 2nd ed., sec. 5.5); with V ~ f in the DVFS range, f ~ P_dyn^(1/3).
    """
    span = np.maximum(tdp_w - idle_w, 1e-12)
    share = np.clip((power_w - idle_w) / span, 0.0, 1.0)
    return share**exponent


@dataclass(frozen=True)
class LlmSpec:
    """An LLM for the roofline model: parameters [count], layers, KV heads, head dimension."""

    params: float
    layers: int
    kv_heads: int
    head_dim: int

    @staticmethod
    def from_dict(d: dict) -> LlmSpec:
        return LlmSpec(float(d["params_b"]) * 1e9, int(d["layers"]), int(d["kv_heads"]),
                       int(d["head_dim"]))  # fmt: skip

    def kv_bytes_per_token(self, bytes_per_elem: float) -> float:
        """KV cache per token: 2 (K and V) x layers x kv_heads x head_dim x bytes [B]."""
        return 2.0 * self.layers * self.kv_heads * self.head_dim * bytes_per_elem


@dataclass(frozen=True)
class LlmThroughput:
    """Result of :func:`llm_group_throughput` for one tensor-parallel group."""

    group_size: int
    batch: int
    output_tokens_per_s: float
    prefill_s: float
    decode_step_s: float
    feasible: bool


def llm_group_throughput(
    model: LlmSpec,
    peak_flops: float,
    hbm_bytes: float,
    hbm_bytes_per_s: float,
    precision_bytes: float,
    batch: int,
    input_tokens: int,
    output_tokens: int,
    group_size: int | None = None,
    mfu: float = DEFAULT_MFU,
    mbu: float = DEFAULT_MBU,
    tp_efficiency: float = 0.9,
    mfu_decode: float = DEFAULT_MFU_DECODE,
) -> LlmThroughput:
    """Output tokens/s of one group of accelerators serving an LLM at full capacity.

    Parameters
    ----------
    model : the LLM
    peak_flops : dense peak of one accelerator at the serving precision [FLOP/s]
    hbm_bytes : memory of one accelerator [B]
    hbm_bytes_per_s : memory bandwidth of one accelerator [B/s]
    precision_bytes : bytes per weight and per KV element [B]
    batch : requested concurrent sequences (reduced to what fits in memory)
    input_tokens, output_tokens : prompt and generated lengths [tokens]
    group_size : accelerators per tensor-parallel group (default: the fewest that hold the
        weights and one sequence)
    mfu : prefill model-FLOP utilisation [-]
    mbu : decode memory-bandwidth utilisation [-]
    tp_efficiency : scaling efficiency per extra group member [-]
    mfu_decode : decode model-FLOP utilisation when compute-bound [-]

    Returns
    -------
    :class:`LlmThroughput` (``feasible`` False if the model does not fit even at batch 1).

    References
    ----------
    Kaplan et al. (2020), arXiv:2001.08361 (2N FLOP per token); Pope et al. (2022), "Efficiently
    Scaling Transformer Inference", arXiv:2211.05102 (memory-bound decode, KV cache); NVIDIA
    TensorRT-LLM ``docs/source/blogs/H200launch.md`` (validation, shared/VALIDATION.md H).
    """
    weights = model.params * precision_bytes
    kv_tok = model.kv_bytes_per_token(precision_bytes)
    ctx = input_tokens + output_tokens
    usable = hbm_bytes * (1.0 - MEMORY_RESERVE)
    if group_size is None:
        group_size = max(1, int(np.ceil((weights + kv_tok * ctx) / usable)))
    mem = usable * group_size
    fit = int((mem - weights) // (kv_tok * ctx)) if mem > weights else 0
    b = min(int(batch), fit)
    if b < 1:
        return LlmThroughput(group_size, 0, 0.0, np.inf, np.inf, False)
    eff = tp_efficiency ** (group_size - 1)
    flops = peak_flops * group_size * eff
    bw = hbm_bytes_per_s * group_size * eff
    prefill = b * input_tokens * 2.0 * model.params / (flops * mfu)
    mean_ctx = input_tokens + 0.5 * output_tokens
    bytes_step = weights + b * mean_ctx * kv_tok
    step = max(bytes_step / (bw * mbu), b * 2.0 * model.params / (flops * mfu_decode))
    tps = b * output_tokens / (prefill + output_tokens * step)
    return LlmThroughput(group_size, b, tps, prefill, step, True)


def llm_tokens_per_s(
    model: LlmSpec,
    peak_flops: float,
    hbm_bytes: float,
    hbm_bytes_per_s: float,
    precision_bytes: float,
    accelerators_ok: np.ndarray,
    capacity: np.ndarray,
    batch: int = 64,
    input_tokens: int = 512,
    output_tokens: int = 256,
    mfu: float = DEFAULT_MFU,
    mbu: float = DEFAULT_MBU,
) -> np.ndarray:
    """Output tokens/s each satellite can serve now: groups x group throughput x capacity.

    Parameters
    ----------
    model, peak_flops, hbm_bytes, hbm_bytes_per_s, precision_bytes : see
        :func:`llm_group_throughput`
    accelerators_ok : (...,) healthy accelerators per satellite [count]
    capacity : (...,) capacity factor 0..1 (power, thermal, radiation availability) [-]
    batch, input_tokens, output_tokens : workload shape
    mfu, mbu : utilisations [-]

    Returns
    -------
    Array of the broadcast shape: output tokens/s [1/s]; 0 where a group does not fit.

    References
    ----------
    :func:`llm_group_throughput`.
    """
    g = llm_group_throughput(model, peak_flops, hbm_bytes, hbm_bytes_per_s, precision_bytes,
                             batch, input_tokens, output_tokens, mfu=mfu, mbu=mbu)  # fmt: skip
    groups = np.floor(np.asarray(accelerators_ok) / g.group_size)
    return groups * g.output_tokens_per_s * np.asarray(capacity)
