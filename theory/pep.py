"""Worst-case performance estimation (PEP) of the toolkit's methods with PEPit (SPEC §7).

The method objects of :mod:`monoverify.solvers` run **unchanged** on PEPit ``Point`` objects: a
:class:`PEPOracle` answers ``F(z)`` with ``operator.gradient(z)`` (the same element for the same
point), ``prox(z, gamma)`` (``J_{gamma A}``) with a PEPit proximal step on a convex indicator /
convex function (identity when unconstrained) and ``resolvent(z, gamma)`` (``J_{gamma (A + F)}``)
with an implicit proximal step: a new leaf ``g`` evaluated at the new point ``z - gamma g``.

Formulation (SPEC §7). Maximise the metric over the Gram matrix of ``{z0 - z*, F(z_i)}`` subject
to ``||z0 - z*||^2 <= 1`` and the class constraints of :class:`ComonotoneLipschitzOperator` on all
pairs of evaluated points, the stationary point ``(z*, 0)`` included. The value reported is
PEPit's dual value (a certificate, up to solver tolerance).

* ``L=None``: the set-valued maximally ``rho``-comonotone class. The pairwise inequality
  interpolates this class (SPEC R35), so the PEP is **exact** (PP, relaxed PP).
* ``L`` given: ``rho``-comonotone ∩ ``L``-Lipschitz. No interpolation theorem is known for this
  intersection (SPEC §7, §9.5): the PEP is a **relaxation**, its values are valid *upper*
  bounds on the class worst case, not known to be tight. :func:`linear_lower_bound` gives a
  matching *lower* bound from rotation-scaling linear maps; :func:`sandwich` reports both.

Metrics: ``"operator"`` ``||F z_N||^2`` (for implicit steps the leaf ``g_N in T z_N``; with a
constraint the natural residual ``||z_N - J_A(z_N - F z_N)||^2``), ``"step"``
``||z_N - z_{N-1}||^2`` (outer iterates), ``"distance"`` ``||z_N - z*||^2``.

With a constraint (``A = N_C`` or ``A = dg``) the class constraints bind ``F`` only (the
convention of SPEC §6 and §9.6 for the constants); ``T = A + F`` need not be comonotone, so e.g.
PP with ``rho < 0`` and a constraint has no finite worst case (status ``"unbounded"``).

Examples
--------
>>> from monoverify.solvers import make
>>> r = worst_case(make("eg+", gamma=1.0, alpha=0.5), rho=-0.1, L=1.0, n_iter=1, cache=False)
>>> r.status, round(r.value, 4)          # SPEC R34: EG+ at gamma = 1/L has worst case L^2
('optimal', 1.0)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import math
import os
import tempfile
import threading
import time
import warnings
from concurrent.futures import Executor
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable, Mapping

import numpy as np

__all__ = [
    "ComonotoneLipschitzOperator",
    "PairwiseConstraint",
    "PEPOracle",
    "PEPResult",
    "PEPNotRepresentable",
    "LinearLowerBound",
    "Sandwich",
    "METRICS",
    "worst_case",
    "worst_case_many",
    "linear_lower_bound",
    "sandwich",
    "cache_dir",
    "clear_cache",
]

#: the metrics of SPEC §7
METRICS = ("operator", "step", "distance")
#: relative tolerance of the comparisons of SPEC §7 (upper: pep <= th (1 + TOL); lower: th <= pep (1 + TOL))
TOL = 1e-3
#: bump when the formulation changes: part of every cache key
_FORMULATION = 1
#: PEPit keeps its objects in class-level registries: one PEP at a time per process
_PEPIT_LOCK = threading.RLock()


class PEPNotRepresentable(ValueError):
    """The method (or its parameters) cannot be written as a PEP: e.g. array hyper-parameters,
    or step sizes that depend on per-instance inner products (``oracle.vdot``)."""


# ------------------------------------------------------------------------------------------------
# the operator class, its constraints as data
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class PairwiseConstraint:
    """One named class inequality ``expr(i, j) >= 0`` (or ``== 0``) imposed on pairs of points.

    Attributes
    ----------
    name : str
        Name of the family (also the name of PEPit's constraint table).
    formula : str
        The inequality in words/symbols, for documentation and reports.
    expression : callable
        ``expression(op, xi, gi, xj, gj)`` returning a PEPit ``Expression`` ``e`` for the
        constraint ``e >= 0`` (``sense="ineq"``) or ``e == 0`` (``sense="eq"``).
    active : callable
        ``active(op) -> bool``: whether the family applies to the operator ``op``.
    sense : {"ineq", "eq"}
    diagonal : bool
        Also impose the constraint for ``i = j`` (needed by the skew-symmetric class).
    """

    name: str
    formula: str
    expression: Callable[..., Any]
    active: Callable[[Any], bool]
    sense: str = "ineq"
    diagonal: bool = False


def _comonotone(op, xi, gi, xj, gj):
    return (gi - gj) * (xi - xj) - op.rho * (gi - gj) ** 2


def _lipschitz(op, xi, gi, xj, gj):
    return op.L ** 2 * (xi - xj) ** 2 - (gi - gj) ** 2


def _skew(op, xi, gi, xj, gj):
    return xi * gj + xj * gi


try:  # PEPit is a dependency; keep the module importable for documentation tools without it
    from PEPit import PEP, Function, PSDMatrix
    from PEPit.functions import ConvexFunction, ConvexIndicatorFunction
    from PEPit.point import Point
    from PEPit.primitive_steps import proximal_step
except ImportError:  # pragma: no cover
    Function = object  # type: ignore[assignment,misc]


class ComonotoneLipschitzOperator(Function):  # type: ignore[misc,valid-type]
    """PEPit class of ``rho``-comonotone (and, when ``L`` is given, ``L``-Lipschitz) operators.

    The class constraints are data (:attr:`PAIRWISE`), imposed on every pair of evaluated
    points, the stationary point ``(z*, 0)`` included (SPEC §7, convention of SPEC §1.2):

    * ``comonotone``: ``<g_i - g_j, x_i - x_j> - rho ||g_i - g_j||^2 >= 0``;
    * ``lipschitz`` (``L`` given): ``L^2 ||x_i - x_j||^2 - ||g_i - g_j||^2 >= 0``;
    * ``skew`` (``bilinear=True``, all ``i, j`` including ``i = j``):
      ``<x_i, g_j> + <x_j, g_i> = 0`` — skew-symmetric linear maps (bilinear games), with the
      exact norm condition ``G^T G <= L^2 X^T X`` as an LMI when ``L`` is given (Bousselmi,
      Hendrickx, Glineur 2023, Cor. 3.2; PEPit's ``SkewSymmetricLinearOperator``).

    With ``L=None`` the class is the set-valued maximally ``rho``-comonotone class and the
    pairwise condition interpolates it (SPEC R35): PEPs are exact. With both constraints no
    interpolation theorem is known (SPEC §9.5): PEP values are valid upper bounds, possibly
    not tight. ``reuse_gradient`` is always True: one oracle answer per point.

    Parameters
    ----------
    rho : float
        Comonotonicity parameter (SPEC §1.2 sign; ``rho < 0`` is ``|rho|``-cohypomonotone).
        PEPit's ``NegativelyComonotoneOperator(rho=r)`` is this class with ``rho = -r``.
    L : float, optional
        Lipschitz constant (``None``: no Lipschitz constraint, set-valued class).
    bilinear : bool
        Skew-symmetric linear maps instead (``rho`` must be ``<= 0``: such maps are exactly
        0-comonotone).

    Examples
    --------
    >>> from PEPit import PEP
    >>> problem = PEP()
    >>> F = problem.declare_function(ComonotoneLipschitzOperator, rho=-0.1, L=1.0)
    >>> [c.name for c in F.active_constraints()]
    ['comonotone', 'lipschitz']
    >>> print(ComonotoneLipschitzOperator.PAIRWISE[0].formula)
    <g_i - g_j, x_i - x_j> - rho ||g_i - g_j||^2 >= 0
    """

    PAIRWISE: ClassVar[tuple[PairwiseConstraint, ...]] = (
        PairwiseConstraint("comonotone", "<g_i - g_j, x_i - x_j> - rho ||g_i - g_j||^2 >= 0",
                           _comonotone, lambda op: not op.bilinear),
        PairwiseConstraint("lipschitz", "||g_i - g_j||^2 <= L^2 ||x_i - x_j||^2",
                           _lipschitz, lambda op: op.L is not None and not op.bilinear),
        PairwiseConstraint("skew", "<x_i, g_j> + <x_j, g_i> = 0 (all i, j, including i = j)",
                           _skew, lambda op: op.bilinear, sense="eq", diagonal=True),
    )

    def __init__(self, rho: float, L: float | None = None, bilinear: bool = False, is_leaf: bool = True,
                 decomposition_dict: dict | None = None, reuse_gradient: bool = True, name: str | None = None):
        super().__init__(is_leaf=is_leaf, decomposition_dict=decomposition_dict, reuse_gradient=True, name=name)
        self.rho = _real("rho", rho)
        self.L = None if L is None else _positive("L", L)
        self.bilinear = bool(bilinear)
        if self.bilinear and self.rho > 0:
            raise ValueError(f"skew-symmetric linear maps are 0-comonotone, not rho-cocoercive: need rho <= 0, got rho={rho!r}")

    def active_constraints(self) -> list[PairwiseConstraint]:
        """The families of :attr:`PAIRWISE` imposed on this operator."""
        return [c for c in self.PAIRWISE if c.active(self)]

    def add_class_constraints(self) -> None:
        for c in self.active_constraints():
            def make(c=c):
                if c.sense == "eq":
                    return lambda xi, gi, fi, xj, gj, fj: c.expression(self, xi, gi, xj, gj) == 0
                return lambda xi, gi, fi, xj, gj, fj: c.expression(self, xi, gi, xj, gj) >= 0
            self.add_constraints_from_two_lists_of_points(self.list_of_points, self.list_of_points, c.name, make(),
                                                          symmetry=True)
            if c.diagonal:
                self.add_constraints_from_one_list_of_points(
                    self.list_of_points, c.name + "_diagonal",
                    lambda xi, gi, fi, c=c: c.expression(self, xi, gi, xi, gi) == 0)
        if self.bilinear and self.L is not None:
            pts = self.list_of_points
            T = np.empty((len(pts), len(pts)), dtype=object)
            for i, (xi, gi, _) in enumerate(pts):
                for j, (xj, gj, _) in enumerate(pts):
                    T[i, j] = self.L ** 2 * (xi * xj) - gi * gj
            self.list_of_class_psd.append(PSDMatrix(matrix_of_expressions=T))


def _real(name: str, v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {v!r}") from None
    if not math.isfinite(f):
        raise ValueError(f"{name} must be finite, got {v!r}")
    return f


def _positive(name: str, v: Any) -> float:
    f = _real(name, v)
    if f <= 0:
        raise ValueError(f"{name} must be > 0, got {v!r}")
    return f


# ------------------------------------------------------------------------------------------------
# the oracle on PEPit points
# ------------------------------------------------------------------------------------------------
class PEPOracle:
    """The oracle protocol of :mod:`monoverify.solvers` on PEPit points.

    Parameters
    ----------
    F : ComonotoneLipschitzOperator
        The operator (a declared PEPit function).
    A : PEPit Function, optional
        ``ConvexIndicatorFunction`` (``A = N_C``) or ``ConvexFunction`` (``A = dg``); ``None``
        for ``A = 0``.
    """

    def __init__(self, F: Any, A: Any = None):
        self.op = F
        self.A = A
        self.T = F if A is None else F + A
        self.n_F = 0
        self.n_resolvent = 0

    def F(self, z: Any) -> Any:
        self.n_F += 1
        return self.op.gradient(z)

    def prox(self, z: Any, gamma: Any) -> Any:
        """``J_{gamma A}(z)``: identity when ``A = 0``, else a PEPit proximal step."""
        if self.A is None:
            return z
        x, _, _ = proximal_step(z, self.A, float(gamma))
        return x

    def resolvent(self, z: Any, gamma: Any) -> Any:
        """``J_{gamma (A + F)}(z)``: an implicit step, ``w = z - gamma g`` with a new leaf ``g in T w``."""
        self.n_resolvent += 1
        x, _, _ = proximal_step(z, self.T, float(gamma))
        return x

    def vdot(self, a: Any, b: Any) -> Any:
        raise PEPNotRepresentable(
            "this method needs per-instance inner products (oracle.vdot), e.g. an adaptive step size "
            "alpha_k = <.,.>/||.||^2; a PEP can only use step sizes fixed in advance, so it cannot be written as a PEP")

    ratio = vdot


# ------------------------------------------------------------------------------------------------
# result record and cache
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class PEPResult:
    """Outcome of :func:`worst_case`.

    Attributes
    ----------
    value : float or None
        Worst-case value of the metric for ``||z0 - z*||^2 <= 1`` (PEPit's dual value); ``None``
        when no value was obtained (``status`` says why).
    status : str
        ``optimal`` | ``inaccurate`` (solver flagged it, or primal/dual gap above tolerance; the
        value is given but must not be trusted) | ``unbounded`` (no finite worst case) |
        ``infeasible`` | ``failed`` (solver error; see ``message``).
    message : str
    solver : str
    wall_time : float
        Seconds to build and solve the PEP (of the original solve when ``cached``).
    n_iter : int
    inputs : dict
        Everything the result depends on (the cache key).
    primal_value : float or None
        The solver's primal value (a lower bound on the PEP optimum).
    gram : list or None
        Worst-case Gram matrix.
    iterates : list or None
        Coordinates of the worst-case outer iterates ``z_0, ..., z_N`` (rows), in the basis of
        the Gram factorisation.
    solution : list or None
        Coordinates of ``z*``.
    cached : bool
        Served from the disk cache.
    relaxation : bool
        True when the class has no known interpolation theorem (``L`` given, not bilinear):
        the value is an upper bound, possibly not tight.
    """

    value: float | None
    status: str
    message: str
    solver: str
    wall_time: float
    n_iter: int
    inputs: dict
    primal_value: float | None = None
    gram: list | None = None
    iterates: list | None = None
    solution: list | None = None
    cached: bool = False
    relaxation: bool = False

    @property
    def ok(self) -> bool:
        """``status == "optimal"``."""
        return self.status == "optimal"

    def __float__(self) -> float:
        if not self.ok or self.value is None:
            raise ValueError(f"no trustworthy PEP value: status {self.status!r} ({self.message})")
        return float(self.value)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PEPResult":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def __repr__(self) -> str:
        v = "None" if self.value is None else f"{self.value:.6g}"
        extra = ", relaxation" if self.relaxation else ""
        return (f"PEPResult(value={v}, status={self.status!r}, n_iter={self.n_iter}, solver={self.solver!r}, "
                f"wall_time={self.wall_time:.3g}s{', cached' if self.cached else ''}{extra})")


def cache_dir() -> Path:
    """Directory of the PEP cache: ``$MONOVERIFY_CACHE/pep`` or ``~/.cache/monoverify/pep``."""
    root = os.environ.get("MONOVERIFY_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "monoverify"
    return base / "pep"


def clear_cache(directory: str | os.PathLike | None = None) -> int:
    """Delete the cached PEP results; return how many files were removed."""
    d = Path(directory) if directory is not None else cache_dir()
    n = 0
    if d.is_dir():
        for p in d.glob("*.json"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n


_VERSIONS: dict | None = None


def _versions() -> dict:
    global _VERSIONS
    if _VERSIONS is None:
        import monoverify

        out = {"monoverify": getattr(monoverify, "__version__", "?"), "formulation": _FORMULATION}
        for pkg in ("pepit", "cvxpy", "clarabel", "scs"):
            try:
                out[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                out[pkg] = None
        _VERSIONS = out
    return _VERSIONS


def _key(inputs: Mapping[str, Any]) -> str:
    blob = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


def _cache_path(inputs: Mapping[str, Any], cache: Any) -> Path | None:
    if cache is False or cache is None:
        return None
    d = cache_dir() if cache is True else Path(cache)
    return d / f"{_key(inputs)}.json"


def _cache_read(path: Path | None, inputs: Mapping[str, Any]) -> PEPResult | None:
    if path is None or not path.is_file():
        return None
    try:
        d = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if json.loads(json.dumps(d.get("inputs"), default=str)) != json.loads(json.dumps(inputs, default=str)):
        return None  # hash collision or stale format
    r = PEPResult.from_dict(d)
    r.cached = True
    return r


def _cache_write(path: Path | None, result: PEPResult) -> None:
    if path is None or result.status == "failed":  # failures may be transient: never cached
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        d = result.to_dict()
        d["cached"] = False
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(d, fh)
        os.replace(tmp, path)
    except OSError:  # a read-only cache must not break a computation
        pass


# ------------------------------------------------------------------------------------------------
# worst_case
# ------------------------------------------------------------------------------------------------
_CONSTRAINTS = {
    None: None, "none": None, "whole": None,
    "indicator": "indicator", "convex": "indicator", "set": "indicator", "box": "indicator", "ball": "indicator",
    "simplex": "indicator",
    "convex-function": "convex-function", "function": "convex-function", "regularizer": "convex-function",
    "l1": "convex-function", "prox": "convex-function",
}


def _normalise_constraint(constraint: Any) -> str | None:
    if constraint is None or isinstance(constraint, str):
        key = constraint.lower() if isinstance(constraint, str) else None
        if key not in _CONSTRAINTS:
            raise ValueError(f"constraint must be None, one of {sorted(k for k in _CONSTRAINTS if k)} "
                             f"or a monoverify set, got {constraint!r}")
        return _CONSTRAINTS[key]
    name = type(constraint).__name__
    if name == "Whole":
        return None
    if name in ("Box", "Ball", "Simplex"):
        return "indicator"
    if name == "L1":
        return "convex-function"
    raise ValueError(f"constraint {constraint!r} is not a known set or regulariser")


def _scalar_hyper(method: Any) -> Any:
    from monoverify.solvers.base import Method

    if isinstance(method, str):
        raise TypeError(f"method must be a Method object; build it with monoverify.solvers.make({method!r}, ...)")
    if not isinstance(method, Method):
        raise TypeError(f"method must be a monoverify Method, got {method!r}")

    def conv(name: str, v: Any) -> float:
        if np.ndim(v) != 0:
            raise PEPNotRepresentable(
                f"hyper-parameter {name} has shape {np.shape(v)}: a PEP needs scalar hyper-parameters; "
                "solve one PEP per value (worst_case_many)")
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise PEPNotRepresentable(f"hyper-parameter {name}={v!r} is not a number") from None
        if not math.isfinite(f):
            raise PEPNotRepresentable(f"hyper-parameter {name}={v!r} is not finite")
        return f

    return method.map_hyper(conv)


def _inputs(method: Any, rho: Any, L: Any, n_iter: Any, metric: str, solver: str, constraint: Any,
            bilinear: bool, solver_options: Mapping[str, Any] | None = None) -> tuple[Any, dict]:
    m = _scalar_hyper(method)
    rho_f = _real("rho", rho)
    L_f = None if L is None else _positive("L", L)
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise ValueError(f"n_iter must be an integer >= 1, got {n_iter!r}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if not isinstance(solver, str) or not solver:
        raise ValueError(f"solver must be a CVXPY solver name such as 'CLARABEL' or 'SCS', got {solver!r}")
    if bilinear and rho_f > 0:
        raise ValueError(f"bilinear (skew-symmetric) maps are 0-comonotone: need rho <= 0, got rho={rho!r}")
    if solver_options is not None and not isinstance(solver_options, Mapping):
        raise ValueError(f"solver_options must be a dict of solver settings, got {solver_options!r}")
    inputs = {
        "method": f"{type(m).__module__}.{type(m).__qualname__}:{m!r}",
        "rho": rho_f,
        "L": L_f,
        "n_iter": int(n_iter),
        "metric": metric,
        "solver": solver.upper(),
        "constraint": _normalise_constraint(constraint),
        "bilinear": bool(bilinear),
        "solver_options": dict(sorted((solver_options or {}).items())),
        "versions": _versions(),
    }
    return m, inputs


_UNBOUNDED = ("unbounded", "unbounded_inaccurate")
_CLARABEL_RETRY = (1e-7, 1e-6)


def _run_solver(problem: Any, solver: str, options: Mapping[str, Any] | None, verbose: bool
                ) -> tuple[float | None, str | None, float | None, str | None, str]:
    """Solve a built PEP; return (dual value, CVXPY status, primal value, error, PEPit warnings)."""
    out = io.StringIO()
    value, err = None, None
    with contextlib.ExitStack() as stack:
        if not verbose:
            stack.enter_context(contextlib.redirect_stdout(out))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
        try:
            value = problem.solve(wrapper="cvxpy", solver=solver, verbose=int(bool(verbose)), **dict(options or {}))
        except Exception as exc:  # solver errors, PEPit post-processing of a failed solve
            err = f"{type(exc).__name__}: {exc}"
    prob = getattr(problem.wrapper, "prob", None)
    cstatus = getattr(prob, "status", None)
    primal = getattr(prob, "value", None)
    try:
        primal = None if primal is None else float(primal)
    except (TypeError, ValueError):
        primal = None
    printed = " ".join(line.strip() for line in out.getvalue().splitlines() if "Warning" in line or "issue" in line)
    return value, cstatus, primal, err, printed
_INFEASIBLE = ("infeasible", "infeasible_inaccurate")


def worst_case(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator", *,
               solver: str = "CLARABEL", constraint: Any = None, bilinear: bool = False,
               solver_options: Mapping[str, Any] | None = None, cache: bool | str | os.PathLike = True,
               verbose: bool = False) -> PEPResult:
    """Worst case of ``metric`` after ``n_iter`` steps of ``method`` over the operator class (SPEC §7).

    Parameters
    ----------
    method : monoverify.solvers.Method
        Any method (``make("eg+", gamma=.5, alpha=.5)``, ``Lookahead(...)``, a user subclass),
        run unchanged on PEPit points. Scalar hyper-parameters only.
    rho : float
        Comonotonicity parameter of ``F`` (SPEC §1.2 sign).
    L : float or None
        Lipschitz constant of ``F``; ``None`` for the set-valued maximally ``rho``-comonotone
        class (exact PEP, R35). With ``L`` the PEP is a relaxation (upper bound, SPEC §9.5).
    n_iter : int
        Number of outer iterations ``N >= 1``.
    metric : {"operator", "step", "distance"}
        ``||F z_N||^2`` (implicit steps: the leaf ``g_N in T z_N``; with a constraint the
        natural residual ``||z_N - J_A(z_N - F z_N)||^2``), ``||z_N - z_{N-1}||^2``,
        ``||z_N - z*||^2``; all for ``||z0 - z*||^2 <= 1``.
    solver : str
        CVXPY solver (``"CLARABEL"``, ``"SCS"``, ``"MOSEK"`` ...). When Clarabel (default
        settings) stops with an inaccurate solution it is retried with tolerances ``1e-7``, then
        ``1e-6`` (said in ``message``; still ``inaccurate`` if neither is met).
    constraint : None, str or monoverify set
        ``A`` of ``0 in A z + F z``. ``"box"``, ``"ball"``, ``"simplex"``, ``"convex"`` or a
        ``Box``/``Ball``/``Simplex`` object: ``A = N_C`` through PEPit's
        ``ConvexIndicatorFunction``, which models **every** closed convex set ``C`` (the worst
        case is over all of them, hence an upper bound for any particular set). ``"l1"``,
        ``"regularizer"`` or an ``L1`` object: ``A = dg`` for every closed proper convex ``g``
        (PEPit ``ConvexFunction``). ``z*`` is then a zero of ``A + F``.
    bilinear : bool
        Restrict ``F`` to skew-symmetric linear maps (bilinear games; exact interpolation).
    solver_options : dict, optional
        Keyword arguments for the solver (part of the cache key).
    cache : bool or path
        Use the disk cache (:func:`cache_dir`, or the given directory); ``False`` bypasses it.
        The key holds every input and the versions of monoverify, PEPit and the solvers.
    verbose : bool
        Let PEPit and the solver print.

    Returns
    -------
    PEPResult
        A solver failure, an inaccurate solve or an unbounded problem is a ``status``, never a
        bare number (``float(result)`` raises unless ``status == "optimal"``).

    Raises
    ------
    PEPNotRepresentable
        Array hyper-parameters, or a method whose steps are not fixed linear combinations of
        oracle answers (e.g. ``adaptive-ceg+``).

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> r = worst_case(make("pp", gamma=1.0), rho=0.0, L=None, n_iter=3, metric="step", cache=False)
    >>> round(r.value, 4), round((1 - 1/3) ** 2 / 3, 4)    # Gu & Yang: (1 - 1/N)^(N-1)/N
    (0.1481, 0.1481)
    """
    m, inputs = _inputs(method, rho, L, n_iter, metric, solver, constraint, bilinear, solver_options)
    path = _cache_path(inputs, cache)
    hit = _cache_read(path, inputs)
    if hit is not None:
        return hit
    result = _solve(m, inputs, verbose)
    _cache_write(path, result)
    return result


def _solve(m: Any, inputs: dict, verbose: bool) -> PEPResult:
    rho, L, N, metric = inputs["rho"], inputs["L"], inputs["n_iter"], inputs["metric"]
    solver, kind, bilinear = inputs["solver"], inputs["constraint"], inputs["bilinear"]
    relaxation = L is not None and not bilinear
    t0 = time.perf_counter()
    with _PEPIT_LOCK:
        problem = PEP()
        F = problem.declare_function(ComonotoneLipschitzOperator, rho=rho, L=L, bilinear=bilinear)
        A = None
        if kind == "indicator":
            A = problem.declare_function(ConvexIndicatorFunction)
        elif kind == "convex-function":
            A = problem.declare_function(ConvexFunction)
        oracle = PEPOracle(F, A)
        zs = oracle.T.stationary_point()
        z0 = problem.set_initial_point()
        problem.set_initial_condition((z0 - zs) ** 2 <= 1)
        traj: list = []
        try:
            state = m.init(z0, oracle)
            traj.append(state["z"])
            for _ in range(N):
                state = m.step(state, oracle)
                traj.append(state["z"])
            zN = traj[-1]
            if not isinstance(zN, Point):
                raise TypeError(f"the iterate is a {type(zN).__name__}, not a PEPit Point")
            if metric == "operator":
                if A is None:
                    perf = oracle.F(zN) ** 2
                else:
                    r = zN - oracle.prox(zN - oracle.F(zN), 1.0)
                    perf = r ** 2
            elif metric == "step":
                perf = (zN - traj[-2]) ** 2
            else:
                perf = (zN - zs) ** 2
        except PEPNotRepresentable as exc:
            raise PEPNotRepresentable(f"{inputs['method']}: {exc}") from None
        except (AssertionError, TypeError, AttributeError) as exc:
            raise PEPNotRepresentable(
                f"{inputs['method']} cannot run on PEPit points (it may only use +, -, multiplication by "
                f"scalar hyper-parameters, oracle.F, oracle.prox and oracle.resolvent): "
                f"{type(exc).__name__}: {exc}") from None
        problem.set_performance_metric(perf)

        value, cstatus, primal, err, printed = _run_solver(problem, solver, inputs["solver_options"], verbose)
        retried = ""
        if solver == "CLARABEL" and not inputs["solver_options"]:
            # Clarabel stalls ("AlmostSolved") just above its default 1e-8 tolerances on some PEPs
            # (e.g. with convex indicators): retry with tolerances 1e-7, then 1e-6, said in the message
            for tol in _CLARABEL_RETRY:
                if cstatus != "optimal_inaccurate":
                    break
                opts = {"tol_feas": tol, "tol_gap_abs": tol, "tol_gap_rel": tol}
                value, cstatus, primal, err, printed = _run_solver(problem, solver, opts, verbose)
                retried = f" (Clarabel tolerances {tol:g})"
        gram = iterates = sol = None
        if cstatus in _UNBOUNDED:
            status, val, msg = "unbounded", None, "the SDP is unbounded: no finite worst case for this class and method"
        elif cstatus in _INFEASIBLE:
            status, val, msg = "infeasible", None, "the SDP is infeasible"
        elif err is not None or value is None or cstatus not in ("optimal", "optimal_inaccurate"):
            status, val = "failed", None
            msg = f"solver status {cstatus!r}" + (f"; {err}" if err else "")
        else:
            val = float(value)
            gap = abs(val - primal) if primal is not None else math.inf
            if cstatus == "optimal_inaccurate":
                status, msg = "inaccurate", "the solver reports an inaccurate solution"
            elif not (gap <= 1e-4 * abs(primal) + 1e-7):
                status, msg = "inaccurate", f"primal/dual gap {gap:.3g} (primal {primal:.9g}, dual {val:.9g})"
            else:
                status, msg = "optimal", "optimal"
            msg += retried
            try:
                gram = np.asarray(problem.G_value, dtype=float).tolist()
                iterates = [np.asarray(z.eval(), dtype=float).tolist() for z in traj]
                sol = np.asarray(zs.eval(), dtype=float).tolist()
            except Exception:  # pragma: no cover - values are a bonus
                pass
        if printed:
            msg += f" [PEPit: {printed}]"
        if relaxation:
            msg += " (relaxation: rho-comonotone and L-Lipschitz have no known interpolation theorem; upper bound)"
    wall = time.perf_counter() - t0
    return PEPResult(value=val, status=status, message=msg, solver=solver, wall_time=wall, n_iter=N,
                     inputs=inputs, primal_value=primal, gram=gram, iterates=iterates, solution=sol,
                     relaxation=relaxation)


_WC_ARGS = ("method", "rho", "L", "n_iter", "metric")


def _job_kwargs(job: Any) -> dict:
    if isinstance(job, Mapping):
        return dict(job)
    if isinstance(job, (tuple, list)):
        if len(job) > len(_WC_ARGS):
            raise ValueError(f"a job tuple is (method, rho, L, n_iter[, metric]), got {len(job)} entries")
        return dict(zip(_WC_ARGS, job))
    raise TypeError(f"a job is a dict of worst_case arguments or a tuple (method, rho, L, n_iter[, metric]), got {job!r}")


def _worst_case_job(kwargs: dict) -> PEPResult:
    return worst_case(**kwargs)


def worst_case_many(jobs: Iterable[Any], executor: Executor | None = None) -> list[PEPResult]:
    """Solve many PEPs, in order, optionally through any ``concurrent.futures.Executor``.

    Parameters
    ----------
    jobs : iterable
        Each a dict of :func:`worst_case` keyword arguments or a tuple
        ``(method, rho, L, n_iter[, metric])``.
    executor : Executor, optional
        E.g. a ``ProcessPoolExecutor`` (parallel solves) or a Dask ``client.get_executor()``.
        Cached results are served without submitting. PEPit keeps global state, so a
        ``ThreadPoolExecutor`` works but solves one PEP at a time.

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> rs = worst_case_many([dict(method=make("pp", gamma=1.0), rho=0.0, L=None, n_iter=n, cache=False)
    ...                       for n in (1, 2)])
    >>> [round(r.value, 4) for r in rs]     # PP on monotone operators: ||g_N||^2 <= 1/N (Gu & Yang)
    [1.0, 0.25]
    """
    kws = [_job_kwargs(j) for j in jobs]
    if executor is None:
        return [worst_case(**k) for k in kws]
    out: list[PEPResult | None] = [None] * len(kws)
    futures = {}
    for i, k in enumerate(kws):
        if k.get("cache", True) is not False:
            try:
                kk = dict(k)
                _, inputs = _inputs(kk["method"], kk["rho"], kk["L"], kk["n_iter"], kk.get("metric", "operator"),
                                    kk.get("solver", "CLARABEL"), kk.get("constraint"), kk.get("bilinear", False),
                                    kk.get("solver_options"))
                hit = _cache_read(_cache_path(inputs, kk.get("cache", True)), inputs)
            except Exception:
                hit = None  # let the worker raise the error
            if hit is not None:
                out[i] = hit
                continue
        futures[i] = executor.submit(_worst_case_job, k)
    for i, f in futures.items():
        out[i] = f.result()
    return out  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------
# lower bounds from linear maps
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class LinearLowerBound:
    """Outcome of :func:`linear_lower_bound`.

    Attributes
    ----------
    value : float
        ``max`` of the metric over the rotation-scaling blocks of the grid, each from a unit
        start (``||z0 - z*|| = 1``): a valid lower bound on the class worst case.
    rho_j, L_j : float
        Constants of the maximising block (eigenvalues ``rho_j L_j^2 +- i L_j sqrt(1 - rho_j^2 L_j^2)``).
    direction_spread : float
        Largest relative difference of a block's metric across the start directions tried
        (0 up to rounding: the metric of a rotation-scaling block does not depend on the
        direction of ``z0``).
    n_blocks : int
        Number of blocks evaluated.
    wall_time : float
    """

    value: float
    rho_j: float
    L_j: float
    direction_spread: float
    n_blocks: int
    wall_time: float
    metric: str
    n_iter: int

    def __float__(self) -> float:
        return float(self.value)


def _block_metric(method: Any, ls: np.ndarray, ss: np.ndarray, n_iter: int, metric: str,
                  dirs: np.ndarray) -> np.ndarray:
    """Metric of each block (L_j, s_j = rho_j L_j) for each start direction: shape (n_dirs, n_blocks)."""
    from scipy.linalg import block_diag

    from monoverify.operators.base import Constant, Constants
    from monoverify.operators.linear import LinearOperator
    from monoverify.solvers import run

    b = ss * ls  # s = rho_j L_j, b = rho_j L_j^2
    a = ls * np.sqrt(np.clip(1.0 - ss ** 2, 0.0, None))
    blocks = [np.array([[bj, aj], [-aj, bj]]) for bj, aj in zip(b, a)]
    M = block_diag(*blocks)
    nb = len(blocks)
    consts = Constants(L=Constant(float(np.max(ls)), "exact", "rotation-scaling blocks (SPEC §2.1)"),
                       rho=Constant(float(np.min(ss / np.where(ls > 0, ls, 1.0))) if np.any(ls > 0) else 0.0,
                                    "bound", "min_j rho_j of the blocks (SPEC §2.1)"))
    op = LinearOperator(M, constants=consts, name="rotation-scaling blocks", solution=np.zeros(2 * nb))
    z0 = np.concatenate([np.tile(d, nb)[None, :] for d in dirs], axis=0)  # (n_dirs, 2 nb), unit per block
    try:
        zN = np.asarray(run(method, op, z0, iters=n_iter, diverge_at=1e300, record=False).z)
        zp = z0 if n_iter == 1 else np.asarray(run(method, op, z0, iters=n_iter - 1, diverge_at=1e300,
                                                   record=False).z) if metric == "step" else None
    except np.linalg.LinAlgError:
        # a singular resolvent (gamma mu = -1): the method is undefined on a member of the class
        return np.full((len(dirs), nb), np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        v = op.F(zN) if metric == "operator" else (zN - zp if metric == "step" else zN)
        vals = np.sum(v.reshape(len(dirs), nb, 2) ** 2, axis=-1)
    return np.where(np.isfinite(vals), vals, np.inf)


def linear_lower_bound(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator",
                       n_grid: int = 40, *, refine: int = 2, n_directions: int = 3, bilinear: bool = False,
                       L_range: tuple[float, float] = (1e-3, 1e3), max_dim: int = 64) -> LinearLowerBound:
    """Lower bound on the class worst case from 2x2 rotation-scaling maps (SPEC §2.1, §7).

    Sup over blocks ``[[b, a], [-a, b]]`` with ``rho_j >= rho`` and ``L_j <= L`` (a grid over
    ``(L_j, rho_j L_j)``, then ``refine`` zoomed grids around the best cell; the zero map is
    included) of the metric after ``n_iter`` steps from a unit start, computed by running the
    method with :func:`monoverify.solvers.run` on block-diagonal :class:`LinearOperator`
    instances (many blocks per run). Every block is a member of the class (exact constants), so
    the value is a valid **lower** bound on the worst case; it also equals the sup over all
    normal linear maps of the class, up to the grid. For a rotation-scaling block every
    iterate is a rotation-scaling of ``z0`` (the algebra of such matrices is that of complex
    numbers), so the metric does not depend on the direction of ``z0``; ``n_directions``
    directions are run anyway and their spread is reported.

    Parameters
    ----------
    method : Method
        Scalar hyper-parameters; unconstrained (``A = 0``).
    rho, L : float
        Class constants; ``L=None`` uses log-spaced ``L_j`` in ``L_range``.
    n_iter : int
    metric : {"operator", "step", "distance"}
    n_grid : int
        Grid points per axis (and per refinement).
    bilinear : bool
        Pure rotations only (``rho_j = 0``): skew-symmetric maps.

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> lb = linear_lower_bound(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 2)
    >>> round(lb.value, 6)              # F = L id attains L^2 (SPEC R34)
    1.0
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise ValueError(f"n_iter must be an integer >= 1, got {n_iter!r}")
    if not isinstance(n_grid, (int, np.integer)) or n_grid < 2:
        raise ValueError(f"n_grid must be an integer >= 2, got {n_grid!r}")
    m = _scalar_hyper(method)
    rho = _real("rho", rho)
    L = None if L is None else _positive("L", L)
    if bilinear and rho > 0:
        raise ValueError(f"bilinear maps are 0-comonotone: need rho <= 0, got rho={rho!r}")
    t0 = time.perf_counter()
    th = np.linspace(0.0, np.pi, n_directions, endpoint=False) + 0.3
    dirs = np.stack([np.cos(th), np.sin(th)], axis=1)
    log_axis = L is None
    lo_t, hi_t = (math.log(L_range[0]), math.log(L_range[1])) if log_axis else (0.0, L)

    def s_bounds(l: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if bilinear:
            return np.zeros_like(l), np.zeros_like(l)
        return np.maximum(rho * l, -1.0), np.ones_like(l)

    def evaluate(ls: np.ndarray, ss: np.ndarray) -> tuple[np.ndarray, float]:
        per = max(1, max_dim // 2)
        vals, spread = [], 0.0
        for k in range(0, len(ls), per):
            v = _block_metric(m, ls[k:k + per], ss[k:k + per], n_iter, metric, dirs)
            top = np.max(v, axis=0)
            ok = np.isfinite(top) & (top > 1e-300)
            if np.any(ok):
                spread = max(spread, float(np.max((top[ok] - np.min(v, axis=0)[ok]) / top[ok])))
            vals.append(top)
        return np.concatenate(vals), spread

    best_val, best = -math.inf, (0.0, 0.0)
    # the zero map: F = 0 is in every class
    v0, spread = evaluate(np.array([0.0]), np.array([0.0]))
    best_val, n_blocks = float(v0[0]), 1
    t_lo, t_hi = lo_t, hi_t
    frac_lo, frac_hi = 0.0, 1.0  # position of s within [s_min(L_j), s_max(L_j)]
    for level in range(refine + 1):
        ts = np.linspace(t_lo, t_hi, n_grid)
        if not log_axis and level == 0:
            ts = ts[1:] if ts[0] <= 0 else ts  # L_j = 0 is the zero map, done
        ls_axis = np.exp(ts) if log_axis else ts
        fr = np.linspace(frac_lo, frac_hi, n_grid)
        Lg, Fg = np.meshgrid(ls_axis, fr, indexing="ij")
        smin, smax = s_bounds(Lg)
        Sg = smin + Fg * (smax - smin)
        ls, ss = Lg.ravel(), Sg.ravel()
        vals, sp_ = evaluate(ls, ss)
        spread = max(spread, sp_)
        n_blocks += len(ls)
        i = int(np.argmax(vals))
        if vals[i] > best_val:
            best_val, best = float(vals[i]), (float(ss[i] / ls[i]) if ls[i] > 0 else 0.0, float(ls[i]))
        # zoom around the best cell of this level
        it, jf = np.unravel_index(i, Lg.shape)
        dt = (ts[-1] - ts[0]) / max(len(ts) - 1, 1)
        df = (fr[-1] - fr[0]) / max(len(fr) - 1, 1)
        t_lo, t_hi = max(lo_t, ts[it] - 2 * dt), min(hi_t, ts[it] + 2 * dt)
        if not log_axis:
            t_lo = max(t_lo, 1e-12 * hi_t)
        frac_lo, frac_hi = max(0.0, fr[jf] - 2 * df), min(1.0, fr[jf] + 2 * df)
    return LinearLowerBound(value=best_val, rho_j=best[0], L_j=best[1], direction_spread=spread, n_blocks=n_blocks,
                            wall_time=time.perf_counter() - t0, metric=metric, n_iter=int(n_iter))


# ------------------------------------------------------------------------------------------------
# sandwich
# ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Sandwich:
    """``lower <= pep <= bound`` with the tolerances of SPEC §7.

    Attributes
    ----------
    lower : LinearLowerBound
    pep : PEPResult
    bound : float or None
        A theoretical upper bound (e.g. SPEC R5), if given.
    lower_inversion : bool
        ``lower > pep (1 + 1e-3)``: the PEP value is below a value attained in the class.
    upper_inversion : bool
        ``pep > bound (1 + 1e-3)``: the PEP exceeds the claimed bound (for an exact PEP, the
        bound is false; for a relaxation, the bound is not certified).
    ok : bool
        PEP solved (``optimal``) and no inversion.
    message : str
    """

    lower: LinearLowerBound
    pep: PEPResult
    bound: float | None
    lower_inversion: bool
    upper_inversion: bool
    ok: bool
    message: str


def sandwich(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator",
             bound: float | None = None, *, n_grid: int = 40, tol: float = TOL, **pep_kwargs: Any) -> Sandwich:
    """Compute ``linear_lower_bound <= worst_case <= bound`` and flag any inversion.

    Tolerances of SPEC §7: upper ``pep <= bound (1 + tol)``; lower ``lower <= pep (1 + tol)``.
    ``pep_kwargs`` go to :func:`worst_case` (``solver``, ``cache``, ``bilinear`` ...).

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> s = sandwich(make("pp", gamma=1.0), -0.2, None, 2, bound=1 / (1.0 * (1.0 - 0.4) * 2), cache=False)
    >>> s.ok, s.lower.value <= s.pep.value <= s.bound
    (True, True)
    """
    pep = worst_case(method, rho, L, n_iter, metric, **pep_kwargs)
    lower = linear_lower_bound(method, rho, L, n_iter, metric, n_grid=n_grid,
                               bilinear=bool(pep_kwargs.get("bilinear", False)))
    if not pep.ok or pep.value is None:
        return Sandwich(lower, pep, bound, False, False, False, f"PEP not solved: {pep.status} ({pep.message})")
    lo_inv = lower.value > pep.value * (1 + tol)
    up_inv = bound is not None and pep.value > float(bound) * (1 + tol)
    msgs = []
    if lo_inv:
        msgs.append(f"lower bound {lower.value:.6g} exceeds the PEP value {pep.value:.6g}")
    if up_inv:
        msgs.append(f"PEP value {pep.value:.6g} exceeds the bound {float(bound):.6g}")
    return Sandwich(lower, pep, None if bound is None else float(bound), lo_inv, up_inv, not (lo_inv or up_inv),
                    "; ".join(msgs) or "lower <= pep <= bound")
