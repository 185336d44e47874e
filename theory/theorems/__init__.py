"""The theorem registry ``THEOREMS``: every checkable result of §4 as data.

A :class:`Theorem` states its hypotheses as a SymPy relation over the symbols below, its bound
as a SymPy expression of ``K`` (iterations) and ``D0`` (``||z0 - z*||^2``) or, for ``region``
theorems, an exact convergence condition; the metric it bounds; last or best iterate; its source
and provenance tag (``paper`` | ``related`` | ``derived`` | ``reconstruction``). Checking is generic
code (:mod:`monoverify.theory.judge`): adding a theorem is adding one entry.

Parameters are normalised as in §1.2: ``c = -rho L`` and ``t = gamma L``; grids are given in
these units (``L = 1`` for the linear families unless a grid says otherwise).

Examples
--------
>>> th = THEOREMS["pp.last_iterate"]
>>> th.provenance, th.metric, th.iterate
('derived', 'operator_sq', 'last')
>>> th.bound
D0/(K*gamma*(gamma + 2*rho))
>>> th.admits(rho=-0.2, L=1, gamma=1.0)
True
>>> th.admits(rho=-0.6, L=1, gamma=1.0)
False
"""

from __future__ import annotations

from .core import *  # noqa: F401,F403
from .core import KINDS, PROVENANCE, SYMBOLS, THEOREMS, Theorem, UnknownTheorem, get, register  # noqa: F401

# the entries, one module per topic; importing them registers them (in this order)
from . import proximal, extragradient, lookahead, constrained_players, conic_rates, stochastic_rapp  # noqa: E402,F401
from . import field  # noqa: E402,F401  (issue 25: anchored, accelerated, splitting and momentum methods)

__all__ = ["Theorem", "THEOREMS", "get", "register", "SYMBOLS", "PROVENANCE", "UnknownTheorem"]
from . import dln  # noqa: E402,F401  (issue 28: diagonal linear networks; imported last)
