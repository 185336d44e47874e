"""Helpers shared by the subcommands: consoles, folders, parameter options, user-input boundaries."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import Any, Iterator

from monoverify.errors import InvalidValue, UnusedOption, UserError

__all__ = ["UserError", "PARAMS", "add_params", "pinned", "prepare_dir", "as_user_error", "refuse_unused", "console",
           "add_scheduler", "scheduler_executor", "CONNECT_TIMEOUT"]

#: seconds to wait for a Dask scheduler (``--scheduler``) before giving up
CONNECT_TIMEOUT = 5.0

#: the parameter options shared by check / spectral / pep
PARAMS = ("rho", "L", "gamma", "lam", "tau", "alpha")


def console(stderr: bool = False, width: int | None = None):
    """A rich console (``width`` at least the terminal's)."""
    from rich.console import Console

    c = Console(stderr=stderr)
    return c if width is None else Console(stderr=stderr, width=max(width, c.width) if width > 120 else width)


def add_params(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rho", type=float, help="comonotonicity constant, <dF, dz> >= rho ||dF||^2 (§1.2 of the docs' Mathematics page)")
    p.add_argument("--L", type=float, help="Lipschitz constant")
    p.add_argument("--gamma", type=float, help="step size")
    p.add_argument("--lam", type=float, help="relaxation / Lookahead weight")
    p.add_argument("--tau", type=int, help="inner steps")
    p.add_argument("--alpha", type=float, help="EG+ ratio")


def pinned(args: Any, names: tuple = PARAMS + ("K",)) -> dict:
    """The parameter options given on the command line."""
    return {k: getattr(args, k) for k in names if getattr(args, k, None) is not None}


def refuse_unused(given: dict, used: set, what: str) -> None:
    """Options given that ``what`` does not use are refused, naming them (issue 13)."""
    unused = sorted(set(given) - set(used))
    if unused:
        opts = ", ".join(f"--{k}" for k in unused)
        raise UnusedOption(f"{what} does not use {opts}; it uses {', '.join('--' + k for k in sorted(used)) or 'none'}")


@contextlib.contextmanager
def as_user_error(what: str) -> Iterator[None]:
    """Inside, a ValueError raised while validating a user's value becomes a :class:`UserError`.

    Only wrap constructors that validate what the user typed (``make``, ``LowerBoundGame``), never
    a computation: a ValueError there is a bug and must surface as one (exit 3).
    """
    try:
        yield
    except UserError:
        raise
    except ValueError as exc:
        raise InvalidValue(f"{what}: {exc}") from None


def prepare_dir(path: str) -> Path:
    """Create the output folder ``path`` (a clear user error when impossible)."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create report folder {path!r}: {exc.strerror}") from None
    if not os.access(p, os.W_OK):
        raise UserError(f"report folder {path!r} is not writable")
    return p


def add_scheduler(p: argparse.ArgumentParser) -> None:
    """The ``--scheduler ADDRESS`` option (a Dask cluster runs the independent jobs)."""
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster at ADDRESS, e.g. tcp://host:8786 (needs pip install -e '.[dask]'; "
                        "--workers is then ignored)")


@contextlib.contextmanager
def scheduler_executor(address: str | None, timeout: float | None = None) -> Iterator[Any]:
    """An executor on the Dask cluster at ``address`` (``None``: yields ``None``, no Dask import).

    ``distributed.Client(address).get_executor()``: a ``concurrent.futures.Executor`` whose tasks
    run on the cluster's workers (which must have monoverify installed). The client is closed on
    exit. A user error (exit status 2) when Dask is not installed or the scheduler cannot be
    reached within ``timeout`` seconds (default :data:`CONNECT_TIMEOUT`).
    """
    if address is None:
        yield None
        return
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        from distributed import Client
        from distributed.comm import resolve_address
    except ImportError:
        raise UserError(f"--scheduler {address} needs Dask: pip install -e '.[dask]'") from None
    try:
        resolve_address(address)  # a malformed address or unknown host, before a Client exists
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"cannot reach the Dask scheduler at --scheduler {address!r}: {why}") from None
    try:
        yield client.get_executor()
    finally:
        client.close()
