"""Overlays of strike events: events per zone, strike intensity per unit or point.

Each function takes zones (a GeoDataFrame with a CRS, e.g. from
:func:`safezones.zone_set`) and a layer, works in PROJECT_CRS, and returns a
DataFrame index-aligned with the zones. Population per zone is in
:mod:`safezones.model.population`.

Examples
--------
>>> import safezones as sz
>>> zones = sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15))
>>> ev = sz.events_in_zones(zones, sz.data.events(), start=2014, end=2014)
>>> int(ev.events.iloc[0]) > 500
True
"""

from __future__ import annotations

import hashlib
import math
from functools import cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones.crs import to_metric
from safezones.errors import GeometryError, SafeZonesError
from safezones.model.geometry import BUFFER_QUAD_SEGS
from safezones.model.selection import (
    DEATH_COLUMNS,
    Imprecise,
    event_weights,
    event_xy,
    select_events,
)
from safezones.schema import DateLike

__all__ = [
    "SPREAD_UNITS",
    "actor_events",
    "events_in_zones",
    "kernel_intensity",
    "strike_intensity",
    "zones_metric",
]

#: Precision class -> the bundled units an imprecise event is spread over.
SPREAD_UNITS: dict[int, str] = {3: "districts", 4: "governorates"}
#: Above this many zones, points are matched through a spatial index on the
#: zones; below it, zone by zone (bounding box, then a prepared polygon).
_MANY_ZONES = 64


def zones_metric(zones: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Return the zones' geometries in PROJECT_CRS; refuse what is not a layer with a CRS.

    Examples
    --------
    >>> import safezones as sz
    >>> zones_metric(sz.freeze_zone("Aleppo", radius_km=15)).crs == sz.PROJECT_CRS
    True
    """
    if not isinstance(zones, gpd.GeoDataFrame | gpd.GeoSeries):
        raise SafeZonesError(f"zones must be a GeoDataFrame, not {type(zones).__name__}")
    return to_metric(zones, what="zones").geometry


def events_in_zones(
    zones: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    buffer_km: float = 0.0,
    max_precision: int | None = None,
    imprecise: Imprecise = "spread",
    weight: str = "count",
) -> pd.DataFrame:
    """Count events and deaths inside each zone (plus a buffer), in a time window.

    Parameters
    ----------
    zones
        Zone polygons with a CRS.
    events
        Points with a CRS and the columns ``deaths_total`` and
        ``deaths_civilians``; for a window, ``date_start`` and ``date_end`` (or
        ``year``). The readers in :mod:`safezones.io.sources` and
        :func:`safezones.data.events` give this schema.
    start, end
        Window bounds: a year (``2014`` means 1 January or 31 December) or a
        date. An event counts only when its whole date range lies inside the
        window, so a year-only event counts only when the window covers its
        whole year.
    buffer_km
        Also count events within this distance outside each zone (the zone is
        grown by a buffer, which may reach beyond Syria).
    max_precision
        Drop events whose location precision class is coarser than this (1
        exact place, 2 within about 25 km, 3 district, 4 governorate; see
        :data:`safezones.io.sources.PRECISION_CLASSES`).
    imprecise
        What to do with the remaining events located only to a district or
        governorate (classes 3-4, e.g. UCDP where_prec 3-4, ACLED
        geo_precision 3), which are coarser than a zone:

        - ``"spread"`` (default): spread the event evenly over the area of the
          bundled district (class 3) or governorate (class 4) that holds its
          point, so a zone covering a fifth of that unit receives a fifth of
          the event and of its deaths;
        - ``"exclude"``: leave them out;
        - ``"point"``: count them at their recorded point (usually the unit's
          centre), as a naive overlay does.
    weight
        ``"count"``: every event weighs 1. Otherwise a numeric column of
        ``events`` (e.g. ``"weight"`` from :func:`safezones.io.sources.read_points`)
        whose values are summed in ``events`` instead. Deaths are never weighted.

    Returns
    -------
    pandas.DataFrame
        Index of ``zones``; float columns ``events``, ``deaths_total``,
        ``deaths_civilians`` (fractional when events are spread) and
        ``events_per_1000km2_year``: events per 1,000 km2 of the counting area
        (zone plus buffer) per year of the window (of the events' own date
        span when the window is open). Points on a zone's edge count as inside.
        ``attrs`` records the events used, excluded (by window, precision) and
        spread, and the window.

    Examples
    --------
    >>> import safezones as sz
    >>> z = sz.zone_set(sz.freeze_zone("Ar Raqqah", radius_km=10))
    >>> seed = sz.data.seed_facts().events
    >>> got = sz.events_in_zones(z, seed.assign(deaths_total=seed.killed_min,
    ...                                   deaths_civilians=seed.civilians_killed_min,
    ...                                   date_start=seed.date, date_end=seed.date),
    ...                    start="2014-11-01", end="2014-11-30")
    >>> got[["events", "deaths_total", "deaths_civilians"]].values.tolist()
    [[1.0, 63.0, 36.0]]
    """
    zm = zones_metric(zones)
    buffer_m = _buffer_m(buffer_km)
    region = zm.buffer(buffer_m, quad_segs=BUFFER_QUAD_SEGS) if buffer_m > 0 else zm
    sums, meta = _event_sums(
        region.to_numpy(), events, start=start, end=end, max_precision=max_precision,
        imprecise=imprecise, weight=weight,
    )  # fmt: skip
    area = shapely.area(region.to_numpy()) / 1e6
    out = pd.DataFrame(sums, index=zones.index)
    out["events_per_1000km2_year"] = _density(out["events"].to_numpy(), area, meta["years"])
    out.attrs.update(meta)
    out.attrs["buffer_km"] = float(buffer_km)
    return out


def actor_events(
    zones: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame,
    actors: tuple[str, ...] | list[str],
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    max_precision: int | None = None,
    imprecise: Imprecise = "spread",
    weight: str = "count",
) -> pd.DataFrame:
    """Count each actor's events inside each zone, in a time window: ``(zones, actors)``.

    The same events, window, precision and spreading as :func:`events_in_zones`
    (one spatial pass for every actor): column ``a`` is what ``events_in_zones``
    gives on the events whose ``by_<a>`` column is True
    (:func:`safezones.model.threat.attribute_events`). An event of two actors
    counts for both.

    Examples
    --------
    >>> import safezones as sz
    >>> from safezones.model.threat import attribute_events
    >>> z = sz.zone_set(sz.freeze_zone("Ar Raqqah", radius_km=15))
    >>> ev = attribute_events(sz.data.events())
    >>> by = actor_events(z, ev, ["government", "islamic_state"], start=2014, end=2014)
    >>> bool(by.islamic_state.iloc[0] > by.government.iloc[0] > 0)
    True
    """
    missing = [f"by_{a}" for a in actors if f"by_{a}" not in events.columns]
    if missing:
        raise SafeZonesError(
            f"the events have no columns {missing}: attribute them first "
            "(safezones.model.threat.attribute_events)"
        )
    extra = {a: events[f"by_{a}"].to_numpy(dtype=float) for a in actors}
    sums, _ = _event_sums(
        zones_metric(zones).to_numpy(), events, start=start, end=end,
        max_precision=max_precision, imprecise=imprecise, weight=weight, extra=extra,
    )  # fmt: skip
    return pd.DataFrame({a: sums[f"extra:{a}"] for a in actors}, index=zones.index)


def strike_intensity(
    units: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    max_precision: int | None = None,
    imprecise: Imprecise = "spread",
    weight: str = "count",
) -> pd.DataFrame:
    """Measure strike intensity per admin unit or grid cell, the input of hazard classes.

    Parameters
    ----------
    units
        Polygons with a CRS: admin units (e.g. :func:`safezones.data.districts`)
        or grid cells (:func:`safezones.data.population_grid`). With a
        ``pop_central`` column, deaths per 100,000 residents are given too.
    events, start, end, max_precision, imprecise, weight
        As in :func:`events_in_zones` (without a buffer).

    Returns
    -------
    pandas.DataFrame
        Index of ``units``: ``area_km2``, ``years`` (length of the window),
        ``events``, ``deaths_total``, ``deaths_civilians``,
        ``events_per_1000km2_year``, ``deaths_per_1000km2_year`` and, with
        populations, ``deaths_per_100k_year`` (NaN where nobody lives).

    Examples
    --------
    >>> import safezones as sz
    >>> si = sz.strike_intensity(sz.data.governorates(), sz.data.events(),
    ...                          start=2014, end=2014)
    >>> float(si.years.iloc[0]), bool(si.events.sum() > 10_000)
    (1.0, True)
    """
    um = zones_metric(units)
    geoms = um.to_numpy()
    kinds = shapely.get_type_id(geoms)
    if not np.isin(kinds, (3, 6)).all():
        raise GeometryError("units must be polygons (admin units or grid cells)")
    sums, meta = _event_sums(
        geoms, events, start=start, end=end, max_precision=max_precision,
        imprecise=imprecise, weight=weight,
    )  # fmt: skip
    area = shapely.area(geoms) / 1e6
    out = pd.DataFrame({"area_km2": area, "years": meta["years"]}, index=units.index)
    for col, vals in sums.items():
        out[col] = vals
    out["events_per_1000km2_year"] = _density(out["events"].to_numpy(), area, meta["years"])
    out["deaths_per_1000km2_year"] = _density(out["deaths_total"].to_numpy(), area, meta["years"])
    if "pop_central" in units.columns:
        pop = pd.to_numeric(units["pop_central"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = out["deaths_total"].to_numpy() / pop * 1e5 / meta["years"]
        out["deaths_per_100k_year"] = np.where(pop > 0, rate, np.nan)
    out.attrs.update(meta)
    return out


def kernel_intensity(
    points: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame,
    *,
    radius_km: float = 10.0,
    start: DateLike | None = None,
    end: DateLike | None = None,
    max_precision: int | None = None,
    imprecise: Imprecise = "spread",
    weight: str = "count",
) -> pd.DataFrame:
    """Measure strike intensity around each point (e.g. population cell), smoothed over a disc.

    Events within ``radius_km`` of a point count, divided by the part of the
    disc inside Syria (so places near a border are not diluted by the empty
    side) and by the window's years. Imprecise events follow ``imprecise`` as
    in :func:`events_in_zones`: with ``"spread"`` each adds its unit's average
    density (one event over the unit's area) to every point in the unit.

    Returns
    -------
    pandas.DataFrame
        Index of ``points``: ``events`` (weighted count within the radius,
        spread events as their share of the disc) and
        ``events_per_1000km2_year``. ``attrs`` as in :func:`events_in_zones`.

    Examples
    --------
    >>> import safezones as sz
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([37.16, 40.0], [36.20, 35.0]),
    ...                        crs="EPSG:4326")  # Aleppo, and the desert south of Deir ez-Zor
    >>> k = kernel_intensity(pts, sz.data.events(), start=2014, end=2014)
    >>> bool(k.events_per_1000km2_year.iloc[0] > 10 * k.events_per_1000km2_year.iloc[1])
    True
    """
    from scipy.spatial import cKDTree  # lazily: import safezones stays quick

    r_m = _buffer_m(radius_km)
    if r_m <= 0:
        raise SafeZonesError(f"radius_km must be > 0, got {radius_km!r}")
    sel = select_events(
        events, start=start, end=end, max_precision=max_precision, imprecise=imprecise,
        weight=weight,
    )  # fmt: skip
    pm = to_metric(points, what="points").geometry
    pts = pm.representative_point() if not pm.geom_type.eq("Point").all() else pm
    px, py = pts.x.to_numpy(), pts.y.to_numpy()
    w = event_weights(events, weight)
    x, y = event_xy(events)
    n = len(px)
    counts: np.ndarray = np.zeros(n)
    idx = np.flatnonzero(sel.point)
    if len(idx) and n:
        near = cKDTree(np.column_stack([px, py])).sparse_distance_matrix(
            cKDTree(np.column_stack([x[idx], y[idx]])), r_m, output_type="coo_matrix"
        )
        counts = np.bincount(near.row, weights=w[idx][near.col], minlength=n)
    # the disc's area inside Syria: exact near the border, full elsewhere
    syria = data.syria(crs="metric")
    disc_km2 = np.full(n, math.pi * (r_m / 1000.0) ** 2)
    xy = shapely.points(px, py)
    edge = np.flatnonzero(shapely.distance(xy, syria.boundary) < r_m)
    if len(edge):
        discs = shapely.buffer(xy[edge], r_m, quad_segs=BUFFER_QUAD_SEGS)
        disc_km2[edge] = np.maximum(shapely.area(shapely.intersection(discs, syria)) / 1e6, 1e-9)
    years = sel.meta["years"]
    density = counts / (disc_km2 / 1000.0) / years
    sidx = np.flatnonzero(sel.spread)
    spread_events = np.zeros(n)
    for cls, level in SPREAD_UNITS.items():
        chosen = sidx[sel.prec[sidx] == cls]
        if not len(chosen):
            continue
        units, uarea = _units(level)
        ui, ej = _points_in_regions(units, x[chosen], y[chosen])
        per_unit = np.bincount(ui, weights=w[chosen][ej], minlength=len(units))
        pu, pi = _points_in_regions(units, px, py)
        unit_density = np.divide(
            per_unit, uarea / 1e6, out=np.zeros(len(units)), where=uarea > 0
        )  # events per km2
        add = np.zeros(n)
        add[pi[::-1]] = unit_density[pu[::-1]]  # a point on a shared edge takes one unit
        density += add * 1000.0 / years
        spread_events += add * disc_km2
    out = pd.DataFrame(
        {"events": counts + spread_events, "events_per_1000km2_year": density},
        index=points.index,
    )
    out.attrs.update(sel.meta)
    out.attrs["radius_km"] = float(radius_km)
    return out


def _buffer_m(buffer_km: float) -> float:
    """Return a buffer (or radius) in metres; refuse a negative or non-finite one."""
    try:
        b = float(buffer_km)
    except (TypeError, ValueError):
        raise SafeZonesError(f"buffer_km must be a number of km, got {buffer_km!r}") from None
    if not math.isfinite(b) or b < 0:
        raise SafeZonesError(f"buffer_km must be >= 0 and finite, got {buffer_km!r}")
    return b * 1000.0


def _density(values: np.ndarray, area_km2: np.ndarray, years: float) -> np.ndarray:
    """Return ``values`` per 1,000 km2 per year (NaN where the area is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area_km2 > 0, values / (area_km2 / 1000.0) / years, np.nan)


def _event_sums(
    regions: np.ndarray,
    events: gpd.GeoDataFrame,
    *,
    start: DateLike | None,
    end: DateLike | None,
    max_precision: int | None,
    imprecise: Imprecise,
    weight: str,
    extra: dict[str, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Weighted event and death sums per region (PROJECT_CRS polygons).

    ``extra`` maps names to per-event factors: ``sums["extra:<name>"]`` is the
    weighted count of the events times that factor (each actor's events).
    """
    sel_ = select_events(
        events, start=start, end=end, max_precision=max_precision, imprecise=imprecise,
        weight=weight,
    )  # fmt: skip
    point, spread, prec = sel_.point, sel_.spread, sel_.prec
    w = event_weights(events, weight)
    deaths = {
        c: pd.to_numeric(events[c], errors="coerce").to_numpy(dtype=float) for c in DEATH_COLUMNS
    }
    for name, factor in (extra or {}).items():
        deaths[f"extra:{name}"] = w * factor  # summed like deaths: unweighted columns
    cols = list(deaths)
    x, y = event_xy(events)
    n_reg = len(regions)
    sums = {"events": np.zeros(n_reg), **{c: np.zeros(n_reg) for c in cols}}
    idx = np.flatnonzero(point)
    if len(idx):
        zi, ej = _points_in_regions(regions, x[idx], y[idx])
        ei = idx[ej]
        sums["events"] += np.bincount(zi, weights=w[ei], minlength=n_reg)
        for c in cols:
            sums[c] += np.bincount(zi, weights=deaths[c][ei], minlength=n_reg)
    sidx = np.flatnonzero(spread)
    for cls, level in SPREAD_UNITS.items():
        sel = sidx[prec[sidx] == cls]
        if not len(sel):
            continue
        share, unit_of = _spread_shares(regions, level, x[sel], y[sel])
        n_units = share.shape[1]
        sums["events"] += share @ np.bincount(unit_of, weights=w[sel], minlength=n_units)
        for c in cols:
            per_unit = np.bincount(unit_of, weights=deaths[c][sel], minlength=n_units)
            sums[c] += share @ per_unit

    return sums, sel_.meta


def _points_in_regions(
    regions: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (region index, point index) of every point inside or on the edge of a region."""
    if len(regions) > _MANY_ZONES:
        tree = shapely.STRtree(regions)
        pi, zi = tree.query(shapely.points(x, y), predicate="intersects")
        return zi, pi
    zs, ps = [], []
    for i, geom in enumerate(regions):
        if geom is None or shapely.is_empty(geom):
            continue
        x0, y0, x1, y1 = shapely.bounds(geom)
        cand = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        if not len(cand):
            continue
        shapely.prepare(geom)
        hit = cand[shapely.intersects_xy(geom, x[cand], y[cand])]
        zs.append(np.full(len(hit), i))
        ps.append(hit)
    if not zs:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    return np.concatenate(zs), np.concatenate(ps)


@cache
def _units(level: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the bundled units clipped to Syria in PROJECT_CRS, and their areas."""
    layer = data.districts() if level == "districts" else data.governorates()
    geoms = shapely.intersection(to_metric(layer).geometry.to_numpy(), data.syria(crs="metric"))
    shapely.prepare(geoms)
    return geoms, shapely.area(geoms)


_UNIT_OF: dict[tuple[str, bytes], np.ndarray] = {}


def _unit_of(level: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the bundled unit holding each point (the nearest one for points just outside).

    Remembered for the last few point sets: a sweep overlays the same events
    on many zones.
    """
    key = (level, hashlib.blake2b(np.ascontiguousarray([x, y]).tobytes(), digest_size=16).digest())
    if key in _UNIT_OF:
        return _UNIT_OF[key]
    units, _ = _units(level)
    tree = shapely.STRtree(units)
    pts = shapely.points(x, y)
    pi, ui = tree.query(pts, predicate="intersects")
    unit_of = np.full(len(pts), -1)
    unit_of[pi[::-1]] = ui[::-1]  # first match wins
    lost = np.flatnonzero(unit_of < 0)
    if len(lost):  # a point just off the outline (coast, border): nearest unit
        unit_of[lost] = tree.query_nearest(pts[lost], return_distance=False, all_matches=False)[1]
    unit_of.flags.writeable = False
    if len(_UNIT_OF) >= 8:
        _UNIT_OF.pop(next(iter(_UNIT_OF)))
    _UNIT_OF[key] = unit_of
    return unit_of


_SHARE_ROWS: dict[tuple[str, bytes], np.ndarray] = {}
#: Most rows of unit shares kept (one per zone geometry and level): a sweep's zones.
_MAX_SHARE_ROWS = 512


def _spread_shares(
    regions: np.ndarray, level: str, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the unit holding each event, and the share of each unit inside each region.

    Returns ``share`` (regions x units) and ``unit_of`` (one unit index per event).
    Only the units holding events are measured (the others get 0). A region's
    row depends on its geometry and those units: it is kept for the next overlay
    of the same region (exposure and each actor's events of one zone, then the set).
    """
    units, _ = _units(level)
    unit_of = _unit_of(level, x, y)
    used = np.unique(unit_of)
    if len(regions) > _MANY_ZONES:  # admin units or grid cells: measured once, not kept
        return _share_matrix(regions, level, used), unit_of
    tag = used.tobytes()
    keys = [(level, hashlib.blake2b(shapely.to_wkb(g) + tag, digest_size=16).digest())
            for g in regions]  # fmt: skip
    got = {k: _SHARE_ROWS[k] for k in keys if k in _SHARE_ROWS}
    todo = [i for i, k in enumerate(keys) if k not in got]
    if todo:
        for i, row in zip(todo, _share_matrix(regions[todo], level, used), strict=True):
            row.flags.writeable = False
            got[keys[i]] = row
            if len(_SHARE_ROWS) >= _MAX_SHARE_ROWS:
                _SHARE_ROWS.pop(next(iter(_SHARE_ROWS)))
            _SHARE_ROWS[keys[i]] = row
    share = np.array([got[k] for k in keys]).reshape(len(regions), len(units))
    return share, unit_of


def _share_matrix(regions: np.ndarray, level: str, used: np.ndarray) -> np.ndarray:
    """Return the share of the bundled units ``used`` of ``level`` inside each region (regions x units)."""
    units, uarea = _units(level)
    share = np.zeros((len(regions), len(units)))
    if not len(regions):
        return share
    rtree = shapely.STRtree(regions)
    ui2, ri = rtree.query(units[used], predicate="intersects")
    u = used[ui2]
    whole_u, whole_r = rtree.query(units[used], predicate="contains_properly")
    inside = np.isin(u * len(regions) + ri, used[whole_u] * len(regions) + whole_r)
    inter = np.empty(len(u))
    inter[inside] = shapely.area(regions[ri[inside]])  # region wholly in the unit
    part = np.flatnonzero(~inside)
    if len(part):
        # clip the (large) unit to the region's box first: same result, far fewer vertices
        b = shapely.bounds(regions[ri[part]])
        near = np.array(
            [shapely.clip_by_rect(g, *bb) for g, bb in zip(units[u[part]], b, strict=True)],
            dtype=object,
        )
        # clip_by_rect may return invalid rings (its documented caveat): repair, then cut
        inter[part] = shapely.area(
            shapely.intersection(regions[ri[part]], shapely.make_valid(near))
        )
    share[ri, u] = np.divide(inter, uarea[u], out=np.zeros_like(inter), where=uarea[u] > 0)
    return share
