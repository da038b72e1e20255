"""Who holds the ground: a control surface from community points or polygons, and its uses.

The Syria Conflict Mapping Project gives the controlling actor of about 5,600
communities, as points. The **control surface** gives every location the actor
of its nearest community within ``max_km`` (:data:`~safezones.defaults.DEFAULT_CONTROL_MAX_KM`),
else ``unknown``: the Voronoi cell of each community, cut to a disc of
``max_km`` around it, so the polygons (:meth:`ControlSurface.polygons`) and the
point rule (:meth:`ControlSurface.actor_at`) agree (to within metres of the
edges: the discs are 64-sided polygons). At an equal distance from two
communities the one listed first wins; of communities at the same place, the
first is kept. A user's polygon layer is used as given (land outside every
polygon is ``unknown``); where its polygons overlap, the layer's first row
wins, in both the point rule and the polygons.

Uses:

- :func:`zone_control`: each zone's share of area and of population held by
  each actor of :data:`~safezones.schema.ACTORS` (the shares of a zone add up to 1);
- :func:`cut_zones`: zones cut to the land not held by named actors
  (``control.exclude_held_by``);
- :func:`crossings`: the number of changes of controlling actor along straight
  lines (front lines crossed on the way to a zone); ``unknown`` stretches do
  not count as a change.

Everything works in PROJECT_CRS (metres).

Examples
--------
Two communities 10 km apart, one government, one opposition, 6 km reach:

>>> import geopandas as gpd
>>> from safezones.crs import PROJECT_CRS
>>> pts = gpd.GeoDataFrame({"actor": ["government", "opposition"]},
...     geometry=gpd.points_from_xy([0.0, 10_000.0], [0.0, 0.0]), crs=PROJECT_CRS)
>>> s = surface_from_points(pts, max_km=6.0, label="toy")
>>> [ACTORS[c] for c in s.actor_at(np.array([[1000.0, 0.0], [9000.0, 0.0], [0.0, 8000.0]]))]
['government', 'opposition', 'unknown']
>>> crossings(np.array([[0.0, 0.0]]), np.array([[10_000.0, 0.0]]), s, step_km=1.0).tolist()
[1]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones.crs import PROJECT_CRS, to_metric
from safezones.defaults import CONTROL_STEP_KM, DEFAULT_CONTROL_MAX_KM
from safezones.errors import SafeZonesError
from safezones.model.population import covered_fraction
from safezones.schema import ACTORS

__all__ = [
    "ACTORS",
    "UNKNOWN",
    "ControlSurface",
    "actor_codes",
    "cell_crossings",
    "choose_snapshot",
    "crossings",
    "cut_zones",
    "majority_actor",
    "share_columns",
    "surface_from_points",
    "surface_from_polygons",
    "zone_control",
]

#: The code of ``unknown`` in :data:`ACTORS`.
UNKNOWN = ACTORS.index("unknown")


def share_columns() -> list[str]:
    """Return the per-zone control columns, in output order: ``share_area_<actor>``, then population."""
    return [f"share_area_{a}" for a in ACTORS] + [f"share_population_{a}" for a in ACTORS]


def actor_codes(names: Any) -> np.ndarray:
    """Return the codes (index in :data:`ACTORS`) of actor names; refuse a name not in ACTORS."""
    lookup = {a: i for i, a in enumerate(ACTORS)}
    values = [str(v) for v in np.asarray(names, dtype=object)]
    bad = sorted({v for v in values if v not in lookup})
    if bad:
        raise SafeZonesError(f"unknown actors {bad}; give one of {', '.join(ACTORS)}")
    return np.array([lookup[v] for v in values], dtype=np.int8)


@dataclass(frozen=True)
class ControlSurface:
    """The actor holding each location at one snapshot.

    Attributes
    ----------
    label
        What the surface is, as outputs cite it ("Syria Conflict Mapping Project, late 2014").
    snapshot
        The snapshot used ("2015", or a user layer's date).
    max_km
        Land farther than this from every community is ``unknown`` (points only).
    note
        Why this snapshot, when the window has none of its own; "" otherwise.
    """

    label: str
    snapshot: str
    max_km: float
    note: str = ""
    xy: np.ndarray | None = None  # (N, 2) community points, PROJECT_CRS
    codes: np.ndarray | None = None  # (N,) their actor codes
    given: gpd.GeoDataFrame | None = None  # a user's polygons (actor, geometry), PROJECT_CRS
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def _tree(self) -> Any:
        if "tree" not in self._cache:
            from scipy.spatial import cKDTree  # lazily: import safezones stays fast

            self._cache["tree"] = cKDTree(self.xy)
        return self._cache["tree"]

    def actor_at(self, xy: np.ndarray) -> np.ndarray:
        """Return the actor codes ``(M,)`` at the locations ``xy`` ``(M, 2)`` (PROJECT_CRS metres).

        Points: the actor of the nearest community within ``max_km`` (at an equal
        distance, the community listed first), else ``unknown``. Polygons: the
        actor of the first row of the layer covering the location, else ``unknown``.
        """
        pts = np.asarray(xy, dtype=float).reshape(-1, 2)
        out = np.full(len(pts), UNKNOWN, dtype=np.int8)
        if not len(pts):
            return out
        if self.given is not None:
            geoms = self.given.geometry.to_numpy()
            tree = self._cache.setdefault("strtree", shapely.STRtree(geoms))
            pi, gi = tree.query(shapely.points(pts), predicate="intersects")
            first = np.full(len(pts), len(geoms), dtype=np.int64)
            np.minimum.at(first, pi, gi)  # the first row wins where polygons overlap
            hit = first < len(geoms)
            out[hit] = self.given_codes()[first[hit]]
            return out
        assert self.xy is not None and self.codes is not None
        if not len(self.xy):
            return out
        k = min(2, len(self.xy))
        d, i = self._tree().query(pts, k=k, distance_upper_bound=self.max_km * 1000.0)
        d, i = d.reshape(len(pts), k), i.reshape(len(pts), k)
        near = np.isfinite(d[:, 0])
        best = i[:, 0].copy()
        if k == 2:  # an exact tie: the community listed first
            tie = near & (d[:, 1] == d[:, 0])
            best[tie] = np.minimum(i[tie, 0], i[tie, 1])
        out[near] = self.codes[best[near]]
        return out

    def polygons(self) -> gpd.GeoDataFrame:
        """Return the surface as one (multi)polygon per actor of ACTORS, clipped to Syria (PROJECT_CRS).

        The parts partition Syria: their areas add up to Syria's, and they do not overlap.
        """
        if "polygons" in self._cache:
            out_: gpd.GeoDataFrame = self._cache["polygons"]
            return out_
        syria = data.syria(crs="metric")
        if self.given is not None:
            pieces, codes = _first_row_wins(self.given.geometry.to_numpy()), self.given_codes()
            whole = np.zeros(len(pieces), dtype=bool)
        else:
            assert self.xy is not None and self.codes is not None
            pieces, whole = _reach_cells(self.xy, self.max_km * 1000.0, syria)
            codes = self.codes
        held = [
            shapely.intersection(_union(pieces[codes == k], whole[codes == k]), syria)
            for k in range(UNKNOWN)
        ]
        # a partition either way: earlier actors win any sliver left where parts touch
        clean: list[Any] = []
        taken = shapely.Polygon()
        for g in held:
            piece = shapely.difference(g, taken)
            clean.append(piece)
            taken = shapely.union(taken, piece)
        clean.append(shapely.difference(syria, taken))
        out = gpd.GeoDataFrame({"actor": list(ACTORS)}, geometry=clean, crs=PROJECT_CRS)
        self._cache["polygons"] = out
        return out

    def given_codes(self) -> np.ndarray:
        """Return the actor codes of a user layer's rows (an empty array for points)."""
        if self.given is None:
            return np.zeros(0, dtype=np.int8)
        if "given_codes" not in self._cache:
            self._cache["given_codes"] = actor_codes(self.given["actor"].to_numpy())
        got: np.ndarray = self._cache["given_codes"]
        return got


#: Segments of the discs cut around communities, per quarter circle (64-gons).
_QUAD_SEGS = 16


def _union(parts: np.ndarray, whole: np.ndarray) -> Any:
    """Return the union of non-overlapping parts; the ``whole`` Voronoi cells, a coverage, fast."""
    rest = list(parts[~whole])
    if whole.any():
        rest.append(shapely.coverage_union_all(parts[whole]))
    return shapely.union_all(rest) if rest else shapely.Polygon()


def _reach_cells(xy: np.ndarray, reach: float, clip: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return each community's Voronoi cell cut to a disc of ``reach`` metres, and which are whole.

    Most cells lie wholly inside their disc and are kept as they are (a coverage,
    unioned fast); only the others are intersected with it.
    """
    cells = _voronoi(xy, clip)
    coords, idx = shapely.get_coordinates(cells, return_index=True)
    far = np.zeros(len(xy))
    np.maximum.at(far, idx, np.hypot(*(coords - xy[idx]).T))
    inside = far <= reach * np.cos(np.pi / (4 * _QUAD_SEGS)) * (1 - 1e-9)  # within the 64-gon
    out = cells.copy()
    cut = ~inside
    discs = shapely.buffer(shapely.points(xy[cut]), reach, quad_segs=_QUAD_SEGS)
    out[cut] = shapely.intersection(cells[cut], discs)
    return out, inside


def _first_row_wins(geoms: np.ndarray) -> np.ndarray:
    """Return each polygon less the earlier rows' polygons it overlaps."""
    tree = shapely.STRtree(geoms)
    gi, gj = tree.query(geoms, predicate="intersects")
    earlier = gj < gi
    out = np.array(geoms, dtype=object)
    for i in np.unique(gi[earlier]):
        out[i] = shapely.difference(geoms[i], shapely.union_all(geoms[gj[earlier & (gi == i)]]))
    return out


def _voronoi(xy: np.ndarray, clip: Any) -> np.ndarray:
    """Return the Voronoi cell of each point, in the points' order."""
    pts = shapely.points(xy)
    env = shapely.envelope(shapely.union(clip, shapely.multipoints(pts))).buffer(1000.0)
    regions = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=env, ordered=True)
    )
    if len(regions) == len(pts) and bool(np.all(shapely.intersects(regions, pts))):
        return np.asarray(regions)
    tree = shapely.STRtree(regions)  # pragma: no cover - ordered output is the norm
    pi, ri = tree.query(pts, predicate="intersects")
    out = np.empty(len(pts), dtype=object)
    out[pi] = regions[ri]
    return out


def surface_from_points(
    points: gpd.GeoDataFrame,
    *,
    max_km: float = DEFAULT_CONTROL_MAX_KM,
    label: str,
    snapshot: str = "",
    note: str = "",
) -> ControlSurface:
    """Make a control surface from community points with an ``actor`` column (nearest within ``max_km``).

    Of communities at the same place, the first listed is kept (the rule of ties).
    """
    if not np.isfinite(max_km) or max_km <= 0:
        raise SafeZonesError(f"max_km must be > 0, got {max_km!r}")
    m = to_metric(points, what="control")
    geoms = m.geometry.to_numpy()
    bad = np.flatnonzero((shapely.get_type_id(geoms) != 0) | shapely.is_empty(geoms))
    if len(bad):
        raise SafeZonesError(
            f"control points: rows {bad[:10].tolist()} are not points; give one point per community"
        )
    codes = actor_codes(m["actor"].to_numpy())
    xy = shapely.get_coordinates(geoms)
    _, first = np.unique(xy, axis=0, return_index=True)
    keep = np.sort(first)
    return ControlSurface(
        label=label, snapshot=snapshot, max_km=float(max_km), note=note, xy=xy[keep],
        codes=codes[keep],
    )  # fmt: skip


def surface_from_polygons(
    polygons: gpd.GeoDataFrame, *, label: str, snapshot: str = "", note: str = ""
) -> ControlSurface:
    """Make a control surface from polygons with an ``actor`` column (outside them: ``unknown``)."""
    m = to_metric(polygons, what="control")
    actor_codes(m["actor"].to_numpy())  # refuse unknown names
    given = gpd.GeoDataFrame({"actor": m["actor"].astype(str).to_numpy()},
                             geometry=shapely.make_valid(m.geometry.to_numpy()), crs=m.crs)  # fmt: skip
    return ControlSurface(label=label, snapshot=snapshot, max_km=0.0, note=note, given=given)


def zone_control(
    zones: gpd.GeoDataFrame, surface: ControlSurface, cells: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Return each zone's share of area and of population held by each actor (:func:`share_columns`).

    Population is the cells' ``pop_central``, shared by the area of each cell
    inside each part (the cells' people are spread evenly within a cell). A zone
    without people has population shares of 0.
    """
    zm = to_metric(zones, what="zones").geometry.to_numpy()
    polys = surface.polygons().geometry.to_numpy()
    cm = to_metric(cells, what="population")
    cgeom = cm.geometry.to_numpy()
    pop = cm["pop_central"].to_numpy(dtype=float)
    tree = shapely.STRtree(cgeom)
    area = np.zeros((len(zm), len(ACTORS)))
    people = np.zeros((len(zm), len(ACTORS)))
    for k, poly in enumerate(polys):
        parts = shapely.intersection(zm, poly)
        area[:, k] = shapely.area(parts) / 1e6
        zi, ci = tree.query(parts, predicate="intersects")
        if len(zi):
            frac = covered_fraction(parts, cgeom, zi, ci)
            people[:, k] = np.bincount(zi, pop[ci] * frac, len(zm))
    out = pd.DataFrame(index=zones.index)
    for name, values in (("area", area), ("population", people)):
        tot = values.sum(axis=1, keepdims=True)
        share = np.divide(values, tot, out=np.zeros_like(values), where=tot > 0)
        for k, a in enumerate(ACTORS):
            out[f"share_{name}_{a}"] = share[:, k]
    return out


def cut_zones(
    zones: gpd.GeoDataFrame, surface: ControlSurface, exclude: tuple[str, ...]
) -> gpd.GeoDataFrame:
    """Return the zones cut to the land not held by ``exclude``; ``area_before_cut_km2`` keeps the uncut area.

    Zones keep their rows (an emptied zone has an empty geometry and area 0), in
    their CRS; ``area_km2``, when present, becomes the cut area. Excluding
    ``unknown`` also drops any sliver outside Syria (the polygons cover Syria only).
    """
    actor_codes(list(exclude))  # refuse unknown names
    out = zones.copy()
    m = to_metric(zones, what="zones").geometry.to_numpy()
    out["area_before_cut_km2"] = shapely.area(m) / 1e6
    if not exclude:
        return out
    polys = surface.polygons()
    out_ = polys["actor"].isin(exclude).to_numpy()
    if "unknown" in exclude:  # land outside Syria, which the polygons leave out, is unknown
        cut = shapely.intersection(m, shapely.union_all(polys.geometry[~out_].to_numpy()))
    else:
        cut = shapely.difference(m, shapely.union_all(polys.geometry[out_].to_numpy()))
    out[out.geometry.name] = gpd.GeoSeries(cut, index=out.index, crs=PROJECT_CRS).to_crs(zones.crs)
    if "area_km2" in out.columns:
        out["area_km2"] = shapely.area(cut) / 1e6
    return out


def crossings(
    start: np.ndarray,
    end: np.ndarray,
    surface: ControlSurface,
    *,
    step_km: float = CONTROL_STEP_KM,
) -> np.ndarray:
    """Count the changes of controlling actor along each straight line ``start[i]`` to ``end[i]``.

    Points are sampled every ``step_km`` (both ends included); ``unknown``
    samples are skipped, so a line from government ground across unmapped desert
    back to government ground crosses nothing.
    """
    a = np.asarray(start, dtype=float).reshape(-1, 2)
    b = np.asarray(end, dtype=float).reshape(-1, 2)
    n = len(a)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    length = np.hypot(*(b - a).T)
    steps = np.maximum(np.ceil(length / (step_km * 1000.0)).astype(np.int64), 1)
    seg = np.repeat(np.arange(n), steps + 1)
    first = np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)
    t = (np.arange(len(seg)) - first) / steps[seg]
    pts = a[seg] + (b[seg] - a[seg]) * t[:, None]
    codes = surface.actor_at(pts)
    known = codes != UNKNOWN
    seg, codes = seg[known], codes[known]
    change = np.zeros(len(seg), dtype=bool)
    change[1:] = (seg[1:] == seg[:-1]) & (codes[1:] != codes[:-1])
    return np.bincount(seg[change], minlength=n).astype(np.int64)


def cell_crossings(
    points: np.ndarray,
    zone: Any,
    surface: ControlSurface,
    *,
    mask: np.ndarray | None = None,
    step_km: float = CONTROL_STEP_KM,
) -> np.ndarray:
    """Control changes along the straight line from each point to the nearest point of ``zone``.

    ``points`` are shapely points and ``zone`` a geometry, both in PROJECT_CRS;
    only the points where ``mask`` is True are measured (the others, and points
    inside the zone, get 0).
    """
    pts = np.asarray(points, dtype=object)
    out = np.zeros(len(pts), dtype=np.int64)
    todo = np.ones(len(pts), dtype=bool) if mask is None else np.asarray(mask, dtype=bool).copy()
    if not todo.any() or zone is None or shapely.is_empty(zone):
        return out
    idx = np.flatnonzero(todo)
    lines = shapely.shortest_line(pts[idx], zone)
    ends = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    out[idx] = crossings(ends[:, 0], ends[:, 1], surface, step_km=step_km)
    return out


def majority_actor(codes: np.ndarray, weight: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Return the actor holding most of each group's weight (``unknown`` for a group without weight).

    Equal weights: the actor first in :data:`ACTORS` wins.

    Examples
    --------
    >>> majority_actor(np.array([0, 1, 1]), np.array([5.0, 2.0, 2.0]), np.array([0, 0, 1]), 3).tolist()
    [0, 1, 4]
    """
    w = np.zeros((n, len(ACTORS)))
    np.add.at(w, (np.asarray(group), np.asarray(codes, dtype=np.int64)), np.asarray(weight, float))
    out = np.where(w.sum(axis=1) > 0, w.argmax(axis=1), UNKNOWN)
    return np.asarray(out, dtype=np.int8)


def choose_snapshot(
    dates: dict[str, pd.Timestamp], requested: str | None, window_end: pd.Timestamp
) -> tuple[str, str]:
    """Return the snapshot to use and a note: the requested one, else the nearest the window's end.

    ``dates`` maps each snapshot to the date it shows. Equally near two, the
    earlier snapshot is taken. The note is "" when a snapshot is requested or the
    window's end is within a year of the chosen snapshot's date (the window has it
    as its own); otherwise it says which snapshot stands in, as the provenance and
    the memo report it.

    Examples
    --------
    >>> d = {"2014": pd.Timestamp("2014-01-01"), "2015": pd.Timestamp("2015-01-01")}
    >>> choose_snapshot(d, None, pd.Timestamp("2014-12-31"))
    ('2015', '')
    >>> choose_snapshot(d, None, pd.Timestamp("2019-12-31"))[1]
    'the window ends on 2019-12-31, 5 years after the latest control snapshot (2015, 2015-01-01): it is used as the nearest'
    """
    if requested is not None:
        if requested not in dates:
            raise SafeZonesError(
                f"no control snapshot {requested!r}; the layer has {', '.join(map(repr, dates))}"
            )
        return requested, ""
    if not dates:
        raise SafeZonesError("the control layer has no snapshot")
    key = min(dates, key=lambda k: (abs((dates[k] - window_end).total_seconds()), dates[k], k))
    gap = (window_end - dates[key]).days / 365.25
    if abs(gap) <= 1.0:
        return key, ""
    if gap > 0:
        where = "after the latest" if dates[key] == max(dates.values()) else "after the"
    else:
        where = "before the earliest" if dates[key] == min(dates.values()) else "before the"
    years = f"{abs(gap):.0f} year{'' if round(abs(gap)) == 1 else 's'}"
    return key, (
        f"the window ends on {window_end.date()}, {years} {where} control "
        f"snapshot ({key}, {dates[key].date()}): it is used as the nearest"
    )
