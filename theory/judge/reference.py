"""The certified worst case W(K) of a rate theorem at one cell (PEP, SPEC §7): the sharp reference.

For every ``rate`` theorem whose method and metric a PEP can express, :func:`reference` returns
``W(K)``, the worst case of the theorem's metric after ``K`` iterations over the theorem's class
from ``||z0 - z*||^2 <= 1``, beside the bound at ``D0 = 1``. ``bound / W`` says how loose the
theorem is; ``empirical / W`` how close a battery gets.

Every ``W`` is :func:`monoverify.theory.pep.worst_case` (cached there) on the theorem's own metric
(:mod:`monoverify.theory.metrics`: the same definition as in runs), last iterate or **best
iterate** (one performance metric per iterate; PEPit maximises their minimum). The class is the
set-valued rho-comonotone class where the theorem declares ``pep={"lipschitz": False}``, else the
rho-comonotone and L-Lipschitz class when ``L`` enters the hypotheses or the bound.

A solve that is not ``optimal`` gives ``W = None`` (status said): it is never used as a reference.
With ``L`` in the class the PEP is a relaxation (an upper bound on the class worst case, not known
to be attained); the flag ``relaxation`` says so.

>>> from monoverify.theory import THEOREMS
>>> r = reference(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, 2)
>>> r.status, round(r.W, 4) <= round(r.bound, 4)
('optimal', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sympy as sp

from monoverify.result import Result

from ..theorems import Theorem
from .cells import absolute, evaluate, method_at

__all__ = ["Reference", "reference", "expressible", "reference_cells", "pep_worst_case", "MAX_SIZE"]

#: PEPs with more than this many oracle calls (K * tau * calls per step) are not attempted
MAX_SIZE = 40


@dataclass
class Reference(Result):
    """``W(K)`` at one cell beside the bound (``D0 = 1``).

    Attributes
    ----------
    theorem : str
    cell : dict
    K : int
    W : float or None
        The PEP worst case of the theorem's metric (``None`` unless ``status == "optimal"``).
    bound : float
    status : str
        ``optimal`` | ``inaccurate`` | ``failed`` | ``unbounded`` | ``infeasible`` | ``not expressible``.
    relaxation : bool
        ``True`` for the Lipschitz class (an upper bound on the worst case, SPEC §9.5).
    message : str
    """

    theorem: str
    cell: dict
    K: int
    W: float | None
    bound: float
    status: str
    relaxation: bool = False
    message: str = ""

    @property
    def success(self) -> bool:
        return self.status == "optimal" and self.W is not None

    @property
    def looseness(self) -> float | None:
        """``bound / W`` (``None`` without a reference)."""
        return None if not self.success or self.W <= 0 else self.bound / self.W


def expressible(th: Theorem) -> str:
    """Empty when a PEP can express ``th``, else the reason."""
    if th.kind != "rate":
        return f"a {th.kind} theorem has no worst-case rate"
    if th.pep:
        return ""
    if th.metric not in ("operator_sq", "resolvent_residual_sq", "fixed_point_residual_sq"):
        return f"metric {th.metric} is not a PEP performance metric"
    if th.method in ("feg", "adaptive-ceg+"):
        return f"method {th.method} has iteration-dependent steps"
    return ""


def reference_cells(th: Theorem, worst: dict | None = None, quick: bool = False) -> list[dict]:
    """Normalised cells where ``W`` is computed: the declared PEP cells (quick: the first) and the
    battery's worst cell ``worst`` (absolute parameters, as a check reports them)."""
    cells = [dict(c) for c in (th.pep or {}).get("cells", ())]
    cells = cells[:1] if quick else cells
    cells += [{k: v for k, v in c.items() if k != "K"} for c in th.attack_cells]
    if worst:
        L = float(worst.get("L", 1.0))
        cell = {"L": L}
        if "rho" in worst:
            cell["c"] = -float(worst["rho"]) * L
        if "gamma" in worst:
            cell["t"] = float(worst["gamma"]) * L
        for k in ("lam", "tau", "alpha"):
            if k in worst and k not in th.derived and k in th.grid:
                cell[k] = int(worst[k]) if k == "tau" else float(worst[k])
        if cell not in cells:
            cells.append(cell)
    return cells


def cell_values(th: Theorem, cell: dict, K: int) -> dict:
    """Absolute values of a normalised reference cell at horizon ``K`` (``D0 = 1``)."""
    L = float(cell.get("L", 1.0))
    norm = {k: v for k, v in cell.items() if k != "L"}
    return absolute(th, {**norm, "K": int(K)}, rho=-float(cell.get("c", 0.0)) / L, L=L, D0=1.0)


_method = method_at


def _bound(th: Theorem, vals: dict, K: int) -> float:
    return float(evaluate(th.bound, dict(vals, K=float(K)), 1)[0])


def reference(th: Theorem, cell: dict, K: int) -> Reference:
    """``W(K)`` of ``th`` at the normalised ``cell`` (see the module docstring)."""
    vals = cell_values(th, cell, int(K))
    bound = _bound(th, vals, int(K))
    why = expressible(th)
    if why:
        return Reference(th.id, dict(cell), int(K), None, bound, "not expressible", message=why)
    size = int(K) * int(vals["tau"]) if not math.isnan(vals.get("tau", math.nan)) else int(K)
    if size > MAX_SIZE:
        return Reference(th.id, dict(cell), int(K), None, bound, "not expressible",
                         message=f"PEP too large ({size} inner steps > {MAX_SIZE})")
    return _reference(th, cell, int(K), vals, _method(th, vals), bound)


def lipschitz_class(th: Theorem) -> bool:
    """Whether the PEP class of ``th`` has ``L`` (else the set-valued rho-comonotone class)."""
    if th.pep:
        return bool(th.pep.get("lipschitz", True))
    return "L" in {s.name for e in (th.hypotheses, th.bound) for s in sp.sympify(e).free_symbols}


def pep_worst_case(th: Theorem, cell: dict, K: int) -> Any:
    """The :class:`~monoverify.theory.pep.PEPResult` behind :func:`reference` (cached there), or
    ``None`` when ``th`` at ``cell``, ``K`` is not expressible (see :func:`reference`)."""
    vals = cell_values(th, cell, int(K))
    if expressible(th):
        return None
    size = int(K) * int(vals["tau"]) if not math.isnan(vals.get("tau", math.nan)) else int(K)
    if size > MAX_SIZE:
        return None
    return _worst_case(th, int(K), vals, _method(th, vals))


def _worst_case(th: Theorem, K: int, vals: dict, method: Any) -> Any:
    from monoverify.theory.pep import worst_case

    lip = lipschitz_class(th)
    return worst_case(method, vals["rho"], vals["L"] if lip else None, int(K), th.metric, iterate=th.iterate)


def _reference(th: Theorem, cell: dict, K: int, vals: dict, method: Any, bound: float) -> Reference:
    r = _worst_case(th, K, vals, method)
    W = r.value if r.ok and r.value is not None else None
    return Reference(th.id, dict(cell), K, W, bound, r.status, lipschitz_class(th), r.message)


# ------------------------------------------------------------------------------------------
# the sandwich empirical <= W <= bound a check reports
# ------------------------------------------------------------------------------------------
#: horizons where W is computed (quick, full)
REFERENCE_KS = ((4,), (1, 2, 4))


def reference_Ks(th: Theorem, quick: bool) -> tuple:
    """Horizons of the reference: the declared PEP horizons (quick: the largest) or :data:`REFERENCE_KS`,
    and any ``K`` named in ``Theorem.attack_cells``."""
    if th.pep and th.pep.get("Ks"):
        Ks = tuple(th.pep["Ks"])
        Ks = Ks[-1:] if quick else Ks
    else:
        Ks = REFERENCE_KS[0 if quick else 1]
    return tuple(sorted(set(Ks) | {int(c["K"]) for c in th.attack_cells if "K" in c}))


def strength(th: Theorem, cells: list[dict], Ks: tuple, attacks: list) -> dict:
    """Per ``(cell, K)``: empirical worst (the adversary's best measured value), ``W`` and the bound.

    Returns a dict with ``rows`` and the summaries ``empirical_over_W`` (min over rows with a
    reference: the battery's weakest point), ``bound_over_W`` (max: the loosest), ``W_over_bound``
    (max: where a scaled-down bound is closest to being false) and ``n_reference``.
    """
    rows = []
    for cell in cells:
        for K in Ks:
            ref = reference(th, cell, int(K))
            hits = [a for a in attacks if a.cell == cell and a.K == int(K) and a.success]
            emp = max((a.measured for a in hits), default=None)
            fits = [a for a in hits if getattr(a, "source", "") == "pep-fit"]
            # W as an interval: the PEP value is the worst case of the exact (set-valued) class; for the
            # Lipschitz relaxation it is an upper bound, and the best explicit instance of the class found
            # (a member by its exact constants) is a certified lower end
            lower = ref.W if ref.success and not ref.relaxation else emp
            row = {"cell": cell, "K": int(K), "W": ref.W, "W_lower": lower, "W_upper": ref.W if ref.success else None,
                   "bound": ref.bound, "status": ref.status,
                   "relaxation": ref.relaxation, "message": ref.message, "empirical": emp,
                   "empirical_over_W": emp / ref.W if emp is not None and ref.success and ref.W > 0 else None,
                   "bound_over_W": ref.looseness,
                   # how linear the PEP worst case is (judge.pepfit): residual of the closest map of the class
                   "pep_fit_residual": fits[0].fit.residual if fits else None,
                   "pep_fit_over_W": fits[0].measured / ref.W if fits and ref.success and ref.W > 0 else None}
            rows.append(row)
    good = [r for r in rows if r["W"] is not None and r["W"] > 0]
    e = [r["empirical_over_W"] for r in good if r["empirical_over_W"] is not None]
    return {"rows": rows, "n_reference": len(good),
            "empirical_over_W": min(e) if e else None,
            "bound_over_W": max(r["bound_over_W"] for r in good) if good else None,
            "W_over_bound": max(r["W"] / r["bound"] for r in good) if good else None,
            "why_none": "" if good else "; ".join(sorted({r["message"] or r["status"] for r in rows})) or expressible(th)}
