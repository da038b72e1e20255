"""Memo figures: image baselines, and what each map must show, checked independently."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from matplotlib.collections import PolyCollection
from matplotlib.text import Annotation, Text
from matplotlib_scalebar.scalebar import ScaleBar

import safezones as sz
from safezones import data, viz
from safezones._text import people
from safezones.crs import PROJECT_CRS

# Baselines live in tests/viz/baseline; regenerate after a deliberate change with
#   pytest tests/viz --mpl-generate-path=tests/viz/baseline
MPL = {"baseline_dir": "baseline", "tolerance": 3, "savefig_kwargs": {"dpi": 45},
       "style": "default"}  # fmt: skip
ATTRIBUTIONS = ("Natural Earth (public domain)", "OCHA, UNCS (CC BY-IGO)", "UCDP GED (CC BY 4.0)")


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


# ---------------------------------------------------------------- baselines


@pytest.mark.mpl_image_compare(**MPL, filename="scenario_map_border_points.png")
def test_baseline_scenario_map(results):
    # without control (its own baseline: test_control.py), whether or not the result carries it
    fig, _ = viz.scenario_map(results["border-refuge-zones"], control=False)
    return fig


@pytest.mark.mpl_image_compare(**MPL, filename="scenario_map_aleppo_hexbin.png")
def test_baseline_scenario_map_hexbin(results):
    fig, _ = viz.scenario_map(results["aleppo-freeze"], events_style="hexbin", control=False)
    return fig


@pytest.mark.mpl_image_compare(**MPL, filename="compare_maps.png")
def test_baseline_compare_maps(results):
    fig, _ = viz.compare_maps(list(results.values()), title="Four proposals")
    return fig


@pytest.mark.mpl_image_compare(**MPL, filename="residents_map.png")
def test_baseline_residents_map(results):
    fig, _ = viz.residents_map(results["jarablus-marea-2015"])
    return fig


# ---------------------------------------------------------------- scenario_map


def test_scale_bar_is_true_km_on_the_ground(results):
    _fig, ax = viz.scenario_map(results["aleppo-freeze"])
    (bar,) = [a for a in ax.artists if isinstance(a, ScaleBar)]
    assert bar.dx == 1.0 and bar.units == "m"  # one map unit is one metre
    # an independent check that projected metres are ground metres where the bar sits:
    # 125 km along x at the lower left of the map, measured on the ellipsoid
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    to_ll = pyproj.Transformer.from_crs(PROJECT_CRS, "EPSG:4326", always_xy=True)
    (lon_a, lon_b), (lat_a, lat_b) = to_ll.transform([x, x + 125_000], [y, y])
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)
    assert metres == pytest.approx(125_000, rel=0.003)


def test_map_carries_legend_north_arrow_inset_and_every_source(results):
    r = results["aleppo-freeze"]
    fig, ax = viz.scenario_map(r)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "freeze zone" in legend
    assert "UCDP events 2014: 1 death" in legend and "UCDP events 2014: 100 deaths" in legend
    assert any(t.startswith("Raqqa air strikes reported (2014-09-06, 2014-11-25)") for t in legend)
    assert any(isinstance(a, Annotation) and a.get_text() == "N" for a in ax.texts)
    text = _texts(fig).replace("\n", " ")
    for attribution in (*ATTRIBUTIONS, "GeoNames (CC BY 4.0)", "AFP / SOHR", viz.DISCLAIMER):
        assert attribution in text
    assert r.scenario.source.citation.split(",")[0] in text
    # the locator map sits over Turkey and the sea, never over Syria
    (inset,) = ax.child_axes
    syria = data.countries().to_crs(PROJECT_CRS).query("iso_a3 == 'SYR'").geometry.iloc[0]
    corners = ax.transData.inverted().transform(
        inset.get_window_extent(fig.canvas.get_renderer()).get_points()
    )
    assert not shapely.box(*corners.ravel()).intersects(syria)


def test_zone_labels_carry_sheltered_p50_and_no_labels_overlap(results):
    r = results["border-refuge-zones"]
    fig, ax = viz.scenario_map(r)
    renderer = fig.canvas.get_renderer()
    pz = r.per_zone.set_index("zone_id")
    labels = [t for t in ax.texts if t.get_visible() and t.get_text()]
    for z, name in zip(r.zones["zone_id"], r.zones["name"], strict=True):
        want = f"{name}\nsheltered {people(pz.loc[z, 'sheltered_p50'])}"
        assert any(t.get_text().startswith(want) for t in labels), want
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_text() != "N"]
    frame = ax.get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    # governorate names that would collide are dropped, not stacked: some are shown
    names = set(data.governorates()["adm1_name"])
    assert 5 <= sum(t.get_text() in names for t in labels) <= len(names)


def test_hexbin_sums_every_death_of_the_window(results):
    r = results["aleppo-freeze"]
    _fig, ax = viz.scenario_map(r, events_style="hexbin")
    (hexes,) = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_array() is not None
                and len(c.get_array()) > 50]  # fmt: skip
    deaths = pd.to_numeric(r.events["deaths_total"]).fillna(0).sum()
    assert float(np.sum(hexes.get_array())) == pytest.approx(deaths)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "UCDP events 2014: 1,000 or more deaths per 20 km hexagon" in legend


def test_density_style_is_classed_per_1000_km2(results):
    _fig, ax = viz.scenario_map(results["aleppo-freeze"], events_style="density")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "UCDP events 2014: 10 to 100 deaths per 1,000 km²" in legend


def test_layers_choose_what_is_drawn(results):
    fig, ax = viz.scenario_map(results["aleppo-freeze"], layers=("zones",), control=False)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["freeze zone"]
    assert "TURKEY" not in _texts(fig) and "Aleppo freeze, 15 km" in _texts(fig)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layers": ("zones", "roads")}, "unknown map layer(s) 'roads'; choose from neighbours"),
        ({"events_style": "heat"}, "events_style must be one of 'points', 'hexbin', 'density'"),
    ],
)
def test_bad_map_options_are_named(results, kwargs, message):
    with pytest.raises(sz.SafeZonesError, match=re.escape(message)):
        viz.scenario_map(results["aleppo-freeze"], **kwargs)


def test_zone_with_no_events_gives_a_correct_map(results):
    r = results["aleppo-freeze"]
    quiet = dataclasses.replace(r, events=r.events.iloc[0:0])
    fig, ax = viz.scenario_map(quiet, events_style="hexbin")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "UCDP events 2014: none recorded" in legend
    assert "events: UCDP GED" not in _texts(fig)  # no events shown, none credited


def test_empty_zone_set_draws_syria_alone():
    empty = gpd.GeoDataFrame({"zone_id": [], "kind": []}, geometry=[], crs="EPSG:4326")
    fig, ax = viz.zones_map(empty)
    assert ax.get_legend() is None
    assert "TURKEY" in _texts(fig)


# ---------------------------------------------------------------- other figures


def test_compare_maps_share_one_scale_and_one_legend(results):
    rs = list(results.values())
    fig, axes = viz.compare_maps(rs)
    assert axes.shape == (2, 2) and all(ax is not None for ax in axes.ravel())
    assert len(fig.legends) == 1
    cbar = [a for a in fig.axes if a.get_label() == "colour scale"]
    assert len(cbar) == 1
    vmax = max(r.per_zone["sheltered_p50"].max() for r in rs)
    assert cbar[0].get_xlim()[1] == pytest.approx(vmax)
    titles = [ax.get_title(loc="left") for ax in axes.ravel()]
    assert titles[0].startswith("Border refuge zones, 2014: ")
    with pytest.raises(sz.SafeZonesError, match="no results to draw"):
        viz.compare_maps([])


@pytest.mark.parametrize("dpi", [150, 300])
def test_compare_maps_headings_stay_over_their_panel_at_memo_dpi(results, dpi):
    # the headings were fitted at the figure's 100 dpi, where hinting draws text ~8 % narrower
    # than at 300 dpi: "Turkish border strip ... (1.03 M to 1.23 M)" ran past its panel
    fig, axes = viz.compare_maps(list(results.values()))
    fig.set_dpi(dpi)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in axes.ravel():
        box, title = ax.get_window_extent(renderer), ax._left_title  # no public one
        assert title.get_window_extent(renderer).x1 <= box.x1, title.get_text()


def test_residents_map_colours_exactly_the_cells_within_reach(results):
    r = results["aleppo-freeze"]
    fig, ax = viz.residents_map(r, near_km=20)
    cells = data.population_grid().to_crs(PROJECT_CRS)
    zone = r.zones.to_crs(PROJECT_CRS).geometry.iloc[0]
    syria = data.countries().to_crs(PROJECT_CRS).query("iso_a3 == 'SYR'").geometry.iloc[0]
    near = shapely.intersection(zone.buffer(20_000), syria)
    want = int(cells.intersects(near.buffer(-1)).sum())  # a hair inside: no edge-touching cells
    drawn = max(len(c.get_paths()) for c in ax.collections)
    assert abs(drawn - want) <= 0.02 * want
    res = np.percentile(np.asarray(r.detail["population_total"]), 50)
    assert people(res) in _texts(fig)
    with pytest.raises(sz.SafeZonesError, match="near_km must be"):
        viz.residents_map(r, near_km=-1)
