"""Residual vs F evaluations on the literature's examples (§8 item 24 settings), and trajectories.

Problems: PolarGame(a) for a = 1/3, 3/4, 1 (box 1.1), Forsaken (box 1.5), GlobalForsaken (ball 4/3) and
LowerBoundGame(rho = -1/9, L = 3) on Box(-1.1, 1.1). Methods with gamma = 1/L, projection onto the set,
init (1, 0.5): GDA, EG+ (alpha = 1/2), CEG+ (alpha = 1/2), APP (tau = 5), RAPP (lam = .2, tau = 5),
LA-GDA (lam = .2, tau = 5), LA-CEG+ (alpha = 1/2; lam = .5, tau = 2). Residual: natural residual.

Where the authors' notebooks differ, their settings are used (source: the weak-minty-code notebooks of
PLPFC22, §10.3): Forsaken starts at (1.0, -0.8), GlobalForsaken at (1.2, 1.2) projected onto the
ball of radius 4/3, and both stop at ||F z|| < 1e-3 (here: the runner's natural residual < 1e-3, which
equals ||F z|| once z - F z lies in the set, as near their interior solutions).
"""

from __future__ import annotations

import matplotlib.ticker

from pathlib import Path

import numpy as np

from monoverify.operators.examples import Forsaken, GlobalForsaken, PolarGame
from monoverify.operators.linear import LinearOperator, LowerBoundGame
from monoverify.operators.sets import Box
from monoverify.solvers.registry import make as make_method
from monoverify.solvers.runner import run

from .style import METHOD_COLORS, figure, savefig, style

Z0 = np.array([1.0, 0.5])
#: start points and stopping tolerances of the authors' notebooks (§10.3), by operator name
NOTEBOOK = {"Forsaken": (np.array([1.0, -0.8]), 1e-3),
            "GlobalForsaken": (np.array([1.2, 1.2]) / max(1.0, np.hypot(1.2, 1.2) / (4.0 / 3.0)), 1e-3)}


def _start(op):
    """``(z0, tol)`` for ``op``: the notebooks' values where they differ, else ``(Z0, 1e-12)``."""
    z0, tol = NOTEBOOK.get(getattr(op, "name", ""), (Z0, 1e-12))
    return z0.copy(), tol


METHODS = [
    ("gda", {}, "GDA"),
    ("eg+", {"alpha": 0.5}, r"EG+ $\alpha=1/2$"),
    ("ceg+", {"alpha": 0.5}, r"CEG+ $\alpha=1/2$"),
    ("app", {"tau": 5}, r"APP $\tau=5$"),
    ("rapp", {"lam": 0.2, "tau": 5}, r"RAPP $\lambda=.2,\tau=5$"),
    ("la-gda", {"lam": 0.2, "tau": 5}, r"LA-GDA $\lambda=.2,\tau=5$"),
    ("la-ceg+", {"alpha": 0.5, "lam": 0.5, "tau": 2}, r"LA-CEG+ $\lambda=.5,\tau=2$"),
]


def problems():
    lbg = LowerBoundGame(-1 / 9, 3)
    return [
        (PolarGame(1), r"PolarGame $a=1$"),
        (PolarGame(sp_rational(3, 4)), r"PolarGame $a=3/4$"),
        (PolarGame(sp_rational(1, 3)), r"PolarGame $a=1/3$"),
        (Forsaken(), "Forsaken (box 1.5)"),
        (GlobalForsaken(), "GlobalForsaken (ball 4/3)"),
        (LinearOperator(lbg.matrix, constraint=Box(-1.1, 1.1, dim=2), name="LowerBoundGame"),
         r"LowerBoundGame $\rho=-1/9, L=3$, box 1.1"),
    ]


def sp_rational(p, q):
    import sympy as sp
    return sp.Rational(p, q)


def _lipschitz(op, fallback=None) -> float:
    L = getattr(op, "L", None)
    return float(L) if L is not None else float(fallback)


def _run(op, name, params, budget, L, monitors=None):
    m = make_method(name, gamma=1.0 / L, **params)
    per = {"gda": 1, "eg+": 2, "ceg+": 2}.get(name, 0) or params.get("tau", 1) * (2 if name == "la-ceg+" else 1)
    iters = max(2, budget // per)
    z0, tol = _start(op)
    return run(m, op, z0, iters=iters, tol=tol, monitors=monitors)


def make(outdir, quick: bool = False) -> list[Path]:
    budget = 400 if quick else 4000
    probs = problems()
    L_lbg = 3.0
    paths = []
    with style():
        fig, axs = figure(2, 3, size=(10.5, 6.2), sharex=True)
        for ax, (op, title) in zip(axs.flat, probs):
            L = _lipschitz(op, L_lbg)
            for name, params, label in METHODS:
                r = _run(op, name, params, budget, L)
                res = np.asarray(r.history.residual, float).ravel()
                nf = np.asarray(r.history.n_oracle, float).ravel()
                ok = np.isfinite(res) & (res > 0)
                ax.semilogy(nf[ok], res[ok], color=METHOD_COLORS[name], lw=1.1, label=label,
                            ls="--" if name in ("eg+", "app") else "-")
            ax.axhline(1e-6, color="0.5", ls=":", lw=0.8)
            ax.set_title(title, fontsize=9)
            ax.set_ylim(1e-12, 1e2)
        for ax in axs[1]:
            ax.set_xlabel("F evaluations")
        for ax in axs[:, 0]:
            ax.set_ylabel(r"natural residual $\|z - P_C(z - Fz)\|$")
        h, lab = axs[0, 0].get_legend_handles_labels()
        fig.legend(h, lab, loc="outside lower center", ncol=4, fontsize=8)
        fig.suptitle(r"Residual vs F evaluations ($\gamma = 1/L$, projection, $z_0=(1, 0.5)$; Forsaken, GlobalForsaken: "
                     r"notebook starts, stop at $10^{-3}$)", fontsize=10)
        paths += savefig(fig, outdir, "convergence")

        # trajectories over the vector field -F
        fig, axs = figure(1, 2, size=(9.0, 4.4))
        for ax, (op, title) in zip(axs, [probs[0], probs[3]]):
            L = _lipschitz(op)
            lo, hi = float(op.constraint.lo.min()), float(op.constraint.hi.max())
            g = np.linspace(lo, hi, 25 if quick else 40)
            X, Y = np.meshgrid(g, g)
            F = np.asarray(op.F(np.stack([X.ravel(), Y.ravel()], axis=1)), float)
            U, V = -F[:, 0].reshape(X.shape), -F[:, 1].reshape(X.shape)
            ax.streamplot(X, Y, U, V, color="0.75", density=0.9, linewidth=0.6, arrowsize=0.7)
            traj_budget = 300 if quick else 1500
            for name, params, label in METHODS:
                if name in ("eg+", "app"):
                    continue
                mon = {"x": lambda z, idx: np.asarray(z)[:, 0], "y": lambda z, idx: np.asarray(z)[:, 1]}
                r = _run(op, name, params, traj_budget, L, monitors=mon)
                xs = np.asarray(r.history.monitors["x"], float).ravel()
                ys = np.asarray(r.history.monitors["y"], float).ravel()
                ok = np.isfinite(xs) & np.isfinite(ys)
                ax.plot(xs[ok], ys[ok], color=METHOD_COLORS[name], lw=0.9, marker=".", ms=2, label=label)
            ax.plot(*_start(op)[0], "ko", ms=5, label=r"$z_0$")
            zs = op.solution
            if zs is not None:
                ax.plot(*np.asarray(zs, float), "k*", ms=10, label=r"$z^*$")
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            ax.set_aspect("equal")
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
            ax.set_xlabel("$x$")
            ax.set_ylabel("$y$")
            ax.set_title(title + r": iterates over the field $-F$", fontsize=9)
        h, lab = axs[0].get_legend_handles_labels()
        fig.legend(h, lab, loc="outside right center", fontsize=7)
        paths += savefig(fig, outdir, "trajectories")
    return paths
