"""The backtests: observed columns are the files' totals, splits hold, outputs follow the files.

Observed figures are those of the shared data README (UNHCR end of 2014: Turkey
1,557,899; CCCM ISIMM Nov 2019: 868,486 people in the sites) or recomputed here with
plain pandas; the metrics are recomputed from the rows with this file's own formulas.
Draws are few (5): these tests check bookkeeping, not the model's skill.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from safezones.validate.backtest import BACKTESTS, SPLITS, backtests, bundled_validation
from safezones.validate.history import grid
from safezones.validate.observed import bundled_path

DRAWS = 5
TURKEY_2014 = 1_557_899  # UNHCR, end of 2014 (shared data README)
SITES_2019_11 = 868_486  # CCCM ISIMM, Nov 2019 (shared data README)
ADVICE = "give --out a new or empty folder, or remove it yourself"


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def val():
    return backtests(draws=DRAWS)


@pytest.fixture(scope="module")
def bundled():
    return bundled_validation()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``safezones validate`` on the bundled files and on a refugees file with Turkey 2013 changed."""
    base = tmp_path_factory.mktemp("validate")
    raw = pd.read_csv(bundled_path("refugees"))
    tur13 = (raw["year"] == 2013) & (raw["coa_iso"] == "TUR")
    assert tur13.sum() == 1
    old = int(raw.loc[tur13, "refugees"].iloc[0])
    raw.loc[tur13, "refugees"] = old * 2
    changed = base / "refugees.csv"
    raw.to_csv(changed, index=False)
    out = {}
    for name, extra in (("bundled", []), ("changed", ["--refugees", changed])):
        proc = run_cli("validate", "--out", base / name, "--draws", DRAWS, *extra, columns=400)
        assert proc.returncode == 0, proc.stderr
        out[name] = json.loads((base / name / "validation.json").read_text(encoding="utf-8"))
    return out, changed, old


def plain_ard(o: np.ndarray, p: np.ndarray) -> float:
    ok = o > 0
    return float(np.mean(np.abs(p[ok] - o[ok]) / o[ok]))


# ------------------------------------------------------------------ observed columns


def test_refugees_rows_are_the_file(val):
    rows = val.backtests["refugees_by_host"].rows
    tur = rows[(rows["year"] == 2014) & (rows["country"] == "TUR")]
    assert tur["observed"].tolist() == [TURKEY_2014]
    raw = pd.read_csv(bundled_path("refugees"))
    raw = raw[raw["coa_iso"].isin(["TUR", "LBN", "JOR", "IRQ", "EGY"]) & (raw["year"] >= 2012)]
    expected = raw.set_index(["year", "coa_iso"])["refugees"].sort_index()
    got = rows.set_index(["year", "country"])["observed"].sort_index()
    assert got.index.tolist() == expected.index.tolist()
    assert (got.to_numpy() == expected.to_numpy()).all()


def test_sites_rows_in_the_zone_plus_those_outside_are_the_file(val):
    bt = val.backtests["sites_by_district"]
    rows = bt.rows
    zone = set(grid().zone.district)
    assert set(rows["district"]) <= zone
    raw = pd.read_csv(bundled_path("sites"), dtype={"month": str})
    (skip,) = [s for s in bt.skipped if "outside the zone" in s]
    stated = {
        d: float(v.replace(",", ""))
        for d, v in re.findall(r"(SY\d{4}) \(([\d,]+) person-months\)", skip)
    }
    assert stated and not set(stated) & zone
    # every month (all in the scored years 2017-2019): rows + the stated outside == the file
    assert rows["observed"].sum() + sum(stated.values()) == pytest.approx(raw["individuals"].sum())
    # November 2019: the rows in the zone + the people outside it that month == 868,486
    from safezones.validate.observed import read_sites

    t = read_sites().table
    outside_nov = t[(t["month"] == "2019-11") & ~t["district"].isin(zone)]["observed"].sum()
    in_zone_nov = rows[rows["month"] == "2019-11"]["observed"].sum()
    assert in_zone_nov + outside_nov == SITES_2019_11
    assert int(raw[raw["month"] == "2019-11"]["individuals"].sum()) == SITES_2019_11


def test_sites_incomplete_month_is_not_scored(val):
    rows = val.backtests["sites_by_district"].rows
    assert set(rows[~rows["scored"]]["month"]) == {"2018-07"}
    m = val.backtests["sites_by_district"].metrics
    assert m["2018"]["units"] == int(((rows["year"] == 2018) & rows["scored"]).sum())


def test_movements_rows_are_the_file(val):
    rows = val.backtests["movements_by_governorate"].rows
    raw = pd.read_csv(bundled_path("movements"), dtype={"month": str})
    raw["year"] = raw["month"].str[:4].astype(int)
    aleppo16 = raw[(raw["governorate"] == "Aleppo") & (raw["year"] == 2016)]["idp_movements"]
    row = rows[(rows["governorate"] == "SY02") & (rows["year"] == 2016)]
    assert row["observed"].tolist() == [aleppo16.sum()] == [821_749]
    assert row["months"].tolist() == [int(aleppo16.notna().sum())]
    assert rows["observed"].sum() == pytest.approx(raw["idp_movements"].sum())


# ------------------------------------------------------------------ splits and bands


@pytest.mark.parametrize("name", sorted(BACKTESTS))
def test_splits_never_overlap_and_tests_come_after_training(name):
    s = SPLITS[name]
    assert set(s) == {"train", "test"}
    assert not set(s["train"]) & set(s["test"])
    assert max(s["train"]) < min(s["test"])


@pytest.mark.parametrize("name", sorted(BACKTESTS))
def test_every_row_split_is_the_splits_one(name, val, bundled):
    for v in (val, bundled):
        rows = v.backtests[name].rows
        assert len(rows)
        for year, split in zip(rows["year"], rows["split"], strict=True):
            assert year >= min(SPLITS[name]["train"])
            expected = "train" if year in SPLITS[name]["train"] else "test"
            assert split == expected, (year, split)
            if split == "test":
                assert year in SPLITS[name]["test"]  # the bundled files hold no later years


@pytest.mark.parametrize("name", sorted(BACKTESTS))
def test_bands_are_ordered_on_every_row(name, val, bundled):
    for v in (val, bundled):
        rows = v.backtests[name].rows
        assert (rows["p5"] <= rows["p50"]).all() and (rows["p50"] <= rows["p95"]).all()
        assert np.isfinite(rows[["p5", "p50", "p95"]].to_numpy(dtype=float)).all()


@pytest.mark.parametrize("name", sorted(BACKTESTS))
def test_metrics_are_those_of_the_scored_rows(name, val):
    bt = val.backtests[name]
    rows = bt.rows[bt.rows["scored"]]
    years = sorted(str(y) for y in rows["year"].unique())
    assert list(bt.metrics) == [*years, "train", "test"]
    for key, m in bt.metrics.items():
        part = (
            rows[rows["split"] == key]
            if key in ("train", "test")
            else rows[rows["year"].astype(str) == key]
        )
        o, p = part["observed"].to_numpy(float), part["p50"].to_numpy(float)
        assert m["units"] == len(part)
        assert m["ard"] == pytest.approx(plain_ard(o, p))
        inside = (part["p5"] <= part["observed"]) & (part["observed"] <= part["p95"])
        assert m["coverage"] == pytest.approx(inside.mean())


def test_a_year_beyond_the_windows_is_scored_with_the_latest_and_says_so(tmp_path):
    raw = pd.read_csv(bundled_path("refugees"))[["year", "coa_iso", "refugees"]]
    # made-up later stocks (assumption: only the bookkeeping is tested)
    extra = pd.DataFrame(
        {"year": [2015, 2021], "coa_iso": ["TUR", "JOR"], "refugees": [2_500_000, 650_000]}
    )
    p = tmp_path / "refugees.csv"
    pd.concat([raw, extra]).to_csv(p, index=False)
    v = backtests(draws=DRAWS, refugees=p)
    rows = v.backtests["refugees_by_host"].rows.set_index(["year", "country"])
    last = max(grid().years)
    assert last == 2019  # the bundled events' last year
    assert rows.loc[(2015, "TUR"), "window"] == 2015  # the model has a 2015 window
    assert rows.loc[(2021, "JOR"), "window"] == last
    assert rows.loc[(2015, "TUR"), "split"] == rows.loc[(2021, "JOR"), "split"] == "test"
    assert rows.loc[(2021, "JOR"), "observed"] == 650_000
    # the 2021 row is the 2019 window's prediction, the same as a 2019 row would get
    assert (rows["window"] <= last).all()
    m = v.backtests["refugees_by_host"].metrics
    assert m["2021"]["units"] == 1 and math.isnan(m["2021"]["spearman"])
    assert m["test"]["units"] == 5 + 2


# ------------------------------------------------------------------ validation.json from the CLI


def test_validation_json_shape(runs):
    docs, _, _ = runs
    doc = docs["bundled"]
    for name in BACKTESTS:
        assert set(doc[name]) >= {"rows", "metrics", "sha256", "source"}
        for period, m in doc[name]["metrics"].items():
            assert period in ("train", "test") or re.fullmatch(r"\d{4}", period)
            assert set(m) >= {"ard", "spearman", "coverage"}
        for r in doc[name]["rows"]:
            assert r["p5"] <= r["p50"] <= r["p95"]
            assert r["split"] in ("train", "test")
    ref = doc["refugees_by_host"]
    assert set(ref["rows"][0]) >= {"year", "country", "observed", "p5", "p50", "p95", "split"}
    assert list(ref["metrics"]) == ["2012", "2013", "2014", "train", "test"]
    assert "month" in doc["sites_by_district"]["rows"][0]
    assert "governorate" in doc["movements_by_governorate"]["rows"][0]
    assert doc["model"]["draws"] == DRAWS
    assert doc["refugees_by_host"]["sha256"] == sha256(bundled_path("refugees"))


def test_a_changed_observed_file_changes_its_row_metrics_and_hash(runs):
    docs, changed, old = runs
    a, b = docs["bundled"]["refugees_by_host"], docs["changed"]["refugees_by_host"]

    def row(doc, year, country):
        (r,) = [r for r in doc["rows"] if r["year"] == year and r["country"] == country]
        return r

    assert row(a, 2013, "TUR")["observed"] == old
    assert row(b, 2013, "TUR")["observed"] == 2 * old
    # the prediction does not read the observed file: same bands, same seed and draws
    assert [row(b, 2013, "TUR")[k] for k in ("p5", "p50", "p95")] == [
        row(a, 2013, "TUR")[k] for k in ("p5", "p50", "p95")
    ]
    assert a["metrics"]["2013"]["ard"] != b["metrics"]["2013"]["ard"]
    assert a["metrics"]["train"]["ard"] != b["metrics"]["train"]["ard"]
    assert (
        a["metrics"]["2012"] == b["metrics"]["2012"]
        and a["metrics"]["test"] == b["metrics"]["test"]
    )
    # ARD of 2013 recomputed from the changed rows
    rows13 = [r for r in b["rows"] if r["year"] == 2013]
    o = np.array([r["observed"] for r in rows13])
    assert b["metrics"]["2013"]["ard"] == pytest.approx(
        plain_ard(o, np.array([r["p50"] for r in rows13]))
    )
    assert b["sha256"] == sha256(changed) != a["sha256"]
    assert b["source"] == str(changed)
    # the other backtests read the bundled files in both runs
    for name in ("movements_by_governorate", "sites_by_district"):
        assert docs["changed"][name]["sha256"] == docs["bundled"][name]["sha256"]


def test_validate_refuses_a_folder_holding_a_foreign_file(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    proc = run_cli("validate", "--out", out, "--draws", DRAWS, columns=400)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    msg = " ".join(proc.stderr.split())
    assert (
        f"cannot write the output folder {out}: it holds files that safezones did not write (notes.txt); {ADVICE}"
        in msg
    )
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
