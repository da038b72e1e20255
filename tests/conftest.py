"""Shared fixtures. Raw source files in ../shared/data are read only by tests that
check the bundled data against its sources (independent of the package).

:func:`run_cli` (fixture ``in_process_cli``) runs the command line in-process: the same entry point
as the console script, without a new interpreter importing the package each time.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
#: The project's shared folder (raw data, seed article): $SAFEZONES_SHARED or ../shared.
SHARED = Path(os.environ.get("SAFEZONES_SHARED", ROOT.parent / "shared"))


_SAVED_CACHE_DIR: list[str | None] = []


def pytest_configure(config: pytest.Config) -> None:
    """Point ``SAFEZONES_CACHE_DIR`` at a temporary folder of this run (each xdist worker its own).

    The sweep's on-disk geometry cache (:func:`safezones.sweep.store.cache_dir`) then never
    writes to the user's ``~/.cache``: not from the tests, not from the doctests in
    ``src/safezones`` (which a fixture here would not reach), not from the subprocesses
    they start. Tests that need an empty or no cache still set their own with ``monkeypatch``.
    """
    _SAVED_CACHE_DIR.append(os.environ.get("SAFEZONES_CACHE_DIR"))
    os.environ["SAFEZONES_CACHE_DIR"] = tempfile.mkdtemp(prefix="safezones-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove this run's geometry cache and put ``SAFEZONES_CACHE_DIR`` back as it was."""
    if not _SAVED_CACHE_DIR:
        return
    shutil.rmtree(os.environ.get("SAFEZONES_CACHE_DIR", ""), ignore_errors=True)
    saved = _SAVED_CACHE_DIR.pop()
    if saved is None:
        os.environ.pop("SAFEZONES_CACHE_DIR", None)
    else:
        os.environ["SAFEZONES_CACHE_DIR"] = saved


def _missing(what: str) -> None:
    msg = f"{what} is not at {SHARED} (set SAFEZONES_SHARED to the shared folder)"
    if os.environ.get("CI"):
        pytest.fail(msg)  # CI always has shared/ beside the clone: never skip there
    pytest.skip(msg)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        _missing("the raw source data")
    return path


@pytest.fixture(scope="session")
def seed_article() -> str:
    files = sorted((SHARED / "seeds").glob("*.txt"))
    if not files:
        _missing("the seed article")
    return files[0].read_text(encoding="utf-8")


def run_cli(
    *args: object, cwd: Path | str | None = None, columns: int = 200
) -> subprocess.CompletedProcess[str]:
    """Run ``safezones ARGS`` in this process, as the console script does.

    Returns what :func:`subprocess.run` with ``capture_output=True, text=True`` would:
    the exit status and the text written to stdout and stderr (neither a terminal, so
    progress comes as timestamped lines). ``COLUMNS`` is set for the call so that rich
    wraps as it would in a process started with that environment; ``cwd`` is entered
    for the call, and the command line the CLI records for this process is put back as
    it was (so library calls after it record none, as in a test's own process). An
    exception the CLI does not turn into an exit status propagates (a subprocess would
    print its traceback instead), so such a test fails either way.
    """
    from rich.console import Console

    from safezones import cli
    from safezones.io import inputs

    argv = [str(a) for a in args]
    recorded = inputs.command_line()  # main() records its command line for this process
    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stdout(out))
            stack.enter_context(contextlib.redirect_stderr(err))
            if cwd is not None:
                stack.enter_context(contextlib.chdir(cwd))
            # the CLI's consoles read COLUMNS when made (at import): new ones read this one
            stack.enter_context(mock.patch.object(cli, "_out", Console()))
            stack.enter_context(mock.patch.object(cli, "_err", Console(stderr=True)))
            try:
                cli.main(argv)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        inputs.set_command(None)  # library calls after this one record no command, as before
        if recorded is not None:
            inputs.set_command(shlex.split(recorded)[1:])
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved
    return subprocess.CompletedProcess(["safezones", *argv], code, out.getvalue(), err.getvalue())


@pytest.fixture
def in_process_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Return :func:`run_cli`: the command line, in-process."""
    return run_cli


# ---------------------------------------------------------------- a scenario with a zone file

CAMPS = ROOT / "notebooks" / "data" / "atmeh-camps.geojson"
_CAMPS_TOML = """
id = "camps"
title = "Camps near Atmeh"
source = { citation = "test" }
[[zones]]
id = "camps"
kind = "safe"
path = "camps.geojson"
[uncertainty]
draws = 20
"""


def camps_dir(where: Path) -> Path:
    """Write the camps scenario and its zone file into a new folder ``where``."""
    where.mkdir(parents=True)
    (where / "camps.toml").write_text(_CAMPS_TOML, encoding="utf-8")
    shutil.copy(CAMPS, where / "camps.geojson")
    return where / "camps.toml"


@pytest.fixture(scope="module")
def camps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Path]:
    """A scenario with a zone file, scored (20 draws) and written as a compare output."""
    from safezones.scenario import Scenario, run, write_comparison

    base = tmp_path_factory.mktemp("camps")
    toml = camps_dir(base / "in")
    result = run(Scenario.from_toml(toml))
    write_comparison([result], base / "compare", maps=False)
    return toml, result, base / "compare"


def user_data_scenario(tmp_path: Path, *, population: bool = False) -> tuple[Path, Path, Path]:
    """A base scenario reading a user ACLED file (and a user population table)."""
    events = tmp_path / "events.csv"
    shutil.copy(ROOT / "tests" / "data" / "acled_syria_export.csv", events)
    pop = tmp_path / "population.csv"
    shutil.copy(ROOT / "tests" / "data" / "syr_pop_adm1_hxl.csv", pop)
    pop_toml = '[population]\nsource = "population.csv"\npcode = "#adm1+code"\n'
    base = tmp_path / "base.toml"
    base.write_text(
        "# a freeze around Aleppo, counted from a user ACLED file\n"
        'title = "Aleppo freeze on user data"\n'
        '[source]\ncitation = "test"\n'
        '[[zones]]\nid = "aleppo"\nkind = "freeze"\nplace = "Aleppo"\nradius_km = 15\n'
        '[events]\nsource = "events.csv"\nformat = "acled"\nstart = 2017\nend = 2018\n'
        + (pop_toml if population else ""),
        encoding="utf-8",
    )
    return base, events, pop
