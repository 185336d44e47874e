"""The :class:`Operator` base class and the record of its constants.

An operator is a single-valued map ``F: R^dim -> R^dim`` evaluated on arrays of shape
``(..., dim)`` in the array namespace of its argument (NumPy, CuPy, ``array_api_strict`` ...),
together with its Lipschitz constant ``L`` and comonotonicity constant ``rho`` as SymPy
expressions, each tagged with its ``kind`` (``exact`` | ``bound`` | ``estimate``) and source.
Sign convention (§1.2): ``<Fz - Fz', z - z'> >= rho ||Fz - Fz'||^2``; ``rho < 0`` is
|rho|-cohypomonotonicity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.arrays import _numpy_namespace, namespace_of

#: dtype kinds of real arrays (float, signed and unsigned integer, bool): what ``check_point`` accepts
_REAL_KINDS = frozenset("fiub")

KINDS = ("exact", "bound", "estimate")
NOTIONS = ("comonotone", "weak-mvi")

__all__ = ["Constant", "Constants", "Operator", "KINDS", "check_players", "XY_PLAYERS"]

#: players of the 2-D games min_x max_y f(x, y): x = coordinate 0, y = coordinate 1
XY_PLAYERS = (slice(0, 1), slice(1, 2))


def _check_finite_param(name: str, value: Any) -> None:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InvalidValue(f"{name} must be finite, got {value!r}")


def check_players(players: Any, dim: int) -> tuple | None:
    """Validate players' coordinate blocks: slices or index sequences partitioning ``range(dim)``.

    Returns a tuple of slices / integer index arrays (``None`` stays ``None``).

    >>> check_players([slice(0, 1), [1, 2]], 3)
    (slice(0, 1, None), array([1, 2]))
    >>> check_players([slice(0, 3), [0]], 3)
    Traceback (most recent call last):
    ...
    monoverify.errors.InvalidValue: players must partition the coordinates 0..2 into blocks (each exactly once); coordinates [0] are in several blocks
    """
    if players is None:
        return None
    blocks = []
    for p in players:
        if isinstance(p, slice):
            blocks.append(p)
        else:
            idx = np.asarray(p)
            if idx.ndim != 1 or idx.dtype.kind not in "iu":
                raise InvalidValue(f"players must be slices or 1-D integer index sequences, got {p!r}")
            blocks.append(idx)
    if len(blocks) < 2:
        raise InvalidValue(f"players must list at least 2 blocks, got {len(blocks)}")
    count = np.zeros(dim, dtype=int)
    for b in blocks:
        if isinstance(b, np.ndarray) and (b.min(initial=0) < 0 or b.max(initial=0) >= dim):
            raise InvalidValue(f"player indices must lie in 0..{dim - 1}, got {b.tolist()}")
        count[np.arange(dim)[b]] += 1
    if np.any(count != 1):
        missing = np.nonzero(count == 0)[0].tolist()
        twice = np.nonzero(count > 1)[0].tolist()
        why = f"coordinates {missing} are in no block" if missing else f"coordinates {twice} are in several blocks"
        raise InvalidValue(f"players must partition the coordinates 0..{dim - 1} into blocks (each exactly once); {why}")
    return tuple(blocks)


@dataclass(frozen=True)
class Constant:
    """One constant of an operator: a SymPy value with its kind and provenance.

    Parameters
    ----------
    value : sympy.Expr
        Exact expression (or a SymPy ``Float`` for numerical values).
    kind : {"exact", "bound", "estimate"}
        ``exact``: the value itself; ``bound``: a proven one-sided bound (``L`` from above,
        ``rho`` from above for a ``rho`` that is *at most* this value, see ``note``);
        ``estimate``: computed numerically, not certified.
    source : str
        Where the value comes from (a reference to the documentation's Mathematics page such as ``"§6"``,
        or ``"derived"``).
    note : str
        Anything a user must know to read the value correctly.

    Examples
    --------
    >>> c = Constant(sp.Rational(1, 3), "exact", "derived")
    >>> float(c)
    0.3333333333333333
    """

    value: sp.Expr
    kind: str
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidValue(f"kind must be one of {KINDS}, got {self.kind!r}")
        object.__setattr__(self, "value", sp.sympify(self.value))

    def __float__(self) -> float:
        return float(self.value)

    def as_dict(self) -> dict:
        return {
            "value": str(self.value),
            "float": _safe_float(self.value),
            "kind": self.kind,
            "source": self.source,
            "note": self.note,
        }


def _safe_float(v: sp.Expr) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Constants:
    """The constants of an operator: ``L`` (Lipschitz) and ``rho`` (comonotonicity).

    ``rho_notion`` says which quantity ``rho`` is: ``"comonotone"`` (pairwise, §1.2) or
    ``"weak-mvi"`` (relative to the solution only, the convention of §6 for the nonlinear
    examples).
    """

    L: Constant
    rho: Constant
    rho_notion: str = "comonotone"

    def __post_init__(self) -> None:
        if self.rho_notion not in NOTIONS:
            raise InvalidValue(f"rho_notion must be one of {NOTIONS}, got {self.rho_notion!r}")

    def as_dict(self) -> dict:
        return {"L": self.L.as_dict(), "rho": self.rho.as_dict(), "rho_notion": self.rho_notion}


class Operator:
    """Base class of all operators.

    Subclasses set ``dim``, ``name``, ``params`` and ``constants`` and implement
    ``_F(z, xp)`` for arrays ``z`` of shape ``(..., dim)`` in namespace ``xp``.

    Attributes
    ----------
    dim : int
        Dimension of the space.
    constants : Constants
        ``L`` and ``rho`` with kind and source.
    constraint : monoverify.operators.sets.Set
        The constraint set or regulariser ``A`` of ``0 in A z + F z`` (default: whole space).
    solution : numpy.ndarray or None
        A known zero ``z*`` (of ``F`` or of ``A + F``), or ``None``.
    players : tuple of slice or None
        The coordinate blocks of the players of a game ``min_x max_y f`` (``(x_block,
        y_block)``), used by methods that update the players in turn (``alt-gda``); ``None``
        (the default) when the operator declares no players.
    """

    dim: int
    name: str = "operator"
    params: Mapping[str, Any]
    constants: Constants
    solution: np.ndarray | None = None
    is_linear: bool = False
    players: tuple | None = None

    def __init__(self) -> None:  # pragma: no cover - subclasses set everything
        raise TypeError("Operator is abstract")

    # -- constants ---------------------------------------------------------------------
    @property
    def L(self) -> sp.Expr:
        """Lipschitz constant as a SymPy expression (``float(op.L)`` works)."""
        return self.constants.L.value

    @property
    def rho(self) -> sp.Expr:
        """Comonotonicity constant as a SymPy expression (see ``constants.rho_notion``)."""
        return self.constants.rho.value

    @property
    def constraint(self):
        from .sets import Whole

        c = getattr(self, "_constraint", None)
        if c is not None:
            return c
        w = self.__dict__.get("_whole")
        if w is None or w.dim != self.dim:
            w = self.__dict__["_whole"] = Whole(self.dim)
        return w

    # -- evaluation --------------------------------------------------------------------
    def check_point(self, z: Any, name: str = "z") -> Any:
        """Validate the last axis of ``z`` and return its array namespace."""
        if type(z) is np.ndarray and z.ndim and z.shape[-1] == self.dim and z.dtype.kind in _REAL_KINDS:
            return _numpy_namespace()   # the hot path (every F call of a NumPy run): the checks below, passed
        shape = getattr(z, "shape", None)
        if shape is None or len(shape) == 0 or shape[-1] != self.dim:
            raise InvalidValue(
                f"{name} must have shape (..., {self.dim}) for {self.name} (dim={self.dim}), "
                f"got shape {shape}"
            )
        kind = getattr(getattr(z, "dtype", None), "kind", None)  # NumPy-like dtypes; array-API dtypes pass
        if kind in ("O", "U", "S", "V", "c", "M", "m"):
            raise InvalidValue(f"{name} must be an array of real numbers, got dtype {z.dtype} (valid: real floats or "
                             "integers)")
        return namespace_of(z)

    def F(self, z: Any) -> Any:
        """Evaluate the operator on ``z`` of shape ``(..., dim)``; NaN propagates."""
        xp = self.check_point(z)
        return self._F(z, xp)

    __call__ = F

    def _F(self, z: Any, xp: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def jacobian(self, z: Any) -> np.ndarray:
        """Jacobian ``dF/dz`` at ``z`` (NumPy), shape ``(..., dim, dim)``."""
        raise NotImplementedError(f"{self.name} has no analytic Jacobian")

    @property
    def has_jacobian(self) -> bool:
        return type(self).jacobian is not Operator.jacobian

    def with_constraint(self, constraint: Any) -> "Operator":
        """The same map with another constraint set / regulariser (``None``: the whole space).

        The known ``solution`` is kept: callers must make sure it is still a solution (true when it
        is a zero of ``F`` lying in the new set). Constants are those of ``F``, unchanged.
        """
        import copy

        if constraint is not None and constraint.dim != self.dim:
            raise InvalidValue(f"constraint has dim {constraint.dim}, operator has dim {self.dim}")
        new = copy.copy(self)
        new._constraint = constraint
        return new

    def describe(self) -> dict:
        """A JSON-ready description: name, dim, params, constants, constraint."""
        return {
            "name": self.name,
            "dim": self.dim,
            "params": {k: str(v) for k, v in dict(self.params).items()},
            "constraint": repr(self.constraint),
            "solution": None if self.solution is None else np.asarray(self.solution).tolist(),
            "constants": self.constants.as_dict(),
        }

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v}" for k, v in dict(self.params).items())
        return f"{self.name}({ps})"
