"""safezones.sweep.plan: a sweep spec is validated, its design made, its scenarios set."""

from __future__ import annotations

import pytest

from safezones.defaults import DEFAULT_RATES
from safezones.errors import SafeZonesError
from safezones.sweep import Sweep, run_sweep


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[parameters."zones.aleppo.radius_kn"]\nlow = 5\nhigh = 10\n',
            "unknown key 'zones.aleppo.radius_kn'; did you mean 'radius_km'?",
        ),
        (
            '[parameters."zones.alepo.radius_km"]\nlow = 5\nhigh = 10\n',
            "no zone with id 'alepo'; the zones are: aleppo; did you mean 'aleppo'?",
        ),
        (
            '[parameters."zones.aleppo.radius_km"]\nlow = 10\nhigh = 10\n',
            "the range is empty (low = high = 10)",
        ),
        (
            '[parameters."zones.aleppo.radius_km"]\nlow = 20\nhigh = 10\n',
            "low (20) is greater than high (10)",
        ),
        (
            'size = 1000\n[parameters."zones.aleppo.radius_km"]\nlow = 5\nhigh = 10\n',
            "power of 2, got 1000; try 512 or 1024",
        ),
        (
            '[parameters."shelter.usable_fraction"]\nlow = 0.01\nhigh = 2\n',
            "parameters.shelter.usable_fraction = 2.0: shelter.usable_fraction: Input should be less than or equal to 1",
        ),
        (
            'desing = "grid"\n[parameters."zones.aleppo.radius_km"]\nlow = 5\nhigh = 10\n',
            "unknown key 'desing'; did you mean 'design'?",
        ),
        (
            '[parameters."demand.rates.5"]\nlow = 0.1\nhigh = 0.2\n',
            "'demand.rates' has 3 elements (0 to 2)",
        ),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(tmp_path, body, message, write_spec):
    head = 'design = "sobol"\nsize = 8\n' if "design" not in body and "size" not in body else ""
    if body.startswith("size"):
        head = 'design = "sobol"\n'
    with pytest.raises(SafeZonesError) as err:
        Sweep.from_toml(write_spec(head + body))
    assert message in str(err.value)
    assert str(tmp_path / "spec.toml") in str(err.value)  # the message names the file


def test_every_problem_of_a_spec_is_listed_at_once(tmp_path, write_spec):
    body = """design = "lhs"
[parameters."zones.aleppo.radius_km"]
low = 20
high = 10
[parameters."shelter.max_travel_km"]
values = [50, 100]
"""
    with pytest.raises(SafeZonesError) as err:
        Sweep.from_toml(write_spec(body))
    text = str(err.value)
    assert "low (20) is greater than high (10)" in text
    assert "values = [...] is for grid designs; lhs needs low and high" in text
    assert "size: a lhs design needs size" in text


def test_grid_design_and_list_elements(tmp_path, write_spec):
    body = """design = "grid"
[parameters."zones.aleppo.radius_km"]
values = [5, 10]
[parameters."demand.rates.2"]
low = 0.3
high = 0.7
num = 3
"""
    sw = Sweep.from_toml(write_spec(body))
    assert sw.design.values.tolist() == [
        [5, 0.3],
        [5, 0.5],
        [5, 0.7],
        [10, 0.3],
        [10, 0.5],
        [10, 0.7],
    ]
    sc = sw.scenario(sw.design.iloc[4].to_dict())
    assert sc.demand.rates == (*DEFAULT_RATES[:2], 0.5) and sc.zones[0].radius_km == 10


def test_whole_number_parameters_stay_whole_and_foreign_folders_are_left_alone(
    tmp_path, write_spec
):
    body = """design = "lhs"
size = 6
[parameters."events.start"]
low = 2012
high = 2014
"""
    sw = Sweep.from_toml(write_spec(body))
    years = sw.design["events.start"]
    assert years.dtype.kind == "i" and set(years) <= {2012, 2013, 2014}
    assert sw.scenario({"events.start": int(years.iloc[0])}).events.start == years.iloc[0]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(SafeZonesError, match="holds no sweep"):
        run_sweep(sw, other, workers=1)
    assert (other / "notes.txt").read_text() == "keep me"


def test_each_row_is_the_scenario_with_values_gives(write_spec):
    body = """design = "grid"
[parameters."zones.aleppo.radius_km"]
values = [5, 10]
[parameters."shelter.usable_fraction"]
low = 0.005
high = 0.02
num = 3
[parameters."shelter.max_travel_km"]
values = [60, 100]
[parameters."demand.rates.2"]
values = [0.3, 0.5]
"""
    sw = Sweep.from_toml(write_spec(body))
    for i in range(len(sw)):
        row = sw.design.iloc[i].to_dict()
        fast, slow = sw.scenario(row), sw.base.with_values(row)
        assert fast == slow and fast.document() == slow.document()
        assert fast.parameters() == slow.parameters() and fast.base_dir == slow.base_dir
    # one per radius and rate, and one per value of each checked up-front (plan._check)
    assert len(sw._shapes) == 4 + 4


def test_a_refused_row_gives_the_message_of_with_values(write_spec):
    sw = Sweep.from_toml(write_spec('design = "grid"\n[parameters."zones.aleppo.radius_km"]\n'
                                    'low = 5\nhigh = 10\nnum = 2\n'))  # fmt: skip
    for row in ({"zones.aleppo.radius_km": 5, "shelter.usable_fraction": 3.0},
                {"zones.aleppo.radius_km": -5, "shelter.usable_fraction": 0.5},
                {"shelter.usable_fraction": float("inf")}):  # fmt: skip
        with pytest.raises(SafeZonesError) as slow:
            sw.base.with_values(row)
        with pytest.raises(SafeZonesError) as fast:
            sw.scenario(row)
        assert fast.value.problems == slow.value.problems
