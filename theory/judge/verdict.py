"""The judge: one function that turns observations into a verdict.

Every check of monoverify (:func:`~monoverify.theory.judge.check`, ``verify``, the pytest
plugin's ``assert_theorem``, the PEP sandwich column) measures *cells* (an instance times a
parameter combination) and hands them to :func:`judge` as :class:`Observation` objects. The
judge alone decides the verdict:

``holds``
    At least one cell was judged, every judged ratio is ``<= 1 + tol`` and the evidence the
    verdict needs is sound.
``violated``
    A judged ratio exceeds ``1 + tol`` (the theorem's provenance is not ``reconstruction``).
``finding``
    The same for a ``reconstruction``: the reconstructed statement is exceeded (reported, not a
    failure).
``inconclusive``
    No cell was judged, or the evidence is unsound (a solver that did not reach its accuracy,
    an unconverged resolvent, ...) and nothing was violated.

A cell that is not judged (it left a trajectory hypothesis, sits on a region boundary, ...) never
counts towards ``holds``: it is counted by reason in ``Judgement.not_judged``.

>>> obs = [Observation("A", {"K": 1}, 0.5), Observation("B", {"K": 1}, 3.0, judged=False, why="left the ball")]
>>> j = judge("pp.last_iterate", obs)
>>> j.verdict, j.worst_ratio, j.n_judged, j.not_judged
('holds', 0.5, 1, {'left the ball': 1})
>>> judge("pp.last_iterate", obs[1:]).verdict
'inconclusive'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from monoverify.result import Result

__all__ = ["VERDICTS", "TOL", "Observation", "Judgement", "judge", "Evidence", "UNDECIDABLE"]

#: why a cell whose claim cannot be decided numerically is not judged
UNDECIDABLE = "undecidable at the boundary"

#: the four verdicts, in the order the tables list them
VERDICTS = ("holds", "violated", "finding", "inconclusive")

#: relative tolerance for floating-point rounding when comparing a measurement with a bound
TOL = 1e-9


@dataclass
class Observation:
    """One cell (instance x parameters), judged or not.

    Attributes
    ----------
    instance : str
        Label of the instance (operator, start point).
    params : dict
        The cell's parameters (``rho``, ``L``, ``gamma``, ..., ``K``).
    ratio : float
        measured/bound (rate, property, PEP) or the region score (> 1 contradicts the condition).
        NaN counts as a violation when the cell is judged (a measurement that failed is no evidence
        of holding).
    judged : bool
        ``False`` when the theorem claims nothing about this cell (it left the ball, left the valid
        region, sits on a boundary, the solver or resolvent was inaccurate, ...).
    why : str
        Why the cell was not judged (one short phrase; the judgement counts cells per reason).
    k, measured, bound : optional
        Where the worst ratio of the cell is attained and the two numbers compared.
    undecidable : bool
        The statement makes a claim at this cell that no finite-precision measurement can decide:
        convergence claimed exactly on a boundary where the spectral radius is 1 up to rounding, or a
        method that is undefined at a boundary point a non-strict hypothesis admits. Not judged; a
        verdict with such cells and no violation is ``inconclusive`` (at the boundary), never ``holds``.
    source : str
        The evidence source that produced it (``grid``, ``horizon``, ``scale``, ``adversary``, ``pep``...).
    """

    instance: str
    params: dict
    ratio: float
    judged: bool = True
    why: str = ""
    k: int | None = None
    measured: float | None = None
    bound: float | None = None
    undecidable: bool = False
    source: str = ""


@dataclass
class Evidence:
    """What one evidence source produced: observations, the sound-evidence verdict, notes, and the
    curves a report shows. Every source of a check returns one; :func:`judge` reads their union."""

    observations: list = field(default_factory=list)
    unsound: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    curves: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def __iadd__(self, other: "Evidence") -> "Evidence":
        self.observations += other.observations
        self.unsound += other.unsound
        self.notes += other.notes
        self.curves += other.curves
        for k, v in other.extra.items():
            self.extra.setdefault(k, v) if not isinstance(v, list) else self.extra.setdefault(k, []).extend(v)
        return self


class VerdictResult(Result):
    """A result whose ``status`` is its verdict; ``success`` means ``holds`` (shared by every judged result)."""

    @property
    def status(self) -> str:
        return self.verdict

    @property
    def success(self) -> bool:
        return self.verdict == "holds"


@dataclass
class Judgement(VerdictResult):
    """The verdict on a set of observations (see :func:`judge`).

    ``worst_ratio`` is the largest ratio over *judged* cells (NaN when none was judged);
    ``worst`` is that cell's :class:`Observation`.
    """

    theorem: str
    verdict: str
    worst_ratio: float
    worst: Observation | None
    n_judged: int
    n_not_judged: int
    not_judged: dict = field(default_factory=dict)
    message: str = ""


    @classmethod
    def from_dict(cls, d: Any) -> "Judgement":
        """Inverse of ``to_dict`` (``worst`` back to an :class:`Observation`)."""
        from monoverify.result import unjson_float

        w = d.get("worst")
        worst = None if w is None else Observation(**{**w, "ratio": unjson_float(w["ratio"])})
        return cls(d["theorem"], d["verdict"], unjson_float(d["worst_ratio"]), worst, d["n_judged"],
                   d["n_not_judged"], dict(d["not_judged"]), d["message"])


def _theorem_info(theorem: Any) -> tuple[str, str]:
    """``(id, provenance)`` of a theorem object or a registered id."""
    if isinstance(theorem, str):
        from monoverify.theory.theorems import get

        theorem = get(theorem)
    return theorem.id, theorem.provenance


def _key(o: Observation) -> float:
    """The ratio of a judged cell; a failed (NaN) measurement counts as infinitely bad."""
    r = float(o.ratio)
    return math.inf if math.isnan(r) else r


def _exceeds(ratio: float, tol: float) -> bool:
    return not (ratio <= 1 + tol)  # NaN exceeds


def judge(theorem: Any, observations: Iterable[Observation], *, tol: float = TOL, evidence_ok: bool = True,
          evidence_why: str = "") -> Judgement:
    """Judge ``observations`` of ``theorem``.

    Parameters
    ----------
    theorem : Theorem or str
        The theorem (its provenance decides ``violated`` versus ``finding``).
    observations : iterable of Observation
        Every cell that was measured, judged or not.
    tol : float
        Relative rounding tolerance: a judged ratio above ``1 + tol`` violates the theorem.
    evidence_ok : bool
        ``False`` when some evidence the verdict needs is unsound (solver inaccurate, resolvent not
        converged, an exception in a column): the verdict is then ``inconclusive`` unless a
        judged cell is violated.
    evidence_why : str
        Why the evidence is unsound (shown in the message).

    Returns
    -------
    Judgement
    """
    tid, prov = _theorem_info(theorem)
    if not (isinstance(tol, (int, float)) and tol >= 0 and math.isfinite(tol)):
        from monoverify.errors import InvalidValue

        raise InvalidValue(f"tol must be a finite number >= 0, got tol={tol!r}")
    obs = list(observations)
    judged = [o for o in obs if o.judged]
    not_judged: dict = {}
    for o in obs:
        if not o.judged:
            why = o.why or "not judged"
            not_judged[why] = not_judged.get(why, 0) + 1
    worst = max(judged, key=_key, default=None)
    worst_ratio = _key(worst) if worst is not None else math.nan
    violated = worst is not None and _exceeds(worst_ratio, tol)
    undecidable = sum(o.undecidable for o in obs)
    if violated:
        verdict = "finding" if prov in ("reconstruction", "conjecture") else "violated"
        msg = f"{len([o for o in judged if _exceeds(float(o.ratio), tol)])} of {len(judged)} judged cell(s) exceed " \
              f"the {'reconstructed ' if verdict == 'finding' else ''}bound (worst ratio {worst_ratio:.6g})"
    elif not judged:
        verdict = "inconclusive"
        msg = "no cell was judged" + (f" ({_why(not_judged)})" if not_judged else "")
    elif not evidence_ok:
        verdict = "inconclusive"
        msg = f"evidence unsound: {evidence_why or 'unspecified'}"
    elif undecidable:
        verdict = "inconclusive"
        msg = (f"inconclusive at the boundary: {undecidable} cell(s) where the statement claims what no finite-"
               f"precision measurement decides (convergence exactly on a boundary where the spectral radius is 1, "
               f"or a method undefined at a boundary point it admits); {len(judged)} other judged cell(s) hold, "
               f"worst ratio {worst_ratio:.6g}")
    else:
        verdict = "holds"
        msg = f"{len(judged)} judged cell(s), worst ratio {worst_ratio:.6g}"
    if not_judged and judged:
        msg += f"; {sum(not_judged.values())} not judged ({_why(not_judged)})"
    if not evidence_ok and verdict != "inconclusive":
        msg += f"; evidence unsound: {evidence_why or 'unspecified'}"
    return Judgement(tid, verdict, worst_ratio, worst, len(judged), len(obs) - len(judged), not_judged, msg)


def _why(counts: dict) -> str:
    return ", ".join(f"{n} {w}" for w, n in counts.items())
