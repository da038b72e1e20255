"""Who holds the ground and whose violence, as a scenario's preparation uses them.

:mod:`safezones.model.prepare` and :mod:`safezones.engine` share these steps:

- the **threat events**: every event attributed to actors from its dyad
  (:func:`bundled_events`; a user's events by
  :func:`safezones.model.threat.attribute_events`), those of ``threat.actors``
  kept (:func:`threat_events`);
- the **control surface** at the scenario's snapshot (:func:`scenario_surface`),
  the actor of each cell and origin (:func:`cell_actors`, :func:`origin_actors`),
  the control changes on the way to a zone (:func:`zone_crossings`), each zone's
  shares (:func:`control_frame`) and zones cut to land not held by
  ``control.exclude_held_by`` (:func:`cut`);
- **protection** per zone, its threat actors' weighted by their events in the
  zone (:func:`zone_protection`), and civilian death rates (:func:`civ_rate`).

No file is read here: a user's control layer comes through the reader passed in.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones.crs import PROJECT_CRS, to_metric
from safezones.errors import SafeZonesError, SafeZonesWarning
from safezones.io.layers import BUNDLED_CONTROL_DATES
from safezones.model.control import (
    ControlSurface,
    cell_crossings,
    choose_snapshot,
    cut_zones,
    majority_actor,
    surface_from_points,
    surface_from_polygons,
    zone_control,
)
from safezones.model.geometry import polygonal
from safezones.model.overlay import actor_events, events_in_zones
from safezones.model.shelter import travel_km
from safezones.model.threat import (
    attribute_events,
    combined_protection,
    protection_by_actor,
    threat_mask,
)
from safezones.schema import ACTORS, window_bounds

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario, ShelterSpec
    from safezones.model.prepare import Base
    from safezones.model.uncertainty import Draws, Reach

__all__ = [
    "BUNDLED_CONTROL_DATES",
    "bundled_events",
    "bundled_threat",
    "cell_actors",
    "cell_points",
    "civ_rate",
    "control_frame",
    "cut",
    "cut_layer",
    "origin_actors",
    "pattern_deaths",
    "pattern_inflow",
    "pattern_people",
    "scenario_surface",
    "surface_key",
    "threat_events",
    "threat_key",
    "window_value",
    "zone_class_people",
    "zone_crossings",
    "zone_figures",
    "zone_protection",
]


def cut(sc: Scenario, zones: gpd.GeoDataFrame, surface: ControlSurface | None) -> gpd.GeoDataFrame:
    """Return ``zones`` cut to land not held by ``control.exclude_held_by`` (as :func:`build_zones`).

    ``area_before_cut_km2`` is added when the zones are cut; an emptied zone
    gets capacity 0 and a warning.
    """
    exclude = tuple(sc.control.exclude_held_by)
    if not exclude:
        return zones
    if surface is None:
        raise SafeZonesError("control.exclude_held_by needs a control surface")
    out = cut_layer(zones, surface, exclude)
    out.attrs.update(zones.attrs)
    empty = out.geometry.is_empty.to_numpy() | (out["area_km2"].to_numpy() <= 0)
    if empty.any():
        out.loc[empty, "capacity_given"] = 0.0
        out.loc[empty, "area_km2"] = 0.0
        names = ", ".join(map(str, out.loc[empty, "zone_id"]))
        warnings.warn(
            f"zones {names}: nothing is left after control.exclude_held_by = "
            f"{list(exclude)} (every part is held by those actors at the control snapshot); "
            "the zone keeps its row with area 0 and capacity 0",
            SafeZonesWarning,
            stacklevel=3,
        )
    return out


def cut_layer(
    zones: gpd.GeoDataFrame, surface: ControlSurface, exclude: tuple[str, ...]
) -> gpd.GeoDataFrame:
    """Return :func:`~safezones.model.control.cut_zones` with outlines every overlay can use.

    The cut leaves slivers where a community's disc meets a zone's edge, and
    an outline brought back to the zones' CRS may then touch itself (GEOS
    refuses to overlay it). The cut is repaired (:func:`shapely.make_valid`) and
    snapped to a 1 cm grid in PROJECT_CRS, which keeps it valid both ways;
    ``area_km2`` is the repaired outline's (it moves by less than a millionth).
    """
    out = cut_zones(zones, surface, exclude)
    m = to_metric(out, what="zones").geometry.to_numpy()
    fixed = np.array([shapely.set_precision(polygonal(shapely.make_valid(g)), 0.01)
                      for g in m], dtype=object)  # fmt: skip
    out = out.set_geometry(gpd.GeoSeries(fixed, crs=PROJECT_CRS, index=out.index).to_crs(out.crs))
    if "area_km2" in out.columns:
        out["area_km2"] = shapely.area(fixed) / 1e6
    return out


def zone_protection(
    sc: Scenario, zones: gpd.GeoDataFrame, weights: np.ndarray
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Return each zone's protection ``(Z,)`` and its source, per built zone (a split zone's parts).

    ``weights`` ``(Z, threat actors)`` are the threat actors' events in each
    zone (:func:`safezones.model.overlay.actor_events`).
    """
    per_spec = _parts_per_spec(sc, zones)
    given = protection_by_actor(sc.zones, sc.shelter.protection)
    by = [p for (p, _), n in zip(given, per_spec, strict=True) for _ in range(n)]
    why = tuple(w for (_, w), n in zip(given, per_spec, strict=True) for _ in range(n))
    return combined_protection(by, weights, sc.threat.names()), why


def _parts_per_spec(sc: Scenario, zones: gpd.GeoDataFrame) -> list[int]:
    """How many built zones each zone spec gave (a split safe zone gives several)."""
    got = zones.attrs.get("parts_per_spec")
    if got is not None and sum(got) == len(zones):
        return list(got)
    if len(zones) != len(sc.zones):
        raise SafeZonesError("zones without parts_per_spec: build them with build_zones")
    return [1] * len(sc.zones)


@cache
def bundled_events() -> gpd.GeoDataFrame:
    """Return the bundled UCDP GED events attributed to actors (``by_<actor>``), once.

    Shared by every scenario of the process: do not change it in place.
    """
    return attribute_events(data.events())


def threat_key(sc: Scenario) -> str | tuple[str, ...]:
    """Return the scenario's threat actors as cache keys take them (``"all"`` or a tuple)."""
    actors = sc.threat.actors
    return "all" if actors == "all" else tuple(actors)


def threat_events(events: gpd.GeoDataFrame, actors: str | tuple[str, ...]) -> gpd.GeoDataFrame:
    """Return the events of the threat ``actors`` (all of them for ``"all"``)."""
    return events if actors == "all" else events[threat_mask(events, actors)]


@cache
def bundled_threat(actors: str | tuple[str, ...]) -> gpd.GeoDataFrame:
    """Return the bundled events of the threat ``actors`` (:func:`threat_events`), once per actors."""
    return threat_events(bundled_events(), actors)


def civ_rate(deaths_per_year: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Return civilian deaths per person per year: deaths per year over people (0 where none live).

    Examples
    --------
    >>> civ_rate(np.array([3.0, 2.0]), np.array([1000.0, 0.0])).tolist()
    [0.003, 0.0]
    """
    d, n = np.asarray(deaths_per_year, dtype=float), np.asarray(people, dtype=float)
    return np.asarray(np.divide(d, n, out=np.zeros_like(d), where=n > 0), dtype=float)


def window_value(value: int | dt.date | str) -> int | str:
    """Return a window bound as the overlay functions take it (a year, or an ISO date)."""
    return value if isinstance(value, int) else str(value)


def _window_end(sc: Scenario) -> pd.Timestamp:
    hi = window_bounds(window_value(sc.events.start), window_value(sc.events.end))[1]
    assert hi is not None  # a validated window has both bounds
    return pd.Timestamp(hi)


@cache
def _bundled_surface(snapshot: str, max_km: float, note: str) -> ControlSurface:
    from safezones.config.scenario import BUNDLED_SNAPSHOTS

    label = (f"Syria Conflict Mapping Project (The Carter Center), {BUNDLED_SNAPSHOTS[snapshot]} "
             f"snapshot ('{snapshot}')")  # fmt: skip
    return surface_from_points(data.control(snapshot), max_km=max_km, label=label,
                               snapshot=snapshot, note=note)  # fmt: skip


def scenario_surface(
    sc: Scenario, read_control: Callable[[Scenario], tuple[gpd.GeoDataFrame, str]]
) -> ControlSurface:
    """Return the control surface of ``sc`` at its snapshot; ``note`` says which stands in, if any.

    Bundled: the Syria Conflict Mapping Project's communities of ``control.snapshot``
    (unset: the snapshot nearest the window's end, :func:`~safezones.model.control.choose_snapshot`),
    each holding the land within ``control.max_distance_km`` nearest to it. A user
    layer (``read_control(sc)``: ``safezones.io.layers.control_layer``): its rows of the date nearest ``control.snapshot``
    (unset: nearest the window's end); points give the nearest-community surface,
    polygons are used as drawn.
    """
    spec = sc.control
    end = _window_end(sc)
    if spec.source == "bundled":
        snap, note = choose_snapshot(BUNDLED_CONTROL_DATES, spec.snapshot_label(), end)
        return _bundled_surface(snap, float(spec.max_distance_km), note)
    layer, where = read_control(sc)
    dates = pd.to_datetime(layer["date"]).dt.normalize()
    uniq = sorted(dates.dropna().unique())
    if not uniq:
        raise SafeZonesError(f"control.source: {where}: no dated rows")
    want = end if spec.snapshot is None else pd.Timestamp(str(spec.snapshot))
    pick = pd.Timestamp(min(uniq, key=lambda d: (abs((pd.Timestamp(d) - want).days), d)))
    gap = abs((pick - want).days) / 365.25
    what = "the window's end" if spec.snapshot is None else f"control.snapshot {spec.snapshot}"
    note = "" if gap <= 1.0 else (
        f"{what} is {gap:.0f} years from the nearest date of the control layer "
        f"({pick.date()}): it is used as the nearest"
    )  # fmt: skip
    rows = layer[(dates == pick).to_numpy()]
    label = f"{where}, {pick.date()}"
    kinds = set(rows.geometry.geom_type)
    if kinds <= {"Point"}:
        return surface_from_points(rows, max_km=float(spec.max_distance_km), label=label,
                                   snapshot=str(pick.date()), note=note)  # fmt: skip
    return surface_from_polygons(rows, label=label, snapshot=str(pick.date()), note=note)


def cell_points(cells: gpd.GeoDataFrame) -> np.ndarray:
    """Return each cell's representative point (PROJECT_CRS), where distances are measured from."""
    return np.asarray(cells.geometry.representative_point().to_numpy())


def cell_actors(points: np.ndarray, surface: ControlSurface) -> np.ndarray:
    """Return the actor code (index in ACTORS) of each cell, at its representative point."""
    return surface.actor_at(shapely.get_coordinates(points))


def origin_actors(
    codes: np.ndarray, people: np.ndarray, of_cell: np.ndarray, n_o: int
) -> np.ndarray:
    """Return the actor (a name of ACTORS) holding most of each origin's people (``unknown``: none).

    Examples
    --------
    >>> origin_actors(np.array([0, 2, 2]), np.array([5.0, 3.0, 3.0]), np.array([0, 0, 1]), 3).tolist()
    ['government', 'islamic_state', 'unknown']
    """
    major = majority_actor(codes, people, of_cell, n_o)
    return np.asarray(np.asarray(ACTORS, dtype=object)[major])


def zone_crossings(
    points: np.ndarray, zone: Any, surface: ControlSurface, dist: np.ndarray, limit_km: float
) -> np.ndarray:
    """Control changes ``(C,)`` from each cell within ``limit_km`` of ``zone`` to its nearest point.

    Cells farther (or inside the zone) get 0. ``dist`` is each cell's km to the zone.
    """
    mask = np.isfinite(dist) & (dist > 0) & (dist <= limit_km)
    return cell_crossings(points, zone, surface, mask=mask)


def control_frame(shares: pd.DataFrame, area_before_cut_km2: np.ndarray) -> pd.DataFrame:
    """Return ``Prepared.control``: the shares, the actor of most people, the uncut area."""
    out = shares.copy()
    pop = out[[f"share_population_{a}" for a in ACTORS]].to_numpy(dtype=float)
    major = np.where(pop.sum(axis=1) > 0, pop.argmax(axis=1), ACTORS.index("unknown"))
    out["actor"] = np.asarray(ACTORS, dtype=object)[major]
    out["area_before_cut_km2"] = np.asarray(area_before_cut_km2, dtype=float)
    return out


def pattern_people(
    dist: list[np.ndarray],
    crossings: list[np.ndarray | None],
    base: Base,
    shelter: ShelterSpec | Reach,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the people of each reach pattern and hazard class ``(2**Z, H, 3)``, twice.

    Bit z of a pattern: zone z is within reach, as
    :func:`~safezones.model.shelter.reach_groups` decides it (the crossing
    penalty at its central value; unmeasured journeys count no crossing).
    ``dist`` and ``crossings`` hold each zone's ``(C,)`` km and control changes.
    The second array holds the same people weighted by their origin's civilian
    death rate (``Base.civ_rate_origin``): the inflow rate of deaths averted.
    """
    sh = shelter
    bits = np.zeros(len(base.cells), dtype=np.int64)
    for z, (d, c) in enumerate(zip(dist, crossings, strict=True)):
        cross = None if c is None else np.where(d * sh.detour_factor <= sh.max_travel_km,
                                                c.astype(float), 0.0)  # fmt: skip
        road = travel_km(d, cross, detour_factor=sh.detour_factor,
                         crossing_penalty_km=sh.crossing_penalty_km)  # fmt: skip
        bits |= (road <= sh.max_travel_km).astype(np.int64) << z
    n_k, n_h = 1 << len(dist), base.n_cls
    key = bits * n_h + base.cls_cell
    rate = base.civ_rate_origin if base.civ_rate_origin is not None else np.zeros(len(base.units))
    out = []
    for weight in (np.ones(len(key)), rate[base.of_cell]):
        p_kh = np.stack(
            [np.bincount(key, base.bands[:, j] * weight, n_k * n_h) for j in range(3)], axis=1
        ).reshape(n_k, n_h, 3)
        p_kh.flags.writeable = False
        out.append(p_kh)
    return out[0], out[1]


def pattern_inflow(
    rw_t: np.ndarray, demand_k: np.ndarray, share: np.ndarray, n_z: int
) -> np.ndarray:
    """Return the demand-weighted mean origin rate of those who reach each zone ``(n, Z)``.

    ``rw_t`` ``(n, K, H)``: the patterns' rate-weighted people at the draws' band
    positions; ``demand_k`` ``(n, K)`` their displaced; ``share`` ``(n, H)`` the
    share displaced by class. What :func:`safezones.model.deaths.inflow_rate`
    gives on the groups (0 where nobody reaches a zone).

    Examples
    --------
    Two patterns (zone 0 reached by pattern 1 only), one class, all displaced:
    100 people at rate 0.01:

    >>> pattern_inflow(np.array([[[0.0], [1.0]]]), np.array([[50.0, 100.0]]),
    ...                np.ones((1, 1)), 1).tolist()
    [[0.01]]
    """
    reach = ((np.arange(demand_k.shape[1])[:, None] >> np.arange(n_z)) & 1).astype(float)
    num = (rw_t * share[:, None, :]).sum(axis=2) @ reach
    den = demand_k @ reach
    return np.asarray(np.divide(num, den, out=np.zeros_like(num), where=den > 0))


def zone_class_people(
    cover_cells: list[np.ndarray], cover_frac: list[np.ndarray], base: Base
) -> tuple[np.ndarray, np.ndarray]:
    """Return the people living in each zone by hazard class ``(Z, H, 3)``, and its central total."""
    res = np.zeros((len(cover_cells), base.n_cls, 3))
    central = np.zeros(len(cover_cells))
    for z, (ci, frac) in enumerate(zip(cover_cells, cover_frac, strict=True)):
        for j in range(3):
            np.add.at(res[z, :, j], base.cls_cell[ci], base.bands[ci, j] * frac)
        central[z] = float((base.bands[ci, 1] * frac).sum())
    res.flags.writeable = central.flags.writeable = False
    return res, central


def zone_figures(
    zones: gpd.GeoDataFrame, uncut_km2: float, base: Base, surface: ControlSurface
) -> tuple[float, np.ndarray, np.ndarray]:
    """Return one zone's threat intensity, control ``(11,)`` and threat figures, as the engine keeps them.

    Control: :func:`~safezones.model.control.share_columns`, then the uncut area.
    Threat: each threat actor's events in the window, then the threat actors'
    civilian deaths per year (as :func:`safezones.model.prepare.finish` counts them).
    """
    threat = base.threat_events if base.threat_events is not None else base.events
    ev = events_in_zones(zones, threat, **base.ev_kw)
    by = actor_events(zones, threat, list(base.threat_actors), **base.ev_kw)
    years = float(ev.attrs.get("years") or 1.0)
    shares = zone_control(zones, surface, base.cells).to_numpy(dtype=float)[0]
    figures = np.append(by.to_numpy(dtype=float)[0], ev["deaths_civilians"].iloc[0] / years)
    return float(ev["events_per_1000km2_year"].iloc[0]), np.append(shares, uncut_km2), figures


def pattern_deaths(
    res_zh: np.ndarray, rate_zone: np.ndarray, share: np.ndarray, t: np.ndarray,
    demand_k: np.ndarray, rw_t: np.ndarray, prot: np.ndarray, dr: Draws, arrivals: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Return deaths averted ``(n, Z)`` from reach patterns, as ``model.score`` gives them on groups.

    ``res_zh`` ``(Z, H, 3)``: the zones' people by class (:func:`zone_class_people`);
    the inflow rate is :func:`pattern_inflow`; the formula is
    :func:`safezones.model.deaths.deaths_averted`'s.
    """
    from safezones.model import deaths
    from safezones.model.score import band_people, not_displaced

    residents = not_displaced(band_people(res_zh, t), share)  # (n, Z)
    inflow = pattern_inflow(rw_t, demand_k, share, len(rate_zone))
    p = deaths.drawn_protection(prot, dr)
    return np.asarray(deaths.deaths_averted(residents, rate_zone, p, arrivals, inflow))


def surface_key(sc: Scenario, stamp: Callable[[Any], str]) -> str:
    """Return what decides the control surface of ``sc``: its section, its file, the window's end.

    ``stamp`` gives a file's identity (path, size, time of change), as the engine's keys take it.
    """
    spec = sc.control.model_dump(mode="json", exclude={"exclude_held_by"})
    if sc.control.source != "bundled":
        spec["source"] = stamp(sc.resolve(str(sc.control.source)))
    if sc.control.snapshot is None:  # the snapshot nearest the window's end
        spec["end"] = str(sc.events.end)
    return json.dumps(spec, sort_keys=True, default=str)
