"""The optimal allocation's total by minimum cut, for all draws at once (the engine's route).

People of the same reach pattern (the set of zones they reach) are
interchangeable for the most people sheltered, so with Z zones the maximum
flow is the minimum cut of a graph with 2**Z pattern nodes: ``min over zone
sets A of capacity(A) + demand that reaches beyond A``, evaluated for every
draw with two matrix products (:func:`max_flow`). The engine reports it as
``sheltered_optimal``, the upper bound beside the behavioural headline; a
scenario whose headline is the optimal allocation is scored by the reference
(its arrivals and displaced within need the linear program on the groups).

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

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

__all__ = ["GroupSet", "cut_masks", "max_flow"]


@dataclass(frozen=True)
class GroupSet:
    """The reference's groups of a zone set and their people, as the engine caches them."""

    groups: Any  # safezones.model.shelter.Groups, as the reference forms them
    group_class: np.ndarray  # (G,)
    gpop: np.ndarray  # (G, 3)


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
