"""The root of monoverify's on-disk caches: ``$MONOVERIFY_CACHE``, or ``~/.cache/monoverify``.

Each cache keeps a folder below it (``pep``, ``pepfit``, ``prove``, ``verify``).

>>> import os
>>> before = os.environ.get("MONOVERIFY_CACHE")
>>> os.environ["MONOVERIFY_CACHE"] = "/tmp/mv"; str(cache_root())
'/tmp/mv'
>>> if before is None: del os.environ["MONOVERIFY_CACHE"]
... else: os.environ["MONOVERIFY_CACHE"] = before
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """``$MONOVERIFY_CACHE`` when set, else ``~/.cache/monoverify`` (read at every call)."""
    root = os.environ.get("MONOVERIFY_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "monoverify"
