"""The cells of a theorem, drawn from its statement alone: region, boundaries, corners, extremes.

:func:`sample` returns :class:`~monoverify.theory.judge.cells.Cell` objects in normalised units
(``c = -rho L``, ``t = gamma L``, ``lam``, ``alpha``, ``tau``, ``K`` ...; the scale ``L`` too when the
hypotheses depend on it). Nothing in it reads another theorem, a mutation or a diff: the same
statement always gives the same cells (everything is seeded). In order:

* the grid combinations (the seeds, unchanged, admitted or not: the checker reports refusals);
* **boundaries**: for every inequality conjunct and every coordinate in it, points at relative
  distances ``DELTAS`` inside its boundary (found by a ray search and bisection along that
  coordinate), from grid seeds and from random points of the region;
* **corners**: every pair (and, with few conjuncts, every triple) of conjuncts nearly active at once —
  points moved alternately next to each boundary along different coordinates until both (all three)
  hold with a small slack;
* **extremes**: every coordinate pushed to its supremum and infimum inside the region (``t -> sup``,
  ``lam -> sup`` ...), from the random points that reach furthest;
* **exact boundary points**: points with short binary coordinates that lie *exactly* on a conjunct's
  boundary (a non-strict hypothesis admits them; a region condition is decided there in exact
  arithmetic), where ``<`` and ``<=`` differ;
* for ``region`` theorems the same on both sides of every conjunct of the condition;
* a few random interior points.

>>> from monoverify.theory import THEOREMS
>>> th = THEOREMS["pp.last_iterate"]
>>> cells = sample(th, quick=True)
>>> max(c["c"] / c["t"] for c in cells if c.origin != "grid") > 0.49   # next to the boundary c = t/2
True
>>> all(th.admits(rho=-c["c"], L=1, gamma=c["t"]) for c in cells if c.origin != "grid")
True
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

import numpy as np
import sympy as sp

from ..theorems import Theorem
from ..theorems.core import conjuncts  # noqa: F401  (re-exported)
from .cells import Cell
from .statement import COORDS, DOMAIN, LOG_COORDS, normalised, region, scaling

__all__ = ["sample", "boundary_points", "DOMAIN", "MAX_TAU", "DELTAS", "normalised", "conjuncts"]

from .edges import _exact_boundary, boundary_points  # noqa: E402  (points on and next to one boundary)

#: sampled cells whose derived inner-step count exceeds this (cost guard) are dropped
MAX_TAU = 1000
#: origin of a cell inside the hypotheses where a derived structural parameter (an inner-step count)
#: is undefined (below 1, or not finite): the statement claims something of a method that does not exist
UNDEFINED = "undefined"
#: relative distances inside a boundary (quick, full)
DELTAS = ((1e-3, 1e-2, 1e-1), (1e-4, 1e-3, 1e-2, 3e-2, 1e-1))
#: random points of the region drawn to start from (quick, full)
N_RANDOM = (3000, 12000)
#: ray positions (doubling steps) and bisection steps of a boundary search
_RAY, _BISECT = 16, 44
#: starts per boundary, per pair and per triple of conjuncts (quick, full)
PER = {"boundary": (3, 8), "pair": (3, 8), "triple": (2, 4), "extreme": (2, 4), "interior": (3, 10)}


def _coords(th: Theorem) -> tuple[list, list]:
    """``(continuous, discrete)`` coordinates the statement reads (derived ones excluded)."""
    names: set = set()
    for e in (th.hypotheses, th.bound, th.condition, *th.method_params.values()):
        if e is not None:
            names |= {s.name for s in sp.sympify(normalised(e, th)).free_symbols}
    names |= set(th.grid) - {"L"}
    names -= set(th.derived)
    cont = [k for k in COORDS if k in names and k in DOMAIN and k != "L"]
    disc = [k for k in ("tau", "K") if k in names or k in th.grid]
    return cont, disc


def _scale(v: str, th: Theorem) -> float:
    vals = [abs(float(x)) for x in th.grid.get(v, ())]
    return max([0.1, *vals])


def _as_points(cells: list[dict], keys: list) -> dict:
    return {k: np.array([float(c.get(k, 1.0 if k == "L" else np.nan)) for c in cells]) for k in keys}


class _Sampler:
    def __init__(self, th: Theorem, quick: bool, seed: int):
        self.th, self.quick = th, quick
        self.rng = np.random.default_rng(seed)
        self.reg = region(th)
        self.cont, self.disc = _coords(th)
        self.scale_free = scaling(th).hypotheses_scale_free
        self.keys = self.cont + self.disc + ["L"]
        self.deltas = DELTAS[0 if quick else 1]
        self.i = 0 if quick else 1

    # -- points ------------------------------------------------------------------------------
    def random(self, n: int, grid: list[dict]) -> dict:
        rng = self.rng
        P = {}
        for k in self.cont:
            lo, hi = DOMAIN[k]
            if k in LOG_COORDS or (lo > 0 and hi / lo > 100):
                u = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
                P[k] = np.where(rng.uniform(size=n) < 0.5, u, rng.uniform(lo, hi, n))
            else:
                P[k] = rng.uniform(lo, hi, n)
        for k in self.disc:
            vals = sorted({int(g[k]) for g in grid if k in g}) or [1, 2, 5]
            P[k] = rng.choice(np.array(vals, float), n)
        P["L"] = (np.exp(rng.uniform(*np.log(DOMAIN["L"]), n)) if not self.scale_free else
                  rng.choice(np.array(sorted({float(g.get("L", 1.0)) for g in grid}) or [1.0]), n))
        return self.reg.pin(P)

    def holds(self, P: dict) -> np.ndarray:
        return self.reg.holds(P)

    # -- boundaries --------------------------------------------------------------------------
    def to_boundary(self, P: dict, q: Any, v: str) -> np.ndarray:
        """Per point, the nearest crossing of conjunct ``q`` along coordinate ``v`` (NaN when none)."""
        lo, hi = DOMAIN[v]
        x0 = np.asarray(P[v], float)
        n = len(x0)
        if n == 0:
            return x0.copy()
        h0 = q.holds(P)
        scale = _scale(v, self.th)
        steps = 0.02 * scale * (2.0 ** (np.arange(1, _RAY + 1)) - 1)
        best, dist = np.full(n, np.nan), np.full(n, np.inf)
        pin = self.reg.pin if any(k != v for k in self.reg.pins) else (lambda D: D)
        for d in (1.0, -1.0):
            # every ray position of every point in one evaluation
            X = np.clip(x0[None, :] + d * steps[:, None], lo, hi)             # (_RAY, n)
            big = {k: np.broadcast_to(np.asarray(val, float), (n,))[None, :].repeat(_RAY, 0).ravel()
                   for k, val in P.items()}
            big[v] = X.ravel()
            H = q.holds(pin(big)).reshape(_RAY, n) != h0[None, :]
            hit = H.any(axis=0)
            j = np.argmax(H, axis=0)
            b = X[j, np.arange(n)]
            a = np.where(j > 0, X[np.maximum(j - 1, 0), np.arange(n)], x0)
            for _ in range(_BISECT):
                m = (a + b) / 2
                same = q.holds(pin(dict(P, **{v: np.where(hit, m, x0)}))) == h0
                a = np.where(hit & same, m, a)
                b = np.where(hit & ~same, m, b)
            bnd = (a + b) / 2
            closer = hit & (np.abs(bnd - x0) < dist)
            best[closer], dist[closer] = bnd[closer], np.abs(bnd - x0)[closer]
        return best

    def inside_of(self, P: dict, v: str, bnd: np.ndarray, delta: float, toward: np.ndarray) -> dict:
        """``P`` with ``v`` at ``delta`` (relative) from the boundary ``bnd``, on the side of ``toward``."""
        scale = _scale(v, self.th)
        side = np.sign(toward - bnd)
        side[side == 0] = 1.0
        x = np.clip(bnd + side * delta * np.maximum(np.abs(bnd), scale), *DOMAIN[v])
        return self.reg.pin(dict(P, **{v: np.where(np.isfinite(bnd), x, np.nan)}))

    def near(self, P: dict, q: Any, v: str, inside: bool = True) -> list[dict]:
        """Points of ``P`` moved next to ``q``'s boundary along ``v`` (every delta), on the side
        where ``q`` holds (``inside``) or fails."""
        bnd = self.to_boundary(P, q, v)
        h0 = q.holds(P)
        out = []
        for dl in self.deltas:
            toward = np.where(h0 == inside, P[v], 2 * bnd - P[v])
            Q = self.inside_of(P, v, bnd, dl, toward)
            out.append(Q)
        return out

    def pick(self, P: dict, mask: np.ndarray, n: int, score: np.ndarray | None = None) -> dict:
        idx = np.nonzero(mask)[0]
        if idx.size == 0:
            return {k: v[:0] for k, v in P.items()}
        if score is None:
            idx = self.rng.permutation(idx)[:n]
        else:
            idx = idx[np.argsort(score[idx], kind="stable")][:n]
        return {k: v[idx] for k, v in P.items()}


def _rows(P: dict) -> list[dict]:
    n = len(next(iter(P.values()))) if P else 0
    return [{k: float(v[i]) for k, v in P.items()} for i in range(n)]


def _cache_key(th: Theorem, quick: bool, seed: int, grid: list, n_random: Any) -> str:
    import hashlib
    import inspect
    import json

    from . import edges, statement

    global _SOURCE
    if _SOURCE is None:   # the code that draws the cells: a change of it draws them again
        _SOURCE = hashlib.sha256("".join(inspect.getsource(m) for m in (statement, edges, sys.modules[__name__]))
                                 .encode()).hexdigest()
    blob = json.dumps({"h": str(th.hypotheses), "c": str(th.condition), "b": str(th.bound), "k": th.kind,
                       "m": {k: str(v) for k, v in th.method_params.items()},
                       "d": {k: str(v) for k, v in th.derived.items()}, "g": grid, "q": quick, "s": seed,
                       "n": n_random, "src": _SOURCE}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


_SOURCE: str | None = None


def sample(th: Theorem, *, quick: bool = False, seed: int = 0, grid: list[dict] | None = None,
           n_random: int | None = None) -> list[Cell]:
    """The cells of ``th`` (see the module docstring), from the disk cache when drawn before.

    Drawing is deterministic in the statement, ``quick``, ``seed`` and ``grid``; the cache
    (``$MONOVERIFY_CACHE/cells``) is keyed by them and by the sampler's source, so a warm run draws nothing.
    """
    import json

    from monoverify.atomic import write_text
    from monoverify.cache import cache_root

    if grid is None:
        keys = list(th.grid)
        grid = [dict(zip(keys, combo)) for combo in itertools.product(*(th.grid[k] for k in keys))]
    path = cache_root() / "cells" / f"{_cache_key(th, quick, seed, grid, n_random)}.json"
    try:
        rows = json.loads(path.read_text())
        return [Cell(r["norm"], r["L"], r["r"], r["origin"]) for r in rows]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    cells = _sample(th, quick=quick, seed=seed, grid=grid, n_random=n_random)
    try:
        write_text(path, json.dumps([{"norm": c.norm, "L": c.L, "r": c.r, "origin": c.origin} for c in cells]),
                   mkdir=True)
    except OSError:   # a read-only cache only costs the drawing next time
        pass
    return cells


def _sample(th: Theorem, *, quick: bool = False, seed: int = 0, grid: list[dict] | None = None,
            n_random: int | None = None) -> list[Cell]:
    """The cells of ``th`` (see the module docstring): grid combinations first, then new admitted cells.

    Parameters
    ----------
    th : Theorem
    quick : bool
        Fewer starts and distances.
    seed : int
        Seed of every random choice (reproducible cells).
    grid : list of dict, optional
        The seed combinations (default: the full product of ``th.grid``).
    n_random : int, optional
        Random interior points kept (default 3 quick, 10 full).
    """
    if grid is None:
        keys = list(th.grid)
        grid = [dict(zip(keys, combo)) for combo in itertools.product(*(th.grid[k] for k in keys))]
    s = _Sampler(th, quick, seed)
    i = s.i
    out = [Cell({k: v for k, v in g.items() if k != "L"}, float(g.get("L", 1.0)), origin="grid") for g in grid]
    G = s.reg.pin(_as_points(grid, s.keys)) if grid else None
    admitted_grid = [g for g, ok in zip(grid, s.holds(G)) if ok] if grid else []
    R = s.random(N_RANDOM[i], grid)
    inside = s.holds(R)
    if not inside.any() and not admitted_grid:
        return out
    found: list[tuple[str, dict]] = []

    def starts(n: int, score: np.ndarray | None = None) -> dict:
        chosen = [admitted_grid[int(j)] for j in s.rng.permutation(len(admitted_grid))[:n]]
        Pg = _as_points(chosen, s.keys)
        Pr = s.pick(R, inside, n, score)
        return s.reg.pin({k: np.concatenate([Pg[k], Pr[k]]) for k in s.keys})

    free = [v for v in s.cont if v not in s.reg.pins]

    targets = [(q, True) for q in s.reg.conjuncts]
    if th.kind == "region" and th.condition is not None:
        targets += [(q, side) for q in region(th, "condition").conjuncts for side in (True, False)]
    # single boundaries
    for q, side in targets:
        for v in (x for x in q.coords if x in free):
            for Q in s.near(starts(PER["boundary"][i]), q, v, side):
                found += [("boundary", row) for row in _rows(Q)]
    # pairs and triples of conjuncts nearly active at once
    conj = s.reg.conjuncts
    slack = {id(q): np.abs(np.nan_to_num(q.slack(R), nan=np.inf)) for q in conj}
    combos = list(itertools.combinations(conj, 2)) + (list(itertools.combinations(conj, 3)) if len(conj) <= 6 else [])
    for combo in combos:
        for vs in itertools.product(*[[x for x in q.coords if x in free] for q in combo]):
            if len(set(vs)) < len(vs):
                continue
            score = np.max([slack[id(q)] for q in combo], axis=0)
            P = starts(PER["pair" if len(combo) == 2 else "triple"][i], score)
            for dl in s.deltas[:2]:
                Q = dict(P)
                for _ in range(3):
                    for q, v in zip(combo, vs):
                        Q = s.inside_of(Q, v, s.to_boundary(Q, q, v), dl, Q[v])
                found += [("corner", row) for row in _rows(Q)]
    # extremes of every coordinate inside the region: the random points that reach furthest, and those
    # points pushed along that coordinate to the boundary that stops them
    for v in free:
        for sign in (1.0, -1.0):
            P = s.pick(R, inside, PER["extreme"][i], -sign * R[v])
            found += [("extreme", row) for row in _rows(P)]
            for q in (x for x in conj if v in x.coords):
                for Q in s.near(P, q, v, True):
                    found += [("extreme", row) for row in _rows(Q)]
    found += _repaired(s, found, free)
    # exact boundary points (ties between < and <=), on hypotheses and conditions
    exact_seeds = [{k: (round(x * 8) / 8 if k not in ("tau", "K", "L") else x) for k, x in row.items()}
                   for row in _rows(starts(6))]        # eighths: exact in binary, as the boundary value must be
    parts = list(conjuncts(th.hypotheses)) + (list(conjuncts(th.condition)) if th.kind == "region" and
                                              th.condition is not None else [])
    for part in parts:
        found += [("exact boundary", row) for row in _exact_boundary(s, part, th, exact_seeds, 4)]
    # interior
    found += [("interior", row) for row in _rows(s.pick(R, inside, n_random if n_random is not None
                                                      else PER["interior"][i]))]
    return out + _admitted(th, s, found, grid)


def _repaired(s: _Sampler, found: list, free: list) -> list:
    """Points next to one boundary that break other conjuncts, moved back inside those along another
    coordinate (a widened conjunct may open a region only other coordinates reach: ``alpha > 1`` needs
    ``rho > 0`` under EG+'s other hypothesis)."""
    rows = [row for _, row in found if all(np.isfinite(v) for v in row.values())]
    if not rows:
        return []
    keys = set().union(*rows)
    P = s.reg.pin({k: np.array([float(r.get(k, np.nan)) for r in rows]) for k in keys})
    bad = ~s.holds(P)
    if not bad.any():
        return []
    P = {k: v[bad] for k, v in P.items()}
    out = []
    for q in s.reg.conjuncts:
        fails = ~np.nan_to_num(q.holds(P), nan=0).astype(bool)
        if not fails.any():
            continue
        Q0 = {k: v[fails] for k, v in P.items()}
        for v in (x for x in q.coords if x in free):
            bnd = s.to_boundary(Q0, q, v)      # q fails at Q0: its inside is across the boundary
            out += [("boundary", row) for row in _rows(s.inside_of(Q0, v, bnd, s.deltas[0], 2 * bnd - Q0[v]))]
    return out


def _admitted(th: Theorem, s: _Sampler, found: list, grid: list[dict]) -> list[Cell]:
    """The new points that satisfy the hypotheses, within the domain and the cost guard, once each."""
    from .cells import absolute

    seen = {Cell({k: v for k, v in g.items() if k != "L"}, float(g.get("L", 1.0))).key() for g in grid}
    out = []
    for origin, row in found:
        if any(not np.isfinite(v) for v in row.values()):
            continue
        P = {k: np.array([v]) for k, v in row.items()}
        if not s.holds(s.reg.pin(P)):
            continue
        norm = {k: (int(round(v)) if k in ("tau", "K") else v) for k, v in row.items() if k != "L"}
        cell = Cell(norm, float(row.get("L", 1.0)), origin=origin)
        k = cell.key()
        if k in seen:
            continue
        if "tau" in th.derived:
            vals = absolute(th, norm, rho=-norm.get("c", 0.0) / cell.L, L=cell.L, D0=1.0)
            tau = vals.get("tau")
            if isinstance(tau, int) and tau > MAX_TAU:      # past the cost guard: not run
                continue
            if not (isinstance(tau, int) and tau >= 1):     # the statement's own method is undefined here
                cell.origin = UNDEFINED
        seen.add(k)
        out.append(cell)
    return out
