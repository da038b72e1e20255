"""Self-contained folium maps for :func:`safezones.viz.display.explore`.

Field analysts are often offline, and folium's page links Leaflet, jQuery,
Bootstrap and Font Awesome from four CDNs and draws OpenStreetMap tiles: a
blank page without internet. The pieces here make the page stand alone:

- :func:`offline_map`: a :class:`folium.Map` that carries the Leaflet
  JavaScript and CSS inline (vendored in ``_vendor/leaflet`` with its BSD
  licence) and links nothing. jQuery, Bootstrap and the awesome-markers files
  are left out: GeoJSON layers, their tooltips and popups, the layer control
  and the scale need only Leaflet (a ``folium.Popup`` or ``folium.Icon`` added
  later would need them: draw such maps yourself and pass them as ``m=``).
- :func:`add_basemap`: Syria, its neighbours and the governorates from the
  bundled data as vector layers, so that the map is useful without tiles.
- :func:`add_control`: who holds the ground as a layer of its own (toggled in
  the layer control), under the zones, in the colours of the static maps.
- :func:`escaped`: every text value as HTML-escaped text. Folium's tooltips and
  popups and Leaflet's layer control put values into ``innerHTML``, so a zone
  named ``<img src=x onerror=...>`` would run its script on hover.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import shapely

__all__ = [
    "BASEMAP_DECIMALS",
    "BASEMAP_MARGIN_DEG",
    "BASEMAP_TOLERANCE_M",
    "BORDER_COLOUR",
    "GOVERNORATE_COLOUR",
    "LEAFLET_VERSION",
    "NEIGHBOUR_EDGE",
    "add_basemap",
    "add_control",
    "escaped",
    "leaflet_assets",
    "legend_html",
    "offline_map",
]

#: The Leaflet vendored in ``_vendor/leaflet`` (its README gives the file hashes).
LEAFLET_VERSION = "1.9.4"
#: Basemap lines simplified to 500 m: one pixel at zoom 8 at 35° N (Web Mercator
#: 156,543 m x cos 35° / 2**8 = 501 m), the zoom that shows Syria whole; zoomed in on
#: a town the borders are approximate (assumption: context, not measurement; zones are
#: drawn unsimplified).
BASEMAP_TOLERANCE_M = 500.0
#: Neighbours are cut to Syria's bounding box widened by 5 degrees (about 450 to
#: 550 km): more than a screen shows around Syria at zoom 6; the rest of Egypt,
#: Saudi Arabia and western Turkey would double the page (assumption).
BASEMAP_MARGIN_DEG = 5.0
#: Basemap coordinates rounded to 4 decimals of a degree (about 11 m), well below
#: the simplification (assumption).
BASEMAP_DECIMALS = 4
#: Colours of the basemap: those of the static maps (:mod:`safezones.viz.basemap`).
NEIGHBOUR_EDGE = "#9a9a9a"
GOVERNORATE_COLOUR = "#a8a8a8"
BORDER_COLOUR = "#000000"
_PANE = "safezones-basemap"
_CONTROL_PANE = "safezones-control"
_Frame = TypeVar("_Frame", bound=pd.DataFrame)
_ASSETS = ("viz", "_vendor", "leaflet")


def _folium() -> Any:
    import folium

    return folium


@cache
def leaflet_assets() -> tuple[str, str]:
    """Return the vendored Leaflet as ``(javascript, css)``, ready to inline.

    The CSS carries the layer-control icons as ``data:`` URIs; the JavaScript
    loses its ``sourceMappingURL`` comment (the map file is not shipped).
    """
    root = resources.files("safezones").joinpath(*_ASSETS)
    js = root.joinpath("leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
    css = root.joinpath("leaflet.css").read_text(encoding="utf-8")
    for name in ("layers.png", "layers-2x.png"):
        png = base64.b64encode(root.joinpath("images", name).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{png})")
    return js, css


def offline_map(*, tiles: str | None = None, **kwargs: Any) -> Any:
    """Return a :class:`folium.Map` whose page carries Leaflet inline and links nothing.

    Parameters
    ----------
    tiles
        A folium tile name such as ``"OpenStreetMap"`` (fetched from the
        internet), or None (default) for none: the sea colour of the static
        maps as the background, for :func:`add_basemap` to draw on.
    **kwargs
        Passed to :class:`folium.Map`.
    """
    from safezones.errors import SafeZonesError
    from safezones.viz.format import SEA_COLOUR

    folium = _folium()
    try:
        m = folium.Map(tiles=tiles, **kwargs)
    except ValueError:  # folium: "Custom tiles must have an attribution."
        raise SafeZonesError(
            f"tiles={tiles!r} is not a tile name folium knows: give one such as "
            "'OpenStreetMap', or None (the default) for no tiles"
        ) from None
    # instance attributes: folium's class lists (the CDN links) stay as they are for others
    m.default_js = []
    m.default_css = []
    js, css = leaflet_assets()
    header = m.get_root().header
    header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css")
    header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet")
    if tiles is None:
        sea = f"<style>.leaflet-container{{background:{SEA_COLOUR}}}</style>"
        header.add_child(folium.Element(sea), name="safezones_sea")
    return m


def _round(geoms: Any, decimals: int) -> Any:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


@cache
def _basemap_json() -> str:
    from safezones import data
    from safezones.crs import LONLAT_CRS, to_metric

    countries = data.countries()
    syria = countries["iso_a3"] == "SYR"
    x0, y0, x1, y1 = countries[syria].total_bounds
    box = (x0 - BASEMAP_MARGIN_DEG, y0 - BASEMAP_MARGIN_DEG,
           x1 + BASEMAP_MARGIN_DEG, y1 + BASEMAP_MARGIN_DEG)  # fmt: skip

    def features(gdf: Any) -> list[dict[str, Any]]:
        geoms = to_metric(gdf).geometry.simplify(BASEMAP_TOLERANCE_M).to_crs(LONLAT_CRS)
        geoms = _round(shapely.clip_by_rect(geoms.to_numpy(), *box), BASEMAP_DECIMALS)
        return [
            {"type": "Feature", "id": i, "properties": {}, "geometry": g.__geo_interface__}
            for i, g in enumerate(geoms)
            if not g.is_empty
        ]

    layers = {
        "neighbours": features(countries[~syria]),
        "syria": features(countries[syria]),
        "governorates": features(data.governorates()),
    }
    return json.dumps(layers, separators=(",", ":"))


def _has_tiles(m: Any) -> bool:
    folium = _folium()
    return any(isinstance(c, folium.TileLayer) for c in m._children.values())  # noqa: SLF001


def add_basemap(m: Any) -> None:
    """Draw Syria, its neighbours and the governorates on ``m`` as vector layers.

    In a pane of their own below the zones and events (and above tiles), not
    clickable, as one layer "borders" of the layer control. On a map without
    tiles the countries are filled as on the static maps (neighbours grey,
    Syria white); over tiles only their lines are drawn. Added once per map.
    """
    from safezones.viz.format import LAND_COLOUR

    if getattr(m, "_safezones_basemap", False):
        return
    folium = _folium()
    filled = not _has_tiles(m)
    layers = json.loads(_basemap_json())
    m.add_child(folium.map.CustomPane(_PANE, z_index=250))  # tiles 200, zones 400
    group = folium.FeatureGroup(name="borders (Natural Earth, OCHA)")
    fill = 1.0 if filled else 0.0
    styles = {
        "neighbours": {"fillColor": LAND_COLOUR, "fillOpacity": fill, "color": NEIGHBOUR_EDGE,
                       "weight": 0.8},
        "syria": {"fillColor": "#ffffff", "fillOpacity": fill, "stroke": False},
        "governorates": {"fill": False, "color": GOVERNORATE_COLOUR, "weight": 0.7},
        "border": {"fill": False, "color": BORDER_COLOUR, "weight": 1.2},
    }  # fmt: skip
    for key, style in styles.items():
        feats = layers["syria" if key == "border" else key]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": feats},
            style_function=lambda _f, s=style: s,
            control=False,
            interactive=False,
            pane=_PANE,
        ).add_to(group)
    group.add_to(m)
    m._safezones_basemap = True  # noqa: SLF001 - our mark on the map: borders added once


def add_control(m: Any, polygons: Any, *, name: str) -> None:
    """Draw who holds the ground (``actor``, ``geometry`` rows) on ``m`` as the layer ``name``.

    In a pane between the borders and the zones (the zones stay clickable),
    simplified like the basemap (:data:`BASEMAP_TOLERANCE_M`), one colour per
    actor as on the static maps (:data:`~safezones.viz.control.CONTROL_COLOURS`,
    ``unknown`` a light grey outline with no fill); a tooltip names the actor.
    ``name`` is escaped. A layer of the same ``name`` is added to a map once.
    """
    from safezones.crs import LONLAT_CRS, to_metric
    from safezones.viz.control import (
        CONTROL_COLOURS,
        UNKNOWN_HATCH,
        actor_label,
        control_alpha,
    )

    folium = _folium()
    drawn: set[str] = getattr(m, "_safezones_control", set())
    if name in drawn:  # the same surface (its name says which) for a second result: once
        return
    pm = to_metric(polygons, what="control")
    geoms = pm.geometry.simplify(BASEMAP_TOLERANCE_M).to_crs(LONLAT_CRS).to_numpy()
    geoms = _round(geoms, BASEMAP_DECIMALS)
    feats = [
        {"type": "Feature", "id": i,
         "properties": {"actor": str(a), "held_by": html.escape(actor_label(str(a)))},
         "geometry": g.__geo_interface__}
        for i, (a, g) in enumerate(zip(pm["actor"], geoms, strict=True))
        if not g.is_empty
    ]  # fmt: skip

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        actor = feature["properties"]["actor"]
        if actor == "unknown":
            return {"fill": False, "color": UNKNOWN_HATCH[1], "weight": 0.6, "dashArray": "3 3"}
        return {"fillColor": CONTROL_COLOURS[actor], "fillOpacity": control_alpha(actor),
                "stroke": False}  # fmt: skip

    if not drawn:
        m.add_child(folium.map.CustomPane(_CONTROL_PANE, z_index=300))  # borders 250, zones 400
    group = folium.FeatureGroup(name=html.escape(name))
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["held_by"], aliases=["held by"]),
        pane=_CONTROL_PANE,
    ).add_to(group)
    group.add_to(m)
    m._safezones_control = drawn | {name}  # noqa: SLF001 - our mark on the map, as the borders'


def _text(v: Any) -> Any:
    if isinstance(v, bool | int | float | np.number | np.bool_):
        return v
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    return html.escape(str(v))


def escaped(df: _Frame) -> _Frame:
    """Return a copy of ``df`` whose text (every non-number in a non-numeric column) is HTML-escaped.

    Numbers, booleans, times and missing values stay as they are; the geometry
    column and folium's own ``__folium_color`` are left alone.

    Examples
    --------
    >>> escaped(pd.DataFrame({"name": ["<b>x</b>", "a & b"], "n": [1, 2]})).to_dict("list")
    {'name': ['&lt;b&gt;x&lt;/b&gt;', 'a &amp; b'], 'n': [1, 2]}
    """
    out = df.copy()  # a GeoDataFrame stays one
    geometry = getattr(df, "_geometry_column_name", None)
    for col in out.columns:
        if col == geometry or str(col).startswith("__folium"):
            continue
        kind = out[col].dtype
        if pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind):
            continue  # numbers, booleans and times: no markup in them
        out[col] = pd.Series([_text(v) for v in out[col]], index=out.index, dtype=object)
    return out


def _swatch(colour: str, shape: str) -> str:
    c = html.escape(colour, quote=True)
    box = "display:inline-block;vertical-align:middle;margin:0 3px 0 8px;"
    if shape == "dot":
        return f'<span style="{box}width:7px;height:7px;border-radius:50%;background:{c}"></span>'
    if shape == "line":
        return f'<span style="{box}width:14px;height:0;border-top:1.5px solid {c}"></span>'
    if shape == "outline":
        return f'<span style="{box}width:12px;height:9px;border:3px solid {c}"></span>'
    return (
        f'<span style="{box}width:12px;height:9px;border:2px solid {c};'
        f'background:{c}59"></span>'  # 0x59 / 255 = 0.35, the zones' fill opacity
    )


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """One line of legend: ``(label, colour, shape)``, shape ``area``, ``outline``, ``dot`` or ``line``.

    The basemap's keys (Syria's border, governorates) come last. Labels are escaped.
    """
    keys = [
        *entries,
        ("Syria", BORDER_COLOUR, "line"),
        ("governorates", GOVERNORATE_COLOUR, "line"),
    ]
    return "".join(f"{_swatch(c, s)}{html.escape(label)}" for label, c, s in keys)
