"""Shared by the documentation tests: build the site once per test session, skip or fail cleanly.

Without the docs tools (``pip install -e ".[docs]"``; Debian's ``chromium`` and ``chromium-driver``
for the browser test) these tests skip, unless ``MONOVERIFY_REQUIRE_DOCS=1`` (set by ``.ci/run``),
where a missing tool is a failure. ``MONOVERIFY_DOCS_BUILT=DIR`` reuses a site built before
(``python -m sphinx -W -b html docs DIR``) instead of building it again.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_BUILT: dict = {}


def required() -> bool:
    return os.environ.get("MONOVERIFY_REQUIRE_DOCS", "") == "1"


def unavailable(why: str) -> None:
    """Skip, or fail when the docs are required (CI)."""
    if required():
        pytest.fail(f"MONOVERIFY_REQUIRE_DOCS=1 but {why}")
    pytest.skip(why)


def need_modules(*names: str) -> None:
    missing = [n for n in names if importlib.util.find_spec(n) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (pip install -e '.[docs]')")


def build_site(tmp_root: Path) -> Path:
    """The built HTML site: ``python -m sphinx -W -b html docs OUT``, once per session."""
    if "out" in _BUILT:
        return _BUILT["out"]
    if "error" in _BUILT:          # built once and failed: say so again, do not build again
        pytest.fail(_BUILT["error"])
    given = os.environ.get("MONOVERIFY_DOCS_BUILT")
    if given:
        out = Path(given)
        if not (out / "index.html").is_file():
            pytest.fail(f"MONOVERIFY_DOCS_BUILT={given} holds no built site (index.html)")
        _BUILT["out"], _BUILT["seconds"], _BUILT["log"] = out, None, ""
        return out
    need_modules("sphinx", "furo", "numpydoc", "sphinx_gallery", "mathjax")
    out = tmp_root / "html"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", str(DOCS), str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=3000,
                          env=dict(os.environ, MPLBACKEND="Agg"))
    _BUILT["seconds"] = time.perf_counter() - t0
    _BUILT["log"] = proc.stdout + proc.stderr
    if proc.returncode != 0:
        _BUILT["error"] = f"the documentation build failed (exit {proc.returncode}):\n{_BUILT['log'][-6000:]}"
        pytest.fail(_BUILT["error"])
    _BUILT["out"] = out
    return out
