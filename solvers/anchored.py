"""Anchored and fixed-point iterations (issue 25), each written once over the method protocol.

* :class:`Halpern` -- Halpern's iteration with Lieder's anchors ``1/(k+2)`` on the forward(-backward)
  map ``T z = J_{gamma A}(z - gamma F z)``: ``z_{k+1} = z0/(k+2) + (k+1)/(k+2) T z_k``. For
  ``F = I - T'`` (:func:`monoverify.operators.fixed_point_residual`) and ``gamma = 1`` it is the
  Halpern iteration of the nonexpansive map ``T'`` (Lieder 2021: ``||z_N - T' z_N||^2 <=
  4 ||z0 - z*||^2/(N+1)^2``, tight).
* :class:`IncreasingKM` -- Krasnosel'skii-Mann with increasing relaxation ``lam_k = (k+1)/(k+2)``:
  ``z_{k+1} = z_k/(k+2) + (k+1)/(k+2) T z_k`` (PEPit's ``wc_krasnoselskii_mann_increasing_step_sizes``).
  KM with a constant ``lam`` is ``Lookahead(GDA(gamma), 1, lam)`` (registered as ``km``).
* :class:`EAG` -- the extra anchored gradient method of Yoon and Ryu (2021): EAG-C (constant step)
  or, with ``L`` given, EAG-V (its varying-step recursion; [reconstruction]).
* :class:`KimAPP` -- Kim's (2021) accelerated proximal point method for maximally monotone operators.

The anchor coefficients are formed as exact quotients by integers (``(z0 + (k+1) T z)/(k+2)``), so
the same step runs on NumPy batches, PEPit points, SymPy scalars and the exact rational points of
:mod:`monoverify.theory.prove` (where ``1/(k+2)`` must be the rational, not its float). The
counter ``k`` in the state makes these methods time-varying: the runner replays ``step`` itself
(no compiled trace), the spectral layer has ``k_step_multiplier`` but no single multiplier.

Examples
--------
>>> import numpy as np
>>> from monoverify.operators import fixed_point_residual
>>> from monoverify.solvers import run
>>> F = fixed_point_residual([[0.0, -1.0], [1.0, 0.0]])          # T = rotation by pi/2
>>> r = run(Halpern(gamma=1.0), F, np.array([1.0, 0.0]), iters=99)
>>> bool(r.history.residual[-1] ** 2 <= 4 / 100 ** 2)             # Lieder: 4 D0/(N+1)^2
True
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from .base import Method, State, check_positive

__all__ = ["Halpern", "IncreasingKM", "EAG", "KimAPP"]


def _forward(oracle: Any, z: Any, gamma: Any) -> Any:
    """``T z = J_{gamma A}(z - gamma F z)`` (the GDA step; ``z - gamma F z`` unconstrained)."""
    return oracle.prox(z - gamma * oracle.F(z), gamma)


@dataclasses.dataclass(frozen=True)
class Halpern(Method):
    """Halpern iteration with Lieder's optimal anchors ``1/(k+2)`` on ``T = J_{gamma A}(I - gamma F)``.

    ``z_{k+1} = (z0 + (k+1) T z_k)/(k+2)``. ``T`` is nonexpansive when ``F`` is ``rho``-cocoercive
    and ``0 < gamma <= 2 rho`` (e.g. ``F = I - T'`` with ``T'`` nonexpansive: ``rho = 1/2``, ``gamma = 1``).

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step of the forward map, ``> 0``.
    """

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "anchor": z0, "k": 0}

    def step(self, state: State, oracle: Any) -> State:
        z, a, k = state["z"], state["anchor"], state["k"]
        return {"z": (a + (k + 1) * _forward(oracle, z, self.gamma)) / (k + 2), "anchor": a, "k": k + 1}


@dataclasses.dataclass(frozen=True)
class IncreasingKM(Method):
    """Krasnosel'skii-Mann with increasing steps ``lam_k = (k+1)/(k+2)`` on ``T = J_{gamma A}(I - gamma F)``.

    ``z_{k+1} = (z_k + (k+1) T z_k)/(k+2)`` (``lam_0 = 1/2``, ``lam_k -> 1``).

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step of the forward map, ``> 0``.
    """

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "k": 0}

    def step(self, state: State, oracle: Any) -> State:
        z, k = state["z"], state["k"]
        return {"z": (z + (k + 1) * _forward(oracle, z, self.gamma)) / (k + 2), "k": k + 1}


@dataclasses.dataclass(frozen=True)
class EAG(Method):
    """Extra anchored gradient (Yoon and Ryu 2021): EAG-C, or EAG-V when ``L`` is given.

    With ``beta_k = 1/(k+2)`` and ``b = z_k + beta_k (z0 - z_k)``::

        zh      = b - alpha_k F(z_k)
        z_{k+1} = b - alpha_k F(zh)

    EAG-C: ``alpha_k = gamma``. EAG-V: ``alpha_0 = gamma`` and
    ``alpha_{k+1} = alpha_k/(1 - alpha_k^2 L^2) (1 - (k+2)^2/((k+1)(k+3)) alpha_k^2 L^2)``
    (the recursion as reconstructed here; needs ``gamma L < 1``). With a constraint both points
    pass through ``J_{alpha_k A}`` (no theory here).

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step (``alpha_0`` for EAG-V), ``> 0``.
    L : float or array, optional
        Lipschitz constant for EAG-V's step recursion; ``None`` for EAG-C.
    """

    gamma: Any
    L: Any = None
    hyper_fields: ClassVar = ("gamma", "L")
    calls: ClassVar = "2 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        if self.L is not None:
            check_positive("L", self.L)
            from .base import _values

            g, l_ = _values(self.gamma, "gamma"), _values(self.L, "L")
            if g is not None and l_ is not None and not (g * l_ < 1).all():
                from monoverify.errors import InvalidValue

                raise InvalidValue(f"EAG-V needs gamma * L in (0, 1) (its step recursion divides by 1 - alpha^2 L^2), "
                                   f"got gamma*L={float((g * l_).max()):g}")

    def init(self, z0: Any, oracle: Any) -> State:
        st = {"z": z0, "anchor": z0, "k": 0}
        if self.L is not None:
            st["alpha"] = self.gamma
        return st

    def step(self, state: State, oracle: Any) -> State:
        z, z0, k = state["z"], state["anchor"], state["k"]
        a = self.gamma if self.L is None else state["alpha"]
        b = z + (z0 - z) / (k + 2)
        zh = oracle.prox(b - a * oracle.F(z), a)
        out = {"z": oracle.prox(b - a * oracle.F(zh), a), "anchor": z0, "k": k + 1}
        if self.L is not None:
            aL2 = a * a * (self.L * self.L)
            out["alpha"] = a * (1 - ((k + 2) * (k + 2)) * aL2 / ((k + 1) * (k + 3))) / (1 - aL2)
        return out


@dataclasses.dataclass(frozen=True)
class KimAPP(Method):
    """Kim's (2021) accelerated proximal point method, ``x_{k+1} = J_{gamma T}(y_{k+1})`` with

    ``y_{k+1} = x_k + (k-1)/(k+1) (x_k - x_{k-1}) - (k-1)/(k+1) (x_{k-1} - y_{k-1})`` and
    ``x_{-1} = y_{-1} = y_0 = x_0`` (so ``y_1 = x_0``, ``y_2 = x_1``), PEPit's
    ``wc_accelerated_proximal_point`` operation for operation. The reported iterate is ``x_k``;
    ``F x_k`` is the resolvent's element ``(y_k - x_k)/gamma in T x_k``.

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Resolvent step, ``> 0``.
    """

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 resolvent"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0, "xprev": z0, "y": z0, "yprev": z0, "k": 0}

    def step(self, state: State, oracle: Any) -> State:
        x, xp, y, yp, k = state["z"], state["xprev"], state["y"], state["yprev"], state["k"]
        y_new = x + ((k - 1) * (x - 2 * xp + yp)) / (k + 1)
        return {"z": oracle.resolvent(y_new, self.gamma), "xprev": x, "y": y_new, "yprev": y, "k": k + 1}
