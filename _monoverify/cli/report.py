"""Writing a verify report folder: ``verify.json``, ``verify.csv`` and (unless interrupted) the figures.

Lives in the CLI, not in ``monoverify.theory``: the figures import the theory, never the reverse.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

__all__ = ["write_report"]


def write_report(outdir: Path, report: Any, con: Any, figures: bool = True) -> list[str]:
    """Write ``report`` (a :class:`~monoverify.theory.judge.verify.VerifyReport`) into ``outdir``."""
    import monoverify

    data = {"version": monoverify.__version__, "mode": "quick" if report.quick else "full", **report.to_dict(curves=True)}
    (outdir / "verify.json").write_text(json.dumps(data, indent=1, default=str))
    with open(outdir / "verify.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["theorem", "provenance", "statement_provenance", "source", "kind", "method", "instances", "cells",
                    "judged", "not_judged", "worst_ratio", "fitted_exponent", "mismatches", "verdict", "worst"])
        for r in report.results:
            d = r.to_dict()
            w.writerow([r.theorem.id, r.theorem.provenance, r.theorem.statement_provenance, r.theorem.source,
                        r.theorem.kind, r.theorem.method, r.n_instances, r.n_cells, r.n_judged,
                        json.dumps(r.not_judged), r.worst_ratio, r.fitted_exponent, r.mismatches, r.verdict,
                        json.dumps(d["worst"], default=str)])
    written = ["verify.json", "verify.csv"]
    if figures:
        from monoverify import figures as figs

        paths = figs.make_all(outdir / "figures", quick=report.quick)
        written += [str(Path(p).relative_to(outdir)) for p in paths]
    con.print(f"report written to {outdir}: {', '.join(written[:6])}{' ...' if len(written) > 6 else ''}")
    return written
