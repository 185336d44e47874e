"""The method protocol: a method is a small frozen dataclass of hyper-parameters.

``init(z0, oracle) -> state`` and ``step(state, oracle) -> state``; the state is a ``dict`` whose
entry ``"z"`` is the reported iterate. A method may only use ``+``, ``-``, multiplication by a
hyper-parameter, ``oracle.F(z)``, ``oracle.prox(z, gamma)`` (``J_{gamma A}``) and
``oracle.resolvent(z, gamma)`` (``J_{gamma (A + F)}``); so the same object runs on NumPy/CuPy
batches, array-API arrays, PEPit points and SymPy scalars. Per-instance bookkeeping (masks,
stopping, counts) lives in the runner, never here.

Hyper-parameters may be scalars or arrays of shape ``(batch,)``; :func:`monoverify.solvers.run`
reshapes them to ``(batch, 1)`` (or materialises them as ``(batch, dim)`` for small ``dim``, which NumPy
multiplies faster) so that they broadcast against iterates of shape ``(batch, dim)``.
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
from typing import Any, Callable, ClassVar

import numpy as np

from monoverify.errors import InvalidValue

__all__ = ["Method", "check_positive", "check_interval", "check_int", "State"]

State = dict


def _values(x: Any, name: str = "hyper-parameter") -> np.ndarray | None:
    """Numeric values of a hyper-parameter as a NumPy array, or None for symbolic values.

    Booleans, strings, ``None``, complex numbers and empty arrays are refused naming ``name``.
    """
    if isinstance(x, (bool, np.bool_)):
        raise InvalidValue(f"expected a number, got {name}={x!r}")
    if x is None or isinstance(x, (str, bytes)) or (isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real)):
        raise InvalidValue(f"{name} must be a real number (or an array of them), got {name}={x!r}")
    if isinstance(x, numbers.Real) or isinstance(x, (np.ndarray, list, tuple)):
        a = np.asarray(x)
        if a.dtype.kind == "c":
            raise InvalidValue(f"{name} must be real, got complex values {name}={x!r}")
        if a.dtype.kind in "USV":
            raise InvalidValue(f"{name} must be a real number (or an array of them), got {name}={x!r}")
        if a.size == 0:
            raise InvalidValue(f"{name} must be a scalar or a non-empty array of shape (batch,), got shape {a.shape}")
        bad = [v for v in a.ravel() if v is None or isinstance(v, (str, bytes, complex))] if a.dtype == object else []
        if bad:
            raise InvalidValue(f"{name} must hold real numbers, got {bad[0]!r} in {name}")
        try:
            return np.asarray(x, dtype=float)
        except OverflowError:
            from monoverify.validate import show

            raise InvalidValue(f"{name} must be a finite real number (or an array of them), got {name}={show(x)}") from None
        except (TypeError, ValueError):
            return None
    return None  # SymPy symbols, PEPit expressions ...: not validated


def _shape_check(name: str, a: np.ndarray) -> None:
    if a.ndim > 1:
        raise InvalidValue(f"{name} must be a scalar or an array of shape (batch,), got shape {a.shape}")


def check_positive(name: str, x: Any, upper: float | None = None, upper_closed: bool = False) -> None:
    """Raise ``ValueError`` unless every value of ``x`` lies in ``(0, upper)`` (or ``(0, upper]``)."""
    a = _values(x, name)
    if a is None:
        return
    _shape_check(name, a)
    hi = np.inf if upper is None else upper
    ok = np.isfinite(a) & (a > 0) & ((a <= hi) if upper_closed else (a < hi))
    if not np.all(ok):
        bad = a[~ok].ravel()[0]
        rng = f"(0, {hi:g}{']' if upper_closed else ')'}" if upper is not None else "(0, inf)"
        raise InvalidValue(f"{name} must lie in {rng}, got {name}={bad:g}")


def check_interval(name: str, x: Any, lo: float, hi: float, lo_closed: bool = False, hi_closed: bool = True) -> None:
    a = _values(x, name)
    if a is None:
        return
    _shape_check(name, a)
    ok = np.isfinite(a) & ((a >= lo) if lo_closed else (a > lo)) & ((a <= hi) if hi_closed else (a < hi))
    if not np.all(ok):
        bad = a[~ok].ravel()[0]
        rng = f"{'[' if lo_closed else '('}{lo:g}, {hi:g}{']' if hi_closed else ')'}"
        raise InvalidValue(f"{name} must lie in {rng}, got {name}={bad:g}")


def check_finite(name: str, x: Any) -> None:
    a = _values(x, name)
    if a is None:
        return
    _shape_check(name, a)
    if not np.all(np.isfinite(a)):
        raise InvalidValue(f"{name} must be finite, got {name}={a[~np.isfinite(a)].ravel()[0]}")


def check_int(name: str, x: Any, lo: int = 1, method: str = "") -> None:
    """A structural integer (``tau``): an integer >= ``lo``, within the limit ``inner_steps`` of
    :mod:`monoverify.limits` (``tau`` inner steps make one outer step cost ``tau`` oracle calls)."""
    from monoverify.limits import guard
    from monoverify.validate import integer, show

    v = integer(name, x, lo=lo)
    guard("inner_steps", v, f"{method or 'the method'} with {name}={show(v)}",
          detail=f"{name} inner steps per outer step")


@dataclasses.dataclass(frozen=True)
class Method:
    """Base class of all methods (see the module docstring for the protocol).

    Subclasses are frozen dataclasses. Fields listed in ``hyper_fields`` are real
    hyper-parameters that may be batched; fields holding another :class:`Method` are visited by
    :meth:`map_hyper` (so ``Lookahead`` can be nested); integer fields such as ``tau`` are
    structural and never batched.
    """

    hyper_fields: ClassVar[tuple[str, ...]] = ()
    #: F-evaluations (or resolvent calls) per outer iteration, for documentation
    calls: ClassVar[str] = ""

    # -- protocol --------------------------------------------------------------------------
    def init(self, z0: Any, oracle: Any) -> State:
        return {"z": z0}

    def step(self, state: State, oracle: Any) -> State:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- hyper-parameters ------------------------------------------------------------------
    def map_hyper(self, fn: Callable[[str, Any], Any]) -> "Method":
        """Copy of the method with every batched hyper-parameter ``p`` replaced by ``fn(name, p)``.

        Nested methods are visited recursively.
        """
        changes = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Method):
                changes[f.name] = v.map_hyper(fn)
            elif f.name in self.hyper_fields and v is not None:
                changes[f.name] = fn(f.name, v)
        # bypass __post_init__: the values were validated when the method was built, and the
        # mapped ones (e.g. (batch, 1) arrays, PEPit or SymPy objects) are internal forms
        new = copy.copy(self)
        for k, v in changes.items():
            object.__setattr__(new, k, v)
        return new

    def hyper(self) -> dict[str, Any]:
        """All batched hyper-parameters, nested ones prefixed with their field name."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, Method):
                out.update({f"{f.name}.{k}": x for k, x in v.hyper().items()})
            elif f.name in self.hyper_fields and v is not None:
                out[f.name] = v
        return out

    def batch_size(self) -> int | None:
        """The batch size implied by array hyper-parameters (``None`` when all are scalars)."""
        sizes = set()
        for name, v in self.hyper().items():
            a = np.asarray(v) if not hasattr(v, "shape") else v
            if getattr(a, "ndim", 0) == 1:
                sizes.add(int(a.shape[0]))
            elif getattr(a, "ndim", 0) > 1:
                raise InvalidValue(f"hyper-parameter {name} must be a scalar or have shape (batch,), got shape {a.shape}")
        if len(sizes) > 1:
            raise InvalidValue(f"array hyper-parameters have different lengths {sorted(sizes)}; they must share one batch size")
        return sizes.pop() if sizes else None

    def params(self) -> dict[str, Any]:
        """All fields as a plain dict (nested methods as their ``repr``)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
