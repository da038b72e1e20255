"""summary.json says what made it: the version, the time, the command, the input hashes.

The sweep safety tests once beside this one live with their modules: changed
inputs and the geometry checkpoint in tests/sweep/test_store.py, workers
that die with a killed sweep in tests/sweep/test_local.py and test_workers.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import safezones
from conftest import user_data_scenario
from safezones.scenario import Scenario, run

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
#: Subprocesses import the safezones these tests import (the worktree's, or an installed one).
ENV = {**os.environ, "COLUMNS": "1000", "PYTHONPATH": str(Path(safezones.__file__).parents[1])}
CLI = [sys.executable, "-m", "safezones.cli"]


# ---------------------------------------------------------------- summary.json


def test_summary_json_records_version_time_command_and_input_hashes(tmp_path):
    base, events, _ = user_data_scenario(tmp_path)
    out = tmp_path / "a"
    args = ["run", str(base), "--out", str(out), "--draws", "20"]
    t0 = datetime.now(UTC).replace(microsecond=0)
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["safezones_version"] == version("safezones")
    written = datetime.fromisoformat(s["written_at"])
    assert written.utcoffset() == timedelta(0)
    assert t0 <= written <= datetime.now(UTC)
    assert s["command"] == shlex.join(["safezones", *args])
    assert s["inputs"] == {
        "scenario": {"path": str(base), "sha256": hashlib.sha256(base.read_bytes()).hexdigest()},
        "events.source": {"path": str(events),
                          "sha256": hashlib.sha256(events.read_bytes()).hexdigest()},
    }  # fmt: skip
    # the rest of the document is as before
    assert list(s)[:8] == ["scenario", "title", "metrics", "population", "draws", "seed",
                           "parameters", "sources"]  # fmt: skip

    # one byte of the events file changed: a new summary.json carries the new file's hash
    before = s["inputs"]["events.source"]["sha256"]
    data = events.read_bytes()
    events.write_bytes(
        data[:-3] + bytes([data[-3] ^ 1]) + data[-2:]
    )  # a digit of the last timestamp
    r = run(Scenario.from_toml(base), draws=20)
    r.to_file(tmp_path / "b", map_png=False)
    s2 = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert (
        s2["inputs"]["events.source"]["sha256"] == hashlib.sha256(events.read_bytes()).hexdigest()
    )
    assert s2["inputs"]["events.source"]["sha256"] != before
    assert s2["command"] is None  # from the library
