"""The field's methods (issue 25) against independent NumPy loops written here, and their bad inputs.

Every expected value comes from a plain loop of the published update (PEPit's example code, or the
formula of the module docstring), never from the implementation; the runner's compiled path must
agree with ``compiled=False`` bit for bit, and batched hyper-parameters with one run per value.
"""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.errors import InvalidValue
from monoverify.operators import (BilinearGame, Box, LinearOperator, LowerBoundGame, Sum, fixed_point_residual,
                                  random_comonotone, random_contraction, random_strongly_monotone)
from monoverify.solvers import METHODS, Oracle, make, run

Z0 = np.array([1.0, 0.5])


def _rot(th):
    return np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])


# ------------------------------------------------------------------------------------------------
# independent loops of the published updates
# ------------------------------------------------------------------------------------------------
def halpern_ref(M, z0, n, g):
    z, a = z0.copy(), z0.copy()
    for k in range(n):
        T = z - g * (M @ z)
        z = 1 / (k + 2) * a + (1 - 1 / (k + 2)) * T
    return z


def km_increasing_ref(M, z0, n, g):
    z = z0.copy()
    for k in range(n):
        z = 1 / (k + 2) * z + (1 - 1 / (k + 2)) * (z - g * (M @ z))
    return z


def eag_ref(M, z0, n, a0, L=None):
    z, anchor, a = z0.copy(), z0.copy(), a0
    for k in range(n):
        b = z + (anchor - z) / (k + 2)
        zh = b - a * (M @ z)
        z = b - a * (M @ zh)
        if L is not None:
            a = a / (1 - a * a * L * L) * (1 - (k + 2) ** 2 / ((k + 1) * (k + 3)) * a * a * L * L)
    return z


def kim_ref(M, z0, n, alpha):
    """PEPit's wc_accelerated_proximal_point loop, J = (I + alpha M)^-1."""
    J = np.linalg.inv(np.eye(len(z0)) + alpha * M)
    x = [z0.copy() for _ in range(n + 1)]
    y = [z0.copy() for _ in range(n + 1)]
    for i in range(0, n - 1):
        x[i + 1] = J @ y[i + 1]
        y[i + 2] = x[i + 1] + i / (i + 2) * (x[i + 1] - x[i]) - i / (i + 2) * (x[i] - y[i])
    x[n] = J @ y[n]
    return x[n]


def peg_ref(F, P, z0, n, g):
    """PEPit's wc_past_extragradient loop."""
    x = P(z0)
    V = F(x)
    for _ in range(n):
        xt = P(x - g * V)
        V = F(xt)
        x = P(x - g * V)
    return x


def hb_ref(M, z0, n, g, b):
    z, zp = z0.copy(), z0.copy()
    for _ in range(n):
        z, zp = z - g * (M @ z) + b * (z - zp), z
    return z


def alt_hb_ref(A, z0, n, g, b):
    m = A.shape[0]
    x, y = z0[:m].copy(), z0[m:].copy()
    xp, yp = x.copy(), y.copy()
    for _ in range(n):
        xn = x - g * (A @ y) + b * (x - xp)
        yn = y - g * (-(A.T @ xn)) + b * (y - yp)
        xp, yp, x, y = x, y, xn, yn
    return np.concatenate([x, y])


def nag_ref(M, z0, n, g, b=None):
    """Su, Boyd and Candes's form: x_k = y_{k-1} - s grad f(y_{k-1}), y_k = x_k + (k-1)/(k+2)(x_k - x_{k-1})."""
    x_prev, x = z0.copy(), z0.copy()
    y = z0.copy()
    for k in range(1, n + 1):
        x_new = y - g * (M @ y)
        x_prev, x = x, x_new
        beta = (k - 1) / (k + 2) if b is None else b
        y = x + beta * (x - x_prev)
    return x


def dr_ref(MA, MB, z0, n, g, lam, MC=None):
    """RTBG20 / PEPit: x = J_B w, y = J_A(2x - w - g C x), w+ = w - theta (x - y); returns x = J_B w_n."""
    d = len(z0)
    JA, JB = np.linalg.inv(np.eye(d) + g * MA), np.linalg.inv(np.eye(d) + g * MB)
    w = z0.copy()
    for _ in range(n):
        x = JB @ w
        c = np.zeros(d) if MC is None else g * (MC @ x)
        y = JA @ (2 * x - w - c)
        w = w - lam * (x - y)
    return JB @ w


# ------------------------------------------------------------------------------------------------
CASES = [
    ("halpern", {"gamma": 0.7}, lambda op, z0, n: halpern_ref(op.matrix, z0, n, 0.7)),
    ("km-increasing", {"gamma": 0.7}, lambda op, z0, n: km_increasing_ref(op.matrix, z0, n, 0.7)),
    ("eag-c", {"gamma": 0.125}, lambda op, z0, n: eag_ref(op.matrix, z0, n, 0.125)),
    ("eag-v", {"gamma": 0.618, "L": 1.0}, lambda op, z0, n: eag_ref(op.matrix, z0, n, 0.618, 1.0)),
    ("kim-app", {"gamma": 1.5}, lambda op, z0, n: kim_ref(op.matrix, z0, n, 1.5)),
    ("peg", {"gamma": 0.3}, lambda op, z0, n: peg_ref(lambda z: op.matrix @ z, lambda z: z, z0, n, 0.3)),
    ("hb", {"gamma": 0.4, "beta": -0.3}, lambda op, z0, n: hb_ref(op.matrix, z0, n, 0.4, -0.3)),
    ("nag", {"gamma": 0.6}, lambda op, z0, n: nag_ref(op.matrix, z0, n, 0.6)),
    ("nag", {"gamma": 0.6, "beta": 0.4}, lambda op, z0, n: nag_ref(op.matrix, z0, n, 0.6, 0.4)),
]


@pytest.mark.parametrize("name,params,ref", CASES, ids=[f"{c[0]}-{len(c[1])}" for c in CASES])
def test_methods_equal_the_published_loops(name, params, ref):
    op = LowerBoundGame(0.3, 1.0)   # cocoercive: every method here is defined and stable on it
    for n in (1, 2, 7, 30):
        r = run(make(name, **params), op, Z0, iters=n)
        np.testing.assert_allclose(r.z, ref(op, Z0, n), rtol=1e-12, atol=1e-14)


def test_alternating_heavy_ball_equals_its_loop_on_a_bilinear_game():
    A = np.array([[1.0, 0.5], [0.0, 2.0], [0.3, -0.2]])
    op = BilinearGame(A)
    z0 = np.random.default_rng(0).standard_normal(5)
    for n in (1, 5, 40):
        r = run(make("alt-hb", gamma=0.3, beta=-0.4), op, z0, iters=n)
        np.testing.assert_allclose(r.z, alt_hb_ref(A, z0, n, 0.3, -0.4), rtol=1e-11, atol=1e-13)


def test_douglas_rachford_and_davis_yin_equal_their_loops():
    rng = np.random.default_rng(1)
    A = random_comonotone(4, 0.2, 1.5, seed=3)
    B = random_strongly_monotone(4, 0.3, 2.0, seed=4)
    C = random_comonotone(4, 0.5, 1.0, seed=5)
    z0 = rng.standard_normal(4)
    for n in (1, 3, 25):
        r = run(make("dr", gamma=0.8, lam=1.3), Sum(A, B), z0, iters=n)
        np.testing.assert_allclose(r.z, dr_ref(A.matrix, B.matrix, z0, n, 0.8, 1.3), rtol=1e-11, atol=1e-13)
        r = run(make("davis-yin", gamma=0.5, lam=0.9), Sum(A, B, C), z0, iters=n)
        np.testing.assert_allclose(r.z, dr_ref(A.matrix, B.matrix, z0, n, 0.5, 0.9, C.matrix), rtol=1e-11, atol=1e-13)


def test_douglas_rachford_on_a_constrained_operator_projects_its_shadow():
    """terms_of(F with a box) = (F, box): x = P_C(w) is feasible, y = J_F(2x - w); a zero of F + N_C is reached."""
    op = LowerBoundGame(0.0, 1.0).with_constraint(Box(0.2, 1.0, dim=2))
    r = run(make("dr", gamma=1.0), op, np.array([3.0, -2.0]), iters=400, tol=1e-12)
    assert str(r.status) == "converged"
    assert np.all(r.z >= 0.2 - 1e-15) and np.all(r.z <= 1.0 + 1e-15)
    # independent: the natural residual of the returned point, by hand
    M = op.matrix
    assert np.linalg.norm(r.z - np.clip(r.z - M @ r.z, 0.2, 1.0)) <= 1e-12


def test_past_eg_with_a_constraint_equals_pepits_loop():
    op = LowerBoundGame(0.0, 1.0).with_constraint(Box(-0.3, 0.3, dim=2))
    P = lambda z: np.clip(z, -0.3, 0.3)  # noqa: E731
    for n in (1, 4, 50):
        r = run(make("peg", gamma=0.25), op, np.array([1.0, -0.8]), iters=n)
        np.testing.assert_allclose(r.z, peg_ref(lambda z: op.matrix @ z, P, np.array([1.0, -0.8]), n, 0.25),
                                   rtol=1e-13, atol=1e-15)


def test_km_is_lookahead_over_gda_and_momentum_zero_is_gda():
    op = random_comonotone(6, 0.3, 1.0, seed=2)
    z0 = np.linspace(-1, 1, 6)
    a = run(make("km", gamma=0.9, lam=0.6), op, z0, iters=50)
    b = run(make("la-gda", gamma=0.9, lam=0.6, tau=1), op, z0, iters=50)
    np.testing.assert_array_equal(a.z, b.z)
    g = run(make("gda", gamma=0.4), op, z0, iters=50)
    for name, kw in (("hb", {"beta": 0.0}), ("nag", {"beta": 0.0})):
        np.testing.assert_allclose(run(make(name, gamma=0.4, **kw), op, z0, iters=50).z, g.z, rtol=1e-13)
    np.testing.assert_allclose(run(make("alt-hb", gamma=0.4, beta=0.0), BilinearGame([[1.0]]), Z0, iters=30).z,
                               run(make("alt-gda", gamma=0.4), BilinearGame([[1.0]]), Z0, iters=30).z, rtol=1e-13)


FIELD = ["halpern", "km", "km-increasing", "eag-c", "eag-v", "kim-app", "peg", "hb", "nag", "la-peg", "la-hb"]
PARAMS = {"halpern": {"gamma": 0.5}, "km": {"gamma": 0.5, "lam": 0.5}, "km-increasing": {"gamma": 0.5},
          "eag-c": {"gamma": 0.1}, "eag-v": {"gamma": 0.5, "L": 1.0}, "kim-app": {"gamma": 1.0},
          "peg": {"gamma": 0.3}, "hb": {"gamma": 0.3, "beta": 0.2}, "nag": {"gamma": 0.3},
          "la-peg": {"gamma": 0.3, "lam": 0.5, "tau": 2}, "la-hb": {"gamma": 0.3, "beta": 0.2, "lam": 0.5, "tau": 3}}


@pytest.mark.parametrize("name", FIELD)
def test_compiled_and_step_paths_agree_and_batches_equal_single_runs(name):
    op = random_comonotone(5, 0.1, 1.0, seed=7)
    z0 = np.ones(5)
    m = make(name, **PARAMS[name])
    a, b = run(m, op, z0, iters=60), run(m, op, z0, iters=60, compiled=False)
    np.testing.assert_array_equal(a.z, b.z)
    # a batch over gamma equals one run per value
    gam = np.array([0.5, 1.0]) * PARAMS[name]["gamma"]
    kw = dict(PARAMS[name], gamma=gam)
    batch = run(make(name, **kw), op, np.tile(z0, (2, 1)), iters=40)
    for j in range(2):
        single = run(make(name, **dict(PARAMS[name], gamma=float(gam[j]))), op, z0, iters=40)
        np.testing.assert_allclose(batch.z[j], single.z, rtol=1e-12, atol=1e-14)


def test_registry_lists_the_field_with_tags():
    for name in ("halpern", "km", "km-increasing", "eag-c", "eag-v", "kim-app", "peg", "dr", "davis-yin", "hb",
                 "alt-hb", "nag", "la-peg", "la-hb", "la-alt-hb"):
        assert METHODS[name].tag in ("related", "derived", "reconstruction")
    assert METHODS["eag-v"].tag == "reconstruction"


def test_lieder_iteration_on_a_rotation_meets_its_bound():
    """T = rotation by pi/2: Halpern's ||z_N - T z_N||^2 <= 4 ||z0 - z*||^2/(N+1)^2 at every N (Lieder 2021)."""
    F = fixed_point_residual(_rot(np.pi / 2))
    r = run(make("halpern", gamma=1.0), F, np.array([1.0, 0.0]), iters=200)
    res2 = r.history.residual ** 2
    N = np.arange(201)
    assert np.all(res2[1:] <= 4 / (N[1:] + 1) ** 2 * (1 + 1e-12))


def test_kim_residual_is_the_resolvent_element():
    """The reported x_k of Kim's method is J(y_k): F x_k = (y_k - x_k)/gamma (checked through the state)."""
    op = BilinearGame([[1.0, 2.0], [0.5, -1.0]])
    m = make("kim-app", gamma=0.7)
    o = Oracle(op)
    st = m.init(np.ones(4), o)
    for _ in range(5):
        st = m.step(st, o)
    np.testing.assert_allclose(op.F(st["z"]), (st["y"] - st["z"]) / 0.7, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,params,match", [
    ("hb", {"gamma": 0.5, "beta": float("nan")}, "beta must be finite"),
    ("hb", {"gamma": -1.0, "beta": 0.1}, r"gamma must lie in \(0, inf\), got gamma=-1"),
    ("dr", {"gamma": 1.0, "lam": 2.0}, r"lam must lie in \(0, 2\), got lam=2"),
    ("davis-yin", {"gamma": 1.0, "lam": 0.0}, r"lam must lie in \(0, 2\)"),
    ("eag-v", {"gamma": 1.5, "L": 1.0}, r"EAG-V needs gamma \* L in \(0, 1\)"),
    ("km", {"gamma": 1.0, "lam": 1.5}, r"lam must lie in \(0, 1\], got lam=1.5"),
    ("nag", {"gamma": 0.5, "beta": "0.3"}, "beta must be a real number"),
])
def test_bad_parameters_are_named(name, params, match):
    with pytest.raises(InvalidValue, match=match):
        make(name, **params)


def test_splitting_needs_the_summands_it_uses():
    with pytest.raises(InvalidValue, match="Douglas-Rachford needs a problem with 2 summands"):
        run(make("dr", gamma=1.0), LowerBoundGame(0.0, 1.0), Z0, iters=2)
    with pytest.raises(InvalidValue, match="Davis-Yin needs a problem with 3 summands"):
        run(make("davis-yin", gamma=1.0), Sum(LowerBoundGame(0.0, 1.0), LowerBoundGame(0.1, 1.0)), Z0, iters=2)
    with pytest.raises(InvalidValue, match="summand index must be an integer in"):
        Oracle(LowerBoundGame(0.0, 1.0)).resolvent_of(3, Z0, 1.0)


def test_sum_validation():
    A = LowerBoundGame(0.0, 1.0)
    with pytest.raises(InvalidValue, match="at least 2 summands"):
        Sum(A)
    with pytest.raises(InvalidValue, match="share one dimension"):
        Sum(A, LinearOperator(np.eye(3)))
    with pytest.raises(InvalidValue, match="at most one set summand"):
        Sum(A, Box(-1.0, 1.0, dim=2), Box(-2.0, 2.0, dim=2))
    with pytest.raises(InvalidValue, match="give the set as a separate summand"):
        Sum(A.with_constraint(Box(-1.0, 1.0, dim=2)), A)


def test_contraction_generator_constants_by_independent_computation():
    for q in (0.3, 1.0):
        F = random_contraction(6, q, seed=2)
        M = F.matrix
        assert abs(np.linalg.norm(np.eye(6) - M, 2) - q) < 1e-12                 # T is q-Lipschitz
        assert abs(np.linalg.norm(M, 2) - (1 + q)) < 1e-12                       # L(F)
        assert abs(np.linalg.eigvalsh((M + M.T) / 2)[0] - (1 - q)) < 1e-12      # mu(F)
        # rho(F) = min over z of <Fz, z>/||Fz||^2 (sampled: never below 1/(1+q), and attained)
        Z = np.random.default_rng(0).standard_normal((20000, 6))
        FZ = Z @ M.T
        quot = np.sum(FZ * Z, 1) / np.sum(FZ * FZ, 1)
        assert quot.min() >= 1 / (1 + q) - 1e-12
        assert float(F.rho) == pytest.approx(1 / (1 + q), abs=1e-15)
