"""Basis pursuit ``min ||w||_1 s.t. A w = b``: its minimisers, their set, distances to it, and the
depth-dependent selection of a diagonal linear network's gradient flow among them (issue 28).

* :func:`basis_pursuit` solves the split-variable LP ``min 1^T (p + q)``, ``A (p - q) = b``, ``p, q >= 0``
  (HiGHS through :func:`scipy.optimize.linprog`) and describes the **set of minimisers** ``S``, the LP's
  optimal face. Every minimiser has its support in one set ``T`` with fixed signs ``s`` (the ``l1`` norm is
  affine on the segment between two minimisers only if no coordinate changes sign), and conversely every
  feasible ``w`` with support in ``T`` and signs ``s`` has ``||w||_1 = s^T w_T = nu^T A_T w_T = nu^T b``
  for a dual certificate ``nu``: so ``S = {w : A_T w_T = b, s * w_T >= 0, w_j = 0 off T}``, a polytope
  [derived]. ``T`` is read from the primal solution when the minimiser is unique, else from ``2 n`` LPs
  that maximise each coordinate of ``p`` and ``q`` over the optimal face.
* **uniqueness** and the certificate constant ``varrho``: ``min_nu max_{j not in T} |a_j^T nu|`` over
  the dual certificates ``A_T^T nu = s`` (one LP). By the Goldman-Tucker strict complementarity theorem
  ``varrho < 1`` whenever ``T`` is the support of the whole face; the minimiser is unique iff moreover
  ``A_T`` has full column rank (Fuchs / Zhang-Yin-Yin's condition) [related, standard LP theory].
* :meth:`BasisPursuit.distance` is the Euclidean distance of points to ``S`` (closed form when unique, a
  small QP over the face otherwise); :meth:`BasisPursuit.select` the minimiser the gradient flow of a
  depth-``D`` diagonal linear network picks as ``alpha -> 0`` (:func:`selection_rule`).

Examples
--------
>>> import numpy as np
>>> A = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
>>> bp = basis_pursuit(A, np.array([1.0, 1.0]))   # w = (0, 0, 1): l1 norm 1 beats (1, 1, 0)
>>> bp.value, bp.unique, bp.w.round(12).tolist()
(1.0, True, [0.0, 0.0, 1.0])
>>> round(float(bp.distance(np.array([0.0, 0.0, 1.5]))), 12)
0.5

A duplicated column makes the minimiser non-unique; the flow splits the weight evenly (both depths):

>>> A2 = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
>>> bp2 = basis_pursuit(A2, np.array([2.0, 1.0]))
>>> bp2.unique, bp2.face_dim, bp2.select(2).round(6).tolist(), bp2.select(3).round(6).tolist()
(False, 1, [1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
>>> float(bp2.distance(np.array([2.0, 0.0, 1.0])))     # (2, 0, 1) is a minimiser
0.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from monoverify.errors import InvalidValue

__all__ = ["BasisPursuit", "basis_pursuit", "selection_rule", "check_problem"]


def check_problem(A: Any, b: Any, *, stacked: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``A`` (``(m, n)``, or ``(P, m, n)`` with ``stacked``) and ``b`` (``(m,)`` / ``(P, m)``) as finite float arrays.

    >>> check_problem(np.ones((2, 3)), np.ones(3))
    Traceback (most recent call last):
    ...
    monoverify.errors.InvalidValue: b must have shape (2,) to match A of shape (2, 3), got b of shape (3,)
    """
    try:
        A = np.asarray(A, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        raise InvalidValue(f"A and b must be arrays of real numbers, got A={A!r}, b={b!r}") from None
    ndim = (2, 3) if stacked else (2,)
    if A.ndim not in ndim or 0 in A.shape:
        want = "(m, n) or (P, m, n)" if stacked else "(m, n)"
        raise InvalidValue(f"A must be a non-empty matrix of shape {want}, got A of shape {A.shape}")
    if b.shape != A.shape[:-1]:
        raise InvalidValue(f"b must have shape {A.shape[:-1]} to match A of shape {A.shape}, got b of shape {b.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
        raise InvalidValue("A and b must be finite (got NaN or infinite entries)")
    return A, b


def _linprog(*args: Any, **kw: Any):
    from scipy.optimize import linprog

    return linprog(*args, method="highs", **kw)


@dataclass(frozen=True)
class BasisPursuit:
    """The minimisers of ``min ||w||_1 s.t. A w = b`` (see the module docstring).

    Attributes
    ----------
    A, b : numpy.ndarray
    w : numpy.ndarray, shape (n,)
        One minimiser (the unique one when ``unique``), polished: ``w_T`` solves ``A_T w_T = b`` by
        least squares when ``A_T`` has full column rank.
    value : float
        ``min ||w||_1``.
    support : numpy.ndarray of bool, shape (n,)
        ``T``: the coordinates some minimiser uses; ``signs``: their signs (``+1``/``-1``; 0 off ``T``).
    unique : bool
        A single minimiser (``varrho < 1`` and ``A_T`` of full column rank).
    varrho : float
        ``min max_{j not in T} |a_j^T nu|`` over the dual certificates ``A_T^T nu = s_T`` (< 1).
    nu : numpy.ndarray, shape (m,)
        The certificate attaining ``varrho``.
    face_dim : int
        Dimension of the set of minimisers (``|T| - rank A_T``; 0 when unique).
    """

    A: np.ndarray
    b: np.ndarray
    w: np.ndarray
    value: float
    support: np.ndarray
    signs: np.ndarray
    unique: bool
    varrho: float
    nu: np.ndarray
    face_dim: int
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # -- the set of minimisers ---------------------------------------------------------------
    def _face(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(T indices, a point x0 >= 0 of the face in sign coordinates, null basis N)``:
        ``w_T = s_T * (x0 + N y)`` with ``x0 + N y >= 0``."""
        got = self._cache.get("face")
        if got is None:
            T = np.nonzero(self.support)[0]
            s = self.signs[T]
            M = self.A[:, T] * s                    # A_T diag(s): the face is {x >= 0 : M x = b}
            x0 = np.abs(self.w[T])
            _, sv, Vt = np.linalg.svd(M)
            rank = int(np.sum(sv > 1e-10 * max(1.0, sv[0])))
            got = self._cache["face"] = (T, x0, Vt[rank:].T)
        return got

    def distance(self, x: Any) -> Any:
        """Euclidean distance from ``x`` (shape ``(..., n)``) to the set of minimisers.

        Unique minimiser: ``||x - w||``. Otherwise ``||x_{T^c}||^2`` plus the squared distance of
        ``x_T`` to the face polytope, a small QP in the face's null-space coordinates (SLSQP, started at
        the projection of the relative-interior point).
        """
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != self.w.shape:
            raise InvalidValue(f"x must have shape (..., {self.w.size}), got shape {x.shape}")
        if self.unique:
            return np.linalg.norm(x - self.w, axis=-1)
        flat = x.reshape(-1, x.shape[-1])
        out = np.array([self._face_distance(r) for r in flat])
        return out.reshape(x.shape[:-1]) if x.ndim > 1 else float(out[0])

    def project(self, x: Any) -> np.ndarray:
        """The nearest minimiser to ``x`` (shape ``(..., n)``): the Euclidean projection onto the set of minimisers."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != self.w.shape:
            raise InvalidValue(f"x must have shape (..., {self.w.size}), got shape {x.shape}")
        if self.unique:
            return np.broadcast_to(self.w, x.shape).copy()
        flat = x.reshape(-1, x.shape[-1])
        return np.stack([self._face_projection(r) for r in flat]).reshape(x.shape)

    def _face_distance(self, x: np.ndarray) -> float:
        return float(np.linalg.norm(x - self._face_projection(x)))

    def _face_projection(self, x: np.ndarray) -> np.ndarray:
        from scipy.optimize import minimize

        T, x0, N = self._face()
        s = self.signs[T]
        target = s * x[T] - x0                    # in sign coordinates, relative to x0
        out = np.zeros_like(x)
        if N.shape[1] == 0:
            out[T] = s * x0
            return out
        y0 = N.T @ target

        def f(y: np.ndarray) -> tuple[float, np.ndarray]:
            r = N @ y - target
            return float(r @ r), 2 * (N.T @ r)

        cons = {"type": "ineq", "fun": lambda y: x0 + N @ y, "jac": lambda y: N}
        start = y0 if np.all(x0 + N @ y0 >= 0) else np.zeros_like(y0)
        res = minimize(f, start, jac=True, constraints=[cons], method="SLSQP", options={"ftol": 1e-20, "maxiter": 500})
        out[T] = s * np.maximum(x0 + N @ res.x, 0.0)
        return out

    def select(self, depth: int) -> np.ndarray:
        """The minimiser the depth-``depth`` gradient flow selects as ``alpha -> 0`` (:func:`selection_rule`)."""
        D = _check_depth(depth)
        key = ("select", D)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self.w.copy() if self.unique else _select(self, D)
        return got.copy()


def _check_depth(depth: Any) -> int:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 2:
        raise InvalidValue(f"depth must be an integer >= 2, got depth={depth!r}")
    return int(depth)


def selection_rule(depth: int) -> str:
    """The rule the depth-``D`` flow follows among the minimisers as ``alpha -> 0`` [derived, see
    :mod:`monoverify.operators.dln`]: the potential of the flow is ``||w||_1 + eps(alpha) R_D(w) + o(eps)``
    with ``R_2 = sum |w_i| log |w_i|`` (``eps = 1/log(1/alpha^2)``) and ``R_D = -(D/2) sum |w_i|^(2/D)``
    (``eps = alpha^(D-2)``) for ``D >= 3``, so on the set of minimisers (where ``||w||_1`` is constant) the
    flow minimises ``R_D``.

    >>> selection_rule(2), selection_rule(3)
    ('argmin sum |w_i| log |w_i|', 'argmax sum |w_i|^(2/3)')
    """
    D = _check_depth(depth)
    return "argmin sum |w_i| log |w_i|" if D == 2 else f"argmax sum |w_i|^(2/{D})"


def _select(bp: BasisPursuit, D: int) -> np.ndarray:
    """Minimise the strictly convex ``R_D`` over the face: Newton in the null-space coordinates ``x = x0 + N y``,
    damped to stay in ``x > 0`` (the minimiser is interior: ``R_D'`` is ``-inf``/``+inf`` at 0)."""
    T, x0, N = bp._face()
    # a strictly interior starting point: the average of the coordinate maximisers of the face
    x = bp._cache.get("interior", x0).copy()
    if N.shape[1] == 0:
        out = np.zeros_like(bp.w)
        out[T] = bp.signs[T] * x
        return out
    q = 2.0 / D

    def grad_hess(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        if D == 2:
            return np.log(x) + 1, 1 / x, float(np.sum(x * np.log(x)))
        return -q * x ** (q - 1), -q * (q - 1) * x ** (q - 2), float(-np.sum(x ** q))

    y = np.zeros(N.shape[1])
    base = x.copy()
    for _ in range(200):
        x = base + N @ y
        g, h, f0 = grad_hess(x)
        gy = N.T @ g
        Hy = (N.T * h) @ N
        step = -np.linalg.solve(Hy, gy)
        if np.linalg.norm(gy) <= 1e-14 * (1 + np.linalg.norm(g)):
            break
        t = 1.0
        dx = N @ step
        neg = dx < 0
        if np.any(neg):
            t = min(1.0, 0.99 * float(np.min(-x[neg] / dx[neg])))
        while t > 1e-16:
            xn = x + t * dx
            if np.all(xn > 0) and grad_hess(xn)[2] <= f0 + 1e-4 * t * float(gy @ step) + 1e-15 * abs(f0):
                break
            t /= 2
        y = y + t * step
        if t * np.linalg.norm(step) <= 1e-16 * (1 + np.linalg.norm(y)):
            break
    out = np.zeros_like(bp.w)
    out[T] = bp.signs[T] * (base + N @ y)
    return out


def basis_pursuit(A: Any, b: Any, *, tol: float = 1e-9) -> BasisPursuit:
    """Solve basis pursuit and describe its set of minimisers (see the module docstring).

    Parameters
    ----------
    A : array_like, shape (m, n)
    b : array_like, shape (m,)
    tol : float
        Relative threshold below which LP values count as zero (support detection).

    Raises
    ------
    InvalidValue
        Bad shapes or values, or an infeasible system ``A w = b``.
    """
    A, b = check_problem(A, b)
    m, n = A.shape
    scale = max(1.0, float(np.abs(b).max()))
    res = _linprog(np.ones(2 * n), A_eq=np.hstack([A, -A]), b_eq=b, bounds=(0, None))
    if res.status != 0:
        raise InvalidValue(f"basis pursuit: A w = b has no solution for A of shape {A.shape} ({res.message})")
    value = float(res.fun)
    w0 = res.x[:n] - res.x[n:]
    S0 = np.abs(w0) > tol * scale
    support, signs = S0, np.sign(w0) * S0
    rank = np.linalg.matrix_rank(A[:, S0]) if S0.any() else 0
    varrho, nu = _certificate(A, support, signs)
    unique = bool(rank == S0.sum() and varrho < 1 - 1e-7)
    interior = w0
    if not unique:
        support, signs, interior = _face_support(A, b, value, tol * scale)
        varrho, nu = _certificate(A, support, signs)
        rank = np.linalg.matrix_rank(A[:, support])
    w = np.where(support, w0, 0.0)
    if support.any() and rank == support.sum():
        w[support] = np.linalg.lstsq(A[:, support], b, rcond=None)[0]
    cache = {"interior": np.abs(interior[support])}
    out = BasisPursuit(A, b, w, value, support, signs, unique, varrho, nu, int(support.sum() - rank), cache)
    return out


def _certificate(A: np.ndarray, T: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray]:
    """``min t`` s.t. ``A_T^T nu = s_T``, ``|A_{T^c}^T nu| <= t`` (an LP in ``(nu, t)``)."""
    m, n = A.shape
    Tc = ~T
    if not Tc.any():
        return 0.0, np.zeros(m)
    k = int(Tc.sum())
    G = A[:, Tc].T
    A_ub = np.vstack([np.c_[G, -np.ones(k)], np.c_[-G, -np.ones(k)]])
    A_eq = np.c_[A[:, T].T, np.zeros(int(T.sum()))] if T.any() else None
    res = _linprog(np.r_[np.zeros(m), 1.0], A_ub=A_ub, b_ub=np.zeros(2 * k), A_eq=A_eq,
                   b_eq=s[T] if T.any() else None, bounds=[(None, None)] * m + [(0, None)])
    if res.status != 0:   # no certificate: cannot happen for an optimal support (LP duality)
        return float("inf"), np.full(m, np.nan)
    return float(res.x[-1]), res.x[:m]


def _face_support(A: np.ndarray, b: np.ndarray, value: float, zero: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Support and signs of the optimal face, and a relative-interior minimiser.

    One LP first: over the face, maximise ``sum_j t_j`` with ``0 <= t_j <= p_j + q_j`` and ``t_j <= eps``
    (a point with every usable coordinate ``>= eps`` exists for small ``eps``: the average of the
    coordinate maximisers); its support is accepted when the certificate LP proves it maximal
    (``varrho < 1``, Goldman-Tucker). Otherwise ``2 n`` LPs maximise each of ``p_j``, ``q_j`` over the face.
    """
    m, n = A.shape
    eps = 1e-6 * max(value, 1e-300)
    A_face = np.vstack([np.hstack([A, -A]), np.ones((1, 2 * n))])
    b_face = np.r_[b, value]
    A_eq = np.hstack([A_face, np.zeros((m + 1, n))])
    A_ub = np.hstack([-np.eye(n), -np.eye(n), np.eye(n)])          # t_j <= p_j + q_j
    res = _linprog(np.r_[np.zeros(2 * n), -np.ones(n)], A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=b_face,
                   bounds=[(0, None)] * (2 * n) + [(0, eps)] * n)
    if res.status == 0:
        p, q = res.x[:n], res.x[n:2 * n]
        support = res.x[2 * n:] > eps / 2
        if not np.any(support & (p > eps / 4) & (q > eps / 4)):
            signs = np.where(support, np.sign(p - q), 0.0)
            if _certificate(A, support, signs)[0] < 1 - 1e-7:
                return support, signs, p - q
    pts, hi = [], np.zeros(2 * n)
    for j in range(2 * n):
        c = np.zeros(2 * n)
        c[j] = -1.0
        res = _linprog(c, A_eq=A_face, b_eq=b_face, bounds=(0, None))
        if res.status == 0:
            hi[j] = -res.fun
            pts.append(res.x)
    pq = np.mean(pts, axis=0)
    p, q = hi[:n] > zero, hi[n:] > zero
    if np.any(p & q):
        raise InvalidValue("basis pursuit: inconsistent signs on the optimal face (numerical trouble)")
    support = p | q
    signs = np.where(p, 1.0, np.where(q, -1.0, 0.0))
    return support, signs, pq[:n] - pq[n:]
