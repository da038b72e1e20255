"""Threat and control in the preparation: whose events, whose ground, which front lines.

Each expected value is computed here another way: straight from the bundled
events and the overlay functions, from the control surface's shares, or from
the definition of reach.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from safezones import data
from safezones.engine import READERS, Engine
from safezones.errors import SafeZonesWarning
from safezones.model import prepare
from safezones.model.control import share_columns
from safezones.model.overlay import events_in_zones
from safezones.model.shelter import cell_distances, exposure_index
from safezones.scenario import Scenario
from safezones.schema import ACTORS


def _freeze(place: str, radius_km: float, **sections: dict) -> Scenario:
    doc = {"id": "t", "title": "t", "source": {"citation": "c"},
           "zones": [{"id": "z", "kind": "freeze", "place": place, "radius_km": radius_km}],
           "events": {"start": 2014, "end": 2014}, **sections}  # fmt: skip
    return Scenario.from_dict(doc)


@pytest.fixture(scope="module")
def raqqa() -> dict[str, prepare.Prepared]:
    """A 15 km freeze zone around Raqqa (held by IS through 2014), by threat actors."""
    return {
        who: prepare.prepare(_freeze("Ar Raqqah", 15, threat={"actors": who}), READERS)
        for who in ("all", "government", "islamic_state")
    }


def test_exposure_of_all_actors_is_every_event_counted_directly(raqqa):
    prep = raqqa["all"]
    direct = events_in_zones(prep.zones, data.events(), start=2014, end=2014)
    np.testing.assert_array_equal(prep.zone_events["events"], direct["events"])
    want = exposure_index(direct["events_per_1000km2_year"].to_numpy(), 100.0)
    np.testing.assert_array_equal(prep.exposure, want)
    np.testing.assert_array_equal(prep.zone_events_all["events"], direct["events"])


def test_a_government_only_threat_counts_the_governments_events_only(raqqa):
    gov, every = raqqa["government"], raqqa["all"]
    ev = data.events()
    mine = ev["side_a"].eq("Government of Syria") | ev["side_b"].eq("Government of Syria")
    direct = events_in_zones(gov.zones, ev[mine.to_numpy()], start=2014, end=2014)
    assert gov.zone_events["events"].iloc[0] == pytest.approx(direct["events"].iloc[0])
    # Raqqa was IS's city: the government's strikes are a part of its violence only
    assert gov.zone_events["events"].iloc[0] < every.zone_events["events"].iloc[0]
    assert gov.exposure[0] <= every.exposure[0]
    # every actor's figures are reported beside the threat actors'
    np.testing.assert_array_equal(gov.zone_events_all["events"], every.zone_events["events"])
    # hazard classes and origin intensity move with the threat actors too
    assert (gov.intensity <= every.intensity + 1e-9).all() and (
        gov.intensity < every.intensity
    ).any()


def test_raqqa_is_held_by_is_and_damascus_by_the_government(raqqa):
    ctl = raqqa["all"].control
    assert list(ctl.columns) == [*share_columns(), "actor", "area_before_cut_km2"]
    assert ctl["actor"].iloc[0] == "islamic_state"
    assert ctl["share_population_islamic_state"].iloc[0] > 0.9
    for kind in ("area", "population"):
        assert ctl[[f"share_{kind}_{a}" for a in ACTORS]].sum(axis=1).iloc[0] == pytest.approx(1.0)
    damascus = prepare.prepare(_freeze("Damascus", 10), READERS)
    assert damascus.control["actor"].iloc[0] == "government"
    assert damascus.control_note == ""  # a 2014 window has the late-2014 snapshot as its own
    assert damascus.surface is not None and damascus.surface.snapshot == "2015"


def test_civilian_death_rates_are_the_threat_events_deaths_over_people(raqqa):
    from safezones.model.population import population_in_zones

    prep = raqqa["islamic_state"]
    # IS's events picked by hand from the raw side names ("IS" alone or in a list),
    # the people by the public overlay: neither through prepare's arrays
    ev = data.events()
    names = ev["side_a"].fillna("") + ", " + ev["side_b"].fillna("")
    is_side = names.str.split(", ").apply(lambda parts: "IS" in parts).to_numpy()
    deaths = events_in_zones(prep.zones, ev[is_side], start=2014, end=2014)["deaths_civilians"]
    people = population_in_zones(prep.zones, data.population_grid())["residents_central"]
    assert prep.civ_rate_zone[0] == pytest.approx(deaths.iloc[0] / people.iloc[0], rel=1e-9)
    assert 0 < prep.civ_rate_zone[0] < 0.01  # a rate per person and year, not a count
    # one origin: the district holding Raqqa, its IS civilian deaths over its people
    k = int(np.argmax(prep.civ_rate_origin))
    unit = prep.units.iloc[[k]]
    unit_deaths = events_in_zones(unit, ev[is_side], start=2014, end=2014)["deaths_civilians"]
    assert prep.civ_rate_origin[k] == pytest.approx(unit_deaths.iloc[0] / prep.opop[k, 1], rel=1e-9)
    assert set(prep.origin_actor) <= set(ACTORS)


@pytest.fixture(scope="module")
def cut() -> tuple[prepare.Prepared, prepare.Prepared]:
    """The border zones whole, and cut to land held neither by the government nor by IS."""
    base = Scenario.from_toml("scenarios/border-refuge-zones.toml")
    kept = base.with_values({"control.exclude_held_by": ["government", "islamic_state"]})
    return prepare.prepare(base, READERS), prepare.prepare(kept, READERS)


def test_exclude_held_by_removes_exactly_the_land_of_those_actors(cut):
    whole, kept = cut
    gone = [f"share_area_{a}" for a in ("government", "islamic_state")]
    area = whole.zones["area_km2"].to_numpy()
    removed = area * whole.control[gone].sum(axis=1).to_numpy()
    # (the cut is snapped to a 1 cm grid: its area moves by less than a millionth)
    np.testing.assert_allclose(kept.zones["area_km2"].to_numpy() + removed, area, rtol=1e-5)
    np.testing.assert_allclose(kept.control["area_before_cut_km2"], area, rtol=1e-8)
    # population over the partition: what is kept plus what was cut away is the whole
    pop_whole = whole.res_zg[:, :, 1].sum(axis=1)
    share_gone = whole.control[[f"share_population_{a}" for a in ("government", "islamic_state")]]
    np.testing.assert_allclose(kept.res_zg[:, :, 1].sum(axis=1),
                               pop_whole * (1 - share_gone.sum(axis=1).to_numpy()),
                               rtol=1e-5)  # fmt: skip
    # nothing of those actors is left in the cut zones
    assert (kept.control[gone].to_numpy() < 1e-6).all()


def test_a_zone_cut_away_entirely_keeps_its_row_with_no_capacity():
    sc = _freeze("Damascus", 3, control={"exclude_held_by": ["government"]})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        prep = prepare.prepare(sc, READERS)
    msgs = [str(w.message) for w in seen if issubclass(w.category, SafeZonesWarning)]
    assert any(m.startswith("zones z: nothing is left after control.exclude_held_by") for m in msgs)
    assert prep.zones["area_km2"].tolist() == [0.0] and prep.zones["capacity_given"].tolist() == [
        0.0
    ]
    assert not prep.groups.reach.any()


@pytest.fixture(scope="module")
def border() -> Scenario:
    return Scenario.from_toml("scenarios/border-refuge-zones.toml")


def test_a_larger_crossing_penalty_never_shelters_more_under_optimal(border):
    engine = Engine()
    sheltered = [
        engine.totals(border.with_values({"shelter.crossing_penalty_km": p,
                                          "shelter.allocation": "optimal"}), draws=1)[1, 1]
        for p in (0.0, 5.0, 20.0, 60.0, 200.0)
    ]  # fmt: skip
    assert all(b <= a * (1 + 1e-12) for a, b in itertools.pairwise(sheltered))
    assert sheltered[-1] < sheltered[0]  # front lines matter for these zones


def test_no_penalty_gives_the_reach_without_control(border):
    sc = border.with_values({"shelter.crossing_penalty_km": 0.0})
    prep = prepare.prepare(sc, READERS)
    dist = cell_distances(prep.cells, prep.zones)
    reach = dist * sc.shelter.detour_factor <= sc.shelter.max_travel_km
    np.testing.assert_array_equal(prep.groups.reach[prep.groups.of_cell], reach)
    # with the penalty, cells that cross front lines reach less, never more
    pen = prepare.prepare(border, READERS)
    assert (pen.groups.reach[pen.groups.of_cell] <= reach).all()
    assert pen.groups.reach[pen.groups.of_cell].sum() < reach.sum()
