"""Spectral analysis and phase diagrams of the field's methods (issue 25) against closed forms written here.

Multi-step methods (heavy ball's ``(z, zprev)``), time-varying ones (Halpern's counter) and splitting
methods (per-summand eigenvalues, ``terms=``) go through the same unit-state engine; the expected values
are the textbook recursions on one eigen-direction, computed independently.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from monoverify.operators import LinearOperator, Sum
from monoverify.solvers import make
from monoverify.theory import spectral
from monoverify.theory.phase import phase_diagram


def test_heavy_ball_transition_matrix_is_polyaks():
    g, b, m = sp.symbols("gamma beta mu")
    T = spectral.transition_matrix(make("hb", gamma=g, beta=b), mu=m, exact=True)
    assert sp.simplify(T - sp.Matrix([[1 + b - g * m, -b], [1, 0]])) == sp.zeros(2, 2)


def test_douglas_rachford_multiplier_on_commuting_summands():
    """On a common eigen-direction with eigenvalues a (of A) and b (of B), DR's map on w multiplies by
    1 - lam (a + b)/((1 + a)(1 + b)) (gamma = 1): J_A(2 J_B w - w) - J_B w, written out."""
    a, b, lam = sp.symbols("a b lam", positive=True)
    T = spectral.transition_matrix(make("dr", gamma=1, lam=lam), terms=(a, b), exact=True)
    expected = 1 - lam * (a + b) / ((1 + a) * (1 + b))
    assert any(sp.simplify(e - expected) == 0 for e in T.eigenvals())
    # numerically, through the explicit iteration matrix of a linear sum of commuting diagonal maps
    A, B = np.diag([0.5, 2.0, 1.0]), np.diag([0.1, 3.0, 0.2])
    M = spectral.iteration_matrix(make("dr", gamma=0.7, lam=1.2), Sum(LinearOperator(A), LinearOperator(B)))
    ea, eb = 0.7 * np.diag(A), 0.7 * np.diag(B)
    ref = np.max(np.abs(1 - 1.2 * (ea + eb) / ((1 + ea) * (1 + eb))))
    assert np.max(np.abs(np.linalg.eigvals(M))) == pytest.approx(ref, rel=1e-12)


def test_halpern_k_step_response_equals_the_scalar_recursion():
    mu, g = 0.4 + 0.7j, 0.8
    z = z0 = 1.0 + 0j
    for k in range(12):
        z = z0 / (k + 2) + (k + 1) / (k + 2) * (z - g * mu * z)
    assert complex(spectral.k_step_multiplier(make("halpern", gamma=g), mu, 12)) == pytest.approx(z, rel=1e-12)
    with pytest.raises(ValueError, match="not stationary"):
        spectral.multiplier(make("halpern", gamma=g), np.array([mu]))


def _alt_radius(t, b):
    """Roots of (x - 1)^2 (x - b)^2 + t^2 x^3 (alternating heavy ball on one singular value), by numpy."""
    return np.max(np.abs(np.roots([1.0, t * t - 2 - 2 * b, 1 + 4 * b + b * b, -2 * b * (1 + b), b * b])))


def _sim_radius(t, b):
    return np.max(np.abs(np.roots([1.0, -(1 + b - 1j * t), b])))


def test_momentum_phase_diagram_simultaneous_beside_alternating():
    t = np.linspace(0.05, 2.4, 9)
    beta = np.linspace(-0.9, 0.5, 8)
    sim = phase_diagram("hb", {"gammaL": t, "beta": beta}, family="bilinear", progress=False)
    alt = phase_diagram("alt-hb", {"gammaL": t, "beta": beta}, family="bilinear", progress=False)
    for i, tv in enumerate(t):
        for j, bv in enumerate(beta):
            assert sim.values[i, j] == pytest.approx(_sim_radius(tv, bv), rel=1e-9)
            assert alt.values[i, j] == pytest.approx(_alt_radius(tv, bv), rel=1e-6)
    assert np.all(sim.values >= 1 - 1e-12)                        # simultaneous: never converges
    conv = alt.values < 1
    assert conv.any() and np.all(conv <= (beta[None, :] < 0))      # alternating: only with negative momentum
    assert np.array_equal(conv, (beta[None, :] < 0) & (t[:, None] < 2 * (1 + beta[None, :])))


def test_momentum_figure(tmp_path):
    from monoverify.figures import FIGURES

    paths = FIGURES["momentum_bilinear"].make(tmp_path, quick=True)
    assert sorted(p.name for p in paths) == ["momentum_bilinear.pdf", "momentum_bilinear.png"]
    assert all(p.stat().st_size > 1000 for p in paths)
