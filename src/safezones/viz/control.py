"""Who holds the ground, as the maps show it: colours, the layer, the surface's polygons, flags.

- :data:`CONTROL_COLOURS`: one colour per actor of :data:`~safezones.schema.ACTORS`,
  safe for the common forms of colour blindness, chosen after the usual
  colours of Syria's conflict maps: the government reddish purple (``#CC79A7``,
  Okabe-Ito; vermillion is kept for the seed strikes), the opposition bluish
  green (``#009E73``, Okabe-Ito), the Kurdish forces yellow (``#F0E442``,
  Okabe-Ito) and the Islamic State dark brown (``#8C510A``, ColorBrewer BrBG):
  not the usual black, whose grey once transparent read as the neighbours'
  grey land across the Iraqi and Turkish borders and hid the grey event
  points. ``unknown`` land is not filled but hatched in light grey
  (:data:`UNKNOWN_HATCH`).
  Each is laid at its :data:`CONTROL_ALPHAS` opacity under the zones, which are
  then outlined, so the ground inside a zone shows.
- :func:`control_layer` (also in :mod:`safezones.viz.layers`): the layer on an axes.
- :func:`control_polygons`: the surface of a result as one (multi)polygon per
  actor, simplified to :data:`CONTROL_TOLERANCE_M` for drawing: carried by the
  result (``result.control_polygons``) or rebuilt from the bundled data at the
  result's snapshot and distance (:mod:`safezones.model.control`), exactly as the
  model built it.
- :func:`zone_flags`: per zone, the words of each threat actor whose ground it
  holds above :data:`~safezones.defaults.CONTROL_FLAG_SHARE` (the rule of the
  memo's flags, :func:`safezones.viz.format.control_flags`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from safezones import defaults
from safezones.crs import to_metric
from safezones.errors import SafeZonesError
from safezones.schema import ACTORS
from safezones.viz import format as fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from safezones.model.result import ScenarioResult

__all__ = [
    "CONTROL_ALPHA",
    "CONTROL_ALPHAS",
    "CONTROL_COLOURS",
    "CONTROL_TOLERANCE_M",
    "UNKNOWN_HATCH",
    "actor_label",
    "control_alpha",
    "control_layer",
    "control_note",
    "control_polygons",
    "deaths_text",
    "has_control",
    "legend_entries",
    "share_text",
    "threat_text",
    "zone_flags",
]

#: Fill of each actor's ground; ``unknown`` is hatched, not filled.
CONTROL_COLOURS = {
    "government": "#CC79A7",
    "opposition": "#009E73",
    "islamic_state": "#8C510A",
    "kurds": "#F0E442",
    "unknown": "#FFFFFF",
}
#: Hatch and hatch colour of ``unknown`` land (no community within the surface's distance).
UNKNOWN_HATCH = ("////", "#BDBDBD")
#: Opacity of the control layer: the governorate lines and events stay readable over it
#: (assumption: a choice of legibility).
CONTROL_ALPHA = 0.38
#: Opacity of each actor's ground, :data:`CONTROL_ALPHA` but for two (assumption: chosen
#: on the colours as drawn over white, simulated for protanopia, deuteranopia and
#: tritanopia (Machado et al. 2009) and compared in CIELAB): the opposition at 0.55, as
#: at 0.38 its green and the government's purple are one grey to deuteranopes
#: (difference 5; 16 at 0.55); the Islamic State at 0.5, 16 or more from every other
#: fill, the neighbours' land, the sea and white for all four (its event points keep
#: the contrast they have on the others' ground).
CONTROL_ALPHAS = {"government": CONTROL_ALPHA, "opposition": 0.55, "islamic_state": 0.5,
                  "kurds": CONTROL_ALPHA, "unknown": 1.0}  # fmt: skip


def control_alpha(actor: str, alpha: float = CONTROL_ALPHA) -> float:
    """Return the opacity an actor's ground is drawn at (``unknown``: hatched, opaque).

    ``alpha`` scales :data:`CONTROL_ALPHAS` (its value for the government and
    the Kurdish forces).

    Examples
    --------
    >>> control_alpha("government"), control_alpha("islamic_state"), control_alpha("unknown")
    (0.38, 0.5, 1.0)
    >>> round(control_alpha("opposition", alpha=0.19), 3)
    0.275
    """
    if actor == "unknown":
        return 1.0
    return CONTROL_ALPHAS.get(actor, CONTROL_ALPHA) * alpha / CONTROL_ALPHA


#: The surface is simplified to 200 m for drawing: under a tenth of a point at A4 width
#: for the whole of Syria (assumption: drawn, not measured; shares come from the model).
CONTROL_TOLERANCE_M = 200.0


def actor_label(actor: str) -> str:
    """Return an actor as legends name it ("Government", "Kurdish forces").

    Examples
    --------
    >>> actor_label("islamic_state"), actor_label("kurds")
    ('Islamic State', 'Kurdish forces')
    """
    return fmt.ACTOR_LABELS.get(actor, actor.replace("_", " "))


def has_control(result: ScenarioResult) -> bool:
    """Return whether a result carries a control surface (``provenance["control"]``)."""
    return bool(result.provenance.get("control"))


def control_note(result: ScenarioResult) -> str:
    """Return the control layer's sentence for a source line; "" without control.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> control_note(NS(provenance={"control": {"source": "bundled", "snapshot": "2015"}}))
    'Control: Syria Conflict Mapping Project (The Carter Center), late 2014 snapshot.'
    """
    ctl = result.provenance.get("control") or {}
    if not ctl:
        return ""
    text = fmt.control_source(result)
    note = str(ctl.get("note") or "")
    return f"{text} ({note})." if note else f"{text}."


@lru_cache(maxsize=4)
def _bundled(snapshot: str, max_km: float) -> gpd.GeoDataFrame:
    from safezones import data
    from safezones.model.control import surface_from_points

    surface = surface_from_points(
        data.control(snapshot), max_km=max_km, label="Syria Conflict Mapping Project",
        snapshot=snapshot,
    )  # fmt: skip
    return _simplified(surface.polygons())


def _simplified(polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = to_metric(polygons, what="control")
    out = out.assign(geometry=out.geometry.simplify(CONTROL_TOLERANCE_M))
    return out[~out.geometry.is_empty].reset_index(drop=True)


def control_polygons(result: ScenarioResult) -> gpd.GeoDataFrame | None:
    """Return the result's control surface as ``actor``, ``geometry`` rows (PROJECT_CRS), or None.

    The polygons the result carries (``result.control_polygons``, e.g. a user's
    layer) are used first; otherwise a bundled surface is rebuilt from
    :func:`safezones.data.control` at the provenance's ``snapshot`` and
    ``max_distance_km`` (cached). A user's layer the result does not carry gives
    None: maps draw what a result carries, never re-reading the user's files.
    """
    carried = result.control_polygons
    if carried is not None:
        return _simplified(carried)
    ctl = result.provenance.get("control") or {}
    if not ctl or ctl.get("source", "bundled") != "bundled":
        return None
    max_km = float(ctl.get("max_distance_km", defaults.DEFAULT_CONTROL_MAX_KM))
    return _bundled(str(ctl["snapshot"]), max_km).copy()


def zone_flags(result: ScenarioResult) -> pd.Series:
    """Return, per zone (the index of ``result.zones``), the words of its flags; "" if none.

    A zone is flagged for a threat actor (``provenance["threat"]["actors"]``)
    holding more than :data:`~safezones.defaults.CONTROL_FLAG_SHARE` of its
    population or its area (``per_zone`` ``share_population_<actor>``,
    ``share_area_<actor>``): one line per actor, "86 % of people on
    government-held ground". Without control or shares every zone gets "".
    """
    out = pd.Series("", index=result.zones.index, dtype=object)
    if not has_control(result):
        return out
    threshold = defaults.CONTROL_FLAG_SHARE
    actors = set((result.provenance.get("threat") or {}).get("actors", ()))
    pz = result.per_zone.set_index("zone_id")
    for idx, zid in zip(result.zones.index, result.zones["zone_id"], strict=True):
        lines: list[str] = []
        for actor in ACTORS:
            pop_col, area_col = f"share_population_{actor}", f"share_area_{actor}"
            if actor not in actors or pop_col not in pz.columns or area_col not in pz.columns:
                continue
            pop, area = float(pz.loc[zid, pop_col]), float(pz.loc[zid, area_col])
            if pop > threshold or area > threshold:
                lines.append(f"{fmt.percent(pop)} of people on {fmt.held_label(actor)} ground")
        out.loc[idx] = "\n".join(lines)
    return out


def legend_entries() -> list[tuple[str, str]]:
    """Return ``(label, colour)`` of the five actors, in :data:`ACTORS` order."""
    return [(actor_label(a), CONTROL_COLOURS[a]) for a in ACTORS]


def control_layer(
    ax: Axes,
    surface_or_polygons: Any,
    *,
    alpha: float = CONTROL_ALPHA,
    title: str | None = "Ground held by:",
    zorder: float = 1.5,
) -> list[Any]:
    """Draw who holds the ground, one colour per actor; return the legend handles.

    Parameters
    ----------
    ax
        Axes in PROJECT_CRS.
    surface_or_polygons
        A :class:`~safezones.model.control.ControlSurface` (its
        :meth:`~safezones.model.control.ControlSurface.polygons`, simplified to
        :data:`~safezones.viz.control.CONTROL_TOLERANCE_M`), or polygons with an
        ``actor`` column (any CRS, drawn as given).
    alpha
        Opacity of the government's and Kurdish forces' fills, the others'
        in proportion (:data:`~safezones.viz.control.CONTROL_ALPHAS`,
        :func:`~safezones.viz.control.control_alpha`).
    title
        A first legend entry without a key ("Ground held by:"); None for none.
    zorder
        Above Syria's fill (1), under the governorate lines (2) and the zones (4).

    Returns
    -------
    list
        ``[title,] Government, Opposition, Islamic State, Kurdish forces, Unknown``
        (:data:`~safezones.schema.ACTORS` order), each a patch of its colour;
        the collections drawn carry the gid ``control:<actor>``.
    """
    if hasattr(surface_or_polygons, "polygons"):
        polys = surface_or_polygons.polygons()
        polys = polys.assign(geometry=polys.geometry.simplify(CONTROL_TOLERANCE_M))
    else:
        polys = to_metric(surface_or_polygons, what="control")
    if "actor" not in polys.columns:
        raise SafeZonesError(
            "control polygons need an 'actor' column (one of " + ", ".join(ACTORS) + ")"
        )
    hatch, hatch_colour = UNKNOWN_HATCH
    handles: list[Any] = [Line2D([], [], linestyle="", label=title)] if title else []
    for actor in ACTORS:
        part = polys[(polys["actor"] == actor).to_numpy() & ~polys.geometry.is_empty.to_numpy()]
        unknown = actor == "unknown"
        style: dict[str, Any] = (
            {"facecolor": "none", "edgecolor": hatch_colour, "hatch": hatch, "linewidth": 0}
            if unknown
            else {
                "facecolor": CONTROL_COLOURS[actor],
                "alpha": control_alpha(actor, alpha),
                "edgecolor": "none",
            }
        )
        if len(part):
            n = len(ax.collections)
            from safezones.viz.basemap import plot_frame

            plot_frame(part, ax, zorder=zorder, **style)
            for coll in ax.collections[n:]:
                coll.set_gid(f"control:{actor}")
        handles.append(Patch(label=actor_label(actor), **style))
    return handles


def deaths_text(v: Any) -> str:
    """Return a number of deaths per year: one decimal below 10, else as people are written.

    Examples
    --------
    >>> deaths_text(4.56), deaths_text(1234.5), deaths_text(float("nan"))
    ('4.6', '1,234', 'n/a')
    """
    from safezones._text import people

    x = float(v)
    if x != x:
        return "n/a"
    return f"{x:,.1f}" if abs(x) < 10 else people(x)


def share_text(pop: float, area: float) -> str:
    """Return an actor's share of a zone as popups and tables write it.

    Examples
    --------
    >>> share_text(0.855, 0.712)
    '86 % of people, 71 % of area'
    """
    return f"{fmt.percent(pop)} of people, {fmt.percent(area)} of area"


def threat_text(result: ScenarioResult) -> str:
    """Return the threat actors of a result in words ("Government, Islamic State"); "" if unknown."""
    actors = (result.provenance.get("threat") or {}).get("actors", ())
    return ", ".join(actor_label(str(a)) for a in actors)
