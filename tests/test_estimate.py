"""``estimate_constants``: one-sided certificates with witnesses (DESIGN "operators").

Reference values: exact constants of linear operators (SPEC §2.1: for a linear map the pairwise
and the weak-MVI constants both equal lambda_min(sym(M^-1))) and SPEC §6 closed forms. The
witness checks re-evaluate the quotients here with their defining formulas.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from monoverify.operators import (
    Ball, Box, Forsaken, GlobalForsaken, L1, LinearOperator, LowerBoundGame, Operator, PolarGame, Simplex, Whole,
    estimate_constants, random_comonotone,
)
from monoverify.operators.base import Constant, Constants


# --------------------------------------------------------------------------------------------
# independent re-evaluation of the witnessed quantities
# --------------------------------------------------------------------------------------------
def jac_norm(op, z):
    return float(np.linalg.norm(np.asarray(op.jacobian(np.asarray(z)), float).reshape(op.dim, op.dim), 2))


def pair_q(op, p, q):
    dF = op.F(q) - op.F(p)
    return float(dF @ (q - p) / (dF @ dF))


def mvi_q(op, z, zs):
    f = op.F(z)
    return float(f @ (z - zs) / (f @ f))


def assert_witnesses(op, est, region, rho_margin=1e-6):
    """Every reported value is attained at its witness (up to its rounding margin) in the region.

    ``rho_margin`` bounds the relative rounding margin of the pairwise bound: 1e-6 for well-separated
    pairs; operators whose pairwise quotient is unbounded below (F not injective on the region:
    Forsaken, GlobalForsaken on the box) are witnessed by pairs with ``||dF|| ~ 1e-7 L ||dz||``,
    whose quotient is only known to ~1e-3 (the margin says so).
    """
    if est.L_method == "jacobian":
        assert est.L_witness.shape == (1, op.dim)
        assert jac_norm(op, est.L_witness[0]) == pytest.approx(est.L_attained, rel=1e-12)
    else:
        p, q = est.L_witness
        assert np.linalg.norm(op.F(q) - op.F(p)) / np.linalg.norm(q - p) == pytest.approx(est.L_attained, rel=1e-12)
    assert 0 <= est.L_attained - est.L <= 1e-9 * est.L_attained
    assert est.rho_witness.shape == (2, op.dim)
    assert pair_q(op, *est.rho_witness) == pytest.approx(est.rho_attained, rel=1e-12, abs=1e-15)
    assert 0 <= est.rho - est.rho_attained <= rho_margin * max(1.0, abs(est.rho_attained))
    pts = [*est.L_witness, *est.rho_witness]
    if est.rho_weak_mvi is not None:
        assert mvi_q(op, est.rho_weak_mvi_witness, est.solution) == pytest.approx(est.rho_weak_mvi_attained,
                                                                                rel=1e-12, abs=1e-15)
        assert 0 <= est.rho_weak_mvi - est.rho_weak_mvi_attained <= 1e-9 * max(1.0, abs(est.rho_weak_mvi_attained))
        pts.append(est.rho_weak_mvi_witness)
    assert bool(np.all(region.contains(np.array(pts), atol=1e-12)))
    assert est.check(op)


# --------------------------------------------------------------------------------------------
# linear operators with exact constants: never above L, never below rho
# --------------------------------------------------------------------------------------------
LINEAR = [
    LowerBoundGame(-sp.Rational(1, 9), 3),
    LowerBoundGame(-0.1, 1.0),
    LowerBoundGame(sp.Rational(3, 10), sp.Rational(3, 2)),
    LowerBoundGame(-0.999, 1.0),
    LinearOperator([[2, 1], [-3, 1]]),
    LinearOperator([[2, 1, 0], [-3, 1, 1], [0, -1, 1]]),
    LinearOperator([[1, 2, 0], [-2, 1, 0], [0, 0, 0]]),  # singular, range orthogonal to kernel
    random_comonotone(3, -0.2, 2.0, seed=1),
    random_comonotone(6, -0.3, 1.5, seed=2),
]


@pytest.fixture(scope="module")
def linear_estimates():
    return [estimate_constants(op, seed=0, n_samples=4000, n_starts=4) for op in LINEAR]


def test_linear_one_sided(linear_estimates):
    for op, est in zip(LINEAR, linear_estimates):
        L, rho = float(op.L), float(op.rho)  # SymPy exact -> nearest float
        assert est.L <= L, (op, est.L, L)
        assert est.rho >= rho, (op, est.rho, rho)
        assert est.rho_weak_mvi >= rho, (op, est.rho_weak_mvi, rho)
        # the Jacobian route attains both exactly (constant Jacobian): tight to rounding
        assert est.L == pytest.approx(L, rel=1e-12)
        assert est.rho == pytest.approx(rho, rel=1e-8, abs=1e-10)
        if np.linalg.matrix_rank(op.matrix) == op.dim:
            assert est.rho_local == pytest.approx(rho, rel=1e-12, abs=1e-15)
        else:  # singular: no local quotient, explicit pairs only
            assert est.rho_local is None
        assert est.rho_weak_mvi <= rho + 1e-3 * max(1, abs(rho))
        assert_witnesses(op, est, op.constraint)


@pytest.mark.parametrize("rho,L", [(-0.1, 1.0), (-sp.Rational(1, 9), 3), (-0.49, 2.0), (0.3, 1.5), (-0.999, 1.0)])
def test_lower_bound_game_tight(rho, L):
    op = LowerBoundGame(rho, L)
    est = estimate_constants(op, seed=1, n_samples=2000, n_starts=2)
    assert float(op.L) - 1e-6 <= est.L <= float(op.L)
    assert float(op.rho) <= est.rho <= float(op.rho) + 1e-6
    assert float(op.rho) <= est.rho_weak_mvi <= float(op.rho) + 1e-6


def test_random_nonnormal_float_matrices():
    """Float matrices: the reference is itself float64 (lambda_min(sym(M^-1)), ||M||_2)."""
    rng = np.random.default_rng(5)
    for _ in range(10):
        n = int(rng.integers(2, 5))
        M = rng.standard_normal((n, n)) + 2 * np.eye(n)
        Minv = np.linalg.inv(M)
        rho = float(np.linalg.eigvalsh(0.5 * (Minv + Minv.T))[0])
        L = float(np.linalg.norm(M, 2))
        est = estimate_constants(LinearOperator(M), n_samples=1000, n_starts=2, seed=3)
        assert est.L <= L * (1 + 1e-14)
        assert est.rho >= rho - 1e-14 * max(1, abs(rho))
        assert est.rho == pytest.approx(rho, rel=1e-8, abs=1e-10)


# --------------------------------------------------------------------------------------------
# the 2-D examples: within 1e-6 where values are known
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def polar_estimates():
    return {a: estimate_constants(PolarGame(a)) for a in (1, sp.Rational(3, 4), sp.Rational(1, 3))}


@pytest.mark.parametrize("a", [1, sp.Rational(3, 4), sp.Rational(1, 3)], ids=str)
def test_polar_game_estimates(polar_estimates, a):
    op = PolarGame(a)
    est = polar_estimates[a]
    rho = float(-50176 * sp.sympify(a) / (2401 * sp.sympify(a) ** 2 + 1048576))  # SPEC §6
    L = float(op.L)
    assert rho <= est.rho_weak_mvi <= rho + 1e-6
    assert L - 1e-6 <= est.L <= L
    # the corner is a maximiser (SPEC: "at a corner")
    np.testing.assert_allclose(np.abs(est.L_witness[0]), [1.1, 1.1], atol=1e-9)
    # the weak-MVI minimiser is on the circle r^2 = 25/32
    assert np.sum(est.rho_weak_mvi_witness**2) == pytest.approx(25 / 32, abs=1e-4)
    # pairwise rho <= weak-MVI rho (pairs include (z, z*)), and the pair bound is attained
    assert est.rho <= est.rho_weak_mvi
    assert_witnesses(op, est, op.constraint)


def test_global_forsaken_box_and_ball():
    op = GlobalForsaken()
    box = Box(-4 / 3, 4 / 3, dim=2)
    est = estimate_constants(op, region=box, seed=0)
    L_box = float(sp.sqrt((74125591 + 9409 * sp.sqrt(59721901)) / 2) / 2835)  # SPEC §6 closed form
    assert L_box - 1e-6 <= est.L <= L_box
    assert_witnesses(op, est, box, rho_margin=1e-2)
    est_ball = estimate_constants(op, seed=0)  # default region: the constraint ball
    assert est_ball.L == pytest.approx(2.8684, abs=1e-4) and est_ball.L <= L_box
    assert est_ball.rho_weak_mvi == pytest.approx(-0.119732, abs=1e-6)
    assert np.linalg.norm(est_ball.rho_weak_mvi_witness) == pytest.approx(1.0864, abs=1e-3)
    assert_witnesses(op, est_ball, op.constraint)
    assert "Ball" in est_ball.region


def test_forsaken_consistent_with_bound():
    op = Forsaken()
    est = estimate_constants(op, seed=0)
    assert float(op.L) - 1e-6 <= est.L <= float(op.L)
    # kind "bound": the true rho_box is <= -0.477761; the global search can only find lower values
    assert est.rho_weak_mvi <= float(op.rho)
    assert est.rho <= est.rho_weak_mvi
    assert est.rho < -1e4  # F is not injective on the box: no finite pairwise rho
    assert_witnesses(op, est, op.constraint, rho_margin=1e-2)


# --------------------------------------------------------------------------------------------
# reproducibility, regions, operators without a Jacobian, validation
# --------------------------------------------------------------------------------------------
def test_reproducible_by_seed():
    op = PolarGame(sp.Rational(3, 4))
    a = estimate_constants(op, seed=7, n_samples=3000, n_starts=3)
    b = estimate_constants(op, seed=7, n_samples=3000, n_starts=3)
    assert a.as_dict() == b.as_dict()
    c = estimate_constants(op, seed=8, n_samples=3000, n_starts=3)
    assert c.rho_weak_mvi == pytest.approx(a.rho_weak_mvi, abs=1e-6)  # another seed, same extremum
    assert c.rho_weak_mvi_witness.tolist() != a.rho_weak_mvi_witness.tolist() or c.seed != a.seed


class _NoJacobianLinear(Operator):
    """A linear map exposed through F only (no analytic Jacobian)."""

    def __init__(self, M):
        self.M = np.asarray(M, float)
        self.dim = self.M.shape[0]
        self.name = "NoJacobianLinear"
        self.params = {}
        self.constants = Constants(L=Constant(0, "estimate", "test"), rho=Constant(0, "estimate", "test"))
        self.solution = np.zeros(self.dim)

    def _F(self, z, xp):
        return z @ xp.asarray(self.M.T)


def test_difference_quotients_without_jacobian():
    M = np.array([[-0.5, 2.0], [-1.0, 0.3]])
    op = _NoJacobianLinear(M)
    assert not op.has_jacobian
    Minv = np.linalg.inv(M)
    rho = float(np.linalg.eigvalsh(0.5 * (Minv + Minv.T))[0])
    L = float(np.linalg.norm(M, 2))
    est = estimate_constants(op, seed=0, n_samples=3000, n_starts=3)
    assert est.L_method == "difference-quotient" and est.L_witness.shape == (2, 2)
    assert est.L <= L * (1 + 1e-14) and est.L == pytest.approx(L, rel=1e-6)
    assert est.rho >= rho - 1e-14 and est.rho == pytest.approx(rho, rel=1e-6)
    assert est.rho_local is None
    assert_witnesses(op, est, Box(-1.0, 1.0, dim=2))


@pytest.mark.parametrize("region", [Whole(3), L1(0.5, 3), Ball(2.0, 3, center=[1.0, 0.0, -1.0]),
                                    Box([-1.0, 0.0, -np.inf], [1.0, 2.0, np.inf])], ids=repr)
def test_regions(region):
    op = LinearOperator([[2, 1, 0], [-3, 1, 1], [0, -1, 1]])
    est = estimate_constants(op, region=region, seed=0, n_samples=1000, n_starts=2, radius=3.0)
    assert est.L <= float(op.L) and est.rho >= float(op.rho)
    assert est.L == pytest.approx(float(op.L), rel=1e-12)
    assert est.rho == pytest.approx(float(op.rho), rel=1e-6)
    check_region = Box(-3.0, 3.0, dim=3) if isinstance(region, (Whole, L1)) else (
        Box([-1.0, 0.0, -3.0], [1.0, 2.0, 3.0]) if isinstance(region, Box) else region)
    assert_witnesses(op, est, check_region)


def test_simplex_region_uses_tangent_directions():
    """On the simplex only directions d with sum(d) = 0 occur: L and rho of F restricted to it."""
    M = np.array([[2.0, 1.0, 0.0], [-3.0, 1.0, 1.0], [0.0, -1.0, 1.0]])
    op = LinearOperator(M)
    B = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -2.0]]).T
    B /= np.linalg.norm(B, axis=0)  # orthonormal basis of {sum d = 0}
    L_T = float(np.linalg.norm(M @ B, 2))
    t = np.linspace(0, np.pi, 200001)
    D = (B @ np.stack([np.cos(t), np.sin(t)])).T
    MD = D @ M.T
    rho_T = float(np.min(np.sum(MD * D, axis=1) / np.sum(MD * MD, axis=1)))  # dense brute force
    est = estimate_constants(op, region=Simplex(3), seed=0, n_samples=2000, n_starts=4)
    assert est.L_method == "difference-quotient"
    assert est.L <= L_T * (1 + 1e-12) and est.L == pytest.approx(L_T, rel=1e-6)
    assert est.rho >= rho_T - 1e-9 and est.rho == pytest.approx(rho_T, abs=1e-6)
    assert rho_T > float(op.rho) + 0.01  # the restriction matters here
    assert_witnesses(op, est, Simplex(3))


def test_tuple_region_and_default_radius():
    op = LowerBoundGame(-0.2, 2.0)
    est = estimate_constants(op, region=(-0.5, 0.5), n_samples=500, n_starts=1)
    assert np.all(np.abs(est.rho_witness) <= 0.5)
    est = estimate_constants(op, n_samples=500, n_starts=1)  # Whole: [-1, 1]^2 (z* = 0)
    assert "Box(-1, 1" in est.region


def test_bad_arguments():
    op = LowerBoundGame(-0.2, 2.0)
    with pytest.raises(ValueError, match="n_samples"):
        estimate_constants(op, n_samples=0)
    with pytest.raises(ValueError, match="n_starts"):
        estimate_constants(op, n_starts=-1)
    with pytest.raises(ValueError, match="radius"):
        estimate_constants(op, radius=-1.0)
    with pytest.raises(ValueError, match="dim"):
        estimate_constants(op, region=Box(-1.0, 1.0, dim=3))
    with pytest.raises(TypeError, match="region"):
        estimate_constants(op, region="everywhere")


def test_no_solution_gives_no_weak_mvi():
    op = LinearOperator(np.array([[1.0, 2.0], [-2.0, 1.0]]), constraint=Box(-1.0, 1.0, dim=2))
    assert op.solution is None
    est = estimate_constants(op, n_samples=500, n_starts=1)
    assert est.rho_weak_mvi is None and est.rho_weak_mvi_witness is None
    assert est.rho == pytest.approx(0.2, rel=1e-8) and est.rho >= 0.2
