"""Scenarios: a validated TOML file -> :func:`run` -> a frozen :class:`ScenarioResult`.

A scenario file lists its zones as ``[[zones]]`` tables, each with an ``id``
and a ``kind`` (``refuge``, ``freeze`` or ``safe``), and optional sections
``population``, ``events``, ``demand``, ``shelter`` and ``uncertainty`` whose
defaults are the documented constants of :mod:`safezones.defaults`. A misspelt key is
an error that names the key and suggests the right one. The format is
:mod:`safezones.config.scenario` (re-exported here: :class:`Scenario`, the ``*Spec``
sections, :func:`apply_overrides`); this module runs scenarios.

Examples
--------
>>> from safezones.scenario import Scenario, run
>>> sc = Scenario.from_dict({
...     "id": "tur-10", "title": "Turkish border, 10 km",
...     "source": {"citation": "example"},
...     "zones": [{"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 10}],
... })
>>> res = run(sc, draws=1)
>>> list(res.totals.columns), bool(res.totals.loc["sheltered", "p50"] > 0)
(['p5', 'p50', 'p95'], True)
>>> deeper = run(sc.with_values({"zones.turkey.depth_km": 30}), draws=1)
>>> bool(deeper.totals.loc["sheltered", "p50"] >= res.totals.loc["sheltered", "p50"])
True
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones._text import (
    people,
)
from safezones.config.keys import apply_overrides
from safezones.config.scenario import DemandSpec as DemandSpec
from safezones.config.scenario import EventsSpec as EventsSpec
from safezones.config.scenario import FreezeZoneSpec as FreezeZoneSpec
from safezones.config.scenario import PopulationSpec as PopulationSpec
from safezones.config.scenario import ProtectionSpec as ProtectionSpec
from safezones.config.scenario import RefugeZoneSpec as RefugeZoneSpec
from safezones.config.scenario import SafeZoneSpec as SafeZoneSpec
from safezones.config.scenario import Scenario, ShelterSpec, ZoneSpec, event_window_bound
from safezones.config.scenario import SourceSpec as SourceSpec
from safezones.config.scenario import UncertaintySection as UncertaintySection
from safezones.crs import to_metric
from safezones.errors import DataError, SafeZonesError, SafeZonesWarning
from safezones.model.comparison import comparison_table
from safezones.model.demand import (
    assign_origins,
    displaced_given,
    hazard_class,
    origin_units,
    read_displaced_table,
    scale_to_total,
)
from safezones.model.metrics import METRICS, QUANTILES
from safezones.model.overlay import (
    events_in_zones,
    kernel_intensity,
    strike_intensity,
)
from safezones.model.population import covered_fraction
from safezones.model.result import ScenarioResult
from safezones.model.shelter import (
    Groups,
    allocate_gravity,
    allocate_optimal,
    capacity,
    cell_distances,
    exposure_index,
    reach_groups,
    safety,
)
from safezones.model.tables import events_in_window as _events_in_window
from safezones.model.tables import flows_table as _flows
from safezones.model.tables import per_origin_table as _per_origin
from safezones.model.tables import per_zone_table as _per_zone
from safezones.model.uncertainty import (
    UncertaintySpec,
    band_values,
    draw_inputs,
    summarise,
)

__all__ = [
    "METRICS",
    "Scenario",
    "ScenarioResult",
    "apply_overrides",
    "compare",
    "comparison_table",
    "run",
    "write_comparison",
]

if TYPE_CHECKING:
    from safezones.export.comparison import comparison_markdown as comparison_markdown
    from safezones.export.comparison import write_comparison

#: Names this module re-exports from above it (export/), imported when first used.
_FROM_EXPORT = ("comparison_markdown", "write_comparison")


def __getattr__(name: str) -> Any:
    """Return the writers of compared results, kept importable from here (a lazy re-export)."""
    if name in _FROM_EXPORT:
        from safezones.export import comparison

        return getattr(comparison, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- run


def _zone_layer(sc: Scenario, z: ZoneSpec) -> gpd.GeoDataFrame:
    """One zone of the scenario, built by its builder (EPSG:4326)."""
    from safezones.model.zones import freeze_zone, refuge_strip, safe_zone

    if isinstance(z, RefugeZoneSpec):
        return refuge_strip(
            z.border, depth_km=z.depth_km, start=z.start, end=z.end, zone_id=z.id, name=z.name
        )
    if isinstance(z, FreezeZoneSpec):
        return freeze_zone(z.place, radius_km=z.radius_km, zone_id=z.id, name=z.name)
    if (z.wkt is None) == (z.path is None):
        raise SafeZonesError("give the safe zone either wkt or path")
    if z.path is not None:
        path = sc.resolve(str(z.path))
        if z.split is not None:
            return safe_zone(path, zone_id=z.id, name=z.name, layer=z.layer, split=z.split)
        return safe_zone(path, zone_id=z.id, name=z.name or z.id, layer=z.layer)
    return safe_zone(z.wkt, zone_id=z.id, name=z.name or z.id)


def _build_zones(sc: Scenario) -> gpd.GeoDataFrame:
    from safezones.model.zones import zone_set

    layers: list[gpd.GeoDataFrame] = []
    problems: list[str] = []
    for z in sc.zones:
        try:
            layers.append(_zone_layer(sc, z))
        except SafeZonesError as err:
            problems.extend(f"zones.{z.id}: {p}" for p in err.problems)
    if problems:
        raise SafeZonesError(problems, source=str(sc.path) if sc.path else None)
    zones = zone_set(layers)
    per_spec = [len(layer) for layer in layers]  # a split safe zone gives several
    zones["protection"] = np.repeat(_protection(sc), per_spec)
    zones["capacity_given"] = [z.capacity for z, n in zip(sc.zones, per_spec, strict=True)
                               for _ in range(n)]  # fmt: skip
    return zones


def _protection(sc: Scenario) -> list[float]:
    """Each zone's protection: its own, else the default of its kind."""
    prot = sc.shelter.protection
    return [z.protection if z.protection is not None else getattr(prot, z.kind) for z in sc.zones]


def _population(sc: Scenario) -> tuple[gpd.GeoDataFrame, str]:
    from safezones.io import sources

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
            layer = sources.read_admin_population(
                path, pcode=spec.pcode, population=spec.column, relative_band=spec.relative_band
            )
        elif fmt == "raster":
            layer = _raster_cells(sources.read_population_raster(path), spec.relative_band)
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


def _raster_cells(raster: Any, band: tuple[float, float] | None) -> gpd.GeoDataFrame:
    """A population raster summed into blocks of about 1 km, as points."""
    import rasterio

    from safezones.io.sources import raster_value_problems

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


@cache
def _bundled_cells() -> gpd.GeoDataFrame:
    return to_metric(data.population_grid(), what="population")


@cache
def _bundled_origins(level: str) -> np.ndarray:
    out = assign_origins(_bundled_cells(), origin_units(level))  # type: ignore[arg-type]
    out.flags.writeable = False
    return out


@cache
def _bundled_kernel(radius_km: float, window: tuple[tuple[str, Any], ...]) -> np.ndarray:
    ki = kernel_intensity(_bundled_cells(), data.events(), radius_km=radius_km, **dict(window))
    out = ki["events_per_1000km2_year"].to_numpy(dtype=float)
    out.flags.writeable = False
    return out


@cache
def _bundled_intensity(level: str, window: tuple[tuple[str, Any], ...]) -> np.ndarray:
    si = strike_intensity(origin_units(level), data.events(), **dict(window))  # type: ignore[arg-type]
    out = si["events_per_1000km2_year"].to_numpy(dtype=float)
    out.flags.writeable = False
    return out


def _events(sc: Scenario) -> tuple[gpd.GeoDataFrame, str]:
    from safezones.io import sources

    spec = sc.events
    if spec.source == "bundled":
        return data.events(), "events (bundled UCDP GED)"
    path = sc.resolve(spec.source)
    readers: dict[str, Callable[..., gpd.GeoDataFrame]] = {
        "ucdp": sources.read_ucdp_ged,
        "acled": sources.read_acled,
        "points": sources.read_points,
    }
    kw: dict[str, Any] = {}
    if spec.format == "acled" and spec.sub_event_types is not None:
        kw["sub_event_types"] = None if spec.sub_event_types == "all" else spec.sub_event_types
    try:
        return readers[spec.format](path, **kw), str(path)
    except SafeZonesError as err:
        raise _under("events.source", err, path) from None


def _under(key: str, err: SafeZonesError, path: Path) -> SafeZonesError:
    """The same problems, each prefixed with the scenario key that named the file."""
    return type(err)([f"{key}: {p}" for p in err.problems], source=err.source or str(path))


def _window(value: int | dt.date | str) -> int | str:
    return value if isinstance(value, int) else str(value)


@dataclass(frozen=True)
class _Prepared:
    """Everything a scenario's draws share: geometry, origins, reach groups, residents."""

    zones: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    events: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame  # the population layer in PROJECT_CRS
    sources: list[dict[str, str]]
    window: dict[str, Any]
    n_cells: int
    opop: np.ndarray  # (O, 3) population bands per origin
    intensity: np.ndarray  # (O,) events per 1,000 km2 per year
    zone_events: pd.DataFrame  # events_in_zones of the window
    exposure: np.ndarray  # (Z,)
    groups: Groups  # people of one origin and hazard class who reach the same zones
    group_class: np.ndarray  # (G,) hazard class of each group (0 in mode "given")
    gpop: np.ndarray  # (G, 3) population bands per group
    res_zg: np.ndarray  # (Z, G, 3) residents of each zone by group, bands
    res_g: np.ndarray  # (G, 3) residents of any zone by group, bands


@dataclass(frozen=True)
class _Base:
    """What every zone set of a scenario shares: cells, origins, hazard classes, events."""

    cells: gpd.GeoDataFrame  # in PROJECT_CRS
    sources: list[dict[str, str]]
    events: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    bands: np.ndarray  # (C, 3) population bands per cell
    of_cell: np.ndarray  # (C,) origin of each cell
    cls_cell: np.ndarray  # (C,) hazard class of each cell (0 in mode "given")
    n_cls: int
    opop: np.ndarray  # (O, 3)
    intensity: np.ndarray  # (O,)
    ev_kw: dict[str, Any]  # the events window and filters, as overlay functions take them


def _gathered(sc: Scenario, *steps: Callable[[], Any]) -> list[Any]:
    """Run every step, and raise the problems of all that failed at once.

    One failing step raises its own error unchanged; several raise one
    :class:`SafeZonesError` listing each problem under the file it is in.
    """
    where = str(sc.path) if sc.path else None
    out: list[Any] = []
    errors: list[SafeZonesError] = []
    for step in steps:
        try:
            out.append(step())
        except SafeZonesError as err:
            errors.append(err)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        problems = [_in_file(p, err.source, where) for err in errors for p in err.problems]
        raise SafeZonesError(problems, source=where)
    return out


def _in_file(problem: str, source: str | None, where: str | None) -> str:
    """``population.source: FILE: problem``: the problem with the file it is in."""
    if not source or source == where:
        return problem
    key, sep, rest = problem.partition(": ")
    if sep and key.endswith(".source"):
        return f"{key}: {source}: {rest}"
    return f"{source}: {problem}"


def _check_population_total(sc: Scenario, cells: gpd.GeoDataFrame, pop_source: str) -> None:
    """Warn when the national displaced total exceeds the people of a user layer."""
    dem = sc.demand
    if (
        dem.mode != "hazard"
        or not dem.scale_to_national_total
        or dem.national_total is None
        or sc.population.source == "bundled"
    ):
        return
    held = float(cells["pop_central"].sum())
    if dem.national_total <= held:
        return
    ratio = f"{dem.national_total / held:,.1f}x" if held > 0 else "no people in the layer"
    warnings.warn(
        f"population.source {pop_source} holds {people(held)} people but "
        f"demand.national_total is {people(dem.national_total)} ({ratio}), so everyone "
        "in it is counted as displaced: set demand.national_total to the displaced of the "
        "layer's area, or scale_to_national_total = false",
        SafeZonesWarning,
        stacklevel=2,
    )


def _check_window(sc: Scenario, events: gpd.GeoDataFrame, ev_source: str) -> None:
    """Refuse a window with no overlap with the events' dates; warn when it has years without."""
    if "date_start" not in events.columns or not len(events):
        return
    first, last = events["date_start"].min(), events["date_end"].max()
    if pd.isna(first) or pd.isna(last):
        return
    lo = event_window_bound(sc.events.start, end=False)
    hi = event_window_bound(sc.events.end, end=True)
    window = f"events.start/events.end: the window {lo.date()} to {hi.date()}"
    label = "bundled UCDP GED" if sc.events.source == "bundled" else ev_source
    held = f"the events ({label}) run from {first.date()} to {last.date()}"
    if hi < first or lo > last:
        raise SafeZonesError(
            f"{window} holds no events: {held}; choose events.start and events.end within them",
            source=str(sc.path) if sc.path else None,
        )
    if lo.year < first.year or hi.year > last.year:  # a whole year of the window is empty
        warnings.warn(
            f"{window} reaches beyond the events' years: {held}, and strikes are counted per "
            "year of the window, so the years without data count as years without strikes; "
            "narrow the window to the events' years",
            SafeZonesWarning,
            stacklevel=2,
        )


def _base(sc: Scenario) -> _Base:
    """Cells, origins and hazard classes of a scenario: no zone geometry involved."""
    bundled_pop = sc.population.source == "bundled"

    def population() -> tuple[gpd.GeoDataFrame, str]:
        if bundled_pop:
            return _bundled_cells(), "population_grid (bundled)"
        layer, where = _population(sc)
        return to_metric(layer, what="population"), where

    (cells, pop_source), (events, ev_source) = _gathered(sc, population, lambda: _events(sc))
    _check_window(sc, events, ev_source)
    _check_population_total(sc, cells, pop_source)
    dem = sc.demand
    level = "districts" if dem.origin == "cells" else dem.origin  # cells report by district
    units = origin_units(level)
    n_o = len(units)
    bands = cells[["pop_low", "pop_central", "pop_high"]].to_numpy(dtype=float)

    # origins: which unit each cell belongs to, and the origin populations (bands)
    of_cell = _bundled_origins(level) if bundled_pop else assign_origins(cells, units)
    opop = np.column_stack([np.bincount(of_cell, bands[:, j], n_o) for j in range(3)])

    # strike intensity per origin and per cell, in the window
    ev_kw: dict[str, Any] = {"start": _window(sc.events.start), "end": _window(sc.events.end),
                             "imprecise": sc.events.imprecise,
                             "max_precision": sc.events.max_precision}  # fmt: skip
    if sc.events.source == "bundled":
        intensity = _bundled_intensity(level, tuple(sorted(ev_kw.items())))
    else:
        intensity = strike_intensity(units, events, **ev_kw)["events_per_1000km2_year"].to_numpy()
    if dem.mode == "given":
        cls_cell = np.zeros(len(cells), dtype=np.int64)
    elif dem.origin == "cells":  # each cell's own class, from the events around it
        if bundled_pop and sc.events.source == "bundled":
            ki = _bundled_kernel(dem.kernel_km, tuple(sorted(ev_kw.items())))
        else:
            ki = kernel_intensity(cells, events, radius_km=dem.kernel_km, **ev_kw)[
                "events_per_1000km2_year"
            ].to_numpy()
        cls_cell = hazard_class(ki, dem.thresholds)
    else:
        cls_cell = hazard_class(intensity, dem.thresholds)[of_cell]
    return _Base(
        cells=cells, sources=_sources(sc, pop_source, ev_source), events=events, units=units,
        bands=bands, of_cell=of_cell, cls_cell=cls_cell, n_cls=len(dem.rates), opop=opop,
        intensity=intensity, ev_kw=ev_kw,
    )  # fmt: skip


def _groups(base: _Base, dist: np.ndarray, shelter: ShelterSpec) -> tuple[Groups, np.ndarray]:
    """Reach groups (origin, hazard class, zones reached) and each group's class."""
    n_cls = base.n_cls
    keyed = reach_groups(base.of_cell * n_cls + base.cls_cell, dist, base.bands[:, 1],
                         max_travel_km=shelter.max_travel_km,
                         detour_factor=shelter.detour_factor)  # fmt: skip
    groups = Groups(of_cell=keyed.of_cell, origin=keyed.origin // n_cls, reach=keyed.reach,
                    distance_km=keyed.distance_km)  # fmt: skip
    return groups, keyed.origin % n_cls


def _prepare(sc: Scenario) -> _Prepared:
    """The geometry of a scenario, done once for all its draws."""
    base, zones = _gathered(sc, lambda: _base(sc), lambda: _build_zones(sc))
    cells, bands = base.cells, base.bands
    n_z = len(zones)
    zone_ev = events_in_zones(zones, base.events, **base.ev_kw)
    exposure = exposure_index(
        zone_ev["events_per_1000km2_year"].to_numpy(), sc.shelter.exposure_reference
    )

    # reach: distances from every cell to every zone, grouped by origin and reach set
    groups, group_class = _groups(base, cell_distances(cells, zones), sc.shelter)
    n_g = len(groups.origin)
    gpop = np.column_stack([np.bincount(groups.of_cell, bands[:, j], n_g) for j in range(3)])

    # residents: each cell's share inside each zone, and inside any zone (bands per origin)
    zm = to_metric(zones, what="zones").geometry.to_numpy()
    cgeom = cells.geometry.to_numpy()
    zi, ci = gpd.GeoSeries(cgeom).sindex.query(zm, predicate="intersects")
    frac = covered_fraction(zm, cgeom, zi, ci)
    res_zg = np.zeros((n_z, n_g, 3))
    for j in range(3):
        np.add.at(res_zg[:, :, j], (zi, groups.of_cell[ci]), bands[ci, j] * frac)
    whole = np.array([shapely.union_all(zm)])
    ui, uci = gpd.GeoSeries(cgeom).sindex.query(whole, predicate="intersects")
    ufrac = covered_fraction(whole, cgeom, ui, uci)
    res_g = np.column_stack([np.bincount(groups.of_cell[uci], bands[uci, j] * ufrac, n_g)
                             for j in range(3)])  # fmt: skip
    start, end = base.ev_kw["start"], base.ev_kw["end"]
    return _Prepared(
        zones=zones, units=base.units, events=_events_in_window(base.events, start, end),
        cells=cells, sources=base.sources,
        window={"start": start, "end": end, "years": zone_ev.attrs.get("years")},
        n_cells=len(cells), opop=base.opop, intensity=base.intensity, zone_events=zone_ev,
        exposure=exposure, groups=groups, group_class=group_class, gpop=gpop, res_zg=res_zg,
        res_g=res_g,
    )  # fmt: skip


def _sources(sc: Scenario, pop_source: str, ev_source: str) -> list[dict[str, str]]:
    """The bundled layers a run used, with licences, then user files and the scenario."""
    prov = data.provenance()
    used = ["countries", "borders", sc.demand.origin]
    if sc.population.source == "bundled":
        used.append("population_grid")
    if sc.events.source == "bundled":
        used.append("events")
    if any(isinstance(z, FreezeZoneSpec) for z in sc.zones):
        used.append("places")
    out = [
        {"layer": u, "source": str(prov.loc[u, "source"]), "licence": str(prov.loc[u, "licence"]),
         "attribution": str(prov.loc[u, "attribution"])}
        for u in used
        if u in prov.index
    ]  # fmt: skip
    if sc.population.source != "bundled":
        out.append({"layer": "population", "source": pop_source})
    if sc.events.source != "bundled":
        out.append({"layer": "events", "source": ev_source})
    out.append({"layer": "scenario", "source": sc.source.citation, "url": sc.source.url or ""})
    return out


def _displaced(
    sc: Scenario, prep: _Prepared, dr: Any, pop_g: np.ndarray, pop_o: np.ndarray
) -> np.ndarray:
    """Displaced per draw and group, ``(draws, groups)``."""
    dem = sc.demand
    if dem.mode == "hazard":
        rate = np.clip(np.asarray(dem.rates)[None, :] * dr.rate_factor, 0.0, 1.0)
        displaced = pop_g * rate[:, prep.group_class]
        if dem.scale_to_national_total and dem.national_total is not None:
            displaced = scale_to_total(displaced, pop_g, dem.national_total * dr.national_factor)
        return np.asarray(displaced)
    table_path = sc.resolve(str(dem.table))
    given = read_displaced_table(table_path, pcode=dem.pcode, column=dem.column)
    base = displaced_given(given, prep.units, prep.opop[:, 1], source=str(table_path))
    origin = prep.groups.origin
    share = np.divide(pop_g, pop_o[:, origin], out=np.zeros_like(pop_g), where=pop_o[:, origin] > 0)
    return np.asarray(base[origin][None, :] * share * dr.national_factor[:, None])


def run(
    scenario: Scenario | str | Path,
    *,
    draws: int | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScenarioResult:
    """Score a scenario: displaced, sheltered, residents protected, unmet, capacity, safe.

    Parameters
    ----------
    scenario
        A :class:`Scenario` or the path of a scenario TOML file.
    draws, seed
        Monte Carlo draws and seed; default to the scenario's ``[uncertainty]``
        values. ``draws=1`` is the deterministic central case.
    progress
        Called as ``progress(done, total)`` while the draws are allocated.

    Returns
    -------
    ScenarioResult

    Notes
    -----
    Geometry is done once: zones, the population cells' distances to every
    zone, the groups of people with the same reach, residents per zone. Draws
    then only change numbers (population within its bands, displacement rates,
    national total, site area per person, protection), vectorised over draws;
    ``optimal`` solves one small linear program per draw.
    """
    sc = scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)
    n_draws = int(draws if draws is not None else sc.uncertainty.draws)
    rng_seed = int(seed if seed is not None else sc.uncertainty.seed)
    if n_draws < 1:
        raise SafeZonesError(f"draws must be >= 1, got {n_draws}")
    if rng_seed < 0:
        raise SafeZonesError(f"seed must be >= 0 (a numpy seed), got {rng_seed}")
    prep = _prepare(sc)
    zones, groups = prep.zones, prep.groups
    n_z, n_o, n_g = len(zones), len(prep.units), len(groups.origin)

    unc = sc.uncertainty
    spec = UncertaintySpec(
        rate_spread=unc.rate_spread, national_total_spread=unc.national_total_spread,
        site_area_low_m2=unc.site_area_low_m2, site_area_high_m2=unc.site_area_high_m2,
        protection_spread=unc.protection_spread, population_bands=unc.population_bands,
    )  # fmt: skip
    dr = draw_inputs(spec, draws=n_draws, n_classes=len(sc.demand.rates), seed=rng_seed,
                     site_area_central_m2=sc.shelter.site_area_per_person_m2)  # fmt: skip
    t = dr.population_t

    # demand: displaced per group (origin, hazard class, reach), and per origin
    pop_o = band_values(prep.opop[:, 0], prep.opop[:, 1], prep.opop[:, 2], t)  # (n, O)
    gp = band_values(prep.gpop[:, 0], prep.gpop[:, 1], prep.gpop[:, 2], t)  # (n, G)
    demand = _displaced(sc, prep, dr, gp, pop_o)  # (n, G)
    displaced = np.zeros((n_draws, n_o))
    np.add.at(displaced.T, groups.origin, demand.T)
    share_displaced = np.clip(np.divide(demand, gp, out=np.zeros_like(demand), where=gp > 0),
                              0.0, 1.0)  # fmt: skip

    # shelter: capacity, safety, allocation
    cap = capacity(zones["area_km2"].to_numpy(dtype=float),
                   usable_fraction=sc.shelter.usable_fraction,
                   site_area_per_person_m2=dr.site_area_per_person_m2[:, None],
                   explicit=list(zones["capacity_given"]))  # fmt: skip
    cap = np.array(np.broadcast_to(cap, (n_draws, n_z)))
    protection = np.clip(zones["protection"].to_numpy(float)[None, :]
                         + dr.protection_shift[:, None], 0.0, 1.0)  # fmt: skip
    safe = safety(prep.exposure[None, :], protection)  # (n, Z)
    if sc.shelter.allocation == "optimal":
        done = [0]

        def tick(k: int) -> None:
            done[0] += k
            if progress is not None:
                progress(done[0], n_draws)

        flows = allocate_optimal(demand, cap, groups.reach, groups.distance_km, progress=tick)
    else:
        flows = allocate_gravity(demand, cap, groups.reach, groups.distance_km, safe,
                                 decay=sc.shelter.distance_decay,
                                 outside_option=sc.shelter.outside_option)  # fmt: skip
        if progress is not None:
            progress(n_draws, n_draws)
    flows = np.asarray(flows).reshape(n_draws, n_g, n_z)

    # population: everyone living in the zone; residents protected: those not displaced
    flat = prep.res_zg.reshape(n_z * n_g, 3)
    res_zg = band_values(flat[:, 0], flat[:, 1], flat[:, 2], t).reshape(n_draws, n_z, n_g)
    population_z = res_zg.sum(axis=2)
    residents_z = (res_zg * (1.0 - share_displaced[:, None, :])).sum(axis=2)
    res_u = band_values(prep.res_g[:, 0], prep.res_g[:, 1], prep.res_g[:, 2], t)
    residents_total = (res_u * (1.0 - share_displaced)).sum(axis=1)

    arrivals = flows.sum(axis=1)  # (n, Z)
    samples = pd.DataFrame({
        "displaced": displaced.sum(axis=1),
        "sheltered": arrivals.sum(axis=1),
        "residents_protected": residents_total,
        "unmet": np.maximum(displaced.sum(axis=1) - arrivals.sum(axis=1), 0.0),
        "capacity": cap.sum(axis=1),
        "sheltered_safe": (arrivals * safe).sum(axis=1),
    })  # fmt: skip
    samples.index.name = "draw"
    totals = pd.DataFrame(
        summarise(samples.to_numpy()), index=list(METRICS), columns=list(QUANTILES)
    )

    flows_o = np.zeros((n_draws, n_o, n_z))
    np.add.at(flows_o.transpose(1, 0, 2), groups.origin, flows.transpose(1, 0, 2))
    detail = {"displaced": displaced, "flows": flows_o, "capacity": cap,
              "sheltered": arrivals, "safety": safe, "population": population_z,
              "residents_protected": residents_z,
              "population_total": res_u.sum(axis=1)}  # fmt: skip
    for arr in detail.values():
        arr.flags.writeable = False
    provenance = {
        "scenario_file": str(sc.path) if sc.path else None,
        "citation": sc.source.citation,
        "assumptions": list(sc.assumptions),
        "parameters": sc.parameters(),
        "sources": prep.sources,
        "window": prep.window,
        "draws": n_draws,
        "seed": rng_seed,
        "allocation": sc.shelter.allocation,
        "safezones_version": version("safezones"),
        "groups": n_g,
        "cells": prep.n_cells,
    }
    return ScenarioResult(
        scenario=sc,
        zones=zones,
        per_zone=_per_zone(prep, safe, population_z, residents_z, cap, arrivals),
        per_origin=_per_origin(sc, prep, displaced, flows_o),
        flows=_flows(prep, flows_o, flows),
        totals=totals,
        samples=samples,
        provenance=provenance,
        events=prep.events,
        detail=detail,
        population_cells=prep.cells,
    )


# ---------------------------------------------------------------- compare


def check_distinct_ids(scenarios: Sequence[Scenario]) -> None:
    """Refuse scenarios that share an id: compared results are keyed by it.

    Examples
    --------
    >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
    ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
    >>> check_distinct_ids([sc, sc])
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: scenario ids must differ to be compared; repeated: x
    """
    ids = [sc.id for sc in scenarios]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SafeZonesError(f"scenario ids must differ to be compared; repeated: {', '.join(dup)}")


def compare(
    scenarios: Iterable[Scenario | str | Path],
    *,
    draws: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    progress: Callable[[str, int, int], None] | None = None,
) -> list[ScenarioResult]:
    """Run several scenarios with the same draws, seed and overrides.

    ``progress`` is called as ``progress(scenario_id, done, total)``.

    Examples
    --------
    >>> a = Scenario.from_dict({"id": "a", "title": "a", "source": {"citation": "c"},
    ...     "zones": [{"id": "z", "kind": "freeze", "place": "Aleppo", "radius_km": 10}]})
    >>> rs = compare([a, a.with_values({"id": "b", "zones.z.radius_km": 20})], draws=1)
    >>> comparison_table(rs)[["scenario", "capacity_p50"]].round(-3).values.tolist()
    [['a', 70000.0], ['b', 279000.0]]
    """
    ov: Mapping[str, Any] | list[str] = (
        dict(overrides) if isinstance(overrides, Mapping) else list(overrides)
    )
    parsed = [
        (item.with_values(ov) if ov else item)
        if isinstance(item, Scenario)
        else Scenario.from_toml(item, overrides=ov)
        for item in scenarios
    ]  # every file is checked before the first run
    check_distinct_ids(parsed)
    results = []
    for sc in parsed:

        def tick(done: int, total: int, sid: str = sc.id) -> None:
            if progress is not None:
                progress(sid, done, total)

        results.append(run(sc, draws=draws, seed=seed, progress=tick))
    return results
