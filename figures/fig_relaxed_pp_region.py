"""Spectral radius of relaxed PP and RAPP (tau = 5, 20) on LowerBoundGame in (rho/gamma, lambda).

gamma L = 1/2 (so that RAPP's inner fixed-point loop contracts, (gamma L)^tau -> 0); the
closed-form boundary lambda = 2(1 + rho/gamma) (R3) is exact for relaxed PP and the tau -> infinity
limit of RAPP.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monoverify.theory.phase import phase_diagram

from monoverify.theory.phase.boundaries import theorem_boundaries
from monoverify.theory.theorems import get

from .style import WIDE, draw_boundaries, figure, phase_mesh, savefig, style

GAMMA_L = 0.5
REGION = get("relaxed-pp.region")


def make(outdir, quick: bool = False) -> list[Path]:
    n = 25 if quick else 161
    rhoL = np.linspace(-0.5, 0.5, n)          # rho/gamma in [-1, 1]
    lam = np.linspace(0.02, 4.0, n)
    panels = [("relaxed-pp", {}, "relaxed PP"), ("rapp", {"tau": 5}, r"RAPP $\tau=5$"),
              ("rapp", {"tau": 20}, r"RAPP $\tau=20$")]
    with style():
        fig, axs = figure(1, 3, size=(WIDE[0] * 1.15, WIDE[1]), sharey=True)
        for k, (ax, (name, extra, title)) in enumerate(zip(axs, panels)):
            res = phase_diagram(name, {"rhoL": rhoL, "lam": lam}, fixed={"gammaL": GAMMA_L, **extra}, progress=False)
            x = rhoL / GAMMA_L
            phase_mesh(ax, x, lam, res.values, vmax=2.0, colorbar=(k == 2))
            # the registered relaxed-pp.region condition (exact for relaxed PP, the tau -> infinity limit of RAPP)
            draw_boundaries(ax, theorem_boundaries(REGION, "rhoL", "lam", {"gammaL": GAMMA_L}, rhoL),
                            xmap=lambda v: v / GAMMA_L)
            ax.axvline(-0.5, color="0.3", ls=":", lw=1)  # rho = -gamma/2: the hypothesis of relaxed-pp.last_iterate
            ax.set_title(title + rf"  ($\gamma L={GAMMA_L}$)")
            ax.set_xlabel(r"$\rho/\gamma$")
            ax.set_ylim(lam[0], lam[-1])
        axs[0].set_ylabel(r"relaxation $\lambda$")
        axs[0].text(-0.48, 0.15, r"$\rho=-\gamma/2$", fontsize=7, va="bottom", color="0.2")
        axs[0].legend(loc="upper left", bbox_to_anchor=(0.0, 0.88), fontsize=7, framealpha=0.9)
        return savefig(fig, outdir, "relaxed_pp_region")
