"""What the runner records every iteration: residual and distance, from what the step already has.

:class:`Meter` computes ``||F z||`` (or the natural residual) and ``||z - z*||`` of the active
iterates with the same bits as :func:`~monoverify.solvers.runner.residual` and the runner's
overflow-safe norm. With the column replay of a compiled step
(:class:`~monoverify.solvers.columns.ColumnStep`) it takes ``F z`` from the step's own buffers
(the next step then reuses it instead of evaluating it again), sums the squares column by
column straight into the history row, and returns the largest norm, which the runner's stop
test reuses: when ``z* = 0`` the distance is ``||z||`` itself.

Outside NumPy (CuPy, array-API namespaces) both stay arrays of the iterates' namespace: the
records keep them there (:class:`~monoverify.solvers.records.DeviceRows`), no row goes to the
host while the run goes on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.arrays import is_numpy, to_numpy

from .columns import ColumnStep
from .norms import _safe_norm, residual

__all__ = ["Meter", "column_norm", "inside", "safe_steps"]


def column_norm(cols: list, out: np.ndarray | None = None, tmp: np.ndarray | None = None) -> np.ndarray:
    """``sqrt(sum_j c_j * c_j)`` summed left to right (the order of the runner's row norm), into ``out``
    (``tmp``: scratch of the same shape)."""
    s = np.multiply(cols[0], cols[0], out=out)
    if len(cols) > 1:
        tmp = np.empty_like(s) if tmp is None or tmp.shape != s.shape else tmp
        for c in cols[1:]:
            np.add(s, np.multiply(c, c, out=tmp), out=s)
    return np.sqrt(s, out=s)


class Meter:
    """Residual and distance of the active iterates (see the module docstring).

    Parameters
    ----------
    op : Operator
    sol : array or None
        ``op.solution`` in the run's namespace.
    xp : namespace
    stepper : the run's stepper (its compiled column step, if any, provides ``F z``)
    """

    def __init__(self, op: Any, sol: Any, xp: Any, stepper: Any):
        self.op, self.sol, self.xp = op, sol, xp
        self._residual, self._safe_norm = self._first_residual, _safe_norm  # the exact path (first call checked)
        prog = getattr(stepper, "prog", None)
        self.columns = prog if isinstance(prog, ColumnStep) else None
        self._tmp: np.ndarray | None = None
        self.sol_zero = sol is not None and is_numpy(xp) and not np.any(np.asarray(sol))
        self._rows = to_numpy if is_numpy(xp) else _same  # rows in the iterates' namespace outside NumPy

    def _first_residual(self, op: Any, z: Any) -> Any:
        """:func:`~.norms.residual` (the same operations) with the contract of ``F`` and the projection checked
        (:mod:`.contracts`): the residual of the start point is the first ``F`` a run evaluates."""
        from monoverify.arrays import namespace_of
        from monoverify.operators.sets import Whole

        from .contracts import check_result

        xp = namespace_of(z)
        Fz = op.F(z)
        check_result("F", op, z, Fz)
        A = op.constraint
        if isinstance(A, Whole):
            r = Fz
        else:
            P = A.prox(z - Fz, 1.0)
            check_result("prox", A, z, P)
            r = z - P
        self._residual = residual
        return _safe_norm(xp, r)

    def _scratch(self, like: np.ndarray) -> np.ndarray:
        if self._tmp is None or self._tmp.shape != like.shape:
            self._tmp = np.empty(like.shape)
        return self._tmp

    def residual(self, state: dict, out: np.ndarray | None = None) -> np.ndarray:
        """Residual of ``state["z"]`` per instance (written into ``out`` when given and possible).

        A host array with NumPy iterates, else an array of their namespace.
        """
        z = state["z"]
        if self.columns is None or not _plain(z):
            return self._rows(self._residual(self.op, z))
        cols = self.columns.fz_columns(state)
        r = column_norm(cols, out, self._scratch(cols[0]))
        if not float(np.max(r, initial=0.0)) < np.inf:  # NaN or an overflowed square: the exact norm
            r[...] = self._safe_norm(self.xp, np.stack(cols, axis=1))
        return r

    def distance(self, z: Any, out: np.ndarray | None = None) -> tuple[np.ndarray | None, float | None]:
        """``||z - z*||`` per instance (None when ``z*`` is unknown; a host array with NumPy iterates,
        else of their namespace) and, when ``z* = 0`` and every distance is finite, its largest value
        (an exact bound of every ``||z||``), else None."""
        if self.sol is None:
            return None, None
        if not (self.sol_zero and _plain(z)):
            return self._rows(self._safe_norm(self.xp, z, self.sol)), None
        # z - 0 is z (a signed zero squares to +0): the same bits as the norm of z - z*
        d = column_norm([z[:, j] for j in range(z.shape[1])], out, self._scratch(z[:, 0]))
        top = float(np.max(d, initial=0.0))
        if not top < np.inf:
            d[...] = self._safe_norm(self.xp, z, self.sol)
            return d, None
        return d, top


def inside(xp: Any, z: Any, lim_min: float, top: float | None = None) -> float | None:
    """Cheap sufficient test that no active instance is NaN, infinite or beyond its limit.

    Returns ``A >= sqrt(dim) max_ij |z_ij|`` (a bound of every ``||z_i||``) when it proves that,
    else None. ``top``: the largest norm when the records know it (then the test is exact:
    ``top <= lim_min = min_i limit_i``, and ``A = sqrt(dim) top``).
    Otherwise two reductions of the whole batch (its largest and smallest entry; on the device for
    CuPy and array-API arrays, so only two numbers travel to the host): when both are
    finite and ``sqrt(dim) max|z| <= lim_min`` (with a relative margin far above rounding),
    every ``||z_i|| <= sqrt(dim) max|z_i|`` is within its limit and none is NaN, so the per-row
    norms are not needed. Otherwise the exact test runs: the decisions (and every recorded
    number) are those of the exact test.
    """
    if top is not None:
        return top * np.sqrt(z.shape[-1]) if top <= lim_min else None
    if isinstance(z, np.ndarray):
        if not (z.dtype == np.float64 and z.ndim == 2):
            return None
        hi, lo = float(z.max()), float(z.min())
    else:  # CuPy, array-API arrays: two reductions on the device instead of every row's norm on the host
        if getattr(z, "ndim", 0) != 2 or z.dtype != getattr(xp, "float64", None):
            return None
        hi, lo = float(xp.max(z)), float(xp.min(z))
    if not (np.isfinite(hi) and np.isfinite(lo)):
        return None
    A = max(hi, -lo) * np.sqrt(z.shape[1])
    return A if A <= lim_min * (1.0 - 1e-6) else None


def safe_steps(A: float, G: float, lim_min: float, most: int = 64) -> int:
    """Steps ``j`` (at most ``most``) with ``G^i A <= lim_min`` for every ``i <= j``, margin included.

    ``A`` bounds every ``||z_i||`` and ``sqrt(dim) max|z_i|`` (see :func:`inside`); ``G`` bounds the
    growth of ``max|z|`` per computed step (:meth:`~monoverify.solvers.columns.ColumnStep.growth`),
    so ``||z_i||`` stays below ``sqrt(dim) G^j max|z|``, within every limit.
    """
    lim = lim_min * (1.0 - 1e-6)
    if not (np.isfinite(G) and A > 0):
        return 0 if not np.isfinite(G) else most
    j = 0
    while j < most and A * G ** (j + 1) <= lim:
        j += 1
    return j


def _same(x: Any) -> Any:
    return x


def _plain(z: Any) -> bool:
    return isinstance(z, np.ndarray) and z.dtype == np.float64 and z.ndim == 2 and 1 <= z.shape[1] < 8
