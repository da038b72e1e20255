"""The demo job of ``make demo``: the late-2014 proposals on the bundled data.

The seed article names the proposals but not their sizes; the sizes below are
assumptions, stated here and on the map.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd

from . import data
from ._io import atomic_path
from .overlay import events_in_zones, population_in_zones
from .plot import zones_map
from .zones import freeze_zone, refuge_strip, zone_set

__all__ = ["DEMO_FREEZE_RADIUS_KM", "DEMO_STRIP_DEPTH_KM", "DEMO_YEAR", "demo_zones", "run_demo"]

#: Depth of the border refuge zones (assumption: the 2019 Turkish proposal's
#: ~30 km; the opposition's 2014 request gave no depth).
DEMO_STRIP_DEPTH_KM = 30.0
#: Radius of the Aleppo freeze (assumption: city and near suburbs; the UN
#: envoy's 2014 proposal gave no extent).
DEMO_FREEZE_RADIUS_KM = 15.0
#: Year of the events shown and counted (the year of the proposals).
DEMO_YEAR = 2014


def demo_zones() -> gpd.GeoDataFrame:
    """Refuge strips on the Turkish, Jordanian and Lebanese borders and an Aleppo freeze.

    Examples
    --------
    >>> demo_zones().zone_id.tolist()
    ['tur-30km', 'jor-30km', 'lbn-30km', 'freeze-aleppo-15km']
    """
    return zone_set(
        *(refuge_strip(n, depth_km=DEMO_STRIP_DEPTH_KM) for n in ("TUR", "JOR", "LBN")),
        freeze_zone("Aleppo", radius_km=DEMO_FREEZE_RADIUS_KM),
    )


def run_demo(out: Path) -> pd.DataFrame:
    """Write ``out/map.png`` and ``out/zones.csv``; return the zones table."""
    zones = demo_zones()
    events = data.events()
    ev = events_in_zones(zones, events, start=DEMO_YEAR, end=DEMO_YEAR)
    pop = population_in_zones(zones, data.population_grid())
    cols = [
        c
        for c in ("zone_id", "kind", "name", "area_km2", "depth_km", "radius_km")
        if c in zones.columns
    ]
    table = pd.concat([zones[cols], pop, ev.add_suffix(f"_{DEMO_YEAR}")], axis=1)
    table.insert(
        len(table.columns),
        "sources",
        "zones: safezones; population: OCHA/CBS pre-war + GeoNames; events: UCDP GED",
    )
    out = Path(out)
    with atomic_path(out / "zones.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.1f")
    labels = pop["residents_central"].map(lambda v: f"{v / 1e6:.2f} M residents")
    fig, _ = zones_map(
        zones,
        events=events[events["year"] == DEMO_YEAR],
        seed_events=data.seed_facts().events,
        values=labels,
        events_label=f"UCDP events {DEMO_YEAR}",
        sources=["population_grid"],
        title=(
            f"Proposed zones, late 2014: {DEMO_STRIP_DEPTH_KM:g} km border refuge strips "
            f"(assumed depth) and a {DEMO_FREEZE_RADIUS_KM:g} km Aleppo freeze (assumed)"
        ),
    )
    with atomic_path(out / "map.png") as tmp:
        fig.savefig(tmp, dpi=200, format="png")
    plt.close(fig)
    return table
