"""Expectation theorems: seeded stochastic runs judged through a confidence statement.

The samplers and the Laurent-Massart confidence statement live in :mod:`monoverify.theory.stochastic`
(:data:`~monoverify.theory.stochastic.SAMPLERS`, :func:`~monoverify.theory.stochastic.kappa`); this
source turns their sample means into observations: each cell's ratio is the **lower confidence limit**
of the expectation over the bound (its worst ``k``), so a violation is claimed only when the
expectation exceeds the bound with probability at least ``1 - 2 exp(-X_CONF)`` per cell.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..stochastic import SAMPLERS, X_CONF, _samples, _skip, kappa
from ..theorems import Theorem
from .cells import OUTSIDE, label_params
from .property import property_ratio
from .verdict import Evidence, Observation

__all__ = ["expectation_evidence"]


def expectation_evidence(th: Theorem, bat: list, progress: Callable[[int], None] | None = None, *, seed: int = 0,
                         quick: bool = False, source: str = "grid") -> Evidence:
    """Observations of an expectation theorem on ``bat`` (``[(instance, cells)]``) with its metric's sampler."""
    ev = Evidence()
    n = _samples(quick)
    ev.extra["samples"] = n
    k_up, k_lo = kappa(n)
    for inst, cells in bat:
        op, z0 = inst.operator(), inst.start()
        why_skip = _skip(op)
        if why_skip:
            ev.notes.append(f"{inst.label}: skipped (the confidence statement needs an unconstrained linear F)")
            ev.observations += [Observation(inst.label, label_params(c), float("nan"), judged=False, why=why_skip,
                                            source=source) for c in cells]
            continue
        if progress:
            progress(len(cells))
        for cell, (vals, ks, means, bnds) in zip(cells, SAMPLERS[th.metric](th, op, z0, cells, n, seed)):
            lower = means / (1 + k_up)
            ratio = np.array([property_ratio(lo, b) for lo, b in zip(lower, bnds)])  # a bound <= 0 is exceeded
            j = int(np.argmax(ratio))
            params = {**label_params(cell), **{k: v for k, v in vals.items() if k in ("D0", "oracle_samples")}}
            ev.curves.append({"instance": inst.label, "params": params, "k": ks, "measured": means, "bound": bnds,
                              "ratio": float(ratio[j]), "mean_ratio": means / bnds, "lower_confidence": lower,
                              "upper_confidence": means / (1 - k_lo), "samples": n, "source": source})
            o = Observation(inst.label, params, float(ratio[j]), judged=cell.inside, why="" if cell.inside else OUTSIDE,
                            k=int(ks[j]), measured=float(means[j]), bound=float(bnds[j]), source=source)
            ev.observations.append(o)
            ev.extra.setdefault("cases", []).append((inst, cell, o))
    ev.notes.append(f"expectations from {n} seeded samples per cell; with probability >= 1 - 2 exp(-{X_CONF:g}) "
                    f"(= {2 * np.exp(-X_CONF):.1e}) per cell the expectation is >= mean/(1 + {k_up:.3f}) "
                    f"and <= mean/(1 - {k_lo:.3f}); violated only if the lower limit exceeds the bound")
    return ev
