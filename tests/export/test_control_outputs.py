"""Control, threat and deaths averted in the result folder: summary.json, columns.csv, CSVs, gpkg.

The result comes from :func:`control_result.control_result` (the border refuge
zones with the bundled late-2014 control snapshot).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re

import pandas as pd
import pyogrio
import pytest

from control_result import LABEL, control_result
from safezones.defaults import PROTECTION_REASONS
from safezones.export.comparison import comparison_markdown, zone_kept
from safezones.export.folder import summary
from safezones.model.comparison import comparison_table

ACTORS = ["government", "opposition", "islamic_state", "kurds", "unknown"]  # by hand
SHARES = [f"share_{k}_{a}" for k in ("area", "population") for a in ACTORS]


@pytest.fixture(scope="module")
def result():
    return control_result()


@pytest.fixture(scope="module")
def folder(result, tmp_path_factory):
    return result.to_file(tmp_path_factory.mktemp("control") / "run", map_png=False)


def _header(path):
    with path.open(newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def test_summary_json_records_control_threat_and_each_zones_shares(result, folder):
    doc = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert doc["control"] == {
        "source": "bundled", "snapshot": "2015", "label": LABEL, "note": "",
        "max_distance_km": 10.0, "exclude_held_by": [],
    }  # fmt: skip
    assert doc["threat"]["actors"] == ["government"]
    # the neighbours' defaults against the government (defaults.REFUGE_PROTECTION)
    assert doc["threat"]["protection"] == {
        "turkey": {"government": 0.7}, "jordan": {"government": 0.5},
        "lebanon": {"government": 0.2},
    }  # fmt: skip
    assert doc["threat"]["protection_source"] == {
        "turkey": PROTECTION_REASONS["TUR"], "jordan": PROTECTION_REASONS["JOR"],
        "lebanon": PROTECTION_REASONS["LBN"],
    }  # fmt: skip
    assert list(doc["zones"]) == ["turkey", "jordan", "lebanon"]
    for zid, z in doc["zones"].items():
        assert list(z["share_area"]) == ACTORS and list(z["share_population"]) == ACTORS
        assert sum(z["share_area"].values()) == pytest.approx(1.0)
        assert sum(z["share_population"].values()) == pytest.approx(1.0)
        top = max(z["share_population"], key=z["share_population"].get)
        assert z["actor"] == top, zid
    # the finding: most of the Lebanese strip's people live on government ground
    assert doc["zones"]["lebanon"]["share_population"]["government"] > 0.75
    assert doc["zones"]["lebanon"]["actor"] == "government"
    assert list(doc["metrics"]["deaths_averted"]) == ["p5", "p50", "p95"]
    assert doc["metrics"]["deaths_averted"]["p50"] == pytest.approx(
        result.totals.loc["deaths_averted", "p50"]
    )
    assert summary(result)["control"] == doc["control"]


def test_columns_csv_describes_every_new_column_with_its_unit(folder):
    cols = pd.read_csv(folder / "columns.csv", keep_default_na=False)
    for f in ("per_zone.csv", "flows.csv", "per_origin.csv", "totals.csv"):
        assert cols.loc[cols.file == f, "column"].tolist() == _header(folder / f), f
    pz = cols[cols.file == "per_zone.csv"].set_index("column")
    header = _header(folder / "per_zone.csv")
    assert header[header.index("sheltered_safe_p95") + 1 :] == [
        "binding", "binding_share", "capacity_rule", "actor", *SHARES, "area_before_cut_km2", "events_weighted_all",
        "deaths_civilians_weighted_all", "events_per_1000km2_year_all", "protection_source",
        "deaths_averted_p5", "deaths_averted_p50", "deaths_averted_p95",
        "water_litres_per_day_p5", "water_litres_per_day_p50", "water_litres_per_day_p95",
        "latrines_p5", "latrines_p50", "latrines_p95",
        "covered_area_m2_p5", "covered_area_m2_p50", "covered_area_m2_p95",
    ]  # fmt: skip
    assert pz.loc["water_litres_per_day_p50", "unit"] == "litres per day"
    assert pz.loc["latrines_p95", "unit"] == "latrines"
    assert pz.loc["covered_area_m2_p5", "unit"] == "m²"
    for c in SHARES:
        assert pz.loc[c, "unit"] == "0 to 1", c
        assert "Syria Conflict Mapping Project" in pz.loc[c, "meaning"], c
    assert "the Islamic State" in pz.loc["share_population_islamic_state", "meaning"]
    assert pz.loc["area_before_cut_km2", "unit"] == "km²"
    assert pz.loc["deaths_averted_p50", "unit"] == "deaths per year"
    assert "UCDP GED" in pz.loc["deaths_averted_p50", "meaning"]
    assert "P50" in pz.loc["deaths_averted_p50", "meaning"]
    assert "every actor" in pz.loc["events_weighted_all", "meaning"]
    assert "fractional" in pz.loc["events_weighted_all", "meaning"]
    fl = cols[cols.file == "flows.csv"].set_index("column")
    assert fl.loc["control_changes", "unit"] == "changes"
    assert "front lines" in fl.loc["control_changes", "meaning"]
    for c in ("origin_actor", "zone_actor", "protection_source"):
        table = fl if c in fl.index else pz
        assert table.loc[c, "meaning"] != c.replace("_", " "), c  # not the fallback
    gpkg = pyogrio.read_info(folder / "zones.gpkg")
    assert {"actor", *SHARES, "deaths_averted_p50", "protection_source"} <= set(gpkg["fields"])
    assert set(cols.loc[cols.file == "zones.gpkg", "column"]) == {*gpkg["fields"], "geom"}


def test_files_carry_the_tables_values_rounded_as_stated(result, folder):
    pz = pd.read_csv(folder / "per_zone.csv").set_index("zone_id")
    mem = result.per_zone.set_index("zone_id")
    for c in SHARES:
        assert pz[c].to_numpy() == pytest.approx(mem[c].to_numpy(), abs=1e-9), c
    assert pz.actor.tolist() == mem.actor.tolist()
    # deaths averted per year: one decimal; every actor's weighted events too
    for c in ("deaths_averted_p50", "events_weighted_all"):
        assert pz[c].tolist() == [round(v, 1) for v in mem[c]], c
    flows = pd.read_csv(folder / "flows.csv")
    assert flows.control_changes.notna().all()
    assert set(flows.origin_actor) <= set(ACTORS) and set(flows.zone_actor) <= set(ACTORS)
    zones = pyogrio.read_dataframe(folder / "zones.gpkg").set_index("zone_id")
    assert zones.loc["lebanon", "share_population_government"] == pytest.approx(
        mem.loc["lebanon", "share_population_government"]
    )


def test_new_text_columns_are_written_as_text_not_formulas(result, tmp_path):
    hostile = result.per_zone.assign(protection_source=["=1+1", "@SUM(A1)", "assumption: ok"])
    out = dataclasses.replace(result, per_zone=hostile).to_file(tmp_path / "h", map_png=False)
    with (out / "per_zone.csv").open(newline="", encoding="utf-8") as f:
        cells = [row["protection_source"] for row in csv.DictReader(f)]
    assert cells == ["'=1+1", "'@SUM(A1)", "assumption: ok"]


def test_comparison_says_how_much_of_each_zone_survives_a_cut(result):
    pz = result.per_zone.copy()
    pz["area_before_cut_km2"] = pz["area_km2"] * [1.0, 2.0, 4.0]  # by hand: 100 %, 50 %, 25 %
    cut = dataclasses.replace(
        result, per_zone=pz, scenario=result.scenario.with_values(
            {"id": "cut", "control.exclude_held_by": ["government", "islamic_state"]}),
    )  # fmt: skip
    table = comparison_table([result, cut])
    area = pz["area_km2"].to_numpy()
    assert table.kept.tolist() == [1.0, pytest.approx(area.sum() / (area @ [1, 2, 4]))]
    assert table.area_before_cut_km2.iloc[1] == pytest.approx(area @ [1, 2, 4])
    assert zone_kept(cut).kept.tolist() == [1.0, 0.5, 0.25]
    assert "deaths_averted_p50" in table.columns
    md = comparison_markdown(table, results=[result, cut])
    head = md.splitlines()[0]
    assert "| kept |" in head and "deaths averted per year" in head
    rows = [line for line in md.splitlines() if line.startswith("| cut |")]
    assert re.search(r"\| \d+ % \|", rows[0])
    # the uncut scenario's zones kept all their land because nothing was cut: not "100 %"
    uncut = next(line for line in md.splitlines() if line.startswith(f"| {result.scenario.id} |"))
    assert "| not cut |" in uncut and "100 %" not in uncut
    note = next(line for line in md.splitlines() if line.startswith("- **cut**, cut to"))
    assert note == (
        "- **cut**, cut to land held by neither the government nor Islamic State: "
        f"Jordanian border, 30 km 50 % ({area[1]:,.0f} of {2 * area[1]:,.0f} km²); "
        f"Lebanese border, 30 km 25 % ({area[2]:,.0f} of {4 * area[2]:,.0f} km²)."
    )
