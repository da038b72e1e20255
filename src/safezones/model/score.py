"""The score of a scenario's draws: prepared arrays in, metrics out.

This module is the one definition of the model's arithmetic. Both
:func:`safezones.scenario.run` and :class:`safezones.engine.Engine` prepare
arrays in their own way (groups of people with the same reach; reach patterns
by hazard class) and then call these functions, so a change to the model is
made once:

- :func:`draws`: the uncertainty section mapped to the sampled inputs;
- :func:`hazard_displaced` and :func:`displaced_share`: the displaced, by
  hazard-class rate (clipped to [0, 1]), scaled to the national total;
- :func:`zone_capacity` and :func:`zone_safety`: capacity per draw and zone,
  and safety after the protection drawn (clipped to [0, 1]);
- :func:`band_people` and :func:`not_displaced`: people at a draw's position
  in the population bands, and the residents who are not displaced;
- :func:`metrics`: the score, by name, in :data:`~safezones.model.metrics.METRICS` order.

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
...             np.array([[40.0]]), np.array([[0.5]]))
>>> [float(v) for v in m[0]]
[60.0, 40.0, 0.0, 20.0, 40.0, 20.0]
"""

from __future__ import annotations

from dataclasses import fields
from typing import Protocol

import numpy as np

from safezones.model.demand import scale_to_total
from safezones.model.metrics import METRICS
from safezones.model.shelter import capacity, safety
from safezones.model.uncertainty import Draws, UncertaintySpec, band_values, draw_inputs

__all__ = [
    "band_people",
    "displaced_share",
    "draws",
    "hazard_displaced",
    "metrics",
    "national_total",
    "not_displaced",
    "uncertainty_spec",
    "zone_capacity",
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


def draws(
    section: _Uncertainty, *, n: int, n_classes: int, seed: int, site_area_central_m2: float
) -> Draws:
    """Sample the inputs of ``n`` draws (``n=1``: the central case).

    Examples
    --------
    >>> d = draws(UncertaintySpec(), n=1, n_classes=3, seed=1, site_area_central_m2=45.0)
    >>> float(d.site_area_per_person_m2[0]), d.rate_factor.shape
    (45.0, (1, 3))
    """
    return draw_inputs(
        uncertainty_spec(section),
        draws=n,
        n_classes=n_classes,
        seed=seed,
        site_area_central_m2=site_area_central_m2,
    )


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

    Examples
    --------
    >>> dr = Draws(np.zeros(1), np.ones((1, 1)), np.ones(1), np.array([50.0]), np.zeros(1))
    >>> zone_capacity(np.array([1.0, 1.0]), dr, usable_fraction=0.01,
    ...               explicit=[None, 7.0]).tolist()
    [[200.0, 7.0]]
    """
    cap = capacity(
        area_km2,
        usable_fraction=usable_fraction,
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
    shifted = np.clip(np.asarray(protection, dtype=float)[None, :] + dr.protection_shift[:, None],
                      0.0, 1.0)  # fmt: skip
    return safety(np.asarray(exposure, dtype=float)[None, :], shifted)


def metrics(
    displaced: np.ndarray,
    arrivals: np.ndarray,
    residents: np.ndarray,
    cap: np.ndarray,
    safe: np.ndarray,
) -> np.ndarray:
    """Score every draw: ``(draws, len(METRICS))``, columns in ``METRICS`` order.

    Parameters
    ----------
    displaced, residents
        ``(draws,)``: everyone displaced; residents of any zone not displaced.
    arrivals, cap, safe
        ``(draws, zones)``: people sheltered in each zone, its capacity, its safety.
    """
    sheltered = arrivals.sum(axis=1)
    by_name = {
        "displaced": displaced,
        "sheltered": sheltered,
        "residents_protected": residents,
        "unmet": np.maximum(displaced - sheltered, 0.0),
        "capacity": cap.sum(axis=1),
        "sheltered_safe": (arrivals * safe).sum(axis=1),
    }
    return np.column_stack([by_name[m] for m in METRICS])
