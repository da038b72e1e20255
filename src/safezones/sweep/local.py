"""The local executor: worker processes on this machine, each dying with the sweep.

With several workers, the distinct zone geometry is built first, split
between them, and handed to every scoring worker, so that none builds what
another did; on Linux the workers are forked with the shared cells, classes
and distances to border stretches already computed.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd

from safezones._plural import plural
from safezones.sweep.workers import (
    die_with_parent,
    run_chunk,
    split,
    unbuilt,
    warm_rows,
    worker_start,
    worker_sweep,
)

__all__ = ["execute_local"]


def _context() -> Any:
    """Fork (Linux) starts workers with safezones already imported; spawn elsewhere."""
    use_fork = "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux"
    return multiprocessing.get_context("fork" if use_fork else "spawn")


def _build(payload: dict[str, Any], build: list[int], workers: int, ctx: Any) -> dict[str, Any]:
    """Build the zone geometry of the design rows ``build`` on ``workers`` processes."""
    geometry: dict[str, Any] = {}
    with cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:  # fmt: skip
        for part in pool.map(warm_rows, [payload] * workers, split(build, workers)):
            geometry.update(part)
    return geometry


def execute_local(
    payload: dict[str, Any],
    todo: Sequence[tuple[int, int, int]],
    workers: int,
    shapes: Sequence[int],
    say: Callable[[str], None],
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Score the chunks ``todo`` on ``workers`` processes (1: in this process).

    Parameters
    ----------
    payload
        What a worker needs to rebuild the sweep
        (:func:`~safezones.sweep.workers.make_payload`).
    todo
        The parts to score, as ``(part, start, stop)``.
    workers
        Processes.
    shapes
        Design rows with distinct zone geometry.
    say
        Called with a short description of each stage.

    Yields
    ------
    tuple of (int, pandas.DataFrame)
        Each part and its scores, in the order they finish.
    """
    if workers == 1:
        for c, start, stop in todo:
            yield c, run_chunk(payload, start, stop)
        return
    ctx = _context()
    if ctx.get_start_method() == "fork":  # the workers inherit the cells, classes, distances
        sweep, engine = worker_sweep(payload)
        engine.warm_base(sweep.scenario({}))
    geometry: dict[str, Any] = {}
    build = unbuilt(payload, shapes)
    kept = len(shapes) - len(build)
    if len(build) > 1 or kept:
        say(f"zone geometry ({plural(len(build), 'shape')} to build"
            + (f", {kept} kept from an earlier run)" if kept else ")"))  # fmt: skip
    if len(build) > 1:
        geometry = _build(payload, build, workers, ctx)
    say("scoring")
    with cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=worker_start,
        initargs=(os.getpid(), payload, geometry),
    ) as pool:  # fmt: skip
        futures = {pool.submit(run_chunk, payload, s, e): c for c, s, e in todo}
        try:
            for fut in cf.as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()
