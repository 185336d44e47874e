"""Cost estimates and limits (issue 24): every command whose cost a user input can make unbounded.

``pep --n 3000``, ``check --K 10^12``, ``make("rapp", tau=10**30)``, a phase diagram of 10^8 cells or one axis
of 10^12 values, ``discover --n 1:100000``, ``prove --potential`` of a 300-point step, a 10^5-dimensional dense
matrix: each started silently and ran for hours (or ran out of memory). Each is now estimated before any work
starts and refused with the estimate, the limit and the option (or ``monoverify.limits.raised``) that raises
it; below the limit the work runs. Every refusal below returns within a few seconds.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from monoverify import limits
from monoverify.cli import main
from monoverify.errors import InvalidValue
from monoverify.operators import random_comonotone, random_quadratic
from monoverify.solvers import Lookahead, make
from monoverify.theory import check, spectral
from monoverify.theory import pep as P
from monoverify.theory.phase import phase_diagram


def _refused(fn, *words, seconds=20.0):
    t0 = time.perf_counter()
    with pytest.raises(InvalidValue) as exc:
        fn()
    assert time.perf_counter() - t0 < seconds, "the estimate must come before the work"
    msg = str(exc.value)
    for w in words:
        assert w in msg, (w, msg)
    return msg


# ---------------------------------------------------------------------------------------------------------
# structural integers
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kw", [("rapp", dict(gamma=0.5, lam=0.5)), ("app", dict(gamma=0.5)),
                                     ("la-gda", dict(gamma=0.5, lam=0.5)), ("la-eg", dict(gamma=0.5, lam=0.5))])
def test_structural_integer_past_the_limit_is_refused(name, kw):
    msg = _refused(lambda: make(name, tau=10 ** 30, **kw), "tau=1000000000000000000000000000000", "1.00e+30",
                   "oracle calls per step", "the limit is 1000000", "monoverify.limits.raised(inner_steps=")
    assert "10**31" in msg or "1000000000000000000000000000000" in msg


def test_structural_integer_limit_can_be_raised():
    with limits.raised(inner_steps=10 ** 7):
        m = make("rapp", gamma=0.5, lam=0.5, tau=2 * 10 ** 6)
    assert m.tau == 2 * 10 ** 6
    with pytest.raises(InvalidValue):
        make("rapp", gamma=0.5, lam=0.5, tau=2 * 10 ** 6)     # the default is back outside the block
    assert make("rapp", gamma=0.5, lam=0.5, tau=10 ** 6).tau == 10 ** 6   # at the limit: accepted


def test_nested_lookahead_is_guarded_at_each_level():
    _refused(lambda: Lookahead(make("la-gda", gamma=0.5, lam=0.5, tau=2), tau=10 ** 12, lam=0.5), "tau=1000000000000")


# ---------------------------------------------------------------------------------------------------------
# PEP sizes: pep --n, worst_case(n_iter), worst_case_many, discover --n, prove --potential
# ---------------------------------------------------------------------------------------------------------
def test_pep_n_3000_is_refused_with_the_sdp_size(capsys):
    t0 = time.perf_counter()
    rc = main(["pep", "pp", "--rho", "-0.1", "--gamma", "1", "--n", "3000"])
    assert rc == 2 and time.perf_counter() - t0 < 20
    err = capsys.readouterr().err
    for w in ("n_iter=3000", "3002 evaluated points", "3003x3003 Gram matrix", "the limit is 200",
              "--max-points 3002"):
        assert w in err, (w, err)


def test_pep_points_count_the_inner_steps():
    """RAPP with tau = 10 evaluates 10 points per step (the anchored steps' F): N = 25 is 252 points, over 200."""
    _refused(lambda: P.worst_case(make("rapp", gamma=0.5, lam=0.5, tau=10), -0.1, 1.0, 25, cache=False),
             "252 evaluated points", "10 per step")


def test_worst_case_huge_n_iter_is_refused_at_once():
    _refused(lambda: P.worst_case(make("pp", gamma=1.0), -0.1, 1.0, 10 ** 400, cache=False), "evaluated points")


def test_worst_case_many_refuses_before_any_job_runs():
    jobs = [dict(method=make("pp", gamma=1.0), rho=0.0, L=None, n_iter=n, cache=False) for n in (1, 2, 5000)]
    _refused(lambda: P.worst_case_many(jobs), "n_iter=5000")


def test_max_points_raises_the_pep_limit():
    """Below its own limit the PEP runs; max_points is not part of the result (nor of the cache key)."""
    r = P.worst_case(make("pp", gamma=1.0), 0.0, None, 3, metric="step", cache=False, max_points=5)
    assert r.status == "optimal" and abs(r.value - (1 - 1 / 3) ** 2 / 3) < 1e-6     # Gu & Yang
    _refused(lambda: P.worst_case(make("pp", gamma=1.0), 0.0, None, 4, metric="step", cache=False, max_points=5),
             "6 evaluated points", "the limit is 5")


def test_discover_n_range_is_refused_before_the_list_is_built(capsys):
    t0 = time.perf_counter()
    rc = main(["discover", "--method", "pp", "--gamma", "1", "--rho", "0", "--metric", "step", "--n", "1:10000000000"])
    assert rc == 2 and time.perf_counter() - t0 < 20
    err = capsys.readouterr().err
    assert "n=1:10000000000" in err and "--max-points" in err


def test_prove_potential_of_a_long_step_is_refused(capsys):
    rc = main(["prove", "--potential", "--method", "rapp", "--gamma", "1/2", "--lam", "1/2", "--tau", "300",
               "--rho", "-1/10"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "300 evaluated points (300 per step)" in err and "--max-points 300" in err


# ---------------------------------------------------------------------------------------------------------
# check --K: iterations x cells
# ---------------------------------------------------------------------------------------------------------
def test_check_K_10_12_is_refused_with_the_estimate(capsys):
    t0 = time.perf_counter()
    rc = main(["check", "pp.last_iterate", "--K", "1000000000000", "--quick", "--no-progress"])
    assert rc == 2 and time.perf_counter() - t0 < 30
    err = capsys.readouterr().err
    for w in ("K=1000000000000", "cells", "cell-steps", "the limit is 5.00e+07", "--max-steps"):
        assert w in err, (w, err)


def test_check_K_estimate_is_K_times_cells_times_tau():
    """The estimate is K x cells x tau: rapp with tau = 40 at K = 2 * 10^6 is 40 x more than tau = 1 would be."""
    msg = _refused(lambda: check("la-eg.monotone", quick=True, K=2 * 10 ** 6, tau=40, gamma=0.5, lam=0.5,
                                 rho=0.0), "K=2000000", "x 40 oracle call(s) per step")
    assert "cells" in msg


def test_check_max_steps_raises_the_limit_and_the_check_runs():
    with limits.raised(cell_steps=10 ** 12):
        from monoverify.theory.judge.costs import cell_steps

        r = check("pp.last_iterate", quick=True, K=30, rho=-0.1, gamma=1.0)
    assert r.verdict == "holds"


def test_check_max_steps_needs_K(capsys):
    rc = main(["check", "pp.last_iterate", "--max-steps", "100", "--quick", "--no-progress"])
    assert rc == 2 and "--max-steps only applies with --K" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------
# phase diagrams and dense matrices
# ---------------------------------------------------------------------------------------------------------
def test_phase_grid_past_the_limit_is_refused(capsys):
    rc = main(["phase", "la-gda", "--x", "rhoL=-0.5:0:10000", "--y", "lam=0.05:1:10000", "--fixed", "gammaL=0.5",
               "tau=2", "--no-progress"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "a 10000 x 10000 grid" in err and "--max-cells 100000000" in err


def test_phase_axis_of_10_12_values_is_refused_before_allocation(capsys):
    t0 = time.perf_counter()
    rc = main(["phase", "la-gda", "--x", "rhoL=-0.5:0:1000000000000", "--y", "lam=0.05:1:3", "--fixed",
               "gammaL=0.5", "tau=2", "--no-progress"])
    assert rc == 2 and time.perf_counter() - t0 < 20
    assert "1000000000000 values on one axis" in capsys.readouterr().err


def test_phase_cell_weights_by_mode():
    """A pep cell solves one SDP: 200 x 200 pep cells (40,000 PEPs) are refused; 200 x 200 spectral cells run."""
    axes = {"rhoL": np.linspace(-0.5, 0, 200), "lam": np.linspace(0.05, 1, 200)}
    _refused(lambda: phase_diagram("la-gda", axes, fixed={"gammaL": 0.5, "tau": 2}, mode="pep", progress=False),
             "a 200 x 200 grid", "each pep cell counted as 1000 spectral cells")
    r = phase_diagram("la-gda", axes, fixed={"gammaL": 0.5, "tau": 2}, progress=False)
    assert r.values.shape == (200, 200)


def test_phase_max_cells_option_raises_the_limit(capsys, tmp_path):
    rc = main(["phase", "la-gda", "--x", "rhoL=-0.5:0:4", "--y", "lam=0.05:1:3", "--fixed", "gammaL=0.5", "tau=2",
               "--no-progress", "--max-cells", "11"])
    assert rc == 2 and "the limit is 11" in capsys.readouterr().err
    rc = main(["phase", "la-gda", "--x", "rhoL=-0.5:0:4", "--y", "lam=0.05:1:3", "--fixed", "gammaL=0.5", "tau=2",
               "--no-progress", "--max-cells", "12"])
    assert rc == 0


@pytest.mark.parametrize("fn", [lambda: random_comonotone(10 ** 5, -0.1, 1.0), lambda: random_quadratic(10 ** 400, 0.1, 1.0)],
                         ids=["1e5", "1e400"])
def test_dense_dimension_past_the_limit_is_refused(fn):
    _refused(fn, "matrix entries", "monoverify.limits.raised(dense_entries=")


def test_k_step_products_are_bounded():
    _refused(lambda: spectral.k_step_multiplier(make("gda", gamma=0.5), 0.5, 10 ** 400), "K=", "steps")


def test_limits_names_and_values():
    with pytest.raises(InvalidValue, match="unknown limit 'nope'"):
        limits.limit("nope")
    with pytest.raises(InvalidValue, match="pep_points must be an integer >= 1"):
        with limits.raised(pep_points=0):
            pass
    with limits.raised(pep_points=None):       # None: no limit
        limits.guard("pep_points", 10 ** 9, "x")
