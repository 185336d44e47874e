"""Adversarial search for the worst instance of a rate theorem at one cell and horizon ``K``.

The operator family is the block-diagonal rotation-scaling maps of SPEC §2.1: block ``j`` is
``[[b_j, a_j], [-a_j, b_j]]`` with eigenvalues ``b_j +- i a_j`` of modulus ``L_j <= L`` and
comonotonicity ``rho_j = b_j / L_j^2 >= rho`` (so the map has *exact* constants inside the
theorem's class), started from ``z0`` with mass ``w_j`` in block ``j`` (``||z0 - z*|| = 1``).
The blocks' moduli and angles, their number (the dimension) and the start point are searched
with :func:`scipy.optimize.differential_evolution` (seeded; the whole population is evaluated
by one batched :func:`monoverify.solvers.run` on a block-diagonal operator, one row per
candidate), its initial population drawn from a grid over ``(L_j, rho_j)`` and, when given, from
blocks fitted to a PEP worst case. The search runs per ``K``: at large ``K`` the worst instance is
a block whose eigenvalue approaches the boundary of the class as ``K`` grows, not a fixed
geometrically convergent map.

Instances that leave a theorem's trajectory hypothesis (``Theorem.iterate_bound``) are not
candidates. For last-iterate metrics (sums over blocks) one block suffices; best-iterate metrics (a
minimum over iterations of a sum) also search two-block mixtures.

>>> from monoverify.theory import THEOREMS
>>> a = attack(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, K=4, quick=True)
>>> 0.4 < a.ratio <= 1 + 1e-9, a.operator.rho >= -0.2 - 1e-12
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
from monoverify.solvers import make, run

from .. import metrics as M
from ..theorems import SYMBOLS, Theorem

__all__ = ["Attack", "attack", "cell_values", "block_matrix"]

_ARGS = ("K", "D0", "rho", "L", "gamma", "lam", "tau", "alpha", "D", "c0", "mu", "beta", "alpha0", "depth", "wstar", "l1star", "ksharp", "varrho", "l1gap", "dother")
_L_FREE_RANGE = (1e-2, 1e2)
#: candidates per batched run (the block-diagonal operator has dimension 2 * _CHUNK * blocks)
_CHUNK = 16


@dataclass
class Attack(Result):
    """The best instance found for one theorem, cell and ``K``.

    Attributes
    ----------
    theorem : str
    cell : dict
        Normalised cell (``c``, ``t``, ``lam`` ...).
    K : int
    ratio : float
        measured / bound at ``K`` of the best instance, ``nan`` when nothing could be evaluated.
    k : int
        Where the ratio is attained (``K``).
    measured, bound : float
    blocks : list of [L_j, rho_j]
        The blocks of the best operator (exact constants by construction).
    weights : list of float
        ``||z0 restricted to block j||^2`` (they sum to 1).
    n_evaluations : int
        Candidate instances run.
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
        """The best instance as a :class:`LinearOperator` (its constants computed from the matrix)."""
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


# ------------------------------------------------------------------------------------------
# cells and blocks
# ------------------------------------------------------------------------------------------
def cell_values(th: Theorem, cell: dict, K: int) -> dict:
    """Absolute parameter values (``rho``, ``L``, ``gamma`` ... derived ones included) for ``D0 = 1``."""
    L = float(cell.get("L", 1.0))
    vals = {"rho": -float(cell.get("c", 0.0)) / L, "L": L,
            "gamma": float(cell["t"]) / L if "t" in cell else math.nan,
            "lam": float(cell.get("lam", math.nan)), "tau": float(cell.get("tau", math.nan)),
            "alpha": float(cell.get("alpha", math.nan)), "K": float(K), "D0": 1.0}
    pending = dict(th.derived)
    while pending:
        ready = [n for n, e in pending.items() if all(s.name not in pending for s in sp.sympify(e).free_symbols)]
        if not ready:
            raise ValueError(f"theorem {th.id}: circular derived parameters {sorted(pending)}")
        for n in ready:
            vals[n] = float(_f(pending.pop(n))(*[vals.get(a, math.nan) for a in _ARGS]))
    if not math.isnan(vals["tau"]):
        vals["tau"] = int(round(vals["tau"]))
    return vals


def _f(expr: Any):
    return sp.lambdify([SYMBOLS[a] for a in _ARGS], sp.sympify(expr), modules=["numpy"])


def block_matrix(blocks: np.ndarray) -> np.ndarray:
    """Block-diagonal matrix of rotation-scaling blocks given as rows ``(L_j, rho_j)``."""
    blocks = np.atleast_2d(np.asarray(blocks, float))
    n = len(blocks)
    out = np.zeros((2 * n, 2 * n))
    for j, (Lj, rj) in enumerate(blocks):
        s = float(np.clip(rj * Lj, -1.0, 1.0))
        b, a = s * Lj, Lj * math.sqrt(max(0.0, 1.0 - s * s))
        out[2 * j:2 * j + 2, 2 * j:2 * j + 2] = [[b, a], [-a, b]]
    return out


def _lipschitz_free(th: Theorem) -> bool:
    names = set()
    for e in (th.hypotheses, th.bound, *th.method_params.values(), *th.derived.values()):
        names |= {s.name for s in sp.sympify(e).free_symbols}
    return "L" not in names


def _decode(u: np.ndarray, rho: float, L: float, l_free: bool) -> tuple[np.ndarray, np.ndarray]:
    """Unit-cube parameters ``(S, nb, 2)`` (+ weights) -> blocks ``(S, nb, 2)`` of ``(L_j, rho_j)``."""
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


# ------------------------------------------------------------------------------------------
# batched evaluation
# ------------------------------------------------------------------------------------------
class _Evaluator:
    """measured/bound of many candidate instances, one batched run per call."""

    def __init__(self, th: Theorem, vals: dict, K: int, nb: int, l_free: bool):
        self.th, self.vals, self.K, self.nb, self.l_free = th, vals, K, nb, l_free
        kw = {}
        for p, expr in th.method_params.items():
            v = float(_f(expr)(*[vals.get(a, math.nan) for a in _ARGS]))
            kw[p] = int(round(v)) if p == "tau" else v
        self.method = make(th.method, **kw)
        ks = np.array([K])  # per K: the worst instance at K (smaller k are other searches)
        args = [np.asarray(vals.get(a, math.nan), float) for a in _ARGS]
        args[0] = ks.astype(float)
        self.ks = ks
        self.bound = np.broadcast_to(np.asarray(_f(th.bound)(*args), float), ks.shape)
        self.n = 0
        self.best: tuple = (-math.inf, None)
        self.best_x: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``x``: shape ``(n_params, S)`` (SciPy's vectorised layout); returns ``-ratio`` of shape ``(S,)``."""
        x = np.atleast_2d(np.asarray(x, float))
        S = x.shape[1]
        u = x[: 2 * self.nb].T.reshape(S, self.nb, 2)
        if self.nb > 1:
            raw = np.concatenate([x[2 * self.nb:].T, np.ones((S, 1))], axis=1)
            w = raw / raw.sum(axis=1, keepdims=True)
        else:
            w = np.ones((S, 1))
        Lj, rj = _decode(u, self.vals["rho"], self.vals["L"], self.l_free)
        parts = [self._ratios(Lj[i:i + _CHUNK].reshape(-1), rj[i:i + _CHUNK].reshape(-1), w[i:i + _CHUNK])
                 for i in range(0, S, _CHUNK)]
        ratio, k_at, meas = (np.concatenate([p[j] for p in parts]) for j in range(3))
        fin = np.where(np.isfinite(ratio), ratio, -np.inf)
        i = int(np.argmax(fin))
        if fin[i] > self.best[0]:
            self.best = (float(ratio[i]), np.stack([Lj[i], rj[i]], axis=1), w[i], int(k_at[i]), float(meas[i]))
            self.best_x = x[:, i].copy()
        self.n += S
        return -np.where(np.isfinite(ratio), ratio, -1.0)

    def _ratios(self, Lj: np.ndarray, rj: np.ndarray, w: np.ndarray):
        S, nb = w.shape
        blocks = np.stack([Lj, rj], axis=1)
        Mx = block_matrix(blocks)
        from monoverify.operators.base import Constant, Constants

        consts = Constants(L=Constant(float(np.max(Lj)), "exact", "rotation-scaling blocks (SPEC §2.1)"),
                           rho=Constant(float(np.min(rj)), "exact", "min_j rho_j of the blocks (SPEC §2.1)"))
        op = LinearOperator(Mx, constants=consts, name="adversary", solution=np.zeros(2 * S * nb), block_size=2)
        z0 = np.zeros((S, 2 * S * nb))
        for i in range(S):
            z0[i, 2 * i * nb:2 * (i + 1) * nb:2] = np.sqrt(w[i])
        return self.measure(op, z0)

    def measure(self, op: LinearOperator, z0: np.ndarray):
        """``(ratio, k, measured)`` of the ``S`` instances started at the rows of ``z0`` (shape ``(S, dim)``)
        on ``op`` (its zero the origin): the theorem's metric, iterate and trajectory hypothesis."""
        S = z0.shape[0]
        host = self.method   # scalar hyper-parameters, shared by the candidates: one transition matrix for all
        mons = M.monitors_for(self.th.metric, op, host, 2 if self.th.check_at == "final" else self.K + 1)
        try:
            with np.errstate(all="ignore"):
                r = run(host, op, z0, iters=self.K, monitors=mons, diverge_at=1e12,
                        monitor_final_only=self.th.check_at == "final", linear="auto",
                        record_residual=M.reads_residual(self.th.metric))
        except np.linalg.LinAlgError:
            return np.full(S, np.nan), np.zeros(S, int), np.full(S, np.nan)
        meas = M.curve(self.th.metric, r)
        if self.th.iterate == "best":
            meas = M.running_best(meas)
        m = meas[self.ks, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = m / self.bound[:, None]
        bad = np.asarray(r.status) == "diverged"
        ratio[:, bad] = np.inf
        ratio = np.where(np.isnan(ratio), -np.inf, ratio)
        if self.th.iterate_bound is not None:
            # a trajectory hypothesis (the ball ||z - z*|| <= D): instances that leave it are not candidates
            lim = float(_f(self.th.iterate_bound)(*[self.vals.get(a, math.nan) for a in _ARGS]))
            with np.errstate(invalid="ignore"):
                left = ~(np.nanmax(np.asarray(r.history.distance, float), axis=0) <= lim)
            ratio[:, left] = -np.inf
        j = np.argmax(ratio, axis=0)
        best = ratio[j, np.arange(S)]
        return best, self.ks[j], m[j, np.arange(S)]


def _grid_population(n: int, nb: int, rng: np.random.Generator) -> np.ndarray:
    g = (np.arange(n) + 0.5) / n
    A, B = np.meshgrid(g, g, indexing="ij")
    base = np.stack([A.ravel(), B.ravel()], axis=0)  # (2, n^2)
    if nb == 1:
        return base
    extra = rng.uniform(size=(3 * nb - 2, base.shape[1]))
    return np.concatenate([base, extra], axis=0)[: 3 * nb - 1]


def _lift(u: np.ndarray, nb: int) -> np.ndarray:
    """Single-block points ``(2, S)`` as ``nb``-block points (copies of the block, equal weights)."""
    if nb == 1:
        return u
    return np.concatenate([np.tile(u, (nb, 1)), np.ones((nb - 1, u.shape[1]))], axis=0)


def _encode(blocks: np.ndarray, rho: float, L: float, l_free: bool) -> np.ndarray:
    """Inverse of :func:`_decode` for one block ``(L_j, rho_j)`` (clipped into the unit square)."""
    Lj, rj = float(blocks[0]), float(blocks[1])
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


def attack(th: Theorem, cell: dict, K: int, *, quick: bool = False, seed: int = 0,
           seeds: list | None = None, two_blocks: bool | None = None) -> Attack:
    """Maximise measured/bound of ``th`` at ``cell`` (normalised) and horizon ``K`` over the block family.

    Parameters
    ----------
    th : Theorem
        A ``rate`` theorem with a registered method.
    cell : dict
        Normalised parameters (``c``, ``t``, ``lam``, ``tau``, ``alpha``, ``L``); they must satisfy
        the hypotheses.
    K : int
        Horizon (``>= 1``).
    quick : bool
        Smaller population and fewer generations.
    seed : int
        Seed of the optimiser (reproducible result).
    seeds : list of (L_j, rho_j), optional
        Extra initial blocks (e.g. fitted to a PEP worst case).
    two_blocks : bool, optional
        Also search two-block mixtures (default: for best-iterate theorems).
    """
    from scipy.optimize import differential_evolution, minimize

    if th.kind != "rate":
        raise ValueError(f"attack needs a rate theorem, got kind={th.kind!r} ({th.id})")
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"K must be an integer >= 1, got K={K!r}")
    vals = cell_values(th, cell, int(K))
    l_free = _lipschitz_free(th)
    two = (th.iterate == "best") if two_blocks is None else two_blocks
    rng = np.random.default_rng(seed)
    best: tuple = (-math.inf, None)
    n_total = 0
    for nb in ((1, 2) if two else (1,)):
        ev = _Evaluator(th, vals, int(K), nb, l_free)
        init = _grid_population(8 if quick else 16, nb, rng)
        corners = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.5]]).T  # the class's extreme blocks
        starts = [init, _lift(corners, nb)]
        if seeds:
            starts.append(_lift(np.stack([_encode(np.asarray(b, float), vals["rho"], vals["L"], l_free)
                                          for b in seeds], axis=1), nb))
        init = np.concatenate(starts, axis=1)
        score = -ev(init)  # the grid and the seeds are part of the search
        n_pop = (6 if quick else 15) * init.shape[0]
        top = np.argsort(-np.where(np.isfinite(score), score, -np.inf))[: n_pop // 2]
        pop = init[:, top].T
        pop = np.concatenate([pop, rng.uniform(size=(n_pop - len(pop), pop.shape[1]))], axis=0)
        differential_evolution(ev, bounds=[(0.0, 1.0)] * pop.shape[1], init=pop, vectorized=True,
                               updating="deferred", maxiter=5 if quick else 30, seed=seed, polish=False, tol=1e-8)
        # local polish of the best candidate inside the unit cube: Nelder-Mead (quick), or the batched
        # pattern search (full: 400 evaluations in about 25 batched runs, where Nelder-Mead took 200 runs)
        if ev.best[1] is not None and quick:
            minimize(lambda v: float(ev(np.clip(v, 0.0, 1.0)[:, None])[0]), ev.best_x, method="Nelder-Mead",
                     bounds=[(0.0, 1.0)] * len(ev.best_x), options={"maxfev": 40, "xatol": 1e-5, "fatol": 1e-9})
        elif ev.best[1] is not None:
            _pattern_polish(ev, np.random.default_rng(seed), evals=400)
        n_total += ev.n
        if ev.best[0] > best[0]:
            best = ev.best
    if best[1] is None:
        return Attack(th.id, dict(cell), int(K), math.nan, n_evaluations=n_total, status="failed",
                      message="no candidate could be evaluated")
    ratio, blocks, w, k_at, meas = best
    bnd = float(ev.bound[list(ev.ks).index(k_at)])
    return Attack(th.id, dict(cell), int(K), ratio, k_at, meas, bnd, blocks.tolist(), np.asarray(w).tolist(),
                  n_total, "done", f"best of {n_total} instances: ratio {ratio:.4g} at k={k_at}")


def _pattern_polish(ev: _Evaluator, rng: np.random.Generator, evals: int, width: int = 16) -> None:
    """Batched local search from ``ev.best_x``: each round evaluates, in one batched run, the steps
    ``+-r`` along every coordinate and random directions of length ``r`` (``width`` candidates in
    all); ``r`` starts at 0.05 of the unit cube and halves after a round without improvement. ``ev``
    keeps the best candidate seen."""
    x = ev.best_x.copy()
    n = len(x)
    f, r, spent = ev.best[0], 0.05, 0
    while spent < evals and r > 1e-6:
        k = max(0, width - 2 * n)
        rand = rng.standard_normal((k, n))
        rand /= np.maximum(np.linalg.norm(rand, axis=1, keepdims=True), 1e-300)
        dirs = np.concatenate([np.eye(n), -np.eye(n), rand])
        ev(np.clip(x + r * dirs, 0.0, 1.0).T)
        spent += len(dirs)
        if ev.best[0] > f:
            x, f = ev.best_x.copy(), ev.best[0]
        else:
            r *= 0.5


# ------------------------------------------------------------------------------------------
# the search a check runs
# ------------------------------------------------------------------------------------------
#: outer x inner steps above which a (cell, K) is not attacked (quick, full): cost guard
MAX_STEPS = (1000, 20000)
#: horizons attacked besides the reference horizons (quick, full)
ATTACK_KS = ((), (10, 100))


def plan(th: Theorem, cells: list[dict], ref_Ks: tuple, quick: bool) -> tuple[list, list]:
    """``(cell, K)`` pairs to attack and the notes on pairs skipped for cost."""
    pairs, notes = [], []
    for cell in cells:
        for K in sorted(set(ref_Ks) | set(ATTACK_KS[0 if quick else 1])):
            vals = cell_values(th, cell, int(K))
            tau = 1 if math.isnan(vals.get("tau", math.nan)) else int(vals["tau"])
            if K * tau > MAX_STEPS[0 if quick else 1]:
                notes.append(f"adversary skipped {cell} at K={K}: {K}x{tau} steps exceed the cost guard")
                continue
            pairs.append((cell, int(K)))
    return pairs, notes


def seek(th: Theorem, cells: list[dict], ref_Ks: tuple, *, quick: bool = False, seed: int = 0,
         pep_seeds: dict | None = None) -> tuple[list[Attack], list[str]]:
    """Attack ``th`` at every cell and horizon of :func:`plan`; return the attacks and notes.

    ``pep_seeds`` maps ``(cell index, K)`` to blocks fitted to a PEP worst case (extra starts).
    """
    pairs, notes = plan(th, cells, ref_Ks, quick)
    out = []
    for cell, K in pairs:
        extra = (pep_seeds or {}).get((cells.index(cell), K))
        out.append(attack(th, cell, K, quick=quick, seed=seed, seeds=extra))
    return out, notes


def fold(th: Theorem, res: Any, *, quick: bool, seed: int, with_reference: bool) -> None:
    """Attack ``th`` at its reference cells (declared PEP cells, the battery's worst cell) and re-judge.

    The attacks join the battery's observations (one judged observation each, its instance the
    block operator found); with ``with_reference`` the PEP worst case ``W(K)`` is computed at the
    same cells (``res.reference``, see :func:`monoverify.theory.judge.reference.strength`).
    """
    from .reference import reference_cells, reference_Ks, strength
    from .verdict import Observation, judge

    cells = reference_cells(th, res.worst, quick)
    Ks = reference_Ks(th, quick)
    fitted, seeds = [], None
    if with_reference:   # seeded from the PEP worst case: its class-constrained linear fit (judge.pepfit)
        from .pepfit import candidates

        fitted, seeds = candidates(th, cells, Ks, quick=quick)
    attacks, notes = seek(th, cells, Ks, quick=quick, seed=seed, pep_seeds=seeds)
    res.notes.extend(notes)
    res.notes.extend(f"PEP-fitted linear map at {c.cell}, K={c.K}: {c.message}" for c in fitted if not c.success)
    fitted = [c for c in fitted if c.success]
    attacks = attacks + fitted
    res.adversary = attacks
    obs = [Observation(c["instance"], c["params"], c["ratio"], judged=not c.get("excluded", False),
                       why=c.get("why", "")) for c in res.curves]
    for a in attacks:
        if not a.success:
            res.notes.append(f"adversary at {a.cell}, K={a.K}: {a.message}")
            continue
        params = {**a.cell, "K": a.K}
        obs.append(Observation(a.label, params, a.ratio, k=a.K, measured=a.measured, bound=a.bound))
        res.curves.append({"instance": a.label, "params": params, "k": np.array([a.K]),
                           "measured": np.array([a.measured]), "bound": np.array([a.bound]), "ratio": a.ratio,
                           "excluded": False, "why": "", "status": "adversary"})
    unsound = res.verdict == "inconclusive" and res.n_judged > 0
    j = judge(th, obs, evidence_ok=not unsound, evidence_why=res.message.split("evidence unsound: ")[-1])
    if j.worst is not None and j.worst.instance.startswith("adversary"):
        hit = next(a for a in attacks if a.label == j.worst.instance and a.success)
        if isinstance(hit, Attack):
            res.worst = {"instance": hit.label, **hit.cell, "k": hit.K, "blocks": hit.blocks, "weights": hit.weights}
        else:
            res.worst = {"instance": hit.label, **hit.cell, "k": hit.K, "matrix": hit.fit.matrix, "z0": hit.fit.z0}
    res.apply(j)
    best = max((a.ratio for a in attacks if a.success), default=None)
    if best is not None:
        res.notes.append(f"adversary: {len(attacks) - len(fitted)} searches over rotation-scaling blocks"
                         + (f" and {len(fitted)} PEP-fitted linear maps" if fitted else "") + f", best ratio {best:.4g}")
    if with_reference:
        res.reference = strength(th, cells, Ks, attacks)
