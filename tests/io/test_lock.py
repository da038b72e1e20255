"""Output locks (safezones.io.lock): one command at a time, re-entrant within one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from safezones.errors import SafeZonesError
from safezones.io import lock

HOLD = """
import sys, time
from safezones.io.lock import output_lock
with output_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


def test_temp_outputs_are_known_only_while_written(tmp_path):
    inner = tmp_path / "compare" / "aleppo" / "map.png"
    assert not lock.in_temp_output(inner)
    with lock.temp_output(tmp_path / "compare") as full:
        assert full.is_absolute() and lock.in_temp_output(inner)
        assert lock.in_temp_output(tmp_path / "compare")
        assert not lock.in_temp_output(tmp_path)
    assert not lock.in_temp_output(inner)


def test_the_lock_is_reentrant_and_its_file_removed(tmp_path):
    out = tmp_path / "new" / "out"
    with lock.output_lock(out):
        assert (out.parent / ".out.lock").exists()
        with lock.output_lock(out):  # a command calling a library writer that locks again
            pass
        assert (out.parent / ".out.lock").exists()
    assert not (out.parent / ".out.lock").exists()
    assert not out.parent.exists()  # nothing written: the folders made for the lock are gone


def test_a_second_process_is_refused_at_once(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = "another safezones command is writing it now"
        with pytest.raises(SafeZonesError, match=busy), lock.output_lock(out):
            pass
    finally:
        holder.kill()
        holder.wait()
    with lock.output_lock(out):  # released by the system when the holder died
        pass


def test_inside_a_temporary_output_no_lock_is_taken(tmp_path):
    with lock.temp_output(tmp_path), lock.output_lock(tmp_path / "scenario"):
        assert not (tmp_path / ".scenario.lock").exists()
