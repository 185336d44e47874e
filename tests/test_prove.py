"""``monoverify prove``: exact certificates from the PEP dual (issue 15).

Expected values come from closed forms: Gu & Yang's tight PP constant (1 - 1/N)^(N-1)/N (as in
PEPit's ``wc_proximal_point``), SPEC R5 1/(gamma(gamma + 2 rho)N), and the registry bounds
evaluated by hand below. Every emitted certificate is re-checked by the independent checker,
loaded from its file alone (standard library only).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from fractions import Fraction as Q
from pathlib import Path

import pytest

from monoverify.solvers import make
from monoverify.theory.prove import build, check_certificate, prove, trace
from monoverify.theory.prove.cache import proved_up_to
from monoverify.theory.prove.cli import main
from monoverify.theory.prove.theorem import prove_theorem, theorem_claim

CHECKER = Path(__file__).resolve().parents[1] / "theory" / "prove" / "checker.py"


def _standalone_checker():
    """The checker module loaded from its file, outside the package (no monoverify imports)."""
    spec = importlib.util.spec_from_file_location("standalone_checker", CHECKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _assert_proved(p, claimed):
    assert p.status == "proved", p.message
    assert p.epsilon == "0" and Q(p.proved) == Q(claimed) == Q(p.claimed)
    assert p.checked
    ok, problems = _standalone_checker().check_certificate(json.loads(json.dumps(p.certificate)))
    assert ok, problems
    assert Q(p.certificate["bound"]) == Q(claimed)


def gu_yang(N: int) -> Q:
    return Q(1) if N == 1 else Q((N - 1) ** (N - 1), N ** N)  # (1 - 1/N)^(N-1)/N


# ---------------------------------------------------------------------------------------------
# exact tracing of the registered method objects
# ---------------------------------------------------------------------------------------------
def test_trace_eg_plus_coefficients_by_hand():
    g, a = Q(1, 2), Q(1, 3)
    tr = trace(make("eg+", gamma=g, alpha=a), 1)
    # zbar0 = z0 - g F(z0); z1 = z0 - a g F(zbar0)
    assert tr.basis == ["z0 - z*", "F(z0)", "F(zbar0)"]
    assert tr.points[2].x.padded(3) == [1, -g, 0]
    assert tr.iterates[1].padded(3) == [1, 0, -a * g]


def test_trace_pp_is_implicit():
    tr = trace(make("pp", gamma=Q(2)), 2)
    assert tr.basis == ["z0 - z*", "T(z1)", "T(z2)"]
    assert tr.iterates[2].padded(3) == [1, -2, -2]  # z2 = z0 - 2 g1 - 2 g2, g_k in T z_k


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="n must be"):
        build(make("pp", gamma=Q(1)), 0, None, 0)
    with pytest.raises(ValueError, match="metric must be"):
        build(make("pp", gamma=Q(1)), 0, None, 1, metric="nope")
    with pytest.raises(ValueError, match="L must be > 0"):
        build(make("eg+", gamma=Q(1, 2)), 0, Q(-1), 1)
    with pytest.raises(ValueError, match="hypotheses"):
        theorem_claim("pp.last_iterate", 2, {"rho": "-3/5", "gamma": 1})


# ---------------------------------------------------------------------------------------------
# Gu-Yang tight value (rho = 0, step metric, PEPit wc_proximal_point with alpha = 2)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("N", [1, 2, 3, 4])
def test_gu_yang_tight_pp_step_metric(N):
    p = prove(make("pp", gamma=Q(2)), rho=0, L=None, n=N, bound=gu_yang(N), metric="step")
    _assert_proved(p, gu_yang(N))
    assert p.pep_value == pytest.approx(float(gu_yang(N)), rel=1e-6)  # tight: the PEP optimum


def test_gu_yang_agrees_with_pepit_example():
    import cvxpy as cp
    from PEPit.examples.monotone_inclusions_variational_inequalities import wc_proximal_point

    pepit_tau, theory_tau = wc_proximal_point(alpha=2, n=3, wrapper="cvxpy", solver=cp.CLARABEL, verbose=-1)
    assert theory_tau == pytest.approx(float(gu_yang(3)), rel=1e-12)
    assert pepit_tau == pytest.approx(float(gu_yang(3)), rel=1e-5)


# ---------------------------------------------------------------------------------------------
# SPEC R5 (PP, set-valued rho-comonotone class, ||F z_N||^2), from the registry
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rho,gamma,N", [(Q(-1, 5), Q(1), 1), (Q(-1, 5), Q(1), 2), (Q(-1, 5), Q(1), 3),
                                         (Q(-9, 20), Q(1), 2), (Q(0), Q(1, 2), 3)])
def test_pp_R5_bound(rho, gamma, N):
    p = prove_theorem("pp.last_iterate", N, {"rho": rho, "gamma": gamma})
    _assert_proved(p, 1 / (gamma * (gamma + 2 * rho) * N))


# ---------------------------------------------------------------------------------------------
# EG+ and relaxed PP registry bounds
# ---------------------------------------------------------------------------------------------
def test_eg_plus_best_iterate_registry_bound():
    p = prove_theorem("eg+.best_iterate", 3, {"rho": "-1/10", "gamma": "1/2", "alpha": "1/2", "L": 1})
    # D0/(alpha gamma^2 (1 - gamma^2 L^2) K) at alpha = gamma = 1/2, L = 1, K = 3
    _assert_proved(p, Q(32, 9))
    c = p.certificate
    assert c["claim"]["statement"].startswith("min of ||F(z0)||^2, ||F(z1)||^2, ||F(z2)||^2")  # min over k < K
    assert sum(Q(m["weight"]) for m in c["metrics"]) == 1  # a convex combination of those metrics


def test_eg_plus_best_iterate_nontrivial_instance():
    # at K = 3 the bound 32/9 above exceeds L^2 D0 >= ||F z0||^2 (the vertex proof is that one line);
    # here the bound is below L^2 D0 = 1: D0/(alpha gamma^2 (1 - gamma^2 L^2) K) at gamma = 7/10,
    # alpha = 9/10, K = 5 is 20000/22491 = 0.889, with rho = -gamma (1 - alpha)/2 = -7/200 (the edge)
    p = prove_theorem("eg+.best_iterate", 5, {"rho": "-7/200", "gamma": "7/10", "alpha": "9/10", "L": 1})
    _assert_proved(p, Q(20000, 22491))
    assert Q(20000, 22491) < 1


@pytest.mark.parametrize("N", [1, 2])
def test_relaxed_pp_last_iterate_registry_bound(N):
    p = prove_theorem("relaxed-pp.last_iterate", N, {"rho": "-1/5", "gamma": 1, "lam": "1/2"})
    _assert_proved(p, 1 / (Q(1, 2) * Q(1, 2) * (N + 1)))  # D0/(lam(1 - lam)(K + 1))


def test_eg_plus_tight_value_L_squared():
    # SPEC R34: EG+ at gamma = 1/L has PEP worst case exactly L^2 (tight: needs the facial step)
    p = prove(make("eg+", gamma=Q(1), alpha=Q(1, 2)), Q(-1, 10), Q(1), 1, Q(1))
    _assert_proved(p, 1)


# ---------------------------------------------------------------------------------------------
# false claims: no certificate
# ---------------------------------------------------------------------------------------------
def test_refuses_one_percent_below_gu_yang():
    claim = gu_yang(3) * Q(99, 100)
    p = prove(make("pp", gamma=Q(2)), rho=0, L=None, n=3, bound=claim, metric="step")
    assert p.status == "refuted" and p.certificate is None and not p.success
    assert p.pep_value == pytest.approx(float(gu_yang(3)), rel=1e-6)
    cex = p.counterexample
    assert cex is not None and cex["value"] > float(claim)
    # the counterexample is a member of the class: rho_j >= rho = 0 (rotation-scaling block)
    assert cex["rho"] >= -1e-12


def test_refuses_one_percent_below_eg_plus_L_squared():
    p = prove(make("eg+", gamma=Q(1), alpha=Q(1, 2)), Q(-1, 10), Q(1), 2, Q(99, 100))
    assert p.status == "refuted" and p.certificate is None
    assert p.pep_value == pytest.approx(1.0, rel=1e-6)
    assert p.counterexample["value"] > 0.99  # F = L id (SPEC R34)


def test_epsilon_when_claim_is_the_irrational_optimum():
    # EG+ (gamma = 1/2, alpha = 1/2), rho = -1/10, L = 1, N = 1: SPEC §7 worst case 0.900136 (not a
    # simple rational); a claim 1e-7 below it is within solver tolerance of the optimum: the
    # claim itself gets no certificate, claim + eps does, and eps is reported
    method = make("eg+", gamma=Q(1, 2), alpha=Q(1, 2))
    above = prove(method, Q(-1, 10), 1, 1, Q(9001359, 10 ** 7))
    _assert_proved(above, Q(9001359, 10 ** 7))
    v = above.pep_value
    assert v == pytest.approx(0.900136, abs=1e-6)
    claim = Q(9001358, 10 ** 7)
    p = prove(method, Q(-1, 10), 1, 1, claim)
    assert p.status == "proved_epsilon" and not p.status == "proved", p.message
    eps = Q(p.epsilon)
    assert 0 < eps <= Q(1, 10 ** 6)
    assert Q(p.proved) == claim + eps and Q(p.proved) >= Q(v) * (1 - Q(1, 10 ** 8))
    assert check_certificate(p.certificate)[0] and Q(p.certificate["bound"]) == claim + eps
    assert "smallest certified epsilon" in p.message


# ---------------------------------------------------------------------------------------------
# the independent checker
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cert():
    return prove(make("pp", gamma=Q(2)), rho=0, L=None, n=3, bound=gu_yang(3), metric="step").certificate


def test_checker_is_stdlib_only(tmp_path, cert):
    f = tmp_path / "c.json"
    f.write_text(json.dumps(cert))
    code = ("import importlib.util, sys; s = importlib.util.spec_from_file_location('c', sys.argv[1]); "
            "m = importlib.util.module_from_spec(s); s.loader.exec_module(m); ok, _ = m.check_file(sys.argv[2]); "
            "bad = [k for k in ('numpy', 'sympy', 'cvxpy', 'monoverify') if k in sys.modules]; "
            "print(ok, bad)")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(CHECKER), str(f)], capture_output=True, text=True)
    assert out.stdout.strip() == "True []", out.stderr


@pytest.mark.parametrize("tamper", ["weight", "negative", "S", "rho", "bound", "point", "drop"])
def test_checker_rejects_tampering(cert, tamper):
    c = copy.deepcopy(cert)
    if tamper == "weight":
        c["inequalities"][0]["weight"] = str(Q(c["inequalities"][0]["weight"]) + Q(1, 1000))
    elif tamper == "negative":
        c["inequalities"][0]["weight"] = "-1"
    elif tamper == "S":
        c["S"][0][0] = str(Q(c["S"][0][0]) - Q(1, 10 ** 6))
    elif tamper == "rho":
        c["class"]["rho"] = "1/10"
    elif tamper == "bound":
        c["bound"] = str(Q(c["bound"]) * Q(99, 100))
    elif tamper == "point":
        c["points"][1]["x"][1] = str(Q(c["points"][1]["x"][1]) + 1)
    else:
        c["inequalities"].pop()
    ok, problems, _ = check_certificate(c)
    assert not ok and problems


def test_checker_rejects_indefinite_S_even_with_identity(cert):
    # lower the bound and absorb the change in S: the identity still holds, S is no longer PSD
    c = copy.deepcopy(cert)
    d = Q(1, 10 ** 4)
    c["bound"] = str(Q(c["bound"]) - d)
    c["S"][0][0] = str(Q(c["S"][0][0]) - d)
    # the claim consistently restated (else the claim check refuses it first)
    c["claim"]["claimed_bound"] = c["bound"]
    c["claim"]["statement"] = c["claim"]["statement"].replace(cert["bound"], c["bound"])
    c["notes"]["pep_value_float"] = 0.0
    ok, problems, _ = check_certificate(c)
    assert not ok and any("not positive semidefinite" in m for m in problems)


# ---------------------------------------------------------------------------------------------
# CLI, text, cache
# ---------------------------------------------------------------------------------------------
def test_cli_exit_codes_and_json(tmp_path, capsys):
    out = tmp_path / "cert.json"
    assert main(["--method", "pp", "--gamma", "2", "--rho", "0", "--n", "4", "--metric", "step",
                 "--bound", "27/256", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "27/256 ||z0 - z*||^2" in text and "Add the following inequalities" in text
    assert main(["--check", str(out)]) == 0
    assert main(["--method", "pp", "--gamma", "2", "--rho", "0", "--n", "2", "--metric", "step",
                 "--bound", "99/400"]) == 1      # 1 % below Gu-Yang's 1/4
    assert main(["--method", "pp", "--gamma", "2", "--n", "2", "--bound", "1"]) == 2   # no --rho
    assert main(["pp.last_iterate", "--n", "2", "--rho", "-3/5", "--gamma", "1"]) == 2  # hypotheses fail
    assert main(["no.such.theorem", "--n", "2", "--rho", "0"]) == 2


def test_cli_registry_theorem(capsys):
    assert main(["eg+.best_iterate", "--n", "3", "--rho", "-1/10", "--gamma", "1/2", "--alpha", "1/2", "--L", "1"]) == 0
    assert "32/9" in capsys.readouterr().out


def test_proved_up_to_uses_cache(tmp_path):
    cell = {"c": 0.2, "t": 1.0}  # a PEP cell of pp.last_iterate
    assert proved_up_to("pp.last_iterate", cell, 3, directory=tmp_path) == 0  # nothing cached yet
    assert proved_up_to("pp.last_iterate", cell, 3, compute=True, directory=tmp_path) == 3
    assert len(list(tmp_path.glob("*.json"))) == 3
    assert proved_up_to("pp.last_iterate", cell, 3, directory=tmp_path) == 3   # served from the cache


# ---------------------------------------------------------------------------------------------
# across all N: potentials verified symbolically for generic k
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rho,gamma", [(Q(-1, 5), Q(1)), (Q(0), Q(2))])
def test_pp_potential_gives_R5_for_every_N(rho, gamma):
    from monoverify.theory.prove.lyapunov import find_potential

    pot = find_potential(make("pp", gamma=gamma), rho=rho, metric="operator")
    assert pot.status == "proved", pot.message
    assert Q(pot.c) == gamma * (gamma + 2 * rho)  # V_k = ||z_k - z*||^2 + gamma(gamma + 2 rho) k ||g_k||^2: R5


def test_relaxed_pp_potential_consistent_with_exact_certificates():
    from monoverify.theory.prove.lyapunov import find_potential

    m = make("relaxed-pp", gamma=Q(1), lam=Q(1, 2))
    pot = find_potential(m, rho=Q(-1, 5), metric="resolvent")
    assert pot.status == "proved", pot.message
    c = Q(pot.c)
    assert c > Q(1, 4)          # better than R4(a)'s lam(1 - lam) = 1/4 per step
    # the potential's bound 1/(c N) must be provable at fixed N, and the PEP must lie below it
    p = prove(m, Q(-1, 5), None, 2, 1 / (2 * c), metric="resolvent")
    assert p.success and p.pep_value <= float(1 / (2 * c)) * (1 + 1e-9)


# ---------------------------------------------------------------------------------------------
# user methods
# ---------------------------------------------------------------------------------------------
def test_user_method_gradient_step_is_nonexpansive_on_cocoercive():
    import dataclasses
    from typing import Any

    from monoverify.solvers import Method

    @dataclasses.dataclass(frozen=True)
    class MyStep(Method):
        gamma: Any
        hyper_fields = ("gamma",)

        def step(self, state, oracle):
            z = state["z"]
            return {"z": z - self.gamma * oracle.F(z)}

    # rho = 1/2 (cocoercive), gamma = 2 rho: ||z1 - z*||^2 <= ||z0 - z*||^2 (expand the square)
    p = prove(MyStep(Q(1)), rho=Q(1, 2), L=None, n=1, bound=1, metric="distance")
    _assert_proved(p, 1)
    assert "MyStep" in p.text
    # gamma = 3/2 > 2 rho: F z = z/rho (rho-cocoercive) gives ||z1 - z*||^2 = (1 - gamma/rho)^2 D0 = 4 D0
    q = prove(MyStep(Q(3, 2)), rho=Q(1, 2), L=None, n=1, bound=1, metric="distance")
    assert q.status == "refuted" and q.certificate is None
    assert q.pep_value == pytest.approx(4.0, rel=1e-6)
    assert q.counterexample is not None and q.counterexample["value"] > 1


def test_adaptive_method_is_not_representable():
    from monoverify.theory.prove import NotRepresentable

    with pytest.raises(NotRepresentable):
        prove(make("adaptive-ceg+", gamma=Q(1, 2)), Q(-1, 10), 1, 1, 1)


def test_certificate_is_tied_to_the_method(cert):
    from monoverify.theory.prove.certificate import bind

    assert bind(cert) == (True, [])                       # the method rebuilt from its description
    assert bind(cert, make("pp", gamma=Q(2))) == (True, [])
    ok, diffs = bind(cert, make("pp", gamma=Q(1)))       # another step size: not the method proved
    assert not ok and diffs


def test_registry_pep_form_for_lookahead_fixed_point_residual():
    # lookahead.nonexpansive_last_iterate at K = 1: ||S z1 - z1||^2 <= D0/(lam(1-lam)(K+1)) = 2 at
    # lam = 1/2, proved on the theorem's own metric (the shared metric table, no scale bridge; the
    # former bridge ||z2 - z1||^2 = lam^2 ||S z1 - z1||^2 <= 1/2 is the same claim)
    c = theorem_claim("lookahead.nonexpansive_last_iterate", 1,
                      {"rho": "1/2", "gamma": "2/5", "lam": "1/2", "tau": 2, "L": 1})
    assert (c["metric"], c["n"], c["bound"]) == ("fixed_point_residual_sq", 1, Q(2))
    p = prove(c["method"], c["rho"], c["L"], c["n"], c["bound"], c["metric"])
    _assert_proved(p, Q(2))
