"""The compiled PEP (theory/pep/compiled.py) against the per-cell PEP through PEPit (``worst_case``).

* Values equal ``worst_case(..., cache=False)`` to solver tolerance (relative 1e-5) across methods
  (explicit, implicit, Lookahead, two-entry state), both classes (set-valued; Lipschitz relaxation),
  metrics and last/best iterates; statuses agree (unbounded included).
* Closed form (Gu & Yang, independent of both): PP on monotone operators, ``||z_N - z_{N-1}||^2``
  worst case ``(1 - 1/N)^(N-1) / N``.
* A sweep over ``(rho, L)`` assembles the data once; ``method_source_hash`` reads each class's source
  once; ``worst_case_many`` and the phase diagram's pep mode use it where it applies and PEPit elsewhere.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from monoverify.solvers import make
from monoverify.theory.pep import PEPNotRepresentable, worst_case, worst_case_many
from monoverify.theory.pep import cache as pep_cache
from monoverify.theory.pep import compiled as C

CASES = [
    ("pp", dict(gamma=1.0), -0.2, None, 5, "operator", "last"),
    ("pp", dict(gamma=0.7), 0.1, None, 3, "distance", "last"),
    ("relaxed-pp", dict(gamma=1.0, lam=0.7), 0.05, None, 4, "operator", "last"),
    ("relaxed-pp", dict(gamma=1.0, lam=0.7), -0.1, None, 4, "operator", "last"),    # unbounded
    ("eg+", dict(gamma=0.5, alpha=0.5), -0.1, 1.0, 3, "operator", "last"),
    ("eg+", dict(gamma=0.5, alpha=0.5), -0.1, 1.0, 3, "extrapolated_operator_sq", "best"),
    ("rapp", dict(gamma=0.5, lam=0.5, tau=2), -0.1, 1.0, 3, "resolvent_residual_sq", "last"),
    ("la-eg", dict(gamma=0.4, lam=0.5, tau=2), -0.05, 1.0, 2, "operator", "best"),
    ("la-gda", dict(gamma=0.3, lam=0.5, tau=2), -0.05, 1.0, 2, "fixed_point_residual_sq", "last"),
    ("ogda", dict(gamma=0.2), 0.0, 1.0, 3, "distance", "last"),
    ("ceg+", dict(gamma=0.5, alpha=0.5), -0.1, 1.0, 2, "ceg_step_sq", "last"),
    ("gda", dict(gamma=0.5), -0.3, 1.0, 2, "step", "best"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[5]}-{c[6]}-{c[2]}" for c in CASES])
def test_equal_to_the_per_cell_pep(case):
    name, kw, rho, L, N, metric, it = case
    m = make(name, **kw)
    ref = worst_case(m, rho, L, N, metric, iterate=it, cache=False)
    got = C.compiled_worst_case(m, rho, L, N, metric, iterate=it)
    assert got.status == ref.status
    if ref.status == "optimal":
        assert abs(got.value - ref.value) <= 1e-5 * abs(ref.value) + 1e-8, (got.value, ref.value)
        assert got.relaxation == ref.relaxation
        assert "compiled SDP" in got.message
        # the worst case's evaluations (x_i, F x_i) come with it, as worst_case gives them (pepfit reads them)
        assert got.points is not None and len(got.points) == len(ref.points)


@pytest.mark.parametrize("N", [1, 2, 3, 5, 8])
def test_pp_step_closed_form(N):
    r = C.compiled_worst_case(make("pp", gamma=1.0), 0.0, None, N, "step")
    want = (1 - 1 / N) ** (N - 1) / N
    assert r.status == "optimal" and abs(r.value - want) <= 1e-6 * want + 1e-9


def test_a_rho_sweep_assembles_once_and_matches_pepit():
    C._PROGRAMS.clear()
    m = make("pp", gamma=1.0)
    rhos = np.linspace(-0.3, 0.3, 7)
    got = [C.compiled_worst_case(m, float(r), None, 5).value for r in rhos]
    assert len(C._PROGRAMS) == 1
    for r, v in zip(rhos, got):
        ref = worst_case(m, float(r), None, 5, cache=False)
        assert ref.status == "optimal" and abs(v - ref.value) <= 1e-5 * abs(ref.value) + 1e-8


def test_source_hash_reads_each_class_once(monkeypatch):
    calls = []
    real = inspect.getsource

    def counting(obj):
        calls.append(obj)
        return real(obj)

    pep_cache._class_sources.cache_clear()
    monkeypatch.setattr(pep_cache.inspect, "getsource", counting)
    pep_cache.method_source_hash(make("rapp", gamma=0.2, lam=0.5, tau=3))
    first = len(calls)
    for g in np.linspace(0.1, 0.9, 20):
        pep_cache.method_source_hash(make("rapp", gamma=float(g), lam=0.5, tau=3))
    assert first > 0 and len(calls) == first       # read for the first cell only, not once per cell
    assert pep_cache.method_source_hash(make("eg", gamma=0.5)) != pep_cache.method_source_hash(make("pp", gamma=0.5))


def test_not_representable_and_the_fallbacks():
    with pytest.raises(PEPNotRepresentable):
        C.compiled_worst_case(make("adaptive-ceg+", gamma=0.5), -0.1, 1.0, 2)
    jobs = [dict(method=make("pp", gamma=1.0), rho=0.0, L=None, n_iter=n, cache=False) for n in (1, 2)]
    jobs.append(dict(method=make("pp", gamma=1.0), rho=0.0, L=None, n_iter=2, constraint="box", cache=False))
    a = worst_case_many(jobs)
    b = worst_case_many(jobs, compiled=False)
    assert ["compiled SDP" in r.message for r in a] == [True, True, False]
    assert not any("compiled SDP" in r.message for r in b)
    for x, y in zip(a, b):
        assert x.status == y.status and abs(x.value - y.value) <= 1e-5 * abs(y.value) + 1e-8
    assert [round(r.value, 4) for r in a[:2]] == [1.0, 0.25]   # PP on monotone operators: 1/N^2


def test_phase_pep_mode_uses_it():
    from monoverify.theory.phase import compute

    m = make("eg+", gamma=0.5, alpha=0.5)
    r = compute._pep_cell(m, -0.1, 3, False, worst_case)
    ref = worst_case(m, -0.1, 1.0, 3, cache=False)
    assert "compiled SDP" in r.message and abs(r.value - ref.value) <= 1e-5 * ref.value
    assert "compiled SDP" not in compute._pep_cell(make("eg", gamma=0.5), 0.0, 2, True, worst_case).message
