"""Readers for user data: UCDP GED, ACLED, any point file, control layers, OCHA tables, rasters.

This module is ``safezones.sources``: it gathers the readers, which live in
:mod:`safezones.io.events` (UCDP GED, ACLED), :mod:`safezones.io.points` (any
point file), :mod:`safezones.io.control` (who holds the ground: points or
polygons with an actor and a date), :mod:`safezones.io.population` (OCHA tables, rasters), on
:mod:`safezones.io.tables` and :mod:`safezones.io.files`; the event schema,
the precision scale and the time window are in :mod:`safezones.schema`. It
holds no logic of its own.

Each reader checks the whole file before returning and raises one
:class:`~safezones.DataError` that lists every problem found (missing or
misspelt columns, unparseable dates or numbers with their line numbers, points
that lie outside the region or look swapped). Rows that a *filter* removes are
not errors: their count per filter is in ``result.attrs["dropped"]``.

Examples
--------
>>> from safezones import sources
>>> ev = sources.read_ucdp_ged(side_a="Government of Syria", start=2014, end=2014)
>>> len(ev), ev.attrs["dropped"]["side_a"] > 0
(10207, True)
"""

from __future__ import annotations

from safezones.io.control import (
    CONTROL_COLUMNS,
    MAX_CONTROL_BYTES,
    describe_control,
    read_control,
)
from safezones.io.events import (
    ACLED_COLUMNS,
    ACLED_DATE_FORMATS,
    ACLED_SUB_EVENT_TYPES,
    DEFAULT_ACLED_SUB_EVENT_TYPES,
    UCDP_GED_COLUMNS,
    read_acled,
    read_ucdp_ged,
)
from safezones.io.files import PathLike as PathLike
from safezones.io.points import REGION_MARGIN_KM, read_points
from safezones.io.points import OnOutside as OnOutside
from safezones.io.population import (
    PopulationRaster,
    raster_value_problems,
    read_admin_population,
    read_population_raster,
)
from safezones.schema import EVENT_COLUMNS, PRECISION_CLASSES, location_precision
from safezones.schema import DateLike as DateLike
from safezones.schema import in_window as in_window
from safezones.schema import window_bounds as window_bounds

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_DATE_FORMATS",
    "ACLED_SUB_EVENT_TYPES",
    "CONTROL_COLUMNS",
    "DEFAULT_ACLED_SUB_EVENT_TYPES",
    "EVENT_COLUMNS",
    "MAX_CONTROL_BYTES",
    "PRECISION_CLASSES",
    "REGION_MARGIN_KM",
    "UCDP_GED_COLUMNS",
    "PopulationRaster",
    "describe_control",
    "location_precision",
    "raster_value_problems",
    "read_acled",
    "read_admin_population",
    "read_control",
    "read_points",
    "read_population_raster",
    "read_ucdp_ged",
]
