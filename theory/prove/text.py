"""The proof as a person reads it: "add these inequalities with these weights", then the SOS.

>>> from fractions import Fraction as Q
>>> lin([Q(1), Q(-1, 2)], ["z0 - z*", "F(z0)"])
'(z0 - z*) - 1/2 F(z0)'
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from .checker import frac, ldl

__all__ = ["render", "lin"]


def _coef(c: Fraction, first: bool) -> str:
    sign = "-" if c < 0 else ("" if first else "+")
    a = abs(c)
    mag = "" if a == 1 else f"{a} "
    return (f"{sign} " if sign and not first else sign) + mag


def lin(coeffs: Sequence[Fraction], names: Sequence[str]) -> str:
    """A linear combination of named basis vectors, e.g. ``z0 - z* - 1/2 F(z0)``."""
    parts = []
    for c, nm in zip(coeffs, names):
        if c == 0:
            continue
        term = f"({nm})" if " " in nm else nm
        parts.append(_coef(c, not parts) + term)
    return " ".join(parts) if parts else "0"


def _pt(name: str) -> str:
    return "z*" if name == "z*" else name


def _inequality(q: dict, pts: list, rho: Fraction, L: Fraction | None, leaf: dict) -> str:
    a, b = pts[int(q["i"])], pts[int(q["j"])]
    if a["name"] == "z*":
        a, b = b, a
    ga, gb = leaf.get(a["name"], "0"), leaf.get(b["name"], "0")
    dg = ga if gb == "0" else (f"-{gb}" if ga == "0" else f"{ga} - {gb}")
    dx = f"{_pt(a['name'])} - {_pt(b['name'])}"
    if q["kind"] == "comonotone":
        return f"<{dg}, {dx}> >= " + ("0" if rho == 0 else f"{rho} ||{dg}||^2")
    return ("" if L == 1 else f"{L}^2 ") + f"||{dx}||^2 >= ||{dg}||^2"


def render(cert: dict) -> str:
    """The human-readable proof of a certificate dict."""
    basis = cert["basis"]
    rho = frac(cert["class"]["rho"])
    L = None if cert["class"]["L"] is None else frac(cert["class"]["L"])
    pts = cert["points"]
    leaf = {}
    for p in pts:
        g = [frac(v) for v in p["g"]]
        leaf[p["name"]] = lin(g, basis) if any(g) else "0"
    cls = f"{rho}-comonotone" + (f" and {L}-Lipschitz operators F" if L is not None
                                 else " operators T (set-valued, maximal)")
    from .certificate import method_text

    c = cert["claim"]
    out = [f"Claim. {method_text(c)}, n = {c['n']}, on {cls}:",
           f"    {c['statement']}.",
           "Iterates and evaluated points (basis " + ", ".join(basis) + "):"]
    for p in pts:
        if p["name"] != "z*":
            out.append(f"    {p['name']} - z* = {lin([frac(v) for v in p['x']], basis)},   g = {leaf[p['name']]}")
    if len(cert["metrics"]) > 1:
        out.append("Average the metrics with weights " + ", ".join(f"{m['weight']} x {m['name']}" for m in cert["metrics"])
                   + " (the minimum is at most the average).")
    out.append("Proof. Add the following inequalities, each valid on the class, with these weights:")
    for q in cert["inequalities"]:
        out.append(f"    {q['weight']:>12} x  [ {_inequality(q, pts, rho, L, leaf)} ]   ({q['label']})")
    ok, _, terms = ldl([[frac(v) for v in row] for row in cert["S"]])
    metric = " + ".join(f"{m['weight']} {m['name']}" if len(cert["metrics"]) > 1 else m["name"]
                        for m in cert["metrics"])
    out.append(f"Identity: {cert['bound']} ||z0 - z*||^2 - {metric} = sum of weight x (left - right side) above"
               " + the sum of squares")
    for d, l in terms:
        out.append(f"    {d} ||{lin(l, basis)}||^2")
    out.append("which is >= 0, hence the claim." if ok else "(S is NOT positive semidefinite: no proof)")
    return "\n".join(out)
