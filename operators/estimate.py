"""Certified one-sided numerical estimates of ``L`` and ``rho`` with witness points.

:func:`estimate_constants` searches a region (by default the operator's constraint set) for the
points that make an operator look worst, and reports what it finds as **one-sided bounds that are
attained by explicit witness points** (so they hold whatever the search misses):

* ``L``: a *lower* bound on the Lipschitz constant on the region, ``||dF(z)||_2`` at a witness point
  ``z`` (when ``op.jacobian`` exists), else a difference quotient ``||Fz - Fz'||/||z - z'||`` at a
  witness pair.
* ``rho``: an *upper* bound on the comonotonicity constant ``inf <dF, dz>/||dF||^2`` over pairs in
  the region (SPEC §1.2), the quotient of an explicit witness pair. The Jacobian's local quotient
  ``lambda_min(sym(dF(z)^{-1}))`` (the limit of pairs shrinking onto ``z``, SPEC §2.1) is used to
  find candidates, which are then turned into actual nearby pairs and re-evaluated.
* ``rho_weak_mvi``: an *upper* bound on ``min_{z in region, Fz != 0} <Fz, z - z*>/||Fz||^2`` relative
  to ``op.solution`` (the quantity of SPEC §6 for the nonlinear examples), at a witness point.

The search is global on small problems: many seeded random samples (uniform in a box, ball or
simplex; corners of small boxes are added), then multi-start local refinement with SciPy's
``SLSQP`` (box bounds, or the ball / simplex constraints; analytic gradients of the quotients from
``op.jacobian``). The same seed gives the same result. On a region without interior (the simplex)
only explicit pairs are used: there ``sup ||dF||_2`` may exceed the Lipschitz constant of ``F``
restricted to the region.

Examples
--------
>>> from monoverify.operators import LowerBoundGame
>>> est = estimate_constants(LowerBoundGame(-0.1, 1.0), seed=0)
>>> round(est.L, 9), round(est.rho, 9), round(est.rho_weak_mvi, 9)
(1.0, -0.1, -0.1)
>>> est.L_witness.shape, est.rho_witness.shape
((1, 2), (2, 2))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from monoverify.arrays import to_numpy
from .sets import Ball, Box, Set, Simplex

__all__ = ["ConstantsEstimate", "estimate_constants", "pair_quotient", "weak_mvi_ratio", "jacobian_norm"]

_JAC_BUDGET = 4_000_000  # max number of Jacobian entries held at once (memory / time guard)


# --------------------------------------------------------------------------------------------
# the quantities (vectorised, NumPy float64)
# --------------------------------------------------------------------------------------------
_EPS = float(np.finfo(float).eps)


def _F(op: Any, Z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(to_numpy(op.F(np.asarray(Z, dtype=float))), dtype=float)


def _norm(X: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(X * X, axis=-1))


def jacobian_norm(op: Any, Z: Any) -> np.ndarray:
    """``||dF(z)||_2`` for every row of ``Z`` (shape ``(..., dim)`` -> ``(...)``).

    >>> from monoverify.operators import LinearOperator
    >>> jacobian_norm(LinearOperator([[3.0, 0.0], [0.0, 1.0]]), np.zeros((2, 2)))
    array([3., 3.])
    """
    J = np.asarray(op.jacobian(np.asarray(Z, dtype=float)), dtype=float)
    with np.errstate(all="ignore"):
        if J.shape[-1] == 2 and J.shape[-2] == 2:
            p, q, r, s = J[..., 0, 0], J[..., 0, 1], J[..., 1, 0], J[..., 1, 1]
            fro2 = p * p + q * q + r * r + s * s
            det = p * s - q * r
            return np.sqrt(0.5 * (fro2 + np.sqrt(np.maximum(fro2 * fro2 - 4.0 * det * det, 0.0))))
        return np.linalg.norm(J, 2, axis=(-2, -1))


def pair_quotient(op: Any, P: Any, Q: Any) -> np.ndarray:
    """``<Fq - Fp, q - p>/||Fq - Fp||^2`` row by row (``+inf`` where ``Fq = Fp``).

    >>> from monoverify.operators import LinearOperator
    >>> pair_quotient(LinearOperator([[1.0, 2.0], [-2.0, 1.0]]), np.zeros(2), np.array([1.0, 0.0]))
    array(0.2)
    """
    return _pair_stats(op, P, Q, 0.0)[0]


def weak_mvi_ratio(op: Any, Z: Any, zstar: Any) -> np.ndarray:
    """``<Fz, z - z*>/||Fz||^2`` row by row (``+inf`` where ``Fz = 0``).

    >>> from monoverify.operators import LinearOperator
    >>> weak_mvi_ratio(LinearOperator([[1.0, 2.0], [-2.0, 1.0]]), np.array([0.0, 3.0]), np.zeros(2))
    array(0.2)
    """
    return _mvi_stats(op, Z, zstar, 0.0)[0]


def _pair_stats(op: Any, P: Any, Q: Any, L_ref: float):
    """Quotient, rounding margin, ``||dF||`` and ``||dz||`` of the pairs ``(P, Q)``.

    The margin is a first-order bound on the floating-point error of the computed quotient,
    assuming each computed ``F(z)`` is within ``(dim + 8) eps (||Fz|| + L sqrt(dim) ||z||)`` of the
    exact value (what a matrix-vector product or a short polynomial achieves).
    """
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    P, Q = np.broadcast_arrays(P, Q)
    dim = P.shape[-1]
    FPQ = _F(op, np.stack([P, Q]))
    FP, FQ = FPQ[0], FPQ[1]
    dF, dz = FQ - FP, Q - P
    num = np.sum(dF * dz, axis=-1)
    den = np.sum(dF * dF, axis=-1)
    nF, ndz = np.sqrt(den), _norm(dz)
    with np.errstate(all="ignore"):
        ok = (den > 0) & np.isfinite(num) & np.isfinite(den)
        safe = np.where(ok, den, 1.0)
        q = np.where(ok, num / safe, np.inf)
        aq = np.where(ok, np.abs(q), 0.0)
        eta = (dim + 8) * _EPS * (_norm(FP) + _norm(FQ) + L_ref * math.sqrt(dim) * (_norm(P) + _norm(Q)))
        eta = eta + 2 * _EPS * (_norm(P) + _norm(Q)) * nF  # dz
        margin = np.where(ok, (eta * (ndz + 2 * aq * nF) + 2 * dim * _EPS * nF * ndz) / safe + 4 * _EPS * aq, np.inf)
    return q, margin, nF, ndz


def _mvi_stats(op: Any, Z: Any, zstar: Any, L_ref: float):
    """Weak-MVI ratio, rounding margin (as in :func:`_pair_stats`), ``||Fz||`` and ``||z - z*||``."""
    Z = np.asarray(Z, dtype=float)
    zs = np.asarray(zstar, dtype=float)
    dim = Z.shape[-1]
    Fz = _F(op, Z)
    d = Z - zs
    num = np.sum(Fz * d, axis=-1)
    den = np.sum(Fz * Fz, axis=-1)
    nF, nd = np.sqrt(den), _norm(d)
    with np.errstate(all="ignore"):
        ok = (den > 0) & np.isfinite(num) & np.isfinite(den)
        safe = np.where(ok, den, 1.0)
        r = np.where(ok, num / safe, np.inf)
        ar = np.where(ok, np.abs(r), 0.0)
        eta = (dim + 8) * _EPS * (nF + L_ref * math.sqrt(dim) * _norm(Z))
        err_d = 2 * _EPS * (_norm(Z) + _norm(zs))
        margin = np.where(ok, (eta * (nd + 2 * ar * nF) + err_d * nF + 2 * dim * _EPS * nF * nd) / safe + 4 * _EPS * ar,
                          np.inf)
    return r, margin, nF, nd


def _lip_quotient(op: Any, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    P, Q = np.broadcast_arrays(P, Q)
    FPQ = _F(op, np.stack([P, Q]))
    dF, dz = FPQ[1] - FPQ[0], Q - P
    nz = _norm(dz)
    with np.errstate(all="ignore"):
        v = np.where(nz > 0, _norm(dF) / np.where(nz > 0, nz, 1.0), -np.inf)
    return np.where(np.isfinite(v), v, -np.inf)


def _lip_margin(op: Any, P: np.ndarray, Q: np.ndarray, L_ref: float) -> np.ndarray:
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    dim = P.shape[-1]
    FPQ = _F(op, np.stack(np.broadcast_arrays(P, Q)))
    nz = _norm(Q - P)
    eta = (dim + 8) * _EPS * (_norm(FPQ[0]) + _norm(FPQ[1]) + L_ref * math.sqrt(dim) * (_norm(P) + _norm(Q)))
    with np.errstate(all="ignore"):
        return np.where(nz > 0, eta / np.where(nz > 0, nz, 1.0) + 4 * _EPS * L_ref, np.inf)


def _local_quotient(J: np.ndarray, smin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise ``min_d <J d, d>/||J d||^2 = lambda_min(sym(J^{-1}))`` and a minimising unit ``d``.

    Jacobians with smallest singular value ``<= smin`` (or not finite) give ``+inf`` (skipped).
    """
    fin = np.all(np.isfinite(J), axis=(-2, -1))
    Jf = np.where(fin[..., None, None], J, 0.0)
    s = np.linalg.svd(Jf, compute_uv=False)
    ok = fin & (s[..., -1] > smin) & (s[..., -1] > 1e-12 * s[..., 0])
    vals = np.full(J.shape[:-2], np.inf)
    dirs = np.zeros(J.shape[:-1])
    if np.any(ok):
        Ji = np.linalg.inv(Jf[ok])
        S = 0.5 * (Ji + np.swapaxes(Ji, -1, -2))
        w, V = np.linalg.eigh(S)
        vals[ok] = w[..., 0]
        d = np.einsum("...ij,...j->...i", Ji, V[..., :, 0])
        dirs[ok] = d / _norm(d)[..., None]
    return vals, dirs


# --------------------------------------------------------------------------------------------
# regions
# --------------------------------------------------------------------------------------------
class _Region:
    """A compact convex search region: ``box`` (lo, hi), ``ball`` (center, radius) or ``simplex``."""

    def __init__(self, kind: str, dim: int, *, lo=None, hi=None, center=None, radius=None, set_: Set | None = None):
        self.kind, self.dim = kind, dim
        self.lo, self.hi = lo, hi
        self.center, self.radius = center, radius
        if kind == "box":
            self.center = 0.5 * (lo + hi)
            self.scale = float(np.max(hi - lo)) / 2 or 1.0
            self.set = set_ if set_ is not None else Box(lo, hi)
        elif kind == "ball":
            self.scale = float(radius)
            self.set = set_ if set_ is not None else Ball(radius, dim, center=center)
        else:
            self.center = np.full(dim, 1.0 / dim)
            self.scale = 1.0
            self.set = set_ if set_ is not None else Simplex(dim)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        d = self.dim
        if self.kind == "box":
            return self.lo + (self.hi - self.lo) * rng.random((n, d))
        if self.kind == "ball":
            g = rng.standard_normal((n, d))
            g /= np.linalg.norm(g, axis=-1, keepdims=True)
            return self.center + self.radius * g * rng.random((n, 1)) ** (1.0 / d)
        return rng.dirichlet(np.ones(d), size=n)

    def special_points(self) -> np.ndarray:
        """Points where extrema of smooth functions often sit: centre, box corners, ball poles."""
        pts = [self.center[None, :]]
        d = self.dim
        if self.kind == "box" and d <= 10:
            bits = ((np.arange(2**d)[:, None] >> np.arange(d)) & 1).astype(bool)
            pts.append(np.where(bits, self.hi, self.lo))
        elif self.kind == "ball":
            E = np.eye(d) * self.radius
            pts.extend([self.center + E, self.center - E])
        elif self.kind == "simplex":
            pts.append(np.eye(d))
        return np.concatenate(pts, axis=0)

    def project(self, Z: np.ndarray) -> np.ndarray:
        Z = np.asarray(Z, dtype=float)
        if self.kind == "box":
            return np.clip(Z, self.lo, self.hi)
        if self.kind == "ball":
            D = Z - self.center
            nrm = np.linalg.norm(D, axis=-1, keepdims=True)
            out = self.center + D / np.maximum(1.0, nrm / self.radius)
            # rounding can leave |out - c| a few ulps above R: pull such points in
            over = np.linalg.norm(out - self.center, axis=-1, keepdims=True) > self.radius
            return np.where(over, self.center + (out - self.center) * (1 - 4 * np.finfo(float).eps), out)
        return np.asarray(to_numpy(self.set.prox(Z)), dtype=float)

    def minimize(self, fun: Callable[[np.ndarray], Any], x0: np.ndarray, k: int, maxiter: int,
                 jac: bool = False) -> np.ndarray:
        """Locally minimise ``fun`` over ``k`` points of the region (variables concatenated).

        With ``jac=True``, ``fun`` returns ``(value, gradient)``; otherwise the value (or a tuple
        whose first entry is the value) and SciPy differences it.
        """
        from scipy.optimize import minimize

        if not jac:
            f0 = fun
            fun = lambda x: (lambda r: r[0] if isinstance(r, tuple) else r)(f0(x))  # noqa: E731
        d = self.dim
        if self.kind == "box":
            # SLSQP rather than L-BFGS-B: on these tiny problems L-BFGS-B's BLAS calls dominate and
            # slow down tenfold when OpenBLAS threads compete for a loaded machine
            bounds = list(zip(np.tile(self.lo, k), np.tile(self.hi, k)))
            res = minimize(fun, x0, jac=jac or None, method="SLSQP", bounds=bounds,
                           options={"maxiter": maxiter, "ftol": 1e-15})
        elif self.kind == "ball":
            R2 = self.radius**2
            cons = [{"type": "ineq", "fun": (lambda x, i=i: R2 - np.sum((x[i * d:(i + 1) * d] - self.center) ** 2)),
                     "jac": (lambda x, i=i: _ball_jac(x, i, d, self.center))} for i in range(k)]
            res = minimize(fun, x0, jac=jac or None, method="SLSQP", constraints=cons,
                           options={"maxiter": maxiter, "ftol": 1e-15})
        else:
            cons = [{"type": "eq", "fun": (lambda x, i=i: np.sum(x[i * d:(i + 1) * d]) - 1.0)} for i in range(k)]
            res = minimize(fun, x0, jac=jac or None, method="SLSQP", constraints=cons, bounds=[(0.0, 1.0)] * (k * d),
                           options={"maxiter": maxiter, "ftol": 1e-15})
        x = np.asarray(res.x, dtype=float)
        return self.project(x.reshape(k, d)).ravel() if np.all(np.isfinite(x)) else np.asarray(x0, dtype=float)

    def describe(self) -> str:
        if self.kind == "box":
            return repr(Box(self.lo, self.hi)) if not isinstance(self.set, Box) else repr(self.set)
        return repr(self.set)


def _ball_jac(x: np.ndarray, i: int, d: int, c: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    g[i * d:(i + 1) * d] = -2.0 * (x[i * d:(i + 1) * d] - c)
    return g


def _make_region(op: Any, region: Any, radius: float | None) -> _Region:
    # Duck-typed on the set's class name and attributes, so that sets from another import of this
    # package (e.g. ``operators.sets`` vs ``monoverify.operators.sets`` under doctest) still work.
    dim = int(op.dim)
    if region is None:
        region = op.constraint
    if isinstance(region, tuple) and len(region) == 2:
        region = Box(region[0], region[1], dim=dim)
    kind = type(region).__name__
    if kind not in ("Whole", "L1", "Box", "Ball", "Simplex") or not hasattr(region, "prox"):
        raise TypeError(f"region must be a Box, Ball, Simplex or Whole (or L1, searched as the whole space), "
                        f"a (lo, hi) tuple or None; got {region!r}")
    if region.dim != dim:
        raise ValueError(f"region has dim {region.dim}, operator {getattr(op, 'name', op)} has dim {dim}")
    if radius is None:
        sol = getattr(op, "solution", None)
        radius = max(1.0, 2.0 * float(np.max(np.abs(to_numpy(sol))))) if sol is not None and np.size(sol) else 1.0
    radius = float(radius)
    if not (math.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be finite and > 0, got radius={radius!r}")
    if kind in ("Whole", "L1"):
        return _Region("box", dim, lo=np.full(dim, -radius), hi=np.full(dim, radius))
    if kind == "Box":
        lo, hi = np.asarray(region.lo, dtype=float), np.asarray(region.hi, dtype=float)
        finite = bool(np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)))
        lo = np.where(np.isfinite(lo), lo, -radius)
        hi = np.where(np.isfinite(hi), hi, radius)
        if np.any(lo > hi):
            raise ValueError(f"the box {region!r} with infinite bounds cut at +-radius={radius} is empty")
        return _Region("box", dim, lo=lo, hi=hi, set_=region if finite else None)
    if kind == "Ball":
        return _Region("ball", dim, center=np.asarray(region.center, dtype=float).copy(), radius=float(region.radius),
                       set_=region)
    return _Region("simplex", dim, set_=region)


def _pick_starts(X: np.ndarray, vals: np.ndarray, k: int, min_sep: float) -> list[int]:
    """Indices of the ``k`` best (smallest) finite values, greedily spread at least ``min_sep`` apart."""
    order = np.argsort(vals, kind="stable")
    order = order[np.isfinite(vals[order])]
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= k:
            break
        if all(np.linalg.norm(X[i] - X[j]) >= min_sep for j in chosen):
            chosen.append(int(i))
    for i in order:  # not enough well-separated points: fill with the next best
        if len(chosen) >= k:
            break
        if int(i) not in chosen:
            chosen.append(int(i))
    return chosen


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConstantsEstimate:
    """Result of :func:`estimate_constants`: one-sided bounds with the points that attain them.

    Each bound is the value of its quantity at the witness, computed in float64
    (``*_attained``), moved by a first-order bound on that computation's rounding error towards
    the safe side (``L = L_attained - margin``, ``rho = rho_attained + margin``). The margins are
    ~1e-14 relative for well-separated witnesses and grow like ``1/||q - p||`` for close pairs
    (~1e-8 on PolarGame, whose pairwise infimum is approached by shrinking pairs).

    Attributes
    ----------
    L : float
        Lower bound on the Lipschitz constant of ``F`` on ``region``.
    L_attained : float
        ``||dF(z)||_2`` at the witness point (``L_method == "jacobian"``, ``L_witness`` of shape
        ``(1, dim)``) or ``||Fq - Fp||/||q - p||`` at the witness pair (``"difference-quotient"``,
        shape ``(2, dim)``).
    L_witness : numpy.ndarray
    L_method : str
    rho : float
        Upper bound on the comonotonicity constant ``inf <dF, dz>/||dF||^2`` over pairs of
        ``region``.
    rho_attained : float
        The quotient of the witness pair ``rho_witness`` (shape ``(2, dim)``, rows ``p``, ``q``).
    rho_witness : numpy.ndarray
    rho_local : float or None
        Smallest Jacobian local quotient ``lambda_min(sym(dF(z)^{-1}))`` found: the limit of the
        quotients of pairs shrinking onto ``z`` (informational; ``rho`` is the attained value of an
        actual pair near it or elsewhere).
    rho_local_witness : numpy.ndarray or None
        ``(z, d)``: the point and the unit direction of the limiting pairs ``z +- h d``.
    rho_weak_mvi : float or None
        Upper bound on ``min_{z in region, Fz != 0} <Fz, z - z*>/||Fz||^2`` with ``z* = op.solution``;
        ``None`` when ``op.solution`` is ``None``.
    rho_weak_mvi_attained : float or None
        The ratio at ``rho_weak_mvi_witness`` (shape ``(dim,)``).
    rho_weak_mvi_witness : numpy.ndarray or None
    solution : numpy.ndarray or None
        The ``z*`` used.
    region : str
        The searched region.
    seed, n_samples, n_starts : int
        Search settings (the same settings give the same result).
    """

    L: float
    L_attained: float
    L_witness: np.ndarray
    L_method: str
    rho: float
    rho_attained: float
    rho_witness: np.ndarray
    rho_local: float | None
    rho_local_witness: np.ndarray | None
    rho_weak_mvi: float | None
    rho_weak_mvi_attained: float | None
    rho_weak_mvi_witness: np.ndarray | None
    solution: np.ndarray | None
    region: str
    seed: int | None
    n_samples: int
    n_starts: int
    details: dict = field(default_factory=dict, repr=False, compare=False)

    def check(self, op: Any, rtol: float = 1e-12) -> bool:
        """Re-evaluate each quantity at its witness: it must equal ``*_attained`` (to ``rtol``), and
        each bound must lie on its safe side of the attained value (``L <= L_attained``,
        ``rho >= rho_attained``, ``rho_weak_mvi >= rho_weak_mvi_attained``).

        >>> from monoverify.operators import LowerBoundGame
        >>> op = LowerBoundGame(-0.2, 2.0)
        >>> estimate_constants(op, n_samples=500, n_starts=2).check(op)
        True
        """
        def close(a: float, b: float) -> bool:
            return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))

        if self.L_method == "jacobian":
            v = float(jacobian_norm(op, self.L_witness[0]))
        else:
            v = float(_lip_quotient(op, self.L_witness[0], self.L_witness[1]))
        ok = close(v, self.L_attained) and self.L <= self.L_attained
        v = float(pair_quotient(op, self.rho_witness[0], self.rho_witness[1]))
        ok = ok and close(v, self.rho_attained) and self.rho >= self.rho_attained
        if self.rho_weak_mvi is not None:
            v = float(weak_mvi_ratio(op, self.rho_weak_mvi_witness, self.solution))
            ok = ok and close(v, self.rho_weak_mvi_attained) and self.rho_weak_mvi >= self.rho_weak_mvi_attained
        return bool(ok)

    def as_dict(self) -> dict:
        """JSON-ready summary."""
        arr = lambda a: None if a is None else np.asarray(a).tolist()  # noqa: E731
        return {
            "L": self.L, "L_attained": self.L_attained, "L_witness": arr(self.L_witness), "L_method": self.L_method,
            "rho": self.rho, "rho_attained": self.rho_attained, "rho_witness": arr(self.rho_witness),
            "rho_local": self.rho_local, "rho_local_witness": arr(self.rho_local_witness),
            "rho_weak_mvi": self.rho_weak_mvi, "rho_weak_mvi_attained": self.rho_weak_mvi_attained,
            "rho_weak_mvi_witness": arr(self.rho_weak_mvi_witness),
            "solution": arr(self.solution), "region": self.region, "seed": self.seed,
            "n_samples": self.n_samples, "n_starts": self.n_starts,
        }


# --------------------------------------------------------------------------------------------
# the search
# --------------------------------------------------------------------------------------------
_BIG = 1e300


def estimate_constants(
    op: Any,
    region: Any = None,
    seed: int | None = 0,
    n_samples: int = 20_000,
    n_starts: int = 8,
    *,
    radius: float | None = None,
    maxiter: int = 200,
    min_ratio: float = 1e-7,
) -> ConstantsEstimate:
    """Certified one-sided estimates of ``L`` (lower bound) and ``rho`` (upper bounds) of ``op``.

    Parameters
    ----------
    op : Operator
        The operator (``op.F`` on ``(n, dim)`` NumPy arrays; ``op.jacobian`` used when available).
    region : Set or (lo, hi) tuple, optional
        Where to search; default ``op.constraint``. ``Box`` and ``Ball`` are sampled uniformly,
        ``Simplex`` by a flat Dirichlet law. ``Whole`` (and the regulariser ``L1``, whose domain is
        the whole space) is replaced by the box ``[-radius, radius]^dim``, and infinite box bounds
        by ``+-radius``.
    seed : int or None
        Seed of the random sampling (the result is reproducible for a given seed).
    n_samples : int
        Number of random points, and of random pairs (half independent, half at log-uniform
        distances ``1e-3..1`` times the region's half-width). Operators with large Jacobians
        evaluate at most ``4e6/dim^2`` Jacobians; a linear operator (``op.is_linear``) evaluates
        its constant Jacobian once and skips the refinements that cannot improve on it.
    n_starts : int
        Number of local refinements per quantity, started from the best well-separated samples
        (``SLSQP`` with the region's bounds or constraints; analytic gradients of the quotients
        from ``op.jacobian`` when it exists).
    radius : float, optional
        Half-width of the box replacing an unbounded region; default ``max(1, 2 max|z*|)`` from
        ``op.solution`` (``1`` without a solution).
    maxiter : int
        Iteration limit of each local refinement.
    min_ratio : float
        Pairs with ``||Fq - Fp|| < min_ratio * L * ||q - p||``, points with
        ``||Fz|| < min_ratio * L * ||z - z*||`` and Jacobians with smallest singular value below
        ``min_ratio * L`` are ignored in the ``rho`` searches, so that no reported quotient is
        dominated by rounding. The reported values stay upper bounds (each is attained); if the
        true infimum is ``-oo`` the report is a finite upper bound of order ``-1/(min_ratio L)``.

    Returns
    -------
    ConstantsEstimate
        ``L <= true L``, ``true rho <= rho`` and ``true weak-MVI rho <= rho_weak_mvi`` on the
        region, each attained at witness points (see :class:`ConstantsEstimate`).

    Examples
    --------
    >>> from monoverify.operators import PolarGame
    >>> op = PolarGame(1)
    >>> est = estimate_constants(op)
    >>> abs(est.rho_weak_mvi - float(op.rho)) < 1e-9, abs(est.L - float(op.L)) < 1e-9
    (True, True)
    >>> est.rho_weak_mvi >= float(op.rho), est.L <= float(op.L)
    (True, True)
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got n_samples={n_samples!r}")
    if isinstance(n_starts, bool) or not isinstance(n_starts, (int, np.integer)) or n_starts < 0:
        raise ValueError(f"n_starts must be an integer >= 0, got n_starts={n_starts!r}")
    if not (isinstance(min_ratio, (int, float)) and 0 <= min_ratio < 1):
        raise ValueError(f"min_ratio must be in [0, 1), got min_ratio={min_ratio!r}")
    n_samples, n_starts = int(n_samples), int(n_starts)
    reg = _make_region(op, region, radius)
    rng = np.random.default_rng(seed)
    dim = reg.dim
    linear = bool(getattr(op, "is_linear", False))
    has_jac = bool(getattr(op, "has_jacobian", False))
    # On a region without interior (the simplex) sup ||dF||_2 can exceed the Lipschitz constant of
    # F restricted to it, and the local quotient's direction can leave it: use pairs only there.
    full_dim = reg.kind != "simplex"
    sep = 0.05 * reg.scale
    details: dict = {}

    def jac(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return np.asarray(op.jacobian(X), dtype=float).reshape(X.shape[:-1] + (dim, dim))

    if has_jac:
        try:
            jac(reg.center[None, :])
        except NotImplementedError:
            has_jac = False

    # ---------------- samples ----------------------------------------------------------------
    Z = np.concatenate([reg.special_points(), reg.sample(rng, n_samples)], axis=0)
    P = reg.sample(rng, n_samples)
    n_near = n_samples // 2
    U = rng.standard_normal((n_near, dim))
    U /= _norm(U)[:, None]
    H = reg.scale * 10.0 ** rng.uniform(-3, 0, size=(n_near, 1))
    Q = np.concatenate([reg.project(P[:n_near] + H * U), reg.sample(rng, n_samples - n_near)], axis=0)
    PQ = np.concatenate([P, Q], axis=1)

    # ---------------- L ----------------------------------------------------------------------
    J_samples = ZJ = None
    if has_jac and full_dim:
        ZJ = reg.center[None, :] if linear else Z[: max(1, min(len(Z), _JAC_BUDGET // (dim * dim)))]
        J_samples = jac(ZJ)
    if J_samples is not None:
        vals = jacobian_norm(op, ZJ)
        vals = np.where(np.isfinite(vals), vals, -np.inf)
        cands = [ZJ[int(np.argmax(vals))]]
        if not linear:
            obj = lambda x: -float(jacobian_norm(op, x.reshape(1, dim))[0])  # noqa: E731
            cands += [reg.minimize(obj, ZJ[i].copy(), 1, maxiter) for i in _pick_starts(ZJ, -vals, n_starts, sep)]
        C = np.stack(cands)
        cv = jacobian_norm(op, C)
        cv = np.where(np.isfinite(cv), cv, -np.inf)
        L_w = C[int(np.argmax(cv))].reshape(1, dim)
        L_att = float(jacobian_norm(op, L_w)[0])
        J_w = jac(L_w)[0]
        L_margin = (dim + 8) * _EPS * float(np.linalg.norm(J_w)) * 4
        L_method = "jacobian"
    else:
        vals = _lip_quotient(op, P, Q)
        cands = [PQ[int(np.argmax(vals))]]
        obj = lambda x: -float(_lip_quotient(op, x[:dim], x[dim:]))  # noqa: E731
        cands += [reg.minimize(obj, PQ[i].copy(), 2, maxiter) for i in _pick_starts(PQ, -vals, n_starts, sep)]
        C = np.stack(cands)
        cv = _lip_quotient(op, C[:, :dim], C[:, dim:])
        L_w = C[int(np.argmax(cv))].reshape(2, dim)
        L_att = float(_lip_quotient(op, L_w[0], L_w[1]))
        L_margin = float(_lip_margin(op, L_w[0], L_w[1], max(L_att, 0.0)))
        L_method = "difference-quotient"
    L_val = max(L_att - L_margin, 0.0) if math.isfinite(L_att) else L_att
    L_ref = L_att if math.isfinite(L_att) and L_att > 0 else 1.0

    # ---------------- rho (pairs) -------------------------------------------------------------
    def pair_bound(Pp: np.ndarray, Qq: np.ndarray) -> np.ndarray:
        """Guarded upper bound (quotient + margin) of pairs; +inf when rejected."""
        q, m, nF, ndz = _pair_stats(op, Pp, Qq, L_ref)
        ok = (ndz > 0) & (nF >= min_ratio * L_ref * ndz) & np.isfinite(q) & np.isfinite(m)
        return np.where(ok, q + m, np.inf)

    def pair_obj(x: np.ndarray):
        p, q = x[:dim], x[dim:]
        FPQ = _F(op, np.stack([p, q]))
        dF, dz = FPQ[1] - FPQ[0], q - p
        A, B = float(dF @ dz), float(dF @ dF)
        if not (B > 0 and math.isfinite(A) and math.isfinite(B)) or math.sqrt(B) < min_ratio * L_ref * float(_norm(dz)):
            return _BIG, np.zeros_like(x)
        val = A / B
        if not has_jac:
            return val, None
        Jp, Jq = jac(np.stack([p, q]))
        gq = (Jq.T @ dz + dF - val * 2.0 * (Jq.T @ dF)) / B
        gp = (-(Jp.T @ dz) - dF + val * 2.0 * (Jp.T @ dF)) / B
        return val, np.concatenate([gp, gq])

    pair_cands: list[np.ndarray] = []
    rho_local = rho_local_w = None
    if J_samples is not None:
        lq, ld = _local_quotient(J_samples, smin=min_ratio * L_ref)
        loc = []
        if np.any(np.isfinite(lq)):
            i0 = int(np.argmin(lq))
            loc.append((ZJ[i0], float(lq[i0]), ld[i0]))
        if not linear:
            def lobj(x: np.ndarray) -> float:
                v, _ = _local_quotient(jac(x.reshape(1, dim)), smin=min_ratio * L_ref)
                return float(v[0]) if math.isfinite(v[0]) else _BIG
            for i in _pick_starts(ZJ, lq, n_starts, sep):
                x = reg.minimize(lobj, ZJ[i].copy(), 1, maxiter)
                v, dd = _local_quotient(jac(x.reshape(1, dim)), smin=min_ratio * L_ref)
                if math.isfinite(v[0]):
                    loc.append((x, float(v[0]), dd[0]))
        loc.sort(key=lambda t: t[1])
        if loc:
            rho_local, rho_local_w = loc[0][1], np.stack([loc[0][0], loc[0][2]])
        # turn the best local candidates into actual pairs (centred / one-sided / shifted inwards)
        for z0, _, d in loc[:4]:
            for h in (1e-2, 1e-3, 1e-4, 1e-5):
                hh = h * reg.scale
                zc = z0 + min(1.0, 4.0 * h) * (reg.center - z0)
                for c, a, b in ((z0, -0.5, 0.5), (z0, 0.0, 1.0), (z0, -1.0, 0.0), (zc, -0.5, 0.5)):
                    pair_cands.append(np.concatenate([reg.project(c + a * hh * d), reg.project(c + b * hh * d)]))
    vals = pair_bound(P, Q)
    if np.any(np.isfinite(vals)):
        pair_cands.append(PQ[int(np.argmin(vals))])
    # a linear map's pairwise infimum is its local quotient, found exactly above unless dF is singular
    for i in _pick_starts(PQ, vals, 0 if (linear and rho_local is not None) else n_starts, sep):
        pair_cands.append(reg.minimize(pair_obj, PQ[i].copy(), 2, maxiter, jac=has_jac))
    C = np.stack(pair_cands)
    cv = pair_bound(C[:, :dim], C[:, dim:])
    if np.any(np.isfinite(cv)):
        rho_w = C[int(np.argmin(cv))].reshape(2, dim)
        q, m, _, _ = _pair_stats(op, rho_w[0], rho_w[1], L_ref)
        rho_att, rho_val = float(q), float(q + m)
    else:  # F (numerically) constant on the region: every rho holds
        rho_w, rho_att, rho_val = np.stack([reg.center, reg.center]), math.inf, math.inf
    details["rho_pair_candidates"] = len(pair_cands)

    # ---------------- weak MVI ----------------------------------------------------------------
    sol = getattr(op, "solution", None)
    mvi_val = mvi_att = mvi_w = zstar = None
    if sol is not None:
        zstar = np.asarray(to_numpy(sol), dtype=float).reshape(dim)

        def mvi_bound(X: np.ndarray) -> np.ndarray:
            r, m, nF, nd = _mvi_stats(op, X, zstar, L_ref)
            ok = (nd > 0) & (nF >= min_ratio * L_ref * nd) & np.isfinite(r) & np.isfinite(m)
            return np.where(ok, r + m, np.inf)

        def mvi_obj(x: np.ndarray):
            Fz = _F(op, x[None, :])[0]
            d = x - zstar
            A, B = float(Fz @ d), float(Fz @ Fz)
            if not (B > 0 and math.isfinite(A) and math.isfinite(B)) or math.sqrt(B) < min_ratio * L_ref * float(_norm(d)):
                return _BIG, np.zeros_like(x)
            val = A / B
            if not has_jac:
                return val, None
            J = jac(x[None, :])[0]
            return val, (J.T @ d + Fz - val * 2.0 * (J.T @ Fz)) / B

        vals = mvi_bound(Z)
        cands = [Z[int(np.argmin(vals))]] if np.any(np.isfinite(vals)) else []
        cands += [reg.minimize(mvi_obj, Z[i].copy(), 1, maxiter, jac=has_jac) for i in _pick_starts(Z, vals, n_starts, sep)]
        if cands:
            C = np.stack(cands)
            cv = mvi_bound(C)
            if np.any(np.isfinite(cv)):
                mvi_w = C[int(np.argmin(cv))].copy()
                r, m, _, _ = _mvi_stats(op, mvi_w, zstar, L_ref)
                mvi_att, mvi_val = float(r), float(r + m)

    return ConstantsEstimate(
        L=L_val, L_attained=L_att, L_witness=L_w, L_method=L_method,
        rho=rho_val, rho_attained=rho_att, rho_witness=rho_w,
        rho_local=rho_local, rho_local_witness=rho_local_w,
        rho_weak_mvi=mvi_val, rho_weak_mvi_attained=mvi_att, rho_weak_mvi_witness=mvi_w, solution=zstar,
        region=reg.describe(), seed=seed, n_samples=n_samples, n_starts=n_starts,
        details=details,
    )
