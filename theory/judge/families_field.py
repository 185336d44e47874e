"""Instance families of the field's theorems (issue 25): ``builder(c, L, quick, seed) -> [(label, op, z0)]``.

Each builder returns operators with exact constants (:mod:`monoverify.operators.classes`); the
cell's ``rho``, ``L`` (and, for the classes that have one, ``mu = op.mu``) are read from the
operator, so a builder may ignore ``c`` and ``L`` when its class fixes them (fixed-point residuals
``F = I - T`` have ``rho L = 1``). Start points are seeded unit vectors.

* ``fixed_point``: ``F = I - T`` with ``T`` nonexpansive (a rotation, a random normal map) or
  ``1/2``-contractive: Halpern, KM.
* ``quadratic``: strongly convex quadratics ``mu I <= H <= L I`` for ``kappa`` in ``{2, 10, 100}``.
* ``strongly_monotone``: normal maps with strong monotonicity ``mu`` in ``{L/10, L/2}``.
* ``ntk``: the neural-tangent Gram matrix of a small random two-layer ReLU network, scaled to ``L``.
* ``inconsistent``: affine maps without a zero (their displacement vector is ``op.displacement``).
* ``splitting``: sums ``A + B`` of commuting normal 2x2 maps: ``A`` a rotation-scaling with
  ``rho = -c/L`` and norm ``L``, ``B`` strongly monotone (``mu`` in ``{L/10, L}``); for
  Douglas-Rachford (``cells`` read ``rho``, ``L`` from ``A = op.terms[0]`` and ``mu`` from ``B``).

>>> [label for label, _, _ in fixed_point(0.0, 1.0, True, 0)][:2]
['fixed_point_residual(rotation pi/2)', 'fixed_point_residual(rotation 2pi/3)']
"""

from __future__ import annotations

import numpy as np

from monoverify.operators import (LinearOperator, LowerBoundGame, Sum, fixed_point_residual, inconsistent_affine,
                                  ntk_gram, random_contraction, random_quadratic, random_strongly_monotone)

__all__ = ["fixed_point", "quadratic", "strongly_monotone", "ntk", "inconsistent", "splitting", "FAMILIES"]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _start(dim: int, seed: int) -> np.ndarray:
    return _unit(np.random.default_rng(3000 + seed).standard_normal(dim))


def _rotation(th: float) -> np.ndarray:
    return np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])


def fixed_point(c: float, L: float, quick: bool, seed: int) -> list:
    """``F = I - T``: rotations by pi/2, 2pi/3, 0.95 pi (nonexpansive, ``rho = 1/2`` exactly), a random
    normal nonexpansive map and a random ``1/2``-contraction (``rho = 2/3``); own constants."""
    out = []
    for name, th in (("pi/2", np.pi / 2), ("2pi/3", 2 * np.pi / 3), ("0.95pi", 0.95 * np.pi)):
        out.append((f"fixed_point_residual(rotation {name})", fixed_point_residual(_rotation(th), q=1),
                    np.array([1.0, 0.0])))
    d = 6 if quick else 20
    out.append((f"random_contraction(dim={d}, q=1, seed={seed})", random_contraction(d, 1, seed), _start(d, seed)))
    out.append((f"random_contraction(dim={d}, q=1/2, seed={seed})", random_contraction(d, 0.5, seed),
                _start(d, seed + 1)))
    return out


def quadratic(c: float, L: float, quick: bool, seed: int) -> list:
    """``random_quadratic(dim, mu, L)`` for ``kappa = L/mu`` in ``{2, 10, 100}`` (own ``rho = 1/L``)."""
    d = 6 if quick else 20
    return [(f"random_quadratic(dim={d}, kappa={k:g}, L={L:g}, seed={seed})", random_quadratic(d, L / k, L, seed),
             _start(d, seed)) for k in (2.0, 10.0, 100.0)]


def strongly_monotone(c: float, L: float, quick: bool, seed: int) -> list:
    """``random_strongly_monotone(dim, mu, L)`` for ``mu`` in ``{L/10, L/2}`` (own ``rho = mu/L^2``)."""
    d = 6 if quick else 20
    return [(f"random_strongly_monotone(dim={d}, mu={m:g}, L={L:g}, seed={seed})",
             random_strongly_monotone(d, m, L, seed), _start(d, seed)) for m in (L / 10, L / 2)]


def ntk(c: float, L: float, quick: bool, seed: int) -> list:
    """The NTK Gram matrix of a random two-layer ReLU network (8 inputs in R^3; 6 with ``quick``), ``lambda_max = L``."""
    n = 6 if quick else 8
    op = ntk_gram(n, 512, 3, seed, L=L)
    return [(f"ntk_gram(n={n}, width=512, d=3, seed={seed}, L={L:g})", op, _start(n, seed))]


def inconsistent(c: float, L: float, quick: bool, seed: int) -> list:
    """Affine maps without a zero (``F = I - T + b``, ``T`` nonexpansive with the eigenvalues 1 and -1); own
    constants. Each from a seeded unit start and from ``x* + e + v/|v|/2``: ``e`` the unit eigenvector of ``T``
    for ``-1`` (on it ``F z - v = M (z - x*)`` is the worst direction of the linear part), plus a component along
    the kernel ``ker M`` (spanned by ``v``) that the nearest reference point ``x*`` removes from ``D0``."""
    dims = (3,) if quick else (3, 8)
    out = []
    for d in dims:
        op = inconsistent_affine(d, seed)
        out.append((f"inconsistent_affine(dim={d}, seed={seed})", op, _start(d, seed)))
        _, sv, Vt = np.linalg.svd(np.asarray(op.fixed_point_matrix, float) + np.eye(d))
        e = Vt[-1]                                        # T e = -e (the smallest singular value of T + I is 0)
        v = np.asarray(op.displacement, float)
        out.append((f"inconsistent_affine(dim={d}, seed={seed}) from x* + e(-1) + v/(2|v|)", op,
                    np.asarray(op.displacement_point, float) + e + v / (2 * np.linalg.norm(v))))
    return out


def splitting(c: float, L: float, quick: bool, seed: int) -> list:
    """``Sum(A, B)``: ``A`` = LowerBoundGame(-c/L, L) (``c <= 0``: cocoercive or monotone), ``B = mu I + s J``
    (``J`` the rotation by pi/2) for ``(mu, s)`` in ``{(L/10, 0), (L/10, L), (L, 0)}``; commuting normal maps."""
    if c > 0:
        return []
    A = LowerBoundGame(-c / L, L)
    J = np.array([[0.0, 1.0], [-1.0, 0.0]])
    out = []
    for m, s_ in ((L / 10, 0.0), (L / 10, L), (L, 0.0)):
        B = LinearOperator(m * np.eye(2) + s_ * J, name="strongly_monotone_2x2")
        B.mu = m
        out.append((f"Sum(LowerBoundGame(c={c:g}, L={L:g}), {m:g} I + {s_:g} J)", Sum(A, B), np.array([1.0, 0.5])))
    return out


#: name -> builder, as registered in :data:`monoverify.theory.judge.instances._PAPER_FAMILIES`
FAMILIES = {"fixed_point": fixed_point, "quadratic": quadratic, "strongly_monotone": strongly_monotone, "ntk": ntk,
            "inconsistent": inconsistent, "splitting": splitting}
