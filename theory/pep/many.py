"""Fan-out of many PEPs through any ``concurrent.futures.Executor``, cached results served first."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Iterable, Mapping

from monoverify.errors import InvalidValue
from . import compiled as _compiled
from .cache import _cache_path, _cache_read
from .common import PEPNotRepresentable
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


def _worst_case_job(kwargs: dict, compiled: bool = False) -> PEPResult:
    """One job, where it runs: through the compiled SDP when asked and it applies, else ``worst_case``."""
    if compiled and not kwargs.get("verbose") and _compiled.applies(kwargs):
        try:
            return _compiled.compiled_worst_case(kwargs["method"], kwargs["rho"], kwargs.get("L"), kwargs["n_iter"],
                                                 kwargs.get("metric", "operator"), iterate=kwargs.get("iterate", "last"),
                                                 max_points=kwargs.get("max_points"))
        except PEPNotRepresentable:
            pass
    return worst_case(**kwargs)


def worst_case_many(jobs: Iterable[Any], executor: Executor | None = None, *, compiled: bool | None = None
                    ) -> list[PEPResult]:
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
    compiled : bool, optional
        Solve the jobs of unconstrained classes with default Clarabel settings that are not in the
        cache through the compiled SDP (:mod:`monoverify.theory.pep.compiled`: no modelling layer, the data
        of a method/N/metric assembled once), in this process and not written to the cache; the values
        equal ``worst_case``'s to solver tolerance (their message says "compiled SDP"); with an ``executor``
        and ``compiled=True`` they run on the executor, so a sweep gives the same numbers wherever it runs.
        Default: when no ``executor`` is given (with one, every job goes to the executor's ``worst_case``,
        cached there).

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> rs = worst_case_many([dict(method=make("pp", gamma=1.0), rho=0.0, L=None, n_iter=n, cache=False)
    ...                       for n in (1, 2)])
    >>> [round(r.value, 4) for r in rs]     # PP on monotone operators: ||g_N||^2 <= 1/N (Gu & Yang)
    [1.0, 0.25]
    """
    kws = [_job_kwargs(j) for j in jobs]
    for k in kws:   # sizes first, in this process: no job of a sweep starts before every one is known to fit
        if "method" in k and "n_iter" in k:
            from monoverify.validate import integer

            from .inputs import guard_points

            guard_points(k["method"], integer("n_iter", k["n_iter"], lo=1), k.get("max_points"))
    if compiled is None:
        compiled = executor is None
    out: list[PEPResult | None] = [None] * len(kws)
    for i, k in enumerate(kws):
        if k.get("cache", True) is not False:
            try:
                kk = dict(k)
                _, inputs = _inputs(kk["method"], kk["rho"], kk["L"], kk["n_iter"], kk.get("metric", "operator"),
                                    kk.get("solver", "CLARABEL"), kk.get("constraint"), kk.get("bilinear", False),
                                    kk.get("solver_options"), kk.get("iterate", "last"))
                hit = _cache_read(_cache_path(inputs, kk.get("cache", True)), inputs)
            except Exception:
                hit = None  # let the solve raise the error
            if hit is not None:
                out[i] = hit
                continue
    if executor is None:
        return [r if r is not None else _worst_case_job(k, compiled) for r, k in zip(out, kws)]
    futures = {i: executor.submit(_worst_case_job, k, compiled) for i, k in enumerate(kws) if out[i] is None}
    for i, f in futures.items():
        out[i] = f.result()
    return out  # type: ignore[return-value]
