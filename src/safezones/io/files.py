"""Files as the readers meet them: paths, existence checks, vector or table, vector layers.

Examples
--------
>>> import pathlib, tempfile
>>> f = pathlib.Path(tempfile.mkdtemp()) / "clinics.geojson"
>>> is_vector_file(f), is_vector_file(f.with_suffix(".csv"))
(True, False)
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from safezones.errors import DataError, GeometryError

__all__ = ["VECTOR_SUFFIXES", "PathLike", "check_file", "is_vector_file", "read_vector"]

#: What a reader accepts as a file name.
PathLike = str | os.PathLike[str]

#: Suffixes read as vector layers (by pyogrio); a Parquet file is one when it is GeoParquet.
VECTOR_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml"})


def check_file(path: PathLike) -> Path:
    """Return ``path`` as a Path if it is a file with some bytes in it; else raise DataError.

    Examples
    --------
    >>> import tempfile
    >>> check_file(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safezones.errors.DataError: ... is a folder, not a file
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p} does not exist")
    if p.is_dir():
        raise DataError(f"{p} is a folder, not a file")
    if p.stat().st_size == 0:
        raise DataError("the file is empty", source=str(p))
    return p


def is_vector_file(path: Path) -> bool:
    """Return whether ``path`` is a vector layer (by suffix; a Parquet file by its geo metadata)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return b"geo" in (pq.read_schema(path).metadata or {})
    return suffix in VECTOR_SUFFIXES


def read_vector(path: Path, *, what: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer (any pyogrio format, or GeoParquet) that has a CRS.

    Parameters
    ----------
    path
        The file (checked with :func:`check_file` first).
    what
        What the layer is, for messages (``"point file"``, ``"boundary layer"``).
    layer
        The layer of a file that holds several (a GeoPackage); None reads the first.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer, in its own CRS.

    Raises
    ------
    DataError
        The file cannot be read as a layer.
    GeometryError
        The layer has no CRS.
    """
    try:
        if path.suffix.lower() == ".parquet":
            gdf = gpd.read_parquet(path)
        else:
            gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise DataError(f"cannot read it as a {what}: {exc}", source=str(path)) from None
    if gdf.crs is None:
        raise GeometryError(
            "the layer has no CRS; add one (e.g. a .prj file, or save it with EPSG:4326) "
            "so coordinates are not guessed",
            source=str(path),
        )
    return gdf
