"""Population overlays (safezones.model.population) against brute force and hand sums."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import safezones as sz
from safezones import DataError, SafeZonesError, data, sources
from safezones.crs import PROJECT_CRS

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def zones():
    return sz.zone_set(
        sz.refuge_strip("TUR", depth_km=30),
        sz.refuge_strip("LBN", depth_km=20),
        sz.freeze_zone("Aleppo", radius_km=15),
        sz.freeze_zone("Homs", radius_km=25),
    )


def _square(x0, y0, side_m):
    """A zone layer with one square in PROJECT_CRS metres."""
    return gpd.GeoDataFrame(
        {"zone_id": ["sq"]},
        geometry=[shapely.box(x0, y0, x0 + side_m, y0 + side_m)],
        crs=PROJECT_CRS,
    )


def test_population_half_cell_inside_gets_half():
    cells = gpd.GeoDataFrame(
        {"pop_low": [80.0, 10.0], "pop_central": [100.0, 20.0], "pop_high": [120.0, 30.0]},
        geometry=[shapely.box(0, 0, 2000, 2000), shapely.box(2000, 0, 4000, 2000)],
        crs=PROJECT_CRS,
    )
    zone = gpd.GeoDataFrame(geometry=[shapely.box(1000, -500, 2000, 2500)], crs=PROJECT_CRS)
    got = sz.population_in_zones(zone, cells)
    np.testing.assert_allclose(got.iloc[0].to_numpy(), [40.0, 50.0, 60.0])
    pts = cells.assign(geometry=cells.centroid)
    zone2 = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 2500, 2500)], crs=PROJECT_CRS)
    np.testing.assert_allclose(sz.population_in_zones(zone2, pts).iloc[0], [80, 100, 120])


def test_population_over_a_partition_of_syria_adds_up():
    """The 62 districts partition Syria: area-weighted residents add up to the grid total."""
    grid = data.population_grid()
    districts = data.districts()
    syria = gpd.GeoDataFrame(geometry=[data.syria()], crs=4326)
    # OCHA's outline differs a little from Natural Earth's (the grid's): clip the districts
    # to it and add the rest of Syria as one more piece, so the pieces partition Syria.
    clipped = districts.clip(syria)[["geometry"]]
    rest = syria.overlay(districts[["geometry"]], how="difference")
    pieces = pd.concat([clipped, rest], ignore_index=True)
    assert pieces.to_crs(PROJECT_CRS).area.sum() == pytest.approx(
        data.syria(crs="metric").area, rel=1e-5
    )
    got = sz.population_in_zones(pieces, grid)
    assert got.residents_central.sum() == pytest.approx(grid.pop_central.sum(), rel=1e-4)
    assert got.residents_low.sum() == pytest.approx(grid.pop_low.sum(), rel=1e-4)


def test_population_in_real_zones_is_plausible(zones):
    got = sz.population_in_zones(zones, data.population_grid())
    assert (got.residents_low <= got.residents_central).all()
    assert (got.residents_central <= got.residents_high).all()
    aleppo = got.residents_central.iloc[2]
    # the 15 km disc holds Aleppo city's 2.1 M (GeoNames) plus some rural people
    assert 2_098_210 * 0.95 < aleppo < 2_098_210 + 500_000


def test_population_errors():
    zone = _square(0, 0, 1000)
    cells = gpd.GeoDataFrame(
        {"pop_central": [1.0]}, geometry=[shapely.box(0, 0, 1, 1)], crs=PROJECT_CRS
    )
    with pytest.raises(DataError, match=r"lacks the columns \['pop_low', 'pop_high'\]"):
        sz.population_in_zones(zone, cells)
    neg = cells.assign(pop_low=-1.0, pop_high=2.0)
    with pytest.raises(DataError, match="1 population rows are negative or missing"):
        sz.population_in_zones(zone, neg)
    with pytest.raises(SafeZonesError, match="zones must be a GeoDataFrame"):
        sz.population_in_zones("zones.geojson", cells)


def test_admin_table_population_over_districts_adds_up():
    """OCHA districts partition OCHA governorates: area-weighting a governorate table
    onto the districts gives back the national total."""
    pop = sources.read_admin_population(
        DATA / "syr_pop_adm1_hxl.csv", pcode="ADM1_PCODE", population="T_TL"
    )
    got = sz.population_in_zones(data.districts(), pop)
    assert got.residents_central.sum() == pytest.approx(21_110_652, rel=1e-6)
