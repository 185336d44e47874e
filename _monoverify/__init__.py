"""monoverify: numerical verification of monotone operator theory.

The subpackages live in the repository's top-level folders and are mapped into this
namespace by ``pyproject.toml``:

- :mod:`monoverify.operators` -- problems with symbolic constants,
- :mod:`monoverify.solvers` -- methods written once over a vector-space protocol, and the runner,
- :mod:`monoverify.theory` -- theorem registry, checks, spectral analysis, PEP, phase diagrams, CLI,
- :mod:`monoverify.figures` -- one module per figure.
"""

__version__ = "0.1.0"
