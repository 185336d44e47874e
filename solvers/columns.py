"""Column replay of a compiled step for small unconstrained linear operators (see :mod:`.compiled`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.operators.sets import Whole

from .base import Method
from .compiled import _PYOP, _UFUNC, CompiledStep, _hyper_values, _Program

__all__ = ["ColumnStep", "columns_ok"]

_COLUMN_MAJOR = True  # iterates returned column-major (same values; contiguous columns for F and norms)


class ColumnStep(CompiledStep):
    """Column replay for a small unconstrained :class:`~monoverify.operators.LinearOperator`.

    Every ``(n, dim)`` value is held as ``dim`` contiguous columns of shape ``(n,)`` and ``F`` is
    expanded as ``F_i = sum_j M[i, j] z_j (+ b_i)`` summed left to right: the elementwise
    operations of ``LinearOperator.F`` for ``dim <= 8``, now on contiguous buffers (checked
    bit for bit against ``op.F`` when the step is compiled; the row replay is used otherwise).
    Hyper-parameters, materialised by the runner as ``(n, dim)`` arrays of equal columns, are
    used as one column. For ``dim < 8`` the returned iterates are column-major ``(n, dim)``
    arrays (the same values; the runner's norms and ``F`` then read contiguous columns).
    """

    def __init__(self, prog, outputs, passthrough, op):
        super().__init__(prog, outputs, passthrough)
        self.M = [[op.matrix[i, j] for j in range(op.dim)] for i in range(op.dim)]
        self.b = None if op.offset is None else [op.offset[i] for i in range(op.dim)]
        self.d = op.dim

    def bind(self, method: Method, state: dict) -> None:
        prog, d = self.prog, self.d
        hyp = _hyper_values(method)
        n = int(state["z"].shape[0])
        vals: dict = {}
        kind: list = [None] * len(prog.instrs)  # "s" static column / number, "d" dynamic columns
        last_use = [-1] * len(prog.instrs)
        dyn = []
        for i, (k, key) in prog.leaves.items():
            if k == "hyper":
                v = hyp[key]
                vals[i] = np.ascontiguousarray(v[:, 0]) if getattr(v, "ndim", 0) == 2 else v
                kind[i] = "s"
            else:
                kind[i] = "d"
        for i, ins in enumerate(prog.instrs):
            if ins is None:
                continue
            if ins.static:
                argv = [a[1] if isinstance(a, tuple) else vals[a] for a in ins.args]
                vals[i] = (-argv[0]) if ins.op == "neg" else _PYOP[ins.op](argv[0], argv[1])
                kind[i] = "s"
                continue
            kind[i] = "d"
            dyn.append(i)
            for a in ins.args:
                if not isinstance(a, tuple):
                    last_use[a] = i
        outs = {v for v in self.outputs.values() if not isinstance(v, tuple)}
        free: list[int] = []
        nbuf = [0]

        def take() -> int:
            if free:
                return free.pop()
            nbuf[0] += 1
            return nbuf[0] - 1

        buf_of: dict[int, list[int]] = {}
        plan = []
        for i in dyn:
            ins = self.prog.instrs[i]
            dying = [a for a in dict.fromkeys(ins.args)
                     if not isinstance(a, tuple) and last_use[a] == i and a in buf_of and a not in outs]
            if ins.op == "F":
                # the accumulators must not alias the input columns
                cols = [take() for _ in range(d)]
                for a in dying:
                    free.extend(buf_of.pop(a))
            else:
                reuse = [a for a in dying if kind[a] == "d"]
                if reuse:
                    cols = buf_of.pop(reuse[0])
                    dying.remove(reuse[0])
                else:
                    cols = [take() for _ in range(d)]
                for a in dying:
                    free.extend(buf_of.pop(a))
            buf_of[i] = cols
            plan.append((i, ins.op, ins.args, cols))
        self._tmp = np.empty(n)
        self._bufs = [np.empty(n) for _ in range(nbuf[0])]
        self._bound = (plan, vals, kind, outs, n)

    def step(self, state: dict, oracle: Any) -> dict:
        plan, static, kind, outs, n = self._bound
        d, bufs, M, tmp = self.d, self._bufs, self.M, self._tmp
        vals = dict(static)
        for i, (k, key) in self.prog.leaves.items():
            if k == "state":
                x = state[key]
                vals[i] = [np.ascontiguousarray(x[:, j]) for j in range(d)]

        def col(a: Any, j: int) -> Any:
            if isinstance(a, tuple):
                return a[1]
            v = vals[a]
            return v[j] if kind[a] == "d" else v

        for i, op, args, cols in plan:
            out = [bufs[c] for c in cols]
            if op == "F":
                x = vals[args[0]]
                oracle.n_F += 1
                for r in range(d):
                    acc = np.multiply(M[r][0], x[0], out=out[r])
                    for j in range(1, d):
                        np.add(acc, np.multiply(M[r][j], x[j], out=tmp), out=acc)
                    if self.b is not None:
                        np.add(acc, self.b[r], out=acc)
            elif op == "neg":
                for j in range(d):
                    np.negative(col(args[0], j), out=out[j])
            else:
                f = _UFUNC[op]
                for j in range(d):
                    f(col(args[0], j), col(args[1], j), out=out[j])
            vals[i] = out
        res = {}
        for k, v in self.outputs.items():
            z = np.empty((n, d), order="F" if (d < 8 and _COLUMN_MAJOR) else "C")  # columns contiguous
            for j in range(d):
                z[:, j] = col(v, j)
            res[k] = z
        res.update(self.passthrough)
        return res


def columns_ok(op: Any, oracle: Any, prog: _Program, state: dict) -> bool:
    """The column replay applies (and its ``F`` equals ``op.F`` bit for bit on a probe batch)."""
    from monoverify.operators.linear import LinearOperator

    from .oracle import Oracle

    if not (isinstance(op, LinearOperator) and type(oracle) is Oracle and 1 <= op.dim <= 8):
        return False
    if not isinstance(op.constraint, Whole) or any(i is not None and i.op in ("prox", "res") for i in prog.instrs):
        return False
    if any(np.ndim(v) != 2 for v in state.values() if isinstance(v, np.ndarray)):
        return False
    probe = np.random.default_rng(0).standard_normal((64, op.dim)) * np.logspace(-3, 3, 64)[:, None]
    ref = op.F(probe)
    cs = ColumnStep(_Program(), {}, {}, op)
    got = np.empty_like(probe)
    with np.errstate(all="ignore"):
        for r in range(op.dim):
            acc = cs.M[r][0] * probe[:, 0]
            for j in range(1, op.dim):
                acc = acc + cs.M[r][j] * probe[:, j]
            got[:, r] = acc if cs.b is None else acc + cs.b[r]
    return bool(np.array_equal(ref, got))
