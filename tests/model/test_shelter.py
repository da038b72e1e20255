"""Shelter: hand-computed answers, an independent max-flow oracle, the per-draw LP
oracle and properties that must hold for any input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

import safezones as sz
from safezones.model.shelter import (
    allocate_gravity,
    allocate_optimal,
    capacity,
    cell_distances,
    exposure_index,
    reach_groups,
    safety,
)


def test_capacity_by_hand():
    # 2,000 km2, 2 % usable, 40 m2 a person: 2e9 * 0.02 / 40 = 1,000,000 people
    assert capacity([2000.0], usable_fraction=0.02, site_area_per_person_m2=40).tolist() == [
        1_000_000.0
    ]
    with pytest.raises(sz.SafeZonesError, match="usable_fraction"):
        capacity([1.0], usable_fraction=0)


def test_safety_and_exposure():
    e = exposure_index([0, 25, 100, 1e4], reference=100)
    assert e.tolist() == [0, 0.25, 1, 1]
    assert safety(e, np.full(4, 0.6)).tolist() == pytest.approx([1, 0.9, 0.6, 0.6])


def test_cell_distance_to_a_freeze_circle_is_distance_to_centre_minus_radius():
    zones = sz.zone_set(sz.freeze_zone((38.0, 35.0), radius_km=10))
    # a point 0.3 degrees north: the geodesic distance is known to ~0.1 % in this projection
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([38.0], [35.3]), crs="EPSG:4326")
    from pyproj import Geod

    _, _, metres = Geod(ellps="WGS84").inv(38.0, 35.0, 38.0, 35.3)
    got = cell_distances(pts, zones)[0, 0]
    assert got == pytest.approx(metres / 1000 - 10, rel=2e-3)


def test_reach_groups_split_an_origin_by_reach():
    dist = np.array([[0.0, 50.0], [70.0, 10.0], [90.0, 90.0], [5.0, 200.0]])
    g = reach_groups(np.array([0, 0, 0, 1]), dist, np.array([1.0, 1.0, 1.0, 2.0]),
                     max_travel_km=80, detour_factor=1.0)  # fmt: skip
    patterns = {(int(o), tuple(r)) for o, r in zip(g.origin, g.reach.tolist(), strict=True)}
    assert patterns == {(0, (True, True)), (0, (False, False)), (1, (True, False))}
    # cells 0 and 1 share a group (both reach both zones): mean distances
    both = np.flatnonzero((g.origin == 0) & g.reach.all(axis=1))[0]
    assert g.distance_km[both].tolist() == pytest.approx([35.0, 30.0])
    with pytest.raises(sz.SafeZonesError, match="detour_factor"):
        reach_groups(np.array([0]), dist[:1], np.ones(1), detour_factor=0.5)


# The toy problem: three origins, two zones.
#   A: 100 people, reaches zone 1 (10 km) and zone 2 (30 km)
#   B:  60 people, reaches zone 1 only (20 km)
#   C:  40 people, reaches zone 2 only (0 km)
#   capacities 90 and 50.
TOY_DEMAND = np.array([100.0, 60.0, 40.0])
TOY_CAP = np.array([90.0, 50.0])
TOY_REACH = np.array([[True, True], [True, False], [False, True]])
TOY_DIST = np.array([[10.0, 30.0], [20.0, 0.0], [0.0, 0.0]])


def test_toy_optimal_by_hand():
    # Capacity (140) binds, so 140 are sheltered: zone 2 must take C's 40 plus 10 of A.
    # Zone 1's 90 places can go to A (10 km) or B (20 km); least travel gives them to A:
    # 90*10 + 10*30 = 1,200 km against 1,800 km with B first.
    flows = allocate_optimal(TOY_DEMAND, TOY_CAP, TOY_REACH, TOY_DIST)
    assert flows.round(6).tolist() == [[90.0, 10.0], [0.0, 0.0], [0.0, 40.0]]


def test_toy_optimal_breaks_ties_by_shorter_travel():
    # one group, two zones with room for all: the nearer zone takes everybody
    flows = allocate_optimal(np.array([50.0]), np.array([100.0, 100.0]),
                             np.array([[True, True]]), np.array([[40.0, 15.0]]))  # fmt: skip
    assert flows.round(6).tolist() == [[0.0, 50.0]]


def test_toy_gravity_by_hand():
    # decay 1, d0 = 10 km, outside option 1, safety 1; mean capacity 70 so
    # attractiveness 9/7 (zone 1) and 5/7 (zone 2).
    #   A: w1 = 9/7 * 10/20 = 9/14, w2 = 5/7 * 10/40 = 5/28 -> 100 * w / (1 + 51/28)
    #   B: w1 = 9/7 * 10/30 = 3/7 -> 60 * (3/7) / (10/7) = 18
    #   C: w2 = 5/7 * 10/10 = 5/7 -> 40 * (5/7) / (12/7) = 50/3
    flows = allocate_gravity(TOY_DEMAND, TOY_CAP, TOY_REACH, TOY_DIST, np.ones(2), decay=1.0,
                             outside_option=1.0, reference_km=10.0)  # fmt: skip
    expected = [[1800 / 51, 500 / 51], [18.0, 0.0], [0.0, 50 / 3]]
    np.testing.assert_allclose(flows, expected, rtol=1e-12)
    assert flows.sum() < allocate_optimal(TOY_DEMAND, TOY_CAP, TOY_REACH, TOY_DIST).sum()


def test_gravity_turns_away_arrivals_beyond_capacity():
    flows = allocate_gravity(np.array([100.0, 100.0]), np.array([40.0]),
                             np.array([[True], [True]]), np.array([[0.0], [0.0]]),
                             np.ones(1), outside_option=0.0)  # fmt: skip
    assert flows.ravel().tolist() == [20.0, 20.0]


@st.composite
def problems(draw):
    g = draw(st.integers(1, 6))
    z = draw(st.integers(1, 4))
    demand = np.array(draw(st.lists(st.integers(0, 200), min_size=g, max_size=g)), float)
    cap = np.array(draw(st.lists(st.integers(0, 200), min_size=z, max_size=z)), float)
    reach = np.array(draw(st.lists(st.booleans(), min_size=g * z, max_size=g * z))).reshape(g, z)
    dist = np.array(draw(st.lists(st.integers(0, 100), min_size=g * z, max_size=g * z)), float)
    return demand, cap, reach, dist.reshape(g, z)


def _max_flow(demand, cap, reach):
    """Independent oracle: integer max flow source -> groups -> zones -> sink."""
    g, z = reach.shape
    n = g + z + 2
    s, t = n - 2, n - 1
    rows, cols, vals = [], [], []
    for i in range(g):
        rows.append(s), cols.append(i), vals.append(int(demand[i]))
        for j in range(z):
            if reach[i, j]:
                rows.append(i), cols.append(g + j), vals.append(10**9)
    for j in range(z):
        rows.append(g + j), cols.append(t), vals.append(int(cap[j]))
    m = csr_matrix((np.array(vals, dtype=np.int32), (rows, cols)), shape=(n, n))
    return maximum_flow(m, s, t).flow_value


@settings(max_examples=150, deadline=None)
@given(problems(), st.floats(0, 3), st.floats(0, 5))
def test_allocations_conserve_and_optimal_is_the_max_flow(problem, decay, outside):
    demand, cap, reach, dist = problem
    opt = allocate_optimal(demand, cap, reach, dist)
    grav = allocate_gravity(demand, cap, reach, dist, np.ones(len(cap)), decay=decay,
                            outside_option=outside)  # fmt: skip
    for f in (opt, grav):
        assert np.all(f >= 0)
        assert np.all(f.sum(axis=1) <= demand + 1e-9)
        assert np.all(f.sum(axis=0) <= cap + 1e-9)
        assert np.all(f[~reach] == 0)
    assert opt.sum() == pytest.approx(_max_flow(demand, cap, reach), abs=1e-6)
    assert grav.sum() <= opt.sum() + 1e-6


@settings(max_examples=100, deadline=None)
@given(problems(), st.data())
def test_optimal_never_falls_with_more_capacity_or_reach(problem, data_):
    demand, cap, reach, dist = problem
    base = allocate_optimal(demand, cap, reach, dist).sum()
    more_cap = cap + np.array(data_.draw(st.lists(st.integers(0, 50), min_size=len(cap),
                                                  max_size=len(cap))))  # fmt: skip
    more_reach = reach | np.array(data_.draw(st.lists(st.booleans(), min_size=reach.size,
                                                      max_size=reach.size))).reshape(reach.shape)  # fmt: skip
    assert allocate_optimal(demand, more_cap, reach, dist).sum() >= base - 1e-6
    assert allocate_optimal(demand, cap, more_reach, dist).sum() >= base - 1e-6


def test_optimal_over_draws_matches_draw_by_draw():
    d = np.array([TOY_DEMAND, TOY_DEMAND * 2])
    c = np.array([TOY_CAP, TOY_CAP / 2])
    both = allocate_optimal(d, c, TOY_REACH, TOY_DIST)
    for k in range(2):
        one = allocate_optimal(d[k], c[k], TOY_REACH, TOY_DIST)
        assert both[k] == pytest.approx(one)


def _draws_of(rng, g, z, n, *, ties):
    demand = rng.uniform(0, 300, (n, g)) * (rng.random((1, g)) > 0.15)
    cap = rng.uniform(0, 400, (n, z)) * (1 + rng.uniform(-0.3, 0.3, (n, 1)))
    reach = rng.random((g, z)) < 0.6
    dist = rng.choice([0.0, 10.0, 20.0], (g, z)) if ties else rng.uniform(0, 100, (g, z))
    return demand, cap, reach, dist


@pytest.mark.parametrize("ties", [False, True])
def test_optimal_over_draws_equals_one_lp_per_draw(ties):
    """Sharing one LP's dual between draws gives each draw's own LP optimum."""
    from oracle import per_draw_lp

    rng = np.random.default_rng(17 + ties)
    for _ in range(25):
        g, z = int(rng.integers(1, 30)), int(rng.integers(1, 6))
        demand, cap, reach, dist = _draws_of(rng, g, z, 40, ties=ties)
        got = allocate_optimal(demand, cap, reach, dist)
        ref = per_draw_lp(demand, cap, reach, dist)
        # flow by flow, ties included: a dual is shared only where the optimum is unique
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-6)
        assert np.all(got.sum(axis=2) <= demand + 1e-9)
        assert np.all(got.sum(axis=1) <= cap + 1e-9)


def test_progress_counts_every_draw_once():
    ticks = []
    demand = np.array([TOY_DEMAND * f for f in (1.0, 1.1, 0.9, 3.0)])
    allocate_optimal(demand, TOY_CAP, TOY_REACH, TOY_DIST, progress=ticks.append)
    assert sum(ticks) == 4


def test_reach_pays_the_crossing_penalty_by_hand():
    # three cells of one origin, 40, 40 and 10 km from the zone, detour 1.25: 50, 50, 12.5 road km;
    # the first crosses two front lines (2 x 30 km = 60: 110 km > 100), the second none
    g = reach_groups(np.zeros(3, dtype=int), np.array([[40.0], [40.0], [10.0]]),
                     np.array([1.0, 3.0, 2.0]), max_travel_km=100, detour_factor=1.25,
                     crossings=np.array([[2], [0], [1]]), crossing_penalty_km=30.0)  # fmt: skip
    assert g.reach.ravel().tolist() == [False, True]
    assert g.distance_km.ravel().tolist() == pytest.approx([110.0, (3 * 50.0 + 2 * 42.5) / 5])
    assert g.crossings.ravel().tolist() == pytest.approx([2.0, 2 / 5])
    # without a penalty the crossings change nothing but are still counted
    g0 = reach_groups(np.zeros(3, dtype=int), np.array([[40.0], [40.0], [10.0]]),
                      np.array([1.0, 3.0, 2.0]), max_travel_km=100, detour_factor=1.25,
                      crossings=np.array([[2], [0], [1]]), crossing_penalty_km=0.0)  # fmt: skip
    assert g0.reach.ravel().tolist() == [True]
    assert g0.distance_km.ravel().tolist() == pytest.approx([(50 + 150 + 25) / 6])
    # a journey too long without any penalty counts no crossing (it is not measured)
    far = reach_groups(np.zeros(1, dtype=int), np.array([[200.0]]), np.ones(1),
                       max_travel_km=100, crossings=np.array([[3]]), crossing_penalty_km=30.0)  # fmt: skip
    assert far.crossings.tolist() == [[0.0]] and far.distance_km.tolist() == [[260.0]]
    with pytest.raises(sz.SafeZonesError, match="crossing_penalty_km must be >= 0, got -1"):
        reach_groups(np.zeros(1, dtype=int), np.array([[1.0]]), np.ones(1), crossing_penalty_km=-1)


def test_gravity_takes_a_distance_per_draw():
    """(n, G, Z) distances: each draw allocated as with its own (G, Z) distances."""
    rng = np.random.default_rng(3)
    demand, cap = rng.uniform(10, 100, (4, 3)), rng.uniform(20, 90, (4, 2))
    reach = np.array([[True, True], [True, False], [False, True]])
    dist = rng.uniform(0, 80, (4, 3, 2))
    safe = rng.uniform(0.2, 1.0, (4, 2))
    got = allocate_gravity(demand, cap, reach, dist, safe, decay=1.5, outside_option=0.7)
    for k in range(4):
        one = allocate_gravity(demand[k], cap[k], reach, dist[k], safe[k], decay=1.5,
                               outside_option=0.7)  # fmt: skip
        np.testing.assert_allclose(got[k], one, rtol=1e-12)
    # by hand: one group, one zone at 0 km in draw 0 and at d0 km in draw 1, decay 1:
    # weights 1 and 1/2 against an outside option of 1: 1/2 and 1/3 of 60 go
    two = allocate_gravity(np.array([[60.0], [60.0]]), np.array([[1e6], [1e6]]),
                           np.array([[True]]), np.array([[[0.0]], [[10.0]]]),
                           np.array([[1.0], [1.0]]), decay=1.0, outside_option=1.0,
                           reference_km=10.0)  # fmt: skip
    assert two[:, 0, 0].tolist() == pytest.approx([30.0, 20.0])
