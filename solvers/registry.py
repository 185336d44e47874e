"""The registry ``METHODS`` of named methods and the factory :func:`make` (§3 of the documentation's
Mathematics page).

Every name is a composition of the base methods and :class:`Lookahead`; no update rule is
written twice.

Examples
--------
>>> make("rapp", gamma=0.5, lam=0.5, tau=5)
Lookahead(base=AnchoredStep(gamma=0.5), tau=5, lam=0.5)
>>> make("rapp", gamma=0.5, lam=0.5, tau=5).tau     # the inner count, as given
5
>>> make("la-eg+", gamma=0.5, alpha=0.5, lam=0.5, tau=2)
Lookahead(base=Lookahead(base=EG(gamma=0.5), tau=1, lam=0.5), tau=2, lam=0.5)
>>> sorted(METHODS)[:5]
['adaptive-ceg+', 'alt-gda', 'alt-hb', 'app', 'ceg+']
"""

from __future__ import annotations

import difflib
import inspect
from dataclasses import dataclass
from typing import Any, Callable


from monoverify.errors import InvalidValue
from .base import Method, check_interval
from .alternating import AltGDA
from .lookahead import AnchoredStep, Lookahead
from .methods import APP, EG, FEG, GDA, OGDA, PP, AdaptiveCEGPlus, CEGPlus

__all__ = ["METHODS", "MethodSpec", "make"]


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: its factory, a one-line description and the provenance tag."""

    name: str
    factory: Callable[..., Method]
    description: str
    tag: str

    @property
    def params(self) -> dict[str, Any]:
        """Parameter names and defaults (``inspect.Parameter.empty`` when required)."""
        return {p.name: p.default for p in inspect.signature(self.factory).parameters.values()}


def _eg_plus(gamma, alpha=0.5):
    check_interval("alpha", alpha, 0.0, 1.0)  # else Lookahead would report (and accept) it as lam
    return Lookahead(EG(gamma), 1, alpha)


_SPECS = [
    MethodSpec("gda", lambda gamma: GDA(gamma), "gradient descent-ascent z+ = P(z - gamma F z)", "derived"),
    MethodSpec("eg", lambda gamma: EG(gamma), "extragradient (Korpelevich)", "derived"),
    MethodSpec("eg+", _eg_plus, "EG+ (DDJ21): z+ = z - alpha gamma F(z - gamma F z); relaxed projected EG with constraints", "related"),
    MethodSpec("ceg+", lambda gamma, alpha=0.5: CEGPlus(gamma, alpha), "constrained EG+ in Tseng's form (PLPFC22)", "related"),
    MethodSpec("adaptive-ceg+", lambda gamma, sigma=None: AdaptiveCEGPlus(gamma, sigma), "AdaptiveEG+ of PLPFC22's code (§3.3)", "related"),
    MethodSpec("ogda", lambda gamma: OGDA(gamma), "optimistic GDA", "derived"),
    MethodSpec("pp", lambda gamma: PP(gamma), "proximal point z+ = J_{gamma T} z", "derived"),
    MethodSpec("relaxed-pp", lambda gamma, lam: Lookahead(PP(gamma), 1, lam), "relaxed proximal point (1-lam) z + lam J_{gamma T} z", "derived"),
    MethodSpec("app", lambda gamma, tau: APP(gamma, tau), "approximate PP: tau anchored fixed-point steps (RAPP with lam = 1)", "paper"),
    MethodSpec("rapp", lambda gamma, lam, tau: Lookahead(AnchoredStep(gamma), tau, lam), "relaxed approximate proximal point (PXC23 Alg. 1)", "paper"),
    MethodSpec("la-gda", lambda gamma, lam, tau: Lookahead(GDA(gamma), tau, lam), "Lookahead over GDA", "paper"),
    MethodSpec("la-eg", lambda gamma, lam, tau: Lookahead(EG(gamma), tau, lam), "Lookahead over EG", "paper"),
    MethodSpec("la-eg+", lambda gamma, lam, tau, alpha=0.5: Lookahead(_eg_plus(gamma, alpha), tau, lam), "Lookahead over EG+", "paper"),
    MethodSpec("la-ceg+", lambda gamma, lam, tau, alpha=0.5: Lookahead(CEGPlus(gamma, alpha), tau, lam), "Lookahead over CEG+", "paper"),
    MethodSpec("feg", lambda L, rho=0.0: FEG(L, rho), "fast extragradient (LK21), anchored", "related"),
    MethodSpec("alt-gda", lambda gamma: AltGDA(gamma), "alternating GDA: x first, then y with the new x (needs op.players)", "related"),
    MethodSpec("la-alt-gda", lambda gamma, lam, tau: Lookahead(AltGDA(gamma), tau, lam), "Lookahead over alternating GDA", "derived"),
]

METHODS: dict[str, MethodSpec] = {s.name: s for s in _SPECS}


def make(name: str, **params: Any) -> Method:
    """Build the registered method ``name`` with ``params`` (see ``METHODS[name].params``).

    Raises
    ------
    ValueError
        Unknown name (with close matches), missing or unexpected parameters, or parameter
        values outside their valid range.
    """
    if not isinstance(name, str):
        from monoverify.validate import invalid

        raise invalid("name", name, f"a registered method name (str), one of {', '.join(sorted(METHODS))}")
    spec = METHODS.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, METHODS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InvalidValue(f"unknown method {name!r}{hint} Known: {', '.join(sorted(METHODS))}")
    allowed = spec.params
    extra = sorted(set(params) - set(allowed))
    if extra:
        raise InvalidValue(f"method {name!r} takes parameters {list(allowed)}, got unexpected {extra}")
    missing = [p for p, d in allowed.items() if d is inspect.Parameter.empty and p not in params]
    if missing:
        raise InvalidValue(f"method {name!r} needs parameters {missing}")
    return spec.factory(**params)  # the constructors validate every value (solvers.base._values)


# the field's anchored, accelerated, splitting and momentum methods (issue 25), appended
from .field_methods import FIELD_SPECS  # noqa: E402

METHODS.update({s.name: s for s in FIELD_SPECS})
