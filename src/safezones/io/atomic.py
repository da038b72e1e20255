"""Safe output: folders and files that never destroy anything safezones did not write.

Rules (for ``run``, ``compare``, ``memo``, ``map`` and ``sweep``, and the
library functions behind them):

- An output folder is written only if it does not exist, is empty, or was
  written by safezones before: every folder safezones writes carries a
  marker file, :data:`MARKER`, with the command, the safezones version, the
  time and the list of the files it wrote. Anything else (a folder holding
  other files, an existing file, the current folder or a folder above it,
  a folder holding an input) is refused with a :class:`SafeZonesError`
  before any computation (:func:`check_output_dir`).
- A folder is written atomically (:func:`atomic_dir`): into a temporary
  folder ``.NAME.XXXXXXXX`` beside it, which then replaces it. The earlier
  output is removed file by file, only the files its marker lists; a file
  that a user added to it since is never deleted (the write is refused).
- One command at a time writes a given output: a lock file ``.NAME.lock``
  beside it (:func:`output_lock`); a second command gets a clear error.
- Temporary folders left by a killed run (``.NAME.XXXXXXXX`` holding our
  marker) are removed by the next run into the same place, under the lock.
- The parent must be writable and have room (:data:`MIN_FREE_BYTES`), checked
  before computing; an ``OSError`` while writing (a full disk) is a
  :class:`SafeZonesError` too, and leaves no partial output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from safezones.errors import SafeZonesError

__all__ = [
    "MARKER",
    "MIN_FREE_BYTES",
    "atomic_dir",
    "atomic_path",
    "check_figure_path",
    "check_output_dir",
    "in_temp_output",
    "output_folder",
    "output_lock",
    "read_marker",
    "write_marker",
]

#: The marker file in every folder safezones writes (JSON: ``written_by``,
#: ``command``, ``command_line``, ``version``, ``time``, ``files``, ``folders``).
MARKER = ".safezones-output.json"
#: Free space an output's disk must have before a command computes anything:
#: 50 MB (assumption; measured: the memo of the five shipped scenarios, the
#: largest output, is 13 MB and their comparison 2.6 MB; the margin covers the
#: new copy written beside the old one, and larger memos).
MIN_FREE_BYTES = 50 * 1024 * 1024
#: What to do when a folder cannot be written, for every refusal.
_ADVICE = "give --out a new or empty folder, or remove it yourself"
_ELSEWHERE = "give --out a new or empty folder"

#: Temporary folders this process is writing now: outputs inside them (the
#: per-scenario folders of a comparison) need no lock and no checks.
_PRIVATE: set[Path] = set()
#: Locks this process holds: lock file -> (descriptor, depth), so that a
#: command holding the lock can call a library writer that takes it again.
_HELD: dict[Path, list[int]] = {}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("safezones")
    except PackageNotFoundError:  # run from a source tree that is not installed
        from safezones import __version__

        return __version__


# ---------------------------------------------------------------- files


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target``, on error it is removed.

    A failure never leaves a half-written ``target`` behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("done")
    >>> out.read_text()
    'done'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)  # mkstemp makes 0600 files; outputs get the usual mode
    try:
        yield tmp
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def check_figure_path(path: str | os.PathLike[str]) -> Path:
    """Refuse a figure path that is a folder, or whose folder cannot be written.

    An existing figure file is replaced (the path names that file); a folder
    is never replaced by a figure.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_figure_path(d / "map.png").name
    'map.png'
    >>> check_figure_path(d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: cannot write the figure ...: it is a folder; give a file name such as .../map.png
    """
    p = Path(path)
    if _inside_private(p):
        return p
    if p.is_dir():
        raise SafeZonesError(
            f"cannot write the figure {p}: it is a folder; give a file name such as {p / 'map.png'}"
        )
    _check_room(p, what="the figure")
    return p


# ---------------------------------------------------------------- the rule


def read_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The marker of a folder safezones wrote, or None (no marker, or not ours)."""
    f = Path(folder) / MARKER
    try:
        doc = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("written_by") != "safezones":
        return None
    return doc


def _names(items: list[str], n: int = 5) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def _tree(folder: Path) -> tuple[list[str], list[str]]:
    """Files (and symbolic links) and folders under ``folder``, as relative POSIX paths."""
    files: list[str] = []
    folders: list[str] = []
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            it = os.scandir(here)
        except FileNotFoundError:  # removed while we looked (another command replacing it)
            continue
        with it:
            for e in it:
                rel = Path(e.path).relative_to(folder).as_posix()
                if e.is_dir(follow_symlinks=False):
                    folders.append(rel)
                    stack.append(Path(e.path))
                else:
                    files.append(rel)
    return sorted(files), sorted(folders)


def _unlisted(folder: Path, marker: dict[str, Any]) -> list[str]:
    """What is in ``folder`` that its marker does not list (files a user added)."""
    files, folders = _tree(folder)
    listed = {MARKER, *(marker.get("files") or ()), *(marker.get("folders") or ())}
    return [x for x in files + folders if x not in listed]


def in_temp_output(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` lies in a temporary output folder this process is writing now."""
    return _inside_private(Path(path))


def _inside_private(p: Path) -> bool:
    full = p.absolute()
    return any(t == full or t in full.parents for t in _PRIVATE)


def check_output_dir(
    path: str | os.PathLike[str],
    *,
    command: str,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Path:
    """Refuse an output folder that safezones may not write, before any computation.

    A folder is written only if it does not exist, is empty, or carries the
    :data:`MARKER` of an earlier safezones output (and holds only the files
    that marker lists). Refused: an existing file, a folder holding other
    files, the current folder or a folder above it, a folder holding one of
    ``inputs``, a parent that is not a writable folder, a disk with less than
    :data:`MIN_FREE_BYTES` free. A ``sweep`` folder is resumed, so only a
    sweep may write it, and a sweep writes only there.

    Parameters
    ----------
    path
        The output folder.
    command
        ``run``, ``compare``, ``memo`` or ``sweep``: what will write it.
    inputs
        Files the command reads (scenario files, data files, a sweep spec).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.txt").write_text("mine")
    >>> check_output_dir(d, command="run")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: cannot write the output folder ...: it holds files that safezones did not write (notes.txt); give --out a new or empty folder, or remove it yourself
    >>> check_output_dir(d / "out", command="run").name
    'out'
    """
    p = Path(path)
    if _inside_private(p):
        return p  # a folder inside our own temporary output (compare's per-scenario folders)
    where = f"cannot write the output folder {p}"
    full = p.resolve()
    shown = where if str(full) == str(p) else f"{where} ({full})"
    if p.is_symlink():
        raise SafeZonesError(f"{where}: it is a symbolic link; {_ADVICE}")
    cwd = Path.cwd().resolve()
    if full == cwd:
        raise SafeZonesError(f"{shown}: it is the current folder; {_ELSEWHERE}")
    if full in cwd.parents:
        raise SafeZonesError(f"{shown}: it holds the current folder; {_ELSEWHERE}")
    for f in inputs:
        if f is None:
            continue
        inp = Path(f).resolve()
        if full in inp.parents:
            raise SafeZonesError(f"{where}: it holds the input {f}; {_ELSEWHERE}")
    if p.exists() and not p.is_dir():
        raise SafeZonesError(f"{where}: it is a file, not a folder; {_ADVICE}")
    if p.is_dir():
        _check_contents(p, command=command, where=where)
        if command == "sweep" and not os.access(p, os.W_OK | os.X_OK):
            raise SafeZonesError(
                f"{where}: it is not writable (read-only, or no permission); give --out a "
                "folder you can write to"
            )
    _check_room(p, what="the output folder")
    return p


def _check_contents(p: Path, *, command: str, where: str) -> None:
    marker = read_marker(p)
    try:
        entries = sorted(e.name for e in os.scandir(p))
    except FileNotFoundError:  # moved aside this instant by the command replacing it
        return
    except OSError as err:
        raise SafeZonesError(f"{where}: {err.strerror}; {_ADVICE}") from None
    if not entries:
        return
    if command == "sweep":
        if marker is None and "sweep.json" in entries:  # a sweep from before markers
            return
        if marker is None:
            raise SafeZonesError(
                f"{where}: it holds no sweep, and files that safezones did not write "
                f"({_names(entries)}); {_ADVICE}"
            )
        if marker.get("command") != "sweep":
            raise SafeZonesError(
                f"{where}: it holds the output of safezones {marker.get('command')}, not a "
                f"sweep; {_ADVICE}"
            )
        return
    if marker is None:
        if "sweep.json" in entries:
            marker = {"command": "sweep"}
        else:
            raise SafeZonesError(
                f"{where}: it holds files that safezones did not write ({_names(entries)}); "
                f"{_ADVICE}"
            )
    if marker.get("command") == "sweep":
        raise SafeZonesError(
            f"{where}: it holds a sweep, which is resumed, never replaced; {_ADVICE}"
        )
    foreign = _unlisted(p, marker)
    if foreign:
        raise SafeZonesError(
            f"{where}: it holds files that safezones did not write ({_names(foreign)}), "
            f"added after safezones wrote it; {_ADVICE}"
        )


def _check_room(p: Path, *, what: str) -> None:
    """The folder that will hold ``p`` exists or can be made, is writable and has room."""
    q = p.absolute().parent
    while not q.exists() and q != q.parent:
        q = q.parent
    if not q.is_dir():
        raise SafeZonesError(
            f"cannot write {what} {p}: {q} is a file, not a folder; give --out a path in a folder"
        )
    if not os.access(q, os.W_OK | os.X_OK):
        raise SafeZonesError(
            f"cannot write {what} {p}: the folder {q} is not writable (read-only, or no "
            "permission); give --out a folder you can write to"
        )
    try:  # a read-only file system that access() did not report
        with tempfile.TemporaryFile(dir=q, prefix=".safezones-probe."):
            pass
    except OSError as err:
        raise SafeZonesError(
            f"cannot write {what} {p}: the folder {q} is not writable ({err.strerror}); "
            "give --out a folder you can write to"
        ) from None
    free = shutil.disk_usage(q).free
    if free < MIN_FREE_BYTES:
        raise SafeZonesError(
            f"cannot write {what} {p}: the disk of {q} has {free / 2**20:.1f} MB free, and "
            f"safezones needs at least {MIN_FREE_BYTES / 2**20:.0f} MB; free some space or "
            "give --out a folder on another disk"
        )


# ---------------------------------------------------------------- lock


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
    if _inside_private(t):
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


@contextlib.contextmanager
def output_folder(
    path: str | os.PathLike[str],
    *,
    command: str,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Iterator[Path]:
    """Check an output folder and hold its lock while a command computes and writes it.

    :func:`check_output_dir`, then :func:`output_lock`; the CLI wraps each
    command in it so that a refusal comes before any computation and a
    second command into the same folder is refused at once.
    """
    items = list(inputs)
    p = check_output_dir(path, command=command, inputs=items)
    with output_lock(p):
        yield check_output_dir(p, command=command, inputs=items)  # again, under the lock


# ---------------------------------------------------------------- folders


_TEMP = re.compile(r"(old\.)?[a-z0-9_]{8}")


def _marker_doc(command: str, files: list[str] | None, folders: list[str] | None) -> str:
    from safezones.io.inputs import command_line

    doc = {
        "written_by": "safezones",
        "command": command,
        "command_line": command_line(),  # None for a library call
        "version": _version(),
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": files,
        "folders": folders,
    }
    return json.dumps(doc, indent=2) + "\n"


def write_marker(folder: str | os.PathLike[str], *, command: str) -> Path:
    """Write the :data:`MARKER` of a folder that grows in place (a sweep's folder).

    Its ``files`` is null: such a folder is resumed, never replaced, so its
    files are not listed.
    """
    f = Path(folder) / MARKER
    with atomic_path(f) as tmp:
        tmp.write_text(_marker_doc(command, None, None), encoding="utf-8")
    return f


def _remove_written(folder: Path) -> list[str]:
    """Remove the files and folders ``folder``'s marker lists; return what is left."""
    marker = read_marker(folder)
    if marker is None:  # an empty folder the user made for the output, or not ours
        left = sorted(e.name for e in os.scandir(folder))
        if not left:
            folder.rmdir()
        return left
    if marker.get("files") is None:  # a temporary folder being written: all ours
        shutil.rmtree(folder, ignore_errors=True)
        return []
    for rel in marker["files"]:
        with contextlib.suppress(FileNotFoundError):
            (folder / rel).unlink()
    for rel in sorted(marker.get("folders") or (), key=lambda r: r.count("/"), reverse=True):
        with contextlib.suppress(OSError):
            (folder / rel).rmdir()
    left = _unlisted(folder, marker) if folder.exists() else []
    if not left:
        (folder / MARKER).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()
    return left


def _clean_stale(target: Path) -> None:
    """Remove ``.NAME.XXXXXXXX`` folders a killed run left beside ``target``.

    Only folders named as :func:`atomic_dir` names them and holding our
    marker; called under the target's lock, so no other run is using them.
    """
    prefix = f".{target.name}."
    with contextlib.suppress(OSError), os.scandir(target.parent) as it:
        stale = [
            Path(e.path)
            for e in it
            if e.name.startswith(prefix)
            and _TEMP.fullmatch(e.name[len(prefix) :])
            and e.is_dir(follow_symlinks=False)
        ]
    for d in stale:
        if read_marker(d) is not None:
            _remove_written(d)


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str], *, command: str = "run") -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``target``, on error it is removed.

    ``target`` must be a folder safezones may write (:func:`check_output_dir`);
    the lock is held while writing. A failed run never leaves a partial
    output folder behind; an existing ``target`` is kept until the new one is
    complete, and then only the files its marker lists are removed. The new
    folder gets a :data:`MARKER` listing every file in it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with atomic_dir(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("a")
    >>> sorted(p.name for p in out.iterdir())
    ['.safezones-output.json', 'a.txt']
    >>> read_marker(out)["files"]
    ['a.txt']
    """
    target = Path(target)
    nested = _inside_private(target)
    check_output_dir(target, command=command)  # refuse before making the lock
    with output_lock(target):
        check_output_dir(target, command=command)  # again, under the lock
        if not nested:
            _clean_stale(target)
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        except OSError as err:
            raise _write_error(target, err) from None
        _PRIVATE.add(tmp.absolute())
        try:
            tmp.chmod(0o777 & ~_umask())
            (tmp / MARKER).write_text(_marker_doc(command, None, None), encoding="utf-8")
            yield tmp
            files, folders = _tree(tmp)
            files.remove(MARKER)
            (tmp / MARKER).write_text(_marker_doc(command, files, folders), encoding="utf-8")
            _swap(tmp, target, command)
        except OSError as err:
            if nested:
                raise
            raise _write_error(target, err) from None
        finally:
            _PRIVATE.discard(tmp.absolute())
            shutil.rmtree(tmp, ignore_errors=True)


def _swap(tmp: Path, target: Path, command: str) -> None:
    old: Path | None = None
    if target.exists() or target.is_symlink():
        check_output_dir(target, command=command)  # a user file may have appeared meanwhile
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        tmp.rename(target)
    except BaseException:
        if old is not None:  # put the previous output back
            old.rename(target)
        raise
    if old is not None:
        left = _remove_written(old)
        if left:  # appeared between the check and the rename: keep it, say where
            import warnings

            warnings.warn(
                f"{target}: files that safezones did not write appeared in the earlier output "
                f"while it was replaced ({_names(left)}); they are kept in {old}",
                stacklevel=3,
            )


def _write_error(target: Path, err: OSError) -> SafeZonesError:
    # pyarrow and GDAL raise OSError without errno; their text still names the cause
    if err.errno == errno.ENOSPC or "errno 28" in str(err).lower():
        what = os.strerror(errno.ENOSPC)
    else:
        what = err.strerror or str(err)
    return SafeZonesError(
        f"cannot write the output folder {target}: {what}; nothing was written (an earlier "
        "output there is kept); free some space or give --out another folder"
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
