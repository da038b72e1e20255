"""model/tables.py: the per-zone, per-origin and flow tables from per-draw arrays."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd

from safezones.model.tables import flows_table, per_zone_table, q_columns


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
    )


def test_q_columns_are_the_draws_quantiles_and_round_off_is_zero():
    got = q_columns("people", np.array([[0.0, 1e-7], [10.0, 1e-7], [20.0, 1e-7]]))
    assert list(got) == ["people_p5", "people_p50", "people_p95"]
    assert got["people_p50"].tolist() == [10.0, 0.0]
    assert got["people_p5"][0] == 1.0 and got["people_p95"][0] == 19.0


def test_flows_are_listed_where_someone_moves_with_their_mean_distance():
    prep = _prep()
    flows = np.array([[[5.0, 0.0], [0.0, 0.0]], [[7.0, 0.0], [0.0, 1.0]]])  # (draws, G, Z)
    t = flows_table(prep, flows, flows)  # one group per origin: the same arrays
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
