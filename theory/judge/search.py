"""The worst case over the whole statement: parameters, instances and horizons searched together.

:func:`~.adversary.attack` searches operators at one cell. Here the cell is a variable too: a
candidate is a point of the hypothesis region (the statement's continuous normalised coordinates:
``c``, ``t``, ``lam``, ``alpha`` ...), a rotation-scaling block of the class at that point and, through
the score, every horizon of :data:`~.adversary.KS`. Its score is the largest ratio measured/bound
over those horizons (``-1`` outside the hypotheses). :func:`scipy.optimize.differential_evolution`
maximises it from the battery's worst cells and random points of the region. A statement wrong only
where a small step meets a long horizon, or where two parameters sit at their extremes together, is
found without being told where to look.

Applies to rate theorems whose method is stationary and linear, with no derived structural parameter
(a derived ``tau`` changes the method with every cell and horizon) and a class the blocks belong to
(no strong monotonicity ``mu``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from monoverify.solvers.linear_path import NotLinear

from ..theorems import Theorem
from .adversary import KS, BEST_K, Attack, _decode, one_state
from .cells import absolute, evaluate, method_for
from .instances import block_rows
from .statement import DOMAIN, LOG_COORDS, region

__all__ = ["search", "searchable"]


def _free(th: Theorem) -> list[str]:
    from .sampling import _coords

    cont, _ = _coords(th)
    reg = region(th)
    return [k for k in cont if k not in reg.pins and k != "mu"]


def searchable(th: Theorem) -> bool:
    """Is the region search defined for ``th`` (module docstring)?"""
    return th.kind == "rate" and th.method is not None and "tau" not in th.derived and bool(_free(th))


def _box(k: str) -> tuple[float, float, bool]:
    lo, hi = DOMAIN[k]
    if k == "t":
        return 1e-3, min(hi, 4.0), True
    return lo, hi, k in LOG_COORDS or (lo > 0 and hi / lo > 100)


class _Objective:
    def __init__(self, th: Theorem, coords: list, fixed: dict, quick: bool):
        self.th, self.coords, self.fixed, self.quick = th, coords, fixed, quick
        i = 0 if quick else 1
        self.every = th.iterate == "best" or th.iterate_bound is not None
        self.Ks = np.array(KS[i])
        self.reg = region(th)
        self.best: tuple = (-math.inf, None)
        self.n = 0

    def cells(self, x: np.ndarray) -> dict:
        P = {}
        for j, k in enumerate(self.coords):
            lo, hi, log = _box(k)
            P[k] = np.exp(np.log(lo) + x[j] * (np.log(hi) - np.log(lo))) if log else lo + x[j] * (hi - lo)
        for k, v in self.fixed.items():
            P[k] = np.full(x.shape[1], float(v))
        P["L"] = np.ones(x.shape[1])
        return self.reg.pin(P)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, float))
        S = x.shape[1]
        self.n += S
        P = self.cells(x)
        inside = self.reg.holds(P)
        score = np.full(S, -1.0)
        idx = np.nonzero(inside)[0]
        if idx.size == 0:
            return -score
        norms = [{k: (int(P[k][i]) if k in ("tau", "K") else float(P[k][i])) for k in P if k != "L"} for i in idx]
        vals = [absolute(self.th, n, rho=-n.get("c", 0.0), L=1.0, D0=1.0) for n in norms]
        try:
            method = method_for(self.th, vals) if len(vals) > 1 else method_for(self.th, vals * 2)
        except ValueError:
            return -score
        n_in = len(vals)
        if len(vals) == 1:
            method = method.map_hyper(lambda name, v: np.asarray(v)[:1])
        u = x[len(self.coords):len(self.coords) + 2, idx].T
        Lj, rj = _decode(u, 0.0, 1.0, False)
        rho = np.array([-n.get("c", 0.0) for n in norms])
        smin = np.maximum(rho * Lj, -1.0)       # the block inside the class of its own cell (rho_j >= rho)
        rj = (smin + u[:, 1] * (1.0 - smin)) / Lj
        Ms, y0 = block_rows(list(zip(Lj, rj)), np.ones(n_in))
        try:
            ratio, K, meas, bnd = self._score(method, Ms, y0, vals)
        except (NotLinear, np.linalg.LinAlgError, ValueError):   # the step has no transition matrix there
            return -score
        score[idx] = ratio
        i = int(np.argmax(np.where(np.isfinite(ratio), ratio, -np.inf)))
        if np.isfinite(ratio[i]) and ratio[i] > self.best[0]:
            self.best = (float(ratio[i]), norms[i], [float(Lj[i]), float(rj[i])], int(K[i]), float(meas[i]),
                         float(bnd[i]), x[:, idx[i]].copy())
        return -np.where(np.isfinite(score), score, -1.0)

    def _score(self, method: Any, Ms: np.ndarray, y0: np.ndarray, vals: list) -> tuple:
        from .. import metrics as MT
        from .linear_stack import at_horizons, curves

        n = len(vals)
        cell_of = np.arange(n)
        Ks = self.Ks
        bnd = np.stack([np.broadcast_to(evaluate(self.th.bound, dict(v, K=Ks.astype(float)), len(Ks)), Ks.shape)
                        for v in vals], axis=1)
        with np.errstate(all="ignore"):
            if self.every and self.th.iterate_bound is None and one_state(method):
                v = at_horizons(method, Ms, y0, np.concatenate([[0], np.maximum(Ks - 1, 0)]), self.th.metric,
                                cell_of, n)
                m = np.minimum(v[:1], v[1:])      # geometric on one block: min over k < K at 0 or K - 1
            elif self.every:
                keep = Ks <= BEST_K[0 if self.quick else 1]
                Ks, bnd = Ks[keep], bnd[keep]
                c = curves(method, Ms, y0, int(Ks.max()), self.th.metric, cell_of, n)
                m = (MT.running_best(c) if self.th.iterate == "best" else c)[Ks]
                if self.th.iterate_bound is not None:
                    lim = np.array([float(evaluate(self.th.iterate_bound, v, 1)[0]) for v in vals])
                    dist = np.sqrt(curves(method, Ms, y0, int(Ks.max()), "distance_sq", cell_of, n))
                    m[:, ~(np.nanmax(dist, axis=0) <= lim)] = -np.inf
            else:
                m = at_horizons(method, Ms, y0, Ks, self.th.metric, cell_of, n)
            r = np.where(bnd > 0, m / bnd, np.where(m > 0, np.inf, 0.0))
        r = np.where(np.isnan(r), -np.inf, r)
        j = np.argmax(r, axis=0)
        a = np.arange(n)
        return r[j, a], Ks[j], m[j, a], bnd[j, a]


def _encode(norm: dict, coords: list) -> np.ndarray:
    out = []
    for k in coords:
        lo, hi, log = _box(k)
        v = float(np.clip(norm.get(k, (lo + hi) / 2), lo, hi))
        out.append((np.log(v) - np.log(lo)) / (np.log(hi) - np.log(lo)) if log else (v - lo) / (hi - lo))
    return np.clip(out, 0.0, 1.0)


def search(th: Theorem, starts: list[dict], *, quick: bool = False, seed: int = 0) -> list[Attack]:
    """The worst (cell, block, horizon) of ``th`` found from the normalised ``starts`` (the battery's worst
    cells) and random points; one search per value of a discrete coordinate (``tau``) among the starts."""
    from scipy.optimize import differential_evolution

    if not searchable(th):
        return []
    coords = _free(th)
    groups: dict = {}
    for s in starts:
        key = tuple((k, s[k]) for k in ("tau",) if k in s)
        groups.setdefault(key, []).append(s)
    out = []
    rng = np.random.default_rng(seed)
    for key, group in list(groups.items())[: 2 if quick else 4]:
        f = _Objective(th, coords, dict(key), quick)
        npar = len(coords) + 2
        n_pop = (6 if quick else 12) * npar
        init = [np.concatenate([_encode(s, coords), [0.999, 0.001]]) for s in group]
        init += [np.concatenate([_encode(s, coords), rng.uniform(size=2)]) for s in group]
        pop = np.concatenate([np.array(init)[:n_pop], rng.uniform(size=(max(0, n_pop - len(init)), npar))])
        try:   # a divergent candidate's energy near 1e300 overflows SciPy's spread: a result, not a warning
            with np.errstate(over="ignore", invalid="ignore"):
                differential_evolution(f, bounds=[(0.0, 1.0)] * npar, init=pop, vectorized=True, updating="deferred",
                                       maxiter=8 if quick else 40, seed=seed, polish=False, tol=1e-8)
        except (NotLinear, np.linalg.LinAlgError):
            continue
        if f.best[1] is None:
            continue
        ratio, norm, block, K, meas, bnd, _ = f.best
        cell = {k: v for k, v in norm.items() if k != "K"}
        out.append(Attack(th.id, cell, K, ratio, K, meas, bnd, [block], [1.0], f.n, "done",
                          f"region search: {f.n} (cell, block) candidates over K in {KS[0 if quick else 1][-1]} "
                          f"horizons, ratio {ratio:.4g} at K={K}, cell {cell}"))
    return out
