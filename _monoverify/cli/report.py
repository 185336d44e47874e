"""Writing a verify report folder: ``verify.json``, ``verify.csv`` and (unless interrupted) the figures.

Lives in the CLI, not in ``monoverify.theory``: the figures import the theory, never the reverse.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

__all__ = ["write_report"]


def write_report(outdir: Path, report: Any, con: Any, figures: bool = True, curves: bool = True) -> list[str]:
    """Write ``report`` (a :class:`~monoverify.theory.judge.verify.VerifyReport`) into ``outdir``.

    ``curves=False`` (an interrupted run) leaves the curves out of ``verify.json``: with them the file
    holds tens of megabytes and takes seconds to write; without them, everything else of every
    finished check is written at once (``"curves_omitted"`` says why). Ctrl-C while the curves are
    being written writes that smaller file instead (the JSON is replaced atomically, never torn) and
    makes no figures; the ``KeyboardInterrupt`` is raised again once the report is written.
    """
    interrupted = False
    try:
        _write_json(outdir, report, curves)
    except KeyboardInterrupt:
        if not curves:
            raise
        _write_json(outdir, report, curves=False)
        curves, figures, interrupted = False, False, True
    import io

    from monoverify.atomic import write_text

    # the table in memory, then written atomically: the old verify.csv or the whole new one, never a torn file
    fh = io.StringIO(newline="")
    w = csv.writer(fh)
    w.writerow(["theorem", "provenance", "statement_provenance", "source", "kind", "method", "instances", "cells",
                "judged", "not_judged", "worst_ratio", "fitted_exponent", "mismatches", "verdict", "worst"])
    for r in report.results:
        d = r.to_dict()
        w.writerow([r.theorem.id, r.theorem.provenance, r.theorem.statement_provenance, r.theorem.source,
                    r.theorem.kind, r.theorem.method, r.n_instances, r.n_cells, r.n_judged,
                    json.dumps(r.not_judged), r.worst_ratio, r.fitted_exponent, r.mismatches, r.verdict,
                    json.dumps(d["worst"], default=str)])
    write_text(outdir / "verify.csv", fh.getvalue())
    written = ["verify.json", "verify.csv"]
    if figures:
        from monoverify import figures as figs

        paths = figs.make_all(outdir / "figures", quick=report.quick)
        written += [str(Path(p).relative_to(outdir)) for p in paths]
    shown = [w + (" (without curves)" if w == "verify.json" and not curves else "") for w in written[:6]]
    con.print(f"report written to {outdir}: {', '.join(shown)}{' ...' if len(written) > 6 else ''}")
    if interrupted:
        raise KeyboardInterrupt
    return written


def _write_json(outdir: Path, report: Any, curves: bool) -> None:
    import monoverify
    from monoverify.atomic import write_text

    from monoverify.theory.judge.result import REPORT_CURVE_POINTS

    # curves thinned to a log grid of horizons (and each one's worst): the judge ran K to 1e5, the file stays small
    data = {"version": monoverify.__version__, "mode": "quick" if report.quick else "full",
            "curve_points": REPORT_CURVE_POINTS, **report.to_dict(curves=curves, max_points=REPORT_CURVE_POINTS)}
    if not curves:
        data["curves_omitted"] = "interrupted: the curves are written by a run that finishes"
    write_text(outdir / "verify.json", json.dumps(data, indent=1, default=str))
