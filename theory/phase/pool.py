"""Process pools whose workers die with their parent (no orphans after a SIGKILL of the parent), and
which can be stopped at once (Ctrl-C).

``ProcessPoolExecutor.shutdown(wait=True)`` waits for the tasks that are running, and a worker that
Ctrl-C interrupted in one task takes the next one from its queue: an interrupted ``verify`` used to
take as long as its longest running check (about 15 s) to exit. A pool made with
``process_pool(n, ignore_interrupt=True)`` leaves Ctrl-C to its parent (its workers ignore SIGINT,
which a terminal sends to the whole process group), and :func:`stop` ends it without waiting:
pending tasks cancelled, running ones abandoned, the worker processes killed. Every cache write of
monoverify is atomic (a temporary file, then a rename), so a killed worker leaves no torn file.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from monoverify.errors import InvalidValue

__all__ = ["process_pool", "check_workers", "stop"]

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


def _die_with_parent_ignoring_interrupts(parent: int) -> None:
    """Worker initializer: as :func:`_die_with_parent`, and SIGINT ignored (the parent handles Ctrl-C)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)


def process_pool(workers: int, *, ignore_interrupt: bool = False, **kwargs: Any) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` of ``workers`` processes that exit when this process dies.

    Parameters
    ----------
    workers : int
        Number of worker processes, ``>= 1`` (:func:`check_workers`).
    ignore_interrupt : bool
        The workers ignore SIGINT: Ctrl-C interrupts the parent only, which then ends the pool with
        :func:`stop` (a worker interrupted in one task would otherwise start the next).
    **kwargs
        Other ``ProcessPoolExecutor`` arguments (``mp_context`` ...); ``initializer`` is not allowed.
    """
    n = check_workers(workers)
    if "initializer" in kwargs:
        raise InvalidValue("process_pool sets its own initializer (workers die with their parent)")
    init = _die_with_parent_ignoring_interrupts if ignore_interrupt else _die_with_parent
    return ProcessPoolExecutor(max_workers=n, initializer=init, initargs=(os.getpid(),), **kwargs)


def _tolerate_cancelled(thread: Any) -> None:
    """Let the pool's manager thread fail a broken pool although some of its futures were cancelled.

    Python 3.11's ``terminate_broken`` calls ``set_exception`` on every pending future and dies with
    ``InvalidStateError`` (a traceback on stderr) on a cancelled one (3.12 ignores them); the cancelled
    items are dropped first, in the manager thread itself.
    """
    original = getattr(thread, "terminate_broken", None)
    if original is None or getattr(original, "_monoverify_tolerant", False):
        return

    def terminate_broken(cause: Any) -> None:
        items = getattr(thread, "pending_work_items", None)
        if isinstance(items, dict):
            for work_id in [k for k, w in items.items() if w.future.cancelled()]:
                del items[work_id]
        original(cause)

    terminate_broken._monoverify_tolerant = True   # type: ignore[attr-defined]
    thread.terminate_broken = terminate_broken


def stop(pool: ProcessPoolExecutor, timeout: float = 2.0) -> None:
    """End ``pool`` now: cancel its pending tasks, abandon the running ones and kill its processes.

    For an interrupted run (Ctrl-C), whose finished results were already collected: unlike
    ``shutdown(wait=True)`` it does not wait for the tasks that are running. Futures still running
    end with ``BrokenProcessPool``. Returns within about ``timeout`` seconds.

    >>> pool = process_pool(2, ignore_interrupt=True)
    >>> fut = pool.submit(time.sleep, 60)
    >>> t0 = time.perf_counter(); stop(pool); time.perf_counter() - t0 < 10
    True
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    thread = getattr(pool, "_executor_manager_thread", None)
    if thread is not None:
        _tolerate_cancelled(thread)
    for f in list((getattr(pool, "_pending_work_items", None) or {}).values()):
        f.future.cancel()
    for p in processes:          # the manager thread sees them die, fails what was running and exits
        try:
            p.kill()
        except (OSError, ValueError, AttributeError):   # already gone, or closed
            pass
    for p in processes:
        try:
            p.join(timeout)
        except (AssertionError, ValueError, AttributeError):   # not started, or closed
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    if thread is not None:
        thread.join(timeout)
