"""The map under every map: Syria, its neighbours and governorates, the views and the frame.

Maps are drawn in PROJECT_CRS (a Lambert azimuthal equal-area projection
centred on Syria, so the scale bar in km is correct to within 0.2 % anywhere
on the map). A new map figure is A4 wide (8.27 in) with fixed margins
(:func:`map_figure`), so that labels can be placed without overlaps before it
is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import geopandas as gpd
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib_scalebar.scalebar import ScaleBar

from safezones import data
from safezones.crs import to_metric
from safezones.viz.format import (
    A4_WIDTH_IN,
    LAND_COLOUR,
    SEA_COLOUR,
    fit_width,
)

__all__ = [
    "base_layers",
    "draw_base",
    "fit_view",
    "locator_map",
    "map_figure",
    "no_axis_labels",
    "north_arrow",
    "plot_frame",
    "scale_bar",
    "syria_view",
]

_DRAW_TOLERANCE_M = 250.0


def plot_frame(frame: gpd.GeoDataFrame | gpd.GeoSeries, ax: Axes, **style: Any) -> None:
    """Draw a layer with geopandas, without the full redraw it asks for after each layer.

    ``GeoDataFrame.plot`` ends with ``canvas.draw_idle()``, which on a
    non-interactive canvas draws the whole figure at once: eight of them were
    3.7 s of a 7 s memo map at 300 dpi. Nothing needs those draws: the map
    is drawn once, when it is saved or shown.
    """
    canvas = ax.get_figure().canvas  # type: ignore[union-attr]
    if "draw_idle" in vars(canvas):  # already quiet, or a canvas's own: leave it be
        frame.plot(ax=ax, **style)
        return
    canvas.draw_idle = _no_draw  # type: ignore[method-assign]
    try:
        frame.plot(ax=ax, **style)
    finally:
        del canvas.draw_idle


def _no_draw(*args: Any, **kwargs: Any) -> None:
    return None


@cache
def base_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return Syria, its neighbours and the governorates in PROJECT_CRS, simplified to draw."""
    # Drawn, not measured: simplified to 250 m, a tenth of a point at A4 width, which
    # keeps vector files small.
    countries = to_metric(data.countries())
    countries["geometry"] = countries.geometry.simplify(_DRAW_TOLERANCE_M)
    gov = to_metric(data.governorates())
    gov["geometry"] = gov.geometry.simplify(_DRAW_TOLERANCE_M)
    syria = countries[countries["iso_a3"] == "SYR"]
    others = countries[countries["iso_a3"] != "SYR"]
    return syria, others, gov


def syria_view() -> tuple[float, float, float, float]:
    """Syria with room around it: more to the north for the locator map."""
    syria, _, _ = base_layers()
    x0, y0, x1, y1 = syria.total_bounds
    w, h = x1 - x0, y1 - y0
    return (x0 - 0.04 * w, y0 - 0.09 * h, x1 + 0.04 * w, y1 + 0.22 * h)


def fit_view(
    bounds: Sequence[float], like: tuple[float, float, float, float], *, min_km: float = 300.0
) -> tuple[float, float, float, float]:
    """``bounds`` padded by 8 %, at least ``min_km`` wide, widened to the aspect of ``like``."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = max((x1 - x0) * 1.16, min_km * 1000), max((y1 - y0) * 1.16, 1.0)
    aspect = (like[2] - like[0]) / (like[3] - like[1])
    w, h = max(w, h * aspect), max(h, w / aspect)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def map_figure(
    view: tuple[float, float, float, float],
    *,
    title: str | None,
    subtitle: str | None,
    note: str,
    width: float = A4_WIDTH_IN,
) -> tuple[Figure, Axes]:
    """Return a figure with fixed margins: title block, the map at the view's aspect, the note.

    Title, subtitle and note are wrapped to the text width by their measured
    extent (see :func:`fit_width`).
    """
    margin = 0.3
    ax_w = width - 2 * margin
    fig = plt.figure(figsize=(width, 1.0))  # its height follows from the wrapped text
    if title:
        title = fit_width(fig, title, ax_w, fontsize=11, fontweight="bold")
    if subtitle:
        subtitle = fit_width(fig, subtitle, ax_w, fontsize=8.5)
    note = fit_width(fig, note, ax_w, fontsize=6.2)
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


def draw_base(
    ax: Axes, view: tuple[float, float, float, float], neighbours: bool, governorates: bool
) -> None:
    """Draw the sea, the neighbours, Syria and its governorates; frame ``view`` without ticks."""
    syria, others, gov = base_layers()
    ax.set_facecolor(SEA_COLOUR)
    if neighbours:
        plot_frame(others, ax, color=LAND_COLOUR, edgecolor="#9a9a9a", linewidth=0.6, zorder=1)
    plot_frame(syria, ax, color="white", edgecolor="none", zorder=1)
    if governorates:
        plot_frame(gov.boundary, ax, color="#a8a8a8", linewidth=0.5, zorder=2)
    plot_frame(syria.boundary, ax, color="black", linewidth=1.0, zorder=5)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def no_axis_labels(ax: Axes) -> None:
    """Geopandas labels axes with the CRS's units; a map needs none."""
    ax.set_xlabel("")
    ax.set_ylabel("")


def north_arrow(ax: Axes, *, size: float = 10) -> Any:
    """Draw a north arrow in the upper right of ``ax``."""
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


def scale_bar(ax: Axes, *, size: float = 7.5) -> ScaleBar:
    """Draw a scale bar in km in the lower left of ``ax``."""
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


def locator_map(ax: Axes, view: tuple[float, float, float, float]) -> Axes:
    """Return a locator map of the region in the upper left, the main view outlined."""
    syria, others, _ = base_layers()
    ins = ax.inset_axes((0.006, 0.77, 0.22, 0.22))
    ins.set_facecolor(SEA_COLOUR)
    plot_frame(others, ins, color="#d0d0d0", edgecolor="white", linewidth=0.3)
    plot_frame(syria, ins, color="#707070", edgecolor="none")
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
    no_axis_labels(ins)
    for s in ins.spines.values():
        s.set_edgecolor("#606060")
        s.set_linewidth(0.6)
    ins.set_zorder(11)
    return ins
