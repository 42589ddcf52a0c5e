"""The documented limits of one run and of its input files (docs/scenario.md, "Limits").

Every limit here is checked *before any work starts*, and going past one is an
:class:`~orbitcloud.scenario.errors.OrbitcloudInputError` that names the field or file, the value
and the limit. A limit exists where the input would otherwise exhaust memory, run for hours before
the first progress, or leave the range where orbitcloud's models are valid; each constant says
which.
"""

from __future__ import annotations

from datetime import UTC, datetime

MAX_STEPS = 50_000_000
"""Time steps in one run (a year at 1 s is 3.2e7): beyond it, a typo is likelier."""

MAX_DURATION_DAYS = 3_653.0
"""Longest run [days] (10 years, a satellite's design life and then some). The models that follow
the clock rather than the time grid (NRLMSIS time nodes every 3 h, the thermal sub-steps) cost
about 0.2 s per simulated day on this project's 2-core test machine whatever ``step_s`` is, so
100 years would spend about 2 hours before finishing; 10 years is about 12 minutes."""

MAX_SATELLITES = 100_000
"""Satellites in one run, over all constellations (after ``limit``). The whole public catalogue
is about 30,000 objects and the largest filed constellations about 40,000; a 10,000 x 10,000
Walker shell (1e8 satellites) needs ~100 GB for its sgp4 records alone."""

MAX_SATELLITE_STEPS = 1_000_000_000
"""Satellites x time steps of one run: 1e9 is about 10 minutes of SGP4 alone on one core (2e6
satellite-steps per second, shared/PITFALLS.md) and a ~40 GB ``positions`` table."""

EARLIEST_TIME = datetime(1957, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)
"""Every time in a scenario (start, end of the run, epochs, event and storm windows) lies in
[EARLIEST_TIME, LATEST_TIME]: the space age (the TLE epoch-year convention starts in 1957), to the
end of the century for which the Sun, time-scale and Earth-rotation models are written (leap
seconds are tabulated to 2017 and none are assumed after)."""

TIME_RANGE_TEXT = "1957-01-01 to 2100-01-01"

MIN_PERIGEE_KM = 150.0
"""Lowest perigee altitude of a designed orbit (Walker, SSO, cluster) [km]: below about 150 km an
orbit decays within a day or so, and SGP4 reports it decayed."""

SSO_MAX_ALTITUDE_KM = 5_950.0
"""Highest altitude of a sun-synchronous orbit [km]. A circular orbit's J2 node rate falls with
altitude; the inclination that makes it 360 deg per tropical year reaches 180 deg (the most
retrograde possible) at about 5,974 km (J2 alone) or 5,985 km (SGP4's node rate): above, no
inclination makes an orbit sun-synchronous. Kept 25 km below, where the inclination (172 deg)
still depends smoothly on the altitude (tests/astro/test_adversarial_inputs.py checks it)."""

MAX_CATALOGUE_FILE_BYTES = 200 * 1024 * 1024
"""Largest TLE/OMM file [bytes], checked from the file's size before it is read: 100,000
satellites (MAX_SATELLITES) as OMM XML are about 100 MB, as 3LE about 17 MB."""

MAX_SCENARIO_FILE_BYTES = 1024 * 1024
"""Largest scenario YAML file [bytes]: a resolved scenario is a few kB, and PyYAML composes
about 0.1 MB of flow mappings per second here, so 1 MiB is read in at most about 10 s."""

MAX_YAML_FILE_BYTES = 16 * 1024 * 1024
"""Largest YAML file of any kind [bytes] (the sweep file's own limit, ``MAX_SWEEP_FILE_BYTES``)."""

MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings and lists in a YAML file (a scenario nests at most about 8 deep);
Python's recursion limit would otherwise be hit near 500 levels."""

MAX_QUOTE_CHARS = 80
"""Longest piece of a user's input quoted in an error message; longer ones are cut with '...'."""


def clip(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def human_bytes(n: int) -> str:
    """A byte count in kB/MB/GB (binary multiples), for messages."""
    size = float(n)
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover
