"""The judge's stacked linear curves against direct runs of the same problems, row by row.

:func:`monoverify.theory.judge.linear_stack.curves` computes a metric at every ``k`` from powers of
the method's transition matrix; the expected values here come from the runner iterating the method
itself on each row's ``LinearOperator`` (and the metric's own run monitor), summed over the rows of
a cell.
"""

import numpy as np
import pytest

from monoverify.operators import LinearOperator
from monoverify.solvers import make, run
from monoverify.theory import metrics as MT
from monoverify.theory.judge.linear_stack import at_horizons, curves


def _direct(method, Ms, y0, K, metric, cell_of, n_cells):
    out = np.zeros((K + 1, n_cells))
    for i, (M, y) in enumerate(zip(Ms, y0)):
        op = LinearOperator(M)
        mons = MT.monitors_for(metric, op, method, K + 1)
        r = run(method, op, y, iters=K, monitors=mons, linear="never", diverge_at=1e300)
        c = MT.curve(metric, r)
        out[:, cell_of[i]] += np.where(np.isfinite(c), c, np.inf).reshape(-1)
    return out


def _blocks(rng, n):
    a, b = rng.uniform(0.05, 1, n), rng.uniform(-1, 1, n)
    return np.stack([np.stack([a, b], -1), np.stack([-b, a], -1)], -2)


CASES = [("eg", dict(gamma=0.3), "operator_sq"),
         ("rapp", dict(gamma=0.4, lam=0.5, tau=3), "fixed_point_residual_sq"),
         ("la-eg+", dict(gamma=0.3, alpha=0.5, lam=0.5, tau=2), "fixed_point_residual_sq"),
         ("gda", dict(gamma=0.2), "distance_ratio")]


@pytest.mark.parametrize("name,kw,metric", CASES)
def test_curves_equal_direct_runs(name, kw, metric):
    rng = np.random.default_rng(7)
    n, K = 12, 150                      # K > CHUNK: several chunks, and a partial last one
    Ms, y0 = _blocks(rng, n), rng.standard_normal((n, 2))
    # a ratio of a cell's summed distances is not a sum of the rows' ratios: one row per cell there
    nc = n if metric == "distance_ratio" else 4
    cell_of = np.arange(n) if metric == "distance_ratio" else np.repeat(np.arange(4), 3)
    m = make(name, **kw)
    got = curves(m, Ms, y0, K, metric, cell_of, nc)
    want = _direct(m, Ms, y0, K, metric, cell_of, nc)
    assert got.shape == (K + 1, nc)
    np.testing.assert_allclose(got[1:], want[1:], rtol=1e-11, atol=0)
    # the last iterates by repeated squaring agree too
    np.testing.assert_allclose(at_horizons(m, Ms, y0, [1, 7, K], metric, cell_of, nc), want[[1, 7, K]],
                               rtol=1e-11)


def test_non_normal_rows_and_a_diverging_cell():
    rng = np.random.default_rng(3)
    M_ok = np.array([[0.5, 2.0], [0.0, 0.5]])      # non-normal, monotone part not needed: EG contracts it
    M_bad = np.array([[0.0, 10.0], [-10.0, 0.0]])  # gamma L = 3 > 1: EG diverges on it
    Ms = np.stack([M_ok, M_ok.T, M_bad])
    y0 = rng.standard_normal((3, 2))
    m = make("eg", gamma=0.3)
    got = curves(m, Ms, y0, 400, "operator_sq", np.array([0, 0, 1]), 2)
    want = _direct(m, Ms[:2], y0[:2], 400, "operator_sq", np.array([0, 0]), 1)
    np.testing.assert_allclose(got[:, 0], want[:, 0], rtol=1e-11)
    # the diverging cell grows geometrically and is infinite once its state overflows the guard
    assert np.all(np.diff(np.log(got[:40, 1])) > 0)
    assert np.isinf(got[-1, 1])
    assert np.isfinite(got[:, 0]).all()
