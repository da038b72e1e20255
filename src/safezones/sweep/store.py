"""A sweep's folder: its manifest, its parts, their merge, and built zone geometry.

``DIR/sweep.json`` (the manifest: spec, base scenario, input file hashes)
says what the folder holds; :func:`open_sweep_dir` refuses to resume a
different sweep or one whose input files changed. Each chunk of scenarios
is written to ``DIR/parts/part-NNNNNN.parquet`` as it finishes and
:func:`merge_parts` streams them into ``DIR/results.parquet``; every file is
written through :func:`safezones.io.atomic.atomic_path`, so a killed sweep
never leaves half a file under a final name.

A sweep builds each distinct zone geometry once (a strip at one depth, a
freeze at one radius) before it scores anything; on a large sweep that is
most of the first minute. :class:`GeometryStore` writes each piece to
``DIR/geometry/`` as it is built, one ``.npz`` file per zone key, and a
resumed sweep reads it back instead of building it again.

The files hold plain arrays and the zone as WKB: never a pickle, since a
sweep folder may come from someone else and loading a pickle runs code.
They are read with ``allow_pickle=False``, their size is checked before
they are read, and a file that is not what it should be is ignored (the
geometry is built again and the file replaced). A file's name is the
SHA-256 of the zone key, the digest of the sweep's input files and the
safezones version, and the file repeats the key, so geometry built from
other data or by another version is never reused.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

from safezones.engine import ZoneGeom
from safezones.errors import SafeZonesError
from safezones.io.atomic import (
    MARKER,
    atomic_path,
    atomic_write_parquet,
    atomic_write_text,
    check_output_dir,
    remove_partial_files,
    write_marker,
)
from safezones.io.inputs import sweep_input_files, sweep_input_hashes

if TYPE_CHECKING:
    from safezones.sweep.plan import Sweep

__all__ = [
    "CACHE_ENV",
    "GeometryStore",
    "LayeredStore",
    "cache_digest",
    "cache_dir",
    "cache_store",
    "geometry_store",
    "merge_parts",
    "open_sweep_dir",
    "part_path",
    "sweep_inputs",
    "write_part",
]

#: Largest WKB of one zone read back (bytes): a border strip of Syria is about
#: 100 kB, so this is generous (assumption).
MAX_WKB_BYTES = 64 << 20
#: The environment variable that moves the user-level geometry cache to another
#: folder, or turns it off (``off``).
CACHE_ENV = "SAFEZONES_CACHE_DIR"


class GeometryStore:
    """Zone geometry of one sweep, one file per zone key in ``folder``.

    Parameters
    ----------
    folder
        Where the files go (``DIR/geometry``); made when the first is written.
    inputs
        A digest of the sweep's input files (see :func:`safezones.io.inputs.sweep_input_hashes`).
    version
        The safezones version that builds the geometry.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = GeometryStore(pathlib.Path(tempfile.mkdtemp()) / "geometry", "abc", "0.1.0")
    >>> store.path("zone-key") == store.path("zone-key"), store.path("a") == store.path("b")
    (True, False)
    """

    def __init__(self, folder: str | os.PathLike[str], inputs: str, version: str) -> None:
        self.folder = Path(folder)
        self.inputs = inputs
        self.version = version

    def _stamp(self, key: str) -> str:
        return json.dumps({"key": key, "inputs": self.inputs, "version": self.version},
                          sort_keys=True)  # fmt: skip

    def path(self, key: str) -> Path:
        """Return the file of the zone key ``key``."""
        name = hashlib.sha256(self._stamp(key).encode()).hexdigest()
        return self.folder / f"{name}.npz"

    def has(self, key: str) -> bool:
        """Whether a file for ``key`` exists (it is checked only when read)."""
        return self.path(key).is_file()

    def save(self, key: str, geom: ZoneGeom) -> None:
        """Write the built geometry ``geom`` of ``key``, atomically.

        A folder that cannot be written costs the checkpoint, not the sweep.
        """
        try:
            with atomic_path(self.path(key)) as tmp:
                np.savez(
                    tmp,
                    stamp=np.array(self._stamp(key)),
                    scalars=np.array([geom.area_km2, geom.intensity, geom.limit_km], dtype=float),
                    dist=np.asarray(geom.dist, dtype=float),
                    cover_cells=np.asarray(geom.cover_cells, dtype=np.int64),
                    cover_frac=np.asarray(geom.cover_frac, dtype=float),
                    crossings=np.asarray(
                        geom.crossings if geom.crossings is not None else [], dtype=np.int64
                    ),
                    control=np.asarray(geom.control if geom.control is not None else [], float),
                    threat=np.asarray(geom.threat if geom.threat is not None else [], float),
                    wkb=np.frombuffer(shapely.to_wkb(geom.geom), dtype=np.uint8),
                )
        except OSError:
            pass

    def load(self, key: str, n_cells: int) -> ZoneGeom | None:
        """Read the geometry of ``key`` for a grid of ``n_cells`` cells, or None.

        None when there is no file or it is not a valid one for this key and
        grid (wrong stamp, shapes, types, indices or size); nothing in the
        file is executed.
        """
        path = self.path(key)
        limit = 64 * n_cells + MAX_WKB_BYTES + (1 << 20)
        try:
            with zipfile.ZipFile(path) as zf:
                if sum(i.file_size for i in zf.infolist()) > limit:
                    return None
            with np.load(path, allow_pickle=False) as f:
                if str(f["stamp"]) != self._stamp(key):
                    return None
                scalars = f["scalars"]
                dist, cells, frac = f["dist"], f["cover_cells"], f["cover_frac"]
                cross, control, threat = f["crossings"], f["control"], f["threat"]
                wkb = f["wkb"]
            ok = (
                scalars.shape == (3,) and scalars.dtype == np.float64
                and dist.shape == (n_cells,) and dist.dtype == np.float64
                and cells.ndim == 1 and cells.dtype == np.int64
                and frac.shape == cells.shape and frac.dtype == np.float64
                and cross.shape == (n_cells,) and cross.dtype == np.int64
                and control.ndim == 1 and control.dtype == np.float64
                and threat.ndim == 1 and threat.dtype == np.float64
                and wkb.ndim == 1 and wkb.dtype == np.uint8
                and bool(np.all((cells >= 0) & (cells < n_cells)))
            )  # fmt: skip
            if not ok:
                return None
            geom = shapely.from_wkb(wkb.tobytes())
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, shapely.errors.GEOSException):
            return None
        if not isinstance(
            geom, shapely.Polygon | shapely.MultiPolygon | shapely.GeometryCollection
        ):
            return None
        return ZoneGeom(
            area_km2=float(scalars[0]),
            intensity=float(scalars[1]),
            dist=dist,
            cover_cells=cells.astype(np.intp, copy=False),
            cover_frac=frac,
            geom=geom,
            limit_km=float(scalars[2]),
            crossings=cross,
            control=control,
            threat=threat,
        )

    def clean(self) -> None:
        """Remove files a killed worker was writing."""
        remove_strays(self.folder)


def remove_strays(folder: Path) -> None:
    """Remove the temporary files that a killed writer left in the sweep's ``folder``.

    :func:`~safezones.io.atomic.atomic_path` writes ``NAME`` as a hidden
    ``.NAME.XXXXXXXX.SUFFIX`` beside it; versions before it wrote ``NAME.tmp*``.
    """
    remove_partial_files(folder)
    if folder.is_dir():
        for stray in folder.glob("*.tmp*"):
            stray.unlink(missing_ok=True)


# ---------------------------------------------------------------- the user's cache


def cache_dir() -> Path | None:
    """Return the folder of the user-level geometry cache, or None when it is off.

    ``$SAFEZONES_CACHE_DIR`` (``off`` turns the cache off), else
    ``$XDG_CACHE_HOME/safezones/geometry``, else ``~/.cache/safezones/geometry``
    (the XDG base directory convention).
    """
    given = os.environ.get(CACHE_ENV)
    if given is not None:
        return None if given.strip().lower() in ("", "off", "0", "no") else Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "safezones" / "geometry"
    try:
        return Path.home() / ".cache" / "safezones" / "geometry"
    except RuntimeError:  # no home folder to be found: no cache
        return None


@functools.cache
def _code_and_data() -> str:
    """Return the SHA-256 of safezones' own code and bundled data, read once a process.

    A cached zone is reused only by the very code and data that built it, even
    in a source tree whose version number has not moved.
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.suffix in (".py", ".parquet", ".json") and "__pycache__" not in f.parts:
            h.update(f.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def cache_digest(inputs: Mapping[str, Any]) -> str:
    """Return the digest that keys a sweep's zones in the user-level cache.

    It holds the SHA-256 of the data files among the sweep's input hashes
    ``inputs``, leaving out the spec and the base scenario (a zone's key holds
    every value that shapes it), and that of safezones' code and bundled
    data, so a zone built from other data files, data or code is never reused.
    """
    files = {k: v.get("sha256") for k, v in inputs.items() if k not in ("spec", "base")}
    doc = {"files": files, "code_and_data": _code_and_data()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def cache_store(inputs: Mapping[str, Any], version: str) -> GeometryStore | None:
    """Return the user-level geometry cache of a sweep with the input hashes ``inputs``.

    None when the cache is off (see :func:`cache_dir` and :func:`cache_digest`).
    """
    folder = cache_dir()
    return None if folder is None else GeometryStore(folder, cache_digest(inputs), version)


class LayeredStore:
    """Several geometry stores read in order (the sweep folder's, then the user's cache).

    A zone found in a later store is copied into the earlier ones, so that a
    sweep's folder holds all of its geometry; a built zone goes into all.
    """

    def __init__(self, stores: Sequence[GeometryStore]) -> None:
        self.stores = list(stores)

    def has(self, key: str) -> bool:
        """Return whether any store has a file for ``key``."""
        return any(s.has(key) for s in self.stores)

    def load(self, key: str, n_cells: int) -> ZoneGeom | None:
        """Read the geometry of ``key`` from the first store that holds a valid one."""
        for i, store in enumerate(self.stores):
            geom = store.load(key, n_cells)
            if geom is not None:
                for earlier in self.stores[:i]:
                    earlier.save(key, geom)
                return geom
        return None

    def save(self, key: str, geom: ZoneGeom) -> None:
        """Write the built geometry ``geom`` of ``key`` into every store."""
        for store in self.stores:
            store.save(key, geom)


# ---------------------------------------------------------------- the sweep folder


def part_path(out: Path, chunk: int) -> Path:
    """Return the file of part ``chunk`` in the sweep folder ``out``."""
    return out / "parts" / f"part-{chunk:06d}.parquet"


def write_part(out: Path, chunk: int, table: pd.DataFrame) -> None:
    """Write the scores of part ``chunk``, atomically."""
    atomic_write_parquet(part_path(out, chunk), table)


def merge_parts(out: Path, chunks: Sequence[tuple[int, int, int]]) -> Path:
    """Stream the parts, in order, into results.parquet (one row group per part)."""
    final = out / "results.parquet"
    with atomic_path(final) as tmp:
        writer: pq.ParquetWriter | None = None
        try:
            for c, _, _ in chunks:
                table = pq.read_table(part_path(out, c))
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    return final


def _describe_change(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    changes = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            changes += _describe_change(a, b, f"{prefix}{k}.")
        elif a != b:
            changes.append(f"{prefix}{k}: {a!r} -> {b!r}")
    return changes


def _changed_inputs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """List the input files whose SHA-256 differs between two manifests' ``inputs``."""
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a is None or b is None or a.get("sha256") != b.get("sha256"):
            entry = b if b is not None else a
            assert entry is not None
            how = (
                "is no longer read" if b is None
                else "was not read before" if a is None
                else "cannot be read" if b.get("sha256") == "unreadable"
                else "has changed"
            )  # fmt: skip
            out.append(f"{key} ({entry.get('path')}) {how}")
    return out


def sweep_inputs(sweep: Sweep) -> list[Path]:
    """List the files a sweep reads: its spec, the base scenario and the scenario's data files."""
    return list(sweep_input_files(sweep).values())


def _refuse_resume(out: Path, sweep: Sweep, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Raise if the folder's manifest ``old`` is not that of this sweep, ``new``."""
    if old.get("hash") != new["hash"]:
        changed = _describe_change(
            {"spec": old.get("spec", {}), "base_scenario": old.get("base_scenario", {})},
            {"spec": new["spec"], "base_scenario": new["base_scenario"]},
        )
        raise SafeZonesError(
            f"{out} holds a different sweep, so it cannot be resumed with this spec "
            f"(changed: {'; '.join(changed[:5]) or 'the design'}); use another --out folder, "
            "or delete this one to start again",
            source=sweep.source,
        )
    if not isinstance(old.get("inputs"), dict):
        raise SafeZonesError(
            f"{out}/sweep.json records no hashes of the sweep's input files (it was written "
            f"by safezones {old.get('safezones_version', 'before 0.1.0')}), so a resume "
            "cannot check that they are unchanged; use another --out folder, or delete this "
            "one to start again",
            source=sweep.source,
        )
    changed = _changed_inputs(old["inputs"], new["inputs"])
    if changed:
        done = len(list((out / "parts").glob("part-*.parquet")))
        raise SafeZonesError(
            f"{out} holds a sweep computed from other input files, so it cannot be resumed: "
            f"{'; '.join(changed)} since it started ({done} parts were computed from the "
            "old files); restore the file, or use another --out folder (or delete this one) "
            "to start again",
            source=sweep.source,
        )


def open_sweep_dir(out: Path, sweep: Sweep) -> dict[str, Any]:
    """Make or resume the sweep folder ``out`` and return its manifest.

    A new folder gets its marker and ``sweep.json``; an existing one must
    hold this very sweep, computed from the same input files. Files a killed
    sweep was writing are removed.
    """
    # new, empty, or a sweep's own folder; never the spec's folder or one with other files
    check_output_dir(out, command="sweep", inputs=sweep_inputs(sweep))
    manifest = {**sweep.manifest(), "inputs": sweep_input_hashes(sweep)}
    path = out / "sweep.json"
    if path.exists():
        _refuse_resume(out, sweep, json.loads(path.read_text(encoding="utf-8")), manifest)
    else:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / MARKER).exists():
            write_marker(out, command="sweep")
        atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")
    if not (out / MARKER).exists():  # a sweep from before markers
        write_marker(out, command="sweep")
    (out / "parts").mkdir(exist_ok=True)
    remove_strays(out / "parts")  # a part being written when killed
    remove_strays(out)  # results.parquet or sweep.json, being written when killed
    geometry_store(out, manifest).clean()
    return manifest


def geometry_store(out: Path, manifest: Mapping[str, Any]) -> GeometryStore:
    """Return the zone-geometry checkpoint ``out/geometry`` of a sweep with this manifest."""
    digest = hashlib.sha256(json.dumps(manifest["inputs"], sort_keys=True).encode()).hexdigest()
    return GeometryStore(out / "geometry", digest, str(manifest["safezones_version"]))
