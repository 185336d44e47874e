"""``monoverify figures --out DIR``: make the figures (PNG + PDF)."""

from __future__ import annotations

from typing import Any

from .common import UserError, prepare_dir

__all__ = ["run", "add_parser"]


def run(args: Any) -> int:
    from monoverify import figures

    names = args.only or None
    if names:
        unknown = sorted(set(names) - set(figures.NAMES))
        if unknown:
            raise UserError(f"unknown figure(s) {unknown}; known: {', '.join(figures.NAMES)}")
    out = prepare_dir(args.out)
    for p in figures.make_all(out, quick=args.quick, names=names):
        print(p)
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("figures", help="make the figures (PNG + PDF)")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", nargs="*", metavar="NAME", help="figure names (default: all)")
    p.set_defaults(func=run)
