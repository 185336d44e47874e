"""Property-test your own method against a monoverify theorem (here EG+ and "eg+.best_iterate").

Run with ``pytest docs/downstream_example.py`` (add ``--monoverify-profile thorough`` for more examples).
"""
import dataclasses
from typing import Any, ClassVar

from hypothesis import given, settings

from monoverify.solvers import Method
from monoverify.theory.plugin import assert_theorem
from monoverify.theory.strategies import theorem_cases


@dataclasses.dataclass(frozen=True)
class MyEGPlus(Method):
    """EG+: z+ = z - alpha gamma F(z - gamma F z), written over the oracle protocol."""

    gamma: Any
    alpha: Any
    hyper_fields: ClassVar = ("gamma", "alpha")

    def step(self, state, oracle):
        z = state["z"]
        zbar = z - self.gamma * oracle.F(z)
        return {"z": z - self.alpha * self.gamma * oracle.F(zbar)}


@settings(settings.get_profile("monoverify-ci"), max_examples=15)
@given(case=theorem_cases("eg+.best_iterate", max_dim=4))
def test_my_eg_plus_meets_the_eg_plus_bound(case):
    # case.params satisfy the hypotheses; case.operator has exactly rho = params["rho"], L = params["L"]
    p = case.params
    method = MyEGPlus(gamma=p["gamma"], alpha=p["alpha"])
    assert_theorem("eg+.best_iterate", method=method, operator=case.operator, z0=case.z0, K=50, params=p)
