"""Scenarios: a validated TOML file -> :func:`run` -> a frozen :class:`ScenarioResult`.

A scenario file lists its zones as ``[[zones]]`` tables, each with an ``id``
and a ``kind`` (``refuge``, ``freeze`` or ``safe``), and optional sections
``population``, ``events``, ``demand``, ``shelter`` and ``uncertainty`` whose
defaults are the documented constants of :mod:`safezones.defaults`. A misspelt key is
an error that names the key and suggests the right one. The format is
:mod:`safezones.config.scenario` (re-exported here: :class:`Scenario`, the ``*Spec``
sections, :func:`apply_overrides`); this module runs scenarios.

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

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from safezones._version import __version__
from safezones.config.keys import apply_overrides as apply_overrides
from safezones.config.scenario import DemandSpec as DemandSpec
from safezones.config.scenario import EventsSpec as EventsSpec
from safezones.config.scenario import FreezeZoneSpec as FreezeZoneSpec
from safezones.config.scenario import PopulationSpec as PopulationSpec
from safezones.config.scenario import ProtectionSpec as ProtectionSpec
from safezones.config.scenario import RefugeZoneSpec as RefugeZoneSpec
from safezones.config.scenario import SafeZoneSpec as SafeZoneSpec
from safezones.config.scenario import Scenario
from safezones.config.scenario import ShelterSpec as ShelterSpec
from safezones.config.scenario import SourceSpec as SourceSpec
from safezones.config.scenario import UncertaintySection as UncertaintySection
from safezones.engine import shared as shared_engine
from safezones.errors import SafeZonesError
from safezones.model import score
from safezones.model.comparison import comparison_table as comparison_table
from safezones.model.metrics import METRICS, QUANTILES
from safezones.model.prepare import Prepared
from safezones.model.result import ScenarioResult
from safezones.model.tables import (
    capacity_rules,
    flows_table,
    per_origin_table,
    per_zone_table,
)
from safezones.model.uncertainty import summarise

__all__ = [
    "METRICS",
    "Scenario",
    "ScenarioResult",
    "apply_overrides",
    "compare",
    "comparison_table",
    "control_provenance",
    "run",
    "write_comparison",
    "zone_specs",
]

if TYPE_CHECKING:
    from safezones.export.comparison import comparison_markdown as comparison_markdown
    from safezones.export.comparison import write_comparison

#: Names this module re-exports from above it (export/), imported when first used.
_FROM_EXPORT = ("comparison_markdown", "write_comparison")


def __getattr__(name: str) -> Any:
    """Return the writers of compared results, kept importable from here (a lazy re-export)."""
    if name in _FROM_EXPORT:
        from safezones.export import comparison

        return getattr(comparison, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def result_of(sc: Scenario, prep: Prepared, sd: score.Scored, *, seed: int) -> ScenarioResult:
    """Return the result of scored draws: totals, samples, tables and provenance.

    The provenance records who holds the ground (``control``: source, snapshot,
    label, note, max_distance_km, exclude_held_by; only when the preparation has
    a control surface) and whose violence the zones guard against (``threat``:
    actors, each zone's protection against each of them, and its reason).
    """
    n_draws = len(sd.samples)
    samples = pd.DataFrame(sd.samples, columns=list(METRICS))
    samples.index.name = "draw"
    totals = pd.DataFrame(summarise(sd.samples), index=list(METRICS), columns=list(QUANTILES))
    detail = {"displaced": sd.displaced, "flows": sd.flows_o, "capacity": sd.cap,
              "sheltered": sd.sheltered, "arrivals": sd.arrivals,
              "displaced_within": sd.within,
              "sheltered_gravity": sd.by_allocation["gravity"],
              "sheltered_optimal": sd.by_allocation["optimal"], "binding": sd.binding,
              "outside": sd.outside, "safety": sd.safe, "population": sd.population,
              "residents_protected": sd.residents, "population_total": sd.population_total,
              "deaths_averted": sd.deaths_averted}  # fmt: skip
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
        "safezones_version": __version__,
        "groups": len(prep.groups.origin),
        "cells": prep.n_cells,
        **control_provenance(sc, prep),
    }
    un, sh = sc.uncertainty, sc.shelter
    per_zone = per_zone_table(
        prep,
        sd.safe,
        sd.population,
        sd.residents,
        sd.cap,
        sd.sheltered,
        sheltered_by={"arrivals": sd.arrivals, "displaced_within": sd.within,
                      **{f"sheltered_{k}": v for k, v in sd.by_allocation.items()}},
        binding=sd.binding,
        capacity_rule=capacity_rules(
            prep.zones["area_km2"].to_numpy(dtype=float), list(prep.zones["capacity_given"]),
            usable_fraction=sh.usable_fraction, site_area_m2=sh.site_area_per_person_m2,
            usable_range=un.usable_fraction_range if un.structural else None,
            site_range=(un.site_area_low_m2, un.site_area_high_m2),
        ),
        deaths_averted=sd.deaths_averted,
        needs_spec=sc.needs,
    )  # fmt: skip
    surface = prep.surface
    return ScenarioResult(
        scenario=sc,
        zones=prep.zones,
        per_zone=per_zone,
        per_origin=per_origin_table(sc, prep, sd.displaced, sd.flows_o, sd.destinations),
        flows=flows_table(prep, sd.flows_o, sd.travel_km, sd.changes),
        totals=totals,
        samples=samples,
        provenance=provenance,
        events=prep.events,
        detail=detail,
        population_cells=prep.cells,
        # a user's control layer, for maps (the bundled one they rebuild from the data)
        control_polygons=None
        if surface is None or sc.control.source == "bundled"
        else surface.polygons(),
        inputs=None if sd.draws is None else pd.DataFrame(sd.draws.table()).rename_axis("draw"),
    )


def zone_specs(sc: Scenario, zone_ids: Sequence[str]) -> list[int]:
    """Return, for each zone of a result, the index of the scenario's zone it was built from.

    A zone's id is its spec's, or ``<spec id>-<part>`` for a safe zone split
    into features (the longest spec id that prefixes it wins).

    Examples
    --------
    >>> sc = Scenario.from_dict({"id": "x", "title": "x", "source": {"citation": "c"},
    ...     "zones": [{"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 5},
    ...               {"id": "a-b", "kind": "freeze", "place": "Homs", "radius_km": 5}]})
    >>> zone_specs(sc, ["a", "a-b", "a-b-2", "a-c"])
    [0, 1, 1, 0]
    """
    ids = [z.id for z in sc.zones]
    out = []
    for zid in zone_ids:
        hits = [k for k, i in enumerate(ids) if zid == i or zid.startswith(f"{i}-")]
        if not hits:
            raise SafeZonesError(f"zone {zid!r} comes from none of the scenario's zones")
        out.append(max(hits, key=lambda k: len(ids[k])))
    return out


def control_provenance(sc: Scenario, prep: Prepared) -> dict[str, Any]:
    """Return the ``control`` and ``threat`` entries of a result's provenance (plain values).

    ``control`` (only with a control surface): ``source``, ``snapshot``,
    ``label``, ``note`` (why this snapshot, when the window has none of its
    own), ``max_distance_km``, ``exclude_held_by``. ``threat``: ``actors``,
    ``protection`` (zone id to the protection against each threat actor) and
    ``protection_source`` (zone id to its reason).
    """
    from safezones.model.threat import protection_by_actor

    out: dict[str, Any] = {}
    surface = prep.surface
    if surface is not None:
        out["control"] = {
            "source": sc.control.source,
            "snapshot": surface.snapshot,
            "label": surface.label,
            "note": prep.control_note or surface.note,
            "max_distance_km": float(sc.control.max_distance_km),
            "exclude_held_by": list(sc.control.exclude_held_by),
        }
    actors = tuple(prep.threat_actors) or sc.threat.names()
    zone_ids = [str(z) for z in prep.zones["zone_id"]]
    by_spec = protection_by_actor(sc.zones, sc.shelter.protection)
    specs = zone_specs(sc, zone_ids)
    reasons = (
        list(prep.protection_source)
        if len(prep.protection_source) == len(zone_ids)
        else [by_spec[k][1] for k in specs]
    )
    out["threat"] = {
        "actors": list(actors),
        "protection": {
            zid: {a: float(by_spec[k][0][a]) for a in actors}
            for zid, k in zip(zone_ids, specs, strict=True)
        },
        "protection_source": dict(zip(zone_ids, reasons, strict=True)),
    }
    return out


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
