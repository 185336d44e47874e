"""Shape and dtype contracts of what user code hands back: oracle results and method states.

An operator's ``F`` maps ``(..., dim) -> (..., dim)`` (the shape of its argument, a real floating dtype, the
argument's array type); a projection, prox or resolvent returns a point of the same shape; a method's
``init`` and ``step`` return a dict whose ``"z"`` is the iterate batch. NumPy broadcasting would otherwise
turn a ``(batch, 1)`` answer for a 2-D problem into a ``(batch, 2)`` garbage run that "finishes" with
``max_iter``. The :class:`~monoverify.solvers.Oracle` checks every kind of result on its **first** call (then
steps aside: no cost per step), the runner checks the state after ``init`` and after the first step, and the
linear path, the compiled replay and the generated kernels go through the same oracle or check their probe
the same way. A breach is an :class:`~monoverify.errors.InvalidValue` naming the operator (or method), what
was expected and what came back.

>>> import numpy as np
>>> check_result("F", "my_op", np.zeros((4, 2)), np.zeros((4, 1)))
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: operator my_op: F returned shape (4, 1), dtype float64 for an input of shape (4, 2), dtype float64; expected shape (4, 2) (the input's) and a real floating dtype
>>> check_state("my_method", "step", {"x": np.zeros((4, 2))}, (4, 2))
Traceback (most recent call last):
...
monoverify.errors.InvalidValue: method my_method: step returned a state without "z" (keys ['x']); a method's init/step must return a dict whose "z" is the iterate batch of shape (4, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from monoverify.errors import InvalidValue

__all__ = ["check_result", "check_state", "state_z"]


def _name(owner: Any) -> str:
    if isinstance(owner, str):
        return owner
    return str(getattr(owner, "name", None) or type(owner).__name__)


def _dtype(x: Any) -> str:
    return str(getattr(x, "dtype", type(x).__name__))


def _real_floating(x: Any) -> bool:
    dt = getattr(x, "dtype", None)
    if dt is None:
        return False
    kind = getattr(dt, "kind", None)
    if kind is not None:
        return kind == "f"
    try:   # array-API dtypes have no .kind
        from monoverify.arrays import namespace_of

        return bool(namespace_of(x).isdtype(dt, "real floating"))
    except Exception:
        return True


def check_result(what: str, owner: Any, z: Any, out: Any) -> None:
    """Refuse ``out = what(z)`` of ``owner`` unless it has ``z``'s shape, a real floating dtype and ``z``'s array type.

    ``what``: ``"F"``, ``"prox"``, ``"resolvent"`` (or ``"F of summand i"``, ...); ``owner``: the operator or set.
    """
    zs = tuple(getattr(z, "shape", ()))
    os_ = getattr(out, "shape", None)
    same_kind = not isinstance(z, np.ndarray) or isinstance(out, np.ndarray)
    if os_ is not None and tuple(os_) == zs and same_kind and _real_floating(out):
        return
    got = (f"shape {tuple(os_)}, dtype {_dtype(out)}" if os_ is not None
           else f"a {type(out).__name__} (not an array)")
    if os_ is not None and not same_kind:
        got += f" as a {type(out).__name__}"
    kind = "operator" if what.startswith(("F", "resolvent")) else "set"
    raise InvalidValue(f"{kind} {_name(owner)}: {what} returned {got} for an input of shape {zs}, dtype {_dtype(z)}; "
                       f"expected shape {zs} (the input's) and a real floating dtype"
                       + (f" ({type(z).__name__}, like the input)" if not same_kind else ""))


def check_state(owner: Any, when: str, state: Any, z_shape: tuple) -> None:
    """Refuse a method state (after ``init`` or ``step``) that is not a dict whose ``"z"`` has shape ``z_shape``."""
    name = _name(owner) if isinstance(owner, str) else type(owner).__name__
    need = f'a method\'s init/step must return a dict whose "z" is the iterate batch of shape {tuple(z_shape)}'
    if not isinstance(state, dict):
        raise InvalidValue(f"method {name}: {when} returned a {type(state).__name__}, not a dict; {need}")
    if "z" not in state:
        raise InvalidValue(f'method {name}: {when} returned a state without "z" (keys {sorted(map(str, state))}); '
                           f"{need}")
    z = state["z"]
    shape = getattr(z, "shape", None)
    if shape is None or tuple(shape) != tuple(z_shape) or not _real_floating(z):
        got = f"shape {tuple(shape)}, dtype {_dtype(z)}" if shape is not None else f"a {type(z).__name__}"
        raise InvalidValue(f'method {name}: {when} returned "z" of {got}; {need} and a real floating dtype')


def state_z(owner: Any, when: str, state: Any) -> Any:
    """``state["z"]`` of a method state on points without a shape (PEPit, exact symbolic points), or an
    ``InvalidValue`` naming the method when ``state`` is not a dict holding ``"z"``."""
    if isinstance(state, dict) and "z" in state:
        return state["z"]
    name = type(owner).__name__
    got = (f'a state without "z" (keys {sorted(map(str, state))})' if isinstance(state, dict)
           else f"a {type(state).__name__}, not a dict")
    raise InvalidValue(f'method {name}: {when} returned {got}; a method\'s init/step must return a dict whose "z" '
                       "is the iterate")
