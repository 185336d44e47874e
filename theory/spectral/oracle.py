"""The oracles of the spectral layer: one eigen-direction (:class:`EigenOracle`), or a linear map
with inner products refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

__all__ = ["EigenOracle"]


class EigenOracle:
    """Oracle of the scalar linear map ``F(z) = mu z`` (one eigen-direction, no constraint).

    Parameters
    ----------
    mu : complex array or SymPy expression
        The eigenvalue(s); arrays broadcast against the iterates.
    exact : bool
        SymPy mode (``vdot`` uses ``sympy.re``/``sympy.conjugate``; ``ratio`` is a plain quotient).

    Notes
    -----
    ``vdot(a, b) = Re(a conj(b))`` is the Euclidean inner product of the plane vectors that the
    complex numbers ``a``, ``b`` stand for; ``mu z`` is then the action of a 2x2 rotation-scaling
    block. ``used_inner_product`` records whether a method asked for it (a nonlinear method).

    Examples
    --------
    >>> o = EigenOracle(2.0)
    >>> o.F(3.0), o.prox(3.0, 0.5), o.resolvent(3.0, 0.5)
    (6.0, 3.0, 1.5)
    >>> EigenOracle(3.0, terms=(1.0, 2.0)).resolvent_of(1, 3.0, 0.5)      # J of the summand with eigenvalue 2
    1.5
    """

    def __init__(self, mu: Any, exact: bool = False, terms: Any = None):
        self.mu = mu
        self.exact = exact
        self.used_inner_product = False
        #: per-summand eigenvalues of a problem given as a sum whose summands share this
        #: eigen-direction (commuting normal summands): ``F_of(i, z) = terms[i] z``,
        #: ``resolvent_of(i, z, gamma) = z/(1 + gamma terms[i])``; ``None`` for one operator
        self.terms = None if terms is None else tuple(terms)

    def _term(self, i: int) -> Any:
        if self.terms is None:
            from monoverify.errors import InvalidValue

            raise InvalidValue("this method asks for a summand of the problem (a splitting method): give the "
                               "eigenvalue of each summand along the direction, terms=(mu_A, mu_B, ...)")
        return self.terms[i]

    def F_of(self, i: int, z: Any) -> Any:
        return self._term(i) * z

    def resolvent_of(self, i: int, z: Any, gamma: Any) -> Any:
        return z / (1 + gamma * self._term(i))

    def F(self, z: Any) -> Any:
        return self.mu * z

    def prox(self, z: Any, gamma: Any) -> Any:
        return z

    def resolvent(self, z: Any, gamma: Any) -> Any:
        return z / (1 + gamma * self.mu)

    def vdot(self, a: Any, b: Any) -> Any:
        self.used_inner_product = True
        if self.exact:
            return sp.re(a * sp.conjugate(b))
        return np.real(a * np.conj(b))

    def ratio(self, num: Any, den: Any) -> Any:
        if self.exact:
            return num / den
        pos = den > 0
        return np.where(pos, num / np.where(pos, den, 1.0), 0.0)
