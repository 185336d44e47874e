"""Exact, independently checkable proofs from the PEP dual (``monoverify prove``, issue 15).

>>> from fractions import Fraction as Q
>>> from monoverify.solvers import make
>>> p = prove(make("pp", gamma=Q(1)), rho=0, L=None, n=2, bound=Q(1, 4))   # Gu-Yang, N = 2
>>> p.status, check_certificate(p.certificate)[0]     # the identity, and the claim derived again
('proved', True)
"""

from .certificate import check_certificate, check_file
from .core import STATUSES, Proof, certify, prove
from .lyapunov import Potential, find_potential
from .problem import build
from .symbolic import NotRepresentable, trace

__all__ = ["prove", "Proof", "STATUSES", "certify", "build", "trace", "check_certificate", "check_file",
           "NotRepresentable", "find_potential", "Potential"]
