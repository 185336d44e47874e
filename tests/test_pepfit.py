"""Linear maps fitted to PEP worst cases (issue #17): in the class by exact constants, attaining W where
the worst case is linear; the general linear adversary; the PEP's stored evaluations."""

from __future__ import annotations

import json

import numpy as np
import pytest

from monoverify.operators.matrices import linear_constants
from monoverify.solvers import make
from monoverify.theory import THEOREMS
from monoverify.theory import pep
from monoverify.theory.judge import pepfit
from monoverify.theory.judge.linear_adversary import attack_linear, class_map
from monoverify.theory.judge.reference import reference, strength


def _exact(M):
    c = linear_constants(np.asarray(M, float))
    return float(c.L.value), float(c.rho.value)


def test_pep_stores_the_worst_case_evaluations_of_F():
    # SPEC R34: EG+ at gamma = 1/L has worst case ||F z_1||^2 = L^2 (= 1)
    r = pep.worst_case(make("eg+", gamma=1.0, alpha=0.5), rho=-0.1, L=1.0, n_iter=1, cache=False)
    assert r.status == "optimal" and r.value == pytest.approx(1.0, rel=1e-5)
    X = np.array([p[0] for p in r.points])
    G = np.array([p[1] for p in r.points])
    xs = np.asarray(r.solution)
    i_star = int(np.argmin(np.linalg.norm(X - xs, axis=1)))
    assert np.linalg.norm(X[i_star] - xs) < 1e-9 and np.linalg.norm(G[i_star]) < 1e-9   # the pair (z*, 0)
    i_last = int(np.argmin(np.linalg.norm(X - np.asarray(r.iterates[-1]), axis=1)))
    assert G[i_last] @ G[i_last] == pytest.approx(r.value, rel=1e-4)                     # the metric
    for i in range(len(X)):                       # the class inequalities on every pair, to solver tolerance
        for j in range(len(X)):
            dx, dg = X[i] - X[j], G[i] - G[j]
            assert dg @ dx - (-0.1) * (dg @ dg) >= -1e-6
            assert dg @ dg <= dx @ dx + 1e-6


def test_cache_entries_without_evaluations_are_solved_again(monkeypatch, tmp_path):
    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path))
    m = make("pp", gamma=1.0)
    a = pep.worst_case(m, rho=0.0, L=None, n_iter=1)
    (path,) = list(pep.cache_dir().glob("*.json"))
    d = json.loads(path.read_text())
    d.pop("points")
    path.write_text(json.dumps(d))
    b = pep.worst_case(m, rho=0.0, L=None, n_iter=1)
    assert not b.cached and b.points is not None and b.value == pytest.approx(a.value)
    assert pep.worst_case(m, rho=0.0, L=None, n_iter=1).cached


@pytest.mark.parametrize("K", [2, 4])
def test_proximal_point_worst_case_is_a_linear_map_of_the_class(K):
    # (K = 1: the worst case is set-valued, F z* = {0, z0 - z*}, a limit of linear maps, not one)
    th = THEOREMS["pp.last_iterate"]
    cell = {"c": 0.2, "t": 1.0}
    f = pepfit.fit(th, cell, K)
    assert f.success and f.residual < 1e-3
    L, rho = _exact(f.matrix)                      # constants recomputed from the matrix, not taken from the fit
    assert rho >= -0.2 and np.isfinite(L)
    c = pepfit.run_candidate(th, cell, K, f)
    W = reference(th, cell, K).W                   # the exact PEP (set-valued class: interpolation, SPEC R35)
    assert c.success and 0.999 * W <= c.measured <= W * (1 + 1e-4)


def test_cohypomonotone_fit_reaches_W_with_a_non_normal_map():
    th = THEOREMS["relaxed-pp.last_iterate"]
    cell = {"c": 0.3, "t": 1.0, "lam": 0.5}
    f = pepfit.fit(th, cell, 4)
    assert f.success and f.residual < 1e-3 and f.nonnormality > 1e-2   # no rotation-scaling block map
    _, rho = _exact(f.matrix)
    assert rho >= -0.3                                                  # rho = -c/L, L = 1
    W = reference(th, cell, 4).W
    c = pepfit.run_candidate(th, cell, 4, f)
    assert c.success and 0.99 * W <= c.measured <= W * (1 + 1e-4)
    s = strength(th, [cell], (4,), [c])
    assert s["rows"][0]["pep_fit_residual"] == f.residual and s["rows"][0]["pep_fit_over_W"] >= 0.99


def test_normal_only_class_gets_seeds_not_the_non_normal_map():
    th = THEOREMS["lookahead.cycling_base"]
    assert th.normal_only
    cell = {"L": 1.0, "c": 0.0, "t": 1.0, "lam": 0.5, "tau": 1}
    f = pepfit.fit(th, cell, 4, max_rank=12)
    cands, seeds = pepfit.candidates(th, [cell], (4,), quick=True)
    assert f.success and f.nonnormality > 1e-3 and cands == []
    assert seeds[(0, 4)] and all(Lj <= 1.0 + 1e-12 for Lj, _ in seeds[(0, 4)])


def test_fit_is_cached_and_the_cost_guard_is_the_same_warm_or_cold(monkeypatch, tmp_path):
    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path))
    th = THEOREMS["pp.last_iterate"]
    cell = {"c": 0.2, "t": 1.0}
    a = pepfit.fit(th, cell, 2)
    assert list((tmp_path / "pepfit").glob("*.json"))
    b = pepfit.fit(th, cell, 2)
    assert b.matrix == a.matrix and b.residual == a.residual
    assert pepfit.fit(th, cell, 2, max_rank=a.rank - 1).status == "skipped"


def test_linear_adversary_finds_a_member_of_the_class():
    th = THEOREMS["pp.last_iterate"]
    cell = {"c": 0.2, "t": 1.0}
    c = attack_linear(th, cell, 2, dim=2, quick=True, seed=1)
    assert c.success
    L, rho = _exact(c.fit.matrix)
    assert rho >= -0.2
    W = reference(th, cell, 2).W
    assert 0.9 * W <= c.measured <= W * (1 + 1e-4)      # the PP worst case at K = 2 is a 2-dim linear map


@pytest.mark.parametrize("rho", [-0.3, 0.0, 0.5])
def test_class_map_lands_in_the_class(rho):
    rng = np.random.default_rng(0)
    for _ in range(20):
        M = class_map(rng.uniform(-1, 1, (3, 3)), rho, 1.0)
        if M is None:
            continue
        L, r = _exact(M)
        assert L <= 1.0 + 1e-9 and r >= rho - 1e-9


def test_linear_adversary_bad_input_names_the_parameter():
    th = THEOREMS["pp.last_iterate"]
    with pytest.raises(ValueError, match="dim"):
        attack_linear(th, {"c": 0.2, "t": 1.0}, 2, dim=5)
    with pytest.raises(ValueError, match="K"):
        attack_linear(th, {"c": 0.2, "t": 1.0}, 0)
