"""The theorem registry and the generic checker: every entry is exercised, and the checker can fail."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from monoverify.theory import THEOREMS, HypothesisError, UnknownTheorem, check, get
from monoverify.theory.theorems import D0, K, L, gamma, lam, rho


@pytest.mark.parametrize("tid", list(THEOREMS))
def test_every_registered_theorem_holds_on_its_quick_battery(tid):
    th = THEOREMS[tid]
    r = check(tid, quick=True)
    assert r.n_cells > 0, f"{tid}: the quick battery admits no instance"
    if th.provenance == "reconstruction":
        # a violated reconstruction is a finding, never a failure
        assert r.verdict in ("holds", "finding")
    else:
        assert r.verdict == "holds", (r.worst_ratio, r.worst, r.notes)
    if th.kind != "region":
        assert np.isfinite(r.worst_ratio)
        assert r.worst_ratio <= 1 + 1e-9 or th.provenance == "reconstruction"


def test_registry_records_are_complete():
    for th in THEOREMS.values():
        assert th.provenance in ("paper", "related", "derived", "reconstruction")
        assert th.source and th.title and th.metric
        assert th.iterate in ("last", "best", "n/a")
        if th.kind == "rate" and th.metric != "distance_ratio":  # a ratio of consecutive distances is <= 1
            assert {"K", "D0"} & {s.name for s in th.bound.free_symbols}, th.id


def test_wrong_pp_bound_without_its_factor_is_reported_violated():
    # R5 without the factor gamma/(gamma + 2 rho): false for rho < 0 (the factor exceeds 1 there)
    wrong = dataclasses.replace(THEOREMS["pp.last_iterate"], id="pp.wrong", bound=D0 / (gamma ** 2 * K),
                                hypotheses=sp.And(rho > -gamma / 2, rho < 0))
    r = check(wrong, quick=True)
    assert r.verdict == "violated"
    assert r.failed
    assert r.worst_ratio > 1
    assert r.worst["rho"] < 0


def test_wrong_bound_on_a_reconstruction_is_a_finding_not_a_failure():
    th = THEOREMS["feg.last_iterate"]
    wrong = dataclasses.replace(th, id="feg.wrong", bound=th.bound / 2)   # constant 2 instead of 4: too small
    r = check(wrong, quick=True)
    assert r.verdict == "finding" and not r.failed and r.worst_ratio > 1


def test_wrong_region_condition_is_reported_violated():
    # relaxed PP with the monotone threshold lam < 2 ignores rho: wrong whenever rho < 0
    wrong = dataclasses.replace(THEOREMS["relaxed-pp.region"], id="relaxed-pp.wrong", condition=lam < 2)
    r = check(wrong, quick=True)
    assert r.verdict == "violated" and r.mismatches > 0


def test_wrong_property_bound_is_reported_violated():
    wrong = dataclasses.replace(THEOREMS["resolvent.conic_averaged"], id="resolvent.wrong", bound=sp.Rational(9, 10))
    assert check(wrong, quick=True).verdict == "violated"


def test_pinned_parameters_outside_the_hypotheses_are_refused_with_the_failing_condition():
    with pytest.raises(HypothesisError, match=r"rho > -gamma/2"):
        check("pp.last_iterate", rho=-0.6, gamma=1.0, L=1.0)
    r = check("pp.last_iterate", rho=-0.6, gamma=1.0, L=1.0, explore=True, K=50)
    assert r.explored_outside


def test_pinned_parameters_inside_run_only_those():
    r = check("relaxed-pp.last_iterate", rho=-0.2, L=1.0, gamma=1.0, lam=0.5, K=60)
    assert r.verdict == "holds"
    assert all(c["params"]["lam"] == 0.5 and c["params"]["gamma"] == 1.0 for c in r.curves)


def test_unknown_theorem_suggests_close_names():
    with pytest.raises(UnknownTheorem, match="rapp.last_iterate"):
        get("rapp.last_iterat")


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_K_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        check("pp.last_iterate", K=bad)


def test_pp_rate_is_tight_within_the_class_on_the_lower_bound_game():
    # SPEC §8 item 6: N gamma (gamma + 2 rho) ||F z^N||^2 / D0 reaches 0.9 on the LowerBoundGame grid, <= 1
    r = check("pp.last_iterate", quick=True)
    assert 0.85 <= r.worst_ratio <= 1


def test_region_verdicts_are_confirmed_by_runs():
    r = check("la-gda.lower_bound_game", quick=True)
    assert r.verdict == "holds"
    assert not any("disagreed" in n for n in r.notes)


def test_hypotheses_identically_false_are_refused():
    with pytest.raises(ValueError, match="identically false"):
        dataclasses.replace(THEOREMS["eg+.lower_bound_game"], hypotheses=sp.false)
