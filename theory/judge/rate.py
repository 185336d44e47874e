"""Rate theorems: the measured curve against the bound at every ``k`` (or at the final ``K``).

Each cell's observation carries its worst ratio measured/bound. A cell is not judged when its
run left a trajectory hypothesis (``Theorem.iterate_bound``: the ball ``||z - z*|| <= D``) or
the region where the operator's constants hold, or when the run's resolvent did not converge
(then the evidence is also unsound: the verdict cannot be ``holds``). A diverged run or a NaN
measurement in a judged cell is a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from monoverify.solvers import run

from .. import metrics as M
from ..theorems import Theorem
from .cells import ARGS, OUTSIDE, column, evaluate, group_cells, label_params, lambdify, method_for
from .result import CheckResult
from .verdict import Observation, judge

__all__ = ["check_rate", "measure", "Measured", "spectral_column", "fit_exponent", "LEFT_BALL", "LEFT_REGION", "RESOLVENT"]

LEFT_BALL = "left the ball ||z - z*|| <= D (trajectory hypothesis)"
LEFT_REGION = "left the region where L holds"
RESOLVENT = "resolvent not converged"


def spectral_column(method: Any, op: Any) -> np.ndarray | None:
    """Spectral radius of ``method`` on the nonzero eigenvalues of ``op``.

    Methods that update the players in turn (``alt-gda``) have no multiplier per eigenvalue: their
    radius comes from the iteration matrix (:func:`monoverify.theory.players.radius`), ``None`` where
    that does not exist (a constrained operator, or one without players). Otherwise ``None`` only for
    the documented case of a non-stationary method (e.g. feg: its step counter changes, there is no
    single multiplier); every other exception propagates.
    """
    from monoverify.solvers.alternating import uses_players

    from ..spectral import spectral_radius

    if uses_players(method):
        from ..players import radius

        try:
            return np.atleast_1d(radius(method, op))
        except ValueError:  # constrained or without players: no iteration matrix
            return None
    try:
        return np.atleast_1d(np.asarray(spectral_radius(method, nonzero_eigs(op)), dtype=float))
    except ValueError as exc:
        if "not stationary" in str(exc):
            return None
        raise


def nonzero_eigs(op: Any) -> np.ndarray:
    """Eigenvalues without the zeros: on ker M every method fixes points (multiplier 1), which is
    convergence, not its failure (SPEC §5; ker M is semisimple for the normal families used here)."""
    e = np.asarray(op.eigenvalues())
    return e[np.abs(e) > 1e-12 * max(1.0, float(np.max(np.abs(e))))]


def _bounds(bound_f, cs: list, ks: np.ndarray) -> np.ndarray:
    vals = {a: column(cs, a)[None, :] for a in ARGS}
    vals["K"] = ks[:, None].astype(float)
    return np.broadcast_to(bound_f(*[vals[a] for a in ARGS]), (ks.size, len(cs)))


def _ratios(m: np.ndarray, bnd: np.ndarray, status: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(bnd > 0, m / bnd, np.where(m > 0, np.inf, 0.0))
    ratio[:, status != "max_iter"] = np.inf     # a run that diverged or produced NaN inside the hypotheses
    return np.where(np.isnan(ratio), np.inf, ratio)


def _excluded(th: Theorem, r: Any, cs: list, region: Any) -> list[str]:
    """Per cell: why it is not judged ('' when judged)."""
    why = [""] * len(cs)
    if r.resolvent_failures:
        return [RESOLVENT] * len(cs)
    if th.iterate_bound is not None and r.history.distance is not None:
        vals = {a: column(cs, a) for a in ARGS if a != "K"}
        lim = np.broadcast_to(evaluate(th.iterate_bound, vals, len(cs)), (len(cs),))
        left = np.nanmax(r.history.distance, axis=0) > lim
        why = [LEFT_BALL if x else w for x, w in zip(left, why)]
    if region is not None:
        out = np.nanmin(r.history.monitors["inside"], axis=0) < 1
        why = [w or (LEFT_REGION if x else "") for x, w in zip(out, why)]
    return why


@dataclass
class Measured:
    """One batched run of a group of cells: checked ``ks``, measured and bound ``(ks, cells)``, ratios, and
    per cell why it is not judged (``""`` when judged)."""

    run: Any
    ks: np.ndarray
    measured: np.ndarray
    bound: np.ndarray
    ratio: np.ndarray
    why: list

    def observation(self, label: str, j: int, params: dict) -> Observation:
        """The observation of cell ``j`` (its worst ``k``)."""
        jk = int(np.argmax(self.ratio[:, j]))
        return Observation(label, params, float(self.ratio[jk, j]), judged=not self.why[j], why=self.why[j],
                           k=int(self.ks[jk]), measured=float(self.measured[jk, j]), bound=float(self.bound[jk, j]))


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
            linear="auto", record_residual=M.reads_residual(th.metric))  # linear operators: the transition matrix of the method's own step (one product per step)
    meas = M.curve(th.metric, r)
    if th.iterate == "best":
        meas = M.running_best(meas)
    ks = np.arange(1, Kmax + 1) if th.check_at == "all" else np.array([Kmax])
    bnd, m = _bounds(lambdify(th.bound), cs, ks), np.asarray(meas, float)[ks, :]
    ratio = _ratios(m, bnd, np.atleast_1d(np.asarray(r.status)))
    return Measured(r, ks, m, bnd, ratio, _excluded(th, r, cs, region))


def check_rate(th: Theorem, bat: list, notes: list, progress: Callable[[int], None] | None = None) -> CheckResult:
    """Run every admitted cell of ``bat`` and judge the curves against the bound."""
    curves, obs, radii = [], [], []
    n_inst = n_cells = failures = 0
    for label, op, z0, cells, _ in bat:
        if not cells:
            continue
        n_inst += 1
        for (_tau, _K), cs in group_cells(cells, by_K=True).items():
            if progress:
                progress(len(cs))
            n_cells += len(cs)
            method = method_for(th, cs)
            me = measure(th, op, method, z0, cs)
            failures += int(me.run.resolvent_failures)
            if op.is_linear:
                rad = spectral_column(method, op)
                radii.append(None if rad is None else float(np.max(rad)))
            status = np.atleast_1d(np.asarray(me.run.status))
            for j, cell in enumerate(cs):
                o = me.observation(label, j, label_params(cell))
                if not cell.inside:
                    o.judged, o.why = False, OUTSIDE
                obs.append(o)
                curves.append({"instance": label, "params": label_params(cell), "k": me.ks, "measured": me.measured[:, j],
                               "bound": me.bound[:, j], "ratio": o.ratio, "excluded": not o.judged, "why": o.why,
                               "status": str(status[j])})
    if failures:
        notes.append(f"{failures} resolvent evaluation(s) did not converge: the affected cells are not judged")
    j = judge(th, obs, evidence_ok=failures == 0, evidence_why=f"{failures} unconverged resolvent evaluation(s)")
    worst = {} if j.worst is None else {"instance": j.worst.instance, **j.worst.params, "k": j.worst.k}
    res = CheckResult(th, j.verdict, j.worst_ratio, worst, n_inst, n_cells, curves, fit_exponent(curves, worst),
                      _spectral_summary(radii), 0, False, notes)
    return res.apply(j)


def _spectral_summary(radii: list) -> dict | None:
    if not radii:
        return None
    known = [x for x in radii if x is not None]
    if not known:
        return {"max_radius": None, "note": "n/a (non-stationary)"}
    return {"max_radius": max(known)}


def fit_exponent(curves: list, worst: dict) -> float | None:
    """Slope of log(measured) against log(k) on the second half of the worst curve."""
    for c in curves:
        if c["instance"] == worst.get("instance") and c["params"].get("lam") == worst.get("lam") \
                and c["params"].get("gamma") == worst.get("gamma") and c["params"].get("alpha") == worst.get("alpha"):
            k, m = np.asarray(c["k"], float), np.asarray(c["measured"], float)
            sel = (k >= max(2, k.max() / 2)) & np.isfinite(m) & (m > 1e-300)
            if sel.sum() < 5:
                return None
            return float(np.polyfit(np.log(k[sel]), np.log(m[sel]), 1)[0])
    return None
