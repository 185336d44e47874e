"""The instance battery of a theorem: operators, start points and the parameter cells each admits.

The families (SPEC §6): worst-case ``LowerBoundGame`` across the admissible range including near
its boundary, ``random_comonotone`` operators in dimension 100 (20 with ``quick``), bilinear games,
random non-normal maps, and the nonlinear examples with exact constants. Grid values are normalised
(``c = -rho L``, ``t = gamma L``).

>>> from monoverify.theory.theorems import get
>>> bat = battery(get("pp.last_iterate"), quick=True)
>>> label, op, z0, admitted, refused = bat[0]
>>> label, len(admitted) > 0
('LowerBoundGame(c=0, L=1)', True)
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from monoverify.operators import BilinearGame, LinearOperator, LowerBoundGame, random_comonotone

from ..theorems import Theorem
from .cells import Cell, derive, evaluate

__all__ = ["battery", "grid", "FIXED"]

#: parameters that fix the experiment rather than pick a cell (the oracle's noise level): pinning them
#: keeps the sampled battery (boundary neighbourhoods of the other parameters)
FIXED = ("sigma",)


def random_dim(quick: bool) -> int:
    """Dimension of the random instances: 100 in the full battery, 20 with ``quick``.

    Both have the class's exact constants (``random_comonotone``); 20 keeps the quick run within
    the linear fast path's reach (RAPP's inner loop reaches tau = 826 at K = 100).
    """
    return 20 if quick else 100


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _nonnormal(rho0: float, dim: int, seed: int) -> LinearOperator:
    """Random non-normal M with rho(M) = rho0 exactly before scaling to ||M|| = 1 (M^{-1} = rho0 I + S + W)."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((dim, dim))
    S = G @ G.T / dim
    S -= np.linalg.eigvalsh(S)[0] * np.eye(dim)           # PSD, lambda_min = 0
    W = rng.standard_normal((dim, dim))
    W = (W - W.T) / 2
    N = rho0 * np.eye(dim) + S + W
    Mx = np.linalg.inv(N)
    Mx /= np.linalg.norm(Mx, 2)
    return LinearOperator(Mx, name="random_nonnormal", params={"dim": dim, "rho0": rho0, "seed": seed})


def _instances(family: str, c: float, L: float, quick: bool, seed: int) -> list[tuple[str, Any, np.ndarray]]:
    rho = -c / L
    rng = np.random.default_rng(seed)
    if family == "lower_bound":
        return [(f"LowerBoundGame(c={c:g}, L={L:g})", LowerBoundGame(rho, L), _unit(np.array([1.0, 0.5])))]
    if family == "random":
        seeds = (seed,) if quick else (seed, seed + 1)
        d = random_dim(quick)
        out = []
        for s in seeds:
            op = random_comonotone(d, rho, L, seed=s)
            out.append((f"random_comonotone(dim={d}, c={c:g}, L={L:g}, seed={s})", op,
                        _unit(np.random.default_rng(1000 + s).standard_normal(d))))
        return out
    if family == "bilinear":
        if c != 0:
            return []
        A = rng.standard_normal((3, 4))
        A *= L / np.linalg.norm(A, 2)
        return [(f"BilinearGame([[{L:g}]])", BilinearGame([[L]]), _unit(np.array([1.0, 0.5]))),
                (f"BilinearGame(3x4, L={L:g})", BilinearGame(A), _unit(rng.standard_normal(7)))]
    if family == "random_nonnormal":
        seeds = range(2) if quick else range(5)
        out = []
        for s in seeds:
            op = _nonnormal(-c, 6, seed + s)
            out.append((f"random_nonnormal(dim=6, rho0={-c:g}, seed={seed + s})", op, None))
        return out
    if family == "examples":
        return _example_instances()
    if family in _PAPER_FAMILIES:
        return _PAPER_FAMILIES[family](c, L, quick, seed)
    raise ValueError(f"unknown family {family!r}")


def _constrained_instances(c: float, L: float, quick: bool, seed: int) -> list:
    """A != 0: LowerBoundGame and random_comonotone (dim 100, quick 20) on the ball ||z|| <= 1/2 (z0 outside it).

    For ``T = M + N_Ball`` with ``M`` block rotation-scaling around the ball's centre 0, ``N_Ball(z) =
    {s z, s >= 0}`` adds ``s`` to every block's real part ``b_j``; ``x/(x^2 + a^2)`` has its minimum over
    ``x >= b`` at ``x = b`` when ``-a <= b <= 0``, i.e. ``c_j <= 1/sqrt(2)``, and tends to 0 for ``b > 0``,
    so ``T`` satisfies the weak MVI at ``z* = 0`` with ``rho(M)`` for ``0 <= c <= 1/sqrt(2)`` [derived]
    (pairwise comonotonicity of ``T`` is only claimed for ``c = 0``: a sum of monotone maps). With
    ``c = 0`` an L1 regulariser instance (``A = d(0.1 ||.||_1)``, monotone) is added.
    """
    from monoverify.operators import L1, Ball

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


def _scaled_identity_instances(c: float, L: float, quick: bool, seed: int) -> list:
    """``F z = L z`` (rho = 1/L): the EG+ worst case at gamma = 1/L (SPEC R34); only built for c = 0."""
    if c != 0:
        return []
    return [(f"LinearOperator({L:g} I_2)", LinearOperator(L * np.eye(2), name="scaled_identity"),
             _unit(np.array([1.0, 0.5])))]


def _bilinear_players_instances(c: float, L: float, quick: bool, seed: int) -> list:
    """Bilinear games with players, for alternating methods: the scalar game and a random 3x3 game."""
    if c != 0:
        return []
    A = np.random.default_rng(seed + 7).standard_normal((3, 3))
    A *= L / np.linalg.norm(A, 2)
    return [(f"BilinearGame([[{L:g}]])", BilinearGame([[L]]), _unit(np.array([1.0, 0.5]))),
            (f"BilinearGame(3x3, L={L:g})", BilinearGame(A), _unit(np.random.default_rng(seed).standard_normal(6)))]


def _forsaken_instances(c: float, L: float, quick: bool, seed: int) -> list:
    """Forsaken (HMC21) on its box [-1.5, 1.5]^2 from (0.2, 0.5) (SPEC §8 item 25); own constants."""
    from monoverify.operators import Forsaken

    return [("Forsaken() from (0.2, 0.5)", Forsaken(), np.array([0.2, 0.5]))] if c == 0 else []


def _nonnormal_small_instances(c: float, L: float, quick: bool, seed: int) -> list:
    """Random non-normal maps of dimension 6 (``random_nonnormal`` scaled to ``||M|| = L``) from a seeded
    unit start: cheap linear instances that are not rotation-scalings (stochastic batteries, SPEC R32).
    Their rho is the map's own (computed exactly from ``M``), not ``-c/L``: cells are admitted on it."""
    out = []
    for s in (range(1) if quick else range(2)):
        base = _nonnormal(-c, 6, seed + s)
        op = LinearOperator(base.matrix * L, name="random_nonnormal", params={"dim": 6, "rho0": -c, "seed": seed + s})
        z0 = _unit(np.random.default_rng(2000 + seed + s).standard_normal(6))
        out.append((f"random_nonnormal(dim=6, rho0={-c:g}, L={L:g}, seed={seed + s}) from a unit start", op, z0))
    return out


#: the families added for the whole paper (issue 14)
_PAPER_FAMILIES = {"constrained": _constrained_instances, "scaled_identity": _scaled_identity_instances,
                   "bilinear_players": _bilinear_players_instances, "forsaken": _forsaken_instances,
                   "nonnormal_small": _nonnormal_small_instances}
from .families_field import FAMILIES as _FIELD_FAMILIES  # noqa: E402  (issue 25: the field's families)
_PAPER_FAMILIES.update(_FIELD_FAMILIES)


def _example_instances() -> list:
    """Nonlinear examples of SPEC §6 whose rho is exact (PolarGame a = 1/3, 3/4), run unconstrained.

    Their rho is the weak-MVI ratio, which is global for PolarGame (it depends on r only, minimum at
    r^2 = 25/32), and their L holds on the box; the checker verifies that the iterates stay in the box
    (instances that leave it are not judged).
    """
    import sympy as sp

    from monoverify.operators import PolarGame

    out = []
    for a in (sp.Rational(1, 3), sp.Rational(3, 4)):
        boxed = PolarGame(a)
        op = boxed.with_constraint(None)
        op.valid_region = boxed.constraint
        out.append((f"PolarGame(a={a}) unconstrained, L on {boxed.constraint!r}", op, np.array([1.0, 0.5])))
    return out


def grid(th: Theorem, quick: bool, overrides: dict) -> list[dict]:
    """The theorem's grid combinations (``quick``: first, middle and last values, ``K <= 100``)."""
    g = dict(th.grid)
    if quick:
        g = {k: (v if len(v) <= 3 else tuple(v[i] for i in sorted({0, len(v) // 2, len(v) - 1}))) for k, v in g.items()}
        if "K" in g:
            g["K"] = tuple(sorted({min(k, 100) for k in g["K"]}))
    for k, v in overrides.items():
        g[k] = (v,)
    keys = list(g)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(g[k] for k in keys))]


def _overrides(params: dict) -> dict:
    """Pinned parameters in grid units (``c = -rho L``, ``t = gamma L``)."""
    over = {}
    Lp = float(params.get("L", 1.0))
    if "L" in params:
        over["L"] = Lp
    if "rho" in params:
        over["c"] = -float(params["rho"]) * Lp
    if "gamma" in params:
        over["t"] = float(params["gamma"]) * Lp
    for k in ("lam", "tau", "alpha", "K", "sigma"):
        if k in params:
            over[k] = params[k]
    return over


def _combos_per_instance(th: Theorem, combos: list[dict], quick: bool, seed: int) -> list:
    out = []
    by_instance: dict = {}
    seen_examples: set = set()
    for combo in combos:
        c = float(combo.get("c", 0.0))
        L = float(combo.get("L", 1.0))
        for fam in th.family:
            key = (fam,) if fam == "examples" else (fam, c, L)
            if fam == "examples" and ("c" in combo or "L" in combo):
                # the examples carry their own constants: one pass over the other parameters suffices
                rest = tuple(sorted((k, v) for k, v in combo.items() if k not in ("c", "L")))
                if rest in seen_examples:
                    continue
                seen_examples.add(rest)
            if key not in by_instance:
                by_instance[key] = _instances(fam, c, L, quick, seed)
            for label, op, z0 in by_instance[key]:
                out.append((label, op, z0, combo))
    return out


def _cell(th: Theorem, op: Any, z0: Any, combo: dict) -> Cell:
    rho_v, L_v = float(op.rho), float(op.L)
    t = combo.get("t")
    D0 = 1.0 if op.solution is None or z0 is None else float(np.sum((np.asarray(z0) - op.solution) ** 2))
    vals = {"rho": rho_v, "L": L_v, "gamma": (t / L_v) if t is not None else np.nan,
            "lam": combo.get("lam", np.nan), "tau": combo.get("tau", np.nan), "alpha": combo.get("alpha", np.nan),
            "K": combo.get("K", np.nan), "sigma": combo.get("sigma", np.nan), "D0": D0}
    derive(th, vals)
    if "tau" in th.derived or "tau" in combo:
        vals["tau"] = int(round(vals["tau"]))
    return Cell(vals)


def battery(th: Theorem, *, quick: bool = False, seed: int = 0, params: dict | None = None,
            explore: bool = False, sampled: bool = True) -> list[tuple[str, Any, np.ndarray, list[Cell], list[Cell]]]:
    """Instances and the parameter cells each admits: ``(label, op, z0, admitted, refused)``.

    Grid values are normalised (``c = -rho L``, ``t = gamma L``); ``params`` (``rho``, ``L``,
    ``gamma``, ``lam``, ``tau``, ``alpha``, ``K``, ``sigma``) pin values instead. With ``explore`` every
    cell is admitted (those outside the hypotheses have ``cell.inside = False``: not judged). Without pinned values the grid seeds
    :func:`~monoverify.theory.judge.sampling.sample` (neighbourhoods of every boundary of every
    hypothesis conjunct, interior points); ``sampled=False`` keeps the bare grid. Pinning only
    :data:`FIXED` parameters (``sigma``) keeps the sampling, at that value.
    """
    over = _overrides(dict(params or {}))
    combos = grid(th, quick, over)
    if sampled and not set(over) - set(FIXED):
        from .sampling import sample

        combos = sample(th, quick=quick, seed=seed, grid=combos)
    if not any("K" in c for c in combos) and th.kind == "rate":
        combos = [dict(c, K=100) for c in combos]
    grouped: dict = {}
    for label, op, z0, combo in _combos_per_instance(th, combos, quick, seed):
        grouped.setdefault(label, (op, z0, []))[2].append(_cell(th, op, z0, combo))
    result = []
    for label, (op, z0, cells) in grouped.items():
        admitted, refused = [], []
        for cell in cells:
            cell.inside = bool(evaluate(th.hypotheses, cell.values, 1)[0])
            (admitted if cell.inside or explore else refused).append(cell)
        result.append((label, op, z0, admitted, refused))
    return result
