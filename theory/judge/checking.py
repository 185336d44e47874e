"""``check``: one theorem, judged once on the evidence of every source.

The pipeline: the statement (:mod:`.statement`: its region, the dimensional check) -> cells drawn
from it alone (:mod:`.sampling`) -> instances of its families (:mod:`.instances`) -> evidence sources,
each ``(theorem, cells) -> Evidence`` (:mod:`.rate` grid runs, :mod:`.attacks` the adversary and PEP
fits, :mod:`.horizon` long horizons and rescaled copies, :mod:`.region` spectral radii,
:mod:`.property`, :mod:`.expectation` stochastic runs, :mod:`.sandwich` the PEP column) -> **one**
:func:`~.verdict.judge` call over all their observations. A theorem a user builds is checked exactly
as a registered one: nothing here reads another theorem.

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
from .battery import battery
from .result import CheckResult
from .verdict import Evidence, judge

__all__ = ["check", "PINNABLE", "outside_hypotheses"]

#: parameters that ``check`` can pin (``sigma``: the oracle noise level of an expectation theorem)
PINNABLE = tuple(k for k in SYMBOLS if k not in ("D0", "D", "c0"))


def _check_sigma(v: Any) -> None:
    ok = not isinstance(v, (bool, str, bytes)) and isinstance(v, (int, float, np.integer, np.floating))
    if not ok or not (np.isfinite(float(v)) and float(v) > 0):
        raise InvalidValue(f"sigma must be a finite number in (0, inf), got sigma={v!r}")


#: pinned parameters that are integers (the rest are real numbers)
_INTEGER_PARAMS = ("K", "tau", "depth")


def _pinned_value(k: str, v: Any) -> Any:
    """A pinned value checked (one real number, finite; an integer for ``K``, ``tau``, ``depth``) and unwrapped
    (a 0-d array or NumPy scalar becomes the Python number; exact ints, fractions and SymPy numbers stay exact)."""
    from monoverify import validate

    if k in _INTEGER_PARAMS:
        return validate.integer(k, v, lo=1)
    validate.real(k, v)
    return validate._unwrap(v)


def _validate(th: Theorem, params: dict, explore: bool) -> dict:
    """The pinned ``params`` checked at the public edge (names, types, finiteness, usage, hypotheses)."""
    bad = sorted(set(params) - set(PINNABLE))
    if bad:
        raise UnknownName(f"unknown parameter(s) {bad}; valid: {sorted(PINNABLE)}")
    if "sigma" in params:
        _check_sigma(params["sigma"])
    params = {k: _pinned_value(k, v) for k, v in params.items()}
    unused = sorted(set(params) - {"K", "L", "rho"} - set(th.free_parameters()))
    if unused:
        raise UnusedOption(f"theorem {th.id} does not use parameter(s) {unused}; it uses "
                           f"{sorted(set(th.free_parameters()) | {'K', 'L', 'rho'})}")
    failed = outside_hypotheses(th, params) if params and not explore else []
    if failed:
        raise HypothesisError(
            f"parameters {params} are outside the hypotheses of {th.id}: {' and '.join(failed)} "
            f"fails (hypotheses: {th.hypotheses}); pass explore=True (--explore) to run anyway")
    return params


def outside_hypotheses(th: Theorem, params: dict) -> list[str]:
    """The hypotheses conjuncts that pinned ``params`` violate (empty when inside or undecidable)."""
    vals = {k: v for k, v in params.items() if k in SYMBOLS}
    vals.setdefault("L", 1.0)
    needed = {s.name for s in sp.sympify(th.hypotheses).free_symbols} - set(th.derived)
    return th.failed_hypotheses(**vals) if needed <= set(vals) else []


#: families whose class the adversary's rotation-scaling blocks (rho_j >= rho, L_j <= L) belong to
ATTACKED = {"lower_bound", "random", "bilinear", "examples", "constrained", "scaled_identity", "random_nonnormal"}


def attackable(th: Theorem) -> bool:
    """Is the adversary's block family inside the theorem's class? Not for classes with further constants
    (strong monotonicity ``mu``) or other families (symmetric quadratics, NTK matrices, fixed-point maps)."""
    names = {s.name for e in (th.hypotheses, th.bound) if e is not None for s in sp.sympify(e).free_symbols}
    return "mu" not in names and bool(set(th.family) & ATTACKED)


#: cells per instance of an expectation theorem (thousands of seeded paths each; quick, full)
EXPECTATION_CELLS = (12, 40)
#: sampled cells of the directly run (nonlinear or constrained) instances of a battery, all instances
#: together, beside the grid's (quick, full): each distinct cell is one run of its own
DIRECT_CELLS = (20, 80)


def budget(bat: list, n: int, seed: int, which: Callable | None = None) -> list:
    """At most ``n`` sampled cells beside the grid's: per instance (``which=None``), or over all the
    instances ``which`` selects together; the sampled ones take every origin in turn (corners, boundaries,
    extremes, exact boundary points, interior), in a seeded order."""
    rng = np.random.default_rng(seed)
    if which is not None:
        sel = [(inst, cells) for inst, cells in bat if which(inst)]
        grid = sum(1 for _, cs in sel for c in cs if c.origin in ("grid", "pinned"))
        flat = [(i, c) for i, (_, cs) in enumerate(sel) for c in cs]
        kept = {id(c) for _, cs in budget([(None, [c for _, c in flat])], grid + n, seed) for c in cs}
        out = []
        for inst, cells in bat:
            if which(inst):
                cells = [c for c in cells if id(c) in kept]
            if cells:
                out.append((inst, cells))
        return out
    out = []
    for inst, cells in bat:
        keep = [c for c in cells if c.origin in ("grid", "pinned")]
        by: dict = {}
        for c in cells:
            if c.origin not in ("grid", "pinned"):
                by.setdefault(c.origin, []).append(c)
        queues = [[g[int(j)] for j in rng.permutation(len(g))] for _, g in sorted(by.items())]
        while len(keep) < max(n, len([c for c in cells if c.origin in ("grid", "pinned")])) and any(queues):
            for q in queues:
                if q and len(keep) < n:
                    keep.append(q.pop(0))
            if all(len(k) == 0 for k in queues):
                break
        out.append((inst, keep))
    return out


def _stacks(th: Theorem, bat: list) -> bool:
    """Does the theorem's method have a transition matrix (so stackable instances are run stacked)?"""
    if th.kind != "rate" or th.method is None:
        return True
    first = next((cells[0] for _, cells in bat if cells), None)
    if first is None:
        return True
    from .horizon import _linear_method

    return _linear_method(th, first)


def _counter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        progress(done[0], total)
    return step


def evidence(th: Theorem, bat: list, *, quick: bool, seed: int, pinned: bool, adversarial: bool, pep: bool,
             escalate: bool = True, progress: Callable[[int], None] | None = None) -> Evidence:
    """Every evidence source that applies to ``th`` on its battery ``bat``."""
    from ..metrics import DLN_METRICS
    from .horizon import horizon_evidence, scale_evidence

    ev = Evidence()
    if th.metric in DLN_METRICS:   # gradient flows of diagonal linear networks: their own battery (issue 28)
        from .dln import dln_observations

        ev.observations += dln_observations(th, quick=quick, seed=seed)
        return ev
    if th.metric in EXPECTED_METRICS:
        from .expectation import expectation_evidence

        ev += expectation_evidence(th, budget(bat, EXPECTATION_CELLS[0 if quick else 1], seed, lambda inst: True),
                                   progress, seed=seed, quick=quick)
    elif th.kind == "rate":
        from .rate import grid_evidence

        ev += grid_evidence(th, bat, progress)
        if not pinned and adversarial and th.method and attackable(th):
            from .attacks import adversary_evidence

            ev += adversary_evidence(th, ev, quick=quick, seed=seed, reference=pep)
        if not pinned and escalate:
            ev += horizon_evidence(th, ev, quick)
    elif th.kind == "region":
        from .region import region_evidence

        ev += region_evidence(th, bat, progress)
    else:
        from .property import property_evidence

        ev += property_evidence(th, bat, progress)
    if not pinned and escalate and th.kind != "region":
        ev += scale_evidence(th, ev, quick, seed)
    if pep and th.pep and not pinned:
        from .sandwich import pep_sandwich

        col = pep_sandwich(th, quick=quick)
        ev.observations += col.pop("observations")
        ev.extra["pep"] = col
    return ev


@single_threaded_blas
def check(theorem: str | Theorem, *, quick: bool = False, explore: bool = False, seed: int = 0,
          pep: bool = False, progress: Callable[[int, int], None] | None = None, adversarial: bool = True,
          sampled: bool = True, escalate: bool = True, **params: Any) -> CheckResult:
    """Check ``theorem`` on its battery (or on the parameters given); one judgement of all the evidence.

    Parameters
    ----------
    theorem : str or Theorem
        A registered id (see ``THEOREMS``) or a :class:`Theorem` object (e.g. a deliberately wrong
        variant): both are checked the same way, from the statement alone.
    quick : bool
        Fewer cells, horizons and searches.
    explore : bool
        Also run cells that violate the hypotheses: measured and shown (``curves``), never judged.
    pep : bool
        Also the PEP column (where the theorem declares ``Theorem.pep``) and, for rate theorems, the
        certified worst case ``W(K)`` beside the adversary's best (``reference``).
    progress : callable, optional
        ``progress(started, total)``: battery cells started so far and their number.
    adversarial : bool
        Rate theorems: search block operators and horizons for the worst instance.
    sampled : bool
        Cells drawn from the statement (boundaries, corners, extremes) join the grid.
    escalate : bool
        Re-check the worst cells at horizons up to ``10^5`` and on copies rescaled over decades
        (:mod:`.horizon`); ``False`` keeps the battery's own cells only.
    **params
        Pin ``rho``, ``L``, ``gamma``, ``lam``, ``tau``, ``alpha``, ``K`` ...; ``sigma`` pins the oracle
        noise of an expectation theorem (keeping the sampled battery).

    Raises
    ------
    HypothesisError
        Pinned parameters outside the hypotheses (without ``explore``).
    UnknownName, InvalidValue
        Unknown parameter names, a parameter the theorem does not use, ``K < 1``, ``sigma`` not in ``(0, inf)``.
    """
    from .instances import FIXED

    from monoverify import validate

    th = get(theorem) if isinstance(theorem, str) else theorem
    if not isinstance(th, Theorem):
        raise InvalidValue(f"theorem must be a registered id (str) or a Theorem, got {theorem!r}")
    for flag, v in (("quick", quick), ("explore", explore), ("pep", pep), ("adversarial", adversarial),
                    ("sampled", sampled), ("escalate", escalate)):
        validate.boolean(flag, v)
    seed = validate.integer("seed", seed, lo=0)
    if progress is not None and not callable(progress):
        raise validate.invalid("progress", progress, "None or a callable progress(started, total)")
    params = _validate(th, params, explore)
    t0 = time.perf_counter()
    pinned = bool(set(params) - set(FIXED))
    from ..metrics import DLN_METRICS
    from .battery import Battery

    bat = Battery([]) if th.metric in DLN_METRICS else battery(th, quick=quick, seed=seed, params=params,
                                                                 explore=explore, sampled=sampled)
    undefined = [c for _, cs in bat for c in cs if c.origin == "undefined"]
    if undefined:
        c = undefined[0]
        raise InvalidValue(f"theorem {th.id}: its derived parameter(s) {sorted(th.derived)} are undefined at "
                           f"{c.norm} (tau = {c.values.get('tau')}), a point its hypotheses admit ({th.hypotheses}): "
                           f"the statement claims something of a method that does not exist there")
    if not pinned:
        stacked = _stacks(th, bat)   # without a transition matrix every instance runs directly
        bat = Battery(budget(bat, DIRECT_CELLS[0 if quick else 1], seed, lambda inst: not (inst.stackable and stacked)),
                      bat.refused)
    if "K" in params:
        from .costs import guard_cell_steps

        guard_cell_steps(th, bat, params)
    counter = _counter(progress, sum(len(c) for _, c in bat))
    ev = evidence(th, bat, quick=quick, seed=seed, pinned=pinned, adversarial=adversarial, pep=pep,
                  escalate=escalate, progress=counter)
    if bat.refused:
        ev.notes.insert(0, f"{bat.refused} grid cell(s) outside the hypotheses were skipped")
    j = judge(th, ev.observations, evidence_ok=not ev.unsound, evidence_why="; ".join(ev.unsound))
    return _result(th, j, bat, ev, explore, time.perf_counter() - t0)


def _result(th: Theorem, j: Any, bat: list, ev: Evidence, explore: bool, elapsed: float) -> CheckResult:
    from .attacks import worst_of
    from .rate import fit_exponent

    worst = {} if j.worst is None else {"instance": j.worst.instance, **j.worst.params, "k": j.worst.k}
    if j.worst is not None and j.worst.source == "adversary":
        worst = worst_of(ev.extra.get("attacks", []), j.worst.instance) or worst
    if j.worst is not None and "samples" in ev.extra and j.worst.bound:
        # the sample mean over the bound (the ratio judged is its lower confidence limit) and the sample count
        worst.update(samples=ev.extra["samples"], mean_ratio=j.worst.measured / j.worst.bound)
    n_cells = sum(len(c) for _, c in bat) or len(ev.observations)   # sources with their own battery (DLN)
    n_inst = len(bat) or len({o.instance for o in ev.observations})
    res = CheckResult(th, j.verdict, j.worst_ratio, worst, n_inst, n_cells, ev.curves,
                      fit_exponent(ev.curves, worst) if th.kind == "rate" else None, _spectral(th, ev),
                      int(ev.extra.get("mismatches", 0)), False, list(dict.fromkeys(ev.notes)), elapsed,
                      ev.extra.get("pep"), adversary=list(ev.extra.get("attacks", [])),
                      reference=ev.extra.get("reference"))
    res.apply(j)
    res.explored_outside = bool(explore and any(not c.inside for _, cs in bat for c in cs))
    res.elapsed = elapsed
    return res


def _spectral(th: Theorem, ev: Evidence) -> dict | None:
    """Region theorems: cells and boundary counts; rate theorems: the radius at the worst linear case."""
    if th.kind == "region":
        obs = ev.observations
        return {"cells": len(obs), "boundary": sum(not o.judged for o in obs)}
    if th.kind != "rate" or th.method is None:
        return None
    from .cells import method_for
    from .horizon import top_cases
    from .rate import spectral_column

    for inst, cell, _ in top_cases(ev, 4):
        op = inst.operator()
        if not getattr(op, "is_linear", False) or type(op.constraint).__name__ != "Whole":
            continue
        rad = spectral_column(method_for(th, [cell]), op)
        return {"max_radius": None if rad is None else float(np.max(rad))} if rad is not None else \
            {"max_radius": None, "note": "n/a (non-stationary)"}
    return None
