"""Theory: the theorem registry, generic checks, spectral analysis, PEP, phase diagrams, CLI.

Submodules load on first use, so that importing the package (e.g. by the pytest plugin) stays cheap.

>>> from monoverify.theory import THEOREMS
>>> "rapp.last_iterate" in THEOREMS
True
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "THEOREMS": "theorems", "Theorem": "theorems", "register": "theorems", "get": "theorems",
    "UnknownTheorem": "theorems", "PROVENANCE": "theorems",
    "check": "judge", "CheckResult": "judge", "HypothesisError": "judge", "pep_sandwich": "judge",
    "Observation": "judge", "Judgement": "judge", "VERDICTS": "judge",
}
_SUBMODULES = ("theorems", "judge", "checker", "metrics", "spectral", "pep", "phase", "strategies", "plugin", "cli")

__all__ = sorted(_EXPORTS) + list(_SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
