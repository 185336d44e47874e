"""Validation and normalisation of the inputs of a PEP (they form the cache key)."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from monoverify.errors import InvalidValue
from .cache import _versions, method_source_hash
from monoverify.theory.metrics import get_metric

from .common import PEPNotRepresentable, _positive, _real


_CONSTRAINTS = {
    None: None, "none": None, "whole": None,
    "indicator": "indicator", "convex": "indicator", "set": "indicator", "box": "indicator", "ball": "indicator",
    "simplex": "indicator",
    "convex-function": "convex-function", "function": "convex-function", "regularizer": "convex-function",
    "l1": "convex-function", "prox": "convex-function",
}


def _normalise_constraint(constraint: Any) -> str | None:
    if constraint is None or isinstance(constraint, str):
        key = constraint.lower() if isinstance(constraint, str) else None
        if key not in _CONSTRAINTS:
            raise InvalidValue(f"constraint must be None, one of {sorted(k for k in _CONSTRAINTS if k)} "
                             f"or a monoverify set, got {constraint!r}")
        return _CONSTRAINTS[key]
    name = type(constraint).__name__
    if name == "Whole":
        return None
    if name in ("Box", "Ball", "Simplex"):
        return "indicator"
    if name == "L1":
        return "convex-function"
    raise InvalidValue(f"constraint {constraint!r} is not a known set or regulariser")


class _CountingOracle:
    """Counts the oracle calls of one step on plain numbers (each call is one evaluated point of a PEP)."""

    unconstrained = True

    def __init__(self) -> None:
        self.n = 0

    def F(self, z: Any) -> Any:
        self.n += 1
        return z

    def prox(self, z: Any, gamma: Any) -> Any:   # no point of its own in an unconstrained PEP
        return z

    def resolvent(self, z: Any, gamma: Any) -> Any:
        self.n += 1
        return z

    def F_of(self, i: int, z: Any) -> Any:
        return self.F(z)

    def resolvent_of(self, i: int, z: Any, gamma: Any) -> Any:
        return self.resolvent(z, gamma)


def points_per_step(method: Any) -> int:
    """Oracle calls (evaluated points of a PEP) in one ``step`` of ``method``, counted on plain numbers;
    ``tau``-based (at least 1) for a step that needs more than numbers (players' masks)."""
    o = _CountingOracle()
    try:
        with np.errstate(all="ignore"):
            st = method.init(1.0, o)
            n0 = o.n
            method.step(st, o)
        return max(1, o.n - n0)
    except Exception:
        return max(1, int(getattr(method, "tau", 1) or 1))


def guard_points(method: Any, n_iter: int, max_points: Any = None) -> None:
    """Refuse a PEP of more than the limit ``pep_points`` (:mod:`monoverify.limits`; ``max_points`` replaces
    it) before it is built: its Gram matrix is (points + 1)^2 and it has about points^2 inequalities."""
    from monoverify.limits import guard
    from monoverify.validate import integer

    given = integer("max_points", max_points, lo=1, none=True)
    per = points_per_step(method)
    pts = per * int(n_iter) + 2
    guard("pep_points", pts, f"a PEP of {method!r} with n_iter={n_iter}", option="--max-points", given=given,
          detail=f"{per} per step: an SDP with a {pts + 1}x{pts + 1} Gram matrix and about {pts * (pts + 1)} "
                 "inequalities")


def _scalar_hyper(method: Any) -> Any:
    from monoverify import validate

    validate.method("method", method)

    def conv(name: str, v: Any) -> float:
        if np.ndim(v) != 0:
            raise PEPNotRepresentable(
                f"hyper-parameter {name} has shape {np.shape(v)}: a PEP needs scalar hyper-parameters; "
                "solve one PEP per value (worst_case_many)")
        try:
            return _real(f"hyper-parameter {name}", v)
        except ValueError as exc:
            raise PEPNotRepresentable(str(exc)) from None

    return method.map_hyper(conv)


def _inputs(method: Any, rho: Any, L: Any, n_iter: Any, metric: str, solver: str, constraint: Any,
            bilinear: bool, solver_options: Mapping[str, Any] | None = None,
            iterate: str = "last", mu: Any = None, refined: bool = False, max_points: Any = None) -> tuple[Any, dict]:
    m = _scalar_hyper(method)
    rho_f = _real("rho", rho)
    L_f = None if L is None else _positive("L", L)
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise InvalidValue(f"n_iter must be an integer >= 1, got {n_iter!r}")
    guard_points(m, n_iter, max_points)
    spec = get_metric(metric, pep=True)
    if spec.check is not None:
        spec.check(m)
    if iterate not in ("last", "best"):
        raise InvalidValue(f"iterate must be 'last' or 'best', got iterate={iterate!r}")
    if not isinstance(solver, str) or not solver:
        raise InvalidValue(f"solver must be a CVXPY solver name such as 'CLARABEL' or 'SCS', got {solver!r}")
    if bilinear and rho_f > 0:
        raise InvalidValue(f"bilinear (skew-symmetric) maps are 0-comonotone: need rho <= 0, got rho={rho!r}")
    if solver_options is not None and not isinstance(solver_options, Mapping):
        raise InvalidValue(f"solver_options must be a dict of solver settings, got {solver_options!r}")
    mu_f = None if mu is None else _real("mu", mu)
    if not isinstance(refined, (bool, np.bool_)):
        raise InvalidValue(f"refined must be True or False, got refined={refined!r}")
    if mu_f is not None or refined:   # the class validates the combination (and names what is wrong)
        from .operator_class import StronglyMonotoneLipschitzOperator

        StronglyMonotoneLipschitzOperator(rho_f, L_f, bool(bilinear), mu=mu_f, refined=bool(refined))
    inputs = {
        "method": f"{type(m).__module__}.{type(m).__qualname__}:{m!r}",
        "method_code": method_source_hash(m),
        "rho": rho_f,
        "L": L_f,
        "n_iter": int(n_iter),
        "metric": spec.name,
        "iterate": iterate,
        "solver": solver.upper(),
        "constraint": _normalise_constraint(constraint),
        "bilinear": bool(bilinear),
        "solver_options": dict(sorted((solver_options or {}).items())),
        "versions": _versions(),
    }
    if mu_f is not None or refined:   # keys of the plain class unchanged (its cache entries stay valid)
        inputs["mu"] = mu_f
        inputs["refined"] = bool(refined)
    return m, inputs

