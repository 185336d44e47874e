"""Registry entries ``dln.*``: gradient flows of diagonal linear networks beyond monotonicity (issue 28).

Source: Wind, Antun & Hansen, *Implicit regularization in AI meets generalized hardness of approximation in
optimization -- sharp results for diagonal linear networks*, arXiv 2307.07410 (WAH23). Only its abstract could
be read; it claims (quoted) that "the gradient flow of DLNs with tiny initialization approximates minimizers of
the basis pursuit optimization problem (as opposed to just the objective function)", with "new and sharp
convergence bounds w.r.t. the initialization size", and that "which l1 minimizer of the basis pursuit problem is
chosen by the gradient flow whenever the minimizer is not unique ... depends on the depth of the DLN". Its
theorem statements, constants and exponents could not be read: every bound below is either derived here (with
its proof in :mod:`monoverify.operators.dln` / this docstring) or a reconstruction. Also read, as abstracts
only: Matt & Stöger 2025 (arXiv 2506.01143): "for D >= 3, the error decreases linearly with alpha, whereas for
D = 2, it decreases at rate alpha^(1 - varrho), where the parameter varrho in [0, 1) can be explicitly
characterized ... closely linked to ... null space property constants"; Woodworth et al. 2020 and Chou, Maly &
Rauhut ("More is less", 2021/23): the l1 implicit bias of small initialisation.

Notation: ``alpha0`` is the initialisation ``u = v = alpha0 1`` (so the regression vector's scale is
``beta = alpha0^depth``), ``w_inf`` the flow's limit, ``S`` the set of basis pursuit minimisers, ``wstar`` the
Euclidean norm of a minimiser, ``l1star = min ||w||_1``, ``varrho`` the certificate constant
``min_nu max_{j not in T} |a_j^T nu|`` (:class:`~monoverify.operators.basis_pursuit.BasisPursuit`), ``ksharp =
max_{j not in T} ||A_T^+ a_j||_2``. The regularisation strength of the flow's potential is
``eps_2 = log 10 / log(1/alpha0)`` and ``eps_D = (10 alpha0)^(D-2)`` (normalised to 1 at ``alpha0 = 1/10``).

Hypotheses. What the symbols can say is in ``hypotheses``: ``alpha0 <= 1/10`` (``alpha0 > 0`` is the symbol's
own assumption), ``depth >= 2``, and where a bound divides by ``1 - varrho`` a strict certificate ``varrho < 1``;
``dln.rate`` is asymptotic, ``alpha0 <= 1/100``. What they cannot say -- the sensing matrices are Gaussian,
``depth`` is an integer, ``A w = b`` is solvable, ``dln.sharp_minimum`` and ``dln.distance``'s constants are
those of the problem's basis pursuit -- is the class of the battery of :mod:`monoverify.theory.judge.dln`,
which builds only such problems (``family = ("dln",)``, a name no operator family uses). These theorems are
about a gradient flow, not one of the registered methods: ``method`` is ``None``. Checked by
:func:`monoverify.theory.judge.dln.dln_observations`, which judges a cell only where ``hypotheses`` hold.
"""

from __future__ import annotations

import sympy as sp

from .core import SYMBOLS, Theorem, register

__all__ = ["EPS", "RATE_EXPONENT"]

alpha0, depth, wstar, l1star = (SYMBOLS[k] for k in ("alpha0", "depth", "wstar", "l1star"))
varrho, ksharp, l1gap, dother = (SYMBOLS[k] for k in ("varrho", "ksharp", "l1gap", "dother"))

#: the potential's regularisation strength, normalised to 1 at alpha0 = 1/10 [derived]
EPS = sp.Piecewise((sp.log(10) / sp.log(1 / alpha0), sp.Eq(depth, 2)), ((10 * alpha0) ** (depth - 2), True))
#: the generic sharp exponent of dist(w_inf, S) in decades of alpha0 [reconstruction of Matt & Stöger 2025]
RATE_EXPONENT = sp.Piecewise((2 * (1 - varrho), sp.Eq(depth, 2)), (depth, True))

#: the class of every dln.* statement (alpha0 > 0 is the symbol's assumption)
_CLASS = sp.And(alpha0 <= sp.Rational(1, 10), depth >= 2)
_COMMON = dict(method=None, kind="property", family=("dln",), iterate="last")
_SRC = "Wind, Antun & Hansen, arXiv 2307.07410 (abstract only)"

register(Theorem(
    id="dln.potential",
    title="The DLN gradient flow converges to the minimiser of its potential Q_{alpha,D} on {A w = b}",
    source="derived (closed form of the flow + KKT); the statement of Woodworth et al. 2020, Thm. 1 and its depth-D form",
    provenance="derived",
    metric="dln_potential",
    bound=sp.Rational(1, 10 ** 6) * (1 + wstar),
    note="The flow is integrated (solve_ivp, LSODA, in (log u, log v), rtol 1e-10) until ||A w - b|| <= 1e-11 (1 + ||b||); "
         "the potential's minimiser comes from Newton on its concave dual (operators.dln.flow_limit). Both are independent "
         "computations; the theorem says they agree. Cells where the ODE did not converge within its budget are not judged.",
    hypotheses=_CLASS,
    **_COMMON,
))

register(Theorem(
    id="dln.l1_gap",
    title="The l1 norm of the DLN flow limit tends to the basis pursuit value at the rate eps_D(alpha0)",
    source=f"{_SRC}; rate eps_D and constant l1star reconstructed",
    provenance="reconstruction",
    metric="dln_l1_gap",
    bound=l1star * EPS,
    rate="O(1/log(1/alpha0)) for depth 2, O(alpha0^(depth-2)) for depth >= 3",
    note="Read (abstract): 'the l1-norm of the gradient flow of DLNs with tiny initialization converges to the objective "
         "function of basis pursuit'. The rate is the regularisation strength of the potential (operators.dln: "
         "Q = ||w||_1 + eps R_D(w) + ...), a worst-case rate over problems: on a fixed generic problem the gap decays "
         "polynomially (see dln.rate).",
    hypotheses=_CLASS,
    **_COMMON,
))

register(Theorem(
    id="dln.distance",
    title="The DLN flow limit approaches the basis pursuit minimisers: dist(w_inf, S) <= ||w*|| eps_D(alpha0) / (1 - varrho)",
    source=f"{_SRC}; the main claim ('approximates minimizers of the basis pursuit optimization problem'), rate and "
           "constant reconstructed",
    provenance="reconstruction",
    metric="dln_distance",
    bound=wstar * EPS / (1 - varrho),
    rate="O(1/log(1/alpha0)) for depth 2, O(alpha0^(depth-2)) for depth >= 3",
    note="S is the whole set of minimisers (a polytope when not unique; the distance is a small QP). The rate eps_D is our "
         "reading of WAH23's 'sharp convergence bounds w.r.t. the initialization size' (sharp over problem classes, "
         "where varrho -> 1); the constant ||w*||_2 / (1 - varrho) is ours: 1/(1 - varrho) is the conditioning of basis "
         "pursuit (the weak-sharp-minimum constant of dln.sharp_minimum), which no uniform bound can avoid. With the "
         "constant ||w*||_2 alone the statement fails before the asymptotic regime on problems with varrho near 1 (a "
         "12x40 problem with varrho = 0.89 has ratio 1.14 at alpha0 = 1e-3, depth 2).",
    hypotheses=sp.And(_CLASS, varrho < 1),
    **_COMMON,
))

register(Theorem(
    id="dln.rate",
    title="dist(w_inf, S) decays no faster than alpha0^p per decade, p = 2(1 - varrho) (depth 2), depth (depth >= 3)",
    source="Matt & Stöger, arXiv 2506.01143 (abstract only): alpha^(1-varrho) for D = 2, linear for D >= 3; the "
           "parametrisation (their alpha = our alpha0^depth), varrho's characterisation and the slack 2 reconstructed",
    provenance="reconstruction",
    metric="dln_rate",
    bound=2 * 10 ** RATE_EXPONENT,
    rate="dist = Theta(alpha0^(2(1 - varrho))) for depth 2, Theta(alpha0^depth) for depth >= 3",
    note="The measured quantity is the contraction dist(alpha0)/dist(alpha0/10) over one decade, for alpha0 <= 1e-2; the "
         "statement is the lower half of a sharp rate: the distance shrinks by at most 2 x 10^p per decade. varrho is the "
         "minimal off-support magnitude of a dual certificate (one LP; derived: the flow's dual variable is theta = "
         "log(1/beta) mu + O(1) with mu a dual certificate that the exponentially small off-support terms push to the "
         "minimax one). Approached from below as alpha0 -> 0 (slowly when varrho is near 1).",
    hypotheses=sp.And(alpha0 <= sp.Rational(1, 100), depth >= 2),
    **_COMMON,
))

register(Theorem(
    id="dln.sharp_minimum",
    title="Weak sharp minimum of basis pursuit: dist(w, w*) <= (1 + ksharp)/(1 - varrho) (||w||_1 - ||w*||_1) on A w = b",
    source="derived (dual certificate + A_T^+); standard for l1 minimisation with a strict certificate",
    provenance="derived",
    metric="dln_sharp_minimum",
    bound=l1gap * (1 + ksharp) / (1 - varrho),
    note="Proof: h = w - w* in ker A; ||w||_1 - ||w*||_1 >= s^T h_T + ||h_{T^c}||_1 >= (1 - varrho) ||h_{T^c}||_1 "
         "(s = A_T^T nu), and h_T = -A_T^+ A_{T^c} h_{T^c}, so ||h||_2 <= (1 + ksharp) ||h_{T^c}||_1. Evaluated at the "
         "flow limits of the unique-minimiser problems: why approximating the objective (dln.l1_gap) gives the "
         "minimiser (dln.distance).",
    hypotheses=sp.And(_CLASS, varrho < 1),
    **_COMMON,
))

register(Theorem(
    id="dln.selection",
    title="Among non-unique minimisers the depth-D flow selects argmin sum |w| log |w| (D = 2) or argmax sum |w|^(2/D) (D >= 3)",
    source=f"{_SRC} ('which l1 minimizer ... depends on the depth'); the rule derived from the potential's expansion",
    provenance="reconstruction",
    metric="dln_selection",
    bound=dother / 2,
    note="Measured: the distance from the minimiser nearest to the flow limit (its projection onto S) to the depth's "
         "selected minimiser, at every alpha0 where the limit is within a quarter of the two selections' separation of S "
         "(before, it has not chosen: depth 2 with varrho near 1 needs alpha0 < 1e-8); bound: half the distance from that "
         "projection to the other depth's selection, i.e. the flow heads at least twice as close to its own rule as to the "
         "other (the two selections differ by 0.02-0.03 on the battery's segments). The off-face part of w_inf is dln.distance.",
    hypotheses=_CLASS,
    **_COMMON,
))
