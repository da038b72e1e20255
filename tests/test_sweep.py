"""The sweep charts and a sweep zone that cannot be built.

The sweep tests are in tests/sweep/, one file per module of safezones.sweep; the fast
path against the reference is in tests/test_engine.py.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from safezones.engine import Engine
from safezones.errors import SafeZonesError
from safezones.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASES = {
    "turkey-and-aleppo": ROOT / "sweeps" / "turkey-and-aleppo.toml",
    "border": SCENARIOS / "border-refuge-zones.toml",
    "jarablus": SCENARIOS / "jarablus-marea-2015.toml",
    "north": SCENARIOS / "safe-zones-north.toml",
    "aleppo": SCENARIOS / "aleppo-freeze.toml",
}


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
