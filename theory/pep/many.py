"""Fan-out of many PEPs through any ``concurrent.futures.Executor``, cached results served first."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Iterable, Mapping

from monoverify.errors import InvalidValue
from .cache import _cache_path, _cache_read
from .inputs import _inputs
from .result import PEPResult
from .solve import worst_case

__all__ = ["worst_case_many"]


_WC_ARGS = ("method", "rho", "L", "n_iter", "metric")


def _job_kwargs(job: Any) -> dict:
    if isinstance(job, Mapping):
        return dict(job)
    if isinstance(job, (tuple, list)):
        if len(job) > len(_WC_ARGS):
            raise InvalidValue(f"a job tuple is (method, rho, L, n_iter[, metric]), got {len(job)} entries")
        return dict(zip(_WC_ARGS, job))
    raise TypeError(f"a job is a dict of worst_case arguments or a tuple (method, rho, L, n_iter[, metric]), got {job!r}")


def _worst_case_job(kwargs: dict) -> PEPResult:
    return worst_case(**kwargs)


def worst_case_many(jobs: Iterable[Any], executor: Executor | None = None) -> list[PEPResult]:
    """Solve many PEPs, in order, optionally through any ``concurrent.futures.Executor``.

    Parameters
    ----------
    jobs : iterable
        Each a dict of :func:`worst_case` keyword arguments or a tuple
        ``(method, rho, L, n_iter[, metric])``.
    executor : Executor, optional
        E.g. a ``ProcessPoolExecutor`` (parallel solves) or a Dask ``client.get_executor()``.
        Cached results are served without submitting. PEPit keeps global state, so a
        ``ThreadPoolExecutor`` works but solves one PEP at a time.

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> rs = worst_case_many([dict(method=make("pp", gamma=1.0), rho=0.0, L=None, n_iter=n, cache=False)
    ...                       for n in (1, 2)])
    >>> [round(r.value, 4) for r in rs]     # PP on monotone operators: ||g_N||^2 <= 1/N (Gu & Yang)
    [1.0, 0.25]
    """
    kws = [_job_kwargs(j) for j in jobs]
    if executor is None:
        return [worst_case(**k) for k in kws]
    out: list[PEPResult | None] = [None] * len(kws)
    futures = {}
    for i, k in enumerate(kws):
        if k.get("cache", True) is not False:
            try:
                kk = dict(k)
                _, inputs = _inputs(kk["method"], kk["rho"], kk["L"], kk["n_iter"], kk.get("metric", "operator"),
                                    kk.get("solver", "CLARABEL"), kk.get("constraint"), kk.get("bilinear", False),
                                    kk.get("solver_options"))
                hit = _cache_read(_cache_path(inputs, kk.get("cache", True)), inputs)
            except Exception:
                hit = None  # let the worker raise the error
            if hit is not None:
                out[i] = hit
                continue
        futures[i] = executor.submit(_worst_case_job, k)
    for i, f in futures.items():
        out[i] = f.result()
    return out  # type: ignore[return-value]

