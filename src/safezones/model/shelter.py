"""Shelter: capacity, reach, safety and the allocation of displaced people to zones.

Definitions:

- **capacity** of a zone: given explicitly, or ``usable_fraction * area /
  site_area_per_person_m2`` (Sphere: 45 m2 per person in a planned camp);
- **reach**: a displaced person can reach a zone when the straight-line
  distance from home to the zone's edge, times ``detour_factor``, plus
  ``crossing_penalty_km`` for each change of controlling actor along that line
  (front lines crossed, :func:`safezones.model.control.cell_crossings`), is at
  most ``max_travel_km`` (0 inside the zone; :func:`travel_km`). Reach uses the
  scenario's central penalty; the draws move the penalty in the gravity
  distance only (issue 19 draws reach);
- **safety** of a zone: ``1 - (1 - protection) * exposure``, where
  ``exposure = min(1, intensity / EXPOSURE_REFERENCE)`` is the zone's strike
  intensity in the window scaled to the high-hazard threshold;
- **allocation**: ``optimal`` maximises the people sheltered under reach and
  capacity (a linear program solved with HiGHS; ties go to shorter travel),
  the upper bound; ``gravity`` shares each group's displaced over the zones it
  reaches by ``capacity * safety * (d0 / (d + d0)) ** decay`` against an
  outside option (stay, or cross a border), then turns away arrivals beyond a
  zone's capacity: a behavioural estimate, never above ``optimal``.

Allocations work on *groups*: the people of one origin who reach the same set
of zones (cells grouped by origin and reach pattern). Grouping is exact for
``optimal`` (people with the same reach are interchangeable) and keeps the
linear program small.

Examples
--------
Two groups, one zone of capacity 50 that only the first group reaches:

>>> import numpy as np
>>> flows = allocate_optimal(np.array([80.0, 30.0]), np.array([50.0]),
...                          np.array([[True], [False]]), np.array([[10.0], [99.0]]))
>>> flows.tolist()
[[50.0], [0.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely

from safezones.crs import to_metric
from safezones.defaults import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_DISTANCE_DECAY,
    DEFAULT_MAX_TRAVEL_KM,
    DEFAULT_OUTSIDE_OPTION,
    DEFAULT_PROTECTION,
    DEFAULT_USABLE_FRACTION,
    EXPOSURE_REFERENCE,
    REFERENCE_DISTANCE_KM,
    SPHERE_SITE_AREA_M2,
    SPHERE_SITE_AREA_MIN_M2,
)
from safezones.errors import SafeZonesError

__all__ = [
    "DEFAULT_DETOUR_FACTOR",
    "DEFAULT_DISTANCE_DECAY",
    "DEFAULT_MAX_TRAVEL_KM",
    "DEFAULT_OUTSIDE_OPTION",
    "DEFAULT_PROTECTION",
    "DEFAULT_USABLE_FRACTION",
    "EXPOSURE_REFERENCE",
    "REFERENCE_DISTANCE_KM",
    "SPHERE_SITE_AREA_M2",
    "SPHERE_SITE_AREA_MIN_M2",
    "Allocation",
    "Groups",
    "allocate_gravity",
    "allocate_optimal",
    "capacity",
    "cell_distances",
    "exposure_index",
    "home_zones",
    "reach_groups",
    "safety",
    "straight_reach_km",
    "travel_km",
]

Allocation = Literal["optimal", "gravity"]


def _positive(name: str, value: float, *, upper: float | None = None) -> float:
    v = float(value)
    if not np.isfinite(v) or v <= 0 or (upper is not None and v > upper):
        bound = f" and at most {upper:g}" if upper is not None else ""
        raise SafeZonesError(f"{name} must be > 0{bound}, got {value!r}")
    return v


def capacity(
    area_km2: np.ndarray | Sequence[float],
    *,
    usable_fraction: float | np.ndarray = DEFAULT_USABLE_FRACTION,
    site_area_per_person_m2: float | np.ndarray = SPHERE_SITE_AREA_M2,
    explicit: np.ndarray | Sequence[float | None] | None = None,
) -> np.ndarray:
    """People each zone can shelter: explicit, or usable area over the site area per person.

    ``usable_fraction`` and ``site_area_per_person_m2`` may carry a leading draws
    axis (shape ``(n, 1)``).

    Examples
    --------
    A 1,000 km2 zone, 1 % usable, at Sphere's 45 m2 per person:

    >>> capacity([1000.0]).round().tolist()
    [222222.0]
    >>> capacity([1000.0, 50.0], explicit=[None, 5000]).round().tolist()
    [222222.0, 5000.0]
    """
    area = np.asarray(area_km2, dtype=float)
    usable = np.asarray(usable_fraction, dtype=float)
    if np.any(~np.isfinite(usable) | (usable <= 0) | (usable > 1)):
        raise SafeZonesError(f"usable_fraction must be in (0, 1], got {usable_fraction!r}")
    site = np.asarray(site_area_per_person_m2, dtype=float)
    if np.any(~np.isfinite(site) | (site <= 0)):
        raise SafeZonesError(
            f"site_area_per_person_m2 must be > 0, got {site_area_per_person_m2!r}"
        )
    cap = usable * area * 1e6 / site
    if explicit is not None:
        given = np.array([np.nan if v is None else float(v) for v in explicit])
        if np.any(given[np.isfinite(given)] < 0):
            raise SafeZonesError(f"explicit capacities must be >= 0, got {list(explicit)}")
        cap = np.where(np.isfinite(given), given, cap)
    return np.asarray(cap, dtype=float)


def exposure_index(
    intensity: np.ndarray | Sequence[float], reference: float = EXPOSURE_REFERENCE
) -> np.ndarray:
    """Strike exposure between 0 and 1: intensity over the reference, capped at 1.

    Examples
    --------
    >>> exposure_index([0.0, 50.0, 400.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    i = np.nan_to_num(np.asarray(intensity, dtype=float), nan=0.0)
    return np.asarray(np.clip(i / _positive("reference", reference), 0.0, 1.0), dtype=float)


def safety(exposure: np.ndarray, protection: np.ndarray) -> np.ndarray:
    """Safety of a zone: 1 minus the exposure that remains after protection.

    Examples
    --------
    >>> safety(np.array([1.0, 0.5]), np.array([0.7, 0.0])).tolist()
    [0.7, 0.5]
    """
    p = np.clip(np.asarray(protection, dtype=float), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - p) * np.asarray(exposure, dtype=float), dtype=float)


def straight_reach_km(max_travel_km: float, detour_factor: float) -> float:
    """Return the straight-line km a journey of ``max_travel_km`` by road covers.

    A cell reaches a zone when its straight-line distance times
    ``detour_factor`` is at most ``max_travel_km`` (see :func:`reach_groups`).

    Examples
    --------
    >>> straight_reach_km(130.0, 1.3)
    100.0
    """
    return float(max_travel_km) / float(detour_factor)


def cell_distances(cells: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> np.ndarray:
    """Straight-line km from each cell's representative point to each zone (0 inside, inf if empty).

    Examples
    --------
    >>> import safezones as sz
    >>> z = sz.zone_set(sz.freeze_zone((37.0, 35.0), radius_km=10))
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([37.0, 37.0], [35.0, 35.2]),
    ...                        crs="EPSG:4326")
    >>> cell_distances(pts, z).round(1).ravel().tolist()
    [0.0, 12.2]
    """
    pts = to_metric(cells, what="population").geometry.representative_point().to_numpy()
    zg = to_metric(zones, what="zones").geometry.to_numpy()
    shapely.prepare(zg)
    d = np.asarray(shapely.distance(pts[:, None], zg[None, :]), dtype=float) / 1000.0
    return np.where(np.isnan(d), np.inf, d)  # an empty zone (cut away) is out of reach


def travel_km(
    distance_km: np.ndarray,
    crossings: np.ndarray | None,
    *,
    detour_factor: float,
    crossing_penalty_km: float,
) -> np.ndarray:
    """Return the road km of each journey: straight km times the detour, plus the crossings' penalty.

    The one definition of a journey's length that reach and the gravity
    distance use (both :func:`reach_groups` and the engine's reach patterns).

    Examples
    --------
    >>> travel_km(np.array([[10.0, 50.0]]), np.array([[0, 2]]), detour_factor=1.3,
    ...           crossing_penalty_km=20.0).tolist()
    [[13.0, 105.0]]
    """
    road = np.asarray(distance_km, dtype=float) * float(detour_factor)
    if crossings is None or not crossing_penalty_km:
        return road
    return np.asarray(road + float(crossing_penalty_km) * np.asarray(crossings, dtype=float))


@dataclass(frozen=True)
class Groups:
    """People of one origin who reach the same zones.

    Attributes
    ----------
    of_cell
        Group index of each cell.
    origin
        Origin index of each group.
    reach
        ``(groups, zones)`` bool: which zones each group reaches.
    distance_km
        ``(groups, zones)`` population-weighted mean travel km (detour and the
        crossings' penalty included, :func:`travel_km`).
    crossings
        ``(groups, zones)`` population-weighted mean number of changes of
        controlling actor along the straight lines from the group's cells to each
        zone (0 for the cells too far to reach it, whose lines are not measured).
    home
        ``(groups,)`` the zone the group's cells live in (their representative
        point inside it: the first such zone), or the number of zones for none; None
        when the groups were formed without homes. The displaced whose home zone
        shelters them are *displaced within*, the others *arrivals*.
    """

    of_cell: np.ndarray
    origin: np.ndarray
    reach: np.ndarray
    distance_km: np.ndarray
    crossings: np.ndarray | None = None
    home: np.ndarray | None = None

    def within(self) -> np.ndarray:
        """Return ``(groups, zones)`` bool: the zone is the group's home (False without homes).

        Examples
        --------
        >>> g = Groups(np.zeros(2, int), np.zeros(2, int), np.ones((2, 2), bool),
        ...            np.zeros((2, 2)), home=np.array([1, 2]))
        >>> g.within().tolist()
        [[False, True], [False, False]]
        """
        n_z = self.reach.shape[1]
        if self.home is None:
            return np.zeros(self.reach.shape, dtype=bool)
        return np.asarray(np.asarray(self.home)[:, None] == np.arange(n_z)[None, :])


def reach_groups(
    origin_of_cell: np.ndarray,
    distance_km: np.ndarray,
    weight: np.ndarray,
    *,
    max_travel_km: float = DEFAULT_MAX_TRAVEL_KM,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    crossings: np.ndarray | None = None,
    crossing_penalty_km: float = 0.0,
    home: np.ndarray | None = None,
) -> Groups:
    """Group cells by origin, by the set of zones they reach, and by their home zone.

    A cell reaches a zone when its :func:`travel_km` (straight km times
    ``detour_factor``, plus ``crossing_penalty_km`` per change of controlling
    actor in ``crossings`` ``(cells, zones)``) is at most ``max_travel_km``.
    The crossings of cells whose journey without penalty is already too long
    count as 0 (they are not measured). Groups keep their keys (origin, reach
    pattern): the penalty moves the groups' distances and reach, not their kind.

    Examples
    --------
    >>> g = reach_groups(np.array([0, 0, 1]), np.array([[10.0], [90.0], [5.0]]),
    ...                  np.ones(3), max_travel_km=100, detour_factor=1.3)
    >>> g.origin.tolist(), g.reach.ravel().tolist(), g.distance_km.ravel().tolist()
    ([0, 0, 1], [False, True, True], [117.0, 13.0, 6.5])

    One front line between the first two cells and the zone, at 20 km a crossing: the
    second cell (91 road km) no longer reaches it (111 km):

    >>> g = reach_groups(np.array([0, 0, 1]), np.array([[10.0], [70.0], [5.0]]), np.ones(3),
    ...                  max_travel_km=100, detour_factor=1.3, crossings=np.array([[1], [1], [0]]),
    ...                  crossing_penalty_km=20.0)
    >>> g.reach.ravel().tolist(), g.distance_km.ravel().round(6).tolist()
    ([False, True, True], [111.0, 33.0, 6.5])
    >>> g.crossings.ravel().tolist()
    [1.0, 1.0, 0.0]
    """
    travel = _positive("max_travel_km", max_travel_km)
    detour = float(detour_factor)
    if not np.isfinite(detour) or detour < 1:
        raise SafeZonesError(f"detour_factor must be >= 1, got {detour_factor!r}")
    pen = float(crossing_penalty_km)
    if not np.isfinite(pen) or pen < 0:
        raise SafeZonesError(f"crossing_penalty_km must be >= 0, got {crossing_penalty_km!r}")
    cross = None
    if crossings is not None:
        # unmeasured journeys (too long without any penalty) count no crossing
        cross = np.where(distance_km * detour <= travel, np.asarray(crossings, dtype=float), 0.0)
    road = travel_km(distance_km, cross, detour_factor=detour, crossing_penalty_km=pen)
    reach = road <= travel
    n_zones = reach.shape[1]
    bits = reach.astype(np.int64) @ (1 << np.arange(n_zones, dtype=np.int64)) if n_zones else 0
    kind = np.asarray(origin_of_cell, dtype=np.int64)
    if home is not None:  # the home zone (n_zones: none) is part of the group's kind
        kind = kind * (n_zones + 1) + np.asarray(home, dtype=np.int64)
    key = kind * (1 << n_zones) + bits
    uniq, of_cell = _unique(key)
    w = np.asarray(weight, dtype=float) + 1e-12  # empty cells still locate their group
    wsum = np.bincount(of_cell, weights=w, minlength=len(uniq))
    dist = (
        np.column_stack(
            [
                np.bincount(of_cell, weights=w * road[:, z], minlength=len(uniq))
                for z in range(n_zones)
            ]
        )
        / wsum[:, None]
        if n_zones
        else np.zeros((len(uniq), 0))
    )
    gcross = None
    if cross is not None:
        gcross = np.zeros((len(uniq), n_zones))
        for z in range(n_zones):
            gcross[:, z] = np.bincount(of_cell, weights=w * cross[:, z], minlength=len(uniq))
        gcross /= wsum[:, None]
    origin = uniq >> n_zones
    ghome = None
    if home is not None:
        origin, ghome = np.divmod(origin, n_zones + 1)
    greach = ((uniq[:, None] >> np.arange(n_zones)) & 1).astype(bool)
    return Groups(of_cell=of_cell, origin=origin, reach=greach, distance_km=dist,
                  crossings=gcross, home=ghome)  # fmt: skip


def home_zones(distance_km: np.ndarray) -> np.ndarray:
    """Return each cell's home zone: the first zone at distance 0 (inside), else the number of zones.

    Examples
    --------
    >>> home_zones(np.array([[0.0, 0.0], [3.0, 0.0], [1.0, 2.0]])).tolist()
    [0, 1, 2]
    """
    inside = np.asarray(distance_km) == 0
    n_z = inside.shape[1]
    return np.asarray(np.where(inside.any(axis=1), inside.argmax(axis=1), n_z), dtype=np.int64)


def _unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for small non-negative keys, without sorting."""
    if len(key) and key.min() >= 0 and key.max() < 4 * len(key) + 1024:
        present = np.bincount(key) > 0
        rank = np.cumsum(present) - 1
        return np.flatnonzero(present), rank[key]
    uniq, inverse = np.unique(key, return_inverse=True)
    return uniq, inverse.ravel()


def _lp_structure(reach: np.ndarray, distance_km: np.ndarray) -> tuple[np.ndarray, ...]:
    import scipy.sparse as sp  # lazily: import safezones stays fast

    gi, zi = np.nonzero(reach)
    n_g, n_z = reach.shape
    n = len(gi)
    dmax = float(distance_km[gi, zi].max()) if n else 1.0
    # Any augmenting path has at most 2*min(G, Z)+1 arcs, so with this epsilon
    # shorter travel can never buy a smaller flow: the LP is an exact max flow.
    eps = 0.5 / (2 * min(n_g, n_z) + 1)
    cost = -(1.0 - eps * distance_km[gi, zi] / max(dmax, 1e-9))
    rows = np.concatenate([gi, n_g + zi])
    a_ub = sp.csr_matrix((np.ones(2 * n), (rows, np.tile(np.arange(n), 2))), shape=(n_g + n_z, n))
    return gi, zi, cost, a_ub


def allocate_optimal(
    demand: np.ndarray,
    capacity: np.ndarray,
    reach: np.ndarray,
    distance_km: np.ndarray,
    *,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Shelter the most people under reach and capacity; ties go to shorter travel.

    Parameters
    ----------
    demand
        Displaced per group, ``(groups,)`` or ``(draws, groups)``.
    capacity
        Per zone, ``(zones,)`` or ``(draws, zones)``.
    reach, distance_km
        ``(groups, zones)``: which zones a group reaches, and how far.
    progress
        Called with 1 after each draw's linear program.

    Returns
    -------
    numpy.ndarray
        Flows ``(groups, zones)`` or ``(draws, groups, zones)``; each row adds up
        to at most its demand and each column to at most its capacity.

    Examples
    --------
    Three groups, two zones; group 0 reaches both, group 1 only A, group 2 only B.
    All 150 places fill; B's 70 go to group 0 (20 km) before group 2 (40 km):

    >>> f = allocate_optimal(np.array([100.0, 60.0, 30.0]), np.array([80.0, 70.0]),
    ...                      np.array([[1, 1], [1, 0], [0, 1]], bool),
    ...                      np.array([[10.0, 20.0], [5.0, 0.0], [0.0, 40.0]]))
    >>> f.round(6).tolist()
    [[20.0, 70.0], [60.0, 0.0], [0.0, 0.0]]
    """
    from scipy.optimize import linprog  # lazily: import safezones stays fast

    d = np.asarray(demand, dtype=float)
    c = np.asarray(capacity, dtype=float)
    single = d.ndim == 1
    d2, c2 = np.atleast_2d(d), np.atleast_2d(c)
    n_draws = max(len(d2), len(c2))
    d2 = np.broadcast_to(d2, (n_draws, d2.shape[1]))
    c2 = np.broadcast_to(c2, (n_draws, c2.shape[1]))
    n_g, n_z = reach.shape
    out = np.zeros((n_draws, n_g, n_z))
    gi, zi, cost, a_ub = _lp_structure(np.asarray(reach, dtype=bool), distance_km)
    if len(gi):
        scale = np.maximum(np.maximum(d2.max(axis=1), c2.max(axis=1)), 1.0)
        rhs = np.concatenate([d2, c2], axis=1) / scale[:, None]  # (draws, G + Z)
        pending = np.arange(n_draws)
        while len(pending):
            k, pending = pending[0], pending[1:]
            res = linprog(cost, A_ub=a_ub, b_ub=rhs[k], bounds=(0, None), method="highs")
            if res.status != 0:  # pragma: no cover - a feasible bounded LP always solves
                raise RuntimeError(f"the allocation LP failed: {res.message}")
            out[k, gi, zi] = np.maximum(res.x, 0.0) * scale[k]
            done = [k]
            if len(pending):
                ok, x = _same_vertex(
                    cost, (gi, zi), n_g, np.asarray(res.ineqlin.marginals), rhs[pending]
                )
                out[pending[ok][:, None], gi[None, :], zi[None, :]] = (
                    x[ok] * scale[pending[ok], None]
                )
                done += pending[ok].tolist()
                pending = pending[~ok]
            if progress is not None:
                for _ in done:
                    progress(1)
    out = _enforce_limits(out, d2, c2)
    return out[0] if single else out


def _same_vertex(
    cost: np.ndarray,
    arcs: tuple[np.ndarray, np.ndarray],
    n_g: int,
    dual: np.ndarray,
    rhs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which right-hand sides ``rhs`` (``(k, G + Z)``) one LP's dual also solves, and how.

    The draws of a scenario share the costs and the constraint matrix; only
    demand and capacity (the right-hand side) change. A dual solution of one
    draw is therefore dual feasible for every draw, and it is optimal for a
    draw exactly when a feasible flow uses only the arcs of zero reduced cost
    and leaves slack only in the constraints it does not price
    (complementary slackness). When those arcs form a forest with at most one
    slack constraint per tree (linearly independent columns), that flow is
    unique, so it is the draw's optimum, the one its linear program finds:
    it is read off the trees leaf by leaf (sums and differences only). With
    dependent columns (several optima) no draw is taken: each gets its own LP.

    Returns
    -------
    tuple
        A bool ``(k,)``: the draws solved, and their flows ``(k, arcs)`` (scaled as ``rhs``).
    """
    gi, zi = arcs
    k, n_rows = rhs.shape
    tol = 1e-12
    none = np.zeros(k, dtype=bool), np.zeros((k, len(gi)))
    reduced = cost - dual[gi] - dual[n_g + zi]
    tight = np.flatnonzero(reduced <= 1e-9 * max(1.0, float(np.abs(cost).max())))
    slack = np.abs(dual) <= 1e-9
    order, parent, edge, roots = _forest(n_rows, gi[tight], n_g + zi[tight], slack)
    if order is None:
        return none
    left = rhs.copy()
    x = np.zeros((k, len(gi)))
    ok = np.ones(k, dtype=bool)
    for node in order[::-1]:  # leaves first: a leaf's arc carries what its row needs
        if parent[node] < 0:
            continue
        val = left[:, node]
        ok &= val >= -tol
        x[:, tight[edge[node]]] = val
        left[:, parent[node]] -= val
    for root in roots:  # the rest is the root's slack, or must be nothing
        ok &= left[:, root] >= -tol if slack[root] else np.abs(left[:, root]) <= tol
    return ok, np.maximum(x, 0.0)


def _forest(
    n_nodes: int, u: np.ndarray, v: np.ndarray, slack: np.ndarray
) -> tuple[list[int] | None, np.ndarray, np.ndarray, list[int]]:
    """Breadth-first order, parent node and parent edge of a forest rooted at its slack rows.

    ``order`` is None when the edges hold a cycle or a tree holds two slack rows.
    """
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
        adj[a].append((b, e))
        adj[b].append((a, e))
    parent = np.full(n_nodes, -1)
    edge = np.full(n_nodes, -1)
    seen = np.zeros(n_nodes, dtype=bool)
    order: list[int] = []
    roots: list[int] = []
    starts = [int(i) for i in np.flatnonzero(slack)] + list(range(n_nodes))
    for start in starts:
        if seen[start]:
            continue
        seen[start] = True
        roots.append(start)
        tree = [start]
        for node in tree:
            for nxt, e in adj[node]:
                if e == edge[node]:
                    continue
                if seen[nxt]:
                    return None, parent, edge, roots  # a cycle, or a second slack row
                seen[nxt] = True
                parent[nxt], edge[nxt] = node, e
                tree.append(nxt)
        if sum(bool(slack[n]) for n in tree) > 1:
            return None, parent, edge, roots
        order += tree
    return order, parent, edge, roots


def _enforce_limits(flows: np.ndarray, demand: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Scale away solver round-off so rows never exceed demand nor columns capacity."""
    rows = flows.sum(axis=2)
    f = np.where(rows > demand, np.divide(demand, rows, where=rows > 0, out=np.ones_like(rows)), 1)
    flows = flows * f[:, :, None]
    cols = flows.sum(axis=1)
    g = np.where(cols > cap, np.divide(cap, cols, where=cols > 0, out=np.ones_like(cols)), 1)
    return flows * g[:, None, :]


def allocate_gravity(
    demand: np.ndarray,
    capacity: np.ndarray,
    reach: np.ndarray,
    distance_km: np.ndarray,
    safety: np.ndarray,
    *,
    decay: float | np.ndarray = DEFAULT_DISTANCE_DECAY,
    outside_option: float | np.ndarray = DEFAULT_OUTSIDE_OPTION,
    reference_km: float = REFERENCE_DISTANCE_KM,
    retries: bool = True,
    leave_weight: np.ndarray | None = None,
) -> np.ndarray:
    """Share displaced over reachable zones by attractiveness over distance; vectorised.

    A group's share going to zone ``z`` is ``w_z / (outside_option + sum w)``
    with ``w_z = (capacity_z / mean capacity) * safety_z * (d0 / (d + d0)) **
    decay`` over the zones it reaches. Arrivals beyond a zone's capacity are
    turned away in proportion. With ``retries`` (the default) the turned-away
    choose again, by the same rule, among the zones they reach that still have
    room, or the outside option; this repeats until no one is turned away (each
    round fills a zone, so at most one round per zone). Without, they stay
    unmet. Whoever is not sheltered took the outside option
    (:data:`~safezones.defaults.OUTSIDE_DESTINATIONS`: stay, or leave Syria).

    Parameters
    ----------
    demand, capacity, safety
        ``(groups,)``, ``(zones,)``, ``(zones,)``, each optionally with a
        leading draws axis.
    reach
        ``(groups, zones)``.
    distance_km
        ``(groups, zones)``, or ``(draws, groups, zones)`` when the draws move
        it (the crossing penalty drawn: ``distance_km + (drawn - central) *
        crossings``).
    decay, outside_option
        The distance decay exponent and the outside option's weight: one value,
        or one per draw ``(draws,)``.
    reference_km
        The distance ``d0``.
    retries
        Whether the turned-away try their next zone.
    leave_weight
        Each group's weight of leaving Syria, ``(groups,)`` or ``(draws, groups)``
        (the sum over destinations of :func:`safezones.model.departures.leave_weights`),
        added to the outside option's; None: none.

    Examples
    --------
    One group of 100 reaching one zone at distance 0, capacity plenty, safety 1:
    the zone's weight is 1 against the outside option's 1, so half go.

    >>> allocate_gravity(np.array([100.0]), np.array([1e6]), np.array([[True]]),
    ...                  np.array([[0.0]]), np.array([1.0]), outside_option=1.0).tolist()
    [[50.0]]

    No outside option; a near zone of 10 places and one of 90 at 25 km (decay 1):
    18.2 of 100 choose the near one, which turns 8.2 away; they retry and take the
    other (without retries they stay unmet):

    >>> args = (np.array([100.0]), np.array([10.0, 90.0]), np.array([[True, True]]),
    ...         np.array([[0.0, 25.0]]), np.array([1.0, 1.0]))
    >>> allocate_gravity(*args, decay=1, outside_option=0)[0].round(1).tolist()
    [10.0, 90.0]
    >>> allocate_gravity(*args, decay=1, outside_option=0, retries=False)[0].round(1).tolist()
    [10.0, 81.8]
    """
    dec = np.asarray(decay, dtype=float)
    out = np.asarray(outside_option, dtype=float)
    if (dec < 0).any() or not np.isfinite(dec).all():
        raise SafeZonesError(f"distance_decay must be >= 0, got {decay!r}")
    if (out < 0).any() or not np.isfinite(out).all():
        raise SafeZonesError(f"outside_option must be >= 0, got {outside_option!r}")
    d = np.asarray(demand, dtype=float)
    single = (d.ndim == 1 and np.ndim(capacity) == 1 and np.ndim(safety) == 1
              and np.ndim(distance_km) == 2)  # fmt: skip
    d2 = np.atleast_2d(d)
    c2 = np.atleast_2d(np.asarray(capacity, dtype=float))
    s2 = np.atleast_2d(np.asarray(safety, dtype=float))
    mean_cap = c2.mean(axis=1, keepdims=True)
    attract = np.divide(c2, mean_cap, out=np.zeros_like(c2), where=mean_cap > 0) * s2
    dist = np.asarray(distance_km, dtype=float)
    base = reference_km / (dist + reference_km)
    if dec.ndim:  # one exponent per draw
        pull = (
            base[None, :, :] ** dec[:, None, None] if base.ndim == 2 else base ** dec[:, None, None]
        )
    else:
        pull = base**dec
    pull = pull * reach  # (G, Z) or (n, G, Z)
    w = attract[:, None, :] * (pull if pull.ndim == 3 else pull[None, :, :])  # (n, G, Z)
    outside = out.reshape(-1, 1, 1) if out.ndim else out
    if leave_weight is not None:
        lw = np.asarray(leave_weight, dtype=float)
        if (lw < 0).any() or not np.isfinite(lw).all():
            raise SafeZonesError("leave weights must be finite and >= 0")
        outside = outside + (lw[None, :, None] if lw.ndim == 1 else lw[:, :, None])
    n, n_z = w.shape[0], w.shape[2]
    room = np.broadcast_to(c2, (n, n_z)).astype(float)
    flows = np.zeros(w.shape)
    pending = np.broadcast_to(d2, w.shape[:2]).astype(float)
    open_ = np.ones((n, 1, n_z))
    for _ in range(n_z + 1 if retries else 1):
        ww = w * open_
        denom = outside + ww.sum(axis=2, keepdims=True)
        share = np.divide(ww, denom, out=np.zeros_like(ww), where=denom > 0)
        f = pending[:, :, None] * share
        arrivals = f.sum(axis=1)
        scale = np.minimum(np.divide(room, arrivals, out=np.ones_like(arrivals),
                                     where=arrivals > room), 1.0)  # fmt: skip
        taken = f * scale[:, None, :]
        flows += taken
        room = np.maximum(room - taken.sum(axis=1), 0.0)
        pending = (f - taken).sum(axis=2)
        open_ = open_ * (scale >= 1.0)[:, None, :]  # a zone that turned people away is full
        if not (pending > 0).any():
            break
    return np.asarray(flows[0] if single else flows)
