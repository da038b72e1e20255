"""Benchmark: events per zone, safezones' path against a plain per-zone geopandas loop.

One million random points in Syria's bounding box are counted in 50 zones (the
four 30 km border strips and 15 km discs around the 46 largest towns). The
reference projects the points with geopandas and, zone by zone, tests
``GeoSeries.intersects`` (no spatial index, no prepared geometry), as a
straightforward script would. The script checks both give the same counts and
deaths and prints the speed ratio measured in this one run (no absolute timing
is asserted anywhere).

    python benchmarks/events_overlay.py [--points 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
import pandas as pd

import safezones as sz
from _timing import best_of  # benchmarks/ is on sys.path when run as a script
from safezones import data
from safezones.crs import PROJECT_CRS


def make_zones() -> gpd.GeoDataFrame:
    strips = [sz.refuge_strip(code, depth_km=30) for code in ("TUR", "JOR", "LBN", "IRQ")]
    towns = data.places("SY").nlargest(46, "population")
    discs = [sz.freeze_zone((p.x, p.y), radius_km=15) for p in towns.geometry]
    zones = gpd.GeoDataFrame(pd.concat([*strips, *discs], ignore_index=True), crs=4326)
    assert len(zones) == 50
    return zones


def make_events(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = data.syria().bounds
    return gpd.GeoDataFrame(
        {
            "deaths_total": rng.integers(0, 10, n),
            "deaths_civilians": rng.integers(0, 3, n),
        },
        geometry=gpd.points_from_xy(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)),
        crs=4326,
    )


def reference(zones: gpd.GeoDataFrame, events: gpd.GeoDataFrame) -> np.ndarray:
    """The straightforward way: project, then one vectorised intersects per zone."""
    pts = events.to_crs(PROJECT_CRS)
    out = []
    for zone in zones.to_crs(PROJECT_CRS).geometry:
        inside = pts.geometry.intersects(zone).to_numpy()
        out.append(
            [inside.sum(), pts.deaths_total[inside].sum(), pts.deaths_civilians[inside].sum()]
        )
    return np.array(out, dtype=float)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    zones, events = make_zones(), make_events(args.points)
    t_fast, fast = best_of(lambda: sz.events_in_zones(zones, events), args.repeat)
    # the reference is slow: one run is enough to measure it
    t_ref, ref = best_of(lambda: reference(zones, events), 1)
    got = fast[["events", "deaths_total", "deaths_civilians"]].to_numpy()
    np.testing.assert_array_equal(got, ref)
    print(f"zones={len(zones)} points={len(events):,} events_in_zones={int(got[:, 0].sum()):,}")
    print(
        f"reference (per-zone geopandas intersects, 1 run): {t_ref:.2f} s; "
        f"safezones (best of {args.repeat}): {t_fast:.3f} s"
    )
    print(f"speedup={t_ref / t_fast:.1f}x counts and deaths identical")


if __name__ == "__main__":
    main()
