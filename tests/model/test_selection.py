"""Which events count (safezones.model.selection): tiny layers whose answers are known by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safezones import DataError, GeometryError, SafeZonesError
from safezones.crs import PROJECT_CRS, lonlat_to_metric
from safezones.model.selection import (
    DEATH_COLUMNS,
    event_dates,
    event_weights,
    event_xy,
    select_events,
)


def _events(**cols) -> gpd.GeoDataFrame:
    n = len(next(iter(cols.values())))
    base = {"deaths_total": [1] * n, "deaths_civilians": [0] * n}
    return gpd.GeoDataFrame(
        {**base, **cols}, geometry=shapely.points([[i * 100.0, 0.0] for i in range(n)]),
        crs=PROJECT_CRS,
    )  # fmt: skip


def _select(events, **kw):
    args = {"start": None, "end": None, "max_precision": None, "imprecise": "spread",
            "weight": "count"} | kw  # fmt: skip
    return select_events(events, **args)


def test_the_window_keeps_whole_date_ranges_and_counts_whole_years():
    ev = _events(year=[2013, 2014, 2014, 2015])
    sel = _select(ev, start=2014, end=2014)
    assert sel.point.tolist() == [False, True, True, False]
    assert sel.meta["excluded"] == {"window": 2}
    assert sel.meta["years"] == 1.0 and sel.meta["window"] == ("2014-01-01", "2014-12-31")
    # an open window spans the used events' own dates: 2013-2015 is three years
    assert _select(ev).meta["years"] == 3.0


def test_precision_classes_are_dropped_spread_or_counted_at_their_point():
    ev = _events(year=[2014] * 4, precision=[1, 2, 3, 4])
    spread = _select(ev)
    assert spread.prec.tolist() == [1, 2, 3, 4]
    assert spread.point.tolist() == [True, True, False, False]
    assert spread.spread.tolist() == [False, False, True, True]
    excluded = _select(ev, imprecise="exclude")
    assert excluded.point.tolist() == [True, True, False, False] and not excluded.spread.any()
    assert excluded.meta["excluded"] == {"imprecise": 2}
    assert _select(ev, imprecise="point").point.all()
    fine = _select(ev, max_precision=2)
    assert fine.point.tolist() == [True, True, False, False]
    assert fine.meta["excluded"] == {"precision": 2}


def test_bad_selections_are_refused():
    ev = _events(year=[2014])
    with pytest.raises(SafeZonesError, match="imprecise='drop'; use 'spread', 'exclude'"):
        _select(ev, imprecise="drop")
    with pytest.raises(SafeZonesError, match="max_precision=7; use a class 1-4"):
        _select(ev, max_precision=7)
    with pytest.raises(DataError, match=r"lacks the columns \['deaths_civilians'\]"):
        _select(ev.drop(columns="deaths_civilians"))
    with pytest.raises(SafeZonesError, match="events must be a GeoDataFrame of points"):
        _select(pd.DataFrame(ev))
    with pytest.raises(DataError, match="a time window needs the events' dates"):
        _select(ev.drop(columns="year"), start=2014)
    assert DEATH_COLUMNS == ("deaths_total", "deaths_civilians")


def test_dates_from_a_year_or_a_date_range():
    d0, d1 = event_dates(pd.DataFrame({"year": [2014]}), required=True)
    assert (str(d0.iloc[0].date()), str(d1.iloc[0].date())) == ("2014-01-01", "2014-12-31")
    with pytest.raises(DataError, match="1 event has no year"):
        event_dates(pd.DataFrame({"year": [None]}), required=False)
    assert event_dates(pd.DataFrame({"x": [1]}), required=False) is None


def test_weights_and_coordinates():
    ev = _events(w=[2.0, 0.5])
    assert event_weights(ev, "count").tolist() == [1.0, 1.0]
    assert event_weights(ev, "w").tolist() == [2.0, 0.5]
    with pytest.raises(DataError, match="1 weight in 'w' is missing or negative"):
        event_weights(ev.assign(w=[1.0, -1.0]), "w")
    with pytest.raises(DataError, match="weight='v' is not a column of the events"):
        event_weights(ev, "v")
    x, y = event_xy(ev)
    assert x.tolist() == [0.0, 100.0] and y.tolist() == [0.0, 0.0]
    lonlat = gpd.GeoDataFrame(geometry=[shapely.Point(38.5, 35.0)], crs=4326)
    np.testing.assert_allclose(np.r_[event_xy(lonlat)], [0.0, 0.0], atol=1e-6)
    assert lonlat_to_metric(38.5, 35.0) == (0.0, 0.0)
    with pytest.raises(GeometryError, match=r"1 event is not a point or is empty \(rows 0\)"):
        event_xy(ev.set_geometry([shapely.box(0, 0, 1, 1), shapely.Point(0, 0)]))
