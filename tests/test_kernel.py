"""The generated numba kernel (solvers/kernel.py, ``run(..., kernel=...)``) against the NumPy path.

The NumPy path (``kernel="never"``: the compiled step replayed by the runner) is the reference: its
results are themselves tested bit for bit against ``method.step`` (tests/test_compiled.py). The
kernel must give the **same bits**: final iterates, residual and distance history (every row,
NaN where an instance has stopped), statuses, iteration and oracle counts, for every registered
method it accepts, on linear operators (with and without an offset), with ``Box``, ``Ball`` and ``L1``
constraints and on the nonlinear examples; with records, without, with a tolerance, with
instances that diverge, converge or overflow. Methods it does not accept fall back to the NumPy
path (``kernel="always"`` names why). Without numba everything runs on NumPy.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from monoverify.operators import Ball, Box, L1, LinearOperator, LowerBoundGame, random_comonotone
from monoverify.operators.examples import Forsaken, GlobalForsaken, PolarGame
from monoverify.solvers import METHODS, make, run

try:
    import numba  # noqa: F401
    HAVE_NUMBA = True
except ImportError:
    HAVE_NUMBA = False
needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed (the fast extra)")

B = 96
RNG = np.random.default_rng(7)

# a value for every parameter name the registry uses; arrays where a sweep is natural
PARAMS = {"gamma": np.linspace(0.05, 0.9, B), "lam": np.linspace(0.1, 0.9, B)[::-1].copy(), "tau": 3,
          "alpha": 0.5, "L": 1.0, "rho": -0.1, "sigma": None, "beta": 0.3}
# the registered methods the kernel is known to write (the others use a resolvent, inner products,
# a step counter or players' masks); a method added later is tested too, against the NumPy path
KERNEL_METHODS = {"gda", "eg", "eg+", "ceg+", "ogda", "app", "rapp", "la-gda", "la-eg", "la-eg+", "la-ceg+"}


def _method(name):
    spec = METHODS[name]
    kw = {p: PARAMS[p] for p in spec.params if p in PARAMS and PARAMS[p] is not None}
    try:
        return make(name, **kw)
    except Exception:
        return make(name, **{p: (float(np.mean(v)) if isinstance(v, np.ndarray) else v) for p, v in kw.items()})


def same_bits(a, b, signed_zero=True):
    """Equal arrays: NaN at the same places, every other entry the same bits (``signed_zero=False``:
    ``==``, so 0.0 and -0.0 count as equal)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind != "f":
        return bool(np.array_equal(a, b))
    na, nb = np.isnan(a), np.isnan(b)
    if not np.array_equal(na, nb):
        return False
    if signed_zero:
        return bool(np.array_equal(a[~na].view(np.int64), b[~nb].view(np.int64)))
    return bool(np.array_equal(a[~na], b[~nb]))


def assert_same_run(rk, rn, signed_zero=True):
    assert rk.path == "kernel" and rn.path != "kernel"
    assert same_bits(rk.z, rn.z, signed_zero)
    assert same_bits(rk.history.residual, rn.history.residual, signed_zero)
    assert (rk.history.distance is None) == (rn.history.distance is None)
    if rn.history.distance is not None:
        assert same_bits(rk.history.distance, rn.history.distance, signed_zero)
    assert rk.status.tolist() == rn.status.tolist()
    assert np.array_equal(rk.n_iter, rn.n_iter) and np.array_equal(rk.n_oracle, rn.n_oracle)
    assert np.array_equal(rk.history.n_oracle, rn.history.n_oracle)
    assert rk.history.kind == rn.history.kind and rk.message == rn.message


MODES = [dict(iters=60), dict(iters=60, record=False), dict(iters=300, tol=1e-6), dict(iters=40, tol=1e-3, record=False),
         dict(iters=25, record_residual=False)]


@needs_numba
@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_registered_method_on_a_linear_game(name):
    """Every method: the kernel where it applies, equal bit for bit; else the NumPy path, and "always" refuses."""
    op = LowerBoundGame(-0.2, 1.0)
    m = _method(name)
    z0 = RNG.standard_normal((B, 2)) * 3
    try:
        run(m, op, z0, iters=5, kernel="never")
    except ValueError as exc:      # e.g. a splitting method needs an operator given as a sum
        pytest.skip(f"{name} does not run on a plain LinearOperator: {exc}")
    try:
        rk = run(m, op, z0, iters=5, kernel="always")
    except ValueError as exc:
        assert name not in KERNEL_METHODS, f"{name}: {exc}"
        assert "does not apply" in str(exc)
        r = run(m, op, z0, iters=5, kernel="auto")
        assert r.path != "kernel"
        return
    for kw in MODES:
        rk = run(m, op, z0, kernel="always", **kw)
        rn = run(m, op, z0, kernel="never", **kw)
        assert_same_run(rk, rn)
    # the sweep has diverging instances (large gamma) and, with tol, converging ones
    statuses = set(run(m, op, z0, iters=300, tol=1e-6, kernel="always").status.tolist())
    assert len(statuses) >= 1


def _ops():
    A = random_comonotone(3, -0.1, 1.0, seed=4).matrix
    zs = np.array([0.5, -1.0, 2.0])
    g = LowerBoundGame(-0.1, 1.0)
    return [
        ("offset3", LinearOperator(A, b=-A @ zs), True),
        ("box", g.with_constraint(Box(-0.7, 0.4, dim=2)), False),
        ("ball", g.with_constraint(Ball(0.8, 2)), True),
        ("ball-off-centre", g.with_constraint(Ball(1.5, 2, center=[0.3, -0.2])), True),
        ("l1", g.with_constraint(L1(0.05, 2)), True),
        ("polar", PolarGame(), True),
        ("forsaken", Forsaken(), True),
        ("global-forsaken", GlobalForsaken(), True),
    ]


@needs_numba
@pytest.mark.parametrize("opcase", _ops(), ids=[o[0] for o in _ops()])
def test_constrained_offset_and_nonlinear_operators(opcase):
    tag, op, signed = opcase
    # two methods per operator (each pair is one compile): EG+ (a projection per half step) and one of
    # RAPP (anchored inner loop), OGDA (two state entries), LA-CEG+ (Tseng's correction under Lookahead)
    other = {"offset3": "ogda", "box": "rapp", "ball": "la-ceg+", "ball-off-centre": "rapp", "l1": "la-ceg+",
             "polar": "rapp", "forsaken": "ogda", "global-forsaken": "la-ceg+"}[tag]
    for name in ("eg+", other):
        _check_pair(_method(name), op, signed)


def _check_pair(m, op, signed):
    z0 = RNG.standard_normal((B, op.dim)) * 0.8
    for kw in (dict(iters=80), dict(iters=200, tol=1e-8, record=False)):
        rk = run(m, op, z0, kernel="always", **kw)
        rn = run(m, op, z0, kernel="never", **kw)
        # Box: a coordinate clipped exactly at a bound 0.0 may carry the other signed zero (values equal)
        assert_same_run(rk, rn, signed_zero=signed)


@needs_numba
def test_overflow_is_diverged_and_nan_stays_nan():
    """Expanding GDA with no divergence limit overflows (inf - inf = NaN): 'diverged', decided as the
    NumPy path decides it (its replay of the step), at the same iteration."""
    op = LowerBoundGame(-0.2, 1.0)
    z0 = RNG.standard_normal((B, 2))
    # GDA with large steps: diverged past the limit; EG with steps up to 1e200: F of an infinite
    # extrapolation is inf - inf, a NaN from a finite iterate, which the replay classifies as overflow
    for m, kw in ((make("gda", gamma=np.linspace(1.5, 40.0, B)), dict(iters=400)),
                  (make("gda", gamma=np.linspace(1.5, 40.0, B)), dict(iters=400, record=False)),
                  (make("eg", gamma=np.logspace(1, 200, B)), dict(iters=50, diverge_at=1e300)),
                  (make("eg", gamma=np.logspace(1, 200, B)), dict(iters=50, diverge_at=1e300, record=False))):
        rk = run(m, op, z0, kernel="always", **kw)
        rn = run(m, op, z0, kernel="never", **kw)
        assert_same_run(rk, rn)
        assert "diverged" in set(rk.status.tolist())
        if kw.get("diverge_at") == 1e300:   # some stopped on an overflow to NaN, classified 'diverged'
            assert np.isnan(rk.z[rk.status == "diverged"]).any()
    # huge start points: the squares overflow, the runner's rescaled norm decides (not 'diverged' at k = 0)
    z0 = np.full((4, 2), 1e200)
    rk = run(make("rapp", gamma=0.5, lam=0.5, tau=2), op, z0, iters=30, kernel="always")
    rn = run(make("rapp", gamma=0.5, lam=0.5, tau=2), op, z0, iters=30, kernel="never")
    assert_same_run(rk, rn)


@needs_numba
def test_parallel_blocks_equal_the_serial_kernel_and_unbatched_calls():
    op = LowerBoundGame(-0.2, 1.0)
    n = 1500   # three blocks of 512, the last partial
    m = make("rapp", gamma=np.linspace(0.3, 0.9, n), lam=0.5, tau=5)
    z0 = np.random.default_rng(1).standard_normal((n, 2))
    rp = run(m, op, z0, iters=120, tol=1e-9, kernel="parallel")
    rn = run(m, op, z0, iters=120, tol=1e-9, kernel="never")
    assert_same_run(rp, rn)
    one = run(make("rapp", gamma=0.5, lam=0.5, tau=5), op, np.array([1.0, -0.5]), iters=50, kernel="always")
    ref = run(make("rapp", gamma=0.5, lam=0.5, tau=5), op, np.array([1.0, -0.5]), iters=50, kernel="never")
    assert one.z.shape == (2,) and same_bits(one.z, ref.z) and same_bits(one.history.residual, ref.history.residual)
    assert str(one.status) == str(ref.status)


@needs_numba
def test_auto_keeps_small_runs_on_numpy_and_takes_the_kernel_for_large_ones(monkeypatch):
    from monoverify.solvers import kernel as K

    op = LowerBoundGame(-0.2, 1.0)
    assert run(make("gda", gamma=0.5), op, np.ones(2), iters=3).path == "compiled"
    # the rule: the NumPy path's expected time (RAPP tau = 5 on 65,536 instances x 200 steps: above it)
    assert K.numpy_seconds(36, 65536, 2, 200) >= K._AUTO_SECONDS > K.numpy_seconds(36, 96, 2, 1000)
    monkeypatch.setattr(K, "_AUTO_SECONDS", 0.0)   # every run "pays": the rule alone decides below
    m = make("rapp", gamma=np.linspace(0.45, 0.8, 64), lam=0.5, tau=5)
    assert run(m, op, np.ones((64, 2)), iters=20).path == "kernel"
    # what the kernel cannot write stays on the NumPy path, whatever the size
    assert run(make("pp", gamma=np.linspace(0.1, 1, 64)), op, np.ones((64, 2)), iters=20).path == "compiled"
    assert run(m, op, np.ones((64, 2)), iters=20, monitors={"x": lambda z, i: z[:, 0]}).path == "compiled"


@needs_numba
def test_disk_cache_source_is_written_once(tmp_path, monkeypatch):
    from monoverify.solvers import kernel as K

    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path))
    monkeypatch.setattr(K, "_MODULES", {})
    op = LowerBoundGame(-0.2, 1.0)
    run(make("eg", gamma=np.linspace(0.1, 0.9, 64)), op, np.ones((64, 2)), iters=5, kernel="always")
    files = sorted(p.name for p in (tmp_path / "kernels").glob("k_*.py"))
    assert len(files) == 1
    # another operator matrix and other hyper-parameter values: the same kernel (they are arguments)
    run(make("eg", gamma=np.linspace(0.2, 0.3, 10)), LowerBoundGame(-0.1, 2.0), np.ones((10, 2)), iters=5,
        kernel="always")
    assert sorted(p.name for p in (tmp_path / "kernels").glob("k_*.py")) == files


def test_without_numba_everything_runs_on_numpy(monkeypatch):
    from monoverify.solvers import kernel as K

    monkeypatch.setitem(sys.modules, "numba", None)     # `import numba` now raises ImportError
    monkeypatch.setattr(K, "_AUTO_SECONDS", 0.0)        # a run the kernel would take
    assert K.available() is None
    op = LowerBoundGame(-0.2, 1.0)
    m = make("rapp", gamma=np.linspace(0.45, 0.8, 64), lam=0.5, tau=5)
    r = run(m, op, np.ones((64, 2)), iters=20)
    assert r.path == "compiled" and r.counts()["max_iter"] == 64
    with pytest.raises(ValueError, match="numba"):
        run(m, op, np.ones((64, 2)), iters=5, kernel="always")


def test_kernel_argument_is_checked():
    with pytest.raises(ValueError, match="kernel="):
        run(make("gda", gamma=0.5), LowerBoundGame(-0.2, 1.0), np.ones(2), kernel="fast")


def test_the_squared_limit_decides_as_the_norm():
    """The kernel tests ||z||^2 > T instead of ||z|| > limit: the same decision for every s (checked on the
    doubles next to T and on random squares)."""
    from monoverify.solvers.kernel import _square_bound

    lim = np.array([1e10 * (1 + 2.5), 3.0, 1e-3, 7.77e150, 1e200, 1.0])
    T = _square_bound(lim)
    rng = np.random.default_rng(0)
    for L, t in zip(lim, T):
        with np.errstate(over="ignore"):
            s = np.concatenate([[t, np.nextafter(t, 0), np.nextafter(t, np.inf)],
                                np.nextafter(t, np.inf) * rng.uniform(0.99999, 1.00001, 2000), [np.inf, 0.0]])
            assert np.array_equal(np.sqrt(s) > L, s > t)


# ------------------------------------------------------------------------------------------------
# monitors: a metric's residual traced into the kernel (theory.metrics.monitors_for attaches it)
# ------------------------------------------------------------------------------------------------
MONITOR_CASES = [("rapp", dict(lam=0.5, tau=2), "natural_residual_sq"),
                 ("eg+", dict(alpha=0.5), "ceg_step_sq"),
                 ("rapp", dict(lam=0.5, tau=2), "fixed_point_residual_sq")]


def _monitored(name, kw, op, metric, kernel, **opts):
    from monoverify.theory import metrics as MT

    gamma = np.linspace(0.2, 2.6, 24)            # the large steps diverge: rows NaN after their stop
    m = make(name, gamma=gamma, **kw)
    host = m.map_hyper(lambda n, v: np.broadcast_to(np.asarray(v, float), (24,)))
    z0 = np.random.default_rng(5).standard_normal((24, op.dim)) * 2.0
    mons = MT.monitors_for(metric, op, host, 61)
    return run(m, op, z0, iters=60, monitors=mons, kernel=kernel, **opts)


@needs_numba
@pytest.mark.parametrize("name,kw,metric", MONITOR_CASES)
@pytest.mark.parametrize("constraint", ["ball", "l1", "box"])
def test_monitors_in_the_kernel_give_the_numpy_paths_bits(name, kw, metric, constraint):
    A = {"ball": Ball(0.5, 2), "l1": L1(0.1, 2), "box": Box(np.array([-0.3, -0.2]), np.array([0.4, 0.25]))}[constraint]
    op = LowerBoundGame(-0.2, 1.0).with_constraint(A)
    for opts in ({}, {"monitor_final_only": True}, {"record": False}):
        ref = _monitored(name, kw, op, metric, "never", **opts)
        got = _monitored(name, kw, op, metric, "always", **opts)
        assert got.path == "kernel" and ref.path != "kernel"
        assert same_bits(got.history.monitors[metric], ref.history.monitors[metric], signed_zero=False), opts
        assert same_bits(got.history.residual, ref.history.residual) and same_bits(got.z, ref.z, signed_zero=False)
        assert np.array_equal(got.status, ref.status) and np.array_equal(got.n_iter, ref.n_iter)
        assert np.array_equal(got.n_oracle, ref.n_oracle)
    if constraint == "l1":   # unbounded: the large steps diverge, and rows end at their stop
        assert {"diverged", "max_iter"} <= set(np.asarray(ref.status).tolist())


@needs_numba
def test_a_monitor_the_kernel_cannot_match_falls_back_to_numpy(monkeypatch):
    from monoverify.solvers import kernel as K
    from monoverify.theory import metrics as MT

    op = LowerBoundGame(-0.2, 1.0).with_constraint(Ball(0.5, 2))
    m = make("rapp", gamma=0.5, lam=0.5, tau=2)
    host = m.map_hyper(lambda n, v: np.broadcast_to(np.asarray(v, float), (8,)))
    mons = MT.monitors_for("natural_residual_sq", op, host, 11)
    fn = mons["natural_residual_sq"]
    # the traced residual is not what the monitor computes: the start-point check refuses the kernel
    mons["natural_residual_sq"] = lambda z, idx: fn(z, idx) * (1 + 1e-15)
    mons["natural_residual_sq"].kernel_residual, mons["natural_residual_sq"].kernel_host = fn.kernel_residual, host
    with pytest.raises(ValueError, match="differs"):
        run(m, op, np.ones((8, 2)), iters=10, monitors=mons, kernel="always")
    monkeypatch.setattr(K, "_AUTO_SECONDS", 0.0)
    assert run(m, op, np.ones((8, 2)), iters=10, monitors=mons).path == "compiled"


@needs_numba
def test_auto_compiles_only_where_the_numpy_path_would_take_longer(tmp_path, monkeypatch):
    from monoverify.solvers import kernel as K

    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path))
    monkeypatch.setattr(K, "_MODULES", {})
    # a compile costs more than a load, and more per line as kernels grow
    assert K.compile_seconds(500) > 4 * K._AUTO_SECONDS
    assert K.compile_seconds(3000) / 3000 > K.compile_seconds(500) / 500
    from monoverify.solvers import Oracle

    op = LowerBoundGame(-0.2, 1.0)
    m = make("rapp", gamma=0.5, lam=0.5, tau=4)
    z = np.ones((1, 2))
    kp = K.plan(m, m, op, z, Oracle(op))
    per_iter = K.numpy_seconds(kp.step.prog_ops, 1, 2, 1, kp.step.n_F + kp.step.n_prox)
    # a run whose NumPy time is above a load and below a first compile -> NumPy while no kernel is compiled
    iters = int(np.sqrt(K._AUTO_SECONDS * K.compile_seconds(kp.n_ops)) / per_iter)
    assert K._AUTO_SECONDS < iters * per_iter < K.compile_seconds(kp.n_ops)
    assert run(m, op, z, iters=iters).path == "compiled"
    assert not list((tmp_path / "kernels").glob("__pycache__/*.nbi"))
    first = run(m, op, z, iters=iters, kernel="always")        # compiled now, on disk
    assert any((tmp_path / "kernels").glob("__pycache__/*.nbi"))
    monkeypatch.setattr(K, "_MODULES", {})                      # as in a new process: the disk cache decides
    again = run(m, op, z, iters=iters)
    assert again.path == "kernel" and same_bits(again.z, first.z)


@needs_numba
def test_zero_iterations_keep_the_start_rows():
    """``iters = 0``: row 0 is the start and the last row at once (it was overwritten by an unwritten row)."""
    from monoverify.theory import metrics as MT

    op = LowerBoundGame(-0.2, 1.0).with_constraint(Ball(0.5, 2))
    m = make("rapp", gamma=np.linspace(0.3, 0.8, 4), lam=0.5, tau=2)
    host = m.map_hyper(lambda n, v: np.broadcast_to(np.asarray(v, float), (4,)))
    z0 = np.array([[1.0, 0.5], [0.2, -0.3], [0.0, 2.0], [-1.0, 1.0]])
    for record in (True, False):
        for final_only in (False, True):
            runs = [run(m, op, z0, iters=0, record=record, monitor_final_only=final_only, kernel=k,
                        monitors=MT.monitors_for("natural_residual_sq", op, host, 1)) for k in ("never", "always")]
            ref, got = runs
            assert got.path == "kernel"
            assert same_bits(got.history.residual, ref.history.residual)
            assert same_bits(got.history.distance, ref.history.distance)
            assert same_bits(got.history.monitors["natural_residual_sq"], ref.history.monitors["natural_residual_sq"])
            assert np.isfinite(ref.history.residual).all()
