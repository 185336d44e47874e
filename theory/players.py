"""Spectral analysis of methods that update the players in turn (``alt-gda``, ``la-alt-gda``).

Alternating updates mix the players' coordinate blocks, so there is no multiplier per eigenvalue
of ``M`` (the eigen-direction oracle of :mod:`monoverify.theory.spectral` refuses them). Their
spectral radius comes from the explicit iteration matrix
(:func:`monoverify.theory.spectral.iteration_matrix`, which runs the method's ``step`` on the unit
states of an operator that declares its players). Each zero eigenvalue of ``M`` contributes an
eigenvalue 1 (points of ``ker M`` are fixed: convergence to the solution set, not its failure);
those are removed, as the checker removes zero eigenvalues before the multiplier analysis.

>>> from monoverify.operators import BilinearGame
>>> from monoverify.solvers import make
>>> float(radius(make("alt-gda", gamma=1.0), BilinearGame([[1.0]])).round(12)[0])   # on the unit circle
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.solvers.base import Method

__all__ = ["radius"]


def radius(method: Method, op: Any) -> np.ndarray:
    """Spectral radius per batch row (shape ``(batch,)``, ``(1,)`` unbatched) through the iteration matrix.

    Raises
    ------
    ValueError
        ``op`` is not an unconstrained linear operator with players.
    """
    from .spectral import iteration_matrix

    n = method.batch_size() or 1
    e = np.asarray(op.eigenvalues())
    k = int(np.sum(np.abs(e) <= 1e-12 * max(1.0, float(np.max(np.abs(e))))))
    out = np.empty(n)
    for j in range(n):
        mj = method.map_hyper(lambda name, v: float(np.broadcast_to(np.asarray(v, float), (n,))[j]))
        ev = np.linalg.eigvals(iteration_matrix(mj, op))
        if k:
            ev = np.delete(ev, np.argsort(np.abs(ev - 1))[:k])
        out[j] = np.max(np.abs(ev))
    return out
