"""Cells sampled from the hypothesis region: boundaries of every conjunct, reproducible, and a widened
hypothesis brings in cells that fail."""

from __future__ import annotations

import dataclasses
import itertools

import sympy as sp

from monoverify.theory import THEOREMS, check
from monoverify.theory.judge.sampling import boundary_points, sample
from monoverify.theory.theorems import gamma, rho


def test_every_sampled_cell_is_admitted_and_sampling_is_reproducible():
    th = THEOREMS["eg+.best_iterate"]
    grid = [dict(zip(th.grid, combo)) for combo in itertools.product(*th.grid.values())]
    a, b = sample(th, quick=True, seed=3), sample(th, quick=True, seed=3)
    assert a == b and [c.norm for c in a[:len(grid)]] == grid   # the grid seeds come first, unchanged
    new = a[len(grid):]
    assert len(new) >= 5
    for cell in new:
        assert th.admits(rho=-cell["c"], L=1, gamma=cell["t"], alpha=cell["alpha"]), cell
    assert sample(th, quick=True, seed=4) != a


def test_cells_next_to_every_boundary_of_pp_hypothesis():
    # pp.last_iterate: rho > -gamma/2, i.e. c < t/2 in normalised units
    cells = sample(THEOREMS["pp.last_iterate"], quick=False)
    gaps = sorted(0.5 - c["c"] / c["t"] for c in cells if c["t"] > 0)
    assert gaps[0] > 0                       # inside
    assert gaps[0] < 1e-3                    # at relative distance ~1e-3 of the boundary
    assert any(1e-3 < g < 0.1 for g in gaps)


def test_boundary_points_lie_at_the_requested_relative_distances():
    th = THEOREMS["relaxed-pp.last_iterate"]            # conjunct lam < 1
    part = [p for p in sp.sympify(th.hypotheses).args if str(p) == "lam < 1"][0]
    pts = boundary_points(part, th, {"c": 0.2, "t": 1.0, "lam": 0.5, "K": 10}, "lam", (1e-3, 1e-2, 1e-1))
    assert [round(p["lam"], 9) for p in pts] == [0.999, 0.99, 0.9]
    outside = boundary_points(part, th, {"c": 0.2, "t": 1.0, "lam": 0.5, "K": 10}, "lam", (1e-2,), inside=False)
    assert [round(p["lam"], 9) for p in outside] == [1.01]


def test_region_condition_is_sampled_on_both_sides():
    th = THEOREMS["ogda.bilinear"]                      # converges iff t < 1/sqrt(3)
    ts = [c["t"] for c in sample(th, quick=True)]
    edge = 1 / 3 ** 0.5
    assert any(edge * (1 - 2e-3) < t < edge for t in ts)
    assert any(edge < t < edge * (1 + 2e-3) for t in ts)


def test_widened_pp_hypothesis_is_killed_by_sampled_cells():
    # issue 17: pp.last_iterate with its hypothesis widened to rho > -gamma survived the bare grid
    wrong = dataclasses.replace(THEOREMS["pp.last_iterate"], id="pp.wide", hypotheses=sp.And(rho > -gamma))
    assert check(wrong, quick=True, sampled=False, adversarial=False, escalate=False).verdict == "holds"   # the old blind spot
    r = check(wrong, quick=True)
    assert r.verdict == "violated"
    assert -r.worst["rho"] > r.worst["gamma"] / 2      # a cell the widened hypothesis added
