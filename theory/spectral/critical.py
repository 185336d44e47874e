"""LowerBoundGame eigenvalues, critical parameter values and convergence regions (§5)."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.operators.linear import rotation_scaling
from monoverify.solvers.base import Method
from monoverify.solvers.lookahead import Lookahead
from monoverify.solvers.registry import METHODS, make

from .radius import _eigs, lookahead_threshold, spectral_radius

__all__ = ["lower_bound_eigenvalues", "critical", "region"]


_LBG_FN: Callable | None = None


def lower_bound_eigenvalues(rho: Any, L: Any = 1.0) -> np.ndarray:
    """Eigenvalues of ``LowerBoundGame(rho, L)`` for arrays of ``rho``/``L``: shape ``(..., 2)``.

    The matrix is :func:`monoverify.operators.linear.rotation_scaling` (evaluated, batched).

    Examples
    --------
    >>> lower_bound_eigenvalues(-0.6, 1.0)
    array([-0.6+0.8j, -0.6-0.8j])
    """
    global _LBG_FN
    from monoverify.validate import real_array

    try:
        r, l = np.broadcast_arrays(real_array("rho", rho), real_array("L", L))
    except InvalidValue as exc:
        raise InvalidValue(f"LowerBoundGame needs real rho and L > 0 (numbers or arrays of numbers): {exc}") from None
    except ValueError:
        raise InvalidValue(f"LowerBoundGame needs rho and L of broadcastable shapes, got rho={rho!r}, L={L!r}") from None
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(l)) and np.all(l > 0)):
        raise InvalidValue("LowerBoundGame needs finite rho and L > 0")
    if np.any(np.abs(r * l) > 1 + 1e-15):
        raise InvalidValue(f"LowerBoundGame needs |rho L| <= 1, got rho*L in [{np.min(r * l):g}, {np.max(r * l):g}]")
    if _LBG_FN is None:
        rs, Ls = sp.symbols("rho L", real=True)
        _LBG_FN = sp.lambdify((rs, Ls), rotation_scaling(rs, Ls).tolist(), "numpy")
    r = np.clip(r * l, -1.0, 1.0) / l  # rounding at |rho L| = 1
    entries = _LBG_FN(r, l)
    M = np.stack([np.stack([np.broadcast_to(np.asarray(x, float), r.shape) for x in row], axis=-1) for row in entries],
                 axis=-2)
    return np.linalg.eigvals(M)


_OP_PARAMS = ("c", "rho")


def _source(op: Any, eigenvalues: Any, rho: Any, L: Any, param: str) -> tuple[str, Any]:
    given = [n for n, v in (("op", op), ("eigenvalues", eigenvalues)) if v is not None]
    if rho is not None:
        given.append("rho/L")
    if param in _OP_PARAMS:
        if given:
            raise InvalidValue(f"param={param!r} varies LowerBoundGame(rho, L): give only L (default 1), not {given}")
        return "game", 1.0 if L is None else L
    if len(given) != 1:
        raise InvalidValue("give exactly one of op=, eigenvalues= or rho= (with L=, default 1) "
                         f"for the linear map; got {given or 'none'}")
    if op is not None:
        return "eigs", op
    if eigenvalues is not None:
        return "eigs", eigenvalues
    return "eigs", lower_bound_eigenvalues(rho, 1.0 if L is None else L)


def _game_eigs(param: str, values: np.ndarray, L: Any) -> np.ndarray:
    Lf = float(L)
    rho = -np.asarray(values, float) / Lf if param == "c" else np.asarray(values, float)
    return lower_bound_eigenvalues(rho, Lf)


def _fixed(method_name: str, fixed: Mapping[str, Any] | None, param: str) -> dict:
    from monoverify import validate

    if not isinstance(method_name, str):
        raise validate.invalid("method_name", method_name, "a registered method name (str), e.g. 'la-gda'")
    if not isinstance(param, str):
        raise validate.invalid("param", param, "a parameter name (str), e.g. 'lam'")
    fixed = validate.mapping("fixed", fixed)
    if method_name not in METHODS:
        make(method_name)  # raises with suggestions
    fixed = dict(fixed or {})
    if param in fixed:
        raise InvalidValue(f"{param!r} is the varied parameter; remove it from fixed={fixed}")
    allowed = METHODS[method_name].params
    if param not in _OP_PARAMS and param not in allowed:
        raise InvalidValue(f"{method_name!r} has parameters {list(allowed)}; param must be one of them or 'c'/'rho' "
                         f"(LowerBoundGame), got {param!r}")
    return fixed


def _symbolic_slot(method_name: str, fixed: dict, param: str) -> tuple[Method, sp.Symbol, list[str]]:
    sym = sp.Symbol("_varied_" + param.replace("-", "_"))
    try:
        m = make(method_name, **fixed, **{param: sym})
    except ValueError as exc:
        raise InvalidValue(f"{param!r} of {method_name!r} is not a continuous hyper-parameter ({exc})") from None
    paths = [k for k, v in m.hyper().items() if v is sym]
    if not paths:
        raise InvalidValue(f"{param!r} of {method_name!r} is not a hyper-parameter of the built method")
    return m, sym, paths


def _radius_fn(method_name: str, param: str, fixed: dict, kind: str, src: Any) -> Callable[[np.ndarray], np.ndarray]:
    if kind == "game":
        m = make(method_name, **fixed)
        if m.batch_size() is not None:
            raise InvalidValue("with param 'c'/'rho' the method's hyper-parameters must be scalars")

        def f(values: np.ndarray) -> np.ndarray:
            return np.atleast_1d(spectral_radius(m, _game_eigs(param, values, src)))
        return f
    m, sym, _ = _symbolic_slot(method_name, fixed, param)
    e, _op = _eigs(src)
    if e.ndim != 1:
        raise InvalidValue("critical/region need one eigenvalue set of shape (n_eig,)")

    def f(values: np.ndarray) -> np.ndarray:
        vals = np.asarray(values, float)
        mm = m.map_hyper(lambda n, v: vals if v is sym else v)
        return np.atleast_1d(spectral_radius(mm, src))
    return f


def critical(method_name: str, param: str, fixed: Mapping[str, Any] | None = None, *, op: Any = None,
             eigenvalues: Any = None, rho: Any = None, L: Any = None, bracket: Sequence[float] | None = None,
             n_grid: int = 2001) -> float | None:
    """Critical value of one parameter where the spectral radius crosses 1.

    Parameters
    ----------
    method_name : str
        A name of :data:`monoverify.solvers.METHODS`.
    param : str
        The varied parameter: a real hyper-parameter of the method (``gamma``, ``lam``, ``alpha``,
        ...) or ``"c"`` / ``"rho"`` of ``LowerBoundGame(rho = -c/L, L)``.
    fixed : mapping
        The other parameters of the method (``tau`` included).
    op, eigenvalues, rho, L
        The linear map: an unconstrained ``LinearOperator``, an eigenvalue array (n_eig,), or
        ``LowerBoundGame(rho, L)`` (``L`` default 1). With ``param`` ``"c"``/``"rho"`` give only ``L``.
    bracket : (lo, hi)
        Search interval (needed unless the threshold lemma applies; default ``(0, 1)`` for ``c``).
    n_grid : int
        Grid points used to bracket the first crossing before :func:`scipy.optimize.brentq`.

    Returns
    -------
    float or None
        If ``param`` is the ``lam`` of a top-level ``Lookahead`` (also ``alpha`` of ``eg+``):
        ``lam* = min_j 2 Re(1/(1 - q_j))`` of the threshold lemma (converges iff ``lam < lam*``),
        ``None`` when ``Re q_j >= 1`` for some ``j``. Otherwise the first ``p`` in ``bracket``
        (scanning upwards) where ``radius(p) - 1`` changes sign, ``None`` if it never does.

    Examples
    --------
    >>> from monoverify.operators import BilinearGame
    >>> round(critical("ogda", "gamma", op=BilinearGame([[1.0]]), bracket=(0.1, 1.0)), 10)   # 1/sqrt(3)
    0.5773502692
    >>> round(critical("relaxed-pp", "lam", {"gamma": 0.9}, rho=-0.3), 6)     # 2(1 - c/t)
    1.333333
    """
    fixed = _fixed(method_name, fixed, param)
    kind, src = _source(op, eigenvalues, rho, L, param)
    if kind == "eigs":
        m, sym, paths = _symbolic_slot(method_name, fixed, param)
        if isinstance(m, Lookahead) and paths == ["lam"]:
            return lookahead_threshold(m.base, m.tau, src)
    if bracket is None:
        if param == "c":
            bracket = (0.0, 1.0)
        else:
            raise InvalidValue(f"critical value of {param!r} for {method_name!r} needs bracket=(lo, hi)")
    lo, hi = (float(b) for b in bracket)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InvalidValue(f"bracket must be finite with lo < hi, got {bracket!r}")
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 2:
        raise InvalidValue(f"n_grid must be an integer >= 2, got {n_grid!r}")
    f = _radius_fn(method_name, param, fixed, kind, src)
    grid = np.linspace(lo, hi, int(n_grid))
    g = f(grid) - 1.0
    finite = np.isfinite(g)
    idx = np.nonzero(finite)[0]
    for a, b in zip(idx[:-1], idx[1:]):
        if g[a] == 0.0:
            return float(grid[a])
        if (g[a] < 0) != (g[b] < 0):
            from scipy.optimize import brentq

            return float(brentq(lambda p: float(f(np.array([p]))[0]) - 1.0, grid[a], grid[b],
                                xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200))
    return None


def region(method_name: str, param: str, grid: Any, fixed: Mapping[str, Any] | None = None, *, op: Any = None,
           eigenvalues: Any = None, rho: Any = None, L: Any = None,
           criterion: str = "converges") -> list[tuple[float, float]]:
    """Intervals of ``grid`` where a criterion holds (convergence regions, §5.1).

    Parameters
    ----------
    method_name, param, fixed, op, eigenvalues, rho, L
        As in :func:`critical`; ``param`` ``"c"`` or ``"rho"`` varies ``LowerBoundGame``.
    grid : array_like, 1-D, increasing
        Values of ``param``; endpoints are accurate to the grid spacing.
    criterion : {"converges", "lookahead"}
        ``"converges"``: spectral radius ``< 1``. ``"lookahead"``: some ``lam > 0`` works for
        the top-level ``Lookahead``, i.e. ``Re q_j < 1`` for all ``j`` (§5.1's
        ``{c : Re q < 1}``); its ``lam`` is irrelevant (set to 1 when not given).

    Returns
    -------
    list of (float, float)
        Maximal runs ``(grid[i], grid[k])`` of consecutive grid points where the criterion holds.

    Examples
    --------
    >>> import numpy as np
    >>> region("la-gda", "c", np.linspace(0, 1, 1001), {"gamma": 1.0, "tau": 2}, criterion="lookahead")
    [(0.0, 0.366)]
    """
    if criterion not in ("converges", "lookahead"):
        raise InvalidValue(f"criterion must be 'converges' or 'lookahead', got {criterion!r}")
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
        raise InvalidValue("grid must be a non-empty finite 1-D array")
    fixed = _fixed(method_name, fixed, param)
    kind, src = _source(op, eigenvalues, rho, L, param)
    if criterion == "converges":
        ok = _radius_fn(method_name, param, fixed, kind, src)(grid) < 1
    else:
        if param == "lam":
            raise InvalidValue("criterion 'lookahead' asks whether some lam works; vary another parameter")
        if "lam" in METHODS[method_name].params and "lam" not in fixed:
            fixed["lam"] = 1.0
        if kind == "game":
            m = make(method_name, **fixed)
            eigs = _game_eigs(param, grid, src)
        else:
            m, sym, _ = _symbolic_slot(method_name, fixed, param)
            m = m.map_hyper(lambda n, v: grid if v is sym else v)
            eigs = src
        if not isinstance(m, Lookahead):
            raise InvalidValue(f"criterion 'lookahead' needs a Lookahead method at the top, {method_name!r} is {m!r}")
        lam = lookahead_threshold(m.base, m.tau, eigs)
        ok = np.isfinite(np.atleast_1d(np.asarray(lam, dtype=float)))
        ok = np.broadcast_to(ok, grid.shape)
    out: list[tuple[float, float]] = []
    i, n = 0, grid.size
    while i < n:
        if ok[i]:
            k = i
            while k + 1 < n and ok[k + 1]:
                k += 1
            out.append((float(grid[i]), float(grid[k])))
            i = k + 1
        else:
            i += 1
    return out


