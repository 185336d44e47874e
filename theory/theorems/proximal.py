"""Registry entries: resolvent, proximal point and RAPP (R1-R9)."""

from __future__ import annotations

from .core import *  # noqa: F401,F403  (symbols, Theorem, register, shorthands)
from .core import _tau_R9  # noqa: F401

# ------------------------------------------------------------------------------------------
# resolvent and proximal point
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="resolvent.conic_averaged",
    title="J_{gamma T} is conically theta-averaged, theta = gamma/(2(gamma+rho))",
    source="R2; BMW21 (conic averagedness), scaling derived",
    provenance="derived",
    statement="BMW21: A maximally rho'-comonotone, rho' > -1 => J_A conically 1/(2(1+rho'))-averaged",
    statement_provenance="related",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": 1 / theta},
    hypotheses=sp.And(rho > -gamma, L > 0),
    kind="property", bound=sp.Integer(1), metric="iteration_matrix_norm", iterate="n/a",
    family=("random_nonnormal",),
    grid={"c": (-0.5, 0.0, 0.3, 0.6, 0.9, 0.99), "t": (0.5, 1.0, 2.0), "L": (1.0,)},
    note="N = (J - (1-theta) I)/theta is the relaxed resolvent with lam = 1/theta; its norm is <= 1",
))

register(Theorem(
    id="relaxed-pp.region",
    title="relaxed PP converges iff 0 < lam < 2(1 + rho/gamma) (sharp on LowerBoundGame)",
    source="R3", provenance="derived",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": lam},
    hypotheses=sp.And(rho > -gamma, lam > 0),
    unneeded={"rho > -gamma": ("on LowerBoundGame (the theorem's family) relaxed PP multiplies the eigenvector of u = "
                               "t(-c + i s), s^2 = 1 - c^2, by m = 1 - lam u/(1 + u), and |m|^2 - 1 = lam t(lam t - "
                               "2(t - c))/(1 - 2ct + t^2) for every c in [-1, 1], t > 0 (checked symbolically in "
                               "tests/test_mutants.py): lam < 2(1 + rho/gamma) = 2(1 - c/t) is |m| < 1 for c >= t "
                               "too. rho > -gamma keeps J_{gamma T} single-valued for every rho-comonotone T; on "
                               "this family the resolvent exists everywhere but at c = t = 1 (1 + u = 0)")},
    kind="region", condition=lam < 2 * (1 + rho / gamma), metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": (0.0, 0.3, 0.6, 0.85), "t": (0.9, 1.0, 2.0), "lam": tuple(np.round(np.linspace(0.1, 2.0, 20), 3))},
))

register(Theorem(
    id="relaxed-pp.last_iterate",
    title="relaxed PP: ||z^K - J z^K||^2 <= D0/(lam(1-lam)(K+1)), no rho in the constant",
    source="R4(a) (KM bound on the averaged resolvent)", provenance="derived",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": lam},
    hypotheses=sp.And(rho > -gamma / 2, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * (K + 1)), metric="resolvent_residual_sq", iterate="last",
    grid={"c": C_GRID, "t": (0.5, 1.0, 2.0), "lam": LAM_GRID, "K": (200,)}, rate="O(1/K)",
    pep={"lipschitz": False,
         "cells": ({"c": 0.3, "t": 1.0, "lam": 0.5}, {"c": 0.45, "t": 1.0, "lam": 0.9}), "Ks": (1, 2, 4)}
))

register(Theorem(
    id="relaxed-pp.conic_last_iterate",
    title="relaxed PP, conic range rho > -gamma: ||z^K - J z^K||^2 <= theta D0/(lam(1 - lam theta)(K+1))",
    source="R4(b)", provenance="derived",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": lam},
    hypotheses=sp.And(rho > -gamma, lam > 0, lam * theta < 1),
    bound=theta * D0 / (lam * (1 - lam * theta) * (K + 1)), metric="resolvent_residual_sq", iterate="last",
    grid={"c": (0.0, 0.3, 0.6, 0.9), "t": (1.0,), "lam": (0.1, 0.5, 0.9, 1.2), "K": (200,)}, rate="O(1/K)",
))

register(Theorem(
    id="pp.last_iterate",
    title="PP: ||F z^N||^2 <= D0/(gamma(gamma + 2 rho) N)",
    source="R5; PXC23 Remark 6.3 (factor unimprovable, GTHG23 Thm. 3.2)", provenance="derived",
    method="pp", method_params={"gamma": gamma},
    hypotheses=sp.And(rho > -gamma / 2),
    bound=D0 / (gamma * (gamma + 2 * rho) * K), metric="operator_sq", iterate="last",
    grid={"c": C_GRID, "t": (1.0, 2.0, 4.0), "K": (200,)}, rate="O(1/K)",
    pep={"lipschitz": False,
         "cells": ({"c": 0.2, "t": 1.0}, {"c": 0.45, "t": 1.0}, {"c": 0.5, "t": 2.0}), "Ks": (1, 2, 4)}
))

register(Theorem(
    id="pp.bilinear",
    title="PP converges on every bilinear game for every gamma > 0 (modulus 1/sqrt(1+t^2))",
    source="R21", provenance="derived",
    method="pp", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0), kind="region", condition=sp.true, metric="spectral_radius", iterate="n/a",
    family=("bilinear",), grid={"t": (0.01, 0.1, 0.5, 1.0, 3.0, 10.0)},
))

# ------------------------------------------------------------------------------------------
# RAPP
# ------------------------------------------------------------------------------------------

register(Theorem(
    id="rapp.last_iterate",
    title="RAPP: last-iterate O(1/K) on ||z^K - J z^K||^2 with tau = O(log K), rho > -1/(2L)",
    source="R9 derived substitute via R7(c) (for PXC23 Cor. 6.4, statement reconstructed)",
    provenance="derived",
    statement="PXC23 Cor. 6.4: rho > -1/(2L), gamma in (max(-2 rho, 0), 1/L), lam in (0, 1), bounded diameter D, "
              "tau = O(log K / log(1/(gamma L))) => ||z^K - J z^K||^2 = O(1/K) with O(K log K) calls",
    statement_provenance="reconstruction",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / (2 * L), gamma > -2 * rho, gamma > 0, gamma * L < 1, lam > 0, lam < 1),
    bound=2 * (D0 + 2 * lam * D * c0 / sp.sqrt(K) + lam ** 2 * c0 ** 2 / K ** 2) / (lam * (1 - lam) * K)
    + 8 * lam ** 2 * c0 ** 2 / K,
    metric="resolvent_residual_sq", iterate="last", check_at="final",
    derived={"tau": _tau_R9, "D": 2 * sp.sqrt(D0), "c0": sp.Integer(1)}, iterate_bound=D,
    grid={"c": (0.1, 0.3, 0.45, 0.49), "t": (0.5, 0.8, 0.95, 0.99), "lam": (0.3, 0.5), "K": (10, 100, 1000)},
    rate="O(1/K)",
    note="tau = ceil(log(2 D K^{3/2}/c0)/log(1/(gamma L))), D = 2 sqrt(D0) bounds ||z^k - z*|| (checked), c0 = 1",
))

register(Theorem(
    id="rapp.conic",
    title="RAPP for rho > -1/L via conic nonexpansiveness: lam in (0, 2(1 + rho/gamma)) with large tau",
    source="PXC23 v4 footnote (statement reconstructed); R10 mechanism (inexact KM on N)",
    provenance="reconstruction",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / L, gamma > -rho, gamma * L < 1, lam > 0, lam * theta < 1),
    bound=theta * D0 / (lam * (1 - lam * theta) * (K + 1)),
    metric="resolvent_residual_sq", iterate="last",
    derived={"tau": sp.Integer(200)},
    grid={"c": (0.3, 0.6, 0.8, 0.95), "t": (0.9, 0.97), "lam": (0.3, 0.6, 0.9), "K": (200,)}, rate="O(1/K)",
    note="exact-resolvent KM bound R4(b); tau = 200 makes the inexactness (gamma L)^200 negligible",
))
