"""The batched runner, the oracles and the resolvent (DESIGN.md solvers contract; SPEC §2, §3, §3.5).

* A batched run equals the same instances run one by one, bit for bit; a hyper-parameter sweep
  equals separate scalar runs, bit for bit.
* Projection-based methods keep constrained iterates feasible.
* Statuses (converged / max_iter / diverged / nan) and the stopping iteration agree with the
  exact linear dynamics; no RuntimeWarning escapes.
* Oracle-call counts follow the SPEC §3 "calls" column.
* Bad input raises ValueError naming the parameter and the value.
* The stochastic oracle is unbiased with variance sigma^2/m, reproducible by seed.
* ``resolvent`` solves w + gamma F w = z (or w = P(z - gamma F w)).
"""

from __future__ import annotations


import numpy as np
import pytest
import sympy as sp

from monoverify.operators import Ball, BilinearGame, Box, LinearOperator, LowerBoundGame, Simplex, random_comonotone
from monoverify.operators.base import Constant, Constants, Operator
from monoverify.operators.resolvent import resolvent
from monoverify.solvers import Oracle, StochasticOracle, make, run


def _same(a, b):
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


from _maps import SinMap, no_runtime_warnings  # noqa: E402  (shared test operator and helper)


class NanBeyond(Operator):
    """``F z = M z`` for ``||z|| <= R``, NaN beyond (an operator undefined far out)."""

    def __init__(self, M, R):
        self.M = np.asarray(M, dtype=float)
        self.R = R
        self.dim = self.M.shape[0]
        self.name = "NanBeyond"
        self.params = {}
        self.solution = np.zeros(self.dim)
        self.constants = Constants(L=Constant(sp.Float(float(np.linalg.norm(self.M, 2)), 17), "exact", "test"),
                                   rho=Constant(-sp.oo, "bound", "test"))

    def _F(self, z, xp):
        out = np.einsum("ij,...j->...i", self.M, z)
        inside = np.linalg.norm(z, axis=-1, keepdims=True) <= self.R
        return np.where(inside, out, np.nan)


class Power(Operator):
    """``F z = z^9`` coordinate-wise: from ||z0|| = 10, GDA overflows to inf in two steps."""

    def __init__(self, dim=2):
        self.dim = dim
        self.name = "Power"
        self.params = {}
        self.solution = np.zeros(dim)
        self.constants = Constants(L=Constant(sp.oo, "bound", "test"), rho=Constant(-sp.oo, "bound", "test"))

    def _F(self, z, xp):
        return z**9



# --------------------------------------------------------------------------------------------
# batched == one by one, bit for bit
# --------------------------------------------------------------------------------------------
METHOD_CASES = [
    ("rapp", dict(gamma=0.5, lam=0.5, tau=5)),
    ("la-gda", dict(gamma=0.3, lam=0.3, tau=2)),
    ("ogda", dict(gamma=0.3)),
    ("pp", dict(gamma=0.5)),
    ("feg", dict(L=1.0, rho=-0.1)),
    ("eg+", dict(gamma=0.8, alpha=0.5)),
    ("ceg+", dict(gamma=0.8, alpha=0.5)),
    ("la-eg", dict(gamma=0.5, lam=0.5, tau=2)),
    ("gda", dict(gamma=0.9)),
]


def _ops():
    from monoverify.operators.examples import PolarGame

    return [LowerBoundGame(-0.3, 1.0), random_comonotone(64, -0.2, 1.0, seed=1), random_comonotone(7, -0.2, 1.0, seed=2),
            PolarGame(1)]


def _assert_run_equal(rb, i, ri):
    assert _same(ri.z, rb.z[i])
    assert _same(ri.history.residual, rb.history.residual[:, i])
    if rb.history.distance is not None:
        assert _same(ri.history.distance, rb.history.distance[:, i])
    assert _same(ri.history.n_oracle, rb.history.n_oracle[:, i])
    assert ri.status == rb.status[i]
    assert ri.n_iter == rb.n_iter[i]
    assert ri.n_oracle == rb.n_oracle[i]


def test_batched_equals_one_by_one_bit_for_bit():
    rng = np.random.default_rng(0)
    seen = set()
    for op in _ops():
        scales = np.array([1e-4, 0.3, 1.0, 3.0, 30.0, 1e4])
        z0 = rng.standard_normal((scales.size, op.dim)) * scales[:, None]
        for name, kw in METHOD_CASES:
            if name == "pp" and not op.is_linear:
                continue  # the iterative resolvent stops on a batch-wide criterion
            m = make(name, **kw)
            rb = no_runtime_warnings(run, m, op, z0, iters=60, tol=1e-3)
            seen.update(rb.status.tolist())
            for i in range(z0.shape[0]):
                ri = run(m, op, z0[i], iters=60, tol=1e-3)
                _assert_run_equal(rb, i, ri)
    assert {"converged", "max_iter", "diverged"} <= seen  # instances really left the batch


@pytest.mark.parametrize("name,kw,sweep", [
    ("rapp", dict(lam=0.5, tau=4), dict(gamma=[0.1, 0.5, 0.9, 1.3])),
    ("rapp", dict(gamma=0.5, tau=3), dict(lam=[0.1, 0.5, 0.9, 1.5])),
    ("la-gda", dict(lam=0.3, tau=2), dict(gamma=[0.1, 0.5, 0.9, 1.9])),
    ("pp", dict(), dict(gamma=[0.1, 0.5, 2.0, 9.0])),
    ("ogda", dict(), dict(gamma=[0.1, 0.3, 0.5, 0.9])),
    ("eg+", dict(gamma=0.9), dict(alpha=[0.1, 0.4, 0.9, 1.0])),
    ("feg", dict(L=1.0), dict(rho=[0.0, -0.1, -0.3, -0.45])),
])
def test_sweep_equals_scalar_runs_bit_for_bit(name, kw, sweep):
    (pname, values), = sweep.items()
    values = np.asarray(values)
    z0 = np.array([1.0, 0.5, -0.3, 0.2, 0.7])
    op = random_comonotone(5, -0.25, 1.0, seed=4)
    rb = run(make(name, **kw, **{pname: values}), op, z0, iters=80, tol=1e-6)
    assert rb.z.shape == (values.size, 5)
    for i, v in enumerate(values):
        ri = run(make(name, **kw, **{pname: float(v)}), op, z0, iters=80, tol=1e-6)
        _assert_run_equal(rb, i, ri)


# --------------------------------------------------------------------------------------------
# feasibility of projection-based methods
# --------------------------------------------------------------------------------------------
FEASIBLE_METHODS = [
    ("gda", dict(gamma=0.4)), ("eg", dict(gamma=0.4)), ("eg+", dict(gamma=0.4, alpha=0.5)),
    ("rapp", dict(gamma=0.4, lam=0.7, tau=3)), ("app", dict(gamma=0.4, tau=3)),
    ("la-gda", dict(gamma=0.4, lam=0.5, tau=3)), ("la-eg", dict(gamma=0.4, lam=0.5, tau=2)),
    ("pp", dict(gamma=0.4)), ("relaxed-pp", dict(gamma=0.4, lam=0.8)), ("ogda", dict(gamma=0.2)),
]


@pytest.mark.parametrize("set_name", ["box", "ball", "simplex"])
def test_projection_methods_stay_feasible(set_name):
    rng = np.random.default_rng(5)
    d = 4
    A = rng.standard_normal((d, d))
    A = A / np.linalg.norm(A, 2)  # L <= 2, so gamma L <= 0.8 < 1: fixed-point resolvent
    b = 2.0 * rng.standard_normal(d)
    cons = {"box": Box(-0.5, 0.3, dim=d), "ball": Ball(0.7, dim=d), "simplex": Simplex(d)}[set_name]
    op = SinMap(A, b, constraint=cons)
    z0 = cons.prox(3 * rng.standard_normal((6, d)))
    assert np.all(cons.contains(z0))
    for name, kw in FEASIBLE_METHODS:
        m = make(name, **kw)
        oracle = Oracle(op)
        st = m.init(z0, oracle)
        moved = 0.0
        for _ in range(25):
            new = m.step(st, oracle)
            moved = max(moved, float(np.abs(new["z"] - st["z"]).max()))
            st = new
            assert np.all(cons.contains(st["z"])), (name, set_name)
        assert moved > 1e-6  # the iterates do move (and hit the boundary for b large)
        r = run(m, op, z0, iters=30)
        assert np.all(cons.contains(r.z)), (name, set_name)
    # the solutions lie on the boundary: the projections were active
    assert not np.allclose(np.asarray(op.F(r.z)), 0, atol=1e-3)


# --------------------------------------------------------------------------------------------
# statuses
# --------------------------------------------------------------------------------------------
def _rot(b, a):
    return np.array([[b, a], [-a, b]])


def test_statuses_and_stopping_iteration():
    b, a = 0.5, 1.0  # GDA multiplier modulus r(g) = |1 - g(b + i a)|: < 1 iff g < 2b/(a^2+b^2) = 0.8
    M = _rot(b, a)
    op = LinearOperator(M)
    z0 = np.array([1.0, 0.5])
    gammas = np.array([0.3, 0.79, 1.5])
    tol, iters, div = 1e-8, 400, 1e10
    r = no_runtime_warnings(run, make("gda", gamma=gammas), op, z0, iters=iters, tol=tol, diverge_at=div)
    rate = np.abs(1 - gammas * (b + 1j * a))
    n0, nM = np.linalg.norm(z0), np.sqrt(a * a + b * b)
    # ||z_k|| = r^k ||z0|| and ||F z_k|| = sqrt(a^2+b^2) r^k ||z0|| exactly (rotation-scaling)
    k_conv = int(np.ceil(np.log(tol / (nM * n0)) / np.log(rate[0])))
    k_div = int(np.floor(np.log(div * (1 + n0) / n0) / np.log(rate[2]))) + 1
    assert k_conv < iters and k_div < iters and nM * n0 * rate[1] ** iters > tol
    assert r.status.tolist() == ["converged", "max_iter", "diverged"]
    assert r.n_iter.tolist() == [k_conv, iters, k_div]
    assert r.n_oracle.tolist() == [k_conv, iters, k_div]
    for j, k in enumerate(r.n_iter):
        ref = np.linalg.matrix_power(np.eye(2) - gammas[j] * M, int(k)) @ z0
        np.testing.assert_allclose(r.z[j], ref, rtol=1e-11)
        assert np.all(np.isfinite(r.history.residual[: k + 1, j]))
        assert np.all(np.isnan(r.history.residual[k + 1:, j]))
    assert r.counts() == {"converged": 1, "max_iter": 1, "diverged": 1, "nan": 0}
    np.testing.assert_array_equal(r.success, [True, False, False])


def test_diverged_on_overflow_without_warnings():
    op = Power(2)
    z0 = np.array([[10.0, 0.0], [0.1, 0.1]])
    r = no_runtime_warnings(run, make("gda", gamma=1.0), op, z0, iters=50, diverge_at=1e300)
    # z1 = 10 - 1e9, z2 = z1 - z1^9 = +inf (1e81 is finite, 1e729 is not): diverged at k = 3 at the latest
    assert r.status[0] == "diverged" and r.n_iter[0] <= 3
    assert r.status[1] == "max_iter"  # |z| <= 0.1: z - z^9 stays bounded


def test_nan_status():
    g, R = 1.5, 10.0
    M = _rot(0.0, 1.0)  # bilinear: ||z_{k+1}|| = sqrt(1 + g^2) ||z_k||
    op = NanBeyond(M, R)
    z0 = np.array([[1.0, 0.5], [0.0, 0.0]])
    r = no_runtime_warnings(run, make("gda", gamma=g), op, z0, iters=50)
    n0 = np.linalg.norm(z0[0])
    k_out = int(np.ceil(np.log(R / n0) / np.log(np.sqrt(1 + g * g))))  # first ||z_k|| > R
    assert r.status.tolist() == ["nan", "max_iter"]
    assert r.n_iter[0] == k_out + 1  # F(z_k) is NaN, so z_{k+1} is NaN
    assert np.all(np.isnan(r.z[0]))
    np.testing.assert_array_equal(r.z[1], [0.0, 0.0])


# --------------------------------------------------------------------------------------------
# oracle-call counts (SPEC §3 "calls") and shapes
# --------------------------------------------------------------------------------------------
CALLS = [
    ("gda", dict(gamma=0.2), lambda k: k),
    ("eg", dict(gamma=0.2), lambda k: 2 * k),
    ("eg+", dict(gamma=0.2, alpha=0.5), lambda k: 2 * k),
    ("ceg+", dict(gamma=0.2, alpha=0.5), lambda k: 2 * k),
    ("ogda", dict(gamma=0.2), lambda k: k + 1),
    ("app", dict(gamma=0.2, tau=3), lambda k: 3 * k),
    ("rapp", dict(gamma=0.2, lam=0.5, tau=5), lambda k: 5 * k),
    ("la-gda", dict(gamma=0.2, lam=0.5, tau=4), lambda k: 4 * k),
    ("la-eg", dict(gamma=0.2, lam=0.5, tau=3), lambda k: 6 * k),
    ("la-eg+", dict(gamma=0.2, lam=0.5, tau=3, alpha=0.5), lambda k: 6 * k),
    ("la-ceg+", dict(gamma=0.2, lam=0.5, tau=2, alpha=0.5), lambda k: 4 * k),
    ("feg", dict(L=1.0, rho=-0.1), lambda k: 2 * k),
]


@pytest.mark.parametrize("name,kw,calls", CALLS, ids=[c[0] for c in CALLS])
def test_oracle_counts(name, kw, calls):
    op = LowerBoundGame(-0.1, 1.0)
    iters = 7
    z0 = np.array([[1.0, 0.5], [0.2, -0.1], [3.0, 1.0]])
    r = run(make(name, **kw), op, z0, iters=iters)
    assert r.status.tolist() == ["max_iter"] * 3
    np.testing.assert_array_equal(r.n_oracle, calls(iters))
    np.testing.assert_array_equal(r.history.n_oracle, np.repeat([[calls(k) if k else calls(0)] for k in range(iters + 1)], 3, axis=1))


def test_pp_counts_resolvent_calls():
    op = LowerBoundGame(-0.1, 1.0)
    r = run(make("relaxed-pp", gamma=0.5, lam=0.5), op, np.array([1.0, 0.5]), iters=9)
    assert r.n_oracle == 0 and r.n_resolvent == 9  # exact linear solves, no F evaluations


def test_shapes_batched_and_unbatched():
    op = random_comonotone(6, -0.1, 1.0, seed=0)
    iters = 12
    rb = run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, np.ones((4, 6)), iters=iters)
    assert rb.z.shape == (4, 6)
    assert rb.history.residual.shape == rb.history.distance.shape == rb.history.n_oracle.shape == (iters + 1, 4)
    assert rb.status.shape == rb.n_iter.shape == rb.n_oracle.shape == (4,)
    ru = run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, np.ones(6), iters=iters)
    assert ru.z.shape == (6,)
    assert ru.history.residual.shape == ru.history.distance.shape == (iters + 1,)
    assert isinstance(ru.status, str) and ru.status == "max_iter"
    assert int(ru.n_iter) == iters
    # a constraint: natural residual, solution unknown
    opc = LinearOperator(op.matrix, constraint=Box(-1, 1, dim=6))
    rc = run(make("gda", gamma=0.3), opc, np.zeros(6), iters=3)
    assert rc.history.distance is None and rc.history.kind == "natural"
    assert rb.history.kind == "operator"


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
BAD_MAKE = [
    ("gda", dict(gamma=0.0), ["gamma", "0"]),
    ("gda", dict(gamma=-1.0), ["gamma", "-1"]),
    ("gda", dict(gamma=np.array([0.1, -0.25])), ["gamma", "-0.25"]),
    ("gda", dict(gamma=float("nan")), ["gamma", "nan"]),
    ("rapp", dict(gamma=0.5, lam=0.0, tau=2), ["lam", "0"]),
    ("rapp", dict(gamma=0.5, lam=-0.5, tau=2), ["lam", "-0.5"]),
    ("la-gda", dict(gamma=0.5, lam=np.array([0.5, -2.0]), tau=2), ["lam", "-2"]),
    ("rapp", dict(gamma=0.5, lam=0.5, tau=2.5), ["tau", "2.5"]),
    ("rapp", dict(gamma=0.5, lam=0.5, tau=0), ["tau", "0"]),
    ("la-gda", dict(gamma=0.5, lam=0.5, tau=-3), ["tau", "-3"]),
    ("app", dict(gamma=0.5, tau=1.0), ["tau", "1.0"]),
    ("eg+", dict(gamma=0.5, alpha=0.0), ["alpha", "0"]),
    ("eg+", dict(gamma=0.5, alpha=1.5), ["alpha", "1.5"]),
    ("ceg+", dict(gamma=0.5, alpha=-0.1), ["alpha", "-0.1"]),
    ("la-ceg+", dict(gamma=0.5, alpha=2.0, lam=0.5, tau=2), ["alpha", "2"]),
]


@pytest.mark.parametrize("name,kw,words", BAD_MAKE)
def test_bad_hyper_parameters(name, kw, words):
    with pytest.raises(ValueError) as exc:
        make(name, **kw)
    msg = str(exc.value)
    for w in words:
        assert w in msg, (w, msg)


def test_unknown_method_suggests():
    with pytest.raises(ValueError) as exc:
        make("rap", gamma=0.5)
    msg = str(exc.value)
    assert "'rap'" in msg and "did you mean" in msg and "rapp" in msg


def test_bad_z0():
    op = LowerBoundGame(-0.1, 1.0)
    m = make("gda", gamma=0.5)
    with pytest.raises(ValueError, match=r"z0.*(nan|NaN)"):
        run(m, op, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"z0.*inf"):
        run(m, op, np.array([[1.0, 0.0], [np.inf, 0.0]]))
    with pytest.raises(ValueError, match=r"z0.*\(3,\)"):
        run(m, op, np.zeros(3))
    with pytest.raises(ValueError, match=r"z0.*\(4, 3\)"):
        run(m, op, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"z0.*(shape|batch)"):
        run(m, op, np.zeros((2, 3, 2)))


def test_batch_mismatch():
    op = LowerBoundGame(-0.1, 1.0)
    with pytest.raises(ValueError) as exc:
        run(make("gda", gamma=np.array([0.1, 0.2, 0.3])), op, np.zeros((4, 2)))
    msg = str(exc.value)
    assert "3" in msg and "4" in msg and "z0" in msg
    with pytest.raises(ValueError) as exc:
        make("rapp", gamma=np.array([0.1, 0.2]), lam=np.array([0.5, 0.5, 0.5]), tau=2).batch_size()
    assert "2" in str(exc.value) and "3" in str(exc.value)


# --------------------------------------------------------------------------------------------
# stochastic oracle (SPEC §3.5)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("m", [1, 4])
def test_stochastic_oracle_unbiased_with_variance_sigma2_over_m(m):
    op = random_comonotone(3, -0.2, 1.5, seed=7)
    sigma, N = 0.7, 200_000
    point = np.array([0.3, -1.0, 2.0])
    z = np.broadcast_to(point, (N, 3))
    o = StochasticOracle(op, sigma=sigma, batch_size=m, seed=11)
    xi = o.F(z) - op.F(point)  # N independent samples of the noise
    assert o.n_F == 1
    mean, se = xi.mean(axis=0), xi.std(axis=0, ddof=1) / np.sqrt(N)
    assert np.all(np.abs(mean) <= 6 * se), (mean, se)  # E F^ = F z within 6 standard errors
    sq = np.sum(xi * xi, axis=1)
    se_sq = sq.std(ddof=1) / np.sqrt(N)
    assert abs(sq.mean() - sigma**2 / m) <= 6 * se_sq, (sq.mean(), sigma**2 / m, se_sq)
    assert se_sq < 0.01 * sigma**2 / m  # the check has power: 6 SE is below 6% of the value


def test_stochastic_oracle_reproducible():
    op = random_comonotone(4, -0.1, 1.0, seed=3)
    z = np.ones((5, 4))
    a = StochasticOracle(op, sigma=0.3, seed=42).F(z)
    b = StochasticOracle(op, sigma=0.3, seed=42).F(z)
    c = StochasticOracle(op, sigma=0.3, seed=43).F(z)
    assert _same(a, b) and not np.allclose(a, c)
    runs = [run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, z, iters=20, oracle=StochasticOracle(op, sigma=0.3, seed=s))
            for s in (1, 1, 2)]
    assert _same(runs[0].z, runs[1].z) and _same(runs[0].history.residual, runs[1].history.residual)
    assert not np.allclose(runs[0].z, runs[2].z)
    assert runs[0].n_oracle.tolist() == [60] * 5
    # sigma = 0 is the deterministic oracle
    r0 = run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, z, iters=20, oracle=StochasticOracle(op, sigma=0.0, seed=1))
    rd = run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, z, iters=20)
    assert _same(r0.z, rd.z)


def test_stochastic_oracle_bad_input():
    op = LowerBoundGame(-0.1, 1.0)
    with pytest.raises(ValueError, match="sigma"):
        StochasticOracle(op, sigma=-1.0)
    with pytest.raises(ValueError, match="batch_size"):
        StochasticOracle(op, sigma=1.0, batch_size=0)


# --------------------------------------------------------------------------------------------
# resolvent (SPEC §2, §3.1)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [3, 70])
def test_resolvent_linear_is_inverse(dim):
    rng = np.random.default_rng(dim)
    M = rng.standard_normal((dim, dim)) / np.sqrt(dim)
    bvec = rng.standard_normal(dim)
    z = rng.standard_normal((5, dim))
    for off in (None, bvec):
        op = LinearOperator(M, off)
        for g in (0.3, 2.0):
            w, info = resolvent(op, z, g, return_info=True)
            assert info.method == "linear-solve"
            rhs = z if off is None else z - g * off
            R = np.linalg.inv(np.eye(dim) + g * M)
            np.testing.assert_allclose(w, rhs @ R.T, rtol=0, atol=1e-14 * np.linalg.cond(R) * np.abs(rhs).max())
            Fw = w @ M.T + (0 if off is None else off)
            np.testing.assert_allclose(w + g * Fw, z, rtol=0, atol=1e-12 * (1 + g * np.abs(w).max()))
        # per-instance gamma of shape (batch, 1)
        gs = np.array([0.1, 0.5, 1.0, 3.0, 7.0])[:, None]
        w = resolvent(op, z, gs)
        for i in range(5):
            rhs = z[i] if off is None else z[i] - gs[i, 0] * off
            R = np.linalg.inv(np.eye(dim) + gs[i, 0] * M)
            scale = np.linalg.cond(R) * np.abs(rhs).max()  # forward error of a backward-stable solve
            np.testing.assert_allclose(w[i], R @ rhs, rtol=0, atol=1e-14 * scale)


def _sinmap(seed, d=3, constraint=None):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((d, d))
    return SinMap(A, rng.standard_normal(d), constraint=constraint), rng


def test_resolvent_fixed_point_path():
    op, rng = _sinmap(1)
    L = float(op.L)
    z = 2 * rng.standard_normal((6, 3))
    g = 0.7 / L
    w, info = resolvent(op, z, g, return_info=True)
    assert info.method == "fixed-point" and info.converged and info.n_F > 5
    np.testing.assert_allclose(w + g * op.F(w), z, rtol=0, atol=1e-10)


def test_resolvent_root_path():
    op, rng = _sinmap(2)
    L = float(op.L)
    z = 0.5 * rng.standard_normal((4, 3))
    g = 1.5 / L
    w, info = resolvent(op, z, g, return_info=True)
    assert info.method == "root"
    np.testing.assert_allclose(w + g * op.F(w), z, rtol=0, atol=1e-10)


@pytest.mark.parametrize("gL", [0.6, 1.4])
def test_resolvent_with_box(gL):
    box = Box(-0.4, 0.5, dim=3)
    op, rng = _sinmap(3, constraint=box)
    z = 2 * rng.standard_normal((5, 3))
    g = gL / float(op.L)
    w, info = resolvent(op, z, g, return_info=True)
    assert info.method == ("fixed-point" if gL < 1 else "root")
    P = lambda v: np.clip(v, -0.4, 0.5)  # noqa: E731
    np.testing.assert_allclose(w, P(z - g * op.F(w)), rtol=0, atol=1e-10)
    assert np.any(np.abs(w) >= 0.4 - 1e-12)  # some coordinates sit on the boundary


def test_oracle_resolvent_counts():
    op, rng = _sinmap(4)
    o = Oracle(op)
    z = rng.standard_normal((3, 3))
    _ = o.resolvent(z, 0.5 / float(op.L))
    assert o.n_resolvent == 1 and o.n_F > 1 and o.resolvent_failures == 0
    lin = Oracle(BilinearGame([[1.0]]))
    lin.resolvent(np.ones((2, 2)), 1.0)
    assert lin.n_F == 0 and lin.n_resolvent == 1


@pytest.mark.parametrize("linear", ["never", "auto"])
def test_record_residual_false_leaves_everything_else_bit_for_bit(linear):
    """record_residual=False: the same iterates, statuses, distances and monitors, the residual rows NaN;
    with a tolerance it is refused (the stopping test reads the residual)."""
    op = LowerBoundGame(-0.3, 1.0)
    m = make("rapp", gamma=0.6, lam=0.5, tau=3)
    z0 = np.random.default_rng(3).standard_normal((5, 2))
    mons = {"sq": lambda z, idx: np.sum(z * z, axis=1)}
    a = run(m, op, z0, iters=40, monitors=mons, linear=linear)
    b = run(m, op, z0, iters=40, monitors=mons, linear=linear, record_residual=False)
    assert _same(a.z, b.z) and list(a.status) == list(b.status) and _same(a.history.distance, b.history.distance)
    assert _same(a.history.monitors["sq"], b.history.monitors["sq"])
    assert np.all(np.isfinite(a.history.residual)) and np.all(np.isnan(b.history.residual))
    # an instance that diverges is still stopped as diverged
    g = run(make("gda", gamma=0.5), op, z0, iters=400, record_residual=False, diverge_at=1e3)
    assert set(np.asarray(g.status)) == {"diverged"}
    with pytest.raises(ValueError, match="record_residual=False"):
        run(m, op, z0, iters=5, tol=1e-6, record_residual=False)
