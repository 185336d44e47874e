"""The grammar of closed forms and the exact/float fits (``monoverify discover``, issue 27).

A *form* is ``F(N) P(N) / Q(N)``: ``P``, ``Q`` polynomials of degrees ``p``, ``q`` and ``F`` either ``1`` or a
product factor ``(1 - 1/(N + b + 1))^(N + s)`` (``b, s`` in ``{-1, 0, 1}``: Gu and Yang's ``(1 - 1/N)^(N-1)`` is
``b = s = -1``). Forms are tried by complexity ``p + q + [F != 1]``, the simplest first.

The fits solve ``P(x_i) - r_i Q(x_i) = 0`` (``r_i = y_i / F(N_i)``): **exactly** (rational arithmetic, the null
space of the rows whose value is an exact rational) when there are enough exact values, else by the smallest
singular vector of the (relatively weighted) float rows followed by a rational reconstruction of the
coefficients. A form is accepted only with rational coefficients that reproduce every exact value exactly
and every float value within the tolerance. The same fitter, with monomials in several variables, fits a
coefficient as a rational function of the swept parameters.

>>> from fractions import Fraction as Q
>>> xs = [(n,) for n in range(1, 7)]
>>> fit_rational(xs, [Q(1, 2 * n + 1) for n in range(1, 7)], [True] * 6, 0, 1)   # 1/(2N + 1)
([Fraction(1, 1)], [Fraction(1, 1), Fraction(2, 1)])
"""

from __future__ import annotations

import dataclasses
import itertools
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

__all__ = ["Form", "FACTORS", "forms", "factor_value", "factor_expr", "fit_rational", "monomials", "nullspace",
           "evaluate_rational", "height"]

#: the product factors ``(b, s)``: ``(1 - 1/(N + b + 1))^(N + s)``, in the order of preference between equal
#: fits (``(1 - 1/N)^N/(N - 1)`` is ``(1 - 1/N)^(N-1)/N``: the first is kept)
FACTORS = ((-1, -1), (0, 0), (1, 1), (0, -1), (-1, 0), (1, 0), (0, 1), (-1, 1), (1, -1))


@dataclasses.dataclass(frozen=True)
class Form:
    """``F(N) P(N) / Q(N)`` with ``deg P = p``, ``deg Q = q`` and ``F = factor`` (``None``: ``F = 1``)."""

    p: int
    q: int
    factor: tuple | None = None

    @property
    def complexity(self) -> int:
        return self.p + self.q + (1 if self.factor is not None else 0)

    def describe(self) -> str:
        f = "" if self.factor is None else f"{factor_expr(self.factor)} * "
        return f"{f}P_{self.p}(N)/Q_{self.q}(N)"


def forms(max_degree: int = 3, grammar: str = "all") -> list[Form]:
    """Every form up to degree ``max_degree`` in ``P`` and ``Q``, simplest first.

    ``grammar``: ``all`` (rational functions and products), ``rational`` (``F = 1`` only) or ``product``
    (a product factor only).
    """
    if grammar not in ("all", "rational", "product"):
        raise ValueError(f"grammar must be 'all', 'rational' or 'product', got grammar={grammar!r}")
    facs: list = [None] if grammar in ("all", "rational") else []
    if grammar in ("all", "product"):
        facs += list(FACTORS)
    out = [Form(p, q, f) for f in facs for p in range(max_degree + 1) for q in range(max_degree + 1)]
    return sorted(out, key=lambda f: (f.complexity, f.factor is not None, f.q, f.p,
                                      -1 if f.factor is None else FACTORS.index(f.factor)))


def factor_value(factor: tuple | None, n: int) -> Fraction:
    """``F(n)`` exactly (``0**0 = 1``)."""
    if factor is None:
        return Fraction(1)
    b, s = factor
    base = Fraction(n + b, n + b + 1) if n + b + 1 != 0 else None
    if base is None:
        raise ZeroDivisionError(f"factor {factor} undefined at N = {n}")
    e = n + s
    if base == 0:
        if e < 0:
            raise ZeroDivisionError(f"factor {factor} undefined at N = {n}")
        return Fraction(1) if e == 0 else Fraction(0)
    return base ** e


def factor_expr(factor: tuple | None, N: Any = None):
    """``F`` as a SymPy expression in ``N``."""
    import sympy as sp

    N = sp.Symbol("N", integer=True, positive=True) if N is None else N
    if factor is None:
        return sp.Integer(1)
    b, s = factor
    return (1 - 1 / (N + b + 1)) ** (N + s)


def height(expr) -> int:
    """The largest numerator or denominator of the rational numbers in a SymPy expression (its "size": between
    fits of equal complexity the smaller wins; a float fit with huge coefficients is a fit of the noise)."""
    import sympy as sp

    return max((max(abs(int(r.p)), int(r.q)) for r in sp.sympify(expr).atoms(sp.Rational)), default=1)


def monomials(n_vars: int, degree: int, total: bool = True) -> list[tuple]:
    """Exponent tuples of the monomials in ``n_vars`` variables (total degree ``<= degree``, or each ``<=``)."""
    ranges = [range(degree + 1)] * n_vars
    out = [e for e in itertools.product(*ranges) if not total or sum(e) <= degree]
    return sorted(out, key=lambda e: (sum(e), e))


def _mono_value(x: Sequence, e: tuple):
    v = 1
    for xi, ei in zip(x, e):
        v = v * xi ** ei
    return v


def evaluate_rational(P: Sequence, Q: Sequence, x: Sequence, pm: Sequence[tuple] | None = None,
                      qm: Sequence[tuple] | None = None):
    """``P(x)/Q(x)`` for coefficient lists over the monomials ``pm``, ``qm`` (default: powers of ``x[0]``)."""
    pm = pm if pm is not None else [(j,) for j in range(len(P))]
    qm = qm if qm is not None else [(j,) for j in range(len(Q))]
    num = sum(c * _mono_value(x, e) for c, e in zip(P, pm))
    den = sum(c * _mono_value(x, e) for c, e in zip(Q, qm))
    return num / den


def nullspace(rows: list[list[Fraction]], n: int) -> list[list[Fraction]]:
    """A basis of ``{v : rows v = 0}`` in exact arithmetic (reduced row echelon form)."""
    M = [list(r) for r in rows]
    piv_cols = []
    r = 0
    for c in range(n):
        pr = next((i for i in range(r, len(M)) if M[i][c] != 0), None)
        if pr is None:
            continue
        M[r], M[pr] = M[pr], M[r]
        inv = 1 / M[r][c]
        M[r] = [v * inv for v in M[r]]
        for i in range(len(M)):
            if i != r and M[i][c] != 0:
                f = M[i][c]
                M[i] = [a - f * b for a, b in zip(M[i], M[r])]
        piv_cols.append(c)
        r += 1
        if r == len(M):
            break
    free = [c for c in range(n) if c not in piv_cols]
    basis = []
    for fc in free:
        v = [Fraction(0)] * n
        v[fc] = Fraction(1)
        for i, pc in enumerate(piv_cols):
            v[pc] = -M[i][fc]
        basis.append(v)
    return basis


def _height(P: list, Q: list) -> int:
    """The largest integer coefficient of ``P`` and ``Q`` scaled by one common factor to coprime integers."""
    import math as _m

    cs = [Fraction(c) for c in list(P) + list(Q) if c != 0]
    if not cs:
        return 0
    den = 1
    for c in cs:
        den = den * c.denominator // _m.gcd(den, c.denominator)
    ints = [int(c * den) for c in cs]
    g = 0
    for v in ints:
        g = _m.gcd(g, abs(v))
    return max(abs(v) // g for v in ints)


def _normalise(P: list, Q: list) -> tuple[list, list] | None:
    """Scale so that the first nonzero coefficient of ``Q`` is 1 (``None`` when ``Q = 0``)."""
    lead = next((c for c in Q if c != 0), None)
    if lead is None:
        return None
    return [c / lead for c in P], [c / lead for c in Q]


def _check(P, Q, xs, ys, exact, pm, qm, tol: float) -> float | None:
    """Largest relative error over the data (``None`` when an exact value is missed or ``Q`` vanishes)."""
    worst = 0.0
    for x, y, ex in zip(xs, ys, exact):
        den = sum(c * _mono_value(x, e) for c, e in zip(Q, qm))
        if den == 0:
            return None
        v = sum(c * _mono_value(x, e) for c, e in zip(P, pm)) / den
        if ex:
            if Fraction(v) != Fraction(y):
                return None
            continue
        err = abs(float(v) - float(y)) / max(abs(float(y)), 1e-300)
        if not err <= tol:
            return None
        worst = max(worst, err)
    return worst


def fit_rational(xs: Sequence[Sequence], ys: Sequence, exact: Sequence[bool], p: int | Sequence[tuple], q: int | Sequence[tuple],
                 tol: float = 1e-7, max_denominator: int = 10 ** 6, max_height: int = 10 ** 6):
    """Rational coefficients ``(P, Q)`` with ``P(x)/Q(x) = y`` on the data, or ``None``.

    ``p``, ``q``: degrees in one variable, or explicit monomial exponent lists (several variables). Exact
    values (``exact[i]``; ``ys[i]`` a ``Fraction``) must be matched exactly, float values within ``tol``
    (relative). The coefficients are normalised so that the first nonzero one of ``Q`` is 1; a fit whose
    numbers (numerators and denominators of the coefficients, ``P`` and ``Q`` scaled to integers) exceed
    ``max_height`` is refused: such a fit reproduces the rounding of the data, not a closed form.
    """
    pm = [(j,) for j in range(p + 1)] if isinstance(p, int) else list(p)
    qm = [(j,) for j in range(q + 1)] if isinstance(q, int) else list(q)
    n = len(pm) + len(qm)
    if len(xs) < n:   # not even one value beyond the unknowns (up to scale): no evidence for the form
        return None
    rows_exact = [[Fraction(_mono_value(x, e)) for e in pm] + [-Fraction(y) * _mono_value(x, e) for e in qm]
                  for x, y, ex in zip(xs, ys, exact) if ex]
    cands = []
    if len(rows_exact) >= n - 1:
        ns = nullspace(rows_exact, n)
        if len(ns) == 0:
            return None          # the exact values rule the form out
        if len(ns) == 1:
            cands.append(ns[0])
    if not cands:
        cands.extend(_float_candidates(xs, ys, pm, qm, max_denominator))
    for v in cands:
        got = _normalise(list(v[:len(pm)]), list(v[len(pm):]))
        if got is None:
            continue
        P, Q = got
        if all(c == 0 for c in P):
            continue
        if _height(P, Q) > max_height:
            continue
        if _check(P, Q, xs, ys, exact, pm, qm, tol) is not None:
            return P, Q
    return None


def _float_candidates(xs, ys, pm, qm, max_denominator: int) -> list:
    """Rational reconstructions of the smallest singular vector of the weighted float rows."""
    A = []
    for x, y in zip(xs, ys):
        y = float(y)
        row = [float(_mono_value(x, e)) for e in pm] + [-y * float(_mono_value(x, e)) for e in qm]
        scale = max(max(abs(v) for v in row), 1e-300)
        A.append([v / scale for v in row])
    A = np.asarray(A, float)
    if not np.all(np.isfinite(A)):
        return []
    try:
        _, sv, Vt = np.linalg.svd(A)
    except np.linalg.LinAlgError:
        return []
    v = Vt[-1]
    if len(sv) >= A.shape[1] and sv[-1] > 1e-6 * sv[0]:
        return []   # no approximate null vector: the form does not fit
    qv = v[len(pm):]
    top = float(np.max(np.abs(v)))
    if top == 0 or float(np.max(np.abs(qv))) <= 1e-9 * top:
        return []
    # normalise by the largest coefficient of Q and drop those below 1e-7 of the largest: a coefficient that
    # is zero in the closed form is a rounding error here, and normalising by it would blow the others up
    v = v / qv[int(np.argmax(np.abs(qv)))]
    v = np.where(np.abs(v) < 1e-7 * float(np.max(np.abs(v))), 0.0, v)
    out = []
    for D in (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 25, 30, 36, 48, 50, 60, 64, 100, 120, 128, 256, 360, 1000,
              1024, 10 ** 4, 10 ** 5, max_denominator):
        cand = [Fraction(0) if c == 0 else Fraction(float(c)).limit_denominator(D) for c in v]
        if cand not in out:
            out.append(cand)
    return out
