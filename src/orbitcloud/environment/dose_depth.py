"""Dose in silicon at the centre of an aluminium sphere from a trapped-particle spectrum.

A SHIELDOSE-2-style dose-depth conversion (Seltzer 1980, NBS Technical Note 1116; Seltzer 1994,
SHIELDOSE-2, NISTIR 5477) in its simplest defensible form: the "4 pi dose at the centre of an
Al sphere" of radius ``t`` for an isotropic omnidirectional flux is, in the straight-ahead
approximation, ``D(t) = k * integral phi(E) S_Si(E'(E, t)) dE`` where ``E'`` is the energy left
after crossing ``t`` of aluminium along a radius, ``S_Si`` the collision stopping power of
silicon and ``k = 1.602e-8 rad g / MeV``. Every radius has the same thickness, so the isotropic
fluence at the centre equals the outside omnidirectional flux.

* **Protons**: Bethe's stopping power (PDG 2022, eq. 34.5, no shell or density correction) with
  the ICRU Report 49 (1993) mean excitation energies (Al 166 eV, Si 173 eV); the CSDA range is
  its integral. Within 1-2 % of NIST PSTAR above 5 MeV (tests/environment/test_radiation_dose_depth.py).
  Nuclear reactions (about 1 % per g/cm^2 in Al) and secondaries are neglected.
* **Electrons**: the residual energy follows the Katz & Penfold (1952, Rev. Mod. Phys. 24, 28)
  practical-range relation, which folds the mean loss to scattering into the range (the
  practical range is 0.6-0.9 of the CSDA range in Al at 0.3-5 MeV); the stopping power is the
  Rohrlich-Carlson collision stopping power of ICRU Report 37 (1984, eq. 2.1, no density
  effect). Bremsstrahlung is neglected: in the SPENVIS SHIELDOSE-2 runs at 550 km it is at most
  2 % of the total dose behind 1-20 mm for inclinations 10-100 deg.

Valid for shields 0.05-50 mm Al; below 0.05 mm the electron range relation and the neglect of
low-energy particles (AP-8 starts at 0.1 MeV, AE-8 at 0.04 MeV) stop holding.
"""

from __future__ import annotations

import numpy as np

RAD_G_PER_MEV = 1.602176634e-8
"""Absorbed dose of 1 MeV per gram [rad]: 1.602e-13 J / 1e-3 kg = 1.602e-10 Gy."""

AL_DENSITY_G_CM3 = 2.699
"""Density of aluminium [g/cm^3] (ICRU 49, as in PSTAR/ESTAR)."""

K_BETHE = 0.307075
"""4 pi N_A r_e^2 m_e c^2 [MeV cm^2 / mol] (PDG 2022, table 34.1)."""

ME_MEV = 0.51099895
MP_MEV = 938.27208816

MATERIALS = {
    # Z/A [mol/g], mean excitation energy I [eV] (ICRU Report 49, 1993, table 2.1)
    "aluminum": (13.0 / 26.9815, 166.0),
    "silicon": (14.0 / 28.0855, 173.0),
    "water": (0.55509, 75.0),
}


def proton_stopping_power_mev_cm2_g(e_mev: np.ndarray, material: str = "aluminum") -> np.ndarray:
    """Electronic stopping power of protons, Bethe's formula without corrections [MeV cm^2/g].

    Parameters
    ----------
    e_mev : kinetic energy [MeV]; meaningful above about 1 MeV (shell corrections ignored)
    material : "aluminum", "silicon" or "water"

    Returns
    -------
    Mass stopping power [MeV cm^2/g]; floored at a small positive value where the logarithm of
    the formula turns negative (below about 0.05 MeV).

    References
    ----------
    Particle Data Group (2022), Review of Particle Physics, eq. 34.5 (W_max, eq. 34.4);
    I-values: ICRU Report 49 (1993).
    """
    z_a, i_ev = MATERIALS[material]
    e = np.asarray(e_mev, dtype=float)
    gamma = 1.0 + e / MP_MEV
    b2 = 1.0 - 1.0 / (gamma * gamma)
    bg2 = b2 * gamma * gamma
    r = ME_MEV / MP_MEV
    w_max = 2.0 * ME_MEV * bg2 / (1.0 + 2.0 * gamma * r + r * r)
    i_mev = i_ev * 1e-6
    arg = 0.5 * np.log(2.0 * ME_MEV * bg2 * w_max / (i_mev * i_mev)) - b2
    return np.maximum(K_BETHE * z_a / b2 * arg, 1e-3)


_P_E_MEV = np.geomspace(0.5, 2000.0, 1200)


def _proton_range_table(material: str) -> np.ndarray:
    """CSDA range at :data:`_P_E_MEV` [g/cm^2]: trapezoid of 1/S from 0.5 MeV, plus the range of
    a 0.5 MeV proton taken as E / (1.8 S(E)) (S ~ E^-0.8 below it)."""
    s = proton_stopping_power_mev_cm2_g(_P_E_MEV, material)
    inv = 1.0 / s
    seg = 0.5 * (inv[1:] + inv[:-1]) * np.diff(_P_E_MEV)
    r0 = _P_E_MEV[0] / (1.8 * s[0])
    return np.concatenate([[r0], r0 + np.cumsum(seg)])


_P_RANGE_AL = _proton_range_table("aluminum")


def proton_csda_range_al_g_cm2(e_mev: np.ndarray) -> np.ndarray:
    """CSDA range of protons in aluminium [g/cm^2] (integral of 1/S, Bethe; ICRU 49 I-value).

    Parameters
    ----------
    e_mev : kinetic energy [MeV], 0.5-2,000 (log-interpolated in a table)

    References
    ----------
    :func:`proton_stopping_power_mev_cm2_g`; compare NIST PSTAR (Berger et al. 2005).
    """
    le = np.log(np.clip(np.asarray(e_mev, dtype=float), _P_E_MEV[0], _P_E_MEV[-1]))
    return np.exp(np.interp(le, np.log(_P_E_MEV), np.log(_P_RANGE_AL)))


def proton_residual_energy_mev(e_mev: np.ndarray, depth_g_cm2: np.ndarray) -> np.ndarray:
    """Energy of a proton after ``depth_g_cm2`` of aluminium (CSDA) [MeV]; 0 if it stops."""
    r = proton_csda_range_al_g_cm2(e_mev) - np.asarray(depth_g_cm2, dtype=float)
    le = np.interp(np.log(np.maximum(r, 1e-30)), np.log(_P_RANGE_AL), np.log(_P_E_MEV))
    return np.where(r > _P_RANGE_AL[0], np.exp(le), np.where(r > 0.0, _P_E_MEV[0], 0.0))


def electron_practical_range_g_cm2(e_mev: np.ndarray) -> np.ndarray:
    """Practical (extrapolated) range of electrons in light materials such as Al [g/cm^2].

    R = 0.412 E^n, n = 1.265 - 0.0954 ln E (0.01 <= E <= 2.5 MeV); R = 0.530 E - 0.106 above.

    Parameters
    ----------
    e_mev : kinetic energy [MeV]

    References
    ----------
    Katz, L. & Penfold, A. S. (1952), Range-energy relations for electrons and the
    determination of beta-ray end-point energies by absorption, Rev. Mod. Phys. 24, 28-44,
    eqs. 6 and 7 (mg/cm^2 there).
    """
    e = np.maximum(np.asarray(e_mev, dtype=float), 1e-3)
    low = 0.412 * e ** (1.265 - 0.0954 * np.log(e))
    return np.where(e <= 2.5, low, 0.530 * e - 0.106)


_E_E_MEV = np.geomspace(0.01, 20.0, 800)
_E_RANGE = electron_practical_range_g_cm2(_E_E_MEV)


def electron_residual_energy_mev(e_mev: np.ndarray, depth_g_cm2: np.ndarray) -> np.ndarray:
    """Energy of an electron after ``depth_g_cm2`` of Al by the practical-range relation [MeV]:
    R(E') = R(E) - t; 0 when t exceeds the practical range (Katz & Penfold 1952)."""
    r = electron_practical_range_g_cm2(e_mev) - np.asarray(depth_g_cm2, dtype=float)
    le = np.interp(np.log(np.maximum(r, 1e-30)), np.log(_E_RANGE), np.log(_E_E_MEV))
    return np.where(r > _E_RANGE[0], np.exp(le), np.where(r > 0.0, _E_E_MEV[0], 0.0))


def electron_collision_stopping_power_si_mev_cm2_g(e_mev: np.ndarray) -> np.ndarray:
    """Collision stopping power of electrons in silicon [MeV cm^2/g] (no density effect).

    S/rho = (K/2) (Z/A) / beta^2 [ln(tau^2 (tau+2) / (2 (I/mc^2)^2)) + F(tau)],
    F(tau) = 1 - beta^2 + (tau^2/8 - (2 tau + 1) ln 2) / (tau + 1)^2, tau = E / mc^2.

    Parameters
    ----------
    e_mev : kinetic energy [MeV], 0.01-20

    References
    ----------
    ICRU Report 37 (1984), Stopping Powers for Electrons and Positrons, eq. 2.1 (Rohrlich &
    Carlson 1954); I = 173 eV (ICRU 37). 1.54 at 1 MeV vs ESTAR's 1.494 (the density effect).
    """
    z_a, i_ev = MATERIALS["silicon"]
    tau = np.maximum(np.asarray(e_mev, dtype=float), 1e-3) / ME_MEV
    b2 = 1.0 - 1.0 / ((tau + 1.0) ** 2)
    i_rel = i_ev * 1e-6 / ME_MEV
    f = 1.0 - b2 + (tau * tau / 8.0 - (2.0 * tau + 1.0) * np.log(2.0)) / (tau + 1.0) ** 2
    bracket = np.log(tau * tau * (tau + 2.0) / (2.0 * i_rel * i_rel)) + f
    return 0.5 * K_BETHE * z_a / b2 * bracket


def proton_dose_per_fluence(e_mev: np.ndarray, depth_mm: np.ndarray) -> np.ndarray:
    """Dose in Si at the centre of an Al sphere per unit omnidirectional proton fluence
    [rad cm^2], energies ``e_mev`` (..., 1) against depths ``depth_mm`` (n_depth,).

    References
    ----------
    Module docstring (straight-ahead CSDA; Seltzer 1994 for the geometry)."""
    t = np.asarray(depth_mm, dtype=float) * 0.1 * AL_DENSITY_G_CM3
    e_res = proton_residual_energy_mev(e_mev, t)
    s = proton_stopping_power_mev_cm2_g(np.maximum(e_res, 0.5), "silicon")
    return np.where(e_res > 0.0, RAD_G_PER_MEV * s, 0.0)


def electron_dose_per_fluence(e_mev: np.ndarray, depth_mm: np.ndarray) -> np.ndarray:
    """Dose in Si at the centre of an Al sphere per unit omnidirectional electron fluence
    [rad cm^2], energies ``e_mev`` (..., 1) against depths ``depth_mm`` (n_depth,).

    References
    ----------
    Module docstring (Katz & Penfold practical range; ICRU 37 stopping power)."""
    t = np.asarray(depth_mm, dtype=float) * 0.1 * AL_DENSITY_G_CM3
    e_res = electron_residual_energy_mev(e_mev, t)
    s = electron_collision_stopping_power_si_mev_cm2_g(np.maximum(e_res, 0.01))
    return np.where(e_res > 0.0, RAD_G_PER_MEV * s, 0.0)


def dose_rate_from_integral_spectrum(
    e_mev: np.ndarray,
    integral_flux_cm2_s: np.ndarray,
    depth_mm: np.ndarray,
    particle: str,
    n_sub: int = 64,
) -> np.ndarray:
    """Dose rate [rad(Si)/s] behind ``depth_mm`` from an integral spectrum F(>E).

    The flux in each energy bin [E_i, E_i+1), F(E_i) - F(E_i+1), is spread log-uniformly over
    the bin (``n_sub`` sub-energies, enough to resolve the steep kernel just above the energy
    that reaches the depth) and weighted with the dose per fluence there; the flux above the
    last energy is dropped.

    Parameters
    ----------
    e_mev : (n_e,) increasing energies [MeV]
    integral_flux_cm2_s : (..., n_e) omnidirectional integral flux above each energy
        [cm^-2 s^-1]; NaN is taken as 0
    depth_mm : (n_depth,) aluminium sphere radii [mm]
    particle : "p" or "e"

    Returns
    -------
    (..., n_depth) dose rate [rad/s].

    References
    ----------
    Module docstring.
    """
    e = np.asarray(e_mev, dtype=float)
    f = np.nan_to_num(np.asarray(integral_flux_cm2_s, dtype=float))
    bins = np.maximum(f[..., :-1] - f[..., 1:], 0.0)
    frac = (np.arange(n_sub) + 0.5) / n_sub
    le = np.log(e)
    sub = np.exp(le[:-1, None] + frac[None, :] * np.diff(le)[:, None])  # (n_bin, n_sub)
    per = proton_dose_per_fluence if particle == "p" else electron_dose_per_fluence
    k = per(sub[..., None], np.asarray(depth_mm, dtype=float)).mean(axis=1)  # (n_bin, n_depth)
    return bins @ k
