"""History rows of a run on a device (array-API arrays, CuPy) stay there until the history is read.

The runner keeps the residual and distance rows in the iterates' namespace
(:class:`monoverify.solvers.records.DeviceRows`) and copies them to the host once, when
``Run.history`` is read. Two things are checked on ``array_api_strict`` (always) and CuPy (when a
GPU is present): the history equals the NumPy run's (same shapes, dtype, NaN padding, values to
rounding), and the number of arrays copied to the host does not grow with ``iters``.
"""

from __future__ import annotations

import collections
import sys

import numpy as np
import pytest

import monoverify.arrays
from monoverify.operators import BilinearGame, LowerBoundGame
from monoverify.solvers import make, run
from monoverify.solvers.records import Records

from _maps import cupy_or_skip

BACKENDS = ["array_api_strict", "cupy"]


def _backend(name):
    if name == "array_api_strict":
        return pytest.importorskip("array_api_strict")
    return cupy_or_skip()


@pytest.fixture(params=BACKENDS)
def xp(request):
    return _backend(request.param)


def _rtol(xp):
    return 1e-12 if xp.__name__ == "array_api_strict" else 1e-11  # CuPy's kernels may round differently


def _same_history(a, b, rtol):
    """``b`` (device run) has ``a``'s (NumPy run) history: shapes, dtypes, NaN places, values to ``rtol``."""
    np.testing.assert_array_equal(b.status, a.status)
    np.testing.assert_array_equal(b.n_iter, a.n_iter)
    np.testing.assert_array_equal(b.history.n_oracle, a.history.n_oracle)
    pairs = [(a.history.residual, b.history.residual), (a.history.distance, b.history.distance)]
    pairs += [(a.history.monitors[k], b.history.monitors[k]) for k in a.history.monitors]
    assert sorted(b.history.monitors) == sorted(a.history.monitors)
    for x, y in pairs:
        assert type(y) is np.ndarray and y.dtype == np.float64 and y.shape == x.shape
        np.testing.assert_array_equal(np.isnan(y), np.isnan(x))
        np.testing.assert_allclose(y, x, rtol=rtol, atol=rtol)


LBG = LowerBoundGame(-0.2, 1.0)
SWEEP = make("rapp", gamma=0.7, lam=np.linspace(0.3, 0.9, 6), tau=5)  # every instance converges, at its own pace
Z0 = np.random.default_rng(4).standard_normal((6, 2))


@pytest.mark.parametrize("kw", [
    dict(iters=30),  # records every iteration, no tol: one segment of rows allocated at once
    dict(iters=150, tol=1e-3),  # instances stop one after another: a segment per active set, buffers that grow
    dict(iters=30, record=False),  # first and last rows only
    dict(iters=150, tol=1e-3, record=False),  # residual rows for the stopping test, distance at both ends
    dict(iters=20, monitors={"z0": lambda z, idx: z[:, 0]}),  # monitors stay host rows
], ids=["records", "tol", "no-records", "tol-no-records", "monitors"])
def test_device_history_equals_numpy(xp, kw):
    a = run(SWEEP, LBG, Z0, **kw)
    b = run(SWEEP, LBG, xp.asarray(Z0), **kw)
    if "tol" in kw:
        assert set(a.status) == {"converged"} and len(set(a.n_iter.tolist())) > 1  # stops at different iterations
    _same_history(a, b, _rtol(xp))
    # ||F z0|| = L ||z0|| on this game; distance to z* = 0 is ||z0||
    np.testing.assert_allclose(b.history.residual[0], np.linalg.norm(Z0, axis=1) * float(LBG.L), rtol=1e-14)
    np.testing.assert_allclose(b.history.distance[0], np.linalg.norm(Z0, axis=1), rtol=1e-14)


def test_device_history_divergence_float32_and_unbatched(xp):
    op = BilinearGame([[1.0]])
    m = make("gda", gamma=np.array([0.01, 2.0, 0.5]))
    z0 = np.array([1.0, 0.5])
    a = run(m, op, z0, iters=60)
    b = run(m, op, xp.asarray(z0), iters=60)
    assert b.status.tolist() == ["max_iter", "diverged", "max_iter"]
    _same_history(a, b, _rtol(xp))
    a32 = run(SWEEP, LBG, Z0.astype(np.float32), iters=10)
    b32 = run(SWEEP, LBG, xp.asarray(Z0.astype(np.float32)), iters=10)
    _same_history(a32, b32, 1e-5)  # float32 rows, stored as float64 on both backends
    a1 = run(make("rapp", gamma=0.5, lam=0.5, tau=3), LBG, Z0[0], iters=12)
    b1 = run(make("rapp", gamma=0.5, lam=0.5, tau=3), LBG, xp.asarray(Z0[0]), iters=12)
    assert b1.history.residual.shape == (13,)
    np.testing.assert_allclose(b1.history.residual, a1.history.residual, rtol=_rtol(xp))


def test_device_history_cut_to_the_rows_run(xp, monkeypatch):
    # above Records._PAD_BYTES the history ends at the last iteration any instance ran
    monkeypatch.setattr(Records, "_PAD_BYTES", 0)
    a = run(SWEEP, LBG, Z0, iters=500, tol=1e-3)
    b = run(SWEEP, LBG, xp.asarray(Z0), iters=500, tol=1e-3)
    assert b.history.residual.shape == (int(a.n_iter.max()) + 1, 6)
    _same_history(a, b, _rtol(xp))


# --------------------------------------------------------------------------------------------
# copies to the host
# --------------------------------------------------------------------------------------------
class _Copies:
    """Counts arrays (more than one entry) and scalars copied from ``xp`` arrays to the host.

    array_api_strict: every conversion of its ``Array`` type (NumPy's ``__array__``, DLPack,
    ``float``/``bool``/``int``). CuPy (a compiled type): every call of ``to_numpy`` (the one
    device-to-host copy of monoverify) in a loaded monoverify module.
    """

    def __init__(self, xp, monkeypatch):
        self.n = collections.Counter()
        if xp.__name__ == "array_api_strict":
            T = type(xp.asarray([0.0]))
            # __buffer__: newer NumPy (2.5) converts through the buffer protocol before __array__
            for name in ("__array__", "__buffer__", "__dlpack__", "__float__", "__bool__", "__int__", "__index__"):
                if hasattr(T, name):
                    monkeypatch.setattr(T, name, self._counting(getattr(T, name)))
        else:
            orig = monoverify.arrays.to_numpy
            counting = self._counting(orig, skip=np.ndarray)
            for mod in [m for k, m in list(sys.modules.items()) if k.startswith("monoverify") and m is not None]:
                if getattr(mod, "to_numpy", None) is orig:
                    monkeypatch.setattr(mod, "to_numpy", counting)

    def _counting(self, fn, skip=()):
        def wrapped(x, *a, **kw):
            if not isinstance(x, skip):
                self.n["array" if int(np.prod(x.shape)) > 1 else "scalar"] += 1
            return fn(x, *a, **kw)
        return wrapped

    def take(self):
        n = dict(self.n)
        self.n.clear()
        return n.get("array", 0), n.get("scalar", 0)


@pytest.mark.parametrize("tol", [None, 1e-300], ids=["no-tol", "tol"])
def test_no_row_copied_per_iteration(xp, monkeypatch, tol):
    m = make("rapp", gamma=0.5, lam=0.5, tau=5)
    z0 = xp.asarray(np.random.default_rng(0).standard_normal((50, 2)))
    copies = _Copies(xp, monkeypatch)
    seen = {}
    for iters in (10, 40):
        r = run(m, LBG, z0, iters=iters, tol=tol)
        during = copies.take()
        r.history.residual, r.history.distance
        seen[iters] = during, copies.take()
        r.history.residual, r.history.distance, r.final_residual
        assert copies.take()[0] == 0  # read once, then kept on the host
    (arrays10, scalars10), read10 = seen[10]
    (arrays40, scalars40), read40 = seen[40]
    assert arrays40 == arrays10 <= 4  # start point, limits, the last test (and with tol its residual row)
    assert read40 == read10 == (2, 0)  # residual and distance: one copy each, when read
    if xp.__name__ == "array_api_strict":  # at most three numbers a step for the stopping decisions
        assert scalars40 - scalars10 <= 3 * 30


def test_rows_copied_once_per_active_set(xp, monkeypatch):
    # instances that stop split the rows into one segment per active set, each copied once
    op = BilinearGame([[1.0]])
    m = make("gda", gamma=np.array([0.01, 2.0, 0.5]))
    z0 = xp.asarray(np.array([1.0, 0.5]))
    copies = _Copies(xp, monkeypatch)
    reads = []
    for iters in (60, 200):
        r = run(m, op, z0, iters=iters)
        assert r.status.tolist() == ["max_iter", "diverged", "max_iter"]
        copies.take()
        r.history.residual, r.history.distance
        reads.append(copies.take())
    assert reads[0] == reads[1] == (4, 0)  # (all 3 instances, then 2) x (residual, distance)


def test_device_rows_segments(xp):
    # rows 0-4 for all 5 instances, 5-9 for instances [0, 2, 4], 10-11 for [2]; row 12 never written
    from monoverify.arrays import namespace_of
    from monoverify.solvers.records import DeviceRows

    like = xp.asarray(np.zeros((5, 2)))
    xp = namespace_of(like)   # the namespace the runner hands over (array_api_compat's wrapper for CuPy)
    rows = DeviceRows(xp, like, B=5, full=13, first=64)
    expected = np.full((13, 5), np.nan)
    every, some, one = slice(None), np.array([0, 2, 4]), np.array([2])
    for k in range(12):
        cols = every if k < 5 else (some if k < 10 else one)
        v = np.arange(5.0)[cols] + 10 * k
        expected[k, cols] = v
        rows.put(k, cols, xp.asarray(v if k % 2 else v.astype(np.float32)))  # float32 rows are stored as float64
    caps = [s.buf.shape[0] for s in rows.segments]
    assert caps == [13, 8, 2]  # the first: min(first, rows left); the later ones grow from one row by doubling
    out = rows.host(13)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
    assert rows.host(13) is out and rows.segments == []  # copied once, device buffers released
    empty = DeviceRows(xp, like, B=5, full=13, first=64).host(4)
    assert empty.shape == (4, 5) and np.isnan(empty).all()
