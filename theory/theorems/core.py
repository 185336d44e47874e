"""Core of the theorem registry: :class:`Theorem`, :func:`register`, :func:`get`, the symbols
(``SYMBOLS``) and the shorthands shared by the entry modules."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import sympy as sp

from monoverify.errors import UnknownName

__all__ = ["Theorem", "THEOREMS", "get", "register", "SYMBOLS", "PROVENANCE", "KINDS", "UnknownTheorem",
           "rho", "L", "gamma", "lam", "alpha", "K", "D0", "D", "c0", "t", "c", "tau", "sigma", "theta",
           "C_GRID", "T_GRID", "LAM_GRID", "np", "sp"]

rho, L, gamma, lam, alpha, K, D0, D, c0, t, c = sp.symbols("rho L gamma lam alpha K D0 D c0 t c", real=True)
tau = sp.Symbol("tau", integer=True, positive=True)
SYMBOLS: dict[str, sp.Symbol] = {s.name: s for s in (rho, L, gamma, lam, alpha, tau, K, D0, D, c0)}
sigma = sp.Symbol("sigma", positive=True)    # oracle noise: E||F^(z) - F z||^2 <= sigma^2 (§3.5)
SYMBOLS["sigma"] = sigma
mu, beta = sp.symbols("mu beta", real=True)   # strong monotonicity of F (or of a summand); momentum (field.py)
SYMBOLS["mu"], SYMBOLS["beta"] = mu, beta
SYMBOLS.update({s.name: s for s in sp.symbols("alpha0 depth wstar l1star ksharp", positive=True) + sp.symbols("varrho l1gap dother", nonnegative=True)})  # issue 28: DLN initialisation scale, depth, basis-pursuit constants (theorems/dln.py)
#: ``conjecture``: a closed form discovered from PEP values (``monoverify discover``), not proved; judged like a
#: ``reconstruction``: a violation is a finding, never a failure
PROVENANCE = ("paper", "related", "derived", "reconstruction", "conjecture")
KINDS = ("rate", "region", "property")


class UnknownTheorem(UnknownName):
    """Raised for an unknown theorem id; the message suggests close names (a ``KeyError`` and a user error)."""


@dataclass(frozen=True)
class Theorem:
    """One registered result.

    Attributes
    ----------
    id, title, source : str
        Identifier (e.g. ``rapp.last_iterate``), human title, and where it comes from.
    provenance : str
        provenance tag (the Mathematics page, *Provenance tags*): ``paper`` | ``related`` | ``derived`` | ``reconstruction`` | ``conjecture`` (a closed form
        discovered from PEP values, :mod:`monoverify.theory.discover`; a violation is a finding).
    method : str or None
        Registered method name (``monoverify.solvers.METHODS``); ``method_params`` maps the
        method's parameters to SymPy expressions of the theorem's symbols.
    hypotheses : sympy.Boolean
        Relation over ``rho, L, gamma, lam, tau, alpha`` that the parameters must satisfy.
    bound : sympy.Expr or None
        Bound on the metric as an expression of ``K``, ``D0`` and the parameters (``rate`` and
        ``property`` kinds).
    condition : sympy.Boolean or None
        Exact convergence condition on ``family`` (``region`` kind): the method's spectral radius
        is < 1 iff the condition holds.
    metric : str
        What is bounded (see :mod:`monoverify.theory.metrics`).
    iterate : str
        ``last`` | ``best`` | ``n/a``.
    kind : str
        ``rate`` | ``region`` | ``property``.
    family : tuple of str
        Instance families of the default battery (``lower_bound``, ``random``, ``bilinear``,
        ``random_nonnormal``).
    grid : dict
        Candidate parameter values (``c``, ``t``, ``lam``, ``tau``, ``alpha``, ``K``, ``L``); the
        battery keeps the combinations that satisfy ``hypotheses``.
    derived : dict
        Parameters computed from others (e.g. RAPP's ``tau`` from ``K``), SymPy expressions.
    check_at : str
        ``all``: the bound must hold at every ``k <= K`` (with ``K := k``); ``final``: only at ``K``.
    pep : dict or None
        Where a worst-case certificate fits (:func:`monoverify.theory.judge.pep_sandwich`): the
        PEP objective is the theorem's own ``metric`` after ``K`` steps, compared with ``bound`` at
        ``K`` (no index or scale bridge); ``lipschitz`` (use ``L`` in the class; ``False``: the
        set-valued maximally rho-comonotone class, where the PEP is exact), ``cells`` (normalised
        parameter dicts) and ``Ks``.
    iterate_bound : sympy.Expr or None
        A hypothesis on the trajectory: ``sup_k ||z^k - z*|| <= iterate_bound`` (checked per
        instance; instances that break it are reported and excluded from the verdict).
    rate : str
        The O(.) statement whose exponent is fitted (``""`` when none).
    statement, statement_provenance : str
        When the bound checked is a substitute for a source's statement (e.g. a [derived] explicit
        bound standing in for a [reconstruction] of a paper's corollary): that statement and its
        tag. ``provenance`` is always the tag of the bound *checked* (§4): a violation of a
        ``derived`` substitute fails, whatever the tag of the statement it stands for.
    attack_cells : tuple of dict
        Normalised cells (``c``, ``t``, ``lam`` ..., optionally ``K``) that the adversarial search
        always attacks besides the declared PEP cells and the battery's worst cell (e.g. where a
        certified worst case is known).
    normal_only : bool
        The class holds normal linear maps only (e.g. ``lookahead.cycling_base``): non-normal
        instances (such as the PEP-fitted maps of :mod:`monoverify.theory.judge.pepfit`) are not candidates.
    unneeded : dict
        Hypothesis conjuncts (their ``str``) that the bound's derivation does not use, each with the
        reason (e.g. CEG+'s ``alpha <= 1``: the one-step inequality needs only ``2 rho + gamma (1 -
        alpha) > 0``). Relaxing one gives a true statement, an *equivalent* mutant: it is still
        judged, outside the mutation score unless it is killed (which would refute the reason).
    finding : str
        One line saying what a ``finding`` verdict of this theorem (a ``reconstruction`` exceeded)
        has found, when it is a known one, e.g. where and why the reconstructed bound fails;
        ``monoverify verify`` prints it with the finding and the docs' catalogue page shows it.
        Empty: verify says where the worst cell lies instead.
    schedule : tuple
        ``(b0, power)`` of the mini-batch schedule ``b_k = ceil(b0 (k + 1)^power)`` of the stochastic
        oracle of an expectation theorem (:class:`~monoverify.solvers.MiniBatch`, R32); empty:
        a constant batch of one sample.
    """

    id: str
    title: str
    source: str
    provenance: str
    method: str | None
    hypotheses: Any
    metric: str
    kind: str = "rate"
    bound: Any = None
    condition: Any = None
    iterate: str = "last"
    method_params: Mapping[str, Any] = field(default_factory=dict)
    family: tuple = ("lower_bound", "random")
    grid: Mapping[str, tuple] = field(default_factory=dict)
    derived: Mapping[str, Any] = field(default_factory=dict)
    check_at: str = "all"
    iterate_bound: Any = None
    pep: Mapping[str, Any] | None = None
    rate: str = ""
    note: str = ""
    statement: str = ""
    statement_provenance: str = ""
    attack_cells: tuple = ()
    normal_only: bool = False
    schedule: tuple = ()
    unneeded: Mapping[str, str] = field(default_factory=dict)
    finding: str = ""

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCE:
            raise ValueError(f"provenance must be one of {PROVENANCE}, got {self.provenance!r}")
        if self.statement_provenance and self.statement_provenance not in PROVENANCE:
            raise ValueError(f"statement_provenance must be one of {PROVENANCE} (or empty), "
                             f"got {self.statement_provenance!r}")
        if bool(self.statement) != bool(self.statement_provenance):
            raise ValueError(f"theorem {self.id}: statement and statement_provenance go together")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if sp.sympify(self.hypotheses) is sp.false:
            raise ValueError(f"theorem {self.id}: hypotheses are identically false (use sp.Eq for equalities)")
        if self.kind == "region" and self.condition is None:
            raise ValueError(f"theorem {self.id}: a region theorem needs a condition")
        if self.kind in ("rate", "property") and self.bound is None:
            raise ValueError(f"theorem {self.id}: a {self.kind} theorem needs a bound")
        named = {str(p) for p in conjuncts(self.hypotheses)}
        if set(self.unneeded) - named:
            raise ValueError(f"theorem {self.id}: unneeded names {sorted(set(self.unneeded) - named)}, which are not "
                             f"conjuncts of the hypotheses {sorted(named)}")
        if "\n" in self.finding:
            raise ValueError(f"theorem {self.id}: finding is one line (it is printed after the verdict)")
        if self.schedule:
            from monoverify.solvers.schedule import MiniBatch

            MiniBatch(*self.schedule)  # validates b0 and power

    # ------------------------------------------------------------------------------------
    def free_parameters(self) -> list[str]:  # noqa: D401
        """Names of the symbols the hypotheses, bound and method parameters depend on."""
        exprs = [self.hypotheses, self.bound, self.condition, *self.method_params.values(), *self.derived.values()]
        names = set()
        for e in exprs:
            if e is not None and not isinstance(e, (bool, int, float)):
                names |= {s.name for s in sp.sympify(e).free_symbols}
        return sorted(names - {"K", "D0"} - set(self.derived))

    def admits(self, **values: Any) -> bool:
        """Do the given parameter values satisfy the hypotheses?"""
        return bool(self.failed_hypotheses(**values) == [])

    def failed_hypotheses(self, **values: Any) -> list[str]:
        """The conjuncts of the hypotheses that the values violate (empty when all hold)."""
        # floats enter as their exact binary value, so a strict inequality at the boundary is
        # decided as the float arithmetic of the runs would decide it
        subs = {SYMBOLS[k]: sp.Rational(float(v)) if isinstance(v, (float, np.floating)) else sp.sympify(v)
                for k, v in values.items() if k in SYMBOLS}
        bad = []
        for p in conjuncts(self.hypotheses):
            val = p.subs(subs)
            if val.free_symbols:
                missing = sorted(s.name for s in val.free_symbols)
                raise ValueError(f"theorem {self.id}: hypotheses need values for {missing}")
            if not bool(val):
                bad.append(str(p))
        return bad

    def describe(self) -> dict:
        return {
            "id": self.id, "title": self.title, "source": self.source, "provenance": self.provenance,
            "method": self.method, "kind": self.kind, "hypotheses": str(self.hypotheses),
            "bound": None if self.bound is None else str(self.bound),
            "condition": None if self.condition is None else str(self.condition),
            "metric": self.metric, "iterate": self.iterate, "rate": self.rate, "note": self.note,
            "statement": self.statement, "statement_provenance": self.statement_provenance,
            "schedule": list(self.schedule), "unneeded": dict(self.unneeded), "finding": self.finding,
        }

    def tag(self) -> str:
        """The provenance shown in tables: ``derived`` or ``derived (stmt: reconstruction)``."""
        if self.statement_provenance and self.statement_provenance != self.provenance:
            return f"{self.provenance} (stmt: {self.statement_provenance})"
        return self.provenance


def conjuncts(expr: Any) -> tuple:
    """The conjuncts of a SymPy relation (``And`` split, anything else as one)."""
    e = sp.sympify(expr)
    return tuple(e.args) if isinstance(e, sp.And) else (e,)


THEOREMS: dict[str, Theorem] = {}


def register(th: Theorem) -> Theorem:
    """Add ``th`` to :data:`THEOREMS` (ids are unique)."""
    if th.id in THEOREMS:
        raise ValueError(f"theorem id {th.id!r} is already registered")
    THEOREMS[th.id] = th
    return th


def get(theorem_id: str) -> Theorem:
    """Look a theorem up by id; unknown ids raise :class:`UnknownTheorem` with suggestions."""
    if isinstance(theorem_id, Theorem):
        return theorem_id
    th = THEOREMS.get(theorem_id)
    if th is None:
        close = difflib.get_close_matches(theorem_id, THEOREMS, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(close)}?" if close else "; `monoverify list theorems` shows them all"
        raise UnknownTheorem(f"unknown theorem {theorem_id!r}{hint}")
    return th


# ------------------------------------------------------------------------------------------
# shorthands
# ------------------------------------------------------------------------------------------
theta = gamma / (2 * (gamma + rho))          # R2: conic averagedness of J_{gamma T}
C_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.45, 0.49)
T_GRID = (0.3, 0.6, 0.9)
LAM_GRID = (0.1, 0.5, 0.9)

_tau_R9 = sp.ceiling(sp.log(2 * D * K ** sp.Rational(3, 2) / c0) / sp.log(1 / (gamma * L)))  # R9
