"""Compiled steps: one ``step`` of a method traced into a straight-line program, replayed with buffers.

The method object stays the only definition of its update. :func:`compile_step` runs ``step``
once on *tracer* values (state entries and hyper-parameters become symbols, the oracle records its
calls) and obtains the list of operations the step performs: ``+ - * /`` and negation between
arrays and numbers, and the oracle calls ``F``, ``prox`` and ``resolvent``. :class:`CompiledStep`
replays that list on NumPy ``float64`` batches:

* expressions in the hyper-parameters alone (``1 - lam``, ``2 * gamma``) are evaluated once per
  active set instead of every step;
* every other arithmetic result goes into a buffer allocated once per active set and reused
  (in place when an operand dies at that operation), through ``numpy`` ufuncs with ``out=``;
* the oracle calls go to the real oracle (so counts, noise and projections are the oracle's own).

Every operation is the same IEEE operation on the same operands as in the uncompiled step, in the
same order, so the iterates are **bit-for-bit** those of ``method.step`` (tested for every
registered method). A step that branches on values, asks for inner products (``adaptive-ceg+``)
or keeps a non-array state entry that changes (``feg``'s counter) or restricts vectors to the players'
coordinates (``alt-gda``: constant 0/1 masks) is not traceable:
:func:`compile_step` returns ``None`` and the runner uses ``method.step``.

>>> import numpy as np
>>> from monoverify.operators import BilinearGame
>>> from monoverify.solvers import Oracle, make
>>> m = make("rapp", gamma=0.5, lam=0.5, tau=3)
>>> c = compile_step(m, BilinearGame([[1.0]]), {"z": np.ones((4, 2))})
>>> c.n_ops > 0
True
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from monoverify.operators.sets import Whole

from .base import Method

__all__ = ["compile_step", "CompiledStep", "NotTraceable", "trace_function"]


class NotTraceable(Exception):
    """The step does something the tracer does not record (a branch on values, an inner product)."""


_UFUNC = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}
_PYOP = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}


class _Sym:
    """A traced value: an index into the program's value table."""

    __array_ufunc__ = None  # NumPy scalars defer to our reflected operators

    def __init__(self, prog: "_Program", idx: int):
        self.prog, self.idx = prog, idx

    def _bin(self, name: str, a: Any, b: Any) -> "_Sym":
        return self.prog.emit(name, a, b)

    def __add__(self, o): return self._bin("add", self, o)
    def __radd__(self, o): return self._bin("add", o, self)
    def __sub__(self, o): return self._bin("sub", self, o)
    def __rsub__(self, o): return self._bin("sub", o, self)
    def __mul__(self, o): return self._bin("mul", self, o)
    def __rmul__(self, o): return self._bin("mul", o, self)
    def __truediv__(self, o): return self._bin("div", self, o)
    def __rtruediv__(self, o): return self._bin("div", o, self)

    def __neg__(self):
        return self.prog.emit("neg", self)

    def __bool__(self):
        raise NotTraceable("the step branches on a value")

    def __getattr__(self, name):
        raise NotTraceable(f"the step uses .{name} of an array")


@dataclass
class _Instr:
    op: str                 # add sub mul div neg F prox res
    args: tuple             # ints (value indices) or Python numbers
    static: bool            # depends on hyper-parameters and numbers only


class _Program:
    def __init__(self) -> None:
        self.instrs: list[_Instr | None] = []  # None for leaves
        self.leaves: dict[int, tuple[str, Any]] = {}

    def leaf(self, kind: str, key: Any) -> _Sym:
        self.instrs.append(None)
        i = len(self.instrs) - 1
        self.leaves[i] = (kind, key)
        return _Sym(self, i)

    def _arg(self, a: Any) -> Any:
        if isinstance(a, _Sym):
            return a.idx
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, float, np.integer, np.floating)):
            raise NotTraceable(f"operand of type {type(a).__name__}")
        return ("c", a)

    def _is_static(self, a: Any) -> bool:
        if isinstance(a, tuple):
            return True
        if a in self.leaves:
            return self.leaves[a][0] == "hyper"
        return self.instrs[a].static

    def emit(self, op: str, *args: Any) -> _Sym:
        conv = tuple(self._arg(a) for a in args)
        static = op in _UFUNC or op == "neg"
        static = static and all(self._is_static(a) for a in conv)
        self.instrs.append(_Instr(op, conv, static))
        return _Sym(self, len(self.instrs) - 1)


class _TraceOracle:
    """Records the oracle calls of one step."""

    def __init__(self, prog: _Program, whole: bool):
        self.prog, self.whole = prog, whole

    @property
    def op(self):
        """Alternating methods (``alt-gda``) restrict vectors to the players' coordinates with constant
        masks of ``oracle.op``: array constants the tracer does not record (``method.step`` is used)."""
        raise NotTraceable("per-player coordinate masks (alternating updates)")

    def F(self, z):
        return self.prog.emit("F", z)

    def prox(self, z, gamma):
        return z if self.whole else self.prog.emit("prox", z, gamma)

    def resolvent(self, z, gamma):
        return self.prog.emit("res", z, gamma)

    def vdot(self, a, b):
        raise NotTraceable("inner products")

    def ratio(self, num, den):
        raise NotTraceable("ratios")


def _hyper_values(method: Method) -> list:
    vals: list = []
    method.map_hyper(lambda name, v: vals.append(v) or v)
    return vals


class CompiledStep:
    """A traced step replayed with preallocated buffers (see the module docstring).

    ``bind(method)`` takes the method with its hyper-parameters bound to the active instances
    (arrays of shape ``(n, width)``) and the state shapes; ``step(state, oracle)`` then returns
    the same dict ``method.step(state, oracle)`` returns, bit for bit.
    """

    def __init__(self, prog: _Program, outputs: dict[str, Any], passthrough: dict[str, Any]):
        self.prog = prog
        self.outputs = outputs          # state key -> value index or ("c", number)
        self.passthrough = passthrough  # non-array state entries, unchanged by the step
        self.n_ops = sum(1 for i in prog.instrs if i is not None)
        self._fn: Any = None       # the generated replay and its constants, set by bind
        self._consts: list = []

    def bind(self, method: Method, state: dict) -> None:
        """Evaluate the static part for ``method``'s hyper-parameters and allocate buffers."""
        prog = self.prog
        hyp = _hyper_values(method)
        n_val = len(prog.instrs)
        vals: list = [None] * n_val
        shapes: list = [None] * n_val
        for i, (kind, key) in prog.leaves.items():
            v = hyp[key] if kind == "hyper" else state[key]
            vals[i] = v
            shapes[i] = np.shape(v)
        last_use = [-1] * n_val
        dyn: list[int] = []
        for i, ins in enumerate(prog.instrs):
            if ins is None:
                continue
            argv = [a[1] if isinstance(a, tuple) else vals[a] for a in ins.args]
            ash = [() if isinstance(a, tuple) else shapes[a] for a in ins.args]
            shapes[i] = ash[0] if ins.op in ("F", "prox", "res") else np.broadcast_shapes(*ash)
            if ins.static:
                vals[i] = (-argv[0]) if ins.op == "neg" else _PYOP[ins.op](argv[0], argv[1])
                continue
            dyn.append(i)
            for a in ins.args:
                if not isinstance(a, tuple):
                    last_use[a] = i
        outs = {v for v in self.outputs.values() if not isinstance(v, tuple)}
        # buffer assignment: results of arithmetic go to pooled buffers, reused once dead
        free: dict[tuple, list[int]] = {}
        buf_of: dict[int, int] = {}
        buf_shapes: list[tuple] = []
        plan = []
        for i in dyn:
            ins = prog.instrs[i]
            arith = ins.op in _UFUNC or ins.op == "neg"
            dying = {a for a in ins.args if not isinstance(a, tuple) and last_use[a] == i and a in buf_of}
            b = None
            if arith and i not in outs:
                # an operand dying here of the output's shape lends its buffer (elementwise: safe in place)
                same = [a for a in dying if shapes[a] == shapes[i]]
                if same:
                    b = buf_of[same[0]]
                    dying.discard(same[0])
                elif free.get(shapes[i]):
                    b = free[shapes[i]].pop()
                else:
                    buf_shapes.append(shapes[i])
                    b = len(buf_shapes) - 1
                buf_of[i] = b
            for a in dying:
                free.setdefault(shapes[a], []).append(buf_of[a])
            plan.append((i, ins.op, ins.args, b, arith))
        bufs = [np.empty(s) for s in buf_shapes]
        static_vals = {i: vals[i] for i in range(n_val) if vals[i] is not None and (i not in prog.leaves or prog.leaves[i][0] == "hyper")}
        self._fn, self._consts = _straight_line(plan, static_vals, shapes, prog.leaves, self.outputs, bufs,
                                                self.passthrough)

    def step(self, state: dict, oracle: Any) -> dict:
        return self._fn(state, oracle, self._consts)


#: generated step functions by source text (the source names buffers and constants by position only)
_GENERATED: dict[str, Any] = {}


def _straight_line(plan: list, static_vals: dict, shapes: list, leaves: dict, outputs: dict, bufs: list,
                   passthrough: dict) -> tuple:
    """The replay as one generated Python function ``f(state, oracle, C)`` and its constants ``C``.

    Each line is one operation of ``plan``, the same call as an interpreter of ``plan`` makes
    (``np.add(a, b, out=buffer)``, ``oracle.F(x)``, ...) on the same operands in the same order,
    so the iterates are bit for bit the same; what goes is the interpreter's per-operation
    dispatch. Buffers, hyper-parameter values, numbers and shapes are entries of ``C``.
    """
    C: list = []

    def const(obj: Any) -> str:
        C.append(obj)
        return f"C[{len(C) - 1}]"

    names: dict[int, str] = {}
    for i, v in static_vals.items():
        names[i] = const(v)
    lines = ["def _step(state, oracle, C):"]
    for i, (kind, key) in leaves.items():
        if kind == "state":
            names[i] = f"v{i}"
            lines.append(f"    v{i} = state[{key!r}]")

    def arg(a: Any) -> str:
        return const(a[1]) if isinstance(a, tuple) else names[a]

    ufunc = {"add": "_add", "sub": "_sub", "mul": "_mul", "div": "_div"}
    for i, op, args, b, arith in plan:
        names[i] = f"v{i}"
        if arith:
            out = const(bufs[b]) if b is not None else f"_empty({const(shapes[i])})"
            call = (f"_neg({arg(args[0])}, out={out})" if op == "neg"
                    else f"{ufunc[op]}({arg(args[0])}, {arg(args[1])}, out={out})")
        elif op == "F":
            call = f"oracle.F({arg(args[0])})"
        else:
            call = f"oracle.{'prox' if op == 'prox' else 'resolvent'}({arg(args[0])}, {arg(args[1])})"
        lines.append(f"    v{i} = {call}")
    items = [f"{k!r}: {arg(v) if isinstance(v, tuple) else names[v]}" for k, v in outputs.items()]
    items += [f"{k!r}: {const(v)}" for k, v in passthrough.items()]
    lines.append("    return {" + ", ".join(items) + "}")
    src = "\n".join(lines)
    fn = _GENERATED.get(src)
    if fn is None:
        scope = {"_add": np.add, "_sub": np.subtract, "_mul": np.multiply, "_div": np.true_divide,
                 "_neg": np.negative, "_empty": np.empty}
        exec(compile(src, "<monoverify compiled step>", "exec"), scope)
        fn = _GENERATED[src] = scope["_step"]
    return fn, C


def compile_step(method: Method, op: Any, state: dict, oracle: Any = None) -> CompiledStep | None:
    """Trace one ``method.step`` on ``op`` for the NumPy ``float64`` state ``state``.

    Returns a :class:`CompiledStep` (bound to ``method`` and the shapes of ``state``; a
    :class:`~monoverify.solvers.columns.ColumnStep` for a small unconstrained linear operator and the plain ``oracle``), or
    ``None`` when the step is not traceable (the caller then uses ``method.step``).
    """
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    if "z" not in arrays or any(v.dtype != np.float64 for v in arrays.values()):
        return None
    if any(isinstance(v, np.ndarray) and v.dtype != np.float64 for v in _hyper_values(method)):
        return None
    prog = _Program()
    counter = iter(range(10**9))
    traced = method.map_hyper(lambda name, v: prog.leaf("hyper", next(counter)))
    tstate = {k: (prog.leaf("state", k) if k in arrays else v) for k, v in state.items()}
    try:
        with np.errstate(all="ignore"):
            out = traced.step(tstate, _TraceOracle(prog, isinstance(op.constraint, Whole)))
    except (NotTraceable, TypeError, AttributeError):
        return None
    if set(out) != set(state):
        return None
    outputs, passthrough = {}, {}
    for k, v in out.items():
        if k in arrays:
            if not isinstance(v, _Sym):
                return None
            outputs[k] = v.idx
        elif v is state[k]:
            passthrough[k] = v
        else:
            return None  # a non-array entry that changes (a step counter): not stationary
    from .columns import ColumnStep, columns_ok

    if oracle is not None and columns_ok(op, oracle, prog, state):
        cs: CompiledStep = ColumnStep(prog, outputs, passthrough, op)
    else:
        cs = CompiledStep(prog, outputs, passthrough)
    cs.bind(method, state)
    return cs


@dataclass
class TracedFunction:
    """``fn(z, oracle, method)`` traced as :func:`compile_step` traces a step: ``prog`` with the hyper-parameter
    leaves of ``method`` and one state leaf ``"z"``; ``outputs = {"z": index}`` names the traced result (the
    same shape as a step's output, so lane code is generated from it the same way)."""

    prog: _Program
    outputs: dict
    passthrough: dict


def trace_function(fn: Any, method: Method, op: Any) -> TracedFunction | None:
    """Trace ``fn(z, oracle, method)`` (e.g. a metric's residual vector) on ``op``; ``None`` when it is not
    traceable (a branch on values, an inner product, an array constant)."""
    if any(isinstance(v, np.ndarray) and v.dtype != np.float64 for v in _hyper_values(method)):
        return None
    prog = _Program()
    counter = iter(range(10**9))
    traced = method.map_hyper(lambda name, v: prog.leaf("hyper", next(counter)))
    z = prog.leaf("state", "z")
    try:
        with np.errstate(all="ignore"):
            out = fn(z, _TraceOracle(prog, isinstance(op.constraint, Whole)), traced)
    except (NotTraceable, TypeError, AttributeError):
        return None
    if not isinstance(out, _Sym):
        return None
    return TracedFunction(prog, {"z": out.idx}, {})
