"""The fast path against the reference (helper "score" moves these to tests/test_engine.py) and the sweep charts.

The sweep tests are in tests/sweep/, one file per module of safezones.sweep.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from safezones.engine import Engine
from safezones.errors import SafeZonesError
from safezones.scenario import METRICS, Scenario, run

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASES = {
    "turkey-and-aleppo": ROOT / "sweeps" / "turkey-and-aleppo.toml",
    "border": SCENARIOS / "border-refuge-zones.toml",
    "jarablus": SCENARIOS / "jarablus-marea-2015.toml",
    "north": SCENARIOS / "safe-zones-north.toml",
    "aleppo": SCENARIOS / "aleppo-freeze.toml",
}


def _random_values(rng: np.random.Generator, sc: Scenario) -> dict:
    """A random change of the numbers a sweep varies (and a few it rarely does)."""
    v: dict = {}
    for z in sc.zones:
        if z.kind == "refuge":
            v[f"zones.{z.id}.depth_km"] = float(rng.choice([5, 12, 20, 30, 45, 60]))
        elif z.kind == "freeze":
            v[f"zones.{z.id}.radius_km"] = float(rng.choice([4, 10, 15, 25, 40]))
        if rng.random() < 0.15:
            v[f"zones.{z.id}.capacity"] = float(rng.uniform(1e4, 2e6))
        if rng.random() < 0.2:
            v[f"zones.{z.id}.protection"] = float(rng.uniform(0, 1))
    v["shelter.usable_fraction"] = float(np.exp(rng.uniform(np.log(0.001), np.log(0.2))))
    v["shelter.max_travel_km"] = float(rng.uniform(20, 250))
    v["shelter.detour_factor"] = float(rng.uniform(1.0, 1.6))
    v["shelter.site_area_per_person_m2"] = float(rng.uniform(30, 60))
    v["shelter.exposure_reference"] = float(rng.uniform(20, 300))
    v["demand.rates"] = sorted(float(r) for r in rng.uniform(0, 0.9, 3))
    v["demand.national_total"] = float(rng.uniform(3e6, 12e6))
    if rng.random() < 0.15:
        v["demand.scale_to_national_total"] = False
    if rng.random() < 0.15:
        v["shelter.allocation"] = "gravity"
    if rng.random() < 0.15:
        v["demand.origin"] = str(rng.choice(["governorates", "cells"]))
    if rng.random() < 0.15:
        year = int(rng.integers(2013, 2017))
        v["events.start"], v["events.end"] = year, year
    return v


_UNMET, _DISPLACED = METRICS.index("unmet"), METRICS.index("displaced")


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative difference; unmet (displaced minus sheltered, which can cancel to
    round-off) is measured against the displaced total it is taken from."""
    scale = np.maximum(np.abs(b), 1.0)
    scale[..., _UNMET] = np.maximum(scale[..., _UNMET], np.abs(b[..., _DISPLACED]))
    return float((np.abs(a - b) / scale).max())


def test_fast_path_equals_the_reference_on_50_random_scenarios():
    rng = np.random.default_rng(20141126)
    engine = Engine()
    names = list(BASES)
    worst = 0.0
    for i in range(50):
        base = Scenario.from_toml(BASES[names[i % len(names)]])
        sc = base.with_values(_random_values(rng, base))
        ref = run(sc, draws=1).totals.to_numpy().T  # (quantiles, metrics)
        fast = engine.totals(sc, draws=1).T
        assert fast.shape == (3, len(METRICS))
        worst = max(worst, _rel(fast, ref))
        assert _rel(fast, ref) <= 1e-9, (sc.parameters(), fast[1], ref[1])
    # every way the fast path decides an allocation was exercised
    for route in ("one zone", "decided by capacities", "two-zone knapsack", "linear program",
                  "gravity"):  # fmt: skip
        assert engine.routes[route] > 0, engine.routes
    assert worst < 1e-9


def test_fast_path_equals_the_reference_draw_by_draw():
    rng = np.random.default_rng(7)
    engine = Engine()
    for name in ("turkey-and-aleppo", "border", "aleppo"):
        base = Scenario.from_toml(BASES[name])
        sc = base.with_values(_random_values(rng, base) | {"shelter.allocation": "optimal"})
        ref = run(sc, draws=40, seed=3).samples.to_numpy()
        fast = engine.samples(sc, draws=40, seed=3)
        assert _rel(fast, ref) <= 1e-9


def test_demand_given_falls_back_to_the_reference(tmp_path):
    table = tmp_path / "idps.csv"
    table.write_text("pcode,displaced\nSY0200,100000\nSY0100,50000\n")
    base = Scenario.from_toml(BASES["aleppo"])
    sc = base.with_values({"demand.mode": "given", "demand.table": str(table)})
    engine = Engine()
    np.testing.assert_array_equal(engine.totals(sc, draws=1), run(sc, draws=1).totals.to_numpy())
    assert engine.routes["reference"] == 1


# ---------------------------------------------------------------- charts


def test_sensitivity_chart_draws_each_index_as_a_bar():
    from safezones.viz.charts import sensitivity_chart

    idx = pd.DataFrame({"metric": ["y"] * 3, "parameter": ["a", "b", "c"], "S1": [0.5, 0.1, 0.2],
                        "S1_conf": [0.02] * 3, "ST": [0.6, 0.15, 0.3], "ST_conf": [0.03] * 3})  # fmt: skip
    fig, ax = sensitivity_chart(idx, metric="y")
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted([0.5, 0.1, 0.2, 0.6, 0.15, 0.3])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "c", "a"]  # by ST, largest on top
    plt.close(fig)
    with pytest.raises(SafeZonesError, match="no indices for 'z'; the table has: y"):
        sensitivity_chart(idx, metric="z")


def test_response_chart_plots_every_scenario_and_the_threshold():
    from safezones.viz.charts import response_chart

    r = pd.DataFrame({"d": [10.0, 20.0, 30.0, 40.0], "u": [0.01, 0.02, 0.01, 0.02],
                      "sheltered_p5": [1e5, 2e5, 3e5, 4e5], "sheltered_p50": [2e5, 4e5, 6e5, 8e5],
                      "sheltered_p95": [3e5, 5e5, 8e5, 9e5]})  # fmt: skip
    fig, ax = response_chart(r, "d", colour="u", threshold=5e5)
    pts = ax.collections[1].get_offsets()
    np.testing.assert_array_equal(np.asarray(pts), r[["d", "sheltered_p50"]].to_numpy())
    assert ax.lines[0].get_ydata()[0] == 5e5
    plt.close(fig)
    with pytest.raises(SafeZonesError, match="lack the columns \\['x'\\]"):
        response_chart(r, "x")


def test_a_zone_that_cannot_be_built_is_named():
    sc = Scenario.from_toml(BASES["north"]).with_values(
        {"zones.north.wkt": "POLYGON ((10 10, 11 10, 11 11, 10 11, 10 10))"}
    )
    with pytest.raises(SafeZonesError, match=r"zones\.north: .*lies outside Syria"):
        Engine().totals(sc, draws=1)
