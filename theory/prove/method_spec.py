"""A method as data a certificate can carry: the class of every node and its exact fields.

A certificate must say *which* update produced its points, in a form from which the points can be
derived again (:func:`monoverify.theory.prove.certificate.bind`). :func:`describe` writes a method
object as a tree ``{"class": "module:QualName", "fields": {...}}``: numbers as exact rationals
(``"1/2"``; integers as JSON integers), nested methods as nested trees, ``None`` as ``null``.
:func:`rebuild` imports each class (it must be a :class:`monoverify.solvers.Method` subclass that
can be imported by that name) and constructs it from the fields, so the same dataclass tree comes
back.

>>> from fractions import Fraction as Q
>>> from monoverify.solvers import make
>>> d = describe(make("rapp", gamma=Q(1, 2), lam=Q(1, 2), tau=3))
>>> d["class"], d["fields"]["lam"], d["fields"]["base"]["fields"]
('monoverify.solvers.lookahead:Lookahead', '1/2', {'gamma': '1/2'})
>>> rebuild(d) == make("rapp", gamma=Q(1, 2), lam=Q(1, 2), tau=3)
True
"""

from __future__ import annotations

import dataclasses
import importlib
from fractions import Fraction
from typing import Any

from monoverify.errors import InvalidValue

__all__ = ["describe", "rebuild", "SpecError"]


class SpecError(InvalidValue):
    """A method that cannot be written as, or rebuilt from, a certificate's description."""


def _value(name: str, v: Any) -> Any:
    from monoverify.solvers import Method

    if isinstance(v, Method):
        return describe(v)
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, Fraction):
        return str(v)
    if isinstance(v, float):
        return str(Fraction(repr(v)))  # the exact tracer reads a float as its shortest decimal
    try:
        import sympy as sp

        if isinstance(v, sp.Basic) and v.is_Rational:
            return str(Fraction(int(v.p), int(v.q)))
    except ImportError:  # pragma: no cover
        pass
    raise SpecError(f"field {name}={v!r} ({type(v).__name__}) cannot be written exactly in a certificate; "
                    "give exact rational hyper-parameters (int, Fraction or 'p/q')")


def describe(method: Any) -> dict:
    """The method as ``{"class": "module:QualName", "fields": {...}}`` (see the module docstring)."""
    if not dataclasses.is_dataclass(method):
        raise SpecError(f"a certificate describes methods that are dataclasses, got {type(method).__name__}")
    cls = type(method)
    return {"class": f"{cls.__module__}:{cls.__qualname__}",
            "fields": {f.name: _value(f.name, getattr(method, f.name)) for f in dataclasses.fields(method)
                       if f.init}}


def _import(path: Any) -> type:
    from monoverify.solvers import Method

    if not isinstance(path, str) or path.count(":") != 1:
        raise SpecError(f"method class must be 'module:QualName', got {path!r}")
    mod_name, qual = path.split(":")
    if "<locals>" in qual:
        raise SpecError(f"method class {path} is defined inside a function: it cannot be imported to re-derive "
                        "the points (define it at module level, in a module on sys.path)")
    try:
        obj: Any = importlib.import_module(mod_name)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise SpecError(f"cannot import method class {path}: {exc}") from None
    if not (isinstance(obj, type) and issubclass(obj, Method) and dataclasses.is_dataclass(obj)):
        raise SpecError(f"{path} is not a monoverify Method dataclass")
    return obj


def _field(name: str, v: Any) -> Any:
    if isinstance(v, dict):
        return rebuild(v)
    if v is None or isinstance(v, (bool, int)):
        return v
    if isinstance(v, str):
        try:
            return Fraction(v)
        except (ValueError, ZeroDivisionError):
            raise SpecError(f"field {name}={v!r} is not an exact rational 'p/q'") from None
    raise SpecError(f"field {name}={v!r}: expected an exact rational string, an integer, null or a method")


def rebuild(spec: Any) -> Any:
    """The method object a :func:`describe` tree stands for (raises :class:`SpecError`)."""
    if not isinstance(spec, dict) or set(spec) != {"class", "fields"} or not isinstance(spec["fields"], dict):
        raise SpecError(f"a method description is {{'class': 'module:QualName', 'fields': {{...}}}}, got {spec!r}")
    cls = _import(spec["class"])
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    extra = sorted(set(spec["fields"]) - names)
    if extra:
        raise SpecError(f"{spec['class']} has no field(s) {extra}; fields: {sorted(names)}")
    try:
        return cls(**{k: _field(k, v) for k, v in spec["fields"].items()})
    except (TypeError, ValueError) as exc:
        raise SpecError(f"cannot build {spec['class']} from {spec['fields']}: {exc}") from None
