"""Benchmark: the sweep's fast path against the reference ``run()``, and sweep throughput.

The same N scenarios of the depth x radius x capacity grid
(``sweeps/depth-radius-capacity.toml``: the Turkish refuge zone's depth, the
Aleppo freeze's radius and the usable land share) are scored twice in this
one run: by :func:`safezones.scenario.run` as each scenario's own process
would run it, and by fresh :class:`safezones.engine.Engine` objects (geometry
once per distinct depth and radius, then array arithmetic). run() keeps
zone geometry in a process-wide engine (:func:`safezones.engine.shared`),
which would serve the reference's later scenarios from the geometry of the
earlier ones; the reference empties it
(:func:`safezones.engine.clear_shared`) before every scenario, so each
reference scenario builds its zones, measures every cell's distance to
them and allocates, as ``safezones run`` does once per scenario. Both paths
start with the bundled layers (population grid, origins, intensities)
already read, which they share. A fresh engine is *cold*: it builds (or
reads) every zone geometry it needs.
It is timed twice, as a sweep's workers run it: first with an empty
on-disk geometry cache (:func:`safezones.sweep.store.cache_dir`, a
temporary folder here), which it fills, then, new again, reading the zones
from that cache, as every sweep after the first does. The ratio of the
reference's wall time to the second is the speedup; the largest relative
difference of any metric is printed with it (unmet, a difference of two
totals, is measured against the displaced total).

It then times whole sweeps with ``run_sweep`` on ``--workers`` processes:
the grid in the central case (``draws=1``) and with ``--mc-draws`` Monte
Carlo draws per scenario, and optionally (``--memory N``) an N-scenario
Latin hypercube sweep, reporting the peak resident memory of the sweep's
processes.

    python benchmarks/sweep_speed.py [--n 120] [--workers 2] [--mc-draws 200] [--memory 100000]

The last line is ``speedup=<ratio> max_rel_diff=<value> scenarios_per_s=<rate>``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from safezones.engine import Engine, clear_shared
from safezones.io.inputs import sweep_input_hashes
from safezones.scenario import METRICS, run
from safezones.sweep import Sweep, run_sweep
from safezones.sweep.store import CACHE_ENV, GeometryStore, cache_digest

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT / "sweeps" / "depth-radius-capacity.toml"
UNMET, DISPLACED = METRICS.index("unmet"), METRICS.index("displaced")


def scenarios(n: int, seed: int = 1) -> list:
    """N scenarios drawn from the depth x radius x capacity grid (seeded)."""
    sw = Sweep.from_toml(GRID)
    rows = np.random.default_rng(seed).choice(len(sw), size=min(n, len(sw)), replace=False)
    return [sw.scenario(sw.design.iloc[i].to_dict()) for i in sorted(rows)]


def rel_diff(fast: np.ndarray, ref: np.ndarray) -> float:
    """Largest relative difference over metrics and quantiles ``(metrics, 3)``."""
    scale = np.maximum(np.abs(ref), 1.0)
    scale[UNMET] = np.maximum(scale[UNMET], np.abs(ref[DISPLACED]))
    return float((np.abs(fast - ref) / scale).max())


def measure(scs: list, draws: int = 1, cache: Path | None = None) -> dict[str, float]:
    """Seconds of the reference, of a fresh engine (empty disk cache, then filled) and warm.

    The reference is run() with the shared engine emptied before each scenario.

    ``cache`` is the on-disk geometry cache folder (a new temporary one if None).
    """
    run(scs[0], draws=draws)  # the bundled layers, read once for both paths
    t0 = time.perf_counter()
    ref = []
    for sc in scs:
        clear_shared()  # each scenario as its own process runs it: no zones kept
        ref.append(run(sc, draws=draws).totals.to_numpy())
    t_ref = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        folder = cache or Path(tmp) / "geometry"
        sw = Sweep.from_toml(GRID)
        times, fast = [], []
        for _ in range(2):  # 1: builds every zone and writes it; 2: reads them back
            engine = Engine()
            engine.store = GeometryStore(
                folder, cache_digest(sweep_input_hashes(sw)), version("safezones")
            )
            t0 = time.perf_counter()
            fast = [engine.totals(sc, draws=draws) for sc in scs]
            times.append(time.perf_counter() - t0)
        assert engine.built == 0, "the second engine read every zone from the disk cache"
        t0 = time.perf_counter()
        for sc in scs:
            engine.totals(sc, draws=draws)
        t_warm = time.perf_counter() - t0
    worst = max(rel_diff(f, r) for f, r in zip(fast, ref, strict=True))
    return {"ref": t_ref, "first": times[0], "cold": times[1], "warm": t_warm, "worst": worst}


def compare(scs: list, draws: int = 1) -> tuple[float, float, float, float]:
    """Reference seconds, fast seconds (cold), fast seconds (warm), max relative difference."""
    m = measure(scs, draws)
    return m["ref"], m["cold"], m["warm"], m["worst"]


def sweep_rate(
    spec: Path, workers: int, capacities: int | None = None, **changes: object
) -> tuple[int, float]:
    """Scenarios and wall seconds of a whole sweep (spec with ``changes``) in a new folder.

    ``capacities`` sets how many usable-land values a grid takes.
    """
    sw = Sweep.from_toml(spec)
    if changes or capacities:
        doc = sw.spec.model_dump(mode="json") | changes | {"base": str(sw.base.path)}
        if capacities:
            doc["parameters"]["shelter.usable_fraction"]["num"] = capacities
        sw = Sweep.from_dict(doc)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_sweep(sw, Path(tmp) / "out", workers=workers)
        return len(sw), time.perf_counter() - t0


def _tree_rss_mb(root: int) -> float:
    """Resident memory of process ``root`` and all its descendants, in MB (Linux /proc)."""
    parent: dict[int, int] = {}
    rss: dict[int, float] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            status = (d / "status").read_text()
        except OSError:
            continue
        parent[int(d.name)] = int(fields[1])
        kb = next(
            (line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), "0"
        )
        rss[int(d.name)] = int(kb) / 1024
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0.0)
        todo.extend(c for c, p in parent.items() if p == pid)
    return total


class PeakMemory:
    """Samples the resident memory of this process and its workers while in use."""

    def __init__(self, every: float = 0.5) -> None:
        self.every, self.peak = every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_mb(os.getpid()))
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=120, help="scenarios for the reference comparison")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mc-draws", type=int, default=200, help="draws per scenario, MC sweep")
    ap.add_argument("--capacities", type=int, default=200,
                    help="usable-land values of the throughput grid (10 x 6 x this)")  # fmt: skip
    ap.add_argument("--memory", type=int, default=0, help="scenarios of an LHS memory sweep")
    args = ap.parse_args(argv)

    scs = scenarios(args.n)
    cache = Path(tempfile.mkdtemp(prefix="safezones-bench-cache-"))
    os.environ[CACHE_ENV] = str(cache)  # the sweeps below read the zones measure() built
    try:
        run_all(args, scs, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run_all(args: argparse.Namespace, scs: list, cache: Path) -> None:
    m = measure(scs, cache=cache)
    t_ref, t_cold, t_warm, worst = m["ref"], m["cold"], m["warm"], m["worst"]
    n = len(scs)
    print(f"{n} scenarios of {GRID.name} (central case), one run:")
    print(f"  reference run():  {t_ref:8.2f} s  ({t_ref / n * 1000:8.1f} ms per scenario)")
    print(f"  fast path, cold, empty disk cache:  {m['first']:8.2f} s  "
          f"({m['first'] / n * 1000:8.1f} ms per scenario, geometry built, {t_ref / m['first']:,.1f} x)")  # fmt: skip
    print(f"  fast path, cold, zones on disk:     {t_cold:8.2f} s  "
          f"({t_cold / n * 1000:8.1f} ms per scenario, geometry read, {t_ref / t_cold:,.1f} x)")  # fmt: skip
    print(f"  fast path, warm:  {t_warm:8.2f} s  ({t_warm / n * 1000:8.1f} ms per scenario, "
          f"{t_ref / t_warm:,.0f} x)")  # fmt: skip
    print(f"  largest relative difference: {worst:.2e}")

    count, secs = sweep_rate(GRID, args.workers)
    print(f"sweep {GRID.name} as written: {count:,} scenarios, draws=1, {args.workers} workers: "
          f"{secs:.1f} s, {count / secs:,.0f} scenarios/s (start-up included; zones from the "
          "disk cache)")  # fmt: skip
    count, secs = sweep_rate(GRID, args.workers, capacities=args.capacities)
    rate = count / secs
    print(f"sweep {GRID.name} with {args.capacities} usable-land values: {count:,} scenarios, "
          f"draws=1, {args.workers} workers: {secs:.1f} s, {rate:,.0f} scenarios/s")  # fmt: skip
    if args.mc_draws > 1:
        mc_count, mc_secs = sweep_rate(GRID, args.workers, draws=args.mc_draws)
        print(f"sweep {GRID.name} as written: {mc_count:,} scenarios, draws={args.mc_draws}, "
              f"{args.workers} workers: {mc_secs:.1f} s, {mc_count / mc_secs:,.0f} scenarios/s")  # fmt: skip
    if args.memory:
        spec = ROOT / "sweeps" / "sobol-turkey-aleppo.toml"
        with PeakMemory() as mem:
            big, big_secs = sweep_rate(spec, args.workers, design="lhs", size=args.memory,
                                       chunk=2000)  # fmt: skip
        print(f"sweep {spec.name} as lhs: {big:,} scenarios, {args.workers} workers: "
              f"{big_secs:.1f} s, {big / big_secs:,.0f} scenarios/s, peak resident memory "
              f"{mem.peak:,.0f} MB (this process and its workers together)")  # fmt: skip
    print(f"speedup={t_ref / t_cold:.1f} max_rel_diff={worst:.2e} scenarios_per_s={rate:.0f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
