"""``monoverify pep METHOD --rho R [--n N ...]``: worst case by performance estimation (PEPit).

Several ``--n`` values are a sweep: one PEP per ``N`` (``worst_case_many``), solved in parallel
with ``--workers`` processes or on a Dask cluster (``--scheduler``). Each value is reported two-sided
(``--json``: ``lower``, ``upper``, ``gap``; :func:`monoverify.theory.pep.two_sided`): the PEP value is the
upper end, an explicit operator of the class (run through ``monoverify.solvers.run``, in the class by an
exact test) the lower end; ``gap = 0`` where the class interpolates (``--L`` omitted).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator

from .common import UserError, add_params, add_scheduler, console, scheduler_executor
from .methods import method_from_args

__all__ = ["run", "add_parser"]


@contextlib.contextmanager
def _executor(args: Any, n_jobs: int) -> Iterator[Any]:
    """The Dask executor (``--scheduler``), an own process pool (``--workers`` > 1) or ``None``."""
    with scheduler_executor(args.scheduler) as dask:
        if dask is not None or args.workers == 1 or n_jobs == 1:
            yield dask
            return
        from monoverify.theory.phase.pool import process_pool

        pool = process_pool(min(args.workers, n_jobs))
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def run(args: Any) -> int:
    from monoverify.theory import pep

    method = method_from_args(args.method, args)
    if args.rho is None:
        raise UserError("pep needs --rho")
    for n in args.n:
        if n < 1:
            raise UserError(f"--n must be an integer >= 1, got {n}")
    if args.workers < 1:
        raise UserError(f"--workers must be an integer >= 1, got {args.workers}")
    cls = {}
    if args.mu is not None:
        cls["mu"] = args.mu
    if args.refined:
        cls["refined"] = True
    if args.max_points is not None:
        cls["max_points"] = args.max_points
        if args.max_points < 1:
            raise UserError(f"--max-points must be an integer >= 1, got {args.max_points}")
    jobs = [dict(method=method, rho=args.rho, L=args.L, n_iter=n, metric=args.metric, cache=not args.no_cache, **cls)
            for n in args.n]
    with _executor(args, len(jobs)) as ex:
        # compiled SDP wherever the solves run: --workers/--scheduler give the serial run's numbers
        results = pep.worst_case_many(jobs, executor=ex, compiled=True)
    dicts = [res.to_dict() if hasattr(res, "to_dict") else vars(res) for res in results]
    # the two-sided report's linear witnesses know the plain class only
    sides = [_two_sided(method, args, n, res) if not (set(cls) - {"max_points"}) else
             {"lower": None, "upper": res.value, "gap": None, "two_sided": "not computed for --mu/--refined"}
             for n, res in zip(args.n, results)]
    for d, t in zip(dicts, sides):
        d.update(t)
    if args.json:
        print(json.dumps(dicts[0] if len(dicts) == 1 else dicts, indent=1, default=str))
    else:
        con = console()
        for n, res, t in zip(args.n, results, sides):
            con.print(f"{method!r}, rho={args.rho}, L={args.L}, N={n}, metric={args.metric}")
            con.print(f"worst case: {res.value} (status {res.status}; {res.message}; "
                      f"{getattr(res, 'wall_time', getattr(res, 'time', float('nan'))):.2f} s)")
            con.print(f"two-sided: {t['two_sided']}")
    return 0 if all(res.status in ("optimal", "cached") for res in results) else 1


def _two_sided(method: Any, args: Any, n: int, res: Any) -> dict:
    """``lower``, ``upper``, ``gap`` (:func:`monoverify.theory.pep.two_sided`; the PEP solve is the cached one):
    the PEP value is ``upper``; ``lower`` an explicit operator of the class (equal to ``upper`` where the class
    interpolates: ``gap = 0``)."""
    from monoverify.theory.pep import two_sided

    if not getattr(res, "success", False):
        return {"lower": None, "upper": None, "gap": None, "two_sided": f"PEP not solved ({res.status})"}
    t = two_sided(method, args.rho, args.L, n, args.metric, cache=not args.no_cache, max_points=args.max_points)
    w = t.witness
    return {"lower": t.lower, "upper": t.upper, "gap": t.gap, "tight": t.tight,
            "witness": None if w is None else {k: w[k] for k in ("source", "value", "matrix", "z0", "in_class")},
            "two_sided": t.message}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("pep", help="worst case by performance estimation (PEPit)")
    p.add_argument("method")
    add_params(p)
    p.add_argument("--n", type=int, nargs="+", default=[4], metavar="N",
                   help="iterations N; several values: one PEP each (a sweep)")
    p.add_argument("--metric", default="operator", choices=["operator", "step", "distance"])
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes for a sweep over several --n (>= 1)")
    p.add_argument("--mu", type=float, default=None, metavar="MU",
                   help="also mu-strongly monotone (pairwise; interpolable alone with --L omitted and rho <= 0)")
    p.add_argument("--refined", action="store_true",
                   help="PEPit's refined class of L-Lipschitz (mu-strongly) monotone operators (needs --L, rho <= mu/L^2): "
                        "tighter, still a relaxation; its cost (LMIs, solve time) is printed")
    p.add_argument("--max-points", dest="max_points", type=int, default=None, metavar="N",
                   help="refuse a PEP with more evaluated points than N (default 200; its SDP grows as the square)")
    add_scheduler(p)
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)
