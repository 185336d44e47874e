"""Tight contraction factors of splitting methods by PEP (Ryu, Taylor, Bergeling, Giselsson 2020).

:func:`contraction_factor` is the smallest ``tau`` with ``||S w - S w'||^2 <= tau ||w - w'||^2`` for
every pair ``w, w'`` and every problem of the given classes, ``S`` one step of the method on the
state entry ``coordinate`` (``w`` for Douglas-Rachford and Davis-Yin, whose governing sequence is
``w``): a PEP with *two* starting points and no solution (RTBG20 §3; PEPit's
``wc_douglas_rachford_splitting``). Each summand of the problem is declared in its own class
(:class:`~monoverify.theory.pep.OperatorClass`), and the method object runs unchanged on the PEPit
points through :class:`~monoverify.theory.pep.PEPOracle`'s ``resolvent_of`` / ``F_of``. With
interpolable classes (cocoercive, strongly monotone, maximal monotone) the value is exact; a class
with both a Lipschitz constant and a monotonicity constraint makes it an upper bound.

Examples
--------
>>> from monoverify.solvers import make
>>> from monoverify.theory.pep import OperatorClass
>>> r = contraction_factor(make("dr", gamma=1.0, lam=1.0), [OperatorClass(rho=1.0), OperatorClass(rho=0.0, mu=1.0)])
>>> r.status, round(r.value, 6)                 # RTBG20 Thm 4.1 at beta = mu = alpha = theta = 1
('optimal', 0.333333)
"""

from __future__ import annotations

import time
from typing import Any, Sequence

from monoverify.errors import InvalidValue

from .common import _PEPIT_LOCK, PEPNotRepresentable
from .inputs import _scalar_hyper
from .operator_class import OperatorClass
from .oracle import PEPOracle
from .result import PEPResult
from .solve import _solve_classified

__all__ = ["contraction_factor"]


def contraction_factor(method: Any, classes: Sequence[OperatorClass], *, coordinate: str = "w",
                       n_iter: int = 1, solver: str = "CLARABEL", verbose: bool = False) -> PEPResult:
    """Worst ``||S^N w - S^N w'||^2`` over pairs with ``||w - w'||^2 <= 1`` (``S`` one step on ``coordinate``).

    Parameters
    ----------
    method : Method
        A splitting method (``make("dr", ...)``, ``make("davis-yin", ...)``) or any method whose state
        entry ``coordinate`` is the sequence contracted; scalar hyper-parameters.
    classes : sequence of OperatorClass
        The class of each summand of the problem, in the order of :func:`monoverify.operators.Sum`.
    coordinate : str
        The state entry whose contraction is measured (``"w"``; ``"z"`` for one-state methods).
    n_iter : int
        Steps ``N`` (the factor of ``S^N``).
    solver : str
        CVXPY solver.

    Returns
    -------
    PEPResult
        ``value`` is the squared contraction factor (``status`` as in :func:`worst_case`).
    """
    from PEPit import PEP

    m = _scalar_hyper(method)
    classes = list(classes)
    if not classes or not all(isinstance(c, OperatorClass) for c in classes):
        raise InvalidValue(f"classes must be a non-empty sequence of OperatorClass, got {classes!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
        raise InvalidValue(f"n_iter must be an integer >= 1, got n_iter={n_iter!r}")
    inputs = {"method": repr(m), "classes": [c.key() for c in classes], "coordinate": coordinate,
              "n_iter": n_iter, "solver": solver, "kind": "contraction"}
    t0 = time.perf_counter()
    with _PEPIT_LOCK:
        problem = PEP()
        fs = [c.declare(problem) for c in classes]
        F = fs[0]
        for f in fs[1:]:
            F = F + f
        oracle = PEPOracle(F, terms=fs)
        w0, w1 = problem.set_initial_point(), problem.set_initial_point()
        problem.set_initial_condition((w0 - w1) ** 2 <= 1)
        ends = []
        try:
            for w in (w0, w1):
                st = m.init(w, oracle)
                if coordinate not in st:
                    raise InvalidValue(f"the state of {m!r} has no entry {coordinate!r} (it has {sorted(st)})")
                for _ in range(n_iter):
                    st = m.step(st, oracle)
                ends.append(st[coordinate])
        except (AssertionError, TypeError, AttributeError, IndexError) as exc:
            raise PEPNotRepresentable(f"{m!r} cannot run on PEPit points with {len(fs)} summand(s): "
                                      f"{type(exc).__name__}: {exc}") from None
        problem.set_performance_metric((ends[0] - ends[1]) ** 2)
        status, val, msg, primal, printed = _solve_classified(problem, solver, None, verbose)
    if printed:
        msg += f" [PEPit: {printed}]"
    relax = any(c.relaxation for c in classes)
    if relax:
        msg += " (relaxation: a summand class has no known interpolation theorem; upper bound)"
    return PEPResult(value=val, status=status, message=msg, solver=solver, wall_time=time.perf_counter() - t0,
                     n_iter=n_iter, inputs=inputs, primal_value=primal, relaxation=relax)
