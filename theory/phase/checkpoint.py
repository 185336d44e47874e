"""The checkpoint file of a phase-diagram sweep: a header line, then one JSON line per finished chunk.

* The first line marks the file: ``{"kind": "monoverify.phase checkpoint", "format": 1, "hash": ...,
  "version": ..., "sweep": {...}}``. A path that exists and does not start with such a header (an
  empty file included) is refused with an error naming it, and never written to.
* A line that is valid JSON of the wrong shape is ignored (the chunk is recomputed; one warning).
* A truncated last line (a writer killed mid-line) is dropped and its chunk recomputed.
* Appends hold an exclusive ``flock`` on the file and first drop a partial last line, so sweeps
  sharing a checkpoint never interleave or corrupt lines; a new file is created with its header
  atomically (written to a temporary file, then linked in place without replacing anything).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping

from monoverify.errors import InvalidValue

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locking
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHECKPOINT_KIND", "FORMAT", "CheckpointWarning", "load", "open_checkpoint", "Checkpoint"]

CHECKPOINT_KIND = "monoverify.phase checkpoint"
FORMAT = 1
_warned = False


class CheckpointWarning(UserWarning):
    """A checkpoint line was ignored (wrong shape) and its chunk is recomputed."""


@contextlib.contextmanager
def _locked(fd: int) -> Iterator[None]:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _header(h: str, spec: Mapping[str, Any]) -> dict:
    return {"kind": CHECKPOINT_KIND, "format": FORMAT, "hash": h, "version": spec.get("version"), "sweep": dict(spec)}


def _refuse(path: Path, why: str) -> InvalidValue:
    return InvalidValue(f"{str(path)!r} is not a monoverify phase checkpoint ({why}); refusing to overwrite or mix it: "
                      "give a new path or delete the file")


def _check_header(path: Path, line: bytes, h: str, spec: Mapping[str, Any]) -> None:
    try:
        obj = json.loads(line)
    except ValueError:
        raise _refuse(path, "its first line is not a checkpoint header") from None
    if not isinstance(obj, dict) or obj.get("kind") != CHECKPOINT_KIND:
        raise _refuse(path, "bad header line")
    if obj.get("hash") != h:
        old = obj.get("sweep") if isinstance(obj.get("sweep"), dict) else {}
        diff = sorted(k for k in set(old) | set(spec) if old.get(k) != spec.get(k))
        raise InvalidValue(f"checkpoint {str(path)!r} belongs to a different sweep (hash {obj.get('hash')} != {h}; "
                         f"differs in {diff}); refusing to mix results: delete it or use another path")


def _shape_error(obj: Any, n_chunks: int, n_cells: int) -> str | None:
    """Why a decoded line is not a finished chunk (``None`` when it is one)."""
    if not isinstance(obj, dict):
        return f"a {type(obj).__name__}, not an object"
    k = obj.get("k")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < n_chunks:
        return f"chunk index {k!r} is not an integer in [0, {n_chunks})"
    for key, types in (("values", (int, float, str)), ("status", (str,))):
        v = obj.get(key)
        if not isinstance(v, list) or len(v) != n_cells or not all(isinstance(x, types) for x in v):
            return f"{key!r} is not a list of {n_cells} entries"
    for key, v in obj.items():
        if key not in ("k", "values", "status") and (not isinstance(v, list) or len(v) != n_cells):
            return f"extra field {key!r} is not a list of {n_cells} entries"
    return None


def _warn(path: Path, lineno: int, why: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(f"checkpoint {str(path)!r} line {lineno}: {why}; the chunk is recomputed (warned once per "
                      "process)", CheckpointWarning, stacklevel=4)


def load(path: Path, h: str, spec: Mapping[str, Any], n_chunks: int, n_cells: int) -> dict[int, dict]:
    """Finished chunks of ``path`` (``{}`` when it does not exist); refuses foreign files and other sweeps."""
    if not path.exists():
        return {}
    if not path.is_file():
        raise _refuse(path, "not a regular file")
    raw = path.read_bytes()
    if not raw:
        raise _refuse(path, "the file is empty")
    lines = raw.split(b"\n")
    _check_header(path, lines[0], h, spec)
    done: dict[int, dict] = {}
    last = len(lines) - 1  # lines[last] follows the last "\n": b"" or a truncated line
    for n, line in enumerate(lines[1:last], start=2):
        try:
            obj = json.loads(line)
        except ValueError:
            raise InvalidValue(f"checkpoint {str(path)!r} is corrupt at line {n} (not a truncated last line); "
                             "delete it or use another path") from None
        why = _shape_error(obj, n_chunks, n_cells)
        if why is None:
            done[obj["k"]] = obj
        else:
            _warn(path, n, why)
    return done


class Checkpoint:
    """An open checkpoint: :meth:`append` writes one finished chunk (locked, flushed, fsync-ed)."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self.fd = fd

    def append(self, out: Mapping[str, Any]) -> None:
        """Append one chunk's line, whole or not at all: a short write is continued, and on a failure (a full
        disk) the bytes written are cut off again and an ``OSError`` naming the checkpoint is raised; the
        file keeps its finished lines, and a resumed sweep recomputes only the chunks that are missing."""
        data = (json.dumps(out) + "\n").encode()
        with _locked(self.fd):
            size = os.fstat(self.fd).st_size
            if size and os.pread(self.fd, 1, size - 1) != b"\n":  # a writer died mid-line: drop its partial line
                tail = os.pread(self.fd, min(size, 1 << 20), max(0, size - (1 << 20)))
                size = size - len(tail) + tail.rfind(b"\n") + 1
                os.ftruncate(self.fd, size)
            try:
                view = memoryview(data)
                while view:
                    n = os.write(self.fd, view)
                    if n <= 0:   # pragma: no cover - a write that writes nothing and reports no error
                        raise OSError(28, "no space left on device")
                    view = view[n:]
                os.fsync(self.fd)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.ftruncate(self.fd, size)   # no partial line stays behind
                raise OSError(exc.errno, f"cannot append to the checkpoint {str(self.path)!r}: "
                                         f"{exc.strerror or exc}; its {size} bytes of finished chunks are kept",
                              str(self.path)) from None

    def close(self) -> None:
        os.close(self.fd)


def _create(path: Path, h: str, spec: Mapping[str, Any]) -> None:
    """Create ``path`` holding only the header, atomically; never replaces an existing file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(_header(h, spec)) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:  # another sweep created it first: theirs is checked by the caller
            pass
        except OSError:  # no hard links on this file system: exclusive create
            with contextlib.suppress(FileExistsError):
                fd2 = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                try:
                    with os.fdopen(fd2, "w") as f:
                        f.write(json.dumps(_header(h, spec)) + "\n")
                        f.flush()
                        os.fsync(f.fileno())
                except OSError:   # a torn header would be refused forever: remove it, name the path
                    with contextlib.suppress(OSError):
                        os.unlink(path)
                    raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def open_checkpoint(path: Path, h: str, spec: Mapping[str, Any], n_chunks: int, n_cells: int
                    ) -> tuple[Checkpoint, dict[int, dict]]:
    """Open (creating it when missing) the checkpoint of the sweep ``spec``; return it and its finished chunks."""
    d = path.parent if str(path.parent) else Path(".")
    if not d.is_dir():
        raise OSError(f"checkpoint folder {str(d)!r} does not exist")
    try:
        if not path.exists():
            _create(path, h, spec)
        done = load(path, h, spec, n_chunks, n_cells)
        fd = os.open(path, os.O_RDWR | os.O_APPEND)
    except OSError as e:
        raise OSError(f"cannot write the checkpoint {str(path)!r} (folder {str(d)!r}): {e.strerror or e}") from e
    return Checkpoint(path, fd), done
