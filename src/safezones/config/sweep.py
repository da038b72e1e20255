"""The sweep spec format: the TOML sections of a parameter sweep and their checks.

A spec names a base scenario, the parameters to vary (key paths, as in
``--set``: :mod:`safezones.config.keys`), a design and a size; the sweep itself
is :class:`safezones.sweep.Sweep`.

Examples
--------
>>> spec = SweepSpec.model_validate({"base": "s.toml", "design": "grid",
...     "parameters": {"zones.aleppo.radius_km": {"values": [5, 10]}}})
>>> spec.draws, spec.seed, spec.parameters["zones.aleppo.radius_km"].values
(1, 20141126, [5, 10])
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from safezones.config.scenario import Section
from safezones.defaults import DEFAULT_SEED
from safezones.errors import SafeZonesError

__all__ = ["Design", "ParameterSpec", "SweepSpec", "raise_problems", "sobol_size_problem"]

Design = Literal["grid", "lhs", "sobol"]


class ParameterSpec(Section):
    """One varied parameter: ``low``/``high`` (and ``step``), or grid ``values``."""

    low: float | None = None
    high: float | None = None
    num: Annotated[int, Field(ge=1)] | None = None
    step: Annotated[float, Field(ge=0)] | None = None
    values: list[float | int | str | bool] | None = None


class SweepSpec(Section):
    """A sweep: base scenario, parameters, design, size, seed, draws.

    ``design`` defaults to ``lhs``, which takes any size (assumption: the
    cheapest design that fills the ranges); ``draws`` to 1, the central case
    of each scenario (assumption: a sweep explores parameters, not the Monte
    Carlo spread).
    """

    base: str
    title: str = ""
    design: Design = "lhs"
    size: Annotated[int, Field(ge=1)] | None = None
    seed: Annotated[int, Field(ge=0)] = DEFAULT_SEED  # numpy takes non-negative seeds
    draws: Annotated[int, Field(ge=1, le=100_000)] = 1
    chunk: Annotated[int, Field(ge=1)] | None = None
    parameters: dict[str, ParameterSpec]


def sobol_size_problem(size: int) -> str | None:
    """Say why ``size`` cannot be the base samples N of a sobol design, or return None.

    Examples
    --------
    >>> sobol_size_problem(64) is None, sobol_size_problem(100)
    (True, 'a sobol design needs size (the base samples N) to be a power of 2, got 100; try 64 or 128')
    """
    if size >= 2 and not size & (size - 1):
        return None
    below = 1 << max(1, size.bit_length() - 1)
    return (
        f"a sobol design needs size (the base samples N) to be a power of 2, got {size}; "
        f"try {below} or {below * 2}"
    )


def raise_problems(problems: list[str], source: str | None) -> None:
    """Raise a :class:`SafeZonesError` listing ``problems``, if there are any.

    Examples
    --------
    >>> raise_problems([], "spec.toml")
    >>> raise_problems(["size: a lhs design needs size"], "spec.toml")
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: spec.toml: size: a lhs design needs size
    """
    if problems:
        raise SafeZonesError(problems, source=source)
