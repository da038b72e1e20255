"""export/folder.py: a scored scenario written as a result folder."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pyogrio
import pytest

from safezones._version import __version__
from safezones.export.folder import summary, write_folder
from safezones.scenario import METRICS, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def border_result():
    return run(ROOT / "scenarios/border-refuge-zones.toml", draws=40, seed=3)


def test_to_file_writes_every_output(border_result, tmp_path):
    out = border_result.to_file(tmp_path / "run")
    assert sorted(p.name for p in out.iterdir()) == [
        ".safezones-output.json", "columns.csv", "flows.csv", "map.png", "per_origin.csv",
        "per_zone.csv", "result", "summary.json", "totals.csv", "zones.gpkg",
    ]  # fmt: skip
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "border-refuge-zones"
    assert set(summary["metrics"]) == set(METRICS)
    for m in METRICS:
        assert list(summary["metrics"][m]) == ["p5", "p50", "p95"]
        assert summary["metrics"][m]["p50"] == pytest.approx(border_result.totals.loc[m, "p50"])
    assert summary["parameters"]["zones"][0]["depth_km"] == 30
    assert {s["layer"] for s in summary["sources"]} >= {"events", "population_grid", "scenario"}
    zones = pyogrio.read_dataframe(out / "zones.gpkg")
    assert zones.zone_id.tolist() == ["turkey", "jordan", "lebanon"]
    assert zones.crs.to_epsg() == 4326 and "sheltered_p50" in zones.columns
    flows = pd.read_csv(out / "flows.csv")
    per_zone = pd.read_csv(out / "per_zone.csv").set_index("zone_id")
    # flows P50s need not add up to the zone's P50, but the medians are close
    by_zone = flows.groupby("zone_id").people_p50.sum()
    assert by_zone.loc["turkey"] == pytest.approx(per_zone.loc["turkey", "sheltered_p50"], rel=0.1)
    img = mpimg.imread(out / "map.png")
    assert img.shape[0] > 800 and img.shape[1] > 800 and img[..., :3].std() > 0.05


def test_summary_records_what_made_it(border_result):
    doc = summary(border_result)
    assert doc == border_result.summary() | {"written_at": doc["written_at"]}
    assert doc["safezones_version"] == __version__ and doc["command"] is None
    assert doc["draws"] == 40 and doc["seed"] == 3
    assert set(doc["inputs"]) >= {"scenario"}
    assert list(doc["population"]) == ["p5", "p50", "p95"]


def test_write_folder_is_to_file_without_the_map(border_result, tmp_path):
    out = write_folder(border_result, tmp_path / "w", map_png=False)
    assert out == tmp_path / "w" and not (out / "map.png").exists()
    assert (out / "per_zone.csv").read_bytes() == (
        border_result.to_file(tmp_path / "t", map_png=False) / "per_zone.csv"
    ).read_bytes()
