"""Certified one-sided numerical estimates of ``L`` and ``rho`` with witness points.

:func:`estimate_constants` searches a region (by default the operator's constraint set) for the
points that make an operator look worst, and reports what it finds as **one-sided bounds that are
attained by explicit witness points** (so they hold whatever the search misses):

* ``L``: a *lower* bound on the Lipschitz constant on the region, ``||dF(z)||_2`` at a witness point
  ``z`` (when ``op.jacobian`` exists), else a difference quotient ``||Fz - Fz'||/||z - z'||`` at a
  witness pair.
* ``rho``: an *upper* bound on the comonotonicity constant ``inf <dF, dz>/||dF||^2`` over pairs in
  the region (§1.2), the quotient of an explicit witness pair. The Jacobian's local quotient
  ``lambda_min(sym(dF(z)^{-1}))`` (the limit of pairs shrinking onto ``z``, §2.1) is used to
  find candidates, which are then turned into actual nearby pairs and re-evaluated.
* ``rho_weak_mvi``: an *upper* bound on ``min_{z in region, Fz != 0} <Fz, z - z*>/||Fz||^2`` relative
  to ``op.solution`` (the quantity of §6 for the nonlinear examples), at a witness point.

The search is global on small problems: many seeded random samples (uniform in a box, ball or
simplex; corners of small boxes are added), then multi-start local refinement with SciPy's
``SLSQP`` (box bounds, or the ball / simplex constraints; analytic gradients of the quotients from
``op.jacobian``). The same seed gives the same result. On a region without interior (the simplex)
only explicit pairs are used: there ``sup ||dF||_2`` may exceed the Lipschitz constant of ``F``
restricted to the region.

Examples
--------
>>> from monoverify.operators import LowerBoundGame
>>> est = estimate_constants(LowerBoundGame(-0.1, 1.0), seed=0)
>>> round(est.L, 9), round(est.rho, 9), round(est.rho_weak_mvi, 9)
(1.0, -0.1, -0.1)
>>> est.L_witness.shape, est.rho_witness.shape
((1, 2), (2, 2))
"""

from __future__ import annotations

from .quantities import jacobian_norm, pair_quotient, weak_mvi_ratio
from .result import ConstantsEstimate
from .search import estimate_constants

__all__ = ["ConstantsEstimate", "estimate_constants", "pair_quotient", "weak_mvi_ratio", "jacobian_norm"]
