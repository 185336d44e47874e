"""The adversary as an evidence source: searched worst instances at the cells that matter most.

The cells attacked come from the statement and the battery's own measurements only: the theorem's
declared PEP cells and ``attack_cells`` (reference points of the statement itself) and the battery's
worst cells (the highest ratios measured). At each, :func:`~.adversary.attack` searches block
operators of the class and horizons up to ``10^5``. With ``reference=True`` the certified worst case
``W(K)`` (PEP) is computed at the reference cells and its class-constrained linear fit
(:mod:`.pepfit`) is run as an instance and seeds the search. Every attack found is an observation and
a stackable instance, so the long-horizon and scale checks (:mod:`.horizon`) re-check it too.
"""

from __future__ import annotations

import numpy as np

from ..theorems import Theorem
from .adversary import Attack, attack
from .cells import Cell, absolute
from .instances import Instance, block_rows
from .verdict import Evidence, Observation

__all__ = ["adversary_evidence", "attack_cells"]

#: worst battery cells attacked (quick, full)
WORST = (2, 4)


def th_ref_cells(th: Theorem, quick: bool) -> list[dict]:
    """The statement's own reference cells: declared PEP cells (quick: the first) and ``attack_cells``."""
    cells = [dict(c) for c in (th.pep or {}).get("cells", ())]
    cells = cells[:1] if quick else cells
    return cells + [{k: v for k, v in c.items() if k != "K"} for c in th.attack_cells]


def attack_cells(th: Theorem, base: Evidence, quick: bool) -> list[dict]:
    """Normalised cells to attack: declared PEP cells (quick: the first), ``attack_cells`` and the worst cells."""
    from .horizon import top_cases

    cells = th_ref_cells(th, quick)
    n_ref = len(cells)
    for inst, cell, _ in top_cases(base, WORST[0 if quick else 1] * 3):
        if inst.family in ("examples", "forsaken", "constrained"):
            continue
        c = {k: v for k, v in cell.norm.items() if k not in ("K",) and not (k == "tau" and "tau" in th.derived)}
        c["L"] = cell.L
        if c not in cells:
            cells.append(c)
        if len(cells) >= WORST[0 if quick else 1] + n_ref:
            break
    return cells


def _instance(th: Theorem, a: Attack) -> Instance:
    Ms, y0 = block_rows([(float(x), float(y)) for x, y in a.blocks], a.weights)
    L = float(a.cell.get("L", 1.0))
    # the class of the attacked cell (every block lies in it): re-checks use the cell's constants
    return Instance(a.label, "adversary", -float(a.cell.get("c", 0.0)) / L, L, 1.0, rows=(Ms, y0),
                    meta={"attack": a, "L": L})


def adversary_evidence(th: Theorem, base: Evidence, *, quick: bool, seed: int, reference: bool) -> Evidence:
    """Attack ``th`` at :func:`attack_cells`; with ``reference`` also ``W(K)`` and the PEP-fitted maps."""
    ev = Evidence()
    cells = attack_cells(th, base, quick)
    fitted, seeds = [], None
    if reference:
        from .pepfit import candidates
        from .reference import reference_Ks

        fitted, seeds = candidates(th, cells, reference_Ks(th, quick), quick=quick)
        ev.notes.extend(f"PEP-fitted linear map at {c.cell}, K={c.K}: {c.message}" for c in fitted if not c.success)
        fitted = [c for c in fitted if c.success]
    pep_seeds = {}
    for (i, _K), blocks in (seeds or {}).items():
        pep_seeds.setdefault(i, []).extend(blocks)
    attacks = [attack(th, c, quick=quick, seed=seed, seeds=pep_seeds.get(i)) for i, c in enumerate(cells)]
    from .horizon import top_cases
    from .search import search

    starts = [{k: v for k, v in cell.norm.items() if k != "K"} for _, cell, _ in top_cases(base, 8)
              if cell.L == 1.0] + [{k: v for k, v in c.items() if k != "L"} for c in cells]
    attacks += search(th, starts, quick=quick, seed=seed)
    per_K = []
    if reference:   # the adversary's best at each reference horizon: how close it comes to W(K)
        from .reference import reference_Ks

        n_ref = len(cells) - len([c for c in cells if c not in th_ref_cells(th, quick)])
        per_K = [attack(th, c, quick=quick, seed=seed, seeds=pep_seeds.get(i), Ks=(int(K),))
                 for i, c in enumerate(cells[:n_ref + 1]) for K in reference_Ks(th, quick)]
    for a in attacks + per_K + fitted:
        if not a.success:
            ev.notes.append(f"adversary at {a.cell}: {a.message}")
            continue
        params = {**a.cell, "K": a.K}
        o = Observation(a.label, params, a.ratio, k=a.K, measured=a.measured, bound=a.bound, source="adversary")
        ev.observations.append(o)
        ev.curves.append({"instance": a.label, "params": params, "k": np.array([a.K]), "measured": np.array([a.measured]),
                          "bound": np.array([a.bound]), "ratio": a.ratio, "excluded": False, "why": "",
                          "status": "adversary", "source": "adversary"})
        if isinstance(a, Attack):
            inst = _instance(th, a)
            norm = {k: v for k, v in a.cell.items() if k != "L"}
            vals = absolute(th, {**norm, "K": a.K}, rho=-float(a.cell.get("c", 0.0)) / inst.meta["L"],
                            L=inst.meta["L"], D0=1.0)
            ev.extra.setdefault("cases", []).append((inst, Cell({**norm, "K": a.K}, inst.meta["L"], origin="adversary",
                                                               values=vals), o))
    ev.extra["attacks"] = attacks + per_K + fitted
    best = max((a.ratio for a in attacks + per_K + fitted if a.success), default=None)
    if best is not None:
        ev.notes.append(f"adversary: {len(attacks)} searches over rotation-scaling blocks and horizons"
                        + (f" and {len(fitted)} PEP-fitted linear maps" if fitted else "") + f", best ratio {best:.4g}")
    if reference:
        from .reference import reference_Ks, strength

        ev.extra["reference"] = strength(th, cells, reference_Ks(th, quick), per_K + fitted)
    return ev


def worst_of(attacks: list, label: str) -> dict:
    """The report's ``worst`` entry for an attack's observation (its blocks, or its fitted matrix)."""
    for a in attacks:
        if a.label == label and a.success:
            if isinstance(a, Attack):
                return {"instance": a.label, **a.cell, "k": a.K, "blocks": a.blocks, "weights": a.weights}
            return {"instance": a.label, **a.cell, "k": a.K, "matrix": a.fit.matrix, "z0": a.fit.z0}
    return {}

