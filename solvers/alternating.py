"""Alternating (Gauss-Seidel) updates of the players of a game ``min_x max_y f(x, y)``.

``alt-gda`` updates ``x`` first, then ``y`` with the new ``x``::

    x+ = P_x(x - gamma F_x(x, y)),    y+ = P_y(y - gamma F_y(x+, y))

with ``F = (grad_x f, -grad_y f)``. It is written once over the method protocol plus one more
operation, the restriction of a vector to a player's coordinates (multiplication by a 0/1
mask), which the operator declares through ``op.players`` (``BilinearGame``, ``LowerBoundGame``,
the 2-D examples, ``LinearOperator(M, players=...)``). Hence it runs wherever the oracle carries
such an operator (NumPy/CuPy/array-API batches, the explicit iteration matrix of
:func:`monoverify.theory.spectral.iteration_matrix`) and refuses, with a clear error, where it
does not: the eigen-direction oracle of the multiplier analysis (alternating updates mix the
players' blocks, so there is no scalar multiplier per eigenvalue of ``M``) and PEP (a PEPit point
is an abstract vector with no coordinate blocks in the class ``ComonotoneLipschitzOperator``).

Known behaviour on bilinear games (the registry entry ``alt-gda.bilinear_bounded``): on ``f = x^T A y``
the iteration matrix of one singular direction ``s`` of ``A`` is ``[[1, -g s], [g s, 1 - g^2 s^2]]``
(determinant 1, trace ``2 - g^2 s^2``), whose eigenvalues lie on the unit circle iff
``gamma ||A|| <= 2``: the iterates stay bounded and cycle (Bailey, Gidel & Piliouras 2020), they
neither converge nor diverge for ``gamma L < 2`` (simultaneous GDA diverges for every gamma).

>>> import numpy as np
>>> from monoverify.operators import BilinearGame
>>> m = AltGDA(gamma=0.5)
>>> m.step({"z": np.array([1.0, 0.0])}, Oracle(BilinearGame([[1.0]])))["z"]   # x+ = 1, y+ = 0 + 0.5 * 1
array([1. , 0.5])
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from monoverify.arrays import asarray_like
from monoverify.errors import InvalidValue

from .base import Method, State, check_positive
from .oracle import Oracle  # noqa: F401  (used by the module example)

__all__ = ["AltGDA", "PlayersUnavailable", "player_masks", "uses_players"]


class PlayersUnavailable(InvalidValue):
    """An alternating method was given an oracle whose operator declares no players (or a set that
    does not act on each player separately): a user error (a ``ValueError``; the CLI exits with 2)."""


def _separable(constraint: Any) -> bool:
    from monoverify.operators.sets import L1, Box, Whole

    return isinstance(constraint, (Whole, Box, L1))


def player_masks(oracle: Any, like: Any) -> list:
    """0/1 masks of the players' coordinates, as arrays in the namespace of ``like``.

    Raises
    ------
    PlayersUnavailable
        The oracle has no operator with ``players`` (e.g. the spectral eigen-direction oracle or a
        PEP oracle), or its constraint is not separable across coordinates.
    """
    op = getattr(oracle, "op", None)
    players = getattr(op, "players", None)
    if op is None or not hasattr(op, "dim"):
        kind = type(oracle).__name__
        why = ("a PEP point is an abstract vector: the class ComonotoneLipschitzOperator has no coordinate blocks, "
               "so the update of one player cannot be written in this PEP" if "PEP" in kind else
               "a multiplier per eigenvalue of M does not exist: the players' blocks mix the eigen-directions "
               "(use theory.spectral.iteration_matrix on an operator with players)" if "Eigen" in kind else
               "the oracle carries no operator")
        raise PlayersUnavailable(f"alternating updates need the players' coordinate blocks, and {kind} has none: {why}")
    if players is None:
        raise PlayersUnavailable(
            f"{getattr(op, 'name', type(op).__name__)} declares no players; give them, e.g. "
            "LinearOperator(M, players=(slice(0, n), slice(n, dim)))")
    key = (type(like).__module__, str(getattr(like, "dtype", "")), str(getattr(like, "device", "")), id(players),
           id(getattr(op, "_constraint", None)))
    cache = op.__dict__.setdefault("_player_masks", {})
    if key in cache:
        return cache[key]
    if not _separable(op.constraint):
        raise PlayersUnavailable(
            f"alternating updates need a constraint that acts on each player separately (Whole, Box, L1); "
            f"got {op.constraint!r}")
    masks = []
    for b in players:
        m = np.zeros(op.dim)
        m[b] = 1.0
        masks.append(asarray_like(m, like) if hasattr(like, "shape") else m)
    cache[key] = masks
    return masks


@dataclasses.dataclass(frozen=True)
class AltGDA(Method):
    """Alternating GDA: the players take GDA steps in turn, each seeing the others' new values.

    With players ``(x, y)``: ``x+ = P(x - gamma F_x(x, y))``, then ``y+ = P(y - gamma F_y(x+, y))``
    (more players: in their declared order). Two F evaluations per iteration.

    Parameters
    ----------
    gamma : float or array of shape (batch,)
        Step size, ``> 0``.
    """

    gamma: Any
    hyper_fields: ClassVar = ("gamma",)
    calls: ClassVar = "2 F (one per player)"
    needs_players: ClassVar = True

    def __post_init__(self):
        check_positive("gamma", self.gamma)

    def step(self, state: State, oracle: Any) -> State:
        z = state["z"]
        for mask in player_masks(oracle, z):
            z = oracle.prox(z - self.gamma * (mask * oracle.F(z)), self.gamma)
        return {"z": z}


def uses_players(method: Method) -> bool:
    """Does ``method`` (or a method nested in it, e.g. under ``Lookahead``) update players in turn?

    >>> from monoverify.solvers import Lookahead, make
    >>> uses_players(Lookahead(AltGDA(0.5), 2, 0.5)), uses_players(make("la-gda", gamma=0.5, lam=0.5, tau=2))
    (True, False)
    """
    if getattr(method, "needs_players", False):
        return True
    return any(isinstance(v, Method) and uses_players(v)
               for v in (getattr(method, f.name) for f in dataclasses.fields(method)))

