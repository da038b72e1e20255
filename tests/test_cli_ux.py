"""The command line says what it is and what it does: version, help, progress in logs."""

from __future__ import annotations

import importlib.metadata
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from safezones._progress import LogProgress

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from safezones.cli import main; main()"]
ANSI = re.compile(r"\x1b[\[\]()]")
LINE = re.compile(r"^\d\d:\d\d:\d\d safezones: (.+)$")


def cli(*args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    """The CLI in a real process, stdout and stderr piped (not a terminal)."""
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("FORCE_COLOR", None)
    env.pop("FORCE_TERMINAL", None)
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )


# ---------------------------------------------------------------- --version


def test_version_prints_the_installed_version():
    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"safezones {importlib.metadata.version('safezones')}\n"


def test_package_version_is_the_installed_metadata():
    import safezones

    assert safezones.__version__ == importlib.metadata.version("safezones")


# ---------------------------------------------------------------- help


COMMANDS = ["", "run", "compare", "map", "memo", "sweep", "data", "data check", "data place"]

#: Prints the help of every command given, from one process (importing safezones is slow).
_HELP_SCRIPT = """
import sys
from safezones.cli import main
for cmd in sys.argv[1:]:
    print("=== " + cmd)
    try:
        main([*cmd.split(), "--help"])
    except SystemExit as e:
        assert e.code in (0, None), (cmd, e.code)
"""


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.run(
        [sys.executable, "-c", _HELP_SCRIPT, *COMMANDS],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    pages = proc.stdout.split("=== ")[1:]
    return {page.split("\n", 1)[0]: page.split("\n", 1)[1] for page in pages}


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_values_not_python_types(helps, command):
    page = helps[command]
    assert "Usage: safezones" in page
    assert not re.search(r"<(list\[|path>|int>|str>|bool>)", page), page


def test_help_shows_the_value_names(helps):
    memo = helps["memo"]
    assert "{SCENARIO.toml}..." in memo  # usage line
    for opt, value in [("--out", "DIR"), ("--set", "KEY=VALUE"), ("--draws", "N")]:
        assert re.search(rf"{re.escape(opt)}\s+{re.escape(value)}\s", memo), (opt, memo)
    assert re.search(r"--quiet\s+-q\s+Print nothing", memo)  # a flag has no value
    assert "{SCENARIO.toml}" in helps["run"]
    assert "{SWEEP.toml}" in helps["sweep"] and re.search(r"--workers\s+N\s", helps["sweep"])
    assert re.search(r"--out\s+FILE\s", helps["map"])
    assert re.search(r"--pcode\s+COLUMN\s", helps["data check"])
    assert "{PLACE}" in helps["data place"]
    assert re.search(r"--version\s+Print the version", helps[""])


# ---------------------------------------------------------------- progress


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path):
    proc = cli("run", "scenarios/aleppo-freeze.toml", "--out", str(tmp_path / "o"), "--draws", "20")
    assert proc.returncode == 0, proc.stderr
    assert not ANSI.search(proc.stderr), repr(proc.stderr)
    said = [LINE.match(line) for line in proc.stderr.splitlines()]
    assert all(said), proc.stderr  # every line is a plain timestamped line
    stages = [re.sub(r" [\d,]+/[\d,]+$", "", m.group(1)) for m in said if m]
    assert list(dict.fromkeys(stages)) == [
        "aleppo-freeze: zones and population",
        "aleppo-freeze: draws",
        "aleppo-freeze: writing",
    ], proc.stderr
    draws = [m.group(1) for m in said if m and "draws" in m.group(1)]
    assert draws[-1] == "aleppo-freeze: draws 20/20"
    assert len(draws) <= 11, proc.stderr  # at most one line per 10 %, plus the first


def test_quiet_silences_progress_lines(tmp_path):
    proc = cli(
        "run", "scenarios/aleppo-freeze.toml", "--out", str(tmp_path / "o"), "--draws", "1", "-q"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout == ""


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _log(clock: _Clock) -> tuple[LogProgress, io.StringIO]:
    buf = io.StringIO()
    return LogProgress(stream=buf, clock=clock, stamp=lambda: "00:00:00"), buf


def _said(buf: io.StringIO) -> list[str]:
    return [line.removeprefix("00:00:00 safezones: ") for line in buf.getvalue().splitlines()]


def test_log_lines_every_tenth_at_most_once_a_second():
    clock = _Clock()
    bar, buf = _log(clock)
    task = bar.add_task("x: draws", total=1000)
    for k in range(1, 1001):  # 1,000 ticks over 20 s: a tenth every 2 s
        clock.t = k * 0.02
        bar.update(task, completed=k)
    # a line at 10 %, 20 %, ... (100 draws take 2 s: more than 1 s, less than 5 s)
    assert _said(buf) == ["x: draws", *(f"x: draws {k:,}/1,000" for k in range(100, 1001, 100))]


def test_log_lines_fast_ticks_are_throttled_and_slow_ones_reported():
    clock = _Clock()
    bar, buf = _log(clock)
    task = bar.add_task("fast", total=100)
    for k in range(1, 100):  # 99 ticks within 0.99 s: nothing until the end
        clock.t = k * 0.01
        bar.update(task, completed=k)
    bar.update(task, completed=100)
    slow = bar.add_task("slow", total=1000)
    for k in range(1, 4):  # 1 draw every 6 s: 0.1 % each, but 5 s passed
        clock.t += 6
        bar.update(slow, completed=k)
    bar.update(slow, description="writing")
    assert _said(buf) == [
        "fast",
        "fast 100/100",
        "slow",
        "slow 1/1,000",
        "slow 2/1,000",
        "slow 3/1,000",
        "writing",
    ]
