"""The model on past windows: each year's displaced, who left for which neighbour, who moved where.

For each year of the bundled events (2011-2019), every population cell gets the
hazard class of that year's strike intensity around it (every actor's events: in the
record there was no zone to guard, and every side's violence displaced people;
assumption), the displaced are its people times the class's rate
(:func:`safezones.model.score.hazard_displaced`, not scaled to a national total: the
rates are what calibration fits), and each displaced person chooses by the outside
option of the behavioural allocation (:mod:`safezones.model.departures`):

- **leave** for a neighbour, by its border's distance and openness that year: these
  add up, year after year, to the predicted refugee stock in each host country; the
  leavers are taken off their cells' people for the following years;
- **stay** in Syria: they move to a district chosen by gravity over distance
  (``(d0 / (d + d0)) ** movement_decay``
  between population-weighted district centres; within a district, two thirds of the
  radius of a disc of its area), weighted by its people who were not displaced that
  year (assumption: hosts, and safety, go with them): the predicted movements arriving
  in each governorate;
- in the **north-west border camps** backtest, a de-facto refuge zone along the
  Turkish border of Idleb and Aleppo (:func:`nw_zone`) competes with both, by the
  model's own gravity allocation (:func:`safezones.model.shelter.allocate_gravity`)
  up to each district part's capacity: the predicted site population by district.

The draws are the model's own (:func:`safezones.model.uncertainty.draw_inputs`):
population bands, each class's rate, the hazard thresholds' factor, the distance
decay (shifting the movers' decay by as much; the border decay is not drawn, as in
the scenario model), the stay weight's factor, usable land and site area.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones import data
from safezones.defaults import (
    BORDER_DECAY,
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_DISTANCE_DECAY,
    DEFAULT_KERNEL_KM,
    DEFAULT_MAX_TRAVEL_KM,
    DEFAULT_OUTSIDE_OPTION,
    DEFAULT_RATES,
    DEFAULT_THRESHOLDS,
    DEFAULT_USABLE_FRACTION,
    LEAVE_ATTRACT,
    LEAVE_DESTINATIONS,
    MOVEMENT_DECAY,
    REFERENCE_DISTANCE_KM,
    SPHERE_SITE_AREA_M2,
)
from safezones.errors import SafeZonesError
from safezones.model.demand import hazard_class
from safezones.model.departures import (
    attract_vector,
    border_km,
    leave_pull,
    openness,
    split_outside,
)
from safezones.model.geometry import border_line
from safezones.model.ground import bundled_threat
from safezones.model.overlay import kernel_intensity
from safezones.model.prepare import bundled_cells
from safezones.model.score import hazard_displaced
from safezones.model.shelter import allocate_gravity, capacity
from safezones.model.uncertainty import Central, Draws, UncertaintySpec, band_values, draw_inputs

__all__ = [
    "NW_GOVERNORATES",
    "NW_LEFT_OUT",
    "Grid",
    "Params",
    "Simulation",
    "central_draws",
    "grid",
    "nw_zone",
    "simulate",
    "simulation_draws",
]

#: The governorates of the north-west cross-border operation whose Turkish border
#: strip is the de-facto refuge zone of the camps backtest (CCCM ISIMM covers them).
NW_GOVERNORATES = ("SY02", "SY07")
#: Districts of those governorates left out of the zone: Ain Al Arab (Kobani), east of
#: the Euphrates, and Menbij, both held by Kurdish-led forces (SDF) through 2017-2019 and
#: outside the cross-border operation's area (CCCM ISIMM lists no site in either).
#: Afrin (Kurdish-held until March 2018) and Jebel Saman (government-held Aleppo city from
#: December 2016) stay in: CCCM counts sites there (see ``LIMITS``).
NW_LEFT_OUT = ("SY0206", "SY0205")
#: Depth of the de-facto refuge strip, km. Assumption: the border districts' camps
#: (Atmeh, Qah, Sarmada, Azaz) lie within about 30 km of the border.
NW_DEPTH_KM = 30.0
#: A district's part of the zone smaller than this (km2) is left out: a sliver at the
#: strip's edge (Al Ma'ra's 1 km2), not a place camps stand. Assumption.
NW_MIN_PART_KM2 = 20.0


@dataclass(frozen=True)
class Params:
    """The parameters calibration may fit, at their defaults (each from :mod:`safezones.defaults`)."""

    rates: tuple[float, float, float] = DEFAULT_RATES
    attract: tuple[float, ...] = tuple(LEAVE_ATTRACT[c] for c in LEAVE_DESTINATIONS)
    border_decay: float = BORDER_DECAY
    decay: float = DEFAULT_DISTANCE_DECAY
    movement_decay: float = MOVEMENT_DECAY
    stay: float = DEFAULT_OUTSIDE_OPTION
    usable_fraction: float = DEFAULT_USABLE_FRACTION
    site_area_m2: float = SPHERE_SITE_AREA_M2

    def check(self) -> None:
        """Refuse values the model cannot take, listing every problem."""
        problems = []
        if len(self.rates) != 3 or not all(0 <= r <= 1 for r in self.rates):
            problems.append(f"rates must be three values in [0, 1], got {list(self.rates)}")
        attract_vector(np.asarray(self.attract, dtype=float))
        for k in ("border_decay", "decay", "movement_decay", "stay"):
            v = getattr(self, k)
            if not np.isfinite(v) or v < 0:
                problems.append(f"{k} must be >= 0, got {v!r}")
        if not 0 < self.usable_fraction <= 1:
            problems.append(f"usable_fraction must be in (0, 1], got {self.usable_fraction!r}")
        if not self.site_area_m2 > 0:
            problems.append(f"site_area_m2 must be > 0, got {self.site_area_m2!r}")
        if problems:
            raise SafeZonesError(problems)


@dataclass(frozen=True)
class Zone:
    """The de-facto refuge zone: one part per district, the cells that reach it."""

    district: tuple[str, ...]  # (P,) adm2 P-codes
    governorate: np.ndarray  # (P,) index of each part's governorate in Grid.adm1_codes
    area_km2: np.ndarray  # (P,)
    geometry: gpd.GeoSeries  # PROJECT_CRS
    cells: np.ndarray  # (N,) indices of cells within the longest journey
    dist_km: np.ndarray  # (N, P) straight-line km to each part (0 inside)


@dataclass(frozen=True)
class Grid:
    """The bundled cells with what every window needs, computed once."""

    bands: np.ndarray  # (C, 3)
    xy: np.ndarray  # (C, 2) metres
    adm1: np.ndarray  # (C,) index into adm1_codes
    adm2: np.ndarray  # (C,) index into adm2_codes
    adm1_codes: tuple[str, ...]
    adm2_codes: tuple[str, ...]
    border_km: np.ndarray  # (C, 5)
    years: tuple[int, ...]
    intensity: np.ndarray  # (Y, C) events per 1,000 km2 per year, every actor
    district_km: np.ndarray  # (D, D)
    zone: Zone = field(repr=False, default=None)  # type: ignore[assignment]


def _district_km(xy: np.ndarray, adm2: np.ndarray, pop: np.ndarray, area: np.ndarray) -> np.ndarray:
    n = int(adm2.max()) + 1
    w = np.bincount(adm2, pop, n)
    w = np.where(w > 0, w, 1.0)
    cx = np.bincount(adm2, xy[:, 0] * pop, n) / w
    cy = np.bincount(adm2, xy[:, 1] * pop, n) / w
    d = np.hypot(cx[:, None] - cx[None, :], cy[:, None] - cy[None, :]) / 1000.0
    np.fill_diagonal(d, 2.0 / 3.0 * np.sqrt(area / np.pi))
    return np.asarray(d)


def nw_zone(
    cells_xy: np.ndarray,
    adm1_codes: tuple[str, ...],
    *,
    depth_km: float = NW_DEPTH_KM,
    max_reach_km: float = DEFAULT_MAX_TRAVEL_KM / DEFAULT_DETOUR_FACTOR,
) -> Zone:
    """Return the de-facto refuge zone: Idleb's and Aleppo's land within ``depth_km`` of Turkey.

    One part per district (the SDF-held ones left out, :data:`NW_LEFT_OUT`), in
    PROJECT_CRS; ``adm1_codes`` index the parts' governorates (:attr:`Grid.adm1_codes`).
    """
    dist = data.districts().to_crs(bundled_cells().crs)
    keep = dist["adm1_pcode"].isin(NW_GOVERNORATES) & ~dist["adm2_pcode"].isin(NW_LEFT_OUT)
    strip = shapely.buffer(border_line("TUR"), depth_km * 1000.0)
    parts = dist[keep].assign(geometry=dist[keep].geometry.intersection(strip))
    parts = parts[parts.geometry.area > NW_MIN_PART_KM2 * 1e6].reset_index(drop=True)
    union = shapely.union_all(parts.geometry.to_numpy())
    pts = shapely.points(cells_xy)
    near = np.flatnonzero(shapely.distance(pts, union) <= max_reach_km * 1000.0)
    dkm = np.column_stack([shapely.distance(pts[near], g) for g in parts.geometry]) / 1000.0
    return Zone(
        tuple(parts["adm2_pcode"]),
        np.array([adm1_codes.index(c) for c in parts["adm1_pcode"]]),
        (parts.geometry.area / 1e6).to_numpy(),
        parts.geometry,
        near,
        dkm,
    )


@cache
def grid() -> Grid:
    """Return the bundled cells' arrays and each year's strike intensity (about 10 s, once)."""
    cells = bundled_cells()
    events = bundled_threat("all")
    years = tuple(sorted(int(y) for y in pd.unique(events["year"])))
    xy = np.column_stack([cells.geometry.centroid.x, cells.geometry.centroid.y])
    a1, c1 = pd.factorize(cells["adm1_pcode"], sort=True)
    a2, c2 = pd.factorize(cells["adm2_pcode"], sort=True)
    bands = cells[["pop_low", "pop_central", "pop_high"]].to_numpy(dtype=float)
    inten = np.vstack(
        [
            kernel_intensity(cells, events, radius_km=DEFAULT_KERNEL_KM, start=y, end=y)[
                "events_per_1000km2_year"
            ].to_numpy(dtype=float)
            for y in years
        ]
    )
    area = np.bincount(a2, cells["area_km2"].to_numpy(dtype=float))
    g = Grid(
        bands,
        xy,
        a1,
        a2,
        tuple(c1),
        tuple(c2),
        border_km(xy),
        years,
        inten,
        _district_km(xy, a2, bands[:, 1], area),
    )
    return replace(g, zone=nw_zone(xy, g.adm1_codes))


def simulation_draws(params: Params, n: int, seed: int) -> Draws:
    """Return ``n`` draws of the model's uncertain inputs around ``params``."""
    return draw_inputs(
        UncertaintySpec(),
        draws=n,
        n_classes=3,
        seed=seed,
        site_area_central_m2=params.site_area_m2,
        central=Central(
            site_area_m2=params.site_area_m2,
            usable_fraction=params.usable_fraction,
            distance_decay=params.decay,
        ),
    )


def central_draws(params: Params) -> Draws:
    """Return the one central draw: every input at ``params`` (``draw_inputs`` with one draw)."""
    return simulation_draws(params, 1, 0)


@dataclass(frozen=True)
class Simulation:
    """Predictions per draw: ``(n, years, ...)``; ``years`` as in :class:`Grid`."""

    years: tuple[int, ...]
    displaced: np.ndarray  # (n, Y)
    abroad: np.ndarray  # (n, Y, 5) stock at each year's end
    movements: np.ndarray  # (n, Y, governorates) arrivals by governorate
    sites: np.ndarray  # (n, Y, parts) sheltered in the zone's parts (0 outside site_years)
    capacity: np.ndarray  # (n, parts)
    site_years: tuple[int, ...]


def _threshold_factor(dr: Draws, k: int) -> float:
    if dr.variant is None or not dr.variants:
        return 1.0
    return float(dr.variants[int(dr.variant[k])].threshold_factor)


def simulate(
    params: Params,
    dr: Draws,
    *,
    site_years: tuple[int, ...] = (2017, 2018, 2019),
    g: Grid | None = None,
) -> Simulation:
    """Run every window of the record for each draw of ``dr`` (see the module docstring)."""
    params.check()
    g = grid() if g is None else g
    z = g.zone
    n, n_y, n_p = dr.n, len(g.years), len(z.district)
    n_gov = len(g.adm1_codes)
    attract = attract_vector(np.asarray(params.attract, dtype=float))
    opens = np.vstack([openness(y) for y in g.years])  # (Y, 5)
    out_disp = np.zeros((n, n_y))
    out_abroad = np.zeros((n, n_y, len(LEAVE_DESTINATIONS)))
    out_mov = np.zeros((n, n_y, n_gov))
    out_sites = np.zeros((n, n_y, n_p))
    cap = np.zeros((n, n_p))
    gov_of_district = np.zeros(len(g.adm2_codes), dtype=int)
    gov_of_district[g.adm2] = g.adm1
    n_d = len(g.adm2_codes)
    base_decay = params.decay
    # what every draw shares: the borders' pull (its decay is not drawn), the zone's reach
    pull = leave_pull(g.border_km, params.border_decay) * attract  # (C, 5)
    zone_km = z.dist_km * DEFAULT_DETOUR_FACTOR
    reach = zone_km <= DEFAULT_MAX_TRAVEL_KM
    for k in range(n):
        dk = dr.take(np.array([k]))
        pop = band_values(g.bands[:, 0], g.bands[:, 1], g.bands[:, 2], dk.population_t)[0]
        rates = np.clip(np.asarray(params.rates) * dk.rate_factor[0], 0.0, 1.0)
        decay = float(dk.distance_decay[0]) if dk.distance_decay is not None else base_decay
        stay = params.stay * float(dk.outside_factor[0] if dk.outside_factor is not None else 1.0)
        thresholds = (np.asarray(DEFAULT_THRESHOLDS) * _threshold_factor(dr, k)).tolist()
        usable = (
            float(dk.usable_fraction[0])
            if dk.usable_fraction is not None
            else params.usable_fraction
        )
        cap[k] = capacity(z.area_km2, usable_fraction=usable,
                          site_area_per_person_m2=float(dk.site_area_per_person_m2[0]))  # fmt: skip
        mdecay = max(params.movement_decay + decay - base_decay, 0.0)
        gpull = (REFERENCE_DISTANCE_KM / (g.district_km + REFERENCE_DISTANCE_KM)) ** mdecay
        stock = np.zeros(len(LEAVE_DESTINATIONS))
        for i, y in enumerate(g.years):
            cls = hazard_class(g.intensity[i], thresholds)
            disp = hazard_displaced(pop[None, :], cls, params.rates, dk)[0]
            w = pull * opens[i]  # (C, 5)
            rest = disp
            if y in site_years:
                flows = allocate_gravity(disp[z.cells], cap[k], reach, zone_km, np.ones(n_p),
                                         decay=decay, outside_option=stay,
                                         leave_weight=w[z.cells].sum(axis=1))  # fmt: skip
                out_sites[k, i] = flows.sum(axis=0)
                rest = disp.copy()
                rest[z.cells] -= flows.sum(axis=1)
            split = split_outside(rest, stay, w)  # (C, 6): stay, then each neighbour
            leave = split[:, 1:].sum(axis=1)
            stock = stock + split[:, 1:].sum(axis=0)
            out_abroad[k, i] = stock
            out_disp[k, i] = disp.sum()
            pop = np.maximum(pop - leave, 0.0)
            # the internal movers' districts of arrival, by gravity over the people not displaced
            movers = np.bincount(g.adm2, split[:, 0], n_d)
            safe = np.bincount(g.adm2, pop * (1.0 - rates[cls]), n_d)
            wd = gpull * safe[None, :]
            tot = wd.sum(axis=1, keepdims=True)
            arrive = movers @ np.divide(wd, tot, out=np.zeros_like(wd), where=tot > 0)  # (D,)
            out_mov[k, i] = np.bincount(gov_of_district, arrive, n_gov)
            if y in site_years:  # the zone's arrivals moved too: to the part's governorate
                out_mov[k, i] += np.bincount(z.governorate, out_sites[k, i], n_gov)
    return Simulation(g.years, out_disp, out_abroad, out_mov, out_sites, cap, tuple(site_years))
