"""The linear fast path (solvers/linear_path.py and ``run(..., linear=...)``).

* ``transition_matrix`` equals the closed-form iteration matrices of SPEC §3/§5: GDA ``I - gM``,
  RAPP ``(1 - l) I + l sum_{i=0}^{tau} (-gM)^i``, OGDA ``[[I - 2gM, gI], [M, 0]]``, PP ``(I + gM)^{-1}``;
  batched equals one value at a time.
* ``run(linear="always")`` agrees with the direct run to ``1e-11 (1 + ||z||)`` (stated bound:
  rounding only, 200 outer steps), with identical oracle counts and statuses; records and
  monitors are produced every outer iteration.
* ``"auto"`` falls back (and ``"always"`` refuses, naming the reason) for nonlinear,
  time-varying, constrained, offset or stochastic cases.
"""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.operators import Box, LinearOperator, LowerBoundGame, random_comonotone
from monoverify.solvers import StochasticOracle, make, run
from monoverify.solvers.linear_path import NotLinear, transition_matrix

from _maps import SinMap

M2 = np.array([[0.3, 1.0], [-1.0, 0.3]])


def test_gda_matrix_closed_form():
    np.testing.assert_array_equal(transition_matrix(make("gda", gamma=0.5), M2), np.eye(2) - 0.5 * M2)


@pytest.mark.parametrize("tau", [1, 3, 7])
def test_rapp_matrix_closed_form(tau):
    g, lam = 0.4, 0.7
    S = sum(np.linalg.matrix_power(-g * M2, i) for i in range(tau + 1))
    np.testing.assert_allclose(transition_matrix(make("rapp", gamma=g, lam=lam, tau=tau), M2),
                               (1 - lam) * np.eye(2) + lam * S, rtol=0, atol=1e-15)


def test_ogda_matrix_closed_form():
    g = 0.2
    T = transition_matrix(make("ogda", gamma=g), M2)
    ref = np.block([[np.eye(2) - 2 * g * M2, g * np.eye(2)], [M2, np.zeros((2, 2))]])
    np.testing.assert_allclose(T, ref, rtol=0, atol=1e-15)


def test_pp_matrix_closed_form():
    T = transition_matrix(make("pp", gamma=0.5), M2)
    np.testing.assert_allclose(T, np.linalg.inv(np.eye(2) + 0.5 * M2), rtol=0, atol=1e-15)


def test_batched_equals_scalar():
    gs = np.array([0.1, 0.5, 0.9])
    Tb = transition_matrix(make("la-eg", gamma=gs, lam=0.5, tau=3), M2)
    assert Tb.shape == (3, 2, 2)
    for i, g in enumerate(gs):
        np.testing.assert_array_equal(Tb[i], transition_matrix(make("la-eg", gamma=float(g), lam=0.5, tau=3), M2))


STATIONARY = [
    ("gda", dict(gamma=[0.05, 0.3, 0.6])), ("eg", dict(gamma=[0.1, 0.5, 0.9])),
    ("eg+", dict(gamma=0.8, alpha=[0.1, 0.5, 1.0])), ("ceg+", dict(gamma=[0.2, 0.5, 0.8])),
    ("ogda", dict(gamma=[0.05, 0.2, 0.4])), ("pp", dict(gamma=[0.1, 0.5, 2.0])),
    ("relaxed-pp", dict(gamma=0.5, lam=[0.1, 0.5, 1.5])), ("app", dict(gamma=[0.1, 0.5, 0.9], tau=3)),
    ("rapp", dict(gamma=[0.1, 0.5, 0.9], lam=0.5, tau=4)), ("la-gda", dict(gamma=[0.1, 0.5, 0.9], lam=0.3, tau=2)),
    ("la-eg", dict(gamma=0.5, lam=[0.1, 0.5, 0.9], tau=2)), ("la-eg+", dict(gamma=0.5, lam=[0.1, 0.5, 0.9], tau=2)),
    ("la-ceg+", dict(gamma=[0.1, 0.5, 0.9], lam=0.5, tau=2)),
]


def _m(name, kw):
    return make(name, **{k: (np.asarray(v) if isinstance(v, list) else v) for k, v in kw.items()})


@pytest.mark.parametrize("op", [LowerBoundGame(-0.2, 1.0), random_comonotone(5, -0.2, 1.0, seed=1),
                                random_comonotone(12, -0.1, 1.0, seed=3)], ids=["game2", "lin5", "lin12"])
@pytest.mark.parametrize("name,kw", STATIONARY, ids=[s[0] for s in STATIONARY])
def test_linear_run_matches_direct(name, kw, op):
    m = _m(name, kw)
    z0 = np.random.default_rng(2).standard_normal((3, op.dim))
    mon = {"x0": lambda z, idx: z[:, 0]}
    rd = run(m, op, z0, iters=200, monitors=mon, diverge_at=1e300)
    rl = run(m, op, z0, iters=200, monitors=mon, diverge_at=1e300, linear="always")
    assert rl.path == "linear" and rd.path != "linear"
    scale = 1 + np.linalg.norm(rd.z, axis=1)
    assert np.all(np.linalg.norm(rl.z - rd.z, axis=1) <= 1e-11 * scale)
    assert rl.status.tolist() == rd.status.tolist()
    np.testing.assert_array_equal(rl.n_oracle, rd.n_oracle)
    np.testing.assert_array_equal(rl.history.n_oracle, rd.history.n_oracle)
    assert rl.n_resolvent == rd.n_resolvent
    # records every outer iteration: residuals agree to the same relative bound, row by row
    Hd, Hl = rd.history.residual, rl.history.residual
    assert np.all(np.isfinite(Hl)) and Hl.shape == Hd.shape
    hist_scale = np.linalg.norm(op.matrix, 2) * (1 + np.nanmax(rd.history.distance, axis=0))
    assert np.all(np.abs(Hl - Hd) <= 1e-11 * hist_scale)
    np.testing.assert_allclose(rl.history.monitors["x0"], rd.history.monitors["x0"], rtol=0,
                               atol=1e-11 * float(np.max(hist_scale)))


def test_rapp_tau_482_stopping_agrees():
    op = LowerBoundGame(-0.2, 1.0)
    m = make("rapp", gamma=np.array([0.7, 0.8, 0.95]), lam=0.5, tau=482)
    z0 = np.array([1.0, -0.5])
    rd = run(m, op, z0, iters=300, tol=1e-9)
    rl = run(m, op, z0, iters=300, tol=1e-9, linear="auto")
    assert rl.path == "linear" and rd.status.tolist() == rl.status.tolist() == ["converged"] * 3
    assert np.all(np.abs(rl.n_iter - rd.n_iter) <= 1)  # the residual crosses tol at the same step up to rounding
    np.testing.assert_array_equal(rl.n_oracle, 482 * rl.n_iter)


def _fallbacks():
    A = random_comonotone(3, -0.1, 1.0, seed=0).matrix
    op = LowerBoundGame(-0.2, 1.0)
    return [
        ("feg counter", make("feg", L=1.0), op, {}, "stationary"),
        ("adaptive inner products", make("adaptive-ceg+", gamma=0.5), op, {}, "inner products"),
        ("constraint", make("gda", gamma=0.5), LinearOperator(A, constraint=Box(-1, 1, dim=3)), {}, "constraint"),
        ("offset", make("gda", gamma=0.5), LinearOperator(A, b=np.ones(3)), {}, "offset"),
        ("nonlinear", make("gda", gamma=0.5), SinMap(A, np.zeros(3)), {}, "LinearOperator"),
        ("stochastic", make("gda", gamma=0.5), op, {"oracle": StochasticOracle(op, 0.1)}, "StochasticOracle"),
        ("float32", make("gda", gamma=0.5), op, {"z0": np.ones(2, dtype=np.float32)}, "float64"),
    ]


@pytest.mark.parametrize("case", _fallbacks(), ids=[c[0] for c in _fallbacks()])
def test_auto_falls_back_and_always_refuses(case):
    _, m, op, kw, words = case
    kw = dict(kw)
    z0 = kw.pop("z0", np.ones(op.dim))
    r = run(m, op, z0, iters=5, linear="auto", **kw)
    assert r.path != "linear"
    with pytest.raises(ValueError, match=words):
        run(m, op, z0, iters=5, linear="always", **kw)


def test_not_linear_is_value_error():
    with pytest.raises(NotLinear):
        transition_matrix(make("feg", L=1.0), M2)
    with pytest.raises(ValueError, match="linear="):
        run(make("gda", gamma=0.5), LowerBoundGame(-0.2, 1.0), np.ones(2), linear="sometimes")


def test_auto_skips_the_linear_path_where_building_T_costs_more_than_the_run():
    from monoverify.solvers.steppers import linear_pays

    op = random_comonotone(100, -0.1, 1.0, seed=0)
    m = make("rapp", gamma=np.linspace(0.4, 0.6, 64), lam=0.5, tau=5)
    z = np.ones((64, 100))
    # 64 instances x 5 steps: T (64 products of 100 x 100 x 100 per F call) costs more than the run
    assert not linear_pays(100, 64, 5) and run(m, op, z, iters=5, linear="auto").path != "linear"
    assert run(m, op, z, iters=5, linear="always").path == "linear"
    # one instance, 100 steps: building T is one batched step, the run's calls are 100 x fewer
    one = make("rapp", gamma=0.5, lam=0.5, tau=5)
    assert linear_pays(100, 1, 100) and run(one, op, np.ones(100), iters=100, linear="auto").path == "linear"
    assert linear_pays(16, 10**6, 1)                                   # small dimension: always


@pytest.mark.parametrize("name,method", [
    ("fixed_point_residual_sq", make("la-eg", gamma=np.array([0.3, 0.5, 0.7]), lam=0.5, tau=3)),
    ("resolvent_residual_sq", make("rapp", gamma=np.array([0.3, 0.5, 0.7]), lam=0.5, tau=4)),
    ("extrapolated_operator_sq", make("eg+", gamma=0.5, alpha=np.array([0.2, 0.5, 1.0]))),
    ("natural_residual_sq", make("eg+", gamma=0.5, alpha=0.5)),
    ("ceg_step_sq", make("ceg+", gamma=np.array([0.3, 0.5, 0.7]), alpha=0.5)),
])
def test_metric_monitors_through_their_matrix_equal_the_metric(name, method):
    """On a linear operator a run's monitor is ||R z||^2 with R from the metric on the unit states; it
    equals the metric evaluated directly on every z (and on a subset of the instances, as after stops)."""
    from monoverify.operators import LowerBoundGame, random_comonotone
    from monoverify.solvers import Oracle
    from monoverify.theory import metrics as M

    rng = np.random.default_rng(0)
    for op in (LowerBoundGame(-0.2, 1.0), random_comonotone(6, -0.1, 1.0, seed=1)):
        fast = M._linear_monitor(name, op, method, 1000)
        assert fast is not None
        for idx in (np.arange(3), np.array([0, 2])):
            z = rng.standard_normal((idx.size, op.dim))
            direct = M.value(name, M.At(z=z, oracle=Oracle(op), method=M.rows(method, idx)))
            np.testing.assert_allclose(fast(z, idx), direct, rtol=1e-13, atol=1e-14)
    # constrained, or too few evaluations to pay for the matrix: the metric itself
    from monoverify.operators import Ball

    assert M._linear_monitor(name, LowerBoundGame(-0.2, 1.0).with_constraint(Ball(1.0, 2)), method, 1000) is None
    assert M._linear_monitor(name, random_comonotone(40, -0.1, 1.0, seed=1), method, 1) is None
