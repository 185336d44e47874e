"""Every figure module runs in quick mode and writes non-empty PNG and PDF files."""

from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from monoverify.figures import FIGURES, NAMES, make_all  # noqa: E402


@pytest.mark.parametrize("name", NAMES)
def test_figure_quick(name, tmp_path):
    paths = FIGURES[name].make(tmp_path, quick=True)
    assert {p.suffix for p in paths} == {".png", ".pdf"}
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000, p
        assert p.parent == tmp_path


def test_registry_and_make_all_subset(tmp_path):
    assert set(FIGURES) == set(NAMES) and len(FIGURES) == 7
    with pytest.raises(KeyError, match="unknown figure"):
        FIGURES["nope"]
    paths = make_all(tmp_path / "out", quick=True, names=["egplus_region"])
    assert sorted(p.name for p in paths) == ["egplus_region.pdf", "egplus_region.png"]
