"""Evidence for the diagonal-linear-network theorems ``dln.*`` (issue 28): :func:`dln_observations`.

The battery (seeded; ``quick`` is smaller):

* **unique-minimiser problems**: Gaussian sensing matrices ``A`` (entries ``N(0, 1/m)``) of shapes
  ``12 x 40`` and ``20 x 40`` (quick: ``12 x 40``), ``s``-sparse targets (``s`` in 1, 2, 3; quick 2, 3) with
  random signs and magnitudes in ``[0.5, 1.5]``; ``b = A x``, the reference is the basis pursuit solution
  (not ``x``: recovery may fail, the theorems are about basis pursuit);
* **non-unique problems**: the same with column ``a_3 = (a_1 + a_2)/2`` and a target on ``{1, 2}`` with
  different weights (plus ``s - 2`` random coordinates), so ``w_1 a_1 + w_2 a_2`` can be traded for
  ``a_3`` at equal ``l1`` cost: a segment of minimisers on which depth 2 and depth 3 select different points;
* **decades of alpha**: ``10^-1 ... 10^-8`` for depth 2 (quick ``... 10^-6``), ``10^-1 ... 10^-4`` for
  depth 3 (quick ``... 10^-3``).

The flow's limit at every (problem, depth, alpha) is :func:`~monoverify.operators.dln.flow_limit` (the
minimiser of the flow's potential; ``dln.potential`` checks against the integrated flow itself that this *is*
the limit). A cell whose limit is not resolved in float64 (the Newton residual, divided by the smallest
singular value of ``A``, above 1 % of the measured distance) is not judged.

Each observation's ``ratio`` is ``measured / bound`` with the bound the theorem's own ``bound`` evaluated
at the cell's parameters (:func:`~monoverify.theory.judge.cells.evaluate`), so a variant theorem (another
exponent) is judged with its own bound; a cell where the theorem's own ``hypotheses`` do not hold (e.g.
``alpha0 > 1/100`` for ``dln.rate``, whose statement is asymptotic) is not judged (:data:`OUTSIDE`), so a
variant with other hypotheses is judged on its own region too.

How ``check`` reaches this module: :func:`monoverify.theory.judge.checking.evidence` calls
``dln_observations(theorem, quick, seed)`` for ``theorem.metric in DLN_METRICS``
(:data:`monoverify.theory.metrics.DLN_METRICS`, the dispatch key) before any operator battery is built.

>>> from monoverify.theory.theorems import get
>>> obs = dln_observations(get("dln.selection"), quick=True, seed=0)
>>> len(obs) > 0 and all(o.ratio <= 1 for o in obs if o.judged)
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from monoverify.operators.basis_pursuit import BasisPursuit, basis_pursuit
from monoverify.operators.dln import DiagonalLinearNetwork, flow_limit, gradient_flow

from .cells import evaluate
from .verdict import Observation

__all__ = ["dln_observations", "battery", "Problem", "UNRESOLVED", "NOT_CONVERGED", "OUTSIDE"]

#: why a cell is not judged
OUTSIDE = "outside the theorem's hypotheses (no claim)"
UNRESOLVED = "limit not resolved in float64 (Newton residual above 1% of the distance)"
NOT_CONVERGED = "ODE flow did not reach its residual tolerance within its budget"
FAR_FROM_S = "flow limit farther from S than a quarter of the two selections' separation (pre-asymptotic)"


@dataclass(frozen=True)
class Problem:
    """One sensing problem of the battery and its basis pursuit reference."""

    label: str
    A: np.ndarray
    b: np.ndarray
    bp: BasisPursuit
    ksharp: float                 # max_j ||A_T^+ a_j||_2 off the support (unique problems; nan otherwise)


def _target(rng: np.random.Generator, n: int, idx: np.ndarray) -> np.ndarray:
    x = np.zeros(n)
    x[idx] = rng.choice([-1.0, 1.0], idx.size) * rng.uniform(0.5, 1.5, idx.size)
    return x


def _ksharp(A: np.ndarray, bp: BasisPursuit) -> float:
    T = bp.support
    if not bp.unique or not np.any(~T):
        return float("nan")
    P = np.linalg.pinv(A[:, T]) @ A[:, ~T]
    return float(np.max(np.linalg.norm(P, axis=0)))


@functools.lru_cache(maxsize=8)
def battery(quick: bool, seed: int) -> tuple[list[Problem], list[Problem]]:
    """``(unique-minimiser problems, non-unique problems)`` of the battery (cached per process)."""
    rng = np.random.default_rng(10_000 + seed)
    n = 40
    shapes = (12,) if quick else (12, 20)
    sparsities = (2, 3) if quick else (1, 2, 3)
    reps = 1 if quick else 2
    unique, faces = [], []
    for m in shapes:
        for s in sparsities:
            for r in range(reps):
                for _ in range(20):   # resample until basis pursuit has a unique minimiser
                    A = rng.standard_normal((m, n)) / np.sqrt(m)
                    x = _target(rng, n, rng.choice(n, s, replace=False))
                    bp = basis_pursuit(A, A @ x)
                    if bp.unique:
                        break
                unique.append(Problem(f"gaussian {m}x{n}, s={s}, #{r}", A, A @ x, bp, _ksharp(A, bp)))
        for r in range(1 if quick else 2):
            for _ in range(20):       # a segment of minimisers: a_3 = (a_1 + a_2)/2, target on {1, 2}
                A = rng.standard_normal((m, n)) / np.sqrt(m)
                A[:, 2] = (A[:, 0] + A[:, 1]) / 2
                x = _target(rng, n, 3 + rng.choice(n - 3, 1, replace=False))
                x[0], x[1] = rng.uniform(0.8, 1.2), rng.uniform(0.1, 0.4)
                bp = basis_pursuit(A, A @ x)
                if not bp.unique and bp.face_dim >= 1:
                    break
            faces.append(Problem(f"gaussian {m}x{n} with a_3 = (a_1 + a_2)/2, #{r}", A, A @ x, bp, float("nan")))
    return unique, faces


def alphas(depth: int, quick: bool) -> np.ndarray:
    """The decades of the battery for ``depth``."""
    last = {2: 6 if quick else 8}.get(depth, 3 if quick else 4)
    return 10.0 ** -np.arange(1, last + 1)


@functools.lru_cache(maxsize=64)
def _limits(quick: bool, seed: int, kind: str, i: int, depth: int) -> tuple[np.ndarray, np.ndarray]:
    p = battery(quick, seed)[0 if kind == "unique" else 1][i]
    return flow_limit(p.A, p.b, depth, alphas(depth, quick), return_residual=True)


def _resolved(p: Problem, residual: float, measured: float) -> bool:
    smin = np.linalg.svd(p.A, compute_uv=False)[-1]
    return residual / smin <= 1e-2 * abs(measured)


def _obs(th: Any, label: str, params: dict, measured: float, judged: bool = True, why: str = "") -> Observation:
    """One cell: ``measured`` against the theorem's bound at ``params``; not judged outside its hypotheses."""
    b = float(evaluate(th.bound, params, 1)[0])
    ratio = measured / b if b > 0 else (math.inf if measured > 0 else 0.0)
    if not bool(evaluate(th.hypotheses, params, 1)[0]):
        judged, why = False, OUTSIDE
    return Observation(label, dict(params), float(ratio), judged=judged, why=why, measured=float(measured), bound=b)


def _problem_params(p: Problem) -> dict:
    return {"wstar": float(np.linalg.norm(p.bp.w)), "l1star": float(p.bp.value), "varrho": float(p.bp.varrho)}


def dln_observations(theorem: Any, quick: bool = False, seed: int = 0) -> list:
    """The observations of a ``dln.*`` theorem on its battery (see the module docstring).

    Dispatches on ``theorem.metric`` (:data:`monoverify.theory.metrics.DLN_METRICS`):

    ``dln_l1_gap``
        ``||w_inf||_1 - min ||w||_1`` at every (problem, depth, alpha).
    ``dln_distance``
        ``dist(w_inf, S)`` (``S``: the set of basis pursuit minimisers) at every (problem, depth, alpha).
    ``dln_rate``
        ``dist(w_inf(alpha), S) / dist(w_inf(alpha/10), S)``: the contraction per decade (``dln.rate``'s
        hypotheses restrict it to ``alpha <= 1e-2``).
    ``dln_sharp_minimum``
        ``dist(w_inf, S)`` on the unique-minimiser problems, with the gap and certificate constants as parameters.
    ``dln_selection``
        ``||P_S w_inf(alpha, D) - w_sel(D)||`` on the non-unique problems: the nearest minimiser to the flow limit
        against the depth's choice; ``dother``: the same distance to the other depth's choice. Judged once the limit
        is within a quarter of ``||w_sel(2) - w_sel(3)||`` of ``S`` (before that it has not chosen yet).
    ``dln_potential``
        ``||w_flow - w_potential||`` with ``w_flow`` from :func:`~monoverify.operators.dln.gradient_flow`
        (``ode``) at ``alpha`` in ``{1e-1, 1e-2}`` on a third of the unique problems and half the non-unique ones
        (quick: two and one, depth 2 at ``1e-2``, depth 3 at ``1e-1``).
    """
    metric = theorem.metric
    fn = _SOURCES.get(metric)
    if fn is None:
        raise ValueError(f"theorem {theorem.id}: metric {metric!r} is not a DLN metric ({sorted(_SOURCES)})")
    return fn(theorem, quick, seed)


def _decades(th: Any, quick: bool, seed: int, kinds: tuple, quantity: str) -> list:
    out = []
    for kind in kinds:
        probs = battery(quick, seed)[0 if kind == "unique" else 1]
        for i, p in enumerate(probs):
            for D in (2, 3):
                W, res = _limits(quick, seed, kind, i, D)
                for a, w, r in zip(alphas(D, quick), W, res):
                    dist = float(p.bp.distance(w))
                    val = dist if quantity == "distance" else float(np.abs(w).sum() - p.bp.value)
                    params = {"alpha0": float(a), "depth": D, **_problem_params(p)}
                    ok = _resolved(p, r, dist)
                    out.append(_obs(th, p.label, params, val, ok, "" if ok else UNRESOLVED))
    return out


def _gap(th: Any, quick: bool, seed: int) -> list:
    return _decades(th, quick, seed, ("unique", "face"), "gap")


def _distance(th: Any, quick: bool, seed: int) -> list:
    return _decades(th, quick, seed, ("unique", "face"), "distance")


def _rate(th: Any, quick: bool, seed: int) -> list:
    out = []
    for kind in ("unique", "face"):
        for i, p in enumerate(battery(quick, seed)[0 if kind == "unique" else 1]):
            for D in (2, 3):
                W, res = _limits(quick, seed, kind, i, D)
                al = alphas(D, quick)
                d = np.asarray(p.bp.distance(W))
                for k in range(len(al) - 1):
                    params = {"alpha0": float(al[k]), "depth": D, **_problem_params(p)}
                    ok = _resolved(p, res[k], d[k]) and _resolved(p, res[k + 1], d[k + 1])
                    why = "" if ok else UNRESOLVED
                    out.append(_obs(th, p.label, params, float(d[k] / d[k + 1]) if d[k + 1] > 0 else math.inf, ok, why))
    return out


def _sharp_minimum(th: Any, quick: bool, seed: int) -> list:
    out = []
    for i, p in enumerate(battery(quick, seed)[0]):
        for D in (2, 3):
            W, res = _limits(quick, seed, "unique", i, D)
            for a, w, r in zip(alphas(D, quick), W, res):
                dist = float(p.bp.distance(w))
                params = {"alpha0": float(a), "depth": D, **_problem_params(p), "ksharp": p.ksharp,
                          "l1gap": max(float(np.abs(w).sum() - p.bp.value), 0.0)}
                ok = _resolved(p, r, dist)
                out.append(_obs(th, p.label, params, dist, ok, "" if ok else UNRESOLVED))
    return out


def _selection(th: Any, quick: bool, seed: int) -> list:
    out = []
    for i, p in enumerate(battery(quick, seed)[1]):
        sep = float(np.linalg.norm(p.bp.select(2) - p.bp.select(3)))
        for D, other in ((2, 3), (3, 2)):
            W, res = _limits(quick, seed, "face", i, D)
            own, oth = p.bp.select(D), p.bp.select(other)
            for a, w, r in zip(alphas(D, quick), W, res):
                pw = p.bp.project(w)          # the minimiser the flow is heading for
                d_own = float(np.linalg.norm(pw - own))
                params = {"alpha0": float(a), "depth": D, **_problem_params(p),
                          "dother": float(np.linalg.norm(pw - oth))}
                ok, why = _resolved(p, r, d_own) or d_own < 1e-3 * params["dother"], UNRESOLVED
                if float(np.linalg.norm(w - pw)) > sep / 4:
                    ok, why = False, FAR_FROM_S
                out.append(_obs(th, p.label, params, d_own, ok, "" if ok else why))
    return out


def _potential(th: Any, quick: bool, seed: int) -> list:
    uniq, faces = battery(quick, seed)
    probs = uniq[:2] + faces[:1] if quick else uniq[::3] + faces[::2]
    cells = [(2, 1e-2), (3, 1e-1)] if quick else [(D, a) for D in (2, 3) for a in (1e-1, 1e-2)]
    out = []
    for p in probs:
        for D, a in cells:
            op = DiagonalLinearNetwork(p.A, p.b, D, a)
            fl = gradient_flow(op, method="ode", tol=1e-11)
            w_pot = flow_limit(p.A, p.b, D, a)
            params = {"alpha0": a, "depth": D, **_problem_params(p)}
            ok = str(fl.status) == "converged"
            out.append(_obs(th, p.label, params, float(np.linalg.norm(fl.w - w_pot)), ok, "" if ok else NOT_CONVERGED))
    return out


_SOURCES = {"dln_l1_gap": _gap, "dln_distance": _distance, "dln_rate": _rate, "dln_sharp_minimum": _sharp_minimum,
            "dln_selection": _selection, "dln_potential": _potential}
