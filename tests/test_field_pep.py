"""PEP and exact certificates of the field's methods (issue 25) against published values.

Expected values: Lieder's 4/(N+1)^2 (Halpern, tight), Kim's 1/N^2 (accelerated PP, tight), Lieder's
thesis formula for KM with constant steps, PEPit's own printed values (KM increasing steps), RTBG20's
Douglas-Rachford contraction factors as PEPit states them, and PEPit's own problems built here with
PEPit's classes (the refined class, past EG with a constraint) -- never our implementation's output.
"""

from __future__ import annotations

from fractions import Fraction as Q
from math import sqrt

import pytest

from monoverify.solvers import make
from monoverify.theory.pep import OperatorClass, contraction_factor, refined_cost, worst_case
from monoverify.theory.prove import prove

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.mark.parametrize("N", [1, 2, 5, 10])
def test_lieder_halpern_tight_at_several_N(N):
    """Lieder 2021 Thm 2.1: ||x_N - T x_N||^2 <= 4/(N+1)^2, tight; T = I - F with F 1/2-cocoercive (exact class)."""
    r = worst_case(make("halpern", gamma=1.0), rho=0.5, L=None, n_iter=N, cache=False)
    assert r.status == "optimal" and not r.relaxation
    assert r.value == pytest.approx(4 / (N + 1) ** 2, rel=2e-6)


def test_kim_accelerated_pp_is_one_over_n_squared():
    """Kim 2021 Thm 4.1 (PEPit: alpha = 2, n = 10 gives ||x_n - y_n||^2 = 0.01 = 1/n^2): ||T x_n||^2 = 1/(alpha n)^2."""
    r = worst_case(make("kim-app", gamma=2.0), rho=0.0, L=None, n_iter=10, cache=False)
    assert r.status == "optimal"
    assert r.value * 2.0 ** 2 == pytest.approx(0.01, rel=2e-6)


@pytest.mark.parametrize("lam,N,pepit", [(0.75, 3, 0.140625), (0.6, 10, 0.0365098)])
def test_km_constant_steps_lieder_thesis(lam, N, pepit):
    """Lieder 2018 Thm 4.9: (1/4)||x_n - A x_n||^2 <= (n/(n+1))^n/((n+1) 4 lam (1 - lam)); PEPit prints the value."""
    formula = (N / (N + 1)) ** N / ((N + 1) * 4 * lam * (1 - lam))
    assert formula == pytest.approx(pepit, rel=2e-6)
    r = worst_case(make("km", gamma=1.0, lam=lam), rho=0.5, L=None, n_iter=N, cache=False)
    assert r.value / 4 == pytest.approx(formula, rel=2e-6)


def test_km_increasing_steps_pepits_value():
    """PEPit's wc_krasnoselskii_mann_increasing_step_sizes(n=3) prints 1/4 ||xN - AxN||^2 <= 0.119634."""
    r = worst_case(make("km-increasing", gamma=1.0), rho=0.5, L=None, n_iter=3, cache=False)
    assert r.value / 4 == pytest.approx(0.119634, rel=1e-5)


def _thm41_corrected(beta, mu, alpha, theta):
    """RTBG20 Thm 4.1, branches 1-4 as PEPit states them, with the cocoercivity of alpha A: beta/alpha."""
    m, b = alpha * mu, beta / alpha
    if m * b - m + b < 0 and theta <= 2 * (b + 1) * (m - b - m * b) / (m + m * b - b - b ** 2 - 2 * m * b ** 2):
        return (1 - theta * b / (b + 1)) ** 2
    if m * b - m - b > 0 and theta <= 2 * (m ** 2 + b ** 2 + m * b + m + b - m ** 2 * b ** 2) / (
            m ** 2 + b ** 2 + m ** 2 * b + m * b ** 2 + m + b - 2 * m ** 2 * b ** 2):
        return (1 - theta * (1 + m * b) / (m + 1) / (b + 1)) ** 2
    if theta >= 2 * (m * b + m + b) / (2 * m * b + m + b):
        return (1 - theta) ** 2
    if m * b + m - b < 0 and theta <= 2 * (m + 1) * (b - m - m * b) / (b + m * b - m - m ** 2 - 2 * m ** 2 * b):
        return (1 - theta * m / (m + 1)) ** 2
    raise ValueError("fifth branch: not registered")


def _thm43(L, mu, alpha, theta):
    """RTBG20 Thm 4.3 as PEPit's douglas_rachford_splitting.py states it."""
    mu, L = alpha * mu, alpha * L
    c = sqrt(((2 * (theta - 1) * mu + theta - 2) ** 2 + L ** 2 * (theta - 2 * (mu + 1)) ** 2) / (L ** 2 + 1))
    if theta * (theta + c) / (mu + 1) ** 2 / c * (c + mu * ((2 * (theta - 1) * mu + theta - 2)
                                                         - L ** 2 * (theta - 2 * (mu + 1))) / (L ** 2 + 1)) >= 0:
        return ((theta + c) / 2 / (mu + 1)) ** 2
    raise ValueError("other branch")


def test_douglas_rachford_published_factors_at_two_points():
    """PEPit's two example points: Thm 4.3 (L=1, mu=0.1, alpha=1.3, theta=0.9) and Thm 4.1 (beta=1.2, mu=0.1,
    alpha=0.3, theta=1.5); PEPit prints both theoretical values, which we recompute from the formulas."""
    r = contraction_factor(make("dr", gamma=1.3, lam=0.9), [OperatorClass(rho=0.0, L=1.0), OperatorClass(rho=0.0, mu=0.1)])
    assert r.status == "optimal"
    assert r.value == pytest.approx(_thm43(1.0, 0.1, 1.3, 0.9), rel=1e-6)
    r = contraction_factor(make("dr", gamma=0.3, lam=1.5), [OperatorClass(rho=1.2), OperatorClass(rho=0.0, mu=0.1)])
    assert r.status == "optimal" and not r.relaxation
    assert r.value == pytest.approx(_thm41_corrected(1.2, 0.1, 0.3, 1.5), rel=1e-6)
    assert r.value == pytest.approx(0.9145301159392969, rel=1e-6)    # PEPit's printed theoretical value


@pytest.mark.parametrize("beta,mu,alpha,theta", [(0.3, 3.0, 2.0, 1.2), (0.2, 1.0, 3.0, 1.0), (4.0, 0.5, 0.5, 0.4)])
def test_douglas_rachford_factor_scales_with_beta_over_alpha(beta, mu, alpha, theta):
    """alpha A is (beta/alpha)-cocoercive: the formula with that scaling equals the exact PEP (PEPit's alpha*beta
    does not at the first two points)."""
    r = contraction_factor(make("dr", gamma=alpha, lam=theta), [OperatorClass(rho=beta), OperatorClass(rho=0.0, mu=mu)])
    assert r.value == pytest.approx(_thm41_corrected(beta, mu, alpha, theta), rel=1e-6)


def test_refined_class_is_pepits_own():
    """worst_case(refined=True) equals the same PEP built here with PEPit's LipschitzStronglyMonotoneOperatorExpensive
    and the value of mathematics: one GDA step on monotone 1-Lipschitz maps, max ||z1 - z*||^2 = max |1 - gamma lam|^2
    over |lam| <= 1, Re lam >= 0, = 1 + gamma^2 (at lam = i); the message states the cost (the refined class on
    more points takes minutes: its 7x7 LMIs on every triple are what makes it expensive)."""
    from PEPit import PEP
    from PEPit.operators import LipschitzStronglyMonotoneOperatorExpensive

    g = 0.5
    problem = PEP()
    F = problem.declare_function(LipschitzStronglyMonotoneOperatorExpensive, mu=0.0, L=1.0)
    xs = F.stationary_point()
    x0 = problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= 1)
    problem.set_performance_metric((x0 - g * F.gradient(x0) - xs) ** 2)
    ref = problem.solve(wrapper="cvxpy", solver="CLARABEL", verbose=0)
    r = worst_case(make("gda", gamma=g), rho=0.0, L=1.0, n_iter=1, metric="distance", refined=True, cache=False)
    assert r.status == "optimal"
    assert r.value == pytest.approx(ref, rel=1e-6)
    assert r.value == pytest.approx(1 + g ** 2, rel=1e-6)
    cost = refined_cost(2)
    assert cost == {"lmis_7x7": 12, "pairwise_plain": 2}
    assert "12 LMIs of size 7x7 on 2 points" in r.message and "solved in" in r.message


def test_past_eg_with_a_constraint_equals_pepits_example():
    """PEPit's wc_past_extragradient(n=3, gamma=1/4, L=1), built here with PEPit's own classes."""
    from PEPit import PEP
    from PEPit.functions import ConvexIndicatorFunction
    from PEPit.operators import LipschitzStronglyMonotoneOperatorCheap
    from PEPit.primitive_steps import proximal_step

    n, g = 3, 0.25
    problem = PEP()
    ind_C = problem.declare_function(ConvexIndicatorFunction)
    F = problem.declare_function(LipschitzStronglyMonotoneOperatorCheap, mu=0, L=1.0)
    xs = (F + ind_C).stationary_point()
    x0 = problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= 1)
    x, _, _ = proximal_step(x0, ind_C, g)
    V = F.gradient(x)
    for _ in range(n):
        xt, _, _ = proximal_step(x - g * V, ind_C, g)
        V = F.gradient(xt)
        prev = x
        x, _, _ = proximal_step(x - g * V, ind_C, g)
    problem.set_performance_metric((x - prev) ** 2)
    ref = problem.solve(wrapper="cvxpy", solver="CLARABEL", verbose=0)
    r = worst_case(make("peg", gamma=g), rho=0.0, L=1.0, n_iter=n, metric="step", constraint="convex", cache=False)
    assert r.value == pytest.approx(ref, rel=1e-4, abs=1e-7)


def test_strongly_monotone_classes():
    """GDA on mu-strongly monotone L-Lipschitz maps contracts by (1 - 2 gamma mu + gamma^2 L^2) per step (tight);
    PP on a mu-strongly monotone (set-valued) class by 1/(1 + gamma mu)^2 (interpolable, exact)."""
    r = worst_case(make("gda", gamma=0.5), rho=0.0, L=1.0, mu=0.5, n_iter=2, metric="distance", cache=False)
    assert r.value == pytest.approx((1 - 2 * 0.5 * 0.5 + 0.25) ** 2, rel=1e-6)
    r = worst_case(make("pp", gamma=1.0), rho=0.0, L=None, mu=0.5, n_iter=2, metric="distance", cache=False)
    assert r.value == pytest.approx((1 / 1.5) ** 4, rel=1e-6) and not r.relaxation


def test_momentum_methods_run_as_peps():
    """Multi-step state (z, zprev) on PEPit points: heavy ball with beta = 0 is GDA's PEP; NAG's convex scheme runs."""
    hb = worst_case(make("hb", gamma=0.5, beta=0.0), rho=1.0, L=1.0, n_iter=3, cache=False)
    gda = worst_case(make("gda", gamma=0.5), rho=1.0, L=1.0, n_iter=3, cache=False)
    assert hb.value == pytest.approx(gda.value, rel=1e-6)
    assert worst_case(make("nag", gamma=1.0), rho=1.0, L=1.0, n_iter=3, cache=False).status == "optimal"


@pytest.mark.parametrize("method,rho,L,n,bound,metric", [
    (make("halpern", gamma=Q(1)), Q(1, 2), None, 3, Q(1, 4), "operator"),          # Lieder 4/(N+1)^2
    (make("kim-app", gamma=Q(1)), Q(0), None, 3, Q(1, 9), "operator"),              # Kim 1/N^2
    (make("km", gamma=Q(1), lam=Q(3, 4)), Q(1, 2), None, 3, Q(9, 16), "operator"),  # Lieder's thesis: 4 * 0.140625
])
def test_exact_certificates_of_the_tight_bounds(method, rho, L, n, bound, metric):
    p = prove(method, rho, L, n, bound, metric, "last")
    assert p.status == "proved" and p.checked and p.proved == str(bound)


def test_a_bound_below_lieders_is_refuted():
    p = prove(make("halpern", gamma=Q(1)), Q(1, 2), None, 3, Q(1, 5), "operator", "last")
    assert p.status == "refuted"


def test_sweeps_keep_the_strongly_monotone_class():
    """worst_case_many's compiled SDP knows only the plain class: a job with mu (or refined) takes worst_case, so
    GDA's contraction (1 - 2 gamma mu + gamma^2 L^2)^N is kept (the plain class would give (1 + gamma^2 L^2)^N)."""
    from monoverify.theory.pep import worst_case_many

    r, = worst_case_many([dict(method=make("gda", gamma=0.5), rho=0.0, L=1.0, n_iter=2, metric="distance", mu=0.5,
                               cache=False)])
    assert r.value == pytest.approx((1 - 2 * 0.5 * 0.5 + 0.25) ** 2, rel=1e-6)
