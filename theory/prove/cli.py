"""``monoverify prove``: argparse wiring (``add_parser(subparsers)``) and ``run(args) -> int``.

Exit status: 0 proved (exactly, or ``bound + epsilon`` when ``--allow-epsilon``), 1 refused (false
claim, or no certificate), 2 user error.

Examples (shell)::

    monoverify prove eg+.best_iterate --n 3 --rho -1/10 --gamma 1/2 --alpha 1/2 --L 1
    monoverify prove --method pp --gamma 2 --rho 0 --n 4 --metric step --bound 27/256
    monoverify prove --check certificate.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

__all__ = ["add_parser", "run", "main"]

_PARAMS = ("gamma", "alpha", "lam", "tau", "sigma")
_NEGATIVE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d+/\d+$")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``prove`` sub-command to an ``argparse`` sub-parser collection."""
    p = subparsers.add_parser("prove", help="exact, checkable proof of a worst-case bound (PEP dual certificate)",
                              description="Prove metric(z_n) <= bound ||z0 - z*||^2 exactly, or refuse.")
    _arguments(p)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    # accept negative fractions as values (``--rho -1/10``); argparse only knows -3 and -0.1.
    # (``--rho=-1/10`` works with any argparse.)
    if hasattr(p, "_negative_number_matcher"):
        p._negative_number_matcher = _NEGATIVE
    p.add_argument("theorem", nargs="?", help="registry theorem id (e.g. eg+.best_iterate); or use --method/--bound")
    p.add_argument("--method", help="registered method name (with --bound)")
    p.add_argument("--bound", help="claimed constant, exact (e.g. 27/256): metric <= bound ||z0 - z*||^2")
    p.add_argument("--n", type=int, default=None, help="number of steps N")
    p.add_argument("--rho", help="comonotonicity rho (SPEC sign; -1/10 is 1/10-cohypomonotone)")
    p.add_argument("--L", dest="L", default=None, help="Lipschitz constant (omit: set-valued class)")
    for name in _PARAMS:
        p.add_argument(f"--{name}", default=None)
    p.add_argument("--metric", default="operator", choices=("operator", "step", "distance", "resolvent"))
    p.add_argument("--iterate", default="last", choices=("last", "best"))
    p.add_argument("--json", dest="json_out", default=None, help="write the certificate (or refusal) here")
    p.add_argument("--allow-epsilon", action="store_true", help="exit 0 also for a proof of bound + epsilon")
    p.add_argument("--check", default=None, help="only re-check a certificate JSON file (independent checker)")
    p.add_argument("--potential", action="store_true",
                   help="across all N: find a potential V_k = ||z_k - z*||^2 + c k ||u_k||^2, verified symbolically")


def run(args: argparse.Namespace) -> int:
    """Execute ``prove`` for parsed ``args``; print the proof or the refusal; return the exit status."""
    from .checker import check_file

    if args.check:
        try:
            ok, problems = check_file(args.check)
        except (OSError, json.JSONDecodeError) as exc:
            print(f"error: cannot read {args.check}: {exc}", file=sys.stderr)
            return 2
        print(f"{args.check}: {'VALID' if ok else 'INVALID'}" + "".join(f"\n  {m}" for m in problems))
        return 0 if ok else 1
    if args.potential:
        return _potential(args)
    try:
        proof = _prove(args)
    except ValueError as exc:  # includes NotRepresentable and unknown theorems
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if proof.text:
        print(proof.text)
    print(proof.message if proof.message.startswith(proof.status) else f"{proof.status}: {proof.message}")
    if proof.counterexample:
        print(f"counterexample (run with monoverify.solvers.run): {proof.counterexample['description']}, "
              f"metric {proof.counterexample['value']:.9g} > claim {float(_q(proof.claimed)):.9g}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(proof.certificate if proof.certificate else proof.to_dict(), fh, indent=1)
    if proof.status == "proved" or (proof.status == "proved_epsilon" and args.allow_epsilon):
        return 0
    return 1


def _potential(args: argparse.Namespace) -> int:
    from .lyapunov import find_potential
    from .symbolic import exact

    try:
        if args.rho is None:
            raise ValueError("--rho is required")
        if args.theorem:
            from .theorem import theorem_claim

            params = {"rho": args.rho, "L": args.L}
            params.update({k: getattr(args, k) for k in _PARAMS if getattr(args, k) is not None})
            c = theorem_claim(args.theorem, args.n or 1, params)
            method, rho, L, metric = c["method"], c["rho"], c["L"], c["metric"]
        else:
            from monoverify.solvers import METHODS, make

            if args.method not in METHODS:
                raise ValueError(f"unknown method {args.method!r}; known: {sorted(METHODS)}")
            kw = {k: (int(getattr(args, k)) if k == "tau" else exact(k, getattr(args, k)))
                  for k in METHODS[args.method].params if getattr(args, k, None) is not None}
            method, rho = make(args.method, **kw), exact("rho", args.rho)
            L = None if args.L is None else exact("L", args.L)
            metric = args.metric
        pot = find_potential(method, rho, L, metric)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(pot.text or f"{pot.status}: {pot.message}")
    return 0 if pot.success else 1


def _q(s: str):
    from fractions import Fraction

    return Fraction(s)


def _prove(args: argparse.Namespace):
    from .core import prove
    from .symbolic import exact
    from .theorem import prove_theorem

    if args.n is None:
        raise ValueError("--n (number of steps) is required")
    if args.rho is None:
        raise ValueError("--rho is required")
    if args.theorem:
        params = {"rho": args.rho, "L": args.L}
        params.update({k: getattr(args, k) for k in _PARAMS if getattr(args, k) is not None})
        if params.get("tau") is not None:
            params["tau"] = int(params["tau"])
        return prove_theorem(args.theorem, args.n, params)
    if not args.method or args.bound is None:
        raise ValueError("give a registry theorem id, or --method and --bound")
    from monoverify.solvers import METHODS, make

    spec = METHODS.get(args.method)
    if spec is None:
        raise ValueError(f"unknown method {args.method!r}; known: {sorted(METHODS)}")
    kw = {}
    for k in spec.params:
        v = getattr(args, k, None)
        if v is not None:
            kw[k] = int(v) if k == "tau" else exact(k, v)
    method = make(args.method, **kw)
    describe = f"{args.method}(" + ", ".join(f"{k}={v}" for k, v in kw.items()) + ")"
    L = None if args.L is None else exact("L", args.L)
    return prove(method, exact("rho", args.rho), L, args.n, exact("bound", args.bound), args.metric, args.iterate,
                 describe=describe)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m monoverify.theory.prove.cli ...``)."""
    p = argparse.ArgumentParser(prog="monoverify prove")
    _arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
