"""Zone builders: border refuge strips, freeze zones and custom safe zones.

Every builder returns a one-row :class:`ZoneSet` (a GeoDataFrame) in EPSG:4326 with the columns
``zone_id, kind, name, area_km2, geometry`` plus the builder's parameters. The
geometry is built and clipped to Syria in :data:`~safezones.crs.PROJECT_CRS`,
where ``area_km2`` is measured. :func:`zone_set` combines zones into one layer
and flags overlaps; :func:`union` gives their footprint without double counting.

Definitions (see DESIGN.md):

- refuge strip: ``syria ∩ buffer(border, depth)``; along a stretch of the border,
  the points of that strip whose nearest point on the whole border lies on
  the stretch (flat ends; see :func:`refuge_strip`);
- freeze zone: ``syria ∩ buffer(centre, radius)``;
- safe zone: any polygon, repaired if invalid, clipped to Syria.

Examples
--------
>>> from safezones.model.zones import refuge_strip, freeze_zone, zone_set, union
>>> z = zone_set(refuge_strip("LBN", depth_km=5), freeze_zone((36.72, 34.73), radius_km=10))
>>> z[["zone_id", "kind"]].values.tolist()
[['lbn-5km', 'refuge'], ['freeze-36-72e-34-73n-10km', 'freeze']]
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from numbers import Real
from os import PathLike
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely import ops
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from safezones import data
from safezones._text import MAX_NAME_CHARS, no_control
from safezones.crs import LONLAT_CRS, PROJECT_CRS, lonlat_to_metric, metric_to_lonlat, require_crs
from safezones.errors import GeometryError, SafeZonesError, UnknownNameError

__all__ = [
    "BUFFER_QUAD_SEGS",
    "MAX_REPAIR_CROSSINGS",
    "MAX_STRETCH_SNAP_KM",
    "MAX_ZONE_VERTICES",
    "STRETCH_SAMPLE_M",
    "ZONE_COLUMNS",
    "ZoneKind",
    "ZoneSet",
    "freeze_zone",
    "refuge_strip",
    "safe_zone",
    "syria_span_km",
    "union",
    "zone_set",
]

ZoneKind = Literal["refuge", "freeze", "safe"]
#: Columns every zone layer has, in this order; builders add their parameters.
ZONE_COLUMNS = ["zone_id", "kind", "name", "area_km2"]
#: Segments per quarter circle of buffers: the polygon's area is within 0.05 %
#: of the true circle's (``(2n/pi) sin(pi/2n)`` for n = 32).
BUFFER_QUAD_SEGS = 32
#: A stretch end given as a point more than this far from the border is refused:
#: it was probably meant for another border (assumption).
MAX_STRETCH_SNAP_KM = 100.0
#: Spacing (m) of the points that sample a border to split the plane by nearest
#: border point (the flat ends of a stretch strip). The split is exact where the
#: border is straight; where two parts of the border are about equally near it
#: moves by at most ``(spacing/2)**2 / (2 * distance)`` (under 8 m at 1 km from
#: the border), far below the population grid's 2 km (derivation, see
#: :func:`refuge_strip`). 250 m changes the shipped stretch strips by under
#: 0.001 km2 against 100 m, at a third of the cost (measured).
STRETCH_SAMPLE_M = 250.0
#: The rest of the border is sampled from this far (m) beyond each stretch end,
#: so that the points whose nearest border point is the end itself (at a bend)
#: fall in the stretch, as the definition says.
_END_GAP_M = 1.0

PointLike = str | tuple[float, float]


class ZoneSet(gpd.GeoDataFrame):
    """A layer of zones: what the builders and :func:`zone_set` return.

    A :class:`geopandas.GeoDataFrame` in every respect, which shows itself as
    a summary: one line per zone as text, and in Jupyter the table beside a
    small map. ``zones.to_string()`` prints every column; a selection without
    ``zone_id`` or ``area_km2`` shows as a plain GeoDataFrame.

    Examples
    --------
    >>> z = zone_set(freeze_zone("Aleppo", radius_km=15))
    >>> isinstance(z, gpd.GeoDataFrame), repr(z).splitlines()[0].startswith("ZoneSet: 1 zone")
    (True, True)
    """

    def _summarisable(self) -> bool:
        """False once ``zone_id`` or ``area_km2`` is dropped: the summary has nothing to show."""
        return "zone_id" in self.columns and "area_km2" in self.columns

    def __repr__(self) -> str:
        from safezones.viz.display import zones_text

        return zones_text(self) if self._summarisable() else super().__repr__()

    def _repr_html_(self) -> str | None:
        from safezones.viz.display import zones_html

        return zones_html(self) if self._summarisable() else super()._repr_html_()


@cache
def syria_span_km() -> float:
    """The largest distance between two points of Syria, in km (about 780).

    A strip depth or freeze radius above it is refused as "larger than Syria".

    Examples
    --------
    >>> 700 < syria_span_km() < 900
    True
    """
    hull = np.asarray(data.syria(crs="metric").convex_hull.exterior.coords)
    diff = hull[:, None, :] - hull[None, :, :]
    return float(np.sqrt((diff**2).sum(axis=-1)).max() / 1000.0)


def _check_distance(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise SafeZonesError(f"{what} must be a number of kilometres, got {value!r}")
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise SafeZonesError(f"{what} must be a finite number of kilometres, got {value!r}")
    if v <= 0:
        raise SafeZonesError(f"{what} must be greater than 0 km, got {v:g}; give e.g. 10")
    span = syria_span_km()
    if v > span:
        raise SafeZonesError(
            f"{what}={v:g} km is larger than Syria, which is at most {span:,.0f} km across; "
            f"give a value between 0 and {span:,.0f}"
        )
    return v


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", data.normalise_name(text)).strip("-")


def _resolve_point(point: PointLike, what: str) -> tuple[float, float, str]:
    """(lon, lat, label) of a place name or a (lon, lat) pair."""
    if isinstance(point, str):
        try:
            place = data.find_place(point, country="SY")
        except SafeZonesError:
            try:
                place = data.find_place(point, country=None)
            except SafeZonesError as err:
                raise type(err)(f"{what}: {err}") from None
        geom = place.geometry
        return float(geom.x), float(geom.y), str(place["name"])
    try:
        lon, lat = (float(v) for v in point)
    except (TypeError, ValueError):
        raise SafeZonesError(
            f"{what} must be a place name or a (lon, lat) pair of numbers, got {point!r}"
        ) from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise SafeZonesError(f"{what} has a NaN or infinite coordinate: {point!r}")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise SafeZonesError(f"{what} {point!r} is not a longitude/latitude pair in degrees")
    outline = data.syria()
    near_syria = shapely.dwithin(outline, shapely.Point(lon, lat), 0.5)
    if not near_syria and outline.contains(shapely.Point(lat, lon)):
        raise SafeZonesError(
            f"{what} {point!r} looks like (lat, lon); give (lon, lat), i.e. ({lat}, {lon})"
        )
    return lon, lat, f"{lon:.2f}{'E' if lon >= 0 else 'W'}-{lat:.2f}{'N' if lat >= 0 else 'S'}"


def _metric_point(lon: float, lat: float) -> shapely.Point:
    return shapely.Point(*lonlat_to_metric(lon, lat))


def _finish(geom_m: BaseGeometry, attrs: dict[str, object], what: str) -> ZoneSet:
    """Clip to Syria, refuse empty results, measure area and return the zone in EPSG:4326."""
    clipped = shapely.intersection(geom_m, data.syria(crs="metric"))
    clipped = _polygonal(clipped)
    if clipped.is_empty or clipped.area < 1.0:
        c = geom_m.centroid if not geom_m.is_empty else None
        where = ""
        if c is not None:
            lon, lat = metric_to_lonlat(c.x, c.y)
            where = f" (its centre is at lon {lon:.3f}, lat {lat:.3f})"
        raise GeometryError(
            f"{what} lies outside Syria{where}; move it, or make it reach into Syria"
        )
    row = {**attrs, "area_km2": clipped.area / 1e6}
    ordered = {k: row[k] for k in ZONE_COLUMNS} | {
        k: v for k, v in row.items() if k not in ZONE_COLUMNS
    }
    gdf = gpd.GeoDataFrame([ordered], geometry=[clipped], crs=PROJECT_CRS)
    return ZoneSet(gdf.to_crs(LONLAT_CRS))


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``geom`` (intersections may add stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def _border_stretch(
    neighbour: str, start: PointLike | None, end: PointLike | None
) -> tuple[str, shapely.LineString, str | None, str | None]:
    """The border line with ``neighbour`` (PROJECT_CRS), or its stretch between two points.

    Returns the neighbour's code, the line and the labels of the two ends.
    """
    code, line, lo, hi, start_label, end_label = _border_span(neighbour, start, end)
    stretch = line if (lo, hi) == (0.0, line.length) else ops.substring(line, lo, hi)
    return code, stretch, start_label, end_label


def _border_line(code: str) -> shapely.LineString:
    """The whole border line with a neighbour (a valid code), in PROJECT_CRS."""
    line = data.border(code).to_crs(PROJECT_CRS).geometry.iloc[0]
    if isinstance(line, shapely.MultiLineString):  # bundled borders are single lines
        line = ops.linemerge(line)
    return line


def _border_span(
    neighbour: str, start: PointLike | None, end: PointLike | None
) -> tuple[str, shapely.LineString, float, float, str | None, str | None]:
    """The whole border line (PROJECT_CRS) and where the stretch runs along it.

    Returns the neighbour's code, the whole line, the stretch's first and last
    distance along it in metres (0 and the length without ``start`` and
    ``end``) and the labels of the two ends.
    """
    code = str(data.border(neighbour)["neighbour"].iloc[0])
    line = _border_line(code)
    if (start is None) != (end is None):
        raise SafeZonesError(
            "refuge_strip needs both start and end to limit the border stretch, or neither "
            "for the whole border"
        )
    start_label = end_label = None
    lo, hi = 0.0, float(line.length)
    if start is not None and end is not None:
        ends = []
        for what, p in (("start", start), ("end", end)):
            lon, lat, label = _resolve_point(p, what)
            pt = _metric_point(lon, lat)
            gap_km = line.distance(pt) / 1000.0
            if gap_km > MAX_STRETCH_SNAP_KM:
                raise SafeZonesError(
                    f"{what} {p!r} is {gap_km:,.0f} km from the {code} border (more than "
                    f"{MAX_STRETCH_SNAP_KM:.0f} km); choose a point near that border"
                )
            ends.append((line.project(pt), label))
        (s0, start_label), (s1, end_label) = ends
        lo, hi = sorted((s0, s1))
        if hi - lo < 1.0:
            raise SafeZonesError(
                f"start {start!r} and end {end!r} fall on the same point of the {code} border;"
                " choose two points farther apart along it"
            )
    return code, line, float(lo), float(hi), start_label, end_label


def _along(a: float, b: float, spacing: float) -> np.ndarray:
    """Distances from ``a`` to ``b`` (both included) at most ``spacing`` apart."""
    if b <= a:
        return np.array([a])
    return np.linspace(a, b, max(1, math.ceil((b - a) / spacing)) + 1)


@lru_cache(maxsize=64)
def _nearest_on_stretch(code: str, lo: float, hi: float) -> BaseGeometry:
    """The points of Syria's neighbourhood whose nearest point on the border lies in [lo, hi].

    The Voronoi diagram of points sampling the whole border line (every
    :data:`STRETCH_SAMPLE_M` and at each vertex; the rest of the border from
    :data:`_END_GAP_M` beyond the stretch's ends): the union of the cells of
    the stretch's points, within Syria's bounding box. Cached per stretch, so
    strips of many depths along one stretch split the plane once.
    """
    line = _border_line(code)
    length = float(line.length)
    coords = shapely.get_coordinates(line)
    vertex_at = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
    on = np.r_[_along(lo, hi, STRETCH_SAMPLE_M), vertex_at[(vertex_at > lo) & (vertex_at < hi)]]
    rest = [vertex_at[(vertex_at < lo - _END_GAP_M) | (vertex_at > hi + _END_GAP_M)]]
    if lo > _END_GAP_M:
        rest.append(_along(0.0, lo - _END_GAP_M, STRETCH_SAMPLE_M))
    if hi < length - _END_GAP_M:
        rest.append(_along(hi + _END_GAP_M, length, STRETCH_SAMPLE_M))
    box = shapely.box(*data.syria(crs="metric").bounds).buffer(1_000.0, join_style="mitre")
    off = np.concatenate(rest)
    if len(off) == 0:
        return box

    def unique(d: np.ndarray) -> np.ndarray:  # a vertex that is also a sample: once
        d = np.sort(d)
        return d[np.r_[True, np.diff(d) > 1e-3]]

    on, off = unique(on), unique(off)
    points = shapely.line_interpolate_point(line, np.r_[on, off])
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=box, ordered=True)
    )
    region = shapely.coverage_union_all(cells[: len(on)])
    if not region.is_valid:  # a coverage union relies on exactly shared edges
        region = shapely.union_all(cells[: len(on)])
    return shapely.intersection(region, box)


def refuge_strip(
    neighbour: str,
    *,
    depth_km: float,
    start: PointLike | None = None,
    end: PointLike | None = None,
    zone_id: str | None = None,
    name: str | None = None,
) -> ZoneSet:
    """The part of Syria within ``depth_km`` of its border with ``neighbour``.

    Along a stretch of the border (``start`` and ``end``) the strip holds the
    points of Syria within ``depth_km`` of the stretch whose nearest point on
    the whole border with ``neighbour`` lies on the stretch: its ends are flat
    (the border's normals at the stretch's ends, where the border is straight),
    and it never reaches past the ends round the corner.

    Parameters
    ----------
    neighbour
        "TUR", "JOR", "LBN" or "IRQ" (case-insensitive).
    depth_km
        Depth of the strip, measured from the border into Syria (> 0).
    start, end
        Optional ends of the border stretch: place names (GeoNames, e.g.
        "Afrin") or (lon, lat) pairs. Each is projected onto the border (the
        nearest point of the line); the strip then follows only the border
        between the two, with flat ends. Give both or neither.
    zone_id, name
        Identifier and label; defaults such as ``"tur-30km"`` and
        ``"Turkey border strip, 30 km"``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row in EPSG:4326: ``zone_id, kind="refuge", name, area_km2,
        neighbour, depth_km, start, end, stretch_km, geometry``.

    Examples
    --------
    >>> z = refuge_strip("TUR", depth_km=10)
    >>> z.zone_id.iloc[0], bool(6_500 < z.area_km2.iloc[0] < 8_500)
    ('tur-10km', True)
    >>> part = refuge_strip("TUR", depth_km=30, start="Afrin", end="Kobani")
    >>> round(float(part.stretch_km.iloc[0]), -1)
    130.0

    Notes
    -----
    Construction: ``syria ∩ buffer(stretch, depth) ∩ V``, where ``V`` is the
    union of the Voronoi cells of the stretch's points in the Voronoi diagram
    of points sampling the whole border line (every :data:`STRETCH_SAMPLE_M`
    metres and at every vertex). The cells of consecutive points on a straight
    piece of border are bounded by its normals, so ``V`` is the set of points
    whose nearest border point is on the stretch, exactly where the border is
    straight and at its bends (vertices are sampled; the rest of the border
    starts 1 m past each end, so the wedge of points nearest to an end vertex
    belongs to the stretch, and two strips meeting at a bend share it). Where
    two distant parts of the border are about equally near (a concave
    border), a point's distance to the sampled border exceeds its distance to
    the line by at most ``(s/2)**2 / (2 r)`` for spacing ``s`` at distance
    ``r``, which bounds how far the split moves. The
    diagram is cached per stretch, so strips of many depths cost one buffer
    and two intersections each.
    """
    depth = _check_distance(depth_km, "depth_km")
    code, line, lo, hi, start_label, end_label = _border_span(neighbour, start, end)
    whole = (lo, hi) == (0.0, float(line.length))
    stretch = line if whole else ops.substring(line, lo, hi)
    geom = stretch.buffer(depth * 1000.0, quad_segs=BUFFER_QUAD_SEGS)
    if not whole:
        geom = shapely.intersection(geom, _nearest_on_stretch(code, lo, hi))
    country = data.NEIGHBOURS[code]
    default_id = f"{code.lower()}-{depth:g}km"
    default_name = f"{country} border strip, {depth:g} km"
    if start_label is not None:
        default_id += f"-{_slug(str(start_label))}-{_slug(str(end_label))}"
        default_name += f", {start_label} to {end_label}"
    attrs: dict[str, object] = {
        "zone_id": zone_id or default_id,
        "kind": "refuge",
        "name": name or default_name,
        "neighbour": code,
        "depth_km": depth,
        "start": start_label,
        "end": end_label,
        "stretch_km": stretch.length / 1000.0,
    }
    return _finish(geom, attrs, f"refuge strip {attrs['zone_id']!r}")


def freeze_zone(
    place: PointLike,
    *,
    radius_km: float,
    zone_id: str | None = None,
    name: str | None = None,
) -> ZoneSet:
    """The part of Syria within ``radius_km`` of a place, e.g. the UN's Aleppo freeze.

    Parameters
    ----------
    place
        A GeoNames place name ("Aleppo"; Syrian places first, then
        neighbours') or a (lon, lat) pair in degrees.
    radius_km
        Radius of the zone around the place (> 0).
    zone_id, name
        Identifier and label; defaults ``"freeze-aleppo-15km"``,
        ``"Aleppo freeze zone, 15 km"``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row in EPSG:4326: ``zone_id, kind="freeze", name, area_km2, place,
        lon, lat, radius_km, geometry``.

    Examples
    --------
    >>> z = freeze_zone("Aleppo", radius_km=15)
    >>> z.zone_id.iloc[0], round(float(z.area_km2.iloc[0]))
    ('freeze-aleppo-15km', 707)
    """
    radius = _check_distance(radius_km, "radius_km")
    lon, lat, label = _resolve_point(place, "place")
    centre = _metric_point(lon, lat)
    geom = centre.buffer(radius * 1000.0, quad_segs=BUFFER_QUAD_SEGS)
    attrs: dict[str, object] = {
        "zone_id": zone_id or f"freeze-{_slug(label)}-{radius:g}km",
        "kind": "freeze",
        "name": name or f"{label} freeze zone, {radius:g} km",
        "place": label,
        "lon": lon,
        "lat": lat,
        "radius_km": radius,
    }
    return _finish(geom, attrs, f"freeze zone {attrs['zone_id']!r}")


_WKT_START = re.compile(r"^\s*(MULTI)?(POLYGON|POINT|LINESTRING|GEOMETRYCOLLECTION)\b", re.I)

#: Most vertices one feature of a safe zone may have. A zone needs far fewer
#: (the population grid is 2 km; a 100 m outline of all Syria has ~30,000),
#: and every vertex costs in clipping, repair and distances (assumption).
MAX_ZONE_VERTICES = 100_000
#: Most times an invalid feature's outline may cross itself to be repaired.
#: GEOS's repair grows much faster than the crossings (measured: 77 crossings
#: 0.08 s, 1,200 crossings 3 s, 4,600 crossings 37 s; a 20,000-vertex scribble
#: takes tens of GB); a drawing slip crosses a few times (assumption).
MAX_REPAIR_CROSSINGS = 100
#: Longest zone id part taken from a feature's name with ``split``.
_MAX_SLUG = 40


def safe_zone(
    geometry_or_path: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | str | PathLike[str],
    *,
    zone_id: str | None = None,
    name: str | None = None,
    crs: str | None = "EPSG:4326",
    layer: str | None = None,
    split: str | None = None,
) -> ZoneSet:
    """A custom zone from a polygon, WKT, a layer or a file, clipped to Syria.

    Parameters
    ----------
    geometry_or_path
        A shapely polygon, a WKT string, a GeoDataFrame/GeoSeries (with a CRS),
        or the path of a vector file (GeoJSON, GeoPackage, Shapefile, ...).
        Several features are merged into one zone unless ``split`` is given.
        Invalid polygons are repaired (``repaired`` is then True); what cannot
        be repaired into a polygon is refused with the reason, and so is a
        feature with more than :data:`MAX_ZONE_VERTICES` vertices or an invalid
        one whose outline crosses itself more than :data:`MAX_REPAIR_CROSSINGS`
        times (its repair would take too long and too much memory).
    zone_id, name
        Identifier and label; the default id is ``"safe-"`` plus a short hash
        of the geometry, so the same polygon always gets the same id.
    crs
        CRS of a bare shapely geometry or WKT (longitude/latitude by default).
        Layers and files carry their own CRS; one without is refused, and so
        are coordinates beyond ±180/±90 in a longitude/latitude CRS (metres
        saved without their CRS, e.g. a GeoJSON).
    layer
        The layer of a file that holds several (a GeoPackage); such a file
        without ``layer`` is refused with the list of its layers.
    split
        An attribute of the features (e.g. ``"name"``): one zone per feature
        instead of one zone of all, each named by its value and with the id
        ``<zone_id or "safe">-<slug of the value>`` (made unique by ``-2``,
        ``-3``, ...).

    Returns
    -------
    geopandas.GeoDataFrame
        One row (one per feature with ``split``) in EPSG:4326: ``zone_id,
        kind="safe", name, area_km2, source, repaired, geometry``.

    Examples
    --------
    >>> z = safe_zone("POLYGON ((37 36.3, 37.5 36.3, 37.5 36.6, 37 36.6, 37 36.3))",
    ...               name="North of Aleppo")
    >>> z.kind.iloc[0], bool(1_450 < z.area_km2.iloc[0] < 1_550)
    ('safe', True)
    >>> two = gpd.GeoDataFrame({"name": ["Azaz", "Al Bab"]}, crs=4326, geometry=[
    ...     shapely.box(37.0, 36.5, 37.1, 36.6), shapely.box(37.4, 36.3, 37.5, 36.4)])
    >>> safe_zone(two, zone_id="north", split="name").zone_id.tolist()
    ['north-azaz', 'north-al-bab']
    """
    geoms, source, layer_crs, values = _read_zone_geometry(
        geometry_or_path, crs, layer=layer, split=split
    )
    # a file is named in full; a long WKT string is cut (os.path.exists is False for it)
    label = source if len(source) < 80 or os.path.exists(source) else source[:77] + "..."
    problems = []
    arr = np.array(geoms, dtype=object)
    for i, n in enumerate(shapely.get_num_coordinates(arr)):
        if n > MAX_ZONE_VERTICES:
            problems.append(
                f"feature {i}: {n:,} vertices, more than {MAX_ZONE_VERTICES:,}; simplify it "
                "(e.g. QGIS: Vector > Geometry Tools > Simplify, tolerance 100 m)"
            )
    if problems:
        raise GeometryError(problems, source=label)
    _check_degrees(arr, layer_crs, source, label)
    series = gpd.GeoSeries(geoms, crs=layer_crs).to_crs(PROJECT_CRS)
    repaired = [False] * len(series)
    fixed: list[BaseGeometry | None] = []
    for i, g in enumerate(series):
        fixed.append(None)
        if g is None or g.is_empty:
            problems.append(f"feature {i}: empty geometry")
            continue
        if not g.is_valid:
            reason = explain_validity(g)
            if _self_crossings(g, MAX_REPAIR_CROSSINGS) > MAX_REPAIR_CROSSINGS:
                problems.append(
                    f"feature {i}: invalid ({reason.split('[')[0]}), and its outline crosses "
                    f"itself more than {MAX_REPAIR_CROSSINGS} times: repairing it would take "
                    "too long and too much memory; redraw it as a polygon whose outline "
                    "does not cross itself"
                )
                continue
            g = _polygonal(shapely.make_valid(g))
            if g.is_empty:
                problems.append(
                    f"feature {i}: invalid ({reason}) and cannot be repaired into "
                    "a polygon; redraw it"
                )
                continue
            repaired[i] = True
        poly = _polygonal(g)
        if poly.is_empty:
            problems.append(
                f"feature {i}: a {g.geom_type} is not an area; draw a polygon, or "
                "use freeze_zone for a circle around a point"
            )
            continue
        fixed[i] = poly
    if values is not None:
        problems.extend(
            f"feature {i}: no value in {split!r}; give every feature a name there"
            for i, v in enumerate(values)
            if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip()
        )
        problems.extend(_name_problems(values, split))
    if problems:
        raise GeometryError(problems, source=label)
    parts = [g for g in fixed if g is not None]
    if values is None:
        geom = shapely.union_all(parts)
        digest = hashlib.sha1(shapely.to_wkb(geom, output_dimension=2)).hexdigest()[:8]
        attrs: dict[str, object] = {
            "zone_id": zone_id or f"safe-{digest}",
            "kind": "safe",
            "name": name or f"Safe zone {digest}",
            "source": label,
            "repaired": any(repaired),
        }
        return _finish(geom, attrs, f"safe zone {attrs['zone_id']!r} from {label}")
    return _split_zones(parts, [str(v).strip() for v in values], repaired, zone_id, name, label)


def _name_problems(values: list[object], split: str | None) -> list[str]:
    """Names from a file's features obey the limits of names in a scenario (length, control)."""
    problems = []
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


def _split_zones(
    parts: list[BaseGeometry],
    values: list[str],
    repaired: list[bool],
    zone_id: str | None,
    name: str | None,
    label: str,
) -> ZoneSet:
    """One zone per feature, named by its value, with unique ids (see :func:`safe_zone`)."""
    prefix = zone_id or "safe"
    seen: dict[str, int] = {}
    rows: list[pd.DataFrame] = []
    problems: list[str] = []
    for i, (geom, value) in enumerate(zip(parts, values, strict=True)):
        zid = f"{prefix}-{_slug(value)[:_MAX_SLUG].strip('-') or i + 1}"
        seen[zid] = seen.get(zid, 0) + 1
        if seen[zid] > 1:
            zid = f"{zid}-{seen[zid]}"
        attrs: dict[str, object] = {
            "zone_id": zid,
            "kind": "safe",
            "name": f"{name}, {value}" if name else value,
            "source": label,
            "repaired": repaired[i],
        }
        try:
            rows.append(_finish(geom, attrs, f"feature {i}"))
        except GeometryError as err:
            problems.extend(err.problems)
    if problems:
        raise GeometryError(problems, source=label)
    out = pd.concat(list(rows), ignore_index=True)
    return ZoneSet(gpd.GeoDataFrame(out, geometry="geometry", crs=LONLAT_CRS))


def _check_degrees(geoms: np.ndarray, crs: object, source: str, label: str) -> None:
    """Refuse coordinates beyond ±180/±90 in a longitude/latitude CRS (metres without a CRS)."""
    if not pyproj.CRS.from_user_input(crs).is_geographic:
        return
    bounds = shapely.bounds(geoms)
    if np.isnan(bounds).all():
        return
    reach = np.nanmax(np.abs(bounds), axis=0)  # largest |x| and |y| at both corners
    if max(reach[0], reach[2]) <= 180 and max(reach[1], reach[3]) <= 90:
        return
    if source in ("geometry", "WKT"):
        hint = 'pass crs=, e.g. crs="EPSG:32637" for UTM zone 37N'
    elif source == "layer":
        hint = 'set the layer\'s CRS, e.g. .set_crs("EPSG:32637", allow_override=True)'
    else:
        hint = (
            "save the file with the CRS it was drawn in (e.g. EPSG:32637, UTM zone 37N), "
            "or in EPSG:4326"
        )
    raise GeometryError(
        "these coordinates are not degrees: give the CRS; they reach beyond ±180 "
        f"longitude or ±90 latitude, which {pyproj.CRS.from_user_input(crs).name} "
        f"cannot hold; {hint}",
        source=label,
    )


def _self_crossings(geom: BaseGeometry, limit: int) -> int:
    """How often the rings of ``geom``'s polygons cross or touch, counted until past ``limit``.

    Pairs of ring segments that meet, other than neighbours along a ring:
    candidates from an STR tree of the segments' boxes, a few hundred segments
    at a time, then the exact orientation test in numpy (two segments meet when
    each one's ends are not strictly on one side of the other; collinear ones
    meet exactly when their boxes do). A scribble with millions of crossings
    stops after the first batch.
    """
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    rings = [r for p in polys for r in shapely.get_rings(p)]
    starts, ends, ring_id, pos, size = [], [], [], [], []
    for r, ring in enumerate(rings):
        xy = shapely.get_coordinates(ring)
        xy = xy[np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]]  # repeated points
        n = len(xy) - 1
        if n < 1:
            continue
        starts.append(xy[:-1])
        ends.append(xy[1:])
        ring_id.append(np.full(n, r))
        pos.append(np.arange(n))
        size.append(np.full(n, n))
    if not starts:
        return 0
    p0, p1 = np.concatenate(starts), np.concatenate(ends)
    rid, at, ring_n = np.concatenate(ring_id), np.concatenate(pos), np.concatenate(size)
    tree = shapely.STRtree(shapely.box(*np.minimum(p0, p1).T, *np.maximum(p0, p1).T))

    def side(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Sign of the turn a -> b -> c (cross product)."""
        return np.sign(
            (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
        )

    count, start, batch = 0, 0, 16
    while start < len(p0):
        stop = min(start + batch, len(p0))
        i, j = tree.query(tree.geometries[start:stop])
        i = i + start
        gap = np.abs(at[i] - at[j])
        neighbours = (rid[i] == rid[j]) & ((gap == 1) | (gap == ring_n[i] - 1))
        keep = (i < j) & ~neighbours
        i, j = i[keep], j[keep]
        meet = (side(p0[i], p1[i], p0[j]) * side(p0[i], p1[i], p1[j]) <= 0) & (
            side(p0[j], p1[j], p0[i]) * side(p0[j], p1[j], p1[i]) <= 0
        )
        count += int(np.count_nonzero(meet))
        if count > limit:
            break
        start = stop
        batch = min(batch * 2, 512)
    return count


def _read_zone_geometry(
    obj: object, crs: str | None, *, layer: str | None = None, split: str | None = None
) -> tuple[list[BaseGeometry], str, object, list[object] | None]:
    """The features' geometries, a label of the source, their CRS and the ``split`` values."""
    if layer is not None and not isinstance(obj, str | PathLike):
        raise SafeZonesError("layer= names a layer of a file; give the file's path")
    if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries):
        require_crs(obj, what="the zone layer")
        values = None
        if split is not None:
            if not isinstance(obj, gpd.GeoDataFrame):
                raise SafeZonesError(
                    f"split={split!r} needs a layer with attributes, not a GeoSeries"
                )
            values = _split_values(obj, split, "the layer")
        return list(obj.geometry), "layer", obj.crs, values
    if split is not None and (isinstance(obj, BaseGeometry) or (
        isinstance(obj, str) and _WKT_START.match(obj)
    )):  # fmt: skip
        raise SafeZonesError(
            f"split={split!r} needs a file or layer whose features have attributes, "
            "not a single geometry"
        )
    if isinstance(obj, BaseGeometry):
        if crs is None:
            raise GeometryError('a bare geometry needs crs=, e.g. crs="EPSG:4326"')
        return [obj], "geometry", crs, None
    if isinstance(obj, str) and _WKT_START.match(obj):
        if crs is None:
            raise GeometryError('a WKT string needs crs=, e.g. crs="EPSG:4326"')
        try:
            return [shapely.from_wkt(obj)], "WKT", crs, None
        except shapely.errors.GEOSException as err:
            raise GeometryError(f"cannot parse the WKT: {err}") from None
    if isinstance(obj, str | PathLike):
        path = Path(obj)
        if not path.exists():
            raise SafeZonesError(f"no such file: {path}; give an existing vector file or WKT")
        import pyogrio  # lazily: only reading a file needs it

        try:
            chosen = _choose_layer(pyogrio.list_layers(path), layer, str(path))
            gdf = gpd.read_file(path, layer=chosen)
        except SafeZonesError:
            raise
        except Exception as err:  # pyogrio raises several types for unreadable files
            raise SafeZonesError(
                f"cannot read it as a vector layer: {err}", source=str(path)
            ) from None
        if gdf.crs is None:
            raise GeometryError(
                "the layer has no CRS; save it with one (e.g. EPSG:4326)", source=str(path)
            )
        if len(gdf) == 0:
            raise GeometryError("the layer has no features", source=str(path))
        values = _split_values(gdf, split, str(path)) if split is not None else None
        return list(gdf.geometry), str(path), gdf.crs, values
    raise SafeZonesError(
        f"safe_zone takes a shapely polygon, WKT, a GeoDataFrame or a file path, "
        f"not {type(obj).__name__}"
    )


def _quoted(names: list[str], most: int = 20) -> str:
    shown = ", ".join(repr(n[:60]) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _choose_layer(layers: np.ndarray, layer: str | None, source: str) -> str | None:
    """The layer to read: ``layer``, or the only one; refuse a choice left open.

    ``layers`` is :func:`pyogrio.list_layers`' table (name, geometry type).
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


def _split_values(gdf: gpd.GeoDataFrame, split: str, source: str) -> list[object]:
    fields = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    if split not in fields:
        have = f"its attributes are {_quoted(fields)}" if fields else "it has no attributes"
        raise UnknownNameError(f"split={split!r}: no such attribute; {have}", source=source)
    return list(gdf[split])


def zone_set(*zones: gpd.GeoDataFrame | Iterable[gpd.GeoDataFrame]) -> ZoneSet:
    """Combine zones into one layer, checking ids and flagging overlaps.

    Parameters
    ----------
    *zones
        Zone layers from the builders (or other zone sets), or lists of them.

    Returns
    -------
    ZoneSet
        All zones in EPSG:4326 with the builders' columns plus ``overlaps_with``
        (the ids of other zones that share area with it, ``;``-separated, ``""``
        if none) and ``overlap_km2`` (the area it shares with them). Use
        :func:`union` for the total area without double counting.

    Examples
    --------
    >>> z = zone_set(freeze_zone("Aleppo", radius_km=15),
    ...              freeze_zone("Aleppo", radius_km=20, zone_id="big"))
    >>> z.overlaps_with.tolist()
    ['big', 'freeze-aleppo-15km']
    """
    layers: list[gpd.GeoDataFrame] = []
    for z in zones:
        if isinstance(z, gpd.GeoDataFrame):
            layers.append(z)
        elif isinstance(z, Iterable) and not isinstance(z, str | pd.DataFrame):
            layers.extend(z)
        else:
            raise SafeZonesError(f"zone_set takes zone layers, not {type(z).__name__}")
    if not layers:
        raise SafeZonesError("zone_set needs at least one zone")
    problems = []
    for i, layer in enumerate(layers):
        missing = [c for c in [*ZONE_COLUMNS, "geometry"] if c not in layer.columns]
        if missing:
            problems.append(
                f"layer {i} lacks the zone columns {missing}; build zones with "
                "refuge_strip, freeze_zone or safe_zone"
            )
        elif layer.crs is None:
            problems.append(f"layer {i} has no CRS")
    if problems:
        raise SafeZonesError(problems)
    out = pd.concat([layer.to_crs(LONLAT_CRS) for layer in layers], ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=LONLAT_CRS)
    dup = out["zone_id"][out["zone_id"].duplicated()].unique().tolist()
    if dup:
        raise SafeZonesError(
            f"zone ids must be unique; repeated: {', '.join(map(str, dup))}; pass zone_id= "
            "to the builders to tell them apart"
        )
    metric = out.geometry.to_crs(PROJECT_CRS).to_numpy()
    left, right = gpd.GeoSeries(metric).sindex.query(metric, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.area(shapely.intersection(metric[left], metric[right])) / 1e6
    overlap_ids: list[list[str]] = [[] for _ in range(len(out))]
    overlap_km2 = np.zeros(len(out))
    ids = out["zone_id"].astype(str).to_numpy()
    position = {zid: i for i, zid in enumerate(ids)}
    for a, b, km2 in zip(left, right, shared, strict=True):
        if km2 > 1e-6:  # more than 1 m2 in common, not just a touching edge
            overlap_ids[a].append(ids[b])
            overlap_ids[b].append(ids[a])
    for i in range(len(out)):
        if overlap_ids[i]:
            others = metric[[position[o] for o in overlap_ids[i]]]
            overlap_km2[i] = shapely.intersection(metric[i], shapely.union_all(others)).area / 1e6
    out["overlaps_with"] = [";".join(sorted(v)) for v in overlap_ids]
    out["overlap_km2"] = overlap_km2
    cols = [
        *ZONE_COLUMNS,
        *[c for c in out.columns if c not in (*ZONE_COLUMNS, "geometry")],
        "geometry",
    ]
    return ZoneSet(out[cols])


def union(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The footprint of all zones as one row, with its area counted once.

    Examples
    --------
    >>> a = freeze_zone("Aleppo", radius_km=15)
    >>> z = zone_set(a, freeze_zone("Aleppo", radius_km=15, zone_id="copy"))
    >>> round(float(union(z).area_km2.iloc[0]), 3) == round(float(a.area_km2.iloc[0]), 3)
    True
    """
    require_crs(zones, what="zones")
    metric = zones.geometry.to_crs(PROJECT_CRS)
    geom = shapely.union_all(metric.to_numpy())
    gdf = gpd.GeoDataFrame(
        {"zone_ids": [";".join(map(str, zones["zone_id"]))], "area_km2": [geom.area / 1e6]},
        geometry=[geom],
        crs=PROJECT_CRS,
    )
    return gdf.to_crs(LONLAT_CRS)
