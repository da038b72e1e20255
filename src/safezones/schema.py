"""The event schema every reader returns, the precision scale, and the time window.

Event schema
------------
:func:`~safezones.io.events.read_ucdp_ged`, :func:`~safezones.io.events.read_acled`
and :func:`~safezones.io.points.read_points` return a point GeoDataFrame in
EPSG:4326 with at least these columns, which :func:`safezones.events_in_zones`
understands:

================== ==========================================================
``event_id``       the source's id (string)
``source``         "UCDP GED", "ACLED" or the file name
``date_start``     first day the event may have happened (datetime64)
``date_end``       last day (equal to ``date_start`` for a dated event; 31
                   December for a year-only event)
``year``           year of ``date_start``
``date_precision`` "day", "week", "month", "range" or "year"
``deaths_total``   all deaths (UCDP ``best``, ACLED ``fatalities``)
``deaths_civilians`` civilian deaths (see each reader for the rule)
``precision``      location precision on one scale, :data:`PRECISION_CLASSES`
``weight``         1.0 unless the file gives a weight column
``geometry``       the point
================== ==========================================================

plus the source's own columns (``side_a``, ``where_prec``, ``sub_event_type``,
``geo_precision``, ...).

Every result carries ``attrs["source"]`` (the file), ``attrs["rows_read"]``,
``attrs["dropped"]`` (filter -> rows removed) and ``attrs["outside_region"]``
(file lines of points more than :data:`~safezones.io.points.REGION_MARGIN_KM`
outside Syria).

Time window
-----------
A window is ``[start, end]``: a year means 1 January (start) or 31 December
(end); an event counts only when its whole date range lies inside
(:func:`window_bounds`, :func:`in_window`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safezones.errors import DataError, SafeZonesError

__all__ = [
    "ACLED_PRECISION",
    "ACTORS",
    "EVENT_ACTORS",
    "EVENT_COLUMNS",
    "PRECISION_CLASSES",
    "THREAT_ACTORS",
    "UCDP_PRECISION",
    "DateLike",
    "actor_name",
    "in_window",
    "location_precision",
    "window_bound",
    "window_bounds",
]

#: The actors who hold ground, in every output's order (``share_area_<actor>``...):
#: the four of the Syria Conflict Mapping Project's data, and ``unknown`` for land
#: no community within the control surface's distance speaks for.
ACTORS = ("government", "opposition", "islamic_state", "kurds", "unknown")
#: The actors an event is attributed to from its dyad (:mod:`safezones.model.threat`):
#: the four who hold ground and ``other`` (foreign states not fighting for one of them).
EVENT_ACTORS = ("government", "opposition", "islamic_state", "kurds", "other")
#: The actors a zone can guard against (``threat.actors``); ``"all"`` means every event.
THREAT_ACTORS = EVENT_ACTORS

#: Other spellings of the actors as sources and users write them (case and
#: punctuation ignored): the Syria Conflict Mapping Project's labels, UCDP's and
#: ACLED's main names, and common English usage.
ACTOR_ALIASES: dict[str, str] = {
    "government": "government", "regime": "government", "syrian government": "government",
    "government of syria": "government", "assad": "government",
    "opposition": "opposition", "rebels": "opposition", "syrian insurgents": "opposition",
    "insurgents": "opposition",
    "islamic state": "islamic_state", "islamic_state": "islamic_state", "is": "islamic_state",
    "isis": "islamic_state", "isil": "islamic_state", "daesh": "islamic_state",
    "kurds": "kurds", "kurdish": "kurds", "ypg": "kurds", "sdf": "kurds", "pyd": "kurds",
    "unknown": "unknown", "other": "other",
}  # fmt: skip


def actor_name(text: object, allowed: tuple[str, ...] = ACTORS) -> str:
    """Return the actor ``text`` names, one of ``allowed``.

    Case, spaces, hyphens and underscores are ignored, and the spellings of
    :data:`ACTOR_ALIASES` are understood ("Islamic State", "IS", "Daesh").

    Raises
    ------
    ValueError
        If it names no actor of ``allowed``: the message lists them and
        suggests the closest.

    Examples
    --------
    >>> actor_name("Islamic State"), actor_name("Daesh"), actor_name("Kurds")
    ('islamic_state', 'islamic_state', 'kurds')
    >>> actor_name("goverment")
    Traceback (most recent call last):
    ...
    ValueError: 'goverment' is not an actor; did you mean 'government'? Give one of government, opposition, islamic_state, kurds, unknown
    >>> actor_name("rebles")
    Traceback (most recent call last):
    ...
    ValueError: 'rebles' is not an actor; did you mean 'opposition'? Give one of government, opposition, islamic_state, kurds, unknown
    """
    import difflib

    raw = str(text)
    key = " ".join(raw.replace("_", " ").replace("-", " ").lower().split())
    name = ACTOR_ALIASES.get(key, key.replace(" ", "_"))
    if name in allowed:
        return name
    # close to an actor's name or to one of its spellings ("rebles": "rebels", the opposition)
    spellings = {a: a for a in allowed} | {
        k.replace(" ", "_"): v for k, v in ACTOR_ALIASES.items() if v in allowed
    }
    close = difflib.get_close_matches(key.replace(" ", "_"), list(spellings), n=1, cutoff=0.6)
    hint = f"; did you mean {spellings[close[0]]!r}? Give" if close else "; give"
    raise ValueError(f"{raw[:60]!r} is not an actor{hint} one of {', '.join(allowed)}")


#: A window bound as users give it: a year (2014, "2014"), an ISO date or a Timestamp.
DateLike = int | str | pd.Timestamp

#: Columns every event reader returns (see the module docstring).
EVENT_COLUMNS = (
    "event_id",
    "source",
    "date_start",
    "date_end",
    "year",
    "date_precision",
    "deaths_total",
    "deaths_civilians",
    "precision",
    "weight",
    "geometry",
)

#: One location-precision scale for all sources. UCDP ``where_prec`` 1-4 map to
#: 1-4; 5 (a linear feature: road, river, border) to 3; 6-7 (country, sea) to 4.
#: ACLED ``geo_precision`` 1-3 map to 1-3. Classes 3 and 4 are coarser than a
#: zone; :func:`safezones.events_in_zones` excludes or spreads them.
PRECISION_CLASSES: dict[int, str] = {
    1: "exact place",
    2: "near a named place (within about 25 km)",
    3: "district (admin 2) or a linear feature",
    4: "governorate (admin 1) or coarser",
}
#: UCDP ``where_prec`` (1-7, UCDP GED codebook) -> :data:`PRECISION_CLASSES`.
UCDP_PRECISION = {1: 1, 2: 2, 3: 3, 4: 4, 5: 3, 6: 4, 7: 4}
#: ACLED ``geo_precision`` (1-3, ACLED codebook) -> :data:`PRECISION_CLASSES`.
ACLED_PRECISION = {1: 1, 2: 2, 3: 3}


def location_precision(events: pd.DataFrame) -> np.ndarray:
    """Return the location precision class (1-4, :data:`PRECISION_CLASSES`) of each event.

    From ``precision`` when present, else UCDP ``where_prec`` or ACLED
    ``geo_precision``; events without any precision column count as exact (1).

    Parameters
    ----------
    events
        Events with a ``precision``, ``where_prec`` or ``geo_precision`` column.

    Returns
    -------
    numpy.ndarray
        One int64 class per event.

    Examples
    --------
    >>> import pandas as pd
    >>> location_precision(pd.DataFrame({"where_prec": [1, 2, 3, 4, 5, 6]})).tolist()
    [1, 2, 3, 4, 3, 4]
    """
    if "precision" in events.columns:
        return events["precision"].to_numpy(dtype="int64")
    for col, table in (("where_prec", UCDP_PRECISION), ("geo_precision", ACLED_PRECISION)):
        if col in events.columns:
            raw = pd.to_numeric(events[col], errors="coerce")
            mapped = raw.map(table)
            if mapped.isna().any():
                bad = sorted(raw[mapped.isna()].unique().tolist())
                raise DataError(f"{col} has values {bad} outside {sorted(table)}")
            return mapped.to_numpy(dtype="int64")
    return np.ones(len(events), dtype="int64")


def window_bound(value: DateLike | None, *, end: bool, what: str) -> pd.Timestamp | None:
    """Return one window bound as a Timestamp: a year is 1 January, or 31 December if ``end``.

    Parameters
    ----------
    value
        A year (``2014`` or ``"2014"``), a date (ISO text or a Timestamp), or None.
    end
        Whether this is the end of the window.
    what
        The bound's name in messages (``"start"``, ``"events.end"``).

    Returns
    -------
    pandas.Timestamp or None
        None for None.

    Raises
    ------
    SafeZonesError
        A bool, a year outside 1900-2100, text that is not a date, or NaT.

    Examples
    --------
    >>> window_bound("2014", end=True, what="end")
    Timestamp('2014-12-31 00:00:00')
    >>> window_bound(1850, end=False, what="start")
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: start=1850 is not a plausible year
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise SafeZonesError(f"{what} must be a year or a date, got {value!r}")
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
        value = int(value)  # "2014" is a year, like 2014, not 1 January
    if isinstance(value, int | np.integer):
        if not 1900 <= int(value) <= 2100:
            raise SafeZonesError(f"{what}={value} is not a plausible year")
        return pd.Timestamp(int(value), 12, 31) if end else pd.Timestamp(int(value), 1, 1)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise SafeZonesError(
            f"{what}={value!r} is not a date; give a year (2014) or an ISO date (2014-11-25)"
        ) from None
    if pd.isna(ts):
        raise SafeZonesError(f"{what} is missing (NaT); give a year or an ISO date")
    return ts


def window_bounds(
    start: DateLike | None, end: DateLike | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Return validated window bounds: a year means 1 January (start) or 31 December (end).

    Parameters
    ----------
    start, end
        The window's first and last day (or year); None leaves that side open.

    Returns
    -------
    tuple of pandas.Timestamp or None
        ``(lo, hi)``.

    Examples
    --------
    >>> window_bounds(2014, 2014)
    (Timestamp('2014-01-01 00:00:00'), Timestamp('2014-12-31 00:00:00'))
    >>> window_bounds("2014", "2014-06-30")[1]
    Timestamp('2014-06-30 00:00:00')
    >>> window_bounds(None, "2015")[1]
    Timestamp('2015-12-31 00:00:00')
    """
    lo = window_bound(start, end=False, what="start")
    hi = window_bound(end, end=True, what="end")
    if lo is not None and hi is not None and lo > hi:
        raise SafeZonesError(f"start {lo.date()} is after end {hi.date()}; swap them")
    return lo, hi


def in_window(
    date_start: pd.Series, date_end: pd.Series, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> np.ndarray:
    """Return True where an event's whole date range lies inside the window [lo, hi].

    Parameters
    ----------
    date_start, date_end
        Each event's first and last possible day.
    lo, hi
        The window (:func:`window_bounds`); None leaves that side open.

    Returns
    -------
    numpy.ndarray
        A boolean mask, one value per event.

    Examples
    --------
    >>> import pandas as pd
    >>> d0 = pd.Series(pd.to_datetime(["2014-03-01", "2014-12-01"]))
    >>> d1 = pd.Series(pd.to_datetime(["2014-03-01", "2015-01-31"]))
    >>> in_window(d0, d1, *window_bounds(2014, 2014)).tolist()
    [True, False]
    """
    keep = np.ones(len(date_start), dtype=bool)
    if lo is not None:
        keep &= (date_start >= lo).to_numpy()
    if hi is not None:
        keep &= (date_end <= hi).to_numpy()
    return keep
