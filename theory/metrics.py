"""Metrics that theorems bound, measured on runs or on linear operators.

A *run metric* declares the monitors it needs during :func:`monoverify.solvers.run` and turns
the history into a curve of shape ``(K + 1, batch)``; ``best`` iterates take a running minimum
over ``j < k``. An *operator metric* (``property`` theorems) measures an operator and method
directly, e.g. the spectral norm of the iteration matrix.

>>> sorted(RUN_METRICS)[:4]
['ceg_step_sq', 'distance_ratio', 'extrapolated_operator_sq', 'fixed_point_residual_sq']
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from monoverify.arrays import to_numpy
from monoverify.operators.resolvent import resolvent
from monoverify.solvers import Lookahead, Method, Oracle

__all__ = ["RUN_METRICS", "PROPERTY_METRICS", "EXPECTED_METRICS", "monitors_for", "curve", "running_best", "rows"]


def rows(host: Method, idx: np.ndarray) -> Method:
    """The method restricted to batch rows ``idx`` (hyper-parameters of shape ``(n, 1)``)."""
    return host.map_hyper(lambda name, v: np.asarray(v)[idx].reshape(-1, 1))


def _resolvent_monitor(op: Any, host: Method) -> Callable:
    gamma = _find(host, "gamma")

    def fn(z: Any, idx: np.ndarray) -> Any:
        g = np.asarray(gamma)[idx].reshape(-1, 1)
        w = resolvent(op, z, g)
        d = to_numpy(z - w)
        return np.sum(d * d, axis=-1)

    return fn


def _fixed_point_monitor(op: Any, host: Method) -> Callable:
    if not isinstance(host, Lookahead):
        raise ValueError("fixed_point_residual_sq needs a Lookahead method (S = base^tau)")

    def fn(z: Any, idx: np.ndarray) -> Any:
        m = rows(host, idx)
        S = _with_lam_one(m)
        Sz = S.step({"z": z}, Oracle(op))["z"]
        d = to_numpy(Sz - z)
        return np.sum(d * d, axis=-1)

    return fn


def _with_lam_one(m: Lookahead) -> Lookahead:
    import copy

    s = copy.copy(m)
    object.__setattr__(s, "lam", 1.0)
    return s


def _find(m: Method, name: str) -> Any:
    """The (possibly nested) hyper-parameter ``name`` of ``m``."""
    for k, v in m.hyper().items():
        if k.split(".")[-1] == name:
            return v
    raise ValueError(f"method {m!r} has no hyper-parameter {name!r}")


def _extrapolation_monitor(what: str) -> Callable:
    """Monitors at the extrapolated point ``zb = P(z - gamma F z)`` of EG+/CEG+ (``P = J_{gamma A}``).

    ``what``: ``natural`` ``||z - zb||^2`` (natural residual with step gamma), ``operator``
    ``||F zb||^2``, ``ceg`` ``||H zb - H z||^2`` with ``H = id - gamma F`` (PLPFC22, SPEC R25).
    """

    def make(op: Any, host: Method) -> Callable:
        gamma = _find(host, "gamma")

        def fn(z: Any, idx: np.ndarray) -> Any:
            g = np.asarray(gamma)[idx].reshape(-1, 1) if np.ndim(gamma) else gamma
            Fz = op.F(z)
            zb = op.constraint.prox(z - g * Fz, g)
            if what == "natural":
                d = z - zb
            elif what == "operator":
                d = op.F(zb)
            else:
                d = (zb - g * op.F(zb)) - (z - g * Fz)
            d = to_numpy(d)
            return np.sum(d * d, axis=-1)

        return fn

    return make


RUN_METRICS: dict[str, dict] = {
    "natural_residual_sq": {"doc": "||z^k - P_C(z^k - gamma F z^k)||^2 (gamma of the method)",
                            "monitor": _extrapolation_monitor("natural")},
    "extrapolated_operator_sq": {"doc": "||F zb^k||^2 at zb^k = P_C(z^k - gamma F z^k) (EG+, SPEC R14)",
                                 "monitor": _extrapolation_monitor("operator")},
    "ceg_step_sq": {"doc": "||H zb^k - H z^k||^2, H = id - gamma F (CEG+, SPEC R25)",
                    "monitor": _extrapolation_monitor("ceg")},
    "operator_sq": {"doc": "||F z^k||^2 (unconstrained)", "monitor": None},
    "resolvent_residual_sq": {"doc": "||z^k - J_{gamma T} z^k||^2", "monitor": _resolvent_monitor},
    "fixed_point_residual_sq": {"doc": "||S z^k - z^k||^2, S = base^tau of a Lookahead", "monitor": _fixed_point_monitor},
    "distance_ratio": {"doc": "||z^{k} - z*||^2 / ||z^{k-1} - z*||^2 (quasi-nonexpansiveness)", "monitor": None},
}


def _final_residual(method: Method, op: Any, z0: Any, K: int) -> float:
    from monoverify.solvers import run

    r = run(method, op, np.asarray(z0, float), iters=K)
    return float(r.history.residual[-1]) if str(r.status) in ("max_iter", "converged") else float("inf")


def unrelaxed_residual_ratio(method: Method, op: Any, z0: Any, values: dict) -> float:
    """Final natural residual after ``K`` steps of a Lookahead/RAPP method divided by that of the
    same method with ``lam = 1`` (e.g. RAPP vs APP with the same step size, SPEC R33); ``inf``
    when the relaxed run diverges, 0 when only the unrelaxed one does."""
    if not isinstance(method, Lookahead):
        raise ValueError("unrelaxed_residual_ratio needs a Lookahead method (e.g. rapp)")
    K = int(values["K"])
    mine = _final_residual(method, op, z0, K)
    ref = _final_residual(_with_lam_one(method), op, z0, K)
    return mine / ref if np.isfinite(ref) and ref > 0 else (0.0 if np.isfinite(mine) else float("inf"))


#: operator/run quantities of ``property`` theorems: ``fn(method, op, z0, values) -> float``
#: (``iteration_matrix_norm`` and ``spectral_radius`` are computed by the checker)
PROPERTY_METRICS: dict[str, Callable] = {"unrelaxed_residual_ratio": unrelaxed_residual_ratio}

#: expectations over seeded stochastic runs (checked by :mod:`monoverify.theory.stochastic`)
EXPECTED_METRICS: dict[str, str] = {
    "expected_inner_error_sq": "E||w^K - J_{gamma T} z||^2 after K anchored inner steps w <- z - gamma F^(w) "
                               "with a stochastic oracle (RAPP's inner loop, SPEC R8)",
}


def monitors_for(metric: str, op: Any, host: Method) -> dict:
    """Monitors that :func:`run` must record for ``metric``."""
    spec = RUN_METRICS.get(metric)
    if spec is None:
        raise ValueError(f"unknown run metric {metric!r}; known: {sorted(RUN_METRICS)}")
    make = spec["monitor"]
    return {} if make is None else {metric: make(op, host)}


def curve(metric: str, run: Any) -> np.ndarray:
    """The measured curve ``(K + 1, batch)`` of ``metric`` from a batched run."""
    h = run.history
    if metric == "operator_sq":
        if h.kind != "operator":
            raise ValueError("operator_sq needs an unconstrained operator")
        return h.residual ** 2
    if metric == "distance_ratio":
        d2 = h.distance ** 2
        out = np.full_like(d2, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[1:] = np.where(d2[:-1] > 0, d2[1:] / d2[:-1], np.where(d2[1:] > 0, np.inf, 0.0))
        return out
    return h.monitors[metric]


def running_best(values: np.ndarray) -> np.ndarray:
    """``best[k] = min_{j < k} values[j]`` (``best[0] = nan``)."""
    out = np.full_like(values, np.nan)
    out[1:] = np.fmin.accumulate(values[:-1], axis=0)
    return out
