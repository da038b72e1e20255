"""safezones.sweep.local: the process pool's workers end when the sweep is killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import safezones

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    """The environment of a subprocess: this one's (with the test's geometry cache), and
    the safezones these tests import (the worktree's, or an installed one)."""
    return {**os.environ, "COLUMNS": "1000", "PYTHONPATH": str(Path(safezones.__file__).parents[1])}


CLI = [sys.executable, "-m", "safezones.cli"]


def _alive(pid: int) -> bool:
    """A process that runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(d.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_exit_when_the_sweep_is_killed(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'base = "{(ROOT / "scenarios" / "aleppo-freeze.toml").as_posix()}"\n'
        'design = "lhs"\nsize = 400\nseed = 3\nchunk = 4\ndraws = 200\n'
        '[parameters."zones.aleppo.radius_km"]\nlow = 3\nhigh = 40\nstep = 0.5\n'
        '[parameters."shelter.usable_fraction"]\nlow = 0.002\nhigh = 0.05\n'
    )
    out = tmp_path / "out"
    cmd = [*CLI, "sweep", str(spec), "--out", str(out), "--workers", "2", "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, env=_env())
    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(_children(proc.pid)) >= 2:
                time.sleep(1.0)  # both workers at work (building geometry)
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        workers = _children(proc.pid)
        assert len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)  # the sweep only, as the OOM killer or kill -9 does
        proc.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(map(_alive, workers)):
            time.sleep(0.05)
        left = sorted(p for p in workers if _alive(p))
        assert not left, f"workers {left} outlived the killed sweep"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
