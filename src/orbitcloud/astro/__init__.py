"""Astrodynamics: time scales, frames, SGP4 propagation, Sun, eclipse, constellation builders.

Conventions (written here once, used everywhere in orbitcloud)
---------------------------------------------------------------
* **Units**: SI inside -- metres, seconds, radians, m/s, W, K. A scenario field carrying another
  unit says so in its name (``altitude_km``, ``inclination_deg``) and is converted once, at the
  boundary (the builders in :mod:`orbitcloud.astro.constellations`).
* **Array layout**: vectors are ``(n_time, n_sat, 3)``, xyz last, C-contiguous, so one time step
  is one contiguous slab; per-satellite scalars are ``(n_time, n_sat)`` or ``(n_sat,)``; the Sun
  is ``(n_time, 3)``. sgp4 returns ``(n_sat, n_time, 3)`` in km: converted once, in
  :func:`orbitcloud.astro.propagate.propagate_teme`.
* **Satellite identity**: ``sat`` is a dense index 0..n_sat-1 into every array and table.
* **Frames**: TEME (SGP4's output, true equator / mean equinox) for inertial work; ITRF
  (Earth-fixed; polar motion optional) for everything on or relative to the ground; WGS84
  geodetic latitude/longitude [rad] and height [m]. The Sun is computed true-of-date and used as
  TEME by rotating it by the equation of the equinoxes (up to 17.6 arcsec).
* **Time**: a run's grid is ``start + k * step_s`` in UTC; Julian dates are two-part
  ``(jd, fr)`` as in sgp4. UT1 = UTC + ``ut1_utc_s``; TT = UTC + (TAI-UTC) + 32.184 s.
* **Errors as data**: SGP4 failures come back as NaN positions plus an int8 code per
  (time, satellite) (sgp4's 1-6, 7 for a non-finite result with code 0); never as exceptions.
"""
