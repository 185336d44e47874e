"""``Lookahead(base, tau, lam)``: the one relaxation transform of the toolkit (§3.2 of the
documentation's Mathematics page).

One outer step: re-initialise ``base`` at ``z``, take ``tau`` base steps to ``w``, return
``(1 - lam) z + lam w``. Composed with other methods it gives

* ``la-gda``, ``la-eg``, ``la-eg+``, ``la-ceg+``: ``Lookahead(GDA | EG | EG+ | CEG+, tau, lam)``,
* ``rapp``: ``Lookahead(AnchoredStep(gamma), tau, lam)``: ``tau`` fixed-point steps
  ``w <- J_{gamma A}(z - gamma F w)`` that all step from the anchor ``z`` (the inexact resolvent of
  ``APP(gamma, tau)``, the same operations in the same order), then the Krasnosel'skii-Mann step, so
  that ``make("rapp", tau=5).tau == 5`` is the inner count the user gave;
  ``relaxed-pp``: ``Lookahead(PP(gamma), 1, lam)``,
* ``eg+`` (unconstrained; relaxed projected EG with constraints): ``Lookahead(EG(gamma), 1, alpha)``.

Nesting is allowed: ``Lookahead(Lookahead(EG(g), 1, a), tau, lam)`` is LA-EG+.

>>> from monoverify.solvers.methods import GDA
>>> la = Lookahead(GDA(gamma=0.5), tau=2, lam=0.25)
>>> la
Lookahead(base=GDA(gamma=0.5), tau=2, lam=0.25)
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from monoverify.errors import InvalidValue
from monoverify.operators.resolvent import fixed_point_step
from .base import Method, State, check_int, check_positive

__all__ = ["Lookahead", "AnchoredStep"]


@dataclasses.dataclass(frozen=True)
class Lookahead(Method):
    """Lookahead / Krasnosel'skii-Mann relaxation of ``tau`` steps of ``base``.

    Parameters
    ----------
    base : Method
        Any method (including another ``Lookahead``).
    tau : int
        Inner steps per outer step (``>= 1``).
    lam : float or array of shape (batch,)
        Interpolation weight ``lambda > 0`` (``lambda = 1`` gives ``base^tau``; values above 1
        are over-relaxation, allowed e.g. for relaxed PP up to ``2(1 + rho/gamma)``).
    """

    base: Method
    tau: int = 1
    lam: Any = 0.5
    hyper_fields: ClassVar = ("lam",)
    calls: ClassVar = "tau x base"

    def __post_init__(self):
        if not isinstance(self.base, Method):
            raise InvalidValue(f"base must be a Method, got {self.base!r}")
        check_int("tau", self.tau, 1, type(self).__name__)
        check_positive("lam", self.lam)

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        inner = self.base.init(z, oracle)
        for _ in range(self.tau):
            inner = self.base.step(inner, oracle)
        return {"z": (1 - self.lam) * z + self.lam * inner["z"]}


@dataclasses.dataclass(frozen=True)
class AnchoredStep(Method):
    """The inner step of RAPP: ``w+ = J_{gamma A}(anchor - gamma F(w))``, always from the anchor.

    ``init(z)`` sets both the iterate and the anchor to ``z``; every ``step`` keeps the anchor.
    Under :class:`Lookahead` the base is re-initialised at each outer iterate, so
    ``Lookahead(AnchoredStep(gamma), tau, lam)`` is RAPP (PXC23, Algorithm 1): ``tau`` steps of
    the fixed-point iteration for ``J_{gamma T} z`` (identical to GDA except that it steps from
    ``z``), then ``(1 - lam) z + lam w``. With ``lam = 1`` it is ``APP(gamma, tau)``, operation for
    operation.

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step size, ``> 0``.

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> m = make("rapp", gamma=0.5, lam=0.5, tau=5)
    >>> m, m.tau
    (Lookahead(base=AnchoredStep(gamma=0.5), tau=5, lam=0.5), 5)
    """

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "anchor": z0}

    def step(self, state: State, oracle: Any) -> State:
        a = state["anchor"]
        return {"z": fixed_point_step(a, state["z"], self.gamma, oracle.F, oracle.prox), "anchor": a}
