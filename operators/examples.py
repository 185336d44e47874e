"""Nonlinear example operators from the literature (§6).

All three are 2-D minimax games ``min_x max_y f(x, y)`` with ``F = (df/dx, -df/dy)``, evaluated on
arrays of shape ``(..., 2)`` in the array namespace of their argument (NumPy, CuPy,
``array_api_strict``; the dtype of ``z`` is kept, e.g. ``float32``).

* :class:`PolarGame` (PLPFC22): an attracting limit cycle ``r = 1`` around a repelling one ``r = 3/4``.
* :class:`Forsaken` (HMC21, Ex. 5.2): the solution is shielded by an attracting limit cycle.
* :class:`GlobalForsaken` (PLPFC22): a variant whose weak-MVI constant ``rho`` satisfies
  ``rho > -1/(2L)`` on the whole constraint ball.

For these operators ``rho`` is the **weak-MVI ratio on the constraint set** (§6),
``min_{z in C, Fz != 0} <Fz, z - z*>/||Fz||^2``, so ``constants.rho_notion == "weak-mvi"``; ``L`` is
``max_{z in C} ||dF(z)||_2``.

Examples
--------
>>> import numpy as np
>>> op = PolarGame(1)
>>> op.rho
-50176/1050977
>>> round(float(op.L), 7)
18.5479519
>>> op.F(np.array([[1.0, 0.5]])).round(6)
array([[-0.328125,  1.085938]])
>>> f = Forsaken()
>>> bool(np.abs(f.F(f.solution)).max() < 1e-15)
True
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.arrays import to_numpy
from .base import XY_PLAYERS, Constant, Constants, Operator
from .linear import spectral_norm_2x2
from .sets import Ball, Box

__all__ = ["PolarGame", "Forsaken", "GlobalForsaken"]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _positive_number(name: str, value: Any, special: tuple = ()) -> sp.Expr:
    """Validate a finite positive scalar parameter and return it as a SymPy number.

    Integers, ``Fraction`` and SymPy rationals stay exact. A float equal (as a float) to one of
    ``special`` is read as that exact value (``1/3`` for ``0.3333333333333333``); any other float is
    read as the shortest decimal that prints as it (``0.75 -> 3/4``, ``0.1 -> 1/10``).
    """
    bad = f"{name} must be a finite number > 0 (valid range (0, oo)), got {name}={value!r}"
    if isinstance(value, (bool, np.bool_)):
        raise InvalidValue(bad)
    if isinstance(value, sp.Basic):
        v = sp.sympify(value)
        if v.free_symbols:
            raise InvalidValue(f"{name} must be a number, got the symbolic expression {value!r}")
    elif isinstance(value, (numbers.Integral, np.integer)):
        v = sp.Integer(int(value))
    elif isinstance(value, Fraction):
        v = sp.Rational(value.numerator, value.denominator)
    else:
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise InvalidValue(bad) from None
        if not math.isfinite(f):
            raise InvalidValue(bad)
        v = next((c for c in special if float(c) == f), None)
        if v is None:
            v = sp.nsimplify(repr(f), rational=True)
            if float(v) != f:  # pragma: no cover - repr round-trips in CPython
                v = sp.Float(f, 17)
    try:
        fv = float(v)
    except (TypeError, ValueError):
        raise InvalidValue(bad) from None
    if not math.isfinite(fv) or fv <= 0:
        raise InvalidValue(bad)
    return v


def _max_jacobian_norm_on_box(jac, lo: float, hi: float, n_grid: int = 401) -> tuple[float, np.ndarray]:
    """``max ||jac(z)||_2`` over the square ``[lo, hi]^2``: grid plus bounded local refinement (SLSQP)."""
    from scipy.optimize import minimize

    g = np.linspace(lo, hi, n_grid)
    Z = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)
    vals = spectral_norm_2x2(jac(Z))
    order = np.argsort(vals)[::-1][:8]
    best_v, best_z = float(vals[order[0]]), Z[order[0]].copy()
    for i in order:
        res = minimize(lambda v: -float(spectral_norm_2x2(jac(v))), Z[i], method="SLSQP",
                       bounds=[(lo, hi)] * 2, options={"ftol": 1e-15, "maxiter": 200})
        zz = np.clip(res.x, lo, hi)
        v = float(spectral_norm_2x2(jac(zz)))
        if v > best_v:
            best_v, best_z = v, zz
    return best_v, best_z


def _as_float_array(z: Any) -> np.ndarray:
    z = np.asarray(to_numpy(z), dtype=float)
    if z.ndim == 0 or z.shape[-1] != 2:
        raise InvalidValue(f"z must have shape (..., 2), got shape {z.shape}")
    return z


# --------------------------------------------------------------------------------------------
# PolarGame
# --------------------------------------------------------------------------------------------
_POLAR_L_EXACT = {
    sp.Integer(1): "sqrt(70246989617 + 2538096*sqrt(704424929))/20000",
    sp.Rational(3, 4): "sqrt(635022906553 + 7614288*sqrt(6383574361))/80000",
    sp.Rational(1, 3): "sqrt(73446989617 + 2538096*sqrt(754424929))/60000",
}


class PolarGame(Operator):
    r"""The polar game of PLPFC22 (§6).

    ``F(x, y) = (-b y + s x, b x + s y)`` with ``s = (a/16)(r^2 - 1)(16 r^2 - 9)``, ``r^2 = x^2 + y^2``:
    the flow ``z' = -F(z)`` is ``r' = -a r (r^2 - 1)(r^2 - 9/16)``, ``theta' = -b`` (attracting cycle
    ``r = 1``, repelling cycle ``r = 3/4``). Constraint: the box ``[-1.1, 1.1]^2``; ``z* = 0``.

    Constants (``rho_notion = "weak-mvi"``):

    * ``rho = -50176 a/(2401 a^2 + 1048576 b^2)`` (exact): the weak-MVI ratio
      ``<Fz, z>/||Fz||^2 = s/(s^2 + b^2)`` depends on ``r`` only and is smallest at ``r^2 = 25/32``
      where ``s = -49a/1024``. Valid while ``49a/1024 < b`` (otherwise the minimum is ``-1/(2b)``,
      attained where ``s = -b``, and this formula is wrong): such ``(a, b)`` raise ``ValueError``.
    * ``L = max ||dF||_2`` on the box, attained at a corner: exact radicals for ``b = 1`` and
      ``a in {1, 3/4, 1/3}`` (PLPFC22's code), otherwise computed numerically (``kind="estimate"``).

    Parameters
    ----------
    a : number, default 1
        Radial strength, ``a > 0`` (SymPy rationals stay exact; ``0.75`` is read as ``3/4``).
    b : number, default 1
        Angular speed, ``b > 0``; requires ``49 a/1024 < b``.

    Examples
    --------
    >>> import sympy as sp
    >>> PolarGame(sp.Rational(3, 4)).rho
    -602112/16798825
    >>> PolarGame(1).constants.L.kind
    'exact'
    >>> PolarGame(2).constants.L.kind
    'estimate'
    """

    def __init__(self, a: Any = 1, b: Any = 1):
        a_s = _positive_number("a", a, special=tuple(_POLAR_L_EXACT))
        b_s = _positive_number("b", b, special=(sp.Integer(1),))
        if not bool(sp.Rational(49, 1024) * a_s < b_s):
            raise InvalidValue(
                f"PolarGame needs 49*a/1024 < b (a in (0, 1024*b/49) = (0, {1024 * float(b_s) / 49:.6g}) for b={b}); "
                f"got a={a!r}, b={b!r}: the weak-MVI formula for rho does not hold there"
            )
        self.dim = 2
        self.name = "PolarGame"
        self.players = XY_PLAYERS
        self.params = {"a": a_s, "b": b_s}
        self.a = float(a_s)
        self.b = float(b_s)
        self._constraint = Box(-1.1, 1.1, dim=2)
        self.solution = np.zeros(2)
        rho = -50176 * a_s / (2401 * a_s**2 + 1048576 * b_s**2)
        rho_c = Constant(
            rho, "exact", "PLPFC22 (code); derived: §6, rho = -50176a/(2401a^2 + 1048576b^2)",
            "weak-MVI ratio <Fz, z>/||Fz||^2 = s/(s^2+b^2), minimal at r^2 = 25/32 (s = -49a/1024), inside the box",
        )
        if b_s == 1 and a_s in _POLAR_L_EXACT:
            L_c = Constant(
                sp.sympify(_POLAR_L_EXACT[a_s]), "exact",
                "PLPFC22 (code); §6 table: max ||dF||_2 on the box [-1.1, 1.1]^2, at a corner",
            )
        else:
            Lf, zmax = _max_jacobian_norm_on_box(self.jacobian, -1.1, 1.1)
            L_c = Constant(
                sp.Float(Lf, 15), "estimate", "derived: computed max ||dF||_2 on the box [-1.1, 1.1]^2",
                f"grid (401^2) + SLSQP refinement; maximiser {np.round(zmax, 9).tolist()}; no closed form for "
                "this (a, b) (§6 gives exact radicals for b = 1, a in {1, 3/4, 1/3} only)",
            )
        self.constants = Constants(L=L_c, rho=rho_c, rho_notion="weak-mvi")

    def _F(self, z: Any, xp: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):  # divergent iterates give inf/NaN quietly
            x = z[..., 0]
            y = z[..., 1]
            r2 = x * x + y * y
            s = (self.a / 16.0) * (r2 - 1.0) * (16.0 * r2 - 9.0)
            return xp.stack([-self.b * y + s * x, self.b * x + s * y], axis=-1)

    def jacobian(self, z: Any) -> np.ndarray:
        """Analytic Jacobian, shape ``(..., 2, 2)`` (NumPy float64).

        With ``s' = ds/d(r^2) = (a/16)(32 r^2 - 25)``:
        ``dF = [[s + 2x^2 s', -b + 2xy s'], [b + 2xy s', s + 2y^2 s']]``.

        >>> PolarGame(1).jacobian([0.0, 0.0])
        array([[ 0.5625, -1.    ],
               [ 1.    ,  0.5625]])
        """
        z = _as_float_array(z)
        x, y = z[..., 0], z[..., 1]
        r2 = x * x + y * y
        s = (self.a / 16.0) * (r2 - 1.0) * (16.0 * r2 - 9.0)
        ds = (self.a / 16.0) * (32.0 * r2 - 25.0)
        J = np.empty(z.shape[:-1] + (2, 2))
        J[..., 0, 0] = s + 2.0 * x * x * ds
        J[..., 0, 1] = -self.b + 2.0 * x * y * ds
        J[..., 1, 0] = self.b + 2.0 * x * y * ds
        J[..., 1, 1] = s + 2.0 * y * y * ds
        return J


# --------------------------------------------------------------------------------------------
# Forsaken
# --------------------------------------------------------------------------------------------
_FORSAKEN_ZSTAR_SPEC = (0.0780267, 0.4119339)


class Forsaken(Operator):
    r"""The "forsaken" solutions example of HMC21, Ex. 5.2 (§6).

    ``f = x (y - 0.45) + phi(x) - phi(y)``, ``phi(z) = z^2/4 - z^4/2 + z^6/6``, so
    ``F = (y - 0.45 + phi'(x), -x + phi'(y))`` with ``phi'(z) = z/2 - 2z^3 + z^5``.
    Constraint: the box ``[-1.5, 1.5]^2`` (PLPFC22's box). ``z* ~ (0.0780267, 0.4119339)``, refined
    here to machine precision by root finding; it is shielded by an attracting limit cycle.

    Constants (``rho_notion = "weak-mvi"``):

    * ``L = sqrt((993841 + 1089 sqrt(801761))/2)/80 ~ 12.402569`` (exact, PLPFC22's code): the
      maximum of ``||dF||_2 = ||[[phi''(x), 1], [-1, phi''(y)]]||_2`` on the box, at
      ``phi''(x) = -13/10`` (``x^2 = 3/5``), ``|y| = 3/2`` (``phi''(3/2) = 197/16``).
    * ``rho = -0.477761`` (``kind="bound"``): only a *local* minimum of the weak-MVI ratio, at
      ``(-1.01236, -0.10475)``, reported by PLPFC22's code. The global value is not specified
      (§6, §9); ``rho_box <= -0.477761``.

    Examples
    --------
    >>> f = Forsaken()
    >>> f.solution.round(7)
    array([0.0780267, 0.4119339])
    >>> f.constants.rho.kind, float(f.rho)
    ('bound', -0.477761)
    """

    def __init__(self) -> None:
        self.dim = 2
        self.name = "Forsaken"
        self.players = XY_PLAYERS
        self.params = {}
        self._constraint = Box(-1.5, 1.5, dim=2)
        self.solution = self._refine_solution()
        self.constants = Constants(
            L=Constant(
                sp.sqrt((993841 + 1089 * sp.sqrt(801761)) / 2) / 80, "exact",
                "PLPFC22 (code); derived: max ||dF||_2 on the box [-1.5, 1.5]^2, at x^2 = 3/5, |y| = 3/2",
            ),
            rho=Constant(
                sp.Float("-0.477761", 15), "bound", "PLPFC22 (code): HMC21 Ex. 5.2 example",
                "only a LOCAL minimum of the weak-MVI ratio <Fz, z - z*>/||Fz||^2 (at (-1.01236, -0.10475)), "
                "as reported by PLPFC22's code; the global value on the box is unspecified (§6, §9), "
                "rho_box <= -0.477761 (a global search, estimate_constants, finds a ratio of about -1.5206 "
                "near (-0.2581, 0.7917))",
            ),
            rho_notion="weak-mvi",
        )

    @staticmethod
    def _dphi(x: Any) -> Any:
        x2 = x * x
        return x * (0.5 + x2 * (x2 - 2.0))

    def _F(self, z: Any, xp: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            x = z[..., 0]
            y = z[..., 1]
            return xp.stack([y - 0.45 + self._dphi(x), -x + self._dphi(y)], axis=-1)

    def jacobian(self, z: Any) -> np.ndarray:
        """Analytic Jacobian ``[[phi''(x), 1], [-1, phi''(y)]]``, ``phi''(z) = 1/2 - 6z^2 + 5z^4``.

        >>> Forsaken().jacobian([0.0, 0.0])
        array([[ 0.5,  1. ],
               [-1. ,  0.5]])
        """
        z = _as_float_array(z)
        x, y = z[..., 0], z[..., 1]
        J = np.empty(z.shape[:-1] + (2, 2))
        J[..., 0, 0] = 0.5 - 6.0 * x * x + 5.0 * x**4
        J[..., 0, 1] = 1.0
        J[..., 1, 0] = -1.0
        J[..., 1, 1] = 0.5 - 6.0 * y * y + 5.0 * y**4
        return J

    def _refine_solution(self) -> np.ndarray:
        from scipy.optimize import root

        fun = lambda v: self.F(np.asarray(v, dtype=float))  # noqa: E731
        res = root(fun, np.array(_FORSAKEN_ZSTAR_SPEC), jac=self.jacobian, method="hybr", options={"xtol": 1e-15})
        z = np.asarray(res.x, dtype=float)
        for _ in range(3):  # Newton polish: quadratic convergence to the last bit
            step = np.linalg.solve(self.jacobian(z), fun(z))
            z_new = z - step
            if np.linalg.norm(fun(z_new)) >= np.linalg.norm(fun(z)):
                break
            z = z_new
        if not (res.success or np.linalg.norm(fun(z)) < 1e-14) or np.linalg.norm(z - _FORSAKEN_ZSTAR_SPEC) > 1e-6:
            raise RuntimeError(f"Forsaken: root refinement failed (z={z}, F(z)={fun(z)})")  # pragma: no cover
        return z


# --------------------------------------------------------------------------------------------
# GlobalForsaken
# --------------------------------------------------------------------------------------------
class GlobalForsaken(Operator):
    r"""The "global forsaken" example of PLPFC22 (§6).

    ``f = x y + psi(x) - psi(y)``, ``psi(z) = z^2/3 - z^4/3 + 2z^6/21``, so
    ``F = (y + psi'(x), -x + psi'(y))`` with ``psi'(z) = 2z/3 - 4z^3/3 + 4z^5/7``.
    Constraint: the ball of radius ``4/3`` (projection ``z / max(1, 3||z||/4)``); ``z* = 0``.

    Constants (``rho_notion = "weak-mvi"``):

    * ``L = sqrt((74125591 + 9409 sqrt(59721901))/2)/2835 ~ 3.02240`` (``kind="bound"``): the maximum
      of ``||dF||_2`` over the box ``[-4/3, 4/3]^2``, which contains the ball; on the ball the
      maximum is about ``2.8684`` (computed).
    * ``rho ~ -0.119732`` (``kind="estimate"``): computed weak-MVI ratio on the ball, attained at
      ``|z| ~ 1.0864``; ``rho > -1/(2L)`` on the whole ball.

    Examples
    --------
    >>> g = GlobalForsaken()
    >>> round(float(g.L), 5), g.constants.L.kind
    (3.0224, 'bound')
    >>> g.constraint
    Ball(radius=1.33333, dim=2)
    """

    def __init__(self) -> None:
        self.dim = 2
        self.name = "GlobalForsaken"
        self.players = XY_PLAYERS
        self.params = {}
        self._constraint = Ball(4.0 / 3.0, dim=2)
        self.solution = np.zeros(2)
        self.constants = Constants(
            L=Constant(
                sp.sqrt((74125591 + 9409 * sp.sqrt(59721901)) / 2) / 2835, "bound",
                "derived (§6, computed): max ||dF||_2 over the box [-4/3, 4/3]^2 containing the ball; operator from PLPFC22",
                "conservative on the ball of radius 4/3, where the maximum is about 2.8684 (computed)",
            ),
            rho=Constant(
                sp.Float("-0.119732", 15), "estimate",
                "derived (§6, computed): weak-MVI ratio on the ball; operator from PLPFC22",
                "numerical minimum of <Fz, z>/||Fz||^2 over the ball, attained at |z| ~ 1.0864; rho > -1/(2L)",
            ),
            rho_notion="weak-mvi",
        )

    @staticmethod
    def _dpsi(x: Any) -> Any:
        x2 = x * x
        return x * (2.0 / 3.0 + x2 * (-4.0 / 3.0 + (4.0 / 7.0) * x2))

    def _F(self, z: Any, xp: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            x = z[..., 0]
            y = z[..., 1]
            return xp.stack([y + self._dpsi(x), -x + self._dpsi(y)], axis=-1)

    def jacobian(self, z: Any) -> np.ndarray:
        """Analytic Jacobian ``[[psi''(x), 1], [-1, psi''(y)]]``, ``psi''(z) = 2/3 - 4z^2 + 20z^4/7``.

        >>> GlobalForsaken().jacobian([1.0, 0.0]).round(6)
        array([[-0.47619 ,  1.      ],
               [-1.      ,  0.666667]])
        """
        z = _as_float_array(z)
        x, y = z[..., 0], z[..., 1]
        J = np.empty(z.shape[:-1] + (2, 2))
        J[..., 0, 0] = 2.0 / 3.0 - 4.0 * x * x + (20.0 / 7.0) * x**4
        J[..., 0, 1] = 1.0
        J[..., 1, 0] = -1.0
        J[..., 1, 1] = 2.0 / 3.0 - 4.0 * y * y + (20.0 / 7.0) * y**4
        return J
