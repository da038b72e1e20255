"""The README's section "How well does the model reproduce 2012-2019?" against the bundled files.

The figures the README quotes are read out of it with regular expressions and
compared with ``src/safezones/data/validation.json`` (the bundled backtests of
the defaults) and ``calibration.json``, so the README cannot drift from them;
the sentences that judge the figures ("off by less than half") are checked
against the same numbers; the record's gaps it names are recounted from the
bundled observed files. One test recomputes the backtests with today's model
at the bundled file's draws and seed, so the bundled file cannot drift from
the model either (about 20 s).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from conftest import run_cli
from safezones import data
from safezones.validate.backtest import BACKTESTS, LIMITS, SPLITS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TITLE = "## How well does the model reproduce 2012-2019?"
ROW = re.compile(
    r"^\| `(\w+)` \| (train|test) (\d{4}(?:-\d{4})?) \| (\d+) \| ([\d.]+) \| ([\d.]+) \| "
    r"(-?[\d.]+|n/a) \| (\d+) % \|$",
    re.M,
)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _section() -> str:
    assert TITLE in README, "the README no longer has its validation section"
    rest = README.split(TITLE, 1)[1]
    return rest.split("\n## ", 1)[0]


def _years(years: tuple[int, ...]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def test_validation_section_sits_with_the_headline_results():
    heads = re.findall(r"^## .+$", README, re.M)
    i = heads.index(TITLE)
    assert heads[i - 1].startswith("## Ten lines") and heads[i + 1] == "## Notebooks"


def test_validation_table_is_the_bundled_file():
    doc = data.validation()
    rows = ROW.findall(_section())
    assert [(r[0], r[1]) for r in rows] == [(n, p) for n in BACKTESTS for p in ("train", "test")]
    for name, period, years, units, ard, flee, rho, cov in rows:
        m = doc[name]["metrics"][period]
        assert years == _years(SPLITS[name][period]), (name, period)
        assert int(units) == m["units"], (name, period)
        assert ard == f"{m['ard']:.2f}", (name, period)
        assert flee == f"{m['ard_flee']:.2f}", (name, period)
        want = (
            "n/a" if m["spearman"] is None or math.isnan(m["spearman"]) else f"{m['spearman']:.2f}"
        )
        assert rho == want, (name, period)
        assert int(cov) == round(100 * m["coverage"]), (name, period)


def test_validation_section_names_the_bundled_draws_and_seed():
    model = data.validation()["model"]
    m = re.search(r"`src/safezones/data/validation\.json`, (\d+) draws, seed (\d+)\)",
                  _flat(_section()))  # fmt: skip
    assert m, "the README no longer gives the bundled backtests' draws and seed"
    assert (int(m.group(1)), int(m.group(2))) == (model["draws"], model["seed"])


def test_validation_sentences_hold_for_the_bundled_figures():
    """The words that judge the figures say what the figures say."""
    text = _flat(_section())
    metrics = {n: data.validation()[n]["metrics"] for n in BACKTESTS}
    ref = [metrics["refugees_by_host"][p] for p in ("train", "test")]
    assert "The hosts come out in nearly the right order, off by less than half on average" in text
    assert all(m["ard"] < 0.5 and m["spearman"] >= 0.85 for m in ref)
    mov = [metrics["movements_by_governorate"][p] for p in ("train", "test")]
    assert ("off by more than the observed figures themselves in the average governorate, by "
            "about two thirds of the total by Flee's measure, and only partly right on their "
            "order") in text  # fmt: skip
    assert all(m["ard"] > 1 and 0.55 <= m["ard_flee"] < 0.8 and m["spearman"] < 0.7 for m in mov)


def test_validation_limits_are_the_records():
    """Turkey's switched figure and the sites' missing and incomplete months, recounted."""
    from safezones.validate.observed import bundled_path

    text = _flat(_section())
    for words in ("Stocks against flows", "Imprecise site coordinates", "Missing months",
                  "switched Turkey's figure to the Turkish government's"):  # fmt: skip
        assert words in text, words
    unhcr = pd.read_csv(bundled_path("refugees"))
    tur = int(unhcr.query("year == 2014 and coa_iso == 'TUR'")["refugees"].sum())
    m = re.search(r"the Turkish government's \(([\d,]+)\)", text)
    assert m and int(m.group(1).replace(",", "")) == tur
    assert f"{tur:,}" in " ".join(LIMITS["refugees_by_host"])
    # the months CCCM's record lacks, from the raw file
    sites = pd.read_csv(bundled_path("sites"))
    have = set(sites["month"].astype(str).str[:7])
    span = pd.period_range(min(have), max(have), freq="M").astype(str)
    absent = [m for m in span if m not in have]
    m = re.search(r"CCCM's record has no ([\d\-, ]+?) or (\d{4}-\d\d) to (\d{4}-\d\d);", text)
    assert m, "the README no longer lists the sites' missing months"
    listed = [s.strip() for s in m.group(1).split(",")]
    listed += pd.period_range(m.group(2), m.group(3), freq="M").astype(str).tolist()
    assert listed == absent
    rows = pd.DataFrame(data.validation()["sites_by_district"]["rows"])
    flagged = sorted(rows.loc[rows["incomplete"], "month"].unique())
    m = re.search(r"(\d{4}-\d\d), a fifth below both neighbouring months, is flagged incomplete",
                  text)  # fmt: skip
    assert m and flagged == [m.group(1)]
    assert not rows.loc[rows["incomplete"], "scored"].any()


def test_validation_section_calibration_sentence():
    cal = data.calibration()
    m = re.search(r"The calibration pinned down (\d+) of its (\d+) parameters \(the lowest "
                  r"displacement rate and the pull of each of the five neighbours\)",
                  _flat(_section()))  # fmt: skip
    assert m, "the README no longer says what the calibration identified"
    identified = sorted(k for k, v in cal["identified"].items() if v == "identified")
    assert (int(m.group(1)), int(m.group(2))) == (len(identified), len(cal["identified"]))
    assert identified == sorted(["rate_low", *(f"attract_{c}" for c in
                                               ("TUR", "LBN", "JOR", "IRQ", "EGY"))])  # fmt: skip


def test_validation_commands_write_what_the_readme_says(tmp_path):
    section = _section()
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    assert "safezones validate --out out/validation" in block
    assert "safezones calibrate --out out/calibration" in block
    out = tmp_path / "validation"
    proc = run_cli("validate", "--out", out, "--draws", "5", "--quiet")
    assert proc.returncode == 0, proc.stderr
    said = section.split("`validate` writes", 1)[1].split("`calibrate` writes", 1)[0]
    files = {f for f in re.findall(r"`([\w.]+\.(?:json|csv|png|md))`", said)}
    assert files >= {"validation.json", "metrics.csv", "validation.png", "timeseries.png",
                     "README.md"}  # fmt: skip
    written = {p.name for p in out.iterdir()}
    assert files <= written
    assert {f"{n}.csv" for n in BACKTESTS} <= written  # "one CSV per backtest"
    # calibrate's calibration.json: what the README says it holds, in the bundled one
    cal = data.calibration()
    assert {"values", "ranges", "identified", "train", "test", "data"} <= set(cal)


def test_bundled_validation_is_todays_model():
    """The defaults' backtests at the bundled draws and seed equal data/validation.json (2 d.p.)."""
    from safezones.validate.backtest import backtests
    from safezones.validate.history import Params

    doc = data.validation()
    model = doc["model"]
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in Params().__dict__.items()}
    assert values == model["values"]  # the bundled file was made with today's defaults
    val = backtests(draws=model["draws"], seed=model["seed"])
    for name in BACKTESTS:
        want, got = doc[name]["metrics"], val.backtests[name].metrics
        assert sorted(got) == sorted(want), name
        for period, m in want.items():
            for k, v in m.items():
                g = got[period][k]
                if v is None:
                    assert g is None or math.isnan(g), (name, period, k)
                elif k == "units":
                    assert g == v, (name, period)
                else:
                    assert round(g, 2) == round(v, 2), (name, period, k, g, v)
        assert val.backtests[name].sha256 == doc[name]["sha256"], name


def test_the_density_people_accepted_is_the_bundled_record():
    """Harim's people per km2 of its zone part in November 2019, and its ratio to capacity."""
    rows = pd.DataFrame(data.validation()["sites_by_district"]["rows"])
    harim = rows[(rows["district"] == "SY0703") & (rows["month"] == "2019-11")].iloc[0]
    # independent: the sites' own total for Harim that month over the zone part's area
    sites = pd.read_csv(ROOT / "src/safezones/data/observed/cccm_nw_syria_sites_2017_2019.csv")
    people = sites[(sites["month"] == "2019-11") & (sites["district"] == "Harim")][
        "individuals"
    ].sum()
    density = people / harim["zone_area_km2"]
    m = re.search(r"in November 2019 Harim's sites held ([\d,]+) people per km² of its part of "
                  r"the strip, ([\d.]+) times the Sphere-based capacity", _flat(_section()))  # fmt: skip
    assert m, "the README no longer quotes the density people accepted"
    assert int(m.group(1).replace(",", "")) == round(density)
    assert float(m.group(2)) == round(density / harim["capacity_per_km2"], 1)
