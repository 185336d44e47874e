"""``linear lower bound <= PEP worst case <= bound`` for one method (the sandwich of a registered
theorem, judged, is :func:`monoverify.theory.judge.pep_sandwich`)."""

from __future__ import annotations

from typing import Any

from .common import TOL
from .lower_bound import linear_lower_bound
from .result import Sandwich
from .solve import worst_case

__all__ = ["sandwich"]


def sandwich(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator",
             bound: float | None = None, *, n_grid: int = 40, tol: float = TOL, **pep_kwargs: Any) -> Sandwich:
    """Compute ``linear_lower_bound <= worst_case <= bound`` and flag any inversion.

    Tolerances of §7: upper ``pep <= bound (1 + tol)``; lower ``lower <= pep (1 + tol)``.
    ``pep_kwargs`` go to :func:`worst_case` (``solver``, ``cache``, ``bilinear`` ...).

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> s = sandwich(make("pp", gamma=1.0), -0.2, None, 2, bound=1 / (1.0 * (1.0 - 0.4) * 2), cache=False)
    >>> s.ok, s.lower.value <= s.pep.value <= s.bound
    (True, True)
    """
    pep = worst_case(method, rho, L, n_iter, metric, **pep_kwargs)
    lower = linear_lower_bound(method, rho, L, n_iter, metric, n_grid=n_grid,
                               bilinear=bool(pep_kwargs.get("bilinear", False)))
    if not pep.ok or pep.value is None:
        return Sandwich(lower, pep, bound, False, False, False, f"PEP not solved: {pep.status} ({pep.message})")
    lo_inv = lower.value > pep.value * (1 + tol)
    up_inv = bound is not None and pep.value > float(bound) * (1 + tol)
    msgs = []
    if lo_inv:
        msgs.append(f"lower bound {lower.value:.6g} exceeds the PEP value {pep.value:.6g}")
    if up_inv:
        msgs.append(f"PEP value {pep.value:.6g} exceeds the bound {float(bound):.6g}")
    return Sandwich(lower, pep, None if bound is None else float(bound), lo_inv, up_inv, not (lo_inv or up_inv),
                    "; ".join(msgs) or "lower <= pep <= bound")
