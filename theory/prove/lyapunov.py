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
>>> pot.status, pot.c                     # c = gamma (gamma + 2 rho): R5 for every N
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

__all__ = ["Potential", "find_potential", "one_step", "HorizonPotential", "find_horizon_potential", "horizon_form"]


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
    o.single_valued_resolvent = gamma is not None and rho_q > -gamma  # J single-valued (R2)
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


# ------------------------------------------------------------------------------------------
# horizon potentials: a bound R(N) theta(N)^-(N+s) for every N (issue 27)
# ------------------------------------------------------------------------------------------
#: the symbols of the horizon families: step ``k`` and horizon ``N``
_k, _N = None, None


def _symbols():
    import sympy as sp

    return sp.Symbol("k", integer=True, nonnegative=True), sp.Symbol("N", integer=True, positive=True)


@dataclasses.dataclass
class HorizonPotential(Result):
    """Outcome of :func:`find_horizon_potential`.

    Attributes
    ----------
    status : str
        ``proved`` (the bound holds for every ``N >= 1``: a symbolic proof for ``N >= n_from`` and an
        exact certificate of :func:`monoverify.theory.prove.prove` for each ``N < n_from``),
        ``not_found`` or ``not_applicable`` (the bound is not of the form ``R(N) / theta(N)^(N + s)``).
    message : str
    bound : str
        The bound proved, ``||u_N||^2 <= bound(N) ||z0 - z*||^2`` (SymPy, in ``N``).
    theta : str
        The base of the potential's weights ``theta(N)^k`` (``1``: weights polynomial in ``k``).
    n_from : int
        The families are verified symbolically for every ``N >= n_from``.
    small_n : dict
        ``N -> status`` of the exact certificates for ``1 <= N < n_from``.
    families : dict
        ``name -> SymPy string`` in ``k`` and ``N``: the potential ``V_k = theta^k (p ||z_k - z*||^2 + 2 q
        <z_k - z*, u_k> + r ||u_k||^2)``, the weight ``theta^k w`` of each inequality in the step
        ``k -> k + 1`` (``k <= N - 2``) and the weight ``theta^(N-1) l`` of each in the last step.
    checks : list
        ``(what, domain, pivots)`` of the symbolic verification.
    text : str
    """

    status: str
    message: str
    bound: str = ""
    theta: str = "1"
    n_from: int = 0
    small_n: dict = dataclasses.field(default_factory=dict)
    families: dict = dataclasses.field(default_factory=dict)
    checks: list = dataclasses.field(default_factory=list)
    text: str = ""

    @property
    def success(self) -> bool:
        return self.status == "proved"


def horizon_form(bound: Any):
    """Split ``bound(N) = R(N) / theta(N)^(N + s)`` (``R``, ``theta`` rational in ``N``, ``s`` an integer).

    Returns ``(R, theta, s)`` as SymPy objects, or ``None`` when ``bound`` has another form. A bound
    rational in ``N`` has ``theta = 1``, ``s = 0``.

    >>> import sympy as sp
    >>> N = sp.Symbol("N", integer=True, positive=True)
    >>> horizon_form((1 - 1/N)**(N - 1)/N)
    (1/N, N/(N - 1), -1)
    """
    import sympy as sp

    _, N = _symbols()
    b = sp.sympify(bound)
    b = b.subs({s: N for s in b.free_symbols if s.name == "N"})
    R, theta, s = sp.Integer(1), sp.Integer(1), 0
    found = False
    for f in sp.Mul.make_args(sp.powsimp(sp.factor_terms(b))):
        if f.is_Pow and f.exp.has(N) and f.base.has(N):
            if found:
                return None
            shift = sp.simplify(f.exp - N)
            if not (shift.is_Integer):
                return None
            theta, s, found = sp.factor(sp.together(1 / f.base)), int(shift), True
        elif f.has(N) and not f.is_rational_function(N):
            return None
        else:
            R = R * f
    R = sp.factor(sp.together(R))
    if not R.is_rational_function(N) or R.free_symbols - {N}:
        return None
    if not theta.is_rational_function(N) or theta.free_symbols - {N}:
        return None
    return R, theta, s


def _mono(deg_k: int, deg_N: int) -> list:
    return [(a, b) for a in range(deg_k + 1) for b in range(deg_N + 1)]


class _HorizonData:
    """The one-step forms as floats and exactly, for the search and the symbolic check."""

    def __init__(self, st: OneStep):
        f = lambda M: np.array([[float(v) for v in row] for row in M])
        o = checker.outer_sym
        self.st = st
        self.d = len(st.basis)
        self.Qk_exact = [o(st.z_k, st.z_k), o(st.z_k, st.u_k), o(st.u_k, st.u_k)]
        self.Qn_exact = [o(st.z_next, st.z_next), o(st.z_next, st.u_next), o(st.u_next, st.u_next)]
        self.A_exact = [q[4] for q in st.inequalities]
        self.Qk = [f(M) for M in self.Qk_exact]
        self.Qn = [f(M) for M in self.Qn_exact]
        self.A = [f(M) for M in self.A_exact]
        self.start = [bool(q[5]) for q in st.inequalities]
        self.set_valued_start = any(self.start)
        self.labels = [q[3] for q in st.inequalities]


def _horizon_search(hd: _HorizonData, theta_f, clast_f, D_f, deg_k: int, deg_N: int, n_fit: range):
    """Numerical families (coefficients of ``k^a N^b / D(N)``): the sparsest (weighted l1) feasible point."""
    import warnings

    import cvxpy as cp

    mons = _mono(deg_k, deg_N)
    m = len(hd.A)
    names = ["p", "q", "r"] + [f"w{i}" for i in range(m)]
    C = {e: cp.Variable(len(mons)) for e in names}
    lastmons = list(range(deg_N + 2))
    Lw = [cp.Variable(len(lastmons)) for _ in range(m)]
    t = cp.Variable()

    def val(e, k, N):
        return sum(C[e][j] * (k ** a) * (N ** b) for j, (a, b) in enumerate(mons)) / D_f(N)

    def lval(i, N):
        return sum(Lw[i][j] * N ** b for j, b in enumerate(lastmons)) / D_f(N)

    cons = []
    d = hd.d
    eye = np.eye(d)
    for N in n_fit:
        th = theta_f(N)

        def form(k, Q, N=N):
            return val("p", k, N) * Q[0] + 2 * val("q", k, N) * Q[1] + val("r", k, N) * Q[2]

        for k in range(N - 1):
            S = form(k, hd.Qk) - th * form(k + 1, hd.Qn)
            for i in range(m):
                w = val(f"w{i}", k, N)
                cons.append(w >= 0)
                if k == 0 and hd.start[i]:
                    cons.append(w == 0)
                S = S - w * hd.A[i]
            cons.append(S - t * eye >> 0)
        if hd.set_valued_start:
            cons += [val("q", 0, N) == 0, val("r", 0, N) == 0, val("p", 0, N) <= 1]
        else:
            M0 = cp.bmat([[1 - val("p", 0, N), -val("q", 0, N)], [-val("q", 0, N), -val("r", 0, N)]])
            cons.append(M0 >> 0)
        S = form(N - 1, hd.Qk) - clast_f(N) * hd.Qn[2]
        for i in range(m):
            w = lval(i, N)
            cons.append(w >= 0)
            if N == 1 and hd.start[i]:
                cons.append(w == 0)
            S = S - w * hd.A[i]
        cons.append(S - t * eye >> 0)
    box = [cp.norm(C[e], "inf") <= 1e4 for e in names] + [cp.norm(w, "inf") <= 1e4 for w in Lw]
    var = {(e, j): C[e][j] for e in names for j in range(len(mons))}
    var.update({(f"l{i}", j): Lw[i][j] for i in range(m) for j in range(len(lastmons))})

    def solve(objective, extra, **opts):
        prob = cp.Problem(objective, cons + box + extra)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prob.solve(solver="CLARABEL", **opts)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # solver error (Clarabel panics raise a BaseException)
            return False
        return prob.status in ("optimal", "optimal_inaccurate") and t.value is not None

    if not solve(cp.Maximize(t), [t <= 1]) or t.value < -1e-6:
        return None
    # the sparsest family (weighted l1: high degrees cost more) among the (near-)feasible ones
    l1 = sum((1 + a + b) * cp.abs(C[e][j]) for e in names for j, (a, b) in enumerate(mons))
    l1 = l1 + sum((1 + b) * cp.abs(Lw[i][j]) for i in range(m) for j, b in enumerate(lastmons))
    tight = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "max_iter": 400}
    if not solve(cp.Minimize(l1), [t >= -1e-9], **tight):
        return None
    values = {key: float(v.value) for key, v in var.items()}
    out = {e: np.array([values[(e, j)] for j in range(len(mons))]) for e in names}
    out.update({f"l{i}": np.array([values[(f"l{i}", j)] for j in range(len(lastmons))]) for i in range(m)})
    return out, mons, lastmons


def _last_search(hd: _HorizonData, fam_pqr: dict, clast_f, D_f, deg_N: int, n_fit: range):
    """The last step's weights ``l_i(N)`` alone, with ``p, q, r`` fixed (the step families are decoupled from
    it): the sparsest feasible coefficients, solved to tight tolerances."""
    import warnings

    import cvxpy as cp
    import sympy as sp

    k, N = _symbols()
    m = len(hd.A)
    lastmons = list(range(deg_N + 2))
    Lw = [cp.Variable(len(lastmons)) for _ in range(m)]
    t = cp.Variable()
    f = {e: sp.lambdify((k, N), fam_pqr[e], "math") for e in ("p", "q", "r")}
    cons = []
    for n in n_fit:
        M = sum(float(f[e](n - 1, n)) * c * Q for e, c, Q in zip(("p", "q", "r"), (1, 2, 1), hd.Qk))
        S = M - clast_f(n) * hd.Qn[2]
        for i in range(m):
            w = sum(Lw[i][j] * n ** b for j, b in enumerate(lastmons)) / D_f(n)
            cons.append(w >= 0)
            S = S - w * hd.A[i]
        cons.append(S - t * np.eye(hd.d) >> 0)
    l1 = sum((1 + b) * cp.abs(Lw[i][j]) for i in range(m) for j, b in enumerate(lastmons))
    tight = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "max_iter": 400}
    for obj, extra in ((cp.Maximize(t), [t <= 1]), (cp.Minimize(l1), [t >= -1e-10])):
        prob = cp.Problem(obj, cons + extra + [cp.norm(w, "inf") <= 1e4 for w in Lw])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prob.solve(solver="CLARABEL", **tight)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            return None
        if prob.status not in ("optimal", "optimal_inaccurate") or t.value is None or t.value < -1e-6:
            return None
    return {f"l{i}": np.asarray(Lw[i].value, float) for i in range(m)}, lastmons




#: (largest denominator, relative zero threshold) of the roundings tried, in order
_ROUNDINGS = ((1, 1e-3), (6, 1e-3), (12, 1e-3), (60, 1e-3), (100, 1e-3), (360, 1e-4), (1000, 1e-4),
              (10 ** 4, 1e-5), (10 ** 5, 1e-6))


def _rounded(coeffs: dict, D: int, zero: float) -> dict:
    """Each coefficient to the closest fraction of denominator <= ``D``; those below ``zero`` times the largest
    of their family to 0 (the search's solutions are accurate to about 1e-4 only)."""
    out = {}
    for e, v in coeffs.items():
        top = max((abs(float(x)) for x in v), default=0.0)
        out[e] = [Fraction(0) if abs(x) <= zero * max(top, 1.0) else Fraction(float(x)).limit_denominator(D)
                  for x in v]
    return out


def _nonneg_poly(P, gens, strict: bool) -> bool:
    import sympy as sp

    if not gens:
        v = sp.nsimplify(sp.expand(P))
        return bool(v > 0) if strict else bool(v >= 0)
    poly = sp.Poly(sp.expand(P), *gens)
    cs = poly.coeffs()
    if not cs:
        return not strict
    if any(c < 0 for c in cs):
        return False
    if strict:
        return poly.eval({g: 0 for g in gens}) > 0 if gens else cs[0] > 0
    return True


def _nonneg_on_orthant(e, gens, strict: bool = False) -> bool:
    """``e >= 0`` (``> 0`` when ``strict``) for every point of the orthant ``gens >= 0``: a ratio of polynomials
    with non-negative coefficients (both of one sign), the denominator with a positive constant term."""
    import sympy as sp

    e = sp.together(sp.expand(e))
    if e == 0:
        return not strict
    num, den = sp.fraction(e)
    num, den = sp.expand(num), sp.expand(den)
    for s in (1, -1):
        if _nonneg_poly(s * den, gens, True) and _nonneg_poly(s * num, gens, strict):
            return True
    return False


def _faces(subs: dict, gens: tuple):
    """Split the orthant of ``gens`` into its faces ``g = 0`` and the shifted interior ``g >= 1`` (one variable
    at a time): the pieces, each a substitution and its remaining variables."""
    g = gens[0]
    rest = gens[1:]
    yield {v: e.subs(g, 0) for v, e in subs.items()}, rest
    yield {v: e.subs(g, g + 1) for v, e in subs.items()}, gens


def _psd_on(S, subs: dict, gens: tuple, depth: int = 2):
    """``S(k, N) >= 0`` on the domain ``{(k, N) = subs(gens) : gens >= 0}``: an exact ``LDL^T`` whose pivots are
    visibly positive there (zero pivots with zero rows); the orthant is split into faces where a pivot vanishes.
    Returns the pivots (a list) or ``None``."""
    import itertools

    import sympy as sp

    M = S.subs(subs, simultaneous=True).applyfunc(lambda e: sp.factor(sp.together(e)))
    d = M.shape[0]
    for order in itertools.permutations(range(d)):
        P = M.extract(list(order), list(order))
        piv = _ldl_positive(P, gens)
        if piv is not None:
            return piv
    if depth > 0 and gens:
        out = []
        for g in gens:
            pieces = list(_faces(subs, (g,) + tuple(x for x in gens if x != g)))
            ok = True
            for sub2, gens2 in pieces:
                got = _psd_on(S, sub2, tuple(x for x in gens2 if any(e.has(x) for e in sub2.values())) or (),
                              depth - 1)
                if got is None:
                    ok = False
                    break
                out.extend(got)
            if ok:
                return out
    return None


def _ldl_positive(P, gens):
    import sympy as sp

    P = P.copy()
    d = P.shape[0]
    pivots = []
    for i in range(d):
        p = sp.factor(sp.together(P[i, i]))
        pivots.append(p)
        if p == 0:
            if any(sp.simplify(P[i, j]) != 0 for j in range(i + 1, d)):
                return None
            continue
        last = all(sp.simplify(P[r, s]) == 0 for r in range(i + 1, d) for s in range(i + 1, d)) and \
            all(sp.simplify(P[i, j]) == 0 for j in range(i + 1, d))
        if not _nonneg_on_orthant(p, gens, strict=not last and i < d - 1):
            return None
        for r in range(i + 1, d):
            f = P[r, i] / p
            for s in range(i + 1, d):
                P[r, s] = sp.factor(sp.together(P[r, s] - f * P[i, s]))
    return pivots


def _symbolic_families(coeffs: dict, mons, lastmons, D):
    import sympy as sp

    k, N = _symbols()
    R = lambda q: sp.Rational(q.numerator, q.denominator)
    fam = {}
    for e, cs in coeffs.items():
        if e.startswith("l"):
            fam[e] = sp.factor(sum(R(c) * N ** b for c, b in zip(cs, lastmons)) / D)
        else:
            fam[e] = sp.factor(sum(R(c) * k ** a * N ** b for c, (a, b) in zip(cs, mons)) / D)
    return fam


def _check_steps(hd: _HorizonData, fam: dict, theta, n_from: int):
    """The start and the steps ``k -> k + 1`` (``0 <= k <= N - 2``) for every ``N >= n_from`` (symbolically)."""
    import sympy as sp

    k, N = _symbols()
    j, m = sp.symbols("j m", integer=True, nonnegative=True)
    R = lambda q: sp.Rational(q.numerator, q.denominator)
    Mx = lambda X: sp.Matrix([[R(v) for v in row] for row in X])
    Qk = [Mx(Q) for Q in hd.Qk_exact]
    Qn = [Mx(Q) for Q in hd.Qn_exact]
    A = [Mx(X) for X in hd.A_exact]
    mw = len(A)

    def form(kk, Q):
        return (fam["p"].subs(k, kk) * Q[0] + 2 * fam["q"].subs(k, kk) * Q[1] + fam["r"].subs(k, kk) * Q[2])

    checks = []
    # steps k -> k + 1 for 0 <= k <= N - 2, N >= n_from: N = k + 2 + m, and k + 2 + m >= n_from
    step_domains = []
    lo = max(n_from - 2, 0)
    step_domains.append(({k: j, N: j + 2 + m + lo}, (j, m), f"0 <= k <= N - 2, N >= k + {2 + lo}"))
    for m0 in range(lo):   # N = k + 2 + m0 < k + 2 + lo: then k >= n_from - 2 - m0
        step_domains.append(({k: j + lo - m0, N: j + lo + 2}, (j,), f"N - 2 - k = {m0}, N >= {n_from}"))
    S = form(k, Qk) - theta * form(k + 1, Qn)
    for i in range(mw):
        S = S - fam[f"w{i}"] * A[i]
    for sub, gens, what in step_domains:
        for i in range(mw):
            wi = fam[f"w{i}"].subs(sub, simultaneous=True)
            if not _nonneg_on_orthant(wi, gens):
                return False, checks, f"weight of {hd.labels[i]} in the step is not visibly >= 0 on {what}"
        piv = _psd_on(S, sub, gens)
        if piv is None:
            return False, checks, f"the step residual is not shown PSD on {what}"
        checks.append(("step k -> k+1", what, [str(p) for p in piv]))
    for i in range(mw):
        if hd.start[i] and sp.simplify(fam[f"w{i}"].subs(k, 0)) != 0:
            return False, checks, f"{hd.labels[i]} (at the start point) has a nonzero weight at k = 0"
    # the start: V_0 <= ||z0 - z*||^2
    sub0 = {N: m + n_from}
    p0, q0, r0 = (fam[e].subs(k, 0) for e in ("p", "q", "r"))
    if hd.set_valued_start:
        if sp.simplify(q0) != 0 or sp.simplify(r0) != 0:
            return False, checks, "V_0 involves u_0, which need not exist at z0 (set-valued class)"
        if not _nonneg_on_orthant((1 - p0).subs(sub0), (m,)):
            return False, checks, "V_0 <= ||z0 - z*||^2 is not visibly true"
        checks.append(("start", f"N >= {n_from}", [str(sp.factor(1 - p0))]))
    else:
        piv = _psd_on(sp.Matrix([[1 - p0, -q0], [-q0, -r0]]), sub0, (m,))
        if piv is None:
            return False, checks, "V_0 <= ||z0 - z*||^2 is not shown"
        checks.append(("start", f"N >= {n_from}", [str(p) for p in piv]))
    return True, checks, "the steps and the start are verified"


def _check_last(hd: _HorizonData, fam: dict, clast, n_from: int):
    """The last step ``V_(N-1) - ||u_N||^2 / bound(N) - sum_i l_i(N) A_i >= 0`` for every ``N >= n_from``."""
    import sympy as sp

    k, N = _symbols()
    m = sp.Symbol("m", integer=True, nonnegative=True)
    R = lambda q: sp.Rational(q.numerator, q.denominator)
    Mx = lambda X: sp.Matrix([[R(v) for v in row] for row in X])
    Qk = [Mx(Q) for Q in hd.Qk_exact]
    Qn = [Mx(Q) for Q in hd.Qn_exact]
    A = [Mx(X) for X in hd.A_exact]
    mw = len(A)
    sub0 = {N: m + n_from}
    checks = []
    kk = N - 1
    S = (fam["p"].subs(k, kk) * Qk[0] + 2 * fam["q"].subs(k, kk) * Qk[1] + fam["r"].subs(k, kk) * Qk[2]
         - clast * Qn[2])
    for i in range(mw):
        S = S - fam[f"l{i}"] * A[i]
        if not _nonneg_on_orthant(fam[f"l{i}"].subs(sub0), (m,)):
            return False, checks, f"weight of {hd.labels[i]} in the last step is not visibly >= 0"
    piv = _psd_on(S, sub0, (m,))
    if piv is None:
        return False, checks, "the last step residual is not shown PSD"
    checks.append(("last step", f"N >= {n_from}", [str(p) for p in piv]))
    return True, checks, "every residual is L D L^T with visibly non-negative pivots"


def find_horizon_potential(method: Any, rho: Any, bound: Any, L: Any = None, metric: str = "operator", *,
                           n_fit: range = range(2, 9), degrees: tuple = ((1, 2), (2, 2)), n_from: int = 2,
                           small_n: bool = True) -> HorizonPotential:
    """Prove ``||u_N||^2 <= bound(N) ||z0 - z*||^2`` for **every** ``N`` with a potential whose weights depend on
    the horizon ``N`` (for bounds such as Gu and Yang's ``(1 - 1/N)^(N-1)/N``).

    The bound must read ``R(N) / theta(N)^(N + s)`` (:func:`horizon_form`; ``theta = 1`` for bounds rational in
    ``N``). The potential is ``V_k = theta^k (p ||z_k - z*||^2 + 2 q <z_k - z*, u_k> + r ||u_k||^2)`` with ``p, q,
    r`` and the weights of the one-step inequalities ratios ``(sum c_ab k^a N^b) / D(N)`` (``D`` = numerator times
    denominator of ``theta``), and the last step ends at the bound itself:

    * ``V_0 <= ||z0 - z*||^2`` (without ``u_0`` where ``z0`` need not lie in the domain of a set-valued ``T``);
    * ``V_k - V_(k+1) - sum_i w_i(k, N) A_i >= 0`` for ``0 <= k <= N - 2`` (``A_i >= 0``: class inequalities);
    * ``V_(N-1) - ||u_N||^2 / bound(N) - sum_i l_i(N) A_i >= 0``.

    The families are found numerically (one SDP over their coefficients at ``N`` in ``n_fit``, then the
    sparsest such point), rationalised, and verified **symbolically** for every ``N >= n_from`` and ``0 <= k <=
    N - 2``: each residual, divided by ``theta^k``, is a matrix of rational functions of ``(k, N)``, factored
    ``L D L^T`` after the substitution ``N = k + 2 + m`` with every pivot a ratio of polynomials with non-negative
    coefficients in ``(k, m) >= 0`` (split into faces where a pivot vanishes). Each ``N < n_from`` gets an
    exact certificate from :func:`monoverify.theory.prove.prove` (``small_n``).

    Parameters
    ----------
    method : Method
        Exact (rational) hyper-parameters.
    rho, L : rational
        The class (``L=None``: the set-valued maximally ``rho``-comonotone class).
    bound : SymPy expression or str
        In the symbol ``N``; exact rational at every integer ``N >= 1``.
    metric : {"operator", "resolvent"}
    n_fit : range
        Horizons where the numerical search imposes the conditions (shifted to start at ``n_from``).
    degrees : tuple of (int, int)
        Degrees in ``k`` and ``N`` of the numerators tried, in order.
    n_from : int
        Smallest ``N`` of the symbolic verification (``>= 2``).

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> from monoverify.solvers import make
    >>> hp = find_horizon_potential(make("pp", gamma=Q(1)), Q(0), "(1 - 1/N)**(N - 1)/N", n_fit=range(2, 7))
    >>> hp.status, hp.theta, hp.families["p"], hp.small_n     # Gu and Yang's bound for every N
    ('proved', 'N/(N - 1)', '(N - k)/N', {1: 'proved'})
    """
    import sympy as sp

    k, N = _symbols()
    n_from = max(2, int(n_from))
    if n_fit.start < n_from:   # the conditions are imposed where they are claimed
        n_fit = range(n_from, max(n_fit.stop, n_from + len(n_fit)))
    try:
        b = sp.sympify(bound, locals={"N": N}) if isinstance(bound, str) else sp.sympify(bound)
    except (sp.SympifyError, TypeError) as exc:
        raise ValueError(f"bound must be a SymPy expression in N, got bound={bound!r} ({exc})") from None
    b = b.subs({s: N for s in b.free_symbols if s.name == "N"})
    if b.free_symbols - {N}:
        raise ValueError(f"bound must depend on N only (give the parameters their values), got {b}")
    split = horizon_form(b)
    if split is None:
        return HorizonPotential("not_applicable", f"the bound {b} is not of the form R(N) / theta(N)^(N + s)",
                                bound=str(b))
    Rr, theta, s = split
    clast = sp.factor(sp.simplify(theta ** (s + 1) / Rr))   # C(N) / theta^(N - 1)
    num, den = sp.fraction(sp.together(theta))
    D = sp.expand(num * den) if theta != 1 else sp.Integer(1)
    th_f = sp.lambdify(N, theta, "math")
    cl_f = sp.lambdify(N, clast, "math")
    D_f = sp.lambdify(N, D, "math")
    st = one_step(method, rho, L, metric)
    hd = _HorizonData(st)
    why = "the horizon search SDP found no family"
    for deg_k, deg_N in degrees:
        got = _horizon_search(hd, lambda n: float(th_f(n)), lambda n: float(cl_f(n)), lambda n: float(D_f(n)),
                              deg_k, deg_N, n_fit)
        if got is None:
            why = f"no family of degrees ({deg_k}, {deg_N}) is feasible at N in {list(n_fit)}"
            continue
        coeffs, mons, lastmons = got
        steps = {e: v for e, v in coeffs.items() if not e.startswith("l")}
        seen = []
        for Dr, zero in _ROUNDINGS:
            rc = _rounded(steps, Dr, zero)
            if rc in seen:
                continue
            seen.append(rc)
            fam = _symbolic_families(rc, mons, lastmons, D)
            ok, checks, msg = _check_steps(hd, fam, theta, n_from)
            if not ok:
                why = f"rounded step families (denominators <= {Dr}) not verified: {msg}"
                continue
            last = _last_search(hd, fam, lambda n: float(cl_f(n)), lambda n: float(D_f(n)), deg_N, n_fit)
            if last is None:
                why = "the last step has no feasible weights with the rounded potential"
                continue
            lc, lastmons2 = last
            seen_l = []
            for Dl, zl in _ROUNDINGS:
                rl = _rounded(lc, Dl, zl)
                if rl in seen_l:
                    continue
                seen_l.append(rl)
                fam2 = {**fam, **_symbolic_families(rl, mons, lastmons2, D)}
                ok, checks2, msg = _check_last(hd, fam2, clast, n_from)
                if ok:
                    return _horizon_report(method, rho, L, metric, hd, fam2, theta, b, n_from, checks + checks2,
                                           msg, small_n)
                why = f"rounded last-step weights (denominators <= {Dl}) not verified: {msg}"
    return HorizonPotential("not_found", why, bound=str(b), theta=str(theta), n_from=n_from)


def _horizon_report(method, rho, L, metric, hd, fam, theta, b, n_from, checks, msg, small_n) -> HorizonPotential:
    import sympy as sp

    _, N = _symbols()
    small = {}
    if small_n:
        from .core import prove

        for n in range(1, n_from):
            val = sp.nsimplify(b.subs(N, n))
            if not val.is_Rational:
                small[n] = f"bound({n}) = {val} is not rational"
                continue
            p = prove(method, rho, L, n, Fraction(int(val.p), int(val.q)), metric)
            small[n] = p.status
    status = "proved" if all(v == "proved" for v in small.values()) else "not_found"
    fams = {e: str(sp.simplify(v)) for e, v in fam.items()}
    lines = [f"For every N >= {n_from}: V_k = ({theta})^k (p ||z_k - z*||^2 + 2 q <z_k - z*, u_k> + r ||u_k||^2), with",
             f"    p = {fams['p']},  q = {fams['q']},  r = {fams['r']},",
             "    V_k - V_(k+1) = sum of weight x inequality + sum of squares for 0 <= k <= N - 2, weights (times theta^k):"]
    lines += [f"    {fams[f'w{i}']:>32} x {lab}" for i, lab in enumerate(hd.labels) if fam[f"w{i}"] != 0]
    lines.append("    V_(N-1) - ||u_N||^2 / bound(N) = sum of weight x inequality + sum of squares, weights (times "
                 "theta^(N-1)):")
    lines += [f"    {fams[f'l{i}']:>32} x {lab}" for i, lab in enumerate(hd.labels) if fam[f"l{i}"] != 0]
    for what, dom, piv in checks:
        lines.append(f"    {what} ({dom}): LDL^T pivots {', '.join(piv)}")
    lines.append(f"Hence ||u_N||^2 <= V_(N-1) bound(N) <= V_0 bound(N) <= {b} ||z0 - z*||^2 for every N >= {n_from}")
    if small:
        lines.append("N < %d: exact certificates (prove): %s" % (n_from, ", ".join(f"N = {n} {s}" for n, s in small.items())))
    message = msg if status == "proved" else f"symbolic part verified, small N not all proved: {small}"
    return HorizonPotential(status, message, bound=str(b), theta=str(theta), n_from=n_from, small_n=small,
                            families=fams, checks=checks, text="\n".join(lines))
