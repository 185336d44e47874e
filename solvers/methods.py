"""The base methods of §3, each written once over the vector-space protocol.

``P = oracle.prox(., gamma)`` is ``J_{gamma A}`` (identity when unconstrained).

Examples
--------
>>> import numpy as np
>>> from monoverify.operators import BilinearGame
>>> from monoverify.solvers import run
>>> r = run(EG(gamma=0.5), BilinearGame([[1.0]]), np.array([1.0, 1.0]), iters=200)
>>> bool(r.history.residual[-1] < 1e-8)
True
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from monoverify.operators.resolvent import fixed_point_step

from .base import Method, State, check_finite, check_int, check_interval, check_positive

__all__ = ["GDA", "EG", "CEGPlus", "AdaptiveCEGPlus", "OGDA", "PP", "APP", "FEG"]


@dataclasses.dataclass(frozen=True)
class GDA(Method):
    """Gradient descent-ascent ``z+ = P(z - gamma F z)`` (§3, ``gda``)."""

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        return {"z": oracle.prox(z - self.gamma * oracle.F(z), self.gamma)}


@dataclasses.dataclass(frozen=True)
class EG(Method):
    """Extragradient (Korpelevich): ``zb = P(z - gamma F z)``, ``z+ = P(z - gamma F zb)``."""

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "2 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        zb = oracle.prox(z - self.gamma * oracle.F(z), self.gamma)
        return {"z": oracle.prox(z - self.gamma * oracle.F(zb), self.gamma)}


@dataclasses.dataclass(frozen=True)
class CEGPlus(Method):
    """Constrained EG+ in Tseng's form (PLPFC22): ``zb = P(z - gamma F z)``,
    ``z+ = z + alpha (H zb - H z)`` with ``H = id - gamma F``; ``alpha = 1`` is Tseng's FBF.

    Unconstrained it equals EG+ (``z+ = z - alpha gamma F zb``). Like FBF, the iterate ``z+``
    need not lie in the constraint set (``zb`` does).
    """

    gamma: Any
    alpha: Any = 0.5
    hyper_fields: ClassVar = ("gamma", "alpha")
    calls: ClassVar = "2 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        check_interval("alpha", self.alpha, 0.0, 1.0)

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        Fz = oracle.F(z)
        zb = oracle.prox(z - self.gamma * Fz, self.gamma)
        d = (zb - self.gamma * oracle.F(zb)) - (z - self.gamma * Fz)
        return {"z": z + self.alpha * d}


@dataclasses.dataclass(frozen=True)
class AdaptiveCEGPlus(Method):
    """AdaptiveEG+ of PLPFC22's code (§3.3): CEG+ with
    ``alpha_k = sigma/gamma + <zb - z, d>/||d||^2`` and ``sigma = -0.99 gamma/2`` by default.

    Needs ``oracle.vdot`` (per-instance inner products), so it runs on arrays, not in PEP.
    """

    gamma: Any
    sigma: Any = None
    hyper_fields: ClassVar = ("gamma", "sigma")
    calls: ClassVar = "2 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        if self.sigma is not None:
            check_finite("sigma", self.sigma)

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        sigma = -0.495 * self.gamma if self.sigma is None else self.sigma
        Fz = oracle.F(z)
        zb = oracle.prox(z - self.gamma * Fz, self.gamma)
        d = (zb - self.gamma * oracle.F(zb)) - (z - self.gamma * Fz)
        alpha = sigma / self.gamma + oracle.ratio(oracle.vdot(zb - z, d), oracle.vdot(d, d))
        return {"z": z + alpha * d}


@dataclasses.dataclass(frozen=True)
class OGDA(Method):
    """Optimistic GDA ``z+ = P(z - 2 gamma F z + gamma F z_prev)``, ``F z_{-1} := F z_0``."""

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 F (+1 at start)"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "Fprev": oracle.F(z0)}

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        Fz = oracle.F(z)
        return {"z": oracle.prox(z - 2 * self.gamma * Fz + self.gamma * state["Fprev"], self.gamma), "Fprev": Fz}


@dataclasses.dataclass(frozen=True)
class PP(Method):
    """Proximal point ``z+ = J_{gamma T} z`` with ``T = A + F`` (§3, ``pp``)."""

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 resolvent"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def step(self, state: State, oracle: Any) -> State:
        return {"z": oracle.resolvent(state["z"], self.gamma)}


@dataclasses.dataclass(frozen=True)
class APP(Method):
    """Approximate proximal point: ``tau`` fixed-point steps towards ``J_{gamma T} z``, each
    stepping from the anchor ``z``: ``w <- P(z - gamma F w)``, ``w_0 = z`` (§3.1, ``app``).

    ``Lookahead(APP(gamma, tau), 1, lam)`` is RAPP.
    """

    gamma: Any
    tau: int = 2
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "tau F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        check_int("tau", self.tau, 1, type(self).__name__)

    def step(self, state: State, oracle: Any) -> State:
        z = w = state["z"]
        for _ in range(self.tau):
            w = fixed_point_step(z, w, self.gamma, oracle.F, oracle.prox)
        return {"z": w}


@dataclasses.dataclass(frozen=True)
class FEG(Method):
    """Fast extragradient (LK21), anchored at ``z0``; §3.4 [reconstruction of the update].

    ``beta_k = 1/(k+1)``, step ``1/L``, ``rho`` the comonotonicity constant:
    ``zh = z + beta (z0 - z) - (1 - beta)(1/L + 2 rho) F z``,
    ``z+ = z + beta (z0 - z) - (1/L) F zh - (1 - beta) 2 rho F z``.
    With constraints both points are passed through ``J_{A/L}`` (no theory here).
    """

    L: Any
    rho: Any = 0.0
    hyper_fields: ClassVar = ("L", "rho")
    calls: ClassVar = "2 F"

    def __post_init__(self):
        check_positive("L", self.L)
        check_finite("rho", self.rho)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "anchor": z0, "k": 0}

    def step(self, state: State, oracle: Any) -> State:
        z, z0, k = state["z"], state["anchor"], state["k"]
        beta = 1.0 / (k + 1)
        step = 1 / self.L
        Fz = oracle.F(z)
        base = z + beta * (z0 - z)
        zh = oracle.prox(base - (1 - beta) * (step + 2 * self.rho) * Fz, step)
        z_new = oracle.prox(base - step * oracle.F(zh) - (1 - beta) * 2 * self.rho * Fz, step)
        return {"z": z_new, "anchor": z0, "k": k + 1}
