"""Adversarial search over *general* (non-normal) linear maps of a theorem's class, in small dimension.

The rotation-scaling family of :mod:`~monoverify.theory.judge.adversary` holds the normal maps
only. Here every linear map of the class ``{M : ||M||_2 <= L, rho(M) >= rho}`` in dimension ``n``
(2 to 4) is reachable from unconstrained parameters ``A`` (``n x n``):

* ``N = A / max(1, ||A||_2)`` is a contraction, so its Cayley transform
  ``M0 = (I - N)(I + N)^{-1}`` is monotone (every monotone map without eigenvalue ``-1`` of ``N``);
* ``M = M0 (I + rho M0)^{-1}`` is ``rho``-comonotone (``M^{-1} - rho I = M0^{-1}`` is monotone);
* ``rho >= 0``: ``M`` is scaled down to ``||M||_2 <= L`` (which keeps ``rho(sM) = rho(M)/s >= rho``);
  ``rho < 0``: maps with ``||M||_2 > L`` are not candidates.

The start point is a unit vector (``n - 1`` angles). The search is
:func:`scipy.optimize.differential_evolution` over ``A`` and the angles (seeded), each generation
evaluated by one batched run on a block-diagonal operator; its initial population holds the seeds
given (e.g. the class-constrained fit of a PEP worst case, :mod:`~monoverify.theory.judge.pepfit`).
The best map's constants are recomputed **exactly** by :class:`~monoverify.operators.LinearOperator`
and the instance is dropped when they leave the class.

>>> from monoverify.theory import THEOREMS
>>> a = attack_linear(THEOREMS["pp.last_iterate"], {"c": 0.2, "t": 1.0}, K=2, dim=2, quick=True)
>>> a.status, a.fit.rho >= -0.2, 0.3 < a.ratio <= 1 + 1e-9
('done', True, True)
"""

from __future__ import annotations

import math

import numpy as np


from ..theorems import Theorem
from .adversary import StackEvaluator, _lipschitz_free, score_matrices
from .reference import cell_values
from .pepfit import Candidate, LinearFit, _in_class, _into_class

__all__ = ["attack_linear", "class_map"]


def class_map(A: np.ndarray, rho: float, L: float | None) -> np.ndarray | None:
    """The class member ``M`` of the parameters ``A`` (see the module docstring), ``None`` when none.

    >>> M = class_map(np.array([[0.3, 0.9], [-0.5, 0.1]]), rho=0.1, L=1.0)
    >>> from monoverify.operators import LinearOperator
    >>> op = LinearOperator(M)
    >>> bool(op.L <= 1.0), bool(op.rho >= 0.1)
    (True, True)
    """
    n = len(A)
    I = np.eye(n)
    N = A / max(1.0, float(np.linalg.norm(A, 2)))
    with np.errstate(all="ignore"):
        try:
            M0 = (I - N) @ np.linalg.inv(I + N)
            M = M0 @ np.linalg.inv(I + rho * M0)
        except np.linalg.LinAlgError:
            return None
    if not np.all(np.isfinite(M)):
        return None
    if L is None:
        return M
    nm = float(np.linalg.norm(M, 2))
    if nm <= L:
        return M
    return M * (L / nm) if rho >= 0 else None


def _unit(angles: np.ndarray) -> np.ndarray:
    """Unit vector of ``n - 1`` angles in ``[0, 1]`` (hyperspherical coordinates)."""
    n = len(angles) + 1
    v = np.ones(n)
    for i, u in enumerate(angles):
        th = (2 if i == n - 2 else 1) * math.pi * u
        v[i] *= math.cos(th)
        v[i + 1:] *= math.sin(th)
    return v


def _angles(z: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_unit` (for seeding)."""
    z = np.asarray(z, float) / np.linalg.norm(z)
    n = len(z)
    out = []
    for i in range(n - 1):
        r = np.linalg.norm(z[i:])
        th = math.acos(np.clip(z[i] / r, -1, 1)) if r > 0 else 0.0
        if i == n - 2 and z[-1] < 0:
            th = 2 * math.pi - th
        out.append(th / ((2 if i == n - 2 else 1) * math.pi))
    return np.clip(out, 0.0, 1.0)


def _params_of(M: np.ndarray, z0: np.ndarray, rho: float) -> np.ndarray | None:
    """Parameters whose :func:`class_map` is ``M`` (``||M|| <= L`` and no rescale), for seeding."""
    n = len(M)
    I = np.eye(n)
    try:
        M0 = M @ np.linalg.inv(I - rho * M)
        N = (I - M0) @ np.linalg.inv(I + M0)
    except np.linalg.LinAlgError:
        return None
    x = np.concatenate([(np.clip(N, -1, 1).ravel() + 1) / 2, _angles(z0)])
    return x if np.all(np.isfinite(x)) else None


class _LinearEvaluator:
    def __init__(self, th: Theorem, cell: dict, vals: dict, K: int, n: int, L: float | None, quick: bool):
        norm = {k: v for k, v in cell.items() if k != "L"}
        self.ev = StackEvaluator(th, norm, float(cell.get("L", 1.0)), quick, Ks=(int(K),))
        self.n, self.rho, self.L = n, vals["rho"], L
        self.best: tuple = (-math.inf, None, None, math.nan)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return -self._chunk(np.atleast_2d(np.asarray(x, float)))

    def _chunk(self, x: np.ndarray) -> np.ndarray:
        n, S = self.n, x.shape[1]
        mats, z0s, idx = [], [], []
        for j in range(S):
            A = 2 * x[: n * n, j].reshape(n, n) - 1
            M = class_map(A, self.rho, self.L)
            if M is not None:
                mats.append(M)
                z0s.append(_unit(x[n * n:, j]))
                idx.append(j)
        ratio = np.full(S, -1.0)
        if not mats:
            return ratio
        # in the class by construction (checked exactly for the maps reported)
        r, _, meas, _ = score_matrices(self.ev, mats, z0s)
        r = np.where(np.isfinite(r), r, -1.0)
        ratio[idx] = r
        k = int(np.argmax(r))
        if r[k] > self.best[0]:
            self.best = (float(r[k]), mats[k], z0s[k], float(meas[k]))
        return ratio


def attack_linear(th: Theorem, cell: dict, K: int, *, dim: int = 2, quick: bool = False, seed: int = 0,
                  seeds: list | None = None) -> Candidate:
    """Maximise measured/bound of ``th`` at ``cell`` and ``K`` over the linear maps of its class in dimension ``dim``.

    Parameters
    ----------
    th : Theorem
        A ``rate`` theorem.
    cell : dict
        Normalised cell (as for :func:`~monoverify.theory.judge.adversary.attack`).
    K : int
        Horizon (``>= 1``).
    dim : int
        Dimension of the maps (2 to 4).
    quick : bool
        Smaller population and fewer generations.
    seed : int
        Seed of the optimiser.
    seeds : list of (M, z0), optional
        Extra initial maps (``dim x dim``, in the class) and starts.

    Returns
    -------
    Candidate
        The best map (``fit.matrix``, ``fit.z0``, exact ``fit.L`` and ``fit.rho``); ``status="failed"``
        when none was found or its exact constants leave the class.
    """
    from scipy.optimize import differential_evolution

    if th.kind != "rate":
        raise ValueError(f"attack_linear needs a rate theorem, got kind={th.kind!r} ({th.id})")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not 2 <= dim <= 4:
        raise ValueError(f"dim must be an integer in [2, 4], got dim={dim!r}")
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"K must be an integer >= 1, got K={K!r}")
    vals = cell_values(th, cell, int(K))
    L = None if _lipschitz_free(th) else vals["L"]
    ev = _LinearEvaluator(th, cell, vals, int(K), dim, L, quick)
    npar = dim * dim + dim - 1
    rng = np.random.default_rng(seed)
    n_pop = (8 if quick else 20) * npar
    pop = rng.uniform(size=(n_pop, npar))
    extra = [p for p in (_params_of(np.asarray(M, float), np.asarray(z, float), vals["rho"]) for M, z in seeds or ())
             if p is not None and len(p) == npar]
    if extra:
        pop[: len(extra)] = np.asarray(extra)[:n_pop]
    differential_evolution(ev, bounds=[(0.0, 1.0)] * npar, init=pop, vectorized=True, updating="deferred",
                           maxiter=15 if quick else 60, seed=seed, polish=False, tol=1e-10)
    ratio, M, z0, meas = ev.best
    if M is None:
        return Candidate(th.id, dict(cell), int(K), math.nan, status="failed", message="no map could be evaluated",
                         source="linear")
    got = _into_class(M, vals["rho"], L)   # on the boundary of the class up to rounding: shrunk into it
    if got is None:
        ok, Lm, rm = _in_class(M, vals["rho"], L)
        return Candidate(th.id, dict(cell), int(K), math.nan, status="failed", source="linear",
                         message=f"best map outside the class by its exact constants: L={Lm:.6g}, rho={rm:.6g}")
    M, Lm, rm = got
    r, _, m, bnd = score_matrices(ev.ev, [M], [z0])
    ratio, meas = float(r[0]), float(m[0])
    nn = float(np.linalg.norm(M @ M.T - M.T @ M) / max(np.linalg.norm(M) ** 2, 1e-300))
    f = LinearFit(M.tolist(), z0.tolist(), math.nan, Lm, rm, nn, dim, "fitted", f"linear adversary in dimension {dim}")
    if not math.isfinite(ratio):
        return Candidate(th.id, dict(cell), int(K), math.nan, fit=f, status="failed", source="linear",
                         message="the map left the trajectory hypothesis or diverged")
    return Candidate(th.id, dict(cell), int(K), ratio, meas, float(bnd[0]), f, "done",
                     f"measured {meas:.6g} on a {dim}-dim linear map (non-normality {nn:.2g}), ratio {ratio:.4g}",
                     source="linear")
