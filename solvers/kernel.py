"""A numba kernel generated from the traced step: all iterations, stopping tests and records inside.

:func:`~monoverify.solvers.compiled.compile_step` traces one ``method.step`` into a straight-line
program (``+ - * /``, negation, ``F``, ``prox``). This module writes that program out as the body of
a loop over *lanes* (instances) and wraps it in the runner's outer loop: for a block of ``BS``
instances (512 by default, their states in block arrays that stay in the L1 cache) the kernel takes
every outer step, evaluates the records (``||F z||`` or the natural residual, ``||z - z*||``), applies
the runner's stopping tests (``converged``, ``diverged``, ``nan``, ``max_iter``) and writes the history
rows itself. Blocks are independent: with ``parallel=True`` they are spread over all cores
(``numba.prange``).

The operations are those of the NumPy path, in the same order, on the same operands: every line of
the lane body is one IEEE operation of the traced program, of ``op.F`` (a ``LinearOperator`` of
``dim <= 7`` summed column by column as :meth:`LinearOperator._F` does, or the arithmetic of a
nonlinear example's ``_F`` traced on symbolic columns), of the projection (``Box``, ``Ball``, ``L1``,
written as their NumPy hot paths) or of the runner's norms (squares summed left to right, the
overflow-safe rescaling where a square overflows). No fast-math flags (no reassociation, no fused
multiply-add), ``error_model="numpy"``. The result is therefore **bit for bit** the NumPy path's
(iterates, history rows, statuses, counts; tested for every registered method the kernel accepts),
with one stated exception: ``Box`` clipping of a coordinate that equals a bound of ``0.0`` may return
the other signed zero (NumPy's SIMD ``maximum`` and the scalar comparison differ on ``-0.0`` vs
``0.0``); the values compare equal.

Before a kernel is used, the generated formulas of ``F`` and of the projection are evaluated *as NumPy
code* on a probe batch and compared bit for bit with ``op.F`` and ``constraint.prox``; any mismatch,
any operation the generator does not know (a resolvent, ``sin``, inner products, a simplex, a
stochastic oracle, a monitor that is not a metric's residual) and the kernel is not used: the runner
takes its NumPy path.

**Monitors.** A monitor made by :func:`monoverify.theory.metrics.monitors_for` carries the metric's
residual vector as a function of ``(z, oracle, method)``; it is traced like a step
(:func:`~monoverify.solvers.compiled.trace_function`: the natural residual ``z - J(z - gamma F z)``,
the CEG+ step, the fixed-point residual ``z - S z`` of a Lookahead method ...) and its squared norm is
written into the lane loop at the rows where the NumPy path evaluates it (every recorded row, or the
first and last with ``monitor_final_only``). Its values at the start point are compared bit for bit
with the monitor's own before the run's result is used.

The source of a kernel depends on the method's program (its structure and numbers, e.g. ``tau``), the
operator's kind and dimension, not on the operator's matrix or the hyper-parameter values (those are
arguments). It is written to ``cache_root()/kernels/<hash>.py`` and compiled by numba with
``cache=True``: compiled once per method/shape, loaded from disk by later processes. The program is
unrolled (``tau`` inner steps are ``tau`` copies), and numba's compile grows faster than the source
(:func:`compile_seconds`), so ``kernel="auto"`` compiles only where the NumPy path would take longer
than that compile, and otherwise uses a kernel only once it is compiled.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import sys
import threading
from typing import Any

import numpy as np

from monoverify.operators.sets import Ball, Box, L1, Whole

from .compiled import _PYOP, _UFUNC, _hyper_values, compile_step

__all__ = ["available", "plan", "KernelPlan", "NotKernel"]

_MAX_DIM = 7           # the runner's row norms sum columns left to right below 8
_MAX_OPS = 4000        # straight-line lines of one step (compile time grows with it)
BLOCK = 128
_LOCK = threading.Lock()
_MODULES: dict[str, Any] = {}


class NotKernel(Exception):
    """The generator cannot write this method/operator as a kernel (the runner uses NumPy)."""


def available() -> Any:
    """The ``numba`` module, or None when it cannot be imported (the NumPy path is used)."""
    try:
        import numba
    except Exception:   # ImportError, or a broken install
        return None
    return numba


# ------------------------------------------------------------------------------------------------
# the operator's F and the projection as lines of scalar code (also valid NumPy code, elementwise)
# ------------------------------------------------------------------------------------------------
class _Names:
    def __init__(self) -> None:
        self.n = 0

    def new(self, p: str = "t") -> str:
        self.n += 1
        return f"{p}{self.n}"


def _lit(v: Any) -> str:
    f = float(v)
    if math.isnan(f) or math.isinf(f):
        raise NotKernel(f"constant {v!r}")
    return repr(f)


class _Col:
    """A traced scalar column of a nonlinear operator's ``_F``: emits one line per operation."""

    __array_ufunc__ = None

    def __init__(self, tr: "_FTrace", name: str):
        self.tr, self.name = tr, name

    def _bin(self, sym: str, a: Any, b: Any) -> "_Col":
        return self.tr.emit(f"{self.tr.arg(a)} {sym} {self.tr.arg(b)}")

    def __add__(self, o): return self._bin("+", self, o)
    def __radd__(self, o): return self._bin("+", o, self)
    def __sub__(self, o): return self._bin("-", self, o)
    def __rsub__(self, o): return self._bin("-", o, self)
    def __mul__(self, o): return self._bin("*", self, o)
    def __rmul__(self, o): return self._bin("*", o, self)
    def __truediv__(self, o): return self._bin("/", self, o)
    def __rtruediv__(self, o): return self._bin("/", o, self)

    def __neg__(self):
        return self.tr.emit(f"-({self.name})")

    def __bool__(self):
        raise NotKernel("F branches on a value")

    def __getattr__(self, name):
        raise NotKernel(f"F uses .{name}")


class _ZTrace:
    """The symbolic ``z`` handed to ``op._F``: only ``z[..., j]`` is known."""

    __array_ufunc__ = None

    def __init__(self, cols: list):
        self.cols = cols
        self.shape = ("n", len(cols))
        self.ndim = 2

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 2 and key[0] is Ellipsis and isinstance(key[1], int):
            return self.cols[key[1]]
        raise NotKernel(f"F indexes z with {key!r}")


class _FTrace:
    def __init__(self, names: _Names):
        self.names, self.lines = names, []

    def arg(self, a: Any) -> str:
        if isinstance(a, _Col):
            return a.name
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, float, np.integer, np.floating)):
            raise NotKernel(f"F operand of type {type(a).__name__}")
        return _lit(a)

    def emit(self, expr: str) -> _Col:
        n = self.names.new("q")
        self.lines.append(f"{n} = {expr}")
        return _Col(self, n)


class _XP:
    """The namespace handed to a traced ``_F``: ``stack(..., axis=-1)`` only."""

    def __init__(self, d: int):
        self.d = d

    def stack(self, arrays, axis=0):
        if axis != -1 or len(arrays) != self.d or not all(isinstance(a, _Col) for a in arrays):
            raise NotKernel("F stacks something other than its dim columns")
        return list(arrays)

    def __getattr__(self, name):
        raise NotKernel(f"F uses xp.{name}")


class _OpCode:
    """Code of ``F`` and of ``prox``/the natural residual for one operator, with its parameter vector."""

    def __init__(self, op: Any):
        from monoverify.operators.linear import LinearOperator

        self.op = op
        self.d = d = int(op.dim)
        if not 1 <= d <= _MAX_DIM:
            raise NotKernel(f"dim {d} > {_MAX_DIM}")
        self.params: list[float] = []
        self.kind: str
        if isinstance(op, LinearOperator):
            blocks = getattr(op, "_blocks", None)
            if blocks is not None and d > blocks.shape[1]:
                raise NotKernel("block-diagonal LinearOperator")
            self.kind = "linear"
            self.M = self._param(np.asarray(op.matrix, dtype=float).reshape(-1))
            self.b = None if op.offset is None else self._param(op.offset)
        else:
            if getattr(op, "is_linear", False):
                raise NotKernel("linear operator of another kind")
            self.kind = "traced"
            self.Fsig = self._trace_F()
        A = op.constraint
        if isinstance(A, Whole):
            self.set = "whole"
        elif type(A) is Box:
            self.set, self.lo, self.hi = "box", self._param(A.lo), self._param(A.hi)
        elif type(A) is Ball:
            self.set, self.radius = "ball", self._param([A.radius])[0]
            self.centred = bool(A._centred)
            self.center = self._param(A.center)
        elif type(A) is L1:
            self.set, self.eta = "l1", self._param([A.eta])[0]
        else:
            raise NotKernel(f"constraint {type(A).__name__}")

    def _param(self, vals: Any) -> list[str]:
        out = []
        for v in np.asarray(vals, dtype=float).reshape(-1):
            self.params.append(float(v))
            out.append(f"p{len(self.params) - 1}")
        return out

    def _trace_F(self) -> tuple:
        names = _Names()
        tr = _FTrace(names)
        cols = [_Col(tr, f"IN{j}") for j in range(self.d)]
        try:
            with np.errstate(all="ignore"):
                out = self.op._F(_ZTrace(cols), _XP(self.d))
        except NotKernel:
            raise
        except Exception as exc:
            raise NotKernel(f"F is not traceable: {type(exc).__name__}: {exc}") from None
        if not (isinstance(out, list) and len(out) == self.d):
            raise NotKernel("F does not return its columns")
        return tr.lines, [c.name for c in out]

    def signature(self) -> str:
        """What the generated source depends on (not the parameter values)."""
        parts = [self.kind, str(self.d), str(self.b is not None) if self.kind == "linear" else "",
                 self.set, str(getattr(self, "centred", ""))]
        if self.kind == "traced":
            parts.append("\n".join(self.Fsig[0]) + "|" + ",".join(self.Fsig[1]))
        return "/".join(parts)

    def F(self, x: list[str], names: _Names) -> tuple[list[str], list[str]]:
        """Lines computing ``F`` of the columns ``x``; returns (lines, output names)."""
        d, lines, out = self.d, [], []
        if self.kind == "linear":
            tag = names.new("f")
            for r in range(d):
                o = f"{tag}_{r}"
                lines.append(f"{o} = {self.M[r * d]} * {x[0]}")
                for j in range(1, d):
                    lines.append(f"{o} = {o} + {self.M[r * d + j]} * {x[j]}")
                if self.b is not None:
                    lines.append(f"{o} = {o} + {self.b[r]}")
                out.append(o)
            return lines, out
        body, outs = self.Fsig
        tag = names.new("g") + "_"
        ren = {f"IN{j}": x[j] for j in range(d)}

        def sub(line: str) -> str:
            toks = line.replace("(", " ( ").replace(")", " ) ").split(" ")
            return " ".join(ren.get(t, tag + t if t.startswith("q") and t[1:].isdigit() else t) for t in toks)

        for line in body:
            lines.append(sub(line))
        return lines, [ren.get(o, tag + o) for o in outs]

    def prox(self, x: list[str], gamma: str, names: _Names) -> tuple[list[str], list[str]]:
        """Lines of ``constraint.prox(x, gamma)`` (the NumPy hot path's operations)."""
        d, lines = self.d, []
        tag = names.new("x")
        out = [f"{tag}_{j}" for j in range(d)]
        if self.set == "whole":
            return [], list(x)
        if self.set == "box":
            for j in range(d):
                lines.append(f"{out[j]} = _min(_max({x[j]}, {self.lo[j]}), {self.hi[j]})")
        elif self.set == "ball":
            if self.centred:
                lines.append(f"{tag}_s = _max(1.0, _sqrt({_lsum([f'{x[j]} * {x[j]}' for j in range(d)])}) / {self.radius})")
                for j in range(d):
                    lines.append(f"{out[j]} = {x[j]} / {tag}_s")
            else:
                for j in range(d):
                    lines.append(f"{tag}_d{j} = {x[j]} - {self.center[j]}")
                sq = _lsum([f"{tag}_d{j} * {tag}_d{j}" for j in range(d)])
                lines.append(f"{tag}_s = _max(1.0, _sqrt({sq}) / {self.radius})")
                for j in range(d):
                    lines.append(f"{out[j]} = {self.center[j]} + {tag}_d{j} / {tag}_s")
        elif self.set == "l1":
            lines.append(f"{tag}_t = {gamma} * {self.eta}")
            for j in range(d):
                lines.append(f"{out[j]} = _sign({x[j]}) * _max(_abs({x[j]}) - {tag}_t, 0.0)")
        return lines, out


def _lsum(terms: list[str]) -> str:
    """``((a + b) + c) + ...``: NumPy's order for a reduction of fewer than 8 terms."""
    s = terms[0]
    for t in terms[1:]:
        s = f"({s}) + {t}"
    return s


# NumPy versions of the scalar helpers (the probe check runs the generated lines on arrays)
_NP_HELPERS = {"_max": np.maximum, "_min": np.minimum, "_sqrt": np.sqrt, "_abs": np.abs, "_sign": np.sign,
               "nan": np.nan, "inf": np.inf}


def _probe_ok(code: _OpCode) -> bool:
    """``F`` and ``prox`` of the generated lines, run as NumPy code, equal ``op.F`` / ``prox`` bit for bit."""
    d = code.d
    rng = np.random.default_rng(0)
    probe = rng.standard_normal((64, d)) * np.logspace(-2, 1, 64)[:, None]
    env = dict(_NP_HELPERS)
    env.update({f"p{i}": v for i, v in enumerate(code.params)})
    names = _Names()
    x = [f"IN{j}" for j in range(d)]
    for j in range(d):
        env[x[j]] = np.ascontiguousarray(probe[:, j])
    lines, fo = code.F(x, names)
    g = np.full((64, 1), 0.7)
    env["GAM"] = np.ascontiguousarray(g[:, 0])
    pl, po = code.prox(x, "GAM", names)
    from .contracts import check_result

    try:
        with np.errstate(all="ignore"):   # the operator's own F and prox on the probe: their contract first
            ref_F = code.op.F(probe)
            ref_P = code.op.constraint.prox(probe, np.broadcast_to(g, (64, d)).copy())
    except Exception:
        return False
    check_result("F", code.op, probe, ref_F)
    check_result("prox", code.op.constraint, probe, ref_P)
    try:
        with np.errstate(all="ignore"):
            exec("\n".join(lines + pl), env)
    except Exception:
        return False
    got_F = np.stack([np.broadcast_to(env[o], (64,)) for o in fo], axis=1)
    got_P = np.stack([np.broadcast_to(env[o], (64,)) for o in po], axis=1)
    return bool(np.array_equal(got_F, ref_F) and np.array_equal(got_P, ref_P))


# ------------------------------------------------------------------------------------------------
# the method's step as lane code
# ------------------------------------------------------------------------------------------------
class _StepCode:
    """The traced program of one step, with its hyper-parameter-only values evaluated (per instance)."""

    def __init__(self, cs: Any, host: Any, state: dict, code: _OpCode, prefix: str = ""):
        prog = cs.prog
        self.prefix = prefix
        self.keys = [k for k, v in state.items() if isinstance(v, np.ndarray)]
        d = code.d
        for k in self.keys:
            if state[k].shape[1:] != (d,):
                raise NotKernel(f"state entry {k!r} of shape {state[k].shape}")
        if "z" not in self.keys:
            raise NotKernel("no state entry 'z'")
        self.keys = ["z"] + [k for k in self.keys if k != "z"]
        self.passthrough = dict(cs.passthrough)
        hyp = _hyper_values(host)     # (B,) arrays
        vals: dict = {}
        kind: dict = {}
        n_F = n_prox = 0
        for i, (k, key) in prog.leaves.items():
            if k == "hyper":
                vals[i] = hyp[key]
                kind[i] = "s"
            else:
                kind[i] = "d"
        for i, ins in enumerate(prog.instrs):
            if ins is None:
                continue
            if ins.op == "res":
                raise NotKernel("resolvent")
            if ins.op not in _UFUNC and ins.op not in ("neg", "F", "prox"):
                raise NotKernel(f"operation {ins.op}")
            if ins.static:
                argv = [a[1] if isinstance(a, tuple) else vals[a] for a in ins.args]
                with np.errstate(all="ignore"):
                    vals[i] = (-argv[0]) if ins.op == "neg" else _PYOP[ins.op](argv[0], argv[1])
                kind[i] = "s"
            else:
                kind[i] = "d"
                n_F += ins.op == "F"
                n_prox += ins.op == "prox"
        self.n_F, self.n_prox = n_F, n_prox
        # the hyper-parameter values the dynamic part reads: rows of HS, or literals
        self.hs: list[np.ndarray] = []
        self.hs_name: dict[int, str] = {}
        B = None
        for i, ins in enumerate(prog.instrs):
            if ins is None or ins.static:
                continue
            for a in ins.args:
                if isinstance(a, tuple) or kind[a] != "s" or a in self.hs_name:
                    continue
                v = vals[a]
                if np.ndim(v) == 0:
                    self.hs_name[a] = _lit(v)
                else:
                    v = np.asarray(v, dtype=float).reshape(-1)
                    B = v.size if B is None else B
                    self.hs_name[a] = f"{prefix}h{len(self.hs)}"
                    self.hs.append(v)
        self.prog, self.kind, self.vals = prog, kind, vals
        self.outputs = cs.outputs
        for k in self.keys:
            v = self.outputs[k]
            if not isinstance(v, tuple) and kind[v] == "s":
                raise NotKernel(f"state entry {k!r} becomes a hyper-parameter expression")
        self.z_leaf = next(i for i, (k, key) in prog.leaves.items() if k == "state" and key == "z")
        self.has_fz = any(ins is not None and not ins.static and ins.op == "F" and ins.args[0] == self.z_leaf
                          for ins in prog.instrs)
        self.code = code

    def signature(self) -> str:
        parts = [",".join(self.keys), str(self.code.d)]
        for i, ins in enumerate(self.prog.instrs):
            if ins is None:
                parts.append(f"{i}:leaf:{self.prog.leaves[i][0]}:{self.prog.leaves[i][1]}")
            elif not ins.static:
                args = [(_lit(a[1]) if isinstance(a, tuple) else
                         (self.hs_name[a] if self.kind[a] == "s" else f"v{a}")) for a in ins.args]
                parts.append(f"{i}:{ins.op}:{args}")
        parts.append(repr(sorted((k, v if isinstance(v, int) else _lit(v[1])) for k, v in self.outputs.items())))
        return ";".join(parts)

    def lines(self, state_cols: dict, fz: list[str] | None, names: _Names) -> tuple[list[str], dict]:
        """Lines of one step on the lane's state columns; returns (lines, new state columns by key)."""
        prog, d, code = self.prog, self.code.d, self.code
        cols: dict[int, list[str]] = {}
        for i, (k, key) in prog.leaves.items():
            if k == "state":
                cols[i] = state_cols[key]
        out: list[str] = []

        def opnd(a: Any, j: int) -> str:
            if isinstance(a, tuple):
                return _lit(a[1])
            if self.kind[a] == "s":
                return self.hs_name[a]
            return cols[a][j]

        sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
        for i, ins in enumerate(prog.instrs):
            if ins is None or ins.static:
                continue
            if ins.op == "F":
                if fz is not None and ins.args[0] == self.z_leaf:
                    cols[i] = list(fz)
                    continue
                ls, o = code.F(cols[ins.args[0]], names)
                out += ls
                cols[i] = o
            elif ins.op == "prox":
                g = opnd(ins.args[1], 0) if isinstance(ins.args[1], tuple) or self.kind[ins.args[1]] == "s" else None
                if g is None:
                    raise NotKernel("prox with an iterate-dependent step")
                ls, o = code.prox(cols[ins.args[0]], g, names)
                out += ls
                cols[i] = o
            elif ins.op == "neg":
                cols[i] = [f"{self.prefix}v{i}_{j}" for j in range(d)]
                out += [f"{cols[i][j]} = -{opnd(ins.args[0], j)}" for j in range(d)]
            else:
                cols[i] = [f"{self.prefix}v{i}_{j}" for j in range(d)]
                out += [f"{cols[i][j]} = {opnd(ins.args[0], j)} {sym[ins.op]} {opnd(ins.args[1], j)}" for j in range(d)]
        new = {}
        for k in self.keys:
            v = self.outputs[k]
            new[k] = [_lit(v[1])] * d if isinstance(v, tuple) else cols[v]
        return out, new


# ------------------------------------------------------------------------------------------------
# the kernel source
# ------------------------------------------------------------------------------------------------
def _norm_lines(v: list[str], out: str, safe: bool) -> list[str]:
    """``out = ||v||`` as the runner's row norm (squares summed left to right); ``safe``: the
    overflow-safe rescaling of :func:`monoverify.solvers.norms._safe_norm` where it overflows."""
    lines = [f"{out} = _sqrt({_lsum([f'{x} * {x}' for x in v])})"]
    if safe:
        m = out + "_m"
        lines += [f"if {out} == inf:", f"    {m} = _abs({v[0]})"]
        for x in v[1:]:
            lines.append(f"    {m} = {m} if {m} >= _abs({x}) else _abs({x})")
        lines.append(f"    if {m} < inf and {m} > 0.0:")
        ws = [f"({x} / {m})" for x in v]
        lines.append(f"        {out} = {m} * _sqrt({_lsum([f'{w} * {w}' for w in ws])})")
    return lines


class _Source:
    """Assembles the kernel's source text from a step and an operator."""

    def __init__(self, step: _StepCode, code: _OpCode, natural: bool, has_sol: bool, sol_zero: bool,
                 residual: bool, monitors: list | None = None):
        self.step, self.code = step, code
        self.monitors = list(monitors or [])   # _StepCode of each monitor's residual vector, in order
        self.mh_off = [int(x) for x in np.cumsum([0] + [len(m.hs) for m in self.monitors])]
        self.natural, self.has_sol, self.sol_zero, self.residual = natural, has_sol, sol_zero, residual
        self.d = code.d
        self.ns = len(step.keys) * code.d

    def _measure(self, z: list[str], f: list[str] | None, names: _Names, safe: bool, ind: str,
                 need: bool = True) -> list[str]:
        """``f`` (F z, computed here when None) and ``sn`` (``||z||^2``) of the lane's new iterate ``z``;
        ``need``: also ``r`` and ``dd`` (the records; else 0.0); ``safe``: also ``nz``, and the norms with the
        runner's overflow-safe rescaling (the lane-by-lane fix-up)."""
        lines: list[str] = []
        if f is None and ((self.residual and need) or self.step.has_fz):
            ls, f = self.code.F(z, names)
            lines += ls
        if self.residual and need:
            if self.natural:
                y = [f"mz{j}" for j in range(self.d)]
                lines += [f"{y[j]} = {z[j]} - {f[j]}" for j in range(self.d)]
                ls, p = self.code.prox(y, "1.0", names)
                lines += ls
                rv = [f"mr{j}" for j in range(self.d)]
                lines += [f"{rv[j]} = {z[j]} - {p[j]}" for j in range(self.d)]
            else:
                rv = f
            lines += _norm_lines(rv, "r", safe)
        else:
            lines.append("r = nan" if need else "r = 0.0")
        lines.append(f"sn = {_lsum([f'{x} * {x}' for x in z])}")
        if safe:
            lines += _norm_lines(z, "nz", safe)
        if self.has_sol and need:
            if self.sol_zero:   # ||z - 0||: the same operations as ||z||
                lines.append("dd = nz" if safe else "dd = _sqrt(sn)")
            else:
                dv = [f"md{j}" for j in range(self.d)]
                lines += [f"{dv[j]} = {z[j]} - sol{j}" for j in range(self.d)]
                lines += _norm_lines(dv, "dd", safe)
        else:
            lines.append("dd = nan" if need else "dd = 0.0")
        return [ind + x for x in lines], f

    def text(self) -> str:
        st, d, ns = self.step, self.d, self.ns
        keys = st.keys
        nh = len(st.hs)
        scol = {k: [f"s{ki}_{j}" for j in range(d)] for ki, k in enumerate(keys)}
        sidx = {k: [ki * d + j for j in range(d)] for ki, k in enumerate(keys)}
        # one flat work array per block: row q of lane l at W[q * BS + l] (constant offsets, one base
        # pointer: the loop vectorizer proves the rows apart and needs no run-time alias checks)
        R_S, R_P, R_C, R_H = 0, ns, 2 * ns, 2 * ns + d
        R_LIM, R_AL, R_FL = R_H + nh, R_H + nh + 1, R_H + nh + 3  # row R_H + nh + 2: the status code
        NW = R_FL + 1
        bs = BLOCK

        def w(row: int) -> str:
            return f"W[{row * bs} + l]"

        L: list[str] = []
        I1, I2, I3 = " " * 4, " " * 8, " " * 12
        L.append("def _body(X0, HS, LIM, LIM2, P, SOL, iters, tol, use_tol, rfull, dfull, RES, DIST, ZF, PV, NIT, STAT, "
                 "nblocks, MHS, MON, mfull):")
        L.append(I1 + "n = X0.shape[1]")
        L.append(I1 + "for blk in prange(nblocks):")
        B = I2
        L.append(B + f"lo = blk * {bs}")
        L.append(B + f"nb = min({bs}, n - lo)")
        L += [B + f"p{i} = P[{i}]" for i in range(len(self.code.params))]
        L += [B + f"sol{j} = SOL[{j}]" for j in range(d)]
        L.append(B + f"W = np.zeros({NW * bs})")
        L.append(B + "for l in range(nb):")
        L.append(B + I1 + f"{w(R_AL)} = 1.0")
        L.append(B + I1 + f"{w(R_LIM)} = LIM2[lo + l]")
        L += [B + I1 + f"{w(R_S + q)} = X0[{q}, lo + l]" for q in range(ns)]
        L += [B + I1 + f"{w(R_H + q)} = HS[{q}, lo + l]" for q in range(nh)]
        L.append(B + "nalive = nb")
        L.append(B + "for k in range(iters + 1):")
        K = B + I1
        L.append(K + "last = k == iters")
        L.append(K + "rr = k if rfull else (0 if k == 0 else (1 if last else 2))")
        L.append(K + "dr = k if dfull else (0 if k == 0 else (1 if last else 2))")
        L.append(K + "mr = k if mfull else (0 if k == 0 else (1 if last else 2))")
        L.append(K + "nflag = 0")
        L.append(K + "need = rfull or k == 0 or last")
        for variant in ("first", "need", "fast"):
            L.append(K + {"first": "if k == 0:", "need": "elif need:", "fast": "else:"}[variant])
            first, need = variant == "first", variant != "fast"
            LL = K + I1
            L.append(LL + "for l in range(nb):")
            Ln = LL + I1
            names = _Names()
            L.append(Ln + "i = lo + l")
            for k_, cs in scol.items():
                for j, c in enumerate(cs):
                    L.append(Ln + f"{c} = {w(R_S + sidx[k_][j])}")
            if first:
                ms, f = self._measure(scol["z"], None, names, False, Ln)
                L += ms
            else:
                L += [Ln + f"h{q} = {w(R_H + q)}" for q in range(nh)]
                fz = None
                if st.has_fz:
                    fz = [f"c{j}" for j in range(d)]
                    L += [Ln + f"{fz[j]} = {w(R_C + j)}" for j in range(d)]
                for k_, cs in scol.items():
                    for j, c in enumerate(cs):
                        L.append(Ln + f"{w(R_P + sidx[k_][j])} = {c}")
                sl, new = st.lines(scol, fz, names)
                L += [Ln + x for x in sl]
                for k_ in keys:
                    for j in range(d):
                        L.append(Ln + f"{w(R_S + sidx[k_][j])} = {new[k_][j]}")
                ms, f = self._measure(new["z"], None, names, False, Ln, need)
                L += ms
            if st.has_fz:
                L += [Ln + f"{w(R_C + j)} = {f[j]}" for j in range(d)]
            L.append(Ln + f"a = {w(R_AL)}")
            if need:
                L += [Ln + "RES[rr, i] = r if a != 0.0 else nan", Ln + "DIST[dr, i] = dd if a != 0.0 else nan"]
                zc = scol["z"] if first else new["z"]
                for mi, mst in enumerate(self.monitors):
                    # the metric's residual vector of the new iterate, then its squares summed left to
                    # right (theory.metrics.sqnorm; plain, not overflow-safe); its F z is the record's when known
                    L += [Ln + f"{mst.prefix}h{q} = MHS[{self.mh_off[mi] + q}, i]" for q in range(len(mst.hs))]
                    ml, mv = mst.lines({"z": zc}, f, names)
                    L += [Ln + x for x in ml]
                    L.append(Ln + f"{mst.prefix}val = {_lsum([f'{x} * {x}' for x in mv['z']])}")
                    L.append(Ln + f"MON[{mi}, mr, i] = {mst.prefix}val if a != 0.0 else nan")
            L += [Ln + x for x in (
                "isn = sn != sn",
                # ||z|| > limit  <=>  ||z||^2 > T (T: the largest square whose root is <= limit, exact)
                f"dv = (not isn) & ((sn > {w(R_LIM)}) | (sn == inf))",
                "cv = use_tol & (not isn) & (not dv) & (r <= tol)",
                # a stop, or a norm to redo overflow-safe: the fix-up loop decides it exactly
                "fl = (a != 0.0) & (isn | dv | cv | last | (r == inf) | (sn == inf) | (dd == inf))",
                f"{w(R_FL)} = 1.0 if fl else 0.0",
                "nflag += 1 if fl else 0",
            )]
        # stops and the overflow-safe norms, lane by lane (rare)
        L.append(K + "if nflag > 0:")
        F1 = K + I1
        L.append(F1 + "for l in range(nb):")
        F2 = F1 + I1
        L.append(F2 + f"if {w(R_FL)} == 0.0:")
        L.append(F2 + I1 + "continue")
        L.append(F2 + "i = lo + l")
        for k_, cs in scol.items():
            for j, c in enumerate(cs):
                L.append(F2 + f"{c} = {w(R_S + sidx[k_][j])}")
        ms, _ = self._measure(scol["z"], None, _Names(), True, F2)
        L += ms
        L += [F2 + x for x in (
            "RES[rr, i] = r",
            "DIST[dr, i] = dd",
            "isn = nz != nz",
            "dv = (not isn) & ((nz > LIM[i]) | (nz == inf))",
            "cv = use_tol & (not isn) & (not dv) & (r <= tol)",
            "code = 3 if isn else (2 if dv else (1 if cv else (0 if last else -1)))",
            "if code >= 0:",
            "    STAT[i] = code",
            "    NIT[i] = k",
        )]
        L += [F2 + I1 + f"ZF[{q}, i] = {w(R_S + q)}" for q in range(ns)]
        L += [F2 + I1 + f"PV[{q}, i] = {w(R_P + q)}" for q in range(ns)]
        L += [F2 + I1 + f"{w(R_AL)} = 0.0", F2 + I1 + "nalive -= 1"]
        L.append(K + "if nalive == 0:")
        L.append(K + I1 + "for kk in range(k + 1, iters + 1):")
        L.append(K + I2 + "r2 = kk if rfull else (1 if kk == iters else 2)")
        L.append(K + I2 + "d2 = kk if dfull else (1 if kk == iters else 2)")
        L.append(K + I2 + "for l in range(nb):")
        L.append(K + I3 + "RES[r2, lo + l] = nan")
        L.append(K + I3 + "DIST[d2, lo + l] = nan")
        if self.monitors:
            L.append(K + I2 + "m2 = kk if mfull else (1 if kk == iters else 2)")
            L.append(K + I2 + "for l in range(nb):")
            L += [K + I3 + f"MON[{mi}, m2, lo + l] = nan" for mi in range(len(self.monitors))]
        L.append(K + I1 + "break")
        body = "\n".join(L)
        head = ("import numpy as np\nfrom numba import njit, prange\nfrom math import sqrt as _sqrt_m\n"
                "nan = np.nan\ninf = np.inf\n\n"
                "@njit(inline='always', error_model='numpy')\ndef _max(a, b):\n    return a if (a >= b or a != a) else b\n\n"
                "@njit(inline='always', error_model='numpy')\ndef _min(a, b):\n    return a if (a <= b or a != a) else b\n\n"
                "@njit(inline='always', error_model='numpy')\ndef _sqrt(a):\n    return np.sqrt(a)\n\n"
                "@njit(inline='always', error_model='numpy')\ndef _abs(a):\n    return abs(a)\n\n"
                "@njit(inline='always', error_model='numpy')\ndef _sign(a):\n"
                "    return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else (0.0 if a == 0.0 else a))\n\n")
        # two functions of the same body (numba's disk cache is per function): serial and over all cores
        serial = body.replace("def _body(", "def _body_serial(", 1)
        par = body.replace("def _body(", "def _body_parallel(", 1)
        return (head + "@njit(cache=True, error_model='numpy', nogil=True)\n" + serial + "\n\n\n"
                + "@njit(cache=True, error_model='numpy', parallel=True)\n" + par + "\n")


# ------------------------------------------------------------------------------------------------
# compile (once per source, cached on disk) and run
# ------------------------------------------------------------------------------------------------
def _kernel_dir() -> Any:
    from monoverify.cache import cache_root

    return cache_root() / "kernels"


def _key(src: str) -> str:
    """The kernel's name in the process and in the disk cache (``k_<key>.py``)."""
    return hashlib.sha256(src.encode()).hexdigest()[:24]


def _load(src: str) -> Any:
    key = _key(src)
    with _LOCK:
        mod = _MODULES.get(key)
        if mod is not None:
            return mod
        d = _kernel_dir()
        path = d / f"k_{key}.py"
        if not path.is_file() or path.read_text() != src:
            from monoverify.atomic import write_text

            try:   # atomic: a torn kernel module is never imported; a full disk falls back to the NumPy path
                write_text(path, src, mkdir=True)
            except OSError as exc:
                raise NotKernel(f"cannot write the kernel cache: {exc}") from None
        name = f"_monoverify_kernel_{key}"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _MODULES[key] = mod
        return mod


class KernelPlan:
    """A generated kernel for one method, operator and run configuration (see :func:`plan`)."""

    def __init__(self, src: _Source, step: _StepCode, code: _OpCode, state: dict, calls0: int):
        self.src, self.step, self.code, self.state, self.calls0 = src, step, code, state, calls0
        self.text = src.text()

    @property
    def n_ops(self) -> int:
        return self.text.count("\n")

    def module(self) -> Any:
        return _load(self.text)

    def execute(self, z: np.ndarray, limit: np.ndarray, sol: np.ndarray | None, iters: int, tol: float | None,
                record: bool, parallel: bool, mfull: bool = False) -> dict:
        """Run the kernel; returns the arrays the runner turns into a :class:`Run`."""
        mod = self.module()
        B, d = z.shape
        X0 = np.empty((self.src.ns, B))
        for ki, k in enumerate(self.step.keys):
            X0[ki * d:(ki + 1) * d] = np.asarray(self.state[k], dtype=float).T
        HS = np.ascontiguousarray(np.stack(self.step.hs)) if self.step.hs else np.zeros((0, B))
        if HS.shape[1] != B:
            HS = np.ascontiguousarray(np.broadcast_to(HS, (HS.shape[0], B)))
        rfull = bool(record or tol is not None)
        dfull = bool(record)
        RES = np.empty((((iters + 1) if rfull else 2) + 1, B))   # + a trash row for rows not recorded
        DIST = np.empty((((iters + 1) if dfull else 2) + 1, B))
        ZF = np.empty((self.src.ns, B))
        PV = np.empty((self.src.ns, B))
        NIT = np.zeros(B, dtype=np.int64)
        STAT = np.zeros(B, dtype=np.int8)
        P = np.asarray(self.code.params if self.code.params else [0.0], dtype=float)
        SOL = np.zeros(d) if sol is None else np.ascontiguousarray(np.asarray(sol, dtype=float))
        mons = self.src.monitors
        mfull = bool(mfull and mons)
        MON = np.empty((len(mons), ((iters + 1) if mfull else 2) + 1, B))
        mhs = [h for m in mons for h in m.hs]
        MHS = np.ascontiguousarray(np.stack(mhs)) if mhs else np.zeros((0, B))
        if MHS.shape[1] != B:
            MHS = np.ascontiguousarray(np.broadcast_to(MHS, (MHS.shape[0], B)))
        fn = mod._body_parallel if parallel else mod._body_serial
        nblocks = (B + BLOCK - 1) // BLOCK
        lim = np.ascontiguousarray(limit, dtype=float)
        fn(np.ascontiguousarray(X0), HS, lim, _square_bound(lim), P, SOL, int(iters),
           float(0.0 if tol is None else tol), tol is not None, rfull, dfull, RES, DIST, ZF, PV, NIT, STAT,
           int(nblocks), MHS, MON, mfull)
        return {"RES": RES[:-1], "DIST": DIST[:-1], "ZF": ZF, "PV": PV, "NIT": NIT, "STAT": STAT,
                "rfull": rfull, "dfull": dfull, "MON": MON[:, :-1], "mfull": mfull}


def _square_bound(lim: np.ndarray) -> np.ndarray:
    """Per limit ``L``, the largest double ``T`` with ``sqrt(T) <= L``: for every ``s >= 0``,
    ``sqrt(s) > L`` exactly when ``s > T`` (``sqrt`` is correctly rounded and monotone)."""
    with np.errstate(over="ignore", invalid="ignore"):
        T = lim * lim
        for _ in range(8):
            hi = np.sqrt(T) > lim
            if not hi.any():
                break
            T[hi] = np.nextafter(T[hi], 0.0)
        for _ in range(8):
            up = np.nextafter(T, np.inf)
            ok = np.sqrt(up) <= lim
            if not ok.any():
                break
            T[ok] = up[ok]
        assert np.all(np.sqrt(T) <= lim) and np.all(np.sqrt(np.nextafter(T, np.inf)) > lim)
    return T


def plan(method: Any, host: Any, op: Any, z: np.ndarray, oracle: Any, *, record_residual: bool = True,
         monitors: dict | None = None) -> KernelPlan:
    """The kernel for ``method`` (hyper-parameters bound as the runner binds them) on ``op`` from ``z``.

    Raises :class:`NotKernel` where the generator does not apply (the runner then uses NumPy).
    ``oracle``: the run's (deterministic) oracle, used for ``init`` (its calls are counted there).
    ``monitors``: the run's monitors; each must carry ``kernel_residual(z, oracle, method)`` (its value
    is the squared norm of that vector) and ``kernel_host`` (the method with one hyper-parameter value
    per instance), as :func:`monoverify.theory.metrics.monitors_for` attaches them.
    """
    code = _OpCode(op)
    if not _probe_ok(code):
        raise NotKernel("the generated F or projection differs from op.F / prox on the probe")
    c0 = oracle.n_F
    with np.errstate(all="ignore"):
        state = method.init(z, oracle)
    from .contracts import check_state

    check_state(method, "init", state, z.shape)
    calls0 = oracle.n_F - c0
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    if any(v.dtype != np.float64 or v.shape != z.shape for v in arrays.values()):
        raise NotKernel("state arrays of another shape or dtype")
    cs = compile_step(method, op, state)
    if cs is None:
        raise NotKernel("the step is not traceable")
    step = _StepCode(cs, host, state, code)
    # vector operations of the NumPy replay: an F of dim d is 2 d - 1 of them (d products, d - 1 sums per row)
    step.prog_ops = cs.n_ops + step.n_F * (2 * code.d - 2)
    if cs.n_ops > _MAX_OPS:
        raise NotKernel(f"{cs.n_ops} operations per step")
    natural = not isinstance(op.constraint, Whole)
    sol = op.solution
    has_sol = sol is not None
    sol_zero = has_sol and not np.any(np.asarray(sol))
    mons = []
    for mi, (name, fn) in enumerate((monitors or {}).items()):
        res, mhost = getattr(fn, "kernel_residual", None), getattr(fn, "kernel_host", None)
        if res is None or mhost is None:
            raise NotKernel(f"monitor {name!r} is not a traceable residual")
        from .compiled import trace_function

        tr = trace_function(res, mhost, op)
        if tr is None:
            raise NotKernel(f"monitor {name!r} is not traceable")
        mst = _StepCode(tr, mhost, {"z": z}, code, prefix=f"m{mi}_")
        if any(h.size != z.shape[0] for h in mst.hs):
            raise NotKernel(f"monitor {name!r}: hyper-parameters of another batch size")
        mons.append(mst)
    src = _Source(step, code, natural, has_sol, sol_zero, record_residual, mons)
    return KernelPlan(src, step, code, state, calls0)


# ------------------------------------------------------------------------------------------------
# the runner's side: when to use a kernel, and its arrays as a Run
# ------------------------------------------------------------------------------------------------
#: ``kernel="auto"`` uses a compiled kernel (in this process or in the disk cache) when the NumPy path
#: is expected to take at least this long (numba's import and a load from the disk cache: 0.3-0.5 s once)
_AUTO_SECONDS = 0.25
_STATUS = np.array(["max_iter", "converged", "diverged", "nan"], dtype="<U9")


def numpy_seconds(n_ops: int, batch: int, dim: int, iters: int, calls: int = 0) -> float:
    """Rough time of the NumPy compiled path: per vector operation 1 us of overhead and 0.4 ns per
    element (RAPP tau = 5 on 65,536 2-D instances x 200 iterations: about 0.3 s on a 2-core machine),
    and per oracle call (``F``, ``prox``) 7 us more (its Python layers: about 14 us per inner step of
    RAPP on one instance)."""
    return iters * (n_ops * (1e-6 + batch * dim * 4e-10) + calls * 7e-6)


def compile_seconds(lines: int) -> float:
    """A generous estimate of numba's first compile of a kernel of ``lines`` source lines, in units
    where :data:`_AUTO_SECONDS` is the load of a compiled one (measured on the 2-core machine, numba
    0.68: RAPP kernels of 500 / 1000 / 2300 / 3100 lines took 3.0 / 3.8 / 9.4 / 33 s, numba's import
    included in the first). Compiles grow faster than the source, so ``kernel="auto"`` compiles only
    where the NumPy path would take longer than this; a kernel already compiled costs only a load."""
    return _AUTO_SECONDS * (4.0 + 0.012 * lines + 1.2e-5 * lines ** 2)


def _compiled(text: str, parallel: bool) -> bool:
    """Is the kernel of ``text`` loaded in this process or compiled in the disk cache?"""
    key = _key(text)
    if key in _MODULES and getattr(getattr(_MODULES[key], "_body_parallel" if parallel else "_body_serial", None),
                                   "signatures", None):
        return True
    pyc = _kernel_dir() / "__pycache__"
    try:
        return any(pyc.glob(f"k_{key}._body_{'parallel' if parallel else 'serial'}-*.nbi"))
    except OSError:
        return False


def run_kernel(method: Any, host: Any, op: Any, z: np.ndarray, iters: int, tol: float | None, diverge_at: float,
               record: bool, record_residual: bool, mode: str, stepper: Any, monitors: dict | None = None,
               monitor_final_only: bool = False) -> tuple | None:
    """The run through a generated kernel, or None when none applies (``mode="auto"``: or does not pay).

    Returns ``(z_final, history_parts, status, n_iter, n_oracle, wall, monitor_rows)`` with the values of
    the NumPy path (:func:`monoverify.solvers.runner.run`). Monitors (see :func:`plan`) are evaluated
    in the kernel where the NumPy path evaluates them; their values at the start point are compared
    bit for bit with the monitors' own before the result is used (:class:`NotKernel` otherwise).
    """
    import time

    from monoverify.arrays import to_numpy

    from .norms import _safe_norm
    from .oracle import Oracle
    from .records import Lazy, Records
    from .steppers import overflowed

    if available() is None:
        if mode == "always":
            raise NotKernel("numba is not installed")
        return None
    B, d = z.shape
    full = iters + 1
    has_sol = op.solution is not None
    monitors = dict(monitors or {})
    n_arrays = 2 + has_sol + len(monitors)
    if (record or tol is not None) and full * B * 8 * n_arrays > Records._UPFRONT_BYTES:
        if mode == "always":
            raise NotKernel("the history does not fit in memory at once")
        return None
    if mode == "auto" and numpy_seconds(_MAX_OPS, B, d, iters) < _AUTO_SECONDS:
        return None   # could not pay whatever the step
    t0 = time.perf_counter()
    oracle = Oracle(op)
    try:
        kp = plan(stepper.method, host, op, z, oracle, record_residual=record_residual, monitors=monitors)
    except NotKernel:
        if mode == "always":
            raise
        return None
    if mode == "auto":
        calls = kp.step.n_F + kp.step.n_prox + sum(m.n_F + m.n_prox for m in kp.src.monitors)
        expect = numpy_seconds(kp.step.prog_ops, B, d, iters, calls)
        if expect < (_AUTO_SECONDS if _compiled(kp.text, False) else compile_seconds(kp.n_ops)):
            return None
    with np.errstate(all="ignore"):
        limit = diverge_at * (1.0 + to_numpy(_safe_norm(np, z)))
    sol = None if not has_sol else np.asarray(op.solution, dtype=float)
    out = kp.execute(z, limit, sol, iters, tol, record, mode == "parallel", mfull=record and not monitor_final_only)
    if monitors:
        with np.errstate(all="ignore"):
            ref = [np.asarray(to_numpy(fn(z, np.arange(B))), dtype=float).reshape(B) for fn in monitors.values()]
        if not all(np.array_equal(out["MON"][mi, 0], r, equal_nan=True) for mi, r in enumerate(ref)):
            raise NotKernel("a monitor computed in the kernel differs from the monitor's own value at the start")
    NIT, STAT = out["NIT"], out["STAT"]
    ns = kp.src.ns
    # NaN after a finite iterate: an overflow (inf - inf) is "diverged", as the NumPy path decides it
    pend = np.nonzero((STAT == 3) & (NIT > 0))[0]
    if pend.size:
        prev_state = {k: np.ascontiguousarray(out["PV"][ki * d:(ki + 1) * d, pend].T)
                      for ki, k in enumerate(kp.step.keys)}
        prev_state.update(kp.step.passthrough)
        bound = stepper._bound(pend)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):   # as in the runner
            over = overflowed((prev_state, bound, None), np.arange(pend.size), op, np)
        STAT[pend[over]] = 2
    wall = time.perf_counter() - t0
    z_final = np.ascontiguousarray(out["ZF"][:d].T)
    status = _STATUS[STAT.astype(np.int64)]
    n_oracle = kp.calls0 + NIT * kp.step.n_F
    rows = full if full * B * 8 * n_arrays <= Records._PAD_BYTES else int(NIT.max()) + 1
    res, dist = out["RES"], out["DIST"]

    def sparse(a: np.ndarray) -> np.ndarray:
        """The history of a quantity kept only at the start and the last row (NaN between)."""
        o = np.full((rows, B), np.nan)
        o[0] = a[0]
        if 0 < iters < rows:   # iters = 0: row 0 is the start and the last row at once
            o[iters] = a[1]
        return o

    def padded(a: np.ndarray, dense: bool) -> Any:
        if dense:
            return a if a.shape[0] == rows else np.ascontiguousarray(a[:rows])
        return Lazy(lambda: sparse(a))

    res_h = padded(res, out["rfull"])
    dist_h = padded(dist, out["dfull"]) if has_sol else None
    dfull = out["dfull"]

    def calls() -> np.ndarray:
        k = np.arange(rows)[:, None]
        c = kp.calls0 + k * kp.step.n_F
        live = k <= NIT[None, :]
        if not dfull:
            live &= (k == 0) | (k == iters)
        return np.where(live, c, 0).astype(np.int64)

    # monitor histories are plain arrays (as the NumPy path's): the sparse ones built now
    mon_h = {name: (padded(out["MON"][mi], True) if out["mfull"] else sparse(out["MON"][mi]))
             for mi, name in enumerate(monitors)}
    del ns
    return z_final, (res_h, dist_h, Lazy(calls)), status, NIT.copy(), n_oracle.astype(np.int64), wall, mon_h
