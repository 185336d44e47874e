"""Players and alternating GDA: the update, every layer (runs, iteration matrix, phase, PEP refusal),
and its known behaviour on bilinear games (eigenvalues on the unit circle iff gamma L <= 2)."""

from __future__ import annotations

import numpy as np
import pytest

from monoverify.operators import Ball, BilinearGame, Box, Forsaken, GlobalForsaken, LinearOperator, LowerBoundGame
from monoverify.operators.base import check_players
from monoverify.solvers import Lookahead, make, run
from monoverify.solvers.alternating import AltGDA, PlayersUnavailable, uses_players
from monoverify.theory.players import radius
from monoverify.theory.spectral import iteration_matrix, spectral_radius


def test_players_declared():
    assert BilinearGame(np.ones((2, 3))).players == (slice(0, 2), slice(2, 5))
    assert LowerBoundGame(-0.1, 1.0).players == (slice(0, 1), slice(1, 2))
    for op in (Forsaken(), GlobalForsaken()):
        assert op.players == (slice(0, 1), slice(1, 2))
    op = LinearOperator(np.eye(3), players=([0], [1, 2]))
    assert [b.tolist() for b in op.players] == [[0], [1, 2]]
    assert LinearOperator(np.eye(3)).players is None


@pytest.mark.parametrize("players,msg", [([slice(0, 2)], "at least 2"), ([[0], [0, 1, 2]], "several blocks"),
                                         ([[0], [1]], "no block"), ([[0], [1, 5]], "0..2"), ([[0.5], [1]], "integer")])
def test_players_validation(players, msg):
    with pytest.raises(ValueError, match=msg):
        check_players(players, 3)


def test_alt_gda_step_by_hand():
    """f = xy: F = (y, -x); x+ = x - g y, then y+ = y + g x+."""
    g, x, y = 0.3, 0.7, -0.4
    z = AltGDA(g).step({"z": np.array([x, y])}, _oracle(BilinearGame([[1.0]])))["z"]
    xp = x - g * y
    assert z == pytest.approx([xp, y + g * xp], abs=1e-15)


def _oracle(op):
    from monoverify.solvers import Oracle
    return Oracle(op)


@pytest.mark.parametrize("t", [0.3, 1.0, 1.7, 1.99])
def test_iteration_matrix_scalar_game(t):
    T = iteration_matrix(make("alt-gda", gamma=t), BilinearGame([[1.0]]))
    assert T == pytest.approx(np.array([[1, -t], [t, 1 - t * t]]), abs=1e-14)
    ev = np.linalg.eigvals(T)
    assert np.abs(ev) == pytest.approx([1, 1], abs=1e-12)                      # det 1, complex pair
    assert np.cos(np.angle(ev[0])) == pytest.approx(1 - t * t / 2, abs=1e-12)  # cos theta = 1 - t^2/2


def test_beyond_two_diverges():
    t = 2.5
    lam_minus = ((2 - t * t) - np.sqrt(t * t * (t * t - 4))) / 2                # real root, |.| > 1
    assert radius(make("alt-gda", gamma=t), BilinearGame([[1.0]]))[0] == pytest.approx(abs(lam_minus), rel=1e-12)


def test_runs_bounded_not_convergent_and_gda_diverges():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 3))
    A /= np.linalg.norm(A, 2)
    g = BilinearGame(A)
    z0 = rng.standard_normal(6)
    r = run(make("alt-gda", gamma=1.5), g, z0, iters=20000)
    assert str(r.status) == "max_iter"
    norms = np.asarray(r.history.residual)
    assert norms.min() > 1e-3 * norms[0] and norms.max() < 1e3 * norms[0]      # cycles: bounded, no decay
    assert str(run(make("gda", gamma=1.5), g, z0, iters=20000, diverge_at=1e6).status) == "diverged"


def test_batched_equals_single():
    g = LowerBoundGame(0.0, 1.0)
    gam = np.array([0.2, 0.9, 1.5])
    z0 = np.array([1.0, 0.5])
    rb = run(make("la-alt-gda", gamma=gam, lam=0.5, tau=3), g, z0, iters=50)
    for j, gj in enumerate(gam):
        rs = run(make("la-alt-gda", gamma=float(gj), lam=0.5, tau=3), g, z0, iters=50)
        assert np.asarray(rb.z)[j] == pytest.approx(np.asarray(rs.z), rel=1e-13, abs=1e-300)


def test_lookahead_over_alt_gda_closed_form():
    """q = e^{i tau theta}: radius |1 - lam + lam q| (threshold lemma); empirical rate agrees."""
    t, tau, lm = 0.5, 3, 0.3
    q = np.exp(1j * tau * np.arccos(1 - t * t / 2))
    expected = abs(1 - lm + lm * q)
    m = make("la-alt-gda", gamma=t, lam=lm, tau=tau)
    assert radius(m, BilinearGame([[1.0]]))[0] == pytest.approx(expected, rel=1e-12)
    assert uses_players(m) and not uses_players(make("la-gda", gamma=t, lam=lm, tau=tau))


def test_phase_diagram_spectral_and_empirical():
    from monoverify.theory.phase import phase_diagram

    grids = {"gammaL": [0.5, 1.0], "lam": [0.3, 0.9]}
    sp_ = phase_diagram("la-alt-gda", grids, fixed={"tau": 3}, family="bilinear", progress=False)
    for i, t in enumerate(grids["gammaL"]):
        q = np.exp(3j * np.arccos(1 - t * t / 2))
        for j, lm in enumerate(grids["lam"]):
            assert sp_.values[i, j] == pytest.approx(abs(1 - lm + lm * q), rel=1e-10)
    em = phase_diagram("la-alt-gda", grids, fixed={"tau": 3}, family="bilinear", mode="empirical", progress=False)
    assert np.all(np.abs(em.values - sp_.values) < 0.02)


def test_refusals_are_clear():
    with pytest.raises(PlayersUnavailable, match="multiplier per eigenvalue"):   # eigenvalues alone: no players
        spectral_radius(make("alt-gda", gamma=0.5), np.array([1j, -1j]))
    with pytest.raises(PlayersUnavailable, match="declares no players"):
        run(make("alt-gda", gamma=0.5), LinearOperator([[0.0, 1.0], [-1.0, 0.0]]), np.ones(2), iters=2)
    with pytest.raises(PlayersUnavailable, match="separately"):
        run(make("alt-gda", gamma=0.5), GlobalForsaken(), np.ones(2), iters=2)


def test_pep_refuses():
    pytest.importorskip("PEPit")
    from monoverify.theory.pep import worst_case

    with pytest.raises(PlayersUnavailable, match="PEP"):
        worst_case(make("alt-gda", gamma=0.5), 0.0, 1.0, 2)


def test_box_constraint_runs():
    op = LowerBoundGame(0.0, 1.0).with_constraint(Box(-0.5, 0.5, dim=2))
    r = run(Lookahead(AltGDA(0.5), 2, 0.5), op, np.array([1.0, 0.5]), iters=300)
    assert np.all(np.abs(np.asarray(r.z)) <= 0.5 + 1e-15) and r.history.residual[-1] < 1e-8
    with pytest.raises(PlayersUnavailable):
        run(make("alt-gda", gamma=0.5), op.with_constraint(Ball(0.5, 2)), np.ones(2), iters=1)


def test_registry():
    assert make("alt-gda", gamma=0.5) == AltGDA(0.5)
    with pytest.raises(ValueError, match="gamma"):
        make("alt-gda", gamma=-1.0)


def test_array_api_strict_backend():
    xp = pytest.importorskip("array_api_strict")
    g = BilinearGame([[1.0]])
    m = make("la-alt-gda", gamma=0.5, lam=0.5, tau=3)
    r = run(m, g, xp.asarray([1.0, 0.5]), iters=60)
    ref = run(m, g, np.array([1.0, 0.5]), iters=60)
    assert np.asarray(r.z) == pytest.approx(np.asarray(ref.z), rel=1e-12, abs=1e-300)


def test_refusal_is_a_user_error_on_the_command_line(capsys):
    from monoverify.cli import main
    from monoverify.errors import UserError

    assert issubclass(PlayersUnavailable, UserError)
    assert main(["spectral", "alt-gda", "--gamma", "0.5", "--rho", "0"]) == 2     # one line, exit status 2
    assert "multiplier per eigenvalue" in capsys.readouterr().err
