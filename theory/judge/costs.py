"""Measured check times, kept between runs to order parallel work longest first.

With fewer workers than theorems, the order of submission decides how long the last worker runs
alone. :func:`verify <monoverify.theory.judge.verify.verify>` submits the theorems in decreasing
order of their last measured time (those never measured first, since they may be long), the
longest-processing-time rule; results still come back in registry order and are identical to a
serial run. Times live in ``$MONOVERIFY_CACHE/verify/times.json`` (or ``~/.cache/monoverify/``),
one entry per theorem id and mode (quick or full). A missing, unreadable or unwritable file only
loses the ordering: the times are a hint, never a result.

>>> order_longest_first(["a", "b", "c"], {"a": 1.0, "c": 5.0})
['b', 'c', 'a']
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Hashable, Iterable, Mapping

from monoverify.cache import cache_root

__all__ = ["times_path", "load_times", "save_times", "order_longest_first"]


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
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=0, sort_keys=True))
        os.replace(tmp, path)


def order_longest_first(ids: Iterable[Hashable], times: Mapping[Hashable, float]) -> list:
    """``ids`` by decreasing measured time, unmeasured first (in their given order); ties keep the given order."""
    ids = list(ids)
    pos = {i: n for n, i in enumerate(ids)}
    return sorted(ids, key=lambda i: (-times.get(i, math.inf), pos[i]))
