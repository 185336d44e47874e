"""Closed forms from PEP values, registered as conjectures and proved (``monoverify discover``, issue 27).

* :func:`discover` fits a grammar of closed forms (:mod:`.grammar`) to high-accuracy PEP values over ``N``
  (and swept parameters), pins small-``N`` values to exact fractions proved by ``prove``, and proposes the
  simplest formula only when it predicts held-out ``N`` within a tolerance (:class:`Discovery`).
* :func:`to_theorem` turns a proposed formula into a registry :class:`~monoverify.theory.theorems.Theorem` with
  ``provenance="conjecture"`` (judged like any theorem; a violation is a finding); :func:`entry_source`
  writes the ``register(Theorem(...))`` entry.
* :func:`prove_conjecture` tries to prove the formula for every ``N`` (horizon potentials,
  :func:`monoverify.theory.prove.lyapunov.find_horizon_potential`); the theorem is then ``derived``.
"""

from .conjecture import entry_source, prove_conjecture, to_theorem
from .core import Discovery, discover, parse_formula
from .grammar import FACTORS, Form, fit_rational, forms

__all__ = ["discover", "Discovery", "parse_formula", "to_theorem", "entry_source", "prove_conjecture", "forms",
           "Form", "FACTORS", "fit_rational"]
