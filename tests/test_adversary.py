"""The adversarial search: real operators with exact constants inside the class, reproducible, and
close to the certified worst case where the PEP is exact."""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.solvers import make
from monoverify.theory import THEOREMS
from monoverify.theory.judge.adversary import attack, block_matrix
from monoverify.theory.pep import worst_case


def test_best_instance_is_a_member_of_the_class_with_exact_constants():
    a = attack(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, 4, quick=True)
    op = a.operator
    assert float(op.rho) >= -0.2 - 1e-12                  # rho_j >= rho for every block
    assert a.success and a.ratio > 0
    # the reported measurement is reproduced by running the method on the returned instance
    from monoverify.solvers import run

    r = run(make("pp", gamma=1.0), op, a.z0, iters=4)
    assert np.isclose(r.history.residual[-1] ** 2, a.measured, rtol=1e-9)


def test_search_is_reproducible_for_a_seed():
    th = THEOREMS["relaxed-pp.last_iterate"]
    a = attack(th, {"c": 0.3, "t": 1.0, "lam": 0.5}, 2, quick=True, seed=7)
    b = attack(th, {"c": 0.3, "t": 1.0, "lam": 0.5}, 2, quick=True, seed=7)
    assert a.ratio == b.ratio and a.blocks == b.blocks


def test_reaches_the_exact_pep_worst_case_of_proximal_point():
    # set-valued rho-comonotone class: the PEP is exact (SPEC R35), an independent computation
    for K in (1, 4):
        W = worst_case(make("pp", gamma=1.0), -0.2, None, K, "operator").value
        a = attack(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, K, quick=True)
        assert 0.9 * W <= a.measured <= W * (1 + 1e-6), (K, a.measured, W)


def test_two_block_mixtures_for_best_iterate_and_constants_of_the_blocks():
    M = block_matrix(np.array([[2.0, -0.1], [1.0, 0.5]]))
    ev = np.linalg.eigvals(M)
    assert np.allclose(sorted(np.abs(ev)), [1, 1, 2, 2])
    a = attack(THEOREMS["eg+.best_iterate"], {"c": 0.0, "t": 0.6, "alpha": 1.0}, 4, quick=True)
    assert len(a.weights) in (1, 2) and abs(sum(a.weights) - 1) < 1e-12
    assert float(a.operator.L) <= 1 + 1e-12 and float(a.operator.rho) >= -1e-12


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        attack(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, 0)
    with pytest.raises(ValueError, match="rate theorem"):
        attack(THEOREMS["ogda.bilinear"], {"t": 0.3}, 4)
