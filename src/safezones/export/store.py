"""A scored scenario written so that it can be read back, and checked before reuse.

:meth:`ScenarioResult.to_file <safezones.model.result.ScenarioResult.to_file>`
calls :func:`write_result`, which adds a ``result/`` folder beside the CSV
files: every table as Parquet (float64 kept exactly), the zones, events and
population cells as GeoParquet (the bundled population grid is named, not
copied), the per-draw arrays as ``.npy`` files in one ``.npz``, and
``manifest.json`` with what identifies the result (safezones version, the
scenario's every value, draws, seed, the SHA-256 of each input file).

:func:`read_result` reads it back; :func:`try_reuse` reads it only when the
recorded scenario, draws, seed, version and input files match the ones
asked for, and otherwise says why not; :func:`reuse_results` does it for
the scenarios of ``safezones memo --from``.

Nothing read can run code: JSON, Parquet (pyarrow >= 14.0.1 refuses the
pickled extension types of CVE-2023-47248), WKB geometry and ``.npy``
arrays with ``allow_pickle=False``. Never pickle: an output folder may come
from someone else.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safezones import data
from safezones._plural import listing
from safezones._version import __version__
from safezones.config.keys import flatten
from safezones.crs import LONLAT_CRS, PROJECT_CRS, to_metric
from safezones.errors import SafeZonesError
from safezones.io.inputs import input_hashes
from safezones.model.metrics import METRICS

if TYPE_CHECKING:
    from safezones.config.scenario import Scenario
    from safezones.model.result import ScenarioResult

__all__ = [
    "FOLDER",
    "FORMAT",
    "VERSION_PATTERN",
    "describe_keys",
    "read_manifest",
    "read_result",
    "scenario_changes",
    "write_result",
]

#: The subfolder of a scenario's output that holds the reusable result.
FOLDER = "result"
#: Version of the layout of ``result/``; a reader refuses other versions, so
#: an older result is computed again. 2: the population cells added; 3: control, threat
#: and deaths averted (per_zone and flows columns, provenance); 4: who is sheltered,
#: both allocations, minimum needs, and every draw's inputs (``inputs.parquet``).
FORMAT = 4
#: The bundled layer a result's population cells may be, named in the manifest
#: with its SHA-256 instead of copied (2.5 MB and 0.4 s a folder).
_GRID = "population_grid"
_CELLS_FILE = "population_cells.parquet"
_TABLES = ("per_zone", "per_origin", "flows", "totals", "samples")
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z.+_-]{1,40}$")
_SHOWN = 6  # changed keys named in a message before "and N more"


# ---------------------------------------------------------------- write


def write_result(result: ScenarioResult, directory: Path) -> Path:
    """Write ``directory/result/``: the result's tables, arrays and manifest.

    Parameters
    ----------
    result
        The scored scenario.
    directory
        The scenario's output folder (being written, e.g. a temporary one).

    Returns
    -------
    pathlib.Path
        The ``result`` folder.
    """
    out = Path(directory) / FOLDER
    out.mkdir(parents=True, exist_ok=False)
    for name in _TABLES:
        getattr(result, name).to_parquet(out / f"{name}.parquet", engine="pyarrow")
    if result.inputs is not None:  # what every draw drew: the memo's sensitivity reads it
        result.inputs.to_parquet(out / "inputs.parquet", engine="pyarrow")
    zones, none_columns = _none_to_nan(result.zones)
    zones.to_parquet(out / "zones.parquet")
    if result.events is not None:
        result.events.to_parquet(out / "events.parquet")
    cells = _write_cells(result, out)
    arrays: dict[str, Any] = {k: np.asarray(v, dtype=float) for k, v in result.detail.items()}
    np.savez(out / "detail.npz", **arrays)
    sc = result.scenario
    manifest = {
        "format": FORMAT,
        "safezones_version": __version__,
        "scenario": sc.id,
        "parameters": sc.parameters(),
        "draws": result.provenance["draws"],
        "seed": result.provenance["seed"],
        "inputs": input_hashes(sc),
        "provenance": result.provenance,
        "zones_none_columns": none_columns,
        "events": result.events is not None,
        "population_cells": cells,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=1, default=str) + "\n", encoding="utf-8"
    )
    return out


@cache
def _grid(crs: str) -> gpd.GeoDataFrame:
    """Return the bundled population grid in ``lonlat`` or ``metric`` (computed once)."""
    grid = data.population_grid()
    return grid if crs == "lonlat" else to_metric(grid, what="population")


def _bundled_as(cells: gpd.GeoDataFrame) -> str | None:
    """Return the CRS (``lonlat``, ``metric``) in which ``cells`` is the bundled grid, or None."""
    if cells.crs is None:
        return None
    crs = CRS.from_user_input(cells.crs)
    kind = "lonlat" if crs == LONLAT_CRS else "metric" if crs == PROJECT_CRS else None
    if kind is None or len(cells) != len(_grid("lonlat")):
        return None
    grid = _grid(kind)
    geom = grid.geometry.name
    same = (
        list(cells.columns) == list(grid.columns)
        and cells.geometry.name == geom
        and cells.index.equals(grid.index)
        and cells.drop(columns=geom).equals(grid.drop(columns=geom))
        and bool(shapely.equals_exact(cells[geom].values, grid[geom].values, tolerance=0).all())
    )
    return kind if same else None


def _grid_sha256() -> str:
    return str(data.provenance().loc[_GRID, "sha256"])


def _write_cells(result: ScenarioResult, out: Path) -> dict[str, str] | None:
    """Write the population cells (or name the bundled grid); return their manifest entry."""
    cells = result.population_cells
    if cells is None:
        return None
    kind = _bundled_as(cells) if result.scenario.population.source == "bundled" else None
    if kind is not None:
        return {"bundled": _GRID, "crs": kind, "sha256": _grid_sha256()}
    cells.to_parquet(out / _CELLS_FILE)
    return {"file": _CELLS_FILE}


def _none_to_nan(zones: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return object columns of numbers and None (``capacity_given``) as float, and their names."""
    cols = []
    out = zones
    for c in zones.columns:
        if c != zones.geometry.name and zones[c].dtype == object:
            vals = zones[c].tolist()
            if all(v is None or isinstance(v, int | float) for v in vals):
                cols.append(c)
                out = out.assign(**{c: [np.nan if v is None else float(v) for v in vals]})
    return out, cols


# ---------------------------------------------------------------- read


class _Unreadable(SafeZonesError):
    """A part of ``result/`` that cannot be read or does not fit the rest."""


def read_manifest(folder: Path) -> dict[str, Any]:
    """Return the manifest of ``folder``'s ``result/`` store, or raise if it is unreadable."""
    path = folder / FOLDER / "manifest.json"
    if not path.is_file():
        raise _Unreadable(f"{folder}: holds no reusable result ({FOLDER}/manifest.json is missing)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise _Unreadable(f"{folder}: {FOLDER}/manifest.json cannot be read as JSON") from None
    if not isinstance(doc, dict):
        raise _Unreadable(f"{folder}: {FOLDER}/manifest.json is not a JSON object")
    if doc.get("format") != FORMAT:
        raise _Unreadable(
            f"{folder}: {FOLDER}/ has another layout than this safezones reads (format {FORMAT})"
        )
    return doc


def _table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / FOLDER / f"{name}.parquet"
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except Exception:  # pyarrow raises many types; the reason is the same for the user
        raise _Unreadable(f"{folder}: {FOLDER}/{name}.parquet cannot be read as Parquet") from None


def _geo(folder: Path, name: str) -> gpd.GeoDataFrame:
    path = folder / FOLDER / f"{name}.parquet"
    try:
        return gpd.read_parquet(path)
    except Exception:
        raise _Unreadable(
            f"{folder}: {FOLDER}/{name}.parquet cannot be read as GeoParquet"
        ) from None


def _detail(folder: Path) -> dict[str, np.ndarray]:
    path = folder / FOLDER / "detail.npz"
    try:
        with np.load(path, allow_pickle=False) as npz:
            out = {k: np.array(npz[k]) for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        raise _Unreadable(f"{folder}: {FOLDER}/detail.npz cannot be read as arrays") from None
    for arr in out.values():
        if arr.dtype.kind != "f":
            raise _Unreadable(f"{folder}: {FOLDER}/detail.npz holds arrays that are not numbers")
        arr.flags.writeable = False
    return out


def _cells(folder: Path, entry: Any) -> gpd.GeoDataFrame | None:
    """Return the population cells the manifest entry names, or None when it names none."""
    if entry is None:
        return None
    if isinstance(entry, dict) and entry.get("file") == _CELLS_FILE:
        return _geo(folder, _CELLS_FILE.removesuffix(".parquet"))
    if (
        isinstance(entry, dict)
        and entry.get("bundled") == _GRID
        and entry.get("crs") in ("lonlat", "metric")
    ):
        if entry.get("sha256") != _grid_sha256():
            raise _Unreadable(
                f"{folder}: it was scored on another bundled population grid than this safezones has"
            )
        return _grid(str(entry["crs"])).copy()
    raise _Unreadable(f"{folder}: {FOLDER}/manifest.json names population cells it does not hold")


def read_result(
    folder: str | Path, scenario: Scenario | None = None, *, cls: type[ScenarioResult]
) -> ScenarioResult:
    """Read a result written by :func:`write_result` (``folder`` holds ``result/``).

    Parameters
    ----------
    folder
        A scenario's output folder, as written by ``safezones run`` or one
        scenario's folder of ``safezones compare``.
    scenario
        The scenario the result belongs to; by default it is rebuilt from the
        values recorded in the manifest (relative paths then resolve from the
        scenario file recorded there).

    Returns
    -------
    ScenarioResult

    Raises
    ------
    SafeZonesError
        When a part is missing, cannot be read, or does not fit the others
        or the scenario (zone ids, metrics, draws).
    """
    from safezones.config.scenario import Scenario

    folder = Path(folder)
    doc = read_manifest(folder)
    prov = doc.get("provenance")
    if not isinstance(prov, dict) or not isinstance(doc.get("parameters"), dict):
        raise _Unreadable(f"{folder}: {FOLDER}/manifest.json lacks the provenance or parameters")
    if scenario is None:
        source = prov.get("scenario_file")
        source = source if isinstance(source, str) else None
        scenario = Scenario.from_dict(
            doc["parameters"], source=source, base_dir=Path(source).parent if source else None
        )
    tables = {name: _table(folder, name) for name in _TABLES}
    zones = _geo(folder, "zones")
    for c in doc.get("zones_none_columns", []):
        if isinstance(c, str) and c in zones.columns:
            zones[c] = pd.Series(
                [None if pd.isna(v) else float(v) for v in zones[c]],
                index=zones.index,
                dtype=object,
            )
    events = _geo(folder, "events") if doc.get("events") else None
    cells = _cells(folder, doc.get("population_cells"))
    detail = _detail(folder)

    ids = [z.id for z in scenario.zones]
    n = prov.get("draws")
    problems = []
    if list(zones.get("zone_id", [])) != ids:
        problems.append("its zones are not the scenario's zones")
    if list(tables["per_zone"].get("zone_id", [])) != ids:
        problems.append("per_zone.parquet has other zones than the scenario")
    if list(tables["totals"].index) != list(METRICS):
        problems.append("totals.parquet has other metrics than this safezones reports")
    if not isinstance(n, int) or len(tables["samples"]) != n:
        problems.append("samples.parquet has another number of draws than the manifest")
    if problems:
        raise _Unreadable(f"{folder}: {'; '.join(problems)}")
    return cls(
        scenario=scenario,
        zones=zones,
        events=events,
        provenance=prov,
        detail=detail,
        population_cells=cells,
        inputs=_table(folder, "inputs") if (folder / FOLDER / "inputs.parquet").exists() else None,
        **tables,
    )


# ---------------------------------------------------------------- reuse


def scenario_changes(recorded: Mapping[str, Any], scenario: Scenario) -> list[str]:
    """Return the key paths whose values differ between recorded values and a scenario.

    Only the scenario's own keys are named (a recorded key this version does
    not know is reported as ``other keys``), so a message never repeats text
    from a file.

    Examples
    --------
    >>> from safezones.scenario import Scenario
    >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
    ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5}]})
    >>> old = sc.with_values({"zones.a.radius_km": 8, "shelter.max_travel_km": 50})
    >>> scenario_changes(old.parameters(), sc)
    ['shelter.max_travel_km', 'zones.a.radius_km']
    """
    now, then = flatten(scenario.parameters()), flatten(recorded)
    changed = sorted(k for k in now if k not in then or then[k] != now[k])
    if any(k not in now for k in then):
        changed.append("other keys")
    return changed


def describe_keys(keys: list[str]) -> str:
    """Return the changed keys a message names: the first few, then how many more."""
    return listing(keys, limit=_SHOWN)
