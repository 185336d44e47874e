"""The ``monoverify`` command.

``list`` (operators, methods, theorems), ``verify`` (the main job), ``check``, ``spectral``,
``pep``, ``phase``, ``figures``. User errors print one line and exit with status 2; ``verify``
exits with 1 when a ``paper``/``derived``/``related`` result is violated (a violated
``reconstruction`` is reported as a finding and does not fail).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

__all__ = ["main", "catalogue", "verify"]


class UserError(Exception):
    """A mistake in the command line: one line on stderr, exit status 2."""


# ------------------------------------------------------------------------------------------
# list
# ------------------------------------------------------------------------------------------
def catalogue() -> list:
    """The operators shown by ``monoverify list`` (the literature's examples and linear families)."""
    import sympy as sp

    from monoverify import operators as O

    ops = [
        O.BilinearGame([[1]]),
        O.LowerBoundGame(rho=-sp.Rational(1, 9), L=3),
        O.LowerBoundGame(rho=-sp.Rational(1, 4), L=1),
        O.random_comonotone(100, rho=-sp.Rational(1, 4), L=1, seed=0),
    ]
    try:
        from monoverify.operators.examples import Forsaken, GlobalForsaken, PolarGame

        ops += [PolarGame(1), PolarGame(sp.Rational(3, 4)), PolarGame(sp.Rational(1, 3)), Forsaken(), GlobalForsaken()]
    except ImportError:  # pragma: no cover
        pass
    return ops


def _fmt_const(c) -> tuple[str, str]:
    try:
        f = f"{float(c.value):.10g}"
    except (TypeError, ValueError):
        f = "?"
    s = str(c.value)
    if len(s) > 48:
        s = s[:45] + "..."
    return s, f


def _cmd_list(args) -> int:
    from rich.console import Console
    from rich.table import Table

    con = Console(width=max(160, Console().width))
    if args.json:
        out: dict = {}
        if args.what in ("operators", "all"):
            out["operators"] = [op.describe() for op in catalogue()]
        if args.what in ("methods", "all"):
            from monoverify.solvers import METHODS

            out["methods"] = [{"name": s.name, "description": s.description, "tag": s.tag,
                               "params": {k: (None if v is __import__("inspect").Parameter.empty else v)
                                          for k, v in s.params.items()}} for s in METHODS.values()]
        if args.what in ("theorems", "all"):
            from monoverify.theory import THEOREMS

            out["theorems"] = [t.describe() for t in THEOREMS.values()]
        print(json.dumps(out, indent=2, default=str))
        return 0
    if args.what in ("operators", "all"):
        t = Table(title="Operators (rho in the convention <dF, dz> >= rho ||dF||^2; SPEC §1.2)", show_lines=True)
        for col in ("operator", "dim", "constraint", "L (exact)", "L", "L kind", "rho (exact)", "rho", "rho kind"):
            t.add_column(col, overflow="fold")
        notes = Table(title="Sources and notes of the constants", show_lines=True)
        for col in ("operator", "constant", "source", "note"):
            notes.add_column(col, overflow="fold")
        for op in catalogue():
            cs = op.constants
            Ls, Lf = _fmt_const(cs.L)
            rs, rf = _fmt_const(cs.rho)
            t.add_row(repr(op), str(op.dim), repr(op.constraint), Ls, Lf, cs.L.kind, rs, rf,
                      f"{cs.rho.kind} ({cs.rho_notion})")
            for name, c in (("L", cs.L), ("rho", cs.rho)):
                notes.add_row(repr(op), name, c.source, c.note)
        con.print(t)
        con.print(notes)
    if args.what in ("methods", "all"):
        from monoverify.solvers import METHODS

        t = Table(title="Methods (monoverify.solvers.make)")
        for col in ("name", "parameters", "tag", "description"):
            t.add_column(col, overflow="fold")
        for s in METHODS.values():
            ps = ", ".join(k if v is __import__("inspect").Parameter.empty else f"{k}={v}" for k, v in s.params.items())
            t.add_row(s.name, ps, s.tag, s.description)
        con.print(t)
    if args.what in ("theorems", "all"):
        from monoverify.theory import THEOREMS

        t = Table(title="Theorems (monoverify.theory.THEOREMS)")
        for col in ("id", "provenance", "kind", "method", "hypotheses", "bound / condition", "source"):
            t.add_column(col, overflow="fold")
        for th in THEOREMS.values():
            t.add_row(th.id, th.provenance, th.kind, th.method or "", str(th.hypotheses),
                      str(th.bound if th.bound is not None else th.condition), th.source)
        con.print(t)
    return 0


# ------------------------------------------------------------------------------------------
# verify / check
# ------------------------------------------------------------------------------------------
def _ratio_str(r) -> str:
    th = r.theorem
    if r.verdict == "no-instances":
        return "-"
    if th.kind == "region":
        side = "converges" if r.worst.get("condition") else "diverges"
        return f"radius {r.worst.get('radius', float('nan')):.6g} ({side}); {r.mismatches} mismatches"
    return f"{r.worst_ratio:.6g}"


def _rate_str(r) -> str:
    if r.fitted_exponent is None:
        return ""
    e = r.fitted_exponent
    return f"{e:.2f}" if e > -5 else "< -5 (linear)"


def _spectral_str(r) -> str:
    s = r.spectral
    if not s:
        return ""
    if "max_radius" in s:
        return f"max radius {s['max_radius']:.6g}"
    return "exact radius per cell"


def _verdict_style(v: str) -> str:
    return {"holds": "[green]holds[/]", "violated": "[bold red]VIOLATED[/]", "finding": "[yellow]finding[/]",
            "no-instances": "[dim]no instances[/]"}.get(v, v)


def _short_source(src: str) -> str:
    head = src.split(";")[0].strip()
    return head if len(head) <= 32 else head[:31] + "…"


def results_table(results: list, title: str):
    from rich.table import Table

    t = Table(title=title, show_lines=False, caption="worst ratio: max measured/bound (region: spectral radius "
              "closest to contradicting the condition); full sources and curves: --report DIR")
    t.add_column("theorem", no_wrap=True)
    t.add_column("provenance", no_wrap=True)
    t.add_column("source", overflow="fold", max_width=34)
    t.add_column("instances (cells)", no_wrap=True)
    t.add_column("worst ratio", overflow="fold", max_width=30)
    t.add_column("rate fit", no_wrap=True)
    t.add_column("spectral", overflow="fold", max_width=22)
    t.add_column("PEP: lower <= pep <= bound", overflow="fold", max_width=30)
    t.add_column("verdict", no_wrap=True)
    for r in results:
        t.add_row(r.theorem.id, r.theorem.provenance, _short_source(r.theorem.source), f"{r.n_instances} ({r.n_cells})",
                  _ratio_str(r), _rate_str(r), _spectral_str(r), _pep_str(r), _verdict_style(r.verdict))
    return t


def _pep_str(r) -> str:
    p = r.pep
    if not p:
        return ""
    n = len(p["rows"])
    bad = p["lower_inversions"] + p["upper_inversions"] + p["failed_solves"]
    head = f"{n - bad}/{n} ok" if bad else f"{n}/{n} ok"
    parts = [head]
    if p["max_pep_over_bound"] is not None:
        parts.append(f"pep/bound <= {p['max_pep_over_bound']:.4g}")
    if p["upper_inversions"]:
        parts.append(f"{p['upper_inversions']} above bound" + (" (exact class)" if p["exact_class"] else " (relaxation: inconclusive)"))
    if p["lower_inversions"]:
        parts.append(f"{p['lower_inversions']} below a linear instance")
    if p["failed_solves"]:
        parts.append(f"{p['failed_solves']} solver failures")
    return "; ".join(parts)


def verify(quick: bool = False, only: str | None = None, report: str | None = None, console=None,
           progress: bool = True) -> tuple[list, int]:
    """Check every registered theorem on its default battery; return (results, exit status)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from monoverify.theory import THEOREMS, check

    con = console or Console()
    ids = [i for i in THEOREMS if only is None or only in i]
    if not ids:
        raise UserError(f"--only {only!r} matches no theorem id")
    outdir = _prepare_dir(report) if report else None
    results = []
    t0 = time.perf_counter()
    interrupted = False
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=con,
                  disable=not progress, transient=True) as prog:
        task = prog.add_task("verifying", total=len(ids))
        try:
            for tid in ids:
                prog.update(task, description=f"checking {tid}")
                results.append(check(tid, quick=quick, pep=True))
                prog.advance(task)
        except KeyboardInterrupt:
            # keep what was computed: show and write the finished checks, then stop
            interrupted = True
    elapsed = time.perf_counter() - t0
    title = f"monoverify verify ({'quick' if quick else 'full'}) - {len(results)} theorems, {elapsed:.0f} s"
    if interrupted:
        title += f" - INTERRUPTED after {len(results)} of {len(ids)}"
    con.print(results_table(results, title))
    findings = [r for r in results if r.verdict == "finding"]
    failed = [r for r in results if r.failed]
    for r in findings:
        con.print(f"[yellow]FINDING[/] {r.theorem.id} [{r.theorem.provenance}]: the reconstructed bound is exceeded "
                  f"(worst ratio {r.worst_ratio:.6g} at {r.worst}); reported, not a failure.")
    for r in failed:
        con.print(f"[bold red]VIOLATED[/] {r.theorem.id} [{r.theorem.provenance}]: worst ratio {r.worst_ratio:.6g} "
                  f"at {r.worst}; notes: {'; '.join(r.notes)}")
    summary = {v: sum(r.verdict == v for r in results) for v in ("holds", "violated", "finding", "no-instances")}
    con.print("summary: " + ", ".join(f"{v} {k}" for k, v in summary.items()))
    if outdir is not None:
        _write_report(outdir, results, quick, elapsed, con, figures=not interrupted)
    if interrupted:
        raise KeyboardInterrupt
    return results, (1 if failed else 0)


def _prepare_dir(path: str) -> Path:
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create report folder {path!r}: {exc.strerror}") from None
    if not os.access(p, os.W_OK):
        raise UserError(f"report folder {path!r} is not writable")
    return p


def _write_report(outdir: Path, results: list, quick: bool, elapsed: float, con, figures: bool = True) -> None:
    import monoverify

    data = {"version": monoverify.__version__, "mode": "quick" if quick else "full", "elapsed_s": elapsed,
            "results": [r.to_dict(curves=True) for r in results]}
    (outdir / "verify.json").write_text(json.dumps(data, indent=1, default=str))
    with open(outdir / "verify.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["theorem", "provenance", "source", "kind", "method", "instances", "cells", "worst_ratio",
                    "fitted_exponent", "mismatches", "verdict", "worst"])
        for r in results:
            w.writerow([r.theorem.id, r.theorem.provenance, r.theorem.source, r.theorem.kind, r.theorem.method,
                        r.n_instances, r.n_cells, r.worst_ratio, r.fitted_exponent, r.mismatches, r.verdict,
                        json.dumps(r.to_dict()["worst"], default=str)])
    written = ["verify.json", "verify.csv"]
    if figures:
        from monoverify import figures as figs

        paths = figs.make_all(outdir / "figures", quick=quick)
        written += [str(p.relative_to(outdir)) for p in paths]
    con.print(f"report written to {outdir}: {', '.join(written[:6])}{' ...' if len(written) > 6 else ''}")


def _pinned(args) -> dict:
    out = {}
    for k in ("rho", "L", "gamma", "lam", "tau", "alpha", "K"):
        v = getattr(args, k, None)
        if v is not None:
            out[k] = v
    return out


def _cmd_verify(args) -> int:
    from rich.console import Console

    con = Console(width=max(200, Console().width))
    _, status = verify(quick=args.quick, only=args.only, report=args.report, console=con,
                       progress=not args.no_progress)
    return status


def _cmd_check(args) -> int:
    from rich.console import Console

    from monoverify.theory import check

    con = Console(width=max(140, Console().width))
    r = check(args.theorem, quick=args.quick, explore=args.explore, **_pinned(args))
    if args.json:
        print(json.dumps(r.to_dict(curves=args.curves), indent=1, default=str))
    else:
        con.print(results_table([r], f"check {r.theorem.id}"))
        con.print(f"hypotheses: {r.theorem.hypotheses}")
        con.print(f"bound: {r.theorem.bound if r.theorem.bound is not None else r.theorem.condition}  "
                  f"(metric {r.theorem.metric}, {r.theorem.iterate} iterate)")
        con.print(f"closest instance: {r.worst}")
        if r.explored_outside:
            con.print("[yellow]explored outside the hypotheses: the theorem makes no claim here[/]")
        for n in r.notes:
            con.print(f"note: {n}")
    return 1 if r.failed else 0


# ------------------------------------------------------------------------------------------
# spectral / pep
# ------------------------------------------------------------------------------------------
def _method_from_args(name: str, args) -> Any:
    from monoverify.solvers import METHODS, make

    if name not in METHODS:
        make(name)  # raises with suggestions
    params = {k: getattr(args, k) for k in METHODS[name].params if getattr(args, k, None) is not None}
    if "L" in METHODS[name].params and getattr(args, "L", None) is not None:
        params["L"] = args.L
    if "rho" in METHODS[name].params and getattr(args, "rho", None) is not None:
        params["rho"] = args.rho
    return make(name, **params)


def _cmd_spectral(args) -> int:
    import sympy as sp
    from rich.console import Console

    from monoverify.operators import LowerBoundGame

    from . import spectral

    con = Console()
    method = _method_from_args(args.method, args)
    rho = args.rho if args.rho is not None else 0.0
    L = args.L if args.L is not None else 1.0
    op = LowerBoundGame(rho, L)
    m = spectral.multiplier(method, exact=True)
    con.print(f"method: {method!r}")
    con.print(f"exact multiplier (F z = mu z): {sp.simplify(m) if not isinstance(m, sp.MatrixBase) else m}")
    rad = float(np.max(spectral.spectral_radius(method, op)))
    con.print(f"spectral radius on {op!r}: {rad:.12g} -> {'converges' if rad < 1 else 'does not converge'}")
    return 0


def _cmd_pep(args) -> int:
    from rich.console import Console

    from . import pep

    con = Console()
    method = _method_from_args(args.method, args)
    if args.rho is None:
        raise UserError("pep needs --rho")
    res = pep.worst_case(method, rho=args.rho, L=args.L, n_iter=args.n, metric=args.metric, cache=not args.no_cache)
    if args.json:
        print(json.dumps(res.to_dict() if hasattr(res, "to_dict") else res.__dict__, indent=1, default=str))
    else:
        con.print(f"{method!r}, rho={args.rho}, L={args.L}, N={args.n}, metric={args.metric}")
        con.print(f"worst case: {res.value} (status {res.status}; {getattr(res, 'message', '')}; "
                  f"{getattr(res, 'wall_time', getattr(res, 'time', float('nan'))):.2f} s)")
    return 0 if res.status in ("optimal", "cached") else 1


def _cmd_figures(args) -> int:
    from monoverify import figures

    out = _prepare_dir(args.out)
    names = args.only or None
    if names:
        unknown = sorted(set(names) - set(figures.NAMES))
        if unknown:
            raise UserError(f"unknown figure(s) {unknown}; known: {', '.join(figures.NAMES)}")
    paths = figures.make_all(out, quick=args.quick, names=names)
    for p in paths:
        print(p)
    return 0


def _parse_grid(text: str) -> tuple[str, np.ndarray]:
    """``name=start:stop:num`` (linspace) or ``name=v1,v2,...``."""
    if "=" not in text:
        raise UserError(f"axis {text!r} must look like name=start:stop:num or name=v1,v2,...")
    name, spec = text.split("=", 1)
    try:
        if ":" in spec:
            a, b, n = spec.split(":")
            vals = np.linspace(float(a), float(b), int(n))
        else:
            vals = np.array([float(v) for v in spec.split(",") if v.strip()])
    except ValueError:
        raise UserError(f"cannot read the grid {text!r}: use name=start:stop:num or name=v1,v2,...") from None
    if name.strip() == "tau":
        vals = vals.astype(int)
    return name.strip(), vals


def _cmd_phase(args) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from .phase import phase_diagram

    ax = dict(_parse_grid(a) for a in (args.x, args.y))
    fixed = {}
    for f in args.fixed or []:
        k, v = _parse_grid(f)
        if v.size != 1:
            raise UserError(f"--fixed {f!r} must give one value")
        fixed[k] = int(v[0]) if k == "tau" else float(v[0])
    ex = ProcessPoolExecutor(max_workers=args.workers) if args.workers and args.workers > 1 else None
    try:
        res = phase_diagram(args.method, ax, fixed=fixed, mode=args.mode, family=args.family, executor=ex,
                            checkpoint=args.checkpoint, progress=not args.no_progress, iters=args.iters)
    finally:
        if ex is not None:
            ex.shutdown()
    if args.csv:
        res.to_csv(args.csv)
        print(f"wrote {args.csv}")
    if args.png:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axp = plt.subplots(figsize=(6, 4.5))
        res.plot(ax=axp)
        fig.savefig(args.png, dpi=150, bbox_inches="tight")
        print(f"wrote {args.png}")
    if not args.csv and not args.png:
        vals = np.asarray(res.values, dtype=float)
        print(f"{args.mode} phase diagram of {args.method}: {vals.shape[0]}x{vals.shape[1]} cells, "
              f"value range [{np.nanmin(vals):.6g}, {np.nanmax(vals):.6g}]; use --csv/--png to save it")
    return 0


# ------------------------------------------------------------------------------------------
def _add_params(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rho", type=float, help="comonotonicity constant (SPEC §1.2 sign)")
    p.add_argument("--L", type=float, help="Lipschitz constant")
    p.add_argument("--gamma", type=float, help="step size")
    p.add_argument("--lam", type=float, help="relaxation / Lookahead weight")
    p.add_argument("--tau", type=int, help="inner steps")
    p.add_argument("--alpha", type=float, help="EG+ ratio")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="monoverify", description="Numerically verify monotone operator theory.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list", help="catalogue of operators (and methods, theorems)")
    p.add_argument("what", nargs="?", default="operators", choices=["operators", "methods", "theorems", "all"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("verify", help="check every registered theorem (the main job)")
    p.add_argument("--quick", action="store_true", help="small grids, about a minute")
    p.add_argument("--only", help="only theorem ids containing this text")
    p.add_argument("--report", metavar="DIR", help="write verify.json, verify.csv and figures to DIR")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("check", help="check one theorem")
    p.add_argument("theorem")
    _add_params(p)
    p.add_argument("--K", type=int, help="iterations")
    p.add_argument("--explore", action="store_true", help="allow parameters outside the hypotheses")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--curves", action="store_true", help="include curves in --json output")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("spectral", help="exact multiplier and spectral radius on LowerBoundGame(rho, L)")
    p.add_argument("method")
    _add_params(p)
    p.set_defaults(func=_cmd_spectral)

    p = sub.add_parser("pep", help="worst case by performance estimation (PEPit)")
    p.add_argument("method")
    _add_params(p)
    p.add_argument("--n", type=int, default=4, help="iterations N")
    p.add_argument("--metric", default="operator", choices=["operator", "step", "distance"])
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_pep)

    p = sub.add_parser("figures", help="make the figures (PNG + PDF)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", nargs="*", metavar="NAME", help="figure names (default: all)")
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser("phase", help="phase diagram over two parameter axes")
    p.add_argument("method")
    p.add_argument("--x", required=True, help="first axis, e.g. rhoL=-0.5:0:41")
    p.add_argument("--y", required=True, help="second axis, e.g. lam=0.05:2:40 or tau=1,2,5")
    p.add_argument("--fixed", nargs="*", help="other parameters, e.g. gammaL=0.9 tau=5")
    p.add_argument("--mode", default="spectral", choices=["spectral", "empirical", "pep"])
    p.add_argument("--family", default="lower_bound", choices=["lower_bound", "bilinear", "random_comonotone"])
    p.add_argument("--iters", type=int)
    p.add_argument("--workers", type=int, default=1, help="process pool size")
    p.add_argument("--checkpoint", metavar="PATH", help="store finished cells; resume from them")
    p.add_argument("--csv", metavar="PATH")
    p.add_argument("--png", metavar="PATH")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_phase)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``monoverify`` command; returns the exit status."""
    from monoverify.theory.checker import HypothesisError
    from monoverify.theory.theorems import UnknownTheorem

    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, HypothesisError, UnknownTheorem, ValueError, OSError) as exc:
        if os.environ.get("MONOVERIFY_DEBUG"):
            raise
        print(f"monoverify {args.cmd}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("monoverify: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
