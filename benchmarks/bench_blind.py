"""How often the blind judge catches wrong statements it has never seen, and never calls a true one violated.

Every variant of ``tests/_blind_variants.py`` (built with ``dataclasses.replace`` from a registered
theorem, its truth decided there by mathematics) is judged with ``check(variant, quick=...)`` exactly
as a newly registered theorem. Prints one line per variant and the score per cause::

    .venv/bin/python benchmarks/bench_blind.py            # quick and full
    .venv/bin/python benchmarks/bench_blind.py --quick     # quick only
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _blind_variants import VARIANTS  # noqa: E402

from monoverify.theory.judge import check  # noqa: E402


def outcome(truth: str, verdict: str) -> str:
    if truth == "wrong":
        return "caught" if verdict in ("violated", "finding") else "MISSED"
    if truth == "true":
        return "FALSE ALARM" if verdict == "violated" else "ok"
    return "ok" if verdict == "inconclusive" else "NOT UNDECIDABLE"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="quick batteries only")
    ap.add_argument("--only", default=None, help="variants whose name contains this")
    args = ap.parse_args()
    modes = (True,) if args.quick else (True, False)
    for quick in modes:
        tally: dict = {}
        t0 = time.perf_counter()
        for name, cause, truth, build, _why in VARIANTS:
            if args.only and args.only not in name:
                continue
            t = time.perf_counter()
            try:
                r = check(build(), quick=quick)
                verdict, ratio = r.verdict, r.worst_ratio
            except ValueError as exc:   # refused: the method is undefined in the variant's region
                verdict, ratio = "refused", float("nan")
                _ = exc
            res = outcome(truth, "violated" if verdict == "refused" and truth == "wrong" else verdict)
            ok, n = tally.get(cause, (0, 0))
            tally[cause] = (ok + (res in ("caught", "ok")), n + 1)
            print(f"{'quick' if quick else 'full ':5s} {cause:8s} {name:40s} {verdict:12s} {ratio:10.4g} "
                  f"{time.perf_counter() - t:6.1f}s {res}", flush=True)
        wrong = [(c, v) for c, v in tally.items() if c not in ("true", "boundary")]
        k = sum(v[0] for _, v in wrong)
        n = sum(v[1] for _, v in wrong)
        print(f"{'quick' if quick else 'full'}: wrong variants caught {k}/{n}; "
              + "; ".join(f"{c} {a}/{b}" for c, (a, b) in tally.items())
              + f" ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
