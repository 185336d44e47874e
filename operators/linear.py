"""Linear operators ``F z = M z (+ b)`` with exact constants (§2.1, §6).

* ``L = ||M||_2``.
* ``rho(M) = inf_{Mz != 0} <Mz, z>/||Mz||^2 = lambda_min(sym(M^{-1}))`` for invertible ``M``; for
  singular ``M`` it is finite iff ``range M`` is orthogonal to ``ker M`` and then equals
  ``lambda_min(U^T sym(M^+) U)`` with ``U`` an orthonormal basis of ``range M``; otherwise no
  ``rho`` works and ``rho = -oo``.

Rational or symbolic matrices (up to 4x4) give SymPy-exact constants; float matrices give the
float64 values (still ``kind="exact"``: the value of the definition, to rounding).

Examples
--------
>>> import sympy as sp
>>> g = LowerBoundGame(rho=-sp.Rational(1, 9), L=3)
>>> g.rho, g.L
(-1/9, 3)
>>> LinearOperator([[1, 2], [-2, 1]]).rho     # rotation-scaling: b/(a^2+b^2)
1/5
>>> BilinearGame([[3, 0], [0, 1]]).L
3
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue
from monoverify.arrays import asarray_like, is_numpy
from .base import Constant, Constants, Operator, _check_finite_param, check_players
from .matrices import (_EXACT_MAX_DIM, _as_matrix, _is_exact_entry, _max_by_value, _sym_eigs, linear_constants, real_scalar, rotation_scaling,
                       rotation_scaling_block, spectral_norm_2x2)

__all__ = [
    "LinearOperator",
    "BilinearGame",
    "LowerBoundGame",
    "random_comonotone",
    "linear_constants",
    "rotation_scaling",
    "rotation_scaling_block",
    "spectral_norm_2x2",
]

_EINSUM_MAX_DIM = 64
_COLUMNS_MAX_DIM = 8


class LinearOperator(Operator):
    """``F z = M z + b`` with exact constants computed from ``M`` (§2.1).

    Parameters
    ----------
    M : array_like or sympy.Matrix, shape (dim, dim)
        Finite square matrix; rational/integer/SymPy entries give exact SymPy constants.
    b : array_like, shape (dim,), optional
        Offset; the solution is ``-M^{-1} b`` (constants do not depend on ``b``).
    constraint : Set, optional
        Constraint set / regulariser ``A``; the known solution is then unknown (``None``)
        unless ``solution`` is given.
    name : str
        Display name.
    players : sequence of slices or index sequences, optional
        The players' coordinate blocks (``(x, y)``) of a game, for alternating methods; they
        must partition ``range(dim)`` (see :func:`monoverify.operators.base.check_players`).
    block_size : int, optional
        ``M`` is block diagonal with square blocks of this size (checked: every entry outside the
        blocks is zero); NumPy evaluations of ``F`` then multiply block by block, ``dim / block_size``
        times fewer operations (e.g. many rotation-scaling instances side by side).

    >>> M = np.kron(np.eye(3), [[0.5, 1.0], [-1.0, 0.5]])
    >>> op = LinearOperator(M, block_size=2)
    >>> z = np.arange(6.0)
    >>> bool(np.allclose(op.F(z), M @ z))
    True
    """

    is_linear = True

    def __init__(self, M: Any, b: Any = None, *, constraint: Any = None, name: str = "LinearOperator",
                 solution: Any = None, constants: Constants | None = None, params: dict | None = None,
                 players: Any = None, block_size: int | None = None):
        arr, exact = _as_matrix(M)
        if arr.shape[0] != arr.shape[1]:
            raise InvalidValue(f"M must be square, got shape {arr.shape}")
        self.dim = arr.shape[0]
        self._blocks = None if block_size is None else _diagonal_blocks(arr, block_size)
        self.matrix = arr
        self.matrix_exact = exact
        if b is not None:
            b = np.asarray(b, dtype=float)
            if b.shape != (self.dim,):
                raise InvalidValue(f"b must have shape ({self.dim},), got shape {b.shape}")
            _check_finite_param("b", b)
        self.offset = b
        self.name = name
        self.params = params if params is not None else {"dim": self.dim}
        self.constants = constants if constants is not None else linear_constants(exact if exact is not None and self.dim <= _EXACT_MAX_DIM else arr)
        if constraint is not None and constraint.dim != self.dim:
            raise InvalidValue(f"constraint has dim {constraint.dim}, operator has dim {self.dim}")
        self._constraint = constraint
        self.players = check_players(players, self.dim)
        if solution is not None:
            self.solution = np.asarray(solution, dtype=float)
        elif constraint is None or getattr(constraint, "__class__").__name__ == "Whole":
            self.solution = self._unconstrained_solution()
        else:
            self.solution = None
        self._cache: dict = {}

    def _unconstrained_solution(self) -> np.ndarray | None:
        if self.offset is None:
            return np.zeros(self.dim)
        sol, *_ = np.linalg.lstsq(self.matrix, -self.offset, rcond=None)
        if np.linalg.norm(self.matrix @ sol + self.offset) > 1e-9 * (1 + np.linalg.norm(self.offset)):
            return None
        return sol

    def _mats(self, z: Any, xp: Any):
        if type(z) is np.ndarray and z.dtype == np.float64:   # the hot path: one slot, no key to build
            got = self.__dict__.get("_mats_f64")
            if got is None:
                got = self._mats_f64 = self._mats_keyed(z, xp)
            return got
        return self._mats_keyed(z, xp)

    def _mats_keyed(self, z: Any, xp: Any):
        # no string formatting on the hot path; a device object that is not hashable (CuPy's
        # Device) is keyed by its type and id
        dev = getattr(z, "device", "cpu")
        if getattr(dev, "__hash__", None) is None:
            dev = (type(dev).__name__, getattr(dev, "id", None))
        key = (getattr(xp, "__name__", id(xp)), z.dtype, dev)
        got = self._cache.get(key)
        if got is None:
            MT = asarray_like(self.matrix.T.copy(), z, xp)
            bb = None if self.offset is None else asarray_like(self.offset, z, xp)
            Mn = asarray_like(self.matrix, z, xp) if is_numpy(xp) else None
            got = self._cache[key] = (MT, bb, Mn)
        return got

    def _F(self, z: Any, xp: Any) -> Any:
        MT, bb, Mn = self._mats(z, xp)
        if is_numpy(xp) and self._blocks is not None and self.dim > self._blocks.shape[1]:
            B = self._blocks
            zb = z.reshape(z.shape[:-1] + B.shape[:2])
            if B.shape[1] == 2:   # elementwise per 2 x 2 block
                out = np.empty(zb.shape, dtype=np.result_type(z.dtype, B.dtype))
                out[..., 0] = B[:, 0, 0] * zb[..., 0] + B[:, 0, 1] * zb[..., 1]
                out[..., 1] = B[:, 1, 0] * zb[..., 0] + B[:, 1, 1] * zb[..., 1]
            else:
                out = np.einsum("bij,...bj->...bi", B, zb)
            out = out.reshape(z.shape)
        elif is_numpy(xp) and self.dim <= _COLUMNS_MAX_DIM:
            # tiny dims: one column of the output at a time, a fixed sum over columns of z
            # (elementwise, so every row is computed the same way whatever the batch size)
            out = np.empty(z.shape, dtype=np.result_type(z.dtype, Mn.dtype))
            for i in range(self.dim):
                acc = Mn[i, 0] * z[..., 0]
                for j in range(1, self.dim):
                    acc = acc + Mn[i, j] * z[..., j]
                out[..., i] = acc
        elif is_numpy(xp) and self.dim <= _EINSUM_MAX_DIM:
            # einsum's own loops: every row is computed the same way whatever the batch size,
            # so a batched run is bit-for-bit equal to per-instance runs (BLAS is not).
            out = np.einsum("ij,...j->...i", Mn, z)
        else:
            out = z @ MT
        return out if bb is None else out + bb

    def jacobian(self, z: Any) -> np.ndarray:
        z = np.asarray(z)
        return np.broadcast_to(self.matrix, z.shape[:-1] + (self.dim, self.dim))

    def eigenvalues(self) -> np.ndarray:
        """Complex eigenvalues of ``M`` (NumPy)."""
        ev = getattr(self, "_eig", None)
        return ev if ev is not None else np.linalg.eigvals(self.matrix)

    def resolvent_matrix(self, gamma: float) -> np.ndarray:
        """``(I + gamma M)^{-1}`` (exact resolvent of the unconstrained linear map)."""
        return np.linalg.inv(np.eye(self.dim) + gamma * self.matrix)


def _diagonal_blocks(arr: np.ndarray, k: Any) -> np.ndarray:
    """The ``(dim / k, k, k)`` diagonal blocks of ``arr``, which must be zero outside them."""
    n = arr.shape[0]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1 or n % k:
        raise InvalidValue(f"block_size must be a positive integer dividing dim={n}, got block_size={k!r}")
    nb = n // k
    B = np.array([arr[i * k:(i + 1) * k, i * k:(i + 1) * k] for i in range(nb)], dtype=float)
    rest = arr.astype(float, copy=True)
    for i in range(nb):
        rest[i * k:(i + 1) * k, i * k:(i + 1) * k] = 0.0
    if np.any(rest):
        raise InvalidValue(f"block_size={k}: M has nonzero entries outside its {nb} diagonal blocks")
    return B


def BilinearGame(A: Any) -> LinearOperator:
    """``min_x max_y x^T A y``: ``F = (A y, -A^T x)``, ``rho = 0``, ``L = ||A||_2`` (§6).

    >>> g = BilinearGame([[1]])
    >>> g.matrix
    array([[ 0.,  1.],
           [-1.,  0.]])
    >>> g.rho, g.L
    (0, 1)
    """
    arr, exact = _as_matrix(A, "A")
    n, m = arr.shape
    if not np.any(arr):
        raise InvalidValue("A must be nonzero (for A = 0 every rho holds and the game is trivial)")
    top = np.hstack([np.zeros((n, n)), arr])
    bot = np.hstack([-arr.T, np.zeros((m, m))])
    M = np.vstack([top, bot])
    if exact is not None and min(n, m) <= _EXACT_MAX_DIM:
        G = exact.T * exact if m <= n else exact * exact.T
        Lval = sp.simplify(sp.sqrt(_max_by_value(_sym_eigs(G))))
        note = "SymPy exact (rational A)"
        Me = sp.Matrix(sp.BlockMatrix([[sp.zeros(n, n), exact], [-exact.T, sp.zeros(m, m)]]))
    else:
        Lval = sp.Float(float(np.linalg.norm(arr, 2)), 17)
        note = "float64 evaluation of ||A||_2"
        Me = None
    consts = Constants(
        L=Constant(Lval, "exact", "§6 BilinearGame: L = ||A||_2", note),
        rho=Constant(sp.Integer(0), "exact", "§2.1: <Mz, z> = 0 for skew M, so rho = 0", ""),
    )
    op = LinearOperator(Me if Me is not None and n + m <= _EXACT_MAX_DIM else M, name="BilinearGame",
                        constants=consts, params={"A": arr.tolist() if arr.size <= 16 else f"{n}x{m}"},
                        players=(slice(0, n), slice(n, n + m)))
    return op


def LowerBoundGame(rho: Any, L: Any) -> LinearOperator:
    """The 2-D game ``a x y + (b/2) x^2 - (b/2) y^2`` attaining exactly ``rho`` and ``L`` (§6).

    ``F z = [[b, a], [-a, b]] z`` with ``b = rho L^2``, ``a = L sqrt(1 - rho^2 L^2)``; requires
    ``L > 0`` and ``|rho L| <= 1``. SymPy values are kept exactly.

    >>> LowerBoundGame(-0.1, 1.0).matrix.round(6)
    array([[-0.1     ,  0.994987],
           [-0.994987, -0.1     ]])
    """
    rho_s, L_s = real_scalar("rho", rho), real_scalar("L", L)
    Lf, rf = float(L_s), float(rho_s)
    if not np.isfinite(Lf) or Lf <= 0:
        raise InvalidValue(f"L must be finite and > 0, got L={L!r}")
    if not np.isfinite(rf) or abs(rf * Lf) > 1 + 1e-15:
        raise InvalidValue(
            f"rho must satisfy |rho*L| <= 1 (rho in [{-1 / Lf:g}, {1 / Lf:g}] for L={Lf:g}); got rho={rho!r}, rho*L={rf * Lf:g}"
        )
    if sp.Abs(rho_s * L_s) > 1:  # within the rounding tolerance above: the extreme game rho L = +-1 exactly
        rho_s = sp.sign(rho_s) / L_s
    Me = rotation_scaling(rho_s, L_s)
    exact_input = _is_exact_entry(rho_s) and _is_exact_entry(L_s) and not isinstance(rho, float) and not isinstance(L, float)
    consts = Constants(
        L=Constant(L_s, "exact", "§6 LowerBoundGame (|eigenvalue| = sqrt(a^2+b^2) = L)"),
        rho=Constant(rho_s, "exact", "§2.1 rotation-scaling: rho = b/(a^2+b^2)"),
    )
    arr = np.array(Me.evalf(17), dtype=float)
    op = LinearOperator(Me if exact_input else arr, name="LowerBoundGame", constants=consts,
                        params={"rho": rho_s, "L": L_s}, players=(slice(0, 1), slice(1, 2)))
    b, a = arr[0, 0], arr[0, 1]
    op._eig = np.array([b + 1j * a, b - 1j * a])
    return op


def comonotone_blocks(dim: int, rho: float, L: float, rng: np.random.Generator) -> list:
    """The blocks of :func:`random_comonotone`: ``(L_j, rho_j)`` of its rotation-scalings (the first is
    ``(L, rho)``, the others ``L_j <= L``, ``rho_j in [max(rho, -1/L_j), 1/L_j]``) and, for odd ``dim``,
    ``(mu, None)`` for its 1x1 block ``mu in (0, L]``; drawn from ``rng`` in this order.

    >>> comonotone_blocks(5, -0.2, 1.0, np.random.default_rng(0))[0]
    (1.0, -0.2)
    """
    out = [(float(L), float(rho))]
    for _ in range(dim // 2 - 1):
        lj = L * rng.uniform(0.3, 1.0)
        out.append((float(lj), float(rng.uniform(max(rho, -1.0 / lj), 1.0 / lj))))
    if dim % 2:
        out.append((float(L * rng.uniform(0.3, 1.0)), None))
    return out


def random_comonotone(dim: int, rho: Any, L: Any, seed: int | None = 0) -> LinearOperator:
    """Random ``dim``-dimensional linear map with ``rho(M) = rho`` and ``||M||_2 = L`` exactly.

    ``M = Q diag(B_0, ..., B_m) Q^T`` with ``Q`` random orthogonal, ``B_0`` the LowerBoundGame
    block and the other blocks rotation-scalings with ``L_j <= L``, ``rho_j >= rho`` (odd ``dim``:
    one 1x1 block ``mu in (0, L]``). §6.

    >>> op = random_comonotone(5, -0.2, 2.0, seed=1)
    >>> round(float(op.rho), 12), round(float(op.L), 12)
    (-0.2, 2.0)
    """
    from monoverify import validate

    dim = validate.dimension("dim", dim, lo=2, what=f"random_comonotone(dim={validate.show(dim)})")
    seed = validate.seed("seed", seed)
    rho_s, L_s = real_scalar("rho", rho), real_scalar("L", L)
    Lf, rf = float(L_s), float(rho_s)
    if not np.isfinite(Lf) or Lf <= 0:
        raise InvalidValue(f"L must be finite and > 0, got L={L!r}")
    if not np.isfinite(rf) or abs(rf * Lf) > 1:
        raise InvalidValue(f"rho must satisfy |rho*L| <= 1 (rho in [{-1 / Lf:g}, {1 / Lf:g}]); got rho={rho!r}")
    rng = np.random.default_rng(seed)
    blocks, eigs = [], []
    for lj, rj in comonotone_blocks(dim, rf, Lf, rng):
        if rj is None:   # the 1x1 block mu = lj of an odd dimension
            blocks.append(np.array([[lj]]))
            eigs.append(lj + 0j)
            continue
        B = rotation_scaling_block(rj * lj, lj)
        eigs.extend([B[0, 0] + 1j * B[0, 1], B[0, 0] - 1j * B[0, 1]])
        blocks.append(B)
    from scipy.linalg import block_diag

    B = block_diag(*blocks)
    Q, R = np.linalg.qr(rng.standard_normal((dim, dim)))
    Q = Q * np.sign(np.diag(R))
    M = Q @ B @ Q.T
    consts = Constants(
        L=Constant(L_s, "exact", "§6 random_comonotone: max_j L_j = L (orthogonal similarity)"),
        rho=Constant(rho_s, "exact", "§6 random_comonotone: min_j rho_j = rho (orthogonal similarity)"),
    )
    op = LinearOperator(M, name="random_comonotone", constants=consts,
                        params={"dim": dim, "rho": rho_s, "L": L_s, "seed": seed})
    op._eig = np.array(eigs)
    return op
