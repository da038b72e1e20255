"""Outputs never destroy anything safezones did not write (issue 16, section 1).

The command line is run as a user runs it (real folders; in-process through the
console script's entry point, real subprocesses where a test needs two processes or
kills one); the
library writers (``ScenarioResult.to_file``, ``write_comparison``,
``write_memo``, ``run_sweep``) are held to the same rule. Tests that need a
read-only or a full file system mount a small tmpfs, which needs root; as a
plain user the read-only case uses ``chmod 0o555`` instead (root ignores
permissions, so that cannot test it as root).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import safezones as sz
from conftest import run_cli
from safezones.errors import SafeZonesError
from safezones.io import atomic

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from safezones.cli import main; main()"]
ADVICE = "give --out a new or empty folder, or remove it yourself"
RUN_FILES = ["columns.csv", "flows.csv", "map.png", "per_origin.csv", "per_zone.csv", "result",
             "summary.json", "totals.csv", "zones.gpkg"]  # fmt: skip
#: result/: the lossless copy that ScenarioResult.from_file and memo --from read
RESULT_FILES = [f"result/{f}" for f in (
    "detail.npz", "events.parquet", "flows.parquet", "inputs.parquet", "manifest.json", "per_origin.parquet",
    "per_zone.parquet", "samples.parquet", "totals.parquet", "zones.parquet")]  # fmt: skip


def written(*, map_png: bool = True) -> list[str]:
    """The files a run's marker lists: every file it wrote, result/ included."""
    top = [f for f in RUN_FILES if f != "result" and (map_png or f != "map.png")]
    return sorted(top + RESULT_FILES)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``safezones ARGS`` in ``cwd``, in-process (:func:`conftest.run_cli`).

    The refusals need no new interpreter; tests that need real processes (two racing
    commands, a killed run) start them with ``CLI``.
    """
    return run_cli(*args, cwd=cwd, columns=400)


def refusal(proc: subprocess.CompletedProcess[str]) -> str:
    """The one-line error of a refused command (exit 2, no traceback)."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return " ".join(proc.stderr.split())


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    """A user's folder holding a copy of a small shipped scenario."""
    shutil.copy(ROOT / "scenarios" / "aleppo-freeze.toml", tmp_path / "aleppo-freeze.toml")
    return tmp_path


@pytest.fixture(scope="module")
def result() -> sz.ScenarioResult:
    return sz.run(sz.Scenario.from_toml(ROOT / "scenarios" / "aleppo-freeze.toml"), draws=20)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (by relative path) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# ---------------------------------------------------------------- refusals


def test_a_folder_holding_a_user_file_is_refused_and_the_file_kept(work):
    (work / "mywork").mkdir()
    (work / "mywork" / "notes.txt").write_text("my notes")
    proc = cli("run", "aleppo-freeze.toml", "--out", "mywork", "--draws", "20", cwd=work)
    assert refusal(proc) == (
        "error: cannot write the output folder mywork: it holds files that safezones did not "
        f"write (notes.txt); {ADVICE}"
    )
    assert (work / "mywork" / "notes.txt").read_text() == "my notes"
    assert listing(work / "mywork") == ["notes.txt"]
    assert listing(work) == ["aleppo-freeze.toml", "mywork"]  # no lock or temporary left


def test_many_user_files_are_named_a_few_at_a_time(work):
    (work / "mywork").mkdir()
    for i in range(8):
        (work / "mywork" / f"n{i}.txt").write_text("x")
    proc = cli("compare", "aleppo-freeze.toml", "--out", "mywork", "--draws", "20", cwd=work)
    assert refusal(proc) == (
        "error: cannot write the output folder mywork: it holds files that safezones did not "
        f"write (n0.txt, n1.txt, n2.txt, n3.txt, n4.txt and 3 more); {ADVICE}"
    )
    assert len(listing(work / "mywork")) == 8


@pytest.mark.parametrize("where", ["$PWD", ".", "..", "scenario folder"])
def test_the_current_folder_those_above_it_and_an_inputs_folder_are_refused(tmp_path, where):
    scenario = "aleppo-freeze.toml"
    if where == "scenario folder":
        (tmp_path / "scen").mkdir()
        shutil.copy(ROOT / "scenarios" / scenario, tmp_path / "scen" / scenario)
        scenario, out = f"scen/{scenario}", "scen"
        expected = "scen: it holds the input scen/aleppo-freeze.toml"
    else:
        shutil.copy(ROOT / "scenarios" / scenario, tmp_path / scenario)
        out = {"$PWD": str(tmp_path), ".": ".", "..": ".."}[where]
        expected = {
            "$PWD": f"{tmp_path}: it is the current folder",
            ".": f". ({tmp_path}): it is the current folder",
            "..": f".. ({tmp_path.parent}): it holds the current folder",
        }[where]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    proc = cli("run", scenario, "--out", out, "--draws", "20", cwd=tmp_path)
    assert refusal(proc) == (
        f"error: cannot write the output folder {expected}; give --out a new or empty folder"
    )
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / scenario).read_bytes() == (
        ROOT / "scenarios/aleppo-freeze.toml"
    ).read_bytes()


def test_an_existing_file_is_refused_and_kept(work):
    (work / "notes.txt").write_text("my notes")
    proc = cli("memo", "aleppo-freeze.toml", "--out", "notes.txt", "--draws", "20", cwd=work)
    assert refusal(proc) == (
        f"error: cannot write the output folder notes.txt: it is a file, not a folder; {ADVICE}"
    )
    assert (work / "notes.txt").read_text() == "my notes"


@pytest.mark.parametrize("name", ["somefolder/", "old.png"])
def test_a_folder_given_as_a_figure_path_is_refused(work, name):
    folder = work / name.rstrip("/")
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    proc = cli("map", "aleppo-freeze.toml", "--out", name, "--draws", "20", cwd=work)
    shown = name.rstrip("/")
    assert refusal(proc) == (
        f"error: cannot write the figure {shown}: it is a folder; give a file name such as "
        f"{shown}/map.png"
    )
    assert listing(folder) == ["keep.txt"]


def test_a_parent_that_is_a_file_is_refused_before_computing(work):
    (work / "notes.txt").write_text("my notes")
    proc = cli("run", "aleppo-freeze.toml", "--out", "notes.txt/out", "--draws", "20", cwd=work)
    assert refusal(proc) == (
        f"error: cannot write the output folder notes.txt/out: {work}/notes.txt is a file, "
        "not a folder; give --out a path in a folder"
    )
    assert (work / "notes.txt").read_text() == "my notes"


@contextlib.contextmanager
def tmpfs(where: Path, options: str):
    """A small tmpfs mounted at ``where`` (root only), unmounted afterwards."""
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def test_a_read_only_parent_is_refused_before_computing(work):
    ro = work / "ro"
    if os.geteuid() != 0:
        ro.mkdir()
        ro.chmod(0o555)
        ctx: contextlib.AbstractContextManager[Path] = contextlib.nullcontext(ro)
    else:  # root writes through any permission: a read-only file system refuses it
        ctx = tmpfs(ro, "ro,size=1m")
    with ctx:
        proc = cli("run", "aleppo-freeze.toml", "--out", "ro/out", "--draws", "20", cwd=work)
        assert refusal(proc) == (
            f"error: cannot write the output folder ro/out: the folder {ro} is not writable "
            "(read-only, or no permission); give --out a folder you can write to"
        )
    ro.chmod(0o755)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_disk_without_room_is_refused_before_computing(work):
    with tmpfs(work / "small", "size=8m") as small:
        proc = cli("run", "aleppo-freeze.toml", "--out", "small/out", "--draws", "20", cwd=work)
        text = refusal(proc)
        free = shutil.disk_usage(small).free / 2**20
        assert text == (
            f"error: cannot write the output folder small/out: the disk of {small} has "
            f"{free:.1f} MB free, and safezones needs at least 50 MB; free some space or give "
            "--out a folder on another disk"
        )
        assert listing(small) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_disk_that_fills_while_writing_is_a_clear_error_and_keeps_the_old_output(
    result, tmp_path, monkeypatch
):
    monkeypatch.setattr(atomic, "MIN_FREE_BYTES", 0)  # let the write start on a nearly full disk
    with tmpfs(tmp_path / "full", "size=800k") as full:
        out = full / "out"
        # the tables fit (~550 KB), a second copy with the map (~1 MB) beside them does not;
        # a GeoPackage that fills the disk fails in SQLite ("database or disk is full")
        result.to_file(out, map_png=False)
        before = tree(out)
        with pytest.raises(SafeZonesError) as err:
            result.to_file(out)
        assert str(err.value) == (
            f"cannot write the output folder {out}: No space left on device; nothing was "
            "written (an earlier output there is kept); free some space or give --out "
            "another folder"
        )
        assert listing(full) == ["out"]  # no temporary folder, no lock
        assert tree(out) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small file system needs root")
def test_a_sweep_that_fills_the_disk_says_so_and_resumes_when_there_is_room(tmp_path, monkeypatch):
    from safezones.sweep import read_results, run_sweep

    monkeypatch.setattr(atomic, "MIN_FREE_BYTES", 0)
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{ROOT / "scenarios" / "aleppo-freeze.toml"}"\ndesign = "grid"\n'
                    '[parameters."zones.aleppo.radius_km"]\nvalues = [5, 10]\n')  # fmt: skip
    with tmpfs(tmp_path / "disk", "size=64k") as disk:
        (disk / "filler").write_bytes(b"x" * (52 * 1024))  # 12 KB left: not enough for a part
        with pytest.raises(SafeZonesError) as err:
            run_sweep(spec, disk / "sw", workers=1)
        text = str(err.value)
        assert text.startswith(f"cannot write the sweep folder {disk / 'sw'}: ")
        assert "No space left on device" in text
        assert text.endswith("free some space and run the same command again to resume")
        (disk / "filler").unlink()
        res = read_results(run_sweep(spec, disk / "sw", workers=1))
        assert res["zones.aleppo.radius_km"].tolist() == [5, 10]
        assert sorted(p.name for p in (disk / "sw" / "parts").iterdir()) == ["part-000000.parquet"]


# ---------------------------------------------------------------- replacing


def test_a_run_into_its_own_earlier_output_replaces_the_files_it_wrote(result, work):
    out = work / "out"
    result.to_file(out, map_png=False)
    marker = json.loads((out / atomic.MARKER).read_text())
    assert marker["written_by"] == "safezones" and marker["command"] == "run"
    assert marker["files"] == written(map_png=False)
    assert marker["version"] == sz.__version__
    (out / "per_zone.csv").write_text("stale\n")  # a file safezones wrote, since edited
    proc = cli("run", "aleppo-freeze.toml", "--out", "out", "--draws", "20", "-q", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert listing(out) == sorted([atomic.MARKER, *RUN_FILES])
    assert (out / "per_zone.csv").read_text().startswith("zone_id,")
    marker = json.loads((out / atomic.MARKER).read_text())
    assert marker["files"] == written()
    assert marker["command_line"] == "safezones run aleppo-freeze.toml --out out --draws 20 -q"
    assert listing(work) == ["aleppo-freeze.toml", "out"]
    result.to_file(out, map_png=False)  # the map it wrote goes; nothing else is left
    assert listing(out) == sorted([atomic.MARKER, *(f for f in RUN_FILES if f != "map.png")])


def test_an_empty_folder_made_for_the_output_is_used_and_nothing_is_left_beside(result, tmp_path):
    (tmp_path / "out").mkdir()
    result.to_file(tmp_path / "out", map_png=False)
    assert listing(tmp_path) == ["out"]
    assert atomic.read_marker(tmp_path / "out")["files"] == written(map_png=False)


def test_a_user_file_added_to_an_old_output_is_never_deleted(result, tmp_path):
    out = tmp_path / "out"
    result.to_file(out, map_png=False)
    (out / "my-notes.txt").write_text("mine")
    before = tree(out)
    with pytest.raises(SafeZonesError) as err:
        result.to_file(out, map_png=False)
    assert str(err.value) == (
        f"cannot write the output folder {out}: it holds files that safezones did not write "
        f"(my-notes.txt), added after safezones wrote it; {ADVICE}"
    )
    assert tree(out) == before
    assert listing(tmp_path) == ["out"]


def test_a_comparison_replaces_itself_but_not_a_file_added_to_a_scenario_folder(result, tmp_path):
    from safezones.scenario import write_comparison

    out = tmp_path / "cmp"
    write_comparison([result], out, maps=False)
    write_comparison([result], out, maps=False)  # its own output: replaced
    inner = out / "aleppo-freeze"
    assert atomic.read_marker(out)["command"] == "compare"
    assert atomic.read_marker(inner)["command"] == "run"
    assert "aleppo-freeze/per_zone.csv" in atomic.read_marker(out)["files"]
    (inner / "extra.csv").write_text("mine")
    with pytest.raises(SafeZonesError, match=r"\(aleppo-freeze/extra\.csv\), added after"):
        write_comparison([result], out, maps=False)
    assert (inner / "extra.csv").read_text() == "mine"
    # and running one scenario into the inner folder is refused for the same reason
    with pytest.raises(SafeZonesError, match=r"\(extra\.csv\), added after"):
        result.to_file(inner)


@pytest.mark.parametrize("writer", ["to_file", "write_comparison", "write_memo", "run_sweep"])
def test_every_library_writer_refuses_a_foreign_folder(result, tmp_path, writer):
    from safezones.report import write_memo
    from safezones.scenario import write_comparison
    from safezones.sweep import run_sweep

    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{ROOT / "scenarios" / "aleppo-freeze.toml"}"\ndesign = "grid"\n'
                    '[parameters."zones.aleppo.radius_km"]\nvalues = [5, 10]\n')  # fmt: skip
    call = {
        "to_file": lambda: result.to_file(out),
        "write_comparison": lambda: write_comparison([result], out),
        "write_memo": lambda: write_memo([result], out),
        "run_sweep": lambda: run_sweep(spec, out, workers=1),
    }[writer]
    with pytest.raises(SafeZonesError) as err:
        call()
    sweep = "it holds no sweep, and " if writer == "run_sweep" else "it holds "
    assert str(err.value) == (
        f"cannot write the output folder {out}: {sweep}files that safezones did not write "
        f"(notes.txt); {ADVICE}"
    )
    assert listing(out) == ["notes.txt"] and listing(tmp_path) == ["mine", "spec.toml"]


def test_a_sweep_resumes_in_its_own_folder_and_no_other_command_replaces_it(result, tmp_path):
    from safezones.sweep import read_results, run_sweep

    spec = tmp_path / "spec.toml"
    spec.write_text(f'base = "{ROOT / "scenarios" / "aleppo-freeze.toml"}"\ndesign = "grid"\n'
                    '[parameters."zones.aleppo.radius_km"]\nvalues = [5, 10]\n')  # fmt: skip
    out = tmp_path / "sw"
    run_sweep(spec, out, workers=1)
    assert atomic.read_marker(out)["command"] == "sweep"
    (out / "results.parquet").unlink()  # resume: the parts are there, only the merge runs
    assert read_results(run_sweep(spec, out, workers=1))["scenario_id"].tolist() == [
        "s000000", "s000001"
    ]  # fmt: skip
    with pytest.raises(SafeZonesError) as err:
        result.to_file(out)
    assert str(err.value) == (
        f"cannot write the output folder {out}: it holds a sweep, which is resumed, never "
        f"replaced; {ADVICE}"
    )
    run_out = tmp_path / "run"
    result.to_file(run_out, map_png=False)
    with pytest.raises(SafeZonesError, match="it holds the output of safezones run, not a sweep"):
        run_sweep(spec, run_out, workers=1)
    with pytest.raises(SafeZonesError, match="it holds the input"):
        run_sweep(spec, tmp_path, workers=1)


# ---------------------------------------------------------------- killed and concurrent runs

KILLED = """
import os, signal, sys
from safezones.io.atomic import atomic_dir
with atomic_dir(sys.argv[1]) as tmp:
    (tmp / "half.csv").write_text("x")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_runs_temporary_folder_is_removed_by_the_next_run_and_user_files_are_not(
    result, tmp_path
):
    done = subprocess.run([sys.executable, "-c", KILLED, "out"], cwd=tmp_path)
    assert done.returncode == -9
    stale = [p.name for p in tmp_path.iterdir() if p.is_dir()]
    assert len(stale) == 1 and re.fullmatch(r"\.out\.[a-z0-9_]{8}", stale[0])
    for name in (".out.notes", ".out.abcdefgh"):  # a user's, though named like ours
        (tmp_path / name).mkdir()
        (tmp_path / name / "mine.txt").write_text("mine")
    result.to_file(tmp_path / "out", map_png=False)
    assert listing(tmp_path) == [".out.abcdefgh", ".out.notes", "out"]
    assert (tmp_path / ".out.abcdefgh" / "mine.txt").read_text() == "mine"


WRITER = """
import pickle, sys, time
from pathlib import Path
from safezones.errors import SafeZonesError
result = pickle.loads(Path(sys.argv[1]).read_bytes())
out, go = Path(sys.argv[2]), Path(sys.argv[3])
Path(sys.argv[4]).touch()
while not go.exists():
    time.sleep(0.005)
for _ in range(int(sys.argv[5])):
    try:
        result.to_file(out, map_png=False)
        print("ok", flush=True)
    except SafeZonesError as err:
        print("refused", err, flush=True)
"""


def test_writers_racing_into_one_folder_each_win_or_get_a_clear_error(result, tmp_path):
    """Three processes write the same folder 8 times each, at the same moments."""
    blob = tmp_path / "result.pickle"
    blob.write_bytes(pickle.dumps(result))
    out, go = tmp_path / "race" / "out", tmp_path / "go"

    def writer(i: int) -> subprocess.Popen[str]:
        args = [str(blob), str(out), str(go), str(tmp_path / f"ready{i}"), "8"]
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        return subprocess.Popen([sys.executable, "-c", WRITER, *args], text=True, **pipes)

    procs = [writer(i) for i in range(3)]
    deadline = time.monotonic() + 300
    while not all((tmp_path / f"ready{i}").exists() for i in range(3)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    go.touch()
    lines = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0 and "Traceback" not in stderr, stderr
        lines += stdout.splitlines()
    assert len(lines) == 24
    busy = (
        f"refused cannot write the output folder {out}: another safezones command is writing "
        f"it now (lock file {out.parent}/.out.lock); wait for it to finish, or give --out "
        "another folder"
    )
    assert set(lines) <= {"ok", busy} and "ok" in lines
    assert busy in lines  # they did overlap, and the lock turned the loser away
    assert listing(out.parent) == ["out"]  # no temporary folders, no lock
    assert listing(out) == sorted([atomic.MARKER, *(f for f in RUN_FILES if f != "map.png")])
    assert atomic.read_marker(out)["files"] == written(map_png=False)


def test_two_commands_into_one_out_one_wins_the_other_is_refused(work):
    args = ["run", "aleppo-freeze.toml", "--out", "same", "--draws", "20", "-q"]
    env = {**os.environ, "COLUMNS": "400"}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    procs = [subprocess.Popen([*CLI, *args], cwd=work, text=True, env=env, **pipes) for _ in "ab"]
    codes, errors = [], []
    for p in procs:
        _, stderr = p.communicate(timeout=600)
        assert "Traceback" not in stderr, stderr
        codes.append(p.returncode)
        errors.append(" ".join(stderr.split()))
    assert sorted(codes) in ([0, 0], [0, 2])
    for code, text in zip(codes, errors, strict=True):
        if code == 2:
            assert text == (
                "error: cannot write the output folder same: another safezones command is "
                f"writing it now (lock file {work}/.same.lock); wait for it to finish, or give "
                "--out another folder"
            )
    assert listing(work / "same") == sorted([atomic.MARKER, *RUN_FILES])
    assert listing(work) == ["aleppo-freeze.toml", "same"]
