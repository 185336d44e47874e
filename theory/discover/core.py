"""``discover``: closed forms of PEP worst cases, fitted on small ``N`` and tested on held-out ``N`` (issue 27).

Protocol (every step is recorded in the result):

1. **Values.** For each parameter point (the fixed parameters and every combination of the ``over`` lists)
   and each *training* ``N`` (the range without its ``holdout`` largest values): the PEP worst case at high
   accuracy (:func:`.data.pep_value`); for ``N <= pin_max`` the exact optimum, a fraction certified by
   ``prove`` (:func:`.data.pin`).
2. **Fit.** The forms of the grammar (:mod:`.grammar`) are tried simplest first; a form fits when, at every
   parameter point, rational coefficients reproduce every pinned value exactly and every other training
   value within ``fit_tol``, and (with ``over``) each coefficient is a rational function of the swept
   parameters (fitted exactly with at least one point to spare). Among the simplest fitting forms the one
   with the smallest training error wins. ``n_start="auto"`` drops the smallest ``N`` one at a time until a
   form fits (a formula "for N >= n_start").
3. **Prediction.** The formula is frozen and evaluated at the held-out ``N`` *before* their PEPs are solved.
4. **Verdict.** ``proposed`` when every held-out relative error is at most ``tol``; else ``refused`` (the
   formula is reported as what was refused, never as a result); ``no_fit`` when no form fits.

>>> r = discover("pp", {"gamma": 1, "rho": 0}, "step", n=(1, 7), holdout=2)    # Gu and Yang
>>> r.status, r.formula
('proposed', '(1 - 1/N)**(N - 1)/N')
>>> r.max_rel_error_holdout < 1e-8
True
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from fractions import Fraction
from typing import Any, Mapping, Sequence

from monoverify.errors import InvalidValue, UnknownName, UnusedOption
from monoverify.result import Result

from . import grammar as G
from .data import PEP_METRIC, Point, exact_value, pep_value, pin

__all__ = ["Discovery", "discover", "CLASS_PARAMS", "N_SYMBOL"]

#: parameters of the operator class (the others are the method's)
CLASS_PARAMS = ("rho", "L")
_PARAM_NAMES = ("rho", "L", "gamma", "lam", "tau", "alpha")


def N_SYMBOL():
    import sympy as sp

    return sp.Symbol("N", integer=True, positive=True)


@dataclasses.dataclass
class Discovery(Result):
    """Outcome of :func:`discover`.

    Attributes
    ----------
    status : str
        ``proposed`` (the formula predicted every held-out value within ``tolerance``), ``refused`` (it did
        not: ``formula`` is what was refused) or ``no_fit`` (no form of the grammar fits the training values).
    message : str
    formula : str or None
        SymPy string in ``N`` and the swept parameter symbols (``D0 = 1``).
    method, metric, iterate : str
    params : dict
        The fixed parameters (exact, as strings); ``over``: the swept ones (lists of strings).
    operator_class : str
        ``set-valued rho-comonotone (exact PEP)`` or ``rho-comonotone and L-Lipschitz (relaxation: upper bounds)``.
    form : dict
        The grammar form: ``factor``, degrees ``p``, ``q``, ``complexity``, ``n_start``.
    n_range : list
        ``[smallest N, largest N]``; ``train`` and ``holdout`` list the ``N`` of each role.
    tolerance, fit_tolerance : float
    max_rel_error_train, max_rel_error_holdout : float
        Over every parameter point (pinned training values count with their exact error).
    points : list
        Per parameter point: ``params`` and ``values`` (``N``, role, PEP value, pinned fraction and its proof,
        prediction, relative error).
    n_pinned : int
        Training values pinned to exact fractions by ``prove``.
    forms_tried : int
    proof : dict or None
        Filled by :func:`monoverify.theory.discover.prove_conjecture`.
    wall_time : float
    """

    status: str
    message: str
    formula: str | None
    method: str
    metric: str
    iterate: str
    params: dict
    over: dict
    operator_class: str
    form: dict
    n_range: list
    train: list
    holdout: list
    tolerance: float
    fit_tolerance: float
    max_rel_error_train: float
    max_rel_error_holdout: float
    points: list
    n_pinned: int = 0
    forms_tried: int = 0
    proof: dict | None = None
    wall_time: float = 0.0

    @property
    def success(self) -> bool:
        return self.status == "proposed"

    @property
    def expr(self):
        """The formula as a SymPy expression (symbols ``N`` and the theorem registry's parameter symbols)."""
        return parse_formula(self.formula)

    @property
    def fixed(self) -> dict:
        """The fixed parameters as exact fractions."""
        return {k: Fraction(v) for k, v in self.params.items() if v is not None}

    @property
    def L(self) -> Fraction | None:
        return None if self.params.get("L") is None else Fraction(self.params["L"])


def parse_formula(formula: str | None):
    """``formula`` as a SymPy expression in ``N`` and the registry's symbols (``rho``, ``gamma`` ...)."""
    import sympy as sp

    from monoverify.theory.theorems import SYMBOLS

    if formula is None:
        return None
    loc = {k: v for k, v in SYMBOLS.items()}
    loc["N"] = N_SYMBOL()
    try:
        return sp.sympify(formula, locals=loc)
    except (sp.SympifyError, TypeError, SyntaxError) as exc:
        raise InvalidValue(f"formula {formula!r} is not a SymPy expression in N and the parameters ({exc})") from None


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------
def _n_list(n: Any) -> list[int]:
    if isinstance(n, str):
        parts = n.split(":")
        try:
            vals = [int(p) for p in parts]
        except ValueError:
            raise InvalidValue(f"n must be a range LO:HI of integers, got n={n!r}") from None
        if len(vals) != 2:
            raise InvalidValue(f"n must be a range LO:HI of integers, got n={n!r}")
        n = tuple(vals)
    if isinstance(n, tuple) and len(n) == 2 and all(isinstance(v, int) for v in n):
        lo, hi = n
        from monoverify.limits import guard

        # every N costs one PEP of at least N evaluated points: the largest is refused before the list is built
        guard("pep_points", hi + 2, f"discover with n={lo}:{hi}", option="--max-points",
              detail=f"the PEP at N={hi} has at least one point per step")
        ns = list(range(lo, hi + 1))
    else:
        try:
            ns = sorted({int(v) for v in n})
        except (TypeError, ValueError):
            raise InvalidValue(f"n must be (lo, hi), 'lo:hi' or a list of integers, got n={n!r}") from None
    if not ns or ns[0] < 1:
        raise InvalidValue(f"n must hold integers >= 1, got n={n!r}")
    return ns


def _points(params: Mapping, over: Mapping) -> list[dict]:
    names = list(over)
    combos = itertools.product(*(over[k] for k in names)) if names else [()]
    return [dict(params, **dict(zip(names, c))) for c in combos]


def _validate(method: str, params: Mapping, over: Mapping, metric: str, iterate: str) -> tuple[dict, dict]:
    from monoverify.solvers import METHODS, make

    if method not in METHODS:
        try:
            make(method)
        except UnknownName:
            raise
        except (ValueError, TypeError) as exc:  # pragma: no cover - make raises UnknownName for a bad name
            raise UnknownName(str(exc)) from None
    spec = METHODS[method].params
    fixed, swept = {}, {}
    for k, v in (params or {}).items():
        if k not in _PARAM_NAMES:
            raise UnknownName(f"unknown parameter {k!r}; known: {', '.join(_PARAM_NAMES)}")
        if v is not None:
            fixed[k] = exact_value(k, v)
    for k, vs in (over or {}).items():
        if k not in _PARAM_NAMES:
            raise UnknownName(f"unknown parameter {k!r} in over; known: {', '.join(_PARAM_NAMES)}")
        if k in fixed:
            raise InvalidValue(f"parameter {k} is both fixed ({fixed[k]}) and swept (over={list(vs)})")
        vals = [exact_value(k, v) for v in vs]
        if len(set(vals)) < 2:
            raise InvalidValue(f"over {k} needs at least 2 distinct values, got {list(vs)}")
        swept[k] = sorted(set(vals))
    used = set(spec) | set(CLASS_PARAMS)
    unused = sorted((set(fixed) | set(swept)) - used)
    if unused:
        raise UnusedOption(f"method {method!r} does not use {', '.join(unused)}; it uses "
                           f"{', '.join(sorted(used))}")
    if "rho" not in fixed and "rho" not in swept:
        raise InvalidValue("rho is required (the comonotonicity of the class), e.g. rho=-1/5")
    if "L" in swept:
        raise InvalidValue("L cannot be swept (the PEP scales with it); fix it or leave it out (set-valued class)")
    if "L" in fixed and fixed["L"] <= 0:
        raise InvalidValue(f"L must be > 0 (or absent: the set-valued class), got L={fixed['L']}")
    if metric not in PEP_METRIC:
        raise InvalidValue(f"metric must be one of {sorted(PEP_METRIC)}, got metric={metric!r}")
    if iterate not in ("last", "best"):
        raise InvalidValue(f"iterate must be 'last' or 'best', got iterate={iterate!r}")
    for p in _points(fixed, swept):
        for k in set(spec) & set(p):
            if k == "tau" and p[k].denominator != 1:
                raise InvalidValue(f"tau must be an integer, got tau={p[k]}")
        missing = [k for k in spec if k not in p and METHODS[method].params[k] is None] \
            if isinstance(METHODS[method].params, Mapping) else []
        if missing:
            raise InvalidValue(f"method {method!r} needs {', '.join(missing)}")
    return fixed, swept


def _make(method: str, point: Mapping, exact: bool):
    from monoverify.errors import UserError
    from monoverify.solvers import METHODS, make

    spec = METHODS[method].params
    kw = {}
    for k in spec:
        if k in point:
            v = point[k]
            kw[k] = int(v) if k == "tau" else (v if exact else float(v))
    try:
        return make(method, **kw)
    except UserError:
        raise
    except (ValueError, TypeError) as exc:
        raise InvalidValue(f"method {method!r} with {kw}: {exc}") from None


# ------------------------------------------------------------------------------------------
# the fit
# ------------------------------------------------------------------------------------------
@dataclasses.dataclass
class _Fit:
    form: G.Form
    n_start: int
    P: list          # per point, or the parameter expressions
    Q: list
    expr: Any        # SymPy in N and the swept symbols
    train_error: float
    param_complexity: int


def _fit_point(form: G.Form, pts: list[Point], n_start: int, tol: float):
    xs, ys, ex = [], [], []
    for pt in pts:
        if pt.N < n_start or not pt.ok:
            continue
        try:
            F = G.factor_value(form.factor, pt.N)
        except ZeroDivisionError:
            return None
        if F == 0:
            return None
        y = pt.y()
        if pt.exact is not None:
            xs.append((pt.N,)), ys.append(Fraction(y) / F), ex.append(True)
        else:
            xs.append((pt.N,)), ys.append(float(y) / float(F)), ex.append(False)
    if not xs:
        return None
    got = G.fit_rational(xs, ys, ex, form.p, form.q, tol)
    if got is None:
        return None
    P, Q = got
    err = 0.0
    for x, y, e in zip(xs, ys, ex):
        if not e:
            v = float(G.evaluate_rational(P, Q, x))
            err = max(err, abs(v - float(y)) / max(abs(float(y)), 1e-300))
    return P, Q, err


def _param_fit(values: list[Fraction], xs: list[tuple], degree: int, symbols: list):
    """``values`` (at the parameter points ``xs``) as the simplest exact rational function of the symbols."""
    import sympy as sp

    if all(v == 0 for v in values):
        return sp.Integer(0), 0
    if len(set(values)) == 1:
        return sp.Rational(values[0].numerator, values[0].denominator), 0
    nv = len(symbols)
    tries = sorted(((dn, dd) for dn in range(degree + 1) for dd in range(degree + 1)), key=lambda t: (sum(t), t[1]))
    for dn, dd in tries:
        pm, qm = G.monomials(nv, dn), G.monomials(nv, dd)
        got = G.fit_rational(xs, values, [True] * len(values), pm, qm, 0.0)
        if got is None:
            continue
        P, Q = got
        mono = lambda e: sp.Mul(*[s ** k for s, k in zip(symbols, e)])
        R = lambda c: sp.Rational(c.numerator, c.denominator)
        num = sum(R(c) * mono(e) for c, e in zip(P, pm))
        den = sum(R(c) * mono(e) for c, e in zip(Q, qm))
        return sp.cancel(num / den), dn + dd
    return None


def _fit_form(form: G.Form, data: list[list[Point]], xs_params: list[tuple], symbols: list, n_start: int,
              tol: float, param_degree: int):
    import sympy as sp

    N = N_SYMBOL()
    per = []
    for pts in data:
        got = _fit_point(form, pts, n_start, tol)
        if got is None:
            return None
        per.append(got)
    err = max(g[2] for g in per)
    F = G.factor_expr(form.factor, N)
    R = lambda c: sp.Rational(c.numerator, c.denominator)
    if not symbols:
        P, Q, _ = per[0]
        expr = F * sum(R(c) * N ** j for j, c in enumerate(P)) / sum(R(c) * N ** j for j, c in enumerate(Q))
        return _Fit(form, n_start, P, Q, _tidy(expr), err, 0)
    # one normalisation for every point: the first coefficient (Q, then P) nonzero at every point
    vecs = [list(Q) + list(P) for P, Q, _ in per]
    idx = next((j for j in range(len(vecs[0])) if all(v[j] != 0 for v in vecs)), None)
    if idx is None:
        return None
    vecs = [[c / v[idx] for c in v] for v in vecs]
    nq = form.q + 1
    coeffs, cplx = [], 0
    for j in range(len(vecs[0])):
        got = _param_fit([v[j] for v in vecs], xs_params, param_degree, symbols)
        if got is None:
            return None
        coeffs.append(got[0])
        cplx += got[1]
    Qe = sum(c * N ** j for j, c in enumerate(coeffs[:nq]))
    Pe = sum(c * N ** j for j, c in enumerate(coeffs[nq:]))
    return _Fit(form, n_start, [v[nq:] for v in vecs], [v[:nq] for v in vecs], _tidy(F * Pe / Qe), err, cplx)


def _tidy(expr):
    import sympy as sp

    N = N_SYMBOL()
    fac = [f for f in sp.Mul.make_args(expr) if f.is_Pow and f.exp.has(N)]
    rest = sp.Mul(*[f for f in sp.Mul.make_args(expr) if f not in fac])
    return sp.Mul(*fac) * sp.factor(sp.cancel(rest))


def _search(data, xs_params, symbols, forms, n_candidates, tol, param_degree):
    tried = 0
    for n_start in n_candidates:
        best, best_size = None, None
        for form in forms:
            if best is not None and form.complexity > best.form.complexity:
                break
            tried += 1
            f = _fit_form(form, data, xs_params, symbols, n_start, tol, param_degree)
            if f is None:
                continue
            # between fits of the simplest complexity: fewer parameter terms, then smaller numbers (digits of
            # the largest numerator or denominator), then a clearly smaller training error; an equal fit is the
            # same function written otherwise, and the grammar's order of preference keeps the first
            size = (f.param_complexity, len(str(G.height(f.expr))))
            if best is None or size < best_size or (size == best_size
                                                    and f.train_error < best.train_error * (1 - 1e-3) - 1e-15):
                best, best_size = f, size
        if best is not None:
            return best, tried
    return None, tried


# ------------------------------------------------------------------------------------------
# evaluation
# ------------------------------------------------------------------------------------------
def _value(expr, point: Mapping, n: int) -> float:
    import sympy as sp

    from monoverify.theory.theorems import SYMBOLS

    subs = {SYMBOLS[k]: sp.Rational(v.numerator, v.denominator) for k, v in point.items() if k in SYMBOLS}
    subs[N_SYMBOL()] = sp.Integer(n)
    v = sp.sympify(expr).subs(subs)
    if v.free_symbols:
        raise InvalidValue(f"formula {expr} has symbols {sorted(s.name for s in v.free_symbols)} without values")
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _rel(pred: float, pt: Point) -> float:
    """Relative error of ``pred`` against the value: the exact fraction when pinned; else the distance to
    ``[witness, PEP value]`` when an explicit member of the class attains within 1e-7 below the PEP value
    (the worst case lies in between, up to the solver's error); else to the PEP value."""
    if not pt.ok:
        return math.inf
    if pt.exact is not None:
        ref = float(pt.exact)
        return abs(pred - ref) / max(abs(ref), 1e-300)
    lo = hi = pt.value
    if pt.witness is not None and pt.value * (1 - 1e-7) <= pt.witness <= pt.value:
        lo = pt.witness
    d = lo - pred if pred < lo else (pred - hi if pred > hi else 0.0)
    return abs(d) / max(abs(pt.value), 1e-300)


def discover(method: str, params: Mapping[str, Any] | None = None, metric: str = "operator", *,
             n: Any = (1, 12), over: Mapping[str, Sequence] | None = None, holdout: int = 3, tol: float = 1e-8,
             fit_tol: float = 1e-7, pin_max: int = 5, grammar: str = "all", max_degree: int = 3,
             param_degree: int = 2, iterate: str = "last", n_start: int | str = "auto",
             formula: str | None = None) -> Discovery:
    """Discover a closed form of the PEP worst case over ``N`` (and the ``over`` parameters); see the module doc.

    Parameters
    ----------
    method : str
        Registered method name (``monoverify list methods``).
    params : dict
        Fixed parameters, exact (``"-1/5"``, ``Fraction``, int, or a float read as its decimal): the class
        ``rho`` (and ``L``: absent for the set-valued class, where the PEP is exact) and the method's.
    metric : str
        ``operator``, ``step``, ``distance``, ``resolvent`` (or the full names of :mod:`monoverify.theory.metrics`).
    n : (int, int), "lo:hi" or list of int
        The horizons; the ``holdout`` largest are held out.
    over : dict of lists, optional
        Swept parameters (every combination); the formula is a function of them.
    tol : float
        Largest held-out relative error of a proposed formula.
    fit_tol : float
        Largest relative error of a fit on the (unpinned) training values.
    pin_max : int
        Training values with ``N <= pin_max`` are pinned to exact fractions by ``prove`` (0: none).
    grammar : {"all", "rational", "product"}
    max_degree, param_degree : int
        Degrees of ``P``, ``Q`` in ``N`` and of the coefficients' rational functions of the parameters.
    n_start : int or "auto"
        Smallest ``N`` the formula must fit (``auto``: the smallest that gives a fit).
    formula : str, optional
        Test this formula instead of searching (the same held-out verdict).

    Returns
    -------
    Discovery
    """
    t0 = time.perf_counter()
    over = dict(over or {})
    fixed, swept = _validate(method, params or {}, over, metric, iterate)
    ns = _n_list(n)
    if isinstance(holdout, bool) or not isinstance(holdout, int) or holdout < 1:
        raise InvalidValue(f"holdout must be an integer >= 1, got holdout={holdout!r}")
    if len(ns) < holdout + 3:
        raise InvalidValue(f"n has {len(ns)} values: need at least holdout + 3 = {holdout + 3} "
                           f"(three to fit, {holdout} held out)")
    for name, v in (("tol", tol), ("fit_tol", fit_tol)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise InvalidValue(f"{name} must be a finite number >= 0, got {name}={v!r}")
    if isinstance(pin_max, bool) or not isinstance(pin_max, int) or pin_max < 0:
        raise InvalidValue(f"pin_max must be an integer >= 0, got pin_max={pin_max!r}")
    forms = G.forms(max_degree, grammar)
    train, held = ns[:-holdout], ns[-holdout:]
    pmetric = PEP_METRIC[metric]
    points = _points(fixed, swept)
    L = fixed.get("L")
    from monoverify.theory.pep.inputs import guard_points

    # the largest PEP of the discovery (N = max n), before the first of len(ns) x len(points) solves
    guard_points(_make(method, points[0], exact=False), ns[-1])
    data = []
    for p in points:
        m_f, m_q = _make(method, p, exact=False), _make(method, p, exact=True)
        pts = []
        for N in train:
            pt = pep_value(m_f, float(p["rho"]), None if L is None else float(L), N, pmetric, iterate,
                           witness=bool(pin_max) and N <= pin_max)   # a witness widens the window of a pin
            if pin_max and N <= pin_max:
                pt = pin(pt, m_q, p["rho"], L, pmetric, iterate)
            pts.append(pt)
        data.append(pts)
    import sympy as sp

    from monoverify.theory.theorems import SYMBOLS

    names = list(swept)
    symbols = [SYMBOLS[k] for k in names]
    xs_params = [tuple(p[k] for k in names) for p in points]
    n_pinned = sum(1 for pts in data for pt in pts if pt.exact is not None)
    if n_start == "auto":
        cands = [s for s in train if len([t for t in train if t >= s]) >= 3]
    else:
        if isinstance(n_start, bool) or not isinstance(n_start, int) or n_start not in train:
            raise InvalidValue(f"n_start must be 'auto' or one of the training N {train}, got n_start={n_start!r}")
        cands = [n_start]
    if formula is not None:
        expr = parse_formula(formula)
        extra = {s.name for s in expr.free_symbols} - {"N"} - set(names) - set(fixed)
        if extra:
            raise InvalidValue(f"formula {formula!r} uses {sorted(extra)}, which are neither swept nor fixed")
        expr = expr.subs({SYMBOLS[k]: sp.Rational(v.numerator, v.denominator) for k, v in fixed.items()
                          if k in SYMBOLS})
        fit = _Fit(G.Form(0, 0), cands[0], [], [], expr, math.nan, 0)
        tried = 0
    else:
        fit, tried = _search(data, xs_params, symbols, forms, cands, fit_tol, param_degree)
    cls = ("set-valued rho-comonotone (exact PEP)" if L is None
           else "rho-comonotone and L-Lipschitz (relaxation: PEP values are upper bounds)")
    base = dict(method=method, metric=pmetric, iterate=iterate, params={k: str(v) for k, v in fixed.items()},
                over={k: [str(v) for v in vs] for k, vs in swept.items()}, operator_class=cls,
                n_range=[ns[0], ns[-1]], train=train, holdout=held, tolerance=float(tol),
                fit_tolerance=float(fit_tol), n_pinned=n_pinned, forms_tried=tried)
    if fit is None:
        rows = [{"params": {k: str(v) for k, v in p.items()}, "values": [dict(pt.to_dict(), role="train")
                                                                        for pt in pts]}
                for p, pts in zip(points, data)]
        return Discovery("no_fit", f"no form of the grammar ({grammar}, degrees <= {max_degree}) fits the training "
                         f"values (N in {train}) within {fit_tol:g}", None, form={}, max_rel_error_train=math.nan,
                         max_rel_error_holdout=math.nan, points=rows, wall_time=time.perf_counter() - t0, **base)
    # 3. predictions, frozen before the held-out PEPs are solved
    preds = [{N: _value(fit.expr, p, N) for N in held} for p in points]
    rows, e_train, e_hold = [], 0.0, 0.0
    for p, pts, pr in zip(points, data, preds):
        m_f = _make(method, p, exact=False)
        vals = []
        for pt in pts:
            d = dict(pt.to_dict(), role="train")
            if pt.N >= fit.n_start:
                v = _value(fit.expr, p, pt.N)
                d["predicted"], d["rel_error"] = v, _rel(v, pt)
                e_train = max(e_train, d["rel_error"])
            vals.append(d)
        for N in held:
            pt = pep_value(m_f, float(p["rho"]), None if L is None else float(L), N, pmetric, iterate)
            d = dict(pt.to_dict(), role="holdout", predicted=pr[N], rel_error=_rel(pr[N], pt))
            e_hold = max(e_hold, d["rel_error"])
            vals.append(d)
        rows.append({"params": {k: str(v) for k, v in p.items()}, "values": vals})
    fstr = str(fit.expr)
    form = {"factor": None if fit.form.factor is None else str(G.factor_expr(fit.form.factor)),
            "p": fit.form.p, "q": fit.form.q, "complexity": fit.form.complexity, "n_start": fit.n_start,
            "given": formula is not None}
    ok = e_hold <= tol and (formula is None or e_train <= max(fit_tol, tol))
    status = "proposed" if ok else "refused"
    where = f"N >= {fit.n_start}" if fit.n_start > ns[0] else "every N"
    msg = (f"{fstr} fits the training N ({len(train)} values, {n_pinned} exact) and predicts the held-out N "
           f"{held} to {e_hold:.2g} (tolerance {tol:g}) for {where}" if ok else
           f"{fstr} misses the held-out N {held} by {e_hold:.3g} > {tol:g} (relative; training error "
           f"{e_train:.3g})")
    return Discovery(status, msg, fstr, form=form, max_rel_error_train=e_train, max_rel_error_holdout=e_hold,
                     points=rows, wall_time=time.perf_counter() - t0, **base)
