"""Who threatens whom: events attributed to actors from their dyads, and protection by actor.

UCDP GED names the two sides of each event (``side_a``, ``side_b``, each a
comma-separated list of groups); ACLED names ``actor1`` and ``actor2``. Each
name maps to one actor of :data:`~safezones.schema.EVENT_ACTORS` through the
documented table :func:`safezones.data.actor_map` (``data/actor_map.csv``):
exact names for UCDP, name prefixes for ACLED (whose names carry a period,
"Military Forces of Syria (2000-)"). An event is the violence of every actor on
either side: UCDP does not say which side harmed whom, so an event between the
government and the opposition counts against both. Names the table does not
hold are listed (:func:`unmapped_names`, ``safezones data check``) and the event
is attributed to its other names only.

A zone's protection is given per threat actor (a no-fly zone stops aircraft,
not ground attacks) and combined into one value per zone, weighted by each
threat actor's share of the zone's threat events in the window
(:func:`combined_protection`).

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"side_a": ["Government of Syria", "IS"],
...                    "side_b": ["Syrian insurgents", "SDF"]})
>>> attributed = attribute_events(ev)
>>> attributed[["by_government", "by_opposition", "by_islamic_state", "by_kurds"]].values.tolist()
[[True, True, False, False], [False, False, True, True]]
>>> threat_mask(attributed, ("government",)).tolist()
[True, False]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from safezones import data
from safezones.defaults import DEFAULT_PROTECTION, PROTECTION_REASONS, REFUGE_PROTECTION
from safezones.errors import SafeZonesError
from safezones.schema import EVENT_ACTORS

__all__ = [
    "ACTOR_COLUMNS",
    "actor_columns",
    "attribute_events",
    "combined_protection",
    "protection_by_actor",
    "threat_mask",
    "unmapped_names",
]

#: The event columns :func:`attribute_events` adds, one per actor of EVENT_ACTORS.
ACTOR_COLUMNS = tuple(f"by_{a}" for a in EVENT_ACTORS)
#: Dyad columns by source format: UCDP's sides, ACLED's actors.
_SIDES = {"ucdp": ("side_a", "side_b"), "acled": ("actor1", "actor2")}


def actor_columns(actors: Sequence[str]) -> list[str]:
    """Return the event columns of ``actors`` (``["by_government", ...]``)."""
    return [f"by_{a}" for a in actors]


@cache
def _table(source: str) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    t = data.actor_map()
    t = t[t["source"] == source]
    exact = dict(zip(t.loc[t["match"] == "exact", "name"].str.strip(),
                     t.loc[t["match"] == "exact", "actor"], strict=True))  # fmt: skip
    pre = t[t["match"] == "prefix"]
    pairs = sorted(zip(pre["name"], pre["actor"], strict=True), key=lambda p: -len(p[0]))
    return exact, tuple(pairs)  # the longest matching prefix wins


def _names(value: object, source: str) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    parts = value.split(",") if source == "ucdp" else [value]
    return [p.strip() for p in parts if p.strip()]


def _actor_of(name: str, source: str) -> str | None:
    exact, prefixes = _table(source)
    if name in exact:
        return exact[name]
    for prefix, actor in prefixes:
        if name.startswith(prefix):
            return actor
    return None


def _format(events: pd.DataFrame) -> str | None:
    for fmt, cols in _SIDES.items():
        if any(c in events.columns for c in cols):
            return fmt
    return None


def attribute_events(events: pd.DataFrame) -> pd.DataFrame:
    """Return ``events`` with a bool column ``by_<actor>`` for each actor of EVENT_ACTORS.

    Events with an ``actor`` column (a points file) take that actor (a blank:
    none); UCDP and ACLED events their dyad's actors (a missing side adds none).
    ``attrs["unmapped"]`` lists the names the table does not hold, with their
    number of events. Names the table maps to ``none`` (ACLED's civilians,
    protesters) are no actor and not listed.

    Raises
    ------
    SafeZonesError
        If an ``actor`` column names no actor of EVENT_ACTORS (every bad name listed).
    """
    out = events.copy()
    flags = {a: np.zeros(len(out), dtype=bool) for a in EVENT_ACTORS}
    unmapped: dict[str, int] = {}
    if "actor" in out.columns:
        _flag_actor_column(out["actor"], flags)
    else:
        fmt = _format(out) or ""
        for col in (c for c in _SIDES.get(fmt, ()) if c in out.columns):
            codes, uniq = pd.factorize(out[col], use_na_sentinel=True)
            count = np.bincount(codes[codes >= 0], minlength=len(uniq))
            hits = np.zeros((len(uniq) + 1, len(EVENT_ACTORS)), dtype=bool)  # last row: missing
            for k, value in enumerate(uniq):
                for name in _names(value, fmt):
                    actor = _actor_of(name, fmt)
                    if actor is None:
                        unmapped[name] = unmapped.get(name, 0) + int(count[k])
                    elif actor in flags:
                        hits[k, EVENT_ACTORS.index(actor)] = True
            rows = hits[codes]  # codes of -1 take the last row
            for j, a in enumerate(EVENT_ACTORS):
                flags[a] |= rows[:, j]
    for a in EVENT_ACTORS:
        out[f"by_{a}"] = flags[a]
    out.attrs["unmapped"] = dict(sorted(unmapped.items()))
    return out


def _flag_actor_column(values: pd.Series, flags: dict[str, np.ndarray]) -> None:
    from safezones.schema import actor_name

    bad: dict[str, str] = {}
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    for k, v in enumerate(uniq):
        if not str(v).strip():
            continue
        try:
            flags[actor_name(v, EVENT_ACTORS)] |= codes == k
        except ValueError as e:
            bad[str(v)] = re.split(r";? [Gg]ive one of", str(e))[0]
    if bad:
        raise SafeZonesError(
            "events, column actor: "
            + "; ".join(bad.values())
            + f"; give one of {', '.join(EVENT_ACTORS)} (or leave it blank)"
        )


def unmapped_names(events: pd.DataFrame) -> dict[str, int]:
    """Return the dyad names of ``events`` that the actor table does not hold, with their event counts."""
    got = events.attrs.get("unmapped")
    if got is None:
        got = attribute_events(events).attrs["unmapped"]
    return dict(got)


def threat_mask(events: pd.DataFrame, actors: Sequence[str] | str) -> np.ndarray:
    """Return which events are the violence of any of ``actors`` (``"all"``: every event).

    Events without the ``by_<actor>`` columns are attributed first (:func:`attribute_events`).
    """
    if isinstance(actors, str):
        if actors == "all":
            return np.ones(len(events), dtype=bool)
        actors = (actors,)
    wrong = sorted({a for a in actors if a not in EVENT_ACTORS})
    if wrong:
        raise SafeZonesError(
            f"threat actors {wrong}: give some of {', '.join(EVENT_ACTORS)} or 'all'"
        )
    cols = actor_columns(actors)
    missing = [c for c in cols if c not in events.columns]
    if missing:
        events = attribute_events(events)
    return np.asarray(events[cols].to_numpy(dtype=bool).any(axis=1))


def combined_protection(
    by_actor: Sequence[Mapping[str, float]], weights: np.ndarray, actors: Sequence[str]
) -> np.ndarray:
    """Return one protection per zone: each threat actor's, weighted by its share of the zone's events.

    Parameters
    ----------
    by_actor
        Per zone, the protection against each actor.
    weights
        ``(zones, len(actors))``: each threat actor's events in the zone in the window
        (an event of two threat actors counts for both). A zone without threat
        events weighs the actors equally.
    actors
        The threat actors.

    Examples
    --------
    >>> combined_protection([{"government": 0.8, "islamic_state": 0.4}],
    ...                     np.array([[3.0, 1.0]]), ["government", "islamic_state"]).tolist()
    [0.7000000000000001]
    """
    if not len(actors):
        raise SafeZonesError("combined_protection: give at least one threat actor")
    missing = sorted({a for z in by_actor for a in actors if a not in z})
    if missing:
        raise SafeZonesError(f"combined_protection: no protection given against {missing}")
    p = np.array([[float(z[a]) for a in actors] for z in by_actor], dtype=float).reshape(
        -1, len(actors)
    )
    w = np.asarray(weights, dtype=float).reshape(p.shape)
    tot = w.sum(axis=1, keepdims=True)
    w = np.where(tot > 0, np.divide(w, tot, out=np.zeros_like(w), where=tot > 0), 1.0 / p.shape[1])
    return np.asarray((p * w).sum(axis=1), dtype=float)


def _default_for(zone: Any) -> tuple[dict[str, float], str]:
    kind = str(zone.kind)
    if kind == "refuge":
        border = str(zone.border)
        return dict(REFUGE_PROTECTION[border]), border
    return dict(DEFAULT_PROTECTION[kind]), kind


def _overlay(base: dict[str, float], value: float | Mapping[str, float] | None) -> dict[str, float]:
    if value is None:
        return base
    if isinstance(value, Mapping):
        return {**base, **{str(k): float(v) for k, v in value.items()}}
    return {a: float(value) for a in base}


def protection_by_actor(
    zones: Sequence[Any], section: object
) -> list[tuple[dict[str, float], str]]:
    """Return each zone spec's protection against every actor of EVENT_ACTORS, and its source.

    A zone's own ``protection`` (one value, or one per actor) comes first, then
    the scenario's ``shelter.protection.<kind>``, then the defaults of its kind
    (a refuge zone: its neighbour's), each filling what the one before leaves.
    The source is "scenario" when any value was given, else the reason of the
    default (:data:`safezones.defaults.PROTECTION_REASONS`).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> z = NS(kind="refuge", border="TUR", protection={"islamic_state": 0.5})
    >>> p, why = protection_by_actor([z], NS(refuge=None))[0]
    >>> p["government"], p["islamic_state"], why.startswith("scenario")
    (0.7, 0.5, True)
    """
    out = []
    for z in zones:
        base, key = _default_for(z)
        kind_value = getattr(section, str(z.kind), None)
        own = getattr(z, "protection", None)
        values = _overlay(_overlay(base, kind_value), own)
        given = kind_value is not None or own is not None
        why = PROTECTION_REASONS[key]
        out.append((values, f"scenario (else {why})" if given else why))
    return out
