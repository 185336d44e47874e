"""Run history storage: rows allocated as the run reaches them, padded or trimmed at the end.

Two arrays are never stored in full while the run goes on, because the run does not produce
them: the cumulative call counts (every active instance shares one count, so a row is one number
and the set of instances it applies to) and, in a run that records only its first and last rows
(``record=False`` without ``tol``), the NaN rows in between. They are :class:`Lazy` values that
:class:`~monoverify.solvers.runner.History` turns into the arrays on first access (the same
values, dtypes and shapes as if they had been filled during the run).

When the iterates live on a device (CuPy, any array-API namespace other than NumPy), the residual
and distance rows stay there (:class:`DeviceRows`) and reach the host once, when the history is
read: the run itself copies no row of them to the host.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from monoverify.arrays import is_numpy, to_numpy

__all__ = ["Records", "Lazy", "DeviceRows"]


class Lazy:
    """An array built on first access (see :class:`~monoverify.solvers.runner.History`)."""

    __slots__ = ("build",)

    def __init__(self, build: Callable[[], np.ndarray]):
        self.build = build


class _Segment:
    """Consecutive rows ``k0 .. k0 + n - 1`` written for the same instances ``cols``."""

    __slots__ = ("k0", "cols", "n", "buf")

    def __init__(self, k0: int, cols: Any, buf: Any):
        self.k0, self.cols, self.n, self.buf = k0, cols, 0, buf


class DeviceRows:
    """One history array kept in the iterates' namespace (CuPy, array-API) until it is read.

    Row ``k`` of the instances ``cols`` (a slice: all of them; else the indices of the active
    instances, the same object while the active set does not change) goes into the buffer of the
    current segment (consecutive rows for the same ``cols``), a float64 array of shape ``(cap,
    len(cols))`` on the iterates' device; its capacity starts at ``first`` rows (one row for the
    segments after the first) and doubles as rows arrive. :meth:`host` copies each segment to the host once (one transfer per segment,
    however many rows it holds) into a NaN-padded ``(rows, B)`` NumPy array.

    Parameters
    ----------
    xp : namespace
    like : array
        An iterate array (its device).
    B : int
        Instances.
    full : int
        Rows of the whole history (``iters + 1``).
    first : int
        Rows allocated when the first segment starts (at most the rows left).
    """

    def __init__(self, xp: Any, like: Any, B: int, full: int, first: int):
        import array_api_compat

        self.xp, self.device, self.B, self.full, self.first = xp, array_api_compat.device(like), B, full, first
        self.segments: list[_Segment] = []
        self._host: np.ndarray | None = None

    def _empty(self, rows: int, n: int) -> Any:
        return self.xp.empty((rows, n), dtype=self.xp.float64, device=self.device)

    def put(self, k: int, cols: Any, v: Any) -> None:
        """Row ``k`` of the instances ``cols``: ``v``, one value per instance (copied on the device)."""
        xp = self.xp
        s = self.segments[-1] if self.segments else None
        if s is None or s.cols is not cols or s.k0 + s.n != k:
            # the first segment gets ``first`` rows; a later one (the active set changed) one, then doubling:
            # instances that stop at many iterations must not leave ``first`` rows of the batch each time
            first = min(self.first, self.full - k) if s is None else 1
            s = _Segment(k, cols, self._empty(max(1, first), int(v.shape[0])))
            self.segments.append(s)
        elif s.n == s.buf.shape[0]:
            old = s.buf
            s.buf = self._empty(min(2 * s.n, self.full - s.k0), old.shape[1])
            s.buf[: s.n, ...] = old
        s.buf[s.n, ...] = v if v.dtype == xp.float64 else xp.astype(v, xp.float64)
        s.n += 1

    def host(self, rows: int) -> np.ndarray:
        """The ``(rows, B)`` host array (NaN where nothing was written); copied once, then kept."""
        if self._host is None:
            out = np.empty((rows, self.B))
            whole = np.zeros(rows, dtype=bool)  # rows every instance of which is copied below
            for s in self.segments:
                if isinstance(s.cols, slice):
                    whole[s.k0:s.k0 + s.n] = True
            out[~whole] = np.nan
            for s in self.segments:
                m = min(s.n, rows - s.k0)
                if m <= 0:
                    continue
                if isinstance(s.cols, slice):
                    to_numpy(s.buf[:m, ...], out=out[s.k0:s.k0 + m])
                else:
                    out[s.k0:s.k0 + m, s.cols] = to_numpy(s.buf[:m, ...])
            self._host, self.segments = out, []  # the device buffers are released
        return self._host


class Records:
    """History rows, allocated as they are needed (in chunks that double) and trimmed at the end.

    Rows not written for an instance are NaN (0 for the call counts), as with one ``(iters + 1,
    batch)`` array filled up front; but ``iters = 10**7`` with ``tol`` set allocates only the rows
    the run reaches. Small runs without ``tol`` get all their rows at once. ``sparse``: only a
    few rows will be written (kept one by one, the array is built on access). ``xp``, ``like``:
    the iterates' namespace and an iterate array; outside NumPy the residual and distance rows
    are :class:`DeviceRows` (built on access, the monitors stay on the host).
    """

    _UPFRONT_BYTES = 2**30  # without tol: all rows at once up to this size
    _PAD_BYTES = 256 * 2**20  # final arrays padded to iters + 1 rows up to this size

    def __init__(self, iters: int, B: int, distance: bool, monitors: list[str], grow: bool, sparse: bool = False,
                 xp: Any = None, like: Any = None):
        few, sparse = sparse, sparse and not monitors
        self.B, self.iters, self.sparse, self.distance = B, iters, sparse, distance
        full = iters + 1
        self.n_arrays = 2 + distance + len(monitors)  # the call counts included (sizes as when stored in full)
        cap = 0 if sparse else (full if (not grow and full * B * 8 * self.n_arrays <= self._UPFRONT_BYTES)
                                else min(full, 64))
        self.device: dict[str, DeviceRows] | None = None
        if xp is not None and not is_numpy(xp):
            first = 1 if few else cap
            self.device = {n: DeviceRows(xp, like, B, full, first) for n in ("res", "dist")[: 1 + distance]}
        self.cap = cap
        self.res = np.empty((cap, B)) if self.device is None else None
        self.dist = np.empty((cap, B)) if distance and self.device is None else None
        self.mon = {n: np.empty((cap, B)) for n in monitors}
        self.rows: dict[int, tuple] = {}  # sparse: k -> (residual row, distance row or None)
        self.calls: list[tuple[int, Any, Any]] = []  # (k, instances, count(s))
        self.written = -1  # rows 0..written are initialised

    def _grow(self, k: int) -> None:
        cap = self.cap
        if k < cap:
            return
        new = self.cap = min(max(2 * cap, k + 1), self.iters + 1)

        def grown(a: np.ndarray | None) -> np.ndarray | None:
            if a is None:
                return None
            b = np.empty((new, self.B))
            b[:cap] = a
            return b

        self.res, self.dist = grown(self.res), grown(self.dist)
        self.mon = {n: grown(v) for n, v in self.mon.items()}

    def _nan_rows(self, lo: int, hi: int, res: bool = True, dist: bool = True, mon: bool = True) -> None:
        if hi <= lo:
            return
        if res and self.res is not None:
            self.res[lo:hi] = np.nan
        if dist and self.dist is not None:
            self.dist[lo:hi] = np.nan
        if mon:
            for v in self.mon.values():
                v[lo:hi] = np.nan

    def open(self, k: int, cols: Any, distance: bool, monitors: bool) -> tuple | None:
        """Prepare row ``k`` for the instances ``cols``: NaN where nothing will be written.

        Returns the views ``(residual row, distance row or None)`` to compute into when ``cols``
        is the whole batch (a slice) and the rows are on the host, else None.
        """
        full = isinstance(cols, slice)
        if self.sparse and self.device is not None:
            return None
        if self.sparse:
            if k not in self.rows:
                new = np.empty if full else (lambda n: np.full(n, np.nan))
                self.rows[k] = (new(self.B), None if not self.distance else
                                (new(self.B) if distance else np.full(self.B, np.nan)))
            return self.rows[k] if full else None
        self._grow(k)
        if k > self.written:
            self._nan_rows(self.written + 1, k)
            if full:  # the whole row is written below, except what is absent
                self._nan_rows(k, k + 1, res=False, dist=not distance, mon=not monitors)
            else:
                self._nan_rows(k, k + 1)
            self.written = k
        if not full or self.device is not None:
            return None
        return self.res[k], (None if self.dist is None else self.dist[k])

    def put(self, k: int, cols: Any, r: np.ndarray | None, d: np.ndarray | None, calls: Any,
            mon: dict | None) -> None:
        """Row ``k`` for the instances ``cols``, after :meth:`open` of the same row; unwritten entries stay NaN.

        ``r`` or ``d`` None: not written here (computed into the views of :meth:`open`, or absent);
        ``calls``: the instances' call counts (one number for all, or an array).
        """
        if self.device is not None:  # rows of the iterates' namespace, kept there
            for name, v in (("res", r), ("dist", d)):
                if v is not None:
                    self.device[name].put(k, cols, v)
        else:
            res, dist = self.rows[k] if self.sparse else (self.res[k], None if self.dist is None else self.dist[k])
            if r is not None:
                res[cols] = r
            if d is not None:
                dist[cols] = d
        if calls is not None:
            self.calls.append((k, cols, calls))
        if mon is not None:
            for name, v in mon.items():
                self.mon[name][k, cols] = v

    def _calls(self, rows: int) -> np.ndarray:
        out = np.zeros((rows, self.B), dtype=np.int64)
        i, w = 0, self.calls
        while i < len(w):  # runs of consecutive rows for the same instances, one count each: one assignment
            j = i + 1
            while (j < len(w) and w[j][1] is w[i][1] and w[j][0] == w[j - 1][0] + 1 and np.ndim(w[j][2]) == 0
                   and np.ndim(w[i][2]) == 0):
                j += 1
            k0, k1 = w[i][0], min(w[j - 1][0] + 1, rows)
            if k0 < rows:
                counts = np.array([c for _, _, c in w[i:j]], dtype=np.int64)[: k1 - k0, None]
                cols = w[i][1]
                if isinstance(cols, slice):
                    out[k0:k1, cols] = counts if np.ndim(w[i][2]) == 0 else w[i][2]
                else:
                    out[np.ix_(np.arange(k0, k1), cols)] = counts if np.ndim(w[i][2]) == 0 else w[i][2]
            i = j
        return out

    def _sparse(self, rows: int, which: int) -> np.ndarray:
        out = np.full((rows, self.B), np.nan)
        for k, row in self.rows.items():
            if k < rows:
                out[k] = row[which]
        return out

    def finish(self, run_rows: int) -> tuple:
        """The arrays with ``iters + 1`` rows, or cut to ``run_rows`` rows when that would be large.

        Padding to ``iters + 1`` rows (NaN) keeps the shape of every ordinary run; above
        ``_PAD_BYTES`` in all, the history ends at the last iteration any instance ran. The call
        counts (and a sparse run's rows, and rows kept on a device) are :class:`Lazy`.
        """
        full = self.iters + 1
        rows = full if full * self.B * 8 * self.n_arrays <= self._PAD_BYTES else run_rows
        calls = Lazy(lambda: self._calls(rows))
        dev = self.device
        if dev is not None:
            res, dist = (Lazy(lambda: dev["res"].host(rows)), Lazy(lambda: dev["dist"].host(rows)) if self.distance
                         else None)
        elif self.sparse:
            res, dist = Lazy(lambda: self._sparse(rows, 0)), Lazy(lambda: self._sparse(rows, 1)) if self.distance else None
        if self.sparse:
            return res, dist, calls, {}
        self._grow(rows - 1)
        if rows - 1 > self.written:
            self._nan_rows(self.written + 1, rows)
            self.written = rows - 1

        def cut(a: np.ndarray | None) -> np.ndarray | None:
            if a is None or a.shape[0] == rows:
                return a
            return np.ascontiguousarray(a[:rows])

        if dev is None:
            res, dist = cut(self.res), cut(self.dist)
        return res, dist, calls, {n: cut(v) for n, v in self.mon.items()}
