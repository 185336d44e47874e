"""Declared constants cross-checked: a declared ``L`` or ``rho`` that a measured pair of points contradicts.

An operator declares ``L`` and ``rho`` (:class:`~monoverify.operators.Constants`); a theorem checked at those
constants proves nothing when they are wrong (a user operator declaring ``L = 1/2`` whose true ``L`` is 1 passes
``eg+.best_iterate`` at ``gamma = 1.5``, a step the theorem does not cover for ``L = 1``). :func:`contradictions`
evaluates the certified quotients of :mod:`.quantities` on pairs of given points (the points a run visited) and
reports every declared constant of kind ``exact`` that a pair contradicts, beyond the quotient's rounding margin:

* ``L``: ``||F q - F p|| / ||q - p|| - margin > L`` (the pair proves ``L`` too small);
* ``rho`` (pairwise notion): ``<F q - F p, q - p> / ||F q - F p||^2 + margin < rho`` (the pair proves ``rho``
  too large); with the weak-MVI notion, ``<F z, z - z*> / ||F z||^2 + margin < rho`` at a point ``z``.

For a :class:`~monoverify.operators.LinearOperator` the exact constants of its matrix (§2.1) are compared
too, with the witness pair they imply (``0`` and the top right singular vector for ``L``; the minimiser of the
quotient for ``rho``). Only points inside ``op.valid_region`` (else ``op.constraint``) are used, where the
declared constants are meant to hold.

>>> import numpy as np, sympy as sp
>>> from monoverify.operators import LinearOperator, Constant, Constants
>>> M = [[0.0, 1.0], [-1.0, 0.0]]                       # a rotation: L = 1, rho = 0
>>> wrong = Constants(Constant(sp.Rational(1, 2), "exact", "user"), Constant(0, "exact", "user"))
>>> found = contradictions(LinearOperator(M, constants=wrong), np.array([[1.0, 0.0], [0.0, 0.5]]))
>>> [(c.constant, c.declared, round(c.measured, 12)) for c in found]
[('L', 0.5, 1.0)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .quantities import _lip_margin, _lip_quotient, _mvi_stats, _pair_stats

__all__ = ["Contradiction", "contradictions"]


@dataclass
class Contradiction:
    """A declared constant and the pair (or point) of ``F`` that contradicts it.

    ``measured``: the certified value the witness proves (``L >= measured`` or ``rho <= measured``, rounding
    margin included); ``witness``: the pair ``(p, q)`` (for the weak-MVI notion ``(z, z*)``).
    """

    constant: str
    declared: float
    measured: float
    witness: tuple = field(repr=False)
    how: str = ""

    def message(self, op: Any = None) -> str:
        name = getattr(op, "name", "the operator")
        p, q = (np.array2string(np.asarray(w, float), precision=6, threshold=8) for w in self.witness)
        if self.constant == "L":
            return (f"{name} declares L = {self.declared:.6g}, but the pair p = {p}, q = {q} has "
                    f"||F q - F p|| / ||q - p|| >= {self.measured:.6g} ({self.how}): its Lipschitz constant is at least "
                    f"{self.measured:.6g}")
        return (f"{name} declares rho = {self.declared:.6g}, but the pair p = {p}, q = {q} has "
                f"{'<F q, q - z*>/||F q||^2' if 'weak' in self.how else '<F q - F p, q - p>/||F q - F p||^2'} "
                f"<= {self.measured:.6g} ({self.how}): its comonotonicity constant is at most {self.measured:.6g}")


def _declared(op: Any, name: str) -> float | None:
    """The declared constant as a float when its kind is ``exact`` (bounds and estimates are not claims of it)."""
    c = getattr(getattr(op, "constants", None), name, None)
    if c is None or getattr(c, "kind", None) != "exact":
        return None
    try:
        v = float(c.value)
    except (TypeError, ValueError):
        return None
    return v if not math.isnan(v) else None


def _inside(op: Any, Z: np.ndarray) -> np.ndarray:
    region = getattr(op, "valid_region", None)
    if region is None:
        region = getattr(op, "constraint", None)
    if region is None or type(region).__name__ == "Whole":
        return Z
    try:
        keep = np.asarray(region.contains(Z), dtype=bool)
    except Exception:
        return Z[:0]
    return Z[keep]


def _pairs(Z: np.ndarray, max_pairs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    n = Z.shape[0]
    if n < 2:
        return Z[:0], Z[:0]
    i = np.arange(n - 1)
    P, Q = [Z[i]], [Z[i + 1]]                     # consecutive points of the path
    m = max(0, max_pairs - (n - 1))
    if m:
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        ok = a != b
        P.append(Z[a[ok]])
        Q.append(Z[b[ok]])
    return np.concatenate(P), np.concatenate(Q)


def _linear_witnesses(op: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs at which a matrix attains its ``L`` (``0`` and the top right singular vector) and its pairwise
    ``rho`` (``0`` and ``x = M^+ y``, ``y`` the eigenvector of ``lambda_min(sym(M^+))`` on the range)."""
    M = np.asarray(getattr(op, "matrix", None), dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] > 400:
        return []
    out = []
    with np.errstate(all="ignore"):
        U, s, Vt = np.linalg.svd(M)
        z = np.zeros(M.shape[0])
        out.append((z, Vt[0]))
        Mp = np.linalg.pinv(M)
        S = (Mp + Mp.T) / 2
        r = int(np.sum(s > s[0] * 1e-12)) if s.size and s[0] > 0 else 0
        if r:
            B = U[:, :r]                      # the range of M
            w, V = np.linalg.eigh(B.T @ S @ B)
            y = B @ V[:, 0]
            out.append((z, Mp @ y))
    return out


def contradictions(op: Any, points: Any, *, rtol: float = 1e-9, max_pairs: int = 20_000, seed: int = 0,
                   zstar: Any = None) -> list[Contradiction]:
    """The declared ``exact`` constants of ``op`` that pairs of ``points`` contradict (empty: none).

    Parameters
    ----------
    op : Operator
    points : array of shape (n, dim)
        Points to pair (e.g. every iterate and evaluation point of a run); consecutive pairs and up to
        ``max_pairs`` random pairs (seeded) are measured.
    rtol : float
        Relative slack beyond the certified rounding margin (a declared value within it is not contradicted).
    zstar : array, optional
        The solution for the weak-MVI notion (default ``op.solution``).

    Returns
    -------
    list of Contradiction
        At most one per constant: the strongest witness.
    """
    Z = np.asarray(points, dtype=float).reshape(-1, op.dim)
    Z = Z[np.all(np.isfinite(Z), axis=1)]
    Z = _inside(op, Z)
    L_decl, rho_decl = _declared(op, "L"), _declared(op, "rho")
    notion = getattr(getattr(op, "constants", None), "rho_notion", "comonotone")
    found: list[Contradiction] = []
    P, Q = _pairs(Z, max_pairs, seed)
    how = "measured on the run's points"
    if getattr(op, "is_linear", False) and hasattr(op, "matrix"):
        W = _linear_witnesses(op)
        if W:
            P = np.concatenate([P] + [w[0][None] for w in W]) if P.size else np.stack([w[0] for w in W])
            Q = np.concatenate([Q] + [w[1][None] for w in W]) if Q.size else np.stack([w[1] for w in W])
            how = "measured on the run's points and the matrix's extremal directions"
    if P.size:
        if L_decl is not None and math.isfinite(L_decl):
            lq = _lip_quotient(op, P, Q)
            cert = lq - _lip_margin(op, P, Q, max(L_decl, 0.0))
            j = int(np.argmax(cert))
            if cert[j] > L_decl * (1 + rtol):
                found.append(Contradiction("L", L_decl, float(cert[j]), (P[j], Q[j]), how))
        if rho_decl is not None and math.isfinite(rho_decl) and notion == "comonotone":
            L_ref = L_decl if L_decl is not None and math.isfinite(L_decl) else 1.0
            q, margin, _, _ = _pair_stats(op, P, Q, L_ref)
            cert = np.where(np.isfinite(q), q + margin, np.inf)
            j = int(np.argmin(cert))
            if cert[j] < rho_decl - rtol * max(1.0, abs(rho_decl)):
                found.append(Contradiction("rho", rho_decl, float(cert[j]), (P[j], Q[j]), how))
    zs = zstar if zstar is not None else getattr(op, "solution", None)
    if rho_decl is not None and math.isfinite(rho_decl) and notion == "weak-mvi" and zs is not None and Z.size:
        L_ref = L_decl if L_decl is not None and math.isfinite(L_decl) else 1.0
        zs = np.asarray(zs, dtype=float)
        r, margin, _, _ = _mvi_stats(op, Z, zs, L_ref)
        cert = np.where(np.isfinite(r), r + margin, np.inf)
        j = int(np.argmin(cert))
        if cert[j] < rho_decl - rtol * max(1.0, abs(rho_decl)):
            found.append(Contradiction("rho", rho_decl, float(cert[j]), (zs, Z[j]), how + ", weak-MVI"))
    return found
