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
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safezones._plural import listing
from safezones._version import __version__
from safezones.errors import SafeZonesError
from safezones.io.lock import close_inherited_locks as close_inherited_locks
from safezones.io.lock import in_temp_output as in_temp_output
from safezones.io.lock import output_lock as output_lock
from safezones.io.lock import temp_output

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MARKER",
    "MIN_FREE_BYTES",
    "atomic_dir",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_parquet",
    "atomic_write_text",
    "check_figure_path",
    "check_output_dir",
    "in_temp_output",
    "output_folder",
    "output_lock",
    "read_marker",
    "remove_partial_files",
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
#: How many unexpected files a refusal names.
_SHOWN = 5


# ---------------------------------------------------------------- files


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target``, on error it is removed.

    A failure never leaves a half-written ``target`` behind. The temporary
    file is ``.NAME.XXXXXXXX.SUFFIX`` beside ``target`` (same folder, so the
    replacement is atomic; same suffix, so writers that add one, such as
    ``numpy.savez``, keep its name); a process killed while writing leaves it
    behind, for :func:`remove_partial_files`. Missing parent folders are made.

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
    tmp.chmod(0o666 & ~_umask())  # mkstemp makes 0600 files; outputs get the usual mode
    try:
        yield tmp
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(
    target: str | os.PathLike[str], text: str, *, encoding: str = "utf-8"
) -> Path:
    r"""Write ``text`` to ``target`` atomically (:func:`atomic_path`); return ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "sweep.json"
    >>> atomic_write_text(out, "{}\n").read_text()
    '{}\n'
    """
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (:func:`atomic_path`); return ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
    >>> atomic_write_bytes(out, b"ab").read_bytes()
    b'ab'
    """
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_parquet(
    target: str | os.PathLike[str], frame: pd.DataFrame, *, index: bool = False
) -> Path:
    """Write a DataFrame to ``target`` as Parquet, atomically (:func:`atomic_path`); return ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "parts" / "part-000000.parquet"
    >>> pd.read_parquet(atomic_write_parquet(out, pd.DataFrame({"a": [1, 2]}))).a.tolist()
    [1, 2]
    """
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=index)
    return Path(target)


#: The temporary files :func:`atomic_path` makes: ``.NAME.XXXXXXXX`` plus NAME's suffix.
_PARTIAL = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}(?P<suffix>(\.[^.]*)?)")


def remove_partial_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files that a killed :func:`atomic_path` left in ``folder``.

    Only files named as :func:`atomic_path` names them (``.NAME.XXXXXXXX.SUFFIX``)
    are removed; call it only where no other process is writing (a sweep's own
    folders, when it starts or resumes). Returns the files removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".part-000001.parquet.k2j4_x9a.parquet").write_bytes(b"half")
    >>> _ = (d / ".notes.txt").write_text("mine")
    >>> [p.name for p in remove_partial_files(d)], sorted(p.name for p in d.iterdir())
    (['.part-000001.parquet.k2j4_x9a.parquet'], ['.notes.txt'])
    """
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as it:
        for e in it:
            m = _PARTIAL.fullmatch(e.name)
            if (
                m is not None
                and m["suffix"] == Path(m["name"]).suffix
                and e.is_file(follow_symlinks=False)
            ):
                removed.append(Path(e.path))
    for f in removed:
        f.unlink(missing_ok=True)
    return removed


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
    if in_temp_output(p):
        return p
    if p.is_dir():
        raise SafeZonesError(
            f"cannot write the figure {p}: it is a folder; give a file name such as {p / 'map.png'}"
        )
    _check_room(p, what="the figure")
    return p


# ---------------------------------------------------------------- the rule


def read_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the marker of a folder safezones wrote, or None (no marker, or not ours)."""
    f = Path(folder) / MARKER
    try:
        doc = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("written_by") != "safezones":
        return None
    return doc


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
    """Return what is in ``folder`` that its marker does not list (files a user added)."""
    files, folders = _tree(folder)
    listed = {MARKER, *(marker.get("files") or ()), *(marker.get("folders") or ())}
    return [x for x in files + folders if x not in listed]


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
    if in_temp_output(p):
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
                f"({listing(entries, limit=_SHOWN)}); {_ADVICE}"
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
                f"{where}: it holds files that safezones did not write ({listing(entries, limit=_SHOWN)}); "
                f"{_ADVICE}"
            )
    if marker.get("command") == "sweep":
        raise SafeZonesError(
            f"{where}: it holds a sweep, which is resumed, never replaced; {_ADVICE}"
        )
    foreign = _unlisted(p, marker)
    if foreign:
        raise SafeZonesError(
            f"{where}: it holds files that safezones did not write ({listing(foreign, limit=_SHOWN)}), "
            f"added after safezones wrote it; {_ADVICE}"
        )


def _check_room(p: Path, *, what: str) -> None:
    """Refuse ``p`` unless the folder that will hold it exists or can be made, is writable and has room."""
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
        "version": __version__,
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
    nested = in_temp_output(target)
    check_output_dir(target, command=command)  # refuse before making the lock
    with output_lock(target):
        check_output_dir(target, command=command)  # again, under the lock
        if not nested:
            _clean_stale(target)
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        except OSError as err:
            raise _write_error(target, err) from None
        try:
            with temp_output(tmp):
                tmp.chmod(0o777 & ~_umask())
                (tmp / MARKER).write_text(_marker_doc(command, None, None), encoding="utf-8")
                yield tmp
                files, folders = _tree(tmp)
                files.remove(MARKER)
                (tmp / MARKER).write_text(_marker_doc(command, files, folders), encoding="utf-8")
                _swap(tmp, target, command)
        except Exception as err:
            if nested or not (isinstance(err, OSError) or _disk_full(err)):
                raise
            raise _write_error(target, err) from None
        finally:
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
                f"while it was replaced ({listing(left, limit=_SHOWN)}); they are kept in {old}",
                stacklevel=3,
            )


def _disk_full(err: BaseException) -> bool:
    """Whether an error (pyogrio's FeatureError from SQLite, too) says the disk is full."""
    text = str(err).lower()
    return (getattr(err, "errno", None) == errno.ENOSPC or "errno 28" in text
            or "disk is full" in text or "no space left" in text)  # fmt: skip


def _write_error(target: Path, err: BaseException) -> SafeZonesError:
    # pyarrow and GDAL raise OSError without errno, SQLite (GeoPackage) says "disk is
    # full"; their text still names the cause
    if _disk_full(err):
        what = os.strerror(errno.ENOSPC)
    else:
        what = getattr(err, "strerror", None) or str(err)
    return SafeZonesError(
        f"cannot write the output folder {target}: {what}; nothing was written (an earlier "
        "output there is kept); free some space or give --out another folder"
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
