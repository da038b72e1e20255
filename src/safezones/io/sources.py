"""Readers for user data: UCDP GED, ACLED, any point file, OCHA tables, rasters.

Each reader checks the whole file before returning and raises one
:class:`~safezones.DataError` that lists every problem found (missing or
misspelt columns, unparseable dates or numbers with their line numbers, points
that lie outside the region or look swapped). Rows that a *filter* removes are
not errors: their count per filter is in ``result.attrs["dropped"]``.

Event schema
------------
:func:`read_ucdp_ged`, :func:`read_acled` and :func:`read_points` return a
point GeoDataFrame in EPSG:4326 with at least these columns, which
:func:`safezones.events_in_zones` understands:

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
(file lines of points more than :data:`REGION_MARGIN_KM` outside Syria).

Examples
--------
>>> from safezones import sources
>>> ev = sources.read_ucdp_ged(side_a="Government of Syria", start=2014, end=2014)
>>> len(ev), ev.attrs["dropped"]["side_a"] > 0
(10207, True)
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import os
import warnings
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safezones._plural import agree, plural
from safezones._text import NO_HEADER, column_listing, shown_value
from safezones.crs import LONLAT_CRS
from safezones.errors import DataError, GeometryError, SafeZonesError, SafeZonesWarning

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_DATE_FORMATS",
    "ACLED_SUB_EVENT_TYPES",
    "DEFAULT_ACLED_SUB_EVENT_TYPES",
    "EVENT_COLUMNS",
    "PRECISION_CLASSES",
    "REGION_MARGIN_KM",
    "UCDP_GED_COLUMNS",
    "PopulationRaster",
    "location_precision",
    "raster_value_problems",
    "read_acled",
    "read_admin_population",
    "read_points",
    "read_population_raster",
    "read_ucdp_ged",
]

PathLike = str | os.PathLike[str]
DateLike = int | str | pd.Timestamp
OnOutside = Literal["keep", "drop", "error"]

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
_UCDP_PRECISION = {1: 1, 2: 2, 3: 3, 4: 4, 5: 3, 6: 4, 7: 4}
_ACLED_PRECISION = {1: 1, 2: 2, 3: 3}

#: "The region" is Syria plus this margin (km), so that events just across a
#: border (shelling from or into a neighbour) are not flagged. A point farther
#: out is reported as outside; if its (lat, lon) lies in Syria, as swapped.
REGION_MARGIN_KM = 50.0

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
#: The strikes that refuge and safe zones are meant to stop.
DEFAULT_ACLED_SUB_EVENT_TYPES = ("Air/drone strike", "Shelling/artillery/missile attack")

_MAX_LISTED = 10


# ---------------------------------------------------------------- helpers


def _name(path: PathLike) -> str:
    return Path(path).name


def _listing(items: Sequence[Any], *, limit: int = _MAX_LISTED) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    more = len(items) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``1 value``, ``2 values``."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _ragged_rows(p: Path) -> list[str]:
    """One problem if some rows of a CSV have another number of fields than its header.

    Line numbers are the file's (a quoted value may span lines); blank lines
    are skipped, as pandas does.
    """
    try:
        with p.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                return []
            n, bad = len(header), []
            start = reader.line_num + 1
            for row in reader:
                if row and len(row) != n:
                    bad.append(f"line {start} has {_plural(len(row), 'field')}")
                start = reader.line_num + 1
    except csv.Error:  # e.g. a NUL byte: left to the CSV reader's own message
        return []
    if not bad:
        return []
    head = f"the header {n}" if len(bad) == 1 else f"the header has {n}"
    listed = _listing(bad) if len(bad) > 1 else bad[0]
    lead = "" if len(bad) == 1 else f"{len(bad):,} lines have another number of fields: "
    return [
        f'{lead}{listed}, {head}; quote values that hold a comma ("...") and give every '
        "row the header's fields"
    ]


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
            f"{source}: {_plural(n, 'row')} {'repeats' if n == 1 else 'repeat'} an earlier row "
            f"exactly ({_listing(rows, limit=5)}): dropped, so each event counts once",
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
            f"{_plural(n, 'event id')} {'is' if n == 1 else 'are'} on several rows with "
            f"different values: {_listing(shown, limit=5)}; each {column} must be one event: "
            "remove the repeated rows or give them their own ids",
            source=source,
        )
    return df, lines


def _check_file(path: PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p} does not exist")
    if p.is_dir():
        raise DataError(f"{p} is a folder, not a file")
    if p.stat().st_size == 0:
        raise DataError("the file is empty", source=str(p))
    return p


_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml"}


def _read_table(path: PathLike) -> tuple[pd.DataFrame, int]:
    """Read a CSV (UTF-8 with or without BOM) as strings; return it and the first data line."""
    p = _check_file(path)
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xls"}:
        raise DataError(
            "spreadsheets are not read directly; save the sheet as CSV (UTF-8) and read that",
            source=str(p),
        )
    if suffix == ".parquet":
        df = pd.read_parquet(p)
        return df.astype({c: "string" for c in df.columns if df[c].dtype == object}), 1
    try:
        ragged = _ragged_rows(p)
        if ragged:
            raise DataError(ragged, source=str(p))
        df = pd.read_csv(
            p,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
    except UnicodeDecodeError:
        raise DataError(
            "the file is not UTF-8 text; re-save it as CSV UTF-8", source=str(p)
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", source=str(p)) from None
    except pd.errors.ParserError as exc:
        raise DataError(f"not a readable CSV: {exc}", source=str(p)) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df, 2


def _require_columns(
    columns: Iterable[str], needed: Sequence[str], *, source: str, kind: str
) -> None:
    have = list(columns)
    missing = [c for c in needed if c not in have]
    if not missing:
        return
    problems = []
    if column_listing(have) is None:  # not a header: never echo the file's first line
        problems.append(NO_HEADER)
    else:
        for c in missing:
            close = difflib.get_close_matches(c, have, n=1, cutoff=0.75)
            hint = f" (found {close[0]!r}: misspelt?)" if close else ""
            problems.append(f"missing column {c!r}{hint}")
    problems.append(f"a {kind} file needs the columns {list(needed)}")
    raise DataError(problems, source=source)


def _check_not_empty(df: pd.DataFrame, *, source: str) -> None:
    if len(df) == 0:
        raise DataError("the file has a header but no rows", source=source)


def _numbers(
    df: pd.DataFrame,
    columns: Sequence[str],
    lines: np.ndarray,
    *,
    integer: bool = False,
    allow_missing: bool = False,
    non_negative: bool = True,
) -> tuple[dict[str, pd.Series], list[str]]:
    """Parse numeric columns; return the values and one problem per bad column."""
    out: dict[str, pd.Series] = {}
    problems: list[str] = []
    for col in columns:
        raw = df[col]
        text = raw.astype("string").str.strip().str.replace(",", "", regex=False)
        vals = pd.to_numeric(text, errors="coerce").astype(float)
        bad = vals.isna() & (raw.notna() if allow_missing else True)
        if bad.any():
            rows = [
                f"line {ln} ({shown_value(raw.iloc[i])})"
                for i, ln in zip(np.flatnonzero(bad), lines[bad], strict=True)
            ]
            problems.append(
                f"{plural(int(bad.sum()), 'value')} of {col!r} {agree(int(bad.sum()), 'is not a number', 'are not numbers')}: {_listing(rows)}"
            )
        if non_negative:
            neg = (vals < 0).to_numpy()
            if neg.any():
                rows = [
                    f"line {ln} ({vals.iloc[i]:g})"
                    for i, ln in zip(np.flatnonzero(neg), lines[neg], strict=True)
                ]
                problems.append(
                    f"{plural(int(neg.sum()), 'value')} of {col!r} {agree(int(neg.sum()), 'is', 'are')} negative: {_listing(rows)}"
                )
        if integer:
            frac = (vals.notna() & (vals != vals.round())).to_numpy()
            if frac.any():
                problems.append(
                    f"{plural(int(frac.sum()), 'value')} of {col!r} {agree(int(frac.sum()), 'is not a whole number', 'are not whole numbers')}: "
                    f"{_listing([f'line {ln}' for ln in lines[frac]])}"
                )
        out[col] = vals
    return out, problems


def _dates(
    raw: pd.Series, lines: np.ndarray, *, column: str, formats: Sequence[str] | None = None
) -> tuple[pd.Series, list[str]]:
    """Parse dates by ``formats`` (first that fits, per row) or ISO 8601."""
    text = raw.astype("string").str.strip()
    if formats is None:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    else:
        parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
        for fmt in formats:
            todo = parsed.isna()
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    parsed = parsed.astype("datetime64[us]").dt.normalize()
    bad = parsed.isna().to_numpy()
    problems = []
    if bad.any():
        rows = [
            f"line {ln} ({shown_value(raw.iloc[i])})"
            for i, ln in zip(np.flatnonzero(bad), lines[bad], strict=True)
        ]
        accepted = (
            "ISO dates (2014-11-25)"
            if formats is None
            else "dates like " + ", ".join(pd.Timestamp(2014, 11, 25).strftime(f) for f in formats)
        )
        problems.append(
            f"{plural(int(bad.sum()), 'value')} of {column!r} {agree(int(bad.sum()), 'is not a date', 'are not dates')}: {_listing(rows)}; "
            f"expected {accepted}"
        )
    return parsed, problems


def _as_bound(value: DateLike | None, *, end: bool, what: str) -> pd.Timestamp | None:
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
    """Validated window bounds: a year means 1 January (start) or 31 December (end).

    Examples
    --------
    >>> window_bounds(2014, 2014)
    (Timestamp('2014-01-01 00:00:00'), Timestamp('2014-12-31 00:00:00'))
    >>> window_bounds("2014", "2014-06-30")[1]
    Timestamp('2014-06-30 00:00:00')
    >>> window_bounds(None, "2015")[1]
    Timestamp('2015-12-31 00:00:00')
    """
    lo = _as_bound(start, end=False, what="start")
    hi = _as_bound(end, end=True, what="end")
    if lo is not None and hi is not None and lo > hi:
        raise SafeZonesError(f"start {lo.date()} is after end {hi.date()}; swap them")
    return lo, hi


def in_window(
    date_start: pd.Series, date_end: pd.Series, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> np.ndarray:
    """True where an event's whole date range lies inside the window [lo, hi]."""
    keep = np.ones(len(date_start), dtype=bool)
    if lo is not None:
        keep &= (date_start >= lo).to_numpy()
    if hi is not None:
        keep &= (date_end <= hi).to_numpy()
    return keep


def _check_lonlat(
    lon: np.ndarray, lat: np.ndarray, lines: np.ndarray, *, source: str
) -> tuple[np.ndarray, list[str], list[str]]:
    """Return (outside-region mask, hard problems, notes on outside/swapped points)."""
    problems: list[str] = []
    nan = np.isnan(lon) | np.isnan(lat)
    if nan.any():
        problems.append(
            f"{plural(int(nan.sum()), 'row')} {agree(int(nan.sum()), 'has', 'have')} no coordinates: {_listing([f'line {x}' for x in lines[nan]])}"
        )
    impossible = ~nan & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if impossible.any():
        problems.append(
            f"{plural(int(impossible.sum()), 'row')} {agree(int(impossible.sum()), 'has', 'have')} coordinates off the globe: "
            f"{_listing([f'line {x} ({a:g}, {b:g})' for x, a, b in zip(lines[impossible], lon[impossible], lat[impossible], strict=True)])}"
        )
    region, syria = _region()
    inside = shapely.contains_xy(region, lon, lat)
    swapped_in = shapely.contains_xy(syria, lat, lon)
    outside = ~nan & ~impossible & ~inside
    notes = []
    swapped = outside & swapped_in
    if swapped.any():
        notes.append(
            f"{plural(int(swapped.sum()), 'point')} {agree(int(swapped.sum()), 'looks', 'look')} like swapped lon/lat (latitude given as "
            f"longitude): {_listing([f'line {x}' for x in lines[swapped]])}; "
            "check which column is which"
        )
    far = outside & ~swapped_in
    if far.any():
        notes.append(
            f"{plural(int(far.sum()), 'point')} {agree(int(far.sum()), 'lies', 'lie')} more than {REGION_MARGIN_KM:g} km outside Syria: "
            f"{_listing([f'line {x} ({a:g}, {b:g})' for x, a, b in zip(lines[far], lon[far], lat[far], strict=True)])}"
        )
    return outside, problems, notes


@cache
def _region() -> tuple[shapely.Geometry, shapely.Geometry]:
    """Syria plus REGION_MARGIN_KM, and Syria itself, in lon/lat, prepared."""
    from safezones import data
    from safezones.crs import PROJECT_CRS

    syria_m = data.syria(crs="metric")
    grown = gpd.GeoSeries([syria_m.buffer(REGION_MARGIN_KM * 1000.0)], crs=PROJECT_CRS)
    region = grown.to_crs(LONLAT_CRS).iloc[0]
    syria = data.syria()
    shapely.prepare(region)
    shapely.prepare(syria)
    return region, syria


def _points(
    df: pd.DataFrame,
    lon: np.ndarray,
    lat: np.ndarray,
    lines: np.ndarray,
    *,
    source: str,
    on_outside: OnOutside,
    problems: list[str],
    dropped: dict[str, int],
) -> gpd.GeoDataFrame:
    outside, hard, notes = _check_lonlat(lon, lat, lines, source=source)
    problems = problems + hard
    if notes and on_outside == "error":
        problems += notes
    if problems:
        raise DataError(problems, source=source)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=LONLAT_CRS)
    gdf.attrs["outside_region"] = [int(x) for x in lines[outside]]
    if notes:
        action = "dropped" if on_outside == "drop" else "kept"
        warnings.warn(
            f"{source}: " + "; ".join(notes) + f" ({action}; on_outside='error' refuses, "
            "'drop' drops them)",
            stacklevel=3,
        )
        if on_outside == "drop":
            gdf = gdf[~outside]
            dropped["outside_region"] = int(outside.sum())
    return gdf


def _finish(
    gdf: gpd.GeoDataFrame, *, source: str, rows_read: int, dropped: dict[str, int]
) -> gpd.GeoDataFrame:
    outside = gdf.attrs.get("outside_region", [])
    ordered = [c for c in EVENT_COLUMNS if c in gdf.columns]
    rest = [c for c in gdf.columns if c not in ordered]
    out = gdf[[*ordered[:-1], *rest, "geometry"]].reset_index(drop=True)
    out.attrs = {
        "source": source,
        "rows_read": rows_read,
        "dropped": dict(dropped),
        "outside_region": outside,
    }
    return out


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
        gdf = _points(
            df[k].drop(columns=[lon.name, lat.name]),
            lon.to_numpy()[k],
            lat.to_numpy()[k],
            lines[k],
            source=source,
            on_outside=on_outside,
            problems=[],
            dropped=self.dropped,
        )
        return _finish(gdf, source=source, rows_read=len(df), dropped=self.dropped)


def location_precision(events: pd.DataFrame) -> np.ndarray:
    """Location precision class (1-4, :data:`PRECISION_CLASSES`) of each event.

    From ``precision`` when present, else UCDP ``where_prec`` or ACLED
    ``geo_precision``; events without any precision column count as exact (1).

    Examples
    --------
    >>> import pandas as pd
    >>> location_precision(pd.DataFrame({"where_prec": [1, 2, 3, 4, 5, 6]})).tolist()
    [1, 2, 3, 4, 3, 4]
    """
    if "precision" in events.columns:
        return events["precision"].to_numpy(dtype="int64")
    for col, table in (("where_prec", _UCDP_PRECISION), ("geo_precision", _ACLED_PRECISION)):
        if col in events.columns:
            raw = pd.to_numeric(events[col], errors="coerce")
            mapped = raw.map(table)
            if mapped.isna().any():
                bad = sorted(raw[mapped.isna()].unique().tolist())
                raise DataError(f"{col} has values {bad} outside {sorted(table)}")
            return mapped.to_numpy(dtype="int64")
    return np.ones(len(events), dtype="int64")


# ---------------------------------------------------------------- UCDP GED


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
    if path is None:
        from safezones import data

        raw = data.events()
        source = "bundled UCDP GED extract"
        derived = ["geometry", "source", "date_start", "date_end", "date_precision", "deaths_total"]
        df = pd.DataFrame(raw.drop(columns=derived))
        df["longitude"] = raw.geometry.x.to_numpy()
        df["latitude"] = raw.geometry.y.to_numpy()
        df = df.rename(columns={"event_id": "id"})
        first_line = 2
    else:
        df, first_line = _read_table(path)
        source = str(path)
    full = "date_start" in df.columns or "type_of_violence" in df.columns
    needed = _UCDP_FULL_NEEDED if full else _UCDP_EXTRACT_NEEDED
    _require_columns(
        df.columns, needed, source=source, kind="full UCDP GED" if full else "UCDP GED extract"
    )
    _check_not_empty(df, source=source)
    lines = np.arange(len(df)) + first_line
    if path is not None:
        df, lines = _repeated_ids(df, "id", lines, source=source)
    int_cols = ["year", "where_prec", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]
    if full:
        int_cols += ["type_of_violence", "best"]
    nums, problems = _numbers(df, int_cols, lines, integer=True)
    coords, p2 = _numbers(
        df, ["longitude", "latitude"], lines, non_negative=False, allow_missing=True
    )
    problems += p2
    bad_prec = ~nums["where_prec"].isin(list(_UCDP_PRECISION)) & nums["where_prec"].notna()
    if bad_prec.any():
        problems.append(
            f"where_prec must be 1-7; bad at {_listing([f'line {x}' for x in lines[bad_prec.to_numpy()]])}"
        )
    if full:
        bad_type = ~nums["type_of_violence"].isin([1, 2, 3]) & nums["type_of_violence"].notna()
        if bad_type.any():
            problems.append(
                "type_of_violence must be 1, 2 or 3; bad at "
                + _listing([f"line {x}" for x in lines[bad_type.to_numpy()]])
            )
        d0, p3 = _dates(df["date_start"], lines, column="date_start")
        d1, p4 = _dates(df["date_end"], lines, column="date_end")
        problems += p3 + p4
        order = (d1 < d0).to_numpy()
        if order.any():
            problems.append(
                "date_end is before date_start at " + _listing([f"line {x}" for x in lines[order]])
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
    df["precision"] = df["where_prec"].map(_UCDP_PRECISION).astype("int64")
    df["weight"] = 1.0
    df = df.drop(columns=[c for c in ("id", "geom_wkt") if c in df.columns])

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
        if max_where_prec not in _UCDP_PRECISION:
            raise SafeZonesError(f"max_where_prec={max_where_prec!r}; use 1-7")
        filters.apply("where_prec", (df["where_prec"] <= max_where_prec).to_numpy())
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
    """Read an ACLED export as downloaded (CSV, UTF-8 with or without BOM).

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
    ...     "geo_precision,fatalities\\n"
    ...     "SYR1,25 November 2017,Explosions/Remote violence,Air/drone strike,"
    ...     "35.95,39.01,1,12\\n"
    ...     "SYR2,26 November 2017,Battles,Armed clash,35.93,36.63,1,3\\n",
    ...     encoding="utf-8-sig")
    >>> ev = read_acled(f)
    >>> ev.event_id.tolist(), ev.attrs["dropped"]
    (['SYR1'], {'sub_event_type': 1})
    """
    df, first_line = _read_table(path)
    source = str(path)
    _require_columns(df.columns, _ACLED_NEEDED, source=source, kind="ACLED export")
    _check_not_empty(df, source=source)
    lines = np.arange(len(df)) + first_line
    df, lines = _repeated_ids(df, "event_id_cnty", lines, source=source)
    nums, problems = _numbers(df, ["fatalities", "geo_precision"], lines, integer=True)
    coords, p2 = _numbers(
        df, ["longitude", "latitude"], lines, non_negative=False, allow_missing=True
    )
    problems += p2
    bad_prec = ~nums["geo_precision"].isin(list(_ACLED_PRECISION)) & nums["geo_precision"].notna()
    if bad_prec.any():
        problems.append(
            "geo_precision must be 1, 2 or 3; bad at "
            + _listing([f"line {x}" for x in lines[bad_prec.to_numpy()]])
        )
    date, p3 = _dates(df["event_date"], lines, column="event_date", formats=ACLED_DATE_FORMATS)
    problems += p3
    tp = None
    if "time_precision" in df.columns:
        tps, p4 = _numbers(df, ["time_precision"], lines, integer=True, allow_missing=True)
        tp = tps["time_precision"].fillna(1)
        bad_tp = ~tp.isin([1, 2, 3])
        if bad_tp.any():
            p4.append(
                "time_precision must be 1, 2 or 3; bad at "
                + _listing([f"line {x}" for x in lines[bad_tp.to_numpy()]])
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
    df["precision"] = df["geo_precision"].map(_ACLED_PRECISION).astype("int64")
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
        if max_geo_precision not in _ACLED_PRECISION:
            raise SafeZonesError(f"max_geo_precision={max_geo_precision!r}; use 1, 2 or 3")
        filters.apply("geo_precision", (df["geo_precision"] <= max_geo_precision).to_numpy())
    return filters.finish(
        df, coords["longitude"], coords["latitude"], lines, source=source, on_outside=on_outside
    )


# ---------------------------------------------------------------- any points

_LON_NAMES = ("lon", "longitude", "lng", "long", "x")
_LAT_NAMES = ("lat", "latitude", "y")


def _guess(columns: Sequence[str], names: Sequence[str], what: str, source: str) -> str:
    found = [c for c in columns if c.strip().casefold() in names]
    if len(found) == 1:
        return found[0]
    if not found:
        listed = column_listing(columns)
        among = f"among {listed}" if listed else f"({NO_HEADER})"
        raise DataError(
            f"no {what} column found {among}; name it with {what}= or call it "
            + " or ".join(repr(n) for n in names[:2]),
            source=source,
        )
    raise DataError(
        f"several possible {what} columns {found}; choose one with {what}=", source=source
    )


def read_points(
    path: PathLike,
    *,
    lon: str | None = None,
    lat: str | None = None,
    weight: str | None = None,
    date: str | None = None,
    on_outside: OnOutside = "keep",
) -> gpd.GeoDataFrame:
    """Read any point layer: a CSV or Parquet table, or a GeoJSON/GeoPackage/Shapefile.

    Parameters
    ----------
    path
        The file. Tables need longitude/latitude columns in degrees (WGS 84);
        vector files need points and a CRS (any CRS; the result is EPSG:4326).
    lon, lat
        Coordinate columns of a table. By default a single column named
        lon/longitude/lng/long/x (lat/latitude/y) is used.
    weight
        Optional numeric column (non-negative) copied to ``weight``; 1.0 otherwise.
    date
        Optional column of ISO dates (or whole years), giving ``date_start``,
        ``date_end`` and ``year``.
    on_outside
        As in :func:`read_ucdp_ged`.

    Returns
    -------
    geopandas.GeoDataFrame
        The file's columns plus ``event_id`` (file row), ``source`` (file name),
        ``weight``, ``precision`` (1, unless the file has ``precision``) and,
        with ``date``, the date columns. ``deaths_total`` and
        ``deaths_civilians`` are kept if the file has them, else missing (NaN:
        unknown, never zero).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "clinics.csv"
    >>> _ = f.write_text("name,lon,lat,beds,opened\\nIdlib,36.63,35.93,40,2014-03-01\\n")
    >>> pts = read_points(f, weight="beds", date="opened")
    >>> pts.weight.tolist(), str(pts.date_start.iloc[0].date())
    ([40.0], '2014-03-01')
    """
    p = _check_file(path)
    source = str(path)
    is_vector = p.suffix.lower() in _VECTOR_SUFFIXES
    if p.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        is_vector = b"geo" in (pq.read_schema(p).metadata or {})
    dropped: dict[str, int] = {}
    if is_vector:
        layer = _read_vector(p, what="point file")
        _check_not_empty(layer, source=source)
        geoms = layer.geometry.to_numpy()
        kinds = shapely.get_type_id(geoms)
        single = (kinds == 4) & (shapely.get_num_geometries(geoms) == 1)
        geoms = np.where(single, shapely.get_geometry(geoms, 0), geoms)
        kinds = shapely.get_type_id(geoms)
        lines = np.arange(len(layer)) + 1
        problems = []
        not_point = (kinds != 0) & ~shapely.is_missing(geoms)
        if not_point.any():
            problems.append(
                f"{plural(int(not_point.sum()), 'feature')} {agree(int(not_point.sum()), 'is not a point', 'are not points')}: "
                + _listing([f"feature {x}" for x in lines[not_point]])
                + "; use safezones.population_in_zones for polygons"
            )
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if empty.any():
            problems.append(
                f"{plural(int(empty.sum()), 'feature')} {agree(int(empty.sum()), 'has', 'have')} no geometry: "
                + _listing([f"feature {x}" for x in lines[empty]])
            )
        if problems:
            raise DataError(problems, source=source)
        ll = gpd.GeoSeries(geoms, crs=layer.crs).to_crs(LONLAT_CRS)
        lon_v, lat_v = ll.x.to_numpy(), ll.y.to_numpy()
        df = pd.DataFrame(layer.drop(columns=layer.geometry.name))
        df.columns = [str(c) for c in df.columns]
    else:
        df, first = _read_table(p)
        _check_not_empty(df, source=source)
        lines = np.arange(len(df)) + first
        lon = lon or _guess(list(df.columns), _LON_NAMES, "lon", source)
        lat = lat or _guess(list(df.columns), _LAT_NAMES, "lat", source)
        _require_columns(df.columns, [lon, lat], source=source, kind="point")
        coords, problems = _numbers(df, [lon, lat], lines, non_negative=False, allow_missing=True)
        if problems:
            raise DataError(problems, source=source)
        lon_v, lat_v = coords[lon].to_numpy(), coords[lat].to_numpy()
        df = df.drop(columns=[lon, lat])
    problems = []
    wanted = [c for c in (weight, date) if c is not None]
    _require_columns(df.columns, wanted, source=source, kind="point")
    if weight is not None:
        w, p2 = _numbers(df, [weight], lines)
        problems += p2
        df["weight"] = w[weight].to_numpy()
    else:
        df["weight"] = 1.0
    if date is not None:
        raw = df[date].astype("string").str.strip()
        is_year = raw.str.fullmatch(r"\d{4}").fillna(False).to_numpy()
        parsed, p3 = _dates(raw.where(~is_year, raw + "-01-01"), lines, column=date)
        problems += [p.replace("2014-11-25)", "2014-11-25, or a year 2014)") for p in p3]
        df["date_start"] = parsed
        end_of_year = parsed + pd.offsets.YearEnd(0)
        df["date_end"] = parsed.where(~is_year, end_of_year)
        df["year"] = parsed.dt.year.astype("Int64")
        df["date_precision"] = np.where(is_year, "year", "day")
    for col in ("deaths_total", "deaths_civilians"):
        if col in df.columns:
            d, p4 = _numbers(df, [col], lines, allow_missing=True)
            problems += p4
            df[col] = d[col].to_numpy()
        else:
            df[col] = np.nan
    if "precision" in df.columns:
        pr, p5 = _numbers(df, ["precision"], lines, integer=True)
        bad = ~pr["precision"].isin(list(PRECISION_CLASSES))
        if bad.any():
            p5.append(
                f"precision must be 1-4 ({PRECISION_CLASSES}); bad at lines {_listing(lines[bad.to_numpy()].tolist())}"
            )
        problems += p5
        if not p5:
            df["precision"] = pr["precision"].astype("int64")
    else:
        df["precision"] = 1
    df["event_id"] = (
        [str(x) for x in lines] if "event_id" not in df.columns else df["event_id"].astype(str)
    )
    df["source"] = _name(p)
    gdf = _points(
        df,
        lon_v,
        lat_v,
        lines,
        source=source,
        on_outside=on_outside,
        problems=problems,
        dropped=dropped,
    )
    return _finish(gdf, source=source, rows_read=len(df), dropped=dropped)


def _read_vector(path: Path, *, what: str) -> gpd.GeoDataFrame:
    try:
        layer = gpd.read_file(path) if path.suffix.lower() != ".parquet" else gpd.read_parquet(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise DataError(f"cannot read it as a {what}: {exc}", source=str(path)) from None
    if layer.crs is None:
        raise GeometryError(
            "the layer has no CRS; add one (e.g. a .prj file, or save it with EPSG:4326) "
            "so coordinates are not guessed",
            source=str(path),
        )
    return layer


# ---------------------------------------------------------------- admin tables


def _drop_hxl_row(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Drop the HXL hashtag row (``#adm1+code``, ...) under the header, if present."""
    if len(df) == 0:
        return df, {}
    first = df.iloc[0].astype("string").str.strip()
    filled = first.dropna()
    filled = filled[filled != ""]
    if len(filled) and filled.str.startswith("#").all():
        tags = {str(c): str(t) for c, t in filled.items()}
        return df.iloc[1:].reset_index(drop=True), tags
    return df, {}


def _resolve_column(
    name: str, columns: Sequence[str], tags: dict[str, str], *, source: str, what: str
) -> str:
    if name in columns:
        return name
    by_tag = [c for c, t in tags.items() if t.casefold() == name.casefold()]
    if by_tag:
        return by_tag[0]
    listed = column_listing(columns)
    if listed is None:  # not a header: never echo the file's first line
        raise DataError(
            f"{what} column {name!r} not found: {NO_HEADER}",
            source=source,
        )
    tag_list = column_listing(sorted(tags.values()), minimum=1) if tags else None
    close = difflib.get_close_matches(name, list(columns) + list(tags.values()), n=2, cutoff=0.6)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    raise DataError(
        f"{what} column {name!r} not found{hint}; the columns are {listed}"
        + (f" with HXL tags {tag_list}" if tag_list else ""),
        source=source,
    )


def read_admin_population(
    path: PathLike,
    *,
    pcode: str,
    population: str,
    boundaries: gpd.GeoDataFrame | PathLike | None = None,
    boundaries_pcode: str | None = None,
    low: str | None = None,
    high: str | None = None,
    relative_band: tuple[float, float] | None = None,
    on_unmatched: Literal["error", "drop"] = "error",
) -> gpd.GeoDataFrame:
    """Read an OCHA COD-PS style population table and join it to boundaries by P-code.

    Parameters
    ----------
    path
        CSV (UTF-8, with or without BOM). A HXL hashtag row under the header
        (``#adm1+code``, ``#population+total``) is skipped.
    pcode, population
        Column names, or HXL tags (``"#adm2+code"``), of the P-code and the
        population. Thousands separators ("1,234") are accepted.
    boundaries
        Polygons with P-codes; by default the bundled governorates (P-codes like
        ``SY02``) or districts (``SY0200``), chosen by the codes in the table.
    boundaries_pcode
        P-code column of ``boundaries``; found automatically by default.
    low, high
        Optional columns with a low and high population estimate.
    relative_band
        Without ``low``/``high``: ``(0.75, 1.25)`` makes low = 0.75 x central
        and high = 1.25 x central. By default all three bands are equal.
    on_unmatched
        A table P-code that matches no boundary is an error (``"error"``) or is
        dropped and listed in ``attrs["unmatched_pcodes"]`` (``"drop"``).

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per matched P-code (EPSG:4326): ``pcode``, ``pop_low``,
        ``pop_central``, ``pop_high``, the boundary's other columns, geometry;
        usable in :func:`safezones.population_in_zones`. ``attrs`` holds
        ``hxl_tags``, ``unmatched_pcodes``, ``units_without_population`` and
        ``dropped``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "pop.csv"
    >>> _ = f.write_text("ADM1_PCODE,T_TL\\n#adm1+code,#population+total\\n"
    ...                  'SY07,"1,464,000"\\nSY11,"919,000"\\n')
    >>> from safezones import data
    >>> two = data.governorates().query("adm1_pcode in ['SY07', 'SY11']")
    >>> pop = read_admin_population(f, pcode="#adm1+code", population="#population+total",
    ...                             boundaries=two, relative_band=(0.8, 1.2))
    >>> pop[["pcode", "adm1_name", "pop_low", "pop_central"]].values.tolist()
    [['SY07', 'Idleb', 1171200.0, 1464000.0], ['SY11', 'Ar-Raqqa', 735200.0, 919000.0]]
    """
    source = str(path)
    df, first = _read_table(path)
    df, tags = _drop_hxl_row(df)
    if tags:
        first += 1
    _check_not_empty(df, source=source)
    cols = list(df.columns)
    pc = _resolve_column(pcode, cols, tags, source=source, what="P-code")
    popc = _resolve_column(population, cols, tags, source=source, what="population")
    band_cols = {
        k: _resolve_column(v, cols, tags, source=source, what=k)
        for k, v in (("low", low), ("high", high))
        if v is not None
    }
    if bool(band_cols) and len(band_cols) != 2:
        raise SafeZonesError("give both low= and high= columns, or neither")
    if band_cols and relative_band is not None:
        raise SafeZonesError("give low=/high= columns or relative_band=, not both")
    if relative_band is not None:
        lo_f, hi_f = relative_band
        if not 0 <= lo_f <= 1 <= hi_f:
            raise SafeZonesError(f"relative_band={relative_band}; need 0 <= low <= 1 <= high")
    lines = np.arange(len(df)) + first
    nums, problems = _numbers(df, [popc, *band_cols.values()], lines)
    codes = df[pc].astype("string").str.strip().str.upper()
    missing = codes.isna() | (codes == "")
    if missing.any():
        problems.append(
            f"{plural(int(missing.sum()), 'row')} {agree(int(missing.sum()), 'has', 'have')} no P-code: {_listing([f'line {x}' for x in lines[missing.to_numpy()]])}"
        )
    dup = codes.duplicated(keep=False) & ~missing
    if dup.any():
        problems.append(
            f"P-codes appear more than once: {_listing(sorted(set(codes[dup].tolist())))}; "
            "give one row per unit"
        )
    if band_cols:
        c = nums[popc]
        lo_v, hi_v = nums[band_cols["low"]], nums[band_cols["high"]]
        order = ((lo_v > c) | (c > hi_v)).to_numpy()
        if order.any():
            problems.append(
                f"low <= population <= high fails at {_listing([f'line {x}' for x in lines[order]])}"
            )
    if problems:
        raise DataError(problems, source=source)

    table = pd.DataFrame({"pcode": codes.to_numpy(), "pop_central": nums[popc].to_numpy()})
    if band_cols:
        table["pop_low"] = nums[band_cols["low"]].to_numpy()
        table["pop_high"] = nums[band_cols["high"]].to_numpy()
    elif relative_band is not None:
        table["pop_low"] = table["pop_central"] * relative_band[0]
        table["pop_high"] = table["pop_central"] * relative_band[1]
    else:
        table["pop_low"] = table["pop_central"]
        table["pop_high"] = table["pop_central"]
    table["line"] = lines

    units, ucol = _boundaries(boundaries, boundaries_pcode, table["pcode"], source=source)
    ucodes = units[ucol].astype("string").str.strip().str.upper()
    unmatched_mask = ~table["pcode"].isin(set(ucodes))
    unmatched = table.loc[unmatched_mask, "pcode"].tolist()
    dropped: dict[str, int] = {}
    if unmatched:
        listed = []
        for code, ln in zip(unmatched, table.loc[unmatched_mask, "line"], strict=True):
            close = difflib.get_close_matches(code, list(ucodes), n=1, cutoff=0.7)
            listed.append(f"{code} (line {ln}" + (f"; {close[0]}?)" if close else ")"))
        msg = f"{plural(len(unmatched), 'P-code')} {agree(len(unmatched), 'matches', 'match')} no boundary: {_listing(listed)}"
        if on_unmatched == "error":
            raise DataError(
                [
                    msg,
                    "fix the codes, pass boundaries= with the right units, or on_unmatched='drop'",
                ],
                source=source,
            )
        warnings.warn(f"{source}: {msg} (dropped)", stacklevel=2)
        dropped["unmatched_pcode"] = len(unmatched)
    joined = units.assign(pcode=ucodes.to_numpy()).merge(
        table.drop(columns="line"), on="pcode", how="inner"
    )
    without = sorted(set(ucodes) - set(table["pcode"]))
    if without:
        warnings.warn(
            f"{source}: {len(without)} boundary units have no population row: {_listing(without)}",
            stacklevel=2,
        )
    cols_out = ["pcode", "pop_low", "pop_central", "pop_high"]
    rest = [c for c in joined.columns if c not in cols_out and c != "geometry"]
    out = gpd.GeoDataFrame(
        joined[[*cols_out, *rest, "geometry"]], geometry="geometry", crs=units.crs
    )
    out = out.to_crs(LONLAT_CRS)
    out.attrs = {
        "source": source,
        "rows_read": len(table),
        "hxl_tags": tags,
        "unmatched_pcodes": unmatched,
        "units_without_population": without,
        "dropped": dropped,
    }
    return out


def _is_text(col: pd.Series) -> bool:
    return col.dtype.kind in "OSU" or str(col.dtype) in ("string", "str")


def _boundaries(
    boundaries: gpd.GeoDataFrame | PathLike | None,
    column: str | None,
    codes: pd.Series,
    *,
    source: str,
) -> tuple[gpd.GeoDataFrame, str]:
    if boundaries is None:
        from safezones import data

        lengths = codes.str.len().value_counts()
        n = int(lengths.index[0])
        if n <= 4:
            return data.governorates(), "adm1_pcode"
        if n <= 6:
            return data.districts(), "adm2_pcode"
        raise DataError(
            f"P-codes like {shown_value(codes.iloc[0])} are finer than the bundled districts; "
            "pass boundaries= with polygons for them",
            source=source,
        )
    units = (
        boundaries
        if isinstance(boundaries, gpd.GeoDataFrame)
        else _read_vector(_check_file(boundaries), what="boundary layer")
    )
    if units.crs is None:
        raise GeometryError("boundaries have no CRS; set one with .set_crs(...)")
    if column is not None:
        if column not in units.columns:
            listed = column_listing(units.columns)
            raise DataError(
                f"boundaries have no column {column!r}"
                + (f"; columns: {listed}" if listed else "; they have no usable attribute names")
            )
        return units, column
    wanted = set(codes)
    best, best_n = None, 0
    for c in units.columns:
        if c == units.geometry.name or not _is_text(units[c]):
            continue
        n = int(units[c].astype("string").str.strip().str.upper().isin(wanted).sum())
        if n > best_n:
            best, best_n = c, n
    if best is None:
        raise DataError(
            "no column of the boundaries holds the table's P-codes; name it with boundaries_pcode=",
            source=source,
        )
    return units, best


# ---------------------------------------------------------------- rasters


@dataclasses.dataclass(frozen=True)
class PopulationRaster:
    """A validated population raster (GeoTIFF), opened lazily and read in windows.

    Made by :func:`read_population_raster`; pass it (or the path) to
    :func:`safezones.population_in_zones`.

    Attributes
    ----------
    path, band
        File and band (1-based) holding people per cell.
    crs
        The raster's CRS.
    nodata
        The nodata value, honoured in every sum (None if the file has none).
    bounds
        (left, bottom, right, top) in ``crs``.
    shape
        (rows, columns).
    res
        Cell size (x, y) in ``crs`` units.
    """

    path: Path
    band: int
    crs: CRS
    nodata: float | None
    bounds: tuple[float, float, float, float]
    shape: tuple[int, int]
    res: tuple[float, float]

    def read(self, bounds: tuple[float, float, float, float]) -> tuple[np.ndarray, Any]:
        """Cells intersecting ``bounds`` (in the raster CRS) as a masked array, and their transform.

        Only that window is read from disk.
        """
        import rasterio
        from rasterio.windows import from_bounds

        with rasterio.open(self.path) as ds:
            win = from_bounds(*bounds, transform=ds.transform).round_offsets(op="floor")
            win = win.round_lengths(op="ceil").intersection(
                rasterio.windows.Window(0, 0, ds.width, ds.height)
            )
            arr = ds.read(self.band, window=win, masked=True)
            return arr, ds.window_transform(win)

    def value_problems(self) -> list[str]:
        """What makes the cells unusable as people (see :func:`raster_value_problems`).

        Reads the raster block by block.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import numpy as np, rasterio
        >>> from rasterio.transform import from_origin
        >>> tif = pathlib.Path(tempfile.mkdtemp()) / "pop.tif"
        >>> with rasterio.open(tif, "w", driver="GTiff", width=2, height=1, count=1,
        ...                    dtype="float32", crs="EPSG:4326",
        ...                    transform=from_origin(36.6, 35.95, 0.01, 0.01)) as ds:
        ...     ds.write(np.array([[5, -99999]], dtype="float32"), 1)
        >>> read_population_raster(tif).value_problems()  # doctest: +NORMALIZE_WHITESPACE
        ['1 cell holds a negative value (the lowest -99999): people cannot be negative;
          the raster sets no nodata value: if that value marks missing cells, set it
          (gdal_edit.py -a_nodata -99999 FILE)']
        """
        import rasterio

        cells = valid = negative = 0
        lowest = np.inf
        with rasterio.open(self.path) as ds:
            for _, win in ds.block_windows(self.band):
                block = ds.read(self.band, window=win, masked=True)
                c, v, n, lo = _value_counts(block)
                cells, valid, negative, lowest = cells + c, valid + v, negative + n, min(lowest, lo)
        return _value_problems(cells, valid, negative, lowest, self.nodata)

    def total(self) -> float:
        """Sum of all cells (nodata excluded), reading block by block.

        See :func:`read_population_raster` for an example.
        """
        import rasterio

        total = 0.0
        with rasterio.open(self.path) as ds:
            for _, win in ds.block_windows(self.band):
                block = ds.read(self.band, window=win, masked=True)
                total += float(block.sum(dtype="float64") or 0.0)
        return total


def _value_counts(values: np.ma.MaskedArray) -> tuple[int, int, int, float]:
    """Cells, cells with a number (not nodata, not NaN), negative cells, lowest value."""
    data = np.ma.getdata(values).astype("float64", copy=False)
    ok = ~np.ma.getmaskarray(values) & np.isfinite(data)
    neg = ok & (data < 0)
    lowest = float(data[neg].min()) if neg.any() else np.inf
    return int(data.size), int(ok.sum()), int(neg.sum()), lowest


def _value_problems(
    cells: int, valid: int, negative: int, lowest: float, nodata: float | None
) -> list[str]:
    problems = []
    if cells and not valid:
        what = f"nodata ({nodata:g})" if nodata is not None else "NaN"
        problems.append(
            f"all {_plural(cells, 'cell')} are {what}: the raster holds no people; check the "
            "band and the nodata value"
        )
    if negative:
        verb = "holds a negative value" if negative == 1 else "hold negative values"
        fix = (
            f"the raster sets no nodata value: if that value marks missing cells, set it "
            f"(gdal_edit.py -a_nodata {lowest:g} FILE)"
            if nodata is None
            else f"set the nodata value to the one that marks missing cells (now {nodata:g})"
        )
        problems.append(
            f"{_plural(negative, 'cell')} {verb} (the lowest {lowest:g}): people cannot be "
            f"negative; {fix}"
        )
    return problems


def raster_value_problems(values: np.ma.MaskedArray, *, nodata: float | None) -> list[str]:
    """Why a population raster's cells (a masked array, nodata masked) cannot be people.

    Every cell nodata or NaN, or negative cells (often an unset nodata value
    such as WorldPop's -99999); an empty list when the cells are usable.

    Examples
    --------
    >>> raster_value_problems(np.ma.masked_equal([[-1.0, -1.0]], -1.0), nodata=-1.0)
    ['all 2 cells are nodata (-1): the raster holds no people; check the band and the nodata value']
    >>> raster_value_problems(np.ma.masked_array([[3.0, 4.0]]), nodata=None)
    []
    """
    return _value_problems(*_value_counts(values), nodata)


def read_population_raster(path: PathLike, *, band: int = 1) -> PopulationRaster:
    """Open and check a population GeoTIFF (WorldPop, GHS-POP, ...) without reading it whole.

    Checks: the file opens as a raster, has the band, has a CRS, and its values
    are numbers. Negative people are found later, per zone, in the windows read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np, rasterio
    >>> from rasterio.transform import from_origin
    >>> tif = pathlib.Path(tempfile.mkdtemp()) / "pop.tif"
    >>> with rasterio.open(tif, "w", driver="GTiff", width=3, height=2, count=1,
    ...                    dtype="float32", crs="EPSG:4326", nodata=-99999,
    ...                    transform=from_origin(36.6, 35.95, 0.01, 0.01)) as ds:
    ...     ds.write(np.array([[1, 2, -99999], [3, 4, 5]], dtype="float32"), 1)
    >>> r = read_population_raster(tif)
    >>> r.shape, r.nodata, r.total()
    ((2, 3), -99999.0, 15.0)
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    p = _check_file(path)
    try:
        ds = rasterio.open(p)
    except RasterioIOError as exc:
        raise DataError(f"cannot read it as a raster: {exc}", source=str(p)) from None
    with ds:
        problems = []
        if ds.crs is None:
            problems.append(
                "the raster has no CRS; set one (gdal_edit.py -a_srs EPSG:4326 FILE) so "
                "coordinates are not guessed"
            )
        if not 1 <= band <= ds.count:
            problems.append(
                f"band {band} does not exist; the raster has {plural(ds.count, 'band')}"
            )
        elif not np.issubdtype(np.dtype(ds.dtypes[band - 1]), np.number):
            problems.append(f"band {band} holds {ds.dtypes[band - 1]}, not numbers")
        if ds.transform.b != 0 or ds.transform.d != 0:
            problems.append("the raster is rotated; warp it to a north-up grid first")
        if problems:
            cls = GeometryError if ds.crs is None else DataError
            raise cls(problems, source=str(p))
        return PopulationRaster(
            path=p,
            band=band,
            crs=CRS.from_user_input(ds.crs),
            nodata=None if ds.nodata is None else float(ds.nodata),
            bounds=tuple(ds.bounds),
            shape=(ds.height, ds.width),
            res=(float(ds.res[0]), float(ds.res[1])),
        )
