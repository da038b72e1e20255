"""Demand, shelter and uncertainty: hand-computed answers, an independent max-flow
oracle and properties that must hold for any input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

import safezones as sz
from safezones import data
from safezones.model.demand import (
    assign_origins,
    displaced_given,
    displaced_hazard,
    hazard_class,
    origin_units,
    read_displaced_table,
    scale_to_total,
)
from safezones.model.shelter import (
    allocate_gravity,
    allocate_optimal,
    capacity,
    cell_distances,
    exposure_index,
    reach_groups,
    safety,
)
from safezones.model.uncertainty import UncertaintySpec, band_values, draw_inputs, summarise

# ---------------------------------------------------------------- demand


def test_hazard_classes_take_the_boundary_into_the_upper_class():
    got = hazard_class(np.array([0, 9.99, 10, 99.9, 100, np.nan]), (10, 100))
    assert got.tolist() == [0, 0, 1, 1, 2, 0]


def test_hazard_demand_by_hand():
    pop = np.array([1000.0, 2000.0, 500.0])
    inten = np.array([3.0, 40.0, 400.0])  # low, medium, high
    raw = displaced_hazard(pop, inten, rates=(0.1, 0.2, 0.6), national_total=None)
    assert raw.tolist() == [100.0, 400.0, 300.0]
    scaled = displaced_hazard(pop, inten, rates=(0.1, 0.2, 0.6), national_total=1600)
    # the high origin would get 600 > its 500 people: capped, the rest spread 1:4
    assert np.allclose(scaled, [220.0, 880.0, 500.0])
    assert scaled.sum() == pytest.approx(1600)


@given(
    st.lists(st.floats(1, 1e6), min_size=1, max_size=12),
    st.floats(0, 1),
    st.data(),
)
def test_scaling_meets_the_total_and_never_exceeds_population(pop, share, draw):
    pop = np.array(pop)
    d = np.array([draw.draw(st.floats(0.01, 1)) * p for p in pop])
    total = share * pop.sum()
    out = scale_to_total(d, pop, total)
    assert np.all(out <= pop * (1 + 1e-9))
    assert out.sum() == pytest.approx(total, rel=1e-9, abs=1e-6)


def test_given_table_shares_governorates_by_population_and_rejects_unknown_codes(tmp_path):
    units = origin_units("districts")
    pop = np.arange(1, len(units) + 1, dtype=float)
    given = pd.Series({"SY02": 1000.0, "SY0100": 5.0})
    out = displaced_given(given, units, pop)
    aleppo = units.pcode.str.startswith("SY02").to_numpy()
    assert out[aleppo].sum() == pytest.approx(1000)
    assert np.allclose(out[aleppo] / out[aleppo].sum(), pop[aleppo] / pop[aleppo].sum())
    assert out[units.pcode.to_numpy() == "SY0100"].tolist() == [5.0]
    with pytest.raises(sz.SafeZonesError, match=r"SY99.*SY0999"):
        displaced_given(pd.Series({"SY99": 1.0, "SY0999": 2.0}), units, pop, source="t.csv")
    # district figures for governorate origins add up into their governorate
    gov = origin_units("governorates")
    g = displaced_given(pd.Series({"SY0200": 7.0, "SY0201": 3.0}), gov, np.ones(len(gov)))
    assert g[gov.pcode.to_numpy() == "SY02"].tolist() == [10.0]


def test_displaced_table_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "idps.csv"
    bad.write_text("pcode,displaced\nSY02,100\nSY03,-5\nSY04,abc\n")
    with pytest.raises(sz.DataError, match=r"idps\.csv: .*line\(s\) 3, 4"):
        read_displaced_table(bad)
    with pytest.raises(sz.DataError, match=r"missing the columns \['idps'\]"):
        read_displaced_table(bad, column="idps")


def test_origins_of_grid_cells_match_the_grid_governorate():
    cells = data.population_grid()
    gov = origin_units("governorates")
    got = gov.pcode.to_numpy()[assign_origins(cells, gov)]
    assert (got == cells.adm1_pcode.to_numpy()).mean() > 0.99


# ---------------------------------------------------------------- shelter


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


# ---------------------------------------------------------------- uncertainty


def test_one_draw_is_the_central_case_and_seeds_repeat():
    spec = UncertaintySpec()
    one = draw_inputs(spec, draws=1, n_classes=3)
    assert one.population_t.tolist() == [0.0] and one.site_area_per_person_m2.tolist() == [45.0]
    a = draw_inputs(spec, draws=200, n_classes=3, seed=7)
    b = draw_inputs(spec, draws=200, n_classes=3, seed=7)
    c = draw_inputs(spec, draws=200, n_classes=3, seed=8)
    assert np.array_equal(a.rate_factor, b.rate_factor)
    assert not np.array_equal(a.rate_factor, c.rate_factor)
    assert a.site_area_per_person_m2.min() >= 30 and a.site_area_per_person_m2.max() <= 45
    assert np.all(np.abs(a.rate_factor - 1) <= 0.3)
    with pytest.raises(sz.SafeZonesError, match="draws"):
        draw_inputs(spec, draws=0, n_classes=3)
    with pytest.raises(sz.SafeZonesError, match="site_area_low_m2"):
        UncertaintySpec(site_area_low_m2=50)


def test_band_values_stay_within_the_bands():
    t = draw_inputs(UncertaintySpec(), draws=500, n_classes=1, seed=1).population_t
    v = band_values(np.array([80.0]), np.array([100.0]), np.array([130.0]), t)
    assert v.min() >= 80 and v.max() <= 130
    q = summarise(v)[0]
    assert q[0] <= q[1] <= q[2]
    assert q[1] == pytest.approx(100, abs=3)  # the triangular law peaks at the central value


def test_latin_hypercube_settles_percentiles_faster_than_random_draws():
    def spread(method):
        meds = [
            np.median(
                draw_inputs(
                    UncertaintySpec(), draws=200, n_classes=3, seed=s, method=method
                ).national_factor
            )
            for s in range(20)
        ]
        return np.std(meds)

    assert spread("lhs") < spread("random") / 5
