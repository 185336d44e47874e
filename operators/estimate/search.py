"""The search of :func:`estimate_constants`: samples, then the L, rho and weak-MVI searches."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.arrays import to_numpy

from .quantities import (_EPS, _F, _lip_margin, _lip_quotient, _local_quotient, _mvi_stats, _norm,
                         _pair_stats, jacobian_norm)
from .region import _make_region, _pick_starts
from .result import ConstantsEstimate

__all__ = ["estimate_constants"]

_JAC_BUDGET = 4_000_000  # max number of Jacobian entries held at once (memory / time guard)


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
    from monoverify import validate

    validate.operator("op", op)
    seed = validate.seed("seed", seed)
    n_samples, n_starts = _validate(n_samples, n_starts, min_ratio)
    ctx = _context(op, region, radius, n_starts, maxiter, min_ratio)
    Z, P, Q, PQ = _samples(ctx, np.random.default_rng(seed), n_samples)
    L = _estimate_L(ctx, Z, P, Q, PQ)
    ctx.L_ref = L.attained if math.isfinite(L.attained) and L.attained > 0 else 1.0
    rho_val, rho_att, rho_w, rho_local, rho_local_w, n_cands = _estimate_rho(ctx, P, Q, PQ, L.J_samples, L.ZJ)
    mvi_val, mvi_att, mvi_w, zstar = _estimate_weak_mvi(ctx, Z)
    return ConstantsEstimate(
        L=L.value, L_attained=L.attained, L_witness=L.witness, L_method=L.method,
        rho=rho_val, rho_attained=rho_att, rho_witness=rho_w,
        rho_local=rho_local, rho_local_witness=rho_local_w,
        rho_weak_mvi=mvi_val, rho_weak_mvi_attained=mvi_att, rho_weak_mvi_witness=mvi_w, solution=zstar,
        region=ctx.reg.describe(), seed=seed, n_samples=n_samples, n_starts=n_starts,
        details={"rho_pair_candidates": n_cands},
    )


def _validate(n_samples: Any, n_starts: Any, min_ratio: Any) -> tuple[int, int]:
    from monoverify import validate

    validate.integer("n_samples", n_samples, lo=2, hi=10 ** 8)
    validate.integer("n_starts", n_starts, lo=0, hi=10 ** 4)
    if not (isinstance(min_ratio, (int, float)) and 0 <= min_ratio < 1):
        raise InvalidValue(f"min_ratio must be in [0, 1), got min_ratio={min_ratio!r}")
    return int(n_samples), int(n_starts)


@dataclass
class _Search:
    """What every step of the search needs."""

    op: Any
    reg: Any
    dim: int
    linear: bool
    has_jac: bool
    full_dim: bool  # False on a region without interior (the simplex): pairs only
    sep: float
    n_starts: int
    maxiter: int
    min_ratio: float
    L_ref: float = 1.0

    def jac(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return np.asarray(self.op.jacobian(X), dtype=float).reshape(X.shape[:-1] + (self.dim, self.dim))

    def starts(self, X: np.ndarray, vals: np.ndarray, k: int | None = None) -> list[int]:
        return _pick_starts(X, vals, self.n_starts if k is None else k, self.sep)


def _context(op: Any, region: Any, radius: Any, n_starts: int, maxiter: int, min_ratio: float) -> _Search:
    reg = _make_region(op, region, radius)
    # On a region without interior (the simplex) sup ||dF||_2 can exceed the Lipschitz constant of
    # F restricted to it, and the local quotient's direction can leave it: use pairs only there.
    ctx = _Search(op, reg, reg.dim, bool(getattr(op, "is_linear", False)), bool(getattr(op, "has_jacobian", False)),
                  reg.kind != "simplex", 0.05 * reg.scale, n_starts, maxiter, min_ratio)
    if ctx.has_jac:
        try:
            ctx.jac(reg.center[None, :])
        except NotImplementedError:
            ctx.has_jac = False
    return ctx


def _samples(ctx: _Search, rng: np.random.Generator, n_samples: int) -> tuple[np.ndarray, ...]:
    """Points ``Z`` (special points first) and pairs ``(P, Q)``: half independent, half at log-uniform distances."""
    reg, dim = ctx.reg, ctx.dim
    Z = np.concatenate([reg.special_points(), reg.sample(rng, n_samples)], axis=0)
    P = reg.sample(rng, n_samples)
    n_near = n_samples // 2
    U = rng.standard_normal((n_near, dim))
    U /= _norm(U)[:, None]
    H = reg.scale * 10.0 ** rng.uniform(-3, 0, size=(n_near, 1))
    Q = np.concatenate([reg.project(P[:n_near] + H * U), reg.sample(rng, n_samples - n_near)], axis=0)
    return Z, P, Q, np.concatenate([P, Q], axis=1)


@dataclass
class _LBound:
    value: float
    attained: float
    witness: np.ndarray
    method: str
    J_samples: np.ndarray | None
    ZJ: np.ndarray | None


def _estimate_L(ctx: _Search, Z: np.ndarray, P: np.ndarray, Q: np.ndarray, PQ: np.ndarray) -> _LBound:
    op, reg, dim = ctx.op, ctx.reg, ctx.dim
    J_samples = ZJ = None
    if ctx.has_jac and ctx.full_dim:
        ZJ = reg.center[None, :] if ctx.linear else Z[: max(1, min(len(Z), _JAC_BUDGET // (dim * dim)))]
        J_samples = ctx.jac(ZJ)
    if J_samples is not None:
        vals = jacobian_norm(op, ZJ)
        vals = np.where(np.isfinite(vals), vals, -np.inf)
        cands = [ZJ[int(np.argmax(vals))]]
        if not ctx.linear:
            obj = lambda x: -float(jacobian_norm(op, x.reshape(1, dim))[0])  # noqa: E731
            cands += [reg.minimize(obj, ZJ[i].copy(), 1, ctx.maxiter) for i in ctx.starts(ZJ, -vals)]
        C = np.stack(cands)
        cv = jacobian_norm(op, C)
        cv = np.where(np.isfinite(cv), cv, -np.inf)
        L_w = C[int(np.argmax(cv))].reshape(1, dim)
        L_att = float(jacobian_norm(op, L_w)[0])
        L_margin = (dim + 8) * _EPS * float(np.linalg.norm(ctx.jac(L_w)[0])) * 4
        method = "jacobian"
    else:
        vals = _lip_quotient(op, P, Q)
        cands = [PQ[int(np.argmax(vals))]]
        obj = lambda x: -float(_lip_quotient(op, x[:dim], x[dim:]))  # noqa: E731
        cands += [reg.minimize(obj, PQ[i].copy(), 2, ctx.maxiter) for i in ctx.starts(PQ, -vals)]
        C = np.stack(cands)
        cv = _lip_quotient(op, C[:, :dim], C[:, dim:])
        L_w = C[int(np.argmax(cv))].reshape(2, dim)
        L_att = float(_lip_quotient(op, L_w[0], L_w[1]))
        L_margin = float(_lip_margin(op, L_w[0], L_w[1], max(L_att, 0.0)))
        method = "difference-quotient"
    L_val = max(L_att - L_margin, 0.0) if math.isfinite(L_att) else L_att
    return _LBound(L_val, L_att, L_w, method, J_samples, ZJ)


def _pair_bound(ctx: _Search, Pp: np.ndarray, Qq: np.ndarray) -> np.ndarray:
    """Guarded upper bound (quotient + margin) of pairs; +inf when rejected."""
    q, m, nF, ndz = _pair_stats(ctx.op, Pp, Qq, ctx.L_ref)
    ok = (ndz > 0) & (nF >= ctx.min_ratio * ctx.L_ref * ndz) & np.isfinite(q) & np.isfinite(m)
    return np.where(ok, q + m, np.inf)


def _quotient_and_gradient(ctx: _Search, Fz: np.ndarray, d: np.ndarray, x: np.ndarray, grad: Any) -> tuple:
    """``<F, d>/||F||^2`` (``_BIG`` when dominated by rounding) and, with a Jacobian, ``grad(value)``."""
    A, B = float(Fz @ d), float(Fz @ Fz)
    if not (B > 0 and math.isfinite(A) and math.isfinite(B)) or math.sqrt(B) < ctx.min_ratio * ctx.L_ref * float(_norm(d)):
        return _BIG, np.zeros_like(x)
    val = A / B
    return (val, None) if not ctx.has_jac else (val, grad(val, B))


def _pair_obj(ctx: _Search, x: np.ndarray) -> tuple:
    dim = ctx.dim
    p, q = x[:dim], x[dim:]
    FPQ = _F(ctx.op, np.stack([p, q]))
    dF, dz = FPQ[1] - FPQ[0], q - p

    def grad(val: float, B: float) -> np.ndarray:
        Jp, Jq = ctx.jac(np.stack([p, q]))
        gq = (Jq.T @ dz + dF - val * 2.0 * (Jq.T @ dF)) / B
        gp = (-(Jp.T @ dz) - dF + val * 2.0 * (Jp.T @ dF)) / B
        return np.concatenate([gp, gq])

    return _quotient_and_gradient(ctx, dF, dz, x, grad)


def _local_candidates(ctx: _Search, J_samples: np.ndarray, ZJ: np.ndarray) -> tuple[Any, Any, list[np.ndarray]]:
    """Jacobian local quotients (best point and direction) and actual pairs built around the best of them."""
    reg, dim, smin = ctx.reg, ctx.dim, ctx.min_ratio * ctx.L_ref
    lq, ld = _local_quotient(J_samples, smin=smin)
    loc = []
    if np.any(np.isfinite(lq)):
        i0 = int(np.argmin(lq))
        loc.append((ZJ[i0], float(lq[i0]), ld[i0]))
    if not ctx.linear:
        def lobj(x: np.ndarray) -> float:
            v, _ = _local_quotient(ctx.jac(x.reshape(1, dim)), smin=smin)
            return float(v[0]) if math.isfinite(v[0]) else _BIG
        for i in ctx.starts(ZJ, lq):
            x = reg.minimize(lobj, ZJ[i].copy(), 1, ctx.maxiter)
            v, dd = _local_quotient(ctx.jac(x.reshape(1, dim)), smin=smin)
            if math.isfinite(v[0]):
                loc.append((x, float(v[0]), dd[0]))
    loc.sort(key=lambda t: t[1])
    rho_local, rho_local_w = (loc[0][1], np.stack([loc[0][0], loc[0][2]])) if loc else (None, None)
    pairs = []
    # turn the best local candidates into actual pairs (centred / one-sided / shifted inwards)
    for z0, _, d in loc[:4]:
        for h in (1e-2, 1e-3, 1e-4, 1e-5):
            hh = h * reg.scale
            zc = z0 + min(1.0, 4.0 * h) * (reg.center - z0)
            for c, a, b in ((z0, -0.5, 0.5), (z0, 0.0, 1.0), (z0, -1.0, 0.0), (zc, -0.5, 0.5)):
                pairs.append(np.concatenate([reg.project(c + a * hh * d), reg.project(c + b * hh * d)]))
    return rho_local, rho_local_w, pairs


def _estimate_rho(ctx: _Search, P: np.ndarray, Q: np.ndarray, PQ: np.ndarray, J_samples: Any, ZJ: Any) -> tuple:
    reg, dim = ctx.reg, ctx.dim
    pair_cands: list[np.ndarray] = []
    rho_local = rho_local_w = None
    if J_samples is not None:
        rho_local, rho_local_w, pair_cands = _local_candidates(ctx, J_samples, ZJ)
    vals = _pair_bound(ctx, P, Q)
    if np.any(np.isfinite(vals)):
        pair_cands.append(PQ[int(np.argmin(vals))])
    # a linear map's pairwise infimum is its local quotient, found exactly above unless dF is singular
    for i in ctx.starts(PQ, vals, 0 if (ctx.linear and rho_local is not None) else None):
        pair_cands.append(reg.minimize(lambda x: _pair_obj(ctx, x), PQ[i].copy(), 2, ctx.maxiter, jac=ctx.has_jac))
    C = np.stack(pair_cands)
    cv = _pair_bound(ctx, C[:, :dim], C[:, dim:])
    if np.any(np.isfinite(cv)):
        rho_w = C[int(np.argmin(cv))].reshape(2, dim)
        q, m, _, _ = _pair_stats(ctx.op, rho_w[0], rho_w[1], ctx.L_ref)
        rho_att, rho_val = float(q), float(q + m)
    else:  # F (numerically) constant on the region: every rho holds
        rho_w, rho_att, rho_val = np.stack([reg.center, reg.center]), math.inf, math.inf
    return rho_val, rho_att, rho_w, rho_local, rho_local_w, len(pair_cands)


def _estimate_weak_mvi(ctx: _Search, Z: np.ndarray) -> tuple:
    sol = getattr(ctx.op, "solution", None)
    if sol is None:
        return None, None, None, None
    op, reg = ctx.op, ctx.reg
    zstar = np.asarray(to_numpy(sol), dtype=float).reshape(ctx.dim)

    def bound(X: np.ndarray) -> np.ndarray:
        r, m, nF, nd = _mvi_stats(op, X, zstar, ctx.L_ref)
        ok = (nd > 0) & (nF >= ctx.min_ratio * ctx.L_ref * nd) & np.isfinite(r) & np.isfinite(m)
        return np.where(ok, r + m, np.inf)

    def obj(x: np.ndarray) -> tuple:
        Fz = _F(op, x[None, :])[0]
        d = x - zstar

        def grad(val: float, B: float) -> np.ndarray:
            J = ctx.jac(x[None, :])[0]
            return (J.T @ d + Fz - val * 2.0 * (J.T @ Fz)) / B

        return _quotient_and_gradient(ctx, Fz, d, x, grad)

    vals = bound(Z)
    cands = [Z[int(np.argmin(vals))]] if np.any(np.isfinite(vals)) else []
    cands += [reg.minimize(obj, Z[i].copy(), 1, ctx.maxiter, jac=ctx.has_jac) for i in ctx.starts(Z, vals)]
    if cands:
        C = np.stack(cands)
        cv = bound(C)
        if np.any(np.isfinite(cv)):
            w = C[int(np.argmin(cv))].copy()
            r, m, _, _ = _mvi_stats(op, w, zstar, ctx.L_ref)
            return float(r + m), float(r), w, zstar
    return None, None, None, zstar
