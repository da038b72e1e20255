"""The [control], [threat] and protection keys of issue 18: every bad input with its exact message."""

from __future__ import annotations

import pytest

import safezones as sz
from safezones.config.scenario import Scenario

ALEPPO = {"id": "aleppo", "kind": "freeze", "place": "Aleppo", "radius_km": 10}
GROUND = "government, opposition, islamic_state, kurds, unknown"
EVENT = "government, opposition, islamic_state, kurds, other"
TABLE = (
    "give a number from 0 to 1 or a table by actor, e.g. {government = 0.8, islamic_state = 0.4}"
)


def problems(zone=None, **sections):
    with pytest.raises(sz.SafeZonesError) as err:
        Scenario.from_dict(
            {"id": "t", "title": "t", "source": {"citation": "t"}, "zones": [zone or ALEPPO],
             **sections}
        )  # fmt: skip
    return list(err.value.problems)


@pytest.mark.parametrize(
    ("actors", "message"),
    [
        (["goverment"], f"'goverment' is not an actor; did you mean 'government'? Give one of {EVENT}"),
        (["government", "hezbollah"], f"'hezbollah' is not an actor; give one of {EVENT}"),
        ([], 'give at least one actor, or "all"'),
        (["all", "government"], '"all" stands alone: give actors = "all" or a list of actors'),
        (["government", "Regime"], "repeated: government"),
        (5, 'give "all" or a list of actors, e.g. ["government", "islamic_state"] (got 5)'),
    ],
)  # fmt: skip
def test_threat_actors(actors, message):
    assert problems(threat={"actors": actors}) == [f"threat.actors: {message}"]


def test_threat_actors_accept_other_spellings_and_all():
    def sc(actors):
        return Scenario.from_dict(
            {"id": "t", "title": "t", "source": {"citation": "t"}, "zones": [ALEPPO],
             "threat": {"actors": actors}}
        )  # fmt: skip

    assert sc(["Regime", "Daesh"]).threat.names() == ("government", "islamic_state")
    assert sc("all").threat.names() == (
        "government",
        "opposition",
        "islamic_state",
        "kurds",
        "other",
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"snapshot": "2016"},
         "control.snapshot: the bundled control data has the snapshots '2014' (early 2014), "
         "'2015' (late 2014); got '2016'"),
        ({"snapshot": 2016},
         "control.snapshot: the bundled control data has the snapshots '2014' (early 2014), "
         "'2015' (late 2014); got 2016"),
        ({"layer": "areas"},
         "control.layer: only for a control file; give source = 'FILE' or no layer"),
        ({"source": "c.gpkg", "snapshot": "late 2014"},
         "control.snapshot: 'late 2014' is not a date; give a year (2014) or an ISO date "
         "(2014-11-25)"),
        ({"exclude_held_by": ["goverment"]},
         f"control.exclude_held_by: 'goverment' is not an actor; did you mean 'government'? "
         f"Give one of {GROUND}"),
        ({"exclude_held_by": ["government", "islamic_state", "daesh"]},
         "control.exclude_held_by: repeated: islamic_state"),
        ({"exclude_held_by": "government"},
         'control.exclude_held_by: give a list of actors, e.g. ["government", "islamic_state"] '
         "(got 'government')"),
        ({"snapshot": [2014]},
         'control.snapshot: give a snapshot ("2014" or "2015" for the bundled data) or, for '
         "a control file, a year (2014) or an ISO date (2014-11-25)"),
        ({"max_distance_km": 0}, "control.max_distance_km: Input should be greater than 0 (got 0)"),
    ],
)  # fmt: skip
def test_control(section, message):
    assert problems(control=section) == [message]


def test_several_control_problems_at_once():
    assert problems(control={"exclude_held_by": ["goverment"], "max_distance_km": -1}) == [
        f"control.exclude_held_by: 'goverment' is not an actor; did you mean 'government'? "
        f"Give one of {GROUND}",
        "control.max_distance_km: Input should be greater than 0 (got -1)",
    ]


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        ({"goverment": 0.2},
         ["shelter.protection.refuge.goverment: 'goverment' is not an actor; did you mean "
          f"'government'? Give one of {EVENT}"]),
        ("x", [f"shelter.protection.refuge: {TABLE} (got 'x')"]),
        ([0.5], [f"shelter.protection.refuge: {TABLE}"]),
        (1.5, ["shelter.protection.refuge: Input should be less than or equal to 1 (got 1.5)"]),
        ({"government": 1.5, "kurds": -0.1},
         ["shelter.protection.refuge.government: Input should be less than or equal to 1 (got 1.5)",
          "shelter.protection.refuge.kurds: Input should be greater than or equal to 0 (got -0.1)"]),
    ],
)  # fmt: skip
def test_protection_by_kind_gives_one_message_per_mistake(value, messages):
    assert problems(shelter={"protection": {"refuge": value}}) == messages


def test_a_zones_protection_likewise():
    assert problems({**ALEPPO, "protection": {"goverment": 0.2, "kurds": 2}}) == [
        "zones.aleppo.protection.goverment: 'goverment' is not an actor; did you mean "
        f"'government'? Give one of {EVENT}",
        "zones.aleppo.protection.kurds: Input should be less than or equal to 1 (got 2)",
    ]
    assert problems({**ALEPPO, "protection": -1}) == [
        "zones.aleppo.protection: Input should be greater than or equal to 0 (got -1)"
    ]


def test_crossing_penalty():
    assert problems(shelter={"crossing_penalty_km": -1}) == [
        "shelter.crossing_penalty_km: Input should be greater than or equal to 0 (got -1)"
    ]
    assert problems(uncertainty={"crossing_penalty_spread": 1}) == [
        "uncertainty.crossing_penalty_spread: Input should be less than 1 (got 1)"
    ]
