"""export/comparison.py: comparison.csv, comparison.md, comparison.png and a folder each."""

from __future__ import annotations

import pandas as pd
import pytest

import safezones.scenario
from safezones._text import people
from safezones.export import comparison
from safezones.export.comparison import comparison_markdown, write_comparison
from safezones.model.comparison import comparison_table
from safezones.model.metrics import METRICS, QUANTILES
from safezones.scenario import Scenario, run


def _table(value: float) -> pd.DataFrame:
    return pd.DataFrame({"scenario": ["a"], "title": ["A"], "area_km2": [10.0],
        "allocation": ["optimal"], "window": ["2014 to 2014"], "draws": [2], "seed": [1],
        "citation": ["c"], **{f"{m}_{q}": [value] for m in METRICS for q in QUANTILES}})  # fmt: skip


def test_the_scenario_module_still_offers_the_writers():
    assert safezones.scenario.write_comparison is write_comparison
    assert safezones.scenario.comparison_markdown is comparison_markdown
    assert "write_comparison" in safezones.scenario.__all__
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = safezones.scenario.nothing


@pytest.mark.parametrize(
    ("value", "shown"),
    [(9_876.0, "9,876"), (170_400.0, "170,000"), (999_999.0, "1,000,000"), (2_345_678.0, "2.35 M")],
)
def test_markdown_people_are_the_one_people_rule(value, shown):
    assert people(value) == shown  # safezones._text.people: every output writes people so
    row = comparison_markdown(_table(value)).splitlines()[2]
    assert (
        row
        == f"| a | A | 10 | {shown} | {shown} ({shown} to {shown}) | "
        + " | ".join([shown] * 6)
        + f" | {shown} ({shown} to {shown}) |"  # deaths averted per year, P50 (P5 to P95)
    )
    assert "2 draws, seed 1" in comparison_markdown(_table(value))


def test_write_comparison_writes_the_table_the_markdown_and_a_folder_each(tmp_path):
    sc = Scenario.from_dict({"id": "a", "title": "a", "source": {"citation": "c"},
        "zones": [{"id": "z", "kind": "freeze", "place": "Aleppo", "radius_km": 10}]})  # fmt: skip
    results = [run(sc, draws=1), run(sc.with_values({"id": "b"}), draws=1)]
    out = tmp_path / "cmp"
    table = write_comparison(results, out, maps=False)
    assert sorted(p.name for p in out.iterdir()) == [
        ".safezones-output.json", "a", "b", "columns.csv", "comparison.csv", "comparison.md",
        "comparison.png",
    ]  # fmt: skip
    assert table.equals(comparison_table(results))
    assert (out / "comparison.md").read_text(encoding="utf-8") == comparison_markdown(
        table, results=results
    )
    written = pd.read_csv(out / "comparison.csv")
    assert written.scenario.tolist() == ["a", "b"]
    assert written.sheltered_p50.tolist() == table.sheltered_p50.round().astype(int).tolist()
    assert not (out / "a" / "map.png").exists() and (out / "b" / "summary.json").is_file()
    assert comparison.__all__ == [
        "actor_words",
        "comparison_markdown",
        "not_held_by",
        "write_comparison",
        "zone_kept",
    ]
