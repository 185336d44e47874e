"""The ``monoverify`` command: user errors are one line with exit status 2, never a traceback."""

from __future__ import annotations

import dataclasses
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
    # rapp.conic (a reconstruction, tau = 200 fixed) is exceeded next to the boundary gamma L -> 1 that the
    # sampled battery now probes ((gamma L)^200 is not negligible there): a finding, exit status 0
    assert "summary: 6 holds, 0 violated, 1 finding" in out and "derived" in out
    assert "time: " in out and "s for 7 theorems (quick" in out
    data = json.loads((tmp_path / "rep" / "verify.json").read_text())
    assert {r["theorem"]["id"] for r in data["results"]} >= {"relaxed-pp.last_iterate", "pp.last_iterate"}
    assert {r["theorem"]["id"]: r["verdict"] for r in data["results"] if r["verdict"] != "holds"} == {"rapp.conic": "finding"}
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
    status = main(["verify", "--quick", "--only", "pp.", "--report", str(tmp_path / "rep"), "--no-progress",
                   "--workers", "1"])  # serial: the patched check runs in this process
    assert status == 130
    captured = capsys.readouterr()
    assert "INTERRUPTED after 1 of" in captured.out
    data = json.loads((tmp_path / "rep" / "verify.json").read_text())
    assert len(data["results"]) == 1 and data["results"][0]["verdict"] == "holds"


# ------------------------------------------------------------------------------------------
# errors: user errors exit 2 with one line, internal errors exit 3 with a traceback (issue 17, 13)
# ------------------------------------------------------------------------------------------
def test_internal_error_exits_3_with_a_traceback(monkeypatch, capsys):
    import monoverify.theory.judge.checking as checking

    def bug(*a, **kw):
        raise ValueError("an internal bug, not the user's mistake")

    monkeypatch.setattr(checking, "battery", bug)
    assert main(["check", "pp.last_iterate", "--quick", "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "an internal bug" in err and "internal error" in err


@pytest.mark.parametrize("argv, needle", [
    (["check", "pp.last_iterate", "--tau", "3", "--gamma", "1"], "does not use parameter(s) ['tau']"),
    (["spectral", "gda", "--gamma", "0.5", "--alpha", "0.3"], "does not use --alpha"),
    (["pep", "pp", "--rho", "0", "--gamma", "1", "--lam", "0.5"], "does not use --lam"),
    (["check", "pp.last_iterate", "--curves"], "--curves only applies with --json"),
    (["verify", "--workers", "-2"], "--workers must be an integer >= 0"),
    (["phase", "la-gda", "--x", "rhoL=-0.3:0:3", "--y", "tau=1.5,2"], "tau must be integers >= 1"),
])
def test_unused_or_invalid_options_are_refused(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_unknown_command_hint_names_an_existing_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["verfy"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "did you mean verify?" in err


def test_check_explore_outside_the_hypotheses_makes_no_claim(capsys):
    # pp.last_iterate needs rho > -gamma/2; at rho = -0.9 the bound is negative and "fails", but there is no claim
    status = main(["check", "pp.last_iterate", "--rho", "-0.9", "--gamma", "1", "--L", "1", "--K", "30", "--explore",
                   "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0
    assert "outside hypotheses — no claim" in out and "VIOLATED" not in out


def test_default_table_fits_120_columns_and_wide_shows_more():
    from rich.console import Console

    from monoverify.cli.table import results_table
    from monoverify.theory import THEOREMS, check

    results = [check("pp.last_iterate", quick=True, pep=True), check("relaxed-pp.region", quick=True)]
    results.append(dataclasses.replace(results[0], theorem=THEOREMS["lookahead.nonexpansive_last_iterate"]))
    wide = Console(width=400)
    t = results_table(results, "t")
    assert wide.measure(t).maximum <= 120
    tw = results_table(results, "t", wide=True)
    assert wide.measure(tw).maximum > 120
    headers = [c.header for c in t.columns]
    assert headers[:5] == ["theorem", "tag", "verdict", "worst", "judged"]
    assert "PEP/bound" in headers and "source" not in headers
    assert "source" in [c.header for c in tw.columns]


def test_verify_in_parallel_gives_the_serial_results():
    from monoverify.theory.judge.verify import verify

    ids = ["pp.bilinear", "ogda.bilinear"]
    serial = verify(ids, quick=True, pep=False)
    parallel = verify(ids, quick=True, pep=False, workers=2)
    assert [r.theorem.id for r in parallel.results] == ids
    for a, b in zip(serial.results, parallel.results):
        da, db = a.to_dict(curves=True), b.to_dict(curves=True)
        da.pop("elapsed_s"), db.pop("elapsed_s")
        assert da == db


def test_verify_submits_longest_first_by_measured_times_and_reports_in_registry_order(tmp_path, monkeypatch):
    """The times of the last run order the submissions (unmeasured first, then longest); the report keeps the
    order asked and the serial results; a run stores its times; an unreadable times file is only a lost hint."""
    from concurrent.futures import ThreadPoolExecutor

    from monoverify.theory.judge import costs
    from monoverify.theory.judge.verify import verify

    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path))
    ids = ["pp.bilinear", "ogda.bilinear", "gda.bilinear"]
    costs.save_times({"pp.bilinear": 1.0, "ogda.bilinear": 9.0}, quick=True)
    costs.save_times({"pp.bilinear": 50.0}, quick=False)   # the other mode's times are not used

    class Recording(ThreadPoolExecutor):
        def __init__(self):
            super().__init__(max_workers=1)
            self.order = []

        def submit(self, fn, th, *a, **k):
            self.order.append(th.id)
            return super().submit(fn, th, *a, **k)

    with Recording() as ex:
        rep = verify(ids, quick=True, pep=False, executor=ex)
    assert ex.order == ["gda.bilinear", "ogda.bilinear", "pp.bilinear"]
    assert [r.theorem.id for r in rep.results] == ids
    serial = verify(ids, quick=True, pep=False)
    for a, b in zip(serial.results, rep.results):
        da, db = a.to_dict(curves=True), b.to_dict(curves=True)
        da.pop("elapsed_s"), db.pop("elapsed_s")
        assert da == db
    stored = costs.load_times(quick=True)
    assert set(stored) == set(ids) and stored["pp.bilinear"] == round(rep.results[0].elapsed, 3)
    assert costs.load_times(quick=False) == {"pp.bilinear": 50.0}
    costs.times_path().write_text("not json")
    assert costs.load_times(quick=True) == {}
    assert costs.order_longest_first(ids, {}) == ids


def test_verify_report_json_round_trip():
    from monoverify.theory.judge.verify import VerifyReport, verify

    rep = verify(["pp.bilinear"], quick=True, pep=False)
    back = VerifyReport.from_json(json.dumps(rep.to_dict()))
    assert back.summary() == rep.summary() and back.results[0].n_judged == rep.results[0].n_judged


def test_verify_in_parallel_keeps_two_theorems_with_one_id_apart():
    """A deliberately wrong variant verified beside the registered theorem of the same id gets its own verdict."""
    import dataclasses
    from concurrent.futures import ThreadPoolExecutor

    from monoverify.theory import THEOREMS
    from monoverify.theory.judge.verify import verify

    th = THEOREMS["pp.bilinear"]
    import sympy as sp

    wrong = dataclasses.replace(th, condition=sp.false)   # "PP diverges on bilinear games": false
    with ThreadPoolExecutor(max_workers=2) as ex:
        rep = verify([th, wrong], quick=True, pep=False, executor=ex)
    assert [r.verdict for r in rep.results] == ["holds", "violated"]
