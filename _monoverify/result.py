"""The result protocol shared by every result object of monoverify.

Every result (a run, a theorem check, a PEP worst case, a phase diagram, a proof, ...) answers
the same five questions in the same words, in the manner of ``scipy.optimize.OptimizeResult``:

``status``
    A short machine-readable word (per instance for a batched run).
``message``
    One human sentence saying what happened.
``success``
    ``True`` when the result can be trusted as what was asked for (a converged run, a judged and
    holding theorem, an optimal SDP solve); never ``True`` by default.
``to_dict()``
    A JSON-safe dictionary (finite floats as numbers, ``inf``/``nan`` as strings, arrays as lists).
``from_dict(d)``
    The inverse of ``to_dict`` for the fields that round-trip (``to_json``/``from_json`` wrap them).

:class:`Result` provides ``to_dict``/``from_dict``/``to_json``/``from_json`` for dataclasses;
subclasses define ``status``, ``message`` and ``success`` (as fields or properties) and may
override ``to_dict`` to drop or summarise heavy fields.

>>> from dataclasses import dataclass
>>> @dataclass
... class Toy(Result):
...     value: float
...     status: str = "optimal"
...     message: str = ""
...     @property
...     def success(self) -> bool:
...         return self.status == "optimal"
>>> t = Toy(float("inf"))
>>> t.to_dict()
{'value': 'inf', 'status': 'optimal', 'message': '', 'success': True}
>>> Toy.from_json(t.to_json()) == t
True
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Mapping

import numpy as np

__all__ = ["Result", "jsonable", "unjson_float", "without_times"]

_SPECIAL = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def jsonable(v: Any) -> Any:
    """``v`` as JSON-safe data: finite floats stay numbers, ``inf``/``-inf``/``nan`` become strings."""
    if isinstance(v, Result):
        return v.to_dict()
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: jsonable(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, np.ndarray):
        if v.ndim and v.dtype.kind in "fiub" and (v.dtype.kind != "f" or np.isfinite(v).all()):
            return v.tolist()     # numbers only: one C-level conversion (a verify report holds millions)
        return [jsonable(x) for x in v.tolist()] if v.ndim else jsonable(v.item())
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        x = float(v)
        return x if math.isfinite(x) else ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if v is None or isinstance(v, str):
        return v
    return str(v)


def unjson_float(v: Any) -> Any:
    """Inverse of :func:`jsonable` for one float field (``"inf"`` -> ``inf``; other values unchanged)."""
    return _SPECIAL.get(v, v) if isinstance(v, str) else v


def without_times(d: Any) -> Any:
    """A ``to_dict()`` without its wall-clock fields (keys containing ``elapsed`` or ``time``), recursively:
    what must be identical, bit for bit, between a serial and a parallel run.

    >>> without_times({"elapsed_s": 2.5, "results": [{"wall_time": 1.0, "worst_ratio": 0.5}]})
    {'results': [{'worst_ratio': 0.5}]}
    """
    if isinstance(d, dict):
        return {k: without_times(v) for k, v in d.items() if "elapsed" not in k and "time" not in k}
    if isinstance(d, list):
        return [without_times(v) for v in d]
    return d


class Result:
    """Mixin for dataclass results: ``to_dict``, ``from_dict``, ``to_json``, ``from_json``.

    Subclasses provide ``status``, ``message`` and ``success``. ``to_dict`` includes every
    dataclass field plus ``success``; ``from_dict`` ignores keys that are not init fields and
    turns ``"inf"``/``"nan"`` strings back into floats for fields annotated as floats.
    """

    status: Any
    message: str

    @property
    def success(self) -> Any:  # pragma: no cover - always overridden
        raise NotImplementedError

    def to_dict(self) -> dict:
        d = {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        for k in ("status", "message"):  # also when a subclass computes them (properties)
            if k not in d:
                d[k] = jsonable(getattr(self, k))
        d["success"] = jsonable(self.success)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]):
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
        kw = {}
        for k, v in d.items():
            if k in fields:
                ann = str(fields[k].type)
                kw[k] = unjson_float(v) if "float" in ann else v
        return cls(**kw)

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), **kw)

    @classmethod
    def from_json(cls, s: str):
        return cls.from_dict(json.loads(s))
