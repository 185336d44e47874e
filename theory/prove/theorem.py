"""Claims from the theorem registry: ``prove_theorem("eg+.best_iterate", n=3, rho="-1/10", ...)``.

The bound is the theorem's SymPy ``bound`` at ``K = n``, ``D0 = 1`` and the exact parameter
values; the method is ``make(theorem.method, **method_params)`` at those values. Metric map:
``operator_sq`` -> ``operator``, ``resolvent_residual_sq`` -> ``resolvent``; ``iterate`` as the
theorem says. Other last-iterate metrics use the theorem's own ``pep`` form (PEP ``metric`` at
horizon ``N(K)``, bound times ``scale``; e.g. ``fixed_point_residual_sq`` as the outer step of
Lookahead divided by ``lam^2``). The class is set-valued (``L=None``) unless ``L`` is given; a bound or hypothesis
that involves ``L`` needs it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

import sympy as sp

from .symbolic import exact

__all__ = ["theorem_claim", "prove_theorem", "SUPPORTED_METRICS"]

#: registry metrics with an exact PEP form (the shared metric table, :mod:`monoverify.theory.metrics`)
SUPPORTED_METRICS = ("operator_sq", "resolvent_residual_sq", "fixed_point_residual_sq")


def theorem_claim(theorem_id: str, n: int, params: Mapping[str, Any]) -> dict:
    """The exact claim of a registry theorem: ``method``, ``rho``, ``L``, ``n``, ``bound``, ``metric``,
    ``iterate``, ``describe``.

    Raises
    ------
    ValueError
        Unknown parameters, missing values, hypotheses violated, or a metric without a PEP form.
    """
    from monoverify.solvers import make
    from monoverify.theory.theorems import SYMBOLS, get

    th = get(theorem_id)
    if th.bound is None or th.method is None:
        raise ValueError(f"theorem {theorem_id} has no bound to prove (kind {th.kind!r})")
    if th.metric not in SUPPORTED_METRICS:
        raise ValueError(f"theorem {theorem_id}: metric {th.metric!r} has no PEP form here; "
                         f"supported: {sorted(SUPPORTED_METRICS)}")
    unknown = set(params) - set(SYMBOLS)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; known: {sorted(SYMBOLS)}")
    q = {k: exact(k, v) for k, v in params.items() if v is not None}
    subs = {SYMBOLS[k]: sp.Rational(v.numerator, v.denominator) for k, v in q.items()}
    subs[SYMBOLS["K"]] = sp.Integer(n)
    subs[SYMBOLS["D0"]] = sp.Integer(1)
    for k, expr in th.derived.items():
        if SYMBOLS.get(k) not in subs:
            val = sp.sympify(expr).subs(subs)
            if val.is_Rational:
                subs[SYMBOLS[k]] = val
    if "rho" not in q:
        raise ValueError("rho is required (e.g. --rho -1/10)")
    hyp = sp.sympify(th.hypotheses).subs(subs)
    if hyp is sp.false:
        raise ValueError(f"the parameters violate the hypotheses of {theorem_id}: {th.hypotheses}")
    if hyp is not sp.true:
        missing = sorted(s.name for s in hyp.free_symbols)
        raise ValueError(f"the hypotheses of {theorem_id} need values for {missing}: {th.hypotheses}")
    mp = {}
    for name, expr in th.method_params.items():
        val = sp.sympify(expr).subs(subs)
        if not val.is_Rational:
            raise ValueError(f"method parameter {name} = {val} is not an exact rational: give its symbols")
        mp[name] = Fraction(int(val.p), int(val.q)) if name != "tau" else int(val)
    bound = sp.sympify(th.bound)
    metric, n_pep = th.metric, int(n)
    bound = sp.nsimplify(bound.subs(subs))
    if not bound.is_Rational:
        raise ValueError(f"the bound of {theorem_id} at these values is {bound}, not an exact rational")
    L = q.get("L")
    return {"method": make(th.method, **mp), "rho": q["rho"], "L": L, "n": n_pep,
            "bound": Fraction(int(bound.p), int(bound.q)), "metric": metric,
            "iterate": th.iterate, "describe": f"{th.method}(" + ", ".join(f"{k}={v}" for k, v in mp.items()) + ")",
            "registered": (th.method, mp), "theorem": (th.id, dict(q))}


def prove_theorem(theorem_id: str, n: int, params: Mapping[str, Any], **kw: Any):
    """:func:`monoverify.theory.prove.prove` on the claim of a registry theorem (see :func:`theorem_claim`).

    Examples
    --------
    >>> p = prove_theorem("pp.last_iterate", 2, {"rho": "-1/5", "gamma": 1})
    >>> p.status, p.claimed
    ('proved', '5/6')
    """
    from .core import prove

    c = theorem_claim(theorem_id, n, params)
    return prove(c["method"], c["rho"], c["L"], c["n"], c["bound"], c["metric"], c["iterate"],
                 registered=c["registered"], theorem=c["theorem"], **kw)
