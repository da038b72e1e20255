"""export/store.py: the lossless result/ copy, read back exactly, reused only when it fits."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import camps_dir
from safezones import data
from safezones.crs import to_metric
from safezones.errors import SafeZonesError
from safezones.export.reuse import reuse_results, try_reuse
from safezones.export.store import FORMAT, write_result

ROOT = Path(__file__).resolve().parents[2]


def test_from_file_reads_back_every_table_exactly(camps):
    from safezones.scenario import ScenarioResult

    _toml, fresh, out = camps
    back = ScenarioResult.from_file(out / "camps")
    for name in ("per_zone", "per_origin", "flows", "totals", "samples"):
        assert getattr(back, name).equals(getattr(fresh, name)), name
    assert back.zones.equals(fresh.zones) and back.zones.crs == fresh.zones.crs
    assert back.events.equals(fresh.events) and back.events.crs == fresh.events.crs
    assert back.events.index.equals(fresh.events.index)
    assert set(back.detail) == set(fresh.detail)
    for k, arr in fresh.detail.items():
        assert np.array_equal(back.detail[k], arr) and not back.detail[k].flags.writeable
    assert back.provenance == fresh.provenance
    assert back.scenario.parameters() == fresh.scenario.parameters()


def test_try_reuse_says_why_not(camps, tmp_path):
    from safezones import __version__
    from safezones.export.reuse import try_reuse
    from safezones.scenario import Scenario

    toml, _fresh, out = camps
    sc, folder = Scenario.from_toml(toml), out / "camps"
    assert try_reuse(folder, sc)[1] == f"reusing {folder}"
    assert try_reuse(folder, sc, draws=20, seed=sc.uncertainty.seed)[0] is not None
    cases = {
        "missing": try_reuse(out / "nope", sc),
        "changed": try_reuse(folder, sc.with_values({"shelter.max_travel_km": 80})),
        "zone": try_reuse(folder, sc.with_values(["zones.camps.protection=0.5", "title='T'"])),
        "draws": try_reuse(folder, sc, draws=10),
        "seed": try_reuse(folder, sc, seed=7),
        "none": try_reuse(toml.parent, sc),
    }
    assert {k: v[1] for k, v in cases.items()} == {
        "missing": f"{out / 'nope'}: missing",
        "changed": f"{folder}: the scenario changed (shelter.max_travel_km)",
        "zone": f"{folder}: the scenario changed (title, zones.camps.protection)",
        "draws": f"{folder}: computed with 20 draws, not 10",
        "seed": f"{folder}: computed with seed {sc.uncertainty.seed}, not 7",
        "none": f"{toml.parent}: holds no reusable result (result/manifest.json is missing)",
    }
    assert all(v[0] is None for v in cases.values())

    # another version wrote it; a version that is not a version is not repeated
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    manifest = other / "result" / "manifest.json"
    doc = json.loads(manifest.read_text())
    for written, shown in [("0.0.9", "0.0.9"), ("<b>\x1b[31m", "another")]:
        manifest.write_text(json.dumps({**doc, "safezones_version": written}))
        assert try_reuse(other, sc) == (
            None,
            f"{other}: written by safezones {shown}, this is {__version__}",
        )


def test_try_reuse_sees_a_changed_input_file(camps, tmp_path):
    from safezones.export.reuse import try_reuse
    from safezones.scenario import Scenario

    _toml, _fresh, out = camps
    toml2 = camps_dir(tmp_path / "in")  # the same scenario and zone file elsewhere
    shutil.copytree(out / "camps", tmp_path / "camps")
    sc = Scenario.from_toml(toml2)
    assert try_reuse(tmp_path / "camps", sc)[1] == f"reusing {tmp_path / 'camps'}"
    with open(tmp_path / "in" / "camps.geojson", "a", encoding="utf-8") as f:
        f.write("\n")  # same zone, other bytes
    assert try_reuse(tmp_path / "camps", sc) == (
        None,
        f"{tmp_path / 'camps'}: an input file changed (zones.camps.path)",
    )


class _Payload:
    """Unpickling this creates a file: reading a result must never do it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_hostile_result_folder_runs_no_code_and_is_not_reused(camps, tmp_path):
    from safezones.export.reuse import try_reuse
    from safezones.scenario import Scenario

    toml, _fresh, out = camps
    sc = Scenario.from_toml(toml)
    marker = tmp_path / "pwned"
    cases = {
        "detail.npz": lambda p: np.savez(p, flows=np.array([_Payload(marker)], dtype=object)),
        "per_zone.parquet": lambda p: p.write_bytes(b"not parquet at all"),
        "zones.parquet": lambda p: p.write_bytes(b"PAR1 no geo"),
        "manifest.json": lambda p: p.write_text("{not json"),
    }
    said = {}
    for name, spoil in cases.items():
        folder = tmp_path / name
        shutil.copytree(out / "camps", folder)
        spoil(folder / "result" / name)
        result, said[name] = try_reuse(folder, sc)
        assert result is None
    assert not marker.exists()
    assert said == {
        "detail.npz": f"{tmp_path / 'detail.npz'}: result/detail.npz cannot be read as arrays",
        "per_zone.parquet": f"{tmp_path / 'per_zone.parquet'}: result/per_zone.parquet cannot be "
        "read as Parquet",
        "zones.parquet": f"{tmp_path / 'zones.parquet'}: result/zones.parquet cannot be read as "
        "GeoParquet",
        "manifest.json": f"{tmp_path / 'manifest.json'}: result/manifest.json cannot be read as "
        "JSON",
    }


def test_population_cells_are_kept_exactly(camps, tmp_path):
    from safezones.scenario import ScenarioResult

    _toml, fresh, _out = camps
    assert fresh.population_cells is None or len(fresh.population_cells)
    cells = data.population_grid().iloc[:50]
    with_cells = dataclasses.replace(fresh, population_cells=cells)
    write_result(with_cells, tmp_path)
    assert (tmp_path / "result" / "population_cells.parquet").is_file()
    back = ScenarioResult.from_file(tmp_path, fresh.scenario)
    assert back.population_cells.equals(cells) and back.population_cells.crs == cells.crs
    doc = json.loads((tmp_path / "result" / "manifest.json").read_text())
    assert doc["format"] == FORMAT == 4
    assert doc["population_cells"] == {"file": "population_cells.parquet"}

    without = dataclasses.replace(fresh, population_cells=None)
    write_result(without, tmp_path / "none")
    assert not (tmp_path / "none" / "result" / "population_cells.parquet").exists()
    assert ScenarioResult.from_file(tmp_path / "none", fresh.scenario).population_cells is None


def test_the_bundled_grid_is_named_not_copied(camps, tmp_path):
    from safezones.scenario import ScenarioResult

    _toml, fresh, _out = camps
    assert fresh.scenario.population.source == "bundled"
    grid = data.population_grid()
    write_result(dataclasses.replace(fresh, population_cells=grid), tmp_path)
    assert not (tmp_path / "result" / "population_cells.parquet").exists()
    manifest = tmp_path / "result" / "manifest.json"
    doc = json.loads(manifest.read_text())
    sha = data.provenance().loc["population_grid", "sha256"]
    assert doc["population_cells"] == {"bundled": "population_grid", "crs": "lonlat", "sha256": sha}
    back = ScenarioResult.from_file(tmp_path, fresh.scenario).population_cells
    assert back.equals(grid) and back.crs == grid.crs

    metric = to_metric(grid)  # as a run prepares it: named too
    write_result(dataclasses.replace(fresh, population_cells=metric), tmp_path / "metric")
    assert not (tmp_path / "metric" / "result" / "population_cells.parquet").exists()
    back = ScenarioResult.from_file(tmp_path / "metric", fresh.scenario).population_cells
    assert back.equals(metric) and back.crs == metric.crs

    moved = grid.assign(pop_central=grid.pop_central + 1)  # not the grid: written out
    write_result(dataclasses.replace(fresh, population_cells=moved), tmp_path / "moved")
    assert ScenarioResult.from_file(tmp_path / "moved", fresh.scenario).population_cells.equals(
        moved
    )

    manifest.write_text(json.dumps({**doc, "population_cells": {**doc["population_cells"],
                                                                "sha256": "0" * 64}}))  # fmt: skip
    with pytest.raises(SafeZonesError, match="another bundled population grid"):
        ScenarioResult.from_file(tmp_path, fresh.scenario)
    manifest.write_text(json.dumps({**doc, "population_cells": "<script>"}))
    with pytest.raises(SafeZonesError, match=r"names population cells it does not hold$"):
        ScenarioResult.from_file(tmp_path, fresh.scenario)


def test_a_result_of_an_older_format_is_computed_again(camps, tmp_path):
    toml, _fresh, out = camps
    from safezones.scenario import Scenario

    old = tmp_path / "camps"
    shutil.copytree(out / "camps", old)
    manifest = old / "result" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format": 1}))
    assert try_reuse(old, Scenario.from_toml(toml)) == (
        None,
        f"{old}: result/ has another layout than this safezones reads (format 4)",
    )


def test_reuse_results_says_a_line_per_scenario(camps, tmp_path):
    from safezones.scenario import Scenario

    toml, _fresh, out = camps
    sc = Scenario.from_toml(toml)
    other = sc.with_values({"id": "other"})
    said: list[str] = []
    found = reuse_results(out, [sc, other], said=said.append)
    assert list(found) == ["camps"] and found["camps"].scenario.id == "camps"
    assert said == [f"reusing {out / 'camps'}", f"{out / 'other'}: missing"]
    assert reuse_results(out, [sc, sc], said=said.append) == {}  # ids repeat: the run refuses
    assert reuse_results(out, [sc], draws=5) == {}
    assert np.array_equal(found["camps"].detail["flows"], _fresh.detail["flows"])
