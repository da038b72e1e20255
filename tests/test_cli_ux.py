"""The command line says what it is and what it does: version, help, progress in logs."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
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


# ---------------------------------------------------------------- memo --from


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


def _camps_dir(where: Path) -> Path:
    where.mkdir(parents=True)
    (where / "camps.toml").write_text(_CAMPS_TOML, encoding="utf-8")
    shutil.copy(CAMPS, where / "camps.geojson")
    return where / "camps.toml"


@pytest.fixture(scope="module")
def camps(tmp_path_factory):
    """A scenario with a zone file, scored (20 draws) and written as a compare output."""
    from safezones.scenario import Scenario, run, write_comparison

    base = tmp_path_factory.mktemp("camps")
    toml = _camps_dir(base / "in")
    result = run(Scenario.from_toml(toml))
    write_comparison([result], base / "compare", maps=False)
    return toml, result, base / "compare"


def test_from_file_reads_back_every_table_exactly(camps):
    from safezones.scenario import ScenarioResult

    _toml, fresh, out = camps
    back = ScenarioResult.from_file(out / "camps")
    for name in ("per_zone", "per_origin", "flows", "totals", "samples"):
        assert getattr(back, name).equals(getattr(fresh, name)), name
    assert back.zones.equals(fresh.zones) and back.zones.crs == fresh.zones.crs
    assert back.events.equals(fresh.events) and back.events.crs == fresh.events.crs
    assert back.events.index.equals(fresh.events.index)
    assert set(back.detail) == set(fresh.detail)
    for k, arr in fresh.detail.items():
        assert np.array_equal(back.detail[k], arr) and not back.detail[k].flags.writeable
    assert back.provenance == fresh.provenance
    assert back.scenario.parameters() == fresh.scenario.parameters()


def test_memo_of_a_reused_result_equals_the_memo_of_the_fresh_one(camps):
    from safezones.report import memo_html
    from safezones.scenario import ScenarioResult, comparison_markdown, comparison_table

    _toml, fresh, out = camps
    back = ScenarioResult.from_file(out / "camps", fresh.scenario)
    assert comparison_markdown(comparison_table([back])) == comparison_markdown(
        comparison_table([fresh])
    )
    a, b = memo_html([fresh]), memo_html([back])  # tables, numbers and the drawn figures
    assert a == b


def test_try_reuse_says_why_not(camps, tmp_path):
    from safezones import __version__
    from safezones.export.store import try_reuse
    from safezones.scenario import Scenario

    toml, _fresh, out = camps
    sc, folder = Scenario.from_toml(toml), out / "camps"
    assert try_reuse(folder, sc)[1] == f"reusing {folder}"
    assert try_reuse(folder, sc, draws=20, seed=sc.uncertainty.seed)[0] is not None
    cases = {
        "missing": try_reuse(out / "nope", sc),
        "changed": try_reuse(folder, sc.with_values({"shelter.max_travel_km": 80})),
        "zone": try_reuse(folder, sc.with_values(["zones.camps.protection=0.5", "title='T'"])),
        "draws": try_reuse(folder, sc, draws=10),
        "seed": try_reuse(folder, sc, seed=7),
        "none": try_reuse(toml.parent, sc),
    }
    assert {k: v[1] for k, v in cases.items()} == {
        "missing": f"{out / 'nope'}: missing",
        "changed": f"{folder}: the scenario changed (shelter.max_travel_km)",
        "zone": f"{folder}: the scenario changed (title, zones.camps.protection)",
        "draws": f"{folder}: computed with 20 draws, not 10",
        "seed": f"{folder}: computed with seed {sc.uncertainty.seed}, not 7",
        "none": f"{toml.parent}: holds no reusable result (result/manifest.json is missing)",
    }
    assert all(v[0] is None for v in cases.values())

    # another version wrote it; a version that is not a version is not repeated
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    manifest = other / "result" / "manifest.json"
    doc = json.loads(manifest.read_text())
    for written, shown in [("0.0.9", "0.0.9"), ("<b>\x1b[31m", "another")]:
        manifest.write_text(json.dumps({**doc, "safezones_version": written}))
        assert try_reuse(other, sc) == (
            None,
            f"{other}: written by safezones {shown}, this is {__version__}",
        )


def test_try_reuse_sees_a_changed_input_file(camps, tmp_path):
    from safezones.export.store import try_reuse
    from safezones.scenario import Scenario

    _toml, _fresh, out = camps
    toml2 = _camps_dir(tmp_path / "in")  # the same scenario and zone file elsewhere
    shutil.copytree(out / "camps", tmp_path / "camps")
    sc = Scenario.from_toml(toml2)
    assert try_reuse(tmp_path / "camps", sc)[1] == f"reusing {tmp_path / 'camps'}"
    with open(tmp_path / "in" / "camps.geojson", "a", encoding="utf-8") as f:
        f.write("\n")  # same zone, other bytes
    assert try_reuse(tmp_path / "camps", sc) == (
        None,
        f"{tmp_path / 'camps'}: an input file changed (zones.camps.path)",
    )


class _Payload:
    """Unpickling this creates a file: reading a result must never do it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_hostile_result_folder_runs_no_code_and_is_not_reused(camps, tmp_path):
    from safezones.export.store import try_reuse
    from safezones.scenario import Scenario

    toml, _fresh, out = camps
    sc = Scenario.from_toml(toml)
    marker = tmp_path / "pwned"
    cases = {
        "detail.npz": lambda p: np.savez(p, flows=np.array([_Payload(marker)], dtype=object)),
        "per_zone.parquet": lambda p: p.write_bytes(b"not parquet at all"),
        "zones.parquet": lambda p: p.write_bytes(b"PAR1 no geo"),
        "manifest.json": lambda p: p.write_text("{not json"),
    }
    said = {}
    for name, spoil in cases.items():
        folder = tmp_path / name
        shutil.copytree(out / "camps", folder)
        spoil(folder / "result" / name)
        result, said[name] = try_reuse(folder, sc)
        assert result is None
    assert not marker.exists()
    assert said == {
        "detail.npz": f"{tmp_path / 'detail.npz'}: result/detail.npz cannot be read as arrays",
        "per_zone.parquet": f"{tmp_path / 'per_zone.parquet'}: result/per_zone.parquet cannot be "
        "read as Parquet",
        "zones.parquet": f"{tmp_path / 'zones.parquet'}: result/zones.parquet cannot be read as "
        "GeoParquet",
        "manifest.json": f"{tmp_path / 'manifest.json'}: result/manifest.json cannot be read as "
        "JSON",
    }


def test_memo_from_reuses_the_compare_output_and_writes_comparison_md(camps, tmp_path):
    toml, _fresh, out = camps
    memo = tmp_path / "memo"
    proc = cli("memo", str(toml), "--out", str(memo), "--from", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == f"reusing {out / 'camps'}", proc.stderr
    assert not any("zones and population" in line for line in lines), proc.stderr  # no new run
    # the comparison the memo points to, the same as compare wrote from the fresh result
    assert (memo / "comparison.md").read_text() == (out / "comparison.md").read_text()
    assert "comparison.md" in proc.stdout


# ---------------------------------------------------------------- titles


def _lines_fit(fig, text_artist, width_px: float) -> None:
    """Each drawn line fits ``width_px``; the next word would not (greedy, measured)."""
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, "", fontproperties=text_artist.get_fontproperties(), parse_math=False)
    lines = text_artist.get_text().split("\n")
    for i, line in enumerate(lines):
        probe.set_text(line)
        assert probe.get_window_extent(renderer).width <= width_px, line
        if i + 1 < len(lines):
            probe.set_text(f"{line} {lines[i + 1].split()[0]}")
            assert probe.get_window_extent(renderer).width > width_px, (line, lines[i + 1])
    probe.remove()


LONG_TITLE = (
    "WWWW MMMM: a very long title, with WIDE CAPITALS and narrow iiii lllll words, that "
    "cannot fit on one line of a map, and so must be wrapped at word boundaries only: "
    "sheltered displaced people"
)  # under the 200 characters a title may have


@pytest.mark.parametrize("width", [8.27, 180 / 25.4])
def test_map_title_wraps_by_measured_width_and_keeps_every_word(width):
    import matplotlib.pyplot as plt

    import safezones as sz
    from safezones.viz.maps import zones_map

    zones = sz.zone_set(sz.freeze_zone("Aleppo", radius_km=5))
    fig, _ax = zones_map(zones, title=LONG_TITLE, subtitle=LONG_TITLE.lower(), width=width)
    fig.canvas.draw()
    (title,) = [t for t in fig.texts if t.get_fontweight() == "bold"]
    (subtitle,) = [t for t in fig.texts if t.get_text().startswith("wwww")]
    text_px = (width - 0.6) * fig.dpi  # inside the 0.3 in margins
    for t, words in [(title, LONG_TITLE), (subtitle, LONG_TITLE.lower())]:
        assert t.get_text().split() == words.split()  # every word, none cut
        assert t.get_text().count("\n") >= 1
        _lines_fit(fig, t, text_px)
        box = t.get_window_extent(fig.canvas.get_renderer())
        assert box.x0 >= 0 and box.x1 <= fig.bbox.width  # drawn inside the figure
    plt.close(fig)


def test_compare_map_headings_fit_their_panels(camps):
    import dataclasses

    import matplotlib.pyplot as plt

    from safezones.viz.maps import compare_maps

    _toml, fresh, _out = camps
    long = dataclasses.replace(fresh, scenario=fresh.scenario.with_values({"title": LONG_TITLE}))
    fig, axes = compare_maps([long, fresh, long], width=180 / 25.4)
    fig.canvas.draw()
    titles = [LONG_TITLE, fresh.scenario.title, LONG_TITLE]
    for ax, title in zip([a for a in axes.ravel() if a is not None], titles, strict=True):
        heading = ax._left_title  # set_title(loc="left")
        words = heading.get_text().split()
        assert words[: len(title.split())] == f"{title}:".split()
        _lines_fit(fig, heading, ax.get_window_extent().width)
    plt.close(fig)


# ---------------------------------------------------------------- singular and plural


def test_plural_and_agree():
    from safezones._plural import agree, plural

    assert [plural(n, "value") for n in (0, 1, 2, 1000)] == [
        "0 values",
        "1 value",
        "2 values",
        "1,000 values",
    ]
    assert plural(1, "hazard class", "hazard classes") == "1 hazard class"
    assert plural(3, "hazard class", "hazard classes") == "3 hazard classes"
    assert [agree(n, "is", "are") for n in (0, 1, 2)] == ["are", "is", "are"]


def test_messages_count_in_the_singular_for_one(tmp_path):
    import pandas as pd

    from safezones import sources
    from safezones.errors import SafeZonesError
    from safezones.scenario import METRICS, Scenario, comparison_markdown

    table = pd.DataFrame({"scenario": ["a"], "title": ["A"], "area_km2": [10.0],
        "allocation": ["optimal"], "window": ["2014 to 2014"], "draws": [1], "seed": [1],
        "citation": ["c"], **{f"{m}_{q}": [1e6] for m in METRICS for q in ("p5", "p50", "p95")}})  # fmt: skip
    md = comparison_markdown(table)
    assert "1 draw, seed 1" in md and "1 draws" not in md

    f = tmp_path / "pts.csv"
    f.write_text("name,lon,lat\na,36.2,36.2\nb,,36.1\n", encoding="utf-8")
    with pytest.raises(SafeZonesError) as err:
        sources.read_points(f)
    assert "1 row has no coordinates: line 3" in str(err.value)

    with pytest.raises(SafeZonesError) as err:
        Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
            "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}],
            "demand": {"thresholds": [1.0], "rates": [0.1]}})  # fmt: skip
    assert "1 threshold makes 2 hazard classes, so give 2 rates (got 1)" in str(err.value)
