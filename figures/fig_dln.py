"""Diagonal linear networks (issue 28): the flow limit against basis pursuit.

Left: distance of the depth-2 and depth-3 flow limits to the basis pursuit minimiser against the initialisation
``alpha`` (log-log) on a Gaussian ``20 x 40`` problem with a 3-sparse target, with the predicted slopes
``2 (1 - varrho)`` (depth 2; ``varrho`` from the certificate LP) and ``D`` (depth ``D >= 3``), registry entry
``dln.rate``. Right: the Donoho-Tanner picture, the fraction of random ``k``-sparse targets in ``R^40``
recovered (``||w - x|| <= 1e-3 ||x||``) by the depth-3 flow from ``alpha = 1e-3`` over measurements ``m`` and
sparsity ``k``, with the 50 % contour of basis pursuit itself (LP) on the same problems.

The flow limits are :func:`monoverify.operators.dln.flow_limit` (the minimiser of the flow's potential; checked
against the integrated flow by ``dln.potential``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monoverify.operators.basis_pursuit import basis_pursuit
from monoverify.operators.dln import flow_limit

from .style import COLORS, WIDE, figure, savefig, style

__all__ = ["make", "recovery"]


def recovery(ms, ks, n: int = 40, trials: int = 5, depth: int = 3, alpha: float = 1e-3, seed: int = 0,
             tol: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """``(DLN success fraction, basis pursuit success fraction)``, arrays of shape ``(len(ks), len(ms))``."""
    rng = np.random.default_rng(seed)
    dln = np.zeros((len(ks), len(ms)))
    bp = np.zeros_like(dln)
    for j, m in enumerate(ms):
        for i, k in enumerate(ks):
            if k > m:
                continue
            for _ in range(trials):
                A = rng.standard_normal((m, n)) / np.sqrt(m)
                x = np.zeros(n)
                x[rng.choice(n, k, replace=False)] = rng.standard_normal(k)
                b = A @ x
                w = flow_limit(A, b, depth, alpha)
                dln[i, j] += np.linalg.norm(w - x) <= tol * np.linalg.norm(x)
                bp[i, j] += np.linalg.norm(basis_pursuit(A, b).w - x) <= tol * np.linalg.norm(x)
    return dln / trials, bp / trials


def make(outdir, quick: bool = False) -> list[Path]:
    rng = np.random.default_rng(3)
    m, n, s = 20, 40, 3
    A = rng.standard_normal((m, n)) / np.sqrt(m)
    x = np.zeros(n)
    x[rng.choice(n, s, replace=False)] = rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 1.5, s)
    b = A @ x
    ref = basis_pursuit(A, b)
    curves = {}
    for D, last in ((2, 6 if quick else 10), (3, 3 if quick else 4)):
        al = 10.0 ** -np.linspace(1, last, 2 * last - 1)
        curves[D] = (al, np.asarray(ref.distance(flow_limit(A, b, D, al))))
    ms = np.arange(4, 41, 6 if quick else 2)
    ks = np.arange(1, 17, 3 if quick else 1)
    frac, frac_bp = recovery(ms, ks, n=n, trials=2 if quick else 8)
    with style():
        fig, (ax, ax2) = figure(1, 2, size=WIDE)
        for c, (D, (al, d)) in zip(COLORS, curves.items()):
            slope = 2 * (1 - ref.varrho) if D == 2 else D
            ax.loglog(al, d, "o-", color=c, ms=3, label=f"depth {D}")
            ax.loglog(al, d[-1] * (al / al[-1]) ** slope, "--", color=c, lw=1,
                      label=rf"slope {slope:.2f}" + (r" $= 2(1-\varrho)$" if D == 2 else r" $= D$"))
        ax.set_xlabel(r"initialisation $\alpha$")
        ax.set_ylabel(r"$\|w_\infty(\alpha) - w^\star\|_2$")
        ax.set_title(rf"{m}$\times${n} Gaussian, {s}-sparse, $\varrho = {ref.varrho:.2f}$")
        ax.legend(fontsize=7)
        im = ax2.pcolormesh(ms, ks, frac, shading="nearest", cmap="viridis", vmin=0, vmax=1)
        ax2.contour(ms, ks, frac_bp, levels=[0.5], colors="w", linewidths=1.2)
        fig.colorbar(im, ax=ax2, label="recovered fraction")
        ax2.set_xlabel(r"measurements $m$")
        ax2.set_ylabel(r"sparsity $k$")
        ax2.set_title(rf"depth-3 flow, $\alpha=10^{{-3}}$, $n={n}$ (white: basis pursuit 50%)")
        return savefig(fig, outdir, "dln")
