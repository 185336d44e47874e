"""Bad input at every command of the ``monoverify`` CLI (issue 13), table-driven.

Each case asserts the class of outcome: a refusal is exit status 2 with ONE line on stderr that
names the parameter (and the value where there is one), no traceback; files the user already had
are never changed. Outcomes that are results (a diverging method, a theorem outside its
hypotheses under ``--explore``) are asserted as results. The API-level batteries are
``test_bad_input_structure.py`` (operators, methods, spectral, PEP cache, phase checkpoints) and
``test_runner_faults.py`` (run); this file covers the command line.
"""

from __future__ import annotations

import hashlib

import pytest

from monoverify.cli import main

# (id, argv, words that the one-line message must contain)
REFUSALS = [
    # list
    ("list unknown section", ["list", "nothing"], ["nothing"]),
    # check
    ("check unknown theorem", ["check", "pp.last_iteration"], ["pp.last_iteration", "pp.last_iterate"]),
    ("check rho not a number", ["check", "pp.last_iterate", "--rho", "abc"], ["rho", "abc"]),
    ("check gamma nan", ["check", "pp.last_iterate", "--rho", "-0.1", "--gamma", "nan"], ["gamma", "nan"]),
    ("check K zero", ["check", "pp.last_iterate", "--rho", "-0.1", "--gamma", "1", "--K", "0"], ["K", "0"]),
    ("check K not an integer", ["check", "pp.last_iterate", "--K", "2.5"], ["K", "2.5"]),
    ("check outside hypotheses", ["check", "pp.last_iterate", "--rho", "-0.6", "--gamma", "1"], ["rho", "gamma"]),
    ("check unused option", ["check", "pp.last_iterate", "--rho", "-0.1", "--gamma", "1", "--alpha", "0.5"],
     ["alpha"]),
    ("check curves without json", ["check", "pp.last_iterate", "--curves"], ["--curves", "--json"]),
    ("check tau not an integer", ["check", "la-gda.bilinear", "--tau", "2.5"], ["tau", "2.5"]),
    # spectral
    ("spectral unknown method", ["spectral", "rap", "--gamma", "0.5"], ["rap"]),
    ("spectral missing gamma", ["spectral", "rapp", "--lam", "0.5", "--tau", "3"], ["gamma"]),
    ("spectral negative tau", ["spectral", "rapp", "--gamma", "0.5", "--lam", "0.5", "--tau", "-3"], ["tau", "-3"]),
    ("spectral rho L beyond -1", ["spectral", "gda", "--gamma", "0.5", "--rho", "-2", "--L", "1"], ["rho"]),
    ("spectral infinite gamma", ["spectral", "gda", "--gamma", "inf"], ["gamma", "inf"]),
    # pep
    ("pep missing rho", ["pep", "eg+", "--gamma", "0.5", "--alpha", "0.5"], ["rho"]),
    ("pep n zero", ["pep", "pp", "--gamma", "1", "--rho", "0", "--n", "0"], ["n", "0"]),
    ("pep unknown method", ["pep", "egg", "--rho", "0"], ["egg"]),
    ("pep negative L", ["pep", "eg+", "--gamma", "0.5", "--alpha", "0.5", "--rho", "0", "--L", "-1"], ["L", "-1"]),
    # phase
    ("phase unknown axis", ["phase", "rapp", "--x", "foo=0:1:3", "--y", "lam=0.1:1:3"], ["foo"]),
    ("phase bad range", ["phase", "rapp", "--x", "rhoL=a:b:c", "--y", "lam=0.1:1:3"], ["rhoL"]),
    ("phase same axis twice", ["phase", "rapp", "--x", "lam=0.1:1:3", "--y", "lam=0.1:1:3"], ["lam"]),
    ("phase non-integer tau", ["phase", "la-gda", "--x", "rhoL=-0.3:0:3", "--y", "lam=0.1:1:3",
                               "--fixed", "tau=2.5"], ["tau", "2.5"]),
    ("phase negative workers", ["phase", "gda", "--x", "rhoL=-0.3:0:3", "--y", "gammaL=0.1:1:3",
                                "--workers", "-2"], ["workers", "-2"]),
    ("phase bad fixed", ["phase", "gda", "--x", "rhoL=-0.3:0:3", "--y", "gammaL=0.1:1:3", "--fixed", "lam"], ["lam"]),
    ("phase unknown family", ["phase", "gda", "--x", "rhoL=-0.3:0:3", "--y", "gammaL=0.1:1:3",
                              "--family", "nope"], ["nope"]),
    # figures
    ("figures unknown name", ["figures", "--out", "{tmp}/figs", "--only", "nofigure"], ["nofigure"]),
    # verify
    ("verify only matches nothing", ["verify", "--quick", "--only", "no.such.theorem"], ["no.such.theorem"]),
    ("verify negative workers", ["verify", "--quick", "--workers", "-2"], ["workers", "-2"]),
    # prove
    ("prove unknown theorem", ["prove", "pp.last_iteration", "--n", "2", "--rho", "0", "--gamma", "1"],
     ["pp.last_iteration"]),
    ("prove irrational-free rho", ["prove", "--method", "pp", "--gamma", "1", "--rho", "abc", "--n", "2",
                                   "--bound", "1"], ["rho", "abc"]),
    ("prove n zero", ["prove", "--method", "pp", "--gamma", "1", "--rho", "0", "--n", "0", "--bound", "1"], ["n"]),
    # unknown command
    ("unknown command", ["verfy"], ["verfy", "verify"]),
]


def _run(argv: list) -> int:
    """Exit status of ``monoverify ARGV`` (argparse refusals exit through SystemExit)."""
    try:
        return int(main(argv) or 0)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize("argv,words", [pytest.param(a, w, id=i) for i, a, w in REFUSALS])
def test_refusal_is_one_line_exit_2(argv, words, capsys, tmp_path):
    status = _run([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert status == 2, f"exit {status}; stderr: {err}"
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(("usage:", " "))]
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], f"{w!r} not named in: {lines[0]}"


def test_no_user_file_is_changed_by_a_refused_or_finished_command(tmp_path, capsys):
    """A file that is not a checkpoint, given as --checkpoint, is refused and left byte for byte."""
    mine = tmp_path / "notes.txt"
    mine.write_text("my precious notes\n" * 100)
    before = hashlib.sha256(mine.read_bytes()).hexdigest()
    status = _run(["phase", "gda", "--x", "rhoL=-0.3:0:3", "--y", "gammaL=0.1:1:3", "--checkpoint", str(mine),
                   "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2 and "notes.txt" in err and "Traceback" not in err
    assert hashlib.sha256(mine.read_bytes()).hexdigest() == before


def test_explore_outside_hypotheses_is_no_claim(capsys):
    status = _run(["check", "pp.last_iterate", "--rho", "-0.6", "--gamma", "1", "--K", "20", "--explore",
                   "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0 and "no claim" in out and "VIOLATED" not in out


def test_a_diverging_method_is_a_result_not_an_error(capsys):
    """GDA on a bilinear game diverges: the spectral command reports a radius > 1, exit 0."""
    status = _run(["spectral", "gda", "--gamma", "1.0", "--rho", "0", "--L", "1"])
    out = capsys.readouterr().out
    assert status == 0 and "radius" in out.lower()
