"""``monoverify prove``: argparse wiring (``add_parser(subparsers)``) and ``run(args) -> int``.

Exit status: 0 proved (exactly, or ``bound + epsilon`` when ``--allow-epsilon``) or a valid
certificate, 1 refused (false claim, or no certificate) or an invalid certificate, 2 user error.
Every option a mode does not use is a user error (a theorem fixes its method, bound, metric and
iterate; a method uses only its own parameters; ``--check`` uses nothing else).

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

from monoverify.errors import InvalidValue, UnknownName, UnusedOption, UserError

__all__ = ["add_parser", "run", "main", "MAX_POINTS"]

_PARAMS = ("gamma", "alpha", "lam", "tau", "sigma")
_NEGATIVE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d+/\d+$")
#: evaluated points (oracle calls) above which a proof is refused unless ``--max-points`` raises it:
#: the SDP has one Gram entry per pair of points and up to two inequalities per pair
MAX_POINTS = 200
#: every option and its default, to tell which ones a user gave
_OPTIONS = {"method": None, "bound": None, "n": None, "rho": None, "L": None, **{k: None for k in _PARAMS},
            "metric": None, "iterate": None, "json_out": None, "allow_epsilon": False, "check": None,
            "potential": False, "max_points": None}
_FLAG = {"json_out": "--json", "allow_epsilon": "--allow-epsilon", "max_points": "--max-points"}


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
    p.add_argument("--bound", help="claimed constant, exact (e.g. 27/256): metric <= bound ||z0 - z*||^2 "
                                   "(with --method; a theorem's bound is its own)")
    p.add_argument("--n", type=int, default=None, help="number of steps N")
    p.add_argument("--rho", help="comonotonicity rho (sign of the mathematics page; -1/10 is 1/10-cohypomonotone)")
    p.add_argument("--L", dest="L", default=None, help="Lipschitz constant (omit: set-valued class)")
    for name in _PARAMS:
        p.add_argument(f"--{name}", default=None)
    p.add_argument("--metric", default=None, choices=("operator", "step", "distance", "resolvent"),
                   help="with --method (default operator); a theorem fixes its metric")
    p.add_argument("--iterate", default=None, choices=("last", "best"),
                   help="with --method (default last); a theorem fixes it")
    p.add_argument("--json", dest="json_out", default=None, help="write the certificate (or refusal, or potential) here")
    p.add_argument("--allow-epsilon", action="store_true", help="exit 0 also for a proof of bound + epsilon")
    p.add_argument("--check", default=None, help="only re-check a certificate JSON file: the identity exactly and "
                                                 "every field of its claim derived again from the method")
    p.add_argument("--potential", action="store_true",
                   help="across all N: find a potential V_k = ||z_k - z*||^2 + c k ||u_k||^2, verified symbolically")
    p.add_argument("--max-points", dest="max_points", type=int, default=None,
                   help=f"refuse claims with more evaluated points than this (default {MAX_POINTS}; the SDP grows "
                        "as its square)")


def _given(args: argparse.Namespace) -> set:
    return {k for k, d in _OPTIONS.items() if getattr(args, k, d) not in (d, None) or
            (isinstance(d, bool) and getattr(args, k, d))}


def _refuse_unused(args: argparse.Namespace, allowed: set, why: str) -> None:
    extra = sorted(_given(args) - allowed)
    if extra:
        names = ", ".join(_FLAG.get(k, f"--{k}") for k in extra)
        raise UnusedOption(f"{names} {'is' if len(extra) == 1 else 'are'} not used {why}")


def _tau(v: Any) -> int:
    try:
        t = int(str(v).strip())
    except ValueError:
        raise InvalidValue(f"tau must be an integer >= 1, got tau={v!r}") from None
    if t < 1:
        raise InvalidValue(f"tau must be an integer >= 1, got tau={v!r}")
    return t


def _method_from_args(args: argparse.Namespace):
    """``(method, registered, name text)`` from ``--method`` and its parameters (unused ones refused)."""
    from monoverify.solvers import METHODS, make

    from .symbolic import exact

    spec = METHODS.get(args.method)
    if spec is None:
        import difflib

        close = difflib.get_close_matches(str(args.method), METHODS, n=2)
        raise UnknownName(f"unknown method {args.method!r}" + (f"; did you mean {' or '.join(close)}?" if close else "")
                          + f"; known: {sorted(METHODS)}")
    unused = [k for k in _PARAMS if getattr(args, k) is not None and k not in spec.params]
    if unused:
        raise UnusedOption(f"method {args.method} does not use {', '.join('--' + k for k in unused)}; "
                           f"its parameters: {', '.join(spec.params) or 'none'}")
    kw = {k: (_tau(getattr(args, k)) if k == "tau" else exact(k, getattr(args, k)))
          for k in spec.params if getattr(args, k, None) is not None}
    return make(args.method, **kw), (args.method, kw)


def _theorem_params(args: argparse.Namespace) -> dict:
    """Parameters for a registry theorem; refuses options the theorem does not use."""
    from monoverify.theory.theorems import get

    th = get(args.theorem)
    uses = set(th.free_parameters()) | {"rho", "L"}
    unused = [k for k in _PARAMS if getattr(args, k) is not None and k not in uses]
    if unused:
        raise UnusedOption(f"theorem {th.id} does not use {', '.join('--' + k for k in unused)}; it uses "
                           f"{', '.join('--' + k for k in sorted(uses - {'K', 'D0'}))}")
    params = {"rho": args.rho, "L": args.L}
    params.update({k: getattr(args, k) for k in _PARAMS if getattr(args, k) is not None})
    if params.get("tau") is not None:
        params["tau"] = _tau(params["tau"])
    return params


def run(args: argparse.Namespace) -> int:
    """Execute ``prove`` for parsed ``args``; print the proof or the refusal; return the exit status."""
    try:
        if args.check:
            _refuse_unused(args, {"check"}, "with --check (it re-checks a file)")
            return _check(args.check)
        if args.potential:
            return _potential(args)
        proof = _prove(args)
    except UserError:
        raise
    except (ValueError, KeyError) as exc:  # NotRepresentable, SpecError and parse errors of exact values
        raise InvalidValue(str(exc).strip("'\"")) from None
    if proof.text:
        print(proof.text)
    print(proof.message if proof.message.startswith(proof.status) else f"{proof.status}: {proof.message}")
    if proof.counterexample:
        print(f"counterexample (run with monoverify.solvers.run): {proof.counterexample['description']}, "
              f"metric {proof.counterexample['value']:.9g} > claim {float(_q(proof.claimed)):.9g}")
    if args.json_out:
        _write_json(args.json_out, proof.certificate if proof.certificate else proof.to_dict())
    if proof.status == "proved" or (proof.status == "proved_epsilon" and args.allow_epsilon):
        return 0
    return 1


def _write_json(path: str, data: Any) -> None:
    from monoverify.atomic import write_text

    write_text(path, json.dumps(data, indent=1))


def _check(path: str) -> int:
    from .certificate import check_file

    try:
        ok, problems, claim = check_file(path)
    except (OSError, ValueError) as exc:
        print(f"{path}: INVALID (cannot read a JSON certificate: {exc})")
        return 1
    if ok:
        print(f"{path}: VALID\n  proves: {claim}")
    else:
        print(f"{path}: INVALID" + "".join(f"\n  {m}" for m in problems))
    return 0 if ok else 1


def _potential(args: argparse.Namespace) -> int:
    from .lyapunov import find_potential
    from .symbolic import exact

    _refuse_unused(args, {"method", "rho", "L", "metric", "json_out", "potential", "max_points", *_PARAMS},
                   "with --potential (it proves a bound for every N)")
    if args.rho is None:
        raise InvalidValue("--rho is required (e.g. --rho -1/5)")
    if args.theorem:
        from .theorem import theorem_claim

        if args.method or args.metric:
            raise UnusedOption("--method and --metric are not used with a theorem id: the theorem fixes them")
        c = theorem_claim(args.theorem, 1, _theorem_params(args))
        method, rho, L = c["method"], c["rho"], c["L"]
        metric = {"operator_sq": "operator", "resolvent_residual_sq": "resolvent"}.get(c["metric"])
        if metric is None:
            raise InvalidValue(f"theorem {args.theorem}: --potential handles the operator and resolvent metrics, "
                               f"not {c['metric']}")
    else:
        if not args.method:
            raise InvalidValue("give a registry theorem id or --method")
        method, _ = _method_from_args(args)
        rho = exact("rho", args.rho)
        L = None if args.L is None else exact("L", args.L)
        metric = args.metric or "operator"
        if metric not in ("operator", "resolvent"):
            raise InvalidValue(f"--potential handles --metric operator or resolvent, got --metric {metric}")
    # one step of the method is the potential's SDP: its size first (tau inner steps are tau points)
    _guard_size(method, 1, args.max_points)
    pot = find_potential(method, rho, L, metric)
    print(pot.text or f"{pot.status}: {pot.message}")
    if args.json_out:
        _write_json(args.json_out, pot.to_dict())
    return 0 if pot.success else 1


def _q(s: str):
    from fractions import Fraction

    return Fraction(s)


def _guard_size(method: Any, n: int, limit: int | None) -> None:
    """Refuse a claim whose SDP would be too large, before tracing ``n`` steps (cost estimate from one step)."""
    from .symbolic import ExactOracle, trace

    limit = MAX_POINTS if limit is None else limit
    if limit < 1:
        raise InvalidValue(f"--max-points must be an integer >= 1, got {limit}")
    o = ExactOracle()
    trace(method, 1, o)
    per_step = max(1, len(o.points) - 1)
    points = per_step * n
    if points > limit:
        raise InvalidValue(f"n={n} needs about {points} evaluated points ({per_step} per step), an SDP with "
                           f"{points + 1}x{points + 1} Gram matrix and about {points * (points + 1)} inequalities; "
                           f"the limit is {limit} points (raise it with --max-points {points})")


def _prove(args: argparse.Namespace):
    from .core import prove
    from .symbolic import exact
    from .theorem import theorem_claim

    if args.n is None:
        raise InvalidValue("--n (number of steps) is required")
    if args.n < 1:
        raise InvalidValue(f"n must be an integer >= 1, got n={args.n}")
    if args.rho is None:
        raise InvalidValue("--rho is required (e.g. --rho -1/10)")
    if args.theorem:
        fixed = [f for f in ("method", "bound", "metric", "iterate") if getattr(args, f) is not None]
        if fixed:
            raise UnusedOption(f"{', '.join('--' + f for f in fixed)} {'is' if len(fixed) == 1 else 'are'} not used "
                               f"with a theorem id: theorem {args.theorem} fixes its method, bound, metric and iterate "
                               f"(to prove another claim, use --method M --bound B [--metric X])")
        c = theorem_claim(args.theorem, args.n, _theorem_params(args))
        _guard_size(c["method"], args.n, args.max_points)
        return prove(c["method"], c["rho"], c["L"], c["n"], c["bound"], c["metric"], c["iterate"],
                     registered=c["registered"], theorem=c["theorem"])
    if not args.method or args.bound is None:
        raise InvalidValue("give a registry theorem id, or --method and --bound")
    method, registered = _method_from_args(args)
    L = None if args.L is None else exact("L", args.L)
    bound = exact("bound", args.bound)
    _guard_size(method, args.n, args.max_points)
    return prove(method, exact("rho", args.rho), L, args.n, bound, args.metric or "operator", args.iterate or "last",
                 registered=registered)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m monoverify.theory.prove.cli ...``): user errors exit 2."""
    p = argparse.ArgumentParser(prog="monoverify prove")
    _arguments(p)
    try:
        return run(p.parse_args(argv))
    except (UserError, OSError) as exc:
        print(f"monoverify prove: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
