"""Oracles: what a method may ask of a problem (§3).

:class:`Oracle` evaluates ``F``, ``J_{gamma A}`` and ``J_{gamma (A+F)}`` on arrays and counts
calls; :class:`StochasticOracle` adds unbiased noise (§3.5). The PEP layer provides an
oracle with the same methods on PEPit points, the spectral layer one on SymPy scalars.

>>> import numpy as np
>>> from monoverify.operators import BilinearGame
>>> o = Oracle(BilinearGame([[1.0]]))
>>> o.F(np.array([1.0, 2.0])), o.n_F
(array([ 2., -1.]), 1)

Problems given as a sum (:func:`monoverify.operators.Sum`) also answer ``F_of(i, z)`` and
``resolvent_of(i, z, gamma)`` for each summand (splitting methods):

>>> from monoverify.operators import LinearOperator, Sum
>>> o = Oracle(Sum(LinearOperator([[1.0, 0.0], [0.0, 1.0]]), BilinearGame([[1.0]])))
>>> o.resolvent_of(0, np.array([2.0, 2.0]), 1.0), o.F_of(1, np.array([1.0, 2.0]))
(array([1., 1.]), array([ 2., -1.]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.arrays import asarray_like, namespace_of
from monoverify.operators.resolvent import resolvent as _resolvent
from monoverify.operators.sets import Whole

from .contracts import check_result
from .schedule import MiniBatch, as_schedule

__all__ = ["Oracle", "StochasticOracle", "MiniBatch"]


class Oracle:
    """Deterministic oracle of an operator ``op`` (with its constraint ``A = op.constraint``).

    Attributes
    ----------
    n_F : int
        Number of F evaluations (each over the whole batch passed in).
    n_resolvent : int
        Number of resolvent calls (their inner F evaluations are included in ``n_F``).
    """

    def __init__(self, op: Any, *, resolvent_tol: float = 1e-13, resolvent_max_iter: int = 100_000):
        self.op = op
        self.resolvent_tol = resolvent_tol
        self.resolvent_max_iter = resolvent_max_iter
        self.n_F = 0
        self.n_resolvent = 0
        self._whole = isinstance(op.constraint, Whole)
        # F and prox are looked up once (a constrained run projects every inner step); their first call goes
        # through a contract check (shape, dtype; :mod:`.contracts`) that then replaces itself by the plain call
        self._F = self._first_F
        self._prox = self._first_prox
        self._resolvent_checked = False
        self._terms_checked: set = set()
        self.resolvent_failures = 0

    def _first_F(self, z: Any) -> Any:
        out = self.op.F(z)
        check_result("F", self.op, z, out)
        self._F = self.op.F
        return out

    def _first_prox(self, z: Any, gamma: Any) -> Any:
        out = self.op.constraint.prox(z, gamma)
        check_result("prox", self.op.constraint, z, out)
        self._prox = self.op.constraint.prox
        return out

    @property
    def unconstrained(self) -> bool:
        """``A = 0``: ``prox`` is the identity."""
        return self._whole

    def F(self, z: Any) -> Any:
        self.n_F += 1
        return self._F(z)

    def outer_step(self, k: int) -> None:
        """Called by the runner before outer step ``k`` (``k = 0`` before the first); a deterministic
        oracle ignores it, a :class:`StochasticOracle` takes its mini-batch size ``b_k`` from it."""

    def prox(self, z: Any, gamma: Any) -> Any:
        """``J_{gamma A}(z)``: projection onto the constraint set or prox of the regulariser."""
        return z if self._whole else self._prox(z, gamma)

    def resolvent(self, z: Any, gamma: Any) -> Any:
        """``J_{gamma (A + F)}(z)`` (exact for linear maps, iterative otherwise)."""
        if not self._resolvent_checked:   # the resolvent iterates op.F: its contract first, then the result's
            check_result("F", self.op, z, self.op.F(z))
        w, info = _resolvent(self.op, z, gamma, tol=self.resolvent_tol, max_iter=self.resolvent_max_iter,
                             return_info=True)
        if not self._resolvent_checked:
            check_result("resolvent", self.op, z, w)
            self._resolvent_checked = True
        self.n_resolvent += 1
        self.n_F += info.n_F
        if not info.converged:
            self.resolvent_failures += 1
        return w

    # -- problems given as a sum (splitting methods) ----------------------------------------
    @property
    def terms(self) -> tuple:
        """The summands of the problem (:func:`monoverify.operators.terms_of`): a ``Sum``'s terms,
        ``(A, F)`` for a constrained operator, ``(F,)`` otherwise."""
        t = self.__dict__.get("_terms")
        if t is None:
            from monoverify.operators.sums import terms_of

            t = self._terms = terms_of(self.op)
        return t

    def _term(self, i: Any, what: str) -> Any:
        terms = self.terms
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(terms):
            raise InvalidValue(f"{what}: summand index must be an integer in [0, {len(terms) - 1}] for "
                               f"{getattr(self.op, 'name', self.op)!r} ({len(terms)} summand(s)), got i={i!r}")
        return terms[int(i)]

    def F_of(self, i: int, z: Any) -> Any:
        """``F_i(z)`` of the single-valued summand ``i`` (counted in ``n_F``)."""
        from monoverify.operators.sets import Set

        t = self._term(i, "F_of")
        if isinstance(t, Set):
            raise InvalidValue(f"F_of: summand {i} is the set {t!r}, which has no single value; use resolvent_of")
        self.n_F += 1
        out = t.F(z)
        if i not in self._terms_checked:
            check_result(f"F of summand {i}", t, z, out)
            self._terms_checked.add(i)
        return out

    def resolvent_of(self, i: int, z: Any, gamma: Any) -> Any:
        """``J_{gamma T_i}(z)`` of summand ``i``: the projection / prox of a set, else the resolvent of
        the operator (exact for linear maps, iterative otherwise; counted as for :meth:`resolvent`)."""
        from monoverify.operators.sets import Set

        t = self._term(i, "resolvent_of")
        first = ("J", i) not in self._terms_checked
        if isinstance(t, Set):
            out = t.prox(z, gamma)
            if first:
                check_result(f"prox of summand {i}", t, z, out)
                self._terms_checked.add(("J", i))
            return out
        if first:
            check_result(f"F of summand {i}", t, z, t.F(z))
        w, info = _resolvent(t, z, gamma, tol=self.resolvent_tol, max_iter=self.resolvent_max_iter, return_info=True)
        if first:
            check_result(f"resolvent of summand {i}", t, z, w)
            self._terms_checked.add(("J", i))
        self.n_resolvent += 1
        self.n_F += info.n_F
        if not info.converged:
            self.resolvent_failures += 1
        return w

    def vdot(self, a: Any, b: Any) -> Any:
        """Per-instance inner products, shape ``(..., 1)``."""
        xp = namespace_of(a)
        return xp.sum(a * b, axis=-1, keepdims=True)

    def ratio(self, num: Any, den: Any) -> Any:
        """``num/den`` where ``den > 0``, else 0 (per instance)."""
        xp = namespace_of(num)
        pos = den > 0
        return xp.where(pos, num / xp.where(pos, den, xp.ones_like(den)), xp.zeros_like(num))


class StochasticOracle(Oracle):
    """``F^(z) = F z + xi``, ``E xi = 0``, ``E ||xi||^2 = sigma^2 / b`` (§3.5, R32).

    Gaussian noise from a seeded NumPy generator (reproducible), moved to the namespace of ``z``.
    ``b`` is the mini-batch size: an integer (constant) or a
    :class:`~monoverify.solvers.MiniBatch` schedule ``b_k`` over the outer steps, which the runner
    advances (:meth:`outer_step`). The mean of ``b`` Gaussian samples is drawn as one Gaussian of
    variance ``sigma^2/b``; ``n_samples`` counts the samples a real mini-batch would cost
    (``b`` per call and per instance): the oracle complexity.

    >>> import numpy as np
    >>> from monoverify.operators import BilinearGame
    >>> o = StochasticOracle(BilinearGame([[1.0]]), sigma=0.1, seed=0)
    >>> o.F(np.zeros((4, 2))).shape
    (4, 2)
    >>> o = StochasticOracle(BilinearGame([[1.0]]), sigma=0.1, batch_size=MiniBatch(1, 1))
    >>> o.outer_step(3); o.batch_size
    4
    """

    def __init__(self, op: Any, sigma: float, batch_size: int | MiniBatch = 1, seed: int | None = 0, **kw: Any):
        super().__init__(op, **kw)
        from monoverify import validate

        self.sigma = validate.real("sigma", sigma, lo=0)
        self.schedule = as_schedule(batch_size)
        self.outer = 0
        self.n_samples = 0
        self.rng = np.random.default_rng(validate.seed("seed", seed))

    @property
    def batch_size(self) -> int:
        """The mini-batch size at the current outer step."""
        return self.schedule.size(self.outer)

    def outer_step(self, k: int) -> None:
        self.schedule.size(k)  # validates k
        self.outer = int(k)

    def F(self, z: Any) -> Any:
        Fz = super().F(z)
        b = self.batch_size
        shape = tuple(z.shape)
        self.n_samples += b * (math.prod(shape[:-1]) if len(shape) > 1 else 1)
        scale = self.sigma / np.sqrt(b * self.op.dim)
        noise = self.rng.standard_normal(shape) * scale
        # float64 NumPy z (the common case): the noise is already an array of its namespace and dtype
        return Fz + (noise if type(z) is np.ndarray and z.dtype == np.float64 else asarray_like(noise, z))
