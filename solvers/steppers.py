"""How a run takes its steps: ``method.step``, its compiled replay, or its transition matrix.

A stepper holds the method with its hyper-parameters bound to the active instances; the runner
calls ``start`` once, ``step`` every outer iteration and ``bind`` when instances leave the batch.
:func:`overflowed` tells an overflow (``inf - inf``) from an operator's NaN by replaying the
method's own step for the instances concerned.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.arrays import asarray_like, is_numpy
from monoverify.operators.sets import Whole

from .base import Method
from .compiled import compile_step
from .contracts import check_state
from .linear_path import NotLinear, linear_transition
from .oracle import Oracle

__all__ = ["make_stepper", "overflowed"]

_WIDE_MAX_DIM = 16
_AUTO_MAX_DIM = 16


#: cost model of :func:`linear_pays`: seconds per call of F in the runner, per multiply-add
_C_CALL, _C_FLOP = 30e-6, 0.2e-9


def linear_pays(dim: int, batch: int, iters: int) -> bool:
    """Is iterating the transition matrix cheaper than ``iters`` direct steps?

    Per call of ``F`` in a step, a direct run costs ``iters (c + batch dim^2 f)`` and building ``T``
    (one step on the ``dim`` unit states of every instance) ``c + batch dim^3 f``; the products
    with ``T`` afterwards are of the direct run's size. ``c`` (the runner's overhead per call,
    30 us) and ``f`` (0.2 ns per multiply-add) were measured on this project's 2-core machine: RAPP
    on ``random_comonotone(100)`` is 9x faster on the linear path with 4 instances and 100 steps,
    2.4x with 16, 1.3x with 67, and 1.9x slower with 32 instances and 30 steps. ``dim <= 16``: always.
    """
    if dim <= _AUTO_MAX_DIM:
        return True
    return _C_CALL + batch * dim ** 3 * _C_FLOP < iters * (_C_CALL + batch * dim ** 2 * _C_FLOP)


def _is_batched(v: Any) -> bool:
    return hasattr(v, "shape") and getattr(v, "ndim", 0) >= 1


class _Stepper:
    """Takes the steps of a run: ``method.step`` with hyper-parameters bound to the active set."""

    kind = "step"

    def __init__(self, host: Method, op: Any, z: Any, xp: Any):
        self.host, self.op, self.xp, self.z_like = host, op, xp, z
        # Small dims: hyper-parameters as contiguous (n, dim) arrays; NumPy multiplies (n, dim) by
        # (n, dim) several times faster than by a broadcast (n, 1), with the same products.
        self.width = op.dim if op.dim <= _WIDE_MAX_DIM else 1
        self.method = self._bound(np.arange(int(z.shape[0])))

    def _bound(self, idx: np.ndarray) -> Method:
        w, z, xp = self.width, self.z_like, self.xp
        return self.host.map_hyper(lambda name, v: asarray_like(
            np.ascontiguousarray(np.broadcast_to(v[idx].reshape(-1, 1), (idx.size, w))), z, xp))

    def start(self, z: Any, oracle: Any) -> dict:
        state = self.method.init(z, oracle)
        check_state(self.host, "init", state, tuple(z.shape))
        return state

    def growth(self) -> np.ndarray | None:
        """Per instance, a bound ``G`` on ``max|z_new| / max|z|`` for one step (None: unknown)."""
        return None

    def bind(self, idx: np.ndarray, state: dict) -> None:
        self.method = self._bound(idx)

    def step(self, state: dict, oracle: Any) -> dict:
        return self.method.step(state, oracle)


class _Compiled(_Stepper):
    """``method.step`` traced once and replayed with buffers (:mod:`.compiled`), same bits."""

    kind = "compiled"

    def start(self, z: Any, oracle: Any) -> dict:
        state = self.method.init(z, oracle)
        check_state(self.host, "init", state, tuple(z.shape))
        self.prog = compile_step(self.method, self.op, state, oracle)
        if self.prog is None:
            self.kind = "step"
        return state

    def bind(self, idx: np.ndarray, state: dict) -> None:
        super().bind(idx, state)
        if self.prog is not None:
            self.prog.bind(self.method, state)

    def growth(self) -> np.ndarray | None:
        from .columns import ColumnStep

        return self.prog.growth() if isinstance(self.prog, ColumnStep) else None

    def step(self, state: dict, oracle: Any) -> dict:
        if self.prog is None:
            return self.method.step(state, oracle)
        return self.prog.step(state, oracle)


class _Linear(_Stepper):
    """The method's transition matrix iterated (:mod:`.linear_path`): rounding-level differences."""

    kind = "linear"

    def __init__(self, host: Method, op: Any, z: Any, xp: Any, tr: Any):
        super().__init__(host, op, z, xp)
        self.tr = tr
        T = tr.T if tr.T.ndim == 3 else np.broadcast_to(tr.T, (int(z.shape[0]),) + tr.T.shape)
        self.T_all = T
        # one T shared by every instance (scalar hyper-parameters), s >= 8: one matrix product x T^T
        self.TT = np.ascontiguousarray(tr.T.T) if tr.T.ndim == 2 and tr.T.shape[0] >= 8 else None
        self._cols(np.arange(int(z.shape[0])))

    def _cols(self, idx: np.ndarray) -> None:
        if self.TT is not None:   # the shared matrix serves every active set: no per-instance copies
            self.Tc = self.Tm = None
            return
        T = self.T_all if idx.size == self.T_all.shape[0] else self.T_all[idx]
        s = T.shape[1]
        # small s: column by column (elementwise, the bits of linear_path.apply); else one matmul
        self.Tc = [[np.ascontiguousarray(T[:, i, j]) for j in range(s)] for i in range(s)] if s < 8 else None
        self.Tm = np.ascontiguousarray(T) if s >= 8 else None

    def bind(self, idx: np.ndarray, state: dict) -> None:
        super().bind(idx, state)
        self._cols(idx)

    def step(self, state: dict, oracle: Any) -> dict:
        coords, d = self.tr.coords, self.tr.dim
        x = state["z"] if len(coords) == 1 else np.concatenate([state[c] for c in coords], axis=1)
        s = x.shape[1]
        if self.TT is not None:
            out = x @ self.TT
        elif self.Tc is None:
            out = np.matmul(self.Tm, x[:, :, None])[:, :, 0]
        else:
            out = np.empty_like(x)
            for i in range(s):
                row = self.Tc[i]
                acc = row[0] * x[:, 0]
                for j in range(1, s):
                    acc += row[j] * x[:, j]
                out[:, i] = acc
        oracle.n_F += self.tr.n_F
        if hasattr(oracle, "n_resolvent"):
            oracle.n_resolvent += self.tr.n_resolvent
        new = dict(state)
        for i, c in enumerate(coords):
            new[c] = out if len(coords) == 1 else np.ascontiguousarray(out[:, i * d:(i + 1) * d])
        return new


def _linear_reason(op: Any, z: Any, oracle: Any) -> str | None:
    """Why the linear path does not apply (None when it may)."""
    from monoverify.operators.linear import LinearOperator

    if not (getattr(op, "is_linear", False) and isinstance(op, LinearOperator)):
        return f"the operator {getattr(op, 'name', op)!r} is not a LinearOperator"
    if not isinstance(op.constraint, Whole) or op.offset is not None:
        return "the operator has a constraint or an offset"
    if not (isinstance(z, np.ndarray) and z.dtype == np.float64):
        return "the linear path runs on NumPy float64 arrays"
    if type(oracle) is not Oracle:
        return f"the oracle {type(oracle).__name__} is not the deterministic Oracle"
    return None


def make_stepper(method: Method, host: Method, op: Any, z: Any, xp: Any, oracle: Any, compiled: bool,
                  linear: str, iters: int = 0) -> _Stepper:
    """The stepper of a run (``linear="auto"`` takes the linear path where :func:`linear_pays`)."""
    batch = int(z.shape[0]) if getattr(z, "ndim", 1) > 1 else 1
    if linear == "auto" and not linear_pays(getattr(op, "dim", 0), batch, iters):
        linear = "never"
    if linear != "never":
        why = _linear_reason(op, z, oracle)
        tr = None
        if why is None:
            try:
                tr = linear_transition(host, op)
            except NotLinear as exc:
                why = str(exc)
        if tr is not None:
            return _Linear(host, op, z, xp, tr)
        if linear == "always":
            raise InvalidValue(f"linear='always' does not apply: {why}")
    if compiled and isinstance(z, np.ndarray) and z.dtype == np.float64:
        return _Compiled(host, op, z, xp)
    return _Stepper(host, op, z, xp)


def overflowed(prev: tuple, rows: np.ndarray, op: Any, xp: Any) -> np.ndarray:
    """For instances whose step from a finite iterate gave NaN: did the step overflow first?

    Replays that one step of the method (its own ``step``, on a fresh deterministic oracle) for
    those instances and reports, per instance, whether an infinite value entered or left ``F``,
    the projection or the resolvent: overflow (``inf - inf``) means diverged, not an undefined
    operator.
    """
    state, method, _ = prev
    if not is_numpy(xp):
        return np.zeros(rows.size, dtype=bool)
    sub = {k: (v[rows] if _is_batched(v) else v) for k, v in state.items()}
    finite = np.all(np.isfinite(sub["z"]), axis=-1)
    m = method.map_hyper(lambda name, v: v[rows] if getattr(v, "ndim", 0) >= 1 else v)
    oracle = _InfWatch(op, rows.size)
    try:
        m.step(sub, oracle)
    except Exception:  # pragma: no cover - classification only; keep "nan"
        return np.zeros(rows.size, dtype=bool)
    return finite & oracle.seen


class _InfWatch(Oracle):
    """Deterministic oracle that notes, per instance, any infinite value passing through it."""

    def __init__(self, op: Any, n: int):
        super().__init__(op)
        self.seen = np.zeros(n, dtype=bool)

    def _note(self, *arrays: Any) -> None:
        for a in arrays:
            if isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[0] == self.seen.size:
                self.seen |= np.any(np.isinf(a), axis=-1)

    def F(self, z: Any) -> Any:
        out = super().F(z)
        self._note(z, out)
        return out

    def prox(self, z: Any, gamma: Any) -> Any:
        out = super().prox(z, gamma)
        self._note(z, out)
        return out

    def resolvent(self, z: Any, gamma: Any) -> Any:
        out = super().resolvent(z, gamma)
        self._note(z, out)
        return out
