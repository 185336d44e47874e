"""Nonlinear example operators (SPEC §6, §8 item 23).

Reference values: the closed forms and tables of SPEC §6, and brute-force computations done here
from SPEC's formulas (SymPy differentiation of the game ``f``, dense grids, SciPy refinement),
independent of the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from monoverify.operators import Ball, Box, Forsaken, GlobalForsaken, PolarGame

X, Y = sp.symbols("x y", real=True)


# --------------------------------------------------------------------------------------------
# independent references built from SPEC §6
# --------------------------------------------------------------------------------------------
def polar_F_sym(a, b=1):
    r2 = X**2 + Y**2
    s = (sp.sympify(a) / 16) * (r2 - 1) * (16 * r2 - 9)
    return sp.Matrix([-b * Y + s * X, b * X + s * Y])


def game_F_sym(f):
    return sp.Matrix([sp.diff(f, X), -sp.diff(f, Y)])


def forsaken_F_sym():
    phi = lambda z: z**2 / 4 - z**4 / 2 + z**6 / 6  # noqa: E731
    return game_F_sym(X * (Y - sp.Rational(45, 100)) + phi(X) - phi(Y))


def global_forsaken_F_sym():
    psi = lambda z: z**2 / 3 - z**4 / 3 + 2 * z**6 / 21  # noqa: E731
    return game_F_sym(X * Y + psi(X) - psi(Y))


def numeric(Fs):
    """(F, J) as vectorised NumPy functions of (x, y) arrays, from a SymPy column vector."""
    J = Fs.jacobian([X, Y])
    fF = [sp.lambdify((X, Y), e, "numpy") for e in Fs]
    fJ = [[sp.lambdify((X, Y), J[i, j], "numpy") for j in range(2)] for i in range(2)]

    def F(x, y):
        return np.stack([np.broadcast_to(np.asarray(g(x, y), float), np.shape(x)) for g in fF], axis=-1)

    def Jac(x, y):
        return np.stack([np.stack([np.broadcast_to(np.asarray(fJ[i][j](x, y), float), np.shape(x))
                                   for j in range(2)], axis=-1) for i in range(2)], axis=-2)

    return F, Jac


def norm2x2(J):
    return np.linalg.norm(J, 2, axis=(-2, -1))


def grid(lo, hi, n):
    g = np.linspace(lo, hi, n)
    return np.meshgrid(g, g, indexing="ij")


def mvi_ratio(Fv, x, y, zs):
    num = Fv[..., 0] * (x - zs[0]) + Fv[..., 1] * (y - zs[1])
    den = Fv[..., 0] ** 2 + Fv[..., 1] ** 2
    with np.errstate(all="ignore"):
        return np.where(den > 0, num / den, np.inf)


# --------------------------------------------------------------------------------------------
# PolarGame
# --------------------------------------------------------------------------------------------
POLAR_TABLE = {  # SPEC §6 table: a -> (rho exact, rho printed, L exact, L computed)
    sp.Integer(1): (-sp.Rational(50176, 1050977), -0.0477422,
                    "sqrt(70246989617 + 2538096*sqrt(704424929))/20000", 18.5479519),
    sp.Rational(3, 4): (-sp.Rational(602112, 16798825), -0.0358425,
                        "sqrt(635022906553 + 7614288*sqrt(6383574361))/80000", 13.9383899),
    sp.Rational(1, 3): (-sp.Rational(150528, 9439585), -0.0159465,
                        "sqrt(73446989617 + 2538096*sqrt(754424929))/60000", 6.3060896),
}


@pytest.mark.parametrize("a", list(POLAR_TABLE), ids=str)
def test_polar_constants_match_spec_table(a):
    rho_ex, rho_pr, L_ex, L_pr = POLAR_TABLE[a]
    op = PolarGame(a)
    assert op.rho == rho_ex  # exact rational
    assert abs(float(op.rho) - float(rho_ex)) <= 1e-9
    assert abs(float(op.rho) - rho_pr) <= 5e-8  # the table prints 6 significant digits
    assert sp.simplify(op.L - sp.sympify(L_ex)) == 0
    assert abs(float(op.L) - L_pr) <= 1e-6
    assert op.constants.L.kind == "exact" and op.constants.rho.kind == "exact"
    assert op.constants.rho_notion == "weak-mvi"
    assert "PLPFC22" in op.constants.rho.source and "PLPFC22" in op.constants.L.source
    # the rho formula of SPEC with b = 1
    assert op.rho == -50176 * a / (2401 * a**2 + 1048576)


@pytest.mark.parametrize("a", [1, 0.75, 1 / 3])
def test_polar_float_a_maps_to_table(a):
    op = PolarGame(a)
    assert op.constants.L.kind == "exact"
    assert float(op.rho) == pytest.approx(float(POLAR_TABLE[sp.nsimplify(a)][0]), rel=1e-15)


@pytest.mark.parametrize("a", list(POLAR_TABLE), ids=str)
def test_polar_brute_force_grid(a):
    op = PolarGame(a)
    F, Jac = numeric(polar_F_sym(a))
    x, y = grid(-1.1, 1.1, 801)
    # L: max of ||dF||_2 on the grid (the corners are grid points)
    nrm = norm2x2(Jac(x, y))
    assert nrm.max() <= float(op.L) * (1 + 1e-13)
    assert nrm.max() >= float(op.L) - 1e-9
    # weak-MVI ratio: min over the grid is >= rho and close to it (grid accuracy)
    R = mvi_ratio(F(x, y), x, y, (0.0, 0.0))
    assert R.min() >= float(op.rho) - 1e-13
    assert R.min() <= float(op.rho) + 1e-5
    # on a fine radial line (the ratio depends on r only): s/(s^2 + b^2)
    r = np.linspace(1e-3, 1.1, 200001)
    s = (float(a) / 16) * (r**2 - 1) * (16 * r**2 - 9)
    q = s / (s**2 + 1)
    assert q.min() == pytest.approx(float(op.rho), abs=1e-9)
    assert r[np.argmin(q)] == pytest.approx(5 / (4 * np.sqrt(2)), abs=1e-4)


def test_polar_general_a_b():
    a, b = sp.Rational(1, 2), sp.Rational(3, 2)
    op = PolarGame(a, b)
    assert op.rho == -50176 * a / (2401 * a**2 + 1048576 * b**2)
    assert op.constants.L.kind == "estimate"
    F, Jac = numeric(polar_F_sym(a, b))
    x, y = grid(-1.1, 1.1, 401)
    assert float(op.L) == pytest.approx(norm2x2(Jac(x, y)).max(), rel=1e-9)  # max at a corner, on the grid
    op2 = PolarGame(2)
    assert op2.constants.L.kind == "estimate"
    F2, J2 = numeric(polar_F_sym(2))
    assert float(op2.L) >= norm2x2(J2(*grid(-1.1, 1.1, 401))).max() - 1e-9
    np.testing.assert_allclose(op.F(np.array([0.3, -0.7])), F(0.3, -0.7), rtol=1e-14)


def test_polar_bad_inputs():
    for kw, name in ((dict(a=0), "a"), (dict(a=-1), "a"), (dict(a=np.nan), "a"), (dict(a=np.inf), "a"),
                     (dict(a=1, b=0), "b"), (dict(a=1, b=-2.0), "b"), (dict(a="x"), "a")):
        with pytest.raises(ValueError, match=rf"{name} must be a finite number > 0.*{name}="):
            PolarGame(**kw)
    # validity of the rho formula: 49 a / 1024 < b
    with pytest.raises(ValueError, match=r"49\*a/1024 < b.*a=30.*b=1"):
        PolarGame(30)
    with pytest.raises(ValueError, match=r"49\*a/1024 < b"):
        PolarGame(1, sp.Rational(49, 1024))


def test_polar_definition():
    op = PolarGame(1)
    assert isinstance(op.constraint, Box)
    np.testing.assert_array_equal(op.constraint.lo, [-1.1, -1.1])
    np.testing.assert_array_equal(op.constraint.hi, [1.1, 1.1])
    np.testing.assert_array_equal(op.solution, [0.0, 0.0])
    F, _ = numeric(polar_F_sym(1))
    Z = np.random.default_rng(0).uniform(-1.5, 1.5, (50, 2))
    np.testing.assert_allclose(op.F(Z), F(Z[:, 0], Z[:, 1]), rtol=1e-13, atol=1e-13)
    # the flow z' = -F(z) in polar coordinates: r' = -a r (r^2-1)(r^2-9/16) (SPEC §6)
    r, th = 0.9, 0.4
    z = np.array([r * np.cos(th), r * np.sin(th)])
    assert float(-op.F(z) @ z / r) == pytest.approx(-r * (r * r - 1) * (r * r - 9 / 16), rel=1e-13)


# --------------------------------------------------------------------------------------------
# Forsaken
# --------------------------------------------------------------------------------------------
def test_forsaken_L():
    op = Forsaken()
    expected = sp.sqrt((993841 + 1089 * sp.sqrt(801761)) / 2) / 80
    assert sp.simplify(op.L - expected) == 0
    assert float(op.L) == pytest.approx(12.402569, abs=1e-6)
    assert op.constants.L.kind == "exact"
    # attained at phi''(x) = -13/10, |y| = 3/2: || [[-1.3, 1], [-1, 197/16]] ||_2
    assert np.linalg.norm(np.array([[-1.3, 1.0], [-1.0, 197 / 16]]), 2) == pytest.approx(float(op.L), rel=1e-14)
    _, Jac = numeric(forsaken_F_sym())
    nrm = norm2x2(Jac(*grid(-1.5, 1.5, 1001)))
    assert nrm.max() <= float(op.L) * (1 + 1e-13)
    assert nrm.max() >= float(op.L) - 1e-4
    assert -1 / (2 * float(op.L)) == pytest.approx(-0.0403142, abs=1e-7)


def test_forsaken_solution():
    op = Forsaken()
    zs = op.solution
    assert np.linalg.norm(op.F(zs)) < 1e-15
    np.testing.assert_allclose(zs, [0.0780267, 0.4119339], atol=1e-6)
    F, Jac = numeric(forsaken_F_sym())
    assert np.linalg.norm(F(zs[0], zs[1])) < 1e-14
    # the only zero in the box: multistart root finding from a grid of starts
    from scipy.optimize import root
    zeros = []
    for x0 in np.linspace(-1.4, 1.4, 8):
        for y0 in np.linspace(-1.4, 1.4, 8):
            res = root(lambda v: F(v[0], v[1]), [x0, y0], jac=lambda v: Jac(v[0], v[1]))
            if res.success and np.all(np.abs(res.x) <= 1.5) and np.linalg.norm(F(*res.x)) < 1e-10:
                zeros.append(res.x)
    assert zeros and np.max(np.abs(np.array(zeros) - zs)) < 1e-8


def test_forsaken_local_rho_is_local_min():
    op = Forsaken()
    assert op.constants.rho.kind == "bound"
    assert float(op.rho) == pytest.approx(-0.477761, abs=1e-12)
    assert "LOCAL" in op.constants.rho.note and "PLPFC22" in op.constants.rho.source
    assert op.constants.rho_notion == "weak-mvi"
    F, _ = numeric(forsaken_F_sym())
    zs = op.solution

    def ratio(v):
        f = F(v[0], v[1])
        return float(f @ (v - zs) / (f @ f))

    p0 = np.array([-1.01236, -0.10475])
    assert ratio(p0) == pytest.approx(-0.477761, abs=1e-6)
    res = minimize(ratio, p0, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
    assert res.fun == pytest.approx(-0.477761, abs=1e-6)
    assert np.linalg.norm(res.x - p0) < 1e-4
    # a local minimum: the ratio on small circles around it is larger
    t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    for h in (1e-3, 1e-2):
        ring = res.x + h * np.stack([np.cos(t), np.sin(t)], axis=1)
        assert min(ratio(v) for v in ring) > res.fun
    # kind "bound": rho_box <= -0.477761, witnessed by the local minimiser itself
    assert res.fun <= float(op.rho)
    # ... and it is not the global minimum on the box (SPEC §6): a dense grid finds far lower ratios
    x, y = grid(-1.5, 1.5, 601)
    R = mvi_ratio(F(x, y), x, y, zs)
    i = np.unravel_index(np.argmin(R), R.shape)
    assert R[i] < -1.5
    glob = minimize(ratio, [x[i], y[i]], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
    assert glob.fun == pytest.approx(-1.52057, abs=1e-5)  # the value quoted in the constant's note
    np.testing.assert_allclose(glob.x, [-0.2581, 0.7917], atol=1e-4)


def test_forsaken_definition():
    op = Forsaken()
    assert isinstance(op.constraint, Box)
    np.testing.assert_array_equal(op.constraint.hi, [1.5, 1.5])
    np.testing.assert_array_equal(op.constraint.lo, [-1.5, -1.5])
    F, _ = numeric(forsaken_F_sym())
    Z = np.random.default_rng(1).uniform(-1.5, 1.5, (50, 2))
    np.testing.assert_allclose(op.F(Z), F(Z[:, 0], Z[:, 1]), rtol=1e-13, atol=1e-13)


# --------------------------------------------------------------------------------------------
# GlobalForsaken
# --------------------------------------------------------------------------------------------
def test_global_forsaken_L():
    op = GlobalForsaken()
    expected = sp.sqrt((74125591 + 9409 * sp.sqrt(59721901)) / 2) / 2835
    assert sp.simplify(op.L - expected) == 0
    assert float(op.L) == pytest.approx(3.02240, abs=5e-6)
    assert op.constants.L.kind == "bound"
    _, Jac = numeric(global_forsaken_F_sym())
    x, y = grid(-4 / 3, 4 / 3, 1201)
    nrm = norm2x2(Jac(x, y))
    assert nrm.max() <= float(op.L) * (1 + 1e-13)  # box maximum
    assert nrm.max() >= float(op.L) - 1e-5
    inball = x**2 + y**2 <= (4 / 3) ** 2
    assert nrm[inball].max() == pytest.approx(2.8684, abs=1e-4)  # ball value (SPEC: ~2.8684)
    assert nrm[inball].max() < float(op.L)


def test_global_forsaken_rho():
    op = GlobalForsaken()
    assert op.constants.rho.kind == "estimate" and op.constants.rho_notion == "weak-mvi"
    assert float(op.rho) == pytest.approx(-0.119732, abs=1e-12)
    F, _ = numeric(global_forsaken_F_sym())
    x, y = grid(-4 / 3, 4 / 3, 801)
    R = mvi_ratio(F(x, y), x, y, (0.0, 0.0))
    R = np.where(x**2 + y**2 <= (4 / 3) ** 2, R, np.inf)
    i = np.unravel_index(np.argmin(R), R.shape)
    assert R[i] == pytest.approx(-0.119732, abs=1e-4)  # grid accuracy
    assert np.hypot(x[i], y[i]) == pytest.approx(1.0864, abs=1e-2)

    def ratio(v):
        f = F(v[0], v[1])
        return float(f @ v / (f @ f))

    res = minimize(ratio, [x[i], y[i]], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
    assert np.hypot(*res.x) < 4 / 3
    assert res.fun == pytest.approx(-0.119732, abs=1e-6)
    assert float(op.rho) > -1 / (2 * float(op.L))
    assert float(op.rho) * float(op.L) == pytest.approx(-0.3619, abs=1e-4)


def test_global_forsaken_definition():
    op = GlobalForsaken()
    assert isinstance(op.constraint, Ball) and op.constraint.radius == pytest.approx(4 / 3, rel=1e-15)
    np.testing.assert_array_equal(op.solution, [0.0, 0.0])
    F, _ = numeric(global_forsaken_F_sym())
    Z = np.random.default_rng(2).uniform(-2, 2, (50, 2))
    np.testing.assert_allclose(op.F(Z), F(Z[:, 0], Z[:, 1]), rtol=1e-13, atol=1e-13)
    # no other zero in [-2, 2]^2 (SPEC): |F| bounded away from 0 outside a small disc around 0
    x, y = grid(-2, 2, 401)
    nF = np.linalg.norm(op.F(np.stack([x, y], axis=-1)), axis=-1)
    assert np.all(nF[np.hypot(x, y) > 0.05] > 1e-3)
    np.testing.assert_allclose(op.constraint.prox(np.array([3.0, 4.0])), np.array([3.0, 4.0]) / 5 * (4 / 3))


# --------------------------------------------------------------------------------------------
# common: Jacobian, NaN, batching, dtype, backends
# --------------------------------------------------------------------------------------------
OPS = [PolarGame(1), PolarGame(sp.Rational(1, 3), 2), Forsaken(), GlobalForsaken()]


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_jacobian_vs_finite_differences(op):
    rng = np.random.default_rng(0)
    Z = rng.uniform(-1.5, 1.5, (40, 2))
    J = op.jacobian(Z)
    assert J.shape == (40, 2, 2)
    h = 1e-6
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (op.F(Z + e) - op.F(Z - e)) / (2 * h)
        np.testing.assert_allclose(J[:, :, k], fd, rtol=1e-6, atol=1e-6)
    # batched shapes
    assert op.jacobian(Z.reshape(4, 10, 2)).shape == (4, 10, 2, 2)
    np.testing.assert_array_equal(op.jacobian(Z[3]), J[3])


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_nan_propagates_without_exception(op):
    Z = np.array([[np.nan, 0.3], [0.2, 0.1], [np.inf, 1.0]])
    out = op.F(Z)
    assert np.all(np.isnan(out[0]))
    assert np.all(np.isfinite(out[1]))
    assert not np.all(np.isfinite(out[2]))


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_batched_equals_loop_and_dtypes(op):
    rng = np.random.default_rng(3)
    Z = rng.uniform(-1.2, 1.2, (3, 4, 2))
    out = op.F(Z)
    assert out.shape == Z.shape
    for i in range(3):
        for j in range(4):
            np.testing.assert_array_equal(out[i, j], op.F(Z[i, j]))
    z32 = Z.astype(np.float32)
    o32 = op.F(z32)
    assert o32.dtype == np.float32
    np.testing.assert_allclose(o32, op.F(z32.astype(np.float64)), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"z must have shape \(\.\.\., 2\)"):
        op.F(np.zeros((3, 3)))


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_array_api_strict(op):
    xp = pytest.importorskip("array_api_strict")
    Z = np.random.default_rng(4).uniform(-1.2, 1.2, (5, 2))
    for dtype, tol in ((xp.float64, 1e-15), (xp.float32, 1e-5)):
        out = op.F(xp.asarray(Z, dtype=dtype))
        assert type(out).__module__.startswith("array_api_strict") and out.dtype == dtype
        np.testing.assert_allclose(np.from_dlpack(out), op.F(Z), rtol=tol, atol=tol)


def test_describe_json_ready():
    import json
    for op in OPS:
        d = op.describe()
        json.dumps(d)
        assert d["constants"]["rho_notion"] == "weak-mvi"
