"""theory.phase: closed-form boundaries, empirical vs spectral, executors, checkpoint kill-and-resume, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from monoverify.theory.phase import AXES, PhaseResult, phase_diagram


def _check_boundary(res, inside, spacing):
    """radius < 1 iff ``inside`` (a signed distance, > 0 inside), except within ``spacing`` of the boundary."""
    far = np.abs(inside) > spacing
    assert far.sum() > 0.5 * far.size
    assert np.array_equal((res.values < 1)[far], (inside > 0)[far])


def test_egplus_boundary_2c_plus_alpha():
    c = np.linspace(0.01, 0.99, 33)
    a = np.linspace(0.02, 1.0, 33)
    res = phase_diagram("eg+", {"rhoL": -c, "alpha": a}, fixed={"gammaL": 1.0}, progress=False)
    C, A = np.meshgrid(c, a, indexing="ij")
    _check_boundary(res, 1 - (2 * C + A), 2 * (c[1] - c[0]) + (a[1] - a[0]))
    assert isinstance(res, PhaseResult) and res.values.shape == (33, 33)
    assert res.metadata["method"] == "eg+" and res.metadata["mode"] == "spectral"
    labels = [b[0] for b in res.boundaries()]
    assert r"$2c+\alpha=1$" in labels


def test_relaxed_pp_boundary():
    rhoL = np.linspace(-0.45, 0.45, 25)
    lam = np.linspace(0.05, 3.5, 30)
    res = phase_diagram("relaxed-pp", {"rhoL": rhoL, "lam": lam}, fixed={"gammaL": 0.5}, progress=False)
    R, Lm = np.meshgrid(rhoL, lam, indexing="ij")
    _check_boundary(res, 2 * (1 + R / 0.5) - Lm, 2 * (rhoL[1] - rhoL[0]) / 0.5 + (lam[1] - lam[0]))


def test_lagda_bilinear_tau2_boundary():
    t = np.linspace(0.05, 2.0, 30)
    lam = np.linspace(0.01, 0.8, 30)
    res = phase_diagram("la-gda", {"gammaL": t, "lam": lam}, fixed={"tau": 2}, family="bilinear", progress=False)
    T, Lm = np.meshgrid(t, lam, indexing="ij")
    _check_boundary(res, 2 / (4 + T ** 2) - Lm, (lam[1] - lam[0]) + 0.1 * (t[1] - t[0]))


def test_tau_axis_chunks_by_tau():
    res = phase_diagram("la-gda", {"lam": [0.1, 0.3], "tau": [1, 2, 3]}, fixed={"rhoL": -0.1}, progress=False)
    assert res.metadata["chunk_axis"] == "tau" and res.values.shape == (2, 3)
    from monoverify.solvers import make
    from monoverify.theory.spectral import lower_bound_eigenvalues, spectral_radius
    e = lower_bound_eigenvalues(-0.1, 1.0)
    assert res.values[1, 2] == pytest.approx(spectral_radius(make("la-gda", gamma=1.0, lam=0.3, tau=3), e), rel=1e-12)


def test_empirical_agrees_with_spectral():
    ax = {"rhoL": np.linspace(-0.4, 0.3, 6), "lam": np.linspace(0.2, 1.6, 6)}
    fx = {"gammaL": 0.5, "tau": 3}
    sp_ = phase_diagram("rapp", ax, fixed=fx, progress=False)
    em = phase_diagram("rapp", ax, fixed=fx, mode="empirical", iters=400, tol=1e-10, progress=False)
    r = sp_.values
    assert np.all(em.status[r < 0.9] == "converged")  # 0.9^400 << tol
    assert not np.any(em.status[r > 1.01] == "converged")
    ok = (r < 0.97) & (r > 0.3) & (em.status == "converged") & (em.extra["n_iter"] >= 20)
    assert ok.sum() >= 5
    np.testing.assert_allclose(em.values[ok], r[ok], rtol=0.03)


def test_process_pool_equals_serial():
    ax = {"rhoL": np.linspace(-0.5, 0.2, 5), "alpha": np.linspace(0.1, 1.0, 7)}
    serial = phase_diagram("eg+", ax, progress=False)
    with ProcessPoolExecutor(2) as ex:
        par = phase_diagram("eg+", ax, executor=ex, progress=False)
    np.testing.assert_array_equal(par.values, serial.values)
    np.testing.assert_array_equal(par.status, serial.status)


def test_dask_executor_equals_serial():
    distributed = pytest.importorskip("dask.distributed")
    ax = {"rhoL": np.linspace(-0.5, 0.2, 4), "alpha": np.linspace(0.1, 1.0, 5)}
    serial = phase_diagram("eg+", ax, progress=False)
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        res = phase_diagram("eg+", ax, executor=client.get_executor(), progress=False)
    np.testing.assert_array_equal(res.values, serial.values)
    np.testing.assert_array_equal(res.status, serial.status)


SWEEP = dict(method="la-gda", axes={"rhoL": list(np.linspace(-0.3, 0.2, 8)), "lam": list(np.linspace(0.05, 0.6, 5))},
             fixed={"tau": 2, "gammaL": 1.0})


def test_kill_and_resume(tmp_path, monkeypatch):
    ck = tmp_path / "sweep.ckpt"
    log1 = tmp_path / "child.log"
    script = textwrap.dedent(f"""
        import json
        from monoverify.theory.phase import phase_diagram
        s = json.loads({json.dumps(json.dumps(SWEEP))!s})
        phase_diagram(s["method"], s["axes"], fixed=s["fixed"], checkpoint={str(ck)!r}, progress=False)
    """)
    hooks = {"MONOVERIFY_PHASE_TEST_LOG": str(log1), "MONOVERIFY_PHASE_TEST_DELAY": "0.4"}
    child = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd(), env={**os.environ, **hooks})
    try:
        t0 = time.time()
        while time.time() - t0 < 60:
            if ck.exists() and len(ck.read_text().splitlines()) >= 3:  # header + 2 chunks
                break
            assert child.poll() is None, "child finished or failed before it could be killed"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    lines = ck.read_text().splitlines()
    done = {json.loads(line)["k"] for line in lines[1:] if line.strip().endswith("}")}
    assert 2 <= len(done) < 8
    # simulate a write cut short as well: a truncated last line is ignored and recomputed
    with open(ck, "a") as f:
        f.write('{"k": 7, "values": [0.1, ')
    log2 = tmp_path / "resume.log"
    monkeypatch.setenv("MONOVERIFY_PHASE_TEST_LOG", str(log2))
    res = phase_diagram(SWEEP["method"], SWEEP["axes"], fixed=SWEEP["fixed"], checkpoint=ck, progress=False)
    recomputed = {int(x) for x in log2.read_text().split()}
    assert recomputed == set(range(8)) - done
    monkeypatch.delenv("MONOVERIFY_PHASE_TEST_LOG")
    ref = phase_diagram(SWEEP["method"], SWEEP["axes"], fixed=SWEEP["fixed"], progress=False)
    np.testing.assert_array_equal(res.values, ref.values)
    np.testing.assert_array_equal(res.status, ref.status)
    # a complete checkpoint: nothing recomputed
    log3 = tmp_path / "again.log"
    monkeypatch.setenv("MONOVERIFY_PHASE_TEST_LOG", str(log3))
    again = phase_diagram(SWEEP["method"], SWEEP["axes"], fixed=SWEEP["fixed"], checkpoint=ck, progress=False)
    assert not log3.exists()
    np.testing.assert_array_equal(again.values, ref.values)
    # a different sweep with the same checkpoint is refused
    other = dict(SWEEP["axes"], lam=list(np.linspace(0.05, 0.7, 5)))
    with pytest.raises(ValueError, match="different sweep"):
        phase_diagram(SWEEP["method"], other, fixed=SWEEP["fixed"], checkpoint=ck, progress=False)
    with pytest.raises(ValueError, match="different sweep"):
        phase_diagram(SWEEP["method"], SWEEP["axes"], fixed=SWEEP["fixed"], mode="empirical", checkpoint=ck,
                      progress=False)


def test_foreign_file_refused(tmp_path):
    p = tmp_path / "x.ckpt"
    p.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not a monoverify phase checkpoint"):
        phase_diagram("eg+", {"rhoL": [0.0], "alpha": [0.5]}, checkpoint=p, progress=False)


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="valid names.*rhoL"):
        phase_diagram("eg+", {"rho": [0.0], "alpha": [0.5]}, progress=False)
    with pytest.raises(ValueError, match="'alpha'.*non-empty"):
        phase_diagram("eg+", {"rhoL": [0.0], "alpha": []}, progress=False)
    with pytest.raises(ValueError, match="'rhoL'.*non-finite"):
        phase_diagram("eg+", {"rhoL": [0.0, np.nan], "alpha": [0.5]}, progress=False)
    with pytest.raises(ValueError, match="tau"):
        phase_diagram("la-gda", {"tau": [1.5], "lam": [0.5]}, progress=False)
    with pytest.raises(ValueError, match="exactly two"):
        phase_diagram("eg+", {"rhoL": [0.0]}, progress=False)
    with pytest.raises(ValueError, match="unknown mode"):
        phase_diagram("eg+", {"rhoL": [0.0], "alpha": [0.5]}, mode="fast", progress=False)
    with pytest.raises(ValueError, match="no parameter 'lam'"):
        phase_diagram("eg+", {"rhoL": [0.0], "lam": [0.5]}, progress=False)
    with pytest.raises(OSError, match="nowhere"):
        phase_diagram("eg+", {"rhoL": [0.0], "alpha": [0.5]}, checkpoint=tmp_path / "nowhere" / "c.ckpt",
                      progress=False)
    res = phase_diagram("eg+", {"rhoL": [0.0], "alpha": [0.5]}, progress=False)
    with pytest.raises(OSError, match="missing"):
        res.to_csv(tmp_path / "missing" / "x.csv")
    assert set(AXES) == {"rhoL", "gammaL", "lam", "tau", "alpha", "beta"}   # beta: the momentum (issue 25)


def test_csv_and_plot(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    res = phase_diagram("la-gda", {"gammaL": np.linspace(0.1, 1.5, 5), "lam": np.linspace(0.05, 0.6, 4)},
                        fixed={"tau": 2}, family="bilinear", progress=False)
    p = res.to_csv(tmp_path / "t.csv")
    rows = p.read_text().splitlines()
    assert rows[0].startswith("gammaL,lam,tau,spectral_radius,status") and len(rows) == 1 + 20
    ax = res.plot()
    labels = ax.get_legend_handles_labels()[1]
    assert any("4+t^2" in s for s in labels)
    ax.figure.savefig(tmp_path / "p.png")
