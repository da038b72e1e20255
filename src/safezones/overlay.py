"""Overlays: strike events and population per zone.

Each function takes zones (a GeoDataFrame with a CRS, e.g. from
:func:`safezones.zone_set`) and a layer, works in PROJECT_CRS, and returns a
DataFrame index-aligned with the zones.

Examples
--------
>>> import safezones as sz
>>> zones = sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15))
>>> ev = sz.events_in_zones(zones, sz.data.events(), start=2014, end=2014)
>>> int(ev.events.iloc[0]) > 500
True
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import DataError, SafeZonesError
from .crs import to_metric

__all__ = ["POPULATION_COLUMNS", "events_in_zones", "population_in_zones"]

#: Band columns of a population layer, and the resident columns they become.
POPULATION_COLUMNS = ("pop_low", "pop_central", "pop_high")
_EVENT_DEATH_COLUMNS = ("deaths_total", "deaths_civilians")

DateLike = int | str | dt.date | pd.Timestamp


def _as_timestamp(value: DateLike | None, *, end: bool, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise SafeZonesError(f"{what} must be a year or a date, got {value!r}")
    if isinstance(value, int | np.integer):
        if not 1900 <= int(value) <= 2100:
            raise SafeZonesError(f"{what}={value} is not a plausible year")
        return pd.Timestamp(int(value), 12, 31) if end else pd.Timestamp(int(value), 1, 1)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SafeZonesError(
            f"{what}={value!r} is not a date; give a year (2014) or an ISO date (2014-11-25)"
        ) from None
    if pd.isna(ts):
        raise SafeZonesError(f"{what} is missing (NaT); give a year or an ISO date")
    return ts


def _zones_metric(zones: gpd.GeoDataFrame) -> gpd.GeoSeries:
    if not isinstance(zones, gpd.GeoDataFrame | gpd.GeoSeries):
        raise SafeZonesError(f"zones must be a GeoDataFrame, not {type(zones).__name__}")
    return to_metric(zones, what="zones").geometry


def events_in_zones(
    zones: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
) -> pd.DataFrame:
    """Count events and deaths inside each zone, optionally in a time window.

    Parameters
    ----------
    zones
        Zone polygons with a CRS.
    events
        Points with a CRS and the columns ``deaths_total`` and
        ``deaths_civilians``; for a window, ``date_start`` and ``date_end`` (or
        ``year``), as in :func:`safezones.data.events`.
    start, end
        Window bounds: a year (``2014`` means 1 January or 31 December) or a
        date. An event counts only when its whole date range lies inside the
        window, so a year-only event counts in a window only when the window
        covers the full year.

    Returns
    -------
    pandas.DataFrame
        Index of ``zones``; columns ``events``, ``deaths_total``,
        ``deaths_civilians`` (integers). Points on a zone's edge count as inside.

    Examples
    --------
    >>> import safezones as sz
    >>> z = sz.zone_set(sz.freeze_zone("Ar Raqqah", radius_km=10))
    >>> seed = sz.data.seed_facts().events
    >>> sz.events_in_zones(z, seed.assign(deaths_total=seed.killed_min,
    ...                                   deaths_civilians=seed.civilians_killed_min,
    ...                                   date_start=seed.date, date_end=seed.date),
    ...                    start="2014-11-01", end="2014-11-30").values.tolist()
    [[1, 63, 36]]
    """
    zm = _zones_metric(zones)
    missing = [c for c in _EVENT_DEATH_COLUMNS if c not in events.columns]
    if missing:
        raise DataError(
            f"the events layer lacks the columns {missing}; expected {list(_EVENT_DEATH_COLUMNS)}"
            " as in safezones.data.events()"
        )
    lo = _as_timestamp(start, end=False, what="start")
    hi = _as_timestamp(end, end=True, what="end")
    if lo is not None and hi is not None and lo > hi:
        raise SafeZonesError(f"start {lo.date()} is after end {hi.date()}; swap them")
    ev = events
    if lo is not None or hi is not None:
        d0, d1 = _event_dates(events)
        keep = np.ones(len(events), dtype=bool)
        if lo is not None:
            keep &= (d0 >= lo).to_numpy()
        if hi is not None:
            keep &= (d1 <= hi).to_numpy()
        ev = events[keep]
    pts = to_metric(ev, what="events")
    zi, ei = zm.sindex.query(pts.geometry, predicate="intersects")[::-1]
    out = pd.DataFrame(
        0, index=zones.index, columns=["events", *_EVENT_DEATH_COLUMNS], dtype="int64"
    )
    if len(zi):
        out["events"] = np.bincount(zi, minlength=len(zones)).astype("int64")
        for col in _EVENT_DEATH_COLUMNS:
            vals = pd.to_numeric(ev[col], errors="coerce").fillna(0).to_numpy()[ei]
            out[col] = np.bincount(zi, weights=vals, minlength=len(zones)).round().astype("int64")
    return out


def _event_dates(events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    if "date_start" in events.columns and "date_end" in events.columns:
        return pd.to_datetime(events["date_start"]), pd.to_datetime(events["date_end"])
    if "year" in events.columns:
        y = events["year"].astype(int).astype(str)
        return pd.to_datetime(y + "-01-01"), pd.to_datetime(y + "-12-31")
    raise DataError(
        "a time window needs the events' dates: columns date_start and date_end, or year"
    )


def population_in_zones(zones: gpd.GeoDataFrame, population: gpd.GeoDataFrame) -> pd.DataFrame:
    """Residents of each zone from a population layer with low/central/high bands.

    Parameters
    ----------
    zones
        Zone polygons with a CRS.
    population
        Polygons (e.g. :func:`safezones.data.population_grid`), whose people
        are counted in proportion to the share of each polygon's area inside a
        zone, or points, counted when inside. Columns ``pop_low``,
        ``pop_central``, ``pop_high``.

    Returns
    -------
    pandas.DataFrame
        Index of ``zones``; columns ``residents_low``, ``residents_central``,
        ``residents_high``.

    Examples
    --------
    >>> import safezones as sz
    >>> z = sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15))
    >>> r = sz.population_in_zones(z, sz.data.population_grid())
    >>> bool(2_000_000 < r.residents_central.iloc[0] < 3_000_000)
    True
    """
    zm = _zones_metric(zones)
    missing = [c for c in POPULATION_COLUMNS if c not in population.columns]
    if missing:
        raise DataError(
            f"the population layer lacks the columns {missing}; expected {list(POPULATION_COLUMNS)}"
        )
    values = population[list(POPULATION_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1) | (values < 0).any(axis=1)
    if bad.any():
        rows = ", ".join(map(str, population.index[bad.to_numpy()][:10]))
        raise DataError(
            f"{int(bad.sum())} population rows are negative or missing "
            f"(rows {rows}); fix or drop them"
        )
    cells = to_metric(population, what="population").geometry.to_numpy()
    zgeom = zm.to_numpy()
    zi, ci = gpd.GeoSeries(cells).sindex.query(zgeom, predicate="intersects")
    frac = _covered_fraction(zgeom, cells, zi, ci)
    vals = values.to_numpy(dtype=float)
    out: dict[str, Any] = {}
    for j, col in enumerate(POPULATION_COLUMNS):
        out[col.replace("pop_", "residents_")] = np.bincount(
            zi, weights=vals[ci, j] * frac, minlength=len(zgeom)
        )
    return pd.DataFrame(out, index=zones.index)


def _covered_fraction(
    zgeom: np.ndarray, cells: np.ndarray, zi: np.ndarray, ci: np.ndarray
) -> np.ndarray:
    """Share of each candidate cell inside its zone: 1 for points inside, area share else."""
    types = shapely.get_type_id(cells[ci])
    frac = np.zeros(len(zi))
    is_point = np.isin(types, (0, 4))  # Point, MultiPoint: counted whole when they intersect
    frac[is_point] = 1.0
    poly = ~is_point
    if poly.any():
        z, c = zgeom[zi[poly]], cells[ci[poly]]
        shapely.prepare(zgeom)
        inside = shapely.contains_properly(z, c)
        share = np.ones(len(z))
        part = ~inside
        if part.any():
            cell_area = shapely.area(c[part])
            inter = shapely.area(shapely.intersection(z[part], c[part]))
            share[part] = np.divide(inter, cell_area, out=np.zeros_like(inter), where=cell_area > 0)
        frac[poly] = share
    return frac
