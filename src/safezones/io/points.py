"""Point layers: any point file (CSV, Parquet, GeoJSON, ...), and the region check of every event reader.

Points more than :data:`REGION_MARGIN_KM` outside Syria are reported (and
those whose swapped (lat, lon) lies in Syria are called swapped); the caller
keeps, drops or refuses them (:data:`OnOutside`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cache
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones._plural import agree, listing, plural
from safezones._text import NO_HEADER, column_listing
from safezones.crs import LONLAT_CRS, PROJECT_CRS
from safezones.errors import DataError
from safezones.io.files import PathLike, check_file, is_vector_file, read_vector
from safezones.io.tables import (
    check_not_empty,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
)
from safezones.schema import EVENT_COLUMNS, PRECISION_CLASSES

__all__ = [
    "LAT_NAMES",
    "LON_NAMES",
    "REGION_MARGIN_KM",
    "OnOutside",
    "finish_layer",
    "guess_column",
    "point_layer",
    "read_points",
    "region_shapes",
]

#: What to do with points outside the region: keep them (with a warning), drop them, or refuse.
OnOutside = Literal["keep", "drop", "error"]

#: "The region" is Syria plus this margin (km), so that events just across a
#: border (shelling from or into a neighbour) are not flagged. A point farther
#: out is reported as outside; if its (lat, lon) lies in Syria, as swapped.
#: Assumption: a round number, not derived from data.
REGION_MARGIN_KM = 50.0


def _check_lonlat(
    lon: np.ndarray, lat: np.ndarray, lines: np.ndarray, *, source: str
) -> tuple[np.ndarray, list[str], list[str]]:
    """Return (outside-region mask, hard problems, notes on outside/swapped points)."""
    problems: list[str] = []
    nan = np.isnan(lon) | np.isnan(lat)
    if nan.any():
        problems.append(
            f"{plural(int(nan.sum()), 'row')} {agree(int(nan.sum()), 'has', 'have')} no coordinates: {listing([f'line {x}' for x in lines[nan]])}"
        )
    impossible = ~nan & ((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if impossible.any():
        problems.append(
            f"{plural(int(impossible.sum()), 'row')} {agree(int(impossible.sum()), 'has', 'have')} coordinates off the globe: "
            f"{listing([f'line {x} ({a:g}, {b:g})' for x, a, b in zip(lines[impossible], lon[impossible], lat[impossible], strict=True)])}"
        )
    region, syria = region_shapes()
    inside = shapely.contains_xy(region, lon, lat)
    swapped_in = shapely.contains_xy(syria, lat, lon)
    outside = ~nan & ~impossible & ~inside
    notes = []
    swapped = outside & swapped_in
    if swapped.any():
        notes.append(
            f"{plural(int(swapped.sum()), 'point')} {agree(int(swapped.sum()), 'looks', 'look')} like swapped lon/lat (latitude given as "
            f"longitude): {listing([f'line {x}' for x in lines[swapped]])}; "
            "check which column is which"
        )
    far = outside & ~swapped_in
    if far.any():
        notes.append(
            f"{plural(int(far.sum()), 'point')} {agree(int(far.sum()), 'lies', 'lie')} more than {REGION_MARGIN_KM:g} km outside Syria: "
            f"{listing([f'line {x} ({a:g}, {b:g})' for x, a, b in zip(lines[far], lon[far], lat[far], strict=True)])}"
        )
    return outside, problems, notes


@cache
def region_shapes() -> tuple[shapely.Geometry, shapely.Geometry]:
    """Return Syria plus REGION_MARGIN_KM, and Syria itself, in lon/lat, prepared."""
    syria_m = data.syria(crs="metric")
    grown = gpd.GeoSeries([syria_m.buffer(REGION_MARGIN_KM * 1000.0)], crs=PROJECT_CRS)
    region = grown.to_crs(LONLAT_CRS).iloc[0]
    syria = data.syria()
    shapely.prepare(region)
    shapely.prepare(syria)
    return region, syria


def point_layer(
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
    """Check the coordinates and build the point layer, or raise every problem at once.

    Parameters
    ----------
    df
        The rows (without the coordinate columns).
    lon, lat
        Coordinates in degrees, one per row.
    lines
        The file line of each row, for messages.
    source
        The file, for messages.
    on_outside
        Points outside the region are kept, dropped or refused (:data:`OnOutside`).
    problems
        Problems found so far in the file; raised together with the coordinates' own.
    dropped
        Filter -> rows removed; ``outside_region`` is added when points are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in EPSG:4326, ``attrs["outside_region"]`` the lines of the points outside.
    """
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


def finish_layer(
    gdf: gpd.GeoDataFrame, *, source: str, rows_read: int, dropped: dict[str, int]
) -> gpd.GeoDataFrame:
    """Return the layer with the event columns first and its ``attrs`` (module docstring)."""
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


LON_NAMES = ("lon", "longitude", "lng", "long", "x")
LAT_NAMES = ("lat", "latitude", "y")


def guess_column(columns: Sequence[str], names: Sequence[str], what: str, source: str) -> str:
    """Return the one column named like ``names`` (case-insensitive), or raise DataError."""
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
    r"""Read any point layer: a CSV or Parquet table, or a GeoJSON/GeoPackage/Shapefile.

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
    >>> _ = f.write_text("name,lon,lat,beds,opened\nIdlib,36.63,35.93,40,2014-03-01\n")
    >>> pts = read_points(f, weight="beds", date="opened")
    >>> pts.weight.tolist(), str(pts.date_start.iloc[0].date())
    ([40.0], '2014-03-01')
    """
    p = check_file(path)
    source = str(path)
    dropped: dict[str, int] = {}
    if is_vector_file(p):
        layer = read_vector(p, what="point file")
        check_not_empty(layer, source=source)
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
                + listing([f"feature {x}" for x in lines[not_point]])
                + "; use safezones.population_in_zones for polygons"
            )
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if empty.any():
            problems.append(
                f"{plural(int(empty.sum()), 'feature')} {agree(int(empty.sum()), 'has', 'have')} no geometry: "
                + listing([f"feature {x}" for x in lines[empty]])
            )
        if problems:
            raise DataError(problems, source=source)
        ll = gpd.GeoSeries(geoms, crs=layer.crs).to_crs(LONLAT_CRS)
        lon_v, lat_v = ll.x.to_numpy(), ll.y.to_numpy()
        df = pd.DataFrame(layer.drop(columns=layer.geometry.name))
        df.columns = [str(c) for c in df.columns]
    else:
        df, first = read_table(p)
        check_not_empty(df, source=source)
        lines = np.arange(len(df)) + first
        lon = lon or guess_column(list(df.columns), LON_NAMES, "lon", source)
        lat = lat or guess_column(list(df.columns), LAT_NAMES, "lat", source)
        require_columns(df.columns, [lon, lat], source=source, kind="point")
        coords, problems = parse_numbers(
            df, [lon, lat], lines, non_negative=False, allow_missing=True
        )
        if problems:
            raise DataError(problems, source=source)
        lon_v, lat_v = coords[lon].to_numpy(), coords[lat].to_numpy()
        df = df.drop(columns=[lon, lat])
    problems = []
    wanted = [c for c in (weight, date) if c is not None]
    require_columns(df.columns, wanted, source=source, kind="point")
    if weight is not None:
        w, p2 = parse_numbers(df, [weight], lines)
        problems += p2
        df["weight"] = w[weight].to_numpy()
    else:
        df["weight"] = 1.0
    if date is not None:
        raw = df[date].astype("string").str.strip()
        is_year = raw.str.fullmatch(r"\d{4}").fillna(False).to_numpy()
        parsed, p3 = parse_dates(raw.where(~is_year, raw + "-01-01"), lines, column=date)
        problems += [p.replace("2014-11-25)", "2014-11-25, or a year 2014)") for p in p3]
        df["date_start"] = parsed
        end_of_year = parsed + pd.offsets.YearEnd(0)
        df["date_end"] = parsed.where(~is_year, end_of_year)
        df["year"] = parsed.dt.year.astype("Int64")
        df["date_precision"] = np.where(is_year, "year", "day")
    for col in ("deaths_total", "deaths_civilians"):
        if col in df.columns:
            d, p4 = parse_numbers(df, [col], lines, allow_missing=True)
            problems += p4
            df[col] = d[col].to_numpy()
        else:
            df[col] = np.nan
    if "precision" in df.columns:
        pr, p5 = parse_numbers(df, ["precision"], lines, integer=True)
        bad = ~pr["precision"].isin(list(PRECISION_CLASSES))
        if bad.any():
            p5.append(
                f"precision must be 1-4 ({PRECISION_CLASSES}); bad at lines {listing(lines[bad.to_numpy()].tolist())}"
            )
        problems += p5
        if not p5:
            df["precision"] = pr["precision"].astype("int64")
    else:
        df["precision"] = 1
    df["event_id"] = (
        [str(x) for x in lines] if "event_id" not in df.columns else df["event_id"].astype(str)
    )
    df["source"] = p.name
    gdf = point_layer(
        df,
        lon_v,
        lat_v,
        lines,
        source=source,
        on_outside=on_outside,
        problems=problems,
        dropped=dropped,
    )
    return finish_layer(gdf, source=source, rows_read=len(df), dropped=dropped)
