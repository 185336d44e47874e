"""Many small linear problems at once: the metric curve of every cell on its own linear instance.

A linear unconstrained instance ``F z = M (z - z*)`` is, for every method of the protocol, the
transition ``x+ = T x`` of the method's own step on the unit states
(:mod:`monoverify.solvers.linear_path`). A *stack* holds one small matrix per row (a rotation-scaling
block of a normal map, or a whole small non-normal map), its start ``z0 - z*`` and the
hyper-parameters of the row's cell; a cell's metric is the sum over its rows (a block-diagonal map
in an orthonormal basis is the direct sum of its blocks, and every metric here is a squared norm of
a linear residual, invariant under orthogonal changes of basis). So the whole battery of a
theorem on its linear families is one batched computation, whatever the number of distinct
instances, and

* :func:`curves` gives the metric at **every** ``k <= K`` (chunked powers of ``T``: the rounding of
  ``K`` direct steps, ``C`` iterates per batched product);
* :func:`at_horizons` gives it at a log grid of ``K`` up to ``10^5`` and beyond with ``O(log K)``
  products (repeated squaring), for last-iterate metrics.

Everything is in ``z - z*`` coordinates (metrics of unconstrained affine problems do not depend on
``z*``).

>>> import numpy as np
>>> from monoverify.solvers import make
>>> Ms = np.array([[[0.0, 1.0], [-1.0, 0.0]]])             # F z = (y, -x)
>>> c = curves(make("gda", gamma=0.5), Ms, np.array([[1.0, 0.0]]), 2, "operator_sq", np.array([0]), 1)
>>> c[:, 0].tolist()                                          # ||M z^k||^2 = (1 + 1/4)^k
[1.0, 1.25, 1.5625]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.solvers.linear_path import _Problem, _StackOracle, states_at

from .. import metrics as MT

__all__ = ["curves", "at_horizons", "residual_matrices", "CHUNK"]

#: iterates per batched product in :func:`curves`
CHUNK = 32


def _host(method: Any, n: int) -> Any:
    return method.map_hyper(lambda name, v: np.ascontiguousarray(np.broadcast_to(np.asarray(v, float), (n,))))


def residual_matrices(method: Any, Ms: np.ndarray, metric: str) -> np.ndarray | None:
    """``R`` ``(n, d, d)`` with the metric's residual at ``z`` equal to ``R z`` on each row's problem
    (the metric's own residual on the unit vectors); ``None`` for metrics that are not such a residual
    (``distance_ratio`` reads distances)."""
    spec = MT.METRICS[metric]
    if spec.residual is None or set(spec.needs) - {"method"}:
        return None
    n, d = Ms.shape[0], Ms.shape[1]
    rows = np.repeat(np.arange(n), d)
    host = _host(method, n)
    rep = host.map_hyper(lambda name, v: np.asarray(v, float)[rows].reshape(-1, 1) if np.ndim(v) else v)
    if spec.check is not None:
        spec.check(host)
    E = np.tile(np.eye(d), (n, 1))
    with np.errstate(all="ignore"):
        out = np.asarray(spec.residual(MT.At(z=E, oracle=_StackOracle(Ms, rows), method=rep)), float)
    return out.reshape(n, d, d).transpose(0, 2, 1)


def _values(metric: str, R: np.ndarray | None, Z: np.ndarray) -> np.ndarray:
    """Metric values ``(..., n)`` of iterates ``Z`` ``(..., n, d)`` (``distance_ratio``: squared distances)."""
    if R is None:
        return np.einsum("...i,...i->...", Z, Z)
    Y = np.einsum("nij,...nj->...ni", R, Z)
    return np.einsum("...i,...i->...", Y, Y)


def _per_cell(v: np.ndarray, cell_of: np.ndarray, n_cells: int) -> np.ndarray:
    """Sum the rows' values over each cell: ``(..., n)`` -> ``(..., n_cells)``."""
    flat = v.reshape(-1, v.shape[-1])
    m = flat.shape[0]
    # one bincount over all leading rows: bin (i, cell) sums row i's values in index order, as a
    # bincount per row would (the same bits)
    idx = (np.arange(m)[:, None] * n_cells + cell_of[None, :]).ravel()
    out = np.bincount(idx, weights=flat.ravel(), minlength=m * n_cells)
    return out.reshape(v.shape[:-1] + (n_cells,))


#: squared distances below this are z* up to floating-point resolution (their ratios are 0/0, read as 0)
TINY = 1e-250


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num/den`` of squared distances; 0 where both are at ``z*`` to float resolution (as for exact zeros)."""
    with np.errstate(all="ignore"):
        return np.where(den > TINY, num / den, np.where(num > TINY, np.inf, 0.0))


def _ratio_curve(metric: str, d2: np.ndarray) -> np.ndarray:
    out = np.full_like(d2, np.nan)
    out[1:] = _ratio(d2[1:], d2[:-1])
    return out


def _apply(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``A[..., n, :, :] @ x[n]`` for ``x`` ``(n, s)``: a fixed sum over the ``s`` columns, in vector
    operations over all the leading axes (einsum's generic loops cost several times this for the small
    ``s`` here)."""
    s = x.shape[-1]
    out = A[..., 0] * x[:, None, 0]
    for j in range(1, s):
        out = out + A[..., j] * x[:, None, j]
    return out


def _sumsq(Y: np.ndarray) -> np.ndarray:
    """``sum_i Y[..., i]^2``, summed left to right."""
    v = Y[..., 0] * Y[..., 0]
    for i in range(1, Y.shape[-1]):
        v = v + Y[..., i] * Y[..., i]
    return v


def curves(method: Any, Ms: np.ndarray, y0: np.ndarray, K: int, metric: str, cell_of: np.ndarray,
           n_cells: int) -> np.ndarray:
    """The metric at every ``k = 0..K`` of every cell: ``(K + 1, n_cells)``.

    Parameters
    ----------
    method : Method
        Hyper-parameters scalars or arrays of one value per row.
    Ms : array (n, d, d)
        One matrix per row; ``y0`` ``(n, d)`` the row's start ``z0 - z*``.
    cell_of : int array (n,)
        The cell each row belongs to (its values are summed).

    Notes
    -----
    With ``T`` the transition and ``R`` the metric's residual matrix, the chunk after ``x^k`` is
    ``||R (T^c x^k)_{:d}||^2`` for ``c = 1..C``: the products ``Q_c = R (T^c)_{:d}`` are formed once
    per call, so a chunk costs one ``(C, n, d, s)`` contraction with ``x^k`` and the state moves on
    by ``T^C`` (equal to ``C`` direct steps up to the rounding of the powers).
    """
    n, d = Ms.shape[0], Ms.shape[1]
    pb = _Problem(_host(method, n), np.ascontiguousarray(Ms), y0, None)
    tr = pb.transition()
    x = pb.x0(tr)
    T = tr.T if tr.T.ndim == 3 else np.broadcast_to(tr.T, (n,) + tr.T.shape)
    R = residual_matrices(method, Ms, metric)
    with np.errstate(all="ignore"):
        P = [T]
        for _ in range(1, min(CHUNK, max(K, 1))):
            P.append(np.matmul(T, P[-1]))
        P = np.stack(P)                                           # (C, n, s, s): T^1 .. T^C
        Pd = P[:, :, :d, :]                                       # the iterate's rows of the powers
        Q = Pd if R is None else np.matmul(R[None], Pd)           # (C, n, d, s): residuals of the powers
        out = np.empty((K + 1, n_cells))
        out[0] = _per_cell(_values(metric, R, x[None, :, :d]), cell_of, n_cells)[0]
        dead = np.full(n_cells, K + 1)      # a cell with a diverged row: infinite from this k on
        k = 0
        while k < K:
            c = min(len(P), K - k)
            out[k + 1:k + 1 + c] = _per_cell(_sumsq(_apply(Q[:c], x)), cell_of, n_cells)
            x = _apply(P[c - 1], x)                                # x^{k+c}
            k += c
            bad = ~np.isfinite(x).all(axis=1) | (np.abs(x).max(axis=1) > 1e150)
            if bad.any():   # a diverging row: its state is reset so the others go on unharmed
                x = np.where(bad[:, None], 0.0, x)
                hit = np.unique(cell_of[bad])
                dead[hit] = np.minimum(dead[hit], k)
        for j in np.nonzero(dead <= K)[0]:
            out[dead[j]:, j] = np.inf
    if metric == "distance_ratio":
        return _ratio_curve(metric, out)
    return out


def at_horizons(method: Any, Ms: np.ndarray, y0: np.ndarray, Ks: Any, metric: str, cell_of: np.ndarray,
                n_cells: int) -> np.ndarray:
    """The metric at the outer iterations ``Ks`` of every cell, ``(len(Ks), n_cells)``, with ``O(log max K)``
    products (last iterates; ``distance_ratio`` needs ``K - 1`` too and is computed from both)."""
    Ks = np.asarray(Ks, dtype=np.int64)
    n, d = Ms.shape[0], Ms.shape[1]
    host = _host(method, n)
    R = residual_matrices(method, Ms, metric)
    allK = np.unique(np.concatenate([Ks, np.maximum(Ks - 1, 0)])) if metric == "distance_ratio" else np.unique(Ks)
    with np.errstate(all="ignore"):
        Z = states_at(host, np.ascontiguousarray(Ms), y0, allK, shifted=True)[..., :d]   # (len(allK), n, d)
        v = _per_cell(_values(metric, R, Z), cell_of, n_cells)
    idx = {int(k): i for i, k in enumerate(allK)}
    if metric == "distance_ratio":
        return _ratio(v[[idx[int(k)] for k in Ks]], v[[idx[max(int(k) - 1, 0)] for k in Ks]])
    return v[[idx[int(k)] for k in Ks]]
