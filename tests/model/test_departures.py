"""Leaving Syria by neighbour: weights, the split of the outside option, border distances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

import safezones as sz
from safezones import data
from safezones.crs import PROJECT_CRS
from safezones.defaults import LEAVE_ATTRACT, LEAVE_DESTINATIONS
from safezones.errors import SafeZonesError
from safezones.model.departures import (
    attract_vector,
    border_km,
    leave_pull,
    leave_weights,
    openness,
    split_outside,
)
from safezones.model.shelter import allocate_gravity


def test_leave_weights_by_hand():
    """attract x openness x (25 / (d + 25)) ** decay, here in 2015 (Lebanon 0.1, Turkey 0.38)."""
    d = np.array([[25.0, 75.0, 0.0, 0.0, 0.0]])
    w = leave_weights(d, year=2015, attract=np.array([2.0, 1.0, 0.0, 0.0, 0.0]), decay=2.0)
    o = data.border_openness().loc[2015]
    assert w[0, 0] == pytest.approx(2.0 * o["TUR"] * 0.25)  # (25/50)^2
    assert w[0, 1] == pytest.approx(1.0 * o["LBN"] * (25 / 100) ** 2)
    assert w[0, 2:].tolist() == [0.0, 0.0, 0.0]


def test_split_outside_adds_up_and_follows_weights():
    w = np.array([[1.0, 0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    out = split_outside(np.array([30.0, 10.0]), 1.5, w)
    # group 0: weights stay 1.5, TUR 1, LBN 0.5 of 3 -> 15, 10, 5
    assert out[0].tolist() == pytest.approx([15.0, 10.0, 5.0, 0.0, 0.0, 0.0])
    assert out[1].tolist() == pytest.approx([10.0, 0, 0, 0, 0, 0])  # no leave weight: all stay
    assert out.sum(axis=1) == pytest.approx([30.0, 10.0])
    # no weight at all: they stay
    assert split_outside(np.array([4.0]), 0.0, np.zeros((1, 5)))[0, 0] == 4.0


def test_openness_follows_the_cited_policies():
    """Lebanon's entry restrictions from 5 January 2015 and Turkey's closure show in the table."""
    o = data.border_openness()
    assert o.loc[2014, "LBN"] > 0.5 > o.loc[2015, "LBN"]
    assert o.loc[2014, "TUR"] == 1.0 and o.loc[2016, "TUR"] < 0.5
    assert openness(2030).tolist() == openness(2019).tolist()  # beyond: the latest year
    p = data.border_policies()
    assert (p["source"] != "").all()
    assert set(p["country"]) == set(LEAVE_DESTINATIONS)


def test_border_km_against_an_independent_projection():
    """Aleppo's distance to the Turkish border, in UTM 37N (EPSG:32637) by shapely, within 1 %."""
    aleppo = (37.16, 36.20)
    lon_lat_to_m = pyproj.Transformer.from_crs("EPSG:4326", PROJECT_CRS, always_xy=True)
    x, y = lon_lat_to_m.transform(*aleppo)
    ours = border_km(np.array([[x, y]]))[0]
    line = data.border("TUR").to_crs("EPSG:32637").geometry.iloc[0]
    pt = gpd.GeoSeries([shapely.Point(*aleppo)], crs="EPSG:4326").to_crs("EPSG:32637").iloc[0]
    ref = pt.distance(line) / 1000
    assert ours[0] == pytest.approx(ref, rel=0.01)
    assert 30 < ours[0] < 60  # Aleppo lies about 45 km from the border at Kilis
    assert ours[4] == 0.0  # Egypt: distance-free


def test_bad_attractiveness_refused():
    with pytest.raises(SafeZonesError, match="missing EGY; unknown XXX"):
        attract_vector({"TUR": 1, "LBN": 1, "JOR": 1, "IRQ": 1, "XXX": 1})
    with pytest.raises(SafeZonesError, match="border decay must be >= 0"):
        leave_pull(np.array([1.0]), -1.0)
    assert attract_vector().tolist() == [LEAVE_ATTRACT[c] for c in LEAVE_DESTINATIONS]


def test_leave_weight_takes_people_from_the_zones():
    """A zone's share is w / (stay + leave + w): 100 people, zone weight 1, stay 0.5, leave 0.5."""
    args = (np.array([100.0]), np.array([1e6]), np.array([[True]]), np.array([[0.0]]), np.ones(1))
    assert allocate_gravity(*args, outside_option=0.5)[0, 0] == pytest.approx(100 / 1.5)
    got = allocate_gravity(*args, outside_option=0.5, leave_weight=np.array([0.5]))
    assert got[0, 0] == pytest.approx(50.0)
    with pytest.raises(SafeZonesError, match="leave weights"):
        allocate_gravity(*args, leave_weight=np.array([-1.0]))


SCENARIO = {
    "id": "tur",
    "title": "Turkish strip",
    "source": {"citation": "test"},
    "zones": [{"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 20}],
}


def test_per_origin_destinations_add_up_to_the_unmet():
    """Central case: stay in Syria plus every neighbour equals the unmet, origin by origin."""
    r = sz.run(sz.Scenario.from_dict(SCENARIO), draws=1)
    po = r.per_origin
    parts = po["stay_in_syria_p50"] + sum(po[f"leave_{c}_p50"] for c in LEAVE_DESTINATIONS)
    assert np.allclose(parts, po["unmet_p50"], rtol=1e-9, atol=1e-6)
    # the Turkish border's districts send a larger share to Turkey than Dar'a's do
    share = po["leave_TUR_p50"] / po["unmet_p50"].where(po["unmet_p50"] > 0)
    by = share.groupby(po["pcode"].str[:4]).mean()
    assert by["SY02"] > by["SY12"]


def test_no_leave_weight_shelters_more():
    """Leaving weighs on the zones: with every neighbour's weight 0, more people are sheltered."""
    base = sz.Scenario.from_dict(SCENARIO)
    none = base.with_values({f"shelter.leave.{c}": 0.0 for c in LEAVE_DESTINATIONS})
    with_leave, without = sz.run(base, draws=1), sz.run(none, draws=1)
    assert without.totals.loc["sheltered", "p50"] > with_leave.totals.loc["sheltered", "p50"]
    assert (without.per_origin[[f"leave_{c}_p50" for c in LEAVE_DESTINATIONS]] == 0).all().all()
