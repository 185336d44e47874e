"""Real matrices: validation, exact constants (``L``, ``rho``), rotation-scaling blocks and 2x2 spectral norms.

The building blocks of :mod:`monoverify.operators.linear` (§2.1, §6), each written once.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from monoverify.arrays import require_finite
from monoverify.errors import InvalidValue
from .base import Constant, Constants

__all__ = ["real_scalar", "linear_constants", "rotation_scaling", "rotation_scaling_block", "spectral_norm_2x2"]

_EXACT_MAX_DIM = 4  # exact SymPy constants up to this dimension


def _is_exact_entry(x: Any) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (int, np.integer, Fraction)):
        return True
    if isinstance(x, sp.Basic):
        return not x.has(sp.Float)
    return False


def _is_real_number(x: Any) -> bool:
    if isinstance(x, (bool, np.bool_, str, bytes)) or x is None:
        return False
    if isinstance(x, sp.Basic):
        return bool(x.is_real) or bool(x.is_number and not x.free_symbols and sp.im(x) == 0)
    return isinstance(x, (numbers.Real, np.floating, np.integer))


def real_scalar(name: str, value: Any) -> sp.Expr:
    """``value`` as a real SymPy number; complex, non-numeric or symbolic values are refused naming ``name``.

    >>> real_scalar("rho", 0.5)
    0.500000000000000
    >>> real_scalar("rho", 0.1j)
    Traceback (most recent call last):
    ...
    monoverify.errors.InvalidValue: rho must be a real number, got rho=0.1j
    """
    from monoverify.validate import _unwrap, invalid

    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise InvalidValue(f"{name} must be a real number, got {name}={value!r}")
    value = _unwrap(value)
    if isinstance(value, (list, tuple, dict, set, np.ndarray)):
        raise invalid(name, value, "one real number (not a sequence or array)")
    try:
        v = sp.sympify(value)
    except (sp.SympifyError, TypeError):
        raise InvalidValue(f"{name} must be a real number, got {name}={value!r}") from None
    if v.free_symbols:
        raise InvalidValue(f"{name} must be numeric (SymPy numbers are fine, free symbols are not), got {name}={value!r}")
    if not v.is_number or v.is_real is False or (v.is_real is None and sp.im(sp.N(v)) != 0):
        raise InvalidValue(f"{name} must be a real number, got {name}={value!r}")
    return v


def _as_matrix(M: Any, name: str = "M") -> tuple[np.ndarray, sp.Matrix | None]:
    """Return (float64 array, exact SymPy matrix or None); validate shape and finiteness."""
    if isinstance(M, sp.MatrixBase):
        exact = sp.Matrix(M)
        if any(e.free_symbols for e in exact):
            raise InvalidValue(f"{name} has free symbols {sorted(map(str, exact.free_symbols))}; substitute values first")
        arr = np.array(exact.evalf(), dtype=float)
    elif isinstance(M, np.ndarray) and M.dtype.kind == "f":
        # a float array holds real numbers by type: no per-entry check (block-diagonal batteries
        # build matrices with 10^5-10^6 entries); shape and finiteness are checked below
        arr, exact = np.asarray(M, dtype=float), None
    else:
        obj = np.asarray(M, dtype=object)
        if obj.ndim != 2:
            raise InvalidValue(f"{name} must be a 2-D matrix, got an array of shape {obj.shape}")
        if obj.size == 0:
            raise InvalidValue(f"{name} must be a non-empty square matrix, got shape {obj.shape}")
        for idx, x in np.ndenumerate(obj):
            if not _is_real_number(x):
                raise InvalidValue(f"{name} must hold real numbers; entry {tuple(int(i) for i in idx)} is {x!r} "
                                 f"(type {type(x).__name__})")
        exact = sp.Matrix(obj.tolist()) if all(_is_exact_entry(x) for x in obj.ravel()) else None
        try:
            arr = np.asarray(obj, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InvalidValue(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 2:
        raise InvalidValue(f"{name} must be a 2-D matrix, got shape {arr.shape}")
    if arr.size == 0:
        raise InvalidValue(f"{name} must be a non-empty square matrix, got shape {arr.shape}")
    require_finite(name, arr)
    return arr, exact


# --------------------------------------------------------------------------------------------
# constants
# --------------------------------------------------------------------------------------------
def _min_by_value(exprs) -> sp.Expr:
    return min(exprs, key=lambda e: float(sp.re(sp.N(e, 30))))


def _max_by_value(exprs) -> sp.Expr:
    return max(exprs, key=lambda e: float(sp.re(sp.N(e, 30))))


def _sym_eigs(S: sp.Matrix) -> list:
    """Exact eigenvalues of a symmetric matrix as real numbers.

    ``eigenvals()`` writes real roots of cubics through complex radicals (casus irreducibilis),
    whose ``float()`` fails on a spurious imaginary part; the real roots of the characteristic
    polynomial are radicals up to degree 2 and exact ``CRootOf`` objects above.
    """
    lam = sp.Dummy("lam")
    try:
        roots = list(sp.Poly(S.charpoly(lam).as_expr(), lam).real_roots())
        if len(roots) == S.shape[0]:
            return roots
    except (sp.PolynomialError, NotImplementedError, sp.DomainError):
        pass
    out = []
    for e in S.eigenvals().keys():  # algebraic coefficients: keep the exact real part
        try:
            float(e)
            out.append(e)
        except TypeError:
            out.append(sp.re(sp.expand_complex(e)))
    return out


def _exact_constants(Me: sp.Matrix) -> tuple[sp.Expr, sp.Expr]:
    L = sp.sqrt(_max_by_value(_sym_eigs(Me.T * Me)))
    L = sp.simplify(L)
    if Me.is_zero_matrix:
        return L, sp.oo
    if Me.det() != 0:
        S = Me.inv()
        S = (S + S.T) / 2
        return L, sp.simplify(_min_by_value(_sym_eigs(S)))
    ker = Me.nullspace()
    if any(not (Me.T * v).is_zero_matrix for v in ker):
        return L, -sp.oo
    U = sp.Matrix.hstack(*sp.GramSchmidt(Me.columnspace(), orthonormal=True))
    P = Me.pinv()
    S = U.T * ((P + P.T) / 2) * U
    return L, sp.simplify(_min_by_value(_sym_eigs(S)))


def _float_constants(M: np.ndarray) -> tuple[float, float]:
    n = M.shape[0]
    U, s, Vt = np.linalg.svd(M)
    L = float(s[0]) if s.size else 0.0
    if L == 0.0:
        return 0.0, float("inf")
    tol = max(M.shape) * np.finfo(float).eps * L
    r = int(np.sum(s > tol))
    if r == n:
        Minv = np.linalg.inv(M)
        return L, float(np.linalg.eigvalsh((Minv + Minv.T) / 2)[0])
    Ur, V0 = U[:, :r], Vt[r:, :].T
    if np.linalg.norm(Ur.T @ V0, 2) > 1e3 * np.sqrt(np.finfo(float).eps):
        return L, float("-inf")
    P = np.linalg.pinv(M, rcond=tol / L)
    S = Ur.T @ ((P + P.T) / 2) @ Ur
    return L, float(np.linalg.eigvalsh(S)[0])


def linear_constants(M: Any) -> Constants:
    """Exact ``L = ||M||_2`` and ``rho(M)`` (§2.1) as a :class:`Constants` record.

    Examples
    --------
    >>> c = linear_constants([[0, 1], [0, 0]])   # range M not orthogonal to ker M
    >>> c.rho.value
    -oo
    >>> linear_constants([[2, 0], [0, 1]]).rho.value   # cocoercive: min 1/mu
    1/2
    """
    arr, exact = _as_matrix(M)
    if arr.shape[0] != arr.shape[1]:
        raise InvalidValue(f"M must be square, got shape {arr.shape}")
    if exact is not None and arr.shape[0] <= _EXACT_MAX_DIM:
        L, rho = _exact_constants(exact)
        note = "SymPy exact (rational matrix)"
    else:
        Lf, rf = _float_constants(arr)
        L = sp.Float(Lf, 17)
        rho = sp.oo if rf == float("inf") else (-sp.oo if rf == float("-inf") else sp.Float(rf, 17))
        note = "float64 evaluation of the exact formula"
    rho_note = note
    if rho == -sp.oo:
        rho_note = "range M is not orthogonal to ker M: M is rho-comonotone for no rho"
    elif rho == sp.oo:
        rho_note = "M = 0: every rho holds"
    return Constants(
        L=Constant(L, "exact", "§2.1: L = ||M||_2", note),
        rho=Constant(rho, "exact", "§2.1: rho = lambda_min(sym(M^-1)) (pseudo-inverse on range M if singular)", rho_note),
    )


def spectral_norm_2x2(J: np.ndarray) -> np.ndarray:
    """``||J||_2`` of a batch of 2x2 matrices (shape ``(..., 2, 2)``) by the closed form (largest singular value).

    >>> float(spectral_norm_2x2(np.array([[3.0, 0.0], [0.0, 1.0]])))
    3.0
    """
    p, q, r, s = J[..., 0, 0], J[..., 0, 1], J[..., 1, 0], J[..., 1, 1]
    fro2 = p * p + q * q + r * r + s * s
    det = p * s - q * r
    return np.sqrt(0.5 * (fro2 + np.sqrt(np.maximum(fro2 * fro2 - 4.0 * det * det, 0.0))))


def rotation_scaling_block(s: Any, L: Any) -> np.ndarray:
    """Float rotation-scaling block(s) ``[[b, a], [-a, b]]``, ``b = s L``, ``a = L sqrt(1 - s^2)``, ``s = rho L``.

    The numeric twin of :func:`rotation_scaling` (comonotonicity ``rho = s / L``, norm ``L``,
    eigenvalues ``b +- i a``); array arguments give a stack of shape ``(..., 2, 2)``.

    >>> rotation_scaling_block(-1 / 3, 3.0).round(6)
    array([[-1.      ,  2.828427],
           [-2.828427, -1.      ]])
    """
    s, L = np.asarray(s, dtype=float), np.asarray(L, dtype=float)
    b = s * L
    a = L * np.sqrt(np.clip(1.0 - s ** 2, 0.0, None))
    return np.stack([np.stack([b, a], axis=-1), np.stack([-a, b], axis=-1)], axis=-2)


def rotation_scaling(rho: Any, L: Any) -> sp.Matrix:
    """The 2x2 matrix ``[[b, a], [-a, b]]`` with ``b = rho L^2``, ``a = L sqrt(1 - rho^2 L^2)`` (§6).

    Its comonotonicity constant is exactly ``rho`` and its norm exactly ``L``.

    >>> rotation_scaling(sp.Rational(-1, 9), 3)
    Matrix([
    [        -1, 2*sqrt(2)],
    [-2*sqrt(2),        -1]])
    """
    rho, L = sp.sympify(rho), sp.sympify(L)
    b = rho * L**2
    a = L * sp.sqrt(1 - rho**2 * L**2)
    return sp.Matrix([[b, a], [-a, b]])


# --------------------------------------------------------------------------------------------
# operators
# --------------------------------------------------------------------------------------------
