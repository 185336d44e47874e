"""Property theorems: an operator quantity (the norm of the iteration matrix) against the bound.

Each cell is one instance and parameter combination; its observation is ``||T||_2 / bound``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..theorems import Theorem
from .cells import ARGS, label_params, lambdify, method_for
from .result import CheckResult
from .verdict import Observation, judge

__all__ = ["check_property", "property_value"]


def property_value(th: Theorem, method: Any, op: Any) -> float:
    """The quantity a property theorem bounds, for ``method`` on the linear operator ``op``."""
    from ..spectral import iteration_matrix

    if th.metric != "iteration_matrix_norm":  # pragma: no cover - no such entry yet
        raise ValueError(f"unsupported property metric {th.metric!r}")
    return float(np.linalg.norm(np.asarray(iteration_matrix(method, op.matrix)), 2))


def property_ratio(val: float, b: float) -> float:
    """``val / b`` with ``b <= 0`` handled (any positive value then exceeds the bound)."""
    return val / b if b > 0 else (np.inf if val > 0 else 0.0)


def check_property(th: Theorem, bat: list, notes: list) -> CheckResult:
    """Measure the property on every admitted cell and judge it against the bound."""
    bound_f = lambdify(th.bound)
    curves, obs = [], []
    n_inst = n_cells = 0
    for label, op, _z0, cells, _ in bat:
        if not cells:
            continue
        n_inst += 1
        for cell in cells:
            n_cells += 1
            val = property_value(th, method_for(th, [cell]), op)
            b = float(bound_f(*[np.asarray(cell.values.get(a, np.nan), float) for a in ARGS]))
            ratio = property_ratio(val, b)
            curves.append({"instance": label, "params": label_params(cell), "measured": val, "bound": b, "ratio": ratio})
            obs.append(Observation(label, label_params(cell), ratio, measured=val, bound=b))
    j = judge(th, obs)
    worst = {} if j.worst is None else {"instance": j.worst.instance, **j.worst.params, "measured": j.worst.measured}
    res = CheckResult(th, j.verdict, j.worst_ratio, worst, n_inst, n_cells, curves, None, None, 0, False, notes)
    return res.apply(j)
