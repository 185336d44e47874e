"""``CheckResult``: the outcome of checking one theorem (on the shared :class:`~monoverify.result.Result`).

>>> from monoverify.theory.theorems import get
>>> r = CheckResult(get("pp.bilinear"), "inconclusive", float("nan"), {}, 0, 0)
>>> r.success, r.status, r.to_dict()["worst_ratio"], r.judged_str()
(False, 'inconclusive', 'nan', '0/0')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from monoverify.result import jsonable, unjson_float

from ..theorems import Theorem
from .verdict import Judgement, VerdictResult

__all__ = ["CheckResult", "thin_curve", "REPORT_CURVE_POINTS"]

#: horizons kept per curve in a ``verify`` report (the judge measures up to K = 1e5; the verdicts and worst
#: cells are computed from the whole curves, the report keeps a log grid of each and its worst horizon)
REPORT_CURVE_POINTS = 64


def thin_curve(c: Mapping[str, Any], max_points: int) -> dict:
    """``c`` with its per-horizon arrays (those as long as ``c["k"]``) at most ``max_points`` long: the first
    and last horizons, a log-spaced grid between, and the horizon where ``measured/bound`` is largest; the
    original length is kept as ``n_points``. Shorter curves are returned unchanged.

    >>> c = {"k": np.arange(1001), "measured": 1 / (1 + np.arange(1001.0)), "bound": np.ones(1001), "ratio": 1.0}
    >>> t = thin_curve(c, 16)
    >>> len(t["k"]) <= 16, int(t["k"][0]), int(t["k"][-1]), t["n_points"], t["ratio"]
    (True, 0, 1000, 1001, 1.0)
    """
    k = c.get("k")
    n = len(k) if isinstance(k, (np.ndarray, list, tuple)) else 0
    if n <= max_points:
        return dict(c)
    idx = set((np.round(np.geomspace(1, n, max(2, max_points - 1))).astype(int) - 1).tolist())   # 0 .. n - 1
    m, b = c.get("measured"), c.get("bound")
    if m is not None and b is not None and len(m) == n and len(b) == n:
        with np.errstate(all="ignore"):
            r = np.asarray(m, float) / np.asarray(b, float)
        if np.isfinite(r).any():
            idx.add(int(np.argmax(np.where(np.isfinite(r), r, -np.inf))))
    keep = np.array(sorted(idx))
    out = {key: (np.asarray(v)[keep] if isinstance(v, (np.ndarray, list, tuple)) and len(v) == n else v)
           for key, v in c.items()}
    out["n_points"] = n
    return out


@dataclass
class CheckResult(VerdictResult):
    """Outcome of :func:`~monoverify.theory.judge.check`.

    ``verdict``: ``holds`` | ``violated`` | ``finding`` (a violated ``reconstruction``) |
    ``inconclusive`` (nothing judged, or evidence unsound) — decided by
    :func:`~monoverify.theory.judge.judge`. ``worst_ratio``: max measured/bound over the judged
    cells (rate, property) or the region score (NaN when nothing was judged). ``worst``: the
    instance and parameters that came closest. ``n_judged`` / ``n_not_judged`` / ``not_judged``
    (reason -> count): cells the verdict rests on and those it does not. ``curves``: per
    instance/cell, measured and bound. ``adversary``: the searches over rotation-scaling block
    operators (rate theorems); ``reference``: the certified worst case beside the bound (the
    table's ``emp/W`` and ``bound/W`` columns): empirical worst, PEP worst case ``W(K)`` and bound
    per reference cell and ``K``, with the summaries ``empirical_over_W`` and ``bound_over_W``.
    """

    theorem: Theorem
    verdict: str
    worst_ratio: float
    worst: dict
    n_instances: int
    n_cells: int
    curves: list = field(default_factory=list)
    fitted_exponent: float | None = None
    spectral: dict | None = None
    mismatches: int = 0
    explored_outside: bool = False
    notes: list = field(default_factory=list)
    elapsed: float = 0.0
    pep: dict | None = None
    n_judged: int = 0
    n_not_judged: int = 0
    not_judged: dict = field(default_factory=dict)
    message: str = ""
    adversary: list = field(default_factory=list)
    reference: dict | None = None


    @property
    def holds(self) -> bool:
        return self.verdict == "holds"

    @property
    def failed(self) -> bool:
        """Violated, not a ``reconstruction``, inside the hypotheses (such a failure makes ``verify`` exit 1)."""
        return self.verdict == "violated" and not self.explored_outside

    def judged_str(self) -> str:
        """``judged/total`` cells, e.g. ``117/120``."""
        return f"{self.n_judged}/{self.n_judged + self.n_not_judged}"

    def apply(self, j: Judgement) -> "CheckResult":
        """Take verdict, worst ratio and judged counts from the judgement ``j``."""
        self.verdict, self.worst_ratio, self.message = j.verdict, j.worst_ratio, j.message
        self.n_judged, self.n_not_judged, self.not_judged = j.n_judged, j.n_not_judged, dict(j.not_judged)
        return self

    def to_dict(self, curves: bool = False, max_points: int | None = None) -> dict:
        """JSON-safe record; ``curves``: with the measured curves (``max_points``: each thinned by
        :func:`thin_curve` to at most that many horizons, its worst one kept)."""
        d = {
            "theorem": self.theorem.describe(), "verdict": self.verdict, "status": self.status,
            "success": self.success, "message": self.message, "worst_ratio": jsonable(self.worst_ratio),
            "worst": jsonable(self.worst), "n_instances": self.n_instances, "n_cells": self.n_cells,
            "n_judged": self.n_judged, "n_not_judged": self.n_not_judged, "not_judged": dict(self.not_judged),
            "fitted_exponent": jsonable(self.fitted_exponent), "spectral": jsonable(self.spectral),
            "mismatches": self.mismatches, "explored_outside": self.explored_outside, "notes": list(self.notes),
            "elapsed_s": round(self.elapsed, 3), "pep": jsonable(self.pep),
            "adversary": [jsonable(a) for a in self.adversary], "reference": jsonable(self.reference),
        }
        if curves:
            d["curves"] = jsonable(self.curves if max_points is None else [thin_curve(c, max_points)
                                                                          for c in self.curves])
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CheckResult":
        """Rebuild from :meth:`to_dict` (the theorem is looked up by id in the registry; curves as lists)."""
        from ..theorems import get

        return cls(get(d["theorem"]["id"]), d["verdict"], unjson_float(d["worst_ratio"]), dict(d["worst"]),
                   d["n_instances"], d["n_cells"], list(d.get("curves", [])), unjson_float(d["fitted_exponent"]),
                   d["spectral"], d["mismatches"], d["explored_outside"], list(d["notes"]), d["elapsed_s"], d["pep"],
                   d["n_judged"], d["n_not_judged"], dict(d["not_judged"]), d["message"],
                   list(d.get("adversary", [])), d.get("reference"))
