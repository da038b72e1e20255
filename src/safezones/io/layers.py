"""The population and events layers a scenario names, read from its files (or bundled).

The model prepares arrays from layers it is given (:mod:`safezones.model.prepare`);
this module is where a scenario's ``population.source``, ``events.source``,
``control.source`` and ``demand.table`` are opened, with each problem named
under the key that named the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safezones import data
from safezones.errors import DataError, SafeZonesError
from safezones.io.control import read_control
from safezones.io.events import read_acled, read_ucdp_ged
from safezones.io.points import read_points
from safezones.io.population import (
    raster_value_problems,
    read_admin_population,
    read_population_raster,
)
from safezones.io.tables import read_displaced_table

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario

__all__ = [
    "BUNDLED_CONTROL_DATES",
    "control_layer",
    "displaced_table",
    "events_layer",
    "population_layer",
    "raster_cells",
]

#: The dates of the bundled control snapshots as the source labels them (1 January
#: of each label; what each shows is an inference, see ``data/PROVENANCE.md``:
#: "2014" early 2014, "2015" late 2014).
BUNDLED_CONTROL_DATES = {"2014": pd.Timestamp("2014-01-01"), "2015": pd.Timestamp("2015-01-01")}


def population_layer(sc: Scenario) -> tuple[gpd.GeoDataFrame, str]:
    """Return the population layer of ``sc`` and where it came from (bundled, or its file)."""
    spec = sc.population
    if spec.source == "bundled":
        return data.population_grid(), "population_grid (bundled)"
    path = sc.resolve(spec.source)
    where = str(sc.path) if sc.path else None
    if not path.exists():
        raise DataError(f"population.source: no such file {str(path)!r}", source=where)
    fmt = spec.format or {".csv": "admin", ".tif": "raster", ".tiff": "raster"}.get(
        path.suffix.lower(), "vector"
    )
    try:
        if fmt == "admin":
            layer = read_admin_population(
                path, pcode=spec.pcode, population=spec.column, relative_band=spec.relative_band
            )
        elif fmt == "raster":
            layer = raster_cells(read_population_raster(path), spec.relative_band)
        else:
            layer = gpd.read_file(path)
            missing = [c for c in ("pop_low", "pop_central", "pop_high") if c not in layer]
            if missing:
                raise DataError(f"the layer lacks the columns {missing}", source=str(path))
    except SafeZonesError as err:
        raise _under("population.source", err, path) from None
    except (OSError, ValueError, RuntimeError) as err:  # a file GDAL or pandas cannot read
        raise DataError(
            f"population.source: cannot read {str(path)!r} as {fmt}: {err}", source=where
        ) from None
    return layer, str(path)


def raster_cells(raster: Any, band: tuple[float, float] | None) -> gpd.GeoDataFrame:
    """Sum a population raster into blocks of about 1 km, as points."""
    import rasterio

    with rasterio.open(raster.path) as ds:
        masked = ds.read(raster.band, masked=True)
        transform = ds.transform
    problems = raster_value_problems(masked, nodata=raster.nodata)
    if problems:
        raise DataError(problems, source=str(raster.path))
    arr = masked.astype(float).filled(0.0)
    arr[~np.isfinite(arr)] = 0.0
    res = abs(transform.a) * (111_000 if raster.crs.is_geographic else 1)
    k = max(1, round(1000 / res))
    h, w = (arr.shape[0] + k - 1) // k * k, (arr.shape[1] + k - 1) // k * k
    padded = np.zeros((h, w))
    padded[: arr.shape[0], : arr.shape[1]] = arr
    blocks = padded.reshape(h // k, k, w // k, k).sum(axis=(1, 3))
    r, c = np.nonzero(blocks > 0)
    xs, ys = transform * (c * k + k / 2, r * k + k / 2)
    pop = blocks[r, c]
    lo, hi = band or (1.0, 1.0)
    return gpd.GeoDataFrame(
        {"pop_low": pop * lo, "pop_central": pop, "pop_high": pop * hi},
        geometry=gpd.points_from_xy(xs, ys),
        crs=raster.crs,
    )


def events_layer(sc: Scenario) -> tuple[gpd.GeoDataFrame, str]:
    """Return the events layer of ``sc`` and where it came from (bundled, or its file)."""
    spec = sc.events
    if spec.source == "bundled":
        return data.events(), "events (bundled UCDP GED)"
    path = sc.resolve(spec.source)
    readers: dict[str, Callable[..., gpd.GeoDataFrame]] = {
        "ucdp": read_ucdp_ged,
        "acled": read_acled,
        "points": read_points,
    }
    kw: dict[str, Any] = {}
    if spec.format == "acled" and spec.sub_event_types is not None:
        kw["sub_event_types"] = None if spec.sub_event_types == "all" else spec.sub_event_types
    try:
        return readers[spec.format](path, **kw), str(path)
    except SafeZonesError as err:
        raise _under("events.source", err, path) from None


def control_layer(sc: Scenario) -> tuple[gpd.GeoDataFrame, str]:
    """Return the control layer of ``sc`` and where it came from (bundled, or its file).

    A file (``control.source``, relative to the scenario's folder) is read with
    :func:`safezones.io.control.read_control` (``control.layer`` choosing among a
    GeoPackage's layers): columns ``actor``, ``date``, ``geometry``, EPSG:4326.
    Its problems are prefixed ``control.source: FILE:``. The bundled Syria
    Conflict Mapping Project points (:func:`safezones.data.control`) come with a
    ``date`` column too (:data:`BUNDLED_CONTROL_DATES`) beside their ``snapshot``.

    Examples
    --------
    >>> from safezones.config.scenario import Scenario
    >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
    ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
    >>> layer, where = control_layer(sc)
    >>> where, sorted(layer.snapshot.unique()), str(layer.date.max().date())
    ('control (bundled Syria Conflict Mapping Project)', ['2014', '2015'], '2015-01-01')
    """
    spec = sc.control
    if spec.source == "bundled":
        layer = data.control()
        layer.insert(1, "date", layer["snapshot"].map(BUNDLED_CONTROL_DATES))
        return layer, "control (bundled Syria Conflict Mapping Project)"
    path = sc.resolve(spec.source)
    where = str(sc.path) if sc.path else None
    if not path.exists():
        raise DataError(
            f"control.source: no such file {str(path)!r}; give a control layer (points or "
            'polygons with actor and date) or source = "bundled"',
            source=where,
        )
    try:
        return read_control(path, layer=spec.layer), str(path)
    except SafeZonesError as err:  # "scenario.toml: control.source: FILE: problem"
        lead = f"control.source: {err.source}: " if err.source else "control.source: "
        raise type(err)([lead + p for p in err.problems], source=where) from None


def _under(key: str, err: SafeZonesError, path: Path) -> SafeZonesError:
    """Return the same problems, each prefixed with the scenario key that named the file."""
    return type(err)([f"{key}: {p}" for p in err.problems], source=err.source or str(path))


def displaced_table(sc: Scenario) -> tuple[pd.Series, str]:
    """Return the table of displaced by origin of ``demand.table``, and its path."""
    dem = sc.demand
    path = sc.resolve(str(dem.table))
    return read_displaced_table(path, pcode=dem.pcode, column=dem.column), str(path)
