"""Tests of safezones.config.keys: the one key-path language of --set, with_values and sweeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import safezones as sz
from safezones.config.keys import (
    apply_overrides,
    flatten,
    is_int,
    lookup,
    parse_override,
    set_path,
)
from safezones.config.scenario import Scenario
from safezones.defaults import DEFAULT_RATES
from safezones.errors import SafeZonesError, UnknownNameError
from safezones.sweep import Sweep

ROOT = Path(__file__).resolve().parents[2]
ALEPPO_FILE = ROOT / "scenarios/aleppo-freeze.toml"


def scenario(zones, **sections):
    return Scenario.from_dict(
        {"id": "t", "title": "test", "source": {"citation": "test"}, "zones": zones, **sections}
    )


TURKEY = {"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 20}
ALEPPO = {"id": "aleppo", "kind": "freeze", "place": "Aleppo", "radius_km": 10}


def test_overrides_by_key_path():
    sc = scenario([TURKEY, ALEPPO])
    changed = sc.with_values(["zones.turkey.depth_km=35", "shelter.allocation=gravity"])
    assert changed.zones[0].depth_km == 35 and changed.shelter.allocation == "gravity"
    assert sc.zones[0].depth_km == 20  # the original is unchanged
    with pytest.raises(
        sz.UnknownNameError, match=r"no zone with id 'turkye'.*did you mean 'turkey'"
    ):
        sc.with_values({"zones.turkye.depth_km": 10})
    with pytest.raises(sz.SafeZonesError, match="did you mean 'max_travel_km'"):
        sc.with_values(["shelter.max_travel=10"])


def _grid(path: str, value) -> Sweep:
    return Sweep.from_dict(
        {"base": str(ALEPPO_FILE), "design": "grid", "parameters": {path: {"values": [value]}}}
    )


GOOD = [
    ("shelter.max_travel_km", 80.0),
    ("zones.aleppo.radius_km", 12.0),
    ("zones.aleppo.protection", 0.4),
    ("demand.rates.2", 0.6),
    ("demand.thresholds.0", 5.0),
    ("events.start", 2013),
    ("uncertainty.rate_spread", 0.1),
    ("shelter.protection.freeze", 0.3),
    ("title", "Aleppo, again"),
]


@pytest.mark.parametrize(("path", "value"), GOOD, ids=[p for p, _ in GOOD])
def test_a_path_set_accepts_a_sweep_parameter_accepts(path, value):
    text = f"{path}={value!r}".replace("'", '"')
    by_set = Scenario.from_toml(ALEPPO_FILE, overrides=[text])
    assert lookup(by_set.parameters(), path) == value
    by_sweep = _grid(path, value).scenario({path: value})
    assert by_sweep.parameters() == by_set.parameters()
    by_values = Scenario.from_toml(ALEPPO_FILE).with_values({path: value})
    assert by_values.parameters() == by_set.parameters()


BAD = [
    (
        "zones.alepo.radius_km",
        12,
        "no zone with id 'alepo'; the zones are: aleppo; did you mean 'aleppo'?",
    ),
    ("demand.rates.5", 0.5, "'demand.rates' has 3 elements (0 to 2)"),
    ("shelter.max_travel_km.1", 5, "'shelter.max_travel_km' is not a list, so it has no element 1"),
    ("title.size", 3, "'title' is a value, not a section"),
    ("zones.aleppo", 3, "address a zone value as zones.ID.KEY"),
    (
        "shelter.max_travle_km",
        50,
        "unknown key 'shelter.max_travle_km'; did you mean 'max_travel_km'?",
    ),
    (
        "zones.aleppo.radius_km",
        -5,
        "zones.aleppo.radius_km: Input should be greater than 0 (got -5)",
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[p for p, _, _ in BAD])
def test_a_bad_path_has_the_same_message_in_set_and_in_a_sweep(path, value, message):
    with pytest.raises(SafeZonesError) as by_set:
        Scenario.from_toml(ALEPPO_FILE, overrides=[f"{path}={value}"])
    with pytest.raises(SafeZonesError) as by_sweep:
        _grid(path, value)
    said = [p.removeprefix("--set ") for p in by_set.value.problems]
    assert any(message in p for p in said), said
    for p in said:  # the sweep names the parameter, then says the same
        assert f"parameters.{path} = {value!r}: {p}" in by_sweep.value.problems


def test_two_elements_of_one_list_are_both_set():
    sc = Scenario.from_toml(ALEPPO_FILE)
    both = sc.with_values({"demand.rates.0": 0.01, "demand.rates.2": 0.9})
    mid = DEFAULT_RATES[1]
    assert both.demand.rates == (0.01, mid, 0.9)
    sw = Sweep.from_dict(
        {
            "base": str(ALEPPO_FILE),
            "design": "grid",
            "parameters": {
                "demand.rates.0": {"values": [0.01]},
                "demand.rates.2": {"values": [0.9]},
            },
        }
    )
    assert sw.scenario(sw.design.iloc[0].to_dict()).demand.rates == (0.01, mid, 0.9)


def test_set_path_changes_the_document_in_place():
    doc = {"zones": [{"id": "a", "from": [36.0, 37.0]}], "demand": {"rates": [0.1, 0.2, 0.3]}}
    set_path(doc, "zones.a.from.1", 37.5)
    set_path(doc, "demand.rates.1", np.float64(0.25))
    set_path(doc, "shelter.protection.safe", 0.9)
    assert doc["zones"][0]["from"] == [36.0, 37.5]
    assert doc["demand"]["rates"] == [0.1, 0.25, 0.3]
    assert type(doc["demand"]["rates"][1]) is float  # numpy scalars become Python numbers
    assert doc["shelter"] == {"protection": {"safe": 0.9}}
    defaults = {"demand": {"thresholds": [10.0, 100.0]}}
    set_path(doc, "demand.thresholds.0", 5.0, defaults=defaults)
    assert (
        doc["demand"]["thresholds"] == [5.0, 100.0] and defaults["demand"]["thresholds"][0] == 10.0
    )


def test_apply_overrides_lists_every_problem_and_stops_at_an_unknown_zone():
    doc = {"title": "x", "zones": [{"id": "a"}]}
    with pytest.raises(SafeZonesError) as err:
        apply_overrides(doc, ["title.a=1", "zones.a=2"], source="s.toml")
    assert err.value.problems == (
        "--set title.a: 'title' is a value, not a section",
        "--set zones.a: address a zone value as zones.ID.KEY",
    )
    assert str(err.value).startswith("s.toml: ")
    with pytest.raises(
        UnknownNameError, match=r"--set zones\.b\.x: no zone with id 'b'; the zones are: a"
    ):
        apply_overrides(doc, {"title.a": 1, "zones.b.x": 2})
    with pytest.raises(SafeZonesError, match="write KEY=VALUE"):
        apply_overrides(doc, ["=3"])


def test_values_are_read_as_toml():
    assert parse_override("demand.rates=[0.1, 0.2, 0.3]") == ("demand.rates", [0.1, 0.2, 0.3])
    assert parse_override(" shelter.allocation = gravity ") == ("shelter.allocation", "gravity")
    assert parse_override("population.relative_band=[0.8,1.2]")[1] == [0.8, 1.2]
    assert parse_override("title=a=b") == ("title", "a=b")
    assert is_int(parse_override("events.start=2013")[1])
    assert not is_int(parse_override("events.start=2013.0")[1])


def test_flatten_names_every_value_by_the_path_lookup_reads():
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        params = Scenario.from_toml(path).parameters()
        flat = flatten(params)
        assert flat["zones"] == [z["id"] for z in params["zones"]]
        for key, value in flat.items():
            if key != "zones":
                assert lookup(params, key) == value, key
