"""Registry entry of R32: stochastic RAPP with an increasing mini-batch schedule.

**Statement** (R32 [reconstruction]): PXC23 §5's inner-loop result "applies with stochastic
feedback"; with increasing mini-batches stochastic RAPP has ``O(eps^-4)`` oracle complexity.

**Bound checked** [derived here; R7(a) with the R8 variance floor]. Unconstrained linear
``F`` (``||M|| <= L``), ``T = F`` with ``rho > -gamma/2`` (so ``S = J_{gamma T}`` is
nonexpansive with fixed point ``z*``, R2), ``t = gamma L < 1``, ``lam in (0, 1)``, outer step
``k``: ``tau`` anchored inner steps whose every ``F`` sample is a mean of ``b_k`` independent
unbiased samples of variance ``sigma^2``. With ``r^k = z^k - S z^k`` the inner error is
``e^k = (-gamma M)^tau r^k + (zero-mean noise)``, so ``||E[e^k | z^k]|| <= t^tau ||r^k||`` and
``E[||e^k||^2 | z^k] <= t^{2 tau} ||r^k||^2 + s_k``, ``s_k = gamma^2 sigma^2/(b_k (1 - t^2))`` (R8).
The KM identity ``||x - z*||^2 <= ||z - z*||^2 - lam(1 - lam)||r||^2`` for
``x = (1 - lam) z + lam S z``, ``||x - z*|| <= ||z - z*||`` and ``||r|| <= 2||z - z*||`` give, for
``a_k = E||z^k - z*||^2`` and ``delta = 4 lam t^tau``,

    a_{k+1} <= (1 + delta) a_k - lam (1 - lam - lam t^{2 tau}) E||r^k||^2 + lam^2 s_k,

and, divided by ``(1 + delta)^{k+1}`` and summed over ``k < K``,

    (1/K) sum_{k<K} E||r^k||^2 <= (1 + delta)^K [D0 + lam^2 gamma^2 sigma^2 sum_{k<K} 1/b_k / (1 - t^2)]
                                  / (lam (1 - lam - lam t^{2 tau}) K).

With ``b_k = k + 1`` (``sum_{k<K} 1/b_k = H_K <= 1 + ln K``) and ``tau = ceil(2 ln(K + 1)/ln(1/t))``
(``(1 + delta)^K <= exp(4 lam/K)``) the right side is ``O(log K / K)`` for ``sum_k tau b_k =
O(K^2 log K)`` samples: ``min_k E||r^k||^2 <= eps^2`` after ``O~(eps^-4)`` samples, the complexity of
R32. A constant batch leaves the floor ``lam s/(1 - lam)``: the rate needs the growing batch.
The bound is attained in the limit ``rho -> -gamma/2`` on rotation-scaling maps (``S`` an isometry).
"""

from __future__ import annotations

from .core import *  # noqa: F401,F403  (symbols, Theorem, register, shorthands)

_t = gamma * L
#: inner steps: (1 + 4 lam t^tau)^K <= exp(4 lam / K)
_tau_R32 = sp.ceiling(2 * sp.log(K + 1) / sp.log(1 / _t))

register(Theorem(
    id="rapp-stochastic.minibatch",
    title="Stochastic RAPP, mini-batches b_k = k + 1: (1/K) sum_{k<K} E||z^k - J z^k||^2 <= (1 + 4 lam t^tau)^K "
          "[D0 + lam^2 gamma^2 sigma^2 (1 + ln K)/(1 - t^2)]/(lam (1 - lam - lam t^{2 tau}) K), t = gamma L",
    source="PXC23 §5 (paper: the inner-loop theorem applies with stochastic feedback); R32 (reconstruction: "
           "increasing mini-batches, O(eps^-4) oracle complexity); bound: R7(a) with the R8 variance floor and "
           "the conditional bias (gamma L)^tau ||z^k - J z^k|| of a linear F (derivation in "
           "monoverify.theory.theorems.stochastic_rapp)",
    provenance="derived",
    statement="stochastic RAPP with increasing mini-batches reaches min_k E||z^k - J z^k|| <= eps with "
              "O(eps^-4) oracle samples (R32)",
    statement_provenance="reconstruction",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, _t < 1, rho > -gamma / 2, lam > 0, lam * (1 + _t ** (2 * tau)) < 1, sigma > 0),
    bound=(1 + 4 * lam * _t ** tau) ** K * (D0 + lam ** 2 * gamma ** 2 * sigma ** 2 * (1 + sp.log(K)) / (1 - _t ** 2))
    / (lam * (1 - lam - lam * _t ** (2 * tau)) * K),
    kind="property", metric="expected_mean_resolvent_residual_sq", iterate="best",
    derived={"tau": _tau_R32}, schedule=(1, 1),
    family=("lower_bound",),
    grid={"c": (0.0, 0.2, 0.35), "t": (0.5, 0.8), "lam": (0.3, 0.6), "sigma": (1.0,), "K": (30,)},
    note="measured: the mean over k < K of ||z^k - J z^k||^2 (the run monitor of the metric) averaged over seeded "
         "sample paths, at horizons K/4, K/2 and K with the same tau (the bound holds for every horizon); it bounds "
         "the best iterate min_k E||z^k - J z^k||^2. Needs an unconstrained linear F (the bias of the inner loop and "
         "the Laurent-Massart confidence statement); the battery is LowerBoundGame (rotation-scaling: the bound is "
         "tight as rho -> -gamma/2) to stay cheap; non-normal maps (family nonnormal_small) hold with far smaller "
         "ratios (tests/test_stochastic_minibatch.py); oracle complexity sum_k tau b_k reported per cell. PEP and the "
         "spectral layer cannot express it (an expectation over the oracle's noise)",
))
