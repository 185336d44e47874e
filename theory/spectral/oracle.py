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
    """

    def __init__(self, mu: Any, exact: bool = False):
        self.mu = mu
        self.exact = exact
        self.used_inner_product = False

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
