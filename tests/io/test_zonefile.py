"""Safe zones drawn in QGIS: real files written with geopandas/pyogrio (safezones.io.zonefile).

The reader (layers, CRS, features) and what safe_zone, a scenario and the CLI
make of a file's features (one zone of all, or one per feature with split).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import safezones as sz
from conftest import run_cli
from safezones import GeometryError, SafeZonesError, UnknownNameError
from safezones.scenario import Scenario, run

# ---------------------------------------------------------------- zones drawn in QGIS

BOX_A = shapely.box(37.0, 36.3, 37.2, 36.5)
BOX_B = shapely.box(37.3, 36.3, 37.5, 36.5)
BOX_C = shapely.box(36.6, 35.8, 36.8, 36.0)


def sphere_box_km2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Area of a lon/lat box on the sphere of equal area (R = 6371.0072 km)."""
    r = 6371.0072
    return (
        r**2
        * math.radians(lon1 - lon0)
        * (math.sin(math.radians(lat1)) - math.sin(math.radians(lat0)))
    )


@pytest.fixture
def two_layers(tmp_path: Path) -> Path:
    """A GeoPackage whose first layer is a road line, the second the zones."""
    path = tmp_path / "drawn.gpkg"
    roads = gpd.GeoDataFrame(
        {"ref": ["M4"]}, geometry=[shapely.LineString([(37.0, 36.3), (37.5, 36.6)])], crs=4326
    )
    roads.to_file(path, layer="roads")
    zones = gpd.GeoDataFrame({"name": ["Azaz"]}, geometry=[BOX_A], crs=4326)
    zones.to_file(path, layer="zones")
    return path


@pytest.fixture
def three_named(tmp_path: Path) -> Path:
    path = tmp_path / "named.geojson"
    gpd.GeoDataFrame(
        {"name": ["Azaz pocket", "Ma‘arrat an-Nu‘mān", "Azaz-Pocket"]},
        geometry=[BOX_A, BOX_B, BOX_C],
        crs=4326,
    ).to_file(path)
    return path


def test_a_file_with_several_layers_needs_a_layer(two_layers):
    with pytest.raises(SafeZonesError) as err:
        sz.safe_zone(two_layers)
    assert str(err.value) == (
        f"{two_layers}: the file has 2 layers: 'roads' (LineString), 'zones' (Polygon); "
        'say which holds the zone, e.g. layer = "zones" (safe_zone(..., layer="zones"))'
    )
    with pytest.raises(UnknownNameError) as err:
        sz.safe_zone(two_layers, layer="zone")
    assert str(err.value) == (
        f"{two_layers}: no layer 'zone' in the file; its layers are 'roads' (LineString), "
        "'zones' (Polygon)"
    )
    z = sz.safe_zone(two_layers, layer="zones")
    assert z.area_km2.iloc[0] == pytest.approx(sphere_box_km2(*BOX_A.bounds), rel=0.005)


def test_a_scenario_names_the_layer(two_layers, tmp_path):
    doc = {
        "id": "drawn",
        "title": "drawn",
        "source": {"citation": "test"},
        "zones": [{"id": "north", "kind": "safe", "path": str(two_layers)}],
    }
    with pytest.raises(SafeZonesError, match=r"zones\.north: the file has 2 layers: 'roads'"):
        run(Scenario.from_dict(doc), draws=2)
    doc["zones"][0]["layer"] = "zones"
    r = run(Scenario.from_dict(doc), draws=2)
    assert r.zones["zone_id"].tolist() == ["north"]
    assert r.zones["area_km2"].iloc[0] == pytest.approx(sphere_box_km2(*BOX_A.bounds), rel=0.005)


def test_split_makes_one_zone_per_feature(three_named):
    z = sz.safe_zone(three_named, zone_id="drawn", split="name")
    assert z.zone_id.tolist() == [
        "drawn-azaz-pocket",
        "drawn-ma-arrat-an-nu-man",
        "drawn-azaz-pocket-2",
    ]
    assert z.name.tolist() == ["Azaz pocket", "Ma‘arrat an-Nu‘mān", "Azaz-Pocket"]
    for row, box in zip(z.itertuples(), [BOX_A, BOX_B, BOX_C], strict=True):
        assert row.area_km2 == pytest.approx(sphere_box_km2(*box.bounds), rel=0.005)
    assert z.kind.tolist() == ["safe"] * 3
    # without split: one zone of all three, as before
    assert len(sz.safe_zone(three_named)) == 1
    with pytest.raises(
        UnknownNameError, match=r"split='Name': no such attribute; its attributes are 'name'"
    ):
        sz.safe_zone(three_named, split="Name")


def test_split_in_a_scenario_scores_each_feature(three_named):
    doc = {
        "id": "drawn",
        "title": "drawn",
        "source": {"citation": "test"},
        "zones": [
            {
                "id": "drawn",
                "kind": "safe",
                "path": str(three_named),
                "split": "name",
                "protection": 0.6,
            },
            {"id": "aleppo", "kind": "freeze", "place": "Aleppo", "radius_km": 10},
        ],
    }
    sc = Scenario.from_dict(doc)
    r = run(sc, draws=5, seed=1)
    ids = ["drawn-azaz-pocket", "drawn-ma-arrat-an-nu-man", "drawn-azaz-pocket-2", "aleppo"]
    assert r.zones["zone_id"].tolist() == ids
    assert r.zones["protection"].tolist() == [0.6, 0.6, 0.6, 0.5]
    assert r.per_zone["zone_id"].tolist() == ids
    # the sweep's fast path hands such a scenario to the reference
    from safezones.engine import Engine, fast_supported

    assert fast_supported(sc) == "a safe zone split into one zone per feature"
    np.testing.assert_allclose(Engine().samples(sc, draws=5, seed=1), r.samples.to_numpy())


def test_split_and_layer_keys_are_checked(three_named):
    base = {"id": "t", "title": "t", "source": {"citation": "c"}}
    wkt = "POLYGON ((37 36.3, 37.5 36.3, 37.5 36.6, 37 36.6, 37 36.3))"
    with pytest.raises(SafeZonesError, match="split apply to a file: give path, not wkt"):
        Scenario.from_dict(
            {**base, "zones": [{"id": "a", "kind": "safe", "wkt": wkt, "split": "name"}]}
        )
    with pytest.raises(
        SafeZonesError, match="capacity is one zone's, but split makes one zone per feature"
    ):
        Scenario.from_dict(
            {
                **base,
                "zones": [
                    {
                        "id": "a",
                        "kind": "safe",
                        "path": str(three_named),
                        "split": "name",
                        "capacity": 1000,
                    }
                ],
            }
        )
    with pytest.raises(
        SafeZonesError, match="needs a file or layer whose features have attributes"
    ):
        sz.safe_zone(wkt, split="name")


def test_a_feature_without_a_name_is_refused(tmp_path):
    path = tmp_path / "unnamed.geojson"
    gpd.GeoDataFrame({"name": ["A", None]}, geometry=[BOX_A, BOX_B], crs=4326).to_file(path)
    with pytest.raises(GeometryError) as err:
        sz.safe_zone(path, split="name")
    assert (
        str(err.value) == f"{path}: feature 1: no value in 'name'; give every feature a name there"
    )


def test_metre_coordinates_without_a_crs_are_not_degrees(tmp_path):
    poly = gpd.GeoSeries([BOX_A], crs=4326).to_crs(32637).iloc[0]
    path = tmp_path / "metres.geojson"  # GeoJSON without "crs": read as longitude/latitude
    feature = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(poly)}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(GeometryError) as err:
        sz.safe_zone(path)
    assert str(err.value) == (
        f"{path}: these coordinates are not degrees: give the CRS; they reach beyond ±180 "
        "longitude or ±90 latitude, which WGS 84 cannot hold; save the file with the CRS it "
        "was drawn in (e.g. EPSG:32637, UTM zone 37N), or in EPSG:4326"
    )
    with pytest.raises(
        GeometryError, match=r'not degrees: give the CRS; .*pass crs=, e\.g\. crs="EPSG:32637"'
    ):
        sz.safe_zone(poly.wkt)
    # with its CRS the same polygon is the zone
    z = sz.safe_zone(poly.wkt, crs="EPSG:32637")
    assert z.area_km2.iloc[0] == pytest.approx(sphere_box_km2(*BOX_A.bounds), rel=0.005)


def test_the_cli_names_the_zone_and_the_layers(two_layers, tmp_path):
    toml = tmp_path / "drawn.toml"
    toml.write_text(
        'title = "Drawn in QGIS"\nsource = { citation = "test" }\n'
        f'[[zones]]\nid = "north"\nkind = "safe"\npath = "{two_layers.name}"\n'
    )
    proc = run_cli("run", toml, "--out", tmp_path / "out", "--draws", "2")  # in-process
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    err = " ".join(proc.stderr.split())
    assert "zones.north: the file has 2 layers: 'roads' (LineString), 'zones' (Polygon)" in err
    assert not (tmp_path / "out").exists()


def test_split_names_obey_the_scenario_limits_for_names(tmp_path):
    """A name taken from a feature is a zone name: at most 100 characters, no control codes."""
    import geopandas as gpd
    import shapely

    import safezones as sz
    from safezones import GeometryError

    boxes = [shapely.box(37.0, 36.5, 37.1, 36.6), shapely.box(37.2, 36.5, 37.3, 36.6)]
    path = tmp_path / "two.geojson"
    gpd.GeoDataFrame({"name": ["x" * 101, "bell\x07"]}, geometry=boxes, crs=4326).to_file(path)
    with pytest.raises(GeometryError) as err:
        sz.safe_zone(path, zone_id="north", split="name")
    msg = str(err.value)
    assert "feature 0: 'name' has 101 characters, at most 100 for a zone name" in msg
    assert "feature 1: 'name' holds the control character U+0007 at position 5" in msg
    assert "x" * 101 not in msg
