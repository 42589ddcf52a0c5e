"""LLM serving throughput of a tensor-parallel group: a roofline with the terms that matter.

Per group of ``g`` accelerators holding one copy of the model at ``p`` bytes per weight:

* **memory**: weights ``W`` (embedding and output head kept at 16 bit, as FP8/INT8 serving
  checkpoints keep them) and a KV cache of ``kappa = 2 L n_kv d_head p`` bytes per token share
  ``g`` accelerators less a workspace each; requests hold their full context, so the batch is
  ``min(batch, f (g (HBM - workspace) - W) / (kappa (ISL + OSL)))`` (TensorRT-LLM's "guaranteed
  no evict" scheduler, vLLM's pre-allocation);
* **prefill** of one request: ``2 N_lin ISL + 2 L d ISL^2`` FLOP (linear layers plus causal
  attention, Kaplan et al. 2020 Table 1) at a FLOP utilisation that depends on the operand
  width, plus two ring all-reduces per layer of the prompt's activations;
* **decode step** at batch ``b`` and mean context ``c = ISL + (OSL + 1)/2``, kernels in turn:
  linear layers ``max(streamed weights / (BW mbu), b 2 N_lin / (peak MFU))``, attention
  ``max(b c kappa / (BW mbu_kv), b 4 L d c / (peak MFU))`` (KV-cache reads grow with context),
  overheads ``b t_seq + L t_layer`` (sampling and scheduling per sequence, launches and
  synchronisation per layer), and ``2 L`` ring all-reduces of ``b d`` 16-bit activations
  (latency + ``2 (g-1)/g`` of the bytes over the per-accelerator link);
* output tokens/s ``= b OSL / (b t_prefill + OSL t_step)``: every request is prefilled once and
  then takes ``OSL`` steps in a batch of ``b`` (exact for static batching, the steady state of
  in-flight batching when prefill and decode share the accelerators).

GQA and MQA enter through ``n_kv`` (KV bytes and capacity); attention FLOP through the query
width ``d = n_heads d_head``. Efficiencies (:data:`CALIBRATED`) were fitted by
``tests/builders/fit_llm_serving.py`` to NVIDIA TensorRT-LLM v0.13.0's in-flight-batching table
and are tested on tables never used by the fit (TensorRT-LLM v0.9.0 static batching and the
v1.0 perf overview: per accelerator median model/measured 0.90-0.91, rows 0.72-1.24;
docs/models-spacecraft.md).

Valid for dense decoder-only transformers on one node (tensor parallel over a fast link), batch
ceilings of a few thousand, contexts within the model's window. Not modelled: pipeline or expert
parallelism, speculative decoding, prefix caching, preemption.

References
----------
Kaplan et al. (2020), arXiv:2001.08361, Table 1 (forward FLOP per token 2N + 2 n_layer n_ctx d);
Pope et al. (2022), arXiv:2211.05102 (memory-bound decode, KV cache, tensor-parallel
all-reduce); Patarasuk & Yuan (2009), J. Parallel Distrib. Comput. 69(2) (ring all-reduce moves
2 (g-1)/g of the buffer); Kwon et al. (2023), arXiv:2309.06180 (vLLM: KV-cache capacity bounds
the batch); Ainslie et al. (2023), arXiv:2305.13245 (GQA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

ACTIVATION_BYTES = 2.0
"""Bytes per activation element exchanged by tensor-parallel all-reduces (FP16/BF16)."""

EMBEDDING_MIN_BYTES = 2.0
"""Embedding and output-head weights stay at 16 bit in FP8/INT8 checkpoints (NVIDIA ModelOpt
FP8 checkpoints, e.g. ``nvidia/Llama-3.1-8B-Instruct-FP8``, quantise only the linear layers)."""

DEFAULT_LINK_BYTES_PER_S = 450e9
"""Per-accelerator, per-direction tensor-parallel link bandwidth when none is given [B/s]
(NVLink 4 on H100 SXM: 900 GB/s bidirectional, NVIDIA H100 datasheet)."""


@dataclass(frozen=True)
class LlmSpec:
    """A dense decoder-only LLM.

    ``params`` [count], ``layers``, ``kv_heads`` (GQA/MQA: fewer than ``heads``), ``head_dim``,
    ``heads`` (query heads; 0: estimate the width from ``params ~ 12 L d^2``), ``vocab``
    (0: no separate embedding accounting), ``tied_embeddings`` (one matrix for input and output).
    """

    params: float
    layers: int
    kv_heads: int
    head_dim: int
    heads: int = 0
    vocab: int = 0
    tied_embeddings: bool = False

    @staticmethod
    def from_dict(d: dict[str, Any]) -> LlmSpec:
        """From a catalogue entry (``params_b``, ``layers``, ``kv_heads``, ``head_dim``, and
        optionally ``heads``, ``vocab``, ``tied_embeddings``)."""
        return LlmSpec(
            float(d["params_b"]) * 1e9, int(d["layers"]), int(d["kv_heads"]), int(d["head_dim"]),
            int(d.get("heads", 0)), int(d.get("vocab", 0)), bool(d.get("tied_embeddings", False)),
        )  # fmt: skip

    @property
    def width(self) -> float:
        """Query width ``d = heads x head_dim`` (or ``sqrt(N / 12 L)`` if heads are unknown)."""
        if self.heads > 0:
            return float(self.heads * self.head_dim)
        return float(np.sqrt(self.params / (12.0 * self.layers)))

    @property
    def embedding_params(self) -> float:
        """Parameters of one vocabulary matrix (``vocab x width``) [count]."""
        return float(self.vocab) * self.width

    @property
    def linear_params(self) -> float:
        """Parameters multiplied per token (all but the input embedding lookup) [count]."""
        return self.params - self.embedding_params * (0.0 if self.tied_embeddings else 1.0)

    def kv_bytes_per_token(self, bytes_per_elem: Any) -> Any:
        """KV cache per token: 2 (K and V) x layers x kv_heads x head_dim x bytes [B]."""
        return 2.0 * self.layers * self.kv_heads * self.head_dim * bytes_per_elem

    def weight_bytes(self, bytes_per_param: Any) -> Any:
        """Stored weights [B]: vocabulary matrices at >= 16 bit, the rest at ``bytes_per_param``."""
        n_vocab = self.embedding_params * (1.0 if self.tied_embeddings else 2.0)
        wide = np.maximum(bytes_per_param, EMBEDDING_MIN_BYTES)
        return (self.params - n_vocab) * bytes_per_param + n_vocab * wide

    def streamed_bytes(self, bytes_per_param: Any) -> Any:
        """Weights read per decode step [B]: all but the input embedding (a row lookup)."""
        skip = 0.0 if self.tied_embeddings else self.embedding_params
        return self.weight_bytes(bytes_per_param) - skip * np.maximum(
            bytes_per_param, EMBEDDING_MIN_BYTES
        )


@dataclass(frozen=True)
class ServingEfficiency:
    """Achieved fractions of the roofline and fixed costs of a serving stack.

    ``mfu_8bit`` / ``mfu_16bit``: FLOP utilisation with 8-bit / 16-bit (and wider) operands,
    prefill and compute-bound decode [-]; ``mbu``: bandwidth utilisation streaming weights [-];
    ``mbu_kv``: bandwidth utilisation of the attention kernels reading the KV cache [-];
    ``allreduce_latency_s``: latency of one tensor-parallel all-reduce [s];
    ``seq_step_overhead_s``: time per sequence per decode step [s]; ``layer_step_overhead_s``:
    time per layer per decode step [s]; ``kv_memory_fraction``: share of the memory left after
    the weights and ``workspace_bytes`` per accelerator that the KV cache may take [-].
    """

    mfu_8bit: float
    mfu_16bit: float
    mbu: float
    mbu_kv: float
    allreduce_latency_s: float
    seq_step_overhead_s: float
    layer_step_overhead_s: float
    kv_memory_fraction: float = 0.9
    workspace_bytes: float = 2e9


CALIBRATED = ServingEfficiency(
    mfu_8bit=0.5326,
    mfu_16bit=0.6037,
    mbu=0.95,
    mbu_kv=0.95,
    allreduce_latency_s=5.415e-6,
    seq_step_overhead_s=8.363e-6,
    layer_step_overhead_s=1.994e-4,
)
"""Fitted by ``tests/builders/fit_llm_serving.py`` to TensorRT-LLM v0.13.0 (in-flight batching,
H200/H100 FP8, H100/A100 FP16, Llama 2/3.1 and Mistral 7-70B, TP 1-8); both bandwidth
utilisations end at the fit's cap of 0.95. ``kv_memory_fraction`` 0.9 is the default of
TensorRT-LLM (``kv_cache_free_gpu_mem_fraction``) and vLLM (``gpu_memory_utilization``);
``workspace_bytes`` (runtime, activation buffers) is assumed. The per-layer overhead belongs to
the v0.13.0 stack; stacks with CUDA graphs (v1.0) run up to ~1.4x faster on small models."""


@dataclass(frozen=True)
class ServingPoint:
    """Throughput of tensor-parallel groups (arrays broadcast over the inputs)."""

    batch: np.ndarray
    """sequences served together (0: the model does not fit) [count]"""
    output_tokens_per_s: np.ndarray
    """output tokens/s of one group [1/s]"""
    prefill_s: np.ndarray
    """prefill time of one request [s] (inf where infeasible)"""
    decode_step_s: np.ndarray
    """time of one decode step of the batch [s] (inf where infeasible)"""


def _allreduce_s(n_bytes: Any, group: Any, link_bytes_per_s: Any, latency_s: float) -> Any:
    """Ring all-reduce of ``n_bytes`` over ``group`` members: latency + 2 (g-1)/g bytes / link."""
    share = 2.0 * (group - 1.0) / np.maximum(group, 1.0)
    return np.where(group > 1, latency_s + share * n_bytes / link_bytes_per_s, 0.0)


def serving_throughput(
    model: LlmSpec,
    peak_flops: Any,
    hbm_bytes: Any,
    hbm_bytes_per_s: Any,
    precision_bytes: Any,
    batch: Any,
    input_tokens: Any,
    output_tokens: Any,
    group_size: Any,
    link_bytes_per_s: Any = DEFAULT_LINK_BYTES_PER_S,
    eff: ServingEfficiency = CALIBRATED,
) -> ServingPoint:
    """Output tokens/s of tensor-parallel groups serving ``model`` (module docstring).

    Parameters
    ----------
    model : the LLM
    peak_flops : dense peak of one accelerator at the serving precision [FLOP/s]
    hbm_bytes : memory of one accelerator [B]
    hbm_bytes_per_s : memory bandwidth of one accelerator [B/s]
    precision_bytes : bytes per weight and per KV element [B]
    batch : largest batch the server may form [count]
    input_tokens, output_tokens : prompt and generated lengths [tokens]
    group_size : accelerators per tensor-parallel group [count]
    link_bytes_per_s : per-accelerator tensor-parallel link bandwidth, one direction [B/s]
    eff : efficiencies and overheads

    Returns
    -------
    :class:`ServingPoint`, arrays of the broadcast shape of the inputs.

    References
    ----------
    Module docstring (Kaplan et al. 2020; Pope et al. 2022; Kwon et al. 2023).
    """
    g = np.asarray(group_size, dtype=float)
    p = np.asarray(precision_bytes, dtype=float)
    isl = np.asarray(input_tokens, dtype=float)
    osl = np.asarray(output_tokens, dtype=float)
    kv_tok = model.kv_bytes_per_token(p)
    hbm = np.asarray(hbm_bytes, dtype=float)
    free = g * (hbm - eff.workspace_bytes) - model.weight_bytes(p)
    fit = np.floor(eff.kv_memory_fraction * np.maximum(free, 0.0) / (kv_tok * (isl + osl)))
    b = np.minimum(np.floor(np.asarray(batch, dtype=float)), fit)
    ok = b >= 1
    bb = np.maximum(b, 1.0)
    mfu = np.where(p <= 1.0, eff.mfu_8bit, eff.mfu_16bit)
    flops = g * np.asarray(peak_flops, dtype=float) * mfu
    bw = g * np.asarray(hbm_bytes_per_s, dtype=float)
    d, n_lin, lay = model.width, model.linear_params, float(model.layers)
    act = ACTIVATION_BYTES * d
    pre = (2.0 * n_lin * isl + 2.0 * lay * d * isl**2) / flops
    pre = pre + 2.0 * lay * _allreduce_s(isl * act, g, link_bytes_per_s, eff.allreduce_latency_s)
    ctx = isl + 0.5 * (osl + 1.0)
    t_lin = np.maximum(model.streamed_bytes(p) / (bw * eff.mbu), bb * 2.0 * n_lin / flops)
    t_att = np.maximum(bb * ctx * kv_tok / (bw * eff.mbu_kv), bb * 4.0 * lay * d * ctx / flops)
    step = t_lin + t_att + bb * eff.seq_step_overhead_s + lay * eff.layer_step_overhead_s
    step = step + 2.0 * lay * _allreduce_s(bb * act, g, link_bytes_per_s, eff.allreduce_latency_s)
    tps = bb * osl / (bb * pre + osl * step)
    return ServingPoint(
        np.where(ok, b, 0.0), np.where(ok, tps, 0.0), np.where(ok, pre, np.inf),
        np.where(ok, step, np.inf),
    )  # fmt: skip
