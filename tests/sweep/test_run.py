"""safezones.sweep.run: whole sweeps, equal to run(), killed and resumed; the command line."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time

import pandas as pd

from conftest import run_cli
from safezones.scenario import METRICS, Scenario, run
from safezones.sweep import read_results, run_sweep


def test_grid_sweep_rows_equal_run_and_obey_the_model(tmp_path, write_spec, aleppo):
    body = """design = "grid"
chunk = 4
[parameters."zones.aleppo.radius_km"]
values = [5, 10, 20, 40]
[parameters."shelter.usable_fraction"]
values = [0.002, 0.01, 0.2]
"""
    spec = write_spec(body)
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
    sc = Scenario.from_toml(aleppo).with_values(
        {"zones.aleppo.radius_km": row["zones.aleppo.radius_km"],
         "shelter.usable_fraction": row["shelter.usable_fraction"]}
    )  # fmt: skip
    ref = run(sc, draws=1).totals
    for m in METRICS:
        assert math.isclose(row[f"{m}_p50"], ref.loc[m, "p50"], rel_tol=1e-9, abs_tol=1e-6)


def test_a_sweep_killed_mid_run_resumes_with_every_id_once(tmp_path, write_spec):
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
    spec = write_spec(body)
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


CLI = [sys.executable, "-m", "safezones.cli"]


def test_cli_sobol_sweep_writes_results_indices_and_chart(tmp_path, write_spec):
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
    spec = write_spec(body)
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


def test_cli_refuses_a_bad_spec_without_a_traceback(tmp_path, write_spec):
    spec = write_spec(
        'design = "lhs"\nsize = 4\n[parameters."zones.aleppo.radius_km"]\nlow = 9\nhigh = 3\n',
    )
    done = run_cli("sweep", spec, "--out", tmp_path / "o")  # in-process: a refusal
    assert done.returncode == 2
    assert "low (9) is greater than high (3)" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()
    done = run_cli("sweep", spec, "--out", tmp_path / "o",
                   "--executor", "local", "--scheduler", "tcp://127.0.0.1:1")  # fmt: skip
    assert done.returncode == 2


def test_cli_choices_are_the_library_choices():
    from safezones.cli import DesignOpt, ExecutorOpt
    from safezones.sweep import DESIGNS, EXECUTORS

    assert [d.value for d in DesignOpt] == list(DESIGNS)
    assert [e.value for e in ExecutorOpt] == list(EXECUTORS)
