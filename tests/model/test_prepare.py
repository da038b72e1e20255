"""Preparation: readers passed in, the bases and groups the draws share."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
                              displaced=READERS.displaced)  # fmt: skip
    prep = prepare.prepare(sc, readers)
    assert asked == ["events"]  # the bundled population is the model's own accessor
    assert prep.given is None and len(prep.zones) == len(sc.zones)
    assert np.allclose(prep.gpop.sum(axis=0), prep.opop.sum(axis=0))
    assert prep.sources[-1]["layer"] == "scenario"


def test_protection_falls_back_to_the_kind_default():
    sc = Scenario.from_toml(ROOT / "scenarios" / "aleppo-freeze.toml")
    assert prepare.protection(sc) == [sc.shelter.protection.freeze] * len(sc.zones)
    assert prepare.window_value(2014) == 2014
