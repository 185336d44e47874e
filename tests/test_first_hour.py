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


# ------------------------------------------------------------------------------------------
# phase: the README's first example hung in sympy.solve (theory/phase/boundaries.py); bad --png formats were
# refused only after the whole computation, with matplotlib's traceback (exit 3)
# ------------------------------------------------------------------------------------------
def _rapp_radius_by_hand(rhoL, gammaL, lam, tau):
    """RAPP's iteration matrix on LowerBoundGame(rho, L = 1), written out: (1 - lam) I + lam sum_j (-gamma M)^j."""
    M = np.array([[rhoL, np.sqrt(1 - rhoL ** 2)], [-np.sqrt(1 - rhoL ** 2), rhoL]])
    W = sum(np.linalg.matrix_power(-gammaL * M, j) for j in range(tau + 1))
    return np.max(np.abs(np.linalg.eigvals((1 - lam) * np.eye(2) + lam * W)))


def test_readme_phase_example_finishes_and_its_boundary_is_the_radius_one_curve(tmp_path):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "monoverify.cli", "phase", "rapp", "--x", "rhoL=-0.5:0:41", "--y", "lam=0.05:2:40",
           "--fixed", "gammaL=0.9", "tau=5", "--png", "rapp.png", "--csv", "rapp.csv", "--no-progress"]
    out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)   # hung before the fix
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "rapp.png").stat().st_size > 10_000 and (tmp_path / "rapp.csv").read_text().count("\n") == 41 * 40 + 1

    from monoverify.theory import THEOREMS
    from monoverify.theory.phase.boundaries import theorem_boundaries

    xs = np.linspace(-0.5, 0.0, 101)
    pieces = theorem_boundaries(THEOREMS["rapp-conic.lambda_star"], "rhoL", "lam", {"gammaL": 0.9, "tau": 5}, xs)
    (label, bx, by, kind), = [p for p in pieces if p[3] == "curve"]
    assert "numeric" not in label
    checked = 0
    for x, y in zip(bx, by):
        if np.isfinite(y) and 0.05 < y < 2:
            assert _rapp_radius_by_hand(x, 0.9, y, 5) == pytest.approx(1.0, abs=1e-9)
            checked += 1
    assert checked > 50


def test_a_boundary_without_a_quick_closed_form_is_a_numeric_contour():
    import time

    from monoverify.theory import THEOREMS
    from monoverify.theory.phase.boundaries import NUMERIC_LABEL, theorem_boundaries

    xs = np.linspace(-0.6, -0.05, 120)
    t0 = time.perf_counter()
    pieces = theorem_boundaries(THEOREMS["rapp-conic.lambda_star"], "rhoL", "gammaL", {"lam": 0.5, "tau": 5}, xs,
                                np.linspace(0.05, 0.99, 30), solve_timeout=0.5)
    assert time.perf_counter() - t0 < 60          # two conjuncts, each 0.5 s of sympy at most, then the contour
    labels = [p[0] for p in pieces]
    assert any(NUMERIC_LABEL in lab for lab in labels)
    # the branches of the lam-conjunct's contour lie where RAPP's radius is exactly 1 (lam = lam*(gamma))
    lam_pieces = [p for p in pieces if "condition 2" in p[0] or p[0].startswith("_")][-2:]
    checked = 0
    for _, bx, by, _ in lam_pieces:
        for x, y in zip(bx, by):
            if np.isfinite(y) and y > 0.06:
                assert _rapp_radius_by_hand(x, y, 0.5, 5) == pytest.approx(1.0, abs=1e-7)
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("png, needle", [
    ("out.xyz", "--png 'out.xyz': cannot write a figure with the format .xyz; accepted formats: "),
    ("noext", "--png 'noext': cannot write a figure with a name without an extension"),
    ("missing/out.png", "the folder"),
])
def test_phase_refuses_an_unwritable_output_before_computing(png, needle, tmp_path, capsys, monkeypatch):
    from monoverify.cli import main
    import monoverify.theory.phase as phase

    def never(*a, **kw):
        raise AssertionError("the diagram was computed before the output was checked")

    monkeypatch.setattr(phase, "phase_diagram", never)
    monkeypatch.chdir(tmp_path)
    assert main(["phase", "rapp", "--x", "rhoL=-0.5:0:3", "--y", "lam=0.1:1:3", "--fixed", "gammaL=0.9", "tau=2",
                 "--png", png, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert needle in err
    if "folder" not in needle:
        assert ".png" in err and ".pdf" in err and ".svg" in err     # the accepted formats are named
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_phase_command_says_when_a_boundary_is_a_numeric_contour(tmp_path, capsys):
    from monoverify.cli import main

    assert main(["phase", "rapp", "--x", "rhoL=-0.6:-0.05:6", "--y", "gammaL=0.05:0.99:5", "--fixed", "lam=0.5",
                 "tau=5", "--png", str(tmp_path / "g.png"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "(numeric contour)" in out and "no closed form for the y axis within" in out


# ------------------------------------------------------------------------------------------
# output that fits the terminal: verify hard-coded 120 columns, list 160; ids broke mid-word; an interrupted
# run squeezed its caption into a 19-column table
# ------------------------------------------------------------------------------------------
class _Result:
    """What the table reads of a check result (a stand-in, so these tests do not depend on the judge)."""

    def __init__(self, th, verdict="holds", worst_ratio=0.5):
        self.theorem, self.verdict, self.worst_ratio = th, verdict, worst_ratio
        self.worst = {"rho": -0.3, "L": 1.0, "gamma": 0.999, "lam": 0.6, "tau": 200, "K": 100}
        self.n_judged, self.n_instances, self.not_judged, self.mismatches = 27, 24, {"ball": 3}, 0
        self.pep, self.reference, self.spectral, self.fitted_exponent = None, None, {"max_radius": 0.97}, -1.0
        self.explored_outside, self.message, self.notes = False, "", []

    def judged_str(self):
        return "24/27"


def _lines(con):
    return con.export_text().splitlines()


@pytest.mark.parametrize("width", [100, 80])
@pytest.mark.parametrize("wide", [False, True])
def test_verify_table_fits_the_console_and_keeps_ids_whole(width, wide):
    from rich.console import Console

    from monoverify.cli.table import results_table
    from monoverify.theory import THEOREMS

    ths = sorted(THEOREMS.values(), key=lambda t: -len(t.id))[:3] + [THEOREMS["rapp.conic"]]
    results = [_Result(th, v) for th, v in zip(ths, ["holds", "finding", "inconclusive", "finding"])]
    con = Console(width=width, record=True, file=open("/dev/null", "w"))
    con.print(results_table(results, "t", wide=wide))
    lines = _lines(con)
    assert max(len(line) for line in lines) <= width
    for th in ths:                                             # each id whole on one line
        assert any(th.id in line for line in lines), th.id


def test_table_console_uses_the_terminal_width(monkeypatch):
    from monoverify.cli.table import table_console

    monkeypatch.setenv("COLUMNS", "100")
    assert table_console(120).width == 100
    monkeypatch.delenv("COLUMNS")
    assert table_console(120).width == 120        # no terminal (pytest captures): the fixed default


def test_list_theorems_fits_100_columns_without_breaking_ids(monkeypatch, capsys):
    from monoverify.cli import main
    from monoverify.theory import THEOREMS

    monkeypatch.setenv("COLUMNS", "100")
    for what in ("theorems", "methods", "operators"):
        assert main(["list", what]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert max(len(line) for line in lines) <= 100, what
        if what == "theorems":
            words = {w for line in lines for w in line.replace("│", " ").split()}
            assert set(THEOREMS) <= words                     # every id whole, copyable


def test_list_and_verify_output_cite_the_docs_not_spec(monkeypatch, capsys):
    from monoverify.cli import main

    monkeypatch.setenv("COLUMNS", "200")
    assert main(["list", "all"]) == 0
    out = capsys.readouterr().out
    assert "SPEC" not in out and "R5" in out and "Mathematics page" in out
    assert main(["list", "all", "--json"]) == 0
    out = capsys.readouterr().out
    assert "SPEC" not in out and "R5" in out


def test_interrupted_verify_prints_its_caption_unsqueezed(monkeypatch, capsys, tmp_path):
    import monoverify.theory.judge.verify as V
    from monoverify.cli import main
    from monoverify.theory import THEOREMS

    class _Rep:
        results = [_Result(THEOREMS["pp.bilinear"])]
        ids = ["pp.bilinear", "pp.last_iterate"]
        interrupted, elapsed, quick, exit_status = True, 1.0, True, 130

        def summary(self):
            return {"holds": 1, "violated": 0, "finding": 0, "inconclusive": 0}

    monkeypatch.setattr(V, "verify", lambda *a, **kw: _Rep())
    monkeypatch.setenv("COLUMNS", "100")
    assert main(["verify", "--quick", "--only", "pp.", "--no-progress"]) == 130
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert any(line.startswith("worst: max measured/bound over judged cells; judged: judged/run") for line in lines)
    assert any("INTERRUPTED after 1 of 2" in line for line in lines)


def test_a_finding_says_what_was_found_and_where_to_read_more(capsys):
    import dataclasses

    from rich.console import Console

    from monoverify.cli.verify_cmd import finding_text, print_verdicts
    from monoverify.theory import THEOREMS

    th = THEOREMS["rapp.conic"]
    line = finding_text(_Result(th, "finding", 2.8e17))
    # the generic explanation: the worst cell (gamma L = 0.999) is next to the boundary gamma L < 1, tau fixed
    assert "L*gamma < 1" in line and "0.999" in line and "tau = 200 fixed" in line
    assert "catalogue/rapp.conic.html" in line and "\n" not in line
    # a theorem may carry its own one-line explanation; verify prints it
    own = dataclasses.replace(th, finding="the bound fails as gamma L -> 1 with tau fixed")
    assert finding_text(_Result(own, "finding", 2.8e17)).startswith(
        "rapp.conic [reconstruction]: the bound fails as gamma L -> 1 with tau fixed (worst ratio 2.8e+17)")

    class _Rep:
        results = [_Result(own, "finding", 2.8e17)]

        def summary(self):
            return {"holds": 0, "finding": 1}

    con = Console(width=80, record=True, file=open("/dev/null", "w"))
    print_verdicts(con, _Rep())
    first = _lines(con)[0]
    assert first.startswith("FINDING rapp.conic [reconstruction]: the bound fails as gamma L -> 1") and \
        first.endswith("in the documentation")            # one line, however narrow the console
    with pytest.raises(ValueError, match="one line"):
        dataclasses.replace(th, finding="two\nlines")
