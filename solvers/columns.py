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

    :meth:`bind` flattens the step into one list of ufunc calls on fixed operands (numbers,
    hyper-parameter columns, buffers) and per-step slots (the state's columns, the columns of the
    new iterates, which the last operations write directly). :meth:`fz_columns` evaluates
    ``F z`` of a state's iterate for the runner's records; when the step itself evaluates
    ``F(z)`` on that iterate (RAPP, EG, GDA, ...) the next :meth:`step` takes those values
    instead of recomputing them (the call is still counted).
    """

    def __init__(self, prog, outputs, passthrough, op):
        super().__init__(prog, outputs, passthrough)
        self.M = [[op.matrix[i, j] for j in range(op.dim)] for i in range(op.dim)]
        self.b = None if op.offset is None else [op.offset[i] for i in range(op.dim)]
        self.d = op.dim
        self._fz_of: Any = None  # the iterate whose F is in the F(z) buffers

    def _analyse(self, method: Method) -> tuple:
        """Static values (hyper-parameter columns and expressions of them), kinds, last uses, dynamic ops."""
        prog = self.prog
        hyp = _hyper_values(method)
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
        return vals, kind, last_use, dyn

    def bind(self, method: Method, state: dict) -> None:
        prog, d = self.prog, self.d
        n = int(state["z"].shape[0])
        static, kind, last_use, dyn = self._analyse(method)
        S: list = []  # operand table: fixed objects; slots (None) are filled every step

        def slot(obj: Any = None) -> int:
            S.append(obj)
            return len(S) - 1

        statics: dict[int, int] = {}

        def operand(a: Any, j: int) -> int:
            if isinstance(a, tuple):  # a number of the step (not shared: 0.0 and -0.0 stay apart)
                return slot(a[1])
            if kind[a] == "d":
                return cols_of[a][j]
            if a not in statics:
                statics[a] = slot(static[a])
            return statics[a]

        leaf_slots = {key: [slot() for _ in range(d)] for i, (k, key) in prog.leaves.items() if k == "state"}
        cols_of: dict[int, list[int]] = {i: leaf_slots[key] for i, (k, key) in prog.leaves.items() if k == "state"}
        z_leaf = next((i for i, (k, key) in prog.leaves.items() if k == "state" and key == "z"), None)
        direct: dict[int, str] = {}  # value index -> state key whose new columns it is written into
        for k, v in self.outputs.items():
            if not isinstance(v, tuple) and kind[v] == "d" and v not in prog.leaves and v not in direct:
                direct[v] = k
        out_slots = {k: [slot() for _ in range(d)] for k in set(direct.values())}
        tmp = slot(np.empty(n))
        Mc = [[operand(("c", self.M[r][j]), 0) for j in range(d)] for r in range(d)]
        bc = None if self.b is None else [operand(("c", self.b[r]), 0) for r in range(d)]
        free: list[int] = []
        n_buf = [0]

        def take(fresh: bool = False) -> int:
            if free and not fresh:
                return free.pop()
            n_buf[0] += 1
            return slot(np.empty(n))

        def f_ops(x: list[int], out: list[int]) -> list:
            ops = []
            for r in range(d):
                ops.append((np.multiply, Mc[r][0], x[0], out[r]))
                for j in range(1, d):
                    ops.append((np.multiply, Mc[r][j], x[j], tmp))
                    ops.append((np.add, out[r], tmp, out[r]))
                if bc is not None:
                    ops.append((np.add, out[r], bc[r], out[r]))
            return ops

        ops: list = []
        fz_seg = None
        n_F = 0
        for i in dyn:
            ins = prog.instrs[i]
            dying = [a for a in dict.fromkeys(ins.args)
                     if not isinstance(a, tuple) and last_use[a] == i and a in cols_of and a not in prog.leaves
                     and a not in direct]
            is_fz = ins.op == "F" and fz_seg is None and ins.args[0] == z_leaf and i not in direct
            if i in direct:
                cols = out_slots[direct[i]]
            elif ins.op == "F":
                # fresh accumulators for F(z) of the state's iterate: nothing before them in the step
                # writes there, so fz_columns may fill them ahead of the step
                cols = [take(is_fz) for _ in range(d)]  # the accumulators must not alias the input
            else:
                reuse = [a for a in dying if kind[a] == "d"]
                cols = cols_of[reuse[0]] if reuse else [take() for _ in range(d)]
                if reuse:
                    dying.remove(reuse[0])
            for a in dying:
                free.extend(cols_of[a])
            cols_of[i] = cols
            if ins.op == "F":
                n_F += 1
                seg = f_ops(cols_of[ins.args[0]], cols)
                if is_fz:
                    fz_seg = (len(ops), len(ops) + len(seg), cols)
                ops.extend(seg)
            elif ins.op == "neg":
                ops.extend((np.negative, operand(ins.args[0], j), None, cols[j]) for j in range(d))
            else:
                f = _UFUNC[ins.op]
                ops.extend((f, operand(ins.args[0], j), operand(ins.args[1], j), cols[j]) for j in range(d))
        if fz_seg is None:  # the step never evaluates F at its iterate: the records get their own buffers
            cols = [take(True) for _ in range(d)]
            self._fz_ops = f_ops(leaf_slots["z"], cols)
            fz_seg = (None, None, cols)
        else:
            self._fz_ops = ops[fz_seg[0]:fz_seg[1]]
        copies = {k: v for k, v in self.outputs.items() if not (isinstance(v, int) and direct.get(v) == k)}
        self._ops, self._S, self._n_F, self._fz_seg, self._fz_of = ops, S, n_F, fz_seg, None
        self._leaf_slots, self._out_slots, self._copies = leaf_slots, out_slots, copies
        self._cols_of, self._kind, self._static, self._n = cols_of, kind, static, n

    def growth(self) -> np.ndarray | None:
        """Per bound instance, a factor ``G`` with ``max|z_new| <= G max|z|`` for the computed step.

        Evaluates the step's *absolute* program (every coefficient by its absolute value, ``-`` as
        ``+``) on ``|z| = 1``: its result is ``|T| 1``, the row sums of the absolute transition
        matrix, which bound every floating-point intermediate up to a factor ``(1 + eps)`` per
        operation (covered by the ``1 + 1e-9`` returned on top). None when the step is not
        linear in ``z`` alone (another state array, an offset or constant term, a product or
        quotient of two iterate-dependent values): the runner then tests every iteration.
        """
        n = self._n
        if self.b is not None or len(self._leaf_slots) != 1 or set(self.outputs) != {"z"}:
            return None
        out = self.outputs["z"]
        if isinstance(out, tuple) or self._kind[out] != "d":
            return None
        g = np.empty(n)
        for lo in range(0, n, 4096):  # in chunks: every value of the program is alive at once
            part = self._abs_program(lo, min(n, lo + 4096))
            if part is None:
                return None
            g[lo:lo + 4096] = part
        g *= 1.0 + 1e-9
        return np.where(np.isfinite(g), g, np.inf)

    def _abs_program(self, lo: int, hi: int) -> np.ndarray | None:
        """``max_j (|T| 1)_j`` for the bound instances ``lo:hi`` (see :meth:`growth`)."""
        prog, d, kind, static = self.prog, self.d, self._kind, self._static
        absM = [[abs(float(v)) for v in row] for row in self.M]
        vals: dict = {i: [np.ones(hi - lo)] * d for i, (k, _) in prog.leaves.items() if k == "state"}

        def mag(a: Any) -> Any:  # |static operand|: a number or a column
            v = a[1] if isinstance(a, tuple) else static[a]
            return np.abs(v[lo:hi]) if np.ndim(v) else abs(v)

        def dyn(a: Any) -> bool:
            return not isinstance(a, tuple) and kind[a] == "d"

        with np.errstate(all="ignore"):
            for i, ins in enumerate(prog.instrs):
                if ins is None or ins.static:
                    continue
                a = ins.args
                if ins.op == "F":
                    x = vals[a[0]]
                    vals[i] = [sum(absM[r][j] * x[j] for j in range(d)) for r in range(d)]
                elif ins.op == "neg":
                    vals[i] = vals[a[0]]
                elif ins.op in ("add", "sub") and dyn(a[0]) and dyn(a[1]):
                    vals[i] = [vals[a[0]][j] + vals[a[1]][j] for j in range(d)]
                elif ins.op == "mul" and dyn(a[0]) != dyn(a[1]):
                    x, c = (vals[a[0]], mag(a[1])) if dyn(a[0]) else (vals[a[1]], mag(a[0]))
                    vals[i] = [c * x[j] for j in range(d)]
                elif ins.op == "div" and dyn(a[0]) and not dyn(a[1]):
                    vals[i] = [vals[a[0]][j] / mag(a[1]) for j in range(d)]
                else:
                    return None
            return np.maximum.reduce([np.broadcast_to(c, (hi - lo,)) for c in vals[self.outputs["z"]]])

    def _fill(self, S: list, state: dict) -> None:
        for key, sl in self._leaf_slots.items():
            x = state[key]
            for j in range(self.d):
                S[sl[j]] = np.ascontiguousarray(x[:, j])

    @staticmethod
    def _exec(S: list, ops: list) -> None:
        for f, a, b, o in ops:
            if b is None:
                f(S[a], out=S[o])
            else:
                f(S[a], S[b], out=S[o])

    def fz_columns(self, state: dict) -> list:
        """``F z`` of ``state["z"]`` as ``dim`` columns (the bits of ``op.F``); not counted as a call.

        The columns live in the step's buffers: read them before the next :meth:`step`.
        """
        S, z = list(self._S), state["z"]
        for j, sl in enumerate(self._leaf_slots["z"]):
            S[sl] = np.ascontiguousarray(z[:, j])
        start, _, cols = self._fz_seg
        self._exec(S, self._fz_ops)
        self._fz_of = z if start is not None else None
        return [S[c] for c in cols]

    def step(self, state: dict, oracle: Any) -> dict:
        d, n, S = self.d, self._n, list(self._S)
        self._fill(S, state)
        res = {}
        for k, sl in self._out_slots.items():
            z = res[k] = np.empty((n, d), order="F" if (d < 8 and _COLUMN_MAJOR) else "C")  # columns contiguous
            for j in range(d):
                S[sl[j]] = z[:, j]
        start, stop, _ = self._fz_seg
        if start is not None and self._fz_of is not None and state["z"] is self._fz_of:
            self._exec(S, self._ops[:start])  # F(z) is in its buffers already (fz_columns)
            self._exec(S, self._ops[stop:])
        else:
            self._exec(S, self._ops)
        self._fz_of = None
        oracle.n_F += self._n_F
        for k, v in self._copies.items():
            z = res[k] = np.empty((n, d), order="F" if (d < 8 and _COLUMN_MAJOR) else "C")
            for j in range(d):
                z[:, j] = self._col(S, v, j)
        res.update(self.passthrough)
        return res

    def _col(self, S: list, v: Any, j: int) -> Any:
        if isinstance(v, tuple):
            return v[1]
        if self._kind[v] == "s":
            return self._static[v]
        return S[self._cols_of[v][j]]
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
    from .contracts import check_result

    check_result("F", op, probe, ref)
    cs = ColumnStep(_Program(), {}, {}, op)
    got = np.empty_like(probe)
    with np.errstate(all="ignore"):
        for r in range(op.dim):
            acc = cs.M[r][0] * probe[:, 0]
            for j in range(1, op.dim):
                acc = acc + cs.M[r][j] * probe[:, j]
            got[:, r] = acc if cs.b is None else acc + cs.b[r]
    return bool(np.array_equal(ref, got))
