"""The exact PEP data of a claim: points, class inequalities, metric and initial condition.

Every matrix is built by :mod:`monoverify.theory.prove.checker` (one definition of each
inequality), from the points that :func:`~monoverify.theory.prove.symbolic.trace` records.

Metrics (each a squared norm ``||u||^2`` of one vector ``u`` over the basis) are those of
:mod:`monoverify.theory.metrics`, evaluated on the exact points (one definition of each metric for
runs, PEPs and proofs); the short names are the historical PEP aliases:

* ``operator`` = ``operator_sq``: ``||F z_k||^2`` (for implicit steps the leaf ``g in T z_k``);
* ``step`` = ``step_sq``: ``||z_k - z_{k-1}||^2``;
* ``distance`` = ``distance_sq``: ``||z_k - z*||^2``;
* ``resolvent`` = ``resolvent_residual_sq``: ``||z_k - J_{gamma T} z_k||^2 = gamma^2 ||g||^2``;
* ``fixed_point_residual_sq``: ``||S z_k - z_k||^2``, ``S = base^tau`` of a Lookahead method.

``iterate="last"`` bounds the metric at ``k = n``; ``"best"`` bounds ``min_{k<n}`` (``1 <= k <= n``
for ``step``).

>>> from fractions import Fraction as Q
>>> from monoverify.solvers import make
>>> p = build(make("pp", gamma=Q(1)), rho=Q(0), L=None, n=1, metric="operator")
>>> p.metric_names, [q.label for q in p.inequalities]
(['||T(z1)||^2'], ['comonotone(z*, z1)'])
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

from . import checker
from .symbolic import ExactOracle, NotRepresentable, Trace, Vec, exact, trace

__all__ = ["METRICS", "ITERATES", "Inequality", "ExactPEP", "build"]

#: accepted metric names -> the name in :data:`monoverify.theory.metrics.METRICS`
UNIFIED = {"operator": "operator_sq", "step": "step_sq", "distance": "distance_sq",
           "resolvent": "resolvent_residual_sq", "operator_sq": "operator_sq", "step_sq": "step_sq",
           "distance_sq": "distance_sq", "resolvent_residual_sq": "resolvent_residual_sq",
           "fixed_point_residual_sq": "fixed_point_residual_sq"}
METRICS = tuple(UNIFIED)
ITERATES = ("last", "best")


@dataclasses.dataclass
class Inequality:
    kind: str
    i: int
    j: int
    label: str
    matrix: list


@dataclasses.dataclass
class ExactPEP:
    """Exact data: ``<A_l, G> >= 0`` for every inequality; maximise ``min_k <u_k u_k^T, G>``
    subject to ``<e0 e0^T, G> <= 1``."""

    trace: Trace
    rho: Fraction
    L: Fraction | None
    n: int
    metric: str
    iterate: str
    metric_vectors: list
    metric_names: list
    inequalities: list

    @property
    def dim(self) -> int:
        return self.trace.dim

    @property
    def initial(self) -> list:
        return Vec.unit(0).padded(self.dim)

    def vec(self, v: Vec) -> list:
        return v.padded(self.dim)


def _gamma(method: Any) -> Fraction:
    """The method's step ``gamma`` as an exact rational (the potential search of ``lyapunov`` needs it)."""
    for k, v in method.hyper().items():
        if k.split(".")[-1] == "gamma":
            return exact("gamma", v)
    raise ValueError(f"metric 'resolvent' needs a method with a step gamma; {method!r} has none")


def _metric_vector(o: ExactOracle, iterates: list, metric: str, k: int, method: Any) -> tuple[Vec, str]:
    """The residual vector of ``metric`` at iterate ``k`` (from the shared metric table) and its name."""
    from monoverify.theory import metrics as MT

    name = UNIFIED[metric]
    z = iterates[k]
    at = MT.At(z=z, oracle=o, method=method, prev=iterates[k - 1] if k >= 1 else None, zstar=Vec())
    u = MT.vector(name, at)
    if name == "operator_sq":
        g = o.F(z)
        p = o.lookup(z)
        return u, f"||{o.leaf_names[len(g.c) - 1]}||^2" if g.c else f"||F({p.name})||^2"
    label = {"step_sq": f"||z{k} - z{k - 1}||^2", "distance_sq": f"||z{k} - z*||^2",
             "resolvent_residual_sq": f"||z{k} - J(z{k})||^2",
             "fixed_point_residual_sq": f"||S(z{k}) - z{k}||^2"}[name]
    return u, label


def class_inequalities(points: list, d: int, rho: Fraction, L: Fraction | None) -> list:
    """Every non-trivial class inequality on pairs of ``points``: ``(kind, i, j, label, matrix)``.

    ``kind``: ``comonotone`` (always) and ``lipschitz`` (when ``L`` is given); the matrices are
    built by :func:`monoverify.theory.prove.checker.inequality_matrix` (one definition).
    """
    pts = [(p.x.padded(d), p.g.padded(d)) for p in points]
    kinds = ["comonotone"] + (["lipschitz"] if L is not None else [])
    out = []
    for i in range(len(pts)):
        for j in range(i + 1, len(pts)):
            for kind in kinds:
                A = checker.inequality_matrix(kind, *pts[i], *pts[j], rho, L)
                if any(v for row in A for v in row):
                    out.append((kind, i, j, f"{kind}({points[i].name}, {points[j].name})", A))
    return out


def build(method: Any, rho: Any, L: Any, n: int, metric: str = "operator", iterate: str = "last") -> ExactPEP:
    """Trace ``method`` exactly and collect the PEP data of the claim (see the module docstring).

    Raises
    ------
    ValueError
        Bad ``n``, ``metric``, ``iterate``, ``rho`` or ``L`` (the message names the parameter).
    NotRepresentable
        The method cannot be written as a PEP on exact points.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got n={n!r}")
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got metric={metric!r}")
    if iterate not in ITERATES:
        raise ValueError(f"iterate must be one of {ITERATES}, got iterate={iterate!r}")
    rho_q = exact("rho", rho)
    L_q = None if L is None else exact("L", L)
    if L_q is not None and L_q <= 0:
        raise ValueError(f"L must be > 0 (or None for the set-valued class), got L={L}")
    if L_q is not None and rho_q * L_q < -1:
        raise ValueError(f"rho L must be >= -1 for a nonempty rho-comonotone L-Lipschitz class, got {rho_q * L_q}")
    ks = [n] if iterate == "last" else (list(range(1, n + 1)) if UNIFIED[metric] == "step_sq" else list(range(n)))
    steps = max(ks)
    o = ExactOracle()
    tr = trace(method, steps, o)
    vecs, names = [], []
    for k in ks:
        u, name = _metric_vector(o, tr.iterates, metric, k, method)
        vecs.append(u)
        names.append(name)
    tr = Trace(basis=list(o.leaf_names), points=o.points, iterates=tr.iterates, oracle=o)
    d = tr.dim
    ineqs = [Inequality(*q) for q in class_inequalities(tr.points, d, rho_q, L_q)]
    if not ineqs and UNIFIED[metric] != "distance_sq":
        raise NotRepresentable("the method evaluates no operator values: nothing to certify")
    return ExactPEP(trace=tr, rho=rho_q, L=L_q, n=n, metric=metric, iterate=iterate,
                    metric_vectors=[u.padded(d) for u in vecs], metric_names=names, inequalities=ineqs)
