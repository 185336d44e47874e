"""A theorem's battery: its instances and, for each, the cells it admits inside the hypotheses.

>>> from monoverify.theory.theorems import get
>>> bat = battery(get("pp.last_iterate"), quick=True)
>>> inst, cells = bat[0]
>>> inst.label, inst.stackable, len(cells) > 0
('LowerBoundGame(c=0, L=1)', True, True)
"""

from __future__ import annotations

import itertools

from ..theorems import Theorem
from .cells import Cell, absolute, evaluate
from .instances import FIXED, OWN_CONSTANTS, instances_for

__all__ = ["Battery", "battery", "grid"]


def grid(th: Theorem, quick: bool, overrides: dict) -> list[dict]:
    """The theorem's grid combinations (``quick``: first, middle and last values, ``K <= 100``)."""
    g = dict(th.grid)
    if quick:
        g = {k: (v if len(v) <= 3 else tuple(v[i] for i in sorted({0, len(v) // 2, len(v) - 1}))) for k, v in g.items()}
        if "K" in g:
            g["K"] = tuple(sorted({min(k, 100) for k in g["K"]}))
    for k, v in overrides.items():
        g[k] = (v,)
    keys = list(g)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(g[k] for k in keys))]


def _overrides(params: dict) -> dict:
    """Pinned parameters in grid units (``c = -rho L``, ``t = gamma L``; the others as given)."""
    over = {}
    Lp = float(params.get("L", 1.0))
    if "L" in params:
        over["L"] = Lp
    if "rho" in params:
        over["c"] = -float(params["rho"]) * Lp
    if "gamma" in params:
        over["t"] = float(params["gamma"]) * Lp
    for k, v in params.items():
        if k not in ("L", "rho", "gamma"):
            over[k] = v
    return over


def battery(th: Theorem, *, quick: bool = False, seed: int = 0, params: dict | None = None,
            explore: bool = False, sampled: bool = True, cells: list | None = None) -> "Battery":
    """Instances and the cells each admits: ``[(instance, [Cell, ...]), ...]``, each cell with its absolute
    ``values`` on that instance and ``inside`` set (cells outside the hypotheses are kept only with
    ``explore``; they are never judged). ``cells``: the normalised cells (default :func:`~.sampling.sample`
    of the grid, or the grid with ``params`` pinned)."""
    if cells is None:
        over = _overrides(dict(params or {}))
        combos = grid(th, quick, over)
        if sampled and not set(over) - set(FIXED):
            from .sampling import sample

            cells = sample(th, quick=quick, seed=seed, grid=combos)
            pins = {k: v for k, v in over.items() if k in FIXED}
            if pins:   # a pinned noise level holds in every sampled cell (in unit-scale terms: rescaled copies scale it)
                cells = list({repr((sorted(c.norm.items()), c.L, c.r)): c
                              for c in (c.at(**pins) for c in cells)}.values())
        else:
            cells = [Cell({k: v for k, v in g.items() if k != "L"}, float(g.get("L", 1.0)),
                          origin="pinned" if params else "grid") for g in combos]
    if th.kind == "rate":
        cells = [c if "K" in c.norm else c.at(K=100) for c in cells]
    out: dict = {}
    built: dict = {}
    seen: set = set()
    refused = 0
    for cell in cells:
        cval = float(cell.norm.get("c", 0.0))
        for fam in th.family:
            own = fam in OWN_CONSTANTS
            key = (fam,) if own else (fam, round(cval, 15), cell.L)
            if key not in built:
                built[key] = instances_for(fam, cval, cell.L, quick, seed)
            for inst in built[key]:
                if own:   # the instance carries its own constants: one pass over the other coordinates
                    rest = (id(inst), tuple(sorted((k, v) for k, v in cell.norm.items() if k != "c")), cell.r)
                    if rest in seen:
                        continue
                    seen.add(rest)
                vals = absolute(th, cell.norm, rho=inst.rho, L=inst.L, D0=inst.D0, **inst.consts)
                inside = bool(evaluate(th.hypotheses, vals, 1)[0])
                if not inside and not explore:
                    refused += cell.origin in ("grid", "pinned")
                    continue
                c2 = Cell(cell.norm, cell.L, cell.r, cell.origin, inside, vals)
                out.setdefault(id(inst), (inst, []))[1].append(c2)
    return Battery(list(out.values()), refused)


class Battery(list):
    """``[(instance, cells), ...]`` with ``refused``: grid cells outside the hypotheses (skipped)."""

    def __init__(self, entries: list, refused: int = 0):
        super().__init__(entries)
        self.refused = refused
