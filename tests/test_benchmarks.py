"""The benchmarks' reference paths double as oracles: same answers on smaller inputs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

import safezones as sz

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    if str(BENCH) not in sys.path:  # the scripts import their shared helper as a sibling
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_events_overlay_matches_the_per_zone_geopandas_loop():
    bench = _load("events_overlay")
    zones, events = bench.make_zones(), bench.make_events(50_000)
    got = sz.events_in_zones(zones, events)[["events", "deaths_total", "deaths_civilians"]]
    ref = bench.reference(zones, events)
    np.testing.assert_array_equal(got.to_numpy(), ref)
    assert ref[:, 0].sum() > 5_000  # a quarter of the box lies in some zone


def test_grouped_allocation_equals_one_variable_per_cell():
    bench = _load("allocation")
    p = bench.make_problem()
    got, ref = bench.grouped(p), bench.per_cell(p)
    assert got == ref or abs(got - ref) <= 1e-6 * ref
    assert 6e6 < got < 7.6e6  # capacity or reach leaves some of the 7.6 million unsheltered


def test_sweep_benchmark_compares_equal_paths():
    bench = _load("sweep_speed")
    scs = bench.scenarios(4, seed=3)
    assert len({(s.zones[0].depth_km, s.zones[1].radius_km, s.shelter.usable_fraction)
                for s in scs}) == 4  # fmt: skip
    t_ref, t_cold, t_warm, worst = bench.compare(scs)
    assert worst <= 1e-9 and min(t_ref, t_cold, t_warm) > 0
    # the relative difference is measured, not assumed: a changed total shows up
    fast = np.ones((len(bench.METRICS), 3)) * 1e6
    ref = fast.copy()
    ref[1, 1] *= 1 + 1e-6
    assert 0.9e-6 < bench.rel_diff(fast, ref) < 1.1e-6


def test_slider_benchmark_compares_equal_answers():
    bench = _load("slider_speed")
    m = bench.measure([10, 20], draws=5)
    assert m["max_rel_diff"] <= 1e-9
    assert min(m["first_move_s"], m["repeat_move_s"], m["run_s"]) > 0


def test_run_benchmark_compares_equal_paths():
    bench = _load("run_speed")
    m = bench.measure(draws=12, repeat=1)
    assert m["max_rel_diff"] <= 1e-9
    assert min(m["reference_s"], m["cold_s"], m["warm_s"]) > 0


def test_mincut_benchmark_agrees_with_scipy_to_its_rounding():
    bench = _load("mincut_speed")
    demand_k, cap = bench.problem(20, 3)
    ours, ref = bench.max_flow(demand_k, cap), bench.with_scipy(demand_k, cap)
    assert np.abs(ours - ref).max() <= 8 * bench.UNIT  # scipy's capacities are whole hundreds
