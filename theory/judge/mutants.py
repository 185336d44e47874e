"""Mutation operators: deliberately wrong variants of a theorem, each judged **blind**.

A battery that says ``holds`` is only as good as the wrong statements it would reject. Every variant
here is a plain :class:`~monoverify.theory.theorems.Theorem` built with ``dataclasses.replace`` and
judged exactly as a newly registered theorem is (:func:`~monoverify.theory.judge.check`): nothing of
the original — no focus cell, no attack cell, no diff — reaches its battery. Per theorem:

* **scaled bound**: the bound times ``0.97 W / bound`` at the reference cell where ``W / bound`` is
  largest, ``W`` the certified *lower* end of the worst case (the PEP value in the exact class; in the
  Lipschitz relaxation the best explicit member of the class found): just below a value an operator of
  the class attains, so the variant is false (not scored without it, over a wider class, or for a
  class of normal maps only);
* **relaxed hypothesis**: each inequality conjunct solved for one normalised coordinate and widened
  by 25 % + 5 % of its scale, and by small amounts (5 %, 2 %) that differ only near the boundary and
  in its corners with the other conjuncts;
* **shifted condition** (region theorems): each threshold moved by +-5 % and +-2 %;
* **faster rate**: ``K -> K^1.25`` (a slightly faster exponent); **K-dependent factor**: the bound
  over ``1 + log K`` — wrong at large horizons where the rate is tight; **K shifted**: ``K -> K + 2``
  (wrong only where the original is tight at small K: *plausible*, scored only when killed);
* **scaling**: a dropped or changed power of ``L`` (``L -> 1``, ``L -> sqrt(L)``), of ``D0``
  (``sqrt(D0)``) or of ``sigma`` (``sigma -> sqrt(sigma)``): scale-dependent, wrong at some scale;
* **stronger metric**: a best-iterate bound claimed for the last iterate (*plausible*: true where the
  last iterate is as good as the best; scored only when killed);
* **boundary inclusion**: a strict inequality (hypothesis or condition) made non-strict. Numerically
  undecidable where it matters (a radius exactly 1); the judge must say ``inconclusive`` at the boundary
  and these variants are reported apart, never scored.

A relaxation that adds no point of the parameter domain, or a shift that agrees with the original on
every sampled cell, is *equivalent* (outside the score); so is the relaxation of a conjunct the
registry declares unneeded by the derivation (``Theorem.unneeded``): it is judged all the same and a
kill, which refutes the declaration, is scored. Equivalence is decided from the statements alone.

>>> from monoverify.theory import THEOREMS
>>> ms = mutants(THEOREMS["pp.last_iterate"], reference=None)
>>> sorted({m.kind for m in ms})[:4]
['K shifted', 'K-dependent factor', 'boundary inclusion', 'faster rate']
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..theorems import SYMBOLS, Theorem
from ..theorems.core import conjuncts
from .statement import _c, _t, normalised, region

__all__ = ["Mutant", "mutants", "SCALE", "WIDEN", "SHIFT", "KINDS", "BOUNDARY_KIND"]

#: scaled-bound mutants: the bound times SCALE * W / bound
SCALE = 0.97
#: relaxed hypotheses: (relative, absolute in units of the coordinate's scale) widenings
WIDEN = ((0.25, 0.05), (0.05, 0.0), (0.02, 0.0))
#: shifted conditions: relative shifts of a threshold
SHIFT = (0.05, 0.02)
_VARS = ("c", "t", "lam", "alpha", "mu", "beta")
_SCALE = {"c": 1.0, "t": 4.0, "lam": 1.0, "alpha": 1.0, "mu": 1.0, "beta": 1.0}
BOUNDARY_KIND = "boundary inclusion"
KINDS = ("scaled bound", "relaxed hypothesis", "shifted condition", "faster rate", "K-dependent factor",
         "K shifted", "scaling", "stronger metric", BOUNDARY_KIND)


@dataclass
class Mutant:
    """One wrong variant: ``theorem`` (a :class:`Theorem`), its ``kind`` and what was changed.

    ``scored`` is ``False`` for variants outside the score (``why`` says: no reference, equivalent,
    boundary-only); ``unneeded`` holds the registry's reason when the relaxed conjunct is declared unneeded.
    """

    id: str
    kind: str
    description: str
    theorem: Theorem | None
    scored: bool = True
    why: str = ""
    unneeded: str = ""
    #: wrong only if the original is tight somewhere the change bites (a last iterate as good as the best, a
    #: bound loose at small K): judged, and scored only when killed (a survivor may be a true statement)
    plausible: bool = False

    @property
    def judged(self) -> bool:
        """Is the variant checked (scored ones, those equivalent by the derivation, plausible and boundary-only ones)?"""
        return self.theorem is not None and (self.scored or bool(self.unneeded) or self.plausible
                                             or self.kind == BOUNDARY_KIND)


def _back(expr: sp.Expr) -> sp.Expr:
    return expr.subs({_c: -SYMBOLS["rho"] * SYMBOLS["L"], _t: SYMBOLS["gamma"] * SYMBOLS["L"]})


def _sym(v: str) -> sp.Symbol:
    return _c if v == "c" else (_t if v == "t" else SYMBOLS[v])


def _solve_for(part: Any, th: Theorem) -> tuple[str, sp.Expr, bool] | None:
    """``(v, g, upper)`` with the conjunct equivalent to ``v < g`` (``upper``) or ``v > g`` near ``1/2``."""
    pn = normalised(part, th)
    if not isinstance(pn, sp.core.relational.Relational) or isinstance(pn, (sp.Eq, sp.Ne)):
        return None
    names = {s.name: s for s in pn.free_symbols}
    for v in _VARS:
        if v not in names:
            continue
        try:
            P = sp.Poly(sp.numer(sp.together(pn.lhs - pn.rhs)), names[v])
        except sp.PolynomialError:
            continue
        if P.degree() != 1:
            continue
        a, b = P.all_coeffs()
        g = sp.cancel(-b / a)
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


def _replace(expr: Any, old: Any, new: Any) -> Any:
    parts = conjuncts(expr)
    return sp.And(*[new if p == old else p for p in parts]) if len(parts) > 1 else new


def _adds_points(mut: Theorem, th: Theorem, n: int = 20000) -> bool:
    """Does the variant's region hold random points of the domain that the original's does not?"""
    return bool(_sliver(mut, th, n))


def _certainly_wrong(mut: Theorem, th: Theorem) -> bool:
    """Is the widened statement false by its own data in the added sliver: a bound that is not a positive
    number there (any nonzero measurement exceeds it) or a method that is undefined there?"""
    from .cells import absolute, evaluate, method_at

    for row in _sliver(mut, th, 20000)[:200]:
        norm = {k: (int(round(v)) if k in ("tau", "K") else v) for k, v in row.items() if k != "L"}
        norm.setdefault("K", 10)
        try:
            vals = absolute(mut, norm, rho=-float(norm.get("c", 0.0)), L=1.0, D0=1.0)
            if mut.method is not None:
                method_at(mut, vals)
        except (ValueError, TypeError):
            return True
        if mut.bound is not None and mut.kind == "rate":
            b = float(evaluate(mut.bound, vals, 1)[0])
            if not b > 0:
                return True
    return False


def _sliver(mut: Theorem, th: Theorem, n: int) -> list:
    """Random points of the domain inside the variant's region and outside the original's (normalised rows)."""
    from .statement import DOMAIN

    a, b = region(th), region(mut)
    coords = sorted(set(a.coords) | set(b.coords))
    rng = np.random.default_rng(0)
    P = {}
    for k in coords:
        if k in DOMAIN:
            lo, hi = DOMAIN[k]
            P[k] = rng.uniform(lo, hi, n) if k != "L" else np.exp(rng.uniform(np.log(lo), np.log(hi), n))
        else:
            P[k] = rng.integers(1, 12, n).astype(float)
    Pa, Pb = a.pin(dict(P)), b.pin(dict(P))
    sel = np.nonzero(b.holds(Pb) & ~a.holds(Pa))[0]
    return [{k: float(v[i]) for k, v in Pb.items()} for i in sel]


def _relaxed(th: Theorem) -> list[Mutant]:
    out = []
    for i, part in enumerate(conjuncts(th.hypotheses)):
        s = _solve_for(part, th)
        if s is None:
            continue
        v, g, upper = s
        for w, (rel, ab) in enumerate(WIDEN):
            margin = rel * sp.Abs(g) + ab * _SCALE[v] if g.free_symbols else sp.Float(rel * abs(float(g)) + ab *
                                                                                       _SCALE[v], 4)
            if not margin.free_symbols and float(margin) == 0:   # a threshold at 0: widen by the coordinate's scale
                margin = sp.Float(rel * _SCALE[v], 4)
            new = _back(_sym(v) < g + margin if upper else _sym(v) > g - margin)
            mut = dataclasses.replace(th, id=f"{th.id}~hyp{i}{'abc'[w]}", hypotheses=_replace(th.hypotheses, part, new),
                                      unneeded={})
            m = Mutant(mut.id, "relaxed hypothesis", f"{part}  ->  {new}  (widened {rel:g})", mut)
            if not _adds_points(mut, th):
                m.scored, m.why = False, "equivalent: the relaxed region adds no cell of the parameter domain"
            elif str(part) in th.unneeded:
                m.scored, m.unneeded = False, th.unneeded[str(part)]
                m.why = f"equivalent by the derivation: {m.unneeded}"
            elif not _certainly_wrong(mut, th):
                m.scored, m.plausible = False, True
                m.why = ("plausible: in the added region the bound stays positive and the method defined; wrong "
                         "only if the original's hypothesis is needed there")
            out.append(m)
    return out


def _shifted(th: Theorem) -> list[Mutant]:
    out = []
    if th.kind != "region" or th.condition is None:
        return out
    for i, part in enumerate(conjuncts(th.condition)):
        s = _solve_for(part, th)
        for f in SHIFT:
            for sign in (1, -1):
                if s is None:
                    if not isinstance(part, sp.core.relational.Relational) or part.rhs == 0:
                        break
                    new = part.func(part.lhs, sp.Float(1 + sign * f, 4) * part.rhs)
                else:
                    v, g, upper = s
                    fac = sp.Float(1 + sign * f, 4)
                    thr = fac * g if g != 0 else sign * sp.Float(f * _SCALE[v], 4)
                    new = _back(_sym(v) < thr if upper else _sym(v) > thr)
                mut = dataclasses.replace(th, id=f"{th.id}~cond{i}{'+' if sign > 0 else '-'}{f:g}",
                                          condition=_replace(th.condition, part, new))
                m = Mutant(mut.id, "shifted condition", f"{part}  ->  {new}", mut)
                if not _disagrees(th, mut):
                    m.scored, m.why = False, ("equivalent: the shifted condition agrees with the original on every "
                                              "sampled cell of the hypothesis region (another conjunct decides there)")
                out.append(m)
    return out


def _disagrees(th: Theorem, mut: Theorem) -> bool:
    """Do the two conditions differ on some cell of the hypothesis region (the statements' own samples)?"""
    from .sampling import sample

    a, b = region(th, "condition"), region(mut, "condition")
    cells = sample(mut, quick=True) + sample(th, quick=True)
    rows = [{**c.norm, "L": c.L} for c in cells]
    keys = set().union(*rows) if rows else set()
    P = {k: np.array([float(r.get(k, np.nan)) for r in rows]) for k in keys}
    h = region(th).holds(region(th).pin(dict(P)))
    return bool(np.any(h & (a.holds(dict(P)) != b.holds(dict(P)))))


def _bound_variant(th: Theorem, kind: str, tag: str, new: Any, desc: str) -> Mutant:
    return Mutant(f"{th.id}~{tag}", kind, desc, dataclasses.replace(th, id=f"{th.id}~{tag}", bound=new))


def _rate(th: Theorem) -> list[Mutant]:
    """Faster rate, K-dependent factor, K shifted (bounds that depend on K)."""
    K = SYMBOLS["K"]
    b = sp.sympify(th.bound)
    if th.bound is None or K not in b.free_symbols or th.kind not in ("rate", "property"):
        return []
    shifted = _bound_variant(th, "K shifted", "K+2", b.subs(K, K + 2), "K -> K + 2 in the bound")
    shifted.scored, shifted.plausible = False, True
    shifted.why = "plausible: wrong only where the original is tight at small K"
    return [_bound_variant(th, "faster rate", "K^1.25", b.subs(K, K ** sp.Rational(5, 4)), "K -> K^(5/4) in the bound"),
            _bound_variant(th, "K-dependent factor", "Klog", b / (1 + sp.log(K)), "bound / (1 + log K)"), shifted]


def _scaling(th: Theorem) -> list[Mutant]:
    """Dropped or changed powers of the scale-carrying symbols in the bound."""
    if th.bound is None:
        return []
    b = sp.sympify(th.bound)
    out = []
    for name, new, tag in (("L", sp.Integer(1), "L=1"), ("L", sp.sqrt(SYMBOLS["L"]), "sqrtL"),
                           ("D0", sp.sqrt(SYMBOLS["D0"]), "sqrtD0"), ("sigma", sp.sqrt(SYMBOLS["sigma"]), "sqrtsigma")):
        s = SYMBOLS[name]
        if s not in b.free_symbols:
            continue
        nb = b.subs(s, new)
        if name in th.derived or _same(nb, b):
            continue
        out.append(_bound_variant(th, "scaling", tag, nb, f"{name} -> {new} in the bound"))
    return out


def _same(a: Any, b: Any) -> bool:
    """Are two bounds the same function (equal at seeded random points; SymPy's simplify can take minutes)?"""
    syms = sorted((sp.sympify(a).free_symbols | sp.sympify(b).free_symbols), key=str)
    fa, fb = (sp.lambdify(syms, e, modules=["numpy"]) for e in (a, b))
    rng = np.random.default_rng(0)
    for _ in range(6):
        x = [float(rng.uniform(0.1, 0.9)) for _ in syms]
        with np.errstate(all="ignore"):
            try:
                va, vb = complex(fa(*x)), complex(fb(*x))
            except (ZeroDivisionError, TypeError, ValueError, OverflowError):
                return False
        if not np.isclose(va, vb, rtol=1e-12, atol=0) and not (np.isnan(va) and np.isnan(vb)):
            return False
    return True


def _metric(th: Theorem) -> list[Mutant]:
    if th.kind != "rate" or th.iterate != "best":
        return []
    mut = dataclasses.replace(th, id=f"{th.id}~last", iterate="last")
    return [Mutant(mut.id, "stronger metric", "the best-iterate bound claimed for the last iterate", mut, scored=False,
                   why="plausible: wrong only if the last iterate is worse than the best where the bound is tight",
                   plausible=True)]


def _boundary(th: Theorem) -> list[Mutant]:
    out = []
    strict = {sp.StrictLessThan: sp.LessThan, sp.StrictGreaterThan: sp.GreaterThan}
    for which in ("hypotheses", "condition"):
        expr = getattr(th, which)
        if expr is None or (which == "condition" and th.kind != "region"):
            continue
        for i, part in enumerate(conjuncts(expr)):
            if type(part) not in strict:
                continue
            new = strict[type(part)](part.lhs, part.rhs)
            mut = dataclasses.replace(th, id=f"{th.id}~{which[:4]}{i}<=", **{which: _replace(expr, part, new)},
                                      unneeded={})
            out.append(Mutant(mut.id, BOUNDARY_KIND, f"{part}  ->  {new}", mut, scored=False,
                              why="boundary-only: undecidable numerically where the radius is 1; not scored"))
    return out


def _implied(th: Theorem, mut: Theorem) -> bool:
    """Is the variant's bound at least the original's at every sampled cell of the region, over the scales'
    decades and horizons to 1e5? Then it is implied by the original: an equivalent (true) variant. Cells
    where the original's bound is not a finite positive number are no evidence either way."""
    from .cells import absolute, evaluate
    from .sampling import sample

    cells = sample(th, quick=True)
    compared = 0
    for c in cells[:: max(1, len(cells) // 30)]:
        for L, D0 in ((1.0, 1.0), (1e-2, 1e-6), (1e3, 1e6)):
            for K in (1, 3, 10, 100, 10000, 100000):
                try:
                    v = absolute(th, {**c.norm, "K": K}, rho=-float(c.norm.get("c", 0.0)) / L, L=L, D0=D0)
                except (ValueError, TypeError, OverflowError):
                    continue
                a = float(evaluate(th.bound, v, 1)[0])
                if not (np.isfinite(a) and a > 0):
                    continue
                compared += 1
                if not float(evaluate(mut.bound, v, 1)[0]) >= a * (1 - 1e-12):
                    return False
    return compared > 0


def mutants(th: Theorem, *, reference: dict | None, quick: bool = True) -> list[Mutant]:
    """The wrong variants of ``th`` (``reference``: a check's ``reference`` dict, rows with ``W``)."""
    out: list[Mutant] = []
    if th.kind in ("rate", "property"):
        out.append(_scaled(th, reference))
    bounds = _rate(th) + _scaling(th)
    for m in bounds:                       # a bound never below the original's is implied by it: not wrong
        if _implied(th, m.theorem):
            m.scored, m.why = False, ("equivalent: the variant's bound is at least the original's at every sampled "
                                      "cell, scale and horizon (implied by it)")
    out += _relaxed(th) + _shifted(th) + bounds + _metric(th) + _boundary(th)
    return out


def _scaled(th: Theorem, reference: dict | None) -> Mutant:
    mid = f"{th.id}~scaled"
    rows = [dict(r, W=r.get("W_lower", r.get("W"))) for r in (reference or {}).get("rows", [])]
    rows = [r for r in rows if r.get("W") is not None and r["W"] > 0 and r["bound"] > 0]
    if not rows:
        why = (reference or {}).get("why_none") or "no certified worst case W"
        return Mutant(mid, "scaled bound", "bound x 0.97 W/bound", None, False, f"no reference ({why})")
    top = max(rows, key=lambda r: r["W"] / r["bound"])
    if th.normal_only:
        return Mutant(mid, "scaled bound", "bound x 0.97 W/bound", None, False,
                      "no reference (the PEP's class holds every operator of the Lipschitz class, the theorem's only "
                      "normal maps: W is not its worst case)")
    f = SCALE * top["W"] / top["bound"]
    if f >= 1:
        return Mutant(mid, "scaled bound", f"bound x {f:.4g}", None, False,
                      f"no reference (W/bound = {top['W'] / top['bound']:.4g} > 1 at {top['cell']}, K={top['K']}: "
                      "W is over a wider class than the theorem's, and a bound scaled up is implied by the original)")
    mut = dataclasses.replace(th, id=mid, bound=th.bound * sp.Float(f, 6))
    return Mutant(mid, "scaled bound", f"bound x {f:.4g} (= {SCALE} W/bound at {top['cell']}, K={top['K']})", mut)
