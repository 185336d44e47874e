"""The result of :func:`estimate_constants`: one-sided bounds with the witness points that attain them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from monoverify.result import Result

from .quantities import _lip_quotient, jacobian_norm, pair_quotient, weak_mvi_ratio

__all__ = ["ConstantsEstimate"]


@dataclass(frozen=True)
class ConstantsEstimate(Result):
    """Result of :func:`estimate_constants`: one-sided bounds with the points that attain them.

    Each bound is the value of its quantity at the witness, computed in float64
    (``*_attained``), moved by a first-order bound on that computation's rounding error towards
    the safe side (``L = L_attained - margin``, ``rho = rho_attained + margin``). The margins are
    ~1e-14 relative for well-separated witnesses and grow like ``1/||q - p||`` for close pairs
    (~1e-8 on PolarGame, whose pairwise infimum is approached by shrinking pairs).

    Attributes
    ----------
    L : float
        Lower bound on the Lipschitz constant of ``F`` on ``region``.
    L_attained : float
        ``||dF(z)||_2`` at the witness point (``L_method == "jacobian"``, ``L_witness`` of shape
        ``(1, dim)``) or ``||Fq - Fp||/||q - p||`` at the witness pair (``"difference-quotient"``,
        shape ``(2, dim)``).
    L_witness : numpy.ndarray
    L_method : str
    rho : float
        Upper bound on the comonotonicity constant ``inf <dF, dz>/||dF||^2`` over pairs of
        ``region``.
    rho_attained : float
        The quotient of the witness pair ``rho_witness`` (shape ``(2, dim)``, rows ``p``, ``q``).
    rho_witness : numpy.ndarray
    rho_local : float or None
        Smallest Jacobian local quotient ``lambda_min(sym(dF(z)^{-1}))`` found: the limit of the
        quotients of pairs shrinking onto ``z`` (informational; ``rho`` is the attained value of an
        actual pair near it or elsewhere).
    rho_local_witness : numpy.ndarray or None
        ``(z, d)``: the point and the unit direction of the limiting pairs ``z +- h d``.
    rho_weak_mvi : float or None
        Upper bound on ``min_{z in region, Fz != 0} <Fz, z - z*>/||Fz||^2`` with ``z* = op.solution``;
        ``None`` when ``op.solution`` is ``None``.
    rho_weak_mvi_attained : float or None
        The ratio at ``rho_weak_mvi_witness`` (shape ``(dim,)``).
    rho_weak_mvi_witness : numpy.ndarray or None
    solution : numpy.ndarray or None
        The ``z*`` used.
    region : str
        The searched region.
    seed, n_samples, n_starts : int
        Search settings (the same settings give the same result).
    """

    L: float
    L_attained: float
    L_witness: np.ndarray
    L_method: str
    rho: float
    rho_attained: float
    rho_witness: np.ndarray
    rho_local: float | None
    rho_local_witness: np.ndarray | None
    rho_weak_mvi: float | None
    rho_weak_mvi_attained: float | None
    rho_weak_mvi_witness: np.ndarray | None
    solution: np.ndarray | None
    region: str
    seed: int | None
    n_samples: int
    n_starts: int
    details: dict = field(default_factory=dict, repr=False, compare=False)

    def check(self, op: Any, rtol: float = 1e-12) -> bool:
        """Re-evaluate each quantity at its witness: it must equal ``*_attained`` (to ``rtol``), and
        each bound must lie on its safe side of the attained value (``L <= L_attained``,
        ``rho >= rho_attained``, ``rho_weak_mvi >= rho_weak_mvi_attained``).

        >>> from monoverify.operators import LowerBoundGame
        >>> from monoverify.operators.estimate import estimate_constants
        >>> op = LowerBoundGame(-0.2, 2.0)
        >>> estimate_constants(op, n_samples=500, n_starts=2).check(op)
        True
        """
        def close(a: float, b: float) -> bool:
            return abs(a - b) <= rtol * max(1.0, abs(a), abs(b))

        if self.L_method == "jacobian":
            v = float(jacobian_norm(op, self.L_witness[0]))
        else:
            v = float(_lip_quotient(op, self.L_witness[0], self.L_witness[1]))
        ok = close(v, self.L_attained) and self.L <= self.L_attained
        v = float(pair_quotient(op, self.rho_witness[0], self.rho_witness[1]))
        ok = ok and close(v, self.rho_attained) and self.rho >= self.rho_attained
        if self.rho_weak_mvi is not None:
            v = float(weak_mvi_ratio(op, self.rho_weak_mvi_witness, self.solution))
            ok = ok and close(v, self.rho_weak_mvi_attained) and self.rho_weak_mvi >= self.rho_weak_mvi_attained
        return bool(ok)

    @property
    def status(self) -> str:
        """``bounded`` (finite rho witness found) or ``constant`` (F numerically constant: every rho holds)."""
        return "bounded" if np.isfinite(self.rho_attained) else "constant"

    @property
    def message(self) -> str:
        return (f"L >= {self.L:.6g} ({self.L_method}), rho <= {self.rho:.6g}"
                + ("" if self.rho_weak_mvi is None else f", weak-MVI rho <= {self.rho_weak_mvi:.6g}")
                + f" on {self.region}")

    @property
    def success(self) -> bool:
        """Every bound is attained at its witness (always true for a completed search)."""
        return bool(np.isfinite(self.L_attained))

    def to_dict(self) -> dict:
        """JSON-ready summary (``details`` left out; arrays as lists, inf/nan as strings)."""
        d = super().to_dict()
        d.pop("details", None)
        return d

    @classmethod
    def from_dict(cls, d: Any) -> "ConstantsEstimate":
        arrays = ("L_witness", "rho_witness", "rho_local_witness", "rho_weak_mvi_witness", "solution")
        obj = super().from_dict({k: v for k, v in d.items() if k != "success"})
        for k in arrays:
            v = getattr(obj, k)
            if v is not None:
                object.__setattr__(obj, k, np.asarray(v, dtype=float))
        return obj

    def as_dict(self) -> dict:
        """Alias of :meth:`to_dict` (the name used before the shared result protocol)."""
        return self.to_dict()
