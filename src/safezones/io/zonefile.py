"""Read a user's zone file: one layer of a vector file (GeoJSON, GeoPackage, Shapefile, ...).

:func:`safezones.model.zones.safe_zone` builds zones from what this returns; it
refuses a file that is missing, unreadable, has several layers and no choice
among them, no CRS or no features, each with what to do.

Examples
--------
>>> import tempfile, pathlib, shapely, geopandas as gpd
>>> path = pathlib.Path(tempfile.mkdtemp()) / "zone.geojson"
>>> gpd.GeoDataFrame(geometry=[shapely.box(37, 36, 37.1, 36.1)], crs=4326).to_file(path)
>>> layer = read_zone_file(path)
>>> len(layer), layer.crs.to_epsg()
(1, 4326)
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from safezones.errors import GeometryError, SafeZonesError, UnknownNameError

__all__ = ["choose_layer", "read_zone_file"]


def read_zone_file(path: str | PathLike[str], layer: str | None = None) -> gpd.GeoDataFrame:
    """Read the layer of a vector file that holds zones, with its CRS and features.

    Parameters
    ----------
    path
        A vector file GDAL reads.
    layer
        The layer to read; needed when the file has several (see :func:`choose_layer`).

    Raises
    ------
    SafeZonesError
        When the file does not exist or cannot be read as a vector layer, or
        the layer is not chosen (:class:`UnknownNameError` for an unknown one).
    GeometryError
        When the layer has no CRS or no features.
    """
    path = Path(path)
    if not path.exists():
        raise SafeZonesError(f"no such file: {path}; give an existing vector file or WKT")
    try:
        chosen = choose_layer(pyogrio.list_layers(path), layer, str(path))
        gdf = gpd.read_file(path, layer=chosen)
    except SafeZonesError:
        raise
    except Exception as err:  # pyogrio raises several types for unreadable files
        raise SafeZonesError(f"cannot read it as a vector layer: {err}", source=str(path)) from None
    if gdf.crs is None:
        raise GeometryError(
            "the layer has no CRS; save it with one (e.g. EPSG:4326)", source=str(path)
        )
    if len(gdf) == 0:
        raise GeometryError("the layer has no features", source=str(path))
    return gdf


def choose_layer(layers: np.ndarray, layer: str | None, source: str) -> str | None:
    """Return the layer to read: ``layer``, or the only one; refuse a choice left open.

    ``layers`` is :func:`pyogrio.list_layers`' table (name, geometry type).

    Examples
    --------
    >>> layers = np.array([["a", "Polygon"], ["b", "Point"]], dtype=object)
    >>> choose_layer(layers, "b", "f.gpkg")
    'b'
    >>> choose_layer(layers, None, "f.gpkg")
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: f.gpkg: the file has 2 layers: 'a' (Polygon), 'b' (Point); say which holds the zone, e.g. layer = "a" (safe_zone(..., layer="a"))
    """
    names = [str(n) for n in layers[:, 0]]
    listed = ", ".join(f"{n[:60]!r} ({t})" for n, t in zip(names[:20], layers[:20, 1], strict=True))
    listed += f" and {len(names) - 20} more" if len(names) > 20 else ""
    if layer is None:
        if len(names) > 1:
            polygonal = [str(n) for n, t in layers if "Polygon" in str(t)]
            example = (polygonal or names)[0][:60]
            raise SafeZonesError(
                f"the file has {len(names)} layers: {listed}; say which holds the zone, "
                f'e.g. layer = "{example}" (safe_zone(..., layer="{example}"))',
                source=source,
            )
        return None
    if layer not in names:
        raise UnknownNameError(
            f"no layer {layer!r} in the file; its layers are {listed}", source=source
        )
    return layer
