"""Who is sheltered: arrivals and the displaced within, both allocations, what binds each zone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safezones as sz
from safezones.defaults import LEAVE_DESTINATIONS, OUTSIDE_DESTINATIONS
from safezones.model.metrics import BINDING, binding
from safezones.model.shelter import allocate_gravity, allocate_optimal
from safezones.model.tables import binding_mode, capacity_rules

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def border():
    sc = sz.Scenario.from_toml(ROOT / "scenarios" / "border-refuge-zones.toml")
    return sz.run(
        sc.model_copy(update={"uncertainty": sc.uncertainty.model_copy(update={"draws": 40})})
    )


def test_arrivals_plus_displaced_within_are_the_sheltered_in_every_draw(border):
    d = border.detail
    np.testing.assert_allclose(
        d["arrivals"] + d["displaced_within"], d["sheltered"], rtol=1e-12, atol=1e-6
    )
    assert (d["arrivals"] >= -1e-9).all() and (d["displaced_within"] >= -1e-9).all()
    # the totals' draws add up the same way
    s = border.samples
    np.testing.assert_allclose(s["arrivals"] + s["displaced_within"], s["sheltered"], rtol=1e-12)


def test_the_headline_is_the_behavioural_allocation_and_never_above_the_upper_bound(border):
    d = border.detail
    np.testing.assert_array_equal(d["sheltered"], d["sheltered_gravity"])
    tot_g = d["sheltered_gravity"].sum(axis=1)
    tot_o = d["sheltered_optimal"].sum(axis=1)
    assert (tot_g <= tot_o * (1 + 1e-9)).all()
    assert (d["sheltered_optimal"] <= d["capacity"] * (1 + 1e-9) + 1e-6).all()


def test_binding_is_capacity_exactly_where_the_zone_is_full(border):
    d = border.detail
    full = d["sheltered"] >= d["capacity"] * (1 - 1e-9)
    np.testing.assert_array_equal(d["binding"] == BINDING.index("capacity"), full)
    pz = border.per_zone
    assert set(pz["binding"]) <= set(BINDING)
    assert ((pz["binding_share"] > 0) & (pz["binding_share"] <= 1)).all()


def test_binding_on_a_hand_made_toy():
    # zone A: capacity 10, 10 sheltered (full); B: capacity 10, only 4 within reach, 4 came;
    # C: capacity 10, 30 within reach, 3 came (the rest chose elsewhere)
    sheltered = np.array([[10.0, 4.0, 3.0], [9.0, 4.0, 10.0]])
    cap = np.full((2, 3), 10.0)
    reachable = np.array([[50.0, 4.0, 30.0], [50.0, 4.0, 30.0]])
    got = binding(sheltered, cap, reachable)
    assert [[BINDING[k] for k in row] for row in got] == [
        ["capacity", "reach", "demand"],
        ["demand", "reach", "capacity"],
    ]
    names, share = binding_mode(got)
    assert names == ["capacity", "reach", "capacity"]  # ties go to capacity, first in BINDING
    assert share.tolist() == [0.5, 1.0, 0.5]


def test_the_capacity_rule_says_the_number_in_words():
    rule = capacity_rules([2000.0], [None], usable_fraction=0.01, site_area_m2=40.0)
    # 1 % of 2,000 km2 = 20 km2 = 2e7 m2, over 40 m2 per person: 500,000
    assert rule == ["1% of 2,000 km² usable, at 40 m² per person: 500,000 people"]


def _instance(data):
    g = data.draw(st.integers(1, 5))
    z = data.draw(st.integers(1, 4))
    pos = st.floats(0.0, 1000.0, allow_nan=False)
    demand = np.array(data.draw(st.lists(pos, min_size=g, max_size=g)))
    cap = np.array(data.draw(st.lists(pos, min_size=z, max_size=z)))
    reach = np.array(data.draw(st.lists(st.booleans(), min_size=g * z, max_size=g * z))).reshape(
        g, z
    )
    dist = np.array(data.draw(st.lists(st.floats(0, 200), min_size=g * z, max_size=g * z))).reshape(
        g, z
    )
    safety = np.array(data.draw(st.lists(st.floats(0.05, 1.0), min_size=z, max_size=z)))
    outside = data.draw(st.floats(0.0, 3.0))
    decay = data.draw(st.floats(0.0, 4.0))
    return demand, cap, reach, dist, safety, outside, decay


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_retries_shelter_no_fewer_than_without_and_never_more_than_the_upper_bound(data):
    demand, cap, reach, dist, safety, outside, decay = _instance(data)
    kw = {"decay": decay, "outside_option": outside}
    with_r = allocate_gravity(demand, cap, reach, dist, safety, **kw)
    without = allocate_gravity(demand, cap, reach, dist, safety, retries=False, **kw)
    best = allocate_optimal(demand, cap, reach, dist)
    tol = 1e-6 * max(1.0, demand.sum())
    assert with_r.sum() >= without.sum() - tol
    assert with_r.sum() <= best.sum() + tol
    # each allocation respects capacity, demand and reach
    for f in (with_r, without, best):
        assert (f.sum(axis=0) <= cap + tol).all()
        assert (f.sum(axis=1) <= demand + tol).all()
        assert (f[~reach] <= tol).all()


def test_the_written_tables_carry_both_parts_both_allocations_and_what_binds(border, tmp_path):
    import pandas as pd

    out = tmp_path / "border"
    border.to_file(out)
    pz = pd.read_csv(out / "per_zone.csv")
    for stem in ("arrivals", "displaced_within", "sheltered_gravity", "sheltered_optimal"):
        for q in ("p5", "p50", "p95"):
            assert f"{stem}_{q}" in pz.columns
    # P50 of the written file is the P50 of the draws, rounded to a person
    want = np.percentile(border.detail["arrivals"], 50, axis=0)
    np.testing.assert_allclose(pz["arrivals_p50"], np.rint(want), atol=1)
    assert set(pz["binding"]) <= set(BINDING)
    po = pd.read_csv(out / "per_origin.csv")
    assert set(po["outside_destination"]) == {" / ".join(OUTSIDE_DESTINATIONS)}
    dest = ["stay_in_syria_p50", *(f"leave_{c}_p50" for c in LEAVE_DESTINATIONS)]
    assert set(dest) <= set(po.columns)
    cols = pd.read_csv(out / "columns.csv")
    described = cols.set_index(["file", "column"])["meaning"]
    for c in ("arrivals_p50", "displaced_within_p50", "sheltered_optimal_p50", "binding",
              "binding_share", "capacity_rule"):  # fmt: skip
        assert described[("per_zone.csv", c)] != c.replace("_", " ")
    assert "stay" in described[("per_origin.csv", "outside_destination")]
