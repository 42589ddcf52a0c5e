"""Radiation effects on accelerators: dose failures, upsets, restarts, and mitigation costs.

* Total ionising dose: each accelerator's failure dose is log-normal; the median is placed so
  that 1 % fail at the part's tested tolerance (Suncatcher TPU: no hard failures to 15 krad).
  Above the "HBM irregularity" dose (about 2 krad for the TPU's HBM) silent-error rates rise.
* Single events: the proton flux follows from the proton dose rate (a fixed dose per unit
  fluence); memory upsets ``sigma_mem x flux`` become silent data corruption at a rate reduced
  by ECC (escape fraction) and by the architectural vulnerability factor; single-event
  functional interrupts ``sigma_sefi x flux`` crash the job (a restart).
* Mitigations and their costs: shielding (mass), ECC (throughput), checkpointing (overhead
  C/tau and lost work tau/2 + restart per crash; Young's optimum), redundant execution (dual:
  silent errors detected and rerun at half throughput; triple: masked at a third).

Random events are drawn by the caller from seeded generators (``ctx.rng``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from orbitcloud.environment.radiation import PROTON_RAD_CM2

AL_DENSITY_KG_M3 = 2700.0
Z_01 = 2.3263478740408408
"""Standard-normal quantile of 0.99: a part's tolerance dose is its 1 % failure point."""

REDUNDANCY_FACTOR = {"none": 1.0, "dual": 0.5, "triple": 1.0 / 3.0}


def failure_cdf(
    dose_rad: np.ndarray, tolerance_krad: np.ndarray, sigma_ln: np.ndarray
) -> np.ndarray:
    """Probability that an accelerator has failed by ``dose_rad`` (log-normal in dose) [-].

    F(D) = Phi((ln D - ln D50) / s), D50 = tolerance x exp(2.326 s) so F(tolerance) = 1 %.

    Parameters
    ----------
    dose_rad : accumulated dose [rad(Si)]
    tolerance_krad : dose with 1 % failures (tested "no hard failure" level) [krad(Si)]
    sigma_ln : log-normal width [-]

    Returns
    -------
    Failure probability [-]

    References
    ----------
    Log-normal failure-dose distributions of TID testing: e.g. MIL-HDBK-814 / ECSS-Q-ST-60-15C
    (radiation hardness assurance: tolerance at a stated probability); tolerance of the
    Suncatcher TPU v6e, arXiv:2511.19468 (15 krad(Si), 67 MeV protons).
    """
    d = np.maximum(np.asarray(dose_rad, dtype=float), 1e-9)
    d50 = np.asarray(tolerance_krad) * 1000.0 * np.exp(Z_01 * np.asarray(sigma_ln))
    return ndtr((np.log(d) - np.log(d50)) / sigma_ln)


def step_failure_probability(
    dose0_rad: np.ndarray,
    dose1_rad: np.ndarray,
    tolerance_krad: np.ndarray,
    sigma_ln: np.ndarray,
    fit: np.ndarray,
    dt_s: float,
) -> np.ndarray:
    """Probability that a working accelerator fails during one step (dose plus random) [-].

    p = 1 - (1 - F(D1)) / (1 - F(D0)) x exp(-lambda dt), lambda = FIT / (1e9 h).

    Parameters
    ----------
    dose0_rad, dose1_rad : dose at the start and end of the step [rad]
    tolerance_krad, sigma_ln : see :func:`failure_cdf`
    fit : random failure rate [failures per 1e9 device-hours]
    dt_s : step [s]

    Returns
    -------
    Probability [-]

    References
    ----------
    Conditional survival of a distribution in dose; FIT convention of JEDEC JESD85.
    """
    s0 = 1.0 - failure_cdf(dose0_rad, tolerance_krad, sigma_ln)
    s1 = 1.0 - failure_cdf(dose1_rad, tolerance_krad, sigma_ln)
    cond = np.where(s0 > 0, s1 / np.where(s0 > 0, s0, 1.0), 0.0)
    return 1.0 - cond * np.exp(-np.asarray(fit) / 3.6e12 * dt_s)


def proton_flux_cm2_s(proton_dose_rate_rad_s: np.ndarray) -> np.ndarray:
    """Trapped-proton flux from the proton dose rate behind the shield [1/(cm^2 s)].

    flux = dose rate / (dose per unit fluence), 1.38e-7 rad cm^2 for ~60 MeV protons in Si.

    References
    ----------
    NIST PSTAR stopping power of Si (8.6 MeV cm^2/g at 60 MeV); see
    :data:`orbitcloud.environment.radiation.PROTON_RAD_CM2`.
    """
    return np.asarray(proton_dose_rate_rad_s) / PROTON_RAD_CM2


def silent_error_rate_per_s(
    flux_cm2_s: np.ndarray,
    memory_cross_section_cm2: np.ndarray,
    dose_rad: np.ndarray,
    irregularity_krad: np.ndarray,
    irregularity_factor: np.ndarray,
    ecc: bool,
    ecc_escape_fraction: float | np.ndarray,
    vulnerability_factor: float | np.ndarray,
) -> np.ndarray:
    """Silent data corruptions per second per accelerator [1/s].

    rate = sigma_mem flux AVF (ECC ? escape : 1) (dose > irregularity ? factor : 1).

    Parameters
    ----------
    flux_cm2_s : proton flux [1/(cm^2 s)]
    memory_cross_section_cm2 : upset cross section of the device's memory [cm^2]
    dose_rad : accumulated dose [rad]
    irregularity_krad : dose from which HBM misbehaves [krad]
    irregularity_factor : rate multiplier beyond it [-]
    ecc : error-correcting code on
    ecc_escape_fraction : upsets ECC does not correct (multi-bit) [-]
    vulnerability_factor : upsets that change an output (AVF) [-]

    Returns
    -------
    Rate [1/s]

    References
    ----------
    Upset rate = cross section x flux (Petersen, Single Event Effects in Aerospace, Wiley 2011,
    ch. 8); architectural vulnerability factor: Mukherjee et al. (2003), MICRO-36; HBM
    irregularities from ~2 krad: arXiv:2511.19468.
    """
    esc = ecc_escape_fraction if ecc else 1.0
    boost = np.where(np.asarray(dose_rad) > np.asarray(irregularity_krad) * 1000.0,
                     irregularity_factor, 1.0)  # fmt: skip
    return memory_cross_section_cm2 * flux_cm2_s * vulnerability_factor * esc * boost


def young_checkpoint_interval_s(
    checkpoint_cost_s: float | np.ndarray, failure_rate_per_s: np.ndarray
) -> np.ndarray:
    """Young's optimal checkpoint interval tau = sqrt(2 C / lambda) [s], within [60 s, 1 day].

    Parameters
    ----------
    checkpoint_cost_s : time to write one checkpoint [s]
    failure_rate_per_s : job interrupt rate [1/s]

    References
    ----------
    Young, J. W. (1974), A first order approximation to the optimum checkpoint interval,
    CACM 17(9), 530-531.
    """
    lam = np.maximum(np.asarray(failure_rate_per_s, dtype=float), 1e-12)
    return np.clip(np.sqrt(2.0 * np.maximum(checkpoint_cost_s, 1e-3) / lam), 60.0, 86_400.0)


def checkpoint_efficiency(
    interval_s: np.ndarray, checkpoint_cost_s: float | np.ndarray
) -> np.ndarray:
    """Useful fraction of time with checkpoints every ``interval_s``: tau / (tau + C) [-].

    References
    ----------
    Young (1974); Daly, J. T. (2006), FGCS 22(3), 303-312.
    """
    tau = np.asarray(interval_s, dtype=float)
    return tau / (tau + checkpoint_cost_s)


def shielding_mass_kg(shielded_volume_l: np.ndarray | float, thickness_mm: np.ndarray | float):
    """Mass of a spherical aluminium shell around an enclosure of the given volume [kg].

    m = rho 4/3 pi ((r + t)^3 - r^3), r = (3 V / 4 pi)^(1/3): the same geometry as the
    SHIELDOSE-2 "centre of an Al sphere" dose.

    Parameters
    ----------
    shielded_volume_l : enclosed volume [l]
    thickness_mm : shell thickness [mm]

    References
    ----------
    Geometry; aluminium density 2,700 kg/m^3.
    """
    v = np.asarray(shielded_volume_l, dtype=float) / 1000.0
    r = (3.0 * v / (4.0 * np.pi)) ** (1.0 / 3.0)
    t = np.asarray(thickness_mm, dtype=float) / 1000.0
    return AL_DENSITY_KG_M3 * 4.0 / 3.0 * np.pi * ((r + t) ** 3 - r**3)


def poisson_counts(u: np.ndarray, lam: np.ndarray, k_max: int = 4) -> np.ndarray:
    """Poisson counts from uniforms by inverse CDF, truncated at ``k_max`` [-].

    One uniform per draw keeps random streams aligned however a run is chunked; for the small
    per-step means here (lam << 1) the truncation is immaterial (P(k > 4) < lam^5 / 120).

    Parameters
    ----------
    u : uniforms in [0, 1)
    lam : Poisson means
    k_max : largest count returned

    References
    ----------
    Inverse-transform sampling (Devroye, Non-Uniform Random Variate Generation, 1986, ch. X.3).
    """
    lam = np.asarray(lam, dtype=float)
    u = np.asarray(u, dtype=float)
    k = np.zeros(np.broadcast_shapes(u.shape, lam.shape), np.int16)
    p0 = np.exp(-lam)
    hit = u >= p0  # at least one event: rare when lam << 1, so finish on those only
    if not hit.any():
        return k
    lam_h = np.broadcast_to(lam, k.shape)[hit]
    u_h = np.broadcast_to(u, k.shape)[hit]
    term = np.broadcast_to(p0, k.shape)[hit]
    cdf = term.copy()
    kh = np.ones(lam_h.shape, np.int16)
    for j in range(1, k_max):
        term = term * lam_h / j
        cdf = cdf + term
        kh += u_h >= cdf
    k[hit] = kh
    return k
