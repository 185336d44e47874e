"""Diagonal linear networks (issue 28): operator, flow, basis pursuit reference, registry entries.

Expected values come from mathematics or from independent code written here (scipy ``linprog`` on the
split-variable LP, scalar root finding, cvxpy), never from the implementation's own output.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq, linprog

from monoverify.errors import InvalidValue, UserError
from monoverify.operators import DiagonalLinearNetwork
from monoverify.operators.basis_pursuit import basis_pursuit
from monoverify.operators.dln import NotComonotone, flow_limit, gradient_flow
from monoverify.solvers import make, run
from monoverify.theory.judge import check, judge
from monoverify.theory.judge.dln import dln_observations
from monoverify.theory.theorems import SYMBOLS, get

DLN_IDS = ("dln.potential", "dln.l1_gap", "dln.distance", "dln.rate", "dln.sharp_minimum", "dln.selection")


def _problem(seed: int, m: int = 12, n: int = 40, s: int = 3):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n)) / np.sqrt(m)
    x = np.zeros(n)
    x[rng.choice(n, s, replace=False)] = rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 1.5, s)
    return A, A @ x, x


def _lp(A, b):
    """Independent basis pursuit: min 1^T (p + q) s.t. A (p - q) = b, p, q >= 0."""
    n = A.shape[1]
    res = linprog(np.ones(2 * n), A_eq=np.hstack([A, -A]), b_eq=b, bounds=(0, None), method="highs")
    assert res.status == 0
    return res.x[:n] - res.x[n:], res.fun


def _certificate(A, w):
    """Independent varrho: min t s.t. A_S^T nu = sign(w_S), |A_{S^c}^T nu| <= t."""
    S = np.abs(w) > 1e-8
    m = A.shape[0]
    G = A[:, ~S].T
    k = G.shape[0]
    res = linprog(np.r_[np.zeros(m), 1.0], A_ub=np.vstack([np.c_[G, -np.ones(k)], np.c_[-G, -np.ones(k)]]),
                  b_ub=np.zeros(2 * k), A_eq=np.c_[A[:, S].T, np.zeros(S.sum())], b_eq=np.sign(w[S]),
                  bounds=[(None, None)] * m + [(0, None)], method="highs")
    return res.x[-1]


# ------------------------------------------------------------------------------------------------
# the "done when": gradient descent from alpha = 1e-4 ends at the basis pursuit minimiser
# ------------------------------------------------------------------------------------------------
def test_gradient_descent_from_1e4_ends_at_the_basis_pursuit_minimiser_within_the_bound():
    A, b, _ = _problem(1)
    w_lp, value = _lp(A, b)
    varrho = _certificate(A, w_lp)
    op = DiagonalLinearNetwork(A, b, depth=2, alpha=1e-4)
    r = gradient_flow(op, method="gd", max_steps=50_000)         # make("gda") through the batched runner
    assert r.residual <= 1e-2 * np.linalg.norm(b)                # it trained: loss down by 4 orders of magnitude
    dist = np.linalg.norm(r.w - w_lp)
    # dln.distance at alpha0 = 1e-4, depth 2: ||w*|| (log 10 / log 1e4) / (1 - varrho)
    th = get("dln.distance")
    S = SYMBOLS
    bound = float(th.bound.subs({S["alpha0"]: sp.Rational(1, 10 ** 4), S["depth"]: 2,
                                 S["wstar"]: np.linalg.norm(w_lp), S["varrho"]: varrho}))
    assert bound == pytest.approx(np.linalg.norm(w_lp) / 4 / (1 - varrho))
    assert dist <= bound, (dist, bound)
    # and it is closer than the alpha = 1e-2 flow: the implicit bias sharpens as alpha shrinks
    far = gradient_flow(DiagonalLinearNetwork(A, b, 2, 1e-2), method="ode")
    assert dist < np.linalg.norm(far.w - w_lp)
    # the l1 norm approaches the LP value from above (any interpolant has l1 norm >= the minimum)
    assert np.abs(far.w).sum() >= value - 1e-9


# ------------------------------------------------------------------------------------------------
# the registry: true statements hold, a wrong exponent is caught
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tid", DLN_IDS)
def test_dln_statements_hold_on_the_quick_battery(tid):
    th = get(tid)
    r = check(tid, quick=True)
    obs = dln_observations(th, quick=True, seed=0)
    j = judge(th, obs)
    assert j.verdict == "holds" and j.n_judged >= 5, j.message
    assert r.verdict == "holds" and r.worst_ratio == pytest.approx(j.worst_ratio), (r.verdict, r.notes)


def test_a_wrong_rate_exponent_is_a_finding():
    th = get("dln.rate")
    D, v = SYMBOLS["depth"], SYMBOLS["varrho"]
    # claims one power of alpha less per decade than the true rate (D - 1 for depth >= 3, 1 - varrho for depth 2)
    wrong = dataclasses.replace(th, id="dln.rate.wrong", bound=2 * 10 ** sp.Piecewise((1 - v, sp.Eq(D, 2)), (D - 1, True)))
    j = judge(wrong, dln_observations(wrong, quick=True, seed=0))
    assert j.verdict == "finding" and j.worst_ratio > 2, j.message
    assert check(wrong, quick=True).verdict == "finding"
    # the true one is close to tight: the contraction per decade reaches a good fraction of 2 x 10^p
    assert 0.2 < judge(th, dln_observations(th, quick=True, seed=0)).worst_ratio <= 1


def test_a_derived_statement_made_false_is_violated():
    th = get("dln.sharp_minimum")
    g = SYMBOLS["l1gap"]
    wrong = dataclasses.replace(th, id="dln.sharp_minimum.wrong", bound=th.bound.subs(g, g / 100))
    assert judge(wrong, dln_observations(wrong, quick=True, seed=0)).verdict == "violated"


def test_dln_theorems_say_what_they_are():
    for tid in DLN_IDS:
        th = get(tid)
        assert th.provenance in ("derived", "reconstruction") and th.provenance != "paper"
        assert th.kind == "property" and th.note
    assert get("dln.potential").provenance == get("dln.sharp_minimum").provenance == "derived"


# ------------------------------------------------------------------------------------------------
# the operator
# ------------------------------------------------------------------------------------------------
def test_F_is_the_gradient_of_the_loss():
    A, b, _ = _problem(2, m=5, n=8)
    rng = np.random.default_rng(0)
    for D in (2, 3, 4):
        op = DiagonalLinearNetwork(A, b, depth=D)
        z = rng.uniform(-1, 1, 2 * 8)

        def loss(z):
            w = z[:8] ** D - z[8:] ** D
            return 0.5 * np.sum((A @ w - b) ** 2)

        e = 1e-6
        fd = np.array([(loss(z + e * np.eye(16)[i]) - loss(z - e * np.eye(16)[i])) / (2 * e) for i in range(16)])
        assert np.allclose(op.F(z), fd, atol=1e-6)
        J = np.array([(op.F(z + e * np.eye(16)[i]) - op.F(z - e * np.eye(16)[i])) / (2 * e) for i in range(16)]).T
        assert np.allclose(op.jacobian(z), J, atol=1e-5)


def test_blocks_batch_many_problems_depths_and_alphas():
    probs = [_problem(s, m=6, n=10)[:2] for s in range(3)]
    op = DiagonalLinearNetwork.grid(probs, depths=(2, 3), alphas=(1e-1, 1e-3))
    assert op.blocks == 12 and op.dim == 12 * 20
    z = np.random.default_rng(1).uniform(0.1, 1, (4, op.dim))       # batched rows
    F = op.F(z)
    for p, (i, D, a) in enumerate(op.labels):
        one = DiagonalLinearNetwork(*probs[i], depth=D, alpha=a)
        assert np.allclose(F[:, 20 * p:20 * (p + 1)], one.F(z[:, 20 * p:20 * (p + 1)]))
    assert op.weights(z).shape == (4, 12, 10)
    # one runner call moves every block (small steps: a plain gradient descent)
    r = run(make("gda", gamma=1e-3), op, op.initial_point(), iters=50)
    assert r.z.shape == (op.dim,) and np.all(op.loss(r.z) < op.loss(op.initial_point()))


def test_no_constants_and_clear_errors():
    A, b, _ = _problem(0, m=4, n=6)
    op = DiagonalLinearNetwork(A, b)
    for name in ("L", "rho", "constants"):
        with pytest.raises(NotComonotone, match="not a \\(co\\)monotone operator"):
            getattr(op, name)
    assert issubclass(NotComonotone, UserError)
    bad = [dict(A=np.ones((2, 3)), b=np.ones(3)), dict(A=np.ones(3), b=np.ones(3)),
           dict(A=A, b=b, depth=1), dict(A=A, b=b, depth=2.5), dict(A=A, b=b, depth=True),
           dict(A=A, b=b, alpha=0.0), dict(A=A, b=b, alpha=-1.0), dict(A=A, b=b, alpha=np.nan),
           dict(A=np.full((2, 3), np.nan), b=np.ones(2))]
    for kw in bad:
        with pytest.raises(InvalidValue):
            DiagonalLinearNetwork(**kw)
    with pytest.raises(InvalidValue, match="depth must be an integer >= 2"):
        flow_limit(A, b, 1, 0.1)
    with pytest.raises(InvalidValue, match="alpha must lie in"):
        flow_limit(A, b, 2, 0.0)
    with pytest.raises(InvalidValue, match="method must be"):
        gradient_flow(op, method="rk4")
    with pytest.raises(InvalidValue, match="shape"):
        op.F(np.ones(5))


# ------------------------------------------------------------------------------------------------
# the flow's limit
# ------------------------------------------------------------------------------------------------
def test_flow_limit_solves_the_potential_independently():
    # A = [1, 2], b = 1: the limit w = beta h(A^T theta) interpolates; theta solves a scalar equation
    A, b = np.array([[1.0, 2.0]]), np.array([1.0])
    for D, alpha in ((2, 0.3), (3, 0.5)):
        beta = alpha ** D
        if D == 2:
            h = lambda z: 2 * np.sinh(z)                         # noqa: E731
            lo, hi = -20.0, 20.0
        else:
            h = lambda z: (1 - z) ** -3.0 - (1 + z) ** -3.0      # noqa: E731  (D/(D-2) = 3)
            lo, hi = -0.4999999, 0.4999999                        # |2 theta| < 1
        theta = brentq(lambda t: beta * (h(t) + 2 * h(2 * t)) - 1.0, lo, hi, xtol=1e-15)
        expected = beta * np.array([h(theta), h(2 * theta)])
        assert np.allclose(flow_limit(A, b, D, alpha), expected, atol=1e-12)
        # and the integrated flow goes there
        r = gradient_flow(DiagonalLinearNetwork(A, b, D, alpha), method="ode")
        assert r.status == "converged" and np.allclose(r.w, expected, atol=1e-8)


def test_ode_and_gd_follow_the_same_flow():
    A, b, _ = _problem(4, m=6, n=12)
    op = DiagonalLinearNetwork(A, b, depth=2, alpha=0.1)
    ode = gradient_flow(op, method="ode", tol=1e-10)
    gd = gradient_flow(op, method="gd", tol=1e-6, rel_step=2e-3, max_steps=100_000)
    assert ode.status == "converged" and gd.status == "converged"
    assert np.linalg.norm(gd.w - ode.w) <= 1e-2 * np.linalg.norm(ode.w)
    assert ode.t > ode.t_escape > 0                               # the adaptive horizon is reported


# ------------------------------------------------------------------------------------------------
# basis pursuit: value, set of minimisers, distance, selection by depth
# ------------------------------------------------------------------------------------------------
def test_basis_pursuit_matches_an_independent_lp():
    for seed in range(3):
        A, b, _ = _problem(seed)
        w_lp, value = _lp(A, b)
        bp = basis_pursuit(A, b)
        assert bp.value == pytest.approx(value, rel=1e-9)
        assert bp.unique and np.allclose(bp.w, w_lp, atol=1e-7)
        assert bp.varrho == pytest.approx(_certificate(A, w_lp), abs=1e-7) and bp.varrho < 1


def _segment_problem(seed=5):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((12, 40)) / np.sqrt(12)
    A[:, 2] = (A[:, 0] + A[:, 1]) / 2
    w0 = np.zeros(40)
    w0[0], w0[1], w0[5] = 1.0, 0.3, -0.5
    return A, A @ w0


def test_the_set_of_minimisers_and_the_distance_to_it():
    A, b = _segment_problem()
    bp = basis_pursuit(A, b)
    # minimisers: (1 - t, 0.3 - t, 2 t) on coordinates 0, 1, 2 with -0.5 at 5, for t in [0, 0.3]
    assert not bp.unique and bp.face_dim == 1 and np.flatnonzero(bp.support).tolist() == [0, 1, 2, 5]
    seg = lambda t: np.eye(40)[0] * (1 - t) + np.eye(40)[1] * (0.3 - t) + np.eye(40)[2] * 2 * t - 0.5 * np.eye(40)[5]  # noqa: E731
    _, value = _lp(A, b)
    assert bp.value == pytest.approx(value) and np.abs(seg(0.1)).sum() == pytest.approx(value)
    assert bp.distance(seg(0.17)) < 1e-9
    x = seg(0.1) + 0.01 * np.eye(40)[7]
    assert bp.distance(x) == pytest.approx(0.01, rel=1e-6)
    # beyond the end t = 0.3 the nearest minimiser is the end point
    beyond = seg(0.3) + 0.05 * np.array([-1, -1, 2] + [0] * 37) / np.sqrt(6)
    assert bp.distance(beyond) == pytest.approx(0.05, rel=1e-6)


def test_selection_rule_against_an_independent_solve():
    A, b = _segment_problem()
    bp = basis_pursuit(A, b)
    # on the segment: D = 2 minimises sum x log x, D = 3 maximises sum x^(2/3) (x = |w|)
    ent = lambda t: (1 - t) * np.log(1 - t) + (0.3 - t) * np.log(0.3 - t) + 2 * t * np.log(2 * t)  # noqa: E731
    pw = lambda t: (1 - t) ** (2 / 3) + (0.3 - t) ** (2 / 3) + (2 * t) ** (2 / 3)                # noqa: E731
    t2 = brentq(lambda t: -np.log(1 - t) - np.log(0.3 - t) + 2 * np.log(2 * t), 1e-9, 0.3 - 1e-9)
    t3 = brentq(lambda t: -(1 - t) ** (-1 / 3) - (0.3 - t) ** (-1 / 3) + 2 * (2 * t) ** (-1 / 3), 1e-9, 0.3 - 1e-9)
    assert ent(t2) < ent(t2 + 1e-3) and ent(t2) < ent(t2 - 1e-3) and pw(t3) > pw(t3 + 1e-3)
    for D, t in ((2, t2), (3, t3)):
        sel = bp.select(D)
        assert sel[[0, 1, 2, 5]] == pytest.approx([1 - t, 0.3 - t, 2 * t, -0.5], abs=1e-9)
        # the flow goes there as alpha -> 0, not to the other depth's choice
        w = flow_limit(A, b, D, 1e-8 if D == 2 else 1e-3)
        other = bp.select(5 - D)
        assert np.linalg.norm(bp.project(w) - sel) < 0.1 * np.linalg.norm(sel - other)
    assert abs(t2 - t3) > 1e-2


def test_dln_theorems_carry_their_hypotheses_and_no_stand_in_data():
    """Honest registry data: no method, a family no operator battery uses, hypotheses the battery obeys; a cell of
    dln.rate above alpha0 = 1/100 (its asymptotic hypothesis) is not judged, and every judged one is inside."""
    from monoverify.theory.judge.dln import OUTSIDE
    from monoverify.theory.judge.instances import FAMILIES

    assert "dln" not in FAMILIES
    for tid in DLN_IDS:
        th = get(tid)
        assert th.method is None and th.family == ("dln",) and th.hypotheses is not sp.true
        assert not th.admits(alpha0=0.5, depth=2, varrho=0.5) and th.admits(alpha0=1e-3, depth=3, varrho=0.5)
    obs = dln_observations(get("dln.rate"), quick=True, seed=0)
    outside = [o for o in obs if o.why == OUTSIDE]
    assert outside and all(not o.judged and o.params["alpha0"] > 1e-2 for o in outside)
    assert all(o.params["alpha0"] <= 1e-2 for o in obs if o.judged)
