"""Soak (issue 13): a phase sweep SIGKILLed at random moments, again and again, ends with exactly the
uninterrupted result; a sweep resumed under a different process count agrees too.

Seeded and bounded: at most ``KILLS`` kills and ``BUDGET_S`` seconds of killing; the test then
finishes the sweep in-process and compares bit for bit with a sweep that was never interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from monoverify.theory.phase import phase_diagram

KILLS, BUDGET_S, SEED = 10, 90.0, 20261129
SWEEP = {"method": "la-gda", "axes": {"rhoL": [float(v) for v in np.linspace(-0.4, 0.3, 16)],
                                      "lam": [float(v) for v in np.linspace(0.05, 0.9, 6)]},
         "fixed": {"tau": 3, "gammaL": 0.8}}


def _child(ck, mode: str, delay: float) -> subprocess.Popen:
    script = textwrap.dedent(f"""
        import json
        from monoverify.theory.phase import phase_diagram
        s = json.loads({json.dumps(json.dumps(SWEEP))!s})
        phase_diagram(s["method"], s["axes"], fixed=s["fixed"], mode={mode!r}, iters=200, checkpoint={str(ck)!r},
                      progress=False)
    """)
    env = {**os.environ, "MONOVERIFY_PHASE_TEST_DELAY": str(delay)}
    return subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _done(ck) -> set:
    if not ck.exists():
        return set()
    out = set()
    for line in ck.read_text().splitlines()[1:]:
        try:
            out.add(json.loads(line)["k"])
        except (ValueError, KeyError):  # a line cut by the kill: ignored by the sweep too
            pass
    return out


@pytest.mark.parametrize("mode", ["spectral", "empirical"])
def test_random_kills_end_with_the_uninterrupted_result(tmp_path, mode):
    ck = tmp_path / f"soak-{mode}.ckpt"
    rng = np.random.default_rng(SEED)
    n_chunks = len(SWEEP["axes"]["rhoL"])
    kills, progress, t0 = 0, [], time.time()
    while kills < KILLS and time.time() - t0 < BUDGET_S and len(_done(ck)) < n_chunks:
        child = _child(ck, mode, delay=0.15)
        # kill at a random moment: during start-up, mid-chunk, or mid-write
        time.sleep(float(rng.uniform(0.05, 2.5)))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        child.wait(30)
        progress.append(len(_done(ck)))
    print(f"soak {mode}: {kills} kills, chunks finished after each: {progress}")
    assert kills >= 3, f"only {kills} kills landed (progress {progress})"
    assert progress == sorted(progress), f"finished chunks were lost between kills: {progress}"
    res = phase_diagram(SWEEP["method"], SWEEP["axes"], fixed=SWEEP["fixed"], mode=mode, iters=200, checkpoint=ck,
                        progress=False)
    ref = phase_diagram(SWEEP["method"], SWEEP["axes"], fixed=SWEEP["fixed"], mode=mode, iters=200, progress=False)
    np.testing.assert_array_equal(res.values, ref.values)
    np.testing.assert_array_equal(res.status, ref.status)
    for name in ref.extra:
        np.testing.assert_array_equal(res.extra[name], ref.extra[name])
    # every line of the checkpoint is whole after the final run (the last cut line was dropped)
    lines = ck.read_text().splitlines()
    assert {json.loads(x)["k"] for x in lines[1:]} == set(range(n_chunks))
