"""Parameter sweeps: thousands of scenarios, resumable, on processes or Dask.

A sweep spec (TOML) names a base scenario, the parameters to vary (key
paths as in ``--set``), a design and a size::

    base = "../scenarios/turkey-strip-2019.toml"   # relative to the spec file
    design = "sobol"        # grid | lhs | sobol
    size = 256              # lhs: scenarios; sobol: base samples N (a power of 2)
    seed = 1
    draws = 1               # Monte Carlo draws per scenario (1: central case)

    [parameters."zones.turkey.depth_km"]
    low = 5
    high = 50               # step = 1 km by default for depths and radii

    [parameters."shelter.usable_fraction"]
    low = 0.005
    high = 0.05

    [parameters."demand.rates.2"]   # one element of a list: the high-hazard rate
    values = [0.3, 0.5, 0.7]        # grid designs take values = [...] or low/high/num

:func:`run_sweep` scores every scenario with the fast path
(:mod:`safezones.engine`, equal to :func:`~safezones.scenario.run` to
rounding) and writes ``DIR/parts/part-NNNNNN.parquet`` as chunks finish, then
``DIR/results.parquet``: one row per scenario (``scenario_id``, ``index``,
the parameters, every metric's P5/P50/P95). A killed sweep started again
with the same spec and folder runs only the chunks that are missing; a
different spec in the same folder is refused, and so is a changed input file
(``sweep.json`` keeps the SHA-256 of the spec, the base scenario and every
data file they read). The zone geometry is kept in ``DIR/geometry/`` as it is
built (:mod:`safezones.sweep.store`), so a sweep killed while building it
still makes progress, and worker processes end when the sweep's process dies.

:func:`sensitivity` gives Sobol first-order and total indices (SALib) of a
``sobol`` sweep; :func:`discover` finds the box of parameter values where a
metric stays above a threshold (PRIM, from the EMA Workbench).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "spec.toml").write_text('''
... base = "''' + str(pathlib.Path("scenarios/aleppo-freeze.toml").resolve()) + '''"
... design = "grid"
... [parameters."zones.aleppo.radius_km"]
... values = [5, 10, 20]
... ''')
>>> res = read_results(run_sweep(d / "spec.toml", d / "out"))
>>> res[["scenario_id", "zones.aleppo.radius_km"]].values.tolist()
[['s000000', 5], ['s000001', 10], ['s000002', 20]]
>>> bool(res["sheltered_p50"].is_monotonic_increasing)
True
"""

from __future__ import annotations

import concurrent.futures as cf
import difflib
import errno
import functools
import hashlib
import json
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safezones._plural import plural
from safezones.errors import DataError, SafeZonesError
from safezones.io.inputs import sweep_input_hashes
from safezones.model.metrics import METRICS, QUANTILES
from safezones.model.shelter import straight_reach_km
from safezones.model.uncertainty import DEFAULT_SEED
from safezones.scenario import Scenario
from safezones.sweep.store import GeometryStore

__all__ = [
    "DESIGNS",
    "EXECUTORS",
    "ParameterSpec",
    "Sweep",
    "SweepSpec",
    "discover",
    "read_results",
    "run_sweep",
    "sample_design",
    "sensitivity",
]

Design = Literal["grid", "lhs", "sobol"]
Executor = Literal["local", "dask"]
DESIGNS: tuple[str, ...] = ("grid", "lhs", "sobol")
EXECUTORS: tuple[str, ...] = ("local", "dask")
#: Default step of zone depths and radii in lhs and sobol designs, in km: each
#: distinct value is one zone geometry to build, and the population grid is
#: 2 km, so finer steps move only the cells on a zone's edge (assumption).
GEOMETRY_STEP_KM = 1.0
#: Parts a sweep is cut into unless the spec gives ``chunk`` (scenarios per part,
#: and per task sent to a worker): enough for a moving progress bar and a cheap
#: resume, with 50 to 2,000 scenarios each.
DEFAULT_PARTS = 40
#: How often a worker checks that the sweep's process is still alive, in seconds:
#: the portable fallback of Linux's parent-death signal (assumption: a dead
#: sweep's workers go within a second, and the check costs nothing).
WATCH_PARENT_S = 0.5
_GEOMETRY_KEYS = ("depth_km", "radius_km")
_SHAPE_KEYS = (*_GEOMETRY_KEYS, "from", "to", "border", "place", "wkt", "path", "layer", "split")
_CLASS_KEYS = ("demand.origin", "demand.kernel_km", "demand.thresholds", "demand.mode")
METRIC_COLUMNS = tuple(f"{m}_{q}" for m in METRICS for q in QUANTILES)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ParameterSpec(_Spec):
    """One varied parameter: ``low``/``high`` (and ``step``), or grid ``values``."""

    low: float | None = None
    high: float | None = None
    num: Annotated[int, Field(ge=1)] | None = None
    step: Annotated[float, Field(ge=0)] | None = None
    values: list[float | int | str | bool] | None = None


class SweepSpec(_Spec):
    """A sweep: base scenario, parameters, design, size, seed, draws."""

    base: str
    title: str = ""
    design: Design = "lhs"
    size: Annotated[int, Field(ge=1)] | None = None
    seed: Annotated[int, Field(ge=0)] = DEFAULT_SEED  # numpy takes non-negative seeds
    draws: Annotated[int, Field(ge=1, le=100_000)] = 1
    chunk: Annotated[int, Field(ge=1)] | None = None
    parameters: dict[str, ParameterSpec]


def _sobol_size_problem(size: int) -> str | None:
    """Why ``size`` cannot be the base samples N of a sobol design, or None."""
    if size >= 2 and not size & (size - 1):
        return None
    below = 1 << max(1, size.bit_length() - 1)
    return (
        f"a sobol design needs size (the base samples N) to be a power of 2, got {size}; "
        f"try {below} or {below * 2}"
    )


def _fail(problems: list[str], source: str | None) -> None:
    if problems:
        raise SafeZonesError(problems, source=source)


def sample_design(
    bounds: Mapping[str, tuple[float, float]],
    *,
    design: Literal["lhs", "sobol"],
    size: int,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Points of an ``lhs`` or ``sobol`` design over ``bounds``, one row per scenario.

    ``sobol`` is Saltelli's scheme (SALib) for first-order and total indices:
    ``size`` base samples (a power of 2) give ``size * (parameters + 2)`` rows.

    Examples
    --------
    >>> x = sample_design({"a": (0, 1), "b": (10, 20)}, design="sobol", size=8, seed=1)
    >>> x.shape, bool(x["b"].between(10, 20).all())
    ((32, 2), True)
    >>> sample_design({"a": (0, 1)}, design="sobol", size=10)
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: a sobol design needs size (the base samples N) to be a power of 2, got 10; try 8 or 16
    """
    names = list(bounds)
    lo = np.array([float(bounds[n][0]) for n in names])
    hi = np.array([float(bounds[n][1]) for n in names])
    if design == "sobol":
        bad = _sobol_size_problem(size)
        if bad:
            raise SafeZonesError(bad)
        from SALib.sample import sobol as sobol_sample

        problem = {"num_vars": len(names), "names": names, "bounds": np.column_stack([lo, hi])}
        x = sobol_sample.sample(problem, size, calc_second_order=False, seed=seed)
    elif design == "lhs":
        from scipy.stats import qmc

        u = qmc.LatinHypercube(len(names), rng=np.random.default_rng(seed)).random(size)
        x = lo + u * (hi - lo)
    else:
        raise SafeZonesError(f"unknown design {design!r}; choose lhs or sobol")
    return pd.DataFrame(x, columns=names)


def _set_path(doc: dict[str, Any], path: str, value: Any) -> tuple[str, Any]:
    """An override for ``path``; ``demand.rates.2`` becomes the whole list with one change."""
    head, _, last = path.rpartition(".")
    if head and last.isdigit():
        current: Any = doc
        for part in head.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if not isinstance(current, list):
            raise SafeZonesError(f"{path}: {head!r} is not a list, so it has no element {last}")
        i = int(last)
        if i >= len(current):
            raise SafeZonesError(
                f"{path}: {head!r} has {plural(len(current), 'element')} (0 to {len(current) - 1})"
            )
        new = list(current)
        new[i] = value
        return head, new
    return path, value


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
        from safezones.scenario import read_toml

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
        spec, problems = self.spec, []
        if not spec.parameters:
            problems.append('parameters: name at least one, e.g. [parameters."zones.ID.depth_km"]')
        for path, p in spec.parameters.items():
            where = f"parameters.{path}"
            if spec.design == "grid":
                if p.values is not None:
                    if p.low is not None or p.high is not None:
                        problems.append(f"{where}: give values or low/high/num, not both")
                    elif not p.values:
                        problems.append(f"{where}: values is empty; list at least one value")
                    continue
                if p.num is None:
                    problems.append(f"{where}: a grid needs values = [...] or low, high and num")
                    continue
            elif p.values is not None:
                problems.append(
                    f"{where}: values = [...] is for grid designs; {spec.design} needs low and high"
                )
                continue
            if p.low is None or p.high is None:
                problems.append(f"{where}: give both low and high")
                continue
            if not (math.isfinite(p.low) and math.isfinite(p.high)):
                problems.append(f"{where}: low and high must be finite numbers")
            elif p.low > p.high:
                problems.append(f"{where}: low ({p.low:g}) is greater than high ({p.high:g})")
            elif p.low == p.high:
                problems.append(
                    f"{where}: the range is empty (low = high = {p.low:g}); widen it, or set "
                    "the value in the base scenario"
                )
        if spec.design == "grid":
            if spec.size is not None and spec.size != self._grid_size():
                problems.append(
                    f"size: a grid has one scenario per combination ({self._grid_size()}); "
                    "leave size out"
                )
        elif spec.size is None:
            problems.append(f"size: a {spec.design} design needs size")
        elif spec.design == "sobol" and _sobol_size_problem(spec.size):
            problems.append(
                f"size: {_sobol_size_problem(spec.size)} (it runs N x (parameters + 2) scenarios)"
            )
        _fail(problems, self.source)
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
        _fail(problems, self.source)

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
        names = list(spec.parameters)
        if spec.design == "grid":
            axes = []
            for p in spec.parameters.values():
                if p.values is not None:
                    axes.append(list(p.values))
                else:
                    assert p.low is not None and p.high is not None and p.num is not None
                    axes.append(np.linspace(p.low, p.high, p.num).tolist())
            mesh = np.meshgrid(*[np.arange(len(a)) for a in axes], indexing="ij")
            cols = {n: [axes[i][j] for j in mesh[i].ravel()] for i, n in enumerate(names)}
            table = pd.DataFrame(cols)
        else:
            bounds = {
                n: (float(p.low or 0), float(p.high or 0)) for n, p in spec.parameters.items()
            }
            table = sample_design(
                bounds, design=spec.design, size=int(spec.size or 0), seed=spec.seed
            )
            for n, p in spec.parameters.items():
                if _is_int(_lookup(self._values, n)):  # years, counts: whole numbers only
                    table[n] = np.round(table[n]).astype(int)
                    continue
                step = self._step(n, p)
                if step > 0:
                    lo, hi = float(p.low or 0), float(p.high or 0)
                    snapped = lo + np.round((table[n].to_numpy() - lo) / step) * step
                    table[n] = np.clip(np.round(snapped, 9), lo, hi)
        table.index.name = "index"
        return table

    def __len__(self) -> int:
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
        """The base scenario with ``values`` (``{path: value}``) set."""
        overrides = dict(_set_path(self._values, k, _plain(v)) for k, v in values.items())
        return self.base.with_values(overrides)

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
        """The longest straight-line journey of any scenario: max_travel_km / detour_factor."""
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
        """The SALib problem of the design: names and bounds."""
        names = list(self.spec.parameters)
        bounds = [[self.spec.parameters[n].low, self.spec.parameters[n].high] for n in names]
        return {"num_vars": len(names), "names": names, "bounds": bounds}

    def manifest(self) -> dict[str, Any]:
        """What identifies the sweep: the spec, the base scenario's values, the design size."""
        from importlib.metadata import version

        doc = {
            "spec": self.spec.model_dump(mode="json"),
            "base_scenario": self.base.parameters(),
            "scenarios": len(self),
        }
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        return {**doc, "hash": digest, "safezones_version": version("safezones")}


def _lookup(doc: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` in a scenario's parameters (zones by id), or None."""
    parts = path.split(".")
    cur: Any = doc
    if parts[0] == "zones" and len(parts) == 3:
        cur = next((z for z in doc.get("zones", []) if z.get("id") == parts[1]), {})
        parts = parts[2:]
    for part in parts:
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, Mapping):
            cur = cur.get(part)
        else:
            return None
    return cur


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


# ---------------------------------------------------------------- workers

_WORKER: dict[str, tuple[Sweep, Any]] = {}


def _payload(sweep: Sweep) -> dict[str, Any]:
    base = sweep.base
    return {
        "spec": sweep.spec.model_dump(mode="json"),
        "base_doc": {k: v for k, v in base._doc.items() if k != "_base_dir"},
        "base_dir": str(base.base_dir) if base.base_dir else None,
        "base_path": str(base.path) if base.path else None,
        "key": sweep.manifest()["hash"],
    }


def _die_with_parent(parent: int) -> None:
    """End this worker process when the process ``parent`` (the sweep) dies.

    On Linux the kernel sends SIGKILL at the parent's death
    (``prctl(PR_SET_PDEATHSIG)``); everywhere, a daemon thread checks every
    :data:`WATCH_PARENT_S` seconds that the parent is still the same process
    (an orphan is adopted by another), and exits if not. Without this, a
    ``kill -9`` of the sweep left its workers running at full CPU, then
    asleep holding their memory. (Linux sends the signal when the thread that
    started the worker ends: :func:`run_sweep`'s thread outlives its pools.)
    It also closes the output lock it inherited, so that a killed sweep's
    folder is free as soon as the sweep itself is gone.
    """
    from safezones.io.atomic import close_inherited_locks

    close_inherited_locks()
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no libc prctl: the thread below still works
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_PARENT_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="safezones-watch-parent", daemon=True).start()


def _worker_start(
    parent: int, payload: dict[str, Any], geometry: dict[str, Any] | None = None
) -> None:
    """Initializer of a scoring worker: die with the sweep, then load the sweep."""
    _die_with_parent(parent)
    _worker_sweep(payload, geometry)


_STORES: dict[tuple[str, str], GeometryStore] = {}


def _store(payload: dict[str, Any]) -> GeometryStore | None:
    """The geometry checkpoint of the payload's sweep folder, or None."""
    folder = payload.get("geometry_dir")
    if not folder:
        return None
    key = (str(folder), str(payload["inputs"]))
    if key not in _STORES:
        _STORES[key] = GeometryStore(folder, payload["inputs"], payload["version"])
    return _STORES[key]


def _worker_sweep(
    payload: dict[str, Any], geometry: dict[str, Any] | None = None
) -> tuple[Sweep, Any]:
    from safezones.engine import Engine

    key = payload["key"]
    if key not in _WORKER:
        base = Scenario.from_dict(
            payload["base_doc"],
            source=payload["base_path"],
            base_dir=Path(payload["base_dir"]) if payload["base_dir"] else None,
        )
        spec = SweepSpec.model_validate(payload["spec"])
        _WORKER.clear()
        sweep = Sweep(spec=spec, base=base)
        engine = Engine()
        engine.reach_km = sweep.reach_km()
        _WORKER[key] = (sweep, engine)
    sweep, engine = _WORKER[key]
    engine.store = _store(payload)  # per call: one process may run the sweep into two folders
    if geometry and not engine.preloaded:
        engine.preload(geometry)
    return sweep, engine


def _warm_rows(payload: dict[str, Any], rows: Sequence[int]) -> dict[str, Any]:
    """Build the zone geometry of the scenarios ``rows`` (in a worker) and return it."""
    sweep, engine = _worker_sweep(payload)
    names = [str(c) for c in sweep.design.columns]
    out: dict[str, Any] = {}
    for i in rows:
        values = dict(zip(names, sweep.design.iloc[i], strict=True))
        out.update(engine.warm(sweep.scenario(values)))
    return out


def _run_chunk(
    payload: dict[str, Any], start: int, stop: int, geometry: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Score scenarios ``start`` to ``stop - 1`` of the design (in a worker)."""
    sweep, engine = _worker_sweep(payload, geometry)
    design = sweep.design.iloc[start:stop]
    draws, seed = sweep.spec.draws, sweep.spec.seed
    rows = np.empty((len(design), len(METRIC_COLUMNS)))
    names = [str(c) for c in design.columns]
    for i, row in enumerate(design.itertuples(index=False)):
        sc = sweep.scenario(dict(zip(names, row, strict=True)))
        rows[i] = engine.totals(sc, draws=draws, seed=seed).ravel()
    out = design.reset_index()
    out.insert(0, "scenario_id", [f"s{i:06d}" for i in range(start, stop)])
    return pd.concat([out, pd.DataFrame(rows, columns=list(METRIC_COLUMNS))], axis=1)


# ---------------------------------------------------------------- running


def _chunks(n: int, size: int) -> list[tuple[int, int, int]]:
    return [(c, s, min(s + size, n)) for c, s in enumerate(range(0, n, size))]


def _part(out: Path, chunk: int) -> Path:
    return out / "parts" / f"part-{chunk:06d}.parquet"


def _write_part(out: Path, chunk: int, table: pd.DataFrame) -> None:
    path = _part(out, chunk)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _describe_change(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[str]:
    changes = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            changes += _describe_change(a, b, f"{prefix}{k}.")
        elif a != b:
            changes.append(f"{prefix}{k}: {a!r} -> {b!r}")
    return changes


def _changed_inputs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The input files whose SHA-256 differs between two manifests' ``inputs``."""
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a is None or b is None or a.get("sha256") != b.get("sha256"):
            entry = b if b is not None else a
            assert entry is not None
            how = (
                "is no longer read" if b is None
                else "was not read before" if a is None
                else "cannot be read" if b.get("sha256") == "unreadable"
                else "has changed"
            )  # fmt: skip
            out.append(f"{key} ({entry.get('path')}) {how}")
    return out


def sweep_inputs(sweep: Sweep) -> list[Path]:
    """The files a sweep reads: its spec, the base scenario and the scenario's data files."""
    from safezones.io.inputs import sweep_input_files

    return list(sweep_input_files(sweep).values())


def _open_dir(out: Path, sweep: Sweep) -> dict[str, Any]:
    from safezones.io.atomic import MARKER, check_output_dir, write_marker

    # new, empty, or a sweep's own folder; never the spec's folder or one with other files
    check_output_dir(out, command="sweep", inputs=sweep_inputs(sweep))
    manifest = {**sweep.manifest(), "inputs": sweep_input_hashes(sweep)}
    path = out / "sweep.json"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("hash") != manifest["hash"]:
            changed = _describe_change(
                {"spec": old.get("spec", {}), "base_scenario": old.get("base_scenario", {})},
                {"spec": manifest["spec"], "base_scenario": manifest["base_scenario"]},
            )
            raise SafeZonesError(
                f"{out} holds a different sweep, so it cannot be resumed with this spec "
                f"(changed: {'; '.join(changed[:5]) or 'the design'}); use another --out folder, "
                "or delete this one to start again",
                source=sweep.source,
            )
        if not isinstance(old.get("inputs"), dict):
            raise SafeZonesError(
                f"{out}/sweep.json records no hashes of the sweep's input files (it was written "
                f"by safezones {old.get('safezones_version', 'before 0.1.0')}), so a resume "
                "cannot check that they are unchanged; use another --out folder, or delete this "
                "one to start again",
                source=sweep.source,
            )
        changed = _changed_inputs(old["inputs"], manifest["inputs"])
        if changed:
            done = len(list((out / "parts").glob("part-*.parquet")))
            raise SafeZonesError(
                f"{out} holds a sweep computed from other input files, so it cannot be resumed: "
                f"{'; '.join(changed)} since it started ({done} parts were computed from the "
                "old files); restore the file, or use another --out folder (or delete this one) "
                "to start again",
                source=sweep.source,
            )
    else:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / MARKER).exists():
            write_marker(out, command="sweep")
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    if not (out / MARKER).exists():  # a sweep from before markers
        write_marker(out, command="sweep")
    (out / "parts").mkdir(exist_ok=True)
    for stray in (out / "parts").glob("*.tmp*"):  # a part being written when killed
        stray.unlink()
    _geometry_store(out, manifest).clean()
    return manifest


def _geometry_store(out: Path, manifest: Mapping[str, Any]) -> GeometryStore:
    """The zone-geometry checkpoint ``out/geometry`` of a sweep with this manifest."""
    digest = hashlib.sha256(json.dumps(manifest["inputs"], sort_keys=True).encode()).hexdigest()
    return GeometryStore(out / "geometry", digest, str(manifest["safezones_version"]))


def _merge(out: Path, chunks: Sequence[tuple[int, int, int]]) -> Path:
    """Stream the parts, in order, into results.parquet (one row group per part)."""
    final = out / "results.parquet"
    tmp = out / "results.parquet.tmp"
    writer: pq.ParquetWriter | None = None
    try:
        for c, _, _ in chunks:
            table = pq.read_table(_part(out, c))
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, final)
    return final


def _holding_the_lock(fn: Callable[..., Path]) -> Callable[..., Path]:
    """Run ``fn(spec, out, ...)`` holding ``out``'s lock: one sweep at a time writes a folder."""

    @functools.wraps(fn)
    def locked(spec: Sweep | str | Path, out: str | Path, **kwargs: Any) -> Path:
        from safezones.io.atomic import check_output_dir, output_lock

        given = spec.source if isinstance(spec, Sweep) else spec
        check_output_dir(out, command="sweep", inputs=[given])  # refuse before making a lock
        with output_lock(Path(out)):
            try:
                return fn(spec, out, **kwargs)
            except OSError as err:
                if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                raise SafeZonesError(
                    f"cannot write the sweep folder {out}: {err.strerror}; the parts written "
                    "so far are kept: free some space and run the same command again to resume"
                ) from None

    return locked


@_holding_the_lock
def run_sweep(
    spec: Sweep | str | Path,
    out: str | Path,
    *,
    executor: Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> Path:
    """Run a sweep into the folder ``out``; returns ``out/results.parquet``.

    Parameters
    ----------
    spec
        A :class:`Sweep` or the path of a sweep spec (TOML).
    out
        The sweep's folder. Parts already written there by the same spec are
        kept (resume); a different spec, or a changed input file (the spec,
        the base scenario, a data file: ``sweep.json`` keeps their SHA-256),
        is refused, and so is a folder that holds anything but a sweep (see
        :func:`safezones.io.atomic.check_output_dir`). Built zone geometry is kept
        in ``out/geometry`` and read back on a resume (with Dask, only on a
        local cluster).
    executor
        ``"local"``: worker processes on this machine (``workers`` of them;
        1 runs in this process). ``"dask"``: a ``distributed.LocalCluster``
        of ``workers`` processes, or the cluster at ``scheduler``
        (``tcp://HOST:PORT``).
    workers
        Processes; default: the machine's CPU count.
    progress
        Called as ``progress(done, total)`` in scenarios, at start and after each part.
    stage
        Called with a short description of what the sweep is doing
        (building zone geometry, scoring), for a progress display.
    """
    sweep = spec if isinstance(spec, Sweep) else Sweep.from_toml(spec)
    if executor not in EXECUTORS:
        raise SafeZonesError(f"unknown executor {executor!r}; choose {' or '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise SafeZonesError("--scheduler needs --executor dask")
    n_workers = int(workers or os.cpu_count() or 1)
    if n_workers < 1:
        raise SafeZonesError(f"workers must be >= 1, got {workers}")
    out_dir = Path(out)
    manifest = _open_dir(out_dir, sweep)
    chunks = _chunks(len(sweep), sweep.chunk)
    todo = [ch for ch in chunks if not _part(out_dir, ch[0]).exists()]
    total = len(sweep)
    done = total - sum(stop - start for _, start, stop in todo)
    if progress is not None:
        progress(done, total)
    payload = _payload(sweep)
    if executor == "local" or scheduler is None:  # workers that share this machine's disk
        store = _geometry_store(out_dir, manifest)
        payload |= {"geometry_dir": str(store.folder), "inputs": store.inputs,
                    "version": store.version}  # fmt: skip
    rows = [i for _, start, stop in todo for i in range(start, stop)]
    shapes = sweep.geometry_rows(rows)
    for c, table in _execute(payload, todo, executor, n_workers, scheduler, shapes, stage):
        _write_part(out_dir, c, table)
        done += len(table)
        if progress is not None:
            progress(done, total)
    return _merge(out_dir, chunks)


def _unbuilt(payload: dict[str, Any], shapes: Sequence[int]) -> list[int]:
    """The design rows of ``shapes`` whose zone geometry is not in the sweep's checkpoint."""
    store = _store(payload)
    if store is None:
        return list(shapes)
    sweep, engine = _worker_sweep(payload)
    names = [str(c) for c in sweep.design.columns]
    out = []
    for i in shapes:
        sc = sweep.scenario(dict(zip(names, sweep.design.iloc[i], strict=True)))
        if not all(store.has(k) for k in engine.zone_keys(sc)):
            out.append(i)
    return out


def _split(items: Sequence[int], parts: int) -> list[list[int]]:
    return [list(items[i::parts]) for i in range(parts) if items[i::parts]]


def _execute(
    payload: dict[str, Any],
    todo: Sequence[tuple[int, int, int]],
    executor: str,
    workers: int,
    scheduler: str | None,
    shapes: Sequence[int],
    stage: Callable[[str], None] | None = None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Score the chunks ``todo``; ``shapes`` are design rows with distinct zone geometry.

    With several workers, the geometry is built first, split between them,
    and handed to every worker, so that none builds what another did.
    """
    if not todo:
        return

    def say(text: str) -> None:
        if stage is not None:
            stage(text)

    if executor == "dask":
        yield from _execute_dask(payload, todo, workers, scheduler, shapes, say)
        return
    if workers == 1:
        for c, start, stop in todo:
            yield c, _run_chunk(payload, start, stop)
        return
    # fork (Linux) starts workers with safezones already imported; spawn elsewhere
    methods = multiprocessing.get_all_start_methods()
    use_fork = "fork" in methods and sys.platform == "linux"
    ctx = multiprocessing.get_context("fork" if use_fork else "spawn")
    if use_fork:  # the workers inherit the cells, classes and distances to stretches
        sweep, engine = _worker_sweep(payload)
        engine.warm_base(sweep.scenario({}))
    geometry: dict[str, Any] = {}
    build = _unbuilt(payload, shapes)
    kept = len(shapes) - len(build)
    if len(build) > 1 or kept:
        say(f"zone geometry ({plural(len(build), 'shape')} to build"
            + (f", {kept} kept from an earlier run)" if kept else ")"))  # fmt: skip
    if len(build) > 1:
        with cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:  # fmt: skip
            for part in pool.map(_warm_rows, [payload] * workers, _split(build, workers)):
                geometry.update(part)
    say("scoring")
    with cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_worker_start,
        initargs=(os.getpid(), payload, geometry),
    ) as pool:  # fmt: skip
        futures = {pool.submit(_run_chunk, payload, s, e): c for c, s, e in todo}
        try:
            for fut in cf.as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()


def _execute_dask(
    payload: dict[str, Any],
    todo: Sequence[tuple[int, int, int]],
    workers: int,
    scheduler: str | None,
    shapes: Sequence[int],
    say: Callable[[str], None],
) -> Iterator[tuple[int, pd.DataFrame]]:
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        )  # fmt: skip
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as err:
            raise SafeZonesError(f"cannot reach the Dask scheduler {scheduler}: {err}") from None
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        geometry: Any = None
        if len(shapes) > 1 and n_workers > 1:
            say(f"zone geometry ({plural(len(shapes), 'shape')})")
            built: dict[str, Any] = {}
            warm = [client.submit(_warm_rows, payload, rows, pure=False)
                    for rows in _split(shapes, n_workers)]  # fmt: skip
            for part in client.gather(warm):
                built.update(part)
            geometry = client.scatter(built, broadcast=True)
        say("scoring")
        futures = {
            client.submit(_run_chunk, payload, s, e, geometry, pure=False,
                          key=f"safezones-chunk-{c}-{payload['key'][:8]}"): c
            for c, s, e in todo
        }  # fmt: skip
        for fut in as_completed(list(futures)):
            yield futures[fut], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def read_results(path: str | Path) -> pd.DataFrame:
    """A sweep's results (its folder or its results.parquet), with the spec in ``attrs``.

    ``attrs["sweep"]`` holds the manifest (spec, base scenario values, hash)
    that :func:`sensitivity` reads the parameter bounds from.
    """
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    file = p / "results.parquet" if p.is_dir() else p
    if not file.exists():
        raise DataError(
            "no results.parquet: the sweep has not finished; run it again with the same spec "
            "and folder to complete it",
            source=str(folder),
        )
    table = pd.read_parquet(file)
    manifest = folder / "sweep.json"
    if manifest.exists():
        table.attrs["sweep"] = json.loads(manifest.read_text(encoding="utf-8"))
    return table


# ---------------------------------------------------------------- analysis


def _parameters(
    results: pd.DataFrame, spec: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    manifest = spec if spec is not None else results.attrs.get("sweep")
    if manifest is None:
        raise SafeZonesError(
            "these results carry no sweep spec; read them with read_results(folder), or pass spec="
        )
    s = manifest.get("spec", manifest)
    return s, list(s["parameters"])


def sensitivity(
    results: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    spec: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Sobol first-order (S1) and total (ST) indices of each parameter, per metric.

    Parameters
    ----------
    results
        A ``sobol`` sweep's results in design order (from :func:`read_results`).
    metrics
        Result columns to analyse; default every metric's P50.
    spec
        The sweep manifest or spec dict; default ``results.attrs["sweep"]``.
    seed
        Seed of SALib's bootstrap confidence intervals.

    Returns
    -------
    pandas.DataFrame
        One row per metric and parameter: ``metric, parameter, S1, S1_conf,
        ST, ST_conf`` (conf: half-width of the 95 % bootstrap interval). A
        metric that does not vary gets NaN indices.
    """
    from SALib.analyze import sobol as sobol_analyze

    s, names = _parameters(results, spec)
    if s.get("design") != "sobol":
        raise SafeZonesError(
            f"Sobol indices need a sobol design (Saltelli's sample); this sweep is {s.get('design')!r}"
        )
    k = len(names)
    if len(results) % (k + 2):
        raise SafeZonesError(
            f"a sobol sweep of {k} parameters has a multiple of {k + 2} rows; got {len(results)}"
            " (is it complete and in design order?)"
        )
    ordered = results.sort_values("index") if "index" in results else results
    cols = list(metrics) if metrics is not None else [f"{m}_p50" for m in METRICS]
    missing = [c for c in cols if c not in ordered.columns]
    if missing:
        raise SafeZonesError(f"no such result columns: {missing}")
    problem = {
        "num_vars": k,
        "names": names,
        "bounds": [[s["parameters"][n]["low"], s["parameters"][n]["high"]] for n in names],
    }
    rows = []
    for col in cols:
        y = ordered[col].to_numpy(dtype=float)
        if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
            idx = {key: np.full(k, np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                idx = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        for i, n in enumerate(names):
            rows.append(
                {"metric": col, "parameter": n, "S1": float(idx["S1"][i]),
                 "S1_conf": float(idx["S1_conf"][i]), "ST": float(idx["ST"][i]),
                 "ST_conf": float(idx["ST_conf"][i])}
            )  # fmt: skip
    return pd.DataFrame(rows)


def discover(
    results: pd.DataFrame,
    metric: str,
    threshold: float,
    *,
    above: bool = True,
    min_density: float = 0.8,
    spec: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The parameter ranges where ``metric`` stays above (or below) ``threshold``: PRIM.

    Scenario discovery with the Patient Rule Induction Method of the EMA
    Workbench: it peels the parameter box until at least ``min_density`` of
    the scenarios inside meet the condition, keeping as many of those that
    do (coverage) as it can.

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``parameter, low, high, restricted`` (whether
        the box narrows it). ``attrs`` holds ``coverage`` (share of the
        scenarios meeting the condition that lie in the box), ``density``
        (share of the box's scenarios that meet it), ``mass`` (share of all
        scenarios in the box) and ``condition``.
    """
    _, names = _parameters(results, spec)
    if metric not in results.columns:
        hint = difflib.get_close_matches(metric, list(results.columns), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise SafeZonesError(f"no result column {metric!r}{extra}")
    y = results[metric].to_numpy(dtype=float)
    hit = y >= threshold if above else y <= threshold
    cond = f"{metric} {'>=' if above else '<='} {threshold:,.6g}"
    if not hit.any():
        raise SafeZonesError(
            f"no scenario has {cond} (the range is {y.min():,.6g} to {y.max():,.6g})"
        )
    x = results[names].astype(float).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        from ema_workbench.util import ema_logging

        ema_logging.get_rootlogger().setLevel(40)
        box = prim.Prim(x, hit, threshold=min_density).find_box()
    traj = box.peeling_trajectory
    ok = traj[traj["density"] >= min_density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    lims = box.box_lims[i]
    full_lo, full_hi = x.min(), x.max()
    out = pd.DataFrame(
        {
            "parameter": names,
            "low": [float(lims[n].iloc[0]) for n in names],
            "high": [float(lims[n].iloc[1]) for n in names],
        }
    )
    out["restricted"] = [
        bool(lims[n].iloc[0] > full_lo[n] or lims[n].iloc[1] < full_hi[n]) for n in names
    ]
    out.attrs = {
        "condition": cond,
        "coverage": float(traj.loc[i, "coverage"]),
        "density": float(traj.loc[i, "density"]),
        "mass": float(traj.loc[i, "mass"]),
    }
    return out
