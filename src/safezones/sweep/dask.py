"""The Dask executor: a ``distributed.LocalCluster``, or the cluster at a scheduler's address.

Dask is imported only when a sweep runs here. The zone geometry is built
first, split between the workers, and scattered to all of them.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd

from safezones._plural import plural
from safezones.errors import SafeZonesError
from safezones.sweep.workers import run_chunk, split, warm_rows

__all__ = ["execute_dask"]


def execute_dask(
    payload: dict[str, Any],
    todo: Sequence[tuple[int, int, int]],
    workers: int,
    scheduler: str | None,
    shapes: Sequence[int],
    say: Callable[[str], None],
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Score the chunks ``todo`` on a Dask cluster.

    Parameters
    ----------
    payload
        What a worker needs to rebuild the sweep
        (:func:`~safezones.sweep.workers.make_payload`).
    todo
        The parts to score, as ``(part, start, stop)``.
    workers
        Processes of the local cluster (when ``scheduler`` is None).
    scheduler
        The address of a running cluster's scheduler (``tcp://HOST:PORT``), or None.
    shapes
        Design rows with distinct zone geometry.
    say
        Called with a short description of each stage.

    Yields
    ------
    tuple of (int, pandas.DataFrame)
        Each part and its scores, in the order they finish.
    """
    dist: Any = importlib.import_module("distributed")  # untyped: Any, not a dozen ignores
    cluster = None
    if scheduler is None:
        cluster = dist.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        )  # fmt: skip
        client = dist.Client(cluster)
    else:
        try:
            client = dist.Client(scheduler, timeout="10s")
        except OSError as err:
            raise SafeZonesError(f"cannot reach the Dask scheduler {scheduler}: {err}") from None
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        geometry: Any = None
        if len(shapes) > 1 and n_workers > 1:
            say(f"zone geometry ({plural(len(shapes), 'shape')})")
            built: dict[str, Any] = {}
            warm = [client.submit(warm_rows, payload, rows, pure=False)
                    for rows in split(shapes, n_workers)]  # fmt: skip
            for part in client.gather(warm):
                built.update(part)
            geometry = client.scatter(built, broadcast=True)
        say("scoring")
        futures = {
            client.submit(run_chunk, payload, s, e, geometry, pure=False,
                          key=f"safezones-chunk-{c}-{payload['key'][:8]}"): c
            for c, s, e in todo
        }  # fmt: skip
        for fut in dist.as_completed(list(futures)):
            yield futures[fut], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
