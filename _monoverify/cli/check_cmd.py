"""``monoverify check THEOREM``: one theorem, on its battery or on pinned parameters."""

from __future__ import annotations

import json
from typing import Any

from .common import PARAMS, add_params, console, pinned
from .table import NO_CLAIM, results_table, table_console

__all__ = ["run", "add_parser"]


def run(args: Any) -> int:
    from rich.markup import escape

    from monoverify.theory import check, get
    from monoverify.theory.judge.cells import OUTSIDE

    th = get(args.theorem)
    if args.curves and not args.json:
        from monoverify.errors import UnusedOption

        raise UnusedOption("--curves only applies with --json")
    if args.max_steps is not None:
        from monoverify.errors import InvalidValue, UnusedOption

        if args.K is None:
            raise UnusedOption("--max-steps only applies with --K (the cost of a pinned horizon)")
        if args.max_steps < 1:
            raise InvalidValue(f"--max-steps must be an integer >= 1, got {args.max_steps}")
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"checking {th.id}: cells started"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console(stderr=True), disable=args.no_progress, transient=True) as prog:
        task = prog.add_task("check", total=None)
        from monoverify.limits import raised

        with raised(**({} if args.max_steps is None else {"cell_steps": args.max_steps})):
            r = check(th, quick=args.quick, explore=args.explore,
                      progress=lambda done, total: prog.update(task, completed=done, total=total),
                      **pinned(args, PARAMS + ("K", "sigma")))
    if args.json:
        d = r.to_dict(curves=args.curves)
        if r.explored_outside and r.n_judged == 0:
            d["claim"] = NO_CLAIM
        print(json.dumps(d, indent=1, default=str))
        return 1 if r.failed else 0
    con = table_console(120 if not args.wide else 240)   # the terminal's width; 120 (240) when not a terminal
    con.print(results_table([r], f"check {r.theorem.id}", wide=args.wide))
    con.print(f"hypotheses: {r.theorem.hypotheses}")
    con.print(f"bound: {r.theorem.bound if r.theorem.bound is not None else r.theorem.condition}  "
              f"(metric {r.theorem.metric}, {r.theorem.iterate} iterate) \\[{r.theorem.provenance}]")
    if r.theorem.statement:
        con.print(escape(f"stands for: {r.theorem.statement} [{r.theorem.statement_provenance}]"))
    con.print(escape(f"closest instance: {r.worst}"))
    con.print(f"judged: {r.judged_str()} cells; {r.message}")
    if r.explored_outside:
        con.print(f"[yellow]explored outside the hypotheses: {NO_CLAIM} on {r.not_judged.get(OUTSIDE, 0)} cell(s)[/] "
                  "(measured and in --json curves, never judged)")
    for n in r.notes:
        con.print(escape(f"note: {n}"))
    return 1 if r.failed else 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("check", help="check one theorem")
    p.add_argument("theorem")
    add_params(p)
    p.add_argument("--K", type=int, help="iterations")
    p.add_argument("--sigma", type=float, help="oracle noise level of a stochastic theorem (finite, > 0)")
    p.add_argument("--max-steps", dest="max_steps", type=int, default=None, metavar="N",
                   help="refuse a pinned --K whose cost (K x cells x oracle calls per step) exceeds N "
                        "(default 5e7, about a minute or two)")
    p.add_argument("--explore", action="store_true", help="allow parameters outside the hypotheses (no claim there)")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--curves", action="store_true", help="include curves in --json output")
    p.add_argument("--wide", action="store_true", help="every column")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
