"""SPEC R32: the mini-batch schedule, the stochastic oracle that follows it through the runner, the
registry entry ``rapp-stochastic.minibatch`` (holds; wrong variants violated) and ``check(..., sigma=)``.

Expected values come from closed forms (harmonic sums, ``sum_k b_k``) and from an independent
computation of the exact expectation (mean and covariance propagated through RAPP's affine
recursion on a linear map), never from the code under test.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from monoverify.cli import main
from monoverify.errors import InvalidValue, UnusedOption
from monoverify.operators import LowerBoundGame
from monoverify.solvers import MiniBatch, Oracle, StochasticOracle, make, run
from monoverify.theory import THEOREMS, check
from monoverify.theory import metrics as Mx
from monoverify.theory.stochastic import SAMPLERS, kappa

TID = "rapp-stochastic.minibatch"


def _one_cell(**over):
    th = THEOREMS[TID]
    grid = {"c": (0.35,), "t": (0.8,), "lam": (0.3,), "sigma": (1.0,), "K": (30,)}
    return dataclasses.replace(th, grid={**grid, **over})


# ------------------------------------------------------------------------------------------
# the schedule
# ------------------------------------------------------------------------------------------
def test_minibatch_sizes_and_sums_closed_form():
    s = MiniBatch(1, 1)
    assert s.sizes(5).tolist() == [1, 2, 3, 4, 5]
    assert s.inverse_sum(30) == pytest.approx(sum(1 / k for k in range(1, 31)), rel=1e-14)   # H_30
    assert s.inverse_sum(30) <= 1 + np.log(30)                                                # the bound's H_K <= 1 + ln K
    assert s.samples(10, calls_per_step=7) == 7 * 55
    assert MiniBatch(3, 0).sizes(4).tolist() == [3, 3, 3, 3]
    assert MiniBatch(2, 2).sizes(4).tolist() == [2, 8, 18, 32]
    assert MiniBatch(1, 0.5).sizes(4).tolist() == [1, 2, 2, 2]          # ceil(sqrt(k + 1))


@pytest.mark.parametrize("kw,needle", [({"b0": 0}, "b0 must be an integer >= 1, got b0=0"),
                                       ({"b0": 1.5}, "b0 must be an integer >= 1"),
                                       ({"power": -1.0}, "power must be a number in [0, 8], got power=-1.0"),
                                       ({"power": "1"}, "power must be a number in [0, 8]"),
                                       ({"power": float("nan")}, "power must be a number in [0, 8]")])
def test_minibatch_bad_input_names_parameter_value_and_range(kw, needle):
    with pytest.raises(InvalidValue) as exc:
        MiniBatch(**kw)
    assert needle in str(exc.value)


def test_oracle_batch_size_accepts_int_or_schedule_and_refuses_others():
    op = LowerBoundGame(-0.1, 1.0)
    assert StochasticOracle(op, 1.0, batch_size=4).batch_size == 4
    with pytest.raises(InvalidValue, match="batch_size must be an integer >= 1 or a MiniBatch schedule, got batch_size=0"):
        StochasticOracle(op, 1.0, batch_size=0)
    o = StochasticOracle(op, 1.0, batch_size=MiniBatch(2, 1))
    with pytest.raises(InvalidValue, match="k must be an integer >= 0"):
        o.outer_step(-1)


@pytest.mark.parametrize("k", [0, 3])
def test_noise_variance_follows_the_schedule(k):
    op = LowerBoundGame(-0.2, 1.0)
    sigma, N = 0.8, 200_000
    o = StochasticOracle(op, sigma=sigma, batch_size=MiniBatch(1, 1), seed=5)
    o.outer_step(k)
    z = np.broadcast_to(np.array([0.3, -1.0]), (N, 2))
    xi = o.F(z) - op.F(np.array([0.3, -1.0]))
    sq = np.sum(xi * xi, axis=1)
    se = sq.std(ddof=1) / np.sqrt(N)
    assert abs(sq.mean() - sigma ** 2 / (k + 1)) <= 6 * se and se < 0.01 * sigma ** 2 / (k + 1)
    assert o.n_samples == (k + 1) * N                       # b_k samples per call and instance


class _Recording(Oracle):
    def __init__(self, op):
        super().__init__(op)
        self.seen = []

    def outer_step(self, k):
        self.seen.append(k)


def test_runner_advances_the_schedule_once_per_outer_step():
    op = LowerBoundGame(-0.2, 1.0)
    rec = _Recording(op)
    run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, np.ones(2), iters=6, oracle=rec)
    assert rec.seen == [0, 0, 1, 2, 3, 4, 5]                 # before start, then before outer step k
    o = StochasticOracle(op, 0.3, batch_size=MiniBatch(1, 1), seed=1)
    run(make("rapp", gamma=0.5, lam=0.5, tau=3), op, np.ones((4, 2)), iters=6, oracle=o)
    assert o.n_samples == 4 * 3 * sum(range(1, 7))          # rows x tau x sum_{k<6} (k + 1)


def test_schedule_run_is_rapp_unchanged_and_reproducible():
    op = LowerBoundGame(-0.2, 1.0)
    m = make("rapp", gamma=0.5, lam=0.5, tau=3)
    z0 = np.ones((3, 2))
    r0 = run(m, op, z0, iters=15, oracle=StochasticOracle(op, 0.0, batch_size=MiniBatch(1, 1)))
    assert np.array_equal(r0.z, run(m, op, z0, iters=15).z)  # sigma = 0: the deterministic RAPP, bit for bit
    runs = [run(m, op, z0, iters=15, oracle=StochasticOracle(op, 0.5, batch_size=MiniBatch(1, 1), seed=9),
                compiled=c) for c in (True, False)]
    assert runs[0].path == "compiled" and np.array_equal(runs[0].z, runs[1].z)


# ------------------------------------------------------------------------------------------
# the registry entry
# ------------------------------------------------------------------------------------------
def test_entry_is_registered_with_its_tags_and_metric():
    th = THEOREMS[TID]
    assert th.provenance == "derived" and th.statement_provenance == "reconstruction"   # SPEC R32's tag
    assert th.schedule == (1, 1) and th.method == "rapp" and th.kind == "property"
    m = th.metric
    assert m in Mx.EXPECTED_METRICS and m in Mx.RUN_METRICS and m not in Mx.PEP_METRICS
    assert "R32" in th.source


def _exact_mean(op, z0, gamma, lam, tau, sigma, sched, K):
    """(1/K) sum_{k<K} E||z^k - J z^k||^2 by propagating mean and covariance (independent of the runner)."""
    M = op.matrix
    d = M.shape[0]
    I = np.eye(d)
    P = -gamma * M
    powers = [np.linalg.matrix_power(P, j) for j in range(tau + 1)]
    G = (1 - lam) * I + lam * sum(powers)
    Q = sum(p @ p.T for p in powers[:tau])
    R = I - np.linalg.inv(I + gamma * M)
    m, S, tot = np.asarray(z0, float), np.zeros((d, d)), 0.0
    for k in range(K):
        tot += float(np.sum((R @ m) ** 2) + np.trace(R @ S @ R.T))
        m, S = G @ m, G @ S @ G.T + lam ** 2 * gamma ** 2 * sigma ** 2 / (sched.size(k) * d) * Q
    return tot / K


def test_sampler_mean_lies_in_the_confidence_band_of_the_exact_expectation():
    th = _one_cell()
    from monoverify.theory.judge.battery import battery

    (inst, cells), = battery(th, quick=True, sampled=False)
    op, z0 = inst.operator(), inst.start()
    n = 1000
    (vals, ks, means, bnds), = SAMPLERS[th.metric](th, op, z0, cells, n, 0)
    k_up, k_lo = kappa(n)
    for k, mean in zip(ks, means):
        ex = _exact_mean(op, z0, vals["gamma"], vals["lam"], int(vals["tau"]), 1.0, MiniBatch(1, 1), int(k))
        assert mean / (1 + k_up) <= ex <= mean / (1 - k_lo), (k, mean, ex)
        assert abs(mean / ex - 1) < 0.1                        # and close: 1000 paths
    assert vals["oracle_samples"] == int(vals["tau"]) * sum(range(1, 30))   # sum_{k<K-1} tau b_k


def test_entry_holds_tight_near_the_boundary():
    r = check(_one_cell(), quick=True, sampled=False)
    assert r.verdict == "holds" and r.worst_ratio <= 1 and r.worst["samples"] == 1000
    assert r.worst["mean_ratio"] > 0.6            # c/t = 0.4375 (rho -> -gamma/2 is the tight limit)
    assert any("seeded samples" in n for n in r.notes)


def test_wrong_variant_bound_over_4_is_violated():
    th = _one_cell()
    assert check(dataclasses.replace(th, bound=th.bound / 4), quick=True, sampled=False).verdict == "violated"


def test_wrong_variant_constant_batch_is_violated():
    th = _one_cell()
    assert check(dataclasses.replace(th, schedule=(1, 0)), quick=True, sampled=False).verdict == "violated"


def test_wrong_variant_batch_growing_like_sqrt_k_is_violated():
    th = _one_cell(K=(100,), c=(0.39,))           # c/t = 0.4875: near rho = -gamma/2, where the bound is tight
    r = check(dataclasses.replace(th, schedule=(1, 0.5)), quick=True, sampled=False)
    assert r.verdict == "violated" and r.worst_ratio > 1    # lower confidence limit above the bound
    ok = check(th, quick=True, sampled=False)                # the same cell with b_k = k + 1
    assert ok.verdict == "holds" and ok.worst["mean_ratio"] > 0.8


def test_wrong_variant_lam_up_to_1_2_is_violated():
    # lam >= 1/(1 + t^{2 tau}) makes the bound's denominator <= 0: a bound <= 0 is exceeded by any residual
    import sympy as sp

    from monoverify.theory.theorems import L, gamma, lam, rho
    th = _one_cell(c=(0.0,), t=(0.5,), lam=(1.2,))
    wide = dataclasses.replace(th, hypotheses=sp.And(gamma > 0, gamma * L < 1, rho > -gamma / 2, lam > 0, lam < 1.3))
    assert check(wide, quick=True, sampled=False).verdict == "violated"


def test_entry_holds_on_non_normal_maps():
    # the derivation needs only ||M|| <= L and rho > -gamma/2: a non-rotation instance family
    th = dataclasses.replace(_one_cell(c=(0.0,), t=(0.5, 0.8), K=(20,)), family=("nonnormal_small",))
    r = check(th, quick=True, sampled=False)
    # the two grid cells, each also on its copies rescaled over decades (L to 1e3 and 1e-2, z* != 0)
    assert r.verdict == "holds" and r.n_judged == 6 and 0 < r.worst_ratio < 1
    assert sum(c["params"]["origin"] == "grid" for c in r.curves) == 2
    assert r.worst["instance"].startswith("random_nonnormal(dim=6")


def test_check_is_reproducible():
    a, b = check(_one_cell(K=(8,)), quick=True, sampled=False), check(_one_cell(K=(8,)), quick=True, sampled=False)
    assert a.worst_ratio == b.worst_ratio


# ------------------------------------------------------------------------------------------
# sigma from check and the CLI
# ------------------------------------------------------------------------------------------
def test_check_sigma_pins_the_noise_level_and_keeps_the_sampled_battery():
    th = _one_cell(K=(8,))
    r = check(th, quick=True, sigma=0.25)
    assert r.worst["sigma"] == 0.25 and r.verdict == "holds"
    # sigma has the units of F (L times a distance): 0.25 at unit scale, 0.25 L ||z0 - z*|| on the rescaled copies
    assert all(c["params"]["sigma"] == pytest.approx(0.25 * c["params"]["L"] * math.sqrt(c["params"]["D0"]), rel=1e-9)
               for c in r.curves)
    assert any(c["params"]["L"] != 1 for c in r.curves)
    free = check(th, quick=True)                  # grid sigma = 1: the same cells, boundary samples included
    assert r.n_cells == free.n_cells > 1
    assert check(th, quick=True, sigma=0.25, lam=0.3).n_cells == 1   # pinning a cell parameter: the bare grid


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1", True])
def test_check_sigma_bad_values_name_the_range(bad):
    with pytest.raises(InvalidValue) as exc:
        check(TID, quick=True, sigma=bad)
    assert f"sigma must be a finite number in (0, inf), got sigma={bad!r}" in str(exc.value)


def test_check_sigma_refused_where_unused():
    with pytest.raises(UnusedOption, match="does not use parameter"):
        check("pp.last_iterate", quick=True, sigma=1.0)


def test_cli_check_sigma(capsys):
    assert main(["check", "inner-loop.stochastic_floor", "--quick", "--sigma", "0.5", "--K", "2", "--rho", "0",
                 "--gamma", "0.5", "--no-progress"]) == 0
    assert "sigma': 0.5" in capsys.readouterr().out
    assert main(["check", TID, "--sigma", "-1", "--no-progress"]) == 2
    assert "sigma must be a finite number in (0, inf), got sigma=-1.0" in capsys.readouterr().err


def test_theorem_schedule_is_validated():
    with pytest.raises(InvalidValue, match="power must be a number in"):
        dataclasses.replace(THEOREMS[TID], schedule=(1, -2.0))
    assert THEOREMS[TID].describe()["schedule"] == [1, 1]
