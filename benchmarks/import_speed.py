"""Benchmark: ``import safezones`` against ``import geopandas``, each in a fresh interpreter.

Every timing is a new ``python -c "import <module>"`` subprocess (nothing cached in
the process; the operating system's file cache is warm after the first round), so
it measures what a user waits for when a script or notebook starts. The two imports
alternate round by round so that a busy machine slows both alike; the best of
``--repeat`` rounds is kept for each. It also lists the heavy packages that
``import safezones`` loads (it should load none of them: they are imported by the
functions that use them).

    python benchmarks/import_speed.py [--repeat 7]

The last line is ``safezones_s=<s> geopandas_s=<s> ratio=<import safezones / import geopandas>``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Packages that ``import safezones`` must not load (tests/test_architecture.py checks it).
HEAVY = (
    "matplotlib",
    "dask",
    "distributed",
    "reportlab",
    "rich",
    "SALib",
    "ema_workbench",
    "folium",
    "typer",
    "scipy.stats",
    "scipy.optimize",
    "pyogrio",  # only reading a file needs it
    "pydantic",  # the scenario schema: safezones.Scenario is imported on first use
)


def _env() -> dict[str, str]:
    """Return the environment with this checkout's ``src`` first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def import_seconds(module: str) -> float:
    """Return the wall time of one fresh interpreter that imports ``module`` and exits."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=_env())
    return time.perf_counter() - t0


def heavy_loaded(module: str = "safezones") -> list[str]:
    """Return the packages of :data:`HEAVY` that importing ``module`` loads."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, env=_env(), capture_output=True, text=True
    ).stdout
    loaded = set(json.loads(out))
    return [name for name in HEAVY if name in loaded]


def measure(repeat: int) -> dict[str, float]:
    """Return the best of ``repeat`` alternating rounds for both imports, and their ratio."""
    import_seconds("safezones")  # warm the file cache for both, untimed
    import_seconds("geopandas")
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(import_seconds("safezones"))
        theirs.append(import_seconds("geopandas"))
    best_ours, best_theirs = min(ours), min(theirs)
    return {"safezones_s": best_ours, "geopandas_s": best_theirs, "ratio": best_ours / best_theirs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    heavy = heavy_loaded()
    print(f"heavy packages loaded by import safezones: {', '.join(heavy) or 'none'}")
    m = measure(args.repeat)
    print(
        f"safezones_s={m['safezones_s']:.3f} geopandas_s={m['geopandas_s']:.3f} ratio={m['ratio']:.2f}"
    )


if __name__ == "__main__":
    main()
