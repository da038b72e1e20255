"""Any point file (safezones.io.points): CSV and vector layers, coordinates and the region check."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safezones import DataError, GeometryError, sources

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad"


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_points_from_csv_and_geojson_agree():
    a = sources.read_points(DATA / "clinics.csv", weight="beds", date="opened")
    b = sources.read_points(DATA / "clinics.geojson", weight="beds", date="opened")
    assert a.weight.tolist() == b.weight.tolist() == [40, 15, 25, 60]
    assert np.allclose(shapely.get_coordinates(a.geometry), shapely.get_coordinates(b.geometry))
    assert a.date_start.equals(b.date_start)
    raqqa = a.iloc[2]  # a bare year: the whole year
    assert (raqqa.date_start, raqqa.date_end) == (
        pd.Timestamp("2013-01-01"),
        pd.Timestamp("2013-12-31"),
    )
    assert a.date_precision.tolist() == ["day", "day", "year", "day"]
    assert a.event_id.tolist() == ["2", "3", "4", "5"]  # file lines
    assert a.deaths_total.isna().all()  # unknown, not zero
    assert a.crs.to_epsg() == 4326


def test_points_in_another_crs_come_back_in_lonlat(tmp_path):
    pts = sources.read_points(DATA / "clinics.geojson")
    f = tmp_path / "clinics_utm.gpkg"
    pts[["event_id", "geometry"]].to_crs(32637).to_file(f)
    back = sources.read_points(f)
    assert back.crs.to_epsg() == 4326
    assert np.allclose(
        shapely.get_coordinates(back.geometry), shapely.get_coordinates(pts.geometry), atol=1e-9
    )


def test_swapped_and_faraway_points_are_listed_then_kept_dropped_or_refused():
    f = BAD / "points_bad_coords.csv"
    with pytest.warns(UserWarning) as rec:
        kept = sources.read_points(f)
    msg = " ".join(str(w.message) for w in rec)
    assert "1 point looks like swapped lon/lat" in msg and "line 3" in msg
    assert "1 point lies more than 50 km outside Syria: line 4 (2.35, 48.86)" in msg
    assert len(kept) == 4 and kept.attrs["outside_region"] == [3, 4]
    dropped = _quiet(sources.read_points, f, on_outside="drop")
    assert dropped.name.tolist() == ["Idlib clinic", "Raqqa clinic"]
    assert dropped.attrs["dropped"] == {"outside_region": 2}
    with pytest.raises(DataError, match="swapped lon/lat"):
        sources.read_points(f, on_outside="error")


def test_points_without_coordinates_or_with_negative_weights():
    with pytest.raises(DataError) as err:
        sources.read_points(BAD / "points_no_coords.csv", weight="beds")
    msg = str(err.value)
    assert "1 row has no coordinates: line 3" in msg
    assert "1 value of 'beds' is negative: line 4 (-3)" in msg


def test_points_need_a_crs_and_points(tmp_path):
    pts = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(36.6, 35.9)], crs=4326)
    shp = tmp_path / "nocrs.shp"
    pts.to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(GeometryError, match="the layer has no CRS"):
        sources.read_points(shp)
    poly = tmp_path / "poly.geojson"
    pts.assign(geometry=[shapely.Point(36.6, 35.9).buffer(0.1)]).to_file(poly)
    with pytest.raises(DataError, match="1 feature is not a point: feature 1"):
        sources.read_points(poly)


def test_points_column_guessing():
    with pytest.raises(DataError, match="no lon column found"):
        sources.read_points(DATA / "syr_pop_adm2_bands.csv")
    with pytest.raises(DataError, match="missing column 'beds_total'"):
        sources.read_points(DATA / "clinics.csv", weight="beds_total")
