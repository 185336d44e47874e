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
           "check_certificate", "check_file", "CheckError"]

FORMAT = "monoverify-certificate/1"
KINDS = ("comonotone", "lipschitz")

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


def check_certificate(cert: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """Re-verify a certificate (a dict as in the JSON file). Returns ``(valid, problems)``."""
    try:
        if cert.get("format") != FORMAT:
            return False, [f"unknown format {cert.get('format')!r}, expected {FORMAT!r}"]
        if any(p["x"] != ["0"] * len(cert["basis"]) or p["g"] != ["0"] * len(cert["basis"])
               for p in cert["points"] if p.get("name") == "z*"):
            return False, ["the point z* must be (0, 0)"]
        R, problems = identity_residual(cert)
        bad = [(i, j) for i, row in enumerate(R) for j, v in enumerate(row) if v != 0]
        if bad:
            problems.append(f"the identity fails at {len(bad)} entries, first {bad[0]}")
        psd, reason = is_psd([[frac(v) for v in row] for row in cert["S"]])
        if not psd:
            problems.append(f"S is not positive semidefinite: {reason}")
    except (KeyError, TypeError, IndexError, CheckError) as exc:
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
        ok, probs = check_file(p)
        print(f"{p}: {'VALID' if ok else 'INVALID'}" + "".join(f"\n  {m}" for m in probs))
        status |= 0 if ok else 1
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
