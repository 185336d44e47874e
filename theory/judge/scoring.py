"""The blind mutation score: every variant of :mod:`.mutants` judged exactly as a new theorem is.

:func:`score` checks each variant with :func:`~monoverify.theory.judge.check` — the same call a
researcher makes for a theorem of their own — so the score measures the battery's power on wrong
statements it knows nothing about. A variant is *killed* when its verdict is ``violated`` or
``finding``, or when its check refuses it (the method is undefined somewhere in its widened region).
Boundary-inclusion variants are judged and reported beside the score (they must come out
``inconclusive`` at the boundary, or hold where the bound is vacuous there), never counted.

>>> from monoverify.theory import THEOREMS
>>> rep = MutationReport([MutantOutcome("a~x", "scaling", "", "violated", True, True)])
>>> rep.line
'mutants: 1/1 killed (blind)'
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from monoverify.result import Result

from ..theorems import Theorem
from ..theorems.core import conjuncts
from .mutants import BOUNDARY_KIND, Mutant, mutants

__all__ = ["MutantOutcome", "MutationReport", "score"]


@dataclass
class MutantOutcome(Result):
    """The verdict on one variant (``killed``: ``violated``, ``finding`` or refused)."""

    id: str
    kind: str
    description: str
    verdict: str
    killed: bool
    scored: bool
    reason: str = ""
    worst_ratio: float = math.nan

    @property
    def status(self) -> str:
        return "killed" if self.killed else ("survived" if self.scored else "not scored")

    @property
    def message(self) -> str:
        return f"{self.id}: {self.status} ({self.reason})"

    @property
    def success(self) -> bool:
        return self.killed


@dataclass
class MutationReport(Result):
    """All outcomes; ``line`` is ``mutants: K/M killed (blind)``; ``boundary``: the boundary-only variants."""

    outcomes: list = field(default_factory=list)

    @property
    def killed(self) -> int:
        return sum(o.killed and o.scored for o in self.outcomes)

    @property
    def total(self) -> int:
        return sum(o.scored for o in self.outcomes)

    @property
    def survivors(self) -> list:
        return [o for o in self.outcomes if o.scored and not o.killed]

    @property
    def boundary(self) -> list:
        return [o for o in self.outcomes if o.kind == BOUNDARY_KIND]

    def by_kind(self) -> dict:
        """``kind -> (killed, scored)``."""
        out: dict = {}
        for o in self.outcomes:
            if o.scored:
                k, n = out.get(o.kind, (0, 0))
                out[o.kind] = (k + o.killed, n + 1)
        return out

    @property
    def line(self) -> str:
        return f"mutants: {self.killed}/{self.total} killed (blind)"

    @property
    def plausible_line(self) -> str:
        p = [o for o in self.outcomes if o.reason.startswith("plausible") or (o.killed and o.kind in
                                                                             ("K shifted", "stronger metric"))]
        return (f"plausible variants (wrong only where the original is tight; scored when killed): "
                f"{sum(o.killed for o in p)}/{len(p)} killed") if p else ""

    @property
    def boundary_line(self) -> str:
        b = self.boundary
        if not b:
            return ""
        inc = sum(o.verdict == "inconclusive" for o in b)
        hold = sum(o.verdict == "holds" for o in b)
        return (f"boundary inclusion (not scored): {len(b)} variants, {inc} inconclusive at the boundary, {hold} hold "
                f"(the bound is vacuous or the method undefined there), {len(b) - inc - hold} other")

    status = property(lambda self: "complete")
    message = property(lambda self: self.line)
    success = property(lambda self: self.total > 0 and self.killed == self.total)


def _n_checks(th: Theorem) -> int:
    cond = conjuncts(th.condition) if th.kind == "region" and th.condition is not None else []
    return 10 + 3 * len(conjuncts(th.hypotheses)) + 4 * len(cond)


def _base(th: Theorem, quick: bool, seed: int) -> Any:
    """The theorem's own check, with its PEP column (the reference ``W`` of the scaled variant)."""
    from .checking import check

    return check(th, quick=quick, seed=seed, pep=True)


def _unscored(m: Mutant) -> MutantOutcome:
    return MutantOutcome(m.id, m.kind, m.description, "-", False, False, m.why)


def judge_mutant(m: Mutant, quick: bool, seed: int) -> MutantOutcome:
    """Check one variant exactly as a new theorem (its own statement only)."""
    from .checking import check

    try:
        r = check(m.theorem, quick=quick, seed=seed)
    except ValueError as exc:
        if m.kind == BOUNDARY_KIND:
            return MutantOutcome(m.id, m.kind, m.description, "refused", False, False,
                                 f"refused at the boundary: {exc}")
        return MutantOutcome(m.id, m.kind, m.description, "refused", True, True,
                             f"method undefined in the widened region: {exc}")
    killed = r.verdict in ("violated", "finding")
    reason = f"{r.verdict}: worst ratio {r.worst_ratio:.4g} over {r.n_judged} judged cells"
    if m.kind == BOUNDARY_KIND:
        return MutantOutcome(m.id, m.kind, m.description, r.verdict, killed, False, f"{reason}; {r.message}")
    if m.plausible:
        return MutantOutcome(m.id, m.kind, m.description, r.verdict, killed, killed,
                             reason if killed else f"{m.why}; judged all the same: {reason}", float(r.worst_ratio))
    if m.unneeded:
        if killed:
            reason += f"; REFUTES the registry's reason for calling the conjunct unneeded ({m.unneeded})"
        else:
            reason = f"equivalent by the derivation ({m.unneeded}); judged all the same: {reason}"
        return MutantOutcome(m.id, m.kind, m.description, r.verdict, killed, killed, reason, float(r.worst_ratio))
    return MutantOutcome(m.id, m.kind, m.description, r.verdict, killed, True, reason, float(r.worst_ratio))


def score(theorems: Iterable[Theorem], *, quick: bool = True, seed: int = 0, bases: dict | None = None,
          progress: Callable[[str], None] | None = None, workers: int = 1,
          executor: Executor | None = None) -> MutationReport:
    """Derive every theorem's variants and judge each blind.

    ``bases``: theorem id -> that theorem's own check with ``pep=True`` (the reference ``W``), e.g. the
    results of ``verify``; a theorem without one is checked first. ``workers``/``executor`` as
    :func:`~monoverify.theory.judge.verify.verify`; outcomes come back in the order of a serial run.
    """
    from .pool import executor_scope

    ths = list(theorems)
    bases = dict(bases or {})
    with executor_scope(workers, executor, sum(map(_n_checks, ths))) as ex:
        futures: list = []
        try:
            pending = {th.id: (ex.submit(_base, th, quick, seed) if ex else None) for th in ths if not bases.get(th.id)}
            futures += [f for f in pending.values() if f is not None]
            plan = []
            for th in ths:
                base = bases.get(th.id) or (pending[th.id].result() if ex else _base(th, quick, seed))
                jobs = []
                for m in mutants(th, reference=base.reference, quick=quick):
                    job = None
                    if m.judged:
                        job = ex.submit(judge_mutant, m, quick, seed) if ex else (m, quick, seed)
                    jobs.append((m, job))
                futures += [f for _, f in jobs if f is not None and ex]
                plan.append((th, jobs))
            rep = MutationReport()
            for th, jobs in plan:
                if progress:
                    progress(th.id)
                for m, job in jobs:
                    if job is None:
                        rep.outcomes.append(_unscored(m))
                        continue
                    if progress:
                        progress(m.id)
                    rep.outcomes.append(job.result() if ex else judge_mutant(*job))
            return rep
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            raise
