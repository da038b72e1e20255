"""Demand: hand-computed answers and properties that must hold for any input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import safezones as sz
from safezones import data
from safezones.model.demand import (
    assign_origins,
    displaced_given,
    displaced_hazard,
    hazard_class,
    origin_units,
    read_displaced_table,
    scale_to_total,
)

# ---------------------------------------------------------------- demand


def test_hazard_classes_take_the_boundary_into_the_upper_class():
    got = hazard_class(np.array([0, 9.99, 10, 99.9, 100, np.nan]), (10, 100))
    assert got.tolist() == [0, 0, 1, 1, 2, 0]


def test_hazard_demand_by_hand():
    pop = np.array([1000.0, 2000.0, 500.0])
    inten = np.array([3.0, 40.0, 400.0])  # low, medium, high
    raw = displaced_hazard(pop, inten, rates=(0.1, 0.2, 0.6), national_total=None)
    assert raw.tolist() == [100.0, 400.0, 300.0]
    scaled = displaced_hazard(pop, inten, rates=(0.1, 0.2, 0.6), national_total=1600)
    # the high origin would get 600 > its 500 people: capped, the rest spread 1:4
    assert np.allclose(scaled, [220.0, 880.0, 500.0])
    assert scaled.sum() == pytest.approx(1600)


@given(
    st.lists(st.floats(1, 1e6), min_size=1, max_size=12),
    st.floats(0, 1),
    st.data(),
)
def test_scaling_meets_the_total_and_never_exceeds_population(pop, share, draw):
    pop = np.array(pop)
    d = np.array([draw.draw(st.floats(0.01, 1)) * p for p in pop])
    total = share * pop.sum()
    out = scale_to_total(d, pop, total)
    assert np.all(out <= pop * (1 + 1e-9))
    assert out.sum() == pytest.approx(total, rel=1e-9, abs=1e-6)


def test_given_table_shares_governorates_by_population_and_rejects_unknown_codes(tmp_path):
    units = origin_units("districts")
    pop = np.arange(1, len(units) + 1, dtype=float)
    given = pd.Series({"SY02": 1000.0, "SY0100": 5.0})
    out = displaced_given(given, units, pop)
    aleppo = units.pcode.str.startswith("SY02").to_numpy()
    assert out[aleppo].sum() == pytest.approx(1000)
    assert np.allclose(out[aleppo] / out[aleppo].sum(), pop[aleppo] / pop[aleppo].sum())
    assert out[units.pcode.to_numpy() == "SY0100"].tolist() == [5.0]
    with pytest.raises(sz.SafeZonesError, match=r"SY99.*SY0999"):
        displaced_given(pd.Series({"SY99": 1.0, "SY0999": 2.0}), units, pop, source="t.csv")
    # district figures for governorate origins add up into their governorate
    gov = origin_units("governorates")
    g = displaced_given(pd.Series({"SY0200": 7.0, "SY0201": 3.0}), gov, np.ones(len(gov)))
    assert g[gov.pcode.to_numpy() == "SY02"].tolist() == [10.0]


def test_displaced_table_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "idps.csv"
    bad.write_text("pcode,displaced\nSY02,100\nSY03,-5\nSY04,abc\n")
    with pytest.raises(sz.DataError, match=r"idps\.csv: .*line\(s\) 3, 4"):
        read_displaced_table(bad)
    with pytest.raises(sz.DataError, match=r"missing the columns \['idps'\]"):
        read_displaced_table(bad, column="idps")


def test_origins_of_grid_cells_match_the_grid_governorate():
    cells = data.population_grid()
    gov = origin_units("governorates")
    got = gov.pcode.to_numpy()[assign_origins(cells, gov)]
    assert (got == cells.adm1_pcode.to_numpy()).mean() > 0.99


# ---------------------------------------------------------------- shelter
