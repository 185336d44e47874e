"""``linear lower bound <= PEP worst case <= bound``, for one method or for a registered theorem."""

from __future__ import annotations

import math
from typing import Any, Mapping

from .common import TOL
from .lower_bound import linear_lower_bound
from .result import Sandwich
from .solve import worst_case

__all__ = ["sandwich", "theorem_sandwich"]


def sandwich(method: Any, rho: float, L: float | None, n_iter: int, metric: str = "operator",
             bound: float | None = None, *, n_grid: int = 40, tol: float = TOL, **pep_kwargs: Any) -> Sandwich:
    """Compute ``linear_lower_bound <= worst_case <= bound`` and flag any inversion.

    Tolerances of SPEC §7: upper ``pep <= bound (1 + tol)``; lower ``lower <= pep (1 + tol)``.
    ``pep_kwargs`` go to :func:`worst_case` (``solver``, ``cache``, ``bilinear`` ...).

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> s = sandwich(make("pp", gamma=1.0), -0.2, None, 2, bound=1 / (1.0 * (1.0 - 0.4) * 2), cache=False)
    >>> s.ok, s.lower.value <= s.pep.value <= s.bound
    (True, True)
    """
    pep = worst_case(method, rho, L, n_iter, metric, **pep_kwargs)
    lower = linear_lower_bound(method, rho, L, n_iter, metric, n_grid=n_grid,
                               bilinear=bool(pep_kwargs.get("bilinear", False)))
    if not pep.ok or pep.value is None:
        return Sandwich(lower, pep, bound, False, False, False, f"PEP not solved: {pep.status} ({pep.message})")
    lo_inv = lower.value > pep.value * (1 + tol)
    up_inv = bound is not None and pep.value > float(bound) * (1 + tol)
    msgs = []
    if lo_inv:
        msgs.append(f"lower bound {lower.value:.6g} exceeds the PEP value {pep.value:.6g}")
    if up_inv:
        msgs.append(f"PEP value {pep.value:.6g} exceeds the bound {float(bound):.6g}")
    return Sandwich(lower, pep, None if bound is None else float(bound), lo_inv, up_inv, not (lo_inv or up_inv),
                    "; ".join(msgs) or "lower <= pep <= bound")



# ------------------------------------------------------------------------------------------------
# the sandwich of a registered theorem
# ------------------------------------------------------------------------------------------------
def _cell_values(th: Any, cell: Mapping[str, Any]) -> dict:
    """Parameters of a normalised PEP cell (``c = -rho L``, ``t = gamma L``, ...) with the derived ones, ``D0 = 1``."""
    import sympy as sp

    from monoverify.theory.theorems import SYMBOLS

    L = float(cell.get("L", 1.0))
    vals: dict = {"rho": -float(cell.get("c", 0.0)) / L, "L": L, "D0": 1.0}
    if "t" in cell:
        vals["gamma"] = float(cell["t"]) / L
    vals.update({k: cell[k] for k in ("lam", "tau", "alpha") if k in cell})
    pending = dict(th.derived)
    while pending:  # derived parameters in dependency order (e.g. RAPP's tau needs D, which needs D0)
        ready = [n for n, e in pending.items() if all(s.name not in pending for s in sp.sympify(e).free_symbols)]
        if not ready:
            raise ValueError(f"theorem {th.id}: circular derived parameters {sorted(pending)}")
        for n in ready:
            vals[n] = float(sp.sympify(pending.pop(n)).subs({SYMBOLS[k]: v for k, v in vals.items() if k in SYMBOLS}))
    return vals


def _evaluate(expr: Any, vals: Mapping[str, Any]) -> float:
    import sympy as sp

    from monoverify.theory.theorems import SYMBOLS

    out = sp.sympify(expr).subs({SYMBOLS[k]: v for k, v in vals.items() if k in SYMBOLS})
    if out.free_symbols:
        raise ValueError(f"{expr} needs values for {sorted(s.name for s in out.free_symbols)}")
    return float(out)


def _theorem_method(th: Any, vals: Mapping[str, Any]) -> Any:
    from monoverify.solvers import make

    kw = {}
    for p, expr in th.method_params.items():
        v = _evaluate(expr, vals)
        kw[p] = int(round(v)) if p == "tau" else v
    return make(th.method, **kw)


def theorem_sandwich(theorem: Any, quick: bool = False) -> dict:
    """``linear lower bound <= PEP worst case <= bound`` at a theorem's PEP cells (``Theorem.pep``).

    The PEP objective is the theorem's own ``metric`` (:mod:`monoverify.theory.metrics`) after ``K``
    steps from ``||z0 - z*||^2 <= 1`` (``D0 = 1``), compared with the theorem's ``bound`` at ``K``:
    no index or scale bridge. Rows carry the three numbers, the solver status and any inversion:
    a lower bound above the PEP value points at solver inaccuracy; a PEP value above the bound
    contradicts the theorem when the class is exact (``lipschitz=False``, SPEC R35) and is
    inconclusive for the Lipschitz relaxation (SPEC §7).

    Parameters
    ----------
    theorem : str or Theorem
        A registered id or a :class:`~monoverify.theory.theorems.Theorem` with a ``pep`` entry.
    quick : bool
        The first two cells and horizons only.

    Returns
    -------
    dict
        ``metric``, ``exact_class``, ``rows`` (``cell``, ``K``, ``N``, ``lower``, ``pep``, ``bound``,
        ``status``, ``message``), ``max_pep_over_bound``, ``lower_inversions``, ``upper_inversions``,
        ``failed_solves``.
    """
    from monoverify.theory.theorems import get

    th = get(theorem)
    spec = th.pep
    if not spec:
        raise ValueError(f"theorem {th.id} declares no PEP cells (Theorem.pep is {spec!r})")
    cells = spec["cells"][:2] if quick else spec["cells"]
    Ks = spec["Ks"][:2] if quick else spec["Ks"]
    rows, worst = [], -math.inf
    lo_inv = up_inv = failed = 0
    for cell in cells:
        vals = _cell_values(th, cell)
        if th.failed_hypotheses(**{k: v for k, v in vals.items() if k != "D0"}):
            raise ValueError(f"theorem {th.id}: PEP cell {cell} is outside the hypotheses")
        method = _theorem_method(th, vals)
        for Kv in Ks:
            b = _evaluate(th.bound, {**vals, "K": float(Kv)})
            sw = sandwich(method, vals["rho"], vals["L"] if spec.get("lipschitz", True) else None, int(Kv), th.metric,
                          bound=b)
            failed += not sw.pep.ok
            lo_inv += bool(sw.lower_inversion)
            up_inv += bool(sw.upper_inversion)
            pv = sw.pep.value if sw.pep.ok else None
            if pv is not None and b > 0:
                worst = max(worst, pv / b)
            rows.append({"cell": cell, "K": Kv, "N": int(Kv), "lower": float(sw.lower.value), "pep": pv, "bound": b,
                         "status": sw.pep.status, "message": sw.message})
    return {"metric": th.metric, "exact_class": not spec.get("lipschitz", True), "rows": rows,
            "max_pep_over_bound": None if worst == -math.inf else float(worst),
            "lower_inversions": lo_inv, "upper_inversions": up_inv, "failed_solves": failed}
