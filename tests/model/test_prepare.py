"""Preparation: readers passed in, the bases and groups the draws share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safezones.engine import READERS
from safezones.model import prepare
from safezones.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]


def test_prepare_reads_through_the_readers_it_is_given():
    sc = Scenario.from_toml(ROOT / "scenarios" / "aleppo-freeze.toml")
    asked = []

    def events(s):
        asked.append("events")
        return READERS.events(s)

    readers = prepare.Readers(population=READERS.population, events=events,
                              displaced=READERS.displaced, control=READERS.control)  # fmt: skip
    prep = prepare.prepare(sc, readers)
    assert asked == ["events"]  # the bundled population is the model's own accessor
    assert prep.given is None and len(prep.zones) == len(sc.zones)
    assert np.allclose(prep.gpop.sum(axis=0), prep.opop.sum(axis=0))
    assert prep.sources[-1]["layer"] == "scenario"


def test_protection_falls_back_to_the_kind_default():
    """A freeze against the government alone: the default of a freeze against the government."""
    from safezones.defaults import DEFAULT_PROTECTION

    sc = Scenario.from_toml(ROOT / "scenarios" / "aleppo-freeze.toml")
    sc = sc.with_values({"threat.actors": ["government"]})
    want = DEFAULT_PROTECTION["freeze"]["government"]
    assert prepare.protection(sc) == [want] * len(sc.zones)
    # two threat actors with 3 and 1 events: weighted 3:1 (0.5 and 0.0 for IS, a non-party)
    both = sc.with_values({"threat.actors": ["government", "islamic_state"]})
    got = prepare.protection(both, np.array([[3.0, 1.0]] * len(sc.zones)))
    assert got == [pytest.approx(0.75 * want)] * len(sc.zones)
    assert prepare.window_value(2014) == 2014
