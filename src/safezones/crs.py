"""Coordinate reference systems: the one place that converts to metres.

All distances and areas in safezones are computed in :data:`PROJECT_CRS`, a
Lambert azimuthal equal-area projection centred on Syria. Areas are exact in it
(equal-area), and distances within Syria are off by less than 0.07 % (the
radial scale factor of LAEA is ``cos(c/2)`` at angular distance ``c`` from the
centre; Syria's farthest corner is about 450 km away).

Layers are exchanged in :data:`LONLAT_CRS` (EPSG:4326). A layer without a CRS is
an error, never a guess.
"""

from __future__ import annotations

from typing import TypeVar

import geopandas as gpd
from pyproj import CRS, Transformer

from safezones.errors import GeometryError

__all__ = [
    "LONLAT_CRS",
    "PROJECT_CRS",
    "lonlat_to_metric",
    "metric_to_lonlat",
    "require_crs",
    "to_lonlat",
    "to_metric",
]

#: Lambert azimuthal equal-area centred on Syria (see module docstring).
PROJECT_CRS: CRS = CRS.from_proj4("+proj=laea +lat_0=35 +lon_0=38.5 +datum=WGS84 +units=m +no_defs")
#: Longitude/latitude on WGS 84, the exchange CRS of every public function.
LONLAT_CRS: CRS = CRS.from_epsg(4326)

_G = TypeVar("_G", gpd.GeoDataFrame, gpd.GeoSeries)


def require_crs(layer: _G, *, what: str = "layer") -> _G:
    """Return ``layer`` unchanged, or raise if it has no CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> require_crs(gpd.GeoSeries([Point(0, 0)]), what="my points")
    Traceback (most recent call last):
    ...
    safezones.errors.GeometryError: my points has no CRS; set one with .set_crs("EPSG:4326") if the coordinates are longitude/latitude
    """
    if layer.crs is None:
        raise GeometryError(
            f'{what} has no CRS; set one with .set_crs("EPSG:4326") if the coordinates '
            "are longitude/latitude"
        )
    return layer


def to_metric(layer: _G, *, what: str = "layer") -> _G:
    """Return ``layer`` in :data:`PROJECT_CRS` (metres), converting once if needed."""
    require_crs(layer, what=what)
    if CRS.from_user_input(layer.crs) == PROJECT_CRS:
        return layer
    return layer.to_crs(PROJECT_CRS)


def to_lonlat(layer: _G, *, what: str = "layer") -> _G:
    """Return ``layer`` in :data:`LONLAT_CRS` (EPSG:4326)."""
    require_crs(layer, what=what)
    if CRS.from_user_input(layer.crs) == LONLAT_CRS:
        return layer
    return layer.to_crs(LONLAT_CRS)


_TO_METRIC = Transformer.from_crs(LONLAT_CRS, PROJECT_CRS, always_xy=True)
_TO_LONLAT = Transformer.from_crs(PROJECT_CRS, LONLAT_CRS, always_xy=True)


def lonlat_to_metric(lon: float, lat: float) -> tuple[float, float]:
    """(x, y) in PROJECT_CRS metres of a longitude/latitude point.

    Examples
    --------
    >>> lonlat_to_metric(38.5, 35.0)
    (0.0, 0.0)
    """
    x, y = _TO_METRIC.transform(lon, lat)
    return float(x), float(y)


def metric_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """(lon, lat) of a point given in PROJECT_CRS metres.

    Examples
    --------
    >>> metric_to_lonlat(0.0, 0.0)
    (38.5, 35.0)
    """
    lon, lat = _TO_LONLAT.transform(x, y)
    return float(lon), float(lat)
