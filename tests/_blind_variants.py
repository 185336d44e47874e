"""Variants of registered theorems that the mutation operators do not make, with their truth decided here.

Each entry is built with ``dataclasses.replace`` from a registered theorem and judged with
``check(variant, quick=...)`` exactly as a new theorem; its truth comes from mathematics, stated in
``why`` (closed forms of SPEC R5, R14, R15, R21-R23, R34, the KM bound, the dimensional argument: a
metric that scales as ``a^p s^q`` under ``z -> s z``, ``F -> a F`` against a bound that does not is
exceeded at some scale as soon as the metric is positive somewhere). ``truth``: ``wrong`` (must be
violated or a finding), ``true`` (must never be violated) or ``boundary`` (differs from the truth only
where the spectral radius is exactly 1: must be inconclusive, never holds or violated).

Used by ``tests/test_blind_judge.py`` (one per cause) and ``benchmarks/bench_blind.py`` (all of them).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import sympy as sp

from monoverify.theory import THEOREMS
from monoverify.theory.theorems import SYMBOLS as S

rho, L, gamma, lam, alpha, K, D0, sigma = (S[k] for k in ("rho", "L", "gamma", "lam", "alpha", "K", "D0", "sigma"))


def _v(tid: str, **changes) -> Callable:
    def build():
        th = THEOREMS[tid]
        return dataclasses.replace(th, id=f"{tid}~blind", **{k: (v(th) if callable(v) else v) for k, v in changes.items()})
    return build


def _hyp(old, new) -> Callable:
    def f(th):
        parts = th.hypotheses.args if isinstance(th.hypotheses, sp.And) else (th.hypotheses,)
        assert old in parts, (old, parts)
        return sp.And(*[new if p == old else p for p in parts])
    return f


VARIANTS = [
    # ---- scale: a bound that does not scale like its metric -----------------------------------
    ("pp sqrt(D0)", "scale", "wrong", _v("pp.last_iterate", bound=lambda th: th.bound.subs(D0, sp.sqrt(D0))),
     "||F z^N||^2 scales as a^2 s^2, sqrt(D0)/(gamma(gamma+2rho)N) as a^2 s: exceeded for ||z0 - z*|| large"),
    ("eg+ best L^2 dropped", "scale", "wrong", _v("eg+.best_iterate", bound=lambda th: th.bound.subs(L, 1)),
     "1 - gamma^2 for 1 - gamma^2 L^2: at L = 1e-2, t = gamma L = 0.5 the factor is 1 - 2500 < 0: a negative bound"),
    ("ddj21 L for L^2", "scale", "wrong", _v("eg+.ddj21", bound=4 * L * D0 / ((1 + 4 * rho * L) * K)),
     "the metric scales as a^2 s^2, 4 L D0 as a s^2: at L = 1e3 the bound is 1e3 times too small"),
    ("R34 L D0", "scale", "wrong", _v("eg+.worst_case_gamma_one_over_L", bound=L * D0),
     "F = L(z - z*) attains ||F z^K||^2 = L^2 D0 (R34) > L D0 for L > 1"),
    ("stochastic floor sigma", "scale", "wrong",
     _v("inner-loop.stochastic_floor", bound=(gamma * L) ** (2 * K) * D0 + gamma ** 2 * sigma / (1 - gamma ** 2 * L ** 2)),
     "R8 is tight on rotation-scaling maps: the floor gamma^2 sigma^2/(1 - t^2) exceeds gamma^2 sigma/(1 - t^2) for sigma > 1"),
    ("relaxed pp D0^(3/4)", "scale", "wrong",
     _v("relaxed-pp.last_iterate", bound=D0 ** sp.Rational(3, 4) / (lam * (1 - lam) * (K + 1))),
     "the metric scales as s^2, the bound as s^(3/2): exceeded for ||z0 - z*|| large"),
    ("la-gda tau2 gamma^3 L", "scale", "wrong",
     _v("la-gda.tau2.best_iterate", bound=lambda th: th.bound.subs(gamma ** 3 * L ** 2, gamma ** 3 * L)),
     "c_LA with gamma^3 L for gamma^3 L^2 is not scale-free: at L = 1e-2 it is 2 rho + gamma(1 - 2 lam) - 100 t^3 (1 - lam)/L, "
     "negative, a negative bound"),
    ("feg (1/L + 2rho)", "scale", "wrong", _v("feg.last_iterate", bound=4 * D0 / ((1 / L + 2 * rho) * K ** 2)),
     "||F z_k||^2 scales as a^2 s^2, 4 D0/((1/L + 2 rho) k^2) as a s^2: exceeded at L = 1e3"),
    ("extrapolated sqrt(D0)", "scale", "wrong",
     _v("eg+.best_iterate_extrapolated", bound=lambda th: th.bound.subs(D0, sp.sqrt(D0))),
     "||F zb||^2 scales as a^2 s^2, the bound as a^2 s: exceeded for ||z0 - z*|| large"),
    ("lookahead D0 squared", "scale", "wrong",
     _v("lookahead.nonexpansive_last_iterate", bound=D0 ** 2 / (lam * (1 - lam) * (K + 1))),
     "the metric scales as s^2, the bound as s^4: exceeded for ||z0 - z*|| small"),
    # ---- horizon: wrong only for K large -------------------------------------------------------
    ("pp K^1.2", "horizon", "wrong", _v("pp.last_iterate", bound=D0 / (gamma * (gamma + 2 * rho) * K ** sp.Rational(6, 5))),
     "PP's worst case is (1 - 1/N)^(N-1)/(gamma(gamma+2rho)N) (SPEC §10.1, Gu-Yang), about 0.37/(gamma(gamma+2rho)N): "
     "above the variant for N^(1/5) > e, N > 150"),
    ("relaxed pp (K+1)^1.2", "horizon", "wrong",
     _v("relaxed-pp.last_iterate", bound=D0 / (lam * (1 - lam) * (K + 1) ** sp.Rational(6, 5))),
     "on the lower-bound game with an eigenvalue of J near the unit circle the KM residual decays like 1/K with a "
     "constant within a factor e of R4(a): the variant fails for K^(1/5) beyond that factor"),
    ("eg+ best /log", "horizon", "wrong",
     _v("eg+.best_iterate", bound=lambda th: th.bound * 2 / (1 + sp.log(K))),
     "a K-dependent factor 2/(1 + log K): the best iterate on a rotation-scaling block with radius 1 - O(1/K) decays like "
     "1/K, so the factor is exceeded for K large"),
    ("lookahead K^1.2", "horizon", "wrong",
     _v("lookahead.nonexpansive_last_iterate", bound=D0 / (lam * (1 - lam) * (K + 1) ** sp.Rational(6, 5))),
     "KM on a nonexpansive S has a Theta(1/K) worst case (rotations of angle O(1/sqrt K)): the faster exponent fails"),
    ("la-eg monotone K^1.25", "horizon", "wrong",
     _v("la-eg.monotone", bound=D0 / (lam * (1 - lam) * K ** sp.Rational(5, 4))),
     "the outer KM step of Lookahead over a rotation is Theta(1/K): K^(5/4) is too fast"),
    ("rapp conic K^1.2", "horizon", "wrong",
     _v("rapp.conic", bound=lambda th: th.bound.subs(K + 1, (K + 1) ** sp.Rational(6, 5))),
     "inexact KM on N: Theta(1/K) (as R4(b)); a reconstruction, so the expected outcome is a finding"),
    # ---- corners: widened hypotheses that differ where two conjuncts are nearly active --------
    ("la-eg+ rho widened 5%", "corner", "wrong",
     _v("la-eg+.cohypomonotone", hypotheses=_hyp(rho >= -gamma * (1 - alpha) / 2,
                                                  rho >= -sp.Rational(21, 20) * gamma * (1 - alpha) / 2)),
     "past rho = -gamma(1 - alpha)/2 EG+ expands on the lower-bound game at gamma L = 1 (R15: radius > 1 iff 2c + "
     "alpha > 1): with lam -> 1 the outer loop follows it, so min_k ||S z^k - z^k||^2 grows"),
    ("eg+ best rho widened 5%", "corner", "wrong",
     _v("eg+.best_iterate", hypotheses=_hyp(rho >= -gamma * (1 - alpha) / 2,
                                            rho >= -sp.Rational(21, 20) * gamma * (1 - alpha) / 2)),
     "past the R14 boundary at t -> 1 EG+ expands on the lower-bound game (R15), so its best iterate stalls"),
    ("relaxed pp conic lam theta < 1.05", "corner", "wrong",
     _v("relaxed-pp.conic_last_iterate", hypotheses=lambda th: sp.And(rho > -gamma, lam > 0,
                                                                      lam * gamma / (2 * (gamma + rho)) < sp.Rational(21, 20))),
     "lam theta >= 1 makes 1 - lam theta <= 0: the bound is negative or infinite there, and for lam theta > 1 the "
     "relaxed map can expand (R3)"),
    ("pp rho > -0.525 gamma", "corner", "wrong",
     _v("pp.last_iterate", hypotheses=sp.And(rho > -sp.Rational(21, 40) * gamma)),
     "for rho < -gamma/2 the bound 1/(gamma(gamma + 2 rho)N) is negative"),
    ("eg+ quasi-nonexpansive gamma L <= 1.05", "corner", "wrong",
     _v("eg+.quasi_nonexpansive", hypotheses=_hyp(gamma * L <= 1, gamma * L <= sp.Rational(21, 20))),
     "F = L(z - z*) (rho = 1/L): EG+ multiplies by 1 - alpha t(1 - t), > 1 for t > 1: the distance grows"),
    ("lookahead gamma <= 2.1 rho", "corner", "wrong",
     _v("lookahead.nonexpansive_last_iterate", hypotheses=_hyp(gamma <= 2 * rho, gamma <= sp.Rational(21, 10) * rho)),
     "GDA with gamma > 2 rho expands the cocoercive map F = z/rho (|1 - gamma/rho| > 1), tau steps and lam -> 1 "
     "make the outer loop expand too"),
    # ---- true variants: must never be violated -------------------------------------------------
    ("pp bound x2", "true", "true", _v("pp.last_iterate", bound=2 * D0 / (gamma * (gamma + 2 * rho) * K)),
     "weaker than R5"),
    ("eg+ best 1 - gamma L", "true", "true",
     _v("eg+.best_iterate", bound=D0 / (alpha * gamma ** 2 * (1 - gamma * L) * K)),
     "1 - t <= 1 - t^2 for t in (0, 1): weaker than R14, and scale-free"),
    ("lookahead K", "true", "true", _v("lookahead.nonexpansive_last_iterate", bound=D0 / (lam * (1 - lam) * K)),
     "D0/(lam(1 - lam)K) >= D0/(lam(1 - lam)(K + 1))"),
    ("pp narrower", "true", "true", _v("pp.last_iterate", hypotheses=sp.And(rho > -gamma / 4)),
     "a smaller region"),
    ("rapp bound x1.5", "true", "true", _v("rapp.last_iterate", bound=lambda th: sp.Rational(3, 2) * th.bound),
     "weaker than the R9 substitute"),
    ("la-eg lower bound without rho <= 0", "true", "true",
     _v("la-eg.lower_bound_game", hypotheses=sp.And(sp.Eq(gamma * L, 1), lam > 0, rho * L > -1), unneeded={}),
     "R15's identity at t = 1 holds for every c in (-1, 1] (tests/test_mutants.py)"),
    ("eg+ radius + 1e-3", "true", "true",
     _v("eg+.lower_bound_game_radius", bound=lambda th: th.bound + sp.Rational(1, 1000)), "weaker than R15's radius"),
    ("relaxed pp (K+1)^0.9", "true", "true",
     _v("relaxed-pp.last_iterate", bound=D0 / (lam * (1 - lam) * (K + 1) ** sp.Rational(9, 10))),
     "(K+1)^0.9 <= K+1: weaker than R4(a)"),
    # ---- boundary-only: undecidable where the radius is exactly 1 ------------------------------
    ("eg+ lower bound <=", "boundary", "boundary", _v("eg+.lower_bound_game", condition=-2 * rho * L + alpha <= 1),
     "at 2c + alpha = 1 the radius is exactly 1 (R15): convergence claimed there is false, but no measurement decides it"),
    ("relaxed pp region <=", "boundary", "boundary", _v("relaxed-pp.region", condition=lam <= 2 * (1 + rho / gamma)),
     "at lam = 2(1 + rho/gamma) the radius is exactly 1 on the lower-bound game (R3)"),
    ("la-eg lower bound <=", "boundary", "boundary", _v("la-eg.lower_bound_game", condition=lam <= 1 + 2 * rho * L),
     "at lam = 1 - 2c the radius is exactly 1 (R19)"),
]
