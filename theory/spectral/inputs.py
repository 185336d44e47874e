"""Conversion and validation of the inputs of the spectral layer (methods, eigenvalues, step counts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.solvers.base import Method


def _numeric_method(method: Method) -> Method:
    """Hyper-parameters as floats or ``(batch, 1)`` arrays (SymPy numbers allowed, symbols not)."""
    method.batch_size()  # validates shapes and a common batch size

    def conv(name: str, v: Any) -> Any:
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise InvalidValue(f"hyper-parameter {name}={v!r} is not numeric; substitute a value or use exact=True") from None
        return a.reshape(-1, 1) if a.ndim else float(a)

    return method.map_hyper(conv)


def _exact_method(method: Method) -> Method:
    if method.batch_size() is not None:
        raise InvalidValue("exact=True needs scalar hyper-parameters (numbers or SymPy symbols), not arrays")
    return method.map_hyper(lambda name, v: sp.sympify(v))


def _tidy(expr: Any) -> Any:
    """Canonical rational form; expanding first is much faster on the deep trees of nested steps."""
    try:
        return sp.cancel(sp.expand(expr))
    except Exception:  # pragma: no cover - e.g. expressions with re()/conjugate()
        return expr


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise InvalidValue(f"steps must be an integer >= 1, got steps={steps!r}")
    return int(steps)


def _time_varying_error(method: Method) -> InvalidValue:
    return InvalidValue(f"{method!r} is not stationary (its state counter changes every step, e.g. feg's k): it has no "
                      "single multiplier; use transition_matrix(method, mu, steps=K) or k_step_multiplier(method, mu, K)")


def _as_mu(mu: Any) -> np.ndarray:
    if mu is None:
        raise InvalidValue("numeric multipliers need eigenvalues mu (a number or an array); "
                         "use exact=True for a symbolic result")
    if isinstance(mu, sp.Basic):
        if mu.free_symbols:
            raise InvalidValue(f"mu={mu!r} is symbolic; use exact=True")
        mu = complex(mu)
    a = np.asarray(mu)
    if a.dtype == object:
        try:
            a = a.astype(complex)
        except (TypeError, ValueError):
            raise InvalidValue("mu must be numeric (complex); use exact=True for symbols") from None
    a = a.astype(complex)
    if not np.all(np.isfinite(a)):
        raise InvalidValue("eigenvalues must be finite")
    return a

