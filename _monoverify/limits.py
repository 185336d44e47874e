"""Cost limits: work that a user's input can make unbounded is estimated first and refused past a limit.

A structural integer (RAPP's ``tau``), the number of steps of a PEP (its SDP grows as the square of its
evaluated points), the horizon ``K`` of a pinned ``check`` (iterations x cells), the cells of a phase
diagram: each has an estimate computed before any work starts. Past the limit the call is refused with
an :class:`~monoverify.errors.InvalidValue` that states the estimate, the limit and how to raise it
(the command-line option, or :func:`raised` from Python); the work is never started silently for hours.

=================  ==========  ==========================================================================
limit              default     what is counted (the option that raises it)
=================  ==========  ==========================================================================
``inner_steps``    10**6       one method step's structural integer (``tau``): oracle calls per step
``pep_points``     200         evaluated points of one PEP (``pep --max-points``, ``discover --max-points``)
``cell_steps``     5 * 10**7   iterations x cells x calls per step of a pinned ``check`` (``--max-steps``)
``phase_cells``    10**7       cells of one phase diagram, in spectral-cell equivalents (``phase --max-cells``)
``steps``          10**6       steps applied one by one in exact or symbolic products (``k_step_multiplier``)
``dense_entries``  2.5 * 10**8 entries of one dense matrix an operator constructor builds (``dim**2``)
=================  ==========  ==========================================================================

>>> guard("pep_points", 3000 * 2, "pep --n 3000", option="--max-points")
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: pep --n 3000 needs about 6000 evaluated points of one PEP; the limit is 200 (raise it with --max-points 6000, or from Python with monoverify.limits.raised(pep_points=6000))
>>> with raised(pep_points=10_000):
...     guard("pep_points", 6000, "pep --n 3000")
>>> limit("pep_points")
200
"""

from __future__ import annotations

import contextlib
import math
import threading
from typing import Any, Iterator

from .errors import InvalidValue

__all__ = ["DEFAULTS", "UNITS", "limit", "raised", "guard"]

DEFAULTS = {"inner_steps": 10 ** 6, "pep_points": 200, "cell_steps": 5 * 10 ** 7, "phase_cells": 10 ** 7,
            "steps": 10 ** 6, "dense_entries": 25 * 10 ** 7}
UNITS = {"inner_steps": "oracle calls per step", "pep_points": "evaluated points of one PEP",
         "cell_steps": "cell-steps (iterations x cells x oracle calls per step)", "phase_cells": "spectral-cell equivalents",
         "steps": "steps", "dense_entries": "matrix entries"}

_local = threading.local()


def _overrides() -> dict:
    d = getattr(_local, "overrides", None)
    if d is None:
        d = _local.overrides = {}
    return d


def limit(name: str) -> float:
    """The limit ``name`` in force (the innermost :func:`raised`, else :data:`DEFAULTS`)."""
    if name not in DEFAULTS:
        raise InvalidValue(f"unknown limit {name!r}; limits: {', '.join(sorted(DEFAULTS))}")
    return _overrides().get(name, DEFAULTS[name])


@contextlib.contextmanager
def raised(**limits: Any) -> Iterator[None]:
    """Within the block, the limits given (``raised(pep_points=500)``; ``None`` removes a limit)."""
    from .validate import integer

    for k, v in limits.items():
        limit(k)  # known name
        if v is not None:
            integer(k, v, lo=1)
    d = _overrides()
    old = dict(d)
    d.update({k: (float("inf") if v is None else int(v)) for k, v in limits.items()})
    try:
        yield
    finally:
        d.clear()
        d.update(old)


def _fmt(x: float) -> str:
    """``x`` as digits below 10**7, else in scientific notation (integers of any size)."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if isinstance(x, float):
        return f"{x:.3g}"
    if abs(x) < 10 ** 7:
        return str(x)
    s = str(abs(x))
    return f"{'-' if x < 0 else ''}{s[0]}.{s[1:3]}e+{len(s) - 1:02d}"


def guard(name: str, estimate: float, what: str, *, option: str | None = None, given: int | None = None,
          detail: str = "") -> None:
    """Refuse ``what`` when its ``estimate`` exceeds :func:`limit` ``(name)``.

    ``option``: the command-line option that raises the limit (``--max-points``); ``given``: the
    value the user gave for it (it replaces the limit). The message states the estimate, the
    limit and how to raise it.
    """
    lim = limit(name) if given is None else given
    if estimate <= lim:
        return
    need = estimate if isinstance(estimate, int) else (int(estimate) if float(estimate).is_integer() else estimate)
    how = f"--{option.lstrip('-')} {_literal(need) if need < 10 ** 15 else _fmt(need)}, or from Python with " if option else ""
    extra = f" ({detail})" if detail else ""
    raise InvalidValue(f"{what} needs about {_fmt(estimate)} {UNITS[name]}{extra}; the limit is {_fmt(lim)} "
                       f"(raise it with {how}monoverify.limits.raised({name}={_literal(need)}))")


def _literal(x: float) -> str:
    """A Python literal ``>= x``: the integer itself up to 10**15, else the next power of ten as ``10**n``."""
    n = int(math.ceil(x))
    return str(n) if n < 10 ** 15 else f"10**{len(str(n))}"
