"""Benchmark: ``run()`` against the per-draw LP reference, in one process.

``scenarios/border-refuge-zones.toml`` at 500 draws (the default seed), two ways:

- the reference: :func:`safezones.model.prepare.prepare` (every cell's
  distance to every zone) and one linear program per draw, as run() did
  before the engine and the shared LP bases (tests/oracle.py is the same path);
- :func:`safezones.scenario.run`: the engine's preparation and one LP per
  optimal basis, the other draws read off it. ``cold``: a fresh engine, the
  zones built and measured; ``warm``: run() again, the zone geometry cached
  (a notebook re-running a cell, a CLI ``compare`` of a changed scenario).

Both start with the bundled layers (grid, origins, intensities) already read,
which both paths share. Prints the times, the ratios and the largest relative
difference of every total and draw; the last line is
``speedup=<reference / warm run> max_rel_diff=<value>``.

    python benchmarks/run_speed.py [--draws 500] [--repeat 2]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from _timing import best_of  # benchmarks/ is on sys.path when run as a script
from safezones import engine
from safezones.model import prepare, score
from safezones.model.shelter import allocate_optimal
from safezones.scenario import Scenario, result_of, run

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "border-refuge-zones.toml"


def per_draw_lp(demand: np.ndarray, cap: np.ndarray, reach: np.ndarray, dist: np.ndarray,
                **_: Any) -> np.ndarray:  # fmt: skip
    """One linear program per draw (each call of allocate_optimal sees one draw)."""
    return np.stack([allocate_optimal(demand[k], cap[k], reach, dist) for k in range(len(demand))])


def reference(sc: Scenario, draws: int) -> Any:
    prep = prepare.prepare(sc, engine.READERS)
    seed = sc.uncertainty.seed
    return result_of(sc, prep, score.score_groups(sc, prep, draws=draws, seed=seed,
                                                  optimal=per_draw_lp), seed=seed)  # fmt: skip


def cold(sc: Scenario, draws: int) -> Any:
    engine.clear_shared()  # a new process's engine: zones built and measured again
    return run(sc, draws=draws)


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float((np.abs(a - b) / np.maximum(np.abs(b), 1.0)).max())


def measure(draws: int = 500, repeat: int = 2) -> dict[str, float]:
    sc = Scenario.from_toml(SCENARIO)
    prepare.prepare_base(sc, engine.READERS)  # the bundled layers, read once for both paths
    t_ref, ref = best_of(lambda: reference(sc, draws), repeat)
    t_cold, got_cold = best_of(lambda: cold(sc, draws), repeat)
    t_warm, got = best_of(lambda: run(sc, draws=draws), repeat)
    worst = max(rel_diff(r.samples.to_numpy(), ref.samples.to_numpy()) for r in (got, got_cold))
    worst = max(worst, rel_diff(got.totals.to_numpy(), ref.totals.to_numpy()))
    return {"reference_s": t_ref, "cold_s": t_cold, "warm_s": t_warm, "max_rel_diff": worst}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    m = measure(args.draws, args.repeat)
    print(f"border-refuge-zones, {args.draws} draws, best of {args.repeat}:")
    print(f"reference (every cell measured, one LP per draw): {m['reference_s']:.3f} s")
    print(f"run(), new engine (zones built and measured):    {m['cold_s']:.3f} s")
    print(f"run(), zone geometry cached:                     {m['warm_s']:.3f} s")
    print(f"cold_speedup={m['reference_s'] / m['cold_s']:.1f}")
    print(f"speedup={m['reference_s'] / m['warm_s']:.1f} max_rel_diff={m['max_rel_diff']:.2g}")


if __name__ == "__main__":
    main()
