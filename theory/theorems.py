"""The theorem registry ``THEOREMS``: every checkable result of SPEC §4 as data.

A :class:`Theorem` states its hypotheses as a SymPy relation over the symbols below, its bound
as a SymPy expression of ``K`` (iterations) and ``D0`` (``||z0 - z*||^2``) or, for ``region``
theorems, an exact convergence condition; the metric it bounds; last or best iterate; its source
and provenance tag (``paper`` | ``related`` | ``derived`` | ``reconstruction``). Checking is generic
code (:mod:`monoverify.theory.judge`): adding a theorem is adding one entry.

Parameters are normalised as in SPEC §1.2: ``c = -rho L`` and ``t = gamma L``; grids are given in
these units (``L = 1`` for the linear families unless a grid says otherwise).

Examples
--------
>>> th = THEOREMS["pp.last_iterate"]
>>> th.provenance, th.metric, th.iterate
('derived', 'operator_sq', 'last')
>>> th.bound
D0/(K*gamma*(gamma + 2*rho))
>>> th.admits(rho=-0.2, L=1, gamma=1.0)
True
>>> th.admits(rho=-0.6, L=1, gamma=1.0)
False
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import sympy as sp

from monoverify.errors import UnknownName

__all__ = ["Theorem", "THEOREMS", "get", "register", "SYMBOLS", "PROVENANCE", "UnknownTheorem"]

rho, L, gamma, lam, alpha, K, D0, D, c0, t, c = sp.symbols("rho L gamma lam alpha K D0 D c0 t c", real=True)
tau = sp.Symbol("tau", integer=True, positive=True)
SYMBOLS: dict[str, sp.Symbol] = {s.name: s for s in (rho, L, gamma, lam, alpha, tau, K, D0, D, c0)}
PROVENANCE = ("paper", "related", "derived", "reconstruction")
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
        SPEC tag: ``paper`` | ``related`` | ``derived`` | ``reconstruction``.
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
        tag. ``provenance`` is always the tag of the bound *checked* (SPEC §4): a violation of a
        ``derived`` substitute fails, whatever the tag of the statement it stands for.
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
        hyp = sp.sympify(self.hypotheses)
        parts = hyp.args if isinstance(hyp, sp.And) else (hyp,)
        bad = []
        for p in parts:
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
        }

    def tag(self) -> str:
        """The provenance shown in tables: ``derived`` or ``derived (stmt: reconstruction)``."""
        if self.statement_provenance and self.statement_provenance != self.provenance:
            return f"{self.provenance} (stmt: {self.statement_provenance})"
        return self.provenance


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

# ------------------------------------------------------------------------------------------
# resolvent and proximal point
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="resolvent.conic_averaged",
    title="J_{gamma T} is conically theta-averaged, theta = gamma/(2(gamma+rho))",
    source="SPEC R2; BMW21 (conic averagedness), scaling derived",
    provenance="derived",
    statement="BMW21: A maximally rho'-comonotone, rho' > -1 => J_A conically 1/(2(1+rho'))-averaged",
    statement_provenance="related",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": 1 / theta},
    hypotheses=sp.And(rho > -gamma, L > 0),
    kind="property", bound=sp.Integer(1), metric="iteration_matrix_norm", iterate="n/a",
    family=("random_nonnormal",),
    grid={"c": (-0.5, 0.0, 0.3, 0.6, 0.9, 0.99), "t": (0.5, 1.0, 2.0), "L": (1.0,)},
    note="N = (J - (1-theta) I)/theta is the relaxed resolvent with lam = 1/theta; its norm is <= 1",
))

register(Theorem(
    id="relaxed-pp.region",
    title="relaxed PP converges iff 0 < lam < 2(1 + rho/gamma) (sharp on LowerBoundGame)",
    source="SPEC R3", provenance="derived",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": lam},
    hypotheses=sp.And(rho > -gamma, lam > 0),
    kind="region", condition=lam < 2 * (1 + rho / gamma), metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": (0.0, 0.3, 0.6, 0.85), "t": (0.9, 1.0, 2.0), "lam": tuple(np.round(np.linspace(0.1, 2.0, 20), 3))},
))

register(Theorem(
    id="relaxed-pp.last_iterate",
    title="relaxed PP: ||z^K - J z^K||^2 <= D0/(lam(1-lam)(K+1)), no rho in the constant",
    source="SPEC R4(a) (KM bound on the averaged resolvent)", provenance="derived",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": lam},
    hypotheses=sp.And(rho > -gamma / 2, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * (K + 1)), metric="resolvent_residual_sq", iterate="last",
    grid={"c": C_GRID, "t": (0.5, 1.0, 2.0), "lam": LAM_GRID, "K": (200,)}, rate="O(1/K)",
    pep={"lipschitz": False,
         "cells": ({"c": 0.3, "t": 1.0, "lam": 0.5}, {"c": 0.45, "t": 1.0, "lam": 0.9}), "Ks": (1, 2, 4)}
))

register(Theorem(
    id="relaxed-pp.conic_last_iterate",
    title="relaxed PP, conic range rho > -gamma: ||z^K - J z^K||^2 <= theta D0/(lam(1 - lam theta)(K+1))",
    source="SPEC R4(b)", provenance="derived",
    method="relaxed-pp", method_params={"gamma": gamma, "lam": lam},
    hypotheses=sp.And(rho > -gamma, lam > 0, lam * theta < 1),
    bound=theta * D0 / (lam * (1 - lam * theta) * (K + 1)), metric="resolvent_residual_sq", iterate="last",
    grid={"c": (0.0, 0.3, 0.6, 0.9), "t": (1.0,), "lam": (0.1, 0.5, 0.9, 1.2), "K": (200,)}, rate="O(1/K)",
))

register(Theorem(
    id="pp.last_iterate",
    title="PP: ||F z^N||^2 <= D0/(gamma(gamma + 2 rho) N)",
    source="SPEC R5; PXC23 Remark 6.3 (factor unimprovable, GTHG23 Thm. 3.2)", provenance="derived",
    method="pp", method_params={"gamma": gamma},
    hypotheses=sp.And(rho > -gamma / 2),
    bound=D0 / (gamma * (gamma + 2 * rho) * K), metric="operator_sq", iterate="last",
    grid={"c": C_GRID, "t": (1.0, 2.0, 4.0), "K": (200,)}, rate="O(1/K)",
    pep={"lipschitz": False,
         "cells": ({"c": 0.2, "t": 1.0}, {"c": 0.45, "t": 1.0}, {"c": 0.5, "t": 2.0}), "Ks": (1, 2, 4)}
))

register(Theorem(
    id="pp.bilinear",
    title="PP converges on every bilinear game for every gamma > 0 (modulus 1/sqrt(1+t^2))",
    source="SPEC R21", provenance="derived",
    method="pp", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0), kind="region", condition=sp.true, metric="spectral_radius", iterate="n/a",
    family=("bilinear",), grid={"t": (0.01, 0.1, 0.5, 1.0, 3.0, 10.0)},
))

# ------------------------------------------------------------------------------------------
# RAPP
# ------------------------------------------------------------------------------------------
_tau_R9 = sp.ceiling(sp.log(2 * D * K ** sp.Rational(3, 2) / c0) / sp.log(1 / (gamma * L)))
register(Theorem(
    id="rapp.last_iterate",
    title="RAPP: last-iterate O(1/K) on ||z^K - J z^K||^2 with tau = O(log K), rho > -1/(2L)",
    source="SPEC R9 derived substitute via R7(c) (for PXC23 Cor. 6.4, statement reconstructed)",
    provenance="derived",
    statement="PXC23 Cor. 6.4: rho > -1/(2L), gamma in (max(-2 rho, 0), 1/L), lam in (0, 1), bounded diameter D, "
              "tau = O(log K / log(1/(gamma L))) => ||z^K - J z^K||^2 = O(1/K) with O(K log K) calls",
    statement_provenance="reconstruction",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / (2 * L), gamma > -2 * rho, gamma > 0, gamma * L < 1, lam > 0, lam < 1),
    bound=2 * (D0 + 2 * lam * D * c0 / sp.sqrt(K) + lam ** 2 * c0 ** 2 / K ** 2) / (lam * (1 - lam) * K)
    + 8 * lam ** 2 * c0 ** 2 / K,
    metric="resolvent_residual_sq", iterate="last", check_at="final",
    derived={"tau": _tau_R9, "D": 2 * sp.sqrt(D0), "c0": sp.Integer(1)}, iterate_bound=D,
    grid={"c": (0.1, 0.3, 0.45, 0.49), "t": (0.5, 0.8, 0.95, 0.99), "lam": (0.3, 0.5), "K": (10, 100, 1000)},
    rate="O(1/K)",
    note="tau = ceil(log(2 D K^{3/2}/c0)/log(1/(gamma L))), D = 2 sqrt(D0) bounds ||z^k - z*|| (checked), c0 = 1",
))

register(Theorem(
    id="rapp.conic",
    title="RAPP for rho > -1/L via conic nonexpansiveness: lam in (0, 2(1 + rho/gamma)) with large tau",
    source="PXC23 v4 footnote (statement reconstructed); SPEC R10 mechanism (inexact KM on N)",
    provenance="reconstruction",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / L, gamma > -rho, gamma * L < 1, lam > 0, lam * theta < 1),
    bound=theta * D0 / (lam * (1 - lam * theta) * (K + 1)),
    metric="resolvent_residual_sq", iterate="last",
    derived={"tau": sp.Integer(200)},
    grid={"c": (0.3, 0.6, 0.8, 0.95), "t": (0.9, 0.97), "lam": (0.3, 0.6, 0.9), "K": (200,)}, rate="O(1/K)",
    note="exact-resolvent KM bound R4(b); tau = 200 makes the inexactness (gamma L)^200 negligible",
))

# ------------------------------------------------------------------------------------------
# EG+ / CEG+ / FEG
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="eg+.best_iterate",
    title="EG+: min_{k<K} ||F z^k||^2 <= D0/(alpha gamma^2 (1 - gamma^2 L^2) K)",
    source="SPEC R14 (one-step inequality), cf. DDJ21 (R24)", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(rho >= -gamma * (1 - alpha) / 2, gamma * L < 1, gamma > 0, alpha > 0, alpha <= 1),
    bound=D0 / (alpha * gamma ** 2 * (1 - gamma ** 2 * L ** 2) * K), metric="operator_sq", iterate="best",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.05, 0.1, 0.2, 0.3, 0.4), "t": (0.3, 0.6, 0.9), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="eg+.quasi_nonexpansive",
    title="EG+ is quasi-nonexpansive: ||z^{k+1} - z*|| <= ||z^k - z*|| when rho >= -gamma(1-alpha)/2",
    source="SPEC R14", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(rho >= -gamma * (1 - alpha) / 2, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1),
    bound=sp.Integer(1), metric="distance_ratio", iterate="last",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (100,)},
))

register(Theorem(
    id="eg+.lower_bound_game",
    title="EG+ / CEG+ at gamma = 1/L on LowerBoundGame converges iff 2c + alpha < 1",
    source="PLPFC22 Thm. 3.4 (SPEC R15)", provenance="related",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), alpha > 0, alpha <= 1, rho <= 0, rho * L >= -1),
    kind="region", condition=-2 * rho * L + alpha < 1, metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": tuple(np.round(np.linspace(0, 0.6, 13), 3)), "t": (1.0,), "alpha": (0.1, 0.25, 0.5, 0.75, 1.0)},
))

register(Theorem(
    id="eg.bilinear",
    title="EG+ on bilinear games converges iff alpha (1 + t^2) < 2 (EG: gamma L < 1)",
    source="SPEC R21", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(gamma > 0, alpha > 0, alpha <= 1),
    kind="region", condition=alpha * (1 + gamma ** 2 * L ** 2) < 2, metric="spectral_radius", iterate="n/a",
    family=("bilinear",), grid={"t": (0.3, 0.9, 1.1, 1.5, 2.0, 3.0), "alpha": (0.25, 0.5, 1.0)},
))

register(Theorem(
    id="feg.last_iterate",
    title="FEG: ||F z_k||^2 <= 4 D0/((1/L + 2 rho)^2 k^2) for rho > -1/(2L)",
    source="LK21 (method, related); form and constant 4: SPEC R27 reconstruction", provenance="reconstruction",
    method="feg", method_params={"L": L, "rho": rho},
    hypotheses=sp.And(rho > -1 / (2 * L), L > 0),
    bound=4 * D0 / ((1 / L + 2 * rho) ** 2 * K ** 2), metric="operator_sq", iterate="last",
    grid={"c": (0.0, 0.1, 0.3, 0.45, 0.49), "K": (300,)}, rate="O(1/K^2)",
    pep={"lipschitz": True,
         "cells": ({"c": 0.0}, {"c": 0.3}, {"c": 0.45}), "Ks": (1, 2, 4)}
))

# ------------------------------------------------------------------------------------------
# Lookahead
# ------------------------------------------------------------------------------------------
register(Theorem(
    id="la-gda.tau2.best_iterate",
    title="LA-GDA(tau=2): min_{k<K} ||F z^k||^2 <= D0/(lam gamma c_LA K), c_LA = 2rho + gamma(1-2lam) - (1-lam) gamma^3 L^2 > 0",
    source="SPEC R13 derived substitute (for PXC23's LA-GDA theorem)", provenance="derived",
    statement="PXC23: LA-GDA(tau=2) converges on cohypomonotone problems (existence [paper]; its hypotheses and "
              "constants are reconstructed)", statement_provenance="reconstruction",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(2 * rho + gamma * (1 - 2 * lam) - (1 - lam) * gamma ** 3 * L ** 2 > 0, lam > 0, lam <= 1, gamma > 0),
    bound=D0 / (lam * gamma * (2 * rho + gamma * (1 - 2 * lam) - (1 - lam) * gamma ** 3 * L ** 2) * K),
    metric="operator_sq", iterate="best", derived={"tau": sp.Integer(2)},
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.05, 0.1, 0.15, 0.19), "t": (0.3, 0.5, 0.577), "lam": (0.01, 0.05, 0.1, 0.3), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="lookahead.nonexpansive_last_iterate",
    title="Lookahead over a nonexpansive base S = Alg^tau: ||S z^K - z^K||^2 <= D0/(lam(1-lam)(K+1))",
    source="SPEC R16, R30 (cocoercive GDA); for PXC23 Thm. 7.3 / Remark 7.4",
    provenance="derived",
    statement="PXC23 Thm. 7.3: Lookahead converges when its base is quasi-nonexpansive, even if the base does not",
    statement_provenance="reconstruction",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * (K + 1)), metric="fixed_point_residual_sq", iterate="last",
    grid={"c": (-1.0, -0.5, -0.2), "t": (0.1, 0.4, 1.0, 2.0), "lam": LAM_GRID, "tau": (1, 2, 5), "K": (200,)},
    rate="O(1/K)", note="GDA with 0 < gamma <= 2 rho is nonexpansive (R30); c = -rho L < 0 is cocoercive",
    pep={"lipschitz": True,
         "cells": ({"c": -0.5, "t": 0.4, "lam": 0.5, "tau": 2},), "Ks": (1, 2, 4)}
))

register(Theorem(
    id="la-eg.monotone",
    title="LA-EG, monotone: min_{k<K} ||S z^k - z^k||^2 <= D0/(lam(1-lam)K), EG quasi-nonexpansive",
    source="SPEC R17 (R14 with alpha=1, rho=0, + R16); for PXC23 §7 (a proposal)",
    provenance="derived",
    statement="PXC23 §7: an extragradient-based Lookahead converges when only monotonicity and Lipschitz hold",
    statement_provenance="reconstruction",
    method="la-eg", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho >= 0, gamma * L <= 1, gamma > 0, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * K), metric="fixed_point_residual_sq", iterate="best",
    family=("lower_bound", "random", "bilinear"),
    grid={"c": (0.0,), "t": (0.5, 0.9, 1.0), "lam": LAM_GRID, "tau": (1, 2, 4), "K": (200,)}, rate="O(1/K)",
))

register(Theorem(
    id="la-eg.lower_bound_game",
    title="LA-EG(tau=1) at gamma = 1/L on LowerBoundGame converges iff lam < 1 - 2c",
    source="SPEC R19", provenance="derived",
    method="la-eg", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), lam > 0, rho <= 0, rho * L >= -1), derived={"tau": sp.Integer(1)},
    kind="region", condition=lam < 1 + 2 * rho * L, metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45, 0.5, 0.6), "t": (1.0,), "lam": tuple(np.round(np.linspace(0.05, 1.0, 20), 3))},
))

_t, _c = gamma * L, -rho * L
register(Theorem(
    id="la-gda.lower_bound_game",
    title="LA-GDA(tau=2) on LowerBoundGame converges iff t(1-2c^2) > 2c and lam < 2(t(1-2c^2)-2c)/(t(t^2+4ct+4))",
    source="SPEC R20", provenance="derived",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, lam > 0, rho <= 0, rho * L >= -1), derived={"tau": sp.Integer(2)},
    kind="region",
    condition=sp.And(_t * (1 - 2 * _c ** 2) > 2 * _c, lam < 2 * (_t * (1 - 2 * _c ** 2) - 2 * _c) / (_t * (_t ** 2 + 4 * _c * _t + 4))),
    metric="spectral_radius", iterate="n/a", family=("lower_bound",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.36, 0.37, 0.45), "t": (0.5, 1.0), "lam": tuple(np.round(np.linspace(0.005, 0.5, 25), 4))},
))

register(Theorem(
    id="gda.bilinear",
    title="GDA diverges on every bilinear game for every gamma > 0 (modulus sqrt(1 + t^2))",
    source="SPEC R21", provenance="derived",
    method="gda", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0), kind="region", condition=sp.false, metric="spectral_radius", iterate="n/a",
    family=("bilinear",), grid={"t": (0.001, 0.01, 0.1, 1.0, 10.0)},
))

register(Theorem(
    id="gda.cocoercive",
    title="GDA is nonexpansive in the cocoercive regime: rho > 0, gamma <= 2 rho => ||I - gamma M||_2 <= 1",
    source="SPEC R30", provenance="derived",
    method="gda", method_params={"gamma": gamma},
    statement="PXC23 covers the cocoercive regime (whether the paper states it is unknown, SPEC R30)",
    statement_provenance="reconstruction",
    hypotheses=sp.And(rho > 0, gamma > 0, gamma <= 2 * rho), kind="property", bound=sp.Integer(1),
    metric="iteration_matrix_norm", iterate="n/a", family=("random_nonnormal",),
    grid={"c": (-1.0, -0.5, -0.1), "t": (0.05, 0.2, 1.0, 2.0), "L": (1.0,)},
))

register(Theorem(
    id="ogda.bilinear",
    title="OGDA converges on bilinear games iff gamma L < 1/sqrt(3)",
    source="SPEC R21", provenance="derived",
    method="ogda", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0), kind="region", condition=gamma * L < 1 / sp.sqrt(3), metric="spectral_radius",
    iterate="n/a", family=("bilinear",), grid={"t": (0.1, 0.3, 0.5, 0.57, 0.58, 0.6, 0.8)},
))

_q = (1 - sp.I * gamma * L) ** tau
register(Theorem(
    id="la-gda.bilinear",
    title="LA-GDA on bilinear games: q = (1 - i gamma L)^tau; converges iff Re q < 1 and lam < 2(1 - Re q)/|1 - q|^2",
    source="SPEC R22 (tau = 2: lam < 2/(4 + t^2)), R23", provenance="derived",
    method="la-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, lam > 0), kind="region",
    condition=sp.And(sp.re(_q) < 1, lam < 2 * (1 - sp.re(_q)) / sp.Abs(1 - _q) ** 2),
    metric="spectral_radius", iterate="n/a", family=("bilinear",),
    grid={"t": (0.25, 0.5, 1.0, 2.0), "tau": (2, 3, 5, 8), "lam": tuple(np.round(np.linspace(0.02, 1.0, 25), 3))},
))

# ==========================================================================================
# The whole paper (issue 14): constrained/regularised, LA-EG+/LA-CEG+, cycling bases,
# stochastic RAPP, the conic range, R15/R24/R26/R33/R34, alternating players.
# ==========================================================================================
sigma = sp.Symbol("sigma", positive=True)    # oracle noise: E||F^(z) - F z||^2 <= sigma^2 (SPEC §3.5)
SYMBOLS["sigma"] = sigma
_mu = lam * theta                            # R10: RAPP is inexact KM on N with step lam*theta

register(Theorem(
    id="ceg+.constrained_best_iterate",
    title="CEG+ with A != 0: min_{k<K} ||H zb^k - H z^k||^2 <= D0/(alpha(1 + 2 rho/gamma - alpha) K), H = id - gamma F",
    source="PLPFC22 (CEG+, constrained weak-MVI problems, best-iterate O(1/k) on ||H zb - H z||^2: related); "
           "constant: derived one-step inequality (SPEC R25, see note)",
    provenance="derived",
    method="ceg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(2 * rho + gamma * (1 - alpha) > 0, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1),
    bound=D0 / (alpha * (1 + 2 * rho / gamma - alpha) * K), metric="ceg_step_sq", iterate="best",
    family=("constrained",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (200,)},
    rate="O(1/K)",
    note="weak MVI of T = F + A at z*: d = H zb - H z = -gamma v with v in T zb, so <d, z - z*> <= <d, z - zb> - "
         "(rho/gamma)||d||^2 and <d, z - zb> <= -||d||^2/2 (gamma L <= 1); hence ||z+ - z*||^2 <= ||z - z*||^2 - "
         "alpha(1 + 2 rho/gamma - alpha)||d||^2. Battery: balls and an L1 regulariser (A != 0), z0 outside the ball",
))

register(Theorem(
    id="la-ceg+.constrained",
    title="LA-CEG+ with A != 0: min_{k<K} ||S z^k - z^k||^2 <= D0/(lam(1-lam)K), S = CEG+^tau quasi-nonexpansive",
    source="PXC23 abstract (paper: Lookahead 'inherits the properties of the base optimizer'; LA-CEG+ in §8); "
           "statement reconstructed; SPEC R18 = CEG+ one-step inequality (ceg+.constrained_best_iterate) + R16",
    provenance="derived",
    method="la-ceg+", method_params={"gamma": gamma, "alpha": alpha, "lam": lam, "tau": tau},
    hypotheses=sp.And(2 * rho + gamma * (1 - alpha) >= 0, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1,
                      lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * K), metric="fixed_point_residual_sq", iterate="best",
    family=("constrained",),
    grid={"c": (0.0, 0.2, 0.45), "t": (0.5, 1.0), "alpha": (0.1, 0.5), "lam": LAM_GRID, "tau": (1, 2, 4), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="la-eg+.cohypomonotone",
    title="LA-EG+: min_{k<K} ||S z^k - z^k||^2 <= D0/(lam(1-lam)K) for rho >= -gamma(1-alpha)/2, gamma L <= 1",
    source="PXC23 abstract (paper: Lookahead 'inherits the properties of the base optimizer', expanding the "
           "cohypomonotone range); statement reconstructed; SPEC R18 = R14 (EG+ quasi-nonexpansive) + R16",
    provenance="derived",
    method="la-eg+", method_params={"gamma": gamma, "alpha": alpha, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho >= -gamma * (1 - alpha) / 2, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1,
                      lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * K), metric="fixed_point_residual_sq", iterate="best",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.5), "lam": LAM_GRID,
          "tau": (1, 2, 4), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="lookahead.cycling_base",
    title="Lookahead over a base that cycles: EG on bilinear games (gamma L = 1: a rotation) - the outer loop "
          "converges, ||S z^K - z^K||^2 <= D0/(lam(1-lam)(K+1))",
    source="PXC23 Remark 7.4 (paper: even if the base optimizer does not converge, 'the outer loop converges'); "
           "bound: SPEC R16 (KM on the nonexpansive S = EG^tau)",
    provenance="paper",
    method="la-eg", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(sp.Eq(rho, 0), gamma * L <= 1, gamma > 0, lam > 0, lam < 1),
    bound=D0 / (lam * (1 - lam) * (K + 1)), metric="fixed_point_residual_sq", iterate="last",
    family=("bilinear",),
    grid={"t": (0.5, 0.9, 1.0), "lam": LAM_GRID, "tau": (1, 2, 3), "K": (200,)}, rate="O(1/K)",
    note="class: normal monotone linear maps (bilinear games included). EG's iteration matrix 1 - u + u^2 is then "
         "normal with |m| <= 1 on {|u| <= 1, Re u >= 0} (on a bilinear game |m|^2 = 1 - s^2 + s^4, s = gamma sigma_j), "
         "so S is nonexpansive; at gamma L = 1 the top block is a rotation by pi/2 (|m| = 1: EG cycles). For "
         "non-normal monotone maps only the best-iterate bound of la-eg.monotone applies",
))

register(Theorem(
    id="alt-gda.bilinear_bounded",
    title="Alternating GDA on bilinear games: spectral radius 1 (bounded, cycling iterates) for gamma L < 2",
    source="Bailey, Gidel & Piliouras 2020 'Finite regret and cycles with fixed step-size via alternating gradient "
           "descent-ascent' (bounded cycling iterates, related); Gidel et al. 2019 'Negative momentum for improved game "
           "dynamics' (alternating updates on bilinear games, related); multiplier derived: per singular value s of A "
           "the block [[1, -g s], [g s, 1 - g^2 s^2]] has det 1, trace 2 - g^2 s^2, eigenvalues e^{+-i theta}, "
           "cos theta = 1 - g^2 s^2/2, on the unit circle iff g s <= 2",
    provenance="related",
    method="alt-gda", method_params={"gamma": gamma},
    hypotheses=sp.And(gamma > 0, gamma * L < 2), kind="property", bound=sp.Integer(1), metric="spectral_radius",
    iterate="n/a", family=("bilinear_players",), grid={"t": (0.1, 0.5, 1.0, 1.5, 1.9, 1.99)},
    note="the radius is exactly 1 (determinant 1, complex pair): the iterates neither converge nor diverge; at "
         "gamma L = 2 a Jordan block at -1 grows linearly, beyond it a real eigenvalue > 1 diverges",
))

_theta_alt = sp.acos(1 - gamma ** 2 * L ** 2 / 2)
register(Theorem(
    id="la-alt-gda.bilinear",
    title="Lookahead over alternating GDA on bilinear games, gamma L < 2: converges iff lam < 1 and "
          "cos(tau theta) < 1, cos theta = 1 - gamma^2 L^2/2",
    source="derived: q = e^{i tau theta} on the unit circle (alt-gda.bilinear_bounded), Lookahead threshold lemma "
           "(SPEC §5) lam* = 2(1 - Re q)/|1 - q|^2 = 1; spectral radius through the explicit iteration matrix",
    provenance="derived",
    method="la-alt-gda", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, gamma * L < 2, lam > 0), kind="region",
    condition=sp.And(lam < 1, sp.cos(tau * _theta_alt) < 1), metric="spectral_radius", iterate="n/a",
    family=("bilinear_players",),
    grid={"t": (0.5, 1.0, 1.9), "tau": (1, 2, 3), "lam": tuple(np.round(np.linspace(0.05, 1.5, 30), 3))},
    note="Lookahead makes a base that only cycles converge (cf. Remark 7.4); other singular values of A give other "
         "q_j on the unit circle, still lam* = 1",
))

register(Theorem(
    id="rapp-conic.inexact",
    title="RAPP for rho > -1/L with the inexactness terms: ||z^K - J z^K||^2 <= theta^2 [2(D0 + 2 mu D c0/sqrt(K) "
          "+ mu^2 c0^2/K^2)/(mu(1-mu)K) + 8 mu^2 c0^2/K], mu = lam theta",
    source="PXC23 v4 footnote (paper: the range 'can be extended to rho > -1/L' by conic nonexpansiveness); "
           "SPEC R10 mechanism + R7(c) on N with errors e/theta, ||e^k|| <= (gamma L)^tau ||z^k - J z^k|| (R8)",
    provenance="derived",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / L, gamma > -rho, gamma * L < 1, lam > 0, _mu < 1),
    bound=theta ** 2 * (2 * (D0 + 2 * _mu * D * c0 / sp.sqrt(K) + _mu ** 2 * c0 ** 2 / K ** 2) / (_mu * (1 - _mu) * K)
                        + 8 * _mu ** 2 * c0 ** 2 / K),
    metric="resolvent_residual_sq", iterate="last", check_at="final",
    derived={"tau": _tau_R9, "D": 2 * sp.sqrt(D0), "c0": sp.Integer(1)}, iterate_bound=D,
    grid={"c": (0.3, 0.6, 0.8, 0.95), "t": (0.9, 0.97), "lam": (0.3, 0.6, 0.9), "K": (10, 100, 200)},
    rate="O(1/K)",
    note="replaces the '(gamma L)^200 negligible' of rapp.conic: tau = ceil(log(2 D K^{3/2}/c0)/log(1/(gamma L))) makes "
         "||e^k||/theta <= 2 D (gamma L)^tau <= c0 K^{-3/2}; D = 2 sqrt(D0) bounds ||z^k - z*|| (checked)",
))

_u10 = gamma * (rho * L ** 2 + sp.I * L * sp.sqrt(1 - rho ** 2 * L ** 2))
_q10 = (1 - (-_u10) ** (tau + 1)) / (1 + _u10)
register(Theorem(
    id="rapp-conic.lambda_star",
    title="RAPP on LowerBoundGame: converges iff Re q < 1 and lam < lam*(tau) = 2(1 - Re q)/|1 - q|^2, "
          "q = sum_{j<=tau} (-u)^j (R10: lam* = none, 1.212074, 0.443254, 0.611256, 0.666667 at rho=-0.6, gamma=0.9)",
    source="SPEC R10 (values computed there) and §5 (RAPP multiplier, Lookahead threshold lemma)",
    provenance="derived",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -gamma, gamma * L < 1, lam > 0, rho <= 0, rho * L >= -1), kind="region",
    condition=sp.And(sp.re(_q10) < 1, lam < 2 * (1 - sp.re(_q10)) / sp.Abs(1 - _q10) ** 2),
    metric="spectral_radius", iterate="n/a", family=("lower_bound",),
    # tau order: --quick keeps the first, middle and last values (2, 5, 10); tau = 30 runs in the full battery
    grid={"c": (0.3, 0.6, 0.8), "t": (0.9,), "tau": (2, 30, 5, 10),
          "lam": tuple(np.round(np.linspace(0.05, 1.5, 30), 3))},
    note="tau = 200 (lam* = 0.666667 = 2(1 + rho/gamma), the exact-resolvent limit) is checked in the tests through "
         "theory.spectral.critical; the battery stops at tau = 30 to keep the confirming runs short",
))

_tt, _cc = gamma * L, -rho * L
register(Theorem(
    id="eg+.lower_bound_game_general_t",
    title="EG+ on LowerBoundGame, any gamma: converges iff alpha t (t^2 + 2ct + 1) < 2(t(1 - 2c^2) - c), t = gamma L",
    source="SPEC R15 (derived: |m|^2 - 1 = alpha t(alpha t^3 + 2 alpha c t^2 + alpha t + 4c^2 t + 2c - 2t)); "
           "t = 1 is PLPFC22 Thm. 3.4 (related)",
    provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(gamma > 0, alpha > 0, alpha <= 1, rho <= 0, rho * L >= -1), kind="region",
    condition=alpha * _tt * (_tt ** 2 + 2 * _cc * _tt + 1) < 2 * (_tt * (1 - 2 * _cc ** 2) - _cc),
    metric="spectral_radius", iterate="n/a", family=("lower_bound",),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6), "t": (0.3, 0.6, 1.0, 1.3, 1.7), "alpha": (0.1, 0.25, 0.5, 0.75, 1.0)},
))

register(Theorem(
    id="eg+.lower_bound_game_radius",
    title="EG+ at gamma = 1/L on LowerBoundGame: spectral radius r, r^2 = 1 - 2 alpha (1 + c)(1 - 2c - alpha)",
    source="SPEC R15 (derived closed form; values r = 1.105542, 0.971825 at c = 1/3, alpha = 1/2, 1/4; "
           "1.000000, 0.847791 at c = 1/8, alpha = 3/4, 1/2)",
    provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), alpha > 0, alpha <= 1, rho <= 0, rho * L >= -1), kind="property",
    bound=sp.sqrt(1 - 2 * alpha * (1 + _cc) * (1 - 2 * _cc - alpha)), metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": (0.0, 0.125, 1 / 3, 0.45, 0.6), "t": (1.0,), "alpha": (0.25, 0.5, 0.75, 1.0)},
    note="an equality; the checker verifies radius <= r (any smaller r is caught), the tests the equality",
))

register(Theorem(
    id="eg+.best_iterate_extrapolated",
    title="EG+: min_{k<K} ||F zb^k||^2 <= D0/(alpha gamma (2 rho + gamma(1 - alpha)) K), valid at gamma = 1/L",
    source="SPEC R14 (one-step inequality, derived)", provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(2 * rho + gamma * (1 - alpha) > 0, gamma * L <= 1, gamma > 0, alpha > 0, alpha <= 1),
    bound=D0 / (alpha * gamma * (2 * rho + gamma * (1 - alpha)) * K), metric="extrapolated_operator_sq",
    iterate="best", family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.4, 0.45), "t": (0.5, 0.9, 1.0), "alpha": (0.1, 0.25, 0.5, 1.0), "K": (200,)},
    rate="O(1/K)",
))

register(Theorem(
    id="eg+.ddj21",
    title="EG+ of DDJ21 (a = 1/(2L), beta = 1/2: gamma = 1/L, alpha = 1/2), weak MVI rho > -1/(8L): "
          "min_{k<K} ||F zb^k||^2 <= 4 L^2 D0/((1 + 4 rho L) K)",
    source="DDJ21 (EG+, weak MVI rho_D in [0, 1/(4L)), O(1/sqrt(k)) on ||F||, related); constant reconstructed "
           "from SPEC R14 at gamma = 1/L, alpha = 1/2", provenance="reconstruction",
    method="eg+", method_params={"gamma": 1 / L, "alpha": sp.Rational(1, 2)},
    hypotheses=sp.And(rho > -1 / (8 * L), L > 0),
    bound=4 * L ** 2 * D0 / ((1 + 4 * rho * L) * K), metric="extrapolated_operator_sq", iterate="best",
    family=("lower_bound", "random", "examples"),
    grid={"c": (0.0, 0.05, 0.1, 0.12, 0.124), "L": (1.0, 3.0), "K": (200,)}, rate="O(1/K)",
))

register(Theorem(
    id="eg+.worst_case_gamma_one_over_L",
    title="EG+ at gamma = 1/L, rho >= -gamma(1-alpha)/2: ||F z^K||^2 <= L^2 D0 for every K, attained by F = L(z - z*)",
    source="SPEC R34 (derived: quasi-nonexpansive and ||F z|| <= L||z - z*||; F = L(z - z*) stalls at zb = z*)",
    provenance="derived",
    method="eg+", method_params={"gamma": gamma, "alpha": alpha},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), rho >= -gamma * (1 - alpha) / 2, alpha > 0, alpha <= 1),
    bound=L ** 2 * D0, metric="operator_sq", iterate="last",
    family=("lower_bound", "random", "scaled_identity"),
    grid={"c": (0.0, 0.1, 0.2, 0.3, 0.45), "t": (1.0,), "alpha": (0.1, 0.25, 0.5, 0.9), "K": (50,)},
    pep={"metric": "operator", "N": K, "scale": 1, "lipschitz": True,
         "cells": ({"c": 0.1, "t": 1.0, "alpha": 0.5},), "Ks": (1, 2)},
))

register(Theorem(
    id="adaptive-eg+.rotation_scaling",
    title="AdaptiveEG+ at gamma = 1/L on LowerBoundGame is EG+ with alpha = sigma L + 1/2: converges iff 2c + alpha < 1",
    source="SPEC R26 (derived: alpha_k = sigma/gamma + Re(1/(1 - gamma mu)) constant); method of PLPFC22's code (related)",
    provenance="derived",
    method="adaptive-ceg+", method_params={"gamma": gamma, "sigma": (alpha - sp.Rational(1, 2)) * gamma},
    hypotheses=sp.And(sp.Eq(gamma * L, 1), alpha > 0, alpha <= sp.Rational(1, 2), rho <= 0, rho * L >= -1),
    kind="region", condition=-2 * rho * L + alpha < 1, metric="spectral_radius", iterate="n/a",
    family=("lower_bound",),
    grid={"c": tuple(np.round(np.linspace(0, 0.6, 13), 3)), "t": (1.0,), "alpha": (0.005, 0.1, 0.25, 0.5)},
    note="parametrised by the effective alpha = sigma/gamma + 1/2 (sigma in (-gamma/2, 0]); the code's sigma = "
         "-0.99 gamma/2 is alpha = 0.005 (converges iff c < 0.4975)",
))

register(Theorem(
    id="inner-loop.stochastic_floor",
    title="RAPP's inner loop with a stochastic oracle: E||w^K - J z||^2 <= (gamma L)^{2K} D0 + gamma^2 sigma^2/(1 - gamma^2 L^2)",
    source="PXC23 §5 (paper: the inner loop is a contraction, converging linearly also with stochastic feedback); "
           "constants SPEC R8 (derived; tight on rotation-scaling maps); R32's checkable part",
    provenance="derived",
    method="app", method_params={"gamma": gamma, "tau": K},
    hypotheses=sp.And(gamma > 0, gamma * L < 1, rho > -gamma, sigma > 0),
    bound=(gamma * L) ** (2 * K) * D0 + gamma ** 2 * sigma ** 2 / (1 - gamma ** 2 * L ** 2), kind="property",
    metric="expected_inner_error_sq", iterate="last",
    grid={"c": (0.0, 0.3, 0.6), "t": (0.5, 0.9), "sigma": (0.1, 1.0), "K": (10,)},
    note="K = inner steps from w^0 = z, D0 = ||z - J_{gamma T} z||^2; expectation over seeded samples with the "
         "Laurent-Massart confidence statement of monoverify.theory.stochastic",
))

register(Theorem(
    id="rapp-constrained.natural_residual",
    title="RAPP with A != 0: ||z^K - P(z^K - gamma F z^K)||^2 <= (1 + gamma L)^2 x (R9 bound)",
    source="PXC23 abstract (paper: the construction 'extends to constrained and regularized settings'); "
           "bound: SPEC R9 derived substitute and ||z - P(z - gamma F z)|| <= (1 + gamma L)||z - J z|| (derived)",
    provenance="derived",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(rho > -1 / (2 * L), gamma > -2 * rho, gamma > 0, gamma * L < 1, lam > 0, lam < 1),
    bound=(1 + gamma * L) ** 2 * (2 * (D0 + 2 * lam * D * c0 / sp.sqrt(K) + lam ** 2 * c0 ** 2 / K ** 2)
                                  / (lam * (1 - lam) * K) + 8 * lam ** 2 * c0 ** 2 / K),
    metric="natural_residual_sq", iterate="last", check_at="final",
    derived={"tau": _tau_R9, "D": 2 * sp.sqrt(D0), "c0": sp.Integer(1)}, iterate_bound=D,
    family=("constrained",),
    grid={"c": (0.0,), "t": (0.5, 0.9), "lam": (0.3, 0.5), "K": (10, 100, 400)}, rate="O(1/K)",
    note="w = J z satisfies w = P(z - gamma F w), so ||z - P(z - gamma F z)|| <= ||z - w|| + gamma L ||w - z||; the "
         "battery is monotone (c = 0: T = F + A maximally monotone), the resolvent analysis needs comonotone T",
))

register(Theorem(
    id="forsaken.rapp_vs_app",
    title="Forsaken from (0.2, 0.5), gamma = 1/L: RAPP converges where APP with the same step size does not "
          "(final natural residual ratio RAPP/APP <= 1e-3 after 3000 steps)",
    source="PXC23 Fig. 2 (paper: 'we can set the stepsize gamma larger than 1/L while RAPP remains stable', APP "
           "'with the same stepsize diverges'); settings: SPEC §8 item 25 (ours, from (0.2, 0.5))",
    provenance="paper",
    method="rapp", method_params={"gamma": gamma, "lam": lam, "tau": tau},
    hypotheses=sp.And(gamma > 0, lam > 0, lam < 1), kind="property", bound=sp.Float(1e-3),
    metric="unrelaxed_residual_ratio", iterate="n/a", family=("forsaken",),
    grid={"t": (1.0,), "lam": (0.5,), "tau": (5,)}, derived={"K": sp.Integer(3000)},
    note="Forsaken lies outside every global theory (rho_box <= -0.4778 < -1/(2L)): this is the paper's experiment, "
         "not a theorem; the metric is ||z^K - P(z^K - F z^K)|| of RAPP over that of lam = 1 (APP). Not reproduced at "
         "gamma = 2/L (tau = 5) from this start: APP converges there too (residual 2.9e-16 after 2000 steps, RAPP "
         "3.9e-11); Fig. 2's settings are unknown (SPEC §9.7)",
))
