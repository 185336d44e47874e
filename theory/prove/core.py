"""``prove``: an exact certificate for ``metric <= bound * ||z0 - z*||^2`` after ``n`` steps.

Pipeline (issue 15): trace the method object exactly (:mod:`.symbolic`), build the exact PEP
(:mod:`.problem`), solve the dual numerically (:mod:`.sdp`), make it exact (:mod:`.exact`) and
re-check the emitted certificate with the independent :mod:`.checker`. Three attempts, in order:

1. *vertex* / *interior*: ``tau = bound``; an extreme point of the dual set (fewest, simplest
   weights) or the point maximising ``lambda_min(S)``; round; ``S`` from the identity;
2. *facial*: rationalise the null space ``V`` of ``S`` and move the weights (exactly, least
   change) so that ``S V = 0``; needed when the bound is the exact optimum;
3. *epsilon*: prove ``bound + eps`` for the smallest ``eps = 10^(e-k)`` that works (``10^e`` the
   order of magnitude of the bound, ``k = 9 .. 2``) (the exact
   optimum may be irrational); the result says so.

A claim below the PEP worst case gets no certificate (status ``refuted``; with ``L`` given the PEP
is a relaxation, so only a linear counterexample refutes, else ``not_certified``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from fractions import Fraction
from typing import Any

import numpy as np

from monoverify.result import Result

from . import checker, exact, sdp
from .certificate import check_certificate, make_certificate
from .problem import ExactPEP, build
from .symbolic import exact as to_q

__all__ = ["Proof", "prove", "certify", "STATUSES"]

#: ``proved``: the bound itself; ``proved_epsilon``: bound + epsilon; ``refuted``: false claim;
#: ``not_certified``: no certificate found (claim not shown false); ``failed``: the solver failed
STATUSES = ("proved", "proved_epsilon", "refuted", "not_certified", "failed")
_DENOMS = tuple(10 ** k for k in (2, 3, 4, 5, 6, 8, 10, 12))
_REFUTE_REL = 1e-6


@dataclasses.dataclass
class Proof(Result):
    """Outcome of :func:`prove`.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    message : str
    claimed : str
        The claimed bound (exact rational, as a string).
    proved : str or None
        The bound the certificate proves (``claimed + epsilon``), or None.
    epsilon : str or None
        ``proved - claimed`` (``"0"`` for an exact proof).
    pep_value : float or None
        Numerical PEP worst case (the dual optimum).
    certificate : dict or None
        The JSON certificate (re-checked by :func:`monoverify.theory.prove.checker.check_certificate`).
    checked : bool
        The independent checker accepted the certificate.
    text : str
        The proof as a person reads it.
    counterexample : dict or None
        For a refuted claim: a linear operator of the class, run with :func:`monoverify.solvers.run`,
        whose metric exceeds the claim.
    attempt : str
        Which attempt produced the certificate (``vertex``, ``interior``, ``facial``, ``epsilon``).
    wall_time : float
    """

    status: str
    message: str
    claimed: str
    proved: str | None = None
    epsilon: str | None = None
    pep_value: float | None = None
    certificate: dict | None = None
    checked: bool = False
    text: str = ""
    counterexample: dict | None = None
    attempt: str = ""
    wall_time: float = 0.0

    @property
    def success(self) -> bool:
        return self.status in ("proved", "proved_epsilon") and self.checked


def _psd_certificate(pep: ExactPEP, bound: Fraction, lam: list, mu: list) -> list | None:
    S = exact.residual_matrix(pep, bound, lam, mu)
    return S if checker.is_psd(S)[0] else None


def _round_attempt(pep: ExactPEP, bound: Fraction, sol: sdp.DualSolution, denoms: tuple = _DENOMS) -> tuple | None:
    for D in denoms:
        lam = exact.round_weights(sol.lam, D, 1e-12)
        mu = exact.normalise(exact.round_weights(sol.mu, D, 1e-12))
        if mu is None:
            continue
        S = _psd_certificate(pep, bound, lam, mu)
        if S is not None:
            return lam, mu, S
    return None


def _facial_attempt(pep: ExactPEP, bound: Fraction, sol: sdp.DualSolution) -> tuple | None:
    scale = max(1.0, float(np.max(np.abs(np.linalg.eigvalsh(sol.S)))))
    for tol in (1e-6, 1e-5, 1e-4, 1e-3):
        for Dv in (10 ** 2, 10 ** 3, 10 ** 4, 10 ** 6):
            null = exact.rational_nullspace(sol.S, tol * scale, Dv)
            if null is None:
                continue
            for D in (10 ** 2, 10 ** 3, 10 ** 4, 10 ** 6, 10 ** 9):
                lam = exact.round_weights(sol.lam, D, 1e-7)
                mu = exact.round_weights(sol.mu, D, 1e-7)
                got = exact.project_to_nullspace(pep, bound, lam, mu, null)
                if got is None:
                    continue
                S = _psd_certificate(pep, bound, *got)
                if S is not None:
                    return got[0], got[1], S
    return None


def _lifted(got: tuple, delta: Fraction) -> tuple:
    """A certificate of ``b`` turned into one of ``b + delta`` (``delta >= 0``): the identity gains
    ``delta ||z0 - z*||^2 = delta e0 e0^T`` on both sides, and ``S + delta e0 e0^T`` stays PSD."""
    lam, mu, S = got
    S = [list(row) for row in S]
    S[0][0] += delta
    return lam, mu, S


def _simple_above(x: float) -> Fraction:
    """A short rational slightly above ``x > 0`` (two significant digits, rounded up, plus 1 %)."""
    e = math.floor(math.log10(x * 1.01))
    unit = Fraction(10) ** (e - 1)
    return unit * math.ceil(Fraction(x * 1.01) / unit)


def certify(pep: ExactPEP, bound: Fraction, pep_value: float | None = None) -> tuple[str, Fraction, tuple] | None:
    """Exact weights proving ``metric <= (bound + eps) D0`` for the smallest ``eps`` tried:
    ``(attempt, eps, (lam, mu, S))`` or None.

    A bound far above the worst case ``pep_value`` (which the SDP solvers handle badly: the dual
    is scaled by the bound) is proved at a short rational just above the worst case and lifted
    (:func:`_lifted`), an exact step.
    """
    if pep_value is not None and pep_value > 0 and bound > 2 * Fraction(pep_value):
        low = _simple_above(pep_value)
        got = certify(pep, low) if low < bound else None
        if got is not None and low + got[1] <= bound:
            return f"lifted from {low + got[1]} ({got[0]})", Fraction(0), _lifted(got[2], bound - low - got[1])
    sol = sdp.interior(pep, float(bound))
    if sol.status.startswith("optimal"):
        if sol.margin > 0:
            # an extreme point first: few inequalities, simple weights (a shorter proof to read)
            vx = sdp.vertex(pep, float(bound), "min")
            got = _round_attempt(pep, bound, vx, _DENOMS[:4]) if vx.status.startswith("optimal") else None
            if got is not None:
                return "vertex", Fraction(0), got
            got = _round_attempt(pep, bound, sol)
            if got is not None:
                return "interior", Fraction(0), got
        if sol.margin > -1e-6:
            for direction in ("min", "max"):
                vx = sdp.vertex(pep, float(bound), direction)
                if vx.status.startswith("optimal"):
                    got = _round_attempt(pep, bound, vx, _DENOMS[:4]) or _facial_attempt(pep, bound, vx)
                    if got is not None:
                        return "facial", Fraction(0), got
            got = _facial_attempt(pep, bound, sol)
            if got is not None:
                return "facial", Fraction(0), got
    unit = Fraction(10) ** (math.floor(math.log10(float(bound))) if bound > 0 else 0)
    for k in (9, 8, 7, 6, 5, 4, 3, 2):
        eps = unit * Fraction(1, 10 ** k)  # relative 10^-k of the bound's order of magnitude
        sol = sdp.interior(pep, float(bound + eps))
        if sol.status.startswith("optimal") and sol.margin > 0:
            got = _round_attempt(pep, bound + eps, sol)
            if got is not None:
                return "epsilon", eps, got
    return None


def prove(method: Any, rho: Any, L: Any, n: int, bound: Any, metric: str = "operator", iterate: str = "last",
          *, counterexample: bool = True, describe: str | None = None, registered: tuple | None = None,
          theorem: tuple | None = None) -> Proof:
    """Prove ``metric(z_n) <= bound * ||z0 - z*||^2`` on the class, or refuse.

    Parameters
    ----------
    method : Method
        A registered or user method with exact (rational) hyper-parameters.
    rho, L : rational
        The class: ``rho``-comonotone and ``L``-Lipschitz; ``L=None`` is the set-valued maximally
        ``rho``-comonotone class (resolvent methods).
    n : int
        Number of outer steps.
    bound : rational
        The claimed constant (``||z0 - z*||^2 = 1``); e.g. ``Fraction(27, 256)`` or ``"27/256"``.
    metric, iterate : str
        See :mod:`monoverify.theory.prove.problem`.
    counterexample : bool
        For a refused claim, look for a linear operator of the class that breaks it.
    describe : str, optional
        Deprecated and ignored: the proof text names the method from the certificate's description
        of it (``registered`` or the method's classes and fields).
    registered : (str, dict), optional
        ``(name, params)`` when ``method`` is ``make(name, **params)``: the certificate records it and
        its check builds it again.
    theorem : (str, dict), optional
        ``(id, params)`` when the claim is a registry theorem's at exact parameters: the check
        re-derives the theorem's bound, method, class and metric.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> from monoverify.solvers import make
    >>> p = prove(make("pp", gamma=Q(1)), rho=0, L=None, n=1, bound=1)
    >>> p.status, p.checked, p.certificate["inequalities"][0]["weight"]
    ('proved', True, '2')
    """
    from monoverify.errors import InvalidValue

    t0 = time.perf_counter()
    if isinstance(bound, float) and not math.isfinite(bound):
        raise InvalidValue(f"bound must be a finite rational >= 0, got bound={bound!r}")
    b = to_q("bound", bound)
    if b < 0:
        raise InvalidValue(f"bound must be a finite rational >= 0, got bound={b}")
    pep = build(method, rho, L, n, metric, iterate)
    base = dict(claimed=str(b))
    wc = sdp.worst_case_value(pep)
    if not wc.status.startswith("optimal"):
        return Proof(status="failed", message=f"the dual PEP was not solved ({wc.status})", **base,
                     wall_time=time.perf_counter() - t0)
    pv = float(wc.tau)
    if float(b) < pv * (1 - _REFUTE_REL) - 1e-12:
        return _refuse(method, pep, b, pv, counterexample, base, t0)
    got = certify(pep, b, pv)
    if got is None:
        return Proof(status="not_certified", pep_value=pv, **base, wall_time=time.perf_counter() - t0,
                     message=f"no exact certificate found (PEP worst case {pv:.9g}, claim {float(b):.9g})")
    attempt, eps, (lam, mu, S) = got
    cert = make_certificate(pep, b + eps, lam, mu, S, method=method, claimed=b, epsilon=eps, pep_value=pv,
                            registered=registered, theorem=theorem)
    ok, problems, _ = check_certificate(cert, method)
    from .text import render

    status = "proved" if eps == 0 else "proved_epsilon"
    msg = (f"proved: {pep.metric_names[-1] if len(pep.metric_names) == 1 else 'min of ' + str(len(pep.metric_names)) + ' metrics'}"
           f" <= {b + eps} ||z0 - z*||^2 (PEP worst case {pv:.9g})")
    if eps:
        msg += f"; the claim {b} itself was not certified, the smallest certified epsilon is {eps} ({float(eps):.3g})"
    if not ok:
        status, msg = "not_certified", "the independent checker rejected the certificate: " + "; ".join(problems)
    return Proof(status=status, message=msg, **base, proved=str(b + eps), epsilon=str(eps), pep_value=pv,
                 certificate=cert if ok else None, checked=ok, text=render(cert) if ok else "",
                 attempt=attempt, wall_time=time.perf_counter() - t0)


def _refuse(method: Any, pep: ExactPEP, b: Fraction, pv: float, want_cex: bool, base: dict, t0: float) -> Proof:
    from .refute import linear_counterexample

    cex = linear_counterexample(method, pep, float(b)) if want_cex else None
    exact_class = pep.L is None
    if cex is not None or exact_class:
        status = "refuted"
        why = ("the PEP is exact for the set-valued class, so the claim is false" if exact_class
               else "a linear operator of the class breaks it")
    else:
        status = "not_certified"
        why = "the PEP is a relaxation for this class (no interpolation theorem), so this does not prove the claim false"
    msg = f"claim {b} ({float(b):.9g}) is below the PEP worst case {pv:.9g}: no certificate; {why}"
    if cex is not None:
        msg += f"; counterexample: {cex['description']} gives {cex['value']:.9g}"
    return Proof(status=status, message=msg, **base, pep_value=pv, counterexample=cex,
                 wall_time=time.perf_counter() - t0)
