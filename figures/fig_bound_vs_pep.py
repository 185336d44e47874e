"""Theorem bound vs measured worst case vs PEP worst case against the iteration count K.

Left: PP, gamma = 1, rho = -0.2: R5 bound ||F z^K||^2 <= D0/(gamma(gamma + 2 rho) K); measured: the
largest ||F z^K||^2 over LowerBoundGame(rho', L') (rho' in [rho, 0.2], L' in a grid; D0 = 1); PEP:
``theory.pep.worst_case`` over maximally rho-comonotone operators (L = None, exact, R35).
Right: relaxed PP (lam = 1/2) with the R4(a) bound ||z^K - J z^K||^2 <= D0/(lam(1 - lam)(K + 1)), measured on
the same games, RAPP (lam = 1/2, tau = 10, games with L' <= 0.9 < 1/gamma) measured, and the PEP worst case of
the same metric ``resolvent_residual_sq``. Bounds are the registered theorems' (``pp.last_iterate``,
``relaxed-pp.last_iterate``); metrics are those of :mod:`monoverify.theory.metrics`. Only ``optimal`` PEP
solves are drawn (the legend says how many were omitted); the PEP part is drawn only when theory.pep imports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import sympy as sp

from monoverify.operators.linear import LowerBoundGame
from monoverify.solvers.registry import make as make_method
from monoverify.solvers.runner import run
from monoverify.theory import metrics
from monoverify.theory.theorems import SYMBOLS, get

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


def bound(theorem_id: str, Ks: np.ndarray, **values: float) -> np.ndarray:
    """The registered bound of ``theorem_id`` at ``K = Ks`` (``D0 = 1``, the given parameters)."""
    th = get(theorem_id)
    expr = sp.sympify(th.bound).subs({SYMBOLS[k]: v for k, v in {"D0": 1.0, **values}.items()})
    return np.broadcast_to(np.asarray(sp.lambdify(SYMBOLS["K"], expr, "numpy")(Ks), dtype=float), Ks.shape)


def measured(name: str, params: dict, K: int, quick: bool, Lmax: float, metric: str) -> np.ndarray:
    """Largest value of ``metric`` (a run metric) at k = 1..K over the game family (one run per game)."""
    worst = np.zeros(K)
    for op in _games(quick, Lmax):
        m = make_method(name, gamma=GAMMA, **params)
        r = run(m, op, Z0.copy(), iters=K, monitors=metrics.monitors_for(metric, op, m))
        v = np.asarray(metrics.curve(metric, r), float).ravel()
        worst = np.fmax(worst, v[1:K + 1])
    return worst


def pep_values(method, Ks, metric):
    """PEP worst cases of ``metric`` after ``K`` steps; ``(values, n_omitted)`` with non-optimal solves as NaN."""
    try:
        from monoverify.theory.pep import worst_case
    except Exception:
        return None, 0
    vals = []
    try:
        for K in Ks:
            r = worst_case(method, RHO, None, int(K), metric=metric)
            vals.append(r.value if r.success else np.nan)  # inaccurate/failed solves are not worst cases
    except Exception:
        return None, 0
    vals = np.array(vals, dtype=float)
    return vals, int(np.isnan(vals).sum())


def _pep_label(text: str, omitted: int) -> str:
    return text + (f" ({omitted} non-optimal solve(s) omitted)" if omitted else "")


def make(outdir, quick: bool = False) -> list[Path]:
    K = 30 if quick else 200
    Ks = np.arange(1, K + 1)
    Kp = np.arange(1, 5 if quick else 9)
    with style():
        fig, (a1, a2) = figure(1, 2, size=(8.6, 3.6))
        # PP
        a1.loglog(Ks, bound("pp.last_iterate", Ks, gamma=GAMMA, rho=RHO), "k--",
                  label=r"R5 bound $D_0/(\gamma(\gamma+2\rho)K)$")
        a1.loglog(Ks, measured("pp", {}, K, quick, 1e9, "operator_sq"), color=METHOD_COLORS["pp"],
                  label="measured (LowerBoundGames)")
        pv, omitted = pep_values(make_method("pp", gamma=GAMMA), Kp, get("pp.last_iterate").metric)
        if pv is not None:
            a1.loglog(Kp, pv, "o", color="C3", ms=5, label=_pep_label(r"PEP worst case ($L=\infty$)", omitted))
        a1.set_title(rf"PP, $\gamma={GAMMA:g}$, $\rho={RHO:g}$")
        a1.set_xlabel("iteration $K$")
        a1.set_ylabel(r"$\|F z^K\|^2 / D_0$")
        a1.legend(fontsize=7)
        # relaxed PP / RAPP
        th = get("relaxed-pp.last_iterate")
        a2.loglog(Ks, bound(th.id, Ks, lam=LAM), "k--", label=r"R4 bound $D_0/(\lambda(1-\lambda)(K+1))$")
        a2.loglog(Ks, measured("relaxed-pp", {"lam": LAM}, K, quick, 1e9, th.metric), color=METHOD_COLORS["relaxed-pp"],
                  label=r"relaxed PP measured")
        a2.loglog(Ks, measured("rapp", {"lam": LAM, "tau": 10}, K, quick, 0.9, th.metric), color=METHOD_COLORS["rapp"],
                  ls="-.", label=r"RAPP $\tau=10$ measured ($L'\leq 0.9$)")
        pv, omitted = pep_values(make_method("relaxed-pp", gamma=GAMMA, lam=LAM), Kp, th.metric)
        if pv is not None:
            a2.loglog(Kp, pv, "o", color="C3", ms=5, label=_pep_label("relaxed PP PEP worst case", omitted))
        a2.set_title(rf"relaxed PP / RAPP, $\lambda={LAM:g}$, $\gamma={GAMMA:g}$, $\rho={RHO:g}$")
        a2.set_xlabel("iteration $K$")
        a2.set_ylabel(r"$\|z^K - J_{\gamma T} z^K\|^2 / D_0$")
        a2.legend(fontsize=7)
        return savefig(fig, outdir, "bound_vs_pep")
