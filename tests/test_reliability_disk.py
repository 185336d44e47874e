"""A full disk (issue 24): no cache, checkpoint or report is left corrupt, and an error names the path.

Every writer runs twice: on a real, small file system (an 8 MiB ``tmpfs`` mounted for the test and filled up;
skipped with the reason where mounting is not permitted, e.g. a CI runner without root) and under a
fault-injecting write wrapper that always runs (``os.fdopen`` files and ``os.write`` fail with ``ENOSPC`` after a
byte budget, the bytes before it really written: the torn file a real full disk leaves; files opened for writing
with ``open`` too, so a writer that bypasses ``monoverify.atomic`` is caught).

What must hold for each: the cache entries, checkpoint and report files are either their old content or their
complete new content (a later run reads valid data, or recomputes), no temporary file is left behind, a cache
that cannot be written never breaks the computation (one ``CacheWarning`` naming the path), and a checkpoint or
report that cannot be written raises an ``OSError`` that names its path.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

from monoverify import atomic
from monoverify.solvers import make

MOUNT_SIZE = 8 * 1024 * 1024
PAGE = 4096


# ------------------------------------------------------------------------------------------------------------------
# the two disks
# ------------------------------------------------------------------------------------------------------------------
class _Disk:
    """A directory whose writes can be made to fail: ``full()`` (nothing fits) or ``full(room)`` (about ``room``
    more bytes fit, then ENOSPC)."""

    kind = ""

    def __init__(self, root: Path):
        self.dir = root

    def leftovers(self, where: Path | None = None) -> list[str]:
        """Temporary files left behind (``.name.XXXX.tmp``, ``*.tmp``, ``.times.json.<pid>``)."""
        where = where or self.dir
        return sorted(str(p.relative_to(where)) for p in where.rglob("*")
                      if p.is_file() and p.name != "filler" and (p.name.startswith(".") or p.suffix == ".tmp"))


class _Tmpfs(_Disk):
    kind = "tmpfs"

    @contextlib.contextmanager
    def full(self, room: int = 0):
        filler = self.dir / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            while True:
                st = os.statvfs(self.dir)
                free = st.f_bavail * st.f_frsize
                if free <= room:
                    break
                os.write(fd, b"\0" * min(1 << 16, max(1, free - room)))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
        finally:
            os.close(fd)
        try:
            yield
        finally:
            filler.unlink()


class _Injected(_Disk):
    kind = "inject"

    def __init__(self, root: Path, monkeypatch):
        super().__init__(root)
        self.mp = monkeypatch

    @contextlib.contextmanager
    def full(self, room: int = 0):
        budget = [room]
        real_fdopen, real_write = os.fdopen, os.write

        class Torn:
            """A file whose writes stop with ENOSPC once the budget is spent (the bytes before it are written)."""

            def __init__(self, fh):
                self._fh = fh

            def write(self, data):
                n = min(len(data), budget[0])
                budget[0] -= n
                if n:
                    self._fh.write(data[:n])
                if n < len(data):
                    raise OSError(errno.ENOSPC, "No space left on device")
                return n

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self._fh.close()
                return False

            def __getattr__(self, name):
                return getattr(self._fh, name)

        def fdopen(fd, *a, **k):
            return Torn(real_fdopen(fd, *a, **k))

        import builtins

        real_open = builtins.open

        def open_(file, mode="r", *a, **k):
            fh = real_open(file, mode, *a, **k)
            return Torn(fh) if any(c in mode for c in "wax+") else fh

        def write(fd, data):
            n = min(len(data), budget[0])
            if n == 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            budget[0] -= n
            return real_write(fd, bytes(data[:n]))     # a short write, as the kernel makes one

        with self.mp.context() as m:
            m.setattr(os, "fdopen", fdopen)
            m.setattr(os, "write", write)
            m.setattr(builtins, "open", open_)
            yield


def _mount(path: Path) -> str | None:
    """Mount a tmpfs of MOUNT_SIZE bytes at ``path``; the reason when that is not possible."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a tmpfs needs root (this is not)"
    if shutil.which("mount") is None:
        return "no mount command"
    try:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={MOUNT_SIZE}", "tmpfs", str(path)],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"mount failed: {exc}"
    if r.returncode != 0:
        return f"mount -t tmpfs is not permitted here ({(r.stderr or r.stdout).strip() or r.returncode})"
    return None


@pytest.fixture(params=["tmpfs", "inject"])
def disk(request, tmp_path, monkeypatch):
    root = tmp_path / "disk"
    root.mkdir()
    if request.param == "inject":
        yield _Injected(root, monkeypatch)
        return
    why = _mount(root)
    if why is not None:
        pytest.skip(f"real full-disk test skipped: {why}; the fault-injecting wrapper runs the same checks")
    try:
        yield _Tmpfs(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], capture_output=True, timeout=30)


@pytest.fixture(autouse=True)
def _warn_every_time(monkeypatch):
    """The cache warnings are once per process: per test here."""
    from monoverify.theory.pep import cache as pep_cache

    monkeypatch.setattr(pep_cache, "_warned_write", False)


def _names_path(exc: BaseException, path: Path) -> None:
    assert str(path) in str(exc), (str(path), str(exc))


# ------------------------------------------------------------------------------------------------------------------
# monoverify.atomic itself
# ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("room", [0, 100], ids=["nothing-fits", "torn-after-100-bytes"])
def test_atomic_write_keeps_the_old_file_and_names_the_path(disk, room):
    p = disk.dir / "a.json"
    atomic.write_text(p, json.dumps({"old": True}))
    with disk.full(room), pytest.raises(OSError) as exc:
        atomic.write_text(p, json.dumps({"new": "x" * 20000}))
    _names_path(exc.value, p)
    assert exc.value.filename == str(p)
    assert json.loads(p.read_text()) == {"old": True}
    assert disk.leftovers() == []


# ------------------------------------------------------------------------------------------------------------------
# caches: the computation goes on, one warning names the path, nothing torn or left behind, later runs recompute
# ------------------------------------------------------------------------------------------------------------------
def test_pep_cache(disk):
    from monoverify.theory.pep import CacheWarning, worst_case

    cache = disk.dir / "pep"
    m = make("pp", gamma=1.0)
    with disk.full(), pytest.warns(CacheWarning, match="PEP cache not written") as rec:
        r = worst_case(m, 0.0, None, 2, metric="step", cache=cache)
    assert r.status == "optimal" and abs(r.value - 0.25) < 1e-6       # Gu & Yang: (1 - 1/N)^(N-1)/N at N = 2
    assert str(cache) in str(rec[0].message)
    assert [p for p in disk.dir.rglob("*.json")] == [] and disk.leftovers() == []
    again = worst_case(m, 0.0, None, 2, metric="step", cache=cache)     # space again: recomputed and stored
    assert not again.cached and worst_case(m, 0.0, None, 2, metric="step", cache=cache).cached
    with disk.full():                                                   # a full disk does not stop reading
        assert worst_case(m, 0.0, None, 2, metric="step", cache=cache).cached


def test_prove_cache(disk, monkeypatch):
    from monoverify.theory.pep import CacheWarning
    from monoverify.theory.prove import cache as prove_cache
    from monoverify.theory.prove.theorem import theorem_claim

    claim = theorem_claim("pp.last_iterate", 1, {"rho": "-1/5", "gamma": "1"})
    d = disk.dir / "prove"
    with disk.full(), pytest.warns(CacheWarning, match="prove cache not written"):
        p = prove_cache.cached_prove(claim, d)
    assert p.success
    assert list(disk.dir.rglob("*.json")) == [] and disk.leftovers() == []
    assert prove_cache.cached_prove(claim, d).success                   # recomputed, now stored
    (entry,) = list(d.glob("*.json"))
    json.loads(entry.read_text())

    def no_prove(*a, **k):
        raise AssertionError("the cached certificate must be read, not proved again")

    monkeypatch.setattr("monoverify.theory.prove.core.prove", no_prove)
    with disk.full():
        assert prove_cache.cached_prove(claim, d).success


def test_sampled_cell_cache(disk, monkeypatch, tmp_path):
    from monoverify.theory import get
    from monoverify.theory.judge.sampling import sample

    th = get("pp.last_iterate")
    monkeypatch.setenv("MONOVERIFY_CACHE", str(tmp_path / "fresh"))
    expected = sample(th, quick=True)
    monkeypatch.setenv("MONOVERIFY_CACHE", str(disk.dir))
    with disk.full():
        got = sample(th, quick=True)
    assert got == expected
    assert list(disk.dir.rglob("*.json")) == [] and disk.leftovers() == []
    assert sample(th, quick=True) == expected                           # drawn again and stored
    (entry,) = list((disk.dir / "cells").glob("*.json"))
    assert len(json.loads(entry.read_text())) == len(expected)


def test_pepfit_cache(disk, monkeypatch):
    from monoverify.theory import get
    from monoverify.theory.judge import pepfit

    monkeypatch.setenv("MONOVERIFY_CACHE", str(disk.dir))
    th = get("pp.last_iterate")
    cell = dict(th.pep["cells"][0])
    first = pepfit.fit(th, cell, 2)           # warms the PEP cache; the fit itself is rewritten below
    for p in (disk.dir / "pepfit").glob("*.json"):
        p.unlink()
    with disk.full():
        again = pepfit.fit(th, cell, 2)
    assert again.status == first.status
    assert list((disk.dir / "pepfit").glob("*.json")) == []
    assert not disk.leftovers()


def test_scaling_cache(disk, monkeypatch):
    """The statement's dimensional check: cached on disk, never torn, recomputed when absent or unreadable."""
    from monoverify.theory import get
    from monoverify.theory.judge import statement

    monkeypatch.setenv("MONOVERIFY_CACHE", str(disk.dir))
    th = get("eg+.lower_bound_game")
    monkeypatch.setattr(statement, "_SCALINGS", {})
    first = statement.scaling(th)
    files = list((disk.dir / "scaling").glob("*.json"))
    assert len(files) == 1
    monkeypatch.setattr(statement, "_SCALINGS", {})
    assert statement.scaling(th) == first                      # read back: the same object's fields
    files[0].write_text('{"covariant": tr')                    # torn by another writer: recomputed
    monkeypatch.setattr(statement, "_SCALINGS", {})
    assert statement.scaling(th) == first
    files[0].unlink()
    monkeypatch.setattr(statement, "_SCALINGS", {})
    with disk.full():
        assert statement.scaling(th) == first                  # a full disk: computed, not cached
    assert list((disk.dir / "scaling").glob("*.json")) == [] and not disk.leftovers()


def test_discover_pin_cache(disk):
    from monoverify.theory.discover import data

    p = disk.dir / "discover" / "pin-x.json"
    data._write(p, {"value": 1.0})
    with disk.full(50):
        data._write(p, {"value": 2.0, "pad": "x" * 20000})             # refused quietly: a cache
    assert json.loads(p.read_text()) == {"value": 1.0} and disk.leftovers() == []


def test_verify_times(disk):
    from monoverify.theory.judge.costs import load_times, save_times

    path = disk.dir / "verify" / "times.json"
    save_times({"a": 1.0}, True, path)
    with disk.full(10):
        save_times({"a": 2.0, **{f"t{i}": float(i) for i in range(2000)}}, True, path)   # never raises
    assert load_times(True, path) == {"a": 1.0} and disk.leftovers() == []


def test_times_json_that_is_a_directory_leaves_nothing_behind(tmp_path):
    """The issue's case: every run left a ``.times.json.<pid>`` file beside a times.json that is a directory."""
    from monoverify.theory.judge.costs import load_times, save_times

    path = tmp_path / "verify" / "times.json"
    path.mkdir(parents=True)
    for _ in range(3):
        save_times({"a": 1.0}, True, path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["times.json"] and path.is_dir()
    assert load_times(True, path) == {}


def test_kernel_source_cache_falls_back_to_numpy(disk, monkeypatch):
    """A kernel source that cannot be written: the run takes the NumPy path, same numbers."""
    pytest.importorskip("numba")
    from monoverify.operators import LowerBoundGame
    from monoverify.solvers import run

    monkeypatch.setenv("MONOVERIFY_CACHE", str(disk.dir))
    z0 = np.random.default_rng(0).standard_normal((64, 2))
    m = make("rapp", gamma=0.5, lam=np.linspace(0.1, 0.9, 64), tau=3)
    with disk.full():
        r = run(m, LowerBoundGame(-0.1, 1.0), z0, iters=50, kernel="auto")
    ref = run(m, LowerBoundGame(-0.1, 1.0), z0, iters=50, kernel="never")
    np.testing.assert_array_equal(r.z, ref.z)
    assert disk.leftovers() == []


# ------------------------------------------------------------------------------------------------------------------
# phase checkpoints: whole lines or none, the error names the checkpoint, a resumed sweep completes it
# ------------------------------------------------------------------------------------------------------------------
SWEEP = dict(method="la-gda", axes={"rhoL": np.linspace(-0.5, 0.0, 6), "lam": np.linspace(0.05, 1.0, 300)},
             fixed={"gammaL": 0.5, "tau": 2}, progress=False)


def _lines(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n"), "a torn last line"
    return raw.split(b"\n")[:-1]


def test_checkpoint_on_a_full_disk_is_refused_naming_it(disk):
    from monoverify.theory.phase import phase_diagram

    ck = disk.dir / "sweep.ckpt"
    with disk.full(), pytest.raises(OSError) as exc:
        phase_diagram(checkpoint=ck, **SWEEP)
    _names_path(exc.value, ck)
    assert not ck.exists() and disk.leftovers() == []


def test_checkpoint_filling_up_mid_sweep_keeps_whole_lines_and_resumes(disk):
    from monoverify.theory.phase import phase_diagram

    scratch = disk.dir / "scratch.ckpt"
    ref = phase_diagram(checkpoint=scratch, **SWEEP)          # sizes of the header and of one chunk line
    head_size, line_size = (len(x) + 1 for x in _lines(scratch)[:2])
    scratch.unlink()
    ck = disk.dir / "sweep.ckpt"
    room = head_size + line_size * 3 // 2                    # the header, one chunk line and half of the next
    if disk.kind == "tmpfs":
        room = -(-room // PAGE) * PAGE
    with disk.full(room), pytest.raises(OSError) as exc:
        phase_diagram(checkpoint=ck, **SWEEP)
    _names_path(exc.value, ck)
    lines = _lines(ck)                                       # every line whole: the header and finished chunks
    head = json.loads(lines[0])
    assert head["kind"] == "monoverify.phase checkpoint"
    done = [json.loads(x)["k"] for x in lines[1:]]
    assert len(done) < 6
    res = phase_diagram(checkpoint=ck, **SWEEP)              # space again: resumes and completes
    np.testing.assert_array_equal(res.values, ref.values)
    assert len(_lines(ck)) == 1 + 6 and disk.leftovers() == []


def test_phase_csv_keeps_the_old_table(disk):
    from monoverify.theory.phase import phase_diagram

    res = phase_diagram(**SWEEP)
    p = disk.dir / "phase.csv"
    small = phase_diagram("la-gda", {"rhoL": [0.0], "lam": [0.5]}, fixed={"gammaL": 0.5, "tau": 2}, progress=False)
    small.to_csv(p)
    old = p.read_text()
    with disk.full(1000), pytest.raises(OSError) as exc:
        res.to_csv(p)
    _names_path(exc.value, p)
    assert p.read_text() == old and disk.leftovers() == []


# ------------------------------------------------------------------------------------------------------------------
# verify --report
# ------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_report():
    from monoverify.theory.judge.verify import verify

    return verify(["pp.last_iterate"], quick=True, pep=False)


@pytest.mark.parametrize("room", [0, "half-json", "json"], ids=["nothing-fits", "torn-json", "room-for-the-json-only"])
def test_verify_report_files_are_old_or_new_never_torn(disk, small_report, room):
    from rich.console import Console

    from monoverify.cli.report import write_report

    out = disk.dir / "report"
    out.mkdir()
    con = Console(file=open(os.devnull, "w"))
    write_report(out, small_report, con, figures=False, curves=False)   # without curves: 36 MB with them
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    size = len(before["verify.json"])
    if room == "json" and disk.kind == "tmpfs":
        pytest.skip("on a real file system the replaced verify.json frees its old pages: verify.csv then fits")
    # nothing; half of the new verify.json; room for the new verify.json but not for verify.csv after it
    budget = {0: 0, "half-json": size // 2, "json": size + 10}[room]
    with disk.full(budget), pytest.raises(OSError) as exc:
        write_report(out, small_report, con, figures=False, curves=False)
    failed = Path(exc.value.filename) if getattr(exc.value, "filename", None) else None
    assert failed is not None and failed.parent == out, f"the error must name the report file: {exc.value}"
    _names_path(exc.value, failed)
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    for name, data in after.items():           # each file its old content or the complete new one
        assert data == before[name] or name == "verify.json" and json.loads(data), name
    json.loads(after["verify.json"])
    assert disk.leftovers() == []
