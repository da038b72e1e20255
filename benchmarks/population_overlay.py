"""Benchmark: residents per zone, safezones' path against a plain geopandas overlay.

Both compute area-weighted residents of the bundled population grid in the
demo zones; the script checks they agree and prints the speed ratio measured
in this one run (no absolute timings are asserted anywhere).

    python benchmarks/population_overlay.py [--repeat 3]
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np

import safezones as sz
from _timing import best_of  # benchmarks/ is on sys.path when run as a script
from safezones import data
from safezones.crs import PROJECT_CRS


def reference(zones: gpd.GeoDataFrame, grid: gpd.GeoDataFrame) -> np.ndarray:
    """The straightforward way: geopandas.overlay, then area shares."""
    z = zones[["zone_id", "geometry"]].to_crs(PROJECT_CRS)
    g = grid[["cell_id", "pop_central", "geometry"]].to_crs(PROJECT_CRS)
    g["cell_area"] = g.area
    pieces = gpd.overlay(g, z, how="intersection", keep_geom_type=True)
    pieces["res"] = pieces["pop_central"] * pieces.area / pieces["cell_area"]
    by_zone = pieces.groupby("zone_id")["res"].sum()
    return by_zone.reindex(zones["zone_id"]).to_numpy()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    zones = sz.zone_set(
        *(sz.refuge_strip(n, depth_km=30) for n in ("TUR", "JOR", "LBN")),
        sz.freeze_zone("Aleppo", radius_km=15),
    )
    grid = data.population_grid()
    t_ref, ref = best_of(lambda: reference(zones, grid), args.repeat)
    t_fast, fast = best_of(lambda: sz.population_in_zones(zones, grid), args.repeat)
    got = fast["residents_central"].to_numpy()  # type: ignore[index]
    rel = float(np.max(np.abs(got - ref) / ref))
    print(f"zones={len(zones)} cells={len(grid)}")
    print(f"reference (geopandas.overlay): {t_ref:.3f} s; safezones: {t_fast:.3f} s")
    print(f"speedup={t_ref / t_fast:.1f} max_rel_diff={rel:.2e}")


if __name__ == "__main__":
    main()
