"""Linear instances fitted to a PEP worst case: adversary seeds and direct candidates (issue #17).

The PEP behind ``W(K)`` (:func:`~monoverify.theory.judge.reference.pep_worst_case`) stores its
worst case's evaluations ``g_i = F x_i`` (``PEPResult.points``). :func:`fit` looks for the linear
map ``M`` **inside the theorem's class** closest to them, ``min ||M (x_i - z*) - g_i||`` over
``||M||_2 <= L`` and ``rho``-comonotone ``M`` (an SDP; for ``rho < 0`` the non-convex constraint
``sym(M) + |rho| M^T M >= 0`` is replaced by its convex inner approximations around the previous
iterate, a convex-concave procedure started from the monotone class). Its relative residual says
how linear the worst case is: ``0`` when a linear map of the class attains it.

The fitted map is then shrunk towards ``kappa I`` (a point of the class) until its **exact**
constants (:class:`~monoverify.operators.LinearOperator`: ``L = ||M||_2``, ``rho = lambda_min(sym(M^-1))``)
lie in the class, and :func:`candidates` runs the theorem's method on it from the worst case's
start ``z0 - z*``: a non-normal linear instance the rotation-scaling family cannot express. Its
eigen-decomposition gives rotation-scaling seeds ``(L_j, rho_j)`` for
:func:`~monoverify.theory.judge.adversary.attack`, clipped into the class.

Fits are cached next to the PEP cache (``<cache>/pepfit``), keyed by the PEP's inputs.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from monoverify.operators import LinearOperator
from monoverify.result import Result

from ..theorems import Theorem
from .adversary import StackEvaluator, _lipschitz_free, score_matrices
from .reference import cell_values

__all__ = ["LinearFit", "Candidate", "fit", "candidates", "FIT_VERSION"]

#: bump when the fit changes: part of the cache key
FIT_VERSION = 3
#: convex-concave rounds for rho < 0
_CCP_ROUNDS = 2
#: largest dimension of a worst case fitted (quick, full): the SDP grows as its square
MAX_RANK = (12, 24)
#: non-normality below which a fitted map counts as normal (``Theorem.normal_only``)
_NORMAL_TOL = 1e-9
#: shrink factors towards kappa I tried until the exact constants are in the class
_SHRINK = (0.0, 1e-9, 1e-7, 1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 0.1)


@dataclass
class LinearFit(Result):
    """The linear map of the class closest to a PEP worst case.

    Attributes
    ----------
    matrix : list or None
        ``M`` (``r x r``, in an orthonormal basis of the worst case's span), in the class by its exact constants.
    z0 : list or None
        The worst case's start ``z0 - z*`` in that basis (unit norm).
    residual : float
        ``||M X - G||_F / ||G||_F`` over the evaluations (``X`` the points minus ``z*``, ``G`` the values):
        0 when a linear map of the class reproduces the worst case.
    L, rho : float
        Exact constants of ``M``.
    nonnormality : float
        ``||M M^T - M^T M||_F / ||M||_F^2`` (0 for a normal map: rotation-scaling blocks).
    rank : int
        Dimension of the worst case (rank of the points and values).
    """

    matrix: list | None
    z0: list | None
    residual: float = math.nan
    L: float = math.nan
    rho: float = math.nan
    nonnormality: float = math.nan
    rank: int = 0
    status: str = "fitted"
    message: str = ""

    @property
    def success(self) -> bool:
        return self.status == "fitted" and self.matrix is not None

    def seeds(self, n: int = 3) -> list:
        """Rotation-scaling blocks ``(L_j, rho_j)`` of the eigenvalues of ``M`` carrying most of ``z0``."""
        if not self.success:
            return []
        M = np.asarray(self.matrix, float)
        lam, V = np.linalg.eig(M)
        try:
            mass = np.abs(np.linalg.solve(V, np.asarray(self.z0, float))) ** 2
        except np.linalg.LinAlgError:
            mass = np.ones(len(lam))
        out = []
        for i in np.argsort(-mass):
            m = abs(lam[i])
            if m < 1e-9:
                continue
            b = [float(m), float(lam[i].real / m ** 2)]
            if all(abs(b[0] - o[0]) + abs(b[1] - o[1]) > 1e-6 for o in out):
                out.append(b)
            if len(out) >= n:
                break
        return out


@dataclass
class Candidate(Result):
    """A linear map run as an instance of the theorem (the fields :func:`strength` reads of an attack).

    ``source``: ``pep-fit`` (the class-constrained fit of a PEP worst case) or ``linear``
    (:func:`~monoverify.theory.judge.linear_adversary.attack_linear`).
    """

    theorem: str
    cell: dict
    K: int
    ratio: float
    measured: float = math.nan
    bound: float = math.nan
    fit: LinearFit | None = None
    status: str = "done"
    message: str = ""
    source: str = "pep-fit"

    @property
    def success(self) -> bool:
        return self.status == "done" and math.isfinite(self.ratio)

    @property
    def label(self) -> str:
        f = self.fit
        what = "pep-fitted linear map" if self.source == "pep-fit" else "linear adversary"
        res = f", fit residual {f.residual:.2g}" if math.isfinite(f.residual) else ""
        return (f"adversary ({what}) K={self.K}: dim {len(f.matrix)}, L={f.L:.4g}, rho={f.rho:.4g}, "
                f"non-normality {f.nonnormality:.2g}{res}")

    @property
    def operator(self) -> LinearOperator:
        M = np.asarray(self.fit.matrix, float)
        return LinearOperator(M, name="pep-fitted linear map", solution=np.zeros(len(M)))


# ------------------------------------------------------------------------------------------
# the fit
# ------------------------------------------------------------------------------------------
def _data(pep) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    if pep is None or not pep.success or not pep.points or pep.iterates is None or pep.solution is None:
        return None
    xs = np.asarray(pep.solution, float)
    X = np.array([p[0] for p in pep.points], float) - xs
    G = np.array([p[1] for p in pep.points], float)
    z0 = np.asarray(pep.iterates[0], float) - xs
    U, sv, _ = np.linalg.svd(np.concatenate([X, G, z0[None]], axis=0).T, full_matrices=False)
    r = int(np.sum(sv > 1e-7 * sv[0])) if sv.size and sv[0] > 0 else 0
    if r == 0:
        return None
    Q = U[:, :r]
    return X @ Q, G @ Q, z0 @ Q


def _sdp_fit(X: np.ndarray, G: np.ndarray, rho: float, L: float | None) -> np.ndarray | None:
    """The closest map of the class; for ``rho < 0`` (a non-convex class) the better of two convex-concave
    runs, one started in the monotone class, one linearised around the unconstrained least-squares fit."""
    if rho >= 0:
        return _ccp(X, G, rho, L, None, 1)
    M_ls = np.linalg.lstsq(X, G, rcond=None)[0].T
    fits = [M for M in (_ccp(X, G, rho, L, None, _CCP_ROUNDS), _ccp(X, G, rho, L, M_ls, _CCP_ROUNDS - 1))
            if M is not None]
    return min(fits, key=lambda M: np.linalg.norm(X @ M.T - G)) if fits else None


def _ccp(X: np.ndarray, G: np.ndarray, rho: float, L: float | None, Mk: np.ndarray | None,
         rounds: int) -> np.ndarray | None:
    import cvxpy as cp

    r = X.shape[1]
    I = np.eye(r)
    out = None
    for _ in range(rounds):
        M = cp.Variable((r, r))
        S = (M + M.T) / 2
        cons = []
        if L is not None:
            cons.append(cp.bmat([[L ** 2 * I, M.T], [M, I]]) >> 0)
        if rho > 0:
            cons.append(cp.bmat([[S, M.T], [M, I / rho]]) >> 0)
        elif rho == 0 or Mk is None:
            cons.append(S >> 0)
        else:   # M^T M >= Mk^T M + M^T Mk - Mk^T Mk: an inner approximation of sym(M) + |rho| M^T M >= 0
            lin = Mk.T @ M + M.T @ Mk - Mk.T @ Mk
            cons.append((S + (-rho) * (lin + lin.T) / 2) >> 0)
        prob = cp.Problem(cp.Minimize(cp.norm(X @ M.T - G, "fro")), cons)
        try:
            with warnings.catch_warnings():   # an inaccurate fit is still checked exactly for membership
                warnings.simplefilter("ignore")
                prob.solve(solver="CLARABEL")
        except Exception:  # solver failure: keep the last fit
            break
        if M.value is None:
            break
        Mk = out = np.asarray(M.value, float)
    return out


def _in_class(M: np.ndarray, rho: float, L: float | None) -> tuple[bool, float, float]:
    c = LinearOperator(M, solution=np.zeros(len(M))).constants
    Lm, rm = float(c.L.value), float(c.rho.value)
    ok = (L is None or Lm <= L) and rm >= rho
    return ok, Lm, rm


def _into_class(M: np.ndarray, rho: float, L: float | None) -> tuple[np.ndarray, float, float] | None:
    """``(1 - d) M + d kappa I`` for the smallest ``d`` of :data:`_SHRINK` with exact constants in the class."""
    top = L if L is not None else max(np.linalg.norm(M, 2), 1.0)
    kappa = 0.5 * (min(top, 1.0 / rho) if rho > 0 else top)
    for d in _SHRINK:
        Md = (1 - d) * M + d * kappa * np.eye(len(M))
        ok, Lm, rm = _in_class(Md, rho, L)
        if ok:
            return Md, Lm, rm
    return None


def _fit(pep, rho: float, L: float | None, max_rank: int | None = None) -> LinearFit:
    data = _data(pep)
    if data is None:
        return LinearFit(None, None, status="failed", message="the PEP has no solved worst case with its evaluations")
    X, G, z0 = data
    if max_rank is not None and X.shape[1] > max_rank:
        return LinearFit(None, None, rank=X.shape[1], status="skipped",
                         message=f"worst case of dimension {X.shape[1]} > {max_rank}: not fitted (cost guard)")
    M = _sdp_fit(X, G, rho, L)
    if M is None:
        return LinearFit(None, None, rank=X.shape[1], status="failed", message="the class-constrained fit failed")
    got = _into_class(M, rho, L)
    if got is None:
        return LinearFit(None, None, rank=X.shape[1], status="failed",
                         message="the fitted map could not be brought into the class (exact constants)")
    M, Lm, rm = got
    res = float(np.linalg.norm(X @ M.T - G) / max(np.linalg.norm(G), 1e-300))
    nn = float(np.linalg.norm(M @ M.T - M.T @ M) / max(np.linalg.norm(M) ** 2, 1e-300))
    n0 = float(np.linalg.norm(z0))
    return LinearFit(M.tolist(), (z0 / n0).tolist(), res, Lm, rm, nn, X.shape[1], "fitted",
                     f"class-constrained linear fit of the PEP worst case: residual {res:.3g}, non-normality {nn:.3g}")


def _cache_path(pep) -> Path | None:
    from monoverify.cache import cache_root

    if pep is None or not getattr(pep, "inputs", None):
        return None
    blob = json.dumps({"pep": pep.inputs, "fit": FIT_VERSION}, sort_keys=True, default=str)
    return cache_root() / "pepfit" / f"{hashlib.sha256(blob.encode()).hexdigest()[:40]}.json"


def fit(th: Theorem, cell: dict, K: int, *, max_rank: int | None = None) -> LinearFit:
    """The class-constrained linear fit of the PEP worst case of ``th`` at ``cell`` and ``K`` (cached).

    ``max_rank``: worst cases of higher dimension are not fitted (``status="skipped"``; cost guard).
    """
    from .reference import lipschitz_class, pep_worst_case

    pep = pep_worst_case(th, cell, int(K))
    vals = cell_values(th, cell, int(K))
    rho = vals["rho"]
    L = vals["L"] if lipschitz_class(th) and not _lipschitz_free(th) else None
    path = _cache_path(pep)
    if path is not None and path.is_file():
        try:
            hit = LinearFit.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            hit = None
        if hit is not None:
            if max_rank is not None and hit.rank > max_rank:   # the same answer warm or cold
                return LinearFit(None, None, rank=hit.rank, status="skipped",
                                 message=f"worst case of dimension {hit.rank} > {max_rank}: not fitted (cost guard)")
            return hit
    out = _fit(pep, rho, L, max_rank)
    if path is not None and pep is not None and pep.success and out.status != "skipped":
        from monoverify.atomic import write_text
        from monoverify.theory.pep.cache import warn_unwritable

        try:   # atomic: the old entry or the complete new one, no temporary file left behind
            write_text(path, out.to_json(), mkdir=True)
        except OSError as exc:  # a read-only or full cache must not break a check: one warning naming the path
            warn_unwritable(exc, "PEP fit cache")
    return out


def candidates(th: Theorem, cells: list[dict], Ks: tuple, *, quick: bool = False) -> tuple[list[Candidate], dict]:
    """The fitted maps run as instances at every ``(cell, K)`` with a PEP worst case, and the seeds
    ``{(cell index, K): [(L_j, rho_j), ...]}`` for :func:`~monoverify.theory.judge.adversary.seek`
    (``quick``: worst cases of dimension above ``MAX_RANK[0]`` are not fitted)."""
    out, seeds = [], {}
    for i, cell in enumerate(cells):
        for K in Ks:
            try:
                f = fit(th, cell, int(K), max_rank=MAX_RANK[0 if quick else 1])
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:   # a seed is a bonus, never a crash
                f = LinearFit(None, None, status="failed", message=f"{type(exc).__name__}: {exc}")
            if not f.success:
                continue
            seeds[(i, int(K))] = f.seeds()
            if not (th.normal_only and f.nonnormality > _NORMAL_TOL):   # else: its eigen-blocks seed the search only
                out.append(run_candidate(th, cell, int(K), f))
    return out, seeds


def run_candidate(th: Theorem, cell: dict, K: int, f: LinearFit) -> Candidate:
    """Run ``th``'s method on the fitted map from its ``z0``; the class membership is re-checked exactly."""
    vals = cell_values(th, cell, int(K))
    M = np.asarray(f.matrix, float)
    L = vals["L"] if not _lipschitz_free(th) else None
    ok, Lm, rm = _in_class(M, vals["rho"], L)
    if not ok:
        return Candidate(th.id, dict(cell), int(K), math.nan, fit=f, status="failed",
                         message=f"fitted map outside the class: L={Lm:.6g}, rho={rm:.6g}")
    ev = StackEvaluator(th, {k: v for k, v in cell.items() if k != "L"}, float(cell.get("L", 1.0)), True,
                        Ks=(int(K),))
    ratio, _, meas, bnd = score_matrices(ev, [M], [np.asarray(f.z0, float)])
    r, m = float(ratio[0]), float(meas[0])
    if not math.isfinite(r):
        return Candidate(th.id, dict(cell), int(K), math.nan, fit=f, status="failed",
                         message="the fitted map left the trajectory hypothesis or diverged")
    return Candidate(th.id, dict(cell), int(K), r, m, float(bnd[0]), f, "done",
                     f"measured {m:.6g} on the PEP-fitted map (ratio {r:.4g})")
