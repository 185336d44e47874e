"""Speed-up of ``verify`` on a 2-worker multi-process Dask ``LocalCluster`` over the serial run.

One run, same process, same machine state: ``verify(SUBSET, quick=True)`` serially (``workers=1``)
then on a ``LocalCluster(n_workers=2, processes=True, threads_per_worker=1)`` through
``client.get_executor()``. Each run starts from its own empty ``$MONOVERIFY_CACHE`` (no PEP solve is
served from the other run's cache); the workers import monoverify before the clock starts (the
serial process has imported it too), and the cluster's start-up is reported apart. The two reports
must be identical (``to_dict(curves=True)`` without elapsed times), else the script exits 1.

    .venv/bin/python benchmarks/bench_dask.py [--ids ID ...] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

#: about a minute serially on a loaded 2-core machine (quick batteries, PEP column included), in two
#: halves of about equal cost (22 + 8 s, 20 + 10 s measured one at a time)
SUBSET = ("pp.last_iterate", "relaxed-pp.last_iterate", "feg.last_iterate", "eg+.best_iterate")


def _no_times(d):
    if isinstance(d, dict):
        return {k: _no_times(v) for k, v in d.items() if "elapsed" not in k and "time" not in k}
    if isinstance(d, list):
        return [_no_times(v) for v in d]
    return d


def _import_monoverify() -> None:
    import monoverify.theory.judge.verify  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ids", nargs="+", default=list(SUBSET), help="theorem ids to verify")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes (1 thread each)")
    args = ap.parse_args(argv)
    from distributed import Client, LocalCluster

    from monoverify.theory.judge.verify import verify

    os.environ["MONOVERIFY_CACHE"] = tempfile.mkdtemp(prefix="bench_dask_serial_")
    t0 = time.perf_counter()
    serial = verify(args.ids, quick=True, workers=1)
    t_serial = time.perf_counter() - t0

    os.environ["MONOVERIFY_CACHE"] = tempfile.mkdtemp(prefix="bench_dask_cluster_")   # inherited by the workers
    t0 = time.perf_counter()
    with LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1, dashboard_address=None) as cl, \
            Client(cl) as client:
        client.run(_import_monoverify)
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        dask = verify(args.ids, quick=True, executor=client.get_executor())
        t_dask = time.perf_counter() - t0

    same = _no_times(serial.to_dict(curves=True)) == _no_times(dask.to_dict(curves=True))
    print(f"verify({len(args.ids)} theorems, quick=True): {', '.join(args.ids)}")
    print(f"cores: {len(os.sched_getaffinity(0))} usable of {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    print("| run | s |")
    print("|---|---|")
    print(f"| serial (workers=1) | {t_serial:.1f} |")
    print(f"| LocalCluster, {args.workers} worker processes | {t_dask:.1f} |")
    print(f"| (cluster start-up, not counted) | {t_start:.1f} |")
    print(f"speed-up (serial / cluster): {t_serial / t_dask:.2f}x; results identical: {same}; "
          f"summary {dask.summary()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
