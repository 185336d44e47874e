"""The runner: iterate a method on a batch of instances and record what happened.

Per outer iteration it records the residual (``||F z||`` unconstrained, the natural residual
``||z - J_A(z - F z)||`` with a constraint or regulariser) and, when ``op.solution`` is known,
the distance ``||z - z*||``. Instances stop individually: ``converged`` (residual <= ``tol``),
``diverged`` (``||z|| > diverge_at (1 + ||z0||)`` or infinite), ``nan``, or ``max_iter``; stopped
instances leave the batch (the rest go on) and their later history entries are NaN.

Examples
--------
>>> import numpy as np
>>> from monoverify.operators import BilinearGame
>>> from monoverify.solvers import make, run
>>> r = run(make("gda", gamma=np.array([0.1, 1.0])), BilinearGame([[1.0]]), np.ones(2), iters=100)
>>> list(r.status), r.n_oracle.tolist()
([np.str_('max_iter'), np.str_('diverged')], [100, 68])
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.arrays import asarray_like, is_numpy, require_finite, to_numpy
from monoverify.result import Result, jsonable
from monoverify.operators.sets import Whole

from .base import Method
from .contracts import check_state
from .oracle import Oracle
from .meter import Meter, inside, safe_steps
from .norms import _safe_norm, residual
from .records import Lazy, Records
from .steppers import make_stepper, overflowed

__all__ = ["run", "Run", "History", "residual", "STATUSES"]

STATUSES = ("converged", "max_iter", "diverged", "nan")


@dataclass
class History:
    """Per-iteration records, arrays of shape ``(iters + 1, batch)`` (NaN after an instance stops).

    ``residual``: ``||F z||`` or the natural residual; ``distance``: ``||z - z*||`` (None when the
    solution is unknown); ``n_oracle``: cumulative F evaluations. Arrays the run does not produce
    row by row (the call counts; the NaN rows of a run without records) are built on first access
    (:class:`~monoverify.solvers.records.Lazy`), and so are the residual and distance of a run on
    CuPy or array-API arrays: their rows stay on the device during the run and are copied to the
    host (NumPy arrays, as for a NumPy run) when first read.
    """

    residual: np.ndarray
    distance: np.ndarray | None
    n_oracle: np.ndarray
    kind: str = "operator"
    monitors: dict = field(default_factory=dict)

    def __getattribute__(self, name: str) -> Any:
        v = object.__getattribute__(self, name)
        if type(v) is Lazy:
            v = v.build()
            object.__setattr__(self, name, v)
        return v

    def __getstate__(self) -> dict:  # pickle / copy: the arrays themselves
        return {k: getattr(self, k) for k in vars(self)}


@dataclass
class Run(Result):
    """Result of :func:`run` (one object for the whole batch, in the manner of scipy.optimize).

    Attributes
    ----------
    z : array
        Final iterates, shape ``(batch, dim)`` (``(dim,)`` for an unbatched call), in the input's
        namespace.
    history : History
    status : numpy.ndarray of str
        Per instance: ``converged`` | ``max_iter`` | ``diverged`` | ``nan``.
    n_iter, n_oracle : numpy.ndarray of int
        Outer iterations done and F evaluations per instance.
    wall_time : float
        Seconds spent iterating.
    message : str
        Summary of the statuses.
    path : str
        How the steps were taken: ``"step"`` (``method.step``), ``"compiled"`` (its traced
        replay, same bits) or ``"linear"`` (its transition matrix).
    """

    z: Any
    history: History
    status: np.ndarray
    n_iter: np.ndarray
    n_oracle: np.ndarray
    wall_time: float
    method: Method
    operator: Any
    message: str = ""
    n_resolvent: int = 0
    resolvent_failures: int = 0
    path: str = "step"

    @property
    def success(self) -> np.ndarray:
        return np.asarray(self.status) == "converged"

    @property
    def final_residual(self) -> np.ndarray:
        """Residual at each instance's last iterate (``history.residual`` at ``n_iter``)."""
        res = self.history.residual
        if res.ndim == 1:
            return res[int(self.n_iter)]
        return res[np.asarray(self.n_iter), np.arange(res.shape[1])]

    def counts(self) -> dict[str, int]:
        s = np.atleast_1d(self.status)
        return {k: int(np.sum(s == k)) for k in STATUSES}

    def to_dict(self) -> dict:
        """JSON-safe summary: statuses, counts, final iterates and residuals (not the history)."""
        return {"status": jsonable(np.asarray(self.status)), "message": self.message, "success": jsonable(self.success),
                "z": jsonable(to_numpy(self.z)), "n_iter": jsonable(self.n_iter), "n_oracle": jsonable(self.n_oracle),
                "final_residual": jsonable(self.final_residual), "wall_time": self.wall_time,
                "method": repr(self.method), "operator": getattr(self.operator, "name", repr(self.operator)),
                "n_resolvent": self.n_resolvent, "resolvent_failures": self.resolvent_failures, "path": self.path}

    @classmethod
    def from_dict(cls, d: Any) -> "Run":
        """Not available: :meth:`to_dict` is a summary (no history, method or operator objects)."""
        raise NotImplementedError("a Run is not rebuilt from its to_dict() summary; re-run it instead")


def _broadcast_batch(method: Method, z0: Any, xp: Any) -> tuple[int, bool]:
    mb = method.batch_size()
    if z0.ndim == 1:
        return (mb if mb is not None else 1), mb is None
    B = int(z0.shape[0])
    if mb is not None and mb != B:
        raise InvalidValue(
            f"hyper-parameter arrays have batch size {mb} but z0 has batch size {B} (shape {tuple(z0.shape)}); "
            "they must match"
        )
    return B, False


def _host_hyper(name: str, v: Any, B: int) -> np.ndarray:
    """A hyper-parameter as a float array of shape ``(B,)``; strings, complex and objects refused."""
    if isinstance(v, (str, bytes)) or (isinstance(v, np.ndarray) and v.dtype.kind in "USOcV"):
        raise InvalidValue(f"hyper-parameter {name} must be a real number or an array of real numbers, got {name}={v!r}")
    try:
        a = np.asarray(v)
        if a.dtype.kind not in "biuf":
            raise TypeError
        return np.broadcast_to(a.astype(float), (B,))
    except (TypeError, ValueError):
        raise InvalidValue(f"hyper-parameter {name} must be a real number or an array of real numbers, "
                         f"got {name}={v!r}") from None


def _check_z0(z0: Any, op: Any) -> tuple[Any, Any, np.ndarray]:
    if isinstance(z0, (list, tuple)):
        try:
            z0 = np.asarray(z0, dtype=float)
        except (TypeError, ValueError):
            raise InvalidValue(f"z0 must be an array of real numbers, got {z0!r}") from None
    elif isinstance(z0, np.ndarray) and z0.dtype.kind in "iub":
        z0 = np.asarray(z0, dtype=float)
    if isinstance(z0, np.ndarray) and z0.dtype.kind not in "f":
        raise InvalidValue(f"z0 must be an array of real numbers, got dtype {z0.dtype} "
                         "(complex start points are not supported: split real and imaginary parts)")
    xp = op.check_point(z0, "z0")
    if z0.ndim > 2:
        raise InvalidValue(f"z0 must have shape (dim,) or (batch, dim), got shape {tuple(z0.shape)}")
    z0h = to_numpy(z0)
    if z0h.dtype.kind != "f":
        raise InvalidValue(f"z0 must be an array of real floating-point numbers, got dtype {z0h.dtype}")
    if z0h.size == 0:
        raise InvalidValue(f"z0 must hold at least one instance, got shape {tuple(z0.shape)}")
    require_finite("z0", z0h)
    return z0, xp, z0h


def run(method: Method, op: Any, z0: Any, iters: int = 100, tol: float | None = None, *,
        oracle: Oracle | None = None, diverge_at: float = 1e10, record: bool = True,
        monitors: dict | None = None, monitor_final_only: bool = False, compiled: bool = True,
        linear: str = "never", record_residual: bool = True, kernel: str = "auto") -> Run:
    """Run ``method`` on ``op`` from ``z0`` for ``iters`` outer iterations.

    Parameters
    ----------
    method : Method
        Any method; hyper-parameters may be arrays of shape ``(batch,)`` (a sweep in one call).
    op : Operator
    z0 : array, shape (dim,) or (batch, dim)
        Start point(s); the namespace (NumPy, CuPy, array-API) and dtype of the whole run
        follow ``z0``. NaN or infinite entries, complex or object dtypes and empty arrays are
        refused.
    iters : int
        Outer iterations (for Lookahead/RAPP: outer steps, each with ``tau`` inner steps).
    tol : float, optional
        Stop an instance when its residual is ``<= tol``.
    oracle : Oracle, optional
        E.g. a :class:`StochasticOracle`; default a deterministic :class:`Oracle` of ``op``.
    diverge_at : float
        An instance with ``||z|| > diverge_at * (1 + ||z0||)`` is stopped as ``diverged``; so is one
        whose step overflows (an infinite intermediate value) and ends in NaN.
    record : bool
        Record residual and distance every iteration (otherwise only at the start and end).
    monitors : dict of name -> callable, optional
        Extra per-iteration records: ``fn(z, idx)`` gets the active iterates and their instance
        indices (into the batch) and returns one value per active instance; stored in
        ``history.monitors[name]``.
    monitor_final_only : bool
        Evaluate the monitors only at the start and at the final iteration (NaN elsewhere).
    compiled : bool
        Replay a traced copy of ``method.step`` with reused buffers (NumPy float64; bit-for-bit
        the same iterates, see :mod:`monoverify.solvers.compiled`). ``False`` calls ``step``.
    linear : {"never", "auto", "always"}
        Iterate the method's transition matrix (:mod:`monoverify.solvers.linear_path`) on an
        unconstrained linear operator without offset: one small matrix product per outer step.
        Equal to the direct run up to rounding (not bit for bit). ``"auto"`` uses it where it
        applies and pays (not for ``dim > 16`` with ``iters < 4 dim``: building the matrix costs
        about ``dim`` steps of the batch); ``"always"`` raises ``ValueError`` where it does not apply.
    record_residual : bool
        Compute the residual for the records (one more ``F`` evaluation and norm per recorded
        iteration). ``False`` leaves ``history.residual`` NaN, for a caller that reads only its
        monitors and distances; it needs ``tol=None`` (the stopping test reads the residual).
    kernel : {"auto", "never", "always", "parallel"}
        Run the whole loop (steps, stopping tests, records) in a numba kernel generated from the
        traced step (:mod:`monoverify.solvers.kernel`; needs ``numba``, the ``fast`` extra): the same
        operations in the same order, bit for bit the NumPy path's results. It applies to a compiled
        NumPy float64 run with the deterministic oracle, ``dim <= 7``, an operator whose ``F`` and
        constraint it can write (``LinearOperator``, the nonlinear examples; ``Box``, ``Ball``,
        ``L1``), a step without resolvents and no monitors other than those of
        :func:`monoverify.theory.metrics.monitors_for` (a metric's residual, traced into the kernel).
        ``"auto"``: where it applies and the run is long enough to pay for the kernel's load (or,
        for a kernel not compiled yet, for numba's compile); ``"always"``: where it applies, else ``ValueError``;
        ``"parallel"``: where it applies, blocks of instances spread over all cores; ``"never"``:
        the NumPy path.

    Returns
    -------
    Run
        History arrays have ``iters + 1`` rows; they are allocated as the run reaches them, and
        when ``iters + 1`` rows would exceed 256 MiB in all they end at ``max(n_iter)``
        (``iters = 10**7`` with ``tol`` set costs only the iterations run).
    """
    from monoverify import validate

    if not isinstance(method, Method):
        raise InvalidValue(f"method must be a monoverify Method (see solvers.make), got {method!r}")
    validate.operator("op", op)
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 0:
        raise InvalidValue(f"iters must be an integer >= 0, got iters={iters!r}")
    tol = validate.real("tol", tol, lo=0, none=True)
    diverge_at = validate.real("diverge_at", diverge_at, lo=0, lo_open=True)
    if linear not in ("never", "auto", "always"):
        raise InvalidValue(f"linear must be 'never', 'auto' or 'always', got linear={linear!r}")
    if not record_residual and tol is not None:
        raise InvalidValue(f"tol={tol!r} needs the residual: record_residual=False is only valid with tol=None")
    if kernel not in ("auto", "never", "always", "parallel"):
        raise InvalidValue(f"kernel must be 'auto', 'never', 'always' or 'parallel', got kernel={kernel!r}")
    iters = int(iters)
    z0, xp, _ = _check_z0(z0, op)
    B, squeeze = _broadcast_batch(method, z0, xp)
    z = z0 if z0.ndim == 2 else xp.broadcast_to(z0[None, :], (B, op.dim))
    z = xp.asarray(z, copy=True) if hasattr(xp, "asarray") else z
    if hasattr(xp, "ascontiguousarray"):
        # NumPy/CuPy copy a broadcast z0 (strides (0, 8)) in column-major order; rows must be
        # contiguous, or row reductions sum in another order than in a one-instance run
        z = xp.ascontiguousarray(z)

    host = method.map_hyper(lambda name, v: _host_hyper(name, v, B))
    oracle_given = oracle is not None
    oracle = oracle if oracle is not None else Oracle(op)
    stepper = make_stepper(method, host, op, z, xp, oracle, compiled, linear, iters)
    if kernel != "never":
        done = _kernel_run(method, host, op, z, iters, tol, diverge_at, record, record_residual, kernel, stepper,
                           monitors, oracle_given, monitor_final_only)
        if done is not None:
            return _squeezed(done, squeeze, method, op)
    sol = None if op.solution is None else asarray_like(np.asarray(op.solution, dtype=float), z, xp)
    monitors = dict(monitors or {})
    rec = Records(iters, B, sol is not None, list(monitors), grow=tol is not None, sparse=not record and tol is None,
                  xp=xp, like=z)
    status = np.full(B, "max_iter", dtype="<U9")
    n_iter = np.zeros(B, dtype=np.int64)
    n_oracle = np.zeros(B, dtype=np.int64)
    final_rows: list[tuple[np.ndarray, Any]] = []

    active = np.arange(B)
    cols: Any = slice(None)  # indexes the active instances: a slice while all are (no fancy indexing)
    t0 = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        limit = diverge_at * (1.0 + to_numpy(_safe_norm(xp, z)))
        lim_min = float(np.min(limit))  # the smallest limit of the active instances
        c0 = oracle.n_F
        outer_step = getattr(oracle, "outer_step", None)  # a mini-batch schedule follows the outer steps
        if outer_step is not None:
            outer_step(0)
        state = stepper.start(z, oracle)   # checks the state init returns (solvers.contracts)
        # every active instance has been active since the start: one call count (and iteration) for all,
        # written into n_oracle / n_iter when instances stop
        calls = oracle.n_F - c0
        meter = Meter(op, sol, xp, stepper)

        def measure(k: int, st: dict, dist: bool = True) -> tuple[Any, float | None]:
            """Record row ``k``; the residuals and (when known) an exact bound of every ``||z||``."""
            zk = st["z"]
            m = None
            if monitors and dist and (not monitor_final_only or k in (0, iters)):
                m = {name: to_numpy(fn(zk, active)) for name, fn in monitors.items()}
            rows = rec.open(k, cols, dist and sol is not None, m is not None)
            if record_residual:
                r = meter.residual(st, None if rows is None else rows[0])
            else:   # not asked for: NaN rows, written like a computed residual
                r = np.full(zk.shape[0], np.nan) if is_numpy(xp) else xp.full((zk.shape[0],), np.nan, dtype=zk.dtype)
            d, top = meter.distance(zk, None if rows is None else rows[1]) if dist else (None, None)
            rec.put(k, cols, None if rows is not None and r is rows[0] else r,
                    None if rows is not None and d is rows[1] else d, calls if dist else None, m)
            return r, top

        r, top = measure(0, state)
        # without tol only divergence or NaN stops an instance: a step whose growth is bounded
        # (max|z_new| <= G max|z|) lets the test be skipped while G^j max|z| stays inside every limit
        growth = stepper.growth() if tol is None else None
        G = None if growth is None else float(np.max(growth))
        checked_to = 0  # the tests up to this k are known to find nothing
        prev = None  # (state, bound method) before the last step, to tell overflow from NaN
        for k in range(1, iters + 2):
            # decide who stops after iteration k - 1
            zk = state["z"]
            if k <= min(checked_to, iters):
                stop = None
            elif k <= iters and (tol is None or not _reached(xp, r, tol)) and (
                    A := inside(xp, zk, lim_min, top)) is not None:
                stop = None
                if G is not None:
                    checked_to = k + safe_steps(A, G, lim_min)
            else:
                nz = to_numpy(_safe_norm(xp, zk))
                isnan = np.isnan(nz)
                div = ~isnan & ((nz > limit[cols]) | ~np.isfinite(nz))
                if prev is not None and isnan.any():
                    over = overflowed(prev, np.nonzero(isnan)[0], op, xp)
                    div[isnan] = over
                    isnan[isnan] = ~over
                conv = np.zeros_like(div) if tol is None else (~isnan & ~div & (to_numpy(r) <= tol))
                status[active[isnan]] = "nan"
                status[active[div]] = "diverged"
                status[active[conv]] = "converged"
                stop = isnan | div | conv
                if k == iters + 1:
                    stop[:] = True
            if stop is not None and np.any(stop):
                sel = np.nonzero(stop)[0]
                n_iter[active[sel]], n_oracle[active[sel]] = k - 1, calls
                final_rows.append((active[sel], xp.take(zk, _index(xp, sel, zk), axis=0)))
                keep = np.nonzero(~stop)[0]
                if keep.size == 0:
                    break
                kidx = _index(xp, keep, zk)
                state = {key: (xp.take(v, kidx, axis=0) if _is_batched(v) else v) for key, v in state.items()}
                active = cols = active[keep]
                lim_min = float(np.min(limit[cols]))
                G = None if growth is None else float(np.max(growth[active]))
                stepper.bind(active, state)
            c0 = oracle.n_F
            if outer_step is not None:
                outer_step(k - 1)
            prev = (state, stepper.method, active)
            state = stepper.step(state, oracle)
            if k == 1:   # the contract of a user's step, once (the oracle checks its own results on first call)
                check_state(method, "step", state, (active.size, op.dim))
            calls += oracle.n_F - c0
            if record or k == iters:
                r, top = measure(k, state)
            elif tol is not None:  # the residual is needed for the stopping test only
                r, top = measure(k, state, dist=False)
            else:
                r = top = None
    wall = time.perf_counter() - t0

    idx = np.concatenate([i for i, _ in final_rows])
    zs = xp.concat([v for _, v in final_rows], axis=0)
    order = np.argsort(idx)
    z_final = xp.take(zs, _index(xp, order, zs), axis=0)
    res_hist, dist_hist, calls_hist, mon_hist = rec.finish(int(n_iter.max()) + 1)
    history = History(res_hist, dist_hist, calls_hist, "operator" if isinstance(op.constraint, Whole) else "natural",
                      mon_hist)
    counts = {s: int(np.sum(status == s)) for s in STATUSES}
    msg = ", ".join(f"{v} {s}" for s, v in counts.items() if v)
    out = Run(z_final, history, status, n_iter, n_oracle, wall, method, op, msg,
              getattr(oracle, "n_resolvent", 0), getattr(oracle, "resolvent_failures", 0), stepper.kind)
    return _squeezed(out, squeeze, method, op) if squeeze else out


def _squeezed(out: "Run", squeeze: bool, method: Method, op: Any) -> "Run":
    """The run of an unbatched call: one instance's arrays."""
    if not squeeze:
        return out
    history = out.history
    dist_hist = object.__getattribute__(history, "distance")
    mon_hist = history.monitors
    out.z = out.z[0, ...]
    out.history = History(history.residual[:, 0], None if dist_hist is None else history.distance[:, 0],
                          history.n_oracle[:, 0], history.kind, {k: v[:, 0] for k, v in mon_hist.items()})
    out.status = out.status[0]
    out.n_iter = out.n_iter[0]
    out.n_oracle = out.n_oracle[0]
    return out


def _kernel_run(method: Method, host: Method, op: Any, z: Any, iters: int, tol: float | None, diverge_at: float,
                record: bool, record_residual: bool, kernel: str, stepper: Any, monitors: dict | None,
                oracle_given: bool, monitor_final_only: bool = False) -> "Run | None":
    """The run through a generated numba kernel (:mod:`.kernel`), or None: the NumPy path."""
    from .steppers import _Compiled

    why = None
    if type(stepper) is not _Compiled:
        why = f"the run takes the {stepper.kind!r} path"
    elif oracle_given:
        why = "a user-supplied oracle"
    elif monitors and not all(hasattr(fn, "kernel_residual") for fn in monitors.values()):
        why = "monitors that are not a metric's traceable residual"
    elif not (isinstance(z, np.ndarray) and z.dtype == np.float64 and z.ndim == 2):
        why = "the kernel runs on NumPy float64 batches"
    if why is None:
        from .kernel import NotKernel, run_kernel

        try:
            got = run_kernel(method, host, op, z, iters, tol, diverge_at, record, record_residual, kernel, stepper,
                             monitors, monitor_final_only)
        except NotKernel as exc:
            got, why = None, str(exc)
        if got is not None:
            z_final, (res_h, dist_h, calls_h), status, n_iter, n_oracle, wall, mon_h = got
            history = History(res_h, dist_h, calls_h, "operator" if isinstance(op.constraint, Whole) else "natural",
                              mon_h)
            counts = {s: int(np.sum(status == s)) for s in STATUSES}
            msg = ", ".join(f"{v} {s}" for s, v in counts.items() if v)
            return Run(z_final, history, status, n_iter, n_oracle, wall, method, op, msg, 0, 0, "kernel")
    if kernel == "always":
        raise InvalidValue(f"kernel='always' does not apply: {why}")
    return None


def _reached(xp: Any, r: Any, tol: float) -> bool:
    """Whether some active instance has residual ``<= tol`` (NaN never has); outside NumPy the
    comparison runs in ``r``'s namespace and one boolean comes to the host."""
    if isinstance(r, np.ndarray):
        return bool(np.fmin.reduce(r) <= tol)
    return bool(xp.any(r <= tol))


def _index(xp: Any, idx: np.ndarray, like: Any) -> Any:
    import array_api_compat

    if array_api_compat.is_numpy_namespace(xp):
        return idx
    dev = array_api_compat.device(like)
    try:
        return xp.asarray(idx, dtype=xp.int64, device=dev)
    except (TypeError, ValueError):  # array_api_strict accepts only Python sequences
        return xp.asarray(idx.tolist(), dtype=xp.int64, device=dev)


def _is_batched(v: Any) -> bool:
    return hasattr(v, "shape") and getattr(v, "ndim", 0) >= 1
