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
    assert a.site_area_per_person_m2.min() >= 30 and a.site_area_per_person_m2.max() <= 45
    assert np.all(np.abs(a.rate_factor - 1) <= 0.3)
    with pytest.raises(sz.SafeZonesError, match="draws"):
        draw_inputs(spec, draws=0, n_classes=3)
    with pytest.raises(sz.SafeZonesError, match="site_area_low_m2"):
        UncertaintySpec(site_area_low_m2=50)


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
