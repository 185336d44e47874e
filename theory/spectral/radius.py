"""Spectral radii of a method on a linear operator or an eigenvalue set (§5 of the documentation's
Mathematics page)."""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.errors import InvalidValue
from monoverify.operators.sets import Whole
from monoverify.solvers.base import Method
from monoverify.solvers.lookahead import Lookahead

from .inputs import _as_mu, _numeric_method
from .multiplier import multiplier
from .unit_states import run_numeric

__all__ = ["multipliers", "spectral_radius", "converges", "lookahead_threshold"]


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
            raise InvalidValue(f"spectral analysis needs a LinearOperator, got {type(op).__name__} (nonlinear)")
        if not isinstance(op.constraint, Whole):
            raise InvalidValue(f"spectral analysis needs an unconstrained operator; {getattr(op, 'name', op)} has the "
                             f"constraint {op.constraint!r} (a projection makes the method nonlinear)")
        return np.asarray(op.eigenvalues(), dtype=complex), op
    e = _as_mu(op_or_eigs)
    if e.ndim not in (1, 2) or e.shape[-1] == 0:
        raise InvalidValue(f"eigenvalues must have shape (n_eig,) or (batch, n_eig) with n_eig >= 1, got {e.shape}")
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
    from monoverify.validate import method as _method

    _method("method", method)
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
        raise InvalidValue(f"{method!r} uses inner products: its multiplier describes one 2x2 rotation-scaling block "
                         "only, and this operator is not one (pass its eigenvalues explicitly to treat each as a "
                         "separate block)")


def _uses_inner(method: Method) -> bool:
    tr = run_numeric(_numeric_method(method), np.array([1.0 + 0.5j]))
    return tr.inner


def spectral_radius(method: Method, op_or_eigs: Any) -> Any:
    """``max_j |m(u_j)|`` per batch element (§5), or the iteration matrix's radius for alternating methods.

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

    Alternating methods have no multiplier per eigenvalue; on an operator that declares its
    players the same call answers through the explicit iteration matrix
    (:func:`monoverify.theory.players.radius`): alternating GDA on ``xy`` has radius 1 for
    ``gamma L <= 2``.

    >>> round(spectral_radius(make("alt-gda", gamma=1.0), BilinearGame([[1.0]])), 9)
    1.0
    """
    from monoverify.solvers.alternating import PlayersUnavailable, uses_players
    from monoverify.validate import method as _method

    _method("method", method)
    if uses_players(method):
        if not (hasattr(op_or_eigs, "F") and hasattr(op_or_eigs, "dim")):
            raise PlayersUnavailable(
                f"{method!r} updates the players in turn: a multiplier per eigenvalue of M does not exist (the "
                "players' blocks mix the eigen-directions), so eigenvalues alone cannot give its spectral radius; "
                "pass the linear operator itself, with its players declared (e.g. BilinearGame, LowerBoundGame, "
                "LinearOperator(M, players=...))")
        _eigs(op_or_eigs)   # the same refusals as every method: nonlinear or constrained operators
        from monoverify.theory.players import radius as players_radius

        r = players_radius(method, op_or_eigs)
        return float(r[0]) if method.batch_size() is None else r
    e, _ = _eigs(op_or_eigs)
    m = multipliers(method, op_or_eigs)
    with np.errstate(invalid="ignore"):
        r = np.max(np.abs(m), axis=-1)
    if method.batch_size() is None and e.ndim == 1:
        return float(r[0])
    return r


def converges(method: Method, op_or_eigs: Any) -> Any:
    """Whether the spectral radius is ``< 1`` (convergence from every start, §5).

    Caveat (§5): an eigenvalue ``mu = 0`` gives ``m = 1`` for every consistent method, so
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
    """Largest admissible ``lam`` of ``Lookahead(base_method, tau, lam)`` (threshold lemma, §5).

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
    from monoverify.validate import method as _method

    _method("base_method", base_method)
    if not isinstance(tau, (int, np.integer)) or isinstance(tau, bool) or tau < 1:
        raise InvalidValue(f"tau must be an integer >= 1, got tau={tau!r}")
    e, _ = _eigs(op_or_eigs)
    q = multipliers(Lookahead(base_method, int(tau), 1.0), op_or_eigs)
    with np.errstate(all="ignore"):
        bad = np.any(~(q.real < 1), axis=-1)
        lam = np.min(2.0 * np.real(1.0 / (1.0 - q)), axis=-1)
    lam = np.where(bad, np.nan, lam)
    if base_method.batch_size() is None and e.ndim == 1:
        return None if bad[0] else float(lam[0])
    return lam


