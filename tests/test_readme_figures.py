"""The figures the README quotes are the ones the code gives today.

Each test reads a sentence of the README, takes the numbers out of it with a
regular expression, computes them again with the package and compares. A
change to the model or the data that moves a quoted figure fails here until
the README is corrected. Timings are not checked (they depend on the
machine); they are marked in the README with the machine they were measured on.
The quickstart's figures are checked in test_readme.py, on the tour's own results.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safezones import data

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
WORDS = {"no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_precision_classes_of_2014():
    m = re.search(r"In 2014, ([\d,]+) of the ([\d,]+) UCDP events are of class 3-4", _flat(README))
    assert m, "the README no longer quotes the 2014 precision classes"
    coarse, total = (int(g.replace(",", "")) for g in m.groups())
    ev = data.events()
    ev = ev[ev.year == 2014]
    # classes 3-4 are UCDP where_prec 3 to 7 (district, governorate and coarser)
    assert (len(ev), int((ev.where_prec >= 3).sum())) == (total, coarse)


def test_shipped_scenarios_table_border_lengths():
    """The scenario table's stretch lengths are the lengths of the drawn stretches."""
    from safezones.model.geometry import border_stretch
    from safezones.scenario import Scenario

    rows = dict(re.findall(r"\| `([\w-]+)\.toml` \| [^|]*?\(([\d,]+) km of border\)", README))
    assert rows, "the README's scenario table no longer gives stretch lengths"
    for sid, km in rows.items():
        sc = Scenario.from_toml(ROOT / "scenarios" / f"{sid}.toml")
        (z,) = (z for z in sc.zones if getattr(z, "start", None) is not None)
        length = border_stretch(z.border, z.start, z.end)[1].length / 1000  # PROJECT_CRS, m
        assert round(length) == int(km.replace(",", "")), sid


@pytest.fixture(scope="module")
def shipped_results() -> list:
    from safezones.scenario import compare

    paths = sorted((ROOT / "scenarios").glob("*.toml"))
    return list(compare([str(p) for p in paths], draws=50))


@pytest.fixture(scope="module")
def shipped_table(shipped_results) -> pd.DataFrame:
    from safezones.scenario import comparison_table

    return comparison_table(shipped_results)


def test_how_many_shipped_scenarios_are_full(shipped_table):
    m = re.search(r"sheltered equals capacity in (\w+) of the (\w+) shipped scenarios",
                  _flat(README))  # fmt: skip
    assert m, "the README no longer says how many shipped scenarios are full"
    full, of = (WORDS[w] for w in m.groups())
    t = shipped_table
    assert of == len(t)
    is_full = np.isclose(t.sheltered_p50, t.capacity_p50, rtol=1e-6)
    assert int(is_full.sum()) == full
    only = re.search(r"Only (the [\w ]+?) (?:is|are) limited by who can reach", _flat(README))
    if only:  # the scenarios not full are the ones the README names
        named = {
            "the border refuge zones": "border-refuge-zones",
            "the 2019 Turkish strip": "turkey-strip-2019",
        }
        assert sorted(t.scenario[~is_full]) == sorted(
            named[s.strip()] for s in only.group(1).split(" and ")
        )


def _pct(v: float) -> int:
    return round(100 * float(v))


def test_who_holds_the_ground_table(shipped_results):
    """The table of threat, holder, sheltered and deaths averted per shipped scenario."""
    from safezones._text import people

    rows = re.findall(
        r"^\| `([\w-]+)` \| ([\w, ]+) \| ([^|]+) \| ([\d.,]+(?: M)?) \| (-?[\d,]+) \|$",
        README,
        re.M,
    )
    assert len(rows) == len(shipped_results) == 6
    by_id = {r.scenario.id: r for r in shipped_results}
    for sid, threat, held, sheltered, deaths in rows:
        r = by_id[sid]
        assert threat.split(", ") == list(r.scenario.threat.names()), sid
        assert sheltered == people(r.totals.loc["sheltered", "p50"]), sid
        assert int(deaths.replace(",", "")) == round(r.totals.loc["deaths_averted", "p50"]), sid
        pz = r.per_zone
        if len(pz) == 1:  # "islamic_state (97 %)": the zone's actor and its population share
            actor = pz["actor"].iloc[0]
            share = _pct(pz[f"share_population_{actor}"].iloc[0])
            assert held == f"{actor} ({share} %)", sid
    lebanon = by_id["border-refuge-zones"].per_zone.set_index("zone_id").loc["lebanon"]
    assert (_pct(lebanon.share_population_government), _pct(lebanon.share_area_government)) == (
        81, 86,
    )  # fmt: skip
    text = _flat(README)
    assert (
        "81 % of the Lebanese refuge zone's residents live on government-held ground (86 %" in text
    )
    north = by_id["safe-zones-north"].per_zone.iloc[0]
    assert f"{_pct(north.share_population_islamic_state)} % of the French northern zone's" in text
    held = by_id["border-refuge-zones-held"].per_zone.set_index("zone_id")
    # "Kurdish forces in the Turkish zone (52 %), opposition in the others"
    assert held.actor.to_dict() == {"turkey": "kurds", "jordan": "opposition",
                                    "lebanon": "opposition"}  # fmt: skip
    assert (
        f"Kurdish forces in the Turkish zone ({_pct(held.loc['turkey'].share_population_kurds)} %)"
        in text
    )
    kept = (100 * held.area_km2 / held.area_before_cut_km2).round().astype(int).to_dict()
    m = re.search(r"(\d+) % of the Turkish strip's area is kept, (\d+) % of the Jordanian "
                  r"\(most of it unmapped desert\) and (\d+) % of the Lebanese", text)  # fmt: skip
    assert m and tuple(map(int, m.groups())) == (kept["turkey"], kept["jordan"], kept["lebanon"])
    jordan = held.loc["jordan"]
    assert jordan.share_area_unknown > 0.5  # "most of it unmapped desert"
