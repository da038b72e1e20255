"""Hazard classed on the cells, reported by district: no district-size artefact (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

import safezones as sz
from safezones.defaults import DEFAULT_RATES

BORDER = Path(__file__).resolve().parents[2] / "scenarios" / "border-refuge-zones.toml"


@pytest.mark.parametrize(("origin", "duma"), [("cells", "high"), ("districts", "medium")])
def test_duma_is_classed_by_where_its_people_live_not_by_its_desert(origin, duma):
    sc = sz.Scenario.from_toml(BORDER)
    assert sc.demand.origin == "cells"  # the default
    po = sz.run(sc.with_values({"demand.origin": origin}), draws=1).per_origin.set_index("pcode")
    # Damascus (SY0100: dense, small, 4,600 events per 1,000 km2 in 2014) is high either way
    assert po.loc["SY0100", "hazard_class"] == "high"
    # Duma (SY0302, Eastern Ghouta): averaged over its mostly empty area it falls to medium
    # (36 events per 1,000 km2, under the 100 of "high"); on the cells where its people live,
    # next to Damascus, most of them are in the high class
    assert po.loc["SY0302", "hazard_class"] == duma
    if origin == "cells":
        # most people at the high rate: above the midpoint of the medium and high rates
        assert po.loc["SY0302", "rate"] > (DEFAULT_RATES[1] + DEFAULT_RATES[2]) / 2
