"""Tests of ``monoverify.theory.spectral`` against the closed forms and tables of SPEC §4 and §5.

Expected values come from SPEC (its closed forms, tables and computed numbers), never from the
module under test.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import sympy as sp

from monoverify.operators import BilinearGame, Box, LinearOperator, LowerBoundGame, PolarGame, random_comonotone
from monoverify.solvers import GDA, Lookahead, make, run
from monoverify.theory.spectral import (
    EigenOracle,
    characteristic_polynomial,
    converges,
    critical,
    iteration_matrix,
    k_step_multiplier,
    lookahead_threshold,
    lower_bound_eigenvalues,
    multiplier,
    multipliers,
    region,
    spectral_radius,
    transition_matrix,
)

u, alpha, lam, gamma, x = sp.symbols("u alpha lam gamma x")
BIL = BilinearGame([[1.0]])


def same(a, b) -> bool:
    """Equality of rational functions (exact, by cancelling the difference)."""
    return sp.cancel(sp.expand(sp.sympify(a) - sp.sympify(b))) == 0


def lbg(c: float, L: float = 1.0):
    """Eigenvalues of LowerBoundGame(rho = -c/L, L)."""
    return LowerBoundGame(-c / L, L).eigenvalues()


# ------------------------------------------------------------------------------------------------
# exact multipliers: SPEC §5 table
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, params, expected",
    [
        ("gda", {}, 1 - u),
        ("eg", {}, 1 - u + u**2),
        ("eg+", {"alpha": alpha}, 1 - alpha * u * (1 - u)),
        ("ceg+", {"alpha": alpha}, 1 - alpha * u * (1 - u)),
        ("pp", {}, 1 / (1 + u)),
        ("relaxed-pp", {"lam": lam}, 1 - lam + lam / (1 + u)),
    ],
)
def test_exact_table(name, params, expected):
    assert same(multiplier(make(name, gamma=1, **params), u, exact=True), expected)


def test_exact_in_gamma_mu():
    mu = sp.Symbol("mu")
    assert same(multiplier(make("eg", gamma=gamma), exact=True), 1 - gamma * mu + (gamma * mu) ** 2)
    assert same(multiplier(make("pp", gamma=gamma), mu, exact=True), 1 / (1 + gamma * mu))


@pytest.mark.parametrize("tau", [1, 2, 3, 5, 8])
def test_exact_app_rapp(tau):
    app = sum((-u) ** j for j in range(tau + 1))
    assert same(multiplier(make("app", gamma=1, tau=tau), u, exact=True), app)
    assert same(multiplier(make("app", gamma=1, tau=tau), u, exact=True), (1 - (-u) ** (tau + 1)) / (1 + u))
    assert same(multiplier(make("rapp", gamma=1, tau=tau, lam=lam), u, exact=True), 1 - lam + lam * app)


@pytest.mark.parametrize("tau", [1, 2, 3])
def test_exact_lookahead_nested(tau):
    mu = sp.Symbol("mu")
    eg_plus = 1 - alpha * u * (1 - u)
    assert same(multiplier(make("la-gda", gamma=1, tau=tau, lam=lam), u, exact=True), 1 - lam + lam * (1 - u) ** tau)
    assert same(multiplier(make("la-eg", gamma=1, tau=tau, lam=lam), u, exact=True),
                1 - lam + lam * (1 - u + u**2) ** tau)
    assert same(multiplier(make("la-eg+", gamma=1, tau=tau, lam=lam, alpha=alpha), u, exact=True),
                1 - lam + lam * eg_plus**tau)
    # a hand-built nesting of depth three: LA(LA(LA(GDA, 2, a), tau, lam), 2, b)
    a, b = sp.symbols("a b")
    inner = 1 - a + a * (1 - u) ** 2
    middle = 1 - lam + lam * inner**tau
    m = Lookahead(Lookahead(Lookahead(GDA(1), 2, a), tau, lam), 2, b)
    assert same(multiplier(m, u, exact=True), 1 - b + b * middle**2)
    # gamma symbolic: u = gamma mu
    m = make("la-gda", gamma=gamma, tau=tau, lam=lam)
    assert same(multiplier(m, mu, exact=True), 1 - lam + lam * (1 - gamma * mu) ** tau)


def test_exact_ogda_characteristic_polynomial():
    assert same(characteristic_polynomial(make("ogda", gamma=1), u, x), x**2 - (1 - 2 * u) * x - u)
    T = multiplier(make("ogda", gamma=gamma), u / gamma, exact=True)    # stateful: the transition matrix
    assert isinstance(T, sp.MatrixBase) and T.shape == (2, 2)
    assert same(T.charpoly(x).as_expr(), x**2 - (1 - 2 * u) * x - u)


def test_exact_identities():
    # I-1 RAPP(tau=2, lam) = EG+(alpha = lam); I-3 LA-GDA(2) = average of GDA(2 lam gamma) and EG+(2 lam)
    eg_p = multiplier(make("eg+", gamma=1, alpha=lam), u, exact=True)
    assert same(multiplier(make("rapp", gamma=1, lam=lam, tau=2), u, exact=True), eg_p)
    la = multiplier(make("la-gda", gamma=1, lam=lam, tau=2), u, exact=True)
    gda2 = multiplier(make("gda", gamma=2 * lam), u, exact=True)
    egp2 = multiplier(make("eg+", gamma=1, alpha=2 * lam), u, exact=True)
    assert same(la, (gda2 + egp2) / 2)


def test_adaptive_ceg_plus_R26():
    # alpha = sigma/gamma + Re(1/(1 - u)) on one rotation-scaling block; multiplier = EG+(alpha)
    rng = np.random.default_rng(3)
    for _ in range(20):
        g = rng.uniform(0.2, 1.5)
        sig = rng.uniform(-g / 2, 0.0)
        mu = complex(rng.normal(), rng.normal())
        uu = g * mu
        a = sig / g + (1 / (1 - uu)).real
        got = multiplier(make("adaptive-ceg+", gamma=g, sigma=sig), np.array([mu]))
        assert abs(got[0] - (1 - a * uu * (1 - uu))) <= 1e-13 * (1 + abs(got[0]))
    # exact, at rational points
    b, a_ = sp.symbols("b a", real=True)
    sig = sp.Rational(-1, 5)
    e = multiplier(make("adaptive-ceg+", gamma=1, sigma=sig), b + sp.I * a_, exact=True)
    for bv, av in [(sp.Rational(1, 3), sp.Rational(2, 7)), (sp.Rational(-1, 2), sp.Rational(5, 4))]:
        uu = bv + sp.I * av
        al = sig + sp.re(1 / (1 - uu))
        assert sp.simplify(e.subs({b: bv, a_: av}) - (1 - al * uu * (1 - uu))) == 0
    # LowerBoundGame, gamma = 1/L: Re(1/(1-u)) = 1/2, default sigma = -0.99 gamma/2 -> alpha = 0.005,
    # converges iff 2c + 0.005 < 1 (c < 0.4975)
    for c in (0.3, 0.49, 0.497):
        assert converges(make("adaptive-ceg+", gamma=1.0), LowerBoundGame(-c, 1.0))
    assert not converges(make("adaptive-ceg+", gamma=1.0), LowerBoundGame(-0.498, 1.0))
    for c in (0.1, 0.3, 0.45):
        r = np.sqrt(1 - 2 * 0.005 * (1 + c) * (1 - 2 * c - 0.005))         # R15 r^2 formula
        assert spectral_radius(make("adaptive-ceg+", gamma=1.0), LowerBoundGame(-c, 1.0)) == pytest.approx(r, rel=1e-12)
    with pytest.raises(ValueError, match="rotation-scaling"):
        spectral_radius(make("adaptive-ceg+", gamma=0.5), random_comonotone(4, -0.1, 1.0, seed=0))


def test_feg_time_varying():
    with pytest.raises(ValueError, match="not stationary"):
        multiplier(make("feg", L=1.0), np.array([1j]))
    with pytest.raises(ValueError, match="not stationary"):
        spectral_radius(make("feg", L=1.0), BIL)
    with pytest.raises(ValueError, match="not stationary"):
        iteration_matrix(make("feg", L=1.0), [[0.0, 1.0], [-1.0, 0.0]])
    # the K-step factor matches an actual run on a rotation-scaling block: ||z_K|| = |p_K| ||z_0||
    op = LowerBoundGame(-0.3, 1.0)
    K = 25
    r = run(make("feg", L=1.0, rho=-0.3), op, np.array([1.0, 0.5]), iters=K)
    d = r.history.distance
    eig = op.eigenvalues()[0]
    for k in (1, 2, 7, K):
        assert abs(k_step_multiplier(make("feg", L=1.0, rho=-0.3), eig, k)) == pytest.approx(d[k] / d[0], rel=1e-10)
    # the state (z, anchor) transition product over K steps, applied to the init state (z0, z0)
    P = transition_matrix(make("feg", L=1.0, rho=-0.3), np.array([eig]), steps=K)
    assert abs(P[0] @ np.ones(2))[0] == pytest.approx(d[K] / d[0], rel=1e-10)
    # first FEG step at rho = 0 is an EG step of size 1/L from z0: z1 = z0 - F(z0)/L
    assert same(k_step_multiplier(make("feg", L=1, rho=0), u, 1, exact=True), 1 - u)


# ------------------------------------------------------------------------------------------------
# numeric multipliers vs explicit iteration matrices on non-normal M
# ------------------------------------------------------------------------------------------------
METHOD_CASES = [
    ("gda", {}),
    ("eg", {}),
    ("eg+", {"alpha": 0.4}),
    ("ceg+", {"alpha": 0.7}),
    ("ogda", {}),
    ("pp", {}),
    ("relaxed-pp", {"lam": 1.3}),
    ("app", {"tau": 4}),
    ("rapp", {"tau": 3, "lam": 0.6}),
    ("la-gda", {"tau": 3, "lam": 0.3}),
    ("la-eg", {"tau": 2, "lam": 0.5}),
    ("la-eg+", {"tau": 2, "lam": 0.5, "alpha": 0.5}),
    ("la-ceg+", {"tau": 2, "lam": 0.7, "alpha": 0.5}),
]


@pytest.mark.parametrize("name, params", METHOD_CASES, ids=[c[0] for c in METHOD_CASES])
def test_radius_equals_iteration_matrix(name, params):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    worst = 0.0
    for trial in range(60):
        d = int(rng.integers(2, 6))
        M = rng.standard_normal((d, d)) + rng.uniform(0, 3) * np.triu(rng.standard_normal((d, d)), 1)
        M = M / np.linalg.norm(M, 2)
        g = float(rng.uniform(0.1, 0.9))
        m = make(name, gamma=g, **params)
        T = iteration_matrix(m, M)
        s = 2 if name == "ogda" else 1
        assert T.shape == (s * d, s * d)
        r_explicit = np.max(np.abs(np.linalg.eigvals(T)))
        r_spec = spectral_radius(m, np.linalg.eigvals(M))
        worst = max(worst, abs(r_spec - r_explicit) / r_explicit)
        assert converges(m, LinearOperator(M)) == (r_spec < 1)
    assert worst <= 1e-10


def test_iteration_matrix_is_the_step():
    # the explicit matrix reproduces a step of run() on a random non-normal map
    rng = np.random.default_rng(7)
    M = rng.standard_normal((4, 4))
    z0 = rng.standard_normal(4)
    for name, params in METHOD_CASES:
        if name == "ogda":
            continue
        m = make(name, gamma=0.3 / np.linalg.norm(M, 2), **params)
        T = iteration_matrix(m, M)
        z1 = run(m, LinearOperator(M), z0, iters=1).z
        np.testing.assert_allclose(T @ z0, z1, rtol=1e-12, atol=1e-13)
    with pytest.raises(ValueError, match="inner products"):
        iteration_matrix(make("adaptive-ceg+", gamma=0.1), M)


# ------------------------------------------------------------------------------------------------
# radius vs actual runs (monoverify.solvers.run) on LowerBoundGame
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, params", METHOD_CASES, ids=[c[0] for c in METHOD_CASES])
def test_radius_matches_runs(name, params):
    op = LowerBoundGame(-0.2, 1.0)
    g = np.array([0.3, 0.6, 0.9, 1.1])
    m = make(name, gamma=g, **params)
    r = spectral_radius(m, op)
    assert r.shape == (4,)
    if name == "ogda":
        K = 400
        res = run(m, op, np.array([1.0, 0.5]), iters=K, diverge_at=1e300)
        d = res.history.distance
        rate = (d[K] / d[K - 100]) ** (1 / 100)
        np.testing.assert_allclose(rate, r, rtol=1e-6)
        return
    # stationary methods on a rotation-scaling block: the iteration matrix is a rotation-scaling
    # too, so ||z_{k+1}|| = radius ||z_k|| exactly
    res = run(m, op, np.array([1.0, 0.5]), iters=12)
    d = res.history.distance
    np.testing.assert_allclose(d[1:] / d[:-1], np.broadcast_to(r, d[1:].shape), rtol=1e-10)


# ------------------------------------------------------------------------------------------------
# batching contract (used by theory.phase)
# ------------------------------------------------------------------------------------------------
def test_batch_contract():
    B = 7
    rng = np.random.default_rng(0)
    g_arr = rng.uniform(0.2, 1.0, B)
    l_arr = rng.uniform(0.1, 1.5, B)
    c = rng.uniform(0, 0.9, B)
    eigs = lower_bound_eigenvalues(-c, 1.0)
    assert eigs.shape == (B, 2)
    r = spectral_radius(make("rapp", gamma=g_arr, lam=l_arr, tau=5), eigs)
    assert r.shape == (B,)
    for i in range(B):
        ri = spectral_radius(make("rapp", gamma=g_arr[i], lam=l_arr[i], tau=5), LowerBoundGame(-c[i], 1.0))
        assert isinstance(ri, float)
        assert r[i] == pytest.approx(ri, rel=1e-13)
    assert multipliers(make("rapp", gamma=g_arr, lam=l_arr, tau=5), eigs).shape == (B, 2)
    # broadcasting: batched hyper-parameters with one eigenvalue set, and the reverse
    assert spectral_radius(make("gda", gamma=g_arr), np.array([1j, -1j])).shape == (B,)
    assert spectral_radius(make("gda", gamma=0.5), eigs).shape == (B,)
    assert multipliers(make("gda", gamma=0.5), BIL).shape == (1, 2)
    assert converges(make("gda", gamma=g_arr), BIL).dtype == bool
    with pytest.raises(ValueError, match="broadcast"):
        spectral_radius(make("gda", gamma=g_arr), np.ones((B + 1, 2)))
    with pytest.raises(ValueError):
        multiplier(make("gda", gamma=sp.Symbol("g")), np.array([1.0]))
    # ogda batched: dominant roots
    rt = multiplier(make("ogda", gamma=np.array([0.5, 0.6])), np.array([1j, -1j]), roots=True)
    assert rt.shape == (2, 2, 2)


def test_refusals():
    box = LinearOperator([[0.0, 1.0], [-1.0, 0.0]], constraint=Box(-1.0, 1.0, 2))
    with pytest.raises(ValueError, match="unconstrained"):
        spectral_radius(make("gda", gamma=0.1), box)
    with pytest.raises(ValueError, match="LinearOperator"):
        spectral_radius(make("gda", gamma=0.1), PolarGame(1))
    with pytest.raises(ValueError, match="bracket"):
        critical("eg", "gamma", op=BIL)
    with pytest.raises(ValueError, match="exactly one"):
        critical("eg", "gamma", op=BIL, rho=-0.1, bracket=(0.1, 1))
    with pytest.raises(ValueError, match="not a continuous"):
        critical("la-gda", "tau", {"gamma": 1.0, "lam": 0.5}, op=BIL, bracket=(1, 3))
    with pytest.raises(ValueError, match="unknown method"):
        critical("la-gdaa", "lam", {"gamma": 1.0, "tau": 2}, op=BIL)


def test_eigen_oracle():
    o = EigenOracle(np.array([2.0 + 1j]))
    z = np.array([1.0 - 1j])
    np.testing.assert_allclose(o.F(z), (2 + 1j) * z)
    np.testing.assert_allclose(o.resolvent(z, 0.5), z / (1 + 0.5 * (2 + 1j)))
    # plane inner product of (1, -1) and (3, 2): 1
    assert o.vdot(z, np.array([3.0 + 2j]))[0] == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------------
# critical values and SPEC tables
# ------------------------------------------------------------------------------------------------
def test_relaxed_pp_threshold_R3():
    for c in (0.0, 0.1, 0.3, 0.6, 0.9):
        for t in (0.95, 1.3, 2.5):
            if t <= c:
                continue
            lam_star = critical("relaxed-pp", "lam", {"gamma": t}, rho=-c)
            assert lam_star == pytest.approx(2 * (1 - c / t), rel=1e-12, abs=1e-12)
            # via brentq on the radius, not the lemma: same value
            r = lambda l: spectral_radius(make("relaxed-pp", gamma=t, lam=l), lbg(c))  # noqa: E731
            assert r(0.99 * lam_star) < 1 < r(1.01 * lam_star)


def test_spec8_item4():
    lam_star = 2 * (1 - 0.3 / 0.9)
    assert critical("relaxed-pp", "lam", {"gamma": 0.9}, rho=-0.3) == pytest.approx(lam_star, abs=1e-12)
    op = LowerBoundGame(-0.3, 1.0)
    assert spectral_radius(make("relaxed-pp", gamma=0.9, lam=0.999 * lam_star), op) == pytest.approx(0.999433, abs=1e-6)
    assert spectral_radius(make("relaxed-pp", gamma=0.9, lam=1.001 * lam_star), op) == pytest.approx(1.000567, abs=1e-6)


TABLE_51 = [  # c, EG+ r (alpha = 1/2), LA-EG tau=1 lam*, LA-GDA tau=2 lam*, relaxed-PP lam* (gamma L = 0.9)
    (0.0, 0.707107, 1.0, 0.400000, 2.0),
    (0.1, 0.818535, 0.8, 0.288889, 1.777778),
    (0.2, 0.938083, 0.6, 0.179310, 1.555556),
    (0.3, 1.063015, 0.4, 0.070968, 1.333333),
    (0.36, 1.139825, 0.28, 0.006460, 1.2),
    (0.45, 1.256981, 0.1, None, 1.0),
]


@pytest.mark.parametrize("c, r_egp, lam_laeg, lam_lagda, lam_rpp", TABLE_51)
def test_table_51(c, r_egp, lam_laeg, lam_lagda, lam_rpp):
    eigs = lbg(c)
    assert spectral_radius(make("eg+", gamma=1.0, alpha=0.5), eigs) == pytest.approx(r_egp, abs=1e-6)
    assert critical("la-eg", "lam", {"gamma": 1.0, "tau": 1}, eigenvalues=eigs) == pytest.approx(lam_laeg, abs=1e-6)
    assert critical("la-eg", "lam", {"gamma": 1.0, "tau": 1}, eigenvalues=eigs) == pytest.approx(1 - 2 * c, abs=1e-12)
    got = critical("la-gda", "lam", {"gamma": 1.0, "tau": 2}, rho=-c, L=1.0)
    if lam_lagda is None:
        assert got is None
    else:
        assert got == pytest.approx(lam_lagda, abs=1e-6)
        assert got == pytest.approx(2 * (1 - 2 * c - 2 * c**2) / (5 + 4 * c), rel=1e-12)     # R20
    assert critical("relaxed-pp", "lam", {"gamma": 0.9}, rho=-c) == pytest.approx(lam_rpp, abs=1e-6)


def test_eg_plus_R15():
    for c, a, r in [(1 / 3, 0.5, 1.105542), (1 / 3, 0.25, 0.971825), (1 / 8, 0.75, 1.000000), (1 / 8, 0.5, 0.847791)]:
        got = spectral_radius(make("eg+", gamma=1.0, alpha=a), lbg(c))
        assert got == pytest.approx(r, abs=1e-6)
        assert got**2 == pytest.approx(1 - 2 * a * (1 + c) * (1 - 2 * c - a), abs=1e-14)
    # gamma = 1/L: radius < 1 iff 2c + alpha < 1; general t: |m|^2 - 1 = a t (a t^3 + 2 a c t^2 + a t + 4 c^2 t + 2c - 2t)
    rng = np.random.default_rng(1)
    c = rng.uniform(0, 0.99, 400)
    a = rng.uniform(0.01, 1.0, 400)
    t = rng.uniform(0.05, 1.0, 400)
    r = spectral_radius(make("eg+", gamma=t, alpha=a), lower_bound_eigenvalues(-c, 1.0))
    np.testing.assert_allclose(r**2 - 1, a * t * (a * t**3 + 2 * a * c * t**2 + a * t + 4 * c**2 * t + 2 * c - 2 * t),
                               atol=1e-13)
    r1 = spectral_radius(make("eg+", gamma=np.ones(400), alpha=a), lower_bound_eigenvalues(-c, 1.0))
    far = np.abs(2 * c + a - 1) > 1e-9
    assert np.array_equal((r1 < 1)[far], (2 * c + a < 1)[far])
    # the critical alpha (threshold lemma on eg+ = Lookahead(EG, 1, alpha)) is 1 - 2c
    for cc in (0.0, 0.2, 1 / 3, 0.45):
        assert critical("eg+", "alpha", {"gamma": 1.0}, rho=-cc) == pytest.approx(1 - 2 * cc, abs=1e-12)


def test_la_gda_R20():
    assert lookahead_threshold(make("gda", gamma=1.0), 2, lbg(0.36)) is not None
    assert lookahead_threshold(make("gda", gamma=1.0), 2, lbg(0.37)) is None
    c_star = (np.sqrt(3) - 1) / 2
    assert lookahead_threshold(make("gda", gamma=1.0), 2, lbg(c_star - 1e-6)) is not None
    assert lookahead_threshold(make("gda", gamma=1.0), 2, lbg(c_star + 1e-6)) is None
    # general t: some lam iff t(1 - 2c^2) > 2c, lam* = 2(t(1-2c^2) - 2c)/(t(t^2 + 4ct + 4))
    rng = np.random.default_rng(2)
    for _ in range(100):
        c, t = rng.uniform(0, 0.9), rng.uniform(0.05, 2.0)
        got = lookahead_threshold(make("gda", gamma=t), 2, lbg(c))
        crit = t * (1 - 2 * c**2) - 2 * c
        if abs(crit) < 1e-9:
            continue
        if crit > 0:
            assert got == pytest.approx(2 * crit / (t * (t**2 + 4 * c * t + 4)), rel=1e-10)
        else:
            assert got is None
    # batched threshold: NaN for "none"
    lam = lookahead_threshold(make("gda", gamma=np.array([1.0, 1.0])), 2, lower_bound_eigenvalues([-0.1, -0.45], 1.0))
    assert lam[0] == pytest.approx(0.288889, abs=1e-6) and np.isnan(lam[1])


def test_bilinear_R21():
    for t, mod in [(0.01, 1.00005), (0.1, 1.004988), (1.0, 1.414214)]:
        assert spectral_radius(make("gda", gamma=t), BIL) == pytest.approx(mod, abs=1e-6)
        assert spectral_radius(make("gda", gamma=t), BIL) == pytest.approx(np.sqrt(1 + t * t), rel=1e-14)
    # relaxed GDA = LA-GDA(tau=1) still diverges; PP modulus 1/sqrt(1+t^2)
    assert not converges(make("la-gda", gamma=np.array([0.1, 1.0, 3.0]), lam=0.3, tau=1), BIL).any()
    for t in (0.3, 1.0, 4.0):
        assert spectral_radius(make("pp", gamma=t), BIL) == pytest.approx(1 / np.sqrt(1 + t * t), rel=1e-14)
    # EG+ converges iff alpha (1 + t^2) < 2
    rng = np.random.default_rng(4)
    a, t = rng.uniform(0.01, 1, 300), rng.uniform(0.01, 3, 300)
    ok = converges(make("eg+", gamma=t, alpha=a), BIL)
    far = np.abs(a * (1 + t * t) - 2) > 1e-9
    assert np.array_equal(ok[far], (a * (1 + t * t) < 2)[far])
    # OGDA
    assert spectral_radius(make("ogda", gamma=0.5), BIL) == pytest.approx(0.707107, abs=1e-6)
    assert spectral_radius(make("ogda", gamma=0.6), BIL) == pytest.approx(1.057353, abs=1e-6)
    assert critical("ogda", "gamma", op=BIL, bracket=(0.1, 1.0)) == pytest.approx(1 / np.sqrt(3), abs=1e-12)
    assert critical("ogda", "gamma", op=BIL, bracket=(0.1, 1.0)) == pytest.approx(0.5773502692, abs=1e-10)
    # at t = 1/sqrt(3) the root e^{-i pi/3} lies on the unit circle
    roots = multiplier(make("ogda", gamma=1 / np.sqrt(3)), np.array([1j]), roots=True)[0]
    assert np.min(np.abs(roots - np.exp(-1j * np.pi / 3))) < 1e-14


def test_bilinear_R22_R23():
    for t, val in [(0.25, 0.492308), (0.5, 0.470588), (1.0, 0.4), (2.0, 0.25)]:
        got = critical("la-gda", "lam", {"gamma": t, "tau": 2}, op=BIL)
        assert got == pytest.approx(val, abs=1e-6)
        assert got == pytest.approx(2 / (4 + t * t), rel=1e-12)
    for tau, t, val in [(3, 1.0, 0.461538), (20, 0.1, 0.929567), (5, 1.0, 0.243902)]:
        assert critical("la-gda", "lam", {"gamma": t, "tau": tau}, op=BIL) == pytest.approx(val, abs=1e-6)
    assert critical("la-gda", "lam", {"gamma": 1.0, "tau": 8}, op=BIL) is None
    none = [tau for tau in range(1, 17) if critical("la-gda", "lam", {"gamma": 1.0, "tau": tau}, op=BIL) is None]
    assert none == [1, 7, 8, 9, 15, 16]
    # the lemma agrees with a brentq root of the radius in lam
    lam_star = critical("la-gda", "lam", {"gamma": 1.0, "tau": 3}, op=BIL)
    r = lambda lv: spectral_radius(make("la-gda", gamma=1.0, tau=3, lam=lv), BIL)  # noqa: E731
    assert r(lam_star * (1 - 1e-6)) < 1 < r(lam_star * (1 + 1e-6))


def test_rapp_conic_R10():
    expected = {2: None, 5: 1.212074, 10: 0.443254, 30: 0.611256, 200: 0.666667}
    for tau, val in expected.items():
        got = critical("rapp", "lam", {"gamma": 0.9, "tau": tau}, rho=-0.6, L=1.0)
        if val is None:
            assert got is None
        else:
            assert got == pytest.approx(val, abs=1e-6)
    # SPEC §8 item 10: lam = 0.6 converges, 0.7 diverges at tau = 200
    op = LowerBoundGame(-0.6, 1.0)
    assert converges(make("rapp", gamma=0.9, lam=0.6, tau=200), op)
    assert not converges(make("rapp", gamma=0.9, lam=0.7, tau=200), op)


def test_lookahead_conic_spec8_item14():
    # LA over the conic resolvent J (relaxed PP): lam* = 1/theta = 2(1 + rho/gamma)
    for (rl, gl), val in [((-0.6, 0.9), 0.666667), ((-0.8, 0.95), 0.315789)]:
        assert critical("relaxed-pp", "lam", {"gamma": gl}, rho=rl) == pytest.approx(val, abs=1e-6)


def test_regions_51():
    grid = np.round(np.linspace(0.0, 1.0, 10001), 12)
    fx = {"gamma": 1.0}

    def reg(name, tau):
        return region(name, "c", grid, {**fx, "tau": tau}, L=1.0, criterion="lookahead")

    assert reg("la-gda", 1) == []
    cases = [
        ("la-gda", 2, [(0.0, 0.36602)]),
        ("la-gda", 3, [(0.0, 0.59791)]),
        ("la-eg", 2, [(0.0, 0.76069)]),
        ("la-eg", 4, [(0.35551, 0.92532)]),
        ("la-eg", 5, [(0.0, 0.09019), (0.58441, 0.95135)]),
    ]
    for name, tau, expected in cases:
        got = reg(name, tau)
        assert len(got) == len(expected), (name, tau, got)
        for (lo, hi), (elo, ehi) in zip(got, expected):
            assert lo == pytest.approx(elo, abs=1e-3) and hi == pytest.approx(ehi, abs=1e-3)
    # LA-EG tau = 1: [0, 1/2)
    got = reg("la-eg", 1)
    assert len(got) == 1 and got[0][0] == 0.0 and got[0][1] == pytest.approx(0.5, abs=1e-3)
    # convergence region in c of EG+ (alpha = 1/2, gamma = 1/L): 2c + alpha < 1 -> c < 1/4
    got = region("eg+", "c", grid, {"gamma": 1.0, "alpha": 0.5}, L=1.0)
    assert len(got) == 1 and got[0][1] == pytest.approx(0.25, abs=1e-3)
    # critical c by brentq: same boundary
    assert critical("eg+", "c", {"gamma": 1.0, "alpha": 0.5}, L=1.0) == pytest.approx(0.25, abs=1e-10)
    # region in lam of LA-GDA(tau=2) on the bilinear game: (0, 2/(4 + t^2))
    lg = np.linspace(0.001, 1.0, 1000)
    got = region("la-gda", "lam", lg, {"gamma": 1.0, "tau": 2}, op=BIL)
    assert len(got) == 1 and got[0][1] == pytest.approx(0.4, abs=2e-3)   # grid spacing 1e-3


def test_lower_bound_eigenvalues():
    c = np.array([0.0, 0.3, 1.0])
    e = lower_bound_eigenvalues(-c / 2.0, 2.0)            # L = 2: eigenvalues L(-c +- i sqrt(1 - c^2))
    assert e.shape == (3, 2)
    for i, ci in enumerate(c):
        exp = 2.0 * np.array([-ci + 1j * np.sqrt(1 - ci**2), -ci - 1j * np.sqrt(1 - ci**2)])
        np.testing.assert_allclose(np.sort_complex(e[i]), np.sort_complex(exp), atol=1e-14)
    with pytest.raises(ValueError):
        lower_bound_eigenvalues(-0.6, 2.0)
