"""The seed article's facts: structured, cited, and true to the article."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import shapely

from safezones import data

ROOT = Path(__file__).resolve().parents[1]


def _seed_files():
    return sorted((ROOT / "seeds").glob("*.toml"))


def test_packaged_copy_equals_seeds_folder():
    packaged = Path(data.__file__).parent / "seeds"
    for f in _seed_files():
        assert (packaged / f.name).read_bytes() == f.read_bytes(), "run make data"


def test_every_record_cites_a_known_source():
    for f in _seed_files():
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        keys = set(doc["citations"])
        for section in ("events", "population", "proposals", "tolls", "context"):
            for i, rec in enumerate(doc[section]):
                assert rec.get("citation") in keys, f"{f.name} {section}[{i}]"


def test_seed_facts_api():
    s = data.seed_facts()
    assert s.events.crs.to_epsg() == 4326
    assert s.events.killed_min.tolist() == [63, 53]
    assert s.events.civilians_killed_min.tolist() == [36, 31]
    assert [d.isoformat()[:10] for d in s.events.date] == ["2014-11-25", "2014-09-06"]
    assert s.tolls["count"].tolist() == [195_000]
    nov = s.population[s.population.period == "2014-11"].iloc[0]
    assert (nov.population_low, nov.population_high) == (300_000, 350_000)
    assert set(s.proposals.kind) == {"freeze", "refuge", "safe"}
    refuge = s.proposals.set_index("kind").loc["refuge"]
    assert sorted(refuge.neighbours) == ["JOR", "LBN", "TUR"]
    assert "AFP" in s.cite("afp-2014-11-26")


def test_seed_events_lie_in_raqqa():
    s = data.seed_facts().events.to_crs("EPSG:32637")
    raqqa = data.find_place("Raqqa")
    city = data.places("SY").set_index("geonameid").loc[[172955]].to_crs("EPSG:32637")
    assert shapely.distance(s.geometry.to_numpy(), city.geometry.iloc[0]).max() < 5_000
    assert raqqa.geonameid == 172955
    syria = data.syria()
    assert data.seed_facts().events.within(syria).all()


def test_numbers_are_those_of_the_article(seed_article):
    """Every count in the seed file is stated in the article itself."""
    numbers = set(re.findall(r"\d[\d,]*", seed_article))
    numbers = {n.replace(",", "") for n in numbers}
    s = data.seed_facts()
    for v in [
        *s.events.killed_min,
        *s.events.civilians_killed_min,
        *s.population.population_low,
        *s.population.population_high,
        *s.tolls["count"],
    ]:
        assert str(int(v)) in numbers or f"{int(v):,}" in seed_article, v


def test_no_sentence_of_the_article_is_copied(seed_article):
    """Facts only: no run of eight words from the article appears in the seeds."""
    words = re.findall(r"[\w’']+", seed_article.lower())
    grams = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
    for f in _seed_files():
        ours = re.findall(r"[\w’']+", f.read_text(encoding="utf-8").lower())
        ours_grams = {" ".join(ours[i : i + 8]) for i in range(len(ours) - 7)}
        assert not (grams & ours_grams), sorted(grams & ours_grams)[:3]


@pytest.mark.parametrize("field", ["date", "lon", "lat", "killed_min"])
def test_events_have_required_fields(field):
    for f in _seed_files():
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        assert all(field in e for e in doc["events"])
