"""Adversarial search for the worst instance of a rate theorem at one cell, over operators *and* horizons.

The operator family is the block-diagonal rotation-scaling maps of SPEC §2.1: block ``j`` has
eigenvalues of modulus ``L_j <= L`` and comonotonicity ``rho_j = b_j / L_j^2 >= rho`` (exact constants
inside the theorem's class), started with mass ``w_j`` in block ``j`` (``||z0 - z*|| = 1``). A
candidate's score is the **largest ratio measured/bound over a log grid of horizons** ``K`` up to
``10^5`` (:data:`KS`): the horizon is searched too, in quick mode as well. Candidates are evaluated
many at a time on stacked rows (:mod:`.linear_stack`): last-iterate metrics by powers of the transition
matrix (the cost does not grow with ``K``), best-iterate metrics (and trajectory hypotheses, which read
every iterate) by chunked stepping up to :data:`BEST_K`. The blocks' moduli and angles, their number
and the start are searched by :func:`scipy.optimize.differential_evolution` (seeded), from a grid over
``(L_j, rho_j)``, the class's extreme blocks and, when given, blocks fitted to a PEP worst case,
then polished by a batched pattern search.

>>> from monoverify.theory import THEOREMS
>>> a = attack(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, quick=True)
>>> 0.3 < a.ratio <= 1 + 1e-9, a.operator.rho >= -0.2 - 1e-12
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from monoverify.operators import LinearOperator
from monoverify.result import Result
from monoverify.solvers.linear_path import NotLinear

from ..theorems import Theorem
from .cells import absolute, evaluate, method_at
from .instances import block_rows

__all__ = ["Attack", "attack", "block_matrix", "StackEvaluator", "score_matrices", "KS", "BEST_K", "seek", "_lipschitz_free"]

#: horizons a candidate is scored at (quick, full)
KS = ((1, 2, 4, 10, 30, 100, 300, 1000, 10000, 100000),
      (1, 2, 3, 4, 6, 10, 20, 30, 60, 100, 200, 300, 1000, 3000, 10000, 30000, 100000))
#: largest horizon where every iterate is read (best iterates, trajectory hypotheses; quick, full)
BEST_K = (1000, 3000)
_L_FREE_RANGE = (1e-2, 1e2)


@dataclass
class Attack(Result):
    """The best instance found for one theorem and cell (over the horizons :data:`KS`).

    ``ratio``: measured/bound at the worst horizon ``K`` (``nan`` when nothing could be evaluated);
    ``blocks``: ``[L_j, rho_j]`` of the best operator (exact constants by construction); ``weights``:
    ``||z0 restricted to block j||^2`` (they sum to 1); ``n_evaluations``: candidates run.
    """

    theorem: str
    cell: dict
    K: int
    ratio: float
    k: int = 0
    measured: float = math.nan
    bound: float = math.nan
    blocks: list = field(default_factory=list)
    weights: list = field(default_factory=list)
    n_evaluations: int = 0
    status: str = "done"
    message: str = ""

    @property
    def success(self) -> bool:
        return self.status == "done" and math.isfinite(self.ratio)

    @property
    def operator(self) -> LinearOperator:
        M_ = block_matrix(np.asarray(self.blocks, float))
        return LinearOperator(M_, name="adversarial rotation-scaling blocks", solution=np.zeros(M_.shape[0]),
                              params={"blocks": self.blocks})

    @property
    def z0(self) -> np.ndarray:
        w = np.sqrt(np.asarray(self.weights, float))
        return np.stack([w, np.zeros_like(w)], axis=1).ravel()

    @property
    def label(self) -> str:
        bl = ", ".join(f"(L={Lj:.4g}, rho={rj:.4g})" for Lj, rj in self.blocks)
        return f"adversary K={self.K}: blocks [{bl}]"


def block_matrix(blocks: np.ndarray) -> np.ndarray:
    """Block-diagonal matrix of rotation-scaling blocks given as rows ``(L_j, rho_j)``."""
    from scipy.linalg import block_diag

    Ms, _ = block_rows([(float(a), float(b)) for a, b in np.atleast_2d(np.asarray(blocks, float))],
                       np.ones(len(np.atleast_2d(blocks))))
    return block_diag(*Ms)


def _lipschitz_free(th: Theorem) -> bool:
    names = set()
    for e in (th.hypotheses, th.bound, *th.method_params.values(), *th.derived.values()):
        names |= {s.name for s in sp.sympify(e).free_symbols}
    return "L" not in names


def _decode(u: np.ndarray, rho: float, L: float, l_free: bool) -> tuple[np.ndarray, np.ndarray]:
    """Unit-cube parameters ``(..., 2)`` -> ``(L_j, rho_j)`` inside the class ``L_j <= L, rho_j >= rho``."""
    top = _L_FREE_RANGE[1] * L if l_free else L
    if rho > 0:  # rho_j <= 1/L_j: a rho-cocoercive block has L_j <= 1/rho
        top = min(top, 1.0 / rho)
    if l_free:
        lo, hi = math.log(_L_FREE_RANGE[0] * L), math.log(max(top, 1.01 * _L_FREE_RANGE[0] * L))
        Lj = np.exp(lo + u[..., 0] * (hi - lo))
    else:
        Lj = top * np.clip(u[..., 0], 1e-6, 1.0)
    smin = np.maximum(rho * Lj, -1.0)
    s = smin + u[..., 1] * (1.0 - smin)
    return Lj, s / Lj


def _encode(block: Any, rho: float, L: float, l_free: bool) -> np.ndarray:
    """Inverse of :func:`_decode` for one block ``(L_j, rho_j)`` (clipped into the unit square)."""
    Lj, rj = float(block[0]), float(block[1])
    top = _L_FREE_RANGE[1] * L if l_free else L
    if rho > 0:
        top = min(top, 1.0 / rho)
    if l_free:
        lo, hi = math.log(_L_FREE_RANGE[0] * L), math.log(max(top, 1.01 * _L_FREE_RANGE[0] * L))
        u0 = (math.log(max(Lj, 1e-300)) - lo) / (hi - lo)
    else:
        u0 = Lj / top
    Lj = min(max(Lj, 1e-12), top)
    smin = max(rho * Lj, -1.0)
    u1 = (rj * Lj - smin) / (1.0 - smin) if smin < 1 else 0.0
    return np.clip([u0, u1], 0.0, 1.0)


def one_state(method: Any) -> bool:
    """Is the method's state the iterate alone (a transition matrix of size 2 on a 2x2 block)?"""
    from monoverify.solvers.linear_path import linear_transition

    try:
        return linear_transition(method, np.array([[0.6, 0.8], [-0.8, 0.6]])).T.shape[-1] == 2
    except (NotLinear, ValueError):
        return False


class StackEvaluator:
    """measured/bound of stacked candidate instances at one cell, maximised over the horizons ``Ks``.

    Candidates are rows ``(Ms, y0)`` with ``cand_of`` mapping rows to candidates (``||z0 - z*||^2 = 1``);
    :meth:`score` returns per candidate ``(ratio, K, measured, bound)`` at its worst horizon.
    """

    def __init__(self, th: Theorem, cell: dict, L: float, quick: bool, Ks: tuple | None = None):
        self.th, self.quick = th, quick
        i = 0 if quick else 1
        self.every = th.iterate == "best" or th.iterate_bound is not None
        Ks = tuple(KS[i] if Ks is None else Ks)
        # a best iterate on one rotation-scaling block of a one-state method is a geometric sequence
        # (the step is a rational function of the block, itself a rotation-scaling: ||R z_k|| = |r||m|^k),
        # so min_{k<K} is at k = 0 or K - 1: every horizon is reachable by powers (see score(geometric=True))
        self.geometric_ok = th.iterate == "best" and th.iterate_bound is None
        self.all_Ks = Ks
        self.Ks = tuple(k for k in Ks if not self.every or k <= BEST_K[i])
        self.rho = -float(cell.get("c", 0.0)) / L
        self.L = L
        self.cell = dict(cell)
        self.groups: dict = {}   # structural tau -> (method, [K], bounds, lim)
        for K in self.all_Ks:
            vals = absolute(th, {**cell, "K": K}, rho=self.rho, L=L, D0=1.0)
            if not bool(evaluate(th.hypotheses, vals, 1)[0]):
                continue
            tau = vals.get("tau")
            if "tau" in th.derived and not (isinstance(tau, int) and 1 <= tau <= 1000):
                continue
            try:
                m = method_at(th, vals)
            except ValueError:
                continue
            g = self.groups.setdefault(repr(tau), [m, [], [], None])
            g[1].append(K)
            g[2].append(float(evaluate(th.bound, vals, 1)[0]))
            if th.iterate_bound is not None:
                g[3] = float(evaluate(th.iterate_bound, vals, 1)[0])
        self.n = 0

    def score(self, Ms: np.ndarray, y0: np.ndarray, cand_of: np.ndarray, S: int, geometric: bool = False) -> tuple:
        """Per candidate ``(ratio, K, measured, bound)`` at its worst horizon; ``geometric``: the rows are single
        rotation-scaling blocks, one per candidate (best iterates then by powers, see ``__init__``)."""
        from .. import metrics as MT
        from .linear_stack import at_horizons, curves

        best = np.full(S, -np.inf)
        bestK = np.zeros(S, int)
        meas = np.full(S, np.nan)
        bnds = np.full(S, np.nan)
        self.n += S
        for method, Ks, bound, lim in self.groups.values():
            Ks_a, b = np.asarray(Ks), np.asarray(bound)
            geo = geometric and self.geometric_ok and one_state(method)
            if self.every and not geo:
                keep = Ks_a <= max(self.Ks, default=0)
                Ks_a, b = Ks_a[keep], b[keep]
                if Ks_a.size == 0:
                    continue
            try:
                with np.errstate(all="ignore"):
                    if geo:
                        v = at_horizons(method, Ms, y0, np.concatenate([[0], np.maximum(Ks_a - 1, 0)]),
                                        self.th.metric, cand_of, S)
                        m = np.minimum(v[:1], v[1:])
                    elif self.every:
                        c = curves(method, Ms, y0, int(Ks_a.max()), self.th.metric, cand_of, S)
                        if self.th.iterate == "best":
                            c = MT.running_best(c)
                        m = c[Ks_a]
                        if lim is not None:
                            dist = np.sqrt(curves(method, Ms, y0, int(Ks_a.max()), "distance_sq", cand_of, S))
                            m[:, ~(np.nanmax(dist, axis=0) <= lim)] = -np.inf
                    else:
                        m = at_horizons(method, Ms, y0, Ks_a, self.th.metric, cand_of, S)
            except (NotLinear, np.linalg.LinAlgError):
                continue
            with np.errstate(all="ignore"):
                r = np.where(b[:, None] > 0, m / b[:, None], np.where(m > 0, np.inf, 0.0))
            r = np.where(np.isnan(r), -np.inf, r)
            j = np.argmax(r, axis=0)
            top = r[j, np.arange(S)]
            up = top > best
            best[up], bestK[up] = top[up], Ks_a[j][up]
            meas[up], bnds[up] = m[j, np.arange(S)][up], b[j][up]
        return best, bestK, meas, bnds


def score_matrices(ev: StackEvaluator, mats: list, z0s: list) -> tuple:
    """:meth:`StackEvaluator.score` of whole matrices (one candidate each, ``z0`` unit starts)."""
    Ms = np.ascontiguousarray(np.stack([np.asarray(M, float) for M in mats]))
    y0 = np.stack([np.asarray(z, float) for z in z0s])
    return ev.score(Ms, y0, np.arange(len(mats)), len(mats))


class _Blocks:
    """Decode unit-cube points ``x`` ``(n_params, S)`` into stacked block candidates and score them."""

    def __init__(self, ev: StackEvaluator, nb: int, l_free: bool):
        self.ev, self.nb, self.l_free = ev, nb, l_free
        self.best: tuple = (-math.inf, None)
        self.best_x: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, float))
        S = x.shape[1]
        u = x[: 2 * self.nb].T.reshape(S, self.nb, 2)
        if self.nb > 1:
            raw = np.concatenate([x[2 * self.nb:].T, np.ones((S, 1))], axis=1)
            w = raw / raw.sum(axis=1, keepdims=True)
        else:
            w = np.ones((S, 1))
        Lj, rj = _decode(u, self.ev.rho, self.ev.L, self.l_free)
        Ms, y0 = block_rows(list(zip(Lj.ravel(), rj.ravel())), w.ravel())
        ratio, K, meas, bnd = self.ev.score(Ms, y0, np.repeat(np.arange(S), self.nb), S, geometric=self.nb == 1)
        i = int(np.argmax(np.where(np.isfinite(ratio), ratio, -np.inf)))
        if np.isfinite(ratio[i]) and ratio[i] > self.best[0]:
            self.best = (float(ratio[i]), np.stack([Lj[i], rj[i]], axis=1), w[i], int(K[i]), float(meas[i]),
                         float(bnd[i]))
            self.best_x = x[:, i].copy()
        return -np.where(np.isfinite(ratio), ratio, -1.0)


def _grid_population(n: int, nb: int, rng: np.random.Generator) -> np.ndarray:
    g = (np.arange(n) + 0.5) / n
    A, B = np.meshgrid(g, g, indexing="ij")
    base = np.stack([A.ravel(), B.ravel()], axis=0)
    if nb == 1:
        return base
    return np.concatenate([base, rng.uniform(size=(3 * nb - 2, base.shape[1]))], axis=0)[: 3 * nb - 1]


def _lift(u: np.ndarray, nb: int) -> np.ndarray:
    if nb == 1:
        return u
    return np.concatenate([np.tile(u, (nb, 1)), np.ones((nb - 1, u.shape[1]))], axis=0)


def attack(th: Theorem, cell: dict, K: int | None = None, *, quick: bool = False, seed: int = 0,
           seeds: list | None = None, two_blocks: bool | None = None, Ks: tuple | None = None) -> Attack:
    """Maximise measured/bound of ``th`` at the normalised ``cell`` over block operators and horizons.

    ``K``: one horizon only (default: every horizon of ``Ks``, or :data:`KS`); ``seeds``: extra initial
    blocks ``(L_j, rho_j)`` (e.g. fitted to a PEP worst case); ``two_blocks``: also search two-block
    mixtures (default: for best-iterate theorems).
    """
    from scipy.optimize import differential_evolution

    if th.kind != "rate":
        raise ValueError(f"attack needs a rate theorem, got kind={th.kind!r} ({th.id})")
    if K is not None:
        if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
            raise ValueError(f"K must be an integer >= 1, got K={K!r}")
        Ks = (int(K),)
    L = float(cell.get("L", 1.0))
    ev = StackEvaluator(th, {k: v for k, v in cell.items() if k != "L"}, L, quick, Ks)
    if not ev.groups:
        return Attack(th.id, dict(cell), 0, math.nan, status="failed",
                      message="no horizon of the cell is inside the hypotheses within the cost guard")
    l_free = _lipschitz_free(th)
    two = (th.iterate == "best") if two_blocks is None else two_blocks
    rng = np.random.default_rng(seed)
    best: tuple = (-math.inf, None)
    for nb in ((1, 2) if two else (1,)):
        f = _Blocks(ev, nb, l_free)
        init = _grid_population(8 if quick else 16, nb, rng)
        corners = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.5], [0.999, 0.001]]).T
        starts = [init, _lift(corners, nb)]
        if seeds:
            starts.append(_lift(np.stack([_encode(b, ev.rho, L, l_free) for b in seeds], axis=1), nb))
        init = np.concatenate(starts, axis=1)
        score = -f(init)
        n_pop = (6 if quick else 15) * init.shape[0]
        top = np.argsort(-np.where(np.isfinite(score), score, -np.inf))[: n_pop // 2]
        pop = np.concatenate([init[:, top].T, rng.uniform(size=(n_pop - len(top), init.shape[0]))], axis=0)
        with np.errstate(over="ignore", invalid="ignore"):   # SciPy's spread of energies near 1e300: no warnings
            differential_evolution(f, bounds=[(0.0, 1.0)] * pop.shape[1], init=pop, vectorized=True,
                                   updating="deferred", maxiter=6 if quick else 30, seed=seed, polish=False, tol=1e-8)
        if f.best[1] is not None:
            _pattern_polish(f, np.random.default_rng(seed), evals=64 if quick else 400)
        if f.best[0] > best[0]:
            best = f.best
    if best[1] is None:
        return Attack(th.id, dict(cell), 0, math.nan, n_evaluations=ev.n, status="failed",
                      message="no candidate could be evaluated")
    ratio, blocks, w, K, meas, bnd = best
    return Attack(th.id, dict(cell), K, ratio, K, meas, bnd, blocks.tolist(), np.asarray(w).tolist(), ev.n, "done",
                  f"best of {ev.n} instances over K in {list(ev.Ks)[:1]}..{list(ev.Ks)[-1:]}: ratio {ratio:.4g} "
                  f"at K={K}")


def _pattern_polish(f: _Blocks, rng: np.random.Generator, evals: int, width: int = 16) -> None:
    """Batched local search from ``f.best_x`` (each round one batched evaluation of the steps ``+-r`` along
    every coordinate and random directions; ``r`` halves after a round without improvement)."""
    x = f.best_x.copy()
    n = len(x)
    val, r, spent = f.best[0], 0.05, 0
    while spent < evals and r > 1e-6:
        k = max(0, width - 2 * n)
        rand = rng.standard_normal((k, n))
        rand /= np.maximum(np.linalg.norm(rand, axis=1, keepdims=True), 1e-300)
        dirs = np.concatenate([np.eye(n), -np.eye(n), rand])
        f(np.clip(x + r * dirs, 0.0, 1.0).T)
        spent += len(dirs)
        if f.best[0] > val:
            x, val = f.best_x.copy(), f.best[0]
        else:
            r *= 0.5


def seek(th: Theorem, cells: list[dict], *, quick: bool = False, seed: int = 0,
         pep_seeds: dict | None = None) -> list[Attack]:
    """Attack ``th`` at every normalised cell (``pep_seeds``: cell index -> fitted blocks, extra starts)."""
    return [attack(th, cell, quick=quick, seed=seed, seeds=(pep_seeds or {}).get(i)) for i, cell in enumerate(cells)]
