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
* the compiled step (the default: the traced step replayed with buffers, same bits);
* the linear fast path (``run(..., linear="always")``: the method's transition matrix);
* the hand-fused NumPy kernel: the RAPP update written directly on the two coordinate columns
  with the 2x2 block structure of ``F`` (no status bookkeeping).

Ratios are fused time / variant time (the goal for the compiled step is >= 0.8) and loop / batched
(target >= 100). Batched and fused timings are the minimum of ``--repeat`` runs (default 3); before
any number is printed the compiled run is checked to equal the generic run bit for bit and the
fused kernel to 1e-12 (iterates and residual history); the linear path's distance to the fused
iterates, relative to ``1 + ||z||``, is printed.

Run: ``python benchmarks/bench_batched.py [--batch 65536] [--iters 200] [--backend numpy|cupy]``.
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

    variants = {  # name -> run keyword arguments
        "generic runner (method.step)": dict(compiled=False),
        "compiled step (default)": dict(),
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

    r = runs["compiled step (default)", True]
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
    comp, gen = "compiled step (default)", "generic runner (method.step)"
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


if __name__ == "__main__":
    sys.exit(main())
