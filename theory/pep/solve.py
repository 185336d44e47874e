"""Build and solve one PEP: :func:`worst_case` (with Clarabel retries and status classification)."""

from __future__ import annotations

import contextlib
import io
import math
import os
import time
import warnings
from typing import Any, Mapping

import numpy as np

from monoverify.theory.metrics import At
from monoverify.theory.metrics import value as metric_value

from .cache import _cache_path, _cache_read, _cache_write
from .common import _PEPIT_LOCK, PEPNotRepresentable
from .inputs import _inputs
from .operator_class import ComonotoneLipschitzOperator, StronglyMonotoneLipschitzOperator
from .oracle import PEPOracle
from .result import PEPResult

try:
    from PEPit import PEP
    from PEPit.functions import ConvexFunction, ConvexIndicatorFunction
    from PEPit.point import Point
except ImportError:  # pragma: no cover
    pass

__all__ = ["worst_case"]


_UNBOUNDED = ("unbounded", "unbounded_inaccurate")
_CLARABEL_RETRY = (1e-7, 1e-6)


def _run_solver(problem: Any, solver: str, options: Mapping[str, Any] | None, verbose: bool
                ) -> tuple[float | None, str | None, float | None, str | None, str]:
    """Solve a built PEP; return (dual value, CVXPY status, primal value, error, PEPit warnings)."""
    out = io.StringIO()
    value, err = None, None
    with contextlib.ExitStack() as stack:
        if not verbose:
            stack.enter_context(contextlib.redirect_stdout(out))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
        try:
            value = problem.solve(wrapper="cvxpy", solver=solver, verbose=int(bool(verbose)), **dict(options or {}))
        except Exception as exc:  # solver errors, PEPit post-processing of a failed solve
            err = f"{type(exc).__name__}: {exc}"
    prob = getattr(problem.wrapper, "prob", None)
    cstatus = getattr(prob, "status", None)
    primal = getattr(prob, "value", None)
    try:
        primal = None if primal is None else float(primal)
    except (TypeError, ValueError):
        primal = None
    printed = " ".join(line.strip() for line in out.getvalue().splitlines() if "Warning" in line or "issue" in line)
    return value, cstatus, primal, err, printed
_INFEASIBLE = ("infeasible", "infeasible_inaccurate")


def _solve_classified(problem: Any, solver: str, options: Mapping[str, Any] | None, verbose: bool
                      ) -> tuple[str, float | None, str, float | None, str]:
    """Solve a built PEP (Clarabel retried when it stalls) and classify the outcome:
    ``(status, value, message, primal, PEPit warnings)`` with ``status`` as in :class:`PEPResult`."""
    value, cstatus, primal, err, printed = _run_solver(problem, solver, options, verbose)
    retried = ""
    if solver == "CLARABEL" and not options:
        # Clarabel stalls ("AlmostSolved") just above its default 1e-8 tolerances on some PEPs
        # (e.g. with convex indicators): retry with tolerances 1e-7, then 1e-6, said in the message
        for tol in _CLARABEL_RETRY:
            if cstatus != "optimal_inaccurate":
                break
            opts = {"tol_feas": tol, "tol_gap_abs": tol, "tol_gap_rel": tol}
            value, cstatus, primal, err, printed = _run_solver(problem, solver, opts, verbose)
            retried = f" (Clarabel tolerances {tol:g})"
    if cstatus in _UNBOUNDED:
        return "unbounded", None, "the SDP is unbounded: no finite worst case for this class and method", primal, printed
    if cstatus in _INFEASIBLE:
        return "infeasible", None, "the SDP is infeasible", primal, printed
    if err is not None or value is None or cstatus not in ("optimal", "optimal_inaccurate"):
        return "failed", None, f"solver status {cstatus!r}" + (f"; {err}" if err else ""), primal, printed
    val = float(value)
    gap = abs(val - primal) if primal is not None else math.inf
    if cstatus == "optimal_inaccurate":
        status, msg = "inaccurate", "the solver reports an inaccurate solution"
    elif not (gap <= 1e-4 * abs(primal) + 1e-7):
        status, msg = "inaccurate", f"primal/dual gap {gap:.3g} (primal {primal:.9g}, dual {val:.9g})"
    else:
        status, msg = "optimal", "optimal"
    return status, val, msg + retried, primal, printed


def worst_case(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator", *,
               solver: str = "CLARABEL", constraint: Any = None, bilinear: bool = False,
               solver_options: Mapping[str, Any] | None = None, cache: bool | str | os.PathLike = True,
               verbose: bool = False, iterate: str = "last", mu: float | None = None,
               refined: bool = False, max_points: int | None = None) -> PEPResult:
    """Worst case of ``metric`` after ``n_iter`` steps of ``method`` over the operator class (§7).

    Parameters
    ----------
    method : monoverify.solvers.Method
        Any method (``make("eg+", gamma=.5, alpha=.5)``, ``Lookahead(...)``, a user subclass),
        run unchanged on PEPit points. Scalar hyper-parameters only.
    rho : float
        Comonotonicity parameter of ``F`` (§1.2 sign).
    L : float or None
        Lipschitz constant of ``F``; ``None`` for the set-valued maximally ``rho``-comonotone
        class (exact PEP, R35). With ``L`` the PEP is a relaxation (upper bound, §9.5).
    n_iter : int
        Number of outer iterations ``N >= 1``.
    metric : {"operator", "step", "distance"}
        ``||F z_N||^2`` (implicit steps: the leaf ``g_N in T z_N``; with a constraint the
        natural residual ``||z_N - J_A(z_N - F z_N)||^2``), ``||z_N - z_{N-1}||^2``,
        ``||z_N - z*||^2``; all for ``||z0 - z*||^2 <= 1``.
    solver : str
        CVXPY solver (``"CLARABEL"``, ``"SCS"``, ``"MOSEK"`` ...). When Clarabel (default
        settings) stops with an inaccurate solution it is retried with tolerances ``1e-7``, then
        ``1e-6`` (said in ``message``; still ``inaccurate`` if neither is met).
    constraint : None, str or monoverify set
        ``A`` of ``0 in A z + F z``. ``"box"``, ``"ball"``, ``"simplex"``, ``"convex"`` or a
        ``Box``/``Ball``/``Simplex`` object: ``A = N_C`` through PEPit's
        ``ConvexIndicatorFunction``, which models **every** closed convex set ``C`` (the worst
        case is over all of them, hence an upper bound for any particular set). ``"l1"``,
        ``"regularizer"`` or an ``L1`` object: ``A = dg`` for every closed proper convex ``g``
        (PEPit ``ConvexFunction``). ``z*`` is then a zero of ``A + F``.
    bilinear : bool
        Restrict ``F`` to skew-symmetric linear maps (bilinear games; exact interpolation).
    solver_options : dict, optional
        Keyword arguments for the solver (part of the cache key).
    cache : bool or path
        Use the disk cache (:func:`cache_dir`, or the given directory); ``False`` bypasses it.
        The key holds every input and the versions of monoverify, PEPit and the solvers.
    verbose : bool
        Let PEPit and the solver print.
    iterate : {"last", "best"}
        ``last``: the metric at ``z_N``; ``best``: ``min_{k<N}`` of the metric at ``z_k`` (``1 <= k <= N``
        for ``step``, which needs ``z_{k-1}``), one PEPit performance metric per iterate (PEPit
        maximises their minimum).
    mu : float, optional
        Also impose ``mu``-strong monotonicity on ``F`` (pairwise; alone with ``L=None`` and
        ``rho <= 0`` the set-valued strongly monotone class, interpolable).
    refined : bool
        PEPit's refined class of ``L``-Lipschitz (``mu``-strongly) monotone operators
        (``LipschitzStronglyMonotoneOperatorExpensive``): tighter than the pairwise constraints, still a
        relaxation, at a cost of ``2(n^3 - n)`` 7x7 LMIs on ``n`` points (:func:`refined_cost`); the
        result's ``message`` states that cost and the solve time. Needs ``L`` and ``rho <= mu/L^2``.

    Returns
    -------
    PEPResult
        A solver failure, an inaccurate solve or an unbounded problem is a ``status``, never a
        bare number (``float(result)`` raises unless ``status == "optimal"``).

    Raises
    ------
    PEPNotRepresentable
        Array hyper-parameters, or a method whose steps are not fixed linear combinations of
        oracle answers (e.g. ``adaptive-ceg+``).

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> r = worst_case(make("pp", gamma=1.0), rho=0.0, L=None, n_iter=3, metric="step", cache=False)
    >>> round(r.value, 4), round((1 - 1/3) ** 2 / 3, 4)    # Gu & Yang: (1 - 1/N)^(N-1)/N
    (0.1481, 0.1481)
    """
    m, inputs = _inputs(method, rho, L, n_iter, metric, solver, constraint, bilinear, solver_options, iterate, mu,
                        refined, max_points)
    path = _cache_path(inputs, cache)
    hit = _cache_read(path, inputs)
    if hit is not None:
        return hit
    result = _solve(m, inputs, verbose)
    _cache_write(path, result)
    return result


def _bounded_iterates(metric: str, N: int, iterate: str) -> list:
    """Indices ``k`` of the iterates whose metric is bounded: ``[N]`` (last) or ``k < N`` (best;
    ``1 <= k <= N`` for ``step_sq``, which needs ``z_{k-1}``)."""
    if iterate == "last":
        return [N]
    return list(range(1, N + 1)) if metric == "step_sq" else list(range(N))


def _solve(m: Any, inputs: dict, verbose: bool) -> PEPResult:
    rho, L, N, metric = inputs["rho"], inputs["L"], inputs["n_iter"], inputs["metric"]
    solver, kind, bilinear = inputs["solver"], inputs["constraint"], inputs["bilinear"]
    relaxation = L is not None and not bilinear
    t0 = time.perf_counter()
    with _PEPIT_LOCK:
        problem = PEP()
        if "mu" in inputs:   # strong monotonicity or PEPit's refined class (issue 25)
            F = problem.declare_function(StronglyMonotoneLipschitzOperator, rho=rho, L=L, bilinear=bilinear,
                                         mu=inputs["mu"], refined=inputs["refined"])
        else:
            F = problem.declare_function(ComonotoneLipschitzOperator, rho=rho, L=L, bilinear=bilinear)
        A = None
        if kind == "indicator":
            A = problem.declare_function(ConvexIndicatorFunction)
        elif kind == "convex-function":
            A = problem.declare_function(ConvexFunction)
        oracle = PEPOracle(F, A)
        zs = oracle.T.stationary_point()
        z0 = problem.set_initial_point()
        problem.set_initial_condition((z0 - zs) ** 2 <= 1)
        traj: list = []
        try:
            from monoverify.solvers.contracts import state_z

            state = m.init(z0, oracle)
            traj.append(state_z(m, "init", state))
            for _ in range(N):
                state = m.step(state, oracle)
                traj.append(state_z(m, "step", state))
            zN = traj[-1]
            if not isinstance(zN, Point):
                raise TypeError(f"the iterate is a {type(zN).__name__}, not a PEPit Point")
            perfs = [metric_value(metric, At(z=traj[k], oracle=oracle, method=m, prev=traj[k - 1] if k else None,
                                             zstar=zs)) for k in _bounded_iterates(metric, N, inputs["iterate"])]
        except PEPNotRepresentable as exc:
            raise PEPNotRepresentable(f"{inputs['method']}: {exc}") from None
        except (AssertionError, TypeError, AttributeError) as exc:
            raise PEPNotRepresentable(
                f"{inputs['method']} cannot run on PEPit points (it may only use +, -, multiplication by "
                f"scalar hyper-parameters, oracle.F, oracle.prox and oracle.resolvent): "
                f"{type(exc).__name__}: {exc}") from None
        for perf in perfs:   # several: PEPit maximises their minimum (best iterate)
            problem.set_performance_metric(perf)

        status, val, msg, primal, printed = _solve_classified(problem, solver, inputs["solver_options"], verbose)
        gram = iterates = sol = points = None
        if status in ("optimal", "inaccurate"):
            try:
                gram = np.asarray(problem.G_value, dtype=float).tolist()
                iterates = [np.asarray(z.eval(), dtype=float).tolist() for z in traj]
                sol = np.asarray(zs.eval(), dtype=float).tolist()
                points = [[np.asarray(x.eval(), dtype=float).tolist(), np.asarray(g.eval(), dtype=float).tolist()]
                          for x, g, _ in F.list_of_points]
            except Exception:  # pragma: no cover - values are a bonus
                pass
        if printed:
            msg += f" [PEPit: {printed}]"
        if relaxation:
            msg += " (relaxation: rho-comonotone and L-Lipschitz have no known interpolation theorem; upper bound)"
    wall = time.perf_counter() - t0
    if inputs.get("refined"):
        from .operator_class import refined_cost

        cost = refined_cost(len(F.list_of_points))
        msg += (f"; refined class: {cost['lmis_7x7']} LMIs of size 7x7 on {len(F.list_of_points)} points "
                f"(plain class: {cost['pairwise_plain']} pairwise inequalities), built and solved in {wall:.2f} s")
    return PEPResult(value=val, status=status, message=msg, solver=solver, wall_time=wall, n_iter=N,
                     inputs=inputs, primal_value=primal, gram=gram, iterates=iterates, solution=sol,
                     relaxation=relaxation, points=points)

