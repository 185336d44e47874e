"""One validation layer at the public edge (issue 24): misuse of the Python API gets the project's InvalidValue.

Before, ``check(..., rho="abc")`` went as far as a float conversion deep inside, ``gamma=10**400`` raised
``OverflowError``, ``spectral.multiplier(None)`` an ``AttributeError``, ``random_comonotone(seed="x")`` NumPy's
``TypeError``, the strategies failed only at the first draw. Every case below must raise
:class:`monoverify.errors.InvalidValue` (a ``UserError``: one line, exit status 2 on the command line) whose
message names the parameter, shows the value and says what is accepted. All of them come from
``monoverify.validate``, one module.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from monoverify import validate
from monoverify.errors import InvalidValue, UserError
from monoverify.operators import (Ball, Box, L1, LowerBoundGame, PolarGame, Simplex, estimate_constants,
                                  inconsistent_affine, ntk_gram, random_comonotone, random_contraction,
                                  random_quadratic, random_strongly_monotone)
from monoverify.solvers import Lookahead, MiniBatch, StochasticOracle, make, run
from monoverify.theory import check, spectral
from monoverify.theory import pep as P
from monoverify.theory.phase import phase_diagram

pytest_plugins = ["pytester"]

GDA = make("gda", gamma=0.5)
LB = LowerBoundGame(-0.1, 1.0)
HUGE = 10 ** 400

# (label, call, words every message must contain: the parameter and the value as shown)
CASES = [
    # theory.check: the cases and the class (every pinned parameter, the seed, the flags)
    ("check(None)", lambda: check(None), ["theorem", "None"]),
    ("check rho='abc'", lambda: check("pp.last_iterate", rho="abc"), ["rho", "'abc'", "real number"]),
    ("check rho=[..]", lambda: check("pp.last_iterate", rho=[-0.1, -0.2]), ["rho", "[-0.1, -0.2]", "one real number"]),
    ("check rho=None", lambda: check("pp.last_iterate", rho=None), ["rho", "None"]),
    ("check rho=symbol", lambda: check("pp.last_iterate", rho=sp.Symbol("x")), ["rho", "x", "SymPy number"]),
    ("check gamma=10**400", lambda: check("pp.last_iterate", gamma=HUGE), ["gamma", "401 digits", "finite"]),
    ("check gamma=nan", lambda: check("pp.last_iterate", gamma=float("nan")), ["gamma", "nan", "finite"]),
    ("check gamma=inf", lambda: check("pp.last_iterate", gamma=float("inf")), ["gamma", "inf"]),
    ("check gamma=1j", lambda: check("pp.last_iterate", gamma=1j), ["gamma", "1j"]),
    ("check gamma=True", lambda: check("pp.last_iterate", gamma=True), ["gamma", "True"]),
    ("check tau=2.5", lambda: check("rapp.last_iterate", tau=2.5), ["tau", "2.5", "integer"]),
    ("check K=2.0", lambda: check("pp.last_iterate", K=2.0), ["K", "2.0", "integer"]),
    ("check seed='x'", lambda: check("pp.last_iterate", seed="x"), ["seed", "'x'", "integer"]),
    ("check quick='yes'", lambda: check("pp.last_iterate", quick="yes"), ["quick", "'yes'", "True or False"]),
    ("check progress=3", lambda: check("pp.last_iterate", progress=3), ["progress", "3", "callable"]),
    # spectral
    ("multiplier(None)", lambda: spectral.multiplier(None), ["method", "None", "Method"]),
    ("multiplier('gda')", lambda: spectral.multiplier("gda", 1.0), ["method", "'gda'", "solvers.make"]),
    ("multiplier mu='abc'", lambda: spectral.multiplier(GDA, "abc"), ["mu", "'abc'"]),
    ("multiplier mu=True", lambda: spectral.multiplier(GDA, True), ["mu", "True"]),
    ("multiplier mu=10**400", lambda: spectral.multiplier(GDA, HUGE), ["mu", "401 digits"]),
    ("spectral_radius(m, 'abc')", lambda: spectral.spectral_radius(GDA, "abc"), ["'abc'", "eigenvalues"]),
    ("spectral_radius(None, op)", lambda: spectral.spectral_radius(None, LB), ["method", "None"]),
    ("spectral_radius huge", lambda: spectral.spectral_radius(GDA, HUGE), ["401 digits"]),
    ("converges(None, op)", lambda: spectral.converges(None, LB), ["method", "None"]),
    ("multipliers(None, op)", lambda: spectral.multipliers(None, LB), ["method", "None"]),
    ("iteration_matrix(None, M)", lambda: spectral.iteration_matrix(None, [[0.0, 1.0], [-1.0, 0.0]]), ["method"]),
    ("lookahead_threshold(None)", lambda: spectral.lookahead_threshold(None, 2, LB), ["base_method", "None"]),
    ("critical(None, ...)", lambda: spectral.critical(None, "lam", {"gamma": 1.0, "tau": 2}, rho=-0.1),
     ["method_name", "None"]),
    ("critical param=[..]", lambda: spectral.critical("la-gda", ["lam"], {"gamma": 1.0, "tau": 2}, rho=-0.1),
     ["param", "['lam']"]),
    ("critical fixed=3", lambda: spectral.critical("la-gda", "lam", 3, rho=-0.1), ["fixed", "3", "dict"]),
    ("critical rho=10**400", lambda: spectral.critical("la-gda", "lam", {"gamma": 1.0, "tau": 2}, rho=HUGE),
     ["rho", "beyond the float range"]),
    ("lower_bound_eigenvalues L=True", lambda: spectral.lower_bound_eigenvalues(-0.1, True), ["L", "True"]),
    ("k_step_multiplier K=2.5", lambda: spectral.k_step_multiplier(GDA, 0.5, 2.5), ["K", "2.5", "integer"]),
    # pep.worst_case
    ("worst_case(None)", lambda: P.worst_case(None, -0.1, 1.0, 2), ["method", "None"]),
    ("worst_case('pp')", lambda: P.worst_case("pp", -0.1, 1.0, 2), ["method", "'pp'", "solvers.make"]),
    ("worst_case rho=10**400", lambda: P.worst_case(make("pp", gamma=1.0), HUGE, 1.0, 2), ["rho", "401 digits"]),
    ("worst_case rho=True", lambda: P.worst_case(make("pp", gamma=1.0), True, 1.0, 2), ["rho", "True"]),
    ("worst_case L=10**400", lambda: P.worst_case(make("pp", gamma=1.0), -0.1, HUGE, 2), ["L", "401 digits"]),
    # solvers
    ("make(None)", lambda: make(None), ["name", "None", "registered method name"]),
    ("make(3.0)", lambda: make(3.0), ["name", "3.0"]),
    ("make gamma=10**400", lambda: make("gda", gamma=HUGE), ["gamma", "401 digits"]),
    ("make lam=10**400", lambda: make("rapp", gamma=0.5, lam=HUGE, tau=2), ["lam", "401 digits"]),
    ("make tau=2.5", lambda: make("rapp", gamma=0.5, lam=0.5, tau=2.5), ["tau", "2.5", "integer"]),
    ("Lookahead tau=True", lambda: Lookahead(GDA, True, 0.5), ["tau", "True", "integer"]),
    ("run(m, None, z0)", lambda: run(GDA, None, np.ones(2)), ["op", "None", "Operator"]),
    ("run(m, 'op', z0)", lambda: run(GDA, "op", np.ones(2)), ["op", "'op'"]),
    ("run tol=10**400", lambda: run(GDA, LB, np.ones(2), iters=2, tol=HUGE), ["tol", "401 digits"]),
    ("run tol=[..]", lambda: run(GDA, LB, np.ones(2), iters=2, tol=[1e-3]), ["tol", "[0.001]"]),
    ("run tol=1j", lambda: run(GDA, LB, np.ones(2), iters=2, tol=1j), ["tol", "1j"]),
    ("run diverge_at=None", lambda: run(GDA, LB, np.ones(2), iters=2, diverge_at=None), ["diverge_at", "None"]),
    ("StochasticOracle sigma=True", lambda: StochasticOracle(LB, True), ["sigma", "True"]),
    ("StochasticOracle sigma=10**400", lambda: StochasticOracle(LB, HUGE), ["sigma", "401 digits"]),
    ("StochasticOracle seed='x'", lambda: StochasticOracle(LB, 0.1, seed="x"), ["seed", "'x'", "integer >= 0"]),
    ("StochasticOracle seed=-1", lambda: StochasticOracle(LB, 0.1, seed=-1), ["seed", "-1"]),
    ("MiniBatch b0=10**400", lambda: MiniBatch(HUGE), ["b0", "401 digits"]),
    # operators
    ("random_comonotone seed='x'", lambda: random_comonotone(4, -0.1, 1.0, seed="x"), ["seed", "'x'", "integer >= 0"]),
    ("random_comonotone seed=1.5", lambda: random_comonotone(4, -0.1, 1.0, seed=1.5), ["seed", "1.5"]),
    ("random_comonotone seed=True", lambda: random_comonotone(4, -0.1, 1.0, seed=True), ["seed", "True"]),
    ("random_comonotone rho=[..]", lambda: random_comonotone(4, [-0.1, -0.2], 1.0), ["rho", "[-0.1, -0.2]"]),
    ("LowerBoundGame L=[..]", lambda: LowerBoundGame(-0.1, [1.0, 2.0]), ["L", "[1.0, 2.0]"]),
    ("random_strongly_monotone mu=[..]", lambda: random_strongly_monotone(3, [0.1], 1.0), ["mu", "[0.1]"]),
    ("random_strongly_monotone seed='x'", lambda: random_strongly_monotone(3, 0.1, 1.0, seed="x"), ["seed", "'x'"]),
    ("random_quadratic seed=[1]", lambda: random_quadratic(3, 0.1, 1.0, seed=[1]), ["seed", "[1]"]),
    ("random_contraction q=[..]", lambda: random_contraction(3, [0.5]), ["q", "[0.5]"]),
    ("random_contraction seed=nan", lambda: random_contraction(3, 0.5, seed=float("nan")), ["seed", "nan"]),
    ("inconsistent_affine seed='x'", lambda: inconsistent_affine(3, seed="x"), ["seed", "'x'"]),
    ("ntk_gram seed=1j", lambda: ntk_gram(seed=1j), ["seed", "1j"]),
    ("ntk_gram width=0", lambda: ntk_gram(width=0), ["width", "0"]),
    ("estimate_constants(None)", lambda: estimate_constants(None), ["op", "None", "Operator"]),
    ("estimate_constants seed='x'", lambda: estimate_constants(LB, seed="x"), ["seed", "'x'"]),
    ("estimate_constants n_samples=10**400", lambda: estimate_constants(LB, n_samples=HUGE), ["n_samples", "401 digits"]),
    ("Box lo='a'", lambda: Box("a", 1.0, dim=2), ["lo", "'a'"]),
    ("Box lo=10**400", lambda: Box(HUGE, 1.0, dim=2), ["lo", "401 digits"]),
    ("Box hi=1j", lambda: Box(0.0, 1j, dim=2), ["hi", "1j"]),
    ("Box lo=True", lambda: Box(True, 2.0, dim=2), ["lo", "True"]),
    ("Ball radius=None", lambda: Ball(None, 2), ["radius", "None"]),
    ("Ball radius='1'", lambda: Ball("1", 2), ["radius", "'1'"]),
    ("Ball radius=10**400", lambda: Ball(HUGE, 2), ["radius", "401 digits"]),
    ("Ball radius=True", lambda: Ball(True, 2), ["radius", "True"]),
    ("Ball dim=10**400", lambda: Ball(1.0, HUGE), ["dim", "401 digits"]),
    ("Simplex dim=10**400", lambda: Simplex(HUGE), ["dim", "401 digits"]),
    ("L1 eta=None", lambda: L1(None, 2), ["eta", "None"]),
    ("L1 eta=[1]", lambda: L1([1.0], 2), ["eta", "[1.0]"]),
    ("PolarGame a='x'", lambda: PolarGame("x"), ["a", "'x'"]),
    # phase
    ("phase axis of strings", lambda: phase_diagram("la-gda", {"rhoL": ["a", "b"], "lam": [0.5]},
                                                    fixed={"gammaL": 0.5, "tau": 2}, progress=False), ["rhoL", "'a'"]),
    ("phase fixed gamma 10**400", lambda: phase_diagram("la-gda", {"rhoL": [0.0], "lam": [0.5]},
                                                        fixed={"gammaL": HUGE, "tau": 2}, progress=False),
     ["gammaL", "beyond the float range"]),
    ("phase method=[..]", lambda: phase_diagram(["la-gda"], {"rhoL": [0.0], "lam": [0.5]}, progress=False),
     ["method", "['la-gda']"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_misuse_is_an_invalid_value_naming_parameter_and_value(case):
    _, fn, words = case
    with pytest.raises(UserError) as exc:
        fn()
    msg = str(exc.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    assert "\n" not in msg          # one line on the command line


STRATEGY_CASES = [
    ("comonotone_operators dim='x'", "comonotone_operators", dict(dim="x"), ["dim", "'x'"]),
    ("comonotone_operators rho='abc'", "comonotone_operators", dict(rho="abc"), ["rho", "'abc'"]),
    ("comonotone_operators max_dim=10**9", "comonotone_operators", dict(max_dim=10 ** 9), ["max_dim", "1000000000"]),
    ("comonotone_operators |rho L| > 1", "comonotone_operators", dict(rho=-2.0, L=1.0), ["rho", "-2.0", "|rho*L| <= 1"]),
    ("comonotone_operators conjugate=1", "comonotone_operators", dict(conjugate=1), ["conjugate", "1"]),
    ("bilinear_games max_n=0", "bilinear_games", dict(max_n=0), ["max_n", "0"]),
    ("constrained_operators kind='cube'", "constrained_operators", dict(kind="cube"), ["kind", "'cube'"]),
    ("start_points dim=None", "start_points", dict(dim=None, max_abs=-1.0), ["max_abs", "-1.0"]),
    ("theorem_cases(42)", "theorem_cases", dict(theorem_id=42), ["theorem_id", "42"]),
    ("theorem_cases max_dim=1", "theorem_cases", dict(theorem_id="pp.last_iterate", max_dim=1), ["max_dim", "1"]),
    ("theorem_cases gamma='x'", "theorem_cases", dict(theorem_id="pp.last_iterate", gamma="x"), ["gamma", "'x'"]),
    ("theorem_parameters tries=0", "theorem_parameters", dict(theorem_id="pp.last_iterate", tries=0), ["tries", "0"]),
]


@pytest.mark.parametrize("case", STRATEGY_CASES, ids=[c[0] for c in STRATEGY_CASES])
def test_strategies_refuse_when_built_not_at_the_first_draw(case):
    """A strategy with a bad argument is refused when it is built (before, only a draw deep in a test run failed)."""
    from monoverify.theory import strategies as ST

    _, name, kw, words = case
    fn = getattr(ST, name)
    theorem = kw.pop("theorem_id", None)
    with pytest.raises(UserError) as exc:
        fn(theorem, **kw) if theorem is not None else fn(**kw)
    for w in words:
        assert w in str(exc.value), (w, str(exc.value))


def test_strategies_still_draw_valid_cases():
    from hypothesis import given, settings

    from monoverify.theory import strategies as ST

    @settings(max_examples=5, deadline=None, database=None)
    @given(ST.theorem_cases("pp.last_iterate", max_dim=3))
    def inner(case):
        assert abs(float(case.operator.rho) - case.params["rho"]) < 1e-12

    inner()


@pytest.mark.parametrize("args,kwargs,words", [
    ((42,), {}, ["@pytest.mark.theorem id", "42", "registered theorem id"]),
    ((), {"id": "pp.last_iterate"}, ["keyword argument(s) id='pp.last_iterate'", "one positional argument"]),
    (("pp.last_iterate", "eg+.best_iterate"), {}, ["exactly one theorem id", "2 argument(s)"]),
    ((), {}, ["exactly one theorem id", "0 argument(s)"]),
])
def test_theorem_marker_misuse(args, kwargs, words):
    from monoverify.theory.plugin import marker_theorem

    with pytest.raises(InvalidValue) as exc:
        marker_theorem(args, kwargs)
    for w in words:
        assert w in str(exc.value), (w, str(exc.value))


def test_theorem_marker_accepts_an_id_or_a_theorem():
    from monoverify.theory import get
    from monoverify.theory.plugin import marker_theorem

    th = get("pp.last_iterate")
    assert marker_theorem(("pp.last_iterate",), {}) is th and marker_theorem((th,), {}) is th


def test_theorem_marker_in_a_pytest_run(pytester):
    """End to end: a downstream test marked theorem(42) / theorem(id=...) errors with the message, never runs."""
    pytester.makepyfile("""
        import pytest

        @pytest.mark.theorem(42)
        def test_int(theorem_checker):
            pass

        @pytest.mark.theorem(id="pp.last_iterate")
        def test_kw(theorem_checker):
            pass
    """)
    import importlib.metadata

    eps = importlib.metadata.entry_points(group="pytest11")
    extra = [] if any(ep.value == "monoverify.theory.plugin" for ep in eps) else ["-p", "monoverify.theory.plugin"]
    res = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", *extra)
    out = res.stdout.str()
    assert "2 error" in out
    assert "@pytest.mark.theorem id must be a registered theorem id" in out
    assert "keyword argument(s) id='pp.last_iterate'" in out


def test_accepted_forms_of_a_pinned_number_agree():
    """0-d arrays, NumPy scalars, fractions and SymPy rationals are numbers: the same pinned check as the float."""
    from fractions import Fraction

    base = check("pp.last_iterate", quick=True, rho=-0.1, gamma=1.0, K=5)
    for rho in (np.array(-0.1), np.float64(-0.1), Fraction(-1, 10), sp.Rational(-1, 10)):
        r = check("pp.last_iterate", quick=True, rho=rho, gamma=1.0, K=5)
        assert r.verdict == base.verdict and r.n_cells == base.n_cells
        assert abs(r.worst_ratio - base.worst_ratio) <= 1e-12 * abs(base.worst_ratio)


def test_validators_are_one_module():
    """The helpers exist once; a few spot checks of their messages."""
    assert validate.real("L", 2) == 2.0
    with pytest.raises(InvalidValue, match=r"^L must be a real number >= 0, got L=-1$"):
        validate.real("L", -1, lo=0)
    with pytest.raises(InvalidValue, match=r"^n must be an integer in \[1, 5\], got n=6$"):
        validate.integer("n", 6, lo=1, hi=5)
    assert validate.seed("seed", None) is None and validate.seed("seed", np.int64(3)) == 3
