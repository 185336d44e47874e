"""Cells sampled from a theorem's hypothesis region, boundaries included.

A theorem's battery is no longer only its hand-written grid: :func:`sample` returns, in the
normalised units of the registry (``c = -rho L``, ``t = gamma L``, ``lam``, ``tau``, ``alpha``,
``K``, ``L``),

* the grid combinations (the seeds, unchanged, so earlier numbers stay reproducible);
* for every inequality conjunct of the hypotheses and every continuous variable it involves,
  points at relative distance ``1e-3``, ``1e-2``, ``1e-1`` *inside* its boundary (the boundary
  is found by bisection along that variable with the others fixed at a seed);
* for ``region`` theorems, the same on both sides of every conjunct of the condition;
* a few seeded uniform points of the grid's box that satisfy the hypotheses;
* the theorem's ``focus_cells`` (a mutant's cells where it differs from the original).

A widened hypothesis therefore brings in cells next to its new boundary, where a wrong
statement fails. Everything is seeded: the same theorem, ``quick`` and ``seed`` give the same
cells.

>>> from monoverify.theory import THEOREMS
>>> cells = sample(THEOREMS["pp.last_iterate"], quick=True)
>>> max(c["c"] / c["t"] for c in cells) > 0.49     # next to the boundary c = t/2
True
>>> all(THEOREMS["pp.last_iterate"].admits(rho=-c["c"], L=1, gamma=c["t"]) for c in cells)
True
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, Callable

import numpy as np
import sympy as sp

from ..theorems import SYMBOLS, Theorem
from ..theorems.core import conjuncts  # noqa: F401  (re-exported: the judge's modules import it from here)

__all__ = ["sample", "normalised", "conjuncts", "boundary_points", "DOMAIN", "MAX_TAU"]

_c, _t = sp.Symbol("c", real=True), sp.Symbol("t", real=True)
#: normalised coordinates of a cell, in the order the lambdified functions take them
NORM = ("c", "t", "lam", "tau", "alpha", "K", "L")
_NSYM = {"c": _c, "t": _t, **{k: SYMBOLS[k] for k in ("lam", "tau", "alpha", "K", "L")}}
#: continuous coordinates searched for boundaries, with the range a cell may take
DOMAIN: dict[str, tuple[float, float]] = {"c": (-1.0, 1.0), "t": (1e-6, 20.0), "lam": (1e-6, 4.0),
                                          "alpha": (1e-6, 2.0)}
#: sampled cells whose derived inner-step count exceeds this (cost guard) or is below 1 (the method
#: is undefined there) are dropped
MAX_TAU = 1000
DELTAS_FULL = (1e-3, 1e-2, 1e-1)
DELTAS_QUICK = (1e-3, 1e-1)


def normalised(expr: Any, th: Theorem) -> sp.Expr:
    """``expr`` in normalised symbols: ``rho = -c/L``, ``gamma = t/L``, derived values substituted (``D0 = 1``)."""
    e = sp.sympify(expr)
    derived = {SYMBOLS[k]: v for k, v in th.derived.items() if k in SYMBOLS}
    for _ in range(4):
        e = e.subs(derived)
    return e.subs({SYMBOLS["rho"]: -_c / SYMBOLS["L"], SYMBOLS["gamma"]: _t / SYMBOLS["L"], SYMBOLS["D0"]: 1})


@functools.lru_cache(maxsize=512)
def _fn(expr: Any) -> Callable[[dict], bool]:
    f = sp.lambdify([_NSYM[k] for k in NORM], expr, modules=["numpy"])

    def call(cell: dict) -> bool:
        args = [float(cell.get(k, np.nan)) if k != "L" else float(cell.get("L", 1.0)) for k in NORM]
        with np.errstate(all="ignore"):
            try:
                return bool(f(*args))
            except (TypeError, ValueError, ZeroDivisionError):
                return False
    return call


def _scale(v: str, th: Theorem) -> float:
    vals = [abs(float(x)) for x in th.grid.get(v, ())]
    return max([0.1, *vals])


def boundary_points(part: Any, th: Theorem, seed_cell: dict, var: str, deltas: tuple,
                    inside: bool = True) -> list[dict]:
    """Points on the ``inside`` (or outside) of conjunct ``part`` next to its boundary along ``var``.

    Starting from ``seed_cell`` (normalised), step along ``var`` in both directions (doubling
    steps, within :data:`DOMAIN`) until ``part`` changes value, bisect for the boundary ``b`` and
    return cells at ``b -/+ delta * max(|b|, scale)`` on the requested side.
    """
    holds = _fn(normalised(part, th))
    lo, hi = DOMAIN[var]
    x0 = float(seed_cell[var])
    v0 = holds(seed_cell)
    scale = _scale(var, th)
    out = []
    for d in (1.0, -1.0):
        step, prev, found = 0.02 * scale, x0, None
        for _ in range(14):
            x = min(max(prev + d * step, lo), hi)
            if holds({**seed_cell, var: x}) != v0:
                found = (prev, x)
                break
            if x in (lo, hi):
                break
            prev, step = x, step * 2
        if found is None:
            continue
        a, b = found
        for _ in range(60):
            m = (a + b) / 2
            a, b = (m, b) if holds({**seed_cell, var: m}) == v0 else (a, m)
        bnd = (a + b) / 2
        # the seed's side of the boundary is -d; the other side is +d
        side = -d if v0 == inside else d
        for delta in deltas:
            x = bnd + side * delta * max(abs(bnd), scale)
            if lo <= x <= hi:
                cell = {**seed_cell, var: x}
                if holds(cell) == inside:
                    out.append(cell)
    return out


def _relations(expr: Any) -> list:
    return [p for p in conjuncts(expr) if isinstance(p, sp.core.relational.Relational) and not isinstance(p, sp.Eq)]


def _searchable(part: Any, th: Theorem) -> list[str]:
    names = {s.name for s in normalised(part, th).free_symbols}
    return [v for v in DOMAIN if v in names]


def _key(cell: dict) -> tuple:
    return tuple(sorted((k, round(float(v), 12)) for k, v in cell.items()))


def sample(th: Theorem, *, quick: bool = False, seed: int = 0, grid: list[dict] | None = None,
           n_random: int | None = None) -> list[dict]:
    """Normalised cells for ``th``: grid seeds, boundary neighbourhoods and random interior points.

    Parameters
    ----------
    th : Theorem
    quick : bool
        Fewer seeds per boundary, two distances (``1e-3``, ``1e-1``) instead of three.
    seed : int
        Seed of every random choice (reproducible cells).
    grid : list of dict, optional
        The seed combinations (default: the full product of ``th.grid``).
    n_random : int, optional
        Uniform points of the grid's box kept when admitted (default 2 quick, 8 full).

    Returns
    -------
    list of dict
        Grid combinations first (all of them, admitted or not: the checker reports refusals),
        then the new admitted cells, without duplicates.
    """
    rng = np.random.default_rng(seed)
    if grid is None:
        keys = list(th.grid)
        grid = [dict(zip(keys, combo)) for combo in itertools.product(*(th.grid[k] for k in keys))]
    hyp = normalised(th.hypotheses, th)
    admitted_fn = _fn(hyp)
    tau_fn = _fn_value(th)
    seeds = [g for g in grid if admitted_fn(g)]
    if not seeds:
        return list(grid)
    deltas = DELTAS_QUICK if quick else DELTAS_FULL
    per_boundary = 1 if quick else 3
    new: list[dict] = []
    targets = [(p, True) for p in _relations(th.hypotheses)]
    if th.kind == "region" and th.condition is not None:
        targets += [(p, side) for p in _relations(th.condition) for side in (True, False)]
    for part, side in targets:
        for var in _searchable(part, th):
            order = rng.permutation(len(seeds))
            got = 0
            for i in order:
                pts = boundary_points(part, th, seeds[int(i)], var, deltas, inside=side)
                pts = [q for p in pts for q in ([p] if admitted_fn(p) else _repair(th, p, var, deltas))
                       if admitted_fn(q)]
                if pts:
                    new.extend(pts)
                    got += 1
                if got >= per_boundary:
                    break
    n_random = (2 if quick else 8) if n_random is None else n_random
    new.extend(_random_interior(th, seeds, admitted_fn, rng, n_random))
    new.extend(dict(c) for c in th.focus_cells if admitted_fn(c))
    seen = {_key(g) for g in grid}
    out = list(grid)
    for cell in new:
        k = _key(cell)
        if k in seen or (tau_fn is not None and not 1 <= tau_fn(cell) <= MAX_TAU):
            continue
        seen.add(k)
        out.append(cell)
    return out


def _repair(th: Theorem, cell: dict, keep: str, deltas: tuple) -> list[dict]:
    """Move a boundary point that breaks other conjuncts back inside them along another variable.

    A widened conjunct may add a region that the grid's other values cannot reach (e.g.
    ``alpha > 1`` needs ``rho > 0`` under EG+'s other hypothesis): for each violated conjunct,
    step along each of its other variables to its boundary and just inside.
    """
    out = [cell]
    for part in _relations(th.hypotheses):
        holds = _fn(normalised(part, th))
        nxt = []
        for p in out:
            if holds(p):
                nxt.append(p)
                continue
            for var in _searchable(part, th):
                if var != keep:
                    nxt.extend(boundary_points(part, th, p, var, deltas[:1], inside=True))
        out = nxt[:4]
    return out


def _fn_value(th: Theorem) -> Callable[[dict], float] | None:
    if "tau" not in th.derived:
        return None
    e = normalised(SYMBOLS["tau"], th)
    f = sp.lambdify([_NSYM[k] for k in NORM], e, modules=["numpy"])

    def call(cell: dict) -> float:
        with np.errstate(all="ignore"):
            v = f(*[float(cell.get(k, np.nan)) if k != "L" else float(cell.get("L", 1.0)) for k in NORM])
        v = float(v)
        return v if np.isfinite(v) else np.inf
    return call


def _random_interior(th: Theorem, seeds: list[dict], ok: Callable, rng: np.random.Generator, n: int) -> list[dict]:
    box = {v: (min(map(float, th.grid[v])), max(map(float, th.grid[v]))) for v in DOMAIN if v in th.grid}
    box = {v: b for v, b in box.items() if b[1] > b[0]}
    out: list[dict] = []
    if not box:
        return out
    for _ in range(20 * n):
        if len(out) >= n:
            break
        base = dict(seeds[int(rng.integers(len(seeds)))])
        cell = {**base, **{v: float(rng.uniform(*b)) for v, b in box.items()}}
        if ok(cell):
            out.append(cell)
    return out
