"""Atomic writers (safezones.io.atomic): a target is replaced whole or not at all.

The folder rules (markers, refusals, a full disk) are exercised end to end in
tests/test_output_safety.py; these are the file writers the sweep uses.
"""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest

import safezones
from safezones.io import atomic


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_atomic_path_replaces_the_target_only_on_success(tmp_path):
    f = tmp_path / "a" / "b.json"  # missing folders are made
    with atomic.atomic_path(f) as tmp:
        assert tmp.parent == f.parent and tmp.name.startswith(".b.json.") and tmp.suffix == ".json"
        tmp.write_text("new")
        assert not f.exists()  # nothing at the target until the block ends
    assert f.read_text() == "new"
    assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~_umask()  # not mkstemp's 0600
    with pytest.raises(RuntimeError), atomic.atomic_path(f) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed while writing")
    assert f.read_text() == "new"  # the old file is kept
    assert sorted(p.name for p in f.parent.iterdir()) == ["b.json"]  # the temporary file is gone


def test_text_bytes_and_parquet_writers(tmp_path):
    assert atomic.atomic_write_text(tmp_path / "s.json", "{}\n").read_text() == "{}\n"
    assert atomic.atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    df = pd.DataFrame({"scenario_id": ["s000000", "s000001"], "x": [1.5, 2.5]})
    part = atomic.atomic_write_parquet(tmp_path / "parts" / "part-000000.parquet", df)
    back = pd.read_parquet(part)
    assert back.equals(df) and list(back.index) == [0, 1]
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == ["part-000000.parquet"]


def test_a_writer_that_adds_a_suffix_keeps_the_temporary_name(tmp_path):
    """numpy.savez adds .npz to a name without it: the temporary file has the target's suffix."""
    target = tmp_path / "geometry" / "abc.npz"
    with atomic.atomic_path(target) as tmp:
        np.savez(tmp, a=np.arange(3))
    with np.load(target) as f:
        assert f["a"].tolist() == [0, 1, 2]
    assert [p.name for p in target.parent.iterdir()] == ["abc.npz"]


def test_remove_partial_files_removes_only_what_a_killed_writer_left(tmp_path):
    mine = ["part-000001.parquet", ".notes.txt", ".part-000002.parquet.lock", "sweep.json"]
    for name in mine:
        (tmp_path / name).write_text("kept")
    left, killed = [], []
    for target in ("part-000003.parquet", "sweep.json", "abc.npz", "results"):
        ctx = atomic.atomic_path(tmp_path / target)
        tmp = ctx.__enter__()  # a writer killed inside the block: __exit__ never runs
        tmp.write_text("half")
        left.append(tmp.name)
        killed.append(ctx)  # kept alive: collecting it would run its clean-up
    removed = atomic.remove_partial_files(tmp_path)
    assert sorted(p.name for p in removed) == sorted(left)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(mine)
    assert atomic.remove_partial_files(tmp_path / "missing") == []


def test_the_marker_records_the_one_version(tmp_path):
    out = tmp_path / "run"
    with atomic.atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("a")
    marker = json.loads((out / atomic.MARKER).read_text())
    assert marker["version"] == safezones.__version__
    assert marker["files"] == ["a.txt"] and marker["written_by"] == "safezones"
