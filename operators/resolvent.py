"""The resolvent ``J_{gamma T} = (id + gamma T)^{-1}`` of ``T = A + F`` (§2, §3.1).

* Linear ``F z = M z + b`` with ``A = 0``: the exact linear solve ``(I + gamma M) w = z - gamma b``.
* Otherwise, for ``gamma L < 1``: the fixed-point iteration ``w <- J_{gamma A}(z - gamma F w)``
  from ``w = z`` (a contraction with factor ``gamma L``, R8) until the step is below ``tol``.
* Otherwise (``gamma L >= 1`` or ``L`` unknown): SciPy root finding (``hybr``) on
  ``w - J_{gamma A}(z - gamma F w) = 0`` per instance, from ``w = z``.

Examples
--------
>>> import numpy as np
>>> from monoverify.operators import BilinearGame
>>> w = resolvent(BilinearGame([[1.0]]), np.array([1.0, 0.0]), 1.0)
>>> w.round(6)                     # (I + M)^{-1} (1, 0) = (1, 1)/2
array([0.5, 0.5])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.arrays import asarray_like, is_numpy, to_numpy
from .sets import Whole

__all__ = ["resolvent", "ResolventInfo", "fixed_point_step"]


@dataclass
class ResolventInfo:
    """How a resolvent was computed: ``method`` (``linear-solve`` | ``fixed-point`` | ``root``),
    F evaluations ``n_F`` (for the whole batch), and the final fixed-point residual."""

    method: str
    n_F: int
    residual: float
    converged: bool


def _gamma_array(gamma: Any, z: Any, xp: Any) -> tuple[Any, bool]:
    """Return (gamma as broadcastable array or float, is_batched)."""
    if hasattr(gamma, "shape") and getattr(gamma, "ndim", 0) > 0:
        # per-instance steps come as (batch, 1) or, materialised, (batch, dim): keep one column
        return (gamma[..., :1] if gamma.ndim > 1 else gamma), True
    return float(gamma), False


def _linear_solve(op: Any, z: Any, gamma: Any, xp: Any) -> Any:
    g, batched = _gamma_array(gamma, z, xp)
    M = op.matrix
    d = op.dim
    rhs = z if op.offset is None else z - g * asarray_like(op.offset, z, xp)
    if is_numpy(xp):
        zz = np.asarray(rhs)
        if not batched:
            return _solve_numpy(op, zz, float(g))
        gg = np.broadcast_to(np.asarray(g, dtype=float).reshape(zz.shape[:-1] + (1,)), zz.shape[:-1] + (1,))[..., 0]
        out = np.empty_like(zz)
        for gv in np.unique(gg):  # one factorisation per distinct step size
            sel = gg == gv
            out[sel] = _solve_numpy(op, zz[sel], float(gv))
        return out
    I = xp.eye(d, dtype=z.dtype)
    Mx = asarray_like(M, z, xp)
    if batched:
        A = I + xp.reshape(g, tuple(g.shape[:-1]) + (1, 1)) * Mx
    else:
        A = I + g * Mx
    return xp.linalg.solve(A, rhs[..., None])[..., 0]


def _solve_numpy(op: Any, zz: np.ndarray, g: float) -> np.ndarray:
    """Rows of ``(I + g M)^{-1} zz``: per-row LAPACK solves for small dims (bit-for-bit independent
    of the batch size), a cached inverse beyond."""
    d = op.dim
    B = getattr(op, "_blocks", None)
    try:
        if B is not None and d > B.shape[1]:   # block diagonal: one small solve per block
            A = (np.eye(B.shape[1]) + g * B).astype(zz.dtype)
            zb = zz.reshape(zz.shape[:-1] + B.shape[:2])
            return np.linalg.solve(A, zb[..., None])[..., 0].reshape(zz.shape)
        if d <= 64:
            A = (np.eye(d) + g * op.matrix).astype(zz.dtype)
            return np.linalg.solve(A, zz[..., None])[..., 0]
        key = ("resolvent-inv", g, str(zz.dtype))
        R = op._cache.get(key)
        if R is None:
            R = op._cache[key] = np.linalg.inv(np.eye(d) + g * op.matrix).T.astype(zz.dtype)
    except np.linalg.LinAlgError:
        raise _singular(op, g) from None
    return zz @ R


def _singular(op: Any, g: float) -> np.linalg.LinAlgError:
    """The error for a resolvent that does not exist (a ``LinAlgError``, hence also a ``ValueError``)."""
    return np.linalg.LinAlgError(
        f"the resolvent (I + gamma M)^-1 of {getattr(op, 'name', 'the operator')} does not exist at gamma={g!r}: "
        "I + gamma M is singular (gamma = -1/mu for a real eigenvalue mu of M); valid: gamma > 0 with "
        "1 + gamma mu != 0 for every eigenvalue mu of M")


def fixed_point_step(z: Any, w: Any, gamma: Any, F: Any, prox: Any) -> Any:
    """One step ``w <- J_{gamma A}(z - gamma F w)`` towards ``J_{gamma (A + F)} z`` (a contraction when
    ``gamma L < 1``, R8): the resolvent's fixed-point loop and the ``APP`` method both take it.

    ``F`` and ``prox`` are callables (an operator's ``F`` and its set's ``prox``, or an oracle's), so
    the step runs on arrays, PEPit points and SymPy scalars alike.
    """
    return prox(z - gamma * F(w), gamma)


def resolvent(op: Any, z: Any, gamma: Any, *, tol: float = 1e-13, max_iter: int = 100_000,
              return_info: bool = False) -> Any:
    """``J_{gamma (A + F)}(z)`` for ``op`` (``A = op.constraint``) on ``z`` of shape ``(..., dim)``.

    Parameters
    ----------
    op : Operator
    z : array, shape (..., dim)
    gamma : float or array broadcastable against ``z[..., :1]`` (e.g. shape ``(batch, 1)``)
    tol : float
        Stopping tolerance on ``||w_{t+1} - w_t||`` relative to ``1 + ||z||`` (iterative paths).
    max_iter : int
        Maximum inner iterations of the fixed-point path.
    return_info : bool
        Also return a :class:`ResolventInfo`.
    """
    xp = op.check_point(z)
    A = op.constraint
    g_host = to_numpy(gamma) if hasattr(gamma, "shape") else np.asarray(float(gamma))
    if np.any(~np.isfinite(g_host)) or np.any(g_host <= 0):
        raise InvalidValue(f"gamma must be > 0 and finite for the resolvent, got {g_host.ravel()[:3]}")
    if getattr(op, "is_linear", False) and isinstance(A, Whole):
        w = _linear_solve(op, z, gamma, xp)
        info = ResolventInfo("linear-solve", 0, 0.0, True)
        return (w, info) if return_info else w
    try:
        L = float(op.L)
    except (TypeError, ValueError):
        L = float("inf")
    gL = float(np.max(g_host)) * L
    if gL < 1:
        w, n, res = z, 0, np.inf
        scale = 1.0 + float(xp.max(xp.linalg.vector_norm(z, axis=-1))) if z.size else 1.0
        # float32 iterates stall at rounding level (~1e-8) and would run max_iter steps: never ask
        # for less than 10 eps of the dtype (float64: 2.2e-15 < the default tol, no change)
        try:
            tol = max(tol, 10 * float(xp.finfo(z.dtype).eps))
        except (TypeError, ValueError):  # integer input: promoted to float64 by the arithmetic
            pass
        for n in range(1, max_iter + 1):
            w_new = fixed_point_step(z, w, gamma, op.F, A.prox)
            res = float(xp.max(xp.linalg.vector_norm(w_new - w, axis=-1)))
            w = w_new
            if not np.isfinite(res) or res <= tol * scale:
                break
        info = ResolventInfo("fixed-point", n, res, bool(res <= tol * scale))
        return (w, info) if return_info else w
    return _root_resolvent(op, z, gamma, xp, tol, return_info)


def _root_resolvent(op: Any, z: Any, gamma: Any, xp: Any, tol: float, return_info: bool) -> Any:
    from scipy.optimize import root

    A = op.constraint
    zn = to_numpy(z).astype(float)
    flat = zn.reshape(-1, op.dim)
    g = to_numpy(gamma) if hasattr(gamma, "shape") else np.asarray(float(gamma))
    if g.ndim > 1:
        g = g[..., 0]
    g = np.broadcast_to(np.asarray(g, dtype=float).reshape(-1) if g.ndim else g, (flat.shape[0],))
    out = np.empty_like(flat)
    nF, worst, ok = 0, 0.0, True
    whole = isinstance(A, Whole)
    for i in range(flat.shape[0]):
        zi, gi = flat[i], float(g[i])

        def G(w):
            return w - A.prox(zi - gi * op.F(w), gi)

        def jacobian(w):
            return np.eye(op.dim) + gi * op.jacobian(w)

        jac = jacobian if whole and op.has_jacobian else None

        sol = root(G, zi.copy(), jac=jac, method="hybr", tol=tol)
        nF += int(sol.nfev)
        out[i] = sol.x
        r = float(np.linalg.norm(G(sol.x)))
        worst = max(worst, r)
        ok = ok and bool(r <= 1e-8 * (1 + np.linalg.norm(zi)))
    w = asarray_like(out.reshape(zn.shape), z, xp)
    info = ResolventInfo("root", nF, worst, ok)
    return (w, info) if return_info else w
