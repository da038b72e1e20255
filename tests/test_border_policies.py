"""Border policies of Syria's neighbours (seeds/border_policies.toml): cited, well formed,
and the derived [openness] table follows from the [[policies]] records by its rule.

Fast: reads only the two copies of the seed file (no shared data).
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import itertools
import re
import tomllib
from pathlib import Path

import pytest

from safezones import data

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "border_policies.toml"
PACKAGED = Path(data.__file__).parent / "seeds" / "border_policies.toml"

COUNTRIES = ("TUR", "LBN", "JOR", "IRQ", "EGY")
YEARS = list(range(2011, 2020))
FIRST, LAST = dt.date(2011, 1, 1), dt.date(2019, 12, 31)
KINDS = {"open", "restricted", "closed"}


@pytest.fixture(scope="module")
def doc() -> dict:
    return tomllib.loads(SEED.read_text(encoding="utf-8"))


def _day(text: str, *, end: bool) -> dt.date:
    """An ISO date or month ("2015-03": its first day for a start, last for an end)."""
    if text == "":
        assert end, "only an end may be open"
        return LAST
    if re.fullmatch(r"\d{4}-\d{2}", text):
        y, m = map(int, text.split("-"))
        return dt.date(y, m, calendar.monthrange(y, m)[1] if end else 1)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", text), text
    return dt.date.fromisoformat(text)


def _span(p: dict) -> tuple[dt.date, dt.date]:
    return _day(p["start"], end=False), _day(p["end"], end=True)


def test_the_two_copies_are_identical():
    assert PACKAGED.read_bytes() == SEED.read_bytes(), "copy seeds/border_policies.toml"


def test_schema_and_citations(doc):
    assert doc["schema_version"] == 1
    assert doc["policies"]
    for key, c in doc["citations"].items():
        for field in ("publisher", "title", "published", "url"):
            assert c.get(field), (key, field)
        assert str(c["url"]).startswith(("http://", "https://")), key


def test_every_policy_cites_a_known_source_or_says_assumption(doc):
    keys = set(doc["citations"]) | {"assumption"}
    for i, p in enumerate(doc["policies"]):
        assert p["citation"] in keys, (i, p["citation"])
    used = {p["citation"] for p in doc["policies"]}
    assert set(doc["citations"]) <= used, set(doc["citations"]) - used  # none unused


def test_every_policy_is_well_formed(doc):
    for i, p in enumerate(doc["policies"]):
        assert p["country"] in COUNTRIES, (i, p["country"])
        assert p["kind"] in KINDS, (i, p["kind"])
        assert p["scope"] in {"main", "partial"}, (i, p["scope"])
        assert p["what"].strip(), i
        start, end = _span(p)
        assert FIRST <= start <= end <= LAST, (i, p["start"], p["end"])


def test_main_policies_tile_the_period_for_each_country(doc):
    """Per country, the main records cover 2011-01-01..2019-12-31 with no gap or overlap."""
    for c in COUNTRIES:
        spans = sorted(
            _span(p) for p in doc["policies"] if p["country"] == c and p["scope"] == "main"
        )
        assert spans, c
        assert spans[0][0] == FIRST, c
        assert spans[-1][1] == LAST, c
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start == end + dt.timedelta(days=1), (c, end, start)


def test_openness_shape_and_range(doc):
    o = doc["openness"]
    assert o["years"] == YEARS
    assert set(o["derivation"]) == set(COUNTRIES)
    assert o["rule"].strip()
    for c in COUNTRIES:
        assert len(o[c]) == len(YEARS), c
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in o[c]), c
    assert o["values"]["open"] == 1.0
    assert o["values"]["open"] > o["values"]["restricted"] > o["values"]["closed"] > 0


def _recompute(doc: dict, country: str, year: int) -> float:
    """The rule, day by day: each day takes the value of the main record in force."""
    value = doc["openness"]["values"]
    mains = [p for p in doc["policies"] if p["country"] == country and p["scope"] == "main"]
    day, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    total, n = 0.0, 0
    while day <= last:
        (p,) = [p for p in mains if _span(p)[0] <= day <= _span(p)[1]]
        total += value[p["kind"]]
        n += 1
        day += dt.timedelta(days=1)
    return total / n


@pytest.mark.parametrize("country", COUNTRIES)
def test_openness_follows_from_the_policies(doc, country):
    got = doc["openness"][country]
    want = [round(_recompute(doc, country, y), 2) for y in YEARS]
    assert got == pytest.approx(want, abs=0.005), (country, got, want)


def test_openness_ignores_partial_records(doc):
    """Changing a partial record's kind leaves every factor as it is."""
    changed = copy.deepcopy(doc)
    for p in changed["policies"]:
        if p["scope"] == "partial":
            p["kind"] = "open" if p["kind"] == "closed" else "closed"
    for c in COUNTRIES:
        assert [_recompute(changed, c, y) for y in YEARS] == [_recompute(doc, c, y) for y in YEARS]


def test_the_facts_of_the_brief_are_recorded(doc):
    """The dated facts the table rests on are there, with the dates the sources give."""

    def find(country, start, kind):
        hits = [p for p in doc["policies"] if p["country"] == country and p["start"] == start]
        assert hits, (country, start)
        assert any(p["kind"] == kind for p in hits), (country, start, kind)
        return hits[0]

    find("TUR", "2015-03", "restricted")  # official crossings closed, early March 2015
    find("TUR", "2016-01-08", "restricted")  # air and sea visa
    find("LBN", "2014-10-23", "restricted")  # cabinet policy of October 2014
    find("LBN", "2015-01-05", "closed")  # entry categories
    find("LBN", "2015-05", "closed")  # UNHCR registration suspended
    find("JOR", "2013-01", "closed")  # Palestinians from Syria barred
    find("JOR", "2013-06", "restricted")  # western informal crossings closed
    find("JOR", "2016-06-21", "closed")  # after the Rukban attack
    find("IRQ", "2013-05-20", "closed")  # Peshkhabour closed
    find("IRQ", "2013-08-15", "open")  # reopened: mass influx
    find("IRQ", "2014-06-21", "closed")  # al-Qaim under IS-led militants
    find("EGY", "2013-07-08", "restricted")  # visa and security clearance


def test_the_package_reads_the_file_with_the_other_seeds():
    """The catalog merges every packaged seed: ours adds policies and leaves the article alone."""
    s = data.seed_facts()
    assert len(s.events) == 2
    assert "unhcr-egy-2013-07" in s.citations
