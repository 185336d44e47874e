"""The verify / check table: a default view that fits 120 columns, ``--wide`` for every column.

Columns are data: :data:`COLUMNS` lists ``(header, cell function, wide only)``; a column whose
cells are all empty is dropped, so a column such as an empirical/W ratio appears only when some
result carries it.
"""

from __future__ import annotations

import math
from typing import Any, Callable

__all__ = ["results_table", "COLUMNS", "verdict_text", "NO_CLAIM"]

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


def _source(r: Any) -> str:
    head = r.theorem.source.split(";")[0].strip()
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
    ("source", _source, True),
    ("instances", lambda r: str(r.n_instances), True),
    ("region", _region, True),
    ("rate fit", _rate, True),
    ("spectral", _spectral, True),
    ("PEP: lower <= pep <= bound", _pep_long, True),
    ("not judged (why)", lambda r: "; ".join(f"{n} {w}" for w, n in r.not_judged.items()), True),
]

CAPTION = ("worst: max measured/bound over judged cells; judged: judged/run; proved: exact certificates for "
           "N <= n at every PEP cell; tag*: see `monoverify list theorems`")


def results_table(results: list, title: str, wide: bool = False):
    """A rich table of check results (default: fits 120 columns; ``wide``: every column)."""
    from rich import box
    from rich.table import Table

    cols = [(h, f) for h, f, w in COLUMNS if wide or not w]
    cells = [[f(r) for _, f in cols] for r in results]
    keep = [i for i, (h, _) in enumerate(cols) if h in ("theorem", "verdict") or any(row[i] for row in cells)]
    t = Table(title=title, caption=CAPTION, box=box.SIMPLE_HEAD, pad_edge=False)
    for i in keep:
        h = cols[i][0]
        t.add_column(h, no_wrap=not wide or h in ("theorem", "verdict"),
                     overflow="fold", max_width=None if h in ("theorem", "verdict") or not wide else 34)
    for row in cells:
        t.add_row(*[row[i] for i in keep])
    return t
