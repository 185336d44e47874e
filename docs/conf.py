"""Sphinx configuration of the monoverify documentation.

Build (after ``pip install -e ".[docs]"``)::

    python -m sphinx -W -b html docs docs/_build/html

The build runs ``monoverify verify --quick --report`` for the theorem catalogue (set
``MONOVERIFY_DOCS_REPORT=DIR`` to use an existing report folder instead), makes every figure and
runs every tutorial (sphinx-gallery), so it takes a few minutes.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import monoverify  # noqa: E402

project = "monoverify"
author = "the monoverify authors"
copyright = "2025, the monoverify authors"
version = release = monoverify.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "monoverify_docs",
]

root_doc = "index"
exclude_patterns = ["_build", "_screenshots", "**/_registered.inc", "*.md", "tutorials"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["monoverify.css"]
html_theme = "furo"
html_title = f"monoverify {release}"
html_show_sourcelink = False
pygments_style = "sphinx"
nitpicky = False

# -- MathJax 3, served from the site itself (no network needed to read it) ---------------------
# django-static-mathjax ships the MathJax 3 distribution (it needs no Django); tex-svg.js is one
# file with the TeX input and the SVG output (no font files)
_spec = importlib.util.find_spec("mathjax")
_mj = Path(_spec.submodule_search_locations[0]) / "static" / "mathjax" / "es5" / "tex-svg.js" if _spec and \
    _spec.submodule_search_locations else None
if _mj is not None and _mj.is_file():
    (HERE / "_static" / "mathjax").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_mj, HERE / "_static" / "mathjax" / "tex-svg.js")
    mathjax_path = "mathjax/tex-svg.js"
mathjax3_config = {"tex": {"macros": {"R": r"\mathbb{R}"}}, "svg": {"fontCache": "global"}}

# -- API reference ------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set = set()

# -- tutorials: every example runs at build ----------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["tutorials"],
    "gallery_dirs": ["auto_tutorials"],
    "filename_pattern": r"/tut_",          # run every tutorial
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "min_reported_time": 1,
    "reset_modules": ("matplotlib",),
}

suppress_warnings = ["config.cache"]
