"""Sphinx extension of the monoverify documentation: the pages generated from the code at build time.

At ``builder-inited`` (before Sphinx reads any source, and before sphinx-gallery runs the tutorials):

* runs ``monoverify verify --quick --report DIR`` (or reads the report named by the environment
  variable ``MONOVERIFY_DOCS_REPORT``) and writes the **theorem catalogue**
  (``catalogue/index.rst`` and one page per entry of :data:`monoverify.theory.THEOREMS`): statement
  and hypotheses in LaTeX (:func:`sympy.latex`), provenance, source, method, operator family, and the
  report's verdict, worst ratio, W, proved N, certificates and figures. The report is read as JSON,
  generically: fields it does not know are shown as they come;
* writes the **figure gallery** (``gallery/``): every module of :mod:`monoverify.figures` is run
  (``make(outdir, quick=True)``) and shown beside its source;
* writes the **command-line reference** (``cli.rst``) from :func:`monoverify.cli.build_parser`.

References ``R5``, ``R7(c)``, ``§1.2``, ``I-3`` (with or without a leading ``SPEC``) in sources,
notes and docstrings become links to the anchors of ``mathematics.rst`` (:func:`link_refs`); a
reference to an anchor that page lacks is a build warning (an error under ``-W``).

Everything generated lives in folders that the build empties first (``catalogue/``, ``gallery/``)
and in ``cli.rst``; none of it is committed. Adding a theorem to the registry adds its page.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: a reference to the Mathematics page: R5, R7(c), §1.2, §8 item 24, I-3 (SPEC optional in front)
REF = re.compile(r"(?:\bSPEC\s+)?(?:\b(?P<r>R(?P<rn>\d{1,2}))(?:(?P<sub>\([a-z]\))|\b)"
                 r"|(?P<s>§(?P<sn>\d{1,2}(?:\.\d{1,2})?))|\b(?P<i>I-(?P<in>\d))\b)")


def anchor_of(m: re.Match) -> str:
    """The label on the Mathematics page of a reference match: ``r5``, ``s1-2``, ``i-3``."""
    if m.group("r"):
        return f"r{int(m.group('rn'))}"
    if m.group("s"):
        return "s" + m.group("sn").replace(".", "-")
    return f"i-{m.group('in')}"


def math_labels(confdir: Path) -> set[str]:
    """Labels defined on ``mathematics.rst`` (``.. _r5:`` lines)."""
    text = (confdir / "mathematics.rst").read_text(encoding="utf-8")
    return {m.group(1).lower() for m in re.finditer(r"^\.\. _([\w.-]+):\s*$", text, flags=re.M)}


_RST_SPECIAL = re.compile(r"([\\`*_|\[\]<>:])")


def esc(text: Any) -> str:
    """Plain text as reStructuredText (inline markup characters escaped)."""
    return _RST_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def link_refs(text: str, labels: set[str], where: str) -> str:
    """Escaped ``text`` with its references turned into ``:ref:`` links to the Mathematics page."""
    out, pos = [], 0
    for m in REF.finditer(text):
        out.append(esc(text[pos:m.start()]))
        label = anchor_of(m)
        shown = m.group(0).replace("SPEC", "").strip()
        if label in labels:   # "\ " (an escaped space, removed) delimits the role whatever surrounds it
            out.append(f"\\ :ref:`{shown.replace('<', '')} <{label}>`\\ ")
        else:
            logger.warning(f"{where}: reference {m.group(0)!r} has no anchor {label!r} on mathematics.rst")
            out.append(esc(shown))
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


# ----------------------------------------------------------------------------------------------
# the verify report
# ----------------------------------------------------------------------------------------------
def prove_exact_class(budget_s: float = 240.0) -> list[str]:
    """Prove, and cache, the theorems whose declared worst-case class is exact (``pep["lipschitz"] is
    False``: PP, relaxed PP), at every declared cell for every declared horizon, so that the quick
    verify run (which reads the certificate cache only) shows their "proved N" and their pages offer
    the certificates. Stops starting new proofs after ``budget_s`` seconds. Returns what was done."""
    from monoverify.theory import THEOREMS
    from monoverify.theory.prove.cache import proved_up_to

    t0, done = time.perf_counter(), []
    for th in THEOREMS.values():
        pep = dict(th.pep or {})
        if pep.get("lipschitz") is not False or not pep.get("cells"):
            continue
        n_max = int(max(pep.get("Ks") or (2,)))
        for cell in pep["cells"]:
            if time.perf_counter() - t0 > budget_s:
                done.append(f"{th.id}: time budget spent, not proved at {cell}")
                continue
            try:
                n = proved_up_to(th.id, dict(cell), n_max, compute=True)
            except Exception as exc:   # a proof that cannot be made is reported on the page, not fatal
                done.append(f"{th.id} at {cell}: {type(exc).__name__}: {exc}")
                continue
            done.append(f"{th.id} at {cell}: proved for N <= {n}")
    return done


def verify_report(app: Any) -> tuple[dict, Path, str]:
    """``(verify.json as a dict, report folder, how it was obtained)``."""
    given = os.environ.get("MONOVERIFY_DOCS_REPORT")
    if given:
        folder = Path(given)
        how = f"the report in {given} (MONOVERIFY_DOCS_REPORT)"
    else:
        folder = Path(app.doctreedir) / "verify_report"
        if folder.exists():
            shutil.rmtree(folder)
        t0 = time.perf_counter()
        proofs = prove_exact_class()
        logger.info(f"monoverify_docs: exact-class proofs in {time.perf_counter() - t0:.0f} s: " + "; ".join(proofs))
        cmd = [sys.executable, "-m", "monoverify.cli", "verify", "--quick", "--report", str(folder), "--no-progress"]
        t0 = time.perf_counter()
        env = dict(os.environ, COLUMNS="120", MPLBACKEND="Agg")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        took = time.perf_counter() - t0
        if proc.returncode not in (0, 1):   # 1: a theorem is violated, which the catalogue must show
            logger.warning(f"`monoverify verify --quick --report` exited with {proc.returncode}:\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        how = f"``monoverify verify --quick --report`` run by this build ({took:.0f} s, exit status {proc.returncode})"
        (folder / "verify_stdout.txt").parent.mkdir(parents=True, exist_ok=True)
        (folder / "verify_stdout.txt").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    path = folder / "verify.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning(f"cannot read the verify report {path}: {exc}")
        data = {}
    return data, folder, how


# ----------------------------------------------------------------------------------------------
# LaTeX of registry entries
# ----------------------------------------------------------------------------------------------
_METRIC_TEX = {
    "operator_sq": r"\|F z^K\|^2", "resolvent_residual_sq": r"\|z^K - J_{\gamma T} z^K\|^2",
    "fixed_point_residual_sq": r"\|S z^K - z^K\|^2", "step_sq": r"\|z^K - z^{K-1}\|^2",
    "distance_sq": r"\|z^K - z^\star\|^2", "distance_ratio": r"\|z^{K} - z^\star\|^2 / \|z^{K-1} - z^\star\|^2",
    "natural_residual_sq": r"\|z^K - J_{\gamma A}(z^K - \gamma F z^K)\|^2",
    "extrapolated_operator_sq": r"\|F \bar z^K\|^2", "ceg_step_sq": r"\|H \bar z^K - H z^K\|^2",
    "spectral_radius": r"\text{spectral radius}",
}


def _tex(expr: Any) -> str:
    """LaTeX of a registry expression (a name such as ``"gamma"`` is the registry's symbol, not the Gamma
    function; ``lam`` is written lambda)."""
    import sympy as sp

    from monoverify.theory.theorems import SYMBOLS

    try:
        e = sp.sympify(expr, locals=dict(SYMBOLS))
        names = {s: r"\lambda" for s in getattr(e, "free_symbols", ()) if s.name == "lam"}
        return sp.latex(e, symbol_names=names)
    except (sp.SympifyError, TypeError, AttributeError):
        return r"\text{" + str(expr).replace("_", r"\_") + "}"


def _conjunct_tex(expr: Any) -> list[str]:
    from monoverify.theory.theorems.core import conjuncts

    return [_tex(p) for p in conjuncts(expr)]


def _metric_tex(th: Any) -> str:
    tex = _METRIC_TEX.get(th.metric, r"\mathrm{" + th.metric.replace("_", r"\_") + "}")
    if th.iterate == "best":
        tex = r"\min_{k<K} " + tex.replace("^K", "^k").replace("{K-1}", "{k-1}")
    return tex


# ----------------------------------------------------------------------------------------------
# the catalogue
# ----------------------------------------------------------------------------------------------
_FAMILIES = {
    "lower_bound": "LowerBoundGame(rho, L): the 2-D rotation-scaling game attaining exactly (rho, L)",
    "random": "random_comonotone(dim, rho, L, seed): block-diagonal maps with exact constants",
    "bilinear": "bilinear games x^T A y (monotone, rho = 0)",
    "random_nonnormal": "random non-normal linear maps (exact constants computed from the matrix)",
    "examples": "the literature's nonlinear examples (PolarGame, GlobalForsaken, ...)",
    "bilinear_players": "bilinear games with declared players (alternating methods)",
}


def _num(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, (int, float)):
        return f"{x:.6g}"
    return str(x)


def _verdict_badge(v: str) -> str:
    return {"holds": "holds", "violated": "VIOLATED", "finding": "finding", "inconclusive": "inconclusive"}.get(v, v or "—")


def _page_name(theorem_id: str) -> str:
    return theorem_id


def _json_block(obj: Any) -> list[str]:
    text = json.dumps(obj, indent=1, default=str, sort_keys=False)
    return ["", ".. code-block:: json", ""] + ["   " + line for line in text.splitlines()] + [""]


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    lines = ["", ".. list-table::", "   :header-rows: 1", ""]
    for row in [header] + rows:
        lines.append("   * - " + (row[0] or " "))
        lines += ["     - " + (c or " ") for c in row[1:]]
    return lines + [""]


def _curve_figure(th: Any, result: dict, out: Path) -> Path | None:
    """measured and bound against k on the judged instance of largest ratio (from the report's curves)."""
    curves = [c for c in result.get("curves") or [] if isinstance(c, dict) and c.get("k") and c.get("measured")]
    if not curves:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    def ratio(c: dict) -> float:
        r = c.get("ratio")
        return float(r) if isinstance(r, (int, float)) and np.isfinite(r) else -1.0

    judged = [c for c in curves if not c.get("excluded")] or curves
    worst = max(judged, key=ratio)
    fig, ax = plt.subplots(figsize=(5.2, 3.3))
    for c in judged[:40]:
        k, m = np.asarray(c["k"], float), np.asarray(c["measured"], float)
        ok = np.isfinite(m) & (m > 0)
        if c is not worst and ok.any():
            ax.plot(k[ok], m[ok], color="0.8", lw=0.6)
    k = np.asarray(worst["k"], float)
    m = np.asarray(worst["measured"], float)
    ax.plot(k, np.where(m > 0, m, np.nan), color="C0", lw=1.6, label=f"measured ({worst.get('instance', '')})")
    if worst.get("bound"):
        b = np.asarray(worst["bound"], float)
        ax.plot(k, np.where(b > 0, b, np.nan), color="C3", ls="--", lw=1.4, label="bound")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel(th.metric)
    ax.set_title(f"{th.id}: worst judged instance (ratio {ratio(worst):.3g})", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _figures_naming(theorem_ids: list[str], root: Path) -> dict[str, list[str]]:
    """Figure name -> the theorem ids its module names (a figure drawn from a theorem shows on its page)."""
    from monoverify.figures import NAMES

    out = {}
    for name in NAMES:
        src = (root / "figures" / f"fig_{name}.py")
        text = src.read_text(encoding="utf-8") if src.is_file() else ""
        out[name] = [i for i in theorem_ids if f'"{i}"' in text or f"'{i}'" in text]
    return out


def _certificates(theorem_id: str) -> list[tuple[str, dict]]:
    """``(description, certificate)`` of every valid certificate of ``theorem_id`` in the prove cache
    (written by ``verify``'s proofs and :func:`prove_exact_class`), one per claim, each re-checked."""
    try:
        from monoverify.cache import cache_root
        from monoverify.theory.prove import check_certificate

        folder = cache_root() / "prove"
    except Exception:  # pragma: no cover - the cache or prove API moved
        return []
    found: dict[str, dict] = {}
    for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        cert = d.get("certificate") if isinstance(d.get("certificate"), dict) else d
        claim = cert.get("claim") if isinstance(cert, dict) else None
        th = claim.get("theorem") if isinstance(claim, dict) else None
        tid = th.get("id") if isinstance(th, dict) else th
        if tid != theorem_id:
            continue
        params = th.get("params", {}) if isinstance(th, dict) else {}
        what = (f"N = {claim.get('n', '?')}, " + ", ".join(f"{k} = {v}" for k, v in sorted(params.items()))
                + (f": {claim['statement']}" if claim.get("statement") else f", bound {cert.get('bound')}"))
        try:
            ok = bool(check_certificate(cert)[0])
        except Exception:
            ok = False
        if ok:
            found.setdefault(what, cert)
    return sorted(found.items())


def _theorem_page(th: Any, result: dict | None, labels: set[str], files: Path, figure_pages: dict[str, list[str]],
                  how: str) -> str:
    from monoverify.theory import metrics

    L: list[str] = []
    title = th.id
    L += [f".. _thm-{th.id}:", "", title, "=" * len(title), ""]
    L += [link_refs(th.title, labels, th.id), ""]
    if result is not None:
        v = result.get("verdict")
        L += [f".. admonition:: Verdict of this build: {_verdict_badge(v)}", f"   :class: verdict-{v}", ""]
        L += ["   " + esc(result.get("message") or ""), ""]
        if v == "finding" and getattr(th, "finding", ""):
            L += ["   What was found: " + link_refs(th.finding, labels, th.id), ""]
    else:
        L += [".. admonition:: Not in this build's verify report", "", "   " + esc(how), ""]
    # -- statement ------------------------------------------------------------------------------
    L += ["Statement", "---------", ""]
    L += ["Hypotheses (every conjunct must hold):", ""]
    L += [f"* :math:`{t}`" for t in _conjunct_tex(th.hypotheses)] + [""]
    if th.kind == "region":
        L += ["Exact convergence condition (the spectral radius is below 1 if and only if):", "",
              ".. math::", "", "   " + r" \;\wedge\; ".join(_conjunct_tex(th.condition)), ""]
    else:
        op = r"\le" if th.kind != "property" else r"\le"
        L += ["Bound:", "", ".. math::", "", f"   {_metric_tex(th)} \\;{op}\\; {_tex(th.bound)}", ""]
        L += [f"where the metric ``{th.metric}`` is " + link_refs(metrics.describe().get(th.metric, th.metric), labels, th.id)
              + f"; iterate: ``{th.iterate}``; checked at ``{th.check_at}`` iterations."
              + (f" Rate: {esc(th.rate)}." if th.rate else ""), ""]
    if th.derived:
        L += ["Derived parameters:", ""]
        L += [f"* :math:`{_tex(k)} = {_tex(v)}`" for k, v in th.derived.items()] + [""]
    if th.iterate_bound is not None:
        L += [f"Trajectory hypothesis: :math:`\\sup_k \\|z^k - z^\\star\\| \\le {_tex(th.iterate_bound)}` "
              "(cells whose run leaves it are not judged).", ""]
    # -- provenance -----------------------------------------------------------------------------
    L += ["Provenance and source", "---------------------", ""]
    L += [f"* provenance of the bound checked: **{th.provenance}** (:ref:`what the tags mean <provenance>`)"]
    if th.statement:
        L += [f"* it stands for this statement, tagged **{th.statement_provenance}**: "
              + link_refs(th.statement, labels, th.id)]
    L += ["* source: " + link_refs(th.source, labels, th.id)]
    if th.note:
        L += ["* note: " + link_refs(th.note, labels, th.id)]
    if getattr(th, "finding", ""):
        L += ["* known finding: " + link_refs(th.finding, labels, th.id)]
    L += [""]
    # -- method and operators -------------------------------------------------------------------
    L += ["Method and operators", "--------------------", ""]
    if th.method:
        params = ", ".join(f":math:`{_tex(k)} = {_tex(v)}`" for k, v in th.method_params.items())
        L += [f"* method: ``{th.method}`` (:ref:`its update <methods>`)" + (f", with {params}" if params else "")]
    L += [f"* kind: ``{th.kind}``"]
    L += ["* operator families of the battery: "
          + "; ".join(f"``{f}`` ({esc(_FAMILIES.get(f, ''))})" if f in _FAMILIES else f"``{f}``" for f in th.family)]
    if th.pep:
        L += ["* worst-case reference (PEP) declared: " + esc(json.dumps(dict(th.pep), default=str))]
    if th.unneeded:
        L += ["* conjuncts the derivation does not use:"]
        L += [f"  * ``{k}``: " + link_refs(v, labels, th.id) for k, v in th.unneeded.items()]
    L += [""]
    # -- results ----------------------------------------------------------------------------------
    L += ["Results of this build", "---------------------", ""]
    if result is None:
        L += [esc(how), ""]
    else:
        pep = result.get("pep") if isinstance(result.get("pep"), dict) else {}
        ref = result.get("reference") if isinstance(result.get("reference"), dict) else {}
        proved = pep.get("proved") if isinstance(pep.get("proved"), dict) else {}
        rows = [["verdict", _verdict_badge(result.get("verdict"))],
                ["worst ratio (measured/bound over judged cells)", _num(result.get("worst_ratio"))],
                ["judged cells / battery cells (adversary and PEP-fitted instances add judged cells)", f"{_num(result.get('n_judged'))} / {_num(result.get('n_cells'))}"],
                ["instances", _num(result.get("n_instances"))],
                ["W: empirical worst / certified worst case", _num(ref.get("empirical_over_W"))],
                ["bound / W", _num(ref.get("bound_over_W"))],
                ["PEP worst case / bound (max)", _num(pep.get("max_pep_over_bound"))],
                ["proved N (exact certificates for every N up to)", f"N <= {proved['n']}" if proved.get("n") else "—"],
                ["fitted exponent of log(measured) against log(K)", _num(result.get("fitted_exponent"))],
                ["seconds", _num(result.get("elapsed_s"))]]
        L += _table([[esc(a), esc(b)] for a, b in rows], ["quantity", "value"])
        if isinstance(result.get("worst"), dict) and result["worst"]:
            L += ["Worst cell: " + ", ".join(f"``{k} = {_num(v)}``" for k, v in result["worst"].items()), ""]
        if result.get("not_judged"):
            L += ["Cells not judged (the theorem claims nothing there): "
                  + "; ".join(f"{_num(n)} {esc(w)}" for w, n in dict(result["not_judged"]).items()), ""]
        for n in result.get("notes") or []:
            L += ["* " + link_refs(str(n), labels, th.id)]
        L += [""]
        if ref.get("rows"):
            rr = [[esc(json.dumps(r.get("cell"), default=str)), _num(r.get("K")), _num(r.get("W")), _num(r.get("bound")),
                   _num(r.get("empirical")), esc(r.get("status", ""))] for r in ref["rows"] if isinstance(r, dict)]
            L += ["Worst-case references (W from the PEP):", ""]
            L += _table(rr, ["cell", "K", "W", "bound", "empirical", "status"])
        certs = _certificates(th.id)
        if certs:
            L += ["Exact certificates found for this theorem (each re-checked when this page was built; "
                  "check one yourself with ``monoverify prove --check FILE``):", ""]
            for i, (what, cert) in enumerate(certs):
                dest = files / f"{th.id}-certificate-{i + 1}.json"
                dest.write_text(json.dumps(cert, indent=1), encoding="utf-8")
                L += [f"* :download:`{dest.name} <_files/{dest.name}>`: {esc(what)}"]
            L += [""]
        fig = _curve_figure(th, result, files / f"{th.id}-curves.png")
        if fig is not None:
            L += [f".. figure:: _files/{fig.name}", "   :alt: measured and bound against k", "",
                  "   The metric along the run of the judged instance with the largest ratio (blue) and the "
                  "bound (red); grey: the other judged instances.", ""]
        entry = files / f"{th.id}-verify.json"
        entry.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
        known = {"theorem", "verdict", "status", "success", "message", "worst_ratio", "worst", "n_instances", "n_cells",
                 "n_judged", "n_not_judged", "not_judged", "fitted_exponent", "spectral", "mismatches",
                 "explored_outside", "notes", "elapsed_s", "pep", "adversary", "reference", "curves"}
        other = {k: v for k, v in result.items() if k not in known}
        if other:   # fields this page does not know (a newer judge): shown as they come
            L += ["Other fields of the report:", ""] + _json_block(other)
        L += [f"Everything the report holds about this theorem (every curve included): "
              f":download:`{entry.name} <_files/{entry.name}>`.", ""]
    for name, ids in figure_pages.items():
        if th.id in ids:
            L += [f"Figure drawn from this theorem: :doc:`../gallery/{name}`", "",
                  f".. image:: ../gallery/_images/{name}.png", "   :alt: " + name, ""]
    L += ["Check it yourself:", "", ".. code-block:: bash", "", f"   monoverify check {th.id} --quick", ""]
    return "\n".join(L)


def write_catalogue(app: Any, figure_pages: dict[str, list[str]]) -> None:
    from monoverify.theory import THEOREMS

    confdir = Path(app.confdir)
    labels = math_labels(confdir)
    out = confdir / "catalogue"
    if out.exists():
        shutil.rmtree(out)
    files = out / "_files"
    files.mkdir(parents=True)
    data, folder, how = verify_report(app)
    results = {}
    for r in data.get("results") or []:
        tid = (r.get("theorem") or {}).get("id") if isinstance(r, dict) else None
        if tid:
            results[tid] = r
    app.env_report = data  # type: ignore[attr-defined]
    summary = data.get("summary") or {}
    idx = [".. _catalogue:", "", "Theorem catalogue", "=================", "",
           f"One page per entry of the registry ``monoverify.theory.THEOREMS`` ({len(THEOREMS)} theorems), "
           "generated when the documentation is built: adding a theorem adds its page. The verdicts, ratios, "
           f"worst cases and proofs come from {how}"
           + (f", mode ``{data.get('mode')}``, monoverify {data.get('version')}" if data else "") + ".", ""]
    if summary:
        idx += ["Summary: " + ", ".join(f"{_num(n)} {esc(v)}" for v, n in summary.items()) + ".", ""]
    idx += [f"How to read a verdict: :ref:`reading-verify`. The results are also in "
            f":download:`verify.json <_files/verify.json>` and :download:`verify.csv <_files/verify.csv>`.", ""]
    for name in ("verify.json", "verify.csv"):
        if (folder / name).is_file():
            shutil.copyfile(folder / name, files / name)
        else:
            (files / name).write_text("{}" if name.endswith("json") else "", encoding="utf-8")
    rows = []
    for th in THEOREMS.values():
        r = results.get(th.id)
        (out / f"{_page_name(th.id)}.rst").write_text(
            _theorem_page(th, r, labels, files, figure_pages, how), encoding="utf-8")
        claim = (r"\;\wedge\;".join(_conjunct_tex(th.condition)) if th.kind == "region"
                 else f"{_metric_tex(th)} \\le {_tex(th.bound)}")
        rows.append([f":doc:`{th.id} <{_page_name(th.id)}>`", esc(th.tag()), f"``{th.method or 'none'}``",
                     f":math:`{claim}`" if len(claim) < 400 else esc(th.title),
                     _verdict_badge((r or {}).get("verdict")), _num((r or {}).get("worst_ratio"))])
    idx += _table(rows, ["theorem", "provenance", "method", "claim (bound, or the exact convergence condition)",
                         "verdict", "worst"])
    idx += [".. toctree::", "   :hidden:", ""] + [f"   {_page_name(i)}" for i in THEOREMS] + [""]
    (out / "index.rst").write_text("\n".join(idx), encoding="utf-8")
    # the registered results on the Mathematics page, grouped by the R-numbers their sources cite
    reg = []
    for th in THEOREMS.values():
        cites = sorted({anchor_of(m) for m in REF.finditer(th.source)} & labels, key=lambda a: (a[0], len(a), a))
        reg.append([f":doc:`{th.id} </catalogue/{th.id}>`", esc(th.tag()),
                    ", ".join(f":ref:`{a.upper() if a.startswith('r') else a} <{a}>`" for a in cites) or "—",
                    link_refs(th.title, labels, th.id)])
    (out / "_registered.inc").write_text("\n".join(_table(reg, ["theorem", "provenance", "cites", "statement"])),
                                         encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# the figure gallery
# ----------------------------------------------------------------------------------------------
def write_gallery(app: Any) -> dict[str, list[str]]:
    import importlib

    from monoverify.figures import FIGURES, NAMES
    from monoverify.theory import THEOREMS

    confdir = Path(app.confdir)
    root = confdir.parent
    out = confdir / "gallery"
    if out.exists():
        shutil.rmtree(out)
    images = out / "_images"
    images.mkdir(parents=True)
    idx = [".. _gallery:", "", "Figure gallery", "==============", "",
           "Every figure of :mod:`monoverify.figures`, made when this documentation was built "
           "(``make(outdir, quick=True)``), beside the module that makes it. "
           "``monoverify figures --out DIR`` makes them all (PNG and PDF).", "", ".. toctree::", "   :maxdepth: 1", ""]
    naming = _figures_naming(list(THEOREMS), root)
    for name in NAMES:
        mod = importlib.import_module(f"monoverify.figures.fig_{name}")
        t0 = time.perf_counter()
        paths = [Path(p) for p in FIGURES[name].make(images / name, quick=True)]
        took = time.perf_counter() - t0
        pngs = [p for p in paths if p.suffix == ".png"]
        first = (mod.__doc__ or name).strip().splitlines()[0]
        P = [f".. _fig-{name}:", "", name, "=" * len(name), "", esc(first), ""]
        rest = textwrap.dedent("\n".join((mod.__doc__ or "").strip().splitlines()[1:])).strip()
        if rest:
            P += ["\n".join(esc(line) for line in rest.splitlines()), ""]
        for png in pngs:
            dest = images / f"{name}.png" if png is pngs[0] else images / f"{name}-{png.stem}.png"
            shutil.copyfile(png, dest)
            P += [f".. image:: _images/{dest.name}", f"   :alt: {name}: {png.stem}", ""]
        ids = naming.get(name) or []
        if ids:
            P += ["Theorems it draws: " + ", ".join(f":doc:`{i} </catalogue/{i}>`" for i in ids) + ".", ""]
        P += [f"Made in {took:.1f} s by ``monoverify.figures.fig_{name}.make(outdir, quick=True)``:", "",
              f".. literalinclude:: ../../figures/fig_{name}.py", "   :language: python", ""]
        (out / f"{name}.rst").write_text("\n".join(P), encoding="utf-8")
        idx.append(f"   {name}")
    (out / "index.rst").write_text("\n".join(idx) + "\n", encoding="utf-8")
    return naming


# ----------------------------------------------------------------------------------------------
# the command-line reference
# ----------------------------------------------------------------------------------------------
def write_cli(app: Any) -> None:
    import argparse

    from monoverify.cli import build_parser

    os.environ.setdefault("COLUMNS", "100")
    os.environ["COLUMNS"] = "100"   # argparse wraps help text at COLUMNS: the same page on every machine
    ap = build_parser()
    L = [".. _cli:", "", "Command-line reference", "======================", "",
         "Generated from the parser itself (``monoverify.cli.build_parser()``): every subcommand, "
         "option and default as ``--help`` prints them.", "", ".. code-block:: text", ""]
    L += ["   " + line for line in ap.format_help().splitlines()] + [""]
    subs = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp_ in subs.choices.items():
        head = f"monoverify {name}"
        L += [f".. _cli-{name}:", "", head, "-" * len(head), ""]
        help_ = next((c.help for c in subs._choices_actions if c.dest == name), "") or ""
        if help_:
            L += [esc(help_[0].upper() + help_[1:]) + ".", ""]
        L += [".. code-block:: text", ""] + ["   " + line for line in sp_.format_help().splitlines()] + [""]
    (Path(app.confdir) / "cli.rst").write_text("\n".join(L), encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# docstrings: SPEC references become links
# ----------------------------------------------------------------------------------------------
def _docstring_refs(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """References in docstrings (``R5``, ``§7``, ``I-3``, with or without a leading ``SPEC``) become links
    to the Mathematics page; code is left alone: ``literals``, doctest lines (``>>>``, ``...``), literal
    blocks (after a paragraph ending in ``::``) and directives' bodies (``.. code-block::``, ``.. math::``)."""
    labels = app.config.monoverify_math_labels

    def repl(m: re.Match) -> str:
        label = anchor_of(m)
        shown = m.group(0).replace("SPEC", "").strip()
        return f"\\ :ref:`{shown} <{label}>`\\ " if label in labels else shown

    literal_indent = None     # the indentation a literal block must exceed, while inside one
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if not stripped or indent > literal_indent:
                continue
            literal_indent = None
        if stripped.startswith(".. ") or (stripped.endswith("::") and not stripped.startswith(">>>")):
            literal_indent = indent     # what follows, indented deeper, is a directive's body or a literal block
            if stripped.startswith(".. "):
                continue
        if stripped.startswith((">>>", "... ")) or stripped == "...":
            continue
        if not REF.search(line):
            continue
        # inside ``literals`` a role is not parsed: only rewrite outside them
        parts = re.split(r"(``.*?``|:math:`[^`]*`)", line)
        lines[i] = "".join(p if p.startswith(("``", ":math:")) else REF.sub(repl, p) for p in parts)


def generate(app: Any) -> None:
    t0 = time.perf_counter()
    app.config.monoverify_math_labels = math_labels(Path(app.confdir))
    write_cli(app)
    naming = write_gallery(app)
    write_catalogue(app, naming)
    logger.info(f"monoverify_docs: generated the catalogue, gallery and CLI pages in {time.perf_counter() - t0:.1f} s")


def _check_mathjax(app: Any) -> None:
    path = str(app.config.mathjax_path or "")
    if path.startswith(("http:", "https:")):
        logger.warning(f"MathJax would load from {path}: the site needs the network to show its formulas; "
                       "pip install django-static-mathjax (in the docs extra) serves MathJax from the site")


def setup(app: Any) -> dict:
    app.connect("builder-inited", _check_mathjax, priority=50)
    app.add_config_value("monoverify_math_labels", set(), "env")
    app.connect("builder-inited", generate, priority=100)   # before sphinx-gallery (priority 500)
    app.connect("autodoc-process-docstring", _docstring_refs)
    return {"version": "1", "parallel_read_safe": True}
