"""The command line end to end, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import safezones as sz
from conftest import run_cli
from safezones import data

CLI = [sys.executable, "-c", "from safezones.cli import main; main()"]
REPO = Path(__file__).resolve().parents[1]


def in_a_process(*args, check=True):
    """The console script in a new interpreter, as a user starts it."""
    proc = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        cwd=REPO,  # file arguments are relative to the repo
    )
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def run(*args, check=True):
    """The console script's entry point in this process (:func:`conftest.run_cli`).

    The same exit status, stdout and stderr without a new interpreter importing the
    package each time; ``in_a_process`` keeps a real process where that is the point.
    """
    proc = run_cli(*args, cwd=REPO, columns=200)  # file arguments are relative to the repo
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def test_data_list_shows_every_layer_with_licence():
    out = run("data", "list").stdout
    for layer in data.provenance().index:
        assert layer in out
    for licence in ("CC BY 4.0", "CC BY-IGO", "public domain"):
        assert licence in out
    assert "52,049" in out


def test_data_place():
    out = run("data", "place", "Raqqa").stdout
    assert "Ar Raqqah" in out and "lon 39.00788" in out and "531,952" in out


def test_user_error_exits_2_without_traceback():
    proc = in_a_process("data", "place", "Alepo", check=False)
    assert proc.returncode == 2
    assert "did you mean: Aleppo" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_usage_error_exits_2():
    proc = in_a_process("no-such-command", check=False)
    assert proc.returncode == 2
    assert "No such command" in proc.stderr


SCENARIOS = sorted(
    p.name for p in (Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml")
)


@pytest.fixture(scope="module")
def compare_out(tmp_path_factory):
    """`make demo`: compare every shipped scenario."""
    out = tmp_path_factory.mktemp("demo") / "out"
    proc = run("compare", *(f"scenarios/{s}" for s in SCENARIOS), "--out", str(out),
               "--draws", "30")  # fmt: skip
    return out, proc


def test_compare_writes_table_markdown_chart_and_a_folder_per_scenario(compare_out):
    out, proc = compare_out
    table = pd.read_csv(out / "comparison.csv")
    assert sorted(table.scenario) == sorted(s.removesuffix(".toml") for s in SCENARIOS)
    for m in ("displaced", "sheltered", "residents_protected", "unmet", "capacity",
              "sheltered_safe"):  # fmt: skip
        assert (table[f"{m}_p5"] <= table[f"{m}_p50"]).all()
        assert (table[f"{m}_p50"] <= table[f"{m}_p95"]).all()
    assert (table.sheltered_p50 <= table[["displaced_p50", "capacity_p50"]].min(axis=1)).all()
    md = (out / "comparison.md").read_text()
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == len(SCENARIOS) + 1 and "UCDP GED" in md
    img = mpimg.imread(out / "comparison.png")
    assert img.shape[1] > 1000 and img[..., :3].std() > 0.05
    for sid in table.scenario:
        assert (out / sid / "summary.json").is_file() and (out / sid / "map.png").is_file()
    assert "border-refuge-zones" in proc.stdout
    assert not list(out.parent.glob(".*"))  # no temporary folders left behind


def test_compare_numbers_match_the_library(compare_out):
    from safezones.scenario import run as run_scenario

    out, _ = compare_out
    table = pd.read_csv(out / "comparison.csv").set_index("scenario")
    res = run_scenario("scenarios/aleppo-freeze.toml", draws=30)
    for m in ("sheltered", "displaced", "capacity"):
        assert table.loc["aleppo-freeze", f"{m}_p50"] == pytest.approx(res.totals.loc[m, "p50"],
                                                                     rel=1e-5)  # fmt: skip


def test_result_map_shows_zones_and_the_seed_strikes(compare_out):
    import shapely
    from matplotlib.text import Text

    from safezones import viz
    from safezones.crs import to_metric

    out, _ = compare_out
    folder = out / "border-refuge-zones"
    img = mpimg.imread(folder / "map.png")
    rgb = img[..., :3]
    # where each zone's edge falls on map.png (150 dpi): the map drawn again from the result
    # written beside it, with the label boxes and the legend, under which no edge shows
    r = sz.ScenarioResult.from_file(folder)
    fig, ax = viz.result_map(r)
    fig.set_dpi(150)
    fig.canvas.draw()
    assert fig.canvas.get_width_height() == (img.shape[1], img.shape[0])
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_bbox_patch() or t).get_window_extent(renderer)
             for t in fig.findobj(Text) if t.get_text() and t.get_visible()]  # fmt: skip
    boxes.append(ax.get_legend().get_window_extent(renderer))
    # the refuge outline, Okabe-Ito blue (0, 114, 178), and its band: blue above red and green
    blue = (rgb[..., 2] > rgb[..., 0] + 0.25) & (rgb[..., 2] > rgb[..., 1] + 0.05)
    for zone_id, geom in zip(r.zones["zone_id"], to_metric(r.zones).geometry, strict=True):
        edge = geom.boundary
        xy = ax.transData.transform(shapely.get_coordinates(
            shapely.line_interpolate_point(edge, np.arange(0, edge.length, 2000.0))))  # fmt: skip
        xy = xy[[not any(b.contains(x, y) for b in boxes) for x, y in xy]]
        assert len(xy) > 100, zone_id  # a 30 km strip along a border: hundreds of km
        cols, rows = np.round(xy[:, 0]).astype(int), np.round(img.shape[0] - xy[:, 1]).astype(int)
        # every 2 km of the edge, the outline within 4 px (0.7 pt): it is 2.2 pt wide, and
        # Syria's border (1 pt) and the events are drawn over it (a 100-death event's disc
        # may hide a point or two of a strip's hundreds)
        unseen = [(c, w) for c, w in zip(cols, rows, strict=True)
                  if not blue[w - 4 : w + 5, c - 4 : c + 5].any()]  # fmt: skip
        assert len(unseen) <= max(2, len(xy) // 100), (zone_id, unseen[:5])
    # the Raqqa seed star (2014) is vermillion (213, 94, 0); not on the 2019 map
    vermillion = np.abs(rgb - np.array([213, 94, 0]) / 255).sum(axis=-1) < 0.1
    assert vermillion.sum() > 20
    later = mpimg.imread(out / "turkey-strip-2019" / "map.png")[..., :3]
    assert (np.abs(later - np.array([213, 94, 0]) / 255).sum(axis=-1) < 0.1).sum() == 0


@pytest.mark.parametrize("name", SCENARIOS)
def test_run_every_shipped_scenario(name, tmp_path):
    out = tmp_path / "run"
    proc = run("run", f"scenarios/{name}", "--out", str(out), "--draws", "10", "--seed", "5")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == name.removesuffix(".toml")
    assert summary["draws"] == 10 and summary["seed"] == 5
    metrics = summary["metrics"]
    assert set(metrics) == {"displaced", "sheltered", "arrivals", "displaced_within",
                            "sheltered_gravity", "sheltered_optimal", "residents_protected",
                            "unmet", "capacity", "sheltered_safe", "deaths_averted"}  # fmt: skip
    for m in metrics.values():
        assert m["p5"] <= m["p50"] <= m["p95"]
    assert metrics["sheltered"]["p95"] <= metrics["displaced"]["p95"] + 1
    # the headline is the behavioural estimate, never above the upper bound
    assert metrics["sheltered"] == metrics["sheltered_gravity"]
    assert metrics["sheltered"]["p50"] <= metrics["sheltered_optimal"]["p50"] * (1 + 1e-9)
    assert summary["sources"][-1]["layer"] == "scenario"
    for f in ("per_zone.csv", "flows.csv", "zones.gpkg", "map.png"):
        assert (out / f).stat().st_size > 0
    assert "sheltered" in proc.stdout


def test_run_set_overrides_a_zone_by_id(tmp_path):
    run("run", "scenarios/border-refuge-zones.toml", "--out", str(tmp_path / "a"), "--draws", "1",
        "--set", "zones.turkey.depth_km=10", "--set", "shelter.allocation=gravity", "-q")  # fmt: skip
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    turkey = summary["parameters"]["zones"][0]
    assert turkey["id"] == "turkey" and turkey["depth_km"] == 10
    assert summary["parameters"]["shelter"]["allocation"] == "gravity"
    area = pd.read_csv(tmp_path / "a" / "per_zone.csv").set_index("zone_id").area_km2
    assert area["turkey"] == pytest.approx(
        float(sz.refuge_strip("TUR", depth_km=10).area_km2.iloc[0]), rel=1e-9
    )


BAD_RUNS = {
    "unknown key": (["scenarios/aleppo-freeze.toml", "--set", "shelter.max_travle_km=5"],
                    "unknown key 'shelter.max_travle_km'; did you mean 'max_travel_km'?"),
    "unknown zone": (["scenarios/border-refuge-zones.toml", "--set", "zones.syria.depth_km=5"],
                     "no zone with id 'syria'; the zones are: turkey, jordan, lebanon"),
    "wrong type": (["scenarios/aleppo-freeze.toml", "--set", "zones.aleppo.radius_km=wide"],
                   "zones.aleppo.radius_km: Input should be a valid number"),
    "out of range": (["scenarios/aleppo-freeze.toml", "--set", "shelter.detour_factor=0.5"],
                     "shelter.detour_factor: Input should be greater than or equal to 1"),
    "unreadable population": (
        ["scenarios/aleppo-freeze.toml", "--set", "population.source='../tests/data/README.md'",
         "--set", "population.format='vector'"],
        "population.source: cannot read",
    ),
    "missing file": (["scenarios/no-such.toml"], "cannot read the scenario file"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_RUNS, ids=list(BAD_RUNS))
def test_bad_runs_exit_2_name_file_and_key_and_leave_no_output(case, tmp_path):
    args, message = BAD_RUNS[case]
    out = tmp_path / "out"
    proc = run("run", *args, "--out", str(out), check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    text = " ".join(proc.stderr.split())
    assert message in text
    assert args[0] in text  # the scenario file is named
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_data_check_reports_what_a_file_holds_and_what_was_dropped():
    out = run("data", "check", "tests/data/acled_syria_export.csv", "--format", "acled").stdout
    assert "6 rows read, 4 kept (dropped by filter: sub_event_type 2)" in out
    assert "dates 2017-11-25 to 2018-01-31; deaths 24, civilians 17" in out
    assert "class 3 (district (admin 2) or a linear feature) 1" in out
    proc = run("data", "check", "tests/data/bad/points_bad_coords.csv", "-f", "points")
    assert "2 points outside the region" in proc.stdout
    assert "warning:" in proc.stderr and "swapped lon/lat" in proc.stderr
    out = run("data", "check", "tests/data/syr_pop_adm1_hxl.csv", "-f", "admin").stdout
    assert "14 units joined by P-code, population 21,110,652" in out


def test_data_check_raster(shared_data):
    out = run("data", "check", str(shared_data / "worldpop_idleb_100m_2026.tif"), "-f", "raster")
    assert "raster 1266 x 1155 cells" in out.stdout and "total 1,746,526 people" in out.stdout


def test_data_check_bad_file_exits_2_listing_lines():
    proc = run("data", "check", "tests/data/bad/acled_bad_dates.csv", "-f", "acled", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "line 3 ('2017/12/03')" in proc.stderr and "line 6 ('unknown')" in proc.stderr


def test_map_command_writes_each_format_with_set(tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    png = tmp_path / "aleppo.png"
    run("map", "scenarios/aleppo-freeze.toml", "--out", str(png), "--draws", "5", "-q",
        "--set", "zones.aleppo.radius_km=5", "--events-style", "hexbin")  # fmt: skip
    img = Image.open(png)
    assert img.size[0] == round(8.27 * 300) and round(img.info["dpi"][0]) == 300
    assert "UCDP GED (CC BY 4.0)" in img.info["Source"]
    pdf = tmp_path / "aleppo.pdf"
    run("map", "scenarios/aleppo-freeze.toml", "--out", str(pdf), "--draws", "5", "-q",
        "--set", "zones.aleppo.name=Aleppo core 5 km", "--set", "zones.aleppo.radius_km=5")  # fmt: skip
    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "Aleppo core 5 km" in text and "Natural Earth (public domain)" in text
    svg = tmp_path / "residents.svg"
    proc = run("map", "scenarios/jarablus-marea-2015.toml", "--out", str(svg), "--kind",
               "residents", "--draws", "3")  # fmt: skip
    assert svg.read_text().startswith("<?xml") and f"wrote {svg}" in proc.stdout


def test_cli_choices_are_the_library_choices():
    from safezones import viz
    from safezones.cli import EventsStyle

    assert [s.value for s in EventsStyle] == list(viz.EVENTS_STYLES)


def test_map_command_refuses_unknown_formats_before_running(tmp_path):
    proc = run("map", "scenarios/aleppo-freeze.toml", "--out", str(tmp_path / "m.jpg"),
               check=False)  # fmt: skip
    assert proc.returncode == 2 and "the figure formats are .png, .pdf, .svg" in proc.stderr
    assert "Traceback" not in proc.stderr and not list(tmp_path.iterdir())


def test_memo_command_quiet_with_set(tmp_path):
    out = tmp_path / "memo"
    proc = run("memo", "scenarios/aleppo-freeze.toml", "--out", str(out), "--draws", "5", "-q",
               "--set", "shelter.usable_fraction=0.02", "--title", "Aleppo, twice the land")  # fmt: skip
    assert proc.stdout == "" and proc.stderr == ""
    page = (out / "memo.html").read_text(encoding="utf-8")
    assert "<title>Aleppo, twice the land</title>" in page and "2.0%" in page
    assert (out / "memo.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "figures" / "aleppo-freeze-map.png").exists()


def test_scenario_with_zero_zones_is_refused(tmp_path):
    bad = tmp_path / "empty.toml"
    bad.write_text('id = "empty"\ntitle = "No zones"\nzones = []\n[source]\ncitation = "test"\n')
    for cmd in (["map", str(bad), "--out", str(tmp_path / "m.png")],
                ["memo", str(bad), "--out", str(tmp_path / "memo")]):  # fmt: skip
        proc = run(*cmd, check=False)
        assert proc.returncode == 2 and "zones" in proc.stderr and "at least 1" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.toml"]
