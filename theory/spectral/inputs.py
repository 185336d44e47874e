"""Conversion and validation of the inputs of the spectral layer (methods, eigenvalues, step counts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.solvers.base import Method


def _numeric_method(method: Method) -> Method:
    """Hyper-parameters as floats or ``(batch, 1)`` arrays (SymPy numbers allowed, symbols not)."""
    from monoverify.validate import method as _method

    _method("method", method)
    method.batch_size()  # validates shapes and a common batch size

    def conv(name: str, v: Any) -> Any:
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise InvalidValue(f"hyper-parameter {name}={v!r} is not numeric; substitute a value or use exact=True") from None
        return a.reshape(-1, 1) if a.ndim else float(a)

    return method.map_hyper(conv)


def _exact_method(method: Method) -> Method:
    from monoverify.validate import method as _method

    _method("method", method)
    if method.batch_size() is not None:
        raise InvalidValue("exact=True needs scalar hyper-parameters (numbers or SymPy symbols), not arrays")
    return method.map_hyper(lambda name, v: sp.sympify(v))


def _tidy(expr: Any) -> Any:
    """Canonical rational form; expanding first is much faster on the deep trees of nested steps."""
    try:
        return sp.cancel(sp.expand(expr))
    except Exception:  # pragma: no cover - e.g. expressions with re()/conjugate()
        return expr


def _check_steps(steps: Any, name: str = "steps") -> int:
    from monoverify.limits import guard
    from monoverify.validate import integer

    k = integer(name, steps, lo=1)
    guard("steps", k, f"{name}={k}", detail="one step after the other")
    return k


def _time_varying_error(method: Method) -> InvalidValue:
    return InvalidValue(f"{method!r} is not stationary (its state counter changes every step, e.g. feg's k): it has no "
                      "single multiplier; use transition_matrix(method, mu, steps=K) or k_step_multiplier(method, mu, K)")


def _as_mu(mu: Any) -> np.ndarray:
    if mu is None:
        raise InvalidValue("numeric multipliers need eigenvalues mu (a number or an array); "
                         "use exact=True for a symbolic result")
    from monoverify.validate import show

    what = "a number or an array of (complex) numbers; use exact=True for symbols"
    if isinstance(mu, (str, bytes, bool, np.bool_)):
        raise InvalidValue(f"mu (the eigenvalues) must be {what}, got {show(mu)}")
    if isinstance(mu, sp.Basic):
        if mu.free_symbols:
            raise InvalidValue(f"mu={mu!r} is symbolic; use exact=True")
        mu = complex(mu)
    try:
        a = np.asarray(mu)
        if a.dtype.kind in "USVbMm":
            raise TypeError
        if a.dtype == object:
            if any(isinstance(x, (str, bytes, bool, np.bool_)) or x is None for x in a.ravel()):
                raise TypeError
            a = a.astype(complex)
        a = a.astype(complex)
    except OverflowError:
        raise InvalidValue(f"mu (the eigenvalues) must be finite numbers, got {show(mu)} (beyond the float range)") from None
    except (TypeError, ValueError):
        raise InvalidValue(f"mu (the eigenvalues) must be {what}, got {show(mu)}") from None
    if not np.all(np.isfinite(a)):
        raise InvalidValue("eigenvalues must be finite")
    return a

