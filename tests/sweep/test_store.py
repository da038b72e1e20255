"""safezones.sweep.store: the folder refuses another sweep or changed inputs; geometry is kept."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import safezones
from conftest import user_data_scenario
from safezones.errors import SafeZonesError
from safezones.sweep import Sweep, read_results, run_sweep
from safezones.sweep import workers as sweep_workers
from safezones.sweep.store import cache_store

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def _env() -> dict[str, str]:
    """The environment of a subprocess: this one's (with the test's geometry cache), and
    the safezones these tests import (the worktree's, or an installed one)."""
    return {**os.environ, "COLUMNS": "1000", "PYTHONPATH": str(Path(safezones.__file__).parents[1])}


CLI = [sys.executable, "-m", "safezones.cli"]


def test_a_changed_spec_is_refused_in_the_same_folder(tmp_path, write_spec):
    body = 'design = "grid"\n[parameters."zones.aleppo.radius_km"]\nvalues = [5, 10]\n'
    spec = write_spec(body)
    run_sweep(spec, tmp_path / "out", workers=1)
    spec.write_text(spec.read_text().replace("[5, 10]", "[5, 12]"))
    with pytest.raises(SafeZonesError) as err:
        run_sweep(spec, tmp_path / "out", workers=1)
    text = str(err.value)
    assert "holds a different sweep" in text and "use another --out folder" in text
    assert "[5, 10] -> [5, 12]" in text
    # the same spec again finds every part done and rewrites nothing
    spec.write_text(spec.read_text().replace("[5, 12]", "[5, 10]"))
    before = (tmp_path / "out" / "parts" / "part-000000.parquet").stat().st_mtime_ns
    run_sweep(spec, tmp_path / "out", workers=1)
    assert (tmp_path / "out" / "parts" / "part-000000.parquet").stat().st_mtime_ns == before


def _flat(text: str) -> str:
    return " ".join(text.split())


def _spec(tmp_path: Path, base: Path, body: str) -> Path:
    f = tmp_path / "spec.toml"
    f.write_text(f'base = "{base.as_posix()}"\n' + body, encoding="utf-8")
    return f


class _Stop(Exception):
    pass


def _run_parts(spec: Path, out: Path, parts: int) -> None:
    """Run a sweep in this process and stop it after ``parts`` parts were written."""

    def progress(done: int, total: int) -> None:
        if len(list((out / "parts").glob("part-*.parquet"))) >= parts and done < total:
            raise _Stop

    with pytest.raises(_Stop):
        run_sweep(spec, out, workers=1, progress=progress)


def _flip_byte(path: Path, at: int) -> bytes:
    """Change the byte at ``at`` (a digit, to another digit) and return the old content."""
    old = path.read_bytes()
    assert old[at : at + 1].isdigit()
    new = old[:at] + (b"7" if old[at : at + 1] != b"7" else b"3") + old[at + 1 :]
    path.write_bytes(new)
    return old


GRID = (
    'design = "grid"\nchunk = 1\n[parameters."zones.aleppo.radius_km"]\nvalues = [5, 10, 15, 20]\n'
)


def test_a_resume_after_a_changed_input_file_is_refused_naming_the_file(tmp_path):
    base, events, pop = user_data_scenario(tmp_path, population=True)
    spec = _spec(tmp_path, base, GRID)
    out = tmp_path / "out"
    _run_parts(spec, out, 2)
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["inputs"] == {
        "spec": {"path": str(spec), "sha256": hashlib.sha256(spec.read_bytes()).hexdigest()},
        "base": {"path": str(base), "sha256": hashlib.sha256(base.read_bytes()).hexdigest()},
        "population.source": {"path": str(pop),
                              "sha256": hashlib.sha256(pop.read_bytes()).hexdigest()},
        "events.source": {"path": str(events),
                          "sha256": hashlib.sha256(events.read_bytes()).hexdigest()},
    }  # fmt: skip
    parts = sorted(p.name for p in (out / "parts").glob("part-*.parquet"))
    assert parts == ["part-000000.parquet", "part-000001.parquet"]

    def refused(key: str, path: Path) -> str:
        return (
            f"{out} holds a sweep computed from other input files, so it cannot be resumed: "
            f"{key} ({path}) has changed since it started (2 parts were computed from the old "
            "files); restore the file, or use another --out folder (or delete this one) to "
            "start again"
        )

    # one digit of the fatalities of the first ACLED row (the line ends "...,<deaths>,,<ts>")
    line_end = events.read_bytes().index(b"\n", events.read_bytes().index(b"\n") + 1)
    at = events.read_bytes().rindex(b",,", 0, line_end) - 1
    old = _flip_byte(events, at)
    with pytest.raises(SafeZonesError) as err:
        run_sweep(spec, out, workers=1)
    assert str(err.value) == f"{spec}: {refused('events.source', events)}"
    # the CLI says the same, exits 2, no traceback
    cli = subprocess.run([*CLI, "sweep", str(spec), "--out", str(out), "--workers", "1", "-q"],
                         capture_output=True, text=True, env=_env())  # fmt: skip
    assert cli.returncode == 2 and "Traceback" not in cli.stderr
    assert _flat(refused("events.source", events)) in _flat(cli.stderr)
    events.write_bytes(old)

    # the population table, and the base scenario (a comment only) are inputs too
    old = pop.read_bytes()
    pop.write_bytes(old.replace(b"\n", b"\r\n", 1))
    with pytest.raises(SafeZonesError) as err:
        run_sweep(spec, out, workers=1)
    assert str(err.value) == f"{spec}: {refused('population.source', pop)}"
    pop.write_bytes(old)
    old = base.read_bytes()
    base.write_bytes(old.replace(b"user ACLED", b"user's ACLED"))
    with pytest.raises(SafeZonesError) as err:
        run_sweep(spec, out, workers=1)
    assert str(err.value) == f"{spec}: {refused('base', base)}"
    base.write_bytes(old)
    assert sorted(p.name for p in (out / "parts").glob("part-*.parquet")) == parts

    # unchanged files: the sweep resumes, keeps its parts, equals an uninterrupted one
    kept = {p: (out / "parts" / p).stat().st_mtime_ns for p in parts}
    res = read_results(run_sweep(spec, out, workers=1))
    assert {p: (out / "parts" / p).stat().st_mtime_ns for p in parts} == kept
    clean = read_results(run_sweep(spec, tmp_path / "clean", workers=1))
    pd.testing.assert_frame_equal(res, clean, check_exact=True)
    # and the events file is read: its 2017-2018 strikes around Aleppo differ from none
    assert res["scenario_id"].tolist() == ["s000000", "s000001", "s000002", "s000003"]


def test_a_sweep_json_without_input_hashes_is_not_resumed(tmp_path):
    base, _, _ = user_data_scenario(tmp_path)
    spec = _spec(tmp_path, base, GRID)
    out = tmp_path / "out"
    _run_parts(spec, out, 1)
    doc = json.loads((out / "sweep.json").read_text())
    del doc["inputs"]
    (out / "sweep.json").write_text(json.dumps(doc))
    with pytest.raises(SafeZonesError) as err:
        run_sweep(spec, out, workers=1)
    assert str(err.value) == (
        f"{spec}: {out}/sweep.json records no hashes of the sweep's input files (it was written "
        f"by safezones {version('safezones')}), so a resume cannot check that they are "
        "unchanged; use another --out folder, or delete this one to start again"
    )


def test_a_parameter_that_varies_a_file_hashes_every_value(tmp_path):
    base, events, _ = user_data_scenario(tmp_path)
    other = tmp_path / "events2.csv"
    shutil.copy(DATA / "acled_syria_api.csv", other)
    spec = _spec(tmp_path, base,
                 'design = "grid"\n[parameters."events.source"]\n'
                 'values = ["events.csv", "events2.csv"]\n')  # fmt: skip
    from safezones.io.inputs import sweep_input_hashes

    got = sweep_input_hashes(Sweep.from_toml(spec))
    assert got["parameters.events.source.values[1]"] == {
        "path": str(other),
        "sha256": hashlib.sha256(other.read_bytes()).hexdigest(),
    }
    assert got["parameters.events.source.values[0]"]["path"] == str(events)


RADII = 'design = "grid"\n[parameters."zones.aleppo.radius_km"]\nvalues = [{}]\n'


def _geometry_files(out: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (out / "geometry").glob("*.npz")
            if ".tmp" not in p.name and not p.name.startswith(".")}  # fmt: skip


def test_geometry_built_before_a_kill_is_kept_and_reused(tmp_path, monkeypatch):
    radii = list(range(4, 40, 4))  # 9 distinct zone geometries
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'base = "{(ROOT / "scenarios" / "aleppo-freeze.toml").as_posix()}"\n'
        + RADII.format(", ".join(map(str, radii)))
    )
    out = tmp_path / "out"
    cmd = [*CLI, "sweep", str(spec), "--out", str(out), "--workers", "2", "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True, env=_env())
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "geometry").is_dir() and _geometry_files(out):  # one piece is built
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep ended before it could be killed"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers
        proc.wait()
    assert not (out / "results.parquet").exists()
    assert not list(out.glob("parts/part-*.parquet")), "killed while building geometry"
    kept = _geometry_files(out)
    assert 1 <= len(kept) < len(radii)

    stages: list[str] = []
    res = read_results(run_sweep(spec, out, workers=2, stage=stages.append))
    # only the missing shapes were built; the files of the killed run were read, not rewritten
    assert stages[0] == (
        f"zone geometry ({len(radii) - len(kept)} shapes to build, {len(kept)} kept from an "
        "earlier run)"
    )
    after = _geometry_files(out)
    assert len(after) == len(radii)
    assert {k: after[k] for k in kept} == kept
    # and the results are exactly those of an uninterrupted sweep
    stages.clear()
    monkeypatch.setenv("SAFEZONES_CACHE_DIR", str(tmp_path / "empty-cache"))  # from nothing
    clean = read_results(run_sweep(spec, tmp_path / "clean", workers=2, stage=stages.append))
    assert stages[0] == f"zone geometry ({len(radii)} shapes to build)"
    pd.testing.assert_frame_equal(res, clean, check_exact=True)


def _fresh_engines() -> None:
    """Forget the sweep engines of this process (as a new process would start)."""
    sweep_workers._WORKER.clear()


def test_one_worker_reads_the_checkpoint_and_a_hostile_file_is_never_unpickled(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SAFEZONES_CACHE_DIR", "off")  # the folder's checkpoint alone
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'base = "{(ROOT / "scenarios" / "aleppo-freeze.toml").as_posix()}"\n'
        + RADII.format("6, 12, 18")
    )
    out = tmp_path / "out"
    _fresh_engines()
    first = read_results(run_sweep(spec, out, workers=1))
    engine = next(iter(sweep_workers._WORKER.values()))[1]
    assert (engine.built, engine.loaded) == (3, 0)
    files = sorted((out / "geometry").glob("*.npz"))
    assert len(files) == 3

    # a new process on the same folder reads the three geometries and builds none
    shutil.rmtree(out / "parts")
    (out / "results.parquet").unlink()
    _fresh_engines()
    again = read_results(run_sweep(spec, out, workers=1))
    engine = next(iter(sweep_workers._WORKER.values()))[1]
    assert (engine.built, engine.loaded) == (0, 3)
    pd.testing.assert_frame_equal(again, first, check_exact=True)

    # a file replaced by one holding a pickle (which would write `marker` if loaded) and one
    # cut short are ignored and built again: nothing in them runs
    marker = tmp_path / "marker"

    class Boom:
        def __reduce__(self):
            return (Path.write_text, (marker, "pwned"))

    np.savez(files[0], stamp=np.array([Boom()], dtype=object))
    files[1].write_bytes(files[1].read_bytes()[:1000])
    shutil.rmtree(out / "parts")
    (out / "results.parquet").unlink()
    _fresh_engines()
    third = read_results(run_sweep(spec, out, workers=1))
    engine = next(iter(sweep_workers._WORKER.values()))[1]
    assert (engine.built, engine.loaded) == (2, 1)
    assert not marker.exists()
    pd.testing.assert_frame_equal(third, first, check_exact=True)


def test_a_new_sweep_reads_zone_geometry_from_the_user_cache(tmp_path, monkeypatch, geometry_cache):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'base = "{(ROOT / "scenarios" / "aleppo-freeze.toml").as_posix()}"\n'
        + RADII.format("6, 12")
    )

    def sweep(folder: str) -> tuple[pd.DataFrame, tuple[int, int]]:
        _fresh_engines()
        res = read_results(run_sweep(spec, tmp_path / folder, workers=1))
        engine = next(iter(sweep_workers._WORKER.values()))[1]
        return res, (engine.built, engine.loaded)

    first, counts = sweep("a")
    assert counts == (2, 0)
    cached = sorted(p for p in geometry_cache.glob("*.npz") if not p.name.startswith("."))
    assert len(cached) == 2
    # another folder builds nothing: the cache is read, and copied into the folder
    again, counts = sweep("b")
    assert counts == (0, 2) and len(_geometry_files(tmp_path / "b")) == 2
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    # a cache file cut short is ignored and built again
    cached[0].write_bytes(cached[0].read_bytes()[:1000])
    third, counts = sweep("c")
    assert counts == (1, 1)
    pd.testing.assert_frame_equal(third, first, check_exact=True)
    # off: nothing is read from or written to the cache
    before = {p.name: p.stat().st_mtime_ns for p in geometry_cache.iterdir()}
    monkeypatch.setenv("SAFEZONES_CACHE_DIR", "off")
    fourth, counts = sweep("d")
    assert counts == (2, 0)
    assert {p.name: p.stat().st_mtime_ns for p in geometry_cache.iterdir()} == before
    pd.testing.assert_frame_equal(fourth, first, check_exact=True)


def test_the_cache_key_holds_the_data_files_not_the_spec():
    def key(**shas: str) -> str:
        store = cache_store({k: {"path": k, "sha256": v} for k, v in shas.items()}, "1")
        assert store is not None
        return store.path("zone")

    assert key(spec="a", base="b", events="e") == key(spec="x", base="y", events="e")
    assert key(events="e") != key(events="f")
    assert cache_store({}, "1").path("zone") != cache_store({}, "2").path("zone")
