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
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["HINTS", "NOT_FINITE", "ZoneKinds", "explain", "non_finite"]

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


def _is_union(annotation: Any) -> bool:
    """Return whether a field's type is a union of two or more types besides None."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    return sum(a is not type(None) for a in typing.get_args(annotation)) > 1


def _walk(
    loc: Sequence[Any], raw: Mapping[str, Any], root: type[BaseModel], zone_kinds: ZoneKinds
) -> tuple[type[BaseModel] | None, str, int | None]:
    """Return the model owning the last key of ``loc``, a readable key path, and the union tag.

    The tag is the index in ``loc`` of the union member pydantic names
    (``constrained-float``, ``dict[...]``), when ``loc`` goes through a union
    field; it is left out of the path.
    """
    names: list[str] = []
    model: type[BaseModel] | None = root
    sections = dict(_submodels(root))
    tag: int | None = None
    i = 0
    while i < len(loc):
        part = loc[i]
        if part == "zones" and i + 1 < len(loc) and isinstance(loc[i + 1], int) and not names:
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
        if part != "[key]":  # pydantic's marker of a dict key
            names.append(str(part))
        if model is not None and isinstance(part, str):
            fld = model.model_fields.get(part)
            ann = getattr(fld, "annotation", None) if fld else None
            if fld is not None and _is_union(ann) and i + 1 < len(loc) and tag is None:
                tag = i + 1
                i += 2  # the member's name is no key
                model = None
                continue
            model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            if fld is None and part in sections:
                model = sections[part]
        i += 1
    return model, ".".join(names), tag


def _model_at(
    loc: Sequence[Any], raw: Mapping[str, Any], root: type[BaseModel], zone_kinds: ZoneKinds
) -> tuple[type[BaseModel] | None, str]:
    """Return the model that owns the last key of ``loc``, and a readable key path."""
    model, path, _ = _walk(loc, raw, root, zone_kinds)
    return model, path


#: What to give, by key path (``*`` any one key), when a value fits none of a
#: field's types: one sentence instead of one per type.
HINTS: dict[str, str] = {
    "zones.*.protection": "give a number from 0 to 1 or a table by actor, e.g. "
    "{government = 0.8, islamic_state = 0.4}",
    "shelter.protection.*": "give a number from 0 to 1 or a table by actor, e.g. "
    "{government = 0.8, islamic_state = 0.4}",
    "threat.actors": 'give "all" or a list of actors, e.g. ["government", "islamic_state"]',
    "control.exclude_held_by": 'give a list of actors, e.g. ["government", "islamic_state"]',
    "control.snapshot": 'give a snapshot ("2014" or "2015" for the bundled data) or, for a '
    "control file, a year (2014) or an ISO date (2014-11-25)",
}
#: Error types that say only that a value is not of one type (of a union's members).
_MISMATCH = ("_type", "_parsing", "literal_error", "int_from_float", "is_instance_of")
#: Readable names of union members in the fallback sentence.
_MEMBERS = {"constrained-float": "a number", "float": "a number", "int": "a whole number",
            "str": "a text", "date": "a date", "bool": "true or false"}  # fmt: skip


def _hint(path: str) -> str | None:
    for pattern, hint in HINTS.items():
        if re.fullmatch(re.escape(pattern).replace(r"\*", r"[^.]+"), path):
            return hint
    return None


def _member(tag: str) -> str:
    if tag in _MEMBERS:
        return _MEMBERS[tag]
    head = tag.split("[", 1)[0]
    if head == "literal":
        return tag[len("literal[") : -1].replace("'", '"')
    return {"dict": "a table", "tuple": "a list", "list": "a list"}.get(head, tag)


def _shown(value: Any) -> str:
    return f" (got {value!r})" if isinstance(value, str | int | float | bool) else ""


def _one_per_union(
    errors: list[Any], raw: Mapping[str, Any], root: type[BaseModel], zone_kinds: ZoneKinds
) -> list[Any]:
    """Return the errors with those of each union field reduced to what the user must fix.

    A value that fits the shape of one member (a table for ``number | table``)
    keeps that member's errors; a value out of range keeps the range error; a
    value of no member's type becomes one error of type ``union_mismatch``.
    """
    out: list[Any] = []
    groups: dict[tuple[Any, ...], list[tuple[Any, int]]] = {}
    for e in errors:
        _, _, tag = _walk(e["loc"], raw, root, zone_kinds)
        if tag is None:
            out.append(e)
            continue
        key = tuple(e["loc"][:tag])
        if key not in groups:
            out.append(key)  # a placeholder keeping the order
            groups[key] = []
        groups[key].append((e, tag))
    result: list[Any] = []
    for item in out:
        if not isinstance(item, tuple):
            result.append(item)
            continue
        members = groups[item]
        real = [
            (e, t) for e, t in members if len(e["loc"]) > t + 1 or not e["type"].endswith(_MISMATCH)
        ]
        if real:
            result += [e for e, _ in real]
        else:
            e0 = members[0][0]
            tags = [str(e["loc"][t]) for e, t in members]
            result.append({"type": "union_mismatch", "loc": item, "input": e0.get("input"),
                           "msg": "", "members": tags})  # fmt: skip
    return result


def explain(
    err: ValidationError, raw: Mapping[str, Any], *, root: type[BaseModel], zone_kinds: ZoneKinds
) -> list[str]:
    """Return one problem per validation error, each naming its key path (zones by id).

    A misspelt key gets a suggestion (or the allowed keys); a value is shown
    when short, never a long text. A value given to a field of several types
    (protection: a number or a table by actor) gets one message: the errors of
    the type it has the shape of, or what to give (:data:`HINTS`). A model's
    validator names the key it is about by starting its message with
    ``"key: "``.

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
    for e in _one_per_union(err.errors(), raw, root, zone_kinds):
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
        owner, path, _ = _walk(loc, raw, root, zone_kinds)
        value = e.get("input")
        if e["type"] == "union_mismatch":
            what = _hint(path) or "give " + " or ".join(dict.fromkeys(map(_member, e["members"])))
            problems.append(f"{path}: {what}{_shown(value)}")
            continue
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
            if loc and isinstance(loc[-1], int) and not _is_zone_index(loc):
                path = path.rsplit(".", 1)[0]  # "exclude_held_by.0": the message names it
            key, sep, rest = msg.partition(": ")
            if sep and owner is not None and key in owner.model_fields:
                path, msg = f"{path}.{key}" if path else key, rest
        elif e["type"].endswith(_MISMATCH) and _hint(path):
            msg, shown = str(_hint(path)), _shown(value)
        problems.append(f"{path or 'scenario'}: {msg}{shown}")
    return problems


def _is_zone_index(loc: Sequence[Any]) -> bool:
    return len(loc) == 2 and loc[0] == "zones"
