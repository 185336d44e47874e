"""Array-namespace helpers shared by operators, solvers and theory (public: ``monoverify.arrays``).

The namespace of a computation follows its input (array-api-compat): NumPy by default, CuPy when
given CuPy arrays (never imported here unless the caller passes one), any array-API library.
"""

from __future__ import annotations

from typing import Any

import numpy as np


_NUMPY_NS: Any = None


def _numpy_namespace() -> Any:
    global _NUMPY_NS
    if _NUMPY_NS is None:
        import array_api_compat

        _NUMPY_NS = array_api_compat.array_namespace(np.zeros(1))
    return _NUMPY_NS


def namespace_of(*arrays: Any) -> Any:
    """Return the array-API namespace of ``arrays`` (NumPy arrays give the compat NumPy namespace).

    One plain NumPy array (the hot path of every operator call) is answered without a look-up.
    """
    if len(arrays) == 1 and type(arrays[0]) is np.ndarray:
        return _numpy_namespace()
    import array_api_compat

    return array_api_compat.array_namespace(*arrays)


def is_numpy(xp: Any) -> bool:
    """True when ``xp`` is (a compat wrapper of) NumPy."""
    if xp is _NUMPY_NS and xp is not None:
        return True
    import array_api_compat

    return array_api_compat.is_numpy_namespace(xp)


def to_numpy(x: Any, out: np.ndarray | None = None) -> np.ndarray:
    """Copy any array (NumPy, CuPy, array-API) to a NumPy array on the host.

    ``out``: a host array of ``x``'s shape to copy into (returned); CuPy writes a C-contiguous
    ``out`` of the same dtype directly (one transfer, no intermediate host array).
    """
    if out is None and isinstance(x, np.ndarray):
        return x
    if (out is not None and type(x).__module__.startswith("cupy") and out.flags.c_contiguous
            and out.dtype == x.dtype and out.shape == tuple(x.shape)):
        x.get(out=out)
        return out
    h = _host(x)
    if out is None:
        return h
    out[...] = h
    return out


def _host(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "get") and type(x).__module__.startswith("cupy"):
        return x.get()
    try:
        return np.asarray(x)
    except Exception:  # array_api_strict and friends: go through DLPack or a list
        try:
            return np.from_dlpack(x)
        except Exception:
            return np.array(x.tolist())


def asarray_like(value: Any, like: Any, xp: Any | None = None) -> Any:
    """Convert host ``value`` to an array in the namespace, dtype and device of ``like``."""
    xp = xp if xp is not None else namespace_of(like)
    import array_api_compat

    dev = array_api_compat.device(like)
    arr = np.asarray(value)
    if not is_numpy(xp):
        # array_api_strict only accepts Python scalars / lists / its own arrays
        try:
            return xp.asarray(arr, dtype=like.dtype, device=dev)
        except Exception:
            return xp.asarray(arr.tolist(), dtype=like.dtype, device=dev)
    return xp.asarray(arr, dtype=like.dtype)


def single_threaded_blas(fn: Any) -> Any:
    """Decorator: run ``fn`` with one BLAS/LAPACK thread (``threadpoolctl``), restoring the limit after.

    The batteries multiply small matrices (dimension <= 100, batches of rows): a multi-threaded
    BLAS gains nothing there, and on a loaded machine (or in one process per core, as ``verify``
    runs) its spinning threads cost up to 100x on a 100x100 QR. One thread also makes results
    independent of the host's thread count, so a serial and a parallel ``verify`` agree bit for bit.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


def require_finite(name: str, arr: np.ndarray) -> None:
    """Refuse a NumPy array holding NaN or an infinity, naming ``name``, the first such entry and its value.

    >>> require_finite("z0", np.array([[1.0, np.nan]]))
    Traceback (most recent call last):
    ...
    monoverify.errors.InvalidValue: z0 must be finite; entry (0, 1) is nan
    """
    if not np.all(np.isfinite(arr)):
        from monoverify.errors import InvalidValue

        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InvalidValue(f"{name} must be finite; entry {tuple(int(i) for i in bad)} is {arr[tuple(bad)]}")
