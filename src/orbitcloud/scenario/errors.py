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
        self.where = None if where is None else _clip_lines(str(where))
        self.detail = _clip_lines(message)
        super().__init__(f"{self.where}: {self.detail}" if self.where else self.detail)


MAX_MESSAGE_LINE = 1_000
"""Longest line of an error message: a safety net under the callers' own quoting limits, so a
1 GB one-line file never ends up in a terminal."""


def _clip_lines(text: str) -> str:
    if len(text) <= MAX_MESSAGE_LINE:
        return text
    return "\n".join(
        line
        if len(line) <= MAX_MESSAGE_LINE
        else f"{line[:MAX_MESSAGE_LINE]}... ({len(line) - MAX_MESSAGE_LINE:,} more characters)"
        for line in text.split("\n")
    )


class OrbitcloudWarning(UserWarning):
    """A design that runs but is physically doubtful (e.g. a radiator that cannot reach equilibrium)."""
