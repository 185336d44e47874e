"""Figures: one module per figure, each with ``make(outdir, quick=False) -> list[Path]`` (PNG + PDF).

``FIGURES`` maps a name to its module; :func:`make_all` makes every figure.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Iterable

__all__ = ["FIGURES", "make_all", "NAMES"]

NAMES = ("relaxed_pp_region", "egplus_region", "lagda_bilinear", "convergence", "bound_vs_pep", "momentum_bilinear", "dln")


class _Lazy(dict):
    """name -> module, imported on first access (matplotlib only when a figure is made)."""

    def __getitem__(self, name):
        if name not in NAMES:
            raise KeyError(f"unknown figure {name!r}; known: {list(NAMES)}")
        return importlib.import_module(f"monoverify.figures.fig_{name}")

    def __iter__(self):
        return iter(NAMES)

    def __len__(self):
        return len(NAMES)

    def __contains__(self, name):
        return name in NAMES

    def keys(self):
        return list(NAMES)

    def items(self):
        return [(n, self[n]) for n in NAMES]

    def values(self):
        return [self[n] for n in NAMES]


FIGURES = _Lazy()


def make_all(outdir, quick: bool = False, names: Iterable[str] | None = None) -> list[Path]:
    """Make every figure (or ``names``) into ``outdir``; return the written paths."""
    outdir = Path(outdir)
    out: list[Path] = []
    for n in (names or NAMES):
        out.extend(FIGURES[n].make(outdir, quick=quick))
    return out
