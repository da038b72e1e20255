"""Memo-quality maps and charts.

Plotting functions take an optional ``ax`` and return ``(fig, ax)``. Maps are
drawn in PROJECT_CRS (a Lambert azimuthal equal-area projection centred on
Syria, so the scale bar in km is correct to within 0.2 % anywhere on the map)
and carry a source line naming every dataset shown with its licence or
attribution, and the usual boundaries disclaimer.

A new figure is A4 wide (8.27 in) with fixed margins, so that labels can be
placed without overlaps before it is saved; :func:`save_figure` writes 300 dpi
PNG, or PDF and SVG with the fonts embedded.

Text is drawn literally (mathtext off): a ``$`` in a title, a zone name or a
file name is a dollar sign.

Colours are safe for the common forms of colour blindness: zones use the
Okabe-Ito palette, binned events the ``magma`` ramp (ordered by lightness) and
populations ColorBrewer's ``YlGnBu``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from matplotlib_scalebar.scalebar import ScaleBar

from safezones import data
from safezones._text import literal_text
from safezones.crs import to_metric
from safezones.errors import SafeZonesError
from safezones.io.sources import window_bounds

__all__ = [
    "DISCLAIMER",
    "EVENTS_STYLES",
    "KIND_COLOURS",
    "MAP_LAYERS",
    "compare_maps",
    "comparison_chart",
    "residents_map",
    "response_chart",
    "result_map",
    "save_figure",
    "scenario_map",
    "sensitivity_chart",
    "sheltered_chart",
    "source_note",
    "zones_map",
]

#: Zone colours by kind (Okabe-Ito: blue, orange, bluish green).
KIND_COLOURS = {"refuge": "#0072B2", "freeze": "#E69F00", "safe": "#009E73"}
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
A4_WIDTH_IN = 8.27
_DRAW_TOLERANCE_M = 250.0
DISCLAIMER = (
    "The boundaries and names shown and the designations used on this map do not "
    "imply official endorsement or acceptance."
)
PROJECTION_NOTE = "Projection: Lambert azimuthal equal-area centred on 35N 38.5E."

_EVENT_COLOUR = "#3b3b3b"
_SEED_COLOUR = "#D55E00"  # Okabe-Ito vermillion
SEA_COLOUR = "#dbe9f4"
LAND_COLOUR = "#e8e8e8"
_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]
_LAYER_ATTRIBUTION = {
    "countries": "countries: Natural Earth (public domain)",
    "borders": "borders: derived from Natural Earth",
    "governorates": "governorates: OCHA, UNCS (CC BY-IGO)",
    "districts": "districts: OCHA, UNCS (CC BY-IGO)",
    "population_grid": "population: OCHA / Syrian CBS pre-war table spread with GeoNames "
    "(CC BY 4.0)",
    "places": "places: GeoNames (CC BY 4.0)",
    "events": "events: UCDP GED (CC BY 4.0)",
    "seed_facts": "Raqqa strikes: AFP / SOHR, 2014-11-26",
}
#: Zones smaller than this (m2) get their label beside them, with a leader line.
SMALL_ZONE_M2 = 5_000e6
# Event death classes of the binned styles (hexbin: deaths per hexagon).
_HEX_CLASSES = (0, 10, 100, 1000)
_DENSITY_LEVELS = (1, 10, 100, 1000)  # deaths per 1,000 km2


def source_note(layers: Iterable[str]) -> str:
    """The source line for a figure showing ``layers`` (names from data.provenance()).

    Names not among the bundled layers are taken as they are (e.g. a user's file).

    Examples
    --------
    >>> source_note(["countries", "events"])
    'Sources: countries: Natural Earth (public domain); events: UCDP GED (CC BY 4.0).'
    """
    parts = [_LAYER_ATTRIBUTION.get(name, name) for name in dict.fromkeys(layers)]
    return "Sources: " + "; ".join(parts) + "."


def result_sources(result: Any) -> list[str]:
    """Attribution of every dataset a result used, user files included (for source lines)."""
    out: list[str] = []
    for s in result.provenance["sources"]:
        layer = s["layer"]
        if layer == "scenario":
            continue
        if layer in _LAYER_ATTRIBUTION and s.get("licence"):
            out.append(layer)
        else:
            out.append(f"{layer}: {s['source']}")
    return out


# ---------------------------------------------------------------- layout helpers


@cache
def _base_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    # Drawn, not measured: simplified to 250 m, a tenth of a point at A4 width, which
    # keeps vector files small.
    countries = to_metric(data.countries())
    countries["geometry"] = countries.geometry.simplify(_DRAW_TOLERANCE_M)
    gov = to_metric(data.governorates())
    gov["geometry"] = gov.geometry.simplify(_DRAW_TOLERANCE_M)
    syria = countries[countries["iso_a3"] == "SYR"]
    others = countries[countries["iso_a3"] != "SYR"]
    return syria, others, gov


def _syria_view() -> tuple[float, float, float, float]:
    """Syria with room around it: more to the north for the locator map."""
    syria, _, _ = _base_layers()
    x0, y0, x1, y1 = syria.total_bounds
    w, h = x1 - x0, y1 - y0
    return (x0 - 0.04 * w, y0 - 0.09 * h, x1 + 0.04 * w, y1 + 0.22 * h)


def _fit_view(
    bounds: Sequence[float], like: tuple[float, float, float, float], *, min_km: float = 300.0
) -> tuple[float, float, float, float]:
    """``bounds`` padded by 8 %, at least ``min_km`` wide, widened to the aspect of ``like``."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = max((x1 - x0) * 1.16, min_km * 1000), max((y1 - y0) * 1.16, 1.0)
    aspect = (like[2] - like[0]) / (like[3] - like[1])
    w, h = max(w, h * aspect), max(h, w / aspect)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width))


def _renderer(fig: Figure) -> Any:
    canvas = fig.canvas
    if hasattr(canvas, "get_renderer"):
        return canvas.get_renderer()
    return fig._get_renderer()  # type: ignore[attr-defined]


def _fit_width(
    fig: Figure, text: str, width_in: float, *, fontsize: float, fontweight: str = "normal"
) -> str:
    """``text`` broken at spaces so that every line, as drawn, is at most ``width_in`` wide.

    Lines are measured by the figure's renderer (the text's extent in that
    font), not counted in characters; a word is never cut, and a word
    longer than the line stands alone on its own. Line breaks already in
    ``text`` are kept. User text is measured literally (no mathtext).

    Examples
    --------
    >>> fig = plt.figure(figsize=(3, 1))
    >>> print(_fit_width(fig, "a title that does not fit on one short line", 1.5, fontsize=10))
    a title that does not
    fit on one short line
    >>> plt.close(fig)
    """
    renderer = _renderer(fig)
    probe = fig.text(0, 0, "", fontsize=fontsize, fontweight=fontweight, parse_math=False)
    limit = width_in * fig.dpi

    def fits(line: str) -> bool:
        probe.set_text(line)
        return bool(probe.get_window_extent(renderer).width <= limit)

    lines = []
    try:
        for para in text.split("\n"):
            line = ""
            for word in para.split():
                wider = f"{line} {word}" if line else word
                if not line or fits(wider):
                    line = wider
                else:
                    lines.append(line)
                    line = word
            lines.append(line)
    finally:
        probe.remove()
    return "\n".join(lines)


def _people(v: float) -> str:
    """People as a memo writes them: ``1.53 M``, ``170,000``, ``0``."""
    if not np.isfinite(v):
        return "n/a"
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f} M"
    if abs(v) >= 1e4:
        return f"{round(v, -3):,.0f}"
    return f"{v:,.0f}"


def _window_label(window: Mapping[str, Any]) -> str:
    s, e = str(window["start"]), str(window["end"])
    return s if s == e else f"{s} to {e}"


def _map_figure(
    view: tuple[float, float, float, float],
    *,
    title: str | None,
    subtitle: str | None,
    note: str,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """A figure with fixed margins: title block, the map at the view's aspect, the note.

    Title, subtitle and note are wrapped to the text width by their measured
    extent (see :func:`_fit_width`).
    """
    margin = 0.3
    ax_w = width - 2 * margin
    fig = plt.figure(figsize=(width, 1.0))  # its height follows from the wrapped text
    if title:
        title = _fit_width(fig, title, ax_w, fontsize=11, fontweight="bold")
    if subtitle:
        subtitle = _fit_width(fig, subtitle, ax_w, fontsize=8.5)
    note = _fit_width(fig, note, ax_w, fontsize=6.2)
    ax_h = ax_w * (view[3] - view[1]) / (view[2] - view[0])
    note_lines = note.count("\n") + 1
    note_h = 0.18 + note_lines * 6.2 * 1.3 / 72
    title_lines = (title.count("\n") + 1 if title else 0) + (
        subtitle.count("\n") + 1 if subtitle else 0
    )
    title_h = 0.15 + title_lines * 0.2
    height = title_h + ax_h + note_h + 0.1
    fig.set_size_inches(width, height)
    ax = fig.add_axes((margin / width, (note_h + 0.05) / height, ax_w / width, ax_h / height))
    y = 1 - 0.12 / height
    if title:
        fig.text(margin / width, y, title, fontsize=11, fontweight="bold", va="top", ha="left")
        y -= (title.count("\n") + 1) * 0.2 / height
    if subtitle:
        fig.text(margin / width, y, subtitle, fontsize=8.5, va="top", ha="left", color="#303030")
    fig.text(
        margin / width,
        (note_h - 0.02) / height,
        note,
        fontsize=6.2,
        va="top",
        ha="left",
        color="#404040",
        linespacing=1.3,
    )
    return fig, ax


def _settle(fig: Figure) -> Any:
    """Run the figure's layout so positions are final; return a renderer for measuring."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


class _Labels:
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


def _check_choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise SafeZonesError(
            f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}"
        )


# ---------------------------------------------------------------- layers


def _draw_base(
    ax: Axes, view: tuple[float, float, float, float], neighbours: bool, governorates: bool
) -> None:
    syria, others, gov = _base_layers()
    ax.set_facecolor(SEA_COLOUR)
    if neighbours:
        others.plot(ax=ax, color=LAND_COLOUR, edgecolor="#9a9a9a", linewidth=0.6, zorder=1)
    syria.plot(ax=ax, color="white", edgecolor="none", zorder=1)
    if governorates:
        gov.boundary.plot(ax=ax, color="#a8a8a8", linewidth=0.5, zorder=2)
    syria.boundary.plot(ax=ax, color="black", linewidth=1.0, zorder=5)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def _event_arrays(events: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    x, y, deaths = _event_arrays(events)
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
        x0, y0, x1, y1 = _base_layers()[0].total_bounds
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

    syria = _base_layers()[0].geometry.iloc[0]
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
        color=_SEED_COLOUR,
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
            color=_SEED_COLOUR,
            markeredgecolor="black",
            markersize=11,
            label="Raqqa air strikes, AFP/SOHR"
            if small
            else f"Raqqa air strikes reported{when}, AFP/SOHR",
        )
    ]


def _draw_zones(
    ax: Axes,
    zm: gpd.GeoDataFrame,
    *,
    fill: pd.Series | None = None,
    norm: Normalize | None = None,
    cmap: Any = None,
    alpha: float = 0.45,
) -> list[Any]:
    handles: list[Any] = []
    kinds = zm["kind"] if "kind" in zm.columns else pd.Series("safe", index=zm.index)
    for kind, colour in KIND_COLOURS.items():
        sel = zm[kinds == kind]
        if not len(sel):
            continue
        if fill is not None and cmap is not None and norm is not None:
            sel.plot(
                ax=ax,
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
            sel.plot(ax=ax, color=colour, alpha=alpha, edgecolor="none", zorder=4)
            sel.boundary.plot(ax=ax, color=colour, linewidth=1.1, zorder=4)
            handles.append(
                Patch(facecolor=colour, alpha=alpha, edgecolor=colour, label=f"{kind} zone")
            )
        else:  # over binned events: outlines only, so the classes keep their colours
            sel.boundary.plot(ax=ax, color="white", linewidth=3.4, zorder=4)
            sel.boundary.plot(ax=ax, color=colour, linewidth=1.8, zorder=4)
            handles.append(
                Patch(facecolor="none", edgecolor=colour, linewidth=1.8, label=f"{kind} zone")
            )
    return handles


def _no_axis_labels(ax: Axes) -> None:
    """Geopandas labels axes with the CRS's units; a map needs none."""
    ax.set_xlabel("")
    ax.set_ylabel("")


def _north_arrow(ax: Axes, *, size: float = 10) -> Any:
    return ax.annotate(
        "N",
        xy=(0.972, 0.975),
        xytext=(0.972, 0.895),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=size,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
        zorder=12,
    )


def _scale_bar(ax: Axes, *, size: float = 7.5) -> ScaleBar:
    # PROJECT_CRS is in metres; its scale error is below 0.2 % within the view.
    bar = ScaleBar(
        1.0,
        units="m",
        location="lower left",
        length_fraction=0.2,
        box_alpha=0.85,
        font_properties={"size": size},
        scale_loc="top",
        border_pad=0.6,
    )
    ax.add_artist(bar)
    return bar


def _inset(ax: Axes, view: tuple[float, float, float, float]) -> Axes:
    """A locator map of the region in the upper left, the main view outlined."""
    syria, others, _ = _base_layers()
    ins = ax.inset_axes((0.006, 0.77, 0.22, 0.22))
    ins.set_facecolor(SEA_COLOUR)
    others.plot(ax=ins, color="#d0d0d0", edgecolor="white", linewidth=0.3)
    syria.plot(ax=ins, color="#707070", edgecolor="none")
    ins.add_patch(
        Rectangle(
            (view[0], view[1]),
            view[2] - view[0],
            view[3] - view[1],
            fill=False,
            edgecolor="black",  # vermillion is kept for the seed strikes alone
            linewidth=1.2,
        )
    )
    cx, cy = (view[0] + view[2]) / 2, (view[1] + view[3]) / 2
    half = 1.2e6
    ins.set_xlim(cx - half, cx + half)
    ins.set_ylim(cy - half * 0.95, cy + half * 0.95)
    ins.set_aspect("equal", adjustable="box")
    ins.set_xticks([])
    ins.set_yticks([])
    _no_axis_labels(ins)
    for s in ins.spines.values():
        s.set_edgecolor("#606060")
        s.set_linewidth(0.6)
    ins.set_zorder(11)
    return ins


def _place_context_labels(
    lab: _Labels,
    view: tuple[float, float, float, float],
    neighbours: bool,
    governorates: bool,
    *,
    small: bool = False,
) -> None:
    _, others, gov = _base_layers()
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


# ---------------------------------------------------------------- maps


def _draw_map(
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
) -> list[Any]:
    _draw_base(ax, view, "neighbours" in layers, "governorates" in layers)
    handles: list[Any] = []
    zm = to_metric(zones, what="zones") if len(zones) else zones
    if "zones" in layers and len(zm):
        if zone_fill is not None:
            values, norm, cmap = zone_fill
            handles += _draw_zones(ax, zm, fill=values.reindex(zm.index), norm=norm, cmap=cmap)
        else:
            handles += _draw_zones(ax, zm, alpha=0.45 if events_style == "points" else 0.0)
    if "events" in layers and events is not None:  # None: not given; empty: none recorded
        handles += _draw_events(ax, events, events_style, events_label, small=small)
    if "seed_events" in layers:
        handles += _draw_seed(ax, seed_events, small=small)
    lab_reserved: list[Any] = [_scale_bar(ax, size=6 if small else 7.5)]
    if not small:
        lab_reserved.append(_north_arrow(ax))
    if inset:
        lab_reserved.append(_inset(ax, view))
    if legend and handles:
        lab_reserved.append(
            ax.legend(
                handles=handles, loc="lower right", fontsize=6.5, framealpha=0.92, borderpad=0.6
            )
        )
    lab = _Labels(ax)
    for artist in lab_reserved:
        lab.reserve(artist)
    if "zones" in layers and len(zm):
        _label_zones(lab, zm, zone_labels, fontsize=6 if small else 7.5)
    _place_context_labels(lab, view, "neighbours" in layers, "governorates" in layers, small=small)
    _no_axis_labels(ax)
    return handles


def _label_zones(
    lab: _Labels, zm: gpd.GeoDataFrame, labels: pd.Series | None, *, fontsize: float
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


def _check_layers(layers: Sequence[str], events_style: str) -> tuple[str, ...]:
    if isinstance(layers, str):
        layers = (layers,)
    unknown = [x for x in layers if x not in MAP_LAYERS]
    if unknown:
        raise SafeZonesError(
            f"unknown map layer(s) {', '.join(map(repr, unknown))}; choose from {', '.join(MAP_LAYERS)}"
        )
    _check_choice("events_style", events_style, EVENTS_STYLES)
    return tuple(layers)


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
    layers = _check_layers(layers, events_style)
    shown = ["countries", "borders", "governorates"] if "governorates" in layers else ["countries"]
    if "events" in layers and events is not None and len(events):
        shown.append("events")
    if "seed_events" in layers and seed_events is not None and len(seed_events):
        shown.append("seed_facts")
    shown.extend(sources)
    text = " ".join([source_note(shown), *([note] if note else []), DISCLAIMER, PROJECTION_NOTE])
    _check_choice("extent", extent, ("syria", "zones"))
    view = _syria_view()
    if extent == "zones" and len(zones):
        view = _fit_view(to_metric(zones, what="zones").total_bounds, view, min_km=150.0)
    if ax is None:
        fig, ax = _map_figure(
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
            ax.set_title(_fit_width(fig, title, ax_w, fontsize=10), fontsize=10, loc="left")
        ax.text(
            0.0,
            -0.01,
            _fit_width(fig, text, ax_w, fontsize=6),
            transform=ax.transAxes,
            fontsize=6,
            va="top",
            ha="left",
            color="#404040",
        )
    _draw_map(
        ax,
        zones=zones,
        zone_labels=values,
        events=events,
        seed_events=seed_events,
        layers=layers,
        events_style=events_style,
        events_label=events_label,
        view=view,
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


def _zone_labels(result: Any) -> pd.Series:
    pz = result.per_zone.set_index("zone_id")
    return pd.Series(
        [
            f"sheltered {_people(pz.loc[z, 'sheltered_p50'])} "
            f"({_people(pz.loc[z, 'sheltered_p5'])} to {_people(pz.loc[z, 'sheltered_p95'])})"
            for z in result.zones["zone_id"]
        ],
        index=result.zones.index,
        dtype=object,
    )


def _headline(result: Any) -> tuple[str, str]:
    tot = result.totals
    prov = result.provenance
    title = (
        f"{result.scenario.title}: {_people(tot.loc['sheltered', 'p50'])} of "
        f"{_people(tot.loc['displaced', 'p50'])} displaced people sheltered"
    )
    subtitle = (
        f"P50 (P5 to P95 in labels) over {prov['draws']} Monte Carlo draws, seed {prov['seed']}; "
        f"{prov['allocation']} allocation; strikes {_window_label(prov['window'])}."
    )
    return title, subtitle


@literal_text
def scenario_map(
    result: Any,
    *,
    ax: Axes | None = None,
    layers: Sequence[str] = MAP_LAYERS,
    events_style: str = "points",
    title: str | None = None,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """The memo map of a scored scenario.

    Neighbours in grey with their names, Syria's outline, governorate lines
    and names, the zones coloured by kind and labelled with people sheltered
    (P50, P5 to P95), the scenario's strike events (sized by deaths, or
    binned), the seed article's Raqqa strikes when they fall in the window,
    a scale bar in km, a north arrow, a legend, a locator map, and a source
    line naming every dataset with its licence plus the boundaries
    disclaimer.

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
    note = (
        f"Scenario: {result.scenario.source.citation}. Model: safezones {prov.get('safezones_version', '')}"
        ", see the scenario's summary.json for every parameter."
    )
    return zones_map(
        result.zones,
        events=result.events,
        seed_events=_seed_in_window(prov["window"]),
        values=_zone_labels(result),
        ax=ax,
        title=title or head,
        subtitle=None if title else sub,
        layers=layers,
        events_style=events_style,
        events_label=f"UCDP events {_window_label(prov['window'])}"
        if result.scenario.events.source == "bundled"
        else f"Events {_window_label(prov['window'])}",
        sources=[s for s in result_sources(result) if s != "events"],
        note=note,
        width=width,
    )


@literal_text
def result_map(result: Any, *, ax: Axes | None = None, **kwargs: Any) -> tuple[Figure, Axes]:
    """The map written by ``ScenarioResult.to_file``: :func:`scenario_map` with points."""
    return scenario_map(result, ax=ax, **kwargs)


def _as_results(results: Any) -> list[Any]:
    if isinstance(results, Mapping):
        results = list(results.values())
    results = list(results) if results is not None else []
    if not results:
        raise SafeZonesError("no results to draw: give at least one ScenarioResult")
    return results


@literal_text
def compare_maps(
    results: Sequence[Any] | Mapping[str, Any],
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
        ``residents_protected``, ``capacity`` or ``sheltered_safe`` (its P50).
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
    results = _as_results(results)
    _check_choice(
        "metric", metric, ("sheltered", "residents_protected", "capacity", "sheltered_safe")
    )
    if ncols is None:
        ncols = 2 if len(results) <= 4 else 3
    if ncols < 1:
        raise SafeZonesError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, len(results))
    nrows = math.ceil(len(results) / ncols)
    view = _syria_view()
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
    note = _fit_width(
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
        labels = pd.Series([_people(v) for v in fill], index=fill.index, dtype=object)
        hs = _draw_map(
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
            _fit_width(
                fig,
                f"{r.scenario.title}: {_people(tot.loc[metric, 'p50'])} "
                f"({_people(tot.loc[metric, 'p5'])} to {_people(tot.loc[metric, 'p95'])})",
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
    cb.set_label(f"people {metric.replace('_', ' ')} per zone (P50)", fontsize=7)
    cb.ax.tick_params(labelsize=6.5)
    cb.ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: _people(v)))
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


@literal_text
def sheltered_chart(
    results: Sequence[Any] | Mapping[str, Any] | pd.DataFrame,
    *,
    metric: str = "sheltered",
    ax: Axes | None = None,
    note: str | None = "Source: safezones scenarios (see comparison.md); data: UCDP GED "
    "(CC BY 4.0), OCHA/UNCS (CC BY-IGO), GeoNames (CC BY 4.0), Natural Earth (public domain).",
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """P5-P95 bars with the P50 marked, one row per scenario, sorted, labelled in people.

    Parameters
    ----------
    results
        ScenarioResults, or a comparison table (see
        :func:`safezones.scenario.comparison_table`) with ``scenario`` and
        ``{metric}_p5``, ``_p50``, ``_p95`` columns.
    metric
        Which metric to show.
    note
        Source line under the chart (only on a new figure).
    width
        Width of a new figure in inches (A4 by default).

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": ["a", "b"], "sheltered_p5": [1e6, 2e6],
    ...                   "sheltered_p50": [1.5e6, 2.5e6], "sheltered_p95": [2e6, 3e6],
    ...                   "displaced_p50": [7.6e6, 7.6e6]})
    >>> fig, ax = sheltered_chart(t)
    >>> [lab.get_text() for lab in ax.get_yticklabels()]  # bottom to top: largest on top
    ['a', 'b']
    """
    if isinstance(results, pd.DataFrame):
        table = results
    else:
        from safezones.scenario import comparison_table

        table = comparison_table(_as_results(results))
    if not len(table):
        raise SafeZonesError("no results to chart: the comparison table is empty")
    missing = [f"{metric}_{q}" for q in ("p5", "p50", "p95") if f"{metric}_{q}" not in table]
    if missing:
        raise SafeZonesError(
            f"the table lacks {', '.join(missing)}; metrics are columns like sheltered_p50"
        )
    if ax is None:
        h = 1.45 + 0.42 * len(table) + (0.3 if note else 0)
        fig = plt.figure(figsize=(width, h))
        bottom = (0.55 + (0.3 if note else 0)) / h
        ax = fig.add_axes((2.1 / width, bottom, 1 - 2.4 / width, 1 - bottom - 0.7 / h))
        if note:
            fig.text(
                0.3 / width,
                0.12 / h,
                _fit_width(fig, note, width - 0.6, fontsize=6),
                fontsize=6,
                color="#404040",
            )
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    t = table.sort_values(f"{metric}_p50").reset_index(drop=True)
    y = np.arange(len(t))
    lo, mid, hi = (t[f"{metric}_{q}"].to_numpy(dtype=float) for q in ("p5", "p50", "p95"))
    ax.barh(
        y, hi - lo, left=lo, height=0.5, color=KIND_COLOURS["refuge"], alpha=0.45, label="P5 to P95"
    )
    ax.plot(mid, y, "o", color="black", markersize=5, label="P50")
    right = float(np.nanmax(hi)) if len(hi) else 1.0
    if "displaced_p50" in t.columns and metric != "displaced":
        disp = t["displaced_p50"].to_numpy(dtype=float)
        ax.plot(disp, y, "|", color=_SEED_COLOUR, markersize=14, mew=2, label="displaced (P50)")
        right = max(right, float(np.nanmax(disp)))
    for yi, (a, m, b) in enumerate(zip(lo, mid, hi, strict=True)):
        ax.text(
            b + 0.01 * right,
            yi,
            f"{_people(m)} ({_people(a)} to {_people(b)})",
            va="center",
            ha="left",
            fontsize=7,
        )
    ax.set_yticks(y, [_wrap(str(s), 30) for s in t["scenario"]])
    ax.set_ylim(-0.6, len(t) - 0.4)
    ax.set_xlim(0, right * 1.32 if right > 0 else 1)
    ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: _people(v)))
    ax.set_xlabel(f"people {metric.replace('_', ' ')}", fontsize=8)
    ax.tick_params(labelsize=7.5)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, fontsize=7, frameon=False)
    ax.set_title(
        f"People {metric.replace('_', ' ')} per scenario: P50, P5 to P95",
        fontsize=10,
        loc="left",
        pad=18,
    )
    return fig, ax


@literal_text
def comparison_chart(table: pd.DataFrame, **kwargs: Any) -> tuple[Figure, Axes]:
    """:func:`sheltered_chart` of a comparison table (the name used before issue 6)."""
    return sheltered_chart(table, **kwargs)


_SWEEP_NOTE = (
    "Source: safezones sweep of the base scenario (see sweep.json); data: UCDP GED (CC BY 4.0), "
    "OCHA/UNCS (CC BY-IGO), GeoNames (CC BY 4.0), Natural Earth (public domain)."
)


def _chart_axes(width: float, height: float, note: str | None, left: float) -> tuple[Figure, Axes]:
    fig = plt.figure(figsize=(width, height))
    bottom = (0.6 + (0.3 if note else 0)) / height
    ax = fig.add_axes((left / width, bottom, 1 - (left + 0.3) / width, 1 - bottom - 0.75 / height))
    if note:
        fig.text(0.3 / width, 0.12 / height, _fit_width(fig, note, width - 0.6, fontsize=6),
                 fontsize=6, color="#404040")  # fmt: skip
    return fig, ax


def _tidy(ax: Axes, grid_axis: str) -> None:
    ax.tick_params(labelsize=7.5)
    ax.grid(axis=grid_axis, color="#dddddd", linewidth=0.6)  # type: ignore[arg-type]
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


@literal_text
def sensitivity_chart(
    indices: pd.DataFrame,
    *,
    metric: str = "sheltered_p50",
    ax: Axes | None = None,
    note: str | None = _SWEEP_NOTE,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """Sobol first-order and total indices of each parameter, with 95 % intervals.

    ``indices`` is :func:`safezones.sweep.sensitivity`'s table. Parameters are
    sorted by total index, the most influential on top.

    Examples
    --------
    >>> idx = pd.DataFrame({"metric": ["y", "y"], "parameter": ["a", "b"], "S1": [0.6, 0.1],
    ...     "S1_conf": [0.05, 0.02], "ST": [0.7, 0.3], "ST_conf": [0.05, 0.03]})
    >>> fig, ax = sensitivity_chart(idx, metric="y")
    >>> [t.get_text() for t in ax.get_yticklabels()]  # bottom to top
    ['b', 'a']
    """
    need = {"metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"}
    if not need <= set(indices.columns):
        raise SafeZonesError(
            f"the table lacks {sorted(need - set(indices.columns))}; pass safezones.sweep.sensitivity()'s"
        )
    t = indices[indices["metric"] == metric]
    if not len(t):
        have = ", ".join(sorted(indices["metric"].unique()))
        raise SafeZonesError(f"no indices for {metric!r}; the table has: {have}")
    t = t.sort_values("ST").reset_index(drop=True)
    if ax is None:
        fig, ax = _chart_axes(width, 1.5 + 0.45 * len(t) + (0.3 if note else 0), note, 2.3)
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    y = np.arange(len(t))
    ax.barh(y + 0.18, t["ST"], height=0.34, xerr=t["ST_conf"], color=KIND_COLOURS["refuge"],
            error_kw={"lw": 0.8}, label="total (ST)")  # fmt: skip
    ax.barh(y - 0.18, t["S1"], height=0.34, xerr=t["S1_conf"], color=KIND_COLOURS["freeze"],
            error_kw={"lw": 0.8}, label="first order (S1)")  # fmt: skip
    ax.set_yticks(y, [_wrap(str(s), 34) for s in t["parameter"]])
    ax.set_xlim(0, max(1.0, float(np.nanmax(t["ST"] + t["ST_conf"])) * 1.05))
    ax.set_xlabel("share of the variance of " + metric.replace("_", " "), fontsize=8)
    _tidy(ax, "x")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, fontsize=7, frameon=False)
    ax.set_title(f"Sensitivity of {metric.replace('_', ' ')}: Sobol indices", fontsize=10,
                 loc="left", pad=18)  # fmt: skip
    return fig, ax


@literal_text
def response_chart(
    results: pd.DataFrame,
    x: str,
    *,
    metric: str = "sheltered",
    colour: str | None = None,
    threshold: float | None = None,
    ax: Axes | None = None,
    note: str | None = _SWEEP_NOTE,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """How a metric responds to one parameter across a sweep: P50 points, P5-P95 bars.

    Parameters
    ----------
    results
        A sweep's results (:func:`safezones.sweep.read_results`).
    x
        The parameter on the x axis (a key path, e.g. ``zones.turkey.depth_km``).
    metric
        The metric (its ``_p5``, ``_p50``, ``_p95`` columns are read).
    colour
        Another parameter to colour the points by (viridis, with a colour bar).
    threshold
        Draw a line at this value, e.g. one million people.

    Examples
    --------
    >>> r = pd.DataFrame({"d": [10.0, 20.0, 30.0], "sheltered_p5": [1e5, 2e5, 3e5],
    ...     "sheltered_p50": [2e5, 4e5, 6e5], "sheltered_p95": [3e5, 5e5, 8e5]})
    >>> fig, ax = response_chart(r, "d", threshold=5e5)
    >>> ax.get_xlabel()
    'd'
    """
    cols = [x, *(f"{metric}_{q}" for q in ("p5", "p50", "p95"))] + ([colour] if colour else [])
    missing = [c for c in cols if c not in results.columns]
    if missing:
        raise SafeZonesError(f"the results lack the columns {missing}")
    if ax is None:
        fig, ax = _chart_axes(width, 3.6 + (0.3 if note else 0), note, 0.9)
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    xs = results[x].to_numpy(dtype=float)
    lo, mid, hi = (results[f"{metric}_{q}"].to_numpy(dtype=float) for q in ("p5", "p50", "p95"))
    if np.any(hi > lo):
        ax.vlines(xs, lo, hi, color="#9a9a9a", linewidth=0.6, alpha=0.6, label="P5 to P95")
    if colour:
        sc = ax.scatter(xs, mid, c=results[colour].to_numpy(dtype=float), cmap="viridis", s=9,
                        label="P50")  # fmt: skip
        cb = fig.colorbar(sc, ax=ax, pad=0.01, fraction=0.04)
        cb.set_label(colour, fontsize=7)
        cb.ax.tick_params(labelsize=6.5)
    else:
        ax.scatter(xs, mid, color=KIND_COLOURS["refuge"], s=9, label="P50")
    if threshold is not None:
        ax.axhline(threshold, color=_SEED_COLOUR, linewidth=1, linestyle="--",
                   label=f"threshold {_people(threshold)}")  # fmt: skip
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: _people(v)))
    ax.set_xlabel(x, fontsize=8)
    ax.set_ylabel(f"people {metric.replace('_', ' ')}", fontsize=8)
    _tidy(ax, "y")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, fontsize=7, frameon=False)
    ax.set_title(f"People {metric.replace('_', ' ')} against {x}", fontsize=10, loc="left", pad=18)
    return fig, ax


def _reach_km(result: Any) -> float:
    from safezones.model.shelter import straight_reach_km

    sh = result.scenario.shelter
    return straight_reach_km(sh.max_travel_km, sh.detour_factor)


@literal_text
def residents_map(
    result: Any,
    *,
    ax: Axes | None = None,
    near_km: float | None = None,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """Population density in and near the zones (choropleth of the population layer).

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
    from safezones.io.layers import population_layer as _population

    near = _reach_km(result) if near_km is None else float(near_km)
    if not (np.isfinite(near) and near >= 0):
        raise SafeZonesError(f"near_km must be a distance of 0 km or more, got {near_km!r}")
    pop, pop_source = _population(result.scenario)
    pm = to_metric(pop, what="population")
    zm = to_metric(result.zones, what="zones")
    syria = _base_layers()[0].geometry.iloc[0]
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
            f"population {_people(pz.loc[z, 'population_p50'])} "
            f"({_people(pz.loc[z, 'population_p5'])} to {_people(pz.loc[z, 'population_p95'])})"
            f"\nresidents protected {_people(pz.loc[z, 'residents_protected_p50'])}"
            for z in result.zones["zone_id"]
        ],
        index=result.zones.index,
        dtype=object,
    )
    view = _syria_view() if reach is None else _fit_view(reach.bounds, _syria_view())
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
        f"Population of the zones (everyone living there, {basis}): {_people(mid)} "
        f"(P5 to P95: {_people(lo)} to {_people(hi)}); residents protected (not displaced): "
        f"{_people(prot['p50'])} ({_people(prot['p5'])} to {_people(prot['p95'])}). "
        "Colours: people per km² before displacement (central estimate)."
    )
    text = " ".join([source_note(sources), DISCLAIMER, PROJECTION_NOTE])
    if ax is None:
        fig, ax = _map_figure(
            view,
            title=title,
            subtitle=sub,
            note=text,
            width=width,
        )
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
        ax_w = ax.get_position().width * fig.get_figwidth()
        ax.set_title(_fit_width(fig, title, ax_w, fontsize=10), fontsize=10, loc="left")
    _draw_base(ax, view, True, True)
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
    bounds = [1, 10, 100, 1000, 10000]
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
            sel.plot(ax=ax, color=colours, edgecolor="none", linewidth=0, zorder=3)
    if reach is not None:
        gpd.GeoSeries([reach], crs=zm.crs).boundary.plot(
            ax=ax, color="#606060", linewidth=0.6, linestyle="--", zorder=4
        )
    handles: list[Any] = []
    for kind, colour in KIND_COLOURS.items():
        part = zm[zm["kind"] == kind] if len(zm) else zm
        if len(part):
            part.boundary.plot(ax=ax, color=colour, linewidth=1.6, zorder=5)
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
    reserved = [
        _scale_bar(ax),
        _north_arrow(ax),
        _inset(ax, view),
        ax.legend(handles=handles, loc="lower right", fontsize=6.5, framealpha=0.92),
    ]
    lab = _Labels(ax)
    for a in reserved:
        lab.reserve(a)
    _label_zones(lab, zm, labels, fontsize=7.5)
    _place_context_labels(lab, view, True, True)
    _no_axis_labels(ax)
    return fig, ax


# ---------------------------------------------------------------- saving

#: Formats :func:`save_figure` writes.
FIGURE_FORMATS = (".png", ".pdf", ".svg")


def save_figure(
    fig: Figure, path: str | Path, *, dpi: int = 300, source: str | None = None
) -> Path:
    """Save a figure for a memo: 300 dpi PNG, or PDF/SVG with fonts embedded.

    PDF fonts are embedded as TrueType (Type 42) subsets, so the text stays
    selectable and searchable; SVG text is drawn as glyph outlines, so it
    looks the same without the fonts installed. ``source`` is written into
    the file's metadata (PNG ``Source``, PDF ``Subject``). The file is
    written atomically; a folder is refused, an existing file is replaced.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> fig, ax = plt.subplots()
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> save_figure(fig, d / "f.svg").suffix
    '.svg'
    >>> save_figure(fig, d / "f.jpg")
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: cannot write 'f.jpg': the figure formats are .png, .pdf, .svg
    """
    from safezones.io.atomic import atomic_path, check_figure_path, in_temp_output

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise SafeZonesError(
            f"cannot write {p.name!r}: the figure formats are {', '.join(FIGURE_FORMATS)}"
        )
    check_figure_path(p)
    from safezones import __version__

    meta: dict[str, str] = {"Creator": f"safezones {__version__}"}
    if source:  # each format's own key for a description
        meta[{".pdf": "Subject", ".svg": "Description", ".png": "Source"}[suffix]] = source
    try:
        with (
            mpl.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path"}),
            atomic_path(p) as tmp,
        ):
            fig.savefig(
                tmp, format=suffix[1:], dpi=dpi, metadata=meta, facecolor=fig.get_facecolor()
            )
    except OSError as err:  # a full disk: say so, and leave the earlier figure in place
        if in_temp_output(p):  # a memo's figure: the memo's folder reports it
            raise
        raise SafeZonesError(
            f"cannot write the figure {p}: {err.strerror or err}; nothing was written; free "
            "some space or give --out another folder"
        ) from None
    return p
