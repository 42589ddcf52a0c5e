"""Accelerator throughput from power and heat, and LLM inference tokens/s of satellites.

Delivered compute of a satellite = healthy accelerators x peak x capacity factor, where the
capacity factor follows the power the accelerators may draw this step (power and thermal
headroom) by dynamic voltage-frequency scaling: P_dyn ~ f V^2 with V ~ f gives throughput ~
P_dyn^(1/3).

LLM inference per tensor-parallel group: the serving model of :mod:`orbitcloud.spacecraft.llm`
(prefill and decode rooflines with attention FLOP and KV-cache reads growing with context, GQA,
per-step overhead, batch limited by KV memory, tensor-parallel all-reduces), calibrated on one
set of published TensorRT-LLM measurements and tested on others (docs/models-spacecraft.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.spacecraft.llm import (
    CALIBRATED,
    DEFAULT_LINK_BYTES_PER_S,
    LlmSpec,
    ServingEfficiency,
    serving_throughput,
)

__all__ = [
    "BYTES_PER_PARAM",
    "LlmSpec",
    "LlmThroughput",
    "capacity_from_power",
    "llm_group_throughput",
    "llm_tokens_per_s",
]

BYTES_PER_PARAM = {"fp32": 4.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0}

DEFAULT_MFU = CALIBRATED.mfu_16bit
"""Model-FLOP utilisation at 16 bit (calibrated, :data:`orbitcloud.spacecraft.llm.CALIBRATED`)."""

DEFAULT_MFU_DECODE = CALIBRATED.mfu_16bit
"""Model-FLOP utilisation of compute-bound decode steps at 16 bit (calibrated; as prefill)."""

DEFAULT_MBU = CALIBRATED.mbu
"""Memory-bandwidth utilisation of decode (calibrated)."""

MEMORY_RESERVE = 1.0 - CALIBRATED.kv_memory_fraction
"""Fraction of the memory left after weights and workspace not given to the KV cache
(TensorRT-LLM's default ``kv_cache_free_gpu_mem_fraction`` 0.9)."""

DEFAULT_BATCH_CEILING = 4096
"""Largest batch a serving engine forms (TensorRT-LLM ``trtllm-bench`` max runtime batch size,
v0.13.0 perf-overview)."""


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
class LlmThroughput:
    """Result of :func:`llm_group_throughput` for one tensor-parallel group."""

    group_size: int
    batch: int
    output_tokens_per_s: float
    prefill_s: float
    decode_step_s: float
    feasible: bool


def _check_positive(**values: float) -> None:
    """Raise :class:`OrbitcloudInputError` for a value that is not a finite number > 0."""
    for name, v in values.items():
        if not (np.isfinite(v) and v > 0):
            raise OrbitcloudInputError(f"{name} must be a finite number > 0, got {v!r}")


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
    mfu: float | None = None,
    mbu: float | None = None,
    tp_efficiency: float = 1.0,
    mfu_decode: float | None = None,
    link_bytes_per_s: float = DEFAULT_LINK_BYTES_PER_S,
    eff: ServingEfficiency = CALIBRATED,
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
    mfu : model-FLOP utilisation, prefill and decode [-] (None: calibrated, by operand width)
    mbu : decode memory-bandwidth utilisation [-] (None: calibrated)
    tp_efficiency : extra derating per added group member [-] (1: none; the all-reduce term
        of the serving model already charges tensor parallelism)
    mfu_decode : accepted for compatibility; decode uses the same FLOP utilisation as prefill
    link_bytes_per_s : per-accelerator tensor-parallel link, one direction [B/s]
    eff : efficiencies and overheads (default: calibrated)

    Returns
    -------
    :class:`LlmThroughput` (``feasible`` False if the model does not fit even at batch 1).

    References
    ----------
    :func:`orbitcloud.spacecraft.llm.serving_throughput` (Kaplan et al. 2020; Pope et al. 2022,
    arXiv:2211.05102; Kwon et al. 2023, arXiv:2309.06180).
    """
    _check_positive(peak_flops=peak_flops, hbm_bytes=hbm_bytes, hbm_bytes_per_s=hbm_bytes_per_s,
                    precision_bytes=precision_bytes, batch=batch, input_tokens=input_tokens,
                    output_tokens=output_tokens, link_bytes_per_s=link_bytes_per_s,
                    group_size=1 if group_size is None else group_size)  # fmt: skip
    e = eff
    if mfu is not None:
        e = replace(e, mfu_8bit=mfu, mfu_16bit=mfu)
    if mbu is not None:
        e = replace(e, mbu=mbu)
    if group_size is None:
        need = model.weight_bytes(precision_bytes) + model.kv_bytes_per_token(precision_bytes) * (
            input_tokens + output_tokens
        )
        usable = (hbm_bytes - e.workspace_bytes) * e.kv_memory_fraction
        group_size = max(1, int(np.ceil(need / usable)))
    derate = tp_efficiency ** (group_size - 1)
    r = serving_throughput(model, peak_flops * derate, hbm_bytes, hbm_bytes_per_s * derate,
                           precision_bytes, batch, input_tokens, output_tokens, group_size,
                           link_bytes_per_s, e)  # fmt: skip
    b = int(r.batch)
    if b < 1:
        return LlmThroughput(group_size, 0, 0.0, np.inf, np.inf, False)
    return LlmThroughput(group_size, b, float(r.output_tokens_per_s), float(r.prefill_s),
                         float(r.decode_step_s), True)  # fmt: skip


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
    mfu: float | None = None,
    mbu: float | None = None,
    link_bytes_per_s: float = DEFAULT_LINK_BYTES_PER_S,
) -> np.ndarray:
    """Output tokens/s each satellite can serve now: groups x group throughput x capacity.

    Parameters
    ----------
    model, peak_flops, hbm_bytes, hbm_bytes_per_s, precision_bytes : see
        :func:`llm_group_throughput`
    accelerators_ok : (...,) healthy accelerators per satellite [count]
    capacity : (...,) capacity factor 0..1 (power, thermal, radiation availability) [-]
    batch, input_tokens, output_tokens : workload shape
    mfu, mbu : utilisations [-] (None: calibrated)
    link_bytes_per_s : per-accelerator tensor-parallel link, one direction [B/s]

    Returns
    -------
    Array of the broadcast shape: output tokens/s [1/s]; 0 where a group does not fit.

    References
    ----------
    :func:`llm_group_throughput`.
    """
    g = llm_group_throughput(model, peak_flops, hbm_bytes, hbm_bytes_per_s, precision_bytes,
                             batch, input_tokens, output_tokens, mfu=mfu, mbu=mbu,
                             link_bytes_per_s=link_bytes_per_s)  # fmt: skip
    groups = np.floor(np.asarray(accelerators_ok) / g.group_size)
    return groups * g.output_tokens_per_s * np.asarray(capacity)
