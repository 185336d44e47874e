"""Shared constants, errors and argument checks of the PEP package."""

from __future__ import annotations

import threading
from typing import Any

from monoverify.errors import InvalidValue
from monoverify.theory.metrics import PEP_METRICS

__all__ = ["METRICS", "TOL", "PEPNotRepresentable"]

#: the PEP objectives: the theorem metrics of :mod:`monoverify.theory.metrics` and the names of §7
#: (``operator`` = ``operator_sq``, ``step`` = ``step_sq``, ``distance`` = ``distance_sq``)
METRICS = PEP_METRICS
#: relative tolerance of the comparisons of §7 (upper: pep <= th (1 + TOL); lower: th <= pep (1 + TOL))
TOL = 1e-3
#: bump when the formulation changes: part of every cache key
_FORMULATION = 1
#: PEPit keeps its objects in class-level registries: one PEP at a time per process
_PEPIT_LOCK = threading.RLock()


class PEPNotRepresentable(InvalidValue):
    """The method (or its parameters) cannot be written as a PEP: e.g. array hyper-parameters,
    or step sizes that depend on per-instance inner products (``oracle.vdot``)."""


def _real(name: str, v: Any) -> float:
    from monoverify.validate import real

    return real(name, v)


def _positive(name: str, v: Any) -> float:
    f = _real(name, v)
    if f <= 0:
        raise InvalidValue(f"{name} must be > 0, got {v!r}")
    return f

