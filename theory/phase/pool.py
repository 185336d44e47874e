"""Process pools whose workers die with their parent (no orphans after a SIGKILL of the parent)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from monoverify.errors import InvalidValue

__all__ = ["process_pool", "check_workers"]

_PR_SET_PDEATHSIG = 1


def check_workers(workers: Any) -> int:
    """``workers`` as an int ``>= 1``; anything else is refused naming the value.

    >>> check_workers(4)
    4
    >>> check_workers(-2)
    Traceback (most recent call last):
    ...
    monoverify.errors.InvalidValue: workers must be an integer >= 1, got workers=-2
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        try:
            import numpy as np
            if isinstance(workers, np.integer) and workers >= 1:
                return int(workers)
        except ImportError:  # pragma: no cover
            pass
        raise InvalidValue(f"workers must be an integer >= 1, got workers={workers!r}")
    return workers


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux, else a thread polling ``getppid``."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            pass
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def process_pool(workers: int, **kwargs: Any) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` of ``workers`` processes that exit when this process dies.

    Parameters
    ----------
    workers : int
        Number of worker processes, ``>= 1`` (:func:`check_workers`).
    **kwargs
        Other ``ProcessPoolExecutor`` arguments (``mp_context`` ...); ``initializer`` is not allowed.
    """
    n = check_workers(workers)
    if "initializer" in kwargs:
        raise InvalidValue("process_pool sets its own initializer (workers die with their parent)")
    return ProcessPoolExecutor(max_workers=n, initializer=_die_with_parent, initargs=(os.getpid(),), **kwargs)
