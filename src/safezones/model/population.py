"""Population overlays: residents of each zone, from a population layer or raster.

:func:`population_in_zones` counts the people of polygons in proportion to the
share of their area inside each zone (:func:`covered_fraction`, which the
scenario engine uses too), points when inside, and raster cells with the exact
share of their area (the raster is read by :mod:`safezones.io.zonal`).

Examples
--------
>>> import safezones as sz
>>> zones = sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15))
>>> r = population_in_zones(zones, sz.data.population_grid())
>>> r.columns.tolist()
['residents_low', 'residents_central', 'residents_high']
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones._plural import agree, plural
from safezones.crs import PROJECT_CRS, to_metric
from safezones.errors import DataError, SafeZonesError
from safezones.io.population import PopulationRaster, read_population_raster
from safezones.io.zonal import raster_zone_stats
from safezones.model.overlay import zones_metric

__all__ = ["POPULATION_COLUMNS", "covered_fraction", "population_in_zones"]

#: Band columns of a population layer, and the resident columns they become.
POPULATION_COLUMNS = ("pop_low", "pop_central", "pop_high")


def population_in_zones(
    zones: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame | str | os.PathLike[str] | PopulationRaster,
    *,
    relative_band: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Count the residents of each zone, with low/central/high bands.

    Parameters
    ----------
    zones
        Zone polygons with a CRS.
    population
        One of:

        - polygons (e.g. :func:`safezones.data.population_grid`, or
          :func:`safezones.io.sources.read_admin_population`), whose people are
          counted in proportion to the share of each polygon's area inside a
          zone; or points, counted when inside. Columns ``pop_low``,
          ``pop_central``, ``pop_high``;
        - a population raster (a GeoTIFF path such as WorldPop or GHS-POP, or
          :func:`safezones.io.sources.read_population_raster`): each cell counts
          with the exact share of its area inside the zone (exactextract),
          nodata cells count as empty, and only the window around each zone is
          read. Zones reaching beyond the raster are warned about and their
          share inside it is in ``attrs["raster_coverage"]``.
    relative_band
        For a raster, which has one estimate: ``(0.8, 1.2)`` gives low = 0.8 x
        and high = 1.2 x the raster's count. By default all three are equal.

    Returns
    -------
    pandas.DataFrame
        Index of ``zones``; columns ``residents_low``, ``residents_central``,
        ``residents_high``.

    Examples
    --------
    >>> import safezones as sz
    >>> z = sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15))
    >>> r = sz.population_in_zones(z, sz.data.population_grid())
    >>> bool(2_000_000 < r.residents_central.iloc[0] < 3_000_000)
    True
    """
    if isinstance(population, str | os.PathLike | PopulationRaster):
        return _raster_population(zones, population, relative_band=relative_band)
    if relative_band is not None:
        raise SafeZonesError(
            "relative_band applies to rasters; a vector layer brings its own pop_low/pop_high"
        )
    if not isinstance(population, gpd.GeoDataFrame):
        raise SafeZonesError(
            "population must be a GeoDataFrame, a raster path or a PopulationRaster, not "
            f"{type(population).__name__}"
        )
    zm = zones_metric(zones)
    missing = [c for c in POPULATION_COLUMNS if c not in population.columns]
    if missing:
        raise DataError(
            f"the population layer lacks the columns {missing}; expected {list(POPULATION_COLUMNS)}"
        )
    values = population[list(POPULATION_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1) | (values < 0).any(axis=1)
    if bad.any():
        rows = ", ".join(map(str, population.index[bad.to_numpy()][:10]))
        raise DataError(
            f"{int(bad.sum())} population rows are negative or missing "
            f"(rows {rows}); fix or drop them"
        )
    cells = to_metric(population, what="population").geometry.to_numpy()
    zgeom = zm.to_numpy()
    zi, ci = gpd.GeoSeries(cells).sindex.query(zgeom, predicate="intersects")
    frac = covered_fraction(zgeom, cells, zi, ci)
    vals = values.to_numpy(dtype=float)
    out: dict[str, Any] = {}
    for j, col in enumerate(POPULATION_COLUMNS):
        out[col.replace("pop_", "residents_")] = np.bincount(
            zi, weights=vals[ci, j] * frac, minlength=len(zgeom)
        )
    return pd.DataFrame(out, index=zones.index)


def covered_fraction(
    zgeom: np.ndarray, cells: np.ndarray, zi: np.ndarray, ci: np.ndarray
) -> np.ndarray:
    """Return the share of each candidate cell inside its zone: 1 for points, area share else.

    Parameters
    ----------
    zgeom, cells
        Zone and cell geometries in one metric CRS (cells: polygons or points).
    zi, ci
        The candidate pairs: zone ``zgeom[zi[k]]`` and cell ``cells[ci[k]]``
        intersect (e.g. from an STR tree query).

    Returns
    -------
    numpy.ndarray
        One share per pair: 1 for a point, else the part of the cell's area
        inside the zone (1 exactly for a cell wholly inside).

    Examples
    --------
    >>> zone = np.array([shapely.box(0, 0, 2, 2)], dtype=object)
    >>> cells = np.array([shapely.box(1, 0, 3, 2), shapely.Point(1, 1)], dtype=object)
    >>> covered_fraction(zone, cells, np.array([0, 0]), np.array([0, 1])).tolist()
    [0.5, 1.0]
    """
    types = shapely.get_type_id(cells[ci])
    frac = np.zeros(len(zi))
    is_point = np.isin(types, (0, 4))  # Point, MultiPoint: counted whole when they intersect
    frac[is_point] = 1.0
    poly = ~is_point
    if poly.any():
        z, c = zgeom[zi[poly]], cells[ci[poly]]
        shapely.prepare(zgeom)
        inside = shapely.contains_properly(z, c)
        share = np.ones(len(z))
        part = ~inside
        if part.any():
            cell_area = shapely.area(c[part])
            inter = shapely.area(shapely.intersection(z[part], c[part]))
            share[part] = np.divide(inter, cell_area, out=np.zeros_like(inter), where=cell_area > 0)
        frac[poly] = share
    return frac


def _raster_population(
    zones: gpd.GeoDataFrame,
    raster: str | os.PathLike[str] | PopulationRaster,
    *,
    relative_band: tuple[float, float] | None,
) -> pd.DataFrame:
    """Count the residents of each zone from a raster (see :func:`population_in_zones`)."""
    r = raster if isinstance(raster, PopulationRaster) else read_population_raster(raster)
    if relative_band is None:
        lo_f, hi_f = 1.0, 1.0
    else:
        lo_f, hi_f = relative_band
        if not 0 <= lo_f <= 1 <= hi_f:
            raise SafeZonesError(f"relative_band={relative_band}; need 0 <= low <= 1 <= high")
    zm = zones_metric(zones)
    zr = gpd.GeoDataFrame(geometry=zm.to_crs(r.crs).to_numpy(), crs=r.crs)
    res = raster_zone_stats(zr, r)
    total = pd.to_numeric(res["sum"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    low = pd.to_numeric(res["min"], errors="coerce").to_numpy(dtype=float)
    neg = np.flatnonzero(low < 0)
    if len(neg):
        where = ", ".join(f"{zones.index[i]} (min {low[i]:g})" for i in neg[:10])
        raise DataError(
            f"the raster has negative people in {plural(len(neg), 'zone')}: {where}; "
            "is its nodata value set? (gdal_edit.py -a_nodata VALUE FILE)",
            source=str(r.path),
        )
    # share of each zone inside the raster's extent (in equal-area metres): people
    # beyond it are unknown, so say so. Nodata cells inside it count as empty:
    # WorldPop's constrained rasters use nodata for cells without buildings.
    box = gpd.GeoSeries([shapely.box(*r.bounds)], crs=r.crs)
    box_m = box.segmentize(max(r.res) * 10).to_crs(PROJECT_CRS).iloc[0]
    zgeom = zm.to_numpy()
    zarea = shapely.area(zgeom)
    inside = shapely.area(shapely.intersection(zgeom, box_m))
    coverage = np.divide(inside, zarea, out=np.zeros_like(zarea), where=zarea > 0)
    partial = np.flatnonzero(coverage < 0.999)
    if len(partial):
        listed = ", ".join(f"{zones.index[i]} ({coverage[i]:.0%})" for i in partial[:10])
        warnings.warn(
            f"{plural(len(partial), 'zone')} {agree(len(partial), 'reaches', 'reach')} beyond the raster {r.path.name}; only the share "
            f"inside its extent is counted: {listed}",
            stacklevel=3,
        )
    # exactextract's count: the covered fractions of cells holding data, in raster units
    cells = pd.to_numeric(res["count"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    zr_area = shapely.area(zr.geometry.to_numpy())
    with_data = np.divide(
        cells * r.res[0] * r.res[1], zr_area, out=np.zeros_like(zr_area), where=zr_area > 0
    )
    out = pd.DataFrame(
        {
            "residents_low": total * lo_f,
            "residents_central": total,
            "residents_high": total * hi_f,
        },
        index=zones.index,
    )
    out.attrs = {
        "source": str(r.path),
        "raster_coverage": coverage.tolist(),
        "raster_data_share": np.clip(with_data, 0, 1).tolist(),
    }
    return out
