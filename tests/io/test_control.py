"""Tests of safezones.io.control (read_control) and io.layers.control_layer: hand-written files."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import safezones as sz
from safezones.config.scenario import Scenario
from safezones.io import control
from safezones.io.control import read_control
from safezones.io.layers import control_layer

HEADER = "lon,lat,actor,date\n"


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def problems(excinfo):
    return list(excinfo.value.problems)


def test_points_from_a_csv_with_common_spellings(tmp_path):
    f = write(
        tmp_path,
        "c.csv",
        "Longitude,Latitude,Actor,Snapshot\n"
        "37.16,36.20,Opposition,2014-11-01\n"
        "39.01,35.95,Daesh,2014\n"
        "36.29,33.51,Regime,2015-01-01\n"
        "41.0,36.5,YPG,2015\n"
        "38.5,35.0,unknown,2015\n",
    )
    c = read_control(f)
    assert list(c.columns) == ["actor", "date", "geometry"]
    assert c.actor.tolist() == ["opposition", "islamic_state", "government", "kurds", "unknown"]
    assert [str(d.date()) for d in c.date] == [
        "2014-11-01", "2014-01-01", "2015-01-01", "2015-01-01", "2015-01-01",
    ]  # fmt: skip
    assert c.crs.to_epsg() == 4326
    assert shapely.get_coordinates(c.geometry.to_numpy())[1].tolist() == [39.01, 35.95]
    assert c.attrs["kind"] == "points" and c.attrs["rows_read"] == 5
    assert c.attrs["dates"] == [pd.Timestamp(s) for s in ("2014-01-01", "2014-11-01", "2015-01-01")]


def test_every_problem_of_a_table_at_once(tmp_path):
    f = write(
        tmp_path,
        "c.csv",
        HEADER + "37.1,36.2,goverment,2014\n"
        "37.2,36.2,,2014\n"
        "37.3,36.3,kurds,notadate\n"
        "37.3,36.3,goverment,2015\n"
        "37.4,,opposition,2015\n"
        "37.4,36.4,Hezbollah,2015\n",
    )
    with pytest.raises(sz.DataError) as err:
        read_control(f)
    assert str(err.value).startswith(f"{f}: 5 problems:")
    assert problems(err) == [
        "1 row has no actor: line 3; give one of government, opposition, islamic_state, "
        "kurds, unknown",
        "actor: 'goverment' is not an actor; did you mean 'government'? Give one of "
        "government, opposition, islamic_state, kurds, unknown (lines 2, 5)",
        "actor: 'Hezbollah' is not an actor; give one of government, opposition, "
        "islamic_state, kurds, unknown (line 7)",
        "1 value of 'date' is not a date: line 4 ('notadate'); expected ISO dates "
        "(2014-11-25, or a year 2014)",
        "1 row has no coordinates: line 6",
    ]


def test_a_long_actor_value_is_not_echoed(tmp_path):
    f = write(tmp_path, "c.csv", HEADER + "37.1,36.2," + "x" * 200 + ",2014\n")
    with pytest.raises(sz.DataError) as err:
        read_control(f)
    assert "x" * 40 not in str(err.value)
    assert "is not an actor; give one of government" in str(err.value)


def test_a_missing_date_column_names_the_file_and_the_columns(tmp_path):
    f = write(tmp_path, "c.csv", "lon,lat,actor\n37.1,36.2,government\n")
    with pytest.raises(sz.DataError) as err:
        read_control(f)
    assert str(err.value) == (
        f"{f}: no date column found among ['lon', 'lat', 'actor']; name it with date= "
        "or call it 'date' or 'snapshot'"
    )
    with pytest.raises(sz.DataError, match=r"no column 'When' \(date=\); the columns are"):
        read_control(
            write(tmp_path, "d.csv", "lon,lat,actor,when\n37,36,kurds,2014\n"), date="When"
        )
    ok = read_control(tmp_path / "d.csv", date="when")
    assert ok.actor.tolist() == ["kurds"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        (HEADER, "the file has a header but no rows"),
        (HEADER + "10,10,government,2014\n",
         "none of its 1 feature lies in Syria or within the region's margin; check the "
         "coordinates (lon and lat swapped?) and the CRS"),
        (HEADER + "inf,36,government,2014\n",
         "1 row has coordinates off the globe: line 2 (inf, 36)"),
    ],
)  # fmt: skip
def test_empty_and_impossible_files(tmp_path, text, message):
    f = write(tmp_path, "c.csv", text)
    with pytest.raises(sz.DataError) as err:
        read_control(f)
    assert problems(err) == [message]
    assert err.value.source == str(f)


def test_a_missing_file_and_a_layer_for_a_table(tmp_path):
    with pytest.raises(sz.DataError, match=r"nope\.csv does not exist"):
        read_control(tmp_path / "nope.csv")
    f = write(tmp_path, "c.csv", HEADER + "37,36,kurds,2014\n")
    with pytest.raises(sz.DataError, match=r"layer='x' applies to a vector file"):
        read_control(f, layer="x")


def test_too_big_a_file_is_refused_before_reading(tmp_path, monkeypatch):
    f = write(tmp_path, "c.csv", HEADER + "37,36,kurds,2014\n" * 100)
    monkeypatch.setattr(control, "MAX_CONTROL_BYTES", 1000)  # the file has 1,719 bytes
    with pytest.raises(sz.DataError) as err:
        read_control(f)
    assert problems(err) == [
        "the file has 0 MB, more than the 0 MB a control layer may have; simplify its "
        "polygons or cut it to Syria"
    ]


def test_a_point_given_twice_with_two_actors_is_warned(tmp_path):
    f = write(
        tmp_path, "c.csv", HEADER + "37,36,kurds,2014\n37,36,opposition,2014\n37,36,kurds,2015\n"
    )
    with pytest.warns(sz.SafeZonesWarning, match=r"2 rows give one place and date two or more "
                      r"actors: line 2, line 3;"):  # fmt: skip
        c = read_control(f)
    assert len(c) == 3


POLYS = [shapely.box(37, 36, 37.5, 36.5), shapely.box(38, 35, 38.2, 35.2)]


def test_polygons_from_geojson_and_a_chosen_geopackage_layer(tmp_path):
    g = gpd.GeoDataFrame(
        {"actor": ["Government", "IS"], "date": [2014, 2015]}, geometry=POLYS, crs=4326
    )
    g.to_file(tmp_path / "c.geojson")
    c = read_control(tmp_path / "c.geojson")
    assert c.attrs["kind"] == "polygons"
    assert c.actor.tolist() == ["government", "islamic_state"]
    assert [d.year for d in c.date] == [2014, 2015]
    g3857 = g.assign(date=pd.to_datetime(["2014-03-01", "2014-12-01"])).to_crs(3857)
    g3857.to_file(tmp_path / "c.gpkg", layer="early")
    g3857.iloc[:1].to_file(tmp_path / "c.gpkg", layer="late")
    with pytest.raises(sz.DataError) as err:
        read_control(tmp_path / "c.gpkg")
    assert problems(err) == [
        "the file has 2 layers: 'early' (Polygon), 'late' (Polygon); say which holds the "
        'control, e.g. layer = "early" (read_control(..., layer="early"))'
    ]
    with pytest.raises(sz.UnknownNameError, match="no layer 'mid' in the file"):
        read_control(tmp_path / "c.gpkg", layer="mid")
    early = read_control(tmp_path / "c.gpkg", layer="early")
    assert early.crs.to_epsg() == 4326 and [str(d.date()) for d in early.date] == [
        "2014-03-01", "2014-12-01",
    ]  # fmt: skip
    assert early.geometry.iloc[0].bounds == pytest.approx((37, 36, 37.5, 36.5), abs=1e-9)
    assert len(read_control(tmp_path / "c.gpkg", layer="late")) == 1


def test_mixed_points_and_polygons_and_lines_are_refused(tmp_path):
    g = gpd.GeoDataFrame(
        {"actor": ["kurds"] * 4, "date": ["2014"] * 4},
        geometry=[*POLYS, shapely.Point(38, 36), shapely.LineString([(37, 36), (38, 36)])],
        crs=4326,
    )
    g.to_file(tmp_path / "m.geojson")
    with pytest.raises(sz.DataError) as err:
        read_control(tmp_path / "m.geojson")
    assert problems(err) == [
        "1 feature is neither a point nor a polygon: feature 4 (geometry types LineString); "
        "give communities as points or areas as polygons",
        "the layer mixes 1 point and 2 polygons; give points (communities) or polygons "
        "(areas), not both (the points: feature 3)",
    ]


def test_a_layer_without_crs_is_refused(tmp_path):
    g = gpd.GeoDataFrame({"actor": ["kurds"], "date": ["2014"]}, geometry=POLYS[:1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns that it writes no CRS
        g.to_file(tmp_path / "n.shp")
    with pytest.raises(sz.GeometryError, match=r"n\.shp: the layer has no CRS"):
        read_control(tmp_path / "n.shp")


def test_a_polygon_outside_the_region_is_kept_with_a_warning_or_dropped(tmp_path):
    far = shapely.box(10, 10, 11, 11)
    g = gpd.GeoDataFrame(
        {"actor": ["kurds", "government"], "date": ["2014", "2014"]},
        geometry=[POLYS[0], far], crs=4326,
    )  # fmt: skip
    g.to_file(tmp_path / "o.geojson")
    with pytest.warns(sz.SafeZonesWarning, match=r"1 polygon lies wholly outside Syria and "
                      r"its margin: feature 2 \(kept\)"):  # fmt: skip
        assert len(read_control(tmp_path / "o.geojson")) == 2
    with pytest.warns(sz.SafeZonesWarning, match=r"\(dropped\)"):
        c = read_control(tmp_path / "o.geojson", on_outside="drop")
    assert c.actor.tolist() == ["kurds"] and c.attrs["dropped"] == {"outside_region": 1}
    with pytest.raises(sz.DataError, match="1 polygon lies wholly outside"):
        read_control(tmp_path / "o.geojson", on_outside="error")


def test_an_invalid_polygon_is_repaired_with_a_warning(tmp_path):
    bowtie = shapely.Polygon([(37, 36), (37.4, 36.4), (37.4, 36), (37, 36.4)])
    g = gpd.GeoDataFrame({"actor": ["kurds"], "date": ["2014"]}, geometry=[bowtie], crs=4326)
    g.to_file(tmp_path / "b.geojson")
    with pytest.warns(sz.SafeZonesWarning, match="1 polygon was invalid and repaired"):
        c = read_control(tmp_path / "b.geojson")
    assert c.geometry.iloc[0].is_valid
    assert c.geometry.iloc[0].area == pytest.approx(0.08)  # two triangles of 0.4 x 0.2 / 2


def scenario(tmp_path, **control_section):
    return Scenario.from_dict(
        {
            "id": "t", "title": "t", "source": {"citation": "t"},
            "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}],
            "control": control_section,
        },
        source=str(tmp_path / "s.toml"), base_dir=tmp_path,
    )  # fmt: skip


def test_control_layer_reads_the_scenarios_file_relative_to_it(tmp_path):
    write(tmp_path, "c.csv", HEADER + "37.16,36.2,opposition,2014-11-01\n")
    layer, where = control_layer(scenario(tmp_path, source="c.csv"))
    assert where == str(tmp_path / "c.csv")
    assert layer.actor.tolist() == ["opposition"]


def test_control_layer_prefixes_problems_with_the_key_and_the_file(tmp_path):
    f = write(tmp_path, "c.csv", HEADER + "37.16,36.2,rebel army,2014\n")
    with pytest.raises(sz.DataError) as err:
        control_layer(scenario(tmp_path, source="c.csv"))
    assert str(err.value) == (
        f"{tmp_path / 's.toml'}: control.source: {f}: actor: 'rebel army' is not an actor; "
        "did you mean 'opposition'? Give one of government, opposition, islamic_state, kurds, "
        "unknown (line 2)"  # close to "rebels", a spelling of the opposition
    )
    with pytest.raises(sz.DataError) as err:
        control_layer(scenario(tmp_path, source="missing.gpkg"))
    assert problems(err) == [
        f"control.source: no such file {str(tmp_path / 'missing.gpkg')!r}; give a control "
        'layer (points or polygons with actor and date) or source = "bundled"'
    ]


def test_control_layer_bundled_has_both_snapshots_with_dates(tmp_path):
    layer, where = control_layer(scenario(tmp_path))
    assert where == "control (bundled Syria Conflict Mapping Project)"
    dates = layer.groupby("snapshot")["date"].unique().map(lambda d: [str(x.date()) for x in d])
    assert dates.to_dict() == {"2014": ["2014-01-01"], "2015": ["2015-01-01"]}


def test_a_named_coordinate_column_that_is_missing_is_a_data_error(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("lon,lat,actor,date\n36.6,36.9,Opposition,2014-06-01\n")
    with pytest.raises(sz.DataError) as err:
        read_control(f, lon="longitude")
    assert str(err.value) == (
        f"{f}: 2 problems:\n  - missing column 'longitude'\n"
        "  - a control layer file needs the columns ['longitude', 'lat']"
    )
