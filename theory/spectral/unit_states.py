"""Apply one ``step`` of a method to the unit states: the one place where transition matrices are built.

A linear method acts on its state (the array entries of the state dict, in dict order: ``z``,
or ``(z, Fprev)`` for ``ogda``, ``(z, anchor)`` for ``feg``) as a matrix. Running ``step`` on the
unit states gives its columns. Three *bases* say what a unit state is:

* :class:`_EigenBasis` -- complex arrays of one eigen-direction, batched over eigenvalues and
  ``(batch, 1)`` hyper-parameters (all unit states in one batched step);
* :class:`_ExactBasis` -- SymPy scalars, one step per unit state (exact multipliers);
* :class:`_MatrixBasis` -- the unit vectors of ``R^{s dim}`` as one batch on a dense linear map
  (explicit iteration matrices).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.solvers.base import Method

from .oracle import EigenOracle

__all__ = ["Transition", "apply_to_unit_states", "run_numeric", "run_exact"]


class Transition:
    """Result of running a method on the unit states."""

    def __init__(self, T: Any, coords: list[str], init_vec: Any, time_varying: bool, inner: bool):
        self.T = T                    # numeric: array (..., s, s); exact: sympy Matrix (s, s)
        self.coords = coords          # coordinate names (state-dict order)
        self.init_vec = init_vec      # coordinates after init(z0 = 1): (..., s) or Matrix (s, 1)
        self.time_varying = time_varying
        self.inner = inner


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.all(a == b))
    except Exception:  # pragma: no cover - exotic state entries
        return a is b


class _EigenBasis:
    z_message = "has no array entry 'z'"

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape
        self.one = np.ones(shape, dtype=complex)

    def is_coord(self, v: Any) -> bool:
        return isinstance(v, np.ndarray)

    def init_vec(self, st: dict, coords: list[str]) -> Any:
        return np.stack([np.broadcast_to(st[c], self.shape) for c in coords], axis=-1)

    def unit_states(self, coords: list[str]) -> list[dict]:
        s = len(coords)
        if s == 1:
            return [{coords[0]: self.one}]
        full = (s,) + self.shape
        E = np.eye(s, dtype=complex).reshape((s, s) + (1,) * len(self.shape))
        return [{c: np.broadcast_to(E[i], full) for i, c in enumerate(coords)}]

    def assemble(self, outs: list[dict], coords: list[str]) -> Any:
        out = outs[0]
        if len(coords) == 1:
            return np.broadcast_to(out[coords[0]], self.shape)[..., None, None]
        full = (len(coords),) + self.shape
        return np.stack([np.moveaxis(np.broadcast_to(out[c], full), 0, -1) for c in coords], axis=-2)

    @staticmethod
    def compose(T: Any, P: Any) -> Any:
        return T @ P


class _ExactBasis:
    z_message = "has no entry 'z'"
    one = sp.Integer(1)

    def is_coord(self, v: Any) -> bool:
        return isinstance(v, sp.Basic)

    def init_vec(self, st: dict, coords: list[str]) -> Any:
        return sp.Matrix([st[c] for c in coords])

    def unit_states(self, coords: list[str]) -> list[dict]:
        return [{c: (self.one if i == j else sp.Integer(0)) for i, c in enumerate(coords)} for j in range(len(coords))]

    def assemble(self, outs: list[dict], coords: list[str]) -> Any:
        s = len(coords)
        T = sp.zeros(s, s)
        for j, out in enumerate(outs):
            for i, c in enumerate(coords):
                T[i, j] = sp.sympify(out[c])
        return T

    @staticmethod
    def compose(T: Any, P: Any) -> Any:
        return T * P


class _MatrixBasis:
    z_message = "has no array entry 'z'"

    def __init__(self, dim: int):
        self.d = dim
        self.one = np.eye(dim)

    def is_coord(self, v: Any) -> bool:
        return isinstance(v, np.ndarray) and v.shape == (self.d, self.d)

    def init_vec(self, st: dict, coords: list[str]) -> Any:
        return None

    def unit_states(self, coords: list[str]) -> list[dict]:
        d = self.d
        U = np.eye(len(coords) * d)
        return [{c: np.ascontiguousarray(U[:, i * d:(i + 1) * d]) for i, c in enumerate(coords)}]

    def assemble(self, outs: list[dict], coords: list[str]) -> Any:
        return np.hstack([np.asarray(outs[0][c], dtype=float) for c in coords]).T

    @staticmethod
    def compose(T: Any, P: Any) -> Any:
        return T @ P


def apply_to_unit_states(method: Method, oracle: Any, basis: Any, steps: int = 1) -> Transition:
    """Run ``init`` on ``basis.one`` and ``steps`` steps on the unit states; the product of the transitions."""
    with np.errstate(all="ignore"):
        st = method.init(basis.one, oracle)
        coords = [k for k, v in st.items() if basis.is_coord(v)]
        if "z" not in coords:
            raise InvalidValue(f"the state of {method!r} {basis.z_message}")
        others = {k: v for k, v in st.items() if k not in coords}
        init_vec = basis.init_vec(st, coords)
        P = None
        time_varying = False
        for _ in range(steps):
            outs = [method.step({**unit, **others}, oracle) for unit in basis.unit_states(coords)]
            missing = [c for c in coords if c not in outs[-1]]
            if missing:
                raise InvalidValue(f"step of {method!r} dropped the state entries {missing}")
            new_others = {k: outs[-1].get(k) for k in others}
            if any(not _same(new_others[k], others[k]) for k in others):
                time_varying = True
            T = basis.assemble(outs, coords)
            P = T if P is None else basis.compose(T, P)
            others = new_others
    return Transition(P, coords, init_vec, time_varying, bool(getattr(oracle, "used_inner_product", False)))


def _hyper_shapes(method: Method) -> list[tuple[int, ...]]:
    return [np.shape(v) for v in method.hyper().values()]


def run_numeric(method: Method, mu: np.ndarray, steps: int = 1, terms: Any = None) -> Transition:
    """Transition matrices (product over ``steps``) of an already converted method on ``F z = mu z``
    (``terms``: the summands' eigenvalues along the direction, for splitting methods)."""
    try:
        shape = np.broadcast_shapes(mu.shape, *_hyper_shapes(method))
    except ValueError:
        raise InvalidValue(f"eigenvalues of shape {mu.shape} do not broadcast against the hyper-parameter batch "
                         f"(shapes {_hyper_shapes(method)}); use eigenvalues of shape (n_eig,) or (batch, n_eig)") from None
    return apply_to_unit_states(method, EigenOracle(mu, terms=terms), _EigenBasis(shape), steps)


def run_exact(method: Method, mu: Any, steps: int = 1, terms: Any = None) -> Transition:
    """Exact (SymPy) transition matrix of an already converted method on ``F z = mu z``
    (``terms``: the summands' eigenvalues along the direction, for splitting methods)."""
    mu = sp.sympify(mu)
    terms = None if terms is None else tuple(sp.sympify(t) for t in terms)
    return apply_to_unit_states(method, EigenOracle(mu, exact=True, terms=terms), _ExactBasis(), steps)


def run_matrix(method: Method, oracle: Any, dim: int) -> Transition:
    """Explicit iteration matrix on a dense linear map of dimension ``dim`` (one step)."""
    return apply_to_unit_states(method, oracle, _MatrixBasis(dim), 1)
