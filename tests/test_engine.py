"""The engine (cached geometry, min-cut allocation) and run() against the oracle.

The oracle (``tests/oracle.py``) is the straightforward model: every cell's
distance to every zone, one linear program per draw. ``run()`` prepares with
the engine's caches and shares LP solutions between draws; ``Engine.samples``
also allocates by min cut. Both must equal the oracle draw by draw.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oracle import run_reference
from safezones.engine import Engine
from safezones.model.metrics import METRICS
from safezones.scenario import Scenario, run

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASES = {
    "turkey-and-aleppo": ROOT / "sweeps" / "turkey-and-aleppo.toml",
    "border": SCENARIOS / "border-refuge-zones.toml",
    "jarablus": SCENARIOS / "jarablus-marea-2015.toml",
    "north": SCENARIOS / "safe-zones-north.toml",
    "aleppo": SCENARIOS / "aleppo-freeze.toml",
}


def _random_values(rng: np.random.Generator, sc: Scenario) -> dict:
    """A random change of the numbers a sweep varies (and a few it rarely does)."""
    v: dict = {}
    for z in sc.zones:
        if z.kind == "refuge":
            v[f"zones.{z.id}.depth_km"] = float(rng.choice([5, 12, 20, 30, 45, 60]))
        elif z.kind == "freeze":
            v[f"zones.{z.id}.radius_km"] = float(rng.choice([4, 10, 15, 25, 40]))
        if rng.random() < 0.15:
            v[f"zones.{z.id}.capacity"] = float(rng.uniform(1e4, 2e6))
        if rng.random() < 0.2:
            v[f"zones.{z.id}.protection"] = float(rng.uniform(0, 1))
    v["shelter.usable_fraction"] = float(np.exp(rng.uniform(np.log(0.001), np.log(0.2))))
    v["shelter.max_travel_km"] = float(rng.uniform(20, 250))
    v["shelter.detour_factor"] = float(rng.uniform(1.0, 1.6))
    v["shelter.site_area_per_person_m2"] = float(rng.uniform(30, 60))
    v["shelter.exposure_reference"] = float(rng.uniform(20, 300))
    v["demand.rates"] = sorted(float(r) for r in rng.uniform(0, 0.9, 3))
    v["demand.national_total"] = float(rng.uniform(3e6, 12e6))
    if rng.random() < 0.15:
        v["demand.scale_to_national_total"] = False
    if rng.random() < 0.15:
        v["shelter.allocation"] = "optimal"  # the headline: the reference scores it
    if rng.random() < 0.15:
        v["demand.origin"] = str(rng.choice(["governorates", "cells"]))
    if rng.random() < 0.15:
        year = int(rng.integers(2013, 2017))
        v["events.start"], v["events.end"] = year, year
    return v


_UNMET, _DISPLACED = METRICS.index("unmet"), METRICS.index("displaced")


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative difference; unmet (displaced minus sheltered, which can cancel to
    round-off) is measured against the displaced total it is taken from."""
    scale = np.maximum(np.abs(b), 1.0)
    scale[..., _UNMET] = np.maximum(scale[..., _UNMET], np.abs(b[..., _DISPLACED]))
    return float((np.abs(a - b) / scale).max())


def test_fast_path_equals_the_reference_on_50_random_scenarios():
    rng = np.random.default_rng(20141126)
    engine = Engine()
    names = list(BASES)
    worst = 0.0
    for i in range(50):
        base = Scenario.from_toml(BASES[names[i % len(names)]])
        sc = base.with_values(_random_values(rng, base))
        ref = run_reference(sc, draws=1).totals.to_numpy().T  # (quantiles, metrics)
        fast = engine.totals(sc, draws=1).T
        assert fast.shape == (3, len(METRICS))
        worst = max(worst, _rel(fast, ref))
        assert _rel(fast, ref) <= 1e-9, (sc.parameters(), fast[1], ref[1])
    # every way the fast path decides an allocation was exercised
    for route in ("gravity", "optimal total by min cut", "reference"):
        assert engine.routes[route] > 0, engine.routes
    assert worst < 1e-9


def test_fast_path_equals_the_reference_draw_by_draw():
    rng = np.random.default_rng(7)
    engine = Engine()
    for name in ("turkey-and-aleppo", "border", "aleppo"):
        base = Scenario.from_toml(BASES[name])
        sc = base.with_values(_random_values(rng, base) | {"shelter.allocation": "gravity"})
        ref = run_reference(sc, draws=40, seed=3).samples.to_numpy()
        fast = engine.samples(sc, draws=40, seed=3)
        assert _rel(fast, ref) <= 1e-9


def test_demand_given_falls_back_to_the_reference(tmp_path):
    table = tmp_path / "idps.csv"
    table.write_text("pcode,displaced\nSY0200,100000\nSY0100,50000\n")
    base = Scenario.from_toml(BASES["aleppo"])
    sc = base.with_values({"demand.mode": "given", "demand.table": str(table)})
    engine = Engine()
    ref = run_reference(sc, draws=1).totals.to_numpy()
    got = engine.totals(sc, draws=1)
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    np.testing.assert_array_equal(got, run(sc, draws=1).totals.to_numpy())
    assert engine.routes["reference"] == 1


def _tables_rel(a, b) -> float:
    """Largest relative difference between two results, every table and per-draw array."""
    worst = 0.0
    for attr in ("per_zone", "per_origin", "flows", "totals", "samples"):
        x, y = getattr(a, attr), getattr(b, attr)
        assert list(x.columns) == list(y.columns) and x.shape == y.shape, attr
        text = x.select_dtypes(exclude="number")
        assert text.equals(y.select_dtypes(exclude="number")), attr
        nx = x.select_dtypes("number").to_numpy(float)
        ny = y.select_dtypes("number").to_numpy(float)
        assert (np.isnan(nx) == np.isnan(ny)).all(), attr
        worst = max(worst, float(np.nanmax(np.abs(nx - ny) / np.maximum(np.abs(ny), 1.0),
                                           initial=0.0)))  # fmt: skip
    assert a.detail.keys() == b.detail.keys()
    for k in a.detail:
        d = np.abs(a.detail[k] - b.detail[k]) / np.maximum(np.abs(b.detail[k]), 1.0)
        worst = max(worst, float(np.nanmax(d, initial=0.0)))
    return worst


@pytest.mark.parametrize("name", ["border", "aleppo", "north", "jarablus"])
def test_run_equals_the_oracle_table_by_table_draw_by_draw(name):
    rng = np.random.default_rng(len(name))
    base = Scenario.from_toml(BASES[name])
    sc = base.with_values(_random_values(rng, base) | {"shelter.allocation": "gravity"})
    for s in (base, sc):
        got, ref = run(s, draws=30, seed=5), run_reference(s, draws=30, seed=5)
        assert _tables_rel(got, ref) <= 1e-9
        assert got.provenance == ref.provenance
        assert got.zones.equals(ref.zones)


def test_run_reads_a_changed_file_again(tmp_path):
    """The process-wide engine keys its caches by the files' size and time of change."""
    poly = "POLYGON ((36.9 36.1, 37.3 36.1, 37.3 36.4, 36.9 36.4, 36.9 36.1))"
    bigger = "POLYGON ((36.7 35.9, 37.5 35.9, 37.5 36.5, 36.7 36.5, 36.7 35.9))"
    f = tmp_path / "zone.geojson"
    doc = '{{"type": "FeatureCollection", "features": [{{"type": "Feature", "properties": {{}}, "geometry": {}}}]}}'
    import shapely

    def write(wkt: str, stamp: int) -> None:
        f.write_text(doc.format(shapely.to_geojson(shapely.from_wkt(wkt))))
        import os

        os.utime(f, ns=(stamp, stamp))

    write(poly, 10**18)
    sc = Scenario.from_dict({"id": "t", "title": "t", "source": {"citation": "c"},
                             "zones": [{"id": "z", "kind": "safe", "path": str(f)}]})  # fmt: skip
    small = run(sc, draws=1).per_zone["area_km2"].iloc[0]
    write(bigger, 2 * 10**18)
    large = run(sc, draws=1).per_zone["area_km2"].iloc[0]
    assert large > 2 * small


def test_run_names_each_zone_as_its_scenario_does():
    """Two scenarios with the same shape under other ids and names: each keeps its own."""
    base = Scenario.from_toml(BASES["aleppo"])
    doc = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["zones"] = [dict(z, id=f"renamed-{i}", name=f"Renamed {i}")
                    for i, z in enumerate(doc["zones"])]  # fmt: skip
    other = Scenario.from_dict(doc, base_dir=base.base_dir)
    first, second = run(base, draws=1), run(other, draws=1)
    assert first.zones["zone_id"].tolist() == [z.id for z in base.zones]
    assert second.zones["zone_id"].tolist() == [z.id for z in other.zones]
    assert second.per_zone["name"].tolist() == [z.name for z in other.zones]
    assert first.totals.equals(second.totals)


@pytest.mark.parametrize(
    "name, values",
    [
        ("border", {"control.exclude_held_by": ["government", "islamic_state"]}),
        ("aleppo", {"threat.actors": "all"}),
        ("north", {"threat.actors": ["government", "islamic_state"],
                   "shelter.crossing_penalty_km": 45.0}),
    ],
)  # fmt: skip
@pytest.mark.parametrize("allocation", ["optimal", "gravity"])
def test_fast_path_equals_the_reference_with_threat_and_control(name, values, allocation):
    base = Scenario.from_toml(BASES[name])
    sc = base.with_values(values | {"shelter.allocation": allocation})
    ref = run_reference(sc, draws=20, seed=11)
    fast = Engine().samples(sc, draws=20, seed=11)
    assert _rel(fast, ref.samples.to_numpy()) <= 1e-9
    got = run(sc, draws=20, seed=11)
    assert _tables_rel(got, ref) <= 1e-9
