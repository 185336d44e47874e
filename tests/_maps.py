"""Test operators and helpers shared by several test files."""

from __future__ import annotations

import warnings

import numpy as np
import sympy as sp

from monoverify.operators.base import Constant, Constants, Operator


class SinMap(Operator):
    """``F z = A z + sin z + b`` (test operator; L <= ||A||_2 + 1)."""

    def __init__(self, A: np.ndarray, b: np.ndarray, constraint=None):
        self.A = np.asarray(A, dtype=float)
        self.b = np.asarray(b, dtype=float)
        self.dim = self.A.shape[0]
        self.name = "SinMap"
        self.params = {"dim": self.dim}
        self._constraint = constraint
        L = float(np.linalg.norm(self.A, 2)) + 1.0
        self.constants = Constants(
            L=Constant(sp.Float(L, 17), "bound", "test: ||A||_2 + 1"),
            rho=Constant(-sp.oo, "bound", "test: unknown"),
        )

    def _F(self, z, xp):
        return z @ self.A.T + np.sin(z) + self.b


def no_runtime_warnings(fn, *a, **kw):
    """``fn(*a, **kw)``, failing the test if it raised any RuntimeWarning (divergence is a status, not a warning)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = fn(*a, **kw)
    bad = [str(w.message) for w in rec if issubclass(w.category, RuntimeWarning)]
    assert not bad, bad
    return out


def cupy_or_skip():
    """The ``cupy`` module, or skip the test (CuPy absent, or installed without a usable GPU)."""
    import pytest

    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("CuPy installed but no GPU")
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"CuPy installed but unusable: {exc}")
    return cupy
