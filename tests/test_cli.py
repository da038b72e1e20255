"""The command line end to end, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import safezones as sz
from safezones import data
from safezones.demo import demo_zones

CLI = [sys.executable, "-c", "from safezones.cli import main; main()"]


def run(*args, check=True):
    proc = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        cwd=Path(__file__).resolve().parents[1],  # file arguments are relative to the repo
    )
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
    proc = run("data", "place", "Alepo", check=False)
    assert proc.returncode == 2
    assert "did you mean: Aleppo" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_usage_error_exits_2():
    proc = run("no-such-command", check=False)
    assert proc.returncode == 2
    assert "No such command" in proc.stderr


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = run("demo", "--out", str(out))
    return out, proc.stdout


def test_demo_writes_a_real_map(demo_out):
    out, _ = demo_out
    img = mpimg.imread(out / "map.png")
    # A4 width (8.27 in) at 200 dpi
    assert img.shape[1] == round(8.27 * 200)
    assert img.shape[0] > 1000
    rgb = img[..., :3]
    # refuge strips are drawn in Okabe-Ito blue (0, 114, 178) at 45 % over white/grey
    blueish = (rgb[..., 2] > rgb[..., 0] + 0.25) & (rgb[..., 2] > 0.6)
    assert blueish.mean() > 0.02
    # the Raqqa seed star is vermillion (213, 94, 0)
    vermillion = np.abs(rgb - np.array([213, 94, 0]) / 255).sum(axis=-1) < 0.1
    assert vermillion.sum() > 20
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_demo_table_matches_the_library(demo_out):
    out, stdout = demo_out
    table = pd.read_csv(out / "zones.csv")
    zones = demo_zones()
    assert table.zone_id.tolist() == zones.zone_id.tolist()
    pop = sz.population_in_zones(zones, data.population_grid())
    np.testing.assert_allclose(table.residents_central, pop.residents_central, atol=0.1)
    ev = sz.events_in_zones(zones, data.events(), start=2014, end=2014)
    np.testing.assert_allclose(table.events_2014, ev.events, atol=0.05)
    np.testing.assert_allclose(table.area_km2, zones.area_km2, atol=0.1)
    assert "tur-30km" in stdout and "freeze-aleppo-15km" in stdout
    assert table.sources.str.contains("UCDP GED").all()


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
