"""Building a method from ``--gamma`` ... options (``spectral`` and ``pep``), refusing unused ones."""

from __future__ import annotations

from typing import Any

from .common import PARAMS, as_user_error, pinned, refuse_unused

__all__ = ["method_from_args"]


def method_from_args(name: str, args: Any, operator_params: tuple = ("rho", "L")) -> Any:
    """``make(name, ...)`` from the options; options neither the method nor the operator uses are refused."""
    from monoverify.solvers import METHODS, make

    with as_user_error("method"):
        if name not in METHODS:
            make(name)  # raises with suggestions
    spec = METHODS[name].params
    given = pinned(args, PARAMS)
    refuse_unused(given, set(spec) | set(operator_params), f"method {name!r} (with the operator's rho, L)")
    params = {k: v for k, v in given.items() if k in spec}
    with as_user_error(f"method {name!r}"):
        return make(name, **params)
