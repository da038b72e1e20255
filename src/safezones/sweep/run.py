"""Run a sweep: score every scenario of its design into a resumable folder.

:func:`run_sweep` holds the folder's lock, opens (or resumes) the folder
(:mod:`safezones.sweep.store`), sends the missing parts to an executor
(:mod:`safezones.sweep.local` or :mod:`safezones.sweep.dask`), writes each
part as it finishes and merges them.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from safezones.errors import SafeZonesError
from safezones.io.atomic import check_output_dir
from safezones.io.lock import output_lock
from safezones.sweep.local import execute_local
from safezones.sweep.plan import Sweep
from safezones.sweep.store import (
    cache_store,
    geometry_store,
    merge_parts,
    open_sweep_dir,
    part_path,
    write_part,
)
from safezones.sweep.workers import chunks, make_payload

__all__ = ["EXECUTORS", "run_sweep"]

Executor = Literal["local", "dask"]
EXECUTORS: tuple[str, ...] = ("local", "dask")


def _holding_the_lock(fn: Callable[..., Path]) -> Callable[..., Path]:
    """Run ``fn(spec, out, ...)`` holding ``out``'s lock: one sweep at a time writes a folder."""

    @functools.wraps(fn)
    def locked(spec: Sweep | str | Path, out: str | Path, **kwargs: Any) -> Path:
        given = spec.source if isinstance(spec, Sweep) else spec
        check_output_dir(out, command="sweep", inputs=[given])  # refuse before making a lock
        with output_lock(Path(out)):
            try:
                return fn(spec, out, **kwargs)
            except OSError as err:
                if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                raise SafeZonesError(
                    f"cannot write the sweep folder {out}: {err.strerror}; the parts written "
                    "so far are kept: free some space and run the same command again to resume"
                ) from None

    return locked


@_holding_the_lock
def run_sweep(
    spec: Sweep | str | Path,
    out: str | Path,
    *,
    executor: Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> Path:
    """Run a sweep into the folder ``out``; returns ``out/results.parquet``.

    Parameters
    ----------
    spec
        A :class:`Sweep` or the path of a sweep spec (TOML).
    out
        The sweep's folder. Parts already written there by the same spec are
        kept (resume); a different spec, or a changed input file (the spec,
        the base scenario, a data file: ``sweep.json`` keeps their SHA-256),
        is refused, and so is a folder that holds anything but a sweep (see
        :func:`safezones.io.atomic.check_output_dir`). Built zone geometry is kept
        in ``out/geometry`` and read back on a resume, and in the user's cache
        (:func:`safezones.sweep.store.cache_dir`; ``SAFEZONES_CACHE_DIR=off``
        turns it off), read back by any later sweep of the same zones, data and
        code (with Dask, both only on a local cluster).
    executor
        ``"local"``: worker processes on this machine (``workers`` of them;
        1 runs in this process). ``"dask"``: a ``distributed.LocalCluster``
        of ``workers`` processes, or the cluster at ``scheduler``
        (``tcp://HOST:PORT``).
    workers
        Processes; default: the machine's CPU count.
    progress
        Called as ``progress(done, total)`` in scenarios, at start and after each part.
    stage
        Called with a short description of what the sweep is doing
        (building zone geometry, scoring), for a progress display.
    """
    sweep = spec if isinstance(spec, Sweep) else Sweep.from_toml(spec)
    if executor not in EXECUTORS:
        raise SafeZonesError(f"unknown executor {executor!r}; choose {' or '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise SafeZonesError("--scheduler needs --executor dask")
    n_workers = int(workers or os.cpu_count() or 1)
    if n_workers < 1:
        raise SafeZonesError(f"workers must be >= 1, got {workers}")
    out_dir = Path(out)
    manifest = open_sweep_dir(out_dir, sweep)
    parts = chunks(len(sweep), sweep.chunk)
    todo = [ch for ch in parts if not part_path(out_dir, ch[0]).exists()]
    total = len(sweep)
    done = total - sum(stop - start for _, start, stop in todo)
    if progress is not None:
        progress(done, total)
    payload = make_payload(sweep)
    if executor == "local" or scheduler is None:  # workers that share this machine's disk
        store = geometry_store(out_dir, manifest)
        payload |= {"geometry_dir": str(store.folder), "inputs": store.inputs,
                    "version": store.version}  # fmt: skip
        cache = cache_store(manifest["inputs"], store.version)
        if cache is not None:
            payload |= {"cache_dir": str(cache.folder), "cache_inputs": cache.inputs}
    rows = [i for _, start, stop in todo for i in range(start, stop)]
    shapes = sweep.geometry_rows(rows)
    for c, table in _execute(payload, todo, executor, n_workers, scheduler, shapes, stage):
        write_part(out_dir, c, table)
        done += len(table)
        if progress is not None:
            progress(done, total)
    return merge_parts(out_dir, parts)


def _execute(
    payload: dict[str, Any],
    todo: Sequence[tuple[int, int, int]],
    executor: str,
    workers: int,
    scheduler: str | None,
    shapes: Sequence[int],
    stage: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Score the chunks ``todo``; ``shapes`` are design rows with distinct zone geometry."""
    if not todo:
        return

    def say(text: str) -> None:
        if stage is not None:
            stage(text)

    if executor == "dask":
        from safezones.sweep.dask import execute_dask

        yield from execute_dask(payload, todo, workers, scheduler, shapes, say)
    else:
        yield from execute_local(payload, todo, workers, shapes, say)
