"""The numbers a discovery rests on: high-accuracy PEP values and exact values pinned by ``prove``.

:func:`pep_value` solves the PEP of one ``(method, class, N)`` twice (cached by
:func:`monoverify.theory.pep.worst_case`): at the default tolerances, where it must be ``optimal``, and at
tight ones, whose dual value is used when consistent with the first. :func:`pin` turns a value into an
exact rational: the simplest fraction in the solver's primal/dual window, accepted when it is too simple to
be a chance hit and :func:`monoverify.theory.prove.prove` certifies ``metric <= that fraction`` exactly. Pins are cached in
``$MONOVERIFY_CACHE/discover``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from monoverify.errors import InvalidValue

__all__ = ["Point", "pep_value", "pin", "HIGH_ACCURACY", "exact_value", "PEP_METRIC", "PROVE_METRIC",
           "simplest_fraction"]

#: Clarabel settings of the high-accuracy solves
HIGH_ACCURACY = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "max_iter": 500}
#: a high-accuracy value is used when within this (relative) of the default solve's
_AGREE_DEFAULT = 1e-7
#: metric names accepted -> the PEP name / the prover's name
PEP_METRIC = {"operator": "operator_sq", "operator_sq": "operator_sq", "step": "step_sq", "step_sq": "step_sq",
              "distance": "distance_sq", "distance_sq": "distance_sq", "resolvent": "resolvent_residual_sq",
              "resolvent_residual_sq": "resolvent_residual_sq",
              "fixed_point_residual_sq": "fixed_point_residual_sq"}
PROVE_METRIC = dict(PEP_METRIC)


def exact_value(name: str, v: Any) -> Fraction:
    """``v`` as an exact rational: an int, a ``Fraction``, a string such as ``"-1/5"`` or ``"0.2"``, or a float
    read as its shortest decimal (``0.2 -> 1/5``)."""
    if isinstance(v, bool):
        raise InvalidValue(f"{name} must be a rational number such as -1/5 or 0.5, got {v!r}")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InvalidValue(f"{name} must be finite, got {v!r}")
        return Fraction(repr(v))
    try:
        import sympy as sp

        if isinstance(v, sp.Basic):
            if v.is_Rational:
                return Fraction(int(v.p), int(v.q))
            raise InvalidValue(f"{name} must be rational, got {v}")
    except ImportError:  # pragma: no cover
        pass
    try:
        return Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidValue(f"{name} must be a rational number such as -1/5 or 0.5, got {v!r}") from None


@dataclasses.dataclass
class Point:
    """One PEP value: ``N``, the value and its evidence.

    ``value``: the PEP worst case (dual value); ``exact``: the pinned fraction (``None`` when not pinned);
    ``status``: the default solve's status; ``accuracy``: ``high`` (the value of the tight-tolerance solve),
    ``witness`` (an explicit operator of the class attains more than the solver's value, within 1e-6: the
    value is that operator's metric, a valid lower bound) or ``default``; ``witness``: the metric of the best
    rotation-scaling map of the class; ``proof``: the prover's status for the pinned fraction.
    """

    N: int
    value: float | None
    status: str
    accuracy: str = ""
    primal: float | None = None
    exact: Fraction | None = None
    proof: str = ""
    witness: float | None = None
    gap: float | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None and self.status == "optimal"

    def y(self):
        """The value the fit uses: the exact fraction when pinned, else the float."""
        return self.exact if self.exact is not None else self.value

    def to_dict(self) -> dict:
        return {"N": self.N, "pep": self.value, "primal": self.primal, "status": self.status,
                "accuracy": self.accuracy, "exact": None if self.exact is None else str(self.exact),
                "proof": self.proof, "witness": self.witness, "gap": self.gap}


def pep_value(method: Any, rho: float, L: float | None, n: int, metric: str, iterate: str = "last",
              witness: bool = True) -> Point:
    """The PEP worst case of ``method`` after ``n`` steps, at high accuracy where the solver gets there.

    The default solve (Clarabel, tolerances 1e-8) must be ``optimal``; the value is then the dual value of a
    second solve at tolerances 1e-11 (:data:`HIGH_ACCURACY`; Clarabel usually stops there with "almost solved",
    its dual value about ten times more accurate), used when it agrees with the default value to 1e-7
    relative; else the default dual value. With ``witness``, the best rotation-scaling map of the class
    (:func:`monoverify.theory.pep.linear_lower_bound`, polished) is run too: a member of the class, so its
    metric is at most the class worst case, itself at most the PEP value (equal in the set-valued class; a
    relaxation's value is larger). When it attains more than the solver's value (by at most 1e-6, relative:
    more would be a wrong PEP) its metric is the value: exact to rounding, where the SDP solution is not (e.g.
    1.7e-8 below the optimum for PP at rho = -1/5, N = 11).
    """
    from monoverify.theory.pep import worst_case

    r = worst_case(method, rho, L, n, metric, iterate=iterate)
    if r.status != "optimal" or r.value is None:
        return Point(n, None if r.value is None else float(r.value), r.status, "default", r.primal_value)
    hi = worst_case(method, rho, L, n, metric, iterate=iterate, solver_options=HIGH_ACCURACY)
    gap = lambda res: abs(res.value - res.primal_value) if res.primal_value is not None else abs(res.value)
    pt = Point(n, float(r.value), "optimal", "default", r.primal_value, gap=gap(r))
    if hi.value is not None and hi.status in ("optimal", "inaccurate") and \
            abs(hi.value - r.value) <= _AGREE_DEFAULT * abs(r.value):
        pt = Point(n, float(hi.value), "optimal", "high", hi.primal_value, gap=gap(hi))
    if witness:
        w = _witness(method, rho, L, n, metric, iterate)
        pt.witness = w
        if w is not None and pt.value < w <= pt.value * (1 + 1e-6):
            pt.value, pt.accuracy = w, "witness"
    return pt


def _witness(method: Any, rho: float, L: float | None, n: int, metric: str, iterate: str) -> float | None:
    """The polished rotation-scaling lower bound (cached beside the pins)."""
    from monoverify.theory.pep import linear_lower_bound, method_source_hash

    key = {"kind": "witness", "method": repr(method), "code": method_source_hash(method), "rho": rho, "n": n,
           "metric": metric, "iterate": iterate, "version": 1, **({"L": L} if L is not None else {})}
    path = _pin_path(key)
    try:
        return float(json.loads(path.read_text())["value"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        lb = linear_lower_bound(method, rho, L, n, metric, n_grid=16, iterate=iterate, polish=True)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    v = float(lb.value) if math.isfinite(lb.value) else None
    _write(path, {"key": key, "value": v})
    return v


def _write(path: Any, d: dict) -> None:
    from monoverify.atomic import write_text

    try:   # atomic: never a torn pin, no temporary file left behind
        write_text(path, json.dumps(d), mkdir=True)
    except OSError:  # a read-only or full cache must not break a discovery
        pass


def _pin_path(key: Mapping) -> Any:
    from monoverify.cache import cache_root

    blob = json.dumps(key, sort_keys=True, default=str)
    return cache_root() / "discover" / f"pin-{hashlib.sha256(blob.encode()).hexdigest()[:40]}.json"


def simplest_fraction(lo: Fraction, hi: Fraction) -> Fraction:
    """The fraction of smallest denominator in ``[lo, hi]`` (Stern-Brocot).

    >>> simplest_fraction(Fraction(33, 100), Fraction(34, 100)), simplest_fraction(Fraction(314, 100), Fraction(315, 100))
    (Fraction(1, 3), Fraction(22, 7))
    """
    if lo > hi:
        lo, hi = hi, lo
    if lo <= 0 <= hi:
        return Fraction(0)
    if hi < 0:
        return -simplest_fraction(-hi, -lo)
    fl = lo.numerator // lo.denominator
    if Fraction(fl) == lo:
        return Fraction(fl)
    if fl + 1 <= hi:
        return Fraction(fl + 1)
    return fl + 1 / simplest_fraction(1 / (hi - fl), 1 / (lo - fl))


#: a pin is refused when a random value would meet a fraction that simple in its window with probability
#: above this (about 2 w D^2 for a window of half-width w and denominator D)
_PIN_CHANCE = 1e-3


def pin(point: Point, method_exact: Any, rho: Fraction, L: Fraction | None, metric: str, iterate: str = "last") -> Point:
    """Pin ``point`` to an exact fraction: the simplest fraction ``q`` in the solver's window around the value
    (half-width the primal/dual gap of the solve, at least 1e-12 relative), accepted only when it is simple
    enough that a chance hit is unlikely (``2 w D^2 <= 1e-3``, ``D`` its denominator) and
    :func:`monoverify.theory.prove.prove` certifies ``metric <= q`` exactly. ``q`` is then the worst case:
    proved from above, attained to the solver's accuracy from below."""
    if not point.ok or point.value is None or point.value <= 0:
        return point
    v = point.value
    w = max(abs(point.gap) if point.gap is not None else 0.0, 1e-12 * abs(v))
    if point.accuracy == "witness":   # an explicit member attains v: the worst case is in [v, solver value + w]
        w = max(w, v - (point.primal if point.primal is not None else v))
    q = simplest_fraction(Fraction(v - w), Fraction(v + w))
    if q <= 0 or 2 * w * q.denominator ** 2 > _PIN_CHANCE:
        return point
    from monoverify.theory.pep import method_source_hash
    from monoverify.theory.prove import prove

    key = {"method": repr(method_exact), "code": method_source_hash(method_exact), "rho": str(rho),
           "L": None if L is None else str(L), "n": point.N, "metric": metric, "iterate": iterate, "bound": str(q),
           "version": 1}
    path = _pin_path(key)
    status = None
    try:
        status = json.loads(path.read_text()).get("status")
    except (OSError, ValueError, AttributeError):
        status = None
    if status is None:
        p = prove(method_exact, rho, L, point.N, q, metric, iterate)
        status = p.status if p.checked or p.status != "proved" else "not_checked"
        _write(path, {"key": key, "status": status})
    out = dataclasses.replace(point, proof=status)
    if status == "proved":
        out.exact = q
    return out
