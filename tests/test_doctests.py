"""Run the doctests of every public module under its installed name (``monoverify.*``).

``pytest --doctest-modules`` would import the top-level folders as ``operators``/``solvers``
(a second copy of every class), so the examples are collected here instead.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import monoverify

PACKAGES = ["monoverify", "monoverify.operators", "monoverify.solvers", "monoverify.theory", "monoverify.figures"]


def _modules():
    """Every module of every package, subpackages included (``walk_packages``), each once."""
    names = []
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        names.append(pkg_name)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg_name}."):
            if pkg_name == "monoverify" and info.name.count(".") == 1 and info.ispkg:
                continue  # the mapped subpackages are walked under their own entry
            if info.name not in names:
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_doctests(name):
    try:
        mod = importlib.import_module(name)
    except ImportError as exc:  # optional dependency (e.g. CuPy) missing
        pytest.skip(f"{name}: {exc}")
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(mod, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
