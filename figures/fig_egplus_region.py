"""EG+ at gamma = 1/L on LowerBoundGame(rho = -c/L, L) in (c, alpha): spectral radius with the boundary
of the registered theorem ``eg+.lower_bound_game`` (2c + alpha = 1, R15)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monoverify.theory.phase import phase_diagram

from .style import draw_boundaries, figure, phase_mesh, savefig, style


def make(outdir, quick: bool = False) -> list[Path]:
    n = 41 if quick else 201
    c = np.linspace(0.0, 1.0, n)
    alpha = np.linspace(0.01, 1.0, n)
    res = phase_diagram("eg+", {"rhoL": -c, "alpha": alpha}, fixed={"gammaL": 1.0}, progress=False)
    with style():
        fig, ax = figure(size=(4.8, 3.6))
        phase_mesh(ax, c, alpha, res.values, vmax=2.0)
        draw_boundaries(ax, res.boundaries(), xmap=lambda x: -x)  # registered condition + §5.2 constants
        ax.set_ylim(alpha[0], alpha[-1])
        ax.set_xlabel(r"$c = -\rho L$")
        ax.set_ylabel(r"$\alpha$")
        ax.set_title(r"EG+ on LowerBoundGame, $\gamma = 1/L$")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
        return savefig(fig, outdir, "egplus_region")
