"""``monoverify prove``: exact, independently checkable certificates (:mod:`monoverify.theory.prove`)."""

from __future__ import annotations

from typing import Any

__all__ = ["run", "add_parser"]


def run(args: Any) -> int:
    from monoverify.theory.prove.cli import run as prove_run

    return prove_run(args)


def add_parser(sub: Any) -> None:
    from monoverify.theory.prove.cli import add_parser as prove_parser

    prove_parser(sub).set_defaults(func=run)
