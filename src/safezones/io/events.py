"""Event readers: UCDP GED (the full download or the year-only extract) and ACLED exports.

Both return the event schema of :mod:`safezones.schema`, after checking the
whole file; the rows each filter (side, type, window, precision) removes are
counted in ``attrs["dropped"]``.

Examples
--------
>>> ev = read_ucdp_ged(side_a="Government of Syria", start=2014, end=2014)
>>> len(ev), ev.attrs["dropped"]["side_a"] > 0
(10207, True)
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safezones import data
from safezones._plural import listing, plural
from safezones.errors import DataError, SafeZonesError, SafeZonesWarning
from safezones.io.files import PathLike
from safezones.io.points import OnOutside, finish_layer, point_layer
from safezones.io.tables import (
    check_not_empty,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
)
from safezones.schema import ACLED_PRECISION, UCDP_PRECISION, DateLike, in_window, window_bounds

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_DATE_FORMATS",
    "ACLED_SUB_EVENT_TYPES",
    "DEFAULT_ACLED_SUB_EVENT_TYPES",
    "UCDP_GED_COLUMNS",
    "read_acled",
    "read_ucdp_ged",
]

#: The 49 columns of the full UCDP GED CSV (GEDEvent_v2x_1.csv), in file order.
UCDP_GED_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence",
    "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id",
    "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id",
    "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip
_UCDP_FULL_NEEDED = (
    "id", "year", "type_of_violence", "side_a", "side_b", "where_prec", "latitude",
    "longitude", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best",
)  # fmt: skip
#: Columns of the raw year-only UCDP extract (the build input) that the package bundles.
_UCDP_EXTRACT_NEEDED = (
    "id", "year", "side_a", "side_b", "where_prec", "latitude", "longitude",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
)  # fmt: skip
_UCDP_TYPES = {1: "state-based", 2: "non-state", 3: "one-sided"}

#: The 31 columns of an ACLED export (data export tool and API, 2023 onwards).
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
_ACLED_NEEDED = (
    "event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude",
    "geo_precision", "fatalities",
)  # fmt: skip
#: ``event_date`` formats ACLED has used: API (ISO), export tool ("25 November
#: 2014") and older spreadsheet exports ("25-November-2014", "25-Nov-2014").
ACLED_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d-%b-%Y", "%d %b %Y")
#: ACLED's sub-event types by event type (ACLED codebook, 2023).
ACLED_SUB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}
#: The strikes that refuge and safe zones are meant to stop (names from the
#: ACLED codebook, 2023; the choice of these two is an assumption of this package).
DEFAULT_ACLED_SUB_EVENT_TYPES = ("Air/drone strike", "Shelling/artillery/missile attack")


def _repeated_ids(
    df: pd.DataFrame, column: str, lines: np.ndarray, *, source: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop rows that repeat an earlier row exactly (with a warning); refuse other id repeats.

    A file with the same event twice would count its strikes and deaths twice.
    """
    exact = df.duplicated(keep="first").to_numpy()
    if exact.any():
        first_line: dict[Any, int] = {}
        for key, ln in zip(map(tuple, df.itertuples(index=False)), lines, strict=True):
            first_line.setdefault(key, int(ln))
        rows = [
            f"line {ln} repeats line {first_line[key]}"
            for key, ln, dup in zip(
                map(tuple, df.itertuples(index=False)), lines, exact, strict=True
            )
            if dup
        ]
        n = int(exact.sum())
        warnings.warn(
            f"{source}: {plural(n, 'row')} {'repeats' if n == 1 else 'repeat'} an earlier row "
            f"exactly ({listing(rows, limit=5)}): dropped, so each event counts once",
            SafeZonesWarning,
            stacklevel=3,
        )
        df, lines = df[~exact].reset_index(drop=True), lines[~exact]
    ids = df[column].astype("string").str.strip()
    rep = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
    if rep.any():
        by_id: dict[str, list[int]] = {}
        for i, ln in zip(ids[rep], lines[rep], strict=True):
            by_id.setdefault(str(i), []).append(int(ln))
        shown = [f"{i} (lines {', '.join(map(str, lns))})" for i, lns in by_id.items()]
        n = len(by_id)
        raise DataError(
            f"{plural(n, 'event id')} {'is' if n == 1 else 'are'} on several rows with "
            f"different values: {listing(shown, limit=5)}; each {column} must be one event: "
            "remove the repeated rows or give them their own ids",
            source=source,
        )
    return df, lines


def _match_values(
    values: pd.Series, wanted: Iterable[str], *, column: str, known: Iterable[str], source: str
) -> np.ndarray:
    """Case-insensitive membership; unknown wanted values are an error with suggestions."""
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    known_l = {k.casefold(): k for k in known}
    unknown = [w for w in wanted if w.casefold() not in known_l]
    if unknown:
        problems = []
        for w in unknown:
            close = difflib.get_close_matches(w, list(known_l.values()), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            problems.append(f"{column}={w!r} does not occur{hint}")
        raise DataError(problems, source=source)
    return values.astype("string").str.casefold().isin([w.casefold() for w in wanted]).to_numpy()


class _Filters:
    """Successive row filters; each counts the rows it removes (in ``dropped``)."""

    def __init__(self, n: int) -> None:
        self.keep = np.ones(n, dtype=bool)
        self.dropped: dict[str, int] = {}

    def apply(self, name: str, mask: np.ndarray) -> None:
        self.dropped[name] = int((self.keep & ~mask).sum())
        self.keep &= mask

    def window(self, df: pd.DataFrame, start: DateLike | None, end: DateLike | None) -> None:
        lo, hi = window_bounds(start, end)
        if lo is not None or hi is not None:
            self.apply("window", in_window(df["date_start"], df["date_end"], lo, hi))

    def finish(
        self,
        df: pd.DataFrame,
        lon: pd.Series,
        lat: pd.Series,
        lines: np.ndarray,
        *,
        source: str,
        on_outside: OnOutside,
    ) -> gpd.GeoDataFrame:
        """Keep the rows that passed, check their coordinates, build the layer."""
        k = self.keep
        gdf = point_layer(
            df[k].drop(columns=[lon.name, lat.name]),
            lon.to_numpy()[k],
            lat.to_numpy()[k],
            lines[k],
            source=source,
            on_outside=on_outside,
            problems=[],
            dropped=self.dropped,
        )
        return finish_layer(gdf, source=source, rows_read=len(df), dropped=self.dropped)


# ---------------------------------------------------------------- UCDP GED


def _ucdp_table(path: PathLike | None) -> tuple[pd.DataFrame, int, str]:
    """Return a UCDP file (or the bundled extract) as a table, its first data line and its name."""
    if path is None:
        raw = data.events()
        derived = ["geometry", "source", "date_start", "date_end", "date_precision", "deaths_total"]
        df = pd.DataFrame(raw.drop(columns=derived))
        df["longitude"] = raw.geometry.x.to_numpy()
        df["latitude"] = raw.geometry.y.to_numpy()
        return df.rename(columns={"event_id": "id"}), 2, "bundled UCDP GED extract"
    df, first_line = read_table(path)
    return df, first_line, str(path)


def _ucdp_filters(
    df: pd.DataFrame,
    *,
    full: bool,
    side_a: str | Sequence[str] | None,
    type_of_violence: int | Sequence[int] | None,
    start: DateLike | None,
    end: DateLike | None,
    max_where_prec: int | None,
    source: str,
) -> _Filters:
    """Return :func:`read_ucdp_ged`'s filters applied to ``df``, in their documented order."""
    filters = _Filters(len(df))
    if side_a is not None:
        filters.apply(
            "side_a",
            _match_values(
                df["side_a"],
                side_a,
                column="side_a",
                known=df["side_a"].dropna().unique(),
                source=source,
            ),
        )
    if type_of_violence is not None:
        if not full:
            raise DataError(
                "type_of_violence needs the full UCDP GED file; this year-only extract has no "
                "such column",
                source=source,
            )
        wanted = [type_of_violence] if isinstance(type_of_violence, int) else list(type_of_violence)
        unknown = [t for t in wanted if t not in _UCDP_TYPES]
        if unknown:
            raise DataError(f"type_of_violence {unknown} unknown; use {_UCDP_TYPES}", source=source)
        filters.apply("type_of_violence", df["type_of_violence"].isin(wanted).to_numpy())
    filters.window(df, start, end)
    if max_where_prec is not None:
        if max_where_prec not in UCDP_PRECISION:
            raise SafeZonesError(f"max_where_prec={max_where_prec!r}; use 1-7")
        filters.apply("where_prec", (df["where_prec"] <= max_where_prec).to_numpy())
    return filters


def read_ucdp_ged(
    path: PathLike | None = None,
    *,
    side_a: str | Sequence[str] | None = None,
    type_of_violence: int | Sequence[int] | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    max_where_prec: int | None = None,
    on_outside: OnOutside = "keep",
) -> gpd.GeoDataFrame:
    """Read UCDP GED events: the full CSV download or the year-only extract.

    Parameters
    ----------
    path
        ``GEDEvent_v*.csv`` as downloaded from ucdp.uu.se (49 columns, with
        ``date_start``/``date_end``), the year-only extract the package is
        built from (no dates, no ``type_of_violence``), or ``None`` for the
        bundled extract (:func:`safezones.data.events`).
    side_a
        Keep events whose ``side_a`` is one of these (case-insensitive), e.g.
        ``"Government of Syria"``, the proxy for regime strikes.
    type_of_violence
        Keep these UCDP types: 1 state-based, 2 non-state, 3 one-sided. Needs
        the full file.
    start, end
        Keep events whose whole date range lies in the window (a year means 1
        January / 31 December). A year-only event is kept only when the window
        covers its whole year.
    max_where_prec
        Keep events with ``where_prec`` at most this (1 exact place, 2 within
        25 km, 3 district, 4 governorate, 5 linear feature, 6 country, 7 sea).
    on_outside
        Points more than :data:`REGION_MARGIN_KM` outside Syria are reported in a warning and
        kept (``"keep"``), dropped (``"drop"``) or refused (``"error"``).

    Returns
    -------
    geopandas.GeoDataFrame
        The event schema (module docstring) plus the file's other columns.
        ``deaths_total`` is UCDP's ``best`` estimate (the full file) or
        ``deaths_a + deaths_b + deaths_civilians + deaths_unknown`` (the
        extract, where that sum is ``best``); ``deaths_civilians`` is UCDP's.
        ``attrs["dropped"]`` counts the rows removed by each filter, in the
        order side_a, type_of_violence, window, where_prec.

    Examples
    --------
    >>> ev = read_ucdp_ged(start=2014, end=2014, max_where_prec=2)
    >>> len(ev), ev.attrs["dropped"]
    (9313, {'window': 40305, 'where_prec': 2431})
    """
    df, first_line, source = _ucdp_table(path)
    full = "date_start" in df.columns or "type_of_violence" in df.columns
    needed = _UCDP_FULL_NEEDED if full else _UCDP_EXTRACT_NEEDED
    require_columns(
        df.columns, needed, source=source, kind="full UCDP GED" if full else "UCDP GED extract"
    )
    check_not_empty(df, source=source)
    lines = np.arange(len(df)) + first_line
    if path is not None:
        df, lines = _repeated_ids(df, "id", lines, source=source)
    int_cols = ["year", "where_prec", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]
    if full:
        int_cols += ["type_of_violence", "best"]
    nums, problems = parse_numbers(df, int_cols, lines, integer=True)
    coords, p2 = parse_numbers(
        df, ["longitude", "latitude"], lines, non_negative=False, allow_missing=True
    )
    problems += p2
    bad_prec = ~nums["where_prec"].isin(list(UCDP_PRECISION)) & nums["where_prec"].notna()
    if bad_prec.any():
        problems.append(
            f"where_prec must be 1-7; bad at {listing([f'line {x}' for x in lines[bad_prec.to_numpy()]])}"
        )
    if full:
        bad_type = ~nums["type_of_violence"].isin([1, 2, 3]) & nums["type_of_violence"].notna()
        if bad_type.any():
            problems.append(
                "type_of_violence must be 1, 2 or 3; bad at "
                + listing([f"line {x}" for x in lines[bad_type.to_numpy()]])
            )
        d0, p3 = parse_dates(df["date_start"], lines, column="date_start")
        d1, p4 = parse_dates(df["date_end"], lines, column="date_end")
        problems += p3 + p4
        order = (d1 < d0).to_numpy()
        if order.any():
            problems.append(
                "date_end is before date_start at " + listing([f"line {x}" for x in lines[order]])
            )
    if problems:
        raise DataError(problems, source=source)

    for col, vals in nums.items():
        df[col] = vals.astype("int64")
    ids = df["id"].astype(str)
    df["event_id"] = ids.where(ids.str.startswith("ucdp-"), "ucdp-" + ids)
    df["source"] = "UCDP GED"
    if full:
        df["date_start"], df["date_end"] = d0, d1
        df["date_precision"] = np.where((d0 == d1).to_numpy(), "day", "range")
        df["deaths_total"] = df["best"]
    else:
        y = df["year"].astype(str)
        df["date_start"] = pd.to_datetime(y + "-01-01").astype("datetime64[us]")
        df["date_end"] = pd.to_datetime(y + "-12-31").astype("datetime64[us]")
        df["date_precision"] = "year"
        df["deaths_total"] = df[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]].sum(
            axis=1
        )
    df["precision"] = df["where_prec"].map(UCDP_PRECISION).astype("int64")
    df["weight"] = 1.0
    df = df.drop(columns=[c for c in ("id", "geom_wkt") if c in df.columns])

    filters = _ucdp_filters(
        df,
        full=full,
        side_a=side_a,
        type_of_violence=type_of_violence,
        start=start,
        end=end,
        max_where_prec=max_where_prec,
        source=source,
    )
    return filters.finish(
        df, coords["longitude"], coords["latitude"], lines, source=source, on_outside=on_outside
    )


# ---------------------------------------------------------------- ACLED


def read_acled(
    path: PathLike,
    *,
    event_types: str | Sequence[str] | None = None,
    sub_event_types: str | Sequence[str] | None = DEFAULT_ACLED_SUB_EVENT_TYPES,
    start: DateLike | None = None,
    end: DateLike | None = None,
    max_geo_precision: int | None = None,
    on_outside: OnOutside = "keep",
) -> gpd.GeoDataFrame:
    r"""Read an ACLED export as downloaded (CSV, UTF-8 with or without BOM).

    ACLED covers Syria from 2017; use UCDP GED for 2011-2016.

    Parameters
    ----------
    path
        The export: at least ``event_id_cnty``, ``event_date``, ``event_type``,
        ``sub_event_type``, ``latitude``, ``longitude``, ``geo_precision``,
        ``fatalities`` (:data:`ACLED_COLUMNS` lists the full export).
        ``event_date`` may be in any of :data:`ACLED_DATE_FORMATS`.
    event_types, sub_event_types
        Keep these ACLED types (case-insensitive; ``None`` keeps all). The
        default keeps "Air/drone strike" and "Shelling/artillery/missile
        attack", the strikes zones are meant to stop.
    start, end
        Keep events whose whole date range lies in the window. With
        ``time_precision`` 2 an event may be 3 days either side of
        ``event_date``; with 3, anywhere in that month (ACLED codebook).
    max_geo_precision
        Keep events with ``geo_precision`` at most this (1 town, 2 near a
        town, 3 larger region).
    on_outside
        As in :func:`read_ucdp_ged`.

    Returns
    -------
    geopandas.GeoDataFrame
        The event schema plus the export's columns. ``deaths_total`` is
        ``fatalities``. ACLED does not split deaths by victim: ``deaths_civilians``
        is ``fatalities`` for events flagged ``civilian_targeting`` or of type
        "Violence against civilians", and 0 otherwise (a lower bound; an
        assumption of this package).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "acled.csv"
    >>> _ = f.write_text(
    ...     "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,"
    ...     "geo_precision,fatalities\n"
    ...     "SYR1,25 November 2017,Explosions/Remote violence,Air/drone strike,"
    ...     "35.95,39.01,1,12\n"
    ...     "SYR2,26 November 2017,Battles,Armed clash,35.93,36.63,1,3\n",
    ...     encoding="utf-8-sig")
    >>> ev = read_acled(f)
    >>> ev.event_id.tolist(), ev.attrs["dropped"]
    (['SYR1'], {'sub_event_type': 1})
    """
    df, first_line = read_table(path)
    source = str(path)
    require_columns(df.columns, _ACLED_NEEDED, source=source, kind="ACLED export")
    check_not_empty(df, source=source)
    lines = np.arange(len(df)) + first_line
    df, lines = _repeated_ids(df, "event_id_cnty", lines, source=source)
    nums, problems = parse_numbers(df, ["fatalities", "geo_precision"], lines, integer=True)
    coords, p2 = parse_numbers(
        df, ["longitude", "latitude"], lines, non_negative=False, allow_missing=True
    )
    problems += p2
    bad_prec = ~nums["geo_precision"].isin(list(ACLED_PRECISION)) & nums["geo_precision"].notna()
    if bad_prec.any():
        problems.append(
            "geo_precision must be 1, 2 or 3; bad at "
            + listing([f"line {x}" for x in lines[bad_prec.to_numpy()]])
        )
    date, p3 = parse_dates(df["event_date"], lines, column="event_date", formats=ACLED_DATE_FORMATS)
    problems += p3
    tp = None
    if "time_precision" in df.columns:
        tps, p4 = parse_numbers(df, ["time_precision"], lines, integer=True, allow_missing=True)
        tp = tps["time_precision"].fillna(1)
        bad_tp = ~tp.isin([1, 2, 3])
        if bad_tp.any():
            p4.append(
                "time_precision must be 1, 2 or 3; bad at "
                + listing([f"line {x}" for x in lines[bad_tp.to_numpy()]])
            )
        problems += p4
    if problems:
        raise DataError(problems, source=source)

    df["fatalities"] = nums["fatalities"].astype("int64")
    df["geo_precision"] = nums["geo_precision"].astype("int64")
    df["event_id"] = df["event_id_cnty"].astype(str)
    df["source"] = "ACLED"
    d0, d1 = date.copy(), date.copy()
    prec = np.full(len(df), "day", dtype=object)
    if tp is not None:
        week = (tp == 2).to_numpy()
        d0[week] -= pd.Timedelta(days=3)
        d1[week] += pd.Timedelta(days=3)
        month = (tp == 3).to_numpy()
        d0[month] = date[month].dt.to_period("M").dt.start_time
        d1[month] = date[month].dt.to_period("M").dt.end_time.dt.normalize()
        prec[week], prec[month] = "week", "month"
        df["time_precision"] = tp.astype("int64")
    df["date_start"], df["date_end"] = d0.astype("datetime64[us]"), d1.astype("datetime64[us]")
    df["year"] = df["date_start"].dt.year.astype("int64")
    df["date_precision"] = prec
    df["deaths_total"] = df["fatalities"]
    civ = df["event_type"].astype("string").str.casefold() == "violence against civilians"
    if "civilian_targeting" in df.columns:
        civ |= df["civilian_targeting"].astype("string").str.strip().str.casefold() == (
            "civilian targeting"
        )
    df["deaths_civilians"] = np.where(civ.fillna(False).to_numpy(), df["fatalities"], 0)
    df["precision"] = df["geo_precision"].map(ACLED_PRECISION).astype("int64")
    df["weight"] = 1.0

    filters = _Filters(len(df))
    if event_types is not None:
        filters.apply(
            "event_type",
            _match_values(
                df["event_type"], event_types, column="event_type",
                known=[*ACLED_SUB_EVENT_TYPES, *df["event_type"].dropna().unique()], source=source,
            ),
        )  # fmt: skip
    if sub_event_types is not None:
        known_sub = [s for subs in ACLED_SUB_EVENT_TYPES.values() for s in subs]
        filters.apply(
            "sub_event_type",
            _match_values(
                df["sub_event_type"], sub_event_types, column="sub_event_type",
                known=[*known_sub, *df["sub_event_type"].dropna().unique()], source=source,
            ),
        )  # fmt: skip
    filters.window(df, start, end)
    if max_geo_precision is not None:
        if max_geo_precision not in ACLED_PRECISION:
            raise SafeZonesError(f"max_geo_precision={max_geo_precision!r}; use 1, 2 or 3")
        filters.apply("geo_precision", (df["geo_precision"] <= max_geo_precision).to_numpy())
    return filters.finish(
        df, coords["longitude"], coords["latitude"], lines, source=source, on_outside=on_outside
    )
