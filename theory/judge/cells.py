"""Cells: one parameter combination of a theorem, its derived parameters and its method.

A theorem's expressions (hypotheses, bound, condition, method parameters) are SymPy expressions
of the symbols in ``ARGS``; this module evaluates them on cells, derives dependent parameters
(e.g. RAPP's ``tau`` from ``K``) and builds the (batched) method of a group of cells.

>>> from monoverify.theory.theorems import get
>>> vals = {"rho": -0.2, "L": 1.0, "gamma": 1.0, "K": 10.0, "D0": 1.0}
>>> round(float(evaluate(get("pp.last_iterate").bound, vals, 1)[0]), 6)
0.166667
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp

from monoverify.solvers import make

from ..theorems import SYMBOLS, Theorem

__all__ = ["ARGS", "OUTSIDE", "Cell", "lambdify", "evaluate", "derive", "method_for", "group_cells", "label_params"]

#: the symbols a theorem's expressions may use, in the order of the lambdified arguments
ARGS = ["K", "D0", "rho", "L", "gamma", "lam", "tau", "alpha", "D", "c0", "sigma", "mu", "beta", "alpha0", "depth", "wstar", "l1star", "ksharp", "varrho", "l1gap", "dother"]


#: why an explored cell outside the hypotheses is not judged
OUTSIDE = "outside the hypotheses (explored: no claim)"


@dataclass
class Cell:
    """One parameter combination: values of rho, L, gamma, lam, tau, alpha, K, D0, D, c0, sigma.

    ``inside``: the values satisfy the theorem's hypotheses (``False`` only for cells run with
    ``explore=True``: measured and shown, never judged).
    """

    values: dict
    inside: bool = True

    def __getitem__(self, k: str) -> Any:
        return self.values[k]


def lambdify(expr: Any) -> Callable:
    """``expr`` as a NumPy function of the symbols ``ARGS`` (positional, in that order).

    Compiled once per expression (a battery evaluates the same bound and derived parameters on
    every cell; SymPy's code printer costs milliseconds a call).
    """
    return _lambdified(sp.sympify(expr))


@functools.lru_cache(maxsize=4096)
def _lambdified(expr: sp.Basic) -> Callable:
    f = sp.lambdify([SYMBOLS[a] for a in ARGS], expr, modules=["numpy"])

    @functools.wraps(f)
    def quiet(*args: Any) -> Any:
        # outside an expression's domain (arccos of a value below -1 in a widened mutant's region,
        # 0/0 at a boundary) NumPy gives NaN, which the callers read as "not satisfied" / undefined
        with np.errstate(all="ignore"):
            return f(*args)
    return quiet


def evaluate(expr: Any, vals: dict, n: int) -> np.ndarray:
    """``expr`` at ``vals`` (missing symbols are NaN), broadcast to ``(n,)`` when scalar."""
    f = lambdify(expr)
    args = [np.asarray(vals.get(a, np.nan), dtype=float) for a in ARGS]
    out = f(*args)
    return np.broadcast_to(np.asarray(out), (n,)) if np.ndim(out) == 0 else np.asarray(out)


def derive(th: Theorem, vals: dict) -> None:
    """Evaluate ``th.derived`` into ``vals`` in dependency order (RAPP's tau needs D, which needs D0)."""
    pending = dict(th.derived)
    while pending:
        ready = [n for n, e in pending.items()
                 if all(s.name not in pending for s in sp.sympify(e).free_symbols)]
        if not ready:
            raise ValueError(f"theorem {th.id}: circular derived parameters {sorted(pending)}")
        for n in ready:
            vals[n] = float(evaluate(pending.pop(n), vals, 1)[0])


def method_for(th: Theorem, cells: list[Cell]):
    """The theorem's registered method with the hyper-parameters of ``cells`` (batched when several)."""
    n = len(cells)
    kw = {}
    for p, expr in th.method_params.items():
        v = np.array([float(evaluate(expr, c.values, 1)[0]) for c in cells])
        if p == "tau":
            kw[p] = int(v[0])
        else:
            kw[p] = v if n > 1 else float(v[0])
    return make(th.method, **kw)


def _tau_key(cell: Cell) -> int | None:
    t = cell.values.get("tau")
    return None if t is None or (isinstance(t, float) and np.isnan(t)) else int(t)


def group_cells(cells: list[Cell], by_K: bool) -> dict:
    """Cells that one batched run can share: same structural ``tau`` (and horizon ``K``)."""
    groups: dict = {}
    for cell in cells:
        groups.setdefault((_tau_key(cell), int(cell["K"]) if by_K else None), []).append(cell)
    return groups


def label_params(cell: Cell) -> dict:
    """The cell's defined (non-NaN) values."""
    return {k: v for k, v in cell.values.items() if not (isinstance(v, float) and np.isnan(v))}


def column(cells: list[Cell], name: str) -> np.ndarray:
    """The values of ``name`` over ``cells`` as a float array (NaN where undefined)."""
    return np.array([c.values.get(name, np.nan) for c in cells], dtype=float)
