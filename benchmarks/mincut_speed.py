"""Benchmark: the engine's minimum cut over reach patterns against scipy's maximum_flow.

``safezones.model.mincut.max_flow`` enumerates the 2**Z zone sets of a
pattern graph for every draw at once; :func:`scipy.sparse.csgraph.maximum_flow`
solves one integer graph per draw. The script times both on random draws
(500 draws, 3 zones, people rounded to hundreds for scipy's 32-bit
capacities) and prints the ratio measured in this run.

    python benchmarks/mincut_speed.py [--draws 500] [--zones 3]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from _timing import best_of  # benchmarks/ is on sys.path when run as a script
from safezones.model.mincut import max_flow

UNIT = 100.0  # scipy takes whole capacities: people in hundreds


def problem(draws: int, zones: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand_k = rng.uniform(0, 3e6, (draws, 1 << zones))
    demand_k[:, 0] = 0.0  # nobody reaches no zone
    return demand_k, rng.uniform(1e5, 4e6, (draws, zones))


def with_scipy(demand_k: np.ndarray, cap: np.ndarray) -> np.ndarray:
    n, n_z = cap.shape
    n_k = demand_k.shape[1]
    size = 2 + n_k + n_z
    s, t = size - 2, size - 1
    big = np.iinfo(np.int32).max // 4
    out = np.zeros(n)
    for k in range(n):
        rows, cols, vals = [], [], []
        for p in range(1, n_k):
            rows.append(s), cols.append(p), vals.append(round(demand_k[k, p] / UNIT))
            for z in range(n_z):
                if p >> z & 1:
                    rows.append(p), cols.append(n_k + z), vals.append(big)
        for z in range(n_z):
            rows.append(n_k + z), cols.append(t), vals.append(round(cap[k, z] / UNIT))
        graph = csr_matrix((np.array(vals, dtype=np.int32), (rows, cols)), shape=(size, size))
        out[k] = maximum_flow(graph, s, t).flow_value * UNIT
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--zones", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    demand_k, cap = problem(args.draws, args.zones)
    t_ours, ours = best_of(lambda: max_flow(demand_k, cap), args.repeat)
    t_scipy, ref = best_of(lambda: with_scipy(demand_k, cap), args.repeat)
    rel = float(np.abs(ours - ref).max() / np.abs(ref).max())
    print(f"min cut over patterns: {t_ours * 1e3:.3f} ms; scipy maximum_flow: {t_scipy:.3f} s")
    print(f"speedup={t_scipy / t_ours:.0f} max_rel_diff={rel:.2g}")


if __name__ == "__main__":
    main()
