"""The test oracle: the straightforward model that the fast paths must equal.

``per_draw_lp`` is the allocation as it was first written: one linear
program per draw (HiGHS through :func:`scipy.optimize.linprog`), with no
sharing between draws. :func:`safezones.model.shelter.allocate_optimal` solves
one LP per optimal basis instead and must give the same flows.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from safezones.model.shelter import _enforce_limits, _lp_structure


def per_draw_lp(
    demand: np.ndarray,
    capacity: np.ndarray,
    reach: np.ndarray,
    distance_km: np.ndarray,
    **_: object,
) -> np.ndarray:
    """Flows ``(draws, groups, zones)`` (or without the draws axis), one LP per draw."""
    d, c = np.asarray(demand, dtype=float), np.asarray(capacity, dtype=float)
    single = d.ndim == 1
    d2, c2 = np.atleast_2d(d), np.atleast_2d(c)
    n = max(len(d2), len(c2))
    d2, c2 = np.broadcast_to(d2, (n, d2.shape[1])), np.broadcast_to(c2, (n, c2.shape[1]))
    n_g, n_z = reach.shape
    out = np.zeros((n, n_g, n_z))
    gi, zi, cost, a_ub = _lp_structure(np.asarray(reach, dtype=bool), distance_km)
    if len(gi):
        for k in range(n):
            scale = max(float(d2[k].max()), float(c2[k].max()), 1.0)
            b = np.concatenate([d2[k], c2[k]]) / scale
            res = linprog(cost, A_ub=a_ub, b_ub=b, bounds=(0, None), method="highs")
            assert res.status == 0, res.message
            out[k, gi, zi] = np.maximum(res.x, 0.0) * scale
    out = _enforce_limits(out, d2, c2)
    return out[0] if single else out


def run_reference(sc, *, draws=None, seed=None):
    """``run()`` the straightforward way: every cell's distance to every zone, one LP per draw."""
    from safezones.engine import READERS
    from safezones.model import prepare, score
    from safezones.scenario import Scenario, result_of

    sc = sc if isinstance(sc, Scenario) else Scenario.from_toml(sc)
    n = int(draws if draws is not None else sc.uncertainty.draws)
    s = int(seed if seed is not None else sc.uncertainty.seed)
    prep = prepare.prepare(sc, READERS)
    return result_of(sc, prep, score.score_groups(sc, prep, draws=n, seed=s, optimal=per_draw_lp),
                     seed=s)  # fmt: skip
