"""``safezones data check``: unmapped dyad names of an events file, and control layers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from conftest import run_cli

REPO = Path(__file__).resolve().parents[1]


def run(*args):
    return run_cli(*args, cwd=REPO, columns=200)


def test_data_check_lists_every_unmapped_dyad_name_with_its_events(tmp_path):
    ucdp = pd.read_csv(REPO / "tests/data/ucdp_ged_full_sample.csv", dtype=str)
    ucdp.loc[0:2, "side_b"] = "Liwa Invented"  # 3 events
    ucdp.loc[3, "side_b"] = "Syrian insurgents, Jaysh Invented"  # 1 event, one name of two
    ucdp.loc[4, "side_a"] = "Jaysh Invented"
    f = tmp_path / "ged.csv"
    ucdp.to_csv(f, index=False)
    proc = run("data", "check", f, "-f", "ucdp")
    assert proc.returncode == 0, proc.stderr
    assert (
        "actors: 2 names are not in the actor table (data/actor_map.csv); their events count "
        'only for the other side or under threat.actors = "all":\n'
        "  Liwa Invented: 3 events\n"
        "  Jaysh Invented: 2 events\n"
    ) in proc.stdout


def test_data_check_of_acled_maps_the_codebook_names(tmp_path):
    acled = pd.read_csv(REPO / "tests/data/acled_syria_export.csv", dtype=str)
    assert run("data", "check", "tests/data/acled_syria_export.csv", "-f", "acled").stdout.endswith(
        "actors: every dyad name maps to an actor (data/actor_map.csv)\n"
    )
    acled.loc[1, "actor2"] = "Saraya [bold]Qasioun"  # markup is shown as typed
    f = tmp_path / "acled.csv"
    acled.to_csv(f, index=False)
    out = run("data", "check", f, "-f", "acled").stdout
    assert "actors: 1 name is not in the actor table" in out
    assert "  Saraya [bold]Qasioun: 1 event\n" in out


def test_data_check_of_a_control_layer(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text(
        "lon,lat,actor,date\n37.16,36.2,opposition,2014-11-01\n39.0,35.95,IS,2014-11-01\n"
        "39.01,35.96,Daesh,2014-11-01\n36.3,33.5,regime,2015\n",
        encoding="utf-8",
    )
    proc = run("data", "check", f, "-f", "control")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        f"{f}: 4 rows read, 4 points kept\n"
        "date 2014-11-01: opposition 1, islamic_state 2\n"
        "date 2015-01-01: government 1\n"
    )


def test_data_check_of_a_bad_control_layer_exits_2_with_every_problem(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("lon,lat,actor,date\n37.16,36.2,rebels?,2014\n37.2,36.2,kurds,soon\n")
    proc = run("data", "check", f, "-f", "control")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "'rebels?' is not an actor" in proc.stderr and "line 3 ('soon')" in proc.stderr
