"""A discovered formula as a registry entry (``provenance="conjecture"``) and its proof for every ``N``.

:func:`to_theorem` builds the :class:`~monoverify.theory.theorems.Theorem` of a proposed :class:`Discovery`:
``metric <= formula(K) D0`` for the method at the discovered parameters, judged by ``check``/``verify`` like
every entry (a violated conjecture is a finding, never a failure). Fixed parameters enter as they were
discovered: the method's as constants of ``method_params``; the class's as ``rho >= rho0`` (and ``L <= L0``),
since a bound over the class at ``rho0`` holds on every smaller class (a rho-comonotone operator is
rho0-comonotone for rho >= rho0; an L-Lipschitz one is L0-Lipschitz for L <= L0); swept parameters as the
interval they were swept over. The grid's float cells are nudged inside these exact bounds. A formula
fitted for ``N >= n_start > 1`` is claimed there only (the bound is ``oo`` below).

:func:`prove_conjecture` tries a proof for every ``N`` at each parameter point: a horizon potential
(:func:`monoverify.theory.prove.lyapunov.find_horizon_potential`: symbolic for every ``N >= n_from``, exact
certificates below). When every point is proved and the conjecture is about those points only (no swept
parameter), its theorem is ``derived``.

:func:`entry_source` prints the ``register(Theorem(...))`` entry for a module of ``theory/theorems/``.
"""

from __future__ import annotations

import math
from fractions import Fraction

from monoverify.errors import InvalidValue, UserError

from .core import Discovery, N_SYMBOL, _points, parse_formula

__all__ = ["to_theorem", "entry_source", "prove_conjecture"]

#: metrics a potential can bound -> the name of find_horizon_potential
_POTENTIAL_METRIC = {"operator_sq": "operator", "resolvent_residual_sq": "resolvent"}


def _R(q: Fraction):
    import sympy as sp

    return sp.Rational(q.numerator, q.denominator)


def _parts(result: Discovery) -> dict:
    """The pieces of the theorem (SymPy), shared by :func:`to_theorem` and :func:`entry_source`."""
    import sympy as sp

    from monoverify.solvers import METHODS
    from monoverify.theory.metrics import METRICS
    from monoverify.theory.theorems import SYMBOLS

    if not isinstance(result, Discovery):
        raise InvalidValue(f"result must be a Discovery (from discover), got {type(result).__name__}")
    if result.status != "proposed" or result.formula is None:
        raise UserError(f"only a proposed formula is a conjecture; this discovery is {result.status!r} "
                        f"({result.message})")
    m = METRICS.get(result.metric)
    if m is None or not m.run:
        raise InvalidValue(f"metric {result.metric} is a PEP-only metric (not measured on runs), so a theorem "
                           f"cannot be judged on it: discover with metric operator or resolvent")
    K, D0 = SYMBOLS["K"], SYMBOLS["D0"]
    expr = parse_formula(result.formula).subs(N_SYMBOL(), K)
    n0 = _valid_from(result)
    bound = expr * D0 if n0 <= 1 else sp.Piecewise((expr * D0, K >= n0), (sp.oo, True))
    fixed, over = result.fixed, {k: [Fraction(v) for v in vs] for k, vs in result.over.items()}
    spec = METHODS[result.method].params
    method_params = {k: (SYMBOLS[k] if k in over else (int(fixed[k]) if k == "tau" else _R(fixed[k])))
                     for k in spec if k in fixed or k in over}
    hyp = []
    if "rho" in fixed:
        hyp.append(SYMBOLS["rho"] >= _R(fixed["rho"]))
    if "L" in fixed:
        hyp.append(SYMBOLS["L"] <= _R(fixed["L"]))
    lo = {k: min(vs) for k, vs in over.items()}
    hi = {k: max(vs) for k, vs in over.items()}
    for k in over:
        hyp += [SYMBOLS[k] >= _R(lo[k]), SYMBOLS[k] <= _R(hi[k])]
    if "rho" in fixed:
        lo["rho"], hi["rho"] = fixed["rho"], None
    L0 = float(fixed["L"]) if "L" in fixed else 1.0
    if "L" in fixed and Fraction(L0) > fixed["L"]:
        L0 = math.nextafter(L0, 0.0)
    grid: dict = {"L": (L0,), "K": (max(200, n0),)}
    rhos = [fixed["rho"]] if "rho" in fixed else over["rho"]
    grid["c"] = tuple(sorted({_c_inside(r, L0, lo.get("rho"), hi.get("rho")) for r in rhos}))
    for k in ("gamma", "lam", "alpha", "tau"):
        if k in over:
            key = "t" if k == "gamma" else k
            grid[key] = tuple(_inside(v, lo[k], hi[k]) * (L0 if k == "gamma" else 1) if k != "tau" else int(v)
                              for v in over[k])
    cells = []
    for p in _points(fixed, over):
        cell = {"c": _c_inside(p["rho"], L0, lo.get("rho"), hi.get("rho"))}
        if "L" in fixed:
            cell["L"] = L0
        for k in ("gamma", "lam", "alpha", "tau"):
            if k in over:
                cell["t" if k == "gamma" else k] = (_inside(p[k], lo[k], hi[k]) * L0 if k == "gamma" else
                                                    (int(p[k]) if k == "tau" else _inside(p[k], lo[k], hi[k])))
        cells.append(cell)
    Ks = tuple(sorted({max(n0, 2), max(n0, 4)}))
    proved = bool(result.proof and result.proof.get("status") == "proved" and not over)
    return dict(expr=expr, bound=bound, method_params=method_params,
                hypotheses=sp.And(*hyp) if hyp else sp.true, grid=grid, cells=tuple(cells[:4]), Ks=Ks, n0=n0,
                provenance="derived" if proved else "conjecture", lipschitz="L" in fixed)


def _inside(v: Fraction, lo: Fraction | None, hi: Fraction | None) -> float:
    """The float closest to ``v`` whose exact value lies in ``[lo, hi]`` (the judge compares exactly)."""
    x = float(v)
    for _ in range(8):
        if lo is not None and Fraction(x) < lo:
            x = math.nextafter(x, math.inf)
        elif hi is not None and Fraction(x) > hi:
            x = math.nextafter(x, -math.inf)
        else:
            break
    return x


def _c_inside(rho: Fraction, L0: float, lo: Fraction | None, hi: Fraction | None) -> float:
    """``c = -rho L0`` as a float whose ``rho = -c / L0`` (float) lies in ``[lo, hi]`` exactly."""
    c = -float(rho) * L0
    for _ in range(16):
        r = Fraction(-c / L0)
        if lo is not None and r < lo:
            c = math.nextafter(c, -math.inf)
        elif hi is not None and r > hi:
            c = math.nextafter(c, math.inf)
        else:
            break
    return c


def _valid_from(result: Discovery) -> int:
    """The smallest ``N`` of the claim: where the proof starts if there is one, else the fit's ``n_start``."""
    if result.proof and result.proof.get("status") == "proved":
        return int(result.proof.get("valid_from", 1))
    return int(result.form.get("n_start", 1)) if result.form else 1


def _default_id(result: Discovery) -> str:
    bits = [f"{k}={v}" for k, v in sorted(result.params.items())] + [f"{k}~" for k in sorted(result.over)]
    return f"discovered.{result.method}.{result.metric}." + ",".join(bits)


def to_theorem(result: Discovery, theorem_id: str | None = None, title: str | None = None):
    """The registry :class:`~monoverify.theory.theorems.Theorem` of a proposed formula (module docstring).

    Examples
    --------
    >>> from monoverify.theory.discover import discover
    >>> th = to_theorem(discover("pp", {"gamma": 1, "rho": "-1/5"}, "operator", n=(1, 7), holdout=2))
    >>> th.provenance, th.metric, th.method_params
    ('conjecture', 'operator_sq', {'gamma': 1})
    >>> th.bound
    Piecewise((5*D0*(1 - 1/K)**(K - 1)/(3*K), K >= 2), (oo, True))
    """
    from monoverify.theory.theorems import Theorem

    p = _parts(result)
    ev = (f"discovered by monoverify discover: N in {result.train} fitted ({result.n_pinned} exact), held-out "
          f"{result.holdout} predicted to {result.max_rel_error_holdout:.2g}")
    if p["provenance"] == "derived":
        ev += f"; proved for every N >= {p['n0']} ({result.proof.get('how', 'horizon potential')})"
    return Theorem(
        id=theorem_id or _default_id(result),
        title=title or f"{result.method}: {result.metric} <= {p['expr']} D0 (discovered)",
        source=ev, provenance=p["provenance"], method=result.method, method_params=p["method_params"],
        hypotheses=p["hypotheses"], bound=p["bound"], metric=result.metric, iterate=result.iterate,
        grid=p["grid"], rate="", note=f"operator class: {result.operator_class}",
        pep={"lipschitz": p["lipschitz"], "cells": p["cells"], "Ks": p["Ks"]},
    )


def entry_source(result: Discovery, theorem_id: str | None = None) -> str:
    """The ``register(Theorem(...))`` entry of :func:`to_theorem`, for a module of ``theory/theorems/``
    (``from .core import *`` provides ``sp``, the symbols and ``register``)."""
    th = to_theorem(result, theorem_id)
    p = _parts(result)
    sym = lambda e: f'sp.sympify({str(e)!r}, locals=SYMBOLS)'
    mp = ", ".join(f"{k!r}: {v}" if isinstance(v, int) else
                   (f"{k!r}: sp.Rational({v.p}, {v.q})" if getattr(v, "is_Rational", False) and v.q != 1 else
                    (f"{k!r}: sp.Integer({v.p})" if getattr(v, "is_Rational", False) else f"{k!r}: {v}"))
                   for k, v in th.method_params.items())
    lines = [
        "register(Theorem(",
        f"    id={th.id!r},",
        f"    title={th.title!r},",
        f"    source={th.source!r},",
        f"    provenance={th.provenance!r},",
        f"    method={th.method!r}, method_params={{{mp}}},",
        f"    hypotheses={sym(th.hypotheses)},",
        f"    bound={sym(th.bound)},",
        f"    metric={th.metric!r}, iterate={th.iterate!r},",
        f"    grid={dict(th.grid)!r},",
        f"    note={th.note!r},",
        f"    pep={dict(th.pep)!r},",
        "))",
    ]
    del p
    return "\n".join(lines)


def prove_conjecture(result: Discovery, *, n_fit: range = range(2, 8)) -> dict:
    """Try to prove the proposed formula for every ``N`` at each parameter point (module docstring).

    Returns the proof record, also stored in ``result.proof``: ``status`` (``proved`` at every point,
    ``partial`` or ``not_found``), ``valid_from`` (the smallest ``N`` proved at every point), ``points``
    (per point: the :class:`~monoverify.theory.prove.lyapunov.HorizonPotential` as a dict) and
    ``provenance`` (``derived`` when proved and no parameter is swept, else ``conjecture``).
    """
    from monoverify.theory.prove.lyapunov import find_horizon_potential
    from monoverify.theory.theorems import SYMBOLS

    from .core import _make

    if result.status != "proposed" or result.formula is None:
        raise UserError(f"only a proposed formula can be proved; this discovery is {result.status!r}")
    if result.iterate != "last":
        raise InvalidValue("a potential proves last-iterate bounds only; this formula bounds the best iterate")
    pm = _POTENTIAL_METRIC.get(result.metric)
    if pm is None:
        raise InvalidValue(f"no potential family for metric {result.metric}: prove works for "
                           f"{sorted(_POTENTIAL_METRIC)} (discover with metric operator or resolvent)")
    fixed = result.fixed
    over = {k: [Fraction(v) for v in vs] for k, vs in result.over.items()}
    expr = parse_formula(result.formula)
    n_start = int(result.form.get("n_start", 1))
    pts, statuses, starts = [], [], []
    for p in _points(fixed, over):
        subs = {SYMBOLS[k]: _R(v) for k, v in p.items() if k in SYMBOLS}
        f = expr.subs(subs)
        m = _make(result.method, p, exact=True)
        hp = None
        for n_from in sorted({2, max(2, n_start)}):
            hp = find_horizon_potential(m, p["rho"], f, p.get("L"), pm, n_fit=n_fit, n_from=n_from)
            if hp.status == "proved" or hp.status == "not_applicable":
                break
            if hp.families:   # symbolic part done: the small N are what failed
                break
        d = hp.to_dict()
        d["params"] = {k: str(v) for k, v in p.items()}
        if hp.status == "proved":
            start = 1
        elif hp.families:
            bad = [n for n, s in hp.small_n.items() if s != "proved"]
            start = max(bad) + 1 if bad else hp.n_from
        else:
            start = None
        d["valid_from"] = start
        pts.append(d)
        statuses.append(hp.status)
        starts.append(start)
    if all(s is not None for s in starts):
        status = "proved" if all(s == 1 for s in starts) else "partial"
        valid_from = max(starts)
    else:
        status, valid_from = ("partial" if any(s is not None for s in starts) else "not_found"), None
    if status == "partial" and valid_from is not None and all(s is not None for s in starts):
        status = "proved"   # proved for every N >= valid_from at every point
    proof = {"status": status, "valid_from": valid_from, "points": pts, "how": "horizon potential",
             "provenance": "derived" if status == "proved" and not over else "conjecture",
             "message": ("proved for every N" + (f" >= {valid_from}" if valid_from and valid_from > 1 else "")
                         + " at every parameter point" if status == "proved" else
                         "no proof for every N at " + ", ".join(str(q["params"]) for q, s in zip(pts, starts)
                                                                  if s is None))}
    if status == "proved" and over:
        proof["message"] += " (the swept interval itself is not proved: the entry stays a conjecture)"
    result.proof = proof
    return proof
