"""The metrics a scenario is scored on, their units, and the quantiles reported for each.

Examples
--------
>>> METRICS[-1], METRIC_UNITS["deaths_averted"]
('deaths_averted', 'civilian deaths per year')
"""

import numpy as np

__all__ = ["BINDING", "METRICS", "METRIC_NOTES", "METRIC_UNITS", "QUANTILES", "binding"]

#: The score, in the order reported.
METRICS = (
    "displaced",
    "sheltered",
    "arrivals",
    "displaced_within",
    "sheltered_gravity",
    "sheltered_optimal",
    "residents_protected",
    "unmet",
    "capacity",
    "sheltered_safe",
    "deaths_averted",
)
#: The unit of each metric.
METRIC_UNITS = {m: "people" for m in METRICS} | {"deaths_averted": "civilian deaths per year"}
#: What each metric is, in a line (the model's definitions: :mod:`safezones.model.score`,
#: :mod:`safezones.model.deaths`).
METRIC_NOTES = {
    "displaced": "people displaced in the window",
    "sheltered": (
        "displaced people the zones shelter, within reach and capacity, by the headline "
        "allocation (shelter.allocation; gravity by default): arrivals + displaced within"
    ),
    "arrivals": "displaced people who come to a zone from outside it",
    "displaced_within": "displaced people whose home is inside a zone and who stay there",
    "sheltered_gravity": (
        "sheltered by the behavioural allocation: people choose zones by capacity, safety "
        "and distance; the turned-away try their next zone; the rest stay or leave Syria"
    ),
    "sheltered_optimal": (
        "sheltered by the upper bound: the most people the zones can take under reach and "
        "capacity (a linear program)"
    ),
    "residents_protected": "people living in the zones who were not displaced",
    "unmet": "displaced people not sheltered",
    "capacity": "people the zones can host",
    "sheltered_safe": "sheltered, weighted by each zone's safety from strikes",
    "deaths_averted": (
        "civilian deaths per year the zones' protection would avert from the threat actors: "
        "the zone's rate x its residents not displaced x protection, plus its arrivals x "
        "(their origins' rate - the zone's rate left after protection); negative where a "
        "zone is more violent than its arrivals' origins. Rates: UCDP GED deaths_civilians "
        "(CC BY 4.0) of the threat actors' events in the window, per person per year"
    ),
}
#: The quantiles reported for every metric (column suffixes ``_p5``, ``_p50``, ``_p95``).
QUANTILES = ("p5", "p50", "p95")

#: Why a zone shelters no more, per draw (``Scored.binding``): full; too few
#: displaced within reach to fill it; enough within reach, but they chose otherwise.
BINDING = ("capacity", "reach", "demand")


def binding(sheltered: np.ndarray, cap: np.ndarray, reachable: np.ndarray) -> np.ndarray:
    """Return why each zone shelters no more, per draw: an index into :data:`BINDING`.

    ``capacity`` where the zone is full (to 1e-9 of its capacity); ``reach`` where the
    displaced who can reach it (``reachable``) are fewer than its capacity; else
    ``demand`` (enough within reach, but they went elsewhere or took the outside option).

    Examples
    --------
    >>> binding(np.array([[10.0, 4.0, 3.0]]), np.array([[10.0, 10.0, 10.0]]),
    ...         np.array([[50.0, 4.0, 30.0]])).tolist()
    [[0, 1, 2]]
    """
    full = sheltered >= cap * (1 - 1e-9)
    short = reachable < cap * (1 - 1e-9)
    return np.where(full, 0, np.where(short, 1, 2)).astype(np.int8)
