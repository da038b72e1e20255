"""Deaths averted: the formula by hand on toys, its properties, and score_groups' wiring."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from safezones.config.scenario import Scenario
from safezones.model import score
from safezones.model.deaths import deaths_averted, drawn_protection, inflow_rate
from safezones.model.metrics import METRIC_NOTES, METRIC_UNITS, METRICS
from safezones.model.prepare import Prepared
from safezones.model.shelter import Groups
from safezones.model.uncertainty import Draws

_DA = METRICS.index("deaths_averted")


def _draws(n=1, *, shift=0.0):
    return Draws(np.zeros(n), np.ones((n, 3)), np.ones(n), np.full(n, 45.0), np.full(n, shift))


# ---------------------------------------------------------------- the toy, through score_groups
#
# Two origins, A (civilian deaths 0.01 per person per year) and B (0.004), and one zone
# (rate 0.005, protection 0.6, capacity 500). Every group is in hazard class 1 (rate 0.4):
#   g0: origin A, 1,000 people, reaches the zone at 10 km -> 400 displaced; 200 of its
#       people live in the zone, 120 of them not displaced
#   g1: origin B,   500 people, reaches the zone at 30 km -> 200 displaced
#   g2: origin B,   400 people, does not reach it         -> 160 displaced
# The 600 who reach the zone compete for 500 places: arrivals 500.
# inflow    = (400 x 0.01 + 200 x 0.004) / 600           = 4.8 / 600 = 0.008
# residents = 0.005 x 120 x 0.6                           = 0.36
# arrivals  = 500 x (0.008 - 0.005 x (1 - 0.6))          = 500 x 0.006 = 3.0
# deaths averted                                          = 3.36 per year


def _scenario():
    return Scenario.from_dict({
        "id": "toy", "title": "toy", "source": {"citation": "c"},
        "zones": [{"id": "z", "kind": "freeze", "place": "Aleppo", "radius_km": 5}],
        "demand": {"rates": [0.2, 0.4, 0.6], "scale_to_national_total": False},
        "shelter": {"allocation": "optimal"},  # the toy's arithmetic is the upper bound's
    })  # fmt: skip


def _prepared(*, rate_zone=(0.005,), rate_origin=(0.01, 0.004), protection=0.6, capacity=500.0,
              residents=200.0):  # fmt: skip
    pop = np.array([1000.0, 500.0, 400.0])
    groups = Groups(of_cell=np.arange(3), origin=np.array([0, 1, 1]),
                    reach=np.array([[True], [True], [False]]),
                    distance_km=np.array([[10.0], [30.0], [200.0]]))  # fmt: skip
    res_zg = np.zeros((1, 3, 3))
    res_zg[0, 0] = residents
    return Prepared(
        zones=pd.DataFrame(
            {
                "zone_id": ["z"],
                "area_km2": [78.5],
                "capacity_given": [capacity],
                "protection": [protection],
            }
        ),
        units=pd.DataFrame({"pcode": ["A", "B"]}),
        events=pd.DataFrame(),
        sources=[],
        window={},
        n_cells=3,
        opop=np.repeat(np.array([[1000.0], [900.0]]), 3, axis=1),
        intensity=np.zeros(2),
        zone_events=pd.DataFrame(),
        exposure=np.array([0.0]),
        groups=groups,
        group_class=np.array([1, 1, 1]),
        gpop=np.repeat(pop[:, None], 3, axis=1),
        res_zg=res_zg,
        res_g=res_zg[0],
        cells=pd.DataFrame(),
        given=None,
        civ_rate_zone=None if rate_zone is None else np.array(rate_zone),
        civ_rate_origin=None if rate_origin is None else np.array(rate_origin),
    )


@pytest.fixture(scope="module")
def toy():
    return score.score_groups(_scenario(), _prepared(), draws=1, seed=1)


def test_the_two_origin_one_zone_toy_by_hand(toy):
    assert toy.arrivals.tolist() == [[500.0]]
    assert toy.residents == pytest.approx(np.array([[120.0]]))
    assert toy.deaths_averted == pytest.approx(np.array([[3.36]]), rel=1e-12)
    assert toy.samples[0, _DA] == pytest.approx(3.36, rel=1e-12)


def test_the_parts_of_the_toy_by_hand():
    demand = np.array([[400.0, 200.0, 160.0]])
    inflow = inflow_rate(
        demand, np.array([[True], [True], [False]]), np.array([0.01, 0.004, 0.004])
    )
    assert inflow == pytest.approx(np.array([[0.008]]))
    residents_only = deaths_averted(np.array([[120.0]]), np.array([0.005]), np.array([[0.6]]),
                                    np.zeros((1, 1)), inflow)  # fmt: skip
    arrivals_only = deaths_averted(np.zeros((1, 1)), np.array([0.005]), np.array([[0.6]]),
                                   np.array([[500.0]]), inflow)  # fmt: skip
    assert residents_only == pytest.approx(np.array([[0.36]]))
    assert arrivals_only == pytest.approx(np.array([[3.0]]))


def test_zero_or_missing_rates_avert_nothing():
    sc = _scenario()
    for rates in ({"rate_zone": (0.0,), "rate_origin": (0.0, 0.0)},
                  {"rate_zone": None, "rate_origin": None}):  # fmt: skip
        got = score.score_groups(sc, _prepared(**rates), draws=20, seed=3)
        assert np.array_equal(got.deaths_averted, np.zeros((20, 1)))
        assert np.array_equal(got.samples[:, _DA], np.zeros(20))


def test_a_zone_more_violent_than_its_arrivals_origins_keeps_the_negative_sign():
    # zone rate 0.05 with protection 0.6 leaves 0.02, above the arrivals' 0.008:
    # residents 0.05 x 120 x 0.6 = 3.6; arrivals 500 x (0.008 - 0.02) = -6.0; total -2.4
    got = score.score_groups(_scenario(), _prepared(rate_zone=(0.05,)), draws=1, seed=1)
    assert got.deaths_averted == pytest.approx(np.array([[-2.4]]))


def test_a_zone_nobody_reaches_gets_only_the_residents_term():
    # a second zone, reached by no group, with 50 residents of g2 (all of whom stay: 0.6 x 50 = 30
    # not displaced), rate 0.02 and protection 0.5: 0.02 x 30 x 0.5 = 0.3 whatever the origins
    prep = _prepared()
    two = dataclasses.replace(
        prep,
        zones=pd.concat([prep.zones, pd.DataFrame({"zone_id": ["y"], "area_km2": [10.0],
                         "capacity_given": [1e6], "protection": [0.5]})], ignore_index=True),
        groups=dataclasses.replace(prep.groups,
                                   reach=np.array([[True, False], [True, False], [False, False]]),
                                   distance_km=np.array([[10.0, 300.0], [30.0, 300.0],
                                                         [200.0, 300.0]])),
        exposure=np.zeros(2), res_zg=np.stack([prep.res_zg[0], np.array([[0.0] * 3, [0.0] * 3,
                                                                          [50.0] * 3])]),
        civ_rate_zone=np.array([0.005, 0.02]), civ_rate_origin=np.array([0.01, 0.9]),
    )  # fmt: skip
    got = score.score_groups(_scenario(), two, draws=1, seed=1)
    assert got.arrivals[0, 1] == 0.0
    # zone z: g1's origin B now has rate 0.9: inflow (4 + 180) / 600 = 0.30666..
    assert got.deaths_averted[0] == pytest.approx([0.36 + 500 * (184 / 600 - 0.002), 0.3])


def test_more_protection_never_averts_fewer_deaths():
    rng = np.random.default_rng(18)
    for _ in range(200):
        n, z, g = 3, int(rng.integers(1, 5)), int(rng.integers(1, 6))
        demand = rng.uniform(0, 1000, (n, g))
        reach = rng.random((g, z)) < 0.6
        inflow = inflow_rate(demand, reach, rng.uniform(0, 0.05, g))
        residents, arrivals = rng.uniform(0, 1e4, (n, z)), rng.uniform(0, 1e3, (n, z))
        rate_zone = rng.uniform(0, 0.05, z)
        low = rng.uniform(0, 1, z)
        high = np.minimum(low + rng.uniform(0, 1, z), 1.0)
        shift = _draws(n, shift=float(rng.uniform(-0.3, 0.3)))
        less = deaths_averted(residents, rate_zone, drawn_protection(low, shift), arrivals, inflow)
        more = deaths_averted(residents, rate_zone, drawn_protection(high, shift), arrivals, inflow)
        assert np.all(more >= less - 1e-12)


def test_more_protection_never_averts_fewer_deaths_under_optimal():
    sc = _scenario()
    before = score.score_groups(sc, _prepared(protection=0.3), draws=20, seed=5)
    after = score.score_groups(sc, _prepared(protection=0.7), draws=20, seed=5)
    assert np.all(after.samples[:, _DA] > before.samples[:, _DA])


def test_the_inflow_is_the_demand_weighted_mean_of_those_who_reach():
    # zone 0: (100 x 0.01 + 300 x 0.03) / 400 = 0.025; zone 1: only the 300: 0.03; zone 2: none
    got = inflow_rate(np.array([[100.0, 300.0], [0.0, 300.0]]),
                      np.array([[1, 0, 0], [1, 1, 0]], bool), np.array([0.01, 0.03]))  # fmt: skip
    assert got == pytest.approx(np.array([[0.025, 0.03, 0.0], [0.03, 0.03, 0.0]]))
    # and nobody displaced: 0, not a division by zero
    assert inflow_rate(np.zeros((1, 2)), np.ones((2, 1), bool), np.ones(2)).tolist() == [[0.0]]


def test_zone_safety_and_deaths_share_one_drawn_protection():
    dr = _draws(2, shift=0.5)
    p = drawn_protection(np.array([0.2, 0.8]), dr)
    assert p == pytest.approx(np.array([[0.7, 1.0], [0.7, 1.0]]))
    # safety with full exposure is the protection itself
    assert score.zone_safety(np.ones(2), np.array([0.2, 0.8]), dr) == pytest.approx(p)


def test_the_metric_is_described_with_its_unit():
    assert METRICS[METRICS.index("sheltered_safe") + 1] == "deaths_averted" == METRICS[-1]
    assert METRIC_UNITS["deaths_averted"] == "civilian deaths per year"
    assert set(METRIC_UNITS) == set(METRIC_NOTES) == set(METRICS)
    assert "UCDP" in METRIC_NOTES["deaths_averted"]
