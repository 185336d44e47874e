"""Registry entries: the field beyond the seed paper (issue 25) -- anchored, accelerated, splitting and
momentum methods, with their published constants and provenance.

Tags (the Mathematics page, *Provenance tags*): ``related`` for a statement read in a source (here mostly in PEPit's example code, which
states each theorem it reproduces with its reference); ``derived`` for what is derived here and
checked; ``reconstruction`` for what could not be read. What was read, and where, is in each
``source``. Conventions as everywhere: ``rho``-comonotone in the sign of §1.2, ``t = gamma L``;
a fixed-point problem ``z = T z`` is the operator ``F = I - T`` (``T`` nonexpansive iff ``F`` is
``1/2``-cocoercive), so ``||z - T z|| = ||F z||`` and the forward map of a method with step
``gamma`` is ``T = I - gamma F``, nonexpansive iff ``0 < gamma <= 2 rho`` [derived].

New symbols: ``mu`` (strong monotonicity of ``F``, or of the summand ``B`` of a sum; read from
``op.mu``) and ``beta`` (momentum). Every entry is registered and judged by ``check`` on its blind
battery (``JUDGE_CANNOT_EXPRESS`` is empty): those on sums (``SPLITTING``, Douglas-Rachford, metric
``contraction_factor_sq``) read ``rho``, ``L`` of the first summand and ``mu`` of the second; those
without a zero (``INCONSISTENT``, metric ``displacement_residual_sq``) read the operator's
displacement vector. ``tests/test_field_theorems.py`` checks each with ``check`` and a wrong variant
of each, whose falsity it establishes independently (PEP worst cases, plain loops, matrices).

Examples
--------
>>> from monoverify.theory.theorems import THEOREMS
>>> th = THEOREMS["halpern.lieder"]
>>> th.bound, th.provenance
(4*D0/(gamma**2*(K + 1)**2), 'related')
>>> th.admits(rho=0.5, L=2.0, gamma=1.0), th.admits(rho=0.5, L=2.0, gamma=1.5)
(True, False)
"""

from __future__ import annotations

from .core import *  # noqa: F401,F403  (symbols, Theorem, register, shorthands)
from .core import SYMBOLS

mu, beta = SYMBOLS["mu"], SYMBOLS["beta"]

__all__ = ["JUDGE_CANNOT_EXPRESS", "INCONSISTENT", "SPLITTING", "dr_cocoercive_factor", "dr_lipschitz_factor", "hb_radius"]

_PEPIT = "PEPit 0.5.1 examples (read: the theorem as stated in the example's docstring and its theoretical_tau code)"

# ------------------------------------------------------------------------------------------
# anchored and fixed-point iterations
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="halpern.lieder",
    title="Halpern with anchors 1/(k+2): ||z_K - T z_K||^2 <= 4 ||z0 - z*||^2/(K+1)^2 (tight), T = I - gamma F",
    source=f"Lieder 2021 (Optim. Lett. 15:405-418) Thm 2.1, as stated in {_PEPIT} fixed_point_problems/"
           "halpern_iteration.py ('a tight worst-case guarantee'); T = I - gamma F nonexpansive for gamma <= 2 rho "
           "[derived]; ||z - Tz|| = gamma ||F z||",
    provenance="related",
    method="halpern", method_params={"gamma": gamma},
    hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho),
    bound=4 * D0 / (gamma ** 2 * (K + 1) ** 2), metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "fixed_point"),
    grid={"c": (-1.0, -0.5, -0.2), "t": (0.2, 0.5, 1.0, 2.0), "K": (50, 200)}, rate="O(1/K^2)",
    pep={"lipschitz": False, "cells": ({"c": -0.5, "t": 1.0}, {"c": -1.0, "t": 2.0}), "Ks": (1, 2, 4)},
    note="PEP (set-valued rho-comonotone class, rho > 0: exactly the rho-cocoercive maps) equals the bound at "
         "gamma = 2 rho: Lieder's bound is tight",
))

register(Theorem(
    id="km.constant",
    title="KM, constant step lam in [1/2, (1 + sqrt(1/2))/2]: ||z_K - T z_K||^2 <= (K/(K+1))^K ||z0 - z*||^2/((K+1) lam (1-lam))",
    source=f"Lieder 2018 (PhD thesis, HHU Duesseldorf) Thm 4.9, as stated in {_PEPIT} fixed_point_problems/"
           "krasnoselskii_mann_constant_step_sizes.py (1/4 ||x - Ax||^2 <= (1/(n+1)) (n/(n+1))^n/(4 lam (1-lam)) "
           "for 1/2 <= lam <= (1 + sqrt(n/(n+1)))/2); the upper limit taken at n = 1 (valid for every K)",
    provenance="related",
    method="km", method_params={"gamma": gamma, "lam": lam},
    hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho, lam >= sp.Rational(1, 2),
                      lam <= (1 + 1 / sp.sqrt(2)) / 2),
    bound=(K / (K + 1)) ** K * D0 / ((K + 1) * lam * (1 - lam) * gamma ** 2), metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "fixed_point"),
    grid={"c": (-1.0, -0.5), "t": (0.5, 1.0, 2.0), "lam": (0.5, 0.7, 0.85), "K": (50, 200)}, rate="O(1/K)",
    pep={"lipschitz": False, "cells": ({"c": -0.5, "t": 1.0, "lam": 0.75}, {"c": -0.5, "t": 1.0, "lam": 0.6}),
         "Ks": (1, 2, 3)},
))

register(Theorem(
    id="km.increasing",
    title="KM, increasing steps lam_k = (k+1)/(k+2): ||z_K - T z_K||^2 <= 2 ||z0 - z*||^2/log((K+2)/2)",
    source="derived: Fejer ||z+ - z*||^2 <= ||z - z*||^2 - lam_k (1 - lam_k) ||z - Tz||^2 and a non-increasing "
           "residual give ||r_K||^2 sum_{k<K} lam_k (1 - lam_k) <= D0; lam_k (1 - lam_k) = (k+1)/(k+2)^2 >= "
           "1/(2(k+2)) and sum_{k<K} 1/(k+2) >= log((K+2)/2). The scheme: PEPit's krasnoselskii_mann_increasing_"
           "step_sizes.py (which gives no theoretical value)",
    provenance="derived",
    method="km-increasing", method_params={"gamma": gamma},
    hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho),
    bound=2 * D0 / (gamma ** 2 * sp.log((K + 2) / sp.Integer(2))), metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "fixed_point"),
    grid={"c": (-1.0, -0.5), "t": (0.5, 1.0, 2.0), "K": (50, 200)}, rate="O(1/log K)",
    pep={"lipschitz": False, "cells": ({"c": -0.5, "t": 1.0},), "Ks": (1, 3, 6)},
))

register(Theorem(
    id="eag-c.yoon_ryu",
    title="EAG-C, alpha <= 1/(8L): ||F z_K||^2 <= 4(1 + t + t^2)/(alpha^2 (1+t)) ||z0 - z*||^2/(K+1)^2, t = alpha L",
    source="Yoon and Ryu 2021 (ICML, arXiv 2102.07922) Thm 2 [reconstruction: the paper could not be read here; "
           "the update (anchors 1/(k+2), two F calls) is as in public code citing it]; at alpha = 1/(8L) the constant "
           "is ~259.6 L^2. §11.2: 27 L^2/(k+1)^2 is NOT valid for EAG-C (linear instances exceed it)",
    provenance="reconstruction",
    method="eag-c", method_params={"gamma": gamma},
    hypotheses=sp.And(rho >= 0, gamma > 0, gamma * L <= sp.Rational(1, 8)),
    bound=4 * (1 + gamma * L + gamma ** 2 * L ** 2) / (gamma ** 2 * (1 + gamma * L)) * D0 / (K + 1) ** 2,
    metric="operator_sq", iterate="last", family=("lower_bound", "random", "bilinear"),
    grid={"c": (0.0, -0.3), "t": (0.05, 0.1, 0.125), "K": (50, 200)}, rate="O(1/K^2)",
    pep={"lipschitz": True, "cells": ({"c": 0.0, "t": 0.125},), "Ks": (1, 2, 4)},
))

register(Theorem(
    id="eag-v.yoon_ryu",
    title="EAG-V, alpha_0 = 0.618/L: ||F z_K||^2 <= 27 L^2 ||z0 - z*||^2/((K+1)(K+2))",
    source="Yoon and Ryu 2021 (ICML, arXiv 2102.07922) Thm 1/Cor. 1 [reconstruction: the paper could not be read "
           "here; the step recursion alpha_{k+1} = alpha_k (1 - (k+2)^2/((k+1)(k+3)) alpha_k^2 L^2)/(1 - alpha_k^2 "
           "L^2) and the constant 27 are recollections (§11.2: 27 L^2/((k+1)(k+2)) is the EAG-V statement 'to "
           "our recollection'); PEP (relaxation) <= bound for K <= 6 (computed)",
    provenance="reconstruction",
    method="eag-v", method_params={"gamma": sp.Rational(309, 500) / L, "L": L},
    hypotheses=sp.And(rho >= 0, L > 0),
    bound=27 * L ** 2 * D0 / ((K + 1) * (K + 2)), metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "bilinear"),
    grid={"c": (0.0, -0.3), "K": (50, 200)}, rate="O(1/K^2)",
    pep={"lipschitz": True, "cells": ({"c": 0.0},), "Ks": (1, 2, 4)},
))

register(Theorem(
    id="kim.app",
    title="Kim's accelerated PP, maximally monotone T: ||x_K - y_{K-1}||^2 = gamma^2 ||T x_K||^2 <= ||z0 - z*||^2/K^2 (tight)",
    source=f"Kim 2021 (Math. Program., arXiv 1905.05149) Thm 4.1, as stated in {_PEPIT} "
           "monotone_inclusions_variational_inequalities/accelerated_proximal_point.py ('a tight theoretical "
           "worst-case guarantee'); x_K - y_K = -gamma g_K with g_K in T x_K",
    provenance="related",
    method="kim-app", method_params={"gamma": gamma},
    hypotheses=sp.And(rho >= 0, gamma > 0),
    bound=D0 / (gamma ** 2 * K ** 2), metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "bilinear"),
    grid={"c": (0.0, -0.5), "t": (0.5, 1.0, 2.0), "K": (50, 200)}, rate="O(1/K^2)",
    pep={"lipschitz": False, "cells": ({"c": 0.0, "t": 1.0}, {"c": 0.0, "t": 2.0}), "Ks": (1, 2, 4)},
))

# ------------------------------------------------------------------------------------------
# past extragradient (Popov)
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="peg.monotone",
    title="Past extragradient (Popov), monotone: ||F z_K||^2 <= 4 ||z0 - z*||^2/(gamma^2 K), gamma L <= 1/2",
    source="Gorbunov, Taylor and Gidel 2022 (NeurIPS, arXiv 2205.08446): O(1/N) last iterate on ||F x_N||^2 for "
           "PEG, monotone and Lipschitz, without Jacobian assumptions [related: the abstract read]; the step range "
           "and the constant 4 are a reconstruction (the constant chosen here above the PEP worst cases, computed "
           "W gamma^2 N <= 0.71 for N <= 24 at gamma = 1/(2L)), not the paper's",
    provenance="reconstruction",
    method="peg", method_params={"gamma": gamma},
    hypotheses=sp.And(rho >= 0, gamma > 0, gamma * L <= sp.Rational(1, 2)),
    bound=4 * D0 / (gamma ** 2 * K), metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "bilinear"),
    grid={"c": (0.0, -0.3), "t": (0.1, 0.25, 0.5), "K": (50, 200)}, rate="O(1/K)",
    pep={"lipschitz": True, "cells": ({"c": 0.0, "t": 0.5}, {"c": 0.0, "t": 0.25}), "Ks": (1, 2, 4)},
))

# ------------------------------------------------------------------------------------------
# strongly monotone maps
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="gda.strongly_monotone",
    title="GDA on mu-strongly monotone L-Lipschitz F: ||F z_K||^2 <= L^2 (1 - 2 gamma mu + gamma^2 L^2)^K ||z0 - z*||^2",
    source="derived: ||z - gamma F z - (z' - gamma F z')||^2 <= (1 - 2 gamma mu + gamma^2 L^2)||z - z'||^2, a "
           "contraction for 0 < gamma < 2 mu/L^2; ||F z|| <= L ||z - z*||. Tight on a rotation-scaling block "
           "mu + i sqrt(L^2 - mu^2) (random_strongly_monotone's first block)",
    provenance="derived",
    method="gda", method_params={"gamma": gamma},
    hypotheses=sp.And(mu > 0, gamma > 0, gamma < 2 * mu / L ** 2),
    bound=L ** 2 * (1 - 2 * gamma * mu + gamma ** 2 * L ** 2) ** K * D0, metric="operator_sq", iterate="last",
    family=("strongly_monotone",), grid={"t": (0.05, 0.1, 0.5), "K": (50,)}, rate="linear",
))

# ------------------------------------------------------------------------------------------
# momentum
# ------------------------------------------------------------------------------------------
_sqL, _sqmu = sp.sqrt(L), sp.sqrt(mu)
register(Theorem(
    id="polyak.heavy_ball",
    title="Heavy ball on quadratics, gamma = 4/(sqrt L + sqrt mu)^2, beta = ((sqrt L - sqrt mu)/(sqrt L + sqrt mu))^2: "
          "spectral radius (sqrt(kappa) - 1)/(sqrt(kappa) + 1)",
    source="derived: on an eigenvalue lam of H the multiplier's roots solve x^2 - (1 + beta - gamma lam) x + beta = 0, "
           "whose discriminant is <= 0 for every lam in [mu, L] at these parameters, so |x| = sqrt(beta) = "
           "(sqrt(kappa) - 1)/(sqrt(kappa) + 1), attained at every eigenvalue",
    provenance="derived",
    statement="Polyak 1964: heavy ball with these parameters converges at the rate (sqrt(kappa) - 1)/(sqrt(kappa) + 1) "
              "on strongly convex quadratics", statement_provenance="reconstruction",
    method="hb", method_params={"gamma": 4 / (_sqL + _sqmu) ** 2, "beta": ((_sqL - _sqmu) / (_sqL + _sqmu)) ** 2},
    hypotheses=sp.And(mu > 0, mu < L),
    kind="property", bound=(_sqL - _sqmu) / (_sqL + _sqmu), metric="spectral_radius", iterate="n/a",
    family=("quadratic",), grid={"L": (1.0, 4.0)},
    note="equality, not only <=: every eigenvalue of H gives a root of modulus sqrt(beta)",
))

register(Theorem(
    id="hb.bilinear_simultaneous",
    title="Simultaneous heavy ball never converges on a bilinear game (radius >= 1 for every gamma > 0, |beta| < 1)",
    source="derived: on the eigenvalue i t (t = gamma sigma) the roots of x^2 - (1 + beta - i t) x + beta have both "
           "modulus < 1 iff |beta| < 1 and |a - conj(a) beta| < 1 - beta^2 (Schur-Cohn, a = -(1 + beta - i t)), i.e. "
           "(1 + beta) sqrt((1 - beta)^2 + t^2) < 1 - beta^2: impossible for t > 0",
    provenance="derived",
    statement="Gidel et al. 2019 (AISTATS, 'Negative momentum for improved game dynamics'): simultaneous gradient "
              "updates with momentum do not converge on bilinear games, whatever the sign of the momentum",
    statement_provenance="reconstruction",
    method="hb", method_params={"gamma": gamma, "beta": beta},
    hypotheses=sp.And(gamma > 0, beta > -1, beta < 1),
    kind="region", condition=sp.false, metric="spectral_radius", iterate="n/a",
    family=("bilinear",), grid={"t": (0.1, 0.5, 1.0, 2.0), "beta": (-0.9, -0.5, -0.1, 0.0, 0.3, 0.7)},
))

register(Theorem(
    id="hb.bilinear_alternating",
    title="Alternating heavy ball on bilinear games converges iff -1 < beta < 0 and gamma ||A|| < 2(1 + beta)",
    source="derived: per singular value sigma of A (t = gamma sigma) the iteration matrix on (x, y, x_prev, y_prev) "
           "has the characteristic polynomial p(x) = (x - 1)^2 (x - beta)^2 + t^2 x^3; Jury's criterion (p(1) = t^2 > 0, "
           "p(-1) = 4(1 + beta)^2 - t^2 > 0, |beta| < 1 and two determinant conditions) reduces to -1 < beta < 0 and "
           "t < 2(1 + beta) (checked symbolically and on 20000 random (t, beta): 0 mismatches); beta = 0 is "
           "alternating GDA, on the unit circle for t <= 2",
    provenance="derived",
    statement="Gidel et al. 2019: alternating updates with negative momentum converge on bilinear games; exact "
              "conditions in Zhang and Yu 2020 (ICLR, 'Convergence of gradient methods on bilinear zero-sum games')",
    statement_provenance="reconstruction",
    method="alt-hb", method_params={"gamma": gamma, "beta": beta},
    hypotheses=sp.And(gamma > 0, beta > -1, beta < 1),
    kind="region", condition=sp.And(beta < 0, gamma * L < 2 * (1 + beta)), metric="spectral_radius", iterate="n/a",
    family=("bilinear_players",),
    grid={"t": (0.2, 0.9, 1.1, 1.5, 1.9), "beta": (-0.9, -0.5, -0.3, -0.05, 0.0, 0.2)},
))


def hb_radius(gamma_: sp.Expr, beta_: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """Spectral radius of heavy ball (``0 <= beta < 1``) on a symmetric map with spectrum in ``[lo, hi]``
    (both ends eigenvalues): the larger of the endpoint radii, ``r(s) = sqrt(beta)`` when
    ``(1 + beta - s)^2 <= 4 beta`` and ``(|1 + beta - s| + sqrt((1 + beta - s)^2 - 4 beta))/2`` otherwise
    (the discriminant's sign changes only at ``s = (1 +- sqrt(beta))^2``, and the real-root radius
    grows away from that interval) [derived].

    >>> float(hb_radius(sp.Rational(1, 2), sp.Integer(0), sp.Rational(1, 10), sp.Integer(1)))   # GD: max |1 - s|
    0.95
    """
    def r(s):
        d = (1 + beta_ - s) ** 2 - 4 * beta_
        return sp.Piecewise((sp.sqrt(beta_), d <= 0), ((sp.Abs(1 + beta_ - s) + sp.sqrt(d)) / 2, True))

    return sp.Max(r(gamma_ * lo), r(gamma_ * hi))


register(Theorem(
    id="bxc.heavy_ball",
    title="Heavy ball on the NTK Gram matrix H: linear convergence, radius max(r(gamma mu), r(gamma L)) -- governed by "
          "lambda_min(H) = mu when gamma L <= (1 + sqrt(beta))^2",
    source="Bu, Xu and Chen 2021 (AISTATS, arXiv 2010.13165): on the squared loss of an over-parameterised two-layer "
           "ReLU network, heavy ball converges linearly like GD (the NTK H is positive definite) [related: the abstract "
           "read]; the exact radius is derived here (hb_radius) for the linearised dynamics u+ = u - gamma H u + "
           "beta (u - u_prev)",
    provenance="derived",
    statement="Bu, Xu and Chen 2021: heavy ball converges to the global minimum of the MSE at a linear rate",
    statement_provenance="related",
    method="hb", method_params={"gamma": gamma, "beta": beta},
    hypotheses=sp.And(mu > 0, mu < L, gamma > 0, beta >= 0, beta < 1, gamma * L < 2 * (1 + beta)),
    kind="property", bound=hb_radius(gamma, beta, mu, L), metric="spectral_radius", iterate="n/a",
    family=("ntk",), grid={"t": (0.5, 1.0, 1.5), "beta": (0.0, 0.3, 0.6, 0.9), "L": (1.0,)},
    note="equality: both ends of the spectrum are eigenvalues of H (mu = lambda_min, L = lambda_max)",
))

register(Theorem(
    id="bxc.nesterov_sublinear",
    title="NAG (beta_k = (k-1)/(k+2), gamma = 1/L) on the NTK Gram matrix H: ||H u_K||^2 <= 4 L^2 ||u0||^2/(K+1)^2 -- "
          "polynomial, not linear, although H > 0",
    source="Bu, Xu and Chen 2021 (arXiv 2010.13165): Nesterov's accelerated gradient (its limiting ODE u'' + (3/t) u' "
           "+ H u = 0) 'may only converge' sublinearly [related: the abstract read]. The bound: Su, Boyd and Candes "
           "2016 Thm 6 / Beck and Teboulle: f(x_k) - f* <= 2 L ||x0 - x*||^2/(k+1)^2 [reconstruction: not read], "
           "with ||H u||^2 <= 2 L (f(u) - f*) for f = u^T H u/2 [derived]",
    provenance="reconstruction",
    statement="Bu, Xu and Chen 2021: NAG (the ODE with 3/t damping) converges to the global minimum sublinearly",
    statement_provenance="related",
    method="nag", method_params={"gamma": 1 / L},
    hypotheses=sp.And(mu > 0, mu < L),
    bound=4 * L ** 2 * D0 / (K + 1) ** 2, metric="operator_sq", iterate="last",
    family=("ntk", "quadratic"), grid={"L": (1.0,), "K": (100, 400)}, rate="O(1/K^2)",
    note="the sublinear half concerns the ODE limit and is a lower bound the judge has no metric for: per "
         "eigenvalue lam the limit is 2 J_1(sqrt(lam) t)/(sqrt(lam) t), envelope ~ t^(-3/2) (tests check NAG against "
         "it as gamma -> 0). With a fixed step the discrete scheme still contracts like sqrt(1 - gamma lam_min) per "
         "step times k^(-3/2) [derived: beta_k -> 1], far slower than heavy ball's optimal rate (tests: a geometric "
         "bound at that rate is violated)",
))

# ------------------------------------------------------------------------------------------
# Douglas-Rachford: tight contraction factors (RTBG20)
# ------------------------------------------------------------------------------------------


def dr_cocoercive_factor(rho_: sp.Expr, mu_: sp.Expr, gamma_: sp.Expr, lam_: sp.Expr) -> tuple:
    """``(condition, factor)`` of RTBG20 Thm 4.1, branches 1-4, for ``A`` ``rho``-cocoercive and ``B``
    ``mu``-strongly monotone, in the variables of the scaled problem ``gamma A``, ``gamma B``:
    ``b = rho/gamma`` (``gamma A`` is ``rho/gamma``-cocoercive) and ``m = gamma mu``.

    The formulas as in PEPit's ``douglas_rachford_splitting_2.py``, with its scaling ``beta = alpha beta``
    corrected to ``beta/alpha`` [derived; PEPit's reproduces the PEP only where the factor does not depend
    on ``beta``]; the fifth ("otherwise") branch there disagrees with the exact PEP and is left out:
    outside the four conditions (outside the theorem's hypotheses) the factor is the one every
    ``0 < lam < 2`` gives, ``1`` (``S = (1 - lam/2) I + (lam/2) R_A R_B`` is averaged, the reflected
    resolvents ``R = 2 J - I`` of monotone maps being nonexpansive [derived]), so the expression is a valid
    bound everywhere and scale-free (``b``, ``m``, ``lam`` are numbers).
    """
    b, m, th = rho_ / gamma_, gamma_ * mu_, lam_
    c1 = sp.And(m * b - m + b < 0, th <= 2 * (b + 1) * (m - b - m * b) / (m + m * b - b - b ** 2 - 2 * m * b ** 2))
    c2 = sp.And(m * b - m - b > 0, th <= 2 * (m ** 2 + b ** 2 + m * b + m + b - m ** 2 * b ** 2)
                / (m ** 2 + b ** 2 + m ** 2 * b + m * b ** 2 + m + b - 2 * m ** 2 * b ** 2))
    c3 = th >= 2 * (m * b + m + b) / (2 * m * b + m + b)
    c4 = sp.And(m * b + m - b < 0, th <= 2 * (m + 1) * (b - m - m * b) / (b + m * b - m - m ** 2 - 2 * m ** 2 * b))
    f = sp.Piecewise(((1 - th * b / (b + 1)) ** 2, c1), ((1 - th * (1 + m * b) / ((m + 1) * (b + 1))) ** 2, c2),
                     ((1 - th) ** 2, c3), ((1 - th * m / (m + 1)) ** 2, c4), (sp.Integer(1), True))
    return sp.Or(c1, c2, c3, c4), f


def dr_lipschitz_factor(L_: sp.Expr, mu_: sp.Expr, gamma_: sp.Expr, lam_: sp.Expr) -> sp.Expr:
    """RTBG20 Thm 4.3 for ``A`` monotone ``L``-Lipschitz and ``B`` ``mu``-strongly monotone (scaled
    ``l = gamma L``, ``m = gamma mu``), as in PEPit's ``douglas_rachford_splitting.py`` (its three branches;
    it reproduces the PEP at 25 random parameter points, computed)."""
    l, m, th = gamma_ * L_, gamma_ * mu_, lam_
    c = sp.sqrt(((2 * (th - 1) * m + th - 2) ** 2 + l ** 2 * (th - 2 * (m + 1)) ** 2) / (l ** 2 + 1))
    c1 = th * (th + c) / (m + 1) ** 2 / c * (c + m * ((2 * (th - 1) * m + th - 2) - l ** 2 * (th - 2 * (m + 1)))
                                           / (l ** 2 + 1)) >= 0
    c2 = sp.And(l <= 1, m >= (l ** 2 + 1) / (l - 1) ** 2,
                th <= -(2 * (m + 1) * (l + 1) * (m + (m - 1) * l ** 2 - 2 * m * l - 1))
                / (m + l * (l ** 2 + l + 1) + 2 * m ** 2 * (l - 1) + m * l * (1 - (l - 3) * l) + 1))
    return sp.Piecewise((((th + c) / 2 / (m + 1)) ** 2, c1), ((1 - th * (l + m) / ((l + 1) * (m + 1))) ** 2, c2),
                        ((2 - th) / 4 / m / (l ** 2 + 1) * (th * (1 - 2 * m + l ** 2) - 2 * m * (l ** 2 - 1))
                         * (th * (1 + 2 * m + l ** 2) - 2 * (m + 1) * (l ** 2 + 1))
                         / (th * (1 + 2 * m - l ** 2) - 2 * (m + 1) * (1 - l ** 2)), True))


#: Douglas-Rachford's tight contraction factors, registered. Problems given as a sum: the constants are the
#: summands' (rho and L of A = op.terms[0], mu of B = op.terms[1]; the judge's instances read them so,
#: theory/judge/instances.py), and the metric contraction_factor_sq is a property quantity of one step
#: (theory/metrics.py: exactly ||S||^2 of the affine DR map on w for linear sums).
_dr_cond, _dr_factor = dr_cocoercive_factor(rho, mu, gamma, lam)
SPLITTING: tuple = tuple(register(_th) for _th in (
    Theorem(
        id="dr.cocoercive",
        title="Douglas-Rachford, A rho-cocoercive, B mu-strongly monotone: tight contraction factor (RTBG20 Thm 4.1, "
              "branches 1-4)",
        source="Ryu, Taylor, Bergeling and Giselsson 2020 (SIAM J. Optim. 30(3)) Thm 4.1, as stated in PEPit's "
               "douglas_rachford_splitting_2.py [related]; its scaling corrected to rho/gamma [derived: PEPit's "
               "alpha*beta gives 0.3025 where the exact PEP is 0.711456, at (beta, mu, alpha, theta) = (0.3, 3, 2, 1.2)]; "
               "its fifth branch disagrees with the exact PEP (e.g. 0.0700 vs 0.1752 at (1.532, 2.504, 1, 1.079)) and "
               "is not registered",
        provenance="related",
        method="dr", method_params={"gamma": gamma, "lam": lam},
        hypotheses=sp.And(rho > 0, mu > 0, gamma > 0, lam > 0, lam < 2, _dr_cond),
        kind="property", bound=_dr_factor, metric="contraction_factor_sq", iterate="n/a",
        family=("splitting",), grid={"c": (-0.2, -0.5, -1.0), "t": (0.5, 1.0, 2.0), "lam": (0.5, 1.0, 1.5)},
        note="metric: sup ||S w - S w'||^2/||w - w'||^2 of the DR map S on w (two-point PEP: exact, both classes "
             "interpolable; on linear sums the squared norm of S). rho is A's (op.terms[0]), mu is B's (op.terms[1])",
    ),
    Theorem(
        id="dr.lipschitz",
        title="Douglas-Rachford, A monotone L-Lipschitz, B mu-strongly monotone: tight contraction factor (RTBG20 Thm 4.3)",
        source="Ryu, Taylor, Bergeling and Giselsson 2020 (SIAM J. Optim. 30(3)) Thm 4.3, as stated in PEPit's "
               "douglas_rachford_splitting.py [related]; equal to the pairwise PEP at 25 random points (computed)",
        provenance="related",
        method="dr", method_params={"gamma": gamma, "lam": lam},
        hypotheses=sp.And(rho >= 0, L > 0, mu > 0, gamma > 0, lam > 0, lam < 2),
        kind="property", bound=dr_lipschitz_factor(L, mu, gamma, lam), metric="contraction_factor_sq", iterate="n/a",
        family=("splitting",), grid={"c": (0.0,), "t": (0.5, 1.3), "lam": (0.5, 0.9, 1.5)},
        note="L is A's Lipschitz constant (op.terms[0]), mu is B's; the PEP with pairwise Lipschitz constraints is a "
             "relaxation in general, tight here (RTBG20)",
    ),
))

# ------------------------------------------------------------------------------------------
# inconsistent inclusions: problems without a zero
# ------------------------------------------------------------------------------------------
#: H_K <= log K + EulerGamma + 1/(2K) for every K >= 1 (the classical expansion H_K = log K + EulerGamma
#: + 1/(2K) - eps_K with 0 < eps_K < 1/(8K^2)) [derived]: Park and Ryu's bound with this in place of H_K,
#: a bound that NumPy evaluates (SymPy's harmonic has no NumPy form) and larger by less than 1/(12 K^2) in H_K
_H_UPPER = sp.log(K) + sp.EulerGamma + 1 / (2 * K)

#: Halpern's and KM's behaviour without a zero, registered. Their metric ``displacement_residual_sq`` is
#: ``||F z^k - v||^2`` with the operator's displacement vector ``v = op.displacement``; ``D0`` is measured from
#: the point ``x*`` nearest to ``z0`` with ``F x* = v`` (theory/metrics.py ``displacement_reference``).
INCONSISTENT: tuple = tuple(register(_th) for _th in (
    Theorem(
        id="halpern.inconsistent",
        title="Halpern without a fixed point: ||F z_K - v||^2 <= ((sqrt(H_K + 12) + 1)/(K+1))^2 ||z0 - x*||^2/gamma^2, "
              "T = I - gamma F",
        source=f"Park and Ryu 2023 (ICML, arXiv 2303.15876) Thm 8, as stated in {_PEPIT} fixed_point_problems/"
               "inconsistent_halpern_iteration.py (T nonexpansive, v = x* - T x* the infimal displacement vector, x* a "
               "point where it is attained); for T = I - gamma F (nonexpansive for 0 < gamma <= 2 rho) the displacement "
               "is gamma v with v that of F, attained on the same points, and ||z - Tz - gamma v|| = gamma ||F z - v|| "
               "[derived]; H_K replaced by its upper bound log K + EulerGamma + 1/(2K) [derived]",
        provenance="derived",
        statement="Park and Ryu 2023 Thm 8: ||x_K - T x_K - v||^2 <= ((sqrt(H_K + 12) + 1)/(K+1))^2 ||x0 - x*||^2 for "
                  "Halpern's iteration on a nonexpansive T",
        statement_provenance="related",
        method="halpern", method_params={"gamma": gamma},
        hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho),
        bound=((sp.sqrt(_H_UPPER + 12) + 1) / (K + 1)) ** 2 * D0 / gamma ** 2,
        metric="displacement_residual_sq", iterate="last", family=("inconsistent",),
        grid={"t": (0.5, 1.0, 2.0), "K": (25, 100)}, rate="O(log K/K^2)",
        note="metric: ||F z^k - v||^2 with v = op.displacement; D0 = ||z0 - x*||^2 with x* the point nearest to z0 "
             "where F x* = v. At gamma = 2 rho = 1 on F = I - T (t = 2 on the battery) this is the statement with "
             "gamma = 1 of PEPit's example",
    ),
    Theorem(
        id="km.inconsistent",
        title="KM without a zero (affine F): ||F z_K - v||^2 <= ||z0 - x*||^2/(gamma^2 lam (1-lam)(K+1)), v = P_{ker M^T} b",
        source="derived for affine F z = M z + b, M = I - T normal, T nonexpansive: F z - v = M (z - x*) and z - x* "
               "follows KM on the linear nonexpansive map I - gamma M restricted to range M (R4's KM bound); "
               "x_k - T x_k -> v for averaged T in general is Baillon, Bruck and Reich 1978 [reconstruction: not read]",
        provenance="derived",
        method="km", method_params={"gamma": gamma, "lam": lam},
        hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho, lam > 0, lam < 1),
        bound=D0 / (gamma ** 2 * lam * (1 - lam) * (K + 1)),
        metric="displacement_residual_sq", iterate="last", family=("inconsistent",),
        grid={"t": (0.5, 1.0), "lam": (0.3, 0.5, 0.9), "K": (100,)}, rate="O(1/K)",
        note="metric ||F z^k - v||^2, v = op.displacement, D0 = ||z0 - x*||^2 with x* the point nearest to z0 where "
             "F x* = v (then z0 - x* lies in range M); F z^k never reaches 0: ||F z^k|| >= ||v|| for every k",
    ),
))

#: ids of this module's theorems the judge cannot express, and why (each entry of this module is judged:
#: ``check(id, quick=True)`` holds for every one, tests/test_field_theorems.py)
JUDGE_CANNOT_EXPRESS: dict = {}
