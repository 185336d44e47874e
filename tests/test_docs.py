"""The documentation is checked like code: it builds with warnings as errors, its code blocks run as
doctests, its catalogue has a page per registered theorem, and every reference resolves."""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest

from _docs import DOCS, ROOT, build_site, need_modules

RST_PAGES = sorted(p for p in DOCS.glob("*.rst") if p.name != "cli.rst")     # cli.rst is generated


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("docs"))


# ------------------------------------------------------------------------------------------
# without Sphinx: the pages' code, the references, the README and CI
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", [p.name for p in RST_PAGES])
def test_python_code_on_the_pages_runs_as_doctests(page, monkeypatch):
    text = (DOCS / page).read_text(encoding="utf-8")
    # python shown on a page is a doctest (run here) or a tutorial script (run by the build)
    assert not re.search(r"^\.\. code-block:: (python|pycon)\s*$", text, flags=re.M), \
        f"{page}: write python examples as '>>>' doctest blocks so that they are run"
    monkeypatch.chdir(ROOT)
    failures, tried = doctest.testfile(str(DOCS / page), module_relative=False, optionflags=doctest.ELLIPSIS,
                                       verbose=False, report=True)
    assert failures == 0
    if page == "getting_started.rst":
        assert tried >= 10


def _labels() -> set[str]:
    text = (DOCS / "mathematics.rst").read_text(encoding="utf-8")
    return {m.group(1).lower() for m in re.finditer(r"^\.\. _([\w.-]+):\s*$", text, flags=re.M)}


def _refs(text: str) -> set[str]:
    """Anchors named by R5, R7(c), §1.2, I-3 in ``text`` (the rule of docs/_ext/monoverify_docs.py, re-stated)."""
    out = {f"r{int(n)}" for n in re.findall(r"\bR(\d{1,2})(?:\([a-z]\)|\b)", text)}
    out |= {"s" + n.replace(".", "-") for n in re.findall(r"§(\d{1,2}(?:\.\d{1,2})?)", text)}
    out |= {f"i-{n}" for n in re.findall(r"\bI-(\d)\b", text)}
    return out


def test_every_reference_in_the_registry_and_the_cli_has_an_anchor_on_the_mathematics_page():
    from monoverify.theory import THEOREMS

    labels = _labels()
    assert {f"r{i}" for i in range(1, 37)} | {f"i-{i}" for i in range(1, 10)} | {"s1-2", "s5-2", "provenance"} <= labels
    missing = {}
    for th in THEOREMS.values():
        texts = [th.title, th.source, th.note, th.statement, getattr(th, "finding", ""), *th.unneeded.values()]
        bad = set().union(*map(_refs, texts)) - labels
        if bad:
            missing[th.id] = sorted(bad)
    for f in ("README.md", "_monoverify/cli/table.py", "_monoverify/cli/list_cmd.py", "_monoverify/cli/verify_cmd.py"):
        bad = _refs((ROOT / f).read_text(encoding="utf-8")) - labels
        if bad:
            missing[f] = sorted(bad)
    assert not missing


def test_the_readme_and_the_cli_cite_the_docs_not_the_internal_spec():
    # (table.py translates "SPEC R5" in registry strings into "R5": it names SPEC by necessity)
    for f in ("README.md", "_monoverify/cli/list_cmd.py", "_monoverify/cli/verify_cmd.py",
              "_monoverify/cli/phase_cmd.py"):
        text = (ROOT / f).read_text(encoding="utf-8")
        assert not re.search(r"\bSPEC\b", text), f"{f} cites SPEC"


def test_readme_documentation_section_has_the_build_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"python -m sphinx -W -b html docs \S+", section)
    assert 'pip install -q -e ".[docs]"' in section or "pip install -e '.[docs]'" in section or \
        'pip install -e ".[docs]"' in section


def test_ci_installs_the_docs_tools_before_the_readme_test_command_and_requires_them():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run_at = ci.index('bash -c "$TEST_COMMAND"')
    for needle in ("apt-get install -y", "chromium", "chromium-driver", '".[test,docs]"', "MONOVERIFY_REQUIRE_DOCS=1"):
        assert needle in ci and ci.index(needle) < run_at, needle


def test_a_new_theorem_gets_its_catalogue_page_without_a_hand_edit(tmp_path, monkeypatch):
    """The catalogue generator on a throw-away registry entry and a report with fields it has never seen."""
    need_modules("sphinx")
    import shutil
    import sys
    import types

    import sympy as sp

    sys.path.insert(0, str(DOCS / "_ext"))
    import monoverify_docs as gen
    from monoverify.theory.theorems import SYMBOLS, THEOREMS, Theorem, register

    rho, gamma, K, D0 = (SYMBOLS[n] for n in ("rho", "gamma", "K", "D0"))
    th = register(Theorem(id="zz-test.new_theorem", title="PP again (R5), for the catalogue test",
                          source="R5 and §7", provenance="derived", method="pp", method_params={"gamma": gamma},
                          hypotheses=sp.And(rho > -gamma / 2), bound=D0 / (gamma * (gamma + 2 * rho) * K),
                          metric="operator_sq", finding=""))
    try:
        confdir = tmp_path / "docs"
        confdir.mkdir()
        shutil.copyfile(DOCS / "mathematics.rst", confdir / "mathematics.rst")
        report = tmp_path / "report"
        report.mkdir()
        entry = {"theorem": th.describe(), "verdict": "holds", "worst_ratio": 0.9, "n_judged": 3, "n_cells": 4,
                 "a_field_from_a_future_judge": {"x": 1}, "curves": [{"k": [1, 2, 3], "measured": [1.0, 0.5, 0.3],
                                                                       "bound": [2.0, 1.0, 0.7], "ratio": 0.5}]}
        (report / "verify.json").write_text(json.dumps({"mode": "quick", "results": [entry]}))
        monkeypatch.setenv("MONOVERIFY_DOCS_REPORT", str(report))
        app = types.SimpleNamespace(confdir=str(confdir), doctreedir=str(tmp_path / "doctrees"))
        gen.write_catalogue(app, {})
        page = (confdir / "catalogue" / "zz-test.new_theorem.rst").read_text()
        assert ":math:`\\rho > - \\frac{\\gamma}{2}`" in page                       # hypotheses in LaTeX
        assert "Verdict of this build: holds" in page and "a_field_from_a_future_judge" in page   # shown as it comes
        assert ":ref:`R5 <r5>`" in page and ":ref:`§7 <s7>`" in page
        assert (confdir / "catalogue" / "_files" / "zz-test.new_theorem-curves.png").stat().st_size > 1000
        pages = {p.stem for p in (confdir / "catalogue").glob("*.rst")} - {"index"}
        assert pages == set(THEOREMS)                                               # one page per theorem
        assert "zz-test.new_theorem" in (confdir / "catalogue" / "index.rst").read_text()
    finally:
        THEOREMS.pop("zz-test.new_theorem", None)


# ------------------------------------------------------------------------------------------
# the built site
# ------------------------------------------------------------------------------------------
def test_the_site_builds_with_warnings_as_errors_and_has_every_page(site):
    from monoverify.theory import THEOREMS
    from monoverify.figures import NAMES

    for page in ("index", "getting_started", "mathematics", "cli", "api", "changelog", "catalogue/index",
                 "gallery/index", "auto_tutorials/index"):
        assert (site / f"{page}.html").is_file(), page
    for tid in THEOREMS:
        html = (site / "catalogue" / f"{tid}.html").read_text(encoding="utf-8")
        assert tid in html and "Verdict of this build" in html, tid
    for name in NAMES:
        assert (site / "gallery" / f"{name}.html").is_file()
    tutorials = sorted((site / "auto_tutorials").glob("tut_*.html"))
    assert len(tutorials) == 4
    for t in tutorials:                                    # every tutorial ran: its output is on the page
        assert "sphx-glr-script-out" in t.read_text(encoding="utf-8"), t.name


def test_the_cli_reference_is_generated_from_the_parser(site):
    from monoverify.cli import build_parser

    html = (site / "cli.html").read_text(encoding="utf-8")
    ap = build_parser()
    sub = next(a for a in ap._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, parser in sub.choices.items():
        assert f'id="cli-{name}"' in html, name
        for action in parser._actions:
            for opt in action.option_strings:
                assert opt in html, (name, opt)


def test_the_api_reference_documents_the_public_modules(site):
    for mod in ("operators", "solvers", "theory", "theory.judge", "theory.pep", "theory.prove", "theory.phase",
                "theory.strategies", "theory.plugin", "theory.spectral", "theory.theorems"):
        assert (site / "api" / f"monoverify.{mod}.html").is_file(), mod
    html = (site / "api" / "monoverify.solvers.html").read_text(encoding="utf-8")
    assert "monoverify.solvers.run" in html and "Lookahead" in html
