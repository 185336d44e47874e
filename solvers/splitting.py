"""Splitting methods (issue 25): Douglas-Rachford, Davis-Yin, and Popov's past extragradient.

Douglas-Rachford and Davis-Yin solve ``0 in A z + B z (+ C z)`` through the resolvent of each
summand (``oracle.resolvent_of(i, z, gamma)``) and the value of the forward summand
(``oracle.F_of(i, z)``), for a problem given as :func:`monoverify.operators.Sum` ``(A, B[, C])`` or
for any operator ``F`` with a constraint ``C`` (the summands ``(F, N_C)``, :func:`~monoverify.operators.terms_of`:
then ``x = P_C(w)`` is feasible).
The form is that of Ryu, Taylor, Bergeling and Giselsson (2020) and of PEPit's examples::

    x = J_{gamma B}(w)
    y = J_{gamma A}(2 x - w - gamma C x)        (no C term for Douglas-Rachford)
    w+ = w + lam (y - x)                        (lam = theta of RTBG20; lam = 1: plain DR)

The state is ``(z, w)`` with ``z = x = J_{gamma B}(w)`` the reported ("shadow") iterate: the
sequence that converges to a zero of the sum; ``w`` is the governing sequence, whose map is the
one contracted in RTBG20 (``theory.pep.contraction_factor``).

:class:`PastEG` (Popov 1980; past extragradient, optimistic gradient) with a constraint, PEPit's
``wc_past_extragradient`` form: ``x~_t = J_{gamma A}(x_t - gamma F x~_{t-1})``,
``x_{t+1} = J_{gamma A}(x_t - gamma F x~_t)``, ``x_0 = J_{gamma A}(z0)``, ``F x~_{-1} := F x_0``.
Unconstrained, ``x~`` follows the OGDA recursion (I-8).

Examples
--------
>>> import numpy as np
>>> from monoverify.operators import LinearOperator, Sum
>>> from monoverify.solvers import run
>>> P = Sum(LinearOperator([[1.0, 0.0], [0.0, 1.0]]), LinearOperator([[0.0, 1.0], [-1.0, 0.0]]))
>>> r = run(DouglasRachford(gamma=1.0), P, np.array([1.0, 1.0]), iters=60, tol=1e-12)
>>> str(r.status)
'converged'
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from monoverify.errors import InvalidValue

from .base import Method, State, check_interval, check_positive

__all__ = ["DouglasRachford", "DavisYin", "PastEG"]


def _need_terms(oracle: Any, n: int, who: str) -> None:
    terms = getattr(oracle, "terms", None)
    if terms is None:  # oracles that do not describe their summands (they fail in resolvent_of if they lack them)
        return
    if len(terms) != n:
        raise InvalidValue(f"{who} needs a problem with {n} summands (operators.Sum({', '.join('ABC'[:n])}) or an "
                           f"operator with a constraint), got {len(terms)} summand(s)")


@dataclasses.dataclass(frozen=True)
class DouglasRachford(Method):
    """Douglas-Rachford splitting for ``0 in A z + B z`` (summands 0 and 1; see the module docstring).

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Resolvent step, ``> 0``.
    lam : float or array of shape (batch,)
        Relaxation ``theta`` of RTBG20 in ``(0, 2)`` (``1``: plain DR, ``2``: Peaceman-Rachford excluded).
    """

    gamma: Any
    lam: Any = 1.0
    hyper_fields: ClassVar = ("gamma", "lam")
    calls: ClassVar = "2 resolvents (one per summand)"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        check_interval("lam", self.lam, 0.0, 2.0, hi_closed=False)

    def init(self, z0: Any, oracle: Any) -> State:
        _need_terms(oracle, 2, "Douglas-Rachford")
        return {"z": oracle.resolvent_of(1, z0, self.gamma), "w": z0}

    def step(self, state: State, oracle: Any) -> State:
        x, w = state["z"], state["w"]
        y = oracle.resolvent_of(0, 2 * x - w, self.gamma)
        w_new = w + self.lam * (y - x)
        return {"z": oracle.resolvent_of(1, w_new, self.gamma), "w": w_new}


@dataclasses.dataclass(frozen=True)
class DavisYin(Method):
    """Davis-Yin three-operator splitting for ``0 in A z + B z + C z``, ``C`` single-valued (forward).

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step, ``> 0``.
    lam : float or array of shape (batch,)
        Relaxation in ``(0, 2)``.
    """

    gamma: Any
    lam: Any = 1.0
    hyper_fields: ClassVar = ("gamma", "lam")
    calls: ClassVar = "2 resolvents + 1 F"

    def __post_init__(self):
        check_positive("gamma", self.gamma)
        check_interval("lam", self.lam, 0.0, 2.0, hi_closed=False)

    def init(self, z0: Any, oracle: Any) -> State:
        _need_terms(oracle, 3, "Davis-Yin")
        return {"z": oracle.resolvent_of(1, z0, self.gamma), "w": z0}

    def step(self, state: State, oracle: Any) -> State:
        x, w = state["z"], state["w"]
        y = oracle.resolvent_of(0, 2 * x - w - self.gamma * oracle.F_of(2, x), self.gamma)
        w_new = w + self.lam * (y - x)
        return {"z": oracle.resolvent_of(1, w_new, self.gamma), "w": w_new}


@dataclasses.dataclass(frozen=True)
class PastEG(Method):
    """Popov's past extragradient with a constraint (see the module docstring).

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step, ``> 0``.
    """

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "1 F (+1 at start)"

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def init(self, z0: Any, oracle: Any) -> State:
        x = oracle.prox(z0, self.gamma)
        return {"z": x, "Fbar": oracle.F(x)}

    def step(self, state: State, oracle: Any) -> State:
        x = state["z"]
        xt = oracle.prox(x - self.gamma * state["Fbar"], self.gamma)
        V = oracle.F(xt)
        return {"z": oracle.prox(x - self.gamma * V, self.gamma), "Fbar": V}
