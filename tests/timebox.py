"""``time_limit``: the hang bound of the adversarial test modules (one copy for all of them)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail with ``TimeoutError`` when the block takes longer than ``seconds`` (a hang), instead
    of waiting for it. SIGALRM: main thread only, on POSIX."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer within {seconds} s: a hang")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
