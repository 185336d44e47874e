"""Convergence facts on linear games (SPEC R3, R15, R19-R22, §5, §8 items 4, 13, 15-18).

Expected values come from the closed forms of SPEC §4/§5 (evaluated here with NumPy), never
from the solver. On a 2x2 rotation-scaling map (``BilinearGame([[L]])``, ``LowerBoundGame``) every
stationary linear method multiplies by ``p(gamma M)``, itself a rotation-scaling matrix, so
``||z^{k+1}|| = |m(u)| ||z^k||`` *exactly* at every step: the measured per-step ratio of ``||z||``
(``history.distance``, the solution being 0) must equal the modulus of the SPEC §5 multiplier.
Each convergence criterion is swept across its threshold in one batched call; a narrow band
around the threshold (where the rate tends to 1 and no finite run decides) is excluded.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from monoverify.operators import BilinearGame, LowerBoundGame
from monoverify.solvers import make, run

Z0 = np.array([1.0, 0.5])


def _run(method, op, z0=Z0, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        r = run(method, op, z0, **kw)
    assert not [w for w in rec if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in rec]
    return r


def _step_ratios(r):
    """Per-step ratios ||z^{k+1}||/||z^k||, shape (iters, batch) (NaN after an instance stops)."""
    d = r.history.distance
    return d[1:] / d[:-1]


def _assert_ratios(r, expected, rtol=1e-9):
    q = _step_ratios(r)
    expected = np.broadcast_to(np.asarray(expected, dtype=float), q.shape[1:])
    for j in range(q.shape[1]):
        qj = q[:, j][np.isfinite(q[:, j])]
        assert qj.size >= 5, (j, qj.size)
        np.testing.assert_allclose(qj, expected[j], rtol=rtol, atol=0, err_msg=f"instance {j}")


def _lbg_u(c, t):
    """Eigenvalue u = gamma mu of LowerBoundGame(rho = -c/L, L) at t = gamma L (SPEC §5.1)."""
    return t * (-c + 1j * np.sqrt(1 - c * c))


def _band(x, x_star, rel):
    return np.abs(x / x_star - 1) >= rel


def _controlled_bilinear(seed=0, svals=(1.0, 0.8, 0.6)):
    """BilinearGame(A) with A = U diag(svals) V^T (so L = max svals, every t_j known)."""
    rng = np.random.default_rng(seed)
    n = len(svals)
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return BilinearGame(U @ np.diag(svals) @ V.T), 2 * n


# --------------------------------------------------------------------------------------------
# GDA on bilinear games (R21): diverges for every gamma > 0, modulus sqrt(1 + t^2)
# --------------------------------------------------------------------------------------------
def test_gda_bilinear_modulus_exact():
    L = 2.0
    op = BilinearGame([[L]])
    gammas = np.geomspace(0.005, 2.0, 40)
    iters = 30
    r = _run(make("gda", gamma=gammas), op, iters=iters)
    t = gammas * L
    _assert_ratios(r, np.sqrt(1 + t**2))
    assert np.all(_step_ratios(r)[np.isfinite(_step_ratios(r))] > 1)
    # status: diverged iff ||z0|| (1 + t^2)^{k/2} passes 1e10 (1 + ||z0||) within the budget
    n0 = np.linalg.norm(Z0)
    reach = n0 * (1 + t**2) ** (iters / 2) > 1e10 * (1 + n0)
    margin = np.abs(np.log(n0 * (1 + t**2) ** (iters / 2) / (1e10 * (1 + n0)))) > 0.1
    assert reach.any() and (~reach).any()
    assert np.all((r.status == "diverged")[margin] == reach[margin])
    assert np.all((r.status[~reach & margin] == "max_iter"))


def test_gda_bilinear_general_game_grows_every_step():
    # any bilinear game: ||(I - gM) z||^2 = ||z||^2 + g^2 ||Mz||^2 (M skew), so ||z|| grows
    rng = np.random.default_rng(3)
    op = BilinearGame(rng.standard_normal((3, 2)))
    gammas = np.geomspace(0.01, 1.5, 25)
    z0 = rng.standard_normal(5)
    r = _run(make("gda", gamma=gammas), op, z0=z0, iters=200)
    d, res = r.history.distance, r.history.residual
    lhs = d[1:] ** 2 - d[:-1] ** 2
    rhs = gammas[None, :] ** 2 * res[:-1] ** 2
    ok = np.isfinite(lhs)
    np.testing.assert_allclose(lhs[ok], rhs[ok], rtol=1e-9, atol=1e-12 * np.nanmax(d[:-1] ** 2))
    assert np.all(lhs[ok] > 0)
    assert r.status[-1] == "diverged"


# --------------------------------------------------------------------------------------------
# EG on bilinear games (R21): converges iff gamma L < 1
# --------------------------------------------------------------------------------------------
def test_eg_bilinear_converges_iff_tL_below_1():
    op, dim = _controlled_bilinear(0)
    L = float(op.L)
    t = np.linspace(0.3, 2.0, 69)
    t = t[_band(t, 1.0, 0.05)]
    z0 = np.random.default_rng(1).standard_normal(dim)
    r = _run(make("eg", gamma=t / L), op, z0=z0, iters=3000, tol=1e-8)
    np.testing.assert_array_equal(r.status, np.where(t < 1, "converged", "diverged"))


def test_eg_bilinear_modulus_exact():
    op = BilinearGame([[1.5]])
    t = np.linspace(0.1, 1.6, 31)
    r = _run(make("eg", gamma=t / 1.5), op, iters=40)
    _assert_ratios(r, np.sqrt(1 - t**2 + t**4))  # |1 - u + u^2|, u = i t


# --------------------------------------------------------------------------------------------
# PP on bilinear games (R21): converges for every gamma > 0, factor 1/sqrt(1 + t^2)
# --------------------------------------------------------------------------------------------
def test_pp_bilinear_factor_exact():
    op = BilinearGame([[1.0]])
    t = np.geomspace(0.1, 20.0, 30)
    r = _run(make("pp", gamma=t), op, iters=10)
    _assert_ratios(r, 1 / np.sqrt(1 + t**2))


def test_pp_bilinear_converges_for_every_gamma():
    op, dim = _controlled_bilinear(2)
    t = np.geomspace(0.3, 30.0, 25)
    z0 = np.random.default_rng(2).standard_normal(dim)
    r = _run(make("pp", gamma=t / float(op.L)), op, z0=z0, iters=2500, tol=1e-8)
    assert np.all(r.status == "converged"), r.status


# --------------------------------------------------------------------------------------------
# Relaxed PP on LowerBoundGame (R3): converges iff lam < 2 (1 + rho/gamma)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("c,t", [(0.3, 0.9), (0.6, 0.9)])
def test_relaxed_pp_threshold(c, t):
    L = 1.0
    op = LowerBoundGame(-c / L, L)
    gamma = t / L
    lam_star = 2 * (1 - c / t)  # = 2 (1 + rho/gamma)
    lam = np.linspace(0.05, 2.0, 80)
    lam = lam[_band(lam, lam_star, 0.02)]
    u = _lbg_u(c, t)
    modulus = np.abs(1 - lam + lam / (1 + u))
    assert np.array_equal(modulus < 1, lam < lam_star)  # the closed form agrees with the spectrum
    r = _run(make("relaxed-pp", gamma=gamma, lam=lam), op, iters=3000, tol=1e-8)
    np.testing.assert_array_equal(r.status, np.where(lam < lam_star, "converged", "diverged"))
    short = _run(make("relaxed-pp", gamma=gamma, lam=lam), op, iters=20)
    _assert_ratios(short, modulus)


# --------------------------------------------------------------------------------------------
# EG+ on LowerBoundGame at gamma = 1/L (R15): radius < 1 iff 2c + alpha < 1,
# r^2 = 1 - 2 alpha (1 + c)(1 - 2c - alpha)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("c", [0.0, 0.1, 0.25, 1 / 3, 0.45])
def test_egplus_contraction_factor(c):
    L = 3.0
    op = LowerBoundGame(-c / L, L)
    alpha = np.linspace(0.02, 1.0, 50)
    r2 = 1 - 2 * alpha * (1 + c) * (1 - 2 * c - alpha)
    run_ = _run(make("eg+", gamma=1 / L, alpha=alpha), op, iters=40)
    _assert_ratios(run_, np.sqrt(r2))
    q = _step_ratios(run_)[0]
    keep = np.abs(2 * c + alpha - 1) > 1e-9
    assert np.array_equal((q < 1)[keep], (2 * c + alpha < 1)[keep])


def test_egplus_table_values():
    # SPEC R15: c = 1/3 (L = 3, rho = -1/9): r = 1.105542 (alpha 1/2), 0.971825 (alpha 1/4);
    # c = 1/8: 1.000000 (alpha 3/4), 0.847791 (alpha 1/2)
    for c, alpha, rr in [(1 / 3, 0.5, 1.105542), (1 / 3, 0.25, 0.971825), (0.125, 0.75, 1.0), (0.125, 0.5, 0.847791)]:
        op = LowerBoundGame(-c / 3.0, 3.0)
        r = _run(make("eg+", gamma=1 / 3.0, alpha=alpha), op, iters=10)
        np.testing.assert_allclose(_step_ratios(r), rr, atol=5e-7)


@pytest.mark.parametrize("c", [0.1, 1 / 3])
def test_egplus_converges_iff_2c_plus_alpha_below_1(c):
    L = 1.0
    op = LowerBoundGame(-c / L, L)
    alpha = np.linspace(0.05, 1.0, 60)
    alpha = alpha[np.abs(2 * c + alpha - 1) >= 0.03]
    r = _run(make("eg+", gamma=1 / L, alpha=alpha), op, iters=3000, tol=1e-8)
    np.testing.assert_array_equal(r.status, np.where(2 * c + alpha < 1, "converged", "diverged"))


# --------------------------------------------------------------------------------------------
# OGDA on bilinear games (R21): converges iff gamma L < 1/sqrt(3)
# --------------------------------------------------------------------------------------------
def test_ogda_bilinear_threshold():
    L = 2.0
    op = BilinearGame([[L]])
    t_star = 1 / np.sqrt(3)
    t = np.concatenate([np.linspace(0.25, 0.55, 13), np.linspace(0.6, 1.0, 9)])
    assert np.all(_band(t, t_star, 0.03))
    r = _run(make("ogda", gamma=t / L), op, iters=2000, tol=1e-8)
    np.testing.assert_array_equal(r.status, np.where(t < t_star, "converged", "diverged"))
    # asymptotic per-step factor = largest |root| of x^2 - (1 - 2u) x - u, u = i t (SPEC §5)
    radius = np.array([max(abs(np.roots([1, -(1 - 2j * s), -1j * s]))) for s in t])
    single = np.abs(t - 0.5) > 1e-9  # t = 1/2: double root (Jordan block), ||z^k|| ~ k r^k
    short = _run(make("ogda", gamma=t[single] / L), op, iters=120, diverge_at=1e300)
    d = short.history.distance
    measured = (d[120] / d[100]) ** (1 / 20)
    np.testing.assert_allclose(measured, radius[single], rtol=1e-5)


def test_ogda_spec_radii():
    # SPEC §8 item 17: OGDA radius 0.707107 (t = 0.5), 1.057353 (t = 0.6)
    op = BilinearGame([[1.0]])
    r = _run(make("ogda", gamma=0.6), op, iters=200, diverge_at=1e300)
    d = r.history.distance
    np.testing.assert_allclose((d[200] / d[150]) ** (1 / 50), 1.057353, atol=2e-6)
    # t = 1/2: x^2 - (1 - i) x - i/2 = (x - (1 - i)/2)^2, a double root of modulus 1/sqrt(2), so
    # ||z^k|| / (k r^k) tends to a constant
    roots = np.roots([1, -(1 - 1j), -0.5j])
    np.testing.assert_allclose(np.abs(roots), 0.707107, atol=1e-6)
    rr = 1 / np.sqrt(2)
    r = _run(make("ogda", gamma=0.5), op, iters=400)
    d = r.history.distance
    k = np.array([200, 300, 400])
    scaled = d[k] / (k * rr**k)
    np.testing.assert_allclose(scaled[1:] / scaled[:-1], 1.0, atol=0.01)
    assert d[400] < 1e-50


# --------------------------------------------------------------------------------------------
# LA-GDA(tau = 2) on bilinear games (R22): converges iff lam < 2/(4 + t^2)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_la_gda_tau2_bilinear_threshold(t):
    L = 1.0
    op = BilinearGame([[L]])
    lam_star = 2 / (4 + t * t)
    lam = np.linspace(0.2 * lam_star, 2.5 * lam_star, 40)
    lam = lam[_band(lam, lam_star, 0.05)]
    modulus = np.abs(1 - lam * t * t - 2j * lam * t)
    short = _run(make("la-gda", gamma=t / L, lam=lam, tau=2), op, iters=20)
    _assert_ratios(short, modulus)
    r = _run(make("la-gda", gamma=t / L, lam=lam, tau=2), op, iters=3000, tol=1e-8, diverge_at=1e4)
    np.testing.assert_array_equal(r.status, np.where(lam < lam_star, "converged", "diverged"))


def test_la_gda_spec_thresholds():
    # SPEC §8 item 18: lam* = 0.492308, 0.470588, 0.4, 0.25 at t = 0.25, 0.5, 1, 2
    for t, ls in [(0.25, 0.492308), (0.5, 0.470588), (1.0, 0.4), (2.0, 0.25)]:
        assert abs(2 / (4 + t * t) - ls) < 1e-6
        op = BilinearGame([[1.0]])
        r = _run(make("la-gda", gamma=t, lam=np.array([ls * (1 - 1e-4), ls * (1 + 1e-4)]), tau=2), op, iters=5)
        q = _step_ratios(r)[0]
        assert q[0] < 1 < q[1]


# --------------------------------------------------------------------------------------------
# LA-EG(tau = 1) on LowerBoundGame at gamma = 1/L (R19): converges iff lam < 1 - 2c
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("c", [0.1, 0.3])
def test_la_eg_tau1_threshold(c):
    L = 2.0
    op = LowerBoundGame(-c / L, L)
    lam_star = 1 - 2 * c
    lam = np.linspace(0.05, 1.0, 40)
    lam = lam[_band(lam, lam_star, 0.05)]
    u = _lbg_u(c, 1.0)
    modulus = np.abs(1 - lam * u * (1 - u))  # 1 - lam + lam (1 - u + u^2)
    short = _run(make("la-eg", gamma=1 / L, lam=lam, tau=1), op, iters=20)
    _assert_ratios(short, modulus)
    r = _run(make("la-eg", gamma=1 / L, lam=lam, tau=1), op, iters=3000, tol=1e-8, diverge_at=1e4)
    np.testing.assert_array_equal(r.status, np.where(lam < lam_star, "converged", "diverged"))


@pytest.mark.parametrize("c", [0.45, 0.5, 0.7])
def test_la_eg_tau1_modulus_near_and_past_half(c):
    # c = 0.45: only lam < 0.1 works; c >= 1/2: no lam works (EG modulus 1 + 2c)
    L = 1.0
    op = LowerBoundGame(-c / L, L)
    lam = np.linspace(0.01, 1.0, 50)
    u = _lbg_u(c, 1.0)
    short = _run(make("la-eg", gamma=1 / L, lam=lam, tau=1), op, iters=15)
    q = _step_ratios(short)[0]
    np.testing.assert_allclose(q, np.abs(1 - lam * u * (1 - u)), rtol=1e-9)
    keep = np.abs(lam - (1 - 2 * c)) > 1e-9
    assert np.array_equal((q < 1)[keep], (lam < 1 - 2 * c)[keep])
    # EG alone (lam = 1): modulus 1 + 2c
    eg = _run(make("eg", gamma=1 / L), op, iters=10)
    np.testing.assert_allclose(_step_ratios(eg), 1 + 2 * c, rtol=1e-12)
