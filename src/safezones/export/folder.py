"""A scored scenario as a result folder: summary.json, the CSV tables, zones.gpkg, map.png.

:meth:`ScenarioResult.to_file <safezones.model.result.ScenarioResult.to_file>`
and :meth:`~safezones.model.result.ScenarioResult.summary` delegate here.
Tables go through :func:`safezones.export.columns.for_file` (people as whole
numbers) and ``columns.csv`` describes them; ``result/`` is the lossless copy
of :mod:`safezones.export.store`. The folder is written whole or not at all
(:func:`safezones.io.atomic.atomic_dir`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safezones._text import csv_frame
from safezones._version import __version__
from safezones.config.sources import parameter_sources
from safezones.export.columns import describe, for_file
from safezones.export.store import write_result
from safezones.io.atomic import atomic_dir
from safezones.model.metrics import QUANTILES
from safezones.model.needs import needs_totals
from safezones.model.tables import population_total
from safezones.schema import ACTORS

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from safezones.model.result import ScenarioResult

__all__ = ["summary", "write_folder"]


def summary(result: ScenarioResult) -> dict[str, Any]:
    """Return the ``summary.json`` document: scenario, metrics, population, parameters, sources.

    ``population`` is everyone living in any zone before displacement
    (P5/P50/P95, overlaps counted once); ``metrics.residents_protected``
    is the part of them not displaced. What made it:
    ``safezones_version``, ``written_at`` (UTC, ISO 8601, when the
    document is made), ``command`` (the command line when run from the
    CLI, else None) and ``inputs``: the SHA-256 of every file the
    scenario reads (:func:`safezones.io.inputs.input_hashes`). Who holds the
    ground and whose violence: ``control`` (source, snapshot, label, note,
    max_distance_km, exclude_held_by; absent without a control surface),
    ``threat`` (actors, protection by zone and actor, its reason by zone) and
    ``zones``: per zone its ``actor``, ``area_km2``, ``area_before_cut_km2``
    and ``share_area``/``share_population`` by actor (when the result has them).
    ``needs``: per minimum need (:data:`safezones.model.needs.NEEDS`), P5/P50/P95
    of its total over the zones (each draw summed over zones, then the
    quantiles), its unit and the standard used with its source
    (:func:`safezones.model.needs.needs_totals`).
    ``parameters`` is the whole scenario (defaults included), as
    :meth:`~safezones.config.scenario.Scenario.parameters` gives it and
    :mod:`safezones.export.store` reads it back; ``parameter_sources`` lists each
    model parameter by key path (``shelter.usable_fraction``,
    ``zones.<id>.depth_km``; no metadata) as ``{"value", "source"}``, the source a
    citation, an assumption, or ``scenario <id>: <citation>`` for a value the
    scenario sets (:func:`safezones.config.sources.parameter_sources`).

    Parameters
    ----------
    result
        The scored scenario.

    Returns
    -------
    dict
        Plain values, ready for :func:`json.dumps`.
    """
    from datetime import UTC, datetime

    from safezones.io.inputs import command_line, input_hashes

    totals = result.totals
    metrics = {m: {q: float(totals.loc[m, q]) for q in QUANTILES} for m in totals.index}
    prov = result.provenance
    extra: dict[str, Any] = {k: prov[k] for k in ("control", "threat") if k in prov}
    zones = _zone_control(result.per_zone)
    if zones:
        extra["zones"] = zones
    sheltered = result.detail.get("sheltered")
    if sheltered is not None and getattr(sheltered, "ndim", 0) == 2:
        extra["needs"] = needs_totals(sheltered, result.scenario.needs)
    return {
        "scenario": result.scenario.id,
        "title": result.scenario.title,
        "metrics": metrics,
        "population": population_total(result),
        "draws": result.provenance["draws"],
        "seed": result.provenance["seed"],
        "parameters": result.provenance["parameters"],
        "sources": result.provenance["sources"],
        "parameter_sources": parameter_sources(result.scenario),
        "safezones_version": __version__,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(),
        "inputs": input_hashes(result.scenario),
        **extra,
    }


def _zone_control(per_zone: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Return each zone's control (actor, areas, shares by actor) as summary.json holds it."""
    if "actor" not in per_zone.columns:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for _, r in per_zone.iterrows():
        entry: dict[str, Any] = {"actor": str(r["actor"]), "area_km2": float(r["area_km2"])}
        if "area_before_cut_km2" in per_zone.columns:
            entry["area_before_cut_km2"] = float(r["area_before_cut_km2"])
        for kind in ("area", "population"):
            entry[f"share_{kind}"] = {
                a: float(r[f"share_{kind}_{a}"])
                for a in ACTORS
                if f"share_{kind}_{a}" in per_zone.columns
            }
        out[str(r["zone_id"])] = entry
    return out


def _tables(result: ScenarioResult) -> dict[str, pd.DataFrame]:
    """Return the CSV tables of the folder by file name, rounded for the file."""
    return {
        "per_zone.csv": for_file(result.per_zone),
        "per_origin.csv": for_file(result.per_origin),
        "flows.csv": for_file(result.flows),
        "totals.csv": for_file(result.totals, people=QUANTILES).rename_axis("metric").reset_index(),
    }


def _zones_layer(result: ScenarioResult, per_zone: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the zones with their per-zone columns, as zones.gpkg holds them."""
    own = [c for c in result.zones.columns if c != "zone_id"]
    gpkg = result.zones.merge(per_zone.drop(columns=own, errors="ignore"), on="zone_id")
    return for_file(gpkg, people=("capacity_given",))  # a number, not text


def _write_map(result: ScenarioResult, path: Path) -> None:
    """Draw the result's map (:func:`safezones.viz.maps.result_map`) to a PNG at 150 dpi."""
    import matplotlib.pyplot as plt

    from safezones.viz.maps import result_map

    fig, _ = result_map(result)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def write_folder(result: ScenarioResult, directory: str | Path, *, map_png: bool = True) -> Path:
    """Write summary.json, per_zone.csv, per_origin.csv, flows.csv, zones.gpkg, map.png.

    People are written as whole numbers, weighted event counts with one
    decimal; ``columns.csv`` says what every column of the tables and of
    ``zones.gpkg`` is (unit, meaning); ``result/`` holds the lossless copy
    that :func:`safezones.export.store.read_result` reads back.

    The folder is written whole or not at all: files go to a temporary
    folder beside it, which then replaces it. It must be new, empty or an
    earlier safezones output; anything else is refused
    (:func:`safezones.io.atomic.check_output_dir`), and of an earlier output only
    the files safezones wrote are removed.

    Parameters
    ----------
    result
        The scored scenario.
    directory
        The folder to write.
    map_png
        Draw ``map.png`` too.

    Returns
    -------
    pathlib.Path
        ``directory``.
    """
    out = Path(directory)
    with atomic_dir(out, command="run") as tmp:
        (tmp / "summary.json").write_text(
            json.dumps(summary(result), indent=2, default=str) + "\n", encoding="utf-8"
        )
        tables = _tables(result)
        for fname, table in tables.items():  # formula-like text gets a leading quote
            csv_frame(table).to_csv(tmp / fname, index=False, float_format="%.10g")
        gpkg = _zones_layer(result, tables["per_zone.csv"])
        gpkg.to_file(tmp / "zones.gpkg", layer="zones", driver="GPKG")
        described = {f: list(t.columns) for f, t in tables.items()}
        described["zones.gpkg"] = [c for c in gpkg.columns if c != "geometry"] + ["geom"]
        describe(described).to_csv(tmp / "columns.csv", index=False)
        write_result(result, tmp)  # result/: lossless tables for from_file and memo --from
        if map_png:
            _write_map(result, tmp / "map.png")
    return out
