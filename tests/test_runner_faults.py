"""Bad input and faults at the runner (issue 13): each case asserts the class of outcome.

* Refusals: ``ValueError`` whose message names the parameter and the offending value or dtype.
* Statuses: a huge but finite start point is not ``diverged`` (overflow-safe norms, no
  RuntimeWarning); a step that overflows to ``inf`` and then ``inf - inf = NaN`` is ``diverged``,
  while an operator that returns NaN from finite points stays ``nan``.
* Resources: ``iters = 10**7`` with ``tol`` on a batch of 64 allocates only the rows it runs.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
import sympy as sp

from monoverify.operators import LowerBoundGame
from monoverify.operators.base import Constant, Constants, Operator
from monoverify.solvers import GDA, Lookahead, make, run

from _maps import no_runtime_warnings

OP = LowerBoundGame(-0.2, 1.0)
GDA05 = make("gda", gamma=0.5)

REFUSED_RUN = [
    ("complex z0", dict(z0=np.array([1.0 + 1j, 0.0])), ["z0", "complex128"]),
    ("complex z0 batched", dict(z0=np.ones((3, 2), dtype=complex)), ["z0", "complex"]),
    ("object z0", dict(z0=np.array([1.0, None], dtype=object)), ["z0", "object"]),
    ("string z0", dict(z0=np.array(["1", "2"])), ["z0", "<U1"]),
    ("list of strings z0", dict(z0=["a", "b"]), ["z0"]),
    ("empty batch z0", dict(z0=np.zeros((0, 2))), ["z0", "(0, 2)"]),
    ("empty vector z0", dict(z0=np.zeros(0)), ["z0", "(0,)"]),
    ("nan z0", dict(z0=np.array([np.nan, 0.0])), ["z0", "nan"]),
    ("string hyper-parameter (direct)", dict(method=lambda: GDA(gamma="0.5")), ["gamma", "'0.5'"]),
    ("complex hyper-parameter (direct)", dict(method=lambda: GDA(gamma=0.5 + 1j)), ["gamma", "0.5+1j"]),
    ("string array hyper-parameter", dict(method=lambda: GDA(gamma=np.array(["0.1", "0.2"]))), ["gamma"]),
    ("nested string hyper-parameter", dict(method=lambda: Lookahead(GDA(0.5), 2, "0.5")), ["lam", "'0.5'"]),
    ("string iters", dict(iters="10"), ["iters", "'10'"]),
    ("float iters", dict(iters=10.0), ["iters", "10.0"]),
    ("negative iters", dict(iters=-1), ["iters", "-1"]),
    ("string tol", dict(tol="1e-6"), ["tol", "1e-6"]),
    ("negative tol", dict(tol=-1.0), ["tol", "-1"]),
    ("nan tol", dict(tol=float("nan")), ["tol", "nan"]),
    ("zero diverge_at", dict(diverge_at=0.0), ["diverge_at", "0"]),
    ("inf diverge_at", dict(diverge_at=float("inf")), ["diverge_at", "inf"]),
    ("string diverge_at", dict(diverge_at="big"), ["diverge_at", "big"]),
    ("bad linear", dict(linear="yes"), ["linear", "yes"]),
    ("not a method", dict(method="gda"), ["method", "gda"]),
]


@pytest.mark.parametrize("case", REFUSED_RUN, ids=[c[0] for c in REFUSED_RUN])
def test_run_refuses_naming_the_parameter(case):
    _, kw, words = case
    kw = dict(kw)
    method = kw.pop("method", GDA05)
    z0 = kw.pop("z0", np.ones(2))
    with pytest.raises(ValueError) as exc:   # refused when the method is built, or at the latest by run
        run(method() if isinstance(method, types.FunctionType) else method, OP, z0, **kw)
    msg = str(exc.value)
    for w in words:
        assert w in msg, (w, msg)


REFUSED_MAKE = [
    ("gda", dict(gamma="0.5"), ["gamma", "'0.5'"]),
    ("rapp", dict(gamma=0.5, lam="half", tau=2), ["lam", "'half'"]),
    ("rapp", dict(gamma=0.5 + 0j, lam=0.5, tau=2), ["gamma", "0.5+0j"]),
    ("la-gda", dict(gamma=np.array(["0.1"]), lam=0.5, tau=2), ["gamma"]),
    ("feg", dict(L=b"1"), ["L"]),
]


@pytest.mark.parametrize("name,kw,words", REFUSED_MAKE)
def test_make_refuses_strings_and_complex(name, kw, words):
    with pytest.raises(ValueError) as exc:
        make(name, **kw)
    for w in words:
        assert w in str(exc.value), (w, str(exc.value))



@pytest.mark.parametrize("scale", [1e155, 1e200, 1e300])
@pytest.mark.parametrize("compiled", [True, False])
def test_huge_finite_start_is_not_diverged(scale, compiled):
    # GDA with gamma = 0.5 contracts on this game: |1 - g mu| < 1 for mu = 0.2 +- i sqrt(1 - 0.04)...
    m = make("rapp", gamma=0.6, lam=0.5, tau=5)
    z0 = np.array([[scale, -scale], [1.0, 2.0]])
    r = no_runtime_warnings(run, m, OP, z0, iters=20, compiled=compiled)
    assert r.status.tolist() == ["max_iter", "max_iter"]
    assert np.all(np.isfinite(r.history.residual)) and np.all(np.isfinite(r.z))
    # the residual of the start is ||M z0|| = ||M|| ||z0|| (M = L x rotation-scaling): finite
    np.testing.assert_allclose(r.history.residual[0, 0], float(OP.L) * np.sqrt(2) * scale, rtol=1e-14)
    np.testing.assert_allclose(r.history.distance[0, 0], np.sqrt(2) * scale, rtol=1e-14)
    assert r.history.residual[-1, 0] < r.history.residual[0, 0]  # and it contracts from there


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("linear", ["never", "always"])
def test_lookahead_huge_step_is_diverged_not_nan(compiled, linear):
    # inner GDA steps multiply by |1 - g mu| ~ 1e150: inf after three, then inf - inf = NaN
    m = make("la-gda", gamma=np.array([1e150, 0.5]), lam=0.5, tau=5)
    r = no_runtime_warnings(run, m, OP, np.array([1.0, -0.5]), iters=10, compiled=compiled, linear=linear)
    assert r.status.tolist() == ["diverged", "max_iter"]
    assert r.n_iter.tolist() == [1, 10]


class NanOperator(Operator):
    """``F z = NaN`` wherever ``z_0 > 1`` (finite otherwise): an undefined operator, not an overflow."""

    def __init__(self):
        self.dim, self.name, self.params, self.solution = 2, "NanOperator", {}, np.zeros(2)
        self.constants = Constants(L=Constant(sp.Integer(1), "bound", "test"), rho=Constant(-sp.oo, "bound", "test"))

    def _F(self, z, xp):
        return np.where(z[..., :1] > 1, np.nan, z)


def test_operator_nan_stays_nan():
    r = no_runtime_warnings(run, make("la-gda", gamma=0.5, lam=0.5, tau=2), NanOperator(), np.array([[2.0, 0.0], [0.5, 0.0]]),
               iters=5)
    assert r.status.tolist() == ["nan", "max_iter"]


def test_history_grows_with_iterations_run():
    # iters = 10**7 on 64 instances with tol: a full history would be 3 x 10**7 x 64 x 8 B = 15 GB
    m = make("rapp", gamma=np.linspace(0.6, 0.8, 64), lam=0.5, tau=5)
    r = run(m, OP, np.array([1.0, -0.5]), iters=10**7, tol=1e-8)
    assert np.all(r.status == "converged")
    rows = int(r.n_iter.max()) + 1
    assert rows < 1000
    assert r.history.residual.shape == r.history.distance.shape == r.history.n_oracle.shape == (rows, 64)
    np.testing.assert_array_equal(r.final_residual <= 1e-8, True)
    # the same run with a small iters keeps the documented (iters + 1, batch) shape and the same numbers
    r2 = run(m, OP, np.array([1.0, -0.5]), iters=2000, tol=1e-8)
    assert r2.history.residual.shape == (2001, 64)
    np.testing.assert_array_equal(r2.history.residual[:rows], r.history.residual)
    assert np.all(np.isnan(r2.history.residual[rows:]))


def test_record_false_keeps_first_and_last_rows():
    m = make("rapp", gamma=np.array([0.6, 0.7]), lam=0.5, tau=5)
    ra = run(m, OP, np.array([1.0, -0.5]), iters=30)
    rb = run(m, OP, np.array([1.0, -0.5]), iters=30, record=False)
    for f in ("residual", "distance"):
        a, b = getattr(ra.history, f), getattr(rb.history, f)
        np.testing.assert_array_equal(b[[0, 30]], a[[0, 30]])
        assert np.all(np.isnan(b[1:30]))
    np.testing.assert_array_equal(ra.z, rb.z)


def test_run_summary_is_json():
    import json

    r = run(make("gda", gamma=np.array([0.1, 3.0])), OP, np.ones(2), iters=50)
    d = json.loads(r.to_json())
    assert d["status"] == r.status.tolist() and d["success"] == [False, False]
    assert d["n_iter"] == r.n_iter.tolist() and d["path"] == "compiled"
    with pytest.raises(NotImplementedError):
        type(r).from_dict(d)
