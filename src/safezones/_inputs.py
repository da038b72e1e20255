"""The files a scenario reads, and their SHA-256 digests.

One place for "which inputs does this result depend on": ``summary.json``
records them, a sweep refuses to resume after one has changed, and a memo
reuses an earlier output only when they are unchanged.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = ["file_sha256", "input_files", "input_hashes"]

_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 hex digest of a file's bytes, read in 1 MiB chunks.

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


def input_hashes(sc: Scenario) -> dict[str, dict[str, str]]:
    """``{key: {"path": ..., "sha256": ...}}`` for every file of :func:`input_files`.

    A file that cannot be read has ``"sha256": "unreadable"``, so that a
    changed or vanished file is seen as a change, never as an error here.
    """
    out: dict[str, dict[str, str]] = {}
    for key, path in input_files(sc).items():
        try:
            digest = file_sha256(path)
        except OSError:
            digest = "unreadable"
        out[key] = {"path": str(path), "sha256": digest}
    return out
