"""What :func:`safezones.run` returns: a frozen :class:`ScenarioResult` of tables and draws.

The result is data only. Writing it, reading it back and showing it are
lazy one-line delegates into the layers above, as in geopandas:
:meth:`ScenarioResult.to_file`, :meth:`~ScenarioResult.summary` and
:meth:`~ScenarioResult.from_file` into :mod:`safezones.export`;
``repr``, ``_repr_html_`` and :meth:`~ScenarioResult.explore` into
:mod:`safezones.viz.display`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from safezones.config.scenario import Scenario

__all__ = ["ScenarioResult"]


@dataclass(frozen=True, repr=False)
class ScenarioResult:
    """What :func:`safezones.run` returns: tables with P5/P50/P95 and their provenance.

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
        exposure, protection, safety (events, intensity and exposure are the
        threat actors'), and as ``_p5``/``_p50``/``_p95``:
        ``population`` (everyone living in the zone), ``residents_protected``
        (those of them not displaced), capacity, sheltered, sheltered_safe.
        Then, when the run has a control surface: ``actor`` (holding most of
        the zone's people), ``share_area_<actor>`` and
        ``share_population_<actor>`` for the five actors of
        :data:`~safezones.schema.ACTORS` (each set adds up to 1),
        ``area_before_cut_km2`` (before ``control.exclude_held_by``); every
        actor's ``events_weighted_all``, ``deaths_civilians_weighted_all``,
        ``events_per_1000km2_year_all``; ``protection_source`` (the reason of
        the zone's protection); ``deaths_averted_p5``/``_p50``/``_p95``
        (civilian deaths per year). ``columns.csv`` says what each is.
    per_origin
        Per origin unit (district or governorate): population, strike
        intensity, hazard class and rate, displaced, sheltered, unmet.
    flows
        People moving from each origin to each zone (P5/P50/P95), the mean
        travel distance (road km, crossing penalties included),
        ``origin_actor`` and ``zone_actor`` (with a control surface) and
        ``control_changes``, the flow-weighted mean number of changes of
        controlling actor along the straight line.
    totals
        The score: index :data:`~safezones.model.metrics.METRICS`, columns
        ``p5``, ``p50``, ``p95``.
    samples
        The score of every draw (one row per draw), e.g. for sensitivity.
    inputs
        What every draw drew (one row per draw, the rows of ``samples``): the
        population band, rate and national factors, site area, protection shift and,
        with structural draws, usable share, crossing penalty, distance decay, outside
        option, max travel, detour and threshold factors
        (:meth:`~safezones.model.uncertainty.Draws.table`); which of them moves the
        answer: :func:`safezones.sweep.analysis.draw_sensitivity`. None when not kept.
    provenance
        Scenario source, data layers, window, parameters, draws, seed, version;
        ``control`` (source, snapshot, label, note, max_distance_km,
        exclude_held_by; only with a control surface) and ``threat`` (actors,
        ``protection``: zone id to the protection against each threat actor,
        ``protection_source``: zone id to its reason).
    events
        The events of the window that the exposure was counted from.
    detail
        Per-draw arrays (read-only): ``displaced`` (draws, origins), ``flows``
        (draws, origins, zones), ``capacity``, ``sheltered``, ``safety``,
        ``population`` and ``residents_protected`` (draws, zones), and
        ``population_total`` (draws,): everyone living in any zone, overlaps
        counted once; ``deaths_averted`` (draws, zones) when the score has it.
    population_cells
        The population layer the scenario was scored on (cells or units with
        ``pop_low``, ``pop_central``, ``pop_high``), so that maps draw it
        without reading the user's file again; None when not kept.
    control_polygons
        A user's control layer as the scenario used it (``actor``, geometry, one
        row per actor, PROJECT_CRS), so that maps draw it without reading the file
        again; None for the bundled control (maps rebuild it) and when not kept.
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
    population_cells: gpd.GeoDataFrame | None = None
    control_polygons: gpd.GeoDataFrame | None = field(default=None, repr=False)
    inputs: pd.DataFrame | None = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        """Return the ``summary.json`` document (see :func:`safezones.export.folder.summary`)."""
        from safezones.export.folder import summary

        return summary(self)

    def __repr__(self) -> str:
        """Return the plain-text summary (:func:`safezones.viz.display.result_text`)."""
        from safezones.viz.display import result_text

        return result_text(self)

    def _repr_html_(self) -> str:
        """Return the HTML summary beside a small map, for Jupyter."""
        from safezones.viz.display import result_html

        return result_html(self)

    def explore(self, **kwargs: Any) -> Any:
        """Return an interactive map (folium): zones with popups carrying the numbers, and events.

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
        the files safezones wrote are removed. See
        :func:`safezones.export.folder.write_folder`.
        """
        from safezones.export.folder import write_folder

        return write_folder(self, directory, map_png=map_png)

    @classmethod
    def from_file(cls, directory: str | Path, scenario: Scenario | None = None) -> ScenarioResult:
        """Read back a result that :meth:`to_file` wrote (from its ``result/`` folder).

        Tables, zones, events and per-draw arrays come back exactly as they
        were; nothing read can run code (Parquet, JSON and ``.npy``, no
        pickle). ``scenario`` defaults to the values recorded with the result.
        See :func:`safezones.export.reuse.try_reuse` to reuse a result only when it
        was computed as asked.

        Examples
        --------
        >>> r = run("scenarios/aleppo-freeze.toml", draws=20)  # doctest: +SKIP
        >>> back = ScenarioResult.from_file(r.to_file("out/aleppo"))  # doctest: +SKIP
        >>> back.totals.equals(r.totals)  # doctest: +SKIP
        True
        """
        from safezones.export.store import read_result

        return read_result(directory, scenario, cls=cls)
