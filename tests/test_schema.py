"""The event schema, the precision scale and the time window (safezones.schema)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safezones.errors import DataError, SafeZonesError
from safezones.schema import (
    ACLED_PRECISION,
    EVENT_COLUMNS,
    PRECISION_CLASSES,
    UCDP_PRECISION,
    in_window,
    location_precision,
    window_bound,
    window_bounds,
)


def test_every_source_scale_maps_onto_the_precision_classes():
    assert set(UCDP_PRECISION) == set(range(1, 8)) and set(ACLED_PRECISION) == {1, 2, 3}
    assert set(UCDP_PRECISION.values()) | set(ACLED_PRECISION.values()) <= set(PRECISION_CLASSES)
    assert EVENT_COLUMNS[-1] == "geometry" and "precision" in EVENT_COLUMNS


def test_location_precision_by_column():
    assert location_precision(pd.DataFrame({"precision": [2, 4]})).tolist() == [2, 4]
    assert location_precision(pd.DataFrame({"geo_precision": [1, 3]})).tolist() == [1, 3]
    assert location_precision(pd.DataFrame({"x": [0, 0]})).tolist() == [1, 1]
    with pytest.raises(DataError, match=r"where_prec has values \[9\] outside"):
        location_precision(pd.DataFrame({"where_prec": [1, 9]}))


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        (2014, False, "2014-01-01"),
        (2014, True, "2014-12-31"),
        (" 2014 ", True, "2014-12-31"),  # a year given as text is a year
        (np.int64(2015), False, "2015-01-01"),
        ("2014-06-30", True, "2014-06-30"),  # a date is that day, start or end
        (pd.Timestamp("2014-06-30"), False, "2014-06-30"),
    ],
)
def test_window_bound(value, end, expected):
    assert window_bound(value, end=end, what="x") == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "x must be a year or a date, got True"),
        (1850, "x=1850 is not a plausible year"),
        ("soon", "x='soon' is not a date"),
        (pd.NaT, "x is missing"),
    ],
)
def test_window_bound_refuses(value, message):
    with pytest.raises(SafeZonesError, match=message):
        window_bound(value, end=False, what="x")


def test_window_bounds_and_in_window():
    assert window_bound(None, end=True, what="end") is None
    with pytest.raises(SafeZonesError, match="start 2015-01-01 is after end 2014-12-31; swap"):
        window_bounds(2015, 2014)
    d0 = pd.Series(pd.to_datetime(["2013-12-31", "2014-01-01", "2014-12-01"]))
    d1 = pd.Series(pd.to_datetime(["2014-01-05", "2014-01-01", "2015-01-01"]))
    assert in_window(d0, d1, *window_bounds(2014, 2014)).tolist() == [False, True, False]
    assert in_window(d0, d1, *window_bounds(None, 2014)).tolist() == [True, True, False]
    assert in_window(d0, d1, None, None).all()
