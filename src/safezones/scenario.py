"""Scenarios: a validated TOML file -> :func:`run` -> a frozen :class:`ScenarioResult`.

A scenario file lists its zones as ``[[zones]]`` tables, each with an ``id``
and a ``kind`` (``refuge``, ``freeze`` or ``safe``), and optional sections
``population``, ``events``, ``demand``, ``shelter`` and ``uncertainty`` whose
defaults are the documented constants of :mod:`safezones.model.demand`,
:mod:`safezones.model.shelter` and :mod:`safezones.model.uncertainty`. A misspelt key is
an error that names the key and suggests the right one.

Examples
--------
>>> from safezones.scenario import Scenario, run
>>> sc = Scenario.from_dict({
...     "id": "tur-10", "title": "Turkish border, 10 km",
...     "source": {"citation": "example"},
...     "zones": [{"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 10}],
... })
>>> res = run(sc, draws=1)
>>> list(res.totals.columns), bool(res.totals.loc["sheltered", "p50"] > 0)
(['p5', 'p50', 'p95'], True)
>>> deeper = run(sc.with_values({"zones.turkey.depth_km": 30}), draws=1)
>>> bool(deeper.totals.loc["sheltered", "p50"] >= res.totals.loc["sheltered", "p50"])
True
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from safezones import data
from safezones._plural import agree, plural
from safezones._text import (
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_TITLE_CHARS,
    csv_frame,
    markdown_cell,
    no_control,
)
from safezones.crs import to_metric
from safezones.errors import DataError, SafeZonesError, SafeZonesWarning, UnknownNameError
from safezones.export.store import read_result, write_result
from safezones.model.demand import (
    DEFAULT_KERNEL_KM,
    DEFAULT_RATES,
    DEFAULT_THRESHOLDS,
    HAZARD_CLASSES,
    OCHA_IDPS_MID_2014,
    assign_origins,
    displaced_given,
    hazard_class,
    origin_units,
    read_displaced_table,
    scale_to_total,
)
from safezones.model import score
from safezones.model.metrics import METRICS, QUANTILES
from safezones.model.overlay import (
    _covered_fraction,
    events_in_zones,
    kernel_intensity,
    strike_intensity,
)
from safezones.model.shelter import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_DISTANCE_DECAY,
    DEFAULT_MAX_TRAVEL_KM,
    DEFAULT_OUTSIDE_OPTION,
    DEFAULT_PROTECTION,
    DEFAULT_USABLE_FRACTION,
    EXPOSURE_REFERENCE,
    SPHERE_SITE_AREA_M2,
    SPHERE_SITE_AREA_MIN_M2,
    Groups,
    allocate_gravity,
    allocate_optimal,
    capacity,
    cell_distances,
    exposure_index,
    reach_groups,
    safety,
)
from safezones.model.uncertainty import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    UncertaintySpec,
    band_values,
    draw_inputs,
    summarise,
)

__all__ = [
    "METRICS",
    "Scenario",
    "ScenarioResult",
    "apply_overrides",
    "compare",
    "comparison_table",
    "run",
    "write_comparison",
]


class _Spec(BaseModel):
    # allow_inf_nan=False: no number of a scenario may be inf or nan (see _non_finite)
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


Point = str | tuple[float, float]
ZoneId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=64)]
Fraction = Annotated[float, Field(ge=0, le=1)]
# User text has a length limit (assumption: a title fits two lines of a map, a name one
# label, a note a paragraph; laying out 60,000 characters takes minutes) and no control
# characters (ESC, BEL...), which a terminal would act on and a figure draws as boxes.
Title = Annotated[str, Field(max_length=MAX_TITLE_CHARS), AfterValidator(no_control)]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS), AfterValidator(no_control)]
Note = Annotated[str, Field(max_length=MAX_NOTE_CHARS), AfterValidator(no_control)]


class _ZoneBase(_Spec):
    id: ZoneId
    name: Name | None = None
    protection: Fraction | None = None
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


class SourceSpec(_Spec):
    """Where the scenario comes from."""

    citation: Note
    url: Note | None = None
    date: dt.date | str | None = None
    notes: Note | None = None


class PopulationSpec(_Spec):
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


class EventsSpec(_Spec):
    """Strike events: bundled UCDP GED or a user file, and the window.

    ``sub_event_types`` (ACLED files only) keeps these ACLED sub-event types,
    or every row with ``"all"``; by default the strikes zones are meant to
    stop, :data:`safezones.io.sources.DEFAULT_ACLED_SUB_EVENT_TYPES`.
    """

    source: str = "bundled"
    format: Literal["ucdp", "acled", "points"] = "ucdp"
    start: int | dt.date | str = 2014
    end: int | dt.date | str = 2014
    imprecise: Literal["spread", "exclude", "point"] = "spread"
    max_precision: Annotated[int, Field(ge=1, le=4)] | None = None
    sub_event_types: tuple[str, ...] | Literal["all"] | None = None

    @field_validator("start", "end")
    @classmethod
    def _a_date(cls, v: int | dt.date | str, info: ValidationInfo) -> int | dt.date | str:
        _window_bound(v, end=info.field_name == "end")
        return v

    @model_validator(mode="after")
    def _acled_only(self) -> EventsSpec:
        if self.sub_event_types is not None and self.format != "acled":
            raise ValueError(
                f"sub_event_types applies to ACLED files (format = 'acled'), not {self.format!r}"
            )
        lo, hi = _window_bound(self.start, end=False), _window_bound(self.end, end=True)
        if lo > hi:
            raise ValueError(
                f"start ({lo.date()}) is after end ({hi.date()}); swap events.start and events.end"
            )
        return self


def _window_bound(value: int | dt.date | str, *, end: bool) -> pd.Timestamp:
    """A window bound as :func:`safezones.io.sources.window_bounds` reads it; ValueError if bad."""
    from safezones.io.sources import _as_bound

    try:
        bound = value if isinstance(value, int) else str(value)
        ts = _as_bound(bound, end=end, what="events.end" if end else "events.start")
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


class DemandSpec(_Spec):
    """Who is displaced (see :mod:`safezones.model.demand`)."""

    mode: Literal["hazard", "given"] = "hazard"
    origin: Literal["districts", "governorates", "cells"] = "districts"
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


class ProtectionSpec(_Spec):
    """Default protection by zone kind (0 to 1)."""

    freeze: Fraction = DEFAULT_PROTECTION["freeze"]
    refuge: Fraction = DEFAULT_PROTECTION["refuge"]
    safe: Fraction = DEFAULT_PROTECTION["safe"]


class ShelterSpec(_Spec):
    """Capacity, reach and allocation (see :mod:`safezones.model.shelter`)."""

    allocation: Literal["optimal", "gravity"] = "optimal"
    usable_fraction: Annotated[float, Field(gt=0, le=1)] = DEFAULT_USABLE_FRACTION
    site_area_per_person_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_M2
    max_travel_km: Annotated[float, Field(gt=0)] = DEFAULT_MAX_TRAVEL_KM
    detour_factor: Annotated[float, Field(ge=1)] = DEFAULT_DETOUR_FACTOR
    distance_decay: Annotated[float, Field(ge=0)] = DEFAULT_DISTANCE_DECAY
    outside_option: Annotated[float, Field(ge=0)] = DEFAULT_OUTSIDE_OPTION
    exposure_reference: Annotated[float, Field(gt=0)] = EXPOSURE_REFERENCE
    protection: ProtectionSpec = ProtectionSpec()


class UncertaintySection(_Spec):
    """Monte Carlo settings (see :mod:`safezones.model.uncertainty`)."""

    draws: Annotated[int, Field(ge=1, le=1_000_000)] = DEFAULT_DRAWS
    seed: Annotated[int, Field(ge=0)] = DEFAULT_SEED  # numpy takes non-negative seeds
    rate_spread: Annotated[float, Field(ge=0, lt=1)] = 0.3
    national_total_spread: Annotated[float, Field(ge=0, lt=1)] = 0.1
    site_area_low_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_MIN_M2
    site_area_high_m2: Annotated[float, Field(gt=0)] = SPHERE_SITE_AREA_M2
    protection_spread: Fraction = 0.2
    population_bands: bool = True

    @model_validator(mode="after")
    def _site_areas_in_order(self) -> UncertaintySection:
        if self.site_area_low_m2 > self.site_area_high_m2:
            raise ValueError(
                f"site_area_low_m2 ({self.site_area_low_m2:g}) is above site_area_high_m2 "
                f"({self.site_area_high_m2:g}); swap uncertainty.site_area_low_m2 and "
                "uncertainty.site_area_high_m2"
            )
        return self


_SECTIONS: dict[str, type[_Spec]] = {
    "source": SourceSpec,
    "population": PopulationSpec,
    "events": EventsSpec,
    "demand": DemandSpec,
    "shelter": ShelterSpec,
    "uncertainty": UncertaintySection,
}
_ZONE_KINDS: dict[str, type[_ZoneBase]] = {
    "refuge": RefugeZoneSpec,
    "freeze": FreezeZoneSpec,
    "safe": SafeZoneSpec,
}


class Scenario(_Spec):
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
        raw = apply_overrides(raw, overrides, source=source)
        non_finite = _non_finite(raw)
        try:
            sc = cls.model_validate(raw)
        except ValidationError as err:
            keys = tuple(p.split(":")[0] for p in non_finite)  # and their union siblings
            problems = non_finite + [
                p for p in _explain(err, raw) if not (keys and p.split(":")[0].startswith(keys))
            ]
            raise SafeZonesError(problems or _explain(err, raw), source=source) from None
        if non_finite:  # e.g. in a free-form field
            raise SafeZonesError(non_finite, source=source)
        sc._path = Path(source) if source else None
        sc._doc = raw
        if base_dir is not None:
            sc._doc["_base_dir"] = str(base_dir)
        ids = [z.id for z in sc.zones]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise SafeZonesError(
                f"zone ids must be unique; repeated: {', '.join(dup)}", source=source
            )
        return sc

    def with_values(self, overrides: Mapping[str, Any] | Iterable[str]) -> Scenario:
        """A copy with values changed by key path, e.g. ``{"zones.turkey.depth_km": 10}``.

        Keys address sections (``shelter.max_travel_km``), zones by id
        (``zones.turkey.depth_km``) or top-level values (``title``). Strings of
        the form ``"KEY=VALUE"`` are accepted too (VALUE read as TOML).

        Examples
        --------
        >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
        ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
        >>> sc.with_values(["zones.a.radius_km=12"]).zones[0].radius_km
        12.0
        """
        doc = {k: v for k, v in self._doc.items() if k != "_base_dir"}
        return Scenario.from_dict(
            doc,
            source=str(self._path) if self._path else None,
            base_dir=self.base_dir,
            overrides=overrides,
        )

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
        """A path from the scenario, relative to the scenario file's folder."""
        p = Path(path)
        return p if p.is_absolute() or self.base_dir is None else self.base_dir / p


# ---------------------------------------------------------------- overrides, errors


def read_toml(path: Path, *, what: str) -> dict[str, Any]:
    r"""A TOML file as a dict: UTF-8, with or without a byte-order mark.

    Unreadable files, other encodings and invalid TOML are a :class:`DataError`
    naming the file; the message never shows the file's contents.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = f.write_bytes("\ufeffid = 'x'\n".encode())
    >>> read_toml(f, what="scenario file")
    {'id': 'x'}
    >>> _ = f.write_bytes("id = 'x'\ntitle = 'Alep caf\xe9'\n".encode("latin-1"))
    >>> try:
    ...     read_toml(f, what="scenario file")
    ... except DataError as err:
    ...     print(err.problems[0])
    the scenario file is not UTF-8 text (line 2 has byte 0xe9); save it as UTF-8
    """
    try:
        data_ = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the {what}: {err.strerror}", source=str(path)) from None
    try:
        text = data_.decode("utf-8").removeprefix("\ufeff")  # a BOM, as Notepad writes
    except UnicodeDecodeError as err:
        line = data_.count(b"\n", 0, err.start) + 1
        raise DataError(
            f"the {what} is not UTF-8 text (line {line} has byte 0x{data_[err.start]:02x}); "
            "save it as UTF-8",
            source=str(path),
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DataError(f"not valid TOML: {err}", source=str(path)) from None


_NOT_FINITE = "is not a finite number"


def _non_finite(doc: Mapping[str, Any]) -> list[str]:
    """One problem per inf or nan anywhere in a scenario document, by key path.

    Zones are addressed by id, as in ``--set``.

    Examples
    --------
    >>> _non_finite({"demand": {"national_total": float("inf"),
    ...                         "thresholds": [float("nan"), 100]},
    ...              "zones": [{"id": "a", "capacity": float("-inf")}]})  # doctest: +NORMALIZE_WHITESPACE
    ['demand.national_total: inf is not a finite number; give a finite number',
     'demand.thresholds: value 1 of 2 (nan) is not a finite number; give finite numbers',
     'zones.a.capacity: -inf is not a finite number; give a finite number']
    """
    problems: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list | tuple):
            if path == "zones":
                for i, z in enumerate(value):
                    zid = z.get("id", i) if isinstance(z, Mapping) else i
                    walk(z, f"zones.{zid}")
                return
            for i, v in enumerate(value):
                if isinstance(v, float) and not np.isfinite(v):
                    problems.append(
                        f"{path}: value {i + 1} of {len(value)} ({v}) {_NOT_FINITE}; "
                        "give finite numbers"
                    )
                else:
                    walk(v, f"{path}.{i + 1}")
        elif isinstance(value, float) and not np.isfinite(value):
            problems.append(f"{path}: {value} {_NOT_FINITE}; give a finite number")

    walk(doc, "")
    return problems


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(
    doc: dict[str, Any], overrides: Mapping[str, Any] | Iterable[str], *, source: str | None = None
) -> dict[str, Any]:
    """Set values in a scenario dict by key path; zones are addressed by id.

    Examples
    --------
    >>> doc = {"zones": [{"id": "turkey", "depth_km": 30}]}
    >>> apply_overrides(doc, ["zones.turkey.depth_km=10", "shelter.max_travel_km=80"])
    {'zones': [{'id': 'turkey', 'depth_km': 10}], 'shelter': {'max_travel_km': 80}}
    >>> apply_overrides(doc, {"zones.syria.depth_km": 10})
    Traceback (most recent call last):
    ...
    safezones.errors.UnknownNameError: --set zones.syria.depth_km: no zone with id 'syria'; the zones are: turkey
    """
    items: list[tuple[str, Any]] = []
    if isinstance(overrides, Mapping):
        items = list(overrides.items())
    else:
        for text in overrides:
            key, sep, value = str(text).partition("=")
            if not sep or not key.strip():
                raise SafeZonesError(
                    f"--set {text!r}: write KEY=VALUE, e.g. shelter.max_travel_km=80"
                )
            items.append((key.strip(), _parse_value(value.strip())))
    problems: list[str] = []
    for key, value in items:
        parts = key.split(".")
        target: Any = doc
        if parts[0] == "zones":
            zones = doc.get("zones", [])
            ids = [str(z.get("id")) for z in zones if isinstance(z, dict)]
            if len(parts) != 3:
                problems.append(f"--set {key}: address a zone value as zones.ID.KEY")
                continue
            if parts[1] not in ids:
                hint = difflib.get_close_matches(parts[1], ids, n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise UnknownNameError(
                    f"--set {key}: no zone with id {parts[1]!r}; the zones are: "
                    f"{', '.join(ids) or 'none'}{extra}",
                    source=source,
                )
            target = zones[ids.index(parts[1])]
            parts = parts[2:]
        else:
            for p in parts[:-1]:
                nxt = target.get(p)
                if nxt is None:
                    nxt = target[p] = {}
                if not isinstance(nxt, dict):
                    problems.append(f"--set {key}: {p!r} is a value, not a section")
                    break
                target = nxt
            else:
                parts = parts[-1:]
            if len(parts) != 1:
                continue
        target[parts[0]] = value
    if problems:
        raise SafeZonesError(problems, source=source)
    return doc


def _model_at(loc: Sequence[Any], raw: Mapping[str, Any]) -> tuple[type[BaseModel] | None, str]:
    """The model that owns the last key of ``loc``, and a readable key path."""
    names: list[str] = []
    model: type[BaseModel] | None = Scenario
    i = 0
    while i < len(loc):
        part = loc[i]
        if part == "zones" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            idx = loc[i + 1]
            zones = raw.get("zones", [])
            zone = zones[idx] if idx < len(zones) and isinstance(zones[idx], dict) else {}
            names.append(f"zones.{zone.get('id', idx)}")
            kind = zone.get("kind")
            model = _ZONE_KINDS.get(str(kind))
            i += 2
            if i < len(loc) and loc[i] in _ZONE_KINDS:  # the discriminator tag
                i += 1
            continue
        names.append(str(part))
        if model is not None and isinstance(part, str):
            fld = model.model_fields.get(part)
            ann = getattr(fld, "annotation", None) if fld else None
            model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
            if fld is None and part in _SECTIONS:
                model = _SECTIONS[part]
        i += 1
    return model, ".".join(names)


def _explain(err: ValidationError, raw: Mapping[str, Any]) -> list[str]:
    problems = []
    for e in err.errors():
        loc = e["loc"]
        if e["type"] == "extra_forbidden":
            owner, _ = _model_at(loc[:-1], raw)
            _, path = _model_at(loc, raw)
            allowed: list[str] = []
            if owner is not None:
                for name, f in owner.model_fields.items():
                    allowed.append(f.alias or name)
            hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            msg = f"unknown key {path!r}"
            msg += f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
            problems.append(msg)
            continue
        _, path = _model_at(loc, raw)
        value = e.get("input")
        if e["type"] == "string_too_long" and isinstance(value, str):  # never echo the text
            limit = e.get("ctx", {}).get("max_length", 0)
            problems.append(f"{path}: at most {limit:,} characters (got {len(value):,})")
            continue
        scalar = isinstance(value, str | int | float | bool) and e["type"] != "missing"
        shown = f" (got {value!r})" if scalar else ""
        msg = e["msg"].removeprefix("Value error, ").rstrip(".")
        if e["type"] == "finite_number":
            msg, shown = f"{value} {_NOT_FINITE}; give a finite number", ""
        if e["type"] == "value_error":
            shown = ""  # the message says what was given
        problems.append(f"{path or 'scenario'}: {msg}{shown}")
    return problems


# ---------------------------------------------------------------- result


@dataclass(frozen=True, repr=False)
class ScenarioResult:
    """What :func:`run` returns: tables with P5/P50/P95 and their provenance.

    In a terminal it prints as a summary (totals, one line per zone, sources);
    in Jupyter it shows the tables beside a small map, and :meth:`explore`
    opens an interactive one.

    Attributes
    ----------
    scenario
        The scenario run (after overrides).
    zones
        The zones (EPSG:4326) with their builders' columns.
    per_zone
        Per zone: area, ``events_weighted`` and ``deaths_civilians_weighted``
        of the window (fractional: events located only to a district or
        governorate count with the share of it inside the zone), intensity,
        exposure, protection, safety, and as ``_p5``/``_p50``/``_p95``:
        ``population`` (everyone living in the zone), ``residents_protected``
        (those of them not displaced), capacity, sheltered, sheltered_safe.
    per_origin
        Per origin unit (district or governorate): population, strike
        intensity, hazard class and rate, displaced, sheltered, unmet.
    flows
        People moving from each origin to each zone (P5/P50/P95) and the mean
        travel distance (road km).
    totals
        The score: index :data:`METRICS`, columns ``p5``, ``p50``, ``p95``.
    samples
        The score of every draw (one row per draw), e.g. for sensitivity.
    provenance
        Scenario source, data layers, window, parameters, draws, seed, version.
    events
        The events of the window that the exposure was counted from.
    detail
        Per-draw arrays (read-only): ``displaced`` (draws, origins), ``flows``
        (draws, origins, zones), ``capacity``, ``sheltered``, ``safety``,
        ``population`` and ``residents_protected`` (draws, zones), and
        ``population_total`` (draws,): everyone living in any zone, overlaps
        counted once.
    """

    scenario: Scenario
    zones: gpd.GeoDataFrame
    per_zone: pd.DataFrame
    per_origin: pd.DataFrame
    flows: pd.DataFrame
    totals: pd.DataFrame
    samples: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)
    events: gpd.GeoDataFrame | None = None
    detail: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` document: scenario, metrics, population, parameters, sources.

        ``population`` is everyone living in any zone before displacement
        (P5/P50/P95, overlaps counted once); ``metrics.residents_protected``
        is the part of them not displaced. What made it:
        ``safezones_version``, ``written_at`` (UTC, ISO 8601, when the
        document is made), ``command`` (the command line when run from the
        CLI, else None) and ``inputs``: the SHA-256 of every file the
        scenario reads (:func:`safezones.io.inputs.input_hashes`).
        """
        from datetime import UTC, datetime

        from safezones.io.inputs import command_line, input_hashes

        metrics = {
            m: {q: float(self.totals.loc[m, q]) for q in QUANTILES} for m in self.totals.index
        }
        return {
            "scenario": self.scenario.id,
            "title": self.scenario.title,
            "metrics": metrics,
            "population": _population_total(self),
            "draws": self.provenance["draws"],
            "seed": self.provenance["seed"],
            "parameters": self.provenance["parameters"],
            "sources": self.provenance["sources"],
            "safezones_version": version("safezones"),
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command_line(),
            "inputs": input_hashes(self.scenario),
        }

    def __repr__(self) -> str:
        from safezones.viz.display import result_text

        return result_text(self)

    def _repr_html_(self) -> str:
        from safezones.viz.display import result_html

        return result_html(self)

    def explore(self, **kwargs: Any) -> Any:
        """An interactive map (folium): zones with popups carrying the numbers, and events.

        Needs the ``notebook`` extra (folium). Keywords go to
        :func:`safezones.viz.display.explore`: ``events=False`` leaves the events
        out, ``max_events`` caps them (the deadliest are kept, 2,000 by
        default), ``tiles`` adds a background from the internet (none by
        default: the page works offline), ``m`` adds to a map.

        Examples
        --------
        >>> r = run("scenarios/aleppo-freeze.toml", draws=1)  # doctest: +SKIP
        >>> r.explore()  # doctest: +SKIP
        """
        from safezones.viz.display import explore

        return explore(self, **kwargs)

    def to_file(self, directory: str | Path, *, map_png: bool = True) -> Path:
        """Write summary.json, per_zone.csv, per_origin.csv, flows.csv, zones.gpkg, map.png.

        People are written as whole numbers, weighted event counts with one
        decimal; ``columns.csv`` says what every column of the tables and of
        ``zones.gpkg`` is (unit, meaning).

        The folder is written whole or not at all: files go to a temporary
        folder beside it, which then replaces it. It must be new, empty or an
        earlier safezones output; anything else is refused
        (:func:`safezones.io.atomic.check_output_dir`), and of an earlier output only
        the files safezones wrote are removed.
        """
        from safezones.export.columns import describe, for_file
        from safezones.io.atomic import atomic_dir

        out = Path(directory)
        with atomic_dir(out, command="run") as tmp:
            (tmp / "summary.json").write_text(
                json.dumps(self.summary(), indent=2, default=str) + "\n", encoding="utf-8"
            )
            tables = {
                "per_zone.csv": for_file(self.per_zone),
                "per_origin.csv": for_file(self.per_origin),
                "flows.csv": for_file(self.flows),
                "totals.csv": for_file(self.totals, people=QUANTILES)
                .rename_axis("metric")
                .reset_index(),
            }
            for fname, table in tables.items():  # formula-like text gets a leading quote
                csv_frame(table).to_csv(tmp / fname, index=False, float_format="%.10g")
            gpkg = self.zones.merge(
                tables["per_zone.csv"].drop(
                    columns=[c for c in self.zones.columns if c != "zone_id"], errors="ignore"),
                on="zone_id",
            )  # fmt: skip
            gpkg = for_file(gpkg, people=("capacity_given",))  # a number, not text
            gpkg.to_file(tmp / "zones.gpkg", layer="zones", driver="GPKG")
            described = {f: list(t.columns) for f, t in tables.items()}
            described["zones.gpkg"] = [c for c in gpkg.columns if c != "geometry"] + ["geom"]
            describe(described).to_csv(tmp / "columns.csv", index=False)
            write_result(self, tmp)  # result/: lossless tables for from_file and memo --from
            if map_png:
                from safezones.viz.plot import result_map

                fig, _ = result_map(self)
                fig.savefig(tmp / "map.png", dpi=150)
                import matplotlib.pyplot as plt

                plt.close(fig)
        return out

    @classmethod
    def from_file(cls, directory: str | Path, scenario: Scenario | None = None) -> ScenarioResult:
        """Read back a result that :meth:`to_file` wrote (from its ``result/`` folder).

        Tables, zones, events and per-draw arrays come back exactly as they
        were; nothing read can run code (Parquet, JSON and ``.npy``, no
        pickle). ``scenario`` defaults to the values recorded with the result.
        See :func:`safezones.export.store.try_reuse` to reuse a result only when it
        was computed as asked.

        Examples
        --------
        >>> r = run("scenarios/aleppo-freeze.toml", draws=20)  # doctest: +SKIP
        >>> back = ScenarioResult.from_file(r.to_file("out/aleppo"))  # doctest: +SKIP
        >>> back.totals.equals(r.totals)  # doctest: +SKIP
        True
        """
        return read_result(directory, scenario)


# ---------------------------------------------------------------- run


def _zone_layer(sc: Scenario, z: ZoneSpec) -> gpd.GeoDataFrame:
    """One zone of the scenario, built by its builder (EPSG:4326)."""
    from safezones.model.zones import freeze_zone, refuge_strip, safe_zone

    if isinstance(z, RefugeZoneSpec):
        return refuge_strip(
            z.border, depth_km=z.depth_km, start=z.start, end=z.end, zone_id=z.id, name=z.name
        )
    if isinstance(z, FreezeZoneSpec):
        return freeze_zone(z.place, radius_km=z.radius_km, zone_id=z.id, name=z.name)
    if (z.wkt is None) == (z.path is None):
        raise SafeZonesError("give the safe zone either wkt or path")
    if z.path is not None:
        path = sc.resolve(str(z.path))
        if z.split is not None:
            return safe_zone(path, zone_id=z.id, name=z.name, layer=z.layer, split=z.split)
        return safe_zone(path, zone_id=z.id, name=z.name or z.id, layer=z.layer)
    return safe_zone(z.wkt, zone_id=z.id, name=z.name or z.id)


def _build_zones(sc: Scenario) -> gpd.GeoDataFrame:
    from safezones.model.zones import zone_set

    layers: list[gpd.GeoDataFrame] = []
    problems: list[str] = []
    for z in sc.zones:
        try:
            layers.append(_zone_layer(sc, z))
        except SafeZonesError as err:
            problems.extend(f"zones.{z.id}: {p}" for p in err.problems)
    if problems:
        raise SafeZonesError(problems, source=str(sc.path) if sc.path else None)
    zones = zone_set(layers)
    per_spec = [len(layer) for layer in layers]  # a split safe zone gives several
    zones["protection"] = np.repeat(_protection(sc), per_spec)
    zones["capacity_given"] = [z.capacity for z, n in zip(sc.zones, per_spec, strict=True)
                               for _ in range(n)]  # fmt: skip
    return zones


def _protection(sc: Scenario) -> list[float]:
    """Each zone's protection: its own, else the default of its kind."""
    prot = sc.shelter.protection
    return [z.protection if z.protection is not None else getattr(prot, z.kind) for z in sc.zones]


def _population(sc: Scenario) -> tuple[gpd.GeoDataFrame, str]:
    from safezones.io import sources

    spec = sc.population
    if spec.source == "bundled":
        return data.population_grid(), "population_grid (bundled)"
    path = sc.resolve(spec.source)
    where = str(sc.path) if sc.path else None
    if not path.exists():
        raise DataError(f"population.source: no such file {str(path)!r}", source=where)
    fmt = spec.format or {".csv": "admin", ".tif": "raster", ".tiff": "raster"}.get(
        path.suffix.lower(), "vector"
    )
    try:
        if fmt == "admin":
            layer = sources.read_admin_population(
                path, pcode=spec.pcode, population=spec.column, relative_band=spec.relative_band
            )
        elif fmt == "raster":
            layer = _raster_cells(sources.read_population_raster(path), spec.relative_band)
        else:
            layer = gpd.read_file(path)
            missing = [c for c in ("pop_low", "pop_central", "pop_high") if c not in layer]
            if missing:
                raise DataError(f"the layer lacks the columns {missing}", source=str(path))
    except SafeZonesError as err:
        raise _under("population.source", err, path) from None
    except (OSError, ValueError, RuntimeError) as err:  # a file GDAL or pandas cannot read
        raise DataError(
            f"population.source: cannot read {str(path)!r} as {fmt}: {err}", source=where
        ) from None
    return layer, str(path)


def _raster_cells(raster: Any, band: tuple[float, float] | None) -> gpd.GeoDataFrame:
    """A population raster summed into blocks of about 1 km, as points."""
    import rasterio

    from safezones.io.sources import raster_value_problems

    with rasterio.open(raster.path) as ds:
        masked = ds.read(raster.band, masked=True)
        transform = ds.transform
    problems = raster_value_problems(masked, nodata=raster.nodata)
    if problems:
        raise DataError(problems, source=str(raster.path))
    arr = masked.astype(float).filled(0.0)
    arr[~np.isfinite(arr)] = 0.0
    res = abs(transform.a) * (111_000 if raster.crs.is_geographic else 1)
    k = max(1, round(1000 / res))
    h, w = (arr.shape[0] + k - 1) // k * k, (arr.shape[1] + k - 1) // k * k
    padded = np.zeros((h, w))
    padded[: arr.shape[0], : arr.shape[1]] = arr
    blocks = padded.reshape(h // k, k, w // k, k).sum(axis=(1, 3))
    r, c = np.nonzero(blocks > 0)
    xs, ys = transform * (c * k + k / 2, r * k + k / 2)
    pop = blocks[r, c]
    lo, hi = band or (1.0, 1.0)
    return gpd.GeoDataFrame(
        {"pop_low": pop * lo, "pop_central": pop, "pop_high": pop * hi},
        geometry=gpd.points_from_xy(xs, ys),
        crs=raster.crs,
    )


@cache
def _bundled_cells() -> gpd.GeoDataFrame:
    return to_metric(data.population_grid(), what="population")


@cache
def _bundled_origins(level: str) -> np.ndarray:
    out = assign_origins(_bundled_cells(), origin_units(level))  # type: ignore[arg-type]
    out.flags.writeable = False
    return out


@cache
def _bundled_kernel(radius_km: float, window: tuple[tuple[str, Any], ...]) -> np.ndarray:
    ki = kernel_intensity(_bundled_cells(), data.events(), radius_km=radius_km, **dict(window))
    out = ki["events_per_1000km2_year"].to_numpy(dtype=float)
    out.flags.writeable = False
    return out


@cache
def _bundled_intensity(level: str, window: tuple[tuple[str, Any], ...]) -> np.ndarray:
    si = strike_intensity(origin_units(level), data.events(), **dict(window))  # type: ignore[arg-type]
    out = si["events_per_1000km2_year"].to_numpy(dtype=float)
    out.flags.writeable = False
    return out


def _events(sc: Scenario) -> tuple[gpd.GeoDataFrame, str]:
    from safezones.io import sources

    spec = sc.events
    if spec.source == "bundled":
        return data.events(), "events (bundled UCDP GED)"
    path = sc.resolve(spec.source)
    readers: dict[str, Callable[..., gpd.GeoDataFrame]] = {
        "ucdp": sources.read_ucdp_ged,
        "acled": sources.read_acled,
        "points": sources.read_points,
    }
    kw: dict[str, Any] = {}
    if spec.format == "acled" and spec.sub_event_types is not None:
        kw["sub_event_types"] = None if spec.sub_event_types == "all" else spec.sub_event_types
    try:
        return readers[spec.format](path, **kw), str(path)
    except SafeZonesError as err:
        raise _under("events.source", err, path) from None


def _under(key: str, err: SafeZonesError, path: Path) -> SafeZonesError:
    """The same problems, each prefixed with the scenario key that named the file."""
    return type(err)([f"{key}: {p}" for p in err.problems], source=err.source or str(path))


def _window(value: int | dt.date | str) -> int | str:
    return value if isinstance(value, int) else str(value)


@dataclass(frozen=True)
class _Prepared:
    """Everything a scenario's draws share: geometry, origins, reach groups, residents."""

    zones: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    events: gpd.GeoDataFrame
    sources: list[dict[str, str]]
    window: dict[str, Any]
    n_cells: int
    opop: np.ndarray  # (O, 3) population bands per origin
    intensity: np.ndarray  # (O,) events per 1,000 km2 per year
    zone_events: pd.DataFrame  # events_in_zones of the window
    exposure: np.ndarray  # (Z,)
    groups: Groups  # people of one origin and hazard class who reach the same zones
    group_class: np.ndarray  # (G,) hazard class of each group (0 in mode "given")
    gpop: np.ndarray  # (G, 3) population bands per group
    res_zg: np.ndarray  # (Z, G, 3) residents of each zone by group, bands
    res_g: np.ndarray  # (G, 3) residents of any zone by group, bands


@dataclass(frozen=True)
class _Base:
    """What every zone set of a scenario shares: cells, origins, hazard classes, events."""

    cells: gpd.GeoDataFrame  # in PROJECT_CRS
    sources: list[dict[str, str]]
    events: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    bands: np.ndarray  # (C, 3) population bands per cell
    of_cell: np.ndarray  # (C,) origin of each cell
    cls_cell: np.ndarray  # (C,) hazard class of each cell (0 in mode "given")
    n_cls: int
    opop: np.ndarray  # (O, 3)
    intensity: np.ndarray  # (O,)
    ev_kw: dict[str, Any]  # the events window and filters, as overlay functions take them


def _gathered(sc: Scenario, *steps: Callable[[], Any]) -> list[Any]:
    """Run every step, and raise the problems of all that failed at once.

    One failing step raises its own error unchanged; several raise one
    :class:`SafeZonesError` listing each problem under the file it is in.
    """
    where = str(sc.path) if sc.path else None
    out: list[Any] = []
    errors: list[SafeZonesError] = []
    for step in steps:
        try:
            out.append(step())
        except SafeZonesError as err:
            errors.append(err)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        problems = [_in_file(p, err.source, where) for err in errors for p in err.problems]
        raise SafeZonesError(problems, source=where)
    return out


def _in_file(problem: str, source: str | None, where: str | None) -> str:
    """``population.source: FILE: problem``: the problem with the file it is in."""
    if not source or source == where:
        return problem
    key, sep, rest = problem.partition(": ")
    if sep and key.endswith(".source"):
        return f"{key}: {source}: {rest}"
    return f"{source}: {problem}"


def _fmt_count(v: float) -> str:
    return f"{v / 1e6:.3g} M" if abs(v) >= 1e5 else f"{v:,.0f}"


def _check_population_total(sc: Scenario, cells: gpd.GeoDataFrame, pop_source: str) -> None:
    """Warn when the national displaced total exceeds the people of a user layer."""
    dem = sc.demand
    if (
        dem.mode != "hazard"
        or not dem.scale_to_national_total
        or dem.national_total is None
        or sc.population.source == "bundled"
    ):
        return
    people = float(cells["pop_central"].sum())
    if dem.national_total <= people:
        return
    ratio = f"{dem.national_total / people:,.1f}x" if people > 0 else "no people in the layer"
    warnings.warn(
        f"population.source {pop_source} holds {_fmt_count(people)} people but "
        f"demand.national_total is {_fmt_count(dem.national_total)} ({ratio}), so everyone "
        "in it is counted as displaced: set demand.national_total to the displaced of the "
        "layer's area, or scale_to_national_total = false",
        SafeZonesWarning,
        stacklevel=2,
    )


def _check_window(sc: Scenario, events: gpd.GeoDataFrame, ev_source: str) -> None:
    """Refuse a window with no overlap with the events' dates; warn when it has years without."""
    if "date_start" not in events.columns or not len(events):
        return
    first, last = events["date_start"].min(), events["date_end"].max()
    if pd.isna(first) or pd.isna(last):
        return
    lo = _window_bound(sc.events.start, end=False)
    hi = _window_bound(sc.events.end, end=True)
    window = f"events.start/events.end: the window {lo.date()} to {hi.date()}"
    label = "bundled UCDP GED" if sc.events.source == "bundled" else ev_source
    held = f"the events ({label}) run from {first.date()} to {last.date()}"
    if hi < first or lo > last:
        raise SafeZonesError(
            f"{window} holds no events: {held}; choose events.start and events.end within them",
            source=str(sc.path) if sc.path else None,
        )
    if lo.year < first.year or hi.year > last.year:  # a whole year of the window is empty
        warnings.warn(
            f"{window} reaches beyond the events' years: {held}, and strikes are counted per "
            "year of the window, so the years without data count as years without strikes; "
            "narrow the window to the events' years",
            SafeZonesWarning,
            stacklevel=2,
        )


def _base(sc: Scenario) -> _Base:
    """Cells, origins and hazard classes of a scenario: no zone geometry involved."""
    bundled_pop = sc.population.source == "bundled"

    def population() -> tuple[gpd.GeoDataFrame, str]:
        if bundled_pop:
            return _bundled_cells(), "population_grid (bundled)"
        layer, where = _population(sc)
        return to_metric(layer, what="population"), where

    (cells, pop_source), (events, ev_source) = _gathered(sc, population, lambda: _events(sc))
    _check_window(sc, events, ev_source)
    _check_population_total(sc, cells, pop_source)
    dem = sc.demand
    level = "districts" if dem.origin == "cells" else dem.origin  # cells report by district
    units = origin_units(level)
    n_o = len(units)
    bands = cells[["pop_low", "pop_central", "pop_high"]].to_numpy(dtype=float)

    # origins: which unit each cell belongs to, and the origin populations (bands)
    of_cell = _bundled_origins(level) if bundled_pop else assign_origins(cells, units)
    opop = np.column_stack([np.bincount(of_cell, bands[:, j], n_o) for j in range(3)])

    # strike intensity per origin and per cell, in the window
    ev_kw: dict[str, Any] = {"start": _window(sc.events.start), "end": _window(sc.events.end),
                             "imprecise": sc.events.imprecise,
                             "max_precision": sc.events.max_precision}  # fmt: skip
    if sc.events.source == "bundled":
        intensity = _bundled_intensity(level, tuple(sorted(ev_kw.items())))
    else:
        intensity = strike_intensity(units, events, **ev_kw)["events_per_1000km2_year"].to_numpy()
    if dem.mode == "given":
        cls_cell = np.zeros(len(cells), dtype=np.int64)
    elif dem.origin == "cells":  # each cell's own class, from the events around it
        if bundled_pop and sc.events.source == "bundled":
            ki = _bundled_kernel(dem.kernel_km, tuple(sorted(ev_kw.items())))
        else:
            ki = kernel_intensity(cells, events, radius_km=dem.kernel_km, **ev_kw)[
                "events_per_1000km2_year"
            ].to_numpy()
        cls_cell = hazard_class(ki, dem.thresholds)
    else:
        cls_cell = hazard_class(intensity, dem.thresholds)[of_cell]
    return _Base(
        cells=cells, sources=_sources(sc, pop_source, ev_source), events=events, units=units,
        bands=bands, of_cell=of_cell, cls_cell=cls_cell, n_cls=len(dem.rates), opop=opop,
        intensity=intensity, ev_kw=ev_kw,
    )  # fmt: skip


def _groups(base: _Base, dist: np.ndarray, shelter: ShelterSpec) -> tuple[Groups, np.ndarray]:
    """Reach groups (origin, hazard class, zones reached) and each group's class."""
    n_cls = base.n_cls
    keyed = reach_groups(base.of_cell * n_cls + base.cls_cell, dist, base.bands[:, 1],
                         max_travel_km=shelter.max_travel_km,
                         detour_factor=shelter.detour_factor)  # fmt: skip
    groups = Groups(of_cell=keyed.of_cell, origin=keyed.origin // n_cls, reach=keyed.reach,
                    distance_km=keyed.distance_km)  # fmt: skip
    return groups, keyed.origin % n_cls


def _prepare(sc: Scenario) -> _Prepared:
    """The geometry of a scenario, done once for all its draws."""
    base, zones = _gathered(sc, lambda: _base(sc), lambda: _build_zones(sc))
    cells, bands = base.cells, base.bands
    n_z = len(zones)
    zone_ev = events_in_zones(zones, base.events, **base.ev_kw)
    exposure = exposure_index(
        zone_ev["events_per_1000km2_year"].to_numpy(), sc.shelter.exposure_reference
    )

    # reach: distances from every cell to every zone, grouped by origin and reach set
    groups, group_class = _groups(base, cell_distances(cells, zones), sc.shelter)
    n_g = len(groups.origin)
    gpop = np.column_stack([np.bincount(groups.of_cell, bands[:, j], n_g) for j in range(3)])

    # residents: each cell's share inside each zone, and inside any zone (bands per origin)
    zm = to_metric(zones, what="zones").geometry.to_numpy()
    cgeom = cells.geometry.to_numpy()
    zi, ci = gpd.GeoSeries(cgeom).sindex.query(zm, predicate="intersects")
    frac = _covered_fraction(zm, cgeom, zi, ci)
    res_zg = np.zeros((n_z, n_g, 3))
    for j in range(3):
        np.add.at(res_zg[:, :, j], (zi, groups.of_cell[ci]), bands[ci, j] * frac)
    whole = np.array([shapely.union_all(zm)])
    ui, uci = gpd.GeoSeries(cgeom).sindex.query(whole, predicate="intersects")
    ufrac = _covered_fraction(whole, cgeom, ui, uci)
    res_g = np.column_stack([np.bincount(groups.of_cell[uci], bands[uci, j] * ufrac, n_g)
                             for j in range(3)])  # fmt: skip
    start, end = base.ev_kw["start"], base.ev_kw["end"]
    return _Prepared(
        zones=zones, units=base.units, events=_events_in_window(base.events, start, end),
        sources=base.sources,
        window={"start": start, "end": end, "years": zone_ev.attrs.get("years")},
        n_cells=len(cells), opop=base.opop, intensity=base.intensity, zone_events=zone_ev,
        exposure=exposure, groups=groups, group_class=group_class, gpop=gpop, res_zg=res_zg,
        res_g=res_g,
    )  # fmt: skip


def _sources(sc: Scenario, pop_source: str, ev_source: str) -> list[dict[str, str]]:
    """The bundled layers a run used, with licences, then user files and the scenario."""
    prov = data.provenance()
    used = ["countries", "borders", sc.demand.origin]
    if sc.population.source == "bundled":
        used.append("population_grid")
    if sc.events.source == "bundled":
        used.append("events")
    if any(isinstance(z, FreezeZoneSpec) for z in sc.zones):
        used.append("places")
    out = [
        {"layer": u, "source": str(prov.loc[u, "source"]), "licence": str(prov.loc[u, "licence"]),
         "attribution": str(prov.loc[u, "attribution"])}
        for u in used
        if u in prov.index
    ]  # fmt: skip
    if sc.population.source != "bundled":
        out.append({"layer": "population", "source": pop_source})
    if sc.events.source != "bundled":
        out.append({"layer": "events", "source": ev_source})
    out.append({"layer": "scenario", "source": sc.source.citation, "url": sc.source.url or ""})
    return out


def _displaced(
    sc: Scenario, prep: _Prepared, dr: Any, pop_g: np.ndarray, pop_o: np.ndarray
) -> np.ndarray:
    """Displaced per draw and group, ``(draws, groups)``."""
    dem = sc.demand
    if dem.mode == "hazard":
        return score.hazard_displaced(pop_g, prep.group_class, dem.rates, dr,
                                      score.national_total(dem))  # fmt: skip
    table_path = sc.resolve(str(dem.table))
    given = read_displaced_table(table_path, pcode=dem.pcode, column=dem.column)
    base = displaced_given(given, prep.units, prep.opop[:, 1], source=str(table_path))
    origin = prep.groups.origin
    share = np.divide(pop_g, pop_o[:, origin], out=np.zeros_like(pop_g), where=pop_o[:, origin] > 0)
    return np.asarray(base[origin][None, :] * share * dr.national_factor[:, None])


def run(
    scenario: Scenario | str | Path,
    *,
    draws: int | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScenarioResult:
    """Score a scenario: displaced, sheltered, residents protected, unmet, capacity, safe.

    Parameters
    ----------
    scenario
        A :class:`Scenario` or the path of a scenario TOML file.
    draws, seed
        Monte Carlo draws and seed; default to the scenario's ``[uncertainty]``
        values. ``draws=1`` is the deterministic central case.
    progress
        Called as ``progress(done, total)`` while the draws are allocated.

    Returns
    -------
    ScenarioResult

    Notes
    -----
    Geometry is done once: zones, the population cells' distances to every
    zone, the groups of people with the same reach, residents per zone. Draws
    then only change numbers (population within its bands, displacement rates,
    national total, site area per person, protection), vectorised over draws;
    ``optimal`` solves one small linear program per draw.
    """
    sc = scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)
    n_draws = int(draws if draws is not None else sc.uncertainty.draws)
    rng_seed = int(seed if seed is not None else sc.uncertainty.seed)
    if n_draws < 1:
        raise SafeZonesError(f"draws must be >= 1, got {n_draws}")
    if rng_seed < 0:
        raise SafeZonesError(f"seed must be >= 0 (a numpy seed), got {rng_seed}")
    prep = _prepare(sc)
    zones, groups = prep.zones, prep.groups
    n_z, n_o, n_g = len(zones), len(prep.units), len(groups.origin)

    dr = score.draws(sc.uncertainty, n=n_draws, n_classes=len(sc.demand.rates), seed=rng_seed,
                     site_area_central_m2=sc.shelter.site_area_per_person_m2)  # fmt: skip
    t = dr.population_t

    # demand: displaced per group (origin, hazard class, reach), and per origin
    pop_o = score.band_people(prep.opop, t)  # (n, O)
    gp = score.band_people(prep.gpop, t)  # (n, G)
    demand = _displaced(sc, prep, dr, gp, pop_o)  # (n, G)
    displaced = np.zeros((n_draws, n_o))
    np.add.at(displaced.T, groups.origin, demand.T)
    share_displaced = score.displaced_share(demand, gp)

    # shelter: capacity, safety, allocation
    cap = score.zone_capacity(zones["area_km2"].to_numpy(dtype=float), dr,
                              usable_fraction=sc.shelter.usable_fraction,
                              explicit=list(zones["capacity_given"]))  # fmt: skip
    safe = score.zone_safety(prep.exposure, zones["protection"].to_numpy(float), dr)  # (n, Z)
    if sc.shelter.allocation == "optimal":
        done = [0]

        def tick(k: int) -> None:
            done[0] += k
            if progress is not None:
                progress(done[0], n_draws)

        flows = allocate_optimal(demand, cap, groups.reach, groups.distance_km, progress=tick)
    else:
        flows = allocate_gravity(demand, cap, groups.reach, groups.distance_km, safe,
                                 decay=sc.shelter.distance_decay,
                                 outside_option=sc.shelter.outside_option)  # fmt: skip
        if progress is not None:
            progress(n_draws, n_draws)
    flows = np.asarray(flows).reshape(n_draws, n_g, n_z)

    # population: everyone living in the zone; residents protected: those not displaced
    res_zg = score.band_people(prep.res_zg, t)  # (n, Z, G)
    population_z = res_zg.sum(axis=2)
    residents_z = score.not_displaced(res_zg, share_displaced)
    res_u = score.band_people(prep.res_g, t)
    residents_total = score.not_displaced(res_u, share_displaced)

    arrivals = flows.sum(axis=1)  # (n, Z)
    samples = pd.DataFrame(
        score.metrics(displaced.sum(axis=1), arrivals, residents_total, cap, safe),
        columns=list(METRICS),
    )
    samples.index.name = "draw"
    totals = pd.DataFrame(
        summarise(samples.to_numpy()), index=list(METRICS), columns=list(QUANTILES)
    )

    flows_o = np.zeros((n_draws, n_o, n_z))
    np.add.at(flows_o.transpose(1, 0, 2), groups.origin, flows.transpose(1, 0, 2))
    detail = {"displaced": displaced, "flows": flows_o, "capacity": cap,
              "sheltered": arrivals, "safety": safe, "population": population_z,
              "residents_protected": residents_z,
              "population_total": res_u.sum(axis=1)}  # fmt: skip
    for arr in detail.values():
        arr.flags.writeable = False
    provenance = {
        "scenario_file": str(sc.path) if sc.path else None,
        "citation": sc.source.citation,
        "assumptions": list(sc.assumptions),
        "parameters": sc.parameters(),
        "sources": prep.sources,
        "window": prep.window,
        "draws": n_draws,
        "seed": rng_seed,
        "allocation": sc.shelter.allocation,
        "safezones_version": version("safezones"),
        "groups": n_g,
        "cells": prep.n_cells,
    }
    return ScenarioResult(
        scenario=sc,
        zones=zones,
        per_zone=_per_zone(prep, safe, population_z, residents_z, cap, arrivals),
        per_origin=_per_origin(sc, prep, displaced, flows_o),
        flows=_flows(prep, flows_o, flows),
        totals=totals,
        samples=samples,
        provenance=provenance,
        events=prep.events,
        detail=detail,
    )


def _events_in_window(events: gpd.GeoDataFrame, start: Any, end: Any) -> gpd.GeoDataFrame:
    from safezones.io.sources import in_window, window_bounds

    if "date_start" not in events.columns:
        return events
    lo, hi = window_bounds(start, end)
    return events[in_window(events["date_start"], events["date_end"], lo, hi)]


def _q_columns(prefix: str, values: np.ndarray) -> dict[str, np.ndarray]:
    s = summarise(values)  # (..., 3)
    s = np.where(np.abs(s) < 1e-6, 0.0, s)  # solver round-off is not a person
    return {f"{prefix}_{q}": s[..., k] for k, q in enumerate(QUANTILES)}


def _population_total(result: ScenarioResult) -> dict[str, float]:
    """P5/P50/P95 of everyone living in any zone (overlaps once), from the draws."""
    draws = np.asarray(result.detail.get("population_total", np.zeros(0)), dtype=float)
    if not len(draws):
        return {}
    return {q: float(v) for q, v in zip(QUANTILES, summarise(draws), strict=True)}


def _per_zone(
    prep: _Prepared,
    safe: np.ndarray,
    population: np.ndarray,
    residents: np.ndarray,
    cap: np.ndarray,
    arrivals: np.ndarray,
) -> pd.DataFrame:
    zones, zone_ev = prep.zones, prep.zone_events
    protection = zones["protection"].to_numpy(dtype=float)
    out = pd.DataFrame({
        "zone_id": zones["zone_id"].to_numpy(),
        "kind": zones["kind"].to_numpy(),
        "name": zones["name"].to_numpy(),
        "area_km2": zones["area_km2"].to_numpy(dtype=float),
        # fractional: events located to a district or governorate count with its share inside
        "events_weighted": zone_ev["events"].to_numpy(),
        "deaths_civilians_weighted": zone_ev["deaths_civilians"].to_numpy(),
        "events_per_1000km2_year": zone_ev["events_per_1000km2_year"].to_numpy(),
        "exposure": prep.exposure,
        "protection": protection,
        "safety": safety(prep.exposure, protection),
    })  # fmt: skip
    for name, vals in (("population", population), ("residents_protected", residents),
                       ("capacity", cap), ("sheltered", arrivals),
                       ("sheltered_safe", arrivals * safe)):  # fmt: skip
        out = out.assign(**_q_columns(name, vals))
    return out


def _per_origin(
    sc: Scenario, prep: _Prepared, displaced: np.ndarray, flows_o: np.ndarray
) -> pd.DataFrame:
    dem = sc.demand
    sheltered_o = flows_o.sum(axis=2)  # (n, O)
    out = pd.DataFrame({
        "pcode": prep.units["pcode"].to_numpy(),
        "name": prep.units["name"].to_numpy(),
        "population_low": prep.opop[:, 0],
        "population_central": prep.opop[:, 1],
        "population_high": prep.opop[:, 2],
        "events_per_1000km2_year": prep.intensity,
    })  # fmt: skip
    if dem.mode == "hazard":
        names = HAZARD_CLASSES if len(dem.rates) == 3 else tuple(map(str, range(len(dem.rates))))
        rates = np.asarray(dem.rates)
        if dem.origin == "cells":  # the class most people of the district live in, mean rate
            n_o, n_c = len(prep.units), len(rates)
            by_class = np.zeros((n_o, n_c))
            np.add.at(by_class, (prep.groups.origin, prep.group_class), prep.gpop[:, 1])
            cls = by_class.argmax(axis=1)
            total = by_class.sum(axis=1)
            rate = np.divide(by_class @ rates, total, out=np.zeros(n_o), where=total > 0)
        else:
            cls = hazard_class(prep.intensity, dem.thresholds)
            rate = rates[cls]
        out["hazard_class"] = [names[c] for c in cls]
        out["rate"] = rate
    for name, vals in (("displaced", displaced), ("sheltered", sheltered_o),
                       ("unmet", np.maximum(displaced - sheltered_o, 0.0))):  # fmt: skip
        out = out.assign(**_q_columns(name, vals))
    return out


def _flows(prep: _Prepared, flows_o: np.ndarray, flows: np.ndarray) -> pd.DataFrame:
    groups = prep.groups
    n_o, n_z = flows_o.shape[1:]
    # mean travel of the people who move, weighted by their mean flow over draws
    w = flows.mean(axis=0)  # (G, Z)
    wdist, wsum = np.zeros((n_o, n_z)), np.zeros((n_o, n_z))
    np.add.at(wdist, groups.origin, w * np.where(groups.reach, groups.distance_km, 0.0))
    np.add.at(wsum, groups.origin, w)
    dist = np.divide(wdist, wsum, out=np.full_like(wdist, np.nan), where=wsum > 0)
    q = summarise(flows_o)  # (O, Z, 3)
    oi, zi = np.nonzero(q[:, :, 2] > 0)
    table = pd.DataFrame({
        "origin_pcode": prep.units["pcode"].to_numpy()[oi],
        "origin_name": prep.units["name"].to_numpy()[oi],
        "zone_id": prep.zones["zone_id"].to_numpy()[zi],
        "people_p5": q[oi, zi, 0],
        "people_p50": q[oi, zi, 1],
        "people_p95": q[oi, zi, 2],
        "distance_km": dist[oi, zi],
    })  # fmt: skip
    return table.sort_values(["zone_id", "people_p50"], ascending=[True, False], ignore_index=True)


# ---------------------------------------------------------------- compare


def check_distinct_ids(scenarios: Sequence[Scenario]) -> None:
    """Refuse scenarios that share an id: compared results are keyed by it.

    Examples
    --------
    >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
    ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
    >>> check_distinct_ids([sc, sc])
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: scenario ids must differ to be compared; repeated: x
    """
    ids = [sc.id for sc in scenarios]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SafeZonesError(f"scenario ids must differ to be compared; repeated: {', '.join(dup)}")


def compare(
    scenarios: Iterable[Scenario | str | Path],
    *,
    draws: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    progress: Callable[[str, int, int], None] | None = None,
) -> list[ScenarioResult]:
    """Run several scenarios with the same draws, seed and overrides.

    ``progress`` is called as ``progress(scenario_id, done, total)``.

    Examples
    --------
    >>> a = Scenario.from_dict({"id": "a", "title": "a", "source": {"citation": "c"},
    ...     "zones": [{"id": "z", "kind": "freeze", "place": "Aleppo", "radius_km": 10}]})
    >>> rs = compare([a, a.with_values({"id": "b", "zones.z.radius_km": 20})], draws=1)
    >>> comparison_table(rs)[["scenario", "capacity_p50"]].round(-3).values.tolist()
    [['a', 70000.0], ['b', 279000.0]]
    """
    ov: Mapping[str, Any] | list[str] = (
        dict(overrides) if isinstance(overrides, Mapping) else list(overrides)
    )
    parsed = [
        (item.with_values(ov) if ov else item)
        if isinstance(item, Scenario)
        else Scenario.from_toml(item, overrides=ov)
        for item in scenarios
    ]  # every file is checked before the first run
    check_distinct_ids(parsed)
    results = []
    for sc in parsed:

        def tick(done: int, total: int, sid: str = sc.id) -> None:
            if progress is not None:
                progress(sid, done, total)

        results.append(run(sc, draws=draws, seed=seed, progress=tick))
    return results


def comparison_table(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario: every metric's P5/P50/P95, the allocation, draws and source.

    ``population_p5``/``_p50``/``_p95`` (everyone living in any zone, before
    displacement) follow the metrics.
    """
    rows = []
    for r in results:
        row: dict[str, Any] = {
            "scenario": r.scenario.id,
            "title": r.scenario.title,
            "zones": len(r.zones),
            "area_km2": float(r.zones["area_km2"].sum()),
            "allocation": r.provenance["allocation"],
            "window": f"{r.provenance['window']['start']} to {r.provenance['window']['end']}",
        }
        for m in r.totals.index:
            for q in QUANTILES:
                row[f"{m}_{q}"] = float(r.totals.loc[m, q])
        for q, v in _population_total(r).items():
            row[f"population_{q}"] = v
        row["draws"] = r.provenance["draws"]
        row["seed"] = r.provenance["seed"]
        row["citation"] = r.scenario.source.citation
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt_people(v: float) -> str:
    return f"{v / 1e6:.2f} M" if abs(v) >= 1e5 else f"{v:,.0f}"


def comparison_markdown(table: pd.DataFrame) -> str:
    """The comparison as a Markdown table with its notes and sources.

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": ["a"], "title": ["A"], "area_km2": [10.0],
    ...     "allocation": ["optimal"], "window": ["2014 to 2014"], "draws": [1], "seed": [1],
    ...     "citation": ["c"], **{f"{m}_{q}": [1e6] for m in METRICS for q in QUANTILES}})
    >>> print(comparison_markdown(t).splitlines()[2])
    | a | A | 10 | 1.00 M | 1.00 M (1.00 M to 1.00 M) | 1.00 M | 1.00 M | 1.00 M | 1.00 M |
    """
    head = (
        "| scenario | title | area km² | displaced | sheltered P50 (P5 to P95) | "
        "residents protected | unmet | capacity | sheltered safe |"
    )
    lines = [head, "|" + "---|" * 9]
    for _, r in table.iterrows():
        lines.append(
            f"| {markdown_cell(r['scenario'])} | {markdown_cell(r['title'])} | "
            f"{r['area_km2']:,.0f} | "
            f"{_fmt_people(r['displaced_p50'])} | {_fmt_people(r['sheltered_p50'])} "
            f"({_fmt_people(r['sheltered_p5'])} to {_fmt_people(r['sheltered_p95'])}) | "
            f"{_fmt_people(r['residents_protected_p50'])} | {_fmt_people(r['unmet_p50'])} | "
            f"{_fmt_people(r['capacity_p50'])} | {_fmt_people(r['sheltered_safe_p50'])} |"
        )
    notes = [
        "",
        "All figures are P50 over the Monte Carlo draws unless a range is given "
        "(P5 to P95). Displaced: people displaced in the window (hazard-based, scaled to "
        "the national total of the scenario); sheltered: displaced people a zone takes in "
        "within reach and capacity; residents protected: people living in the zones who "
        "were not displaced; sheltered safe: sheltered weighted by each zone's safety.",
        "",
        "Allocation, window, draws and seed per scenario:",
        "",
    ]
    for _, r in table.iterrows():
        notes.append(
            f"- **{markdown_cell(r['scenario'])}**: {r['allocation']} allocation, events "
            f"{markdown_cell(r['window'])}, {plural(int(r['draws']), 'draw')}, seed {int(r['seed'])}. "
            f"Source: {markdown_cell(r['citation'])}."
        )
    notes += [
        "",
        "Data: population, OCHA / Syrian CBS pre-war table spread with GeoNames (CC BY 4.0); "
        "events, UCDP GED (CC BY 4.0); boundaries, OCHA/UNCS (CC BY-IGO) and Natural Earth "
        "(public domain). Model: safezones (see each scenario's summary.json).",
    ]
    return "\n".join(lines + notes) + "\n"


def write_comparison(
    results: Sequence[ScenarioResult], directory: str | Path, *, maps: bool = True
) -> pd.DataFrame:
    """Write comparison.csv, comparison.md, comparison.png and one folder per scenario.

    People are written as whole numbers; ``columns.csv`` describes the columns
    of comparison.csv (each scenario's folder has its own). The whole folder
    is written atomically, under the same rule as :meth:`ScenarioResult.to_file`.
    Returns the comparison table.
    """
    import matplotlib.pyplot as plt

    from safezones.export.columns import describe, for_file
    from safezones.io.atomic import atomic_dir, check_output_dir
    from safezones.viz.plot import comparison_chart

    check_output_dir(directory, command="compare")  # before drawing anything
    table = comparison_table(results)
    with atomic_dir(directory, command="compare") as tmp:
        written = for_file(table)
        csv_frame(written).to_csv(tmp / "comparison.csv", index=False, float_format="%.10g")
        describe({"comparison.csv": list(written.columns)}).to_csv(tmp / "columns.csv", index=False)
        (tmp / "comparison.md").write_text(comparison_markdown(table), encoding="utf-8")
        fig, _ = comparison_chart(table)
        fig.savefig(tmp / "comparison.png", dpi=150)
        plt.close(fig)
        for r in results:
            r.to_file(tmp / r.scenario.id, map_png=maps)
    return table
