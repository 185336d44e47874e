"""The PEP reference W(K): closed forms where known, best iterate as a minimum, unsound solves never a reference."""

from __future__ import annotations

import pytest

from monoverify.theory import THEOREMS
from monoverify.theory.judge import reference as R


@pytest.mark.parametrize("K", [1, 2, 4])
def test_proximal_point_monotone_matches_gu_yang(K):
    # PP, gamma = 1, monotone: ||F z_K||^2 = ||z_K - z_{K-1}||^2 <= (1 - 1/K)^(K-1)/K, tight (Gu & Yang 2020)
    r = R.reference(THEOREMS["pp.last_iterate"], {"c": 0.0, "t": 1.0}, K)
    assert r.status == "optimal" and not r.relaxation
    assert r.W == pytest.approx((1 - 1 / K) ** (K - 1) / K, rel=1e-5)
    assert r.bound == pytest.approx(1 / K)


def test_best_iterate_is_the_minimum_over_iterates():
    th = THEOREMS["eg+.best_iterate"]
    # K = 1: min over k < 1 is ||F z0||^2 <= L^2 ||z0 - z*||^2 = 1, attained by F = L id
    assert R.reference(th, {"c": 0.0, "t": 0.6, "alpha": 1.0}, 1).W == pytest.approx(1.0, rel=1e-5)
    # issue 17: at gamma L = 0.6, alpha = 1, K = 4 the PEP gives 0.448 of the bound
    r4 = R.reference(th, {"c": 0.0, "t": 0.6, "alpha": 1.0}, 4)
    assert r4.relaxation and r4.W / r4.bound == pytest.approx(0.448, abs=2e-3)
    assert r4.looseness == pytest.approx(r4.bound / r4.W)


def test_not_expressible_is_a_status_with_the_reason():
    r = R.reference(THEOREMS["eg+.quasi_nonexpansive"], {"c": 0.0, "t": 0.5, "alpha": 0.5}, 2)
    assert r.status == "not expressible" and r.W is None and "distance_ratio" in r.message
    assert not r.success and r.looseness is None


def test_an_inaccurate_solve_is_never_a_reference(monkeypatch, tmp_path):
    from monoverify.theory.pep import solve

    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path))        # no cached value can answer
    monkeypatch.setattr(solve, "_run_solver", lambda *a, **k: (0.5, "optimal_inaccurate", 0.5, None, ""))
    r = R.reference(THEOREMS["la-eg.monotone"], {"c": 0.0, "t": 0.9, "lam": 0.5, "tau": 1}, 2)
    assert r.status == "inaccurate" and r.W is None and not r.success


def test_strength_reports_empirical_W_and_bound():
    th = THEOREMS["pp.last_iterate"]
    from monoverify.theory.judge.adversary import attack

    cell = {"c": 0.2, "t": 1.0}
    a = attack(th, cell, 4, quick=True)
    s = R.strength(th, [cell], (4,), [a])
    row = s["rows"][0]
    assert row["empirical"] == a.measured and row["W"] > 0
    assert s["empirical_over_W"] == pytest.approx(a.measured / row["W"])
    assert s["bound_over_W"] == pytest.approx(row["bound"] / row["W"]) and s["bound_over_W"] >= 1
