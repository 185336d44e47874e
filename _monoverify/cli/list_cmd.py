"""``monoverify list``: operators (with exact constants), methods, theorems."""

from __future__ import annotations

import inspect
import json
from typing import Any

from .table import DOCS_REF, cite, id_column, table_console

__all__ = ["catalogue", "run", "add_parser"]


def catalogue() -> list:
    """The operators shown by ``monoverify list`` (the literature's examples and linear families)."""
    import sympy as sp

    from monoverify import operators as O
    from monoverify.operators.examples import Forsaken, GlobalForsaken, PolarGame

    return [
        O.BilinearGame([[1]]),
        O.LowerBoundGame(rho=-sp.Rational(1, 9), L=3),
        O.LowerBoundGame(rho=-sp.Rational(1, 4), L=1),
        O.random_comonotone(100, rho=-sp.Rational(1, 4), L=1, seed=0),
        PolarGame(1), PolarGame(sp.Rational(3, 4)), PolarGame(sp.Rational(1, 3)), Forsaken(), GlobalForsaken(),
    ]


def _fmt_const(c: Any) -> tuple[str, str]:
    try:
        f = f"{float(c.value):.10g}"
    except (TypeError, ValueError):
        f = "?"
    s = str(c.value)
    return (s[:45] + "..." if len(s) > 48 else s), f


def _methods_json() -> list:
    from monoverify.solvers import METHODS

    return [{"name": s.name, "description": s.description, "tag": s.tag,
             "params": {k: (None if v is inspect.Parameter.empty else v) for k, v in s.params.items()}}
            for s in METHODS.values()]


def _json(what: str) -> int:
    from monoverify.theory import THEOREMS

    out: dict = {}
    if what in ("operators", "all"):
        out["operators"] = [op.describe() for op in catalogue()]
    if what in ("methods", "all"):
        out["methods"] = _methods_json()
    if what in ("theorems", "all"):
        out["theorems"] = [t.describe() for t in THEOREMS.values()]
    print(json.dumps(_cited(out), indent=2, default=str))
    return 0


def _cited(obj: Any) -> Any:
    """``obj`` with :func:`cite` applied to every string (sources name the sections of the docs' Mathematics page)."""
    if isinstance(obj, str):
        return cite(obj)
    if isinstance(obj, dict):
        return {k: _cited(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_cited(v) for v in obj]
    return obj


def _operators(con: Any) -> None:
    from rich.table import Table

    ops = catalogue()
    names = [repr(op) for op in ops]
    t = Table(title="Operators (rho in the convention <dF, dz> >= rho ||dF||^2; §1.2 of the Mathematics page)",
              show_lines=True)
    id_column(t, "operator", names)
    for col in ("dim", "constraint", "L (exact)", "L", "L kind", "rho (exact)", "rho", "rho kind"):
        t.add_column(col, overflow="fold")
    notes = Table(title="Sources and notes of the constants", caption=DOCS_REF, show_lines=True)
    id_column(notes, "operator", names)
    for col in ("constant", "source", "note"):
        notes.add_column(col, overflow="fold")
    for op in ops:
        cs = op.constants
        Ls, Lf = _fmt_const(cs.L)
        rs, rf = _fmt_const(cs.rho)
        t.add_row(repr(op), str(op.dim), repr(op.constraint), Ls, Lf, cs.L.kind, rs, rf, f"{cs.rho.kind} ({cs.rho_notion})")
        for name, c in (("L", cs.L), ("rho", cs.rho)):
            notes.add_row(repr(op), name, cite(c.source), cite(c.note))
    con.print(t)
    con.print(notes)


def _methods(con: Any) -> None:
    from rich.table import Table

    from monoverify.solvers import METHODS

    t = Table(title="Methods (monoverify.solvers.make)")
    id_column(t, "name", list(METHODS))
    for col in ("parameters", "tag", "description"):
        t.add_column(col, overflow="fold")
    for s in METHODS.values():
        ps = ", ".join(k if v is inspect.Parameter.empty else f"{k}={v}" for k, v in s.params.items())
        t.add_row(s.name, ps, s.tag, cite(s.description))
    con.print(t)


#: below this many columns ``list theorems`` prints one block per theorem instead of an 8-column table
WIDE_ENOUGH = 160


def _theorem_blocks(con: Any) -> None:
    """One block per theorem: the id on a line of its own (never broken), then its fields indented."""
    from rich.markup import escape

    from monoverify.theory import THEOREMS

    con.print("[bold]Theorems[/] (monoverify.theory.THEOREMS); provenance = tag of the bound checked; " + DOCS_REF)
    for th in THEOREMS.values():
        con.print()
        con.print(f"[bold]{escape(th.id)}[/]  " + escape(f"[{th.provenance}] {th.kind}, method {th.method or '-'}"),
                  soft_wrap=True)
        rows = [("hypotheses", str(th.hypotheses)),
                ("bound" if th.bound is not None else "condition", str(th.bound if th.bound is not None else th.condition)),
                ("source", cite(th.source))]
        if th.statement:
            rows.append(("statement", f"{cite(th.statement)} [{th.statement_provenance}]"))
        for k, v in rows:
            con.print(escape(f"    {k}: {v}"))


def _theorems(con: Any) -> None:
    from rich.table import Table

    from monoverify.theory import THEOREMS

    if con.width < WIDE_ENOUGH:
        _theorem_blocks(con)
        return

    t = Table(title="Theorems (monoverify.theory.THEOREMS); provenance = tag of the bound checked",
              caption=DOCS_REF + "; one page per theorem: its catalogue page")
    id_column(t, "id", list(THEOREMS))
    for col in ("provenance", "kind", "method", "hypotheses", "bound / condition", "source", "statement [its tag]"):
        t.add_column(col, overflow="fold")
    for th in THEOREMS.values():
        stmt = f"{cite(th.statement)} [{th.statement_provenance}]" if th.statement else ""
        t.add_row(th.id, th.provenance, th.kind, th.method or "", str(th.hypotheses),
                  str(th.bound if th.bound is not None else th.condition), cite(th.source), stmt)
    con.print(t)


def run(args: Any) -> int:
    if args.json:
        return _json(args.what)
    con = table_console(160)   # the terminal's width (rich measures it); 160 columns when not a terminal
    if args.what in ("operators", "all"):
        _operators(con)
    if args.what in ("methods", "all"):
        _methods(con)
    if args.what in ("theorems", "all"):
        _theorems(con)
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("list", help="catalogue of operators (and methods, theorems)")
    p.add_argument("what", nargs="?", default="operators", choices=["operators", "methods", "theorems", "all"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)
