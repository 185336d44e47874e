"""The registry entries of the field's methods (issue 25): anchored, accelerated, splitting, momentum.

Appended to :data:`monoverify.solvers.METHODS` by :mod:`.registry`; each name is one of the
classes of :mod:`.anchored`, :mod:`.momentum`, :mod:`.splitting`, or a composition with
:class:`~monoverify.solvers.Lookahead` (no update rule is written twice: ``km`` is ``Lookahead(GDA)``).

>>> from monoverify.solvers import make
>>> make("km", gamma=1.0, lam=0.75)
Lookahead(base=GDA(gamma=1.0), tau=1, lam=0.75)
>>> make("la-hb", gamma=0.5, beta=-0.3, lam=0.5, tau=3)
Lookahead(base=HeavyBall(gamma=0.5, beta=-0.3), tau=3, lam=0.5)
"""

from __future__ import annotations

from .anchored import EAG, Halpern, IncreasingKM, KimAPP
from .base import check_interval
from .lookahead import Lookahead
from .methods import GDA
from .momentum import NAG, AltHeavyBall, HeavyBall
from .registry import MethodSpec
from .splitting import DavisYin, DouglasRachford, PastEG

__all__ = ["FIELD_SPECS"]


def _km(gamma, lam):
    check_interval("lam", lam, 0.0, 1.0)  # KM: a convex combination of z and T z
    return Lookahead(GDA(gamma), 1, lam)


FIELD_SPECS = [
    MethodSpec("halpern", lambda gamma: Halpern(gamma),
               "Halpern with Lieder's anchors 1/(k+2) on T = J_A(I - gamma F): z+ = (z0 + (k+1) T z)/(k+2)", "related"),
    MethodSpec("km", _km, "Krasnosel'skii-Mann, constant step: z+ = (1 - lam) z + lam T z, T = J_A(I - gamma F)",
               "related"),
    MethodSpec("km-increasing", lambda gamma: IncreasingKM(gamma),
               "Krasnosel'skii-Mann, increasing steps lam_k = (k+1)/(k+2)", "related"),
    MethodSpec("eag-c", lambda gamma: EAG(gamma), "extra anchored gradient, constant step (Yoon and Ryu 2021)",
               "related"),
    MethodSpec("eag-v", lambda gamma, L: EAG(gamma, L),
               "extra anchored gradient, varying steps from alpha_0 = gamma (Yoon and Ryu 2021; recursion reconstructed)",
               "reconstruction"),
    MethodSpec("kim-app", lambda gamma: KimAPP(gamma), "Kim's accelerated proximal point (Kim 2021)", "related"),
    MethodSpec("peg", lambda gamma: PastEG(gamma), "Popov's past extragradient (optimistic gradient), with constraints",
               "related"),
    MethodSpec("dr", lambda gamma, lam=1.0: DouglasRachford(gamma, lam),
               "Douglas-Rachford on 0 in Az + Bz: x = J_B w, y = J_A(2x - w), w+ = w + lam (y - x)", "related"),
    MethodSpec("davis-yin", lambda gamma, lam=1.0: DavisYin(gamma, lam),
               "Davis-Yin on 0 in Az + Bz + Cz: y = J_A(2x - w - gamma C x)", "related"),
    MethodSpec("hb", lambda gamma, beta: HeavyBall(gamma, beta),
               "Polyak's heavy ball z+ = P(z - gamma F z + beta (z - zprev)), any sign of beta", "related"),
    MethodSpec("alt-hb", lambda gamma, beta: AltHeavyBall(gamma, beta),
               "alternating heavy ball: players in turn, each with its own momentum (needs op.players)", "related"),
    MethodSpec("nag", lambda gamma, beta=None: NAG(gamma, beta),
               "Nesterov's accelerated gradient; beta=None: beta_k = (k-1)/(k+2) (convex scheme, Su-Boyd-Candes form)", "related"),
    MethodSpec("la-peg", lambda gamma, lam, tau: Lookahead(PastEG(gamma), tau, lam), "Lookahead over past EG",
               "derived"),
    MethodSpec("la-hb", lambda gamma, beta, lam, tau: Lookahead(HeavyBall(gamma, beta), tau, lam),
               "Lookahead over heavy ball", "derived"),
    MethodSpec("la-alt-hb", lambda gamma, beta, lam, tau: Lookahead(AltHeavyBall(gamma, beta), tau, lam),
               "Lookahead over alternating heavy ball", "derived"),
]
