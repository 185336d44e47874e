"""Points on one conjunct's boundary: next to it at given relative distances, and exactly on it.

:func:`boundary_points` moves a point along one coordinate to a conjunct's boundary (ray search and
bisection, :class:`~.sampling._Sampler`) and returns points at relative distances on either side;
:func:`_exact_boundary` puts points *exactly* on a boundary that is linear in some coordinate, where
the boundary value has a short binary expansion (so floating-point evaluation decides ``<`` against
``<=`` exactly there).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..theorems import Theorem
from .statement import DOMAIN, _SYM, normalised

__all__ = ["boundary_points"]


def boundary_points(part: Any, th: Theorem, seed_cell: dict, var: str, deltas: tuple,
                    inside: bool = True) -> list[dict]:
    """Points on the ``inside`` (or outside) of conjunct ``part`` next to its boundary along ``var``,
    from ``seed_cell`` (normalised), at relative distances ``deltas``."""
    from .statement import Conjunct, _relation, _vec

    pn = normalised(part, th)
    gap, strict = _relation(pn)
    q = Conjunct(part, strict, (), _vec(gap), _vec(sp.Abs(pn.lhs) + sp.Abs(pn.rhs)))
    from .sampling import _Sampler, _rows

    s = _Sampler(th, True, 0)
    s.deltas = tuple(deltas)
    P = {k: np.array([float(v)]) for k, v in seed_cell.items()}
    out = []
    for Q in s.near(P, q, var, inside):
        row = _rows(Q)[0]
        if np.isfinite(row[var]) and bool(q.holds({k: np.array([v]) for k, v in row.items()})[0]) == inside:
            out.append(row)
    return out


def _dyadic(x: Any) -> float | None:
    """``x`` (exact) as a float when its binary expansion is short (so floats decide it exactly)."""
    try:
        f = Fraction(str(sp.nsimplify(x))) if not isinstance(x, Fraction) else x
    except (ValueError, TypeError):
        return None
    if f.denominator & (f.denominator - 1) or f.denominator > 1024 or abs(f.numerator) > 2 ** 30:
        return None
    return float(f)


def _exact_boundary(s: Any, part: Any, th: Theorem, seeds: list[dict], n: int) -> list[dict]:
    """Seeds moved *exactly* onto ``part``'s boundary along a coordinate in which it is linear, where
    the boundary value has a short binary expansion (ties between ``<`` and ``<=``)."""
    pn = normalised(part, th)
    if not isinstance(pn, sp.core.relational.Relational) or isinstance(pn, sp.Eq):
        return []
    e = sp.together(pn.lhs - pn.rhs)
    out = []
    for v in s.cont:
        sym = _SYM[v]
        if sym not in e.free_symbols:
            continue
        try:
            P = sp.Poly(sp.numer(e), sym)
        except sp.PolynomialError:
            continue
        if P.degree() != 1:
            continue
        a, b = P.all_coeffs()
        root = -b / a
        for seed in seeds:
            subs = {_SYM[k]: sp.Rational(Fraction(seed[k])) for k in seed
                    if k in _SYM and k != v and _SYM[k] in root.free_symbols}
            if set(root.free_symbols) - set(subs):
                continue
            x = _dyadic(sp.nsimplify(root.subs(subs)))
            if x is None or not (DOMAIN[v][0] <= x <= DOMAIN[v][1]):
                continue
            cell = {**seed, **{str(k): float(val) for k, val in subs.items()}, v: x}
            out.append(cell)
            if len(out) >= n:
                return out
    return out
