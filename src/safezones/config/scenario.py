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
>>> sc.with_values(["demand.rates=[0.05, 0.2, 0.5]", "demand.rates.2=0.6"]).demand.rates
(0.05, 0.2, 0.6)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from safezones.config.calibration import apply_calibration
from safezones.config.explain import explain, non_finite
from safezones.config.keys import apply_overrides
from safezones.errors import SafeZonesError
from safezones.io.toml import read_toml

if TYPE_CHECKING:
    pass

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

from safezones.config.sections import (
    BUNDLED_SNAPSHOTS as BUNDLED_SNAPSHOTS,
)
from safezones.config.sections import (
    Actor as Actor,
)
from safezones.config.sections import (
    ControlSpec as ControlSpec,
)
from safezones.config.sections import (
    DemandSpec as DemandSpec,
)
from safezones.config.sections import (
    EventActor as EventActor,
)
from safezones.config.sections import (
    EventsSpec as EventsSpec,
)
from safezones.config.sections import (
    Fraction as Fraction,
)
from safezones.config.sections import (
    Name as Name,
)
from safezones.config.sections import (
    NeedsSpec as NeedsSpec,
)
from safezones.config.sections import (
    Note as Note,
)
from safezones.config.sections import (
    Point as Point,
)
from safezones.config.sections import (
    PopulationSpec as PopulationSpec,
)
from safezones.config.sections import (
    Protection as Protection,
)
from safezones.config.sections import (
    ProtectionSpec as ProtectionSpec,
)
from safezones.config.sections import (
    Section as Section,
)
from safezones.config.sections import (
    ShelterSpec as ShelterSpec,
)
from safezones.config.sections import (
    SourceSpec as SourceSpec,
)
from safezones.config.sections import (
    ThreatSpec as ThreatSpec,
)
from safezones.config.sections import (
    Title as Title,
)
from safezones.config.sections import (
    UncertaintySection as UncertaintySection,
)
from safezones.config.sections import (
    ZoneId as ZoneId,
)
from safezones.config.sections import (
    event_window_bound as event_window_bound,
)


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


_SECTIONS: dict[str, type[Section]] = {
    "source": SourceSpec,
    "population": PopulationSpec,
    "events": EventsSpec,
    "demand": DemandSpec,
    "shelter": ShelterSpec,
    "uncertainty": UncertaintySection,
    "control": ControlSpec,
    "threat": ThreatSpec,
    "needs": NeedsSpec,
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
    calibration: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    zones: Annotated[list[ZoneSpec], Field(min_length=1)]
    population: PopulationSpec = PopulationSpec()
    events: EventsSpec = EventsSpec()
    demand: DemandSpec = DemandSpec()
    shelter: ShelterSpec = ShelterSpec()
    uncertainty: UncertaintySection = UncertaintySection()
    needs: NeedsSpec = NeedsSpec()
    control: ControlSpec = ControlSpec()
    threat: ThreatSpec = ThreatSpec()

    _path: Path | None = PrivateAttr(default=None)
    _doc: dict[str, Any] = PrivateAttr(default_factory=dict)
    _calibrated: dict[str, str] = PrivateAttr(default_factory=dict)

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
        doc_ = {**raw, "_base_dir": str(base_dir)} if base_dir is not None else raw
        calibrated: dict[str, str] = {}
        if isinstance(raw.get("calibration"), str):  # its values fill what the scenario leaves
            raw, calibrated = apply_calibration(json.loads(json.dumps(raw)), base_dir=base_dir)
        not_finite = non_finite(raw)
        context = {"path": Path(source) if source else None, "doc": doc_, "calibrated": calibrated}
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
            self._calibrated = dict(context.get("calibrated", {}))

    def calibrated(self) -> dict[str, str]:
        """Return the key paths the scenario's ``calibration`` filled, each with its source."""
        return dict(self._calibrated)

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
