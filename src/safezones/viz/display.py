"""How zones and results show themselves: text in a terminal, HTML with a map in Jupyter.

- :func:`zones_text`, :func:`result_text`: plain-text summaries (``repr``).
- :func:`zones_html`, :func:`result_html`: the same as HTML tables beside a
  small static map (``_repr_html_``), with the sources of every number.
- :func:`thumbnail_png`: that map, a PNG of the zones (and events) with Syria
  and its neighbours; drawn on a bare :class:`~matplotlib.figure.Figure`, so
  nothing is left open in pyplot.
- :func:`explore`: an interactive folium map of a result (zones with
  popups carrying the numbers, events), for :meth:`ScenarioResult.explore`.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safezones._plural import plural
from safezones._text import people
from safezones.crs import to_metric
from safezones.errors import SafeZonesError
from safezones.viz.format import (
    KIND_COLOURS,
    metric_label,
    result_sources,
    source_note,
    window_label,
)

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult

__all__ = [
    "EXPLORE_MAX_EVENTS",
    "THUMBNAIL_WIDTH_IN",
    "Thumbnail",
    "explore",
    "result_html",
    "result_text",
    "thumbnail_png",
    "thumbnail_view",
    "zones_html",
    "zones_text",
]

#: Width of the map in the HTML summaries (inches at 96 dpi: about 300 px).
THUMBNAIL_WIDTH_IN = 3.2
#: Events shown by :func:`explore` at most (the deadliest); more make the page slow.
EXPLORE_MAX_EVENTS = 2000


def _km2(v: float) -> str:
    return f"{v:,.0f} km²" if v >= 10 else f"{v:,.1f} km²"


def _text_table(df: pd.DataFrame, right: tuple[str, ...] = ()) -> str:
    """Columns of text left-aligned, the ``right`` ones (numbers) right-aligned."""
    cols = [str(c) for c in df.columns]
    cells = [[str(v) for v in df[c]] for c in df.columns]
    widths = [max(len(c), *(len(v) for v in col)) for c, col in zip(cols, cells, strict=True)]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if c in right else v.ljust(w)
            for c, v, w in zip(cols, values, widths, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rows = [line(cols)] + [line(list(r)) for r in zip(*cells, strict=True)]
    return "\n".join(rows)


def _union_km2(zones: gpd.GeoDataFrame) -> float:
    import shapely

    return float(shapely.union_all(to_metric(zones, what="zones").geometry.to_numpy()).area / 1e6)


# ---------------------------------------------------------------- the small map


class Thumbnail:
    """A small map whose zones and title can be redrawn on the same base (for sliders).

    Syria, its neighbours and the events are drawn once; :meth:`png` draws the
    given zones and title over them and returns the PNG bytes.
    """

    def __init__(
        self,
        view: tuple[float, float, float, float],
        events: gpd.GeoDataFrame | None = None,
        *,
        width: float = THUMBNAIL_WIDTH_IN,
        title: bool = False,
    ) -> None:
        from matplotlib.figure import Figure

        from safezones.viz.basemap import draw_base
        from safezones.viz.layers import event_arrays

        aspect = (view[3] - view[1]) / (view[2] - view[0])
        head = 0.28 if title else 0.0
        height = width * aspect + head
        self.fig = Figure(figsize=(width, height))
        self.ax = self.fig.add_axes((0, 0, 1, width * aspect / height))
        self.view = view
        draw_base(self.ax, view, neighbours=True, governorates=False)
        if events is not None and len(events):
            x, y, _ = event_arrays(events)
            self.ax.scatter(x, y, s=2.0, color="#b2182b", alpha=0.4, linewidths=0, zorder=3)
        for spine in self.ax.spines.values():
            spine.set_linewidth(0.5)
        self._title = self.fig.text(
            0.02, 1 - 0.04 / height, "", fontsize=8, va="top", parse_math=False
        )  # the title is user text: a "$" is no mathtext
        self._base = (len(self.ax.collections), len(self.ax.patches), len(self.ax.lines))

    def png(self, zones: gpd.GeoDataFrame, *, title: str = "", dpi: int = 96) -> bytes:
        """Return the PNG of the map with ``zones`` and ``title`` drawn over the base."""
        from safezones.viz.layers import draw_zones

        n_coll, n_patch, n_line = self._base
        for artist in [
            *self.ax.collections[n_coll:],
            *self.ax.patches[n_patch:],
            *self.ax.lines[n_line:],
        ]:
            artist.remove()
        zm = to_metric(zones, what="zones")
        if len(zm):
            draw_zones(self.ax, zm, alpha=0.5)
        self.ax.set_xlim(self.view[0], self.view[2])
        self.ax.set_ylim(self.view[1], self.view[3])
        self._title.set_text(title)
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()


def thumbnail_png(
    zones: gpd.GeoDataFrame,
    events: gpd.GeoDataFrame | None = None,
    *,
    width: float = THUMBNAIL_WIDTH_IN,
    dpi: int = 96,
    title: str | None = None,
    view: tuple[float, float, float, float] | None = None,
) -> bytes:
    r"""Return a small PNG map: the zones coloured by kind, events as dots, Syria and neighbours.

    The view (``x0, y0, x1, y1`` in PROJECT_CRS metres) fits the zones by
    default (:func:`thumbnail_view`): at least 350 km wide, so a freeze zone
    shows its surroundings.

    Examples
    --------
    >>> from safezones.model.zones import freeze_zone
    >>> png = thumbnail_png(freeze_zone("Aleppo", radius_km=15))
    >>> png[:8] == b"\x89PNG\r\n\x1a\n"
    True
    """
    from safezones.viz.basemap import syria_view

    zm = to_metric(zones, what="zones")
    if view is None:
        view = thumbnail_view(zm.total_bounds) if len(zm) else syria_view()
    thumb = Thumbnail(view, events, width=width, title=bool(title))
    return thumb.png(zm, title=title or "", dpi=dpi)


def thumbnail_view(bounds: Any, *, min_km: float = 350.0) -> tuple[float, float, float, float]:
    """Return the view of :func:`thumbnail_png` around ``bounds`` (PROJECT_CRS metres).

    The bounds padded by 10 % and at least ``min_km`` wide and 250 km high,
    with height / width kept between 0.45 and 1.1, so that a strip along a
    border is not lost in a tall frame.
    """
    x0, y0, x1, y1 = (float(v) for v in bounds)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max((x1 - x0) * 1.2, min_km * 1000)
    h = max((y1 - y0) * 1.2, 250e3)
    w, h = max(w, h / 1.1), max(h, w * 0.45)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
        'style="max-width:100%;height:auto;border:1px solid #ccc"/>'
    )


def _layout(left: str, png: bytes, alt: str, caption: str) -> str:
    return (
        '<div class="safezones" style="display:flex;flex-wrap:wrap;gap:1.5em;'
        'align-items:flex-start">'
        f"<div>{left}</div>"
        f'<figure style="margin:0;max-width:{THUMBNAIL_WIDTH_IN * 96:.0f}px">{_img(png, alt)}'
        f'<figcaption style="font-size:0.8em;color:#555">{html.escape(caption)}</figcaption>'
        "</figure></div>"
    )


def _table_html(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0, classes="dataframe")


# ---------------------------------------------------------------- zones


def _zone_rows(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "zone": zones["zone_id"].astype(str).to_numpy(),
            "kind": zones["kind"].astype(str).to_numpy() if "kind" in zones else "",
            "name": zones["name"].astype(str).to_numpy() if "name" in zones else "",
            "area": [_km2(float(a)) for a in zones["area_km2"]],
        }
    )
    if "overlaps_with" in zones and (zones["overlaps_with"].astype(str) != "").any():
        rows["overlaps"] = zones["overlaps_with"].astype(str).str.replace(";", ", ").to_numpy()
    return rows


def _zones_headline(zones: gpd.GeoDataFrame) -> str:
    n = len(zones)
    total = float(zones["area_km2"].sum())
    head = f"{n} zone{'s' if n != 1 else ''}, {_km2(total)}"
    if "overlap_km2" in zones and float(zones["overlap_km2"].sum()) > 0:
        head += f" ({_km2(_union_km2(zones))} without double counting overlaps)"
    return head


_ZONES_NOTE = (
    "Areas measured in PROJECT_CRS (equal-area). Boundaries: Natural Earth (public domain); "
    "map not an endorsement of any border."
)


def zones_text(zones: gpd.GeoDataFrame) -> str:
    """Return a zone layer as text: how many zones, their area, one line each.

    Examples
    --------
    >>> from safezones.model.zones import freeze_zone, zone_set
    >>> print(zones_text(zone_set(freeze_zone("Aleppo", radius_km=15))))
    ZoneSet: 1 zone, 707 km²
    zone                kind    name                          area
    freeze-aleppo-15km  freeze  Aleppo freeze zone, 15 km  707 km²
    """
    if not len(zones):
        return "ZoneSet: no zones"
    body = _text_table(_zone_rows(zones), right=("area",))
    return f"ZoneSet: {_zones_headline(zones)}\n{body}"


def zones_html(zones: gpd.GeoDataFrame) -> str:
    """Return a zone layer as HTML: the table beside a small map."""
    if not len(zones):
        return "<p><b>ZoneSet</b>: no zones</p>"
    left = (
        f"<p><b>ZoneSet</b>: {html.escape(_zones_headline(zones))}</p>"
        + _table_html(_zone_rows(zones))
        + f'<p style="font-size:0.8em;color:#555">{html.escape(_ZONES_NOTE)}</p>'
    )
    png = thumbnail_png(zones)
    return _layout(left, png, "Map of the zones", "Zones by kind; Syria outlined.")


# ---------------------------------------------------------------- results


def _window(prov: Mapping[str, Any]) -> str:
    return window_label(prov["window"])


def _result_headline(result: ScenarioResult) -> str:
    prov = result.provenance
    from safezones.viz.control import threat_text

    n = len(result.zones)
    threat = threat_text(result)
    return (
        f"{prov['draws']:,} draw{'s' if prov['draws'] != 1 else ''}, seed {prov['seed']}; "
        f"events {_window(prov)}; {n} zone{'s' if n != 1 else ''}, "
        f"{_km2(float(result.zones['area_km2'].sum()))}; allocation {prov.get('allocation', '')}"
        + (f"; threat: {threat}" if threat else "")
    )


def _totals_value(metric: str, v: float) -> str:
    from safezones.viz.control import deaths_text

    return deaths_text(v) if metric == "deaths_averted" else people(v)


def _totals_rows(result: ScenarioResult) -> pd.DataFrame:
    t = result.totals
    return pd.DataFrame(
        {
            "metric": [metric_label(str(m)) for m in t.index],
            **{
                q.upper(): [_totals_value(str(m), v) for m, v in zip(t.index, t[q], strict=True)]
                for q in ("p5", "p50", "p95")
            },
        }
    )


def _people_by_actor(pz: pd.DataFrame) -> list[str] | None:
    """Return each zone's population shares by actor (0.5 % or more); None without shares."""
    from safezones.schema import ACTORS
    from safezones.viz.control import actor_label

    cols = [f"share_population_{a}" for a in ACTORS]
    if not all(c in pz.columns for c in cols):
        return None
    return [
        ", ".join(
            f"{actor_label(a)} {round(float(row[c]) * 100):.0f} %"
            for a, c in zip(ACTORS, cols, strict=True)
            if float(row[c]) >= 0.005
        )
        for _, row in pz.iterrows()
    ]


def _control_rows(pz: pd.DataFrame) -> dict[str, list[str]]:
    """Return the per-zone columns of control and deaths averted that the table has."""
    from safezones.viz.control import actor_label, deaths_text

    out: dict[str, list[str]] = {}
    if "actor" in pz.columns:
        out["held by"] = [actor_label(str(a)) for a in pz["actor"]]
    shares = _people_by_actor(pz)
    if shares is not None:
        out["people by actor"] = shares
    if "deaths_averted_p50" in pz.columns:
        out["deaths averted per year P50 (P5 to P95)"] = [
            f"{deaths_text(m)} ({deaths_text(a)} to {deaths_text(b)})"
            for m, a, b in zip(pz["deaths_averted_p50"], pz["deaths_averted_p5"],
                               pz["deaths_averted_p95"], strict=True)
        ]  # fmt: skip
    return out


def _split_rows(pz: pd.DataFrame) -> dict[str, list[str]]:
    """Return the per-zone columns of who is sheltered and why no more (when the table has them)."""
    if "arrivals_p50" not in pz.columns:
        return {}
    out = {
        "arrivals P50": [people(v) for v in pz["arrivals_p50"]],
        "displaced within P50": [people(v) for v in pz["displaced_within_p50"]],
        "upper bound P50": [people(v) for v in pz["sheltered_optimal_p50"]],
    }
    if "binding" in pz.columns:
        out["binding"] = [f"{b} ({share:.0%} of draws)"
                          for b, share in zip(pz["binding"], pz["binding_share"], strict=True)]  # fmt: skip
    return out


def _per_zone_rows(result: ScenarioResult) -> pd.DataFrame:
    pz = result.per_zone
    return pd.DataFrame(
        {
            "zone": pz["zone_id"].astype(str).to_numpy(),
            "kind": pz["kind"].astype(str).to_numpy(),
            "area": [_km2(float(a)) for a in pz["area_km2"]],
            "population P50": [people(v) for v in pz["population_p50"]],
            "residents protected P50": [people(v) for v in pz["residents_protected_p50"]],
            "capacity P50": [people(v) for v in pz["capacity_p50"]],
            "sheltered P50 (P5 to P95)": [
                f"{people(m)} ({people(a)} to {people(b)})"
                for m, a, b in zip(
                    pz["sheltered_p50"], pz["sheltered_p5"], pz["sheltered_p95"], strict=True
                )
            ],
            **_split_rows(pz),
            **_control_rows(pz),
        }
    )


def _sources_line(result: ScenarioResult) -> str:
    return source_note(result_sources(result))


def _citation(result: ScenarioResult) -> str:
    return f"Scenario: {result.scenario.source.citation}."


def _ground_lines(result: ScenarioResult) -> list[str]:
    """Return the flags of zones holding their threat actors' ground, and the control note."""
    from safezones.viz.control import control_note
    from safezones.viz.format import control_flags

    flags = control_flags(result)
    note = control_note(result)
    if not flags and not note:
        return []
    return [
        "",
        "who holds the ground:",
        *(f"  {s}" for s in flags),
        *([f"  {note}"] if note else []),
    ]


def result_text(result: ScenarioResult) -> str:
    """Return a result as text: the totals with P5/P50/P95, one line per zone, the sources."""
    sc = result.scenario
    lines = [
        f"ScenarioResult {sc.id!r}: {sc.title}",
        _result_headline(result),
        "",
        _text_table(_totals_rows(result), right=("P5", "P50", "P95")),
        "",
        "per zone:",
    ]
    for _, r in _per_zone_rows(result).iterrows():
        line = (
            f"  {r['zone']} ({r['kind']}, {r['area']}): sheltered "
            f"{r['sheltered P50 (P5 to P95)']}, capacity {r['capacity P50']}; population "
            f"{r['population P50']}, residents protected {r['residents protected P50']}"
        )
        if "arrivals P50" in r:
            line += (f"; arrivals {r['arrivals P50']}, displaced within "
                     f"{r['displaced within P50']}, upper bound {r['upper bound P50']}")  # fmt: skip
        if "binding" in r:
            line += f"; limited by {r['binding']}"
        if "held by" in r:
            line += f"; held by {r['held by']}"
        if "people by actor" in r:
            line += f" (people: {r['people by actor']})"
        if "deaths averted per year P50 (P5 to P95)" in r:
            line += f"; deaths averted per year {r['deaths averted per year P50 (P5 to P95)']}"
        lines.append(line)
    lines += [*_ground_lines(result), "", _citation(result), _sources_line(result)]
    return "\n".join(lines)


def _ground_html(result: ScenarioResult) -> str:
    lines = _ground_lines(result)
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(s.strip())}</li>" for s in lines[2:])
    return f"<p><b>Who holds the ground</b></p><ul>{items}</ul>"


def result_html(result: ScenarioResult) -> str:
    """Return a result as HTML: headline, totals and per-zone tables, sources, and a small map."""
    sc = result.scenario
    t = result.totals
    head = (
        f"{people(t.loc['sheltered', 'p50'])} sheltered (P5 {people(t.loc['sheltered', 'p5'])}, "
        f"P95 {people(t.loc['sheltered', 'p95'])}) of {people(t.loc['displaced', 'p50'])} "
        "displaced"
    )
    small = 'style="font-size:0.8em;color:#555"'
    left = (
        f"<p><b>{html.escape(sc.title)}</b> <code>{html.escape(sc.id)}</code><br/>"
        f"{html.escape(head)}<br/><span {small}>{html.escape(_result_headline(result))}</span></p>"
        + _table_html(_totals_rows(result))
        + "<p><b>Per zone</b></p>"
        + _table_html(_per_zone_rows(result))
        + _ground_html(result)
        + f"<p {small}>{html.escape(_citation(result))} {html.escape(_sources_line(result))} "
        "Every parameter: <code>result.provenance</code>; interactive map: "
        "<code>result.explore()</code>.</p>"
    )
    png = thumbnail_png(result.zones, result.events)
    n_events = len(result.events) if result.events is not None else 0
    caption = (
        f"Zones by kind; dots: the {plural(n_events, 'event')} of {_window(result.provenance)}."
    )
    return _layout(left, png, f"Map of {sc.title}", caption)


# ---------------------------------------------------------------- interactive map


def _folium() -> Any:
    try:
        import folium
    except ImportError:  # pragma: no cover - folium comes with the notebook extra
        raise SafeZonesError(
            "result.explore() needs folium: pip install 'safezones[notebook]'"
        ) from None
    return folium


def _control_popup(result: ScenarioResult, z: gpd.GeoDataFrame, pz: pd.DataFrame) -> list[str]:
    """Add the zones' control and deaths averted to ``z`` (text); return the popup fields added."""
    from safezones.schema import ACTORS
    from safezones.viz.control import actor_label, deaths_text, share_text, threat_text

    ids = z["zone_id"]
    fields: list[str] = []
    if "actor" in pz.columns:
        z["held_by"] = [actor_label(str(pz.loc[i, "actor"])) for i in ids]
        fields.append("held_by")
    for a in ACTORS:
        pop, area = f"share_population_{a}", f"share_area_{a}"
        if pop in pz.columns and area in pz.columns:
            z[f"{a}_ground"] = [share_text(pz.loc[i, pop], pz.loc[i, area]) for i in ids]
            fields.append(f"{a}_ground")
    threat = threat_text(result)
    if threat:
        z["threat_actors"] = threat
        fields.append("threat_actors")
    if "deaths_averted_p50" in pz.columns:
        z["deaths_averted_per_year"] = [
            f"{deaths_text(pz.loc[i, 'deaths_averted_p50'])} "
            f"({deaths_text(pz.loc[i, 'deaths_averted_p5'])} to "
            f"{deaths_text(pz.loc[i, 'deaths_averted_p95'])})"
            for i in ids
        ]
        fields.append("deaths_averted_per_year")
    return fields


def explore(
    result: ScenarioResult,
    *,
    events: bool = True,
    max_events: int = EXPLORE_MAX_EVENTS,
    tiles: str | None = None,
    m: Any = None,
    control: bool | None = None,
) -> Any:
    """Return an interactive map of a result: zones with their numbers, who holds the ground, events.

    Clicking a zone shows its area, population (everyone living there),
    residents protected (those not displaced), capacity, sheltered and
    safety-weighted sheltered (P50 with P5 to P95), its events and civilian
    deaths in the window (weighted: fractional where an event is known only
    to a district or governorate), protection and safety; with control, the
    actor holding most of its people, each actor's share of its people and
    area, the threat actors and the deaths averted per year (P50 with P5 to
    P95). Clicking an event shows its
    id, year, deaths and source. More than ``max_events`` events keeps the
    deadliest, :data:`EXPLORE_MAX_EVENTS` by default (the layer's name says
    how many of how many). A box in the corner gives the legend and names
    the sources.

    The page works offline: it carries Leaflet inline and links nothing
    (:func:`safezones.viz.explore.offline_map`), and Syria, its neighbours and the
    governorates are drawn from the bundled data (layer "borders"). ``tiles``
    (a folium tile name such as ``"OpenStreetMap"``) adds a background fetched
    from the internet; None (default) draws none. Every
    text (names, titles, event ids, sources) is shown as text, escaped. A map
    given as ``m`` keeps its own tiles and resources; the borders are added
    to it once. ``control`` adds who holds the ground as a layer of its own,
    toggled in the layer control (by default when the result carries a control
    surface; see :func:`safezones.viz.control.control_polygons`).

    Returns
    -------
    folium.Map
    """
    folium = _folium()
    from safezones.viz import control as ctl
    from safezones.viz.explore import add_basemap, add_control, escaped, legend_html, offline_map

    if max_events < 0:
        raise SafeZonesError(f"max_events must be 0 or more, got {max_events}")
    pz = result.per_zone.set_index("zone_id")
    z = result.zones[["zone_id", "kind", "name", "geometry"]].copy()
    ids = z["zone_id"]

    def band(metric: str) -> list[str]:
        return [
            f"{people(pz.loc[i, f'{metric}_p50'])} ({people(pz.loc[i, f'{metric}_p5'])} "
            f"to {people(pz.loc[i, f'{metric}_p95'])})"
            for i in ids
        ]

    z["area"] = [_km2(float(pz.loc[i, "area_km2"])) for i in ids]
    z["population"] = band("population")
    z["residents_protected"] = band("residents_protected")
    z["capacity"] = band("capacity")
    z["sheltered"] = band("sheltered")
    split = [c for c in ("arrivals", "displaced_within", "sheltered_optimal") if f"{c}_p50" in pz]
    for c in split:
        z[c] = band(c)
    if "binding" in pz.columns:
        split.append("binding")
        z["binding"] = [f"{pz.loc[i, 'binding']} ({float(pz.loc[i, 'binding_share']):.0%} of draws)"
                        for i in ids]  # fmt: skip
    z["sheltered_safe"] = band("sheltered_safe")
    z["events_weighted"] = [f"{float(pz.loc[i, 'events_weighted']):,.1f}" for i in ids]
    z["civilian_deaths_weighted"] = [
        f"{float(pz.loc[i, 'deaths_civilians_weighted']):,.1f}" for i in ids
    ]
    z["protection"] = [f"{float(pz.loc[i, 'protection']):.2f}" for i in ids]
    z["safety"] = [f"{float(pz.loc[i, 'safety']):.2f}" for i in ids]
    colours = [KIND_COLOURS.get(str(k), "#555555") for k in z["kind"]]
    popup = ["zone_id", "kind", "name", "area", "population", "residents_protected", "capacity",
             "sheltered", *split, "sheltered_safe", "events_weighted", "civilian_deaths_weighted",
             "protection", "safety"]  # fmt: skip
    popup += _control_popup(result, z, pz)
    if m is None:
        m = offline_map(tiles=tiles, control_scale=True)
    add_basemap(m)
    polys = None
    if control is not False and (control or ctl.has_control(result)):
        polys = ctl.control_polygons(result)
        if polys is None and control:
            raise SafeZonesError("this result carries no control surface to draw: control=False")
    if polys is not None:
        add_control(m, polys, name=f"who holds the ground: {ctl.control_note(result)}")
    escaped(z).explore(
        m=m,
        color=colours,
        tooltip=["name", "sheltered"],
        popup=popup,
        name=html.escape(f"zones: {result.scenario.title}"),
        # over the control layer outlined, as on the static maps: a tinted fill mixes with the
        # ground (blue over the Kurdish forces' yellow reads as the opposition's green);
        # clickable inside all the same
        style_kwds={"fillOpacity": 0.35, "weight": 2}
        if polys is None
        else {"fillOpacity": 0.0, "weight": 3},
    )
    keys = [(f"{k} zone", KIND_COLOURS.get(k, "#555555"), "area" if polys is None else "outline")
            for k in dict.fromkeys(z["kind"].astype(str))]  # fmt: skip
    if polys is not None:
        keys += [(label, colour, "area") for label, colour in ctl.legend_entries()[:-1]]
        keys.append((ctl.actor_label("unknown"), ctl.UNKNOWN_HATCH[1], "line"))
    ev = result.events
    if events and ev is not None and len(ev) and max_events:
        keys.append(("event", "#b2182b", "dot"))
        shown = ev
        label = f"events {_window(result.provenance)} ({len(ev):,})"
        if len(ev) > max_events:
            deaths = (
                pd.to_numeric(ev["deaths_total"], errors="coerce").fillna(0).to_numpy()
                if "deaths_total" in ev.columns
                else np.zeros(len(ev))  # a user's points without deaths: the first ones
            )
            order = np.argsort(-deaths, kind="stable")[:max_events]
            shown = ev.iloc[np.sort(order)]
            label = f"events {_window(result.provenance)} ({max_events:,} deadliest of {len(ev):,})"
        cols = [c for c in ("event_id", "source", "year", "deaths_total", "deaths_civilians")
                if c in shown.columns]  # fmt: skip
        pts = shown[[*cols, "geometry"]].copy()
        pts["geometry"] = pts.geometry.representative_point()
        escaped(pts).explore(
            m=m,
            color="#b2182b",
            marker_type="circle_marker",
            marker_kwds={"radius": 3, "fill": True},
            style_kwds={"fillOpacity": 0.6, "weight": 0.5},
            popup=cols,
            tooltip=False,
            name=html.escape(label),
        )
    folium.LayerControl(collapsed=True).add_to(m)
    ground = f" {ctl.control_note(result)}" if polys is not None else ""
    note = html.escape(f"{_citation(result)} {_sources_line(result)}{ground}")
    m.get_root().html.add_child(
        folium.Element(
            '<div style="position:fixed;bottom:44px;left:8px;z-index:9999;max-width:60%;'
            "background:rgba(255,255,255,0.85);padding:3px 6px;font:11px sans-serif;"
            f'color:#333">{legend_html(keys)}<br/>safezones: {note}</div>'
        )
    )
    x0, y0, x1, y1 = gpd.GeoSeries(z.geometry, crs=z.crs).to_crs(4326).total_bounds
    m.fit_bounds([[y0, x0], [y1, x1]])
    return m
