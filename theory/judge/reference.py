"""The certified worst case W(K) of a rate theorem at one cell (PEP, SPEC §7): the sharp reference.

For every ``rate`` theorem whose method and metric a PEP can express, :func:`reference` returns
``W(K)``, the worst case of the theorem's metric after ``K`` iterations over the theorem's class
from ``||z0 - z*||^2 <= 1``, beside the bound at ``D0 = 1``. ``bound / W`` says how loose the
theorem is; ``empirical / W`` how close a battery gets.

* Theorems that declare ``Theorem.pep`` (last iterate, metric ``operator`` / ``step``) use
  :func:`monoverify.theory.pep.worst_case` (cached there).
* The others are built here on the same class and oracle (:class:`ComonotoneLipschitzOperator`,
  :class:`PEPOracle`): ``operator_sq`` (``||F z_k||^2``), ``resolvent_residual_sq``
  (``||z_k - J_{gamma F} z_k||^2`` through an implicit step) and ``fixed_point_residual_sq``
  (``||z_{k+1} - z_k||^2 / lam^2`` of a Lookahead), last iterate or **best iterate**: one
  performance metric per iterate, PEPit maximises their minimum. Cached in
  ``cache_dir()/reference``.

A solve that is not ``optimal`` gives ``W = None`` (status said): it is never used as a reference.
With ``L`` in the class the PEP is a relaxation (an upper bound on the class worst case, not known
to be attained); the flag ``relaxation`` says so.

>>> from monoverify.theory import THEOREMS
>>> r = reference(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, 2)
>>> r.status, round(r.W, 4) <= round(r.bound, 4)
('optimal', True)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from monoverify.result import Result
from monoverify.solvers import make

from ..theorems import SYMBOLS, Theorem
from .adversary import _ARGS, _f, cell_values

__all__ = ["Reference", "reference", "expressible", "reference_cells", "MAX_SIZE"]

#: PEPs with more than this many oracle calls (K * tau * calls per step) are not attempted
MAX_SIZE = 40
_FORMULATION = 1


@dataclass
class Reference(Result):
    """``W(K)`` at one cell beside the bound (``D0 = 1``).

    Attributes
    ----------
    theorem : str
    cell : dict
    K : int
    W : float or None
        The PEP worst case of the theorem's metric (``None`` unless ``status == "optimal"``).
    bound : float
    status : str
        ``optimal`` | ``inaccurate`` | ``failed`` | ``unbounded`` | ``infeasible`` | ``not expressible``.
    relaxation : bool
        ``True`` for the Lipschitz class (an upper bound on the worst case, SPEC §9.5).
    message : str
    """

    theorem: str
    cell: dict
    K: int
    W: float | None
    bound: float
    status: str
    relaxation: bool = False
    message: str = ""

    @property
    def success(self) -> bool:
        return self.status == "optimal" and self.W is not None

    @property
    def looseness(self) -> float | None:
        """``bound / W`` (``None`` without a reference)."""
        return None if not self.success or self.W <= 0 else self.bound / self.W


def expressible(th: Theorem) -> str:
    """Empty when a PEP can express ``th``, else the reason."""
    if th.kind != "rate":
        return f"a {th.kind} theorem has no worst-case rate"
    if th.pep:
        return ""
    if th.metric not in ("operator_sq", "resolvent_residual_sq", "fixed_point_residual_sq"):
        return f"metric {th.metric} is not a PEP performance metric"
    if th.method in ("feg", "adaptive-ceg+"):
        return f"method {th.method} has iteration-dependent steps"
    return ""


def reference_cells(th: Theorem, worst: dict | None = None, quick: bool = False) -> list[dict]:
    """Normalised cells where ``W`` is computed: the declared PEP cells (quick: the first) and the
    battery's worst cell ``worst`` (absolute parameters, as a check reports them)."""
    cells = [dict(c) for c in (th.pep or {}).get("cells", ())]
    cells = cells[:1] if quick else cells
    cells += [{k: v for k, v in c.items() if k != "K"} for c in th.attack_cells]
    if worst:
        L = float(worst.get("L", 1.0))
        cell = {"L": L}
        if "rho" in worst:
            cell["c"] = -float(worst["rho"]) * L
        if "gamma" in worst:
            cell["t"] = float(worst["gamma"]) * L
        for k in ("lam", "tau", "alpha"):
            if k in worst and k not in th.derived and k in th.grid:
                cell[k] = int(worst[k]) if k == "tau" else float(worst[k])
        if cell not in cells:
            cells.append(cell)
    return cells


def _method(th: Theorem, vals: dict):
    kw = {}
    for p, expr in th.method_params.items():
        v = float(_f(expr)(*[vals.get(a, math.nan) for a in _ARGS]))
        kw[p] = int(round(v)) if p == "tau" else v
    return make(th.method, **kw)


def _bound(th: Theorem, vals: dict, K: int) -> float:
    args = [vals.get(a, math.nan) for a in _ARGS]
    args[0] = float(K)
    return float(_f(th.bound)(*args))


def reference(th: Theorem, cell: dict, K: int, *, cache: bool = True) -> Reference:
    """``W(K)`` of ``th`` at the normalised ``cell`` (see the module docstring)."""
    vals = cell_values(th, cell, int(K))
    bound = _bound(th, vals, int(K))
    why = expressible(th)
    if why:
        return Reference(th.id, dict(cell), int(K), None, bound, "not expressible", message=why)
    size = int(K) * int(vals["tau"]) if not math.isnan(vals.get("tau", math.nan)) else int(K)
    if size > MAX_SIZE:
        return Reference(th.id, dict(cell), int(K), None, bound, "not expressible",
                         message=f"PEP too large ({size} inner steps > {MAX_SIZE})")
    method = _method(th, vals)
    if th.pep:
        return _declared(th, cell, int(K), vals, method, bound)
    return _custom(th, cell, int(K), vals, method, bound, cache)


def _declared(th: Theorem, cell: dict, K: int, vals: dict, method: Any, bound: float) -> Reference:
    from monoverify.theory.pep import worst_case

    spec = th.pep
    args = [vals.get(a, math.nan) for a in _ARGS]
    args[0] = float(K)
    N = int(round(float(_f(spec.get("N", SYMBOLS["K"]))(*args))))
    scale = float(_f(sp.sympify(spec.get("scale", 1)))(*args))
    lip = spec.get("lipschitz", True)
    r = worst_case(method, vals["rho"], vals["L"] if lip else None, N, spec["metric"])
    W = r.value / scale if r.ok and r.value is not None else None
    return Reference(th.id, dict(cell), K, W, bound, r.status, bool(lip), r.message)


# ------------------------------------------------------------------------------------------
# PEPs built here (best iterate, resolvent residual, Lookahead fixed-point residual)
# ------------------------------------------------------------------------------------------
def _cache_file(inputs: dict) -> Path:
    from monoverify.theory.pep import cache_dir

    key = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:40]
    return cache_dir() / "reference" / f"{key}.json"


def _custom(th: Theorem, cell: dict, K: int, vals: dict, method: Any, bound: float, cache: bool) -> Reference:
    lip = "L" in {s.name for e in (th.hypotheses, th.bound) for s in sp.sympify(e).free_symbols}
    inputs = {"theorem": th.id, "method": repr(method), "metric": th.metric, "iterate": th.iterate, "K": K,
              "rho": vals["rho"], "L": vals["L"] if lip else None, "gamma": vals.get("gamma"),
              "lam": vals.get("lam"), "formulation": _FORMULATION}
    path = _cache_file(inputs) if cache else None
    if path is not None and path.is_file():
        with contextlib.suppress(OSError, ValueError, KeyError):
            d = json.loads(path.read_text())
            if d.get("inputs") == json.loads(json.dumps(inputs, default=str)):
                return Reference(th.id, dict(cell), K, d["W"], bound, d["status"], lip, d["message"] + " (cached)")
    W, status, msg = _solve(th, K, vals, method, lip)
    if path is not None and status != "failed":
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                json.dump({"inputs": json.loads(json.dumps(inputs, default=str)), "W": W, "status": status,
                           "message": msg}, fh)
            os.replace(tmp, path)
    return Reference(th.id, dict(cell), K, W, bound, status, lip, msg)


def _metrics(th: Theorem, oracle: Any, traj: list, vals: dict) -> list:
    """PEPit expressions of the metric at the iterates the theorem bounds."""
    K = len(traj) - 1
    if th.metric == "operator_sq":
        ks = range(K) if th.iterate == "best" else [K]
        return [oracle.F(traj[k]) ** 2 for k in ks]
    if th.metric == "resolvent_residual_sq":
        ks = range(K) if th.iterate == "best" else [K]
        return [(traj[k] - oracle.resolvent(traj[k], vals["gamma"])) ** 2 for k in ks]
    # fixed_point_residual_sq of a Lookahead: S z_k - z_k = (z_{k+1} - z_k) / lam
    lam2 = vals["lam"] ** 2
    ks = range(K - 1) if th.iterate == "best" else [K - 1]
    return [(traj[k + 1] - traj[k]) ** 2 / lam2 for k in ks]


def _solve(th: Theorem, K: int, vals: dict, method: Any, lip: bool) -> tuple[float | None, str, str]:
    from PEPit import PEP

    from monoverify.theory.pep import ComonotoneLipschitzOperator, PEPOracle

    problem = PEP()
    F = problem.declare_function(ComonotoneLipschitzOperator, rho=vals["rho"], L=vals["L"] if lip else None)
    oracle = PEPOracle(F)
    zs = F.stationary_point()
    z0 = problem.set_initial_point()
    problem.set_initial_condition((z0 - zs) ** 2 <= 1)
    # the best iterate over k < K of a fixed-point residual needs z_K; the last one z_{K+1}
    steps = K + 1 if th.metric == "fixed_point_residual_sq" else K
    state = method.init(z0, oracle)
    traj = [state["z"]]
    for _ in range(steps):
        state = method.step(state, oracle)
        traj.append(state["z"])
    for m in _metrics(th, oracle, traj, vals):
        problem.set_performance_metric(m)
    value, cstatus, primal, err, retried = None, None, None, None, ""
    for tol in (None, 1e-7, 1e-6):  # Clarabel stalls just above its default tolerances on some PEPs
        opts = {} if tol is None else {"tol_feas": tol, "tol_gap_abs": tol, "tol_gap_rel": tol}
        value, cstatus, primal, err = _run(problem, opts)
        if cstatus != "optimal_inaccurate":
            break
        retried = f" (Clarabel tolerances {tol:g})" if tol else ""
    if err or value is None or cstatus not in ("optimal",):
        st = "unbounded" if cstatus and "unbounded" in str(cstatus) else ("inaccurate" if cstatus == "optimal_inaccurate"
                                                                           else "failed")
        return None, st, err or f"solver status {cstatus!r}"
    value, primal = float(value), float(primal) if primal is not None else math.nan
    if not abs(value - primal) <= 1e-4 * abs(primal) + 1e-7:
        return None, "inaccurate", f"primal/dual gap: primal {primal:.9g}, dual {value:.9g}"
    rel = " (relaxation: rho-comonotone and L-Lipschitz; upper bound)" if lip else ""
    return value, "optimal", "optimal" + retried + rel


def _run(problem: Any, opts: dict) -> tuple:
    """Solve a built PEP: (dual value, CVXPY status, primal value, error)."""
    value, err = None, None
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = problem.solve(wrapper="cvxpy", solver="CLARABEL", verbose=0, **opts)
        except Exception as exc:  # a failed solve is a status
            err = f"{type(exc).__name__}: {exc}"
    prob = getattr(problem.wrapper, "prob", None)
    return value, getattr(prob, "status", None), getattr(prob, "value", None), err


# ------------------------------------------------------------------------------------------
# the sandwich empirical <= W <= bound a check reports
# ------------------------------------------------------------------------------------------
#: horizons where W is computed (quick, full)
REFERENCE_KS = ((4,), (1, 2, 4))


def reference_Ks(th: Theorem, quick: bool) -> tuple:
    """Horizons of the reference: the declared PEP horizons (quick: the largest) or :data:`REFERENCE_KS`,
    and any ``K`` named in ``Theorem.attack_cells``."""
    if th.pep and th.pep.get("Ks"):
        Ks = tuple(th.pep["Ks"])
        Ks = Ks[-1:] if quick else Ks
    else:
        Ks = REFERENCE_KS[0 if quick else 1]
    return tuple(sorted(set(Ks) | {int(c["K"]) for c in th.attack_cells if "K" in c}))


def strength(th: Theorem, cells: list[dict], Ks: tuple, attacks: list) -> dict:
    """Per ``(cell, K)``: empirical worst (the adversary's best measured value), ``W`` and the bound.

    Returns a dict with ``rows`` and the summaries ``empirical_over_W`` (min over rows with a
    reference: the battery's weakest point), ``bound_over_W`` (max: the loosest), ``W_over_bound``
    (max: where a scaled-down bound is closest to being false) and ``n_reference``.
    """
    rows = []
    for cell in cells:
        for K in Ks:
            ref = reference(th, cell, int(K))
            hits = [a for a in attacks if a.cell == cell and a.K == int(K) and a.success]
            emp = max((a.measured for a in hits), default=None)
            row = {"cell": cell, "K": int(K), "W": ref.W, "bound": ref.bound, "status": ref.status,
                   "relaxation": ref.relaxation, "message": ref.message, "empirical": emp,
                   "empirical_over_W": emp / ref.W if emp is not None and ref.success and ref.W > 0 else None,
                   "bound_over_W": ref.looseness}
            rows.append(row)
    good = [r for r in rows if r["W"] is not None and r["W"] > 0]
    e = [r["empirical_over_W"] for r in good if r["empirical_over_W"] is not None]
    return {"rows": rows, "n_reference": len(good),
            "empirical_over_W": min(e) if e else None,
            "bound_over_W": max(r["bound_over_W"] for r in good) if good else None,
            "W_over_bound": max(r["W"] / r["bound"] for r in good) if good else None,
            "why_none": "" if good else "; ".join(sorted({r["message"] or r["status"] for r in rows})) or expressible(th)}
