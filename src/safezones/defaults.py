"""Every default of the model, each with its source or the word "assumption".

The model modules (:mod:`safezones.model.demand`, :mod:`safezones.model.shelter`,
:mod:`safezones.model.uncertainty`) and the scenario sections
(:mod:`safezones.config.scenario`) take their defaults from here, so a default
is written once. The model modules re-export theirs (``sz.shelter.DEFAULT_PROTECTION``).

Examples
--------
>>> from safezones import defaults
>>> defaults.DEFAULT_PROTECTION["safe"]["government"], defaults.DEFAULT_MAX_TRAVEL_KM
(0.8, 100.0)
>>> defaults.REFUGE_PROTECTION["TUR"]["government"], defaults.DEFAULT_THREAT_ACTORS
(0.7, ('government',))
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BORDER_DECAY",
    "BORDER_REFERENCE_KM",
    "CALIBRATION_PARAMETERS",
    "CALIBRATION_SOURCE",
    "CONTROL_FLAG_SHARE",
    "CONTROL_STEP_KM",
    "DEFAULT_ALLOCATION",
    "DEFAULT_CONTROL_MAX_KM",
    "DEFAULT_CROSSING_PENALTY_KM",
    "DEFAULT_CROSSING_PENALTY_SPREAD",
    "DEFAULT_DEMAND_MODE",
    "DEFAULT_DETOUR_FACTOR",
    "DEFAULT_DISTANCE_DECAY",
    "DEFAULT_DRAWS",
    "DEFAULT_IMPRECISE",
    "DEFAULT_KERNEL_KM",
    "DEFAULT_MAX_TRAVEL_KM",
    "DEFAULT_NATIONAL_TOTAL_SPREAD",
    "DEFAULT_ORIGIN",
    "DEFAULT_OUTSIDE_OPTION",
    "DEFAULT_POPULATION_BANDS",
    "DEFAULT_PROTECTION",
    "DEFAULT_PROTECTION_SPREAD",
    "DEFAULT_RATES",
    "DEFAULT_RATE_SPREAD",
    "DEFAULT_SEED",
    "DEFAULT_THREAT_ACTORS",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_USABLE_FRACTION",
    "DEFAULT_WINDOW",
    "DETOUR_SPREAD",
    "DISTANCE_DECAY_SPREAD",
    "EXPOSURE_REFERENCE",
    "LEAVE_ATTRACT",
    "LEAVE_DESTINATIONS",
    "MAX_TRAVEL_RANGE",
    "MOVEMENT_DECAY",
    "OCHA_IDPS_MID_2014",
    "OUTSIDE_DESTINATIONS",
    "OUTSIDE_OPTION_RANGE",
    "PERCENTILES",
    "PROTECTION_REASONS",
    "REFERENCE_DISTANCE_KM",
    "REFUGEES_ABROAD_END_OF_YEAR",
    "REFUGE_PROTECTION",
    "SITE_AREA_RANGE_M2",
    "SOURCES",
    "SPHERE_COVERED_M2",
    "SPHERE_PEOPLE_PER_LATRINE",
    "SPHERE_SITE_AREA_M2",
    "SPHERE_SITE_AREA_MIN_M2",
    "SPHERE_WATER_L_PER_DAY",
    "STRUCTURAL_LEVELS",
    "THRESHOLD_FACTOR_RANGE",
    "USABLE_FRACTION_RANGE",
]

# ---------------------------------------------------------------- events

#: The strike window, first and last year (inclusive): 2014, the year of the
#: seed article (AFP, 2014-11-26) and of OCHA's count of the displaced
#: (:data:`OCHA_IDPS_MID_2014`).
DEFAULT_WINDOW: tuple[int, int] = (2014, 2014)
#: Events located more coarsely than a zone (precision classes 3 and 4) are
#: spread evenly over their area (``events.imprecise``). Assumption.
DEFAULT_IMPRECISE: Final = "spread"

# ---------------------------------------------------------------- demand

#: How the displaced are found: from strike intensity (InaSAFE-style hazard
#: classes), which needs no table of the displaced by origin. Assumption.
DEFAULT_DEMAND_MODE: Final = "hazard"
#: Where the displaced come from: each population cell, classed by the threat
#: actors' strike intensity within :data:`DEFAULT_KERNEL_KM` of it, and reported by
#: district (OCHA admin level 2). Averaging over a district's area classed dense
#: Damascus "high" and mostly-desert Duma "medium" (issue 19). Assumption.
DEFAULT_ORIGIN: Final = "cells"
#: National total of internally displaced people used to scale hazard-based
#: demand. Source: UN OCHA, 7.6 million IDPs in Syria in mid-2014 (Syria
#: Strategic Response Plan 2015, December 2014).
OCHA_IDPS_MID_2014 = 7_600_000
#: Syrian refugees and asylum-seekers abroad at the end of each year (every country of
#: asylum; Syria's own row, its IDPs, left out). Source: UNHCR Refugee Data Finder
#: (CC BY 4.0), observed/unhcr_syrian_refugees_by_host_2011_2014.csv in the shared data
#: (a test recomputes them). ``population.basis = "window"`` takes the figure of the
#: window's last year off the pre-war grid, every cell by the same share: the split of
#: the refugees by origin is unknown (assumption).
REFUGEES_ABROAD_END_OF_YEAR: Final = {2011: 34_372, 2012: 755_027, 2013: 2_509_342,
                                      2014: 3_967_139}  # fmt: skip
#: Class boundaries in events per 1,000 km2 per year: below 10 is low, 10 to
#: 100 medium, 100 and above high. Assumption: round numbers (the outputs say
#: where they fall among the window's own cells, computed, not asserted). The
#: draws scale both by :data:`THRESHOLD_FACTOR_RANGE`.
DEFAULT_THRESHOLDS = (10.0, 100.0)
#: ``origin="cells"``: radius of the disc over which each population cell's
#: strike intensity is measured. Assumption: about a town and its fields, wide
#: enough that a 2 km cell is not classed by one or two events.
DEFAULT_KERNEL_KM = 10.0
#: Share of the population displaced per hazard class (low, medium, high) in a year.
#: The low rate is calibrated (``safezones calibrate``, ``data/calibration.json``) on
#: OCHA's IDP movements by governorate, 2016-2017, tested on 2018; the data do not
#: identify the ratios between the classes, which keep the InaSAFE-style assumption
#: (x4, x2.5). With scaling to a national total only the ratios matter.
DEFAULT_RATES = (0.0172, 0.0689, 0.172)

# ---------------------------------------------------------------- shelter

#: The headline allocation of the displaced to zones: ``gravity``, the behavioural
#: estimate (people choose by capacity, safety and distance, turned-away arrivals try
#: their next zone). ``optimal`` (the most people sheltered under reach and capacity,
#: the upper bound) is always reported beside it. Assumption.
DEFAULT_ALLOCATION: Final = "gravity"
#: Sphere Handbook (2018), shelter and settlement standard 2: a minimum usable
#: surface of 45 m2 per person in camp-type settlements, household plots included
#: (the observed facts find it as the UNHCR Handbook for Emergencies' guideline, via
#: Forced Migration Review: ``seeds/camp_capacity.toml``).
SPHERE_SITE_AREA_M2 = 45.0
#: 30 m2 per person where communal services are provided outside the planned
#: settlement, a figure often attributed to Sphere; the low end of the capacity draws.
#: Assumption: no Sphere or UNHCR page for it is in the shared data (README, observed
#: facts), so ``seeds/camp_capacity.toml`` records it as an assumption.
SPHERE_SITE_AREA_MIN_M2 = 30.0
#: Share of a zone's land usable for planned sites (flat, unbuilt, reachable,
#: with water). Assumption: 1 %.
DEFAULT_USABLE_FRACTION = 0.01
#: Longest journey to a zone, in road km. Assumption: a day's travel by road
#: for families with few vehicles, through checkpoints.
DEFAULT_MAX_TRAVEL_KM = 100.0
#: Road distance over straight-line distance. Assumption, within the 1.2-1.4
#: range usually measured for road networks.
DEFAULT_DETOUR_FACTOR = 1.3
#: Protection (share of a threat actor's strike exposure removed) by zone kind and
#: actor; a refuge zone's is its neighbour's (:data:`REFUGE_PROTECTION`). A no-fly
#: zone stops aircraft, not ground attacks; a negotiated freeze binds only its
#: parties. Each value's reason is in :data:`PROTECTION_REASONS`; all are assumptions.
DEFAULT_PROTECTION: dict[str, dict[str, float]] = {
    # UN envoy de Mistura's Aleppo "freeze" (October-November 2014, the seed article)
    # was to be agreed between the government and the opposition; IS was no party.
    "freeze": {"government": 0.5, "opposition": 0.5, "islamic_state": 0.0, "kurds": 0.5,
               "other": 0.0},
    # The French proposal: zones "where it is not possible for Bashar al-Assad's aircraft
    # and Daesh to pursue Syrians" (the seed article): an enforced no-fly zone, with
    # ground protection less certain.
    "safe": {"government": 0.8, "opposition": 0.4, "islamic_state": 0.4, "kurds": 0.4,
             "other": 0.4},
}  # fmt: skip
#: A refuge zone's protection by neighbour and actor: what a neighbour next to the
#: zone could deter. Assumptions, each with its reason in :data:`PROTECTION_REASONS`.
REFUGE_PROTECTION: dict[str, dict[str, float]] = {
    "TUR": {"government": 0.7, "opposition": 0.2, "islamic_state": 0.2, "kurds": 0.2,
            "other": 0.2},
    "JOR": {"government": 0.5, "opposition": 0.2, "islamic_state": 0.3, "kurds": 0.2,
            "other": 0.2},
    "LBN": {"government": 0.2, "opposition": 0.2, "islamic_state": 0.2, "kurds": 0.2,
            "other": 0.2},
    "IRQ": {"government": 0.3, "opposition": 0.0, "islamic_state": 0.0, "kurds": 0.0,
            "other": 0.0},
}  # fmt: skip
#: Why each protection default differs, by kind or neighbour, as outputs cite them
#: (each reason is an assumption and says so).
PROTECTION_REASONS: dict[str, str] = {
    "freeze": "assumption: a negotiated freeze relies on the restraint of its parties, the "
    "government and the opposition (the UN envoy's Aleppo plan, 2014); IS was no party (0)",
    "safe": "assumption: an enforced no-fly zone stops the government's aircraft (0.8) but "
    "not ground attacks by the other actors (0.4)",
    "TUR": "assumption: Turkey, a NATO member, shot down a Syrian MiG-23 near Kasab on "
    "23 March 2014 and a Syrian helicopter in September 2013, deterring the government's "
    "aircraft near its border (0.7); IS besieged Kobani on that border in late 2014 (0.2)",
    "JOR": "assumption: Jordan, a US partner hosting coalition aircraft from September "
    "2014, deterred less openly than Turkey, and the government kept striking Dar'a near "
    "its border (0.5)",
    "LBN": "assumption: Lebanon's army could not deter the Syrian air force, which struck "
    "around Arsal across the border in 2013-2014, nor ground attacks (0.2)",
    "IRQ": "assumption: IS held both sides of the Syria-Iraq border from June 2014 (0 "
    "against IS); Iraq could not deter the Syrian air force (0.3)",
}
#: Whose violence zones guard against unless a scenario says (``threat.actors``): the
#: government's, whose aircraft the 2014 proposals were to stop (the seed article).
DEFAULT_THREAT_ACTORS: tuple[str, ...] = ("government",)
#: Penalty for each change of controlling actor along the straight line to a zone,
#: in road km (``shelter.crossing_penalty_km``). Assumption: a front-line crossing
#: (checkpoints, searches, waits, a detour around the front) costs about a fifth of
#: :data:`DEFAULT_MAX_TRAVEL_KM`.
DEFAULT_CROSSING_PENALTY_KM = 20.0
#: Relative spread of the crossing penalty in the draws (0.5: x0.5 to x1.5). Assumption.
DEFAULT_CROSSING_PENALTY_SPREAD = 0.5

# ---------------------------------------------------------------- control

#: The control surface: land takes the actor of its nearest community within this
#: distance, else ``unknown``. Assumption: the Syria Conflict Mapping Project's
#: communities lie a median 2.0 km from their nearest neighbour, 99 % within 7.5 km
#: (both snapshots); 10 km leaves the empty desert unknown.
DEFAULT_CONTROL_MAX_KM = 10.0
#: Spacing of the points sampled along a journey's straight line to count control
#: changes. Assumption: the population grid's cell size (2 km).
CONTROL_STEP_KM = 2.0
#: A zone is flagged in the memo and on the map when more than this share of its
#: population or area is held by one of its own threat actors. Assumption: 5 % is
#: beyond the control surface's edge effects (a zone's rim reaching a neighbouring
#: community) yet a share no proposal guarding against that actor would accept.
CONTROL_FLAG_SHARE = 0.05

#: Strike intensity (events per 1,000 km2 per year) at which exposure is full:
#: the high-hazard threshold of :data:`DEFAULT_THRESHOLDS`.
EXPOSURE_REFERENCE = 100.0
#: ``gravity``: distance decay exponent. Assumption (2 is the classic gravity model).
DEFAULT_DISTANCE_DECAY = 2.0
#: ``gravity``: weight of the outside option (staying, or crossing a border)
#: against a zone of average capacity, full safety and no distance. Assumption.
DEFAULT_OUTSIDE_OPTION = 0.5
#: ``gravity``: the distance at which a zone's pull halves (with decay 1). Assumption.
REFERENCE_DISTANCE_KM = 25.0

# ---------------------------------------------------------------- uncertainty

#: Monte Carlo draws per scenario unless told otherwise. Assumption.
DEFAULT_DRAWS = 500
#: The default seed: the seed article's date, 2014-11-26.
DEFAULT_SEED = 20141126
#: The reported percentiles: the 90 % interval and the median. Assumption.
PERCENTILES = (5.0, 50.0, 95.0)
#: Relative spread of each displacement rate (0.3: x0.7 to x1.3). Assumption.
DEFAULT_RATE_SPREAD = 0.3
#: Relative spread of the national total of displaced (0.1: +-10 %). Assumption.
DEFAULT_NATIONAL_TOTAL_SPREAD = 0.1
#: Absolute spread of each zone's protection (0.2: +-0.2). Assumption.
DEFAULT_PROTECTION_SPREAD = 0.2
#: Draw population between its low and high bands (the bundled grid's bands
#: are central x (1 -+ 0.25), see ``data/PROVENANCE.md``), not the central case only.
DEFAULT_POPULATION_BANDS = True

# ---------------------------------------------------------------- structural ranges (issue 19)
#
# The draws move the structural assumptions too, each over a range with its source.
# Inputs that decide who reaches which zone (travel, detour, penalty) or a cell's
# hazard class (the thresholds) take one of :data:`STRUCTURAL_LEVELS` levels, the
# midpoints of equal slices of their range, so that each combination's reach groups
# are formed once (:mod:`safezones.model.uncertainty`).

#: Levels of each reach or hazard input in the draws. Assumption: three (the middle one
#: the central value) keep 81 combinations, each formed once per run.
STRUCTURAL_LEVELS = 3
#: Usable share of a zone's land for sites: triangular, low / high, around the
#: scenario's (1 %, an assumption). The range is what the displaced actually occupied
#: in north-west Syria (CCCM ISIMM sites, November 2019, at 45 to 67 m2 per person over
#: each district's area): A'zaz district, 131,026 people on 1,260 km2, 0.5 %; Harim
#: district, 554,219 people on 736 km2, 3.4 % to 5.0 % (``seeds/camp_capacity.toml``).
USABLE_FRACTION_RANGE = (0.005, 0.05)
#: Site area per person in m2: triangular, low / high (mode: the scenario's, Sphere's
#: 45). Low: 30 m2 where communal services lie outside the site (assumption, see
#: :data:`SPHERE_SITE_AREA_MIN_M2`). High: 67 m2,
#: Zaatari camp's used area per person (UNHCR factsheet, December 2015: 5.3 km2 for
#: 79,138 people, about 15,000 per km2).
SITE_AREA_RANGE_M2 = (30.0, 67.0)
#: Longest journey, a factor on the scenario's ``max_travel_km``: x0.5 to x1.5
#: (assumption: half a day to a day and a half on the road).
MAX_TRAVEL_RANGE = (0.5, 1.5)
#: Detour factor: the scenario's +- 0.1, i.e. 1.2 to 1.4 around the default 1.3, the
#: road circuity measured for countries' road networks. Source: Ballou, Rahardja &
#: Sakai (2002), Transportation Research A 36: 843-848 (circuity factors about 1.2-1.4).
DETOUR_SPREAD = 0.1
#: Factor on both hazard thresholds: x0.5 to x2, log-uniform (assumption: the class
#: boundaries are round numbers, not measured).
THRESHOLD_FACTOR_RANGE = (0.5, 2.0)
#: Gravity distance decay exponent: the scenario's +- 1, i.e. 1 to 3 around the default
#: 2 (assumption: 1-2 is the range of classic gravity models of migration; 3 allows
#: for the danger of travel in war).
DISTANCE_DECAY_SPREAD = 1.0
#: Weight of the outside option, relative to the scenario's: x0.5 to x2, log-uniform
#: (assumption: not identified by any observed figure before issue 20's calibration).
OUTSIDE_OPTION_RANGE = (0.5, 2.0)
#: The outside option's destinations in ``gravity`` (issue 20): the displaced who choose
#: no zone stay displaced in Syria or leave it for a neighbour
#: (:mod:`safezones.model.departures`). Source: the neighbours are UNHCR's five main
#: hosts of Syrian refugees (observed/unhcr_syrian_refugees_by_host_2011_2014.csv).
OUTSIDE_DESTINATIONS: tuple[str, ...] = ("stay in Syria", "Turkey", "Lebanon", "Jordan", "Iraq",
                                         "Egypt")  # fmt: skip

# ---------------------------------------------------------------- leaving Syria (issue 20)

#: Where the displaced who leave Syria go, as ISO3 codes (Source: UNHCR's five main hosts of
#: Syrian refugees at the end of 2014: observed/unhcr_syrian_refugees_by_host_2011_2014.csv).
LEAVE_DESTINATIONS: tuple[str, ...] = ("TUR", "LBN", "JOR", "IRQ", "EGY")
#: Weight of each destination at its border when open, in the units of a zone's weight
#: (a zone of average capacity, full safety, at no distance weighs 1; staying weighs
#: :data:`DEFAULT_OUTSIDE_OPTION`). Calibrated (``safezones calibrate``,
#: ``data/calibration.json``) on UNHCR's refugee stocks by host country at the ends of
#: 2012 and 2013, tested on 2014 (the test's ARD is in :data:`CALIBRATION_SOURCE`).
LEAVE_ATTRACT: dict[str, float] = {"TUR": 0.267, "LBN": 0.208, "JOR": 0.525, "IRQ": 0.223,
                                   "EGY": 0.00781}  # fmt: skip
#: Distance decay of a border's pull, ``(d0 / (d + d0)) ** decay``. Assumption: the
#: refugee stocks by host country do not identify it (fitted, it runs to its lower
#: bound: the five hosts' totals ask for no distance effect at all, not an estimate).
BORDER_DECAY = 1.0
#: The parameters a calibration fits (``safezones.validate.calibrate.BOUNDS``), and the
#: scenario key each sets (None: the validation model's own, not a scenario's): the rates
#: as the low class's and two ratios, which keep the classes in order. Not a number: no
#: source is needed (the calibrated values' own are in :data:`CALIBRATION_SOURCE`).
CALIBRATION_PARAMETERS: dict[str, str | None] = {
    "rate_low": "demand.rates",
    "rate_medium_over_low": "demand.rates",
    "rate_high_over_medium": "demand.rates",
    **{f"attract_{c}": f"shelter.leave.{c}" for c in LEAVE_DESTINATIONS},
    "border_decay": "shelter.border_decay",
    "movement_decay": None,
    "decay": "shelter.distance_decay",
    "usable_fraction": "shelter.usable_fraction",
}
#: The calibration behind the calibrated defaults, as the outputs cite it.
CALIBRATION_SOURCE = ("calibrated on UNHCR refugees by host 2012-2013 (tested on 2014, ARD 0.34), "
                      "OCHA IDP movements 2016-2017 (tested on 2018, ARD 2.21); "
                      "data/calibration.json")  # fmt: skip
#: Distance decay of the internal movers' choice of a district (the validation model of
#: :mod:`safezones.validate.history`). Assumption, 2 as :data:`DEFAULT_DISTANCE_DECAY`:
#: fitted on OCHA's movements it ran to its bound, 4 (the movers stay closer than any
#: decay in range allows), so it is not an estimate.
MOVEMENT_DECAY = 2.0
#: The distance ``d0`` of a border's pull: :data:`REFERENCE_DISTANCE_KM`'s 25 km. Assumption.
BORDER_REFERENCE_KM = 25.0

# ---------------------------------------------------------------- minimum needs (Sphere)

#: Water for drinking, cooking and hygiene, litres per person per day: Sphere
#: Handbook, water supply standard 2.1 (15 l; 2011 edition water supply standard 1).
SPHERE_WATER_L_PER_DAY = 15.0
#: People per latrine, the medium-term minimum: Sphere Handbook (2018), excreta
#: management, "Quantifying toilet requirements" (1 per 20 people; 1 per 50 at first).
SPHERE_PEOPLE_PER_LATRINE = 20.0
#: Covered living space per person, m2: Sphere Handbook, shelter and settlement
#: standard 3 (at least 3.5 m2; 2011 edition, guidance note 1).
SPHERE_COVERED_M2 = 3.5

# ---------------------------------------------------------------- sources, by key path

#: The source of each default in a line, by key path, as ``summary.json``
#: ``parameter_sources`` (:func:`safezones.config.sources.parameter_sources`) and the
#: memo's assumptions table (:mod:`safezones.report`) cite it; the comments above say
#: more. Every model parameter of a scenario has an entry (a test checks it): a
#: citation, or the word "assumption". ``zones.*.FIELD`` is a zone's field left unset
#: (a zone's own protection, unset, takes its kind's: :data:`PROTECTION_REASONS`);
#: ``shelter.protection``, ``control.source`` and ``uncertainty`` are the memo's
#: one-line summaries of a section.
SOURCES: dict[str, str] = {
    # population
    "population.source": "bundled pre-war grid: OCHA / Syrian CBS governorate totals split by "
    "the 2004 census district shares, spread over GeoNames towns and by nearness to "
    "settlements (data/PROVENANCE.md)",
    "population.format": "assumption: a user file's format is read from its extension "
    "(unused for the bundled grid)",
    "population.pcode": "assumption: the HXL tag of OCHA's common operational datasets "
    "(#adm2+code); unused for the bundled grid",
    "population.column": "assumption: the HXL tag of OCHA's common operational datasets "
    "(#population+total); unused for the bundled grid",
    "population.relative_band": "assumption: the bundled grid's bands, central x (1 -+ 0.25) "
    "(data/PROVENANCE.md); unused unless a raster is given",
    "population.basis": "assumption: the pre-war (about 2011) population, OCHA / Syrian CBS "
    '(data/PROVENANCE.md); "window" takes UNHCR\'s refugees abroad off it',
    # events
    "events.source": "UCDP Georeferenced Event Dataset (Sundberg and Melander 2013), bundled "
    "Syria extract 2011-2019 (data/PROVENANCE.md)",
    "events.format": "UCDP GED (Sundberg and Melander 2013), the bundled events' format",
    "events.start": "the seed article (AFP, 2014-11-26) and OCHA's mid-2014 count of the "
    "displaced: calendar year 2014",
    "events.end": "the seed article (AFP, 2014-11-26) and OCHA's mid-2014 count of the "
    "displaced: calendar year 2014",
    "events.imprecise": "assumption: events located more coarsely than a zone are spread "
    "evenly over their area",
    "events.max_precision": "assumption: every precision class kept (coarse ones spread)",
    "events.sub_event_types": "assumption: for ACLED files, the sub-event types of the "
    "strikes zones are meant to stop (io.sources.DEFAULT_ACLED_SUB_EVENT_TYPES); unused for "
    "UCDP GED",
    # demand
    "demand.mode": "assumption: displaced from strike intensity (InaSAFE-style hazard classes)",
    "demand.origin": "assumption: each population cell classed by the strike intensity around "
    "it, reported by district (issue 19)",
    "demand.kernel_km": "assumption: about a town and its fields (10 km)",
    "demand.thresholds": "assumption: round numbers (10 and 100 events per 1,000 km² per "
    "year), not fitted to any window; the draws scale both x0.5 to x2",
    "demand.rates": "low rate calibrated on OCHA IDP movements 2016-2017, tested on 2018 "
    "(ARD 2.21); the ratios between classes (x4, x2.5) an InaSAFE-style assumption the data "
    "do not identify (data/calibration.json)",
    "demand.national_total": "OCHA, 7.6 M IDPs in mid-2014 (Syria SRP 2015)",
    "demand.scale_to_national_total": "OCHA, 7.6 M IDPs in mid-2014 (Syria SRP 2015): demand "
    "is scaled to it (an assumption on where the displaced come from, not how many)",
    "demand.table": "assumption: no table of the displaced by origin (mode hazard)",
    "demand.pcode": "assumption: the P-code column of a given table (unused in mode hazard)",
    "demand.column": "assumption: the displaced column of a given table (unused in mode hazard)",
    # shelter
    "shelter.allocation": "assumption: the behavioural estimate (gravity) as the headline, "
    "the upper bound (optimal) beside it",
    "shelter.usable_fraction": "assumption: 1 % of a zone's land usable for planned sites",
    "shelter.site_area_per_person_m2": "Sphere Handbook (2018): 45 m² per person",
    "shelter.max_travel_km": "assumption: a day's road travel",
    "shelter.detour_factor": "assumption, within the 1.2-1.4 measured for road networks "
    "(Ballou, Rahardja & Sakai 2002)",
    "shelter.distance_decay": "assumption: 2, the classic gravity model",
    "shelter.outside_option": "assumption: staying in Syria weighs half a zone of average "
    "capacity, full safety and no distance",
    **{
        f"shelter.leave.{c}": "calibrated on UNHCR refugees by host country 2012-2013, tested on "
        "2014 (ARD 0.34); the weight of leaving for that neighbour, times its border's openness "
        "(seeds/border_policies.toml)"
        for c in ("TUR", "LBN", "JOR", "IRQ", "EGY")
    },
    "shelter.border_decay": "assumption: 1; UNHCR's stocks by host do not identify it "
    "(data/calibration.json)",
    "shelter.exposure_reference": "assumption: full exposure at the high-hazard threshold "
    "(100 events per 1,000 km² per year)",
    "shelter.crossing_penalty_km": "assumption: about a fifth of a day's road travel",
    "shelter.protection": "assumption by zone kind, neighbour and threat actor",
    "shelter.protection.freeze": PROTECTION_REASONS["freeze"],
    "shelter.protection.safe": PROTECTION_REASONS["safe"],
    "shelter.protection.refuge": "assumption: by neighbour and threat actor, each with its "
    "reason (Turkey 0.7, Jordan 0.5, Lebanon 0.2, Iraq 0.3 against the government)",
    # uncertainty
    "uncertainty": "Latin hypercube (McKay, Beckman & Conover 1979) over the ranges shown",
    "uncertainty.draws": "assumption: 500 Monte Carlo draws",
    "uncertainty.seed": "assumption: the seed article's date, 2014-11-26",
    "uncertainty.rate_spread": "assumption: each displacement rate x0.7 to x1.3",
    "uncertainty.national_total_spread": "assumption: the national total +-10 %",
    "uncertainty.site_area_low_m2": "Sphere Handbook (2018): 30 m² per person where communal "
    "services lie outside the site",
    "uncertainty.site_area_high_m2": "UNHCR Zaatari factsheet (December 2015): 5.3 km² used "
    "for 79,138 people, about 67 m² per person",
    "uncertainty.protection_spread": "assumption: each zone's protection +-0.2",
    "uncertainty.crossing_penalty_spread": "assumption: the crossing penalty x0.5 to x1.5",
    "uncertainty.population_bands": "the bundled grid's bands, central x (1 -+ 0.25) "
    "(data/PROVENANCE.md)",
    "uncertainty.structural": "issue 19: the structural assumptions are drawn too, each over "
    "its range (an assumption on the ranges' shapes)",
    "uncertainty.usable_fraction_range": "CCCM ISIMM north-west Syria sites (November 2019): "
    "0.5 % (A'zaz) to 5 % (Harim) of a district's land occupied",
    "uncertainty.max_travel_range": "assumption: half a day to a day and a half on the road "
    "(x0.5 to x1.5)",
    "uncertainty.detour_spread": "Ballou, Rahardja & Sakai (2002), Transportation Research A "
    "36: road circuity about 1.2-1.4 (+-0.1 around 1.3)",
    "uncertainty.threshold_factor_range": "assumption: the class limits are round numbers, "
    "not measured (x0.5 to x2)",
    "uncertainty.distance_decay_spread": "assumption: 1-2 in classic gravity models of "
    "migration, 3 for the danger of travel in war (+-1)",
    "uncertainty.outside_option_range": "assumption: the stay weight x0.5 to x2 (calibration "
    "fits the neighbours' weights against it, not it)",
    # minimum needs
    "needs.water_litres_per_person_day": "Sphere Handbook (2018), water supply standard 2.1: "
    "15 litres per person per day",
    "needs.people_per_latrine": "Sphere Handbook (2018), excreta management: 1 latrine per "
    "20 people",
    "needs.covered_m2_per_person": "Sphere Handbook (2018), shelter and settlement standard 3: "
    "3.5 m² of covered space per person",
    # control and threat
    "control.source": "Syria Conflict Mapping Project (The Carter Center); Gohdes (2020)",
    "control.snapshot": "assumption: the bundled snapshot nearest the window's end (Syria "
    "Conflict Mapping Project, The Carter Center; Gohdes 2020)",
    "control.layer": "assumption: a control file's only layer (unused for the bundled data)",
    "control.exclude_held_by": "assumption: zones are not cut by who holds the ground",
    "control.max_distance_km": "assumption: beyond the communities' 99th-percentile spacing",
    "threat.actors": "the seed article: the 2014 proposals were to stop the government's aircraft",
    # a zone's fields left unset
    "zones.*.capacity": "assumption: capacity is shelter.usable_fraction x area / "
    "shelter.site_area_per_person_m2",
    "zones.*.from": "assumption: no start point, the whole border",
    "zones.*.to": "assumption: no end point, the whole border",
    "zones.*.wkt": "assumption: no WKT, the zone is read from its file (path)",
    "zones.*.path": "assumption: no file, the zone is its WKT",
    "zones.*.layer": "assumption: the file's only layer",
    "zones.*.split": "assumption: one zone for the whole file",
}
