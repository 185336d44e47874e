"""The main job: check many theorems and collect a :class:`VerifyReport`.

Independent theorems can run in parallel processes (``workers > 1``: a
``concurrent.futures.ProcessPoolExecutor``) or on any executor with ``submit`` (e.g. a Dask
``client.get_executor()``); results are identical to a serial run and come back in registry
order (submitted longest first by their last measured times, :mod:`.costs`). Report writing (JSON,
CSV, figures) lives in :mod:`monoverify.cli`, not here.

>>> rep = verify(["pp.bilinear"], quick=True, pep=False)
>>> rep.summary(), rep.exit_status, rep.success
({'holds': 1, 'violated': 0, 'finding': 0, 'inconclusive': 0}, 0, True)
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from monoverify.errors import UnknownName
from monoverify.result import Result

from ..theorems import THEOREMS, Theorem, get
from .checking import check
from .costs import load_times, order_longest_first, save_times
from .pool import check_workers, executor_scope
from .result import CheckResult
from .verdict import VERDICTS

__all__ = ["verify", "VerifyReport", "select"]


@dataclass
class VerifyReport(Result):
    """The outcome of :func:`verify`: one :class:`CheckResult` per theorem, in the order asked.

    ``exit_status``: 1 when a non-``reconstruction`` theorem is violated, else 0 (``finding`` and
    ``inconclusive`` do not fail the run; they are listed). ``interrupted``: stopped by Ctrl-C
    after ``len(results)`` of ``len(ids)`` checks.
    """

    ids: list
    results: list = field(default_factory=list)
    quick: bool = False
    elapsed: float = 0.0
    interrupted: bool = False

    @property
    def failed(self) -> list:
        return [r for r in self.results if r.failed]

    @property
    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        return "violated" if self.failed else "ok"

    @property
    def success(self) -> bool:
        return not self.interrupted and not self.failed and all(r.verdict == "holds" for r in self.results)

    @property
    def message(self) -> str:
        s = ", ".join(f"{n} {v}" for v, n in self.summary().items())
        return f"{len(self.results)} of {len(self.ids)} theorems checked: {s}"

    @property
    def exit_status(self) -> int:
        return 1 if self.failed else 0

    def summary(self) -> dict:
        """Count of results per verdict (every verdict listed)."""
        return {v: sum(r.verdict == v for r in self.results) for v in VERDICTS}

    def to_dict(self, curves: bool = False, max_points: int | None = None) -> dict:
        """JSON-safe record; ``curves`` and ``max_points`` as in :meth:`CheckResult.to_dict`."""
        return {"ids": list(self.ids), "quick": self.quick, "elapsed_s": self.elapsed, "interrupted": self.interrupted,
                "status": self.status, "success": self.success, "message": self.message, "summary": self.summary(),
                "results": [r.to_dict(curves=curves, max_points=max_points) for r in self.results]}

    @classmethod
    def from_dict(cls, d: dict) -> "VerifyReport":
        return cls(list(d["ids"]), [CheckResult.from_dict(r) for r in d["results"]], d["quick"], d["elapsed_s"],
                   d["interrupted"])


def select(theorems: Iterable[str | Theorem] | None = None, only: str | None = None) -> list:
    """The theorems to verify: ``theorems`` (ids or objects; default all registered), filtered by ``only``."""
    chosen = list(THEOREMS.values()) if theorems is None else [get(t) if isinstance(t, str) else t for t in theorems]
    if only is not None:
        chosen = [t for t in chosen if only in t.id]
        if not chosen:
            raise UnknownName(f"--only {only!r} matches no theorem id")
    return chosen


def _one(th: Theorem, quick: bool, pep: bool) -> CheckResult:
    res = check(th, quick=quick, pep=pep)   # one BLAS thread inside check: the same bits anywhere
    if pep and th.pep and res.pep is not None:
        res.pep["proved"] = proofs(th, compute=not quick)
    return res


def proofs(th: Theorem, compute: bool = True) -> dict:
    """Exact certificates at the theorem's PEP cells (:mod:`monoverify.theory.prove`).

    ``{"n": n, "cells": [...]}`` where the theorem is proved exactly for every ``N <= n`` at every
    PEP cell (``n = 0``: not proved at some cell). ``compute=False`` reads certificates already in
    the cache (``$MONOVERIFY_CACHE/prove``, keyed by the claim and the code) and proves nothing new.
    A theorem whose metric or parameters have no exact PEP form says why in ``"why"``.
    """
    from monoverify.theory.prove.cache import proved_up_to

    n_max = max(th.pep.get("Ks", (1,)))
    cells = []
    try:
        for cell in th.pep["cells"]:
            cells.append({"cell": dict(cell), "n": proved_up_to(th.id, cell, n_max, compute=compute)})
    except ValueError as exc:   # the claim has no exact form here (metric, irrational parameters)
        return {"n": 0, "cells": cells, "why": str(exc), "computed": compute}
    return {"n": min(c["n"] for c in cells) if cells else 0, "cells": cells, "computed": compute}


def verify(theorems: Iterable[str | Theorem] | None = None, quick: bool = False, *, only: str | None = None,
           pep: bool = True, workers: int = 1, executor: Executor | None = None,
           progress: Callable[[str, int, int], None] | None = None) -> VerifyReport:
    """Check every theorem (default: the registry) on its default battery.

    Parameters
    ----------
    theorems : iterable of id or Theorem, optional
        What to verify (default: every registered theorem).
    quick : bool
        Small batteries (the ``--quick`` run).
    only : str, optional
        Keep the ids containing this text.
    pep : bool
        Include the PEP column where a theorem declares one.
    workers : int
        Processes for independent theorems (1: serial, in this process). ``0``: one per CPU core.
    executor : concurrent.futures.Executor, optional
        Run on this executor instead (e.g. Dask's ``client.get_executor()``); ``workers`` is ignored.
    progress : callable, optional
        ``progress(theorem_id, done, total)`` after each finished check.

    Returns
    -------
    VerifyReport
        Also when interrupted by Ctrl-C (``interrupted=True``): every check that had finished is kept,
        in the order asked; the checks still running are abandoned at once (their processes are
        stopped), so the report comes back in about a second.
    """
    check_workers(workers)
    chosen = select(theorems, only)
    rep = VerifyReport([t.id for t in chosen], quick=quick)
    t0 = time.perf_counter()
    try:
        with executor_scope(workers, executor, len(chosen)) as ex:
            if ex is None:
                for th in chosen:
                    rep.results.append(_one(th, quick, pep))
                    if progress:
                        progress(th.id, len(rep.results), len(chosen))
            else:
                _parallel(chosen, quick, pep, ex, rep, progress)
    except KeyboardInterrupt:
        rep.interrupted = True
    rep.elapsed = time.perf_counter() - t0
    return rep


def _parallel(chosen: list, quick: bool, pep: bool, ex: Executor, rep: VerifyReport, progress: Any) -> None:
    futures: dict = {}
    done: dict = {}
    try:
        # longest first (last measured times), so that no worker is left with a long check at the end;
        # by position, since two theorems asked may share an id (a variant beside the registered one)
        times = load_times(quick)
        for j in order_longest_first(range(len(chosen)), {j: times[th.id] for j, th in enumerate(chosen)
                                                          if th.id in times}):
            futures[j] = ex.submit(_one, chosen[j], quick, pep)
        position = {f: j for j, f in futures.items()}
        for f in as_completed(futures.values()):   # progress as they finish, whatever the order asked
            j = position[f]
            done[j] = f.result()
            if progress:
                progress(chosen[j].id, len(done), len(chosen))
        rep.results.extend(done[j] for j in range(len(chosen)))   # the order asked
    except KeyboardInterrupt:
        for f in futures.values():
            f.cancel()
        # every check that finished is kept (in the order asked), not only those before the first unfinished
        for j, f in futures.items():
            if j not in done and f.done() and not f.cancelled() and f.exception() is None:
                done[j] = f.result()
        rep.results.extend(done[j] for j in sorted(done))
        raise
    finally:
        save_times({r.theorem.id: r.elapsed for r in rep.results}, quick)
