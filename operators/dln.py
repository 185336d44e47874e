r"""Diagonal linear networks (DLNs): gradient flows beyond monotonicity (issue 28).

A depth-``D`` DLN for the regression ``A w = b`` (``A`` of shape ``(m, n)``, ``m < n``) has parameters
``z = (u, v)`` in ``R^{2n}`` and regression vector ``w = u^{⊙D} - v^{⊙D}``; it is trained by the gradient
flow of the loss ``ell(z) = ½ ||A w - b||²`` from the ``alpha``-initialisation ``u = v = alpha 1``
(``w = 0``). :class:`DiagonalLinearNetwork` is the operator ``F = ∇_z ell``:

.. math::  F_u = D\, u^{D-1} \odot A^\top (A w - b), \qquad F_v = -D\, v^{D-1} \odot A^\top (A w - b),

so ``make("gda", gamma=h)`` is the explicit Euler discretisation of the flow and the batched runner
integrates it. ``F`` is **not** (co)monotone (``ell`` is nonconvex in ``z``: ``z = 0`` is a saddle for
``D = 2`` and a degenerate critical point for ``D >= 3``) and not globally Lipschitz (it grows like
``||z||^{2D-1}``), so the operator has no ``L`` or ``rho``: reading them raises :class:`NotComonotone`.

Several problems at once: ``A`` of shape ``(P, m, n)`` (and ``b`` of shape ``(P, m)``) is a block
operator of dimension ``2 n P`` whose block ``p`` is the DLN of ``(A_p, b_p)`` with its own ``depth_p``,
``alpha_p`` and time scale ``c_p`` (``F_p = c_p ∇ ell_p``: the gradient of ``sum_p c_p ell_p``, the flow of
each block run ``c_p`` times faster). :meth:`DiagonalLinearNetwork.grid` builds every (problem, depth,
alpha) combination as one operator: one runner call moves them all.

The closed form of the flow and its limit [derived; the statement is Woodworth et al. 2020, "Kernel and
rich regimes in overparametrized models", Thm. 1 for ``D = 2`` and its depth-``D`` form, reconstructed]:
with ``s(t) = A^T ∫_0^t (A w - b)`` the flow has ``u = alpha e^{-2 s}``, ``v = alpha e^{2 s}`` for ``D = 2``
and ``u^{2-D} = alpha^{2-D} + D (D-2) s``, ``v^{2-D} = alpha^{2-D} - D (D-2) s`` for ``D >= 3``. So
``w(t) = beta h_D(A^T theta(t))`` with ``beta = alpha^D``, some ``theta(t)`` in ``R^m`` and

.. math::  h_2(z) = 2 \sinh z, \qquad h_D(z) = (1 - z)^{-D/(D-2)} - (1 + z)^{-D/(D-2)} \ (|z| < 1).

A limit that interpolates (``A w = b``) and has this form satisfies the KKT conditions of
``min Q(w) s.t. A w = b`` with ``Q(w) = beta sum_i H_D(w_i / beta)``, ``H_D' = h_D^{-1}`` strictly
increasing: the flow's limit is **the minimiser of the potential** ``Q``; :func:`flow_limit` computes it
(Newton on the concave dual ``max_theta b^T theta - beta sum_i H_D^*((A^T theta)_i)``, ``(H_D^*)' = h_D``).
Expanding ``Q`` as ``alpha -> 0`` [derived]:

* ``D = 2``: ``Q(w) = log(1/beta) ||w||_1 + sum_i (|w_i| log |w_i| - |w_i|) + O(beta)``;
* ``D >= 3``: ``beta H_D(|w|/beta) ∈ [|w| - (D/2) beta^{1-2/D} |w|^{2/D}, |w|]`` (from
  ``1 - h_D^{-1}(t) <= t^{-(D-2)/D}``), i.e. ``Q(w) = ||w||_1 - (D/2) alpha^{D-2} sum_i |w_i|^{2/D} + ...``.

So the limit tends to a basis pursuit minimiser with a regularisation strength ``1/log(1/alpha)``
(``D = 2``) or ``alpha^{D-2}`` (``D >= 3``), and among non-unique minimisers it picks the one that
minimises ``sum |w_i| log |w_i|`` (``D = 2``) or maximises ``sum |w_i|^{2/D}`` (``D >= 3``):
:func:`monoverify.operators.basis_pursuit.selection_rule`.

Time scale: near ``w = 0`` the flow barely moves; the first coordinate escapes at about
``t_esc = log(1/alpha) / (2 ||A^T b||_inf)`` (``D = 2``) or ``alpha^{2-D} / (D (D-2) ||A^T b||_inf)``
(``D >= 3``): :meth:`DiagonalLinearNetwork.escape_time`. :func:`gradient_flow` chooses its horizon
adaptively (it stops each block when ``||A w - b|| <= tol (1 + ||b||)``) and reports the time reached.

Examples
--------
>>> import numpy as np
>>> A = np.array([[1.0, 0.5, -0.3], [0.2, 1.0, 0.4]]); b = np.array([1.0, 0.5])
>>> op = DiagonalLinearNetwork(A, b, depth=2, alpha=1e-3)
>>> z0 = op.initial_point(); z0.shape, op.weights(z0).tolist()
((6,), [0.0, 0.0, 0.0])
>>> op.F(z0).round(6).tolist()       # 2 u (A^T (A w - b)) and its mirror image for v
[-0.0022, -0.002, 0.0002, 0.0022, 0.002, -0.0002]
>>> op.rho
Traceback (most recent call last):
...
monoverify.operators.dln.NotComonotone: DiagonalLinearNetwork(depth=2, 2x3) has no comonotonicity constant rho: its map F = grad_z 1/2||A(u^D - v^D) - b||^2 is the gradient of a nonconvex loss (z = 0 is a saddle point), not a (co)monotone operator, and it is not globally Lipschitz (it grows like ||z||^(2D-1)); theorems that need L or rho do not apply to it
>>> res = gradient_flow(op, method="ode")
>>> res.status.tolist(), bool(np.allclose(res.w, flow_limit(A, b, 2, 1e-3), atol=1e-7))
('converged', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from monoverify.arrays import asarray_like, is_numpy, to_numpy
from monoverify.errors import InvalidValue, UserError

from .base import Operator
from .basis_pursuit import check_problem

__all__ = ["DiagonalLinearNetwork", "NotComonotone", "gradient_flow", "FlowResult", "flow_limit", "h_D",
           "escape_time"]


class NotComonotone(UserError):
    """An operator without (co)monotonicity or Lipschitz constants was asked for ``L`` or ``rho``."""


# --------------------------------------------------------------------------------------------
# the potential
# --------------------------------------------------------------------------------------------
def h_D(z: Any, depth: int) -> np.ndarray:
    """``h_D`` of the closed form ``w = alpha^D h_D(A^T theta)`` (``2 sinh z`` for ``D = 2``).

    >>> round(float(h_D(0.5, 2)), 12), round(float(h_D(0.5, 3)), 12)     # 2 sinh(1/2); 0.5^-3 - 1.5^-3
    (1.042190610987, 7.703703703704)
    """
    z = np.asarray(z, dtype=float)
    if depth == 2:
        return 2 * np.sinh(z)
    p = depth / (depth - 2)
    return (1 - z) ** -p - (1 + z) ** -p


def _h_prime(z: np.ndarray, D: int) -> np.ndarray:
    if D == 2:
        return 2 * np.cosh(z)
    p = D / (D - 2)
    return p * ((1 - z) ** (-p - 1) + (1 + z) ** (-p - 1))


def _H_star(z: np.ndarray, D: int) -> np.ndarray:
    """The dual potential, ``(H^*)' = h_D``, ``H^*(0) = 0``."""
    if D == 2:
        return 2 * (np.cosh(z) - 1)
    q = 2 / (D - 2)
    return ((1 - z) ** -q + (1 + z) ** -q - 2) / q


def _check_depth(depth: Any, name: str = "depth") -> int:
    if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, (int, np.integer)) or depth < 2:
        raise InvalidValue(f"{name} must be an integer >= 2, got {name}={depth!r}")
    return int(depth)


def _check_alpha(alpha: Any, name: str = "alpha") -> np.ndarray:
    try:
        a = np.asarray(alpha, dtype=float)
    except (TypeError, ValueError):
        raise InvalidValue(f"{name} must be a number in (0, inf), got {name}={alpha!r}") from None
    if isinstance(alpha, (bool, np.bool_)) or a.size == 0 or not np.all(np.isfinite(a) & (a > 0)):
        raise InvalidValue(f"{name} must lie in (0, inf), got {name}={alpha!r}")
    return a


def flow_limit(A: Any, b: Any, depth: int, alpha: Any, *, tol: float = 1e-12, maxiter: int = 300,
               return_residual: bool = False) -> Any:
    """The limit of the depth-``depth`` gradient flow from ``u = v = alpha 1``: the minimiser of its potential.

    Solves the concave dual ``max_theta b^T theta - beta sum_i H^*((A^T theta)_i)`` by damped Newton
    (``w(theta) = beta h_D(A^T theta)`` satisfies the potential's stationarity exactly, so the primal
    residual ``||A w(theta) - b||`` certifies the solution). ``alpha`` may be a decreasing sequence: each
    solve starts from the previous one (``theta`` grows like ``log(1/alpha)`` for ``D = 2`` and converges
    for ``D >= 3``), so whole decades cost a few Newton steps each.

    Returns ``(n,)`` for a scalar ``alpha``, ``(k, n)`` for ``k`` values; ``return_residual=True`` also
    returns ``||A w - b||`` per value (``tol (1 + ||b||)`` or, where Newton stalls at the rounding of
    ``1 - |A^T theta|`` for small ``alpha`` and ``D >= 3``, up to ``1e-9 (1 + ||b||)``). Raises
    ``ArithmeticError`` when Newton stalls above that.

    >>> A = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]); b = np.array([1.0, 1.0])
    >>> flow_limit(A, b, 2, [1e-2, 1e-6]).round(4).tolist()     # tends to the l1 minimiser (0, 1, 0)
    [[0.0099, 0.9901, 0.0099], [0.0, 1.0, 0.0]]
    """
    A, b = check_problem(A, b)
    D = _check_depth(depth)
    al = _check_alpha(alpha)
    scalar = al.ndim == 0
    al = np.atleast_1d(al)
    m, n = A.shape
    out = np.empty((al.size, n))
    thetas: list[tuple[float, np.ndarray]] = []
    for k, a in enumerate(al):
        th0 = _continue(thetas, a, D, m)
        out[k], th = _dual_newton(A, b, D, float(a), th0, tol, maxiter)
        thetas.append((float(np.log(1 / a)), th))
    if return_residual:
        res = np.linalg.norm(out @ A.T - b, axis=-1)
        return (out[0], float(res[0])) if scalar else (out, res)
    return out[0] if scalar else out


def _continue(thetas: list, a: float, D: int, m: int) -> np.ndarray:
    if not thetas:
        return np.zeros(m)
    if D > 2 or len(thetas) == 1:
        l0, t0 = thetas[-1]
        return t0 * (np.log(1 / a) / l0 if D == 2 and l0 > 0 else 1.0)
    (l1, t1), (l2, t2) = thetas[-2], thetas[-1]
    return t2 + (np.log(1 / a) - l2) * (t2 - t1) / (l2 - l1) if l2 != l1 else t2


def _dual_newton(A: np.ndarray, b: np.ndarray, D: int, alpha: float, th: np.ndarray, tol: float,
                 maxiter: int) -> tuple[np.ndarray, np.ndarray]:
    beta = alpha ** D
    bn = 1 + np.linalg.norm(b)

    def value(t: np.ndarray) -> float:
        z = A.T @ t
        if D > 2 and np.max(np.abs(z)) >= 1:
            return -np.inf
        with np.errstate(over="ignore", invalid="ignore"):
            v = float(b @ t - beta * np.sum(_H_star(z, D)))
        return v if np.isfinite(v) else -np.inf

    if not np.isfinite(value(th)):
        th = np.zeros_like(th)
    best = np.inf
    for _ in range(maxiter):
        z = A.T @ th
        with np.errstate(over="ignore"):
            w = beta * h_D(z, D)
        g = b - A @ w
        r = np.linalg.norm(g)
        best = min(best, r)
        if r <= tol * bn:
            return w, th
        # Newton step (A W A^T) s = g with W = beta h'(z), through a QR of W^(1/2) A^T: the condition
        # number of the factor is the square root of that of A W A^T
        step = _newton_step(A, np.sqrt(beta * _h_prime(z, D)), g)
        J0, slope, t = value(th), float(g @ step), 1.0
        while t > 1e-18:
            new = th + t * step
            Jn = value(new)
            if Jn >= J0 + 1e-4 * t * slope:
                break
            # below the rounding of J: accept a step that reduces the residual
            if np.isfinite(Jn) and abs(Jn - J0) <= 1e-13 * (1 + abs(J0)):
                with np.errstate(over="ignore"):
                    rn = np.linalg.norm(b - A @ (beta * h_D(A.T @ new, D)))
                if rn < r:
                    break
            t /= 2
        if t <= 1e-18:
            break
        th = th + t * step
    z = A.T @ th
    with np.errstate(over="ignore"):
        w = beta * h_D(z, D)
    r = np.linalg.norm(b - A @ w)
    if r <= max(tol, 1e-9) * bn:   # Newton stalled at the rounding of 1 - |A^T theta| (small alpha, D >= 3)
        return w, th
    raise ArithmeticError(f"flow_limit: Newton stalled at residual {r:.3g} (depth={D}, alpha={alpha:g}); "
                          "alpha is too small for float64 at this depth")


def _newton_step(A: np.ndarray, sw: np.ndarray, g: np.ndarray) -> np.ndarray:
    from scipy.linalg import solve_triangular

    B = A.T * sw[:, None]
    if not np.all(np.isfinite(B)):
        return np.linalg.lstsq((A * sw ** 2) @ A.T, g, rcond=None)[0]
    R = np.linalg.qr(B, mode="r")
    try:
        y = solve_triangular(R, g, trans="T")
        return solve_triangular(R, y)
    except (np.linalg.LinAlgError, ValueError):
        return np.linalg.lstsq(B.T @ B, g, rcond=None)[0]


def escape_time(A: Any, b: Any, depth: int, alpha: float) -> float:
    """When the first coordinate of the flow from ``alpha`` leaves the origin (the linearisation at ``t = 0``):
    ``log(1/alpha) / (2 g)`` for ``D = 2`` (``u = alpha e^{2 g t}``), ``alpha^{2-D} / (D (D-2) g)`` for
    ``D >= 3`` (``u^{2-D} = alpha^{2-D} - D (D-2) g t`` blows up), ``g = ||A^T b||_inf``.

    >>> escape_time(np.eye(2), np.array([1.0, 0.0]), 3, 1e-2)    # 1e2 / 3
    33.333333333333336
    """
    A, b = check_problem(A, b)
    D, a = _check_depth(depth), float(_check_alpha(alpha))
    g = float(np.max(np.abs(A.T @ b)))
    if g == 0:
        return float("inf")
    return float(np.log(1 / a) / (2 * g)) if D == 2 else float(a ** (2 - D) / (D * (D - 2) * g))


# --------------------------------------------------------------------------------------------
# the operator
# --------------------------------------------------------------------------------------------
class DiagonalLinearNetwork(Operator):
    """``F(z) = ∇_z ½||A (u^D - v^D) - b||²``, ``z = (u, v)`` (see the module docstring).

    Parameters
    ----------
    A : array_like, shape (m, n) or (P, m, n)
        Sensing matrix, or ``P`` of them (a block operator, one DLN per block).
    b : array_like, shape (m,) or (P, m)
    depth : int or sequence of P ints
        ``D >= 2``.
    alpha : float or sequence of P floats
        Initialisation scale ``> 0`` (:meth:`initial_point`).
    time_scale : float or sequence of P floats, optional
        ``c_p >= 0``: block ``p`` of ``F`` is ``c_p ∇ ell_p`` (default 1: the plain gradient); 0 freezes a block.
    labels : sequence of P objects, optional
        What each block is (e.g. ``(problem, depth, alpha)`` from :meth:`grid`).

    Attributes
    ----------
    A, b, depth, alpha, time_scale : numpy.ndarray
        Always stacked: shapes ``(P, m, n)``, ``(P, m)``, ``(P,)``, ``(P,)``, ``(P,)``.
    blocks, m, n : int
    dim : int
        ``2 n P``; block ``p`` of ``z`` is ``z[2 n p : 2 n (p + 1)] = (u_p, v_p)``.
    """

    name = "DiagonalLinearNetwork"
    solution = None
    is_linear = False

    def __init__(self, A: Any, b: Any, depth: Any = 2, alpha: Any = 1.0, *, time_scale: Any = None,
                 labels: Sequence | None = None):
        A, b = check_problem(A, b, stacked=True)
        self._stacked = A.ndim == 3
        if not self._stacked:
            A, b = A[None], b[None]
        P, m, n = A.shape
        if isinstance(depth, (bool, np.bool_)):
            raise InvalidValue(f"depth must be an integer >= 2, got depth={depth!r}")
        dep = np.atleast_1d(np.asarray(depth))
        if dep.dtype.kind not in "iu" or dep.ndim != 1 or dep.size not in (1, P) or np.any(dep < 2):
            raise InvalidValue(f"depth must be an integer >= 2 (or {P} of them, one per block), got depth={depth!r}")
        al = np.atleast_1d(_check_alpha(alpha))
        if al.ndim != 1 or al.size not in (1, P):
            raise InvalidValue(f"alpha must be a number in (0, inf) or {P} of them, got shape {al.shape}")
        ts = np.ones(P) if time_scale is None else np.atleast_1d(np.asarray(time_scale, dtype=float))
        if ts.ndim != 1 or ts.size not in (1, P) or not np.all(np.isfinite(ts) & (ts >= 0)):
            raise InvalidValue(f"time_scale must be finite and >= 0 (one value or {P}), got time_scale={time_scale!r}")
        self.A, self.b = A, b
        self.depth = np.broadcast_to(dep.astype(np.int64), (P,)).copy()
        self.alpha = np.broadcast_to(al, (P,)).copy()
        self.time_scale = np.broadcast_to(ts, (P,)).copy()
        self.blocks, self.m, self.n = P, m, n
        self.dim = 2 * n * P
        self.labels = None if labels is None else list(labels)
        if self.labels is not None and len(self.labels) != P:
            raise InvalidValue(f"labels must have one entry per block ({P}), got {len(self.labels)}")
        self.params = {"depth": self.depth.tolist() if P > 1 else int(self.depth[0]), "m": m, "n": n, "blocks": P}
        self._cache: dict = {}

    # -- construction helpers ---------------------------------------------------------------
    @classmethod
    def grid(cls, problems: Sequence[tuple[Any, Any]], depths: Sequence[int], alphas: Sequence[float],
             **kw: Any) -> "DiagonalLinearNetwork":
        """One block per (problem, depth, alpha) combination; ``labels`` are ``(i, depth, alpha)``.

        >>> A = np.eye(2, 3); op = DiagonalLinearNetwork.grid([(A, np.ones(2))] * 2, (2, 3), (1e-1, 1e-2))
        >>> op.blocks, op.dim, op.labels[:3]
        (8, 48, [(0, 2, 0.1), (0, 2, 0.01), (0, 3, 0.1)])
        """
        probs = [check_problem(A, b) for A, b in problems]
        if not probs:
            raise InvalidValue("problems must list at least one (A, b) pair")
        shapes = {p[0].shape for p in probs}
        if len(shapes) > 1:
            raise InvalidValue(f"all problems must have the same shape of A, got {sorted(shapes)}")
        labels = [(i, int(_check_depth(D)), float(a)) for i in range(len(probs)) for D in depths for a in alphas]
        if not labels:
            raise InvalidValue("depths and alphas must be non-empty")
        As = np.stack([probs[i][0] for i, _, _ in labels])
        bs = np.stack([probs[i][1] for i, _, _ in labels])
        return cls(As, bs, [D for _, D, _ in labels], [a for _, _, a in labels], labels=labels, **kw)

    def with_time_scale(self, time_scale: Any) -> "DiagonalLinearNetwork":
        """The same blocks with block ``p`` of ``F`` scaled by ``time_scale[p]`` (a time change of its flow)."""
        A, b = (self.A, self.b) if self._stacked else (self.A[0], self.b[0])
        return DiagonalLinearNetwork(A, b, self.depth if self._stacked else int(self.depth[0]),
                                     self.alpha if self._stacked else float(self.alpha[0]),
                                     time_scale=time_scale, labels=self.labels)

    def initial_point(self, alpha: Any = None) -> np.ndarray:
        """``u = v = alpha_p 1`` in every block (``alpha``: a number or one per block; default the operator's)."""
        al = self.alpha if alpha is None else np.broadcast_to(np.atleast_1d(_check_alpha(alpha)), (self.blocks,))
        return np.repeat(al, 2 * self.n).astype(float)

    # -- reading z ---------------------------------------------------------------------------
    def _split(self, z: Any) -> tuple[Any, Any]:
        xp = self.check_point(z)
        zz = xp.reshape(z, tuple(z.shape[:-1]) + (self.blocks, 2, self.n))
        return zz[..., 0, :], zz[..., 1, :]

    def _unstack(self, a: Any) -> Any:
        return a if self._stacked else a[..., 0, :]

    def weights(self, z: Any) -> Any:
        """``w = u^D - v^D``: shape ``(..., n)`` (``(..., P, n)`` for a block operator)."""
        u, v = self._split(z)
        D = self._depth_like(z)
        return self._unstack(u ** D - v ** D)

    def residual(self, z: Any) -> np.ndarray:
        """``||A w - b||`` per block, shape ``(...,)`` (``(..., P)`` for a block operator), on the host."""
        w = to_numpy(self.weights(z))
        w = w if self._stacked else w[..., None, :]
        r = np.einsum("pmn,...pn->...pm", self.A, w) - self.b
        out = np.linalg.norm(r, axis=-1)
        return out if self._stacked else out[..., 0]

    def loss(self, z: Any) -> np.ndarray:
        """``½ ||A w - b||²`` per block (host)."""
        return 0.5 * self.residual(z) ** 2

    # -- F ------------------------------------------------------------------------------------
    def _mats(self, z: Any, xp: Any) -> tuple:
        key = (getattr(xp, "__name__", id(xp)), str(getattr(z, "dtype", "")), str(getattr(z, "device", "cpu")))
        got = self._cache.get(key)
        if got is None:
            P = self.blocks
            got = self._cache[key] = (asarray_like(self.A, z, xp), asarray_like(np.swapaxes(self.A, 1, 2).copy(), z, xp),
                                      asarray_like(self.b, z, xp),
                                      asarray_like(self.depth.astype(float).reshape(P, 1), z, xp),
                                      asarray_like((self.time_scale * self.depth).reshape(P, 1), z, xp))
        return got

    def _depth_like(self, z: Any) -> Any:
        xp = self.check_point(z)
        return self._mats(z, xp)[3]

    def _F(self, z: Any, xp: Any) -> Any:
        A, AT, b, D, cD = self._mats(z, xp)
        shape = tuple(z.shape)
        zz = xp.reshape(z, shape[:-1] + (self.blocks, 2, self.n))
        u, v = zz[..., 0, :], zz[..., 1, :]
        uD1, vD1 = u ** (D - 1), v ** (D - 1)
        w = uD1 * u - vD1 * v
        if is_numpy(xp):
            r = np.einsum("pmn,...pn->...pm", A, w) - b
            g = np.einsum("pmn,...pm->...pn", A, r)
        else:
            r = xp.matmul(w[..., None, :], AT)[..., 0, :] - b
            g = xp.matmul(r[..., None, :], A)[..., 0, :]
        cg = cD * g
        return xp.reshape(xp.stack([uD1 * cg, -(vD1 * cg)], axis=-2), shape)

    def jacobian(self, z: Any) -> np.ndarray:
        """``dF/dz`` (NumPy), shape ``(..., dim, dim)``; block diagonal over the blocks."""
        z = np.asarray(z, dtype=float)
        u, v = self._split(z)
        D = self.depth.astype(float)[:, None]
        c = self.time_scale[:, None]
        w = u ** D - v ** D
        r = np.einsum("pmn,...pn->...pm", self.A, w) - self.b
        g = np.einsum("pmn,...pm->...pn", self.A, r)
        AtA = np.einsum("pmi,pmj->pij", self.A, self.A)
        du, dv = D * u ** (D - 1), -D * v ** (D - 1)          # dw/du, dw/dv
        out = np.zeros(z.shape[:-1] + (self.dim, self.dim))
        n = self.n
        for p in range(self.blocks):
            J = np.zeros(z.shape[:-1] + (2 * n, 2 * n))
            G = np.concatenate([du[..., p, :], dv[..., p, :]], axis=-1)       # dw/dz (diagonal blocks)
            M = np.block([[AtA[p], AtA[p]], [AtA[p], AtA[p]]])
            J += c[p, 0] * G[..., :, None] * M * G[..., None, :]
            d2 = np.concatenate([D[p, 0] * (D[p, 0] - 1) * u[..., p, :] ** (D[p, 0] - 2),
                                 -D[p, 0] * (D[p, 0] - 1) * v[..., p, :] ** (D[p, 0] - 2)], axis=-1)
            gg = np.concatenate([g[..., p, :], g[..., p, :]], axis=-1)
            idx = np.arange(2 * n)
            J[..., idx, idx] += c[p, 0] * d2 * gg
            s = slice(2 * n * p, 2 * n * (p + 1))
            out[..., s, s] = J
        return out

    # -- constants: none -----------------------------------------------------------------------
    def _why(self, what: str) -> str:
        return (f"{self!r} has no {what}: its map F = grad_z 1/2||A(u^D - v^D) - b||^2 is the gradient of a "
                "nonconvex loss (z = 0 is a saddle point), not a (co)monotone operator, and it is not globally "
                "Lipschitz (it grows like ||z||^(2D-1)); theorems that need L or rho do not apply to it")

    @property
    def constants(self):  # type: ignore[override]
        raise NotComonotone(self._why("constants L and rho"))

    @property
    def L(self):  # type: ignore[override]
        raise NotComonotone(self._why("Lipschitz constant L"))

    @property
    def rho(self):  # type: ignore[override]
        raise NotComonotone(self._why("comonotonicity constant rho"))

    def describe(self) -> dict:
        return {"name": self.name, "dim": self.dim, "params": {k: str(v) for k, v in self.params.items()},
                "constraint": repr(self.constraint), "solution": None,
                "constants": "none: not (co)monotone, not globally Lipschitz (a DLN's gradient field)"}

    def escape_time(self) -> np.ndarray:
        """:func:`escape_time` of every block divided by its time scale, shape ``(P,)`` (``inf`` when frozen)."""
        out = np.array([escape_time(self.A[p], self.b[p], int(self.depth[p]), float(self.alpha[p]))
                        for p in range(self.blocks)])
        with np.errstate(divide="ignore"):
            return np.where(self.time_scale > 0, out / np.where(self.time_scale > 0, self.time_scale, 1), np.inf)

    def __repr__(self) -> str:
        D = self.params["depth"]
        blocks = f", blocks={self.blocks}" if self._stacked else ""
        return f"{self.name}(depth={D}, {self.m}x{self.n}{blocks})"


# --------------------------------------------------------------------------------------------
# gradient flow: ODE (accurate) or gradient descent through the runner
# --------------------------------------------------------------------------------------------
@dataclass
class FlowResult:
    """Where :func:`gradient_flow` stopped.

    Attributes
    ----------
    z : numpy.ndarray
        Final parameters, the shape of ``z0`` (``(dim,)`` or ``(batch, dim)``).
    w : numpy.ndarray
        ``op.weights(z)``.
    t : numpy.ndarray
        Flow time reached per block (``(P,)`` or ``(batch, P)``; in the operator's own time, i.e. time
        scales included), the adaptive horizon.
    status : numpy.ndarray of str
        Per block: ``converged`` (``||A w - b|| <= tol (1 + ||b||)``) or ``max_time`` (budget spent first).
    residual : numpy.ndarray
        ``||A w - b||`` per block at the end.
    t_escape : numpy.ndarray
        :meth:`DiagonalLinearNetwork.escape_time` per block (the flow's time scale, for reference).
    n_steps : numpy.ndarray of int
        Gradient-descent iterations (``gd``) or right-hand-side evaluations (``ode``) per block.
    method : str
    """

    z: np.ndarray
    w: np.ndarray
    t: np.ndarray
    status: np.ndarray
    residual: np.ndarray
    t_escape: np.ndarray
    n_steps: np.ndarray
    method: str


def gradient_flow(op: DiagonalLinearNetwork, *, method: str = "ode", z0: Any = None, tol: float = 1e-12,
                  t_max: float | None = None, rtol: float = 1e-10, max_steps: int = 200_000,
                  rel_step: float = 1e-2) -> FlowResult:
    """Integrate the gradient flow ``z' = -F(z)`` of ``op`` from ``z0`` (default ``op.initial_point()``).

    Parameters
    ----------
    method : {"ode", "gd"}
        ``"ode"``: :func:`scipy.integrate.solve_ivp` (LSODA) in the coordinates ``(log u, log v)``
        (the same flow; relative accuracy ``rtol`` on ``u`` and ``v`` however small they are), one solve per
        block and batch row, stopped by an event when the block's residual reaches ``tol (1 + ||b||)``.
        ``"gd"``: gradient descent through :func:`monoverify.solvers.run` with ``make("gda", gamma=1)``
        on ``op`` with per-block time scales = per-block step sizes ``h_p``, re-chosen every 50
        iterations as ``min(1/(2 lambda_p), rel_step / (D max |u^{D-2} A^T r|))`` (``lambda_p`` a bound on
        the Hessian of the block's loss at the current point): stable, and no coordinate changes by more
        than the fraction ``rel_step`` per step, so the discretisation follows the flow (its effective
        ``alpha`` is off by a factor ``exp(O(rel_step log(1/alpha)))``); converged blocks are frozen.
    tol : float
        Residual tolerance (relative to ``1 + ||b_p||``) that ends a block.
    t_max : float, optional
        Horizon per block; default ``1e8`` escape times (:meth:`DiagonalLinearNetwork.escape_time`).
    rtol : float
        ``ode``: relative tolerance (``atol = 1e-3 rtol`` on the log coordinates).
    max_steps : int
        ``ode``: right-hand-side evaluations per solve; ``gd``: iterations in all.

    Returns
    -------
    FlowResult
    """
    if not isinstance(op, DiagonalLinearNetwork):
        raise InvalidValue(f"op must be a DiagonalLinearNetwork, got {op!r}")
    if method not in ("ode", "gd"):
        raise InvalidValue(f"method must be 'ode' or 'gd', got method={method!r}")
    for name, v in (("tol", tol), ("rtol", rtol), ("rel_step", rel_step)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
            raise InvalidValue(f"{name} must be a finite number > 0, got {name}={v!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise InvalidValue(f"max_steps must be an integer >= 1, got max_steps={max_steps!r}")
    z = op.initial_point() if z0 is None else np.asarray(z0, dtype=float)
    op.check_point(z, "z0")
    if z.ndim > 2 or not np.all(np.isfinite(z)):
        raise InvalidValue(f"z0 must be a finite array of shape ({op.dim},) or (batch, {op.dim}), got shape {z.shape}")
    t_esc = op.escape_time()
    if t_max is None:
        horizon = 1e8 * t_esc
    else:
        if not (np.isfinite(t_max) and t_max > 0):
            raise InvalidValue(f"t_max must be a finite number > 0, got t_max={t_max!r}")
        horizon = np.full(op.blocks, float(t_max))
    rows = z.reshape(-1, op.dim)
    if method == "ode":
        out = [_ode_row(op, r, tol, horizon, rtol, max_steps) for r in rows]
    else:
        out = [_gd_row(op, r, tol, horizon, max_steps, rel_step) for r in rows]
    zf = np.stack([o[0] for o in out]).reshape(z.shape)
    t, st, n = (np.stack([o[k] for o in out]) for k in (1, 2, 3))
    if z.ndim == 1:
        t, st, n = t[0], st[0], n[0]
    res = op.residual(zf)
    if not op._stacked:
        t, st, n, t_esc = t[..., 0], st[..., 0], n[..., 0], t_esc[0]
    return FlowResult(zf, op.weights(zf), t, st, res, t_esc, n, method)


def _ode_row(op: DiagonalLinearNetwork, z: np.ndarray, tol: float, horizon: np.ndarray, rtol: float,
             max_steps: int) -> tuple:
    from scipy.integrate import solve_ivp

    n, P = op.n, op.blocks
    zf = z.copy()
    t_out, st, nfev = np.zeros(P), np.empty(P, dtype="<U9"), np.zeros(P, dtype=np.int64)
    for p in range(P):
        zp = z[2 * n * p:2 * n * (p + 1)]
        if np.any(zp <= 0):
            raise InvalidValue("method='ode' integrates in (log u, log v): z0 must be > 0 (the alpha-initialisation is)")
        A, b, D, c = op.A[p], op.b[p], int(op.depth[p]), float(op.time_scale[p])
        thr = tol * (1 + np.linalg.norm(b))
        count = [0]

        def weights(y: np.ndarray) -> np.ndarray:
            return np.exp(D * y[:n]) - np.exp(D * y[n:])

        def rhs(t: float, y: np.ndarray) -> np.ndarray:
            count[0] += 1
            g = A.T @ (A @ weights(y) - b)
            return np.concatenate([-c * D * np.exp((D - 2) * y[:n]) * g, c * D * np.exp((D - 2) * y[n:]) * g])

        def done(t: float, y: np.ndarray) -> float:
            return np.linalg.norm(A @ weights(y) - b) - thr

        def budget(t: float, y: np.ndarray) -> float:
            return float(max_steps - count[0])

        done.terminal = budget.terminal = True
        y0 = np.log(zp)
        if c == 0 or done(0.0, y0) <= 0:
            st[p] = "converged" if done(0.0, y0) <= 0 else "max_time"
            continue
        sol = solve_ivp(rhs, (0.0, float(horizon[p])), y0, method="LSODA", rtol=rtol, atol=1e-3 * rtol,
                        events=[done, budget])
        y = sol.y[:, -1]
        zf[2 * n * p:2 * n * (p + 1)] = np.exp(y)
        t_out[p], nfev[p] = sol.t[-1], count[0]
        st[p] = "converged" if len(sol.t_events[0]) or done(sol.t[-1], y) <= 0 else "max_time"
    return zf, t_out, st, nfev


def _gd_row(op: DiagonalLinearNetwork, z: np.ndarray, tol: float, horizon: np.ndarray, max_steps: int,
            rel_step: float) -> tuple:
    from monoverify.solvers import make, run

    P, n = op.blocks, op.n
    thr = tol * (1 + np.linalg.norm(op.b, axis=1))
    normA2 = np.linalg.norm(op.A, ord=2, axis=(1, 2)) ** 2
    D = op.depth.astype(float)
    t = np.zeros(P)
    iters = np.zeros(P, dtype=np.int64)
    active = op.residual(z) > thr
    gd = make("gda", gamma=1.0)
    stage = 50
    done_steps = 0
    while np.any(active) and done_steps < max_steps:
        zz = z.reshape(P, 2, n)
        u, v = np.abs(zz[:, 0]), np.abs(zz[:, 1])
        w = zz[:, 0] ** D[:, None] - zz[:, 1] ** D[:, None]
        g = np.einsum("pmn,pm->pn", op.A, np.einsum("pmn,pn->pm", op.A, w) - op.b)
        big = np.maximum(u, v)
        lam = D ** 2 * normA2 * np.max(big, axis=1) ** (2 * D - 2) + \
            D * (D - 1) * np.max(big ** (D[:, None] - 2) * np.abs(g), axis=1)
        speed = D * np.max(big ** (D[:, None] - 2) * np.abs(g), axis=1)
        with np.errstate(divide="ignore"):
            h = np.minimum(0.5 / lam, rel_step / speed)
        h = np.where(active & np.isfinite(h), h, 0.0)
        k = int(min(stage, max_steps - done_steps))
        h = np.minimum(h, np.maximum(horizon - t, 0.0) / k)
        r = run(gd, op.with_time_scale(h), z, iters=k, record=False, record_residual=False)
        if str(r.status) in ("diverged", "nan"):
            raise ArithmeticError(f"gradient descent {r.status} on {op!r} (steps {h.tolist()})")
        znew = np.asarray(r.z)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = float(np.nanmax(np.abs(np.log(np.abs(znew) / np.abs(z)))))
        z = znew
        t += k * h
        iters += k * active
        done_steps += k
        # longer stages while the parameters change slowly (the steps stay valid), shorter when fast
        stage = min(4000, 2 * stage) if change < 0.05 else max(50, stage // 2)
        active = (op.residual(z) > thr) & (t < horizon * (1 - 1e-12))
    st = np.where(op.residual(z) <= thr, "converged", "max_time")
    return z, t, st, iters
