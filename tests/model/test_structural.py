"""The structural draws (issue 19): levels, ranges, regrouping, and bands that widen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracle import run_reference
from safezones.config.scenario import Scenario
from safezones.engine import READERS, Engine
from safezones.model import prepare
from safezones.model.metrics import METRICS
from safezones.model.uncertainty import Central, Reach, UncertaintySpec, draw_inputs

ROOT = Path(__file__).resolve().parents[2]
ALEPPO = ROOT / "scenarios" / "aleppo-freeze.toml"
BORDER = ROOT / "scenarios" / "border-refuge-zones.toml"


def test_each_reach_input_takes_three_levels_in_equal_thirds():
    c = Central(max_travel_km=100.0, detour_factor=1.3, crossing_penalty_km=20.0)
    d = draw_inputs(UncertaintySpec(), draws=300, n_classes=3, seed=5, central=c)
    table = d.table()
    # the midpoints of three equal slices of each range (defaults.py: x0.5-1.5 on travel,
    # +-0.1 on the detour, x0.5-1.5 on the penalty, x0.5-2 log-uniform on the thresholds)
    want = {
        "max_travel_km": [100 * (0.5 + k / 3) for k in (0.5, 1.5, 2.5)],
        "detour_factor": [1.2 + 0.2 * k / 3 for k in (0.5, 1.5, 2.5)],
        "crossing_penalty_km": [20 * (0.5 + k / 3) for k in (0.5, 1.5, 2.5)],
        "threshold_factor": [2 ** (-1 + 2 * k / 3) for k in (0.5, 1.5, 2.5)],
    }
    for name, levels in want.items():
        got, counts = np.unique(np.round(table[name], 6), return_counts=True)
        assert got == pytest.approx(levels, rel=1e-6), name
        assert counts.tolist() == [100, 100, 100], name  # a Latin hypercube: 100 per third
    # the middle level is the scenario's own value: the central variant
    assert Reach(100.0, 1.3, 20.0, 1.0) in d.variants
    assert len(d.variants) <= 81


def test_the_continuous_structural_inputs_lie_in_their_ranges():
    c = Central(usable_fraction=0.01, distance_decay=2.0)
    d = draw_inputs(UncertaintySpec(), draws=400, n_classes=3, seed=2, central=c)
    assert d.usable_fraction.min() >= 0.005 and d.usable_fraction.max() <= 0.05
    assert 0.005 < np.median(d.usable_fraction) < 0.05
    assert d.distance_decay.min() >= 1.0 and d.distance_decay.max() <= 3.0
    assert d.outside_factor.min() >= 0.5 and d.outside_factor.max() <= 2.0
    # a usable share set outside the default range widens it to hold it
    wide = draw_inputs(UncertaintySpec(), draws=50, n_classes=3, seed=2,
                       central=Central(usable_fraction=0.2))  # fmt: skip
    assert wide.usable_fraction.max() <= 0.2 and wide.usable_fraction.min() >= 0.005


def test_structural_false_and_one_draw_keep_the_scenarios_values():
    c = Central(usable_fraction=0.02, max_travel_km=80.0, distance_decay=1.5)
    for d in (draw_inputs(UncertaintySpec(structural=False), draws=50, n_classes=3, seed=1,
                          central=c),
              draw_inputs(UncertaintySpec(), draws=1, n_classes=3, central=c)):  # fmt: skip
        t = d.table()
        assert set(t["usable_fraction"].tolist()) == {0.02}
        assert set(t["max_travel_km"].tolist()) == {80.0}
        assert set(t["distance_decay"].tolist()) == {1.5}
        assert set(t["outside_factor"].tolist()) == {1.0}


def test_bad_ranges_are_refused_with_every_problem():
    with pytest.raises(Exception) as err:
        UncertaintySpec(usable_fraction_range=(0.05, 0.01), max_travel_range=(0.0, 1.0))
    text = str(err.value)
    assert "usable_fraction_range must satisfy 0 < low <= high, got 0.05 and 0.01" in text
    assert "max_travel_range must satisfy 0 < low <= high, got 0.0 and 1.0" in text
    from safezones.config.sections import UncertaintySection

    with pytest.raises(ValueError, match=r"threshold_factor_range: low \(3\) is above high \(2\)"):
        UncertaintySection(threshold_factor_range=(3.0, 2.0))


def test_a_variants_groups_are_the_groups_of_a_scenario_set_to_its_values():
    sc = Scenario.from_toml(ALEPPO)
    prep = prepare.prepare(sc, READERS)
    r = Reach(133.33333333333334, 1.2333333333333334, 13.333333333333334, 2 ** (2 / 3))
    got = prep.regroup(r)
    other = sc.with_values({
        "shelter.max_travel_km": r.max_travel_km, "shelter.detour_factor": r.detour_factor,
        "shelter.crossing_penalty_km": r.crossing_penalty_km,
        "demand.thresholds": [t * r.threshold_factor for t in sc.demand.thresholds],
        "uncertainty.draws": 1,  # its own reach only: measured as far as it needs
    })  # fmt: skip
    ref = prepare.prepare(other, READERS)
    assert np.array_equal(got.groups.of_cell, ref.groups.of_cell)
    assert np.array_equal(got.groups.reach, ref.groups.reach)
    assert np.array_equal(got.group_class, ref.group_class)
    np.testing.assert_allclose(got.groups.distance_km[got.groups.reach],
                               ref.groups.distance_km[ref.groups.reach], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(got.res_zg, ref.res_zg, rtol=1e-12)


def _band(samples: np.ndarray, metric: str) -> float:
    col = samples[:, METRICS.index(metric)]
    return float(np.percentile(col, 95) - np.percentile(col, 5))


#: Everything else held at the scenario's values: only the widened input moves.
_ONLY = {
    "uncertainty.rate_spread": 0.0, "uncertainty.national_total_spread": 0.0,
    "uncertainty.protection_spread": 0.0, "uncertainty.population_bands": False,
    "uncertainty.crossing_penalty_spread": 0.0, "uncertainty.detour_spread": 0.0,
    "uncertainty.distance_decay_spread": 0.0, "uncertainty.usable_fraction_range": [0.01, 0.01],
    "uncertainty.max_travel_range": [1.0, 1.0], "uncertainty.threshold_factor_range": [1.0, 1.0],
    "uncertainty.outside_option_range": [1.0, 1.0], "uncertainty.site_area_low_m2": 45.0,
    "uncertainty.site_area_high_m2": 45.0,
}  # fmt: skip


@pytest.mark.parametrize(
    "path, key, narrow, wide, metric",
    [
        (BORDER, "uncertainty.usable_fraction_range", [0.008, 0.012], [0.005, 0.05], "capacity"),
        # the Aleppo freeze zone is full: its sheltered move with the usable share (the
        # border strips are limited by reach and demand, so theirs do not)
        (ALEPPO, "uncertainty.usable_fraction_range", [0.008, 0.012], [0.005, 0.05], "sheltered"),
        (BORDER, "uncertainty.max_travel_range", [0.9, 1.1], [0.5, 1.5], "sheltered_optimal"),
        (BORDER, "uncertainty.site_area_high_m2", 50.0, 67.0, "capacity"),
        (BORDER, "uncertainty.threshold_factor_range", [0.8, 1.25], [0.5, 2.0], "displaced"),
    ],
)
def test_widening_one_structural_range_never_narrows_the_band(path, key, narrow, wide, metric):
    sc = Scenario.from_toml(path).with_values(_ONLY | {"demand.scale_to_national_total": False})
    engine = Engine()
    a = engine.samples(sc.with_values({key: narrow}), draws=90, seed=4)
    b = engine.samples(sc.with_values({key: wide}), draws=90, seed=4)
    assert _band(b, metric) >= _band(a, metric) > 0


def test_the_band_with_structural_draws_is_wider_than_without():
    sc = Scenario.from_toml(ALEPPO)
    engine = Engine()
    on = engine.samples(sc, draws=120, seed=9)
    off = engine.samples(sc.with_values({"uncertainty.structural": False}), draws=120, seed=9)
    assert _band(on, "sheltered") > 1.5 * _band(off, "sheltered")


def test_the_fast_path_equals_the_reference_draw_by_draw_with_structural_draws():
    sc = Scenario.from_toml(BORDER)
    ref = run_reference(sc, draws=60, seed=21).samples.to_numpy()
    fast = Engine().samples(sc, draws=60, seed=21)
    scale = np.maximum(np.abs(ref), 1.0)
    assert float((np.abs(fast - ref) / scale).max()) <= 1e-9
