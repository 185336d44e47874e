"""Certificates on disk, keyed by the inputs and a hash of the code they depend on.

Directory: ``$MONOVERIFY_CACHE/prove`` (or ``~/.cache/monoverify/prove``). The key hashes the
claim (method ``repr``, class, ``n``, metric, iterate, bound) and the source code of the
method's classes (nested ones included) and of this package's tracing, problem and checker
modules: changing an update rule or an inequality invalidates the cached proofs. A cached
certificate is re-checked by the independent checker before it is believed.

:func:`proved_up_to` is what ``verify`` shows as "proved for N <= n".
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
from pathlib import Path
from typing import Any, Mapping

from monoverify.cache import cache_root

__all__ = ["cache_dir", "cache_key", "cached_prove", "proved_up_to", "cell_params"]


def cache_dir() -> Path:
    return cache_root() / "prove"


def _code_hash(method: Any) -> str:
    from . import checker, problem, symbolic

    h = hashlib.sha256()
    todo = [method]
    while todo:
        m = todo.pop()
        for cls in type(m).__mro__:
            if cls.__module__.startswith("monoverify") or cls.__module__ == type(method).__module__:
                try:
                    h.update(inspect.getsource(cls).encode())
                except (OSError, TypeError):
                    h.update(cls.__qualname__.encode())
        if dataclasses.is_dataclass(m):
            todo += [getattr(m, f.name) for f in dataclasses.fields(m) if dataclasses.is_dataclass(getattr(m, f.name))]
    for mod in (checker, problem, symbolic):
        h.update(inspect.getsource(mod).encode())
    return h.hexdigest()[:16]


def cache_key(claim: Mapping[str, Any]) -> str:
    """Hash of a claim dict (``method`` object, ``rho``, ``L``, ``n``, ``bound``, ``metric``, ``iterate``)."""
    data = {k: (repr(v) if k == "method" else str(v)) for k, v in claim.items()
            if k not in ("describe", "registered", "theorem")}
    data["theorem"] = str(claim.get("theorem"))
    data["code"] = _code_hash(claim["method"])
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


def cached_prove(claim: Mapping[str, Any], directory: str | os.PathLike | None = None, **kw: Any):
    """:func:`~monoverify.theory.prove.prove` through the disk cache (proofs only are stored)."""
    from .certificate import check_certificate
    from .core import Proof, prove

    d = Path(directory) if directory is not None else cache_dir()
    path = d / f"{cache_key(claim)}.json"
    if path.is_file():
        try:
            p = Proof.from_json(path.read_text(encoding="utf-8"))
            if p.certificate is not None and check_certificate(p.certificate)[0]:
                return p
        except (OSError, ValueError, TypeError):
            pass
    p = prove(claim["method"], claim["rho"], claim["L"], claim["n"], claim["bound"], claim.get("metric", "operator"),
              claim.get("iterate", "last"), registered=claim.get("registered"), theorem=claim.get("theorem"), **kw)
    if p.success:
        from monoverify.atomic import write_text
        from monoverify.theory.pep.cache import warn_unwritable

        try:   # atomic; a full or read-only cache costs the proof next time, never the result
            write_text(path, p.to_json(), mkdir=True)
        except OSError as exc:
            warn_unwritable(exc, "prove cache")
    return p


def cell_params(cell: Mapping[str, Any], L: Any = 1) -> dict:
    """Raw parameters of a normalised registry cell (``c = -rho L``, ``t = gamma L``), exact rationals.

    The conversion of :func:`monoverify.theory.judge.cells.absolute` (``rho = -c/L``, ``gamma = t/L``, the
    scale-free ``lam``, ``alpha``, ``tau``, ``K`` unchanged), written here in exact arithmetic: ``absolute``
    works in float64 (``gamma = 7/30`` at ``t = 7/10``, ``L = 3`` has no float value) and a proof's claim
    must be exact, so the prover cannot go through it (nor import the judge). ``tests/test_strategies.py``
    checks that the two agree.
    """
    from .symbolic import exact

    Lq = exact("L", cell.get("L", L))
    out = {k: v for k, v in cell.items() if k not in ("c", "t", "L")}
    if "c" in cell:
        out["rho"] = -exact("c", cell["c"]) / Lq
    if "t" in cell:
        out["gamma"] = exact("t", cell["t"]) / Lq
    out["L"] = Lq
    return out


def proved_up_to(theorem_id: str, cell: Mapping[str, Any], n_max: int, *, compute: bool = False,
                 directory: str | os.PathLike | None = None) -> int:
    """Largest ``n <= n_max`` such that the theorem is proved (exactly, ``epsilon = 0``) for every
    ``N = 1..n`` at the cell's parameters; 0 if none. Reads the cache; ``compute=True`` proves
    (and caches) what is missing. ``cell``: raw parameters (``rho``, ``gamma``, ``lam`` ...) or a
    normalised registry cell (``c``, ``t`` with ``L`` default 1)."""
    from monoverify.theory.theorems import get

    from .theorem import theorem_claim

    params = cell_params(cell) if ("c" in cell or "t" in cell) else dict(cell)
    th = get(theorem_id)
    if th.pep is not None and th.pep.get("lipschitz") is False:
        params.pop("L", None)  # the set-valued class: the PEP is exact
    d = Path(directory) if directory is not None else cache_dir()
    best = 0
    for n in range(1, n_max + 1):
        claim = theorem_claim(theorem_id, n, params)
        path = d / f"{cache_key(claim)}.json"
        if not compute and not path.is_file():
            break
        p = cached_prove(claim, d)
        if not (p.success and p.epsilon == "0"):
            break
        best = n
    return best
