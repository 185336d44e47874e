"""``monoverify discover --method M [parameters] --metric X [--n 1:12] [--over rho=-1/5,-1/10,0] --json FILE``.

Closed forms of PEP worst cases (:mod:`monoverify.theory.discover`): high-accuracy PEP values over ``N`` (and
the swept parameters), small ``N`` pinned to exact fractions proved by ``prove``, the simplest formula of the
grammar fitted on the training ``N`` and frozen before the held-out ``N`` are solved. ``--prove`` tries a
proof for every ``N`` (horizon potentials); ``--register [FILE]`` prints (or writes) the registry entry of
the conjecture (``provenance="conjecture"``, ``derived`` once proved).

Exit status: 0 a formula is proposed (and, with ``--prove``, proved for every N), 1 refused (held-out error
above the tolerance), no formula fits, or no proof found, 2 user error.

Examples (shell)::

    monoverify discover --method pp --gamma 1 --rho 0 --metric step --n 1:12
    monoverify discover --method pp --gamma 1 --rho -1/5 --metric operator --prove --register
    monoverify discover --method pp --gamma 1 --metric operator --n 1:10 --over rho=-1/5,-1/10,0,1/10 --json pp.json
"""

from __future__ import annotations

import argparse
import json
import math
import re
from typing import Any

from .common import UserError

__all__ = ["run", "add_parser"]

_PARAMS = ("rho", "L", "gamma", "lam", "tau", "alpha")
_NEGATIVE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d+/\d+$")


def _over(items: list[str] | None) -> dict:
    out: dict = {}
    for item in items or ():
        name, sep, vals = item.partition("=")
        name = name.strip()
        if not sep or not name or not vals.strip():
            raise UserError(f"--over takes NAME=V1,V2,... (e.g. rho=-1/5,-1/10,0), got {item!r}")
        if name in out:
            raise UserError(f"--over {name} given twice")
        out[name] = [v.strip() for v in vals.split(",") if v.strip()]
    return out


def _n_start(v: str) -> Any:
    if v == "auto":
        return v
    try:
        return int(v)
    except ValueError:
        raise UserError(f"--n-start must be 'auto' or an integer, got {v!r}") from None


def _table(r: Any) -> list[str]:
    lines = []
    for row in r.points:
        par = ", ".join(f"{k}={v}" for k, v in row["params"].items())
        lines.append(f"  at {par}:")
        lines.append(f"    {'N':>3} {'role':>8} {'PEP value':>18} {'exact (prove)':>16} {'explicit map':>18} "
                     f"{'formula':>18} {'rel. error':>10}")
        for v in row["values"]:
            pep = "-" if v["pep"] is None else f"{v['pep']:.12g}"
            ex = v["exact"] or "-"
            wi = "-" if v.get("witness") is None else f"{v['witness']:.12g}"
            pr = "-" if v.get("predicted") is None else f"{v['predicted']:.12g}"
            er = "-" if v.get("rel_error") is None else f"{v['rel_error']:.2g}"
            lines.append(f"    {v['N']:>3} {v['role']:>8} {pep:>18} {ex:>16} {wi:>18} {pr:>18} {er:>10}")
    return lines


def run(args: Any) -> int:
    from monoverify.atomic import write_text
    from monoverify.theory.discover import discover, entry_source, prove_conjecture

    params = {k: getattr(args, k) for k in _PARAMS if getattr(args, k) is not None}
    for name, v in (("--holdout", args.holdout), ("--pin-max", args.pin_max), ("--max-degree", args.max_degree)):
        if v < (1 if name != "--pin-max" else 0):
            raise UserError(f"{name} must be an integer >= {1 if name != '--pin-max' else 0}, got {v}")
    for name, v in (("--tol", args.tol), ("--fit-tol", args.fit_tol)):
        if not (math.isfinite(v) and v >= 0):
            raise UserError(f"{name} must be a finite number >= 0, got {v}")
    if args.formula is not None and (args.prove or args.register is not None):
        pass   # a given formula that passes is proposed like a discovered one
    from monoverify.limits import raised

    if args.max_points is not None and args.max_points < 1:
        raise UserError(f"--max-points must be an integer >= 1, got {args.max_points}")
    with raised(**({} if args.max_points is None else {"pep_points": args.max_points})):
        r = discover(args.method, params, args.metric, n=args.n, over=_over(args.over), holdout=args.holdout,
                     tol=args.tol, fit_tol=args.fit_tol, pin_max=args.pin_max, grammar=args.grammar,
                     max_degree=args.max_degree, iterate=args.iterate, n_start=_n_start(args.n_start),
                     formula=args.formula)
    fixed = ", ".join(f"{k}={v}" for k, v in r.params.items())
    swept = "; ".join(k + " in {" + ", ".join(v) + "}" for k, v in r.over.items())
    print(f"{r.method} ({fixed}" + (f"; swept {swept}" if swept else "")
          + f"), metric {r.metric} ({r.iterate} iterate), {r.operator_class}")
    if r.formula is not None:
        print(f"formula: {r.formula}" + (f"   (for N >= {r.form['n_start']})" if r.form.get("n_start", 1) > r.n_range[0]
                                           else ""))
    print("\n".join(_table(r)))
    print(r.message if r.message.startswith(r.status) else f"{r.status}: {r.message}")
    status = 0 if r.success else 1
    if r.success and args.prove:
        try:
            pr = prove_conjecture(r)
        except UserError as exc:
            print(f"prove: not attempted: {exc}")
            status = 1
        else:
            for pt in pr["points"]:
                if pt.get("text"):
                    print(pt["text"])
            print(f"prove: {pr['status']}: {pr['message']} (tag: {pr['provenance']})")
            status = 0 if pr["status"] == "proved" else 1
    if args.register is not None and r.success:
        src = entry_source(r, args.id)
        if args.register == "-":
            print(src)
        else:
            write_text(args.register, src + "\n")
            print(f"registry entry written to {args.register}")
    elif args.register is not None:
        print(f"no registry entry: the formula was not proposed ({r.status})")
    if args.json:
        d = r.to_dict()
        if r.success:
            from monoverify.theory.discover import to_theorem

            try:
                d["theorem"] = to_theorem(r, args.id).describe()
            except UserError as exc:   # e.g. a PEP-only metric: no theorem to judge
                d["theorem"] = None
                d["theorem_why"] = str(exc)
        write_text(args.json, json.dumps(d, indent=1, default=str) + "\n")
    return status


def add_parser(sub: Any) -> None:
    p = sub.add_parser("discover", help="closed forms of PEP worst cases over N (conjectures, proved for every N)",
                       description="Fit a closed form to PEP worst cases on small N, test it on held-out N, "
                                   "register it as a conjecture and try to prove it for every N.")
    if hasattr(p, "_negative_number_matcher"):   # --rho -1/5 as a value
        p._negative_number_matcher = _NEGATIVE
    p.add_argument("--method", required=True, help="registered method (monoverify list methods)")
    p.add_argument("--rho", help="comonotonicity of the class, exact (e.g. -1/5)")
    p.add_argument("--L", dest="L", help="Lipschitz constant (omit: the set-valued class, where the PEP is exact)")
    for name in ("gamma", "lam", "tau", "alpha"):
        p.add_argument(f"--{name}", help=f"method parameter {name}, exact (e.g. 1/2)")
    p.add_argument("--metric", default="operator",
                   choices=("operator", "step", "distance", "resolvent", "fixed_point_residual_sq"))
    p.add_argument("--iterate", default="last", choices=("last", "best"))
    p.add_argument("--n", default="1:12", help="horizons LO:HI (default 1:12); the --holdout largest are held out")
    p.add_argument("--over", action="append", metavar="NAME=V1,V2,...",
                   help="sweep a parameter (repeatable); the formula is a function of it")
    p.add_argument("--max-points", dest="max_points", type=int, default=None, metavar="N",
                   help="refuse horizons whose PEP has more evaluated points than N (default 200)")
    p.add_argument("--holdout", type=int, default=3, help="largest N held out (default 3)")
    p.add_argument("--tol", type=float, default=1e-8, help="largest held-out relative error (default 1e-8)")
    p.add_argument("--fit-tol", dest="fit_tol", type=float, default=1e-7,
                   help="largest relative error of a fit on unpinned training values (default 1e-7)")
    p.add_argument("--pin-max", dest="pin_max", type=int, default=5,
                   help="pin N <= this to exact fractions proved by prove (default 5; 0: none)")
    p.add_argument("--grammar", default="all", choices=("all", "rational", "product"))
    p.add_argument("--max-degree", dest="max_degree", type=int, default=3)
    p.add_argument("--n-start", dest="n_start", default="auto",
                   help="smallest N the formula must fit ('auto': the smallest that gives a fit)")
    p.add_argument("--formula", help="test this formula (SymPy, in N and the swept parameters) instead of searching")
    p.add_argument("--prove", action="store_true", help="try to prove the formula for every N (horizon potential)")
    p.add_argument("--register", nargs="?", const="-", default=None, metavar="FILE",
                   help="print the registry entry of the conjecture (or write it to FILE)")
    p.add_argument("--id", default=None, help="theorem id of the registry entry")
    p.add_argument("--json", default=None, metavar="FILE", help="write the discovery (formula, evidence) as JSON")
    p.set_defaults(func=run)
