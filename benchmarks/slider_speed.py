"""Benchmark: a ZoneSlider move against the full ``run()`` a notebook would call instead.

For each depth of the Turkish strip in ``scenarios/turkey-strip-2019.toml``
(draws 200, seed 1) this one run times, in the same process:

- ``run()`` of the scenario at that depth plus ``thumbnail_png`` of its zones
  (what a notebook cell re-run by hand costs);
- ``ZoneSlider.update(depth)`` the first time (the strip built and measured
  once, then the fast path's scoring and the map);
- ``ZoneSlider.update(depth)`` again (the geometry cached: scoring and map).

It prints the medians, the ratios, and the largest relative difference
between the slider's and run()'s totals (they must agree).

    python benchmarks/slider_speed.py [--depths 10 20 30 40]

The last line is ``first_move_s=<s> repeat_move_s=<s> run_s=<s> speedup=<run/first> max_rel_diff=<d>``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from safezones.notebook import ZoneSlider
from safezones.scenario import run
from safezones.viz.display import thumbnail_png

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "turkey-strip-2019.toml"


def measure(depths: list[float], draws: int = 200) -> dict[str, float]:
    slider = ZoneSlider(SCENARIO, values=depths, draws=draws)
    slider.update(depths[0])  # the base (cells, classes, distances to the border) once
    first, again, full, worst = [], [], [], 0.0
    for d in depths[1:]:
        t0 = time.perf_counter()
        totals, _ = slider.update(d)
        first.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        slider.update(d)
        again.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref = run(slider.scenario_at(d), draws=draws, seed=1)
        thumbnail_png(ref.zones, ref.events)
        full.append(time.perf_counter() - t0)
        scale = np.maximum(np.abs(ref.totals.to_numpy()), 1.0)
        worst = max(worst, float((np.abs(totals.to_numpy() - ref.totals.to_numpy()) / scale).max()))
    return {
        "first_move_s": statistics.median(first),
        "repeat_move_s": statistics.median(again),
        "run_s": statistics.median(full),
        "max_rel_diff": worst,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depths", type=float, nargs="+", default=[5, 10, 20, 30, 40, 50])
    args = ap.parse_args()
    m = measure(args.depths)
    print(
        f"slider, new depth:  {m['first_move_s']:.3f} s per move (median)\n"
        f"slider, seen depth: {m['repeat_move_s']:.3f} s\n"
        f"run() + map:        {m['run_s']:.3f} s"
    )
    print(
        f"first_move_s={m['first_move_s']:.3f} repeat_move_s={m['repeat_move_s']:.3f} "
        f"run_s={m['run_s']:.3f} speedup={m['run_s'] / m['first_move_s']:.1f} "
        f"max_rel_diff={m['max_rel_diff']:.2e}"
    )


if __name__ == "__main__":
    main()
