"""``monoverify pep METHOD --rho R``: worst case by performance estimation (PEPit)."""

from __future__ import annotations

import json
from typing import Any

from .common import UserError, add_params, console
from .methods import method_from_args

__all__ = ["run", "add_parser"]


def run(args: Any) -> int:
    from monoverify.theory import pep

    method = method_from_args(args.method, args)
    if args.rho is None:
        raise UserError("pep needs --rho")
    if args.n < 1:
        raise UserError(f"--n must be an integer >= 1, got {args.n}")
    res = pep.worst_case(method, rho=args.rho, L=args.L, n_iter=args.n, metric=args.metric, cache=not args.no_cache)
    if args.json:
        print(json.dumps(res.to_dict() if hasattr(res, "to_dict") else vars(res), indent=1, default=str))
    else:
        con = console()
        con.print(f"{method!r}, rho={args.rho}, L={args.L}, N={args.n}, metric={args.metric}")
        con.print(f"worst case: {res.value} (status {res.status}; {res.message}; "
                  f"{getattr(res, 'wall_time', getattr(res, 'time', float('nan'))):.2f} s)")
    return 0 if res.status in ("optimal", "cached") else 1


def add_parser(sub: Any) -> None:
    p = sub.add_parser("pep", help="worst case by performance estimation (PEPit)")
    p.add_argument("method")
    add_params(p)
    p.add_argument("--n", type=int, default=4, help="iterations N")
    p.add_argument("--metric", default="operator", choices=["operator", "step", "distance"])
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)
