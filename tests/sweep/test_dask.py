"""safezones.sweep.dask: a real LocalCluster, and a cluster reached by its address."""

from __future__ import annotations

import pandas as pd
import pytest

from safezones.errors import SafeZonesError
from safezones.sweep import read_results, run_sweep


def test_local_processes_and_dask_give_identical_results(tmp_path, write_spec, small_lhs):
    spec = write_spec(small_lhs)
    local = read_results(run_sweep(spec, tmp_path / "local", executor="local", workers=2))
    dask = read_results(run_sweep(spec, tmp_path / "dask", executor="dask", workers=2))
    one = read_results(run_sweep(spec, tmp_path / "one", workers=1))
    assert len(local) == 24
    pd.testing.assert_frame_equal(local, dask, check_exact=True)
    pd.testing.assert_frame_equal(local, one, check_exact=True)


def test_dask_runs_on_an_existing_cluster_by_its_address(tmp_path, write_spec, small_lhs):
    import logging

    from distributed import LocalCluster

    spec = write_spec(small_lhs)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:  # fmt: skip
        remote = read_results(
            run_sweep(
                spec, tmp_path / "remote", executor="dask", scheduler=cluster.scheduler_address
            )
        )
    pd.testing.assert_frame_equal(
        remote, read_results(run_sweep(spec, tmp_path / "one", workers=1))
    )
    with pytest.raises(SafeZonesError, match="--scheduler needs --executor dask"):
        run_sweep(spec, tmp_path / "x", scheduler="tcp://127.0.0.1:1")
