"""The operator class of the PEPs: rho-comonotone (and L-Lipschitz) operators, constraints as data."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, ClassVar


from monoverify.errors import InvalidValue
from .common import _positive, _real

__all__ = ["PairwiseConstraint", "ComonotoneLipschitzOperator", "StronglyMonotoneLipschitzOperator", "OperatorClass",
           "refined_cost"]


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


def _strongly_monotone(op, xi, gi, xj, gj):
    return (gi - gj) * (xi - xj) - op.mu * (xi - xj) ** 2


try:  # PEPit is a dependency; keep the module importable for documentation tools without it
    from PEPit import Function
    from PEPit.operators import SkewSymmetricLinearOperator
except ImportError:  # pragma: no cover
    Function = object  # type: ignore[assignment,misc]


class ComonotoneLipschitzOperator(Function):  # type: ignore[misc,valid-type]
    """PEPit class of ``rho``-comonotone (and, when ``L`` is given, ``L``-Lipschitz) operators.

    The class constraints are data (:attr:`PAIRWISE`), imposed on every pair of evaluated
    points, the stationary point ``(z*, 0)`` included (§7, convention of §1.2):

    * ``comonotone``: ``<g_i - g_j, x_i - x_j> - rho ||g_i - g_j||^2 >= 0``;
    * ``lipschitz`` (``L`` given): ``L^2 ||x_i - x_j||^2 - ||g_i - g_j||^2 >= 0``;
    * ``skew`` (``bilinear=True``, all ``i, j`` including ``i = j``):
      ``<x_i, g_j> + <x_j, g_i> = 0`` — skew-symmetric linear maps (bilinear games), with the
      exact norm condition ``G^T G <= L^2 X^T X`` as an LMI when ``L`` is given (Bousselmi,
      Hendrickx, Glineur 2023, Cor. 3.2): imposed by PEPit's own ``SkewSymmetricLinearOperator``.

    With ``L=None`` the class is the set-valued maximally ``rho``-comonotone class and the
    pairwise condition interpolates it (R35): PEPs are exact. With both constraints no
    interpolation theorem is known (§9.5): PEP values are valid upper bounds, possibly
    not tight. ``reuse_gradient`` is always True: one oracle answer per point.

    Parameters
    ----------
    rho : float
        Comonotonicity parameter (§1.2 sign; ``rho < 0`` is ``|rho|``-cohypomonotone).
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
            raise InvalidValue(f"skew-symmetric linear maps are 0-comonotone, not rho-cocoercive: need rho <= 0, got rho={rho!r}")

    def active_constraints(self) -> list[PairwiseConstraint]:
        """The families of :attr:`PAIRWISE` imposed on this operator."""
        return [c for c in self.PAIRWISE if c.active(self)]

    def add_class_constraints(self) -> None:
        if self.bilinear:  # PEPit's own class of skew-symmetric linear maps
            self._add_skew_constraints()
            return
        for c in self.active_constraints():
            def make(c=c):
                if c.sense == "eq":
                    return lambda xi, gi, fi, xj, gj, fj: c.expression(self, xi, gi, xj, gj) == 0
                return lambda xi, gi, fi, xj, gj, fj: c.expression(self, xi, gi, xj, gj) >= 0
            self.add_constraints_from_two_lists_of_points(self.list_of_points, self.list_of_points, c.name, make(),
                                                          symmetry=True)

    def _add_skew_constraints(self) -> None:
        """PEPit's ``SkewSymmetricLinearOperator`` (interpolation of skew-symmetric maps of norm <= L, Bousselmi,
        Hendrickx, Glineur 2023, Cor. 3.2); without ``L`` only its linearity constraints (no norm LMI)."""
        S = SkewSymmetricLinearOperator
        if self.L is not None:  # PEPit's method reads its two constraint builders from self
            self.set_antisymmetric_linear_constraint_i_j = S.set_antisymmetric_linear_constraint_i_j
            self.set_diagonal_linear_constraint_i = S.set_diagonal_linear_constraint_i
            S.add_class_constraints(self)
            return
        self.add_constraints_from_two_lists_of_points(self.list_of_points, self.list_of_points,
                                                      "antisymmetric_linearity", S.set_antisymmetric_linear_constraint_i_j,
                                                      symmetry=True)
        self.add_constraints_from_one_list_of_points(self.list_of_points, "diagonal_linearity",
                                                     S.set_diagonal_linear_constraint_i)


class StronglyMonotoneLipschitzOperator(ComonotoneLipschitzOperator):
    """:class:`ComonotoneLipschitzOperator` with strong monotonicity, or PEPit's refined class (issue 25).

    Adds the pairwise family

    * ``strongly_monotone`` (``mu`` given): ``<g_i - g_j, x_i - x_j> - mu ||x_i - x_j||^2 >= 0`` (alone,
      with ``L=None`` and ``rho <= 0``: the set-valued maximally ``mu``-strongly monotone class,
      interpolable: ``T - mu I`` is maximally monotone).

    With ``refined=True`` the pairwise families give way to PEPit's refined description of
    ``L``-Lipschitz ``mu``-strongly monotone operators (``LipschitzStronglyMonotoneOperatorExpensive``,
    Rubbens, Hendrickx and Taylor 2025, Prop. 3.15: two 7x7 LMIs per triple of points; tighter than
    the pairwise constraints, still a relaxation). It needs ``L`` and a ``rho`` the class implies
    (``rho <= mu/L^2``, ``mu = 0`` when not given), so ``comonotone`` is dropped. Its cost:
    :func:`refined_cost`.

    >>> from PEPit import PEP
    >>> F = PEP().declare_function(StronglyMonotoneLipschitzOperator, rho=0.0, L=1.0, mu=0.1)
    >>> [c.name for c in F.active_constraints()]
    ['comonotone', 'lipschitz', 'strongly_monotone']
    """

    PAIRWISE: ClassVar[tuple[PairwiseConstraint, ...]] = ComonotoneLipschitzOperator.PAIRWISE + (
        PairwiseConstraint("strongly_monotone", "<g_i - g_j, x_i - x_j> - mu ||x_i - x_j||^2 >= 0",
                           _strongly_monotone, lambda op: op.mu is not None and not op.bilinear),
    )

    def __init__(self, rho: float, L: float | None = None, bilinear: bool = False, is_leaf: bool = True,
                 decomposition_dict: dict | None = None, reuse_gradient: bool = True, name: str | None = None,
                 mu: float | None = None, refined: bool = False):
        super().__init__(rho, L, bilinear, is_leaf=is_leaf, decomposition_dict=decomposition_dict, name=name)
        self.mu = None if mu is None else _real("mu", mu)
        self.refined = bool(refined)
        if self.mu is not None and self.L is not None and self.mu > self.L:
            raise InvalidValue(f"mu must satisfy mu <= L (a mu-strongly monotone map has ||F|| >= mu), got mu={mu!r}, L={L!r}")
        if self.refined:
            if self.L is None or self.bilinear:
                raise InvalidValue("refined=True is PEPit's refined class of L-Lipschitz (strongly) monotone operators: "
                                   "it needs L (and bilinear=False)")
            m = 0.0 if self.mu is None else self.mu
            if m < 0 or self.rho > m / self.L ** 2 + 1e-15:
                raise InvalidValue(f"refined=True describes L-Lipschitz mu-strongly monotone maps (mu >= 0), which are "
                                   f"rho-comonotone for rho <= mu/L^2 = {m / self.L ** 2:g}; got rho={rho!r}, mu={mu!r}")

    def active_constraints(self) -> list[PairwiseConstraint]:
        """The pairwise families imposed (none with ``refined``: PEPit's LMIs replace them)."""
        return [] if self.refined else super().active_constraints()

    def add_class_constraints(self) -> None:
        if not self.refined:
            super().add_class_constraints()
            return
        from PEPit.operators import LipschitzStronglyMonotoneOperatorExpensive as R

        # PEPit's method reads L, mu and its LMI builder from self
        self.get_psd_constraint_i_j_k = lambda *a, **k: R.get_psd_constraint_i_j_k(self, *a, **k)
        saved_mu = self.mu
        self.mu = 0.0 if saved_mu is None else saved_mu
        try:
            R.add_class_constraints(self)
        finally:
            self.mu = saved_mu


@dataclasses.dataclass(frozen=True)
class OperatorClass:
    """The class of one operator (or one summand of a sum) in a PEP, as data (hashable, part of cache keys).

    ``rho``-comonotone, optionally ``L``-Lipschitz, ``mu``-strongly monotone, skew-symmetric linear
    (``bilinear``), or PEPit's ``refined`` Lipschitz strongly monotone class (see
    :class:`ComonotoneLipschitzOperator`). Examples of the classes of issue 25:

    * nonexpansive ``T`` as ``F = I - T``: ``OperatorClass(rho=0.5)`` (interpolable);
    * ``beta``-cocoercive: ``OperatorClass(rho=beta)``; maximally monotone: ``OperatorClass(rho=0)``;
    * ``mu``-strongly monotone (set-valued): ``OperatorClass(rho=0, mu=mu)``;
    * ``L``-Lipschitz monotone, refined: ``OperatorClass(rho=0, L=L, refined=True)``.

    >>> OperatorClass(rho=0, mu=0.1).describe()
    'mu=0.1 strongly monotone (maximal, set-valued)'
    """

    rho: float = 0.0
    L: float | None = None
    mu: float | None = None
    bilinear: bool = False
    refined: bool = False

    def declare(self, problem: Any) -> Any:
        """Declare this class's function in the PEPit ``problem``."""
        if self.mu is None and not self.refined:
            return problem.declare_function(ComonotoneLipschitzOperator, rho=self.rho, L=self.L, bilinear=self.bilinear)
        return problem.declare_function(StronglyMonotoneLipschitzOperator, rho=self.rho, L=self.L,
                                        bilinear=self.bilinear, mu=self.mu, refined=self.refined)

    @property
    def relaxation(self) -> bool:
        """No interpolation theorem is known (both a Lipschitz constant and a monotonicity-type constraint)."""
        return self.L is not None and not self.bilinear

    def key(self) -> dict:
        return {"rho": float(self.rho), "L": None if self.L is None else float(self.L),
                "mu": None if self.mu is None else float(self.mu), "bilinear": bool(self.bilinear),
                "refined": bool(self.refined)}

    def describe(self) -> str:
        if self.bilinear:
            return "skew-symmetric linear" + ("" if self.L is None else f", ||M|| <= {self.L:g}")
        parts = []
        if self.mu is not None:
            parts.append(f"mu={self.mu:g} strongly monotone")
        if self.rho != 0 or self.mu is None:
            parts.append(f"rho={self.rho:g} comonotone")
        if self.L is not None:
            parts.append(f"L={self.L:g} Lipschitz")
        if self.refined:
            parts.append("refined (PEPit LipschitzStronglyMonotoneOperatorExpensive)")
        return ", ".join(parts) + ("" if self.L is not None else " (maximal, set-valued)")


def refined_cost(n_points: int) -> dict:
    """Size of the refined class's description on ``n_points`` evaluated points (the stationary point
    included): PEPit imposes two 7x7 LMIs on every ordered triple ``(i, j, k)`` that is not one point
    three times, ``2 (n^3 - n)`` in all, against ``n (n - 1)`` pairwise inequalities of the plain class.

    >>> refined_cost(4)
    {'lmis_7x7': 120, 'pairwise_plain': 12}
    """
    n = int(n_points)
    return {"lmis_7x7": 2 * (n ** 3 - n), "pairwise_plain": n * (n - 1)}
