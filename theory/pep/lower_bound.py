"""Lower bounds on the class worst case from 2x2 rotation-scaling linear maps (§2.1, §7)."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.theory.metrics import At, get_metric

from .common import _positive, _real
from .inputs import _scalar_hyper
from .result import LinearLowerBound

__all__ = ["linear_lower_bound"]


def _iterates_needed(metric: str, n_iter: int, iterate: str) -> list[int]:
    """The iterates ``k`` whose metric enters: ``[n_iter]`` (last) or ``k < n_iter`` (best; ``1 <= k <= n_iter``
    for ``step``, which needs ``z_{k-1}``), as the PEP has them."""
    spec = get_metric(metric, pep=True)
    if iterate == "last":
        return [n_iter]
    return list(range(1, n_iter + 1)) if "prev" in spec.needs else list(range(n_iter))


def metric_on_operator(method: Any, op: Any, z0: np.ndarray, n_iter: int, metric: str,
                       iterate: str = "last") -> np.ndarray:
    """The PEP metric of ``method`` run with :func:`monoverify.solvers.run` on ``op`` from each row of ``z0``
    (``op.solution`` = 0): the value at ``z_N`` (``last``) or the smallest over the iterates the PEP bounds
    (``best``). Shape ``(rows,)``; ``inf`` where the run blows up."""
    from monoverify.solvers import Oracle, run

    spec = get_metric(metric, pep=True)
    z0 = np.atleast_2d(np.asarray(z0, float))
    ks = _iterates_needed(metric, n_iter, iterate)
    cache: dict = {0: z0}

    def z_at(k: int) -> np.ndarray:
        if k not in cache:
            cache[k] = np.asarray(run(method, op, z0, iters=k, diverge_at=1e300, record=False).z)
        return cache[k]

    out = np.full(len(z0), np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in ks:
            zk = z_at(k)
            zp = z_at(k - 1) if "prev" in spec.needs and k >= 1 else None
            v = spec.residual(At(z=zk, oracle=Oracle(op), method=method, prev=zp, zstar=np.zeros_like(zk)))
            val = np.sum(np.asarray(v) ** 2, axis=-1)
            val = np.where(np.isfinite(val), val, np.inf)
            out = val if iterate == "last" else np.minimum(out, val)
    return out


def _block_metric(method: Any, ls: np.ndarray, ss: np.ndarray, n_iter: int, metric: str,
                  dirs: np.ndarray, iterate: str = "last") -> np.ndarray:
    """Metric of each block (L_j, s_j = rho_j L_j) for each start direction: shape (n_dirs, n_blocks)."""
    from scipy.linalg import block_diag

    from monoverify.operators.base import Constant, Constants
    from monoverify.operators.linear import LinearOperator, rotation_scaling_block

    blocks = list(rotation_scaling_block(ss, ls))
    M = block_diag(*blocks)
    nb = len(blocks)
    consts = Constants(L=Constant(float(np.max(ls)), "exact", "rotation-scaling blocks (§2.1)"),
                       rho=Constant(float(np.min(ss / np.where(ls > 0, ls, 1.0))) if np.any(ls > 0) else 0.0,
                                    "bound", "min_j rho_j of the blocks (§2.1)"))
    op = LinearOperator(M, constants=consts, name="rotation-scaling blocks", solution=np.zeros(2 * nb))
    z0 = np.concatenate([np.tile(d, nb)[None, :] for d in dirs], axis=0)  # (n_dirs, 2 nb), unit per block
    spec = get_metric(metric, pep=True)
    ks = _iterates_needed(metric, n_iter, iterate)
    try:
        from monoverify.solvers import Oracle, run

        cache: dict = {0: z0}

        def z_at(k: int) -> np.ndarray:
            if k not in cache:
                cache[k] = np.asarray(run(method, op, z0, iters=k, diverge_at=1e300, record=False).z)
            return cache[k]

        vals = None
        with np.errstate(over="ignore", invalid="ignore"):
            for k in ks:
                zk = z_at(k)
                zp = z_at(k - 1) if "prev" in spec.needs and k >= 1 else None
                v = spec.residual(At(z=zk, oracle=Oracle(op), method=method, prev=zp, zstar=np.zeros_like(zk)))
                vk = np.sum(np.asarray(v).reshape(len(dirs), nb, 2) ** 2, axis=-1)
                vals = vk if vals is None else np.minimum(vals, vk)
    except np.linalg.LinAlgError:
        # a singular resolvent (gamma mu = -1): the method is undefined on a member of the class
        return np.full((len(dirs), nb), np.inf)
    return np.where(np.isfinite(vals), vals, np.inf)


def linear_lower_bound(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator",
                       n_grid: int = 40, *, refine: int = 2, n_directions: int = 3, bilinear: bool = False,
                       L_range: tuple[float, float] = (1e-3, 1e3), max_dim: int = 64, iterate: str = "last",
                       polish: bool = False) -> LinearLowerBound:
    """Lower bound on the class worst case from 2x2 rotation-scaling maps (§2.1, §7).

    Sup over blocks ``[[b, a], [-a, b]]`` with ``rho_j >= rho`` and ``L_j <= L`` (a grid over
    ``(L_j, rho_j L_j)``, then ``refine`` zoomed grids around the best cell; the zero map is
    included) of the metric after ``n_iter`` steps from a unit start, computed by running the
    method with :func:`monoverify.solvers.run` on block-diagonal :class:`LinearOperator`
    instances (many blocks per run). Every block is a member of the class (exact constants), so
    the value is a valid **lower** bound on the worst case; it also equals the sup over all
    normal linear maps of the class, up to the grid. For a rotation-scaling block every
    iterate is a rotation-scaling of ``z0`` (the algebra of such matrices is that of complex
    numbers), so the metric does not depend on the direction of ``z0``; ``n_directions``
    directions are run anyway and their spread is reported.

    Parameters
    ----------
    method : Method
        Scalar hyper-parameters; unconstrained (``A = 0``).
    rho, L : float
        Class constants; ``L=None`` uses log-spaced ``L_j`` in ``L_range``.
    n_iter : int
    metric : {"operator", "step", "distance"}
    n_grid : int
        Grid points per axis (and per refinement).
    bilinear : bool
        Pure rotations only (``rho_j = 0``): skew-symmetric maps.
    iterate : {"last", "best"}
        The metric at ``z_N``, or its smallest value over the iterates the PEP bounds (``k < N``; ``1 <= k <= N``
        for ``step``).
    polish : bool
        After the grids, maximise over the block's two constants with Nelder-Mead (kept inside the class):
        the optimum of this family to about 1e-12 relative instead of the grid's resolution.

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> lb = linear_lower_bound(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 2)
    >>> round(lb.value, 6)              # F = L id attains L^2 (R34)
    1.0
    """
    check = get_metric(metric, pep=True).check
    if iterate not in ("last", "best"):
        raise InvalidValue(f"iterate must be 'last' or 'best', got iterate={iterate!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise InvalidValue(f"n_iter must be an integer >= 1, got {n_iter!r}")
    if not isinstance(n_grid, (int, np.integer)) or n_grid < 2:
        raise InvalidValue(f"n_grid must be an integer >= 2, got {n_grid!r}")
    m = _scalar_hyper(method)
    if check is not None:
        check(m)
    rho = _real("rho", rho)
    L = None if L is None else _positive("L", L)
    if bilinear and rho > 0:
        raise InvalidValue(f"bilinear maps are 0-comonotone: need rho <= 0, got rho={rho!r}")
    t0 = time.perf_counter()
    th = np.linspace(0.0, np.pi, n_directions, endpoint=False) + 0.3
    dirs = np.stack([np.cos(th), np.sin(th)], axis=1)
    log_axis = L is None
    lo_t, hi_t = (math.log(L_range[0]), math.log(L_range[1])) if log_axis else (0.0, L)

    def s_bounds(l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if bilinear:
            return np.zeros_like(l), np.zeros_like(l)
        return np.maximum(rho * l, -1.0), np.ones_like(l)

    def evaluate(ls: np.ndarray, ss: np.ndarray) -> tuple[np.ndarray, float]:
        per = max(1, max_dim // 2)
        vals, spread = [], 0.0
        for k in range(0, len(ls), per):
            v = _block_metric(m, ls[k:k + per], ss[k:k + per], n_iter, metric, dirs, iterate)
            top = np.max(v, axis=0)
            ok = np.isfinite(top) & (top > 1e-300)
            if np.any(ok):
                spread = max(spread, float(np.max((top[ok] - np.min(v, axis=0)[ok]) / top[ok])))
            vals.append(top)
        return np.concatenate(vals), spread

    best_val, best = -math.inf, (0.0, 0.0)
    # the zero map: F = 0 is in every class
    v0, spread = evaluate(np.array([0.0]), np.array([0.0]))
    best_val, n_blocks = float(v0[0]), 1
    t_lo, t_hi = lo_t, hi_t
    frac_lo, frac_hi = 0.0, 1.0  # position of s within [s_min(L_j), s_max(L_j)]
    for level in range(refine + 1):
        ts = np.linspace(t_lo, t_hi, n_grid)
        if not log_axis and level == 0:
            ts = ts[1:] if ts[0] <= 0 else ts  # L_j = 0 is the zero map, done
        ls_axis = np.exp(ts) if log_axis else ts
        fr = np.linspace(frac_lo, frac_hi, n_grid)
        Lg, Fg = np.meshgrid(ls_axis, fr, indexing="ij")
        smin, smax = s_bounds(Lg)
        Sg = smin + Fg * (smax - smin)
        ls, ss = Lg.ravel(), Sg.ravel()
        vals, sp_ = evaluate(ls, ss)
        spread = max(spread, sp_)
        n_blocks += len(ls)
        i = int(np.argmax(vals))
        if vals[i] > best_val:
            best_val, best = float(vals[i]), (float(ss[i] / ls[i]) if ls[i] > 0 else 0.0, float(ls[i]))
        # zoom around the best cell of this level
        it, jf = np.unravel_index(i, Lg.shape)
        dt = (ts[-1] - ts[0]) / max(len(ts) - 1, 1)
        df = (fr[-1] - fr[0]) / max(len(fr) - 1, 1)
        t_lo, t_hi = max(lo_t, ts[it] - 2 * dt), min(hi_t, ts[it] + 2 * dt)
        if not log_axis:
            t_lo = max(t_lo, 1e-12 * hi_t)
        frac_lo, frac_hi = max(0.0, fr[jf] - 2 * df), min(1.0, fr[jf] + 2 * df)
    if polish and best[1] > 0 and math.isfinite(best_val):
        got = _polish(m, rho, L, n_iter, metric, iterate, best, bilinear, L_range, dirs[:1])
        n_blocks += got[2]
        if got[0] > best_val:
            best_val, best = got[0], got[1]
    return LinearLowerBound(value=best_val, rho_j=best[0], L_j=best[1], direction_spread=spread, n_blocks=n_blocks,
                            wall_time=time.perf_counter() - t0, metric=metric, n_iter=int(n_iter))


def _polish(m: Any, rho: float, L: float | None, n_iter: int, metric: str, iterate: str, start: tuple,
            bilinear: bool, L_range: tuple, dirs: np.ndarray) -> tuple[float, tuple, int]:
    """Nelder-Mead over ``(log L_j, position of s_j in [max(rho L_j, -1), 1])`` from ``start = (rho_j, L_j)``;
    every point evaluated is clipped into the class (so the value is that of a member)."""
    from scipy.optimize import minimize

    hi_L = L if L is not None else L_range[1]
    evals = [0]

    def block(x: np.ndarray) -> tuple[float, float]:
        lj = float(np.clip(np.exp(x[0]), 1e-12, hi_L))
        if bilinear:
            return lj, 0.0
        smin = max(rho * lj, -1.0)
        fr = float(np.clip(x[1], 0.0, 1.0))
        return lj, smin + fr * (1.0 - smin)

    def f(x: np.ndarray) -> float:
        lj, sj = block(x)
        evals[0] += 1
        v = _block_metric(m, np.array([lj]), np.array([sj]), n_iter, metric, dirs, iterate)[0, 0]
        return -v if np.isfinite(v) else 1e300

    rj, lj0 = start
    smin0 = max(rho * lj0, -1.0)
    fr0 = 0.0 if bilinear or smin0 >= 1.0 else (rj * lj0 - smin0) / (1.0 - smin0)
    x0 = np.array([math.log(lj0), min(max(fr0, 0.0), 1.0)])
    best_v, best_x = -f(x0), x0
    for scale in (0.05, 0.005):
        simplex = np.array([best_x, best_x + [scale, 0.0], best_x + [0.0, scale]])
        r = minimize(f, best_x, method="Nelder-Mead",
                     options={"initial_simplex": simplex, "xatol": 1e-13, "fatol": 1e-16, "maxiter": 400})
        if -r.fun > best_v:
            best_v, best_x = float(-r.fun), np.asarray(r.x)
    lj, sj = block(best_x)
    return best_v, (sj / lj if lj > 0 else 0.0, lj), evals[0]

