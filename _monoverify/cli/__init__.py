"""The ``monoverify`` command (``monoverify.cli:main``): one module per subcommand.

``list`` (operators, methods, theorems), ``verify`` (the main job), ``check``, ``spectral``,
``pep``, ``prove`` (exact certificates; exit 0 proved, 1 refused), ``phase``, ``figures``.

Exit statuses
-------------
0
    Done; for ``verify``/``check`` nothing was violated (``finding`` and ``inconclusive`` are
    listed but do not fail; ``check --explore`` outside the hypotheses makes no claim).
1
    ``verify``/``check``: a ``paper``/``related``/``derived`` result is violated; ``pep``: the
    solve did not reach ``optimal``.
2
    A user error: bad arguments, unknown names, parameters outside the hypotheses, invalid
    values, an option the subcommand or theorem does not use — one line on stderr, no traceback
    (every :class:`monoverify.errors.UserError`, and files that cannot be written).
3
    An internal error (any other exception: a bug): the traceback, then one line saying so.
130
    Interrupted (Ctrl-C); ``verify`` prints and writes what had finished.

>>> build_parser().parse_args(["verify", "--quick"]).quick
True
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import traceback
from typing import Sequence

from monoverify.errors import UserError

from . import check_cmd, discover_cmd, figures_cmd, list_cmd, pep_cmd, phase_cmd, prove_cmd, spectral_cmd, verify_cmd

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_VIOLATED", "EXIT_USER", "EXIT_INTERNAL", "EXIT_INTERRUPTED"]

EXIT_OK, EXIT_VIOLATED, EXIT_USER, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
_SUBCOMMANDS = (list_cmd, verify_cmd, check_cmd, spectral_cmd, pep_cmd, prove_cmd, discover_cmd, figures_cmd, phase_cmd)


class _Parser(argparse.ArgumentParser):
    """argparse with a "did you mean" that only names subcommands that exist."""

    def error(self, message: str) -> None:  # type: ignore[override]
        choices = getattr(self, "_commands", None)
        if choices and "invalid choice" in message:
            bad = message.split("'")[1] if "'" in message else ""
            close = difflib.get_close_matches(bad, choices, n=1)
            message = f"unknown command {bad!r}" + (f"; did you mean {close[0]}?" if close else "") + \
                      f" (commands: {', '.join(choices)})"
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="monoverify", description="Numerically verify monotone operator theory.",
                 epilog="exit status: 0 ok, 1 a theorem violated, 2 user error, 3 internal error, 130 interrupted")
    sub = ap.add_subparsers(dest="cmd", required=True, parser_class=argparse.ArgumentParser)
    for mod in _SUBCOMMANDS:
        mod.add_parser(sub)
    ap._commands = list(sub.choices)  # type: ignore[attr-defined]
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``monoverify`` command; returns the exit status (see the module doc)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, OSError) as exc:
        if os.environ.get("MONOVERIFY_DEBUG"):
            raise
        print(f"monoverify {args.cmd}: error: {exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("monoverify: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # an internal error: show it, never disguise it as a user error
        traceback.print_exc()
        print(f"monoverify {args.cmd}: internal error (a bug in monoverify; the traceback is above): exit status 3",
              file=sys.stderr)
        return EXIT_INTERNAL
