"""Computation of one chunk of a phase-diagram sweep (top level: picklable for process pools and Dask)."""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

__all__ = ["compute_chunk", "METHOD_PARAM"]

METHOD_PARAM = {"gammaL": "gamma", "lam": "lam", "tau": "tau", "alpha": "alpha", "beta": "beta"}
_METHOD_PARAM = METHOD_PARAM
#: testing hooks (environment, inherited by worker processes): append each computed chunk index to
#: the file ``$MONOVERIFY_PHASE_TEST_LOG``; sleep ``$MONOVERIFY_PHASE_TEST_DELAY`` seconds per chunk
_LOG_ENV, _DELAY_ENV = "MONOVERIFY_PHASE_TEST_LOG", "MONOVERIFY_PHASE_TEST_DELAY"


def _test_hook(k: int) -> None:
    log = os.environ.get(_LOG_ENV)
    if log:
        with open(log, "a") as f:
            f.write(f"{k}\n")
    delay = float(os.environ.get(_DELAY_ENV) or 0)
    if delay:
        import time
        time.sleep(delay)


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


def _radius_status(vals: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """Nothing was run: the cells carry what the radius says, not a run's status words."""
    return np.where(invalid, "invalid", np.where(vals < 1, "radius<1", np.where(np.isnan(vals), "nan", "radius>=1")))


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
    return vals, _radius_status(vals, invalid), {}


def _alternating(spec, p) -> bool:
    from monoverify.solvers.alternating import uses_players
    from monoverify.solvers.registry import make
    try:
        return uses_players(make(spec["method"], **_method_kwargs(spec, p, 0)))
    except ValueError:
        return False


def _spectral_chunk(spec, p, n):
    from monoverify.solvers.registry import make
    from monoverify.theory.spectral import spectral_radius
    if _alternating(spec, p):
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
    return vals, _radius_status(vals, invalid), {}


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


def _pep_cell(m, rho, iters, bilinear, worst_case):
    """One PEP cell: the compiled SDP (theory.pep.compiled, equal to worst_case to solver tolerance) for
    the unconstrained Lipschitz class, worst_case (PEPit) for bilinear games or a method it cannot run."""
    if not bilinear:
        from monoverify.theory.pep.common import PEPNotRepresentable
        from monoverify.theory.pep.compiled import compiled_worst_case

        try:
            return compiled_worst_case(m, rho, 1.0, iters)
        except PEPNotRepresentable:
            pass
    return worst_case(m, rho, 1.0, iters, bilinear=bilinear)


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
        r = _pep_cell(m, float(rho[i]), spec["iters"], spec["family"] == "bilinear", worst_case)
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
    _test_hook(k)
    return {"k": int(k), "values": [float(v) for v in vals], "status": [str(s) for s in status], **extra}


