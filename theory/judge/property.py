"""Property theorems: an operator quantity against the bound.

The quantity is the norm of the iteration matrix (``iteration_matrix_norm``), the spectral radius
(``spectral_radius``; through the iteration matrix for methods that update the players in turn),
or a :data:`monoverify.theory.metrics.PROPERTY_METRICS` function (e.g. ``unrelaxed_residual_ratio``:
two runs). Expectations (:data:`~monoverify.theory.metrics.EXPECTED_METRICS`) are checked by
:mod:`monoverify.theory.stochastic`. Each cell is one instance and parameter combination; its
observation is ``value / bound``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from monoverify.errors import InvalidValue

from ..theorems import Theorem
from .cells import OUTSIDE, evaluate, label_params, method_for
from .verdict import Evidence, Observation

__all__ = ["property_evidence", "property_value", "property_ratio", "NOT_A_PROBLEM"]

#: why a rescaled copy is not judged when the theorem's method cannot run on it
NOT_A_PROBLEM = "the rescaled copy is not a problem of the theorem's method"


def property_value(th: Theorem, method: Any, op: Any, z0: Any = None, values: dict | None = None) -> float:
    """The quantity a property theorem bounds, for ``method`` on ``op`` (from ``z0``, cell ``values``)."""
    from monoverify.solvers.alternating import uses_players

    from .. import metrics as M
    from ..spectral import iteration_matrix
    from .rate import spectral_column

    if th.metric in M.PROPERTY_METRICS:
        return float(M.PROPERTY_METRICS[th.metric](method, op, z0, values or {}))
    if th.metric == "spectral_radius":
        return float(spectral_column(method, op)[0])
    if th.metric != "iteration_matrix_norm":
        raise ValueError(f"unsupported property metric {th.metric!r}")
    return float(np.linalg.norm(np.asarray(iteration_matrix(method, op if uses_players(method) else op.matrix)), 2))


#: relative precision of a spectral radius at a defective (repeated) dominant eigenvalue. A double root of the
#: iteration moves by sqrt(delta) under a perturbation delta of its data, so the rounding of the data (step
#: sizes from square roots, eps ~ 1e-16, times the conditioning of the eigenvalue problem) leaves it known to
#: about sqrt(eps * 1e4) = 1.5e-6 only; Polyak's optimal heavy ball sits exactly there (measured: 7e-8)
DEFECTIVE_TOL = 1e-6


def _precision(th: Theorem, method: Any, op: Any) -> float:
    """Relative precision of the quantity: ``DEFECTIVE_TOL`` for a spectral radius whose dominant eigenvalue
    of the iteration matrix is repeated (to 1e-6), else 0 (the judge's rounding tolerance applies)."""
    if th.metric != "spectral_radius" or not getattr(op, "is_linear", False) or op.dim > 64:
        return 0.0
    from monoverify.solvers.alternating import uses_players

    from ..spectral import iteration_matrix

    try:
        T = np.asarray(iteration_matrix(method, op if uses_players(method) else op.matrix), float)
    except (ValueError, TypeError):
        return 0.0
    e = np.linalg.eigvals(T)
    r = float(np.max(np.abs(e)))
    top = e[np.abs(e) >= r * (1 - 1e-6)]
    close = any(abs(a - b) <= 1e-6 * max(r, 1e-300) for i, a in enumerate(top) for b in top[i + 1:])
    return DEFECTIVE_TOL if close else 0.0


def property_ratio(val: float, b: float) -> float:
    """``val / b`` with ``b <= 0`` handled (any positive value then exceeds the bound)."""
    return val / b if b > 0 else (np.inf if val > 0 else 0.0)


def property_evidence(th: Theorem, bat: list, progress: Callable[[int], None] | None = None,
                      source: str = "grid") -> Evidence:
    """Measure the property on every admitted cell and compare it with the bound.

    Parameters
    ----------
    th : Theorem
        A ``property`` theorem.
    bat : list
        ``[(instance, cells), ...]`` (a battery, or the rescaled copies of :func:`~.horizon.scale_evidence`).
    progress : callable, optional
        ``progress(n)`` after each cell.
    source : str
        The evidence source of the observations. On ``"scale"`` copies a method that refuses the
        operator (``InvalidValue``: a splitting method on a rescaled sum, which is one operator) gives a
        cell that is not judged (:data:`NOT_A_PROBLEM`); on the battery itself the error propagates.

    Returns
    -------
    Evidence
    """
    ev = Evidence()
    for inst, cells in bat:
        op = inst.operator()
        for cell in cells:
            if progress:
                progress(1)
            method = method_for(th, [cell])
            b = float(evaluate(th.bound, cell.values, 1)[0])
            try:
                val = property_value(th, method, op, inst.start(), cell.values)
            except InvalidValue:
                if source != "scale":
                    raise
                # a rescaled copy is one operator (a Sum's summands are not rescaled with it): a splitting
                # method does not run on it, and its rho, L are the sum's, not the summands' -- no claim there
                ev.observations.append(Observation(inst.label, label_params(cell), np.nan, judged=False,
                                                   why=NOT_A_PROBLEM, bound=b, source=source))
                continue
            # a measurement known only to a relative precision p is compared as value/(1 + p)
            ratio = property_ratio(val / (1 + _precision(th, method, op)), b)
            ev.curves.append({"instance": inst.label, "params": label_params(cell), "measured": val, "bound": b,
                              "ratio": ratio, "source": source})
            o = Observation(inst.label, label_params(cell), ratio, judged=cell.inside,
                            why="" if cell.inside else OUTSIDE, measured=val, bound=b, source=source)
            ev.observations.append(o)
            ev.extra.setdefault("cases", []).append((inst, cell, o))
    return ev
