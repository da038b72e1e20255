"""Who holds the ground on the maps, popups and summaries: colours, legend, source line, flags.

The result is a shipped scenario given its control by hand (the shares measured
by safezones.model.control on the bundled SCMP points, the provenance as the
result writes it), so these tests hold before and after the engine fills them.
"""

from __future__ import annotations

import dataclasses
import html as html_lib
from html.parser import HTMLParser

import folium
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.text import Text

import safezones as sz
from safezones import data, viz
from safezones.model.control import surface_from_points, zone_control
from safezones.scenario import run
from safezones.viz.control import control_layer, zone_flags

MPL = {"baseline_dir": "baseline", "tolerance": 3, "savefig_kwargs": {"dpi": 45},
       "style": "default"}  # fmt: skip
#: The palette as documented in safezones.viz.control, written out by hand, and its opacities.
WANT = {"government": "#CC79A7", "opposition": "#009E73", "islamic_state": "#8C510A",
        "kurds": "#F0E442"}  # fmt: skip
WANT_ALPHA = {"government": 0.38, "opposition": 0.55, "islamic_state": 0.5, "kurds": 0.38}
PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"


def _with_control(r: sz.ScenarioResult, *, threat=("government",), **pz_extra) -> sz.ScenarioResult:
    s = surface_from_points(data.control("2015"), max_km=10.0, label="SCMP", snapshot="2015")
    shares = zone_control(r.zones, s, r.population_cells)
    pz = r.per_zone.copy()
    for c in shares.columns:
        pz[c] = shares[c].to_numpy()
    pops = shares[[c for c in shares.columns if c.startswith("share_population_")]].to_numpy()
    pz["actor"] = [c.removeprefix("share_population_") for c in
                   shares.columns[5:][pops.argmax(axis=1)]]  # fmt: skip
    for k, v in pz_extra.items():
        pz[k] = v
    prov = {**r.provenance,
            "control": {"source": "bundled", "snapshot": "2015", "label": "SCMP", "note": "",
                        "max_distance_km": 10.0, "exclude_held_by": []},
            "threat": {"actors": list(threat)}}  # fmt: skip
    return dataclasses.replace(r, per_zone=pz, provenance=prov)


@pytest.fixture(scope="module")
def border():
    r = run("scenarios/border-refuge-zones.toml", draws=20)
    n = len(r.zones)
    totals = r.totals.copy()
    totals.loc["deaths_averted"] = [4.5, 20.0, 30.0]
    r = dataclasses.replace(r, totals=totals)
    return _with_control(
        r,
        deaths_averted_p5=np.full(n, 1.25), deaths_averted_p50=np.full(n, 4.56),
        deaths_averted_p95=np.full(n, 1234.5),
    )  # fmt: skip


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def test_control_layer_colours_each_actor_and_hatches_unknown(border):
    _fig, ax = viz.scenario_map(border)
    by_gid = {c.get_gid(): c for c in ax.collections if (c.get_gid() or "").startswith("control:")}
    assert set(by_gid) == {f"control:{a}" for a in sz.schema.ACTORS}
    for actor, colour in WANT.items():
        face = by_gid[f"control:{actor}"].get_facecolor()[0]
        assert tuple(face) == pytest.approx(to_rgba(colour, WANT_ALPHA[actor])), actor
    unknown = by_gid["control:unknown"]
    assert unknown.get_hatch() == "////" and not np.any(unknown.get_facecolor()[..., 3])
    # under the zones: zones are outlined (no fill) when control is drawn
    zorders = {c.get_zorder() for c in by_gid.values()}
    assert zorders == {1.5}


def test_legend_names_the_actors_and_the_source_line_the_snapshot(border):
    fig, ax = viz.scenario_map(border)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    held = legend[legend.index("Ground held by:") + 1 :]
    assert held == ["Government", "Opposition", "Islamic State", "Kurdish forces", "Unknown"]
    text = _texts(fig).replace("\n", " ")
    assert (
        "Control: Syria Conflict Mapping Project (The Carter Center), late 2014 snapshot." in text
    )


def test_control_false_draws_neither_layer_nor_flags(border):
    fig, ax = viz.scenario_map(border, control=False)
    assert not [c for c in ax.collections if (c.get_gid() or "").startswith("control:")]
    assert "government-held" not in _texts(fig) and "Control: Syria" not in _texts(fig)


def test_a_zone_holding_its_threat_actors_ground_says_so_in_its_label(border):
    # by hand from the shares: the Lebanese zone's people on government ground
    pz = border.per_zone.set_index("zone_id")
    leb = next(z for z, n in zip(border.zones.zone_id, border.zones.name, strict=True)
               if "Leban" in n)  # fmt: skip
    share = pz.loc[leb, "share_population_government"]
    assert share > 0.5  # Damascus, Homs, Tartus
    words = f"{round(share * 100):.0f} % of people on government-held ground"
    _fig, ax = viz.scenario_map(border)
    label = next(t.get_text() for t in ax.texts if t.get_text().startswith("Lebanese border"))
    assert label.splitlines()[-1] == words
    # a zone below the threshold for every threat actor gets no line: IS is no threat here
    flags = zone_flags(_with_control(border, threat=("islamic_state",)))
    is_share = pz["share_population_islamic_state"].reindex(border.zones.zone_id).to_numpy()
    is_area = pz["share_area_islamic_state"].reindex(border.zones.zone_id).to_numpy()
    assert [bool(f) for f in flags] == list((is_share > 0.05) | (is_area > 0.05))


def test_control_true_without_a_surface_is_refused(border):
    bare = dataclasses.replace(border, provenance={k: v for k, v in border.provenance.items()
                                                   if k != "control"})  # fmt: skip
    with pytest.raises(sz.SafeZonesError, match=r"carries no control surface to draw \(its "
                       r"provenance has no 'control'\)"):  # fmt: skip
        viz.scenario_map(bare, control=True)
    _fig, ax = viz.scenario_map(bare)  # default: nothing to draw, no error
    assert "Ground held by:" not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_control_layer_refuses_polygons_without_actor():
    import geopandas as gpd
    import matplotlib.pyplot as plt
    import shapely

    _fig, ax = plt.subplots()
    bad = gpd.GeoDataFrame({"who": ["x"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=3857)
    with pytest.raises(sz.SafeZonesError, match="control polygons need an 'actor' column"):
        control_layer(ax, bad)


@pytest.mark.mpl_image_compare(**MPL, filename="scenario_map_border_control.png")
def test_baseline_scenario_map_with_control(border):
    fig, _ = viz.scenario_map(border)
    return fig


# ---------------------------------------------------------------- popups and summaries


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self._in = [], False

    def handle_starttag(self, tag, attrs):
        self._in = tag in ("td", "th")

    def handle_data(self, d):
        if self._in:
            self.cells.append(d)

    def handle_endtag(self, tag):
        self._in = False


def test_popups_carry_shares_actor_threat_and_deaths_averted(border):
    m = border.explore(max_events=10)
    layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    props = layers[0].data["features"][0]["properties"]
    pz = border.per_zone.iloc[0]
    pop, area = pz.share_population_government, pz.share_area_government
    assert props["government_ground"] == (
        f"{round(pop * 100):.0f} % of people, {round(area * 100):.0f} % of area"
    )
    assert props["held_by"] == {"government": "Government", "opposition": "Opposition",
                                "islamic_state": "Islamic State", "kurds": "Kurdish forces"}[
        pz.actor]  # fmt: skip
    assert props["threat_actors"] == "Government"
    assert props["deaths_averted_per_year"] == "4.6 (1.2 to 1,234)"
    # the control layer is a layer of its own in the layer control, its colours by actor
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    names = [g.layer_name for g in groups]
    ctl = next(g for g in groups if g.layer_name.startswith("who holds the ground"))
    assert "late 2014 snapshot" in ctl.layer_name and len(names) == len(set(names))
    (gj,) = [c for c in ctl._children.values() if isinstance(c, folium.GeoJson)]
    feats = gj.data["features"]
    assert [f["properties"]["actor"] for f in feats] == list(sz.schema.ACTORS)
    styles = {f["properties"]["actor"]: gj.style_function(f) for f in feats}
    assert styles["kurds"]["fillColor"] == WANT["kurds"] and styles["unknown"]["fill"] is False
    page = m.get_root().render()
    assert "Kurdish forces" in page and "held_by" in page


def test_popup_and_summary_text_stays_escaped(border):
    hostile = dataclasses.replace(
        border, provenance={**border.provenance, "threat": {"actors": [PAYLOAD]}}
    )
    m = hostile.explore(max_events=0)
    props = next(c for c in m._children.values() if isinstance(c, folium.GeoJson)).data[
        "features"][0]["properties"]  # fmt: skip
    assert props["threat_actors"] == html_lib.escape(PAYLOAD)
    assert "<img" not in m.get_root().render().split("<body>")[-1].replace(
        "<img src=\\\"data:", "")  # fmt: skip


def test_result_html_and_text_show_actor_shares_deaths_and_threat(border):
    page = border._repr_html_()
    p = _Cells()
    p.feed(page)
    head = p.cells[: p.cells.index("zone", 1) + 12] if "zone" in p.cells else p.cells
    assert "held by" in p.cells and "people by actor" in p.cells
    pz = border.per_zone.iloc[0]
    gov = f"Government {round(pz.share_population_government * 100):.0f} %"
    assert any(c.startswith(gov) or f", {gov}" in c for c in p.cells), head
    assert "4.6 (1.2 to 1,234)" in p.cells
    text = repr(border)
    assert "threat: Government" in text.splitlines()[1]
    assert "deaths averted per year 4.6 (1.2 to 1,234)" in text
    assert (
        "Control: Syria Conflict Mapping Project (The Carter Center), late 2014 snapshot." in text
    )


def test_charts_count_deaths_averted_as_deaths(border):
    t = __import__("pandas").DataFrame({"scenario": ["a", "b"], "deaths_averted_p5": [1.0, 20.0],
        "deaths_averted_p50": [2.5, 40.0], "deaths_averted_p95": [4.0, 60.0],
        "displaced_p50": [7.6e6, 7.6e6]})  # fmt: skip
    fig, ax = viz.sheltered_chart(t, metric="deaths_averted")
    assert not ax.get_xlabel().startswith("people")
    assert "displaced (P50)" not in [x.get_text() for x in ax.get_legend().get_texts()]
    assert "2.5 (1.0 to 4.0)" in [x.get_text() for x in ax.texts]
    fig, axes = viz.compare_maps([border], metric="deaths_averted", events=False)
    assert "per zone (P50)" in _texts(fig) and "people deaths" not in _texts(fig)
    assert axes[0, 0].get_title(loc="left").endswith(": 20 (4.5 to 30)")


def test_a_user_control_layer_is_carried_by_the_result_and_drawn(tmp_path):
    """A user's control layer reaches the map without the file being read again."""
    from safezones.model.control import ACTORS
    from safezones.viz import scenario_map
    from safezones.viz.control import control_polygons
    from safezones.viz.format import control_source

    (tmp_path / "ctl.csv").write_text(
        "lon,lat,actor,date\n36.6,36.9,Opposition,2014-06-01\n38.4,36.9,Kurds,2014-06-01\n"
    )
    sc = sz.Scenario.from_dict({
        "id": "own", "title": "own control", "source": {"citation": "test"},
        "zones": [{"id": "t", "kind": "refuge", "border": "TUR", "depth_km": 10}],
        "control": {"source": str(tmp_path / "ctl.csv"), "max_distance_km": 30},
    })  # fmt: skip
    result = run(sc, draws=5, seed=1)
    carried = result.control_polygons
    assert carried is not None and list(carried["actor"]) == list(ACTORS)
    # two discs of 30 km (less what lies outside Syria) and the rest unknown: a partition
    syria = data.syria(crs="metric").area
    assert carried.geometry.area.sum() == pytest.approx(syria, rel=1e-6)
    held = carried.set_index("actor").geometry.area / 1e6
    assert 0 < held["opposition"] <= np.pi * 30**2 and held["government"] == 0
    (tmp_path / "ctl.csv").unlink()  # the map does not read the file again
    drawn = control_polygons(result)
    assert drawn is not None and set(drawn["actor"]) >= {"opposition", "kurds", "unknown"}
    assert control_source(result) == f"Control: {tmp_path / 'ctl.csv'}, 2014-06-01 snapshot"
    fig, _ = scenario_map(result)
    texts = " ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))
    assert "Control: " in texts and "ctl.csv, 2014-06-01 snapshot" in texts.replace("- ", "-")
