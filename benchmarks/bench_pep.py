"""Overhead of the PEP layer: ``monoverify.theory.pep.worst_case`` vs a hand-written PEPit script.

Problem: proximal point, N = 5, gamma = 1, on the set-valued rho-comonotone class (no Lipschitz
constraint), rho = -0.2, metric ||g_N||^2 with g_N in T z_N, ||z0 - z*||^2 <= 1 (SPEC §7). The
hand-written script uses PEPit's own ``NegativelyComonotoneOperator(rho=0.2)`` (the same pairwise
inequality, SPEC §1.3). Both run in the same process, interleaved, with the same solver
(Clarabel through CVXPY) and the cache disabled; the median of the paired time ratios is printed
(target <= 1.2; also the ratios of medians and of minima) together with both values, which must
agree.

Second part (``--sweep-rounds``, default 3): a 50-cell sweep of the same PP PEP (N = 5), gamma in {0.6, 0.8,
1.0, 1.2, 1.5} x rho in 10 values of [-0.2, 0.3], through ``worst_case_many`` (the compiled SDP of
``theory.pep.compiled``, cache off, its per-method data rebuilt at the start of every round) against the
hand-written PEPit script cell by cell; rounds interleaved, the values checked to agree to 1e-6
relative; printed: the median over rounds of the sweep times and their ratio hand / ours (target >= 3).

Run: ``python benchmarks/bench_pep.py [--reps 30] [--sweep-rounds 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import gc
import statistics
import sys
import time


def hand_written(n: int, gamma: float, rho: float, solver: str) -> float:
    from PEPit import PEP
    from PEPit.operators import NegativelyComonotoneOperator
    from PEPit.primitive_steps import proximal_step

    problem = PEP()
    A = problem.declare_function(NegativelyComonotoneOperator, rho=-rho)
    xs = A.stationary_point()
    x0 = problem.set_initial_point()
    problem.set_initial_condition((x0 - xs) ** 2 <= 1)
    x = x0
    for _ in range(n):
        x, gx, _ = proximal_step(x, A, gamma)
    problem.set_performance_metric(gx ** 2)
    return problem.solve(wrapper="cvxpy", solver=solver, verbose=0)


def ours(n: int, gamma: float, rho: float, solver: str) -> float:
    from monoverify.solvers import make
    from monoverify.theory.pep import worst_case

    r = worst_case(make("pp", gamma=gamma), rho, None, n, "operator", solver=solver, cache=False)
    if not r.ok:
        raise RuntimeError(f"PEP not solved: {r.status} ({r.message})")
    return float(r.value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--gamma", type=float, default=1.0)
    ap.add_argument("--rho", type=float, default=-0.2)
    ap.add_argument("--solver", default="CLARABEL")
    ap.add_argument("--sweep-rounds", type=int, default=3)
    args = ap.parse_args(argv)
    n, gamma, rho, solver = args.n, args.gamma, args.rho, args.solver

    # warm-up (imports, CVXPY/solver first-call costs) for both
    hand_written(n, gamma, rho, solver)
    ours(n, gamma, rho, solver)

    t_hand, t_ours, v_hand, v_ours = [], [], None, None
    for _ in range(args.reps):
        gc.collect()
        t = time.perf_counter()
        v_hand = hand_written(n, gamma, rho, solver)
        t_hand.append(time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        v_ours = ours(n, gamma, rho, solver)
        t_ours.append(time.perf_counter() - t)

    med_h, med_o = statistics.median(t_hand), statistics.median(t_ours)
    # paired (interleaved) ratios are robust to load drifting during the run on shared machines
    ratio = statistics.median(o / h for o, h in zip(t_ours, t_hand))
    diff = abs(v_ours - v_hand)
    agree = diff <= 1e-6 * max(1.0, abs(v_hand))
    bound = 1 / (gamma * (gamma + 2 * rho) * n)
    print(f"PEP layer benchmark: PP, N={n}, gamma={gamma:g}, rho={rho:g} (set-valued rho-comonotone class), "
          f"solver {solver}, {args.reps} interleaved repetitions, cache off")
    print(f"  hand-written PEPit script : median {med_h * 1e3:8.2f} ms  (min {min(t_hand) * 1e3:.2f})  "
          f"value {v_hand:.9f}")
    print(f"  monoverify worst_case     : median {med_o * 1e3:8.2f} ms  (min {min(t_ours) * 1e3:.2f})  "
          f"value {v_ours:.9f}")
    print(f"  ratio ours/hand           : {ratio:.3f} (median of paired ratios; target <= 1.2: "
          f"{'met' if ratio <= 1.2 else 'NOT met'}); ratio of medians {med_o / med_h:.3f}, "
          f"of minima {min(t_ours) / min(t_hand):.3f}")
    print(f"  values agree              : {agree}  (|difference| = {diff:.2e}); R5 bound 1/(g(g+2rho)N) = {bound:.6f}")

    # for information: a cached call
    import tempfile

    from monoverify.solvers import make
    from monoverify.theory.pep import worst_case

    with tempfile.TemporaryDirectory() as d:
        worst_case(make("pp", gamma=gamma), rho, None, n, solver=solver, cache=d)
        t = time.perf_counter()
        r = worst_case(make("pp", gamma=gamma), rho, None, n, solver=solver, cache=d)
        print(f"  cached repeat call        : {(time.perf_counter() - t) * 1e3:8.2f} ms  (cached={r.cached})")
    ok = sweep(args.n, args.sweep_rounds, solver) if args.sweep_rounds > 0 else True
    return 0 if agree and ok else 1


def sweep(n: int, rounds: int, solver: str) -> bool:
    """The 50-cell sweep: PEPit by hand, cell by cell, against worst_case_many (compiled SDP)."""
    import os

    import numpy as np

    from monoverify.solvers import make
    from monoverify.theory.pep import compiled, worst_case_many

    cells = [(g, float(r)) for g in (0.6, 0.8, 1.0, 1.2, 1.5) for r in np.linspace(-0.2, 0.3, 10)]
    load0 = os.getloadavg()
    t_hand, t_ours = [], []
    for _ in range(rounds):
        gc.collect()
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):   # PEPit notes rho < 0 of its class for rho > 0 here
            v_hand = [hand_written(n, g, r, solver) for g, r in cells]
        t_hand.append(time.perf_counter() - t)
        gc.collect()
        compiled._PROGRAMS.clear()
        t = time.perf_counter()
        rs = worst_case_many([dict(method=make("pp", gamma=g), rho=r, L=None, n_iter=n, cache=False) for g, r in cells])
        t_ours.append(time.perf_counter() - t)
    v_ours = [r.value for r in rs]
    agree = all(r.status == "optimal" and "compiled SDP" in r.message for r in rs) and all(
        abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(v_ours, v_hand))
    worst = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(v_ours, v_hand))
    mh, mo = statistics.median(t_hand), statistics.median(t_ours)
    print(f"50-cell sweep, PP N={n} (gamma x rho), {rounds} interleaved rounds, cache off:")
    print(f"  PEPit by hand, cell by cell : median {mh:7.3f} s  (min {min(t_hand):.3f})")
    print(f"  worst_case_many (compiled)  : median {mo:7.3f} s  (min {min(t_ours):.3f})")
    print(f"  ratio hand / ours           : {mh / mo:.2f} (target >= 3: {'met' if mh / mo >= 3 else 'NOT met'}); "
          f"values agree: {agree} (max relative difference {worst:.1e}); load average {load0[0]:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")
    return agree


if __name__ == "__main__":
    sys.exit(main())
