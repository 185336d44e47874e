"""LA-GDA on the bilinear game xy in (gamma L, lambda), tau = 2, 3, 5, 8, with the exact boundary (R23)
derived from the registered theorem ``la-gda.bilinear``:

lambda*(t) = 2(1 - Re q)/|1 - q|^2 with q = (1 - i t)^tau, t = gamma L (only where Re q < 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monoverify.theory.phase import phase_diagram

from .style import draw_boundaries, figure, phase_mesh, savefig, style

TAUS = (2, 3, 5, 8)


def make(outdir, quick: bool = False) -> list[Path]:
    n = 41 if quick else 181
    t = np.linspace(0.01, 1.5, n)
    lam = np.linspace(0.005, 1.0, n)
    with style():
        fig, axs = figure(2, 2, size=(7.6, 6.0), sharex=True, sharey=True)
        for k, (ax, tau) in enumerate(zip(axs.flat, TAUS)):
            res = phase_diagram("la-gda", {"gammaL": t, "lam": lam}, fixed={"tau": tau}, family="bilinear",
                                progress=False)
            phase_mesh(ax, t, lam, res.values, vmax=1.5, colorbar=(k % 2 == 1))
            draw_boundaries(ax, res.boundaries(), vline_labels=False)  # from the registered la-gda.bilinear
            ax.set_ylim(lam[0], lam[-1])
            ax.set_title(rf"LA-GDA, $\tau={tau}$, $q=(1-it)^\tau$")
            if k >= 2:
                ax.set_xlabel(r"$t = \gamma L$")
            if k % 2 == 0:
                ax.set_ylabel(r"$\lambda$")
            ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
        return savefig(fig, outdir, "lagda_bilinear")
