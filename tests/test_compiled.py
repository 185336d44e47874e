"""The compiled step (solvers/compiled.py): the same bits as ``method.step``, for every registered method.

The compiled replay is the runner's default; ``compiled=False`` calls ``method.step``. Every
iterate, history entry, status, iteration and oracle count must be identical (``array_equal``,
NaN equal to NaN), batched, with instances stopping at different iterations, on: a 2-D game and a
7-D linear operator (column replay), a 20-D linear operator (row replay), a constrained linear
operator and a nonlinear map (row replay with prox calls / opaque F), problems given as sums of two and
three summands (the splitting methods' per-summand resolvents), a stochastic oracle.
"""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.operators import Box, LinearOperator, LowerBoundGame, Sum, random_comonotone, terms_of
from monoverify.solvers import METHODS, StochasticOracle, make, run
from monoverify.solvers.columns import ColumnStep
from monoverify.solvers.compiled import CompiledStep, compile_step

from _maps import SinMap

# one hyper-parameter choice per registered method, swept over the batch where it is an array
PARAMS = {
    "gda": dict(gamma=[0.05, 0.3, 0.9, 2.5]),
    "eg": dict(gamma=[0.1, 0.5, 0.9, 1.5]),
    "eg+": dict(gamma=0.8, alpha=[0.1, 0.4, 0.9, 1.0]),
    "ceg+": dict(gamma=[0.2, 0.5, 0.8, 2.0], alpha=0.5),
    "adaptive-ceg+": dict(gamma=[0.2, 0.5, 0.8, 2.0]),
    "ogda": dict(gamma=[0.05, 0.2, 0.4, 1.2]),
    "pp": dict(gamma=[0.1, 0.5, 2.0, 9.0]),
    "relaxed-pp": dict(gamma=0.5, lam=[0.1, 0.5, 1.0, 1.5]),
    "app": dict(gamma=[0.1, 0.5, 0.9, 1.4], tau=3),
    "rapp": dict(gamma=[0.1, 0.5, 0.9, 1.4], lam=0.5, tau=4),
    "la-gda": dict(gamma=[0.1, 0.5, 0.9, 1.9], lam=0.3, tau=2),
    "la-eg": dict(gamma=0.5, lam=[0.1, 0.5, 0.9, 1.9], tau=2),
    "la-eg+": dict(gamma=0.5, lam=[0.1, 0.5, 0.9, 1.9], tau=2, alpha=0.5),
    "la-ceg+": dict(gamma=[0.1, 0.5, 0.9, 2.5], lam=0.5, tau=2, alpha=0.5),
    "feg": dict(L=1.0, rho=[0.0, -0.1, -0.3, -0.45]),
    "alt-gda": dict(gamma=[0.05, 0.3, 0.9, 2.5]),
    "la-alt-gda": dict(gamma=[0.1, 0.5, 0.9, 1.9], lam=0.5, tau=2),
    # the field's methods (issue 25)
    "halpern": dict(gamma=[0.1, 0.5, 0.9, 1.5]),
    "km": dict(gamma=0.5, lam=[0.1, 0.5, 0.9, 1.0]),
    "km-increasing": dict(gamma=[0.1, 0.5, 0.9, 1.5]),
    "eag-c": dict(gamma=[0.05, 0.1, 0.125, 0.5]),
    "eag-v": dict(gamma=[0.1, 0.3, 0.5, 0.618], L=1.0),
    "kim-app": dict(gamma=[0.1, 0.5, 2.0, 9.0]),
    "peg": dict(gamma=[0.05, 0.2, 0.4, 1.2]),
    "dr": dict(gamma=[0.1, 0.5, 2.0, 9.0], lam=1.0),
    "davis-yin": dict(gamma=[0.1, 0.5, 2.0, 9.0], lam=1.0),
    "hb": dict(gamma=0.3, beta=[-0.5, 0.0, 0.3, 0.9]),
    "alt-hb": dict(gamma=0.3, beta=[-0.5, 0.0, 0.3, 0.9]),
    "nag": dict(gamma=[0.05, 0.3, 0.9, 1.5]),
    "la-peg": dict(gamma=[0.05, 0.2, 0.4, 1.2], lam=0.5, tau=2),
    "la-hb": dict(gamma=0.3, beta=[-0.5, 0.0, 0.3, 0.9], lam=0.5, tau=2),
    "la-alt-hb": dict(gamma=0.3, beta=[-0.5, 0.0, 0.3, 0.9], lam=0.5, tau=2),
}
#: methods that update the players in turn: they need ``op.players`` and are not traced (constant masks)
ALTERNATING = ("alt-gda", "la-alt-gda", "alt-hb", "la-alt-hb")
#: splitting methods and the number of summands they need (a plain operator has 1, 2 with a constraint)
SPLITTING = {"dr": 2, "davis-yin": 3}
#: time-varying methods (a counter in the state) and those asking for one summand's resolvent: not traced
NOT_TRACED = ("feg", "adaptive-ceg+", "halpern", "km-increasing", "eag-c", "eag-v", "kim-app", "nag", "dr",
              "davis-yin") + ALTERNATING


def _method(name):
    return make(name, **{k: (np.asarray(v, dtype=float) if isinstance(v, list) else v) for k, v in PARAMS[name].items()})


def _ops():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 4)) / 3
    return {
        "game2": LowerBoundGame(-0.2, 1.0),
        "linear7": random_comonotone(7, -0.2, 1.0, seed=2),
        "linear7+b": LinearOperator(random_comonotone(7, -0.2, 1.0, seed=2).matrix, b=np.arange(7.0) / 7),
        "linear20": random_comonotone(20, -0.2, 1.0, seed=5),
        "box4": LinearOperator(A, constraint=Box(-0.5, 0.5, dim=4)),
        "sinmap4": SinMap(A, rng.standard_normal(4)),
        # problems given as sums, for the splitting methods (dr: 2 summands, davis-yin: 3) and everyone else
        "sum2": Sum(LowerBoundGame(-0.2, 1.0), LinearOperator(np.array([[0.5, 1.0], [-1.0, 0.5]]), b=np.array([0.1, 0.0]))),
        "sum3": Sum(LinearOperator(A @ A.T), LinearOperator(A - A.T), LinearOperator(np.eye(4) / 2, b=np.ones(4) / 4)),
    }


def _equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def test_every_registered_method_is_covered():
    assert set(PARAMS) == set(METHODS), {"not covered": sorted(set(METHODS) - set(PARAMS)),
                                         "no longer registered": sorted(set(PARAMS) - set(METHODS))}
    # and every one runs on at least one problem of _ops (a method skipped on all of them is not covered)
    ops = _ops()
    for name in PARAMS:
        runs = [o for o, op in ops.items() if not (name in ALTERNATING and getattr(op, "players", None) is None)
                and not (name in SPLITTING and len(terms_of(op)) != SPLITTING[name])]
        assert runs, name


@pytest.mark.parametrize("opname", list(_ops()))
@pytest.mark.parametrize("name", sorted(PARAMS))
def test_compiled_equals_step_bit_for_bit(name, opname):
    op = _ops()[opname]
    if name in ALTERNATING and getattr(op, "players", None) is None:
        pytest.skip("alternating methods need an operator that declares its players")
    if name in SPLITTING and len(terms_of(op)) != SPLITTING[name]:
        pytest.skip(f"{name} needs a problem with {SPLITTING[name]} summands")
    m = _method(name)
    z0 = np.random.default_rng(7).standard_normal((4, op.dim)) * np.array([1e-3, 1.0, 5.0, 1e3])[:, None]
    kw = dict(iters=40, tol=1e-3, monitors={"x0": lambda z, idx: z[:, 0]})
    ra = run(m, op, z0, compiled=False, **kw)
    rb = run(m, op, z0, **kw)
    assert ra.path == "step"
    if name not in NOT_TRACED:  # counters (feg, anchored methods), adaptive-ceg+'s inner products, the
        # alternating methods' player masks and per-summand resolvents are not traced
        assert rb.path == "compiled"
    assert _equal(ra.z, rb.z)
    for f in ("residual", "distance", "n_oracle"):
        assert _equal(getattr(ra.history, f), getattr(rb.history, f)), f
    assert _equal(ra.history.monitors["x0"], rb.history.monitors["x0"])
    assert ra.status.tolist() == rb.status.tolist()
    assert _equal(ra.n_iter, rb.n_iter) and _equal(ra.n_oracle, rb.n_oracle)
    assert (ra.n_resolvent, ra.resolvent_failures) == (rb.n_resolvent, rb.resolvent_failures)


def test_statuses_are_exercised():
    seen = set()
    for opname in ("game2", "linear7"):
        op = _ops()[opname]
        z0 = np.random.default_rng(7).standard_normal((4, op.dim)) * np.array([1e-3, 1.0, 5.0, 1e3])[:, None]
        for name in ("gda", "rapp", "la-gda"):
            seen.update(run(_method(name), op, z0, iters=40, tol=1e-3).status.tolist())
    assert {"converged", "diverged", "max_iter"} <= seen  # the comparison covers instances leaving the batch


def test_stochastic_oracle_same_noise_same_bits():
    op = LowerBoundGame(-0.2, 1.0)
    m = _method("rapp")
    z0 = np.ones((4, 2))
    ra = run(m, op, z0, iters=30, oracle=StochasticOracle(op, 0.1, seed=3), compiled=False)
    rb = run(m, op, z0, iters=30, oracle=StochasticOracle(op, 0.1, seed=3))
    assert rb.path == "compiled"
    assert _equal(ra.z, rb.z) and _equal(ra.history.residual, rb.history.residual)


@pytest.mark.parametrize("opname,cls", [("game2", ColumnStep), ("linear7", ColumnStep), ("linear20", CompiledStep),
                                        ("box4", CompiledStep), ("sinmap4", CompiledStep)])
def test_replay_kind(opname, cls):
    from monoverify.solvers import Oracle

    op = _ops()[opname]
    st = {"z": np.ones((3, op.dim))}
    m = make("rapp", gamma=0.5, lam=0.5, tau=3).map_hyper(lambda n, v: np.full((3, op.dim), v))
    c = compile_step(m, op, st, Oracle(op))
    assert type(c) is cls


def test_untraceable_steps_fall_back():
    op = LowerBoundGame(-0.2, 1.0)
    st = {"z": np.ones((3, 2))}
    feg = make("feg", L=1.0)
    assert compile_step(feg, op, feg.init(st["z"], None)) is None  # state counter k changes
    assert compile_step(make("adaptive-ceg+", gamma=0.5), op, st) is None  # inner products
    assert compile_step(make("gda", gamma=0.5), op, {"z": np.ones((3, 2), dtype=np.float32)}) is None


def test_compiled_opt_out():
    op = LowerBoundGame(-0.2, 1.0)
    assert run(make("gda", gamma=0.5), op, np.ones(2), iters=3, compiled=False).path == "step"
    assert run(make("gda", gamma=0.5), op, np.ones(2), iters=3).path == "compiled"
