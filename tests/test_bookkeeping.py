"""The runner's bookkeeping (solvers/meter.py, solvers/records.py): records from the step's own
``F z``, one call count for all active instances, and arrays built on first access.

Expected values are closed forms: on ``BilinearGame([[1]])`` (``F(x, y) = (y, -x)``) a GDA step
multiplies ``||z||`` by ``sqrt(1 + gamma^2)`` and ``||F z|| = ||z||``; RAPP(tau) evaluates ``F``
``tau`` times per outer step; on ``LowerBoundGame(rho, L)``, ``||F z|| = L ||z||``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from monoverify.operators import BilinearGame, LowerBoundGame
from monoverify.solvers import make, run
from monoverify.solvers.records import Lazy

GAME = BilinearGame([[1.0]])


def _first_beyond(norm0: float, growth: float, limit: float) -> int:
    """First k with norm0 growth^k > limit (exact in binary64 for the values used, far from ties)."""
    k = 0
    while norm0 * growth ** k <= limit:
        k += 1
    return k


@pytest.mark.parametrize("D,iters", [(1e3, 60), (1e12, 400)])
@pytest.mark.parametrize("record", [True, False])
@pytest.mark.parametrize("compiled", [True, False])
def test_divergence_stops_at_the_first_iteration_beyond_the_limit(record, compiled, D, iters):
    # with compiled=True the runner skips the test while the step's growth bound keeps every
    # instance inside (D = 1e12: blocks of skipped tests, shrinking near the limit)
    gammas = np.array([0.5, 1.0, 2.0, 0.05])
    z0 = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, -2.0], [1.0, 1.0]])
    norms0 = np.linalg.norm(z0, axis=1)
    r = run(make("gda", gamma=gammas), GAME, z0, iters=iters, diverge_at=D, record=record, compiled=compiled)
    want = [_first_beyond(n0, math.sqrt(1 + g * g), D * (1 + n0)) for n0, g in zip(norms0, gammas)]
    want = [min(w, iters) for w in want]
    assert r.n_iter.tolist() == want
    assert r.status.tolist() == ["diverged" if w < iters else "max_iter" for w in want]
    assert r.n_oracle.tolist() == want  # GDA: one F per step, none at init
    # the history has a row per reached iteration, NaN after an instance stopped
    res = r.history.residual
    for i, w in enumerate(want):
        if record:
            np.testing.assert_allclose(res[: w + 1, i], norms0[i] * math.sqrt(1 + gammas[i] ** 2) ** np.arange(w + 1),
                                       rtol=1e-12)
        assert np.all(np.isnan(res[w + 1:, i]))


@pytest.mark.parametrize("compiled", [True, False])
def test_rapp_call_counts_and_residuals_from_the_step(compiled):
    op = LowerBoundGame(-0.2, 1.0)
    z0 = np.random.default_rng(1).standard_normal((5, 2))
    r = run(make("rapp", gamma=np.linspace(0.3, 0.8, 5), lam=0.5, tau=5), op, z0, iters=30, compiled=compiled)
    assert r.path == ("compiled" if compiled else "step")
    assert r.n_oracle.tolist() == [150] * 5
    np.testing.assert_array_equal(r.history.n_oracle, np.repeat(5 * np.arange(31)[:, None], 5, axis=1))
    assert r.history.n_oracle.dtype == np.int64
    # ||F z|| = L ||z|| on this game (L = 1): residual and distance rows agree to rounding
    np.testing.assert_allclose(r.history.residual, float(op.L) * r.history.distance, rtol=1e-14)
    np.testing.assert_allclose(r.history.residual[-1], float(op.L) * np.linalg.norm(r.z, axis=1), rtol=1e-14)


@pytest.mark.parametrize("compiled", [True, False])
def test_call_count_history_of_instances_that_stop(compiled):
    # instances converge (tol) at different iterations: their counts are 0 after their last row
    op = LowerBoundGame(-0.2, 1.0)
    z0 = np.array([[1.0, 0.0], [1e-3, 0.0], [30.0, 0.0]])
    r = run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, z0, iters=2000, tol=1e-6, compiled=compiled)
    assert r.status.tolist() == ["converged"] * 3 and len(set(r.n_iter.tolist())) == 3
    calls = r.history.n_oracle
    for i, n in enumerate(r.n_iter.tolist()):
        np.testing.assert_array_equal(calls[: n + 1, i], 3 * np.arange(n + 1))
        assert not calls[n + 1:, i].any()
        assert r.n_oracle[i] == 3 * n


@pytest.mark.parametrize("compiled", [True, False])
def test_no_records_keeps_first_and_last_rows(compiled):
    op = LowerBoundGame(-0.2, 1.0)
    z0 = np.random.default_rng(2).standard_normal((4, 2))
    m = make("rapp", gamma=0.5, lam=np.array([0.1, 0.4, 0.7, 0.9]), tau=5)
    full = run(m, op, z0, iters=25, compiled=compiled)
    r = run(m, op, z0, iters=25, record=False, compiled=compiled)
    np.testing.assert_array_equal(r.z, full.z)
    h = r.history
    for name in ("residual", "distance"):
        a = getattr(h, name)
        assert a.shape == (26, 4) and a.dtype == np.float64
        np.testing.assert_array_equal(a[[0, 25]], getattr(full.history, name)[[0, 25]])
        assert np.all(np.isnan(a[1:25]))
    np.testing.assert_allclose(h.residual[0], np.linalg.norm(z0, axis=1) * float(op.L), rtol=1e-15)  # ||F z0|| = L ||z0||
    assert h.n_oracle.dtype == np.int64 and h.n_oracle.shape == (26, 4)
    assert h.n_oracle[25].tolist() == [125] * 4 and not h.n_oracle[:25].any()


def test_arrays_the_run_does_not_produce_are_built_on_access():
    op = LowerBoundGame(-0.2, 1.0)
    r = run(make("rapp", gamma=0.5, lam=0.5, tau=2), op, np.ones((3, 2)), iters=10, record=False)
    stored = vars(r.history)
    assert all(type(stored[k]) is Lazy for k in ("residual", "distance", "n_oracle"))
    assert r.history.n_oracle[10].tolist() == [20, 20, 20]
    assert type(vars(r.history)["n_oracle"]) is np.ndarray  # built once, then kept
    assert r.history.n_oracle is r.history.n_oracle
    assert np.isnan(r.final_residual).sum() == 0  # the last row holds the final residuals


def test_unbatched_run_squeezes_the_history():
    r = run(make("gda", gamma=0.1), GAME, np.array([1.0, 0.0]), iters=4, record=False)
    assert r.history.residual.shape == (5,) and r.history.n_oracle.tolist() == [0, 0, 0, 0, 4]
    np.testing.assert_allclose(r.history.residual[4], math.sqrt(1.01) ** 4, rtol=1e-14)


def test_growth_bound_of_the_compiled_step():
    # |z_new| <= (|I| + gamma |M|) |z| row by row: GDA on the bilinear game (|M| = [[0, 1], [1, 0]])
    # grows max|z| by at most 1 + gamma, EG by 1 + gamma (1 + gamma); OGDA keeps F of the last
    # point (a second state array): no bound, the test runs every iteration
    from monoverify.solvers import Oracle
    from monoverify.solvers.compiled import compile_step

    g = np.array([0.1, 0.5, 2.0])
    for name, want in (("gda", 1 + g), ("eg", 1 + g * (1 + g)), ("ogda", None)):
        m = make(name, gamma=g).map_hyper(lambda n, v: np.repeat(v[:, None], 2, axis=1))
        state = m.init(np.ones((3, 2)), Oracle(GAME))
        got = compile_step(m, GAME, state, Oracle(GAME)).growth()
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, want, rtol=1e-8)
            assert np.all(got >= want)  # an upper bound (rounding margin on top)


def test_history_pickles_and_copies_with_its_arrays():
    import copy
    import pickle

    r = run(make("rapp", gamma=0.5, lam=0.5, tau=2), LowerBoundGame(-0.2, 1.0), np.ones((3, 2)), iters=6, record=False)
    for h in (pickle.loads(pickle.dumps(r.history)), copy.deepcopy(r.history)):
        assert type(h.n_oracle) is np.ndarray and h.n_oracle[6].tolist() == [12, 12, 12]
        np.testing.assert_array_equal(h.residual, r.history.residual)
