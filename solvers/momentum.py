"""Momentum methods (issue 25): heavy ball (simultaneous and alternating) and Nesterov's accelerated gradient.

Multi-step methods keep their previous iterate in the state (``zprev``), so the spectral layer
sees a two-state linear map per eigenvalue (``(z, zprev)``, through the unit states), the PEP and
exact layers run the same step on points, and the runner slices the extra entry with the batch.

* :class:`HeavyBall` (Polyak): ``z+ = J_{gamma A}(z - gamma F z + beta (z - zprev))``, any sign of
  ``beta`` (negative momentum included).
* :class:`AltHeavyBall`: the players of a game take heavy-ball steps in turn, each seeing the
  others' new values (Gauss-Seidel), with their own momentum ``beta (x - xprev)``; needs
  ``op.players`` (:mod:`.alternating`).
* :class:`NAG`: ``y = z + beta_k (z - zprev)``, ``z+ = J_{gamma A}(y - gamma F y)`` with a constant
  ``beta`` (the strongly convex scheme) or, when ``beta`` is ``None``, ``beta_k = (k-1)/(k+2)``
  (``beta_0 = beta_1 = 0``): Nesterov's convex scheme in the form of Su, Boyd and Candes (2016),
  ``z_k`` their ``x_k``, whose limit is the ODE ``u'' + (3/t) u' + grad f(u) = 0``.

Examples
--------
>>> import numpy as np, sympy as sp
>>> from monoverify.theory.spectral import characteristic_polynomial
>>> g, b, u = sp.symbols("gamma beta u")
>>> sp.collect(characteristic_polynomial(HeavyBall(gamma=1, beta=b), u), sp.Symbol("x"))  # x^2 - (1 + beta - u) x + beta
beta + x**2 + x*(-beta + u - 1)
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from .alternating import player_masks
from .base import Method, State, check_finite, check_positive

__all__ = ["HeavyBall", "AltHeavyBall", "NAG"]


@dataclasses.dataclass(frozen=True)
class HeavyBall(Method):
    """Polyak's heavy ball ``z+ = J_{gamma A}(z - gamma F z + beta (z - zprev))``, ``zprev_0 = z0``.

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step, ``> 0``.
    beta : float or array of shape (batch,)
        Momentum, any finite real (``beta < 0``: negative momentum; ``|beta| >= 1`` never converges
        from every start, the product of the two roots of each eigen-direction being ``beta``).
    """

    gamma: Any
    beta: Any = 0.0
    hyper_fields: ClassVar = ("gamma", "beta")
    calls: ClassVar = "1 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        check_finite("beta", self.beta)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "zprev": z0}

    def step(self, state: State, oracle: Any) -> State:
        z, zp = state["z"], state["zprev"]
        return {"z": oracle.prox(z - self.gamma * oracle.F(z) + self.beta * (z - zp), self.gamma), "zprev": z}


@dataclasses.dataclass(frozen=True)
class AltHeavyBall(Method):
    """Alternating heavy ball: with players ``(x, y)``,
    ``x+ = P(x - gamma F_x(x, y) + beta (x - xprev))``, then ``y+ = P(y - gamma F_y(x+, y) + beta (y - yprev))``.

    Each player's block is replaced only by its own update (``z + mask (P(c) - z)``), so a separable
    set (``Box``, ``L1``) acts once per block. Two F evaluations per iteration (one per player).

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step, ``> 0``.
    beta : float or array of shape (batch,)
        Momentum, any finite real (Gidel et al. 2019: negative values make alternating updates
        converge on bilinear games).
    """

    gamma: Any
    beta: Any = 0.0
    hyper_fields: ClassVar = ("gamma", "beta")
    calls: ClassVar = "2 F (one per player)"
    needs_players: ClassVar = True

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        check_finite("beta", self.beta)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "zprev": z0}

    def step(self, state: State, oracle: Any) -> State:
        z0, zp = state["z"], state["zprev"]
        mom = self.beta * (z0 - zp)
        z = z0
        for mask in player_masks(oracle, z0):
            cand = oracle.prox(z - self.gamma * oracle.F(z) + mom, self.gamma)
            z = z + mask * (cand - z)
        return {"z": z, "zprev": z0}


@dataclasses.dataclass(frozen=True)
class NAG(Method):
    """Nesterov's accelerated gradient: ``y = z + beta_k (z - zprev)``, ``z+ = J_{gamma A}(y - gamma F y)``.

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step, ``> 0`` (``1/L`` for an ``L``-smooth convex objective).
    beta : float, array or None
        Constant momentum (e.g. ``(sqrt(kappa) - 1)/(sqrt(kappa) + 1)`` for a strongly convex objective,
        stationary: one multiplier per eigenvalue) or ``None``: ``beta_k = max(k - 1, 0)/(k + 2)``
        (convex scheme, time-varying; its counter ``k`` is in the state).
    """

    gamma: Any
    beta: Any = None
    hyper_fields: ClassVar = ("gamma", "beta")
    calls: ClassVar = "1 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        if self.beta is not None:
            check_finite("beta", self.beta)

    def init(self, z0: Any, oracle: Any) -> State:
        st = {"z": z0, "zprev": z0}
        if self.beta is None:
            st["k"] = 0
        return st

    def step(self, state: State, oracle: Any) -> State:
        z, zp = state["z"], state["zprev"]
        if self.beta is None:
            k = state["k"]
            y = z + (max(k - 1, 0) * (z - zp)) / (k + 2)
        else:
            y = z + self.beta * (z - zp)
        out = {"z": oracle.prox(y - self.gamma * oracle.F(y), self.gamma), "zprev": z}
        if self.beta is None:
            out["k"] = state["k"] + 1
        return out
