"""Demand: who is displaced, and from where.

The displaced are the people already driven from their homes in the window
(OCHA counted 7.6 million internally displaced Syrians in mid-2014). A zone set
up afterwards can shelter them; it does not undo their displacement, so the
displaced by origin do not depend on the zones. Two modes:

- ``"given"``: a table of displaced people by P-code (district ``SY0200`` or
  governorate ``SY02``); a governorate figure is shared over its districts in
  proportion to their population.
- ``"hazard"`` (InaSAFE-style): each origin's hazard class comes from its strike
  intensity in the window (events per 1,000 km2 per year, see
  :func:`safezones.strike_intensity`); the displaced are its population times
  the class's displacement rate, optionally scaled so the national total
  matches a given figure.

Origins are districts (default), governorates or population cells. With
``"cells"`` each grid cell gets its own hazard class from the events within
:data:`DEFAULT_KERNEL_KM` of it (:func:`safezones.model.overlay.kernel_intensity`),
and results are reported by district. People who live inside a zone
and were not displaced are the zone's *residents*: protected in place, never
counted as arrivals (see :mod:`safezones.model.shelter`).

Examples
--------
>>> import numpy as np
>>> from safezones.model.demand import hazard_class, DEFAULT_THRESHOLDS
>>> hazard_class(np.array([0.0, 9.9, 10.0, 250.0]), DEFAULT_THRESHOLDS).tolist()
[0, 0, 1, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones._plural import agree, plural
from safezones.crs import to_metric
from safezones.defaults import (
    DEFAULT_KERNEL_KM,
    DEFAULT_RATES,
    DEFAULT_THRESHOLDS,
    OCHA_IDPS_MID_2014,
    REFUGEES_ABROAD_END_OF_YEAR,
)
from safezones.errors import DataError, SafeZonesError
from safezones.io.tables import read_displaced_table

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario

__all__ = [
    "DEFAULT_KERNEL_KM",
    "DEFAULT_RATES",
    "DEFAULT_THRESHOLDS",
    "HAZARD_CLASSES",
    "OCHA_IDPS_MID_2014",
    "Origin",
    "assign_origins",
    "basis_sources",
    "bundled_population",
    "displaced_given",
    "displaced_hazard",
    "hazard_class",
    "origin_units",
    "read_displaced_table",
    "scale_to_total",
    "window_basis",
]

Origin = Literal["districts", "governorates", "cells"]

#: Names of the hazard classes, from the least to the most struck.
HAZARD_CLASSES = ("low", "medium", "high")


def _check_classes(thresholds: Sequence[float], rates: Sequence[float]) -> None:
    t = np.asarray(thresholds, dtype=float)
    r = np.asarray(rates, dtype=float)
    problems = []
    if len(r) != len(t) + 1:
        problems.append(
            f"{plural(len(t), 'threshold')} {agree(len(t), 'makes', 'make')} {plural(len(t) + 1, 'hazard class', 'hazard classes')}, "
            f"but {plural(len(r), 'rate')} {agree(len(r), 'is', 'are')} given; give one rate per class"
        )
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        problems.append(f"thresholds must be finite and increasing, got {list(thresholds)}")
    if not np.all((r >= 0) & (r <= 1)):
        problems.append(f"displacement rates must be between 0 and 1, got {list(rates)}")
    if problems:
        raise SafeZonesError(problems)


def hazard_class(intensity: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Hazard class (0 = lowest) of each intensity: the number of thresholds at or below it.

    Examples
    --------
    >>> hazard_class(np.array([5.0, 50.0, 500.0]), (10, 100)).tolist()
    [0, 1, 2]
    """
    values = np.nan_to_num(np.asarray(intensity, dtype=float), nan=0.0)
    return np.asarray(np.searchsorted(np.asarray(thresholds, dtype=float), values, side="right"))


def scale_to_total(
    displaced: np.ndarray, population: np.ndarray, total: float | np.ndarray
) -> np.ndarray:
    """Scale displaced (``..., origins``) so each row adds up to ``total``, capped at population.

    People capped at an origin's population are moved to the other origins in
    proportion, so the total is met whenever the population allows it.

    Examples
    --------
    >>> scale_to_total(np.array([1.0, 1.0]), np.array([10.0, 100.0]), 30.0).tolist()
    [10.0, 20.0]
    """
    d = np.asarray(displaced, dtype=float)
    pop = np.broadcast_to(np.asarray(population, dtype=float), d.shape)
    total_arr = np.broadcast_to(np.asarray(total, dtype=float)[..., None], (*d.shape[:-1], 1))
    out = d.copy()
    capped = np.zeros(d.shape, dtype=bool)
    for _ in range(d.shape[-1] + 1):
        fixed = np.where(capped, out, 0.0).sum(axis=-1, keepdims=True)
        free = np.where(capped, 0.0, out).sum(axis=-1, keepdims=True)
        factor = np.divide(total_arr - fixed, free, out=np.zeros_like(free), where=free > 0)
        out = np.where(capped, out, out * factor)
        over = ~capped & (out > pop)
        if not over.any():
            break
        out = np.where(over, pop, out)
        capped |= over
    return out


def origin_units(level: Origin = "districts") -> gpd.GeoDataFrame:
    """Return the bundled origin units with a ``pcode`` and ``name`` column.

    Examples
    --------
    >>> u = origin_units("governorates")
    >>> len(u), u.pcode.iloc[0]
    (14, 'SY01')
    """
    if level == "districts":
        u = data.districts().rename(columns={"adm2_pcode": "pcode", "adm2_name": "name"})
    elif level == "governorates":
        u = data.governorates().rename(columns={"adm1_pcode": "pcode", "adm1_name": "name"})
    else:
        raise SafeZonesError(f"origin must be 'districts' or 'governorates', not {level!r}")
    return u[["pcode", "name", "area_km2", "geometry"]].reset_index(drop=True)


def assign_origins(cells: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the unit holding each cell's representative point (nearest unit if none).

    The bundled grid follows Natural Earth's outline, OCHA's units their own;
    the few cells in the slivers between them go to the nearest unit.

    Examples
    --------
    >>> cells = data.population_grid().iloc[:3]
    >>> units = origin_units("governorates")
    >>> units.pcode.to_numpy()[assign_origins(cells, units)].tolist() == cells.adm1_pcode.tolist()
    True
    """
    pts = to_metric(cells, what="population").geometry.representative_point().to_numpy()
    polys = to_metric(units, what="origin units").geometry.to_numpy()
    tree = shapely.STRtree(polys)
    pi, ui = tree.query(pts, predicate="within")
    out = np.full(len(pts), -1, dtype=np.int64)
    out[pi[::-1]] = ui[::-1]  # a point on a shared edge goes to the first unit
    lost = np.flatnonzero(out < 0)
    if len(lost):
        out[lost] = tree.nearest(pts[lost])
    return out


def displaced_hazard(
    population: np.ndarray,
    intensity: np.ndarray,
    *,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    rates: Sequence[float] = DEFAULT_RATES,
    national_total: float | None = OCHA_IDPS_MID_2014,
) -> np.ndarray:
    """Displaced per origin: population x the rate of its hazard class, optionally scaled.

    Parameters
    ----------
    population
        People per origin (the last axis; leading axes are draws).
    intensity
        Strike intensity per origin (events per 1,000 km2 per year).
    thresholds, rates
        Class boundaries and one displacement rate per class.
    national_total
        Scale so the displaced add up to this (never more than an origin's
        population); ``None`` keeps the rates' own total.

    Examples
    --------
    >>> pop = np.array([100.0, 100.0, 100.0])
    >>> displaced_hazard(pop, np.array([1.0, 50.0, 500.0]), rates=(0.05, 0.2, 0.5),
    ...                  national_total=None).tolist()
    [5.0, 20.0, 50.0]
    >>> displaced_hazard(pop, np.array([1.0, 50.0, 500.0]), rates=(0.05, 0.2, 0.5),
    ...                  national_total=150).tolist()
    [10.0, 40.0, 100.0]
    """
    _check_classes(thresholds, rates)
    cls = hazard_class(intensity, thresholds)
    d = np.asarray(population, dtype=float) * np.asarray(rates, dtype=float)[cls]
    if national_total is None:
        return np.asarray(d)
    if national_total < 0:
        raise SafeZonesError(f"national_total must be >= 0, got {national_total!r}")
    return scale_to_total(d, population, national_total)


def displaced_given(
    given: pd.Series,
    units: pd.DataFrame,
    population: np.ndarray,
    *,
    source: str | None = None,
) -> np.ndarray:
    """Displaced per origin from a table by P-code (district or governorate codes).

    A governorate's figure is shared over the origin units in it in proportion
    to ``population``; units the table does not name get 0.

    Examples
    --------
    >>> units = pd.DataFrame({"pcode": ["SY0200", "SY0201", "SY0300"]})
    >>> given = pd.Series({"SY02": 300.0, "SY0300": 7.0})
    >>> displaced_given(given, units, np.array([1.0, 2.0, 5.0])).tolist()
    [100.0, 200.0, 7.0]
    """
    codes = units["pcode"].astype(str).to_numpy()
    pop = np.asarray(population, dtype=float)
    out = np.zeros(len(codes))
    unknown = []
    for code, value in given.items():
        code = str(code)
        exact = codes == code
        if exact.any():
            out[exact] += value
            continue
        inside = np.char.startswith(codes.astype(str), code)
        if not inside.any():  # a district figure for governorate origins
            holder = np.array([code.startswith(c) for c in codes], dtype=bool)
            if holder.any():
                out[holder] += value
            else:
                unknown.append(code)
            continue
        weights = pop[inside]
        share = (
            weights / weights.sum()
            if weights.sum() > 0
            else np.full(inside.sum(), 1 / inside.sum())
        )
        out[inside] += value * share
    if unknown:
        raise DataError(
            f"P-codes not among the origin units: {', '.join(unknown[:20])}; use OCHA "
            "district (SY0200) or governorate (SY02) codes",
            source=source,
        )
    return out


def window_basis(cells: gpd.GeoDataFrame, year: int) -> tuple[gpd.GeoDataFrame, str]:
    """Return the pre-war cells less the refugees abroad at the end of ``year``, and a note.

    Every cell loses the same share, the refugees abroad
    (:data:`~safezones.defaults.REFUGEES_ABROAD_END_OF_YEAR`, UNHCR) over the grid's
    people: the split of the refugees by origin is unknown (assumption).

    Examples
    --------
    >>> import geopandas as gpd
    >>> c = gpd.GeoDataFrame({"pop_low": [7.5e6], "pop_central": [1e7], "pop_high": [1.25e7]})
    >>> out, _ = window_basis(c, 2014)
    >>> round(float(out["pop_central"].iloc[0]))  # 10 M less 3,967,139 abroad at the end of 2014
    6032861
    """
    if year not in REFUGEES_ABROAD_END_OF_YEAR:
        known = sorted(REFUGEES_ABROAD_END_OF_YEAR)
        raise SafeZonesError(
            f'population.basis = "window": no count of the refugees abroad at the end of '
            f"{year}; UNHCR's figures bundled cover {known[0]} to {known[-1]} (use basis "
            '"prewar" or a window ending in those years)'
        )
    abroad = float(REFUGEES_ABROAD_END_OF_YEAR[year])
    total = float(cells["pop_central"].sum())
    share = max(0.0, 1.0 - abroad / total) if total > 0 else 1.0
    out = cells.copy()
    for col in ("pop_low", "pop_central", "pop_high"):
        out[col] = out[col].to_numpy(dtype=float) * share
    return out, _basis_note(year)


def _basis_note(year: int) -> str:
    return (
        f"the pre-war grid less the {REFUGEES_ABROAD_END_OF_YEAR[year]:,} refugees abroad at "
        f"the end of {year} (UNHCR Refugee Data Finder, CC BY 4.0), every cell by the same "
        "share (assumption: their origins are unknown)"
    )


def basis_year(sc: Scenario) -> int:
    """Return the year whose end the ``window`` basis counts the refugees abroad at."""
    end = sc.events.end
    return end if isinstance(end, int) else pd.Timestamp(str(end)).year


def bundled_population(sc: Scenario, cells: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str]:
    """Return the bundled grid on the scenario's ``population.basis``, and where it came from."""
    if sc.population.basis != "window":
        return cells, "population_grid (bundled)"
    out, note = window_basis(cells, basis_year(sc))
    return out, f"population_grid (bundled), {note}"


def basis_sources(sc: Scenario) -> list[dict[str, str]]:
    """Return the source entry of the ``window`` basis (none for ``prewar``)."""
    if sc.population.basis != "window" or sc.population.source != "bundled":
        return []
    return [{"layer": "population basis", "source": _basis_note(basis_year(sc)),
             "licence": "CC BY 4.0", "attribution": "UNHCR Refugee Data Finder"}]  # fmt: skip
