"""Physical constants in SI units, each with its source."""

from __future__ import annotations

MU_EARTH_M3_S2 = 3.986004418e14
"""Earth's gravitational parameter (WGS84 / IERS) [m^3/s^2]."""

R_EARTH_M = 6_378_137.0
"""WGS84 equatorial radius [m]."""

WGS84_F = 1.0 / 298.257223563
"""WGS84 flattening."""

R_EARTH_POLAR_M = R_EARTH_M * (1.0 - WGS84_F)
"""WGS84 polar radius [m]."""

J2 = 1.08262668e-3
"""Earth's second zonal harmonic (Vallado, Fundamentals of Astrodynamics, table D-1)."""

OMEGA_EARTH_RAD_S = 7.292115146706979e-5
"""Earth rotation rate used for TEME/PEF velocities (Vallado et al. 2006, AIAA 2006-6753)."""

C_M_S = 299_792_458.0
"""Speed of light in vacuum [m/s] (SI definition)."""

AU_M = 149_597_870_700.0
"""Astronomical unit [m] (IAU 2012 Resolution B2)."""

R_SUN_M = 696_000_000.0
"""Solar radius [m] (Allen's Astrophysical Quantities; 695,700 km nominal IAU 2015 B3)."""

SOLAR_CONSTANT_W_M2 = 1361.0
"""Total solar irradiance at 1 AU [W/m^2] (Kopp & Lean 2011, GRL 38 L01706: 1360.8 +- 0.5)."""

TROPICAL_YEAR_S = 365.2421897 * 86400.0
"""Tropical year [s]; a sun-synchronous node turns 360 deg in it (Vallado, sec. 9.6)."""

SIDEREAL_YEAR_S = TROPICAL_YEAR_S
"""Historical name of :data:`TROPICAL_YEAR_S` (kept for existing callers; it is the tropical
year, the period of the mean Sun's right ascension, that sun-synchronism refers to)."""

SECONDS_PER_DAY = 86_400.0
