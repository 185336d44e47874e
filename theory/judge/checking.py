"""``check``: one theorem on its battery (or on pinned parameters), judged by the judge.

>>> r = check("pp.last_iterate", quick=True)
>>> r.verdict, r.worst_ratio <= 1, r.n_not_judged
('holds', True, 0)
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
import sympy as sp

from monoverify.arrays import single_threaded_blas
from monoverify.errors import HypothesisError, InvalidValue, UnknownName, UnusedOption

from ..metrics import EXPECTED_METRICS
from ..theorems import SYMBOLS, Theorem, get
from .instances import battery
from .property import check_property
from .rate import check_rate
from .region import check_region
from .result import CheckResult
from .sandwich import merge, pep_sandwich

__all__ = ["check", "PINNABLE"]

#: parameters that ``check`` can pin (``sigma``: the oracle noise level of an expectation theorem)
PINNABLE = ("rho", "L", "gamma", "lam", "tau", "alpha", "K", "sigma")


def _check_sigma(v: Any) -> None:
    """``sigma`` (oracle noise, ``E||F^(z) - F z||^2 <= sigma^2``) must be a finite number in ``(0, inf)``."""
    ok = not isinstance(v, (bool, str, bytes)) and isinstance(v, (int, float, np.integer, np.floating))
    if not ok or not (np.isfinite(float(v)) and float(v) > 0):
        raise InvalidValue(f"sigma must be a finite number in (0, inf), got sigma={v!r}")


def _validate(th: Theorem, params: dict, explore: bool) -> None:
    bad = sorted(set(params) - set(PINNABLE))
    if bad:
        raise UnknownName(f"unknown parameter(s) {bad}; valid: {sorted(PINNABLE)}")
    if "K" in params and (isinstance(params["K"], bool) or not isinstance(params["K"], (int, np.integer))
                          or params["K"] < 1):
        raise InvalidValue(f"K must be an integer >= 1, got K={params['K']!r}")
    if "sigma" in params:
        _check_sigma(params["sigma"])
    unused = sorted(set(params) - {"K", "L", "rho"} - set(th.free_parameters()))
    if unused:
        raise UnusedOption(f"theorem {th.id} does not use parameter(s) {unused}; it uses "
                           f"{sorted(set(th.free_parameters()) | {'K', 'L', 'rho'})}")
    failed = outside_hypotheses(th, params) if params and not explore else []
    if failed:
        raise HypothesisError(
            f"parameters {params} are outside the hypotheses of {th.id}: {' and '.join(failed)} "
            f"fails (hypotheses: {th.hypotheses}); pass explore=True (--explore) to run anyway")


def outside_hypotheses(th: Theorem, params: dict) -> list[str]:
    """The hypotheses conjuncts that pinned ``params`` violate (empty when inside or undecidable)."""
    vals = {k: v for k, v in params.items() if k in SYMBOLS}
    vals.setdefault("L", 1.0)
    needed = {s.name for s in sp.sympify(th.hypotheses).free_symbols} - set(th.derived)
    return th.failed_hypotheses(**vals) if needed <= set(vals) else []


def _counter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        progress(done[0], total)

    return step


@single_threaded_blas
def check(theorem: str | Theorem, *, quick: bool = False, explore: bool = False, seed: int = 0,
          pep: bool = False, progress: Callable[[int, int], None] | None = None, adversarial: bool = True,
          sampled: bool = True, **params: Any) -> CheckResult:
    """Check ``theorem`` on its battery (or on the parameters given).

    Parameters
    ----------
    theorem : str or Theorem
        A registered id (see ``THEOREMS``) or a :class:`Theorem` object (e.g. a deliberately
        wrong variant, to see the checker fail).
    quick : bool
        Smaller grids and horizons.
    explore : bool
        Also run cells that violate the hypotheses: they are measured and shown (``curves``) but never
        judged (the theorem claims nothing there); the result is marked ``explored_outside``.
    pep : bool
        Also compute the worst-case sandwich ``linear lower bound <= PEP <= bound`` where the
        theorem declares one (``Theorem.pep``); see :func:`pep_sandwich`. A PEP value above the
        bound in the exact class violates the theorem. For rate theorems also the certified worst
        case ``W(K)`` beside the adversary's best (``reference``: empirical/W, bound/W).
    progress : callable, optional
        ``progress(started, total)``: cells started so far and the number of admitted cells.
    adversarial : bool
        Rate theorems: add the adversarial search over rotation-scaling block operators
        (:func:`~monoverify.theory.judge.adversary.seek`) to the observations judged.
    sampled : bool
        Cells sampled from the hypothesis region and its boundaries join the grid.
    **params
        ``rho``, ``L``, ``gamma``, ``lam``, ``tau``, ``alpha``, ``K``: pin these values; ``sigma``
        pins the oracle noise level of an expectation theorem (e.g. ``inner-loop.stochastic_floor``,
        ``rapp-stochastic.minibatch``), a finite number in ``(0, inf)``.

    Raises
    ------
    HypothesisError
        Pinned parameters outside the hypotheses (without ``explore``).
    UnknownName, InvalidValue
        Unknown parameter names, a parameter the theorem does not use, ``K < 1``, ``sigma`` not in
        ``(0, inf)``.
    """
    th = get(theorem) if isinstance(theorem, str) else theorem
    _validate(th, params, explore)
    t0 = time.perf_counter()
    bat = battery(th, quick=quick, seed=seed, params=params, explore=explore, sampled=sampled)
    refused = sum(len(r) for *_, r in bat)
    notes = []
    if refused:
        notes.append(f"{refused} grid cell(s) outside the hypotheses were skipped")
    counter = _counter(progress, sum(len(a) for _, _, _, a, _ in bat))
    if th.metric in EXPECTED_METRICS:  # an expectation over a stochastic oracle: a confidence statement
        from ..stochastic import check_expected

        res = check_expected(th, bat, notes, counter, seed=seed, quick=quick)
    else:
        kind = {"rate": check_rate, "region": check_region, "property": check_property}[th.kind]
        res = kind(th, bat, notes, counter)
    res.explored_outside = bool(explore and any(not c.inside for *_, cells, _ in bat for c in cells))
    if th.kind == "rate" and adversarial and not params and th.method and res.n_cells:
        from .adversary import fold

        fold(th, res, quick=quick, seed=seed, with_reference=pep)
    if pep and th.pep and not params:
        res.pep = pep_sandwich(th, quick=quick)
        pj = res.pep["judgement"]
        new = merge(res.verdict, pj)
        if new is not None:
            res.verdict = new
            res.message += f"; PEP column: {pj.message}"
            res.notes.append("PEP worst case exceeds the bound in the exact (interpolable) class")
    res.elapsed = time.perf_counter() - t0
    return res
