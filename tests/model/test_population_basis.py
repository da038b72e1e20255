"""population.basis = "window": the pre-war grid less the refugees abroad at the end of the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import safezones as sz
from safezones import data
from safezones.defaults import REFUGEES_ABROAD_END_OF_YEAR
from safezones.engine import READERS
from safezones.errors import SafeZonesError
from safezones.model.prepare import prepare_base

ROOT = Path(__file__).resolve().parents[2]
ALEPPO = ROOT / "scenarios" / "aleppo-freeze.toml"


def test_the_bundled_counts_are_unhcrs(shared_data):
    t = pd.read_csv(shared_data / "observed" / "unhcr_syrian_refugees_by_host_2011_2014.csv")
    abroad = t[t["coa_iso"] != "SYR"]
    by_year = (abroad["refugees"] + abroad["asylum_seekers"]).groupby(abroad["year"]).sum()
    assert {int(y): int(v) for y, v in by_year.items()} == REFUGEES_ABROAD_END_OF_YEAR
    # the README's end-2014 figures by host are among them
    tur = abroad[(abroad["year"] == 2014) & (abroad["coa_iso"] == "TUR")]["refugees"].sum()
    assert tur == 1_557_899


def test_the_window_basis_takes_the_refugees_abroad_off_the_prewar_total():
    sc = sz.Scenario.from_toml(ALEPPO)  # window 2014
    prewar = float(data.population_grid()["pop_central"].sum())
    base = prepare_base(sc.with_values({"population.basis": "window"}), READERS)
    # by hand: the pre-war total less the 3,967,139 Syrians abroad at the end of 2014
    assert float(base.cells["pop_central"].sum()) == pytest.approx(prewar - 3_967_139, rel=1e-12)
    # every cell by the same share; the bands with it
    pre = prepare_base(sc, READERS)
    ratio = base.bands / np.where(pre.bands > 0, pre.bands, 1.0)
    live = pre.bands > 0
    assert np.allclose(ratio[live], 1 - 3_967_139 / prewar)
    # ... and a 2012 window takes the end-2012 count
    b12 = prepare_base(
        sc.with_values({"population.basis": "window", "events.start": 2012, "events.end": 2012}),
        READERS,
    )
    assert float(b12.cells["pop_central"].sum()) == pytest.approx(prewar - 755_027, rel=1e-12)


def test_the_run_says_what_the_basis_rests_on():
    sc = sz.Scenario.from_toml(ALEPPO).with_values({"population.basis": "window"})
    r = sz.run(sc, draws=2)
    src = [s for s in r.provenance["sources"] if s["layer"] == "population basis"]
    assert len(src) == 1
    assert "3,967,139 refugees abroad at the end of 2014" in src[0]["source"]
    assert "assumption" in src[0]["source"]


def test_a_window_beyond_the_counts_is_refused():
    sc = sz.Scenario.from_toml(ALEPPO).with_values(
        {"population.basis": "window", "events.start": 2016, "events.end": 2016}
    )
    with pytest.raises(SafeZonesError) as e:
        sz.run(sc, draws=1)
    assert str(e.value) == (
        'population.basis = "window": no count of the refugees abroad at the end of 2016; '
        "UNHCR's figures bundled cover 2011 to 2014 "
        '(use basis "prewar" or a window ending in those years)'
    )


def test_the_window_basis_with_a_population_file_is_refused(tmp_path):
    with pytest.raises(
        SafeZonesError, match='basis "window" applies to the bundled pre-war grid only'
    ):
        sz.Scenario.from_toml(ALEPPO).with_values(
            {"population.source": "x.tif", "population.basis": "window"}
        )
