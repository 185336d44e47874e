"""The JSON certificate: inputs, basis, points, metric, weighted inequalities and ``S``, all exact.

Every number is an exact rational written as a string (``"-3/7"``); the independent checker
(:mod:`monoverify.theory.prove.checker`) re-derives each inequality matrix from ``points``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .checker import FORMAT

__all__ = ["make_certificate", "rederive"]


def _s(v: Fraction) -> str:
    return str(Fraction(v))


def make_certificate(pep: Any, bound: Fraction, lam: list, mu: list, S: list, *, method: str, claimed: Fraction,
                     epsilon: Fraction, pep_value: float) -> dict:
    """The certificate dict (JSON-ready) of ``min_k metric_k <= bound ||z0 - z*||^2``; only
    inequalities with a non-zero weight are listed."""
    d = pep.dim
    tr = pep.trace
    return {
        "format": FORMAT,
        "claim": {"method": method, "n": pep.n, "metric": pep.metric, "iterate": pep.iterate,
                  "claimed_bound": _s(claimed), "epsilon": _s(epsilon),
                  "statement": ("min of " if len(pep.metric_names) > 1 else "")
                  + ", ".join(pep.metric_names) + f" <= {bound} ||z0 - z*||^2",
                  "pep_value_float": pep_value},
        "class": {"rho": _s(pep.rho), "L": None if pep.L is None else _s(pep.L),
                  "set_valued": pep.L is None},
        "bound": _s(bound),
        "basis": list(tr.basis),
        "points": [{"name": p.name, "x": [_s(v) for v in p.x.padded(d)], "g": [_s(v) for v in p.g.padded(d)]}
                   for p in tr.points],
        "initial": [_s(v) for v in pep.initial],
        "metrics": [{"name": nm, "vector": [_s(v) for v in u], "weight": _s(m)}
                    for nm, u, m in zip(pep.metric_names, pep.metric_vectors, mu) if m != 0],
        "inequalities": [{"kind": q.kind, "i": q.i, "j": q.j, "label": q.label, "weight": _s(w)}
                         for q, w in zip(pep.inequalities, lam) if w != 0],
        "S": [[_s(v) for v in row] for row in S],
    }


def rederive(cert: dict, method: Any) -> tuple[bool, list[str]]:
    """Re-run ``method`` on exact points and compare with the certificate's stored description
    (points, metric vectors, class): the checker trusts the points, this ties them to the method.

    Returns ``(agrees, differences)``.
    """
    from .problem import build

    c = cert["claim"]
    pep = build(method, Fraction(cert["class"]["rho"]), None if cert["class"]["L"] is None else Fraction(cert["class"]["L"]),
                int(c["n"]), c["metric"], c["iterate"])
    d = pep.dim
    diffs = []
    if d != len(cert["basis"]):
        return False, [f"basis size {len(cert['basis'])} != {d} from the method"]
    mine = [([_s(v) for v in p.x.padded(d)], [_s(v) for v in p.g.padded(d)]) for p in pep.trace.points]
    theirs = [(p["x"], p["g"]) for p in cert["points"]]
    if mine != theirs:
        diffs.append("the evaluated points differ from the method's")
    vecs = {tuple(_s(v) for v in u) for u in pep.metric_vectors}
    if any(tuple(m["vector"]) not in vecs for m in cert["metrics"]):
        diffs.append("a metric vector is not the method's")
    return not diffs, diffs
