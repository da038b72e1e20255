"""Which strike events count, and how: the window, precision classes and weights.

The overlays of :mod:`safezones.model.overlay` select events here: the events
whose whole date range lies in the window, without those coarser than a
precision class; imprecise ones (district or governorate) are spread, left out
or counted at their point. The events' weights and PROJECT_CRS coordinates are
read as arrays.

Examples
--------
>>> import safezones as sz
>>> sel = select_events(sz.data.events(), start=2014, end=2014, max_precision=None,
...                     imprecise="exclude", weight="count")
>>> sel.meta["years"], bool(sel.spread.any()), sorted(sel.meta["excluded"])
(1.0, False, ['imprecise', 'window'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from safezones._plural import agree, plural
from safezones.crs import PROJECT_CRS, require_crs
from safezones.errors import DataError, GeometryError, SafeZonesError
from safezones.schema import (
    PRECISION_CLASSES,
    DateLike,
    in_window,
    location_precision,
    window_bounds,
)

__all__ = [
    "DEATH_COLUMNS",
    "EventSelection",
    "Imprecise",
    "event_dates",
    "event_weights",
    "event_xy",
    "select_events",
]

#: The death columns of an events layer (summed per zone, never weighted).
DEATH_COLUMNS = ("deaths_total", "deaths_civilians")

#: What to do with events located only to a district or governorate.
Imprecise = Literal["spread", "exclude", "point"]


@dataclass(frozen=True)
class EventSelection:
    """Which events count in a window, and how (at their point, or spread)."""

    point: np.ndarray  # bool: counted at their point
    spread: np.ndarray  # bool: spread over their district/governorate
    prec: np.ndarray  # precision class per event
    meta: dict[str, Any]


def select_events(
    events: gpd.GeoDataFrame,
    *,
    start: DateLike | None,
    end: DateLike | None,
    max_precision: int | None,
    imprecise: Imprecise,
    weight: str,
) -> EventSelection:
    """Check the events layer and select the events of the window.

    The arguments are those of :func:`safezones.model.overlay.events_in_zones`.
    """
    if not isinstance(events, gpd.GeoDataFrame):
        raise SafeZonesError(
            f"events must be a GeoDataFrame of points, not {type(events).__name__}; "
            "read a file with safezones.io.sources"
        )
    require_crs(events, what="events")
    missing = [c for c in DEATH_COLUMNS if c not in events.columns]
    if missing:
        raise DataError(
            f"the events layer lacks the columns {missing}; expected {list(DEATH_COLUMNS)}"
            " as in safezones.data.events() or safezones.io.sources.read_points()"
        )
    if imprecise not in ("spread", "exclude", "point"):
        raise SafeZonesError(f"imprecise={imprecise!r}; use 'spread', 'exclude' or 'point'")
    if max_precision is not None and max_precision not in PRECISION_CLASSES:
        raise SafeZonesError(
            f"max_precision={max_precision!r}; use a class 1-4: {PRECISION_CLASSES}"
        )
    lo, hi = window_bounds(start, end)
    n_all = len(events)
    keep = np.ones(n_all, dtype=bool)
    excluded: dict[str, int] = {}
    d0 = d1 = None
    if lo is not None or hi is not None or n_all:
        dates = event_dates(events, required=lo is not None or hi is not None)
        if dates is not None:
            d0, d1 = dates
            if lo is not None or hi is not None:
                keep = in_window(d0, d1, lo, hi)
                excluded["window"] = int((~keep).sum())
    prec = location_precision(events) if n_all else np.ones(0, dtype="int64")
    if max_precision is not None:
        drop = keep & (prec > max_precision)
        excluded["precision"] = int(drop.sum())
        keep &= ~drop
    coarse = prec >= 3
    if imprecise == "exclude":
        drop = keep & coarse
        excluded["imprecise"] = int(drop.sum())
        keep &= ~drop
    spread = keep & coarse if imprecise == "spread" else np.zeros(n_all, dtype=bool)
    point = keep & ~spread

    # the window's length: as given, else the used events' own date span
    span_lo, span_hi = lo, hi
    if (span_lo is None or span_hi is None) and d0 is not None and d1 is not None and keep.any():
        span_lo = span_lo if span_lo is not None else d0[keep].min()
        span_hi = span_hi if span_hi is not None else d1[keep].max()
    years = (
        ((span_hi - span_lo).days + 1) / 365.25
        if span_lo is not None and span_hi is not None
        else float("nan")
    )
    if years >= 0.99 and abs(years - round(years)) < 0.01:  # (NaN fails the test)
        years = float(round(years))  # whole calendar years, not 365.25-day units
    meta = {
        "events_read": n_all,
        "events_used": int(keep.sum()),
        "events_spread": int(spread.sum()),
        "excluded": excluded,
        "window": (
            None if span_lo is None else str(pd.Timestamp(span_lo).date()),
            None if span_hi is None else str(pd.Timestamp(span_hi).date()),
        ),
        "years": years,
        "imprecise": imprecise,
        "weight": weight,
    }
    return EventSelection(point=point, spread=spread, prec=prec, meta=meta)


def event_dates(events: pd.DataFrame, *, required: bool) -> tuple[pd.Series, pd.Series] | None:
    """Return each event's first and last possible date (``year`` gives the whole year)."""
    if "date_start" in events.columns and "date_end" in events.columns:
        return pd.to_datetime(events["date_start"]), pd.to_datetime(events["date_end"])
    if "year" in events.columns:
        y = pd.to_numeric(events["year"], errors="coerce")
        if y.isna().any():
            raise DataError(
                f"{plural(int(y.isna().sum()), 'event')} {agree(int(y.isna().sum()), 'has', 'have')} no year"
            )
        ys = y.astype(int).astype(str)
        return pd.to_datetime(ys + "-01-01"), pd.to_datetime(ys + "-12-31")
    if required:
        raise DataError(
            "a time window needs the events' dates: columns date_start and date_end, or year"
        )
    return None


def event_weights(events: pd.DataFrame, weight: str) -> np.ndarray:
    """Return each event's weight: 1, or its value in the column ``weight`` (>= 0)."""
    if weight == "count":
        return np.ones(len(events))
    if weight not in events.columns:
        raise DataError(
            f"weight={weight!r} is not a column of the events; use 'count' or one of "
            f"{[c for c in events.columns if c != 'geometry']}"
        )
    w = pd.to_numeric(events[weight], errors="coerce")
    bad = w.isna() | (w < 0)
    if bad.any():
        rows = ", ".join(map(str, events.index[bad.to_numpy()][:10]))
        raise DataError(
            f"{plural(int(bad.sum()), 'weight')} in {weight!r} {agree(int(bad.sum()), 'is', 'are')} missing or negative (rows {rows})"
        )
    return w.to_numpy(dtype=float)


def event_xy(events: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the PROJECT_CRS coordinates of point events, projected as arrays (no geometry objects)."""
    geoms = events.geometry.to_numpy()
    if len(geoms) == 0:
        return np.zeros(0), np.zeros(0)
    kinds = shapely.get_type_id(geoms)
    bad = (kinds != 0) | shapely.is_empty(geoms)
    if bad.any():
        rows = ", ".join(map(str, events.index[bad][:10]))
        raise GeometryError(
            f"{plural(int(bad.sum()), 'event')} {agree(int(bad.sum()), 'is not a point or is', 'are not points or are')} empty (rows {rows})"
        )
    xy = shapely.get_coordinates(geoms)
    crs = CRS.from_user_input(events.crs)
    if crs == PROJECT_CRS:
        return xy[:, 0], xy[:, 1]
    tr = Transformer.from_crs(crs, PROJECT_CRS, always_xy=True)
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    return np.asarray(x), np.asarray(y)
