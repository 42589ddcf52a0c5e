"""Optical and radio link budgets: received power and data rate as a function of range.

Optical links: the transmitted beam is a Gaussian truncated by the telescope aperture and its
central obscuration (Klein & Degnan 1974). Far from the terminal (Fraunhofer zone) the received
power follows their closed-form transmit gain; close to it (inside the Rayleigh range, where a
far-field formula would give a "gain" above 1) it is bounded by the power that leaves the
aperture and by the Gaussian beam's spread. The capacity of a link is the smallest of its
constraints (received power, transceiver pairs x WDM channels x line rate, pointing, range) and
:func:`optical_link_budget` says which one binds. Radio ground links use the free-space Friis
equation and the Shannon bound capped by the best modulation and coding.

All functions are pure and vectorised: arrays in, arrays out, SI units.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.special import j0

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


# --- truncated Gaussian transmitter (Klein & Degnan 1974) ----------------------------------------

_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)
"""Gauss-Legendre nodes and weights on [-1, 1] for the off-axis gain integral."""


def _check_ratios(alpha: np.ndarray, gamma: np.ndarray) -> None:
    if not np.all(np.isfinite(alpha) & (alpha > 0)):
        raise ValueError(f"waist ratio alpha = a / w must be finite and > 0, got {alpha}")
    if not np.all(np.isfinite(gamma) & (gamma >= 0) & (gamma < 1)):
        raise ValueError(f"obscuration ratio gamma = b / a must be in [0, 1), got {gamma}")


def truncated_gaussian_gain(
    alpha: np.ndarray | float, gamma: np.ndarray | float = 0.0
) -> np.ndarray:
    """On-axis gain efficiency of a truncated, centrally obscured Gaussian beam [-].

    g(alpha, gamma) = (2 / alpha^2) [exp(-alpha^2) - exp(-gamma^2 alpha^2)]^2, so that the
    far-field on-axis transmit gain is G_t = (4 pi A / lambda^2) g with A = pi a^2. The beam's
    1/e^2 intensity radius at the aperture is w, the aperture radius a, the obscuration radius
    b: alpha = a / w, gamma = b / a. All the laser's power counts, including what the aperture
    clips, so g < 1: unobscured, g peaks at 0.8145 for alpha = 1.12; an untruncated Gaussian
    (G = 8 pi^2 w^2 / lambda^2, i.e. g = 2 / alpha^2) overstates the gain by 2.0 dB at
    alpha = 1.25 (w = 0.8 a).

    Parameters
    ----------
    alpha : aperture radius over beam radius a / w [-], > 0
    gamma : obscuration radius over aperture radius b / a [-], in [0, 1)

    References
    ----------
    B. J. Klein and J. J. Degnan, "Optical antenna gain. 1: Transmitting antennas", Appl. Opt.
    13 (1974) 2134-2141 (on-axis gain of the truncated, obscured Gaussian and its optimum
    alpha ~ 1.12 - 1.30 gamma^2 + 2.12 gamma^4).
    """
    a = np.asarray(alpha, dtype=float)
    g = np.asarray(gamma, dtype=float)
    _check_ratios(a, g)
    return 2.0 / a**2 * (np.exp(-(a**2)) - np.exp(-((g * a) ** 2))) ** 2


def truncated_gaussian_gain_off_axis(
    alpha: np.ndarray | float, gamma: np.ndarray | float, x: np.ndarray | float
) -> np.ndarray:
    """Far-field gain efficiency off axis: g(alpha, gamma, X) = 2 alpha^2 [I(X)]^2 [-].

    I(X) = integral over u from gamma^2 to 1 of exp(-alpha^2 u) J0(X sqrt(u)) du, with
    X = (2 pi a / lambda) sin(theta) for an angle theta off the beam axis (no defocus).
    Evaluated by 96-point Gauss-Legendre quadrature (exact to 1e-12 for X below about 100);
    X = 0 gives :func:`truncated_gaussian_gain`.

    References
    ----------
    Klein & Degnan, Appl. Opt. 13 (1974) 2134, the far-field gain integral with beta = 0.
    """
    a, g, xx = np.broadcast_arrays(
        np.asarray(alpha, dtype=float), np.asarray(gamma, dtype=float), np.asarray(x, dtype=float)
    )
    _check_ratios(a, g)
    lo = g[..., None] ** 2
    u = lo + (1.0 - lo) * (_GL_X + 1.0) / 2.0
    f = np.exp(-(a[..., None] ** 2) * u) * j0(xx[..., None] * np.sqrt(u))
    integral = (f * _GL_W).sum(axis=-1) * (1.0 - g**2) / 2.0
    return 2.0 * a**2 * integral**2


def transmitted_fraction(alpha: np.ndarray | float, gamma: np.ndarray | float = 0.0) -> np.ndarray:
    """Fraction of a Gaussian beam's power that leaves an obscured aperture [-].

    exp(-2 gamma^2 alpha^2) - exp(-2 alpha^2) (intensity exp(-2 r^2 / w^2) between the
    obscuration radius b = gamma a and the aperture radius a = alpha w).
    """
    a = np.asarray(alpha, dtype=float)
    g = np.asarray(gamma, dtype=float)
    _check_ratios(a, g)
    return np.exp(-2.0 * (g * a) ** 2) - np.exp(-2.0 * a**2)


# --- terminals --------------------------------------------------------------------------------

BINDING = ("power", "channels", "pointing", "range", "fixed")
"""Names of the constraints that can bind a link's capacity (codes 0..4 of
:attr:`OpticalBudget.binding`; the ``binding`` column of the ``links`` table): ``power`` the
received power over the receiver's energy per bit (radio: Shannon's bound); ``channels``
transceiver pairs x WDM channels x line rate (radio: bandwidth x the best MODCOD); ``pointing``
power-limited only because of the static pointing loss (channel-limited without it); ``range``
beyond the terminal's range (capacity 0); ``fixed`` a fixed rate set in the scenario."""
POWER, CHANNELS, POINTING, RANGE, FIXED = range(5)


@dataclass(frozen=True)
class OpticalTerminal:
    """An optical terminal (both ends of a link are taken to be alike).

    One telescope of diameter ``rx_aperture_m`` transmits and receives. The transmitted beam is
    a Gaussian of 1/e^2 radius ``beam_waist_m`` at the aperture, truncated by the aperture and
    by a central obscuration of ``obscuration_ratio`` times its radius. A link between two
    terminals uses ``spatial_channels_max`` transceiver pairs (spatial channels) where the
    apertures' mode count allows, each carrying ``wdm_channels`` x ``line_rate_bps``.

    Attributes
    ----------
    name : preset name
    wavelength_m : carrier wavelength [m]
    tx_power_w : optical power launched by one transceiver, all WDM channels together [W]
    beam_waist_m : 1/e^2 radius of the transmitted Gaussian beam at the aperture, w [m]
    rx_aperture_m : telescope aperture diameter, 2a (transmit and receive) [m]
    optics_efficiency : transmit x receive optics throughput [-]
    pointing_error_urad : static pointing error [urad]
    photons_per_bit : receiver sensitivity [photons/bit]
    wdm_channels : wavelength channels per transceiver pair
    line_rate_bps : data rate per WDM channel [bit/s]
    spatial_channels_max : transceiver pairs (spatial channels) per link, used in parallel
        where Miller's mode count allows (short range); 1 = one pair
    max_range_m : acquisition and tracking limit [m]
    source : where the numbers come from
    obscuration_ratio : central obscuration radius over aperture radius, gamma [-]
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
    obscuration_ratio: float = 0.0

    @property
    def divergence_rad(self) -> float:
        """Far-field 1/e^2 half-angle divergence lambda / (pi w0) of the untruncated beam [rad]."""
        return self.wavelength_m / (np.pi * self.beam_waist_m)

    @property
    def cap_per_pair_bps(self) -> float:
        """Terminal cap of one transceiver pair: WDM channels x line rate [bit/s]."""
        return self.wdm_channels * self.line_rate_bps

    @property
    def transceiver_pairs(self) -> int:
        """Transceiver pairs per link (spatial channels) the terminal has."""
        return self.spatial_channels_max

    @property
    def aperture_radius_m(self) -> float:
        """Telescope aperture radius a [m]."""
        return self.rx_aperture_m / 2.0

    @property
    def waist_ratio(self) -> float:
        """alpha = a / w: aperture radius over the beam's 1/e^2 radius [-]."""
        return self.aperture_radius_m / self.beam_waist_m

    @property
    def transmit_gain(self) -> float:
        """On-axis far-field transmit gain (2 pi a / lambda)^2 g(alpha, gamma) [-]."""
        g = truncated_gaussian_gain(self.waist_ratio, self.obscuration_ratio)
        return float((2.0 * np.pi * self.aperture_radius_m / self.wavelength_m) ** 2 * g)

    @property
    def receive_area_m2(self) -> float:
        """Collecting area pi a^2 (1 - gamma^2) [m^2]."""
        return float(np.pi * self.aperture_radius_m**2 * (1.0 - self.obscuration_ratio**2))

    @property
    def pointing_factor(self) -> float:
        """Far-field gain kept at the static pointing error, g(X_e) / g(0) [-]."""
        x = 2.0 * np.pi * self.aperture_radius_m * np.sin(self.pointing_error_urad * 1e-6)
        x /= self.wavelength_m
        al, ga = self.waist_ratio, self.obscuration_ratio
        off = truncated_gaussian_gain_off_axis(al, ga, x)
        return float(off / truncated_gaussian_gain(al, ga))


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
            "links longer than 5,400 km; one transceiver pair, one 100 Gbps channel; optics "
            "(8 cm beam in a 10 cm unobscured aperture, alpha 1.25, 2 W, 40 photons/bit "
            "coherent receiver) are assumptions sized to close 100 Gbps at 5,400 km with the "
            "truncated-Gaussian gain (power-limited rate there about 136 Gbps)"
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
            "based data links', ASMS/SPSC 2014); one transceiver pair, one channel; beam "
            "waist, optics efficiency and photons/bit assumed; SDA Tranche 1 optical terminals "
            "(SDA OCT standard) are of this class at 1550 nm"
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
        spatial_channels_max=1,
        max_range_m=10e3,
        source=(
            "Google, 'Towards a future space-based, highly scalable AI infrastructure system "
            "design' (arXiv:2511.19468, 2025) and its blog: a bench demonstrator carried "
            "800 Gbps each way with ONE transceiver pair (COTS DWDM, here 8 x 100 Gbps). The "
            "preset assumes that one pair per link (800 Gbps); the tens of Tbps a cluster needs "
            "would take spatial multiplexing (set spatial_channels_max: N pairs, each at most "
            "800 Gbps, capped at short range by Miller's mode count), not demonstrated; optics, "
            "power and photons/bit assumed"
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
        "obscuration_ratio": ("obscuration_ratio", 1.0),
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


# --- link budget ------------------------------------------------------------------------------


FRESNEL_NUMBERS = np.geomspace(20.0, 0.02, 64)
"""Fresnel numbers N_F = a^2 / (lambda R) of the zone between near and far field where the
collected fraction is a numerical Fresnel integral (:func:`fresnel_capture_table`)."""


@functools.lru_cache(maxsize=16)
def _leggauss(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


@functools.lru_cache(maxsize=64)
def fresnel_capture_table(alpha: float, gamma: float) -> np.ndarray:
    """Collected fraction between two equal coaxial terminals at :data:`FRESNEL_NUMBERS` [-].

    The truncated, obscured Gaussian (total power 1) propagated by the paraxial Fresnel
    integral in Hankel form and collected by the equal, equally obscured aperture: in units of
    the aperture radius, eta(N_F) = 16 pi^2 N_F^2 alpha^2 int_gamma^1 |I(y)|^2 y dy with
    I(y) = int_gamma^1 exp(-alpha^2 x^2 + i pi N_F x^2) J0(2 pi N_F x y) x dx (Gauss-Legendre,
    16 + 4 N_F nodes rounded up to a multiple of 16: equal to 1e-10 dB to 64 + 16 N_F nodes).
    Cached per (alpha, gamma).

    References
    ----------
    Goodman, *Introduction to Fourier Optics*, 3rd ed. (2005), sec. 4.2 (Fresnel
    approximation), with the circular symmetry of sec. 2.1.5 (Hankel transform).
    """
    _check_ratios(np.asarray(alpha), np.asarray(gamma))
    out = np.empty(len(FRESNEL_NUMBERS))
    for i, nf in enumerate(FRESNEL_NUMBERS):
        x, wt = _leggauss(16 * int(np.ceil((16 + 4 * nf) / 16)))
        s = gamma + (1.0 - gamma) * (x + 1.0) / 2.0
        ws = wt * (1.0 - gamma) / 2.0
        f = np.exp(-((alpha * s) ** 2) + 1j * np.pi * nf * s**2) * s * ws
        inner = j0(2.0 * np.pi * nf * np.outer(s, s)) @ f
        out[i] = 16.0 * np.pi**2 * nf**2 * alpha**2 * np.sum(np.abs(inner) ** 2 * s * ws)
    out.flags.writeable = False
    return out


def optical_capture_fraction(
    range_m: np.ndarray | float, t: OpticalTerminal, pointing: bool = True
) -> np.ndarray:
    """Fraction of one transmitter's laser power collected by the far terminal [-].

    By the Fresnel number N_F = a^2 / (lambda R):

    * far field, N_F < 0.02 (Fraunhofer): eta = G_t A_r / (4 pi R^2) with the truncated,
      obscured Gaussian gain G_t (:func:`truncated_gaussian_gain`) and the collecting area
      A_r = pi a^2 (1 - gamma^2);
    * between, 0.02 <= N_F <= 20: the numerical Fresnel integral
      (:func:`fresnel_capture_table`, interpolated in log-log);
    * near field, N_F > 20: min(T, 1 - exp(-2 a^2 / w(R)^2)), the power leaving the aperture
      (:func:`transmitted_fraction`) and the Gaussian beam's captured fraction
      (:func:`gaussian_captured_fraction`); against the Fresnel integral at 50 m between 10 cm
      apertures (N_F = 32) within 0.06 dB unobscured, 0.5 dB with a 35 % obscuration.

    With ``pointing``, times the far-field gain kept at the static pointing error,
    g(X_e) / g(0) (:func:`truncated_gaussian_gain_off_axis`, Klein & Degnan 1974), and closer
    in the larger of that and exp(-2 (R theta_e)^2 / w(R)^2), the Gaussian beam's intensity at
    the lateral offset R theta_e (an approximation).
    """
    r = np.maximum(np.asarray(range_m, dtype=float), 1e-3)
    a = t.aperture_radius_m
    eta = t.transmit_gain * t.receive_area_m2 / (4.0 * np.pi) / r**2
    r_far = a**2 / (t.wavelength_m * FRESNEL_NUMBERS[-1])  # ranges beyond: far field
    far_zone = r > r_far
    all_far = bool(far_zone.all())
    if not all_far:
        nf = a**2 / (t.wavelength_m * r)
        w2 = gaussian_beam_radius_m(r, t.beam_waist_m, t.wavelength_m) ** 2
        near = nf > FRESNEL_NUMBERS[0]
        if near.any():
            tf = transmitted_fraction(t.waist_ratio, t.obscuration_ratio)
            eta = np.where(near, np.minimum(tf, -np.expm1(-2.0 * a**2 / w2)), eta)
        mid = ~(near | far_zone)
        if mid.any():
            table = fresnel_capture_table(t.waist_ratio, t.obscuration_ratio)
            lx, ly = np.log(FRESNEL_NUMBERS[::-1]), np.log(table[::-1])
            eta = np.where(mid, np.exp(np.interp(np.log(np.where(mid, nf, 1.0)), lx, ly)), eta)
    if pointing and t.pointing_error_urad > 0:
        kd = t.pointing_factor
        if all_far:
            return eta * kd
        off = np.exp(-2.0 * (t.pointing_error_urad * 1e-6) ** 2 * r**2 / w2)
        eta = eta * np.where(far_zone, kd, np.maximum(kd, off))
    return eta


def optical_received_power_w(range_m: np.ndarray | float, t: OpticalTerminal) -> np.ndarray:
    """Received optical power of one transceiver pair between two terminals ``t`` [W].

    P_r = P_t eta_optics eta(R), with the collected fraction :func:`optical_capture_fraction`
    (truncated-Gaussian gain, central obscuration, pointing loss).
    """
    return t.tx_power_w * t.optics_efficiency * optical_capture_fraction(range_m, t)


def spatial_channels(range_m: np.ndarray | float, t: OpticalTerminal) -> np.ndarray:
    """Transceiver pairs usable on a link: clip(floor(A^2 / (lambda R)^2), 1, pairs) [-].

    A = pi a^2 the aperture area of each end (:func:`spatial_modes`, Miller 2000): at long
    range one pair, at short range up to the terminal's ``spatial_channels_max``.
    """
    r = np.maximum(np.asarray(range_m, dtype=float), 1e-3)
    if t.spatial_channels_max == 1:
        return np.ones(r.shape, dtype=np.int64)
    area = np.pi * t.aperture_radius_m**2
    modes = np.floor(spatial_modes(r, area, area, t.wavelength_m))
    return np.clip(modes, 1, t.spatial_channels_max).astype(np.int64)


@dataclass(frozen=True)
class OpticalBudget:
    """The link budget of optical links at some ranges (arrays of the ranges' shape).

    Attributes
    ----------
    received_power_w : received power per transceiver pair [W]
    power_limited_bps : rate the received power allows, all pairs [bit/s]
    channel_cap_bps : pairs x WDM channels x line rate [bit/s]
    spatial_channels : transceiver pairs in use [-]
    wdm_channels : WDM channels per pair [-]
    capacity_bps : min(power_limited_bps, channel_cap_bps), 0 beyond the terminal's range
    binding : the constraint that sets it, a code into :data:`BINDING`
    """

    received_power_w: np.ndarray
    power_limited_bps: np.ndarray
    channel_cap_bps: np.ndarray
    spatial_channels: np.ndarray
    wdm_channels: np.ndarray
    capacity_bps: np.ndarray
    binding: np.ndarray


def _rates(
    r: np.ndarray, t: OpticalTerminal, extra_loss_db: float, pointing: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(received power per pair, power-limited rate, channel cap, pairs) at ranges ``r``."""
    loss = 10.0 ** (-extra_loss_db / 10.0)
    pr = t.tx_power_w * t.optics_efficiency * optical_capture_fraction(r, t, pointing) * loss
    n_sp = spatial_channels(r, t)
    power = n_sp * pr / (t.photons_per_bit * photon_energy_j(t.wavelength_m))
    return pr, power, n_sp * t.cap_per_pair_bps, n_sp


def optical_link_budget(
    range_m: np.ndarray | float, t: OpticalTerminal, extra_loss_db: float = 0.0
) -> OpticalBudget:
    """Capacity of optical links and the constraint that binds it, per link.

    capacity = min(N P_r / (n_ppb h c / lambda), N x WDM channels x line rate), 0 beyond
    ``max_range_m``, with N transceiver pairs (:func:`spatial_channels`), P_r per pair
    (:func:`optical_received_power_w`, times the extra loss). ``binding`` is ``range`` beyond
    the range; else ``channels`` if the channel cap is the smaller; else ``pointing`` if the
    link would be channel-limited without the pointing loss; else ``power``.

    Parameters
    ----------
    range_m : link range [m]
    t : the terminal at both ends
    extra_loss_db : further loss (e.g. the atmosphere for a ground link) [dB]

    References
    ----------
    Photon-counting sensitivity: Hemmati (ed.), *Near-Earth Laser Communications* (CRC, 2009),
    ch. 1; transmit gain: Klein & Degnan, Appl. Opt. 13 (1974) 2134; spatial channels:
    Miller, Appl. Opt. 39 (2000) 1681.
    """
    r = np.maximum(np.asarray(range_m, dtype=float), 1e-3)
    pr, power, chan, n_sp = _rates(r, t, extra_loss_db)
    _, power_np, _, _ = _rates(r, t, extra_loss_db, pointing=False)
    inside = r <= t.max_range_m
    binding = np.where(power < chan, np.where(power_np >= chan, POINTING, POWER), CHANNELS)
    return OpticalBudget(
        received_power_w=pr,
        power_limited_bps=power,
        channel_cap_bps=chan,
        spatial_channels=n_sp,
        wdm_channels=np.full(r.shape, t.wdm_channels, dtype=np.int64),
        capacity_bps=np.where(inside, np.minimum(power, chan), 0.0),
        binding=np.where(inside, binding, RANGE).astype(np.int8),
    )


def optical_data_rate_bps(
    range_m: np.ndarray | float, t: OpticalTerminal, extra_loss_db: float = 0.0
) -> np.ndarray:
    """Data rate of an optical link [bit/s]: ``optical_link_budget(...).capacity_bps``.

    Falls with range where the received power binds; capped by the transceiver pairs x WDM
    channels x line rate; 0 beyond ``max_range_m``. Computed without the binding labels (the
    per-step hot path).

    Parameters
    ----------
    range_m : link range [m]
    t : the terminal at both ends
    extra_loss_db : further loss (e.g. the atmosphere for a ground link) [dB]

    Returns
    -------
    rate : [bit/s], same shape as ``range_m``
    """
    r = np.maximum(np.asarray(range_m, dtype=float), 1e-3)
    _, power, chan, _ = _rates(r, t, extra_loss_db)
    return np.where(r <= t.max_range_m, np.minimum(power, chan), 0.0)


def capacity_curves(
    terminals: Mapping[str, OpticalTerminal], n: int = 121
) -> dict[str, np.ndarray]:
    """Capacity against range for each terminal, for plots (the ``link_budget`` table).

    Ranges are ``n`` log-spaced points from 1 m to 3 x the terminal's range (beyond it the
    capacity is 0 and ``power_limited_bps`` shows what the power alone would allow).

    Returns
    -------
    columns : ``terminal`` (the key), ``preset``, ``range_m``, ``capacity_bps``,
        ``power_limited_bps``, ``channel_cap_bps``, ``binding`` (codes into
        :data:`BINDING`), ``spatial_channels``, ``wdm_channels``
    """
    parts: dict[str, list[np.ndarray]] = {}
    for key, t in terminals.items():
        r = np.geomspace(1.0, 3.0 * t.max_range_m, n)
        b = optical_link_budget(r, t)
        cols = {
            "terminal": np.full(n, key, dtype=object),
            "preset": np.full(n, t.name, dtype=object),
            "range_m": r,
            "capacity_bps": b.capacity_bps,
            "power_limited_bps": b.power_limited_bps,
            "channel_cap_bps": b.channel_cap_bps,
            "binding": b.binding,
            "spatial_channels": b.spatial_channels,
            "wdm_channels": b.wdm_channels,
        }
        for k, v in cols.items():
            parts.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in parts.items()}


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
    return rf_link_budget(range_m, frequency_hz, eirp_dbw, g_over_t_db_k, bandwidth_hz,
                          losses_db, max_spectral_efficiency)[0]  # fmt: skip


def rf_link_budget(
    range_m: np.ndarray | float,
    frequency_hz: float,
    eirp_dbw: float,
    g_over_t_db_k: float,
    bandwidth_hz: float,
    losses_db: float = 0.0,
    max_spectral_efficiency: float = 5.9,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rf_capacity_bps` and what binds it: (capacity [bit/s], code into :data:`BINDING`).

    ``power`` where Shannon's bound log2(1 + C/N) is below the best MODCOD's efficiency,
    ``channels`` where the MODCOD cap (bandwidth x ``max_spectral_efficiency``) binds.
    """
    cn_db = (
        eirp_dbw - rf_free_space_loss_db(range_m, frequency_hz) - losses_db + g_over_t_db_k
        - K_BOLTZMANN_DB - 10.0 * np.log10(bandwidth_hz)
    )  # fmt: skip
    eff = np.log2(1.0 + 10.0 ** (cn_db / 10.0))
    binding = np.where(eff < max_spectral_efficiency, POWER, CHANNELS).astype(np.int8)
    return bandwidth_hz * np.minimum(eff, max_spectral_efficiency), binding
