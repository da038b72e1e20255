"""The control surface against hand-made points and polygons, and the bundled snapshots."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import safezones as sz
from safezones import SafeZonesError, data
from safezones.crs import PROJECT_CRS
from safezones.model import control as C
from safezones.model.prepare import bundled_cells
from safezones.schema import ACTORS

GOV, OPP, IS, KURDS, UNK = range(5)
KM = 1000.0
#: A place in the desert near Palmyra, far from Syria's edges: toys are laid out around it.
X0, Y0 = shapely.get_coordinates(
    gpd.GeoSeries(gpd.points_from_xy([38.3], [34.6]), crs=4326).to_crs(PROJECT_CRS)
)[0]


def toy(xs_km: list[float], actors: list[str], *, max_km: float, ys_km: list[float] | None = None):
    ys = ys_km or [0.0] * len(xs_km)
    pts = gpd.GeoDataFrame(
        {"actor": actors},
        geometry=gpd.points_from_xy(X0 + np.array(xs_km) * KM, Y0 + np.array(ys) * KM),
        crs=PROJECT_CRS,
    )
    return C.surface_from_points(pts, max_km=max_km, label="toy")


def at(surface: C.ControlSurface, *xy_km: tuple[float, float]) -> list[str]:
    xy = np.array(xy_km, dtype=float) * KM + [X0, Y0]
    return [ACTORS[c] for c in surface.actor_at(xy)]


def polygon_areas_km2(surface: C.ControlSurface) -> dict[str, float]:
    p = surface.polygons()
    return dict(zip(p["actor"], p.area / 1e6, strict=True))


@pytest.fixture(scope="module")
def late2014() -> C.ControlSurface:
    return C.surface_from_points(data.control("2015"), label="SCMP late 2014", snapshot="2015")


# ----------------------------------------------------------------- points


def test_nearest_within_distance_else_unknown():
    s = toy([0, 10], ["government", "opposition"], max_km=6)
    got = at(s, (1, 0), (4.9, 0), (5.1, 0), (9, 0), (0, 5.999), (0, 6.001), (16.5, 0), (-7, 0))
    assert got == ["government", "government", "opposition", "opposition",
                   "government", "unknown", "unknown", "unknown"]  # fmt: skip


def test_ties_go_to_the_community_listed_first():
    a = toy([0, 10], ["government", "opposition"], max_km=6)
    b = toy([10, 0], ["opposition", "government"], max_km=6)
    assert at(a, (5, 0), (5, 3)) == ["government", "government"]
    assert at(b, (5, 0), (5, 3)) == ["opposition", "opposition"]
    # two communities at the same place: the first is kept, the second dropped
    dup = toy([0, 0], ["kurds", "government"], max_km=6)
    assert at(dup, (0, 0), (1, 1)) == ["kurds", "kurds"]
    assert len(dup.xy) == 1


def test_polygons_of_two_communities_match_the_disc_geometry():
    # Each takes its half of the plane (bisector x = 5 km) within 6 km of it: a disc
    # less the circular segment beyond the bisector, r^2 acos(d/r) - d sqrt(r^2 - d^2).
    r, d = 6.0, 5.0
    segment = r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)
    ngon = 0.5 * 64 * math.sin(2 * math.pi / 64) / math.pi  # the 64-gon's share of a disc
    s = toy([0, 10], ["government", "opposition"], max_km=r)
    got = polygon_areas_km2(s)
    for actor in ("government", "opposition"):
        assert got[actor] == pytest.approx((math.pi * r * r - segment) * ngon, rel=2e-3)
    assert got["islamic_state"] == got["kurds"] == 0.0
    syria = data.syria(crs="metric").area / 1e6
    assert got["unknown"] == pytest.approx(syria - got["government"] - got["opposition"], rel=1e-9)


def test_refuses_bad_points_and_names():
    pts = gpd.GeoDataFrame({"actor": ["government", "goverment", "rebels"]},
                           geometry=gpd.points_from_xy([X0] * 3, [Y0] * 3), crs=PROJECT_CRS)  # fmt: skip
    with pytest.raises(SafeZonesError, match=r"unknown actors \['goverment', 'rebels'\]"):
        C.surface_from_points(pts, label="x")
    lines = gpd.GeoDataFrame({"actor": ["government"]},
                             geometry=[shapely.LineString([(X0, Y0), (X0 + 1, Y0)])], crs=PROJECT_CRS)  # fmt: skip
    with pytest.raises(SafeZonesError, match=r"rows \[0\] are not points"):
        C.surface_from_points(lines, label="x")
    with pytest.raises(SafeZonesError, match="max_km must be > 0"):
        C.surface_from_points(pts.iloc[:1], max_km=0, label="x")


# ----------------------------------------------------------------- polygons of a user layer


def box_km(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0 * KM, Y0 + y0 * KM, X0 + x1 * KM, Y0 + y1 * KM)


@pytest.mark.parametrize("first", ["government", "kurds"])
def test_overlapping_polygons_the_first_row_wins(first: str):
    other = "kurds" if first == "government" else "government"
    boxes = [box_km(0, 0, 10, 10), box_km(5, 0, 15, 10)]  # overlap: x 5..10, 50 km2
    layer = gpd.GeoDataFrame({"actor": [first, other]}, geometry=boxes, crs=PROJECT_CRS)
    s = C.surface_from_polygons(layer.to_crs(4326), label="user")
    assert at(s, (2, 5), (7, 5), (12, 5), (20, 5)) == [first, first, other, "unknown"]
    got = polygon_areas_km2(s)
    assert got[first] == pytest.approx(100.0, rel=1e-6)
    assert got[other] == pytest.approx(50.0, rel=1e-6)
    syria = data.syria(crs="metric").area / 1e6
    assert sum(got.values()) == pytest.approx(syria, rel=1e-9)


# ----------------------------------------------------------------- the bundled snapshot


def test_polygons_partition_syria(late2014: C.ControlSurface):
    p = late2014.polygons()
    assert p["actor"].tolist() == list(ACTORS)
    syria = data.syria(crs="metric")
    areas = p.area.to_numpy()
    assert areas.sum() == pytest.approx(syria.area, rel=1e-9)
    # no overlaps: the union covers as much as the parts add up to
    assert shapely.union_all(p.geometry.to_numpy()).area == pytest.approx(areas.sum(), rel=1e-9)
    assert (areas[:UNK] > 5_000e6).all()  # each actor holds thousands of km2 in late 2014


def test_polygons_agree_with_the_point_rule(late2014: C.ControlSurface):
    rng = np.random.default_rng(18)
    x0, y0, x1, y1 = data.syria(crs="metric").bounds
    pts = shapely.points(rng.uniform(x0, x1, 8000), rng.uniform(y0, y1, 8000))
    pts = pts[shapely.contains(data.syria(crs="metric"), pts)]
    poly = late2014.polygons().geometry.to_numpy()
    edges = shapely.union_all(shapely.boundary(poly))
    pts = pts[~shapely.dwithin(pts, edges, 50.0)]  # the discs are 64-gons: metres off
    assert len(pts) > 4000
    owner = np.full(len(pts), -1)
    pi, gi = shapely.STRtree(poly).query(pts, predicate="within")
    owner[pi] = gi
    assert (owner >= 0).all()  # every point lies in exactly one part
    np.testing.assert_array_equal(owner, late2014.actor_at(shapely.get_coordinates(pts)))
    assert len(np.unique(owner)) == 5


def test_raqqa_is_held_by_is_and_damascus_by_the_government(late2014: C.ControlSurface):
    zones = sz.zone_set(
        sz.freeze_zone("Raqqa", radius_km=15), sz.freeze_zone("Damascus", radius_km=12)
    )
    got = C.zone_control(zones, late2014, bundled_cells())
    assert list(got.columns) == C.share_columns()
    np.testing.assert_allclose(got.filter(like="share_area").sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(got.filter(like="share_population").sum(axis=1), 1.0, rtol=1e-12)
    # Raqqa was IS's capital from January 2014: all 28 communities within 15 km are IS's
    assert got["share_population_islamic_state"].iloc[0] >= 0.95
    # Damascus: of the SCMP communities within 12 km, count by hand the government's share;
    # the rest (Eastern Ghouta, Darayya) were opposition-held, the city centre government's.
    pts = data.control("2015").to_crs(PROJECT_CRS)
    disc = zones.to_crs(PROJECT_CRS).geometry.iloc[1]
    inside = pts[pts.within(disc)]["actor"].value_counts()
    assert set(inside.index) == {"government", "opposition"}
    assert inside["government"] / inside.sum() >= 0.7
    assert got["share_population_government"].iloc[1] >= 0.7
    assert got["share_population_opposition"].iloc[1] == pytest.approx(
        1 - got["share_population_government"].iloc[1], abs=1e-9
    )
    centre = gpd.GeoSeries(gpd.points_from_xy([36.2919], [33.5102]), crs=4326).to_crs(PROJECT_CRS)
    assert ACTORS[late2014.actor_at(shapely.get_coordinates(centre))[0]] == "government"


# ----------------------------------------------------------------- cuts


@pytest.fixture(scope="module")
def aleppo() -> gpd.GeoDataFrame:
    return sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15), sz.refuge_strip("TUR", depth_km=10))


def test_cut_keeps_area_and_people_of_the_rest(
    late2014: C.ControlSurface, aleppo: gpd.GeoDataFrame
):
    exclude = ("opposition", "islamic_state")
    cut = C.cut_zones(aleppo, late2014, exclude)
    assert cut.crs == aleppo.crs and list(cut.index) == list(aleppo.index)
    m = aleppo.to_crs(PROJECT_CRS).geometry.to_numpy()
    polys = late2014.polygons().set_index("actor").geometry
    excluded = sum(shapely.area(shapely.intersection(m, polys[a])) for a in exclude) / 1e6
    np.testing.assert_allclose(cut["area_km2"] + excluded, cut["area_before_cut_km2"], rtol=1e-6)
    np.testing.assert_allclose(cut["area_before_cut_km2"], shapely.area(m) / 1e6, rtol=1e-12)
    assert (cut["area_km2"] < 0.9 * cut["area_before_cut_km2"]).all()  # a real cut
    shares = C.zone_control(aleppo, late2014, bundled_cells())
    kept = 1 - shares[[f"share_population_{a}" for a in exclude]].sum(axis=1)
    before = sz.population_in_zones(aleppo, data.population_grid())["residents_central"].to_numpy()
    after = sz.population_in_zones(cut, data.population_grid())["residents_central"].to_numpy()
    np.testing.assert_allclose(after, before * kept.to_numpy(), rtol=1e-6)


def test_cut_nothing_or_everything(late2014: C.ControlSurface, aleppo: gpd.GeoDataFrame):
    same = C.cut_zones(aleppo, late2014, ())
    assert shapely.equals(same.geometry.to_numpy(), aleppo.geometry.to_numpy()).all()
    assert same["area_km2"].tolist() == aleppo["area_km2"].tolist()
    gone = C.cut_zones(aleppo, late2014, tuple(ACTORS))
    assert gone.geometry.is_empty.all() and (gone["area_km2"] == 0).all()
    with pytest.raises(SafeZonesError, match=r"unknown actors \['rebels'\]"):
        C.cut_zones(aleppo, late2014, ("rebels",))


# ----------------------------------------------------------------- crossings


def line_km(s: C.ControlSurface, a: tuple[float, float], b: tuple[float, float], **kw) -> int:
    xy = np.array([a, b]) * KM + [X0, Y0]
    return int(C.crossings(xy[:1], xy[1:], s, **kw)[0])


def test_crossings_on_hand_made_lines():
    three = toy([0, 10, 20], ["government", "opposition", "islamic_state"], max_km=6)
    assert line_km(three, (0, 0), (20, 0)) == 2
    assert line_km(three, (20, 0), (0, 0)) == 2
    assert line_km(three, (0, 0), (9, 0)) == 1
    assert line_km(three, (3, 3), (3, 3)) == 0  # zero length
    # government - unknown desert - government: no front line crossed
    gap = toy([0, 30], ["government", "government"], max_km=6)
    assert at(gap, (15, 0)) == ["unknown"]
    assert line_km(gap, (0, 0), (30, 0)) == 0
    # government - unknown - opposition: one change
    apart = toy([0, 30], ["government", "opposition"], max_km=6)
    assert line_km(apart, (0, 0), (30, 0)) == 1
    # there and back again through the opposition's ground
    assert line_km(three, (0, 0), (10, 0)) + line_km(three, (10, 0), (0, 0)) == 2


@pytest.mark.parametrize("step_km", [0.25, 0.5, 1.0, 2.0, 3.0])
def test_step_does_not_change_a_coarse_count(step_km: float):
    s = toy([0, 10, 20, 30], ["government", "opposition", "islamic_state", "government"], max_km=6)
    assert line_km(s, (0, 0), (30, 0), step_km=step_km) == 3
    assert line_km(s, (0, 0), (12, 0), step_km=step_km) == 1


def test_cell_crossings_to_the_nearest_point_of_a_zone():
    s = toy([0, 10, 20], ["government", "opposition", "islamic_state"], max_km=6)
    zone = box_km(18, -5, 25, 5)  # IS ground
    pts = shapely.points(np.array([(0, 0), (0, 30), (11, 0), (20, 0), (2, 0)]) * KM + [X0, Y0])
    mask = np.array([True, True, True, True, False])
    got = C.cell_crossings(pts, zone, s, mask=mask).tolist()
    # (0, 30) is unknown ground; its line to (18, 5) passes 9.4 km from the opposition's
    # community (beyond its 6 km), then enters IS ground: no change counted
    assert got == [2, 0, 1, 0, 0]
    assert C.cell_crossings(pts, shapely.Polygon(), s).tolist() == [0] * 5


# ----------------------------------------------------------------- small helpers


def test_majority_actor_and_codes():
    got = C.majority_actor(np.array([GOV, OPP, OPP, KURDS, IS]), np.array([2.0, 1.0, 1.0, 3.0, 3.0]),
                           np.array([0, 0, 0, 1, 1]), 3)  # fmt: skip
    assert got.tolist() == [GOV, IS, UNK]  # group 0: a tie 2-2, the first actor wins
    assert C.actor_codes(["unknown", "kurds"]).tolist() == [UNK, KURDS]
    assert C.share_columns()[:2] == ["share_area_government", "share_area_opposition"]
    assert C.share_columns()[5] == "share_population_government" and len(C.share_columns()) == 10


DATES = {"2014": pd.Timestamp("2014-01-01"), "2015": pd.Timestamp("2015-01-01")}


def test_choose_snapshot():
    assert C.choose_snapshot(DATES, "2014", pd.Timestamp("2019-12-31")) == ("2014", "")
    assert C.choose_snapshot(DATES, None, pd.Timestamp("2014-03-01")) == ("2014", "")
    assert C.choose_snapshot(DATES, None, pd.Timestamp("2014-12-31")) == ("2015", "")
    assert C.choose_snapshot(DATES, None, pd.Timestamp("2014-07-02 12:00")) == ("2014", "")  # tie
    key, note = C.choose_snapshot(DATES, None, pd.Timestamp("2017-01-01"))
    assert key == "2015"
    assert note == ("the window ends on 2017-01-01, 2 years after the latest control snapshot "
                    "(2015, 2015-01-01): it is used as the nearest")  # fmt: skip
    key, note = C.choose_snapshot(DATES, None, pd.Timestamp("2011-06-01"))
    assert (
        key == "2014" and "3 years before the earliest control snapshot (2014, 2014-01-01)" in note
    )
    three = {**DATES, "2020": pd.Timestamp("2020-01-01")}
    key, note = C.choose_snapshot(three, None, pd.Timestamp("2017-03-01"))
    assert key == "2015" and "2 years after the control snapshot (2015" in note
    with pytest.raises(
        SafeZonesError, match=r"no control snapshot '2016'; the layer has '2014', '2015'"
    ):
        C.choose_snapshot(DATES, "2016", pd.Timestamp("2015-01-01"))
