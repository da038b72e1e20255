"""Deaths averted: the civilian deaths per year a zone's protection would avert.

Rates are the threat actors' civilian deaths per person per year in the
scenario's window: the UCDP Georeferenced Event Dataset's ``deaths_civilians``
(UCDP's best estimate; Sundberg and Melander 2013; CC BY 4.0; a user's event
file gives its own, see :mod:`safezones.schema`) of the events attributed to
the threat actors (:mod:`safezones.model.threat`),
summed inside each zone (``rate_zone``) or origin (``rate_origin``), over the
people living there and the window's years (filled by
:mod:`safezones.model.prepare`).

For draw ``n`` and zone ``z``, with ``p[n, z]`` the zone's protection as drawn
(the value :func:`safezones.model.score.zone_safety` uses: the zone's
protection plus the draw's shift, clipped to [0, 1], :func:`drawn_protection`)::

    residents[n, z] = rate_zone[z] * residents_protected[n, z] * p[n, z]
    arrivals[n, z]  = sheltered[n, z] * (inflow[n, z] - rate_zone[z] * (1 - p[n, z]))
    deaths_averted[n, z] = residents[n, z] + arrivals[n, z]

- **residents**: the zone's residents who are not displaced keep living under
  the zone's rate, of which the protection removes the share ``p``;
- **arrivals**: the people sheltered in the zone leave their origin's rate for
  what remains of the zone's, ``rate_zone * (1 - p)``. ``inflow[n, z]`` is the
  demand-weighted mean origin rate of the displaced who can reach the zone
  (:func:`inflow_rate`)::

      inflow[n, z] = sum_g demand[n, g] reach[g, z] rate_g[g] / sum_g demand[n, g] reach[g, z]

  (0 where nobody reaches it), with ``rate_g`` the rate of each group's origin.
  Using the catchment's mean rather than the allocated flows keeps the number
  independent of the optimal allocation's tie-breaks, and lets the fast engine
  compute it from reach patterns.

The arrivals term is **negative** for a zone more violent, after its
protection, than the places its arrivals come from: sheltering them there
costs lives, and the sign is kept so that the metric says so. The scenario's
metric ``deaths_averted`` is the sum over zones; residents of overlapping
zones are counted in each zone they live in (each zone's protection is
applied to them).

What the figure leaves out (assumptions): deaths from other actors than the
threat actors, deaths on the way, deaths of the displaced who find no place
(they keep their origin's rate, so they count as zero averted), and any change
of the violence the zone itself would draw. The metric's unit and note for
outputs: :data:`safezones.model.metrics.METRIC_UNITS` and ``METRIC_NOTES``.

Examples
--------
One zone (rate 0.002 per person-year, protection 0.5) with 1,000 residents and
100 arrivals from an origin at rate 0.01:

>>> import numpy as np
>>> deaths_averted(np.array([[1000.0]]), np.array([0.002]), np.array([[0.5]]),
...                np.array([[100.0]]), np.array([[0.01]])).round(6).tolist()
[[1.9]]

That is ``0.002 * 1000 * 0.5 = 1`` for the residents and
``100 * (0.01 - 0.002 * 0.5) = 0.9`` for the arrivals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from safezones.model.uncertainty import Draws

__all__ = ["deaths_averted", "drawn_protection", "inflow_rate"]


def drawn_protection(protection: np.ndarray, dr: Draws) -> np.ndarray:
    """Return each zone's protection ``(Z,)`` shifted by each draw, clipped to [0, 1]: ``(n, Z)``.

    Examples
    --------
    >>> from safezones.model.uncertainty import Draws
    >>> dr = Draws(np.zeros(2), np.ones((2, 1)), np.ones(2), np.ones(2), np.array([0.5, -0.5]))
    >>> drawn_protection(np.array([0.2, 0.8]), dr).round(6).tolist()
    [[0.7, 1.0], [0.0, 0.3]]
    """
    p = np.asarray(protection, dtype=float)[None, :] + dr.protection_shift[:, None]
    return np.asarray(np.clip(p, 0.0, 1.0), dtype=float)


def inflow_rate(demand: np.ndarray, reach: np.ndarray, rate_g: np.ndarray) -> np.ndarray:
    """Return the demand-weighted mean rate of the groups reaching each zone, ``(n, Z)``.

    Parameters
    ----------
    demand
        ``(n, G)``: the displaced of each group in each draw.
    reach
        ``(G, Z)`` bool (or weights): which zones each group reaches.
    rate_g
        ``(G,)``: the civilian death rate of each group (its origin's).

    Returns
    -------
    numpy.ndarray
        ``(n, Z)``; 0 for a zone that no displaced person reaches.

    Examples
    --------
    600 displaced at rate 0.01 and 200 at 0.03 reach zone 0; only the 200 reach zone 1;
    nobody reaches zone 2:

    >>> inflow_rate(np.array([[600.0, 200.0]]), np.array([[1, 0, 0], [1, 1, 0]], bool),
    ...             np.array([0.01, 0.03])).round(6).tolist()
    [[0.015, 0.03, 0.0]]
    """
    d = np.atleast_2d(np.asarray(demand, dtype=float))
    r = np.asarray(reach, dtype=float)
    num = (d * np.asarray(rate_g, dtype=float)[None, :]) @ r
    den = d @ r
    return np.asarray(np.divide(num, den, out=np.zeros_like(num), where=den > 0))


def deaths_averted(
    residents: np.ndarray,
    rate_zone: np.ndarray,
    protection: np.ndarray,
    arrivals: np.ndarray,
    inflow: np.ndarray,
) -> np.ndarray:
    """Return the civilian deaths per year averted in each draw and zone, ``(n, Z)``.

    See the module docstring for the formula. Every argument broadcasts
    against ``(n, Z)`` by numpy's rules: ``rate_zone`` is ``(Z,)``;
    ``protection`` and ``inflow`` are ``(n, Z)`` or ``(Z,)`` (the same in every
    draw); ``residents`` and ``arrivals`` are ``(n, Z)``. A 1-d result (every
    argument ``(Z,)``) is returned as one draw, ``(1, Z)``.

    Parameters
    ----------
    residents
        The zone's residents who are not displaced.
    rate_zone
        The zone's civilian deaths per person per year from the threat actors.
    protection
        The zone's protection as drawn, in [0, 1] (:func:`drawn_protection`).
    arrivals
        The people sheltered in the zone.
    inflow
        The mean rate of the origins of those who reach it (:func:`inflow_rate`).

    Examples
    --------
    A zone more violent after its protection than its arrivals' origins (rate 0.02,
    protection 0.5, arrivals from rate 0.004): the arrivals term is negative,
    ``50 * (0.004 - 0.01) = -0.3``, against the residents' ``0.02 * 100 * 0.5 = 1``:

    >>> deaths_averted(np.array([100.0]), np.array([0.02]), np.array([0.5]),
    ...                np.array([50.0]), np.array([0.004])).round(6).tolist()
    [[0.7]]
    """
    rz = np.asarray(rate_zone, dtype=float)
    p = np.asarray(protection, dtype=float)
    res = np.asarray(residents, dtype=float) * rz * p
    arr = np.asarray(arrivals, dtype=float) * (np.asarray(inflow, dtype=float) - rz * (1.0 - p))
    return np.atleast_2d(np.asarray(res + arr, dtype=float))
