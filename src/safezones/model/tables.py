"""The tables of a result: per zone, per origin and the flows, from the draws of a run.

Each table summarises per-draw arrays as P5/P50/P95 columns
(:func:`q_columns`); what a run prepared once (zones, origins, reach groups)
comes in as a :class:`PreparedTables`, whatever object carries those
attributes. Who holds the ground (``control``, ``origin_actor``) and every
actor's events (``zone_events_all``) are optional: a preparation without them
(None) gives tables without their columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from safezones.defaults import LEAVE_DESTINATIONS, OUTSIDE_DESTINATIONS
from safezones.model.demand import HAZARD_CLASSES, hazard_class
from safezones.model.metrics import BINDING, QUANTILES
from safezones.model.needs import needs
from safezones.model.shelter import capacity, safety
from safezones.model.uncertainty import summarise
from safezones.schema import ACTORS

if TYPE_CHECKING:
    import geopandas as gpd

    from safezones.config.scenario import Scenario
    from safezones.config.sections import NeedsSpec
    from safezones.model.result import ScenarioResult
    from safezones.model.shelter import Groups

__all__ = [
    "ALL_EVENT_COLUMNS",
    "CONTROL_COLUMNS",
    "PreparedTables",
    "binding_mode",
    "capacity_rules",
    "flows_table",
    "per_origin_table",
    "per_zone_table",
    "population_total",
    "q_columns",
]


class PreparedTables(Protocol):
    """What the tables need of a run's preparation (zones, origins, groups, events)."""

    @property
    def zones(self) -> gpd.GeoDataFrame:
        """Zones with ``zone_id``, ``kind``, ``name``, ``area_km2``, ``protection``."""

    @property
    def units(self) -> gpd.GeoDataFrame:
        """Origin units with ``pcode`` and ``name``."""

    @property
    def opop(self) -> np.ndarray:
        """(O, 3) population bands per origin."""

    @property
    def intensity(self) -> np.ndarray:
        """(O,) events per 1,000 km² per year."""

    @property
    def zone_events(self) -> pd.DataFrame:
        """Events in each zone over the window (weighted)."""

    @property
    def exposure(self) -> np.ndarray:
        """(Z,) exposure index of each zone."""

    @property
    def groups(self) -> Groups:
        """People of one origin and hazard class who reach the same zones."""

    @property
    def group_class(self) -> np.ndarray:
        """(G,) hazard class of each group."""

    @property
    def gpop(self) -> np.ndarray:
        """(G, 3) population bands per group."""

    @property
    def control(self) -> pd.DataFrame | None:
        """Per zone: ``share_columns()``, ``actor``, ``area_before_cut_km2``; None: no control."""

    @property
    def zone_events_all(self) -> pd.DataFrame | None:
        """Every actor's events in each zone (as ``zone_events``); None: not counted."""

    @property
    def protection_source(self) -> tuple[str, ...]:
        """Why each zone's protection is what it is; empty: not known."""

    @property
    def origin_actor(self) -> np.ndarray | None:
        """(O,) the actor holding most of each origin's people; None: no control."""


#: The per-zone columns of control, after the people's quantiles, in this order
#: (``actor``, the shares of :func:`safezones.model.control.share_columns`, the uncut area).
CONTROL_COLUMNS = (
    "actor",
    *(f"share_area_{a}" for a in ACTORS),
    *(f"share_population_{a}" for a in ACTORS),
    "area_before_cut_km2",
)
#: Every actor's events beside the threat actors' (``zone_events_all``).
ALL_EVENT_COLUMNS = {
    "events_weighted_all": "events",
    "deaths_civilians_weighted_all": "deaths_civilians",
    "events_per_1000km2_year_all": "events_per_1000km2_year",
}


def q_columns(prefix: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """Return ``prefix_p5``, ``prefix_p50``, ``prefix_p95`` over the draws (first axis).

    Values below 1e-6 in size are written as 0: solver round-off is not a person.

    Examples
    --------
    >>> {k: v.tolist() for k, v in q_columns("x", np.array([[1e-9], [1e-9]])).items()}
    {'x_p5': [0.0], 'x_p50': [0.0], 'x_p95': [0.0]}
    """
    s = summarise(values)  # (..., 3)
    s = np.where(np.abs(s) < 1e-6, 0.0, s)  # solver round-off is not a person
    return {f"{prefix}_{q}": s[..., k] for k, q in enumerate(QUANTILES)}


def per_zone_table(
    prep: PreparedTables,
    safe: np.ndarray,
    population: np.ndarray,
    residents: np.ndarray,
    cap: np.ndarray,
    sheltered: np.ndarray,
    *,
    sheltered_by: Mapping[str, np.ndarray] | None = None,
    binding: np.ndarray | None = None,
    capacity_rule: Sequence[str] | None = None,
    deaths_averted: np.ndarray | None = None,
    needs_spec: NeedsSpec | None = None,
) -> pd.DataFrame:
    """Return the per-zone table: area, events, exposure, safety, people, control, deaths averted.

    Parameters
    ----------
    prep
        The run's preparation.
    safe, population, residents, cap, sheltered
        (draws, zones) safety, everyone living in the zone, residents not
        displaced, capacity and people sheltered (the headline allocation).
    sheltered_by
        (draws, zones) arrays whose quantiles follow ``sheltered``'s, in order:
        ``arrivals`` and ``displaced_within`` (the two parts of ``sheltered``),
        ``sheltered_gravity`` and ``sheltered_optimal`` (each allocation).
    binding
        (draws, zones) index into :data:`~safezones.model.metrics.BINDING`: gives
        ``binding`` (the reason of most draws) and ``binding_share`` (their share).
    capacity_rule
        Per zone, how its capacity is computed in words (the memo quotes it where
        capacity binds).
    deaths_averted
        (draws, zones) civilian deaths per year averted; None leaves its columns out.
    needs_spec
        The scenario's ``[needs]``: the minimum needs of the people sheltered
        (:func:`safezones.model.needs.needs`) as ``<need>_p5``/``_p50``/``_p95``
        of :data:`~safezones.model.needs.NEEDS`; None leaves them out.

    Returns
    -------
    pandas.DataFrame
        One row per zone: after the people's quantiles, when the preparation
        has them, :data:`CONTROL_COLUMNS` (``actor``: the actor holding most of
        the zone's population), :data:`ALL_EVENT_COLUMNS` (every actor's events,
        beside the threat actors' ``events_weighted``...), ``protection_source``,
        ``deaths_averted_p5``/``_p50``/``_p95`` and the minimum needs.
    """
    zones, zone_ev = prep.zones, prep.zone_events
    protection = zones["protection"].to_numpy(dtype=float)
    out = pd.DataFrame({
        "zone_id": zones["zone_id"].to_numpy(),
        "kind": zones["kind"].to_numpy(),
        "name": zones["name"].to_numpy(),
        "area_km2": zones["area_km2"].to_numpy(dtype=float),
        # fractional: events located to a district or governorate count with its share inside
        "events_weighted": zone_ev["events"].to_numpy(),
        "deaths_civilians_weighted": zone_ev["deaths_civilians"].to_numpy(),
        "events_per_1000km2_year": zone_ev["events_per_1000km2_year"].to_numpy(),
        "exposure": prep.exposure,
        "protection": protection,
        "safety": safety(prep.exposure, protection),
    })  # fmt: skip
    people = {
        "population": population,
        "residents_protected": residents,
        "capacity": cap,
        "sheltered": sheltered,
        **(sheltered_by or {}),
        "sheltered_safe": sheltered * safe,
    }
    for name, vals in people.items():
        out = out.assign(**q_columns(name, vals))
    if binding is not None:
        out["binding"], out["binding_share"] = binding_mode(binding)
    if capacity_rule is not None:
        out["capacity_rule"] = list(capacity_rule)
    extra: dict[str, Any] = {}
    control = prep.control
    if control is not None:
        for col in CONTROL_COLUMNS:
            if col == "area_before_cut_km2" and col not in control.columns:
                extra[col] = out["area_km2"].to_numpy()  # nothing was cut
            else:
                extra[col] = control[col].to_numpy()
    every = prep.zone_events_all
    if every is not None:
        for col, src in ALL_EVENT_COLUMNS.items():
            extra[col] = every[src].to_numpy()
    if len(prep.protection_source) == len(out):
        extra["protection_source"] = list(prep.protection_source)
    if deaths_averted is not None:
        extra.update(q_columns("deaths_averted", deaths_averted))
    if needs_spec is not None:  # quantiles of each draw's needs, not needs of the quantiles
        for name, vals in needs(sheltered, needs_spec).items():
            extra.update(q_columns(name, vals))
    return out.assign(**extra) if extra else out


def binding_mode(binding: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Return each zone's most frequent binding reason over the draws and its share of them.

    Ties go to the first of :data:`~safezones.model.metrics.BINDING` (capacity, reach, demand).

    Examples
    --------
    >>> binding_mode(np.array([[0, 1], [0, 2], [1, 2]]))
    (['capacity', 'demand'], array([0.66666667, 0.66666667]))
    """
    n = len(BINDING)
    counts = np.stack([(binding == k).sum(axis=0) for k in range(n)])  # (reasons, zones)
    mode = counts.argmax(axis=0)
    share = counts.max(axis=0) / max(len(binding), 1)
    return [BINDING[k] for k in mode], share


def capacity_rules(
    area_km2: Sequence[float],
    given: Sequence[float | None],
    *,
    usable_fraction: float,
    site_area_m2: float,
    usable_range: tuple[float, float] | None = None,
    site_range: tuple[float, float] | None = None,
) -> list[str]:
    """Say, per zone, how its capacity is computed: the usable-land rule at its central values.

    Where capacity binds, the number sheltered *is* this rule (the memo says so).

    Examples
    --------
    >>> capacity_rules([1000.0, 50.0], [None, 5000.0], usable_fraction=0.01, site_area_m2=45.0,
    ...                usable_range=(0.005, 0.05), site_range=(30.0, 67.0))
    ['1% of 1,000 km² usable, at 45 m² per person: 222,222 people (drawn 0.5-5% and 30-67 m²)', 'given by the scenario: 5,000 people']
    """
    drawn = ""
    if usable_range is not None and site_range is not None:
        drawn = (f" (drawn {100 * usable_range[0]:.3g}-{100 * usable_range[1]:.3g}% and "
                 f"{site_range[0]:.3g}-{site_range[1]:.3g} m²)")  # fmt: skip
    out = []
    for area, cap in zip(area_km2, given, strict=True):
        if cap is not None and np.isfinite(cap):
            out.append(f"given by the scenario: {cap:,.0f} people")
            continue
        people = float(capacity([float(area)], usable_fraction=usable_fraction,
                                site_area_per_person_m2=site_area_m2)[0])  # fmt: skip
        out.append(f"{100 * usable_fraction:.3g}% of {float(area):,.0f} km² usable, at "
                   f"{site_area_m2:.3g} m² per person: {people:,.0f} people{drawn}")  # fmt: skip
    return out


def _hazard_columns(sc: Scenario, prep: PreparedTables) -> tuple[list[str], np.ndarray]:
    """Return each origin's hazard class name and displacement rate (mode ``hazard``)."""
    dem = sc.demand
    names = HAZARD_CLASSES if len(dem.rates) == 3 else tuple(map(str, range(len(dem.rates))))
    rates = np.asarray(dem.rates)
    if dem.origin == "cells":  # the class most people of the district live in, mean rate
        n_o, n_c = len(prep.units), len(rates)
        by_class = np.zeros((n_o, n_c))
        np.add.at(by_class, (prep.groups.origin, prep.group_class), prep.gpop[:, 1])
        cls = by_class.argmax(axis=1)
        total = by_class.sum(axis=1)
        rate = np.divide(by_class @ rates, total, out=np.zeros(n_o), where=total > 0)
    else:
        cls = hazard_class(prep.intensity, dem.thresholds)
        rate = rates[cls]
    return [names[c] for c in cls], rate


def per_origin_table(
    sc: Scenario,
    prep: PreparedTables,
    displaced: np.ndarray,
    flows_o: np.ndarray,
    destinations: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return the per-origin table: population, intensity, hazard class and rate, people.

    Parameters
    ----------
    sc
        The scenario run (its ``demand`` section).
    prep
        The run's preparation.
    displaced
        (draws, origins) people displaced.
    flows_o
        (draws, origins, zones) people moving from each origin to each zone.
    destinations
        (draws, origins, 6) where the unmet go: stay in Syria, then each neighbour of
        :data:`~safezones.defaults.LEAVE_DESTINATIONS` (``stay_in_syria`` and
        ``leave_<ISO3>`` columns).

    Returns
    -------
    pandas.DataFrame
        One row per origin unit; ``unmet`` are the displaced the zones do not
        shelter, who go to ``outside_destination``
        (:data:`~safezones.defaults.OUTSIDE_DESTINATIONS`).
    """
    sheltered_o = flows_o.sum(axis=2)  # (n, O)
    out = pd.DataFrame({
        "pcode": prep.units["pcode"].to_numpy(),
        "name": prep.units["name"].to_numpy(),
        "population_low": prep.opop[:, 0],
        "population_central": prep.opop[:, 1],
        "population_high": prep.opop[:, 2],
        "events_per_1000km2_year": prep.intensity,
    })  # fmt: skip
    if sc.demand.mode == "hazard":
        out["hazard_class"], out["rate"] = _hazard_columns(sc, prep)
    for name, vals in (("displaced", displaced), ("sheltered", sheltered_o),
                       ("unmet", np.maximum(displaced - sheltered_o, 0.0))):  # fmt: skip
        out = out.assign(**q_columns(name, vals))
    # the unmet take the outside option: stay in Syria, or leave for a neighbour
    if destinations is not None:
        for j, name in enumerate(("stay_in_syria", *(f"leave_{c}" for c in LEAVE_DESTINATIONS))):
            out = out.assign(**q_columns(name, destinations[:, :, j]))
    out["outside_destination"] = " / ".join(OUTSIDE_DESTINATIONS)
    return out


def flows_table(
    prep: PreparedTables, flows_o: np.ndarray, travel_km: np.ndarray, changes: np.ndarray
) -> pd.DataFrame:
    """Return the flows: people from each origin to each zone, their mean travel and front lines.

    Parameters
    ----------
    prep
        The run's preparation.
    flows_o
        (draws, origins, zones) people moving from each origin to each zone.
    travel_km, changes
        (origins, zones) the mean travel km and control changes of those people,
        weighted by the flows of every draw (:class:`~safezones.model.score.Scored`).

    Returns
    -------
    pandas.DataFrame
        One row per origin and zone that someone moves between (P95 > 0),
        sorted by zone and P50 (largest first). ``distance_km`` and
        ``control_changes`` (changes of controlling actor along the straight
        line, ``Groups.crossings``; 0 without a control surface) are the means
        over the origin's groups weighted by their flows over the draws;
        ``origin_actor`` and ``zone_actor`` (the actor holding most of the
        origin's and the zone's people) come when the preparation has control.
    """
    groups = prep.groups
    crossings = getattr(groups, "crossings", None)  # None: no control surface (or a toy)
    change = np.zeros_like(travel_km) if crossings is None else np.nan_to_num(changes)
    q = summarise(flows_o)  # (O, Z, 3)
    oi, zi = np.nonzero(q[:, :, 2] > 0)
    table = pd.DataFrame({
        "origin_pcode": prep.units["pcode"].to_numpy()[oi],
        "origin_name": prep.units["name"].to_numpy()[oi],
        "zone_id": prep.zones["zone_id"].to_numpy()[zi],
        "people_p5": q[oi, zi, 0],
        "people_p50": q[oi, zi, 1],
        "people_p95": q[oi, zi, 2],
        "distance_km": travel_km[oi, zi],
    })  # fmt: skip
    if prep.origin_actor is not None:
        table["origin_actor"] = np.asarray(prep.origin_actor, dtype=object)[oi]
    if prep.control is not None:
        table["zone_actor"] = prep.control["actor"].to_numpy(dtype=object)[zi]
    table["control_changes"] = change[oi, zi]
    return table.sort_values(["zone_id", "people_p50"], ascending=[True, False], ignore_index=True)


def population_total(result: ScenarioResult) -> dict[str, float]:
    """Return P5/P50/P95 of everyone living in any zone (overlaps once), from the draws.

    Parameters
    ----------
    result
        A scored scenario; its ``detail["population_total"]`` holds the draws.

    Returns
    -------
    dict
        ``{"p5": ..., "p50": ..., "p95": ...}``, or empty when the result
        carries no such draws.

    Examples
    --------
    >>> import types
    >>> r = types.SimpleNamespace(detail={"population_total": np.array([5.0, 5.0])})
    >>> population_total(r)  # doctest: +NORMALIZE_WHITESPACE
    {'p5': 5.0, 'p50': 5.0, 'p95': 5.0}
    """
    draws = np.asarray(result.detail.get("population_total", np.zeros(0)), dtype=float)
    if not len(draws):
        return {}
    return {q: float(v) for q, v in zip(QUANTILES, summarise(draws), strict=True)}
