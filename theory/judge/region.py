"""Region theorems: the exact spectral radius against the stated convergence condition.

Each cell's score is how close it comes to contradicting the condition: the radius where the
condition says "converges", ``2 - radius`` where it says "diverges"; a mismatch scores ``inf``. On a
cell whose radius is within ``BOUNDARY`` of 1 nothing is decidable: where the condition says
"diverges" (radius >= 1) the cell is simply not judged; where it *claims convergence* there (a
non-strict ``<=`` that admits its own boundary), the claim is **undecidable** and the verdict is
``inconclusive`` at the boundary, never ``holds``. Runs on cells clearly inside and outside confirm the
radii; a run that disagrees makes the evidence unsound.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from monoverify.solvers import run

from ..theorems import Theorem
from .cells import ARGS, OUTSIDE, column, group_cells, label_params, lambdify, method_for
from .rate import nonzero_eigs
from .statement import region
from .verdict import UNDECIDABLE, Evidence, Observation

__all__ = ["region_evidence", "BOUNDARY", "ON_BOUNDARY"]

#: groups of cells (an instance and a structural tau) whose radii runs confirm, chosen by a seeded draw
CONFIRM_GROUPS = 12
#: cells whose spectral radius is within this distance of 1 are on the boundary (not judged)
BOUNDARY = 1e-9
ON_BOUNDARY = "on the boundary (radius within 1e-9 of 1)"
UNDEFINED = "the method is undefined here (a singular step: radius NaN)"


def region_evidence(th: Theorem, bat: list, progress: Callable[[int], None] | None = None) -> Evidence:
    """Judge the condition against the exact spectral radius on every admitted cell."""
    ev = Evidence()
    confirm = set(np.random.default_rng(0).permutation(sum(len(group_cells(c, by_K=False)) for _, c in bat))
                  [:CONFIRM_GROUPS].tolist())
    g = -1
    cond_f = lambdify(th.condition)
    creg = region(th, "condition")
    mism = emp_bad = 0
    for inst, cells in bat:
        op = inst.operator()
        for (_tau, _K), cs in group_cells(cells, by_K=False).items():
            g += 1
            if progress:
                progress(len(cs))
            method = method_for(th, cs)
            rad = np.broadcast_to(np.asarray(_radius(method, op), float), (len(cs),))
            cond = np.broadcast_to(np.asarray(cond_f(*[column(cs, a) for a in ARGS]), bool), (len(cs),))
            on_boundary = np.abs(rad - 1) <= BOUNDARY
            at_edge = _on_condition_boundary(creg, cs)
            bad = ~on_boundary & (cond != (rad < 1)) & ~np.isnan(rad)
            mism += int(bad.sum())
            for j, cell in enumerate(cs):
                ev.curves.append({"instance": inst.label, "params": label_params(cell), "radius": float(rad[j]),
                                  "condition": bool(cond[j]), "mismatch": bool(bad[j])})
                score = np.inf if bad[j] else (rad[j] if cond[j] else 2 - rad[j])
                why = OUTSIDE if not cell.inside else (ON_BOUNDARY if on_boundary[j] else "")
                # convergence claimed exactly on the condition's own boundary, where the radius is 1 up to
                # rounding (a non-strict <= admitting its boundary), or at a point where the method itself is
                # undefined (a singular resolvent, radius NaN): no measurement decides it
                undefined = bool(cell.inside and np.isnan(rad[j]))
                undecidable = bool(cell.inside and on_boundary[j] and cond[j] and at_edge[j]) or undefined
                if undefined:
                    why, bad[j] = UNDEFINED, False
                o = Observation(inst.label, {**label_params(cell), "radius": float(rad[j]), "condition": bool(cond[j])},
                                float(score), judged=not why, why=UNDECIDABLE if undecidable else why,
                                measured=float(rad[j]), undecidable=undecidable, source="spectral")
                ev.observations.append(o)
                ev.extra.setdefault("cases", []).append((inst, cell, o))
            if g in confirm:
                emp_bad += _empirical_confirmation(method, op, inst.start(), rad, len(cs))
    boundary = sum(o.why in (ON_BOUNDARY, UNDECIDABLE) for o in ev.observations)
    if boundary:
        ev.notes.append(f"{boundary} cell(s) with spectral radius within 1e-9 of 1 (on the boundary) not judged")
    if emp_bad:
        ev.notes.append(f"{emp_bad} run(s) disagreed with their spectral radius")
        ev.unsound.append(f"{emp_bad} run(s) disagreed with their spectral radius")
    ev.extra["mismatches"] = mism
    return ev


def _on_condition_boundary(creg: Any, cs: list) -> np.ndarray:
    """Per cell: is some conjunct of the condition exactly at its boundary (slack 0 to the last bit: the exact
    boundary points of the sampler, not points near a degenerate end such as t -> 0)?"""
    from .cells import normalise

    rows = [{**normalise(c.values), "L": c.values.get("L", 1.0)} for c in cs]
    keys = set().union(*rows) if rows else set()
    P = {k: np.array([float(r.get(k, np.nan)) for r in rows]) for k in keys}
    edge = np.zeros(len(cs), bool)
    for q in creg.conjuncts:
        edge |= np.abs(np.nan_to_num(q.slack(P), nan=np.inf)) <= 4e-16   # exactly on it (to the last bit)
    return edge


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
    if sel.size == 0 or z0 is None:
        return 0
    host = method.map_hyper(lambda name, v: np.broadcast_to(np.asarray(v, float), (n,))[sel])
    z = np.broadcast_to(z0, (sel.size, op.dim)).copy()
    # only the first row, the last row (kept for instances at max_iter) and the statuses are read
    r = run(host, op, z, iters=iters, diverge_at=1e6, linear="auto", record=False)
    r0 = r.history.residual[0]
    final = r.final_residual
    conv = (np.asarray(r.status) == "max_iter") & (final <= 1e-6 * r0)
    div = np.asarray(r.status) == "diverged"
    expect_conv = rad[sel] <= 0.99
    return int(np.sum(expect_conv & ~conv) + np.sum(~expect_conv & ~div))
