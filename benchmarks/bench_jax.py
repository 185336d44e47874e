"""JAX (CPU) on the bench_batched workload, against monoverify's default path in the same process.

RAPP tau = 5 on 65,536 two-dimensional LowerBoundGame instances x 200 iterations, written for JAX as a
user would: ``jax.jit`` of a ``lax.scan`` over the outer iterations in column form (float64), with
per-iteration records (``||F z||``, ``||z||`` rows) and without. Interleaved rounds; medians printed,
the iterates checked against monoverify's (relative 1e-12). JAX is not a dependency: install it
(``pip install jax``) to run this; the script exits 0 with a message when it is absent.

Run: ``python benchmarks/bench_jax.py [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=200)
    args = ap.parse_args(argv)
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print("JAX is not installed (pip install jax): nothing measured")
        return 0
    jax.config.update("jax_enable_x64", True)
    sys.path.insert(0, os.path.dirname(__file__))
    from bench_batched import problem

    from monoverify.operators import LowerBoundGame
    from monoverify.solvers import make, run

    op = LowerBoundGame(-0.2, 1.0)
    b, a = float(op.matrix[0, 0]), float(op.matrix[0, 1])
    gamma, lam, z0 = problem(65536)
    method = make("rapp", gamma=gamma, lam=lam, tau=5)
    iters = args.iters

    def make_jax(record: bool):
        def step(carry, _):
            x, y, g, l = carry
            u, v = x, y
            for _ in range(5):
                fu = b * u + a * v
                fv = b * v - a * u
                u = x - g * fu
                v = y - g * fv
            x = (1.0 - l) * x + l * u
            y = (1.0 - l) * y + l * v
            if record:
                fx, fy = b * x + a * y, b * y - a * x
                return (x, y, g, l), (jnp.sqrt(fx * fx + fy * fy), jnp.sqrt(x * x + y * y))
            return (x, y, g, l), None

        @jax.jit
        def f(x, y, g, l):
            (x, y, _, _), rows = jax.lax.scan(step, (x, y, g, l), None, length=iters)
            return x, y, rows
        return f

    args_j = [jnp.asarray(z0[:, 0]), jnp.asarray(z0[:, 1]), jnp.asarray(gamma), jnp.asarray(lam)]
    fj = {rec: make_jax(rec) for rec in (True, False)}
    for rec in (True, False):
        jax.block_until_ready(fj[rec](*args_j))
        run(method, op, z0, iters=iters, record=rec)
    x, y, _ = fj[False](*args_j)
    ref = run(method, op, z0, iters=iters)
    err = float(np.max(np.abs(np.stack([np.asarray(x), np.asarray(y)], axis=1) - ref.z)))
    times = {k: [] for k in [("jax", True), ("jax", False), ("monoverify", True), ("monoverify", False)]}
    load0 = os.getloadavg()[0]
    for _ in range(args.rounds):
        for rec in (True, False):
            t = time.perf_counter()
            jax.block_until_ready(fj[rec](*args_j))
            times["jax", rec].append(time.perf_counter() - t)
            t = time.perf_counter()
            r = run(method, op, z0, iters=iters, record=rec)
            times["monoverify", rec].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"RAPP tau=5, 65,536 x {iters}, {args.rounds} interleaved rounds (medians), jax {jax.__version__} "
          f"on {jax.devices()[0].platform}; monoverify path {r.path!r}; load average {load0:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")
    for rec, label in ((True, "records"), (False, "no records")):
        print(f"  {label:10s}: jax {med['jax', rec]:.4f} s, monoverify {med['monoverify', rec]:.4f} s, "
              f"jax / monoverify = {med['jax', rec] / med['monoverify', rec]:.2f}")
    print(f"  max |z_jax - z_monoverify| = {err:.1e}")
    return 0 if err <= 1e-12 * (1 + float(np.max(np.abs(ref.z)))) else 1


if __name__ == "__main__":
    sys.exit(main())
