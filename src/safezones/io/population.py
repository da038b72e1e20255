"""Population readers: OCHA COD-PS style tables joined to boundaries, and GeoTIFF rasters.

A table gives people per administrative unit (by P-code); a raster gives
people per cell and is read in windows, never whole.
"""

from __future__ import annotations

import dataclasses
import difflib
import warnings
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from safezones._plural import agree, listing, plural
from safezones._text import column_listing, shown_value
from safezones.crs import LONLAT_CRS
from safezones.errors import DataError, GeometryError, SafeZonesError
from safezones.io.files import PathLike, check_file, read_vector
from safezones.io.tables import (
    check_not_empty,
    drop_hxl_row,
    parse_numbers,
    read_table,
    resolve_column,
)

__all__ = [
    "PopulationRaster",
    "raster_value_problems",
    "read_admin_population",
    "read_population_raster",
]


def _band_columns(
    low: str | None,
    high: str | None,
    relative_band: tuple[float, float] | None,
    columns: list[str],
    tags: dict[str, str],
    *,
    source: str,
) -> dict[str, str]:
    """Return the ``low`` and ``high`` columns (or none), refusing half a band or two bands."""
    band_cols = {
        k: resolve_column(v, columns, tags, source=source, what=k)
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
    return band_cols


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
    r"""Read an OCHA COD-PS style population table and join it to boundaries by P-code.

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
    >>> _ = f.write_text("ADM1_PCODE,T_TL\n#adm1+code,#population+total\n"
    ...                  'SY07,"1,464,000"\nSY11,"919,000"\n')
    >>> from safezones import data
    >>> two = data.governorates().query("adm1_pcode in ['SY07', 'SY11']")
    >>> pop = read_admin_population(f, pcode="#adm1+code", population="#population+total",
    ...                             boundaries=two, relative_band=(0.8, 1.2))
    >>> pop[["pcode", "adm1_name", "pop_low", "pop_central"]].values.tolist()
    [['SY07', 'Idleb', 1171200.0, 1464000.0], ['SY11', 'Ar-Raqqa', 735200.0, 919000.0]]
    """
    source = str(path)
    df, first = read_table(path)
    df, tags = drop_hxl_row(df)
    if tags:
        first += 1
    check_not_empty(df, source=source)
    cols = list(df.columns)
    pc = resolve_column(pcode, cols, tags, source=source, what="P-code")
    popc = resolve_column(population, cols, tags, source=source, what="population")
    band_cols = _band_columns(low, high, relative_band, cols, tags, source=source)
    lines = np.arange(len(df)) + first
    nums, problems = parse_numbers(df, [popc, *band_cols.values()], lines)
    codes = df[pc].astype("string").str.strip().str.upper()
    missing = codes.isna() | (codes == "")
    if missing.any():
        problems.append(
            f"{plural(int(missing.sum()), 'row')} {agree(int(missing.sum()), 'has', 'have')} no P-code: {listing([f'line {x}' for x in lines[missing.to_numpy()]])}"
        )
    dup = codes.duplicated(keep=False) & ~missing
    if dup.any():
        problems.append(
            f"P-codes appear more than once: {listing(sorted(set(codes[dup].tolist())))}; "
            "give one row per unit"
        )
    if band_cols:
        c = nums[popc]
        lo_v, hi_v = nums[band_cols["low"]], nums[band_cols["high"]]
        order = ((lo_v > c) | (c > hi_v)).to_numpy()
        if order.any():
            problems.append(
                f"low <= population <= high fails at {listing([f'line {x}' for x in lines[order]])}"
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
        msg = f"{plural(len(unmatched), 'P-code')} {agree(len(unmatched), 'matches', 'match')} no boundary: {listing(listed)}"
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
            f"{source}: {len(without)} boundary units have no population row: {listing(without)}",
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
        else read_vector(check_file(boundaries), what="boundary layer")
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
        """Return what makes the cells unusable as people (see :func:`raster_value_problems`).

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
            f"all {plural(cells, 'cell')} are {what}: the raster holds no people; check the "
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
            f"{plural(negative, 'cell')} {verb} (the lowest {lowest:g}): people cannot be "
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

    p = check_file(path)
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
