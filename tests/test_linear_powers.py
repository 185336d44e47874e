"""Powers of the transition matrix (``solvers.linear_path.states_at`` / ``metric_at``): no K in the cost.

* Equal to the direct run (``run(..., linear="never")``, the method's own step every iteration) at
  every ``K <= 300`` to ``1e-10 (1 + ||z_direct|| + ||z*||)``, for every stationary registered method,
  on operators with ``z* = 0`` and with an offset ``F z = M (z - z*)``, ``z* != 0``; the metric values
  equal the metric evaluated on the direct run's iterates on the original operator.
* At ``K = 10^5`` equal, to ``1e-9`` relative, to the closed form ``z^K - z* = m^K (z0 - z*)`` of
  RAPP on a 2x2 rotation-scaling map (``M`` acts on ``x + iy`` as multiplication by ``c = a - ib``,
  so RAPP multiplies by ``m = 1 - lam + lam sum_{k<=tau} (-gamma c)^k``), computed with 50-digit
  mpmath from those formulas alone; with ``|z*| = 2000 |z0 - z*|`` too (only ``z - z*`` coordinates
  keep that relative accuracy when ``z^K - z*`` is ``1e-8 |z*|``).
* The number of matrix products grows like ``log K`` (counted through ``linear_path._product``).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from monoverify.operators import Box, LinearOperator, LowerBoundGame, random_comonotone
from monoverify.solvers import Oracle, make, run
from monoverify.solvers import linear_path
from monoverify.solvers.linear_path import NotLinear, metric_at, states_at
from monoverify.theory import metrics as MT

STATIONARY = [
    ("gda", dict(gamma=[0.05, 0.3, 0.6])), ("eg", dict(gamma=[0.1, 0.5, 0.9])),
    ("eg+", dict(gamma=0.8, alpha=[0.1, 0.5, 1.0])), ("ceg+", dict(gamma=[0.2, 0.5, 0.8])),
    ("ogda", dict(gamma=[0.05, 0.2, 0.4])), ("pp", dict(gamma=[0.1, 0.5, 2.0])),
    ("relaxed-pp", dict(gamma=0.5, lam=[0.1, 0.5, 1.5])), ("app", dict(gamma=[0.1, 0.5, 0.9], tau=3)),
    ("rapp", dict(gamma=[0.1, 0.5, 0.9], lam=0.5, tau=4)), ("la-gda", dict(gamma=[0.1, 0.5, 0.9], lam=0.3, tau=2)),
    ("la-eg", dict(gamma=0.5, lam=[0.1, 0.5, 0.9], tau=2)), ("la-eg+", dict(gamma=0.5, lam=[0.1, 0.5, 0.9], tau=2)),
    ("la-ceg+", dict(gamma=[0.1, 0.5, 0.9], lam=0.5, tau=2)), ("alt-gda", dict(gamma=[0.1, 0.3, 0.5])),
    ("la-alt-gda", dict(gamma=[0.1, 0.3, 0.5], lam=0.5, tau=3)),
]
KS = [0, 1, 2, 3, 10, 57, 128, 300]


def _m(name, kw):
    return make(name, **{k: (np.asarray(v) if isinstance(v, list) else v) for k, v in kw.items()})


def _ops():
    g = LowerBoundGame(-0.2, 1.0)
    A = random_comonotone(4, -0.1, 1.0, seed=1).matrix
    zs2, zs4 = np.array([3.0, -1.5]), np.array([1.0, -2.0, 0.5, 4.0])
    return [("game", g, None), ("game+offset", LinearOperator(g.matrix, b=-g.matrix @ zs2, players=g.players), zs2),
            ("lin4", LinearOperator(A, players=(slice(0, 2), slice(2, 4))), None),
            ("lin4+offset", LinearOperator(A, b=-A @ zs4, players=(slice(0, 2), slice(2, 4))), zs4)]


def _direct_path(m, op, z0, K):
    """z^k of the direct run for k = 0..K, (K + 1, batch, dim), from monitors (NaN after a stop)."""
    mon = {f"z{j}": (lambda z, idx, j=j: z[:, j]) for j in range(op.dim)}
    r = run(m, op, z0, iters=K, monitors=mon, linear="never", diverge_at=1e12)
    return np.stack([r.history.monitors[f"z{j}"] for j in range(op.dim)], axis=-1), r


@pytest.mark.parametrize("opcase", _ops(), ids=[o[0] for o in _ops()])
@pytest.mark.parametrize("name,kw", STATIONARY, ids=[s[0] for s in STATIONARY])
def test_states_at_equal_the_direct_run(name, kw, opcase):
    _, op, zs = opcase
    m = _m(name, kw)
    z0 = np.random.default_rng(2).standard_normal((3, op.dim)) + (0 if zs is None else zs)
    path, _ = _direct_path(m, op, z0, max(KS))
    got = states_at(m, op, z0, KS)[..., :op.dim]
    want = path[KS]
    ok = np.isfinite(want).all(axis=-1)
    assert ok[: 5].all() and ok.mean() > 0.7          # instances that diverge stop in the direct run
    zsn = 0.0 if zs is None else float(np.linalg.norm(zs))
    err = np.linalg.norm(got - want, axis=-1)[ok]
    assert np.all(err <= 1e-10 * (1 + np.linalg.norm(want, axis=-1)[ok] + zsn)), err.max()
    # shifted=True is the same minus z*
    sh = states_at(m, op, z0, KS, shifted=True)[..., :op.dim]
    np.testing.assert_allclose(sh + (0 if zs is None else zs), got, rtol=0, atol=1e-12 * (1 + zsn))


METRIC_CASES = [
    ("operator_sq", "rapp", dict(gamma=[0.3, 0.5, 0.7], lam=0.5, tau=4)),
    ("resolvent_residual_sq", "rapp", dict(gamma=[0.3, 0.5, 0.7], lam=0.5, tau=4)),
    ("fixed_point_residual_sq", "la-eg", dict(gamma=[0.3, 0.5, 0.7], lam=0.5, tau=3)),
    ("natural_residual_sq", "eg+", dict(gamma=0.5, alpha=[0.2, 0.5, 1.0])),
    ("extrapolated_operator_sq", "eg+", dict(gamma=0.5, alpha=[0.2, 0.5, 1.0])),
    ("ceg_step_sq", "ceg+", dict(gamma=[0.3, 0.5, 0.7], alpha=0.5)),
    ("distance_sq", "ogda", dict(gamma=[0.05, 0.2, 0.4])),
    ("step_sq", "la-gda", dict(gamma=[0.1, 0.5, 0.9], lam=0.3, tau=2)),
]


@pytest.mark.parametrize("opcase", _ops(), ids=[o[0] for o in _ops()])
@pytest.mark.parametrize("metric,name,kw", METRIC_CASES, ids=[c[0] for c in METRIC_CASES])
def test_metric_at_equals_the_metric_on_the_direct_run(metric, name, kw, opcase):
    _, op, zs = opcase
    m = _m(name, kw)
    z0 = np.random.default_rng(5).standard_normal((3, op.dim)) + (0 if zs is None else zs)
    Ks = [0, 1, 5, 40, 200]
    path, _ = _direct_path(m, op, z0, max(Ks))
    got = metric_at(m, op, z0, Ks, metric)
    assert got.shape == (len(Ks), 3)
    host = m.map_hyper(lambda n, v: np.broadcast_to(np.asarray(v, float), (3,)))
    zstar = np.broadcast_to(np.zeros(op.dim) if zs is None else zs, (3, op.dim))
    for i, K in enumerate(Ks):
        if metric == "step_sq" and K == 0:
            assert np.all(np.isnan(got[i]))
            continue
        at = MT.At(z=path[K], oracle=Oracle(op), method=MT.rows(host, np.arange(3)), zstar=zstar,
                   prev=path[K - 1] if K else None)
        want = MT.value(metric, at)
        scale = (1 + np.linalg.norm(path[K], axis=-1) + np.linalg.norm(zstar, axis=-1)) ** 2
        assert np.all(np.abs(got[i] - want) <= 1e-9 * scale), (K, got[i], want)


def _rotation_scaling(a, b):
    return np.array([[a, b], [-b, a]])


def _rapp_multiplier(a, b, gamma, lam, tau):
    """m with z+ = m z for RAPP on F(x + iy) = (a - ib)(x + iy), 50 digits."""
    mpmath.mp.dps = 50
    c = mpmath.mpc(a, -b)
    S = sum((-mpmath.mpf(gamma) * c) ** k for k in range(tau + 1))
    return 1 - mpmath.mpf(lam) + mpmath.mpf(lam) * S


def _closed_form(mult, v0, K):
    w = mult ** K * mpmath.mpc(v0[0], v0[1])
    return np.array([float(w.real), float(w.imag)])


@pytest.mark.parametrize("zs", [None, np.array([1200.0, -1600.0])], ids=["zstar0", "zstar2000"])
def test_k_1e5_against_the_closed_form_of_a_rotation_scaling_map(zs):
    K = 10**5
    gamma, tau = 0.5, 3
    cases = [(-0.05, 1.0), (0.02, 0.7), (0.0, 1.3)]            # (a, b): real part -0.05, 0.02, 0
    lams = []
    for a, b in cases:
        # pick lam so that |m|^K = exp(-10): |1 + lam u| = exp(-1e-4) with u = S - 1 (a quadratic in lam)
        mpmath.mp.dps = 50
        u = _rapp_multiplier(a, b, gamma, 1, tau) - 1
        r2 = mpmath.exp(-2e-4)
        A, Bq, C = abs(u) ** 2, 2 * u.real, 1 - r2
        lams.append(float((-Bq - mpmath.sqrt(Bq ** 2 - 4 * A * C)) / (2 * A)))
    z0 = np.array([[0.6, -0.8], [1.0, 0.0], [-0.3, 0.4]])
    for (a, b), lam, v0 in zip(cases, lams, z0):
        M = _rotation_scaling(a, b)
        op = LinearOperator(M) if zs is None else LinearOperator(M, b=-M @ zs)
        start = v0 if zs is None else zs + v0
        got = states_at(make("rapp", gamma=gamma, lam=lam, tau=tau), op, start, [K], shifted=True)[0, 0]
        mult = _rapp_multiplier(a, b, gamma, lam, tau)
        want = _closed_form(mult, v0, K)
        assert 1e-6 < np.linalg.norm(want) < 1e-3                 # |m|^K = e^-10 of |v0| = 1
        assert np.linalg.norm(got - want) <= 1e-9 * np.linalg.norm(want)
        # the metric at K: ||F z^K||^2 = |c|^2 |m|^(2K) |z0 - z*|^2
        v = metric_at(make("rapp", gamma=gamma, lam=lam, tau=tau), op, start, [K], "operator_sq")[0, 0]
        want_v = float(abs(mpmath.mpc(a, -b)) ** 2 * abs(mult) ** (2 * K) * (v0 @ v0))
        assert abs(v - want_v) <= 2e-9 * want_v


def test_a_stack_of_matrices_one_per_instance():
    """(batch, dim, dim): instance b iterates its own M_b (and hyper-parameter b); equal to one call per
    instance, and at K = 10^5 to the closed form."""
    K = 10**5
    cases = [(-0.05, 1.0), (0.02, 0.7), (0.0, 1.3)]
    Ms = np.stack([_rotation_scaling(a, b) for a, b in cases])
    gam = np.array([0.5, 0.4, 0.3])
    lam = np.array([0.2, 0.3, 0.1])
    z0 = np.array([[0.6, -0.8], [1.0, 0.0], [-0.3, 0.4]])
    x = states_at(make("rapp", gamma=gam, lam=lam, tau=2), Ms, z0, [7, K])
    for i, (a, b) in enumerate(cases):
        one = states_at(make("rapp", gamma=float(gam[i]), lam=float(lam[i]), tau=2), Ms[i], z0[i], [7, K])[:, 0]
        np.testing.assert_allclose(x[:, i], one, rtol=1e-13, atol=1e-300)
        want = _closed_form(_rapp_multiplier(a, b, gam[i], lam[i], 2), z0[i], K)
        assert np.linalg.norm(x[1, i] - want) <= 1e-9 * np.linalg.norm(want) + 1e-300
    # ogda (state (z, Fprev)) and pp (resolvent) on the stack equal the direct runs, instance by instance
    for name, kw in (("ogda", dict(gamma=np.array([0.05, 0.1, 0.2]))), ("pp", dict(gamma=np.array([0.5, 1.0, 2.0])))):
        xs = states_at(make(name, **kw), Ms, z0, [0, 3, 50])
        for i in range(3):
            r = run(make(name, **{k: float(v[i]) for k, v in kw.items()}), LinearOperator(Ms[i]), z0[i], iters=50)
            np.testing.assert_allclose(xs[2, i, :2], r.z, rtol=0, atol=1e-12 * (1 + np.linalg.norm(r.z)))


def test_matrix_products_grow_like_log_k(monkeypatch):
    calls = [0]
    real = np.matmul

    def counting(a, b):
        calls[0] += 1
        return real(a, b)

    monkeypatch.setattr(linear_path, "_product", counting)
    m = make("rapp", gamma=np.array([0.3, 0.5]), lam=0.5, tau=5)
    op = LowerBoundGame(-0.1, 1.0)
    counts = {}
    for K in (10**2, 10**4, 10**6, 2**40 - 1):
        calls[0] = 0
        states_at(m, op, np.ones(2), [K])
        counts[K] = calls[0]
        assert calls[0] <= 2 * K.bit_length()            # squarings + one product per set bit
    assert counts[2**40 - 1] == 39 + 40
    calls[0] = 0
    grid = np.unique(np.logspace(0, 5, 30).astype(int))   # a log grid of K up to 1e5: one set of squarings
    states_at(m, op, np.ones(2), grid)
    assert calls[0] <= 16 + 17 * grid.size


def test_refusals():
    op = LowerBoundGame(-0.2, 1.0)
    with pytest.raises(NotLinear, match="stationary"):
        states_at(make("feg", L=1.0), op, np.ones(2), [5])
    with pytest.raises(NotLinear, match="inner products"):
        states_at(make("adaptive-ceg+", gamma=0.5), op, np.ones(2), [5])
    with pytest.raises(NotLinear, match="unconstrained"):
        states_at(make("gda", gamma=0.5), op.with_constraint(Box(-1, 1, dim=2)), np.ones(2), [5])
    with pytest.raises(NotLinear, match="zero"):
        states_at(make("gda", gamma=0.5), LinearOperator(np.zeros((2, 2)) + [[1, 0], [0, 0]], b=[0.0, 1.0]),
                  np.ones(2), [5])
    with pytest.raises(ValueError, match="Ks"):
        states_at(make("gda", gamma=0.5), op, np.ones(2), [-1])
    with pytest.raises(ValueError, match="batch sizes"):
        states_at(make("gda", gamma=np.array([0.1, 0.2])), op, np.ones((3, 2)), [1])
    with pytest.raises(ValueError, match="squared norm"):
        metric_at(make("gda", gamma=0.5), op, np.ones(2), [1], "distance_ratio")
