"""The notebooks in notebooks/: stripped in git, and run clean from top to bottom.

Each notebook is executed in a real Jupyter kernel (nbclient) from its own
folder, with one probe cell appended by the test that prints what the
notebook computed as JSON; the tests check those numbers against
independent answers (the command line, a hand-computed area, a recount of
the source file, monotonicity).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

from conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = [
    "01-quickstart",
    "02-aleppo-freeze",
    "03-sweeps-and-sensitivity",
    "04-your-own-data",
    "05-validation",
]
MARK = "SAFEZONES-PROBE "

# What each notebook is asked after its last cell (names are the notebook's own variables).
PROBES = {
    "01-quickstart": """{str(d): r.totals.to_dict() for d, r in results.items()}""",
    "02-aleppo-freeze": """{
        "area_km2": float(freeze.area_km2.iloc[0]),
        "history": {f"{y}|{z}": float(v) for (y, z), v in history["events"].items()},
        "totals": result.totals.to_dict(),
        "draws": int(result.provenance["draws"]),
    }""",
    "03-sweeps-and-sensitivity": """{
        "grid": grid_results.to_json(orient="records"),
        "sobol_rows": len(sobol_results),
        "indices": indices.to_json(orient="records"),
    }""",
    "04-your-own-data": """{
        "events": len(acled),
        "deaths": float(acled["deaths_total"].sum()),
        "residents": residents["residents_central"].to_dict(),
        "totals": result.totals.to_dict(),
    }""",
    "05-validation": """{
        "draws": val.draws, "seed": val.seed,
        "metrics": metrics.to_json(orient="records"),
        "rows": {n: bt.rows.to_json(orient="records") for n, bt in val.backtests.items()},
        "refugees": refugees.to_json(orient="records"),
        "identified": identified,
        "old": old, "new": new,
        "sha_before": before.sha256, "sha_after": after.sha256,
        "sha_file": __import__("hashlib").sha256(newer.read_bytes()).hexdigest(),
        "revised_rows": after.rows.to_json(orient="records"),
        "revised_metrics": after.metrics,
        "others": {n: [val.backtests[n].metrics, revised.backtests[n].metrics]
                   for n in ("movements_by_governorate", "sites_by_district")},
        "written": sorted(p.name for p in out.iterdir()),
    }""",
}


@cache
def executed(name: str) -> tuple[nbformat.NotebookNode, dict]:
    """The notebook run in a fresh kernel, and its probe's answer."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    probe = f"import json as _j\nprint({MARK!r} + _j.dumps({PROBES[name]}, default=float))"
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    line = next(ln for ln in out.splitlines() if ln.startswith(MARK))
    return nb, json.loads(line[len(MARK) :])


def test_there_are_the_five_notebooks_and_they_are_stripped():
    found = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == NAMES
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, (
                    f"{name}: outputs left in a cell; run python scripts/strip_notebooks.py"
                )
        assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_clean(name):
    nb, _ = executed(name)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{name} cell {i}: {out.get('ename')}"
            if out.output_type == "stream" and out.name == "stderr":
                assert "Warning" not in out.text, f"{name} cell {i} warns: {out.text[:500]}"


def _rich(nb: nbformat.NotebookNode) -> list[str]:
    return [
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("data", {}).get("text/html", "").startswith('<div class="safezones"')
    ]


def test_quickstart_answers_match_the_command_line(tmp_path):
    """The notebook's 10 and 30 km numbers equal `safezones run` on the same scenario."""
    nb, got = executed("01-quickstart")
    toml = tmp_path / "turkey.toml"
    toml.write_text(
        'id = "turkey"\ntitle = "Turkish border strip"\nsource = { citation = "analyst\'s test" }\n'
        '[[zones]]\nid = "turkey"\nkind = "refuge"\nborder = "TUR"\ndepth_km = 10\n',
        encoding="utf-8",
    )
    for depth in (10, 30):
        out = tmp_path / f"d{depth}"
        proc = run_cli("run", toml, "--draws", "200", "--seed", "1",
                       "--set", f"zones.turkey.depth_km={depth}", "--out", out)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        cli = json.loads((out / "summary.json").read_text(encoding="utf-8"))["metrics"]
        nb_totals = got[str(depth)]  # {quantile: {metric: value}}
        for metric, qs in cli.items():
            for q, value in qs.items():
                assert nb_totals[q][metric] == pytest.approx(value, rel=1e-12), (depth, metric, q)
    assert got["30"]["p50"]["sheltered"] > got["10"]["p50"]["sheltered"]  # deeper shelters more
    assert len(_rich(nb)) == 1  # results[30] shows its HTML summary


def test_aleppo_notebook_area_history_and_uncertainty():
    nb, got = executed("02-aleppo-freeze")
    # a 15 km disc around Aleppo lies wholly in Syria: pi r^2, less the 32-segment polygon's chord loss
    assert got["area_km2"] == pytest.approx(math.pi * 15**2, rel=2e-3)
    hist = got["history"]
    for year in range(2011, 2020):
        assert hist[f"{year}|aleppo"] <= hist[f"{year}|within-50km"] + 1e-9  # the disc is inside
    assert max(range(2011, 2020), key=lambda y: hist[f"{y}|aleppo"]) == 2014
    t = pd.DataFrame(got["totals"])
    assert got["draws"] == 1000
    assert (t["p5"] <= t["p50"]).all() and (t["p50"] <= t["p95"]).all()
    assert t.loc["sheltered", "p95"] <= t.loc["capacity", "p95"] * (1 + 1e-12)
    assert t.loc["sheltered", "p5"] < t.loc["sheltered", "p95"]  # honest spread, not a point
    assert len(_rich(nb)) == 2  # the zone set and the result


def test_sweeps_notebook_grid_is_monotone_and_indices_are_shares():
    _, got = executed("03-sweeps-and-sensitivity")
    grid = pd.DataFrame(json.loads(got["grid"]))
    assert len(grid) == 7 * 3 * 3
    for _, g in grid.groupby(["shelter.usable_fraction", "demand.rates.2"]):
        s = g.sort_values("zones.turkey.depth_km")["sheltered_p50"].to_numpy()
        assert np.all(np.diff(s) >= -1e-6 * s[:-1])  # a deeper strip never shelters fewer
    assert (grid["sheltered_p50"] <= grid["displaced_p50"] * (1 + 1e-12)).all()
    assert got["sobol_rows"] == 128 * (3 + 2)
    idx = pd.DataFrame(json.loads(got["indices"])).set_index("parameter")
    assert (idx["ST"] >= -0.05).all() and idx["S1"].sum() <= 1.1
    assert idx["ST"].idxmax() in {"shelter.usable_fraction", "zones.turkey.depth_km"}


def test_own_data_notebook_recounts_the_files(shared_data):
    _, got = executed("04-your-own-data")
    # the ACLED-format file holds the UCDP events of 2014 with side A the government in the
    # raster's extent: recount them from the raw UCDP file
    raw = pd.read_csv(shared_data / "ucdp_ged_syria_events.csv")
    import rasterio

    with rasterio.open(shared_data / "worldpop_idleb_100m_2026.tif") as r:
        x0, y0, x1, y1 = r.bounds
    sel = raw[
        (raw.year == 2014)
        & (raw.side_a == "Government of Syria")
        & raw.longitude.between(x0, x1)
        & raw.latitude.between(y0, y1)
    ]
    assert got["events"] == len(sel)
    deaths = sel[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]].sum().sum()
    assert got["deaths"] == pytest.approx(float(deaths))
    # the 500 m raster keeps the 100 m raster's people in the zone (to 1 %)
    import safezones as sz

    zone = sz.safe_zone(NOTEBOOKS / "data" / "atmeh-camps.geojson")
    fine = sz.population_in_zones(zone, shared_data / "worldpop_idleb_100m_2026.tif")
    coarse = got["residents"]["WorldPop 2026, 500 m"]
    assert coarse == pytest.approx(float(fine["residents_central"].iloc[0]), rel=0.01)
    t = pd.DataFrame(got["totals"])
    assert t.loc["sheltered", "p50"] <= min(t.loc["capacity", "p50"], t.loc["displaced", "p50"])


def test_notebook_data_rebuilds_byte_identical(shared_data, tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_notebook_data.py"),
         "--source", str(shared_data), "--out", str(tmp_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    for f in ("idleb_2014_ucdp_in_acled_format.csv", "worldpop_idleb_500m_2026.tif"):
        assert (tmp_path / f).read_bytes() == (NOTEBOOKS / "data" / f).read_bytes(), f


def _agreement(rows: pd.DataFrame) -> dict:
    """ARD, Spearman and P5-P95 coverage recomputed with pandas, not by safezones.validate."""
    o, p50 = rows["observed"], rows["p50"]
    ok = o > 0
    return {
        "ard": float(((p50[ok] - o[ok]).abs() / o[ok]).mean()),
        "spearman": float(o.corr(p50, method="spearman")) if len(rows) >= 3 else math.nan,
        "coverage": float(((rows["p5"] <= o) & (o <= rows["p95"])).mean()),
        "units": len(rows),
    }


def _close(got: dict, want: dict, what: str) -> None:
    for k, v in want.items():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            assert got[k] is None or math.isnan(got[k]), (what, k)
        else:
            assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-9), (what, k)


def _periods(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    rows = rows[rows["scored"]]
    out = {str(y): part for y, part in rows.groupby("year")}
    out.update({s: rows[rows["split"] == s] for s in ("train", "test")})
    return out


def test_validation_notebook_metrics_are_its_rows():
    """Every metric the notebook shows is recomputed from its own per-unit rows."""
    nb, got = executed("05-validation")
    assert (got["draws"], got["seed"]) == (50, 20141126)
    table = pd.DataFrame(json.loads(got["metrics"]))
    assert list(table.backtest.unique()) == [
        "refugees_by_host", "movements_by_governorate", "sites_by_district",
    ]  # fmt: skip
    for name, rows_json in got["rows"].items():
        periods = _periods(pd.DataFrame(json.loads(rows_json)))
        shown = table[table.backtest == name].set_index("period")
        assert sorted(shown.index) == sorted(periods)
        for period, part in periods.items():
            _close(shown.loc[period].to_dict(), _agreement(part), f"{name} {period}")
    # the refugees table: every host and year 2012-2014 once, P5 <= P50 <= P95
    ref = pd.DataFrame(json.loads(got["refugees"]))
    assert sorted(zip(ref.year, ref.country, strict=True)) == sorted(
        (y, c) for y in (2012, 2013, 2014) for c in ("EGY", "IRQ", "JOR", "LBN", "TUR")
    )
    assert ((ref.p5 <= ref.p50) & (ref.p50 <= ref.p95)).all()
    assert (ref.inside == ref.observed.between(ref.p5, ref.p95)).all()
    # the notebook's 50 draws against the bundled 200: the same units, ARD near
    from safezones import data

    bundled = data.validation()
    for r in table[table.period.isin(["train", "test"])].itertuples():
        b = bundled[r.backtest]["metrics"][r.period]
        assert r.units == b["units"], (r.backtest, r.period)
        assert r.ard == pytest.approx(b["ard"], rel=0.1), (r.backtest, r.period)
    assert len([o for c in nb.cells for o in c.get("outputs", [])
                if "image/png" in o.get("data", {})]) == 2  # fmt: skip


def test_validation_notebook_prints_every_limit_and_the_identified_parameters():
    from safezones import data
    from safezones.validate.backtest import LIMITS

    nb, got = executed("05-validation")
    printed = " ".join(
        o.text for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream"
    )
    printed = re.sub(r"\s+", " ", printed)
    for name, limits in LIMITS.items():
        for text in limits:
            assert re.sub(r"\s+", " ", text) in printed, (name, text[:60])
    cal = data.calibration()
    assert got["identified"] == [k for k, v in cal["identified"].items() if v == "identified"]
    assert got["identified"]  # the calibration pinned something down


def test_validation_notebook_newer_file_moves_only_its_figure():
    """The revised copy changes one figure, the hash, the 2014 metrics and nothing else."""
    from safezones.validate.observed import bundled_path

    _, got = executed("05-validation")
    raw = pd.read_csv(bundled_path("refugees"))
    (old,) = raw.loc[(raw.year == 2014) & (raw.coa_iso == "LBN"), "refugees"]
    assert (got["old"], got["new"]) == (old, round(old * 0.9))
    bundled_sha = hashlib.sha256(bundled_path("refugees").read_bytes()).hexdigest()
    assert got["sha_before"] == bundled_sha
    assert got["sha_after"] == got["sha_file"] != bundled_sha
    before = pd.DataFrame(json.loads(got["rows"]["refugees_by_host"]))
    after = pd.DataFrame(json.loads(got["revised_rows"]))
    key = ["year", "country"]
    pd.testing.assert_frame_equal(before.drop(columns="observed"), after.drop(columns="observed"))
    changed = before.set_index(key).observed != after.set_index(key).observed
    assert changed[changed].index.tolist() == [(2014, "LBN")]
    assert after.set_index(key).loc[(2014, "LBN"), "observed"] == got["new"]
    m_before, m_after = got["revised_metrics"], _periods(after)
    for period, part in m_after.items():
        _close(m_before[period], _agreement(part), f"revised {period}")
    pre = {p: _agreement(part) for p, part in _periods(before).items()}
    for period in ("2012", "2013", "train"):
        _close(got["revised_metrics"][period], pre[period], f"unchanged {period}")
    assert got["revised_metrics"]["2014"]["ard"] != pytest.approx(pre["2014"]["ard"])
    for name, (a, b) in got["others"].items():
        assert a == b, name
    assert {"validation.json", "metrics.csv", "refugees_by_host.csv", "README.md",
            "validation.png", "timeseries.png"} <= set(got["written"])  # fmt: skip
