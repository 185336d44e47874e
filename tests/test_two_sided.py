"""Two-sided worst cases (issue 27): lower <= W <= upper with an explicit operator of the class below.

Expected values: SPEC R34 (EG+ at gamma = 1/L has worst case L^2, attained by F = L id), the computed
values of SPEC §7 (EG+ alpha = 1/2, gamma = 0.5/L, N = 4: PEP 0.674385, linear lower bound 0.625662), and
the closed form of PP's worst case over normal maps at rho = -1/5 (tests/test_discover.py's docstring).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from monoverify.cli import main
from monoverify.solvers import make
from monoverify.theory.pep import TwoSided, in_class_exact, linear_lower_bound, two_sided


def _eg_plus(M: np.ndarray, z0: np.ndarray, gamma: float, alpha: float, n: int) -> np.ndarray:
    """EG+ written here, on the matrix: z+ = z - alpha gamma M (z - gamma M z)."""
    z = z0.copy()
    for _ in range(n):
        z = z - alpha * gamma * M @ (z - gamma * M @ z)
    return z


def test_eg_plus_at_gamma_one_over_L_is_attained_and_the_gap_closes():
    t = two_sided(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 2)
    assert t.status == "ok" and not t.tight
    assert abs(t.upper - 1.0) < 1e-6 and abs(t.lower - 1.0) < 1e-9 and t.gap < 1e-6
    assert t.witness["in_class"] and in_class_exact(t.witness["matrix"], -0.1, 1.0)


def test_the_relaxation_gap_of_spec_section_7_and_the_witness_reproduced_by_hand():
    t = two_sided(make("eg+", gamma=0.5, alpha=0.5), -0.1, 1.0, 4)
    assert abs(t.upper - 0.674385) < 1e-5
    assert t.lower >= 0.625662 - 1e-6 and t.lower <= t.upper
    assert math.isclose(t.gap, t.upper - t.lower, rel_tol=1e-12)
    # the witness is a member of the class, and its metric is what EG+ written out gives on it
    M, z0 = np.asarray(t.witness["matrix"]), np.asarray(t.witness["z0"])
    assert in_class_exact(M, -0.1, 1.0)
    z0 = z0 / np.linalg.norm(z0)
    zN = _eg_plus(M, z0, 0.5, 0.5, 4)
    assert math.isclose(float(np.sum((M @ zN) ** 2)), t.lower, rel_tol=1e-10)


def test_set_valued_class_is_tight_and_attained_by_a_normal_map():
    N, rho = 6, -0.2
    t = two_sided(make("pp", gamma=1.0), rho, None, N)
    exact = (1 - 1 / N) ** (N - 1) / ((1 + 2 * rho) * N)
    assert t.tight and t.gap == 0.0 and t.lower == t.upper
    assert abs(t.upper - exact) <= 1e-8 * exact
    assert abs(t.witness["value"] - exact) <= 1e-12 * exact      # the explicit map attains the closed form


def test_polished_rotation_scaling_search_reaches_the_closed_form():
    N, rho = 11, -0.2
    exact = (1 - 1 / N) ** (N - 1) / ((1 + 2 * rho) * N)
    grid = linear_lower_bound(make("pp", gamma=1.0), rho, None, N, "operator")
    pol = linear_lower_bound(make("pp", gamma=1.0), rho, None, N, "operator", polish=True)
    assert grid.value <= pol.value <= exact * (1 + 1e-12)
    assert exact - pol.value <= 1e-12 * exact < exact - grid.value


def test_best_iterate_metric_is_the_minimum_over_the_iterates_the_pep_bounds():
    from monoverify.operators import LinearOperator
    from monoverify.theory.pep.lower_bound import metric_on_operator

    M = np.array([[0.3, 0.9], [-0.7, 0.2]])
    op = LinearOperator(M, solution=np.zeros(2))
    z0 = np.array([[0.6, 0.8]])
    m = make("eg+", gamma=0.5, alpha=0.5)
    zs = [z0[0]]
    for _ in range(3):
        zs.append(_eg_plus(M, zs[-1], 0.5, 0.5, 1))
    by_hand = [float(np.sum((M @ z) ** 2)) for z in zs]          # ||F z_k||^2, k = 0..3
    assert math.isclose(metric_on_operator(m, op, z0, 3, "operator", "last")[0], by_hand[3], rel_tol=1e-12)
    assert math.isclose(metric_on_operator(m, op, z0, 3, "operator", "best")[0], min(by_hand[:3]), rel_tol=1e-12)


def test_exact_class_membership():
    rot = [[0.0, 1.0], [-1.0, 0.0]]
    assert in_class_exact(rot, 0, 1) and not in_class_exact(rot, 0, 0.99) and not in_class_exact(rot, 0.1, 1)
    assert not in_class_exact([[-1.0, 0.0], [0.0, 1.0]], 0, None)          # not monotone
    from monoverify.operators.matrices import rotation_scaling_block

    inside = rotation_scaling_block(-0.5 + 1e-9, 1 - 1e-12)      # rho_j just above -1/2, L_j just below 1
    outside = rotation_scaling_block(-0.6, 1.0)                    # rho_j = -0.6 < -1/2
    assert in_class_exact(inside, -0.5, 1.0) and not in_class_exact(outside, -0.5, 1.0)
    b = 1 / 3
    assert in_class_exact([[b, 0.0], [0.0, b]], 3, None) and not in_class_exact([[b, 0.0], [0.0, b]], 3.1, None)


def test_round_trip_and_bad_input():
    t = two_sided(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 1)
    back = TwoSided.from_dict(json.loads(t.to_json()))
    assert back.lower == t.lower and back.upper == t.upper and back.pep.value == t.pep.value
    with pytest.raises(ValueError, match="L must be > 0"):
        two_sided(make("eg+", gamma=1.0, alpha=0.5), -0.1, -1.0, 1)
    with pytest.raises(ValueError, match="iterate"):
        linear_lower_bound(make("eg+", gamma=1.0, alpha=0.5), -0.1, 1.0, 1, iterate="worst")


def test_pep_json_carries_lower_upper_gap(capsys):
    assert main(["pep", "eg+", "--rho", "-0.1", "--L", "1", "--gamma", "0.5", "--alpha", "0.5", "--n", "4",
                 "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["upper"] == d["value"] and d["lower"] <= d["upper"] and math.isclose(d["gap"], d["upper"] - d["lower"])
    assert d["witness"]["in_class"] and d["tight"] is False
    assert main(["pep", "pp", "--rho", "-0.2", "--gamma", "1", "--n", "3", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["tight"] is True and d["gap"] == 0.0 and d["lower"] == d["upper"] == d["value"]
