"""The optimal allocation by minimum cut, for all draws at once (the engine's route).

People of the same reach pattern (the set of zones they reach) are
interchangeable for the most people sheltered, so with Z zones the maximum
flow is the minimum cut of a graph with 2**Z pattern nodes: ``min over zone
sets A of capacity(A) + demand that reaches beyond A``, evaluated for every
draw with two matrix products (:func:`max_flow`). The share of each zone
(which ``sheltered_safe`` needs) is then decided without travel distances
where the capacities leave one choice, by the nearest zone or a two-zone
fractional knapsack where the shortest-travel tie-break decides, and by the
linear program of :func:`safezones.model.shelter.allocate_optimal` on the
reference's groups otherwise (:func:`arrivals`).

Why not :func:`scipy.sparse.csgraph.maximum_flow`: it solves one graph at a
time and takes integer capacities only. Measured on this project's 2-core
machine (``python benchmarks/mincut_speed.py``: 500 draws, 3 zones, graphs
built per draw), the enumeration takes 0.04 ms for all draws against 1.7 s
for scipy (about 40,000 times faster), and scipy's answer, with people
rounded to hundreds to fit its 32-bit capacities, is off by 1.7e-5 (relative)
where the enumeration equals the linear program to rounding.

Examples
--------
Two zones of 50 and 30 places; 60 people reach only the first, 40 both:

>>> import numpy as np
>>> demand_k = np.array([[0.0, 60.0, 0.0, 40.0]])  # patterns: none, {0}, {1}, {0, 1}
>>> max_flow(demand_k, np.array([[50.0, 30.0]])).tolist()
[80.0]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from safezones.model.shelter import allocate_optimal
from safezones.model.uncertainty import band_values

__all__ = ["GroupSet", "arrivals", "cut_masks", "max_flow"]


@dataclass(frozen=True)
class GroupSet:
    """The reference's groups of a zone set, with what the shortest-travel routes need."""

    groups: Any  # safezones.model.shelter.Groups, as the reference forms them
    group_class: np.ndarray  # (G,)
    gpop: np.ndarray  # (G, 3)
    nearest: np.ndarray  # (G,) the closest zone each group reaches (-1 if none)
    tied: np.ndarray  # (G,) two reached zones are equally close


def max_flow(demand_k: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Return the most people sheltered in every draw, ``(n,)``: the minimum cut.

    ``demand_k`` ``(n, 2**Z)`` holds the displaced of each reach pattern (bit z:
    zone z reached), ``cap`` ``(n, Z)`` each zone's capacity.
    """
    members, beyond = cut_masks(demand_k.shape[1], cap.shape[1], -1)
    cap_a = cap @ members  # (n, A)
    return np.asarray((cap_a + demand_k @ beyond).min(axis=1))


@cache
def cut_masks(n_k: int, n_z: int, within: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the cuts' masks: zone sets ``A`` within ``within`` (-1: all), of ``n_z`` zones.

    ``members`` ``(Z, A)``: 1 where zone z is in A; ``beyond`` ``(K, A)``: the
    ``n_k`` patterns restricted to ``within`` reach a zone outside A. They
    depend on the number of zones only, so a sweep makes them once.
    """
    ks = np.arange(n_k)
    sub = ks[(ks & ~within) == 0]  # the sets A within ``within``
    members = (sub[None, :] >> np.arange(n_z)[:, None]) & 1
    beyond = ((ks & within)[:, None] & ~sub[None, :]) != 0  # [k, A]: k reaches outside A
    members.flags.writeable = beyond.flags.writeable = False
    return members, beyond


def arrivals(
    demand_k: np.ndarray,
    cap: np.ndarray,
    share: np.ndarray,
    t: np.ndarray,
    group_set: Callable[[], GroupSet],
    routes: Counter[str],
) -> np.ndarray:
    """Return the arrivals per zone ``(n, Z)`` of the optimal allocation.

    ``share`` ``(n, H)`` is the share displaced of each hazard class, ``t`` the
    draws' positions in the population bands; ``group_set()`` gives the
    reference's groups (built only when some draw needs travel distances).
    ``routes`` counts how many draws each route decided.
    """
    n, n_z = cap.shape
    n_k = demand_k.shape[1]
    # min cut over zone sets A: capacity of A plus the demand reaching beyond A
    flow = max_flow(demand_k, cap)
    arrivals = np.zeros((n, n_z))
    if n_z == 1:
        arrivals[:, 0] = flow
        routes["one zone"] += n
        return arrivals

    # The arrivals of the maximum flows form a polymatroid's base: zone z takes
    # between F - r(all but z) and r({z}), r(S) the most people zones S can take.
    # Where every range is one point (a zone full, or serving only its own people)
    # the split is decided without travel distances.
    def rank(zone_set: int) -> np.ndarray:
        members, out_t = cut_masks(n_k, n_z, zone_set)  # T within S
        return np.asarray((cap @ members + demand_k @ out_t).min(axis=1))

    every = n_k - 1
    hi = np.column_stack([rank(1 << z) for z in range(n_z)])
    lo = np.column_stack([flow - rank(every & ~(1 << z)) for z in range(n_z)])
    point = (hi - lo <= 1e-12 * np.maximum(flow, 1.0)[:, None]).all(axis=1)
    arrivals[point] = hi[point]
    routes["decided by capacities"] += int(point.sum())
    compete = ~point
    rest = np.flatnonzero(compete)
    if not len(rest):
        return arrivals
    # everyone who reaches a zone is sheltered: with room in each zone for all the
    # people it is nearest to, the shortest-travel tie-break sends them there
    gs = group_set()
    gp = band_values(gs.gpop[:, 0], gs.gpop[:, 1], gs.gpop[:, 2], t[rest])
    demand = gp * share[rest][:, gs.group_class]  # (r, G)
    reached = gs.nearest >= 0
    near = np.zeros((len(rest), n_z))
    for z in range(n_z):
        near[:, z] = demand[:, gs.nearest == z].sum(axis=1)
    all_in = flow[rest] >= demand[:, reached].sum(axis=1) * (1 - 1e-12)
    fits = (near <= cap[rest] * (1 + 1e-12)).all(axis=1)
    untied = ~(demand[:, gs.tied] > 0).any(axis=1)
    nearest_ok = all_in & fits & untied
    arrivals[rest[nearest_ok]] = near[nearest_ok]
    routes["nearest zone"] += int(nearest_ok.sum())
    if n_z == 2:
        # Two zones, everyone sheltered: the shortest-travel split is a fractional
        # knapsack. Zone 0 takes its own people and those of both who are nearer to
        # it, within the range [lo, hi] the capacities leave.
        reach = gs.groups.reach
        both = reach[:, 0] & reach[:, 1]
        dk = gs.groups.distance_km
        delta = np.subtract(dk[:, 0], dk[:, 1], out=np.zeros(len(dk)), where=both)
        take = (reach[:, 0] & ~reach[:, 1]) | (both & (delta < 0))
        a0 = np.clip(demand[:, take].sum(axis=1), lo[rest, 0], hi[rest, 0])
        level = both & (delta == 0)
        clipped = (a0 <= lo[rest, 0]) | (a0 >= hi[rest, 0])
        decided = all_in & ~nearest_ok & (clipped | ~(demand[:, level] > 0).any(axis=1))
        arrivals[rest[decided], 0] = a0[decided]
        arrivals[rest[decided], 1] = flow[rest[decided]] - a0[decided]
        nearest_ok |= decided
        routes["two-zone knapsack"] += int(decided.sum())
    lp = ~nearest_ok
    if lp.any():
        routes["linear program"] += int(lp.sum())
        flows = allocate_optimal(demand[lp], cap[rest[lp]], gs.groups.reach,
                                 gs.groups.distance_km)  # fmt: skip
        arrivals[rest[lp]] = np.asarray(flows).reshape(int(lp.sum()), len(gs.gpop), -1).sum(axis=1)
    return arrivals
