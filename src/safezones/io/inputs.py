"""The files a scenario reads, and their SHA-256 digests.

One place for "which inputs does this result depend on": ``summary.json``
records them, a sweep refuses to resume after one has changed, and a memo
reuses an earlier output only when they are unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario
    from safezones.sweep import Sweep

__all__ = [
    "command_line",
    "file_hashes",
    "file_sha256",
    "input_files",
    "input_hashes",
    "set_command",
    "sweep_input_files",
    "sweep_input_hashes",
]

#: Scenario keys whose value is a file; a sweep that varies one reads every value's file.
FILE_KEYS = ("population.source", "events.source", "demand.table")

_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file's bytes, read in 1 MiB chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = f.write_bytes(b"abc")
    >>> file_sha256(f)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def input_files(sc: Scenario) -> dict[str, Path]:
    """Every user file a scenario reads, by the key that names it.

    Keys are ``scenario`` (the TOML file, when read from one),
    ``population.source``, ``events.source``, ``demand.table`` and
    ``zones.ID.path``; bundled data are not listed (the package version
    identifies them).

    Examples
    --------
    >>> from safezones.scenario import Scenario
    >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
    ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
    >>> input_files(sc)
    {}
    """
    out: dict[str, Path] = {}
    if sc.path is not None:
        out["scenario"] = sc.path
    if sc.population.source != "bundled":
        out["population.source"] = sc.resolve(sc.population.source)
    if sc.events.source != "bundled":
        out["events.source"] = sc.resolve(sc.events.source)
    if sc.demand.table is not None:
        out["demand.table"] = sc.resolve(sc.demand.table)
    for z in sc.zones:
        path = getattr(z, "path", None)
        if path is not None:
            out[f"zones.{z.id}.path"] = sc.resolve(path)
    return out


def file_hashes(files: Mapping[str, Path]) -> dict[str, dict[str, str]]:
    """``{key: {"path": ..., "sha256": ...}}`` for the files ``{key: path}``.

    A file that cannot be read has ``"sha256": "unreadable"``, so that a
    changed or vanished file is seen as a change, never as an error here.
    """
    out: dict[str, dict[str, str]] = {}
    for key, path in files.items():
        try:
            digest = file_sha256(path)
        except OSError:
            digest = "unreadable"
        out[key] = {"path": str(path), "sha256": digest}
    return out


def input_hashes(sc: Scenario) -> dict[str, dict[str, str]]:
    """``{key: {"path": ..., "sha256": ...}}`` for every file of :func:`input_files`.

    A file that cannot be read has ``"sha256": "unreadable"``, so that a
    changed or vanished file is seen as a change, never as an error here.
    """
    return file_hashes(input_files(sc))


def sweep_input_files(sweep: Sweep) -> dict[str, Path]:
    """Every user file a sweep reads, by the key that names it.

    ``spec`` (the sweep spec, when read from a file), ``base`` (its base
    scenario file), the base scenario's data files as in :func:`input_files`,
    and, for a parameter that varies a file (``values = ["a.csv", "b.csv"]``
    of ``events.source``, say), each value's file as
    ``parameters.events.source.values[1]``.
    """
    out: dict[str, Path] = {}
    if sweep.source is not None:
        out["spec"] = Path(sweep.source)
    base = input_files(sweep.base)
    if "scenario" in base:
        out["base"] = base.pop("scenario")
    out.update(base)
    for key, p in sweep.spec.parameters.items():
        is_file = key in FILE_KEYS or (key.startswith("zones.") and key.endswith(".path"))
        if not is_file or not p.values:
            continue
        for i, value in enumerate(p.values):
            if isinstance(value, str) and value != "bundled":
                out[f"parameters.{key}.values[{i}]"] = sweep.base.resolve(value)
    return out


def sweep_input_hashes(sweep: Sweep) -> dict[str, dict[str, str]]:
    """``{key: {"path": ..., "sha256": ...}}`` for every file of :func:`sweep_input_files`."""
    return file_hashes(sweep_input_files(sweep))


_COMMAND: list[str | None] = [None]


def set_command(argv: Sequence[str] | None) -> None:
    """Record the command line this process runs (the CLI calls it); None forgets it."""
    _COMMAND[0] = None if argv is None else shlex.join(["safezones", *argv])


def command_line() -> str | None:
    """Return the command line recorded by :func:`set_command`, e.g. ``safezones run a.toml``.

    None when safezones is used as a library.

    Examples
    --------
    >>> set_command(["run", "my scenario.toml", "--out", "x"])
    >>> command_line()
    "safezones run 'my scenario.toml' --out x"
    >>> set_command(None); command_line() is None
    True
    """
    return _COMMAND[0]
