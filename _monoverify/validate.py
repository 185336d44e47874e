"""One validation layer for the public edge: every refusal names the parameter, its value and what is accepted.

The public functions (operator constructors, ``solvers.make`` / ``run``, ``theory.check`` / ``verify``,
``spectral``, ``pep.worst_case``, ``phase_diagram``, the strategies, the pytest plugin) check their main
arguments with these helpers, so a mistake gets the same one-line :class:`~monoverify.errors.InvalidValue`
everywhere (the command line prints it and exits with status 2), never a raw ``TypeError``,
``OverflowError`` or a string silently turned into a SymPy symbol.

>>> real("rho", -0.1)
-0.1
>>> real("rho", "abc")
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: rho must be a real number (int, float, fraction or SymPy number), got rho='abc'
>>> real("gamma", 10**400)
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: gamma must be a finite real number, got gamma=an integer of 401 digits (beyond the float range)
>>> integer("tau", 2.5, lo=1)
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: tau must be an integer >= 1, got tau=2.5
>>> seed("seed", "x")
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: seed must be None or an integer >= 0, got seed='x'
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

import numpy as np

from .errors import InvalidType, InvalidValue, UnknownName

__all__ = ["show", "invalid", "is_real_number", "real", "exact_real", "integer", "dimension", "real_array", "seed", "choice",
           "method", "operator", "boolean", "mapping"]


def show(value: Any, limit: int = 80) -> str:
    """``repr(value)``, shortened to ``limit`` characters; huge integers by their number of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10 ** 30:
        digits = len(str(abs(value)))
        return f"an integer of {digits} digits" + (" (beyond the float range)" if abs(value) > _FLOAT_MAX else "")
    try:
        r = repr(value)
    except Exception:  # pragma: no cover - a broken __repr__
        r = f"<{type(value).__name__}>"
    return r if len(r) <= limit else r[:limit - 3] + "..."


def invalid(name: str, value: Any, accepted: str) -> InvalidValue:
    """The error ``{name} must be {accepted}, got {name}={value}``."""
    return InvalidValue(f"{name} must be {accepted}, got {name}={show(value)}")


def _unwrap(value: Any) -> Any:
    """A 0-d NumPy array or NumPy scalar as the Python number it holds (other values unchanged)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return value.item()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def is_real_number(value: Any) -> bool:
    """A real scalar: int, float, Fraction, NumPy scalar or 0-d array, or a SymPy number without symbols."""
    value = _unwrap(value)
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        return False
    if isinstance(value, numbers.Real):
        return True
    try:
        import sympy as sp
    except ImportError:  # pragma: no cover
        return False
    if isinstance(value, sp.Basic):
        return bool(value.is_number and not value.free_symbols and value.is_real is not False
                    and (value.is_real or sp.im(sp.N(value)) == 0))
    return False


_FLOAT_MAX = int(np.finfo(float).max)

_REAL = "a real number (int, float, fraction or SymPy number)"


def _range_text(lo: Any, hi: Any, lo_open: bool, hi_open: bool) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {hi:g}"
    return ""


def _in_range(f: float, lo: Any, hi: Any, lo_open: bool, hi_open: bool) -> bool:
    if lo is not None and (f <= lo if lo_open else f < lo):
        return False
    if hi is not None and (f >= hi if hi_open else f > hi):
        return False
    return True


def real(name: str, value: Any, *, lo: float | None = None, hi: float | None = None, lo_open: bool = False,
         hi_open: bool = False, finite: bool = True, none: bool = False) -> Any:
    """``value`` as a finite real ``float`` in the range given (``none=True``: ``None`` passes as ``None``).

    Accepted: int, float, :class:`fractions.Fraction`, NumPy scalars and 0-d arrays, SymPy numbers
    without free symbols. Refused, naming ``name``: ``None`` (unless ``none``), booleans, strings,
    complex numbers, arrays of more than one value, symbols, NaN and infinities (unless
    ``finite=False``), integers beyond the float range and values outside ``[lo, hi]``
    (``lo_open`` / ``hi_open`` exclude the end points).
    """
    if value is None and none:
        return None
    v = _unwrap(value)
    rng = _range_text(lo, hi, lo_open, hi_open)
    if not is_real_number(v):
        if isinstance(v, (list, tuple, np.ndarray)):
            raise invalid(name, value, f"one real number{' ' + rng if rng else ''} (not a sequence or array)")
        raise invalid(name, value, _REAL + (f" {rng}" if rng else ""))
    try:
        f = float(v)
    except (OverflowError, TypeError, ValueError):
        raise invalid(name, value, "a finite real number" + (f" {rng}" if rng else "")) from None
    if finite and not math.isfinite(f):
        raise invalid(name, value, "a finite real number" + (f" {rng}" if rng else ""))
    if math.isnan(f) or not _in_range(f, lo, hi, lo_open, hi_open):
        raise invalid(name, value, f"a real number {rng}" if rng else "a real number (not NaN)")
    return f


def exact_real(name: str, value: Any, *, lo: float | None = None, hi: float | None = None, lo_open: bool = False,
               hi_open: bool = False) -> Any:
    """Like :func:`real` but keeps the value exact: a SymPy number (``Rational`` for ints and fractions)."""
    import sympy as sp

    real(name, value, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)
    v = _unwrap(value)
    if isinstance(v, numbers.Rational) and not isinstance(v, int):
        return sp.Rational(v.numerator, v.denominator)
    return sp.sympify(v)


def integer(name: str, value: Any, *, lo: int | None = None, hi: int | None = None, none: bool = False) -> Any:
    """``value`` as a Python ``int`` in ``[lo, hi]``: ints, NumPy integers and integral SymPy Integers.

    Floats (even ``2.0``), booleans, strings and ``None`` (unless ``none``) are refused naming ``name``.
    """
    if value is None and none:
        return None
    v = _unwrap(value)
    ok = not isinstance(v, (bool, np.bool_)) and isinstance(v, numbers.Integral)
    if not ok:
        try:
            import sympy as sp

            ok = isinstance(v, sp.Integer)
        except ImportError:  # pragma: no cover
            ok = False
    if lo is not None and hi is not None:
        what = f"an integer in [{lo}, {hi}]"
    elif lo is not None:
        what = f"an integer >= {lo}"
    elif hi is not None:
        what = f"an integer <= {hi}"
    else:
        what = "an integer"
    if not ok:
        raise invalid(name, value, what)
    i = int(v)
    if (lo is not None and i < lo) or (hi is not None and i > hi):
        raise invalid(name, value, what)
    return i


def dimension(name: str, value: Any, *, lo: int = 1, dense: bool = True, what: str = "") -> int:
    """A dimension: an integer >= ``lo``; ``dense``: its ``value x value`` matrix within the limit
    ``dense_entries`` of :mod:`monoverify.limits` (refused up front, not after minutes of allocation)."""
    d = integer(name, value, lo=lo, hi=None if dense else _MAX_DIM)
    if dense:
        from .limits import guard

        guard("dense_entries", d * d, what or f"{name}={show(d)}", detail=f"a {d} x {d} matrix" if d < 10 ** 9 else "")
    return d


#: the largest dimension of an operator or set without a dense matrix (one row of 2**31 doubles is 16 GiB)
_MAX_DIM = 2 ** 31


def real_array(name: str, value: Any, *, max_ndim: int | None = None, finite: bool = False,
               nan: bool = False) -> np.ndarray:
    """``value`` (a number, a sequence or an array of real numbers) as a float array; NaN refused (unless
    ``nan``: the caller says why itself), infinities when ``finite``; strings, booleans, complex numbers and
    objects refused."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        raise invalid(name, value, "a real number or an array of real numbers")
    try:
        a = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise invalid(name, value, "a real number or an array of real numbers") from None
    if a.dtype.kind == "O":
        bad = [x for x in a.ravel() if not is_real_number(x)]
        if bad:
            raise invalid(name, value, f"an array of real numbers (entry {show(bad[0])} is not one)")
    elif a.dtype.kind not in "iuf":
        raise invalid(name, value, f"an array of real numbers (got dtype {a.dtype})")
    try:
        f = np.asarray(a, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise invalid(name, value, "an array of finite real numbers (an entry is beyond the float range)") from None
    if max_ndim is not None and f.ndim > max_ndim:
        raise invalid(name, value, f"an array of at most {max_ndim} dimension(s), got shape {f.shape}")
    if (np.any(np.isnan(f)) and not nan) or (finite and not np.all(np.isfinite(f[~np.isnan(f)]))):
        raise invalid(name, value, "an array of finite real numbers" if finite else "an array of real numbers (no NaN)")
    return f


def seed(name: str, value: Any) -> Any:
    """A random seed: ``None`` or an integer >= 0 (a :class:`numpy.random.SeedSequence` or Generator passes too)."""
    if value is None or isinstance(value, (np.random.SeedSequence, np.random.Generator)):
        return value
    v = _unwrap(value)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or int(v) < 0:
        raise invalid(name, value, "None or an integer >= 0")
    return int(v)


def boolean(name: str, value: Any) -> bool:
    """``True`` or ``False`` (NumPy booleans too); anything else is refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise invalid(name, value, "True or False")


def choice(name: str, value: Any, options: Iterable[str]) -> str:
    """One of ``options`` (strings); an unknown string gets close matches (:class:`UnknownName`)."""
    opts = list(options)
    if not isinstance(value, str):
        raise invalid(name, value, f"one of {', '.join(map(repr, opts))}")
    if value not in opts:
        import difflib

        close = difflib.get_close_matches(value, opts, n=3)
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        raise UnknownName(f"{name} must be one of {', '.join(map(repr, opts))}, got {name}={show(value)}{hint}")
    return value


def method(name: str, value: Any) -> Any:
    """A :class:`monoverify.solvers.Method` (``solvers.make(name, ...)`` builds one)."""
    from monoverify.solvers.base import Method

    if not isinstance(value, Method):
        hint = f" (build it with monoverify.solvers.make({value!r}, ...))" if isinstance(value, str) else ""
        err = invalid(name, value, "a monoverify Method such as solvers.make('gda', gamma=0.5)" + hint)
        raise InvalidType(str(err))
    return value


def operator(name: str, value: Any) -> Any:
    """An operator: a :class:`monoverify.operators.Operator` or an object with ``dim``, ``F`` and ``constraint``."""
    from monoverify.operators.base import Operator

    if isinstance(value, Operator):
        return value
    ok = all(hasattr(value, a) for a in ("dim", "F", "constraint")) and isinstance(getattr(value, "dim", None), int)
    if not ok:
        raise InvalidType(str(invalid(name, value, "a monoverify Operator (e.g. operators.LowerBoundGame(-0.1, 1.0))")))
    return value


def mapping(name: str, value: Any, *, none: bool = True) -> dict:
    """A mapping of names to values (``None`` is an empty one when ``none``)."""
    from collections.abc import Mapping

    if value is None and none:
        return {}
    if not isinstance(value, Mapping):
        raise invalid(name, value, "a dict of parameter names to values")
    bad = [k for k in value if not isinstance(k, str)]
    if bad:
        raise invalid(name, value, f"a dict with string keys (got key {bad[0]!r})")
    return dict(value)
