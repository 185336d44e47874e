"""``monoverify verify``: the main job (every registered theorem), its table, summary and report."""

from __future__ import annotations

from typing import Any

from .common import add_scheduler, console, prepare_dir, scheduler_executor
from .table import CAPTION, results_table, table_console

__all__ = ["run", "add_parser", "print_verdicts", "print_mutants", "finding_text", "catalogue_page"]


def catalogue_page(theorem_id: str) -> str:
    """Where the documentation explains a theorem: its page of the theorem catalogue."""
    return f"catalogue/{theorem_id}.html"


def _near_boundaries(th: Any, worst: Any) -> list[str]:
    """Hypothesis conjuncts within 2 % of equality at the worst cell, e.g. ``L*gamma < 1 (L*gamma = 0.999)``."""
    import sympy as sp

    from monoverify.theory.theorems.core import SYMBOLS, conjuncts

    if not isinstance(worst, dict):
        return []
    vals = {SYMBOLS[k]: v for k, v in worst.items() if k in SYMBOLS and isinstance(v, (int, float))}
    out = []
    for p in conjuncts(th.hypotheses):
        if not isinstance(p, sp.core.relational.Relational) or isinstance(p, (sp.Eq, sp.Ne)):
            continue
        try:
            a, b = float(p.lhs.subs(vals)), float(p.rhs.subs(vals))
        except (TypeError, ValueError):
            continue
        if abs(a - b) <= 0.02 * max(abs(a), abs(b), 1e-12):
            out.append(f"{p} ({p.lhs} = {a:.4g})")
    return out


def finding_text(r: Any) -> str:
    """One line: what a finding has found and where to read more.

    The theorem's own explanation (``Theorem.finding``) when the registry gives one; otherwise
    where the worst cell lies: the hypothesis boundaries it is next to and the parameters the
    theorem fixes (its ``derived`` values)."""
    th = r.theorem
    head = f"{th.id} [{th.provenance}]: "
    if getattr(th, "finding", ""):
        what = th.finding.rstrip(". ")
    else:
        near = _near_boundaries(th, r.worst)
        where = f" next to the hypothesis boundary {' and '.join(near)} at the worst cell" if near else ""
        fixed = [f"{k} = {v}" for k, v in th.derived.items() if not getattr(v, "free_symbols", None)]
        what = "the reconstructed bound is exceeded" + where + (f", with {', '.join(fixed)} fixed" if fixed else "")
    ratio = f"{r.worst_ratio:.3g}" if isinstance(r.worst_ratio, (int, float)) else str(r.worst_ratio)
    return (head + what + f" (worst ratio {ratio}); reported, not a failure; more: its catalogue page "
            f"{catalogue_page(th.id)} in the documentation")


def print_verdicts(con: Any, report: Any) -> None:
    """One line per finding, violation and inconclusive result, then the summary line."""
    from rich.markup import escape

    for r in report.results:
        th = r.theorem
        if r.verdict == "finding":
            con.print("[yellow]FINDING[/] " + escape(finding_text(r)), soft_wrap=True)
        elif r.verdict == "violated":
            con.print("[bold red]VIOLATED[/] " + escape(f"{th.id} [{th.provenance}]: worst ratio {r.worst_ratio:.6g} "
                                                        f"at {r.worst}; notes: {'; '.join(r.notes)}"))
        elif r.verdict == "inconclusive":
            con.print("[magenta]INCONCLUSIVE[/] " + escape(f"{th.id}: {r.message}"))
    con.print("summary: " + ", ".join(f"{n} {v}" for v, n in report.summary().items()))


def _progress(con: Any, enabled: bool, total: int):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=con,
                    disable=not enabled, transient=True)


def run(args: Any) -> int:
    from monoverify.theory.judge import verify as V

    if args.workers < 0:
        from monoverify.errors import InvalidValue

        raise InvalidValue(f"--workers must be an integer >= 0 (0: one per CPU core), got {args.workers}")
    con = table_console(120 if not args.wide else 240)   # the terminal's width; 120 (240) when not a terminal
    err = console(stderr=True)
    chosen = V.select(None, args.only)
    outdir = prepare_dir(args.report) if args.report else None
    with scheduler_executor(args.scheduler) as ex:
        return _run(args, V, chosen, outdir, con, err, ex)


def _run(args: Any, V: Any, chosen: list, outdir: Any, con: Any, err: Any, ex: Any) -> int:
    with _progress(err, not args.no_progress, len(chosen)) as prog:
        task = prog.add_task("verifying", total=len(chosen))

        def step(tid: str, done: int, total: int) -> None:
            prog.update(task, completed=done, description=f"checked {tid}")

        rep = V.verify(chosen, quick=args.quick, workers=args.workers, executor=ex, progress=step)
    title = f"monoverify verify ({'quick' if args.quick else 'full'}) - {len(rep.results)} theorems, {rep.elapsed:.0f} s"
    con.print(results_table(rep.results, title, wide=args.wide, caption=False))
    con.print(f"[dim]{CAPTION}[/]")   # a line of its own: a table of few rows and columns would squeeze it
    if rep.interrupted:
        con.print(f"[bold]INTERRUPTED after {len(rep.results)} of {len(rep.ids)}[/] theorems", soft_wrap=True)
    print_verdicts(con, rep)
    where = f"scheduler {args.scheduler}" if args.scheduler else f"workers={args.workers or 'one per core'}"
    con.print(f"time: {rep.elapsed:.1f} s for {len(rep.results)} theorems ({'quick' if args.quick else 'full'}, {where})")
    if outdir is not None:
        from .report import write_report

        write_report(outdir, rep, con, figures=not rep.interrupted, curves=not rep.interrupted)   # Ctrl-C: at once
    if rep.interrupted:
        raise KeyboardInterrupt
    if args.mutants:
        print_mutants(con, _mutation_score(rep, args.quick, err, not args.no_progress, args.workers, ex), outdir)
    return rep.exit_status


def _mutation_score(rep: Any, quick: bool, err: Any, show: bool, workers: int, executor: Any) -> Any:
    from monoverify.theory.judge.scoring import score

    bases = {r.theorem.id: r for r in rep.results}
    with _progress(err, show, 0) as prog:
        task = prog.add_task("mutants", total=None)
        return score([r.theorem for r in rep.results], quick=quick, bases=bases, workers=workers, executor=executor,
                     progress=lambda name: prog.update(task, description=f"mutant {name}"))


def print_mutants(con: Any, mrep: Any, outdir: Any = None) -> None:
    """Survivors (with the reason), mutants outside the score, then the line ``mutants: K/M killed``."""
    import json

    from rich.markup import escape   # reasons hold formulas: "[lam t(...) - ...]" is text, not a style tag

    for o in mrep.survivors:
        con.print("[yellow]SURVIVOR[/] " + escape(f"{o.id} ({o.kind}: {o.description}): {o.reason}"), soft_wrap=True)
    for o in mrep.outcomes:   # a conjunct the registry calls unneeded, yet its relaxation is violated
        if o.killed and "REFUTES" in o.reason:
            con.print("[bold red]REGISTRY NOTE REFUTED[/] " + escape(f"{o.id} ({o.description}): {o.reason}"),
                      soft_wrap=True)
    for o in mrep.outcomes:
        if not o.scored and o.reason.startswith(("no reference", "equivalent by the derivation")):
            con.print("[dim]not scored[/] " + escape(f"{o.id}: {o.reason}"), soft_wrap=True)
    n_eq = sum(not o.scored and o.reason.startswith("equivalent:") for o in mrep.outcomes)
    if n_eq:
        con.print(f"[dim]{n_eq} relaxations or shifts change no cell of the parameter domain (equivalent mutants, "
                  "not scored)[/]")
    if outdir is not None:
        from monoverify.atomic import write_text

        write_text(outdir / "mutants.json", json.dumps(mrep.to_dict(), indent=1, default=str))
    if mrep.plausible_line:
        con.print(f"[dim]{escape(mrep.plausible_line)}[/]", soft_wrap=True)
    if mrep.boundary_line:
        con.print(f"[dim]{escape(mrep.boundary_line)}[/]", soft_wrap=True)
    kinds = ", ".join(f"{k} {a}/{n}" for k, (a, n) in mrep.by_kind().items())
    con.print(f"[dim]by kind: {kinds}[/]", soft_wrap=True)
    con.print(mrep.line)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("verify", help="check every registered theorem (the main job)")
    p.add_argument("--quick", action="store_true", help="small batteries (about 30 s on 2 cores)")
    p.add_argument("--only", help="only theorem ids containing this text")
    p.add_argument("--report", metavar="DIR", help="write verify.json, verify.csv and figures to DIR")
    p.add_argument("--wide", action="store_true", help="every column (default: the main columns; both fit the terminal)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="processes for independent theorems and mutants (default 0: one per CPU core; 1: serial)")
    add_scheduler(p)
    p.add_argument("--mutants", action="store_true",
                   help="also judge wrong variants of every theorem; ends with 'mutants: K/M killed'")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
