"""Theorem bound vs measured worst case vs PEP worst case against the iteration count K.

Left: PP, gamma = 1, rho = -0.2: R5 bound ||F z^K||^2 <= D0/(gamma(gamma + 2 rho) K); measured: the
largest ||F z^K||^2 over LowerBoundGame(rho', L') (rho' in [rho, 0.2], L' in a grid; D0 = 1); PEP:
``theory.pep.worst_case`` over maximally rho-comonotone operators (L = None, exact, R35).
Right: relaxed PP (lam = 1/2) with the R4(a) bound ||z^K - J z^K||^2 <= D0/(lam(1 - lam)(K + 1)), measured on
the same games, RAPP (lam = 1/2, tau = 10, games with L' <= 0.9 < 1/gamma) measured, and the PEP value of
||z^{K+1} - z^K||^2 / lam^2 (= ||z^K - J z^K||^2). The PEP part is drawn only when theory.pep imports and solves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monoverify.operators.linear import LowerBoundGame
from monoverify.solvers.registry import make as make_method
from monoverify.solvers.runner import run

from .style import METHOD_COLORS, figure, savefig, style

GAMMA, RHO, LAM = 1.0, -0.2, 0.5
Z0 = np.array([1.0, 0.0])  # D0 = ||z0 - z*||^2 = 1


def _games(quick: bool, Lmax: float):
    rhos = np.linspace(RHO, 0.2, 3 if quick else 6)
    out = []
    for r in rhos:
        hi = min(Lmax, (1 - 1e-9) / abs(r) if r else Lmax)
        for L in np.geomspace(0.2, hi, 6 if quick else 20):
            out.append(LowerBoundGame(float(r), float(L)))
    return out


def measured(name: str, params: dict, K: int, quick: bool, Lmax: float, metric: str) -> np.ndarray:
    """Largest metric value at k = 1..K over the game family (batched over nothing: one run per game)."""
    worst = np.zeros(K)
    for op in _games(quick, Lmax):
        M = op.matrix.astype(float)
        J = np.linalg.inv(np.eye(2) + GAMMA * M)
        mon = {"fpr": lambda z, idx, J=J: np.sum((np.asarray(z) - np.asarray(z) @ J.T) ** 2, axis=-1)}
        r = run(make_method(name, gamma=GAMMA, **params), op, Z0.copy(), iters=K, monitors=mon)
        v = (np.asarray(r.history.residual, float).ravel() ** 2 if metric == "operator"
             else np.asarray(r.history.monitors["fpr"], float).ravel())
        worst = np.fmax(worst, v[1:K + 1])
    return worst


def pep_values(method, Ks, metric, scale=1.0, shift=0):
    try:
        from monoverify.theory.pep import worst_case
    except Exception:
        return None
    vals = []
    try:
        for K in Ks:
            r = worst_case(method, RHO, None, int(K) + shift, metric=metric)
            vals.append(np.nan if r.value is None or r.status not in ("optimal", "inaccurate") else r.value * scale)
    except Exception:
        return None
    return np.array(vals)


def make(outdir, quick: bool = False) -> list[Path]:
    K = 30 if quick else 200
    Ks = np.arange(1, K + 1)
    Kp = np.arange(1, 5 if quick else 9)
    with style():
        fig, (a1, a2) = figure(1, 2, size=(8.6, 3.6))
        # PP
        a1.loglog(Ks, 1 / (GAMMA * (GAMMA + 2 * RHO) * Ks), "k--", label=r"R5 bound $D_0/(\gamma(\gamma+2\rho)K)$")
        a1.loglog(Ks, measured("pp", {}, K, quick, 1e9, "operator"), color=METHOD_COLORS["pp"],
                  label="measured (LowerBoundGames)")
        pv = pep_values(make_method("pp", gamma=GAMMA), Kp, "operator")
        if pv is not None:
            a1.loglog(Kp, pv, "o", color="C3", ms=5, label=r"PEP worst case ($L=\infty$)")
        a1.set_title(rf"PP, $\gamma={GAMMA:g}$, $\rho={RHO:g}$")
        a1.set_xlabel("iteration $K$")
        a1.set_ylabel(r"$\|F z^K\|^2 / D_0$")
        a1.legend(fontsize=7)
        # relaxed PP / RAPP
        a2.loglog(Ks, 1 / (LAM * (1 - LAM) * (Ks + 1)), "k--", label=r"R4 bound $D_0/(\lambda(1-\lambda)(K+1))$")
        a2.loglog(Ks, measured("relaxed-pp", {"lam": LAM}, K, quick, 1e9, "fpr"), color=METHOD_COLORS["relaxed-pp"],
                  label=r"relaxed PP measured")
        a2.loglog(Ks, measured("rapp", {"lam": LAM, "tau": 10}, K, quick, 0.9, "fpr"), color=METHOD_COLORS["rapp"],
                  ls="-.", label=r"RAPP $\tau=10$ measured ($L'\leq 0.9$)")
        pv = pep_values(make_method("relaxed-pp", gamma=GAMMA, lam=LAM), Kp, "step", scale=1 / LAM ** 2, shift=1)
        if pv is not None:
            a2.loglog(Kp, pv, "o", color="C3", ms=5, label="relaxed PP PEP worst case")
        a2.set_title(rf"relaxed PP / RAPP, $\lambda={LAM:g}$, $\gamma={GAMMA:g}$, $\rho={RHO:g}$")
        a2.set_xlabel("iteration $K$")
        a2.set_ylabel(r"$\|z^K - J_{\gamma T} z^K\|^2 / D_0$")
        a2.legend(fontsize=7)
        return savefig(fig, outdir, "bound_vs_pep")
