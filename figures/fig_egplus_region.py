"""EG+ at gamma = 1/L on LowerBoundGame(rho = -c/L, L) in (c, alpha): spectral radius with 2c + alpha = 1 (R15)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monoverify.theory.phase import phase_diagram

from .style import figure, phase_mesh, savefig, style


def make(outdir, quick: bool = False) -> list[Path]:
    n = 41 if quick else 201
    c = np.linspace(0.0, 1.0, n)
    alpha = np.linspace(0.01, 1.0, n)
    res = phase_diagram("eg+", {"rhoL": -c, "alpha": alpha}, fixed={"gammaL": 1.0}, progress=False)
    with style():
        fig, ax = figure(size=(4.8, 3.6))
        phase_mesh(ax, c, alpha, res.values, vmax=2.0)
        ax.plot(c, 1 - 2 * c, color="gold", ls="--", lw=2.2, label=r"$2c+\alpha=1$")
        for v, lab in ((1 / 8, r"$c=1/8$ (DDJ21)"), (1 / 2, r"$c=1/2$")):
            ax.axvline(v, color="0.25", ls=":", lw=1)
            ax.text(v, 0.97, " " + lab, rotation=90, va="top", ha="right", fontsize=7, color="0.1",
                    transform=ax.get_xaxis_transform())
        ax.set_ylim(alpha[0], alpha[-1])
        ax.set_xlabel(r"$c = -\rho L$")
        ax.set_ylabel(r"$\alpha$")
        ax.set_title(r"EG+ on LowerBoundGame, $\gamma = 1/L$")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
        return savefig(fig, outdir, "egplus_region")
