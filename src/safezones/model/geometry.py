"""Zone geometry in PROJECT_CRS: border stretches, flat-ended strips, repair and limits.

The construction behind the builders of :mod:`safezones.model.zones`, on shapely
geometries in :data:`~safezones.crs.PROJECT_CRS` (metres):

- where a place name or a (lon, lat) pair lies (:func:`resolve_point`,
  :func:`metric_point`);
- the border with a neighbour and a stretch of it between two points
  (:func:`border_line`, :func:`border_span`, :func:`border_stretch`);
- the points whose nearest border point lies on a stretch, the Voronoi diagram
  of points sampling the border (:func:`nearest_on_stretch`), which gives a
  stretch's strip its flat ends;
- clipping to Syria (:func:`clip_to_syria`, :func:`polygonal`);
- the limits and repair of a user's polygons (:func:`vertex_problems`,
  :func:`check_degrees`, :func:`self_crossings`, :func:`repair_features`).

Examples
--------
>>> code, line, _, _ = border_stretch("LBN", None, None)
>>> code, line.geom_type, round(line.length / 1000)
('LBN', 'LineString', 292)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache, lru_cache

import numpy as np
import pyproj
import shapely
from shapely import ops
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from safezones import data
from safezones.crs import PROJECT_CRS, lonlat_to_metric, metric_to_lonlat
from safezones.errors import GeometryError, SafeZonesError

__all__ = [
    "BUFFER_QUAD_SEGS",
    "MAX_REPAIR_CROSSINGS",
    "MAX_STRETCH_SNAP_KM",
    "MAX_ZONE_VERTICES",
    "STRETCH_SAMPLE_M",
    "PointLike",
    "border_line",
    "border_span",
    "border_stretch",
    "check_degrees",
    "clip_to_syria",
    "metric_point",
    "nearest_on_stretch",
    "polygonal",
    "repair_features",
    "resolve_point",
    "self_crossings",
    "syria_span_km",
    "vertex_problems",
]

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
#: :func:`safezones.model.zones.refuge_strip`). 250 m changes the shipped stretch
#: strips by under 0.001 km2 against 100 m, at a third of the cost (measured).
STRETCH_SAMPLE_M = 250.0
#: The rest of the border is sampled from this far (m) beyond each stretch end,
#: so that the points whose nearest border point is the end itself (at a bend)
#: fall in the stretch, as the definition says.
_END_GAP_M = 1.0
#: Most vertices one feature of a safe zone may have. A zone needs far fewer
#: (the population grid is 2 km; a 100 m outline of all Syria has ~30,000),
#: and every vertex costs in clipping, repair and distances (assumption).
MAX_ZONE_VERTICES = 100_000
#: Most times an invalid feature's outline may cross itself to be repaired.
#: GEOS's repair grows much faster than the crossings (measured: 77 crossings
#: 0.08 s, 1,200 crossings 3 s, 4,600 crossings 37 s; a 20,000-vertex scribble
#: takes tens of GB); a drawing slip crosses a few times (assumption).
MAX_REPAIR_CROSSINGS = 100

#: A place name, or a (lon, lat) pair in degrees.
PointLike = str | tuple[float, float]


@cache
def syria_span_km() -> float:
    """Return the largest distance between two points of Syria, in km (about 780).

    A strip depth or freeze radius above it is refused as "larger than Syria".

    Examples
    --------
    >>> 700 < syria_span_km() < 900
    True
    """
    hull = np.asarray(data.syria(crs="metric").convex_hull.exterior.coords)
    diff = hull[:, None, :] - hull[None, :, :]
    return float(np.sqrt((diff**2).sum(axis=-1)).max() / 1000.0)


def resolve_point(point: PointLike, what: str) -> tuple[float, float, str]:
    """Return (lon, lat, label) of a place name or a (lon, lat) pair.

    Parameters
    ----------
    point
        A GeoNames place name (Syrian places first, then neighbours') or a
        (lon, lat) pair in degrees.
    what
        What the point is, for messages (``"place"``, ``"start"``).

    Examples
    --------
    >>> resolve_point((36.72, 34.73), "place")
    (36.72, 34.73, '36.72E-34.73N')
    """
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


def metric_point(lon: float, lat: float) -> shapely.Point:
    """Return the PROJECT_CRS point of a longitude/latitude pair.

    Examples
    --------
    >>> metric_point(38.5, 35.0).wkt
    'POINT (0 0)'
    """
    return shapely.Point(*lonlat_to_metric(lon, lat))


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Return the polygonal part of ``geom`` (intersections may add stray lines or points).

    Examples
    --------
    >>> mixed = shapely.GeometryCollection([shapely.box(0, 0, 1, 1), shapely.Point(5, 5)])
    >>> polygonal(mixed).geom_type, polygonal(shapely.Point(0, 0)).is_empty
    ('Polygon', True)
    """
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def clip_to_syria(geom_m: BaseGeometry, what: str) -> BaseGeometry:
    """Return the polygonal part of ``geom_m`` inside Syria; refuse one with no area there.

    Parameters
    ----------
    geom_m
        A geometry in PROJECT_CRS.
    what
        What it is, for the message (``"freeze zone 'x'"``).

    Raises
    ------
    GeometryError
        When less than 1 m2 of it lies in Syria (with where its centre is).
    """
    clipped = polygonal(shapely.intersection(geom_m, data.syria(crs="metric")))
    if clipped.is_empty or clipped.area < 1.0:
        c = geom_m.centroid if not geom_m.is_empty else None
        where = ""
        if c is not None:
            lon, lat = metric_to_lonlat(c.x, c.y)
            where = f" (its centre is at lon {lon:.3f}, lat {lat:.3f})"
        raise GeometryError(
            f"{what} lies outside Syria{where}; move it, or make it reach into Syria"
        )
    return clipped


def border_stretch(
    neighbour: str, start: PointLike | None, end: PointLike | None
) -> tuple[str, shapely.LineString, str | None, str | None]:
    """Return the border line with ``neighbour`` (PROJECT_CRS), or its stretch between two points.

    Returns the neighbour's code, the line and the labels of the two ends.
    """
    code, line, lo, hi, start_label, end_label = border_span(neighbour, start, end)
    stretch = line if (lo, hi) == (0.0, line.length) else ops.substring(line, lo, hi)
    return code, stretch, start_label, end_label


def border_line(code: str) -> shapely.LineString:
    """Return the whole border line with a neighbour (a valid code), in PROJECT_CRS."""
    line = data.border(code).to_crs(PROJECT_CRS).geometry.iloc[0]
    if isinstance(line, shapely.MultiLineString):  # bundled borders are single lines
        line = ops.linemerge(line)
    return line


def border_span(
    neighbour: str, start: PointLike | None, end: PointLike | None
) -> tuple[str, shapely.LineString, float, float, str | None, str | None]:
    """Return the whole border line (PROJECT_CRS) and where the stretch runs along it.

    Returns the neighbour's code, the whole line, the stretch's first and last
    distance along it in metres (0 and the length without ``start`` and
    ``end``) and the labels of the two ends.
    """
    code = str(data.border(neighbour)["neighbour"].iloc[0])
    line = border_line(code)
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
            lon, lat, label = resolve_point(p, what)
            pt = metric_point(lon, lat)
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
    """Return distances from ``a`` to ``b`` (both included) at most ``spacing`` apart."""
    if b <= a:
        return np.array([a])
    return np.linspace(a, b, max(1, math.ceil((b - a) / spacing)) + 1)


@lru_cache(maxsize=64)
def nearest_on_stretch(code: str, lo: float, hi: float) -> BaseGeometry:
    """Return the points of Syria's neighbourhood whose nearest border point lies in [lo, hi].

    The Voronoi diagram of points sampling the whole border line (every
    :data:`STRETCH_SAMPLE_M` and at each vertex; the rest of the border from
    :data:`_END_GAP_M` beyond the stretch's ends): the union of the cells of
    the stretch's points, within Syria's bounding box. Cached per stretch, so
    strips of many depths along one stretch split the plane once.
    """
    line = border_line(code)
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


def vertex_problems(geoms: np.ndarray) -> list[str]:
    """Return one problem per feature with more than :data:`MAX_ZONE_VERTICES` vertices.

    Examples
    --------
    >>> vertex_problems(np.array([shapely.box(0, 0, 1, 1)], dtype=object))
    []
    """
    return [
        f"feature {i}: {n:,} vertices, more than {MAX_ZONE_VERTICES:,}; simplify it "
        "(e.g. QGIS: Vector > Geometry Tools > Simplify, tolerance 100 m)"
        for i, n in enumerate(shapely.get_num_coordinates(geoms))
        if n > MAX_ZONE_VERTICES
    ]


def check_degrees(geoms: np.ndarray, crs: object, source: str, label: str) -> None:
    """Refuse coordinates beyond ±180/±90 in a longitude/latitude CRS (metres without a CRS).

    Parameters
    ----------
    geoms
        The features' geometries, in ``crs``.
    crs
        Their CRS.
    source
        ``"geometry"``, ``"WKT"``, ``"layer"`` or a file path: says how to give the CRS.
    label
        The source as named in the message.
    """
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


def self_crossings(geom: BaseGeometry, limit: int) -> int:
    """Count how often the rings of ``geom``'s polygons cross or touch, until past ``limit``.

    Pairs of ring segments that meet, other than neighbours along a ring:
    candidates from an STR tree of the segments' boxes, a few hundred segments
    at a time, then the exact orientation test in numpy (two segments meet when
    each one's ends are not strictly on one side of the other; collinear ones
    meet exactly when their boxes do). A scribble with millions of crossings
    stops after the first batch.

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> self_crossings(bowtie, 100), self_crossings(shapely.box(0, 0, 1, 1), 100)
    (1, 0)
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
        """Return the sign of the turn a -> b -> c (cross product)."""
        turn: np.ndarray = np.sign(
            (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
        )
        return turn

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


def _repair(i: int, g: BaseGeometry) -> tuple[BaseGeometry | None, bool, str | None]:
    """Return one feature's polygon, whether it was repaired, or the problem instead."""
    if g is None or g.is_empty:
        return None, False, f"feature {i}: empty geometry"
    repaired = False
    if not g.is_valid:
        reason = explain_validity(g)
        if self_crossings(g, MAX_REPAIR_CROSSINGS) > MAX_REPAIR_CROSSINGS:
            return (
                None,
                False,
                (
                    f"feature {i}: invalid ({reason.split('[')[0]}), and its outline crosses "
                    f"itself more than {MAX_REPAIR_CROSSINGS} times: repairing it would take "
                    "too long and too much memory; redraw it as a polygon whose outline "
                    "does not cross itself"
                ),
            )
        g = polygonal(shapely.make_valid(g))
        if g.is_empty:
            return (
                None,
                False,
                (
                    f"feature {i}: invalid ({reason}) and cannot be repaired into "
                    "a polygon; redraw it"
                ),
            )
        repaired = True
    poly = polygonal(g)
    if poly.is_empty:
        return (
            None,
            False,
            (
                f"feature {i}: a {g.geom_type} is not an area; draw a polygon, or "
                "use freeze_zone for a circle around a point"
            ),
        )
    return poly, repaired, None


def repair_features(
    geoms: Iterable[BaseGeometry | None],
) -> tuple[list[BaseGeometry | None], list[bool], list[str]]:
    """Return each feature as a polygon (repaired if invalid), and the problems of the rest.

    An invalid feature is repaired with :func:`shapely.make_valid` unless its
    outline crosses itself more than :data:`MAX_REPAIR_CROSSINGS` times; what
    is not an area (or becomes none) is refused.

    Returns
    -------
    tuple
        The polygons (``None`` where refused), whether each was repaired, and
        one problem per refused feature (``"feature <i>: ..."``).

    Examples
    --------
    >>> bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, repaired, problems = repair_features([bowtie, shapely.Point(0, 0)])
    >>> fixed[0].area, repaired, problems
    (2.0, [True, False], ['feature 1: a Point is not an area; draw a polygon, or use freeze_zone for a circle around a point'])
    """
    fixed: list[BaseGeometry | None] = []
    repaired: list[bool] = []
    problems: list[str] = []
    for i, g in enumerate(geoms):
        poly, was_repaired, problem = _repair(i, g)
        fixed.append(poly)
        repaired.append(was_repaired)
        if problem is not None:
            problems.append(problem)
    return fixed, repaired, problems
