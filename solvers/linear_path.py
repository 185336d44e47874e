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

__all__ = ["Transition", "transition_matrix", "linear_transition", "apply", "NotLinear", "states_at", "metric_at"]


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
    return _transition(method, op.dim, lambda rows: _NoInnerOracle(op))


def _transition(method: Method, d: int, oracle_for: Any) -> Transition:
    """``T`` from ``method.step`` on the unit states; ``oracle_for(rows)`` is the oracle of a batch whose
    row ``r`` belongs to instance ``rows[r]`` (one operator for all, or one per instance)."""
    probe_oracle = oracle_for(np.zeros(1, dtype=np.int64))
    with np.errstate(all="ignore"):
        st = method.map_hyper(lambda name, v: np.asarray(v, dtype=float).reshape(-1)[:1].reshape(1, 1)).init(
            np.zeros((1, d)), probe_oracle)
    from .contracts import check_state

    check_state(method, "init", st, (1, d))
    coords = [k for k, v in st.items() if isinstance(v, np.ndarray) and v.shape == (1, d)]
    if "z" not in coords:
        raise NotLinear(f"the state of {method!r} has no array entry 'z'")
    coords = ["z"] + [c for c in coords if c != "z"]
    others = {k: v for k, v in st.items() if k not in coords}
    s = len(coords) * d
    rep, U, B = unit_states(method, s)   # rows (b, j): hyper-parameters of instance b, unit state e_j
    units = {c: np.ascontiguousarray(U[:, i * d:(i + 1) * d]) for i, c in enumerate(coords)}
    oracle = oracle_for(np.repeat(np.arange(1 if B is None else B), s))
    with np.errstate(all="ignore"):
        out = rep.step({**units, **others}, oracle)
    from .contracts import check_state

    check_state(method, "step", out, units["z"].shape)
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


# ------------------------------------------------------------------------------------------------
# powers of the transition matrix: z^K = T^K z^0 at a few K, cost O(log max K) products
# ------------------------------------------------------------------------------------------------
#: every matrix product of :func:`states_at` goes through this name (the tests count the calls)
_product = np.matmul


class _StackOracle:
    """The oracle of ``F_b z = M_b z`` for a stack of matrices ``M`` ``(B, d, d)``: row ``r`` of a batch
    belongs to instance ``rows[r]``. Unconstrained; the resolvent is ``(I + gamma M_b)^{-1} z``."""

    unconstrained = True

    def __init__(self, Ms: np.ndarray, rows: np.ndarray):
        self.M = Ms[rows]
        self.n_F = 0
        self.n_resolvent = 0

    @property
    def op(self) -> Any:
        raise NotLinear("a stack of matrices has no players (alternating methods need one LinearOperator)")

    def F(self, z: Any) -> Any:
        self.n_F += 1
        return np.einsum("nij,nj->ni", self.M, z)

    def prox(self, z: Any, gamma: Any) -> Any:
        return z

    def resolvent(self, z: Any, gamma: Any) -> Any:
        self.n_resolvent += 1
        n, d = z.shape
        g = np.broadcast_to(np.asarray(gamma, dtype=float).reshape(-1, 1), (n, 1))
        A = np.eye(d)[None] + g[:, :, None] * self.M
        return np.linalg.solve(A, z[:, :, None])[:, :, 0]

    def vdot(self, a: Any, b: Any) -> Any:
        raise NotLinear("the method uses inner products (adaptive-ceg+): it is not linear")

    ratio = vdot


class _Problem:
    """What :func:`states_at` iterates: the linear part (one operator or a stack), ``z*`` and oracles."""

    def __init__(self, method: Method, op: Any, z0: Any, zstar: Any):
        from monoverify.operators.linear import LinearOperator
        from monoverify.operators.sets import Whole

        z0 = np.asarray(z0, dtype=float)
        if z0.ndim not in (1, 2):
            raise InvalidValue(f"z0 must have shape (dim,) or (batch, dim), got shape {z0.shape}")
        self.stack = None
        if isinstance(op, LinearOperator):
            if not isinstance(op.constraint, Whole):
                raise NotLinear("powers of the transition matrix need an unconstrained operator")
            if op.offset is not None:
                if zstar is None:
                    zstar = op.solution
                if zstar is None:
                    raise NotLinear("F z = M z + b has no zero z* (M singular, b outside its range): "
                                    "z - z* coordinates need one")
            blocks = getattr(op, "_blocks", None)
            self.lin = LinearOperator(op.matrix, constants=op.constants, players=op.players,
                                      block_size=None if blocks is None else blocks.shape[1]) \
                if op.offset is not None else op
            d, nM = op.dim, None
        else:
            M = np.asarray(op, dtype=float)
            if M.ndim == 2:
                self.lin, d, nM = _check_operator(M), M.shape[0], None
            elif M.ndim == 3 and M.shape[1] == M.shape[2]:
                self.stack, d, nM = np.ascontiguousarray(M), M.shape[1], M.shape[0]
            else:
                raise NotLinear(f"op must be a LinearOperator, a (dim, dim) matrix or a (batch, dim, dim) stack, "
                                f"got shape {M.shape}")
        if z0.shape[-1] != d:
            raise InvalidValue(f"z0 has dimension {z0.shape[-1]}, the operator {d}")
        mb = method.batch_size()
        sizes = {b for b in (mb, nM, z0.shape[0] if z0.ndim == 2 else None) if b is not None}
        if len(sizes) > 1:
            raise InvalidValue(f"batch sizes disagree: hyper-parameters {mb}, matrices {nM}, z0 "
                               f"{z0.shape[0] if z0.ndim == 2 else None}")
        self.B = sizes.pop() if sizes else 1
        self.d = d
        zs = np.zeros(d) if zstar is None else np.asarray(zstar, dtype=float)
        if zs.shape not in ((d,), (self.B, d)):
            raise InvalidValue(f"zstar must have shape ({d},) or ({self.B}, {d}), got {zs.shape}")
        self.zstar = np.broadcast_to(zs, (self.B, d))
        self.y0 = np.broadcast_to(z0, (self.B, d)) - self.zstar   # z - z* coordinates
        # hyper-parameters as (B,) arrays when anything is batched (one transition matrix per instance)
        self.host = method if (self.B == 1 and nM is None) else method.map_hyper(
            lambda name, v: np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=float), (self.B,))))

    def oracle(self, rows: np.ndarray) -> Any:
        """The oracle of the linear part for a batch whose row ``r`` is instance ``rows[r]``."""
        return _StackOracle(self.stack, rows) if self.stack is not None else _NoInnerOracle(self.lin)

    def rows_method(self, rows: np.ndarray) -> Method:
        """The method with its hyper-parameters as ``(n, 1)`` columns of the instances ``rows``."""
        return self.host.map_hyper(lambda name, v: np.asarray(v, dtype=float)[rows].reshape(-1, 1) if np.ndim(v) else v)

    def transition(self) -> Transition:
        return _transition(self.host, self.d, self.oracle)

    def x0(self, tr: Transition) -> np.ndarray:
        """The stacked start state ``(B, s)`` of the problem in ``z - z*`` coordinates."""
        rows = np.arange(self.B)
        with np.errstate(all="ignore"):
            st = self.rows_method(rows).init(np.ascontiguousarray(self.y0), self.oracle(rows))
        return np.concatenate([np.broadcast_to(np.asarray(st[c], dtype=float), (self.B, self.d))
                               for c in tr.coords], axis=1)


def _ks(Ks: Any) -> np.ndarray:
    K = np.asarray(Ks)
    if K.ndim > 1 or K.size == 0 or K.dtype.kind not in "iuf" or np.any(K < 0) or np.any(K != np.floor(K)):
        raise InvalidValue(f"Ks must be a non-empty sequence of integers >= 0, got {Ks!r}")
    return K.reshape(-1).astype(np.int64)


def _powers_apply(T: np.ndarray, x0: np.ndarray, Ks: np.ndarray) -> np.ndarray:
    """``T^K x0`` for every ``K`` of ``Ks``: ``(len(Ks), B, s)``.

    Repeated squaring: ``P_j = T^(2^j)`` for ``2^j <= max K`` (``bit_length(max K) - 1`` products of
    matrices), then ``T^K x0`` as the product of the ``P_j`` of the set bits of ``K`` applied to
    ``x0`` (at most ``bit_length(K)`` matrix-vector products per ``K``). Every product is
    :data:`_product` (``numpy.matmul``); ``T`` is ``(s, s)`` (one for all instances) or ``(B, s, s)``.
    """
    kmax = int(Ks.max())
    P = [T]
    with np.errstate(all="ignore"):
        for _ in range(1, max(kmax.bit_length(), 1)):
            P.append(_product(P[-1], P[-1]))
        out = np.empty((Ks.size,) + x0.shape)
        for i, K in enumerate(Ks.tolist()):
            x = x0[:, :, None]
            j = 0
            while K:
                if K & 1:
                    x = _product(P[j], x)
                K >>= 1
                j += 1
            out[i] = x[:, :, 0]
    return out


def states_at(method: Method, op: Any, z0: Any, Ks: Any, *, zstar: Any = None, shifted: bool = False) -> np.ndarray:
    """The states ``x^K = T^K x^0`` of a stationary linear ``method`` at the outer iterations ``Ks``,
    with a cost that grows like ``log(max K)``, not ``K``.

    ``T`` is the method's transition matrix (:func:`linear_transition`: its own ``step`` on the unit
    states). Where only the last iterate, or a log grid of ``K`` up to ``10^5`` and beyond, is needed,
    this replaces ``max K`` steps of the run by repeated squaring: ``P_j = T^(2^j)`` for every bit of
    ``max K`` (``bit_length(max K) - 1`` batched matrix products), then per ``K`` the product of the
    ``P_j`` of its set bits applied to ``x^0`` (at most ``bit_length(K)`` matrix-vector products).
    Exact matrix products, no eigendecomposition: robust to non-normal and defective ``T``.

    Parameters
    ----------
    method : Method
        Stationary and linear (every registered method but ``feg`` and ``adaptive-ceg+``; ``alt-gda``
        needs a LinearOperator with players); hyper-parameters scalars or arrays of shape ``(batch,)``.
    op : LinearOperator, array (dim, dim), or array (batch, dim, dim)
        Unconstrained. A ``LinearOperator`` with an offset ``F z = M z + b = M (z - z*)`` (``z* =
        op.solution``) is iterated in ``z - z*`` coordinates with the transition matrix of ``M``
        (so ``x^K - x*`` is not lost to the rounding of ``z*``). A stack gives each instance its
        own matrix (``zstar`` then says ``F_b z = M_b (z - zstar_b)``; default 0).
    z0 : array (dim,) or (batch, dim)
        Start points (the state is ``method.init(z0)``, e.g. ``(z0, F z0)`` for ``ogda``).
    Ks : sequence of int >= 0
        Outer iterations, any order, repeats allowed (``K = 0``: the start state).
    zstar : array (dim,) or (batch, dim), optional
        The zero of ``F`` (default ``op.solution`` for an offset operator, else 0).
    shifted : bool
        Return ``x - x*`` (``z - z*`` in the ``z`` block) instead of ``x``.

    Returns
    -------
    numpy.ndarray, shape ``(len(Ks), batch, s)``
        ``s = dim`` times the number of array state entries, stacked in the order of
        ``linear_transition(method, M).coords`` (``z`` first: ``[..., :dim]`` is ``z^K``). The batch
        axis is always there (``batch = 1`` when nothing is batched). Entries other than ``z`` are
        those of the problem in ``z - z*`` coordinates (``F``-values such as ``ogda``'s ``Fprev`` are
        the same in both; only ``z`` is shifted back by ``z*``).

    Accuracy
    --------
    Rounding only. A computed square ``fl(P P)`` carries a relative error of about ``s eps`` in each
    entry of ``|P| |P|``, so ``P_j`` has relative error about ``2^j s eps kappa_j`` with ``kappa_j =
    || |T|^(2^j) || / ||T^(2^j)||`` (1 for a normal 2x2 rotation-scaling ``T``; large only for
    strongly non-normal ``T``): the same order as ``K`` direct steps (``K eps``), never worse. Tested:
    equal to the direct run (``run(..., linear="never")``) to ``1e-10 (||z0 - z*|| + ||z*||)`` over
    ``K <= 500`` for every stationary registered method (with and without an offset), and at
    ``K = 10^5`` within ``1e-9`` relative of the closed form ``m^K z0`` (50-digit arithmetic) of a
    2x2 rotation-scaling map (measured: 2e-12, as for 10^5 direct steps).

    Raises
    ------
    NotLinear (a ValueError)
        Constrained, nonlinear or time-varying cases, or an offset operator without a zero.

    Examples
    --------
    >>> import numpy as np
    >>> from monoverify.solvers import make
    >>> x = states_at(make("gda", gamma=0.5), [[0.0, 1.0], [-1.0, 0.0]], [1.0, 0.0], [0, 1, 2, 10])
    >>> x.shape, x[2, 0].tolist()                 # (I - M/2)^2 e_1 = (3/4, 1)
    ((4, 1, 2), [0.75, 1.0])
    """
    Kv = _ks(Ks)
    pb = _Problem(method, op, z0, zstar)
    tr = pb.transition()
    x0 = pb.x0(tr)
    xs = _powers_apply(tr.T, x0, Kv)
    if not shifted:
        xs[..., :pb.d] += pb.zstar
    return xs


def metric_at(method: Method, op: Any, z0: Any, Ks: Any, metric: str, *, zstar: Any = None) -> np.ndarray:
    """Values ``(len(Ks), batch)`` of the theorem metric ``metric`` at the last iterates ``z^K``, ``K`` in ``Ks``.

    The iterates come from :func:`states_at` (cost ``O(log max K)``); the metric is its own definition in
    :data:`monoverify.theory.metrics.METRICS` (``||F z||^2``, ``||z - J z||^2``, ``||S z - z||^2``, ...)
    evaluated once per ``K`` on the problem in ``z - z*`` coordinates, where ``F`` is ``M`` (every
    residual of an unconstrained affine problem is the same vector there, and no digits of ``z - z*``
    are lost to ``z*``). Metrics that read the previous iterate (``step_sq``) get ``z^{K-1}`` (NaN at
    ``K = 0``); ``distance_sq`` is ``||z^K - z*||^2``. Last iterates only: a best-iterate curve needs every
    ``K`` (use :func:`monoverify.solvers.run`).

    >>> import numpy as np
    >>> from monoverify.solvers import make
    >>> v = metric_at(make("gda", gamma=0.5), [[0.0, 1.0], [-1.0, 0.0]], [1.0, 0.0], [0, 2], "operator_sq")
    >>> v.tolist()                                # ||M z^K||^2: 1, then ||(1, -3/4)||^2
    [[1.0], [1.5625]]
    """
    from monoverify.theory.metrics import At, get_metric, sqnorm

    spec = get_metric(metric)
    if spec.residual is None or set(spec.needs) - {"method", "prev", "zstar"}:
        raise InvalidValue(f"metric {metric!r} is not the squared norm of a residual of the iterate")
    Kv = _ks(Ks)
    pb = _Problem(method, op, z0, zstar)
    if spec.check is not None:
        spec.check(pb.host)
    tr = pb.transition()
    x0 = pb.x0(tr)
    prev = "prev" in spec.needs
    allK = np.concatenate([Kv, np.maximum(Kv - 1, 0)]) if prev else Kv
    uniq, inv = np.unique(allK, return_inverse=True)
    ys = _powers_apply(tr.T, x0, uniq)[..., :pb.d]      # z - z* at every K needed
    nK, B, d = Kv.size, pb.B, pb.d
    rows = np.tile(np.arange(B), nK)
    y = ys[inv[:nK]].reshape(nK * B, d)
    at = At(z=np.ascontiguousarray(y), oracle=pb.oracle(rows) if pb.stack is not None else _metric_oracle(pb.lin),
            method=pb.rows_method(rows), zstar=np.zeros((nK * B, d)),
            prev=np.ascontiguousarray(ys[inv[nK:]].reshape(nK * B, d)) if prev else None)
    with np.errstate(all="ignore"):
        v = np.asarray(sqnorm(spec.residual(at)), dtype=float).reshape(nK, B)
    if prev:
        v[Kv == 0] = np.nan
    return v


def _metric_oracle(op: Any) -> Any:
    from .oracle import Oracle

    return Oracle(op)
