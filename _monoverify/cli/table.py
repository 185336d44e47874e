"""The verify / check table: a default view and ``--wide`` for every column, fitted to the terminal.

Columns are data: :data:`COLUMNS` lists ``(header, cell function, wide only)``; a column whose
cells are all empty is dropped, so a column such as an empirical/W ratio appears only when some
result carries it.

Width: :func:`table_console` gives a console as wide as the terminal rich measures (its size, or
``COLUMNS``); output that goes to no terminal (a pipe, a file, a log) gets a fixed width instead
(120 columns for the default view). Identifiers (theorem ids, method names) are never broken:
their column does not wrap and keeps the width of the longest id; every other column may wrap,
long values fold.

References such as ``R5`` or ``§1.2`` in sources and notes name sections of the Mathematics page of
the documentation (``docs/mathematics.rst``, built with ``python -m sphinx -b html docs OUT``):
:func:`cite` writes them so.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Callable

__all__ = ["results_table", "COLUMNS", "verdict_text", "NO_CLAIM", "table_console", "cite", "id_column",
           "DOCS_REF", "CAPTION"]

#: where the references R1..R36, I-1..I-9 and §x.y of sources and notes are explained
DOCS_REF = "R-numbers and § sections: the Mathematics page of the documentation (docs/mathematics.rst)"

_SPEC = re.compile(r"\bSPEC\s+(?=(?:§|R\d|I-\d|\d))")


def cite(text: str) -> str:
    """``text`` with ``SPEC R5`` / ``SPEC §1.2`` written as ``R5`` / ``§1.2``: the sections of the
    documentation's Mathematics page (the internal specification is not shipped).

    >>> cite("SPEC R10 mechanism; SPEC §5.2 overlay")
    'R10 mechanism; §5.2 overlay'
    """
    return _SPEC.sub("", text)


def table_console(default_width: int, stderr: bool = False):
    """A rich console as wide as the terminal (rich measures it, honouring ``COLUMNS``); when the
    output goes to no terminal and ``COLUMNS`` is not set, ``default_width`` columns."""
    from rich.console import Console

    c = Console(stderr=stderr)
    if c.is_terminal or os.environ.get("COLUMNS", "").strip().isdigit():
        return c
    return Console(stderr=stderr, width=default_width)


def id_column(table: Any, header: str, ids: list[str], **kw: Any) -> None:
    """Add a column of identifiers that never wraps or folds: it keeps the longest id's width."""
    table.add_column(header, no_wrap=True, overflow="fold",
                     min_width=max([len(header)] + [len(i) for i in ids]), **kw)

NO_CLAIM = "outside hypotheses — no claim"


def verdict_text(r: Any) -> str:
    if getattr(r, "explored_outside", False) and r.n_judged == 0:
        return f"[dim]{NO_CLAIM}[/]"
    return {"holds": "[green]holds[/]", "violated": "[bold red]VIOLATED[/]", "finding": "[yellow]finding[/]",
            "inconclusive": "[magenta]inconclusive[/]"}.get(r.verdict, r.verdict)


def _num(x: Any, fmt: str = ".4g") -> str:
    if x is None:
        return ""
    x = float(x)
    if math.isnan(x):
        return "-"
    return format(x, ".7g") if x != 1 and abs(x - 1) < 1e-3 else format(x, fmt)   # never round to a false "1"


def _tag(r: Any) -> str:
    th = r.theorem
    return th.provenance + ("*" if th.statement_provenance and th.statement_provenance != th.provenance else "")


def _ratio(r: Any) -> str:
    return _num(r.worst_ratio)


def _region(r: Any) -> str:
    if r.theorem.kind != "region" or not r.worst:
        return ""
    side = "converges" if r.worst.get("condition") else "diverges"
    return f"radius {r.worst.get('radius', float('nan')):.6g} ({side}); {r.mismatches} mismatches"


def _rate(r: Any) -> str:
    e = r.fitted_exponent
    return "" if e is None else (f"{e:.2f}" if e > -5 else "< -5 (linear)")


def _spectral(r: Any) -> str:
    s = r.spectral
    if not s:
        return ""
    if "max_radius" in s:
        return s.get("note") or f"max radius {s['max_radius']:.6g}"
    return "exact radius per cell"


def _pep_short(r: Any) -> str:
    p = r.pep
    if not p:
        return ""
    j = p.get("judgement")
    head = _num(p["max_pep_over_bound"], ".3g") if p["max_pep_over_bound"] is not None else "-"
    flag = "" if j is None or j.verdict == "holds" else f" {j.verdict}"
    return f"{head}{flag}"


def _pep_long(r: Any) -> str:
    p = r.pep
    if not p:
        return ""
    n = len(p["rows"])
    bad = p["lower_inversions"] + p["upper_inversions"] + p["failed_solves"]
    parts = [f"{n - bad}/{n} ok"]
    if p["upper_inversions"]:
        parts.append(f"{p['upper_inversions']} above bound" + (" (exact class)" if p["exact_class"] else " (relaxation)"))
    if p["lower_inversions"]:
        parts.append(f"{p['lower_inversions']} below a linear instance")
    if p["failed_solves"]:
        parts.append(f"{p['failed_solves']} solver failures")
    return "; ".join(parts)


def _emp_over_w(r: Any) -> str:
    ref = getattr(r, "reference", None)
    if not ref:
        return ""
    v = ref.get("empirical_over_W") if isinstance(ref, dict) else getattr(ref, "empirical_over_W", None)
    return _num(v, ".3g")


def _proved(r: Any) -> str:
    """``N<=n`` where exact certificates (``monoverify prove``) exist for every N <= n at every PEP cell."""
    p = (r.pep or {}).get("proved") if isinstance(r.pep, dict) else None
    return f"N<={p['n']}" if p and p.get("n") else ""


def _bound_over_w(r: Any) -> str:
    ref = getattr(r, "reference", None)
    return _num(ref.get("bound_over_W"), ".3g") if isinstance(ref, dict) else ""


def _w_interval(r: Any) -> str:
    """W as an interval where the PEP is a relaxation (Lipschitz classes): ``[lower, upper] at K=..`` of the
    reference row with the widest relative gap (lower: the best explicit instance of the class, ``?`` where none
    was found); ``tight`` when every reference row's W is attained."""
    ref = getattr(r, "reference", None)
    rows = [x for x in (ref.get("rows", []) if isinstance(ref, dict) else []) if x.get("W_upper") is not None]
    if not rows:
        return ""
    def gap(x: dict) -> float:
        lo, up = x.get("W_lower"), x["W_upper"]
        return float("inf") if lo is None else (up - lo) / abs(up) if up else 0.0
    worst = max(rows, key=gap)
    if gap(worst) <= 1e-6:
        return "tight"
    lo = "?" if worst.get("W_lower") is None else f"{worst['W_lower']:.3g}"
    return f"[{lo}, {worst['W_upper']:.3g}] at K={worst['K']}"


def _source(r: Any) -> str:
    head = cite(r.theorem.source).split(";")[0].strip()
    return head if len(head) <= 32 else head[:31] + "…"


#: (header, cell, wide only)
COLUMNS: list[tuple[str, Callable[[Any], str], bool]] = [
    ("theorem", lambda r: r.theorem.id, False),
    ("tag", _tag, False),
    ("verdict", verdict_text, False),
    ("worst", _ratio, False),
    ("judged", lambda r: r.judged_str(), False),
    ("emp/W", _emp_over_w, False),
    ("PEP/bound", _pep_short, False),
    ("proved", _proved, False),
    ("bound/W", _bound_over_w, True),
    ("W [lower, upper]", _w_interval, True),
    ("source", _source, True),
    ("instances", lambda r: str(r.n_instances), True),
    ("region", _region, True),
    ("rate fit", _rate, True),
    ("spectral", _spectral, True),
    ("PEP: lower <= pep <= bound", _pep_long, True),
    ("not judged (why)", lambda r: "; ".join(f"{n} {w}" for w, n in r.not_judged.items()), True),
]

CAPTION = ("worst: max measured/bound over judged cells; judged: judged/run; proved: exact certificates for "
           "N <= n at every PEP cell; tag*: see `monoverify list theorems`; " + DOCS_REF)


def results_table(results: list, title: str | None, wide: bool = False, caption: bool = True):
    """A rich table of check results (default view; ``wide``: every column).

    The theorem and verdict columns never wrap (ids stay whole); the others wrap and fold so that
    the table fits the console it is printed on. ``caption=False`` leaves :data:`CAPTION` out, for
    callers that print it as a line of its own (a table of few columns would squeeze it).
    """
    from rich import box
    from rich.table import Table

    cols = [(h, f) for h, f, w in COLUMNS if wide or not w]
    cells = [[f(r) for _, f in cols] for r in results]
    keep = [i for i, (h, _) in enumerate(cols) if h in ("theorem", "verdict") or any(row[i] for row in cells)]
    t = Table(title=title, caption=CAPTION if caption else None, box=box.SIMPLE_HEAD, pad_edge=False)
    for i in keep:
        h = cols[i][0]
        if h == "theorem":
            id_column(t, h, [row[i] for row in cells])
        elif h == "verdict":
            t.add_column(h, no_wrap=True)
        else:
            t.add_column(h, overflow="fold", max_width=34 if wide else None)
    for row in cells:
        t.add_row(*[row[i] for i in keep])
    return t
