"""Rate theorems: the measured curve against the bound at every ``k`` (or at the final ``K``).

:func:`grid_evidence` measures every cell of a battery: stackable linear instances all at once
(:mod:`.linear_stack`, one batched computation per structural ``tau``, ``K`` and row size), the
others by :func:`monoverify.solvers.run`. Each (instance, cell) gives one observation with its worst
ratio measured/bound over the checked ``k``. A cell is not judged when its run left a trajectory
hypothesis (``Theorem.iterate_bound``: the ball ``||z - z*|| <= D``) or the region where the
operator's constants hold, when the run's resolvent did not converge (the evidence is then also
unsound: the verdict cannot be ``holds``), or when the bound is undefined there (NaN). A diverged run or
a NaN measurement in a judged cell is a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from monoverify.solvers import run
from monoverify.solvers.linear_path import NotLinear

from .. import metrics as M
from ..theorems import Theorem
from .cells import ARGS, OUTSIDE, column, evaluate, group_cells, label_params, lambdify, method_for
from .verdict import Evidence, Observation

__all__ = ["grid_evidence", "measure", "measure_stack", "Measured", "spectral_column", "fit_exponent",
           "LEFT_BALL", "LEFT_REGION", "RESOLVENT", "NO_BOUND"]

LEFT_BALL = "left the ball ||z - z*|| <= D (trajectory hypothesis)"
LEFT_REGION = "left the region where L holds"
RESOLVENT = "resolvent not converged"
NO_BOUND = "the bound is undefined here (NaN)"


def spectral_column(method: Any, op: Any) -> np.ndarray | None:
    """Spectral radius of ``method`` on the nonzero eigenvalues of ``op`` (alternating methods: through
    the iteration matrix); ``None`` for a non-stationary method or where no iteration matrix exists."""
    from monoverify.solvers.alternating import uses_players

    from ..spectral import spectral_radius

    try:
        if uses_players(method):
            from ..players import radius

            return np.atleast_1d(radius(method, op))
        return np.atleast_1d(np.asarray(spectral_radius(method, nonzero_eigs(op)), dtype=float))
    except ValueError as exc:
        if uses_players(method) or "not stationary" in str(exc):
            return None
        raise


def nonzero_eigs(op: Any) -> np.ndarray:
    """Eigenvalues without the zeros (on ker M every method fixes points: convergence, not its failure)."""
    e = np.asarray(op.eigenvalues())
    return e[np.abs(e) > 1e-12 * max(1.0, float(np.max(np.abs(e))))]


def bounds(th: Theorem, cs: list, ks: np.ndarray) -> np.ndarray:
    """The bound at every checked ``k`` (rows) of every cell (columns), ``K := k``."""
    vals = {a: column(cs, a)[None, :] for a in ARGS}
    vals["K"] = ks[:, None].astype(float)
    f = lambdify(th.bound)
    return np.broadcast_to(np.asarray(f(*[vals[a] for a in ARGS]), float), (ks.size, len(cs))).copy()


def ratios(m: np.ndarray, bnd: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """measured/bound; ``inf`` for a run that diverged (``bad``) or a NaN measurement; 0/0 is 0."""
    with np.errstate(all="ignore"):
        r = np.where(bnd > 0, m / bnd, np.where(m > 0, np.inf, 0.0))
    r[:, bad] = np.inf
    return np.where(np.isnan(r) & ~np.isnan(bnd), np.inf, r)


@dataclass
class Measured:
    """One batched measurement of a group of cells: checked ``ks``, measured and bound ``(ks, cells)``,
    ratios, per cell why it is not judged (``""`` when judged) and the run (``None`` for a stack)."""

    run: Any
    ks: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    ratio: np.ndarray
    why: list
    status: list

    def observation(self, label: str, j: int, params: dict, source: str = "grid") -> Observation:
        """The observation of cell ``j`` (its worst ``k``)."""
        r = np.where(np.isnan(self.ratio[:, j]), -np.inf, self.ratio[:, j])
        jk = int(np.argmax(r))
        return Observation(label, params, float(self.ratio[jk, j]), judged=not self.why[j], why=self.why[j],
                           k=int(self.ks[jk]), measured=float(self.measured[jk, j]), bound=float(self.bound[jk, j]),
                           source=source)


def _checked(th: Theorem, K: int) -> np.ndarray:
    return np.arange(1, K + 1) if th.check_at == "all" else np.array([K])


def _finish(th: Theorem, meas: np.ndarray, cs: list, K: int, bad: np.ndarray, why: list, run_: Any,
            status: list, dist: np.ndarray | None) -> Measured:
    if th.iterate == "best":
        meas = M.running_best(meas)
    ks = _checked(th, K)
    bnd = bounds(th, cs, ks)
    m = np.asarray(meas, float)[ks, :]
    r = ratios(m, bnd, bad)
    why = list(why)
    if th.iterate_bound is not None and dist is not None:
        lim = np.broadcast_to(evaluate(th.iterate_bound, {a: column(cs, a) for a in ARGS if a != "K"}, len(cs)),
                              (len(cs),))
        left = np.nanmax(dist, axis=0) > lim
        why = [LEFT_BALL if x else w for x, w in zip(left, why)]
    undefined = np.all(np.isnan(bnd), axis=0)
    why = [w or (NO_BOUND if u else "") for w, u in zip(why, undefined)]
    return Measured(run_, ks, m, bnd, r, why, status)


def measure(th: Theorem, op: Any, method: Any, z0: Any, cs: list) -> Measured:
    """Run ``method`` (batched over the cells ``cs``, one horizon ``K``) on ``op`` from ``z0`` and compare."""
    n, Kmax = len(cs), int(cs[0]["K"])
    host = method.map_hyper(lambda name, v: np.broadcast_to(np.asarray(v, float), (n,)))
    mons = M.monitors_for(th.metric, op, host, 2 if th.check_at == "final" else Kmax + 1)
    region = getattr(op, "valid_region", None)
    if region is not None:
        mons["inside"] = lambda z, idx, region=region: np.asarray(region.contains(z), dtype=float)
    z = np.broadcast_to(np.asarray(z0, dtype=float), (n, op.dim)).copy()
    r = run(method, op, z, iters=Kmax, monitors=mons, monitor_final_only=th.check_at == "final",
            linear="auto", record_residual=M.reads_residual(th.metric))
    status = [str(s) for s in np.atleast_1d(np.asarray(r.status))]
    why = [RESOLVENT] * n if r.resolvent_failures else [""] * n
    if region is not None:
        out = np.nanmin(r.history.monitors["inside"], axis=0) < 1
        why = [w or (LEFT_REGION if x else "") for x, w in zip(out, why)]
    bad = np.array([s != "max_iter" for s in status])
    return _finish(th, M.curve(th.metric, r), cs, Kmax, bad, why, r, status, r.history.distance)


def measure_stack(th: Theorem, method: Any, Ms: np.ndarray, y0: np.ndarray, cell_of: np.ndarray, cs: list) -> Measured:
    """The cells ``cs`` on stacked linear rows (``cell_of``: the cell of each row), one horizon ``K``."""
    from .linear_stack import at_horizons, curves

    K = int(cs[0]["K"])
    n = len(cs)
    host = method.map_hyper(lambda name, v: np.asarray(np.broadcast_to(np.asarray(v, float), (n,)))[cell_of])
    if th.check_at == "final":
        vals = at_horizons(host, Ms, y0, [0, K], th.metric, cell_of, n)
        meas = np.full((K + 1, n), np.nan)
        meas[0], meas[K] = vals[0], vals[1]
    else:
        meas = curves(host, Ms, y0, K, th.metric, cell_of, n)
    dist = None
    if th.iterate_bound is not None:
        dist = np.sqrt(curves(host, Ms, y0, K, "distance_sq", cell_of, n))
    bad = ~np.isfinite(meas[-1]) & ~np.isnan(meas[-1])
    return _finish(th, meas, cs, K, bad, [""] * n, None, ["linear" if not b else "diverged" for b in bad], dist)


def _stack_groups(items: list) -> dict:
    """``(instance, cells)`` of stackable instances grouped by (tau, K, row size)."""
    groups: dict = {}
    for inst, cells in items:
        for (tau, K), cs in group_cells(cells, by_K=True).items():
            groups.setdefault((tau, K, inst.rows[0].shape[1]), []).append((inst, cs))
    return groups


def grid_evidence(th: Theorem, bat: list, progress: Callable[[int], None] | None = None,
                  source: str = "grid") -> Evidence:
    """Measure every admitted cell of ``bat`` (``[(instance, cells)]``) and compare with the bound."""
    ev = Evidence()
    stack, direct = [], []
    for inst, cells in bat:
        (stack if inst.stackable else direct).append((inst, cells))
    failures = 0
    for key, members in _stack_groups(stack).items():
        cs = [c for _, group in members for c in group]
        if progress:
            progress(len(cs))
        Ms = np.concatenate([np.repeat(inst.rows[0][None], len(g), 0).reshape(-1, *inst.rows[0].shape[1:])
                             for inst, g in members])
        y0 = np.concatenate([np.tile(inst.rows[1], (len(g), 1)) for inst, g in members])
        cell_of = np.concatenate([np.repeat(np.arange(len(g)), len(inst.rows[0])) + off
                                  for (inst, g), off in zip(members, np.cumsum([0] + [len(g) for _, g in members])[:-1])])
        method = method_for(th, cs)
        try:
            me = measure_stack(th, method, Ms, y0, cell_of, cs)
        except NotLinear:      # non-stationary or alternating methods: run each instance directly
            direct += [(inst, g) for inst, g in members]
            continue
        off = 0
        for inst, g in members:
            for j, cell in enumerate(g):
                _record(ev, inst, me, off + j, cell, source)
            off += len(g)
    for inst, cells in direct:
        op, z0 = inst.operator(), inst.start()
        for (_tau, _K), cs in group_cells(cells, by_K=True).items():
            if progress:
                progress(len(cs))
            me = measure(th, op, method_for(th, cs), z0, cs)
            failures += int(me.run.resolvent_failures)
            for j, cell in enumerate(cs):
                _record(ev, inst, me, j, cell, source)
    if failures:
        ev.notes.append(f"{failures} resolvent evaluation(s) did not converge: the affected cells are not judged")
        ev.unsound.append(f"{failures} unconverged resolvent evaluation(s)")
    return ev


def _record(ev: Evidence, inst: Any, me: Measured, j: int, cell: Any, source: str) -> None:
    label = inst.label
    o = me.observation(label, j, label_params(cell), source)
    if not cell.inside:
        o.judged, o.why = False, OUTSIDE
    ev.observations.append(o)
    ev.extra.setdefault("cases", []).append((inst, cell, o))
    ev.curves.append({"instance": label, "params": label_params(cell), "k": me.ks, "measured": me.measured[:, j],
                      "bound": me.bound[:, j], "ratio": o.ratio, "excluded": not o.judged, "why": o.why,
                      "status": me.status[j], "source": source})


def fit_exponent(curves: list, worst: dict) -> float | None:
    """Slope of log(measured) against log(k) on the second half of the worst curve."""
    for c in curves:
        if c["instance"] == worst.get("instance") and all(c["params"].get(k) == worst.get(k)
                                                         for k in ("lam", "gamma", "alpha", "K")):
            k, m = np.asarray(c["k"], float), np.asarray(c["measured"], float)
            sel = (k >= max(2, k.max() / 2)) & np.isfinite(m) & (m > 1e-300)
            if sel.sum() < 5:
                return None
            return float(np.polyfit(np.log(k[sel]), np.log(m[sel]), 1)[0])
    return None
