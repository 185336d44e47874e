"""The quantities that :func:`estimate_constants` bounds, vectorised over points and pairs (NumPy float64)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from monoverify.arrays import to_numpy

from ..linear import spectral_norm_2x2

__all__ = ["jacobian_norm", "pair_quotient", "weak_mvi_ratio"]

_EPS = float(np.finfo(float).eps)


def _F(op: Any, Z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(to_numpy(op.F(np.asarray(Z, dtype=float))), dtype=float)


def _norm(X: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(X * X, axis=-1))


def jacobian_norm(op: Any, Z: Any) -> np.ndarray:
    """``||dF(z)||_2`` for every row of ``Z`` (shape ``(..., dim)`` -> ``(...)``).

    >>> from monoverify.operators import LinearOperator
    >>> jacobian_norm(LinearOperator([[3.0, 0.0], [0.0, 1.0]]), np.zeros((2, 2)))
    array([3., 3.])
    """
    J = np.asarray(op.jacobian(np.asarray(Z, dtype=float)), dtype=float)
    with np.errstate(all="ignore"):
        if J.shape[-1] == 2 and J.shape[-2] == 2:
            return spectral_norm_2x2(J)
        return np.linalg.norm(J, 2, axis=(-2, -1))


def pair_quotient(op: Any, P: Any, Q: Any) -> np.ndarray:
    """``<Fq - Fp, q - p>/||Fq - Fp||^2`` row by row (``+inf`` where ``Fq = Fp``).

    >>> from monoverify.operators import LinearOperator
    >>> pair_quotient(LinearOperator([[1.0, 2.0], [-2.0, 1.0]]), np.zeros(2), np.array([1.0, 0.0]))
    array(0.2)
    """
    return _pair_stats(op, P, Q, 0.0)[0]


def weak_mvi_ratio(op: Any, Z: Any, zstar: Any) -> np.ndarray:
    """``<Fz, z - z*>/||Fz||^2`` row by row (``+inf`` where ``Fz = 0``).

    >>> from monoverify.operators import LinearOperator
    >>> weak_mvi_ratio(LinearOperator([[1.0, 2.0], [-2.0, 1.0]]), np.array([0.0, 3.0]), np.zeros(2))
    array(0.2)
    """
    return _mvi_stats(op, Z, zstar, 0.0)[0]


def _quotient(v: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, ...]:
    """``<v, d>/||v||^2`` row by row: (valid, safe denominator, quotient (inf where invalid), |quotient|, ``||v||``)."""
    num = np.sum(v * d, axis=-1)
    den = np.sum(v * v, axis=-1)
    with np.errstate(all="ignore"):
        ok = (den > 0) & np.isfinite(num) & np.isfinite(den)
        safe = np.where(ok, den, 1.0)
        q = np.where(ok, num / safe, np.inf)
        aq = np.where(ok, np.abs(q), 0.0)
    return ok, safe, q, aq, np.sqrt(den)


def _pair_stats(op: Any, P: Any, Q: Any, L_ref: float):
    """Quotient, rounding margin, ``||dF||`` and ``||dz||`` of the pairs ``(P, Q)``.

    The margin is a first-order bound on the floating-point error of the computed quotient,
    assuming each computed ``F(z)`` is within ``(dim + 8) eps (||Fz|| + L sqrt(dim) ||z||)`` of the
    exact value (what a matrix-vector product or a short polynomial achieves).
    """
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    P, Q = np.broadcast_arrays(P, Q)
    dim = P.shape[-1]
    FPQ = _F(op, np.stack([P, Q]))
    FP, FQ = FPQ[0], FPQ[1]
    dF, dz = FQ - FP, Q - P
    ok, safe, q, aq, nF = _quotient(dF, dz)
    ndz = _norm(dz)
    with np.errstate(all="ignore"):
        eta = (dim + 8) * _EPS * (_norm(FP) + _norm(FQ) + L_ref * math.sqrt(dim) * (_norm(P) + _norm(Q)))
        eta = eta + 2 * _EPS * (_norm(P) + _norm(Q)) * nF  # dz
        margin = np.where(ok, (eta * (ndz + 2 * aq * nF) + 2 * dim * _EPS * nF * ndz) / safe + 4 * _EPS * aq, np.inf)
    return q, margin, nF, ndz


def _mvi_stats(op: Any, Z: Any, zstar: Any, L_ref: float):
    """Weak-MVI ratio, rounding margin (as in :func:`_pair_stats`), ``||Fz||`` and ``||z - z*||``."""
    Z = np.asarray(Z, dtype=float)
    zs = np.asarray(zstar, dtype=float)
    dim = Z.shape[-1]
    Fz = _F(op, Z)
    d = Z - zs
    ok, safe, r, ar, nF = _quotient(Fz, d)
    nd = _norm(d)
    with np.errstate(all="ignore"):
        eta = (dim + 8) * _EPS * (nF + L_ref * math.sqrt(dim) * _norm(Z))
        err_d = 2 * _EPS * (_norm(Z) + _norm(zs))
        margin = np.where(ok, (eta * (nd + 2 * ar * nF) + err_d * nF + 2 * dim * _EPS * nF * nd) / safe + 4 * _EPS * ar,
                          np.inf)
    return r, margin, nF, nd


def _lip_quotient(op: Any, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    P, Q = np.broadcast_arrays(P, Q)
    FPQ = _F(op, np.stack([P, Q]))
    dF, dz = FPQ[1] - FPQ[0], Q - P
    nz = _norm(dz)
    with np.errstate(all="ignore"):
        v = np.where(nz > 0, _norm(dF) / np.where(nz > 0, nz, 1.0), -np.inf)
    return np.where(np.isfinite(v), v, -np.inf)


def _lip_margin(op: Any, P: np.ndarray, Q: np.ndarray, L_ref: float) -> np.ndarray:
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    dim = P.shape[-1]
    FPQ = _F(op, np.stack(np.broadcast_arrays(P, Q)))
    nz = _norm(Q - P)
    eta = (dim + 8) * _EPS * (_norm(FPQ[0]) + _norm(FPQ[1]) + L_ref * math.sqrt(dim) * (_norm(P) + _norm(Q)))
    with np.errstate(all="ignore"):
        return np.where(nz > 0, eta / np.where(nz > 0, nz, 1.0) + 4 * _EPS * L_ref, np.inf)


def _local_quotient(J: np.ndarray, smin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise ``min_d <J d, d>/||J d||^2 = lambda_min(sym(J^{-1}))`` and a minimising unit ``d``.

    Jacobians with smallest singular value ``<= smin`` (or not finite) give ``+inf`` (skipped).
    """
    fin = np.all(np.isfinite(J), axis=(-2, -1))
    Jf = np.where(fin[..., None, None], J, 0.0)
    s = np.linalg.svd(Jf, compute_uv=False)
    ok = fin & (s[..., -1] > smin) & (s[..., -1] > 1e-12 * s[..., 0])
    vals = np.full(J.shape[:-2], np.inf)
    dirs = np.zeros(J.shape[:-1])
    if np.any(ok):
        Ji = np.linalg.inv(Jf[ok])
        S = 0.5 * (Ji + np.swapaxes(Ji, -1, -2))
        w, V = np.linalg.eigh(S)
        vals[ok] = w[..., 0]
        d = np.einsum("...ij,...j->...i", Ji, V[..., :, 0])
        dirs[ok] = d / _norm(d)[..., None]
    return vals, dirs


