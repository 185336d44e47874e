"""Multipliers and transition matrices of a method: one eigen-direction, or an explicit dense map (§5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.operators.linear import LinearOperator
from monoverify.operators.sets import Whole
from monoverify.solvers.base import Method
from monoverify.solvers.oracle import Oracle

from .inputs import _as_mu, _check_steps, _exact_method, _numeric_method, _tidy, _time_varying_error
from .unit_states import run_exact, run_matrix, run_numeric

__all__ = ["MU", "transition_matrix", "multiplier", "characteristic_polynomial", "k_step_multiplier",
           "iteration_matrix"]

MU = sp.Symbol("mu")


class _LinearOnlyOracle(Oracle):
    """The normal array oracle, refusing inner products (they make a method nonlinear)."""

    def vdot(self, a: Any, b: Any) -> Any:
        raise InvalidValue("this method uses inner products (e.g. adaptive-ceg+): it is not linear, so it has no "
                         "iteration matrix; its multiplier exists only on one rotation-scaling block (multiplier())")


def transition_matrix(method: Method, mu: Any = None, exact: bool = False, steps: int = 1, terms: Any = None) -> Any:
    """Per-eigenvalue state-transition matrix of ``method`` (product over ``steps`` steps).

    The coordinates are the array entries of the method's state, in state-dict order (``z`` for
    stationary one-state methods; ``(z, Fprev)`` for ``ogda``; ``(z, anchor)`` for ``feg``). The
    matrix is obtained by applying ``step`` to the unit states.

    Parameters
    ----------
    method : Method
        Any method (e.g. ``make("ogda", gamma=0.5)``).
    mu : complex, array or SymPy expression
        Eigenvalue(s); in exact mode a SymPy symbol by default (``mu``).
    exact : bool
        SymPy ``Matrix`` of shape ``(s, s)`` (hyper-parameters may be symbols) instead of a complex
        array of shape ``(..., s, s)`` (batched over ``mu`` and ``(batch,)`` hyper-parameters).
    steps : int
        Number of steps; the product ``T_steps ... T_1`` (time-varying methods such as ``feg``
        use the counter values that ``init`` sets and that the steps advance).
    terms : sequence, optional
        For a problem given as a sum (splitting methods, ``dr``, ``davis-yin``) whose summands share
        the eigen-direction: the eigenvalue of each summand along it; ``mu`` defaults to their sum.

    Returns
    -------
    sympy.Matrix or numpy.ndarray

    Examples
    --------
    >>> import sympy as sp
    >>> from monoverify.solvers import make
    >>> transition_matrix(make("ogda", gamma=sp.Symbol("gamma")), exact=True)
    Matrix([
    [-2*gamma*mu + 1, gamma],
    [             mu,     0]])
    >>> a, b = sp.symbols("a b", positive=True)     # Douglas-Rachford on summands with eigenvalues a, b
    >>> T = transition_matrix(make("dr", gamma=1, lam=1), terms=(a, b), exact=True)   # state (z, w), z = J_B w
    >>> sorted(sp.factor(e) for e in T.eigenvals())   # 0 (z is a function of w) and the DR multiplier
    [0, (a*b + 1)/((a + 1)*(b + 1))]
    """
    steps = _check_steps(steps)
    mu, terms = _with_terms(mu, terms, exact)
    if exact:
        tr = run_exact(_exact_method(method), MU if mu is None else mu, steps, terms)
        return tr.T.applyfunc(_tidy)
    return run_numeric(_numeric_method(method), _as_mu(mu), steps, terms).T


def _with_terms(mu: Any, terms: Any, exact: bool) -> tuple:
    """``(mu, terms)`` with ``mu`` defaulting to the sum of the summands' eigenvalues."""
    if terms is None:
        return mu, None
    terms = tuple(terms)
    if len(terms) < 1:
        raise InvalidValue("terms must list the eigenvalue of each summand, got an empty sequence")
    if not exact:
        terms = tuple(_as_mu(t) for t in terms)
    if mu is None:
        mu = sum(terms[1:], terms[0])
    return mu, terms


def multiplier(method: Method, mu: Any = None, exact: bool = False, *, roots: bool = False, terms: Any = None) -> Any:
    """The one-step multiplier ``m(u)``, ``u = gamma mu``, of a stationary method (§5 table).

    Parameters
    ----------
    method : Method
        A method object, e.g. ``make("rapp", gamma=..., lam=..., tau=...)``. For ``exact=False``
        its hyper-parameters may be arrays of shape ``(batch,)``.
    mu : complex, array or SymPy expression
        Eigenvalue(s) of the linear map. Exact mode: default the symbol ``mu``; pass e.g.
        ``sympy.Symbol("u")`` with ``gamma=1`` to get the table's form in ``u``.
    exact : bool
        Return a SymPy expression (stationary one-state methods) or, for methods with extra
        state such as ``ogda``, the **SymPy transition matrix** (see :func:`transition_matrix`;
        :func:`characteristic_polynomial` gives its characteristic polynomial).
    roots : bool
        Numeric mode, stateful methods: return all ``s`` eigenvalues of the transition matrix
        (last axis) instead of the dominant one (largest modulus).
    terms : sequence, optional
        Splitting methods: the eigenvalue of each summand along the direction (see
        :func:`transition_matrix`).

    Returns
    -------
    sympy.Expr, sympy.Matrix or numpy.ndarray
        Numeric: complex array of the broadcast shape of ``mu`` and the ``(batch, 1)``
        hyper-parameters (plus a last axis of length ``s`` when ``roots``).

    Raises
    ------
    ValueError
        Time-varying methods (``feg``), symbolic values in numeric mode, mismatched batches.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from monoverify.solvers import make
    >>> u = sp.Symbol("u")
    >>> multiplier(make("eg", gamma=1), u, exact=True)
    u**2 - u + 1
    >>> multiplier(make("gda", gamma=0.5), np.array([1j, -1j]))
    array([1.-0.5j, 1.+0.5j])
    >>> multiplier(make("gda", gamma=np.array([0.5, 1.0])), np.array([1j, -1j])).shape
    (2, 2)
    """
    mu, terms = _with_terms(mu, terms, exact)
    if exact:
        tr = run_exact(_exact_method(method), MU if mu is None else mu, 1, terms)
        if tr.time_varying:
            raise _time_varying_error(method)
        if len(tr.coords) == 1:
            return _tidy(tr.T[0, 0])
        return tr.T.applyfunc(_tidy)
    tr = run_numeric(_numeric_method(method), _as_mu(mu), 1, terms)
    if tr.time_varying:
        raise _time_varying_error(method)
    if tr.T.shape[-1] == 1:
        m = tr.T[..., 0, 0]
        return m[..., None] if roots else np.array(m)
    ev = _eigvals_nan(tr.T)
    if roots:
        return ev
    idx = np.argmax(np.abs(ev), axis=-1)
    return np.take_along_axis(ev, idx[..., None], axis=-1)[..., 0]


def _eigvals_nan(T: np.ndarray) -> np.ndarray:
    """Eigenvalues, NaN where a matrix has non-finite entries."""
    bad = ~np.all(np.isfinite(T), axis=(-2, -1))
    Tc = np.where(bad[..., None, None], 0, T)
    ev = np.linalg.eigvals(Tc)
    ev[bad] = np.nan
    return ev


def characteristic_polynomial(method: Method, mu: Any = None, x: sp.Symbol | None = None, terms: Any = None) -> sp.Expr:
    """``det(x I - T(mu))`` of the exact per-eigenvalue transition matrix (SymPy, expanded).

    For a one-state method this is ``x - m(u)``; for ``ogda`` it is ``x^2 - (1 - 2u) x - u``.

    Examples
    --------
    >>> import sympy as sp
    >>> from monoverify.solvers import make
    >>> characteristic_polynomial(make("ogda", gamma=1), sp.Symbol("u"))
    2*u*x - u + x**2 - x
    """
    x = sp.Symbol("x") if x is None else x
    T = transition_matrix(method, mu, exact=True, terms=terms)
    return sp.expand(sp.cancel(T.charpoly(x).as_expr()))


def k_step_multiplier(method: Method, mu: Any, K: int, exact: bool = False) -> Any:
    """The factor ``p_K`` with ``z_K = p_K(mu) z_0`` after ``init`` and ``K`` steps on ``F z = mu z``.

    Works for every linear method, stationary or not: for ``feg`` (anchor ``z_0``) it is the
    exact ``K``-step response; for a stationary one-state method it is ``m(u)^K``.

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> complex(k_step_multiplier(make("gda", gamma=0.5), 1.0, 3))
    (0.125+0j)
    >>> bool(abs(k_step_multiplier(make("feg", L=1.0), 1.0, 1)) < 1e-15)    # one EG step of size 1/L
    True
    """
    K = _check_steps(K, "K")
    if exact:
        tr = run_exact(_exact_method(method), MU if mu is None else mu, K)
        v = tr.T * tr.init_vec
        return _tidy(v[tr.coords.index("z"), 0])
    tr = run_numeric(_numeric_method(method), _as_mu(mu), K)
    with np.errstate(all="ignore"):
        v = np.einsum("...ij,...j->...i", tr.T, np.broadcast_to(tr.init_vec, tr.T.shape[:-1]))
    return v[..., tr.coords.index("z")]




def iteration_matrix(method: Method, M: Any) -> np.ndarray:
    """Explicit iteration matrix of a stationary linear method on ``F z = M z`` (dense, small ``M``).

    Obtained by applying one ``step`` to the unit states through the ordinary
    :class:`~monoverify.solvers.Oracle` of ``LinearOperator(M)`` (one batch holding all of them).
    For a one-state method it is ``(dim, dim)``; for methods with extra state (``ogda``) it acts on
    the stacked state coordinates (``(z, Fprev)``: ``(2 dim, 2 dim)``). Its spectral radius equals
    :func:`spectral_radius` on ``eig(M)`` (§5), also for non-normal ``M``.

    Parameters
    ----------
    method : Method
        Scalar hyper-parameters; linear (not ``adaptive-ceg+``) and stationary (not ``feg``).
    M : array_like (dim, dim) or an unconstrained LinearOperator without offset

    Examples
    --------
    >>> import numpy as np
    >>> from monoverify.solvers import make
    >>> iteration_matrix(make("gda", gamma=0.5), [[0.0, 1.0], [-1.0, 0.0]])
    array([[ 1. , -0.5],
           [ 0.5,  1. ]])
    """
    if isinstance(M, LinearOperator):
        op = M
        if not isinstance(op.constraint, Whole) or op.offset is not None:
            raise InvalidValue("iteration_matrix needs an unconstrained linear operator without offset")
    else:
        shape = np.shape(M)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise InvalidValue(f"M must be a square matrix, got shape {shape}")
        op = LinearOperator(M if np.asarray(M).dtype == object else np.asarray(M, dtype=float))
    from monoverify.validate import method as _method

    bs = _method("method", method).batch_size()
    if bs is not None:
        raise InvalidValue("iteration_matrix needs scalar hyper-parameters (the batch holds the unit vectors)")
    method = _numeric_method(method)
    tr = run_matrix(method, _LinearOnlyOracle(op), op.dim)
    if tr.time_varying:
        raise _time_varying_error(method)
    return tr.T
