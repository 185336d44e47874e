"""Operator classes beyond comonotonicity, with generators of exact constants (issue 25).

* **mu-strongly monotone** maps, ``<Fz - Fz', z - z'> >= mu ||z - z'||^2``: :func:`strong_monotonicity`
  gives the constant of any linear map exactly (``mu = lambda_min(sym M)``), :func:`random_strongly_monotone`
  a random map with exact ``mu`` and ``L``, :func:`random_quadratic` a symmetric one (the Hessian of a
  strongly convex quadratic, ``mu I <= H <= L I``).
* **Fixed-point problems** ``z = T z`` with ``T`` nonexpansive or ``q``-contractive, written as the
  residual operator ``F = I - T`` (a zero of ``F`` is a fixed point of ``T``; ``||z - T z|| = ||F z||``):
  :func:`fixed_point_residual` for a given ``T``, :func:`random_contraction` for a random normal ``T``.
  ``T`` is ``q``-Lipschitz iff ``||dz - dF||^2 <= q^2 ||dz||^2``; then ``F`` is ``1/(1+q)``-cocoercive
  and ``(1-q)``-strongly monotone with ``L(F) <= 1 + q``, all three attained by ``T = -q I`` or ``q I``
  [derived: ``<dz - dT, dz> - ||dz - dT||^2/2 = (||dz||^2 - ||dT||^2)/2``]. In particular ``T``
  nonexpansive iff ``F`` is ``1/2``-cocoercive: the PEP class ``rho = 1/2`` (interpolable) is the
  class of nonexpansive maps.
* **Inconsistent inclusions** (no zero): :func:`inconsistent_affine`, ``F z = M z + b`` with ``b``
  outside ``range M``; its infimal displacement vector ``v`` (the least-norm element of the closure
  of the range of ``F``, ``v = P_{ker M^T} b``) and a point ``x*`` where it is attained
  (``F x* = v``) are attributes. Halpern's and KM's residuals ``F z^k`` tend to ``v``, not to 0.
* The **neural-tangent Gram matrix** of a small random two-layer ReLU network (Bu, Xu and Chen's
  setting): :func:`ntk_gram`, ``H = J J^T`` with ``J`` the Jacobian of the network's outputs on the
  training inputs with respect to its first-layer weights. Training with the squared loss moves
  the prediction error ``u`` by ``u+ = u - gamma H u`` (GD), so momentum methods on ``F u = H u``
  are the linearised training dynamics.

Every generator returns a :class:`~monoverify.operators.LinearOperator` whose ``constants`` (``L``,
``rho``) are exact by construction; ``op.mu`` is the exact strong-monotonicity constant (SymPy) and
``op.mu_constant`` its :class:`~monoverify.operators.Constant` record.

Examples
--------
>>> op = random_strongly_monotone(5, mu=0.2, L=2.0, seed=1)
>>> round(float(op.mu), 12), round(float(op.L), 12), round(float(op.rho), 12)    # rho = mu/L^2
(0.2, 2.0, 0.05)
>>> F = random_contraction(4, q=0.5, seed=0)                # F = I - T, T 1/2-Lipschitz
>>> float(F.rho), float(F.mu), float(F.L)
(0.6666666666666666, 0.5, 1.5)
>>> import numpy as np
>>> bool(abs(np.linalg.norm(np.eye(4) - F.matrix, 2) - 0.5) < 1e-12)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from monoverify.errors import InvalidValue

from .base import Constant, Constants
from .linear import LinearOperator
from .matrices import _EXACT_MAX_DIM, real_scalar

__all__ = ["strong_monotonicity", "random_strongly_monotone", "random_quadratic", "fixed_point_residual",
           "random_contraction", "inconsistent_affine", "ntk_gram"]


def _dim(dim: Any, lo: int = 1, name: str = "dim", dense: bool = True) -> int:
    from monoverify import validate

    return validate.dimension(name, dim, lo=lo, dense=dense)


def _seed(seed: Any) -> Any:
    from monoverify import validate

    return validate.seed("seed", seed)


def _orthogonal(dim: int, rng: np.random.Generator) -> np.ndarray:
    Q, R = np.linalg.qr(rng.standard_normal((dim, dim)))
    return Q * np.sign(np.diag(R))


def _block_diag(blocks: list) -> np.ndarray:
    from scipy.linalg import block_diag

    return block_diag(*blocks)


def _with_mu(op: LinearOperator, mu: Any, source: str, kind: str = "exact", note: str = "") -> LinearOperator:
    op.mu_constant = Constant(mu, kind, source, note)
    op.mu = op.mu_constant.value
    return op


def strong_monotonicity(op: Any) -> Constant:
    """The strong-monotonicity constant ``mu`` of ``op`` as a :class:`Constant`.

    A generator's own record when it has one; for a linear map ``F z = M z + b`` the exact
    ``mu = lambda_min(sym M)`` (SymPy for rational matrices up to 4x4, else the float64 value);
    for a sum of operators (:func:`~monoverify.operators.sums.Sum`) ``sum_i mu_i`` (a lower bound).
    ``mu <= 0`` means the map is not strongly monotone (``mu = 0``: monotone).

    Raises
    ------
    InvalidValue
        A nonlinear operator without a recorded constant.

    Examples
    --------
    >>> strong_monotonicity(LinearOperator([[1, 2], [-2, 3]])).value      # sym M = diag(1, 3)
    1
    """
    rec = getattr(op, "mu_constant", None)
    if rec is not None:
        return rec
    if isinstance(op, LinearOperator):
        ex = op.matrix_exact
        if ex is not None and op.dim <= _EXACT_MAX_DIM:
            S = (ex + ex.T) / 2
            vals = list(S.eigenvals().keys())
            mu = min(vals, key=lambda v: float(sp.re(sp.N(v))))
            return Constant(sp.nsimplify(sp.simplify(mu)), "exact", "lambda_min(sym M)", "SymPy exact")
        S = (op.matrix + op.matrix.T) / 2
        return Constant(sp.Float(float(np.linalg.eigvalsh(S)[0]), 17), "exact", "lambda_min(sym M)",
                        "float64 evaluation")
    terms = getattr(op, "terms", None)
    if terms is not None:
        from .base import Operator

        parts = [strong_monotonicity(t).value for t in terms if isinstance(t, Operator)]
        return Constant(sp.Add(*parts), "bound", "derived: mu(sum) >= sum of the summands' mu", "a lower bound")
    raise InvalidValue(f"{getattr(op, 'name', op)!r} records no strong-monotonicity constant mu "
                       "(known for linear maps and the generators of monoverify.operators.classes)")


def _positive(name: str, v: Any) -> sp.Expr:
    s = real_scalar(name, v)
    if not float(s) > 0 or not np.isfinite(float(s)):
        raise InvalidValue(f"{name} must be a finite number > 0, got {name}={v!r}")
    return s


def random_strongly_monotone(dim: int, mu: Any, L: Any, seed: int | None = 0) -> LinearOperator:
    """Random ``dim``-dimensional normal map with strong monotonicity exactly ``mu`` and norm exactly ``L``.

    ``M = Q diag(B_0, ..., B_m) Q^T``: rotation-scaling blocks ``b_j +- i a_j`` with ``b_j >= mu`` and
    ``|b_j + i a_j| <= L``; ``B_0`` has ``b_0 = mu`` and modulus ``L`` (odd ``dim``: one 1x1 block in
    ``[mu, L]``). Then ``mu(M) = min b_j = mu``, ``L(M) = L`` and ``rho(M) = min b_j/|.|^2 = mu/L^2``
    exactly; ``B_0`` attains GDA's contraction bound ``||I - gamma M||^2 = 1 - 2 gamma mu + gamma^2 L^2``.

    Parameters
    ----------
    dim : int
        ``>= 2``.
    mu, L : float or SymPy number
        ``0 < mu <= L``.
    seed : int
    """
    dim = _dim(dim, 2)
    mu_s, L_s = _positive("mu", mu), _positive("L", L)
    m, Lf = float(mu_s), float(L_s)
    if m > Lf:
        raise InvalidValue(f"mu must satisfy 0 < mu <= L (valid range (0, {Lf:g}]), got mu={mu!r}")
    rng = np.random.default_rng(_seed(seed))
    blocks = [np.array([[m, np.sqrt(max(Lf * Lf - m * m, 0.0))], [-np.sqrt(max(Lf * Lf - m * m, 0.0)), m]])]
    for _ in range(dim // 2 - 1):
        b = rng.uniform(m, Lf)
        a = np.sqrt(max(rng.uniform(b, Lf) ** 2 - b * b, 0.0))
        blocks.append(np.array([[b, a], [-a, b]]))
    if dim % 2:
        blocks.append(np.array([[rng.uniform(m, Lf)]]))
    Q = _orthogonal(dim, rng)
    M = Q @ _block_diag(blocks) @ Q.T
    consts = Constants(
        L=Constant(L_s, "exact", "random_strongly_monotone: max block modulus L (orthogonal similarity)"),
        rho=Constant(mu_s / L_s ** 2, "exact", "random_strongly_monotone: min_j b_j/|b_j + i a_j|^2 = mu/L^2"))
    op = LinearOperator(M, name="random_strongly_monotone", constants=consts,
                        params={"dim": dim, "mu": mu_s, "L": L_s, "seed": seed})
    return _with_mu(op, mu_s, "random_strongly_monotone: min_j b_j = mu (sym M has the blocks' real parts)")


def random_quadratic(dim: int, mu: Any, L: Any, seed: int | None = 0) -> LinearOperator:
    """``F z = H z``, ``H`` symmetric with spectrum in ``[mu, L]`` containing both ends (exact constants).

    The gradient of the strongly convex quadratic ``z^T H z / 2``: ``mu(H) = lambda_min = mu``,
    ``L = lambda_max = L``, ``rho = 1/L`` (§2.1, normal ``M``: ``min 1/lambda``).

    >>> H = random_quadratic(4, 0.1, 1.0, seed=0)
    >>> np.round(np.linalg.eigvalsh(H.matrix)[[0, -1]], 12).tolist(), float(H.rho)
    ([0.1, 1.0], 1.0)
    """
    dim = _dim(dim, 2)
    mu_s, L_s = _positive("mu", mu), _positive("L", L)
    m, Lf = float(mu_s), float(L_s)
    if m > Lf:
        raise InvalidValue(f"mu must satisfy 0 < mu <= L (valid range (0, {Lf:g}]), got mu={mu!r}")
    rng = np.random.default_rng(_seed(seed))
    eig = np.concatenate([[m, Lf], rng.uniform(m, Lf, dim - 2)])
    Q = _orthogonal(dim, rng)
    H = (Q * eig) @ Q.T
    H = (H + H.T) / 2
    consts = Constants(L=Constant(L_s, "exact", "random_quadratic: lambda_max(H) = L"),
                       rho=Constant(1 / L_s, "exact", "random_quadratic: symmetric H, rho = 1/lambda_max"))
    op = LinearOperator(H, name="random_quadratic", constants=consts, params={"dim": dim, "mu": mu_s, "L": L_s,
                                                                            "seed": seed})
    return _with_mu(op, mu_s, "random_quadratic: lambda_min(H) = mu")


def fixed_point_residual(T: Any, q: Any = None, name: str = "fixed_point_residual") -> LinearOperator:
    """``F = I - T`` for a linear map ``T`` (a matrix): zeros of ``F`` are the fixed points of ``T``.

    Constants are those of the matrix ``I - T`` (exact, §2.1); ``op.q`` is ``||T||_2`` (or the
    given ``q``, which must bound it) and ``op.fixed_point_matrix`` is ``T``.

    >>> F = fixed_point_residual([[0, -1], [1, 0]])           # a rotation by pi/2: nonexpansive
    >>> F.rho, F.L, F.q
    (1/2, sqrt(2), 1)
    """
    from .matrices import _as_matrix

    arr, exact = _as_matrix(T, "T")
    if arr.shape[0] != arr.shape[1]:
        raise InvalidValue(f"T must be square, got shape {arr.shape}")
    n = arr.shape[0]
    qn = float(np.linalg.norm(arr, 2))
    if q is not None:
        qs = _positive("q", q)
        if qn > float(qs) * (1 + 1e-12):
            raise InvalidValue(f"q must bound ||T||_2 = {qn:g}, got q={q!r}")
    M = (sp.eye(n) - exact) if exact is not None else np.eye(n) - arr
    op = LinearOperator(M, name=name, params={"dim": n})
    op.fixed_point_matrix = arr
    op.q = (sp.sympify(q) if q is not None else
            (sp.nsimplify(sp.sqrt(max((exact.T * exact).eigenvals(), key=lambda v: float(sp.N(v)))))
             if exact is not None and n <= _EXACT_MAX_DIM else sp.Float(qn, 17)))
    return op


def random_contraction(dim: int, q: Any = 1, seed: int | None = 0) -> LinearOperator:
    """``F = I - T`` with ``T`` a random normal ``q``-Lipschitz map (``q = 1``: nonexpansive), exact constants.

    ``T = Q diag(-q, q, q_j R(theta_j), ...) Q^T`` (``R`` a rotation, ``q_j <= q``): then
    ``L(F) = 1 + q`` (at ``-q``), ``rho(F) = 1/(1+q)`` (at ``-q``; every other block has
    ``Re 1/(1 - w) >= 1/(1 + |w|)``) and ``mu(F) = 1 - q`` (at ``q``) exactly [derived]. For
    ``q = 1`` the eigenvalue 1 of ``T`` makes ``F`` singular: its fixed points form a line
    (``op.solution = 0`` is one of them).

    Parameters
    ----------
    dim : int
        ``>= 2``.
    q : float or SymPy number
        ``0 < q <= 1``.
    """
    dim = _dim(dim, 2)
    q_s = _positive("q", q)
    qf = float(q_s)
    if qf > 1:
        raise InvalidValue(f"q must satisfy 0 < q <= 1 (T nonexpansive or contractive), got q={q!r}")
    rng = np.random.default_rng(_seed(seed))
    blocks = [np.array([[-qf]]), np.array([[qf]])]
    rest = dim - 2
    for _ in range(rest // 2):
        r, th = qf * rng.uniform(0.5, 1.0), rng.uniform(0.2, np.pi - 0.2)
        blocks.append(r * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]))
    if rest % 2:
        blocks.append(np.array([[qf * rng.uniform(-1.0, 1.0)]]))
    Q = _orthogonal(dim, rng)
    T = Q @ _block_diag(blocks) @ Q.T
    consts = Constants(L=Constant(1 + q_s, "exact", "random_contraction: |1 - (-q)| = 1 + q"),
                       rho=Constant(1 / (1 + q_s), "exact", "random_contraction: Re 1/(1 - w) is least at w = -q"))
    op = LinearOperator(np.eye(dim) - T, name="random_contraction", constants=consts,
                        params={"dim": dim, "q": q_s, "seed": seed})
    op.fixed_point_matrix = T
    op.q = q_s
    return _with_mu(op, 1 - q_s, "random_contraction: 1 - max Re w = 1 - q")


def inconsistent_affine(dim: int = 3, seed: int | None = 0, v_norm: Any = 1) -> LinearOperator:
    """An inclusion with no solution: ``F z = (I - T) z + b``, ``T`` normal nonexpansive with the eigenvalue 1.

    ``T = Q diag(1, -1, R(theta_j), ...) Q^T``: ``M = I - T`` is singular with ``ker M = ker M^T``
    spanned by the eigenvector ``e`` of 1, and ``b = v + M w`` with ``v = v_norm e`` outside
    ``range M``. ``F`` has no zero; the infimal displacement vector is ``op.displacement = v``
    (``min ||F z|| = ||v||``, attained on ``op.displacement_point + ker M`` with
    ``op.displacement_point = -w``). ``F`` is ``1/2``-cocoercive with ``L = 2`` (``T`` nonexpansive).

    >>> op = inconsistent_affine(3, seed=0)
    >>> op.solution is None, bool(np.allclose(op.F(op.displacement_point), op.displacement))
    (True, True)
    """
    dim = _dim(dim, 2)
    vn = float(_positive("v_norm", v_norm))
    rng = np.random.default_rng(_seed(seed))
    blocks = [np.array([[1.0]]), np.array([[-1.0]])]
    rest = dim - 2
    for _ in range(rest // 2):
        th = rng.uniform(0.2, np.pi - 0.2)
        blocks.append(np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]))
    if rest % 2:
        blocks.append(np.array([[rng.uniform(-1.0, 0.5)]]))
    Q = _orthogonal(dim, rng)
    T = Q @ _block_diag(blocks) @ Q.T
    M = np.eye(dim) - T
    e = Q[:, 0]
    w = rng.standard_normal(dim)
    w -= e * (e @ w)
    v = vn * e
    b = v + M @ w
    consts = Constants(L=Constant(sp.Integer(2), "exact", "inconsistent_affine: |1 - (-1)| = 2"),
                       rho=Constant(sp.Rational(1, 2), "exact", "inconsistent_affine: T nonexpansive, unit-modulus "
                                    "eigenvalues w != 1 give Re 1/(1 - w) = 1/2"))
    op = LinearOperator(M, b, name="inconsistent_affine", constants=consts,
                        params={"dim": dim, "seed": seed, "v_norm": vn})
    op.fixed_point_matrix = T
    op.displacement = v
    op.displacement_point = -w
    return _with_mu(op, sp.Integer(0), "inconsistent_affine: min Re(1 - w) = 0 at the eigenvalue w = 1 of T (monotone)")


def ntk_gram(n_samples: int = 8, width: int = 512, input_dim: int = 3, seed: int | None = 0,
             L: Any = None) -> LinearOperator:
    """``F u = H u`` with ``H`` the neural-tangent Gram matrix of a random two-layer ReLU network.

    The network ``f(x) = m^{-1/2} sum_r a_r relu(w_r^T x)`` (``m = width``, ``w_r ~ N(0, I)``,
    ``a_r = +-1``) on ``n_samples`` inputs on the unit sphere of ``R^input_dim``. ``J`` is the
    Jacobian of the outputs with respect to the first-layer weights (an ``n x (m d)`` matrix,
    computed in NumPy) and ``H = J J^T``, i.e. ``H_ij = x_i^T x_j (1/m) sum_r 1{w_r^T x_i >= 0}
    1{w_r^T x_j >= 0}`` (Du et al. 2019). Gradient descent on the squared loss moves the prediction
    error by ``u+ = u - gamma H u`` to first order: momentum methods on ``F`` are the linearised
    training dynamics of Bu, Xu and Chen. ``L`` rescales ``H`` to ``lambda_max = L``.

    Constants: ``L = lambda_max(H)``, ``rho = 1/lambda_max``, ``mu = lambda_min(H)`` (float64
    eigenvalues of the computed symmetric ``H``; ``kind="exact"`` to rounding).

    >>> H = ntk_gram(6, 256, 3, seed=0)
    >>> bool(float(H.mu) > 0), H.matrix.shape
    (True, (6, 6))
    """
    n = _dim(n_samples, 2, "n_samples")
    m = _dim(width, 1, "width", dense=False)
    d = _dim(input_dim, 2, "input_dim", dense=False)
    from monoverify.limits import guard

    guard("dense_entries", m * max(n, d), f"ntk_gram(n_samples={n}, width={m}, input_dim={d})",
          detail="the network's weights and Jacobian")
    rng = np.random.default_rng(_seed(seed))
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    W = rng.standard_normal((m, d))
    a = rng.choice([-1.0, 1.0], size=m)
    act = (X @ W.T >= 0).astype(float)                                   # (n, m): relu'(w_r^T x_i)
    J = (act * a)[:, :, None] * X[:, None, :] / np.sqrt(m)               # df(x_i)/dw_r = a_r 1{.} x_i / sqrt(m)
    J = J.reshape(n, m * d)
    H = J @ J.T
    H = (H + H.T) / 2
    ev = np.linalg.eigvalsh(H)
    if ev[0] <= 0:
        raise InvalidValue(f"the Gram matrix is singular (lambda_min = {ev[0]:.3g}): take more width or fewer samples")
    if L is not None:
        s = float(_positive("L", L)) / ev[-1]
        H, ev = H * s, ev * s
    consts = Constants(L=Constant(sp.Float(ev[-1], 17), "exact", "ntk_gram: lambda_max(H)", "float64 eigvalsh"),
                       rho=Constant(sp.Float(1 / ev[-1], 17), "exact", "ntk_gram: symmetric H, rho = 1/lambda_max",
                                    "float64 eigvalsh"))
    op = LinearOperator(H, name="ntk_gram", constants=consts,
                        params={"n_samples": n, "width": m, "input_dim": d, "seed": seed})
    op.inputs = X
    return _with_mu(op, sp.Float(ev[0], 17), "ntk_gram: lambda_min(H)", note="float64 eigvalsh")
