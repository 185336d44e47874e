"""Scale-out (issue 16 item 6): verify, the mutation score, phase diagrams and PEP sweeps on a Dask cluster.

Every result computed on a multi-process ``LocalCluster`` (2 worker processes, 1 thread each) is
identical, bit for bit, to the serial run in this process (elapsed times aside).
"""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest

from monoverify.cli import main
from monoverify.result import without_times
from monoverify.theory import THEOREMS
from monoverify.theory.judge.scoring import score
from monoverify.theory.judge.verify import verify
from monoverify.theory.phase import phase_diagram

distributed = pytest.importorskip("distributed")

CHEAP = ["pp.bilinear", "gda.bilinear"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cl:
        yield cl


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c



def test_verify_on_a_cluster_equals_the_serial_run(client):
    serial = verify(CHEAP, quick=True, pep=False)
    dask = verify(CHEAP, quick=True, pep=False, executor=client.get_executor())
    assert [r.theorem.id for r in dask.results] == CHEAP
    assert without_times(dask.to_dict(curves=True)) == without_times(serial.to_dict(curves=True))
    assert dask.summary() == serial.summary() and dask.summary()["holds"] == 2


def test_mutation_score_on_a_cluster_or_a_pool_equals_the_serial_run(client, tmp_path, monkeypatch):
    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path / "cache"))
    ths = [THEOREMS["ogda.bilinear"], THEOREMS["gda.bilinear"]]   # no base given: computed where the checks run
    serial = score(ths, quick=True)
    names = []
    dask = score(ths, quick=True, executor=client.get_executor(), progress=names.append)
    pool = score(ths, quick=True, workers=2)
    assert dask.to_dict() == serial.to_dict() and pool.to_dict() == serial.to_dict()
    # every theorem's variants after it, in mutants() order; ogda's region is an iff with an exact
    # threshold, so each of its four shifted conditions (+-5 %, +-2 %) moves it and must be killed
    ids = [o.id for o in dask.outcomes]
    assert [i.split("~")[0] for i in ids] == sorted((i.split("~")[0] for i in ids), key=["ogda.bilinear", "gda.bilinear"].index)
    shifted = [o for o in dask.outcomes if o.kind == "shifted condition"]
    assert len(shifted) == 4 and all(o.killed and o.scored for o in shifted)
    assert serial.line == "mutants: 4/4 killed (blind)"
    judged = [o.id for o in dask.outcomes if o.verdict != "-"]
    assert names == ["ogda.bilinear"] + [i for i in judged if i.startswith("ogda")] + ["gda.bilinear"] + \
        [i for i in judged if i.startswith("gda")]


def test_mutation_score_refuses_bad_workers():
    with pytest.raises(ValueError, match=r"workers must be an integer >= 0 \(0: one per CPU core\), got workers=-1"):
        score([THEOREMS["gda.bilinear"]], workers=-1)


def test_phase_diagram_on_a_cluster_equals_the_serial_run(client):
    ax = {"rhoL": np.linspace(-0.5, 0.2, 4), "alpha": np.linspace(0.1, 1.0, 5)}
    serial = phase_diagram("eg+", ax, progress=False)
    dask = phase_diagram("eg+", ax, executor=client.get_executor(), progress=False)
    np.testing.assert_array_equal(dask.values, serial.values)
    np.testing.assert_array_equal(dask.status, serial.status)


def test_cli_verify_with_scheduler_writes_the_serial_report(cluster, tmp_path, capsys, monkeypatch):
    import monoverify.cli.report as report

    write = report.write_report   # verify.json and mutants.json are compared; figures would take a minute
    monkeypatch.setattr(report, "write_report", lambda *a, **k: write(*a, **{**k, "figures": False}))
    common = ["verify", "--quick", "--only", "pp.bilinear", "--mutants", "--no-progress"]
    assert main(common + ["--workers", "1", "--report", str(tmp_path / "serial")]) == 0
    assert main(common + ["--scheduler", cluster.scheduler_address, "--report", str(tmp_path / "dask")]) == 0
    a = json.loads((tmp_path / "serial" / "verify.json").read_text())
    b = json.loads((tmp_path / "dask" / "verify.json").read_text())
    assert len(b["results"]) == 1 and without_times(a) == without_times(b)
    mutants = [json.loads((tmp_path / d / "mutants.json").read_text()) for d in ("serial", "dask")]
    assert mutants[0] == mutants[1] and mutants[1]["outcomes"]


def test_cli_phase_and_pep_sweep_with_scheduler_equal_the_serial_run(cluster, tmp_path, capsys):
    grid = ["phase", "eg+", "--x", "rhoL=-0.5:0.2:4", "--y", "alpha=0.1:1:5", "--no-progress"]
    assert main(grid + ["--csv", str(tmp_path / "serial.csv")]) == 0
    assert main(grid + ["--scheduler", cluster.scheduler_address, "--csv", str(tmp_path / "dask.csv")]) == 0
    assert (tmp_path / "dask.csv").read_text() == (tmp_path / "serial.csv").read_text()
    capsys.readouterr()
    sweep = ["pep", "pp", "--rho", "0", "--gamma", "1", "--n", "1", "2", "--no-cache", "--json"]
    assert main(sweep) == 0
    serial = json.loads(capsys.readouterr().out)
    assert main(sweep + ["--scheduler", cluster.scheduler_address]) == 0
    dask = json.loads(capsys.readouterr().out)
    assert without_times(dask) == without_times(serial)
    # PP on monotone operators, gamma = 1: tight worst case (1 - 1/N)^(N-1) / N (Gu & Yang): 1 and 1/4
    assert [round(d["value"], 6) for d in dask] == [1.0, 0.25]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("cmd", [["verify", "--quick", "--only", "pp.bilinear"],
                                 ["phase", "eg+", "--x", "rhoL=-0.5:0:2", "--y", "alpha=0.1:1:2"],
                                 ["pep", "pp", "--rho", "0", "--gamma", "1", "--n", "1", "2"]])
def test_unreachable_scheduler_is_a_one_line_user_error(cmd, monkeypatch, capsys):
    monkeypatch.setattr("monoverify.cli.common.CONNECT_TIMEOUT", 0.5)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    assert main(cmd + ["--no-progress"] * (cmd[0] != "pep") + ["--scheduler", address]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"cannot reach the Dask scheduler at --scheduler '{address}'" in err


def test_malformed_scheduler_address_and_missing_dask_are_user_errors(monkeypatch, capsys):
    assert main(["verify", "--quick", "--only", "pp.bilinear", "--scheduler", "nonsense"]) == 2
    assert "missing port number in address 'nonsense'" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)   # import distributed -> ImportError
    assert main(["verify", "--quick", "--only", "pp.bilinear", "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "needs Dask: pip install -e '.[dask]'" in capsys.readouterr().err
