"""The min cut over reach patterns against the linear program, and by hand."""

from __future__ import annotations

import numpy as np

from oracle import per_draw_lp
from safezones.model.mincut import cut_masks, max_flow
from safezones.model.shelter import reach_groups


def test_max_flow_by_hand():
    # patterns: none, {0}, {1}, {0, 1}; zones of 50 and 30 places
    d = np.array([[0.0, 60.0, 0.0, 40.0], [0.0, 10.0, 10.0, 10.0], [0.0, 0.0, 100.0, 0.0]])
    cap = np.array([[50.0, 30.0], [50.0, 30.0], [50.0, 30.0]])
    assert max_flow(d, cap).tolist() == [80.0, 30.0, 30.0]


def test_max_flow_equals_the_linear_program_per_draw():
    rng = np.random.default_rng(3)
    n_cells, n_z, n = 40, 3, 30
    of_cell = rng.integers(0, 4, n_cells)
    dist = rng.uniform(0, 120, (n_cells, n_z))
    pop = rng.uniform(0, 1000, n_cells)
    g = reach_groups(of_cell, dist, pop, max_travel_km=100, detour_factor=1.0)
    n_g = len(g.origin)
    gpop = np.bincount(g.of_cell, pop, n_g)
    share = rng.uniform(0.2, 0.9, (n, 1))
    bits = g.reach.astype(int) @ (1 << np.arange(n_z))
    demand_g = gpop[None, :] * share
    demand_k = np.zeros((n, 1 << n_z))
    np.add.at(demand_k.T, bits, demand_g.T)
    cap = rng.uniform(500, 8000, (n, n_z))
    ref = per_draw_lp(demand_g, cap, g.reach, g.distance_km).sum(axis=(1, 2))
    np.testing.assert_allclose(max_flow(demand_k, cap), ref, rtol=1e-9, atol=1e-6)


def test_cut_masks_are_the_zone_sets_within_and_the_patterns_beyond():
    for n_z in range(1, 5):
        n_k = 1 << n_z
        for within in (-1, *range(n_k)):
            members, beyond = cut_masks(n_k, n_z, within)
            sets = [a for a in range(n_k) if a & ~within == 0]
            assert members.tolist() == [[(a >> z) & 1 for a in sets] for z in range(n_z)]
            assert beyond.tolist() == [[(k & within & ~a) != 0 for a in sets] for k in range(n_k)]
            assert not members.flags.writeable and not beyond.flags.writeable
