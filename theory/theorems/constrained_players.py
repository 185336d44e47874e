"""Registry entries of issue 14 (the whole paper), part 1: constrained/regularised CEG+ and
LA-CEG+, LA-EG+, cycling bases, alternating players."""

from __future__ import annotations

from .core import *  # noqa: F401,F403  (symbols, Theorem, register, shorthands)
from .core import _tau_R9  # noqa: F401

# ==========================================================================================
# The whole paper (issue 14): constrained/regularised, LA-EG+/LA-CEG+, cycling bases,
# stochastic RAPP, the conic range, R15/R24/R26/R33/R34, alternating players.
# ==========================================================================================
_mu = lam * theta                            # R10: RAPP is inexact KM on N with step lam*theta

register(Theorem(
    id="ceg+.constrained_best_iterate",
    title="CEG+ with A != 0: min_{k<K} ||H zb^k - H z^k||^2 <= D0/(alpha(1 + 2 rho/gamma - alpha) K), H = id - gamma F",
    source="PLPFC22 (CEG+, constrained weak-MVI problems, best-iterate O(1/k) on ||H zb - H z||^2: related); "
           "constant: derived one-step inequality (R25, see note)",
    provenance="derived",
    method="ceg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(2 * rho + gamma * (1 - alpha) > 0, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1),
    unneeded={"alpha <= 1": ("the one-step inequality ||z+ - z*||^2 <= ||z - z*||^2 - alpha(1 + 2 rho/gamma - "
                             "alpha)||d||^2 uses alpha > 0 and alpha(1 + 2 rho/gamma - alpha) > 0, i.e. gamma(1 - "
                             "alpha) + 2 rho > 0, never alpha <= 1")},
    bound=D0 / (alpha * (1 + 2 * rho / gamma - alpha) * K), metric="ceg_step_sq", iterate="best",
    family=("constrained",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (200,)},
    rate="O(1/K)",
    note="weak MVI of T = F + A at z*: d = H zb - H z = -gamma v with v in T zb, so <d, z - z*> <= <d, z - zb> - "
         "(rho/gamma)||d||^2 and <d, z - zb> <= -||d||^2/2 (gamma L <= 1); hence ||z+ - z*||^2 <= ||z - z*||^2 - "
         "alpha(1 + 2 rho/gamma - alpha)||d||^2. Battery: balls and an L1 regulariser (A != 0), z0 outside the ball",
))

register(Theorem(
    id="la-ceg+.constrained",
    title="LA-CEG+ with A != 0: min_{k<K} ||S z^k - z^k||^2 <= D0/(lam(1-lam)K), S = CEG+^tau quasi-nonexpansive",
    source="PXC23 abstract (paper: Lookahead 'inherits the properties of the base optimizer'; LA-CEG+ in §8); "
           "statement reconstructed; R18 = CEG+ one-step inequality (ceg+.constrained_best_iterate) + R16",
    provenance="derived",
    method="la-ceg+", method_params={"gamma": gamma, "alpha": alpha, "lam": lam, "tau": tau},
    hypotheses=sp.And(2 * rho + gamma * (1 - alpha) >= 0, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1,
                      lam > 0, lam < 1),
    unneeded={"alpha <= 1": ("each CEG+ step is quasi-nonexpansive when alpha(1 + 2 rho/gamma - alpha) >= 0 (the "
                             "one-step inequality of ceg+.constrained_best_iterate), i.e. gamma(1 - alpha) + 2 rho "
                             ">= 0 with alpha > 0; alpha <= 1 is not used")},
    bound=D0 / (lam * (1 - lam) * K), metric="fixed_point_residual_sq", iterate="best",
    family=("constrained",),
    grid={"c": (0.0, 0.2, 0.45), "t": (0.5, 1.0), "alpha": (0.1, 0.5), "lam": LAM_GRID, "tau": (1, 2, 4), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="la-eg+.cohypomonotone",
    title="LA-EG+: min_{k<K} ||S z^k - z^k||^2 <= D0/(lam(1-lam)K) for rho >= -gamma(1-alpha)/2, gamma L <= 1",
    source="PXC23 abstract (paper: Lookahead 'inherits the properties of the base optimizer', expanding the "
           "cohypomonotone range); statement reconstructed; R18 = R14 (EG+ quasi-nonexpansive) + R16",
    provenance="derived",
    method="la-eg+", method_params={"gamma": gamma, "alpha": alpha, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho >= -gamma * (1 - alpha) / 2, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1,
                      lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * K), metric="fixed_point_residual_sq", iterate="best",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.5), "lam": LAM_GRID,
          "tau": (1, 2, 4), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="lookahead.cycling_base",
    title="Lookahead over a base that cycles: EG on bilinear games (gamma L = 1: a rotation) - the outer loop "
          "converges, ||S z^K - z^K||^2 <= D0/(lam(1-lam)(K+1))",
    source="PXC23 Remark 7.4 (paper: even if the base optimizer does not converge, 'the outer loop converges'); "
           "bound: R16 (KM on the nonexpansive S = EG^tau)",
    provenance="paper",
    method="la-eg", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(sp.Eq(rho, 0), gamma * L <= 1, gamma > 0, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * (K + 1)), metric="fixed_point_residual_sq", iterate="last",
    family=("bilinear",), normal_only=True,
    grid={"t": (0.5, 0.9, 1.0), "lam": LAM_GRID, "tau": (1, 2, 3), "K": (200,)}, rate="O(1/K)",
    note="class: normal monotone linear maps (bilinear games included). EG's iteration matrix 1 - u + u^2 is then "
         "normal with |m| <= 1 on {|u| <= 1, Re u >= 0} (on a bilinear game |m|^2 = 1 - s^2 + s^4, s = gamma sigma_j), "
         "so S is nonexpansive; at gamma L = 1 the top block is a rotation by pi/2 (|m| = 1: EG cycles). For "
         "non-normal monotone maps only the best-iterate bound of la-eg.monotone applies",
))

register(Theorem(
    id="alt-gda.bilinear_bounded",
    title="Alternating GDA on bilinear games: spectral radius 1 (bounded, cycling iterates) for gamma L < 2",
    source="Bailey, Gidel & Piliouras 2020 'Finite regret and cycles with fixed step-size via alternating gradient "
           "descent-ascent' (bounded cycling iterates, related); Gidel et al. 2019 'Negative momentum for improved game "
           "dynamics' (alternating updates on bilinear games, related); multiplier derived: per singular value s of A "
           "the block [[1, -g s], [g s, 1 - g^2 s^2]] has det 1, trace 2 - g^2 s^2, eigenvalues e^{+-i theta}, "
           "cos theta = 1 - g^2 s^2/2, on the unit circle iff g s <= 2",
    provenance="related",
    method="alt-gda", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0, gamma * L < 2), kind="property", bound=sp.Integer(1), metric="spectral_radius",
    iterate="n/a", family=("bilinear_players",), grid={"t": (0.1, 0.5, 1.0, 1.5, 1.9, 1.99)},
    note="the radius is exactly 1 (determinant 1, complex pair): the iterates neither converge nor diverge; at "
         "gamma L = 2 a Jordan block at -1 grows linearly, beyond it a real eigenvalue > 1 diverges",
))

_theta_alt = sp.acos(1 - gamma ** 2 * L ** 2 / 2)
register(Theorem(
    id="la-alt-gda.bilinear",
    title="Lookahead over alternating GDA on bilinear games, gamma L < 2: converges iff lam < 1 and "
          "cos(tau theta) < 1, cos theta = 1 - gamma^2 L^2/2",
    source="derived: q = e^{i tau theta} on the unit circle (alt-gda.bilinear_bounded), Lookahead threshold lemma "
           "(§5) lam* = 2(1 - Re q)/|1 - q|^2 = 1; spectral radius through the explicit iteration matrix",
    provenance="derived",
    method="la-alt-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, gamma * L < 2, lam > 0), kind="region",
    condition=sp.And(lam < 1, sp.cos(tau * _theta_alt) < 1), metric="spectral_radius", iterate="n/a",
    family=("bilinear_players",),
    grid={"t": (0.5, 1.0, 1.9), "tau": (1, 2, 3), "lam": tuple(np.round(np.linspace(0.05, 1.5, 30), 3))},
    note="Lookahead makes a base that only cycles converge (cf. Remark 7.4); other singular values of A give other "
         "q_j on the unit circle, still lam* = 1",
))
