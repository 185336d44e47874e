"""Registry entries: Lookahead over GDA/EG, bilinear GDA/OGDA, cocoercive GDA."""

from __future__ import annotations

from .core import *  # noqa: F401,F403  (symbols, Theorem, register, shorthands)
from .core import _tau_R9  # noqa: F401

# ------------------------------------------------------------------------------------------
# Lookahead
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="la-gda.tau2.best_iterate",
    title="LA-GDA(tau=2): min_{k<K} ||F z^k||^2 <= D0/(lam gamma c_LA K), c_LA = 2rho + gamma(1-2lam) - (1-lam) gamma^3 L^2 > 0",
    source="R13 derived substitute (for PXC23's LA-GDA theorem)", provenance="derived",
    statement="PXC23: LA-GDA(tau=2) converges on cohypomonotone problems (existence [paper]; its hypotheses and "
              "constants are reconstructed)", statement_provenance="reconstruction",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(2 * rho + gamma * (1 - 2 * lam) - (1 - lam) * gamma ** 3 * L ** 2 > 0, lam > 0, lam <= 1, gamma > 0),
    bound=D0 / (lam * gamma * (2 * rho + gamma * (1 - 2 * lam) - (1 - lam) * gamma ** 3 * L ** 2) * K),
    metric="operator_sq", iterate="best", derived={"tau": sp.Integer(2)},
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.05, 0.1, 0.15, 0.19), "t": (0.3, 0.5, 0.577), "lam": (0.01, 0.05, 0.1, 0.3), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="lookahead.nonexpansive_last_iterate",
    title="Lookahead over a nonexpansive base S = Alg^tau: ||S z^K - z^K||^2 <= D0/(lam(1-lam)(K+1))",
    source="R16, R30 (cocoercive GDA); for PXC23 Thm. 7.3 / Remark 7.4",
    provenance="derived",
    statement="PXC23 Thm. 7.3: Lookahead converges when its base is quasi-nonexpansive, even if the base does not",
    statement_provenance="reconstruction",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * (K + 1)), metric="fixed_point_residual_sq", iterate="last",
    grid={"c": (-1.0, -0.5, -0.2), "t": (0.1, 0.4, 1.0, 2.0), "lam": LAM_GRID, "tau": (1, 2, 5), "K": (200,)},
    rate="O(1/K)", note="GDA with 0 < gamma <= 2 rho is nonexpansive (R30); c = -rho L < 0 is cocoercive",
    pep={"lipschitz": True,
         "cells": ({"c": -0.5, "t": 0.4, "lam": 0.5, "tau": 2},), "Ks": (1, 2, 4)}
))

register(Theorem(
    id="la-eg.monotone",
    title="LA-EG, monotone: min_{k<K} ||S z^k - z^k||^2 <= D0/(lam(1-lam)K), EG quasi-nonexpansive",
    source="R17 (R14 with alpha=1, rho=0, + R16); for PXC23 §7 (a proposal)",
    provenance="derived",
    statement="PXC23 §7: an extragradient-based Lookahead converges when only monotonicity and Lipschitz hold",
    statement_provenance="reconstruction",
    method="la-eg", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho >= 0, gamma * L <= 1, gamma > 0, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * K), metric="fixed_point_residual_sq", iterate="best",
    family=("lower_bound", "random", "bilinear"),
    grid={"c": (0.0,), "t": (0.5, 0.9, 1.0), "lam": LAM_GRID, "tau": (1, 2, 4), "K": (200,)}, rate="O(1/K)",
))

register(Theorem(
    id="la-eg.lower_bound_game",
    title="LA-EG(tau=1) at gamma = 1/L on LowerBoundGame converges iff lam < 1 - 2c",
    source="R19", provenance="derived",
    method="la-eg", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), lam > 0, rho <= 0, rho * L >= -1), derived={"tau": sp.Integer(1)},
    unneeded={"rho <= 0": ("LA-EG(tau=1) multiplies the eigenvector of u = gamma mu = t(-c + i s), s^2 = 1 - c^2, by "
                           "m = 1 - lam u + lam u^2 (EG+'s multiplier with alpha = lam), and at t = 1 |m|^2 - 1 = "
                           "-2 lam(1 + c)(1 - 2c - lam) for every c in [-1, 1] (R15's identity; checked "
                           "symbolically in tests/test_mutants.py): for c > -1 the condition lam < 1 - 2c is "
                           "|m| < 1, no sign of c is used; it fails only at c = -1, where |m| = 1")},
    kind="region", condition=lam < 1 + 2 * rho * L, metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6), "t": (1.0,), "lam": tuple(np.round(np.linspace(0.05, 1.0, 20), 3))},
))

_t, _c = gamma * L, -rho * L
register(Theorem(
    id="la-gda.lower_bound_game",
    title="LA-GDA(tau=2) on LowerBoundGame converges iff t(1-2c^2) > 2c and lam < 2(t(1-2c^2)-2c)/(t(t^2+4ct+4))",
    source="R20", provenance="derived",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, lam > 0, rho <= 0, rho * L >= -1), derived={"tau": sp.Integer(2)},
    unneeded={"rho <= 0": ("LA-GDA(tau=2) multiplies the eigenvector of u = t(-c + i s), s^2 = 1 - c^2, by m = 1 - "
                           "2 lam u + lam u^2, and |m|^2 - 1 = lam t[lam t(t^2 + 4ct + 4) - 2(t(1 - 2c^2) - 2c)] "
                           "for every c in [-1, 1] (checked symbolically in tests/test_mutants.py); t^2 + 4ct + 4 "
                           "= (t + 2c)^2 + 4(1 - c^2) > 0 for |c| < 1, so the condition is |m| < 1 with no sign "
                           "of c used")},
    kind="region",
    condition=sp.And(_t * (1 - 2 * _c ** 2) > 2 * _c, lam < 2 * (_t * (1 - 2 * _c ** 2) - 2 * _c) / (_t * (_t ** 2 + 4 * _c * _t + 4))),
    metric="spectral_radius", iterate="n/a", family=("lower_bound",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.36, 0.37, 0.45), "t": (0.5, 1.0), "lam": tuple(np.round(np.linspace(0.005, 0.5, 25), 4))},
))

register(Theorem(
    id="gda.bilinear",
    title="GDA diverges on every bilinear game for every gamma > 0 (modulus sqrt(1 + t^2))",
    source="R21", provenance="derived",
    method="gda", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0), kind="region", condition=sp.false, metric="spectral_radius", iterate="n/a",
    family=("bilinear",), grid={"t": (0.001, 0.01, 0.1, 1.0, 10.0)},
))

register(Theorem(
    id="gda.cocoercive",
    title="GDA is nonexpansive in the cocoercive regime: rho > 0, gamma <= 2 rho => ||I - gamma M||_2 <= 1",
    source="R30", provenance="derived",
    method="gda", method_params={"gamma": gamma},
    statement="PXC23 covers the cocoercive regime (whether the paper states it is unknown, R30)",
    statement_provenance="reconstruction",
    hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho), kind="property", bound=sp.Integer(1),
    metric="iteration_matrix_norm", iterate="n/a", family=("random_nonnormal",),
    grid={"c": (-1.0, -0.5, -0.1), "t": (0.05, 0.2, 1.0, 2.0), "L": (1.0,)},
))

register(Theorem(
    id="ogda.bilinear",
    title="OGDA converges on bilinear games iff gamma L < 1/sqrt(3)",
    source="R21", provenance="derived",
    method="ogda", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0), kind="region", condition=gamma * L < 1 / sp.sqrt(3), metric="spectral_radius",
    iterate="n/a", family=("bilinear",), grid={"t": (0.1, 0.3, 0.5, 0.57, 0.58, 0.6, 0.8)},
))

_q = (1 - sp.I * gamma * L) ** tau
register(Theorem(
    id="la-gda.bilinear",
    title="LA-GDA on the scalar bilinear game: q = (1 - i gamma L)^tau; converges iff Re q < 1 and lam < 2(1 - Re q)/|1 - q|^2",
    source="R22 (tau = 2: lam < 2/(4 + t^2)), R23", provenance="derived",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, lam > 0), kind="region",
    condition=sp.And(sp.re(_q) < 1, lam < 2 * (1 - sp.re(_q)) / sp.Abs(1 - _q) ** 2),
    metric="spectral_radius", iterate="n/a", family=("bilinear_scalar",),
    grid={"t": (0.25, 0.5, 1.0, 2.0), "tau": (2, 3, 5, 8), "lam": tuple(np.round(np.linspace(0.02, 1.0, 25), 3))},
    note="the scalar game f = L xy (F = L[[0, 1], [-1, 0]], R21-R23), whose one singular value is L. On a "
         "game with several singular values s_j every q_j = (1 - i gamma s_j)^tau must satisfy the condition: the "
         "blind battery found BilinearGame(3x4) at gamma L = 4.52, tau = 8 diverging (radius 1.0000276) where the "
         "condition at gamma L alone says it converges, so the statement is restricted to the scalar game",
))
