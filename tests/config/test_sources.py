"""Every parameter in summary.json has a source (issue 19): a citation, an assumption, the scenario."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import safezones as sz
from safezones import defaults
from safezones.config.scenario import Scenario
from safezones.config.sources import parameter_sources

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
ALEPPO = {"id": "aleppo", "kind": "freeze", "place": "Aleppo", "radius_km": 10}
TURKEY = {"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 10}
#: The scenario's own keys that describe it (not model parameters), and a zone's labels.
METADATA = {"id", "title", "description", "source", "assumptions", "calibration"}
LABELS = {"id", "name", "kind"}


def scenario(zones: list[dict[str, Any]], **sections: Any) -> Scenario:
    return Scenario.from_dict(
        {"id": "t", "title": "t", "source": {"citation": "Example 2014"}, "zones": zones,
         "assumptions": ["one"], **sections}
    )  # fmt: skip


def leaves(doc: Any, prefix: str) -> dict[str, Any]:
    """Dotted leaf paths of a JSON document, lists as values (written here, not the package's)."""
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for k, v in doc.items():
            out.update(leaves(v, f"{prefix}.{k}"))
        return out
    return {prefix: doc}


def model_leaves(params: dict[str, Any]) -> dict[str, Any]:
    """Every leaf of ``parameters`` but the metadata, zones by id without their labels."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in METADATA:
            continue
        if key == "zones":
            for z in value:
                for k, v in z.items():
                    if k not in LABELS:
                        out.update(leaves(v, f"zones.{z['id']}.{k}"))
        else:
            out.update(leaves(value, key))
    return out


def cites_or_assumes(source: str) -> bool:
    """A source names a year (a citation), the bundled data's provenance, the scenario, or says
    "assumption"."""
    return bool(
        "assumption" in source.lower()
        or re.search(r"\b(19|20)\d\d\b", source)
        or "PROVENANCE.md" in source
        or source.startswith(("scenario ", "as shelter.protection."))
    )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_parameter_of_a_shipped_scenario_has_a_source(path):
    sc = Scenario.from_toml(path)
    params = sc.parameters()
    ps = parameter_sources(sc)
    expected = model_leaves(params)
    assert set(ps) == set(expected)  # every model parameter, no metadata
    assert not any(k.split(".")[0] in METADATA for k in ps)
    for key, entry in ps.items():
        assert entry["value"] == expected[key], key
        assert entry["source"].strip(), key
        assert cites_or_assumes(entry["source"]), (key, entry["source"])
    json.dumps(ps)  # JSON-ready


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_a_value_the_scenario_sets_cites_the_scenario(path):
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    sc = Scenario.from_toml(path, overrides={"shelter.usable_fraction": 0.02})
    want = f"scenario {path.stem}: {doc['source']['citation']}; see its assumptions"
    assert parameter_sources(sc)["shelter.usable_fraction"] == {"value": 0.02, "source": want}
    # and each zone's extent is the scenario's
    for z in doc["zones"]:
        for field in ("depth_km", "radius_km", "wkt", "path"):
            if field in z:
                entry = parameter_sources(sc)[f"zones.{z['id']}.{field}"]
                assert entry["source"] == want and entry["value"] == z[field]


def test_a_default_cites_the_default_and_an_explicit_default_too():
    ps = parameter_sources(scenario([ALEPPO], shelter={"max_travel_km": 100}))
    assert ps["shelter.usable_fraction"] == {
        "value": 0.01,
        "source": "assumption: 1 % of a zone's land usable for planned sites",
    }
    # the value equals the default: the default's source, though the scenario wrote it
    assert ps["shelter.max_travel_km"]["source"] == "assumption: a day's road travel"
    assert ps["needs.water_litres_per_person_day"]["value"] == 15.0
    assert "Sphere" in ps["needs.water_litres_per_person_day"]["source"]
    assert "Zaatari" in ps["uncertainty.site_area_high_m2"]["source"]
    assert ps["uncertainty.site_area_high_m2"]["value"] == 67.0
    assert "CCCM ISIMM" in ps["uncertainty.usable_fraction_range"]["source"]
    assert ps["uncertainty.usable_fraction_range"]["value"] == [0.005, 0.05]
    assert "Ballou" in ps["uncertainty.detour_spread"]["source"]
    assert ps["uncertainty.seed"] == {
        "value": 20141126,
        "source": "assumption: the seed article's date, 2014-11-26",
    }
    # an unset capacity is the usable-land assumption
    assert ps["zones.aleppo.capacity"]["value"] is None
    assert ps["zones.aleppo.capacity"]["source"].startswith("assumption: capacity is")


def test_a_scenario_without_assumptions_says_so():
    sc = Scenario.from_dict(
        {"id": "bare", "title": "t", "source": {"citation": "AFP 2014"}, "zones": [ALEPPO],
         "demand": {"kernel_km": 5}}
    )  # fmt: skip
    assert parameter_sources(sc)["demand.kernel_km"] == {
        "value": 5.0,
        "source": "scenario bare: AFP 2014 (it states no assumptions)",
    }


def test_a_zones_unset_protection_takes_its_kinds():
    ps = parameter_sources(scenario([ALEPPO, TURKEY]))
    assert ps["zones.turkey.protection"] == {
        "value": None,
        "source": defaults.PROTECTION_REASONS["TUR"],
    }
    assert ps["zones.aleppo.protection"]["source"] == defaults.PROTECTION_REASONS["freeze"]
    # the scenario sets the refuge kind's: the refuge zone cites it
    ps = parameter_sources(scenario([ALEPPO, TURKEY], shelter={"protection": {"refuge": 0.5}}))
    ours = "scenario t: Example 2014; see its assumptions"
    assert ps["shelter.protection.refuge"] == {"value": 0.5, "source": ours}
    assert ps["zones.turkey.protection"]["source"] == f"as shelter.protection.refuge: {ours}"
    assert ps["zones.aleppo.protection"]["source"] == defaults.PROTECTION_REASONS["freeze"]
    # a zone's own protection by actor: each actor's value is the scenario's
    ps = parameter_sources(scenario([{**ALEPPO, "protection": {"government": 0.9}}]))
    assert ps["zones.aleppo.protection.government"] == {"value": 0.9, "source": ours}


def test_a_default_without_a_source_is_refused(monkeypatch):
    sc = scenario([ALEPPO])
    message = (
        "no source for the default of demand.kernel_km: add it to safezones.defaults.SOURCES "
        "with its citation or the word 'assumption'"
    )
    monkeypatch.delitem(defaults.SOURCES, "demand.kernel_km")
    with pytest.raises(sz.SafeZonesError) as err:
        parameter_sources(sc)
    assert str(err.value) == message
    # an empty source is none, and every missing key is named
    sources = {**defaults.SOURCES, "needs.people_per_latrine": "", "zones.*.capacity": ""}
    with pytest.raises(sz.SafeZonesError) as err:
        parameter_sources(sc, sources=sources)
    assert str(err.value) == (
        "no source for the default of demand.kernel_km, needs.people_per_latrine, "
        "zones.*.capacity: add it to safezones.defaults.SOURCES with its citation or the "
        "word 'assumption'"
    )


def test_every_source_cites_or_assumes_and_the_thresholds_are_no_quartiles():
    for key, text in defaults.SOURCES.items():
        assert cites_or_assumes(text), key
    thresholds = defaults.SOURCES["demand.thresholds"]
    assert "quartile" not in thresholds.lower() and "2014" not in thresholds
    assert thresholds.startswith("assumption")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    sc = Scenario.from_toml(
        ROOT / "scenarios/aleppo-freeze.toml", overrides={"shelter.usable_fraction": 0.02}
    )
    result = sz.run(sc, draws=3, seed=1)
    out = tmp_path_factory.mktemp("sources") / "aleppo"
    result.to_file(out)
    return result, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_summary_json_lists_each_parameter_with_its_source(written):
    result, doc = written
    citation = tomllib.loads((ROOT / "scenarios/aleppo-freeze.toml").read_text("utf-8"))
    ours = f"scenario aleppo-freeze: {citation['source']['citation']}; see its assumptions"
    ps = doc["parameter_sources"]
    assert ps["shelter.usable_fraction"] == {"value": 0.02, "source": ours}
    assert ps["zones.aleppo.radius_km"] == {"value": 15.0, "source": ours}
    assert ps["needs.people_per_latrine"]["value"] == 20.0
    assert ps["needs.people_per_latrine"]["source"].startswith("Sphere Handbook (2018)")
    # "parameters" stays the full scenario (read back by export.reuse and export.store)
    assert doc["parameters"] == result.scenario.parameters()
    assert set(ps) == set(model_leaves(doc["parameters"]))
    assert all(cites_or_assumes(e["source"]) for e in ps.values())


def test_the_memo_cites_the_same_sources(written):
    from safezones.report import key_parameters

    result, doc = written
    ps = doc["parameter_sources"]
    kp = key_parameters(result).set_index("parameter")["source"]
    assert kp["usable share of zone land"] == ps["shelter.usable_fraction"]["source"]
    assert kp["displacement rate by hazard class"] == ps["demand.rates"]["source"]
    assert (
        kp["hazard class limits (events per 1,000 km² per year)"]
        == (ps["demand.thresholds"]["source"])
    )
    # every structural range has its row and its source
    rows = {
        "usable share of zone land, range in the draws": "uncertainty.usable_fraction_range",
        "longest journey, range in the draws": "uncertainty.max_travel_range",
        "detour factor, range in the draws": "uncertainty.detour_spread",
        "hazard class limits, factor in the draws": "uncertainty.threshold_factor_range",
    }
    for row, key in rows.items():
        assert kp[row] == ps[key]["source"], row
    assert ps["uncertainty.distance_decay_spread"]["source"] in kp["gravity distance decay"]
    assert (
        ps["uncertainty.outside_option_range"]["source"]
        in kp["gravity outside option (stay or leave Syria)"]
    )
    site = kp["site area per person"]
    for key in ("uncertainty.site_area_low_m2", "uncertainty.site_area_high_m2"):
        assert ps[key]["source"] in site
    values = key_parameters(result).set_index("parameter")["value"]
    assert values["site area per person"] == "30 to 67 m² (central 45 m²)"
    assert values["detour factor, range in the draws"] == "1.2 to 1.4"  # 1.3 -+ 0.1
    assert values["longest journey, range in the draws"] == "×0.5 to ×1.5 (50 to 150 km)"
    assert values["usable share of zone land, range in the draws"] == "0.5% to 5.0%"
