"""UCDP GED and ACLED readers (safezones.io.events) on the bundled extract, the shared UCDP
file, and small hand-written files in tests/data that follow the real formats exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from safezones import DataError, sources

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad"


def test_full_ucdp_file_gives_the_event_schema():
    ev = sources.read_ucdp_ged(DATA / "ucdp_ged_full_sample.csv")
    assert len(sources.UCDP_GED_COLUMNS) == 49
    header = pd.read_csv(DATA / "ucdp_ged_full_sample.csv", nrows=0).columns.tolist()
    assert header == list(sources.UCDP_GED_COLUMNS)  # the sample follows the real layout
    assert list(ev.columns[:10]) == list(sources.EVENT_COLUMNS[:-1])
    assert ev.crs.to_epsg() == 4326 and len(ev) == 8
    first = ev.iloc[0]
    assert first.event_id == "ucdp-900001" and first.source == "UCDP GED"
    assert first.date_start == pd.Timestamp("2014-11-25") == first.date_end
    assert first.deaths_total == 63 and first.deaths_civilians == 36  # best, and UCDP's civilians
    assert (first.geometry.x, first.geometry.y) == (39.00788, 35.95283)
    # a month-long range keeps both ends; precision classes follow where_prec
    third = ev.iloc[2]
    assert (third.date_start, third.date_end) == (
        pd.Timestamp("2014-08-01"),
        pd.Timestamp("2014-08-31"),
    )
    assert ev.date_precision.tolist()[:4] == ["day", "day", "range", "range"]
    assert ev.precision.tolist() == [1, 1, 2, 4, 1, 3, 1, 1]
    assert (
        ev.deaths_total == ev.deaths_a + ev.deaths_b + ev.deaths_civilians + ev.deaths_unknown
    ).all()


def test_ucdp_filters_count_what_they_drop():
    f = DATA / "ucdp_ged_full_sample.csv"
    # by hand: side_a is "IS" for 900006 only; type 3 for 900005 and 900007;
    # the 2014 window keeps 900001-900003, 900005 and 900006 (900004 runs into 2015)
    ev = sources.read_ucdp_ged(f, side_a="government of syria", start=2014, end=2014)
    assert ev.event_id.tolist() == ["ucdp-900001", "ucdp-900002", "ucdp-900003", "ucdp-900005"]
    assert ev.attrs["dropped"] == {"side_a": 1, "window": 3}
    assert ev.attrs["rows_read"] == 8
    ev = sources.read_ucdp_ged(f, type_of_violence=[1], max_where_prec=2)
    assert ev.event_id.tolist() == ["ucdp-900001", "ucdp-900002", "ucdp-900003", "ucdp-900008"]
    assert ev.attrs["dropped"] == {"type_of_violence": 3, "where_prec": 1}
    ev = sources.read_ucdp_ged(f, start="2014-12-01", end="2015-01-31")
    assert ev.event_id.tolist() == ["ucdp-900004"]


def test_shared_extract_and_bundled_extract_agree(shared_data):
    raw = sources.read_ucdp_ged(shared_data / "ucdp_ged_syria_events.csv")
    bundled = sources.read_ucdp_ged()
    assert len(raw) == len(bundled) == 52_049
    assert raw.event_id.tolist() == bundled.event_id.tolist()
    for col in ("deaths_total", "deaths_civilians", "precision", "year"):
        assert raw[col].tolist() == bundled[col].tolist()
    assert np.allclose(
        shapely.get_coordinates(raw.geometry), shapely.get_coordinates(bundled.geometry)
    )
    # independent: deaths_total is the sum of the four UCDP death columns
    csv = pd.read_csv(shared_data / "ucdp_ged_syria_events.csv")
    total = csv[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]].sum(axis=1)
    assert raw.deaths_total.sum() == total.sum()
    assert (raw.date_precision == "year").all()
    assert sorted(raw.precision.value_counts().to_dict().items()) == [
        (1, 31061),
        (2, 11816),
        (3, 789),
        (4, 8383),
    ]


def test_extract_refuses_a_filter_it_cannot_apply():
    with pytest.raises(DataError, match="type_of_violence needs the full UCDP GED file"):
        sources.read_ucdp_ged(type_of_violence=3)


def test_ucdp_unknown_side_suggests_the_right_one():
    with pytest.raises(DataError, match="did you mean 'Government of Syria'"):
        sources.read_ucdp_ged(side_a="Goverment of Syria")


def test_ucdp_misspelt_and_missing_columns_are_named():
    with pytest.raises(DataError) as err:
        sources.read_ucdp_ged(BAD / "ucdp_misspelt_columns.csv")
    msg = str(err.value)
    assert "missing column 'longitude' (found 'longtitude': misspelt?)" in msg
    assert "missing column 'where_prec'" in msg
    assert "needs the columns ['id', 'year'" in msg


def test_acled_export_with_bom_and_default_strike_filter():
    raw = (DATA / "acled_syria_export.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the export tool's BOM
    ev = sources.read_acled(DATA / "acled_syria_export.csv")
    assert ev.event_id.tolist() == ["SYR101", "SYR102", "SYR105", "SYR106"]
    assert ev.attrs["dropped"] == {"sub_event_type": 2}  # the armed clash and the protest
    assert (ev.source == "ACLED").all() and "event_id_cnty" in ev.columns
    # time_precision 3: the whole month; 2: three days either side
    jan = ev.set_index("event_id").loc["SYR105"]
    assert (jan.date_start, jan.date_end) == (
        pd.Timestamp("2018-01-01"),
        pd.Timestamp("2018-01-31"),
    )
    week = ev.set_index("event_id").loc["SYR106"]
    assert (week.date_start, week.date_end) == (
        pd.Timestamp("2017-12-25"),
        pd.Timestamp("2017-12-31"),
    )
    assert ev.date_precision.tolist() == ["day", "day", "month", "week"]
    # fatalities are deaths; civilian deaths only where ACLED flags civilian targeting
    assert ev.deaths_total.tolist() == [12, 3, 4, 5]
    assert ev.deaths_civilians.tolist() == [12, 0, 0, 5]
    assert ev.precision.tolist() == [1, 2, 3, 1]


def test_acled_date_formats_all_give_the_same_dates():
    export = sources.read_acled(DATA / "acled_syria_export.csv").set_index("event_id")
    api = sources.read_acled(DATA / "acled_syria_api.csv").set_index("event_id")
    legacy = sources.read_acled(DATA / "acled_syria_legacy.csv").set_index("event_id")
    for other in (api, legacy):
        common = other.index
        assert other.date_start.equals(export.date_start.loc[common])
    assert legacy.loc["SYR101"].deaths_civilians == 0  # no civilian_targeting column before 2023


def test_acled_window_type_and_precision_filters_by_hand():
    f = DATA / "acled_syria_export.csv"
    ev = sources.read_acled(f, start=2017, end=2017)
    # SYR105 is "sometime in January 2018"; SYR106's week ends on 31 December
    assert ev.event_id.tolist() == ["SYR101", "SYR102", "SYR106"]
    assert ev.attrs["dropped"] == {"sub_event_type": 2, "window": 1}
    ev = sources.read_acled(f, start="2017-12-26", end="2017-12-31")
    assert ev.event_id.tolist() == []  # the week of SYR106 starts on the 25th
    ev = sources.read_acled(f, max_geo_precision=1)
    assert ev.event_id.tolist() == ["SYR101", "SYR106"]
    ev = sources.read_acled(f, event_types="Battles", sub_event_types=None)
    assert ev.event_id.tolist() == ["SYR103"]
    assert ev.attrs["dropped"] == {"event_type": 5}


def test_acled_unknown_sub_event_type_suggests():
    with pytest.raises(DataError, match="did you mean 'Air/drone strike'"):
        sources.read_acled(DATA / "acled_syria_export.csv", sub_event_types=["Air strike"])


def test_acled_bad_dates_and_numbers_are_listed_by_line():
    with pytest.raises(DataError) as err:
        sources.read_acled(BAD / "acled_bad_dates.csv")
    msg = str(err.value)
    assert "2 values of 'event_date' are not dates: line 3 ('2017/12/03'), line 5" in msg
    assert "'sometime in December'" in msg
    assert "expected dates like 2014-11-25, 25 November 2014, 25-November-2014" in msg
    assert "1 value of 'fatalities' is not a number: line 6 ('unknown')" in msg
