"""Exact multipliers and spectral radii of the methods on linear operators (§5).

For ``F z = M z`` (no constraint) a stationary method is ``z+ = p(gamma M) z`` with ``p`` a
polynomial or rational function, so its iteration matrix has the eigenvalues ``m(u_j)``,
``u_j = gamma mu_j``, ``mu_j in eig(M)`` -- also for non-normal ``M`` -- and the method converges
from every start iff ``max_j |m(u_j)| < 1`` (§5).

**No update rule is written here.** Every multiplier is obtained by *running* the method object
(``init``/``step`` of :mod:`monoverify.solvers`) on the oracle of one eigen-direction,
:class:`EigenOracle`: ``F(z) = mu z``, ``prox(z, gamma) = z``, ``resolvent(z, gamma) =
z/(1 + gamma mu)``. On SymPy scalars this gives the exact multiplier; on complex NumPy arrays of
shape ``(batch, n_eig)`` (hyper-parameters reshaped to ``(batch, 1)``) it gives every multiplier
of a parameter sweep in one call.

Methods with extra state (``ogda`` keeps ``Fprev``; ``feg`` keeps ``anchor`` and a counter ``k``)
are linear maps on the whole state. Their *per-eigenvalue transition matrix* is built by applying
one ``step`` to the unit states (every array entry of the state dict is one coordinate, in the
order of the dict; for ``ogda``: ``(z, Fprev)`` with ``Fprev = mu z_prev``), and its eigenvalues
are the multipliers. ``feg`` is time-varying (its counter ``k`` changes every step): there is no
single multiplier, only the product of ``K`` transition matrices (:func:`transition_matrix` with
``steps=K``, :func:`k_step_multiplier`).

``adaptive-ceg+`` uses inner products. :class:`EigenOracle` reads a complex number as a vector of
the plane (``<a, b> = Re(a conj(b))``), i.e. it runs the method on one 2x2 rotation-scaling block
``[[b, a], [-a, b]]`` with eigenvalues ``b -/+ i a`` (a real ``mu`` is a 1x1 block). There the
step size ratio is constant, ``alpha = sigma/gamma + Re(1/(1 - gamma mu))`` (R26), and the
multiplier is that of EG+ with this ``alpha``. The method is not linear on a general ``M`` (its
ratio mixes all directions), so an operator is accepted for it only when it is one such block.

Critical parameters use the **Lookahead threshold lemma** (§5) when the parameter is the
interpolation weight ``lam`` of a top-level :class:`~monoverify.solvers.Lookahead` (this includes
``alpha`` of ``eg+`` = ``Lookahead(EG, 1, alpha)``, ``lam`` of ``rapp`` and ``relaxed-pp``): with
``q = m_base(u)^tau``, ``|1 - lam (1 - q)| < 1`` iff ``Re q < 1`` and
``lam < lam*(q) = 2 Re(1/(1 - q))``; otherwise a root of ``radius - 1`` is bracketed on a grid
and refined with :func:`scipy.optimize.brentq`.

Layout: :mod:`.oracle` (the eigen-direction oracle), :mod:`.unit_states` (one step applied to the unit
states: the only place transition matrices are built), :mod:`.multiplier`, :mod:`.radius`, :mod:`.critical`.

Examples
--------
>>> import numpy as np, sympy as sp
>>> from monoverify.solvers import make
>>> from monoverify.operators import LowerBoundGame
>>> u = sp.Symbol("u")
>>> multiplier(make("rapp", gamma=1, lam=sp.Symbol("lam"), tau=2), u, exact=True)
lam*u**2 - lam*u + 1
>>> round(spectral_radius(make("eg+", gamma=1.0, alpha=0.5), LowerBoundGame(-1/3, 1.0)), 6)
1.105542
>>> critical("la-gda", "lam", {"gamma": 1.0, "tau": 2}, rho=-0.1, L=1.0)   # 2(1-2c-2c^2)/(5+4c)
0.28888888888888...
"""

from __future__ import annotations

from .critical import critical, lower_bound_eigenvalues, region
from .multiplier import MU, characteristic_polynomial, iteration_matrix, k_step_multiplier, multiplier, transition_matrix
from .oracle import EigenOracle
from .radius import converges, lookahead_threshold, multipliers, spectral_radius

__all__ = [
    "EigenOracle",
    "multiplier",
    "transition_matrix",
    "characteristic_polynomial",
    "k_step_multiplier",
    "multipliers",
    "spectral_radius",
    "converges",
    "lookahead_threshold",
    "critical",
    "region",
    "iteration_matrix",
    "lower_bound_eigenvalues",
]
