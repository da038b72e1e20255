"""The bad-input suite: every bad input is one clear error, through the real command line.

Each case of :data:`BAD` is a distinct bad input run through ``safezones.cli.main``
in-process (the console script's entry point; a few run in a subprocess too),
asserting exit status 2, no traceback, and the key or file in the message.
Most fail at validation, before any computation. Warnings (input that runs but
probably not as meant) are tested after the table.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin

from safezones import SafeZonesWarning, Scenario, data
from safezones.cli import main
from safezones.model.prepare import check_population_total as _check_population_total
from safezones.model.prepare import check_window as _check_window

ROOT = Path(__file__).resolve().parents[1]
ALEPPO = str(ROOT / "scenarios/aleppo-freeze.toml")
UCDP = ROOT / "tests/data/ucdp_ged_full_sample.csv"
ACLED = ROOT / "tests/data/acled_syria_export.csv"
IDLIB_TIF = ROOT / "notebooks/data/worldpop_idleb_500m_2026.tif"
#: WorldPop 2026 people in the Idlib raster, from notebooks/data/README.md.
IDLIB_PEOPLE = 1_746_526

BASE_TOML = """\
title = "Test scenario"
[source]
citation = "test"
[[zones]]
id = "aleppo"
kind = "freeze"
place = "Aleppo"
radius_km = 10
"""


def cli(*args: str) -> tuple[int, str, str]:
    """Run ``safezones ARGS`` in-process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    # stderr is not a terminal here, so progress comes as timestamped lines: leave them out
    progress = re.compile(r"^\d\d:\d\d:\d\d safezones: .*\n", re.M)
    return code, out.getvalue(), progress.sub("", err.getvalue())


def flat(text: str) -> str:
    """Text as one line: rich wraps long lines and frames usage errors in a box."""
    for ch in "│╭╮╰╯─":
        text = text.replace(ch, " ")
    return " ".join(text.split())


def toml(tmp: Path, extra: str = "", *, name: str = "t.toml", base: str = BASE_TOML) -> str:
    """A scenario file: the base freeze zone plus ``extra`` TOML (keys of the zone, or sections)."""
    p = tmp / name
    p.write_text(base + extra, encoding="utf-8")
    return str(p)


def run_set(*sets: str, cmd: str = "run") -> Callable[[Path], list[str]]:
    """``safezones run aleppo-freeze.toml --set ...`` (or another command)."""
    args = [a for s in sets for a in ("--set", s)]

    def make(tmp: Path) -> list[str]:
        out = tmp / ("m.png" if cmd == "map" else "out")
        return [cmd, ALEPPO, "--out", str(out), "--draws", "5", *args]

    return make


def run_toml(extra: str, *more: str) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        return ["run", toml(tmp, extra), "--out", str(tmp / "out"), "--draws", "5", *more]

    return make


def csv_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


def write(tmp: Path, name: str, lines: list[str], *, encoding: str = "utf-8") -> Path:
    p = tmp / name
    p.write_text("\n".join(lines) + "\n", encoding=encoding)
    return p


def tif(
    tmp: Path,
    values: list[list[float]],
    *,
    nodata: float | None,
    name: str = "pop.tif",
    lon: float = 37.10,
    lat: float = 36.25,
) -> Path:
    """A tiny real GeoTIFF of people per cell, 0.01 degree cells, north-west corner at lon/lat."""
    arr = np.array(values, dtype="float32")
    p = tmp / name
    with rasterio.open(p, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype="float32", crs="EPSG:4326", nodata=nodata,
                       transform=from_origin(lon, lat, 0.01, 0.01)) as ds:  # fmt: skip
        ds.write(arr, 1)
    return p


def data_check(fmt: str, make_file: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda tmp: ["data", "check", str(make_file(tmp)), "--format", fmt]


def events_run(fmt: str, make_file: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        f = make_file(tmp)
        extra = f'\n[events]\nsource = "{f.name}"\nformat = "{fmt}"\nstart = 2014\nend = 2018\n'
        return ["run", toml(tmp, extra), "--out", str(tmp / "out"), "--draws", "5"]

    return make


def population_run(
    make_file: Callable[[Path], Path], extra: str = ""
) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        f = make_file(tmp)
        sc = toml(tmp, f'\n[population]\nsource = "{f.name}"\n{extra}')
        return ["run", sc, "--out", str(tmp / "out"), "--draws", "5"]

    return make


# ---------------------------------------------------------------- bad files


def ucdp_extra_fields(tmp: Path) -> Path:
    lines = csv_lines(UCDP)
    lines[2] += ",x,y,z,w"  # line 3 of the file: 4 fields too many
    return write(tmp, "ucdp.csv", lines)


def ucdp_missing_fields(tmp: Path) -> Path:
    lines = csv_lines(UCDP)
    lines[3] = lines[3].rsplit(",", 9)[0]  # line 4: the last 9 fields gone
    return write(tmp, "ucdp.csv", lines)


def ucdp_repeated_id(tmp: Path) -> Path:
    lines = csv_lines(UCDP)
    first, second = lines[1].split(",", 1), lines[2].split(",", 1)
    lines[2] = f"{first[0]},{second[1]}"  # line 3 takes line 2's id, other values
    return write(tmp, "ucdp.csv", lines)


def ucdp_repeated_row(tmp: Path) -> Path:
    lines = csv_lines(UCDP)
    return write(tmp, "ucdp.csv", [*lines, lines[1], lines[2], lines[1]])


def acled_repeated_id(tmp: Path) -> Path:
    lines = csv_lines(ACLED)
    lines[3] = "SYR101" + lines[3][lines[3].index(",") :]
    return write(tmp, "acled.csv", lines)


def acled_ragged(tmp: Path) -> Path:
    lines = csv_lines(ACLED)
    lines[2] = lines[2].replace('"Test row 102, invented', "Test row 102, invented")  # unquoted
    return write(tmp, "acled.csv", lines)


def points_ragged(tmp: Path) -> Path:
    return write(tmp, "pts.csv", ["name,lon,lat", "a,36.6,35.9", "b,36.7,35.8,9", "c,36.8"])


def admin_ragged(tmp: Path) -> Path:
    lines = csv_lines(ROOT / "tests/data/syr_pop_adm1_hxl.csv")
    lines[4] = lines[4].replace('"', "")  # "1,234,000" unquoted: 2 fields too many
    return write(tmp, "pop.csv", lines)


def latin1_toml(tmp: Path) -> str:
    p = tmp / "latin1.toml"
    p.write_bytes((BASE_TOML.replace("Test scenario", "Alep, café")).encode("latin-1"))
    return str(p)


def sweep_spec(tmp: Path, extra: str, *, encoding: str = "utf-8") -> Path:
    toml(tmp, name="base.toml")
    p = tmp / "sweep.toml"
    text = f'title = "s"\nbase = "base.toml"\ndesign = "lhs"\nsize = 4\n{extra}\n'
    text += '[parameters."zones.aleppo.radius_km"]\nlow = 5\nhigh = 10\n'
    p.write_bytes(text.encode(encoding))
    return p


def bad_pop_events_place(tmp: Path) -> list[str]:
    """Three files' problems in one scenario: population CSV, events CSV, a zone's place."""
    pop = write(tmp, "pop.csv", ["pcode,population", "SY01,many"])
    ev = write(tmp, "ev.csv", ["event_id_cnty,event_date", "SYR1,01 July 2014"])
    extra = (
        '\n[[zones]]\nid = "nowhere"\nkind = "freeze"\nplace = "Atlantis"\nradius_km = 5\n'
        f'[population]\nsource = "{pop.name}"\npcode = "pcode"\ncolumn = "population"\n'
        f'[events]\nsource = "{ev.name}"\nformat = "acled"\n'
    )
    return ["run", toml(tmp, extra), "--out", str(tmp / "out"), "--draws", "5"]


def bad_raster_and_place(tmp: Path) -> list[str]:
    f = tif(tmp, [[-1, -1], [-1, -1]], nodata=-1)
    extra = (
        '\n[[zones]]\nid = "nowhere"\nkind = "freeze"\nplace = "Atlantis"\nradius_km = 5\n'
        f'[population]\nsource = "{f.name}"\n'
    )
    return ["run", toml(tmp, extra), "--out", str(tmp / "out"), "--draws", "5"]


def compare_seed(tmp: Path) -> list[str]:
    return ["compare", ALEPPO, ALEPPO, "--out", str(tmp / "c"), "--seed", "-1"]


def memo_seed(tmp: Path) -> list[str]:
    return ["memo", ALEPPO, "--out", str(tmp / "m"), "--seed", "-2"]


def map_seed(tmp: Path) -> list[str]:
    return ["map", ALEPPO, "--out", str(tmp / "m.png"), "--seed", "-1"]


def sweep_cli(extra: str, *more: str, encoding: str = "utf-8") -> Callable[[Path], list[str]]:
    return lambda tmp: ["sweep", str(sweep_spec(tmp, extra, encoding=encoding)), "--out",
                        str(tmp / "sw"), *more]  # fmt: skip


F = "is not a finite number"

#: id -> (how to build the arguments in a temporary folder, texts the message must hold)
BAD: dict[str, tuple[Callable[[Path], list[str]], list[str]]] = {
    # --- non-finite numbers, in the file and through --set
    "toml national_total inf": (run_toml("\n[demand]\nnational_total = inf\n"),
                                [f"demand.national_total: inf {F}; give a finite number"]),
    "toml national_total -inf": (run_toml("\n[demand]\nnational_total = -inf\n"),
                                 [f"demand.national_total: -inf {F}"]),
    "set national_total inf": (run_set("demand.national_total=inf"),
                               [f"demand.national_total: inf {F}"]),
    "toml thresholds nan": (run_toml("\n[demand]\nthresholds = [nan, 100]\n"),
                            [f"demand.thresholds: value 1 of 2 (nan) {F}; give finite numbers"]),
    "set thresholds nan": (run_set("demand.thresholds=[5, nan]"),
                           [f"demand.thresholds: value 2 of 2 (nan) {F}"]),
    "toml zone capacity inf": (run_toml("capacity = inf\n"), [f"zones.aleppo.capacity: inf {F}"]),
    "set zone capacity inf": (run_set("zones.aleppo.capacity=inf"),
                              [f"zones.aleppo.capacity: inf {F}"]),
    "set max_travel_km inf": (run_set("shelter.max_travel_km=inf"),
                              [f"shelter.max_travel_km: inf {F}"]),
    "set radius nan": (run_set("zones.aleppo.radius_km=nan"), [f"zones.aleppo.radius_km: nan {F}"]),
    "set place inf": (run_set("zones.aleppo.place=[inf, 36.2]"),
                      [f"zones.aleppo.place: value 1 of 2 (inf) {F}"]),
    "set usable_fraction nan": (run_set("shelter.usable_fraction=nan"),
                                [f"shelter.usable_fraction: nan {F}"]),
    "set rate_spread -inf": (run_set("uncertainty.rate_spread=-inf"),
                             [f"uncertainty.rate_spread: -inf {F}"]),
    "set band inf": (run_set("population.relative_band=[0.8, inf]"),
                     [f"population.relative_band: value 2 of 2 (inf) {F}"]),
    "set protection nan": (run_set("shelter.protection.freeze=nan"),
                           [f"shelter.protection.freeze: nan {F}"]),
    "set zone protection inf": (run_set("zones.aleppo.protection=inf"),
                                [f"zones.aleppo.protection: inf {F}"]),
    "set kernel_km inf": (run_set("demand.kernel_km=inf"), [f"demand.kernel_km: inf {F}"]),
    "set rates nan": (run_set("demand.rates=[0.1, nan, 0.5]"),
                      [f"demand.rates: value 2 of 3 (nan) {F}"]),
    "set max_precision nan": (run_set("events.max_precision=nan"),
                              [f"events.max_precision: nan {F}"]),
    "set site area inf": (run_set("shelter.site_area_per_person_m2=inf"),
                          [f"shelter.site_area_per_person_m2: inf {F}"]),
    "map set national_total nan": (run_set("demand.national_total=nan", cmd="map"),
                                   [f"demand.national_total: nan {F}"]),
    "two non-finite at once": (run_set("demand.national_total=inf", "shelter.detour_factor=nan"),
                               ["2 problems", f"demand.national_total: inf {F}",
                                f"shelter.detour_factor: nan {F}"]),
    "sweep low inf": (sweep_cli('[parameters."shelter.usable_fraction"]\nlow = 0.01\nhigh = inf\n'),
                      ["sweep.toml", "high", "finite number"]),
    # --- inverted or impossible raster bands
    "band inverted": (run_set("population.relative_band=[2.0, 0.5]"),
                      ["population.relative_band: [2, 0.5] is not [low, high] with low <= 1 <= "
                       "high (factors on the raster's people); give e.g. [0.8, 1.2]"]),
    "band both above 1": (run_set("population.relative_band=[1.2, 1.5]"),
                          ["population.relative_band: [1.2, 1.5] is not [low, high]"]),
    "band both below 1": (run_toml("\n[population]\nrelative_band = [0.5, 0.9]\n"),
                          ["population.relative_band: [0.5, 0.9] is not [low, high]"]),
    # --- seeds and sizes
    "run seed -1": (lambda tmp: ["run", ALEPPO, "--out", str(tmp / "o"), "--seed", "-1"],
                    ["Invalid value for '--seed'", "greater than or equal to 0"]),
    "compare seed -1": (compare_seed, ["Invalid value for '--seed'"]),
    "memo seed -2": (memo_seed, ["Invalid value for '--seed'"]),
    "map seed -1": (map_seed, ["Invalid value for '--seed'"]),
    "uncertainty.seed -1": (run_set("uncertainty.seed=-1"),
                            ["uncertainty.seed: Input should be greater than or equal to 0 "
                             "(got -1)"]),
    "sweep spec seed -1": (sweep_cli("seed = -1"),
                           ["sweep.toml", "seed", "greater than or equal to 0"]),
    "run draws 0": (lambda tmp: ["run", ALEPPO, "--out", str(tmp / "o"), "--draws", "0"],
                    ["Invalid value for '--draws'", "greater than or equal to 1"]),
    "sweep draws 0 size 0": (sweep_cli("", "--draws", "0", "--size", "0"),
                             ["Invalid value for '--draws'"]),
    "sweep size 0": (sweep_cli("", "--size", "0"), ["Invalid value for '--size'"]),
    "uncertainty.draws 0": (run_set("uncertainty.draws=0"), ["uncertainty.draws"]),
    # --- scenario and sweep files that are not UTF-8 TOML
    "latin-1 scenario": (lambda tmp: ["run", latin1_toml(tmp), "--out", str(tmp / "o")],
                         ["latin1.toml: the scenario file is not UTF-8 text (line 1 has byte "
                          "0xe9); save it as UTF-8"]),
    "latin-1 sweep spec": (sweep_cli('notes = "caf\u00e9"', encoding="latin-1"),
                           ["sweep.toml: the sweep spec is not UTF-8 text (line 5 has byte "
                            "0xe9); save it as UTF-8"]),
    "invalid TOML": (run_toml("radius_km = \n"), ["t.toml: not valid TOML"]),
    "scenario is a folder": (lambda tmp: ["run", str(tmp), "--out", str(tmp / "o")],
                             ["cannot read the scenario file: Is a directory"]),
    # --- windows: order, years, dates, outside the events
    "window start after end": (run_set("events.start=2015"),
                               ["events: start (2015-01-01) is after end (2014-12-31); swap "
                                "events.start and events.end"]),
    "window dates reversed": (run_toml("\n[events]\nstart = 2014-06-01\nend = 2014-01-31\n"),
                              ["events: start (2014-06-01) is after end (2014-01-31)"]),
    "window year 1800": (run_set("events.start=1800"),
                         ["events.start: 1800 is not a plausible year; give a year from 1900 "
                          "to 2100"]),
    "window end 3000": (run_set("events.end=3000"), ["events.end: 3000 is not a plausible year"]),
    "window not a date": (run_set("events.start='soon'"),
                          ["events.start: 'soon' is not a date; give a year (2014) or an ISO "
                           "date (2014-11-25)"]),
    "window 2030": (run_set("events.start=2030", "events.end=2030"),
                    ["events.start/events.end: the window 2030-01-01 to 2030-12-31 holds no "
                     "events: the events (bundled UCDP GED) run from 2011-01-01 to 2019-12-31; "
                     "choose events.start and events.end within them"]),
    "window before the data": (run_set("events.start=2000", "events.end=2005"),
                               ["the window 2000-01-01 to 2005-12-31 holds no events"]),
    # --- site areas
    "site area low above high": (run_set("uncertainty.site_area_low_m2=70"),
                                 ["uncertainty: site_area_low_m2 (70) is above site_area_high_m2 "
                                  "(67); swap uncertainty.site_area_low_m2 and "
                                  "uncertainty.site_area_high_m2"]),
    "site area high below low": (run_set("uncertainty.site_area_high_m2=20"),
                                 ["site_area_low_m2 (30) is above site_area_high_m2 (20)"]),
    # --- repeated event ids
    "ucdp repeated id": (data_check("ucdp", ucdp_repeated_id),
                         ["ucdp.csv: 1 event id is on several rows with different values: "
                          "900001 (lines 2, 3); each id must be one event"]),
    "acled repeated id": (data_check("acled", acled_repeated_id),
                          ["acled.csv: 1 event id is on several rows with different values: "
                           "SYR101 (lines 2, 4); each event_id_cnty must be one event"]),
    "acled repeated id in a run": (events_run("acled", acled_repeated_id),
                                   ["events.source: 1 event id is on several rows", "acled.csv"]),
    # --- ragged CSV rows
    "ucdp extra fields": (data_check("ucdp", ucdp_extra_fields),
                          ["ucdp.csv: line 3 has 53 fields, the header 49; quote values that "
                           "hold a comma"]),
    "ucdp missing fields": (data_check("ucdp", ucdp_missing_fields),
                            ["ucdp.csv: line 4 has 40 fields, the header 49"]),
    "acled unquoted comma": (data_check("acled", acled_ragged),
                             ["acled.csv: line 3 has 33 fields, the header 31"]),
    "points ragged": (data_check("points", points_ragged),
                      ["pts.csv: 2 lines have another number of fields: line 3 has 4 fields, "
                       "line 4 has 2 fields, the header has 3"]),
    "admin ragged": (data_check("admin", admin_ragged), ["pop.csv: line 5 has 7 fields, the header 5"]),
    "acled ragged in a run": (events_run("acled", acled_ragged),
                              ["events.source: line 3 has 33 fields, the header 31"]),
    # --- rasters: all nodata, negative cells
    "raster all nodata": (data_check("raster", lambda t: tif(t, [[-9, -9], [-9, -9]], nodata=-9)),
                          ["pop.tif: all 4 cells are nodata (-9): the raster holds no people"]),
    "raster all NaN": (data_check("raster", lambda t: tif(t, [[np.nan, np.nan]], nodata=None)),
                       ["pop.tif: all 2 cells are NaN: the raster holds no people"]),
    "raster negative, no nodata": (
        data_check("raster", lambda t: tif(t, [[5, -99999], [-99999, 7]], nodata=None)),
        ["pop.tif: 2 cells hold negative values (the lowest -99999): people cannot be negative; "
         "the raster sets no nodata value: if that value marks missing cells, set it "
         "(gdal_edit.py -a_nodata -99999 FILE)"]),
    "raster negative, other nodata": (
        data_check("raster", lambda t: tif(t, [[5, -3], [0, 7]], nodata=0)),
        ["pop.tif: 1 cell holds a negative value (the lowest -3)",
         "set the nodata value to the one that marks missing cells (now 0)"]),
    "raster all nodata in a run": (
        population_run(lambda t: tif(t, [[-9, -9], [-9, -9]], nodata=-9)),
        ["population.source: all 4 cells are nodata (-9)", "pop.tif"]),
    "raster negative in a run": (
        population_run(lambda t: tif(t, [[5, -99999]], nodata=None)),
        ["population.source: 1 cell holds a negative value (the lowest -99999)"]),
    # --- problems of several inputs, reported together
    "population, events and place at once": (
        bad_pop_events_place,
        ["t.toml: 9 problems:", "- population.source: ", "pop.csv: 1 value of 'population' is "
         "not a number: line 2", "- events.source: ", "ev.csv: missing column 'event_type'",
         "ev.csv: a ACLED export file needs the columns",
         "- zones.nowhere: place: no place 'Atlantis'"]),
    "raster and place at once": (
        bad_raster_and_place,
        ["t.toml: 2 problems:", "- population.source: ", "pop.tif: all 4 cells are nodata (-1)",
         "- zones.nowhere: place: no place 'Atlantis'"]),
    # --- today's cases, re-expressed (tests/test_cli.py BAD_RUNS)
    "unknown key": (run_set("shelter.max_travle_km=5"),
                    ["unknown key 'shelter.max_travle_km'; did you mean 'max_travel_km'?"]),
    "unknown zone": (run_set("zones.syria.depth_km=5"),
                     ["no zone with id 'syria'; the zones are: aleppo"]),
    "wrong type": (run_set("zones.aleppo.radius_km=wide"),
                   ["zones.aleppo.radius_km: Input should be a valid number"]),
    "out of range": (run_set("shelter.detour_factor=0.5"),
                     ["shelter.detour_factor: Input should be greater than or equal to 1"]),
    "missing scenario": (lambda tmp: ["run", str(tmp / "no-such.toml"), "--out", str(tmp / "o")],
                         ["no-such.toml: cannot read the scenario file"]),
    "bad ACLED dates": (lambda tmp: ["data", "check", str(ROOT / "tests/data/bad/acled_bad_dates.csv"),
                                     "-f", "acled"],
                        ["acled_bad_dates.csv", "line 3 ('2017/12/03')"]),
    "one scenario twice in a comparison": (
        lambda tmp: ["compare", str(ROOT / "scenarios/aleppo-freeze.toml"),
                     str(ROOT / "scenarios/aleppo-freeze.toml"), "--out", str(tmp / "o")],
        ["scenario ids must differ to be compared; repeated: aleppo-freeze"]),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_exits_2_naming_key_or_file(case, tmp_path):
    make, expected = BAD[case]
    code, out, err = cli(*make(tmp_path))
    text = flat(err)
    assert code == 2, err + out
    assert "Traceback" not in err + out
    for piece in expected:
        assert piece in text, f"{piece!r} not in {text!r}"
    assert not (tmp_path / "out").exists() and not (tmp_path / "o").exists()


def test_the_suite_holds_at_least_60_distinct_inputs():
    assert len(BAD) >= 60


@pytest.mark.parametrize("case", ["latin-1 scenario"])
def test_bad_input_through_the_console_script(case, tmp_path):
    """The same cases in a real subprocess, as a user runs them."""
    make, expected = BAD[case]
    proc = subprocess.run(
        [sys.executable, "-c", "from safezones.cli import main; main()", *make(tmp_path)],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    for piece in expected:
        assert piece in flat(proc.stderr)


# ---------------------------------------------------------------- accepted, with a warning


def test_a_scenario_with_a_byte_order_mark_is_read(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + BASE_TOML.encode())
    sc = Scenario.from_toml(p)
    assert (sc.id, sc.title, sc.zones[0].radius_km) == ("bom", "Test scenario", 10.0)


def test_a_window_partly_outside_the_events_warns(tmp_path):
    # a zone that cannot be built stops the run after the inputs are read: the warning,
    # printed as soon as it is raised, comes before the error
    extra = '\n[[zones]]\nid = "nowhere"\nkind = "freeze"\nplace = "Atlantis"\nradius_km = 5\n'
    code, _, err = cli("run", toml(tmp_path, extra), "--out", tmp_path / "out",
                       "--set", "events.start=2010")  # fmt: skip
    assert code == 2
    assert flat(err).startswith(
        "warning: events.start/events.end: the window 2010-01-01 to 2014-12-31 reaches beyond "
        "the events' years: the events (bundled UCDP GED) run from 2011-01-01 to 2019-12-31, "
        "and strikes are counted per year of the window, so the years without data count as "
        "years without strikes; narrow the window to the events' years error: "
    )
    assert "zones.nowhere: place: no place 'Atlantis'" in flat(err)


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml")))
def test_shipped_windows_do_not_warn(name):
    sc = Scenario.from_toml(ROOT / f"scenarios/{name}.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_window(sc, data.events(), "bundled")


def test_a_population_far_below_the_national_total_warns_with_the_ratio(tmp_path):
    # as for the window: a zone that cannot be built stops the run after the inputs are
    # read, so the warning is printed without scoring, and the run went on past it
    nowhere = '\n[[zones]]\nid = "nowhere"\nkind = "freeze"\nplace = "Atlantis"\nradius_km = 5\n'
    sc = toml(tmp_path, nowhere + f'\n[population]\nsource = "{IDLIB_TIF}"\n[demand]\n'
              "national_total = 7_600_000\n",
              base=BASE_TOML.replace('"Aleppo"', '"Idlib"'))  # fmt: skip
    code, _, err = cli("run", sc, "--out", tmp_path / "out", "--draws", "5", "-q")
    ratio = 7_600_000 / IDLIB_PEOPLE  # 4.35
    assert f"({ratio:.1f}x)" == "(4.4x)"
    assert flat(err).startswith(
        f"warning: population.source {IDLIB_TIF} holds 1.75 M people but demand.national_total "
        "is 7.60 M (4.4x), so everyone in it is counted as displaced: set "
        "demand.national_total to the displaced of the layer's area, or "
        "scale_to_national_total = false error: "
    ), err
    # the warning did not stop the run: the only error is the zone, built after it
    assert code == 2 and flat(err).count("error: ") == 1
    assert "zones.nowhere: place: no place 'Atlantis'" in flat(err)


@pytest.mark.parametrize(
    ("demand", "warns"),
    [({"national_total": 1_746_527}, True), ({"national_total": 1_746_526}, False),
     ({"national_total": 7_600_000, "scale_to_national_total": False}, False)],
)  # fmt: skip
def test_the_ratio_warning_starts_above_the_layer_total(demand, warns):
    sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
                             "population": {"source": str(IDLIB_TIF)}, "demand": demand,
                             "zones": [{"id": "a", "kind": "freeze", "place": "Idlib",
                                        "radius_km": 5}]})  # fmt: skip
    cells = gpd.GeoDataFrame({"pop_central": [1_000_000.0, 746_526.0]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _check_population_total(sc, cells, str(IDLIB_TIF))
    assert [issubclass(w.category, SafeZonesWarning) for w in caught] == ([True] if warns else [])


def test_exact_repeated_rows_are_dropped_with_a_warning(tmp_path):
    code, out, err = cli(*data_check("ucdp", ucdp_repeated_row)(tmp_path))
    assert code == 0, err
    assert (
        "warning: " + str(tmp_path / "ucdp.csv") + ": 3 rows repeat an earlier row exactly "
        "(line 10 repeats line 2, line 11 repeats line 3, line 12 repeats line 2): dropped, so "
        "each event counts once"
    ) in flat(err)
    assert "8 rows read, 8 kept" in flat(out)  # the 8 events of the sample, each once


def test_one_repeated_row_is_singular(tmp_path):
    lines = csv_lines(UCDP)
    f = write(tmp_path, "ucdp.csv", [*lines, lines[1]])
    code, _, err = cli("data", "check", f, "-f", "ucdp")
    assert code == 0 and "1 row repeats an earlier row exactly (line 10 repeats line 2)" in flat(
        err
    )


def test_data_check_says_when_a_raster_has_no_nodata(tmp_path):
    f = tif(tmp_path, [[1, 2], [3, 4]], nodata=None)
    code, out, err = cli("data", "check", f, "-f", "raster")
    assert code == 0
    assert "total 10 people" in flat(out)
    assert "the raster sets no nodata value, so every cell counts as people" in flat(err)


@pytest.mark.parametrize(("start", "end", "warns"), [(2014, 2014, False), (2014, 2015, True),
                                                     (2013, 2014, True)])  # fmt: skip
def test_the_window_warning_counts_whole_years_of_daily_events(start, end, warns):
    """Daily events from 3 January to 28 December 2014 cover the year 2014, not 2015."""
    sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
                             "events": {"start": start, "end": end},
                             "zones": [{"id": "a", "kind": "freeze", "place": "Idlib",
                                        "radius_km": 5}]})  # fmt: skip
    events = gpd.GeoDataFrame({"date_start": pd.to_datetime(["2014-01-03", "2014-12-28"]),
                               "date_end": pd.to_datetime(["2014-01-03", "2014-12-28"])})  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _check_window(sc, events, "ev.csv")
    assert len(caught) == int(warns)
    if warns:
        assert "the events (bundled UCDP GED) run from 2014-01-03 to 2014-12-28" in str(
            caught[0].message
        )
