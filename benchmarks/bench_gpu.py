"""CuPy against NumPy at batch 10^6: the same runner, the same problem, one process.

The problem of ``bench_batched.py`` (RAPP, tau = 5, on ``LowerBoundGame(rho=-0.2, L=1)``, a grid
of ``(gamma, lam)``, random starts, 200 outer iterations, no tolerance) at ``--batch`` instances
(default 10^6). Timed, each the minimum of ``--repeat`` runs, CuPy synchronised before and after:

* ``run(...)`` (the compiled default) on NumPy arrays and on CuPy arrays, with per-iteration
  records and without;
* the hand-fused kernel of ``bench_batched.py`` on both backends.

A CuPy run keeps its history rows on the device until they are read; the time of that one copy
to the host is printed after the timings (with the ratio it would give counted in).

Before timing, the CuPy run is compared with the NumPy run on 4096 instances (iterates and
residual history, relative to ``1 + |value|``: the kernels may round differently). The ratios printed
are NumPy time / CuPy time (target >= 20 for the runner at batch 10^6, issue 16).

Run (on a machine with a GPU and CuPy): ``python benchmarks/bench_gpu.py [--batch 1000000]``.
Without CuPy or a GPU it exits with a clear message.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_batched import RHO, TAU, L, _backend, fused, problem, timed  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=1_000_000)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    if args.batch < 1 or args.iters < 1 or args.repeat < 1:
        ap.error("--batch, --iters and --repeat must be >= 1")
    cp = _backend("cupy")

    from monoverify.arrays import to_numpy
    from monoverify.operators import LowerBoundGame
    from monoverify.solvers import make, run

    op = LowerBoundGame(RHO, L)
    b, a = float(op.matrix[0, 0]), float(op.matrix[0, 1])
    gamma, lam, z0 = problem(args.batch)
    print(f"RAPP tau={TAU} on LowerBoundGame(rho={RHO}, L={L}): {args.batch:,} instances x {args.iters} iterations; "
          f"GPU: {cp.cuda.runtime.getDeviceProperties(0)['name'].decode()}", flush=True)

    chk = min(args.batch, 4096)
    m_chk = make("rapp", gamma=gamma[:chk], lam=lam[:chk], tau=TAU)
    rn = run(m_chk, op, z0[:chk], iters=args.iters)
    rc = run(m_chk, op, cp.asarray(z0[:chk]), iters=args.iters)
    dz = float(np.max(np.abs(to_numpy(rc.z) - rn.z) / (1 + np.abs(rn.z))))
    dr = float(np.nanmax(np.abs(to_numpy(rc.history.residual) - rn.history.residual) / (1 + rn.history.residual)))
    same_status = bool(np.array_equal(np.asarray(to_numpy(rc.status)), np.asarray(rn.status)))
    print(f"check on {chk} instances: max rel |z_cupy - z_numpy| = {dz:.1e}, residual history {dr:.1e}, "
          f"statuses equal: {same_status}", flush=True)
    if not (dz <= 1e-9 and dr <= 1e-9 and same_status):
        print("CuPy and NumPy runs disagree beyond rounding")
        return 1

    method = make("rapp", gamma=gamma, lam=lam, tau=TAU)
    times, kept = {}, None
    for name, xp, z in (("numpy", np, z0), ("cupy", cp, cp.asarray(z0))):
        for rec in (True, False):
            times["runner", name, rec], out = timed(lambda: run(method, op, z, iters=args.iters, record=rec), xp,
                                                    args.repeat)
            kept = out if (name, rec) == ("cupy", True) else kept
            del out
            times["fused", name, rec], _ = timed(lambda: fused(z, xp.asarray(gamma), xp.asarray(lam), args.iters,
                                                               b, a, xp, rec), xp, args.repeat)
            print(f"{name:5s} records={rec!s:5s} runner {times['runner', name, rec]:8.3f} s   "
                  f"fused {times['fused', name, rec]:8.3f} s", flush=True)
    for what in ("runner", "fused"):
        for rec in (True, False):
            print(f"NumPy / CuPy, {what}, {'records' if rec else 'no records'}: "
                  f"{times[what, 'numpy', rec] / times[what, 'cupy', rec]:.1f}x")
    for rec in (True, False):
        print(f"CuPy fused / CuPy runner, {'records' if rec else 'no records'}: "
              f"{times['fused', 'cupy', rec] / times['runner', 'cupy', rec]:.2f}")
    # a CuPy run keeps its residual and distance rows on the device until its history is read (not timed above)
    t0 = time.perf_counter()
    _ = (kept.history.residual, kept.history.distance)
    t_read = time.perf_counter() - t0
    print(f"CuPy history (residual, distance) copied to the host on first read, after the timings: {t_read:.3f} s; "
          f"counted in, NumPy / CuPy runner, records: "
          f"{times['runner', 'numpy', True] / (times['runner', 'cupy', True] + t_read):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
