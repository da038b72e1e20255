"""The features of a custom safe zone: from a polygon, WKT, a layer in memory or a file.

:func:`safezones.model.zones.safe_zone` takes its features from here: their
geometries, a label of where they came from, their CRS and, with ``split``,
each feature's name, checked like the names in a scenario. Files are read by
:func:`safezones.io.zonefile.read_zone_file`.

Examples
--------
>>> geoms, label, crs, values = zone_features("POLYGON ((37 36, 38 36, 38 37, 37 36))", "EPSG:4326")
>>> label, crs, values, geoms[0].geom_type
('WKT', 'EPSG:4326', None, 'Polygon')
"""

from __future__ import annotations

import math
import re
from os import PathLike

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from safezones._text import MAX_NAME_CHARS, no_control
from safezones.crs import require_crs
from safezones.errors import GeometryError, SafeZonesError, UnknownNameError
from safezones.io.zonefile import read_zone_file

__all__ = ["Features", "name_problems", "split_values", "zone_features"]

_WKT_START = re.compile(r"^\s*(MULTI)?(POLYGON|POINT|LINESTRING|GEOMETRYCOLLECTION)\b", re.I)

#: What :func:`zone_features` returns: the features' geometries, a label of
#: the source, their CRS and the ``split`` values (``None`` without ``split``).
Features = tuple[list[BaseGeometry], str, object, list[object] | None]


def zone_features(
    obj: object, crs: str | None, *, layer: str | None = None, split: str | None = None
) -> Features:
    """Return the features' geometries, a label of the source, their CRS and the ``split`` values.

    A file is read by :func:`safezones.io.zonefile.read_zone_file`.
    """
    if layer is not None and not isinstance(obj, str | PathLike):
        raise SafeZonesError("layer= names a layer of a file; give the file's path")
    if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries):
        return _layer_features(obj, split)
    single = isinstance(obj, BaseGeometry) or (isinstance(obj, str) and _WKT_START.match(obj))
    if single:
        if split is not None:
            raise SafeZonesError(
                f"split={split!r} needs a file or layer whose features have attributes, "
                "not a single geometry"
            )
        return _single_feature(obj, crs)
    if isinstance(obj, str | PathLike):
        gdf = read_zone_file(obj, layer)
        values = split_values(gdf, split, str(obj)) if split is not None else None
        return list(gdf.geometry), str(obj), gdf.crs, values
    raise SafeZonesError(
        f"safe_zone takes a shapely polygon, WKT, a GeoDataFrame or a file path, "
        f"not {type(obj).__name__}"
    )


def _layer_features(obj: gpd.GeoDataFrame | gpd.GeoSeries, split: str | None) -> Features:
    """Return the features of a layer in memory (see :func:`zone_features`)."""
    require_crs(obj, what="the zone layer")
    values = None
    if split is not None:
        if not isinstance(obj, gpd.GeoDataFrame):
            raise SafeZonesError(f"split={split!r} needs a layer with attributes, not a GeoSeries")
        values = split_values(obj, split, "the layer")
    return list(obj.geometry), "layer", obj.crs, values


def _single_feature(obj: BaseGeometry | str, crs: str | None) -> Features:
    """Return the one feature of a shapely geometry or a WKT string (see :func:`zone_features`)."""
    if isinstance(obj, BaseGeometry):
        if crs is None:
            raise GeometryError('a bare geometry needs crs=, e.g. crs="EPSG:4326"')
        return [obj], "geometry", crs, None
    if crs is None:
        raise GeometryError('a WKT string needs crs=, e.g. crs="EPSG:4326"')
    try:
        return [shapely.from_wkt(obj)], "WKT", crs, None
    except shapely.errors.GEOSException as err:
        raise GeometryError(f"cannot parse the WKT: {err}") from None


def _quoted(names: list[str], most: int = 20) -> str:
    """Return the first ``most`` names quoted and cut to 60 characters, and how many more."""
    shown = ", ".join(repr(n[:60]) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def split_values(gdf: gpd.GeoDataFrame, split: str, source: str) -> list[object]:
    """Return the features' values of the attribute ``split``; refuse an unknown one."""
    fields = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    if split not in fields:
        have = f"its attributes are {_quoted(fields)}" if fields else "it has no attributes"
        raise UnknownNameError(f"split={split!r}: no such attribute; {have}", source=source)
    return list(gdf[split])


def name_problems(values: list[object], split: str | None) -> list[str]:
    """Check the names from a file's features: given, and within the limits of names in a scenario.

    Every feature needs a value in ``split``; its length and characters obey
    the limits of names in a scenario.
    """
    problems = [
        f"feature {i}: no value in {split!r}; give every feature a name there"
        for i, v in enumerate(values)
        if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip()
    ]
    for i, v in enumerate(values):
        text = str(v)
        if len(text) > MAX_NAME_CHARS:
            problems.append(
                f"feature {i}: {split!r} has {len(text):,} characters, at most "
                f"{MAX_NAME_CHARS} for a zone name; give a shorter one"
            )
        else:
            try:
                no_control(text)
            except ValueError as err:
                problems.append(f"feature {i}: {split!r} {err}")
    return problems
