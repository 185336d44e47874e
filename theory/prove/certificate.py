"""The JSON certificate, and the check that binds it to its claim.

Every number is an exact rational written as a string (``"-3/7"``). A certificate of format
``monoverify-certificate/2`` holds

* ``claim``: **what was proved** — the method as data (``method``: every class and exact field,
  :mod:`.method_spec`), the registered name and parameters it was made from (``registered``, or
  ``null``), the registry theorem it instantiates (``theorem``: id and exact parameters, or ``null``),
  ``n``, ``metric``, ``iterate``, ``claimed_bound``, ``epsilon`` and the ``statement``;
* ``class`` (``rho``, ``L``, ``set_valued``) and ``bound`` (``claimed_bound + epsilon``);
* the proof: ``basis``, ``points``, ``initial``, ``metrics`` (every metric of the claim, weights
  included), weighted ``inequalities`` and ``S``;
* ``notes``: the numerical PEP value, shown as such and checked only to lie below the bound.

:func:`check_certificate` accepts a certificate only when the independent identity check of
:mod:`.checker` (standard library) passes **and** every field of the claim is derived again:
the method is rebuilt from its description and traced on exact points, which must give exactly
the stored basis, points, metric vectors and inequalities; the registered name must build the
same method; a theorem's bound, method, class and metric at its parameters must be the stored
ones; the statement is re-written from the metrics and the bound. A certificate relabelled as
another method, theorem, horizon, class or bound is INVALID.

>>> from fractions import Fraction as Q
>>> from monoverify.solvers import make
>>> from monoverify.theory.prove import prove
>>> p = prove(make("pp", gamma=Q(1)), rho=0, L=None, n=1, bound=1, registered=("pp", {"gamma": Q(1)}))
>>> ok, problems, claim = check_certificate(p.certificate)
>>> ok, claim
(True, 'pp(gamma=1), n = 1, on 0-comonotone operators T (set-valued, maximal): ||T(z1)||^2 <= 1 ||z0 - z*||^2')
>>> c = dict(p.certificate, claim=dict(p.certificate["claim"], n=2))      # relabelled: another horizon
>>> check_certificate(c)[0]
False
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from . import checker
from .checker import FORMAT, statement_of
from .method_spec import SpecError, describe, rebuild

__all__ = ["make_certificate", "bind", "check_certificate", "check_file", "method_text", "claim_text"]


def _s(v: Fraction) -> str:
    return str(Fraction(v))


def _exact_params(params: Mapping[str, Any]) -> dict:
    return {k: (int(v) if isinstance(v, int) and not isinstance(v, bool) else _s(v)) for k, v in params.items()}


def make_certificate(pep: Any, bound: Fraction, lam: list, mu: list, S: list, *, method: Any, claimed: Fraction,
                     epsilon: Fraction, pep_value: float, registered: tuple | None = None,
                     theorem: tuple | None = None) -> dict:
    """The certificate dict (JSON-ready) of ``min_k metric_k <= bound ||z0 - z*||^2``.

    ``method`` is the method object (described exactly, :func:`~.method_spec.describe`);
    ``registered`` ``(name, params)`` when it is ``make(name, **params)``; ``theorem``
    ``(id, params)`` when the claim is a registry theorem's. Only inequalities with a non-zero
    weight are listed; every metric of the claim is (a minimum over iterates lists them all).
    """
    d = pep.dim
    tr = pep.trace
    return {
        "format": FORMAT,
        "claim": {"method": describe(method),
                  "registered": None if registered is None else {"name": registered[0],
                                                                 "params": _exact_params(registered[1])},
                  "theorem": None if theorem is None else {"id": theorem[0], "params": _exact_params(theorem[1])},
                  "n": pep.n, "metric": pep.metric, "iterate": pep.iterate,
                  "claimed_bound": _s(claimed), "epsilon": _s(epsilon),
                  "statement": statement_of(pep.metric_names, _s(bound))},
        "class": {"rho": _s(pep.rho), "L": None if pep.L is None else _s(pep.L), "set_valued": pep.L is None},
        "bound": _s(bound),
        "basis": list(tr.basis),
        "points": [{"name": p.name, "x": [_s(v) for v in p.x.padded(d)], "g": [_s(v) for v in p.g.padded(d)]}
                   for p in tr.points],
        "initial": [_s(v) for v in pep.initial],
        "metrics": [{"name": nm, "vector": [_s(v) for v in u], "weight": _s(m)}
                    for nm, u, m in zip(pep.metric_names, pep.metric_vectors, mu)],
        "inequalities": [{"kind": q.kind, "i": q.i, "j": q.j, "label": q.label, "weight": _s(w)}
                         for q, w in zip(pep.inequalities, lam) if w != 0],
        "S": [[_s(v) for v in row] for row in S],
        "notes": {"pep_value_float": float(pep_value)},
    }


def method_text(claim: Mapping[str, Any]) -> str:
    """How the claim's method reads: ``pp(gamma=1)`` for a registered one, else its class and fields."""
    reg = claim.get("registered")
    if reg:
        return f"{reg['name']}(" + ", ".join(f"{k}={v}" for k, v in reg["params"].items()) + ")"

    def tree(spec: Mapping[str, Any]) -> str:
        fields = ", ".join(f"{k}={tree(v) if isinstance(v, dict) else v}" for k, v in spec["fields"].items())
        return f"{spec['class'].split(':')[-1]}({fields})"
    return tree(claim["method"])


def class_text(cls: Mapping[str, Any]) -> str:
    """``-1/5-comonotone operators T (set-valued, maximal)`` or ``... and 1-Lipschitz operators F``."""
    return f"{cls['rho']}-comonotone" + (f" and {cls['L']}-Lipschitz operators F" if cls.get("L") is not None
                                         else " operators T (set-valued, maximal)")


def claim_text(cert: Mapping[str, Any]) -> str:
    """The claim a valid certificate proves, in one line."""
    c = cert["claim"]
    th = f" [theorem {c['theorem']['id']}]" if c.get("theorem") else ""
    return f"{method_text(c)}, n = {c['n']}, on {class_text(cert['class'])}: {c['statement']}{th}"


def _theorem_differences(cert: Mapping[str, Any], method: Any) -> list[str]:
    from .problem import UNIFIED
    from .theorem import theorem_claim

    c = cert["claim"]
    t = c["theorem"]
    if not isinstance(t, dict) or set(t) != {"id", "params"} or not isinstance(t["params"], dict):
        return [f"claim.theorem must be {{'id': ..., 'params': {{...}}}}, got {t!r}"]
    try:
        tc = theorem_claim(t["id"], int(c["n"]), t["params"])
    except (ValueError, KeyError) as exc:
        return [f"claim.theorem {t['id']} at {t['params']}: {exc}"]
    diffs = []
    if tc["method"] != method:
        diffs.append(f"the method is not theorem {t['id']}'s ({tc['describe']})")
    if _s(tc["rho"]) != cert["class"]["rho"] or (None if tc["L"] is None else _s(tc["L"])) != cert["class"]["L"]:
        diffs.append(f"the class is not theorem {t['id']}'s at these parameters (rho={tc['rho']}, L={tc['L']})")
    if _s(tc["bound"]) != c["claimed_bound"]:
        diffs.append(f"claimed_bound {c['claimed_bound']} is not theorem {t['id']}'s bound {tc['bound']} at n = {c['n']}")
    if UNIFIED.get(c["metric"]) != UNIFIED.get(tc["metric"]) or c["iterate"] != tc["iterate"]:
        diffs.append(f"metric/iterate {c['metric']}/{c['iterate']} are not theorem {t['id']}'s "
                     f"({tc['metric']}/{tc['iterate']})")
    return diffs


def bind(cert: Mapping[str, Any], method: Any = None) -> tuple[bool, list[str]]:
    """Derive every field of the claim again (see the module docstring): ``(bound, differences)``.

    ``method``: the method object itself (the prover passes it; a file is bound through the
    description it carries, which must describe the same object).
    """
    from monoverify.solvers import make

    from .problem import build
    from .symbolic import NotRepresentable

    c = cert["claim"]
    if method is None:
        try:
            method = rebuild(c["method"])
        except SpecError as exc:
            return False, [f"the method cannot be re-derived: {exc}"]
    elif describe(method) != c["method"]:
        return False, ["the stored method description is not the method proved"]
    diffs = []
    reg = c["registered"]
    if reg is not None:
        try:
            if not isinstance(reg, dict) or set(reg) != {"name", "params"}:
                raise SpecError(f"claim.registered must be {{'name': ..., 'params': {{...}}}}, got {reg!r}")
            made = make(reg["name"], **{k: (v if isinstance(v, int) else Fraction(v)) for k, v in reg["params"].items()})
            if made != method:
                diffs.append(f"claim.registered {method_text(c)} builds another method than the one described")
        except (ValueError, KeyError, TypeError) as exc:
            diffs.append(f"claim.registered cannot be built: {exc}")
    if c["theorem"] is not None:
        diffs += _theorem_differences(cert, method)
    cls = cert["class"]
    try:
        pep = build(method, Fraction(cls["rho"]), None if cls["L"] is None else Fraction(cls["L"]), int(c["n"]),
                    c["metric"], c["iterate"])
    except (NotRepresentable, ValueError) as exc:
        return False, diffs + [f"the claim cannot be traced again: {exc}"]
    d = pep.dim
    if list(cert["basis"]) != list(pep.trace.basis):
        return False, diffs + [f"the basis differs from the method's ({pep.trace.basis})"]
    mine = [(p.name, [_s(v) for v in p.x.padded(d)], [_s(v) for v in p.g.padded(d)]) for p in pep.trace.points]
    if [(p["name"], p["x"], p["g"]) for p in cert["points"]] != mine:
        diffs.append("the evaluated points differ from the method's")
    metrics = [(nm, [_s(v) for v in u]) for nm, u in zip(pep.metric_names, pep.metric_vectors)]
    if [(m["name"], m["vector"]) for m in cert["metrics"]] != metrics:
        diffs.append(f"the metrics differ from the claim's ({', '.join(pep.metric_names)})")
    known = {(q.kind, q.i, q.j, q.label) for q in pep.inequalities}
    bad = [q for q in cert["inequalities"] if (q["kind"], q["i"], q["j"], q["label"]) not in known]
    if bad:
        diffs.append(f"{len(bad)} inequality label(s) are not the class inequalities of the traced points, "
                     f"first {bad[0]['label']!r}")
    if c["statement"] != statement_of(pep.metric_names, cert["bound"]):
        diffs.append("the statement is not the one the metrics and the bound give")
    return not diffs, diffs


def check_certificate(cert: Any, method: Any = None) -> tuple[bool, list[str], str]:
    """The full check of a certificate: the independent identity check and :func:`bind`.

    Returns ``(valid, problems, claim)`` with ``claim`` the one-line claim proved (empty when invalid).
    """
    ok, problems = checker.check_certificate(cert)
    if not ok:
        return False, problems, ""
    bound_ok, diffs = bind(cert, method)
    if not bound_ok:
        return False, diffs, ""
    return True, [], claim_text(cert)


def check_file(path: str) -> tuple[bool, list[str], str]:
    """:func:`check_certificate` on a JSON file (an unreadable or non-JSON file raises ``OSError``/``ValueError``)."""
    import json

    with open(path, encoding="utf-8") as fh:
        return check_certificate(json.load(fh))
