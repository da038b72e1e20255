"""What a sweep's worker does: start, die with the sweep, load it once, score chunks.

The executors (:mod:`safezones.sweep.local`, :mod:`safezones.sweep.dask`)
send workers a *payload* (the spec and the base scenario, small and
picklable) and design rows; each worker process keeps one
:class:`~safezones.engine.Engine` per sweep, so geometry built for one
chunk serves the next.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from safezones.config.sweep import SweepSpec
from safezones.engine import Engine
from safezones.io.lock import close_inherited_locks
from safezones.model.metrics import METRICS, QUANTILES
from safezones.sweep.plan import Sweep
from safezones.sweep.store import GeometryStore, LayeredStore

__all__ = [
    "METRIC_COLUMNS",
    "WATCH_PARENT_S",
    "chunks",
    "die_with_parent",
    "make_payload",
    "run_chunk",
    "split",
    "unbuilt",
    "warm_rows",
    "worker_start",
    "worker_sweep",
]

#: How often a worker checks that the sweep's process is still alive, in seconds:
#: the portable fallback of Linux's parent-death signal (assumption: a dead
#: sweep's workers go within a second, and the check costs nothing).
WATCH_PARENT_S = 0.5
#: The metric columns of a sweep's results, in order: every metric's P5/P50/P95.
METRIC_COLUMNS = tuple(f"{m}_{q}" for m in METRICS for q in QUANTILES)

#: This process's sweep and engine, by the sweep's hash (one at a time).
_WORKER: dict[str, tuple[Sweep, Engine]] = {}
#: Geometry stores of this process, by (folder, inputs digest).
_STORES: dict[tuple[str, str], GeometryStore] = {}


def make_payload(sweep: Sweep) -> dict[str, Any]:
    """Return what a worker needs to rebuild ``sweep``: its spec, base scenario and hash."""
    return {
        "spec": sweep.spec.model_dump(mode="json"),
        "base": sweep.base,  # a pydantic model: pickles with its document and folder
        "key": sweep.manifest()["hash"],
    }


def die_with_parent(parent: int) -> None:
    """End this worker process when the process ``parent`` (the sweep) dies.

    On Linux the kernel sends SIGKILL at the parent's death
    (``prctl(PR_SET_PDEATHSIG)``); everywhere, a daemon thread checks every
    :data:`WATCH_PARENT_S` seconds that the parent is still the same process
    (an orphan is adopted by another), and exits if not. Without this, a
    ``kill -9`` of the sweep left its workers running at full CPU, then
    asleep holding their memory. (Linux sends the signal when the thread that
    started the worker ends: :func:`~safezones.sweep.run.run_sweep`'s thread
    outlives its pools.) It also closes the output lock it inherited, so that
    a killed sweep's folder is free as soon as the sweep itself is gone.
    """
    close_inherited_locks()
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no libc prctl: the thread below still works
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_PARENT_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="safezones-watch-parent", daemon=True).start()


def worker_start(
    parent: int, payload: dict[str, Any], geometry: dict[str, Any] | None = None
) -> None:
    """Initialise a scoring worker: die with the sweep, then load the sweep."""
    die_with_parent(parent)
    worker_sweep(payload, geometry)


def _store(payload: dict[str, Any]) -> GeometryStore | LayeredStore | None:
    """Return the payload's geometry stores: the sweep folder's, then the user's cache."""
    stores = []
    for folder, inputs in (("geometry_dir", "inputs"), ("cache_dir", "cache_inputs")):
        if payload.get(folder):
            key = (str(payload[folder]), str(payload[inputs]))
            if key not in _STORES:
                _STORES[key] = GeometryStore(payload[folder], payload[inputs], payload["version"])
            stores.append(_STORES[key])
    if not stores:
        return None
    return stores[0] if len(stores) == 1 else LayeredStore(stores)


def worker_sweep(
    payload: dict[str, Any], geometry: dict[str, Any] | None = None
) -> tuple[Sweep, Engine]:
    """Return the sweep of ``payload`` and this process's engine for it, made on first use."""
    key = payload["key"]
    if key not in _WORKER:
        spec = SweepSpec.model_validate(payload["spec"])
        _WORKER.clear()
        sweep = Sweep(spec=spec, base=payload["base"])
        engine = Engine()
        engine.reach_km = sweep.reach_km()
        _WORKER[key] = (sweep, engine)
    sweep, engine = _WORKER[key]
    engine.store = _store(payload)  # per call: one process may run the sweep into two folders
    if geometry and not engine.preloaded:
        engine.preload(geometry)
    return sweep, engine


def _row(sweep: Sweep, i: int) -> dict[str, Any]:
    names = [str(c) for c in sweep.design.columns]
    return dict(zip(names, sweep.design.iloc[i], strict=True))


def warm_rows(payload: dict[str, Any], rows: Sequence[int]) -> dict[str, Any]:
    """Build the zone geometry of the scenarios ``rows`` (in a worker) and return it."""
    sweep, engine = worker_sweep(payload)
    out: dict[str, Any] = {}
    for i in rows:
        out.update(engine.warm(sweep.scenario(_row(sweep, i))))
    return out


def unbuilt(payload: dict[str, Any], shapes: Sequence[int]) -> list[int]:
    """List the design rows of ``shapes`` whose zone geometry no store of the sweep holds."""
    store = _store(payload)
    if store is None:
        return list(shapes)
    sweep, engine = worker_sweep(payload)
    out = []
    for i in shapes:
        sc = sweep.scenario(_row(sweep, i))
        if not all(store.has(k) for k in engine.zone_keys(sc)):
            out.append(i)
    return out


def run_chunk(
    payload: dict[str, Any], start: int, stop: int, geometry: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Score scenarios ``start`` to ``stop - 1`` of the design (in a worker)."""
    sweep, engine = worker_sweep(payload, geometry)
    design = sweep.design.iloc[start:stop]
    draws, seed = sweep.spec.draws, sweep.spec.seed
    rows = np.empty((len(design), len(METRIC_COLUMNS)))
    names = [str(c) for c in design.columns]
    for i, row in enumerate(design.itertuples(index=False)):
        sc = sweep.scenario(dict(zip(names, row, strict=True)))
        rows[i] = engine.totals(sc, draws=draws, seed=seed).ravel()
    out = design.reset_index()
    out.insert(0, "scenario_id", [f"s{i:06d}" for i in range(start, stop)])
    return pd.concat([out, pd.DataFrame(rows, columns=list(METRIC_COLUMNS))], axis=1)


def chunks(n: int, size: int) -> list[tuple[int, int, int]]:
    """Cut ``n`` scenarios into parts of ``size``: ``(part, start, stop)``.

    Examples
    --------
    >>> chunks(5, 2)
    [(0, 0, 2), (1, 2, 4), (2, 4, 5)]
    """
    return [(c, s, min(s + size, n)) for c, s in enumerate(range(0, n, size))]


def split(items: Sequence[int], parts: int) -> list[list[int]]:
    """Deal ``items`` into at most ``parts`` non-empty lists, round robin.

    Examples
    --------
    >>> split([1, 2, 3, 4, 5], 2)
    [[1, 3, 5], [2, 4]]
    """
    return [list(items[i::parts]) for i in range(parts) if items[i::parts]]
