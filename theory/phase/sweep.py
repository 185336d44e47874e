"""The driver of a phase-diagram sweep: validation, chunking, executors, checkpoint, assembly."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import Executor, as_completed
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from monoverify.errors import InvalidValue
from .checkpoint import open_checkpoint
from .compute import METHOD_PARAM as _METHOD_PARAM
from .compute import compute_chunk
from .result import PhaseResult

__all__ = ["phase_diagram", "AXES", "MODES", "FAMILIES"]

AXES = ("rhoL", "gammaL", "lam", "tau", "alpha", "beta")
MODES = ("spectral", "empirical", "pep")
FAMILIES = ("lower_bound", "bilinear", "random_comonotone")
_QUANTITY = {"spectral": "spectral_radius", "empirical": "rate", "pep": "pep_worst_case"}


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("monoverify")
    except Exception:  # pragma: no cover
        return "unknown"


def _grid(name: str, g: Any) -> list:
    from monoverify.validate import real_array

    a = real_array(f"axis {name!r}", [g] if np.ndim(g) == 0 and not isinstance(g, (str, bytes)) else g, nan=True)
    if a.ndim != 1 or a.size == 0:
        raise InvalidValue(f"axis {name!r} must be a non-empty 1-D grid, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InvalidValue(f"axis {name!r} has non-finite values: {a[~np.isfinite(a)][:5].tolist()}")
    if name == "tau":
        if np.any(a != np.round(a)) or np.any(a < 1):
            raise InvalidValue(f"tau must hold integers >= 1 (axis or fixed value), got tau={a.tolist()}")
        return [int(v) for v in a]
    return [float(v) for v in a]


#: cost of one cell relative to a spectral cell (measured on a 2-core machine: 9e4 spectral cells of la-gda in
#: 2 s; 1e4 empirical cells at 300 iterations in 9.5 s; one PEP per pep cell): the estimate of :func:`guard_cells`
_CELL_WEIGHT = {"spectral": 1.0, "pep": 1000.0}


def guard_cells(method: str, mode: str, nx: int, ny: int, iters: int) -> None:
    """Refuse a phase diagram larger than the limit ``phase_cells`` of :mod:`monoverify.limits` before any cell
    runs: ``nx x ny`` cells, each weighted by its cost relative to a spectral cell (empirical: ``iters / 30``;
    pep: 1000). Below the limit the work is shown with a progress bar and its estimated time remaining."""
    from monoverify.limits import guard

    w = _CELL_WEIGHT.get(mode, max(1.0, iters / 30.0))
    est = nx * ny * w
    detail = f"a {nx} x {ny} grid" + (f", each {mode} cell counted as {w:g} spectral cells" if w != 1 else "")
    guard("phase_cells", est, f"phase {method} ({mode})", option="--max-cells", detail=detail)


def _hash(spec: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(dict(spec), sort_keys=True).encode()).hexdigest()[:16]


def phase_diagram(method: str, axes: Mapping[str, Any], fixed: Mapping[str, Any] | None = None, mode: str = "spectral",
                  family: str = "lower_bound", executor: Executor | None = None,
                  checkpoint: str | os.PathLike | None = None, progress: bool = True, iters: int | None = None,
                  tol: float = 1e-10, z0: Any = (1.0, 0.5), dim: int = 6, seed: int = 0) -> PhaseResult:
    """Phase diagram of ``method`` over two axes (§5.2).

    Parameters
    ----------
    method : str
        A name of :data:`monoverify.solvers.METHODS`.
    axes : dict name -> 1-D grid
        Exactly two of ``rhoL``, ``gammaL``, ``lam``, ``tau``, ``alpha``, ``beta`` (``tau``: integers >= 1;
        ``beta``: the momentum of ``hb``, ``alt-hb``, ``nag``, any sign).
        The first is the x axis (``values[i, :]``), the second the y axis.
    fixed : dict
        Values of other parameters (same names; ``gammaL`` defaults to 1, ``rhoL`` to 0).
    mode : {"spectral", "empirical", "pep"}
    family : {"lower_bound", "bilinear", "random_comonotone"}
        The linear operators: ``LowerBoundGame(rhoL, 1)``; the bilinear game ``xy`` (``rhoL`` unused);
        ``random_comonotone(dim, rhoL, 1, seed)``.
    executor : concurrent.futures.Executor, optional
        Chunks are submitted to it (a ``ProcessPoolExecutor``, Dask ``client.get_executor()``...);
        default: serial in-process.
    checkpoint : path, optional
        Append each finished chunk; resume from it (see the module docstring).
    progress : bool
        A rich progress bar.
    iters : int
        Empirical: outer iterations (default 300); pep: ``n_iter`` (default 2).
    tol, z0, dim, seed
        Empirical stopping tolerance and start point; ``random_comonotone`` dimension and seed.
    """
    from monoverify.solvers.registry import METHODS
    from monoverify import validate

    if not isinstance(method, str):
        raise validate.invalid("method", method, "a registered method name (str), e.g. 'la-gda'")
    seed = validate.integer("seed", seed, lo=0)
    if method not in METHODS:
        import difflib
        close = difflib.get_close_matches(str(method), list(METHODS), n=3)
        raise InvalidValue(f"unknown method {method!r}" + (f"; did you mean {close}?" if close else f"; known: {sorted(METHODS)}"))
    if mode not in MODES:
        raise InvalidValue(f"unknown mode {mode!r}; valid modes: {list(MODES)}")
    if family not in FAMILIES:
        raise InvalidValue(f"unknown family {family!r}; valid families: {list(FAMILIES)}")
    if not isinstance(axes, Mapping) or len(axes) != 2:
        raise InvalidValue(f"axes must be a dict of exactly two axis names -> grids (valid names: {list(AXES)})")
    fixed = dict(fixed or {})
    bad = [k for k in list(axes) + list(fixed) if k not in AXES]
    if bad:
        raise InvalidValue(f"unknown axis/parameter name(s) {bad}; valid names: {list(AXES)}")
    both = [k for k in axes if k in fixed]
    if both:
        raise InvalidValue(f"parameter(s) {both} given both as an axis and in fixed")
    grids = {k: _grid(k, v) for k, v in axes.items()}
    for k, v in list(fixed.items()):
        g = _grid(k, [v])
        fixed[k] = g[0]
    mparams = METHODS[method].params
    for k in list(grids) + list(fixed):
        if k != "rhoL" and _METHOD_PARAM[k] not in mparams:
            raise InvalidValue(f"method {method!r} has no parameter {_METHOD_PARAM[k]!r} (axis {k!r}); its parameters: "
                             f"{list(mparams)}")
    if "gamma" in mparams and "gammaL" not in grids and "gammaL" not in fixed:
        fixed["gammaL"] = 1.0
    if "rhoL" in grids and any(abs(v) > 1 for v in grids["rhoL"]) and family != "bilinear":
        raise InvalidValue("axis 'rhoL' must lie in [-1, 1] (LowerBoundGame needs |rho L| <= 1)")
    if iters is None:
        iters = 300 if mode == "empirical" else 2
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
        raise InvalidValue(f"iters must be an integer >= 1, got {iters!r}")
    guard_cells(method, mode, len(grids[list(grids)[0]]), len(grids[list(grids)[1]]), int(iters))
    names = list(grids)
    chunk_axis = "tau" if "tau" in grids else names[0]
    other_axis = names[1] if chunk_axis == names[0] else names[0]
    spec: dict[str, Any] = dict(method=method, method_params=list(mparams), axes=grids, fixed=fixed, mode=mode,
                                family=family, chunk_axis=chunk_axis, other_axis=other_axis, version=_version())
    if mode == "empirical":
        spec.update(iters=int(iters), tol=float(tol), z0=[float(v) for v in np.asarray(z0, float).ravel()])
    if mode == "pep":
        spec.update(iters=int(iters))
    if family == "random_comonotone":
        spec.update(dim=int(dim), seed=int(seed))
    if mode == "pep":
        try:
            import monoverify.theory.pep  # noqa: F401
        except Exception as e:  # pragma: no cover - depends on the environment
            raise InvalidValue(f"mode='pep' needs monoverify.theory.pep (import failed: {e})") from e
    h = _hash(spec)

    n_chunks = len(grids[chunk_axis])
    done: dict[int, dict] = {}
    ck = None
    if checkpoint is not None:
        ck, done = open_checkpoint(Path(checkpoint), h, spec, n_chunks, len(grids[other_axis]))
    todo = [k for k in range(n_chunks) if k not in done]

    def record(out: dict) -> None:
        done[out["k"]] = out
        if ck is not None:
            ck.append(out)

    bar = None
    try:
        if progress and todo:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            bar = Progress(TextColumn(f"phase {method} ({mode})"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                           transient=True)
            bar.start()
            task = bar.add_task("chunks", total=n_chunks, completed=n_chunks - len(todo))
        if executor is None:
            for k in todo:
                record(compute_chunk(spec, k))
                if bar is not None:
                    bar.advance(task)
        else:
            futs = [executor.submit(compute_chunk, spec, k) for k in todo]
            for fut in as_completed(futs):
                record(fut.result())
                if bar is not None:
                    bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
        if ck is not None:
            ck.close()

    x, y = names
    nx, ny = len(grids[x]), len(grids[y])
    values = np.full((nx, ny), np.nan)
    status = np.empty((nx, ny), dtype=object)
    extra_keys = [k for k in done[0] if k not in ("k", "values", "status")] if done else []
    extra = {k: np.empty((nx, ny), dtype=float if k != "n_iter" else int) for k in extra_keys}
    for k in range(n_chunks):
        out = done[k]
        sl = (k, slice(None)) if chunk_axis == x else (slice(None), k)
        values[sl] = out["values"]
        status[sl] = out["status"]
        for e in extra_keys:
            extra[e][sl] = out[e]
    meta = dict(method=method, params=list(mparams), fixed=fixed, mode=mode, family=family, quantity=_QUANTITY[mode],
                iters=spec.get("iters"), tol=spec.get("tol"), z0=spec.get("z0"), L=1.0, version=spec["version"], hash=h,
                chunk_axis=chunk_axis)
    return PhaseResult(axes={x: np.array(grids[x]), y: np.array(grids[y])}, values=values,
                       status=status.astype(str), metadata=meta, extra=extra)
