"""Read a population raster under polygons: the zonal sums that exactextract gives.

:func:`safezones.model.population.population_in_zones` turns them into
residents; only the windows around the polygons are read.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from safezones.io.population import PopulationRaster

__all__ = ["raster_zone_stats"]


def _raster_source(ds: Any, band: int) -> Any:
    """Return the exactextract source for an open rasterio dataset (reads windows on demand)."""
    from exactextract.raster import RasterioRasterSource

    return RasterioRasterSource(ds, band_idx=band)


def raster_zone_stats(zones: gpd.GeoDataFrame, raster: PopulationRaster) -> pd.DataFrame:
    """Read the sum, minimum and count of a raster's cells under each polygon.

    Parameters
    ----------
    zones
        Polygons in the raster's CRS.
    raster
        A population raster from :func:`safezones.io.population.read_population_raster`.

    Returns
    -------
    pandas.DataFrame
        One row per polygon, columns ``sum``, ``min`` and ``count``
        (exactextract's: each cell weighted by the share of its area inside the
        polygon; nodata cells are left out).
    """
    import rasterio
    from exactextract import exact_extract

    with rasterio.open(raster.path) as ds:
        stats: pd.DataFrame = exact_extract(
            _raster_source(ds, raster.band), zones, ["sum", "min", "count"], output="pandas"
        )
    return stats
