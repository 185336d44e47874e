"""Where independent checks run: this process, a pool of processes, or an executor given by the caller.

:func:`verify <monoverify.theory.judge.verify.verify>` and the mutation :func:`score
<monoverify.theory.judge.scoring.score>` share the convention: ``workers=1`` is serial (in this
process), ``workers=N`` a pool of ``N`` processes (``0``: one per CPU core), and any ``executor``
with ``submit`` (a ``ProcessPoolExecutor``, Dask's ``client.get_executor()``) replaces the pool.

Every check runs with one BLAS thread (:func:`~monoverify.arrays.single_threaded_blas` on
:func:`~monoverify.theory.judge.check`): OpenBLAS rounds some calls differently with a different
number of threads (Dask's workers set ``OPENBLAS_NUM_THREADS=1``, a plain process uses every core),
so results are identical, bit for bit, wherever they run.

>>> with executor_scope(1, None, n_tasks=5) as ex:
...     print(ex)
None
>>> check_workers(-1)
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: workers must be an integer >= 0 (0: one per CPU core), got workers=-1
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Executor
from typing import Any, Iterator

from monoverify.errors import InvalidValue

__all__ = ["check_workers", "executor_scope"]


def check_workers(workers: Any) -> int:
    """The number of processes ``workers`` asks for (``0``: one per CPU core); refuses anything but an int >= 0."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise InvalidValue(f"workers must be an integer >= 0 (0: one per CPU core), got workers={workers!r}")
    return workers or os.cpu_count() or 1


@contextlib.contextmanager
def executor_scope(workers: int, executor: Executor | None, n_tasks: int) -> Iterator[Executor | None]:
    """The executor to submit to: ``executor`` itself, an own process pool, or ``None`` (run serially).

    Parameters
    ----------
    workers : int
        As :func:`check_workers`; ignored when ``executor`` is given.
    executor : Executor, optional
        Used as is and never shut down here (it belongs to the caller).
    n_tasks : int
        Upper bound on concurrent tasks: an own pool has at most this many processes.

    Yields
    ------
    Executor or None
        ``None`` when the work should run in this process (one worker, no executor). An own pool
        (:func:`~monoverify.theory.phase.pool.process_pool`: its processes die with this one and
        ignore Ctrl-C, which this process handles) is shut down on a normal exit; on Ctrl-C (or any
        other exception) it is stopped at once (:func:`~monoverify.theory.phase.pool.stop`: pending
        tasks cancelled, running ones abandoned, its processes killed), so an interrupted run returns
        in about a second instead of waiting for the checks that were running.
    """
    n = check_workers(workers)
    if executor is not None:
        yield executor
        return
    if n == 1 or n_tasks <= 1:
        yield None
        return
    from monoverify.theory.phase.pool import process_pool, stop

    pool = process_pool(min(n, n_tasks), ignore_interrupt=True)
    try:
        yield pool
    except BaseException:
        stop(pool)
        raise
    pool.shutdown(wait=True, cancel_futures=True)

