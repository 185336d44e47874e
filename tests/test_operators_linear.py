"""Linear operators and their constants (SPEC §2.1, §6, §8 items 1-2).

Expected values are closed forms of SPEC or brute-force numerical minimisations of the defining
quotient ``<Mz, z>/||Mz||^2``, computed here independently of the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from monoverify.operators import BilinearGame, LinearOperator, LowerBoundGame, linear_constants, random_comonotone


# --------------------------------------------------------------------------------------------
# independent brute force
# --------------------------------------------------------------------------------------------
def _quotient(M: np.ndarray, Z: np.ndarray) -> np.ndarray:
    MZ = Z @ M.T
    return np.sum(MZ * Z, axis=-1) / np.sum(MZ * MZ, axis=-1)


def brute_force_rho(M: np.ndarray, rng: np.random.Generator, n_sphere: int = 4000, n_refine: int = 4) -> float:
    """``min_{Mz != 0} <Mz, z>/||Mz||^2`` by dense sampling of the unit sphere + BFGS refinement."""
    n = M.shape[0]
    Z = rng.standard_normal((n_sphere, n))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    if n == 2:  # a dense deterministic circle as well
        t = np.linspace(0, np.pi, 20001)
        Z = np.concatenate([Z, np.stack([np.cos(t), np.sin(t)], axis=1)])
    with np.errstate(all="ignore"):
        q = _quotient(M, Z)
    q = np.where(np.isfinite(q), q, np.inf)

    def f(z):
        Mz = M @ z
        A, B = Mz @ z, Mz @ Mz
        g = (M.T @ z + Mz - 2 * (A / B) * (M.T @ Mz)) / B
        return A / B, g

    best = float(np.min(q))
    for i in np.argsort(q)[:n_refine]:
        res = minimize(f, Z[i], jac=True, method="BFGS", options={"gtol": 1e-13, "maxiter": 500})
        z = res.x / np.linalg.norm(res.x)
        Mz = M @ z
        if Mz @ Mz > 0:
            best = min(best, float((Mz @ z) / (Mz @ Mz)))
    return best


# --------------------------------------------------------------------------------------------
# closed forms
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", [(1, 2), (2, 1), (3, -1), (1, 0), (0, 2), (sp.Rational(1, 2), sp.Rational(-1, 3))])
def test_rotation_scaling_exact(a, b):
    op = LinearOperator([[b, a], [-a, b]])
    a_s, b_s = sp.sympify(a), sp.sympify(b)
    assert sp.simplify(op.rho - b_s / (a_s**2 + b_s**2)) == 0
    assert sp.simplify(op.L - sp.sqrt(a_s**2 + b_s**2)) == 0
    assert op.constants.rho.kind == "exact" and op.constants.L.kind == "exact"
    assert abs(float(op.rho) * float(op.L)) <= 1 + 1e-15


@pytest.mark.parametrize("a,b", [(0.7, -0.2), (2.5, 1.0), (1e-3, -3.0)])
def test_rotation_scaling_float(a, b):
    op = LinearOperator(np.array([[b, a], [-a, b]]))
    assert float(op.rho) == pytest.approx(b / (a * a + b * b), rel=1e-13)
    assert float(op.L) == pytest.approx(np.hypot(a, b), rel=1e-14)
    rng = np.random.default_rng(0)
    assert float(op.rho) == pytest.approx(brute_force_rho(op.matrix, rng), rel=1e-9, abs=1e-12)


def test_diagonal_and_normal():
    op = LinearOperator(np.diag([2, -3, 5]))
    assert op.rho == -sp.Rational(1, 3)  # min_j 1/mu_j
    assert op.L == 5
    op = LinearOperator(np.diag([0.5, 4.0]))
    assert float(op.rho) == pytest.approx(0.25, rel=1e-14)
    assert float(op.L) == pytest.approx(4.0, rel=1e-14)
    # normal non-symmetric: a rotation-scaling block and a 1x1 block (SPEC: rho = min Re(1/mu))
    Q, _ = np.linalg.qr(np.random.default_rng(2).standard_normal((3, 3)))
    B = np.array([[-1.0, 2.0, 0.0], [-2.0, -1.0, 0.0], [0.0, 0.0, 0.5]])
    op = LinearOperator(Q @ B @ Q.T)
    mu = np.array([-1 + 2j, -1 - 2j, 0.5])
    assert float(op.rho) == pytest.approx(np.min((1 / mu).real), rel=1e-12)
    assert float(op.L) == pytest.approx(np.max(np.abs(mu)), rel=1e-12)


def test_block_diagonal_min_max():
    A = np.array([[1.0, 3.0], [-3.0, 1.0]])  # rho = 1/10, L = sqrt(10)
    B = np.array([[-0.5, 1.0], [-1.0, -0.5]])  # rho = -0.5/1.25 = -0.4, L = sqrt(1.25)
    M = np.block([[A, np.zeros((2, 2))], [np.zeros((2, 2)), B]])
    op = LinearOperator(M)
    assert float(op.rho) == pytest.approx(-0.4, rel=1e-13)
    assert float(op.L) == pytest.approx(np.sqrt(10.0), rel=1e-13)


# --------------------------------------------------------------------------------------------
# SPEC §8 item 1: random non-normal M, brute force
# --------------------------------------------------------------------------------------------
def test_random_nonnormal_rho_matches_brute_force():
    rng = np.random.default_rng(12345)
    worst = 0.0
    for k in range(300):
        n = 2 + k % 3
        M = rng.standard_normal((n, n)) + rng.uniform(-1, 2) * np.eye(n)
        if np.linalg.cond(M) > 50:  # keep the brute force well conditioned
            M = M + 3 * np.eye(n)
        assert np.linalg.norm(M @ M.T - M.T @ M) > 1e-3  # non-normal
        rho = float(linear_constants(M).rho.value)
        bf = brute_force_rho(M, rng, n_sphere=1500, n_refine=2)
        assert bf >= rho - 1e-9 * max(1.0, abs(rho)), (k, M, rho, bf)  # rho is a lower bound of every quotient
        err = abs(bf - rho) / max(1.0, abs(rho))
        worst = max(worst, err)
        assert err <= 1e-6, (k, M, rho, bf)
    assert worst <= 1e-6


def test_rational_3x3_exact_matches_brute_force():
    M = [[2, 1, 0], [-3, 1, 1], [0, -1, 1]]
    op = LinearOperator(M)
    assert isinstance(op.rho, sp.Expr) and not op.rho.has(sp.Float)
    bf = brute_force_rho(np.array(M, float), np.random.default_rng(1))
    assert float(op.rho) == pytest.approx(bf, rel=1e-9)
    assert float(op.L) == pytest.approx(np.linalg.norm(np.array(M, float), 2), rel=1e-14)


# --------------------------------------------------------------------------------------------
# singular M
# --------------------------------------------------------------------------------------------
def test_singular_nilpotent_is_minus_infinity():
    op = LinearOperator([[0, 1], [0, 0]])
    assert op.rho == -sp.oo
    # SPEC: the quotient at z = (-s, 1) is -s
    for s in (1.0, 10.0, 1e6):
        assert _quotient(np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[-s, 1.0]]))[0] == pytest.approx(-s)
    assert float(LinearOperator(np.array([[0.0, 1.0], [0.0, 0.0]])).rho) == -np.inf
    assert LinearOperator([[1, 1], [0, 0]]).rho == -sp.oo  # ker = (1,-1) not orthogonal to range = e1


def test_singular_range_orthogonal_kernel_pseudo_inverse():
    # exact: rotation-scaling block + zero block, range = span(e1, e2) orthogonal to ker = e3
    op = LinearOperator([[1, 2, 0], [-2, 1, 0], [0, 0, 0]])
    assert op.rho == sp.Rational(1, 5)
    # rotated, non-normal block, float
    rng = np.random.default_rng(7)
    B = np.array([[1.0, 3.0], [-0.5, -0.4]])
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    M = Q @ np.block([[B, np.zeros((2, 1))], [np.zeros((1, 2)), np.zeros((1, 1))]]) @ Q.T
    rho = float(LinearOperator(M).rho)
    assert np.isfinite(rho)
    assert rho == pytest.approx(brute_force_rho(M, rng, n_sphere=20000), rel=1e-7, abs=1e-9)
    # and the invertible block alone has the same value (SPEC §2.1)
    assert rho == pytest.approx(np.min(np.linalg.eigvalsh(0.5 * (np.linalg.inv(B) + np.linalg.inv(B).T))), rel=1e-10)


def test_zero_matrix_rho_plus_infinity():
    assert LinearOperator([[0, 0], [0, 0]]).rho == sp.oo


# --------------------------------------------------------------------------------------------
# LowerBoundGame (SPEC §6, §8 item 2)
# --------------------------------------------------------------------------------------------
LBG_CASES = [(-0.1, 1), (-sp.Rational(1, 9), 3), (-0.49, 2), (0.3, 1.5), (-0.999, 1)]


@pytest.mark.parametrize("rho,L", LBG_CASES)
def test_lower_bound_game_constants(rho, L):
    op = LowerBoundGame(rho, L)
    assert op.rho == sp.sympify(rho) and op.L == sp.sympify(L)
    M = op.matrix
    rf, Lf = float(rho), float(L)
    b, a = rf * Lf**2, Lf * np.sqrt(1 - rf**2 * Lf**2)
    np.testing.assert_allclose(M, [[b, a], [-a, b]], rtol=0, atol=1e-14 * Lf)
    Minv = np.linalg.inv(M)
    assert np.min(np.linalg.eigvalsh(0.5 * (Minv + Minv.T))) == pytest.approx(rf, abs=1e-12)
    assert np.linalg.norm(M, 2) == pytest.approx(Lf, abs=1e-12)
    # brute force: the quotient of a rotation-scaling map is the same for every z
    Z = np.random.default_rng(0).standard_normal((1000, 2))
    np.testing.assert_allclose(_quotient(M, Z), rf, rtol=0, atol=1e-12)
    assert brute_force_rho(M, np.random.default_rng(1)) == pytest.approx(rf, abs=1e-12)


def test_lower_bound_game_sympy_exact():
    op = LowerBoundGame(rho=-sp.Rational(1, 9), L=3)
    assert op.rho == -sp.Rational(1, 9)
    assert op.L == 3
    expected = sp.Matrix([[-1, 2 * sp.sqrt(2)], [-2 * sp.sqrt(2), -1]])
    assert sp.simplify(op.matrix_exact - expected) == sp.zeros(2, 2)
    np.testing.assert_allclose(op.matrix, np.array(expected.evalf(), dtype=float), rtol=0, atol=1e-15)
    # the constants computed from the exact matrix agree with the declared ones
    c = linear_constants(expected)
    assert sp.simplify(c.rho.value + sp.Rational(1, 9)) == 0 and sp.simplify(c.L.value - 3) == 0


# --------------------------------------------------------------------------------------------
# random_comonotone (SPEC §6, §8 item 2)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim,rho,L", [(3, -0.2, 2.0), (10, -0.2, 2.0), (101, -0.2, 2.0), (1000, -0.2, 2.0),
                                        (3, 0.1, 3.0), (10, 0.1, 3.0), (101, -0.5, 1.0), (11, -1.0, 1.0)])
def test_random_comonotone_exact(dim, rho, L):
    op = random_comonotone(dim, rho, L, seed=dim)
    assert op.dim == dim and op.constants.rho.kind == "exact"
    M = op.matrix
    assert np.linalg.svd(M, compute_uv=False)[0] == pytest.approx(L, abs=1e-12)
    Minv = np.linalg.inv(M)
    assert np.linalg.eigvalsh(0.5 * (Minv + Minv.T))[0] == pytest.approx(rho, abs=1e-12)
    assert float(op.rho) == rho and float(op.L) == L


def test_random_comonotone_seeded():
    a = random_comonotone(6, -0.3, 1.0, seed=4).matrix
    np.testing.assert_array_equal(a, random_comonotone(6, -0.3, 1.0, seed=4).matrix)
    assert not np.allclose(a, random_comonotone(6, -0.3, 1.0, seed=5).matrix)


# --------------------------------------------------------------------------------------------
# BilinearGame
# --------------------------------------------------------------------------------------------
def test_bilinear_nonsquare():
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    op = BilinearGame(A)
    assert op.dim == 5 and op.rho == 0
    assert float(op.L) == pytest.approx(np.linalg.norm(A, 2), rel=1e-13)
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 5))
    x, y = z[:, :2], z[:, 2:]
    np.testing.assert_allclose(op.F(z), np.concatenate([y @ A.T, -x @ A], axis=1), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(np.sum(op.F(z) * z, axis=1), 0.0, atol=1e-13)  # <Mz, z> = 0
    assert BilinearGame([[1, 0, 0], [0, 2, 0]]).L == 2
    assert BilinearGame([[1]]).L == 1


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def test_bad_inputs_raise_naming_parameter():
    with pytest.raises(ValueError, match="M must be square"):
        LinearOperator(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="M must be finite"):
        LinearOperator([[1.0, np.nan], [0.0, 1.0]])
    with pytest.raises(ValueError, match="M must be a 2-D"):
        LinearOperator([1.0, 2.0])
    with pytest.raises(ValueError, match=r"rho must satisfy \|rho\*L\| <= 1"):
        LowerBoundGame(-0.6, 2.0)
    with pytest.raises(ValueError, match="L must be finite and > 0"):
        LowerBoundGame(-0.1, 0.0)
    with pytest.raises(ValueError, match="L must be finite and > 0"):
        LowerBoundGame(-0.1, -1.0)
    with pytest.raises(ValueError, match="L must be finite and > 0"):
        random_comonotone(4, -0.1, 0.0)
    with pytest.raises(ValueError, match="rho must satisfy"):
        random_comonotone(4, 2.0, 1.0)
    with pytest.raises(ValueError, match="dim must be an integer"):
        random_comonotone(1, -0.1, 1.0)
    with pytest.raises(ValueError, match="A must be nonzero"):
        BilinearGame([[0.0]])
    with pytest.raises(ValueError, match="b must have shape"):
        LinearOperator(np.eye(2), b=[1.0, 2.0, 3.0])
    op = LowerBoundGame(-0.1, 1.0)
    with pytest.raises(ValueError, match=r"z must have shape \(\.\.\., 2\)"):
        op.F(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="z must have shape"):
        op.F(np.float64(1.0))


# --------------------------------------------------------------------------------------------
# evaluation: batching, dtype, backends, offset
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("op", [LowerBoundGame(-0.2, 2.0), random_comonotone(7, -0.1, 1.0, seed=0),
                                BilinearGame([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]]),
                                LinearOperator(np.arange(9.0).reshape(3, 3), b=[1.0, -1.0, 0.5])],
                         ids=lambda o: o.name)
def test_batched_equals_per_point_loop(op):
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((3, 5, op.dim))
    out = op.F(Z)
    assert out.shape == Z.shape
    b = 0.0 if op.offset is None else op.offset
    for i in range(3):
        for j in range(5):
            np.testing.assert_array_equal(out[i, j], op.F(Z[i, j]))
            np.testing.assert_allclose(out[i, j], op.matrix @ Z[i, j] + b, rtol=1e-13, atol=1e-13)


def test_offset_solution():
    M = np.array([[2.0, 1.0], [-1.0, 1.0]])
    b = np.array([1.0, -2.0])
    op = LinearOperator(M, b=b)
    np.testing.assert_allclose(op.solution, -np.linalg.solve(M, b), rtol=1e-14)
    np.testing.assert_allclose(op.F(op.solution), 0.0, atol=1e-14)
    assert op.rho == LinearOperator(M).rho


def test_float32_preserved():
    op = LowerBoundGame(-0.2, 2.0)
    z = np.array([[1.0, 0.5], [-0.3, 2.0]], dtype=np.float32)
    out = op.F(z)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, op.F(z.astype(np.float64)), rtol=1e-6, atol=1e-6)


def test_array_api_strict():
    xp = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(0)
    for op in (LowerBoundGame(-0.2, 2.0), random_comonotone(5, -0.1, 1.0, seed=1),
               LinearOperator(np.eye(3) * 2.0, b=[1.0, 0.0, -1.0])):
        Z = rng.standard_normal((4, op.dim))
        for dtype, tol in ((xp.float64, 1e-14), (xp.float32, 1e-5)):
            out = op.F(xp.asarray(Z, dtype=dtype))
            assert type(out).__module__.startswith("array_api_strict") and out.dtype == dtype
            np.testing.assert_allclose(np.from_dlpack(out), op.F(Z), rtol=tol, atol=tol)


def test_block_size_gives_the_dense_products_and_resolvent():
    """``block_size``: F and the exact resolvent per diagonal block equal the dense ones (independent:
    the dense matrix products and ``numpy.linalg.solve``); off-block entries are refused."""
    from monoverify.operators.resolvent import _solve_numpy

    rng = np.random.default_rng(3)
    for k in (2, 3):
        blocks = rng.standard_normal((4, k, k))
        M = np.zeros((4 * k, 4 * k))
        for i, b in enumerate(blocks):
            M[i * k:(i + 1) * k, i * k:(i + 1) * k] = b
        op = LinearOperator(M, block_size=k)
        z = rng.standard_normal((5, 4 * k))
        np.testing.assert_allclose(op.F(z), z @ M.T, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(_solve_numpy(op, z, 0.3), np.linalg.solve(np.eye(4 * k) + 0.3 * M, z.T).T,
                                   rtol=1e-12, atol=1e-12)
    M[0, -1] = 1e-3
    with pytest.raises(ValueError, match="outside its 4 diagonal blocks"):
        LinearOperator(M, block_size=3)
    with pytest.raises(ValueError, match="block_size must be a positive integer dividing dim=12"):
        LinearOperator(np.eye(12), block_size=5)
