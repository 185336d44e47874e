"""Atomic file writes: a file is either its old content or its complete new content, never a torn one.

Every cache, checkpoint header, report and certificate that monoverify writes goes through
:func:`write_text` / :func:`write_bytes`: the data goes to a temporary file in the same directory,
is flushed to disk, and replaces the target in one ``os.replace``. On any failure (a full disk, a
read-only directory, a target that is a directory) the temporary file is removed and an ``OSError``
naming the target path is raised; the target is left as it was.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> p = write_text(os.path.join(d, "a.json"), "{}")
>>> open(p).read()
'{}'
>>> os.mkdir(os.path.join(d, "dir"))
>>> try:
...     write_text(os.path.join(d, "dir"), "x")
... except OSError as exc:
...     print("refused:", os.path.basename(exc.filename), sorted(os.listdir(d)))
refused: dir ['a.json', 'dir']
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_text", "write_bytes"]


def write_bytes(path: str | os.PathLike, data: bytes, *, mkdir: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring); returns the path."""
    path = Path(path)
    if mkdir:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot create the directory of {path}: {exc.strerror}", str(path)) from None
    if path.is_dir():
        raise IsADirectoryError(21, f"cannot write {path}: it is a directory", str(path))
    fd, tmp = None, None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fd = None
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc}", str(path)) from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return path


def write_text(path: str | os.PathLike, text: str, *, mkdir: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return write_bytes(path, text.encode("utf-8"), mkdir=mkdir)
