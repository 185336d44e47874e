"""The disk cache of PEP results: keys, schema-checked reads, atomic locked writes."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import inspect
import json
import os
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

from monoverify.cache import cache_root

from .common import _FORMULATION
from .result import PEPResult

__all__ = ["cache_dir", "clear_cache", "CacheWarning", "method_source_hash"]


def cache_dir() -> Path:
    """Directory of the PEP cache: ``$MONOVERIFY_CACHE/pep`` or ``~/.cache/monoverify/pep``."""
    return cache_root() / "pep"


def clear_cache(directory: str | os.PathLike | None = None) -> int:
    """Delete the cached PEP results; return how many files were removed."""
    d = Path(directory) if directory is not None else cache_dir()
    n = 0
    if d.is_dir():
        for p in d.glob("*.json"):
            with contextlib.suppress(OSError):
                p.unlink()
                n += 1
    return n


_VERSIONS: dict | None = None


def _versions() -> dict:
    global _VERSIONS
    if _VERSIONS is None:
        import monoverify

        out = {"monoverify": getattr(monoverify, "__version__", "?"), "formulation": _FORMULATION}
        for pkg in ("pepit", "cvxpy", "clarabel", "scs"):
            try:
                out[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                out[pkg] = None
        _VERSIONS = out
    return _VERSIONS


@functools.lru_cache(maxsize=None)
def _class_sources(cls: type) -> tuple[str, ...]:
    """Source of ``cls`` and of its bases up to (excluding) ``object``; ``repr`` when unavailable.

    Read once per class and process (``inspect.getsource`` costs 6-9 ms; a sweep asks for every cell):
    an edit of a method's source takes effect in the next process."""
    out = []
    for c in cls.__mro__:
        if c is object:
            continue
        try:
            out.append(inspect.getsource(c))
        except (OSError, TypeError):
            out.append(f"{c.__module__}.{c.__qualname__}")
    return tuple(out)


def method_source_hash(method: Any) -> str:
    """Hash of the code of ``method``: its class, its bases and every nested method (e.g. a Lookahead's base).

    Part of the PEP cache key, so a changed ``step`` with an unchanged ``repr`` is recomputed.

    >>> from monoverify.solvers import make
    >>> method_source_hash(make("eg", gamma=0.5)) == method_source_hash(make("eg", gamma=0.9))
    True
    >>> method_source_hash(make("eg", gamma=0.5)) == method_source_hash(make("pp", gamma=0.5))
    False
    """
    parts: list[str] = []

    def visit(m: Any) -> None:
        parts.extend(_class_sources(type(m)))
        for f in dataclasses.fields(m) if dataclasses.is_dataclass(m) else ():
            v = getattr(m, f.name)
            if dataclasses.is_dataclass(v) and hasattr(v, "step"):
                visit(v)

    visit(method)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _key(inputs: Mapping[str, Any]) -> str:
    blob = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:40]


def _cache_path(inputs: Mapping[str, Any], cache: Any) -> Path | None:
    if cache is False or cache is None:
        return None
    d = cache_dir() if cache is True else Path(cache)
    return d / f"{_key(inputs)}.json"


class CacheWarning(UserWarning):
    """A cache entry or checkpoint line was ignored and is recomputed."""


#: the shape of a cache entry: field -> accepted JSON types
_SCHEMA: dict[str, tuple[type, ...]] = {
    "value": (int, float, type(None)), "status": (str,), "message": (str,), "solver": (str,),
    "wall_time": (int, float), "n_iter": (int,), "inputs": (dict,),
    "primal_value": (int, float, type(None)), "gram": (list, type(None)), "iterates": (list, type(None)),
    "solution": (list, type(None)), "relaxation": (bool,),
}
_STATUSES = ("optimal", "inaccurate", "unbounded", "infeasible")
_warned_shape = False


def _schema_error(d: Any) -> str | None:
    """Why the decoded JSON ``d`` is not a cache entry (``None`` when it is one)."""
    if not isinstance(d, dict):
        return f"a {type(d).__name__}, not an object"
    for k, types in _SCHEMA.items():
        if k not in d:
            return f"field {k!r} missing"
        v = d[k]
        if float in types and v in ("inf", "-inf", "nan"):  # non-finite floats as written by monoverify.result
            continue
        if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
            return f"field {k!r} is {v!r}"
    if d["status"] not in _STATUSES:
        return f"status {d['status']!r} is not one of {_STATUSES}"
    if d["status"] in ("optimal", "inaccurate") and d["value"] is None:
        return "a solved entry without a value"
    return None


_warned_write = False


def warn_unwritable(exc: OSError, what: str) -> None:
    """One :class:`CacheWarning` per process for a cache that could not be written (full disk, read-only
    folder): the result is still returned, the entry is recomputed next time; ``exc`` names the path."""
    global _warned_write
    if not _warned_write:
        _warned_write = True
        warnings.warn(f"{what} not written ({exc}); the result is returned and recomputed next time (warned once per "
                      "process)", CacheWarning, stacklevel=4)


def _warn_shape(path: Path, why: str) -> None:
    global _warned_shape
    if not _warned_shape:
        _warned_shape = True
        warnings.warn(f"PEP cache entry {str(path)!r} is not a monoverify cache entry ({why}); recomputing it "
                      "(warned once per process)", CacheWarning, stacklevel=4)


def _cache_read(path: Path | None, inputs: Mapping[str, Any]) -> PEPResult | None:
    """The cached result for ``inputs``, or ``None`` (missing, unreadable, wrong shape or other inputs)."""
    if path is None or not path.is_file():
        return None
    try:
        d = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    why = _schema_error(d)
    if why is not None:
        _warn_shape(path, why)
        return None
    if json.loads(json.dumps(d.get("inputs"), default=str)) != json.loads(json.dumps(inputs, default=str)):
        return None  # hash collision or stale format
    if d["status"] == "optimal" and d.get("points") is None and d.get("gram") is not None:
        return None  # written before the evaluations of F were stored: solved again once (and rewritten)
    r = PEPResult.from_dict(d)
    r.cached = True
    return r


def _cache_write(path: Path | None, result: PEPResult) -> None:
    if path is None or result.status == "failed":  # failures may be transient: never cached
        return
    from monoverify.atomic import write_text

    d = result.to_dict()
    d["cached"] = False
    try:   # atomic: the entry is the old one or the complete new one; no temporary file is left behind
        write_text(path, json.dumps(d), mkdir=True)
    except OSError as exc:  # a read-only or full cache must not break a computation: one warning naming the path
        warn_unwritable(exc, "PEP cache")

