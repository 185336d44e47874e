"""From floating-point multipliers to an exact certificate.

1. :func:`round_weights`: rationalise ``lambda``, ``mu`` (``limit_denominator``), drop tiny ones,
   normalise ``sum mu = 1`` exactly.
2. :func:`residual_matrix`: ``S`` is *defined* by the identity
   ``S = bound A_0 - sum mu_k U_k - sum lambda_l A_l`` (exact), so the identity holds by construction;
   what remains is ``S >= 0``, checked by :func:`monoverify.theory.prove.checker.is_psd`.
3. :func:`project_to_nullspace`: where the optimum is tight, ``S`` must be singular; the numerical
   null space of ``S`` is rationalised and the weights are moved, in exact arithmetic, by the
   smallest change (least squares) that makes ``S V = 0`` hold exactly.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from . import checker

__all__ = ["round_weights", "residual_matrix", "rational_nullspace", "project_to_nullspace", "solve_min_norm"]


def round_weights(values: np.ndarray, denominator: int, floor: float) -> list[Fraction]:
    """Rationals near ``values`` (denominator at most ``denominator``); values below ``floor`` -> 0."""
    return [Fraction(0) if v < floor else Fraction(float(v)).limit_denominator(denominator) for v in values]


def normalise(mu: Sequence[Fraction]) -> list[Fraction] | None:
    s = sum(mu, Fraction(0))
    return None if s <= 0 else [m / s for m in mu]


def residual_matrix(pep: Any, bound: Fraction, lam: Sequence[Fraction], mu: Sequence[Fraction]) -> list:
    """``S = bound A_0 - sum mu_k u_k u_k^T - sum lambda_l A_l`` in exact arithmetic."""
    e0 = pep.initial
    S = checker.zeros(pep.dim)
    checker.add_scaled(S, bound, checker.outer_sym(e0, e0))
    for m, u in zip(mu, pep.metric_vectors):
        checker.add_scaled(S, -m, checker.outer_sym(u, u))
    for w, q in zip(lam, pep.inequalities):
        checker.add_scaled(S, -w, q.matrix)
    return S


def _rref(rows: list[list[Fraction]]) -> tuple[list[list[Fraction]], list[int]]:
    """Exact reduced row echelon form and pivot columns."""
    M = [list(r) for r in rows]
    piv, r = [], 0
    ncol = len(M[0]) if M else 0
    for c in range(ncol):
        k = next((i for i in range(r, len(M)) if M[i][c] != 0), None)
        if k is None:
            continue
        M[r], M[k] = M[k], M[r]
        p = M[r][c]
        M[r] = [v / p for v in M[r]]
        for i in range(len(M)):
            if i != r and M[i][c] != 0:
                f = M[i][c]
                M[i] = [a - f * b for a, b in zip(M[i], M[r])]
        piv.append(c)
        r += 1
        if r == len(M):
            break
    return M[:r], piv


def rational_nullspace(S: np.ndarray, tol: float, denominator: int) -> list[list[Fraction]] | None:
    """A rational basis (rows) near the numerical null space of ``S`` (eigenvalues below ``tol``)."""
    w, V = np.linalg.eigh(S)
    N = V[:, w < tol]
    if N.shape[1] == 0:
        return []
    B = N.T.copy()  # r x d, numerically reduce to RREF with partial pivoting
    r, d = B.shape
    piv = []
    row = 0
    for c in range(d):
        if row == r:
            break
        k = row + int(np.argmax(np.abs(B[row:, c])))
        if abs(B[k, c]) < 1e-6:
            continue
        B[[row, k]] = B[[k, row]]
        B[row] /= B[row, c]
        for i in range(r):
            if i != row:
                B[i] -= B[i, c] * B[row]
        piv.append(c)
        row += 1
    if row < r:
        return None
    return [[Fraction(float(v)).limit_denominator(denominator) for v in b] for b in B]


def solve_min_norm(C: list[list[Fraction]], rhs: list[Fraction], x0: list[Fraction]) -> list[Fraction] | None:
    """The point nearest ``x0`` (Euclidean) with ``C x = rhs`` exactly, or None if inconsistent."""
    if not C:
        return list(x0)
    aug = [row + [b - sum((a * x for a, x in zip(row, x0)), Fraction(0))] for row, b in zip(C, rhs)]
    R, piv = _rref(aug)
    n = len(x0)
    if any(p == n for p in piv):
        return None  # inconsistent
    A = [r[:n] for r in R]
    b = [r[n] for r in R]
    # x = x0 + A^T y with (A A^T) y = b
    k = len(A)
    AAt = [[sum((A[i][t] * A[j][t] for t in range(n)), Fraction(0)) for j in range(k)] for i in range(k)]
    R2, piv2 = _rref([AAt[i] + [b[i]] for i in range(k)])
    y = [Fraction(0)] * k
    for r_, c in zip(R2, piv2):
        if c == k:
            return None
        y[c] = r_[k]
    return [x0[t] + sum((A[i][t] * y[i] for i in range(k)), Fraction(0)) for t in range(n)]


def project_to_nullspace(pep: Any, bound: Fraction, lam: list[Fraction], mu: list[Fraction],
                         null: list[list[Fraction]]) -> tuple[list[Fraction], list[Fraction]] | None:
    """Weights nearest ``(lam, mu)`` (same support) with ``S V = 0`` and ``sum mu = 1`` exactly."""
    act = [i for i, w in enumerate(lam) if w > 0]
    actm = [k for k, w in enumerate(mu) if w > 0]
    d = pep.dim
    e0 = pep.initial
    base = checker.zeros(d)
    checker.add_scaled(base, bound, checker.outer_sym(e0, e0))
    cols = [[[-v for v in row] for row in checker.outer_sym(pep.metric_vectors[k], pep.metric_vectors[k])]
            for k in actm]
    cols += [[[-v for v in row] for row in pep.inequalities[i].matrix] for i in act]
    x0 = [mu[k] for k in actm] + [lam[i] for i in act]
    C, rhs = [], []
    for v in null:  # (base + sum x_c col_c) v = 0, row by row
        for r in range(d):
            C.append([sum((col[r][t] * v[t] for t in range(d)), Fraction(0)) for col in cols])
            rhs.append(-sum((base[r][t] * v[t] for t in range(d)), Fraction(0)))
    C.append([Fraction(1)] * len(actm) + [Fraction(0)] * len(act))
    rhs.append(Fraction(1))
    x = solve_min_norm(C, rhs, x0)
    if x is None or any(v < 0 for v in x):
        return None
    mu2 = [Fraction(0)] * len(mu)
    lam2 = [Fraction(0)] * len(lam)
    for k, v in zip(actm, x[:len(actm)]):
        mu2[k] = v
    for i, v in zip(act, x[len(actm):]):
        lam2[i] = v
    return lam2, mu2
