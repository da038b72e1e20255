"""The scenario's sections other than its zones: population, events, demand, shelter...

Each is a strict, frozen pydantic model whose defaults are the documented
constants of :mod:`safezones.defaults`; :mod:`safezones.config.scenario`
assembles them into a :class:`~safezones.config.scenario.Scenario` and
re-exports them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from safezones._plural import agree, plural
from safezones._text import MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_TITLE_CHARS, no_control
from safezones.defaults import (
    BORDER_DECAY,
    DEFAULT_ALLOCATION,
    DEFAULT_CONTROL_MAX_KM,
    DEFAULT_CROSSING_PENALTY_KM,
    DEFAULT_CROSSING_PENALTY_SPREAD,
    DEFAULT_DEMAND_MODE,
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_DISTANCE_DECAY,
    DEFAULT_DRAWS,
    DEFAULT_IMPRECISE,
    DEFAULT_KERNEL_KM,
    DEFAULT_MAX_TRAVEL_KM,
    DEFAULT_NATIONAL_TOTAL_SPREAD,
    DEFAULT_ORIGIN,
    DEFAULT_OUTSIDE_OPTION,
    DEFAULT_POPULATION_BANDS,
    DEFAULT_PROTECTION_SPREAD,
    DEFAULT_RATE_SPREAD,
    DEFAULT_RATES,
    DEFAULT_SEED,
    DEFAULT_THREAT_ACTORS,
    DEFAULT_THRESHOLDS,
    DEFAULT_USABLE_FRACTION,
    DEFAULT_WINDOW,
    DETOUR_SPREAD,
    DISTANCE_DECAY_SPREAD,
    EXPOSURE_REFERENCE,
    LEAVE_ATTRACT,
    MAX_TRAVEL_RANGE,
    OCHA_IDPS_MID_2014,
    OUTSIDE_OPTION_RANGE,
    SITE_AREA_RANGE_M2,
    SPHERE_COVERED_M2,
    SPHERE_PEOPLE_PER_LATRINE,
    SPHERE_SITE_AREA_M2,
    SPHERE_SITE_AREA_MIN_M2,
    SPHERE_WATER_L_PER_DAY,
    THRESHOLD_FACTOR_RANGE,
    USABLE_FRACTION_RANGE,
)
from safezones.errors import SafeZonesError
from safezones.schema import ACTORS, EVENT_ACTORS, actor_name, window_bound

if TYPE_CHECKING:
    import pandas as pd


class Section(BaseModel):
    """A strict, frozen section: unknown keys, inf and nan are errors (see :func:`non_finite`)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


Point = str | tuple[float, float]
ZoneId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=64)]
Fraction = Annotated[float, Field(ge=0, le=1)]
#: An actor an event is attributed to (:data:`safezones.schema.EVENT_ACTORS`),
#: spelt as users write it ("Islamic State", "IS", "Daesh": :func:`~safezones.schema.actor_name`).
EventActor = Annotated[str, BeforeValidator(lambda v: actor_name(v, EVENT_ACTORS))]
#: An actor who holds ground (:data:`safezones.schema.ACTORS`).
Actor = Annotated[str, BeforeValidator(lambda v: actor_name(v, ACTORS))]
#: Protection: one value against every threat actor, or one per actor (the others
#: keep their defaults, :data:`safezones.defaults.DEFAULT_PROTECTION`).
Protection = Fraction | dict[EventActor, Fraction]
#: The bundled control snapshots and what they show (an inference from the data:
#: see ``data/PROVENANCE.md``).
BUNDLED_SNAPSHOTS = {"2014": "early 2014", "2015": "late 2014"}
# User text has a length limit (assumption: a title fits two lines of a map, a name one
# label, a note a paragraph; laying out 60,000 characters takes minutes) and no control
# characters (ESC, BEL...), which a terminal would act on and a figure draws as boxes.
Title = Annotated[str, Field(max_length=MAX_TITLE_CHARS), AfterValidator(no_control)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS), AfterValidator(no_control)]
Note = Annotated[str, Field(max_length=MAX_NOTE_CHARS), AfterValidator(no_control)]


class SourceSpec(Section):
    """Where the scenario comes from."""

    citation: Note
    url: Note | None = None
    date: dt.date | str | None = None
    notes: Note | None = None


class PopulationSpec(Section):
    """``source = "bundled"`` (the pre-war grid) or a file: admin CSV, vector layer, raster."""

    source: str = "bundled"
    format: Literal["admin", "vector", "raster"] | None = None
    pcode: str = "#adm2+code"
    column: str = "#population+total"
    relative_band: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] | None = None
    #: ``prewar``: the pre-war (about 2011) population; ``window``: the pre-war population
    #: less the refugees abroad at the end of the window's last year (UNHCR), spread
    #: evenly (the split by origin is unknown: an assumption). Bundled grid only.
    basis: Literal["prewar", "window"] = "prewar"

    @model_validator(mode="after")
    def _window_needs_the_bundled_grid(self) -> PopulationSpec:
        if self.basis == "window" and self.source != "bundled":
            raise ValueError(
                'basis "window" applies to the bundled pre-war grid only: a population '
                'file is of its own date (use basis "prewar", the default, with a file)'
            )
        return self

    @field_validator("relative_band")
    @classmethod
    def _band_around_one(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] <= 1 <= v[1]:
            raise ValueError(
                f"[{v[0]:g}, {v[1]:g}] is not [low, high] with low <= 1 <= high "
                "(factors on the raster's people); give e.g. [0.8, 1.2]"
            )
        return v


class EventsSpec(Section):
    """Strike events: bundled UCDP GED or a user file, and the window.

    ``sub_event_types`` (ACLED files only) keeps these ACLED sub-event types,
    or every row with ``"all"``; by default the strikes zones are meant to
    stop, :data:`safezones.io.sources.DEFAULT_ACLED_SUB_EVENT_TYPES`.
    """

    source: str = "bundled"
    format: Literal["ucdp", "acled", "points"] = "ucdp"
    start: int | dt.date | str = DEFAULT_WINDOW[0]
    end: int | dt.date | str = DEFAULT_WINDOW[1]
    imprecise: Literal["spread", "exclude", "point"] = DEFAULT_IMPRECISE
    max_precision: Annotated[int, Field(ge=1, le=4)] | None = None
    sub_event_types: tuple[str, ...] | Literal["all"] | None = None

    @field_validator("start", "end")
    @classmethod
    def _a_date(cls, v: int | dt.date | str, info: ValidationInfo) -> int | dt.date | str:
        event_window_bound(v, end=info.field_name == "end")
        return v

    @model_validator(mode="after")
    def _acled_only(self) -> EventsSpec:
        if self.sub_event_types is not None and self.format != "acled":
            raise ValueError(
                f"sub_event_types applies to ACLED files (format = 'acled'), not {self.format!r}"
            )
        lo, hi = event_window_bound(self.start, end=False), event_window_bound(self.end, end=True)
        if lo > hi:
            raise ValueError(
                f"start ({lo.date()}) is after end ({hi.date()}); swap events.start and events.end"
            )
        return self


def event_window_bound(value: int | dt.date | str, *, end: bool) -> pd.Timestamp:
    """Return a window bound as :func:`safezones.schema.window_bounds` reads it.

    Raises
    ------
    ValueError
        If it is not a plausible year or a date (the message says what to give).
    """
    try:
        bound = value if isinstance(value, int) else str(value)
        ts = window_bound(bound, end=end, what="events.end" if end else "events.start")
    except SafeZonesError:
        text = str(value).strip()
        if isinstance(value, int) or (text.isdigit() and len(text) == 4):
            raise ValueError(
                f"{text} is not a plausible year; give a year from 1900 to 2100"
            ) from None
        raise ValueError(
            f"{text!r} is not a date; give a year (2014) or an ISO date (2014-11-25)"
        ) from None
    assert ts is not None
    return ts


class DemandSpec(Section):
    """Who is displaced (see :mod:`safezones.model.demand`)."""

    mode: Literal["hazard", "given"] = DEFAULT_DEMAND_MODE
    origin: Literal["districts", "governorates", "cells"] = DEFAULT_ORIGIN
    kernel_km: Annotated[float, Field(gt=0, le=100)] = DEFAULT_KERNEL_KM
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    rates: tuple[Fraction, ...] = DEFAULT_RATES
    national_total: Annotated[float, Field(ge=0)] | None = OCHA_IDPS_MID_2014
    scale_to_national_total: bool = True
    table: str | None = None
    pcode: str = "pcode"
    column: str = "displaced"

    @model_validator(mode="after")
    def _consistent(self) -> DemandSpec:
        if len(self.rates) != len(self.thresholds) + 1:
            raise ValueError(
                f"{plural(len(self.thresholds), 'threshold')} "
                f"{agree(len(self.thresholds), 'makes', 'make')} "
                f"{plural(len(self.thresholds) + 1, 'hazard class', 'hazard classes')}, so give "
                f"{plural(len(self.thresholds) + 1, 'rate')} (got {len(self.rates)})"
            )
        if any(b <= a for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
            raise ValueError(f"thresholds must increase, got {list(self.thresholds)}")
        if self.mode == "given" and self.table is None:
            raise ValueError("mode 'given' needs table = 'FILE.csv' (P-code and displaced columns)")
        return self


class ProtectionSpec(Section):
    """Protection by zone kind (0 to 1): one value, or one per threat actor.

    Unset, a kind takes its defaults by actor (:data:`safezones.defaults.DEFAULT_PROTECTION`;
    a refuge zone its neighbour's, :data:`safezones.defaults.REFUGE_PROTECTION`).
    """

    freeze: Protection | None = None
    refuge: Protection | None = None
    safe: Protection | None = None


class ThreatSpec(Section):
    """Whose violence the zones guard against: actors, or ``"all"`` (every event).

    Events are attributed to actors from their dyads (:mod:`safezones.model.threat`).
    """

    actors: tuple[str, ...] | Literal["all"] = DEFAULT_THREAT_ACTORS

    @field_validator("actors", mode="before")
    @classmethod
    def _actors(cls, v: object) -> object:
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, (list, tuple)):
            return v
        if "all" in v:
            if len(v) > 1:
                raise ValueError('"all" stands alone: give actors = "all" or a list of actors')
            return "all"
        if not v:
            raise ValueError('give at least one actor, or "all"')
        names = tuple(actor_name(a, EVENT_ACTORS) for a in v)
        dup = sorted({a for a in names if names.count(a) > 1})
        if dup:
            raise ValueError(f"repeated: {', '.join(dup)}")
        return names

    def names(self) -> tuple[str, ...]:
        """Return the threat actors, ``"all"`` spelt out as every actor events are attributed to."""
        return EVENT_ACTORS if self.actors == "all" else tuple(self.actors)


class ControlSpec(Section):
    """Who holds the ground: the bundled snapshots or a control layer, and zone cuts.

    ``snapshot``: for the bundled data ``"2014"`` (early 2014) or ``"2015"`` (late
    2014); for a user layer a date (or year) among its ``date`` values, the nearest
    taken. Unset: the snapshot nearest the events window's end, said so in the
    provenance. ``exclude_held_by`` cuts every zone to land not held by these actors.
    """

    source: str = "bundled"
    snapshot: int | dt.date | str | None = None
    layer: Annotated[str, Field(min_length=1)] | None = None
    exclude_held_by: tuple[Actor, ...] = ()
    max_distance_km: Annotated[float, Field(gt=0, le=100)] = DEFAULT_CONTROL_MAX_KM

    @model_validator(mode="after")
    def _snapshot(self) -> ControlSpec:
        snap = self.snapshot
        # each message starts with its key ("snapshot: ..."): config.explain names it so
        if self.source == "bundled":
            if self.layer is not None:
                raise ValueError("layer: only for a control file; give source = 'FILE' or no layer")
            if snap is not None and str(snap) not in BUNDLED_SNAPSHOTS:
                known = ", ".join(f"{k!r} ({v})" for k, v in BUNDLED_SNAPSHOTS.items())
                raise ValueError(
                    f"snapshot: the bundled control data has the snapshots {known}; got {snap!r}"
                )
        elif snap is not None:
            try:
                event_window_bound(
                    snap if isinstance(snap, int | dt.date) else str(snap), end=False
                )
            except ValueError as err:
                raise ValueError(f"snapshot: {err}") from None
        dup = sorted({a for a in self.exclude_held_by if self.exclude_held_by.count(a) > 1})
        if dup:
            raise ValueError(f"exclude_held_by: repeated: {', '.join(dup)}")
        return self

    def snapshot_label(self) -> str | None:
        """Return the snapshot as given, as a string (``"2015"``, ``"2014-06-01"``), or None."""
        return None if self.snapshot is None else str(self.snapshot)


class LeaveSpec(Section):
    """Weight of leaving Syria for each neighbour (see :mod:`safezones.model.departures`).

    In a zone's weight units, at the border and when it is open; defaults calibrated on
    UNHCR's refugee stocks (:data:`safezones.defaults.LEAVE_ATTRACT`).
    """

    TUR: Annotated[float, Field(ge=0)] = LEAVE_ATTRACT["TUR"]
    LBN: Annotated[float, Field(ge=0)] = LEAVE_ATTRACT["LBN"]
    JOR: Annotated[float, Field(ge=0)] = LEAVE_ATTRACT["JOR"]
    IRQ: Annotated[float, Field(ge=0)] = LEAVE_ATTRACT["IRQ"]
    EGY: Annotated[float, Field(ge=0)] = LEAVE_ATTRACT["EGY"]


class ShelterSpec(Section):
    """Capacity, reach and allocation (see :mod:`safezones.model.shelter`)."""

    allocation: Literal["optimal", "gravity"] = DEFAULT_ALLOCATION
    usable_fraction: Annotated[float, Field(gt=0, le=1)] = DEFAULT_USABLE_FRACTION
    site_area_per_person_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_M2
    max_travel_km: Annotated[float, Field(gt=0)] = DEFAULT_MAX_TRAVEL_KM
    detour_factor: Annotated[float, Field(ge=1)] = DEFAULT_DETOUR_FACTOR
    distance_decay: Annotated[float, Field(ge=0)] = DEFAULT_DISTANCE_DECAY
    outside_option: Annotated[float, Field(ge=0)] = DEFAULT_OUTSIDE_OPTION
    leave: LeaveSpec = LeaveSpec()
    border_decay: Annotated[float, Field(ge=0)] = BORDER_DECAY
    exposure_reference: Annotated[float, Field(gt=0)] = EXPOSURE_REFERENCE
    crossing_penalty_km: Annotated[float, Field(ge=0, le=500)] = DEFAULT_CROSSING_PENALTY_KM
    protection: ProtectionSpec = ProtectionSpec()


class NeedsSpec(Section):
    """Minimum needs of the people sheltered, per zone (Sphere defaults, editable)."""

    water_litres_per_person_day: Annotated[float, Field(gt=0, le=1000)] = SPHERE_WATER_L_PER_DAY
    people_per_latrine: Annotated[float, Field(gt=0, le=10_000)] = SPHERE_PEOPLE_PER_LATRINE
    covered_m2_per_person: Annotated[float, Field(gt=0, le=1000)] = SPHERE_COVERED_M2


Range = tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]]


class UncertaintySection(Section):
    """Monte Carlo settings (see :mod:`safezones.model.uncertainty`).

    The structural assumptions' ranges (:mod:`safezones.defaults` cites each):
    ``usable_fraction_range`` ``[low, high]`` around the scenario's usable share;
    ``max_travel_range``, ``threshold_factor_range`` and ``outside_option_range``
    factors ``[low, high]`` on the scenario's value; ``detour_spread`` and
    ``distance_decay_spread`` added and taken away. ``structural = false`` leaves
    them at the scenario's values (the band of the other inputs alone).
    """

    draws: Annotated[int, Field(ge=1, le=1_000_000)] = DEFAULT_DRAWS
    seed: Annotated[int, Field(ge=0)] = DEFAULT_SEED  # numpy takes non-negative seeds
    rate_spread: Annotated[float, Field(ge=0, lt=1)] = DEFAULT_RATE_SPREAD
    national_total_spread: Annotated[float, Field(ge=0, lt=1)] = DEFAULT_NATIONAL_TOTAL_SPREAD
    site_area_low_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_MIN_M2
    site_area_high_m2: Annotated[float, Field(gt=0)] = SITE_AREA_RANGE_M2[1]
    protection_spread: Fraction = DEFAULT_PROTECTION_SPREAD
    crossing_penalty_spread: Annotated[float, Field(ge=0, lt=1)] = DEFAULT_CROSSING_PENALTY_SPREAD
    population_bands: bool = DEFAULT_POPULATION_BANDS
    structural: bool = True
    usable_fraction_range: Range = USABLE_FRACTION_RANGE
    max_travel_range: Range = MAX_TRAVEL_RANGE
    detour_spread: Annotated[float, Field(ge=0, le=1)] = DETOUR_SPREAD
    threshold_factor_range: Range = THRESHOLD_FACTOR_RANGE
    distance_decay_spread: Annotated[float, Field(ge=0, le=5)] = DISTANCE_DECAY_SPREAD
    outside_option_range: Range = OUTSIDE_OPTION_RANGE

    @model_validator(mode="after")
    def _ranges_in_order(self) -> UncertaintySection:
        bad = [
            f"{k}: low ({v[0]:g}) is above high ({v[1]:g}); give [low, high]"
            for k in ("usable_fraction_range", "max_travel_range", "threshold_factor_range",
                      "outside_option_range")
            for v in [getattr(self, k)]
            if v[0] > v[1]
        ]  # fmt: skip
        if self.usable_fraction_range[1] > 1:
            bad.append("usable_fraction_range: high must be at most 1 (all the land)")
        for k in ("max_travel_range", "threshold_factor_range", "outside_option_range"):
            if getattr(self, k)[0] <= 0:
                bad.append(f"{k}: low must be above 0 (a factor on the scenario's value)")
        if bad:
            raise ValueError("; ".join(bad))
        return self

    @model_validator(mode="after")
    def _site_areas_in_order(self) -> UncertaintySection:
        if self.site_area_low_m2 > self.site_area_high_m2:
            raise ValueError(
                f"site_area_low_m2 ({self.site_area_low_m2:g}) is above site_area_high_m2 "
                f"({self.site_area_high_m2:g}); swap uncertainty.site_area_low_m2 and "
                "uncertainty.site_area_high_m2"
            )
        return self
