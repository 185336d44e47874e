"""Alias of :mod:`monoverify.theory.judge` (kept so that older imports keep working).

>>> from monoverify.theory.checker import check, CheckResult, judge
>>> check is __import__("monoverify.theory.judge", fromlist=["check"]).check
True
"""

from __future__ import annotations

from .judge import (TOL, VERDICTS, Cell, CheckResult, HypothesisError, Judgement, Observation, battery, check, judge,
                    pep_sandwich)

__all__ = ["check", "CheckResult", "HypothesisError", "Cell", "battery", "TOL", "pep_sandwich", "judge",
           "Observation", "Judgement", "VERDICTS"]
