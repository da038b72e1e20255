"""Population in zones from rasters: the real WorldPop Idleb raster against hand sums and rasterio.

The reader itself (metadata, total) is tested in tests/io/test_population.py."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.mask
import shapely
from rasterio.transform import from_origin

import safezones as sz
from safezones import DataError, GeometryError, SafeZonesError, sources
from safezones.io import zonal


@pytest.fixture(scope="module")
def tif(shared_data):
    return shared_data / "worldpop_idleb_100m_2026.tif"


@pytest.fixture(scope="module")
def grid(tif):
    """The whole raster as a masked array, read here independently of the package."""
    with rasterio.open(tif) as ds:
        return ds.read(1, masked=True).astype("float64"), ds.transform


def _zone(geom, crs=4326):
    return gpd.GeoDataFrame({"zone_id": ["z"]}, geometry=[geom], crs=crs)


def test_polygon_on_whole_cells_equals_the_hand_sum(tif, grid):
    arr, t = grid
    r0, r1, c0, c1 = 400, 450, 500, 560
    x0, y0 = t @ (c0, r0)
    x1, y1 = t @ (c1, r1)
    zone = _zone(shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    got = sz.population_in_zones(zone, tif)
    by_hand = float(arr[r0:r1, c0:c1].sum())  # nodata cells are masked out
    assert by_hand > 1000
    assert got.residents_central.iloc[0] == pytest.approx(by_hand, rel=1e-6)
    assert got.attrs["raster_coverage"] == [pytest.approx(1.0)]


def test_irregular_zone_agrees_with_rasterio_mask_within_partial_cells(tif):
    zones = sz.zone_set(
        sz.freeze_zone("Idlib", radius_km=10), sz.freeze_zone((36.8006, 35.8624), radius_km=5)
    )
    got = sz.population_in_zones(zones, tif)
    with rasterio.open(tif) as ds:
        for i, geom in enumerate(zones.geometry):
            centre, _ = rasterio.mask.mask(ds, [geom], crop=True, filled=False)
            touched, _ = rasterio.mask.mask(ds, [geom], crop=True, filled=False, all_touched=True)
            c, tt = float(centre.sum()), float(touched.sum())
            exact = got.residents_central.iloc[i]
            # only cells on the edge differ: the exact share lies between none and all of them
            assert abs(exact - c) <= tt - c + 1e-6
            assert exact <= tt + 1e-6
            assert exact == pytest.approx(c, rel=0.02)  # edge cells are a thin ring


def test_zones_partitioning_the_raster_add_up_to_its_total(tif, grid):
    arr, _ = grid
    r = sources.read_population_raster(tif)
    left, bottom, right, top = r.bounds
    xm, ym = 36.61, 35.83  # cuts that fall inside cells
    quads = [
        shapely.box(left, bottom, xm, ym),
        shapely.box(xm, bottom, right, ym),
        shapely.box(left, ym, xm, top),
        shapely.box(xm, ym, right, top),
    ]
    zones = gpd.GeoDataFrame(geometry=quads, crs=4326)
    got = sz.population_in_zones(zones, r)
    assert got.residents_central.sum() == pytest.approx(float(arr.sum()), rel=1e-6)
    assert (got.residents_central > 0).all()


def test_only_windows_are_read(tif, monkeypatch):
    from exactextract.raster import RasterioRasterSource

    windows: list[tuple[int, int]] = []

    class Recording(RasterioRasterSource):
        def read_window(self, x0, y0, nx, ny):
            windows.append((nx, ny))
            return super().read_window(x0, y0, nx, ny)

    monkeypatch.setattr(zonal, "_raster_source", lambda ds, band: Recording(ds, band_idx=band))
    sz.population_in_zones(sz.zone_set(sz.freeze_zone("Idlib", radius_km=5)), tif)
    assert windows, "exactextract read nothing"
    biggest = max(nx * ny for nx, ny in windows)
    assert biggest < 1266 * 1155 / 50  # a 10 km disc is ~ 120 x 120 cells, not the raster


def test_band_rule_and_zones_beyond_the_raster(tif):
    zones = sz.zone_set(
        sz.freeze_zone("Idlib", radius_km=10), sz.freeze_zone("Aleppo", radius_km=15)
    )
    with pytest.warns(
        UserWarning,
        match=r"1 zone reaches beyond the raster .*freeze-aleppo-15km|1 zone reaches beyond the raster .* 1 \(",
    ):
        got = sz.population_in_zones(zones, tif, relative_band=(0.8, 1.2))
    np.testing.assert_allclose(got.residents_low, 0.8 * got.residents_central)
    np.testing.assert_allclose(got.residents_high, 1.2 * got.residents_central)
    cov = got.attrs["raster_coverage"]
    assert cov[0] == pytest.approx(1.0) and 0.5 < cov[1] < 0.8
    # WorldPop's constrained raster leaves unsettled cells as nodata: they count as empty
    assert 0 < got.attrs["raster_data_share"][0] < 1
    with pytest.raises(SafeZonesError, match="need 0 <= low <= 1 <= high"):
        sz.population_in_zones(zones, tif, relative_band=(1.2, 0.8))
    with pytest.raises(SafeZonesError, match="relative_band applies to rasters"):
        sz.population_in_zones(zones, sz.data.population_grid(), relative_band=(0.8, 1.2))


def _write(path, arr, *, crs="EPSG:4326", nodata=None):
    profile = dict(
        driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1, dtype=arr.dtype.name,
        transform=from_origin(36.5, 36.0, 0.01, 0.01), nodata=nodata,
    )  # fmt: skip
    if crs is not None:
        profile["crs"] = crs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rasterio warns about a missing CRS
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(arr, 1)
    return path


def test_bad_rasters(tmp_path):
    arr = np.full((10, 10), 5.0, dtype="float32")
    zone = _zone(shapely.box(36.52, 35.92, 36.58, 35.98))
    with pytest.raises(GeometryError, match="the raster has no CRS"):
        sz.population_in_zones(zone, _write(tmp_path / "nocrs.tif", arr, crs=None))
    neg = arr.copy()
    neg[3, 3] = -9999.0  # a nodata value that the file does not declare
    with pytest.raises(DataError, match=r"negative people in 1 zone:.*is its nodata value set"):
        sz.population_in_zones(zone, _write(tmp_path / "neg.tif", neg))
    declared = sz.population_in_zones(zone, _write(tmp_path / "ok.tif", neg, nodata=-9999.0))
    # 6 x 6 cells of 5 people, one of them nodata
    assert declared.residents_central.iloc[0] == pytest.approx(35 * 5.0)
    with pytest.raises(DataError, match="band 2 does not exist; the raster has 1 band"):
        sources.read_population_raster(tmp_path / "ok.tif", band=2)
    text = tmp_path / "not.tif"
    text.write_text("hello")
    with pytest.raises(DataError, match="cannot read it as a raster"):
        sz.population_in_zones(zone, text)
