"""A custom zone's features (safezones.model.features): geometry, WKT, layers, names."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from safezones import GeometryError, SafeZonesError, UnknownNameError
from safezones.model.features import name_problems, split_values, zone_features

BOX = shapely.box(37.0, 36.0, 37.1, 36.1)


def test_each_kind_of_input_gives_its_features_label_and_crs(tmp_path):
    assert zone_features(BOX, "EPSG:4326") == ([BOX], "geometry", "EPSG:4326", None)
    geoms, label, crs, values = zone_features(BOX.wkt, "EPSG:32637")
    assert (label, crs, values) == ("WKT", "EPSG:32637", None) and geoms[0].equals(BOX)
    layer = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[BOX, BOX], crs=4326)
    geoms, label, crs, values = zone_features(layer, None, split="name")
    assert (label, crs.to_epsg(), values, len(geoms)) == ("layer", 4326, ["a", "b"], 2)
    path = tmp_path / "z.geojson"
    layer.to_file(path)
    geoms, label, crs, values = zone_features(path, None, split="name")
    assert (label, values, len(geoms)) == (str(path), ["a", "b"], 2)


def test_inputs_that_cannot_give_features_are_refused():
    with pytest.raises(GeometryError, match="a bare geometry needs crs="):
        zone_features(BOX, None)
    with pytest.raises(GeometryError, match="a WKT string needs crs="):
        zone_features(BOX.wkt, None)
    with pytest.raises(SafeZonesError, match="layer= names a layer of a file"):
        zone_features(BOX, "EPSG:4326", layer="zones")
    with pytest.raises(SafeZonesError, match="needs a layer with attributes, not a GeoSeries"):
        zone_features(gpd.GeoSeries([BOX], crs=4326), None, split="name")
    with pytest.raises(SafeZonesError, match="needs a file or layer whose features have"):
        zone_features(BOX.wkt, "EPSG:4326", split="name")
    with pytest.raises(SafeZonesError, match=r"safe_zone takes a shapely polygon, .* not int"):
        zone_features(3, "EPSG:4326")


def test_split_values_and_names():
    layer = gpd.GeoDataFrame({"name": ["a"], "kind": ["x"]}, geometry=[BOX], crs=4326)
    assert split_values(layer, "kind", "f") == ["x"]
    with pytest.raises(UnknownNameError, match="split='Name': no such attribute; its attributes"):
        split_values(layer, "Name", "f")
    assert name_problems(["ok", "fine"], "name") == []
    assert name_problems(["ok", None, " "], "name") == [
        "feature 1: no value in 'name'; give every feature a name there",
        "feature 2: no value in 'name'; give every feature a name there",
    ]
    (long_name,) = name_problems(["x" * 101], "name")
    assert long_name.startswith("feature 0: 'name' has 101 characters, at most 100")
