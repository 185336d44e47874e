"""Solvers: every method written once over a small vector-space protocol, and the runner.

>>> import numpy as np
>>> from monoverify.operators import LowerBoundGame
>>> from monoverify.solvers import make, run
>>> r = run(make("rapp", gamma=0.5, lam=0.5, tau=5), LowerBoundGame(-0.1, 1.0), np.array([1.0, 0.5]),
...         iters=500, tol=1e-10)
>>> str(r.status)
'converged'
"""

from .base import Method
from .compiled import compile_step
from .linear_path import NotLinear, transition_matrix
from .lookahead import Lookahead
from .methods import APP, EG, FEG, GDA, OGDA, PP, AdaptiveCEGPlus, CEGPlus
from .anchored import EAG, Halpern, IncreasingKM, KimAPP
from .momentum import NAG, AltHeavyBall, HeavyBall
from .splitting import DavisYin, DouglasRachford, PastEG
from .oracle import Oracle, StochasticOracle
from .registry import METHODS, MethodSpec, make
from .schedule import MiniBatch
from .runner import STATUSES, History, Run, residual, run

__all__ = [
    "Method", "Lookahead", "GDA", "EG", "CEGPlus", "AdaptiveCEGPlus", "OGDA", "PP", "APP", "FEG",
    "Oracle", "StochasticOracle", "MiniBatch", "METHODS", "MethodSpec", "make", "run", "Run", "History", "residual", "STATUSES",
    "transition_matrix", "NotLinear", "compile_step",
    "Halpern", "IncreasingKM", "EAG", "KimAPP", "HeavyBall", "AltHeavyBall", "NAG", "DouglasRachford", "DavisYin",
    "PastEG",
]
