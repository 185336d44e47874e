"""Mutation score: deliberately wrong variants of every theorem, judged with the normal check.

A battery that says ``holds`` is only as good as the wrong statements it would reject.
:func:`mutants` derives, per registered theorem,

* **scaled bound** (rate theorems with a certified worst case): the bound times
  ``0.97 W / bound`` at the reference cell and ``K`` where ``W / bound`` is largest, i.e. a bound
  just below the PEP worst case ``W(K)`` (the factor comes from ``W``, never from a value the
  battery found). Without a ``W`` the mutant is listed as *no reference*, outside the score, and
  so it is when ``W`` is not the theorem's worst case: a theorem about normal maps only
  (``Theorem.normal_only``), or ``W`` above the bound (a wider class: bound x factor >= bound would
  be implied by the original);
* **relaxed hypothesis**, one per inequality conjunct: solved for one normalised variable
  (``v > g`` or ``v < g``) and widened by ``25 % |g| + 5 %`` of the variable's scale. A
  relaxation that adds no point of the parameter domain (the conjunct is implied by the others,
  or only non-physical values such as negative steps are added) is *equivalent*, outside the
  score. So is the relaxation of a conjunct the registry marks as not used by the derivation
  (``Theorem.unneeded``, with the reason): it is judged all the same, and a kill refutes the
  reason and is scored;
* **shifted condition** (region theorems), two per inequality conjunct: the threshold moved by
  +5 % and by -5 %. A shift that agrees with the original on every sampled cell of the
  hypothesis region (another conjunct decides there) is *equivalent*, outside the score.

Each mutant carries ``focus_cells`` that its battery runs besides its own samples: the cells where
its statement differs from the original's (the added sliver of a widened hypothesis and its corners,
the band between a shifted threshold and the original). Equivalence is decided on the statements
alone, never on measurements.

:func:`score` checks each mutant (:func:`~monoverify.theory.judge.check`, sampling and adversary
included); a mutant is *killed* when the verdict is ``violated`` or ``finding``, or when its widened
region contains cells where the method is undefined (the variant is refused there).

>>> from monoverify.theory import THEOREMS
>>> ms = mutants(THEOREMS["pp.last_iterate"], reference=None)
>>> [m.kind for m in ms]
['scaled bound', 'relaxed hypothesis']
>>> ms[1].theorem.admits(rho=-0.6, L=1, gamma=1.0)      # outside rho > -gamma/2, inside the widened conjunct
True
"""

from __future__ import annotations

import dataclasses
import math
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import sympy as sp

from monoverify.result import Result

from ..theorems import SYMBOLS, Theorem
from .sampling import (DOMAIN, _c, _fn, _key, _relations, _repair, _searchable, _t, boundary_points, conjuncts,
                       normalised, sample)

__all__ = ["Mutant", "MutantOutcome", "MutationReport", "mutants", "score", "SCALE", "WIDEN", "SHIFT"]

#: scaled-bound mutants: the bound times SCALE * W / bound
SCALE = 0.97
#: relaxed hypotheses: widen by WIDEN[0] |g| + WIDEN[1] * scale of the variable
WIDEN = (0.25, 0.05)
#: shifted conditions: threshold times (1 +- SHIFT)
SHIFT = 0.05
_VARS = ("c", "t", "lam", "alpha")
_SCALE = {"c": 1.0, "t": 4.0, "lam": 1.0, "alpha": 1.0}


@dataclass
class Mutant:
    """One wrong variant: ``theorem`` (a :class:`Theorem`), its ``kind`` and what was changed.

    ``scored`` is ``False`` for mutants outside the score (``why`` says: no reference, equivalent).
    """

    id: str
    kind: str
    description: str
    theorem: Theorem | None
    scored: bool = True
    why: str = ""
    #: equivalent by the theorem's derivation (``Theorem.unneeded``): judged all the same, scored only if killed
    unneeded: str = ""

    @property
    def judged(self) -> bool:
        """Is the mutant checked (scored ones, and those equivalent by the derivation)?"""
        return self.scored or bool(self.unneeded)


@dataclass
class MutantOutcome(Result):
    """The verdict on one mutant (``killed``: ``violated`` or ``finding``)."""

    id: str
    kind: str
    description: str
    verdict: str
    killed: bool
    scored: bool
    reason: str = ""
    worst_ratio: float = math.nan
    #: a surviving relaxation of a region theorem whose widened statement the exact spectral radius
    #: confirms on every focus cell (the iff claim extends past that hypothesis): likely equivalent
    exact_survivor: bool = False

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
    """All outcomes; ``line`` is ``mutants: K/M killed``."""

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
    def line(self) -> str:
        return f"mutants: {self.killed}/{self.total} killed"

    @property
    def exact_survivors(self) -> list:
        """Survivors whose widened statement is confirmed exactly on every focus cell (region theorems)."""
        return [o for o in self.survivors if o.exact_survivor]

    @property
    def line_without_exact(self) -> str:
        """The score with the exactly confirmed survivors set aside (they are listed, not hidden)."""
        n = len(self.exact_survivors)
        return (f"without the {n} exactly confirmed relaxation(s): {self.killed}/{self.total - n} killed"
                if n else "")

    status = property(lambda self: "complete")
    message = property(lambda self: self.line)
    success = property(lambda self: self.total > 0 and self.killed == self.total)


# ------------------------------------------------------------------------------------------
# deriving mutants
# ------------------------------------------------------------------------------------------
def _back(expr: sp.Expr) -> sp.Expr:
    """Normalised symbols back to the theorem's: ``c = -rho L``, ``t = gamma L``."""
    return expr.subs({_c: -SYMBOLS["rho"] * SYMBOLS["L"], _t: SYMBOLS["gamma"] * SYMBOLS["L"]})


def _solve_for(part: Any, th: Theorem) -> tuple[str, sp.Expr, bool] | None:
    """``(v, g, upper)`` with the conjunct equivalent to ``v < g`` (``upper``) or ``v > g`` near the grid."""
    pn = normalised(part, th)
    if not isinstance(pn, sp.core.relational.Relational) or isinstance(pn, sp.Eq):
        return None
    names = {s.name: s for s in pn.free_symbols}
    for v in _VARS:
        if v not in names:
            continue
        # only conjuncts linear in v (after clearing denominators): the root of a v + b is -b/a,
        # with no call to SymPy's solve/simplify (their radicals and trigsimp can take minutes)
        try:
            P = sp.Poly(sp.numer(sp.together(pn.lhs - pn.rhs)), names[v])
        except sp.PolynomialError:
            continue
        if P.degree() != 1:
            continue
        a, b = P.all_coeffs()
        g = sp.cancel(-b / a)
        if g.free_symbols == set() and not g.is_real:
            continue
        # side: the relation holds just below g (upper) or just above
        probe = {s: sp.Rational(1, 2) for s in pn.free_symbols if s.name != v}
        g0 = g.subs(probe)
        if not g0.is_number or not g0.is_real:
            continue
        eps = sp.Rational(1, 1000) * (abs(g0) + 1)
        below = pn.subs(probe).subs(names[v], g0 - eps)
        above = pn.subs(probe).subs(names[v], g0 + eps)
        if below in (sp.true, True) and above in (sp.false, False):
            return v, g, True
        if above in (sp.true, True) and below in (sp.false, False):
            return v, g, False
    return None


def _relaxed(part: Any, th: Theorem) -> tuple[Any, str] | None:
    s = _solve_for(part, th)
    if s is None:
        return None
    v, g, upper = s
    sym = _c if v == "c" else (_t if v == "t" else SYMBOLS[v])
    margin = WIDEN[0] * sp.Abs(g) + WIDEN[1] * _SCALE[v] if g.free_symbols else \
        sp.Float(WIDEN[0] * abs(float(g)) + WIDEN[1] * _SCALE[v], 3)
    new = sym < g + margin if upper else sym > g - margin
    new = sp.simplify(_back(new))
    return new, f"{part}  ->  {new}"


def _shifted(part: Any, th: Theorem, sign: int) -> tuple[Any, str] | None:
    s = _solve_for(part, th)
    if s is None:  # not solvable for one variable: move the right-hand side by 5 %
        if not isinstance(part, sp.core.relational.Relational) or part.rhs == 0:
            return None
        new = part.func(part.lhs, sp.Float(1 + sign * SHIFT, 3) * part.rhs)
        return new, f"{part}  ->  {new}"
    v, g, upper = s
    sym = _c if v == "c" else (_t if v == "t" else SYMBOLS[v])
    f = sp.Float(1 + sign * SHIFT, 3)
    new = sym < f * g if upper else sym > f * g
    if g == 0:
        d = sp.Float(SHIFT * _SCALE[v], 3)
        new = sym < sign * d if upper else sym > -sign * d
    new = _back(new)
    return new, f"{part}  ->  {new}"


def _replace(expr: Any, old: Any, new: Any) -> Any:
    parts = conjuncts(expr)
    return sp.And(*[new if p == old else p for p in parts]) if len(parts) > 1 else new


def _adds_points(mut: Theorem, th: Theorem, quick: bool) -> bool:
    """Does the mutant's region contain sampled cells (inside :data:`DOMAIN`) outside ``th``'s?"""
    orig, widened = _fn(normalised(th.hypotheses, th)), _fn(normalised(mut.hypotheses, mut))
    return any(_in_domain(cell) and widened(cell) and not orig(cell) for cell in sample(mut, quick=quick))


def mutants(th: Theorem, *, reference: dict | None, quick: bool = True) -> list[Mutant]:
    """The wrong variants of ``th``; ``reference`` is a check's ``reference`` dict (rows with ``W``)."""
    out: list[Mutant] = []
    if th.kind in ("rate", "property"):
        out.append(_scaled(th, reference))
    for i, part in enumerate(conjuncts(th.hypotheses)):
        r = _relaxed(part, th)
        if r is None:
            continue
        new, desc = r
        mut = dataclasses.replace(th, id=f"{th.id}~hyp{i}", hypotheses=_replace(th.hypotheses, part, new),
                                  unneeded={})
        mut = dataclasses.replace(mut, focus_cells=_focus_relaxed(th, mut, part, new, quick))
        m = Mutant(mut.id, "relaxed hypothesis", desc, mut)
        if not _adds_points(mut, th, quick):
            m.scored, m.why = False, "equivalent: the relaxed region adds no cell of the parameter domain where the method is defined"
        elif str(part) in th.unneeded:
            m.scored, m.unneeded = False, th.unneeded[str(part)]
            m.why = f"equivalent by the derivation: {m.unneeded}"
        out.append(m)
    if th.kind == "region" and th.condition is not None:
        for i, part in enumerate(conjuncts(th.condition)):
            for sign in (1, -1):
                r = _shifted(part, th, sign)
                if r is None:
                    continue
                new, desc = r
                mut = dataclasses.replace(th, id=f"{th.id}~cond{i}{'+' if sign > 0 else '-'}",
                                          condition=_replace(th.condition, part, new))
                focus = _focus_shifted(th, mut, part, quick)
                m = Mutant(mut.id, "shifted condition", desc, dataclasses.replace(mut, focus_cells=focus))
                if not focus:
                    m.scored, m.why = False, ("equivalent: the shifted condition agrees with the original on every "
                                              "sampled cell of the hypothesis region (its boundary neighbourhoods "
                                              "included): another conjunct decides there")
                out.append(m)
    return out


# ------------------------------------------------------------------------------------------
# focus cells: where a mutant's statement differs from the original's
# ------------------------------------------------------------------------------------------
#: relative distances from the original boundary at which focus cells are placed
FOCUS_DELTAS = (1e-3, 1e-2, 3e-2, 0.1)
#: at most this many focus cells per mutant (quick, full)
FOCUS_MAX = (32, 96)
#: grid combinations searched from, per mutant (quick, full): a seeded subset of the admitted ones
FOCUS_SEEDS = (12, 40)


def _seeds(th: Theorem, quick: bool) -> list[dict]:
    """Up to ``FOCUS_SEEDS`` of ``th``'s admitted grid combinations, in a seeded random order."""
    import itertools

    keys = list(th.grid)
    hyp = _fn(normalised(th.hypotheses, th))
    grid = [g for g in (dict(zip(keys, combo)) for combo in itertools.product(*(th.grid[k] for k in keys)))
            if hyp(g)]
    order = np.random.default_rng(0).permutation(len(grid))[:FOCUS_SEEDS[0 if quick else 1]]
    return [grid[int(i)] for i in order]


def _in_domain(cell: dict) -> bool:
    return all(DOMAIN[v][0] <= float(cell[v]) <= DOMAIN[v][1] for v in DOMAIN if v in cell)


def _pick(cells: list, quick: bool, n: int | None = None) -> tuple:
    """Deduplicated cells, at most ``n`` (default ``FOCUS_MAX``), chosen by a seeded permutation."""
    uniq = list({_key(c): c for c in cells}.values())
    n = FOCUS_MAX[0 if quick else 1] if n is None else n
    if len(uniq) > n:
        order = np.random.default_rng(0).permutation(len(uniq))[:n]
        uniq = [uniq[int(i)] for i in sorted(order)]
    return tuple(uniq)


def _focus_relaxed(th: Theorem, mut: Theorem, part: Any, new: Any, quick: bool) -> tuple:
    """Cells of the added region: admitted by ``mut``, refused by ``th``, next to either boundary.

    From a seeded subset of the grid combinations (:func:`_seeds`), along every variable of the
    relaxed conjunct: points just outside the original boundary and just inside the widened one
    (other conjuncts repaired along another variable when a point breaks them); then those points
    moved next to one, and next to two, other conjuncts' boundaries (:func:`_corners`). Up to
    ``FOCUS_MAX`` plain cells are kept, and half as many of each kind of corner.
    """
    orig, widened = _fn(normalised(th.hypotheses, th)), _fn(normalised(mut.hypotheses, mut))

    def added(q: dict) -> bool:
        return widened(q) and not orig(q) and _in_domain(q)

    plain, edge = [], []
    for seed in _seeds(th, quick):
        for var in _searchable(part, th):
            pts = boundary_points(part, th, seed, var, FOCUS_DELTAS, inside=False)
            pts += boundary_points(new, mut, seed, var, FOCUS_DELTAS[:2], inside=True)
            for p in pts:
                for q in ([p] if widened(p) else _repair(mut, p, var, FOCUS_DELTAS[:1])):
                    if added(q):
                        plain.append(q)
                        edge.extend((e, var) for e in _corners(mut, (part, new), q, var, added))
    # corners of corners (two other conjuncts near their boundaries), from a seeded subset
    rng = np.random.default_rng(1)
    sub = [edge[int(i)] for i in rng.permutation(len(edge))[:FOCUS_SEEDS[0 if quick else 1] * 3]]
    corner = [c for e, var in sub for c in _corners(mut, (part, new), e, var, added)]
    n = FOCUS_MAX[0 if quick else 1]
    return _pick(plain, quick, n) + _pick([e for e, _ in edge], quick, n // 2) + _pick(corner, quick, n // 2)


def _corners(mut: Theorem, skip: tuple, q: dict, var: str, keep: Callable[[dict], bool]) -> list[dict]:
    """``q`` moved next to the boundary of every other conjunct (along its other variables): worst
    cases sit in corners of the region (e.g. ``lam -> 1`` where a widened base starts to expand)."""
    out = []
    for other in _relations(mut.hypotheses):
        if other in skip:
            continue
        for v2 in _searchable(other, mut):
            if v2 != var:
                out.extend(p for p in boundary_points(other, mut, q, v2, (1e-3,), inside=True) if keep(p))
    return out


def _focus_shifted(th: Theorem, mut: Theorem, part: Any, quick: bool) -> tuple:
    """Cells inside the hypotheses where the shifted condition and the original disagree."""
    hyp = _fn(normalised(th.hypotheses, th))
    c_orig, c_mut = _fn(normalised(th.condition, th)), _fn(normalised(mut.condition, mut))
    out = []
    for seed in _seeds(th, quick):
        for var in _searchable(part, th):
            for side in (True, False):
                for p in boundary_points(part, th, seed, var, (1e-3, 1e-2, 2.5e-2, 4e-2), inside=side):
                    if hyp(p) and _in_domain(p) and c_orig(p) != c_mut(p):
                        out.append(p)
    return _pick(out, quick)


def _scaled(th: Theorem, reference: dict | None) -> Mutant:
    mid = f"{th.id}~scaled"
    rows = [r for r in (reference or {}).get("rows", []) if r.get("W") is not None and r["W"] > 0 and r["bound"] > 0]
    if not rows:
        why = (reference or {}).get("why_none") or "no certified worst case W"
        return Mutant(mid, "scaled bound", "bound x 0.97 W/bound", None, False, f"no reference ({why})")
    top = max(rows, key=lambda r: r["W"] / r["bound"])
    if th.normal_only:
        return Mutant(mid, "scaled bound", "bound x 0.97 W/bound", None, False,
                      "no reference (the PEP's class holds every operator of the Lipschitz class, the theorem's only "
                      "normal maps: W is not its worst case)")
    f = SCALE * top["W"] / top["bound"]
    if f >= 1:   # the bound below W: W is over a wider class than the theorem's, and bound x f is weaker than it
        return Mutant(mid, "scaled bound", f"bound x {f:.4g}", None, False,
                      f"no reference (W/bound = {top['W'] / top['bound']:.4g} > 1 at {top['cell']}, K={top['K']}: "
                      "W is over a wider class than the theorem's, and a bound scaled up is implied by the original)")
    fr = sp.Float(f, 6)
    mut = dataclasses.replace(th, id=mid, bound=th.bound * fr,
                              attack_cells=(*th.attack_cells, {**top["cell"], "K": top["K"]}))
    return Mutant(mid, "scaled bound", f"bound x {f:.4g} (= {SCALE} W/bound at {top['cell']}, K={top['K']})", mut)


# ------------------------------------------------------------------------------------------
# judging mutants
# ------------------------------------------------------------------------------------------
def score(theorems: Iterable[Theorem], *, quick: bool = True, seed: int = 0, bases: dict | None = None,
          progress: Callable[[str], None] | None = None, workers: int = 1,
          executor: Executor | None = None) -> MutationReport:
    """Derive every theorem's mutants and judge each.

    Parameters
    ----------
    theorems : iterable of Theorem
        Whose mutants to judge.
    quick, seed
        As :func:`~monoverify.theory.judge.check` (the same battery for every mutant).
    bases : dict, optional
        Theorem id -> that theorem's own check (with ``pep=True``, for the reference ``W``), e.g.
        the results of ``verify``; a theorem without one is checked first.
    progress : callable, optional
        ``progress(name)`` with each theorem id, then each of its scored mutants' ids.
    workers : int
        Processes for the checks (bases still missing and mutants): ``1`` serial, in this
        process; ``0`` one per CPU core (as :func:`~monoverify.theory.judge.verify.verify`).
    executor : concurrent.futures.Executor, optional
        Run the checks on this executor instead (e.g. Dask's ``client.get_executor()``);
        ``workers`` is ignored.

    Returns
    -------
    MutationReport
        The outcomes in the order of a serial run (theorems as given, each one's mutants in
        :func:`mutants` order), identical to it whatever runs them.
    """
    from .pool import executor_scope

    ths = list(theorems)
    bases = dict(bases or {})
    with executor_scope(workers, executor, sum(map(_n_checks, ths))) as ex:
        if ex is None:
            return _score_serial(ths, quick, seed, bases, progress)
        return _score_parallel(ths, quick, seed, bases, progress, ex)


def _n_checks(th: Theorem) -> int:
    """At most how many checks ``th`` costs: its base, the scaled bound and one per relaxed/shifted conjunct."""
    cond = conjuncts(th.condition) if th.kind == "region" and th.condition is not None else []
    return 2 + len(conjuncts(th.hypotheses)) + 2 * len(cond)


def _base(th: Theorem, quick: bool, seed: int) -> Any:
    """The theorem's own check, with its PEP column (the reference ``W`` of the scaled mutant)."""
    from .checking import check

    return check(th, quick=quick, seed=seed, pep=True)


def _unscored(m: Mutant) -> MutantOutcome:
    return MutantOutcome(m.id, m.kind, m.description, "-", False, False, m.why)


def _judge(m: Mutant, quick: bool, seed: int, reference: dict | None) -> MutantOutcome:
    """Check one scored mutant; killed when ``violated``/``finding`` or refused in the widened region."""
    from .checking import check

    try:
        r = check(m.theorem, quick=quick, seed=seed)
    except ValueError as exc:
        # the widened region holds cells where the method itself is undefined (e.g. a negative
        # relaxation): the variant's statement is refused there, which rejects it
        return MutantOutcome(m.id, m.kind, m.description, "refused", True, True,
                             f"method undefined in the widened region: {exc}")
    killed = r.verdict in ("violated", "finding")
    reason = f"{r.verdict}: worst ratio {r.worst_ratio:.4g}" if killed else _survival(m, r, reference)
    if m.unneeded:   # equivalent by the derivation: a kill refutes that (and is scored), a survivor is not scored
        if killed:
            reason += f"; REFUTES the registry's reason for calling the conjunct unneeded ({m.unneeded})"
        else:
            reason = f"equivalent by the derivation ({m.unneeded}); judged all the same: {reason}"
        return MutantOutcome(m.id, m.kind, m.description, r.verdict, killed, killed, reason, float(r.worst_ratio))
    exact = (not killed and r.verdict == "holds" and m.kind == "relaxed hypothesis"
             and m.theorem.kind == "region" and bool(m.theorem.focus_cells))
    if exact:
        reason += (f"; the exact spectral radius agrees with the condition on all "
                   f"{len(m.theorem.focus_cells)} focus cells of the added region: the iff claim "
                   "extends past this hypothesis (likely a true statement)")
    return MutantOutcome(m.id, m.kind, m.description, r.verdict, killed, True, reason, float(r.worst_ratio),
                         exact)


def _score_serial(ths: list, quick: bool, seed: int, bases: dict, progress: Any) -> MutationReport:
    rep = MutationReport()
    for th in ths:
        if progress:
            progress(th.id)
        base = bases.get(th.id) or _base(th, quick, seed)
        for m in mutants(th, reference=base.reference, quick=quick):
            if not m.judged:
                rep.outcomes.append(_unscored(m))
                continue
            if progress:
                progress(m.id)
            rep.outcomes.append(_judge(m, quick, seed, base.reference))
    return rep


def _score_parallel(ths: list, quick: bool, seed: int, bases: dict, progress: Any, ex: Executor) -> MutationReport:
    """Missing bases first, then each theorem's mutants as soon as its base is in (derived here)."""
    futures: list = []
    try:
        pending = {th.id: ex.submit(_base, th, quick, seed) for th in ths if not bases.get(th.id)}
        futures += pending.values()
        plan = []
        for th in ths:   # in order: later bases and earlier mutants run while this one is derived
            base = bases.get(th.id) or pending[th.id].result()
            jobs = [(m, ex.submit(_judge, m, quick, seed, base.reference) if m.judged else None)
                    for m in mutants(th, reference=base.reference, quick=quick)]
            futures += [f for _, f in jobs if f is not None]
            plan.append((th, jobs))
        rep = MutationReport()
        for th, jobs in plan:
            if progress:
                progress(th.id)
            for m, fut in jobs:
                if fut is None:
                    rep.outcomes.append(_unscored(m))
                    continue
                if progress:
                    progress(m.id)
                rep.outcomes.append(fut.result())
        return rep
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        raise


def _survival(m: Mutant, r: Any, reference: dict | None) -> str:
    if m.kind == "scaled bound":
        emp = (reference or {}).get("empirical_over_W")
        rel = any(row.get("relaxation") for row in (reference or {}).get("rows", []))
        return (f"{r.verdict}: worst ratio {r.worst_ratio:.4g} <= 1; the battery reaches {emp if emp is None else round(emp, 3)} "
                f"of W" + (" (W from a Lipschitz relaxation: possibly not attained)" if rel else ""))
    return f"{r.verdict}: worst ratio {r.worst_ratio:.4g} over {r.n_judged} judged cells"
