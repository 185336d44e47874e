"""Operators: the problems, with their maps, symbolic constants and constraint sets.

>>> from monoverify.operators import LowerBoundGame
>>> op = LowerBoundGame(rho=-0.1, L=1.0)
>>> import numpy as np
>>> op.F(np.array([[1.0, 0.0]])).round(4)
array([[-0.1  , -0.995]])
"""

from .base import Constant, Constants, Operator
from .linear import BilinearGame, LinearOperator, LowerBoundGame, linear_constants, random_comonotone, rotation_scaling
from .sets import L1, Ball, Box, Set, Simplex, Whole
from .examples import Forsaken, GlobalForsaken, PolarGame
from .estimate import ConstantsEstimate, estimate_constants
from .dln import DiagonalLinearNetwork  # noqa: F401  (re-exported: a DLN's gradient field, not (co)monotone)
from .sums import LinearSum, OperatorSum, Sum, terms_of
from .classes import (fixed_point_residual, inconsistent_affine, ntk_gram, random_contraction, random_quadratic,
                      random_strongly_monotone, strong_monotonicity)

__all__ = [
    "Constant", "Constants", "Operator",
    "LinearOperator", "BilinearGame", "LowerBoundGame", "random_comonotone", "linear_constants", "rotation_scaling",
    "Set", "Whole", "Box", "Ball", "Simplex", "L1",
    "PolarGame", "Forsaken", "GlobalForsaken",
    "ConstantsEstimate", "estimate_constants",
    "Sum", "LinearSum", "OperatorSum", "terms_of",
    "strong_monotonicity", "random_strongly_monotone", "random_quadratic", "fixed_point_residual", "random_contraction",
    "inconsistent_affine", "ntk_gram",
]
