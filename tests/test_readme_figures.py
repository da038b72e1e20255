"""The figures the README quotes are the ones the code gives today.

Each test reads a sentence of the README, takes the numbers out of it with a
regular expression, computes them again with the package and compares. A
change to the model or the data that moves a quoted figure fails here until
the README is corrected. Timings are not checked (they depend on the
machine); they are marked in the README with the machine they were measured on.
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
WORDS = {"no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _millions(v: float) -> float:
    return round(v / 1e6, 2)


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
def shipped_table() -> pd.DataFrame:
    from safezones.scenario import compare, comparison_table

    paths = sorted((ROOT / "scenarios").glob("*.toml"))
    return comparison_table(compare([str(p) for p in paths], draws=50))


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


def test_quickstart_figures():
    """The ten lines' 10 km and 30 km strips, as the README and its picture quote them."""
    from safezones.scenario import Scenario, run

    strip = Scenario.from_dict({
        "id": "turkey", "title": "Turkish border strip", "source": {"citation": "analyst's test"},
        "zones": [{"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 10}],
    })  # fmt: skip
    got = {}
    for d in (10, 30):
        q = run(strip.with_values({"zones.turkey.depth_km": d}), draws=200, seed=1).totals
        got[d] = tuple(_millions(q.loc["sheltered", c]) for c in ("p50", "p5", "p95"))
    text = _flat(README)
    m = re.search(r"the 10 km strip shelters ([\d.]+) M \(P5 ([\d.]+) M, P95 ([\d.]+) M\)", text)
    assert m and tuple(map(float, m.groups())) == got[10]
    m = re.search(r"the 30 km strip ([\d.]+) M \(([\d.]+) M to ([\d.]+) M\)", text)
    assert m and tuple(map(float, m.groups())) == got[30]
    # the alt text of docs/quickstart.png quotes the same figures
    alt = re.search(r"!\[The quickstart's maps: ([^\]]*)\]", text).group(1)
    quoted = [float(x) for x in re.findall(r"([\d.]+) M", alt)]
    assert quoted == [*got[10], *got[30]]
