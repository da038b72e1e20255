"""safezones.sweep.analysis: Sobol indices (SALib) and scenario discovery (PRIM)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from safezones.errors import SafeZonesError
from safezones.sweep import discover, sample_design, sensitivity


def _ishigami(x: pd.DataFrame, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x1, x2, x3 = (x[c].to_numpy() for c in ("x1", "x2", "x3"))
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def test_sobol_indices_of_the_ishigami_function_are_recovered():
    a, b = 7.0, 0.1
    # Ishigami and Homma (1990): the variances are known in closed form
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    expected_s1 = [v1 / var, v2 / var, 0.0]
    expected_st = [(v1 + v13) / var, v2 / var, v13 / var]
    bounds = {n: (-math.pi, math.pi) for n in ("x1", "x2", "x3")}
    x = sample_design(bounds, design="sobol", size=4096, seed=1)
    results = x.assign(index=np.arange(len(x)), y=_ishigami(x, a, b))
    spec = {
        "design": "sobol",
        "parameters": {n: {"low": lo, "high": hi} for n, (lo, hi) in bounds.items()},
    }
    idx = sensitivity(results, metrics=["y"], spec=spec).set_index("parameter")
    np.testing.assert_allclose(idx["S1"], expected_s1, atol=0.03)
    np.testing.assert_allclose(idx["ST"], expected_st, atol=0.03)
    assert (idx["ST_conf"] < 0.05).all()


def test_sensitivity_needs_a_complete_sobol_sweep():
    spec = {"design": "lhs", "parameters": {"x": {"low": 0, "high": 1}}}
    with pytest.raises(SafeZonesError, match="need a sobol design"):
        sensitivity(pd.DataFrame({"x": [0.1], "y": [1.0]}), metrics=["y"], spec=spec)
    spec = {"design": "sobol", "parameters": {"x": {"low": 0, "high": 1}}}
    with pytest.raises(SafeZonesError, match="multiple of 3 rows; got 4"):
        sensitivity(pd.DataFrame({"x": np.ones(4), "y": np.ones(4)}), metrics=["y"], spec=spec)


def test_discovery_finds_the_box_where_the_metric_holds():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.uniform(0, 1, 4000), "b": rng.uniform(0, 1, 4000),
                      "c": rng.uniform(0, 1, 4000)})  # fmt: skip
    y = np.where((x["a"] > 0.6) & (x["b"] < 0.5), 2e6, 0.5e6) + rng.normal(0, 1e4, 4000)
    spec = {"parameters": {"a": {}, "b": {}, "c": {}}}
    box = discover(x.assign(sheltered_p50=y), "sheltered_p50", 1e6, min_density=0.95, spec=spec)
    lims = box.set_index("parameter")
    assert abs(lims.loc["a", "low"] - 0.6) < 0.03 and lims.loc["a", "high"] > 0.99
    assert abs(lims.loc["b", "high"] - 0.5) < 0.03 and lims.loc["b", "low"] < 0.01
    assert lims["restricted"].tolist() == [True, True, False]
    assert box.attrs["density"] >= 0.95 and box.attrs["coverage"] > 0.9
    # the box holds what it says: recount its density and coverage from the data
    inside = np.ones(len(x), dtype=bool)
    for n, r in lims.iterrows():
        inside &= x[n].between(r["low"], r["high"]).to_numpy()
    hit = y >= 1e6
    assert math.isclose(box.attrs["density"], hit[inside].mean(), abs_tol=1e-9)
    assert math.isclose(box.attrs["coverage"], hit[inside].sum() / hit.sum(), abs_tol=1e-9)
    # a lower density requirement keeps more of the scenarios that meet the condition
    loose = discover(x.assign(sheltered_p50=y), "sheltered_p50", 1e6, spec=spec)
    assert loose.attrs["density"] >= 0.8 and loose.attrs["coverage"] >= box.attrs["coverage"]
    assert box.attrs["condition"] == "sheltered_p50 >= 1e+06"
    with pytest.raises(SafeZonesError, match="no scenario has sheltered_p50 >= 1e\\+07"):
        discover(x.assign(sheltered_p50=y), "sheltered_p50", 1e7, spec=spec)
    with pytest.raises(SafeZonesError, match="did you mean 'sheltered_p50'"):
        discover(x.assign(sheltered_p50=y), "sheltered_p5O", 1e6, spec=spec)
