"""Tests of ``monoverify.theory.pep`` (SPEC §7, R5, R34, R35, §8 item 22).

Expected values come from SPEC §7, from the theoretical values that PEPit's examples publish
(cited at each test), or from closed forms — never from the code under test. Relative
tolerance 1e-3, as in PEPit's own tests (``tests/test_examples.py``: ``relative_precision = 10 ** -3``).
"""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, ClassVar

import numpy as np
import pytest

from monoverify.operators import Box, LowerBoundGame, random_comonotone
from monoverify.solvers import Lookahead, make, run
from monoverify.solvers.base import Method
from monoverify.theory import pep
from monoverify.theory.pep import (
    ComonotoneLipschitzOperator,
    PEPNotRepresentable,
    PEPResult,
    linear_lower_bound,
    sandwich,
    worst_case,
    worst_case_many,
)

REL = 1e-3


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache directory (never the user's ~/.cache)."""
    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path / "cache"))
    yield


def close(a: float, b: float, rel: float = REL) -> bool:
    return abs(a - b) <= rel * abs(b)


# ------------------------------------------------------------------------------------------------
# methods written for the tests only: PEPit's published examples, through the same protocol
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Halpern(Method):
    """Halpern iteration on N = id - F: x_{k+1} = x0/(k+2) + (1 - 1/(k+2)) N x_k."""

    hyper_fields: ClassVar = ()

    def init(self, z0, oracle):
        return {"z": z0, "anchor": z0, "k": 0}

    def step(self, s, oracle):
        z, k = s["z"], s["k"]
        beta = 1.0 / (k + 2)
        return {"z": beta * s["anchor"] + (1 - beta) * (z - oracle.F(z)), "anchor": s["anchor"], "k": k + 1}


@dataclasses.dataclass(frozen=True)
class AcceleratedPP(Method):
    """Kim's accelerated proximal point, as in PEPit's example (x_0 = y_0 = y_{-1}):
    x_{i+1} = J_{alpha A}(y_{i+1}), y_{i+2} = x_{i+1} + i/(i+2)(x_{i+1} - x_i) - i/(i+2)(x_i - y_i)."""

    alpha: Any
    hyper_fields: ClassVar = ("alpha",)

    def init(self, z0, oracle):
        return {"z": z0, "y": z0, "y_old": z0, "i": 0}

    def step(self, s, oracle):
        i, x = s["i"], s["z"]
        x_new = oracle.resolvent(s["y"], self.alpha)
        c = i / (i + 2)
        y_new = x_new + c * (x_new - x) - c * (x - s["y_old"])
        return {"z": x_new, "y": y_new, "y_old": s["y"], "i": i + 1}


@dataclasses.dataclass(frozen=True)
class OptimisticPEPit(Method):
    """The optimistic gradient method of PEPit's example (constrained form)."""

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)

    def init(self, z0, oracle):
        x = oracle.prox(z0, self.gamma)
        return {"z": x, "x": x, "V": oracle.F(x)}

    def step(self, s, oracle):
        xt = oracle.prox(s["x"] - self.gamma * s["V"], self.gamma)
        V = oracle.F(xt)
        return {"z": xt, "x": xt + self.gamma * (s["V"] - V), "V": V}


@dataclasses.dataclass(frozen=True)
class PastEGPEPit(Method):
    """The past extragradient method of PEPit's example (constrained form)."""

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)

    def init(self, z0, oracle):
        x = oracle.prox(z0, self.gamma)
        return {"z": x, "V": oracle.F(x)}

    def step(self, s, oracle):
        xt = oracle.prox(s["z"] - self.gamma * s["V"], self.gamma)
        V = oracle.F(xt)
        return {"z": oracle.prox(s["z"] - self.gamma * V, self.gamma), "V": V}


# ------------------------------------------------------------------------------------------------
# the operator class
# ------------------------------------------------------------------------------------------------
def test_constraints_are_data():
    from PEPit import PEP

    names = [c.name for c in ComonotoneLipschitzOperator.PAIRWISE]
    assert names == ["comonotone", "lipschitz", "skew"]
    assert "rho ||g_i - g_j||^2" in ComonotoneLipschitzOperator.PAIRWISE[0].formula
    problem = PEP()
    f1 = problem.declare_function(ComonotoneLipschitzOperator, rho=-0.2)
    f2 = problem.declare_function(ComonotoneLipschitzOperator, rho=-0.2, L=2.0)
    f3 = problem.declare_function(ComonotoneLipschitzOperator, rho=0.0, L=2.0, bilinear=True)
    assert [c.name for c in f1.active_constraints()] == ["comonotone"]
    assert [c.name for c in f2.active_constraints()] == ["comonotone", "lipschitz"]
    assert [c.name for c in f3.active_constraints()] == ["skew"]
    assert f1.reuse_gradient and f2.reuse_gradient
    with pytest.raises(ValueError, match="0-comonotone"):
        ComonotoneLipschitzOperator(rho=0.1, bilinear=True)
    with pytest.raises(ValueError, match="L must be > 0"):
        ComonotoneLipschitzOperator(rho=0.1, L=0.0)


def test_same_as_pepit_negatively_comonotone():
    """Our class with L=None is PEPit's NegativelyComonotoneOperator(rho=-rho) (SPEC §1.3, §7)."""
    from PEPit import PEP
    from PEPit.operators import NegativelyComonotoneOperator
    from PEPit.primitive_steps import proximal_step

    rho, gamma, n = -0.2, 1.0, 3
    problem = PEP()
    A = problem.declare_function(NegativelyComonotoneOperator, rho=-rho)
    xs = A.stationary_point()
    x0 = problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= 1)
    x = x0
    for _ in range(n):
        x, gx, _ = proximal_step(x, A, gamma)
    problem.set_performance_metric(gx ** 2)
    hand = problem.solve(wrapper="cvxpy", solver="CLARABEL", verbose=0)
    ours = worst_case(make("pp", gamma=gamma), rho, None, n)
    assert ours.ok and close(ours.value, hand)


# ------------------------------------------------------------------------------------------------
# PEPit's published theoretical values, for settings our class covers
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha,n", [(2.1, 3), (2.0, 10)])
def test_pepit_proximal_point(alpha, n):
    """PEPit examples/monotone_inclusions_variational_inequalities/proximal_point.py (Gu & Yang 2020,
    SIAM J. Optim. 30(3), Sec. 4): ||x_n - x_{n-1}||^2 <= (1 - 1/n)^(n-1)/n ||x_0 - x*||^2, tight,
    for every step alpha; PEPit's tests use alpha = 2.1, n = 3. Maximally monotone = our rho = 0, L = None."""
    r = worst_case(make("pp", gamma=alpha), 0.0, None, n, "step")
    theory = (1 - 1 / n) ** (n - 1) / n
    assert r.ok and close(r.value, theory)


def test_pepit_accelerated_proximal_point():
    """PEPit examples/monotone_inclusions_variational_inequalities/accelerated_proximal_point.py
    (Kim 2021, Math. Program., Thm. 4.1): ||x_n - y_n||^2 <= 1/n^2 ||x_0 - x*||^2, tight; PEPit's test
    uses alpha = 2.1, n = 10. Here x_n = J(y_n) = y_n - alpha g_n, so ||x_n - y_n||^2 = alpha^2 ||g_n||^2."""
    alpha, n = 2.1, 10
    r = worst_case(AcceleratedPP(alpha), 0.0, None, n, "operator")
    assert r.ok and close(alpha ** 2 * r.value, 1 / n ** 2)


def test_pepit_krasnoselskii_mann():
    """PEPit examples/fixed_point_problems/krasnoselskii_mann_constant_step_sizes.py (Lieder 2018,
    Thm. 4.9): x_{t+1} = (1 - g) x_t + g N x_t with N nonexpansive,
    (1/4)||x_n - N x_n||^2 <= (n/(n+1))^n / ((n+1) 4 g (1 - g)) for 1/2 <= g <= (1 + sqrt(n/(n+1)))/2;
    PEPit's test: n = 10, g = 3/4. N is nonexpansive iff F = id - N is 1/2-cocoercive (rho = 1/2,
    pairwise-equivalent), and KM is GDA with step g on F."""
    n, g = 10, 0.75
    r = worst_case(make("gda", gamma=g), 0.5, None, n, "operator")
    theory = 1 / (n + 1) * (n / (n + 1)) ** n / (4 * g * (1 - g))
    assert r.ok and close(r.value / 4, theory)


def test_pepit_halpern():
    """PEPit examples/fixed_point_problems/halpern_iteration.py (Lieder 2021, Optim. Lett.):
    ||x_n - N x_n||^2 <= (2/(n+1))^2 ||x_0 - x*||^2, tight; PEPit's test: n = 10. F = id - N, rho = 1/2."""
    n = 10
    r = worst_case(Halpern(), 0.5, None, n, "operator")
    assert r.ok and close(r.value, (2 / (n + 1)) ** 2)


@pytest.mark.parametrize("method,published", [(OptimisticPEPit(0.25), 0.0663141), (PastEGPEPit(0.25), 0.0602664)])
def test_pepit_constrained_examples(method, published):
    """PEPit examples/monotone_inclusions_variational_inequalities/{optimistic_gradient,past_extragradient}.py:
    monotone L-Lipschitz F (LipschitzStronglyMonotoneOperatorCheap, mu = 0: the same pairwise constraints as
    our rho = 0, L = 1) plus a ConvexIndicatorFunction, n = 5, gamma = 1/4, metric ||x_n - x_{n-1}||^2; the
    values printed in the examples' docstrings (PEPit, MOSEK): 0.0663141 and 0.0602664."""
    r = worst_case(method, 0.0, 1.0, 5, "step", constraint="convex")
    assert r.ok, r.message
    assert close(r.value, published)


# ------------------------------------------------------------------------------------------------
# SPEC §7 computed values
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_eg_plus_at_one_over_L_is_L_squared(n):
    """SPEC R34 / §7 / §8 item 22: EG+ (alpha = 1/2), gamma = 1/L: worst case L^2 = 1.000000."""
    r = worst_case(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, n)
    assert r.ok and r.relaxation
    assert close(r.value, 1.0)


@pytest.mark.parametrize("n,expected", [(1, 0.900136), (2, 0.815770), (4, 0.674385),
                                        pytest.param(8, 0.457952, marks=pytest.mark.slow)])
def test_eg_plus_half_step(n, expected):
    """SPEC §7: EG+ (alpha = 1/2), gamma = 0.5/L, rho = -0.1, L = 1, metric operator."""
    r = worst_case(make("eg+", gamma=0.5, alpha=0.5), -0.1, 1.0, n)
    assert r.ok and close(r.value, expected)


@pytest.mark.parametrize("n,expected", [(1, 0.999428), (2, 0.998551), (4, 0.989402)])
def test_la_gda(n, expected):
    """SPEC §7: LA-GDA tau = 2 (gamma = 0.5, lambda = 0.25), rho = -0.1, L = 1, metric operator."""
    r = worst_case(make("la-gda", gamma=0.5, lam=0.25, tau=2), -0.1, 1.0, n)
    assert r.ok and close(r.value, expected)


def test_scs_agrees_with_clarabel():
    """SPEC §7: SCS agrees with Clarabel (to 5e-7 at N = 4; checked at 1e-4 here)."""
    m = make("eg+", gamma=0.5, alpha=0.5)
    a = worst_case(m, -0.1, 1.0, 2, solver="CLARABEL")
    b = worst_case(m, -0.1, 1.0, 2, solver="SCS")
    assert a.ok and b.ok and b.solver == "SCS"
    assert close(a.value, b.value, 1e-4)


@pytest.mark.parametrize("name,params,cases", [
    ("eg+", dict(gamma=0.5, alpha=0.5), [(1, 0.889375), (2, 0.790988), (4, 0.625662)]),
    ("la-gda", dict(gamma=0.5, lam=0.25, tau=2), [(1, 0.997031), (2, 0.994071), (4, 0.988178)]),
])
def test_linear_lower_bounds(name, params, cases):
    """SPEC §7 linear lower bounds (sup over rotation-scaling blocks, rho_j >= rho, L_j <= L) and lower <= PEP."""
    m = make(name, **params)
    for n, expected in cases:
        lb = linear_lower_bound(m, -0.1, 1.0, n)
        assert close(lb.value, expected), (n, lb.value, expected)
        assert lb.direction_spread < 1e-10
        assert lb.rho_j >= -0.1 - 1e-12 and 0 < lb.L_j <= 1.0 + 1e-12
        r = worst_case(m, -0.1, 1.0, n)
        assert lb.value <= r.value * (1 + REL)


@pytest.mark.parametrize("rho,gamma", [(-0.5, 2.0), (-0.2, 1.0), (-0.45, 1.0)])
@pytest.mark.parametrize("n", [1, 2, 4, pytest.param(8, marks=pytest.mark.slow)])
def test_proximal_point_sandwich(rho, gamma, n):
    """SPEC §7 / R5 / R35: linear lower bound <= PEP (exact, set-valued class) <= 1/(gamma (gamma + 2 rho) N)."""
    bound = 1 / (gamma * (gamma + 2 * rho) * n)
    s = sandwich(make("pp", gamma=gamma), rho, None, n, "operator", bound=bound)
    assert s.pep.ok and not s.pep.relaxation
    assert not s.upper_inversion and not s.lower_inversion and s.ok, s.message
    assert s.pep.value <= bound * (1 + REL)
    assert s.lower.value <= s.pep.value * (1 + REL)


def test_sandwich_flags_an_inversion():
    """A claimed bound below the PEP value is flagged (EG+ at gamma = 1/L has worst case 1, R34)."""
    s = sandwich(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 1, bound=0.5)
    assert s.upper_inversion and not s.ok and "exceeds the bound" in s.message


@pytest.mark.parametrize("name,params,rho,L,n", [
    ("eg+", dict(gamma=0.5, alpha=0.5), -0.1, 1.0, 2),
    ("la-gda", dict(gamma=0.5, lam=0.25, tau=2), -0.1, 1.0, 2),
    ("rapp", dict(gamma=0.5, lam=0.5, tau=3), -0.1, 1.0, 2),
    ("ogda", dict(gamma=0.3), -0.05, 1.0, 3),
])
def test_pep_above_random_comonotone_runs(name, params, rho, L, n):
    """The PEP value bounds the metric of every member of the class: batched runs on random_comonotone
    maps with the same constants from random unit starts (SPEC §7: any linear map gives a lower bound)."""
    m = make(name, **params)
    r = worst_case(m, rho, L, n)
    assert r.ok
    rng = np.random.default_rng(0)
    worst = 0.0
    for seed in range(4):
        op = random_comonotone(6, rho, L, seed=seed)
        z0 = rng.standard_normal((64, 6))
        z0 /= np.linalg.norm(z0, axis=1, keepdims=True)
        out = run(m, op, z0, iters=n)
        worst = max(worst, float(np.max(np.sum(op.F(out.z) ** 2, axis=1))))
    lb = linear_lower_bound(m, rho, L, n)
    assert worst <= lb.value * (1 + REL) <= r.value * (1 + REL) ** 2


def test_metric_of_rotation_scaling_does_not_depend_on_direction():
    """For a 2x2 rotation-scaling block every iterate is a rotation-scaling of z0, so the metric ratio does
    not depend on the direction of z0 (the claim used by linear_lower_bound), checked on LowerBoundGame."""
    op = LowerBoundGame(-0.1, 1.0)
    th = np.linspace(0, 2 * np.pi, 7)
    z0 = np.stack([np.cos(th), np.sin(th)], axis=1)
    for m in [make("eg+", gamma=0.5, alpha=0.5), make("la-gda", gamma=0.5, lam=0.25, tau=2), make("ogda", gamma=0.3),
              make("pp", gamma=1.0), make("feg", L=1.0, rho=-0.1)]:
        out = run(m, op, z0, iters=3)
        v = np.sum(op.F(out.z) ** 2, axis=1)
        assert np.ptp(v) <= 1e-12 * np.max(v)


def test_pep_distance_and_step_metrics_on_lower_bound_game():
    """Lower bounds for the other metrics: LowerBoundGame (rho, L) belongs to the class."""
    op = LowerBoundGame(-0.1, 1.0)
    m = make("eg+", gamma=0.5, alpha=0.5)
    z0 = np.array([1.0, 0.0])
    z1 = run(m, op, z0, iters=1).z
    z2 = run(m, op, z0, iters=2).z
    d = worst_case(m, -0.1, 1.0, 2, "distance")
    s = worst_case(m, -0.1, 1.0, 2, "step")
    assert d.ok and s.ok
    assert float(np.sum(z2 ** 2)) <= d.value * (1 + REL)
    assert float(np.sum((z2 - z1) ** 2)) <= s.value * (1 + REL)
    assert linear_lower_bound(m, -0.1, 1.0, 2, "distance").value <= d.value * (1 + REL)
    assert linear_lower_bound(m, -0.1, 1.0, 2, "step").value <= s.value * (1 + REL)


@pytest.mark.parametrize("name,params", [("eg+", dict(gamma=0.5, alpha=0.5)), ("gda", dict(gamma=0.3)),
                                         ("ogda", dict(gamma=0.3))])
def test_bilinear_class_is_exact(name, params):
    """Skew-symmetric linear maps are normal: the class worst case is the sup over rotation blocks
    (eigenvalues +- i w, w <= L), which the exact bilinear PEP must reproduce."""
    m = make(name, **params)
    for n in (1, 2):
        r = worst_case(m, 0.0, 1.0, n, bilinear=True)
        lb = linear_lower_bound(m, 0.0, 1.0, n, bilinear=True)
        assert r.ok and not r.relaxation
        assert close(r.value, lb.value), (n, r.value, lb.value)


def test_constrained_is_at_least_unconstrained():
    """'Any closed convex set' contains C = R^n, where the natural residual is ||F z||: the constrained
    worst case cannot be smaller; a Box object and the string 'box' give the same PEP."""
    m = make("eg+", gamma=0.5, alpha=0.5)
    free = worst_case(m, -0.1, 1.0, 2)
    boxed = worst_case(m, -0.1, 1.0, 2, constraint="box")
    assert boxed.ok and boxed.value >= free.value * (1 - REL)
    other = worst_case(m, -0.1, 1.0, 2, constraint=Box(-1.0, 1.0, dim=2))
    assert other.cached and other.value == boxed.value
    reg = worst_case(m, -0.1, 1.0, 2, constraint="l1")
    assert reg.ok and reg.value >= free.value * (1 - REL)


def test_worst_case_iterates():
    """The worst-case Gram matrix and iterates are returned and consistent with the value."""
    r = worst_case(make("pp", gamma=1.0), -0.2, None, 3, "distance")
    assert r.ok and r.gram is not None
    Z = np.asarray(r.iterates)
    zs = np.asarray(r.solution)
    G = np.asarray(r.gram)
    assert Z.shape == (4, G.shape[0]) and np.allclose(G, G.T, atol=1e-8)
    assert np.sum((Z[0] - zs) ** 2) <= 1 + 1e-6
    assert abs(np.sum((Z[-1] - zs) ** 2) - r.value) <= 1e-4 * r.value + 1e-7


# ------------------------------------------------------------------------------------------------
# cache
# ------------------------------------------------------------------------------------------------
def test_cache_returns_same_result_without_solving(tmp_path, monkeypatch):
    from monoverify.theory.pep import solve as pep_solve

    m = make("eg+", gamma=0.5, alpha=0.5)
    a = worst_case(m, -0.1, 1.0, 2)
    assert not a.cached and list(pep.cache_dir().glob("*.json"))

    def no_solve(*args, **kwargs):  # a cache hit must not build or solve a PEP (no timing: machines are noisy)
        raise AssertionError("cache hit solved a PEP")

    with monkeypatch.context() as patched:
        patched.setattr(pep_solve, "_solve", no_solve)
        b = worst_case(m, -0.1, 1.0, 2)
        # numpy scalars and Python floats are the same input
        c = worst_case(make("eg+", gamma=np.float64(0.5), alpha=0.5), np.float64(-0.1), 1, 2)
    assert b.cached and b.value == a.value and b.status == a.status and b.iterates == a.iterates
    assert c.cached
    # an explicit directory
    d = worst_case(m, -0.1, 1.0, 2, cache=tmp_path / "elsewhere")
    assert not d.cached and list((tmp_path / "elsewhere").glob("*.json"))


def test_cache_key_holds_every_input(monkeypatch):
    m = make("eg+", gamma=0.5, alpha=0.5)
    base = dict(method=m, rho=-0.1, L=1.0, n_iter=1, metric="operator")
    assert not worst_case(**base).cached
    assert worst_case(**base).cached
    variants = [dict(method=make("eg+", gamma=0.5, alpha=0.6)), dict(method=make("eg+", gamma=0.4, alpha=0.5)),
                dict(method=Lookahead(make("eg+", gamma=0.5, alpha=0.5), 1, 1.0)), dict(rho=-0.05), dict(L=2.0),
                dict(L=None, rho=0.1), dict(n_iter=2), dict(metric="step"), dict(solver="SCS"),
                dict(constraint="box"), dict(solver_options={"max_iter": 300})]
    for v in variants:
        r = worst_case(**{**base, **v})
        assert not r.cached, v
    from monoverify.theory.pep import cache as pep_cache

    monkeypatch.setattr(pep_cache, "_VERSIONS", {**pep_cache._versions(), "pepit": "0.0.0-other"})
    assert not worst_case(**base).cached


def test_cache_false_bypasses():
    m = make("eg+", gamma=0.5, alpha=0.5)
    r = worst_case(m, -0.1, 1.0, 1, cache=False)
    assert r.ok and not r.cached
    assert not pep.cache_dir().exists() or not list(pep.cache_dir().glob("*.json"))
    assert pep.clear_cache() == 0


def test_result_roundtrip():
    r = worst_case(make("pp", gamma=1.0), -0.2, None, 2)
    d = json.loads(json.dumps(r.to_dict()))
    back = PEPResult.from_dict(d)
    assert back.value == r.value and back.inputs == r.inputs and back.status == r.status
    assert float(back) == r.value


# ------------------------------------------------------------------------------------------------
# errors and statuses
# ------------------------------------------------------------------------------------------------
def test_array_hyper_parameter_is_refused():
    with pytest.raises(PEPNotRepresentable, match="scalar hyper-parameters"):
        worst_case(make("eg+", gamma=np.array([0.4, 0.5]), alpha=0.5), -0.1, 1.0, 1)
    with pytest.raises(PEPNotRepresentable, match="scalar"):
        linear_lower_bound(make("gda", gamma=np.array([0.4, 0.5])), -0.1, 1.0, 1)


def test_adaptive_method_is_refused():
    with pytest.raises(PEPNotRepresentable, match="inner products"):
        worst_case(make("adaptive-ceg+", gamma=0.5), -0.1, 1.0, 1)


def test_unrepresentable_step_gives_clear_error():
    @dataclasses.dataclass(frozen=True)
    class Squares(Method):
        def step(self, s, oracle):
            z = s["z"]
            return {"z": z * z}  # an inner product, not a point

    with pytest.raises(PEPNotRepresentable, match="cannot run on PEPit points"):
        worst_case(Squares(), -0.1, 1.0, 1, cache=False)


def test_bad_inputs():
    m = make("gda", gamma=0.1)
    with pytest.raises(TypeError, match="make"):
        worst_case("eg+", -0.1, 1.0, 1)
    with pytest.raises(ValueError, match="metric"):
        worst_case(m, -0.1, 1.0, 1, metric="gap")
    with pytest.raises(ValueError, match="n_iter"):
        worst_case(m, -0.1, 1.0, 0)
    with pytest.raises(ValueError, match="L must be > 0"):
        worst_case(m, -0.1, -1.0, 1)
    with pytest.raises(ValueError, match="constraint"):
        worst_case(m, -0.1, 1.0, 1, constraint="polytope")
    with pytest.raises(ValueError, match="0-comonotone"):
        worst_case(m, 0.1, 1.0, 1, bilinear=True)


def test_unbounded_problems_report_a_status():
    """GDA on the set-valued class (no Lipschitz bound) and PP with rho < -gamma have no finite worst case."""
    r = worst_case(make("gda", gamma=1.0), -0.1, None, 1)
    assert r.status == "unbounded" and r.value is None and not r.ok
    with pytest.raises(ValueError, match="no trustworthy"):
        float(r)
    r2 = worst_case(make("pp", gamma=1.0), -1.5, None, 2)
    assert r2.status == "unbounded" and r2.value is None
    assert worst_case(make("gda", gamma=1.0), -0.1, None, 1).cached  # deterministic outcomes are cached


def test_solver_failure_reports_a_status():
    r = worst_case(make("pp", gamma=1.0), -0.2, None, 1, solver="NO_SUCH_SOLVER")
    assert r.status == "failed" and r.value is None and "NO_SUCH_SOLVER" in r.message
    again = worst_case(make("pp", gamma=1.0), -0.2, None, 1, solver="NO_SUCH_SOLVER")
    assert not again.cached  # failures are never cached


# ------------------------------------------------------------------------------------------------
# many solves
# ------------------------------------------------------------------------------------------------
class _RecordingExecutor(Executor):
    """Runs submissions inline and records them."""

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        f: Future = Future()
        f.set_result(fn(*args, **kwargs))
        return f


def test_worst_case_many():
    m = make("pp", gamma=1.0)
    jobs = [dict(method=m, rho=0.0, L=None, n_iter=n, metric="step") for n in (1, 2, 3)]
    ex = _RecordingExecutor()
    rs = worst_case_many(jobs, ex)
    assert ex.submitted == 3
    assert [round(r.value, 4) for r in rs] == [round((1 - 1 / n) ** (n - 1) / n, 4) for n in (1, 2, 3)]
    ex2 = _RecordingExecutor()
    rs2 = worst_case_many(jobs, ex2)  # all cached: nothing submitted
    assert ex2.submitted == 0 and all(r.cached for r in rs2)
    with ThreadPoolExecutor(2) as pool:
        rs3 = worst_case_many([(m, 0.0, None, n, "step") for n in (4, 5)] + [jobs[0]], pool)
    assert [r.n_iter for r in rs3] == [4, 5, 1]
    assert close(rs3[0].value, (1 - 1 / 4) ** 3 / 4) and close(rs3[1].value, (1 - 1 / 5) ** 4 / 5)
    assert worst_case_many([]) == []


def test_worst_case_many_process_pool():
    """Methods and results cross process boundaries (pickling); workers write the shared cache."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("needs the fork start method")
    jobs = [(make("eg+", gamma=0.5, alpha=0.5), -0.1, 1.0, n) for n in (1, 2)]
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as pool:
        rs = worst_case_many(jobs, pool)
    assert close(rs[0].value, 0.900136) and close(rs[1].value, 0.815770)  # SPEC §7
    assert all(r.cached for r in worst_case_many(jobs))
