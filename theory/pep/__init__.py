"""Worst-case performance estimation (PEP) of the toolkit's methods with PEPit (§7).

The method objects of :mod:`monoverify.solvers` run **unchanged** on PEPit ``Point`` objects: a
:class:`PEPOracle` answers ``F(z)`` with ``operator.gradient(z)`` (the same element for the same
point), ``prox(z, gamma)`` (``J_{gamma A}``) with a PEPit proximal step on a convex indicator /
convex function (identity when unconstrained) and ``resolvent(z, gamma)`` (``J_{gamma (A + F)}``)
with an implicit proximal step: a new leaf ``g`` evaluated at the new point ``z - gamma g``.

Formulation (§7). Maximise the metric over the Gram matrix of ``{z0 - z*, F(z_i)}`` subject
to ``||z0 - z*||^2 <= 1`` and the class constraints of :class:`ComonotoneLipschitzOperator` on all
pairs of evaluated points, the stationary point ``(z*, 0)`` included. The value reported is
PEPit's dual value (a certificate, up to solver tolerance).

* ``L=None``: the set-valued maximally ``rho``-comonotone class. The pairwise inequality
  interpolates this class (R35), so the PEP is **exact** (PP, relaxed PP).
* ``L`` given: ``rho``-comonotone ∩ ``L``-Lipschitz. No interpolation theorem is known for this
  intersection (§7, §9.5): the PEP is a **relaxation**, its values are valid *upper*
  bounds on the class worst case, not known to be tight. :func:`linear_lower_bound` gives a
  matching *lower* bound from rotation-scaling linear maps; :func:`sandwich` reports both;
  :func:`two_sided` gives ``lower <= W <= upper`` with an explicit operator of the class (exactly checked)
  below and ``gap = upper - lower``.

Metrics: ``"operator"`` ``||F z_N||^2`` (for implicit steps the leaf ``g_N in T z_N``; with a
constraint the natural residual ``||z_N - J_A(z_N - F z_N)||^2``), ``"step"``
``||z_N - z_{N-1}||^2`` (outer iterates), ``"distance"`` ``||z_N - z*||^2``.

With a constraint (``A = N_C`` or ``A = dg``) the class constraints bind ``F`` only (the
convention of §6 and §9.6 for the constants); ``T = A + F`` need not be comonotone, so e.g.
PP with ``rho < 0`` and a constraint has no finite worst case (status ``"unbounded"``).

Examples
--------
>>> from monoverify.solvers import make
>>> r = worst_case(make("eg+", gamma=1.0, alpha=0.5), rho=-0.1, L=1.0, n_iter=1, cache=False)
>>> r.status, round(r.value, 4)          # R34: EG+ at gamma = 1/L has worst case L^2
('optimal', 1.0)
"""


from .cache import CacheWarning, cache_dir, clear_cache, method_source_hash
from .common import METRICS, TOL, PEPNotRepresentable  # noqa: F401  (TOL: public tolerance)
from .lower_bound import linear_lower_bound
from .many import worst_case_many
from .operator_class import (ComonotoneLipschitzOperator, OperatorClass, PairwiseConstraint, StronglyMonotoneLipschitzOperator,
                             refined_cost)
from .oracle import PEPOracle
from .result import LinearLowerBound, PEPResult, Sandwich
from .sandwich import sandwich
from .solve import worst_case
from .two_sided import TwoSided, explicit_lower, in_class_exact, two_sided
from .contraction import contraction_factor

__all__ = [
    "ComonotoneLipschitzOperator",
    "OperatorClass",
    "StronglyMonotoneLipschitzOperator",
    "refined_cost",
    "contraction_factor",
    "PairwiseConstraint",
    "PEPOracle",
    "PEPResult",
    "PEPNotRepresentable",
    "LinearLowerBound",
    "Sandwich",
    "METRICS",
    "worst_case",
    "worst_case_many",
    "linear_lower_bound",
    "sandwich",
    "two_sided",
    "TwoSided",
    "in_class_exact",
    "explicit_lower",
    "cache_dir",
    "clear_cache",
    "method_source_hash",
    "CacheWarning",
]
