"""The score of a scenario's draws: prepared arrays in, metrics out.

This module is the one definition of the model's arithmetic. Both
:func:`safezones.scenario.run` and :class:`safezones.engine.Engine` prepare
arrays in their own way (groups of people with the same reach; reach patterns
by hazard class) and then call these functions, so a change to the model is
made once:

- :func:`sample`: the uncertainty section mapped to the sampled inputs;
- :func:`hazard_displaced` and :func:`displaced_share`: the displaced, by
  hazard-class rate (clipped to [0, 1]), scaled to the national total;
- :func:`zone_capacity` and :func:`zone_safety`: capacity per draw and zone,
  and safety after the protection drawn (clipped to [0, 1]);
- :func:`band_people` and :func:`not_displaced`: people at a draw's position
  in the population bands, and the residents who are not displaced;
- :func:`metrics`: the score, by name, in :data:`~safezones.model.metrics.METRICS` order;
- :func:`zone_deaths_averted`: the civilian deaths per year averted in each
  zone (the formula: :mod:`safezones.model.deaths`).

Examples
--------
Two hazard classes, 100 people each, rates 0.1 and 0.5, one zone that takes 40:

>>> import numpy as np
>>> from safezones.model.uncertainty import Draws
>>> dr = Draws(np.zeros(1), np.ones((1, 2)), np.ones(1), np.array([45.0]), np.zeros(1))
>>> disp = hazard_displaced(np.array([[100.0, 100.0]]), np.array([0, 1]), [0.1, 0.5], dr)
>>> disp.tolist()
[[10.0, 50.0]]
>>> m = metrics(disp.sum(axis=1), np.array([[40.0]]), np.array([0.0]),
...             np.array([[40.0]]), np.array([[0.5]]), within=np.array([[15.0]]))
>>> dict(zip(METRICS[:4], (float(v) for v in m[0])))
{'displaced': 60.0, 'sheltered': 40.0, 'arrivals': 25.0, 'displaced_within': 15.0}
>>> [float(v) for v in m[0][4:]]
[40.0, 40.0, 0.0, 20.0, 40.0, 20.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from safezones.defaults import DEFAULT_CROSSING_PENALTY_KM, LEAVE_DESTINATIONS
from safezones.model.deaths import deaths_averted, drawn_protection, inflow_rate
from safezones.model.demand import scale_to_total
from safezones.model.departures import group_leave_weights, split_outside
from safezones.model.metrics import BINDING, METRICS, binding
from safezones.model.shelter import Groups, allocate_gravity, allocate_optimal, capacity, safety
from safezones.model.uncertainty import (
    Central,
    Draws,
    Reach,
    UncertaintySpec,
    band_values,
    draw_inputs,
)

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario
    from safezones.model.prepare import Prepared

__all__ = [
    "BINDING",
    "Scored",
    "band_people",
    "binding",
    "central_values",
    "displaced_share",
    "flow_means",
    "flow_sums",
    "gravity_distance_km",
    "gravity_flows",
    "group_displaced",
    "hazard_displaced",
    "metrics",
    "national_total",
    "not_displaced",
    "sample",
    "scenario_draws",
    "score_groups",
    "score_variant",
    "uncertainty_spec",
    "zone_capacity",
    "zone_deaths_averted",
    "zone_safety",
]


class _Uncertainty(Protocol):
    """The ``[uncertainty]`` section as :func:`draws` reads it."""

    rate_spread: float
    national_total_spread: float
    site_area_low_m2: float
    site_area_high_m2: float
    protection_spread: float
    population_bands: bool
    crossing_penalty_spread: float


class _Demand(Protocol):
    """The ``[demand]`` section as :func:`national_total` reads it."""

    scale_to_national_total: bool
    national_total: float | None


def uncertainty_spec(section: _Uncertainty) -> UncertaintySpec:
    """Return the spreads of a scenario's ``[uncertainty]`` section, field by field.

    Examples
    --------
    >>> uncertainty_spec(UncertaintySpec(rate_spread=0.1)).rate_spread
    0.1
    """
    return UncertaintySpec(**{f.name: getattr(section, f.name) for f in fields(UncertaintySpec)})


def sample(
    section: _Uncertainty,
    *,
    n: int,
    n_classes: int,
    seed: int,
    site_area_central_m2: float,
    crossing_penalty_central_km: float = DEFAULT_CROSSING_PENALTY_KM,
    central: Central | None = None,
) -> Draws:
    """Sample the inputs of ``n`` draws (``n=1``: the central case).

    ``crossing_penalty_central_km`` is the scenario's ``shelter.crossing_penalty_km``;
    ``central`` the scenario's structural values (:func:`central_values`).

    Examples
    --------
    >>> d = sample(UncertaintySpec(), n=1, n_classes=3, seed=1, site_area_central_m2=45.0,
    ...            crossing_penalty_central_km=15.0)
    >>> float(d.site_area_per_person_m2[0]), d.rate_factor.shape, d.crossing_penalty_km.tolist()
    (45.0, (1, 3), [15.0])
    """
    return draw_inputs(
        uncertainty_spec(section),
        draws=n,
        n_classes=n_classes,
        seed=seed,
        site_area_central_m2=site_area_central_m2,
        crossing_penalty_central_km=crossing_penalty_central_km,
        central=central,
    )


def central_values(sc: Scenario) -> Central:
    """Return the scenario's central values of the drawn structural inputs.

    Examples
    --------
    >>> from safezones.config.scenario import Scenario
    >>> sc = Scenario.from_dict({"id": "a", "title": "a", "source": {"citation": "x"},
    ...     "zones": [{"id": "z", "kind": "freeze", "place": "Aleppo", "radius_km": 10}],
    ...     "shelter": {"max_travel_km": 80}})
    >>> central_values(sc).reach.max_travel_km
    80.0
    """
    sh = sc.shelter
    return Central(site_area_m2=sh.site_area_per_person_m2,
                   crossing_penalty_km=sh.crossing_penalty_km,
                   usable_fraction=sh.usable_fraction, max_travel_km=sh.max_travel_km,
                   detour_factor=sh.detour_factor, distance_decay=sh.distance_decay)  # fmt: skip


def scenario_draws(sc: Scenario, *, n: int, seed: int) -> Draws:
    """Return the draws of a scenario: its uncertainty section around its central values."""
    return sample(sc.uncertainty, n=n, n_classes=len(sc.demand.rates), seed=seed,
                  site_area_central_m2=sc.shelter.site_area_per_person_m2,
                  crossing_penalty_central_km=sc.shelter.crossing_penalty_km,
                  central=central_values(sc))  # fmt: skip


def national_total(demand: _Demand) -> float | None:
    """Return the national total the displaced are scaled to, or None when not scaled."""
    if demand.scale_to_national_total and demand.national_total is not None:
        return float(demand.national_total)
    return None


def hazard_displaced(
    people: np.ndarray,
    hazard: np.ndarray,
    rates: np.ndarray | list[float] | tuple[float, ...],
    dr: Draws,
    total: float | None = None,
) -> np.ndarray:
    """Displaced ``(draws, X)`` of ``people`` ``(draws, X)`` in hazard classes ``hazard`` ``(X,)``.

    Each class's rate is multiplied by its drawn factor and clipped to [0, 1];
    with a national ``total`` (see :func:`national_total`), the displaced of
    every draw are scaled to ``total`` times the drawn national factor, capped
    at each entry's people.

    Examples
    --------
    >>> dr = Draws(np.zeros(2), np.array([[1.0], [3.0]]), np.ones(2), np.ones(2), np.zeros(2))
    >>> hazard_displaced(np.array([[10.0], [10.0]]), np.array([0]), [0.5], dr).tolist()
    [[5.0], [10.0]]
    """
    rate = np.clip(np.asarray(rates, dtype=float)[None, :] * dr.rate_factor, 0.0, 1.0)
    out = people * rate[:, np.asarray(hazard)]
    if total is not None:
        out = scale_to_total(out, people, total * dr.national_factor)
    return np.asarray(out, dtype=float)


def displaced_share(displaced: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Return the share of ``people`` displaced, in [0, 1] (0 where nobody lives).

    Examples
    --------
    >>> displaced_share(np.array([5.0, 1.0]), np.array([10.0, 0.0])).tolist()
    [0.5, 0.0]
    """
    share = np.divide(displaced, people, out=np.zeros_like(displaced), where=people > 0)
    return np.asarray(np.clip(share, 0.0, 1.0), dtype=float)


def band_people(bands: np.ndarray, t: np.ndarray) -> np.ndarray:
    """People of ``bands`` ``(..., 3)`` (low, central, high) at each draw's position ``t``.

    Returns ``(draws, ...)``.

    Examples
    --------
    >>> band_people(np.array([[80.0, 100.0, 150.0]]), np.array([-0.5, 1.0])).tolist()
    [[90.0], [150.0]]
    """
    b = np.asarray(bands, dtype=float)
    flat = b.reshape(-1, 3)
    out = band_values(flat[:, 0], flat[:, 1], flat[:, 2], t)
    return np.asarray(out.reshape(len(t), *b.shape[:-1]))


def not_displaced(residents: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Residents ``(draws, ..., X)`` who are not displaced (``share`` ``(draws, X)``), summed over X.

    Examples
    --------
    >>> not_displaced(np.array([[10.0, 20.0]]), np.array([[0.5, 0.0]])).tolist()
    [25.0]
    """
    keep = 1.0 - share
    keep = keep.reshape(keep.shape[0], *([1] * (residents.ndim - 2)), keep.shape[-1])
    return np.asarray((residents * keep).sum(axis=-1))


def zone_capacity(
    area_km2: np.ndarray,
    dr: Draws,
    *,
    usable_fraction: float,
    explicit: list[float | None],
) -> np.ndarray:
    """Capacity ``(draws, zones)``: given, else usable area over the drawn site area per person.

    The usable share is the draws' (``dr.usable_fraction``) where drawn, else ``usable_fraction``.

    Examples
    --------
    >>> dr = Draws(np.zeros(1), np.ones((1, 1)), np.ones(1), np.array([50.0]), np.zeros(1))
    >>> zone_capacity(np.array([1.0, 1.0]), dr, usable_fraction=0.01,
    ...               explicit=[None, 7.0]).tolist()
    [[200.0, 7.0]]
    """
    usable = (np.asarray(usable_fraction, dtype=float) if dr.usable_fraction is None
              else np.asarray(dr.usable_fraction, dtype=float)[:, None])  # fmt: skip
    cap = capacity(
        area_km2,
        usable_fraction=usable,
        site_area_per_person_m2=dr.site_area_per_person_m2[:, None],
        explicit=explicit,
    )
    return np.array(np.broadcast_to(cap, (dr.n, len(explicit))))


def zone_safety(exposure: np.ndarray, protection: np.ndarray, dr: Draws) -> np.ndarray:
    """Safety ``(draws, zones)`` with each zone's protection shifted by the draw, in [0, 1].

    Examples
    --------
    >>> dr = Draws(np.zeros(1), np.ones((1, 1)), np.ones(1), np.ones(1), np.array([0.5]))
    >>> zone_safety(np.array([1.0, 1.0]), np.array([0.2, 0.8]), dr).tolist()
    [[0.7, 1.0]]
    """
    return safety(np.asarray(exposure, dtype=float)[None, :], drawn_protection(protection, dr))


def metrics(
    displaced: np.ndarray,
    sheltered: np.ndarray,
    residents: np.ndarray,
    cap: np.ndarray,
    safe: np.ndarray,
    *,
    deaths: np.ndarray | None = None,
    within: np.ndarray | None = None,
    gravity: np.ndarray | None = None,
    optimal: np.ndarray | None = None,
) -> np.ndarray:
    """Score every draw: ``(draws, len(METRICS))``, columns in ``METRICS`` order.

    Parameters
    ----------
    displaced, residents
        ``(draws,)``: everyone displaced; residents of any zone not displaced.
    sheltered, cap, safe
        ``(draws, zones)``: people sheltered in each zone (the headline allocation),
        its capacity, its safety.
    deaths
        ``(draws, zones)``: civilian deaths per year averted in each zone
        (:func:`zone_deaths_averted`); None when no death rates are known (0).
    within
        ``(draws, zones)``: of ``sheltered``, the displaced whose home is the zone
        (None: nobody; arrivals are then everyone sheltered).
    gravity, optimal
        ``(draws, zones)``: sheltered by each allocation (None: ``sheltered``).
    """
    total = sheltered.sum(axis=1)
    averted = np.zeros(len(sheltered)) if deaths is None else np.asarray(deaths).sum(axis=1)
    inside = np.zeros(len(sheltered)) if within is None else np.asarray(within).sum(axis=1)
    by_name = {
        "displaced": displaced,
        "sheltered": total,
        "arrivals": total - inside,
        "displaced_within": inside,
        "sheltered_gravity": total if gravity is None else np.asarray(gravity).sum(axis=1),
        "sheltered_optimal": total if optimal is None else np.asarray(optimal).sum(axis=1),
        "residents_protected": residents,
        "unmet": np.maximum(displaced - total, 0.0),
        "capacity": cap.sum(axis=1),
        "sheltered_safe": (sheltered * safe).sum(axis=1),
        "deaths_averted": averted,
    }
    return np.column_stack([by_name[m] for m in METRICS])


@dataclass(frozen=True)
class Scored:
    """The draws of a scenario scored on its groups: what :func:`~safezones.scenario.run` reports.

    Attributes
    ----------
    samples
        ``(draws, len(METRICS))``, see :func:`metrics`.
    displaced, outside
        ``(draws, origins)``: the displaced, and those of them the headline
        allocation does not shelter (the outside option: stay, or leave Syria).
    flows_o
        ``(draws, origins, zones)``: the headline allocation's people from each origin.
    cap, sheltered, arrivals, within, safe, population, residents, deaths_averted
        ``(draws, zones)``: capacity; people sheltered (headline), of them those from
        outside the zone and those whose home is in it; safety; everyone living in the
        zone, those of them not displaced, and the civilian deaths per year averted
        (:func:`zone_deaths_averted`).
    by_allocation
        ``{"gravity": ..., "optimal": ...}``: people sheltered per zone by each
        allocation ``(draws, zones)``.
    binding
        ``(draws, zones)`` index into :data:`BINDING`.
    population_total
        ``(draws,)``: everyone living in any zone, overlaps counted once.
    travel_km, changes
        ``(origins, zones)``: the mean travel km and control changes of the people
        who move, weighted by the flows of every draw (NaN where nobody moves).
    draws
        The sampled inputs of every draw (:class:`~safezones.model.uncertainty.Draws`).
    """

    samples: np.ndarray
    displaced: np.ndarray
    flows_o: np.ndarray
    cap: np.ndarray
    sheltered: np.ndarray
    arrivals: np.ndarray
    within: np.ndarray
    by_allocation: dict[str, np.ndarray]
    binding: np.ndarray
    outside: np.ndarray
    safe: np.ndarray
    population: np.ndarray
    residents: np.ndarray
    population_total: np.ndarray
    deaths_averted: np.ndarray
    travel_km: np.ndarray
    changes: np.ndarray
    draws: Draws | None = None
    destinations: np.ndarray | None = None  # (draws, origins, 6): stay, then LEAVE_DESTINATIONS


def zone_deaths_averted(
    prep: Prepared,
    dr: Draws,
    demand: np.ndarray,
    residents: np.ndarray,
    arrivals: np.ndarray,
) -> np.ndarray:
    """Return the civilian deaths per year averted in each draw and zone, ``(draws, zones)``.

    The formula is :func:`safezones.model.deaths.deaths_averted`'s, with the
    prepared rates ``prep.civ_rate_zone`` ``(Z,)`` and ``prep.civ_rate_origin``
    ``(O,)`` (each group takes its origin's; a rate not prepared counts as 0),
    the zones' protection as drawn, the displaced ``demand`` ``(draws, groups)``
    who reach each zone, its ``residents`` not displaced and its ``arrivals``
    (both ``(draws, zones)``).
    """
    n_z, n_o = len(prep.zones), len(prep.units)
    rz = np.zeros(n_z) if prep.civ_rate_zone is None else np.asarray(prep.civ_rate_zone, float)
    ro = np.zeros(n_o) if prep.civ_rate_origin is None else np.asarray(prep.civ_rate_origin, float)
    inflow = inflow_rate(demand, prep.groups.reach, ro[prep.groups.origin])
    prot = drawn_protection(prep.zones["protection"].to_numpy(dtype=float), dr)
    return deaths_averted(residents, rz, prot, arrivals, inflow)


def group_displaced(
    sc: Scenario, prep: Prepared, dr: Draws, pop_g: np.ndarray, pop_o: np.ndarray
) -> np.ndarray:
    """Return the displaced per draw and group, ``(draws, groups)``.

    Mode ``hazard``: :func:`hazard_displaced` by each group's class. Mode ``given``:
    each origin's given displaced, shared by population and scaled by the national factor.
    """
    if prep.given is None:
        return hazard_displaced(pop_g, prep.group_class, sc.demand.rates, dr,
                                national_total(sc.demand))  # fmt: skip
    origin = prep.groups.origin
    share = np.divide(pop_g, pop_o[:, origin], out=np.zeros_like(pop_g), where=pop_o[:, origin] > 0)
    return np.asarray(prep.given[origin][None, :] * share * dr.national_factor[:, None])


def _variant(prep: Prepared, reach: Reach, central: Reach) -> Prepared:
    """Return the preparation of one reach variant: the central one, or regrouped for it."""
    if reach == central or prep.regroup is None:
        return prep
    got: Prepared = prep.regroup(reach)
    return got


def score_groups(
    sc: Scenario,
    prep: Prepared,
    *,
    draws: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    optimal: Callable[..., np.ndarray] = allocate_optimal,
) -> Scored:
    """Score ``draws`` draws of a prepared scenario, allocating its groups in every draw.

    Both allocations are made in every draw; ``shelter.allocation`` names the
    headline. Draws of the same reach variant (:class:`~safezones.model.uncertainty.Reach`)
    share its groups (``prep.regroup``). ``progress(done, total)`` is called while
    the draws are allocated; ``optimal`` solves the ``optimal`` allocation (the
    tests pass one LP per draw).
    """
    n_z, n_o = len(prep.zones), len(prep.units)
    dr = scenario_draws(sc, n=draws, seed=seed)
    central = central_values(sc).reach
    shape = {"zo": (draws, n_z), "o": (draws, n_o)}
    names = {"zo": ("cap", "sheltered", "within", "gravity", "optimal", "safe", "population",
                    "residents", "deaths"), "o": ("displaced", "outside")}  # fmt: skip
    out: dict[str, np.ndarray] = {k: np.zeros(shape[kind]) for kind in names for k in names[kind]}
    out["destinations"] = np.zeros((draws, n_o, 1 + len(LEAVE_DESTINATIONS)))
    out["binding"] = np.zeros((draws, n_z), dtype=np.int8)
    out["flows_o"] = np.zeros((draws, n_o, n_z))
    out["samples"] = np.zeros((draws, len(METRICS)))
    out["population_total"] = np.zeros(draws)
    travel = np.zeros((3, n_o, n_z))  # sums: flow x km, flow x changes, flow
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(min(done[0], draws), draws)

    for reach, idx in dr.by_variant(central):
        pv = _variant(prep, reach, central)
        part = score_variant(sc, pv, dr.take(idx), reach, tick, optimal)
        for k, v in part.items():
            if k == "travel":
                travel += v
            else:
                out[k][idx] = v
    return Scored(
        samples=out["samples"], displaced=out["displaced"], flows_o=out["flows_o"],
        cap=out["cap"], sheltered=out["sheltered"],
        arrivals=out["sheltered"] - out["within"], within=out["within"],
        by_allocation={"gravity": out["gravity"], "optimal": out["optimal"]},
        binding=out["binding"], outside=out["outside"], safe=out["safe"],
        population=out["population"], residents=out["residents"],
        population_total=out["population_total"], deaths_averted=out["deaths"],
        travel_km=_mean(travel[0], travel[2]), changes=_mean(travel[1], travel[2]), draws=dr,
        destinations=out["destinations"],
    )  # fmt: skip


def _mean(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.asarray(np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0))


def flow_sums(groups: Groups, flows: np.ndarray, n_o: int) -> np.ndarray:
    """Return ``(3, origins, zones)``: flow x travel km, flow x control changes, and flow.

    Summed over the draws of ``flows`` ``(draws, groups, zones)`` and each origin's
    groups; their ratios are the flow-weighted means :func:`flow_means` gives.
    """
    w = np.asarray(flows).sum(axis=0)  # (G, Z)
    km = np.where(groups.reach, groups.distance_km, 0.0)
    crossings = getattr(groups, "crossings", None)
    cross = np.zeros_like(km) if crossings is None else np.asarray(crossings, float)
    out = np.zeros((3, n_o, w.shape[1]))
    for k, v in enumerate((w * km, w * cross, w)):
        np.add.at(out[k], groups.origin, v)
    return out


def flow_means(groups: Groups, flows: np.ndarray, n_o: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the flow-weighted mean travel km and control changes ``(origins, zones)``.

    Examples
    --------
    >>> g = Groups(np.arange(2), np.array([0, 0]), np.ones((2, 1), bool),
    ...            np.array([[2.0], [6.0]]), np.array([[1.0], [3.0]]))
    >>> km, ch = flow_means(g, np.array([[[30.0], [10.0]]]), 1)
    >>> km.tolist(), ch.tolist()
    ([[3.0]], [[1.5]])
    """
    s = flow_sums(groups, flows, n_o)
    return _mean(s[0], s[2]), _mean(s[1], s[2])


def score_variant(
    sc: Scenario,
    prep: Prepared,
    dr: Draws,
    reach: Reach,
    tick: Callable[[int], None],
    optimal: Callable[..., np.ndarray],
) -> dict[str, np.ndarray]:
    """Score the draws ``dr`` of one reach variant on its groups (see :func:`score_groups`)."""
    groups, sh = prep.groups, sc.shelter
    n, n_z, n_o = dr.n, len(prep.zones), len(prep.units)
    t = dr.population_t

    # demand: displaced per group (origin, hazard class, reach, home), and per origin
    gp = band_people(prep.gpop, t)  # (n, G)
    demand = group_displaced(sc, prep, dr, gp, band_people(prep.opop, t))  # (n, G)
    displaced = np.zeros((n, n_o))
    np.add.at(displaced.T, groups.origin, demand.T)
    share = displaced_share(demand, gp)

    # shelter: capacity, safety, both allocations
    cap = zone_capacity(prep.zones["area_km2"].to_numpy(dtype=float), dr,
                        usable_fraction=sh.usable_fraction,
                        explicit=list(prep.zones["capacity_given"]))  # fmt: skip
    safe = zone_safety(prep.exposure, prep.zones["protection"].to_numpy(float), dr)  # (n, Z)
    shape = (n, len(groups.origin), n_z)
    leave_w = group_leave(sc, prep.cells, groups)  # (G, 5)
    grav = np.asarray(gravity_flows(sc, groups, dr, demand, cap, safe, reach,
                                    leave=leave_w)).reshape(shape)  # fmt: skip
    opt = np.asarray(optimal(demand, cap, groups.reach, groups.distance_km,
                             progress=tick)).reshape(shape)  # fmt: skip
    flows = opt if sh.allocation == "optimal" else grav
    sheltered = flows.sum(axis=1)  # (n, Z)
    within = (flows * groups.within()[None, :, :]).sum(axis=1)
    flows_o = np.zeros((n, n_o, n_z))
    np.add.at(flows_o.transpose(1, 0, 2), groups.origin, flows.transpose(1, 0, 2))
    outside = displaced - flows_o.sum(axis=2)
    dest = destinations(sc, dr, np.maximum(demand - flows.sum(axis=2), 0.0), leave_w,
                        groups.origin, n_o)  # fmt: skip
    reachable = demand @ groups.reach.astype(float)  # (n, Z)

    # population: everyone living in the zone; residents protected: those not displaced
    res_zg = band_people(prep.res_zg, t)  # (n, Z, G)
    res_u = band_people(prep.res_g, t)
    residents = not_displaced(res_zg, share)  # (n, Z)
    deaths = zone_deaths_averted(prep, dr, demand, residents, sheltered)
    g_sum, o_sum = grav.sum(axis=1), opt.sum(axis=1)
    samples = metrics(displaced.sum(axis=1), sheltered, not_displaced(res_u, share), cap, safe,
                      deaths=deaths, within=within, gravity=g_sum, optimal=o_sum)  # fmt: skip
    travel = flow_sums(groups, flows, n_o)
    return {
        "samples": samples, "displaced": displaced, "flows_o": flows_o, "cap": cap,
        "sheltered": sheltered, "within": within, "gravity": g_sum, "optimal": o_sum,
        "binding": binding(sheltered, cap, reachable), "outside": outside, "safe": safe,
        "population": res_zg.sum(axis=2), "residents": residents,
        "population_total": res_u.sum(axis=1), "deaths": deaths, "travel": travel,
        "destinations": dest,
    }  # fmt: skip


def gravity_flows(
    sc: Scenario,
    groups: Groups,
    dr: Draws,
    demand: np.ndarray,
    cap: np.ndarray,
    safe: np.ndarray,
    reach: Reach,
    *,
    leave: np.ndarray | None = None,
) -> np.ndarray:
    """Return the gravity flows ``(draws, groups, zones)``, with the draws' decay and outside option.

    The groups are the variant's (formed at its crossing penalty ``reach``); a
    penalty drawn off the variant's moves the distances (:func:`gravity_distance_km`).
    The outside option weighs staying (``shelter.outside_option`` times the draw's
    factor) plus leaving for each neighbour (``leave`` ``(G, 5)``, :func:`group_leave`).
    """
    sh = sc.shelter
    decay = sh.distance_decay if dr.distance_decay is None else dr.distance_decay
    dist = gravity_distance_km(groups, dr, reach.crossing_penalty_km)
    return allocate_gravity(demand, cap, groups.reach, dist, safe, decay=decay,
                            outside_option=stay_weight(sc, dr),
                            leave_weight=None if leave is None else leave.sum(axis=1))  # fmt: skip


def stay_weight(sc: Scenario, dr: Draws) -> np.ndarray:
    """Return each draw's weight of staying in Syria: ``shelter.outside_option`` x its factor."""
    factor = np.ones(dr.n) if dr.outside_factor is None else np.asarray(dr.outside_factor, float)
    return np.asarray(sc.shelter.outside_option * factor)


def leave_year(sc: Scenario) -> int:
    """Return the year whose border policies hold for the scenario: its window's last year."""
    return int(str(sc.events.end)[:4])


def group_leave(sc: Scenario, cells: Any, groups: Groups) -> np.ndarray:
    """Return each group's weight of leaving for each neighbour ``(G, 5)`` (the window's last year)."""
    sh = sc.shelter
    return group_leave_weights(cells, groups.of_cell, len(groups.origin), year=leave_year(sc),
                               attract=sh.leave.model_dump(), decay=sh.border_decay)  # fmt: skip


def destinations(sc: Scenario, dr: Draws, unsheltered: np.ndarray, leave: np.ndarray,
                 origin: np.ndarray, n_o: int) -> np.ndarray:  # fmt: skip
    """Return where the unsheltered go, per origin ``(draws, origins, 6)``: stay, then each neighbour.

    ``unsheltered`` ``(draws, G)``; each group's are split by the weights of staying
    (the draw's) and of leaving for each neighbour (``leave`` ``(G, 5)``).
    """
    by_g = split_outside(unsheltered, stay_weight(sc, dr)[:, None], leave[None, :, :])  # (n, G, 6)
    out = np.zeros((unsheltered.shape[0], n_o, by_g.shape[2]))
    np.add.at(out.transpose(1, 0, 2), origin, by_g.transpose(1, 0, 2))
    return out


def gravity_distance_km(groups: Groups, dr: Draws, central_km: float) -> np.ndarray:
    """Return the gravity distance with each draw's crossing penalty: ``(G, Z)`` or ``(n, G, Z)``.

    ``groups.distance_km`` holds the central penalty (``central_km`` per
    control change); each draw adds ``(drawn - central) * groups.crossings``.
    Groups without crossings, or draws at the central penalty, keep
    ``groups.distance_km`` ``(G, Z)``.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> g = NS(distance_km=np.array([[50.0, 80.0]]), crossings=np.array([[0.0, 2.0]]))
    >>> dr = Draws(*[np.zeros(2)] * 5, np.array([10.0, 30.0]))
    >>> gravity_distance_km(g, dr, 20.0).tolist()
    [[[50.0, 60.0]], [[50.0, 100.0]]]
    """
    crossings = getattr(groups, "crossings", None)
    shift = dr.crossing_shift_km(central_km)
    if crossings is None or not np.any(shift) or not np.any(crossings):
        return np.asarray(groups.distance_km, dtype=float)
    c = np.asarray(crossings, dtype=float)
    dist = groups.distance_km[None, :, :] + shift[:, None, None] * c[None, :, :]
    return np.asarray(np.maximum(dist, 0.0))  # never below 0, were the central penalty not in
