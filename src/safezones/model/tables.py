"""The tables of a result: per zone, per origin and the flows, from the draws of a run.

Each table summarises per-draw arrays as P5/P50/P95 columns
(:func:`q_columns`); what a run prepared once (zones, origins, reach groups)
comes in as a :class:`PreparedTables`, whatever object carries those
attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from safezones.model.demand import HAZARD_CLASSES, hazard_class
from safezones.model.metrics import QUANTILES
from safezones.model.shelter import safety
from safezones.model.uncertainty import summarise

if TYPE_CHECKING:
    import geopandas as gpd

    from safezones.config.scenario import Scenario
    from safezones.model.result import ScenarioResult
    from safezones.model.shelter import Groups

__all__ = [
    "PreparedTables",
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
    arrivals: np.ndarray,
) -> pd.DataFrame:
    """Return the per-zone table: area, events, exposure, safety and the people's quantiles.

    Parameters
    ----------
    prep
        The run's preparation.
    safe, population, residents, cap, arrivals
        (draws, zones) safety, everyone living in the zone, residents not
        displaced, capacity and people sheltered.

    Returns
    -------
    pandas.DataFrame
        One row per zone.
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
    for name, vals in (("population", population), ("residents_protected", residents),
                       ("capacity", cap), ("sheltered", arrivals),
                       ("sheltered_safe", arrivals * safe)):  # fmt: skip
        out = out.assign(**q_columns(name, vals))
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
    sc: Scenario, prep: PreparedTables, displaced: np.ndarray, flows_o: np.ndarray
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

    Returns
    -------
    pandas.DataFrame
        One row per origin unit.
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
    return out


def flows_table(prep: PreparedTables, flows_o: np.ndarray, flows: np.ndarray) -> pd.DataFrame:
    """Return the flows: people from each origin to each zone, and their mean travel km.

    Parameters
    ----------
    prep
        The run's preparation.
    flows_o
        (draws, origins, zones) people moving from each origin to each zone.
    flows
        (draws, groups, zones) the same by reach group.

    Returns
    -------
    pandas.DataFrame
        One row per origin and zone that someone moves between (P95 > 0),
        sorted by zone and P50 (largest first).
    """
    groups = prep.groups
    n_o, n_z = flows_o.shape[1:]
    # mean travel of the people who move, weighted by their mean flow over draws
    w = flows.mean(axis=0)  # (G, Z)
    wdist, wsum = np.zeros((n_o, n_z)), np.zeros((n_o, n_z))
    np.add.at(wdist, groups.origin, w * np.where(groups.reach, groups.distance_km, 0.0))
    np.add.at(wsum, groups.origin, w)
    dist = np.divide(wdist, wsum, out=np.full_like(wdist, np.nan), where=wsum > 0)
    q = summarise(flows_o)  # (O, Z, 3)
    oi, zi = np.nonzero(q[:, :, 2] > 0)
    table = pd.DataFrame({
        "origin_pcode": prep.units["pcode"].to_numpy()[oi],
        "origin_name": prep.units["name"].to_numpy()[oi],
        "zone_id": prep.zones["zone_id"].to_numpy()[zi],
        "people_p5": q[oi, zi, 0],
        "people_p50": q[oi, zi, 1],
        "people_p95": q[oi, zi, 2],
        "distance_km": dist[oi, zi],
    })  # fmt: skip
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
