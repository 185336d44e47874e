"""
A convergence check in twenty lines
===================================

Does RAPP converge on a cohypomonotone game, for which relaxation weights, and does the run agree
with the exact spectral radius? One batched call sweeps 64 values of λ; the exact radius of the
same method object answers the same question without running it; and one registered theorem is
checked against its bound.
"""

# %%
# The problem: the lower-bound game with exactly ρ = −1/9 and L = 3 (c = −ρL = 1/3: nonmonotone).
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from monoverify.operators import LowerBoundGame
from monoverify.solvers import make, run
from monoverify.theory import check, spectral

op = LowerBoundGame(rho=-sp.Rational(1, 9), L=3)
print(op.constants.rho.value, op.constants.L.value)

# %%
# One call runs RAPP for 64 values of λ at once (hyper-parameters of shape ``(batch,)``).
lam = np.linspace(0.05, 5.0, 64)
method = make("rapp", gamma=0.9 / 3, lam=lam, tau=5)
r = run(method, op, np.array([1.0, 0.5]), iters=2000, tol=1e-10)   # 0.97^2000 < 1e-26
print(r.counts())

# %%
# The exact spectral radius of the *same* method object (obtained by running its step on one
# eigen-direction, never written down by hand): the runs converge exactly where it is below 1.
radius = spectral.spectral_radius(method, op)
converged = np.asarray(r.status) == "converged"
assert np.array_equal(converged[radius < 0.97], np.ones((radius < 0.97).sum(), bool))
assert not converged[radius > 1.0].any()
print("largest lambda with radius < 1:", lam[radius < 1].max())

fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(lam, radius, label="exact spectral radius")
ax.scatter(lam[converged], radius[converged], s=10, color="C2", label="run converged")
ax.axhline(1.0, color="k", lw=0.8)
ax.set_xlabel(r"$\lambda$")
ax.set_ylabel("radius")
ax.legend()
fig.tight_layout()

# %%
# The registered theorem behind it: relaxed proximal point's last-iterate rate (R4(a) on the
# Mathematics page). ``check`` runs its battery (``quick``: small grids) and judges every cell.
res = check("relaxed-pp.last_iterate", quick=True)
print(res.verdict, f"worst measured/bound = {res.worst_ratio:.3f}", res.judged_str())
