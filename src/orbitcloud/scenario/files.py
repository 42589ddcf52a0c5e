"""Reading a user's input file safely: a regular file, of bounded size, or one clear error.

``Path.read_bytes`` on ``/dev/zero`` never returns, on a FIFO it waits for a writer, and on a
1 GB file it takes 1 GB before any check. Here the path is examined first (``os.stat``, which
follows symlinks, so a link to a device is a device), only a regular file is opened
(non-blocking, then checked again on the open descriptor), and its size is compared with the
documented limit before it is read.
"""

from __future__ import annotations

import os
import stat
from importlib import resources
from pathlib import Path

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.limits import clip, human_bytes

__all__ = [
    "PACKAGE_PREFIX",
    "check_regular_file",
    "describe_not_regular",
    "package_data_names",
    "read_regular_file",
    "resolve_data_file",
]

PACKAGE_PREFIX = "package:"
"""A scenario's file field starting with this names one of orbitcloud's own data files."""


def package_data_names() -> list[str]:
    """The data files that ``package:<name>`` can name (orbitcloud's ``data`` folder)."""
    root = resources.files("orbitcloud") / "data"
    return sorted(p.name for p in root.iterdir() if p.is_file() and not p.name.startswith("_"))


def resolve_data_file(value: str, base_dir: Path | None = None) -> Path:
    """Where a file named in a scenario is (``tle_file``, ``omm_file``, a conjunction background).

    ``package:<name>`` is orbitcloud's own data, installed with the package (e.g.
    ``package:starlink-2023-07-18.tle``), so a scenario naming it runs from any folder; a
    relative path is taken against ``base_dir`` (the scenario file's folder) or the current
    folder; ``~`` is expanded. Whether the file exists is the caller's check.

    After ``package:`` only a plain file name of orbitcloud's data folder is allowed: an absolute
    path, ``..``, a folder part or a backslash is an :class:`OrbitcloudInputError` (it would read
    any file on the machine and echo it into errors).
    """
    if value.startswith(PACKAGE_PREFIX):
        name = value[len(PACKAGE_PREFIX) :]
        plain = (
            name
            and name not in (".", "..")
            and "/" not in name
            and "\\" not in name
            and "\x00" not in name
            and not Path(name).is_absolute()
        )
        if not plain:
            raise OrbitcloudInputError(
                f"{clip(repr(value))}: after 'package:' give the plain name of one of "
                f"orbitcloud's data files ({', '.join(package_data_names())}); a folder, '..' "
                "or an absolute path is not allowed there (write the path without 'package:' "
                "for a file of your own)"
            )
        return Path(str(resources.files("orbitcloud") / "data" / name))
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = (base_dir or Path.cwd()) / p
    return p


def describe_not_regular(mode: int) -> str:
    """What kind of non-regular file a ``st_mode`` is, for messages."""
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _not_regular(path: Path, mode: int, expected: str) -> OrbitcloudInputError:
    link = " (through a symbolic link)" if path.is_symlink() else ""
    return OrbitcloudInputError(
        f"not a regular file: it is {describe_not_regular(mode)}{link}; expected {expected}",
        path,
    )


def _too_large(path: Path, size: int, max_bytes: int, expected: str) -> OrbitcloudInputError:
    return OrbitcloudInputError(
        f"the file is {human_bytes(size)} ({size:,} bytes), more than the "
        f"{human_bytes(max_bytes)} ({max_bytes:,} bytes) allowed for {expected} (see the limits "
        "in docs/scenario.md); nothing was read",
        path,
    )


def check_regular_file(path: Path, expected: str, max_bytes: int | None = None) -> None:
    """Raise unless ``path`` is an existing regular file (symlinks followed) within ``max_bytes``.

    Parameters
    ----------
    path : the file
    expected : what it should be, for messages ("a TLE file")
    max_bytes : the size limit, or None for none
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        broken = " (a symbolic link to a missing file)" if path.is_symlink() else ""
        raise OrbitcloudInputError(f"file not found{broken}", path) from None
    except PermissionError:
        raise OrbitcloudInputError("cannot read the file (permission denied)", path) from None
    except OSError as exc:
        raise OrbitcloudInputError(f"cannot read the file ({exc.strerror})", path) from None
    except ValueError:  # a NUL character in the path
        raise OrbitcloudInputError("not a valid path (it holds a NUL character)", path) from None
    if stat.S_ISDIR(st.st_mode):
        raise OrbitcloudInputError(f"is a folder, expected {expected}", path)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode, expected)
    if max_bytes is not None and st.st_size > max_bytes:
        raise _too_large(path, st.st_size, max_bytes, expected)


def read_regular_file(path: str | os.PathLike[str], expected: str, max_bytes: int) -> bytes:
    """The bytes of a user's input file, which must be a regular file of at most ``max_bytes``.

    Raises
    ------
    OrbitcloudInputError
        A missing path, a folder, a device/FIFO/socket (also behind a symlink), a file larger
        than ``max_bytes`` (checked before reading), or a file that cannot be read.
    """
    p = Path(path)
    check_regular_file(p, expected, max_bytes)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise OrbitcloudInputError("file not found", p) from None
    except PermissionError:
        raise OrbitcloudInputError("cannot read the file (permission denied)", p) from None
    except OSError as exc:
        raise OrbitcloudInputError(f"cannot read the file ({exc.strerror})", p) from None
    try:
        st = os.fstat(fd)  # the file opened may not be the one examined (it can be replaced)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(p, st.st_mode, expected)
        if st.st_size > max_bytes:
            raise _too_large(p, st.st_size, max_bytes, expected)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)  # a file that grew meanwhile is still cut at the limit
    except OSError as exc:
        raise OrbitcloudInputError(f"cannot read the file ({exc.strerror})", p) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise _too_large(p, len(data), max_bytes, expected)
    return data
