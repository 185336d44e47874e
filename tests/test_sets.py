"""Constraint sets and regularisers: projections / prox (SPEC §2 "Sets").

Expected values come from the definitions (feasibility, idempotence, nonexpansiveness, optimality
conditions) or from independent computations (a bisection for the simplex threshold, a QP solved
by cvxpy), never from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from monoverify.operators import L1, Ball, Box, Simplex, Whole

FLOATS = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False, width=64)
SETTINGS = settings(max_examples=60, deadline=None)


def vec(dim: int):
    return arrays(np.float64, (dim,), elements=FLOATS)


@st.composite
def set_and_points(draw, with_l1: bool = False):
    dim = draw(st.integers(1, 6))
    kinds = ["box", "ball", "simplex", "whole"] + (["l1"] if with_l1 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "box":
        a = draw(arrays(np.float64, (dim,), elements=st.floats(-10, 10)))
        w = draw(arrays(np.float64, (dim,), elements=st.floats(0, 10)))
        S = Box(a, a + w)
    elif kind == "ball":
        r = draw(st.floats(1e-2, 1e2))
        c = draw(arrays(np.float64, (dim,), elements=st.floats(-10, 10)))
        S = Ball(r, dim, center=c)
    elif kind == "simplex":
        S = Simplex(dim)
    elif kind == "l1":
        S = L1(draw(st.floats(0, 10)), dim)
    else:
        S = Whole(dim)
    return S, draw(vec(dim)), draw(vec(dim))


def _tol(*xs) -> float:
    return 1e-12 * (1.0 + max(float(np.max(np.abs(x))) for x in xs))


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------
@SETTINGS
@given(set_and_points())
def test_projection_feasible_idempotent_nonexpansive(data):
    S, z, w = data
    pz, pw = S.prox(z), S.prox(w)
    tol = _tol(z, w)
    # feasible
    assert bool(S.contains(pz, atol=1e3 * tol))
    # idempotent
    np.testing.assert_allclose(S.prox(pz), pz, rtol=0, atol=1e3 * tol)
    # nonexpansive
    assert np.linalg.norm(pz - pw) <= np.linalg.norm(z - w) + 1e3 * tol
    # a point of the set is its own projection
    np.testing.assert_allclose(S.prox(pz), pz, rtol=0, atol=1e3 * tol)


@SETTINGS
@given(set_and_points())
def test_projection_is_nearest_point(data):
    """Variational inequality of the projection: <z - Pz, y - Pz> <= 0 for y in the set."""
    S, z, w = data
    pz, y = S.prox(z), S.prox(w)
    assert float(np.dot(z - pz, y - pz)) <= 1e-9 * (1.0 + np.linalg.norm(z - pz) * np.linalg.norm(y - pz) + np.linalg.norm(z) ** 2)


@SETTINGS
@given(set_and_points(with_l1=True), st.floats(0.0, 5.0))
def test_prox_firmly_nonexpansive(data, gamma):
    """Every resolvent of a maximally monotone operator is firmly nonexpansive."""
    S, z, w = data
    pz, pw = S.prox(z, gamma), S.prox(w, gamma)
    lhs = np.linalg.norm(pz - pw) ** 2
    rhs = float(np.dot(pz - pw, z - w))
    assert lhs <= rhs + 1e-9 * (1.0 + np.linalg.norm(z - w) ** 2)


# --------------------------------------------------------------------------------------------
# closed forms and independent solutions
# --------------------------------------------------------------------------------------------
def _simplex_bisection(z: np.ndarray) -> np.ndarray:
    """Projection onto the simplex from the KKT conditions: x = max(z - theta, 0), sum x = 1.

    ``theta -> sum max(z - theta, 0)`` is continuous and decreasing; find its root by bisection.
    """
    lo, hi = float(np.min(z)) - 1.0, float(np.max(z))
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.sum(np.maximum(z - mid, 0.0)) > 1.0:
            lo = mid
        else:
            hi = mid
    return np.maximum(z - 0.5 * (lo + hi), 0.0)


@SETTINGS
@given(st.integers(1, 8).flatmap(vec))
def test_simplex_matches_kkt_bisection(z):
    x = Simplex(z.size).prox(z)
    ref = _simplex_bisection(z)
    np.testing.assert_allclose(x, ref, rtol=0, atol=1e-9 * (1 + np.max(np.abs(z))))
    assert abs(x.sum() - 1.0) <= 1e-12 * (1 + np.max(np.abs(z)))
    assert np.all(x >= 0)


def test_simplex_matches_cvxpy_qp():
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(3)
    for dim in (2, 3, 5, 10):
        for _ in range(3):
            z = rng.normal(scale=2.0, size=dim)
            x = cp.Variable(dim)
            prob = cp.Problem(cp.Minimize(cp.sum_squares(x - z)), [x >= 0, cp.sum(x) == 1])
            prob.solve()
            np.testing.assert_allclose(Simplex(dim).prox(z), x.value, atol=1e-6)


def test_simplex_examples():
    np.testing.assert_allclose(Simplex(3).prox(np.array([0.2, 0.3, 0.5])), [0.2, 0.3, 0.5], atol=1e-15)
    np.testing.assert_allclose(Simplex(2).prox(np.array([3.0, 0.0])), [1.0, 0.0])
    np.testing.assert_allclose(Simplex(3).prox(np.array([0.0, 0.0, 0.0])), [1 / 3] * 3)
    np.testing.assert_allclose(Simplex(1).prox(np.array([-7.0])), [1.0])


@SETTINGS
@given(st.integers(1, 6).flatmap(vec), st.floats(0.0, 10.0), st.floats(0.0, 5.0))
def test_l1_prox_closed_form_and_optimality(z, eta, gamma):
    x = L1(eta, z.size).prox(z, gamma)
    t = gamma * eta
    ref = np.sign(z) * np.maximum(np.abs(z) - t, 0.0)
    np.testing.assert_allclose(x, ref, rtol=0, atol=1e-12 * (1 + np.max(np.abs(z))))
    # optimality of min_x t||x||_1 + ||x - z||^2/2: z - x in t * subdifferential of ||.||_1 at x
    g = z - x
    nz = x != 0
    np.testing.assert_allclose(g[nz], t * np.sign(x[nz]), atol=1e-9 * (1 + np.max(np.abs(z))))
    assert np.all(np.abs(g[~nz]) <= t + 1e-9 * (1 + np.max(np.abs(z))))


def test_box_ball_whole_closed_forms():
    z = np.array([2.0, -0.5, -3.0])
    np.testing.assert_array_equal(Box(-1.0, 1.0, dim=3).prox(z), [1.0, -0.5, -1.0])
    np.testing.assert_array_equal(Box([0, -1, -5], [1, 0, -4]).prox(z), [1.0, -0.5, -4.0])
    np.testing.assert_allclose(Ball(1.0, 2).prox(np.array([3.0, 4.0])), [0.6, 0.8])
    np.testing.assert_allclose(Ball(2.0, 2, center=[1.0, 1.0]).prox(np.array([1.0, 5.0])), [1.0, 3.0])
    np.testing.assert_array_equal(Ball(5.0, 2).prox(np.array([3.0, 4.0])), [3.0, 4.0])
    np.testing.assert_array_equal(Whole(3).prox(z), z)


# --------------------------------------------------------------------------------------------
# batching, validation, backends
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "S",
    [Box(-1.0, 2.0, dim=4), Box([-1, 0, 1, 2], [0, 1, 2, 3]), Ball(1.5, 4), Ball(0.5, 4, center=[1, 2, 3, 4]),
     Simplex(4), L1(0.3, 4), Whole(4)],
    ids=repr,
)
def test_batched_equals_looped(S):
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=3.0, size=(5, 7, 4))
    out = S.prox(Z, 0.7)
    assert out.shape == Z.shape
    for i in range(5):
        for j in range(7):
            np.testing.assert_allclose(out[i, j], S.prox(Z[i, j], 0.7), rtol=0, atol=1e-14)
    inside = S.contains(out, atol=1e-10)
    assert inside.shape == (5, 7) and bool(np.all(inside))


def test_box_lo_greater_than_hi_raises():
    with pytest.raises(ValueError, match="lo.*hi"):
        Box(1.0, -1.0, dim=2)
    with pytest.raises(ValueError, match="coordinate 1"):
        Box([0.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="lo"):
        Box(np.nan, 1.0, dim=2)
    with pytest.raises(ValueError, match="dim"):
        Box(0.0, 1.0)


def test_other_bad_inputs_raise():
    with pytest.raises(ValueError, match="radius"):
        Ball(0.0, 2)
    with pytest.raises(ValueError, match="radius"):
        Ball(np.inf, 2)
    with pytest.raises(ValueError, match="center"):
        Ball(1.0, 2, center=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="eta"):
        L1(-1.0, 2)
    with pytest.raises(ValueError, match="dim"):
        Simplex(0)
    with pytest.raises(ValueError, match=r"z must have shape \(\.\.\., 3\)"):
        Simplex(3).prox(np.zeros((2, 4)))
    with pytest.raises(TypeError, match="regulariser"):
        L1(1.0, 2).project(np.zeros(2))


def test_float32_preserved():
    z = np.array([[2.0, -0.5, 0.25]], dtype=np.float32)
    for S in (Box(-1.0, 1.0, dim=3), Ball(1.0, 3), Simplex(3), L1(0.1, 3), Whole(3)):
        assert S.prox(z).dtype == np.float32, S


def test_array_api_strict_backend():
    xp = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(6, 3))
    for S in (Box(-1.0, 1.0, dim=3), Ball(1.0, 3), Simplex(3), L1(0.1, 3), Whole(3)):
        out = S.prox(xp.asarray(Z))
        assert type(out).__module__.startswith("array_api_strict"), S
        np.testing.assert_allclose(np.from_dlpack(out), S.prox(Z), rtol=0, atol=1e-14)
        assert bool(np.all(np.from_dlpack(S.contains(out, atol=1e-12))))
