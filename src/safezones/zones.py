"""Zone builders: border refuge strips, freeze zones and custom safe zones.

Every builder returns a one-row :class:`ZoneSet` (a GeoDataFrame) in EPSG:4326 with the columns
``zone_id, kind, name, area_km2, geometry`` plus the builder's parameters. The
geometry is built and clipped to Syria in :data:`~safezones.crs.PROJECT_CRS`,
where ``area_km2`` is measured. :func:`zone_set` combines zones into one layer
and flags overlaps; :func:`union` gives their footprint without double counting.

Definitions (see DESIGN.md):

- refuge strip: ``syria ∩ buffer(border_stretch, depth)``;
- freeze zone: ``syria ∩ buffer(centre, radius)``;
- safe zone: any polygon, repaired if invalid, clipped to Syria.

Examples
--------
>>> from safezones.zones import refuge_strip, freeze_zone, zone_set, union
>>> z = zone_set(refuge_strip("LBN", depth_km=5), freeze_zone((36.72, 34.73), radius_km=10))
>>> z[["zone_id", "kind"]].values.tolist()
[['lbn-5km', 'refuge'], ['freeze-36-72e-34-73n-10km', 'freeze']]
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from functools import cache
from numbers import Real
from os import PathLike
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import ops
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from . import data
from ._errors import GeometryError, SafeZonesError
from .crs import LONLAT_CRS, PROJECT_CRS, lonlat_to_metric, metric_to_lonlat, require_crs

__all__ = [
    "BUFFER_QUAD_SEGS",
    "MAX_STRETCH_SNAP_KM",
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
        from ._display import zones_text

        return zones_text(self) if self._summarisable() else super().__repr__()

    def _repr_html_(self) -> str | None:
        from ._display import zones_html

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
    line_gdf = data.border(neighbour)
    code = str(line_gdf["neighbour"].iloc[0])
    line = line_gdf.to_crs(PROJECT_CRS).geometry.iloc[0]
    if isinstance(line, shapely.MultiLineString):  # bundled borders are single lines
        line = ops.linemerge(line)
    if (start is None) != (end is None):
        raise SafeZonesError(
            "refuge_strip needs both start and end to limit the border stretch, or neither "
            "for the whole border"
        )
    start_label = end_label = None
    stretch = line
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
        stretch = ops.substring(line, lo, hi)
    return code, stretch, start_label, end_label


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
        between the two, with rounded ends. Give both or neither.
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
    """
    depth = _check_distance(depth_km, "depth_km")
    code, stretch, start_label, end_label = _border_stretch(neighbour, start, end)
    geom = stretch.buffer(depth * 1000.0, quad_segs=BUFFER_QUAD_SEGS)
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


def safe_zone(
    geometry_or_path: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | str | PathLike[str],
    *,
    zone_id: str | None = None,
    name: str | None = None,
    crs: str | None = "EPSG:4326",
) -> ZoneSet:
    """A custom zone from a polygon, WKT, a layer or a file, clipped to Syria.

    Parameters
    ----------
    geometry_or_path
        A shapely polygon, a WKT string, a GeoDataFrame/GeoSeries (with a CRS),
        or the path of a vector file (GeoJSON, GeoPackage, Shapefile, ...).
        Several features are merged into one zone. Invalid polygons are
        repaired (``repaired`` is then True); what cannot be repaired into a
        polygon is refused with the reason.
    zone_id, name
        Identifier and label; the default id is ``"safe-"`` plus a short hash
        of the geometry, so the same polygon always gets the same id.
    crs
        CRS of a bare shapely geometry or WKT (longitude/latitude by default).
        Layers and files carry their own CRS; one without is refused.

    Returns
    -------
    geopandas.GeoDataFrame
        One row in EPSG:4326: ``zone_id, kind="safe", name, area_km2, source,
        repaired, geometry``.

    Examples
    --------
    >>> z = safe_zone("POLYGON ((37 36.3, 37.5 36.3, 37.5 36.6, 37 36.6, 37 36.3))",
    ...               name="North of Aleppo")
    >>> z.kind.iloc[0], bool(1_450 < z.area_km2.iloc[0] < 1_550)
    ('safe', True)
    """
    geoms, source, layer_crs = _read_zone_geometry(geometry_or_path, crs)
    label = source if len(source) < 80 else source[:77] + "..."
    series = gpd.GeoSeries(geoms, crs=layer_crs).to_crs(PROJECT_CRS)
    problems = []
    repaired = False
    fixed = []
    for i, g in enumerate(series):
        if g is None or g.is_empty:
            problems.append(f"feature {i}: empty geometry")
            continue
        if not g.is_valid:
            reason = explain_validity(g)
            g = _polygonal(shapely.make_valid(g))
            if g.is_empty:
                problems.append(
                    f"feature {i}: invalid ({reason}) and cannot be repaired into "
                    "a polygon; redraw it"
                )
                continue
            repaired = True
        poly = _polygonal(g)
        if poly.is_empty:
            problems.append(
                f"feature {i}: a {g.geom_type} is not an area; draw a polygon, or "
                "use freeze_zone for a circle around a point"
            )
            continue
        fixed.append(poly)
    if problems:
        raise GeometryError(problems, source=label)
    geom = shapely.union_all(fixed)
    digest = hashlib.sha1(shapely.to_wkb(geom, output_dimension=2)).hexdigest()[:8]
    attrs: dict[str, object] = {
        "zone_id": zone_id or f"safe-{digest}",
        "kind": "safe",
        "name": name or f"Safe zone {digest}",
        "source": label,
        "repaired": repaired,
    }
    return _finish(geom, attrs, f"safe zone {attrs['zone_id']!r} from {label}")


def _read_zone_geometry(obj: object, crs: str | None) -> tuple[list[BaseGeometry], str, object]:
    if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries):
        require_crs(obj, what="the zone layer")
        return list(obj.geometry), "layer", obj.crs
    if isinstance(obj, BaseGeometry):
        if crs is None:
            raise GeometryError('a bare geometry needs crs=, e.g. crs="EPSG:4326"')
        return [obj], "geometry", crs
    if isinstance(obj, str) and _WKT_START.match(obj):
        if crs is None:
            raise GeometryError('a WKT string needs crs=, e.g. crs="EPSG:4326"')
        try:
            return [shapely.from_wkt(obj)], "WKT", crs
        except shapely.errors.GEOSException as err:
            raise GeometryError(f"cannot parse the WKT: {err}") from None
    if isinstance(obj, str | PathLike):
        path = Path(obj)
        if not path.exists():
            raise SafeZonesError(f"no such file: {path}; give an existing vector file or WKT")
        try:
            gdf = gpd.read_file(path)
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
        return list(gdf.geometry), str(path), gdf.crs
    raise SafeZonesError(
        f"safe_zone takes a shapely polygon, WKT, a GeoDataFrame or a file path, "
        f"not {type(obj).__name__}"
    )


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
