"""Memo-quality maps: a zone layer, a scored scenario, scenarios side by side, residents.

Plotting functions take an optional ``ax`` and return ``(fig, ax)``. Each map
carries a source line naming every dataset shown with its licence or
attribution, and the usual boundaries disclaimer. Text is drawn literally
(mathtext off): a ``$`` in a title, a zone name or a file name is a dollar sign.
Populations use ColorBrewer's ``YlGnBu``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from safezones import data
from safezones._text import literal_text, people
from safezones.crs import to_metric
from safezones.errors import SafeZonesError
from safezones.schema import window_bounds
from safezones.viz.basemap import (
    base_layers,
    draw_base,
    fit_view,
    locator_map,
    map_figure,
    no_axis_labels,
    north_arrow,
    plot_frame,
    scale_bar,
    syria_view,
)
from safezones.viz.control import (
    control_note,
    control_polygons,
    deaths_text,
    has_control,
    zone_flags,
)
from safezones.viz.format import (
    A4_WIDTH_IN,
    DISCLAIMER,
    KIND_COLOURS,
    PROJECTION_NOTE,
    as_results,
    check_choice,
    fit_width,
    metric_label,
    result_sources,
    source_note,
    window_label,
)
from safezones.viz.layers import (
    MAP_LAYERS,
    Labels,
    check_layers,
    draw_map,
    draw_population,
    label_zones,
    place_context_labels,
)

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult

__all__ = [
    "compare_maps",
    "residents_map",
    "result_map",
    "scenario_map",
    "zones_map",
]


@literal_text
def zones_map(
    zones: gpd.GeoDataFrame,
    *,
    events: gpd.GeoDataFrame | None = None,
    seed_events: gpd.GeoDataFrame | None = None,
    values: pd.Series | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    layers: Sequence[str] = MAP_LAYERS,
    events_style: str = "points",
    events_label: str = "Events",
    sources: Iterable[str] = (),
    note: str | None = None,
    width: float = A4_WIDTH_IN,
    extent: str = "syria",
    control: Any = None,
) -> tuple[Figure, Axes]:
    """Syria with its neighbours and governorates, the zones, events and seed strikes.

    Parameters
    ----------
    zones
        Zones (e.g. from :func:`safezones.zone_set`), coloured by ``kind``
        and labelled by ``name`` (or ``zone_id``). May be empty.
    events
        Optional event points with ``deaths_total`` (e.g. UCDP GED).
    seed_events
        Optional highlighted points, e.g. ``data.seed_facts().events``.
    values
        Optional text per zone (index-aligned) added to its label, e.g.
        residents.
    ax
        Axes to draw on; a new A4-wide figure otherwise.
    title, subtitle
        Heading of the figure (on a given ``ax``, the title only).
    layers
        Which of :data:`MAP_LAYERS` to draw.
    events_style
        ``"points"`` (area proportional to deaths), ``"hexbin"`` (deaths per
        20 km hexagon, in classes) or ``"density"`` (deaths per 1,000 km²,
        smoothed over 12 km).
    events_label
        Legend label of the events.
    sources
        Further layers the figure's numbers come from (names as in
        ``data.provenance()``, or free text for a user's file), added to the
        source line.
    note
        Further text for the source line, e.g. the scenario's citation.
    width
        Width of a new figure in inches: A4 (8.27) by default; 7.09 fits A4
        with 15 mm margins at 100 %.
    extent
        ``"syria"`` (the whole country) or ``"zones"``: the zones with room
        around them, at least 150 km wide, at the same aspect.
    control
        Who holds the ground, drawn under the zones: a control surface or
        polygons with an ``actor`` column (see :func:`~safezones.viz.layers.control_layer`);
        say where it comes from in ``note``.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)

    Examples
    --------
    >>> import safezones as sz
    >>> fig, ax = zones_map(sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15)))
    >>> ax.get_aspect(), float(round(fig.get_figwidth(), 2))
    (1.0, 8.27)
    """
    layers = check_layers(layers, events_style)
    shown = ["countries", "borders", "governorates"] if "governorates" in layers else ["countries"]
    if "events" in layers and events is not None and len(events):
        shown.append("events")
    if "seed_events" in layers and seed_events is not None and len(seed_events):
        shown.append("seed_facts")
    shown.extend(sources)
    text = " ".join([source_note(shown), *([note] if note else []), DISCLAIMER, PROJECTION_NOTE])
    check_choice("extent", extent, ("syria", "zones"))
    view = syria_view()
    if extent == "zones" and len(zones):
        view = fit_view(to_metric(zones, what="zones").total_bounds, view, min_km=150.0)
    if ax is None:
        fig, ax = map_figure(
            view,
            title=title or None,
            subtitle=subtitle or None,
            note=text,
            width=width,
        )
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
        ax_w = ax.get_position().width * fig.get_figwidth()
        if title:
            ax.set_title(fit_width(fig, title, ax_w, fontsize=10), fontsize=10, loc="left")
        ax.text(
            0.0,
            -0.01,
            fit_width(fig, text, ax_w, fontsize=6),
            transform=ax.transAxes,
            fontsize=6,
            va="top",
            ha="left",
            color="#404040",
        )
    draw_map(
        ax,
        zones=zones,
        zone_labels=values,
        events=events,
        seed_events=seed_events,
        layers=layers,
        events_style=events_style,
        events_label=events_label,
        view=view,
        control=control,
    )
    return fig, ax


def _seed_in_window(window: Mapping[str, Any]) -> gpd.GeoDataFrame | None:
    seed = data.seed_facts().events
    lo, hi = window_bounds(window["start"], window["end"])
    keep = np.ones(len(seed), dtype=bool)
    if lo is not None:
        keep &= (seed["date"] >= lo).to_numpy()
    if hi is not None:
        keep &= (seed["date"] <= hi).to_numpy()
    return seed[keep] if keep.any() else None


def _split_label(pz: pd.DataFrame, z: str) -> str:
    """Return a zone label's second line: arrivals, displaced within, upper bound (P50)."""
    if "arrivals_p50" not in pz.columns:
        return ""
    line = (f"\n{people(pz.loc[z, 'arrivals_p50'])} arrive, "
            f"{people(pz.loc[z, 'displaced_within_p50'])} within")  # fmt: skip
    if "sheltered_optimal_p50" in pz.columns:
        line += f"; up to {people(pz.loc[z, 'sheltered_optimal_p50'])}"
    return line


def _zone_labels(result: ScenarioResult, *, flags: bool = False) -> pd.Series:
    pz = result.per_zone.set_index("zone_id")
    out = pd.Series(
        [
            f"sheltered {people(pz.loc[z, 'sheltered_p50'])} "
            f"({people(pz.loc[z, 'sheltered_p5'])} to {people(pz.loc[z, 'sheltered_p95'])})"
            + _split_label(pz, z)
            for z in result.zones["zone_id"]
        ],
        index=result.zones.index,
        dtype=object,
    )
    if flags:  # a zone holding ground of its own threat actors says so under its numbers
        words = zone_flags(result)
        out = out.where(words == "", out + "\n" + words)
    return out


def _control(result: ScenarioResult, control: bool | None) -> Any:
    """Return the polygons to draw (None: none), refusing ``control=True`` without any."""
    if control is False or (control is None and not has_control(result)):
        return None
    polys = control_polygons(result)
    if polys is None and control:
        raise SafeZonesError(
            "this result carries no control surface to draw"
            + (
                " (its control layer is a user's file the result does not carry)"
                if has_control(result)
                else " (its provenance has no 'control'): run it again with a [control] section"
            )
            + "; or draw it with control=False"
        )
    return polys


def _headline(result: ScenarioResult) -> tuple[str, str]:
    tot = result.totals
    prov = result.provenance
    title = (
        f"{result.scenario.title}: {people(tot.loc['sheltered', 'p50'])} of "
        f"{people(tot.loc['displaced', 'p50'])} displaced people sheltered"
    )
    arrivals = (f"{people(tot.loc['arrivals', 'p50'])} of them arrivals, the rest displaced "
                "within the zones; " if "arrivals" in tot.index else "")  # fmt: skip
    subtitle = (
        f"{arrivals}P50 (P5 to P95 in labels) over {prov['draws']} Monte Carlo draws, seed {prov['seed']}; "
        f"{prov['allocation']} allocation{_upper_bound(tot)}; strikes "
        f"{window_label(prov['window'])}."
    )
    return title, subtitle


def _upper_bound(tot: pd.DataFrame) -> str:
    """Return " (upper bound: N)" when the totals carry the optimal allocation, else ""."""
    if "sheltered_optimal" not in tot.index:
        return ""
    return f" (upper bound: {people(tot.loc['sheltered_optimal', 'p50'])})"


@literal_text
def scenario_map(
    result: ScenarioResult,
    *,
    ax: Axes | None = None,
    layers: Sequence[str] = MAP_LAYERS,
    events_style: str = "points",
    title: str | None = None,
    width: float = A4_WIDTH_IN,
    control: bool | None = None,
) -> tuple[Figure, Axes]:
    """Draw the memo map of a scored scenario.

    Neighbours in grey with their names, Syria's outline, governorate lines
    and names, the zones coloured by kind and labelled with people sheltered
    (P50, P5 to P95), the scenario's strike events (sized by deaths, or
    binned), the seed article's Raqqa strikes when they fall in the window,
    a scale bar in km, a north arrow, a legend, a locator map, and a source
    line naming every dataset with its licence plus the boundaries
    disclaimer. With control, who held the ground at the result's snapshot
    is drawn under the zones (outlined then), and a zone holding ground of
    one of its own threat actors says so in its label ("86 % of people on
    government-held ground").

    Parameters
    ----------
    result
        A :class:`safezones.scenario.ScenarioResult`.
    ax
        Axes to draw on; a new A4-wide figure otherwise.
    layers
        Which of :data:`MAP_LAYERS` to draw.
    events_style
        One of :data:`EVENTS_STYLES`.
    title
        Heading; by default the scenario's title and its headline number.
    width
        Width of a new figure in inches (A4 by default).
    control
        Draw who holds the ground and flag the zones holding their threat
        actors' ground; by default when the result carries a control surface
        (``result.provenance["control"]``). True without one is an error.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)

    Examples
    --------
    >>> from safezones.scenario import run
    >>> r = run("scenarios/aleppo-freeze.toml", draws=1)  # doctest: +SKIP
    >>> fig, ax = scenario_map(r, events_style="hexbin")  # doctest: +SKIP
    >>> save_figure(fig, "aleppo.pdf")  # doctest: +SKIP
    """
    head, sub = _headline(result)
    prov = result.provenance
    polys = _control(result, control)
    note = (
        f"Scenario: {result.scenario.source.citation}. Model: safezones {prov.get('safezones_version', '')}"
        ", see the scenario's summary.json for every parameter."
    )
    sources = [s for s in result_sources(result) if s != "events"]
    if polys is not None:  # the control layer's own sentence, with its snapshot
        note = f"{control_note(result)} {note}"
        sources = [s for s in sources if s != "control" and not s.startswith("control:")]
    return zones_map(
        result.zones,
        events=result.events,
        seed_events=_seed_in_window(prov["window"]),
        values=_zone_labels(result, flags=polys is not None),
        ax=ax,
        title=title or head,
        subtitle=None if title else sub,
        layers=layers,
        events_style=events_style,
        events_label=f"UCDP events {window_label(prov['window'])}"
        if result.scenario.events.source == "bundled"
        else f"Events {window_label(prov['window'])}",
        sources=sources,
        note=note,
        width=width,
        control=polys,
    )


@literal_text
def result_map(
    result: ScenarioResult, *, ax: Axes | None = None, **kwargs: Any
) -> tuple[Figure, Axes]:
    """Draw the map written by ``ScenarioResult.to_file``: :func:`scenario_map` (with control when carried)."""
    return scenario_map(result, ax=ax, **kwargs)


@literal_text
def compare_maps(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
    *,
    metric: str = "sheltered",
    ncols: int | None = None,
    events: bool = True,
    title: str | None = None,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, np.ndarray]:
    """Small multiples: one map per scenario, zones filled by a per-zone metric.

    Every panel shares one colour scale (the metric's P50 per zone, people)
    and one legend, so panels compare at a glance.

    Parameters
    ----------
    results
        ScenarioResults (a sequence, or a mapping of label to result).
    metric
        Per-zone metric to fill zones with: ``sheltered``,
        ``residents_protected``, ``capacity``, ``sheltered_safe`` or
        ``deaths_averted`` (deaths per year) (its P50).
    ncols
        Panels per row; by default 2, or 3 for more than four scenarios.
    events
        Draw each scenario's events (points sized by deaths).
    title
        Heading of the figure.
    width
        Width of the figure in inches (A4 by default).

    Returns
    -------
    (matplotlib.figure.Figure, numpy array of Axes)
    """
    results = as_results(results)
    check_choice(
        "metric",
        metric,
        ("sheltered", "residents_protected", "capacity", "sheltered_safe", "deaths_averted"),
    )
    lacking = [r.scenario.id for r in results
               if f"{metric}_p50" not in r.per_zone.columns or metric not in r.totals.index]  # fmt: skip
    if lacking:
        raise SafeZonesError(
            f"the per-zone tables of {', '.join(map(repr, lacking))} have no {metric}_p50: "
            "run them again with this version of safezones"
        )
    num = deaths_text if metric == "deaths_averted" else people
    unit = "" if metric == "deaths_averted" else "people "
    if ncols is None:
        ncols = 2 if len(results) <= 4 else 3
    if ncols < 1:
        raise SafeZonesError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, len(results))
    nrows = math.ceil(len(results) / ncols)
    view = syria_view()
    vw, vh = view[2] - view[0], view[3] - view[1]
    layers = ["countries", "borders", "governorates"]
    for r in results:
        layers += result_sources(r)
    if any(_seed_in_window(r.provenance["window"]) is not None for r in results):
        layers.append("seed_facts")
    citations = "; ".join(
        dict.fromkeys(f"{r.scenario.id}: {r.scenario.source.citation}" for r in results)
    )
    margin, gap = 0.3, 0.12
    fig = plt.figure(figsize=(width, 1.0))  # its height follows from the wrapped note
    note = fit_width(
        fig,
        f"{source_note(layers)} Scenarios: {citations}. Labels: P50 per zone; headings: total, "
        f"P50 (P5 to P95). {DISCLAIMER} {PROJECTION_NOTE}",
        width - 2 * margin,
        fontsize=6,
    )
    pw = (width - 2 * margin - gap * (ncols - 1)) / ncols
    ph = pw * vh / vw
    head = 0.2 + 0.13 * (2 if ncols > 2 else 1)
    title_h = 0.45 if title else 0.1
    note_h = 0.15 + (note.count("\n") + 1) * 6 * 1.3 / 72
    legend_h = 1.0
    height = title_h + nrows * (ph + head) + legend_h + note_h
    fig.set_size_inches(width, height)
    values = [r.per_zone.set_index("zone_id")[f"{metric}_p50"] for r in results]
    vmax = max([float(v.max()) for v in values if len(v)] + [1.0])
    norm = Normalize(0, vmax)
    cmap = mpl.colormaps["YlGnBu"]
    axes = np.empty((nrows, ncols), dtype=object)
    handles: dict[str, Any] = {}
    for i, r in enumerate(results):
        row, col = divmod(i, ncols)
        left = margin + col * (pw + gap)
        bottom = height - title_h - (row + 1) * (ph + head)
        ax = fig.add_axes((left / width, bottom / height, pw / width, ph / height))
        axes[row, col] = ax
        fill = values[i].reindex(r.zones["zone_id"]).set_axis(r.zones.index)
        labels = pd.Series([num(v) for v in fill], index=fill.index, dtype=object)
        hs = draw_map(
            ax,
            zones=r.zones.assign(name=r.zones["zone_id"]),
            zone_labels=labels,
            events=r.events if events else None,
            seed_events=_seed_in_window(r.provenance["window"]),
            layers=MAP_LAYERS if events else tuple(x for x in MAP_LAYERS if x != "events"),
            events_style="points",
            events_label="events",
            view=view,
            small=True,
            zone_fill=(fill, norm, cmap),
            legend=False,
            inset=False,
        )
        for h in hs:
            if "none recorded" not in h.get_label():
                handles.setdefault(h.get_label(), h)
        tot = r.totals
        fontsize = 7.5 if ncols <= 2 else 6.8
        ax.set_title(
            fit_width(
                fig,
                f"{r.scenario.title}: {num(tot.loc[metric, 'p50'])} "
                f"({num(tot.loc[metric, 'p5'])} to {num(tot.loc[metric, 'p95'])})",
                pw,
                fontsize=fontsize,
            ),
            fontsize=fontsize,
            loc="left",
            pad=3,
        )
    for j in range(len(results), nrows * ncols):
        row, col = divmod(j, ncols)
        axes[row, col] = None
    if title:
        fig.text(margin / width, 1 - 0.1 / height, title, fontsize=11, fontweight="bold", va="top")
    cax = fig.add_axes((margin / width, (note_h + legend_h - 0.45) / height, 0.36, 0.13 / height))
    cb = fig.colorbar(
        mpl.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal"
    )
    cax.set_label("colour scale")
    cb.set_label(f"{unit}{metric_label(metric)} per zone (P50)", fontsize=7)
    cb.ax.tick_params(labelsize=6.5)
    cb.ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: num(v)))
    cb.ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5))
    fig.legend(
        handles=list(handles.values()),
        loc="upper left",
        bbox_to_anchor=(0.47, (note_h + legend_h - 0.15) / height),
        fontsize=6.5,
        ncols=2,
        frameon=False,
    )
    fig.text(margin / width, (note_h - 0.05) / height, note, fontsize=6, va="top", color="#404040")
    return fig, axes


def _reach_km(result: ScenarioResult) -> float:
    from safezones.model.shelter import straight_reach_km

    sh = result.scenario.shelter
    return straight_reach_km(sh.max_travel_km, sh.detour_factor)


@literal_text
def residents_map(
    result: ScenarioResult,
    *,
    ax: Axes | None = None,
    near_km: float | None = None,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """Draw population density in and near the zones (choropleth of the population layer).

    Cells within ``near_km`` (straight line) of a zone are coloured by people
    per km² (everyone living there before displacement, central estimate, log
    classes); the rest of Syria is left pale. Zones are outlined by kind and
    labelled with their population (everyone living in the zone, P50, P5 to
    P95) and their residents protected (those of them not displaced, P50);
    the subtitle gives both for all zones together (overlaps counted once).

    Parameters
    ----------
    result
        A :class:`safezones.scenario.ScenarioResult`.
    ax
        Axes to draw on; a new A4-wide figure otherwise.
    near_km
        How far around the zones to colour; by default the scenario's reach,
        ``max_travel_km / detour_factor``.
    width
        Width of a new figure in inches (A4 by default).

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    near = _reach_km(result) if near_km is None else float(near_km)
    if not (np.isfinite(near) and near >= 0):
        raise SafeZonesError(f"near_km must be a distance of 0 km or more, got {near_km!r}")
    if result.population_cells is None:
        raise SafeZonesError(
            "this result carries no population cells (a result read back from a folder): "
            "run the scenario again to draw its residents"
        )
    pm = to_metric(result.population_cells, what="population")
    pop_source = next(
        (s["source"] for s in result.provenance["sources"] if s["layer"] == "population"), ""
    )
    zm = to_metric(result.zones, what="zones")
    syria = base_layers()[0].geometry.iloc[0]
    reach = (
        shapely.intersection(
            shapely.buffer(shapely.union_all(zm.geometry.values), near * 1000), syria
        )
        if len(zm)
        else None
    )
    pz = result.per_zone.set_index("zone_id")
    labels = pd.Series(
        [
            f"population {people(pz.loc[z, 'population_p50'])} "
            f"({people(pz.loc[z, 'population_p5'])} to {people(pz.loc[z, 'population_p95'])})"
            f"\nresidents protected {people(pz.loc[z, 'residents_protected_p50'])}"
            for z in result.zones["zone_id"]
        ],
        index=result.zones.index,
        dtype=object,
    )
    view = syria_view() if reach is None else fit_view(reach.bounds, syria_view())
    bundled = result.scenario.population.source == "bundled"
    sources = [
        "countries",
        "borders",
        "governorates",
        "population_grid" if bundled else f"population: {pop_source}",
    ]
    title = f"{result.scenario.title}: people living in and within {near:.0f} km of the zones"
    pop_t = np.asarray(result.detail.get("population_total", np.zeros(0)), dtype=float)
    lo, mid, hi = np.percentile(pop_t, [5, 50, 95]) if len(pop_t) else (0.0, 0.0, 0.0)
    prot = result.totals.loc["residents_protected"]
    basis = "pre-war population grid" if bundled else "population layer"
    sub = (
        f"Population of the zones (everyone living there, {basis}): {people(mid)} "
        f"(P5 to P95: {people(lo)} to {people(hi)}); residents protected (not displaced): "
        f"{people(prot['p50'])} ({people(prot['p5'])} to {people(prot['p95'])}). "
        "Colours: people per km² before displacement (central estimate)."
    )
    text = " ".join([source_note(sources), DISCLAIMER, PROJECTION_NOTE])
    if ax is None:
        fig, ax = map_figure(
            view,
            title=title,
            subtitle=sub,
            note=text,
            width=width,
        )
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
        ax_w = ax.get_position().width * fig.get_figwidth()
        ax.set_title(fit_width(fig, title, ax_w, fontsize=10), fontsize=10, loc="left")
    draw_base(ax, view, True, True)
    classes = draw_population(ax, pm, reach)
    if reach is not None:
        plot_frame(
            gpd.GeoSeries([reach], crs=zm.crs).boundary,
            ax,
            color="#606060",
            linewidth=0.6,
            linestyle="--",
            zorder=4,
        )
    handles: list[Any] = []
    for kind, colour in KIND_COLOURS.items():
        part = zm[zm["kind"] == kind] if len(zm) else zm
        if len(part):
            plot_frame(part.boundary, ax, color=colour, linewidth=1.6, zorder=5)
            handles.append(
                Patch(facecolor="none", edgecolor=colour, linewidth=1.6, label=f"{kind} zone")
            )
    if reach is not None:
        handles.append(
            Line2D(
                [],
                [],
                color="#606060",
                linestyle="--",
                linewidth=0.8,
                label=f"{near:.0f} km from a zone (reach)",
            )
        )
    handles += classes
    reserved = [
        scale_bar(ax),
        north_arrow(ax),
        locator_map(ax, view),
        ax.legend(handles=handles, loc="lower right", fontsize=6.5, framealpha=0.92),
    ]
    lab = Labels(ax)
    for a in reserved:
        lab.reserve(a)
    label_zones(lab, zm, labels, fontsize=7.5)
    place_context_labels(lab, view, True, True)
    no_axis_labels(ax)
    return fig, ax
