r"""Control layers: who holds the ground, from a user's points or polygons.

:func:`read_control` reads a CSV or Parquet table of points (``lon``, ``lat``,
``actor``, ``date``) or a vector layer (GeoJSON, GeoPackage, Shapefile,
GeoParquet) of points or polygons with ``actor`` and ``date`` attributes, and
returns one row per community or area in EPSG:4326. It checks the whole file
first, as every reader does, and raises one :class:`~safezones.DataError`
listing every problem: missing columns (with the columns found), actors it does
not know (with their lines and the valid names), dates it cannot read, missing
or impossible coordinates, features that are neither points nor polygons, a
layer that mixes points and polygons, a layer without a CRS, an empty file, a
file larger than :data:`MAX_CONTROL_BYTES`.

Actors are normalised with :func:`safezones.schema.actor_name` to
:data:`safezones.schema.ACTORS`, ``unknown`` included: a row may say that a
community or an area is held by no one the layer can name (contested, or not
surveyed); the control surface counts it as ``unknown`` and front-line
crossings skip it (:mod:`safezones.model.control`). A ``date`` is an ISO date
or a year (a year is its 1 January); a layer may hold several dates (snapshots),
among which a scenario's ``control.snapshot`` chooses.

Examples
--------
>>> import pathlib, tempfile
>>> f = pathlib.Path(tempfile.mkdtemp()) / "control.csv"
>>> _ = f.write_text("lon,lat,actor,date\n37.16,36.20,Opposition,2014-11-01\n"
...                  "39.01,35.95,Islamic State,2014\n")
>>> c = read_control(f)
>>> c.actor.tolist(), [str(d.date()) for d in c.date], c.attrs["kind"]
(['opposition', 'islamic_state'], ['2014-11-01', '2014-01-01'], 'points')
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones._plural import agree, listing, plural
from safezones._text import MAX_SHOWN_VALUE, NO_HEADER, column_listing, shown_value
from safezones.crs import LONLAT_CRS
from safezones.errors import DataError, SafeZonesWarning
from safezones.io.files import PathLike, check_file, is_vector_file, read_vector
from safezones.io.points import (
    LAT_NAMES,
    LON_NAMES,
    OnOutside,
    guess_column,
    point_layer,
    region_shapes,
)
from safezones.io.tables import (
    check_not_empty,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
)
from safezones.schema import ACTORS, actor_name

__all__ = [
    "ACTOR_NAMES",
    "CONTROL_COLUMNS",
    "DATE_NAMES",
    "MAX_CONTROL_BYTES",
    "describe_control",
    "read_control",
]

#: The columns :func:`read_control` returns.
CONTROL_COLUMNS = ("actor", "date", "geometry")
#: Column names read as the actor (case ignored), unless ``actor=`` names one.
ACTOR_NAMES = ("actor", "held_by", "controlled_by")
#: Column names read as the date (case ignored), unless ``date=`` names one:
#: ``snapshot`` is the Syria Conflict Mapping Project's own name.
DATE_NAMES = ("date", "snapshot")
#: The largest control file read, in bytes. Assumption: the Syria Conflict
#: Mapping Project's 11,243 community rows take 0.8 MB as CSV; a file 300 times
#: larger is not a control layer of Syria (or needs simplifying) and would take
#: minutes and gigabytes to read.
MAX_CONTROL_BYTES = 256 * 2**20

_POINT, _POLYGON, _MULTIPOLYGON, _MULTIPOINT = 0, 3, 6, 4


def read_control(
    path: PathLike,
    *,
    layer: str | None = None,
    actor: str | None = None,
    date: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    on_outside: OnOutside = "keep",
) -> gpd.GeoDataFrame:
    r"""Read a control layer: points or polygons with the actor holding them and a date.

    Parameters
    ----------
    path
        A CSV or Parquet table of points, or a vector file of points or polygons
        (with a CRS: any CRS, the result is EPSG:4326).
    layer
        The layer of a vector file that holds several (a GeoPackage).
    actor, date
        The actor and date columns; by default the one column named like
        :data:`ACTOR_NAMES` (:data:`DATE_NAMES`), case ignored.
    lon, lat
        The coordinate columns of a table; by default the one column named
        lon/longitude/lng/long/x (lat/latitude/y), as :func:`~safezones.io.points.read_points`.
    on_outside
        Features more than :data:`~safezones.io.points.REGION_MARGIN_KM` outside
        Syria are kept (with a warning: they cannot change the control of Syrian
        land), dropped or refused. A layer with no feature in the region is refused.

    Returns
    -------
    geopandas.GeoDataFrame
        ``actor`` (one of :data:`~safezones.schema.ACTORS`), ``date``
        (datetime64, a year as its 1 January) and ``geometry`` (all points or all
        polygons), EPSG:4326, in file order. ``attrs``: ``source``, ``rows_read``,
        ``kind`` ("points" or "polygons"), ``dates`` (the distinct dates, sorted),
        ``dropped`` and ``outside_region`` (file lines or feature numbers).

    Raises
    ------
    DataError
        Listing every problem of the file (module docstring).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = f.write_text("longitude,latitude,actor,date\n37.1,36.2,goverment,2014\n")
    >>> read_control(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safezones.errors.DataError: ...c.csv: actor: 'goverment' is not an actor; did you mean 'government'? Give one of government, opposition, islamic_state, kurds, unknown (line 2)
    """
    p = check_file(path)
    source = str(path)
    size = p.stat().st_size
    if size > MAX_CONTROL_BYTES:
        raise DataError(
            f"the file has {size / 2**20:,.0f} MB, more than the {MAX_CONTROL_BYTES / 2**20:.0f} "
            "MB a control layer may have; simplify its polygons or cut it to Syria",
            source=source,
        )
    if is_vector_file(p):
        df, geoms, lines, kind, problems = _vector(p, layer, source)
    else:
        if layer is not None:
            raise DataError(
                f"layer={layer!r} applies to a vector file (a GeoPackage); a table has no "
                "layers: leave layer out",
                source=source,
            )
        df, first = read_table(p)
        check_not_empty(df, source=source)
        lines = np.arange(len(df)) + first
        lon = lon or guess_column(list(df.columns), LON_NAMES, "lon", source)
        lat = lat or guess_column(list(df.columns), LAT_NAMES, "lat", source)
        require_columns(df.columns, [lon, lat], source=source, kind="control layer")
        coords, problems = parse_numbers(
            df, [lon, lat], lines, non_negative=False, allow_missing=True
        )
        geoms = None
        kind = "points"
        lon_v, lat_v = coords[lon].to_numpy(), coords[lat].to_numpy()
    actor = _column(list(df.columns), actor, ACTOR_NAMES, "actor", source)
    date = _column(list(df.columns), date, DATE_NAMES, "date", source)
    actors, p_actor = _actors(df[actor], lines, column=actor)
    dates, p_date = _dates(df[date], lines, column=date)
    problems = problems + p_actor + p_date
    out = pd.DataFrame({"actor": actors, "date": dates})
    dropped: dict[str, int] = {}
    with warnings.catch_warnings(record=True) as caught:  # shown unless nothing is left
        warnings.simplefilter("always")
        if geoms is None:  # a table of points
            gdf = point_layer(
                out, lon_v, lat_v, lines, source=source, on_outside=on_outside,
                problems=problems, dropped=dropped,
            )  # fmt: skip
        else:
            gdf = _polygons_or_points(
                out, geoms, lines, kind, source, on_outside, problems, dropped
            )
    if len(gdf) == 0 or len(gdf.attrs.get("outside_region", [])) == len(df):
        raise DataError(
            f"none of its {plural(len(df), 'feature')} lies in Syria or within the region's "
            "margin; check the coordinates (lon and lat swapped?) and the CRS",
            source=source,
        )
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=2)
    if kind == "points":
        _warn_duplicates(gdf, lines[: len(df)], source)
    outside = gdf.attrs.get("outside_region", [])
    gdf = gdf.reset_index(drop=True)
    gdf.attrs = {
        "source": source,
        "rows_read": len(df),
        "kind": kind,
        "dates": sorted(pd.Timestamp(d) for d in gdf["date"].unique()),
        "dropped": dropped,
        "outside_region": outside,
    }
    return gdf


def describe_control(layer: gpd.GeoDataFrame) -> str:
    r"""Return what a control layer of :func:`read_control` holds: kind, dates, actors.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = f.write_text("lon,lat,actor,date\n37.1,36.2,kurds,2014\n37.2,36.2,IS,2014\n")
    >>> print(describe_control(read_control(f)))  # doctest: +ELLIPSIS
    /...c.csv: 2 rows read, 2 points kept
    date 2014-01-01: islamic_state 1, kurds 1
    """
    a = layer.attrs
    lines = [
        f"{a['source']}: {plural(a['rows_read'], 'row')} read, {len(layer):,} {a['kind']} kept"
    ]
    for date in a["dates"]:
        counts = layer.loc[layer["date"] == date, "actor"].value_counts()
        held = ", ".join(f"{k} {int(counts[k]):,}" for k in ACTORS if k in counts.index)
        lines.append(f"date {date.date()}: {held}")
    if a.get("outside_region"):
        n = len(a["outside_region"])
        lines.append(f"{plural(n, a['kind'][:-1])} outside the region (see the warning)")
    return "\n".join(lines)


def _vector(
    p: Path, layer: str | None, source: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, str, list[str]]:
    """Read a vector layer; return its attributes, lon/lat geometries, feature numbers, kind, problems."""
    _check_layer(p, layer, source)
    gdf = read_vector(p, what="control layer", layer=layer)
    check_not_empty(gdf, source=source)
    geoms = gdf.geometry.to_numpy()
    single = (shapely.get_type_id(geoms) == _MULTIPOINT) & (shapely.get_num_geometries(geoms) == 1)
    geoms = np.where(single, shapely.get_geometry(geoms, 0), geoms)
    lines = np.arange(len(gdf)) + 1
    problems = []
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        problems.append(
            f"{plural(int(empty.sum()), 'feature')} {agree(int(empty.sum()), 'has', 'have')} "
            f"no geometry: {listing([f'feature {x}' for x in lines[empty]])}"
        )
    kinds = shapely.get_type_id(geoms)
    point = ~empty & (kinds == _POINT)
    poly = ~empty & np.isin(kinds, [_POLYGON, _MULTIPOLYGON])
    other = ~empty & ~point & ~poly
    if other.any():
        names = sorted({str(t) for t in shapely.get_type_id(geoms[other])})
        problems.append(
            f"{plural(int(other.sum()), 'feature')} {agree(int(other.sum()), 'is', 'are')} "
            f"neither a point nor a polygon: {listing([f'feature {x}' for x in lines[other]])} "
            f"(geometry types {', '.join(_TYPE_NAMES.get(int(n), n) for n in names)}); "
            "give communities as points or areas as polygons"
        )
    if point.any() and poly.any():
        few, word = (point, "points") if point.sum() <= poly.sum() else (poly, "polygons")
        problems.append(
            f"the layer mixes {plural(int(point.sum()), 'point')} and "
            f"{plural(int(poly.sum()), 'polygon')}; give points (communities) or polygons "
            f"(areas), not both (the {word}: {listing([f'feature {x}' for x in lines[few]])})"
        )
    ll = gpd.GeoSeries(geoms, crs=gdf.crs).to_crs(LONLAT_CRS).to_numpy()
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df.columns = [str(c) for c in df.columns]
    kind = "polygons" if poly.sum() > point.sum() else "points"
    return df, ll, lines, kind, problems


_TYPE_NAMES = {
    1: "LineString",
    2: "LinearRing",
    4: "MultiPoint",
    5: "MultiLineString",
    7: "Collection",
}


def _check_layer(p: Path, layer: str | None, source: str) -> None:
    """Refuse a file of several layers when ``layer`` is not given, or a layer it lacks."""
    if p.suffix.lower() == ".parquet":
        if layer is not None:
            raise DataError(f"layer={layer!r}: a Parquet file has one layer; leave layer out",
                            source=source)  # fmt: skip
        return
    import pyogrio  # lazily: import safezones stays fast

    from safezones.io.zonefile import choose_layer

    try:
        layers = pyogrio.list_layers(p)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise DataError(f"cannot read it as a control layer: {exc}", source=source) from None
    if layer is None and len(layers) > 1:
        names = [str(n) for n in layers[:, 0]]
        shown = ", ".join(
            f"{n[:60]!r} ({t})" for n, t in zip(names[:20], layers[:20, 1], strict=True)
        )
        raise DataError(
            f"the file has {len(names)} layers: {shown}; say which holds the control, "
            f'e.g. layer = "{names[0][:60]}" (read_control(..., layer="{names[0][:60]}"))',
            source=source,
        )
    choose_layer(layers, layer, source)


def _column(columns: list[str], given: str | None, names: tuple[str, ...], what: str,
            source: str) -> str:  # fmt: skip
    """Return the column ``given`` (it must exist) or the one named like ``names``."""
    if given is None:
        return guess_column(columns, names, what, source)
    if given not in columns:
        listed = column_listing(columns)
        raise DataError(
            f"no column {given!r} ({what}=); "
            + (f"the columns are {listed}" if listed else NO_HEADER),
            source=source,
        )
    return given


def _actors(values: pd.Series, lines: np.ndarray, *, column: str) -> tuple[list[str], list[str]]:
    """Return each row's actor of ACTORS (or "" where it is bad) and one problem per bad name."""
    out: list[str] = []
    bad: dict[str, tuple[str, list[int]]] = {}
    blank: list[int] = []
    for v, line in zip(values.tolist(), lines.tolist(), strict=True):
        if v is None or (isinstance(v, float) and np.isnan(v)) or not str(v).strip():
            blank.append(line)
            out.append("")
            continue
        text = str(v).strip()
        try:
            out.append(actor_name(text, ACTORS))
        except ValueError as err:
            if text not in bad:
                msg = str(err)
                if len(text) > MAX_SHOWN_VALUE:  # never echo a long cell
                    msg = f"{shown_value(text)} is not an actor; give one of {', '.join(ACTORS)}"
                bad[text] = (msg, [])
            bad[text][1].append(line)
            out.append("")
    problems = []
    if blank:
        problems.append(
            f"{plural(len(blank), 'row')} {agree(len(blank), 'has', 'have')} no {column}: "
            f"{listing([f'line {x}' for x in blank])}; give one of {', '.join(ACTORS)}"
        )
    for msg, where in list(bad.values())[:10]:
        problems.append(
            f"{column}: {msg} ({agree(len(where), 'line', 'lines')} {listing(where, limit=5)})"
        )
    if len(bad) > 10:
        problems.append(f"{column}: {len(bad) - 10} more names that are not actors")
    return out, problems


def _dates(values: pd.Series, lines: np.ndarray, *, column: str) -> tuple[pd.Series, list[str]]:
    """Parse ISO dates or years (a year is its 1 January); one problem lists the bad lines."""
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.Series(pd.to_datetime(values), index=values.index).dt.tz_localize(None)
        raw = parsed.astype("string")
    else:
        raw = values.astype("string").str.strip()
        raw = raw.str.replace(r"^(\d{4})(\.0)?$", r"\1-01-01", regex=True)
    parsed, problems = parse_dates(raw, lines, column=column)
    problems = [p.replace("2014-11-25)", "2014-11-25, or a year 2014)") for p in problems]
    return parsed.reset_index(drop=True), problems


def _polygons_or_points(
    out: pd.DataFrame,
    geoms: np.ndarray,
    lines: np.ndarray,
    kind: str,
    source: str,
    on_outside: OnOutside,
    problems: list[str],
    dropped: dict[str, int],
) -> gpd.GeoDataFrame:
    """Check a vector layer's features against the region and build the layer."""
    if kind == "points":
        xy = np.full((len(geoms), 2), np.nan)
        ok = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) == _POINT)
        ok[ok] &= ~shapely.is_empty(geoms[ok])
        xy[ok] = shapely.get_coordinates(geoms[ok])
        if problems:  # the geometry problems first; the coordinates' own come with them
            raise DataError(problems, source=source)
        return point_layer(
            out, xy[:, 0], xy[:, 1], lines, source=source, on_outside=on_outside,
            problems=problems, dropped=dropped,
        )  # fmt: skip
    if problems:
        raise DataError(problems, source=source)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():  # repaired, keeping the polygonal parts
        fixed = shapely.make_valid(geoms[invalid])
        polys = [
            shapely.union_all([g for g in shapely.get_parts(f) if shapely.get_type_id(g) in (3, 6)])
            for f in fixed
        ]
        geoms = geoms.copy()
        geoms[invalid] = polys
        warnings.warn(
            f"{source}: {plural(int(invalid.sum()), 'polygon')} "
            f"{agree(int(invalid.sum()), 'was', 'were')} invalid and repaired "
            f"(shapely.make_valid): {listing([f'feature {x}' for x in lines[invalid]])}",
            SafeZonesWarning,
            stacklevel=4,
        )
    region, _ = region_shapes()
    outside = ~shapely.intersects(region, geoms)
    gdf = gpd.GeoDataFrame(out, geometry=list(geoms), crs=LONLAT_CRS)
    gdf.attrs["outside_region"] = [int(x) for x in lines[outside]]
    if outside.any() and not outside.all():
        where = listing([f"feature {x}" for x in lines[outside]])
        note = f"{plural(int(outside.sum()), 'polygon')} {agree(int(outside.sum()), 'lies', 'lie')} wholly outside Syria and its margin: {where}"
        if on_outside == "error":
            raise DataError(note, source=source)
        action = "dropped" if on_outside == "drop" else "kept"
        warnings.warn(f"{source}: {note} ({action})", SafeZonesWarning, stacklevel=4)
        if on_outside == "drop":
            gdf = gdf[~outside]
            dropped["outside_region"] = int(outside.sum())
    return gdf


def _warn_duplicates(gdf: gpd.GeoDataFrame, lines: np.ndarray, source: str) -> None:
    """Warn of points given twice for one date with different actors (which holds it is unclear)."""
    if len(gdf) != len(lines):
        return
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    key = pd.DataFrame({"date": gdf["date"].to_numpy(), "x": xy[:, 0], "y": xy[:, 1]})
    groups = key.assign(actor=gdf["actor"].to_numpy()).groupby(["date", "x", "y"])["actor"]
    n_actors = groups.transform("nunique").to_numpy()
    clash = n_actors > 1
    if clash.any():
        warnings.warn(
            f"{source}: {plural(int(clash.sum()), 'row')} give one place and date two or more "
            f"actors: {listing([f'line {x}' for x in lines[clash]])}; the control surface "
            "takes one of them (check which holds the place)",
            SafeZonesWarning,
            stacklevel=3,
        )
