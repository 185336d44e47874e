"""Speed of the batched runner: RAPP (tau = 5) on 65,536 two-dimensional LowerBoundGame instances.

Problem: ``LowerBoundGame(rho=-0.2, L=1)`` (c = 0.2), RAPP with ``tau = 5`` and a 256 x 256 grid of
hyper-parameters ``gamma in [0.45, 0.8]`` x ``lam in [0.05, 0.95]`` (65,536 instances, all in the
convergent range of SPEC R9: gamma in (-2 rho, 1/L), lam in (0, 1)), random starts, 200 outer
iterations, no tolerance (every instance runs all iterations, so every timing below does exactly
the same arithmetic).

Two ratios, measured in the same process:

(a) batched ``run`` vs a per-instance Python loop over the same method object (``run`` called once
    per instance with scalar hyper-parameters). The loop is timed on a subset (``--loop-sample``
    instances, default 256) and its per-instance cost is extrapolated to the full batch; the output
    says so. Target >= 100.
(b) batched ``run`` vs a hand-fused NumPy kernel of the same arithmetic: the RAPP update written
    directly on the two coordinate columns with the 2x2 block structure of ``F`` (no einsum, no
    ``(batch, 1)`` broadcasting, no per-iteration status bookkeeping). Reported twice: with the same
    per-iteration records as the runner (``||F z||`` and ``||z - z*||`` every iteration; the fair
    comparison) and with no records on either side (``run(..., record=False)``, which still computes
    the residual for its stopping test). Ratio = fused time / runner time; target >= 0.5.

Batched and fused timings are the minimum of ``--repeat`` runs (default 3); the iterates of the
runner and of the fused kernel are checked to agree (to 1e-12) before any number is printed.

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
    if not (err <= 1e-12 and err_res <= 1e-12 and np.all(r_chk.status == "max_iter")):
        console.print(f"[red]runner and fused kernel disagree: max |dz| = {err:.3g}, max |d residual| = {err_res:.3g}, "
                      f"statuses {r_chk.counts()}[/red]")
        return 1

    t_run, r = timed(lambda: run(method, op, z0x, iters=args.iters), xp, args.repeat)
    t_run_norec, _ = timed(lambda: run(method, op, z0x, iters=args.iters, record=False), xp, args.repeat)
    t_fused, _ = timed(lambda: fused(z0x, xp.asarray(gamma), xp.asarray(lam), args.iters, b, a, xp, True), xp, args.repeat)
    t_fused_norec, _ = timed(lambda: fused(z0x, xp.asarray(gamma), xp.asarray(lam), args.iters, b, a, xp, False), xp,
                             args.repeat)

    n_loop = min(args.loop_sample, batch)
    t0 = time.perf_counter()
    for i in range(n_loop):
        mi = make("rapp", gamma=float(gamma[i]), lam=float(lam[i]), tau=TAU)
        run(mi, op, z0[i], iters=args.iters)
    t_loop_sample = time.perf_counter() - t0
    t_loop = t_loop_sample / n_loop * batch

    counts = r.counts()
    table = Table(title=f"RAPP tau={TAU}, {batch:,} instances x {args.iters} iterations ({args.backend})")
    table.add_column("variant")
    table.add_column("seconds", justify="right")
    table.add_column("us / instance / iteration", justify="right")
    per = 1e6 / (batch * args.iters)
    table.add_row("batched run (record=True)", f"{t_run:.3f}", f"{t_run * per:.4f}")
    table.add_row("batched run (record=False)", f"{t_run_norec:.3f}", f"{t_run_norec * per:.4f}")
    table.add_row("hand-fused kernel, same records", f"{t_fused:.3f}", f"{t_fused * per:.4f}")
    table.add_row("hand-fused kernel, no records", f"{t_fused_norec:.3f}", f"{t_fused_norec * per:.4f}")
    table.add_row(f"per-instance loop, extrapolated from {n_loop} instances ({t_loop_sample:.2f} s measured)",
                  f"{t_loop:.1f}", f"{t_loop * per:.4f}")
    console.print(table)

    ratios = Table(title="ratios (same run)")
    ratios.add_column("ratio")
    ratios.add_column("value", justify="right")
    ratios.add_column("target", justify="right")
    ra = t_loop / t_run
    rb = t_fused / t_run
    rb2 = t_fused_norec / t_run_norec
    ratios.add_row("(a) per-instance loop (extrapolated) / batched run", f"{ra:,.0f}x", ">= 100x")
    ratios.add_row("(b) fused kernel / batched run, both recording every iteration", f"{rb:.2f}", ">= 0.5")
    ratios.add_row("(b') fused kernel / batched run, no per-iteration records", f"{rb2:.2f}", ">= 0.5")
    console.print(ratios)
    console.print(f"statuses of the batched run: {counts}; max |z_run - z_fused| on {chk} instances = {err:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
