"""Maps for exploration and memos.

Plotting functions take an optional ``ax`` and return ``(fig, ax)``. Maps are
drawn in PROJECT_CRS (an equal-area projection centred on Syria, so the scale
bar in km is correct to within 0.07 % anywhere in Syria) and carry a source
line naming every dataset shown with its licence or attribution.

Colours follow the Okabe-Ito palette, which stays distinct for the common
forms of colour blindness.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib_scalebar.scalebar import ScaleBar

from . import data
from .crs import to_metric
from .sources import window_bounds

__all__ = ["KIND_COLOURS", "comparison_chart", "result_map", "source_note", "zones_map"]

#: Zone colours by kind (Okabe-Ito: blue, orange, bluish green).
KIND_COLOURS = {"refuge": "#0072B2", "freeze": "#E69F00", "safe": "#009E73"}
_EVENT_COLOUR = "#3b3b3b"
_SEED_COLOUR = "#D55E00"  # Okabe-Ito vermillion
_LAYER_ATTRIBUTION = {
    "countries": "countries: Natural Earth (public domain)",
    "borders": "borders: derived from Natural Earth",
    "governorates": "governorates: OCHA, UNCS (CC BY-IGO)",
    "population_grid": "population: OCHA / Syrian CBS pre-war table spread with GeoNames "
    "(CC BY 4.0)",
    "places": "places: GeoNames (CC BY 4.0)",
    "events": "events: UCDP GED (CC BY 4.0)",
    "seed_facts": "Raqqa strikes: AFP / SOHR, 2014-11-26",
}
#: Zones smaller than this (m2) get their label beside them, with a leader line.
SMALL_ZONE_M2 = 5_000e6
DISCLAIMER = (
    "The boundaries and names shown and the designations used on this map do not "
    "imply official endorsement or acceptance."
)


def source_note(layers: Iterable[str]) -> str:
    """The source line for a figure showing ``layers`` (names from data.provenance()).

    Examples
    --------
    >>> source_note(["countries", "events"])
    'Sources: countries: Natural Earth (public domain); events: UCDP GED (CC BY 4.0).'
    """
    parts = [_LAYER_ATTRIBUTION[name] for name in dict.fromkeys(layers)]
    return "Sources: " + "; ".join(parts) + "."


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.965, 0.955),
        xytext=(0.965, 0.87),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
    )


def zones_map(
    zones: gpd.GeoDataFrame,
    *,
    events: gpd.GeoDataFrame | None = None,
    seed_events: gpd.GeoDataFrame | None = None,
    values: pd.Series | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    events_label: str = "Events",
    sources: Iterable[str] = (),
    note: str | None = None,
    figsize: tuple[float, float] = (8.27, 7.6),
) -> tuple[Figure, Axes]:
    """Syria with its neighbours and governorates, the zones, events and seed strikes.

    Parameters
    ----------
    zones
        Zones (e.g. from :func:`safezones.zone_set`), coloured by ``kind``
        and labelled by ``name`` (or ``zone_id``).
    events
        Optional event points with ``deaths_total``, drawn with an area
        proportional to deaths.
    seed_events
        Optional highlighted points, e.g. ``data.seed_facts().events``.
    values
        Optional text per zone (index-aligned) added to its label, e.g.
        residents.
    ax
        Axes to draw on; a new A4-wide figure otherwise.
    title, events_label
        Title of the map; legend label of the events.
    sources
        Further bundled layers the figure's numbers come from (names as in
        ``data.provenance()``, e.g. ``"population_grid"`` when ``values`` are
        residents), added to the source line.
    note
        Further text for the source line, e.g. the scenario's citation and the
        model behind the numbers.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)

    Examples
    --------
    >>> import safezones as sz
    >>> fig, ax = zones_map(sz.zone_set(sz.freeze_zone("Aleppo", radius_km=15)))
    >>> ax.get_aspect()
    1.0
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    layers = ["countries", "governorates"]
    countries = to_metric(data.countries())
    syria = countries[countries["iso_a3"] == "SYR"]
    others = countries[countries["iso_a3"] != "SYR"]
    gov = to_metric(data.governorates())
    zm = to_metric(zones, what="zones")

    x0, y0, x1, y1 = syria.total_bounds
    pad = 0.06 * max(x1 - x0, y1 - y0)
    ax.set_facecolor("#dbe9f4")  # sea
    others.plot(ax=ax, color="#e6e6e6", edgecolor="#9a9a9a", linewidth=0.6, zorder=1)
    syria.plot(ax=ax, color="white", edgecolor="none", zorder=1)
    gov.boundary.plot(ax=ax, color="#b0b0b0", linewidth=0.5, zorder=2)
    syria.boundary.plot(ax=ax, color="black", linewidth=1.0, zorder=5)
    xlim, ylim = (x0 - pad, x1 + pad), (y0 - pad, y1 + pad)
    view = shapely.box(xlim[0], ylim[0], xlim[1], ylim[1])
    for _, row in others.iterrows():
        p = row.geometry.intersection(view)
        if p.is_empty or p.area < 4e9:
            continue
        c = p.representative_point()
        ax.text(
            c.x,
            c.y,
            str(row["name"]).upper(),
            ha="center",
            va="center",
            fontsize=8,
            color="#707070",
            zorder=3,
        )
    for _, row in gov.iterrows():
        c = row.geometry.representative_point()
        ax.text(
            c.x,
            c.y,
            str(row["adm1_name"]),
            ha="center",
            va="center",
            fontsize=6,
            color="#8a8a8a",
            zorder=3,
        )

    handles: list[Patch | Line2D] = []
    for kind, colour in KIND_COLOURS.items():
        sel = zm[zm["kind"] == kind] if "kind" in zm.columns else zm.iloc[0:0]
        if len(sel):
            sel.plot(ax=ax, color=colour, alpha=0.45, edgecolor=colour, linewidth=1.0, zorder=4)
            handles.append(
                Patch(facecolor=colour, alpha=0.45, edgecolor=colour, label=f"{kind} zone")
            )
    for idx, row in zm.iterrows():
        c = row.geometry.representative_point()
        label = str(row.get("name", row.get("zone_id", idx)))
        if values is not None and idx in values.index:
            label += f"\n{values.loc[idx]}"
        small = row.geometry.area < SMALL_ZONE_M2
        ax.annotate(
            label,
            xy=(c.x, c.y),
            xytext=(-45, 38) if small else (0, 0),
            textcoords="offset points",
            fontsize=7,
            ha="center",
            va="center",
            zorder=8,
            arrowprops={"arrowstyle": "-", "lw": 0.7} if small else None,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        )

    if events is not None and len(events):
        layers.append("events")
        em = to_metric(events, what="events")
        deaths = (
            pd.to_numeric(em.get("deaths_total", pd.Series(1, index=em.index)), errors="coerce")
            .fillna(0)
            .to_numpy()
        )
        sizes = 1.0 + 2.0 * np.sqrt(np.clip(deaths, 0, None))
        ax.scatter(
            em.geometry.x,
            em.geometry.y,
            s=sizes,
            color=_EVENT_COLOUR,
            alpha=0.35,
            linewidths=0,
            zorder=6,
        )
        for n in (1, 10, 100):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    color=_EVENT_COLOUR,
                    alpha=0.5,
                    markersize=np.sqrt(1.0 + 2.0 * np.sqrt(n)),
                    label=f"{events_label}: {n} death{'s' if n > 1 else ''}",
                )
            )
    if seed_events is not None and len(seed_events):
        layers.append("seed_facts")
        sm = to_metric(seed_events, what="seed events")
        ax.scatter(
            sm.geometry.x,
            sm.geometry.y,
            s=160,
            marker="*",
            color=_SEED_COLOUR,
            edgecolor="black",
            linewidths=0.6,
            zorder=9,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                linestyle="",
                color=_SEED_COLOUR,
                markeredgecolor="black",
                markersize=11,
                label="Raqqa air strikes reported 2014 (AFP/SOHR)",
            )
        )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.add_artist(
        ScaleBar(
            1.0,
            units="m",
            location="lower left",
            length_fraction=0.2,
            box_alpha=0.8,
            font_properties={"size": 8},
        )
    )
    _north_arrow(ax)
    ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=7,
        framealpha=0.9,
        title="Legend",
        title_fontsize=8,
    )
    if title:
        ax.set_title(_wrap(title, 90), fontsize=10, loc="left")
    layers.extend(sources)
    text = (
        source_note(layers) + (f" {note}" if note else "") + " " + DISCLAIMER
        + " Projection: Lambert azimuthal equal-area centred on 35N 38.5E."
    )  # fmt: skip
    ax.text(
        0.0,
        -0.01,
        _wrap(text, 150),
        transform=ax.transAxes,
        fontsize=6,
        va="top",
        ha="left",
        color="#404040",
    )
    return fig, ax


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _millions(v: float) -> str:
    return f"{v / 1e6:.2f} M" if abs(v) >= 1e5 else f"{v:,.0f}"


def result_map(result: Any, *, ax: Axes | None = None) -> tuple[Figure, Axes]:
    """A scenario's zones labelled with people sheltered (P50, P5-P95), events of its window.

    Parameters
    ----------
    result
        A :class:`safezones.scenario.ScenarioResult`.
    ax
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
    """
    pz = result.per_zone.set_index("zone_id")
    zones = result.zones
    labels = pd.Series(
        [
            f"sheltered {_millions(pz.loc[z, 'sheltered_p50'])} "
            f"({_millions(pz.loc[z, 'sheltered_p5'])} to {_millions(pz.loc[z, 'sheltered_p95'])})"
            for z in zones["zone_id"]
        ],
        index=zones.index,
    )
    prov = result.provenance
    bundled = [s["layer"] for s in prov["sources"] if s["layer"] in _LAYER_ATTRIBUTION]
    window = prov["window"]
    tot = result.totals
    title = (
        f"{result.scenario.title}: {_millions(tot.loc['sheltered', 'p50'])} of "
        f"{_millions(tot.loc['displaced', 'p50'])} displaced sheltered (P50; "
        f"{prov['allocation']} allocation)"
    )
    note = (
        f"Scenario: {result.scenario.source.citation}. Labels: P50 (P5 to P95) over "
        f"{prov['draws']} Monte Carlo draws, seed {prov['seed']}; model and assumptions: "
        "safezones (see summary.json)."
    )
    events = result.events
    seed = data.seed_facts().events
    lo, hi = window_bounds(window["start"], window["end"])
    seed = seed[((lo is None) | (seed["date"] >= lo)) & ((hi is None) | (seed["date"] <= hi))]
    return zones_map(
        zones,
        events=events,
        seed_events=seed if len(seed) else None,
        values=labels,
        ax=ax,
        title=title,
        events_label=f"Events {window['start']} to {window['end']}",
        sources=[b for b in bundled if b != "events"],
        note=note,
    )


def comparison_chart(
    table: pd.DataFrame,
    *,
    metric: str = "sheltered",
    ax: Axes | None = None,
    note: str | None = "Source: safezones scenarios (see comparison.md); data: UCDP GED "
    "(CC BY 4.0), OCHA/UNCS (CC BY-IGO), GeoNames (CC BY 4.0), Natural Earth.",
) -> tuple[Figure, Axes]:
    """P5-P95 bars with the P50 marked, one row per scenario.

    Parameters
    ----------
    table
        A comparison table (see :func:`safezones.scenario.compare`) with
        ``scenario`` and ``{metric}_p5``, ``_p50``, ``_p95`` columns.
    metric
        Which metric to show.
    note
        Source line under the chart (only on a new figure).

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": ["a", "b"], "sheltered_p5": [1e6, 2e6],
    ...                   "sheltered_p50": [1.5e6, 2.5e6], "sheltered_p95": [2e6, 3e6],
    ...                   "displaced_p50": [7.6e6, 7.6e6]})
    >>> fig, ax = comparison_chart(t)
    >>> [lab.get_text() for lab in ax.get_yticklabels()]  # bottom to top: largest on top
    ['a', 'b']
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.27, 1.2 + 0.55 * len(table)), layout="constrained")
        if note:
            bottom = 0.35 / fig.get_figheight()  # inches kept free for the note
            fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))  # type: ignore[union-attr, call-arg]
            fig.text(0.01, bottom / 3, note, fontsize=6, color="#404040", ha="left")
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    t = table.sort_values(f"{metric}_p50").reset_index(drop=True)
    y = np.arange(len(t))
    lo, mid, hi = (t[f"{metric}_{q}"].to_numpy(dtype=float) / 1e6 for q in ("p5", "p50", "p95"))
    ax.hlines(y, lo, hi, color=KIND_COLOURS["refuge"], linewidth=6, alpha=0.45,
              label="P5 to P95")  # fmt: skip
    ax.plot(mid, y, "o", color="black", markersize=5, label="P50")
    if "displaced_p50" in t.columns:
        ax.plot(t["displaced_p50"] / 1e6, y, "|", color="#D55E00", markersize=14,
                label="displaced (P50)")  # fmt: skip
    ax.set_yticks(y, t["scenario"].astype(str))
    ax.set_xlabel(f"people {metric.replace('_', ' ')} (millions)")
    ax.set_xlim(left=0)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3, fontsize=7, frameon=False)
    ax.set_title(f"People {metric.replace('_', ' ')} per scenario, P5 to P95", fontsize=10,
                 loc="left")  # fmt: skip
    return fig, ax
