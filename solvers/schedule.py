"""Mini-batch schedules: how many samples a stochastic oracle averages at each outer step (R32).

Stochastic RAPP (PXC23 §5 with stochastic feedback; R32 [reconstruction]: "increasing
mini-batches") draws, at outer step ``k``, every inner-loop evaluation ``F^(w)`` as the mean of
``b_k`` independent samples, so its noise variance is ``sigma^2 / b_k``. A :class:`MiniBatch`
is the sequence ``b_k = ceil(b0 (k + 1)^power)``: ``power = 0`` is a constant batch, ``power = 1``
the linearly increasing batch of R32. It is given to
:class:`~monoverify.solvers.StochasticOracle` as ``batch_size``; the runner tells the oracle
which outer step it is at (``oracle.outer_step(k)``), so any method -- RAPP included, its update
unchanged -- runs with the schedule.

>>> s = MiniBatch(b0=2, power=1)
>>> [s.size(k) for k in range(4)]
[2, 4, 6, 8]
>>> s.inverse_sum(4)                      # sum_k 1/b_k: the variance budget of K outer steps
1.0416666666666665
>>> s.samples(4, calls_per_step=3)       # oracle complexity: 3 F calls per outer step
60
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from monoverify.errors import InvalidValue

__all__ = ["MiniBatch", "as_schedule"]

#: largest growth power accepted (b_k = (k+1)^power overflows integers soon after)
MAX_POWER = 8.0


@dataclasses.dataclass(frozen=True)
class MiniBatch:
    """The batch sizes ``b_k = ceil(b0 (k + 1)^power)``, ``k = 0, 1, ...`` (outer steps).

    Parameters
    ----------
    b0 : int
        Batch size at the first outer step (``>= 1``).
    power : float
        Growth exponent in ``[0, 8]``: 0 constant, 1 linear (R32), 2 quadratic.
    """

    b0: int = 1
    power: float = 1.0

    def __post_init__(self) -> None:
        from monoverify.validate import integer, invalid

        if integer("b0", self.b0, lo=1) > 2 ** 53:   # a batch size as exact in a float as in an int
            raise invalid("b0", self.b0, "an integer in [1, 2**53]")
        p = self.power
        if isinstance(p, (bool, str, bytes)) or not isinstance(p, (int, float, np.integer, np.floating)) \
                or not (0 <= float(p) <= MAX_POWER):
            raise InvalidValue(f"power must be a number in [0, {MAX_POWER:g}], got power={p!r}")

    def size(self, k: int) -> int:
        """``b_k``, the batch size at outer step ``k >= 0``."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise InvalidValue(f"k must be an integer >= 0, got k={k!r}")
        return int(math.ceil(self.b0 * (k + 1) ** float(self.power) - 1e-9))

    def sizes(self, K: int) -> np.ndarray:
        """``(b_0, ..., b_{K-1})``."""
        return np.array([self.size(k) for k in range(int(K))], dtype=np.int64)

    def inverse_sum(self, K: int) -> float:
        """``sum_{k<K} 1/b_k``: the total noise variance (in units of ``sigma^2``) of ``K`` outer steps."""
        return float(np.sum(1.0 / self.sizes(K)))

    def samples(self, K: int, calls_per_step: int) -> int:
        """Oracle complexity of ``K`` outer steps: ``calls_per_step * sum_{k<K} b_k`` samples."""
        return int(calls_per_step) * int(np.sum(self.sizes(K)))


def as_schedule(batch_size: Any) -> MiniBatch:
    """A :class:`MiniBatch` from ``batch_size``: a schedule, or an integer ``>= 1`` (constant batch)."""
    if isinstance(batch_size, MiniBatch):
        return batch_size
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= 2 ** 53:
        from monoverify.validate import show

        raise InvalidValue(f"batch_size must be an integer >= 1 or a MiniBatch schedule, got "
                           f"batch_size={show(batch_size)} (at most 2**53)")
    return MiniBatch(int(batch_size), 0.0)
