"""Alias of :mod:`monoverify.cli` (the command moved out of ``theory``: theory never imports figures).

``python -m monoverify.theory.cli`` still runs the command.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["main", "build_parser"]


def main(argv: Any = None) -> int:
    from monoverify.cli import main as _main

    return _main(argv)


def build_parser() -> Any:
    from monoverify.cli import build_parser as _bp

    return _bp()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
