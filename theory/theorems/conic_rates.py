"""Registry entries of issue 14 (the whole paper), part 2: the conic RAPP range (R10), R15/R24/R26/R33/R34
EG+ results, the stochastic inner loop and Forsaken."""

from __future__ import annotations

from .core import *  # noqa: F401,F403  (symbols, Theorem, register, shorthands)
from .core import _tau_R9  # noqa: F401

_mu = lam * theta                            # R10: RAPP is inexact KM on N with step lam*theta

register(Theorem(
    id="rapp-conic.inexact",
    title="RAPP for rho > -1/L with the inexactness terms: ||z^K - J z^K||^2 <= theta^2 [2(D0 + 2 mu D c0/sqrt(K) "
          "+ mu^2 c0^2/K^2)/(mu(1-mu)K) + 8 mu^2 c0^2/K], mu = lam theta",
    source="PXC23 v4 footnote (paper: the range 'can be extended to rho > -1/L' by conic nonexpansiveness); "
           "R10 mechanism + R7(c) on N with errors e/theta, ||e^k|| <= (gamma L)^tau ||z^k - J z^k|| (R8)",
    provenance="derived",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / L, gamma > -rho, gamma * L < 1, lam > 0, _mu < 1),
    bound=theta ** 2 * (2 * (D0 + 2 * _mu * D * c0 / sp.sqrt(K) + _mu ** 2 * c0 ** 2 / K ** 2) / (_mu * (1 - _mu) * K)
                        + 8 * _mu ** 2 * c0 ** 2 / K),
    metric="resolvent_residual_sq", iterate="last", check_at="final",
    derived={"tau": _tau_R9, "D": 2 * sp.sqrt(D0), "c0": sp.Integer(1)}, iterate_bound=D,
    grid={"c": (0.3, 0.6, 0.8, 0.95), "t": (0.9, 0.97), "lam": (0.3, 0.6, 0.9), "K": (10, 100, 200)},
    rate="O(1/K)",
    note="replaces the '(gamma L)^200 negligible' of rapp.conic: tau = ceil(log(2 D K^{3/2}/c0)/log(1/(gamma L))) makes "
         "||e^k||/theta <= 2 D (gamma L)^tau <= c0 K^{-3/2}; D = 2 sqrt(D0) bounds ||z^k - z*|| (checked)",
))

_u10 = gamma * (rho * L ** 2 + sp.I * L * sp.sqrt(1 - rho ** 2 * L ** 2))
_q10 = (1 - (-_u10) ** (tau + 1)) / (1 + _u10)
_LEMMA = ("RAPP multiplies the eigenvector of u = gamma mu by m = 1 - lam(1 - q), q = sum_{j<=tau} (-u)^j the "
        "inner loop's multiplier, and |m|^2 - 1 = lam(lam |1 - q|^2 - 2 Re(1 - q)) for every complex q (§5, "
        "Lookahead threshold lemma; checked symbolically in tests/test_mutants.py): the condition is |m| < 1 for "
        "every u, using no sign of c, no rho > -gamma and no gamma L < 1 (the closed form of q is 0/0 at u = -1, "
        "c = t = 1, only)")
register(Theorem(
    id="rapp-conic.lambda_star",
    title="RAPP on LowerBoundGame: converges iff Re q < 1 and lam < lam*(tau) = 2(1 - Re q)/|1 - q|^2, "
          "q = sum_{j<=tau} (-u)^j (R10: lam* = none, 1.212074, 0.443254, 0.611256, 0.666667 at rho=-0.6, gamma=0.9)",
    source="R10 (values computed there) and §5 (RAPP multiplier, Lookahead threshold lemma)",
    provenance="derived",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -gamma, gamma * L < 1, lam > 0, rho <= 0, rho * L >= -1), kind="region",
    unneeded={"rho <= 0": _LEMMA, "rho > -gamma": _LEMMA, "L*gamma < 1": _LEMMA},
    condition=sp.And(sp.re(_q10) < 1, lam < 2 * (1 - sp.re(_q10)) / sp.Abs(1 - _q10) ** 2),
    metric="spectral_radius", iterate="n/a", family=("lower_bound",),
    # tau order: --quick keeps the first, middle and last values (2, 5, 10); tau = 30 runs in the full battery
    grid={"c": (0.3, 0.6, 0.8), "t": (0.9,), "tau": (2, 30, 5, 10),
          "lam": tuple(np.round(np.linspace(0.05, 1.5, 30), 3))},
    note="tau = 200 (lam* = 0.666667 = 2(1 + rho/gamma), the exact-resolvent limit) is checked in the tests through "
         "theory.spectral.critical; the battery stops at tau = 30 to keep the confirming runs short",
))

_tt, _cc = gamma * L, -rho * L
register(Theorem(
    id="eg+.lower_bound_game_general_t",
    title="EG+ on LowerBoundGame, any gamma: converges iff alpha t (t^2 + 2ct + 1) < 2(t(1 - 2c^2) - c), t = gamma L",
    source="R15 (derived: |m|^2 - 1 = alpha t(alpha t^3 + 2 alpha c t^2 + alpha t + 4c^2 t + 2c - 2t)); "
           "t = 1 is PLPFC22 Thm. 3.4 (related)",
    provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(gamma > 0, alpha > 0, alpha <= 1, rho <= 0, rho * L >= -1), kind="region",
    unneeded={"rho <= 0": ("the identity |1 - alpha u + alpha u^2|^2 - 1 = alpha t(alpha t^3 + 2 alpha c t^2 + alpha"
                           " t + 4c^2 t + 2c - 2t), u = t(-c + i sqrt(1 - c^2)), holds for every c in [-1, 1] ("
                           "R15; checked symbolically in tests/test_mutants.py); with alpha t > 0 the condition is "
                           "|multiplier| < 1 for every c in [-1, 1]")},
    condition=alpha * _tt * (_tt ** 2 + 2 * _cc * _tt + 1) < 2 * (_tt * (1 - 2 * _cc ** 2) - _cc),
    metric="spectral_radius", iterate="n/a", family=("lower_bound",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6), "t": (0.3, 0.6, 1.0, 1.3, 1.7), "alpha": (0.1, 0.25, 0.5, 0.75, 1.0)},
))

register(Theorem(
    id="eg+.lower_bound_game_radius",
    title="EG+ at gamma = 1/L on LowerBoundGame: spectral radius r, r^2 = 1 - 2 alpha (1 + c)(1 - 2c - alpha)",
    source="R15 (derived closed form; values r = 1.105542, 0.971825 at c = 1/3, alpha = 1/2, 1/4; "
           "1.000000, 0.847791 at c = 1/8, alpha = 3/4, 1/2)",
    provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), alpha > 0, alpha <= 1, rho <= 0, rho * L >= -1), kind="property",
    unneeded={"rho <= 0": ("at t = 1 the identity |1 - alpha u + alpha u^2|^2 - 1 = alpha t(alpha t^3 + 2 alpha c "
                           "t^2 + alpha t + 4c^2 t + 2c - 2t), u = t(-c + i sqrt(1 - c^2)), holds for every c in "
                           "[-1, 1] (R15; checked symbolically in tests/test_mutants.py) gives r^2 = 1 - 2 "
                           "alpha(1 + c)(1 - 2c - alpha); no sign of c is used")},
    bound=sp.sqrt(1 - 2 * alpha * (1 + _cc) * (1 - 2 * _cc - alpha)), metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": (0.0, 0.125, 1 / 3, 0.45, 0.6), "t": (1.0,), "alpha": (0.25, 0.5, 0.75, 1.0)},
    note="an equality; the checker verifies radius <= r (any smaller r is caught), the tests the equality",
))

register(Theorem(
    id="eg+.best_iterate_extrapolated",
    title="EG+: min_{k<K} ||F zb^k||^2 <= D0/(alpha gamma (2 rho + gamma(1 - alpha)) K), valid at gamma = 1/L",
    source="R14 (one-step inequality, derived)", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(2 * rho + gamma * (1 - alpha) > 0, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1),
    bound=D0 / (alpha * gamma * (2 * rho + gamma * (1 - alpha)) * K), metric="extrapolated_operator_sq",
    iterate="best", family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.4, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="eg+.ddj21",
    title="EG+ of DDJ21 (a = 1/(2L), beta = 1/2: gamma = 1/L, alpha = 1/2), weak MVI rho > -1/(8L): "
          "min_{k<K} ||F zb^k||^2 <= 4 L^2 D0/((1 + 4 rho L) K)",
    source="DDJ21 (EG+, weak MVI rho_D in [0, 1/(4L)), O(1/sqrt(k)) on ||F||, related); constant reconstructed "
           "from R14 at gamma = 1/L, alpha = 1/2", provenance="reconstruction",
    method="eg+", method_params={"gamma": 1 / L, "alpha": sp.Rational(1, 2)},
    hypotheses=sp.And(rho > -1 / (8 * L), L > 0),
    unneeded={"rho > -1/(8*L)": ("the bound is R14's D0/(alpha gamma (2 rho + gamma(1 - alpha)) K) at gamma = 1/L, "
                                 "alpha = 1/2 (the registered eg+.best_iterate_extrapolated, derived; the equality is "
                                 "checked symbolically in tests/test_mutants.py), whose one-step inequality needs "
                                 "2 rho + gamma(1 - alpha) > 0, i.e. rho > -1/(4L): DDJ21's rho > -1/(8L) is not "
                                 "used. Past -1/(4L) the bound is negative and the variant is wrong")},
    bound=4 * L ** 2 * D0 / ((1 + 4 * rho * L) * K), metric="extrapolated_operator_sq", iterate="best",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.05, 0.1, 0.12, 0.124), "L": (1.0, 3.0), "K": (200,)}, rate="O(1/K)",
))

register(Theorem(
    id="eg+.worst_case_gamma_one_over_L",
    title="EG+ at gamma = 1/L, rho >= -gamma(1-alpha)/2: ||F z^K||^2 <= L^2 D0 for every K, attained by F = L(z - z*)",
    source="R34 (derived: quasi-nonexpansive and ||F z|| <= L||z - z*||; F = L(z - z*) stalls at zb = z*)",
    provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), rho >= -gamma * (1 - alpha) / 2, alpha > 0, alpha <= 1),
    bound=L ** 2 * D0, metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "scaled_identity"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (1.0,), "alpha": (0.1, 0.25, 0.5, 0.9), "K": (50,)},
    pep={"metric": "operator", "N": K, "scale": 1, "lipschitz": True,
         "cells": ({"c": 0.1, "t": 1.0, "alpha": 0.5},), "Ks": (1, 2)},
))

_ADAPTIVE = ("the step's alpha_k = sigma/gamma + <zb - z, d>/||d||^2 is, on a rotation-scaling block, sigma/gamma + "
        "Re(1/(1 - u)) = sigma/gamma + (1 + ct)/(1 + 2ct + t^2), i.e. sigma L + 1/2 at t = 1 for every c in (-1, 1] "
        "(R26; the method does not clip alpha, so any sigma), and EG+'s |m|^2 - 1 = -2 alpha(1 + c)(1 - 2c - "
        "alpha) at t = 1 for every c in [-1, 1] (R15; both checked symbolically in tests/test_mutants.py): for "
        "alpha > 0, c > -1 the condition 2c + alpha < 1 is |m| < 1. alpha <= 1/2 (sigma <= 0) is PLPFC22's range "
        "and no sign of c is used")
register(Theorem(
    id="adaptive-eg+.rotation_scaling",
    title="AdaptiveEG+ at gamma = 1/L on LowerBoundGame is EG+ with alpha = sigma L + 1/2: converges iff 2c + alpha < 1",
    source="R26 (derived: alpha_k = sigma/gamma + Re(1/(1 - gamma mu)) constant); method of PLPFC22's code (related)",
    provenance="derived",
    method="adaptive-ceg+", method_params={"gamma": gamma, "sigma": (alpha - sp.Rational(1, 2)) * gamma},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), alpha > 0, alpha <= sp.Rational(1, 2), rho <= 0, rho * L >= -1),
    unneeded={"alpha <= 1/2": _ADAPTIVE, "rho <= 0": _ADAPTIVE},
    kind="region", condition=-2 * rho * L + alpha < 1, metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": tuple(np.round(np.linspace(0, 0.6, 13), 3)), "t": (1.0,), "alpha": (0.005, 0.1, 0.25, 0.5)},
    note="parametrised by the effective alpha = sigma/gamma + 1/2 (sigma in (-gamma/2, 0]); the code's sigma = "
         "-0.99 gamma/2 is alpha = 0.005 (converges iff c < 0.4975)",
))

register(Theorem(
    id="inner-loop.stochastic_floor",
    title="RAPP's inner loop with a stochastic oracle: E||w^K - J z||^2 <= (gamma L)^{2K} D0 + gamma^2 sigma^2/(1 - gamma^2 L^2)",
    source="PXC23 §5 (paper: the inner loop is a contraction, converging linearly also with stochastic feedback); "
           "constants R8 (derived; tight on rotation-scaling maps); R32's checkable part",
    provenance="derived",
    method="app", method_params={"gamma": gamma, "tau": K},
    hypotheses=sp.And(gamma > 0, gamma * L < 1, rho > -gamma, sigma > 0),
    unneeded={"rho > -gamma": ("w -> z - gamma F w is a (gamma L)-contraction for any L-Lipschitz F: J z is its "
                               "fixed point and E||w^{j+1} - J z||^2 <= (gamma L)^2 E||w^j - J z||^2 + gamma^2 "
                               "sigma^2 (zero-mean independent noise); no comonotonicity is used")},
    bound=(gamma * L) ** (2 * K) * D0 + gamma ** 2 * sigma ** 2 / (1 - gamma ** 2 * L ** 2), kind="property",
    metric="expected_inner_error_sq", iterate="last",
    grid={"c": (0.0, 0.3, 0.6), "t": (0.5, 0.9), "sigma": (0.1, 1.0), "K": (10,)},
    note="K = inner steps from w^0 = z, D0 = ||z - J_{gamma T} z||^2; expectation over seeded samples with the "
         "Laurent-Massart confidence statement of monoverify.theory.stochastic",
))

register(Theorem(
    id="rapp-constrained.natural_residual",
    title="RAPP with A != 0: ||z^K - P(z^K - gamma F z^K)||^2 <= (1 + gamma L)^2 x (R9 bound)",
    source="PXC23 abstract (paper: the construction 'extends to constrained and regularized settings'); "
           "bound: R9 derived substitute and ||z - P(z - gamma F z)|| <= (1 + gamma L)||z - J z|| (derived)",
    provenance="derived",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / (2 * L), gamma > -2 * rho, gamma > 0, gamma * L < 1, lam > 0, lam < 1),
    bound=(1 + gamma * L) ** 2 * (2 * (D0 + 2 * lam * D * c0 / sp.sqrt(K) + lam ** 2 * c0 ** 2 / K ** 2)
                                  / (lam * (1 - lam) * K) + 8 * lam ** 2 * c0 ** 2 / K),
    metric="natural_residual_sq", iterate="last", check_at="final",
    derived={"tau": _tau_R9, "D": 2 * sp.sqrt(D0), "c0": sp.Integer(1)}, iterate_bound=D,
    family=("constrained",),
    grid={"c": (0.0,), "t": (0.5, 0.9), "lam": (0.3, 0.5), "K": (10, 100, 400)}, rate="O(1/K)",
    note="w = J z satisfies w = P(z - gamma F w), so ||z - P(z - gamma F z)|| <= ||z - w|| + gamma L ||w - z||; the "
         "battery is monotone (c = 0: T = F + A maximally monotone), the resolvent analysis needs comonotone T",
))

register(Theorem(
    id="forsaken.rapp_vs_app",
    title="Forsaken from (0.2, 0.5), gamma = 1/L: RAPP converges where APP with the same step size does not "
          "(final natural residual ratio RAPP/APP <= 1e-3 after 3000 steps)",
    source="PXC23 Fig. 2 (paper: 'we can set the stepsize gamma larger than 1/L while RAPP remains stable', APP "
           "'with the same stepsize diverges'); settings: §8 item 25 (ours, from (0.2, 0.5))",
    provenance="paper",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    # an experiment at one setting, not a theorem over a region: the hypotheses pin that setting (a sampled
    # battery must not read "lam in (0, 1)" as a claim: near lam = 1 RAPP is APP)
    hypotheses=sp.And(sp.Eq(gamma * L, 1), sp.Eq(lam, sp.Rational(1, 2)), sp.Eq(tau, 5)), kind="property",
    bound=sp.Float(1e-3), metric="unrelaxed_residual_ratio", iterate="n/a", family=("forsaken",),
    grid={"t": (1.0,), "lam": (0.5,), "tau": (5,)}, derived={"K": sp.Integer(3000)},
    note="Forsaken lies outside every global theory (rho_box <= -0.4778 < -1/(2L)): this is the paper's experiment, "
         "not a theorem; the metric is ||z^K - P(z^K - F z^K)|| of RAPP over that of lam = 1 (APP). Not reproduced at "
         "gamma = 2/L (tau = 5) from this start: APP converges there too (residual 2.9e-16 after 2000 steps, RAPP "
         "3.9e-11); Fig. 2's settings are unknown (§9.7)",
))
