"""The dual PEP, solved numerically (cvxpy; Clarabel, SCS as fallback).

Dual of ``max min_k <U_k, G>`` s.t. ``<A_0, G> <= 1``, ``<A_l, G> >= 0``, ``G >= 0``:

    minimise tau  s.t.  S = tau A_0 - sum_k mu_k U_k - sum_l lambda_l A_l  >= 0,
                        lambda >= 0, mu >= 0, sum mu = 1.

:func:`worst_case_value` returns the optimum (the PEP worst case); :func:`interior` fixes
``tau`` to a claimed bound and maximises the smallest eigenvalue of ``S`` (a certificate with
room to round). Both return floats; exactness is the job of :mod:`.exact`.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np

__all__ = ["DualSolution", "worst_case_value", "interior", "vertex", "as_arrays"]

_SOLVERS = ("CLARABEL", "SCS")


@dataclasses.dataclass
class DualSolution:
    tau: float
    lam: np.ndarray
    mu: np.ndarray
    S: np.ndarray
    margin: float
    status: str


def as_arrays(pep: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``A_0`` (d, d), the ``U_k`` (p, d, d) and the ``A_l`` (m, d, d) as floats."""
    d = pep.dim
    e0 = np.array([float(v) for v in pep.initial])
    A0 = np.outer(e0, e0)
    U = np.array([np.outer(u, u) for u in (np.array([float(v) for v in vec]) for vec in pep.metric_vectors)])
    A = np.array([[[float(v) for v in row] for row in q.matrix] for q in pep.inequalities]).reshape(-1, d, d)
    return A0, U, A


def _solve(pep: Any, tau_fixed: float | None, vertex: str | None = None) -> DualSolution:
    import cvxpy as cp

    A0, U, A = as_arrays(pep)
    d, m, p = pep.dim, A.shape[0], U.shape[0]
    lam = cp.Variable(m, nonneg=True) if m else None
    mu = cp.Variable(p, nonneg=True)
    S = cp.Variable((d, d), symmetric=True)
    tau = cp.Variable() if tau_fixed is None else tau_fixed
    expr = tau * A0 - sum(mu[k] * U[k] for k in range(p))
    if m:
        expr = expr - cp.reshape(A.reshape(m, d * d).T @ lam, (d, d), order="C")
    cons = [S == expr, cp.sum(mu) == 1]
    t = None
    if tau_fixed is None:
        cons.append(S >> 0)
        objective = cp.Minimize(tau)
    elif vertex is not None:  # an extreme point of the optimal face: sparse, often simple rationals
        cons.append(S >> 0)
        total = cp.sum(lam) if m else cp.sum(mu)
        if m:
            cons.append(lam <= 1e4)
        objective = cp.Minimize(total) if vertex == "min" else cp.Maximize(total)
    else:
        t = cp.Variable()
        cons += [S - t * np.eye(d) >> 0, t <= 1]
        if m:
            cons.append(lam <= 1e4)
        objective = cp.Maximize(t)
    prob = cp.Problem(objective, cons)
    status = "failed"
    for solver in _SOLVERS:
        try:
            with warnings.catch_warnings():  # an inaccurate solve is only a starting point: exact checks follow
                warnings.simplefilter("ignore")
                prob.solve(solver=solver)
            status = prob.status
            if status in ("optimal", "optimal_inaccurate"):
                break
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # solver error (Clarabel panics raise a BaseException): next solver
            status = f"failed: {type(exc).__name__}: {exc}"
    if status not in ("optimal", "optimal_inaccurate"):
        return DualSolution(np.nan, np.zeros(m), np.zeros(p), np.zeros((d, d)), -np.inf, status)
    lam_v = np.zeros(m) if lam is None else np.asarray(lam.value, dtype=float)
    tau_v = float(tau.value) if tau_fixed is None else float(tau_fixed)
    margin = float(np.min(np.linalg.eigvalsh(S.value))) if t is None else float(t.value)
    return DualSolution(tau_v, lam_v, np.asarray(mu.value, dtype=float), np.asarray(S.value), margin, status)


def worst_case_value(pep: Any) -> DualSolution:
    """The PEP worst case (dual optimum ``tau``) with its multipliers."""
    return _solve(pep, None)


def vertex(pep: Any, bound: float, direction: str = "min") -> DualSolution:
    """Multipliers for ``tau = bound`` with the smallest (``"min"``) or largest (``"max"``) total
    weight: an extreme point of the feasible set, whose entries are often simple rationals."""
    return _solve(pep, float(bound), direction)


def interior(pep: Any, bound: float) -> DualSolution:
    """Multipliers for ``tau = bound`` that maximise ``lambda_min(S)`` (``margin``; > 0 means room)."""
    return _solve(pep, float(bound))
