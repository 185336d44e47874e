"""``monoverify phase METHOD --x AXIS --y AXIS``: a phase diagram over two parameter axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import UserError, add_scheduler, scheduler_executor

__all__ = ["run", "add_parser", "parse_grid"]


def parse_grid(text: str) -> tuple[str, np.ndarray]:
    """``name=start:stop:num`` (linspace) or ``name=v1,v2,...``; ``tau`` values must be integers."""
    if "=" not in text:
        raise UserError(f"axis {text!r} must look like name=start:stop:num or name=v1,v2,...")
    name, spec = text.split("=", 1)
    name = name.strip()
    try:
        if ":" in spec:
            a, b, n = spec.split(":")
            a, b, n = float(a), float(b), int(n)
            if n < 0:
                raise ValueError
            vals = None
        else:
            vals = np.array([float(v) for v in spec.split(",") if v.strip()])
    except ValueError:
        raise UserError(f"cannot read the grid {text!r}: use name=start:stop:num or name=v1,v2,...") from None
    if vals is None:
        from monoverify.limits import guard

        # the grid's size, before it is allocated (a grid of 10^12 values is terabytes)
        guard("phase_cells", n, f"axis {text!r}", option="--max-cells", detail=f"{n} values on one axis")
        vals = np.linspace(a, b, n)
    if name == "tau":
        if not np.all(np.isfinite(vals)) or np.any(vals != np.round(vals)) or np.any(vals < 1):
            raise UserError(f"tau must be integers >= 1, got {text!r}")
        vals = vals.astype(int)
    return name, vals


def image_formats() -> list[str]:
    """File extensions matplotlib can write a figure as (``png``, ``pdf``, ``svg`` ...)."""
    from matplotlib.figure import Figure

    return sorted(Figure().canvas.get_supported_filetypes())


def check_outputs(args: Any) -> None:
    """Refuse unwritable outputs before anything is computed: an image format matplotlib cannot
    write (``--png out.xyz``), or a folder that does not exist."""
    from pathlib import Path

    if args.png:
        ext = Path(args.png).suffix.lower().lstrip(".")
        formats = image_formats()
        if ext not in formats:
            what = f"the format .{ext}" if ext else "a name without an extension"
            raise UserError(f"--png {args.png!r}: cannot write a figure with {what}; accepted formats: "
                            f"{', '.join('.' + f for f in formats)}")
    for opt in ("csv", "png", "checkpoint"):
        path = getattr(args, opt, None)
        if path:
            folder = Path(path).resolve().parent
            if not folder.is_dir():
                raise UserError(f"--{opt} {path!r}: the folder {str(folder)!r} does not exist")


def _plot(res: Any, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axp = plt.subplots(figsize=(6, 4.5))
    res.plot(ax=axp)
    from monoverify.figures.style import save_atomic

    try:
        save_atomic(fig, path, dpi=150, bbox_inches="tight")
    finally:
        plt.close(fig)
    print(f"wrote {path}")


def run(args: Any) -> int:
    from monoverify.limits import raised

    if args.max_cells is not None and args.max_cells < 1:
        raise UserError(f"--max-cells must be an integer >= 1, got {args.max_cells}")
    with raised(**({} if args.max_cells is None else {"phase_cells": args.max_cells})):
        return _run(args)


def _run(args: Any) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from monoverify.theory.phase import phase_diagram

    if args.workers < 1:
        raise UserError(f"--workers must be an integer >= 1, got {args.workers}")
    check_outputs(args)
    ax = dict(parse_grid(a) for a in (args.x, args.y))
    fixed = {}
    for f in args.fixed or []:
        k, v = parse_grid(f)
        if v.size != 1:
            raise UserError(f"--fixed {f!r} must give one value")
        fixed[k] = int(v[0]) if k == "tau" else float(v[0])
    with scheduler_executor(args.scheduler) as dask:
        ex = dask or (ProcessPoolExecutor(max_workers=args.workers) if args.workers > 1 else None)
        try:
            res = phase_diagram(args.method, ax, fixed=fixed, mode=args.mode, family=args.family, executor=ex,
                                checkpoint=args.checkpoint, progress=not args.no_progress, iters=args.iters)
        finally:
            if ex is not None and ex is not dask:
                ex.shutdown()
    if args.csv:
        res.to_csv(args.csv)
        print(f"wrote {args.csv}")
    if args.png:
        from monoverify.theory.phase.boundaries import NUMERIC_LABEL, SOLVE_TIMEOUT

        _plot(res, args.png)
        for label in dict.fromkeys(b[0] for b in res.boundaries() if NUMERIC_LABEL in b[0]):
            print(f"note: {label}: no closed form for the y axis within {SOLVE_TIMEOUT:g} s, so this boundary is "
                  "the zero set of the condition on the plotted range (grid + bisection)")
    if not args.csv and not args.png:
        vals = np.asarray(res.values, dtype=float)
        print(f"{args.mode} phase diagram of {args.method}: {vals.shape[0]}x{vals.shape[1]} cells, "
              f"value range [{np.nanmin(vals):.6g}, {np.nanmax(vals):.6g}]; use --csv/--png to save it")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("phase", help="phase diagram over two parameter axes")
    p.add_argument("method")
    p.add_argument("--x", required=True, help="first axis, e.g. rhoL=-0.5:0:41")
    p.add_argument("--y", required=True, help="second axis, e.g. lam=0.05:2:40 or tau=1,2,5")
    p.add_argument("--fixed", nargs="*", help="other parameters, e.g. gammaL=0.9 tau=5")
    p.add_argument("--mode", default="spectral", choices=["spectral", "empirical", "pep"])
    p.add_argument("--family", default="lower_bound", choices=["lower_bound", "bilinear", "random_comonotone"])
    p.add_argument("--iters", type=int)
    p.add_argument("--workers", type=int, default=1, help="process pool size (>= 1)")
    add_scheduler(p)
    p.add_argument("--checkpoint", metavar="PATH", help="store finished cells; resume from them")
    p.add_argument("--csv", metavar="PATH")
    p.add_argument("--png", metavar="PATH", help="write the figure (any format matplotlib writes: .png, .pdf, .svg ...)")
    p.add_argument("--max-cells", dest="max_cells", type=int, default=None, metavar="N",
                   help="refuse a grid costing more than N spectral-cell equivalents (default 1e7: minutes; an "
                        "empirical cell counts iters/30, a pep cell 1000)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)
