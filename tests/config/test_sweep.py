"""Tests of safezones.config.sweep: the sweep spec sections and their checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from safezones import defaults
from safezones.config.sweep import ParameterSpec, SweepSpec, raise_problems, sobol_size_problem
from safezones.errors import SafeZonesError


def test_a_spec_takes_its_defaults():
    spec = SweepSpec.model_validate({"base": "b.toml", "parameters": {"x": {"low": 1, "high": 2}}})
    assert (spec.design, spec.draws, spec.seed, spec.size) == (
        "lhs",
        1,
        defaults.DEFAULT_SEED,
        None,
    )
    assert spec.parameters["x"] == ParameterSpec(low=1, high=2)


@pytest.mark.parametrize(
    "doc",
    [
        {"base": "b", "parameters": {}, "desing": "grid"},
        {"base": "b", "parameters": {"x": {"lo": 1}}},
        {"base": "b", "parameters": {}, "draws": 0},
        {"base": "b", "parameters": {"x": {"low": float("inf")}}},
        {"parameters": {}},
    ],
)
def test_a_bad_spec_is_refused(doc):
    with pytest.raises(ValidationError):
        SweepSpec.model_validate(doc)


def test_sobol_sizes_are_powers_of_two():
    assert [n for n in range(1, 70) if sobol_size_problem(n) is None] == [2, 4, 8, 16, 32, 64]
    assert sobol_size_problem(1000).endswith("got 1000; try 512 or 1024")
    assert sobol_size_problem(1).endswith("got 1; try 2 or 4")


def test_raise_problems_lists_them_with_the_source():
    raise_problems([], None)
    with pytest.raises(SafeZonesError) as err:
        raise_problems(["a", "b"], "spec.toml")
    assert err.value.problems == ("a", "b") and str(err.value).startswith("spec.toml: 2 problems")
