"""Ctrl-C during ``monoverify verify`` takes effect at once and keeps the report of the finished checks.

It took about 15 s (issue 23): ``shutdown(wait=True)`` of the process pool waited for the checks that
were running (a worker that a terminal's Ctrl-C interrupted could also start the next queued check), and
``verify.json`` was then written with every curve (tens of megabytes, seconds). The command is
run here as a user runs it, in a subprocess sent SIGINT, with two theorems: ``pp.bilinear`` (its real
check, about a second) and ``pp.last_iterate``, whose check is replaced by a stand-in that runs for ten
minutes (a long check whose length does not depend on how the judge is tuned). SIGINT is sent once
``pp.bilinear`` has finished, while the stand-in still runs; the long one is asked first in one case
(the finished check must be kept although it comes after an unfinished one), second in the others.

The bound on the time to exit is generous (10 s, against the ten minutes the old code waited for the
running check: there this test fails by its 120 s time-out); what matters is that it finishes, with
exit status 130 and a report that holds the finished check (the old code kept only the checks before
the first unfinished one, and reported progress in the order asked, not as checks finished).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# the command, with two theorems chosen and one long check; the patches are at the top level so that a
# worker started by fork or spawn finds the same functions
DRIVER = textwrap.dedent('''
    import os, sys, time
    import monoverify.theory.judge.verify as V
    from monoverify.theory import get

    SLOW, FAST = "pp.last_iterate", "pp.bilinear"
    _real_one, _real_verify = V._one, V.verify


    def _one(th, quick, pep):
        if th.id == SLOW:              # a check that runs for ten minutes
            time.sleep(600)
        return _real_one(th, quick, pep)


    def _select(theorems=None, only=None):
        ids = [SLOW, FAST] if os.environ.get("SLOW_FIRST") == "1" else [FAST, SLOW]
        return [get(i) for i in ids]   # in parallel the long one first in the order asked


    def _verify(*a, progress=None, **kw):
        def step(tid, done, total):
            print("DONE", tid, flush=True, file=sys.stderr)
            if progress:
                progress(tid, done, total)
        return _real_verify(*a, progress=step, **kw)


    V._one, V.select, V.verify = _one, _select, _verify

    if __name__ == "__main__":
        from monoverify.cli import main
        sys.exit(main(sys.argv[1:]))
''')


def _interrupt(tmp_path: Path, workers: int, group: bool, slow_first: bool) -> tuple[int, float, str, str, Path]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    report = tmp_path / "rep"
    cmd = [sys.executable, str(driver), "verify", "--quick", "--report", str(report), "--no-progress",
           "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=dict(os.environ, MPLBACKEND="Agg", COLUMNS="120",
                                                                  SLOW_FIRST="1" if slow_first else "0"))
    lines: queue.Queue = queue.Queue()
    err: list[str] = []

    def read_stderr():
        for line in proc.stderr:
            err.append(line)
            lines.put(line)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while True:                              # until the fast check has finished
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail("pp.bilinear did not finish within 300 s:\n" + "".join(err)[-3000:])
            if line.strip() == "DONE pp.bilinear":
                break
            assert proc.poll() is None, "".join(err)[-3000:]
        time.sleep(0.5)
        assert proc.poll() is None               # the stand-in still runs
        t0 = time.monotonic()
        if group:
            os.killpg(proc.pid, signal.SIGINT)   # what a terminal's Ctrl-C does: the whole process group
        else:
            os.kill(proc.pid, signal.SIGINT)     # kill -INT PID: the parent alone
        try:
            out, _ = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            pytest.fail("verify did not exit within 120 s of SIGINT")
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(5)
    return proc.returncode, took, out, "".join(err), report


@pytest.mark.parametrize("workers, group, slow_first", [(2, False, False), (2, True, True), (1, False, False)],
                         ids=["pool-sigint-to-parent", "pool-sigint-to-group-long-check-first", "serial"])
def test_ctrl_c_during_verify_exits_at_once_and_writes_the_finished_checks(tmp_path, workers, group, slow_first):
    # serially the checks run in the order asked: the fast one first, then the long one
    status, took, out, err, report = _interrupt(tmp_path, workers, group, slow_first)
    assert status == 130, (out[-2000:], err[-2000:])
    assert took < 10, f"verify took {took:.1f} s to exit after SIGINT"
    assert "INTERRUPTED after 1 of 2" in out
    assert "Traceback" not in err, err[-3000:]          # the workers leave Ctrl-C to the parent
    data = json.loads((report / "verify.json").read_text())
    assert data["interrupted"] is True and "curves_omitted" in data
    assert [r["theorem"]["id"] for r in data["results"]] == ["pp.bilinear"]
    assert data["results"][0]["verdict"] == "holds"
    assert "pp.bilinear" in (report / "verify.csv").read_text()


def test_stop_ends_a_pool_with_a_running_task_at_once():
    from concurrent.futures import BrokenExecutor, CancelledError

    from monoverify.theory.phase.pool import process_pool, stop

    pool = process_pool(2, ignore_interrupt=True)
    running = pool.submit(time.sleep, 600)
    done = pool.submit(sum, [1, 2])
    assert done.result(timeout=60) == 3
    queued = [pool.submit(time.sleep, 600) for _ in range(3)]
    time.sleep(0.2)
    t0 = time.monotonic()
    stop(pool)
    assert time.monotonic() - t0 < 10
    for f in [running] + queued:
        with pytest.raises((BrokenExecutor, CancelledError)):
            f.result(timeout=10)
