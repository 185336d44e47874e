"""Compact convex search regions (box, ball, simplex): sampling, special points, projection, local search.

Projections are those of :mod:`monoverify.operators.sets` (one implementation).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.arrays import to_numpy

from ..sets import Ball, Box, Set, Simplex

__all__: list[str] = []


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
        """Projection onto the region: the set's own ``prox`` (:mod:`monoverify.operators.sets`); on a ball,
        points that rounding leaves a few ulps outside are pulled in (witnesses must lie in the region)."""
        out = np.asarray(to_numpy(self.set.prox(np.asarray(Z, dtype=float))), dtype=float)
        if self.kind == "ball":
            over = np.linalg.norm(out - self.center, axis=-1, keepdims=True) > self.radius
            return np.where(over, self.center + (out - self.center) * (1 - 4 * np.finfo(float).eps), out)
        return out

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
        raise InvalidValue(f"region has dim {region.dim}, operator {getattr(op, 'name', op)} has dim {dim}")
    if radius is None:
        sol = getattr(op, "solution", None)
        radius = max(1.0, 2.0 * float(np.max(np.abs(to_numpy(sol))))) if sol is not None and np.size(sol) else 1.0
    radius = float(radius)
    if not (math.isfinite(radius) and radius > 0):
        raise InvalidValue(f"radius must be finite and > 0, got radius={radius!r}")
    if kind in ("Whole", "L1"):
        return _Region("box", dim, lo=np.full(dim, -radius), hi=np.full(dim, radius))
    if kind == "Box":
        lo, hi = np.asarray(region.lo, dtype=float), np.asarray(region.hi, dtype=float)
        finite = bool(np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)))
        lo = np.where(np.isfinite(lo), lo, -radius)
        hi = np.where(np.isfinite(hi), hi, radius)
        if np.any(lo > hi):
            raise InvalidValue(f"the box {region!r} with infinite bounds cut at +-radius={radius} is empty")
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


