"""Algebraic identities between the registered methods (SPEC §3.6, I-1 ... I-9; §8 item 11).

Every reference update below is written directly in NumPy from the one-line formulas of SPEC §3,
independently of the solver code; one ``step`` of the registered method (built with ``make``)
must reproduce it to 1e-12 on random nonlinear maps ``F z = A z + sin z + b`` (dim 2-5), with box
projections for the constrained identities I-2 and I-4 (and I-7). I-9 (the limit tau -> oo) is
checked to 1e-10 with tau = 400 on random linear maps.
"""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.operators import Box, LinearOperator
from monoverify.solvers import Oracle, make
from monoverify.solvers.lookahead import Lookahead

N_MAPS = 200  # SPEC §8 item 11: 200 random maps
BATCH = 4  # points per map
ATOL = 1e-12


from _maps import SinMap  # noqa: E402  (shared test operator)


def _cases(seed: int, n: int = N_MAPS, box: bool = False):
    """Yield (A, b, box-or-None, z, gamma, lam, alpha) for ``n`` random maps."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        d = int(rng.integers(2, 6))
        A = rng.standard_normal((d, d)) / np.sqrt(d)
        b = rng.standard_normal(d)
        z = 1.5 * rng.standard_normal((BATCH, d))
        cons = None
        if box:
            lo = -rng.uniform(0.2, 1.0, d)
            hi = rng.uniform(0.2, 1.0, d)
            cons = (lo, hi)
        yield A, b, cons, z, rng.uniform(0.05, 0.9), rng.uniform(0.05, 0.5), rng.uniform(0.05, 1.0)


def _F(A, b):
    return lambda z: z @ A.T + np.sin(z) + b


def _P(cons):
    if cons is None:
        return lambda z: z
    lo, hi = cons
    return lambda z: np.clip(z, lo, hi)


def _op(A, b, cons):
    return SinMap(A, b, None if cons is None else Box(cons[0], cons[1]))


def one_step(method, op, z):
    """One outer iteration of ``method`` from ``z`` (shape (batch, dim)) through an Oracle."""
    oracle = Oracle(op)
    return method.step(method.init(z, oracle), oracle)["z"]


def close(a, b, atol=ATOL):
    np.testing.assert_allclose(a, b, rtol=0, atol=atol)


# --------------------------------------------------------------------------------------------
# I-1, I-5, I-6: unconstrained EG+ family
# --------------------------------------------------------------------------------------------
def test_I1_rapp_tau2_is_egplus():
    for A, b, _, z, g, lam, _a in _cases(1):
        F, op = _F(A, b), _op(A, b, None)
        ref = z - lam * g * F(z - g * F(z))  # EG+(gamma, alpha = lam)
        close(one_step(make("rapp", gamma=g, lam=lam, tau=2), op, z), ref)
        close(one_step(make("eg+", gamma=g, alpha=lam), op, z), ref)


def test_I5_la_eg_tau1_is_egplus_and_la_egplus():
    for A, b, _, z, g, lam, alpha in _cases(5):
        F, op = _F(A, b), _op(A, b, None)
        ref = z - lam * g * F(z - g * F(z))
        close(one_step(make("la-eg", gamma=g, lam=lam, tau=1), op, z), ref)
        # LA-EG+(alpha, tau = 1, lam) = EG+(gamma, alpha lam)
        ref2 = z - alpha * lam * g * F(z - g * F(z))
        close(one_step(make("la-eg+", gamma=g, alpha=alpha, lam=lam, tau=1), op, z), ref2)
        close(one_step(make("eg+", gamma=g, alpha=alpha * lam), op, z), ref2)


def test_I6_ceg_family_unconstrained():
    for A, b, _, z, g, _l, alpha in _cases(6):
        F, op = _F(A, b), _op(A, b, None)
        eg = z - g * F(z - g * F(z))  # Korpelevich, P = id
        egp = z - alpha * g * F(z - g * F(z))
        close(one_step(make("eg", gamma=g), op, z), eg)
        close(one_step(make("ceg+", gamma=g, alpha=1.0), op, z), eg)  # CEG = Tseng FBF = EG
        close(one_step(make("eg+", gamma=g, alpha=1.0), op, z), eg)  # EG+(alpha = 1) = EG
        close(one_step(make("ceg+", gamma=g, alpha=alpha), op, z), egp)  # CEG+ = EG+
        close(one_step(make("eg+", gamma=g, alpha=alpha), op, z), egp)


# --------------------------------------------------------------------------------------------
# I-2, I-4: constrained relaxed forms (box projection)
# --------------------------------------------------------------------------------------------
def test_I2_constrained_rapp_tau2_is_relaxed_projected_eg():
    clipped = 0
    for A, b, cons, z, g, lam, _a in _cases(2, box=True):
        F, P, op = _F(A, b), _P(cons), _op(A, b, cons)
        w1 = P(z - g * F(z))
        clipped += int(np.sum(w1 != z - g * F(z)))
        ref = (1 - lam) * z + lam * P(z - g * F(w1))
        close(one_step(make("rapp", gamma=g, lam=lam, tau=2), op, z), ref)
        # eg+ is Lookahead(EG, 1, alpha): with constraints the same relaxed projected EG
        close(one_step(make("eg+", gamma=g, alpha=lam), op, z), ref)
    assert clipped > 100  # the projection is active, so the identity is not the unconstrained one


def test_I4_rapp_tau1_is_gda():
    for A, b, _, z, g, lam, _a in _cases(4):
        F, op = _F(A, b), _op(A, b, None)
        ref = z - lam * g * F(z)
        close(one_step(make("rapp", gamma=g, lam=lam, tau=1), op, z), ref)
        close(one_step(make("gda", gamma=lam * g), op, z), ref)
    clipped = 0
    for A, b, cons, z, g, lam, _a in _cases(40, box=True):
        F, P, op = _F(A, b), _P(cons), _op(A, b, cons)
        clipped += int(np.sum(P(z - g * F(z)) != z - g * F(z)))
        ref = (1 - lam) * z + lam * P(z - g * F(z))
        close(one_step(make("rapp", gamma=g, lam=lam, tau=1), op, z), ref)
    assert clipped > 100


# --------------------------------------------------------------------------------------------
# I-3: LA-GDA(tau = 2) = average of GDA and EG+
# --------------------------------------------------------------------------------------------
def test_I3_la_gda_tau2_is_average_of_gda_and_egplus():
    for A, b, _, z, g, lam, _a in _cases(3):  # lam in (0, 1/2) so alpha = 2 lam <= 1
        F, op = _F(A, b), _op(A, b, None)
        # direct: two GDA steps from z, then interpolation
        w1 = z - g * F(z)
        w2 = w1 - g * F(w1)
        la = (1 - lam) * z + lam * w2
        closed = z - lam * g * (F(z) + F(z - g * F(z)))
        gda = z - 2 * lam * g * F(z)
        egp = z - 2 * lam * g * F(z - g * F(z))
        close(la, closed)
        close(la, 0.5 * gda + 0.5 * egp)
        # the same through make(...)
        got = one_step(make("la-gda", gamma=g, lam=lam, tau=2), op, z)
        close(got, la)
        avg = 0.5 * one_step(make("gda", gamma=2 * lam * g), op, z) + 0.5 * one_step(make("eg+", gamma=g, alpha=2 * lam), op, z)
        close(got, avg)


# --------------------------------------------------------------------------------------------
# I-7: LA(Alg, tau, lam = 1) = Alg^tau;  LA-GDA(tau = 1, lam) = GDA(lam gamma)
# --------------------------------------------------------------------------------------------
def _ref_steps(name, F, P, g, alpha, z, tau):
    """``tau`` steps of a base method from z, written from SPEC §3 (fresh state at z)."""
    w = z
    Fprev = F(z)
    for _ in range(tau):
        if name == "gda":
            w = P(w - g * F(w))
        elif name == "eg":
            w = P(w - g * F(P(w - g * F(w))))
        elif name == "ceg+":
            Fw = F(w)
            wb = P(w - g * Fw)
            w = w + alpha * ((wb - g * F(wb)) - (w - g * Fw))
        elif name == "ogda":
            Fw = F(w)
            w, Fprev = P(w - 2 * g * Fw + g * Fprev), Fw
        else:  # pragma: no cover
            raise AssertionError(name)
    return w


@pytest.mark.parametrize("box", [False, True])
def test_I7_lookahead_lam1_is_power(box):
    from monoverify.solvers.methods import EG, GDA, OGDA, CEGPlus

    bases = {"gda": lambda g, a: GDA(g), "eg": lambda g, a: EG(g), "ceg+": lambda g, a: CEGPlus(g, a),
             "ogda": lambda g, a: OGDA(g)}
    rng = np.random.default_rng(77)
    for A, b, cons, z, g, lam, alpha in _cases(7 + box, n=60, box=box):
        F, P, op = _F(A, b), _P(cons), _op(A, b, cons)
        g = g / (np.linalg.norm(A, 2) + 1)  # keep tau steps bounded
        tau = int(rng.integers(1, 6))
        for name, mk in bases.items():
            ref = _ref_steps(name, F, P, g, alpha, z, tau)
            base = mk(g, alpha)
            close(one_step(Lookahead(base, tau, 1.0), op, z), ref)
            # Alg^tau through the base method's own step
            oracle = Oracle(op)
            st = base.init(z, oracle)
            for _ in range(tau):
                st = base.step(st, oracle)
            close(st["z"], ref)
        # the named Lookahead methods with lam = 1
        close(one_step(make("la-gda", gamma=g, lam=1.0, tau=tau), op, z), _ref_steps("gda", F, P, g, alpha, z, tau))
        close(one_step(make("la-eg", gamma=g, lam=1.0, tau=tau), op, z), _ref_steps("eg", F, P, g, alpha, z, tau))
        close(one_step(make("la-ceg+", gamma=g, alpha=alpha, lam=1.0, tau=tau), op, z),
              _ref_steps("ceg+", F, P, g, alpha, z, tau))


def test_I7_la_gda_tau1_is_gda():
    for A, b, _, z, g, lam, _a in _cases(71):
        F, op = _F(A, b), _op(A, b, None)
        ref = z - lam * g * F(z)
        close(one_step(make("la-gda", gamma=g, lam=lam, tau=1), op, z), ref)
        close(one_step(make("gda", gamma=lam * g), op, z), ref)


# --------------------------------------------------------------------------------------------
# I-8: OGDA = past extragradient (Popov)
# --------------------------------------------------------------------------------------------
def test_I8_ogda_is_past_extragradient():
    K = 8
    for A, b, _, z, g, _l, _a in _cases(8):
        F, op = _F(A, b), _op(A, b, None)
        g = g / (np.linalg.norm(A, 2) + 1)
        # Popov: xb_k = x_k - g F(xb_{k-1}), x_{k+1} = x_k - g F(xb_k); start so that xb_0 = z and
        # F(xb_{-1}) = F(z) (OGDA's convention F z^{-1} := F z^0): x_0 = z + g F(z)
        x, Fxb_prev = z + g * F(z), F(z)
        popov = []
        for _ in range(K + 1):
            xb = x - g * Fxb_prev
            popov.append(xb)
            Fxb_prev = F(xb)
            x = x - g * Fxb_prev
        method = make("ogda", gamma=g)
        oracle = Oracle(op)
        st = method.init(z, oracle)
        close(st["z"], popov[0])
        for k in range(1, K + 1):
            st = method.step(st, oracle)
            close(st["z"], popov[k], atol=1e-12 * (1 + np.abs(popov[k]).max()))


# --------------------------------------------------------------------------------------------
# I-9: RAPP(tau -> oo) -> relaxed PP, APP(tau -> oo) -> PP, relaxed PP(lam = 1) = PP
# --------------------------------------------------------------------------------------------
def test_I9_rapp_limit_is_relaxed_pp():
    rng = np.random.default_rng(9)
    for _ in range(50):
        d = int(rng.integers(2, 6))
        M = rng.standard_normal((d, d))
        op = LinearOperator(M)
        L = np.linalg.norm(M, 2)
        g = rng.uniform(0.3, 0.9) / L  # gamma L <= 0.9: error (gamma L)^400 < 1e-18
        lam = rng.uniform(0.05, 1.0)
        z = rng.standard_normal((BATCH, d))
        J = np.linalg.inv(np.eye(d) + g * M)  # J_{gamma T} for T = M (independent of the solver)
        Jz = z @ J.T
        rpp = (1 - lam) * z + lam * Jz
        close(one_step(make("rapp", gamma=g, lam=lam, tau=400), op, z), rpp, atol=1e-10)
        close(one_step(make("app", gamma=g, tau=400), op, z), Jz, atol=1e-10)
        close(one_step(make("relaxed-pp", gamma=g, lam=lam), op, z), rpp)
        close(one_step(make("relaxed-pp", gamma=g, lam=1.0), op, z), Jz)
        close(one_step(make("pp", gamma=g), op, z), Jz)
