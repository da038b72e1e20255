"""Tests of safezones.config.explain: a scenario's problems named by key path."""

from __future__ import annotations

import pytest

import safezones as sz
from safezones.config.explain import non_finite
from safezones.config.scenario import Scenario

ALEPPO = {"id": "aleppo", "kind": "freeze", "place": "Aleppo", "radius_km": 10}


def scenario(zones, **sections):
    return Scenario.from_dict(
        {"id": "t", "title": "test", "source": {"citation": "test"}, "zones": zones, **sections}
    )


def test_non_finite_numbers_are_named_by_key_path():
    problems = non_finite(
        {
            "shelter": {"max_travel_km": float("nan")},
            "zones": [{"id": "a", "capacity": float("inf")}],
        }
    )
    assert problems == [
        "shelter.max_travel_km: nan is not a finite number; give a finite number",
        "zones.a.capacity: inf is not a finite number; give a finite number",
    ]
    with pytest.raises(
        sz.SafeZonesError, match=r"zones\.aleppo\.radius_km: inf is not a finite number"
    ):
        scenario([{**ALEPPO, "radius_km": float("inf")}])


def test_a_long_text_is_never_echoed():
    with pytest.raises(sz.SafeZonesError) as err:
        scenario([ALEPPO], description="x" * 100_000)
    assert "description: at most" in str(err.value) and "xxxx" not in str(err.value)


def test_a_misspelt_section_key_lists_or_suggests():
    with pytest.raises(
        sz.SafeZonesError,
        match=r"unknown key 'shelter\.protection\.refuje'; did you mean 'refuge'\?",
    ):
        scenario([ALEPPO], shelter={"protection": {"refuje": 0.5}})
    with pytest.raises(
        sz.SafeZonesError, match=r"unknown key .zones\.aleppo\.qqq.; allowed: id, name"
    ):
        scenario([{**ALEPPO, "qqq": 1}])
