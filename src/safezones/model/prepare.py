"""Prepare a scenario's arrays: zones, cells, origins, hazard classes, reach groups.

Everything a scenario's draws share is computed here once, from layers read
elsewhere: the caller passes :class:`Readers` (``safezones.io.layers``), so
the model opens no file of its own. :mod:`safezones.model.score` then scores
the draws from these arrays.

Threat and control (issue 18):

- events are attributed to actors (:func:`safezones.model.threat.attribute_events`);
  the **threat** events (those of ``threat.actors``) drive strike intensity per
  origin, the cells' kernel, the hazard classes, each zone's exposure and the
  civilian death rates; every actor's events are kept beside them
  (``Prepared.zone_events_all``);
- the **control surface** (:func:`scenario_surface`) gives each cell, origin and
  zone part its actor; zones may be cut to land not held by
  ``control.exclude_held_by``; reach counts the front lines crossed
  (:func:`safezones.model.shelter.reach_groups`);
- each zone's protection is its threat actors', weighted by their events in
  the zone (:func:`zone_protection`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones._text import people
from safezones.crs import to_metric
from safezones.errors import SafeZonesError, SafeZonesWarning
from safezones.model.control import zone_control
from safezones.model.demand import (
    assign_origins,
    basis_sources,
    bundled_population,
    displaced_given,
    hazard_class,
    origin_units,
)
from safezones.model.ground import (
    bundled_events,
    bundled_threat,
    cell_actors,
    cell_points,
    civ_rate,
    control_frame,
    cut,
    origin_actors,
    scenario_surface,
    threat_events,
    threat_key,
    window_value,
    zone_crossings,
    zone_protection,
)
from safezones.model.overlay import (
    actor_events,
    events_in_zones,
    kernel_intensity,
    strike_intensity,
)
from safezones.model.population import covered_fraction
from safezones.model.shelter import (
    Groups,
    cell_distances,
    exposure_index,
    home_zones,
    reach_groups,
)
from safezones.model.threat import attribute_events, combined_protection, protection_by_actor
from safezones.schema import in_window, window_bounds

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario, ShelterSpec, ZoneSpec
    from safezones.model.control import ControlSurface
    from safezones.model.uncertainty import Reach

__all__ = [
    "Base",
    "Cover",
    "Prepared",
    "Readers",
    "build_zones",
    "bundled_cells",
    "check_base",
    "check_population_total",
    "check_window",
    "events_in_window",
    "finish",
    "gathered",
    "given_displaced",
    "group_cells",
    "group_people",
    "grouped",
    "prepare",
    "prepare_base",
    "prepare_parts",
    "protection",
    "source_list",
    "widest_reach_km",
    "window_value",
    "zone_layer",
]


@dataclass(frozen=True)
class Readers:
    """Where a scenario's layers are read (``safezones.io.layers``): each takes the scenario.

    ``population``, ``events`` and ``control`` return a layer and where it came
    from (``control``: columns ``actor``, ``date``, ``geometry``, points or
    polygons, for ``control.source`` a file); ``displaced`` the table of
    displaced by origin of ``demand.mode = "given"`` and its path.
    """

    population: Callable[[Scenario], tuple[gpd.GeoDataFrame, str]]
    events: Callable[[Scenario], tuple[gpd.GeoDataFrame, str]]
    displaced: Callable[[Scenario], tuple[pd.Series, str]]
    control: Callable[[Scenario], tuple[gpd.GeoDataFrame, str]]


def zone_layer(sc: Scenario, z: ZoneSpec) -> gpd.GeoDataFrame:
    """Build one zone of the scenario with its builder (EPSG:4326)."""
    from safezones.model.zones import freeze_zone, refuge_strip, safe_zone

    if z.kind == "refuge":
        return refuge_strip(
            z.border, depth_km=z.depth_km, start=z.start, end=z.end, zone_id=z.id, name=z.name
        )
    if z.kind == "freeze":
        return freeze_zone(z.place, radius_km=z.radius_km, zone_id=z.id, name=z.name)
    if (z.wkt is None) == (z.path is None):
        raise SafeZonesError("give the safe zone either wkt or path")
    if z.path is not None:
        path = sc.resolve(str(z.path))
        if z.split is not None:
            return safe_zone(path, zone_id=z.id, name=z.name, layer=z.layer, split=z.split)
        return safe_zone(path, zone_id=z.id, name=z.name or z.id, layer=z.layer)
    return safe_zone(z.wkt, zone_id=z.id, name=z.name or z.id)


def build_zones(
    sc: Scenario, layer: Callable[[Scenario, ZoneSpec], gpd.GeoDataFrame] | None = None
) -> gpd.GeoDataFrame:
    """Build every zone of the scenario, with its protection and given capacity.

    ``layer`` builds one zone (default :func:`zone_layer`; the engine passes its cache).
    The problems of every zone that cannot be built are raised at once. The
    zones are not cut yet (:func:`safezones.model.ground.cut` does, with
    ``control.exclude_held_by``). ``protection`` here weighs the threat actors
    equally; :func:`prepare` replaces it by
    :func:`~safezones.model.ground.zone_protection` (weighted by each actor's
    events in the zone).
    """
    from safezones.model.zones import zone_set

    build = zone_layer if layer is None else layer
    layers: list[gpd.GeoDataFrame] = []
    problems: list[str] = []
    for z in sc.zones:
        try:
            layers.append(build(sc, z))
        except SafeZonesError as err:
            problems.extend(f"zones.{z.id}: {p}" for p in err.problems)
    if problems:
        raise SafeZonesError(problems, source=str(sc.path) if sc.path else None)
    zones = zone_set(layers)
    per_spec = [len(layer) for layer in layers]  # a split safe zone gives several
    zones["protection"] = np.repeat(protection(sc), per_spec)
    zones["capacity_given"] = [z.capacity for z, n in zip(sc.zones, per_spec, strict=True)
                               for _ in range(n)]  # fmt: skip
    zones.attrs["parts_per_spec"] = per_spec
    return zones


def protection(sc: Scenario, weights: np.ndarray | None = None) -> list[float]:
    """Return each zone spec's protection against its threat actors, combined.

    ``weights`` ``(zones, threat actors)``: each threat actor's events in the
    zone in the window (:func:`safezones.model.threat.combined_protection`);
    None weighs the actors equally.
    """
    actors = sc.threat.names()
    by = [p for p, _ in protection_by_actor(sc.zones, sc.shelter.protection)]
    w = np.zeros((len(by), len(actors))) if weights is None else np.asarray(weights, float)
    out: list[float] = combined_protection(by, w, actors).tolist()
    return out


@cache
def bundled_cells() -> gpd.GeoDataFrame:
    """Return the bundled population grid in PROJECT_CRS (read once)."""
    return to_metric(data.population_grid(), what="population")


@cache
def _bundled_origins(level: str) -> np.ndarray:
    out = assign_origins(bundled_cells(), origin_units(level))  # type: ignore[arg-type]
    out.flags.writeable = False
    return out


@cache
def _bundled_kernel(
    radius_km: float, window: tuple[tuple[str, Any], ...], actors: str | tuple[str, ...]
) -> np.ndarray:
    ki = kernel_intensity(bundled_cells(), bundled_threat(actors), radius_km=radius_km,
                          **dict(window))  # fmt: skip
    out = ki["events_per_1000km2_year"].to_numpy(dtype=float)
    out.flags.writeable = False
    return out


def _intensity(
    units: gpd.GeoDataFrame, events: gpd.GeoDataFrame, ev_kw: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Strike intensity per origin, and its civilian deaths per year (threat events)."""
    si = strike_intensity(units, events, **ev_kw)
    civ = si["deaths_civilians"].to_numpy(dtype=float) / float(si.attrs["years"])
    return si["events_per_1000km2_year"].to_numpy(dtype=float), civ


@cache
def _bundled_intensity(
    level: str, window: tuple[tuple[str, Any], ...], actors: str | tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    out = _intensity(origin_units(level), bundled_threat(actors), dict(window))  # type: ignore[arg-type]
    for a in out:
        a.flags.writeable = False
    return out


@dataclass(frozen=True)
class Prepared:
    """Everything a scenario's draws share: geometry, origins, reach groups, residents."""

    zones: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    events: gpd.GeoDataFrame
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
    cells: gpd.GeoDataFrame  # the population cells (PROJECT_CRS)
    given: np.ndarray | None  # (O,) displaced per origin in mode "given", else None
    # ---- who holds the ground, whose violence (issue 18; filled by prepare and the engine)
    surface: ControlSurface | None = None  # the control surface at the scenario's snapshot
    control: pd.DataFrame | None = None  # (Z rows) share_columns(), "actor", area_before_cut_km2
    zone_events_all: pd.DataFrame | None = None  # events_in_zones of every actor's events
    protection_source: tuple[str, ...] = ()  # (Z,) why each zone's protection is what it is
    origin_actor: np.ndarray | None = None  # (O,) actor holding most of each origin's people
    civ_rate_zone: np.ndarray | None = None  # (Z,) threat actors' civilian deaths / person-year
    civ_rate_origin: np.ndarray | None = None  # (O,) the same per origin
    threat_actors: tuple[str, ...] = ()  # the threat actors ("all" spelt out)
    control_note: str = ""  # which snapshot stands in for the window, when it has none
    # ---- the structural draws (issue 19): the groups of another reach variant
    regroup: Callable[[Reach], Prepared] | None = None


@dataclass(frozen=True)
class Cover:
    """What forming the groups of another reach variant needs: distances and covers.

    ``dist`` and ``crossings`` ``(C, Z)``: each cell's km to each zone and the
    control changes on the way (None: no control surface); ``cells`` and ``frac``:
    per zone, the cells it covers and their share inside it; ``union`` ``(C,)``:
    each cell's share inside any zone.
    """

    dist: np.ndarray
    crossings: np.ndarray | None
    cells: list[np.ndarray]
    frac: list[np.ndarray]
    union: np.ndarray


@dataclass(frozen=True)
class Base:
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
    intensity: np.ndarray  # (O,) the threat actors' events per 1,000 km2 per year
    ev_kw: dict[str, Any]  # the events window and filters, as overlay functions take them
    pop_source: str  # where the population and the events came from (see source_list)
    ev_source: str
    threat_events: gpd.GeoDataFrame | None = None  # the threat actors' events (all: = events)
    threat_actors: tuple[str, ...] = ()  # "all" spelt out
    civ_rate_origin: np.ndarray | None = None  # (O,) threat civilian deaths / person-year
    cell_intensity: np.ndarray | None = None  # (C,) what the hazard class of each cell is of


def variant_classes(sc: Scenario, base: Base, factor: float) -> np.ndarray:
    """Return each cell's hazard class with the thresholds times ``factor`` (drawn)."""
    if factor == 1.0 or base.cell_intensity is None or sc.demand.mode == "given":
        return base.cls_cell
    thresholds = [float(x) * factor for x in sc.demand.thresholds]
    return hazard_class(base.cell_intensity, thresholds)


def widest_reach_km(sc: Scenario) -> float:
    """Return the longest straight-line journey of any reach variant the draws may take.

    Distances and crossings are measured this far, so every variant reaches what it
    would with its own limit (:mod:`safezones.model.uncertainty`); a hair of slack
    covers the distances' rounding.
    """
    from safezones.model.shelter import straight_reach_km

    sh, un = sc.shelter, sc.uncertainty
    km = straight_reach_km(sh.max_travel_km, sh.detour_factor)
    if un.structural and un.draws > 1:
        km = max(km, sh.max_travel_km * max(un.max_travel_range)
                 / max(1.0, sh.detour_factor - un.detour_spread))  # fmt: skip
    return km * (1 + 1e-9)


def gathered(sc: Scenario, *steps: Callable[[], Any]) -> list[Any]:
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


def check_population_total(sc: Scenario, cells: gpd.GeoDataFrame, pop_source: str) -> None:
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


def check_base(sc: Scenario, base: Base) -> None:
    """Warn, or refuse, as :func:`prepare_base` does, for a base prepared earlier."""
    check_window(sc, base.events, base.ev_source)
    check_population_total(sc, base.cells, base.pop_source)


def check_window(sc: Scenario, events: gpd.GeoDataFrame, ev_source: str) -> None:
    """Refuse a window with no overlap with the events' dates; warn when it has years without."""
    if "date_start" not in events.columns or not len(events):
        return
    first, last = events["date_start"].min(), events["date_end"].max()
    if pd.isna(first) or pd.isna(last):
        return
    lo, hi = window_bounds(window_value(sc.events.start), window_value(sc.events.end))
    assert lo is not None and hi is not None  # a validated window has both bounds
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


def prepare_base(sc: Scenario, readers: Readers) -> Base:
    """Return the cells, origins and hazard classes of a scenario: no zone geometry involved."""
    bundled_pop = sc.population.source == "bundled"

    def population() -> tuple[gpd.GeoDataFrame, str]:
        if bundled_pop:
            return bundled_population(sc, bundled_cells())
        layer, where = readers.population(sc)
        return to_metric(layer, what="population"), where

    (cells, pop_source), (events, ev_source) = gathered(sc, population, lambda: readers.events(sc))
    actors = threat_key(sc)
    bundled_ev = sc.events.source == "bundled"
    events = bundled_events() if bundled_ev else attribute_events(events)
    threat = bundled_threat(actors) if bundled_ev else threat_events(events, actors)
    check_window(sc, events, ev_source)
    check_population_total(sc, cells, pop_source)
    dem = sc.demand
    level = "districts" if dem.origin == "cells" else dem.origin  # cells report by district
    units = origin_units(level)
    n_o = len(units)
    bands = cells[["pop_low", "pop_central", "pop_high"]].to_numpy(dtype=float)

    # origins: which unit each cell belongs to, and the origin populations (bands)
    of_cell = _bundled_origins(level) if bundled_pop else assign_origins(cells, units)
    opop = np.column_stack([np.bincount(of_cell, bands[:, j], n_o) for j in range(3)])

    # strike intensity per origin and per cell, in the window
    ev_kw: dict[str, Any] = {"start": window_value(sc.events.start), "end": window_value(sc.events.end),
                             "imprecise": sc.events.imprecise,
                             "max_precision": sc.events.max_precision}  # fmt: skip
    window = tuple(sorted(ev_kw.items()))
    if bundled_ev:
        intensity, civ = _bundled_intensity(level, window, actors)
    else:
        intensity, civ = _intensity(units, threat, ev_kw)
    cell_intensity = None
    if dem.mode == "given":
        cls_cell = np.zeros(len(cells), dtype=np.int64)
    elif dem.origin == "cells":  # each cell's own class, from the threat events around it
        if bundled_pop and bundled_ev:
            ki = _bundled_kernel(dem.kernel_km, window, actors)
        else:
            ki = kernel_intensity(cells, threat, radius_km=dem.kernel_km, **ev_kw)[
                "events_per_1000km2_year"
            ].to_numpy()
        cell_intensity = np.asarray(ki, dtype=float)
        cls_cell = hazard_class(ki, dem.thresholds)
    else:
        cell_intensity = np.asarray(intensity, dtype=float)[of_cell]
        cls_cell = hazard_class(intensity, dem.thresholds)[of_cell]
    return Base(
        cells=cells, sources=source_list(sc, pop_source, ev_source), events=events, units=units,
        pop_source=pop_source, ev_source=ev_source,
        bands=bands, of_cell=of_cell, cls_cell=cls_cell, n_cls=len(dem.rates), opop=opop,
        intensity=intensity, ev_kw=ev_kw, threat_events=threat, threat_actors=sc.threat.names(),
        civ_rate_origin=civ_rate(civ, opop[:, 1]), cell_intensity=cell_intensity,
    )  # fmt: skip


def group_cells(
    base: Base,
    dist: np.ndarray,
    shelter: ShelterSpec | Reach,
    crossings: np.ndarray | None = None,
    *,
    cls_cell: np.ndarray | None = None,
) -> tuple[Groups, np.ndarray]:
    """Return the reach groups (origin, hazard class, home zone, zones reached) and their class.

    ``shelter`` gives ``max_travel_km``, ``detour_factor`` and ``crossing_penalty_km``
    (a scenario's section, or a drawn :class:`~safezones.model.uncertainty.Reach`);
    ``crossings`` ``(C, Z)``: control changes on the way; ``cls_cell``: the cells'
    hazard classes (default ``base.cls_cell``).
    """
    n_cls = base.n_cls
    cls = base.cls_cell if cls_cell is None else cls_cell
    keyed = reach_groups(base.of_cell * n_cls + cls, dist, base.bands[:, 1],
                         max_travel_km=shelter.max_travel_km,
                         detour_factor=shelter.detour_factor, crossings=crossings,
                         crossing_penalty_km=shelter.crossing_penalty_km,
                         home=home_zones(dist))  # fmt: skip
    groups = Groups(of_cell=keyed.of_cell, origin=keyed.origin // n_cls, reach=keyed.reach,
                    distance_km=keyed.distance_km, crossings=keyed.crossings,
                    home=keyed.home)  # fmt: skip
    return groups, keyed.origin % n_cls


def group_people(
    base: Base, groups: Groups, cover: Cover
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the people of each group ``(G, 3)``, by zone ``(Z, G, 3)`` and inside any ``(G, 3)``."""
    n_g, bands = len(groups.origin), base.bands
    gpop = np.column_stack([np.bincount(groups.of_cell, bands[:, j], n_g) for j in range(3)])
    res_zg = np.zeros((len(cover.cells), n_g, 3))
    for z, (ci, frac) in enumerate(zip(cover.cells, cover.frac, strict=True)):
        for j in range(3):
            np.add.at(res_zg[z, :, j], groups.of_cell[ci], bands[ci, j] * frac)
    res_g = np.column_stack(
        [np.bincount(groups.of_cell, bands[:, j] * cover.union, n_g) for j in range(3)]
    )
    return gpop, res_zg, res_g


def grouped(sc: Scenario, base: Base, cover: Cover, reach: ShelterSpec | Reach,
            factor: float = 1.0) -> dict[str, Any]:  # fmt: skip
    """Return the groups of one reach variant and their people, as :class:`Prepared` fields."""
    groups, group_class = group_cells(base, cover.dist, reach, cover.crossings,
                                      cls_cell=variant_classes(sc, base, factor))  # fmt: skip
    gpop, res_zg, res_g = group_people(base, groups, cover)
    return {"groups": groups, "group_class": group_class, "gpop": gpop, "res_zg": res_zg,
            "res_g": res_g}  # fmt: skip


def with_regroup(prep: Prepared, sc: Scenario, base: Base, cover: Cover) -> Prepared:
    """Return ``prep`` able to form the groups of any reach variant (each once)."""
    made: dict[Reach, Prepared] = {}

    def regroup(reach: Reach) -> Prepared:
        if reach not in made:
            fields = grouped(sc, base, cover, reach, reach.threshold_factor)
            made[reach] = replace(out, regroup=None, **fields)
        return made[reach]

    out = replace(prep, regroup=regroup)
    return out


def prepare(sc: Scenario, readers: Readers) -> Prepared:
    """Prepare a scenario the straightforward way: every cell's distance to every zone.

    The geometry is done once for all the draws; :meth:`safezones.engine.Engine.prepared`
    gives the same arrays from cached geometry. This path is the engine's test oracle.
    """
    return prepare_parts(sc, readers)[0]


def prepare_parts(sc: Scenario, readers: Readers) -> tuple[Prepared, Base, Cover]:
    """Return :func:`prepare`'s result with the base and cover it regroups from."""
    base, zones, surface = gathered(sc, lambda: prepare_base(sc, readers), lambda: build_zones(sc),
                                    lambda: scenario_surface(sc, readers.control))  # fmt: skip
    zones = cut(sc, zones, surface)
    cells, bands = base.cells, base.bands
    n_z = len(zones)
    # reach: distances from every cell to every zone, and the front lines on the way
    dist = cell_distances(cells, zones)
    pts = cell_points(cells)
    zm = to_metric(zones, what="zones").geometry.to_numpy()
    limit = widest_reach_km(sc)
    cross = np.column_stack([zone_crossings(pts, zm[z], surface, dist[:, z], limit)
                             for z in range(n_z)]) if n_z else np.zeros((len(cells), 0))  # fmt: skip

    # residents: each cell's share inside each zone, and inside any zone
    cgeom = cells.geometry.to_numpy()
    zi, ci = gpd.GeoSeries(cgeom).sindex.query(zm, predicate="intersects")
    frac = covered_fraction(zm, cgeom, zi, ci)
    whole = np.array([shapely.union_all(zm)])
    ui, uci = gpd.GeoSeries(cgeom).sindex.query(whole, predicate="intersects")
    ufrac = covered_fraction(whole, cgeom, ui, uci)
    cover = Cover(dist=dist, crossings=cross, cells=[ci[zi == z] for z in range(n_z)],
                  frac=[frac[zi == z] for z in range(n_z)],
                  union=np.bincount(uci, ufrac, len(cells)))  # fmt: skip
    g = grouped(sc, base, cover, sc.shelter)
    uncut = zones["area_before_cut_km2"] if "area_before_cut_km2" in zones else zones["area_km2"]
    threat = base.threat_events if base.threat_events is not None else base.events
    prep = finish(
        sc, readers, base, zones, surface, g["groups"], g["group_class"], g["gpop"], g["res_zg"],
        g["res_g"],
        weights=actor_events(zones, threat, list(base.threat_actors), **base.ev_kw).to_numpy(),
        control=control_frame(zone_control(zones, surface, cells), uncut.to_numpy(float)),
        origin_actor=origin_actors(cell_actors(pts, surface), bands[:, 1], base.of_cell,
                                   len(base.units)),
    )  # fmt: skip
    return with_regroup(prep, sc, base, cover), base, cover


def finish(
    sc: Scenario, readers: Readers, base: Base, zones: gpd.GeoDataFrame,
    surface: ControlSurface, groups: Groups, group_class: np.ndarray, gpop: np.ndarray,
    res_zg: np.ndarray, res_g: np.ndarray, *, weights: np.ndarray, control: pd.DataFrame,
    origin_actor: np.ndarray,
) -> Prepared:  # fmt: skip
    """Return the :class:`Prepared` of the zones' groups and residents: events, exposure, rates.

    Shared by :func:`prepare` and :meth:`safezones.engine.Engine.prepared`. The
    zones' events in the window are counted here, the threat actors' (exposure,
    civilian rates) and every actor's; ``weights`` ``(Z, threat actors)`` are each
    threat actor's events in each zone, which weigh its protection
    (:func:`~safezones.model.ground.zone_protection`, written to ``zones["protection"]``).
    """
    threat = base.threat_events if base.threat_events is not None else base.events
    zone_ev = events_in_zones(zones, threat, **base.ev_kw)
    zone_all = zone_ev if threat is base.events else events_in_zones(zones, base.events,
                                                                     **base.ev_kw)  # fmt: skip
    prot, why = zone_protection(sc, zones, weights)
    zones["protection"] = prot
    years = float(zone_ev.attrs.get("years") or 1.0)
    start, end = base.ev_kw["start"], base.ev_kw["end"]
    return Prepared(
        cells=base.cells, given=given_displaced(sc, readers, base.units, base.opop),
        zones=zones, units=base.units, events=events_in_window(base.events, start, end),
        sources=source_list(sc, base.pop_source, base.ev_source),
        window={"start": start, "end": end, "years": zone_ev.attrs.get("years")},
        n_cells=len(base.cells), opop=base.opop, intensity=base.intensity, zone_events=zone_ev,
        exposure=exposure_index(zone_ev["events_per_1000km2_year"].to_numpy(),
                                sc.shelter.exposure_reference),
        groups=groups, group_class=group_class, gpop=gpop, res_zg=res_zg, res_g=res_g,
        surface=surface, control=control, zone_events_all=zone_all, protection_source=why,
        origin_actor=origin_actor,
        civ_rate_zone=civ_rate(zone_ev["deaths_civilians"].to_numpy(float) / years,
                               res_zg[:, :, 1].sum(axis=1)),
        civ_rate_origin=base.civ_rate_origin, threat_actors=base.threat_actors,
        control_note=surface.note,
    )  # fmt: skip


def source_list(sc: Scenario, pop_source: str, ev_source: str) -> list[dict[str, str]]:
    """Return the bundled layers a run used, with licences, then user files and the scenario."""
    prov = data.provenance()
    used = ["countries", "borders", sc.demand.origin]
    if sc.population.source == "bundled":
        used.append("population_grid")
    if sc.events.source == "bundled":
        used.append("events")
    if any(z.kind == "freeze" for z in sc.zones):
        used.append("places")
    out = [
        {"layer": u, "source": str(prov.loc[u, "source"]), "licence": str(prov.loc[u, "licence"]),
         "attribution": str(prov.loc[u, "attribution"])}
        for u in used
        if u in prov.index
    ]  # fmt: skip
    out += basis_sources(sc)  # the window basis: the refugees abroad (UNHCR)
    if sc.population.source != "bundled":
        out.append({"layer": "population", "source": pop_source})
    if sc.events.source != "bundled":
        out.append({"layer": "events", "source": ev_source})
    out.append({"layer": "scenario", "source": sc.source.citation, "url": sc.source.url or ""})
    return out


def events_in_window(events: gpd.GeoDataFrame, start: Any, end: Any) -> gpd.GeoDataFrame:
    """Return the events whose whole date range lies in the window (all of them if undated).

    Parameters
    ----------
    events
        Events with ``date_start`` and ``date_end``, or without dates.
    start, end
        The window's bounds as a scenario gives them (a year or a date).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    if "date_start" not in events.columns:
        return events
    lo, hi = window_bounds(start, end)
    return events[in_window(events["date_start"], events["date_end"], lo, hi)]


def given_displaced(
    sc: Scenario, readers: Readers, units: gpd.GeoDataFrame, opop: np.ndarray
) -> np.ndarray | None:
    """Return the displaced per origin of ``demand.mode = "given"`` (None in mode "hazard")."""
    if sc.demand.mode == "hazard":
        return None
    table, path = readers.displaced(sc)
    return np.asarray(displaced_given(table, units, opop[:, 1], source=path), dtype=float)
