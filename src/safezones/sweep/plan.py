"""A sweep's plan: the validated spec, its base scenario, and one scenario per design row.

:class:`Sweep` reads and checks a sweep spec (every problem listed at once),
builds its design table (:mod:`safezones.sweep.design`) and turns each row
into a scenario by setting the row's key paths in the base scenario.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from safezones._version import __version__
from safezones.config.keys import is_int, lookup
from safezones.config.scenario import Scenario, is_section_value
from safezones.config.sweep import ParameterSpec, SweepSpec, raise_problems, sobol_size_problem
from safezones.errors import SafeZonesError
from safezones.io.toml import read_toml
from safezones.model.shelter import straight_reach_km
from safezones.sweep.design import grid_design, sample_design, snap

__all__ = ["DEFAULT_PARTS", "GEOMETRY_STEP_KM", "Sweep"]

#: Default step of zone depths and radii in lhs and sobol designs, in km: each
#: distinct value is one zone geometry to build, and the population grid is
#: 2 km, so finer steps move only the cells on a zone's edge (assumption).
GEOMETRY_STEP_KM = 1.0
#: Parts a sweep is cut into unless the spec gives ``chunk`` (scenarios per part,
#: and per task sent to a worker): enough for a moving progress bar and a cheap
#: resume, with 50 to 2,000 scenarios each.
DEFAULT_PARTS = 40
_GEOMETRY_KEYS = ("depth_km", "radius_km")
_SHAPE_KEYS = (*_GEOMETRY_KEYS, "from", "to", "border", "place", "wkt", "path", "layer", "split")
#: Scenarios kept by :meth:`Sweep.scenario`, one per combination of the values
#: that are not sections' own fields (zone depths, radii...): a sweep has a few
#: hundred at most (assumption); beyond, the kept ones are dropped and made again.
_SHAPES_KEPT = 1024
_CLASS_KEYS = ("demand.origin", "demand.kernel_km", "demand.thresholds", "demand.mode")


def _range_problem(p: ParameterSpec, design: str) -> str | None:
    """Return what is wrong with one parameter's values or range for ``design``, or None."""
    if design == "grid":
        if p.values is not None:
            if p.low is not None or p.high is not None:
                return "give values or low/high/num, not both"
            return None if p.values else "values is empty; list at least one value"
        if p.num is None:
            return "a grid needs values = [...] or low, high and num"
    elif p.values is not None:
        return f"values = [...] is for grid designs; {design} needs low and high"
    if p.low is None or p.high is None:
        return "give both low and high"
    if not (math.isfinite(p.low) and math.isfinite(p.high)):
        return "low and high must be finite numbers"
    if p.low > p.high:
        return f"low ({p.low:g}) is greater than high ({p.high:g})"
    if p.low == p.high:
        return (
            f"the range is empty (low = high = {p.low:g}); widen it, or set "
            "the value in the base scenario"
        )
    return None


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: its spec, base scenario, and design table.

    Build it with :meth:`from_toml` or :meth:`from_dict`.
    """

    spec: SweepSpec
    base: Scenario
    source: str | None = None

    @classmethod
    def from_toml(cls, path: str | Path) -> Sweep:
        """Read and validate a sweep spec; relative paths are read from its folder."""
        p = Path(path)
        doc = read_toml(p, what="sweep spec")
        return cls.from_dict(doc, base_dir=p.parent, source=str(p))

    @classmethod
    def from_dict(
        cls, doc: Mapping[str, Any], *, base_dir: Path | None = None, source: str | None = None
    ) -> Sweep:
        """Validate a sweep given as a dict; every problem is listed at once."""
        try:
            spec = SweepSpec.model_validate(dict(doc))
        except ValidationError as err:
            problems = []
            for e in err.errors():
                where = ".".join(map(str, e["loc"]))
                if e["type"] == "extra_forbidden":
                    allowed = (
                        ParameterSpec.model_fields
                        if e["loc"][0] == "parameters"
                        else SweepSpec.model_fields
                    )
                    hint = difflib.get_close_matches(str(e["loc"][-1]), list(allowed), n=1)
                    extra = (
                        f"; did you mean {hint[0]!r}?"
                        if hint
                        else f"; allowed: {', '.join(allowed)}"
                    )
                    problems.append(f"unknown key {where!r}{extra}")
                else:
                    problems.append(f"{where}: {e['msg']}")
            raise SafeZonesError(problems, source=source) from None
        base_path = Path(spec.base)
        if not base_path.is_absolute() and base_dir is not None:
            base_path = base_dir / base_path
        base = Scenario.from_toml(base_path)
        sweep = cls(spec=spec, base=base, source=source)
        sweep._check()
        return sweep

    # ------------------------------------------------------------ validation

    def _check(self) -> None:
        spec = self.spec
        problems = [] if spec.parameters else [
            'parameters: name at least one, e.g. [parameters."zones.ID.depth_km"]'
        ]  # fmt: skip
        for path, p in spec.parameters.items():
            bad = _range_problem(p, spec.design)
            if bad:
                problems.append(f"parameters.{path}: {bad}")
        problems += self._size_problems()
        raise_problems(problems, self.source)
        # every path must be a value of the base scenario, and both ends must be valid
        for path, p in spec.parameters.items():
            ends = p.values if p.values is not None else [p.low, p.high]
            for v in dict.fromkeys(ends):
                try:
                    self.scenario({path: v})
                except SafeZonesError as err:
                    problems.extend(
                        f"parameters.{path} = {v!r}: {q.removeprefix('--set ')}"
                        for q in err.problems
                    )
                    break
        raise_problems(problems, self.source)

    def _size_problems(self) -> list[str]:
        spec = self.spec
        if spec.design == "grid":
            if spec.size is not None and spec.size != self._grid_size():
                return [
                    f"size: a grid has one scenario per combination ({self._grid_size()}); "
                    "leave size out"
                ]
        elif spec.size is None:
            return [f"size: a {spec.design} design needs size"]
        elif spec.design == "sobol" and sobol_size_problem(spec.size):
            return [
                f"size: {sobol_size_problem(spec.size)} (it runs N x (parameters + 2) scenarios)"
            ]
        return []

    def _grid_size(self) -> int:
        """Scenarios of a grid design: the product of each parameter's number of values."""
        n = 1
        for p in self.spec.parameters.values():
            n *= len(p.values) if p.values is not None else int(p.num or 1)
        return n

    # ------------------------------------------------------------ design

    def _step(self, path: str, p: ParameterSpec) -> float:
        if p.step is not None:
            return p.step
        return GEOMETRY_STEP_KM if path.rsplit(".", 1)[-1] in _GEOMETRY_KEYS else 0.0

    @cached_property
    def design(self) -> pd.DataFrame:
        """The parameter values of every scenario, in order (index = scenario index)."""
        spec = self.spec
        if spec.design == "grid":
            axes: dict[str, list[Any]] = {}
            for n, p in spec.parameters.items():
                if p.values is not None:
                    axes[n] = list(p.values)
                else:
                    assert p.low is not None and p.high is not None and p.num is not None
                    axes[n] = np.linspace(p.low, p.high, p.num).tolist()
            table = grid_design(axes)
        else:
            bounds = {
                n: (float(p.low or 0), float(p.high or 0)) for n, p in spec.parameters.items()
            }
            table = sample_design(
                bounds, design=spec.design, size=int(spec.size or 0), seed=spec.seed
            )
            for n, p in spec.parameters.items():
                if is_int(lookup(self._values, n)):  # years, counts: whole numbers only
                    table[n] = np.round(table[n]).astype(int)
                    continue
                step = self._step(n, p)
                if step > 0:
                    table[n] = snap(
                        table[n].to_numpy(), float(p.low or 0), float(p.high or 0), step
                    )
        table.index.name = "index"
        return table

    def __len__(self) -> int:
        """Return the number of scenarios."""
        return len(self.design)

    @property
    def chunk(self) -> int:
        """Scenarios per part: the spec's ``chunk``, else about 1/40 of the sweep (50 to 2,000)."""
        if self.spec.chunk is not None:
            return self.spec.chunk
        return min(2000, max(50, math.ceil(len(self) / DEFAULT_PARTS)))

    def ids(self) -> list[str]:
        """Stable scenario ids: ``s`` and the design index, e.g. ``s000042``."""
        return [f"s{i:06d}" for i in range(len(self))]

    def scenario(self, values: Mapping[str, Any]) -> Scenario:
        """Return the base scenario with ``values`` (``{path: value}``) set.

        Equal to ``base.with_values(values)``, made cheaper for a sweep's
        thousands of rows: the values of zones and other shapes are set once
        per combination (kept), then the values of sections' own fields
        (capacity, travel, rates) are validated in their sections only
        (:meth:`~safezones.config.scenario.Scenario.with_section_values`). A
        value refused anywhere is set again on the base by ``with_values``,
        which raises with its own messages.
        """
        plain = {k: v for k, v in values.items() if is_section_value(k)}
        rest = {k: v for k, v in values.items() if k not in plain}
        try:
            return self._shaped(rest).with_section_values(plain)
        except SafeZonesError:
            return self.base.with_values(dict(values))

    def _shaped(self, values: dict[str, Any]) -> Scenario:
        """Return the base scenario with ``values`` set, once per combination of values."""
        if not values:
            return self.base
        try:
            key = tuple(values.items())
            hash(key)
        except TypeError:  # a list value: not kept
            return self.base.with_values(values)
        cache = self._shapes
        if key not in cache:
            if len(cache) >= _SHAPES_KEPT:
                cache.clear()
            cache[key] = self.base.with_values(values)
        return cache[key]

    @cached_property
    def _shapes(self) -> dict[tuple[tuple[str, Any], ...], Scenario]:
        return {}

    def geometry_rows(self, rows: Sequence[int]) -> list[int]:
        """One design row per distinct zone geometry among ``rows``.

        Parameters that shape zones (depths, radii, stretch ends, places,
        polygons) or the cells' classes (events, population, demand origin)
        decide the geometry; capacity, rates and travel do not.
        """
        shaping = [
            n for n in self.spec.parameters
            if n.rsplit(".", 1)[-1] in _SHAPE_KEYS or n.split(".", 1)[0] in ("events", "population")
            or n in _CLASS_KEYS
        ]  # fmt: skip
        if not rows:
            return []
        if not shaping:
            return [int(rows[0])]
        sub = self.design.iloc[list(rows)][shaping].astype(str)
        return [int(i) for i in sub.drop_duplicates().index]

    def reach_km(self) -> float:
        """Return the longest straight-line journey of any scenario: max_travel_km / detour_factor."""
        sh = self.base.shelter
        d = self.design
        travel = (
            d["shelter.max_travel_km"].max() if "shelter.max_travel_km" in d else sh.max_travel_km
        )
        detour = (
            d["shelter.detour_factor"].min() if "shelter.detour_factor" in d else sh.detour_factor
        )
        return straight_reach_km(float(travel), max(float(detour), 1.0)) * (1 + 1e-9)

    @cached_property
    def _values(self) -> dict[str, Any]:
        return self.base.parameters()

    def problem(self) -> dict[str, Any]:
        """Return the SALib problem of the design: names and bounds."""
        names = list(self.spec.parameters)
        bounds = [[self.spec.parameters[n].low, self.spec.parameters[n].high] for n in names]
        return {"num_vars": len(names), "names": names, "bounds": bounds}

    def manifest(self) -> dict[str, Any]:
        """Return what identifies the sweep: the spec, the base scenario's values, the design size."""
        doc = {
            "spec": self.spec.model_dump(mode="json"),
            "base_scenario": self.base.parameters(),
            "scenarios": len(self),
        }
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        return {**doc, "hash": digest, "safezones_version": __version__}
