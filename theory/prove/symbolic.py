"""Run a method object on exact symbolic points: rational coefficient vectors over a basis.

The basis is ``(z0 - z*, g_1, ..., g_n)``: every oracle answer is a new leaf ``g_i``. Points are
stored relative to ``z*`` (so ``z* = 0``, ``F(z*) = 0``). :class:`ExactOracle` implements the
oracle protocol of :mod:`monoverify.solvers` (``F``, ``prox``, ``resolvent``): ``F(z)`` returns
the leaf already evaluated at the same point, else a new one; ``resolvent(z, gamma)`` is the
implicit step ``w = z - gamma g`` with a new leaf ``g in T w`` (§7). The method object is
the registered one, unchanged: the same update rule that runs on NumPy.

>>> from fractions import Fraction as Q
>>> from monoverify.solvers import make
>>> tr = trace(make("eg+", gamma=Q(1, 2), alpha=Q(1, 2)), 1)
>>> tr.basis
['z0 - z*', 'F(z0)', 'F(zbar0)']
>>> [p.name for p in tr.points], tr.iterates[1]
(['z*', 'z0', 'zbar0'], Vec(1, 0, -1/4))
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

__all__ = ["Vec", "ExactOracle", "Point", "Trace", "trace", "NotRepresentable", "exact"]


class NotRepresentable(ValueError):
    """The method cannot run on exact symbolic points (data-dependent steps, constraints, ...)."""


def exact(name: str, v: Any) -> Fraction:
    """``v`` as an exact rational (int, Fraction, ``"p/q"`` string, SymPy Rational, or a float
    read as its shortest decimal)."""
    if isinstance(v, bool):
        raise ValueError(f"{name} must be a rational number, got {v!r}")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    if isinstance(v, float):
        return Fraction(repr(v))
    try:
        import sympy as sp

        if isinstance(v, sp.Basic):
            r = sp.nsimplify(v) if not v.is_Rational else v
            if r.is_Rational:
                return Fraction(int(r.p), int(r.q))
            raise ValueError(f"{name} must be rational, got {v} (irrational)")
    except ImportError:  # pragma: no cover
        pass
    try:
        return Fraction(str(v).strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{name} must be a rational number such as 1/2 or -0.1, got {v!r}") from None


class Vec:
    """A vector as exact rational coefficients over the growing basis (trailing zeros implicit)."""

    __slots__ = ("c",)
    __array_priority__ = 1000

    def __init__(self, coeffs: Any = ()):
        c = [Fraction(x) for x in coeffs]
        while c and c[-1] == 0:
            c.pop()
        self.c = tuple(c)

    @staticmethod
    def unit(k: int) -> "Vec":
        return Vec([0] * k + [1])

    def padded(self, d: int) -> list[Fraction]:
        return list(self.c) + [Fraction(0)] * (d - len(self.c))

    def __add__(self, o: Any) -> "Vec":
        if not isinstance(o, Vec):
            return NotImplemented
        n = max(len(self.c), len(o.c))
        return Vec(a + b for a, b in zip(self.padded(n), o.padded(n)))

    def __sub__(self, o: Any) -> "Vec":
        if not isinstance(o, Vec):
            return NotImplemented
        return self + (-o)

    def __neg__(self) -> "Vec":
        return Vec(-a for a in self.c)

    def __mul__(self, s: Any) -> "Vec":
        if isinstance(s, Vec):
            raise NotRepresentable("a product of two points (an inner product) is not a linear step")
        try:
            q = exact("scalar", s)
        except ValueError:
            raise NotRepresentable(f"multiplication by {s!r}: steps must be exact rational numbers") from None
        return Vec(q * a for a in self.c)

    __rmul__ = __mul__

    def __truediv__(self, s: Any) -> "Vec":
        return self * (1 / exact("divisor", s))

    def __eq__(self, o: Any) -> bool:
        return isinstance(o, Vec) and self.c == o.c

    def __hash__(self) -> int:
        return hash(self.c)

    def __repr__(self) -> str:
        return "Vec(" + ", ".join(str(a) for a in self.c) + ")"


@dataclasses.dataclass
class Point:
    """An evaluated point ``(x, g)``, ``g in T x`` (``g = F x`` for single-valued ``F``)."""

    name: str
    x: Vec
    g: Vec


class ExactOracle:
    """The oracle protocol on :class:`Vec` points (unconstrained, ``A = 0``)."""

    unconstrained = True

    def __init__(self) -> None:
        self.points: list[Point] = [Point("z*", Vec(), Vec())]
        self.leaf_names: list[str] = ["z0 - z*"]
        self.step_index = 0
        self.iterates: list[Vec] = []
        self._counter: dict[int, int] = {}
        self.n_F = 0
        self.n_resolvent = 0
        #: reuse ``J z`` already computed at the same ``z`` (sound only where the resolvent is
        #: single-valued on the class, rho > -gamma; the caller decides)
        self.single_valued_resolvent = False

    # -- naming ----------------------------------------------------------------------------
    def _name_of(self, x: Vec, prefix: str = "zbar") -> str:
        for k, z in enumerate(self.iterates):
            if z == x:
                return f"z{k}"
        return self._fresh(prefix)

    def _fresh(self, prefix: str) -> str:
        n = self._counter.get(self.step_index, 0)
        self._counter[self.step_index] = n + 1
        return f"{prefix}{self.step_index}" + ("'" * n)

    def _new_leaf(self, name: str) -> Vec:
        self.leaf_names.append(name)
        return Vec.unit(len(self.leaf_names) - 1)

    def lookup(self, x: Vec) -> Point | None:
        for p in self.points:
            if p.x == x:
                return p
        return None

    # -- protocol --------------------------------------------------------------------------
    def F(self, z: Any) -> Vec:
        if not isinstance(z, Vec):
            raise NotRepresentable(f"oracle.F got a {type(z).__name__}, not a symbolic point")
        self.n_F += 1
        p = self.lookup(z)
        if p is not None:
            return p.g
        name = self._name_of(z)
        g = self._new_leaf(f"F({name})")
        self.points.append(Point(name, z, g))
        return g

    def prox(self, z: Any, gamma: Any) -> Any:
        return z  # A = 0

    def resolvent(self, z: Any, gamma: Any) -> Vec:
        """Implicit step: ``w = z - gamma g`` with a new leaf ``g in T w``."""
        self.n_resolvent += 1
        gam = exact("gamma", gamma)
        if self.single_valued_resolvent:
            for p in self.points[1:]:
                if p.x + gam * p.g == z:
                    return p.x
        src = self._name_of(z) if any(z == it for it in self.iterates) else None
        name = f"J({src})" if src else self._fresh("w")
        g = self._new_leaf(f"T({name})")
        w = z - gam * g
        self.points.append(Point(name, w, g))
        return w

    def vdot(self, a: Any, b: Any) -> Any:
        raise NotRepresentable("the method uses inner products of iterates (an adaptive step): "
                               "not a fixed linear method, so it has no PEP certificate")

    ratio = vdot


@dataclasses.dataclass
class Trace:
    """What running the method symbolically produced."""

    basis: list[str]
    points: list[Point]
    iterates: list[Vec]
    oracle: ExactOracle

    @property
    def dim(self) -> int:
        return len(self.basis)


def _rename_iterates(o: ExactOracle) -> None:
    """Resolvent outputs that became outer iterates get the iterate's name (``J(z0)`` -> ``z1``)."""
    for p in o.points:
        for k, z in enumerate(o.iterates):
            if p.x == z and p.name != f"z{k}" and p.name != "z*":
                old = p.name
                p.name = f"z{k}"
                o.leaf_names = [n.replace(f"({old})", f"(z{k})") for n in o.leaf_names]


def trace(method: Any, n_steps: int, oracle: ExactOracle | None = None) -> Trace:
    """Run ``n_steps`` outer steps of ``method`` from ``z0 = z* + e_0``.

    Raises
    ------
    NotRepresentable
        The method uses data-dependent steps, constraints, or non-rational parameters.
    """
    o = oracle or ExactOracle()
    z0 = Vec.unit(0)
    o.iterates.append(z0)
    try:
        state = method.init(z0, o)
        for k in range(n_steps):
            o.step_index = k
            state = method.step(state, o)
            from monoverify.solvers.contracts import state_z

            z = state_z(method, "step", state)
            if not isinstance(z, Vec):
                raise NotRepresentable(f"step {k} returned a {type(z).__name__}, not a symbolic point")
            o.iterates.append(z)
    except (TypeError, AttributeError) as exc:
        raise NotRepresentable(f"{method!r} cannot run on exact symbolic points (it may use only +, -, "
                               f"scalar *, oracle.F and oracle.resolvent): {type(exc).__name__}: {exc}") from None
    _rename_iterates(o)
    return Trace(basis=list(o.leaf_names), points=o.points, iterates=list(o.iterates), oracle=o)
