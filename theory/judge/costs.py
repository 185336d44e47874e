"""Measured check times, kept between runs to order parallel work longest first.

With fewer workers than theorems, the order of submission decides how long the last worker runs
alone. :func:`verify <monoverify.theory.judge.verify.verify>` submits the theorems in decreasing
order of their last measured time (those never measured first, since they may be long), the
longest-processing-time rule; results still come back in registry order and are identical to a
serial run. Times live in ``$MONOVERIFY_CACHE/verify/times.json`` (or ``~/.cache/monoverify/``),
one entry per theorem id and mode (quick or full). A missing, unreadable or unwritable file only
loses the ordering: the times are a hint, never a result.

A ``check`` with a pinned horizon ``K`` is estimated before it starts (:func:`guard_cell_steps`):
``K`` x cells x oracle calls per step, refused past the limit ``cell_steps`` of :mod:`monoverify.limits`
(``check --max-steps``).

>>> order_longest_first(["a", "b", "c"], {"a": 1.0, "c": 5.0})
['b', 'c', 'a']
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Hashable, Iterable, Mapping

from monoverify.cache import cache_root

__all__ = ["times_path", "load_times", "save_times", "order_longest_first", "cell_steps", "guard_cell_steps"]


def times_path() -> Path:
    """``$MONOVERIFY_CACHE/verify/times.json`` or ``~/.cache/monoverify/verify/times.json``."""
    return cache_root() / "verify" / "times.json"


def _key(theorem_id: str, quick: bool) -> str:
    return f"{theorem_id}|{'quick' if quick else 'full'}"


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_times(quick: bool, path: Path | None = None) -> dict[str, float]:
    """Theorem id -> last measured seconds in this mode (unknown ids are absent)."""
    tail = "|quick" if quick else "|full"
    out = {}
    for k, v in _read(path or times_path()).items():
        if isinstance(k, str) and k.endswith(tail) and isinstance(v, (int, float)) and math.isfinite(v) and v >= 0:
            out[k[: -len(tail)]] = float(v)
    return out


def save_times(times: Mapping[str, float], quick: bool, path: Path | None = None) -> None:
    """Merge ``times`` (id -> seconds) into the file; any I/O failure leaves it as it was."""
    path = path or times_path()
    data = _read(path)
    data.update({_key(i, quick): round(float(t), 3) for i, t in times.items() if math.isfinite(t)})
    from monoverify.atomic import write_text

    with contextlib.suppress(OSError):   # atomic: a temporary file is removed on any failure, never left behind
        write_text(path, json.dumps(data, indent=0, sort_keys=True), mkdir=True)


def order_longest_first(ids: Iterable[Hashable], times: Mapping[Hashable, float]) -> list:
    """``ids`` by decreasing measured time, unmeasured first (in their given order); ties keep the given order."""
    ids = list(ids)
    pos = {i: n for n, i in enumerate(ids)}
    return sorted(ids, key=lambda i: (-times.get(i, math.inf), pos[i]))


def cell_steps(bat: Iterable, params: Mapping) -> tuple[int, int, int]:
    """``(estimate, cells, calls per step)`` of a check with a pinned horizon: ``K`` x cells x calls per step
    (``tau`` inner steps for a Lookahead method, else 1; every cell is run to ``K``)."""
    n_cells = sum(len(cells) for _, cells in bat)
    calls = max(1, int(params.get("tau", 1)))
    return int(params["K"]) * max(1, n_cells) * calls, n_cells, calls


def guard_cell_steps(th, bat: Iterable, params: Mapping, max_steps: int | None = None) -> None:
    """Refuse a check whose pinned ``K`` makes it longer than the limit ``cell_steps`` (the estimate and the
    option that raises it in the message), before any cell runs."""
    from monoverify.limits import guard

    est, n_cells, calls = cell_steps(bat, params)
    guard("cell_steps", est, f"check {th.id} with K={params['K']}", option="--max-steps", given=max_steps,
          detail=f"K={params['K']} x {n_cells} cells x {calls} oracle call(s) per step")
