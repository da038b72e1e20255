"""Benchmark: the structural draws scored by reach variant against regrouping every draw.

The draws move the longest journey, the detour, the crossing penalty and the
hazard thresholds, which decide who reaches which zone (issue 19). Each of
those inputs takes three levels, so a run's draws fall into at most 81 reach
variants; :func:`safezones.model.score.score_groups` forms each variant's
groups once and scores its draws together. The naive way forms the groups
again for every draw and scores it alone. Both are timed here in one run, on
the same prepared scenario and the same draws; the ratio is the speedup and
the largest relative difference of any metric is printed with it (they are
the same arithmetic, so it is at rounding).

    python benchmarks/structural_draws.py [--draws 200] [--scenario scenarios/border-refuge-zones.toml]

The last line is ``speedup=<ratio> max_rel_diff=<value> variants=<n>``.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from _timing import best_of  # benchmarks/ is on sys.path when run as a script
from safezones.config.scenario import Scenario
from safezones.engine import READERS
from safezones.model import prepare, score
from safezones.model.metrics import METRICS
from safezones.model.shelter import allocate_optimal

ROOT = Path(__file__).resolve().parents[1]


def by_variant(sc: Scenario, prep: prepare.Prepared, draws: int, seed: int) -> np.ndarray:
    """The package's way: one set of groups per reach variant."""
    return score.score_groups(sc, prep, draws=draws, seed=seed).samples


def per_draw(sc: Scenario, prep: prepare.Prepared, base: prepare.Base, cover: prepare.Cover,
             draws: int, seed: int) -> np.ndarray:  # fmt: skip
    """The naive way: the groups of each draw's variant formed again for that draw."""
    dr = score.scenario_draws(sc, n=draws, seed=seed)
    variant = np.zeros(draws, dtype=int) if dr.variant is None else dr.variant
    out = np.zeros((draws, len(METRICS)))
    for i in range(draws):
        reach = dr.variants[int(variant[i])]
        fields = prepare.grouped(sc, base, cover, reach, reach.threshold_factor)
        pv = dataclasses.replace(prep, regroup=None, **fields)
        part = score.score_variant(sc, pv, dr.take(np.array([i])), reach, lambda k: None,
                                   allocate_optimal)  # fmt: skip
        out[i] = part["samples"][0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "border-refuge-zones.toml"))
    args = ap.parse_args()
    sc = Scenario.from_toml(args.scenario)
    prep, base, cover = prepare.prepare_parts(sc, READERS)
    t_fast, fast = best_of(lambda: by_variant(sc, prep, args.draws, 1), 2)
    t_slow, slow = best_of(lambda: per_draw(sc, prep, base, cover, args.draws, 1), 1)
    rel = float((np.abs(fast - slow) / np.maximum(np.abs(slow), 1.0)).max())
    n_var = len(score.scenario_draws(sc, n=args.draws, seed=1).variants)
    print(f"by variant: {t_fast:.2f} s; regrouped per draw: {t_slow:.2f} s ({args.draws} draws)")
    print(f"speedup={t_slow / t_fast:.1f} max_rel_diff={rel:.1e} variants={n_var}")


if __name__ == "__main__":
    main()
