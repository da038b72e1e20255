"""Tests of safezones.config.scenario: the scenario sections, validation, error explanation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import safezones as sz
from safezones import defaults
from safezones.config.keys import lookup
from safezones.config.scenario import (
    DemandSpec,
    EventsSpec,
    FreezeZoneSpec,
    RefugeZoneSpec,
    SafeZoneSpec,
    Scenario,
    ShelterSpec,
    UncertaintySection,
)
from safezones.model.uncertainty import UncertaintySpec

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def scenario(zones, **sections):
    return Scenario.from_dict(
        {"id": "t", "title": "test", "source": {"citation": "test"}, "zones": zones, **sections}
    )


TURKEY = {"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 20}
ALEPPO = {"id": "aleppo", "kind": "freeze", "place": "Aleppo", "radius_km": 10}


def test_the_five_proposals_and_the_cut_variant_ship_and_cite_their_source():
    names = [p.stem for p in SHIPPED]
    assert names == [
        "aleppo-freeze",
        "border-refuge-zones-held",  # sorts before: "-" < "."
        "border-refuge-zones",
        "jarablus-marea-2015",
        "safe-zones-north",
        "turkey-strip-2019",
    ]
    for path in SHIPPED:
        sc = Scenario.from_toml(path)
        assert sc.id == path.stem
        assert len(sc.source.citation) > 20 and sc.assumptions, path
        # each states whose violence it guards against, and why
        assert "threat" in sc.document(), path
        assert any(a.startswith("Threat:") for a in sc.assumptions), path
    held = Scenario.from_toml(ROOT / "scenarios/border-refuge-zones-held.toml")
    plain = Scenario.from_toml(ROOT / "scenarios/border-refuge-zones.toml")
    assert held.control.exclude_held_by == ("government", "islamic_state")
    # the same zones and assumptions but the cut: a clean comparison
    shape = [z.model_dump(exclude={"name"}) for z in held.zones]
    assert shape == [z.model_dump(exclude={"name"}) for z in plain.zones]
    assert (held.threat, held.events, held.shelter) == (plain.threat, plain.events, plain.shelter)


def test_misspelt_keys_are_all_named_with_a_suggestion(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(
        'titel = "x"\ntitle = "x"\n[source]\ncitation = "c"\n'
        '[[zones]]\nid = "turkey"\nkind = "refuge"\nborder = "TUR"\ndepht_km = 10\n'
        "[shelter]\nmax_travle_km = 50\n"
    )
    with pytest.raises(sz.SafeZonesError) as err:
        Scenario.from_toml(f)
    msg = str(err.value)
    assert msg.startswith(f"{f}: ")
    assert "unknown key 'titel'; did you mean 'title'?" in msg
    assert "unknown key 'zones.turkey.depht_km'; did you mean 'depth_km'?" in msg
    assert "unknown key 'shelter.max_travle_km'; did you mean 'max_travel_km'?" in msg
    assert "zones.turkey.depth_km: Field required" in msg


def test_wrong_types_and_ranges_name_the_key():
    with pytest.raises(sz.SafeZonesError) as err:
        scenario(
            [{**TURKEY, "depth_km": "deep"}, {**ALEPPO, "radius_km": -5}],
            shelter={"usable_fraction": 2, "allocation": "fair"},
        )
    msg = str(err.value)
    assert "zones.turkey.depth_km: Input should be a valid number" in msg
    assert "zones.aleppo.radius_km: Input should be greater than 0 (got -5)" in msg
    assert "shelter.usable_fraction: Input should be less than or equal to 1 (got 2)" in msg
    assert "shelter.allocation: Input should be 'optimal' or 'gravity'" in msg


def test_inconsistent_sections_are_explained():
    with pytest.raises(sz.SafeZonesError) as err:
        scenario(
            [{**ALEPPO, "kind": "freezer"}],
            demand={"rates": [0.1, 0.2], "thresholds": [10, 100]},
        )
    msg = str(err.value)
    assert "demand: 2 thresholds make 3 hazard classes, so give 3 rates (got 2)" in msg
    assert "zones.aleppo: Input tag 'freezer' found using 'kind' does not match" in msg
    with pytest.raises(sz.SafeZonesError, match="demand: mode 'given' needs table"):
        scenario([ALEPPO], demand={"mode": "given"})
    with pytest.raises(sz.SafeZonesError, match=r"demand: thresholds must increase, got \[100"):
        scenario([ALEPPO], demand={"thresholds": [100, 10]})


def test_the_sections_take_their_defaults_from_defaults_py():
    sc = scenario([ALEPPO])
    assert (
        sc.events.start == defaults.DEFAULT_WINDOW[0]
        and sc.events.end == defaults.DEFAULT_WINDOW[1]
    )
    assert sc.events.imprecise == defaults.DEFAULT_IMPRECISE
    assert (sc.demand.mode, sc.demand.origin) == (
        defaults.DEFAULT_DEMAND_MODE,
        defaults.DEFAULT_ORIGIN,
    )
    assert sc.demand.rates == defaults.DEFAULT_RATES
    assert sc.demand.national_total == defaults.OCHA_IDPS_MID_2014
    assert sc.shelter.allocation == defaults.DEFAULT_ALLOCATION
    assert sc.shelter.max_travel_km == defaults.DEFAULT_MAX_TRAVEL_KM
    # unset protection takes the defaults by kind, neighbour and actor (model.threat)
    assert dict(sc.shelter.protection) == {"freeze": None, "refuge": None, "safe": None}
    assert (sc.threat.actors, sc.control.source) == (defaults.DEFAULT_THREAT_ACTORS, "bundled")
    assert sc.shelter.crossing_penalty_km == defaults.DEFAULT_CROSSING_PENALTY_KM
    assert sc.control.max_distance_km == defaults.DEFAULT_CONTROL_MAX_KM
    assert (sc.uncertainty.draws, sc.uncertainty.seed) == (
        defaults.DEFAULT_DRAWS,
        defaults.DEFAULT_SEED,
    )


def test_the_two_uncertainty_specs_share_their_defaults():
    section, spec = UncertaintySection(), UncertaintySpec()
    for name in (
        "rate_spread",
        "national_total_spread",
        "site_area_low_m2",
        "site_area_high_m2",
        "protection_spread",
        "population_bands",
    ):
        assert getattr(section, name) == getattr(spec, name), name
    assert UncertaintySpec.from_section(section) == spec
    wide = UncertaintySection(rate_spread=0.5, population_bands=False)
    assert UncertaintySpec.from_section(wide) == UncertaintySpec(
        rate_spread=0.5, population_bands=False
    )


def test_the_model_modules_still_export_their_defaults():
    assert sz.demand.DEFAULT_RATES is defaults.DEFAULT_RATES
    assert sz.shelter.DEFAULT_PROTECTION is defaults.DEFAULT_PROTECTION
    assert sz.uncertainty.PERCENTILES is defaults.PERCENTILES
    for module, names in [
        (
            sz.demand,
            ["DEFAULT_KERNEL_KM", "DEFAULT_RATES", "DEFAULT_THRESHOLDS", "OCHA_IDPS_MID_2014"],
        ),
        (sz.shelter, ["DEFAULT_PROTECTION", "EXPOSURE_REFERENCE", "REFERENCE_DISTANCE_KM"]),
        (sz.uncertainty, ["DEFAULT_DRAWS", "DEFAULT_SEED", "PERCENTILES"]),
    ]:
        assert set(names) <= set(module.__all__), module.__name__


def test_every_default_carries_its_source_or_the_word_assumption():
    # a source is named (Source, Sphere, the seed article, PROVENANCE.md), or the
    # default derives from another one (:data:), or it is an assumption
    said = ("ssumption", "Source", "Sphere", "seed article", "PROVENANCE", ":data:", "alibrated")
    comment: list[str] = []
    names = []
    for line in (ROOT / "src/safezones/defaults.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("#:"):
            comment.append(line)
            continue
        if line[:1].isupper() and " = " in line and not line.startswith("SOURCES"):
            name = line.split(" ")[0].rstrip(":")
            names.append(name)
            assert any(w in " ".join(comment) for w in said), f"{name}: no source or assumption"
        comment = []
    assert sorted(names) == sorted(set(defaults.__all__) - {"SOURCES"})
    # every source names a value a scenario has (a section, a leaf, or a zone kind's field)
    params = scenario([ALEPPO]).parameters()
    zone_fields = {
        f.alias or n for k in (RefugeZoneSpec, FreezeZoneSpec, SafeZoneSpec)
        for n, f in k.model_fields.items()
    }  # fmt: skip
    for key in defaults.SOURCES:
        if key.startswith("zones.*."):
            assert key.removeprefix("zones.*.") in zone_fields, key
        else:
            section, _, rest = key.rpartition(".")
            holder = lookup(params, section) if section else params
            assert isinstance(holder, dict) and (rest in holder), key


def test_the_shipped_files_keep_their_values():
    for path in SHIPPED:
        sc = Scenario.from_toml(path)
        again = Scenario.from_dict(sc.document(), base_dir=sc.base_dir)
        assert again.parameters() == sc.parameters(), path
        assert json.dumps(sc.parameters())  # JSON-ready


def test_section_checks():
    with pytest.raises(ValueError, match="is after end"):
        EventsSpec(start=2015, end=2014)
    with pytest.raises(ValueError, match="not a plausible year"):
        EventsSpec(start=3000)
    with pytest.raises(ValueError, match=r"swap uncertainty\.site_area_low_m2"):
        UncertaintySection(site_area_low_m2=70)  # above Zaatari's 67 m2, the high end
    with pytest.raises(ValueError, match="give 3 rates"):
        DemandSpec(rates=(0.1,))
    assert ShelterSpec().protection.refuge is None  # the neighbour's defaults, by actor
    assert ShelterSpec(protection={"refuge": 0.4}).protection.refuge == 0.4
    table = ShelterSpec(protection={"safe": {"Daesh": 0.3}}).protection.safe
    assert table == {"islamic_state": 0.3}


@pytest.mark.parametrize(
    "values",
    [
        {"shelter.usable_fraction": 0.02},
        {"shelter.usable_fraction": np.float64(0.02), "shelter.max_travel_km": 80},
        {"uncertainty.draws": 7, "uncertainty.rate_spread": 0.1, "demand.national_total": 5e6},
        {"shelter.allocation": "gravity", "uncertainty.population_bands": False},
    ],
)
def test_section_values_give_the_scenario_with_values_gives(values):
    sc = scenario([TURKEY, ALEPPO], shelter={"detour_factor": 1.5})
    fast, slow = sc.with_section_values(values), sc.with_values(values)
    assert fast == slow
    assert fast.document() == slow.document() and fast.base_dir == slow.base_dir
    assert fast.parameters() == slow.parameters()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.shelter.model_fields_set == slow.shelter.model_fields_set
    assert sc.shelter.usable_fraction == defaults.DEFAULT_USABLE_FRACTION  # unchanged


@pytest.mark.parametrize(
    "values",
    [
        {"shelter.usable_fraction": 2},
        {"shelter.usable_fraction": float("nan")},
        {"shelter.max_travel_km": "far"},
        {"shelter.max_travle_km": 80},
        {"uncertainty.site_area_low_m2": 100.0},  # above the high end: the section's own rule
        {"zones.aleppo.radius_km": -1, "shelter.usable_fraction": 0.02},
    ],
)
def test_section_values_refused_with_the_messages_of_with_values(values):
    sc = scenario([TURKEY, ALEPPO])
    with pytest.raises(sz.SafeZonesError) as slow:
        sc.with_values(values)
    with pytest.raises(sz.SafeZonesError) as fast:
        sc.with_section_values(values)
    assert fast.value.problems == slow.value.problems and str(fast.value) == str(slow.value)


def test_which_paths_are_section_values():
    from safezones.config.scenario import is_section_value

    assert is_section_value("shelter.usable_fraction") and is_section_value("uncertainty.draws")
    assert not is_section_value("shelter.protection")  # a section in a section
    assert not is_section_value("shelter.protection.freeze")
    assert not is_section_value("demand.rates.2") and not is_section_value("zones.a.radius_km")
    assert not is_section_value("title") and not is_section_value("shelter.nope")
