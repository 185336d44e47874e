"""
A phase diagram
===============

Where, over (ρL, λ), does RAPP with γL = 0.9 and τ = 5 converge? This is the README's first phase
example: the spectral radius on the lower-bound game over a 41 × 40 grid, with the boundary of the
registered region theorem ``rapp-conic.lambda_star`` drawn from its condition.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from monoverify.theory.phase import phase_diagram

res = phase_diagram("rapp", {"rhoL": np.linspace(-0.5, 0, 41), "lam": np.linspace(0.05, 2, 40)},
                    fixed={"gammaL": 0.9, "tau": 5}, progress=False)
print(res.values.shape, "cells;", int((res.values < 1).sum()), "converge")

# %%
# The boundaries come from the registry (no formula is typed here); a condition that has no quick
# closed form would be drawn as a numeric contour and labelled so.
for label, x, y, kind in res.boundaries():
    print(kind, label)

fig, ax = plt.subplots(figsize=(6.4, 4.4))
res.plot(ax=ax)
fig.tight_layout()

# %%
# The same as a table (``res.to_csv(path)``; the command line writes it with ``--csv``):
#
# .. code-block:: bash
#
#    monoverify phase rapp --x rhoL=-0.5:0:41 --y lam=0.05:2:40 --fixed gammaL=0.9 tau=5 --png rapp.png --csv rapp.csv
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as d:
    path = res.to_csv(Path(d) / "rapp.csv")
    print(Path(path).read_text().splitlines()[:3])
