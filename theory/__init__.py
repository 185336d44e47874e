"""Theory: the theorem registry, generic checks, spectral analysis, PEP, phase diagrams, CLI.

>>> from monoverify.theory import THEOREMS
>>> "rapp.last_iterate" in THEOREMS
True
"""

from .check import CheckResult, HypothesisError, check
from .theorems import PROVENANCE, THEOREMS, Theorem, UnknownTheorem, get, register

__all__ = ["THEOREMS", "Theorem", "register", "get", "check", "CheckResult", "HypothesisError", "UnknownTheorem",
           "PROVENANCE"]
