r"""Boundaries drawn on phase diagrams, derived from the theorem registry (§5.2 of the documentation's
Mathematics page).

Every ``region`` theorem of :data:`monoverify.theory.THEOREMS` whose method and family match a
diagram contributes its boundary: its ``condition`` (with ``L = 1``, the fixed parameters and the
theorem's derived parameters substituted) is split into conjuncts; a conjunct in the y-axis
parameter is solved for it and lambdified into a curve ``y(x)``, drawn where the other conjuncts
and the hypotheses hold; a conjunct in the x-axis parameter alone gives vertical lines. Adding a
region theorem therefore draws its boundary.

Solving is bounded in time. A conjunct that is linear in ``y`` (``a y + b`` with ``a, b`` free of
``y``, e.g. ``lam < 2(1 - Re q)/|1 - q|^2``) is solved by one derivative and one substitution;
any other goes to :func:`sympy.solve` for at most :data:`SOLVE_TIMEOUT` seconds (a timer signal,
in the main thread only). A conjunct that is not solved in closed form in that time is drawn as a
**numeric contour**: the zero set of ``lhs - rhs`` on the plotted ``(x, y)`` range, located on a
grid and refined by bisection; its label ends with ``(numeric contour)`` and the phase command
says so.

The overlays of §5.2 that are *not* registered conditions live in :data:`BOUNDARIES`
(labelled constants, the one place they are written); :data:`LABELS` holds display names only.

At ``gamma L = 1`` two registered conditions give the same curve: PLPFC22's ``2c + alpha = 1``
(``eg+.lower_bound_game``) and R15's any-``gamma`` condition
(``eg+.lower_bound_game_general_t``), which reduces to it since ``t(1 - 2c^2) - c = (1 - 2c)(1 + c)``
at ``t = 1``:

>>> import numpy as np
>>> [(label, np.round(y[[0, -1]], 3).tolist()) for label, x, y, kind in
...  derived_boundaries("eg+", "lower_bound", "rhoL", "alpha", {"gammaL": 1.0}, np.linspace(-0.4, 0.0, 5))]
[('$2c+\\alpha=1$', [0.2, 1.0]), ('eg+.lower_bound_game_general_t: $\\alpha=2.0 \\rho + 1.0$', [0.2, 1.0])]
"""

from __future__ import annotations

import math
import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

import numpy as np
import sympy as sp

__all__ = ["BOUNDARIES", "LABELS", "derived_boundaries", "theorem_boundaries", "overlays", "SOLVE_TIMEOUT",
           "NUMERIC_LABEL"]

#: seconds :func:`sympy.solve` may spend on one conjunct before the boundary is drawn as a numeric contour
SOLVE_TIMEOUT = 2.0
#: the suffix of the label of a boundary drawn as a numeric contour
NUMERIC_LABEL = "(numeric contour)"
#: y ranges searched by a numeric contour when the caller gives none (normalised axes, L = 1)
_Y_RANGE = {"lam": (0.0, 4.0), "alpha": (0.0, 1.0), "gammaL": (0.0, 3.0), "rhoL": (-1.0, 1.0), "beta": (-1.0, 1.0)}

#: overlays of §5.2 that are not the condition of a registered theorem (x = rhoL = -c): labelled constants
BOUNDARIES: list[dict] = [
    dict(methods=("eg+",), x="rhoL", label=r"$c=1/8$", value=-1 / 8, note="DDJ21: EG+ guarantee needs c < 1/8"),
    dict(methods=("eg+",), x="rhoL", label=r"$c=1/2$", value=-1 / 2, note="alpha -> 0 limit of 2c + alpha < 1"),
    dict(methods=("la-gda",), x="rhoL", when={"tau": 2}, label=r"$c=1/(3\sqrt{3})$", value=-1 / (3 * math.sqrt(3)),
         note="§5.2 LA-GDA(tau=2) overlay"),
    dict(methods=("relaxed-pp", "rapp"), x="rhoL", label=r"$c=1/2$", value=-0.5, note="rho = -gamma/2 at gamma L = 1"),
]

#: display names of derived boundaries (theorem id -> label, or callable of the fixed parameters)
LABELS: dict[str, Any] = {
    "eg+.lower_bound_game": r"$2c+\alpha=1$",
    "la-eg.lower_bound_game": r"$\lambda=1-2c$",
    "la-gda.lower_bound_game": r"$\lambda=2(1-2c-2c^2)/(5+4c)$",
    "relaxed-pp.region": r"$\lambda=2(1+\rho/\gamma)$",
    "la-gda.bilinear": lambda p: (r"$\lambda=2/(4+t^2)$" if int(p.get("tau", 0)) == 2
                                  else r"$\lambda=2(1-\mathrm{Re}\,q)/|1-q|^2$"),
}


def _symbols() -> dict[str, sp.Symbol]:
    from monoverify.theory.theorems import SYMBOLS

    return {"rhoL": SYMBOLS["rho"], "gammaL": SYMBOLS["gamma"], "lam": SYMBOLS["lam"], "tau": SYMBOLS["tau"],
            "alpha": SYMBOLS["alpha"], "beta": SYMBOLS["beta"]}


def _conjuncts(expr: Any) -> list:
    e = sp.sympify(expr)
    return list(e.args) if isinstance(e, sp.And) else [e]


def _substitutions(th: Any, x: str, y: str, fixed: Mapping[str, Any]) -> dict | None:
    """``{symbol: value}`` for ``L = 1``, the fixed and the derived parameters; ``None`` if the theorem does not apply."""
    from monoverify.theory.theorems import SYMBOLS

    sym = _symbols()
    subs: dict = {SYMBOLS["L"]: sp.Integer(1)}
    for k, v in fixed.items():
        if k in sym and k not in (x, y):
            subs[sym[k]] = sp.Integer(int(v)) if k == "tau" else sp.Float(float(v))
    for name, expr in th.derived.items():
        if name in (x, y) or SYMBOLS.get(name) is None:
            return None
        val = sp.sympify(expr).subs(subs)
        s = SYMBOLS[name]
        if s in subs and sp.simplify(subs[s] - val) != 0:
            return None  # the theorem speaks of another value (e.g. tau = 2 only)
        subs[s] = val
    return subs


def _mask(parts: list, sx: sp.Symbol, xs: np.ndarray) -> np.ndarray:
    ok = np.ones_like(xs, dtype=bool)
    for p in parts:
        with np.errstate(all="ignore"):
            v = sp.lambdify(sx, p, "numpy")(xs)
        ok &= np.broadcast_to(np.asarray(v, dtype=bool), xs.shape)
    return ok


def _vlines(sx: sp.Symbol, expr: Any, xs: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """Where ``expr(x) = 0`` changes sign on the grid ``xs`` (refined by bisection): vertical lines."""
    from scipy.optimize import brentq

    f = sp.lambdify(sx, expr, "numpy")
    with np.errstate(all="ignore"):
        v = np.real(np.broadcast_to(np.asarray(f(xs), dtype=complex), xs.shape))
    out = []
    for i in np.nonzero(np.sign(v[:-1]) * np.sign(v[1:]) < 0)[0]:
        r = brentq(lambda t: float(np.real(f(t))), float(xs[i]), float(xs[i + 1]), xtol=1e-14)
        out.append((f"${sp.latex(sx)}={r:.4g}$", np.array([r, r]), np.array([]), "vline"))
    return out


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[bool]:
    """Raise :class:`_Timeout` inside the block after ``seconds`` (yields whether a limit is in force).

    A timer signal (``SIGALRM``) works in the main thread only; elsewhere no limit can be put on
    SymPy, and the block is told so (it then skips the solve)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield False
        return

    def _raise(signum: int, frame: Any) -> None:
        raise _Timeout()

    old_handler = signal.signal(signal.SIGALRM, _raise)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:  # an outer timer keeps running (approximately: the time spent here is not subtracted)
            signal.setitimer(signal.ITIMER_REAL, old_delay, old_interval)


_SOLVED: dict = {}


def _closed_form(expr: Any, sy: sp.Symbol, timeout: float) -> list | None:
    """Closed-form solutions of ``expr = 0`` for ``sy``, or ``None`` (not found within ``timeout`` s)."""
    key = (expr, sy, timeout)
    if key in _SOLVED:
        return _SOLVED[key]
    a = sp.diff(expr, sy)
    if a != 0 and not a.has(sy):           # linear: a y + b = 0
        sol = -expr.subs(sy, 0) / a
        if not sol.has(sp.Abs, sp.re, sp.im):   # a rational function: cancel common factors (cheap), else keep
            try:
                with _time_limit(min(timeout, 1.0)) as limited:
                    if limited:
                        sol = sp.cancel(sol)
            except _Timeout:
                pass
        sols: list | None = [sol]
    else:
        sols = None
        try:
            with _time_limit(timeout) as limited:
                if limited:
                    sols = list(sp.solve(sp.Eq(expr, 0), sy))
        except (_Timeout, NotImplementedError):
            sols = None
    _SOLVED[key] = sols
    return sols


def _numeric_contour(sx: sp.Symbol, sy: sp.Symbol, expr: Any, xs: np.ndarray, ys: np.ndarray,
                     ok: np.ndarray) -> list[np.ndarray]:
    """Branches ``y_k(x)`` of the zero set of ``expr`` on ``xs`` x ``[min ys, max ys]`` (NaN where absent).

    Sign changes of ``Re expr`` between neighbouring points of a fine ``y`` grid are refined by
    60 vectorised bisection steps; the k-th root from below at each ``x`` forms branch ``k``.
    A sign change across a pole is not a boundary: brackets where ``|expr|`` does not shrink are dropped."""
    f = sp.lambdify((sx, sy), expr, "numpy")
    lo, hi = float(np.min(ys)), float(np.max(ys))
    yg = np.linspace(lo, hi, max(400, 4 * len(ys)))

    def val(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            v = np.asarray(f(x, y), dtype=complex)
        v = np.broadcast_to(v, np.broadcast(x, y).shape)
        return np.where(np.abs(v.imag) <= 1e-9 * (1 + np.abs(v.real)), v.real, np.nan)

    X, Y = np.meshgrid(xs, yg, indexing="ij")
    V = val(X, Y)
    change = np.sign(V[:, :-1]) * np.sign(V[:, 1:]) < 0
    i, j = np.nonzero(change & ok[:, None])
    a, b = yg[j].copy(), yg[j + 1].copy()
    xv = xs[i]
    fa = val(xv, a)
    for _ in range(60):
        m = 0.5 * (a + b)
        fm = val(xv, m)
        left = np.sign(fm) == np.sign(fa)
        a, fa = np.where(left, m, a), np.where(left, fm, fa)
        b = np.where(left, b, m)
    root = 0.5 * (a + b)
    scale = np.maximum(np.abs(V[i, j]), np.abs(V[i, j + 1]))
    real = np.abs(val(xv, root)) <= 1e-6 * np.maximum(scale, 1e-300)   # a pole keeps |expr| large
    i, root = i[real], root[real]
    order = np.lexsort((root, i))
    i, root = i[order], root[order]
    rank = np.zeros(len(i), dtype=int)
    for k in range(1, len(i)):
        rank[k] = rank[k - 1] + 1 if i[k] == i[k - 1] else 0
    branches = []
    for r in range(int(rank.max()) + 1 if len(rank) else 0):
        yb = np.full(xs.shape, np.nan)
        yb[i[rank == r]] = root[rank == r]
        branches.append(yb)
    return branches


def _label(th: Any, fixed: Mapping[str, Any], sy: sp.Symbol, sol: Any) -> str:
    lab = LABELS.get(th.id)
    if callable(lab):
        return lab(fixed)
    if lab is not None:
        return lab
    names = {s: r"\lambda" for s in sp.sympify(sol).free_symbols | {sy} if s.name == "lam"}
    tex = sp.latex(sol, symbol_names=names)
    sy_tex = sp.latex(sy, symbol_names=names)
    # a long closed form (e.g. RAPP's lam* at tau = 5) would fill the legend: name the boundary instead
    return f"{th.id}: ${sy_tex}={tex}$" if len(tex) <= 60 else f"{th.id}: ${sy_tex}$ boundary (closed form)"


def theorem_boundaries(th: Any, x: str, y: str, fixed: Mapping[str, Any], xs: np.ndarray,
                       ys: Any = None, *, solve_timeout: float | None = None
                       ) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """Boundary pieces ``(label, x, y, kind)`` of the region theorem ``th`` on the ``(x, y)`` plane (``L = 1``).

    Parameters
    ----------
    th : Theorem
        A ``region`` theorem (others give no pieces).
    x, y : str
        Axis names (``rhoL``, ``gammaL``, ``lam``, ``alpha``).
    fixed : mapping
        The other parameters' values.
    xs : numpy.ndarray
        x values at which curves are evaluated.
    ys : array_like, optional
        The plotted y values (their range bounds a numeric contour); default: a range per axis.
    solve_timeout : float, optional
        Seconds :func:`sympy.solve` may spend on one conjunct (default :data:`SOLVE_TIMEOUT`); past
        it, the conjunct is drawn as a numeric contour labelled :data:`NUMERIC_LABEL`.
    """
    timeout = SOLVE_TIMEOUT if solve_timeout is None else float(solve_timeout)
    if not timeout > 0:
        raise ValueError(f"solve_timeout must be a number of seconds > 0, got {solve_timeout!r}")
    sym = _symbols()
    if x not in sym or y not in sym or "tau" in (x, y) or th.condition is None:
        return []
    subs = _substitutions(th, x, y, fixed)
    if subs is None:
        return []
    sx, sy = sym[x], sym[y]
    free_ok = {sx, sy}
    hyp = [sp.sympify(p).subs(subs) for p in _conjuncts(th.hypotheses)]
    cond = [sp.sympify(p).subs(subs) for p in _conjuncts(th.condition)]
    if any(p is sp.false for p in hyp + cond) or any(not p.free_symbols <= free_ok for p in hyp + cond
                                                     if p not in (sp.true, sp.false)):
        return []  # outside the hypotheses, never converges, or parameters missing
    x_only = [p for p in hyp + cond if p.free_symbols and p.free_symbols <= {sx}]
    out = []
    ok = _mask(x_only, sx, xs)
    for p in cond:
        if not isinstance(p, sp.core.relational.Relational):
            continue
        lhs_minus_rhs = p.lhs - p.rhs
        if sy in p.free_symbols:
            sols = _closed_form(lhs_minus_rhs, sy, timeout)
            if sols is None:
                yr = _Y_RANGE.get(y, (0.0, 1.0)) if ys is None or np.size(ys) < 2 else ys
                for k, yb in enumerate(_numeric_contour(sx, sy, lhs_minus_rhs, xs, np.asarray(yr, float), ok)):
                    rel = f"${sp.latex(p)}$" if len(sp.latex(p)) <= 60 else f"condition {cond.index(p) + 1}"
                    out.append((f"{th.id}: {rel} {NUMERIC_LABEL}" if k == 0 else f"_{th.id} branch {k + 1}",
                                xs, yb, "curve"))
                continue
            for sol in sols:
                with np.errstate(all="ignore"):
                    ys = np.broadcast_to(np.asarray(sp.lambdify(sx, sol, "numpy")(xs)), xs.shape)
                ys = np.where(ok & np.isreal(ys), np.real(ys), np.nan).astype(float)
                out.append((_label(th, fixed, sy, sol), xs, ys, "curve"))
        elif p.free_symbols == {sx}:
            out.extend(_vlines(sx, lhs_minus_rhs, xs))
    return out


def derived_boundaries(method: str, family: str, x: str, y: str, fixed: Mapping[str, Any], xs: np.ndarray,
                       ys: Any = None, *, solve_timeout: float | None = None
                       ) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """Boundaries of every registered region theorem of ``method`` on ``family`` (see the module docstring
    and :func:`theorem_boundaries` for ``ys`` and ``solve_timeout``)."""
    from monoverify.theory.theorems import THEOREMS

    # the phase diagram's "bilinear" family is the scalar game F(x, y) = (y, -x): a theorem of the scalar game
    # (family bilinear_scalar) speaks of it too
    names = {family} | ({"bilinear_scalar"} if family == "bilinear" else set())
    out = []
    for th in THEOREMS.values():
        if th.kind == "region" and th.method == method and names & set(th.family):
            out.extend(theorem_boundaries(th, x, y, fixed, xs, ys, solve_timeout=solve_timeout))
    return out


def overlays(method: str, family: str, x: str, fixed: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The labelled constants of :data:`BOUNDARIES` that apply: ``(label, x value)``."""
    out = []
    for b in BOUNDARIES:
        if method not in b["methods"] or b["x"] != x or b.get("family", "lower_bound") != family:
            continue
        if all(k in fixed and abs(float(fixed[k]) - v) < 1e-12 for k, v in b.get("when", {}).items()):
            out.append((b["label"], float(b["value"])))
    return out


def plot_boundaries(ax: Any, pieces: list, consts: list, y_range: tuple[float, float]) -> None:
    """Draw derived curves (gold, dashed styles) and vertical lines (grey, labelled) on ``ax``."""
    styles = iter(["--", ":", "-."] * 4)
    for label, bx, by, kind in pieces:
        if kind == "curve":
            ax.plot(bx, by, color="gold", ls=next(styles), lw=2.0, label=label)
        else:
            consts = consts + [(label, float(bx[0]))]
    for label, v in consts:
        ax.axvline(v, color="0.25", ls=":", lw=1.0)
        ax.text(v, 0.98, " " + label, transform=ax.get_xaxis_transform(), rotation=90,
                va="top", ha="right", fontsize="small", color="0.15")


