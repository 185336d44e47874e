"""A compiled PEP for sweeps: the Gram SDP assembled directly and handed to Clarabel, no modelling layer.

:func:`~monoverify.theory.pep.worst_case` builds each PEP through PEPit and CVXPY; for a sweep of
many cells most of that time is modelling and canonicalisation (58 % of a PP cell in CVXPY alone),
the same work for every cell. Here the method runs **unchanged** on :class:`Vec` points, vectors of
coefficients in the Gram basis ``(z0 - z*, g_1, g_2, ...)`` (``z* = 0``; every oracle answer ``g_i = F
x_i``, and every implicit step ``w = x - gamma g`` with ``g in T w``, is a new basis vector; a point
equal to one evaluated before answers the same ``g``, as in PEPit). The PEP is then

    maximise   <C, G>        (C = v v^T, v the metric's residual vector of the method's own metric)
    subject to <E0, G> <= 1  (||z0 - z*||^2 <= 1)
               <S_ij - rho D_ij, G> >= 0             for every pair of evaluated points and (z*, 0)
               <L^2 X_ij - D_ij, G> >= 0             (L given)
               G PSD,

with ``S_ij = sym(dg dx^T)``, ``D_ij = dg dg^T``, ``X_ij = dx dx^T`` (``dx = x_i - x_j``, ``dg = g_i - g_j``):
§7's formulation, the one PEPit builds (exact for the set-valued class, a relaxation with
``L``). For a fixed method (its hyper-parameter values), class, ``N`` and metric, the pair matrices
``S, D, X`` and ``C`` are computed **once** (:class:`Program`); the class parameters enter as
coefficients (``rho``, ``L^2``), so a sweep over ``(rho, L)`` updates numbers only, and a sweep over
the method's hyper-parameters re-runs ``N`` steps of the method on short coefficient vectors
(microseconds). The cone data (``svec`` of the matrices, Clarabel's scaled upper triangle) go to
Clarabel directly. Clarabel is an interior-point solver: it has no warm start, each cell is solved
from its own start.

Applies to the unconstrained classes (``constraint=None``, ``bilinear=False``) with the default
Clarabel solver; :func:`sweep` uses :func:`worst_case` (PEPit) for the other jobs. Values equal those
of :func:`worst_case` to solver tolerance (tests/test_pep_compiled.py: relative ``1e-5``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Iterable, Mapping

import numpy as np

from monoverify.theory.metrics import At, get_metric

from .common import PEPNotRepresentable
from .inputs import _inputs
from .result import PEPResult

__all__ = ["Vec", "Program", "program", "compiled_worst_case", "applies", "sweep"]


class Vec:
    """A point of the PEP: coefficients in the Gram basis (grows as the oracle creates leaves)."""

    __slots__ = ("c",)
    __array_ufunc__ = None

    def __init__(self, c: np.ndarray):
        self.c = c

    @staticmethod
    def _pad(a: np.ndarray, n: int) -> np.ndarray:
        return a if a.size == n else np.concatenate([a, np.zeros(n - a.size)])

    def _lin(self, o: Any, s: float) -> "Vec":
        if not isinstance(o, Vec):
            raise PEPNotRepresentable(f"a PEP point plus a {type(o).__name__} (only points add)")
        n = max(self.c.size, o.c.size)
        return Vec(self._pad(self.c, n) + s * self._pad(o.c, n))

    def __add__(self, o): return self._lin(o, 1.0)
    def __radd__(self, o): return self._lin(o, 1.0)
    def __sub__(self, o): return self._lin(o, -1.0)
    def __rsub__(self, o): return Vec(-self.c)._lin(o, 1.0)
    def __neg__(self): return Vec(-self.c)

    def _scal(self, s: Any) -> float:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, float, np.integer, np.floating)):
            raise PEPNotRepresentable(f"a PEP point times a {type(s).__name__} (only fixed scalars)")
        return float(s)

    def __mul__(self, s): return Vec(self.c * self._scal(s))
    __rmul__ = __mul__

    def __truediv__(self, s): return Vec(self.c / self._scal(s))

    def __bool__(self):
        raise PEPNotRepresentable("the method branches on a point")


class _Oracle:
    """The oracle protocol on :class:`Vec` points (unconstrained: ``prox`` is the identity)."""

    unconstrained = True

    def __init__(self) -> None:
        self.n = 1                                 # basis: e_0 = z0 - z*
        self.pairs: list[tuple[Vec, Vec]] = []     # evaluated (x_i, g_i); (z*, 0) is added at assembly
        self._seen: dict[tuple, tuple[Vec, Vec]] = {}
        self.n_F = self.n_resolvent = 0

    def _leaf(self) -> Vec:
        c = np.zeros(self.n + 1)
        c[self.n] = 1.0
        self.n += 1
        return Vec(c)

    @property
    def op(self) -> Any:
        raise PEPNotRepresentable("a PEP point has no coordinate blocks (players)")

    @staticmethod
    def _key(x: Vec) -> tuple:
        """The point's value (its nonzero coefficients): PEPit answers the same ``g`` at equal points."""
        nz = np.nonzero(x.c)[0]
        return tuple(zip(nz.tolist(), x.c[nz].tolist()))

    def F(self, x: Vec) -> Vec:
        self.n_F += 1
        if not isinstance(x, Vec):
            raise PEPNotRepresentable(f"F of a {type(x).__name__}")
        got = self._seen.get(self._key(x))
        if got is not None:
            return got[1]
        g = self._leaf()
        self.pairs.append((x, g))
        self._seen[self._key(x)] = (x, g)
        return g

    def prox(self, x: Vec, gamma: Any) -> Vec:
        return x

    def resolvent(self, x: Vec, gamma: Any) -> Vec:
        self.n_resolvent += 1
        g = self._leaf()
        w = x - float(gamma) * g
        self.pairs.append((w, g))
        self._seen.setdefault(self._key(w), (w, g))
        return w

    def vdot(self, a: Any, b: Any) -> Any:
        raise PEPNotRepresentable("per-instance inner products (oracle.vdot) have no PEP")

    ratio = vdot

    def __getattr__(self, name: str) -> Any:
        raise PEPNotRepresentable(f"the method asks the oracle for {name!r}, which the compiled PEP does not model")


def _svec_index(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and weights of Clarabel's PSD triangle: upper triangle by columns, off-diagonal x sqrt 2."""
    r, c = [], []
    for j in range(n):
        for i in range(j + 1):
            r.append(i)
            c.append(j)
    r, c = np.array(r), np.array(c)
    return r, c, np.where(r == c, 1.0, math.sqrt(2.0))


@dataclasses.dataclass
class Program:
    """The data of one PEP family (method with its hyper-parameter values, N, metric, iterate):
    ``svec`` rows of the pair matrices ``S, D, X``, of the objective(s) ``C`` and of ``E0``; the class
    parameters are applied in :meth:`solve`."""

    n: int
    S: np.ndarray
    D: np.ndarray
    X: np.ndarray
    C: np.ndarray          # (n_objectives, nv): best iterate maximises their minimum
    E0: np.ndarray
    traj: list
    pairs: list
    idx: tuple

    def solve(self, rho: float, L: float | None, settings: Mapping[str, Any] | None = None) -> tuple:
        """``(status, value, primal, G, message)`` for the class ``(rho, L)``."""
        import clarabel
        from scipy import sparse

        n, nv = self.n, self.E0.size
        rows = [-(self.S - rho * self.D)]
        if L is not None:
            rows.append(-(L * L * self.X - self.D))
        rows.append(self.E0[None, :])
        m_ineq = sum(r.shape[0] for r in rows)
        best = int(self.C.shape[0] > 1)
        nx = nv + best
        A_in = np.vstack(rows)
        b_in = np.zeros(m_ineq)
        b_in[-1] = 1.0
        if best:   # t <= <C_k, G> for every k: maximise t
            A_in = np.hstack([A_in, np.zeros((m_ineq, 1))])
            A_best = np.hstack([-self.C, np.ones((self.C.shape[0], 1))])
            A_in = np.vstack([A_in, A_best])
            b_in = np.concatenate([b_in, np.zeros(self.C.shape[0])])
            q = np.zeros(nx)
            q[-1] = -1.0
        else:
            q = -self.C[0]
        A_psd = np.hstack([-np.eye(nv), np.zeros((nv, best))])
        A = sparse.csc_matrix(np.vstack([A_in, A_psd]))
        b = np.concatenate([b_in, np.zeros(nv)])
        P = sparse.csc_matrix((nx, nx))
        st = clarabel.DefaultSettings()
        st.verbose = False
        for k, v in dict(settings or {}).items():
            setattr(st, k, v)
        cones = [clarabel.NonnegativeConeT(A_in.shape[0]), clarabel.PSDTriangleConeT(n)]
        sol = clarabel.DefaultSolver(P, q, A, b, cones, st).solve()
        status = str(sol.status)
        x = np.asarray(sol.x)
        G = None
        if x.size >= nv and np.all(np.isfinite(x[:nv])):
            r, c, w = self.idx
            G = np.zeros((n, n))
            G[r, c] = x[:nv] / w
            G[c, r] = G[r, c]
        primal = -float(sol.obj_val)
        dual = -float(getattr(sol, "obj_val_dual", sol.obj_val))
        return status, dual, primal, G


def _svec(M: np.ndarray, idx: tuple) -> np.ndarray:
    r, c, w = idx
    return M[..., r, c] * w


def program(method: Any, n_iter: int, metric: str = "operator", iterate: str = "last") -> Program:
    """Run ``method`` (scalar hyper-parameters) for ``n_iter`` steps on :class:`Vec` points and assemble the
    PEP's data (see the module docstring). Raises :class:`PEPNotRepresentable` where it cannot."""
    from .solve import _bounded_iterates

    spec = get_metric(metric, pep=True)
    o = _Oracle()
    z0 = Vec(np.array([1.0]))
    zs = Vec(np.zeros(1))
    traj = []
    with np.errstate(all="ignore"):
        try:
            st = method.init(z0, o)
            traj.append(st["z"])
            for _ in range(n_iter):
                st = method.step(st, o)
                traj.append(st["z"])
            vs = [spec.residual(At(z=traj[k], oracle=o, method=method, prev=traj[k - 1] if k else None, zstar=zs))
                  for k in _bounded_iterates(spec.name, n_iter, iterate)]
        except PEPNotRepresentable:
            raise
        except (TypeError, AttributeError, KeyError) as exc:
            raise PEPNotRepresentable(f"{method!r} cannot run on compiled PEP points: {type(exc).__name__}: {exc}") \
                from None
    if not all(isinstance(v, Vec) for v in vs + traj):
        raise PEPNotRepresentable("the iterates or the metric are not PEP points")
    n = o.n
    pad = lambda v: Vec._pad(v.c, n)  # noqa: E731
    pts = [(np.zeros(n), np.zeros(n))] + [(pad(x), pad(g)) for x, g in o.pairs]
    xs = np.array([p[0] for p in pts])
    gs = np.array([p[1] for p in pts])
    i, j = np.triu_indices(len(pts), 1)
    dx, dg = xs[i] - xs[j], gs[i] - gs[j]
    idx = _svec_index(n)
    Smat = 0.5 * (dg[:, :, None] * dx[:, None, :] + dx[:, :, None] * dg[:, None, :])
    S = _svec(Smat, idx)
    D = _svec(dg[:, :, None] * dg[:, None, :], idx)
    X = _svec(dx[:, :, None] * dx[:, None, :], idx)
    V = np.array([pad(v) for v in vs])
    C = _svec(V[:, :, None] * V[:, None, :], idx)
    e0 = np.zeros(n)
    e0[0] = 1.0
    return Program(n, S, D, X, C, _svec(np.outer(e0, e0), idx), [pad(z) for z in traj], pts, idx)


_PROGRAMS: dict[tuple, Program] = {}


def applies(kwargs: Mapping[str, Any]) -> bool:
    """Can the job (``worst_case`` keyword arguments) be solved compiled? Unconstrained, not bilinear,
    Clarabel with its default settings, the plain class (no ``mu``, not ``refined``: their constraints are not
    in the compiled data)."""
    return (kwargs.get("constraint") is None and not kwargs.get("bilinear", False)
            and str(kwargs.get("solver", "CLARABEL")).upper() == "CLARABEL" and not kwargs.get("solver_options")
            and kwargs.get("mu") is None and not kwargs.get("refined", False))


def compiled_worst_case(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator", *,
                        iterate: str = "last", max_points: int | None = None) -> PEPResult:
    """:func:`~monoverify.theory.pep.worst_case` of an unconstrained class through the compiled SDP.

    Same arguments and the same :class:`PEPResult` (``inputs`` as ``worst_case`` writes them, plus
    ``"formulation": "compiled"``; ``gram``, ``iterates``, ``points`` in the Gram basis), equal to
    ``worst_case``'s value to solver tolerance. The data of a method/``N``/metric are kept in this process
    (:data:`_PROGRAMS`), so a sweep over ``(rho, L)`` assembles them once.
    """
    t0 = time.perf_counter()
    m, inputs = _inputs(method, rho, L, n_iter, metric, "CLARABEL", None, False, None, iterate, max_points=max_points)
    inputs = dict(inputs, formulation="compiled")
    key = (inputs["method"], inputs["method_code"], int(n_iter), inputs["metric"], iterate)
    prog = _PROGRAMS.get(key)
    if prog is None:
        prog = _PROGRAMS[key] = program(m, int(n_iter), inputs["metric"], iterate)
        if len(_PROGRAMS) > 256:
            _PROGRAMS.pop(next(iter(_PROGRAMS)))
    status_c, val, primal, G = prog.solve(inputs["rho"], inputs["L"])
    retried = ""
    for tol in (1e-7, 1e-6):     # as worst_case: Clarabel retried with looser tolerances when it stalls
        if status_c != "AlmostSolved":
            break
        status_c, val, primal, G = prog.solve(inputs["rho"], inputs["L"],
                                              {"tol_feas": tol, "tol_gap_abs": tol, "tol_gap_rel": tol})
        retried = f" (Clarabel tolerances {tol:g})"
    relaxation = L is not None
    gram = iterates = sol = points = None
    if status_c in ("DualInfeasible", "AlmostDualInfeasible"):
        status, value, msg = "unbounded", None, "the SDP is unbounded: no finite worst case for this class and method"
    elif status_c in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        status, value, msg = "infeasible", None, "the SDP is infeasible"
    elif status_c not in ("Solved", "AlmostSolved") or not math.isfinite(val):
        status, value, msg = "failed", None, f"Clarabel status {status_c}"
    else:
        value = val
        gap = abs(val - primal)
        if status_c == "AlmostSolved":
            status, msg = "inaccurate", "the solver reports an inaccurate solution"
        elif not gap <= 1e-4 * abs(primal) + 1e-7:
            status, msg = "inaccurate", f"primal/dual gap {gap:.3g} (primal {primal:.9g}, dual {val:.9g})"
        else:
            status, msg = "optimal", "optimal"
        msg += retried + " (compiled SDP)"
        if G is not None:
            w, Q = np.linalg.eigh(G)
            Xc = Q * np.sqrt(np.clip(w, 0.0, None))          # rows: basis vectors' coordinates
            gram = G.tolist()
            iterates = [(z @ Xc).tolist() for z in prog.traj]
            sol = np.zeros(prog.n).tolist()
            points = [[(x @ Xc).tolist(), (g @ Xc).tolist()] for x, g in prog.pairs]
    if relaxation:
        msg += " (relaxation: rho-comonotone and L-Lipschitz have no known interpolation theorem; upper bound)"
    return PEPResult(value=value, status=status, message=msg, solver="CLARABEL", wall_time=time.perf_counter() - t0,
                     n_iter=int(n_iter), inputs=inputs, primal_value=primal, gram=gram, iterates=iterates,
                     solution=sol, relaxation=relaxation, points=points)


def sweep(jobs: Iterable[Mapping[str, Any]]) -> list[PEPResult]:
    """Solve many PEP cells, in order: compiled where :func:`applies` and the method runs on :class:`Vec`
    points, else :func:`worst_case` (PEPit, with its cache)."""
    from .solve import worst_case

    out = []
    for kw in jobs:
        kw = dict(kw)
        if applies(kw):
            try:
                out.append(compiled_worst_case(kw["method"], kw["rho"], kw.get("L"), kw["n_iter"],
                                               kw.get("metric", "operator"), iterate=kw.get("iterate", "last")))
                continue
            except PEPNotRepresentable:
                pass
        out.append(worst_case(**kw))
    return out
