r"""The key-path language: the one way to name a value of a scenario.

A key path names a section's value (``shelter.max_travel_km``), a zone's value
by the zone's id (``zones.turkey.depth_km``), a top-level value (``title``), or
one element of a list by its index from 0 (``demand.rates.2``, the high-hazard
rate; ``zones.turkey.from.0``). ``--set KEY=VALUE`` on the command line,
:meth:`safezones.scenario.Scenario.with_values` and the parameters of a sweep
spec all read key paths here, so a path one accepts the others accept, with
the same messages.

Examples
--------
>>> doc = {"zones": [{"id": "turkey", "depth_km": 30}]}
>>> set_path(doc, "zones.turkey.depth_km", 10)
>>> set_path(doc, "demand.rates.2", 0.7, defaults={"demand": {"rates": [0.05, 0.2, 0.5]}})
>>> doc
{'zones': [{'id': 'turkey', 'depth_km': 10}], 'demand': {'rates': [0.05, 0.2, 0.7]}}
>>> lookup(doc, "demand.rates.2"), lookup(doc, "zones.turkey.depth_km"), lookup(doc, "title")
(0.7, 10, None)
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from safezones._plural import plural
from safezones.errors import SafeZonesError, UnknownNameError

__all__ = ["apply_overrides", "flatten", "is_int", "lookup", "parse_override", "set_path"]


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE`` into the key and the value read as TOML (else the text).

    Examples
    --------
    >>> parse_override("shelter.max_travel_km=80"), parse_override("title = Aleppo")
    (('shelter.max_travel_km', 80), ('title', 'Aleppo'))
    >>> parse_override("depth")
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: --set 'depth': write KEY=VALUE, e.g. shelter.max_travel_km=80
    """
    key, sep, value = str(text).partition("=")
    if not sep or not key.strip():
        raise SafeZonesError(f"--set {text!r}: write KEY=VALUE, e.g. shelter.max_travel_km=80")
    value = value.strip()
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key.strip(), parsed


def lookup(doc: Mapping[str, Any], path: str) -> Any:
    """Return the value at ``path`` in a scenario document (zones by id), or None.

    Examples
    --------
    >>> lookup({"zones": [{"id": "a", "from": [36.0, 37.0]}]}, "zones.a.from.1")
    37.0
    >>> lookup({"demand": {"rates": [0.1]}}, "demand.rates.3") is None
    True
    """
    parts = path.split(".")
    cur: Any = doc
    if parts[0] == "zones" and len(parts) >= 3:
        zones = doc.get("zones", [])
        cur = next((z for z in zones if isinstance(z, Mapping) and z.get("id") == parts[1]), {})
        parts = parts[2:]
    for part in parts:
        if isinstance(cur, list | tuple) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, Mapping):
            cur = cur.get(part)
        else:
            return None
    return cur


def flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Return every value of a scenario document by key path (zones by id).

    ``zones`` itself maps to the zone ids in order; lists are values.

    Examples
    --------
    >>> flatten({"zones": [{"id": "a", "radius_km": 5}], "shelter": {"max_travel_km": 80}})
    {'zones': ['a'], 'zones.a.id': 'a', 'zones.a.radius_km': 5, 'shelter.max_travel_km': 80}
    """
    out: dict[str, Any] = {}
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if path == "zones" and isinstance(value, list):
            ids = [z.get("id") if isinstance(z, dict) else None for z in value]
            out["zones"] = ids  # the zones themselves, in order
            for zid, z in zip(ids, value, strict=True):
                if isinstance(z, dict) and isinstance(zid, str):
                    out.update(flatten(z, f"zones.{zid}."))
        elif isinstance(value, dict):
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def is_int(value: Any) -> bool:
    """Say whether a value is a whole number (an int, not a bool): years, counts.

    Examples
    --------
    >>> is_int(2014), is_int(True), is_int(2014.0)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def _zone(doc: dict[str, Any], path: str, shown: str | None = None) -> dict[str, Any]:
    """Return the zone that ``zones.ID.KEY`` addresses; raise (naming ``shown``) if none."""
    parts = path.split(".")
    shown = shown or path
    zones = [z for z in doc.get("zones", []) if isinstance(z, dict)]
    ids = [str(z.get("id")) for z in zones]
    if len(parts) != 3:
        raise SafeZonesError(f"{shown}: address a zone value as zones.ID.KEY")
    if parts[1] not in ids:
        hint = difflib.get_close_matches(parts[1], ids, n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise UnknownNameError(
            f"{shown}: no zone with id {parts[1]!r}; the zones are: "
            f"{', '.join(ids) or 'none'}{extra}"
        )
    return zones[ids.index(parts[1])]


def _element(
    doc: dict[str, Any], path: str, value: Any, defaults: Mapping[str, Any] | None
) -> tuple[str, list[Any]]:
    """Return the list that ``LIST.N`` belongs to, as a key path and its new value."""
    head, _, last = path.rpartition(".")
    if head.startswith("zones."):
        _zone(doc, head, path)  # a wrong zone id is named as such
    current = lookup(doc, head)
    if current is None and defaults is not None:
        current = lookup(defaults, head)
    if not isinstance(current, list | tuple):
        raise SafeZonesError(f"{path}: {head!r} is not a list, so it has no element {last}")
    i = int(last)
    if i >= len(current):
        raise SafeZonesError(
            f"{path}: {head!r} has {plural(len(current), 'element')} (0 to {len(current) - 1})"
        )
    new = list(current)
    new[i] = value
    return head, new


def set_path(
    doc: dict[str, Any], path: str, value: Any, *, defaults: Mapping[str, Any] | None = None
) -> None:
    """Set the value at ``path`` in a scenario document, in place.

    Sections that are missing are created; a list element (``demand.rates.2``)
    changes one element of the document's list, or of the list in
    ``defaults`` (a document of default values) when the document has none.
    Numpy scalars are stored as Python numbers.

    Raises
    ------
    UnknownNameError
        If a zone path names no zone of the document.
    SafeZonesError
        If the path does not address a value (one problem, starting with the path).

    Examples
    --------
    >>> doc = {"title": "x"}
    >>> set_path(doc, "title.size", 3)
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: title.size: 'title' is a value, not a section
    """
    if isinstance(value, np.generic):
        value = value.item()
    head, _, last = path.rpartition(".")
    if head and last.isdigit():
        path, value = _element(doc, path, value, defaults)
        head, _, last = path.rpartition(".")
    if path.startswith("zones.") or path == "zones":
        _zone(doc, path)[last] = value
        return
    target: dict[str, Any] = doc
    for part in head.split(".") if head else []:
        nxt = target.get(part)
        if nxt is None:
            nxt = target[part] = {}
        if not isinstance(nxt, dict):
            raise SafeZonesError(f"{path}: {part!r} is a value, not a section")
        target = nxt
    target[last] = value


def apply_overrides(
    doc: dict[str, Any],
    overrides: Mapping[str, Any] | Iterable[str],
    *,
    source: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Set values in a scenario dict by key path (see :func:`set_path`); return the dict.

    ``overrides`` maps key paths to values, or lists ``"KEY=VALUE"`` strings
    (VALUE read as TOML). Every problem is reported at once, prefixed with
    ``--set``; a zone id that does not exist stops at once.

    Examples
    --------
    >>> doc = {"zones": [{"id": "turkey", "depth_km": 30}]}
    >>> apply_overrides(doc, ["zones.turkey.depth_km=10", "shelter.max_travel_km=80"])
    {'zones': [{'id': 'turkey', 'depth_km': 10}], 'shelter': {'max_travel_km': 80}}
    >>> apply_overrides(doc, {"zones.syria.depth_km": 10})
    Traceback (most recent call last):
    ...
    safezones.errors.UnknownNameError: --set zones.syria.depth_km: no zone with id 'syria'; the zones are: turkey
    """
    if isinstance(overrides, Mapping):
        items = list(overrides.items())
    else:
        items = [parse_override(text) for text in overrides]
    problems: list[str] = []
    for key, value in items:
        try:
            set_path(doc, key, value, defaults=defaults)
        except UnknownNameError as err:
            raise UnknownNameError([f"--set {p}" for p in err.problems], source=source) from None
        except SafeZonesError as err:
            problems.extend(f"--set {p}" for p in err.problems)
    if problems:
        raise SafeZonesError(problems, source=source)
    return doc
