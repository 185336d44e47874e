"""Problems given as a sum: ``0 in A z + B z (+ C z)`` with the resolvent of each summand.

Splitting methods (Douglas-Rachford, Davis-Yin, :mod:`monoverify.solvers.splitting`) ask for the
resolvent ``J_{gamma T_i}`` of one summand ``T_i`` at a time, never for that of the whole sum.
:func:`Sum` builds such a problem from its summands, in order: each is an unconstrained
:class:`~monoverify.operators.Operator` (single-valued: ``F_i``) or a
:class:`~monoverify.operators.sets.Set` (``N_C`` or ``dg``: its resolvent is the projection or prox).
At most one summand may be a set; it is the problem's ``constraint``, so the runner's residual is
the natural residual of ``A + sum_i F_i`` as for any constrained operator.

The sum is itself an operator, ``F = sum_i F_i`` (the single-valued summands), so every method of
the toolkit runs on it; splitting methods additionally reach the summands through
``oracle.F_of(i, z)`` and ``oracle.resolvent_of(i, z, gamma)`` (:class:`~monoverify.solvers.Oracle`,
and the PEP oracle offer the same two calls). :func:`terms_of` gives the summands of *any* operator:
a plain operator ``F`` with a constraint ``A`` is the sum ``(F, A)`` (the set last: splitting methods
resolve the last summand first, so their reported iterate is its projection, a feasible point), an
unconstrained one the single summand ``(F,)``.

* All single-valued summands linear: a :class:`LinearSum`, a
  :class:`~monoverify.operators.LinearOperator` of ``sum_i M_i`` (offsets added) with exact constants
  from that matrix (spectral analysis and the runner's linear path apply unchanged).
* Otherwise an :class:`OperatorSum` with certified one-sided constants: ``L <= sum_i L_i`` and the
  comonotonicity the summands guarantee (``rho = 1/sum_i (1/rho_i)`` if every ``rho_i > 0``, ``0``
  if every ``rho_i >= 0``): a sum of ``rho_i``-cocoercive maps is ``1/sum(1/rho_i)``-cocoercive
  (Cauchy-Schwarz), a sum of monotone maps is monotone [derived].

Examples
--------
>>> import numpy as np
>>> from monoverify.operators import LinearOperator, Box
>>> A = LinearOperator([[2, 0], [0, 1]]); B = LinearOperator([[0, 1], [-1, 0]])
>>> P = Sum(A, B)
>>> P.matrix.tolist(), P.L, P.rho             # exact constants of the sum's matrix
([[2.0, 1.0], [-1.0, 1.0]], sqrt(2*sqrt(13) + 14)/2, 1/3)
>>> len(P.terms), [type(t).__name__ for t in terms_of(A.with_constraint(Box(-1.0, 1.0, dim=2)))]
(2, ['LinearOperator', 'Box'])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue

from .base import Constant, Constants, Operator
from .linear import LinearOperator
from .sets import Set, Whole

__all__ = ["Sum", "LinearSum", "OperatorSum", "terms_of"]


def _check_terms(terms: tuple) -> tuple[int, tuple, Set | None]:
    if len(terms) < 2:
        raise InvalidValue(f"Sum needs at least 2 summands (operators or one set), got {len(terms)}")
    dims = set()
    sets = []
    for i, t in enumerate(terms):
        if isinstance(t, Set):
            sets.append(t)
        elif isinstance(t, Operator):
            if not isinstance(t.constraint, Whole):
                raise InvalidValue(f"summand {i} ({t!r}) has the constraint {t.constraint!r}: give the set as a "
                                   "separate summand, e.g. Sum(F, Box(...))")
        else:
            raise InvalidValue(f"summand {i} must be an Operator or a Set, got {t!r}")
        dims.add(int(t.dim))
    if len(dims) != 1:
        raise InvalidValue(f"the summands must share one dimension, got dimensions {sorted(dims)}")
    if len(sets) > 1:
        raise InvalidValue(f"Sum takes at most one set summand (it is the problem's constraint), got {len(sets)}")
    ops = tuple(t for t in terms if isinstance(t, Operator))
    if not ops:
        raise InvalidValue("Sum needs at least one single-valued operator summand")
    return dims.pop(), ops, (sets[0] if sets else None)


class _SumMixin:
    """What every sum offers besides being an operator: its summands, in order."""

    terms: tuple

    @property
    def n_terms(self) -> int:
        return len(self.terms)

    def term(self, i: int) -> Any:
        """Summand ``i`` (an :class:`Operator` or a :class:`Set`)."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(self.terms):
            raise InvalidValue(f"summand index must be an integer in [0, {len(self.terms) - 1}], got i={i!r}")
        return self.terms[int(i)]


class LinearSum(_SumMixin, LinearOperator):
    """A sum whose single-valued summands are all linear: ``F z = (sum M_i) z + sum b_i`` (see :func:`Sum`)."""


class OperatorSum(_SumMixin, Operator):
    """A sum with a nonlinear summand: ``F = sum_i F_i`` with certified one-sided constants (see :func:`Sum`)."""

    def __init__(self, terms: tuple, ops: tuple, constraint: Set | None, dim: int, name: str, solution: Any):
        self.terms = terms
        self._ops = ops
        self.dim = dim
        self.name = name
        self.params = {"terms": " + ".join(getattr(t, "name", type(t).__name__) for t in terms)}
        self._constraint = constraint
        self.solution = None if solution is None else np.asarray(solution, dtype=float)
        self.constants = _bound_constants(ops)

    def _F(self, z: Any, xp: Any) -> Any:
        out = self._ops[0].F(z)
        for t in self._ops[1:]:
            out = out + t.F(z)
        return out


def _bound_constants(ops: tuple) -> Constants:
    Ls = [float(t.L) for t in ops]
    rhos = [float(t.rho) for t in ops]
    L = sp.Add(*[sp.sympify(t.L) for t in ops]) if all(t.constants.L.kind == "exact" for t in ops) else sp.Float(sum(Ls))
    if all(r > 0 for r in rhos):
        rho = 1 / sp.Add(*[1 / sp.sympify(t.rho) for t in ops])
        note = "a sum of rho_i-cocoercive maps is 1/sum(1/rho_i)-cocoercive (Cauchy-Schwarz): a valid rho, maybe not the largest"
    elif all(r >= 0 for r in rhos):
        rho = sp.Integer(0)
        note = "a sum of monotone maps is monotone: rho = 0 is valid, maybe not the largest"
    else:
        rho = -sp.oo
        note = "a summand is not monotone: no comonotonicity of the sum is guaranteed"
    return Constants(L=Constant(L, "bound", "derived: ||sum F_i(z) - sum F_i(z')|| <= sum L_i ||z - z'||",
                                "an upper bound"),
                     rho=Constant(rho, "bound", "derived from the summands' rho", note))


def Sum(*terms: Any, name: str = "Sum", solution: Any = None) -> Operator:
    """The problem ``0 in T_1 z + ... + T_n z`` with its summands (see the module docstring).

    Parameters
    ----------
    *terms : Operator or Set
        The summands, in order (at least 2; at most one set; operators unconstrained).
    name : str
        Display name.
    solution : array_like, optional
        A known zero of the sum (a linear sum without set computes it itself when it exists).

    Returns
    -------
    LinearSum or OperatorSum
    """
    dim, ops, constraint = _check_terms(terms)
    if all(isinstance(t, LinearOperator) for t in ops):
        exact = [t.matrix_exact for t in ops]
        M = sp.Matrix(sum(exact[1:], exact[0])) if all(e is not None for e in exact) else sum(t.matrix for t in ops)
        offs = [t.offset for t in ops if t.offset is not None]
        b = sum(offs) if offs else None
        op = LinearSum(M, b, constraint=constraint, name=name, solution=solution,
                       params={"terms": " + ".join(getattr(t, "name", type(t).__name__) for t in terms)})
        op.terms = tuple(terms)
        return op
    return OperatorSum(tuple(terms), ops, constraint, dim, name, solution)


def terms_of(op: Any) -> tuple:
    """The summands of ``op``: its ``terms`` for a :func:`Sum`; ``(F, A)`` for an operator ``F`` with a
    constraint ``A`` (``F`` then without it); ``(F,)`` for an unconstrained operator."""
    terms = getattr(op, "terms", None)
    if terms is not None:
        return tuple(terms)
    if isinstance(op.constraint, Whole):
        return (op,)
    return (op.with_constraint(None), op.constraint)
