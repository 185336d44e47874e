"""What a statement alone says: its region in normalised coordinates, and how it scales.

Everything a battery knows about a theorem before it runs anything comes from here, and from the
theorem's own data only (hypotheses, bound, condition, metric, method): never from another theorem.

* :class:`Region`: the hypotheses (or a region theorem's condition) as vectorised NumPy functions of
  the normalised coordinates (:data:`COORDS`: ``c = -rho L``, ``t = gamma L``, ``lam``, ``alpha``,
  ``tau``, ``K``, ``mu``, ``beta``, ``sigma`` and ``L``), one per conjunct, each with its *slack* (how
  far inside its boundary a point is) and its equalities solved for one coordinate (``gamma L = 1``
  pins ``t``).
* :func:`scaling`: the dimensional check. Under ``z -> s z``, ``F -> a F`` every symbol scales by its
  units (:data:`~monoverify.theory.judge.cells.UNITS`) and the metric by its own
  (:data:`~monoverify.theory.metrics.METRICS` ``units``); a bound that does not scale like its
  metric, or a hypothesis that is not scale-free, is reported with the scaling it has, and the scales
  where it is most likely violated are returned for the battery to run (judged, never asserted).

>>> from monoverify.theory.theorems import get
>>> sc = scaling(get("pp.last_iterate"))
>>> sc.covariant, sc.metric_units
(True, (2, 2))
>>> import dataclasses, sympy as sp
>>> th = get("pp.last_iterate")
>>> bad = dataclasses.replace(th, bound=sp.sqrt(th.bound))        # sqrt(D0) where D0 belongs
>>> s = scaling(bad); s.covariant, s.bound_units
(False, (1.0, 1.0))
"""

from __future__ import annotations

import functools
import math
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import sympy as sp

from ..theorems import SYMBOLS, Theorem
from ..theorems.core import conjuncts
from .cells import UNITS

__all__ = ["COORDS", "DOMAIN", "Region", "region", "normalised", "scaling", "Scaling", "LOG_COORDS", "SCALES"]

_c, _t = sp.Symbol("c", real=True), sp.Symbol("t", real=True)
#: normalised coordinates of a point, in the order the vectorised functions take them
COORDS = ("c", "t", "lam", "alpha", "mu", "beta", "sigma", "tau", "K", "L")
_SYM = {"c": _c, "t": _t, **{k: SYMBOLS[k] for k in COORDS if k in SYMBOLS and k not in ("c", "t")}}
#: continuous coordinates a battery searches, with the range a point may take (L: the operator scale)
DOMAIN: dict[str, tuple[float, float]] = {"c": (-1.0, 1.0), "t": (1e-6, 20.0), "lam": (1e-6, 4.0),
                                          "alpha": (1e-6, 2.0), "mu": (1e-6, 1.0), "beta": (-1.5, 1.5),
                                          "sigma": (1e-2, 1e2), "L": (1e-2, 1e3)}
#: coordinates sampled on a log scale
LOG_COORDS = ("sigma", "L")
#: the scale box of the problem: L (operator) and r = ||z0 - z*|| (start), in decades
SCALES = {"L": (1e-2, 1e3), "r": (1e-3, 1e3)}


def normalised(expr: Any, th: Theorem) -> sp.Expr:
    """``expr`` in normalised symbols: derived values substituted, ``rho = -c/L``, ``gamma = t/L``, every
    other dimensional symbol times its units (``mu -> mu L``, ``sigma -> sigma L``), ``D0 = 1``."""
    e = sp.sympify(expr)
    derived = {SYMBOLS[k]: v for k, v in th.derived.items() if k in SYMBOLS}
    for _ in range(4):
        e = e.subs(derived)
    L = SYMBOLS["L"]
    subs = {SYMBOLS["rho"]: -_c / L, SYMBOLS["gamma"]: _t / L, SYMBOLS["D0"]: 1}
    for k, (p, q) in UNITS.items():
        if k in SYMBOLS and k not in ("rho", "gamma", "L", "D0") and p:
            subs[SYMBOLS[k]] = SYMBOLS[k] * L ** p
    return e.subs(subs, simultaneous=True)


@functools.lru_cache(maxsize=2048)
def _vec(expr: sp.Basic) -> Callable:
    used = [k for k in COORDS if _SYM[k] in sp.sympify(expr).free_symbols]
    f = sp.lambdify([_SYM[k] for k in used], expr, modules=["numpy"])

    def call(P: dict) -> np.ndarray:
        n = len(next(iter(P.values())))
        args = [P[k] if k in P else (1.0 if k == "L" else np.nan) for k in used]
        with np.errstate(all="ignore"):
            try:
                out = f(*args)
            except (TypeError, ValueError, ZeroDivisionError, AttributeError):
                return np.full(n, np.nan)
        out = np.asarray(out)
        if out.dtype.kind == "c":
            out = np.where(np.abs(out.imag) <= 1e-12 * np.maximum(np.abs(out.real), 1.0), out.real, np.nan)
        return np.broadcast_to(out.astype(float, copy=False), (n,))
    return call


@dataclass
class Conjunct:
    """One relational conjunct: ``holds(P)`` and ``slack(P)`` (>= 0 inside, its distance to the boundary
    relative to the size of both sides), vectorised over points ``P`` (dict of arrays)."""

    expr: Any
    strict: bool
    coords: tuple
    gap: Callable
    size: Callable

    def slack(self, P: dict) -> np.ndarray:
        g, s = self.gap(P), self.size(P)
        return np.where(np.isfinite(g), g / np.maximum(s, 1e-300), np.nan)

    def holds(self, P: dict) -> np.ndarray:
        g = self.gap(P)
        return (g > 0) if self.strict else (g >= 0)


@dataclass
class Region:
    """A conjunction of relations over the normalised coordinates (see the module docstring)."""

    theorem: Theorem
    conjuncts: list
    pins: dict = field(default_factory=dict)          # coordinate -> vectorised function (equalities)
    other: list = field(default_factory=list)         # non-relational parts (booleans), vectorised
    coords: tuple = ()

    def pin(self, P: dict) -> dict:
        """``P`` with the coordinates fixed by equalities set (in place; also returned)."""
        for k, f in self.pins.items():
            P[k] = f(P)
        return P

    def holds(self, P: dict) -> np.ndarray:
        n = len(next(iter(P.values())))
        ok = np.ones(n, bool)
        for q in self.conjuncts:
            ok &= np.nan_to_num(q.holds(P), nan=0).astype(bool)
        for f in self.other:
            ok &= np.nan_to_num(f(P), nan=0).astype(bool)
        for k, f in self.pins.items():   # an equality that its pinned value does not satisfy (rounding)
            ok &= np.isclose(np.asarray(P[k], float), f(P), rtol=1e-12, atol=1e-15)
        return ok

    def holds_one(self, point: dict) -> bool:
        return bool(self.holds({k: np.array([float(v)]) for k, v in point.items()})[0])


def _relation(expr: Any) -> tuple[sp.Expr, bool] | None:
    """``(gap, strict)`` with the relation ``gap > 0`` (strict) or ``gap >= 0``; None if not one."""
    if not isinstance(expr, sp.core.relational.Relational) or isinstance(expr, (sp.Eq, sp.Ne)):
        return None
    if isinstance(expr, (sp.StrictLessThan, sp.LessThan)):
        return expr.rhs - expr.lhs, isinstance(expr, sp.StrictLessThan)
    return expr.lhs - expr.rhs, isinstance(expr, sp.StrictGreaterThan)


def _solve_eq(eq: sp.Eq) -> tuple[str, sp.Expr] | None:
    """An equality solved for one coordinate when it is linear in it (``t = 1`` from ``gamma L = 1``)."""
    e = sp.together(eq.lhs - eq.rhs)
    for k in ("t", "lam", "alpha", "tau", "c", "mu", "beta", "sigma", "K"):
        s = _SYM.get(k)
        if s is None or s not in e.free_symbols:
            continue
        try:
            P = sp.Poly(sp.numer(e), s)
        except sp.PolynomialError:
            continue
        if P.degree() == 1:
            a, b = P.all_coeffs()
            return k, sp.cancel(-b / a)
    return None


def _statement_key(th: Theorem, *exprs: Any) -> tuple:
    """What a computation on the statement depends on (theorems are not hashable; variants share ids)."""
    return (tuple(str(sp.sympify(e)) if e is not None else "" for e in exprs),
            tuple(sorted((k, str(v)) for k, v in th.derived.items())), th.metric)


_REGIONS: dict = {}
_SCALINGS: dict = {}


def _region(th: Theorem, which: str) -> Region:
    key = _statement_key(th, th.hypotheses if which == "hypotheses" else th.condition) + (which,)
    hit = _REGIONS.get(key)
    if hit is None:
        hit = _REGIONS[key] = _build_region(th, which)
    return hit


def _build_region(th: Theorem, which: str) -> Region:
    expr = th.hypotheses if which == "hypotheses" else th.condition
    out = Region(th, [])
    names: set = set()
    for part in conjuncts(expr):
        pn = normalised(part, th)
        if pn in (sp.true, True):
            continue
        names |= {s.name for s in sp.sympify(pn).free_symbols}
        rel = _relation(pn)
        if rel is not None:
            gap, strict = rel
            size = sp.Abs(pn.lhs) + sp.Abs(pn.rhs)
            coords = tuple(k for k in COORDS if _SYM[k] in pn.free_symbols)
            out.conjuncts.append(Conjunct(part, strict, coords, _vec(gap), _vec(size)))
            continue
        if isinstance(pn, sp.Eq):
            solved = _solve_eq(pn)
            if solved is not None and solved[0] not in out.pins:
                out.pins[solved[0]] = _vec(solved[1])
                continue
        out.other.append(_vec(pn))
    out.coords = tuple(k for k in COORDS if k in names)
    return out


def region(th: Theorem, which: str = "hypotheses") -> Region:
    """The vectorised :class:`Region` of ``th``'s ``hypotheses`` (or its ``condition``)."""
    if which == "condition" and th.condition is None:
        raise ValueError(f"theorem {th.id} has no condition")
    return _region(th, which)


# ------------------------------------------------------------------------------------------
# the dimensional check
# ------------------------------------------------------------------------------------------
@dataclass
class Scaling:
    """How a statement scales (see :func:`scaling`).

    ``covariant``: the bound scales exactly like its metric and every hypothesis is scale-free.
    ``bound_units``/``metric_units``: ``(p, q)`` exponents of ``a^p s^q`` (``bound_units`` is ``None``
    when the bound is not a monomial in the scales). ``scales``: ``(L, r)`` pairs at the corners of the
    scale box where ``bound / metric`` is smallest relative to unit scale (where a wrong scaling is
    violated first; empty when covariant). ``message``: one line for reports.
    """

    covariant: bool
    metric_units: tuple | None
    bound_units: tuple | None
    hypotheses_scale_free: bool
    scales: list = field(default_factory=list)
    message: str = ""


_a, _s = sp.symbols("a_scale s_scale", positive=True)
#: units of the quantities of property theorems that are not run metrics (both scale-free)
_PROPERTY_UNITS = {"spectral_radius": (0, 0), "iteration_matrix_norm": (0, 0)}


def _scaled(expr: Any, th: Theorem) -> sp.Expr:
    e = sp.sympify(expr)
    derived = {SYMBOLS[k]: v for k, v in th.derived.items() if k in SYMBOLS}
    for _ in range(4):
        e = e.subs(derived)
    subs = {SYMBOLS[k]: SYMBOLS[k] * _a ** p * _s ** q for k, (p, q) in UNITS.items() if k in SYMBOLS}
    return e.subs(subs, simultaneous=True)


def _exponents(ratio: sp.Expr, th: Theorem) -> tuple[float, float] | None:
    """``(i, j)`` with ``ratio = a^i s^j`` at random parameter values, or None when it is not a monomial."""
    rng = np.random.default_rng(0)
    syms = sorted(ratio.free_symbols - {_a, _s}, key=str)
    f = sp.lambdify([_a, _s, *syms], ratio, modules=["numpy"])
    got = []
    for _ in range(4):
        vals = [float(rng.uniform(0.2, 0.9)) for _ in syms]
        with np.errstate(all="ignore"):
            try:
                base = complex(f(1.0, 1.0, *vals))
                ia = complex(f(math.e, 1.0, *vals)) / base
                js = complex(f(1.0, math.e, *vals)) / base
                both = complex(f(7.0, 0.3, *vals)) / base
            except (ZeroDivisionError, TypeError, ValueError, OverflowError):
                return None
        if not all(np.isfinite([ia, js, both])) or ia.real <= 0 or js.real <= 0:
            return None
        i, j = math.log(ia.real), math.log(js.real)
        if abs(both.real - 7.0 ** i * 0.3 ** j) > 1e-9 * max(1.0, abs(both.real)):
            return None
        got.append((i, j))
    if max(abs(g[0] - got[0][0]) + abs(g[1] - got[0][1]) for g in got) > 1e-9:
        return None
    return round(got[0][0], 9), round(got[0][1], 9)


def scaling(th: Theorem) -> Scaling:
    """The dimensional check of ``th`` (see the module docstring); computed from the statement only.

    SymPy's substitutions make it cost up to about a second per statement, so it is kept in memory
    and in the disk cache (``<cache>/scaling``), keyed by the statement and by the source of the
    code that computes it (a change to that code, or to SymPy's version, is a new key)."""
    key = _statement_key(th, th.hypotheses, th.bound)
    hit = _SCALINGS.get(key)
    if hit is None:
        path = _scaling_path(key)
        hit = _read_scaling(path)
        if hit is None:
            hit = _scaling(th)
            _write_scaling(path, hit)
        _SCALINGS[key] = hit
    return hit


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    """Hash of what a scaling depends on besides the statement: this module, the metrics' units, the
    registry's symbols, and SymPy's version."""
    import hashlib
    from pathlib import Path

    from .. import metrics
    from ..theorems import core
    from . import cells

    h = hashlib.sha256(sp.__version__.encode())
    for mod in (sys.modules[__name__], metrics, core, cells):
        h.update(Path(mod.__file__).read_bytes())
    return h.hexdigest()


def _scaling_path(key: tuple) -> Any:
    import hashlib
    import json

    from monoverify.cache import cache_root

    blob = json.dumps({"key": key, "code": _code_hash()}, sort_keys=True, default=str)
    return cache_root() / "scaling" / f"{hashlib.sha256(blob.encode()).hexdigest()[:40]}.json"


def _read_scaling(path: Any) -> Scaling | None:
    import json

    try:
        d = json.loads(path.read_text())
        return Scaling(bool(d["covariant"]), None if d["metric_units"] is None else tuple(d["metric_units"]),
                       None if d["bound_units"] is None else tuple(d["bound_units"]),
                       bool(d["hypotheses_scale_free"]), [tuple(float(x) for x in c) for c in d["scales"]],
                       str(d["message"]))
    except (OSError, ValueError, TypeError, KeyError):   # absent, torn by another writer, or another format
        return None


def _write_scaling(path: Any, sc: Scaling) -> None:
    import json

    from monoverify.atomic import write_text
    from monoverify.theory.pep.cache import warn_unwritable

    try:   # atomic: a reader sees the old entry or the whole new one
        write_text(path, json.dumps(asdict(sc), default=float), mkdir=True)
    except OSError as exc:   # a read-only or full cache must not break a check
        warn_unwritable(exc, "scaling cache")


def _scaling(th: Theorem) -> Scaling:
    from ..metrics import METRICS

    metric = METRICS.get(th.metric)
    mu = getattr(metric, "units", None) if metric is not None else _PROPERTY_UNITS.get(th.metric)
    hyp_free = _scale_free(th)
    if th.bound is None or mu is None:
        why = "no bound" if th.bound is None else f"metric {th.metric} declares no units"
        return Scaling(hyp_free, mu, None, hyp_free, [] if hyp_free else _corners(None, None),
                       f"{why}: no dimensional check of the bound"
                       + ("" if hyp_free else "; the hypotheses depend on the scale L: sampled over its decades"))
    b = sp.sympify(th.bound)
    ratio = _scaled(b, th) / b if b != 0 else sp.Integer(1)
    ex = _exponents(ratio, th) if ratio.free_symbols else (0.0, 0.0)
    bu = None if ex is None else (ex[0], ex[1])
    covariant = bu is not None and abs(bu[0] - mu[0]) < 1e-9 and abs(bu[1] - mu[1]) < 1e-9
    f = sp.lambdify([_a, _s, *sorted(ratio.free_symbols - {_a, _s}, key=str)], ratio / (_a ** mu[0] * _s ** mu[1]),
                    modules=["numpy"])
    scales = [] if covariant and hyp_free else _corners(f, len(ratio.free_symbols - {_a, _s}))
    parts = []
    if not covariant:
        parts.append(f"the bound scales as {_fmt(bu) if bu else 'no power of the scales'}, its metric "
                     f"{th.metric} as {_fmt(mu)}: checked at the scales where the bound is smallest relative "
                     "to the metric")
    if not hyp_free:
        parts.append("the hypotheses depend on the scale: sampled over its decades")
    return Scaling(covariant and hyp_free, mu, bu, hyp_free, scales, "; ".join(parts))


def _scale_free(th: Theorem, n: int = 4000) -> bool:
    """Do the hypotheses, in normalised coordinates, say the same at every scale ``L`` (and never read ``D0``)?"""
    if any(SYMBOLS["D0"] in sp.sympify(p).free_symbols for p in conjuncts(th.hypotheses)):
        return False
    reg = region(th)
    if "L" not in reg.coords:
        return True
    rng = np.random.default_rng(0)
    P = {k: rng.uniform(*DOMAIN[k], n) for k in reg.coords if k in DOMAIN and k != "L"}
    for k in reg.coords:
        if k not in P and k != "L":
            P[k] = rng.integers(1, 12, n).astype(float)
    base = reg.holds(reg.pin(dict(P, L=np.ones(n))))
    return all(np.array_equal(base, reg.holds(reg.pin(dict(P, L=np.full(n, L))))) for L in SCALES["L"])


def _fmt(u: tuple) -> str:
    def one(base: str, x: float) -> str:
        if x == 0:
            return ""
        return base if x == 1 else f"{base}^{x:g}"
    s = " ".join(p for p in (one("L", u[0]), one("|z0 - z*|", u[1])) if p)
    return s or "1 (scale-free)"


def _corners(f: Callable | None, n_free: int | None) -> list:
    """The corners of the scale box, those where ``f`` (bound over metric, relative) is smallest first."""
    corners = [(L, r) for L in SCALES["L"] for r in SCALES["r"]] + [(L, 1.0) for L in SCALES["L"]] + \
              [(1.0, r) for r in SCALES["r"]]
    if f is None:
        return corners
    rng = np.random.default_rng(1)
    vals = [float(rng.uniform(0.2, 0.9)) for _ in range(n_free or 0)]

    def rel(Lr: tuple) -> float:
        with np.errstate(all="ignore"):
            try:
                return float(np.real(f(Lr[0], Lr[1], *vals)) / np.real(f(1.0, 1.0, *vals)))
            except (ZeroDivisionError, TypeError, ValueError):
                return math.inf
    scored = sorted(corners, key=lambda Lr: (rel(Lr) if np.isfinite(rel(Lr)) else math.inf))
    return [c for c in scored if rel(c) < 1 - 1e-9] or scored[:2]
