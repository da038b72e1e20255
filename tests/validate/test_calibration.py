"""Calibration: it recovers known parameters from data the model made, and the bundled one agrees."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from safezones import data
from safezones import defaults as d
from safezones.errors import DataError
from safezones.validate.backtest import SPLITS
from safezones.validate.calibrate import (
    BLOCKS,
    BOUNDS,
    START,
    calibrate,
    load_calibration,
    params_with,
)
from safezones.validate.history import central_draws, simulate
from safezones.validate.observed import bundled_path, file_hash

TRUE = {"attract_TUR": 0.4, "attract_LBN": 0.15, "attract_JOR": 0.3}


def _simulated_refugees(tmp_path, params):
    """A refugees file of UNHCR's format holding the model's own central stocks."""
    sim = simulate(params, central_draws(params), site_years=())
    rows = []
    for i, y in enumerate(sim.years):
        if y > 2014:
            break
        for j, c in enumerate(d.LEAVE_DESTINATIONS):
            rows.append({"year": y, "coa_name": c, "coa_iso": c,
                         "refugees": round(float(sim.abroad[0, i, j])), "asylum_seekers": 0,
                         "idps": 0})  # fmt: skip
    f = tmp_path / "simulated.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    return f


def test_calibration_recovers_known_parameters(tmp_path):
    """Stocks simulated at known weights: the fit finds them again from the training years."""
    truth = params_with(START, TRUE)
    f = _simulated_refugees(tmp_path, truth)
    cal = calibrate(refugees=f, free=tuple(TRUE), draws=5)
    for k, v in TRUE.items():
        assert cal.values[k] == pytest.approx(v, rel=0.03), k
        assert cal.identified[k] == "identified"
    # the test year it never saw is reproduced too (the model made it): the central case
    sim = simulate(cal.params, central_draws(cal.params), site_years=())
    got = sim.abroad[0, sim.years.index(2014)]
    want = pd.read_csv(f).query("year == 2014").set_index("coa_iso").loc[list(d.LEAVE_DESTINATIONS)]
    assert got == pytest.approx(want["refugees"].to_numpy(float), rel=0.02)
    # parameters not freed keep their start
    assert cal.params.rates == START.rates and cal.params.border_decay == START.border_decay


def test_an_unidentifiable_parameter_is_said_so():
    """Capacity never binds in the north-west zone at 1 % (arrivals < capacity in every part), so
    the camps cannot identify the usable share: it stays at its start, said so."""
    sim = simulate(START, central_draws(START))
    years = [sim.years.index(y) for y in SPLITS["sites_by_district"]["train"]]
    assert (sim.sites[0, years] < sim.capacity[0][None, :]).all()
    cal = calibrate(free=("usable_fraction",), draws=5)
    assert cal.identified["usable_fraction"].startswith("not identified")
    assert cal.values["usable_fraction"] == START.usable_fraction


def test_blocks_cover_the_bounds_once():
    members = [k for v in BLOCKS.values() for k in v]
    assert sorted(members) == sorted(BOUNDS) and len(members) == len(set(members))
    assert list(BOUNDS) == list(d.CALIBRATION_PARAMETERS)


def test_defaults_are_the_bundled_calibration():
    """safezones.defaults holds the bundled calibration's values (3 significant figures)."""
    cal = data.calibration()
    p, _, _ = load_calibration("bundled")
    attract = dict(zip(d.LEAVE_DESTINATIONS, p.attract, strict=True))
    for c in d.LEAVE_DESTINATIONS:
        assert d.LEAVE_ATTRACT[c] == pytest.approx(attract[c], rel=5e-3), c
    assert np.allclose(d.DEFAULT_RATES, p.rates, rtol=5e-3)
    # what is not identified keeps the assumption
    for k, why in cal["identified"].items():
        if why != "identified" and k in ("border_decay", "decay", "usable_fraction"):
            assert cal["values"][k] == pytest.approx(getattr(START, k))
    # the source the outputs cite quotes the test ARDs of the bundled file
    for name, label in (
        ("refugees_by_host", "refugees"),
        ("movements_by_governorate", "movements"),
    ):
        ard = f"ARD {cal['test'][name]['ard']:.2f}"
        assert ard in d.CALIBRATION_SOURCE, (label, ard)


def test_bundled_calibration_names_the_files_it_saw():
    """Its data hashes are the bundled observed files' (a changed file would not match)."""
    cal = data.calibration()
    for name, kind in (("refugees_by_host", "refugees"), ("movements_by_governorate", "movements"),
                       ("sites_by_district", "sites")):  # fmt: skip
        assert cal["data"][name]["sha256"] == file_hash(bundled_path(kind))
    # train and test never overlap, and the file says which it used
    for name, split in cal["periods"].items():
        assert not set(split["train"]) & set(split["test"])
        assert min(split["test"]) > max(split["train"])
        assert split == {k: list(v) for k, v in SPLITS[name].items()}


def test_bad_calibration_files(tmp_path):
    f = tmp_path / "c.json"
    f.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match=r"not a calibration\.json"):
        load_calibration(f)
    f.write_text(json.dumps({"values": {"attract_TUR": -1, "warp_speed": 3}}), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_calibration(f)
    msg = str(err.value)
    assert (
        "unknown parameter 'warp_speed'" in msg and "attract_TUR must be a finite number > 0" in msg
    )
    with pytest.raises(DataError, match="no such calibration file"):
        load_calibration(tmp_path / "missing.json")


def test_a_scenario_takes_a_calibration_file(tmp_path):
    """calibration = PATH: its identified values fill what the scenario leaves, cited."""
    from safezones.config.scenario import Scenario
    from safezones.config.sources import parameter_sources

    doc = dict(data.calibration())
    doc["values"] = {**doc["values"], "attract_TUR": 2.5}
    f = tmp_path / "mine.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
                             "calibration": "mine.json", "shelter": {"leave": {"LBN": 0.5}},
                             "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo",
                                        "radius_km": 5}]}, base_dir=tmp_path)  # fmt: skip
    assert sc.shelter.leave.TUR == 2.5
    assert sc.shelter.leave.LBN == 0.5  # the scenario's own value wins
    ps = parameter_sources(sc)
    assert ps["shelter.leave.TUR"]["source"].startswith(f"calibrated ({f};")
    assert ps["shelter.leave.LBN"]["source"].startswith("scenario x")
