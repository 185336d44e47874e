"""Cells: one point of a theorem's parameter space, normalised, at one scale — the conversion written once.

A theorem's expressions (hypotheses, bound, condition, method parameters) use the symbols of
:data:`~monoverify.theory.theorems.SYMBOLS`. A battery picks its points in **normalised**
coordinates, which do not change when the problem is rescaled (z -> s z, F -> a F: ``L -> a L``,
``rho -> rho/a``, ``gamma -> gamma/a``, ``sigma -> a s sigma``, ``D0 -> s^2 D0``; see
:data:`UNITS`): ``c = -rho L``, ``t = gamma L``, and every other symbol divided by ``L^p r^q`` for its
units ``(p, q)`` (``mu/L``, ``sigma/(L r)``; ``lam``, ``alpha``, ``tau``, ``K`` are numbers). A
:class:`Cell` is such a point plus its scale: ``L`` and ``r = ||z0 - z*||``.

:func:`absolute` is the one conversion from a cell to the absolute values the expressions take (for
an instance whose exact constants are ``rho``, ``L`` and whose start has ``D0``), derived parameters
(e.g. RAPP's ``tau`` from ``K``) included; :func:`normalise` is its inverse. Every evidence source
(runs, the adversary, PEP references, proofs, strategies) goes through these two.

>>> from monoverify.theory.theorems import get
>>> th = get("pp.last_iterate")
>>> cell = Cell({"c": 0.2, "t": 1.0, "K": 10}, L=2.0, r=3.0)
>>> v = absolute(th, cell.norm, rho=-0.1, L=2.0, D0=9.0)
>>> v["gamma"], v["rho"], round(float(evaluate(th.bound, v, 1)[0]), 6)      # 9/(0.5 (0.5 - 0.2) 10)
(0.5, -0.1, 6.0)
>>> normalise(v)["c"], normalise(v)["t"]
(0.2, 1.0)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp

from monoverify.solvers import make

from ..theorems import SYMBOLS, Theorem

__all__ = ["ARGS", "UNITS", "OUTSIDE", "Cell", "lambdify", "evaluate", "derive", "absolute", "normalise",
           "method_for", "method_at", "group_cells", "label_params", "column", "NORMALISED"]

#: the symbols a theorem's expressions may use, in the order of the lambdified arguments (all of SYMBOLS)
ARGS = list(SYMBOLS)

#: units ``(p, q)`` of a symbol: it scales as ``a^p s^q`` under ``z -> s z``, ``F -> a F`` (``L -> a L``)
UNITS: dict[str, tuple[int, int]] = {"rho": (-1, 0), "L": (1, 0), "gamma": (-1, 0), "mu": (1, 0),
                                     "sigma": (1, 1), "D0": (0, 2), "D": (0, 1), "c0": (0, 1)}

#: normalised coordinate of a symbol (``c = -rho L``, ``t = gamma L``; others keep their name)
NORMALISED = {"rho": "c", "gamma": "t"}

#: why an explored cell outside the hypotheses is not judged
OUTSIDE = "outside the hypotheses (explored: no claim)"


@dataclass
class Cell:
    """One normalised point (``norm``: ``c``, ``t``, ``lam``, ``tau``, ``alpha``, ``sigma``, ``K`` ...) at
    the scale ``L`` (operator) and ``r = ||z0 - z*||`` (problem); ``origin`` says how the battery found
    it (``grid``, ``boundary``, ``corner``, ``extreme``, ``exact boundary``, ``interior``, ``scale``,
    ``horizon``, ``pinned``); ``inside``: the hypotheses hold (``False`` only for explored cells).
    """

    norm: dict
    L: float = 1.0
    r: float = 1.0
    origin: str = "grid"
    inside: bool = True
    values: dict = field(default_factory=dict)

    def __getitem__(self, k: str) -> Any:
        if k == "L":
            return self.L
        return self.values[k] if self.values and k in self.values else self.norm[k]

    def get(self, k: str, default: Any = None) -> Any:
        try:
            return self[k]
        except KeyError:
            return default

    def key(self) -> tuple:
        """Identity of the point (for de-duplication)."""
        return (tuple(sorted((k, round(float(v), 12)) for k, v in self.norm.items())),
                round(math.log10(self.L), 9), round(math.log10(self.r), 9))

    def at(self, **changes: Any) -> "Cell":
        """A copy with normalised coordinates (or ``L``, ``r``, ``origin``) changed."""
        kw = {k: changes.pop(k) for k in ("L", "r", "origin", "inside") if k in changes}
        return Cell({**self.norm, **changes}, kw.get("L", self.L), kw.get("r", self.r),
                    kw.get("origin", self.origin), kw.get("inside", self.inside))


def lambdify(expr: Any) -> Callable:
    """``expr`` as a NumPy function of the symbols ``ARGS`` (positional, in that order); compiled once."""
    return _lambdified(sp.sympify(expr), tuple(ARGS))


@functools.lru_cache(maxsize=4096)
def _lambdified(expr: sp.Basic, args: tuple) -> Callable:
    f = sp.lambdify([SYMBOLS[a] for a in args], expr, modules=["numpy"])

    @functools.wraps(f)
    def quiet(*xs: Any) -> Any:
        # outside an expression's domain (arccos of a value below -1 in a widened variant's region,
        # 0/0 at a boundary) NumPy gives NaN, which the callers read as "not satisfied" / undefined
        with np.errstate(all="ignore"):
            return f(*xs)
    return quiet


def evaluate(expr: Any, vals: Mapping[str, Any], n: int) -> np.ndarray:
    """``expr`` at ``vals`` (missing symbols are NaN), broadcast to ``(n,)`` when scalar."""
    f = lambdify(expr)
    out = f(*[np.asarray(vals.get(a, np.nan), dtype=float) for a in ARGS])
    return np.broadcast_to(np.asarray(out), (n,)) if np.ndim(out) == 0 else np.asarray(out)


def derive(th: Theorem, vals: dict) -> None:
    """Evaluate ``th.derived`` into ``vals`` in dependency order (RAPP's tau needs D, which needs D0)."""
    pending = dict(th.derived)
    while pending:
        ready = [n for n, e in pending.items() if all(s.name not in pending for s in sp.sympify(e).free_symbols)]
        if not ready:
            raise ValueError(f"theorem {th.id}: circular derived parameters {sorted(pending)}")
        for n in ready:
            vals[n] = float(evaluate(pending.pop(n), vals, 1)[0])
    t = vals.get("tau")
    if t is not None and not (isinstance(t, float) and math.isnan(t)) and math.isfinite(float(t)):
        vals["tau"] = int(round(float(t)))


def absolute(th: Theorem, norm: Mapping[str, Any], *, rho: float, L: float, D0: float, **consts: float) -> dict:
    """The absolute values of a normalised point on an instance with exact ``rho``, ``L`` and start ``D0``.

    ``rho`` and ``L`` are the instance's own (a family may not attain ``-c/L`` exactly, e.g. a random
    non-normal map); every other symbol is ``norm * L^p r^q`` for its :data:`UNITS` (``r = sqrt(D0)``).
    ``consts``: further exact constants of the instance (e.g. its strong monotonicity ``mu``), which
    take the place of the point's value. Symbols the point does not set are NaN; derived parameters
    are evaluated last.
    """
    r = math.sqrt(D0)
    vals: dict = {a: math.nan for a in ARGS}
    vals.update(rho=float(rho), L=float(L), D0=float(D0))
    inv = {v: k for k, v in NORMALISED.items()}
    for k, v in norm.items():
        name = inv.get(k, k)
        if name in ("rho", "L", "D0") or name not in SYMBOLS:
            continue
        p, q = UNITS.get(name, (0, 0))
        if name == "gamma":
            vals[name] = float(v) / float(L)
        elif name == "tau" or name == "K":
            vals[name] = v if isinstance(v, (int, np.integer)) else float(v)
        else:
            vals[name] = float(v) * float(L) ** p * r ** q
    vals.update({k: float(v) for k, v in consts.items() if k in SYMBOLS})
    derive(th, vals)
    return vals


def normalise(values: Mapping[str, Any]) -> dict:
    """The normalised coordinates of absolute ``values`` (inverse of :func:`absolute`; NaNs dropped)."""
    L = float(values.get("L", 1.0))
    D0 = values.get("D0", 1.0)
    r = math.sqrt(float(D0)) if D0 is not None and not math.isnan(float(D0)) else 1.0
    out = {}
    for k, v in values.items():
        if k in ("L", "D0") or v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if k == "rho":
            out["c"] = -float(v) * L
        elif k == "gamma":
            out["t"] = float(v) * L
        elif k in ("tau", "K"):
            out[k] = int(v) if float(v) == int(float(v)) else float(v)
        elif k in SYMBOLS:
            p, q = UNITS.get(k, (0, 0))
            out[k] = float(v) / (L ** p * r ** q)
    return out


def method_at(th: Theorem, vals: Mapping[str, Any]):
    """The theorem's registered method at one set of absolute values."""
    kw = {}
    for p, expr in th.method_params.items():
        v = float(evaluate(expr, vals, 1)[0])
        kw[p] = int(round(v)) if p == "tau" else v
    return make(th.method, **kw)


def method_for(th: Theorem, cells: list) -> Any:
    """The theorem's registered method with the hyper-parameters of ``cells`` (batched when several).

    ``cells``: :class:`Cell` objects with their absolute ``values`` set, or dicts of absolute values.
    """
    vals = [c.values if isinstance(c, Cell) else c for c in cells]
    if len(vals) == 1:
        return method_at(th, vals[0])
    kw = {}
    for p, expr in th.method_params.items():
        v = np.array([float(evaluate(expr, x, 1)[0]) for x in vals])
        kw[p] = int(round(v[0])) if p == "tau" else v
    return make(th.method, **kw)


def _tau_key(cell: Cell) -> int | None:
    t = cell.values.get("tau")
    return None if t is None or (isinstance(t, float) and np.isnan(t)) else int(t)


def group_cells(cells: list, by_K: bool) -> dict:
    """Cells that one batched run can share: same structural ``tau`` (and horizon ``K``)."""
    groups: dict = {}
    for cell in cells:
        K = cell.values.get("K")
        groups.setdefault((_tau_key(cell), int(K) if by_K else None), []).append(cell)
    return groups


def label_params(cell: Cell) -> dict:
    """The cell's defined absolute values (what reports show), with its origin and scale."""
    out = {k: v for k, v in cell.values.items() if not (isinstance(v, float) and np.isnan(v))}
    out["origin"] = cell.origin
    return out


def column(cells: list, name: str) -> np.ndarray:
    """The absolute values of ``name`` over ``cells`` as a float array (NaN where undefined)."""
    return np.array([float(c.values.get(name, np.nan)) for c in cells], dtype=float)
