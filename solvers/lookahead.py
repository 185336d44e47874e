"""``Lookahead(base, tau, lam)``: the one relaxation transform of the toolkit (SPEC §3.2).

One outer step: re-initialise ``base`` at ``z``, take ``tau`` base steps to ``w``, return
``(1 - lam) z + lam w``. Composed with other methods it gives

* ``la-gda``, ``la-eg``, ``la-eg+``, ``la-ceg+``: ``Lookahead(GDA | EG | EG+ | CEG+, tau, lam)``,
* ``rapp``: ``Lookahead(APP(gamma, tau), 1, lam)`` (the Krasnosel'skii-Mann step on the inexact
  resolvent), ``relaxed-pp``: ``Lookahead(PP(gamma), 1, lam)``,
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
from .base import Method, State, check_int, check_positive

__all__ = ["Lookahead"]


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
        check_int("tau", self.tau, 1)
        check_positive("lam", self.lam)

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        inner = self.base.init(z, oracle)
        for _ in range(self.tau):
            inner = self.base.step(inner, oracle)
        return {"z": (1 - self.lam) * z + self.lam * inner["z"]}
