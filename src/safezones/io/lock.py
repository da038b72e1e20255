"""Locks on outputs: one command at a time writes a given output, and temporary outputs need none.

A lock is a file ``.NAME.lock`` beside the output, held with ``fcntl.flock``
(released by the system if the process dies). Outputs inside a temporary
folder this process is writing (:func:`temp_output`: the per-scenario folders
of a comparison) need no lock and no checks (:func:`in_temp_output`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from safezones.errors import SafeZonesError

__all__ = ["close_inherited_locks", "in_temp_output", "output_lock", "temp_output"]

#: Temporary folders this process is writing now: outputs inside them (the
#: per-scenario folders of a comparison) need no lock and no checks.
_PRIVATE: set[Path] = set()
#: Locks this process holds: lock file -> (descriptor, depth), so that a
#: command holding the lock can call a library writer that takes it again.
_HELD: dict[Path, list[int]] = {}


def in_temp_output(path: str | os.PathLike[str]) -> bool:
    """Return whether ``path`` lies in a temporary output folder this process is writing now."""
    full = Path(path).absolute()
    return any(t == full or t in full.parents for t in _PRIVATE)


@contextlib.contextmanager
def temp_output(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Mark ``folder`` as a temporary output this process is writing, while in the block.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with temp_output(d):
    ...     in_temp_output(Path(d) / "scenario" / "map.png")
    True
    >>> in_temp_output(d)
    False
    """
    full = Path(folder).absolute()
    _PRIVATE.add(full)
    try:
        yield full
    finally:
        _PRIVATE.discard(full)


def _lock_path(target: Path) -> Path:
    t = target.absolute()
    return t.parent / f".{t.name}.lock"


@contextlib.contextmanager
def output_lock(target: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the lock of an output, ``.NAME.lock`` beside it, or refuse at once.

    The lock is an ``fcntl.flock`` on that file (released by the system if
    the process dies); it is re-entrant within a process, and the file is
    removed when the lock is released. A second command writing the same
    output gets a :class:`SafeZonesError` instead of waiting.
    """
    t = Path(target)
    if in_temp_output(t):
        yield
        return
    lock = _lock_path(t)
    if lock in _HELD:
        _HELD[lock][1] += 1
        try:
            yield
        finally:
            _HELD[lock][1] -= 1
        return
    made = _make_parents(lock.parent)
    fd = _acquire(lock, t)
    _HELD[lock] = [fd, 1]
    try:
        yield
    finally:
        del _HELD[lock]
        with contextlib.suppress(OSError):
            lock.unlink()  # still holding it: whoever opened it since sees a new file
        os.close(fd)
        if not t.exists():  # nothing written: remove the folders made for the lock
            for d in made:
                with contextlib.suppress(OSError):
                    d.rmdir()


def close_inherited_locks() -> None:
    """In a forked worker: close the lock files it inherited, without unlocking them.

    A ``flock`` lasts while any descriptor of it is open, so a worker that
    kept its parent's would hold the output locked for a moment after the
    parent was killed. Closing (not unlocking) leaves the parent's lock alone.
    """
    for fd, _ in _HELD.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those made, deepest first."""
    made = []
    q = folder
    while not q.exists() and q != q.parent:
        made.append(q)
        q = q.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SafeZonesError(f"cannot make the folder {folder}: {err.strerror}") from None
    return made


def _acquire(lock: Path, target: Path) -> int:
    busy = SafeZonesError(
        f"cannot write the output folder {target}: another safezones command is writing it "
        f"now (lock file {lock}); wait for it to finish, or give --out another folder"
    )
    for _ in range(20):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as err:
            raise SafeZonesError(
                f"cannot write the output folder {target}: cannot make the lock file {lock} "
                f"({err.strerror}); give --out a folder you can write to"
            ) from None
        try:
            _flock(fd)
        except BlockingIOError:
            os.close(fd)
            raise busy from None
        try:  # the holder before us may have removed the file: then lock the new one
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
    raise busy


def _flock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - not tested on Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise BlockingIOError(errno.EAGAIN, "locked") from None
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
