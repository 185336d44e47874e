"""Theorem property tests: every ``paper``/``derived`` rate theorem of ``THEOREMS`` under hypothesis.

For each theorem, hypothesis draws parameters satisfying its hypotheses, a linear operator with
exactly those constants (``rho``, ``L``; dimension <= 6) and a start point; the registered method
runs ``K`` iterations and :func:`assert_theorem` compares the measured metric with the bound at every
``k``. Settings derive from the plugin's ``monoverify-ci`` profile (derandomized, no deadline),
with a small budget. Region theorems are property-tested on the LowerBoundGame: the exact spectral
radius is < 1 iff the stated condition holds (off the boundary).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import monoverify.theory.plugin  # noqa: F401  (registers the profiles when the entry point is not loaded)
from monoverify.operators import LowerBoundGame
from monoverify.theory import THEOREMS
from monoverify.theory.plugin import assert_theorem
from monoverify.theory.strategies import bilinear_games, start_points, supports, theorem_cases, theorem_parameters

CI = settings(settings.get_profile("monoverify-ci"), max_examples=12)
K = 60

RATE = sorted(tid for tid, th in THEOREMS.items() if th.kind == "rate" and th.provenance in ("paper", "derived")
              and supports(tid))   # the strategies draw rho, L, gamma, lam, tau, alpha (not mu, beta)


def test_there_are_rate_theorems_to_test():
    assert {"eg+.best_iterate", "pp.last_iterate", "la-gda.tau2.best_iterate"} <= set(RATE)


@pytest.mark.parametrize("tid", RATE)
def test_rate_theorem(tid):
    @CI
    @given(case=theorem_cases(tid, max_dim=6))
    def prop(case):
        assert_theorem(tid, operator=case.operator, z0=case.z0, K=K, params=case.params)

    prop()


MONOTONE = [tid for tid in RATE if THEOREMS[tid].admits(rho=0, L=1, gamma=0.5, lam=0.5, tau=1, alpha=0.5)]


@pytest.mark.parametrize("tid", MONOTONE)
def test_rate_theorem_on_bilinear_games(tid):
    @CI
    @given(p=theorem_parameters(tid, rho=0.0), data=st.data())
    def prop(p, data):
        op = data.draw(bilinear_games(L=p["L"]), label="operator")
        z0 = data.draw(start_points(op.dim), label="z0")
        assert_theorem(tid, operator=op, z0=z0, K=K, params=p)

    prop()


REGION = sorted(tid for tid, th in THEOREMS.items()
                if th.kind == "region" and th.provenance in ("paper", "derived") and "lower_bound" in th.family)


@pytest.mark.parametrize("tid", REGION)
def test_region_theorem_on_lower_bound_game(tid):
    from monoverify.theory.judge.cells import ARGS, Cell, derive, lambdify, method_for
    from monoverify.theory.spectral import spectral_radius

    th = THEOREMS[tid]
    cond = lambdify(th.condition)

    @settings(CI, max_examples=20)
    @given(p=theorem_parameters(tid))
    def prop(p):
        op = LowerBoundGame(p["rho"], p["L"])
        vals = {a: np.nan for a in ARGS}
        vals.update(p, K=1.0, D0=1.0)
        derive(th, vals)
        r = float(np.max(spectral_radius(method_for(th, [vals]), op.eigenvalues())))
        assume(abs(r - 1) > 1e-9)  # on the boundary the condition says nothing
        assert bool(cond(*[np.asarray(vals[a], float) for a in ARGS])) == (r < 1), (tid, p, r)

    prop()
