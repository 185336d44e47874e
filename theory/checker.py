"""Generic checking of a registered theorem against measurements.

:func:`check` builds the instance battery the hypotheses admit (worst-case ``LowerBoundGame``s
across the admissible range including near its boundary, ``random_comonotone`` operators in
dimension >= 100, bilinear games, random non-normal maps), runs the method batched, and compares:

* ``rate`` theorems: the measured curve against the bound at every ``k`` (or at the final ``K``);
  worst ratio measured/bound; fitted rate exponent;
* ``region`` theorems: the exact spectral radius against the stated condition on every cell
  (cells on the boundary, radius within 1e-9 of 1, are not judged), confirmed by runs on cells
  clearly inside and outside;
* ``property`` theorems: an operator quantity (e.g. the norm of the iteration matrix) against the
  bound.

A violated ``reconstruction`` result is a *finding* (reported, not a failure).

>>> r = check("pp.last_iterate", quick=True)
>>> r.verdict, r.worst_ratio <= 1
('holds', True)
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import sympy as sp

from monoverify.operators import BilinearGame, LinearOperator, LowerBoundGame, random_comonotone
from monoverify.solvers import make, run
from monoverify.solvers.alternating import uses_players

from . import metrics as M
from .theorems import SYMBOLS, Theorem, get

__all__ = ["check", "CheckResult", "HypothesisError", "Cell", "battery", "TOL"]

#: relative tolerance for floating-point rounding when comparing a measurement with a bound
TOL = 1e-9
_ARGS = ["K", "D0", "rho", "L", "gamma", "lam", "tau", "alpha", "D", "c0", "sigma"]


class HypothesisError(ValueError):
    """Parameters outside a theorem's hypotheses (pass ``explore=True`` to run anyway)."""


@dataclass
class CheckResult:
    """Outcome of :func:`check`.

    ``verdict``: ``holds`` | ``violated`` | ``finding`` (a violated ``reconstruction``) |
    ``no-instances``. ``worst_ratio``: max measured/bound (rate, property) or the largest
    spectral radius on the side where the condition says "converges" (region). ``worst``: the
    instance and parameters that came closest. ``curves``: per instance/cell, measured and bound.
    """

    theorem: Theorem
    verdict: str
    worst_ratio: float
    worst: dict
    n_instances: int
    n_cells: int
    curves: list = field(default_factory=list)
    fitted_exponent: float | None = None
    spectral: dict | None = None
    mismatches: int = 0
    explored_outside: bool = False
    notes: list = field(default_factory=list)
    elapsed: float = 0.0
    pep: dict | None = None

    @property
    def holds(self) -> bool:
        return self.verdict == "holds"

    @property
    def failed(self) -> bool:
        """Violated and not a ``reconstruction`` (such a failure makes ``verify`` exit non-zero)."""
        return self.verdict == "violated"

    def to_dict(self, curves: bool = False) -> dict:
        d = {
            "theorem": self.theorem.describe(), "verdict": self.verdict, "worst_ratio": _num(self.worst_ratio),
            "worst": {k: _jsonable(v) for k, v in self.worst.items()}, "n_instances": self.n_instances,
            "n_cells": self.n_cells, "fitted_exponent": _num(self.fitted_exponent), "spectral": self.spectral,
            "mismatches": self.mismatches, "explored_outside": self.explored_outside, "notes": self.notes,
            "elapsed_s": round(self.elapsed, 3), "pep": self.pep,
        }
        if curves:
            d["curves"] = [{k: _jsonable(v) for k, v in c.items()} for c in self.curves]
        return d


def _num(x: Any) -> Any:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else str(x)


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return [_num(x) for x in v.ravel()] if v.dtype.kind == "f" else v.tolist()
    if isinstance(v, (np.floating, float)):
        return _num(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


# ------------------------------------------------------------------------------------------
# battery
# ------------------------------------------------------------------------------------------
@dataclass
class Cell:
    """One parameter combination: values of rho, L, gamma, lam, tau, alpha, K, D0, D, c0."""

    values: dict

    def __getitem__(self, k: str) -> Any:
        return self.values[k]


def _lambdify(expr: Any) -> Callable:
    syms = [SYMBOLS[a] for a in _ARGS]
    return sp.lambdify(syms, sp.sympify(expr), modules=["numpy"])


def _evaluate(expr: Any, vals: dict, n: int) -> np.ndarray:
    f = _lambdify(expr)
    args = [np.asarray(vals.get(a, np.nan), dtype=float) for a in _ARGS]
    out = f(*args)
    return np.broadcast_to(np.asarray(out), (n,)) if np.ndim(out) == 0 else np.asarray(out)


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
        out = []
        for s in seeds:
            op = random_comonotone(100, rho, L, seed=s)
            out.append((f"random_comonotone(dim=100, c={c:g}, L={L:g}, seed={s})", op,
                        _unit(np.random.default_rng(1000 + s).standard_normal(100))))
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
    """A != 0: LowerBoundGame and random_comonotone(dim=100) on the ball ||z|| <= 1/2 (z0 outside it).

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
    ball = Ball(0.5, 2)
    out = [(f"LowerBoundGame(c={c:g}, L={L:g}) on Ball(0.5)", LowerBoundGame(rho, L).with_constraint(ball),
            _unit(np.array([1.0, 0.5])))]
    op = random_comonotone(100, rho, L, seed=seed)
    out.append((f"random_comonotone(dim=100, c={c:g}, L={L:g}, seed={seed}) on Ball(0.5)",
                op.with_constraint(Ball(0.5, 100)), _unit(np.random.default_rng(1000 + seed).standard_normal(100))))
    if c == 0:
        out.append((f"LowerBoundGame(c=0, L={L:g}) + 0.1||.||_1", LowerBoundGame(0.0, L).with_constraint(L1(0.1, 2)),
                    _unit(np.array([1.0, 0.5]))))
    return out


def _scaled_identity_instances(c: float, L: float, quick: bool, seed: int) -> list:
    """``F z = L z`` (rho = 1/L): the EG+ worst case at gamma = 1/L (SPEC R34); only built for c = 0."""
    if c != 0:
        return []
    return [(f"LinearOperator({L:g} I_2)", LinearOperator(L * np.eye(2), name="scaled_identity"), _unit(np.array([1.0, 0.5])))]


def _bilinear_alt_instances(c: float, L: float, quick: bool, seed: int) -> list:
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


_PAPER_FAMILIES = {"constrained": _constrained_instances, "scaled_identity": _scaled_identity_instances,
                   "bilinear_players": _bilinear_alt_instances, "forsaken": _forsaken_instances}


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


def _grid(th: Theorem, quick: bool, overrides: dict) -> list[dict]:
    grid = dict(th.grid)
    if quick:
        grid = {k: (v if len(v) <= 3 else tuple(v[i] for i in sorted({0, len(v) // 2, len(v) - 1}))) for k, v in grid.items()}
        if "K" in grid:
            grid["K"] = tuple(min(k, 100) for k in grid["K"])
            grid["K"] = tuple(sorted(set(grid["K"])))
    for k, v in overrides.items():
        grid[k] = (v,)
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def _derive(th: Theorem, vals: dict) -> None:
    """Evaluate ``th.derived`` in dependency order (e.g. RAPP's tau needs D, which needs D0)."""
    pending = dict(th.derived)
    while pending:
        ready = [n for n, e in pending.items()
                 if all(s.name not in pending for s in sp.sympify(e).free_symbols)]
        if not ready:
            raise ValueError(f"theorem {th.id}: circular derived parameters {sorted(pending)}")
        for n in ready:
            vals[n] = float(_evaluate(pending.pop(n), vals, 1)[0])


def battery(th: Theorem, *, quick: bool = False, seed: int = 0, params: dict | None = None,
            explore: bool = False) -> list[tuple[str, Any, np.ndarray, list[Cell], list[Cell]]]:
    """Instances and the parameter cells each admits: ``(label, op, z0, admitted, refused)``.

    Grid values are normalised (``c = -rho L``, ``t = gamma L``); ``params`` (``rho``, ``L``,
    ``gamma``, ``lam``, ``tau``, ``alpha``, ``K``) pin values instead.
    """
    params = dict(params or {})
    over = {}
    if "L" in params:
        over["L"] = float(params["L"])
    if "rho" in params:
        Lp = float(params.get("L", 1.0))
        over["c"] = -float(params["rho"]) * Lp
    if "gamma" in params:
        Lp = float(params.get("L", 1.0))
        over["t"] = float(params["gamma"]) * Lp
    for k in ("lam", "tau", "alpha", "K"):
        if k in params:
            over[k] = params[k]
    combos = _grid(th, quick, over)
    if not any("K" in c for c in combos) and th.kind == "rate":
        combos = [dict(c, K=100) for c in combos]
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
    # group cells per instance, evaluate derived parameters and hypotheses
    grouped: dict = {}
    for label, op, z0, combo in out:
        rho_v, L_v = float(op.rho), float(op.L)
        t = combo.get("t")
        vals = {"rho": rho_v, "L": L_v, "gamma": (t / L_v) if t is not None else np.nan,
                "lam": combo.get("lam", np.nan), "tau": combo.get("tau", np.nan), "alpha": combo.get("alpha", np.nan),
                "K": combo.get("K", np.nan), "sigma": combo.get("sigma", np.nan),
                "D0": 1.0 if op.solution is None else float(np.sum((np.asarray(z0) - op.solution) ** 2)) if z0 is not None else 1.0}
        _derive(th, vals)
        if "tau" in th.derived or "tau" in combo:
            vals["tau"] = int(round(vals["tau"]))
        grouped.setdefault(label, (op, z0, []))[2].append(Cell(vals))
    result = []
    for label, (op, z0, cells) in grouped.items():
        admitted, refused = [], []
        for cell in cells:
            ok = bool(_evaluate(th.hypotheses, cell.values, 1)[0])
            (admitted if ok or explore else refused).append(cell)
        result.append((label, op, z0, admitted, refused))
    return result


# ------------------------------------------------------------------------------------------
# check
# ------------------------------------------------------------------------------------------
def _method(th: Theorem, cells: list[Cell]):
    n = len(cells)
    kw = {}
    for p, expr in th.method_params.items():
        v = np.array([float(_evaluate(expr, c.values, 1)[0]) for c in cells])
        if p == "tau":
            kw[p] = int(v[0])
        else:
            kw[p] = v if n > 1 else float(v[0])
    return make(th.method, **kw)


def _tau_key(cell: Cell) -> int | None:
    t = cell.values.get("tau")
    return None if t is None or (isinstance(t, float) and np.isnan(t)) else int(t)


def _group_cells(cells: list[Cell], by_K: bool) -> dict:
    """Cells that one batched run can share: same structural ``tau`` (and horizon ``K``)."""
    groups: dict = {}
    for cell in cells:
        groups.setdefault((_tau_key(cell), int(cell["K"]) if by_K else None), []).append(cell)
    return groups


def _label_params(cell: Cell) -> dict:
    return {k: v for k, v in cell.values.items() if not (isinstance(v, float) and np.isnan(v))}


def check(theorem: str | Theorem, *, quick: bool = False, explore: bool = False, seed: int = 0,
          pep: bool = False, **params: Any) -> CheckResult:
    """Check ``theorem`` on its battery (or on the parameters given).

    Parameters
    ----------
    theorem : str or Theorem
        A registered id (see ``THEOREMS``) or a :class:`Theorem` object (e.g. a deliberately
        wrong variant, to see the checker fail).
    quick : bool
        Smaller grids and horizons.
    explore : bool
        Run parameters that violate the hypotheses (the result is marked ``explored_outside``).
    pep : bool
        Also compute the worst-case sandwich ``linear lower bound <= PEP <= bound`` where the
        theorem declares one (``Theorem.pep``); see :func:`pep_sandwich`.
    **params
        ``rho``, ``L``, ``gamma``, ``lam``, ``tau``, ``alpha``, ``K``: pin these values.

    Raises
    ------
    HypothesisError
        Pinned parameters outside the hypotheses (without ``explore``).
    ValueError
        Unknown parameter names, ``K < 1``.
    """
    th = get(theorem) if isinstance(theorem, str) else theorem
    known = {"rho", "L", "gamma", "lam", "tau", "alpha", "K"}
    bad = sorted(set(params) - known)
    if bad:
        raise ValueError(f"unknown parameter(s) {bad}; valid: {sorted(known)}")
    if "K" in params and (not isinstance(params["K"], (int, np.integer)) or params["K"] < 1):
        raise ValueError(f"K must be an integer >= 1, got K={params['K']!r}")
    t0 = time.perf_counter()
    if params and not explore:
        vals = {k: v for k, v in params.items() if k in SYMBOLS}
        vals.setdefault("L", 1.0)
        needed = {s.name for s in sp.sympify(th.hypotheses).free_symbols} - set(th.derived)
        if needed <= set(vals):
            failed = th.failed_hypotheses(**vals)
            if failed:
                raise HypothesisError(
                    f"parameters {params} are outside the hypotheses of {th.id}: {' and '.join(failed)} "
                    f"fails (hypotheses: {th.hypotheses}); pass explore=True (--explore) to run anyway"
                )
    bat = battery(th, quick=quick, seed=seed, params=params, explore=explore)
    refused = sum(len(r) for *_, r in bat)
    notes = []
    if refused:
        notes.append(f"{refused} grid cell(s) outside the hypotheses were skipped")
    if th.metric in M.EXPECTED_METRICS:
        from .stochastic import check_expected

        res = check_expected(th, bat, notes, seed=seed, quick=quick)
    elif th.kind == "rate":
        res = _check_rate(th, bat, notes)
    elif th.kind == "region":
        res = _check_region(th, bat, notes)
    else:
        res = _check_property(th, bat, notes)
    res.explored_outside = bool(explore and params)
    if pep and th.pep and not params:
        res.pep = pep_sandwich(th, quick=quick)
        if res.pep["upper_inversions"] and not th.pep.get("lipschitz", True) and res.verdict == "holds":
            # exact PEP (set-valued class, R35): a worst case above the bound contradicts it
            res.verdict = _verdict(th, False, res.n_cells)
            res.notes.append("PEP worst case exceeds the bound in the exact (interpolable) class")
    res.elapsed = time.perf_counter() - t0
    return res


def pep_sandwich(th: Theorem, quick: bool = False) -> dict:
    """``linear lower bound <= PEP worst case <= bound`` at the theorem's PEP cells (``Theorem.pep``).

    The PEP starts from ``||z0 - z*||^2 <= 1`` (``D0 = 1``). Rows carry the three numbers, the
    solver status and any inversion: a lower bound above the PEP value points at solver
    inaccuracy; a PEP value above the bound contradicts the theorem when the class is exact
    (``lipschitz=False``, R35) and is inconclusive for the Lipschitz relaxation (SPEC §7).
    """
    from .pep import sandwich

    spec = th.pep
    cells = spec["cells"][:2] if quick else spec["cells"]
    Ks = spec["Ks"][:2] if quick else spec["Ks"]
    bound_f = _lambdify(th.bound * sp.sympify(spec.get("scale", 1)))
    n_f = _lambdify(spec.get("N", SYMBOLS["K"]))
    rows, worst = [], -np.inf
    lo_inv = up_inv = failed = 0
    for cell in cells:
        L = float(cell.get("L", 1.0))
        vals = {"rho": -float(cell.get("c", 0.0)) / L, "L": L, "gamma": float(cell.get("t", np.nan)) / L,
                "lam": cell.get("lam", np.nan), "tau": cell.get("tau", np.nan), "alpha": cell.get("alpha", np.nan),
                "D0": 1.0}
        _derive(th, vals)
        if not bool(_evaluate(th.hypotheses, vals, 1)[0]):
            raise ValueError(f"theorem {th.id}: PEP cell {cell} is outside the hypotheses")
        method = _method(th, [Cell(vals)])
        for Kv in Ks:
            vals["K"] = float(Kv)
            args = [np.asarray(vals.get(a, np.nan), float) for a in _ARGS]
            b = float(bound_f(*args))
            N = int(round(float(n_f(*args))))
            sw = sandwich(method, vals["rho"], L if spec.get("lipschitz", True) else None, N, spec["metric"], bound=b)
            ok_solve = bool(sw.pep.ok)
            failed += not ok_solve
            lo_inv += bool(sw.lower_inversion)
            up_inv += bool(sw.upper_inversion)
            pv = sw.pep.value if ok_solve else None
            if pv is not None and b > 0:
                worst = max(worst, pv / b)
            rows.append({"cell": cell, "K": Kv, "N": N, "lower": float(sw.lower.value), "pep": pv, "bound": b,
                         "status": sw.pep.status, "message": sw.message})
    return {"metric": spec["metric"], "exact_class": not spec.get("lipschitz", True), "rows": rows,
            "max_pep_over_bound": None if worst == -np.inf else float(worst),
            "lower_inversions": lo_inv, "upper_inversions": up_inv, "failed_solves": failed}


def _verdict(th: Theorem, ok: bool, n: int) -> str:
    if n == 0:
        return "no-instances"
    if ok:
        return "holds"
    return "finding" if th.provenance == "reconstruction" else "violated"


def _player_radius(method, op) -> np.ndarray:
    """Methods that update players in turn have no multiplier: radius via the iteration matrix."""
    from .players import radius

    return radius(method, op)


def _spectral_radius(method, op) -> np.ndarray | None:
    if uses_players(method):
        try:
            return _player_radius(method, op)
        except ValueError:  # constrained or without players: no iteration matrix
            return None
    try:
        from .spectral import spectral_radius
    except ImportError:  # pragma: no cover
        return None
    try:
        return np.atleast_1d(np.asarray(spectral_radius(method, op), dtype=float))
    except Exception:  # non-stationary methods (feg) have no single multiplier
        return None


def _check_rate(th: Theorem, bat, notes) -> CheckResult:
    bound_f = _lambdify(th.bound)
    worst_ratio, worst, curves = -np.inf, {}, []
    n_inst = n_cells = 0
    radii = []
    ok = True
    for label, op, z0, cells, _ in bat:
        if not cells:
            continue
        n_inst += 1
        for (_tau, Kmax), cs in _group_cells(cells, by_K=True).items():
            n_cells += len(cs)
            method = _method(th, cs)
            host = method.map_hyper(lambda name, v: np.broadcast_to(np.asarray(v, float), (len(cs),)))
            mons = M.monitors_for(th.metric, op, host)
            region = getattr(op, "valid_region", None)
            if region is not None:
                mons["inside"] = lambda z, idx, region=region: np.asarray(region.contains(z), dtype=float)
            z = np.broadcast_to(z0, (len(cs), op.dim)).copy()
            r = run(method, op, z, iters=Kmax, monitors=mons, monitor_final_only=th.check_at == "final")
            meas = M.curve(th.metric, r)
            if th.iterate == "best":
                meas = M.running_best(meas)
            ks = np.arange(1, Kmax + 1) if th.check_at == "all" else np.array([Kmax])
            vals = {a: np.array([c.values.get(a, np.nan) for c in cs], dtype=float)[None, :] for a in _ARGS}
            vals["K"] = ks[:, None].astype(float)
            vals["D0"] = np.array([c.values["D0"] for c in cs], dtype=float)[None, :]
            bnd = np.broadcast_to(bound_f(*[vals[a] for a in _ARGS]), (ks.size, len(cs)))
            m = meas[ks, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(bnd > 0, m / bnd, np.where(m > 0, np.inf, 0.0))
            diverged = np.asarray(r.status) != "max_iter"
            ratio[:, diverged] = np.inf
            ratio = np.where(np.isnan(ratio), np.inf, ratio)
            excluded = np.zeros(len(cs), dtype=bool)
            if th.iterate_bound is not None and r.history.distance is not None:
                lim = _evaluate(th.iterate_bound, {a: v[0] for a, v in vals.items() if a not in ("K",)}, len(cs))
                excluded = np.nanmax(r.history.distance, axis=0) > lim
                if excluded.any():
                    notes.append(f"{label}: {int(excluded.sum())} cell(s) left the ball ||z - z*|| <= "
                                 f"{th.iterate_bound} (trajectory hypothesis) and were not judged")
            if region is not None:
                out_of_region = np.nanmin(r.history.monitors["inside"], axis=0) < 1
                if out_of_region.any():
                    notes.append(f"{label}: {int(out_of_region.sum())} cell(s) left {region!r}, where L holds, "
                                 "and were not judged")
                excluded = excluded | out_of_region
            rad = _spectral_radius(method, op if uses_players(method) else _nonzero_eigs(op)) if op.is_linear else None
            if rad is not None:
                radii.append(float(np.max(rad)))
            for j, cell in enumerate(cs):
                rj = float(np.max(ratio[:, j]))
                if not excluded[j]:
                    ok = ok and rj <= 1 + TOL
                    if rj > worst_ratio:
                        worst_ratio = rj
                        kk = int(ks[int(np.argmax(ratio[:, j]))])
                        worst = {"instance": label, **_label_params(cell), "k": kk}
                curves.append({"instance": label, "params": _label_params(cell), "k": ks, "measured": m[:, j],
                               "bound": bnd[:, j], "ratio": rj, "excluded": bool(excluded[j]),
                               "status": str(np.asarray(r.status)[j])})
    expo = _fit_exponent(curves, worst)
    spec = {"max_radius": max(radii)} if radii else None
    return CheckResult(th, _verdict(th, ok, n_cells), worst_ratio if n_cells else float("nan"), worst, n_inst,
                       n_cells, curves, expo, spec, 0, False, notes)


def _fit_exponent(curves: list, worst: dict) -> float | None:
    """Slope of log(measured) against log(k) on the second half of the worst curve."""
    for c in curves:
        if c["instance"] == worst.get("instance") and c["params"].get("lam") == worst.get("lam") \
                and c["params"].get("gamma") == worst.get("gamma") and c["params"].get("alpha") == worst.get("alpha"):
            k, m = np.asarray(c["k"], float), np.asarray(c["measured"], float)
            sel = (k >= max(2, k.max() / 2)) & np.isfinite(m) & (m > 1e-300)
            if sel.sum() < 5:
                return None
            return float(np.polyfit(np.log(k[sel]), np.log(m[sel]), 1)[0])
    return None


def _check_region(th: Theorem, bat, notes) -> CheckResult:
    from .spectral import spectral_radius

    mism, n_inst, n_cells, boundary = 0, 0, 0, 0
    worst_ratio, worst = -np.inf, {}
    curves = []
    emp_bad = 0
    for label, op, z0, cells, _ in bat:
        if not cells:
            continue
        n_inst += 1
        for (_tau, _K), cs in _group_cells(cells, by_K=False).items():
            n_cells += len(cs)
            method = _method(th, cs)
            rad = np.broadcast_to(np.asarray(_player_radius(method, op) if uses_players(method)
                                             else spectral_radius(method, _nonzero_eigs(op)), float), (len(cs),))
            vals = {a: np.array([c.values.get(a, np.nan) for c in cs], dtype=float) for a in _ARGS}
            cond = np.broadcast_to(np.asarray(_lambdify(th.condition)(*[vals[a] for a in _ARGS]), bool), (len(cs),))
            on_boundary = np.abs(rad - 1) <= 1e-9
            boundary += int(on_boundary.sum())
            bad = ~on_boundary & (cond != (rad < 1))
            mism += int(bad.sum())
            for j, cell in enumerate(cs):
                curves.append({"instance": label, "params": _label_params(cell), "radius": float(rad[j]),
                               "condition": bool(cond[j]), "mismatch": bool(bad[j])})
                score = rad[j] if cond[j] else (2 - rad[j])  # how close to contradicting the condition
                if bad[j]:
                    score = np.inf
                if score > worst_ratio and not on_boundary[j]:
                    worst_ratio = score
                    worst = {"instance": label, **_label_params(cell), "radius": float(rad[j]),
                             "condition": bool(cond[j])}
            emp_bad += _empirical_confirmation(method, op, z0, rad, len(cs))
    if boundary:
        notes.append(f"{boundary} cell(s) with spectral radius within 1e-9 of 1 (on the boundary) not judged")
    if emp_bad:
        notes.append(f"{emp_bad} run(s) disagreed with their spectral radius")
    ok = mism == 0 and emp_bad == 0
    res = CheckResult(th, _verdict(th, ok, n_cells), worst_ratio if n_cells else float("nan"), worst, n_inst,
                      n_cells, curves, None, {"cells": n_cells, "boundary": boundary}, mism, False, notes)
    return res


def _nonzero_eigs(op) -> np.ndarray:
    """Eigenvalues without the zeros: on ker M every method fixes points (multiplier 1), which is
    convergence, not its failure (SPEC §5; ker M is semisimple for the normal families used here)."""
    e = np.asarray(op.eigenvalues())
    return e[np.abs(e) > 1e-12 * max(1.0, float(np.max(np.abs(e))))]


def _empirical_confirmation(method, op, z0, rad: np.ndarray, n: int, iters: int = 3000) -> int:
    """Run cells with radius <= 0.99 or >= 1.01; count those whose run disagrees."""
    sel = np.nonzero((rad <= 0.99) | (rad >= 1.01))[0][:12]
    if sel.size == 0:
        return 0
    host = method.map_hyper(lambda name, v: np.broadcast_to(np.asarray(v, float), (n,))[sel])
    z = np.broadcast_to(z0, (sel.size, op.dim)).copy()
    r = run(host, op, z, iters=iters, diverge_at=1e6)
    r0 = r.history.residual[0]
    final = r.final_residual
    conv = (np.asarray(r.status) == "max_iter") & (final <= 1e-6 * r0)
    div = np.asarray(r.status) == "diverged"
    expect_conv = rad[sel] <= 0.99
    return int(np.sum(expect_conv & ~conv) + np.sum(~expect_conv & ~div))


def _check_property(th: Theorem, bat, notes) -> CheckResult:
    from .spectral import iteration_matrix

    bound_f = _lambdify(th.bound)
    worst_ratio, worst, curves = -np.inf, {}, []
    n_inst = n_cells = 0
    ok = True
    for label, op, _z0, cells, _ in bat:
        if not cells:
            continue
        n_inst += 1
        for cell in cells:
            n_cells += 1
            method = _method(th, [cell])
            if th.metric in M.PROPERTY_METRICS:
                val = float(M.PROPERTY_METRICS[th.metric](method, op, _z0, cell.values))
            elif th.metric == "spectral_radius":
                val = float(_spectral_radius(method, op if uses_players(method) else _nonzero_eigs(op))[0])
            else:
                T = np.asarray(iteration_matrix(method, op if uses_players(method) else op.matrix))
                val = float(np.linalg.norm(T, 2))
            b = float(bound_f(*[np.asarray(cell.values.get(a, np.nan), float) for a in _ARGS]))
            ratio = val / b
            ok = ok and ratio <= 1 + TOL
            curves.append({"instance": label, "params": _label_params(cell), "measured": val, "bound": b, "ratio": ratio})
            if ratio > worst_ratio:
                worst_ratio, worst = ratio, {"instance": label, **_label_params(cell), "measured": val}
    return CheckResult(th, _verdict(th, ok, n_cells), worst_ratio if n_cells else float("nan"), worst, n_inst,
                       n_cells, curves, None, None, 0, False, notes)
