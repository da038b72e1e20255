"""The explanation of a scenario's problems, by key path (zones by id, as ``--set`` names them).

:func:`non_finite` finds every inf and nan in a document; :func:`explain` turns
pydantic's validation errors into one sentence each, with a suggestion for a
misspelt key.

Examples
--------
>>> from safezones.config.scenario import Scenario
>>> try:
...     Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
...         "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": -1}]})
... except ValueError as err:
...     print(err)
zones.a.radius_km: Input should be greater than 0 (got -1)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["NOT_FINITE", "ZoneKinds", "explain", "non_finite"]

#: The zone model of each zone ``kind``.
ZoneKinds = Mapping[str, type[BaseModel]]

NOT_FINITE = "is not a finite number"


def non_finite(doc: Mapping[str, Any]) -> list[str]:
    """One problem per inf or nan anywhere in a scenario document, by key path.

    Zones are addressed by id, as in ``--set``.

    Examples
    --------
    >>> non_finite({"demand": {"national_total": float("inf"),
    ...                         "thresholds": [float("nan"), 100]},
    ...              "zones": [{"id": "a", "capacity": float("-inf")}]})  # doctest: +NORMALIZE_WHITESPACE
    ['demand.national_total: inf is not a finite number; give a finite number',
     'demand.thresholds: value 1 of 2 (nan) is not a finite number; give finite numbers',
     'zones.a.capacity: -inf is not a finite number; give a finite number']
    """
    problems: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list | tuple):
            if path == "zones":
                for i, z in enumerate(value):
                    zid = z.get("id", i) if isinstance(z, Mapping) else i
                    walk(z, f"zones.{zid}")
                return
            for i, v in enumerate(value):
                if isinstance(v, float) and not math.isfinite(v):
                    problems.append(
                        f"{path}: value {i + 1} of {len(value)} ({v}) {NOT_FINITE}; "
                        "give finite numbers"
                    )
                else:
                    walk(v, f"{path}.{i + 1}")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{path}: {value} {NOT_FINITE}; give a finite number")

    walk(doc, "")
    return problems


def _submodels(model: type[BaseModel]) -> Iterator[tuple[str, type[BaseModel]]]:
    """Yield the fields of ``model`` that are models themselves (its sections)."""
    for name, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield name, ann


def _model_at(
    loc: Sequence[Any], raw: Mapping[str, Any], root: type[BaseModel], zone_kinds: ZoneKinds
) -> tuple[type[BaseModel] | None, str]:
    """Return the model that owns the last key of ``loc``, and a readable key path."""
    names: list[str] = []
    model: type[BaseModel] | None = root
    sections = dict(_submodels(root))
    i = 0
    while i < len(loc):
        part = loc[i]
        if part == "zones" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            idx = loc[i + 1]
            zones = raw.get("zones", [])
            zone = zones[idx] if idx < len(zones) and isinstance(zones[idx], dict) else {}
            names.append(f"zones.{zone.get('id', idx)}")
            kind = zone.get("kind")
            model = zone_kinds.get(str(kind))
            i += 2
            if i < len(loc) and loc[i] in zone_kinds:  # the discriminator tag
                i += 1
            continue
        names.append(str(part))
        if model is not None and isinstance(part, str):
            fld = model.model_fields.get(part)
            ann = getattr(fld, "annotation", None) if fld else None
            model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            if fld is None and part in sections:
                model = sections[part]
        i += 1
    return model, ".".join(names)


def explain(
    err: ValidationError, raw: Mapping[str, Any], *, root: type[BaseModel], zone_kinds: ZoneKinds
) -> list[str]:
    """Return one problem per validation error, each naming its key path (zones by id).

    A misspelt key gets a suggestion (or the allowed keys); a value is shown
    when short, never a long text.

    Parameters
    ----------
    err
        What validating ``raw`` against ``root`` raised.
    raw
        The document validated (zones addressed by their ``id`` in it).
    root
        The model validated (:class:`safezones.config.scenario.Scenario`).
    zone_kinds
        The zone model of each ``kind`` (the union's discriminator).
    """
    problems = []
    for e in err.errors():
        loc = e["loc"]
        if e["type"] == "extra_forbidden":
            owner, _ = _model_at(loc[:-1], raw, root, zone_kinds)
            _, path = _model_at(loc, raw, root, zone_kinds)
            allowed: list[str] = []
            if owner is not None:
                for name, f in owner.model_fields.items():
                    allowed.append(f.alias or name)
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            msg = f"unknown key {path!r}"
            msg += f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
            problems.append(msg)
            continue
        _, path = _model_at(loc, raw, root, zone_kinds)
        value = e.get("input")
        if e["type"] == "string_too_long" and isinstance(value, str):  # never echo the text
            limit = e.get("ctx", {}).get("max_length", 0)
            problems.append(f"{path}: at most {limit:,} characters (got {len(value):,})")
            continue
        scalar = isinstance(value, str | int | float | bool) and e["type"] != "missing"
        shown = f" (got {value!r})" if scalar else ""
        msg = e["msg"].removeprefix("Value error, ").rstrip(".")
        if e["type"] == "finite_number":
            msg, shown = f"{value} {NOT_FINITE}; give a finite number", ""
        if e["type"] == "value_error":
            shown = ""  # the message says what was given
        problems.append(f"{path or 'scenario'}: {msg}{shown}")
    return problems
