"""model/tables.py: the per-zone, per-origin and flow tables from per-draw arrays."""

from __future__ import annotations

import types

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safezones.crs import PROJECT_CRS
from safezones.model.control import surface_from_polygons, zone_control
from safezones.model.score import flow_means
from safezones.model.tables import CONTROL_COLUMNS, flows_table, per_zone_table, q_columns


def _prep() -> types.SimpleNamespace:
    """Two origins, two zones; group g of origin g reaches zone g only (2 and 4 km)."""
    groups = types.SimpleNamespace(
        origin=np.array([0, 1]),
        reach=np.array([[True, False], [False, True]]),
        distance_km=np.array([[2.0, 9.0], [9.0, 4.0]]),
    )
    return types.SimpleNamespace(
        zones=pd.DataFrame(
            {
                "zone_id": ["z0", "z1"],
                "kind": ["freeze", "safe"],
                "name": ["A", "B"],
                "area_km2": [1.0, 2.0],
                "protection": [0.0, 0.5],
            }
        ),
        zone_events=pd.DataFrame(
            {
                "events": [1.0, 0.0],
                "deaths_civilians": [2.0, 0.0],
                "events_per_1000km2_year": [3.0, 0.0],
            }
        ),
        exposure=np.array([1.0, 0.0]),
        units=pd.DataFrame({"pcode": ["SY01", "SY02"], "name": ["one", "two"]}),
        groups=groups,
        control=None,
        zone_events_all=None,
        protection_source=(),
        origin_actor=None,
    )


def test_q_columns_are_the_draws_quantiles_and_round_off_is_zero():
    got = q_columns("people", np.array([[0.0, 1e-7], [10.0, 1e-7], [20.0, 1e-7]]))
    assert list(got) == ["people_p5", "people_p50", "people_p95"]
    assert got["people_p50"].tolist() == [10.0, 0.0]
    assert got["people_p5"][0] == 1.0 and got["people_p95"][0] == 19.0


def test_flows_are_listed_where_someone_moves_with_their_mean_distance():
    prep = _prep()
    flows = np.array([[[5.0, 0.0], [0.0, 0.0]], [[7.0, 0.0], [0.0, 1.0]]])  # (draws, G, Z)
    t = flows_table(prep, flows, *flow_means(prep.groups, flows, 2))  # one group per origin
    assert t[["origin_pcode", "zone_id"]].values.tolist() == [["SY01", "z0"], ["SY02", "z1"]]
    assert t.distance_km.tolist() == [2.0, 4.0]
    assert t.people_p50.tolist() == [6.0, 0.5]


def test_per_zone_has_the_zones_events_and_people_quantiles():
    prep = _prep()
    ones = np.ones((3, 2))
    t = per_zone_table(prep, ones * 0.5, ones * 100, ones * 80, ones * 50, ones * 10)
    assert t.zone_id.tolist() == ["z0", "z1"] and t.events_weighted.tolist() == [1.0, 0.0]
    assert t.population_p50.tolist() == [100.0, 100.0]
    assert t.sheltered_safe_p95.tolist() == [5.0, 5.0]
    assert t.safety.iloc[1] == 1.0  # no exposure: fully safe


def test_without_control_the_tables_have_no_control_columns_and_no_changes():
    prep = _prep()
    ones = np.ones((3, 2))
    t = per_zone_table(prep, ones, ones, ones, ones, ones)
    assert t.columns[-1] == "sheltered_safe_p95" and "actor" not in t.columns
    flows = np.array([[[5.0, 0.0], [0.0, 1.0]]])
    f = flows_table(prep, flows, *flow_means(prep.groups, flows, 2))
    assert f.control_changes.tolist() == [0.0, 0.0]  # no crossings array: 0, never NaN
    assert "origin_actor" not in f.columns and "zone_actor" not in f.columns


def _box(x0, y0, x1, y1):
    return shapely.box(x0 * 1000.0, y0 * 1000.0, x1 * 1000.0, y1 * 1000.0)


@pytest.fixture(scope="module")
def toy_control():
    """A 10 x 10 km zone at the projection's centre (in Syria): the government holds x < 4 km,
    the opposition 4 to 10 km; cells of 300 people (x 0-2 km) and 100 people (x 6-8 km)."""
    zones = gpd.GeoDataFrame({"zone_id": ["z0"]}, geometry=[_box(0, 0, 10, 10)], crs=PROJECT_CRS)
    held = gpd.GeoDataFrame({"actor": ["government", "opposition"]},
                            geometry=[_box(-5, -5, 4, 15), _box(4, -5, 15, 15)], crs=PROJECT_CRS)  # fmt: skip
    cells = gpd.GeoDataFrame({"pop_central": [300.0, 100.0]},
                             geometry=[_box(0, 0, 2, 10), _box(6, 0, 8, 10)], crs=PROJECT_CRS)  # fmt: skip
    control = zone_control(zones, surface_from_polygons(held, label="toy"), cells)
    control["actor"] = ["government"]
    control["area_before_cut_km2"] = [250.0]  # as if a cut had taken 150 km² away
    return control


def test_per_zone_carries_the_control_shares_of_a_toy_as_computed_by_hand(toy_control):
    prep = _prep()
    one = types.SimpleNamespace(**vars(prep))
    one.zones = prep.zones.iloc[:1].assign(area_km2=[100.0])
    one.zone_events = prep.zone_events.iloc[:1]
    one.exposure = prep.exposure[:1]
    one.control = toy_control
    one.zone_events_all = pd.DataFrame(
        {"events": [4.0], "deaths_civilians": [7.0], "events_per_1000km2_year": [40.0]}
    )
    one.protection_source = ("assumption: a toy",)
    ones = np.ones((3, 1))
    deaths = np.array([[1.0], [2.0], [3.0]])
    t = per_zone_table(one, ones, ones, ones, ones, ones, deaths_averted=deaths)
    tail = [c for c in t.columns if c not in _prep_columns()]
    assert tail == [*CONTROL_COLUMNS, "events_weighted_all", "deaths_civilians_weighted_all",
                    "events_per_1000km2_year_all", "protection_source",
                    "deaths_averted_p5", "deaths_averted_p50", "deaths_averted_p95"]  # fmt: skip
    row = t.iloc[0]
    # area: 40 of 100 km² government, 60 opposition; people: 300 government, 100 opposition
    assert row.share_area_government == pytest.approx(0.4)
    assert row.share_area_opposition == pytest.approx(0.6)
    assert row.share_population_government == pytest.approx(0.75)
    assert row.share_population_opposition == pytest.approx(0.25)
    for a in ("islamic_state", "kurds", "unknown"):
        assert row[f"share_area_{a}"] == 0 and row[f"share_population_{a}"] == 0
    assert row.actor == "government" and row.area_before_cut_km2 == 250.0
    assert (row.events_weighted_all, row.deaths_civilians_weighted_all) == (4.0, 7.0)
    assert row.events_weighted == 1.0  # the threat actors' figure stays beside it
    assert row.protection_source == "assumption: a toy"
    assert (row.deaths_averted_p5, row.deaths_averted_p50, row.deaths_averted_p95) == (
        pytest.approx(1.1),
        2.0,
        pytest.approx(2.9),
    )  # numpy's linear percentiles of 1, 2, 3


def _prep_columns():
    ones = np.ones((1, 2))
    return set(per_zone_table(_prep(), ones, ones, ones, ones, ones).columns)


def test_flows_control_changes_are_the_flow_weighted_mean_of_the_groups_crossings():
    """Origin 0 has two groups reaching zone 0: 1 and 3 front lines, mean flows 30 and 10."""
    groups = types.SimpleNamespace(
        origin=np.array([0, 0, 1]),
        reach=np.array([[True, False], [True, False], [False, True]]),
        distance_km=np.array([[2.0, 0.0], [6.0, 0.0], [0.0, 4.0]]),
        crossings=np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 2.0]]),
    )
    prep = _prep()
    prep.groups = groups
    prep.origin_actor = np.array(["government", "islamic_state"], dtype=object)
    prep.control = pd.DataFrame({"actor": ["opposition", "kurds"]})
    flows = np.array([[[20.0, 0.0], [5.0, 0.0], [0.0, 8.0]],
                      [[40.0, 0.0], [15.0, 0.0], [0.0, 8.0]]])  # (draws, G, Z)  # fmt: skip
    flows_o = np.stack([flows[:, :2].sum(axis=1), flows[:, 2]], axis=1)  # (draws, O, Z)
    t = flows_table(prep, flows_o, *flow_means(prep.groups, flows, 2))
    assert t.zone_id.tolist() == ["z0", "z1"]
    # (30 x 1 + 10 x 3) / 40 = 1.5 changes; (30 x 2 + 10 x 6) / 40 = 3 km
    assert t.control_changes.tolist() == [1.5, 2.0]
    assert t.distance_km.tolist() == [3.0, 4.0]
    assert t.origin_actor.tolist() == ["government", "islamic_state"]
    assert t.zone_actor.tolist() == ["opposition", "kurds"]
