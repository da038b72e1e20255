"""Built zone geometry, kept in a sweep's folder so that a killed sweep loses none.

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

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import shapely

__all__ = ["GeometryStore"]

#: Largest WKB of one zone read back (bytes): a border strip of Syria is about
#: 100 kB, so this is generous (assumption).
MAX_WKB_BYTES = 64 << 20


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
        """The file of the zone key ``key``."""
        name = hashlib.sha256(self._stamp(key).encode()).hexdigest()
        return self.folder / f"{name}.npz"

    def has(self, key: str) -> bool:
        """Whether a file for ``key`` exists (it is checked only when read)."""
        return self.path(key).is_file()

    def save(self, key: str, geom: Any) -> None:
        """Write the built geometry ``geom`` (a ``_fast.ZoneGeom``) of ``key``, atomically.

        A folder that cannot be written costs the checkpoint, not the sweep.
        """
        target = self.path(key)
        tmp = target.with_name(f"{target.stem}.tmp{os.getpid()}.npz")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            np.savez(
                tmp,
                stamp=np.array(self._stamp(key)),
                scalars=np.array([geom.area_km2, geom.intensity, geom.limit_km], dtype=float),
                dist=np.asarray(geom.dist, dtype=float),
                cover_cells=np.asarray(geom.cover_cells, dtype=np.int64),
                cover_frac=np.asarray(geom.cover_frac, dtype=float),
                wkb=np.frombuffer(shapely.to_wkb(geom.geom), dtype=np.uint8),
            )
            os.replace(tmp, target)
        except OSError:
            tmp.unlink(missing_ok=True)

    def load(self, key: str, n_cells: int) -> Any:
        """The geometry of ``key`` for a grid of ``n_cells`` cells, or None.

        None when there is no file or it is not a valid one for this key and
        grid (wrong stamp, shapes, types, indices or size); nothing in the
        file is executed.
        """
        from safezones.engine import ZoneGeom

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
                wkb = f["wkb"]
            ok = (
                scalars.shape == (3,) and scalars.dtype == np.float64
                and dist.shape == (n_cells,) and dist.dtype == np.float64
                and cells.ndim == 1 and cells.dtype == np.int64
                and frac.shape == cells.shape and frac.dtype == np.float64
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
        )

    def clean(self) -> None:
        """Remove files a killed worker was writing (``*.tmp*``)."""
        if self.folder.is_dir():
            for stray in self.folder.glob("*.tmp*"):
                stray.unlink(missing_ok=True)
