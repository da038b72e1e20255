"""Which drawn input moves a run's answer: first-order indices from the run's own draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from safezones.errors import SafeZonesError
from safezones.sweep.analysis import draw_sensitivity


def _toy(n=600, seed=3):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"usable_fraction": rng.uniform(0, 1, n), "distance_decay": rng.uniform(0, 1, n),
                      "population_band": np.full(n, 0.5)})  # fmt: skip
    return x


def test_a_known_answer_y_is_ten_x1_plus_x2():
    x = _toy()
    y = 10 * x["usable_fraction"] + x["distance_decay"]
    got = draw_sensitivity(x, pd.DataFrame({"sheltered": y})).set_index("input")
    # Var(10 U) / Var(10 U + U') = 100 / 101 for independent uniforms; 1 / 101 for the other
    assert got.loc["usable_fraction", "S1"] == pytest.approx(100 / 101, abs=0.06)
    assert got.loc["distance_decay", "S1"] == pytest.approx(1 / 101, abs=0.06)
    assert "population_band" not in got.index  # constant: no information
    assert got.index[0] == "usable_fraction"
    assert got.loc["usable_fraction", "label"].startswith("usable share")


def test_refusals_say_what_is_wrong():
    x = _toy(10)
    with pytest.raises(
        SafeZonesError,
        match=r"^which input moves the answer needs at least 20 draws; this run has 10$",
    ):
        draw_sensitivity(x, pd.DataFrame({"sheltered": np.arange(10.0)}))
    with pytest.raises(SafeZonesError, match=r"^no metric 'shelterd' in the draws"):
        draw_sensitivity(x, pd.DataFrame({"sheltered": np.arange(10.0)}), metric="shelterd")


def test_on_a_shipped_run_where_capacity_binds_the_usable_share_leads():
    from pathlib import Path

    import safezones as sz

    sc = sz.Scenario.from_toml(
        Path(__file__).resolve().parents[2] / "scenarios" / "aleppo-freeze.toml"
    )
    r = sz.run(sc, draws=200)
    got = draw_sensitivity(r.inputs, r.samples)
    # the Aleppo freeze zone is full in most draws: sheltered = usable share x area / site area,
    # so the usable share (drawn over a 10-fold range) must explain most of the variance
    assert (r.per_zone["binding"] == "capacity").all()
    assert got.iloc[0]["input"] == "usable_fraction"
    assert got.iloc[0]["S1"] > 0.5
