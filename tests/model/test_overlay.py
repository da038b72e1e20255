"""Event overlays (safezones.model.overlay) against brute force and tiny datasets known by hand."""

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
    # a short window is not rounded away: 10 days of 2014 (year-only events never fit)
    short = sz.events_in_zones(
        zone,
        pts.assign(date_start=pd.Timestamp("2014-03-01"), date_end=pd.Timestamp("2014-03-01")),
        start="2014-03-01",
        end="2014-03-10",
    )
    assert short.attrs["years"] == pytest.approx(10 / 365.25)
    assert short.events_per_1000km2_year.iloc[0] == pytest.approx(3 / 0.1 / (10 / 365.25))
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


# ---------------------------------------------------------------- windows, precision, spread

from pathlib import Path  # noqa: E402

from safezones import GeometryError, sources  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
COLS = ["events", "deaths_total", "deaths_civilians"]


def _units_brute(level: str):
    """Bundled units clipped to Syria in metres, computed here with geopandas."""
    layer = data.districts() if level == "districts" else data.governorates()
    syria = gpd.GeoDataFrame(geometry=[data.syria(crs="metric")], crs=PROJECT_CRS)
    return gpd.overlay(layer.to_crs(PROJECT_CRS), syria, how="intersection").geometry.tolist()


def _share_by_hand(zone_m, units, lonlat):
    """Share of the unit holding the point (or the nearest unit) that lies in the zone."""
    pt = gpd.GeoSeries([shapely.Point(lonlat)], crs=4326).to_crs(PROJECT_CRS).iloc[0]
    holding = [u for u in units if u.intersects(pt)]
    unit = holding[0] if holding else min(units, key=lambda u: u.distance(pt))
    return zone_m.intersection(unit).area / unit.area


def test_year_window_and_precision_filter_match_a_hand_count():
    ev = sources.read_ucdp_ged(DATA / "ucdp_ged_full_sample.csv")
    zone = sz.zone_set(sz.freeze_zone("Raqqa", radius_km=20))
    # 2014: events 900001 (63 dead, 36 civilians), 900002 (53, 31) and 900003 (7, 2, within
    # 25 km) are in the disc; 900004 runs into 2015 and lies 40 km south anyway
    got = sz.events_in_zones(zone, ev, start=2014, end=2014)
    assert got[COLS].iloc[0].tolist() == [3, 63 + 53 + 7, 36 + 31 + 2]
    assert got.attrs["excluded"] == {"window": 3}  # 900004, 900007 (2013) and 900008 (2015)
    # precision class 1 only: 900003 (where_prec 2) goes, and 900006 (district) elsewhere
    exact = sz.events_in_zones(zone, ev, start=2014, end=2014, max_precision=1)
    assert exact[COLS].iloc[0].tolist() == [2, 116, 67]
    assert exact.attrs["excluded"]["precision"] == 2
    # a window that covers 900004's days: it is located only to the governorate, so by
    # default a share of it equal to the share of Ar Raqqah governorate in the disc counts
    wide = sz.events_in_zones(zone, ev, start="2014-08-01", end="2015-01-31")
    share = _share_by_hand(
        zone.to_crs(PROJECT_CRS).geometry.iloc[0], _units_brute("governorates"), (38.9, 35.6)
    )
    assert 0 < share < 0.1
    assert wide.events.iloc[0] == pytest.approx(3 + share)
    assert wide.deaths_total.iloc[0] == pytest.approx(123 + 4 * share)
    assert wide.attrs["events_spread"] == 1
    excl = sz.events_in_zones(zone, ev, start="2014-08-01", end="2015-01-31", imprecise="exclude")
    assert excl.events.iloc[0] == 3 and excl.attrs["excluded"]["imprecise"] == 1
    naive = sz.events_in_zones(zone, ev, start="2014-08-01", end="2015-01-31", imprecise="point")
    assert naive.events.iloc[0] == 3  # its recorded point is outside the disc


def test_spread_equals_a_brute_force_share_per_event():
    zones = sz.zone_set(sz.freeze_zone("Aleppo", radius_km=25), sz.refuge_strip("LBN", depth_km=20))
    ev = data.events()
    coarse = ev[(ev.year == 2013) & ev.where_prec.isin([3, 4])]
    got = sz.events_in_zones(zones, coarse, start=2013, end=2013)
    units = {"districts": _units_brute("districts"), "governorates": _units_brute("governorates")}
    for i, zone_m in enumerate(zones.to_crs(PROJECT_CRS).geometry):
        share = {}
        expected = deaths = 0.0
        for row in coarse.itertuples():
            level = "districts" if row.where_prec == 3 else "governorates"
            key = (level, row.geometry.x, row.geometry.y)
            if key not in share:
                share[key] = _share_by_hand(zone_m, units[level], (row.geometry.x, row.geometry.y))
            expected += share[key]
            deaths += share[key] * row.deaths_total
        assert got.events.iloc[i] == pytest.approx(expected, rel=1e-6)
        assert got.deaths_total.iloc[i] == pytest.approx(deaths, rel=1e-6)
    assert got.events.iloc[0] > 1  # the test exercises real shares


def test_spread_events_are_conserved_over_a_partition_of_syria():
    """Spread over units that partition Syria, every imprecise event is counted exactly once."""
    ev = data.events()
    coarse = ev[(ev.year == 2014) & ev.where_prec.isin([3, 4])]
    syria = gpd.GeoDataFrame(geometry=[data.syria()], crs=4326)
    districts = data.districts()
    pieces = pd.concat(
        [
            districts.clip(syria)[["geometry"]],
            syria.overlay(districts[["geometry"]], how="difference"),
        ],
        ignore_index=True,
    )
    si = sz.strike_intensity(pieces, coarse)
    # (the pieces cover Syria up to overlay slivers of a few m2)
    assert si.events.sum() == pytest.approx(len(coarse), rel=1e-5)
    assert si.deaths_total.sum() == pytest.approx(coarse.deaths_total.sum(), rel=1e-5)
    # the naive rule puts them all on a few centre points instead
    naive = sz.strike_intensity(pieces, coarse, imprecise="point")
    assert (naive.events > 0).sum() < (si.events > 0.5).sum()


def test_buffer_grows_the_counting_area():
    zone = _square(0, 0, 10_000)
    pts = gpd.GeoDataFrame(
        {"deaths_total": [1, 2, 4], "deaths_civilians": [0, 0, 0], "year": [2014] * 3},
        geometry=shapely.points([[5000, 5000], [13_000, 5000], [18_000, 5000]]),
        crs=PROJECT_CRS,
    )
    no = sz.events_in_zones(zone, pts, start=2014, end=2014)
    yes = sz.events_in_zones(zone, pts, start=2014, end=2014, buffer_km=5)
    assert no.deaths_total.iloc[0] == 1 and yes.deaths_total.iloc[0] == 1 + 2
    # a 10 km square grown by 5 km: 100 + 4 * 10 * 5 + pi * 25 km2 (to the buffer's arcs)
    area = 100 + 200 + np.pi * 25
    assert yes.events_per_1000km2_year.iloc[0] == pytest.approx(2 / (area / 1000), rel=1e-3)
    assert yes.attrs["buffer_km"] == 5.0


def test_a_weight_column_is_summed_and_unknown_deaths_stay_unknown():
    pts = sources.read_points(DATA / "clinics.csv", weight="beds", date="opened")
    zone = sz.zone_set(sz.freeze_zone("Idlib", radius_km=10))
    got = sz.events_in_zones(zone, pts, weight="weight")
    assert got.events.iloc[0] == 40  # the Idlib clinic; Saraqab is 16 km away
    assert np.isnan(got.deaths_total.iloc[0])
    assert sz.events_in_zones(zone, pts).events.iloc[0] == 1


def test_acled_events_overlay_with_a_spread_district_event():
    ev = sources.read_acled(DATA / "acled_syria_export.csv")
    zone = sz.zone_set(sz.freeze_zone("Idlib", radius_km=10))
    got = sz.events_in_zones(zone, ev, start=2017, end=2018)
    # SYR106 in Idlib (5 civilians); SYR105 located only to Ariha district (geo_precision 3)
    share = _share_by_hand(
        zone.to_crs(PROJECT_CRS).geometry.iloc[0], _units_brute("districts"), (36.61, 35.8128)
    )
    assert 0 < share < 1
    assert got.events.iloc[0] == pytest.approx(1 + share)
    assert got.deaths_total.iloc[0] == pytest.approx(5 + 4 * share)
    assert got.deaths_civilians.iloc[0] == pytest.approx(5)


def test_many_zones_take_the_index_path_with_the_same_answer():
    from safezones.model.overlay import _MANY_ZONES

    places = data.places("SY").nlargest(80, "population")
    discs = [sz.freeze_zone((p.x, p.y), radius_km=12).geometry.iloc[0] for p in places.geometry]
    zones = gpd.GeoDataFrame(geometry=discs, crs=4326)
    assert len(zones) > _MANY_ZONES >= 40
    ev = data.events()
    together = sz.events_in_zones(zones, ev, imprecise="point")
    parts = pd.concat(
        [sz.events_in_zones(zones.iloc[i : i + 40], ev, imprecise="point") for i in (0, 40)]
    )
    np.testing.assert_array_equal(together[COLS].to_numpy(), parts[COLS].to_numpy())
    assert together.events.sum() > 10_000


def test_strike_intensity_on_a_tiny_grid_by_hand():
    cells = gpd.GeoDataFrame(
        {"pop_central": [1000.0, 0.0]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
        crs=PROJECT_CRS,
    )
    pts = gpd.GeoDataFrame(
        {"deaths_total": [3, 5, 1], "deaths_civilians": [1, 1, 1], "year": [2014, 2015, 2014]},
        geometry=shapely.points([[100, 100], [900, 900], [1500, 500]]),
        crs=PROJECT_CRS,
    )
    si = sz.strike_intensity(cells, pts, start=2014, end=2015)
    assert si.area_km2.tolist() == pytest.approx([1.0, 1.0])
    assert si.years.tolist() == [2.0, 2.0]
    assert si.events.tolist() == [2, 1]
    # 2 events on 1 km2 in 2 years: 1,000 per 1,000 km2 per year
    assert si.events_per_1000km2_year.tolist() == pytest.approx([1000.0, 500.0])
    assert si.deaths_per_1000km2_year.tolist() == pytest.approx([4000.0, 500.0])
    # 8 deaths among 1,000 people in 2 years: 400 per 100,000 per year; nobody in cell 2
    assert si.deaths_per_100k_year.iloc[0] == pytest.approx(400.0)
    assert np.isnan(si.deaths_per_100k_year.iloc[1])
    with pytest.raises(GeometryError, match="units must be polygons"):
        sz.strike_intensity(pts, pts)


def test_new_event_overlay_errors():
    zone = _square(0, 0, 1000)
    pts = gpd.GeoDataFrame(
        {"deaths_total": [1], "deaths_civilians": [0], "w": [-1.0]},
        geometry=[shapely.Point(1, 1)],
        crs=PROJECT_CRS,
    )
    with pytest.raises(
        SafeZonesError, match="imprecise='smear'; use 'spread', 'exclude' or 'point'"
    ):
        sz.events_in_zones(zone, pts, imprecise="smear")
    with pytest.raises(SafeZonesError, match="max_precision=7; use a class 1-4"):
        sz.events_in_zones(zone, pts, max_precision=7)
    with pytest.raises(SafeZonesError, match="buffer_km must be >= 0"):
        sz.events_in_zones(zone, pts, buffer_km=-2)
    with pytest.raises(DataError, match="weight='beds' is not a column of the events"):
        sz.events_in_zones(zone, pts, weight="beds")
    with pytest.raises(DataError, match="1 weight in 'w' is missing or negative"):
        sz.events_in_zones(zone, pts, weight="w")
    lines = pts.assign(geometry=[shapely.LineString([(0, 0), (5, 5)])])
    with pytest.raises(GeometryError, match="1 event is not a point"):
        sz.events_in_zones(zone, lines)
    with pytest.raises(SafeZonesError, match="events must be a GeoDataFrame of points"):
        sz.events_in_zones(zone, pd.DataFrame(pts.drop(columns="geometry")))
    with pytest.raises(DataError, match="where_prec has values \\[9\\] outside"):
        sz.events_in_zones(zone, pts.assign(where_prec=9))


def test_kernel_intensity_by_hand_away_from_the_border():
    from safezones.model.overlay import kernel_intensity

    # Palmyra is over 100 km from any border: the 10 km disc lies wholly in Syria
    x, y = sz.crs.lonlat_to_metric(38.28, 34.55)
    pts = gpd.GeoDataFrame(
        geometry=shapely.points([[x, y], [x + 9_000, y], [x + 11_000, y]]), crs=PROJECT_CRS
    )
    events = gpd.GeoDataFrame(
        {"deaths_total": [1, 2, 3], "deaths_civilians": [0, 0, 0], "year": [2014] * 3},
        geometry=shapely.points([[x, y]] * 3),
        crs=PROJECT_CRS,
    )
    k = kernel_intensity(pts, events, radius_km=10, start=2014, end=2014)
    per_disc = 3 / (np.pi * 10**2) * 1000  # events per 1,000 km2 in one year
    assert k.events.tolist() == [3, 3, 0]
    assert k.events_per_1000km2_year.to_numpy() == pytest.approx([per_disc, per_disc, 0], rel=1e-9)


def test_kernel_intensity_keeps_the_national_density():
    """Averaged over Syria by area, the smoothed density is the national density."""
    from safezones.model.overlay import kernel_intensity

    grid = data.population_grid()
    k = kernel_intensity(grid, data.events(), start=2014, end=2014)
    area = grid.area_km2.to_numpy()
    national = sz.events_in_zones(sz.union(sz.zone_set(sz.safe_zone(data.syria()))),
                                  data.events(), start=2014, end=2014)  # fmt: skip
    syria_density = national.events_per_1000km2_year.iloc[0]
    mean = (k.events_per_1000km2_year.to_numpy() * area).sum() / area.sum()
    assert mean == pytest.approx(syria_density, rel=0.05)
