"""Shape and dtype contracts of every oracle result and method state, on every path of the runner (issue 24).

A user operator whose ``F`` answers ``(batch, 1)`` for a 2-D problem used to be accepted by NumPy broadcasting:
the run "finished" with garbage iterates. Each case below must raise ``InvalidValue`` naming the operator (or
method), the expected and the returned shape/dtype, on the NumPy step path, the compiled replay (generated
straight-line code), the numba kernel, the linear path and the column replay alike; a correct operator still
runs bit for bit as before.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.operators import Box, Constant, Constants, LinearOperator, LowerBoundGame, Operator, Sum
from monoverify.solvers import Oracle, make, run
from monoverify.solvers.methods import GDA

ROT = [[0.0, 1.0], [-1.0, 0.0]]
PATHS = [dict(), dict(compiled=False), dict(kernel="never"), dict(linear="auto"), dict(kernel="auto")]
PATH_IDS = ["default", "step", "compiled-replay", "linear-auto", "kernel-auto"]


class Column(Operator):
    """``F z = 2 z_0`` returned as shape (..., 1): the broadcasting bug of the issue."""

    dim, name, params = 2, "column_F", {}
    constants = Constants(Constant(2, "exact", "user"), Constant(0, "exact", "user"))

    def __init__(self) -> None:
        pass

    def _F(self, z, xp):
        return 2.0 * z[..., :1]


class Complex(Column):
    name = "complex_F"

    def _F(self, z, xp):
        return z * (1 + 1j)


class Integer(Column):
    name = "integer_F"

    def _F(self, z, xp):
        return np.ones(z.shape, dtype=np.int64)


class ListF(Column):
    name = "list_F"

    def _F(self, z, xp):
        return z.tolist()


class ColumnLinear(LinearOperator):
    """A LinearOperator subclass (the kernel and column replay know LinearOperator) with the same bug."""

    def F(self, z):
        return super().F(z)[..., :1]


class ColumnBox(Box):
    def prox(self, z, gamma=1.0):
        return super().prox(z, gamma)[..., :1]


@dataclasses.dataclass(frozen=True)
class NoZ(GDA):
    def step(self, state, oracle):
        return {"x": state["z"] - self.gamma * oracle.F(state["z"])}


@dataclasses.dataclass(frozen=True)
class ShortZ(GDA):
    def step(self, state, oracle):
        return {"z": (state["z"] - self.gamma * oracle.F(state["z"]))[:, :1]}


@dataclasses.dataclass(frozen=True)
class NotADict(GDA):
    def init(self, z0, oracle):
        return z0


def _refused(fn, *words):
    with pytest.raises(InvalidValue) as exc:
        fn()
    msg = str(exc.value)
    for w in words:
        assert w in msg, (w, msg)
    return msg


@pytest.mark.parametrize("kw", PATHS, ids=PATH_IDS)
@pytest.mark.parametrize("name", ["gda", "rapp", "pp", "eg", "ogda"])
def test_column_F_is_refused_on_every_path(name, kw):
    params = {"gda": dict(gamma=0.1), "rapp": dict(gamma=0.1, lam=0.5, tau=3), "pp": dict(gamma=0.5),
              "eg": dict(gamma=0.1), "ogda": dict(gamma=0.1)}[name]
    _refused(lambda: run(make(name, **params), Column(), np.ones((3, 2)), iters=5, **kw),
             "operator column_F", "F returned shape (3, 1)", "expected shape (3, 2)")


@pytest.mark.parametrize("kw", PATHS + [dict(linear="always"), dict(kernel="always")],
                         ids=PATH_IDS + ["linear-always", "kernel-always"])
def test_linear_operator_subclass_with_column_F_is_refused(kw):
    """Known to the column replay, the linear path and the kernel generator: their probes check the contract."""
    msg = _refused(lambda: run(make("rapp", gamma=0.1, lam=0.5, tau=3), ColumnLinear(ROT), np.ones((3, 2)),
                               iters=5, **kw), "operator LinearOperator", "F returned shape")
    assert ", 1)" in msg and ", 2) (the input's)" in msg


@pytest.mark.parametrize("op,words", [(Complex(), "dtype complex128"), (Integer(), "dtype int64"),
                                      (ListF(), "a list (not an array)")], ids=["complex", "integer", "list"])
def test_wrong_dtype_or_type_is_refused(op, words):
    _refused(lambda: run(make("gda", gamma=0.1), op, np.ones((3, 2)), iters=5), op.name, words, "real floating")


@pytest.mark.parametrize("kw", PATHS[:3], ids=PATH_IDS[:3])
def test_prox_of_the_wrong_shape_is_refused(kw):
    op = LowerBoundGame(-0.1, 1.0).with_constraint(ColumnBox(-1, 1, dim=2))
    _refused(lambda: run(make("gda", gamma=0.1), op, np.full((3, 2), 0.5), iters=5, **kw),
             "set ColumnBox", "prox returned shape (3, 1)")


def test_resolvent_of_a_column_F_is_refused_before_it_iterates():
    """The iterative resolvent calls op.F directly: its first call checks F (and then its own result)."""
    _refused(lambda: Oracle(Column()).resolvent(np.ones((4, 2)), 0.5), "operator column_F", "F returned shape (4, 1)")


def test_summand_of_the_wrong_shape_is_refused():
    op = Sum(Column(), LinearOperator(np.eye(2)))
    _refused(lambda: Oracle(op).F_of(0, np.ones((4, 2))), "F of summand 0 returned shape (4, 1)")
    _refused(lambda: Oracle(op).resolvent_of(0, np.ones((4, 2)), 0.5), "F of summand 0 returned shape (4, 1)")


@pytest.mark.parametrize("kw", PATHS, ids=PATH_IDS)
@pytest.mark.parametrize("method,words", [(NoZ(gamma=0.1), 'step returned a state without "z" (keys [\'x\'])'),
                                          (ShortZ(gamma=0.1), 'step returned "z" of shape (3, 1)'),
                                          (NotADict(gamma=0.1), "init returned a ndarray, not a dict")],
                         ids=["no-z", "short-z", "not-a-dict"])
def test_user_step_state_contract(method, words, kw):
    msg = _refused(lambda: run(method, LowerBoundGame(-0.1, 1.0), np.ones((3, 2)), iters=5, **kw),
                   f"method {type(method).__name__}")
    assert words.replace("(3, 1)", "") in msg or words in msg


def test_linear_path_checks_the_step_on_the_unit_states():
    _refused(lambda: run(NoZ(gamma=0.1), LowerBoundGame(-0.1, 1.0), np.ones((3, 2)), iters=5, linear="always"),
             "method NoZ", 'without "z"')


def test_the_check_happens_once_then_the_plain_call():
    """First call checked, later calls go straight to op.F (no per-step cost)."""
    op = LowerBoundGame(-0.1, 1.0)
    o = Oracle(op)
    assert o._F != op.F                      # the checking first call
    o.F(np.ones((2, 2)))
    assert o._F == op.F and o.n_F == 1       # replaced by the operator's own F
    with pytest.raises(InvalidValue):
        Oracle(Column()).F(np.ones((2, 2)))


def test_a_correct_user_operator_runs_unchanged():
    """The contract check does not change any number: a user map equal to a LinearOperator gives its bits."""

    class Rot(Operator):
        dim, name, params = 2, "rot", {}
        constants = Constants(Constant(1, "exact", "user"), Constant(0, "exact", "user"))

        def __init__(self) -> None:
            pass

        def _F(self, z, xp):
            return xp.stack([z[..., 1], -z[..., 0]], axis=-1)

    z0 = np.random.default_rng(0).standard_normal((5, 2))
    for kw in PATHS[:3]:
        a = run(make("eg", gamma=0.3), Rot(), z0, iters=30, **kw)
        b = run(make("eg", gamma=0.3), LinearOperator(ROT), z0, iters=30, compiled=False)
        np.testing.assert_allclose(a.z, b.z, rtol=0, atol=1e-15)
        assert list(a.status) == list(b.status)


def test_stochastic_oracle_checks_the_operator_not_the_noise():
    """Noise of the input's shape would hide a (batch, 1) F after broadcasting: the raw F is checked."""
    from monoverify.solvers import StochasticOracle

    _refused(lambda: StochasticOracle(Column(), 0.1).F(np.ones((3, 2))), "operator column_F", "(3, 1)")


def test_pep_and_exact_traces_name_a_step_without_z():
    """The PEP (PEPit points) and the exact symbolic trace of a proof read state["z"] too: an InvalidValue, no KeyError."""
    from monoverify.theory.pep import worst_case
    from monoverify.theory.prove.symbolic import ExactOracle, trace

    _refused(lambda: worst_case(NoZ(gamma=0.5), 0.0, 1.0, 2, cache=False), "method NoZ", 'without "z"')
    _refused(lambda: trace(NoZ(gamma=0.5), 1, ExactOracle()), "method NoZ", 'without "z"')
