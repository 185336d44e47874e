"""The PEP column: ``linear lower bound <= PEP worst case <= bound`` at a theorem's PEP cells.

Every row is judged by :func:`~monoverify.theory.judge.judge` (ratio PEP value / bound, rounding
tolerance that of the SDP solvers, ``monoverify.theory.pep.TOL``):

* a solve that is not ``optimal`` (inaccurate, failed) is not judged;
* in the exact class (``lipschitz=False``, the set-valued maximally rho-comonotone class, R35)
  the PEP value *is* the worst case: a value above the bound violates the theorem;
* in the Lipschitz relaxation the PEP value is only an upper bound on the worst case: a value
  below the bound certifies it (judged), a value above says nothing (not judged, SPEC §7).
"""

from __future__ import annotations

import numpy as np

from ..theorems import Theorem
from .cells import ARGS, evaluate, lambdify, method_at
from .reference import cell_values
from .verdict import Observation, judge

__all__ = ["pep_sandwich"]

RELAXATION_ABOVE = "Lipschitz relaxation above the bound (no claim, SPEC §7)"


def _observation(th: Theorem, sw, cell: dict, Kv: int, b: float, exact: bool, tol: float) -> Observation:
    """One PEP row as an observation; its ratio is ``value / (bound (1 + tol))``: above 1 only beyond the
    SDP solver's tolerance ``tol`` (the judge's own rounding tolerance then applies as everywhere)."""
    params = {**cell, "K": Kv}
    pv = sw.pep.value if sw.pep.ok else None
    if pv is None:
        return Observation("PEP", params, float("nan"), judged=False, why=f"PEP solve {sw.pep.status}", k=Kv, bound=b,
                           source="pep")
    ratio = pv / (b * (1 + tol)) if b > 0 else (np.inf if pv > 0 else 0.0)
    judged = exact or not sw.upper_inversion
    return Observation("PEP", params, float(ratio), judged=judged, why="" if judged else RELAXATION_ABOVE, k=Kv,
                       measured=float(pv), bound=b, source="pep")


def pep_sandwich(th: Theorem, quick: bool = False) -> dict:
    """``linear lower bound <= PEP worst case <= bound`` at the theorem's PEP cells (``Theorem.pep``).

    The PEP maximises the theorem's own ``metric`` (:mod:`monoverify.theory.metrics`) after ``K``
    steps from ``||z0 - z*||^2 <= 1`` (``D0 = 1``) and compares it with ``bound`` at ``K``. Rows carry the three numbers, the
    solver status and any inversion; ``judgement`` is the judge's verdict on the rows (a lower
    bound above the PEP value points at solver inaccuracy and is reported, not judged).
    """
    from ..pep import TOL as PEP_TOL
    from ..pep import sandwich

    spec = th.pep
    cells = spec["cells"][:2] if quick else spec["cells"]
    Ks = spec["Ks"][:2] if quick else spec["Ks"]
    bound_f = lambdify(th.bound)
    exact = not spec.get("lipschitz", True)
    rows, obs = [], []
    lo_inv = up_inv = failed = 0
    for cell in cells:
        vals = cell_values(th, cell, 1)
        if not bool(evaluate(th.hypotheses, vals, 1)[0]):
            raise ValueError(f"theorem {th.id}: PEP cell {cell} is outside the hypotheses")
        method = method_at(th, vals)
        for Kv in Ks:
            vals["K"] = float(Kv)
            args = [np.asarray(vals.get(a, np.nan), float) for a in ARGS]
            b = float(bound_f(*args))
            N = int(Kv)  # the PEP maximises the theorem's own metric after K steps: no index or scale bridge
            sw = sandwich(method, vals["rho"], vals["L"] if spec.get("lipschitz", True) else None, N, th.metric,
                          bound=b, n_grid=20 if quick else 40)
            failed += not sw.pep.ok
            lo_inv += bool(sw.lower_inversion)
            up_inv += bool(sw.upper_inversion)
            obs.append(_observation(th, sw, cell, Kv, b, exact, PEP_TOL))
            rows.append({"cell": cell, "K": Kv, "N": N, "lower": float(sw.lower.value),
                         "pep": sw.pep.value if sw.pep.ok else None, "bound": b, "status": sw.pep.status,
                         "message": sw.message})
    j = judge(th, obs)     # the column's own reading (shown in reports); the check judges these rows once more with the rest
    worst = max((o.measured / o.bound if o.bound > 0 else np.inf for o in obs if o.measured is not None), default=None)
    return {"metric": th.metric, "exact_class": exact, "rows": rows,
            "max_pep_over_bound": None if worst is None else float(worst),
            "lower_inversions": lo_inv, "upper_inversions": up_inv, "failed_solves": failed,
            "judgement": j, "observations": obs}
