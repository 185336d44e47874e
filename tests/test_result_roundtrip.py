"""The shared result protocol (``monoverify.result.Result``) on the PEP, phase and estimate results:
status, message, success, ``to_dict`` and a JSON round trip that gives the same object back."""

from __future__ import annotations

import json

import numpy as np
import pytest

from monoverify.operators import LowerBoundGame
from monoverify.operators.estimate import ConstantsEstimate, estimate_constants
from monoverify.result import Result
from monoverify.solvers import make
from monoverify.theory.pep import LinearLowerBound, PEPResult, Sandwich, linear_lower_bound, sandwich, worst_case
from monoverify.theory.phase import PhaseResult, phase_diagram


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path / "cache"))


def _roundtrip(obj):
    assert isinstance(obj, Result)
    d = obj.to_dict()
    assert d["success"] == obj.success and d["message"] == obj.message
    assert np.array_equal(np.asarray(d["status"]), np.asarray(obj.status))
    json.dumps(d, allow_nan=False)  # JSON-safe: no bare inf/nan
    return type(obj).from_json(obj.to_json())


def test_pep_result_roundtrip():
    r = worst_case(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 1, cache=False)
    assert r.success and r.ok and r.status == "optimal"
    back = _roundtrip(r)
    assert back == r


def test_failed_pep_result_is_not_success():
    r = worst_case(make("gda", gamma=1.0), -0.1, None, 1, cache=False)
    assert r.status == "unbounded" and not r.success
    assert _roundtrip(r) == r


def test_linear_lower_bound_and_sandwich_roundtrip():
    lb = linear_lower_bound(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 1, n_grid=8)
    assert lb.status == "computed" and lb.success and "rotation-scaling" in lb.message
    assert _roundtrip(lb) == lb
    s = sandwich(make("pp", gamma=1.0), -0.2, None, 1, bound=1 / (1.0 * (1.0 - 0.4) * 1), cache=False, n_grid=8)
    assert s.status == "ok" and s.success == s.ok is True
    back = _roundtrip(s)
    assert isinstance(back.lower, LinearLowerBound) and isinstance(back.pep, PEPResult)
    assert back == s and isinstance(back, Sandwich)


def test_phase_result_roundtrip():
    res = phase_diagram("eg+", {"rhoL": [-0.4, 0.0], "alpha": [0.25, 0.5]}, progress=False)
    assert res.success and "phase diagram of eg+" in res.message
    back = _roundtrip(res)
    np.testing.assert_array_equal(back.values, res.values)
    np.testing.assert_array_equal(back.status, res.status)
    assert back.metadata == json.loads(json.dumps(res.to_dict()["metadata"]))
    assert {k: v.tolist() for k, v in back.axes.items()} == {k: v.tolist() for k, v in res.axes.items()}


def test_empirical_phase_result_roundtrip_keeps_extras():
    res = phase_diagram("eg+", {"rhoL": [-0.4, 0.0], "alpha": [0.25, 0.5]}, mode="empirical", iters=50,
                        progress=False)
    back = _roundtrip(res)
    np.testing.assert_array_equal(back.extra["n_iter"], res.extra["n_iter"])
    np.testing.assert_array_equal(back.extra["final_residual"], res.extra["final_residual"])


def test_spectral_cells_are_not_labelled_as_runs():
    res = phase_diagram("eg+", {"rhoL": [-0.45, 0.0], "alpha": [0.9, 0.25]}, fixed={"gammaL": 1.0}, progress=False)
    # 2c + alpha < 1 (R15): (c=0.45, alpha=0.9) outside, (c=0, alpha=0.25) inside
    assert res.status[0, 0] == "radius>=1" and res.status[1, 1] == "radius<1"
    assert not np.isin(res.status, ("converged", "diverged")).any()


def test_constants_estimate_roundtrip():
    est = estimate_constants(LowerBoundGame(-0.1, 1.0), n_samples=200, n_starts=1)
    assert est.success and est.status == "bounded"
    back = _roundtrip(est)
    assert isinstance(back, ConstantsEstimate)
    for k in ("L", "L_attained", "rho", "rho_attained", "rho_weak_mvi", "region", "seed", "L_method"):
        assert getattr(back, k) == getattr(est, k), k
    np.testing.assert_array_equal(back.rho_witness, est.rho_witness)
    assert est.as_dict() == est.to_dict()
