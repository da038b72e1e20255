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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
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

from safezones._plural import agree, plural
from safezones._text import (
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_TITLE_CHARS,
    csv_frame,
    markdown_cell,
    no_control,
    people,
)
from safezones.engine import shared as shared_engine
from safezones.errors import DataError, SafeZonesError, UnknownNameError
from safezones.export.store import read_result, write_result
from safezones.model import score
from safezones.model.demand import (
    DEFAULT_KERNEL_KM,
    DEFAULT_RATES,
    DEFAULT_THRESHOLDS,
    HAZARD_CLASSES,
    OCHA_IDPS_MID_2014,
    hazard_class,
)
from safezones.model.metrics import METRICS, QUANTILES
from safezones.model.prepare import Prepared as _Prepared
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
    safety,
)
from safezones.model.uncertainty import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
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
    from safezones.schema import window_bound

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
    population_cells
        The population layer the run read (PROJECT_CRS), for
        :func:`safezones.viz.residents_map`; None for a result read back
        from a folder.
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
    population_cells: gpd.GeoDataFrame | None = field(default=None, repr=False)

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
                from safezones.viz.maps import result_map

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
    national total, site area per person, protection), vectorised over draws
    (:func:`safezones.model.score.score_groups`); ``optimal`` solves a small
    linear program for the first draw of each optimal basis and reads the
    other draws off it. The geometry comes from a process-wide
    :class:`~safezones.engine.Engine` (:func:`safezones.engine.shared`), so a
    zone built once is not built again while its inputs are unchanged.
    """
    sc = scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)
    n_draws = int(draws if draws is not None else sc.uncertainty.draws)
    rng_seed = int(seed if seed is not None else sc.uncertainty.seed)
    if n_draws < 1:
        raise SafeZonesError(f"draws must be >= 1, got {n_draws}")
    if rng_seed < 0:
        raise SafeZonesError(f"seed must be >= 0 (a numpy seed), got {rng_seed}")
    prep = shared_engine().prepared(sc)
    sd = score.score_groups(sc, prep, draws=n_draws, seed=rng_seed, progress=progress)
    return result_of(sc, prep, sd, seed=rng_seed)


def result_of(sc: Scenario, prep: _Prepared, sd: score.Scored, *, seed: int) -> ScenarioResult:
    """Return the result of scored draws: totals, samples, tables and provenance."""
    n_draws = len(sd.samples)
    samples = pd.DataFrame(sd.samples, columns=list(METRICS))
    samples.index.name = "draw"
    totals = pd.DataFrame(summarise(sd.samples), index=list(METRICS), columns=list(QUANTILES))
    detail = {"displaced": sd.displaced, "flows": sd.flows_o, "capacity": sd.cap,
              "sheltered": sd.arrivals, "safety": sd.safe, "population": sd.population,
              "residents_protected": sd.residents,
              "population_total": sd.population_total}  # fmt: skip
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
        "seed": seed,
        "allocation": sc.shelter.allocation,
        "safezones_version": version("safezones"),
        "groups": len(prep.groups.origin),
        "cells": prep.n_cells,
    }
    return ScenarioResult(
        scenario=sc,
        zones=prep.zones,
        per_zone=_per_zone(prep, sd.safe, sd.population, sd.residents, sd.cap, sd.arrivals),
        per_origin=_per_origin(sc, prep, sd.displaced, sd.flows_o),
        flows=_flows(prep, sd.flows_o, sd.flows),
        totals=totals,
        samples=samples,
        provenance=provenance,
        events=prep.events,
        detail=detail,
        population_cells=prep.cells,
    )


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
            f"{people(r['displaced_p50'])} | {people(r['sheltered_p50'])} "
            f"({people(r['sheltered_p5'])} to {people(r['sheltered_p95'])}) | "
            f"{people(r['residents_protected_p50'])} | {people(r['unmet_p50'])} | "
            f"{people(r['capacity_p50'])} | {people(r['sheltered_safe_p50'])} |"
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
    from safezones.viz.charts import comparison_chart

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
