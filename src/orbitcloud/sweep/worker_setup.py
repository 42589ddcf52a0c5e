"""Dask preload for the local cluster's worker processes: Ctrl-C is the driver's business.

A Ctrl-C in a terminal sends SIGINT to the whole foreground process group: the
``orbitcloud sweep`` driver *and* its local worker processes. A worker would die with a
``KeyboardInterrupt`` traceback printed over the driver's one-line message, and possibly half-way
through writing a point. So each worker process ignores SIGINT (the preload runs in every
process a nanny starts, a restarted one too); the driver catches the interrupt, closes the
cluster, which ends the workers, and prints one line. Finished points are on disk: the same
command resumes.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any


def dask_setup(worker: Any) -> None:
    """Ignore SIGINT in this worker process (called by Dask when the worker starts)."""
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
