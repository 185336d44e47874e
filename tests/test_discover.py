"""monoverify discover (issue 27): closed forms rediscovered from PEP values, held-out N predicted, wrong
formulas refused, conjectures registered, judged and proved for every N.

Expected values are the mathematics, written here: Gu and Yang's (1 - 1/N)^(N-1)/N (PEPit's
``wc_proximal_point`` states it as its theoretical value) and its comonotone form
(1 - 1/N)^(N-1)/(gamma (gamma + 2 rho) N) (SPEC §10.1; on a normal map with J-eigenvalue j on the circle
Re(j/(1-j)) = rho the metric is (rho^2 + u)^(N-1)/((1 + rho)^2 + u)^N, maximal at u = (N-1)(1+rho)^2 - N rho^2).
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from monoverify.cli import main
from monoverify.errors import UserError
from monoverify.theory.discover import discover, entry_source, prove_conjecture, to_theorem
from monoverify.theory.discover.grammar import fit_rational
from monoverify.theory.theorems import PROVENANCE, SYMBOLS

N = sp.Symbol("N", integer=True, positive=True)
gamma, rho = SYMBOLS["gamma"], SYMBOLS["rho"]
GU_YANG = (1 - 1 / N) ** (N - 1) / N
COMONOTONE = (1 - 1 / N) ** (N - 1) / (gamma * (gamma + 2 * rho) * N)


def same_function(expr, expected, points):
    """Exact equality at every point (rational arithmetic: no simplification heuristics)."""
    for p in points:
        a, b = sp.nsimplify(expr.subs(p)), sp.nsimplify(expected.subs(p))
        assert a == b, (p, a, b)


@pytest.fixture(scope="module")
def gu_yang():
    return discover("pp", {"gamma": 1, "rho": 0}, "step", n=(1, 12))


@pytest.fixture(scope="module")
def pp_fifth():
    return discover("pp", {"gamma": 1, "rho": "-1/5"}, "operator", n=(1, 12))


def test_rediscovers_gu_yang_and_predicts_the_held_out_n(gu_yang):
    r = gu_yang
    assert r.status == "proposed" and r.holdout == [10, 11, 12] and r.train == list(range(1, 10))
    same_function(r.expr, GU_YANG, [{N: n} for n in range(1, 40)])
    assert r.max_rel_error_holdout <= 1e-8
    held = [v for row in r.points for v in row["values"] if v["role"] == "holdout"]
    assert len(held) == 3 and all(v["rel_error"] <= 1e-8 for v in held)
    # small N are pinned to the exact optimum by a proof: (N-1)^(N-1)/N^N
    pinned = {v["N"]: v["exact"] for row in r.points for v in row["values"] if v["exact"]}
    assert pinned and all(Fraction(q) == Fraction((n - 1) ** (n - 1), n ** n) for n, q in pinned.items())


def test_the_held_out_values_are_pepits_theoretical_gu_yang_values(gu_yang):
    from PEPit.examples.monotone_inclusions_variational_inequalities.proximal_point import wc_proximal_point

    for v in (v for row in gu_yang.points for v in row["values"] if v["role"] == "holdout"):
        pepit_tau, theoretical = wc_proximal_point(alpha=1, n=v["N"], verbose=-1)
        assert abs(v["predicted"] - theoretical) <= 1e-14 * theoretical
        assert abs(v["pep"] - pepit_tau) <= 1e-5 * theoretical   # PEPit's own solve: two independent SDPs agree


def test_rediscovers_the_comonotone_form_over_gamma_at_rho_minus_one_fifth():
    r = discover("pp", {"rho": "-1/5"}, "operator", n=(1, 10), over={"gamma": ["1/2", 1, "3/2", 2]})
    assert r.status == "proposed", r.message
    assert {s.name for s in r.expr.free_symbols} == {"N", "gamma"}
    grid = [{N: n, gamma: sp.Rational(g)} for n in range(2, 25) for g in ("1/2", "3/4", "1", "3/2", "2", "7")]
    same_function(r.expr, COMONOTONE.subs(rho, sp.Rational(-1, 5)), grid)
    assert r.max_rel_error_holdout <= 1e-8
    assert r.form["n_start"] == 2      # N = 1 is not tight for rho < 0: W(1) = 1/(gamma + rho)^2


def test_single_point_at_rho_minus_one_fifth_predicts_n_10_to_12(pp_fifth):
    r = pp_fifth
    assert r.status == "proposed" and r.max_rel_error_holdout <= 1e-8
    same_function(r.expr, COMONOTONE.subs({rho: sp.Rational(-1, 5), gamma: 1}), [{N: n} for n in range(2, 40)])


def test_a_deliberately_wrong_formula_is_not_proposed(gu_yang):
    for wrong in ("exp(-1)/N", "(1 + 1/10**6)*(1 - 1/N)**(N - 1)/N"):
        r = discover("pp", {"gamma": 1, "rho": 0}, "step", n=(1, 12), formula=wrong)
        assert r.status == "refused" and not r.success and r.max_rel_error_holdout > 1e-8
        with pytest.raises(UserError, match="only a proposed formula"):
            to_theorem(r)
    # the right formula given by hand passes the same test
    ok = discover("pp", {"gamma": 1, "rho": 0}, "step", n=(1, 12), formula="(1 - 1/N)**(N - 1)/N")
    assert ok.status == "proposed"


def test_a_grammar_without_the_true_form_fits_the_training_n_but_is_refused():
    # rational functions of N only, with a loose fit tolerance: some rational function fits N <= 9 to 1e-3,
    # but it is refused on the held-out N, which were solved after the formula was frozen
    r = discover("pp", {"gamma": 1, "rho": 0}, "step", n=(1, 12), grammar="rational", fit_tol=1e-3)
    assert r.status == "refused" and r.formula is not None and r.form["factor"] is None
    assert r.max_rel_error_train <= 1e-3 < r.max_rel_error_holdout or r.max_rel_error_holdout > 1e-8
    strict = discover("pp", {"gamma": 1, "rho": 0}, "step", n=(1, 12), grammar="rational")
    assert strict.status == "no_fit" and strict.formula is None


def test_exact_fit_and_refusal_of_the_grammar():
    xs = [(n,) for n in range(1, 8)]
    assert fit_rational(xs, [Fraction(3, 2 * n + 5) for n in range(1, 8)], [True] * 7, 0, 1) == \
        ([Fraction(3, 5)], [Fraction(1), Fraction(2, 5)])
    # an exact value off the form rules it out
    ys = [Fraction(3, 2 * n + 5) for n in range(1, 8)]
    ys[3] += Fraction(1, 10 ** 9)
    assert fit_rational(xs, ys, [True] * 7, 0, 1) is None


def test_conjecture_provenance_and_theorem(pp_fifth):
    assert "conjecture" in PROVENANCE
    th = to_theorem(pp_fifth)
    assert th.provenance == "conjecture" and th.metric == "operator_sq" and th.method == "pp"
    K, D0 = SYMBOLS["K"], SYMBOLS["D0"]
    # claimed where it was fitted (N >= 2), for every rho >= -1/5 (smaller classes)
    assert th.bound.subs({K: 1, D0: 1}) == sp.oo
    assert th.bound.subs({K: 10, D0: 1}) == sp.Rational(5, 3) * sp.Rational(9, 10) ** 9 / 10
    assert th.admits(rho=sp.Rational(-1, 5)) and th.admits(rho=0.3) and not th.admits(rho=-0.21)


def test_the_registry_entry_builds_the_same_theorem(pp_fifth):
    import monoverify.theory.theorems.core as core

    got = []
    ns = {k: getattr(core, k) for k in core.__all__}
    ns["register"] = got.append
    exec(entry_source(pp_fifth, "discovered.pp.test"), ns)
    th, ref = got[0], to_theorem(pp_fifth, "discovered.pp.test")
    assert th.id == ref.id and th.provenance == ref.provenance == "conjecture"
    assert sp.simplify(th.bound - ref.bound) == 0 or th.bound == ref.bound
    assert th.hypotheses == ref.hypotheses and dict(th.method_params) == dict(ref.method_params)


def test_a_conjecture_is_judged_like_any_theorem(pp_fifth):
    from monoverify.theory import check

    r = check(to_theorem(pp_fifth), quick=True)
    assert r.verdict == "holds" and r.n_judged > 0 and r.worst_ratio <= 1 + 1e-9


def test_a_violated_conjecture_is_a_finding_not_a_failure(pp_fifth):
    import dataclasses

    from monoverify.theory import check

    th = to_theorem(pp_fifth)
    wrong = dataclasses.replace(th, id=th.id + ".times_0.9", bound=th.bound * sp.Rational(9, 10))
    r = check(wrong, quick=True)
    assert r.verdict == "finding" and not r.failed


def _step_check(fam: dict, n: int, rho_v: Fraction) -> None:
    """Re-check the proved families at horizon n with this test's own matrices (basis z_k - z*, g_k, g_k+1;
    PP: z_k+1 = z_k - g_k+1): every weight >= 0, every step and the last step residual PSD."""
    k_, N_ = sp.symbols("k N")
    ev = lambda e, k: float(sp.sympify(e, locals={"k": k_, "N": N_}).subs({k_: k, N_: n}))
    w, g, g1 = np.eye(3)
    w1 = w - g1
    sym = lambda a, b: (np.outer(a, b) + np.outer(b, a)) / 2
    como = lambda x1, u1, x2, u2: sym(u1 - u2, x1 - x2) - float(rho_v) * np.outer(u1 - u2, u1 - u2)
    A = [como(w, g, 0 * w, 0 * g), como(w1, g1, 0 * w, 0 * g), como(w, g, w1, g1)]   # (z*, z_k), (z*, z_k+1), (z_k, z_k+1)
    theta = n / (n - 1)

    def form(k, x, u):
        return ev(fam["p"], k) * np.outer(x, x) + 2 * ev(fam["q"], k) * sym(x, u) + ev(fam["r"], k) * np.outer(u, u)

    for k in range(n - 1):
        S = form(k, w, g) - theta * form(k + 1, w1, g1) - sum(ev(fam[f"w{i}"], k) * A[i] for i in range(3))
        assert all(ev(fam[f"w{i}"], k) >= 0 for i in range(3))
        assert np.linalg.eigvalsh(S).min() >= -1e-9
    bound = float((1 - Fraction(1, n)) ** (n - 1) / ((1 + 2 * rho_v) * n))
    S = form(n - 1, w, g) - np.outer(g1, g1) / bound / theta ** (n - 1) - sum(ev(fam[f"l{i}"], 0) * A[i] for i in range(3))
    assert np.linalg.eigvalsh(S).min() >= -1e-9
    assert ev(fam["p"], 0) <= 1 and ev(fam["q"], 0) == 0 and ev(fam["r"], 0) == 0


def test_the_conjecture_is_proved_for_every_n_and_becomes_derived(pp_fifth):
    import copy

    r = copy.deepcopy(pp_fifth)
    proof = prove_conjecture(r)
    assert proof["status"] == "proved" and proof["valid_from"] == 1 and proof["provenance"] == "derived"
    pt = proof["points"][0]
    assert pt["theta"] == "N/(N - 1)" and pt["small_n"] == {"1": "proved"}
    for n in (3, 7, 15):   # the proof's families, re-checked independently at a few horizons
        _step_check(pt["families"], n, Fraction(-1, 5))
    th = to_theorem(r)
    assert th.provenance == "derived" and th.bound == sp.Rational(5, 3) * SYMBOLS["D0"] * \
        (1 - 1 / SYMBOLS["K"]) ** (SYMBOLS["K"] - 1) / SYMBOLS["K"]


def test_a_false_bound_gets_no_potential():
    from monoverify.theory.prove.lyapunov import find_horizon_potential
    from monoverify.solvers import make

    hp = find_horizon_potential(make("pp", gamma=Fraction(1)), Fraction(0), "(99/100)*(1 - 1/N)**(N - 1)/N",
                                n_fit=range(2, 6))
    assert hp.status != "proved"


def test_cli_discover_json_and_register(tmp_path, capsys):
    out = tmp_path / "gy.json"
    assert main(["discover", "--method", "pp", "--gamma", "1", "--rho", "0", "--metric", "step", "--n", "1:12",
                 "--json", str(out)]) == 0
    d = json.loads(out.read_text())
    assert d["status"] == "proposed" and sp.sympify(d["formula"], locals={"N": N}) is not None
    same_function(sp.sympify(d["formula"], locals={"N": N}), GU_YANG, [{N: n} for n in range(1, 20)])
    assert d["theorem"] is None and "PEP-only" in d["theorem_why"]
    capsys.readouterr()
    assert main(["discover", "--method", "pp", "--gamma", "1", "--rho", "-1/5", "--metric", "operator",
                 "--register"]) == 0
    text = capsys.readouterr().out
    assert "register(Theorem(" in text and "provenance='conjecture'" in text


def test_cli_refused_formula_exits_1(capsys):
    assert main(["discover", "--method", "pp", "--gamma", "1", "--rho", "0", "--metric", "step",
                 "--formula", "exp(-1)/N"]) == 1
    assert "refused" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["--method", "ppp", "--rho", "0"], ["ppp"]),
    (["--method", "pp", "--rho", "0", "--gamma", "1", "--lam", "1/2"], ["lam"]),
    (["--method", "pp", "--gamma", "1"], ["rho"]),
    (["--method", "pp", "--rho", "0", "--gamma", "1", "--over", "rho"], ["--over", "NAME=V1,V2"]),
    (["--method", "pp", "--rho", "0", "--gamma", "1", "--n", "1:4"], ["n", "holdout"]),
    (["--method", "pp", "--rho", "x", "--gamma", "1"], ["rho", "'x'"]),
    (["--method", "pp", "--rho", "0", "--gamma", "1", "--over", "gamma=1,2"], ["gamma", "fixed", "swept"]),
    (["--method", "pp", "--rho", "0", "--gamma", "1", "--over", "tau=1,2"], ["tau"]),
    (["--method", "pp", "--rho", "0", "--gamma", "1", "--tol", "-1"], ["--tol", "-1"]),
])
def test_cli_user_errors_are_one_line_exit_2(argv, words, capsys):
    assert main(["discover", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and all(w in err for w in words), err


def test_a_lipschitz_relaxation_value_is_rediscovered():
    # EG+ at gamma = 1/L: the worst case is L^2 for every N (SPEC R34), here with L = 1
    r = discover("eg+", {"gamma": 1, "alpha": "1/2", "rho": "-1/10", "L": 1}, "operator", n=(1, 6), holdout=2)
    assert r.status == "proposed" and r.expr == 1 and "relaxation" in r.operator_class
    assert r.max_rel_error_holdout <= 1e-8
