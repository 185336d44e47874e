"""The result of a phase-diagram sweep: values, statuses, CSV export and plot."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from monoverify.result import Result, unjson_float

from .boundaries import derived_boundaries, overlays, plot_boundaries

__all__ = ["PhaseResult"]

_LABELS = {"rhoL": r"$\rho L$", "gammaL": r"$\gamma L$", "lam": r"$\lambda$", "tau": r"$\tau$", "alpha": r"$\alpha$",
           "beta": r"$\beta$"}


@dataclass
class PhaseResult(Result):
    """A phase diagram: ``values[i, j]`` at ``axes[x][i]``, ``axes[y][j]`` (x, y = the two axis names).

    Attributes
    ----------
    axes : dict name -> 1-D array (two entries, in order: x then y)
    values : 2-D float array (spectral radius, measured rate, or PEP worst case by ``mode``)
    status : 2-D str array. Spectral mode (nothing is run): ``radius<1`` | ``radius>=1`` | ``nan`` |
        ``invalid``; empirical mode: the run's status (``converged`` | ``diverged`` | ``max_iter`` | ...);
        PEP mode: the solver status
    metadata : dict (method, fixed, mode, family, quantity, iters, version, hash)
    extra : dict name -> 2-D array (empirical: ``final_residual``, ``n_iter``)
    """

    axes: dict
    values: np.ndarray
    status: np.ndarray
    metadata: dict
    extra: dict = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """Every cell was evaluated (no ``invalid`` parameter combination, no failed PEP solve)."""
        return not bool(np.isin(self.status, ("invalid", "failed")).any())

    @property
    def message(self) -> str:
        words, counts = np.unique(np.asarray(self.status, dtype=str), return_counts=True)
        x, y = self.names
        return (f"{self.metadata.get('mode')} phase diagram of {self.metadata.get('method')} over {x} x {y}: "
                + ", ".join(f"{n} {w}" for w, n in zip(words, counts)))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PhaseResult":
        def arr(v: Any, dtype: Any = float) -> np.ndarray:
            a = np.array(v, dtype=object)
            return np.vectorize(unjson_float, otypes=[dtype])(a) if a.size else a.astype(dtype)

        return cls(axes={k: arr(v) for k, v in d["axes"].items()}, values=arr(d["values"]),
                   status=np.array(d["status"], dtype=str), metadata=dict(d["metadata"]),
                   extra={k: arr(v, int if k == "n_iter" else float) for k, v in d.get("extra", {}).items()})

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
        import io

        from monoverify.atomic import write_text

        buf = io.StringIO(newline="")
        w = csv.writer(buf)
        w.writerow(cols)
        for i, xv in enumerate(self.axes[x]):
            for j, yv in enumerate(self.axes[y]):
                row = [repr(float(xv)), repr(float(yv))] + [fixed[k] for k in fixed if k not in (x, y)]
                row += [repr(float(self.values[i, j])), self.status[i, j]]
                row += [self.extra[k][i, j] for k in self.extra]
                w.writerow(row)
        try:   # atomic: the old file or the whole table, never a torn one
            write_text(path, buf.getvalue())
        except OSError as e:
            raise OSError(e.errno, f"cannot write the phase-diagram CSV {str(path)!r}: {e.strerror or e}",
                          str(path)) from e
        return path

    def boundaries(self) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
        """Boundaries of the registered region theorems matching this method/family/axes (derived from their
        conditions, :mod:`.boundaries`) and the labelled §5.2 constants: ``(label, x, y, kind)``."""
        x, y = self.names
        params = dict(self.metadata.get("fixed", {}))
        xs = np.linspace(float(np.min(self.axes[x])), float(np.max(self.axes[x])), 400)
        ylim = np.array([np.min(self.axes[y]), np.max(self.axes[y])])
        out = [b if b[3] == "curve" else (b[0], b[1], ylim, "vline")
               for b in derived_boundaries(self.metadata["method"], self.metadata["family"], x, y, params, xs,
                                           np.asarray(self.axes[y], float))]
        for label, v in overlays(self.metadata["method"], self.metadata["family"], x, params):
            if xs[0] <= v <= xs[-1]:
                out.append((label, np.array([v, v]), ylim, "vline"))
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
            plot_boundaries(ax, [b for b in self.boundaries() if b[3] == "curve"],
                            [(b[0], float(b[1][0])) for b in self.boundaries() if b[3] == "vline"], (Y.min(), Y.max()))
        ax.set_xlim(X.min(), X.max()) if len(X) > 1 else None
        ax.set_ylim(Y.min(), Y.max()) if len(Y) > 1 else None
        ax.set_xlabel(_LABELS[x])
        ax.set_ylabel(_LABELS[y])
        if legend and ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize="small", framealpha=0.85)
        return ax


