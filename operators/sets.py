"""Constraint sets and regularisers ``A`` with batched resolvents ``J_{gamma A}``.

Every object here has ``prox(z, gamma)`` = ``J_{gamma A}(z)`` on arrays of shape ``(..., dim)`` in
the namespace of ``z``. For the indicator of a set this is the projection (``gamma`` is ignored),
for ``L1`` it is soft thresholding (§2).

Examples
--------
>>> import numpy as np
>>> Box(-1.0, 1.0, dim=2).prox(np.array([[2.0, -0.5]]))
array([[ 1. , -0.5]])
>>> Ball(1.0, dim=2).prox(np.array([3.0, 4.0]))
array([0.6, 0.8])
>>> Simplex(3).prox(np.array([0.5, 0.5, 0.5]))
array([0.33333333, 0.33333333, 0.33333333])
>>> L1(eta=0.5, dim=2).prox(np.array([1.0, -0.4]), gamma=1.0) + 0.0
array([0.5, 0. ])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.arrays import asarray_like, namespace_of

__all__ = ["Set", "Whole", "Box", "Ball", "Simplex", "L1"]


def _check_dim(dim: Any) -> int:
    from monoverify.validate import dimension

    return dimension("dim", dim, lo=1, dense=False)


class Set:
    """Base class: the resolvent of ``A`` (projection or prox) and a membership test."""

    dim: int
    is_indicator: bool = True

    def prox(self, z: Any, gamma: Any = 1.0) -> Any:
        raise NotImplementedError

    def project(self, z: Any) -> Any:
        """Projection onto the set (indicator sets only)."""
        if not self.is_indicator:
            raise TypeError(f"{self!r} is a regulariser, not a set: use prox(z, gamma)")
        return self.prox(z)

    def contains(self, z: Any, atol: float = 1e-12) -> Any:
        """Boolean array of shape ``z.shape[:-1]``: is each point in the set (up to ``atol``)?"""
        raise NotImplementedError

    def _check(self, z: Any) -> Any:
        shape = getattr(z, "shape", None)
        if shape is None or len(shape) == 0 or shape[-1] != self.dim:
            raise InvalidValue(f"z must have shape (..., {self.dim}) for {self!r}, got shape {shape}")
        return namespace_of(z)


class Whole(Set):
    """The whole space (``A = 0``): ``prox`` is the identity."""

    def __init__(self, dim: int):
        self.dim = _check_dim(dim)

    def prox(self, z: Any, gamma: Any = 1.0) -> Any:
        self._check(z)
        return z

    def contains(self, z: Any, atol: float = 1e-12) -> Any:
        xp = self._check(z)
        return xp.ones(z.shape[:-1], dtype=xp.bool)

    def __repr__(self) -> str:
        return f"Whole(dim={self.dim})"


class Box(Set):
    """The box ``[lo, hi]`` (scalars or arrays of shape ``(dim,)``); projection = clipping."""

    def __init__(self, lo: Any, hi: Any, dim: int | None = None):
        from monoverify.validate import real_array

        lo_a, hi_a = real_array("lo", lo, max_ndim=1), real_array("hi", hi, max_ndim=1)
        if dim is None:
            dim = max(lo_a.size, hi_a.size) if (lo_a.ndim or hi_a.ndim) else None
            if dim is None:
                raise InvalidValue("dim must be given when lo and hi are scalars")
        self.dim = _check_dim(dim)
        for name, a in (("lo", lo_a), ("hi", hi_a)):
            if a.ndim > 1 or (a.ndim == 1 and a.size != self.dim):
                raise InvalidValue(f"{name} must be a scalar or have shape ({self.dim},), got shape {a.shape}")
            if np.any(np.isnan(a)):
                raise InvalidValue(f"{name} must not be NaN, got {lo if name == 'lo' else hi!r}")
        self.lo = np.broadcast_to(lo_a, (self.dim,)).copy()
        self.hi = np.broadcast_to(hi_a, (self.dim,)).copy()
        bad = np.nonzero(self.lo > self.hi)[0]
        if bad.size:
            i = int(bad[0])
            raise InvalidValue(
                f"Box needs lo <= hi in every coordinate; coordinate {i} has lo={self.lo[i]} > hi={self.hi[i]}"
            )

    def prox(self, z: Any, gamma: Any = 1.0) -> Any:
        xp = self._check(z)
        lo, hi = asarray_like(self.lo, z, xp), asarray_like(self.hi, z, xp)
        return xp.minimum(xp.maximum(z, lo), hi)

    def contains(self, z: Any, atol: float = 1e-12) -> Any:
        xp = self._check(z)
        lo, hi = asarray_like(self.lo, z, xp), asarray_like(self.hi, z, xp)
        return xp.all((z >= lo - atol) & (z <= hi + atol), axis=-1)

    def __repr__(self) -> str:
        if np.all(self.lo == self.lo[0]) and np.all(self.hi == self.hi[0]):
            return f"Box({self.lo[0]:g}, {self.hi[0]:g}, dim={self.dim})"
        return f"Box(lo={self.lo.tolist()}, hi={self.hi.tolist()})"


class Ball(Set):
    """The Euclidean ball of radius ``radius`` around ``center`` (default 0)."""

    def __init__(self, radius: float, dim: int, center: Any = None):
        self.dim = _check_dim(dim)
        from monoverify.validate import real, real_array

        self.radius = real("radius", radius, lo=0, lo_open=True)
        c = np.zeros(self.dim) if center is None else real_array("center", center, finite=True)
        if c.shape != (self.dim,):
            raise InvalidValue(f"center must have shape ({self.dim},), got shape {c.shape}")
        self.center = c
        self._centred = not c.any()   # centred at 0 (read on the hot path of prox)

    def prox(self, z: Any, gamma: Any = 1.0) -> Any:
        if type(z) is np.ndarray and z.ndim and z.shape[-1] == self.dim and z.dtype == np.float64:
            # the NumPy hot path (a constrained run projects every step): the same operations as
            # below, whose norm NumPy forms as sqrt(add.reduce(d * d)), without the namespace look-ups
            if self._centred:   # centred at 0: d = z, and 0 + d is d
                return z / np.maximum(1.0, np.sqrt(np.add.reduce(z * z, axis=-1, keepdims=True)) / self.radius)
            d = z - self.center
            nrm = np.sqrt(np.add.reduce(d * d, axis=-1, keepdims=True))
            return self.center + d / np.maximum(1.0, nrm / self.radius)
        xp = self._check(z)
        c = asarray_like(self.center, z, xp)
        d = z - c
        nrm = xp.linalg.vector_norm(d, axis=-1, keepdims=True)
        scale = xp.maximum(xp.ones_like(nrm), nrm / self.radius)
        return c + d / scale

    def contains(self, z: Any, atol: float = 1e-12) -> Any:
        xp = self._check(z)
        c = asarray_like(self.center, z, xp)
        return xp.linalg.vector_norm(z - c, axis=-1) <= self.radius + atol

    def __repr__(self) -> str:
        return f"Ball(radius={self.radius:g}, dim={self.dim})"


class Simplex(Set):
    """The probability simplex ``{z >= 0, sum z = 1}``; sort-and-threshold projection."""

    def __init__(self, dim: int):
        self.dim = _check_dim(dim)

    def prox(self, z: Any, gamma: Any = 1.0) -> Any:
        xp = self._check(z)
        u = xp.flip(xp.sort(z, axis=-1), axis=-1)  # descending
        css = xp.cumulative_sum(u, axis=-1) - 1.0
        k = xp.arange(1, self.dim + 1, dtype=z.dtype)
        cond = (u - css / k) > 0
        # number of active coordinates: the last index where cond holds (cond is a prefix)
        r = xp.sum(xp.astype(cond, z.dtype), axis=-1, keepdims=True)
        idx = xp.astype(r, xp.int64) - 1
        theta = xp.take_along_axis(css, idx, axis=-1) / r
        return xp.maximum(z - theta, xp.zeros_like(z))

    def contains(self, z: Any, atol: float = 1e-12) -> Any:
        xp = self._check(z)
        return xp.all(z >= -atol, axis=-1) & (xp.abs(xp.sum(z, axis=-1) - 1.0) <= atol * self.dim)

    def __repr__(self) -> str:
        return f"Simplex(dim={self.dim})"


class L1(Set):
    """The regulariser ``g(z) = eta * ||z||_1``; ``prox`` is soft thresholding at ``gamma * eta``."""

    is_indicator = False

    def __init__(self, eta: float, dim: int):
        self.dim = _check_dim(dim)
        from monoverify.validate import real

        self.eta = real("eta", eta, lo=0)

    def prox(self, z: Any, gamma: Any = 1.0) -> Any:
        if type(z) is np.ndarray and z.ndim and z.shape[-1] == self.dim and z.dtype == np.float64:
            # the NumPy hot path: the same operations as below without the namespace look-ups
            return np.sign(z) * np.maximum(np.abs(z) - gamma * self.eta, 0.0)
        xp = self._check(z)
        t = gamma * self.eta
        return xp.sign(z) * xp.maximum(xp.abs(z) - t, xp.zeros_like(z))

    def contains(self, z: Any, atol: float = 1e-12) -> Any:
        xp = self._check(z)
        return xp.ones(z.shape[:-1], dtype=xp.bool)

    def value(self, z: Any) -> Any:
        xp = self._check(z)
        return self.eta * xp.sum(xp.abs(z), axis=-1)

    def __repr__(self) -> str:
        return f"L1(eta={self.eta:g}, dim={self.dim})"
