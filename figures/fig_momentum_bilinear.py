"""Heavy ball on the bilinear game xy in (gamma L, beta): simultaneous beside alternating updates.

Left: simultaneous heavy ball, radius >= 1 everywhere (registered ``hb.bilinear_simultaneous``: it never
converges, whatever the sign of the momentum). Right: alternating heavy ball, which converges exactly on
``-1 < beta < 0, gamma L < 2(1 + beta)`` (registered ``hb.bilinear_alternating``; its boundary
``beta = gamma L/2 - 1`` is drawn from the registry's condition): negative momentum makes alternating
updates converge (Gidel et al. 2019; exact conditions in Zhang and Yu 2020). Radii from the spectral
layer (two-state iteration matrices: ``(z, zprev)`` per eigenvalue, and the players' 4x4 blocks).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp

from monoverify.theory.phase import phase_diagram

from .style import figure, phase_mesh, savefig, style


def _registered_boundary(t: np.ndarray) -> np.ndarray:
    """``beta(t)`` on the conjunct of ``hb.bilinear_alternating``'s condition that involves ``gamma`` (``L = 1``)."""
    from monoverify.theory.theorems import SYMBOLS, THEOREMS

    th = THEOREMS["hb.bilinear_alternating"]
    g, L, b = SYMBOLS["gamma"], SYMBOLS["L"], SYMBOLS["beta"]
    part = next(p for p in sp.sympify(th.condition).args if g in p.free_symbols)
    sol = sp.solve(sp.Eq(part.lhs, part.rhs).subs(L, 1), b)[0]
    return np.asarray(sp.lambdify(g, sol, "numpy")(t), float) * np.ones_like(t)


def make(outdir, quick: bool = False) -> list[Path]:
    n = 41 if quick else 161
    t = np.linspace(0.01, 2.5, n)
    beta = np.linspace(-0.99, 0.6, n)
    with style():
        fig, axs = figure(1, 2, size=(7.6, 3.4), sharex=True, sharey=True)
        for k, (ax, name, title) in enumerate(zip(axs.flat, ("hb", "alt-hb"),
                                                  ("simultaneous heavy ball", "alternating heavy ball"))):
            res = phase_diagram(name, {"gammaL": t, "beta": beta}, family="bilinear", progress=False)
            phase_mesh(ax, t, beta, res.values, vmax=1.5, colorbar=(k == 1))
            if name == "alt-hb":
                bb = _registered_boundary(t)
                keep = (bb > -1) & (bb < 0)
                ax.plot(t[keep], bb[keep], "k--", lw=1.2, label=r"$\gamma L = 2(1+\beta)$ (registry)")
                ax.axhline(0.0, color="k", lw=0.8, ls=":", label=r"$\beta = 0$")
                ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
            ax.set_title(title + r" on $xy$")
            ax.set_xlabel(r"$t = \gamma L$")
            if k == 0:
                ax.set_ylabel(r"momentum $\beta$")
            ax.set_ylim(beta[0], beta[-1])
        return savefig(fig, outdir, "momentum_bilinear")
