"""Backends: the same method objects on array-API arrays (``array_api_strict``), float32, CuPy.

The namespace and dtype of a run follow ``z0`` (DESIGN.md); NumPy float64 is the reference.
CuPy tests are skipped cleanly where CuPy (or a GPU) is absent.
"""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.operators import Ball, Box, L1, LinearOperator, LowerBoundGame, Simplex, random_comonotone
from monoverify.arrays import to_numpy
from monoverify.operators.examples import GlobalForsaken, PolarGame
from monoverify.operators.resolvent import resolvent
from monoverify.solvers import StochasticOracle, make, run

from _maps import cupy_or_skip

xs = pytest.importorskip("array_api_strict")

METHODS = [
    ("gda", dict(gamma=0.1)),
    ("eg", dict(gamma=0.3)),
    ("eg+", dict(gamma=0.5, alpha=0.5)),
    ("ceg+", dict(gamma=0.5, alpha=0.5)),
    ("adaptive-ceg+", dict(gamma=0.5)),
    ("ogda", dict(gamma=0.2)),
    ("pp", dict(gamma=0.5)),
    ("relaxed-pp", dict(gamma=0.5, lam=0.7)),
    ("app", dict(gamma=0.5, tau=3)),
    ("rapp", dict(gamma=0.5, lam=0.5, tau=5)),
    ("la-gda", dict(gamma=0.3, lam=0.3, tau=2)),
    ("la-eg", dict(gamma=0.3, lam=0.5, tau=2)),
    ("la-eg+", dict(gamma=0.3, lam=0.5, tau=2, alpha=0.5)),
    ("la-ceg+", dict(gamma=0.3, lam=0.5, tau=2, alpha=0.5)),
    ("feg", dict(L=1.0, rho=-0.1)),
]


def _ops():
    M = random_comonotone(4, -0.1, 1.0, seed=2).matrix
    ops = {
        "lbg": LowerBoundGame(-0.3, 1.0),
        "rc6": random_comonotone(6, -0.2, 1.0, seed=1),
        "box": LinearOperator(M, constraint=Box(-0.5, 0.5, dim=4)),
        "ball": LinearOperator(M, constraint=Ball(0.7, dim=4)),
        "simplex": LinearOperator(M, constraint=Simplex(4)),
        "l1": LinearOperator(M, constraint=L1(0.1, 4)),
    }
    ops["polar"] = PolarGame(1)
    ops["gforsaken"] = GlobalForsaken()
    return ops


OPS = _ops()


def _z0(op, batch=3, seed=0):
    return 0.4 * np.random.default_rng(seed).standard_normal((batch, op.dim))


def _gamma_scale(op, kw):
    # keep gamma L < 1 so that pp on nonlinear/constrained maps uses the fixed-point path
    kw = dict(kw)
    L = float(op.L)
    for k in ("gamma",):
        if k in kw:
            kw[k] = kw[k] / max(L, 1.0)
    if "L" in kw:
        kw["L"] = max(L, 1.0)
    return kw


def _assert_runs_close(a, b, atol=1e-12):
    """Same numbers to ``atol`` (relative ``atol`` for entries above 1, e.g. divergent runs)."""
    np.testing.assert_allclose(to_numpy(b.z), a.z, rtol=atol, atol=atol)
    np.testing.assert_allclose(b.history.residual, a.history.residual, rtol=atol, atol=atol)
    if a.history.distance is not None:
        np.testing.assert_allclose(b.history.distance, a.history.distance, rtol=atol, atol=atol)
    np.testing.assert_array_equal(b.status, a.status)
    np.testing.assert_array_equal(b.n_oracle, a.n_oracle)


@pytest.mark.parametrize("opname", list(OPS))
@pytest.mark.parametrize("name,kw", METHODS, ids=[m[0] for m in METHODS])
def test_array_api_strict_matches_numpy(opname, name, kw):
    op = OPS[opname]
    m = make(name, **_gamma_scale(op, kw))
    z0 = _z0(op)
    a = run(m, op, z0, iters=25, tol=1e-9)
    b = run(m, op, xs.asarray(z0), iters=25, tol=1e-9)
    assert type(b.z).__module__.startswith("array_api_strict")
    assert b.z.dtype == xs.float64 and tuple(b.z.shape) == z0.shape
    _assert_runs_close(a, b)


def test_array_api_strict_sweep_and_unbatched():
    op = OPS["rc6"]
    gam = np.array([0.1, 0.4, 0.8, 1.5])
    m = make("rapp", gamma=gam, lam=0.5, tau=4)
    z0 = np.linspace(-1, 1, 6)
    a = run(m, op, z0, iters=40, tol=1e-8)
    b = run(m, op, xs.asarray(z0), iters=40, tol=1e-8)
    _assert_runs_close(a, b)
    a1 = run(make("rapp", gamma=0.5, lam=0.5, tau=4), op, z0, iters=40)
    b1 = run(make("rapp", gamma=0.5, lam=0.5, tau=4), op, xs.asarray(z0), iters=40)
    assert tuple(b1.z.shape) == (6,) and isinstance(b1.status, str)
    _assert_runs_close(a1, b1)


def test_array_api_strict_statuses():
    from monoverify.operators import BilinearGame

    op = BilinearGame([[1.0]])
    m = make("gda", gamma=np.array([0.01, 2.0]))
    a = run(m, op, np.array([1.0, 0.5]), iters=60)
    b = run(m, op, xs.asarray(np.array([1.0, 0.5])), iters=60)
    assert b.status.tolist() == ["max_iter", "diverged"]
    _assert_runs_close(a, b)


def test_array_api_strict_resolvent_paths():
    op = PolarGame(1)
    z = _z0(op, 4)
    for g in (0.5 / float(op.L), 1.5 / float(op.L)):  # fixed-point path, root path
        w_np = resolvent(op, z, g)
        w_xs = resolvent(op, xs.asarray(z), g)
        assert type(w_xs).__module__.startswith("array_api_strict")
        np.testing.assert_allclose(to_numpy(w_xs), w_np, rtol=0, atol=1e-12)
    lin = OPS["rc6"]
    z = _z0(lin, 4)
    np.testing.assert_allclose(to_numpy(resolvent(lin, xs.asarray(z), 0.7)), resolvent(lin, z, 0.7), rtol=0, atol=1e-12)


def test_array_api_strict_stochastic_oracle():
    op = OPS["lbg"]
    z0 = _z0(op, 5)
    m = make("rapp", gamma=0.5, lam=0.5, tau=3)
    a = run(m, op, z0, iters=15, oracle=StochasticOracle(op, sigma=0.2, seed=3))
    b = run(m, op, xs.asarray(z0), iters=15, oracle=StochasticOracle(op, sigma=0.2, seed=3))
    _assert_runs_close(a, b)


# --------------------------------------------------------------------------------------------
# float32
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("opname", list(OPS))
@pytest.mark.parametrize("name,kw", [METHODS[i] for i in (0, 2, 3, 5, 6, 9, 10, 14)], ids=lambda v: v if isinstance(v, str) else "")
def test_float32_in_float32_out(opname, name, kw):
    op = OPS[opname]
    m = make(name, **_gamma_scale(op, kw))
    z0 = _z0(op)
    ref = run(m, op, z0, iters=10)
    r32 = run(m, op, z0.astype(np.float32), iters=10)
    assert r32.z.dtype == np.float32
    np.testing.assert_allclose(r32.z, ref.z, rtol=0, atol=1e-4 * (1 + np.abs(ref.z).max()))
    s32 = run(m, op, xs.asarray(z0.astype(np.float32)), iters=10)
    assert s32.z.dtype == xs.float32
    np.testing.assert_allclose(to_numpy(s32.z), r32.z, rtol=0, atol=1e-5 * (1 + np.abs(ref.z).max()))


def test_float32_stochastic_and_sweep():
    op = OPS["rc6"]
    z0 = _z0(op, 4).astype(np.float32)
    r = run(make("la-gda", gamma=np.array([0.1, 0.2, 0.3, 0.4]), lam=0.5, tau=2), op, z0, iters=5,
            oracle=StochasticOracle(op, sigma=0.1, seed=0))
    assert r.z.dtype == np.float32


# --------------------------------------------------------------------------------------------
# CuPy (optional GPU backend)
# --------------------------------------------------------------------------------------------
def _cupy():
    return cupy_or_skip()


@pytest.mark.parametrize("opname", ["lbg", "rc6", "box", "ball", "simplex", "polar"])
@pytest.mark.parametrize("name,kw", [METHODS[i] for i in (0, 3, 5, 6, 9, 10, 14)], ids=lambda v: v if isinstance(v, str) else "")
def test_cupy_matches_numpy(opname, name, kw):
    cupy = _cupy()
    op = OPS[opname]
    m = make(name, **_gamma_scale(op, kw))
    z0 = _z0(op)
    a = run(m, op, z0, iters=25, tol=1e-9)
    b = run(m, op, cupy.asarray(z0), iters=25, tol=1e-9)
    assert isinstance(b.z, cupy.ndarray)
    _assert_runs_close(a, b, atol=1e-11)
    b32 = run(m, op, cupy.asarray(z0, dtype=cupy.float32), iters=25)
    assert b32.z.dtype == cupy.float32


def test_float32_iterative_resolvent_terminates():
    # float32 fixed-point iterates stall at rounding level; the resolvent must still stop early
    op = OPS["ball"]
    z = _z0(op, 3).astype(np.float32)
    w, info = resolvent(op, z, np.float32(0.5), return_info=True)
    assert w.dtype == np.float32 and info.converged and info.n_F < 200
    P = op.constraint.prox
    np.testing.assert_allclose(w, P(z - 0.5 * op.F(w)), rtol=0, atol=1e-5)
    w64 = resolvent(op, z.astype(np.float64), 0.5)
    np.testing.assert_allclose(w, w64, rtol=0, atol=1e-5)
