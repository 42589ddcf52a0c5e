"""The one error type users see for bad input, and orbitcloud's warning category.

Every loader and validator raises :class:`OrbitcloudInputError` *before any work starts*. Its
message names where the problem is (file and line, or the dotted path of a scenario field), the
value found and what is allowed, in the spirit of python-sgp4's TLE error, which prints the
official column template above the offending line.
"""

from __future__ import annotations

from pathlib import Path


class OrbitcloudInputError(ValueError):
    """Bad user input: a scenario, a TLE/OMM file, a sweep file, a command-line value.

    Parameters
    ----------
    message
        What is wrong, the value and what is allowed.
    where
        File (and line) or dotted field path; prepended to the message when given.
    """

    def __init__(self, message: str, where: str | Path | None = None) -> None:
        self.where = None if where is None else str(where)
        self.detail = message
        super().__init__(f"{self.where}: {message}" if self.where else message)


class OrbitcloudWarning(UserWarning):
    """A design that runs but is physically doubtful (e.g. a radiator that cannot reach equilibrium)."""
