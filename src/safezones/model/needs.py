"""Minimum needs of the people a zone shelters: water, latrines, covered space.

As InaSAFE does for displaced people, a zone's minimum needs are its people
times the Sphere Handbook's standards (``[needs]``, :class:`~safezones.config.sections.NeedsSpec`,
defaults with their sources in :mod:`safezones.defaults`): 15 litres of water
per person per day, a latrine per 20 people and 3.5 m² of covered living
space per person. The people are those *sheltered* (arrivals plus the
displaced within who stay); residents who were not displaced are outside it,
on the assumption that they keep their own homes, water and latrines.

Examples
--------
>>> import numpy as np
>>> from safezones.config.sections import NeedsSpec
>>> out = needs(np.array([[1234.0, 0.0]]), NeedsSpec())
>>> {k: v.tolist() for k, v in out.items()}
{'water_litres_per_day': [[18510.0, 0.0]], 'latrines': [[62.0, 0.0]], 'covered_area_m2': [[4319.0, 0.0]]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from safezones.defaults import (
    SOURCES,
    SPHERE_COVERED_M2,
    SPHERE_PEOPLE_PER_LATRINE,
    SPHERE_WATER_L_PER_DAY,
)
from safezones.model.metrics import QUANTILES
from safezones.model.uncertainty import summarise

if TYPE_CHECKING:
    from safezones.config.sections import NeedsSpec

__all__ = ["NEEDS", "NEEDS_STANDARDS", "NEEDS_UNITS", "needs", "needs_standard", "needs_totals"]

#: The needs, in the order reported (per-zone columns ``<need>_p5/_p50/_p95``).
NEEDS = ("water_litres_per_day", "latrines", "covered_area_m2")
#: The unit of each need.
NEEDS_UNITS = {
    "water_litres_per_day": "litres per day",
    "latrines": "latrines",
    "covered_area_m2": "m²",
}
#: Each need's ``[needs]`` key, its Sphere default and unit (sources: :data:`safezones.defaults.SOURCES`).
NEEDS_STANDARDS = {
    "water_litres_per_day": (
        "water_litres_per_person_day",
        SPHERE_WATER_L_PER_DAY,
        "litres per person per day",
    ),
    "latrines": ("people_per_latrine", SPHERE_PEOPLE_PER_LATRINE, "people per latrine"),
    "covered_area_m2": ("covered_m2_per_person", SPHERE_COVERED_M2, "m² per person"),
}
#: Latrines per zone are whole: ``ceil(people / people_per_latrine)``, after rounding the
#: ratio to this many decimals, so that a solver's 40.0000000001 people need 2, not 3,
#: latrines of 20 (assumption: round-off is not a person).
_RATIO_DECIMALS = 9


def needs(sheltered: np.ndarray, spec: NeedsSpec) -> dict[str, np.ndarray]:
    """Return the minimum needs of the people sheltered, per draw and zone.

    Parameters
    ----------
    sheltered
        ``(draws, zones)`` people sheltered in each zone (arrivals + displaced
        within); any shape works, the output has the same. Residents who were not
        displaced are not in it and need nothing here (assumption: they keep
        their homes, water and latrines). Negative round-off counts as 0.
    spec
        The scenario's ``[needs]`` section (Sphere defaults, editable).

    Returns
    -------
    dict
        By :data:`NEEDS`, arrays of the shape of ``sheltered``:
        ``water_litres_per_day`` = people x ``water_litres_per_person_day``;
        ``latrines`` = ceil(people / ``people_per_latrine``), 0 for no one;
        ``covered_area_m2`` = people x ``covered_m2_per_person``.

    Examples
    --------
    >>> from safezones.config.sections import NeedsSpec
    >>> needs(np.array([41.0]), NeedsSpec(people_per_latrine=20))["latrines"].tolist()
    [3.0]
    """
    people = np.maximum(np.asarray(sheltered, dtype=float), 0.0)
    ratio = np.round(people / float(spec.people_per_latrine), _RATIO_DECIMALS)
    return {
        "water_litres_per_day": people * float(spec.water_litres_per_person_day),
        "latrines": np.ceil(ratio),
        "covered_area_m2": people * float(spec.covered_m2_per_person),
    }


def needs_standard(spec: NeedsSpec) -> dict[str, dict[str, float | str]]:
    """Return, per need, the standard used (``key``, ``value``, ``unit``) and its ``source``.

    ``source`` is the Sphere citation (:data:`safezones.defaults.SOURCES`) when the
    value is Sphere's default, else ``"scenario"`` (the scenario's own ``[needs]`` value).

    Examples
    --------
    >>> from safezones.config.sections import NeedsSpec
    >>> needs_standard(NeedsSpec(people_per_latrine=50))["latrines"]["source"]
    'scenario'
    >>> needs_standard(NeedsSpec())["latrines"]["value"]
    20.0
    """
    out: dict[str, dict[str, float | str]] = {}
    for need, (key, default, unit) in NEEDS_STANDARDS.items():
        value = float(getattr(spec, key))
        path = f"needs.{key}"
        out[need] = {
            "key": path,
            "value": value,
            "unit": unit,
            "source": SOURCES[path] if value == default else "scenario",
        }
    return out


def needs_totals(sheltered: np.ndarray, spec: NeedsSpec) -> dict[str, dict[str, Any]]:
    """Return, per need, P5/P50/P95 of its total over the zones, its unit and standard.

    Each draw's needs are summed over the zones (each zone's latrines whole, as
    :func:`needs` gives them), then the quantiles are taken over the draws: the
    ``summary.json`` ``needs`` entry.

    Parameters
    ----------
    sheltered
        ``(draws, zones)`` people sheltered in each zone.
    spec
        The scenario's ``[needs]`` section.

    Examples
    --------
    >>> from safezones.config.sections import NeedsSpec
    >>> t = needs_totals(np.array([[30.0, 30.0], [10.0, 0.0]]), NeedsSpec())
    >>> t["latrines"]["p50"], t["water_litres_per_day"]["p95"]  # latrines 2 + 2 and 1
    (2.5, 862.5)
    """
    arr = np.asarray(sheltered, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"sheltered must be (draws, zones), got shape {arr.shape}")
    standard = needs_standard(spec)
    out: dict[str, dict[str, Any]] = {}
    for need, vals in needs(arr, spec).items():
        q = summarise(vals.sum(axis=1))
        out[need] = {
            **{k: float(v) for k, v in zip(QUANTILES, q, strict=True)},
            "unit": NEEDS_UNITS[need],
            "standard": standard[need],
        }
    return out
