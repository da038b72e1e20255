"""Files as the readers meet them (safezones.io.files)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from safezones.errors import DataError, GeometryError
from safezones.io.files import check_file, is_vector_file, read_vector


def test_check_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        check_file(tmp_path / "no.csv")
    with pytest.raises(DataError, match="is a folder, not a file"):
        check_file(tmp_path)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(DataError, match="the file is empty"):
        check_file(tmp_path / "empty.csv")
    (tmp_path / "a.csv").write_text("x\n1\n")
    assert check_file(str(tmp_path / "a.csv")) == tmp_path / "a.csv"


def test_vector_or_table_by_suffix_and_geoparquet_metadata(tmp_path):
    pts = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(36.6, 35.9)], crs=4326)
    pts.to_parquet(tmp_path / "geo.parquet")
    pts.drop(columns="geometry").to_parquet(tmp_path / "plain.parquet")
    assert is_vector_file(tmp_path / "geo.parquet")
    assert not is_vector_file(tmp_path / "plain.parquet")
    assert is_vector_file(tmp_path / "x.GeoJSON") and not is_vector_file(tmp_path / "x.csv")
    assert read_vector(tmp_path / "geo.parquet", what="point file").crs.to_epsg() == 4326


def test_read_vector_needs_a_readable_layer_with_a_crs(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("not json")
    with pytest.raises(DataError, match="cannot read it as a boundary layer"):
        read_vector(bad, what="boundary layer")
    nocrs = tmp_path / "nocrs.parquet"
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]).to_parquet(nocrs)
    with pytest.raises(GeometryError, match="the layer has no CRS"):
        read_vector(nocrs, what="point file")
