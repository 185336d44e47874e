"""Speed of the batched runner: RAPP (tau = 5) on 65,536 two-dimensional LowerBoundGame instances.

Problem: ``LowerBoundGame(rho=-0.2, L=1)`` (c = 0.2), RAPP with ``tau = 5`` and a 256 x 256 grid of
hyper-parameters ``gamma in [0.45, 0.8]`` x ``lam in [0.05, 0.95]`` (65,536 instances, all in the
convergent range of SPEC R9: gamma in (-2 rho, 1/L), lam in (0, 1)), random starts, 200 outer
iterations, no tolerance (every instance runs all iterations, so every timing below does exactly
the same arithmetic).

Variants, all measured in the same process, each with per-iteration records (``||F z||`` and
``||z - z*||`` every iteration) and without (``run(..., record=False)``, which keeps only the first
and last rows; the fused kernel then records nothing):

* the per-instance Python loop (``run`` once per instance, scalar hyper-parameters), timed on
  ``--loop-sample`` instances (default 256) and extrapolated to the batch (the output says so);
* the generic runner (``run(..., compiled=False)``: ``method.step`` every iteration);
* the compiled step (``kernel="never"``: the traced step replayed with buffers by NumPy, same bits);
* the linear fast path (``run(..., linear="always")``: the method's transition matrix);
* the hand-fused NumPy kernel: the RAPP update written directly on the two coordinate columns
  with the 2x2 block structure of ``F`` (no status bookkeeping).

Ratios are fused time / variant time (the goal for the compiled step is >= 0.8) and loop / batched
(target >= 100). Batched and fused timings are the minimum of ``--repeat`` runs (default 3); before
any number is printed the compiled run is checked to equal the generic run bit for bit and the
fused kernel to 1e-12 (iterates and residual history); the linear path's distance to the fused
iterates, relative to ``1 + ||z||``, is printed.

First (NumPy backend, numba installed) the kernel comparison: the default path (the numba kernel generated
from the traced step), the NumPy path, ``kernel="parallel"`` and a hand-written numba kernel of the same
update (the anchor: blocks of 512 in L1, outer loop inside, no stopping tests), with and without records,
in ``--rounds`` interleaved rounds (min and median), checked bit for bit / to 1e-12 first, and the roofline
(56 flop per instance and iteration at the peak measured by :func:`peak_flops`).

Run: ``python benchmarks/bench_batched.py [--batch 65536] [--iters 200] [--backend numpy|cupy] [--rounds 7]
[--only-kernel]``.
With ``--backend cupy`` (default batch 10^6) CuPy is imported lazily; the per-instance loop then
runs on NumPy (a GPU loop over single instances would only measure kernel-launch latency).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

RHO, L, TAU = -0.2, 1.0, 5


def _backend(name: str):
    if name == "numpy":
        return np
    if name == "cupy":
        try:
            import cupy
        except ImportError:
            sys.exit("--backend cupy needs CuPy (pip install 'monoverify[gpu]' or a cupy-cudaXX wheel); it is not "
                     "installed here. Use --backend numpy.")
        try:
            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # pragma: no cover - machine dependent
            sys.exit(f"--backend cupy: CuPy is installed but no usable GPU was found ({exc}).")
        return cupy
    sys.exit(f"unknown backend {name!r}: use numpy or cupy")


def _sync(xp) -> None:
    if xp is not np:
        xp.cuda.Stream.null.synchronize()


def problem(batch: int, seed: int = 0):
    """Hyper-parameter grid (gamma, lam) of ``batch`` instances and random starts (NumPy)."""
    side = int(math.isqrt(batch))
    if side * side == batch:
        g, l = np.meshgrid(np.linspace(0.45, 0.8, side), np.linspace(0.05, 0.95, side), indexing="ij")
        gamma, lam = g.ravel(), l.ravel()
    else:
        rng = np.random.default_rng(seed + 1)
        gamma, lam = rng.uniform(0.45, 0.8, batch), rng.uniform(0.05, 0.95, batch)
    z0 = np.random.default_rng(seed).standard_normal((batch, 2))
    return gamma, lam, z0


def fused(z0, gamma, lam, iters: int, b: float, a: float, xp, record: bool):
    """RAPP(tau = 5) written out for F z = [[b, a], [-a, b]] z on the coordinate columns."""
    x, y = xp.array(z0[:, 0]), xp.array(z0[:, 1])
    g, l = xp.asarray(gamma), xp.asarray(lam)
    om = 1.0 - l
    res = dist = None
    if record:
        res = xp.empty((iters + 1, x.shape[0]))
        dist = xp.empty((iters + 1, x.shape[0]))
        fx = b * x + a * y
        fy = b * y - a * x
        res[0] = xp.sqrt(fx * fx + fy * fy)
        dist[0] = xp.sqrt(x * x + y * y)
    for k in range(1, iters + 1):
        u, v = x, y
        for _ in range(TAU):  # anchored inner steps w <- z - gamma F(w)
            fu = b * u + a * v
            fv = b * v - a * u
            u = x - g * fu
            v = y - g * fv
        x = om * x + l * u
        y = om * y + l * v
        if record:
            fx = b * x + a * y
            fy = b * y - a * x
            res[k] = xp.sqrt(fx * fx + fy * fy)
            dist[k] = xp.sqrt(x * x + y * y)
    return xp.stack([x, y], axis=1), res, dist


def hand_numba(record: bool):
    """The anchor: RAPP(tau = 5) on F z = [[b, a], [-a, b]] z written by hand as a numba kernel, the way an
    expert would: blocks of 512 instances kept in L1, the outer loop inside the kernel, a lane loop LLVM
    vectorizes, optional records (||F z|| and ||z|| every iteration); no stopping tests. One thread.
    The library never contains this: its kernel is generated from the method's traced step."""
    import numba

    @numba.njit(error_model="numpy")
    def kern(z0x, z0y, g, lam, iters, b, a, record, res, dist, outx, outy):
        n = z0x.size
        X = np.empty(512)
        Y = np.empty(512)
        for lo in range(0, n, 512):
            nb = min(512, n - lo)
            for j in range(nb):
                X[j] = z0x[lo + j]
                Y[j] = z0y[lo + j]
                if record:
                    x, y = X[j], Y[j]
                    fx, fy = b * x + a * y, b * y - a * x
                    res[0, lo + j] = np.sqrt(fx * fx + fy * fy)
                    dist[0, lo + j] = np.sqrt(x * x + y * y)
            for k in range(1, iters + 1):
                for j in range(nb):
                    x, y = X[j], Y[j]
                    gg, ll = g[lo + j], lam[lo + j]
                    u, v = x, y
                    for _ in range(5):
                        fu = b * u + a * v
                        fv = b * v - a * u
                        u = x - gg * fu
                        v = y - gg * fv
                    om = 1.0 - ll
                    x = om * x + ll * u
                    y = om * y + ll * v
                    X[j], Y[j] = x, y
                    if record:
                        fx, fy = b * x + a * y, b * y - a * x
                        res[k, lo + j] = np.sqrt(fx * fx + fy * fy)
                        dist[k, lo + j] = np.sqrt(x * x + y * y)
            for j in range(nb):
                outx[lo + j] = X[j]
                outy[lo + j] = Y[j]

    def call(z0, gamma, lam, iters, b, a):
        n = z0.shape[0]
        res = np.empty((iters + 1, n) if record else (1, 1))
        dist = np.empty_like(res)
        ox, oy = np.empty(n), np.empty(n)
        kern(np.ascontiguousarray(z0[:, 0]), np.ascontiguousarray(z0[:, 1]), gamma, lam, iters, b, a, record, res,
             dist, ox, oy)
        return np.stack([ox, oy], axis=1), (res if record else None), (dist if record else None)

    return call


def peak_flops() -> float:
    """Measured arithmetic peak of one core without FMA (flop/s): a lane loop over a 512-lane block in L1
    (LLVM vectorizes it) whose body is 8 independent chains x 16 multiply-add pairs, written out."""
    import numba

    body = "\n".join("        " + "; ".join(f"x{i} = x{i} * c + d" for i in range(8)) for _ in range(16))
    src = ("def chains(A, reps):\n    c, d = 0.999999, 1e-7\n    for _ in range(reps):\n"
           "     for j in range(A.size):\n"
           "        x0 = A[j]; x1 = x0 + 1.0; x2 = x0 + 2.0; x3 = x0 + 3.0; x4 = x0 + 4.0; x5 = x0 + 5.0; "
           "x6 = x0 + 6.0; x7 = x0 + 7.0\n" + body.replace("        ", "        ") +
           "\n        A[j] = (x0 + x1 + x2 + x3) + (x4 + x5 + x6 + x7) - 28.0\n")
    src = src.replace("\n        ", "\n         ")
    scope: dict = {}
    exec(src, scope)
    chains = numba.njit(error_model="numpy")(scope["chains"])
    A = np.zeros(512)
    chains(A, 2)
    best, reps = 0.0, 400
    for _ in range(7):
        t = time.perf_counter()
        chains(A, reps)
        best = max(best, 512 * reps * (16 * 8 * 2 + 8) / (time.perf_counter() - t))
    return best


def timed(fn, xp, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        _sync(xp)
        t0 = time.perf_counter()
        out = fn()
        _sync(xp)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=None, help="instances (default 65536; 10^6 with --backend cupy)")
    ap.add_argument("--iters", type=int, default=200, help="outer iterations (default 200)")
    ap.add_argument("--backend", choices=["numpy", "cupy"], default="numpy")
    ap.add_argument("--loop-sample", type=int, default=256, help="instances timed one by one (default 256)")
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the batched/fused timings (min taken)")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds of the kernel comparison (default 7)")
    ap.add_argument("--only-kernel", action="store_true",
                    help="only the kernel comparison (generated kernel, hand numba anchor, NumPy path, roofline)")
    args = ap.parse_args(argv)
    xp = _backend(args.backend)
    batch = args.batch or (1_000_000 if args.backend == "cupy" else 65_536)
    if batch < 1 or args.iters < 1 or args.loop_sample < 1 or args.repeat < 1:
        ap.error("--batch, --iters, --loop-sample and --repeat must be >= 1")

    from rich.console import Console
    from rich.table import Table

    from monoverify.operators import LowerBoundGame
    from monoverify.solvers import make, run

    console = Console()
    op = LowerBoundGame(RHO, L)
    b, a = float(op.matrix[0, 0]), float(op.matrix[0, 1])
    gamma, lam, z0 = problem(batch)
    method = make("rapp", gamma=gamma, lam=lam, tau=TAU)
    z0x = xp.asarray(z0)
    console.print(f"RAPP tau={TAU} on LowerBoundGame(rho={RHO}, L={L}): {batch:,} instances x {args.iters} outer "
                  f"iterations ({TAU * args.iters} F-evaluations each), backend {args.backend}")

    # correctness first: the runner and the fused kernel do the same arithmetic
    chk = min(batch, 4096)
    r_chk = run(make("rapp", gamma=gamma[:chk], lam=lam[:chk], tau=TAU), op, z0x[:chk], iters=args.iters)
    f_chk, res_chk, _ = fused(z0[:chk], gamma[:chk], lam[:chk], args.iters, b, a, np, True)
    zr = r_chk.z.get() if hasattr(r_chk.z, "get") else np.asarray(r_chk.z)
    err = float(np.max(np.abs(zr - f_chk)))
    err_res = float(np.nanmax(np.abs(r_chk.history.residual - res_chk)))
    r_gen = run(make("rapp", gamma=gamma[:chk], lam=lam[:chk], tau=TAU), op, z0x[:chk], iters=args.iters,
                compiled=False)
    if not (np.array_equal(r_gen.z, r_chk.z) and np.array_equal(r_gen.history.residual, r_chk.history.residual)):
        console.print("[red]compiled and generic runs differ[/red]")
        return 1
    if not (err <= 1e-12 and err_res <= 1e-12 and np.all(r_chk.status == "max_iter")):
        console.print(f"[red]runner and fused kernel disagree: max |dz| = {err:.3g}, max |d residual| = {err_res:.3g}, "
                      f"statuses {r_chk.counts()}[/red]")
        return 1

    if args.backend == "numpy":
        if kernel_comparison(console, op, method, gamma, lam, z0, args.iters, b, a, args.rounds) != 0:
            return 1
        if args.only_kernel:
            return 0

    variants = {  # name -> run keyword arguments
        "generic runner (method.step)": dict(compiled=False),
        "compiled step (kernel='never')": dict(kernel="never"),
        "linear fast path (linear='always')": dict(linear="always"),
    }
    times: dict = {}
    runs: dict = {}
    for name, kw in variants.items():
        for rec in (True, False):
            times[name, rec], runs[name, rec] = timed(
                lambda: run(method, op, z0x, iters=args.iters, record=rec, **kw), xp, args.repeat)
    for rec in (True, False):
        times["hand-fused kernel", rec], _ = timed(
            lambda: fused(z0x, xp.asarray(gamma), xp.asarray(lam), args.iters, b, a, xp, rec), xp, args.repeat)
    # the linear path differs by rounding only: its iterates against the fused kernel's
    zf = fused(z0, gamma, lam, args.iters, b, a, np, False)[0]
    zl = runs["linear fast path (linear='always')", False].z
    zl = zl.get() if hasattr(zl, "get") else np.asarray(zl)
    lin_err = float(np.max(np.linalg.norm(zl - zf, axis=1) / (1 + np.linalg.norm(zf, axis=1))))

    n_loop = min(args.loop_sample, batch)
    t0 = time.perf_counter()
    for i in range(n_loop):
        mi = make("rapp", gamma=float(gamma[i]), lam=float(lam[i]), tau=TAU)
        run(mi, op, z0[i], iters=args.iters)
    t_loop_sample = time.perf_counter() - t0
    t_loop = t_loop_sample / n_loop * batch

    r = runs["compiled step (kernel='never')", True]
    table = Table(title=f"RAPP tau={TAU}, {batch:,} instances x {args.iters} iterations ({args.backend})")
    table.add_column("variant")
    table.add_column("records every iteration: s", justify="right")
    table.add_column("no records: s", justify="right")
    table.add_column("fused / variant (records)", justify="right")
    table.add_column("fused / variant (none)", justify="right")
    fr, fn = times["hand-fused kernel", True], times["hand-fused kernel", False]
    for name in list(variants) + ["hand-fused kernel"]:
        tr_, tn_ = times[name, True], times[name, False]
        table.add_row(name, f"{tr_:.3f}", f"{tn_:.3f}", f"{fr / tr_:.2f}", f"{fn / tn_:.2f}")
    table.add_row(f"per-instance loop (extrapolated from {n_loop} instances, {t_loop_sample:.2f} s measured; records)",
                  f"{t_loop:.1f}", "", f"{fr / t_loop:.5f}", "")
    console.print(table)

    ratios = Table(title="ratios (same run)")
    ratios.add_column("ratio")
    ratios.add_column("value", justify="right")
    ratios.add_column("target", justify="right")
    comp, gen = "compiled step (kernel='never')", "generic runner (method.step)"
    ratios.add_row("(a) per-instance loop (extrapolated) / compiled run, records", f"{t_loop / times[comp, True]:,.0f}x",
                   ">= 100x")
    ratios.add_row("(b) fused kernel / compiled run, both recording every iteration", f"{fr / times[comp, True]:.2f}",
                   ">= 0.8")
    ratios.add_row("(b') fused kernel / compiled run, no per-iteration records", f"{fn / times[comp, False]:.2f}",
                   ">= 0.8")
    ratios.add_row("(c) generic runner / compiled run, records | none",
                   f"{times[gen, True] / times[comp, True]:.2f} | {times[gen, False] / times[comp, False]:.2f}", "")
    lin = "linear fast path (linear='always')"
    ratios.add_row("(d) compiled run / linear fast path, records | none",
                   f"{times[comp, True] / times[lin, True]:.2f} | {times[comp, False] / times[lin, False]:.2f}", "")
    console.print(ratios)
    console.print(f"statuses of the compiled run: {r.counts()}; max |z_run - z_fused| on {chk} instances = {err:.1e}; "
                  f"linear path: max ||z_lin - z_fused|| / (1 + ||z_fused||) = {lin_err:.1e}")
    # arrays of the history the run does not produce row by row are built on first access (not timed above)
    t0 = time.perf_counter()
    _ = runs[comp, True].history.n_oracle
    t_rec = time.perf_counter() - t0
    h = runs[comp, False].history
    t0 = time.perf_counter()
    _ = (h.residual, h.distance, h.n_oracle)
    t_none = time.perf_counter() - t0
    console.print(f"built on first access (after the timings): call counts of the recording run {t_rec:.3f} s; "
                  f"residual, distance and call counts of the run without records {t_none:.3f} s")
    return 0


def kernel_comparison(console, op, method, gamma, lam, z0, iters, b, a, rounds) -> int:
    """The generated kernel (the default path), the NumPy path and the hand-written numba anchor, with and
    without records, in interleaved rounds of one process; the roofline from the measured peak."""
    import os

    from rich.table import Table

    from monoverify.solvers import kernel as K
    from monoverify.solvers import run

    if K.available() is None:
        console.print("numba is not installed (pip install -e '.[fast]'): no kernel comparison")
        return 0
    batch = z0.shape[0]
    hands = {rec: hand_numba(rec) for rec in (True, False)}
    # correctness and warm-up (compiles, or loads from the disk cache)
    rk = run(method, op, z0, iters=iters)
    if rk.path != "kernel":
        console.print(f"[red]the default path is {rk.path!r}, not the generated kernel[/red]")
        return 1
    rn = run(method, op, z0, iters=iters, kernel="never")
    same = all(np.array_equal(x, y, equal_nan=True) for x, y in (
        (rk.z, rn.z), (rk.history.residual, rn.history.residual), (rk.history.distance, rn.history.distance)))
    same = same and rk.status.tolist() == rn.status.tolist()
    hz, hres, hdist = hands[True](z0, gamma, lam, iters, b, a)
    hand_err = float(np.max(np.abs(hz - rk.z)))
    hand_res = float(np.max(np.abs(hres - rk.history.residual)))
    run(method, op, z0, iters=iters, kernel="parallel")
    hands[False](z0, gamma, lam, iters, b, a)
    if not same or hand_err > 1e-12 or hand_res > 1e-12:
        console.print(f"[red]kernel and NumPy path differ (bitwise equal: {same}) or the anchor disagrees "
                      f"(|dz| {hand_err:.2g}, |d residual| {hand_res:.2g})[/red]")
        return 1
    variants = {
        "NumPy path (compiled step, kernel='never')": lambda rec: run(method, op, z0, iters=iters, record=rec,
                                                                        kernel="never"),
        "default path (generated kernel)": lambda rec: run(method, op, z0, iters=iters, record=rec),
        "generated kernel, kernel='parallel'": lambda rec: run(method, op, z0, iters=iters, record=rec,
                                                               kernel="parallel"),
        "hand-written numba kernel (anchor, 1 thread)": lambda rec: hands[rec](z0, gamma, lam, iters, b, a),
    }
    load0 = os.getloadavg()
    times: dict = {(n, rec): [] for n in variants for rec in (True, False)}
    for _ in range(rounds):
        for rec in (True, False):
            for name, fn in variants.items():
                t = time.perf_counter()
                fn(rec)
                times[name, rec].append(time.perf_counter() - t)
    load1 = os.getloadavg()
    peak = peak_flops()
    flops = 56.0 * batch * iters    # per outer step: 5 x (F: 4 mul 2 add; w = z - g F: 2 mul 2 sub) + 4 mul 2 add
    roof = flops / peak
    table = Table(title=f"generated kernel vs hand numba anchor, RAPP tau=5, {batch:,} x {iters} "
                        f"({rounds} interleaved rounds; min | median s)")
    table.add_column("variant")
    table.add_column("records: s", justify="right")
    table.add_column("no records: s", justify="right")
    for name in variants:
        cells = []
        for rec in (True, False):
            ts = sorted(times[name, rec])
            cells.append(f"{ts[0]:.4f} | {ts[len(ts) // 2]:.4f}")
        table.add_row(name, *cells)
    table.add_row(f"roofline: {flops / 1e6:.0f} Mflop at the measured peak {peak / 1e9:.1f} GFLOP/s (1 core, no FMA)",
                  "", f"{roof:.4f}")
    console.print(table)
    dflt, hand, npy = "default path (generated kernel)", "hand-written numba kernel (anchor, 1 thread)", \
        "NumPy path (compiled step, kernel='never')"

    def med(n, rec):
        ts = sorted(times[n, rec])
        return ts[len(ts) // 2]

    ratios = Table(title="kernel ratios (medians of the same interleaved rounds)")
    ratios.add_column("ratio")
    ratios.add_column("value", justify="right")
    ratios.add_column("target", justify="right")
    for rec, label in ((True, "records"), (False, "no records")):
        ratios.add_row(f"default path / hand numba kernel, {label}", f"{med(dflt, rec) / med(hand, rec):.2f}", "<= 1.5")
    ratios.add_row("default path / roofline, no records", f"{med(dflt, False) / roof:.1f}x", "<= 2x")
    ratios.add_row("NumPy path / default path, records | none",
                   f"{med(npy, True) / med(dflt, True):.2f} | {med(npy, False) / med(dflt, False):.2f}", "")
    console.print(ratios)
    console.print(f"checks: default path == NumPy path bit for bit (iterates, residual and distance history, statuses); "
                  f"hand kernel vs default path max |dz| = {hand_err:.1e}, max |d residual| = {hand_res:.1e}; "
                  f"load average {load0[0]:.2f} before, {load1[0]:.2f} after; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
