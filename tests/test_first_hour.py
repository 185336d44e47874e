"""Regression tests of issue 23's "first hour" defects (each failed on the code before its fix)."""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.operators import LinearOperator
from monoverify.solvers import Lookahead, make, run
from monoverify.solvers.methods import GDA


# ------------------------------------------------------------------------------------------
# make("rapp", tau=5).tau was 1: the Lookahead field shadowed the inner count
# ------------------------------------------------------------------------------------------
def test_rapp_tau_reads_the_inner_count_the_user_gave():
    m = make("rapp", gamma=0.5, lam=0.5, tau=5)
    assert m.tau == 5
    assert make("la-gda", gamma=0.5, lam=0.5, tau=3).tau == 3
    assert make("app", gamma=0.5, tau=4).tau == 4
    assert Lookahead(GDA(gamma=0.5), tau=2, lam=0.25).tau == 2      # the transform keeps its signature


def test_rapp_takes_tau_anchored_steps_then_the_relaxation():
    # RAPP written out by hand (PXC23 Algorithm 1) on F z = M z: w <- z - gamma M w, tau times, from z
    rng = np.random.default_rng(3)
    M = rng.normal(size=(3, 3)) + 2 * np.eye(3)
    gamma, lam, tau = 0.1, 0.7, 5
    z = np.array([1.0, -0.5, 0.25])
    for _ in range(4):
        w = z.copy()
        for _ in range(tau):
            w = z - gamma * M @ w
        z = (1 - lam) * z + lam * w
    r = run(make("rapp", gamma=gamma, lam=lam, tau=tau), LinearOperator(M), np.array([1.0, -0.5, 0.25]), iters=4)
    np.testing.assert_allclose(np.asarray(r.z).ravel(), z, rtol=1e-13, atol=1e-15)
    # tau = 1 would be one GDA step of size lam*gamma: clearly different after 4 steps
    r1 = run(make("rapp", gamma=gamma, lam=lam, tau=1), LinearOperator(M), np.array([1.0, -0.5, 0.25]), iters=4)
    assert np.max(np.abs(np.asarray(r1.z).ravel() - z)) > 1e-3


# ------------------------------------------------------------------------------------------
# spectral_radius refused alternating methods (PlayersUnavailable) while theory.players.radius answered
# ------------------------------------------------------------------------------------------
def _alt_gda_matrix(t):
    # x+ = x - t y, y+ = y + t x+ on F(x, y) = (y, -x): written out by hand
    return np.array([[1.0, -t], [t, 1.0 - t * t]])


@pytest.mark.parametrize("t", [0.5, 1.9, 2.5, 3.0])
def test_spectral_radius_answers_for_alternating_gda(t):
    from monoverify.operators import BilinearGame
    from monoverify.theory.spectral import spectral_radius

    expected = 1.0 if t <= 2 else (t * t - 2 + t * np.sqrt(t * t - 4)) / 2     # trace 2 - t^2, det 1
    assert expected == pytest.approx(np.max(np.abs(np.linalg.eigvals(_alt_gda_matrix(t)))), rel=1e-12)
    r = spectral_radius(make("alt-gda", gamma=t), BilinearGame([[1.0]]))
    assert isinstance(r, float) and r == pytest.approx(expected, rel=1e-9)


def test_spectral_radius_of_lookahead_alternating_gda_batched():
    from monoverify.operators import BilinearGame
    from monoverify.theory.spectral import converges, spectral_radius

    lam, tau = np.array([0.3, 0.9]), 3
    A = np.linalg.matrix_power(_alt_gda_matrix(1.0), tau)
    expected = [np.max(np.abs(np.linalg.eigvals((1 - lm) * np.eye(2) + lm * A))) for lm in lam]
    r = spectral_radius(make("la-alt-gda", gamma=1.0, lam=lam, tau=tau), BilinearGame([[1.0]]))
    np.testing.assert_allclose(r, expected, rtol=1e-9)
    assert list(converges(make("la-alt-gda", gamma=1.0, lam=lam, tau=tau), BilinearGame([[1.0]]))) == \
        [e < 1 for e in expected]


def test_spectral_radius_of_alternating_gda_needs_the_operator_not_eigenvalues():
    from monoverify.solvers.alternating import PlayersUnavailable
    from monoverify.theory.spectral import spectral_radius

    with pytest.raises(PlayersUnavailable, match="pass the linear operator itself"):
        spectral_radius(make("alt-gda", gamma=0.5), np.array([1j, -1j]))


# ------------------------------------------------------------------------------------------
# after the README's plain install (pip install -e .) the plugin was registered but its strategies
# could not be imported: hypothesis was only in the [test] extra
# ------------------------------------------------------------------------------------------
def test_hypothesis_comes_with_the_plain_install():
    import re
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")
    meta = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    deps = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower() for d in meta["project"]["dependencies"]}
    assert "hypothesis" in deps
    assert meta["project"]["entry-points"]["pytest11"]["monoverify"] == "monoverify.theory.plugin"
    import monoverify.theory.strategies  # noqa: F401  (what the plugin's users import)
