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
    assert r.n_judged > 0, f"{tid}: nothing judged ({r.not_judged})"
    if th.provenance == "reconstruction":
        # a violated reconstruction is a finding, never a failure
        assert r.verdict in ("holds", "finding")
    else:
        assert r.verdict == "holds", (r.worst_ratio, r.worst, r.notes)
    if th.kind != "region":
        # a reconstruction may be found wrong by a diverging run (worst ratio inf): reported as a finding
        assert np.isfinite(r.worst_ratio) or r.verdict == "finding"
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


# ------------------------------------------------------------------------------------------
# the judge (issue 17): nothing reads "holds" without judged evidence
# ------------------------------------------------------------------------------------------
from monoverify.theory.judge import VERDICTS, Judgement, Observation, judge  # noqa: E402


def test_judge_rules():
    ok = Observation("A", {"K": 1}, 0.5)
    assert VERDICTS == ("holds", "violated", "finding", "inconclusive")
    j = judge("pp.last_iterate", [ok])
    assert isinstance(j, Judgement) and j.verdict == "holds" and j.success and j.worst is ok
    # zero judged cells: inconclusive, worst ratio NaN (not -inf), reasons counted
    out = [Observation("B", {}, 1e9, judged=False, why="left the ball"),
           Observation("C", {}, 0.1, judged=False, why="left the ball")]
    j = judge("pp.last_iterate", out)
    assert j.verdict == "inconclusive" and np.isnan(j.worst_ratio) and j.worst is None
    assert (j.n_judged, j.n_not_judged, j.not_judged) == (0, 2, {"left the ball": 2})
    # a cell that was not judged never hides a judged violation, nor makes a verdict
    j = judge("pp.last_iterate", [ok, *out])
    assert j.verdict == "holds" and j.worst_ratio == 0.5 and j.n_not_judged == 2
    # unsound evidence: never holds; a violation still shows
    assert judge("pp.last_iterate", [ok], evidence_ok=False, evidence_why="solver inaccurate").verdict == "inconclusive"
    bad = Observation("D", {}, 1 + 1e-6)
    assert judge("pp.last_iterate", [ok, bad], evidence_ok=False).verdict == "violated"
    assert judge("feg.last_iterate", [ok, bad]).verdict == "finding"           # a reconstruction exceeded
    # rounding tolerance, and a failed (NaN) measurement in a judged cell is a violation
    assert judge("pp.last_iterate", [Observation("E", {}, 1 + 1e-10)]).verdict == "holds"
    j = judge("pp.last_iterate", [ok, Observation("F", {}, float("nan"))])
    assert j.verdict == "violated" and j.worst_ratio == float("inf")


def test_judgement_round_trips_as_json():
    j = judge("pp.last_iterate", [Observation("A", {"K": 3}, 0.25, k=3, measured=0.5, bound=2.0)])
    d = j.to_dict()
    assert d["verdict"] == "holds" and d["success"] is True and d["worst"]["k"] == 3
    assert Judgement.from_json(j.to_json()) == j


def test_a_bound_1e9_too_small_that_every_cell_escapes_is_inconclusive_not_holds():
    # issue 17: iterate_bound = 0 makes every cell leave its trajectory hypothesis; nothing is judged
    th = THEOREMS["pp.last_iterate"]
    vacuous = dataclasses.replace(th, id="pp.vacuous", bound=th.bound / 1e9, iterate_bound=sp.Integer(0))
    r = check(vacuous, quick=True)
    assert r.verdict == "inconclusive" and not r.success and not r.failed
    assert r.n_judged == 0 and r.n_not_judged == r.n_cells > 0
    assert np.isnan(r.worst_ratio)
    assert list(r.not_judged) == ["left the ball ||z - z*|| <= D (trajectory hypothesis)"]
    d = r.to_dict()
    assert d["n_judged"] == 0 and d["worst_ratio"] == "nan" and d["verdict"] == "inconclusive"


def test_region_cells_on_the_boundary_are_not_judged():
    # relaxed PP at lam = 2(1 + rho/gamma) = 2 (rho = 0) has spectral radius exactly 1 (SPEC R3)
    th = THEOREMS["relaxed-pp.region"]
    edge = dataclasses.replace(th, id="relaxed-pp.edge", grid={"c": (0.0,), "t": (1.0,), "lam": (2.0,)})
    r = check(edge, quick=True, sampled=False)     # the single grid cell alone (sampling would add others)
    assert r.verdict == "inconclusive" and r.n_judged == 0 and r.n_not_judged == 1
    assert "on the boundary" in next(iter(r.not_judged))
    # the registered theorem's own battery has boundary cells too: counted, not judged
    full = check("relaxed-pp.region", quick=True)
    assert full.n_not_judged == full.spectral["boundary"] > 0 and full.verdict == "holds"


def test_spectral_column_errors_propagate(monkeypatch):
    import monoverify.theory.spectral as spectral

    def broken(*a, **kw):
        raise RuntimeError("bug in the spectral column")

    monkeypatch.setattr(spectral, "spectral_radius", broken)
    with pytest.raises(RuntimeError, match="bug in the spectral column"):
        check("pp.last_iterate", quick=True)


def test_spectral_column_of_a_non_stationary_method_is_not_applicable():
    r = check("feg.last_iterate", quick=True, K=20)
    assert r.spectral == {"max_radius": None, "note": "n/a (non-stationary)"}


def test_unconverged_resolvent_makes_cells_not_judged_and_the_verdict_inconclusive(monkeypatch):
    import monoverify.theory.judge.rate as rate

    real = rate.run

    def failing(*a, **kw):
        r = real(*a, **kw)
        r.resolvent_failures = 3      # what the oracle counts when the inner loop stops unconverged
        return r

    def direct(*a, **kw):   # every instance run directly (the stacked linear path has exact resolvents)
        from monoverify.solvers.linear_path import NotLinear

        raise NotLinear("forced direct")

    monkeypatch.setattr(rate, "run", failing)
    monkeypatch.setattr(rate, "measure_stack", direct)
    r = check("pp.last_iterate", quick=True, adversarial=False, escalate=False)   # the battery's own runs only
    assert r.verdict == "inconclusive" and r.n_judged == 0
    assert r.not_judged == {"resolvent not converged": r.n_cells}


def test_parameters_a_theorem_does_not_use_are_refused():
    from monoverify.errors import UnusedOption, UserError

    with pytest.raises(UnusedOption, match=r"does not use parameter\(s\) \['tau'\]"):
        check("pp.last_iterate", gamma=1.0, tau=3)
    with pytest.raises(UserError, match="unknown parameter"):
        check("pp.last_iterate", step=1.0)


def test_explored_outside_only_when_outside():
    r = check("pp.last_iterate", rho=-0.2, gamma=1.0, L=1.0, explore=True, K=20)
    assert not r.explored_outside and r.verdict == "holds"


# ------------------------------------------------------------------------------------------
# tags follow the bound checked (issue 17 item 5)
# ------------------------------------------------------------------------------------------
def test_rapp_last_iterate_is_tagged_by_its_derived_substitute_bound():
    th = THEOREMS["rapp.last_iterate"]
    assert th.provenance == "derived"                     # SPEC R9's [derived] substitute via R7(c)
    assert th.statement_provenance == "reconstruction" and "Cor. 6.4" in th.statement
    assert th.tag() == "derived (stmt: reconstruction)"
    assert th.describe()["statement_provenance"] == "reconstruction"


def test_a_wrong_rapp_bound_fails_instead_of_being_a_finding():
    th = THEOREMS["rapp.last_iterate"]
    wrong = dataclasses.replace(th, id="rapp.wrong", bound=th.bound / 1e3,
                                grid={"c": (0.3,), "t": (0.8,), "lam": (0.5,), "K": (10,)})
    r = check(wrong)
    assert r.verdict == "violated" and r.failed


def test_every_tag_matches_spec_section_4():
    # provenance of the bound/condition checked, per SPEC §4 (R-numbers in the sources)
    expected = {
        "resolvent.conic_averaged": "derived", "relaxed-pp.region": "derived", "relaxed-pp.last_iterate": "derived",
        "relaxed-pp.conic_last_iterate": "derived", "pp.last_iterate": "derived", "pp.bilinear": "derived",
        "rapp.last_iterate": "derived", "rapp.conic": "reconstruction", "eg+.best_iterate": "derived",
        "eg+.quasi_nonexpansive": "derived", "eg+.lower_bound_game": "related", "eg.bilinear": "derived",
        "feg.last_iterate": "reconstruction", "la-gda.tau2.best_iterate": "derived",
        "lookahead.nonexpansive_last_iterate": "derived", "la-eg.monotone": "derived",
        "la-eg.lower_bound_game": "derived", "la-gda.lower_bound_game": "derived", "gda.bilinear": "derived",
        "gda.cocoercive": "derived", "ogda.bilinear": "derived", "la-gda.bilinear": "derived",
    }
    assert {tid: th.provenance for tid, th in THEOREMS.items() if tid in expected} == expected
    for th in THEOREMS.values():
        assert bool(th.statement) == bool(th.statement_provenance)


def test_pep_column_is_judged_by_the_judge(monkeypatch):
    from monoverify.theory.judge import pep_sandwich

    th = THEOREMS["pp.last_iterate"]          # exact class (lipschitz=False): the PEP value is the worst case
    ok = pep_sandwich(th, quick=True)
    assert ok["judgement"].verdict == "holds" and ok["judgement"].n_judged == len(ok["rows"])
    # the bound at 0.5x: PEP (worst case of PP over the class, tight within 0.94 of R5) exceeds it
    wrong = pep_sandwich(dataclasses.replace(th, id="pp.half", bound=th.bound / 2), quick=True)
    assert wrong["judgement"].verdict == "violated" and wrong["upper_inversions"] > 0

    # an inaccurate solve is not judged (and, alone, is never a holds)
    import monoverify.theory.pep as pep

    real = pep.sandwich

    def inaccurate(*a, **kw):
        sw = real(*a, **kw)
        sw.pep.status = "inaccurate"
        return sw

    monkeypatch.setattr(pep, "sandwich", inaccurate)
    bad = pep_sandwich(th, quick=True)
    j = bad["judgement"]
    assert j.verdict == "inconclusive" and j.n_judged == 0 and j.not_judged == {"PEP solve inaccurate": len(bad["rows"])}


def test_explored_cells_outside_the_hypotheses_are_measured_but_never_judged():
    from monoverify.theory.judge.cells import OUTSIDE

    # the same grid with and without explore (sampled cells and the adversary depend on what is admitted)
    inside = check("relaxed-pp.last_iterate", quick=True, sampled=False, adversarial=False, escalate=False)
    r = check("relaxed-pp.last_iterate", quick=True, explore=True, sampled=False, adversarial=False, escalate=False)
    assert r.explored_outside and r.not_judged[OUTSIDE] > 0 and not r.failed
    assert r.n_judged == inside.n_judged and r.worst_ratio == inside.worst_ratio
    assert len(r.curves) == r.n_cells == r.n_judged + r.n_not_judged
