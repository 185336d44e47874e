"""Hypothesis strategies: comonotone operators with exact constants, theorem parameters, start points.

Everything here is drawn so that hypothesis *shrinks to readable counterexamples*: dimensions
shrink towards 2, block parameters come from short lists of simple numbers (first entries are the
simplest), and the orthogonal conjugation is a product of Givens rotations whose angles shrink to
0 (the identity), so a minimal failing operator is a plain block-diagonal matrix.

* :func:`comonotone_operators` -- ``M = Q diag(B_0, ..., B_m) Q^T`` with rotation-scaling blocks
  ``B_j`` (§2.1, §6): ``rho(M) = min_j rho_j = rho`` and ``||M||_2 = max_j L_j = L`` exactly
  (``B_0`` attains both).
* :func:`bilinear_games` -- ``F = (A y, -A^T x)``, ``rho = 0``, ``L = ||A||_2``.
* :func:`constrained_operators` -- a comonotone operator with a :class:`Box` or :class:`Ball` that
  contains its solution ``0`` (so ``z* = 0`` stays the solution of the constrained problem).
* :func:`theorem_parameters` -- parameter dicts (``rho, L, gamma, lam, tau, alpha``) that satisfy
  a registered theorem's hypotheses; :func:`theorem_cases` draws parameters, a matching operator
  and a start point together.
* :func:`start_points` -- nonzero start points.

Examples
--------
>>> from hypothesis import given
>>> @given(comonotone_operators(rho=-0.1, L=1.0, max_dim=4))
... def test_constants(op):
...     assert abs(float(op.rho) + 0.1) < 1e-15 and float(op.L) == 1.0
>>> comonotone_operators(rho=-0.1, L=1.0).example()   # doctest: +SKIP
comonotone(dim=2, rho=-0.100000000000000, L=1.00000000000000, blocks=[(-0.1, 1.0)], angles=[0.0])
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from monoverify.errors import InvalidValue
from monoverify.operators import LinearOperator
from monoverify.operators.base import Constant, Constants
from monoverify.operators.linear import rotation_scaling_block
from monoverify.operators.sets import Ball, Box

from .theorems import SYMBOLS, Theorem, get

__all__ = [
    "comonotone_operators", "bilinear_games", "constrained_operators", "theorem_parameters", "theorem_cases",
    "start_points", "givens_product", "TheoremCase", "supports",
]

#: the parameters these strategies draw (and the constants derived from them)
_DRAWN = frozenset({"rho", "L", "gamma", "lam", "tau", "alpha", "sigma", "D", "c0"})


def supports(theorem_id: Any) -> bool:
    """Can :func:`theorem_parameters` draw the theorem's parameters? Not when it uses a symbol these
    strategies do not draw (``mu``, ``beta`` of the field's theorems, issue 25).

    >>> supports("pp.last_iterate"), supports("polyak.heavy_ball")
    (True, False)
    """
    th = get(theorem_id)
    return set(th.free_parameters()) <= _DRAWN


# ------------------------------------------------------------------------------------------
# the strategies' arguments, checked when the strategy is built (not at the first draw, deep in a test run)
# ------------------------------------------------------------------------------------------
def _checked(check: Any) -> Any:
    """Decorator: ``check(*args, **kwargs)`` validates a strategy's arguments before the composite is built."""
    import functools

    def deco(composite: Any) -> Any:
        @functools.wraps(composite)
        def public(*args: Any, **kwargs: Any) -> Any:
            check(*args, **kwargs)
            return composite(*args, **kwargs)
        return public
    return deco


def _number_or_strategy(name: str, v: Any, **rng: Any) -> Any:
    from monoverify import validate

    if v is None or isinstance(v, st.SearchStrategy):
        return v
    try:
        return validate.real(name, v, **rng)
    except InvalidValue as exc:
        raise InvalidValue(f"{exc} (or a hypothesis strategy, or None for the default)") from None


def _int_or_strategy(name: str, v: Any, lo: int, hi: int | None = None) -> Any:
    from monoverify import validate

    if v is None or isinstance(v, st.SearchStrategy):
        return v
    return validate.integer(name, v, lo=lo, hi=hi)


#: the largest dimension the strategies build (dense matrices, Givens products of dim^2/2 rotations)
_MAX_DIM = 64


def _check_dims(min_dim: Any, max_dim: Any) -> None:
    from monoverify import validate

    lo = validate.integer("min_dim", min_dim, lo=1, hi=_MAX_DIM)
    validate.integer("max_dim", max_dim, lo=lo, hi=_MAX_DIM)


def _check_comonotone_operators(rho: Any = None, L: Any = None, dim: Any = None, *, min_dim: int = 2,
                                max_dim: int = 6, conjugate: bool = True) -> None:
    from monoverify import validate

    r = _number_or_strategy("rho", rho)
    l_ = _number_or_strategy("L", L, lo=0, lo_open=True)
    _int_or_strategy("dim", dim, 1, _MAX_DIM)
    _check_dims(min_dim, max_dim)
    validate.boolean("conjugate", conjugate)
    if isinstance(r, float) and isinstance(l_, float) and abs(r * l_) > 1 + 1e-15:
        raise InvalidValue(f"rho must satisfy |rho*L| <= 1; got rho={rho!r}, L={L!r}")


def _check_bilinear_games(L: Any = None, *, max_n: int = 3) -> None:
    from monoverify import validate

    _number_or_strategy("L", L, lo=0, lo_open=True)
    validate.integer("max_n", max_n, lo=1, hi=_MAX_DIM)


def _check_constrained_operators(rho: Any = None, L: Any = None, dim: Any = None, *, kind: Any = None,
                                 max_dim: int = 6) -> None:
    from monoverify import validate

    _check_comonotone_operators(rho, L, dim, max_dim=max_dim)
    if kind is not None and not isinstance(kind, st.SearchStrategy):
        validate.choice("kind", kind, ("box", "ball"))


def _check_start_points(dim: Any, *, max_abs: float = 10.0) -> None:
    from monoverify import validate

    _int_or_strategy("dim", dim, 1, 10 ** 6)
    validate.real("max_abs", max_abs, lo=0, lo_open=True, hi=1e6)


def _check_theorem(theorem_id: Any) -> Theorem:
    from monoverify import validate

    if isinstance(theorem_id, Theorem):
        th = theorem_id
    elif isinstance(theorem_id, str):
        th = get(theorem_id)
    else:
        raise validate.invalid("theorem_id", theorem_id, "a registered theorem id (str) or a Theorem")
    if not supports(th):
        raise InvalidValue(f"theorem {th.id} uses {sorted(set(th.free_parameters()) - _DRAWN)}, which these strategies "
                           f"do not draw (they draw {sorted(_DRAWN)}); check it with its own battery instead")
    return th


def _check_fixed(fixed: dict) -> None:
    bad = sorted(set(fixed) - (_DRAWN | {"c", "t"}))
    if bad:
        from monoverify.errors import UnknownName

        raise UnknownName(f"unknown parameter(s) {bad}; the strategies pin {sorted(_DRAWN | {'c', 't'})}")
    for k, v in fixed.items():
        if k == "tau":
            _int_or_strategy(k, v, 1, 10 ** 6)
        else:
            _number_or_strategy(k, v)


def _check_theorem_parameters(theorem_id: Any, *, L: Any = None, tries: int = 25, **fixed: Any) -> None:
    from monoverify import validate

    _check_theorem(theorem_id)
    _number_or_strategy("L", L, lo=0, lo_open=True)
    validate.integer("tries", tries, lo=1, hi=10 ** 6)
    _check_fixed(fixed)


def _check_theorem_cases(theorem_id: Any, *, max_dim: int = 6, **fixed: Any) -> None:
    from monoverify import validate

    _check_theorem(theorem_id)
    validate.integer("max_dim", max_dim, lo=2, hi=_MAX_DIM)
    _check_fixed(fixed)

#: simple values first: sampled_from shrinks towards the first entry
_SCALES = (1.0, 0.5, 0.75, 0.25)             # L_j / L of the other blocks
_FRACTIONS = (0.0, 1.0, 0.5, 0.25, 0.75)     # where rho_j lies in [rho, 1/L_j]
_ANGLES = (0.0, math.pi / 2, math.pi / 4, math.pi / 6, math.pi / 3, 1.0, 2.0)
_C_VALUES = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, -0.5, -0.25, -1.0, 0.75, 0.9)
_L_VALUES = (1.0, 2.0, 0.5)


def _show(x: Any) -> Any:
    """A readable value for reprs (floats as floats, SymPy numbers unchanged)."""
    return float(x) if isinstance(x, (float, int, np.floating)) else x


def _as_strategy(x: Any, default: st.SearchStrategy) -> st.SearchStrategy:
    if x is None:
        return default
    if isinstance(x, st.SearchStrategy):
        return x
    return st.just(x)


def givens_product(dim: int, angles: list[float]) -> np.ndarray:
    """Orthogonal matrix ``prod_{i<j} G(i, j, angle)`` (pairs in lexicographic order; angle 0 = identity)."""
    Q = np.eye(dim)
    pairs = [(i, j) for i in range(dim) for j in range(i + 1, dim)]
    for (i, j), a in zip(pairs, angles):
        if a == 0.0:
            continue
        c, s = math.cos(a), math.sin(a)
        G = np.eye(dim)
        G[i, i] = G[j, j] = c
        G[i, j], G[j, i] = -s, s
        Q = G @ Q
    return Q


def _block(r: float, l: float) -> np.ndarray:
    return rotation_scaling_block(r * l, l)


def _angles(dim: int) -> st.SearchStrategy:
    n = dim * (dim - 1) // 2
    one = st.one_of(st.sampled_from(_ANGLES), st.floats(-math.pi, math.pi, allow_nan=False))
    return st.lists(one, min_size=n, max_size=n)


@_checked(_check_comonotone_operators)
@st.composite
def comonotone_operators(draw, rho: Any = None, L: Any = None, dim: Any = None, *, min_dim: int = 2,
                         max_dim: int = 6, conjugate: bool = True) -> LinearOperator:
    """Linear operators ``F z = M z`` with exactly the comonotonicity ``rho`` and Lipschitz ``L``.

    Parameters
    ----------
    rho, L : number or strategy, optional
        The exact constants (fixed values or strategies; ``|rho L| <= 1`` is required, pairs
        drawn from strategies that break it are rejected). Default: ``L`` from ``(1, 2, 0.5)``
        and ``c = -rho L`` from simple values in ``[-1, 0.9]``.
    dim : int or strategy, optional
        Dimension (default ``integers(min_dim, max_dim)``, shrinking towards ``min_dim``).
    conjugate : bool
        Conjugate the blocks by a product of Givens rotations (angles shrink to 0).

    Notes
    -----
    ``M = Q diag(B_0, B_1, ..., [mu]) Q^T``; ``B_0`` is the LowerBoundGame block of ``(rho, L)``,
    ``B_j`` rotation-scalings with ``L_j = s_j L`` and ``rho_j = rho + u_j (1/L_j - rho)``, an odd
    dimension adds a 1x1 block ``mu = s L`` (``rho = 1/mu >= 1/L``). By §2.1 (block diagonal,
    orthogonal similarity) ``rho(M) = rho`` and ``||M||_2 = L`` exactly; ``op.constants`` records
    the values given (SymPy numbers are kept exactly).
    """
    L_v = draw(_as_strategy(L, st.sampled_from(_L_VALUES)))
    if rho is None:
        c = draw(st.sampled_from(_C_VALUES))
        rho_v = -c / float(L_v)
    else:
        rho_v = draw(_as_strategy(rho, st.none()))
    rho_s, L_s = sp.sympify(rho_v), sp.sympify(L_v)
    Lf, rf = float(L_s), float(rho_s)
    if not (np.isfinite(Lf) and Lf > 0):
        raise InvalidValue(f"L must be finite and > 0, got L={L_v!r}")
    if not np.isfinite(rf) or abs(rf * Lf) > 1 + 1e-15:
        if rho is None or L is None or isinstance(rho, st.SearchStrategy) or isinstance(L, st.SearchStrategy):
            from hypothesis import assume

            assume(False)
        raise InvalidValue(f"rho must satisfy |rho*L| <= 1; got rho={rho_v!r}, L={L_v!r}")
    d = draw(_as_strategy(dim, st.integers(min_dim, max_dim)))
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise InvalidValue(f"dim must be an integer >= 1, got {d!r}")
    if d == 1:
        # a 1x1 block mu has rho = 1/mu: only rho L = 1 (mu = L) is exact with L as norm
        if abs(rf * Lf - 1) > 1e-15:
            raise InvalidValue("dim = 1 admits only rho = 1/L; use dim >= 2")
        blocks, desc = [np.array([[Lf]])], [("mu", Lf)]
    else:
        blocks, desc = [_block(rf, Lf)], [(rf, Lf)]
        for _ in range(d // 2 - 1):
            lj = Lf * draw(st.sampled_from(_SCALES))
            u = draw(st.sampled_from(_FRACTIONS))
            rj = rf + u * (1.0 / lj - rf)
            blocks.append(_block(rj, lj))
            desc.append((rj, lj))
        if d % 2:
            mu = Lf * draw(st.sampled_from(_SCALES))
            blocks.append(np.array([[mu]]))
            desc.append(("mu", mu))
    from scipy.linalg import block_diag

    B = block_diag(*blocks)
    eigs = np.linalg.eigvals(B)
    angles = draw(_angles(d)) if conjugate else []
    Q = givens_product(d, angles)
    M = Q @ B @ Q.T
    consts = Constants(
        L=Constant(L_s, "exact", "§2.1: orthogonal similarity of blocks, L = max_j L_j"),
        rho=Constant(rho_s, "exact", "§2.1: orthogonal similarity of blocks, rho = min_j rho_j"),
    )
    ang = [round(a, 6) for a in angles]
    blk = [(round(a, 6), round(b, 6)) if a != "mu" else ("mu", round(b, 6)) for a, b in desc]
    op = LinearOperator(M, name="comonotone", constants=consts,
                        params={"dim": d, "rho": _show(rho_v), "L": _show(L_v), "blocks": blk, "angles": ang})
    op._eig = eigs
    op.blocks = desc
    op.givens_angles = list(angles)
    return op


@_checked(_check_bilinear_games)
@st.composite
def bilinear_games(draw, L: Any = None, *, max_n: int = 3) -> LinearOperator:
    """Bilinear games ``min_x max_y x^T A y`` with ``A`` of shape ``(n, m)``, ``1 <= n, m <= max_n``.

    ``A = L diag(1, s_2, ...)`` conjugated by Givens rotations on each side, so ``||A||_2 = L``
    exactly (``L`` a number or strategy, default from ``(1, 2, 0.5)``); ``rho = 0``.
    """
    from monoverify.operators import BilinearGame

    L_v = draw(_as_strategy(L, st.sampled_from(_L_VALUES)))
    Lf = float(L_v)
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_n))
    k = min(n, m)
    sv = [1.0] + [draw(st.sampled_from(_SCALES + (0.0,))) for _ in range(k - 1)]
    S = np.zeros((n, m))
    S[range(k), range(k)] = Lf * np.array(sv)
    U = givens_product(n, draw(_angles(n)))
    V = givens_product(m, draw(_angles(m)))
    A = U @ S @ V.T
    op = BilinearGame(A)
    # ||A||_2 = L exactly by construction (the float SVD of A could differ in the last bit)
    op.constants = Constants(L=Constant(sp.sympify(L_v), "exact", "§6 BilinearGame: ||A||_2 = L by construction"),
                             rho=op.constants.rho)
    return op


@_checked(_check_constrained_operators)
@st.composite
def constrained_operators(draw, rho: Any = None, L: Any = None, dim: Any = None, *, kind: Any = None,
                          max_dim: int = 6) -> LinearOperator:
    """A comonotone operator with a constraint set ``Box`` or ``Ball`` containing the solution ``0``.

    ``kind`` is ``"box"``, ``"ball"`` or None (either). Since ``F(0) = 0`` and ``0`` lies in the
    set, ``z* = 0`` solves the constrained problem; ``op.solution`` is set to it.
    """
    base = draw(comonotone_operators(rho=rho, L=L, dim=dim, max_dim=max_dim))
    kind = draw(_as_strategy(kind, st.sampled_from(("box", "ball"))))
    size = draw(st.sampled_from((1.0, 0.5, 2.0)))
    if kind == "box":
        lo = -size * np.array([draw(st.sampled_from((1.0, 0.5, 2.0))) for _ in range(base.dim)])
        hi = size * np.array([draw(st.sampled_from((1.0, 0.5, 2.0))) for _ in range(base.dim)])
        S = Box(lo, hi)
    elif kind == "ball":
        S = Ball(size, base.dim)
    else:
        raise InvalidValue(f"kind must be 'box' or 'ball', got {kind!r}")
    op = LinearOperator(base.matrix, constraint=S, name="comonotone+" + kind, solution=np.zeros(base.dim),
                        constants=base.constants, params=dict(base.params, constraint=repr(S)))
    op._eig = base._eig
    return op


@_checked(_check_start_points)
@st.composite
def start_points(draw, dim: Any, *, max_abs: float = 10.0) -> np.ndarray:
    """Nonzero start points of dimension ``dim`` (entries: simple values or multiples of 0.1; all-zero draws become ``e_1``)."""
    d = draw(_as_strategy(dim, st.integers(2, 6)))
    simple = st.sampled_from((0.0, 1.0, -1.0, 0.5, 2.0))
    n = int(max_abs * 10)
    el = st.one_of(simple, st.integers(-n, n).map(lambda i: i / 10))
    z = np.array([1.0] + [0.0] * (d - 1)) if d else np.zeros(0)
    vals = np.array(draw(st.lists(el, min_size=d, max_size=d)), dtype=float)
    out = vals if np.linalg.norm(vals) > 1e-6 else z
    return out


# ------------------------------------------------------------------------------------------
# theorem parameters
# ------------------------------------------------------------------------------------------
_DEFAULTS = {
    "c": _C_VALUES,
    "L": _L_VALUES,
    "t": (0.5, 1.0, 0.25, 0.75, 0.9, 0.1, 0.3, 0.6, 2.0),
    "lam": (0.5, 0.25, 0.75, 0.1, 0.9, 1.0, 0.05, 0.01),
    "alpha": (0.5, 1.0, 0.25, 0.1, 0.75),
    "tau": (1, 2, 3, 5),
}
#: ranges (two decimals: readable counterexamples); lower ends excluded except for c
_RANGES = {"c": (-1.0, 1.0), "t": (0.0, 2.0), "lam": (0.0, 2.0), "alpha": (0.0, 1.0)}
_HYP_CACHE: dict = {}


def _hyp_fn(th: Theorem):
    key = (th.id, str(th.hypotheses))
    f = _HYP_CACHE.get(key)
    if f is None:
        names = ["rho", "L", "gamma", "lam", "tau", "alpha"]
        f = sp.lambdify([SYMBOLS[n] for n in names], sp.sympify(th.hypotheses), modules=["numpy"])
        _HYP_CACHE[key] = f
    return f


def _values(th: Theorem, name: str) -> tuple:
    grid = tuple(th.grid.get(name, ()))
    seen, out = set(), []
    for v in _DEFAULTS[name] + grid:
        v = int(v) if name == "tau" else float(v)
        if v not in seen:
            seen.add(v)
            out.append(v)
    return tuple(out)


_COMBO_CACHE: dict = {}


def _grid_combos(th: Theorem, fixed: dict) -> list[dict]:
    key = (th.id, str(th.hypotheses), tuple(sorted(th.grid.items())), tuple(sorted(fixed.items())))
    got = _COMBO_CACHE.get(key)
    if got is None:
        got = _COMBO_CACHE[key] = _grid_combos_uncached(th, fixed)
    return got


def _grid_combos_uncached(th: Theorem, fixed: dict) -> list[dict]:
    import itertools

    names = ("c", "L", "t", "lam", "alpha", "tau")
    axes = [tuple(th.grid.get(n, _DEFAULTS[n][:1])) for n in names]
    out = []
    for combo in itertools.product(*axes):
        d = dict(zip(names, combo))
        p = _to_params(d, fixed)
        if _admitted(th, p):
            out.append(p)
    return out


#: what :func:`monoverify.theory.judge.cells.absolute` reads of a theorem: its derived parameters. The draws
#: convert without them (a derived ``tau`` needs ``K`` and ``D``, which are not drawn; :func:`_admitted`
#: evaluates the derived values it can)
_NOT_DERIVED = SimpleNamespace(derived={})


def _to_params(d: dict, fixed: dict) -> dict:
    """The absolute parameters of a normalised draw ``d`` (``c``, ``L``, ``t``, ``lam``, ``alpha``, ``tau``).

    ``rho = -c/L`` is the operator's own (as a battery's family picks its instance from ``c``); ``gamma``
    and the scale-free parameters go through :func:`~monoverify.theory.judge.cells.absolute`, the one
    normalised -> absolute conversion of the project. ``fixed`` values are set as given.
    """
    from .judge.cells import absolute

    L = float(fixed.get("L", d["L"]))
    rho = (-float(d["c"]) / L) if d["c"] != 0 else 0.0
    v = absolute(_NOT_DERIVED, {k: d[k] for k in ("t", "lam", "alpha", "tau")}, rho=rho, L=L, D0=1.0)
    p = {k: v[k] for k in ("rho", "L", "gamma", "lam", "alpha")}
    p["tau"] = int(v["tau"])
    p.update(fixed)
    return p


def _admitted(th: Theorem, p: dict) -> bool:
    try:
        with np.errstate(all="ignore"):  # e.g. theta = gamma/(2(gamma + rho)) at gamma = -rho
            args = [np.float64(p[n]) for n in ("rho", "L", "gamma", "lam", "tau", "alpha")]
            ok = bool(_hyp_fn(th)(*args))
    except Exception:  # pragma: no cover - exotic expressions: fall back to the exact test
        ok = True
    if not ok:
        return False
    vals = {k: v for k, v in p.items()}
    for name, expr in th.derived.items():  # e.g. tau = 2: the hypotheses see the derived value
        e = sp.sympify(expr)
        if not (e.free_symbols - set(SYMBOLS[k] for k in vals if k in SYMBOLS)):
            vals[name] = e.subs({SYMBOLS[k]: v for k, v in vals.items() if k in SYMBOLS})
    try:
        return th.admits(**{k: v for k, v in vals.items() if k not in ("K", "D0")})
    except (ValueError, TypeError, ZeroDivisionError):  # missing values, comparisons with zoo
        return False


def _relevant(th: Theorem) -> list[str]:
    return sorted(set(th.free_parameters()) | {"rho", "L"})


@_checked(_check_theorem_parameters)
@st.composite
def theorem_parameters(draw, theorem_id: Any, *, L: Any = None, tries: int = 25, **fixed: Any) -> dict:
    """Parameter dicts that satisfy the hypotheses of ``theorem_id`` (a registered id or Theorem).

    Values are drawn in normalised units (``c = -rho L``, ``t = gamma L``, ``lam``, ``alpha``,
    ``tau``) from short lists of simple values (the theorem's grid and defaults, simplest first)
    or from ranges, and kept when ``Theorem.admits`` holds; after ``tries`` rejected draws an
    admissible grid combination is drawn instead, so every example is valid (no health-check
    trouble with narrow hypotheses). ``L`` and any ``fixed`` parameter (``rho=...``,
    ``gamma=...``) pin values. The dict holds ``rho`` and ``L`` and the theorem's free parameters
    among ``gamma, lam, tau, alpha`` (derived ones such as RAPP's ``tau`` are computed by
    :func:`monoverify.theory.plugin.assert_theorem`).
    """
    th = get(theorem_id)
    if not supports(th):
        raise InvalidValue(f"theorem {th.id} uses {sorted(set(th.free_parameters()) - _DRAWN)}, which these strategies "
                           f"do not draw (they draw {sorted(_DRAWN)}); check it with its own battery instead")
    if L is not None:
        fixed["L"] = draw(_as_strategy(L, st.none()))
    keep = _relevant(th)

    def axis(name: str) -> st.SearchStrategy:
        vals = st.sampled_from(_values(th, name))
        if name in _RANGES:
            lo, hi = _RANGES[name]
            lo_i = int(round(lo * 100)) + (0 if name == "c" else 1)
            return st.one_of(vals, st.integers(lo_i, int(round(hi * 100))).map(lambda i: i / 100))
        if name == "tau":
            return st.one_of(vals, st.integers(1, 8))
        return vals

    for _ in range(tries):
        d = {n: draw(axis(n)) if n in ("c", "t", "lam", "alpha", "tau") else draw(st.sampled_from(_values(th, n)))
             for n in ("c", "L", "t", "lam", "alpha", "tau")}
        p = _to_params(d, fixed)
        if _admitted(th, p):
            return {k: v for k, v in p.items() if k in keep}
    combos = _grid_combos(th, fixed)
    if not combos:
        from hypothesis import assume

        assume(False)
    p = draw(st.sampled_from(combos))
    return {k: v for k, v in p.items() if k in keep}


class TheoremCase(NamedTuple):
    """Parameters satisfying a theorem's hypotheses, an operator with matching exact constants, a start point."""

    params: dict
    operator: LinearOperator
    z0: np.ndarray


@_checked(_check_theorem_cases)
@st.composite
def theorem_cases(draw, theorem_id: Any, *, max_dim: int = 6, **fixed: Any) -> TheoremCase:
    """``(params, operator, z0)``: :func:`theorem_parameters` and a :func:`comonotone_operators`
    instance with exactly ``params["rho"]`` and ``params["L"]``, and a :func:`start_points` start."""
    p = draw(theorem_parameters(theorem_id, **fixed))
    op = draw(comonotone_operators(rho=p["rho"], L=p["L"], max_dim=max_dim))
    z0 = draw(start_points(op.dim))
    return TheoremCase(p, op, z0)
