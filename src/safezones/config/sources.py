"""Every model parameter of a scenario with its source: the default's, or the scenario's.

:func:`parameter_sources` maps each dotted leaf path of
:meth:`Scenario.parameters() <safezones.config.scenario.Scenario.parameters>`
(key paths as :func:`safezones.config.keys.flatten` writes them, zones by id,
lists as one value) that is a model parameter to ``{"value", "source"}``.
A value equal to its default cites the default's source
(:data:`safezones.defaults.SOURCES`); a value the scenario sets cites the
scenario (``scenario <id>: <its [source] citation>; see its assumptions``).
``summary.json`` holds it as ``parameter_sources``; the memo's assumptions
table cites it.

Examples
--------
>>> from safezones.config.scenario import Scenario
>>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "example"},
...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}],
...     "shelter": {"usable_fraction": 0.02}})
>>> ps = parameter_sources(sc)
>>> ps["shelter.usable_fraction"]
{'value': 0.02, 'source': 'scenario x: example (it states no assumptions)'}
>>> ps["needs.people_per_latrine"]["source"]
'Sphere Handbook (2018), excreta management: 1 latrine per 20 people'
>>> ps["zones.a.radius_km"]["source"]
'scenario x: example (it states no assumptions)'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from safezones import defaults
from safezones.config.keys import flatten
from safezones.errors import SafeZonesError

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario

__all__ = ["METADATA", "MODEL_SECTIONS", "ZONE_LABELS", "parameter_sources", "scenario_source"]

#: Top-level keys of a scenario that describe it rather than parameterise the model.
METADATA: tuple[str, ...] = ("id", "title", "description", "source", "assumptions", "calibration")
#: The scenario's sections whose every leaf is a model parameter.
MODEL_SECTIONS: tuple[str, ...] = (
    "population",
    "events",
    "demand",
    "shelter",
    "uncertainty",
    "needs",
    "control",
    "threat",
)
#: A zone's fields that name it rather than parameterise it.
ZONE_LABELS: tuple[str, ...] = ("id", "name", "kind")


def scenario_source(sc: Scenario) -> str:
    """Return the source of a value the scenario sets: its id, citation and assumptions.

    Examples
    --------
    >>> from safezones.config.scenario import Scenario
    >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "AFP"},
    ...     "assumptions": ["5 km"],
    ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
    >>> scenario_source(sc)
    'scenario x: AFP; see its assumptions'
    """
    tail = "; see its assumptions" if sc.assumptions else " (it states no assumptions)"
    return f"scenario {sc.id}: {sc.source.citation}{tail}"


def parameter_sources(
    sc: Scenario, *, sources: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Return every model parameter of ``sc`` by key path, as ``{"value": v, "source": s}``.

    The model parameters are the leaves of :data:`MODEL_SECTIONS` and each
    zone's fields other than :data:`ZONE_LABELS` (``zones.<id>.<field>``);
    the metadata (:data:`METADATA`) is left out. ``s`` is the default's source
    (``sources``, by default :data:`safezones.defaults.SOURCES`; a zone's unset
    field ``zones.*.<field>``) when the value equals the default, else
    :func:`scenario_source`. A zone's unset protection takes its kind's: the
    scenario's ``shelter.protection.<kind>`` when it sets one, else the reason of
    the default (:data:`safezones.defaults.PROTECTION_REASONS`, by neighbour for a
    refuge zone).

    Raises
    ------
    SafeZonesError
        If a default has no source (naming its key path), so that a new default
        cannot reach ``summary.json`` without one.
    """
    known = defaults.SOURCES if sources is None else sources
    params = sc.parameters()
    ours = scenario_source(sc)
    out: dict[str, dict[str, Any]] = {}
    missing: list[str] = []

    def put(path: str, value: Any, default_key: str | None) -> None:
        if default_key is None:
            out[path] = {"value": value, "source": ours}
        elif known.get(default_key):
            out[path] = {"value": value, "source": known[default_key]}
        else:
            missing.append(default_key)

    for name in MODEL_SECTIONS:
        base = flatten(_section_default(sc, name), f"{name}.")
        for path, value in flatten(params[name], f"{name}.").items():
            put(path, value, path if path in base and base[path] == value else None)

    kind_protection = params["shelter"]["protection"]
    for zone, doc in zip(sc.zones, params["zones"], strict=True):
        unset = _zone_defaults(type(zone))
        for field, value in flatten(doc, f"zones.{zone.id}.").items():
            key = field.removeprefix(f"zones.{zone.id}.")
            if key.split(".")[0] in ZONE_LABELS:
                continue
            if key == "protection" and value is None:
                kind = str(doc["kind"])
                if kind_protection.get(kind) is not None:
                    out[field] = {"value": None, "source": f"as shelter.protection.{kind}: {ours}"}
                else:
                    reason = defaults.PROTECTION_REASONS.get(str(doc.get("border") or kind))
                    out[field] = {"value": None, "source": reason or ""}
                    if not reason:
                        missing.append(field)
                continue
            is_default = key in unset and unset[key] == value
            put(field, value, f"zones.*.{key}" if is_default else None)

    _cite_calibration(sc, out)
    if missing:
        keys = ", ".join(sorted(set(missing)))
        raise SafeZonesError(
            f"no source for the default of {keys}: add it to safezones.defaults.SOURCES "
            "with its citation or the word 'assumption'"
        )
    return out


def _cite_calibration(sc: Scenario, out: dict[str, dict[str, Any]]) -> None:
    """Cite the calibration file for the values it filled (``calibration = ...``)."""
    for path, why in sc.calibrated().items():
        for key in [k for k in out if k == path or k.startswith(path + ".")]:
            out[key]["source"] = why


def _section_default(sc: Scenario, name: str) -> dict[str, Any]:
    """Return a section's default values as :meth:`Scenario.parameters` writes them."""
    default = type(sc).model_fields[name].default
    assert isinstance(default, BaseModel)
    out: dict[str, Any] = json.loads(default.model_dump_json(by_alias=True))
    return out


def _zone_defaults(kind: type[BaseModel]) -> dict[str, Any]:
    """Return a zone kind's fields that have a default, by alias, as JSON values."""
    out: dict[str, Any] = {}
    for name, field in kind.model_fields.items():
        if not field.is_required():
            out[field.alias or name] = json.loads(json.dumps(field.default, default=str))
    return out
