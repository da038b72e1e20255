"""Experimental designs of a sweep: full grids, Latin hypercubes, Saltelli's Sobol sample.

A design is a table with one row per scenario and one column per varied
parameter (its key path); :class:`~safezones.sweep.plan.Sweep` turns each
row into a scenario.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from safezones.config.sweep import sobol_size_problem
from safezones.errors import SafeZonesError
from safezones.model.uncertainty import DEFAULT_SEED

__all__ = ["DESIGNS", "grid_design", "sample_design", "snap"]

DESIGNS: tuple[str, ...] = ("grid", "lhs", "sobol")


def sample_design(
    bounds: Mapping[str, tuple[float, float]],
    *,
    design: Literal["lhs", "sobol"],
    size: int,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Points of an ``lhs`` or ``sobol`` design over ``bounds``, one row per scenario.

    ``sobol`` is Saltelli's scheme (SALib) for first-order and total indices:
    ``size`` base samples (a power of 2) give ``size * (parameters + 2)`` rows.

    Examples
    --------
    >>> x = sample_design({"a": (0, 1), "b": (10, 20)}, design="sobol", size=8, seed=1)
    >>> x.shape, bool(x["b"].between(10, 20).all())
    ((32, 2), True)
    >>> sample_design({"a": (0, 1)}, design="sobol", size=10)
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: a sobol design needs size (the base samples N) to be a power of 2, got 10; try 8 or 16
    """
    names = list(bounds)
    lo = np.array([float(bounds[n][0]) for n in names])
    hi = np.array([float(bounds[n][1]) for n in names])
    if design == "sobol":
        bad = sobol_size_problem(size)
        if bad:
            raise SafeZonesError(bad)
        from SALib.sample import sobol as sobol_sample

        problem = {"num_vars": len(names), "names": names, "bounds": np.column_stack([lo, hi])}
        x = sobol_sample.sample(problem, size, calc_second_order=False, seed=seed)
    elif design == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(len(names), rng=np.random.default_rng(seed)).random(size)
        x = lo + u * (hi - lo)
    else:
        raise SafeZonesError(f"unknown design {design!r}; choose lhs or sobol")
    return pd.DataFrame(x, columns=names)


def grid_design(axes: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Every combination of the values ``axes`` (``{name: values}``), the last varying fastest.

    Examples
    --------
    >>> grid_design({"a": [1, 2], "b": ["x", "y", "z"]}).values.tolist()
    [[1, 'x'], [1, 'y'], [1, 'z'], [2, 'x'], [2, 'y'], [2, 'z']]
    """
    values = [list(v) for v in axes.values()]
    mesh = np.meshgrid(*[np.arange(len(a)) for a in values], indexing="ij")
    cols = {n: [values[i][j] for j in mesh[i].ravel()] for i, n in enumerate(axes)}
    return pd.DataFrame(cols)


def snap(x: np.ndarray, low: float, high: float, step: float) -> np.ndarray:
    """Round ``x`` to the nearest ``low + k * step``, kept within ``low`` and ``high``.

    Examples
    --------
    >>> snap(np.array([5.2, 7.9, 10.0]), 5.0, 10.0, 1.0).tolist()
    [5.0, 8.0, 10.0]
    """
    snapped = low + np.round((x - low) / step) * step
    return np.asarray(np.clip(np.round(snapped, 9), low, high), dtype=float)
