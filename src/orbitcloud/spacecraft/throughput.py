"""LLM throughput of a fleet's satellites, step by step, from their delivered compute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from orbitcloud.scenario.presets import LLM_MODELS
from orbitcloud.spacecraft import compute
from orbitcloud.spacecraft.design import FleetParams


@dataclass(frozen=True)
class FleetThroughput:
    """LLM throughput of the fleet's satellites at each step of a chunk.

    ``capacity`` (n_t, n_sat) is the delivered fraction of each satellite's peak compute and
    ``accelerators_ok`` (n_t, n_sat) its healthy accelerators.
    """

    _params: FleetParams
    capacity: np.ndarray
    accelerators_ok: np.ndarray

    def tokens_per_s(
        self,
        model: str | dict[str, Any],
        batch: int = 64,
        input_tokens: int = 512,
        output_tokens: int = 256,
        step: int | None = None,
    ) -> np.ndarray:
        """Output tokens/s each satellite can serve for ``model`` [tokens/s].

        Parameters
        ----------
        model : a name of :data:`orbitcloud.scenario.presets.LLM_MODELS` or such a mapping
        batch : concurrent requests per tensor-parallel group
        input_tokens, output_tokens : per request
        step : a chunk-relative step, or None for all steps

        Returns
        -------
        ``(n_t, n_sat)``, or ``(n_sat,)`` for one ``step``; 0 for satellites without compute.

        References
        ----------
        Roofline model of :func:`orbitcloud.spacecraft.compute.llm_tokens_per_s`.
        """
        spec = compute.LlmSpec.from_dict(LLM_MODELS[model] if isinstance(model, str) else model)
        p = self._params
        cap = self.capacity if step is None else self.capacity[step]
        n_ok = self.accelerators_ok if step is None else self.accelerators_ok[step]
        out = np.zeros(cap.shape)
        keys = np.stack([p.peak_flops, p.hbm_bytes, p.hbm_bytes_per_s, p.precision_bytes], 1)
        for key in np.unique(keys[p.n_acc > 0], axis=0):
            sel = np.all(keys == key, axis=1) & (p.n_acc > 0)
            # capacity already counts failed accelerators: use all slots x capacity per slot
            frac = np.where(
                n_ok[..., sel] > 0,
                cap[..., sel] * p.n_acc[sel] / np.maximum(n_ok[..., sel], 1),
                0.0,
            )
            out[..., sel] = compute.llm_tokens_per_s(
                spec, key[0], key[1], key[2], key[3], n_ok[..., sel], frac,
                batch, input_tokens, output_tokens,
            )  # fmt: skip
        return out
