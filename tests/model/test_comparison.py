"""model/comparison.py: one row per scored scenario."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd

from safezones.model.comparison import comparison_table
from safezones.model.metrics import METRICS, QUANTILES


def _result(sid: str, scale: float) -> types.SimpleNamespace:
    totals = pd.DataFrame(
        [[scale * k, scale * (k + 1), scale * (k + 2)] for k in range(len(METRICS))],
        index=list(METRICS),
        columns=list(QUANTILES),
    )
    return types.SimpleNamespace(
        scenario=types.SimpleNamespace(
            id=sid, title=sid.upper(), source=types.SimpleNamespace(citation=f"cite {sid}")
        ),
        zones=pd.DataFrame({"area_km2": [10.0, 5.5]}),
        totals=totals,
        provenance={
            "allocation": "optimal",
            "window": {"start": 2014, "end": 2015},
            "draws": 3,
            "seed": 7,
        },
        detail={"population_total": np.array([100.0, 100.0, 100.0])},
    )


def test_a_row_per_scenario_with_every_metric_then_population():
    t = comparison_table([_result("a", 1.0), _result("b", 10.0)])
    metric_cols = [f"{m}_{q}" for m in METRICS for q in QUANTILES]
    assert list(t.columns) == [
        "scenario",
        "title",
        "zones",
        "area_km2",
        "allocation",
        "window",
        *metric_cols,
        "population_p5",
        "population_p50",
        "population_p95",
        "draws",
        "seed",
        "citation",
    ]
    assert t.scenario.tolist() == ["a", "b"]
    assert t.loc[1, f"{METRICS[1]}_p50"] == 20.0
    assert t.loc[0, "area_km2"] == 15.5 and t.loc[0, "zones"] == 2
    assert t.loc[0, "window"] == "2014 to 2015" and t.loc[0, "population_p50"] == 100.0
    assert t.loc[1, "citation"] == "cite b"


def test_without_population_draws_there_are_no_population_columns():
    r = _result("a", 1.0)
    r.detail = {}
    assert not [c for c in comparison_table([r]).columns if c.startswith("population")]
