"""Mutation score: wrong variants are derived from every theorem and the batteries kill the survivors of issue 17."""

from __future__ import annotations

import dataclasses

import sympy as sp

from monoverify.theory import THEOREMS, check
from monoverify.theory.judge.mutants import MutantOutcome, MutationReport, mutants, score
from monoverify.theory.theorems import gamma, rho


def _by_kind(ms, kind):
    return [m for m in ms if m.kind == kind]


def test_every_theorem_gets_mutants_and_region_conditions_are_shifted_both_ways():
    for th in THEOREMS.values():
        ms = mutants(th, reference=None)
        assert ms, th.id
        if th.kind == "region" and th.condition not in (sp.true, sp.false):
            assert {m.id[-1] for m in _by_kind(ms, "shifted condition")} == {"+", "-"}, th.id


def test_relaxed_conjunct_widens_the_region_and_equivalent_ones_are_not_scored():
    ms = mutants(THEOREMS["pp.last_iterate"], reference=None)
    (relaxed,) = _by_kind(ms, "relaxed hypothesis")
    assert relaxed.scored
    wide = relaxed.theorem
    # c = 0.6, t = 1 (rho = -0.6, gamma = 1) is outside rho > -gamma/2 and inside the relaxed conjunct
    assert not THEOREMS["pp.last_iterate"].admits(rho=-0.6, L=1, gamma=1.0) and wide.admits(rho=-0.6, L=1, gamma=1.0)
    # rapp: rho > -1/(2L) is implied by gamma > -2 rho and gamma L < 1, so relaxing it changes nothing
    rapp = {m.description.split("  ->")[0]: m for m in _by_kind(mutants(THEOREMS["rapp.last_iterate"], reference=None),
                                                                  "relaxed hypothesis")}
    assert not rapp["rho > -1/(2*L)"].scored and "equivalent" in rapp["rho > -1/(2*L)"].why


def test_scaled_mutant_needs_a_reference_and_sits_just_below_W():
    th = THEOREMS["pp.last_iterate"]
    (no_ref,) = _by_kind(mutants(th, reference=None), "scaled bound")
    assert not no_ref.scored and no_ref.why.startswith("no reference")
    ref = {"rows": [{"cell": {"c": 0.2, "t": 1.0}, "K": 4, "W": 0.17578125, "bound": 0.4166666666666667}]}
    (m,) = _by_kind(mutants(th, reference=ref), "scaled bound")
    ratio = sp.simplify(m.theorem.bound / th.bound)
    assert abs(float(ratio) - 0.97 * 0.17578125 / 0.4166666666666667) < 1e-6   # 0.97 W/bound at that cell
    assert m.theorem.attack_cells[-1] == {"c": 0.2, "t": 1.0, "K": 4}


def test_issue17_survivor_pp_widened_hypothesis_is_killed():
    wrong = dataclasses.replace(THEOREMS["pp.last_iterate"], id="pp.wide", hypotheses=sp.And(rho > -gamma))
    assert check(wrong, quick=True).verdict == "violated"


def test_issue17_survivor_rapp_bound_over_13_is_killed():
    th = THEOREMS["rapp.last_iterate"]
    r = check(dataclasses.replace(th, id="rapp.div13", bound=th.bound / 13), quick=True)
    assert r.verdict in ("violated", "finding") and r.worst_ratio > 1


def test_report_line_counts_scored_mutants_only():
    rep = MutationReport([MutantOutcome("a", "scaled bound", "", "violated", True, True),
                          MutantOutcome("b", "relaxed hypothesis", "", "holds", False, True, "holds"),
                          MutantOutcome("c", "scaled bound", "", "-", False, False, "no reference")])
    assert rep.line == "mutants: 1/2 killed" and [o.id for o in rep.survivors] == ["b"]


def test_score_kills_the_mutants_of_a_region_theorem():
    rep = score([THEOREMS["ogda.bilinear"]], quick=True)
    assert rep.total >= 2 and rep.killed == rep.total, [o.message for o in rep.outcomes]
