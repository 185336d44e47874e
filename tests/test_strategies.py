"""The hypothesis strategies: exact constants (checked by brute force), admissible parameters, shrinking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import monoverify.theory.plugin  # noqa: F401  (profiles)
from monoverify.theory import THEOREMS
from monoverify.theory.strategies import (bilinear_games, comonotone_operators, constrained_operators, givens_product, supports,
                                          start_points, theorem_parameters)

CI = settings(settings.get_profile("monoverify-ci"), max_examples=15)


def brute_force_rho(M: np.ndarray, seed: int = 0) -> float:
    """inf <Mz, z>/||Mz||^2 by dense sampling of the sphere, then local refinement (independent of linear_constants)."""
    rng = np.random.default_rng(seed)
    n = M.shape[0]

    def q(z):
        Mz = M @ z
        return float(Mz @ z / (Mz @ Mz))

    Z = rng.standard_normal((20000, n))
    MZ = Z @ M.T
    vals = np.einsum("ij,ij->i", MZ, Z) / np.einsum("ij,ij->i", MZ, MZ)
    best = [Z[i] for i in np.argsort(vals)[:5]]
    return min(min(vals), *(minimize(q, z, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14,
                                                                          "maxiter": 20000}).fun for z in best))


@CI
@given(op=comonotone_operators(max_dim=5))
def test_constants_match_brute_force(op):
    M = op.matrix
    assert np.linalg.norm(M, 2) == pytest.approx(float(op.L), rel=1e-12)
    rho_bf = brute_force_rho(M)
    rho = float(op.rho)
    assert rho_bf >= rho - 1e-9           # no z beats the exact infimum
    assert rho_bf == pytest.approx(rho, abs=1e-6)   # and it is attained


@CI
@given(op=comonotone_operators(rho=st.sampled_from([-0.5, 0.0, 0.3]), L=st.sampled_from([1.0, 3.0]), dim=4))
def test_fixed_and_strategy_constants(op):
    assert op.dim == 4 and float(op.L) in (1.0, 3.0) and float(op.rho) in (-0.5, 0.0, 0.3)
    assert np.linalg.norm(op.matrix, 2) == pytest.approx(float(op.L), rel=1e-12)
    assert brute_force_rho(op.matrix) == pytest.approx(float(op.rho), abs=1e-6)


def test_givens_product_is_orthogonal():
    Q = givens_product(4, [0.3, 1.0, 0.0, 2.0, -1.0, 0.5])
    assert np.allclose(Q @ Q.T, np.eye(4))
    assert np.array_equal(givens_product(3, [0.0, 0.0, 0.0]), np.eye(3))


@CI
@given(op=bilinear_games())
def test_bilinear_games(op):
    assert float(op.rho) == 0
    n = op.matrix.shape[0]
    assert np.allclose(op.matrix, -op.matrix.T)
    assert np.linalg.norm(op.matrix, 2) == pytest.approx(float(op.L), rel=1e-12)
    assert n == len(op.solution)


@CI
@given(op=constrained_operators())
def test_constrained_operators_contain_the_solution(op):
    z = np.zeros(op.dim)
    assert bool(op.constraint.contains(z)) and np.array_equal(op.solution, z)
    assert np.allclose(op.F(z), 0)


@CI
@given(z=start_points(4))
def test_start_points(z):
    assert z.shape == (4,) and np.linalg.norm(z) > 0 and np.all(np.isfinite(z))


TIDS = sorted(tid for tid, th in THEOREMS.items() if supports(tid))   # not the mu/beta theorems of issue 25


@pytest.mark.parametrize("tid", TIDS)
def test_theorem_parameters_satisfy_the_hypotheses(tid):
    th = THEOREMS[tid]

    @settings(CI, max_examples=10)
    @given(p=theorem_parameters(tid))
    def prop(p):
        vals = dict(p)
        for name, e in th.derived.items():   # e.g. tau = 2 (constants only here)
            if not e.free_symbols:
                vals[name] = int(e)
        needed = {s.name for s in th.hypotheses.free_symbols}
        if needed <= set(vals):
            assert th.admits(**{k: v for k, v in vals.items() if k in needed}), (tid, p)
        assert abs(p["rho"] * p["L"]) <= 1 + 1e-12   # a comonotone operator with these constants exists

    prop()


def test_shrinking_gives_small_operators():
    op = find(comonotone_operators(), lambda op: op.dim >= 3)
    assert op.dim == 3
    assert all(a == 0.0 for a in op.givens_angles)     # no conjugation: a plain block-diagonal matrix
    assert float(op.L) == 1.0 and float(op.rho) == 0.0
    op = find(comonotone_operators(), lambda op: float(op.rho) < 0)
    assert op.dim == 2 and float(op.L) == 1.0 and float(op.rho) == -0.1


def test_shrinking_gives_simple_parameters():
    p = find(theorem_parameters("eg+.best_iterate"), lambda p: p["alpha"] < 0.3)
    assert p["alpha"] in (0.25, 0.1) and p["rho"] == 0.0 and p["L"] == 1.0 and p["gamma"] == 0.5
    p = find(theorem_parameters("pp.last_iterate"), lambda p: p["rho"] < 0)
    assert p == {"rho": -0.1, "L": 1.0, "gamma": 0.5}


def test_one_normalised_to_absolute_conversion():
    """The strategies' draws and the prover's registry cells convert as the judge's cells.absolute does:
    rho = -c/L, gamma = t/L, lam, alpha, tau unchanged (values worked out by hand below)."""
    from fractions import Fraction

    from monoverify.theory.judge.cells import absolute, normalise
    from monoverify.theory.prove.cache import cell_params
    from monoverify.theory.strategies import _to_params

    p = _to_params({"c": 0.2, "L": 2.0, "t": 0.9, "lam": 0.5, "alpha": 0.25, "tau": 3}, {})
    assert p == {"rho": -0.1, "L": 2.0, "gamma": 0.45, "lam": 0.5, "alpha": 0.25, "tau": 3}
    assert _to_params({"c": 0.0, "L": 1.0, "t": 0.5, "lam": 0.1, "alpha": 1.0, "tau": 1}, {"gamma": 0.3})["gamma"] == 0.3
    v = absolute(THEOREMS["pp.last_iterate"], {"t": 0.9, "lam": 0.5}, rho=-0.1, L=2.0, D0=1.0)
    assert (v["rho"], v["gamma"], v["lam"]) == (p["rho"], p["gamma"], p["lam"])
    assert normalise(v)["c"] == pytest.approx(0.2) and normalise(v)["t"] == pytest.approx(0.9)
    # the prover's exact form of the same cell: rho = -1/10, gamma = 9/20 (and 7/30, which has no float, exactly)
    q = cell_params({"c": 0.2, "t": 0.9, "lam": 0.5}, L=2)
    assert (q["rho"], q["gamma"], q["L"], q["lam"]) == (Fraction(-1, 10), Fraction(9, 20), 2, 0.5)
    assert float(q["gamma"]) == v["gamma"] and float(q["rho"]) == v["rho"]
    assert cell_params({"t": "7/10"}, L=3)["gamma"] == Fraction(7, 30)
