"""Servers of the two systems: satellites and data centres, their LLM figures and power.

Servers are indexed satellites first (``0 .. n_sat-1``), then data centres (``n_sat + d``).
Per request class a server has a throughput (output tokens/s of all its tensor-parallel groups),
a prefill time per request, a per-user decode rate, and an idle and a full power. Figures come
from the roofline model of :func:`orbitcloud.spacecraft.compute.llm_group_throughput`, at full
capacity; a satellite's are scaled by its delivered capacity at each step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from orbitcloud.network.geometry import fibre_rtt_s, great_circle_m
from orbitcloud.scenario.operations import DataCentreSpec, RequestClassSpec
from orbitcloud.scenario.presets import ACCELERATORS, LLM_MODELS
from orbitcloud.scenario.spacecraft import AcceleratorSpec, SpacecraftSpec
from orbitcloud.spacecraft.compute import (
    BYTES_PER_PARAM,
    LlmSpec,
    LlmThroughput,
    llm_group_throughput,
)


@dataclass(frozen=True)
class ShellHardware:
    """Accelerators and compute power of each constellation (shell) of a run."""

    accelerator: list[AcceleratorSpec | None]
    """per shell: the accelerator (None: the satellites carry none)"""
    accelerators: np.ndarray
    """(n_shell,) accelerators per satellite [1]"""
    idle_w: np.ndarray
    """(n_shell,) compute power of a satellite at idle (accelerators + host) [W]"""
    max_w: np.ndarray
    """(n_shell,) compute power at full load (accelerators at TDP + host) [W]"""


def shell_hardware(designs: Sequence[SpacecraftSpec]) -> ShellHardware:
    """Accelerators and compute power per shell from the resolved spacecraft designs."""
    n_sh = len(designs)
    n_acc, p_idle, p_max = np.zeros(n_sh), np.zeros(n_sh), np.zeros(n_sh)
    specs: list[AcceleratorSpec | None] = []
    for i, d in enumerate(designs):
        a = d.compute.accelerator_spec()
        specs.append(a)
        if a is None:
            continue
        n_acc[i] = d.compute.count
        p_idle[i] = d.compute.count * a.idle_w + d.compute.host_power_w
        p_max[i] = d.compute.count * a.tdp_w + d.compute.host_power_w
    return ShellHardware(specs, n_acc, p_idle, p_max)


def group_throughput(
    peak_flop_s: float, hbm_b: float, hbm_b_s: float, precision_b: float, cl: RequestClassSpec
) -> LlmThroughput:
    """Roofline figures of one tensor-parallel group serving a request class.

    Parameters
    ----------
    peak_flop_s : dense peak of one accelerator [FLOP/s]
    hbm_b, hbm_b_s : memory of one accelerator [B] and its bandwidth [B/s]
    precision_b : bytes per weight [B]
    cl : the request class (model, batch, input and output tokens)
    """
    return llm_group_throughput(LlmSpec.from_dict(LLM_MODELS[cl.model]), peak_flop_s, hbm_b,
                                hbm_b_s, precision_b, cl.batch, cl.input_tokens,
                                cl.output_tokens)  # fmt: skip


@dataclass(frozen=True)
class DataCentres:
    """The terrestrial data centres' figures per class (full capacity)."""

    tokens_per_s: np.ndarray
    """(n_dc, n_class) output tokens/s of all groups [1/s]"""
    prefill_s: np.ndarray
    """(n_dc, n_class) prefill time per request (inf: cannot serve) [s]"""
    user_tokens_per_s: np.ndarray
    """(n_dc, n_class) decode rate one user sees [1/s]"""
    idle_w: np.ndarray
    """(n_dc,) accelerators at idle [W] (before PUE)"""
    max_w: np.ndarray
    """(n_dc,) accelerators at TDP [W] (before PUE)"""
    pue: np.ndarray
    """(n_dc,) power usage effectiveness [1]"""


def data_centre_figures(
    dcs: Sequence[DataCentreSpec], classes: Sequence[RequestClassSpec], precision: str
) -> DataCentres:
    """Per data centre and class: throughput, prefill per request, per-user rate; power."""
    n_dc, n_c = len(dcs), len(classes)
    tps, prefill, user = np.zeros((n_dc, n_c)), np.zeros((n_dc, n_c)), np.zeros((n_dc, n_c))
    p_idle, p_max = np.zeros(n_dc), np.zeros(n_dc)
    for d, spec in enumerate(dcs):
        a = ACCELERATORS[spec.accelerator]
        for c, cl in enumerate(classes):
            gth = group_throughput(a["peak_tflops"][precision] * 1e12, a["hbm_gb"] * 1e9,
                                   a["hbm_tb_s"] * 1e12, BYTES_PER_PARAM[precision], cl)  # fmt: skip
            groups = spec.accelerators // gth.group_size if gth.feasible else 0
            tps[d, c] = groups * gth.output_tokens_per_s
            prefill[d, c] = gth.prefill_s / max(gth.batch, 1) if gth.feasible else np.inf
            user[d, c] = 1.0 / gth.decode_step_s if gth.feasible else 0.0
        p_idle[d] = spec.accelerators * a["idle_w"]
        p_max[d] = spec.accelerators * a["tdp_w"]
    return DataCentres(tps, prefill, user, p_idle, p_max, np.array([d.pue for d in dcs]))


def shell_class_figures(
    designs: Sequence[SpacecraftSpec],
    accelerator: Sequence[AcceleratorSpec | None],
    classes: Sequence[RequestClassSpec],
) -> tuple[np.ndarray, np.ndarray]:
    """Per shell and class at full capacity: prefill per request [s] (inf: cannot serve) and
    the decode rate one user sees [1/s] (0: cannot serve; the satellite must hold a group)."""
    prefill = np.full((len(designs), len(classes)), np.inf)
    user = np.zeros((len(designs), len(classes)))
    for i, dsg in enumerate(designs):
        a = accelerator[i]
        if a is None:
            continue
        prec = dsg.compute.precision
        peak = a.peak_tflops.get(prec, max(a.peak_tflops.values())) * 1e12
        for c, cl in enumerate(classes):
            gth = group_throughput(peak, a.hbm_gb * 1e9, a.hbm_tb_s * 1e12, BYTES_PER_PARAM[prec],
                                   cl)  # fmt: skip
            if gth.feasible and dsg.compute.count >= gth.group_size:
                prefill[i, c] = gth.prefill_s / gth.batch
                user[i, c] = 1.0 / gth.decode_step_s
    return prefill, user


def data_centre_lat_lon_rad(dcs: Sequence[DataCentreSpec]) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (wrapped to -180..180 deg) of each data centre [rad]."""
    dlat = np.radians([d.lat_deg for d in dcs])
    dlon = np.radians([(d.lon_deg + 180.0) % 360.0 - 180.0 for d in dcs])
    return dlat, dlon


def fibre_rtt_to_data_centres(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    dc_lat_rad: np.ndarray,
    dc_lon_rad: np.ndarray,
    path_stretch: float,
    refractive_index: float,
) -> np.ndarray:
    """(n, n_dc) fibre round trip from ground points to data centres [s]
    (:func:`orbitcloud.network.geometry.fibre_rtt_s` over the great circle)."""
    gc = great_circle_m(lat_rad[:, None], lon_rad[:, None], dc_lat_rad[None, :],
                        dc_lon_rad[None, :])  # fmt: skip
    return fibre_rtt_s(gc, path_stretch, refractive_index).reshape(len(lat_rad), len(dc_lat_rad))


@dataclass(frozen=True)
class ServerFigures:
    """Per-class figures of every server at full capacity (satellites, then data centres)."""

    output_tokens: np.ndarray
    """(n_class,) output tokens of a request [1]"""
    sat_prefill_s: np.ndarray
    """(n_sat, n_class) [s]"""
    sat_user_tokens_per_s: np.ndarray
    """(n_sat, n_class) [1/s]"""
    dc: DataCentres


def step_servers(
    fig: ServerFigures,
    sat_usable: np.ndarray,
    sat_tokens_per_s: np.ndarray,
    sat_capacity: np.ndarray,
    dc_up: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What every server offers at one step.

    Parameters
    ----------
    fig : the servers' full-capacity figures
    sat_usable : (n_sat,) bool, the satellite can compute
    sat_tokens_per_s : (n_sat, n_class) output tokens/s the satellite can serve now [1/s]
    sat_capacity : (n_sat,) delivered fraction of peak compute [1]
    dc_up : (n_dc,) bool

    Returns
    -------
    work_s : (n_server, n_class) server-seconds per request (inf: cannot serve) [s]
    prefill_s : (n_server, n_class) prefill per request, slowed by a satellite's capacity [s]
    user_tokens_per_s : (n_server, n_class) decode rate a user sees [1/s]
    server_ok : (n_server,) bool, the server can compute
    """
    out = fig.output_tokens[None, :]
    with np.errstate(divide="ignore"):
        w_sat = np.where(sat_usable[:, None] & (sat_tokens_per_s > 0), out / sat_tokens_per_s,
                         np.inf)  # fmt: skip
        w_dc = np.where(dc_up[:, None] & (fig.dc.tokens_per_s > 0), out / fig.dc.tokens_per_s,
                        np.inf)  # fmt: skip
    work = np.vstack([w_sat, w_dc])
    with np.errstate(divide="ignore", invalid="ignore"):
        sat_prefill = fig.sat_prefill_s / np.maximum(sat_capacity, 1e-9)[:, None]
    prefill = np.vstack([sat_prefill, fig.dc.prefill_s])
    user_tps = np.vstack([fig.sat_user_tokens_per_s * sat_capacity[:, None],
                          fig.dc.user_tokens_per_s])  # fmt: skip
    return work, prefill, user_tps, np.concatenate([sat_usable, dc_up])


def server_power(
    sat_idle_w: np.ndarray,
    sat_max_w: np.ndarray,
    has_accelerators: np.ndarray,
    dc: DataCentres,
    with_satellites: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Idle and full power per server (data centres with PUE) and which servers count.

    Returns
    -------
    idle_w, max_w : (n_server,) [W] (0 for satellites when ``with_satellites`` is False)
    counted : (n_server,) 1.0 for a server whose time and energy the system pays for
        (satellites with accelerators in the orbital system; every data centre), else 0.0
    """
    n = len(sat_idle_w)
    dc_idle, dc_max = dc.idle_w * dc.pue, dc.max_w * dc.pue
    if with_satellites:
        return (np.concatenate([sat_idle_w, dc_idle]), np.concatenate([sat_max_w, dc_max]),
                np.concatenate([has_accelerators.astype(float), np.ones(len(dc_idle))]))  # fmt: skip
    zeros = np.zeros(n)
    return (np.concatenate([zeros, dc_idle]), np.concatenate([zeros, dc_max]),
            np.concatenate([zeros, np.ones(len(dc_idle))]))  # fmt: skip
