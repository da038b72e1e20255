"""What is drawn on a map's axes: zones, events, seed strikes, control and labels that do not overlap.

Events are binned with the ``magma`` ramp (ordered by lightness) or drawn as
points sized by deaths; zones take the Okabe-Ito colour of their kind; who
holds the ground (:func:`control_layer`) takes the Okabe-Ito colours of
:data:`~safezones.viz.control.CONTROL_COLOURS`, under the zones.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from safezones.crs import to_metric
from safezones.errors import SafeZonesError
from safezones.viz.basemap import (
    base_layers,
    draw_base,
    locator_map,
    no_axis_labels,
    north_arrow,
    plot_frame,
    scale_bar,
)
from safezones.viz.control import control_layer
from safezones.viz.format import (
    KIND_COLOURS,
    SEED_COLOUR,
    check_choice,
)

__all__ = [
    "DENSITY_CLASSES",
    "DENSITY_SIGMA_KM",
    "EVENTS_STYLES",
    "HEX_KM",
    "MAP_LAYERS",
    "POINT_AREA_PER_DEATH",
    "SMALL_ZONE_M2",
    "ZONE_BAND_ALPHA",
    "ZONE_BAND_PT",
    "ZONE_OUTLINE_PT",
    "Labels",
    "check_layers",
    "control_layer",
    "draw_map",
    "draw_population",
    "draw_zones",
    "event_arrays",
    "label_zones",
    "place_context_labels",
]

_EVENT_COLOUR = "#3b3b3b"


_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


#: Layers :func:`scenario_map` can draw, in drawing order.
MAP_LAYERS = ("neighbours", "governorates", "zones", "events", "seed_events")


#: How events can be drawn: one point per event sized by deaths, deaths per
#: hexagon, or a smoothed density of deaths.
EVENTS_STYLES = ("points", "hexbin", "density")


#: Hexagon width (km) of ``events_style="hexbin"``.
HEX_KM = 20.0


#: Gaussian smoothing (km, one standard deviation) of ``events_style="density"``.
DENSITY_SIGMA_KM = 12.0


#: Marker area (pt²) per death of ``events_style="points"``; at least 2 pt².
POINT_AREA_PER_DEATH = 0.6


#: Zones smaller than this (m2) get their label beside them, with a leader line.
SMALL_ZONE_M2 = 5_000e6


# Event death classes of the binned styles (hexbin: deaths per hexagon).
_HEX_CLASSES = (0, 10, 100, 1000)


_DENSITY_LEVELS = (1, 10, 100, 1000)  # deaths per 1,000 km2


def event_arrays(events: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the x, y (PROJECT_CRS) and deaths of each event."""
    em = to_metric(events, what="events")
    pts = shapely.get_coordinates(em.geometry.representative_point())
    deaths = (
        pd.to_numeric(em["deaths_total"], errors="coerce").fillna(0).to_numpy(dtype=float)
        if "deaths_total" in em.columns
        else np.ones(len(em))
    )
    return pts[:, 0], pts[:, 1], np.clip(deaths, 0, None)


def _point_sizes(deaths: np.ndarray) -> np.ndarray:
    return np.maximum(2.0, POINT_AREA_PER_DEATH * deaths)


def _magma(n: int) -> ListedColormap:
    return ListedColormap(mpl.colormaps["magma_r"](np.linspace(0.12, 0.85, n)))


def _draw_events(
    ax: Axes, events: gpd.GeoDataFrame | None, style: str, label: str, *, small: bool = False
) -> list[Any]:
    """Draw events in one of EVENTS_STYLES; return legend handles."""
    if events is None or not len(events):
        return [Line2D([], [], linestyle="", label=f"{label}: none recorded")]
    x, y, deaths = event_arrays(events)
    if style == "points":
        ax.scatter(
            x,
            y,
            s=_point_sizes(deaths) * (0.5 if small else 1.0),
            color=_EVENT_COLOUR,
            alpha=0.35,
            linewidths=0,
            zorder=6,
            rasterized=True,  # thousands of markers: an image inside vector files
        )
        return [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color=_EVENT_COLOUR,
                alpha=0.5,
                markersize=math.sqrt(float(_point_sizes(np.array([n]))[0])),
                label=f"{label}: {n:,} death{'s' if n > 1 else ''}",
            )
            for n in (1, 10, 100)
        ]
    cmap = _magma(len(_HEX_CLASSES))
    if style == "hexbin":
        x0, y0, x1, y1 = base_layers()[0].total_bounds
        nx = max(1, round((x1 - x0) / (HEX_KM * 1000)))
        top = max(float(deaths.max()) + 1, _HEX_CLASSES[-1] + 1)
        norm = BoundaryNorm([*_HEX_CLASSES, top], cmap.N)
        ax.hexbin(
            x,
            y,
            C=deaths,
            reduce_C_function=np.sum,
            gridsize=nx,
            extent=(x0, x1, y0, y1),
            mincnt=1,
            cmap=cmap,
            norm=norm,
            linewidths=0.15,
            edgecolors="white",
            zorder=3,
        )
        bounds = [*_HEX_CLASSES, None]
        return [
            Patch(
                facecolor=cmap(i),
                edgecolor="white",
                label=f"{label}: {lo:,}{f' to {hi - 1:,}' if hi else ' or more'} deaths per "
                f"{HEX_KM:g} km hexagon",
            )
            for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
        ]
    # density: deaths per 1,000 km2, Gaussian-smoothed on a 2 km grid, inside Syria
    from scipy.ndimage import gaussian_filter

    syria = base_layers()[0].geometry.iloc[0]
    x0, y0, x1, y1 = syria.bounds
    step = 2000.0
    xe, ye = np.arange(x0, x1 + step, step), np.arange(y0, y1 + step, step)
    grid, _, _ = np.histogram2d(y, x, bins=(ye, xe), weights=deaths)
    dens = gaussian_filter(grid, DENSITY_SIGMA_KM * 1000 / step, mode="constant")
    dens = dens / (step * step / 1e6) * 1000  # per 1,000 km2
    xc, yc = (xe[:-1] + xe[1:]) / 2, (ye[:-1] + ye[1:]) / 2
    gx, gy = np.meshgrid(xc, yc)
    dens = np.where(shapely.contains_xy(syria, gx, gy), dens, np.nan)
    levels = [
        *_DENSITY_LEVELS,
        max(float(np.nanmax(dens)) if np.isfinite(dens).any() else 0, _DENSITY_LEVELS[-1]) + 1,
    ]
    ax.contourf(
        gx,
        gy,
        dens,
        levels=levels,
        cmap=cmap,
        norm=BoundaryNorm(levels, cmap.N),
        alpha=0.85,
        zorder=3,
    )
    return [
        Patch(
            facecolor=cmap(i),
            label=f"{label}: {lo:,}{f' to {hi:,}' if hi else ' or more'} deaths per 1,000 km²",
        )
        for i, (lo, hi) in enumerate(
            zip(_DENSITY_LEVELS, [*_DENSITY_LEVELS[1:], None], strict=True)
        )
    ]


def _draw_seed(ax: Axes, seed_events: gpd.GeoDataFrame | None, *, small: bool = False) -> list[Any]:
    if seed_events is None or not len(seed_events):
        return []
    sm = to_metric(seed_events, what="seed events")
    pts = shapely.get_coordinates(sm.geometry)
    ax.scatter(
        pts[:, 0],
        pts[:, 1],
        s=70 if small else 160,
        marker="*",
        color=SEED_COLOUR,
        edgecolor="black",
        linewidths=0.6,
        zorder=9,
    )
    dates = (
        sorted({str(pd.Timestamp(d).date()) for d in seed_events["date"]})
        if "date" in seed_events
        else []
    )
    when = f" ({', '.join(dates)})" if dates else ""
    return [
        Line2D(
            [],
            [],
            marker="*",
            linestyle="",
            color=SEED_COLOUR,
            markeredgecolor="black",
            markersize=11,
            label="Raqqa air strikes, AFP/SOHR"
            if small
            else f"Raqqa air strikes reported{when}, AFP/SOHR",
        )
    ]


#: Over the control layer a zone is outlined and banded: a strip of its colour along the
#: inside of its edge, this wide on the page, so that it reads where its edge runs along
#: Syria's border and its ground still shows (assumption: a choice of legibility).
ZONE_BAND_PT = 3.5
#: Opacity of that band, and width of the outline over it (points).
ZONE_BAND_ALPHA = 0.5
ZONE_OUTLINE_PT = 2.2


def _band(ax: Axes, zm: gpd.GeoDataFrame, width_pt: float) -> gpd.GeoSeries:
    """Return the strip ``width_pt`` wide on the page inside each zone's edge (metres)."""
    fig = ax.get_figure()
    x0, x1 = ax.get_xlim()
    page_pt = ax.get_position().width * fig.get_figwidth() * 72  # type: ignore[union-attr]
    width_m = width_pt * abs(x1 - x0) / page_pt
    return zm.geometry.difference(zm.geometry.buffer(-width_m))


def draw_zones(
    ax: Axes,
    zm: gpd.GeoDataFrame,
    *,
    fill: pd.Series | None = None,
    norm: Normalize | None = None,
    cmap: Any = None,
    alpha: float = 0.45,
    band: bool = False,
) -> list[Any]:
    """Draw zones by kind (filled by ``fill`` through ``cmap`` if given); return legend handles.

    ``alpha`` 0 draws outlines only (over binned events, so the classes keep
    their colours); ``band`` adds the band of :data:`ZONE_BAND_PT` inside
    them (over the control layer).
    """
    handles: list[Any] = []
    kinds = zm["kind"] if "kind" in zm.columns else pd.Series("safe", index=zm.index)
    for kind, colour in KIND_COLOURS.items():
        sel = zm[kinds == kind]
        if not len(sel):
            continue
        if fill is not None and cmap is not None and norm is not None:
            plot_frame(
                sel,
                ax,
                color=[cmap(norm(v)) for v in fill.loc[sel.index]],
                edgecolor=colour,
                linewidth=1.4,
                zorder=4,
            )
            handles.append(
                Patch(
                    facecolor="none",
                    edgecolor=colour,
                    linewidth=1.4,
                    label=f"{kind} zone (outline)",
                )
            )
        elif alpha > 0:
            plot_frame(sel, ax, color=colour, alpha=alpha, edgecolor="none", zorder=4)
            plot_frame(sel.boundary, ax, color=colour, linewidth=1.1, zorder=4)
            handles.append(
                Patch(facecolor=colour, alpha=alpha, edgecolor=colour, label=f"{kind} zone")
            )
        elif band:
            ring = _band(ax, sel, ZONE_BAND_PT)
            plot_frame(ring, ax, color=colour, alpha=ZONE_BAND_ALPHA, edgecolor="none", zorder=4)
            plot_frame(sel.boundary, ax, color="white", linewidth=ZONE_OUTLINE_PT + 1.6, zorder=4)
            plot_frame(sel.boundary, ax, color=colour, linewidth=ZONE_OUTLINE_PT, zorder=4)
            handles.append(
                Patch(
                    facecolor=(*to_rgb(colour), ZONE_BAND_ALPHA),
                    edgecolor=colour,
                    linewidth=ZONE_OUTLINE_PT,
                    label=f"{kind} zone",
                )
            )
        else:
            plot_frame(sel.boundary, ax, color="white", linewidth=3.4, zorder=4)
            plot_frame(sel.boundary, ax, color=colour, linewidth=1.8, zorder=4)
            handles.append(
                Patch(facecolor="none", edgecolor=colour, linewidth=1.8, label=f"{kind} zone")
            )
    return handles


def _settle(fig: Figure) -> Any:
    """Run the figure's layout so positions are final; return a renderer for measuring."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


class Labels:
    """Greedy label placement: a label is drawn only where it overlaps nothing placed.

    Higher-priority labels are placed first (zones, then countries, then
    governorates); a label tries its candidate offsets in order and is dropped
    (or, if required, put at its first offset) when all collide.
    """

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.renderer = _settle(ax.get_figure())  # type: ignore[arg-type]
        ax.apply_aspect()
        self.frame = ax.get_window_extent(self.renderer)
        self.boxes: list[Bbox] = []

    def reserve(self, artist: Any) -> None:
        """Keep the space of ``artist`` free of labels."""
        # an artist that cannot measure itself reserves nothing
        with contextlib.suppress(AttributeError, TypeError, RuntimeError):
            self.boxes.append(artist.get_window_extent(self.renderer))

    def _fits(self, box: Bbox) -> bool:
        f = self.frame
        inside = (
            box.x0 >= f.x0 + 2 and box.x1 <= f.x1 - 2 and box.y0 >= f.y0 + 2 and box.y1 <= f.y1 - 2
        )
        return inside and not any(box.overlaps(b) for b in self.boxes)

    def place(
        self,
        text: str,
        xy: tuple[float, float],
        offsets: Sequence[tuple[float, float]],
        *,
        required: bool = False,
        leader: bool = False,
        **style: Any,
    ) -> Text | None:
        """Draw ``text`` at the first of ``offsets`` where it overlaps nothing; return it."""
        first: Text | None = None
        for dx, dy in offsets:
            moved = leader and (dx, dy) != (0, 0)
            t = self.ax.annotate(
                text,
                xy=xy,
                xytext=(dx, dy),
                textcoords="offset points",
                ha="center",
                va="center",
                arrowprops={
                    "arrowstyle": "-",
                    "lw": 0.7,
                    "color": "#202020",
                    "shrinkA": 0,
                    "shrinkB": 1,
                }
                if moved
                else None,
                **style,
            )
            box = t.get_window_extent(self.renderer).padded(2)
            if self._fits(box):
                self.boxes.append(box)
                if first is not None:
                    first.remove()
                return t
            if required and first is None:
                first = t
            else:
                t.remove()
        if first is not None:
            self.boxes.append(first.get_window_extent(self.renderer))
        return first


def _ring_offsets(radii: Sequence[float] = (34, 52, 72, 95)) -> list[tuple[float, float]]:
    angles = (90, 270, 30, 150, 330, 210, 0, 180, 60, 120, 300, 240)
    return [
        (round(r * 1.6 * math.cos(math.radians(a)), 1), round(r * math.sin(math.radians(a)), 1))
        for r in radii
        for a in angles
    ]


def place_context_labels(
    lab: Labels,
    view: tuple[float, float, float, float],
    neighbours: bool,
    governorates: bool,
    *,
    small: bool = False,
) -> None:
    """Label the neighbours and governorates where there is room."""
    _, others, gov = base_layers()
    box = shapely.box(*view)
    if neighbours:
        for _, row in others.iterrows():
            p = row.geometry.intersection(box)
            if p.is_empty or p.area < (15e9 if small else 6e9):
                continue
            c = p.representative_point()
            lab.place(
                str(row["name"]).upper(),
                (c.x, c.y),
                [(0, 0), (0, 14), (0, -14), (25, 0)],
                fontsize=6.5 if small else 8,
                color="#6a6a6a",
                zorder=7,
            )
    if governorates and not small:
        for _, row in gov.iterrows():
            c = row.geometry.representative_point()
            lab.place(
                str(row["adm1_name"]),
                (c.x, c.y),
                [(0, 0), (0, 9), (0, -9)],
                fontsize=6,
                color="#4a4a4a",
                zorder=7,
                path_effects=_HALO,
            )


def label_zones(
    lab: Labels, zm: gpd.GeoDataFrame, labels: pd.Series | None, *, fontsize: float
) -> None:
    """Each zone's name (and text from ``labels``): on a large zone, else beside it."""
    for idx, row in zm.iterrows():
        text = str(row.get("name", row.get("zone_id", idx)))
        if labels is not None and idx in labels.index:
            text += f"\n{labels.loc[idx]}"
        c = row.geometry.representative_point()
        big = row.geometry.area >= SMALL_ZONE_M2
        lab.place(
            text,
            (c.x, c.y),
            ([(0.0, 0.0)] if big else []) + _ring_offsets(),
            required=True,
            leader=True,
            fontsize=fontsize,
            zorder=10,
            bbox={
                "boxstyle": "round,pad=0.25",
                "fc": "white",
                "ec": "#808080",
                "lw": 0.4,
                "alpha": 0.9,
            },
        )


def check_layers(layers: Sequence[str], events_style: str) -> tuple[str, ...]:
    """Return ``layers`` as a tuple; refuse unknown layers and event styles."""
    if isinstance(layers, str):
        layers = (layers,)
    unknown = [x for x in layers if x not in MAP_LAYERS]
    if unknown:
        raise SafeZonesError(
            f"unknown map layer(s) {', '.join(map(repr, unknown))}; choose from {', '.join(MAP_LAYERS)}"
        )
    check_choice("events_style", events_style, EVENTS_STYLES)
    return tuple(layers)


def draw_map(
    ax: Axes,
    *,
    zones: gpd.GeoDataFrame,
    zone_labels: pd.Series | None,
    events: gpd.GeoDataFrame | None,
    seed_events: gpd.GeoDataFrame | None,
    layers: Sequence[str],
    events_style: str,
    events_label: str,
    view: tuple[float, float, float, float],
    small: bool = False,
    zone_fill: tuple[pd.Series, Normalize, Any] | None = None,
    legend: bool = True,
    inset: bool = True,
    control: Any = None,
) -> list[Any]:
    """Draw a whole map on ``ax``: base, zones, events, furniture, labels; return legend handles.

    ``control`` (a control surface or its polygons, see :func:`control_layer`)
    is drawn under the zones, which are then outlined so the ground inside
    them shows; its legend entries come last.
    """
    draw_base(ax, view, "neighbours" in layers, "governorates" in layers)
    handles: list[Any] = []
    zm = to_metric(zones, what="zones") if len(zones) else zones
    held = (
        control_layer(ax, control, title=None if small else "Ground held by:")
        if control is not None
        else []
    )
    if "zones" in layers and len(zm):
        if zone_fill is not None:
            values, norm, cmap = zone_fill
            handles += draw_zones(ax, zm, fill=values.reindex(zm.index), norm=norm, cmap=cmap)
        else:
            filled = events_style == "points" and control is None
            handles += draw_zones(ax, zm, alpha=0.45 if filled else 0.0, band=control is not None)
    if "events" in layers and events is not None:  # None: not given; empty: none recorded
        handles += _draw_events(ax, events, events_style, events_label, small=small)
    if "seed_events" in layers:
        handles += _draw_seed(ax, seed_events, small=small)
    handles += held
    lab_reserved: list[Any] = [scale_bar(ax, size=6 if small else 7.5)]
    if not small:
        lab_reserved.append(north_arrow(ax))
    if inset:
        lab_reserved.append(locator_map(ax, view))
    if legend and handles:
        lab_reserved.append(
            ax.legend(
                handles=handles, loc="lower right", fontsize=6.5, framealpha=0.92, borderpad=0.6
            )
        )
    lab = Labels(ax)
    for artist in lab_reserved:
        lab.reserve(artist)
    if "zones" in layers and len(zm):
        label_zones(lab, zm, zone_labels, fontsize=6 if small else 7.5)
    place_context_labels(lab, view, "neighbours" in layers, "governorates" in layers, small=small)
    no_axis_labels(ax)
    return handles


#: Classes of people per km² of :func:`draw_population` (log steps).
DENSITY_CLASSES = (1, 10, 100, 1000, 10000)


def draw_population(ax: Axes, cells: gpd.GeoDataFrame, reach: Any) -> list[Patch]:
    """Colour the cells that touch ``reach`` by people per km²; return the class legend.

    ``cells`` is a population layer in PROJECT_CRS (polygons, or points drawn
    as dots), its central estimate in ``pop_central``; ``reach`` a shapely
    geometry, or None for no cells.
    """
    pm = cells
    area = (
        pm["area_km2"].to_numpy(dtype=float)
        if "area_km2" in pm.columns
        else shapely.area(pm.geometry.values) / 1e6
    )
    dens = pm["pop_central"].to_numpy(dtype=float) / np.where(area > 0, area, np.nan)
    geoms = pm.geometry.values
    near_mask = (
        shapely.intersects(geoms, reach) if reach is not None else np.zeros(len(pm), dtype=bool)
    )
    bounds = list(DENSITY_CLASSES)
    cmap = ListedColormap(mpl.colormaps["YlGnBu"](np.linspace(0.15, 0.95, len(bounds) + 1)))
    norm = BoundaryNorm(
        [0, *bounds, max(1e5, float(np.nanmax(dens)) + 1) if len(dens) else 1e5], cmap.N
    )
    sel = pm[near_mask & np.isfinite(dens)]
    if len(sel):
        colours = cmap(norm(dens[near_mask & np.isfinite(dens)]))
        if sel.geom_type.isin(["Point", "MultiPoint"]).all():
            xy = shapely.get_coordinates(sel.geometry.values)
            ax.scatter(xy[:, 0], xy[:, 1], c=colours, s=1, linewidths=0, zorder=3)
        else:
            plot_frame(sel, ax, color=colours, edgecolor="none", linewidth=0, zorder=3)
    handles: list[Patch] = []
    edges = [0, *bounds]
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        handles.append(
            Patch(
                facecolor=cmap(i),
                label=f"{lo:,} to {hi:,} people per km²"
                if hi
                else f"{lo:,} or more people per km²",
            )
        )
    return handles
