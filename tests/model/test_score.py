"""The one definition of the model's arithmetic: tiny cases computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from safezones.model import score
from safezones.model.metrics import METRICS
from safezones.model.uncertainty import Draws, UncertaintySpec


def _draws(n=1, *, t=0.0, rate=1.0, national=1.0, site=45.0, shift=0.0, classes=3):
    return Draws(np.full(n, t), np.full((n, classes), rate), np.full(n, national),
                 np.full(n, site), np.full(n, shift))  # fmt: skip


def test_the_uncertainty_section_maps_to_the_spec_field_by_field():
    section = UncertaintySpec(rate_spread=0.1, national_total_spread=0.05, site_area_low_m2=20,
                              site_area_high_m2=50, protection_spread=0.3,
                              population_bands=False)  # fmt: skip
    assert score.uncertainty_spec(section) == section
    one = score.sample(section, n=1, n_classes=2, seed=1, site_area_central_m2=40.0)
    assert one.site_area_per_person_m2.tolist() == [40.0] and one.rate_factor.shape == (1, 2)


def test_rates_are_clipped_and_scaled_to_the_national_total():
    people = np.array([[1000.0, 2000.0, 500.0]])
    dr = _draws(rate=1.0)
    # rates 0.1, 0.2, 0.6: 100, 400, 300
    assert score.hazard_displaced(people, np.arange(3), [0.1, 0.2, 0.6], dr).tolist() == [
        [100.0, 400.0, 300.0]
    ]
    # a drawn factor of 2 takes the 0.6 rate to 1.2, clipped to 1: all 500 displaced
    doubled = score.hazard_displaced(people, np.arange(3), [0.1, 0.2, 0.6], _draws(rate=2.0))
    assert doubled.tolist() == [[200.0, 800.0, 500.0]]
    # scaled to 1,600 (national factor 1): the 500 are capped, 1,100 spread 1:4
    scaled = score.hazard_displaced(people, np.arange(3), [0.1, 0.2, 0.6], dr, 1600.0)
    assert scaled == pytest.approx(np.array([[220.0, 880.0, 500.0]]))
    # groups take their class's rate
    groups = score.hazard_displaced(np.array([[10.0, 10.0]]), np.array([2, 2]), [0, 0, 0.5], dr)
    assert groups.tolist() == [[5.0, 5.0]]


def test_national_total_only_when_scaled():
    class Dem:
        scale_to_national_total = True
        national_total = 7e6

    assert score.national_total(Dem()) == 7e6
    Dem.scale_to_national_total = False
    assert score.national_total(Dem()) is None


def test_share_capacity_safety_and_residents_by_hand():
    assert score.displaced_share(np.array([[5.0, 3.0, 0.0]]),
                                 np.array([[10.0, 2.0, 0.0]])).tolist() == [[0.5, 1.0, 0.0]]  # fmt: skip
    dr = _draws(2, site=50.0, shift=0.3)
    cap = score.zone_capacity(np.array([10.0, 1.0]), dr, usable_fraction=0.01,
                              explicit=[None, 123.0])  # fmt: skip
    assert cap.tolist() == [[2000.0, 123.0], [2000.0, 123.0]]
    safe = score.zone_safety(np.array([1.0, 0.5]), np.array([0.5, 0.9]), dr)
    assert safe == pytest.approx(np.array([[0.8, 1.0], [0.8, 1.0]]))  # protection 0.8 and 1.0
    people = score.band_people(np.array([[80.0, 100.0, 150.0], [0.0, 10.0, 20.0]]),
                               np.array([-0.5, 0.5]))  # fmt: skip
    assert people.tolist() == [[90.0, 5.0], [125.0, 15.0]]
    assert score.not_displaced(people, np.array([[0.5, 0.0], [1.0, 0.2]])).tolist() == [50.0, 12.0]


def test_metrics_are_named_in_their_order():
    m = score.metrics(np.array([100.0]), np.array([[30.0, 50.0]]), np.array([7.0]),
                      np.array([[40.0, 50.0]]), np.array([[1.0, 0.5]]))  # fmt: skip
    by_name = dict(zip(METRICS, m[0].tolist(), strict=True))
    assert by_name == {"displaced": 100.0, "sheltered": 80.0, "arrivals": 80.0,
                       "displaced_within": 0.0, "sheltered_gravity": 80.0,
                       "sheltered_optimal": 80.0, "residents_protected": 7.0,
                       "unmet": 20.0, "capacity": 90.0, "sheltered_safe": 55.0,
                       "deaths_averted": 0.0}  # fmt: skip
    # the split and both allocations, as given
    m = score.metrics(np.array([100.0]), np.array([[30.0, 50.0]]), np.array([7.0]),
                      np.array([[40.0, 50.0]]), np.array([[1.0, 0.5]]),
                      within=np.array([[10.0, 5.0]]), gravity=np.array([[30.0, 50.0]]),
                      optimal=np.array([[40.0, 50.0]]))  # fmt: skip
    by_name = dict(zip(METRICS, m[0].tolist(), strict=True))
    assert (by_name["arrivals"], by_name["displaced_within"]) == (65.0, 15.0)
    assert (by_name["sheltered_gravity"], by_name["sheltered_optimal"]) == (80.0, 90.0)
    # deaths averted: the sum over zones of each zone's
    m = score.metrics(np.array([100.0]), np.array([[30.0, 50.0]]), np.array([7.0]),
                      np.array([[40.0, 50.0]]), np.array([[1.0, 0.5]]),
                      deaths=np.array([[2.5, -0.5]]))  # fmt: skip
    assert m[0, METRICS.index("deaths_averted")] == 2.0


def test_the_gravity_distance_takes_each_draws_crossing_penalty():
    class G:
        distance_km = np.array([[50.0, 80.0], [25.0, 10.0]])  # the central 20 km per crossing in
        crossings = np.array([[0.0, 2.0], [1.0, 0.5]])

    # central 20 km; drawn 10 and 30: -10 and +10 km per crossing
    dr = Draws(*[np.zeros(2)] * 5, np.array([10.0, 30.0]))  # type: ignore[arg-type]
    got = score.gravity_distance_km(G(), dr, 20.0)  # type: ignore[arg-type]
    assert got.tolist() == [[[50.0, 60.0], [15.0, 5.0]], [[50.0, 100.0], [35.0, 15.0]]]
    # at the central penalty, or without crossings, the groups' own distances
    central = Draws(*[np.zeros(2)] * 5, np.array([20.0, 20.0]))  # type: ignore[arg-type]
    assert score.gravity_distance_km(G(), central, 20.0).tolist() == G.distance_km.tolist()

    class NoCrossings:
        distance_km = G.distance_km

    same = score.gravity_distance_km(NoCrossings(), dr, 20.0)  # type: ignore[arg-type]
    assert same.tolist() == G.distance_km.tolist()
