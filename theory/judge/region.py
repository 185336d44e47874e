"""Region theorems: the exact spectral radius against the stated convergence condition.

Each cell's score is how close it comes to contradicting the condition: the radius where the
condition says "converges", ``2 - radius`` where it says "diverges"; a mismatch scores ``inf``.
Cells on the boundary (radius within ``BOUNDARY`` of 1) are not judged: the condition claims
nothing decidable there. Runs on cells clearly inside and outside confirm the radii; a run that
disagrees makes the evidence unsound (the verdict is then ``inconclusive`` unless a cell is violated).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from monoverify.solvers import run

from ..theorems import Theorem
from .cells import ARGS, OUTSIDE, column, group_cells, label_params, lambdify, method_for
from .rate import nonzero_eigs
from .result import CheckResult
from .verdict import Observation, judge

__all__ = ["check_region", "BOUNDARY"]

#: cells whose spectral radius is within this distance of 1 are on the boundary (not judged)
BOUNDARY = 1e-9
ON_BOUNDARY = "on the boundary (radius within 1e-9 of 1)"


def check_region(th: Theorem, bat: list, notes: list, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Judge the condition against the exact spectral radius on every admitted cell."""
    mism = n_inst = n_cells = emp_bad = 0
    curves, obs = [], []
    cond_f = lambdify(th.condition)
    for label, op, z0, cells, _ in bat:
        if not cells:
            continue
        n_inst += 1
        for (_tau, _K), cs in group_cells(cells, by_K=False).items():
            if progress:
                progress(len(cs))
            n_cells += len(cs)
            method = method_for(th, cs)
            rad = np.broadcast_to(np.asarray(_radius(method, op), float), (len(cs),))
            cond = np.broadcast_to(np.asarray(cond_f(*[column(cs, a) for a in ARGS]), bool), (len(cs),))
            on_boundary = np.abs(rad - 1) <= BOUNDARY
            bad = ~on_boundary & (cond != (rad < 1))
            mism += int(bad.sum())
            for j, cell in enumerate(cs):
                curves.append({"instance": label, "params": label_params(cell), "radius": float(rad[j]),
                               "condition": bool(cond[j]), "mismatch": bool(bad[j])})
                score = np.inf if bad[j] else (rad[j] if cond[j] else 2 - rad[j])
                why = OUTSIDE if not cell.inside else (ON_BOUNDARY if on_boundary[j] else "")
                obs.append(Observation(label, {**label_params(cell), "radius": float(rad[j]), "condition": bool(cond[j])},
                                       float(score), judged=not why, why=why, measured=float(rad[j])))
            emp_bad += _empirical_confirmation(method, op, z0, rad, len(cs))
    boundary = sum(o.why == ON_BOUNDARY for o in obs)
    if boundary:
        notes.append(f"{boundary} cell(s) with spectral radius within 1e-9 of 1 (on the boundary) not judged")
    if emp_bad:
        notes.append(f"{emp_bad} run(s) disagreed with their spectral radius")
    j = judge(th, obs, evidence_ok=emp_bad == 0, evidence_why=f"{emp_bad} run(s) disagreed with their spectral radius")
    worst = {} if j.worst is None else {"instance": j.worst.instance, **j.worst.params}
    res = CheckResult(th, j.verdict, j.worst_ratio, worst, n_inst, n_cells, curves, None,
                      {"cells": n_cells, "boundary": boundary}, mism, False, notes)
    return res.apply(j)


def _radius(method: Any, op: Any) -> np.ndarray:
    """Exact spectral radius: the multiplier on the nonzero eigenvalues, or the iteration matrix for
    methods that update the players in turn (:mod:`monoverify.theory.players`)."""
    from monoverify.solvers.alternating import uses_players

    from ..players import radius
    from ..spectral import spectral_radius

    return radius(method, op) if uses_players(method) else spectral_radius(method, nonzero_eigs(op))


def _empirical_confirmation(method: Any, op: Any, z0: Any, rad: np.ndarray, n: int, iters: int = 3000) -> int:
    """Run cells with radius <= 0.99 or >= 1.01; count those whose run disagrees."""
    sel = np.nonzero((rad <= 0.99) | (rad >= 1.01))[0][:12]
    if sel.size == 0:
        return 0
    host = method.map_hyper(lambda name, v: np.broadcast_to(np.asarray(v, float), (n,))[sel])
    z = np.broadcast_to(z0, (sel.size, op.dim)).copy()
    r = run(host, op, z, iters=iters, diverge_at=1e6, linear="auto")
    r0 = r.history.residual[0]
    final = r.final_residual
    conv = (np.asarray(r.status) == "max_iter") & (final <= 1e-6 * r0)
    div = np.asarray(r.status) == "diverged"
    expect_conv = rad[sel] <= 0.99
    return int(np.sum(expect_conv & ~conv) + np.sum(~expect_conv & ~div))
