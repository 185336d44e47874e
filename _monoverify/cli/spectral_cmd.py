"""``monoverify spectral METHOD``: exact multiplier and spectral radius on ``LowerBoundGame(rho, L)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import add_params, as_user_error, console
from .methods import method_from_args

__all__ = ["run", "add_parser"]


def run(args: Any) -> int:
    import sympy as sp

    from monoverify.operators import LowerBoundGame
    from monoverify.theory import spectral

    con = console()
    method = method_from_args(args.method, args)
    rho = args.rho if args.rho is not None else 0.0
    L = args.L if args.L is not None else 1.0
    with as_user_error("LowerBoundGame(--rho, --L)"):
        op = LowerBoundGame(rho, L)
    m = spectral.multiplier(method, exact=True)
    con.print(f"method: {method!r}")
    con.print(f"exact multiplier (F z = mu z): {sp.simplify(m) if not isinstance(m, sp.MatrixBase) else m}")
    rad = float(np.max(spectral.spectral_radius(method, op)))
    con.print(f"spectral radius on {op!r}: {rad:.12g} -> {'converges' if rad < 1 else 'does not converge'}")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("spectral", help="exact multiplier and spectral radius on LowerBoundGame(rho, L)")
    p.add_argument("method")
    add_params(p)
    p.set_defaults(func=run)
