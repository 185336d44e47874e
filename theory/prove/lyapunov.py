"""Across all N: a potential ``V_k = ||z_k - z*||^2 + c k ||u_k||^2`` verified for generic ``k``.

``u_k`` is the metric vector at ``z_k`` (``operator``: ``F z_k`` / the leaf ``g_k in T z_k``;
``resolvent``: ``z_k - J z_k``). If ``V_{k+1} <= V_k`` for every ``k >= 0`` then
``c N ||u_N||^2 <= V_N <= V_0 = ||z0 - z*||^2``: the bound ``1/(c N)`` for **every** N.

The one-step PEP is traced from a generic iterate ``z_k`` with the method object itself. The
search (numerical, then exact) uses the ansatz ``a_k = c k`` and weights affine in ``k``,
``lambda_i(k) = alpha_i + beta_i k >= 0``, imposed at ``k = 0..k_fit``; ``c`` is maximised,
rationalised, and the weights are rounded. The proof is then **symbolic**: with SymPy,
``S(k) = V_k - V_{k+1} - sum_i lambda_i(k) A_i`` is factored ``LDL^T`` over ``Q(k)`` and every pivot
is a ratio of polynomials with non-negative coefficients (hence ``>= 0`` for all ``k >= 0``); a zero
pivot needs a zero row. Inequalities that involve the value at ``z_k`` itself carry a weight that
vanishes at ``k = 0`` (the start ``z_0`` need not lie in the domain of a set-valued ``T``), which is
checked too.

>>> from fractions import Fraction as Q
>>> from monoverify.solvers import make
>>> pot = find_potential(make("pp", gamma=Q(1)), rho=Q(-1, 5), metric="operator")
>>> pot.status, pot.c                     # c = gamma (gamma + 2 rho): SPEC R5 for every N
('proved', '3/5')
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np

from monoverify.result import Result

from . import checker
from .symbolic import ExactOracle, Point, Vec, exact

__all__ = ["Potential", "find_potential", "one_step"]


@dataclasses.dataclass
class Potential(Result):
    """Outcome of :func:`find_potential`.

    Attributes
    ----------
    status : str
        ``proved`` (symbolically verified for every ``k >= 0``) or ``not_found``.
    message : str
    c : str or None
        The coefficient: ``V_k = ||z_k - z*||^2 + c k ||u_k||^2``, so ``||u_N||^2 <= D0/(c N)``.
    weights : list
        ``(label, alpha_i, beta_i)``: the inequality ``label`` has weight ``alpha_i + beta_i k``.
    pivots : list of str
        The ``LDL^T`` pivots of ``S(k)`` (rational functions of ``k``).
    text : str
    """

    status: str
    message: str
    c: str | None = None
    weights: list = dataclasses.field(default_factory=list)
    pivots: list = dataclasses.field(default_factory=list)
    text: str = ""

    @property
    def success(self) -> bool:
        return self.status == "proved"


@dataclasses.dataclass
class OneStep:
    basis: list
    points: list
    u_k: list
    u_next: list
    z_k: list
    z_next: list
    inequalities: list  # (kind, i, j, label, matrix, involves_start)


def one_step(method: Any, rho: Any, L: Any, metric: str) -> OneStep:
    """The exact one-step data from a generic iterate ``z_k`` (basis ``z_k - z*``, ``g_k``, ...)."""
    from .problem import _gamma, class_inequalities

    rho_q = exact("rho", rho)
    L_q = None if L is None else exact("L", L)
    o = ExactOracle()
    o.leaf_names[0] = "z_k - z*"
    zk = Vec.unit(0)
    o.iterates.append(zk)
    gamma = _gamma(method) if metric == "resolvent" else None
    o.single_valued_resolvent = gamma is not None and rho_q > -gamma  # J single-valued (SPEC R2)
    if metric == "operator":
        g = o._new_leaf("T(z_k)" if L_q is None else "F(z_k)")
        o.points.append(Point("z_k", zk, g))
    state = method.init(zk, o)
    state = method.step(state, o)
    z1 = state["z"]
    o.iterates.append(z1)
    if metric == "operator":
        u0, u1 = o.points[1].g, o.F(z1)
    else:
        u0, u1 = zk - o.resolvent(zk, gamma), z1 - o.resolvent(z1, gamma)
    from .symbolic import _rename_iterates

    _rename_iterates(o)
    for p in o.points:  # names in the potential's own words
        p.name = {"z0": "z_k", "z1": "z_k+1"}.get(p.name, p.name.replace("(z1)", "(z_k+1)").replace("0", "_k"))
    o.leaf_names = [n.replace("(z0)", "(z_k)").replace("(z1)", "(z_k+1)").replace("0", "_k") for n in o.leaf_names]
    d = len(o.leaf_names)
    start = 1 if metric == "operator" else None
    ineqs = [(kind, i, j, label, A, start is not None and start in (i, j) and L_q is None)
             for kind, i, j, label, A in class_inequalities(o.points, d, rho_q, L_q)]
    return OneStep(basis=list(o.leaf_names), points=o.points, u_k=u0.padded(d), u_next=u1.padded(d),
                   z_k=zk.padded(d), z_next=z1.padded(d), inequalities=ineqs)


def _mats(st: OneStep):
    """Affine pieces: ``S(k) = P0 + c (k Q0 - (k+1) Q1) - sum (alpha_i + beta_i k) A_i`` (floats)."""
    f = lambda M: np.array([[float(v) for v in row] for row in M])
    P0 = f(checker.outer_sym(st.z_k, st.z_k)) - f(checker.outer_sym(st.z_next, st.z_next))
    Q0, Q1 = f(checker.outer_sym(st.u_k, st.u_k)), f(checker.outer_sym(st.u_next, st.u_next))
    A = [f(q[4]) for q in st.inequalities]
    return P0, Q0, Q1, A


def _search(st: OneStep, ks: range, c_fixed: float | None):
    import cvxpy as cp

    P0, Q0, Q1, A = _mats(st)
    m = len(A)
    al, be = cp.Variable(m, nonneg=True), cp.Variable(m, nonneg=True)
    c = cp.Variable(nonneg=True) if c_fixed is None else c_fixed
    cons = [al[i] == 0 for i, q in enumerate(st.inequalities) if q[5]]  # start point: weight vanishes at k = 0
    t = cp.Variable()
    d = P0.shape[0]
    for k in ks:
        S = P0 + c * (k * Q0 - (k + 1) * Q1) - sum((al[i] + be[i] * k) * A[i] for i in range(m))
        Sv = cp.Variable((d, d), symmetric=True)
        cons += [Sv == S, Sv - (t if c_fixed is not None else 0) * np.eye(d) >> 0]
    cons += [al <= 1e3, be <= 1e3]
    if c_fixed is None:
        prob = cp.Problem(cp.Maximize(c), cons + [c <= 1e3])
    else:
        prob = cp.Problem(cp.Maximize(t), cons + [t <= 1])
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(solver="CLARABEL")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # solver error (Clarabel panics raise a BaseException)
        return None
    if prob.status not in ("optimal", "optimal_inaccurate"):
        return None
    cv = float(c.value) if c_fixed is None else c_fixed
    return cv, np.asarray(al.value), np.asarray(be.value), (None if c_fixed is None else float(t.value))


def _S_exact(st: OneStep, c: Fraction, al: list, be: list, k: int) -> list:
    S = checker.zeros(len(st.basis))
    checker.add_scaled(S, Fraction(1), checker.outer_sym(st.z_k, st.z_k))
    checker.add_scaled(S, Fraction(-1), checker.outer_sym(st.z_next, st.z_next))
    checker.add_scaled(S, c * k, checker.outer_sym(st.u_k, st.u_k))
    checker.add_scaled(S, -c * (k + 1), checker.outer_sym(st.u_next, st.u_next))
    for q, a, b in zip(st.inequalities, al, be):
        checker.add_scaled(S, -(a + b * k), q[4])
    return S


def _project(st: OneStep, c: Fraction, al: list, be: list, a_num, b_num, ks: range):
    """Move the rounded weights (same support) by the least change that keeps the numerical null
    vectors of every ``S(k)`` exact null vectors (tight directions survive rounding)."""
    from .exact import rational_nullspace, solve_min_norm

    d = len(st.basis)
    act = [("a", i) for i, v in enumerate(al) if v] + [("b", i) for i, v in enumerate(be) if v]
    if not act:
        return None
    x0 = [al[i] if t == "a" else be[i] for t, i in act]
    C, rhs = [], []
    for k in ks:
        Sn = np.array([[float(v) for v in row] for row in _S_exact(st, c, al, be, k)])
        null = rational_nullspace(Sn, 1e-6 * max(1.0, float(np.max(np.abs(Sn)))), 1000)
        if null is None:
            return None
        zero = [Fraction(0)] * len(al)
        base = _S_exact(st, c, zero, zero, k)
        for v in null:
            for r in range(d):
                C.append([-(Fraction(1) if t == "a" else Fraction(k))
                          * sum((st.inequalities[i][4][r][s] * v[s] for s in range(d)), Fraction(0)) for t, i in act])
                rhs.append(-sum((base[r][s] * v[s] for s in range(d)), Fraction(0)))
    x = solve_min_norm(C, rhs, x0)
    if x is None or any(v < 0 for v in x):
        return None
    al2, be2 = list(al), list(be)
    for (t, i), v in zip(act, x):
        (al2 if t == "a" else be2)[i] = v
    return al2, be2


def _symbolic_check(st: OneStep, c: Fraction, al: list, be: list):
    import sympy as sp

    k = sp.Symbol("k", nonnegative=True)
    R = lambda q: sp.Rational(q.numerator, q.denominator)
    M = lambda X: sp.Matrix([[R(v) for v in row] for row in X])
    S = (M(checker.outer_sym(st.z_k, st.z_k)) - M(checker.outer_sym(st.z_next, st.z_next))
         + R(c) * (k * M(checker.outer_sym(st.u_k, st.u_k)) - (k + 1) * M(checker.outer_sym(st.u_next, st.u_next))))
    for q, a, b in zip(st.inequalities, al, be):
        S -= (R(a) + R(b) * k) * M(q[4])
    d = S.shape[0]
    S = S.applyfunc(sp.expand)
    pivots = []

    def nonneg(e) -> bool:
        num, den = sp.fraction(sp.together(sp.expand(e)))
        ok = True
        for part in (num, den):
            poly = sp.Poly(sp.expand(part), k)
            ok &= all(cf >= 0 for cf in poly.all_coeffs())
        return bool(ok) or bool(sp.simplify(e) == 0)

    for i in range(d):
        p = sp.simplify(S[i, i])
        pivots.append(p)
        if p == 0:
            if any(sp.simplify(S[i, j]) != 0 for j in range(i + 1, d)):
                return False, pivots, f"pivot {i} is 0 but its row is not"
            continue
        if not nonneg(p):
            return False, pivots, f"pivot {i} = {p} is not visibly >= 0 for k >= 0"
        for r in range(i + 1, d):
            f = S[r, i] / p
            for s in range(i + 1, d):
                S[r, s] = sp.simplify(S[r, s] - f * S[i, s])
    return True, pivots, "S(k) = L D L^T with pivots >= 0 for every k >= 0"


def find_potential(method: Any, rho: Any, L: Any = None, metric: str = "operator", k_fit: int = 4) -> Potential:
    """Find and symbolically verify ``V_k = ||z_k - z*||^2 + c k ||u_k||^2`` non-increasing (module doc)."""
    st = one_step(method, rho, L, metric)
    ks = range(0, k_fit + 1)
    got = _search(st, ks, None)
    if got is None:
        return Potential("not_found", "the potential search SDP was not solved")
    c_num = got[0]
    for D in (10, 100, 1000, 10 ** 4, 10 ** 6):
        c = Fraction(c_num).limit_denominator(D)
        if c > c_num * (1 + 1e-7) + 1e-9:
            c = Fraction(int(c_num * D * (1 - 1e-9)), D)  # never round c up past the optimum
        if c <= 0:
            continue
        sol = _search(st, ks, float(c))
        if sol is None:
            continue
        _, a, b, _ = sol
        for Dw in (10, 100, 1000, 10 ** 4, 10 ** 6):
            al = [Fraction(0) if v < 1e-7 else Fraction(float(v)).limit_denominator(Dw) for v in a]
            be = [Fraction(0) if v < 1e-7 else Fraction(float(v)).limit_denominator(Dw) for v in b]
            if any(al[i] != 0 for i, q in enumerate(st.inequalities) if q[5]):
                continue
            for cand in (al, be), _project(st, c, al, be, a, b, ks):
                if cand is None:
                    continue
                ok, piv, why = _symbolic_check(st, c, *cand)
                if ok:
                    return _report(st, c, *cand, piv, why)
    return Potential("not_found", f"no rational potential verified (numerical c = {c_num:.9g})", c=None)


def _report(st: OneStep, c: Fraction, al: list, be: list, piv: list, why: str) -> Potential:
    from .text import lin

    u = lin(st.u_k, st.basis)
    weights = [(q[3], str(a), str(b)) for q, a, b in zip(st.inequalities, al, be) if a or b]
    lines = [f"Potential V_k = ||z_k - z*||^2 + {c} k ||{u}||^2 is non-increasing for every k >= 0:",
             "    V_k - V_(k+1) = sum of (weight) x (inequality) + sum of squares, with weights"]
    for lab, a, b in weights:
        w = " + ".join(x for x in ((a if a != "0" else ""), (f"{b} k" if b != "0" else "")) if x)
        lines.append(f"    {w:>16} x {lab}")
    lines.append("    LDL^T pivots of the residual: " + ", ".join(str(p) for p in piv))
    lines.append(f"Hence {c} N ||u_N||^2 <= V_N <= V_0 = ||z0 - z*||^2, u_N = {u.replace('_k', '_N')}: "
                 f"the bound ({1 / c})/N for every N.")
    return Potential("proved", why, c=str(c), weights=weights, pivots=[str(p) for p in piv], text="\n".join(lines))
