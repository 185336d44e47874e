"""Exact multipliers and spectral radii of the methods on linear operators (SPEC §5).

For ``F z = M z`` (no constraint) a stationary method is ``z+ = p(gamma M) z`` with ``p`` a
polynomial or rational function, so its iteration matrix has the eigenvalues ``m(u_j)``,
``u_j = gamma mu_j``, ``mu_j in eig(M)`` -- also for non-normal ``M`` -- and the method converges
from every start iff ``max_j |m(u_j)| < 1`` (SPEC §5).

**No update rule is written here.** Every multiplier is obtained by *running* the method object
(``init``/``step`` of :mod:`monoverify.solvers`) on the oracle of one eigen-direction,
:class:`EigenOracle`: ``F(z) = mu z``, ``prox(z, gamma) = z``, ``resolvent(z, gamma) =
z/(1 + gamma mu)``. On SymPy scalars this gives the exact multiplier; on complex NumPy arrays of
shape ``(batch, n_eig)`` (hyper-parameters reshaped to ``(batch, 1)``) it gives every multiplier
of a parameter sweep in one call.

Methods with extra state (``ogda`` keeps ``Fprev``; ``feg`` keeps ``anchor`` and a counter ``k``)
are linear maps on the whole state. Their *per-eigenvalue transition matrix* is built by applying
one ``step`` to the unit states (every array entry of the state dict is one coordinate, in the
order of the dict; for ``ogda``: ``(z, Fprev)`` with ``Fprev = mu z_prev``), and its eigenvalues
are the multipliers. ``feg`` is time-varying (its counter ``k`` changes every step): there is no
single multiplier, only the product of ``K`` transition matrices (:func:`transition_matrix` with
``steps=K``, :func:`k_step_multiplier`).

``adaptive-ceg+`` uses inner products. :class:`EigenOracle` reads a complex number as a vector of
the plane (``<a, b> = Re(a conj(b))``), i.e. it runs the method on one 2x2 rotation-scaling block
``[[b, a], [-a, b]]`` with eigenvalues ``b -/+ i a`` (a real ``mu`` is a 1x1 block). There the
step size ratio is constant, ``alpha = sigma/gamma + Re(1/(1 - gamma mu))`` (SPEC R26), and the
multiplier is that of EG+ with this ``alpha``. The method is not linear on a general ``M`` (its
ratio mixes all directions), so an operator is accepted for it only when it is one such block.

Critical parameters use the **Lookahead threshold lemma** (SPEC §5) when the parameter is the
interpolation weight ``lam`` of a top-level :class:`~monoverify.solvers.Lookahead` (this includes
``alpha`` of ``eg+`` = ``Lookahead(EG, 1, alpha)``, ``lam`` of ``rapp`` and ``relaxed-pp``): with
``q = m_base(u)^tau``, ``|1 - lam (1 - q)| < 1`` iff ``Re q < 1`` and
``lam < lam*(q) = 2 Re(1/(1 - q))``; otherwise a root of ``radius - 1`` is bracketed on a grid
and refined with :func:`scipy.optimize.brentq`.

Examples
--------
>>> import numpy as np, sympy as sp
>>> from monoverify.solvers import make
>>> from monoverify.operators import LowerBoundGame
>>> u = sp.Symbol("u")
>>> multiplier(make("rapp", gamma=1, lam=sp.Symbol("lam"), tau=2), u, exact=True)
lam*u**2 - lam*u + 1
>>> round(spectral_radius(make("eg+", gamma=1.0, alpha=0.5), LowerBoundGame(-1/3, 1.0)), 6)
1.105542
>>> critical("la-gda", "lam", {"gamma": 1.0, "tau": 2}, rho=-0.1, L=1.0)   # 2(1-2c-2c^2)/(5+4c)
0.28888888888888...
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from monoverify.operators.linear import LinearOperator, rotation_scaling
from monoverify.operators.sets import Whole
from monoverify.solvers.base import Method
from monoverify.solvers.lookahead import Lookahead
from monoverify.solvers.oracle import Oracle
from monoverify.solvers.registry import METHODS, make

__all__ = [
    "EigenOracle",
    "multiplier",
    "transition_matrix",
    "characteristic_polynomial",
    "k_step_multiplier",
    "multipliers",
    "spectral_radius",
    "converges",
    "lookahead_threshold",
    "critical",
    "region",
    "iteration_matrix",
    "lower_bound_eigenvalues",
]

MU = sp.Symbol("mu")


# ============================================================================================
# the oracle of one eigen-direction
# ============================================================================================
class EigenOracle:
    """Oracle of the scalar linear map ``F(z) = mu z`` (one eigen-direction, no constraint).

    Parameters
    ----------
    mu : complex array or SymPy expression
        The eigenvalue(s); arrays broadcast against the iterates.
    exact : bool
        SymPy mode (``vdot`` uses ``sympy.re``/``sympy.conjugate``; ``ratio`` is a plain quotient).

    Notes
    -----
    ``vdot(a, b) = Re(a conj(b))`` is the Euclidean inner product of the plane vectors that the
    complex numbers ``a``, ``b`` stand for; ``mu z`` is then the action of a 2x2 rotation-scaling
    block. ``used_inner_product`` records whether a method asked for it (a nonlinear method).

    Examples
    --------
    >>> o = EigenOracle(2.0)
    >>> o.F(3.0), o.prox(3.0, 0.5), o.resolvent(3.0, 0.5)
    (6.0, 3.0, 1.5)
    """

    def __init__(self, mu: Any, exact: bool = False):
        self.mu = mu
        self.exact = exact
        self.used_inner_product = False

    def F(self, z: Any) -> Any:
        return self.mu * z

    def prox(self, z: Any, gamma: Any) -> Any:
        return z

    def resolvent(self, z: Any, gamma: Any) -> Any:
        return z / (1 + gamma * self.mu)

    def vdot(self, a: Any, b: Any) -> Any:
        self.used_inner_product = True
        if self.exact:
            return sp.re(a * sp.conjugate(b))
        return np.real(a * np.conj(b))

    def ratio(self, num: Any, den: Any) -> Any:
        if self.exact:
            return num / den
        pos = den > 0
        return np.where(pos, num / np.where(pos, den, 1.0), 0.0)


class _LinearOnlyOracle(Oracle):
    """The normal array oracle, refusing inner products (they make a method nonlinear)."""

    def vdot(self, a: Any, b: Any) -> Any:
        raise ValueError("this method uses inner products (e.g. adaptive-ceg+): it is not linear, so it has no "
                         "iteration matrix; its multiplier exists only on one rotation-scaling block (multiplier())")


# ============================================================================================
# running one step on unit states
# ============================================================================================
class _Transition:
    """Result of running a method on the unit states of one eigen-direction."""

    def __init__(self, T: Any, coords: list[str], init_vec: Any, time_varying: bool, inner: bool):
        self.T = T                    # numeric: array (..., s, s); exact: sympy Matrix (s, s)
        self.coords = coords          # coordinate names (state-dict order)
        self.init_vec = init_vec      # coordinates after init(z0 = 1): (..., s) or Matrix (s, 1)
        self.time_varying = time_varying
        self.inner = inner


def _is_coord(v: Any, exact: bool) -> bool:
    if exact:
        return isinstance(v, sp.Basic)
    return isinstance(v, np.ndarray)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.all(a == b))
    except Exception:  # pragma: no cover - exotic state entries
        return a is b


def _numeric_method(method: Method) -> Method:
    """Hyper-parameters as floats or ``(batch, 1)`` arrays (SymPy numbers allowed, symbols not)."""
    method.batch_size()  # validates shapes and a common batch size

    def conv(name: str, v: Any) -> Any:
        try:
            a = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"hyper-parameter {name}={v!r} is not numeric; substitute a value or use exact=True") from None
        return a.reshape(-1, 1) if a.ndim else float(a)

    return method.map_hyper(conv)


def _exact_method(method: Method) -> Method:
    if method.batch_size() is not None:
        raise ValueError("exact=True needs scalar hyper-parameters (numbers or SymPy symbols), not arrays")
    return method.map_hyper(lambda name, v: sp.sympify(v))


def _hyper_shapes(method: Method) -> list[tuple[int, ...]]:
    return [np.shape(v) for v in method.hyper().values()]


def _run_numeric(method: Method, mu: np.ndarray, steps: int = 1) -> _Transition:
    """Transition matrices (product over ``steps``) of an already converted method."""
    try:
        shape = np.broadcast_shapes(mu.shape, *_hyper_shapes(method))
    except ValueError:
        raise ValueError(f"eigenvalues of shape {mu.shape} do not broadcast against the hyper-parameter batch "
                         f"(shapes {_hyper_shapes(method)}); use eigenvalues of shape (n_eig,) or (batch, n_eig)") from None
    oracle = EigenOracle(mu)
    one = np.ones(shape, dtype=complex)
    with np.errstate(all="ignore"):
        st = method.init(one, oracle)
        coords = [k for k, v in st.items() if _is_coord(v, False)]
        if "z" not in coords:
            raise ValueError(f"the state of {method!r} has no array entry 'z'")
        others = {k: v for k, v in st.items() if k not in coords}
        s = len(coords)
        init_vec = np.stack([np.broadcast_to(st[c], shape) for c in coords], axis=-1)
        if s == 1:
            units = {coords[0]: one}
            full = shape
        else:
            full = (s,) + shape
            E = np.eye(s, dtype=complex).reshape((s, s) + (1,) * len(shape))
            units = {c: np.broadcast_to(E[i], full) for i, c in enumerate(coords)}
        P = None
        time_varying = False
        for _ in range(steps):
            out = method.step({**units, **others}, oracle)
            missing = [c for c in coords if c not in out]
            if missing:
                raise ValueError(f"step of {method!r} dropped the state entries {missing}")
            new_others = {k: out.get(k) for k in others}
            if any(not _same(new_others[k], others[k]) for k in others):
                time_varying = True
            if s == 1:
                T = np.broadcast_to(out[coords[0]], shape)[..., None, None]
            else:
                T = np.stack([np.moveaxis(np.broadcast_to(out[c], full), 0, -1) for c in coords], axis=-2)
            P = T if P is None else T @ P
            others = new_others
    return _Transition(P, coords, init_vec, time_varying, oracle.used_inner_product)


def _run_exact(method: Method, mu: Any, steps: int = 1) -> _Transition:
    mu = sp.sympify(mu)
    oracle = EigenOracle(mu, exact=True)
    one = sp.Integer(1)
    st = method.init(one, oracle)
    coords = [k for k, v in st.items() if _is_coord(v, True)]
    if "z" not in coords:
        raise ValueError(f"the state of {method!r} has no entry 'z'")
    others = {k: v for k, v in st.items() if k not in coords}
    s = len(coords)
    init_vec = sp.Matrix([st[c] for c in coords])
    P = None
    time_varying = False
    for _ in range(steps):
        T = sp.zeros(s, s)
        new_others = None
        for j in range(s):
            unit = {c: (one if i == j else sp.Integer(0)) for i, c in enumerate(coords)}
            out = method.step({**unit, **others}, oracle)
            for i, c in enumerate(coords):
                T[i, j] = sp.sympify(out[c])
            new_others = {k: out.get(k) for k in others}
        if any(not _same(new_others[k], others[k]) for k in others):
            time_varying = True
        P = T if P is None else T * P
        others = new_others
    return _Transition(P, coords, init_vec, time_varying, oracle.used_inner_product)


def _tidy(expr: Any) -> Any:
    """Canonical rational form; expanding first is much faster on the deep trees of nested steps."""
    try:
        return sp.cancel(sp.expand(expr))
    except Exception:  # pragma: no cover - e.g. expressions with re()/conjugate()
        return expr


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got steps={steps!r}")
    return int(steps)


def _time_varying_error(method: Method) -> ValueError:
    return ValueError(f"{method!r} is not stationary (its state counter changes every step, e.g. feg's k): it has no "
                      "single multiplier; use transition_matrix(method, mu, steps=K) or k_step_multiplier(method, mu, K)")


def _as_mu(mu: Any) -> np.ndarray:
    if mu is None:
        raise ValueError("numeric multipliers need eigenvalues mu (a number or an array); "
                         "use exact=True for a symbolic result")
    if isinstance(mu, sp.Basic):
        if mu.free_symbols:
            raise ValueError(f"mu={mu!r} is symbolic; use exact=True")
        mu = complex(mu)
    a = np.asarray(mu)
    if a.dtype == object:
        try:
            a = a.astype(complex)
        except (TypeError, ValueError):
            raise ValueError("mu must be numeric (complex); use exact=True for symbols") from None
    a = a.astype(complex)
    if not np.all(np.isfinite(a)):
        raise ValueError("eigenvalues must be finite")
    return a


# ============================================================================================
# public: one eigen-direction
# ============================================================================================
def transition_matrix(method: Method, mu: Any = None, exact: bool = False, steps: int = 1) -> Any:
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
    """
    steps = _check_steps(steps)
    if exact:
        tr = _run_exact(_exact_method(method), MU if mu is None else mu, steps)
        return tr.T.applyfunc(_tidy)
    return _run_numeric(_numeric_method(method), _as_mu(mu), steps).T


def multiplier(method: Method, mu: Any = None, exact: bool = False, *, roots: bool = False) -> Any:
    """The one-step multiplier ``m(u)``, ``u = gamma mu``, of a stationary method (SPEC §5 table).

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
    if exact:
        tr = _run_exact(_exact_method(method), MU if mu is None else mu)
        if tr.time_varying:
            raise _time_varying_error(method)
        if len(tr.coords) == 1:
            return _tidy(tr.T[0, 0])
        return tr.T.applyfunc(_tidy)
    tr = _run_numeric(_numeric_method(method), _as_mu(mu))
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


def characteristic_polynomial(method: Method, mu: Any = None, x: sp.Symbol | None = None) -> sp.Expr:
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
    T = transition_matrix(method, mu, exact=True)
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
    K = _check_steps(K)
    if exact:
        tr = _run_exact(_exact_method(method), MU if mu is None else mu, K)
        v = tr.T * tr.init_vec
        return _tidy(v[tr.coords.index("z"), 0])
    tr = _run_numeric(_numeric_method(method), _as_mu(mu), K)
    with np.errstate(all="ignore"):
        v = np.einsum("...ij,...j->...i", tr.T, np.broadcast_to(tr.init_vec, tr.T.shape[:-1]))
    return v[..., tr.coords.index("z")]


# ============================================================================================
# public: operators and eigenvalue sets
# ============================================================================================
def _is_rotation_scaling(op: Any) -> bool:
    M = op.matrix
    if M.shape == (1, 1):
        return True
    if M.shape != (2, 2):
        return False
    s = np.max(np.abs(M)) + 1e-300
    return abs(M[0, 0] - M[1, 1]) <= 1e-14 * s and abs(M[0, 1] + M[1, 0]) <= 1e-14 * s


def _eigs(op_or_eigs: Any) -> tuple[np.ndarray, Any]:
    """Eigenvalues as a complex array (n,) or (batch, n), and the operator (or None)."""
    if hasattr(op_or_eigs, "F") and hasattr(op_or_eigs, "dim"):
        op = op_or_eigs
        if not getattr(op, "is_linear", False) or not hasattr(op, "eigenvalues"):
            raise ValueError(f"spectral analysis needs a LinearOperator, got {type(op).__name__} (nonlinear)")
        if not isinstance(op.constraint, Whole):
            raise ValueError(f"spectral analysis needs an unconstrained operator; {getattr(op, 'name', op)} has the "
                             f"constraint {op.constraint!r} (a projection makes the method nonlinear)")
        return np.asarray(op.eigenvalues(), dtype=complex), op
    e = _as_mu(op_or_eigs)
    if e.ndim not in (1, 2) or e.shape[-1] == 0:
        raise ValueError(f"eigenvalues must have shape (n_eig,) or (batch, n_eig) with n_eig >= 1, got {e.shape}")
    return e, None


def multipliers(method: Method, eigenvalues: Any) -> np.ndarray:
    """Multipliers ``m(u_j)`` for every batch element and eigenvalue, shape ``(batch, n_eig)``.

    Parameters
    ----------
    method : Method
        Hyper-parameters scalars or arrays of shape ``(batch,)``.
    eigenvalues : LinearOperator or complex array of shape (n_eig,) or (batch, n_eig)
        A batch dimension must match the hyper-parameters' (or be 1: broadcasting).

    Returns
    -------
    numpy.ndarray, complex, shape (batch, n_eig)
        ``batch = 1`` when nothing is batched. Stateful methods (``ogda``): the dominant root of
        the per-eigenvalue transition matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from monoverify.solvers import make
    >>> from monoverify.operators import BilinearGame
    >>> multipliers(make("pp", gamma=np.array([1.0, 2.0])), BilinearGame([[1.0]])).round(3)
    array([[0.5-0.5j, 0.5+0.5j],
           [0.2-0.4j, 0.2+0.4j]])
    """
    e, op = _eigs(eigenvalues)
    m = multiplier(method, e)
    _check_inner(method, op)
    m = np.asarray(m)
    if m.ndim == 1:
        m = m[None, :]
    return m


def _check_inner(method: Method, op: Any) -> None:
    if op is None:
        return
    if _uses_inner(method) and not _is_rotation_scaling(op):
        raise ValueError(f"{method!r} uses inner products: its multiplier describes one 2x2 rotation-scaling block "
                         "only, and this operator is not one (pass its eigenvalues explicitly to treat each as a "
                         "separate block)")


def _uses_inner(method: Method) -> bool:
    tr = _run_numeric(_numeric_method(method), np.array([1.0 + 0.5j]))
    return tr.inner


def spectral_radius(method: Method, op_or_eigs: Any) -> Any:
    """``max_j |m(u_j)|`` per batch element (SPEC §5).

    Parameters
    ----------
    method : Method
        Stationary method; hyper-parameters scalars or arrays of shape ``(batch,)``.
    op_or_eigs : LinearOperator or complex array of shape (n_eig,) or (batch, n_eig)
        An unconstrained linear operator (its ``eigenvalues()``) or the eigenvalues themselves.

    Returns
    -------
    float or numpy.ndarray of shape (batch,)
        A float when neither the hyper-parameters nor the eigenvalues carry a batch dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from monoverify.solvers import make
    >>> from monoverify.operators import BilinearGame
    >>> round(spectral_radius(make("gda", gamma=1.0), BilinearGame([[1.0]])), 6)   # sqrt(2)
    1.414214
    >>> g = np.array([0.5, 0.9]); lam = np.array([0.5, 0.5])
    >>> eigs = np.array([[-0.1 + 0.9j, -0.1 - 0.9j], [-0.3 + 0.9j, -0.3 - 0.9j]])
    >>> spectral_radius(make("rapp", gamma=g, lam=lam, tau=5), eigs).shape
    (2,)
    """
    e, _ = _eigs(op_or_eigs)
    m = multipliers(method, op_or_eigs)
    with np.errstate(invalid="ignore"):
        r = np.max(np.abs(m), axis=-1)
    if method.batch_size() is None and e.ndim == 1:
        return float(r[0])
    return r


def converges(method: Method, op_or_eigs: Any) -> Any:
    """Whether the spectral radius is ``< 1`` (convergence from every start, SPEC §5).

    Caveat (SPEC §5): an eigenvalue ``mu = 0`` gives ``m = 1`` for every consistent method, so
    the radius is 1 and this returns ``False``, although iterates then converge to a point of
    ``ker M`` when that eigenvalue is semisimple. Remove zero eigenvalues (after checking
    semisimplicity) to ask about convergence to the solution set.

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> from monoverify.operators import BilinearGame
    >>> converges(make("eg", gamma=0.5), BilinearGame([[1.0]])), converges(make("gda", gamma=0.5), BilinearGame([[1.0]]))
    (True, False)
    """
    r = spectral_radius(method, op_or_eigs)
    return bool(r < 1) if np.ndim(r) == 0 else np.asarray(r < 1)


def lookahead_threshold(base_method: Method, tau: int, op_or_eigs: Any) -> Any:
    """Largest admissible ``lam`` of ``Lookahead(base_method, tau, lam)`` (threshold lemma, SPEC §5).

    With ``q_j = m_base(u_j)^tau`` (computed by running ``Lookahead(base, tau, 1)``), the method
    converges iff ``Re q_j < 1`` for all ``j`` and ``lam < lam* = min_j 2 Re(1/(1 - q_j))``.

    Returns
    -------
    float or None, or numpy.ndarray of shape (batch,)
        ``None`` (batched: ``nan``) when ``Re q_j >= 1`` for some ``j``: no ``lam > 0`` works.
        Eigenvalue 0 gives ``q = 1`` and hence ``None`` (see :func:`converges`).

    Examples
    --------
    >>> from monoverify.solvers import make
    >>> from monoverify.operators import BilinearGame
    >>> lookahead_threshold(make("gda", gamma=1.0), 2, BilinearGame([[1.0]]))   # 2/(4 + t^2)
    0.4
    >>> lookahead_threshold(make("gda", gamma=1.0), 8, BilinearGame([[1.0]])) is None
    True
    """
    if not isinstance(tau, (int, np.integer)) or isinstance(tau, bool) or tau < 1:
        raise ValueError(f"tau must be an integer >= 1, got tau={tau!r}")
    e, _ = _eigs(op_or_eigs)
    q = multipliers(Lookahead(base_method, int(tau), 1.0), op_or_eigs)
    with np.errstate(all="ignore"):
        bad = np.any(~(q.real < 1), axis=-1)
        lam = np.min(2.0 * np.real(1.0 / (1.0 - q)), axis=-1)
    lam = np.where(bad, np.nan, lam)
    if base_method.batch_size() is None and e.ndim == 1:
        return None if bad[0] else float(lam[0])
    return lam


# ============================================================================================
# LowerBoundGame eigenvalues (batched), critical values and regions
# ============================================================================================
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
    r, l = np.broadcast_arrays(np.asarray(rho, dtype=float), np.asarray(L, dtype=float))
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(l)) and np.all(l > 0)):
        raise ValueError("LowerBoundGame needs finite rho and L > 0")
    if np.any(np.abs(r * l) > 1 + 1e-15):
        raise ValueError(f"LowerBoundGame needs |rho L| <= 1, got rho*L in [{np.min(r * l):g}, {np.max(r * l):g}]")
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
            raise ValueError(f"param={param!r} varies LowerBoundGame(rho, L): give only L (default 1), not {given}")
        return "game", 1.0 if L is None else L
    if len(given) != 1:
        raise ValueError("give exactly one of op=, eigenvalues= or rho= (with L=, default 1) "
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
    if method_name not in METHODS:
        make(method_name)  # raises with suggestions
    fixed = dict(fixed or {})
    if param in fixed:
        raise ValueError(f"{param!r} is the varied parameter; remove it from fixed={fixed}")
    allowed = METHODS[method_name].params
    if param not in _OP_PARAMS and param not in allowed:
        raise ValueError(f"{method_name!r} has parameters {list(allowed)}; param must be one of them or 'c'/'rho' "
                         f"(LowerBoundGame), got {param!r}")
    return fixed


def _symbolic_slot(method_name: str, fixed: dict, param: str) -> tuple[Method, sp.Symbol, list[str]]:
    sym = sp.Symbol("_varied_" + param.replace("-", "_"))
    try:
        m = make(method_name, **fixed, **{param: sym})
    except ValueError as exc:
        raise ValueError(f"{param!r} of {method_name!r} is not a continuous hyper-parameter ({exc})") from None
    paths = [k for k, v in m.hyper().items() if v is sym]
    if not paths:
        raise ValueError(f"{param!r} of {method_name!r} is not a hyper-parameter of the built method")
    return m, sym, paths


def _radius_fn(method_name: str, param: str, fixed: dict, kind: str, src: Any) -> Callable[[np.ndarray], np.ndarray]:
    if kind == "game":
        m = make(method_name, **fixed)
        if m.batch_size() is not None:
            raise ValueError("with param 'c'/'rho' the method's hyper-parameters must be scalars")

        def f(values: np.ndarray) -> np.ndarray:
            return np.atleast_1d(spectral_radius(m, _game_eigs(param, values, src)))
        return f
    m, sym, _ = _symbolic_slot(method_name, fixed, param)
    e, _op = _eigs(src)
    if e.ndim != 1:
        raise ValueError("critical/region need one eigenvalue set of shape (n_eig,)")

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
            raise ValueError(f"critical value of {param!r} for {method_name!r} needs bracket=(lo, hi)")
    lo, hi = (float(b) for b in bracket)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"bracket must be finite with lo < hi, got {bracket!r}")
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 2:
        raise ValueError(f"n_grid must be an integer >= 2, got {n_grid!r}")
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
    """Intervals of ``grid`` where a criterion holds (convergence regions, SPEC §5.1).

    Parameters
    ----------
    method_name, param, fixed, op, eigenvalues, rho, L
        As in :func:`critical`; ``param`` ``"c"`` or ``"rho"`` varies ``LowerBoundGame``.
    grid : array_like, 1-D, increasing
        Values of ``param``; endpoints are accurate to the grid spacing.
    criterion : {"converges", "lookahead"}
        ``"converges"``: spectral radius ``< 1``. ``"lookahead"``: some ``lam > 0`` works for
        the top-level ``Lookahead``, i.e. ``Re q_j < 1`` for all ``j`` (SPEC §5.1's
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
        raise ValueError(f"criterion must be 'converges' or 'lookahead', got {criterion!r}")
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
        raise ValueError("grid must be a non-empty finite 1-D array")
    fixed = _fixed(method_name, fixed, param)
    kind, src = _source(op, eigenvalues, rho, L, param)
    if criterion == "converges":
        ok = _radius_fn(method_name, param, fixed, kind, src)(grid) < 1
    else:
        if param == "lam":
            raise ValueError("criterion 'lookahead' asks whether some lam works; vary another parameter")
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
            raise ValueError(f"criterion 'lookahead' needs a Lookahead method at the top, {method_name!r} is {m!r}")
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


# ============================================================================================
# explicit iteration matrices (cross-check on non-normal M)
# ============================================================================================
def iteration_matrix(method: Method, M: Any) -> np.ndarray:
    """Explicit iteration matrix of a stationary linear method on ``F z = M z`` (dense, small ``M``).

    Obtained by applying one ``step`` to the unit states through the ordinary
    :class:`~monoverify.solvers.Oracle` of ``LinearOperator(M)`` (one batch holding all of them).
    For a one-state method it is ``(dim, dim)``; for methods with extra state (``ogda``) it acts on
    the stacked state coordinates (``(z, Fprev)``: ``(2 dim, 2 dim)``). Its spectral radius equals
    :func:`spectral_radius` on ``eig(M)`` (SPEC §5), also for non-normal ``M``.

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
            raise ValueError("iteration_matrix needs an unconstrained linear operator without offset")
    else:
        A = np.asarray(M, dtype=float)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"M must be a square matrix, got shape {A.shape}")
        op = LinearOperator(A)
    bs = method.batch_size()
    if bs is not None:
        raise ValueError("iteration_matrix needs scalar hyper-parameters (the batch holds the unit vectors)")
    method = _numeric_method(method)
    d = op.dim
    oracle = _LinearOnlyOracle(op)
    with np.errstate(all="ignore"):
        st = method.init(np.eye(d), oracle)
        coords = [k for k, v in st.items() if isinstance(v, np.ndarray) and v.shape == (d, d)]
        if "z" not in coords:
            raise ValueError(f"the state of {method!r} has no array entry 'z'")
        others = {k: v for k, v in st.items() if k not in coords}
        s = len(coords)
        U = np.eye(s * d)
        units = {c: np.ascontiguousarray(U[:, i * d:(i + 1) * d]) for i, c in enumerate(coords)}
        out = method.step({**units, **others}, oracle)
    if any(not _same(out.get(k), others[k]) for k in others):
        raise _time_varying_error(method)
    return np.hstack([np.asarray(out[c], dtype=float) for c in coords]).T
