"""The paper's results added for issue 14: each entry holds on its battery, and a deliberately wrong
variant of it (built with ``dataclasses.replace``) is caught; closed-form values come from SPEC.md."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from monoverify.theory import THEOREMS, check
from monoverify.theory import theorems as T
from monoverify.theory.stochastic import kappa

NEW = ["ceg+.constrained_best_iterate", "la-ceg+.constrained", "la-eg+.cohypomonotone", "lookahead.cycling_base",
       "alt-gda.bilinear_bounded", "la-alt-gda.bilinear", "rapp-conic.inexact", "rapp-conic.lambda_star",
       "eg+.lower_bound_game_general_t", "eg+.lower_bound_game_radius", "eg+.best_iterate_extrapolated", "eg+.ddj21",
       "eg+.worst_case_gamma_one_over_L", "adaptive-eg+.rotation_scaling", "inner-loop.stochastic_floor",
       "rapp-constrained.natural_residual", "forsaken.rapp_vs_app"]

rho, L, gamma, lam, alpha, K, D0 = T.rho, T.L, T.gamma, T.lam, T.alpha, T.K, T.D0


def test_all_registered_with_sources():
    for tid in NEW:
        th = THEOREMS[tid]
        assert th.source and th.provenance in ("paper", "related", "derived", "reconstruction")
    assert THEOREMS["lookahead.cycling_base"].provenance == "paper"
    assert THEOREMS["forsaken.rapp_vs_app"].provenance == "paper"


# ------------------------------------------------------------------------------------------
# batteries exercise the hypotheses
# ------------------------------------------------------------------------------------------
def test_constrained_battery_has_A_nonzero_and_starts_outside():
    from monoverify.operators import Whole
    from monoverify.theory.checker import battery

    bat = battery(THEOREMS["ceg+.constrained_best_iterate"], quick=True)
    ops = [(inst.operator(), inst.start()) for inst, _ in bat]
    assert ops and all(not isinstance(op.constraint, Whole) for op, _ in ops)
    assert any(float(np.linalg.norm(z0)) > op.constraint.radius for op, z0 in ops if hasattr(op.constraint, "radius"))


def test_cycling_base_really_cycles():
    """EG at gamma L = 1 on the scalar bilinear game has |m| = 1 (a rotation): it neither converges nor diverges."""
    from monoverify.operators import BilinearGame
    from monoverify.solvers import make, run
    from monoverify.theory.spectral import spectral_radius

    g = BilinearGame([[1.0]])
    assert spectral_radius(make("eg", gamma=1.0), g) == pytest.approx(1.0, abs=1e-14)
    r = run(make("eg", gamma=1.0), g, np.array([1.0, 0.5]), iters=1001)
    assert np.allclose(r.history.residual, r.history.residual[0])          # constant modulus: cycles
    la = run(make("la-eg", gamma=1.0, lam=0.5, tau=1), g, np.array([1.0, 0.5]), iters=200)
    assert la.history.residual[-1] < 1e-20                                  # the outer loop converges


# ------------------------------------------------------------------------------------------
# the entries hold (quick batteries) and their wrong variants are caught
# ------------------------------------------------------------------------------------------
def _caught(th):
    return check(th, quick=True).verdict in ("violated", "finding")


def _small(tid, **grid):
    th = THEOREMS[tid]
    return dataclasses.replace(th, grid={**th.grid, **grid})


# every entry holding on its quick battery is tested for all theorems in test_theory_check.py


def test_ceg_plus_constrained_variant():
    th = _small("ceg+.constrained_best_iterate", K=(50,))
    fac = alpha * (1 + 2 * rho / gamma - alpha)
    assert _caught(dataclasses.replace(th, bound=D0 * fac / K))            # factor in the numerator


def test_la_ceg_plus_constrained_holds_and_variant():
    th = _small("la-ceg+.constrained", tau=(1, 2), lam=(0.5,), K=(50,))
    assert check(th, quick=True).verdict == "holds"
    assert _caught(dataclasses.replace(th, bound=D0 * lam * (1 - lam) / K))


def test_la_eg_plus_variant():
    th = _small("la-eg+.cohypomonotone", tau=(1, 2), K=(50,))
    assert _caught(dataclasses.replace(th, bound=D0 * lam * (1 - lam) / K))


def test_cycling_base_variant():
    th = _small("lookahead.cycling_base", K=(50,))
    assert _caught(dataclasses.replace(th, bound=D0 * lam * (1 - lam) / (K + 1)))


def test_alt_gda_bounded_variant():
    th = THEOREMS["alt-gda.bilinear_bounded"]
    wrong = dataclasses.replace(th, hypotheses=sp.And(gamma > 0, gamma * L < 3), grid={"t": (1.0, 2.5)})
    assert _caught(wrong)


def test_la_alt_gda_holds_and_variant():
    th = _small("la-alt-gda.bilinear", t=(0.5, 1.9), tau=(1, 3), lam=(0.3, 0.9, 1.1, 1.3))
    assert check(th, quick=True).verdict == "holds"
    assert _caught(dataclasses.replace(th, condition=lam < sp.Rational(6, 5)))


def test_rapp_conic_inexact_holds_and_variant():
    th = _small("rapp-conic.inexact", c=(0.6, 0.8), t=(0.97,), lam=(0.3,), K=(10,))
    assert check(th, quick=True).verdict == "holds"
    # R4(a)'s nonexpansive-resolvent bound used beyond rho > -gamma/2 (theta = 1/2 instead of the conic theta)
    assert _caught(dataclasses.replace(th, bound=D0 / (lam * (1 - lam) * (K + 1))))


def test_rapp_lambda_star_holds_and_variant():
    th = _small("rapp-conic.lambda_star", c=(0.6,), tau=(2, 5), lam=(0.3, 0.6, 0.9, 1.1, 1.3))
    assert check(th, quick=True).verdict == "holds"
    assert _caught(dataclasses.replace(th, condition=lam < 2 * (1 + rho / gamma)))   # exact-resolvent threshold


def test_eg_plus_general_t_variant():
    th = THEOREMS["eg+.lower_bound_game_general_t"]
    assert _caught(dataclasses.replace(th, condition=-2 * rho * L + alpha < 1))        # the t = 1 criterion


def test_eg_plus_radius_variant():
    th = THEOREMS["eg+.lower_bound_game_radius"]
    assert _caught(dataclasses.replace(th, bound=th.bound ** 2))


def test_extrapolated_variant():
    th = _small("eg+.best_iterate_extrapolated", K=(50,))
    assert _caught(dataclasses.replace(th, bound=D0 * alpha * gamma * (2 * rho + gamma * (1 - alpha)) / K))


def test_ddj21_variant_is_a_finding():
    th = THEOREMS["eg+.ddj21"]
    # past -1/(4L) (R14's range, why the registry calls rho > -1/(8L) unneeded) the bound is negative
    wrong = dataclasses.replace(th, hypotheses=sp.And(rho > -1 / (2 * L), L > 0), unneeded={},
                                grid={"c": (0.3,), "L": (1.0,), "K": (50,)})
    assert check(wrong, quick=True).verdict == "finding"


def test_worst_case_is_attained_and_variant():
    r = check("eg+.worst_case_gamma_one_over_L", quick=True)
    # F = L(z - z*) attains L^2 D0 (R34); on the rescaled copies (L to 1e3, z* != 0) to the rounding of z*
    assert r.worst_ratio == pytest.approx(1.0, abs=1e-10)
    # without the escalation the battery still spans L and ||z0 - z*|| over decades (z* != 0): attained to rounding
    unit = check("eg+.worst_case_gamma_one_over_L", quick=True, escalate=False)
    assert unit.verdict == "holds" and unit.worst_ratio == pytest.approx(1.0, abs=1e-10)
    th = THEOREMS["eg+.worst_case_gamma_one_over_L"]
    assert _caught(dataclasses.replace(th, bound=L ** 2 * D0 / 2))


def test_adaptive_variant():
    th = THEOREMS["adaptive-eg+.rotation_scaling"]
    assert _caught(dataclasses.replace(th, condition=-2 * rho * L + sp.Rational(1, 2) < 1))   # sigma forgotten


def test_stochastic_floor_holds_and_variants():
    th = _small("inner-loop.stochastic_floor", c=(0.0, 0.6), t=(0.5, 0.9), sigma=(1.0,), K=(6,))
    r = check(th, quick=True)
    assert r.verdict == "holds" and r.worst["samples"] == 1000 and r.worst_ratio <= 1
    assert 0.9 < r.worst["mean_ratio"] < 1.2        # tight on rotation-scaling maps (SPEC §8 item 8): mean ~ bound
    assert any("seeded samples" in n for n in r.notes)
    g2s2 = gamma ** 2 * T.sigma ** 2
    assert _caught(dataclasses.replace(th, bound=(gamma * L) ** (2 * K) * D0))                   # no variance floor
    assert _caught(dataclasses.replace(th, bound=(gamma * L) ** (2 * K) * D0 + g2s2))            # floor without 1/(1 - t^2)


def test_stochastic_check_is_reproducible():
    th = _small("inner-loop.stochastic_floor", c=(0.3,), t=(0.9,), sigma=(1.0,), K=(2,))
    a, b = check(th, quick=True), check(th, quick=True)
    assert a.worst_ratio == b.worst_ratio


def test_kappa_closed_form():
    n, x = 4000, 20.0
    r = np.sqrt(x / n)
    assert kappa(n, x) == pytest.approx((2 * r + 2 * x / n + np.sqrt(2 * x / n), 2 * r + np.sqrt(2 * x / n)))


def test_constrained_natural_residual_holds_and_variant():
    th = _small("rapp-constrained.natural_residual", t=(0.9,), lam=(0.5,), K=(100,))
    assert check(th, quick=True).verdict == "holds"
    assert _caught(dataclasses.replace(th, derived={**th.derived, "tau": sp.Integer(1)},
                                       bound=th.bound / 1000))


def test_forsaken_holds_and_variant():
    th = THEOREMS["forsaken.rapp_vs_app"]
    r = check(th, quick=True)
    assert r.verdict == "holds" and r.worst_ratio < 1
    assert _caught(dataclasses.replace(th, method_params={**th.method_params, "lam": sp.Integer(1)}))


# ------------------------------------------------------------------------------------------
# closed-form values (SPEC R10, R15)
# ------------------------------------------------------------------------------------------
def _lam_star_rapp(c, t, tau):
    u = t * (-c + 1j * np.sqrt(1 - c * c))
    q = sum((-u) ** j for j in range(tau + 1))
    return None if q.real >= 1 else 2 * (1 - q.real) / abs(1 - q) ** 2


@pytest.mark.parametrize("tau,expected", [(2, None), (5, 1.212074), (10, 0.443254), (30, 0.611256), (200, 0.666667)])
def test_r10_lambda_star_values(tau, expected):
    got = _lam_star_rapp(0.6, 0.9, tau)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-6)
        # the registered condition switches exactly there
        cond = sp.lambdify([rho, L, gamma, lam, T.tau], THEOREMS["rapp-conic.lambda_star"].condition, "numpy")
        assert bool(cond(-0.6, 1.0, 0.9, expected * 0.999, tau)) and not bool(cond(-0.6, 1.0, 0.9, expected * 1.001, tau))


@pytest.mark.parametrize("c,a,r", [(1 / 3, 0.5, 1.105542), (1 / 3, 0.25, 0.971825), (1 / 8, 0.75, 1.0), (1 / 8, 0.5, 0.847791)])
def test_r15_radius_values(c, a, r):
    from monoverify.operators import LowerBoundGame
    from monoverify.solvers import make
    from monoverify.theory.spectral import spectral_radius

    th = THEOREMS["eg+.lower_bound_game_radius"]
    closed = float(th.bound.subs({alpha: a, rho: -c, L: 1}))
    assert closed == pytest.approx(r, abs=1e-6)
    assert spectral_radius(make("eg+", gamma=1.0, alpha=a), LowerBoundGame(-c, 1.0)) == pytest.approx(closed, rel=1e-12)


# ------------------------------------------------------------------------------------------
# the new metrics are entries of the one metric table: runs, direct evaluation and PEP agree
# ------------------------------------------------------------------------------------------
def _by_hand(M, z, g, r):
    """Independent: zb = P_Ball(r)(z - g M z) with the ball projection written out."""
    y = z - g * (M @ z)
    zb = y * min(1.0, r / np.linalg.norm(y))
    return {"natural_residual_sq": np.sum((z - zb) ** 2),
            "extrapolated_operator_sq": np.sum((M @ zb) ** 2),
            "ceg_step_sq": np.sum(((zb - g * (M @ zb)) - (z - g * (M @ z))) ** 2)}


@pytest.mark.parametrize("name", ["natural_residual_sq", "extrapolated_operator_sq", "ceg_step_sq"])
def test_extrapolation_metrics_by_hand_and_in_runs(name):
    from monoverify.operators import Ball, LowerBoundGame
    from monoverify.solvers import Oracle, make, run
    from monoverify.theory import metrics as Mx

    op = LowerBoundGame(-0.2, 1.0).with_constraint(Ball(0.5, 2))
    z0, g = np.array([1.0, 0.5]), 0.7
    method = make("eg+", gamma=g, alpha=0.5)
    want = _by_hand(op.matrix, z0, g, 0.5)[name]
    at = Mx.At(z=z0[None, :], oracle=Oracle(op), method=method)
    assert float(Mx.value(name, at)[0]) == pytest.approx(want, rel=1e-13)
    r = run(method, op, z0.copy(), iters=3, monitors=Mx.monitors_for(name, op, method))
    assert float(np.asarray(Mx.curve(name, r)).ravel()[0]) == pytest.approx(want, rel=1e-13)
    assert name in Mx.RUN_METRICS and name in Mx.PEP_METRICS


def test_property_and_expected_metrics_are_not_pep_objectives():
    from monoverify.theory import metrics as Mx

    for name in ("unrelaxed_residual_ratio", "expected_inner_error_sq"):
        assert name in Mx.METRICS and name not in Mx.RUN_METRICS
        with pytest.raises(ValueError, match="metric must be one of"):
            Mx.get_metric(name, pep=True)
    assert Mx.PROPERTY_METRICS["unrelaxed_residual_ratio"] is Mx.unrelaxed_residual_ratio


def test_natural_residual_pep_is_gamma_squared_operator_pep():
    """Unconstrained: z - (z - gamma F z) = gamma F z, so the two PEP worst cases differ by gamma^2 exactly."""
    pytest.importorskip("PEPit")
    from monoverify.solvers import make
    from monoverify.theory.pep import worst_case

    m = make("eg+", gamma=0.5, alpha=0.5)
    nat = worst_case(m, -0.1, 1.0, 2, metric="natural_residual_sq", cache=False)
    opr = worst_case(m, -0.1, 1.0, 2, metric="operator_sq", cache=False)
    assert nat.value == pytest.approx(0.25 * opr.value, rel=1e-5)
    ext = worst_case(m, -0.1, 1.0, 2, metric="extrapolated_operator_sq", cache=False)
    assert 0 < ext.value < np.inf
