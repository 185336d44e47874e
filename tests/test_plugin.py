"""The pytest plugin: a downstream project tests its own methods with markers, fixtures, strategies.

A downstream test file is written to a temporary directory and run in a subprocess (so the
hypothesis profile it loads does not leak into this session); the plugin comes from the
``pytest11`` entry point (with ``-p monoverify.theory.plugin`` as a fallback when the package is
not installed with its entry points).
"""

from __future__ import annotations

import importlib.metadata
import pathlib

import numpy as np
import pytest

from monoverify.operators import LowerBoundGame
from monoverify.solvers import make
from monoverify.theory.checker import HypothesisError
from monoverify.theory.plugin import TheoremReport, assert_theorem

pytest_plugins = ["pytester"]

ROOT = pathlib.Path(__file__).resolve().parents[1]

DOWNSTREAM = '''
import dataclasses
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings

from monoverify.solvers import Method
from monoverify.theory import THEOREMS
from monoverify.theory.plugin import assert_theorem
from monoverify.theory.strategies import theorem_cases

CI = settings(settings.get_profile("monoverify-ci"), max_examples=10)


@dataclasses.dataclass(frozen=True)
class MyEGPlus(Method):
    gamma: Any
    alpha: Any
    sign: float = 1.0
    hyper_fields: ClassVar = ("gamma", "alpha")

    def step(self, state, oracle):
        z = state["z"]
        zbar = z - self.gamma * oracle.F(z)
        return {"z": z - self.sign * self.alpha * self.gamma * oracle.F(zbar)}


@pytest.mark.theorem("eg+.best_iterate")
@CI
@given(case=theorem_cases("eg+.best_iterate", max_dim=4))
def test_correct_method(theorem_checker, case):
    p = case.params
    theorem_checker(method=MyEGPlus(p["gamma"], p["alpha"]), operator=case.operator, z0=case.z0, K=40, params=p)


@pytest.mark.theorem("eg+.best_iterate")
@CI
@given(case=theorem_cases("eg+.best_iterate", max_dim=4))
def test_sign_flipped_method(theorem_checker, case):
    p = case.params
    theorem_checker(method=MyEGPlus(p["gamma"], p["alpha"], sign=-1.0), operator=case.operator, z0=case.z0,
                    K=40, params=p)


TOO_SMALL = dataclasses.replace(THEOREMS["eg+.best_iterate"], id="eg+.bound_too_small",
                                bound=THEOREMS["eg+.best_iterate"].bound / 100)


@CI
@given(case=theorem_cases(TOO_SMALL, max_dim=4))
def test_wrong_bound(case):
    p = case.params
    assert_theorem(TOO_SMALL, method=MyEGPlus(p["gamma"], p["alpha"]), operator=case.operator, z0=case.z0,
                   K=40, params=p)


@pytest.mark.slow_theorem
def test_markers_are_registered(request):
    assert request.node.get_closest_marker("slow_theorem") is not None
'''


def _plugin_args() -> list[str]:
    eps = importlib.metadata.entry_points(group="pytest11")
    return [] if any(ep.value == "monoverify.theory.plugin" for ep in eps) else ["-p", "monoverify.theory.plugin"]


@pytest.fixture(scope="module")
def downstream_run(tmp_path_factory):
    """One subprocess pytest run of the downstream file and the docs example (shared by the checks below)."""
    import subprocess
    import sys

    d = tmp_path_factory.mktemp("downstream")
    (d / "test_downstream.py").write_text(DOWNSTREAM)
    (d / "test_docs_example.py").write_text((ROOT / "docs" / "downstream_example.py").read_text())
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--monoverify-profile", "ci", "--strict-markers",
           "-rA", *_plugin_args(), str(d)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=d, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def _section(out: str, test: str) -> str:
    """The failure section of one test in pytest's output."""
    start = out.find(f"_ {test} _")
    assert start >= 0, out[-3000:]
    end = out.find("\n___", start + 1)
    return out[start:] if end < 0 else out[start:end]


def test_downstream_outcomes(downstream_run):
    rc, out = downstream_run
    assert rc == 1, out[-3000:]
    assert "monoverify: hypothesis profile 'monoverify-ci'" in out
    assert "PASSED test_downstream.py::test_correct_method" in out
    assert "PASSED test_docs_example.py::test_my_eg_plus_meets_the_eg_plus_bound" in out
    assert "PASSED test_downstream.py::test_markers_are_registered" in out
    assert "FAILED test_downstream.py::test_sign_flipped_method" in out
    assert "FAILED test_downstream.py::test_wrong_bound" in out
    assert "3 passed" in out.splitlines()[-1] or "3 passed" in out, out[-500:]


def test_wrong_method_report(downstream_run):
    _, out = downstream_run
    sec = _section(out, "test_sign_flipped_method")
    assert "Falsifying example" in sec or "Failing test case" in sec   # hypothesis >= 6.1xx says the latter
    assert "theorem eg+.best_iterate does not hold" in sec
    for key in ("[derived]", "bound      :", "parameters :", "source     :", "operator   :", "exact constants", "FAILED at k ="):
        assert key in sec, key
    # shrunk: the smallest dimension and the simplest parameters
    assert "comonotone(dim=2" in sec
    assert "rho=0, L=1, gamma=0.5, alpha=0.5" in sec
    assert "test_sign_flipped_method" in sec and "eg+.best_iterate" in sec


def test_wrong_bound_report(downstream_run):
    _, out = downstream_run
    sec = _section(out, "test_wrong_bound")
    assert ("Falsifying example" in sec or "Failing test case" in sec) and "eg+.bound_too_small" in sec
    assert "ratio measured/bound" in sec


def test_unknown_profile_is_a_usage_error(pytester):
    pytester.makepyfile("def test_x():\n    pass\n")
    res = pytester.runpytest_subprocess("--monoverify-profile", "no-such-profile", *_plugin_args())
    assert res.ret != 0
    assert "no-such-profile" in res.stderr.str() + res.stdout.str()


# ------------------------------------------------------------------------------------------
# assert_theorem in-process
# ------------------------------------------------------------------------------------------
def test_assert_theorem_passes_and_reports():
    rep = assert_theorem("eg+.best_iterate", operator=LowerBoundGame(-0.1, 1.0), params={"gamma": 0.5, "alpha": 0.5},
                         K=50)
    assert isinstance(rep, TheoremReport) and rep.judged and 0 < rep.ratio <= 1


def test_assert_theorem_refuses_parameters_outside_the_hypotheses():
    op = LowerBoundGame(-0.3, 1.0)
    with pytest.raises(HypothesisError, match="outside the hypotheses of eg\\+.best_iterate.*explore=True"):
        assert_theorem("eg+.best_iterate", operator=op, params={"gamma": 0.5, "alpha": 0.5}, K=20)
    # explore=True runs anyway (and here the bound does fail, the report says the hypotheses are violated)
    with pytest.raises(AssertionError, match="VIOLATED"):
        assert_theorem("eg+.best_iterate", operator=LowerBoundGame(-0.9, 1.0), params={"gamma": 0.9, "alpha": 1.0},
                       K=50, explore=True)


def test_assert_theorem_failure_message_is_readable():
    with pytest.raises(AssertionError) as exc:
        assert_theorem("eg+.best_iterate", method=make("eg+", gamma=0.9, alpha=1.0), operator=LowerBoundGame(-0.1, 1.0),
                       params={"gamma": 0.5, "alpha": 0.5}, K=50)
    msg = str(exc.value)
    for key in ("theorem eg+.best_iterate does not hold", "R14 (one-step inequality)", "D0/(K*alpha*gamma**2", "rho=-0.1, L=1, gamma=0.5",
                "LowerBoundGame", "FAILED at k = 11", "ratio measured/bound"):
        assert key in msg, (key, msg)


def test_assert_theorem_argument_errors():
    op = LowerBoundGame(-0.1, 1.0)
    with pytest.raises(ValueError, match="exceeds the operator's exact rho"):
        assert_theorem("pp.last_iterate", operator=op, params={"rho": 0.0, "gamma": 1.0})
    with pytest.raises(ValueError, match="below the operator's exact L"):
        assert_theorem("pp.last_iterate", operator=op, params={"L": 0.5, "gamma": 1.0})
    with pytest.raises(ValueError, match="needs parameter"):
        assert_theorem("pp.last_iterate", operator=op)
    with pytest.raises(ValueError, match="region theorem"):
        assert_theorem("relaxed-pp.region", operator=op, params={"gamma": 1.0, "lam": 0.5})
    with pytest.raises(ValueError, match="unknown parameter"):
        assert_theorem("pp.last_iterate", operator=op, params={"step": 1.0})
    # a smaller rho / larger L than the operator's is valid for it
    assert assert_theorem("pp.last_iterate", operator=op, params={"rho": -0.2, "L": 2.0, "gamma": 1.0}, K=30).judged


def test_assert_theorem_property_kind():
    rep = assert_theorem("gda.cocoercive", operator=LowerBoundGame(0.5, 1.0), params={"gamma": 0.5})
    assert rep.ratio <= 1
    assert np.isfinite(rep.measured)


def test_a_method_that_leaves_the_ball_the_registered_method_keeps_fails():
    # issue 17: rapp.last_iterate assumes ||z^k - z*|| <= D, which the registered RAPP provably keeps; a method
    # that blows up breaks it and must fail the test (it used to return judged=False with a warning)
    op = LowerBoundGame(-0.1, 1.0)
    with pytest.raises(AssertionError, match="leaves its trajectory hypothesis") as exc:
        assert_theorem("rapp.last_iterate", method=make("gda", gamma=2.0), operator=op,
                       params={"gamma": 0.5, "lam": 0.5}, K=10)
    assert "TRAJECTORY LEFT THE BALL" in str(exc.value) and "registered method rapp" in str(exc.value)
    rep = assert_theorem("rapp.last_iterate", operator=op, params={"gamma": 0.5, "lam": 0.5}, K=10)
    assert rep.judged and rep.success and 0 < rep.ratio <= 1


def test_nothing_judged_is_a_failure_not_a_pass(monkeypatch):
    import monoverify.theory.judge.rate as rate

    real = rate.run

    def failing(*a, **kw):
        r = real(*a, **kw)
        r.resolvent_failures = 1
        return r

    monkeypatch.setattr(rate, "run", failing)
    with pytest.raises(AssertionError, match="nothing could be judged"):
        assert_theorem("pp.last_iterate", operator=LowerBoundGame(-0.1, 1.0), params={"gamma": 1.0}, K=10)


def test_theorem_report_is_a_result():
    rep = assert_theorem("pp.last_iterate", operator=LowerBoundGame(-0.1, 1.0), params={"gamma": 1.0}, K=10)
    d = rep.to_dict()
    assert d["theorem"] == "pp.last_iterate" and d["success"] is True and d["status"] == "holds"
