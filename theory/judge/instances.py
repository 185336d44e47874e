"""The instance families of a battery: operators with exact constants for each cell.

A family builds, for a normalised ``c = -rho L`` and a scale ``L``, the instances of its class (SPEC
§6 families; new ones register in :data:`FAMILIES`): worst-case ``LowerBoundGame``, random
comonotone maps (the rotation-scaling blocks of ``random_comonotone`` in dimension 100, 20 with
``quick``), bilinear games, random non-normal maps, the nonlinear examples, constrained problems.
An :class:`Instance` is either *stackable* — a linear unconstrained map given as rows of small
matrices (its rotation-scaling blocks, or the whole map when small), evaluated for every cell at
once by :mod:`.linear_stack` — or run directly by :func:`monoverify.solvers.run`. Every instance can
also be *rescaled* (``L`` and ``||z0 - z*||`` over decades, ``z* != 0``; :func:`rescale`). A theorem's
battery (:func:`~monoverify.theory.judge.battery.battery`) draws its instances from these families.

>>> inst = instances_for("lower_bound", 0.0, 1.0, True, 0)[0]
>>> inst.label, inst.stackable, inst.L
('LowerBoundGame(c=0, L=1)', True, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from monoverify.operators import BilinearGame, LinearOperator, LowerBoundGame


__all__ = ["Instance", "instances_for", "rescale", "FIXED", "FAMILIES", "register_family", "block_rows",
           "random_dim"]

#: parameters that fix the experiment rather than pick a cell (the oracle's noise level): pinning them
#: keeps the sampled battery
FIXED = ("sigma",)
#: largest dimension of a linear map stacked whole (larger normal maps are stacked by their blocks)
STACK_DIM = 8


@dataclass
class Instance:
    """One operator of a family with its start: ``rows`` (``Ms`` ``(n, d, d)``, ``y0`` ``(n, d)``, in
    ``z - z*`` coordinates) when stackable, else ``op`` and ``z0`` for a direct run."""

    label: str
    family: str
    rho: float
    L: float
    D0: float
    op: Any = None
    z0: Any = None
    rows: tuple | None = None
    scale: tuple = (1.0, 1.0)
    meta: dict = field(default_factory=dict)
    #: further exact constants of the operator (its strong monotonicity ``mu``) that the cells must use
    consts: dict = field(default_factory=dict)

    @property
    def stackable(self) -> bool:
        return self.rows is not None

    def operator(self) -> Any:
        """The instance as an operator (rows become a block-diagonal :class:`LinearOperator`)."""
        if self.op is not None:
            return self.op
        Ms, y0 = self.rows
        from scipy.linalg import block_diag

        M = block_diag(*Ms)
        return LinearOperator(M, name=self.label, solution=np.zeros(M.shape[0]), block_size=Ms.shape[1])

    def start(self) -> np.ndarray | None:
        if self.op is not None:
            return self.z0
        return self.rows[1].reshape(-1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def random_dim(quick: bool) -> int:
    """Dimension of the random instances: 100 in the full battery, 20 with ``quick``."""
    return 20 if quick else 100


def block_rows(blocks: list, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of rotation-scaling blocks ``(L_j, rho_j)`` (``rho_j = None``: the real eigenvalue ``L_j``)
    started with mass ``weights[j]`` (``||z0 - z*||^2 = sum``) on each."""
    Ms = np.zeros((len(blocks), 2, 2))
    for j, (lj, rj) in enumerate(blocks):
        if rj is None:
            Ms[j] = lj * np.eye(2)
            continue
        s = float(np.clip(rj * lj, -1.0, 1.0))
        b, a = s * lj, lj * np.sqrt(max(0.0, 1.0 - s * s))
        Ms[j] = [[b, a], [-a, b]]
    y0 = np.zeros((len(blocks), 2))
    y0[:, 0] = np.sqrt(np.asarray(weights, float))
    return Ms, y0


def _lower_bound(c: float, L: float, quick: bool, seed: int) -> list[Instance]:
    op = LowerBoundGame(-c / L, L)
    z0 = _unit(np.array([1.0, 0.5]))
    return [Instance(f"LowerBoundGame(c={c:g}, L={L:g})", "lower_bound", float(op.rho), float(op.L), 1.0,
                     rows=(np.asarray(op.matrix, float)[None], z0[None]))]


def _random(c: float, L: float, quick: bool, seed: int) -> list[Instance]:
    from monoverify.operators.linear import comonotone_blocks

    out = []
    d = random_dim(quick)
    for s in ((seed,) if quick else (seed, seed + 1)):
        rng = np.random.default_rng(s)
        blocks = comonotone_blocks(d, -c / L, L, rng)
        g = np.random.default_rng(1000 + s).standard_normal(d)
        sizes = [1 if r is None else 2 for _, r in blocks]
        w = np.add.reduceat(g * g, np.concatenate([[0], np.cumsum(sizes)[:-1]])) / np.sum(g * g)
        Ms, y0 = block_rows(blocks, w)
        out.append(Instance(f"random_comonotone(dim={d}, c={c:g}, L={L:g}, seed={s})", "random", -c / L, L, 1.0,
                            rows=(Ms, y0), meta={"blocks": blocks}))
    return out


def _linear(label: str, family: str, op: LinearOperator, z0: np.ndarray | None) -> Instance:
    z0 = _unit(np.ones(op.dim)) if z0 is None else z0
    D0 = float(np.sum((z0 - np.asarray(op.solution, float)) ** 2)) if op.solution is not None else 1.0
    if op.dim <= STACK_DIM and op.offset is None and type(op.constraint).__name__ == "Whole":
        return Instance(label, family, float(op.rho), float(op.L), D0, rows=(np.asarray(op.matrix, float)[None],
                                                                            np.asarray(z0, float)[None]), op=None,
                        meta={"op": op}, consts=_consts(op))
    return Instance(label, family, float(op.rho), float(op.L), D0, op=op, z0=z0, consts=_consts(op))


def _bilinear(c: float, L: float, quick: bool, seed: int) -> list[Instance]:
    if c != 0:
        return []
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((3, 4))
    A *= L / np.linalg.norm(A, 2)
    return [_linear(f"BilinearGame([[{L:g}]])", "bilinear", BilinearGame([[L]]), _unit(np.array([1.0, 0.5]))),
            _linear(f"BilinearGame(3x4, L={L:g})", "bilinear", BilinearGame(A), _unit(rng.standard_normal(7)))]


def _bilinear_scalar(c: float, L: float, quick: bool, seed: int) -> list[Instance]:
    """The scalar game f = L xy (F = L[[0, 1], [-1, 0]]): the bilinear game of one singular value."""
    return [] if c != 0 else _bilinear(c, L, quick, seed)[:1]


def _direct(family: str, builder: Callable) -> Callable:
    """A family of ``(label, op, z0)`` triples (the builders' historical form) as instances.

    Two kinds of problem keep their operator whole (run directly, never stacked): a problem given as a
    sum (:func:`~monoverify.operators.Sum`; splitting methods reach its summands, and its ``rho``, ``L``
    are those of the first summand ``A = op.terms[0]``, the convention of the theorems on sums), and a
    problem without a zero (``op.displacement``), whose ``D0`` is measured from the nearest point ``x*``
    with ``F x* = v`` (:func:`~monoverify.theory.metrics.displacement_reference`).
    """

    def build(c: float, L: float, quick: bool, seed: int) -> list[Instance]:
        out = []
        for label, op, z0 in builder(c, L, quick, seed):
            terms = getattr(op, "terms", None)
            if terms is not None:
                D0 = 1.0 if op.solution is None or z0 is None else float(np.sum((np.asarray(z0) - op.solution) ** 2))
                out.append(Instance(label, family, float(terms[0].rho), float(terms[0].L), D0, op=op, z0=z0,
                                    consts=_consts(op)))
                continue
            if getattr(op, "displacement", None) is not None and z0 is not None:
                from ..metrics import displacement_reference

                z0 = np.asarray(z0, float)
                D0 = float(np.sum((z0 - displacement_reference(op, z0)) ** 2))
                out.append(Instance(label, family, float(op.rho), float(op.L), D0, op=op, z0=z0, consts=_consts(op)))
                continue
            if isinstance(op, LinearOperator) and not getattr(op, "players", None) and z0 is not None:
                out.append(_linear(label, family, op, np.asarray(z0, float)))
                continue
            D0 = 1.0 if op.solution is None or z0 is None else float(np.sum((np.asarray(z0) - op.solution) ** 2))
            out.append(Instance(label, family, float(op.rho), float(op.L), D0, op=op, z0=z0, consts=_consts(op)))
        return out
    return build


def _consts(op: Any) -> dict:
    """Exact constants an operator declares besides ``rho`` and ``L`` (``mu``).

    For a problem given as a sum (``op.terms``), the summands': ``mu`` of ``B = op.terms[1]`` (``rho``
    and ``L`` are ``A = op.terms[0]``'s, set by :func:`_direct`), the convention of the theorems on sums
    (``field.SPLITTING``).
    """
    terms = getattr(op, "terms", None)
    if terms is not None:
        mu = getattr(terms[1], "mu", None) if len(terms) > 1 else None
    else:
        mu = getattr(op, "mu", None)
    return {} if mu is None else {"mu": float(mu)}


def _nonnormal(rho0: float, dim: int, seed: int) -> LinearOperator:
    """Random non-normal M with rho(M) = rho0 exactly before scaling to ||M|| = 1 (M^{-1} = rho0 I + S + W)."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((dim, dim))
    S = G @ G.T / dim
    S -= np.linalg.eigvalsh(S)[0] * np.eye(dim)
    W = rng.standard_normal((dim, dim))
    W = (W - W.T) / 2
    Mx = np.linalg.inv(rho0 * np.eye(dim) + S + W)
    Mx /= np.linalg.norm(Mx, 2)
    return LinearOperator(Mx, name="random_nonnormal", params={"dim": dim, "rho0": rho0, "seed": seed})


def _random_nonnormal(c: float, L: float, quick: bool, seed: int) -> list:
    return [(f"random_nonnormal(dim=6, rho0={-c:g}, seed={seed + s})", _nonnormal(-c, 6, seed + s), None)
            for s in (range(2) if quick else range(5))]


def _examples(c: float, L: float, quick: bool, seed: int) -> list:
    """Nonlinear examples of SPEC §6 whose rho is exact (PolarGame a = 1/3, 3/4), run unconstrained;
    their L holds on the box, which the iterates must not leave (instances that leave it are not judged)."""
    import sympy as sp

    from monoverify.operators import PolarGame

    out = []
    for a in (sp.Rational(1, 3), sp.Rational(3, 4)):
        boxed = PolarGame(a)
        op = boxed.with_constraint(None)
        op.valid_region = boxed.constraint
        out.append((f"PolarGame(a={a}) unconstrained, L on {boxed.constraint!r}", op, np.array([1.0, 0.5])))
    return out


def _constrained(c: float, L: float, quick: bool, seed: int) -> list:
    """A != 0: LowerBoundGame and random_comonotone (dim 100, quick 20) on the ball ||z|| <= 1/2 (z0 outside it);
    weak MVI at z* = 0 with rho(M) for 0 <= c <= 1/sqrt(2) [derived]; with c = 0 also an L1 regulariser."""
    from monoverify.operators import L1, Ball, random_comonotone

    if c < 0 or c > 2 ** -0.5:
        return []
    rho = -c / L
    out = [(f"LowerBoundGame(c={c:g}, L={L:g}) on Ball(0.5)", LowerBoundGame(rho, L).with_constraint(Ball(0.5, 2)),
            _unit(np.array([1.0, 0.5])))]
    d = random_dim(quick)
    op = random_comonotone(d, rho, L, seed=seed)
    out.append((f"random_comonotone(dim={d}, c={c:g}, L={L:g}, seed={seed}) on Ball(0.5)",
                op.with_constraint(Ball(0.5, d)), _unit(np.random.default_rng(1000 + seed).standard_normal(d))))
    if c == 0:
        out.append((f"LowerBoundGame(c=0, L={L:g}) + 0.1||.||_1", LowerBoundGame(0.0, L).with_constraint(L1(0.1, 2)),
                    _unit(np.array([1.0, 0.5]))))
    return out


def _scaled_identity(c: float, L: float, quick: bool, seed: int) -> list:
    """``F z = L z`` (rho = 1/L): the EG+ worst case at gamma = 1/L (SPEC R34); built for c = 0 only."""
    return [] if c != 0 else [(f"LinearOperator({L:g} I_2)", LinearOperator(L * np.eye(2), name="scaled_identity"),
                               _unit(np.array([1.0, 0.5])))]


def _bilinear_players(c: float, L: float, quick: bool, seed: int) -> list:
    """Bilinear games with players, for alternating methods: the scalar game and a random 3x3 game."""
    if c != 0:
        return []
    A = np.random.default_rng(seed + 7).standard_normal((3, 3))
    A *= L / np.linalg.norm(A, 2)
    return [(f"BilinearGame([[{L:g}]])", BilinearGame([[L]]), _unit(np.array([1.0, 0.5]))),
            (f"BilinearGame(3x3, L={L:g})", BilinearGame(A), _unit(np.random.default_rng(seed).standard_normal(6)))]


def _forsaken(c: float, L: float, quick: bool, seed: int) -> list:
    """Forsaken (HMC21) on its box [-1.5, 1.5]^2 from (0.2, 0.5) (SPEC §8 item 25); own constants."""
    from monoverify.operators import Forsaken

    return [("Forsaken() from (0.2, 0.5)", Forsaken(), np.array([0.2, 0.5]))] if c == 0 else []


def _nonnormal_small(c: float, L: float, quick: bool, seed: int) -> list:
    """Random non-normal maps of dimension 6 scaled to ``||M|| = L`` from a seeded unit start (their rho is
    the map's own, computed exactly from ``M``; cells are admitted on it)."""
    out = []
    for s in (range(1) if quick else range(2)):
        base = _nonnormal(-c, 6, seed + s)
        op = LinearOperator(base.matrix * L, name="random_nonnormal", params={"dim": 6, "rho0": -c, "seed": seed + s})
        z0 = _unit(np.random.default_rng(2000 + seed + s).standard_normal(6))
        out.append((f"random_nonnormal(dim=6, rho0={-c:g}, L={L:g}, seed={seed + s}) from a unit start", op, z0))
    return out


#: family name -> builder ``(c, L, quick, seed) -> list[Instance]``
FAMILIES: dict[str, Callable] = {
    "lower_bound": _lower_bound, "random": _random, "bilinear": _bilinear, "bilinear_scalar": _bilinear_scalar,
    "random_nonnormal": _direct("random_nonnormal", _random_nonnormal), "examples": _direct("examples", _examples),
    "constrained": _direct("constrained", _constrained), "scaled_identity": _direct("scaled_identity", _scaled_identity),
    "bilinear_players": _direct("bilinear_players", _bilinear_players), "forsaken": _direct("forsaken", _forsaken),
    "nonnormal_small": _direct("nonnormal_small", _nonnormal_small),
}
#: families with their own constants (the cell's c and L do not pick the instance)
OWN_CONSTANTS = {"examples", "forsaken"}
from .families_field import FAMILIES as _FIELD_FAMILIES  # noqa: E402  (issue 25: the field's families)
FAMILIES.update({k: _direct(k, b) for k, b in _FIELD_FAMILIES.items()})


def register_family(name: str, builder: Callable, *, own_constants: bool = False) -> None:
    """Add a family: ``builder(c, L, quick, seed) -> [(label, operator, z0)]`` (operators with exact constants)."""
    FAMILIES[name] = _direct(name, builder)
    if own_constants:
        OWN_CONSTANTS.add(name)


def instances_for(family: str, c: float, L: float, quick: bool, seed: int) -> list[Instance]:
    """The instances of ``family`` at ``(c, L)``."""
    try:
        builder = FAMILIES[family]
    except KeyError:
        raise ValueError(f"unknown family {family!r}; known: {sorted(FAMILIES)}") from None
    return builder(c, L, quick, seed)


def rescale(inst: Instance, a: float, r: float, seed: int, offset: bool = True) -> Instance:
    """``inst`` with its operator scale times ``a`` and ``||z0 - z*||`` equal to ``r`` (times its own), its zero
    moved to a random ``z*`` of norm about ``r`` (a direct-run instance; stack rows stay in ``z - z*``)."""
    from monoverify.operators.scaled import rescaled

    if inst.stackable and inst.op is None and "op" not in inst.meta:
        Ms, y0 = inst.rows
        return Instance(f"{inst.label} x(L {a:g}, |z0 - z*| {r:g})", inst.family, inst.rho / a, inst.L * a,
                        inst.D0 * r * r, rows=(Ms * a, y0 * r), scale=(a, r), meta=inst.meta,
                        consts={k: v * a for k, v in inst.consts.items()})
    op = inst.op if inst.op is not None else inst.meta["op"]
    z0 = inst.z0 if inst.op is not None else inst.rows[1][0]
    zs = np.zeros(op.dim) if op.solution is None else np.asarray(op.solution, float)
    if z0 is None or op.solution is None:
        return inst
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(op.dim)
    wstar = r * rng.uniform(0.5, 2.0) * w / np.linalg.norm(w) if offset else np.zeros(op.dim)
    new = rescaled(op, a=a, s=r, zstar=wstar)
    if getattr(op, "mu", None) is not None:
        new.mu = float(op.mu) * a          # strong monotonicity scales like L
    w0 = wstar + r * (np.asarray(z0, float) - zs)
    return Instance(f"{inst.label} x(L {a:g}, |z0 - z*| {r:g}, z* != 0)", inst.family, float(new.rho), float(new.L),
                    float(np.sum((w0 - wstar) ** 2)), op=new, z0=w0, scale=(a, r), consts=_consts(new))
