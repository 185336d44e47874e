"""Counterexamples to false claims: a linear operator of the class, run by the normal runner."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["linear_counterexample"]

_PEP_METRIC = {"operator": "operator", "step": "step", "distance": "distance"}


def linear_counterexample(method: Any, pep: Any, bound: float) -> dict | None:
    """A 2x2 rotation-scaling map in the class (§2.1) whose metric after ``n`` steps from a
    unit start exceeds ``bound``, found by :func:`monoverify.theory.pep.linear_lower_bound` and
    re-run with :func:`monoverify.solvers.run`; None when none is found (or the metric has no
    linear search)."""
    if pep.metric not in _PEP_METRIC or pep.iterate != "last":
        return None
    from monoverify.operators.base import Constant, Constants
    from monoverify.operators.linear import LinearOperator
    from monoverify.solvers import run
    from monoverify.theory.pep import linear_lower_bound

    m = method.map_hyper(lambda name, v: float(v))
    rho = float(pep.rho)
    L = None if pep.L is None else float(pep.L)
    try:
        lb = linear_lower_bound(m, rho, L, pep.n, _PEP_METRIC[pep.metric], n_grid=30)
    except (TypeError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None  # the method does not run on floats as given (e.g. undeclared hyper-parameters)
    if not lb.value > bound:
        return None
    s = lb.rho_j * lb.L_j
    b, a = s * lb.L_j, lb.L_j * float(np.sqrt(max(1.0 - s * s, 0.0)))
    M = np.array([[b, a], [-a, b]])
    op = LinearOperator(M, constants=Constants(L=Constant(lb.L_j, "exact", "rotation-scaling"),
                                               rho=Constant(lb.rho_j, "exact", "rotation-scaling")),
                        name="counterexample", solution=np.zeros(2))
    z0 = np.array([[1.0, 0.0]])
    zN = np.asarray(run(m, op, z0, iters=pep.n, record=False).z)
    if pep.metric == "operator":
        v = op.F(zN)
    elif pep.metric == "step":
        v = zN - (z0 if pep.n == 1 else np.asarray(run(m, op, z0, iters=pep.n - 1, record=False).z))
    else:
        v = zN
    value = float(np.sum(v ** 2))
    return {"matrix": M.tolist(), "rho": lb.rho_j, "L": lb.L_j, "z0": [1.0, 0.0], "value": value,
            "description": f"F z = M z with M = [[{b:.6g}, {a:.6g}], [{-a:.6g}, {b:.6g}]] (rho = {lb.rho_j:.6g}, "
                           f"L = {lb.L_j:.6g}), z0 - z* a unit vector"}
