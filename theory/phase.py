"""Phase diagrams over two parameter axes (SPEC §5.2).

A sweep evaluates one method on a 2-D grid of two of the axes ``rhoL`` (= rho L), ``gammaL``
(= gamma L), ``lam``, ``tau`` and ``alpha`` (``L = 1`` normalisation), the other parameters held
``fixed``:

* ``mode="spectral"``: spectral radius ``max_j |m(u_j)|`` on the linear family (LowerBoundGame(rho, 1),
  the bilinear game ``xy`` or ``random_comonotone``), batched over one grid row at a time;
* ``mode="empirical"``: batched runs (:func:`monoverify.solvers.run`) from ``z0``; outcome per cell
  and the measured linear rate ``(res_n / res_{n/2})^{2/n}`` per outer iteration;
* ``mode="pep"``: :func:`monoverify.theory.pep.worst_case` per cell (small ``n_iter``).

The work is cut into chunks (one value of the chunk axis -- ``tau`` when it is an axis, else the
first axis -- and the whole other axis), computed by the top-level function :func:`compute_chunk`
through any :class:`concurrent.futures.Executor` (serially in-process by default). With
``checkpoint=PATH`` every finished chunk is appended to the file (one JSON line, flushed and
fsync-ed) below a header holding a hash of the sweep definition; a restart computes only the
missing chunks, refuses a checkpoint of a different sweep, and ignores a truncated last line.

Examples
--------
>>> import numpy as np
>>> res = phase_diagram("eg+", {"rhoL": np.linspace(-0.5, 0, 3), "alpha": [0.25, 0.5]}, progress=False)
>>> res.values.shape, str(res.status[0, 0]), str(res.status[-1, -1])
((3, 2), 'diverged', 'converged')
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["phase_diagram", "PhaseResult", "compute_chunk", "AXES", "MODES", "FAMILIES", "BOUNDARIES"]

AXES = ("rhoL", "gammaL", "lam", "tau", "alpha")
MODES = ("spectral", "empirical", "pep")
FAMILIES = ("lower_bound", "bilinear", "random_comonotone")
_METHOD_PARAM = {"gammaL": "gamma", "lam": "lam", "tau": "tau", "alpha": "alpha"}
_LABELS = {"rhoL": r"$\rho L$", "gammaL": r"$\gamma L$", "lam": r"$\lambda$", "tau": r"$\tau$", "alpha": r"$\alpha$"}
_QUANTITY = {"spectral": "spectral_radius", "empirical": "rate", "pep": "pep_worst_case"}
_CHECKPOINT_KIND = "monoverify.phase checkpoint"


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("monoverify")
    except Exception:  # pragma: no cover
        return "unknown"


# ============================================================================================
# chunk computation (top level: picklable for process pools and Dask)
# ============================================================================================
def _cell_params(spec: Mapping[str, Any], k: int) -> tuple[dict, int]:
    """Per-parameter arrays (length = other axis) for chunk ``k``."""
    ca, oa = spec["chunk_axis"], spec["other_axis"]
    other = spec["axes"][oa]
    n = len(other)
    p: dict[str, Any] = {}
    for name, v in spec["fixed"].items():
        p[name] = v
    p[ca] = spec["axes"][ca][k]
    p[oa] = list(other)
    out = {}
    for name, v in p.items():
        if name == "tau":
            out[name] = v
        else:
            out[name] = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
    return out, n


def _method_kwargs(spec: Mapping[str, Any], p: Mapping[str, Any], idx: Any = None) -> dict:
    kw = {}
    for name, v in p.items():
        if name == "rhoL":
            continue
        key = _METHOD_PARAM[name]
        if name == "tau":
            kw[key] = int(v)
        else:
            a = np.asarray(v, dtype=float)
            kw[key] = a if idx is None else (float(a[idx]) if np.ndim(idx) == 0 else a[idx])
    if "gamma" not in kw and "gamma" in spec["method_params"]:
        kw["gamma"] = 1.0
    return kw


def _eigs(spec: Mapping[str, Any], rho: np.ndarray) -> np.ndarray:
    from monoverify.theory.spectral import lower_bound_eigenvalues
    fam = spec["family"]
    if fam == "lower_bound":
        return lower_bound_eigenvalues(rho, 1.0)
    if fam == "bilinear":
        return np.broadcast_to(np.array([1j, -1j]), rho.shape + (2,)).copy()
    from monoverify.operators.linear import random_comonotone
    rows = []
    for r in rho:
        rows.append(np.asarray(random_comonotone(spec["dim"], float(r), 1.0, seed=spec["seed"]).eigenvalues()))
    return np.array(rows)


def _operator(spec: Mapping[str, Any], rho: float):
    from monoverify.operators.linear import BilinearGame, LowerBoundGame, random_comonotone
    fam = spec["family"]
    if fam == "lower_bound":
        return LowerBoundGame(float(rho), 1.0)
    if fam == "bilinear":
        return BilinearGame([[1.0]])
    return random_comonotone(spec["dim"], float(rho), 1.0, seed=spec["seed"])


def _players_chunk(spec, p, n):
    """Alternating (player-wise) methods: radius per cell through the iteration matrix (theory.players)."""
    from monoverify.solvers.registry import make
    from monoverify.theory.players import radius
    rho = p.get("rhoL", np.zeros(n))
    vals = np.full(n, np.nan)
    invalid = np.zeros(n, bool)
    for i in range(n):
        try:
            vals[i] = float(radius(make(spec["method"], **_method_kwargs(spec, p, i)), _operator(spec, rho[i]))[0])
        except ValueError:
            invalid[i] = True
    status = np.where(invalid, "invalid", np.where(vals < 1, "converged", np.where(np.isnan(vals), "nan", "diverged")))
    return vals, status, {}


def _spectral_chunk(spec, p, n):
    from monoverify.solvers.alternating import uses_players
    from monoverify.solvers.registry import make
    from monoverify.theory.spectral import spectral_radius
    try:
        alternating = uses_players(make(spec["method"], **_method_kwargs(spec, p, 0)))
    except ValueError:
        alternating = False
    if alternating:
        return _players_chunk(spec, p, n)
    rho = p.get("rhoL", np.zeros(n))
    vals = np.full(n, np.nan)
    try:
        eigs = _eigs(spec, rho)
        r = np.asarray(spectral_radius(make(spec["method"], **_method_kwargs(spec, p)), eigs), dtype=float)
        vals[:] = r
        invalid = np.zeros(n, bool)
    except ValueError:  # some cell invalid (parameter range): evaluate cell by cell
        invalid = np.zeros(n, bool)
        for i in range(n):
            try:
                e = _eigs(spec, rho[i:i + 1])
                vals[i] = float(np.asarray(spectral_radius(make(spec["method"], **_method_kwargs(spec, p, i)), e[0])))
            except ValueError:
                invalid[i] = True
    status = np.where(invalid, "invalid", np.where(vals < 1, "converged", np.where(np.isnan(vals), "nan", "diverged")))
    return vals, status, {}


def _empirical_chunk(spec, p, n):
    from monoverify.solvers.registry import make
    from monoverify.solvers.runner import run
    rho = p.get("rhoL", np.zeros(n))
    vals = np.full(n, np.nan)
    status = np.full(n, "invalid", dtype=object)
    final = np.full(n, np.nan)
    n_it = np.zeros(n, dtype=int)
    z0 = np.asarray(spec["z0"], dtype=float)
    for r in np.unique(rho):
        idx = np.nonzero(rho == r)[0]
        try:
            op = _operator(spec, r)
            meth = make(spec["method"], **_method_kwargs(spec, p, idx))
        except ValueError:
            continue
        if spec["family"] == "random_comonotone" and z0.shape[0] != op.dim:
            z0 = np.resize(z0, op.dim)
        res = run(meth, op, np.broadcast_to(z0, (len(idx), op.dim)).copy(), iters=spec["iters"], tol=spec["tol"])
        H = res.history.residual
        for j, cell in enumerate(idx):
            m = int(res.n_iter[j])
            h = m // 2
            a, b = H[m, j], H[h, j]
            with np.errstate(all="ignore"):
                rate = (a / b) ** (1.0 / (m - h)) if m - h > 0 and b > 0 else np.nan
            vals[cell] = float(rate)
            status[cell] = str(res.status[j])
            final[cell] = float(a)
            n_it[cell] = m
    return vals, status.astype(str), {"final_residual": final.tolist(), "n_iter": n_it.tolist()}


def _pep_chunk(spec, p, n):
    from monoverify.solvers.registry import make
    from monoverify.theory.pep import worst_case
    rho = p.get("rhoL", np.zeros(n))
    vals = np.full(n, np.nan)
    status = np.full(n, "invalid", dtype=object)
    for i in range(n):
        try:
            m = make(spec["method"], **_method_kwargs(spec, p, i))
        except ValueError:
            continue
        r = worst_case(m, float(rho[i]), 1.0, spec["iters"], bilinear=spec["family"] == "bilinear")
        vals[i] = np.nan if r.value is None else float(r.value)
        status[i] = str(r.status)
    return vals, status.astype(str), {}


def compute_chunk(spec: Mapping[str, Any], k: int) -> dict:
    """Compute chunk ``k`` of the sweep ``spec`` (a plain dict; see :func:`phase_diagram`).

    Returns a JSON-serialisable dict ``{"k", "values", "status", ...}``.
    """
    p, n = _cell_params(spec, k)
    fn = {"spectral": _spectral_chunk, "empirical": _empirical_chunk, "pep": _pep_chunk}[spec["mode"]]
    vals, status, extra = fn(spec, p, n)
    log = spec.get("log")
    if log:  # testing hook: one line per computed chunk
        with open(log, "a") as f:
            f.write(f"{k}\n")
    delay = spec.get("delay", 0)
    if delay:
        import time
        time.sleep(delay)
    return {"k": int(k), "values": [float(v) for v in vals], "status": [str(s) for s in status], **extra}


# ============================================================================================
# the result
# ============================================================================================
@dataclass
class PhaseResult:
    """A phase diagram: ``values[i, j]`` at ``axes[x][i]``, ``axes[y][j]`` (x, y = the two axis names).

    Attributes
    ----------
    axes : dict name -> 1-D array (two entries, in order: x then y)
    values : 2-D float array (spectral radius, measured rate, or PEP worst case by ``mode``)
    status : 2-D str array (``converged`` | ``diverged`` | ``max_iter`` | ``nan`` | ``invalid`` |
        PEP solver status)
    metadata : dict (method, fixed, mode, family, quantity, iters, version, hash)
    extra : dict name -> 2-D array (empirical: ``final_residual``, ``n_iter``)
    """

    axes: dict
    values: np.ndarray
    status: np.ndarray
    metadata: dict
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, str]:
        return tuple(self.axes)  # type: ignore[return-value]

    @property
    def quantity(self) -> str:
        return self.metadata["quantity"]

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Tidy table: one row per cell (both axis values, fixed parameters, value, status, extras)."""
        path = Path(path)
        x, y = self.names
        fixed = self.metadata.get("fixed", {})
        cols = [x, y] + [k for k in fixed if k not in (x, y)] + [self.quantity, "status"] + list(self.extra)
        try:
            with open(path, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(cols)
                for i, xv in enumerate(self.axes[x]):
                    for j, yv in enumerate(self.axes[y]):
                        row = [repr(float(xv)), repr(float(yv))] + [fixed[k] for k in fixed if k not in (x, y)]
                        row += [repr(float(self.values[i, j])), self.status[i, j]]
                        row += [self.extra[k][i, j] for k in self.extra]
                        w.writerow(row)
        except OSError as e:
            raise OSError(f"cannot write the phase-diagram CSV {str(path)!r}: {e.strerror or e}") from e
        return path

    def boundaries(self) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
        """Closed-form boundaries of SPEC §5.2 matching this method/axes: ``(label, x, y, kind)``."""
        out = []
        x, y = self.names
        params = dict(self.metadata.get("fixed", {}))
        xs = np.linspace(float(np.min(self.axes[x])), float(np.max(self.axes[x])), 400)
        for b in BOUNDARIES:
            if self.metadata["method"] not in b["methods"] or b.get("family", "lower_bound") != self.metadata["family"]:
                continue
            if (b["x"], b["y"]) != (x, y):
                continue
            if not all(k in params and abs(float(params[k]) - v) < 1e-12 for k, v in b.get("when", {}).items()):
                continue
            if any(k not in params for k in b.get("needs", ())):
                continue
            if b.get("kind") == "vline":
                for label, v in b["fn"](params):
                    if xs[0] <= v <= xs[-1]:
                        out.append((label, np.array([v, v]), np.array([np.min(self.axes[y]), np.max(self.axes[y])]), "vline"))
            else:
                with np.errstate(all="ignore"):
                    ys = np.asarray(b["fn"](xs, params), dtype=float)
                out.append((b["label"], xs, ys, "curve"))
        return out

    def plot(self, ax: Any = None, *, cmap: str | None = None, vmax: float | None = None, colorbar: bool = True,
             boundaries: bool = True, legend: bool = True) -> Any:
        """``pcolormesh`` of the values, contour at 1 (radius/rate), closed-form boundaries overlaid."""
        import matplotlib.pyplot as plt
        from matplotlib.colors import LogNorm, TwoSlopeNorm
        if ax is None:
            _, ax = plt.subplots()
        x, y = self.names
        X, Y = np.asarray(self.axes[x], float), np.asarray(self.axes[y], float)
        V = np.ma.masked_invalid(self.values.T)
        radius_like = self.quantity in ("spectral_radius", "rate")
        if radius_like:
            hi = vmax if vmax is not None else max(1.5, min(float(np.nanmax(self.values)) if np.isfinite(self.values).any() else 2, 3.0))
            norm = TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=hi)
            m = ax.pcolormesh(X, Y, np.ma.clip(V, 0, hi), shading="nearest", cmap=cmap or "RdBu_r", norm=norm)
        else:
            pos = V[V > 0] if V.count() else V
            norm = LogNorm(vmin=float(pos.min()), vmax=float(pos.max())) if np.ma.count(pos) and pos.min() > 0 else None
            m = ax.pcolormesh(X, Y, V, shading="nearest", cmap=cmap or "viridis", norm=norm)
        if colorbar:
            ax.figure.colorbar(m, ax=ax, label={"spectral_radius": "spectral radius", "rate": "measured rate",
                                                 "pep_worst_case": "PEP worst case"}[self.quantity])
        if radius_like and len(X) > 1 and len(Y) > 1:
            with np.errstate(all="ignore"):
                ax.contour(X, Y, V.filled(np.nan), levels=[1.0], colors="k", linewidths=1.2)
            ax.plot([], [], "k-", lw=1.2, label="radius = 1" if self.quantity == "spectral_radius" else "rate = 1")
        if boundaries:
            styles = iter(["--", ":", "-."] * 4)
            for label, bx, by, kind in self.boundaries():
                if kind == "vline":
                    ax.axvline(bx[0], color="0.25", ls=":", lw=1.0)
                    ax.text(bx[0], 0.98, " " + label, transform=ax.get_xaxis_transform(), rotation=90,
                            va="top", ha="right", fontsize="small", color="0.15")
                else:
                    ax.plot(bx, by, color="gold", ls=next(styles), lw=2.0, label=label)
        ax.set_xlim(X.min(), X.max()) if len(X) > 1 else None
        ax.set_ylim(Y.min(), Y.max()) if len(Y) > 1 else None
        ax.set_xlabel(_LABELS[x])
        ax.set_ylabel(_LABELS[y])
        if legend and ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize="small", framealpha=0.85)
        return ax


# ============================================================================================
# closed-form boundaries (data): SPEC §5.2; L = 1, c = -rhoL, t = gammaL
# ============================================================================================
def _bilinear_lagda(xs, p):
    q = (1 - 1j * xs) ** int(p["tau"])
    return 2 * (1 - q.real) / np.abs(1 - q) ** 2


BOUNDARIES: list[dict] = [
    dict(methods=("eg+",), x="rhoL", y="alpha", when={"gammaL": 1.0}, label=r"$2c+\alpha=1$",
         fn=lambda xs, p: 1 + 2 * xs),
    dict(methods=("eg+",), x="rhoL", y="alpha", kind="vline",
         fn=lambda p: [(r"$c=1/8$", -1 / 8), (r"$c=1/2$", -1 / 2)]),
    dict(methods=("la-eg",), x="rhoL", y="lam", when={"gammaL": 1.0, "tau": 1}, label=r"$\lambda=1-2c$",
         fn=lambda xs, p: 1 + 2 * xs),
    dict(methods=("la-gda",), x="rhoL", y="lam", when={"gammaL": 1.0, "tau": 2},
         label=r"$\lambda=2(1-2c-2c^2)/(5+4c)$", fn=lambda xs, p: 2 * (1 + 2 * xs - 2 * xs ** 2) / (5 - 4 * xs)),
    dict(methods=("la-gda",), x="rhoL", y="lam", when={"tau": 2}, kind="vline",
         fn=lambda p: [(r"$c=1/(3\sqrt{3})$", -1 / (3 * math.sqrt(3)))]),
    dict(methods=("relaxed-pp", "rapp"), x="rhoL", y="lam", needs=("gammaL",), label=r"$\lambda=2(1+\rho/\gamma)$",
         fn=lambda xs, p: 2 * (1 + xs / float(p["gammaL"]))),
    dict(methods=("relaxed-pp", "rapp"), x="gammaL", y="lam", needs=("rhoL",), label=r"$\lambda=2(1+\rho/\gamma)$",
         fn=lambda xs, p: 2 * (1 + float(p["rhoL"]) / xs)),
    dict(methods=("relaxed-pp", "rapp"), x="rhoL", y="lam", kind="vline", fn=lambda p: [(r"$c=1/2$", -0.5)]),
    dict(methods=("la-gda",), family="bilinear", x="gammaL", y="lam", when={"tau": 2}, label=r"$\lambda=2/(4+t^2)$",
         fn=lambda xs, p: 2 / (4 + xs ** 2)),
    dict(methods=("la-gda",), family="bilinear", x="gammaL", y="lam", needs=("tau",),
         label=r"$\lambda=2(1-\mathrm{Re}\,q)/|1-q|^2$", fn=_bilinear_lagda),
]


# ============================================================================================
# validation, checkpoint, driver
# ============================================================================================
def _grid(name: str, g: Any) -> list:
    a = np.asarray(g, dtype=float) if not isinstance(g, (int, float)) else np.asarray([g], dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"axis {name!r} must be a non-empty 1-D grid, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"axis {name!r} has non-finite values: {a[~np.isfinite(a)][:5].tolist()}")
    if name == "tau":
        if np.any(a != np.round(a)) or np.any(a < 1):
            raise ValueError(f"axis 'tau' must hold integers >= 1, got {a.tolist()}")
        return [int(v) for v in a]
    return [float(v) for v in a]


def _hash(spec: Mapping[str, Any]) -> str:
    keep = {k: v for k, v in spec.items() if k not in ("log", "delay")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]


def _load_checkpoint(path: Path, h: str, spec: Mapping[str, Any]) -> dict[int, dict]:
    """Finished chunks from ``path`` (header checked; a truncated last line dropped from the file)."""
    if not path.exists() or path.stat().st_size == 0:
        return {}
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    good_end = 0  # byte offset after the last complete, valid line
    done: dict[int, dict] = {}
    pos = 0
    header = None
    for n, line in enumerate(lines):
        end = pos + len(line) + 1
        complete = end <= len(raw)  # followed by "\n"
        if not line and not complete:
            break
        try:
            if not complete:
                raise ValueError
            obj = json.loads(line)
        except ValueError:
            if n == len(lines) - 1 or (n == len(lines) - 2 and lines[-1] == b""):
                break  # truncated last line (killed mid-write): ignored and recomputed
            raise ValueError(f"checkpoint {str(path)!r} is corrupt at line {n + 1} (not a truncated last line); "
                             "delete it or use another path") from None
        if header is None:
            if not isinstance(obj, dict) or obj.get("kind") != _CHECKPOINT_KIND:
                raise ValueError(f"{str(path)!r} is not a monoverify phase checkpoint (bad header line); refusing to "
                                 "overwrite or mix it")
            if obj.get("hash") != h:
                old = obj.get("sweep", {})
                diff = sorted(k for k in set(old) | set(spec) if k not in ("log", "delay") and old.get(k) != spec.get(k))
                raise ValueError(f"checkpoint {str(path)!r} belongs to a different sweep (hash {obj.get('hash')} != {h}; "
                                 f"differs in {diff}); refusing to mix results: delete it or use another path")
            header = obj
        else:
            done[int(obj["k"])] = obj
        pos = end
        good_end = pos
    if header is None:
        good_end = 0
    if good_end < len(raw):
        with open(path, "r+b") as f:
            f.truncate(good_end)
    return done


def _open_checkpoint(path: Path, h: str, spec: Mapping[str, Any]):
    d = path.parent if str(path.parent) else Path(".")
    if not d.is_dir():
        raise OSError(f"checkpoint folder {str(d)!r} does not exist")
    try:
        new = not path.exists() or path.stat().st_size == 0
        f = open(path, "a")
        if new:
            f.write(json.dumps({"kind": _CHECKPOINT_KIND, "hash": h, "sweep": {k: v for k, v in spec.items()
                                                                              if k not in ("log", "delay")}}) + "\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise OSError(f"cannot write the checkpoint {str(path)!r} (folder {str(d)!r}): {e.strerror or e}") from e
    return f


def phase_diagram(method: str, axes: Mapping[str, Any], fixed: Mapping[str, Any] | None = None, mode: str = "spectral",
                  family: str = "lower_bound", executor: Executor | None = None,
                  checkpoint: str | os.PathLike | None = None, progress: bool = True, iters: int | None = None,
                  tol: float = 1e-10, z0: Any = (1.0, 0.5), dim: int = 6, seed: int = 0,
                  _log: str | None = None, _delay: float = 0.0) -> PhaseResult:
    """Phase diagram of ``method`` over two axes (SPEC §5.2).

    Parameters
    ----------
    method : str
        A name of :data:`monoverify.solvers.METHODS`.
    axes : dict name -> 1-D grid
        Exactly two of ``rhoL``, ``gammaL``, ``lam``, ``tau``, ``alpha`` (``tau``: integers >= 1).
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
    if method not in METHODS:
        import difflib
        close = difflib.get_close_matches(str(method), list(METHODS), n=3)
        raise ValueError(f"unknown method {method!r}" + (f"; did you mean {close}?" if close else f"; known: {sorted(METHODS)}"))
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid modes: {list(MODES)}")
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; valid families: {list(FAMILIES)}")
    if not isinstance(axes, Mapping) or len(axes) != 2:
        raise ValueError(f"axes must be a dict of exactly two axis names -> grids (valid names: {list(AXES)})")
    fixed = dict(fixed or {})
    bad = [k for k in list(axes) + list(fixed) if k not in AXES]
    if bad:
        raise ValueError(f"unknown axis/parameter name(s) {bad}; valid names: {list(AXES)}")
    both = [k for k in axes if k in fixed]
    if both:
        raise ValueError(f"parameter(s) {both} given both as an axis and in fixed")
    grids = {k: _grid(k, v) for k, v in axes.items()}
    for k, v in list(fixed.items()):
        g = _grid(k, [v])
        fixed[k] = g[0]
    mparams = METHODS[method].params
    for k in list(grids) + list(fixed):
        if k != "rhoL" and _METHOD_PARAM[k] not in mparams:
            raise ValueError(f"method {method!r} has no parameter {_METHOD_PARAM[k]!r} (axis {k!r}); its parameters: "
                             f"{list(mparams)}")
    if "gamma" in mparams and "gammaL" not in grids and "gammaL" not in fixed:
        fixed["gammaL"] = 1.0
    if "rhoL" in grids and any(abs(v) > 1 for v in grids["rhoL"]) and family != "bilinear":
        raise ValueError("axis 'rhoL' must lie in [-1, 1] (LowerBoundGame needs |rho L| <= 1)")
    if iters is None:
        iters = 300 if mode == "empirical" else 2
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
        raise ValueError(f"iters must be an integer >= 1, got {iters!r}")
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
            raise ValueError(f"mode='pep' needs monoverify.theory.pep (import failed: {e})") from e
    h = _hash(spec)
    if _log:
        spec["log"] = str(_log)
    if _delay:
        spec["delay"] = float(_delay)

    n_chunks = len(grids[chunk_axis])
    done: dict[int, dict] = {}
    ck = None
    if checkpoint is not None:
        cpath = Path(checkpoint)
        done = _load_checkpoint(cpath, h, spec)
        ck = _open_checkpoint(cpath, h, spec)
    todo = [k for k in range(n_chunks) if k not in done]

    def record(out: dict) -> None:
        done[out["k"]] = out
        if ck is not None:
            ck.write(json.dumps(out) + "\n")
            ck.flush()
            os.fsync(ck.fileno())

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
