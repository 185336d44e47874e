"""Independent checker of ``monoverify prove`` certificates (standard library only).

A certificate (JSON) states a claim ``sum_k mu_k ||u_k||^2 <= bound * ||z0 - z*||^2`` about every
Gram matrix ``G`` of the basis ``(z0 - z*, g_1, ..., g_n)`` that satisfies the class
inequalities on the listed points, and proves it by the identity

    bound * A_init - sum_k mu_k u_k u_k^T - sum_l lambda_l A_l  =  S,

with every ``lambda_l >= 0``, ``mu_k >= 0``, ``sum_k mu_k >= 1`` and ``S`` positive semidefinite:
then ``<S, G> >= 0`` and ``<A_l, G> >= 0`` give ``min_k ||u_k||^2 <= sum_k mu_k ||u_k||^2 / sum mu
<= bound * D0``. The checker re-derives every matrix ``A_l`` from the stored points (coefficient
vectors of ``x`` and ``g`` over the basis), the inequality kind and ``rho``, ``L``; it solves
nothing: it compares the identity entry by entry in exact rational arithmetic and checks ``S``
with an exact ``LDL^T`` factorisation (non-negative pivots; a zero pivot needs a zero row).

The same functions build the matrices inside the prover, so there is one definition of each
inequality. Inequalities (``i``, ``j`` index ``points``; ``x``, ``g`` their vectors):

* ``comonotone``: ``<g_i - g_j, x_i - x_j> - rho ||g_i - g_j||^2 >= 0``;
* ``lipschitz``: ``L^2 ||x_i - x_j||^2 - ||g_i - g_j||^2 >= 0``.

>>> from fractions import Fraction as Q
>>> is_psd([[Q(2), Q(1)], [Q(1), Q(1)]])[0], is_psd([[Q(1), Q(2)], [Q(2), Q(1)]])[0]
(True, False)
>>> is_psd([[Q(0), Q(1)], [Q(1), Q(5)]])[1]
'pivot 0 is 0 but its row is not zero'
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["FORMAT", "KINDS", "frac", "outer_sym", "inequality_matrix", "ldl", "is_psd", "identity_residual",
           "check_certificate", "check_file", "CheckError", "statement_of"]

#: version 2 binds the claim: the method as data, the theorem, every metric (version 1 is refused)
FORMAT = "monoverify-certificate/2"
KINDS = ("comonotone", "lipschitz")
#: the fields of a certificate and of its claim: anything else makes it INVALID (nothing unchecked is read)
FIELDS = {"format", "claim", "class", "bound", "basis", "points", "initial", "metrics", "inequalities", "S", "notes"}
CLAIM_FIELDS = {"method", "registered", "theorem", "n", "metric", "iterate", "claimed_bound", "epsilon", "statement"}
CLASS_FIELDS = {"rho", "L", "set_valued"}
METRIC_NAMES = ("operator", "step", "distance", "resolvent", "operator_sq", "step_sq", "distance_sq",
                "resolvent_residual_sq", "fixed_point_residual_sq")
ITERATES = ("last", "best")

Matrix = list  # list of lists of Fraction
Vector = list  # list of Fraction


class CheckError(ValueError):
    """The certificate is malformed (missing field, wrong size, non-rational entry)."""


def frac(v: Any) -> Fraction:
    """An exact rational from an int, a ``Fraction`` or a string such as ``"-3/7"`` (never a float).

    >>> frac("-3/7"), frac(2)
    (Fraction(-3, 7), Fraction(2, 1))
    """
    if isinstance(v, bool) or isinstance(v, float):
        raise CheckError(f"expected an exact rational (int or 'p/q' string), got {v!r}")
    try:
        return Fraction(v)
    except (TypeError, ValueError, ZeroDivisionError):
        raise CheckError(f"expected an exact rational (int or 'p/q' string), got {v!r}") from None


def zeros(d: int) -> Matrix:
    return [[Fraction(0)] * d for _ in range(d)]


def add_scaled(M: Matrix, c: Fraction, N: Matrix) -> None:
    """``M += c N`` in place."""
    if c == 0:
        return
    for r, row in zip(M, N):
        for k, v in enumerate(row):
            if v:
                r[k] += c * v


def outer_sym(a: Sequence[Fraction], b: Sequence[Fraction]) -> Matrix:
    """The symmetric matrix ``(a b^T + b a^T)/2``: ``<a, b> = <outer_sym(a, b), G>``."""
    d = len(a)
    return [[(a[i] * b[j] + b[i] * a[j]) / 2 for j in range(d)] for i in range(d)]


def _sub(a: Sequence[Fraction], b: Sequence[Fraction]) -> Vector:
    return [x - y for x, y in zip(a, b)]


def inequality_matrix(kind: str, xi: Sequence[Fraction], gi: Sequence[Fraction], xj: Sequence[Fraction],
                      gj: Sequence[Fraction], rho: Fraction, L: Fraction | None) -> Matrix:
    """The matrix ``A`` with ``<A, G> >= 0`` the class inequality ``kind`` on points ``i, j``."""
    dx, dg = _sub(xi, xj), _sub(gi, gj)
    if kind == "comonotone":
        A = outer_sym(dg, dx)
        add_scaled(A, -rho, outer_sym(dg, dg))
        return A
    if kind == "lipschitz":
        if L is None:
            raise CheckError("a lipschitz inequality needs L")
        A = outer_sym(dx, dx)
        for row in A:
            for k in range(len(row)):
                row[k] *= L * L
        add_scaled(A, Fraction(-1), outer_sym(dg, dg))
        return A
    raise CheckError(f"unknown inequality kind {kind!r}; known: {KINDS}")


def ldl(S: Sequence[Sequence[Fraction]]) -> tuple[bool, str, list]:
    """Exact ``S = sum_k d_k l_k l_k^T`` (``LDL^T``, pivots in order, ``l_k[k] = 1``).

    Returns ``(psd, reason, terms)`` with ``terms`` the ``(d_k, l_k)`` of the non-zero pivots. A
    negative pivot means not PSD; a zero pivot is allowed only when the rest of its row of the
    Schur complement is zero (a PSD matrix with a zero diagonal entry has a zero row).
    """
    d = len(S)
    M = [[Fraction(v) for v in row] for row in S]
    if any(len(row) != d for row in M):
        return False, "S is not square", []
    for i in range(d):
        for j in range(i):
            if M[i][j] != M[j][i]:
                return False, f"S is not symmetric at ({i}, {j})", []
    terms = []
    for k in range(d):
        p = M[k][k]
        if p < 0:
            return False, f"pivot {k} is negative ({p})", terms
        if p == 0:
            if any(M[k][j] != 0 for j in range(k + 1, d)):
                return False, f"pivot {k} is 0 but its row is not zero", terms
            continue
        terms.append((p, [Fraction(0)] * k + [M[k][j] / p for j in range(k, d)]))
        for i in range(k + 1, d):
            f = M[i][k] / p
            if f:
                for j in range(k + 1, d):
                    M[i][j] -= f * M[k][j]
    return True, "S = L D L^T with D >= 0", terms


def is_psd(S: Sequence[Sequence[Fraction]]) -> tuple[bool, str]:
    """Exact test of positive semidefiniteness by :func:`ldl`: ``(psd, reason)``."""
    ok, reason, _ = ldl(S)
    return ok, reason


def _vec(v: Any, d: int, what: str) -> Vector:
    if not isinstance(v, list) or len(v) != d:
        raise CheckError(f"{what} must be a list of {d} rationals")
    return [frac(x) for x in v]


def identity_residual(cert: Mapping[str, Any]) -> tuple[Matrix, list[str]]:
    """``bound A_init - sum mu u u^T - sum lambda A - S`` re-derived from the certificate, and the
    problems found on the way (negative weights, ``sum mu < 1``)."""
    basis = cert["basis"]
    d = len(basis)
    rho = frac(cert["class"]["rho"])
    L = None if cert["class"].get("L") is None else frac(cert["class"]["L"])
    bound = frac(cert["bound"])
    problems: list[str] = []
    pts = [(_vec(p["x"], d, f"point {p.get('name')} x"), _vec(p["g"], d, f"point {p.get('name')} g"))
           for p in cert["points"]]
    R = zeros(d)
    e0 = _vec(cert["initial"], d, "initial")
    add_scaled(R, bound, outer_sym(e0, e0))
    mus = []
    for m in cert["metrics"]:
        mu = frac(m["weight"])
        mus.append(mu)
        if mu < 0:
            problems.append(f"metric weight {m.get('name')} is negative ({mu})")
        u = _vec(m["vector"], d, f"metric {m.get('name')}")
        add_scaled(R, -mu, outer_sym(u, u))
    if sum(mus, Fraction(0)) < 1:
        problems.append(f"metric weights sum to {sum(mus, Fraction(0))} < 1")
    for q in cert["inequalities"]:
        lam = frac(q["weight"])
        if lam < 0:
            problems.append(f"weight of {q['kind']}({q['i']}, {q['j']}) is negative ({lam})")
        if q["kind"] == "lipschitz" and L is None:
            problems.append("a lipschitz inequality is used but the class has no L")
            continue
        (xi, gi), (xj, gj) = pts[int(q["i"])], pts[int(q["j"])]
        add_scaled(R, -lam, inequality_matrix(q["kind"], xi, gi, xj, gj, rho, L))
    S = [[frac(v) for v in row] for row in cert["S"]]
    if len(S) != d or any(len(r) != d for r in S):
        raise CheckError(f"S must be {d} x {d}")
    add_scaled(R, Fraction(-1), S)
    return R, problems


def statement_of(metric_names: Sequence[str], bound: Any) -> str:
    """The claim's statement from its metrics and bound: ``||T(z2)||^2 <= 5/6 ||z0 - z*||^2``."""
    return ("min of " if len(metric_names) > 1 else "") + ", ".join(metric_names) + f" <= {bound} ||z0 - z*||^2"


def _claim_problems(cert: Mapping[str, Any]) -> list[str]:
    """Consistency of the claim with the proof data (what the standard library alone can re-derive)."""
    out = []
    for what, d, allowed in (("certificate", cert, FIELDS), ("claim", cert["claim"], CLAIM_FIELDS),
                             ("class", cert["class"], CLASS_FIELDS)):
        if not isinstance(d, dict):
            return [f"{what} must be a JSON object, got {type(d).__name__}"]
        unknown, missing = sorted(set(d) - allowed), sorted(allowed - set(d) - {"notes"})
        if unknown:
            out.append(f"unknown {what} field(s) {unknown}: nothing unchecked may stand in a certificate")
        if missing:
            out.append(f"missing {what} field(s) {missing}")
    if out:
        return out
    c, cls = cert["claim"], cert["class"]
    claimed, eps, bound = frac(c["claimed_bound"]), frac(c["epsilon"]), frac(cert["bound"])
    if claimed < 0 or eps < 0:
        out.append(f"claimed_bound {claimed} and epsilon {eps} must be >= 0")
    if claimed + eps != bound:
        out.append(f"claimed_bound + epsilon = {claimed + eps} is not the bound proved ({bound})")
    if isinstance(c["n"], bool) or not isinstance(c["n"], int) or c["n"] < 1:
        out.append(f"claim.n must be an integer >= 1, got {c['n']!r}")
    if c["metric"] not in METRIC_NAMES or c["iterate"] not in ITERATES:
        out.append(f"claim.metric/iterate {c['metric']!r}/{c['iterate']!r}: metric one of {METRIC_NAMES}, "
                   f"iterate one of {ITERATES}")
    if cls["set_valued"] is not (cls["L"] is None):
        out.append("class.set_valued must be true exactly when class.L is null")
    if cls["L"] is not None and frac(cls["L"]) <= 0:
        out.append(f"class.L must be > 0, got {cls['L']}")
    names = [m.get("name") for m in cert["metrics"]]
    if c["statement"] != statement_of(names, cert["bound"]):
        out.append(f"claim.statement {c['statement']!r} is not what the metrics and the bound state "
                   f"({statement_of(names, cert['bound'])!r})")
    d = len(cert["basis"])
    if not cert["basis"] or cert["basis"][0] != "z0 - z*" or cert["initial"] != ["1"] + ["0"] * (d - 1):
        out.append("the initial condition must be ||z0 - z*||^2 <= 1 on the first basis vector 'z0 - z*'")
    pv = (cert.get("notes") or {}).get("pep_value_float")
    if pv is not None and (not isinstance(pv, (int, float)) or pv > float(bound) * (1 + 1e-6) + 1e-12):
        out.append(f"notes.pep_value_float {pv!r} exceeds the bound proved ({bound}): the file is inconsistent")
    return out


def check_certificate(cert: Any) -> tuple[bool, list[str]]:
    """Re-verify a certificate (a dict as in the JSON file). Returns ``(valid, problems)``.

    Checks the identity and ``S >= 0`` exactly, and that the claim agrees with the proof data
    (bound = claimed + epsilon, the statement, the class, the initial condition). That the points
    are the method's is checked by ``monoverify prove --check``, which re-runs the method.
    """
    if not isinstance(cert, dict):
        return False, [f"not a certificate: expected a JSON object, got {type(cert).__name__}"]
    try:
        if cert.get("format") != FORMAT:
            return False, [f"unknown format {cert.get('format')!r}, expected {FORMAT!r}"
                           + (" (version 1 did not bind its method; prove the claim again)"
                              if cert.get("format") == "monoverify-certificate/1" else "")]
        problems = _claim_problems(cert)
        if problems:
            return False, problems
        if any(p["x"] != ["0"] * len(cert["basis"]) or p["g"] != ["0"] * len(cert["basis"])
               for p in cert["points"] if p.get("name") == "z*") or cert["points"][0].get("name") != "z*":
            return False, ["the first point must be z* = (0, 0)"]
        R, more = identity_residual(cert)
        problems += more
        bad = [(i, j) for i, row in enumerate(R) for j, v in enumerate(row) if v != 0]
        if bad:
            problems.append(f"the identity fails at {len(bad)} entries, first {bad[0]}")
        psd, reason = is_psd([[frac(v) for v in row] for row in cert["S"]])
        if not psd:
            problems.append(f"S is not positive semidefinite: {reason}")
    except (KeyError, TypeError, IndexError, AttributeError, ValueError, CheckError) as exc:
        return False, [f"malformed certificate: {type(exc).__name__}: {exc}"]
    return not problems, problems


def check_file(path: str) -> tuple[bool, list[str]]:
    """:func:`check_certificate` on a JSON file."""
    with open(path, encoding="utf-8") as fh:
        return check_certificate(json.load(fh))


def _main(argv: Iterable[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    status = 0
    for p in args:
        try:
            ok, probs = check_file(p)
        except (OSError, ValueError) as exc:
            ok, probs = False, [f"cannot read: {exc}"]
        verdict = ("identity VALID (the points are taken as given; `monoverify prove --check` also derives "
                   "them from the method)") if ok else "INVALID"
        print(f"{p}: {verdict}" + "".join(f"\n  {m}" for m in probs))
        status |= 0 if ok else 1
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
