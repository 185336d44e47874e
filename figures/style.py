"""One shared matplotlib style for every figure, and a savefig helper writing PNG + PDF.

>>> STYLE["figure.dpi"]
110
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import logging

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["STYLE", "CMAP", "COLORS", "style", "figure", "savefig", "METHOD_COLORS", "phase_mesh"]

CMAP = "RdBu_r"          # diverging about 1 (spectral radius / rate)
STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": False,
    "lines.linewidth": 1.4,
    "image.cmap": CMAP,
    "figure.constrained_layout.use": True,
    "pdf.fonttype": 42,
}
COLORS = plt.get_cmap("tab10").colors
METHOD_COLORS = {"gda": COLORS[7], "eg+": COLORS[0], "ceg+": COLORS[1], "app": COLORS[4], "rapp": COLORS[3],
                 "la-gda": COLORS[2], "la-ceg+": COLORS[6], "pp": COLORS[0], "relaxed-pp": COLORS[5]}
SINGLE = (4.2, 3.3)
WIDE = (8.4, 3.4)


# fontTools (font subsetting in the PDF backend) warns about the fonts' own old timestamps: noise
logging.getLogger("fontTools").setLevel(logging.ERROR)


@contextmanager
def style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def figure(*args, size=SINGLE, **kw):
    """``plt.subplots`` under the shared style (call inside :func:`style`)."""
    return plt.subplots(*args, figsize=size, **kw)


def save_atomic(fig, path, **kw) -> Path:
    """``fig.savefig`` rendered in memory and written with :func:`monoverify.atomic.write_bytes`: the old file or the
    complete new image, never a torn one (a full disk); the format follows the suffix."""
    import io

    from monoverify.atomic import write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix.lstrip(".").lower() or None, **kw)
    return write_bytes(path, buf.getvalue())


def savefig(fig, outdir, name: str) -> list[Path]:
    """Write ``outdir/name.png`` and ``outdir/name.pdf``; close the figure; return both paths."""
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        paths = []
        for ext in ("png", "pdf"):
            p = outdir / f"{name}.{ext}"
            save_atomic(fig, p)
            paths.append(p)
    except OSError as e:
        raise OSError(e.errno, f"cannot write figure {name!r} into {str(outdir)!r}: {e.strerror or e}",
                      getattr(e, "filename", None) or str(outdir)) from e
    finally:
        plt.close(fig)
    return paths


def phase_mesh(ax, X, Y, V, vmax: float = 2.0, label: str = "spectral radius", colorbar: bool = True):
    """``pcolormesh`` of ``V[i, j]`` at ``(X[i], Y[j])`` (colour centred at 1) with the contour radius = 1."""
    import numpy as np
    from matplotlib.colors import TwoSlopeNorm
    V = np.ma.masked_invalid(np.asarray(V, float).T)
    m = ax.pcolormesh(X, Y, np.ma.clip(V, 0, vmax), shading="nearest", cmap=CMAP,
                      norm=TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=vmax))
    with np.errstate(all="ignore"):
        ax.contour(X, Y, V.filled(np.nan), levels=[1.0], colors="k", linewidths=1.1)
    ax.plot([], [], "k-", lw=1.1, label=f"{label} = 1")
    if colorbar:
        ax.figure.colorbar(m, ax=ax, label=label)
    ax.set_xlim(min(X), max(X))
    ax.set_ylim(min(Y), max(Y))
    return m


def draw_boundaries(ax, pieces, xmap=lambda x: x, vline_labels: bool = True):
    """Draw boundary pieces ``(label, x, y, kind)`` (from ``PhaseResult.boundaries()`` or
    ``theory.phase.boundaries.theorem_boundaries``), the x values mapped through ``xmap``."""
    import numpy as np
    styles = iter(["--", ":", "-."] * 4)
    for label, bx, by, kind in pieces:
        if kind == "curve":
            ax.plot(xmap(np.asarray(bx)), by, color="gold", ls=next(styles), lw=2.2, label=label)
        else:
            v = float(xmap(np.asarray(bx[:1]))[0])
            ax.axvline(v, color="0.25", ls=":", lw=1)
            if vline_labels:
                ax.text(v, 0.97, " " + label, rotation=90, va="top", ha="right", fontsize=7, color="0.1",
                        transform=ax.get_xaxis_transform())
