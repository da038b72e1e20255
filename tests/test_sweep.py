"""Sweeps: the fast path against the reference, executors, resume, sensitivity, bad specs."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from safezones.engine import Engine
from safezones.errors import SafeZonesError
from safezones.scenario import METRICS, Scenario, run
from safezones.sweep import (
    Sweep,
    discover,
    read_results,
    run_sweep,
    sample_design,
    sensitivity,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASES = {
    "turkey-and-aleppo": ROOT / "sweeps" / "turkey-and-aleppo.toml",
    "border": SCENARIOS / "border-refuge-zones.toml",
    "jarablus": SCENARIOS / "jarablus-marea-2015.toml",
    "north": SCENARIOS / "safe-zones-north.toml",
    "aleppo": SCENARIOS / "aleppo-freeze.toml",
}


# ---------------------------------------------------------------- specs


def _spec(tmp_path: Path, body: str, base: str = "aleppo") -> Path:
    f = tmp_path / "spec.toml"
    f.write_text(f'base = "{BASES[base].as_posix()}"\n' + body)
    return f


SMALL_LHS = """
design = "lhs"
size = 24
seed = 5
chunk = 6
[parameters."zones.aleppo.radius_km"]
low = 5
high = 30
step = 2.5
[parameters."shelter.usable_fraction"]
low = 0.002
high = 0.05
[parameters."shelter.max_travel_km"]
low = 40
high = 160
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[parameters."zones.aleppo.radius_kn"]\nlow = 5\nhigh = 10\n',
            "unknown key 'zones.aleppo.radius_kn'; did you mean 'radius_km'?",
        ),
        (
            '[parameters."zones.alepo.radius_km"]\nlow = 5\nhigh = 10\n',
            "no zone with id 'alepo'; the zones are: aleppo; did you mean 'aleppo'?",
        ),
        (
            '[parameters."zones.aleppo.radius_km"]\nlow = 10\nhigh = 10\n',
            "the range is empty (low = high = 10)",
        ),
        (
            '[parameters."zones.aleppo.radius_km"]\nlow = 20\nhigh = 10\n',
            "low (20) is greater than high (10)",
        ),
        (
            'size = 1000\n[parameters."zones.aleppo.radius_km"]\nlow = 5\nhigh = 10\n',
            "power of 2, got 1000; try 512 or 1024",
        ),
        (
            '[parameters."shelter.usable_fraction"]\nlow = 0.01\nhigh = 2\n',
            "parameters.shelter.usable_fraction = 2.0: shelter.usable_fraction: Input should be less than or equal to 1",
        ),
        (
            'desing = "grid"\n[parameters."zones.aleppo.radius_km"]\nlow = 5\nhigh = 10\n',
            "unknown key 'desing'; did you mean 'design'?",
        ),
        (
            '[parameters."demand.rates.5"]\nlow = 0.1\nhigh = 0.2\n',
            "'demand.rates' has 3 elements (0 to 2)",
        ),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(tmp_path, body, message):
    head = 'design = "sobol"\nsize = 8\n' if "design" not in body and "size" not in body else ""
    if body.startswith("size"):
        head = 'design = "sobol"\n'
    with pytest.raises(SafeZonesError) as err:
        Sweep.from_toml(_spec(tmp_path, head + body))
    assert message in str(err.value)
    assert str(tmp_path / "spec.toml") in str(err.value)  # the message names the file


def test_every_problem_of_a_spec_is_listed_at_once(tmp_path):
    body = """design = "lhs"
[parameters."zones.aleppo.radius_km"]
low = 20
high = 10
[parameters."shelter.max_travel_km"]
values = [50, 100]
"""
    with pytest.raises(SafeZonesError) as err:
        Sweep.from_toml(_spec(tmp_path, body))
    text = str(err.value)
    assert "low (20) is greater than high (10)" in text
    assert "values = [...] is for grid designs; lhs needs low and high" in text
    assert "size: a lhs design needs size" in text


def test_sobol_design_has_saltelli_rows_and_geometry_steps(tmp_path):
    sw = Sweep.from_toml(
        _spec(tmp_path, 'design = "sobol"\nsize = 16\n' + SMALL_LHS.split("chunk = 6")[1])
    )
    assert len(sw) == 16 * (3 + 2)
    r = sw.design["zones.aleppo.radius_km"]
    assert r.between(5, 30).all() and np.allclose((r - 5) / 2.5, np.round((r - 5) / 2.5))
    assert sw.ids()[:2] == ["s000000", "s000001"]


def test_grid_design_and_list_elements(tmp_path):
    body = """design = "grid"
[parameters."zones.aleppo.radius_km"]
values = [5, 10]
[parameters."demand.rates.2"]
low = 0.3
high = 0.7
num = 3
"""
    sw = Sweep.from_toml(_spec(tmp_path, body))
    assert sw.design.values.tolist() == [
        [5, 0.3],
        [5, 0.5],
        [5, 0.7],
        [10, 0.3],
        [10, 0.5],
        [10, 0.7],
    ]
    sc = sw.scenario(sw.design.iloc[4].to_dict())
    assert sc.demand.rates == (0.05, 0.2, 0.5) and sc.zones[0].radius_km == 10


# ---------------------------------------------------------------- running


def test_grid_sweep_rows_equal_run_and_obey_the_model(tmp_path):
    body = """design = "grid"
chunk = 4
[parameters."zones.aleppo.radius_km"]
values = [5, 10, 20, 40]
[parameters."shelter.usable_fraction"]
values = [0.002, 0.01, 0.2]
"""
    spec = _spec(tmp_path, body)
    res = read_results(run_sweep(spec, tmp_path / "out", workers=1))
    assert len(res) == 12 and res["scenario_id"].is_unique
    assert sorted(p.name for p in (tmp_path / "out" / "parts").iterdir()) == [
        "part-000000.parquet", "part-000001.parquet", "part-000002.parquet"]  # fmt: skip
    # sheltered never exceeds capacity or displaced; a wider freeze never shelters fewer
    assert (res["sheltered_p50"] <= res["capacity_p50"] * (1 + 1e-12)).all()
    assert (res["sheltered_p50"] <= res["displaced_p50"] * (1 + 1e-12)).all()
    for _, g in res.groupby("shelter.usable_fraction"):
        assert g.sort_values("zones.aleppo.radius_km")["sheltered_p50"].is_monotonic_increasing
    # a row is what `safezones run --set ...` gives
    row = res.iloc[7]
    sc = Scenario.from_toml(BASES["aleppo"]).with_values(
        {"zones.aleppo.radius_km": row["zones.aleppo.radius_km"],
         "shelter.usable_fraction": row["shelter.usable_fraction"]}
    )  # fmt: skip
    ref = run(sc, draws=1).totals
    for m in METRICS:
        assert math.isclose(row[f"{m}_p50"], ref.loc[m, "p50"], rel_tol=1e-9, abs_tol=1e-6)


def test_local_processes_and_dask_give_identical_results(tmp_path):
    spec = _spec(tmp_path, SMALL_LHS)
    local = read_results(run_sweep(spec, tmp_path / "local", executor="local", workers=2))
    dask = read_results(run_sweep(spec, tmp_path / "dask", executor="dask", workers=2))
    one = read_results(run_sweep(spec, tmp_path / "one", workers=1))
    assert len(local) == 24
    pd.testing.assert_frame_equal(local, dask, check_exact=True)
    pd.testing.assert_frame_equal(local, one, check_exact=True)


def test_dask_runs_on_an_existing_cluster_by_its_address(tmp_path):
    import logging

    from distributed import LocalCluster

    spec = _spec(tmp_path, SMALL_LHS)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:  # fmt: skip
        remote = read_results(
            run_sweep(
                spec, tmp_path / "remote", executor="dask", scheduler=cluster.scheduler_address
            )
        )
    pd.testing.assert_frame_equal(
        remote, read_results(run_sweep(spec, tmp_path / "one", workers=1))
    )
    with pytest.raises(SafeZonesError, match="--scheduler needs --executor dask"):
        run_sweep(spec, tmp_path / "x", scheduler="tcp://127.0.0.1:1")


def test_a_sweep_killed_mid_run_resumes_with_every_id_once(tmp_path):
    body = """design = "lhs"
size = 60
seed = 11
chunk = 3
draws = 30
[parameters."zones.aleppo.radius_km"]
low = 3
high = 40
step = 0.5
[parameters."shelter.usable_fraction"]
low = 0.002
high = 0.05
"""
    spec = _spec(tmp_path, body)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "safezones.cli", "sweep", str(spec), "--out", str(out),
           "--workers", "1", "-q"]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True)
    parts = out / "parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.exists() and len(list(parts.glob("part-*.parquet"))) >= 4:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p.name: p.stat().st_mtime_ns for p in parts.glob("part-*.parquet")}
    assert 4 <= len(done_before) < 20
    assert not (out / "results.parquet").exists()

    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    res = read_results(out)
    assert len(res) == 60 and res["scenario_id"].tolist() == [f"s{i:06d}" for i in range(60)]
    # the parts written before the kill were kept, not redone
    for name, mtime in done_before.items():
        assert (parts / name).stat().st_mtime_ns == mtime
    # and the results are those of an uninterrupted sweep
    clean = read_results(run_sweep(spec, tmp_path / "clean", workers=1))
    pd.testing.assert_frame_equal(res, clean, check_exact=True)


def test_a_changed_spec_is_refused_in_the_same_folder(tmp_path):
    body = 'design = "grid"\n[parameters."zones.aleppo.radius_km"]\nvalues = [5, 10]\n'
    spec = _spec(tmp_path, body)
    run_sweep(spec, tmp_path / "out", workers=1)
    spec.write_text(spec.read_text().replace("[5, 10]", "[5, 12]"))
    with pytest.raises(SafeZonesError) as err:
        run_sweep(spec, tmp_path / "out", workers=1)
    text = str(err.value)
    assert "holds a different sweep" in text and "use another --out folder" in text
    assert "[5, 10] -> [5, 12]" in text
    # the same spec again finds every part done and rewrites nothing
    spec.write_text(spec.read_text().replace("[5, 12]", "[5, 10]"))
    before = (tmp_path / "out" / "parts" / "part-000000.parquet").stat().st_mtime_ns
    run_sweep(spec, tmp_path / "out", workers=1)
    assert (tmp_path / "out" / "parts" / "part-000000.parquet").stat().st_mtime_ns == before


# ---------------------------------------------------------------- analysis


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


# ---------------------------------------------------------------- command line, charts

CLI = [sys.executable, "-m", "safezones.cli"]


def test_cli_sobol_sweep_writes_results_indices_and_chart(tmp_path):
    from PIL import Image

    body = """design = "lhs"
size = 5
[parameters."zones.aleppo.radius_km"]
low = 5
high = 25
[parameters."shelter.usable_fraction"]
low = 0.002
high = 0.05
"""
    spec = _spec(tmp_path, body)
    out = tmp_path / "out"
    done = subprocess.run([*CLI, "sweep", str(spec), "--out", str(out), "--design", "sobol",
                           "--size", "8", "--workers", "2"], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "32 scenarios" in done.stdout and "Sobol indices of sheltered (P50)" in done.stdout
    res = read_results(out)
    assert len(res) == 8 * (2 + 2) and res.attrs["sweep"]["spec"]["design"] == "sobol"
    idx = pd.read_csv(out / "sensitivity.csv")
    assert len(idx) == len(METRICS) * 2
    assert set(idx["parameter"]) == {"zones.aleppo.radius_km", "shelter.usable_fraction"}
    # a wider freeze and more usable land drive sheltered; demand does not vary at all
    assert idx[idx.metric == "displaced_p50"][["S1", "ST"]].isna().all().all()
    with Image.open(out / "sensitivity.png") as im:
        assert im.format == "PNG" and round(im.info["dpi"][0]) == 300


def test_cli_refuses_a_bad_spec_without_a_traceback(tmp_path):
    spec = _spec(
        tmp_path,
        'design = "lhs"\nsize = 4\n[parameters."zones.aleppo.radius_km"]\nlow = 9\nhigh = 3\n',
    )
    done = subprocess.run([*CLI, "sweep", str(spec), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert "low (9) is greater than high (3)" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
    done = subprocess.run([*CLI, "sweep", str(spec), "--out", str(tmp_path / "o"),
                           "--executor", "local", "--scheduler", "tcp://127.0.0.1:1"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2


def test_sensitivity_chart_draws_each_index_as_a_bar():
    from safezones.viz.charts import sensitivity_chart

    idx = pd.DataFrame({"metric": ["y"] * 3, "parameter": ["a", "b", "c"], "S1": [0.5, 0.1, 0.2],
                        "S1_conf": [0.02] * 3, "ST": [0.6, 0.15, 0.3], "ST_conf": [0.03] * 3})  # fmt: skip
    fig, ax = sensitivity_chart(idx, metric="y")
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted([0.5, 0.1, 0.2, 0.6, 0.15, 0.3])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "c", "a"]  # by ST, largest on top
    plt.close(fig)
    with pytest.raises(SafeZonesError, match="no indices for 'z'; the table has: y"):
        sensitivity_chart(idx, metric="z")


def test_response_chart_plots_every_scenario_and_the_threshold():
    from safezones.viz.charts import response_chart

    r = pd.DataFrame({"d": [10.0, 20.0, 30.0, 40.0], "u": [0.01, 0.02, 0.01, 0.02],
                      "sheltered_p5": [1e5, 2e5, 3e5, 4e5], "sheltered_p50": [2e5, 4e5, 6e5, 8e5],
                      "sheltered_p95": [3e5, 5e5, 8e5, 9e5]})  # fmt: skip
    fig, ax = response_chart(r, "d", colour="u", threshold=5e5)
    pts = ax.collections[1].get_offsets()
    np.testing.assert_array_equal(np.asarray(pts), r[["d", "sheltered_p50"]].to_numpy())
    assert ax.lines[0].get_ydata()[0] == 5e5
    plt.close(fig)
    with pytest.raises(SafeZonesError, match="lack the columns \\['x'\\]"):
        response_chart(r, "x")


def test_whole_number_parameters_stay_whole_and_foreign_folders_are_left_alone(tmp_path):
    body = """design = "lhs"
size = 6
[parameters."events.start"]
low = 2012
high = 2014
"""
    sw = Sweep.from_toml(_spec(tmp_path, body))
    years = sw.design["events.start"]
    assert years.dtype.kind == "i" and set(years) <= {2012, 2013, 2014}
    assert sw.scenario({"events.start": int(years.iloc[0])}).events.start == years.iloc[0]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(SafeZonesError, match="holds no sweep"):
        run_sweep(sw, other, workers=1)
    assert (other / "notes.txt").read_text() == "keep me"


def test_cli_choices_are_the_library_choices():
    from safezones.cli import DesignOpt, ExecutorOpt
    from safezones.sweep import DESIGNS, EXECUTORS

    assert [d.value for d in DesignOpt] == list(DESIGNS)
    assert [e.value for e in ExecutorOpt] == list(EXECUTORS)


def test_a_zone_that_cannot_be_built_is_named():
    sc = Scenario.from_toml(BASES["north"]).with_values(
        {"zones.north.wkt": "POLYGON ((10 10, 11 10, 11 11, 10 11, 10 10))"}
    )
    with pytest.raises(SafeZonesError, match=r"zones\.north: .*lies outside Syria"):
        Engine().totals(sc, draws=1)
