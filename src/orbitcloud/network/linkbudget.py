"""Optical and radio link budgets: received power and data rate as a function of range.

Optical links use Gaussian-beam propagation, valid from metres (inside the Rayleigh range, where
the far-field Friis formula would give a "gain" above 1) to thousands of kilometres (where it
tends to Friis). Radio ground links use the free-space Friis equation and the Shannon bound
capped by the best modulation and coding.

All functions are pure and vectorised: arrays in, arrays out, SI units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

H_PLANCK_J_S = 6.62607015e-34
"""Planck constant [J s] (SI definition, 2019)."""

C_M_S = 299_792_458.0
"""Speed of light in vacuum [m/s]."""

K_BOLTZMANN_DB = -228.5991672
"""Boltzmann constant in dB(W/(K Hz)): 10 log10(1.380649e-23)."""


def rayleigh_range_m(beam_waist_m: np.ndarray | float, wavelength_m: float) -> np.ndarray:
    """Rayleigh range z_R = pi w0^2 / lambda [m].

    Parameters
    ----------
    beam_waist_m : 1/e^2 intensity radius of the beam at its waist, w0 [m]
    wavelength_m : wavelength [m]

    References
    ----------
    Saleh & Teich, *Fundamentals of Photonics*, 2nd ed. (2007), sec. 3.1, eq. 3.1-11.
    """
    return np.pi * np.asarray(beam_waist_m, dtype=float) ** 2 / wavelength_m


def gaussian_beam_radius_m(
    range_m: np.ndarray | float, beam_waist_m: float, wavelength_m: float
) -> np.ndarray:
    """Beam radius w(R) = w0 sqrt(1 + (R / z_R)^2) of a Gaussian beam at range R [m].

    Parameters
    ----------
    range_m : distance from the waist (the transmitter) [m]
    beam_waist_m : waist radius w0 (1/e^2 intensity) [m]
    wavelength_m : wavelength [m]

    Returns
    -------
    w : beam radius at the receiver [m]; the far-field half-angle divergence is
        lambda / (pi w0) [rad]

    References
    ----------
    Saleh & Teich, *Fundamentals of Photonics*, 2nd ed. (2007), sec. 3.1, eq. 3.1-8.
    """
    r = np.asarray(range_m, dtype=float)
    zr = rayleigh_range_m(beam_waist_m, wavelength_m)
    return beam_waist_m * np.sqrt(1.0 + (r / zr) ** 2)


def gaussian_captured_fraction(
    range_m: np.ndarray | float, beam_waist_m: float, wavelength_m: float, rx_radius_m: float
) -> np.ndarray:
    """Fraction of a Gaussian beam's power inside a centred circular aperture [-].

    eta = 1 - exp(-2 a^2 / w(R)^2). Exact for a TEM00 beam at every range, near and far field:
    far beyond z_R it falls as 1/R^2 like the Friis form, and it never exceeds 1, where Friis
    does at Suncatcher distances (hundreds of metres).

    Parameters
    ----------
    range_m : link range [m]
    beam_waist_m : transmitted waist radius w0 [m]
    wavelength_m : wavelength [m]
    rx_radius_m : receive aperture radius a [m]

    References
    ----------
    Saleh & Teich, *Fundamentals of Photonics*, 2nd ed. (2007), sec. 3.1 (power through a
    circle, eq. 3.1-14).
    """
    w = gaussian_beam_radius_m(range_m, beam_waist_m, wavelength_m)
    return -np.expm1(-2.0 * rx_radius_m**2 / w**2)


def friis_optical_ratio(
    range_m: np.ndarray | float, tx_diameter_m: float, rx_diameter_m: float, wavelength_m: float
) -> np.ndarray:
    """Far-field optical power ratio Pr/Pt = (pi D_t D_r / (4 lambda R))^2 [-].

    Uniformly illuminated apertures, no losses. Valid only far beyond the Rayleigh range; at
    short range it exceeds 1 (unphysical): use :func:`gaussian_captured_fraction` there.

    References
    ----------
    H. T. Friis, "A note on a simple transmission formula", Proc. IRE 34 (1946) 254; with
    antenna gain G = (pi D / lambda)^2.
    """
    r = np.asarray(range_m, dtype=float)
    return (np.pi * tx_diameter_m * rx_diameter_m / (4.0 * wavelength_m * r)) ** 2


def pointing_loss(pointing_error_rad: np.ndarray | float, divergence_rad: float) -> np.ndarray:
    """Power fraction kept with a static pointing error: exp(-2 theta_e^2 / theta^2) [-].

    Parameters
    ----------
    pointing_error_rad : pointing error theta_e [rad]
    divergence_rad : 1/e^2 half-angle divergence theta of the beam [rad]

    References
    ----------
    Gaussian far-field intensity profile; e.g. Hemmati (ed.), *Near-Earth Laser
    Communications* (CRC, 2009), ch. 1 ("pointing loss").
    """
    te = np.asarray(pointing_error_rad, dtype=float)
    return np.exp(-2.0 * te**2 / divergence_rad**2)


def photon_energy_j(wavelength_m: float) -> float:
    """Photon energy h c / lambda [J]."""
    return H_PLANCK_J_S * C_M_S / wavelength_m


def spatial_modes(
    range_m: np.ndarray | float, tx_area_m2: float, rx_area_m2: float, wavelength_m: float
) -> np.ndarray:
    """Number of well-coupled spatial channels between two apertures, N = A_t A_r / (lambda R)^2.

    Above 1 the link is in the near field and several independent beams (spatial
    multiplexing) fit; below 1 only one. Returned as a float (floor it for a channel count).

    References
    ----------
    D. A. B. Miller, "Communicating with waves between volumes: evaluating orthogonal spatial
    channels and limits on coupling strengths", Appl. Opt. 39 (2000) 1681, eq. 29.
    """
    r = np.asarray(range_m, dtype=float)
    return tx_area_m2 * rx_area_m2 / (wavelength_m * r) ** 2


@dataclass(frozen=True)
class OpticalTerminal:
    """An optical terminal (both ends are taken to be alike).

    Attributes
    ----------
    name : preset name
    wavelength_m : carrier wavelength [m]
    tx_power_w : optical power launched, all WDM channels together [W]
    beam_waist_m : 1/e^2 radius of the transmitted Gaussian beam at the aperture [m]
    rx_aperture_m : receive aperture diameter [m]
    optics_efficiency : transmit x receive optics throughput [-]
    pointing_error_urad : static pointing error [urad]
    photons_per_bit : receiver sensitivity [photons/bit]
    wdm_channels : wavelength channels per transceiver pair
    line_rate_bps : data rate per WDM channel [bit/s]
    spatial_channels_max : transceiver pairs usable in parallel at short range
    max_range_m : acquisition and tracking limit [m]
    source : where the numbers come from
    """

    name: str
    wavelength_m: float
    tx_power_w: float
    beam_waist_m: float
    rx_aperture_m: float
    optics_efficiency: float
    pointing_error_urad: float
    photons_per_bit: float
    wdm_channels: int
    line_rate_bps: float
    spatial_channels_max: int
    max_range_m: float
    source: str

    @property
    def divergence_rad(self) -> float:
        """Far-field 1/e^2 half-angle divergence lambda / (pi w0) [rad]."""
        return self.wavelength_m / (np.pi * self.beam_waist_m)

    @property
    def cap_per_pair_bps(self) -> float:
        """Terminal cap of one transceiver pair: WDM channels x line rate [bit/s]."""
        return self.wdm_channels * self.line_rate_bps


TERMINALS: dict[str, OpticalTerminal] = {
    "starlink-class": OpticalTerminal(
        name="starlink-class",
        wavelength_m=1550e-9,
        tx_power_w=2.0,
        beam_waist_m=0.04,
        rx_aperture_m=0.10,
        optics_efficiency=0.5,
        pointing_error_urad=1.0,
        photons_per_bit=40.0,
        wdm_channels=1,
        line_rate_bps=100e9,
        spatial_channels_max=1,
        max_range_m=5_400e3,
        source=(
            "SpaceX at SPIE Photonics West 2024 (secondary): about 100 Gbps sustained per link, "
            "links longer than 5,400 km; optics (8 cm beam, 10 cm aperture, 2 W, 40 photons/bit "
            "coherent receiver) are assumptions sized to close 100 Gbps at 5,400 km"
        ),
    ),
    "long-range": OpticalTerminal(
        name="long-range",
        wavelength_m=1064e-9,
        tx_power_w=2.2,
        beam_waist_m=0.054,
        rx_aperture_m=0.135,
        optics_efficiency=0.5,
        pointing_error_urad=0.5,
        photons_per_bit=20.0,
        wdm_channels=1,
        line_rate_bps=1.8e9,
        spatial_channels_max=1,
        max_range_m=45_000e3,
        source=(
            "Tesat LCT-135 (EDRS): 1.8 Gbps over 45,000 km, 135 mm telescope, 2.2 W, 1064 nm "
            "coherent BPSK (Heine et al., 'The European Data Relay System, high speed laser "
            "based data links', ASMS/SPSC 2014); SDA Tranche 1 optical terminals (SDA OCT "
            "standard) are of this class at 1550 nm"
        ),
    ),
    "suncatcher-class": OpticalTerminal(
        name="suncatcher-class",
        wavelength_m=1550e-9,
        tx_power_w=0.1,
        beam_waist_m=0.05,
        rx_aperture_m=0.10,
        optics_efficiency=0.5,
        pointing_error_urad=5.0,
        photons_per_bit=1000.0,
        wdm_channels=8,
        line_rate_bps=100e9,
        spatial_channels_max=16,
        max_range_m=10e3,
        source=(
            "Google Project Suncatcher (arXiv:2511.19468 and blog, secondary for the number): "
            "800 Gbps each way with one transceiver pair (COTS DWDM, here 8 x 100 Gbps) at "
            "hundreds of metres; spatial multiplexing (up to 16 pairs, Miller's mode count) "
            "toward the tens of Tbps a cluster needs"
        ),
    ),
}
"""Optical terminal presets, each with its source."""


def resolve_terminal(preset: str, **overrides: float | int | None) -> OpticalTerminal:
    """A preset with scenario overrides applied (scenario units: nm, W, m, urad, Gbps, km).

    Keys are the :class:`orbitcloud.scenario.network.TerminalSpec` field names; ``None``
    values keep the preset's.
    """
    base = TERMINALS[preset]
    conv = {
        "wavelength_nm": ("wavelength_m", 1e-9),
        "tx_power_w": ("tx_power_w", 1.0),
        "beam_waist_m": ("beam_waist_m", 1.0),
        "rx_aperture_m": ("rx_aperture_m", 1.0),
        "optics_efficiency": ("optics_efficiency", 1.0),
        "pointing_error_urad": ("pointing_error_urad", 1.0),
        "photons_per_bit": ("photons_per_bit", 1.0),
        "wdm_channels": ("wdm_channels", None),
        "line_rate_gbps": ("line_rate_bps", 1e9),
        "spatial_channels_max": ("spatial_channels_max", None),
        "max_range_km": ("max_range_m", 1e3),
    }
    changes: dict[str, Any] = {}  # heterogeneous OpticalTerminal fields, by name
    for key, value in overrides.items():
        if value is None or key == "preset":
            continue
        field, scale = conv[key]
        changes[field] = value if scale is None else float(value) * scale
    return replace(base, **changes) if changes else base


def optical_received_power_w(range_m: np.ndarray | float, t: OpticalTerminal) -> np.ndarray:
    """Received optical power of a link between two terminals ``t`` at ``range_m`` [W].

    P_r = P_t eta_optics eta_capture(R) L_pointing, with the Gaussian-beam captured fraction
    (:func:`gaussian_captured_fraction`) and the pointing loss (:func:`pointing_loss`) at the
    terminal's static pointing error.
    """
    cap = gaussian_captured_fraction(range_m, t.beam_waist_m, t.wavelength_m, t.rx_aperture_m / 2)
    lp = pointing_loss(t.pointing_error_urad * 1e-6, t.divergence_rad)
    return t.tx_power_w * t.optics_efficiency * cap * lp


def optical_data_rate_bps(
    range_m: np.ndarray | float, t: OpticalTerminal, extra_loss_db: float = 0.0
) -> np.ndarray:
    """Data rate of an optical link [bit/s], falling with range, capped by the terminal.

    rate = min(P_r / (n_ppb h c / lambda), n_spatial(R) x WDM channels x line rate), where the
    receiver needs ``photons_per_bit`` photons per bit (a sensitivity-limited receiver) and
    n_spatial(R) = clip(floor(A_t A_r / (lambda R)^2), 1, spatial_channels_max) transceiver
    pairs fit at short range (:func:`spatial_modes`). Beyond ``max_range_m`` the rate is 0.

    Parameters
    ----------
    range_m : link range [m]
    t : the terminal at both ends
    extra_loss_db : further loss (e.g. the atmosphere for a ground link) [dB]

    Returns
    -------
    rate : [bit/s], same shape as ``range_m``

    References
    ----------
    Photon-counting sensitivity: Hemmati (ed.), *Near-Earth Laser Communications* (CRC, 2009),
    ch. 1; spatial channels: Miller, Appl. Opt. 39 (2000) 1681.
    """
    r = np.maximum(np.asarray(range_m, dtype=float), 1e-3)
    pr = optical_received_power_w(r, t) * 10.0 ** (-extra_loss_db / 10.0)
    power_limited = pr / (t.photons_per_bit * photon_energy_j(t.wavelength_m))
    area_t = np.pi * t.beam_waist_m**2  # aperture radius ~ w0 for a well-filled telescope
    area_r = np.pi * (t.rx_aperture_m / 2) ** 2
    n_sp = np.clip(np.floor(spatial_modes(r, area_t, area_r, t.wavelength_m)), 1,
                   t.spatial_channels_max)  # fmt: skip
    rate = np.minimum(power_limited, n_sp * t.cap_per_pair_bps)
    return np.where(r <= t.max_range_m, rate, 0.0)


def rf_free_space_loss_db(range_m: np.ndarray | float, frequency_hz: float) -> np.ndarray:
    """Free-space path loss 20 log10(4 pi R f / c) [dB].

    References
    ----------
    ITU-R P.525-4 (2019), eq. 6.
    """
    r = np.asarray(range_m, dtype=float)
    return 20.0 * np.log10(4.0 * np.pi * r * frequency_hz / C_M_S)


def rf_capacity_bps(
    range_m: np.ndarray | float,
    frequency_hz: float,
    eirp_dbw: float,
    g_over_t_db_k: float,
    bandwidth_hz: float,
    losses_db: float = 0.0,
    max_spectral_efficiency: float = 5.9,
) -> np.ndarray:
    """Capacity of a radio link [bit/s]: Shannon's bound capped by the best MODCOD.

    C/N = EIRP - FSPL(R) - losses + G/T - 10 log10(k) - 10 log10(B) [dB];
    rate = B min(log2(1 + C/N), eta_max).

    Parameters
    ----------
    range_m : slant range [m]
    frequency_hz : carrier frequency [Hz]
    eirp_dbw : transmitter EIRP [dBW]
    g_over_t_db_k : receiver figure of merit G/T [dB/K]
    bandwidth_hz : occupied bandwidth [Hz]
    losses_db : atmospheric, rain and pointing losses [dB]
    max_spectral_efficiency : best modulation and coding [bit/s/Hz] (DVB-S2X: about 5.9)

    References
    ----------
    C. E. Shannon (1948); ITU-R P.525 (free space); ETSI EN 302 307-2 (DVB-S2X MODCODs).
    """
    cn_db = (
        eirp_dbw - rf_free_space_loss_db(range_m, frequency_hz) - losses_db + g_over_t_db_k
        - K_BOLTZMANN_DB - 10.0 * np.log10(bandwidth_hz)
    )  # fmt: skip
    eff = np.log2(1.0 + 10.0 ** (cn_db / 10.0))
    return bandwidth_hz * np.minimum(eff, max_spectral_efficiency)
