"""A certificate binds its claim; ``prove`` refuses every option it would not use (issue 24).

Each test here failed on the code before certificate format 2: ``prove THEOREM --bound B`` proved
the theorem's bound instead of B, ``prove --check`` accepted a certificate whose claim was edited to a
false value (and relabelled ones), a JSON list gave a traceback, unused options were ignored.
Truth comes from mathematics: PP's worst case at N = 2, rho = -1/5, gamma = 1 is 5/12 < R5's
5/6 = 1/(gamma (gamma + 2 rho) N), so 1/100000 is false and 10^20 is (trivially) true.
"""

from __future__ import annotations

import copy
import json
import math
from fractions import Fraction as Q

import pytest

from monoverify.cli import main as cli
from monoverify.errors import InvalidValue
from monoverify.solvers import make
from monoverify.theory.prove import check_certificate, prove
from monoverify.theory.prove.theorem import prove_theorem


@pytest.fixture(scope="module")
def theorem_cert():
    p = prove_theorem("pp.last_iterate", 2, {"rho": "-1/5", "gamma": 1})
    assert p.status == "proved" and Q(p.claimed) == Q(5, 6)
    return p.certificate


@pytest.fixture(scope="module")
def egplus_cert():
    p = prove(make("eg+", gamma=Q(1, 2), alpha=Q(1, 2)), Q(-1, 10), Q(1), 1, Q(1),
              registered=("eg+", {"gamma": Q(1, 2), "alpha": Q(1, 2)}))
    assert p.status == "proved"
    return p.certificate


def _set(c: dict, path: str, value):
    *head, last = path.split(".")
    d = c
    for k in head:
        d = d[k]
    d[last] = value


# every field a reader reads as "what was proved", changed to another (plausible) value
TAMPER = [
    ("claim.method.fields.gamma", "2"),
    ("claim.method.class", "monoverify.solvers.methods:GDA"),
    ("claim.registered.name", "gda"),
    ("claim.registered.params.gamma", "2"),
    ("claim.registered", None),            # the description is kept; only the name is dropped: still valid?
    ("claim.theorem.id", "relaxed-pp.last_iterate"),
    ("claim.theorem.params.rho", "-1/10"),
    ("claim.n", 3),
    ("claim.metric", "step"),
    ("claim.iterate", "best"),
    ("claim.claimed_bound", "1/100000"),
    ("claim.epsilon", "1/2"),
    ("claim.statement", "||T(z2)||^2 <= 1/100000 ||z0 - z*||^2"),
    ("class.rho", "-1/10"),
    ("class.L", "1"),
    ("class.set_valued", False),
    ("notes.pep_value_float", 3.0),
    ("initial", None),
    ("basis", None),
    ("format", "monoverify-certificate/1"),
    ("claim.extra", "anything"),
    ("provenance", "paper"),
]


@pytest.mark.parametrize("path,value", TAMPER, ids=[p for p, _ in TAMPER])
def test_every_claim_field_is_derived_again(theorem_cert, path, value):
    assert check_certificate(theorem_cert)[0]
    c = copy.deepcopy(theorem_cert)
    if path == "claim.registered":
        # dropping the registered name is not a lie (the method description stays): still valid
        _set(c, path, value)
        assert check_certificate(c)[0]
        return
    if path == "initial":
        value = ["2"] + c["initial"][1:]            # ||z0 - z*||^2 <= 4: another claim
    if path == "basis":
        value = ["z0 - z*"] + ["F(z7)"] + c["basis"][2:]
    _set(c, path, value)
    ok, problems, claim = check_certificate(c)
    assert not ok and problems and claim == ""


def test_a_consistent_false_claim_is_invalid(theorem_cert):
    # the claim, the bound and the statement all say 1/100000 (false: the worst case is 5/12)
    c = copy.deepcopy(theorem_cert)
    c["claim"]["claimed_bound"] = c["bound"] = "1/100000"
    c["claim"]["statement"] = "||T(z2)||^2 <= 1/100000 ||z0 - z*||^2"
    c["claim"]["theorem"] = None
    c["notes"]["pep_value_float"] = 0.0
    ok, problems, _ = check_certificate(c)
    assert not ok and any("identity fails" in m for m in problems)


def test_relabelled_as_another_method_is_invalid(egplus_cert):
    c = copy.deepcopy(egplus_cert)
    # EG (alpha = 1) has other points than EG+ (alpha = 1/2): the description must derive them
    c["claim"]["method"]["fields"]["lam"] = "1"
    c["claim"]["registered"] = {"name": "eg", "params": {"gamma": "1/2"}}
    ok, problems, _ = check_certificate(c)
    assert not ok and any("points differ" in m or "metrics differ" in m for m in problems), problems


def test_valid_certificate_states_its_claim(theorem_cert, tmp_path, capsys):
    f = tmp_path / "c.json"
    f.write_text(json.dumps(theorem_cert))
    assert cli(["prove", "--check", str(f)]) == 0
    out = capsys.readouterr().out
    assert "VALID" in out and "pp(gamma=1), n = 2" in out and "5/6 ||z0 - z*||^2" in out
    assert "theorem pp.last_iterate" in out


@pytest.mark.parametrize("content", ["[1, 2]", '"text"', "{}", '{"format": "monoverify-certificate/2"}', "",
                                     "not json", "null", '{"format": "monoverify-certificate/2", "claim": []}'])
def test_check_of_a_non_certificate_is_invalid_without_traceback(tmp_path, capsys, content):
    f = tmp_path / "x.json"
    f.write_text(content)
    assert cli(["prove", "--check", str(f)]) == 1
    out = capsys.readouterr()
    assert "INVALID" in out.out and "Traceback" not in out.err


def test_check_of_a_directory_is_invalid(tmp_path, capsys):
    assert cli(["prove", "--check", str(tmp_path)]) == 1
    assert "INVALID" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# prove: the bound asked is the bound proved; unused options are refused
# ---------------------------------------------------------------------------------------------
def test_bound_with_a_theorem_is_refused_not_ignored(capsys):
    rc = cli(["prove", "pp.last_iterate", "--n", "2", "--rho", "-1/5", "--gamma", "1", "--bound", "1/100000"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "--bound" in err and "proved" not in err


def test_false_claim_with_method_is_refuted(capsys):
    assert cli(["prove", "--method", "pp", "--n", "2", "--rho", "-1/5", "--gamma", "1", "--bound", "1/100000"]) == 1
    assert "refuted" in capsys.readouterr().out


UNUSED = [
    (["pp.last_iterate", "--n", "2", "--rho", "-1/5", "--gamma", "1", "--alpha", "1/2"], "--alpha"),
    (["pp.last_iterate", "--n", "2", "--rho", "-1/5", "--gamma", "1", "--method", "pp"], "--method"),
    (["pp.last_iterate", "--n", "2", "--rho", "-1/5", "--gamma", "1", "--metric", "step"], "--metric"),
    (["pp.last_iterate", "--n", "2", "--rho", "-1/5", "--gamma", "1", "--iterate", "best"], "--iterate"),
    (["--method", "pp", "--n", "2", "--rho", "0", "--gamma", "1", "--bound", "1", "--lam", "1/2"], "--lam"),
    (["--method", "pp", "--n", "2", "--rho", "0", "--gamma", "1", "--bound", "1", "--tau", "3"], "--tau"),
    (["--check", "x.json", "--n", "2"], "--n"),
    (["--check", "x.json", "--allow-epsilon"], "--allow-epsilon"),
    (["--check", "x.json", "--rho", "0"], "--rho"),
    (["pp.last_iterate", "--potential", "--rho", "-1/5", "--gamma", "1", "--n", "3"], "--n"),
    (["pp.last_iterate", "--potential", "--rho", "-1/5", "--gamma", "1", "--allow-epsilon"], "--allow-epsilon"),
    (["--method", "pp", "--potential", "--rho", "0", "--gamma", "1", "--bound", "1"], "--bound"),
]


@pytest.mark.parametrize("argv,flag", UNUSED, ids=[" ".join(a) for a, _ in UNUSED])
def test_every_unused_prove_option_is_a_user_error(argv, flag, capsys):
    assert cli(["prove", *argv]) == 2
    assert flag in capsys.readouterr().err


@pytest.mark.parametrize("argv,word", [
    (["--method", "rapp", "--gamma", "1/2", "--lam", "1/2", "--tau", "2.5", "--rho", "0", "--n", "1", "--bound", "1"],
     "tau"),
    (["--method", "pp", "--gamma", "1", "--rho", "0", "--n", "100000", "--bound", "1"], "--max-points"),
    (["--method", "pp", "--gamma", "1", "--rho", "0", "--n", "3", "--bound", "1", "--max-points", "2"], "--max-points"),
    (["--method", "pp", "--gamma", "abc", "--rho", "0", "--n", "1", "--bound", "1"], "gamma"),
    (["--method", "pp", "--gamma", "1", "--rho", "0", "--n", "1", "--bound", "nan"], "bound"),
    (["--method", "nosuch", "--gamma", "1", "--rho", "0", "--n", "1", "--bound", "1"], "nosuch"),
])
def test_bad_values_name_the_parameter(argv, word, capsys):
    assert cli(["prove", *argv]) == 2
    assert word in capsys.readouterr().err


def test_a_trivially_true_bound_is_proved(tmp_path, capsys):
    out = tmp_path / "big.json"
    assert cli(["prove", "--method", "pp", "--n", "2", "--rho", "-1/5", "--gamma", "1", "--bound", "1e20",
                "--json", str(out)]) == 0
    cert = json.loads(out.read_text())
    assert Q(cert["bound"]) == Q(10) ** 20 and check_certificate(cert)[0]


@pytest.mark.parametrize("bound", [math.nan, math.inf, -1])
def test_prove_refuses_non_finite_or_negative_bounds(bound):
    with pytest.raises(InvalidValue, match="bound"):
        prove(make("pp", gamma=Q(1)), 0, None, 1, bound)


def test_potential_through_a_theorem_id(capsys):
    # README: the theorem's own method and metric (it failed with "gamma ... got None")
    assert cli(["prove", "pp.last_iterate", "--potential", "--rho", "-1/5", "--gamma", "1"]) == 0
    assert "3/5 k" in capsys.readouterr().out      # c = gamma (gamma + 2 rho) = 3/5 (R5)
