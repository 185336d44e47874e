"""The linear fast path: a stationary method on ``F z = M z`` is a matrix, obtained from its own step.

For an unconstrained linear operator without offset, one step of a stationary method maps its state
``x`` (the array entries of the state dict, stacked: ``z`` alone, or ``(z, Fprev)`` for ``ogda``)
linearly: ``x+ = T x``. :func:`transition_matrix` obtains ``T`` by running the method's **own**
``step`` through an ordinary :class:`~monoverify.solvers.Oracle` on the unit states (one batch
holding them all, for every hyper-parameter value at once), exactly as
:func:`monoverify.theory.spectral.iteration_matrix` does for one value. Iterating ``T`` then costs
one small matrix-vector product per outer step, whatever the number of inner steps: RAPP with
``tau = 482`` on a 2-D game costs 4 multiplications per instance and step instead of ~5,000.

:func:`apply` is that product, batched. The result differs from the direct run by rounding only;
the tests bound ``||z_lin - z_direct|| <= 1e-11 (1 + ||z_direct||)`` over 100-200 outer steps of the
registered methods on contracting and expanding problems (``run(..., linear=...)``).

>>> import numpy as np
>>> from monoverify.solvers import make
>>> T = transition_matrix(make("gda", gamma=np.array([0.5, 1.0])), [[0.0, 1.0], [-1.0, 0.0]])
>>> T.shape, T[1].tolist()
((2, 2, 2), [[1.0, -1.0], [1.0, 1.0]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Method
from .oracle import Oracle

from monoverify.errors import InvalidValue

__all__ = ["Transition", "transition_matrix", "linear_transition", "apply", "NotLinear"]


class NotLinear(InvalidValue):
    """The method or operator has no state-transition matrix (nonlinear, time-varying, constrained)."""


class _NoInnerOracle(Oracle):
    def vdot(self, a: Any, b: Any) -> Any:
        raise NotLinear("the method uses inner products (adaptive-ceg+): it is not linear")

    def ratio(self, num: Any, den: Any) -> Any:
        raise NotLinear("the method uses ratios of inner products: it is not linear")


class Transition:
    """``T`` of shape ``(batch, s, s)`` (``(s, s)`` for scalar hyper-parameters) and its bookkeeping.

    Attributes
    ----------
    T : numpy.ndarray
    coords : list of str
        State entries stacked in ``x`` (``"z"`` first when it is the only one).
    dim : int
    n_F, n_resolvent : int
        Oracle calls of one step of the method (added to the run's oracle at each linear step).
    """

    def __init__(self, T: np.ndarray, coords: list[str], dim: int, n_F: int, n_resolvent: int, others: dict):
        self.T, self.coords, self.dim = T, coords, dim
        self.n_F, self.n_resolvent, self.others = n_F, n_resolvent, others


def _check_operator(op: Any) -> Any:
    from monoverify.operators.linear import LinearOperator
    from monoverify.operators.sets import Whole

    if not isinstance(op, LinearOperator):
        M = np.asarray(op, dtype=float)
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise NotLinear(f"M must be a square matrix, got shape {M.shape}")
        return LinearOperator(M)
    if not isinstance(op.constraint, Whole) or op.offset is not None:
        raise NotLinear("the linear path needs an unconstrained operator F z = M z without offset")
    return op


def unit_states(method: Method, s: int) -> tuple[Method, np.ndarray, int | None]:
    """``(rep, U, B)``: ``method`` with its hyper-parameters repeated for the ``s`` unit states of every
    instance (rows ``(b, j)``, shape ``(nb s, 1)``), those states ``U`` (``(nb s, s)``) and the batch
    size ``B`` (``None`` for scalar hyper-parameters, then ``nb = 1``); see :func:`from_unit_states`."""
    B = method.batch_size()
    nb = 1 if B is None else B
    host = method.map_hyper(lambda name, v: np.broadcast_to(np.asarray(v, dtype=float), (nb,)))
    rep = host.map_hyper(lambda name, v: np.ascontiguousarray(np.repeat(v, s).reshape(-1, 1)))
    return rep, np.tile(np.eye(s), (nb, 1)), B


def from_unit_states(cols: np.ndarray, s: int, B: int | None) -> np.ndarray:
    """The matrices whose column ``j`` is row ``(b, j)`` of ``cols`` (the images of the unit states of
    :func:`unit_states`): ``(B, s, s)``, or ``(s, s)`` when ``B`` is None."""
    T = np.swapaxes(cols.reshape(1 if B is None else B, s, s), 1, 2)
    return np.ascontiguousarray(T if B is not None else T[0])


def linear_transition(method: Method, M: Any) -> Transition:
    """State-transition matrices of ``method`` on ``M`` (see :func:`transition_matrix`)."""
    op = _check_operator(M)
    d = op.dim
    probe_oracle = _NoInnerOracle(op)
    with np.errstate(all="ignore"):
        st = method.map_hyper(lambda name, v: np.asarray(v, dtype=float).reshape(-1)[:1].reshape(1, 1)).init(
            np.zeros((1, d)), probe_oracle)
    coords = [k for k, v in st.items() if isinstance(v, np.ndarray) and v.shape == (1, d)]
    if "z" not in coords:
        raise NotLinear(f"the state of {method!r} has no array entry 'z'")
    coords = ["z"] + [c for c in coords if c != "z"]
    others = {k: v for k, v in st.items() if k not in coords}
    s = len(coords) * d
    rep, U, B = unit_states(method, s)   # rows (b, j): hyper-parameters of instance b, unit state e_j
    units = {c: np.ascontiguousarray(U[:, i * d:(i + 1) * d]) for i, c in enumerate(coords)}
    oracle = _NoInnerOracle(op)
    with np.errstate(all="ignore"):
        out = rep.step({**units, **others}, oracle)
    for k, v in others.items():
        w = out.get(k)
        same = w is v
        if not same:
            try:
                same = bool(np.all(w == v))
            except Exception:
                same = False
        if not same:
            raise NotLinear(f"{method!r} is not stationary (its state entry {k!r} changes every step)")
    cols = np.hstack([np.asarray(out[c], dtype=float) for c in coords])  # (nb*s, s): row j = T e_j
    return Transition(from_unit_states(cols, s, B), coords, d, oracle.n_F, oracle.n_resolvent, others)


def transition_matrix(method: Method, M: Any) -> np.ndarray:
    """The matrix ``T`` with ``x+ = T x`` for one step of a stationary linear ``method`` on ``F z = M z``.

    Parameters
    ----------
    method : Method
        Hyper-parameters scalars or arrays of shape ``(batch,)``; linear (not ``adaptive-ceg+``)
        and stationary (not ``feg``).
    M : array_like (dim, dim) or an unconstrained LinearOperator without offset

    Returns
    -------
    numpy.ndarray
        ``(s, s)``, or ``(batch, s, s)`` for array hyper-parameters; ``s = dim`` times the number
        of array state entries (``ogda``: ``(z, Fprev)``, ``s = 2 dim``).

    Raises
    ------
    NotLinear (a ValueError)
        When the method or the operator has no transition matrix.
    """
    return linear_transition(method, M).T


def apply(T: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x+ = T x`` per instance: ``T`` of shape ``(n, s, s)``, ``x`` of shape ``(n, s)``.

    For ``s < 8`` the sum ``sum_j T[:, i, j] x[:, j]`` is formed column by column (elementwise,
    so each instance gets the same bits whatever the batch); otherwise ``matmul``.
    """
    s = x.shape[1]
    if s >= 8:
        return np.matmul(T, x[:, :, None])[:, :, 0]
    out = np.empty_like(x)
    for i in range(s):
        acc = T[:, i, 0] * x[:, 0]
        for j in range(1, s):
            acc += T[:, i, j] * x[:, j]
        out[:, i] = acc
    return out
