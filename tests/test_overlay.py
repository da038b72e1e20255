"""Overlays against brute force and tiny datasets whose answers are known by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import safezones as sz
from safezones import DataError, SafeZonesError, data
from safezones.crs import PROJECT_CRS


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


def test_event_counts_equal_brute_force_contains(zones):
    events = data.events()
    got = sz.events_in_zones(zones, events, start=2014, end=2014, imprecise="point")
    ev14 = events[events.year == 2014].to_crs(PROJECT_CRS)
    for i, zone in enumerate(zones.to_crs(PROJECT_CRS).geometry):
        inside = np.array([zone.intersects(p) for p in ev14.geometry])
        assert got.events.iloc[i] == inside.sum()
        assert got.deaths_total.iloc[i] == ev14.deaths_total[inside].sum()
        assert got.deaths_civilians.iloc[i] == ev14.deaths_civilians[inside].sum()
    assert list(got.index) == list(zones.index)


def test_tiny_event_file_with_a_window():
    zone = _square(0, 0, 10_000)
    pts = gpd.GeoDataFrame(
        {
            "deaths_total": [5, 7, 11, 13],
            "deaths_civilians": [1, 2, 3, 4],
            "year": [2013, 2014, 2014, 2015],
        },
        geometry=shapely.points([[1000, 1000], [5000, 5000], [20_000, 5000], [9000, 9000]]),
        crs=PROJECT_CRS,
    )
    cols = ["events", "deaths_total", "deaths_civilians"]
    allyears = sz.events_in_zones(zone, pts)
    assert allyears[cols].iloc[0].tolist() == [3, 5 + 7 + 13, 1 + 2 + 4]
    # three years of data (2013-2015) over 100 km2: 3 / 0.1 / 3 = 10 per 1,000 km2 per year
    assert allyears.events_per_1000km2_year.iloc[0] == pytest.approx(10.0)
    only14 = sz.events_in_zones(zone, pts, start=2014, end=2014)
    assert only14[cols].iloc[0].tolist() == [1, 7, 2]
    assert only14.events_per_1000km2_year.iloc[0] == pytest.approx(10.0)
    # a year-only event counts only when the window covers its whole year
    mid14 = sz.events_in_zones(zone, pts, start="2014-06-01", end="2015-12-31")
    assert mid14[cols].iloc[0].tolist() == [1, 13, 4]
    since = sz.events_in_zones(zone, pts, start=2014)
    assert since[cols].iloc[0].tolist() == [2, 20, 6]
    assert since.attrs["excluded"] == {"window": 1} and since.attrs["years"] == 2.0


def test_event_on_the_edge_counts_and_zones_without_events_are_zero():
    zone = pd.concat(
        [_square(0, 0, 10_000), _square(50_000, 0, 1000).assign(zone_id="far")], ignore_index=True
    )
    pts = gpd.GeoDataFrame(
        {"deaths_total": [4], "deaths_civilians": [0]},
        geometry=[shapely.Point(10_000, 5000)],
        crs=PROJECT_CRS,
    )
    got = sz.events_in_zones(zone, pts)
    assert got.events.tolist() == [1, 0] and got.deaths_total.tolist() == [4, 0]
    assert got.events_per_1000km2_year.isna().all()  # no dates: no time span to divide by


def test_seed_strikes_fall_in_a_raqqa_freeze_zone():
    seed = data.seed_facts().events
    z = sz.zone_set(sz.freeze_zone("Raqqa", radius_km=10))
    ev = seed.assign(
        deaths_total=seed.killed_min,
        deaths_civilians=seed.civilians_killed_min,
        date_start=seed.date,
        date_end=seed.date,
    )
    got = sz.events_in_zones(z, ev, start="2014-01-01", end="2014-12-31")
    cols = ["events", "deaths_total", "deaths_civilians"]
    assert got[cols].iloc[0].tolist() == [2, 63 + 53, 36 + 31]


def test_event_errors():
    zone = _square(0, 0, 1000)
    pts = gpd.GeoDataFrame({"deaths_total": [1]}, geometry=[shapely.Point(1, 1)], crs=PROJECT_CRS)
    with pytest.raises(DataError, match=r"lacks the columns \['deaths_civilians'\]"):
        sz.events_in_zones(zone, pts)
    ok = pts.assign(deaths_civilians=0)
    with pytest.raises(DataError, match="needs the events' dates"):
        sz.events_in_zones(zone, ok, start=2014)
    with pytest.raises(SafeZonesError, match="after end"):
        sz.events_in_zones(zone, ok.assign(year=2014), start=2015, end=2014)
    with pytest.raises(SafeZonesError, match="not a date"):
        sz.events_in_zones(zone, ok.assign(year=2014), start="last spring")
    with pytest.raises(SafeZonesError, match="has no CRS"):
        sz.events_in_zones(
            zone, gpd.GeoDataFrame(ok.drop(columns="geometry"), geometry=[shapely.Point(1, 1)])
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
