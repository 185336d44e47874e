"""``monoverify check`` prints its table at the terminal's width (rich measures it, ``COLUMNS`` honoured),
like ``verify`` and ``list``; it used a fixed 120-column console (issue 23)."""

from __future__ import annotations

import pytest


class _Result:
    """What ``check``'s output reads of a check result (a stand-in: these tests do not depend on the judge)."""

    def __init__(self, th):
        self.theorem, self.verdict, self.worst_ratio = th, "holds", 0.5
        self.worst = {"rho": -0.3, "L": 1.0, "gamma": 0.999, "lam": 0.6, "tau": 200, "K": 100}
        self.n_judged, self.n_instances, self.not_judged, self.mismatches = 27, 24, {"ball": 3}, 0
        self.pep, self.reference, self.spectral, self.fitted_exponent = None, None, {"max_radius": 0.97}, -1.0
        self.explored_outside, self.message, self.notes, self.failed = False, "ok", [], False

    def judged_str(self):
        return "24/27"


@pytest.mark.parametrize("width", [100, 80])
@pytest.mark.parametrize("wide", [False, True])
def test_check_output_fits_the_terminal_and_keeps_the_id_whole(width, wide, monkeypatch, capsys):
    import monoverify.theory as theory
    from monoverify.cli import main
    from monoverify.theory import THEOREMS

    th = max(THEOREMS.values(), key=lambda t: len(t.id))
    monkeypatch.setattr(theory, "check", lambda *a, **kw: _Result(th))
    monkeypatch.setenv("COLUMNS", str(width))
    assert main(["check", th.id, "--quick", "--no-progress"] + (["--wide"] if wide else [])) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert any(th.id in line for line in lines)


def test_check_output_without_a_terminal_keeps_the_fixed_default(monkeypatch, capsys):
    import monoverify.theory as theory
    from monoverify.cli import main
    from monoverify.theory import THEOREMS

    th = THEOREMS["pp.last_iterate"]
    monkeypatch.setattr(theory, "check", lambda *a, **kw: _Result(th))
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["check", th.id, "--quick", "--no-progress"]) == 0
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) <= 120


def test_w_interval_column_shows_the_widest_gap_of_a_relaxation():
    """W [lower, upper]: the reference row whose [lower, upper] is widest relative to upper; 'tight' when
    every W is attained; '?' where no explicit instance of the class gave a lower end."""
    from types import SimpleNamespace

    from monoverify.cli.table import _w_interval

    def res(rows):
        return SimpleNamespace(reference={"rows": rows})

    tight = {"K": 5, "W_lower": 0.25, "W_upper": 0.25}
    loose = {"K": 10, "W_lower": 0.5, "W_upper": 1.0}       # gap 50 % of the upper end
    looser = {"K": 20, "W_lower": 0.1, "W_upper": 0.4}      # gap 75 %
    assert _w_interval(res([tight])) == "tight"
    assert _w_interval(res([tight, loose, looser])) == "[0.1, 0.4] at K=20"
    assert _w_interval(res([loose, {"K": 40, "W_lower": None, "W_upper": 0.3}])) == "[?, 0.3] at K=40"
    assert _w_interval(res([{"K": 3, "W_lower": None, "W_upper": None}])) == ""      # no optimal PEP: no W
    assert _w_interval(SimpleNamespace(reference=None)) == ""
