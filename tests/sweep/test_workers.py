"""safezones.sweep.workers: a worker whose sweep is gone exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import safezones


def _env() -> dict[str, str]:
    """The environment of a subprocess: this one's (with the test's geometry cache), and
    the safezones these tests import (the worktree's, or an installed one)."""
    return {**os.environ, "COLUMNS": "1000", "PYTHONPATH": str(Path(safezones.__file__).parents[1])}


def test_a_worker_exits_when_its_parent_is_already_gone():
    # the parent-death signal is armed after fork: a parent that died before must be seen
    code = (
        "import os\n"
        "from safezones.sweep.workers import die_with_parent\n"
        "die_with_parent(os.getppid() + 1)\n"
        "print('still running')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "")
