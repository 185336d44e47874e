"""The ``monoverify`` command: user errors are one line with exit status 2, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from monoverify.cli import main


def test_list_shows_every_operator_with_exact_constants(capsys):
    assert main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = {op["name"] for op in data["operators"]}
    assert {"BilinearGame", "LowerBoundGame", "random_comonotone", "PolarGame", "Forsaken", "GlobalForsaken"} <= names
    lbg = next(op for op in data["operators"] if op["name"] == "LowerBoundGame")
    assert lbg["constants"]["rho"]["value"] == "-1/9" and lbg["constants"]["L"]["value"] == "3"
    for op in data["operators"]:
        for c in ("L", "rho"):
            assert op["constants"][c]["kind"] in ("exact", "bound", "estimate")
            assert op["constants"][c]["source"]


def test_list_tables_render(capsys):
    assert main(["list", "all"]) == 0
    out = capsys.readouterr().out
    assert "PolarGame" in out and "rapp" in out and "pp.last_iterate" in out


@pytest.mark.parametrize("argv, needle", [
    (["check", "rapp.last_iterat"], "did you mean rapp.last_iterate"),
    (["check", "pp.last_iterate", "--rho", "-0.6", "--gamma", "1", "--L", "1"], "outside the hypotheses"),
    (["check", "pp.last_iterate", "--K", "0"], "K must be an integer >= 1"),
    (["spectral", "rap"], "did you mean rapp"),
    (["spectral", "gda", "--gamma", "-1"], "gamma must lie in (0, inf)"),
    (["verify", "--only", "no-such-theorem"], "matches no theorem"),
])
def test_user_errors_exit_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_check_command_table_and_json(capsys):
    assert main(["check", "pp.last_iterate", "--rho", "-0.2", "--gamma", "1", "--L", "1", "--K", "40", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["verdict"] == "holds" and d["theorem"]["provenance"] == "derived"


def test_spectral_command_prints_exact_multiplier(capsys):
    assert main(["spectral", "relaxed-pp", "--gamma", "0.9", "--lam", "1.2", "--rho", "-0.3", "--L", "1"]) == 0
    out = capsys.readouterr().out
    assert "spectral radius" in out and "converges" in out


def test_verify_quick_subset_writes_report(tmp_path, capsys):
    status = main(["verify", "--quick", "--only", "pp.", "--report", str(tmp_path / "rep"), "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0
    assert "summary: 7 holds" in out and "derived" in out
    data = json.loads((tmp_path / "rep" / "verify.json").read_text())
    assert {r["theorem"]["id"] for r in data["results"]} >= {"relaxed-pp.last_iterate", "pp.last_iterate"}
    assert all(r["verdict"] == "holds" for r in data["results"])
    assert (tmp_path / "rep" / "verify.csv").read_text().startswith("theorem,provenance")


def test_verify_report_into_a_read_only_folder_is_a_clear_error(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):  # running as root: permissions are not enforced
            pytest.skip("file permissions are not enforced for this user")
        assert main(["verify", "--quick", "--only", "pp.bilinear", "--report", str(ro / "x")]) == 2
        assert "report folder" in capsys.readouterr().err
    finally:
        ro.chmod(0o700)


def test_console_script_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "monoverify.theory.cli", "list", "methods"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "la-ceg+" in out.stdout


def test_verify_report_under_a_file_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    assert main(["verify", "--quick", "--only", "pp.bilinear", "--report", str(blocker / "rep")]) == 2
    err = capsys.readouterr().err
    assert "cannot create report folder" in err and len(err.strip().splitlines()) == 1


def test_verify_interrupted_keeps_and_writes_the_finished_checks(tmp_path, capsys, monkeypatch):
    import monoverify.theory.judge.verify as checker   # verify's check (the main job moved out of the CLI)

    real = checker.check
    calls = {"n": 0}

    def interrupt_on_second(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(checker, "check", interrupt_on_second)
    status = main(["verify", "--quick", "--only", "pp.", "--report", str(tmp_path / "rep"), "--no-progress"])
    assert status == 130
    captured = capsys.readouterr()
    assert "INTERRUPTED after 1 of" in captured.out
    data = json.loads((tmp_path / "rep" / "verify.json").read_text())
    assert len(data["results"]) == 1 and data["results"][0]["verdict"] == "holds"
