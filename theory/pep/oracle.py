"""The oracle protocol of :mod:`monoverify.solvers` answered on PEPit points."""

from __future__ import annotations

from typing import Any

from .common import PEPNotRepresentable

try:
    from PEPit.primitive_steps import proximal_step
except ImportError:  # pragma: no cover
    proximal_step = None

__all__ = ["PEPOracle"]


class PEPOracle:
    """The oracle protocol of :mod:`monoverify.solvers` on PEPit points.

    Parameters
    ----------
    F : ComonotoneLipschitzOperator
        The operator (a declared PEPit function).
    A : PEPit Function, optional
        ``ConvexIndicatorFunction`` (``A = N_C``) or ``ConvexFunction`` (``A = dg``); ``None``
        for ``A = 0``.
    terms : sequence of PEPit Functions, optional
        The summands of a problem given as a sum (splitting methods): ``F_of(i, z)`` is the value of
        summand ``i`` at ``z``, ``resolvent_of(i, z, gamma)`` an implicit step on it. Default: ``(F,)``,
        or ``(F, A)`` with a constraint (the order of :func:`monoverify.operators.terms_of`).
    """

    def __init__(self, F: Any, A: Any = None, terms: Any = None):
        self.op = F
        self.A = A
        self.T = F if A is None else F + A
        self.terms = tuple(terms) if terms is not None else ((F,) if A is None else (F, A))
        self.n_F = 0
        self.n_resolvent = 0

    @property
    def unconstrained(self) -> bool:
        """``A = 0``: ``prox`` is the identity."""
        return self.A is None

    def F(self, z: Any) -> Any:
        self.n_F += 1
        return self.op.gradient(z)

    def prox(self, z: Any, gamma: Any) -> Any:
        """``J_{gamma A}(z)``: identity when ``A = 0``, else a PEPit proximal step."""
        if self.A is None:
            return z
        x, _, _ = proximal_step(z, self.A, float(gamma))
        return x

    def resolvent(self, z: Any, gamma: Any) -> Any:
        """``J_{gamma (A + F)}(z)``: an implicit step, ``w = z - gamma g`` with a new leaf ``g in T w``."""
        self.n_resolvent += 1
        x, _, _ = proximal_step(z, self.T, float(gamma))
        return x

    def F_of(self, i: int, z: Any) -> Any:
        """The value of summand ``i`` at ``z`` (a leaf of that summand's function)."""
        self.n_F += 1
        return self.terms[i].gradient(z)

    def resolvent_of(self, i: int, z: Any, gamma: Any) -> Any:
        """``J_{gamma T_i}(z)``: an implicit step on summand ``i`` alone."""
        self.n_resolvent += 1
        x, _, _ = proximal_step(z, self.terms[i], float(gamma))
        return x

    def vdot(self, a: Any, b: Any) -> Any:
        raise PEPNotRepresentable(
            "this method needs per-instance inner products (oracle.vdot), e.g. an adaptive step size "
            "alpha_k = <.,.>/||.||^2; a PEP can only use step sizes fixed in advance, so it cannot be written as a PEP")

    ratio = vdot

