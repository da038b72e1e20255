"""Minimum needs (issue 19): a toy zone by hand, a custom [needs], refusals, a shipped scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import safezones as sz
from safezones.config.scenario import Scenario
from safezones.config.sections import NeedsSpec
from safezones.export.columns import describe, for_file
from safezones.export.folder import summary
from safezones.model.needs import NEEDS, needs, needs_standard, needs_totals

ROOT = Path(__file__).resolve().parents[2]
ALEPPO = {"id": "aleppo", "kind": "freeze", "place": "Aleppo", "radius_km": 5}


def _scenario(**sections: object) -> Scenario:
    doc = {"id": "x", "title": "x", "source": {"citation": "c"}, "zones": [ALEPPO], **sections}
    return Scenario.from_dict(doc)


def test_toy_zone_by_hand() -> None:
    # 1,234 people: 1,234 x 15 = 18,510 L/day; 1,234 / 20 = 61.7 -> 62 latrines;
    # 1,234 x 3.5 = 4,319 m2. A zone with no one needs nothing.
    out = needs(np.array([[1234.0, 0.0]]), NeedsSpec())
    assert tuple(out) == NEEDS == ("water_litres_per_day", "latrines", "covered_area_m2")
    assert out["water_litres_per_day"].tolist() == [[18_510.0, 0.0]]
    assert out["latrines"].tolist() == [[62.0, 0.0]]
    assert out["covered_area_m2"].tolist() == [[4_319.0, 0.0]]
    for v in out.values():
        assert v.shape == (1, 2)


def test_latrines_are_whole_and_round_up() -> None:
    people = np.array([[1.0, 20.0, 21.0, 40.0 + 1e-10, 39.999]])
    # 1 -> 1, 20 -> 1, 21 -> 2, solver round-off over 40 -> 2, 39.999 -> 2
    assert needs(people, NeedsSpec())["latrines"].tolist() == [[1.0, 1.0, 2.0, 2.0, 2.0]]
    # negative round-off from a solver is nobody
    neg = needs(np.array([[-1e-9]]), NeedsSpec())
    assert [v.item() for v in neg.values()] == [0.0, 0.0, 0.0]


def test_custom_needs_change_the_numbers_by_hand() -> None:
    sc = _scenario(
        needs={"water_litres_per_person_day": 20, "people_per_latrine": 50,
               "covered_m2_per_person": 4.5},
    )  # fmt: skip
    out = needs(np.array([[1234.0], [100.0]]), sc.needs)
    # 1,234 x 20 = 24,680; 100 x 20 = 2,000
    assert out["water_litres_per_day"][:, 0].tolist() == [24_680.0, 2_000.0]
    # 1,234 / 50 = 24.68 -> 25; 100 / 50 = 2 exactly -> 2
    assert out["latrines"][:, 0].tolist() == [25.0, 2.0]
    # 1,234 x 4.5 = 5,553; 100 x 4.5 = 450
    assert out["covered_area_m2"][:, 0].tolist() == [5_553.0, 450.0]
    std = needs_standard(sc.needs)
    assert std["latrines"] == {"key": "needs.people_per_latrine", "value": 50.0,
                               "unit": "people per latrine", "source": "scenario"}  # fmt: skip
    assert std["water_litres_per_day"]["source"] == "scenario"


def test_default_needs_cite_sphere() -> None:
    std = needs_standard(_scenario().needs)
    assert std["water_litres_per_day"]["value"] == 15.0
    assert std["latrines"]["value"] == 20.0
    assert std["covered_area_m2"]["value"] == 3.5
    for need in NEEDS:
        assert str(std[need]["source"]).startswith("Sphere Handbook (2018)")
    assert "15 litres" in str(std["water_litres_per_day"]["source"])
    assert "1 latrine per 20" in str(std["latrines"]["source"])
    assert "3.5 m²" in str(std["covered_area_m2"]["source"])


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("people_per_latrine", 0, "needs.people_per_latrine: Input should be greater than 0 (got 0)"),
        ("water_litres_per_person_day", -15,
         "needs.water_litres_per_person_day: Input should be greater than 0 (got -15)"),
        ("covered_m2_per_person", 0.0,
         "needs.covered_m2_per_person: Input should be greater than 0 (got 0.0)"),
    ],
)  # fmt: skip
def test_non_positive_needs_are_refused(key: str, value: float, message: str) -> None:
    with pytest.raises(sz.SafeZonesError) as err:
        _scenario(needs={key: value})
    assert message in str(err.value)


def test_totals_sum_zones_then_take_quantiles() -> None:
    # draw 0: zones of 30 and 30 people; draw 1: 10 and 0.
    sheltered = np.array([[30.0, 30.0], [10.0, 0.0]])
    t = needs_totals(sheltered, NeedsSpec())
    # water per draw: 60 x 15 = 900 and 150; P50 = 525, P5 = 150 + 0.05 x 750 = 187.5
    assert t["water_litres_per_day"]["p50"] == pytest.approx(525.0)
    assert t["water_litres_per_day"]["p5"] == pytest.approx(187.5)
    # latrines per draw: ceil(1.5) + ceil(1.5) = 4 (not ceil(3) = 3), and 1; P50 = 2.5
    assert t["latrines"]["p50"] == pytest.approx(2.5)
    assert t["latrines"]["p95"] == pytest.approx(1 + 0.95 * 3)
    assert t["covered_area_m2"]["p95"] == pytest.approx(35 + 0.95 * (210 - 35))
    assert t["latrines"]["unit"] == "latrines"
    assert t["latrines"]["standard"]["value"] == 20.0  # type: ignore[index]


def test_needs_columns_are_described_and_whole() -> None:
    cols = [f"{n}_{q}" for n in NEEDS for q in ("p5", "p50", "p95")]
    d = describe({"per_zone.csv": cols}).set_index("column")
    assert d.loc["water_litres_per_day_p50", "unit"] == "litres per day"
    assert "15 litres per person per day" in d.loc["water_litres_per_day_p50", "meaning"]
    assert "Sphere" in d.loc["water_litres_per_day_p50", "meaning"]
    assert "1 per 20 people" in d.loc["latrines_p5", "meaning"]
    assert "3.5 m² per person" in d.loc["covered_area_m2_p95", "meaning"]
    p95 = "P95 (95th percentile) over the Monte Carlo draws"
    assert d.loc["latrines_p95", "meaning"].endswith(p95)
    t = for_file(pd.DataFrame({"latrines_p50": [61.5], "covered_area_m2_p5": [4319.4]}))
    assert t.to_dict("records") == [{"latrines_p50": 62, "covered_area_m2_p5": 4319}]


@pytest.fixture(scope="module")
def aleppo() -> sz.ScenarioResult:
    return sz.run(ROOT / "scenarios/aleppo-freeze.toml", draws=20, seed=5)


def test_shipped_scenario_needs_follow_the_sheltered_draws(aleppo: sz.ScenarioResult) -> None:
    pz = aleppo.per_zone
    draws = np.asarray(aleppo.detail["sheltered"])  # (20, zones)
    assert draws.shape == (20, len(pz))
    p5, p50, p95 = np.percentile(draws, [5, 50, 95], axis=0)
    assert (p50 > 0).all()  # a test of something
    np.testing.assert_allclose(pz["water_litres_per_day_p50"], 15 * p50, rtol=1e-12)
    np.testing.assert_allclose(pz["covered_area_m2_p5"], 3.5 * p5, rtol=1e-12)
    np.testing.assert_allclose(pz["covered_area_m2_p95"], 3.5 * p95, rtol=1e-12)
    lat = np.percentile(np.ceil(draws / 20), 50, axis=0)  # per draw whole, then the median
    np.testing.assert_allclose(pz["latrines_p50"], lat, rtol=1e-12)


def test_shipped_scenario_summary_has_needs(aleppo: sz.ScenarioResult) -> None:
    doc = summary(aleppo)
    total = np.asarray(aleppo.detail["sheltered"]).sum(axis=1)
    water = doc["needs"]["water_litres_per_day"]
    assert water["p50"] == pytest.approx(15 * float(np.median(total)), rel=1e-12)
    assert water["standard"]["value"] == 15.0
    assert water["standard"]["source"].startswith("Sphere Handbook (2018)")
    assert set(doc["needs"]) == set(NEEDS)
    for need in NEEDS:
        assert doc["needs"][need]["p5"] <= doc["needs"][need]["p50"] <= doc["needs"][need]["p95"]
