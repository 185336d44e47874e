"""Expectations over seeded stochastic runs, with a confidence statement that cannot flake.

A theorem whose metric is in :data:`monoverify.theory.metrics.EXPECTED_METRICS` bounds an
expectation ``E X`` (e.g. RAPP's inner-loop error with a stochastic oracle, R8). The check
draws ``n`` independent samples of ``X`` in one batched run (a seeded
:class:`~monoverify.solvers.StochasticOracle`: the same numbers on every machine, so CI cannot
flake) and compares the sample mean with the bound through a concentration inequality, not a
loosened tolerance.

**Confidence statement.** For a linear ``F`` and Gaussian noise the error ``e`` after ``k`` inner
steps is Gaussian, ``X = ||e||^2 = ||a + zeta||^2`` with ``zeta ~ N(0, Sigma)``. With
``V = tr Sigma``, ``A = ||a||^2``, ``E X = A + V``, the Laurent-Massart inequality for
``sum_i lambda_i (g_i^2 - 1)`` (``||lambda||_2 <= sqrt(n) V``, ``||lambda||_inf <= V``) and the
Gaussian tail of ``2 <a, zeta>`` (variance ``<= 4 n V A``, ``2 sqrt(V A) <= E X``) give, for the
mean of ``n`` samples and any ``x > 0``,

    P( mean >= (1 + kappa) E X ) <= 2 exp(-x),    kappa = 2 sqrt(x/n) + 2 x/n + sqrt(2 x/n),

and symmetrically ``P(mean <= (1 - kappa_lo) E X) <= 2 exp(-x)`` with ``kappa_lo = 2 sqrt(x/n) +
sqrt(2 x/n)``. So ``mean/(1 + kappa)`` is a lower confidence limit of ``E X``: the verdict is
*violated* only when that limit exceeds the bound (false alarm probability ``<= 2 exp(-x)`` per
cell, ``x = 20``: 4.1e-9), and the reported ratio is ``mean/bound``.

The same statement covers stochastic RAPP with a mini-batch schedule (R32, metric
``expected_mean_resolvent_residual_sq``): on a linear unconstrained ``F`` with Gaussian noise every
iterate ``z^k`` is affine in the noise, so ``X = (1/K) sum_{k<K} ||z^k - J z^k||^2`` is again the
squared norm of one Gaussian vector (the stacked residuals over ``sqrt(K)``).
"""

from __future__ import annotations

import numpy as np

from monoverify.operators.resolvent import resolvent
from monoverify.solvers import MiniBatch, StochasticOracle, run

__all__ = ["kappa", "X_CONF", "SAMPLERS"]

#: confidence parameter x of the tail bound 2 exp(-x)
X_CONF = 20.0


def kappa(n: int, x: float = X_CONF) -> tuple[float, float]:
    """Relative half-widths ``(kappa_up, kappa_lo)`` of the confidence band for ``n`` samples.

    >>> [round(k, 4) for k in kappa(4000)]
    [0.2514, 0.2414]
    """
    r = np.sqrt(x / n)
    return float(2 * r + 2 * x / n + np.sqrt(2 * x / n)), float(2 * r + np.sqrt(2 * x / n))


def _samples(quick: bool) -> int:
    return 1000 if quick else 4000


def _steps(K: int) -> list[int]:
    """Inner-step counts checked: 1, 2, K/2 and K (each is a separate seeded batch)."""
    return sorted({1, min(2, K), max(1, K // 2), K})


def _skip(op) -> str:
    """Why an instance cannot carry the confidence statement ('' when it can)."""
    if not op.is_linear or op.offset is not None or type(op.constraint).__name__ != "Whole":
        return "needs an unconstrained linear F (confidence statement)"
    return ""


def _cell_means(th, op, z0, cell, ci: int, n: int, seed: int) -> tuple:
    """Sample means, bounds and inner-step counts of one cell (one seeded batch of ``n`` per count)."""
    from .judge.cells import ARGS, lambdify, method_for

    g = float(cell["gamma"])
    w_star = resolvent(op, np.asarray(z0, float), g)
    vals = dict(cell.values, D0=float(np.sum((np.asarray(z0) - w_star) ** 2)))
    bound_f = lambdify(th.bound)
    ks = _steps(int(vals["K"]))
    means, bnds = [], []
    for k in ks:
        m = method_for(th, [dict(vals, K=float(k))])
        oracle = StochasticOracle(op, sigma=float(vals["sigma"]), seed=seed + 1000 * ci + k)
        z = np.broadcast_to(np.asarray(z0, float), (n, op.dim)).copy()
        w = m.step(m.init(z, oracle), oracle)["z"]
        means.append(float(np.mean(np.sum((w - w_star) ** 2, axis=-1))))
        bnds.append(float(bound_f(*[np.asarray(dict(vals, K=float(k)).get(a, np.nan), float) for a in ARGS])))
    return vals, np.array(ks), np.array(means), np.array(bnds)


def _inner_means(th, op, z0, cells: list, n: int, seed: int) -> list:
    """:func:`_cell_means` of every cell (one seeded batch per cell and inner-step count)."""
    return [_cell_means(th, op, z0, cell, ci, n, seed) for ci, cell in enumerate(cells)]


def _minibatch_means(th, op, z0, cells: list, n: int, seed: int) -> list:
    """Stochastic runs of ``th.method`` with the mini-batch schedule ``th.schedule``, ``n`` seeded paths per cell.

    Cells with the same ``(tau, K, sigma)`` share one batched run (``n`` rows each). Per cell: the mean over
    ``k < k'`` of the metric's run monitor ``||z^k - J z^k||^2``, averaged over the paths, at horizons
    ``k' in {K/4, K/2, K}`` (same ``tau``: the bound holds at every horizon).
    """
    from .judge.cells import ARGS, lambdify, method_for
    from .metrics import curve, monitors_for

    bound_f = lambdify(th.bound)
    schedule = MiniBatch(*(th.schedule or (1, 0)))
    groups: dict = {}
    for cell in cells:
        groups.setdefault((int(cell["tau"]), int(cell["K"]), float(cell["sigma"])), []).append(cell)
    out = {}
    for gi, ((tau, K, sig), group) in enumerate(groups.items()):
        m = method_for(th, group).map_hyper(lambda name, v: np.repeat(np.asarray(v, float), n) if np.ndim(v) else v)
        oracle = StochasticOracle(op, sigma=sig, batch_size=schedule, seed=seed + 1000 * gi + K)
        z = np.broadcast_to(np.asarray(z0, float), (n * len(group), op.dim)).copy()
        host = m.map_hyper(lambda name, v: np.asarray(v).reshape(-1, 1) if np.ndim(v) else v)
        r = run(m, op, z, iters=K - 1, oracle=oracle, monitors=monitors_for(th.metric, op, host))
        per_path = curve(th.metric, r).reshape(K, len(group), n)       # ||z^k - J z^k||^2, k < K
        per_path = np.where(np.isfinite(per_path), per_path, np.inf)  # a path that left: infinite residual
        ks = np.array(sorted({max(1, K // 4), max(1, K // 2), K}))
        for j, cell in enumerate(group):
            # oracle complexity of the path: tau F calls per outer step, b_k samples each
            vals = dict(cell.values, oracle_samples=schedule.samples(K - 1, calls_per_step=tau))
            means = np.array([float(np.mean(per_path[:k, j].mean(axis=0))) for k in ks])
            bnds = np.array([float(bound_f(*[np.asarray(dict(vals, K=float(k)).get(a, np.nan), float) for a in ARGS]))
                             for k in ks])
            out[id(cell)] = (vals, ks, means, bnds)
    return [out[id(c)] for c in cells]


#: metric -> sampler ``(th, op, z0, cells, n, seed) -> [(values, ks, means, bounds) per cell]``
SAMPLERS = {"expected_inner_error_sq": _inner_means, "expected_mean_resolvent_residual_sq": _minibatch_means}
