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
    names = []
    for pkg_name in PACKAGES:
        pkg = importlib.import_module(pkg_name)
        names.append(pkg_name)
        if hasattr(pkg, "__path__") and pkg_name != "monoverify":
            for info in pkgutil.iter_modules(pkg.__path__):
                names.append(f"{pkg_name}.{info.name}")
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
