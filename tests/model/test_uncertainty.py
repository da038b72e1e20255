"""Uncertainty: draws, bands and percentiles."""

from __future__ import annotations

import numpy as np
import pytest

import safezones as sz
from safezones.model.uncertainty import (
    PERCENTILES,
    UncertaintySpec,
    band_values,
    draw_inputs,
    summarise,
)

# ---------------------------------------------------------------- uncertainty


def test_one_draw_is_the_central_case_and_seeds_repeat():
    spec = UncertaintySpec()
    one = draw_inputs(spec, draws=1, n_classes=3)
    assert one.population_t.tolist() == [0.0] and one.site_area_per_person_m2.tolist() == [45.0]
    a = draw_inputs(spec, draws=200, n_classes=3, seed=7)
    b = draw_inputs(spec, draws=200, n_classes=3, seed=7)
    c = draw_inputs(spec, draws=200, n_classes=3, seed=8)
    assert np.array_equal(a.rate_factor, b.rate_factor)
    assert not np.array_equal(a.rate_factor, c.rate_factor)
    # Sphere's 30 m2 to Zaatari's used area per person, 5.3 km2 / 79,138 = 67 m2
    assert a.site_area_per_person_m2.min() >= 30 and a.site_area_per_person_m2.max() <= 67
    assert np.all(np.abs(a.rate_factor - 1) <= 0.3)
    with pytest.raises(sz.SafeZonesError, match="draws"):
        draw_inputs(spec, draws=0, n_classes=3)
    with pytest.raises(sz.SafeZonesError, match="site_area_low_m2"):
        UncertaintySpec(site_area_low_m2=70)


def test_band_values_stay_within_the_bands():
    t = draw_inputs(UncertaintySpec(), draws=500, n_classes=1, seed=1).population_t
    v = band_values(np.array([80.0]), np.array([100.0]), np.array([130.0]), t)
    assert v.min() >= 80 and v.max() <= 130
    q = summarise(v)[0]
    assert q[0] <= q[1] <= q[2]
    assert q[1] == pytest.approx(100, abs=3)  # the triangular law peaks at the central value


def test_latin_hypercube_settles_percentiles_faster_than_random_draws():
    def spread(method):
        meds = [
            np.median(
                draw_inputs(
                    UncertaintySpec(), draws=200, n_classes=3, seed=s, method=method
                ).national_factor
            )
            for s in range(20)
        ]
        return np.std(meds)

    assert spread("lhs") < spread("random") / 5


# np.percentile of an inf subtracts inf from inf on its way (the reference, not summarise)
@pytest.mark.filterwarnings("ignore:invalid value encountered in subtract:RuntimeWarning")
@pytest.mark.parametrize(
    ("shape", "axis"), [((1, 6), 0), ((1,), 0), ((4, 1, 3), 1), ((1, 5, 2), 0), ((3, 1), -1)]
)
def test_one_draw_is_summarised_bit_for_bit_as_np_percentile(shape, axis):
    rng = np.random.default_rng(len(shape))
    v = rng.normal(size=shape) * 10.0 ** rng.integers(-300, 300, size=shape)
    v.flat[0] = -0.0
    want = np.moveaxis(np.percentile(v, PERCENTILES, axis=axis), 0, -1)
    got = summarise(v, axis=axis)
    assert got.shape == want.shape and got.tobytes() == want.tobytes()
    v.flat[-1] = np.inf  # not finite: np.percentile itself
    want = np.moveaxis(np.percentile(v, PERCENTILES, axis=axis), 0, -1)
    assert summarise(v, axis=axis).tobytes() == want.tobytes()


def test_the_crossing_penalty_draws_lie_in_their_range_and_one_draw_is_central():
    spec = UncertaintySpec(crossing_penalty_spread=0.4, structural=False)
    one = draw_inputs(spec, draws=1, n_classes=3, crossing_penalty_central_km=25.0)
    assert one.crossing_penalty_km is not None and one.crossing_penalty_km.tolist() == [25.0]
    n = 50
    d = draw_inputs(spec, draws=n, n_classes=3, seed=4, crossing_penalty_central_km=25.0)
    p = d.crossing_penalty_km
    assert p is not None and p.shape == (n,)
    assert p.min() >= 25.0 * 0.6 and p.max() <= 25.0 * 1.4  # 15 to 35 km
    # a Latin hypercube: one draw in each of the n equal strata of the range
    strata = np.floor((p - 15.0) / 20.0 * n).astype(int)
    assert sorted(strata.tolist()) == list(range(n))
    assert d.crossing_shift_km(25.0) == pytest.approx(p - 25.0)
    # no spread, no penalty: the central value in every draw
    flat = draw_inputs(UncertaintySpec(crossing_penalty_spread=0.0), draws=n, n_classes=3,
                       seed=4, crossing_penalty_central_km=25.0)  # fmt: skip
    assert flat.crossing_penalty_km is not None
    assert flat.crossing_penalty_km.tolist() == [25.0] * n
    with pytest.raises(sz.SafeZonesError, match=r"crossing_penalty_spread must be in \[0, 1\)"):
        UncertaintySpec(crossing_penalty_spread=1.0)


def test_drawing_the_crossing_penalty_leaves_the_other_inputs_of_a_seed_as_they_were():
    for method in ("lhs", "random"):
        a, b = (
            draw_inputs(
                UncertaintySpec(crossing_penalty_spread=s),
                draws=30,
                n_classes=3,
                seed=9,
                crossing_penalty_central_km=c,
                method=method,
            )
            for s, c in ((0.0, 0.0), (0.5, 40.0))
        )
        for name in ("population_t", "rate_factor", "national_factor",
                     "site_area_per_person_m2", "protection_shift"):  # fmt: skip
            assert np.array_equal(getattr(a, name), getattr(b, name)), (method, name)
