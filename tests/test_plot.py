"""Memo figures: image baselines, and what each map must show, checked independently."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from matplotlib.collections import PolyCollection
from matplotlib.text import Annotation, Text
from matplotlib_scalebar.scalebar import ScaleBar
from PIL import Image
from pypdf import PdfReader

import safezones as sz
from safezones import data
from safezones.crs import PROJECT_CRS
from safezones.scenario import run
from safezones.viz import plot

# Baselines live in tests/baseline; regenerate after a deliberate change with
#   pytest tests/test_plot.py --mpl-generate-path=tests/baseline
MPL = {"baseline_dir": "baseline", "tolerance": 3, "savefig_kwargs": {"dpi": 45},
       "style": "default"}  # fmt: skip
ATTRIBUTIONS = ("Natural Earth (public domain)", "OCHA, UNCS (CC BY-IGO)", "UCDP GED (CC BY 4.0)")


@pytest.fixture(scope="module")
def results():
    names = ("border-refuge-zones", "aleppo-freeze", "jarablus-marea-2015", "turkey-strip-2019")
    return {n: run(f"scenarios/{n}.toml", draws=30) for n in names}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


# ---------------------------------------------------------------- baselines


@pytest.mark.mpl_image_compare(**MPL, filename="scenario_map_border_points.png")
def test_baseline_scenario_map(results):
    fig, _ = plot.scenario_map(results["border-refuge-zones"])
    return fig


@pytest.mark.mpl_image_compare(**MPL, filename="scenario_map_aleppo_hexbin.png")
def test_baseline_scenario_map_hexbin(results):
    fig, _ = plot.scenario_map(results["aleppo-freeze"], events_style="hexbin")
    return fig


@pytest.mark.mpl_image_compare(**MPL, filename="compare_maps.png")
def test_baseline_compare_maps(results):
    fig, _ = plot.compare_maps(list(results.values()), title="Four proposals")
    return fig


@pytest.mark.mpl_image_compare(**MPL, filename="sheltered_chart.png")
def test_baseline_sheltered_chart(results):
    fig, _ = plot.sheltered_chart(list(results.values()))
    return fig


@pytest.mark.mpl_image_compare(**MPL, filename="residents_map.png")
def test_baseline_residents_map(results):
    fig, _ = plot.residents_map(results["jarablus-marea-2015"])
    return fig


# ---------------------------------------------------------------- scenario_map


def test_scale_bar_is_true_km_on_the_ground(results):
    _fig, ax = plot.scenario_map(results["aleppo-freeze"])
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
    fig, ax = plot.scenario_map(r)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "freeze zone" in legend
    assert "UCDP events 2014: 1 death" in legend and "UCDP events 2014: 100 deaths" in legend
    assert any(t.startswith("Raqqa air strikes reported (2014-09-06, 2014-11-25)") for t in legend)
    assert any(isinstance(a, Annotation) and a.get_text() == "N" for a in ax.texts)
    text = _texts(fig).replace("\n", " ")
    for attribution in (*ATTRIBUTIONS, "GeoNames (CC BY 4.0)", "AFP / SOHR", plot.DISCLAIMER):
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
    fig, ax = plot.scenario_map(r)
    renderer = fig.canvas.get_renderer()
    pz = r.per_zone.set_index("zone_id")
    labels = [t for t in ax.texts if t.get_visible() and t.get_text()]
    for z, name in zip(r.zones["zone_id"], r.zones["name"], strict=True):
        want = f"{name}\nsheltered {plot._people(pz.loc[z, 'sheltered_p50'])}"
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
    _fig, ax = plot.scenario_map(r, events_style="hexbin")
    (hexes,) = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_array() is not None
                and len(c.get_array()) > 50]  # fmt: skip
    deaths = pd.to_numeric(r.events["deaths_total"]).fillna(0).sum()
    assert float(np.sum(hexes.get_array())) == pytest.approx(deaths)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "UCDP events 2014: 1,000 or more deaths per 20 km hexagon" in legend


def test_density_style_is_classed_per_1000_km2(results):
    _fig, ax = plot.scenario_map(results["aleppo-freeze"], events_style="density")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "UCDP events 2014: 10 to 100 deaths per 1,000 km²" in legend


def test_layers_choose_what_is_drawn(results):
    fig, ax = plot.scenario_map(results["aleppo-freeze"], layers=("zones",))
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
        plot.scenario_map(results["aleppo-freeze"], **kwargs)


def test_zone_with_no_events_gives_a_correct_map(results):
    r = results["aleppo-freeze"]
    quiet = dataclasses.replace(r, events=r.events.iloc[0:0])
    fig, ax = plot.scenario_map(quiet, events_style="hexbin")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "UCDP events 2014: none recorded" in legend
    assert "events: UCDP GED" not in _texts(fig)  # no events shown, none credited


def test_empty_zone_set_draws_syria_alone():
    empty = gpd.GeoDataFrame({"zone_id": [], "kind": []}, geometry=[], crs="EPSG:4326")
    fig, ax = plot.zones_map(empty)
    assert ax.get_legend() is None
    assert "TURKEY" in _texts(fig)


# ---------------------------------------------------------------- other figures


def test_compare_maps_share_one_scale_and_one_legend(results):
    rs = list(results.values())
    fig, axes = plot.compare_maps(rs)
    assert axes.shape == (2, 2) and all(ax is not None for ax in axes.ravel())
    assert len(fig.legends) == 1
    cbar = [a for a in fig.axes if a.get_label() == "colour scale"]
    assert len(cbar) == 1
    vmax = max(r.per_zone["sheltered_p50"].max() for r in rs)
    assert cbar[0].get_xlim()[1] == pytest.approx(vmax)
    titles = [ax.get_title(loc="left") for ax in axes.ravel()]
    assert titles[0].startswith("Border refuge zones, 2014: ")
    with pytest.raises(sz.SafeZonesError, match="no results to draw"):
        plot.compare_maps([])


def test_sheltered_chart_sorted_bars_span_p5_to_p95(results):
    rs = list(results.values())
    fig, ax = plot.sheltered_chart(rs)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    p50 = {r.scenario.id: r.totals.loc["sheltered", "p50"] for r in rs}
    assert ticks == sorted(p50, key=p50.get)
    for patch, sid in zip(ax.patches, ticks, strict=True):
        t = results[sid].totals.loc["sheltered"]
        assert patch.get_x() == pytest.approx(t["p5"])
        assert patch.get_x() + patch.get_width() == pytest.approx(t["p95"])
    text = _texts(fig)
    r = results["aleppo-freeze"].totals.loc["sheltered"]
    assert f"{plot._people(r['p50'])} ({plot._people(r['p5'])} to {plot._people(r['p95'])})" in text
    with pytest.raises(sz.SafeZonesError, match="no results to chart"):
        plot.sheltered_chart(pd.DataFrame(columns=["scenario", "sheltered_p50"]))
    with pytest.raises(sz.SafeZonesError, match="lacks sheltered_p5, sheltered_p95"):
        plot.sheltered_chart(pd.DataFrame({"scenario": ["a"], "sheltered_p50": [1.0]}))


def test_residents_map_colours_exactly_the_cells_within_reach(results):
    r = results["aleppo-freeze"]
    fig, ax = plot.residents_map(r, near_km=20)
    cells = data.population_grid().to_crs(PROJECT_CRS)
    zone = r.zones.to_crs(PROJECT_CRS).geometry.iloc[0]
    syria = data.countries().to_crs(PROJECT_CRS).query("iso_a3 == 'SYR'").geometry.iloc[0]
    near = shapely.intersection(zone.buffer(20_000), syria)
    want = int(cells.intersects(near.buffer(-1)).sum())  # a hair inside: no edge-touching cells
    drawn = max(len(c.get_paths()) for c in ax.collections)
    assert abs(drawn - want) <= 0.02 * want
    res = np.percentile(np.asarray(r.detail["population_total"]), 50)
    assert plot._people(res) in _texts(fig)
    with pytest.raises(sz.SafeZonesError, match="near_km must be"):
        plot.residents_map(r, near_km=-1)


# ---------------------------------------------------------------- files


def test_save_figure_png_is_300_dpi_a4_wide(results, tmp_path):
    fig, _ = plot.scenario_map(results["aleppo-freeze"])
    path = plot.save_figure(fig, tmp_path / "map.png", source="Sources: test")
    img = Image.open(path)
    assert img.size[0] == round(8.27 * 300)
    assert round(img.info["dpi"][0]) == 300
    assert img.info["Source"] == "Sources: test"


def test_save_figure_pdf_embeds_fonts_and_keeps_text(results, tmp_path):
    fig, _ = plot.scenario_map(results["aleppo-freeze"])
    path = plot.save_figure(fig, tmp_path / "map.pdf")
    reader = PdfReader(path)
    (page,) = reader.pages
    fonts = page["/Resources"]["/Font"]
    assert len(fonts)
    for ref in fonts.values():
        font = ref.get_object()
        desc = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font
                else font)["/FontDescriptor"].get_object()  # fmt: skip
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(desc.keys()), font["/BaseFont"]
    text = " ".join(page.extract_text().split())
    assert "Natural Earth (public domain)" in text and "UN Aleppo freeze" in text


def test_save_figure_svg_draws_text_as_outlines(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("Raqqa")
    svg = plot.save_figure(fig, tmp_path / "f.svg").read_text()
    assert "<text" not in svg and "Raqqa" in svg  # glyphs as paths; the string kept as a comment
    with pytest.raises(sz.SafeZonesError, match=r"the figure formats are \.png, \.pdf, \.svg"):
        plot.save_figure(fig, tmp_path / "f.tiff")
    assert not (tmp_path / "f.tiff").exists()
