"""What every column of the output files is: a data dictionary, and how the files round.

:meth:`ScenarioResult.to_file` and :func:`write_comparison` write their tables
through :func:`for_file`, which writes people as whole numbers (rounded to the
nearest person) and weighted event counts with one decimal, and add
``columns.csv``: one row per column of every file written (file, column,
unit, meaning), from :func:`describe`.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"zone_id": ["a"], "population_p50": [2166431.6], "events_weighted": [12.34]})
>>> for_file(t).to_dict("records")
[{'zone_id': 'a', 'population_p50': 2166432, 'events_weighted': 12.3}]
>>> describe({"per_zone.csv": ["population_p50"]}).iloc[0].tolist()[:3]
['per_zone.csv', 'population_p50', 'people']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np
import pandas as pd

from safezones.model.needs import NEEDS
from safezones.schema import ACTORS

__all__ = ["DECIMAL", "PEOPLE", "WEIGHTED", "WHOLE", "describe", "for_file"]

_Frame = TypeVar("_Frame", bound=pd.DataFrame)

#: Stems of the columns that count people; ``_p5``/``_p50``/``_p95`` and
#: ``_low``/``_central``/``_high`` follow them. Written as whole numbers.
PEOPLE = (
    "population",
    "residents_protected",
    "capacity",
    "sheltered",
    "arrivals",
    "displaced_within",
    "sheltered_gravity",
    "sheltered_optimal",
    "sheltered_safe",
    "displaced",
    "unmet",
    "people",
    "stay_in_syria",
    "leave_TUR",
    "leave_LBN",
    "leave_JOR",
    "leave_IRQ",
    "leave_EGY",
)
#: Stems of the minimum needs (:data:`safezones.model.needs.NEEDS`): litres, latrines and
#: m² with a quantile suffix, written as whole numbers like people.
WHOLE = NEEDS
#: Counts spread over areas (events located only to a district or governorate
#: count with the share of that unit inside the zone): written with one decimal.
WEIGHTED = (
    "events_weighted",
    "deaths_civilians_weighted",
    "events_weighted_all",
    "deaths_civilians_weighted_all",
)
#: Stems of rates with a quantile suffix written with one decimal: deaths averted
#: per year are fractional (a rate times people), not whole people.
DECIMAL = ("deaths_averted",)

_QUANTILES = {
    "p5": "P5 (5th percentile) over the Monte Carlo draws",
    "p50": "P50 (median) over the Monte Carlo draws",
    "p95": "P95 (95th percentile) over the Monte Carlo draws",
    "low": "low band of the population layer",
    "central": "central estimate of the population layer",
    "high": "high band of the population layer",
}
_SUFFIX = re.compile(r"^(?P<stem>.+)_(?P<q>p5|p50|p95|low|central|high)$")

_SPREAD = (
    "events located only to a district or governorate (UCDP where_prec 3-4, ACLED "
    "geo_precision 3) count with the share of that unit's area inside the zone (or origin) "
    '(events.imprecise = "spread", the default), so the count is fractional'
)

_CONTROL_SOURCE = (
    "at the scenario's control snapshot (the control surface: land takes the actor of its "
    "nearest community within control.max_distance_km, else unknown; source: Syria Conflict "
    "Mapping Project, The Carter Center, as used by Gohdes 2020, or the scenario's control "
    "layer; see summary.json control)"
)
_ACTOR_WORDS = {
    "government": "the government",
    "opposition": "the opposition",
    "islamic_state": "the Islamic State",
    "kurds": "Kurdish forces",
    "unknown": "no known actor (unknown)",
}
_THREAT = (
    "the threat actors' (threat.actors; events attributed to actors from their UCDP GED "
    "side_a/side_b or ACLED actor1/actor2 dyads, safezones' actor table)"
)
_SHARES: dict[str, tuple[str, str]] = {
    f"share_{kind}_{a}": (
        "0 to 1",
        f"share of the zone's {what} held by {_ACTOR_WORDS[a]} {_CONTROL_SOURCE}; the five "
        f"share_{kind}_ columns of a zone add up to 1",
    )
    for kind, what in (("area", "area"), ("population", "population (central estimate)"))
    for a in ACTORS
}

#: Unit and meaning of each column (or column stem), for every file.
_COMMON: dict[str, tuple[str, str]] = {
    "zone_id": ("", "zone id, as in the scenario"),
    "kind": ("", "zone kind: refuge (border strip), freeze (around a place) or safe (a polygon)"),
    "name": ("", "name"),
    "area_km2": ("km²", "area of the zone in the equal-area PROJECT_CRS, clipped to Syria"),
    "events_weighted": (
        "events",
        f"{_THREAT} strike events of the window inside the zone (the scenario's [events] "
        "source); " + _SPREAD,
    ),
    "deaths_civilians_weighted": (
        "deaths",
        "civilian deaths of those events, weighted as events_weighted, so fractional",
    ),
    "events_per_1000km2_year": (
        "events per 1,000 km² per year",
        "strike intensity of the threat actors' events: weighted events per 1,000 km² of the "
        "area per year of the window",
    ),
    "events_weighted_all": (
        "events",
        "every actor's strike events of the window inside the zone, not only the threat "
        "actors' (beside events_weighted); " + _SPREAD,
    ),
    "deaths_civilians_weighted_all": (
        "deaths",
        "civilian deaths of every actor's events, weighted as events_weighted, so fractional",
    ),
    "events_per_1000km2_year_all": (
        "events per 1,000 km² per year",
        "strike intensity of every actor's events (beside events_per_1000km2_year)",
    ),
    "exposure": (
        "0 to 1",
        "strike exposure to the threat actors: intensity / shelter.exposure_reference, at most 1",
    ),
    "protection": (
        "0 to 1",
        "protection of the zone against its threat actors: each actor's (the zone's own, the "
        "scenario's for its kind, else the default of its kind or neighbour) weighted by that "
        "actor's share of the zone's threat events (summary.json threat.protection)",
    ),
    "protection_source": (
        "",
        "why the zone's protection is what it is: 'scenario' when the scenario gives it, else "
        "the default's reason (an assumption, safezones.defaults.PROTECTION_REASONS)",
    ),
    "actor": ("", f"the actor holding most of the zone's population {_CONTROL_SOURCE}"),
    **_SHARES,
    "area_before_cut_km2": (
        "km²",
        "area of the zone before it was cut to land not held by control.exclude_held_by "
        "(equal to area_km2 when nothing is cut)",
    ),
    "deaths_averted": (
        "deaths per year",
        "civilian deaths per year the zone's protection would avert from the threat actors' "
        "violence: residents protected x their civilian death rate x protection, plus "
        "sheltered arrivals x (their origins' rate - the zone's rate x (1 - protection)); "
        "negative where the zone is more violent than its arrivals' origins; rates from UCDP "
        "GED civilian deaths (deaths_civilians, CC BY 4.0) over the window",
    ),
    "safety": ("0 to 1", "safety of the zone: 1 - (1 - protection) x exposure"),
    "population": (
        "people",
        "everyone living in the zone, before displacement: the population layer's cells "
        "counted with the share of their area inside the zone (points when inside)",
    ),
    "residents_protected": (
        "people",
        "people living in the zone who were not displaced: population x (1 - share displaced "
        "of their group); protected in place, never counted as sheltered",
    ),
    "capacity": ("people", "people the zone can host: usable land / site area per person"),
    "sheltered": (
        "people",
        "displaced people the zone shelters, within reach and capacity, by the headline "
        "allocation (shelter.allocation, gravity by default): arrivals + displaced_within",
    ),
    "arrivals": ("people", "of sheltered, the displaced who come from outside the zone"),
    "displaced_within": (
        "people",
        "of sheltered, the displaced whose home is inside the zone and who stay there",
    ),
    "sheltered_gravity": (
        "people",
        "sheltered by the behavioural allocation (gravity): people choose zones by capacity, "
        "safety and road distance; the turned-away try their next reachable zone; the rest "
        "stay or leave Syria",
    ),
    "sheltered_optimal": (
        "people",
        "sheltered by the upper bound (optimal): as many as reach and capacity allow, "
        "wherever they are best placed",
    ),
    "binding": (
        "",
        "what limits the zone in most draws: capacity (full: the number is the usable-land "
        "rule, see capacity_rule), reach (fewer displaced within reach than it can host) or "
        "demand (enough within reach, but they chose another zone or the outside option)",
    ),
    "binding_share": ("share", "share of the draws in which binding is the limit"),
    "capacity_rule": (
        "",
        "how the capacity is computed, at the scenario's central values: usable share of "
        "the land x area / site area per person (assumption; the draws' ranges in brackets)",
    ),
    "sheltered_safe": ("people", "sheltered, weighted by the zone's safety"),
    "water_litres_per_day": (
        "litres per day",
        "minimum water for the people sheltered in the zone (arrivals + displaced within; "
        "residents not displaced are not counted, an assumption): sheltered x "
        "needs.water_litres_per_person_day (default 15 litres per person per day for "
        "drinking, cooking and hygiene, Sphere Handbook 2018, water supply standard 2.1; "
        "summary.json needs)",
    ),
    "latrines": (
        "latrines",
        "minimum latrines for the people sheltered in the zone: ceil(sheltered / "
        "needs.people_per_latrine) in each draw (default 1 per 20 people, the medium-term "
        "minimum, Sphere Handbook 2018, excreta management; 0 for no one)",
    ),
    "covered_area_m2": (
        "m²",
        "minimum covered living space for the people sheltered in the zone: sheltered x "
        "needs.covered_m2_per_person (default 3.5 m² per person, Sphere Handbook 2018, "
        "shelter and settlement standard 3); not the site area, which capacity uses",
    ),
    "displaced": ("people", "people displaced in the window"),
    "unmet": (
        "people",
        "displaced people not sheltered: they take the outside option (outside_destination)",
    ),
    "outside_destination": (
        "",
        "where the unmet go: stay in Syria, or leave for a neighbour (the stay_in_syria and "
        "leave_<ISO3> columns; safezones.defaults.OUTSIDE_DESTINATIONS)",
    ),
    "stay_in_syria": (
        "people",
        "unmet displaced who stay in Syria (the outside option's stay weight, "
        "shelter.outside_option)",
    ),
    **{
        f"leave_{c}": (
            "people",
            f"unmet displaced who leave Syria for {name}: the weight shelter.leave.{c} times "
            "its border's openness in the window's last year (seeds/border_policies.toml) and "
            "its distance's pull (safezones.model.departures)",
        )
        for c, name in (
            ("TUR", "Turkey"),
            ("LBN", "Lebanon"),
            ("JOR", "Jordan"),
            ("IRQ", "Iraq"),
            ("EGY", "Egypt, by air and sea"),
        )
    },
    "people": ("people", "people moving from the origin to the zone"),
    "pcode": ("", "OCHA P-code of the origin (district or governorate)"),
    "hazard_class": ("", "hazard class of the origin (the class most of its people live in)"),
    "rate": ("share", "displacement rate of the origin (mean over its people)"),
    "origin_pcode": ("", "OCHA P-code of the origin"),
    "origin_name": ("", "name of the origin"),
    "distance_km": (
        "km",
        "mean road distance travelled, front-line crossings' penalty included "
        "(shelter.crossing_penalty_km per change), weighted by the people moving",
    ),
    "origin_actor": ("", f"the actor holding most of the origin's population {_CONTROL_SOURCE}"),
    "zone_actor": ("", f"the actor holding most of the zone's population {_CONTROL_SOURCE}"),
    "control_changes": (
        "changes",
        "mean number of changes of controlling actor (front lines) along the straight line "
        "from the origin's people to the zone, weighted by the people moving; unknown ground "
        "is no change; 0 without a control layer",
    ),
}
_ZONE_BUILDERS: dict[str, tuple[str, str]] = {
    "place": ("", "place the freeze zone is centred on"),
    "lon": ("degrees", "longitude of the centre (EPSG:4326)"),
    "lat": ("degrees", "latitude of the centre (EPSG:4326)"),
    "radius_km": ("km", "radius of the freeze zone"),
    "neighbour": ("", "ISO code of the neighbour whose border the strip follows"),
    "depth_km": ("km", "depth of the refuge strip"),
    "start": ("", "where the stretch of border starts (empty: the whole border)"),
    "end": ("", "where the stretch of border ends"),
    "stretch_km": ("km", "length of the stretch of border"),
    "source": ("", "file or object the safe zone was drawn from"),
    "repaired": ("", "True when an invalid polygon was repaired"),
    "overlaps_with": ("", "ids of the zones this one overlaps, ';'-separated"),
    "overlap_km2": ("km²", "area shared with other zones"),
    "capacity_given": ("people", "capacity given in the scenario (empty: from the area)"),
    "geom": ("", "zone polygon (EPSG:4326)"),
}
_FILES: dict[str, dict[str, tuple[str, str]]] = {
    "per_origin.csv": {
        "name": ("", "name of the origin (district or governorate)"),
        "events_per_1000km2_year": (
            "events per 1,000 km² per year",
            "strike intensity of the origin over the window (weighted events; " + _SPREAD + ")",
        ),
        "population": ("people", "everyone living in the origin (population layer)"),
        "sheltered": ("people", "displaced people of the origin sheltered in a zone"),
    },
    "totals.csv": {
        "metric": (
            "",
            "the score (people): displaced, sheltered (the headline allocation's) = arrivals "
            "(from outside the zones) + displaced_within (whose home is in a zone), "
            "sheltered_gravity and sheltered_optimal (the behavioural estimate and the upper "
            "bound), residents_protected (everyone living in any zone who was not displaced, "
            "overlaps counted once), unmet, capacity, sheltered_safe; and deaths_averted "
            "(civilian deaths per year, summed over zones)",
        ),
        "p5": ("people (deaths_averted: deaths per year)", _QUANTILES["p5"]),
        "p50": ("people (deaths_averted: deaths per year)", _QUANTILES["p50"]),
        "p95": ("people (deaths_averted: deaths per year)", _QUANTILES["p95"]),
    },
    "comparison.csv": {
        "scenario": ("", "scenario id"),
        "title": ("", "scenario title"),
        "zones": ("zones", "number of zones"),
        "area_km2": ("km²", "total area of the zones (overlaps counted twice)"),
        "area_before_cut_km2": (
            "km²",
            "total area of the zones before they were cut to land not held by "
            "control.exclude_held_by (overlaps counted twice)",
        ),
        "kept": (
            "share",
            "share of the zones' area that survives the cut: area_km2 / area_before_cut_km2 "
            "(1: nothing cut; each zone's in its per_zone.csv)",
        ),
        "deaths_averted": (
            "deaths per year",
            "civilian deaths per year the zones' protection would avert (summed over zones; "
            "see per_zone.csv deaths_averted)",
        ),
        "allocation": ("", "allocation rule: optimal or gravity"),
        "window": ("", "window of the strike events"),
        "population": (
            "people",
            "everyone living in any of the scenario's zones, before displacement (overlaps once)",
        ),
        "residents_protected": (
            "people",
            "people living in any zone who were not displaced (overlaps counted once)",
        ),
        "draws": ("draws", "Monte Carlo draws"),
        "seed": ("", "random seed"),
        "citation": ("", "source of the scenario"),
    },
}


def _entry(file: str, column: str) -> tuple[str, str]:
    own = _FILES.get(file, {})
    if column in own:
        return own[column]
    if column in _COMMON:
        return _COMMON[column]
    m = _SUFFIX.match(column)
    if m is not None:
        stem, q = m["stem"], m["q"]
        unit, meaning = own.get(stem) or _COMMON.get(stem) or ("", stem.replace("_", " "))
        return unit, f"{meaning}; {_QUANTILES[q]}"
    if file.endswith(".gpkg"):
        return _ZONE_BUILDERS.get(column, ("", "attribute of the zone from its builder"))
    return "", column.replace("_", " ")


def describe(files: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Return the data dictionary of output files: ``file``, ``column``, ``unit``, ``meaning``.

    Parameters
    ----------
    files
        File name to its columns, in order.
    """
    rows = [(f, c, *_entry(f, c)) for f, cols in files.items() for c in cols]
    return pd.DataFrame(rows, columns=["file", "column", "unit", "meaning"])


def _stem(column: str) -> str:
    m = _SUFFIX.match(column)
    return m["stem"] if m is not None else column


def for_file(df: _Frame, *, people: Sequence[str] = ()) -> _Frame:
    """Return a copy of ``df`` as the output files hold it: people whole, weighted counts to 0.1.

    People columns (stems :data:`PEOPLE` with a quantile or band suffix, and
    ``people``, the columns named) and the needs (:data:`WHOLE`) are rounded to the
    nearest whole number and written as integers; :data:`WEIGHTED` counts and the quantiles of
    :data:`DECIMAL` (deaths averted per year) keep one decimal.
    """
    out = df.copy()
    for col in out.columns:
        name = str(col)
        stem = _stem(name)
        if name in people or (stem in PEOPLE + WHOLE and stem != name):
            vals = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype=float)
            rounded = np.rint(vals)
            if np.isfinite(rounded).all():
                out[col] = rounded.astype(np.int64)
            else:
                out[col] = pd.array(
                    [int(v) if np.isfinite(v) else None for v in rounded], dtype="Int64"
                )
        elif name in WEIGHTED or (_stem(name) in DECIMAL and _stem(name) != name):
            out[col] = np.round(pd.to_numeric(out[col], errors="coerce").to_numpy(float), 1)
    return out
