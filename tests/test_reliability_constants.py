"""Declared constants cross-checked (issue 24): a declared L or rho that a measured pair contradicts is reported.

A user operator declaring ``L = 1/2`` when the truth is 1 passed ``assert_theorem("eg+.best_iterate", gamma=1.5)``:
``gamma L = 0.75`` satisfies the hypothesis ``L gamma < 1`` at the declared constant, not at the true one
(``1.5``), so the check proved nothing and said "holds". The expected values below are mathematics: a rotation
``F(x, y) = (y, -x)`` has ``||F p - F q|| = ||p - q||`` for every pair (``L = 1`` exactly) and
``<F p - F q, p - q> = 0`` (``rho = 0`` exactly); the scaled map ``F = s I`` has ``L = s`` and ``rho = 1/s``.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from monoverify.operators import Constant, Constants, LinearOperator, LowerBoundGame, Operator, PolarGame
from monoverify.operators.estimate.declared import contradictions
from monoverify.theory.plugin import assert_theorem


def _consts(L, rho, kind="exact"):
    return Constants(Constant(sp.sympify(L), kind, "user"), Constant(sp.sympify(rho), kind, "user"))


class Rotation(Operator):
    """``F(x, y) = (y, -x)``: L = 1, rho = 0 (whatever it declares)."""

    dim, name, params = 2, "user_rotation", {}
    solution = np.zeros(2)

    def __init__(self, L, rho=0, kind="exact"):
        self.constants = _consts(L, rho, kind)

    def _F(self, z, xp):
        return xp.stack([z[..., 1], -z[..., 0]], axis=-1)


class Scaled(Operator):
    """``F z = s z``: L = s, rho = 1/s."""

    dim, name, params = 2, "user_scaled", {}
    solution = np.zeros(2)

    def __init__(self, s, L, rho):
        self.s = s
        self.constants = _consts(L, rho)

    def _F(self, z, xp):
        return self.s * z


def test_the_issue_case_is_an_assertion_with_the_witness_pair():
    with pytest.raises(AssertionError) as exc:
        assert_theorem("eg+.best_iterate", operator=Rotation(sp.Rational(1, 2)), params={"gamma": 1.5, "alpha": 0.5},
                       K=50)
    msg = str(exc.value)
    assert "declared constants are contradicted" in msg
    assert "user_rotation declares L = 0.5" in msg and "its Lipschitz constant is at least 1" in msg
    assert "p = [" in msg and "q = [" in msg


def test_true_constants_still_hold():
    """Declared L = 1 is the truth: at gamma = 0.5 (< 1/L) the same theorem holds, nothing is reported."""
    rep = assert_theorem("eg+.best_iterate", operator=Rotation(1), params={"gamma": 0.5, "alpha": 0.5}, K=50)
    assert rep.verdict == "holds"


def test_linear_operator_declared_constants_are_compared_with_its_matrix():
    """No run needed: the matrix's exact constants and their witness directions."""
    op = LinearOperator([[0.0, 1.0], [-1.0, 0.0]], constants=_consts(sp.Rational(1, 2), 0), solution=np.zeros(2))
    with pytest.raises(AssertionError, match="declares L = 0.5.*at least 1"):
        assert_theorem("eg+.best_iterate", operator=op, params={"gamma": 1.5, "alpha": 0.5}, K=20)


def test_rho_declared_too_large_is_contradicted():
    """F = 2 I has rho = 1/2; declaring rho = 1 is contradicted by any pair (quotient exactly 1/2)."""
    found = contradictions(Scaled(2.0, 2, 1), np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.25]]))
    assert [c.constant for c in found] == ["rho"]
    assert abs(found[0].measured - 0.5) < 1e-12 and found[0].declared == 1.0


def test_L_declared_too_small_measured_exactly():
    found = contradictions(Scaled(3.0, 1, sp.Rational(1, 3)), np.array([[1.0, 0.0], [0.0, 2.0]]))
    assert [c.constant for c in found] == ["L"] and abs(found[0].measured - 3.0) < 1e-12


@pytest.mark.parametrize("op", [LowerBoundGame(-0.1, 1.0), LowerBoundGame(-1.0, 1.0), LowerBoundGame(0.3, 2.0),
                                PolarGame(1)], ids=["lbg", "lbg-edge", "lbg-cocoercive", "polar"])
def test_no_false_report_on_operators_with_true_constants(op):
    """Constants that hold are never contradicted, also at the extremal pairs that attain them exactly."""
    Z = np.random.default_rng(0).uniform(-1.0, 1.0, (400, op.dim))
    assert contradictions(op, Z) == []


def test_bounds_and_estimates_are_not_claims_of_the_value():
    """Only exact constants are claims of the value (a 'bound' rho is an upper bound, an 'estimate' uncertified)."""
    assert contradictions(Rotation(sp.Rational(1, 2), kind="estimate"), np.eye(2)) == []


def test_points_outside_the_valid_region_are_not_used():
    """PolarGame's L holds on its box: a pair far outside it is not a contradiction."""
    op = PolarGame(1)
    far = np.array([[5.0, 5.0], [-5.0, 5.0], [5.0, -5.0]])
    assert contradictions(op, far) == []
