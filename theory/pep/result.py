"""Result records of the PEP package: :class:`PEPResult`, :class:`LinearLowerBound`, :class:`Sandwich`."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping

from monoverify.result import Result

__all__ = ["PEPResult", "LinearLowerBound", "Sandwich"]


@dataclasses.dataclass
class PEPResult(Result):
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
    points : list or None
        The worst case's evaluations of ``F``: pairs ``[x_i, g_i]`` (coordinates, same basis as
        ``iterates``) with ``g_i = F x_i`` (or ``g_i in T x_i`` for implicit steps), the stationary
        pair ``(z*, 0)`` included; what :mod:`monoverify.theory.judge.pepfit` fits a linear map to.
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
    points: list | None = None

    @property
    def success(self) -> bool:
        """``status == "optimal"``: the value is a trustworthy worst case."""
        return self.status == "optimal"

    @property
    def ok(self) -> bool:
        """``status == "optimal"`` (alias of :attr:`success`)."""
        return self.success

    def __float__(self) -> float:
        if not self.ok or self.value is None:
            raise ValueError(f"no trustworthy PEP value: status {self.status!r} ({self.message})")
        return float(self.value)

    def __repr__(self) -> str:
        v = "None" if self.value is None else f"{self.value:.6g}"
        extra = ", relaxation" if self.relaxation else ""
        return (f"PEPResult(value={v}, status={self.status!r}, n_iter={self.n_iter}, solver={self.solver!r}, "
                f"wall_time={self.wall_time:.3g}s{', cached' if self.cached else ''}{extra})")


@dataclasses.dataclass
class LinearLowerBound(Result):
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

    @property
    def status(self) -> str:
        """``computed`` (finite value) or ``unbounded`` (a block of the class blows the metric up)."""
        return "computed" if math.isfinite(self.value) else "unbounded"

    @property
    def message(self) -> str:
        return (f"sup of the {self.metric} metric after {self.n_iter} step(s) over {self.n_blocks} rotation-scaling "
                f"blocks: {self.value:.6g} (rho_j={self.rho_j:.4g}, L_j={self.L_j:.4g})")

    @property
    def success(self) -> bool:
        """A valid lower bound was computed (always, unless the metric is unbounded on the class)."""
        return self.status == "computed"


@dataclasses.dataclass
class Sandwich(Result):
    """``lower <= pep <= bound`` with the tolerances of §7.

    Attributes
    ----------
    lower : LinearLowerBound
    pep : PEPResult
    bound : float or None
        A theoretical upper bound (e.g. R5), if given.
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


    @property
    def status(self) -> str:
        """``ok`` | ``inversion`` (lower > pep or pep > bound) | ``unsolved`` (the PEP has no trustworthy value)."""
        if not self.pep.success:
            return "unsolved"
        return "ok" if self.ok else "inversion"

    @property
    def success(self) -> bool:
        """PEP solved and no inversion (same as :attr:`ok`)."""
        return bool(self.ok)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Sandwich":
        d = dict(d)
        d["lower"] = LinearLowerBound.from_dict(d["lower"])
        d["pep"] = PEPResult.from_dict(d["pep"])
        return super().from_dict(d)
