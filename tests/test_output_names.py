"""Output names say what the numbers are: population vs residents protected, weighted counts.

Issue 16, part 3. ``residents_p50`` held the residents who were *not*
displaced, and the residents map called them "Residents of the zones
(pre-war population)": an analyst under-reported a zone's population by
30-55 %. Every output now carries ``population_*`` (everyone living in the
zone) and ``residents_protected_*`` (those of them who stay), counts spread
over areas are ``*_weighted``, and people are whole numbers in the files.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyogrio
import pytest
from matplotlib.text import Text

import safezones as sz
from safezones import data, viz
from safezones._text import people
from safezones.crs import PROJECT_CRS
from safezones.model.threat import threat_mask
from safezones.scenario import Scenario, run, write_comparison
from safezones.viz.display import result_html, result_text

ROOT = Path(__file__).resolve().parents[1]
ALEPPO = ROOT / "scenarios" / "aleppo-freeze.toml"

#: Columns that count people, written by hand here (not taken from the package).
PEOPLE = re.compile(
    r"^(population|residents_protected|capacity|sheltered|sheltered_safe|displaced|unmet|people)"
    r"_(p5|p50|p95|low|central|high)$"
)
PER_ZONE = [
    "zone_id", "kind", "name", "area_km2", "events_weighted", "deaths_civilians_weighted",
    "events_per_1000km2_year", "exposure", "protection", "safety",
    "population_p5", "population_p50", "population_p95",
    "residents_protected_p5", "residents_protected_p50", "residents_protected_p95",
    "capacity_p5", "capacity_p50", "capacity_p95", "sheltered_p5", "sheltered_p50",
    "sheltered_p95",
    # issue 19: who is sheltered (arrivals + displaced within) and by each allocation
    "arrivals_p5", "arrivals_p50", "arrivals_p95",
    "displaced_within_p5", "displaced_within_p50", "displaced_within_p95",
    "sheltered_gravity_p5", "sheltered_gravity_p50", "sheltered_gravity_p95",
    "sheltered_optimal_p5", "sheltered_optimal_p50", "sheltered_optimal_p95",
    "sheltered_safe_p5", "sheltered_safe_p50", "sheltered_safe_p95",
    "binding", "binding_share", "capacity_rule",
]  # fmt: skip
#: Issue 18's columns after those, in this order, each present when the run has it.
PER_ZONE_CONTROL = [
    "actor", "share_area_government", "share_area_opposition", "share_area_islamic_state",
    "share_area_kurds", "share_area_unknown", "share_population_government",
    "share_population_opposition", "share_population_islamic_state", "share_population_kurds",
    "share_population_unknown", "area_before_cut_km2", "events_weighted_all",
    "deaths_civilians_weighted_all", "events_per_1000km2_year_all", "protection_source",
    "deaths_averted_p5", "deaths_averted_p50", "deaths_averted_p95",
]  # fmt: skip
#: Issue 19's minimum needs of the people sheltered, last.
PER_ZONE_NEEDS = [
    "water_litres_per_day_p5", "water_litres_per_day_p50", "water_litres_per_day_p95",
    "latrines_p5", "latrines_p50", "latrines_p95",
    "covered_area_m2_p5", "covered_area_m2_p50", "covered_area_m2_p95",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def aleppo_central(tmp_path_factory):
    """The Aleppo 15 km freeze, central case (one draw), written to files."""
    r = run(ALEPPO, draws=1)
    out = r.to_file(tmp_path_factory.mktemp("aleppo") / "out", map_png=False)
    return r, out


@pytest.fixture(scope="module")
def aleppo(tmp_path_factory):
    r = run(ALEPPO, draws=20)
    out = r.to_file(tmp_path_factory.mktemp("aleppo20") / "out", map_png=False)
    return r, out


def _grid_in(zone: gpd.GeoDataFrame) -> pd.Series:
    """People of the bundled grid inside ``zone``: cells weighted by their area share.

    Independent of the package's overlay: geopandas' own overlay, in the
    equal-area projection.
    """
    cells = data.population_grid().to_crs(PROJECT_CRS)
    cells = cells.assign(cell_m2=cells.area, cell=np.arange(len(cells)))
    parts = gpd.overlay(cells, zone.to_crs(PROJECT_CRS)[["geometry"]], how="intersection")
    share = parts.area / parts["cell_m2"]
    return pd.Series({b: float((parts[f"pop_{b}"] * share).sum()) for b in ("low", "central",
                                                                            "high")})  # fmt: skip


def _raw(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


# ---------------------------------------------------------------- population vs protected


def test_aleppo_population_is_everyone_living_in_the_zone(aleppo_central):
    _, out = aleppo_central
    zone = gpd.read_file(out / "zones.gpkg")
    want = _grid_in(zone)
    per_zone = pd.read_csv(out / "per_zone.csv").set_index("zone_id")
    got = per_zone.loc["aleppo"]
    # the central case: P5 = P50 = P95 = the grid's central estimate, to the person
    for q in ("p5", "p50", "p95"):
        assert abs(got[f"population_{q}"] - want["central"]) <= 1.0
    # Jebel Saman district (Aleppo city and its suburbs) held 2.49 M in the 2004 census, and
    # the grid takes its share of the governorate's pre-war total (issue 19): 2.0 to 2.8 M
    assert 2.0e6 < got.population_p50 < 2.8e6
    # those who stay are fewer than those who live there (Aleppo is a high-hazard district)
    assert got.residents_protected_p50 < 0.7 * got.population_p50
    assert "residents_p50" not in per_zone.columns


def test_aleppo_population_bands_lie_within_the_grid_bands(aleppo):
    r, out = aleppo
    want = _grid_in(gpd.read_file(out / "zones.gpkg"))
    got = pd.read_csv(out / "per_zone.csv").iloc[0]
    assert want["low"] - 1 <= got.population_p5 <= got.population_p50
    assert got.population_p50 <= got.population_p95 <= want["high"] + 1
    assert got.population_p5 < want["central"] < got.population_p95
    assert (got.residents_protected_p5, got.residents_protected_p95) < (
        got.population_p5,
        got.population_p95,
    )
    # in every draw, those protected are a part of the population
    pop, prot = np.asarray(r.detail["population"]), np.asarray(r.detail["residents_protected"])
    assert (prot < pop).all()


def test_without_displacement_every_resident_is_protected(tmp_path):
    sc = Scenario.from_toml(ALEPPO).with_values(
        {"demand.rates": [0, 0, 0], "demand.scale_to_national_total": False}
    )
    out = run(sc, draws=1).to_file(tmp_path / "out", map_png=False)
    pz = pd.read_csv(out / "per_zone.csv").iloc[0]
    assert pz.residents_protected_p50 == pz.population_p50
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["residents_protected"]["p50"] == pytest.approx(
        summary["population"]["p50"], rel=1e-12
    )


def test_totals_protected_add_up_over_zones_that_do_not_overlap(tmp_path):
    r = run(ROOT / "scenarios" / "border-refuge-zones.toml", draws=20)
    assert (r.zones["overlap_km2"] == 0).all()  # the three strips share no land
    # per draw, the zones' residents protected add up to the total
    per_draw = np.asarray(r.detail["residents_protected"]).sum(axis=1)
    np.testing.assert_allclose(per_draw, r.samples["residents_protected"], rtol=1e-9)
    np.testing.assert_allclose(
        np.asarray(r.detail["population"]).sum(axis=1), r.detail["population_total"], rtol=1e-9
    )
    one = run(ROOT / "scenarios" / "border-refuge-zones.toml", draws=1)
    out = one.to_file(tmp_path / "one", map_png=False)
    per_zone = pd.read_csv(out / "per_zone.csv")
    totals = pd.read_csv(out / "totals.csv").set_index("metric")
    n = len(per_zone)  # each zone's figure is rounded to the person
    assert (
        abs(per_zone.residents_protected_p50.sum() - totals.loc["residents_protected", "p50"]) <= n
    )
    summary = json.loads((out / "summary.json").read_text())
    assert abs(per_zone.population_p50.sum() - summary["population"]["p50"]) <= n


def test_overlapping_zones_count_their_people_once():
    small = {"id": "small", "kind": "freeze", "place": "Aleppo", "radius_km": 10}
    big = {"id": "big", "kind": "freeze", "place": "Aleppo", "radius_km": 15}
    sc = Scenario.from_dict(
        {"id": "two", "title": "two", "source": {"citation": "test"}, "zones": [small, big]}
    )
    r = run(sc, draws=1)
    pz = r.per_zone.set_index("zone_id")
    # the 10 km zone lies inside the 15 km one: together they hold the 15 km zone's people
    assert r.summary()["population"]["p50"] == pytest.approx(pz.loc["big", "population_p50"])
    assert r.totals.loc["residents_protected", "p50"] == pytest.approx(
        pz.loc["big", "residents_protected_p50"]
    )
    assert pz.population_p50.sum() > r.summary()["population"]["p50"] * 1.3


# ---------------------------------------------------------------- the files


def test_per_zone_and_geopackage_columns_are_named_for_what_they_hold(aleppo):
    _, out = aleppo
    header, _ = _raw(out / "per_zone.csv")
    assert header == PER_ZONE + PER_ZONE_CONTROL + PER_ZONE_NEEDS  # every column, in order
    info = pyogrio.read_info(out / "zones.gpkg")
    fields = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert not {
        "residents_p5",
        "residents_p50",
        "residents_p95",
        "events",
        "deaths_civilians",
    } & set(fields)
    for col in PER_ZONE[4:]:
        assert col in fields or col == "protection", col
    for col in (c for c in fields if PEOPLE.match(c)):
        assert fields[col] == "OFTInteger64", col
    assert fields["events_weighted"] == "OFTReal"


def test_people_are_whole_numbers_and_weighted_counts_keep_one_decimal(aleppo, tmp_path):
    r, out = aleppo
    files = {
        f: _raw(out / f) for f in ("per_zone.csv", "per_origin.csv", "flows.csv", "totals.csv")
    }
    sc = Scenario.from_toml(ALEPPO)
    rs = [r, run(sc.with_values({"id": "aleppo-10", "zones.aleppo.radius_km": 10}), draws=20)]
    write_comparison(rs, tmp_path / "cmp", maps=False)
    files["comparison.csv"] = _raw(tmp_path / "cmp" / "comparison.csv")
    whole = re.compile(r"^-?\d+$")
    for name, (header, rows) in files.items():
        people = [c for c in header if PEOPLE.match(c)]
        if name == "totals.csv":
            people = ["p5", "p50", "p95"]
        assert people, name
        for row in rows:
            for c in people:
                assert whole.match(row[c]), (name, c, row[c])
    # the comparison carries the zones' population next to the residents protected
    cmp = pd.read_csv(tmp_path / "cmp" / "comparison.csv").set_index("scenario")
    assert cmp.loc["aleppo-freeze", "population_p50"] == round(r.summary()["population"]["p50"])
    # per-zone sums of whole people still match the unrounded totals to the person
    totals = pd.read_csv(out / "totals.csv").set_index("metric")
    for m in r.totals.index:
        assert abs(totals.loc[m, "p50"] - r.totals.loc[m, "p50"]) <= 0.5
    # events located to a district count in part: fractional, with one decimal;
    # events_weighted counts the threat actors' events (the freeze guards against both
    # parties to it), events_weighted_all every actor's
    header, rows = files["per_zone.csv"]
    events = data.events()
    assert r.provenance["threat"]["actors"] == ["government", "opposition"]
    for col, ev_in in (
        ("events_weighted", events[threat_mask(events, ["government", "opposition"])]),
        ("events_weighted_all", events),
    ):
        ev = sz.events_in_zones(r.zones, ev_in, start=2014, end=2014)
        assert float(rows[0][col]) == round(float(ev["events"].iloc[0]), 1), col
        assert re.match(r"^\d+(\.\d)?$", rows[0][col]), col
        assert float(ev["events"].iloc[0]) % 1 != 0  # the bundled events do spread here
    assert float(rows[0]["events_weighted"]) < float(rows[0]["events_weighted_all"])


def test_columns_csv_describes_every_column_of_every_file(aleppo):
    _, out = aleppo
    cols = pd.read_csv(out / "columns.csv", keep_default_na=False)
    assert list(cols.columns) == ["file", "column", "unit", "meaning"]
    for f in ("per_zone.csv", "per_origin.csv", "flows.csv", "totals.csv"):
        header, _ = _raw(out / f)
        assert cols.loc[cols.file == f, "column"].tolist() == header, f
    gpkg = pyogrio.read_info(out / "zones.gpkg")
    assert set(cols.loc[cols.file == "zones.gpkg", "column"]) == {*gpkg["fields"], "geom"}
    assert (cols.meaning.str.len() > 3).all()
    pz = cols[cols.file == "per_zone.csv"].set_index("column")
    assert (pz.loc[[c for c in PER_ZONE if PEOPLE.match(c)], "unit"] == "people").all()
    assert "not displaced" in pz.loc["residents_protected_p50", "meaning"]
    assert "everyone living in the zone" in pz.loc["population_p50", "meaning"]
    assert "fractional" in pz.loc["events_weighted", "meaning"]


def test_readme_lists_the_per_zone_columns():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("per_zone.csv` columns", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"`([a-z0-9_]+)`", section))
    for col in PER_ZONE:
        stem = re.sub(r"_(p5|p50|p95)$", "", col)
        assert col in listed or stem in listed, col
    assert "residents" not in listed


# ---------------------------------------------------------------- what people read


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def test_residents_map_says_population_and_residents_protected(aleppo):
    r, _ = aleppo
    fig, _ = viz.residents_map(r)
    texts = _texts(fig)
    assert "Residents of the zones (pre-war population)" not in texts
    pop = np.percentile(np.asarray(r.detail["population_total"]), [5, 50, 95])
    prot = r.totals.loc["residents_protected"]
    sub = (
        "Population of the zones (everyone living there, pre-war population grid): "
        f"{people(pop[1])} (P5 to P95: {people(pop[0])} to {people(pop[2])}); "
        f"residents protected (not displaced): {people(prot['p50'])}"
    )
    flat = " ".join(texts.split())
    assert sub in flat
    pz = r.per_zone.iloc[0]
    label = (
        f"population {people(pz.population_p50)} ({people(pz.population_p5)} to "
        f"{people(pz.population_p95)})\nresidents protected "
        f"{people(pz.residents_protected_p50)}"
    )
    assert label in texts


def test_text_and_html_name_population_and_residents_protected(aleppo):
    r, _ = aleppo
    pz = r.per_zone.iloc[0]
    pop, prot = people(pz.population_p50), people(pz.residents_protected_p50)
    assert f"population {pop}, residents protected {prot}" in result_text(r)
    page = result_html(r)
    assert "<th>population P50</th>" in page and "<th>residents protected P50</th>" in page
    assert "residents P50" not in page


def test_explore_popups_carry_population_and_residents_protected(aleppo):
    pytest.importorskip("folium")
    import folium

    r, _ = aleppo
    m = r.explore(events=False)
    layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    props = next(
        f["properties"]
        for layer in layers
        for f in layer.data["features"]
        if f["properties"].get("zone_id") == "aleppo"
    )
    pz = r.per_zone.iloc[0]
    assert props["population"] == (
        f"{people(pz.population_p50)} ({people(pz.population_p5)} to {people(pz.population_p95)})"
    )
    assert props["residents_protected"].startswith(people(pz.residents_protected_p50))
    assert props["events_weighted"] == f"{pz.events_weighted:,.1f}"
    assert "residents" not in props and "events" not in props


def test_compare_maps_fill_by_residents_protected(aleppo):
    r, _ = aleppo
    fig, axes = viz.compare_maps([r], metric="residents_protected")
    tot = r.totals.loc["residents_protected"]
    assert people(tot["p50"]) in axes[0, 0].get_title(loc="left")
    assert "people residents protected per zone (P50)" in _texts(fig)
    with pytest.raises(sz.SafeZonesError, match="residents_protected"):
        viz.compare_maps([r], metric="residents")


def test_memo_score_table_reads_population_before_residents_protected(aleppo):
    from safezones.report import score_table

    r, _ = aleppo
    t = score_table(r).set_index("metric")
    names = list(t.index)
    assert names.index("population") == names.index("residents_protected") - 1
    pop = np.percentile(np.asarray(r.detail["population_total"]), [5, 50, 95])
    assert t.loc["population", ["P5", "P50", "P95"]].tolist() == [people(v) for v in pop]
    assert "before displacement" in t.loc["population", "meaning"]
    assert "not displaced" in t.loc["residents_protected", "meaning"]
