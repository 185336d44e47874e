"""Where a statement is most likely wrong beyond the grid: long horizons and other scales.

Two evidence sources, each seeded by the battery's own worst cells (the highest ratios measured,
never a hint from outside the statement):

* :func:`horizon_evidence` re-checks those cells at horizons up to ``10^5`` (:data:`HORIZONS`). On
  stackable linear instances a last-iterate metric is computed by powers of the transition matrix (the
  cost does not grow with ``K``); a best-iterate metric needs every iterate and is stepped in chunks
  (up to :data:`BEST_HORIZON`); other instances run directly to :data:`DIRECT_HORIZON`. A statement
  wrong only for ``K >~ 100-1000`` (a ``K``-dependent factor, a slightly faster exponent) is caught here.
* :func:`scale_evidence` re-checks them on copies rescaled over decades (``L`` in ``[1e-2, 1e3]``,
  ``||z0 - z*||`` in ``[1e-3, 1e3]``, ``z* != 0``; :func:`~.instances.rescale`), at the scales where the
  dimensional check (:func:`~.statement.scaling`) says the bound is smallest relative to its metric
  (two corners of the scale box when the statement is covariant). A bound with ``sqrt(D0)`` for
  ``D0``, a dropped ``L^2`` or ``sigma`` for ``sigma^2`` is caught here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.solvers.linear_path import NotLinear

from ..theorems import Theorem
from .cells import Cell, absolute, evaluate, group_cells, method_for
from .instances import rescale
from .rate import _record, measure, measure_stack
from .sampling import MAX_TAU
from .statement import scaling
from .verdict import Evidence

__all__ = ["horizon_evidence", "scale_evidence", "top_cases", "HORIZONS", "BEST_HORIZON", "DIRECT_HORIZON"]

#: horizons re-checked (quick, full)
HORIZONS = ((1000, 10000, 100000), (300, 1000, 3000, 10000, 30000, 100000))
#: largest horizon of a best-iterate (every iterate) re-check on linear instances (quick, full)
BEST_HORIZON = (10000, 100000)
#: largest horizon of a direct run (nonlinear or constrained instances)
DIRECT_HORIZON = (1000, 3000)
#: worst cells escalated (quick, full)
TOP = (6, 16)
#: rows of a stacked best-iterate re-check (cost guard: every iterate of every row)
MAX_ROWS = 256
#: outer x inner steps of one direct re-check run (cost guard; quick, full)
DIRECT_STEPS = (20000, 100000)


def top_cases(ev: Evidence, n: int, stackable: bool | None = None, exclude: tuple = ()) -> list:
    """The ``n`` judged cases with the highest ratios (one per instance and cell), worst first
    (``exclude``: cell origins left out)."""
    cases = [c for c in ev.extra.get("cases", []) if c[2].judged and np.isfinite(c[2].ratio)
             and (stackable is None or c[0].stackable == stackable) and c[1].origin not in exclude]
    cases.sort(key=lambda c: -c[2].ratio)
    seen, out = set(), []
    for inst, cell, o in cases:
        k = (inst.label, cell.key())
        if k in seen:
            continue
        seen.add(k)
        out.append((inst, cell, o))
        if len(out) >= n:
            break
    return out


def _at(th: Theorem, inst: Any, cell: Cell, **norm: Any) -> Cell | None:
    """The cell at new normalised values on ``inst`` (``None`` when outside the hypotheses or past the cost guard)."""
    c2 = cell.at(**norm)
    vals = absolute(th, c2.norm, rho=inst.rho, L=inst.L, D0=inst.D0, **inst.consts)
    if not bool(evaluate(th.hypotheses, vals, 1)[0]):
        return None
    tau = vals.get("tau")
    if "tau" in th.derived and not (isinstance(tau, int) and 1 <= tau <= MAX_TAU):
        return None
    return Cell(c2.norm, c2.L, c2.r, c2.origin, True, vals)


def _linear_method(th: Theorem, cell: Cell) -> bool:
    """Does the theorem's method have a transition matrix (stationary and linear) at ``cell``?"""
    from monoverify.solvers.linear_path import linear_transition

    try:
        linear_transition(method_for(th, [cell]), np.array([[0.5, 1.0], [-1.0, 0.5]]))
        return True
    except (NotLinear, ValueError, TypeError):
        return False


def _steps(cell: Cell) -> int:
    tau, K = cell.values.get("tau"), cell.values.get("K")
    K = 1 if K is None or not np.isfinite(float(K)) else int(K)
    return K * (int(tau) if isinstance(tau, (int, np.integer)) else 1)


def _measure_all(th: Theorem, ev: Evidence, items: list, source: str) -> None:
    """Measure ``[(instance, cell)]`` (stackable ones together per instance and group, the others directly)."""
    by_inst: dict = {}
    for inst, cell in items:
        by_inst.setdefault(id(inst), (inst, []))[1].append(cell)
    for inst, cells in by_inst.values():
        for (_tau, K), cs in group_cells(cells, by_K=True).items():
            method = method_for(th, cs)
            if inst.stackable:
                Ms, y0 = inst.rows
                n = len(cs)
                cell_of = np.repeat(np.arange(n), len(Ms))
                try:
                    me = measure_stack(th, method, np.tile(Ms, (n, 1, 1)), np.tile(y0, (n, 1)), cell_of, cs)
                except NotLinear:
                    me = measure(th, inst.operator(), method, inst.start(), cs)
            else:
                me = measure(th, inst.operator(), method, inst.start(), cs)
            for j, cell in enumerate(cs):
                _record(ev, inst, me, j, cell, source)


def horizon_evidence(th: Theorem, base: Evidence, quick: bool) -> Evidence:
    """The battery's worst cells at long horizons (module docstring)."""
    ev = Evidence()
    if th.kind != "rate":
        return ev
    i = 0 if quick else 1
    items = []
    cases = top_cases(base, TOP[i])
    linear = bool(cases) and _linear_method(th, cases[0][1])
    for inst, cell, _ in cases:
        stack = inst.stackable and linear
        rows = len(inst.rows[0]) if inst.stackable else 0
        for K in HORIZONS[i]:
            if K <= int(cell.norm.get("K", 0)):
                continue
            if not stack and K > DIRECT_HORIZON[i]:
                continue
            if stack and th.iterate == "best" and th.check_at == "all" and (K > BEST_HORIZON[i] or rows > MAX_ROWS):
                continue
            c2 = _at(th, inst, cell, K=K, origin="horizon")
            if c2 is not None and (stack or _steps(c2) <= DIRECT_STEPS[i]):
                items.append((inst, c2))
    _measure_all(th, ev, items, "horizon")
    if items:
        ev.notes.append(f"horizon: {len(items)} re-check(s) of the worst cells up to K = "
                        f"{max(int(c['K']) for _, c in items)}")
    return ev


def scale_evidence(th: Theorem, base: Evidence, quick: bool, seed: int = 0) -> Evidence:
    """The battery's worst cells on rescaled copies of their instances (module docstring)."""
    ev = Evidence()
    if th.kind not in ("rate", "property"):
        return ev
    sc = scaling(th)
    i = 0 if quick else 1
    scales = list(sc.scales[:3 if quick else 6]) if not sc.covariant else [(1e3, 1e-3), (1e-2, 1e3)]
    from ..metrics import EXPECTED_METRICS

    expected = th.metric in EXPECTED_METRICS
    items = []
    # the matrix alone (radii, norms) and the stochastic confidence statement (an unconstrained linear F
    # without offset) keep z* = 0; the others move it
    offset = th.metric not in ("spectral_radius", "iteration_matrix_norm") and not expected
    used = 0
    for n, (inst, cell, _) in enumerate(top_cases(base, TOP[i], exclude=("horizon",))):
        if used >= TOP[i] // 2:        # the worst cells that can be rescaled (cost guard, hypotheses) at all
            break
        before = len(items)
        for a, r in scales:
            new = rescale(inst, a, r, seed + n, offset)
            if new is inst:
                continue
            c2 = _at(th, new, cell, origin="scale")
            if c2 is not None and (new.stackable or _steps(c2) <= DIRECT_STEPS[i]):
                items.append((new, c2))
        if offset and inst.stackable and n < 2:
            a, r = scales[0]          # one direct run with z* != 0 (the stack works in z - z*)
            new = rescale(Instance_direct(inst), a, r, seed + 100 + n, offset)
            c2 = _at(th, new, cell, origin="scale") if new is not inst else None
            if c2 is not None and _steps(c2) <= DIRECT_STEPS[i]:
                items.append((new, c2))
        used += len(items) > before
    if expected:
        from .expectation import expectation_evidence

        ev += expectation_evidence(th, _group(items), seed=seed, quick=quick, source="scale")
    elif th.kind == "rate":
        _measure_all(th, ev, items, "scale")
    else:
        from .property import property_evidence

        ev += property_evidence(th, _group(items), source="scale")
    if sc.message:
        ev.notes.append(f"dimensional check: {sc.message}")
    return ev


def Instance_direct(inst: Any) -> Any:  # noqa: N802 - a conversion, named for what it returns
    """The direct-run form of a stackable instance (its operator and start)."""
    from .instances import Instance

    op = inst.op or inst.meta.get("op") or inst.operator()
    return Instance(inst.label, inst.family, inst.rho, inst.L, inst.D0, op=op, z0=inst.start(), meta={})


def _group(items: list) -> list:
    by: dict = {}
    for inst, cell in items:
        by.setdefault(id(inst), (inst, []))[1].append(cell)
    return list(by.values())
