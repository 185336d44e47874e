"""Run history storage: rows allocated as the run reaches them, padded or trimmed at the end."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Records"]


class Records:
    """History rows, allocated as they are needed (in chunks that double) and trimmed at the end.

    Rows not written for an instance are NaN (0 for the call counts), as with one ``(iters + 1,
    batch)`` array filled up front; but ``iters = 10**7`` with ``tol`` set allocates only the rows
    the run reaches. Small runs without ``tol`` get all their rows at once.
    """

    _UPFRONT_BYTES = 2**30  # without tol: all rows at once up to this size
    _PAD_BYTES = 256 * 2**20  # final arrays padded to iters + 1 rows up to this size

    def __init__(self, iters: int, B: int, distance: bool, monitors: list[str], grow: bool):
        self.B, self.iters = B, iters
        full = iters + 1
        n_arrays = 2 + distance + len(monitors)
        cap = full if (not grow and full * B * 8 * n_arrays <= self._UPFRONT_BYTES) else min(full, 64)
        self.res = np.empty((cap, B))
        self.dist = np.empty((cap, B)) if distance else None
        self.calls = np.zeros((cap, B), dtype=np.int64)
        self.mon = {n: np.empty((cap, B)) for n in monitors}
        self.written = -1  # rows 0..written are initialised

    def _grow(self, k: int) -> None:
        cap = self.res.shape[0]
        if k < cap:
            return
        new = min(max(2 * cap, k + 1), self.iters + 1)

        def grown(a: np.ndarray | None) -> np.ndarray | None:
            if a is None:
                return None
            b = np.zeros((new, self.B), np.int64) if a.dtype == np.int64 else np.empty((new, self.B))
            b[:cap] = a
            return b

        self.res, self.dist, self.calls = grown(self.res), grown(self.dist), grown(self.calls)
        self.mon = {n: grown(v) for n, v in self.mon.items()}

    def _nan_rows(self, lo: int, hi: int, res: bool = True, dist: bool = True, mon: bool = True) -> None:
        if hi <= lo:
            return
        if res:
            self.res[lo:hi] = np.nan
        if dist and self.dist is not None:
            self.dist[lo:hi] = np.nan
        if mon:
            for v in self.mon.values():
                v[lo:hi] = np.nan

    def open(self, k: int, cols: Any, distance: bool, monitors: bool) -> tuple | None:
        """Prepare row ``k`` for the instances ``cols``: NaN where nothing will be written.

        Returns the views ``(residual row, distance row or None)`` to compute into when ``cols``
        is the whole batch (a slice), else None.
        """
        self._grow(k)
        if k > self.written:
            self._nan_rows(self.written + 1, k)
            if isinstance(cols, slice):  # the whole row is written below, except what is absent
                self._nan_rows(k, k + 1, res=False, dist=not distance, mon=not monitors)
            else:
                self._nan_rows(k, k + 1)
            self.written = k
        if not isinstance(cols, slice):
            return None
        return self.res[k], (None if self.dist is None else self.dist[k])

    def put(self, k: int, cols: Any, r: np.ndarray | None, d: np.ndarray | None, calls: Any,
            mon: dict | None, *, distance: bool | None = None) -> None:
        """Row ``k`` for the instances ``cols``; unwritten entries of the row stay NaN.

        ``r`` or ``d`` None: not written here (computed into the views of :meth:`open`, or absent:
        ``distance`` says which, default ``d is not None``); ``calls``: an array or one count for all.
        """
        self.open(k, cols, d is not None if distance is None else distance, mon is not None)
        if r is not None:
            self.res[k, cols] = r
        if d is not None:
            self.dist[k, cols] = d
        if calls is not None:
            self.calls[k, cols] = calls
        if mon is not None:
            for name, v in mon.items():
                self.mon[name][k, cols] = v

    def finish(self, run_rows: int) -> tuple:
        """The arrays with ``iters + 1`` rows, or cut to ``run_rows`` rows when that would be large.

        Padding to ``iters + 1`` rows (NaN) keeps the shape of every ordinary run; above
        ``_UPFRONT_BYTES`` in all, the history ends at the last iteration any instance ran.
        """
        full = self.iters + 1
        n_arrays = 2 + (self.dist is not None) + len(self.mon)
        rows = full if full * self.B * 8 * n_arrays <= self._PAD_BYTES else run_rows
        self._grow(rows - 1)
        if rows - 1 > self.written:
            self._nan_rows(self.written + 1, rows)
            self.written = rows - 1

        def cut(a: np.ndarray | None) -> np.ndarray | None:
            if a is None or a.shape[0] == rows:
                return a
            return np.ascontiguousarray(a[:rows])

        return cut(self.res), cut(self.dist), cut(self.calls), {n: cut(v) for n, v in self.mon.items()}
