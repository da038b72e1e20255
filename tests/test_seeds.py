"""The seed article's facts: structured, cited, and true to the article."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import shapely

from safezones import data
from safezones.crs import PROJECT_CRS
from safezones.defaults import (
    SITE_AREA_RANGE_M2,
    SPHERE_SITE_AREA_M2,
    SPHERE_SITE_AREA_MIN_M2,
    USABLE_FRACTION_RANGE,
)

ROOT = Path(__file__).resolve().parents[1]


def _seed_files():
    return sorted((ROOT / "seeds").glob("*.toml"))


def test_packaged_copy_equals_seeds_folder():
    packaged = Path(data.__file__).parent / "seeds"
    for f in _seed_files():
        assert (packaged / f.name).read_bytes() == f.read_bytes(), "run make data"


def test_every_record_cites_a_known_source():
    """Every record of every seed file cites a key of its [citations] (or says "assumption")."""
    for f in _seed_files():
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        keys = set(doc["citations"])
        sections = [k for k, v in doc.items() if isinstance(v, list)]
        assert sections, f.name
        for section in sections:
            for i, rec in enumerate(doc[section]):
                assert rec.get("citation") in keys | {"assumption"}, f"{f.name} {section}[{i}]"
                for k in (k for k in rec if k.endswith("_citation")):
                    assert rec[k] in keys, f"{f.name} {section}[{i}] {k}"
    article = tomllib.loads((ROOT / "seeds/raqqa_strikes_afp_2014-11-26.toml").read_text())
    for section in ("events", "population", "proposals", "tolls", "context"):
        assert article[section], section


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
        assert all(field in e for e in doc.get("events", []))


# ---------------------------------------------------------------- camp capacity (issue 19)


def _camp_capacity() -> dict:
    return tomllib.loads((ROOT / "seeds/camp_capacity.toml").read_text(encoding="utf-8"))


def _camp(doc: dict, camp: str, date: str) -> dict:
    (rec,) = [c for c in doc["camps"] if c["camp"] == camp and c["date"] == date]
    return rec


def _district(doc: dict, pcode: str) -> dict:
    (rec,) = [d for d in doc["districts"] if d["pcode"] == pcode]
    return rec


def test_camp_capacity_numbers_are_those_observed(shared_data):
    """Every number of camp_capacity.toml is in the observed files or recomputed from them."""
    doc = _camp_capacity()
    facts = pd.read_csv(shared_data / "observed/facts_displacement_calibration.csv")
    fact = facts.set_index("fact_id")["value"]
    zaatari = _camp(doc, "Zaatari", "2015-12")
    assert zaatari["area_km2"] == float(fact["zaatari_area_2015"]) == 5.3
    assert zaatari["people"] == int(fact["zaatari_pop_2015_12"]) == 79_138
    peak = _camp(doc, "Zaatari", "2013-10")
    assert peak["area_km2"] * 100 == float(fact["zaatari_area_2013_10"]) == 530  # ha
    assert peak["people"] == int(fact["zaatari_pop_2013_10"]) == 100_000
    azraq = _camp(doc, "Azraq", "2019-05")
    assert azraq["area_km2"] == float(fact["azraq_area"]) == 14.7
    assert azraq["people"] == int(fact["azraq_pop_2019_05"]) == 35_790
    assert _camp(doc, "Atmeh", "2014-07")["people"] == int(fact["atmeh_pop_2014_07"]) == 30_000
    (site,) = [s for s in doc["standards"] if s["m2_per_person"] == 45]
    assert site["m2_per_person"] == float(fact["camp_area_per_person"])
    # the 30 m2 lower figure is in no observed file: the seed says it is an assumption
    (low,) = [s for s in doc["standards"] if s["m2_per_person"] == 30]
    assert low["citation"] == "assumption"
    assert "30 m2" not in (shared_data / "README.md").read_text(encoding="utf-8")

    cccm = pd.read_csv(shared_data / "observed/cccm_nw_syria_sites_2017_2019.csv")
    nov = cccm[cccm["month"] == "2019-11"]
    by_district = nov.groupby("district")["individuals"].agg(["sum", "count"])
    districts = data.districts().to_crs(PROJECT_CRS).set_index("adm2_pcode")
    for pcode, name, people, sites in (("SY0204", "Azaz", 131_026, 20),
                                       ("SY0703", "Harim", 554_219, 313)):  # fmt: skip
        rec = _district(doc, pcode)
        assert rec["cccm_district"] == name
        assert rec["people"] == int(by_district.loc[name, "sum"]) == people
        assert rec["sites"] == int(by_district.loc[name, "count"]) == sites
        area = float(districts.loc[pcode].geometry.area) / 1e6
        assert rec["area_km2"] == round(area, 1), (pcode, area)


def test_camp_capacity_derived_figures_follow_from_the_records():
    doc = _camp_capacity()
    for rec in doc["camps"]:
        if "area_km2" in rec:  # m2 per person = area / people, to the whole m2
            assert rec["m2_per_person"] == round(rec["area_km2"] * 1e6 / rec["people"]), rec
    zaatari = _camp(doc, "Zaatari", "2015-12")
    assert zaatari["people_per_km2"] == round(79_138 / 5.3) == 14_932
    for rec in doc["districts"]:
        for m2 in (45, 67):
            share = rec["people"] * m2 / (rec["area_km2"] * 1e6)
            assert rec[f"usable_share_at_{m2}_m2"] == round(share, 4), (rec["pcode"], m2)


def test_capacity_ranges_follow_from_the_camp_facts():
    """defaults' site-area and usable-share ranges are the seed's observed camps."""
    doc = _camp_capacity()
    zaatari = _camp(doc, "Zaatari", "2015-12")
    assert SITE_AREA_RANGE_M2[1] == round(zaatari["area_km2"] * 1e6 / zaatari["people"]) == 67
    assert SITE_AREA_RANGE_M2[0] == SPHERE_SITE_AREA_MIN_M2 == 30
    assert SPHERE_SITE_AREA_M2 == 45
    azaz, harim = _district(doc, "SY0204"), _district(doc, "SY0703")
    # the comment's rounding: one decimal of a percent (0.5 %, 5.0 %)
    low = azaz["people"] * SPHERE_SITE_AREA_M2 / (azaz["area_km2"] * 1e6)
    high = harim["people"] * SITE_AREA_RANGE_M2[1] / (harim["area_km2"] * 1e6)
    assert USABLE_FRACTION_RANGE == (round(low, 3), round(high, 3)) == (0.005, 0.05)


def test_camp_capacity_is_packaged_and_leaves_the_seed_article_alone():
    packaged = Path(data.__file__).parent / "seeds" / "camp_capacity.toml"
    assert packaged.read_bytes() == (ROOT / "seeds/camp_capacity.toml").read_bytes()
    s = data.seed_facts()  # the article's facts are not mixed with the camps'
    assert len(s.events) == 2 and "Zaatari" not in set(s.population.get("place", []))
    assert "unhcr-zaatari-2015-12" in s.citations
