"""Benchmark: the grouped allocation LP against one LP variable per population cell.

``safezones.model.shelter.allocate_optimal`` works on *groups*: the people of one
origin district who reach the same set of zones. The straightforward model
gives every population cell its own variable per reachable zone. Both are the
same max-flow problem (cells with equal reach are interchangeable), so they
shelter the same number of people; the grouped one has a few hundred
variables instead of tens of thousands. The script builds the border refuge
zones scenario's inputs once (central case), solves both, checks the totals
agree and prints the speed ratio measured in this one run (no absolute
timing is asserted anywhere).

    python benchmarks/allocation.py [--draws 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import safezones as sz
from _timing import best_of  # benchmarks/ is on sys.path when run as a script
from safezones import data
from safezones.model.demand import assign_origins, displaced_hazard, origin_units
from safezones.model.shelter import allocate_optimal, capacity, cell_distances, reach_groups


def make_problem() -> dict[str, Any]:
    """Cells, zones, displaced per cell and capacities of the border refuge zones."""
    zones = sz.zone_set(*(sz.refuge_strip(n, depth_km=30) for n in ("TUR", "JOR", "LBN")))
    cells = data.population_grid()
    units = origin_units("districts")
    origin = assign_origins(cells, units)
    pop = cells["pop_central"].to_numpy(dtype=float)
    opop = np.bincount(origin, pop, len(units))
    si = sz.strike_intensity(units, data.events(), start=2014, end=2014)
    displaced = displaced_hazard(opop, si["events_per_1000km2_year"].to_numpy())
    share = np.divide(pop, opop[origin], out=np.zeros_like(pop), where=opop[origin] > 0)
    dist = cell_distances(cells, zones)
    return {
        "origin": origin,
        "pop": pop,
        "cell_demand": displaced[origin] * share,
        "distance": dist * 1.3,
        "reach": dist * 1.3 <= 100.0,
        "capacity": capacity(zones["area_km2"].to_numpy()),
    }


def grouped(p: dict[str, Any]) -> float:
    g = reach_groups(p["origin"], p["distance"] / 1.3, p["pop"])
    demand = np.bincount(g.of_cell, p["cell_demand"], len(g.origin))
    return float(allocate_optimal(demand, p["capacity"], g.reach, g.distance_km).sum())


def per_cell(p: dict[str, Any]) -> float:
    keep = p["reach"].any(axis=1) & (p["cell_demand"] > 0)
    return float(
        allocate_optimal(
            p["cell_demand"][keep], p["capacity"], p["reach"][keep], p["distance"][keep]
        ).sum()
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    p = make_problem()
    t_group, s_group = best_of(lambda: grouped(p), args.repeat)
    t_cell, s_cell = best_of(lambda: per_cell(p), 1)
    np.testing.assert_allclose(s_group, s_cell, rtol=1e-6)
    n_vars = int(p["reach"].sum())
    print(f"cells={len(p['pop']):,} reachable cell-zone pairs={n_vars:,} sheltered={s_group:,.0f}")
    print(
        f"per-cell LP (1 run): {t_cell:.2f} s; grouped LP incl. grouping "
        f"(best of {args.repeat}): {t_group:.3f} s"
    )
    print(f"speedup={t_cell / t_group:.1f}x sheltered identical to 1e-6")


if __name__ == "__main__":
    main()
