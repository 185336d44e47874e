"""Registry entries: EG+, CEG+, FEG and the bilinear EG region."""

from __future__ import annotations

from .core import *  # noqa: F401,F403  (symbols, Theorem, register, shorthands)
from .core import _tau_R9  # noqa: F401

# ------------------------------------------------------------------------------------------
# EG+ / CEG+ / FEG
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="eg+.best_iterate",
    title="EG+: min_{k<K} ||F z^k||^2 <= D0/(alpha gamma^2 (1 - gamma^2 L^2) K)",
    source="R14 (one-step inequality), cf. DDJ21 (R24)", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(rho >= -gamma * (1 - alpha) / 2, gamma * L < 1, gamma > 0, alpha > 0, alpha <= 1),
    bound=D0 / (alpha * gamma ** 2 * (1 - gamma ** 2 * L ** 2) * K), metric="operator_sq", iterate="best",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.05, 0.1, 0.2, 0.3, 0.4), "t": (0.3, 0.6, 0.9), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="eg+.quasi_nonexpansive",
    title="EG+ is quasi-nonexpansive: ||z^{k+1} - z*|| <= ||z^k - z*|| when rho >= -gamma(1-alpha)/2",
    source="R14", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(rho >= -gamma * (1 - alpha) / 2, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1),
    bound=sp.Integer(1), metric="distance_ratio", iterate="last",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (100,)},
))

register(Theorem(
    id="eg+.lower_bound_game",
    title="EG+ / CEG+ at gamma = 1/L on LowerBoundGame converges iff 2c + alpha < 1",
    source="PLPFC22 Thm. 3.4 (R15)", provenance="related",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), alpha > 0, alpha <= 1, rho <= 0, rho * L >= -1),
    unneeded={"rho <= 0": ("at t = 1 the identity |1 - alpha u + alpha u^2|^2 - 1 = alpha t(alpha t^3 + 2 alpha c "
                           "t^2 + alpha t + 4c^2 t + 2c - 2t), u = t(-c + i sqrt(1 - c^2)), holds for every c in "
                           "[-1, 1] (R15; checked symbolically in tests/test_mutants.py) gives |m|^2 - 1 = -2 "
                           "alpha(1 + c)(1 - 2c - alpha): for c in (-1, 1] and alpha > 0, |m| < 1 iff 2c + alpha < 1"
                           " (at c = -1, rho L = 1, it fails: |m| = 1)")},
    kind="region", condition=-2 * rho * L + alpha < 1, metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": tuple(np.round(np.linspace(0, 0.6, 13), 3)), "t": (1.0,), "alpha": (0.1, 0.25, 0.5, 0.75, 1.0)},
))

register(Theorem(
    id="eg.bilinear",
    title="EG+ on bilinear games converges iff alpha (1 + t^2) < 2 (EG: gamma L < 1)",
    source="R21", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(gamma > 0, alpha > 0, alpha <= 1),
    kind="region", condition=alpha * (1 + gamma ** 2 * L ** 2) < 2, metric="spectral_radius", iterate="n/a",
    family=("bilinear",), grid={"t": (0.3, 0.9, 1.1, 1.5, 2.0, 3.0), "alpha": (0.25, 0.5, 1.0)},
))

register(Theorem(
    id="feg.last_iterate",
    title="FEG: ||F z_k||^2 <= 4 D0/((1/L + 2 rho)^2 k^2) for rho > -1/(2L)",
    source="LK21 (method, related); form and constant 4: R27 reconstruction", provenance="reconstruction",
    method="feg", method_params={"L": L, "rho": rho},
    hypotheses=sp.And(rho > -1 / (2 * L), L > 0),
    bound=4 * D0 / ((1 / L + 2 * rho) ** 2 * K ** 2), metric="operator_sq", iterate="last",
    grid={"c": (0.0, 0.1, 0.3, 0.45, 0.49), "K": (300,)}, rate="O(1/K^2)",
    pep={"lipschitz": True,
         "cells": ({"c": 0.0}, {"c": 0.3}, {"c": 0.45}), "Ks": (1, 2, 4)}
))
