"""The scenario format: pydantic sections, validation, and the explanation of errors.

A scenario file lists its zones as ``[[zones]]`` tables, each with an ``id``
and a ``kind`` (``refuge``, ``freeze`` or ``safe``), and optional sections
``population``, ``events``, ``demand``, ``shelter``, ``uncertainty``, ``control``
(who holds the ground) and ``threat`` (whose violence the zones guard against) whose
defaults are the documented constants of :mod:`safezones.defaults`. A misspelt
key is an error that names the key and suggests the right one; values are
changed by key path (:mod:`safezones.config.keys`). :func:`safezones.scenario.run`
scores a scenario.

Examples
--------
>>> sc = Scenario.from_dict({
...     "id": "tur-10", "title": "Turkish border, 10 km",
...     "source": {"citation": "example"},
...     "zones": [{"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 10}],
... })
>>> sc.with_values({"zones.turkey.depth_km": 30}).zones[0].depth_km
30.0
>>> sc.with_values(["demand.rates.2=0.6"]).demand.rates
(0.05, 0.2, 0.6)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from safezones._plural import agree, plural
from safezones._text import MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_TITLE_CHARS, no_control
from safezones.config.explain import explain, non_finite
from safezones.config.keys import apply_overrides
from safezones.defaults import (
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
    EXPOSURE_REFERENCE,
    OCHA_IDPS_MID_2014,
    SPHERE_SITE_AREA_M2,
    SPHERE_SITE_AREA_MIN_M2,
)
from safezones.errors import SafeZonesError
from safezones.io.toml import read_toml
from safezones.schema import ACTORS, EVENT_ACTORS, actor_name, window_bound

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BUNDLED_SNAPSHOTS",
    "ControlSpec",
    "DemandSpec",
    "EventsSpec",
    "FreezeZoneSpec",
    "PopulationSpec",
    "ProtectionSpec",
    "RefugeZoneSpec",
    "SafeZoneSpec",
    "Scenario",
    "Section",
    "ShelterSpec",
    "SourceSpec",
    "ThreatSpec",
    "UncertaintySection",
    "ZoneSpec",
    "event_window_bound",
    "is_section_value",
]


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


class _ZoneBase(Section):
    id: ZoneId
    name: Name | None = None
    protection: Protection | None = None
    capacity: Annotated[float, Field(ge=0)] | None = None


class RefugeZoneSpec(_ZoneBase):
    """``kind = "refuge"``: the part of Syria within ``depth_km`` of a border."""

    kind: Literal["refuge"]
    border: Literal["TUR", "JOR", "LBN", "IRQ"]
    depth_km: Annotated[float, Field(gt=0, le=500)]
    start: Point | None = Field(default=None, alias="from")
    end: Point | None = Field(default=None, alias="to")

    @field_validator("border", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v


class FreezeZoneSpec(_ZoneBase):
    """``kind = "freeze"``: the part of Syria within ``radius_km`` of a place."""

    kind: Literal["freeze"]
    place: Point
    radius_km: Annotated[float, Field(gt=0, le=500)]


class SafeZoneSpec(_ZoneBase):
    """``kind = "safe"``: a polygon given as WKT (lon/lat) or a file, clipped to Syria.

    A file with several layers (a GeoPackage) needs ``layer``; ``split``
    names an attribute to make one zone per feature, with the ids
    ``<id>-<slug of the value>`` (see :func:`safezones.model.zones.safe_zone`).
    """

    kind: Literal["safe"]
    wkt: str | None = None
    path: str | None = None
    layer: Annotated[str, Field(min_length=1)] | None = None
    split: Annotated[str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _file_keys(self) -> SafeZoneSpec:
        keys = [k for k in ("layer", "split") if getattr(self, k) is not None]
        if keys and self.path is None:
            raise ValueError(f"{' and '.join(keys)} apply to a file: give path, not wkt")
        if self.split is not None and self.capacity is not None:
            raise ValueError(
                "capacity is one zone's, but split makes one zone per feature; remove "
                "capacity, or give each feature its own zone"
            )
        return self


ZoneSpec = Annotated[RefugeZoneSpec | FreezeZoneSpec | SafeZoneSpec, Field(discriminator="kind")]


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


class ShelterSpec(Section):
    """Capacity, reach and allocation (see :mod:`safezones.model.shelter`)."""

    allocation: Literal["optimal", "gravity"] = DEFAULT_ALLOCATION
    usable_fraction: Annotated[float, Field(gt=0, le=1)] = DEFAULT_USABLE_FRACTION
    site_area_per_person_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_M2
    max_travel_km: Annotated[float, Field(gt=0)] = DEFAULT_MAX_TRAVEL_KM
    detour_factor: Annotated[float, Field(ge=1)] = DEFAULT_DETOUR_FACTOR
    distance_decay: Annotated[float, Field(ge=0)] = DEFAULT_DISTANCE_DECAY
    outside_option: Annotated[float, Field(ge=0)] = DEFAULT_OUTSIDE_OPTION
    exposure_reference: Annotated[float, Field(gt=0)] = EXPOSURE_REFERENCE
    crossing_penalty_km: Annotated[float, Field(ge=0, le=500)] = DEFAULT_CROSSING_PENALTY_KM
    protection: ProtectionSpec = ProtectionSpec()


class UncertaintySection(Section):
    """Monte Carlo settings (see :mod:`safezones.model.uncertainty`)."""

    draws: Annotated[int, Field(ge=1, le=1_000_000)] = DEFAULT_DRAWS
    seed: Annotated[int, Field(ge=0)] = DEFAULT_SEED  # numpy takes non-negative seeds
    rate_spread: Annotated[float, Field(ge=0, lt=1)] = DEFAULT_RATE_SPREAD
    national_total_spread: Annotated[float, Field(ge=0, lt=1)] = DEFAULT_NATIONAL_TOTAL_SPREAD
    site_area_low_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_MIN_M2
    site_area_high_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_M2
    protection_spread: Fraction = DEFAULT_PROTECTION_SPREAD
    crossing_penalty_spread: Annotated[float, Field(ge=0, lt=1)] = DEFAULT_CROSSING_PENALTY_SPREAD
    population_bands: bool = DEFAULT_POPULATION_BANDS

    @model_validator(mode="after")
    def _site_areas_in_order(self) -> UncertaintySection:
        if self.site_area_low_m2 > self.site_area_high_m2:
            raise ValueError(
                f"site_area_low_m2 ({self.site_area_low_m2:g}) is above site_area_high_m2 "
                f"({self.site_area_high_m2:g}); swap uncertainty.site_area_low_m2 and "
                "uncertainty.site_area_high_m2"
            )
        return self


_SECTIONS: dict[str, type[Section]] = {
    "source": SourceSpec,
    "population": PopulationSpec,
    "events": EventsSpec,
    "demand": DemandSpec,
    "shelter": ShelterSpec,
    "uncertainty": UncertaintySection,
    "control": ControlSpec,
    "threat": ThreatSpec,
}
_ZONE_KINDS: dict[str, type[_ZoneBase]] = {
    "refuge": RefugeZoneSpec,
    "freeze": FreezeZoneSpec,
    "safe": SafeZoneSpec,
}


class Scenario(Section):
    """A scenario: zones plus the assumptions to score them, validated.

    Build it with :meth:`from_toml` or :meth:`from_dict`; change values with
    :meth:`with_values`; score it with :func:`run`.
    """

    id: ZoneId
    title: Title
    description: Note = ""
    source: SourceSpec
    assumptions: tuple[Note, ...] = ()
    zones: Annotated[list[ZoneSpec], Field(min_length=1)]
    population: PopulationSpec = PopulationSpec()
    events: EventsSpec = EventsSpec()
    demand: DemandSpec = DemandSpec()
    shelter: ShelterSpec = ShelterSpec()
    uncertainty: UncertaintySection = UncertaintySection()
    control: ControlSpec = ControlSpec()
    threat: ThreatSpec = ThreatSpec()

    _path: Path | None = PrivateAttr(default=None)
    _doc: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_toml(
        cls, path: str | Path, *, overrides: Mapping[str, Any] | Iterable[str] = ()
    ) -> Scenario:
        """Read and validate a scenario file; ``overrides`` as in :meth:`with_values`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "aleppo-10.toml"
        >>> _ = f.write_text('''
        ... title = "Aleppo freeze, 10 km"
        ... source = { citation = "example" }
        ... [[zones]]
        ... id = "aleppo"
        ... kind = "freeze"
        ... place = "Aleppo"
        ... radius_km = 10
        ... ''')
        >>> sc = Scenario.from_toml(f, overrides=["zones.aleppo.radius_km=12"])
        >>> sc.id, sc.zones[0].radius_km, sc.shelter.max_travel_km
        ('aleppo-10', 12.0, 100.0)
        """
        p = Path(path)
        doc = read_toml(p, what="scenario file")
        doc.setdefault("id", p.stem)
        return cls.from_dict(doc, source=str(p), base_dir=p.parent, overrides=overrides)

    @classmethod
    def from_dict(
        cls,
        doc: Mapping[str, Any],
        *,
        source: str | None = None,
        base_dir: Path | None = None,
        overrides: Mapping[str, Any] | Iterable[str] = (),
    ) -> Scenario:
        """Validate a scenario given as a dict (as read from TOML).

        Examples
        --------
        >>> Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
        ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}],
        ...     "shelter": {"max_travle_km": 50}})
        Traceback (most recent call last):
        ...
        safezones.errors.SafeZonesError: unknown key 'shelter.max_travle_km'; did you mean 'max_travel_km'?
        """
        raw = json.loads(json.dumps(doc, default=str))  # a deep copy of plain values
        raw = apply_overrides(raw, overrides, source=source, defaults=_section_defaults())
        not_finite = non_finite(raw)
        doc_ = {**raw, "_base_dir": str(base_dir)} if base_dir is not None else raw
        context = {"path": Path(source) if source else None, "doc": doc_}
        try:
            sc = cls.model_validate(raw, context=context)
        except ValidationError as err:
            keys = tuple(p.split(":")[0] for p in not_finite)  # and their union siblings
            problems = not_finite + [
                p
                for p in explain(err, raw, root=cls, zone_kinds=_ZONE_KINDS)
                if not (keys and p.split(":")[0].startswith(keys))
            ]
            raise SafeZonesError(
                problems or explain(err, raw, root=cls, zone_kinds=_ZONE_KINDS), source=source
            ) from None
        if not_finite:  # e.g. in a free-form field
            raise SafeZonesError(not_finite, source=source)
        ids = [z.id for z in sc.zones]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise SafeZonesError(
                f"zone ids must be unique; repeated: {', '.join(dup)}", source=source
            )
        return sc

    def model_post_init(self, context: Any, /) -> None:
        """Keep the file and the document the scenario was validated from (:meth:`from_dict`)."""
        if isinstance(context, Mapping):
            self._path = context.get("path")
            self._doc = context.get("doc", {})

    def document(self) -> dict[str, Any]:
        """Return the scenario as given, with its overrides and without defaults.

        It is what :meth:`with_values` changes, and what rebuilds the scenario
        elsewhere (a sweep's workers): ``Scenario.from_dict(sc.document(),
        base_dir=sc.base_dir)`` equals ``sc``.
        """
        return {k: v for k, v in self._doc.items() if k != "_base_dir"}

    def with_values(self, overrides: Mapping[str, Any] | Iterable[str]) -> Scenario:
        """Return a copy with values changed by key path, e.g. ``{"zones.turkey.depth_km": 10}``.

        Keys are key paths (:mod:`safezones.config.keys`): sections
        (``shelter.max_travel_km``), zones by id (``zones.turkey.depth_km``),
        top-level values (``title``) and list elements from 0
        (``demand.rates.2``). Strings of the form ``"KEY=VALUE"`` are accepted
        too (VALUE read as TOML).

        Examples
        --------
        >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
        ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
        >>> sc.with_values(["zones.a.radius_km=12"]).zones[0].radius_km
        12.0
        """
        return Scenario.from_dict(
            self.document(),
            source=str(self._path) if self._path else None,
            base_dir=self.base_dir,
            overrides=overrides,
        )

    def with_section_values(self, values: Mapping[str, Any]) -> Scenario:
        """Return :meth:`with_values` of ``values``, validating only the sections they change.

        Meant for values of a section's own fields (:func:`is_section_value`,
        e.g. ``shelter.usable_fraction``), as a sweep sets thousands of times:
        each section's rules are its own, so validating the changed sections
        with the document's other sections already valid gives the scenario
        :meth:`with_values` gives, at a fraction of the cost. Any other path,
        and any value a section refuses, goes through :meth:`with_values`,
        which raises with its own messages.

        Examples
        --------
        >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
        ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
        >>> fast = sc.with_section_values({"shelter.usable_fraction": 0.02})
        >>> fast == sc.with_values({"shelter.usable_fraction": 0.02})
        True
        >>> sc.with_section_values({"shelter.usable_fraction": 2})
        Traceback (most recent call last):
        ...
        safezones.errors.SafeZonesError: shelter.usable_fraction: Input should be less than or equal to 1 (got 2)
        """
        doc = self._doc
        changed: dict[str, dict[str, Any]] = {}
        for path, value in values.items():
            if not is_section_value(path):
                return self.with_values(values)
            section, _, name = path.partition(".")
            raw = changed.get(section, doc.get(section, {}))
            if not isinstance(raw, Mapping):
                return self.with_values(values)
            # as set_path stores it: numpy scalars as Python numbers
            changed[section] = {
                **raw,
                name: value.item() if isinstance(value, np.generic) else value,
            }
        if non_finite(changed):
            return self.with_values(values)
        try:
            update = {s: _SECTIONS[s].model_validate(raw) for s, raw in changed.items()}
        except ValidationError:
            return self.with_values(values)
        out = self.model_copy(update=update)
        out.model_post_init({"path": self._path, "doc": {**doc, **changed}})
        return out

    @property
    def base_dir(self) -> Path | None:
        """Folder that relative file paths in the scenario are read from."""
        b = self._doc.get("_base_dir")
        return Path(b) if b else None

    @property
    def path(self) -> Path | None:
        """The scenario file, if read from one."""
        return self._path

    def parameters(self) -> dict[str, Any]:
        """Every value of the scenario, defaults included, as plain JSON-ready data."""
        out: dict[str, Any] = json.loads(self.model_dump_json(by_alias=True))
        return out

    def resolve(self, path: str) -> Path:
        """Return a path of the scenario, read relative to the scenario file's folder."""
        p = Path(path)
        return p if p.is_absolute() or self.base_dir is None else self.base_dir / p


@cache
def is_section_value(path: str) -> bool:
    """Whether ``path`` names a field of a section itself (``shelter.usable_fraction``).

    Such values :meth:`Scenario.with_section_values` sets by validating their
    section only. Zones, list elements and nested sections are not.

    Examples
    --------
    >>> is_section_value("shelter.usable_fraction"), is_section_value("zones.a.radius_km")
    (True, False)
    """
    section, _, name = path.partition(".")
    model = _SECTIONS.get(section)
    if model is None or name not in model.model_fields:
        return False
    field = model.model_fields[name]
    return field.alias is None and not (
        isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    )


def _section_defaults() -> dict[str, Any]:
    """Every section's default values, for key paths to list elements (``demand.rates.2``)."""
    out: dict[str, Any] = {}
    for name, section in _SECTIONS.items():
        try:
            out[name] = json.loads(section().model_dump_json(by_alias=True))
        except ValidationError:  # a section without defaults (source needs a citation)
            continue
    return out
