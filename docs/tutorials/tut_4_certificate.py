"""
Reading and re-checking a certificate
=====================================

``monoverify prove`` turns a worst-case computation into an exact proof: rational weights on
inequalities valid on the class, and a sum of squares, adding up to the claim. The certificate is
a JSON file that a standard-library-only checker re-derives without solving anything.

The claim: Gu and Yang's tight constant for the proximal point method on monotone operators
(ρ = 0), N = 4, γ = 2: :math:`\\|z_4 - z_3\\|^2 \\le (1 - 1/N)^{N-1}/N\\,\\|z_0 - z^\\star\\|^2 = 27/256\\,\\|z_0 - z^\\star\\|^2`.
"""

# %%
from fractions import Fraction as Q

from monoverify.solvers import make
from monoverify.theory.prove import check_certificate, prove

p = prove(make("pp", gamma=Q(2)), rho=0, L=None, n=4, bound=Q(27, 256), metric="step")
print(p.status)
print(p.text)

# %%
# What the file holds
# -------------------
# The points (exact coefficient vectors over the basis z0 − z*, T(z1), …), every inequality with
# its weight, and the residual matrix S, which must be positive semidefinite.
import json
import tempfile
from pathlib import Path

folder = Path(tempfile.mkdtemp())
path = folder / "pp4.json"
path.write_text(json.dumps(p.certificate, indent=1))
cert = json.loads(path.read_text())
print(sorted(cert))
for ineq in cert["inequalities"][:3]:
    print(ineq["label"], "weight", ineq["weight"])

# %%
# Re-check it independently
# -------------------------
# ``theory/prove/checker.py`` imports nothing but the standard library: it rebuilds every
# inequality from the stored points, checks the identity exactly and factors S by an exact LDLᵀ.
import subprocess
import sys

import monoverify.theory.prove.checker as checker

out = subprocess.run([sys.executable, checker.__file__, str(path)], capture_output=True, text=True)
print(out.stdout.strip(), "| exit status", out.returncode)
assert out.returncode == 0 and check_certificate(cert)[0]

# %%
# A tampered certificate fails
# ----------------------------
# Change one weight: the identity no longer holds, and the checker says so.
cert["inequalities"][0]["weight"] = "1/64"
bad = folder / "pp4-tampered.json"
bad.write_text(json.dumps(cert))
out = subprocess.run([sys.executable, checker.__file__, str(bad)], capture_output=True, text=True)
print(out.stdout.strip()[:300], "| exit status", out.returncode)
assert out.returncode != 0 and not check_certificate(cert)[0]

# %%
# A false claim gets no certificate
# ---------------------------------
# 26/256 is below the worst case: ``prove`` refuses it and, because the PEP is exact for this
# class, shows a counterexample.
q = prove(make("pp", gamma=Q(2)), rho=0, L=None, n=4, bound=Q(26, 256), metric="step")
print(q.status)
print(q.message[:400])
