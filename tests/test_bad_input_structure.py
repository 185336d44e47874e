"""Bad input and faults in operators, solvers' method constructors, spectral, PEP cache and phase checkpoints.

Each refusal names the parameter and its value (issue 13); files the user already had are never changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
import sympy as sp

from monoverify.operators import BilinearGame, LinearOperator, LowerBoundGame, random_comonotone
from monoverify.operators.resolvent import resolvent
from monoverify.solvers import make, run
from monoverify.theory.phase import phase_diagram, process_pool
from monoverify.theory.spectral import iteration_matrix, lower_bound_eigenvalues, spectral_radius

SINGULAR = LinearOperator([[-1.0, 0.0], [0.0, 1.0]])  # I + 1 * M is singular

REFUSALS = [
    ("empty matrix", lambda: LinearOperator([]), ValueError, r"M must be a 2-D matrix.*\(0,\)"),
    ("0x0 matrix", lambda: LinearOperator(np.zeros((0, 0))), ValueError, r"M must be a non-empty square matrix.*\(0, 0\)"),
    ("object entry", lambda: LinearOperator(np.array([[1, None], [0, 1]], dtype=object)), ValueError,
     r"M must hold real numbers; entry \(0, 1\) is None"),
    ("string entry", lambda: LinearOperator([["a", 1], [0, 1]]), ValueError, r"M must hold real numbers.*'a'"),
    ("complex entry", lambda: LinearOperator([[1j, 1], [0, 1]]), ValueError, r"M must hold real numbers.*1j"),
    ("0x0 iteration matrix", lambda: iteration_matrix(make("gda", gamma=0.5), np.zeros((0, 0))), ValueError,
     r"M must be a non-empty square matrix"),
    ("object iteration matrix", lambda: iteration_matrix(make("gda", gamma=0.5), np.array([[None]], dtype=object)),
     ValueError, r"M must hold real numbers"),
    ("complex rho, game", lambda: LowerBoundGame(0.1 + 0.2j, 1.0), ValueError, r"rho must be a real number.*0\.1\+0\.2j"),
    ("complex L, game", lambda: LowerBoundGame(0.1, 1j), ValueError, r"L must be a real number, got L=1j"),
    ("string rho, game", lambda: LowerBoundGame("x", 1.0), ValueError, r"rho must be a real number, got rho='x'"),
    ("complex rho, random", lambda: random_comonotone(4, 0.1j, 1.0), ValueError, r"rho must be a real number.*0\.1j"),
    ("complex rho, eigenvalues", lambda: lower_bound_eigenvalues(0.1j, 1.0), ValueError, r"real rho.*rho=0\.1j"),
    ("rho L beyond the edge", lambda: LowerBoundGame(-1.001, 1.0), ValueError, r"\|rho\*L\| <= 1.*rho=-1\.001"),
    ("singular resolvent", lambda: resolvent(SINGULAR, np.array([1.0, 1.0]), 1.0), np.linalg.LinAlgError,
     r"does not exist at gamma=1\.0.*singular.*valid: gamma > 0 with 1 \+ gamma mu != 0"),
    ("singular resolvent in a run", lambda: run(make("pp", gamma=1.0), SINGULAR, np.array([1.0, 1.0]), iters=3),
     ValueError, r"gamma=1\.0"),
    ("object start point", lambda: run(make("gda", gamma=0.5), BilinearGame([[1.0]]),
                                       np.array([None, 1], dtype=object), iters=3),
     ValueError, r"z0 must be an array of real numbers, got dtype object"),
    ("complex start point", lambda: run(make("gda", gamma=0.5), BilinearGame([[1.0]]), np.array([1j, 1.0]), iters=3),
     ValueError, r"z0 must be an array of real numbers, got dtype complex128"),
    ("complex gamma", lambda: make("gda", gamma=0.5j), ValueError, r"gamma must be a real number.*gamma=0\.5j"),
    ("complex gamma array", lambda: make("gda", gamma=np.array([0.5j])), ValueError, r"gamma must be real"),
    ("string gamma", lambda: make("gda", gamma="0.5"), ValueError, r"gamma must be a real number.*gamma='0\.5'"),
    ("None in gamma", lambda: make("gda", gamma=np.array([None], dtype=object)), ValueError,
     r"gamma must hold real numbers, got None"),
    ("empty gamma", lambda: make("gda", gamma=np.array([])), ValueError, r"gamma must be a scalar or a non-empty array"),
    ("empty eigenvalues", lambda: spectral_radius(make("gda", gamma=0.5), np.array([])), ValueError, r"n_eig >= 1"),
    ("workers -2", lambda: process_pool(-2), ValueError, r"workers must be an integer >= 1, got workers=-2"),
    ("workers 1.5", lambda: process_pool(1.5), ValueError, r"workers must be an integer >= 1, got workers=1\.5"),
    ("non-integer tau axis", lambda: phase_diagram("la-gda", {"tau": [1.5], "lam": [0.5]}, progress=False),
     ValueError, r"tau must hold integers >= 1.*tau=\[1\.5\]"),
    ("non-integer fixed tau", lambda: phase_diagram("la-gda", {"rhoL": [0.0], "lam": [0.5]}, fixed={"tau": 2.5},
                                                    progress=False), ValueError, r"tau must hold integers >= 1.*2\.5"),
]


@pytest.mark.parametrize("case", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_refusal_names_the_parameter(case):
    _, fn, exc, pattern = case
    with pytest.raises(exc, match=pattern):
        fn()


def test_rho_L_at_the_rounding_edge_is_the_extreme_game():
    op = LowerBoundGame(-1.0000000000000002, 1.0)  # |rho L| - 1 within the 1e-15 rounding tolerance
    assert float(op.rho) == -1.0
    np.testing.assert_allclose(op.matrix, [[-1.0, 0.0], [-0.0, -1.0]], atol=1e-15)  # b = rho L^2, a = 0


def test_singular_resolvent_is_still_a_linalg_error():
    # callers that treat an undefined resolvent as "the method is undefined here" keep working
    with pytest.raises(np.linalg.LinAlgError):
        resolvent(SINGULAR, np.array([[1.0, 1.0], [2.0, 0.0]]), np.array([[1.0], [1.0]]))


# ------------------------------------------------------------------------------------------------
# PEP cache entries of the wrong shape
# ------------------------------------------------------------------------------------------------
@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path / "cache"))
    from monoverify.theory.pep import cache as pep_cache

    monkeypatch.setattr(pep_cache, "_warned_shape", False)
    return tmp_path / "cache" / "pep"


@pytest.mark.parametrize("content", ['[1, 2, 3]', '"text"', '{"value": 1.0}', '{"status": "optimal"}', 'null'],
                         ids=["list", "string", "missing fields", "status only", "null"])
def test_pep_cache_entry_of_the_wrong_shape_is_recomputed(cache, content):
    from monoverify.theory.pep import CacheWarning, worst_case

    m = make("eg+", gamma=1.0, alpha=0.5)
    first = worst_case(m, -0.1, 1.0, 1)
    (path,) = cache.glob("*.json")
    path.write_text(content)
    with pytest.warns(CacheWarning, match="not a monoverify cache entry"):
        again = worst_case(m, -0.1, 1.0, 1)
    assert not again.cached and again.status == "optimal"
    assert abs(again.value - first.value) <= 1e-9 * abs(first.value)
    assert json.loads(path.read_text())["status"] == "optimal"  # rewritten with a valid entry


def test_pep_cache_key_holds_the_method_code(cache, monkeypatch):
    """A changed step with the same repr is recomputed, not served from the cache."""
    from monoverify.solvers.methods import EG
    from monoverify.theory.pep import cache as pep_cache
    from monoverify.theory.pep import method_source_hash, worst_case

    m = make("eg", gamma=0.5)
    assert not worst_case(m, 0.0, 1.0, 1).cached
    assert worst_case(m, 0.0, 1.0, 1).cached
    before = method_source_hash(m)
    real = pep_cache._class_sources
    monkeypatch.setattr(pep_cache, "_class_sources",
                        lambda cls: real(cls) + (("def step(self): changed",) if cls is EG else ()))
    assert method_source_hash(m) != before
    assert not worst_case(m, 0.0, 1.0, 1).cached


# ------------------------------------------------------------------------------------------------
# phase checkpoints
# ------------------------------------------------------------------------------------------------
SMALL = dict(method="eg+", axes={"rhoL": [-0.2, 0.0], "alpha": [0.25, 0.5]}, progress=False)


@pytest.mark.parametrize("content", [b"", b"hello world\n", b"my notes\nmore notes\n", b'["not", "a", "header"]\n',
                                     b'{"kind": "something else"}\n'],
                         ids=["empty", "one text line", "text", "json list", "other kind"])
def test_a_file_that_is_not_a_checkpoint_is_refused_and_kept(tmp_path, content):
    p = tmp_path / "notes.txt"
    p.write_bytes(content)
    with pytest.raises(ValueError, match=r"notes\.txt.*is not a monoverify phase checkpoint"):
        phase_diagram(**SMALL, checkpoint=p)
    assert p.read_bytes() == content


def test_a_folder_as_checkpoint_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        phase_diagram(**SMALL, checkpoint=tmp_path)


def test_checkpoint_header_marks_the_file(tmp_path):
    p = tmp_path / "c.ckpt"
    phase_diagram(**SMALL, checkpoint=p)
    header = json.loads(p.read_text().splitlines()[0])
    assert header["kind"] == "monoverify.phase checkpoint" and header["format"] == 1
    assert isinstance(header["hash"], str) and header["sweep"]["method"] == "eg+"


@pytest.mark.parametrize("line", ['[1, 2]', '{"k": 0}', '{"k": 9, "values": [1, 2], "status": ["a", "b"]}',
                                  '{"k": 0, "values": [1], "status": ["a"]}', '{"k": "0", "values": [1, 2], "status": ["a", "b"]}',
                                  '{"k": 0, "values": [1, 2], "status": [1, 2]}'],
                         ids=["list", "no values", "k out of range", "short", "k string", "status numbers"])
def test_checkpoint_line_of_the_wrong_shape_is_recomputed(tmp_path, monkeypatch, line):
    from monoverify.theory.phase import checkpoint as ck_mod

    monkeypatch.setattr(ck_mod, "_warned", False)
    p = tmp_path / "c.ckpt"
    ref = phase_diagram(**SMALL, checkpoint=p)
    header, *chunks = p.read_text().splitlines()
    p.write_text("\n".join([header, line, *chunks[1:]]) + "\n")  # chunk 0 replaced by a wrong line
    log = tmp_path / "log"
    monkeypatch.setenv("MONOVERIFY_PHASE_TEST_LOG", str(log))
    with pytest.warns(ck_mod.CheckpointWarning, match="recomputed"):
        res = phase_diagram(**SMALL, checkpoint=p)
    assert log.read_text().split() == ["0"]
    np.testing.assert_array_equal(res.values, ref.values)
    np.testing.assert_array_equal(res.status, ref.status)


def test_partial_line_of_a_dead_writer_is_dropped_before_appending(tmp_path, monkeypatch):
    p = tmp_path / "c.ckpt"
    ref = phase_diagram(**SMALL, checkpoint=p)
    header, first, _ = p.read_text().splitlines()
    p.write_text(header + "\n" + first + "\n" + '{"k": 1, "values": [0.')  # killed mid-line
    res = phase_diagram(**SMALL, checkpoint=p)
    lines = p.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(x) for x in lines)  # no corrupt middle line
    np.testing.assert_array_equal(res.values, ref.values)


def test_two_sweeps_sharing_a_checkpoint_never_corrupt_it(tmp_path):
    ck = tmp_path / "shared.ckpt"
    axes = {"rhoL": [float(v) for v in np.linspace(-0.3, 0.2, 12)], "lam": [float(v) for v in np.linspace(0.05, 0.6, 4)]}
    script = textwrap.dedent(f"""
        from monoverify.theory.phase import phase_diagram
        phase_diagram("la-gda", {axes!r}, fixed={{"tau": 2, "gammaL": 1.0}}, checkpoint={str(ck)!r}, progress=False)
    """)
    env = {**os.environ, "MONOVERIFY_PHASE_TEST_DELAY": "0.05"}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(3)]
    for pr in procs:
        assert pr.wait(120) == 0
    lines = ck.read_text().splitlines()
    assert json.loads(lines[0])["kind"] == "monoverify.phase checkpoint"
    assert {json.loads(x)["k"] for x in lines[1:]} == set(range(12))  # every line whole and valid
    res = phase_diagram("la-gda", axes, fixed={"tau": 2, "gammaL": 1.0}, checkpoint=ck, progress=False)
    ref = phase_diagram("la-gda", axes, fixed={"tau": 2, "gammaL": 1.0}, progress=False)
    np.testing.assert_array_equal(res.values, ref.values)


# ------------------------------------------------------------------------------------------------
# process pools: workers die with their parent
# ------------------------------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG are Linux")
def test_pool_workers_die_with_their_parent(tmp_path):
    pids = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import os, time
        from monoverify.theory.phase import process_pool
        def pid(_):
            return os.getpid()
        if __name__ == "__main__":
            ex = process_pool(2)
            ws = set(ex.map(pid, range(8)))
            open({str(pids)!r}, "w").write(" ".join(map(str, ws)))
            time.sleep(60)
    """)
    f = tmp_path / "parent.py"
    f.write_text(script)
    parent = subprocess.Popen([sys.executable, str(f)])
    t0 = time.time()
    while not (pids.exists() and pids.read_text()) and time.time() - t0 < 60:
        time.sleep(0.05)
    workers = [int(x) for x in pids.read_text().split()]
    assert workers
    parent.kill()
    parent.wait(10)
    t0 = time.time()
    while any(os.path.exists(f"/proc/{w}") and "zombie" not in _state(w) for w in workers) and time.time() - t0 < 10:
        time.sleep(0.05)
    assert not [w for w in workers if os.path.exists(f"/proc/{w}") and "zombie" not in _state(w)]


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next((ln for ln in fh if ln.startswith("State:")), "").lower()
    except OSError:
        return "zombie"


def test_exact_hyper_parameters_still_accepted():
    # SymPy symbols and numbers are not refused by the real-number checks
    m = make("gda", gamma=sp.Symbol("gamma"))
    assert m.gamma == sp.Symbol("gamma")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert LowerBoundGame(sp.Rational(-1, 3), 1).rho == sp.Rational(-1, 3)
