r"""Boundaries drawn on phase diagrams, derived from the theorem registry (SPEC §5.2).

Every ``region`` theorem of :data:`monoverify.theory.THEOREMS` whose method and family match a
diagram contributes its boundary: its ``condition`` (with ``L = 1``, the fixed parameters and the
theorem's derived parameters substituted) is split into conjuncts; a conjunct in the y-axis
parameter is solved for it (:func:`sympy.solve`) and lambdified into a curve ``y(x)``, drawn where
the other conjuncts and the hypotheses hold; a conjunct in the x-axis parameter alone gives
vertical lines. Adding a region theorem therefore draws its boundary.

The overlays of SPEC §5.2 that are *not* registered conditions live in :data:`BOUNDARIES`
(labelled constants, the one place they are written); :data:`LABELS` holds display names only.

At ``gamma L = 1`` two registered conditions give the same curve: PLPFC22's ``2c + alpha = 1``
(``eg+.lower_bound_game``) and SPEC R15's any-``gamma`` condition
(``eg+.lower_bound_game_general_t``), which reduces to it since ``t(1 - 2c^2) - c = (1 - 2c)(1 + c)``
at ``t = 1``:

>>> import numpy as np
>>> [(label, np.round(y[[0, -1]], 3).tolist()) for label, x, y, kind in
...  derived_boundaries("eg+", "lower_bound", "rhoL", "alpha", {"gammaL": 1.0}, np.linspace(-0.4, 0.0, 5))]
[('$2c+\\alpha=1$', [0.2, 1.0]), ('eg+.lower_bound_game_general_t: $\\alpha=2.0 \\rho + 1.0$', [0.2, 1.0])]
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import sympy as sp

__all__ = ["BOUNDARIES", "LABELS", "derived_boundaries", "theorem_boundaries", "overlays"]

#: overlays of SPEC §5.2 that are not the condition of a registered theorem (x = rhoL = -c): labelled constants
BOUNDARIES: list[dict] = [
    dict(methods=("eg+",), x="rhoL", label=r"$c=1/8$", value=-1 / 8, note="DDJ21: EG+ guarantee needs c < 1/8"),
    dict(methods=("eg+",), x="rhoL", label=r"$c=1/2$", value=-1 / 2, note="alpha -> 0 limit of 2c + alpha < 1"),
    dict(methods=("la-gda",), x="rhoL", when={"tau": 2}, label=r"$c=1/(3\sqrt{3})$", value=-1 / (3 * math.sqrt(3)),
         note="SPEC §5.2 LA-GDA(tau=2) overlay"),
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
            "alpha": SYMBOLS["alpha"]}


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


def _label(th: Any, fixed: Mapping[str, Any], sy: sp.Symbol, sol: Any) -> str:
    lab = LABELS.get(th.id)
    if callable(lab):
        return lab(fixed)
    return lab if lab is not None else f"{th.id}: ${sp.latex(sy)}={sp.latex(sol)}$"


def theorem_boundaries(th: Any, x: str, y: str, fixed: Mapping[str, Any], xs: np.ndarray
                       ) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """Boundary pieces ``(label, x, y, kind)`` of the region theorem ``th`` on the ``(x, y)`` plane (``L = 1``)."""
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
            try:
                sols = sp.solve(sp.Eq(lhs_minus_rhs, 0), sy)
            except NotImplementedError:
                continue
            for sol in sols:
                with np.errstate(all="ignore"):
                    ys = np.broadcast_to(np.asarray(sp.lambdify(sx, sol, "numpy")(xs)), xs.shape)
                ys = np.where(ok & np.isreal(ys), np.real(ys), np.nan).astype(float)
                out.append((_label(th, fixed, sy, sol), xs, ys, "curve"))
        elif p.free_symbols == {sx}:
            out.extend(_vlines(sx, lhs_minus_rhs, xs))
    return out


def derived_boundaries(method: str, family: str, x: str, y: str, fixed: Mapping[str, Any], xs: np.ndarray
                       ) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """Boundaries of every registered region theorem of ``method`` on ``family`` (see the module docstring)."""
    from monoverify.theory.theorems import THEOREMS

    out = []
    for th in THEOREMS.values():
        if th.kind == "region" and th.method == method and family in th.family:
            out.extend(theorem_boundaries(th, x, y, fixed, xs))
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


