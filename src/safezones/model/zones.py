"""Zone builders: border refuge strips, freeze zones and custom safe zones.

Every builder returns a one-row :class:`ZoneSet` (a GeoDataFrame) in EPSG:4326 with the columns
``zone_id, kind, name, area_km2, geometry`` plus the builder's parameters. The
geometry is built and clipped to Syria in :data:`~safezones.crs.PROJECT_CRS`,
where ``area_km2`` is measured. :func:`zone_set` combines zones into one layer
and flags overlaps; :func:`union` gives their footprint without double counting.

Definitions:

- refuge strip: ``syria ∩ buffer(border, depth)``; along a stretch of the border,
  the points of that strip whose nearest point on the whole border lies on
  the stretch (flat ends; see :func:`refuge_strip`);
- freeze zone: ``syria ∩ buffer(centre, radius)``;
- safe zone: any polygon, repaired if invalid, clipped to Syria.

The geometry itself (border stretches, the Voronoi split that gives a stretch's
strip its flat ends, repair and vertex limits) is in
:mod:`safezones.model.geometry`; a custom zone's features (polygon, WKT,
layer or file) come from :mod:`safezones.model.features`, which reads files
with :mod:`safezones.io.zonefile`.

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
from numbers import Real
from os import PathLike
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import ops
from shapely.geometry.base import BaseGeometry

from safezones import data
from safezones.crs import LONLAT_CRS, PROJECT_CRS, require_crs
from safezones.errors import GeometryError, SafeZonesError
from safezones.model.features import name_problems, zone_features
from safezones.model.geometry import (
    BUFFER_QUAD_SEGS,
    MAX_REPAIR_CROSSINGS,
    MAX_STRETCH_SNAP_KM,
    MAX_ZONE_VERTICES,
    STRETCH_SAMPLE_M,
    PointLike,
    border_span,
    check_degrees,
    clip_to_syria,
    metric_point,
    nearest_on_stretch,
    repair_features,
    resolve_point,
    syria_span_km,
    vertex_problems,
)

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


class ZoneSet(gpd.GeoDataFrame):  # type: ignore[misc]  # geopandas ships no type hints
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
        """Tell whether ``zone_id`` and ``area_km2`` are kept (the summary shows them)."""
        return "zone_id" in self.columns and "area_km2" in self.columns

    def __repr__(self) -> str:
        """Show one line per zone (:func:`safezones.viz.display.zones_text`)."""
        from safezones.viz.display import zones_text

        return zones_text(self) if self._summarisable() else super().__repr__()

    def _repr_html_(self) -> str | None:
        """Show the table beside a small map (:func:`safezones.viz.display.zones_html`)."""
        from safezones.viz.display import zones_html

        return zones_html(self) if self._summarisable() else super()._repr_html_()


def _check_distance(value: object, what: str) -> float:
    """Return a strip depth or freeze radius in km, refusing what is not a distance in Syria."""
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
    """Return ``text`` as a lower-case id part: ``"Ar Raqqah"`` -> ``"ar-raqqah"``."""
    return re.sub(r"[^a-z0-9]+", "-", data.normalise_name(text)).strip("-")


def _finish(geom_m: BaseGeometry, attrs: dict[str, object], what: str) -> ZoneSet:
    """Clip to Syria, refuse empty results, measure area and return the zone in EPSG:4326."""
    clipped = clip_to_syria(geom_m, what)
    row = {**attrs, "area_km2": clipped.area / 1e6}
    ordered = {k: row[k] for k in ZONE_COLUMNS} | {
        k: v for k, v in row.items() if k not in ZONE_COLUMNS
    }
    gdf = gpd.GeoDataFrame([ordered], geometry=[clipped], crs=PROJECT_CRS)
    return ZoneSet(gdf.to_crs(LONLAT_CRS))


def refuge_strip(
    neighbour: str,
    *,
    depth_km: float,
    start: PointLike | None = None,
    end: PointLike | None = None,
    zone_id: str | None = None,
    name: str | None = None,
) -> ZoneSet:
    """Build the part of Syria within ``depth_km`` of its border with ``neighbour``.

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
    code, line, lo, hi, start_label, end_label = border_span(neighbour, start, end)
    whole = (lo, hi) == (0.0, float(line.length))
    stretch = line if whole else ops.substring(line, lo, hi)
    geom = stretch.buffer(depth * 1000.0, quad_segs=BUFFER_QUAD_SEGS)
    if not whole:
        geom = shapely.intersection(geom, nearest_on_stretch(code, lo, hi))
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
    """Build the part of Syria within ``radius_km`` of a place, e.g. the UN's Aleppo freeze.

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
    lon, lat, label = resolve_point(place, "place")
    centre = metric_point(lon, lat)
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
    """Build a custom zone from a polygon, WKT, a layer or a file, clipped to Syria.

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
    geoms, source, layer_crs, values = zone_features(
        geometry_or_path, crs, layer=layer, split=split
    )
    # a file is named in full; a long WKT string is cut (os.path.exists is False for it)
    label = source if len(source) < 80 or os.path.exists(source) else source[:77] + "..."
    arr = np.array(geoms, dtype=object)
    problems = vertex_problems(arr)
    if problems:
        raise GeometryError(problems, source=label)
    check_degrees(arr, layer_crs, source, label)
    fixed, repaired, problems = repair_features(
        gpd.GeoSeries(geoms, crs=layer_crs).to_crs(PROJECT_CRS)
    )
    if values is not None:
        problems.extend(name_problems(values, split))
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
    """Return the footprint of all zones as one row, with its area counted once.

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
