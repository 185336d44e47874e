"""Speed-up of ``verify`` on a 2-worker multi-process Dask ``LocalCluster`` over the serial run.

One run, same process, same machine state: ``verify(SUBSET, quick=True)`` serially (``workers=1``),
on a process pool of the same size (for comparison), then on a
``LocalCluster(n_workers=2, processes=True, threads_per_worker=1)`` through ``client.get_executor()``. Each run starts from its own empty ``$MONOVERIFY_CACHE`` (no PEP solve is
served from the other run's cache); the workers import monoverify before the clock starts (the
serial process has imported it too), and the cluster's start-up is reported apart. The workers'
statistical profiler is off (``distributed.worker.profile.enabled: False``): sampling the deep SymPy
stacks every 10 ms cost about 40 % of a check's time on a worker. The three reports must be identical (``to_dict(curves=True)`` without elapsed times), else the script exits 1.

    .venv/bin/python benchmarks/bench_dask.py [--ids ID ...] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

#: about 30 s serially on a quiet 2-core machine, a minute on a loaded one (quick batteries, PEP column
#: included), in two halves of about equal cost
SUBSET = ("pp.last_iterate", "relaxed-pp.last_iterate", "feg.last_iterate", "eg+.best_iterate")



def _import_monoverify() -> None:
    import monoverify.theory.judge.verify  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ids", nargs="+", default=list(SUBSET), help="theorem ids to verify")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes (1 thread each)")
    args = ap.parse_args(argv)
    import dask
    from distributed import Client, LocalCluster

    from monoverify.result import without_times
    from monoverify.theory.judge.verify import verify

    os.environ["MONOVERIFY_CACHE"] = tempfile.mkdtemp(prefix="bench_dask_serial_")
    t0 = time.perf_counter()
    serial = verify(args.ids, quick=True, workers=1)
    t_serial = time.perf_counter() - t0

    os.environ["MONOVERIFY_CACHE"] = tempfile.mkdtemp(prefix="bench_dask_pool_")   # inherited by the workers
    t0 = time.perf_counter()
    pool = verify(args.ids, quick=True, workers=args.workers)
    t_pool = time.perf_counter() - t0

    os.environ["MONOVERIFY_CACHE"] = tempfile.mkdtemp(prefix="bench_dask_cluster_")
    t0 = time.perf_counter()
    with dask.config.set({"distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1, dashboard_address=None) as cl, \
            Client(cl) as client:
        client.run(_import_monoverify)
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        dask = verify(args.ids, quick=True, executor=client.get_executor())
        t_dask = time.perf_counter() - t0

    ref = without_times(serial.to_dict(curves=True))
    same = ref == without_times(dask.to_dict(curves=True)) and ref == without_times(pool.to_dict(curves=True))
    print(f"verify({len(args.ids)} theorems, quick=True): {', '.join(args.ids)}")
    print(f"cores: {len(os.sched_getaffinity(0))} usable of {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    print("| run | s |")
    print("|---|---|")
    print(f"| serial (workers=1) | {t_serial:.1f} |")
    print(f"| process pool (workers={args.workers}), for comparison | {t_pool:.1f} |")
    print(f"| LocalCluster, {args.workers} worker processes | {t_dask:.1f} |")
    print(f"| (cluster start-up, not counted) | {t_start:.1f} |")
    print("per theorem, s inside the check (serial | pool | cluster): " + ", ".join(
        f"{a.theorem.id} {a.elapsed:.1f} | {p.elapsed:.1f} | {b.elapsed:.1f}"
        for a, p, b in zip(serial.results, pool.results, dask.results)))
    print(f"speed-up (serial / cluster): {t_serial / t_dask:.2f}x (serial / pool: {t_serial / t_pool:.2f}x); "
          f"results identical: {same}; "
          f"summary {dask.summary()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
