"""The judging package: one judge, and the checks of theorems built on it.

A theorem is judged from its statement alone, through one pipeline (:mod:`.checking`):

* :mod:`.statement` — the region of the hypotheses and conditions, and the dimensional check;
* :mod:`.sampling` — cells drawn from the statement: boundaries, corners, extremes, exact boundary
  points; :mod:`.cells` — the typed :class:`Cell` and the one conversion normalised <-> absolute;
* :mod:`.instances` — the families of operators with exact constants, stacked or run directly, rescaled;
* evidence sources, each ``(theorem, cells) -> Evidence``: :mod:`.rate` (grid runs), :mod:`.attacks`
  and :mod:`.adversary` (worst instances over operators and horizons), :mod:`.horizon` (horizons to
  ``10^5``, rescaled copies), :mod:`.region`, :mod:`.property`, :mod:`.expectation`, :mod:`.sandwich`
  (the PEP column), :mod:`.reference` and :mod:`.pepfit` (certified worst cases);
* :mod:`.verdict` — :func:`judge`, the only place a verdict is decided;
* :mod:`.mutants` and :mod:`.scoring` — the blind mutation score; :mod:`.verify` — the main job;
  :mod:`.assertion` — ``assert_theorem`` for the pytest plugin.

>>> from monoverify.theory.judge import VERDICTS, judge, Observation
>>> VERDICTS
('holds', 'violated', 'finding', 'inconclusive')
>>> judge("feg.last_iterate", [Observation("A", {}, 1.5)]).verdict   # a reconstruction exceeded
'finding'
"""

from __future__ import annotations

from monoverify.errors import HypothesisError

from .cells import Cell
from .checking import check
from .battery import battery
from .result import CheckResult
from .sandwich import pep_sandwich
from .verdict import TOL, VERDICTS, Evidence, Judgement, Observation, judge

__all__ = ["VERDICTS", "TOL", "Observation", "Judgement", "Evidence", "judge", "check", "CheckResult",
           "HypothesisError", "Cell", "battery", "pep_sandwich"]
