"""``assert_theorem``: judge one method on one operator against a registered theorem (the plugin's core).

The run is measured with the checks' own code (:func:`~monoverify.theory.judge.rate.measure`) and
judged by :func:`~monoverify.theory.judge.judge`; only ``holds`` returns. A method that leaves a
trajectory hypothesis the registered method provably keeps (the ball of ``rapp.last_iterate``) fails
with its own message; a run where nothing could be judged fails too.

>>> from monoverify.operators import LowerBoundGame
>>> rep = assert_theorem("pp.last_iterate", operator=LowerBoundGame(-0.1, 1.0), params={"gamma": 1.0}, K=10)
>>> rep.verdict, rep.ratio <= 1
('holds', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .verdict import VerdictResult

__all__ = ["assert_theorem", "TheoremReport", "declared_contradictions"]


@dataclass
class TheoremReport(VerdictResult):
    """What :func:`assert_theorem` measured (returned when the judge says ``holds``).

    ``ratio``: max over the checked ``k`` of measured/bound; ``k``: where it is attained;
    ``judged``: always ``True`` for a returned report (a run the judge could not judge raises).
    """

    theorem: Any = field(repr=False)
    params: dict
    K: int
    ratio: float
    k: int
    measured: float
    bound: float
    judged: bool = True
    curve: Any = field(default=None, repr=False)
    bound_curve: Any = field(default=None, repr=False)
    notes: list = field(default_factory=list)
    verdict: str = "holds"
    message: str = ""


    def to_dict(self) -> dict:
        d = super().to_dict()
        d["theorem"] = getattr(self.theorem, "id", str(self.theorem))
        d["status"] = self.status
        return d


def _fmt(x: Any) -> str:
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isfinite(xf) and xf == int(xf) and abs(xf) < 1e6:
        return str(int(xf))
    return f"{xf:.6g}"


_METRIC_TEXT = {
    "operator_sq": "||F z^k||^2",
    "resolvent_residual_sq": "||z^k - J_{gamma F} z^k||^2",
    "fixed_point_residual_sq": "||S z^k - z^k||^2 (S = base^tau)",
    "distance_ratio": "||z^k - z*||^2 / ||z^{k-1} - z*||^2",
    "iteration_matrix_norm": "||T||_2 of the iteration matrix T",
    "natural_residual_sq": "||z^k - J_{gamma A}(z^k - gamma F z^k)||^2",
    "extrapolated_operator_sq": "||F zb^k||^2, zb^k = J_{gamma A}(z^k - gamma F z^k)",
    "ceg_step_sq": "||H zb^k - H z^k||^2, H = id - gamma F",
}


def _report(th: Any, *, headline: str, params: dict, method: Any, op: Any, z0: Any, failed: list, explore: bool,
            lines: list) -> str:
    import numpy as np

    ps = ", ".join(f"{k}={_fmt(v)}" for k, v in params.items())
    hyp = "satisfied" if not failed else f"VIOLATED ({' and '.join(failed)} fails; run with explore=True)"
    it = {"best": "best iterate (min over j < k)", "last": "last iterate"}.get(th.iterate, th.iterate)
    z = np.array2string(np.asarray(z0, float), precision=4, threshold=12) if z0 is not None else "-"
    out = [
        headline,
        f"  theorem    : {th.id} [{th.provenance}] {th.title}",
        f"  source     : {th.source}",
        f"  bound      : {th.metric} <= {th.bound}",
        f"  metric     : {_METRIC_TEXT.get(th.metric, th.metric)}, {it}, checked at "
        f"{'every k <= K' if th.check_at == 'all' else 'k = K'}",
        f"  hypotheses : {th.hypotheses}  -> {hyp}",
        f"  parameters : {ps}",
        f"  method     : {method!r}",
        f"  operator   : {op!r}",
        f"               exact constants rho = {_fmt(op.rho)}, L = {_fmt(op.L)}; dim = {op.dim}",
        f"  z0         : {z}",
    ]
    return "\n".join(out + lines)


def _shown_params(th: Any, operator: Any, z0: Any, K: int, params: dict) -> tuple[dict, dict, float]:
    """Validate ``params`` against the operator; return (all values, shown values, D0)."""
    import numpy as np

    from monoverify.errors import InvalidValue, UnknownName

    from .cells import derive

    known = {"rho", "L", "gamma", "lam", "tau", "alpha"}
    bad = sorted(set(params) - known)
    if bad:
        raise UnknownName(f"unknown parameter(s) {bad}; valid: {sorted(known)}")
    op_rho, op_L = float(operator.rho), float(operator.L)
    rho = float(params.pop("rho", op_rho))
    L = float(params.pop("L", op_L))
    if rho > op_rho + 1e-12 * max(1.0, abs(op_rho)):
        raise InvalidValue(f"params rho={rho:g} exceeds the operator's exact rho={op_rho:g}: the operator is "
                           f"rho-comonotone only for rho <= {op_rho:g}")
    if L < op_L - 1e-12 * max(1.0, op_L):
        raise InvalidValue(f"params L={L:g} is below the operator's exact L={op_L:g}")
    sol = getattr(operator, "solution", None)
    if sol is None:
        raise InvalidValue(f"operator {operator!r} has no known solution; D0 = ||z0 - z*||^2 needs one")
    D0 = float(np.sum((z0 - np.asarray(sol, float)) ** 2))
    vals: dict = {"rho": rho, "L": L, "gamma": np.nan, "lam": np.nan, "tau": np.nan, "alpha": np.nan,
                  "K": float(K), "D0": D0}
    vals.update(params)
    derive(th, vals)
    if (th.derived or "tau" in params) and not (isinstance(vals["tau"], float) and np.isnan(vals["tau"])):
        vals["tau"] = int(round(float(vals["tau"])))
    shown = {k: vals[k] for k in ("rho", "L", "gamma", "lam", "tau", "alpha", "D", "c0")
             if k in vals and not (isinstance(vals[k], float) and np.isnan(vals[k]))}
    shown.update(K=K, D0=D0)
    return vals, shown, D0


def _hypotheses(th: Any, shown: dict, explore: bool) -> list:
    import sympy as sp

    from monoverify.errors import HypothesisError, UnknownName

    needed = {s.name for s in sp.sympify(th.hypotheses).free_symbols}
    missing = sorted(n for n in needed if n not in shown)
    if missing:
        raise UnknownName(f"theorem {th.id} needs parameter(s) {missing} (pass them in params=...)")
    failed = th.failed_hypotheses(**{k: v for k, v in shown.items() if k in needed})
    if failed and not explore:
        raise HypothesisError(
            f"parameters {shown} are outside the hypotheses of {th.id}: {' and '.join(failed)} fails "
            f"(hypotheses: {th.hypotheses}); pass explore=True to run anyway")
    return failed


def _left_ball(th: Any, vals: dict, me: Any) -> str:
    import numpy as np

    from .cells import evaluate

    lim = float(evaluate(th.iterate_bound, vals, 1)[0])
    far = float(np.nanmax(me.run.history.distance))
    return (f"  TRAJECTORY LEFT THE BALL ||z^k - z*|| <= {th.iterate_bound} = {lim:.6g} (reached {far:.6g}): a hypothesis "
            f"of {th.id} that the registered method {th.method} provably keeps; this method does not")


def assert_theorem(theorem: Any, method: Any = None, operator: Any = None, z0: Any = None, K: int = 100,
                   params: dict | None = None, *, explore: bool = False, rtol: float | None = None) -> TheoremReport:
    """Assert that ``method`` on ``operator`` obeys the bound of ``theorem`` (judged by the judge).

    Parameters
    ----------
    theorem : str or Theorem
        A registered id (``monoverify.theory.THEOREMS``) or a :class:`Theorem` object.
    method : Method, optional
        Any :class:`~monoverify.solvers.Method` (your own subclass with ``init``/``step`` works);
        default: the theorem's registered method built from ``params``.
    operator : Operator
        With exact constants ``operator.rho``, ``operator.L`` and a known ``operator.solution``
        (e.g. from :mod:`monoverify.theory.strategies`).
    z0 : array, optional
        Start point (default ``(1, ..., 1)/sqrt(dim)``); ``D0 = ||z0 - z*||^2``.
    K : int
        Iterations; the bound is checked at every ``k <= K`` (or at ``K`` for ``check_at="final"``).
    params : dict, optional
        ``gamma``, ``lam``, ``tau``, ``alpha`` (what the theorem needs); ``rho``/``L`` default to
        the operator's exact constants (a smaller ``rho`` or larger ``L`` is also valid for it).
    explore : bool
        Run even if the parameters violate the hypotheses (otherwise a ``HypothesisError``).
    rtol : float, optional
        Relative tolerance for rounding (default ``monoverify.theory.judge.TOL`` = 1e-9).

    Returns
    -------
    TheoremReport
        When the judge's verdict is ``holds``.

    Raises
    ------
    AssertionError
        Any other verdict: the bound fails (the message reports theorem, provenance, bound,
        parameters, operator, the first failing ``k``, measured vs bound and their ratio); the
        trajectory left a hypothesis the registered method provably keeps (the ball
        ``||z - z*|| <= D`` of ``rapp.last_iterate``: its own message); or nothing could be
        judged (an unconverged resolvent, the region where the operator's constants hold left).
    HypothesisError
        Parameters outside the hypotheses (without ``explore``).
    """
    __tracebackhide__ = True  # pytest: show the report, not this function's source
    import numpy as np

    from monoverify.errors import InvalidValue
    from monoverify.solvers import Method

    from . import TOL, Cell, judge
    from .cells import method_for
    from .rate import LEFT_BALL, measure
    from ..theorems import Theorem, get

    th = theorem if isinstance(theorem, Theorem) else get(theorem)
    if operator is None:
        raise TypeError("assert_theorem needs an operator (e.g. from monoverify.theory.strategies)")
    if th.kind == "region":
        raise InvalidValue(f"theorem {th.id} is a region theorem (a convergence condition, no bound): "
                           "use monoverify.theory.judge.check or monoverify.theory.spectral")
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise InvalidValue(f"K must be an integer >= 1, got K={K!r}")
    dim = operator.dim
    z0 = np.ones(dim) / np.sqrt(dim) if z0 is None else np.asarray(z0, dtype=float)
    if z0.shape != (dim,):
        raise InvalidValue(f"z0 must have shape ({dim},), got shape {z0.shape}")
    vals, shown, _ = _shown_params(th, operator, z0, int(K), dict(params or {}))
    failed = _hypotheses(th, shown, explore)
    if method is None:
        if th.method is None:
            raise TypeError(f"theorem {th.id} has no registered method: pass method=...")
        method = method_for(th, [Cell({}, values=dict(vals))])
    if not isinstance(method, Method):
        raise TypeError(f"method must be a monoverify Method (a frozen dataclass with init/step), got {method!r}")
    tol = TOL if rtol is None else float(rtol)
    report_kw = dict(params=shown, method=method, op=operator, z0=z0, failed=failed, explore=explore)
    bad = declared_contradictions(method, operator, z0, int(K))
    if bad:   # the theorem was checked at constants the operator does not have: no claim, never silently
        raise AssertionError(_report(th, headline=f"theorem {th.id}: the operator's declared constants are "
                                                  "contradicted by its own values", lines=[
            f"  CONSTANT   : {c.message(operator)}" for c in bad] + [
            "  (the bound was checked at the declared constants; with the operator's true constants the theorem's "
            "hypotheses may fail: fix op.constants)"], **report_kw))
    if th.kind == "property":
        return _assert_property(th, method, operator, vals, shown, int(K), tol, report_kw)

    me = measure(th, operator, method, z0, [Cell({}, values=dict(vals))])
    obs = me.observation(th.id, 0, shown)
    j = judge(th, [obs], tol=tol, evidence_ok=me.run.resolvent_failures == 0,
              evidence_why=f"{me.run.resolvent_failures} unconverged resolvent evaluation(s)")
    status = str(np.asarray(me.run.status).ravel()[0])
    m, bnd, ratio, ks = me.measured[:, 0], me.bound[:, 0], me.ratio[:, 0], me.ks
    if obs.why == LEFT_BALL:
        raise AssertionError(_report(th, headline=f"theorem {th.id}: the method leaves its trajectory hypothesis",
                                     lines=[f"  run        : {status}", _left_ball(th, vals, me)], **report_kw))
    if j.verdict == "inconclusive":
        raise AssertionError(_report(th, headline=f"theorem {th.id}: nothing could be judged ({j.message})",
                                     lines=[f"  run        : {status}"], **report_kw))
    if j.verdict != "holds":
        bad = np.nonzero(~(ratio <= 1 + tol))[0]
        jw = int(np.argmax(ratio))
        jf = int(bad[0]) if bad.size else jw
        lines = [f"  run        : {status} after {int(np.asarray(me.run.n_iter).ravel()[0])} iteration(s)",
                 f"  FAILED at k = {int(ks[jf])}: measured = {m[jf]:.6g}, bound = {bnd[jf]:.6g}, "
                 f"ratio measured/bound = {ratio[jf]:.6g}"]
        if jw != jf:
            lines.append(f"  worst      : k = {int(ks[jw])}: measured = {m[jw]:.6g}, bound = {bnd[jw]:.6g}, "
                         f"ratio = {ratio[jw]:.6g}")
        raise AssertionError(_report(th, headline=f"theorem {th.id} does not hold for this method and operator",
                                     lines=lines, **report_kw))
    return TheoremReport(th, shown, int(K), float(obs.ratio), int(obs.k), float(obs.measured), float(obs.bound),
                         curve=m, bound_curve=bnd, verdict=j.verdict, message=j.message)


#: iterations of the short run whose visited points cross-check the declared constants (nonlinear operators)
CONSTANT_CHECK_ITERS = 64


def declared_contradictions(method: Any, operator: Any, z0: Any, K: int) -> list:
    """Declared constants of ``operator`` contradicted by measured pairs (:mod:`monoverify.operators.estimate.declared`).

    A :class:`~monoverify.operators.LinearOperator` is checked against its matrix's exact constants and their
    witness pairs (no run); another operator on the points a short run of ``method`` from ``z0`` visits
    (``min(K, 64)`` iterations: every point where ``F`` is evaluated and every iterate).
    """
    import numpy as np

    from monoverify.operators.estimate.declared import contradictions
    from monoverify.solvers import Oracle, run

    if getattr(operator, "is_linear", False) and hasattr(operator, "matrix"):
        return contradictions(operator, np.empty((0, operator.dim)))

    class _Visited(Oracle):
        def __init__(self, op: Any) -> None:
            super().__init__(op)
            self.points: list = []

        def F(self, z: Any) -> Any:
            out = super().F(z)
            if len(self.points) < 512:
                self.points.append(np.array(z, dtype=float).reshape(-1, self.op.dim))
            return out

    rec = _Visited(operator)
    iterates: list = []

    def keep(z: Any, idx: Any) -> Any:
        iterates.append(np.array(z, dtype=float).reshape(-1, operator.dim))
        return np.zeros(len(idx))

    with np.errstate(all="ignore"):
        run(method, operator, np.asarray(z0, dtype=float), iters=min(int(K), CONSTANT_CHECK_ITERS), oracle=rec,
            monitors={"visited": keep}, record=True)
    pts = rec.points + iterates
    if not pts:
        return []
    return contradictions(operator, np.concatenate(pts))


def _assert_property(th: Any, method: Any, operator: Any, vals: dict, shown: dict, K: int, tol: float,
                     report_kw: dict) -> TheoremReport:
    __tracebackhide__ = True
    from . import Observation, judge
    from .cells import evaluate
    from .property import property_ratio, property_value

    val = property_value(th, method, operator)
    b = float(evaluate(th.bound, vals, 1)[0])
    ratio = property_ratio(val, b)
    j = judge(th, [Observation(th.id, shown, ratio, measured=val, bound=b)], tol=tol)
    if j.verdict != "holds":
        raise AssertionError(_report(th, headline=f"theorem {th.id} does not hold", lines=[
            f"  measured {th.metric} = {val:.6g} > bound = {b:.6g}   (ratio measured/bound = {ratio:.6g})"],
            **report_kw))
    return TheoremReport(th, shown, K, ratio, 0, val, b, verdict=j.verdict, message=j.message)
