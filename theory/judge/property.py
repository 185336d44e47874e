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

from ..theorems import Theorem
from .cells import ARGS, OUTSIDE, label_params, lambdify, method_for
from .result import CheckResult
from .verdict import Observation, judge

__all__ = ["check_property", "property_value"]


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


def property_ratio(val: float, b: float) -> float:
    """``val / b`` with ``b <= 0`` handled (any positive value then exceeds the bound)."""
    return val / b if b > 0 else (np.inf if val > 0 else 0.0)


def check_property(th: Theorem, bat: list, notes: list, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Measure the property on every admitted cell and judge it against the bound."""
    bound_f = lambdify(th.bound)
    curves, obs = [], []
    n_inst = n_cells = 0
    for label, op, z0, cells, _ in bat:
        if not cells:
            continue
        n_inst += 1
        for cell in cells:
            if progress:
                progress(1)
            n_cells += 1
            val = property_value(th, method_for(th, [cell]), op, z0, cell.values)
            b = float(bound_f(*[np.asarray(cell.values.get(a, np.nan), float) for a in ARGS]))
            ratio = property_ratio(val, b)
            curves.append({"instance": label, "params": label_params(cell), "measured": val, "bound": b, "ratio": ratio})
            obs.append(Observation(label, label_params(cell), ratio, judged=cell.inside,
                                   why="" if cell.inside else OUTSIDE, measured=val, bound=b))
    j = judge(th, obs)
    worst = {} if j.worst is None else {"instance": j.worst.instance, **j.worst.params, "measured": j.worst.measured}
    res = CheckResult(th, j.verdict, j.worst_ratio, worst, n_inst, n_cells, curves, None, None, 0, False, notes)
    return res.apply(j)
