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

from conftest import run_cli
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


def cli_here(
    monkeypatch: pytest.MonkeyPatch, *args: str, columns: int = 200
) -> subprocess.CompletedProcess[str]:
    """The CLI in this process (:func:`conftest.run_cli`), stdout and stderr captured in
    StringIO buffers: not a terminal either, as in :func:`cli`."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("FORCE_TERMINAL", raising=False)
    return run_cli(*args, cwd=ROOT, columns=columns)


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


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    """The help page of every command, printed in-process (:func:`conftest.run_cli`)."""
    pages = {}
    for cmd in COMMANDS:
        proc = run_cli(*cmd.split(), "--help", cwd=ROOT, columns=160)
        assert proc.returncode == 0, (cmd, proc.stderr)
        pages[cmd] = proc.stdout
    return pages


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


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path, monkeypatch):
    proc = cli_here(
        monkeypatch,
        "run",
        "scenarios/aleppo-freeze.toml",
        "--out",
        str(tmp_path / "o"),
        "--draws",
        "20",
    )
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


def test_quiet_silences_progress_lines(tmp_path, monkeypatch):
    proc = cli_here(
        monkeypatch,
        "run",
        "scenarios/aleppo-freeze.toml",
        "--out",
        str(tmp_path / "o"),
        "--draws",
        "1",
        "-q",
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


def test_memo_from_reuses_the_compare_output_and_writes_comparison_md(camps, tmp_path, monkeypatch):
    toml, _fresh, out = camps
    memo = tmp_path / "memo"
    proc = cli_here(monkeypatch, "memo", str(toml), "--out", str(memo), "--from", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == f"reusing {out / 'camps'}", proc.stderr
    assert not any("zones and population" in line for line in lines), proc.stderr  # no new run
    # the comparison the memo points to, the same as compare wrote from the fresh result
    assert (memo / "comparison.md").read_text() == (out / "comparison.md").read_text()
    assert "comparison.md" in proc.stdout


# ---------------------------------------------------------------- titles


def _lines_fit(fig, text_artist, width_px: float) -> None:
    """Each line fits ``width_px`` as drawn at 300 dpi; the next word would not (greedy).

    Widths are those of the font's outlines (as in a PDF; raster text at 100 dpi is hinted
    up to 8 % narrower), kept 2 % inside the width (viz.format.fit_width).
    """
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    font = text_artist.get_fontproperties()
    width_pt = width_px / fig.dpi * 72

    def outline(text: str) -> float:
        return TextToPath().get_text_width_height_descent(text, font, ismath=False)[0]

    at300 = RendererAgg(100, 100, 300)
    lines = text_artist.get_text().split("\n")
    for i, line in enumerate(lines):
        drawn, _, _ = at300.get_text_width_height_descent(line, font, ismath=False)
        assert drawn / 300 * 72 <= width_pt, line
        assert outline(line) <= width_pt, line
        if i + 1 < len(lines):
            wider = f"{line} {lines[i + 1].split()[0]}"
            assert outline(wider) > 0.98 * width_pt, (line, lines[i + 1])


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
