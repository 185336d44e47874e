"""The judging package: one judge, and the checks of registered theorems built on it.

* :mod:`.verdict` — :func:`judge`, :class:`Observation`, :class:`Judgement`, ``VERDICTS``: the
  only place where a verdict is decided;
* :mod:`.cells`, :mod:`.instances` — parameter cells and the instance battery of a theorem;
* :mod:`.rate`, :mod:`.region`, :mod:`.property` — measure cells of each kind of theorem;
* :mod:`.sandwich` — the PEP column; :mod:`.checking` — :func:`check`; :mod:`.result` —
  :class:`CheckResult`; :mod:`.verify` — the main job over many theorems; :mod:`.pool` — where
  independent checks run (serial, a process pool or any executor, e.g. Dask).

>>> from monoverify.theory.judge import VERDICTS, judge, Observation
>>> VERDICTS
('holds', 'violated', 'finding', 'inconclusive')
>>> judge("feg.last_iterate", [Observation("A", {}, 1.5)]).verdict   # a reconstruction exceeded
'finding'
"""

from __future__ import annotations

from monoverify.errors import HypothesisError

from .instances import battery
from .cells import Cell
from .checking import check
from .result import CheckResult
from .sandwich import pep_sandwich
from .verdict import TOL, VERDICTS, Judgement, Observation, judge

__all__ = ["VERDICTS", "TOL", "Observation", "Judgement", "judge", "check", "CheckResult", "HypothesisError",
           "Cell", "battery", "pep_sandwich"]
