"""Benchmark: the control surface's polygons and event attribution, before and after.

Polygons: the first version intersected every Voronoi cell with its disc and
unioned them per actor; now only the cells reaching beyond their disc are cut,
and the whole cells are joined by a coverage union. Attribution: the first
version scanned every event once per distinct dyad value; now each value is
looked up once and broadcast. The script checks the results agree and prints
the speed ratios measured in this one run (no absolute timings are asserted).

    python benchmarks/control_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import shapely

from _timing import best_of  # benchmarks/ is on sys.path when run as a script
from safezones import data
from safezones.model import control as C
from safezones.model import threat as T
from safezones.schema import ACTORS, EVENT_ACTORS


def reference_polygons(s: C.ControlSurface) -> list[object]:
    """The first version: every cell cut to its disc, then a plain union per actor."""
    assert s.xy is not None and s.codes is not None
    syria = data.syria(crs="metric")
    cells = C._voronoi(s.xy, syria)  # noqa: SLF001 - the shared first step
    discs = shapely.buffer(shapely.points(s.xy), s.max_km * 1000.0, quad_segs=16)
    parts = shapely.intersection(cells, discs)
    return [shapely.intersection(shapely.union_all(parts[s.codes == k]), syria)
            for k in range(len(ACTORS) - 1)]  # fmt: skip


def reference_attribution(events: pd.DataFrame) -> np.ndarray:
    """The first version: one boolean scan of all events per distinct dyad value."""
    out = np.zeros((len(events), len(EVENT_ACTORS)), dtype=bool)
    for col in ("side_a", "side_b"):
        values = events[col].to_numpy()
        uniq, inverse = np.unique(values.astype(str), return_inverse=True)
        for k, value in enumerate(uniq):
            rows = inverse == k
            for name in (p.strip() for p in value.split(",") if p.strip()):
                actor = T._actor_of(name, "ucdp")  # noqa: SLF001 - the same table lookup
                if actor in EVENT_ACTORS:
                    out[:, EVENT_ACTORS.index(actor)] |= rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pts = data.control("2015")

    def fresh() -> list[object]:
        s = C.surface_from_points(pts, label="bench")
        return s.polygons().geometry.tolist()[:4]

    surface = C.surface_from_points(pts, label="bench")
    surface.actor_at(np.zeros((1, 2)))  # import scipy and build the tree outside the timings
    t_ref, ref = best_of(lambda: reference_polygons(surface), args.repeat)
    t_new, new = best_of(fresh, args.repeat)
    diff = max(shapely.symmetric_difference(a, b).area for a, b in zip(ref, new, strict=True))
    print(f"communities={len(surface.xy)} polygons: reference {t_ref:.3f} s; "  # type: ignore[arg-type]
          f"safezones {t_new:.3f} s; speedup={t_ref / t_new:.1f} max_sym_diff={diff:.1e} m2")  # fmt: skip

    events = data.events()
    t_ref, ref_f = best_of(lambda: reference_attribution(events), args.repeat)
    t_new, got = best_of(lambda: T.attribute_events(events), args.repeat)
    new_f = got[list(T.ACTOR_COLUMNS)].to_numpy()
    print(f"events={len(events)} attribution: reference {t_ref:.3f} s; safezones {t_new:.3f} s; "
          f"speedup={t_ref / t_new:.1f} equal={bool((ref_f == new_f).all())}")  # fmt: skip


if __name__ == "__main__":
    main()
