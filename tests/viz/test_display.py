"""Rich display: text and HTML summaries of zone sets and results, explore(), the slider."""

from __future__ import annotations

import base64
import io
import re
from functools import cache

import folium
import geopandas as gpd
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import safezones as sz
from safezones._text import people
from safezones.model.zones import ZoneSet
from safezones.notebook import ZoneSlider
from safezones.scenario import Scenario, run
from safezones.viz.display import thumbnail_png
from safezones.viz.format import KIND_COLOURS
from safezones.viz.maps import zones_map

STRIP = Scenario.from_dict(
    {
        "id": "turkey",
        "title": "Turkish border strip",
        "source": {"citation": "test citation"},
        "zones": [{"id": "turkey", "kind": "refuge", "border": "TUR", "depth_km": 10}],
    }
)


@cache
def _result(draws: int = 50) -> sz.ScenarioResult:
    return run(STRIP, draws=draws, seed=1)


def _png_in(html: str) -> np.ndarray:
    m = re.search(r'src="data:image/png;base64,([^"]+)"', html)
    assert m, "no embedded PNG"
    return mpimg.imread(io.BytesIO(base64.b64decode(m.group(1))), format="png")


def _share_near(img: np.ndarray, hex_colour: str, alpha: float, tol: float = 0.06) -> float:
    """Share of pixels of ``hex_colour`` laid at ``alpha`` over white."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    want = alpha * rgb + (1 - alpha)
    return float((np.abs(img[..., :3] - want).max(axis=-1) < tol).mean())


# ---------------------------------------------------------------- zone sets


def test_builders_and_zone_set_return_zone_sets_that_stay_geodataframes():
    strip = sz.refuge_strip("TUR", depth_km=10)
    z = sz.zone_set(strip, sz.freeze_zone("Aleppo", radius_km=15))
    assert isinstance(strip, ZoneSet) and isinstance(z, ZoneSet)
    assert isinstance(z, gpd.GeoDataFrame) and z.crs.to_epsg() == 4326
    assert isinstance(z[z["kind"] == "freeze"], ZoneSet)  # a row selection keeps the summary
    plain = z[["kind", "geometry"]]  # no zone_id or area: a plain frame's repr
    assert not repr(plain).startswith("ZoneSet") and "POLYGON" in repr(plain)


def test_zone_set_text_names_every_zone_and_counts_overlap_once():
    s10, s30 = sz.refuge_strip("TUR", depth_km=10), sz.refuge_strip("TUR", depth_km=30)
    z = sz.zone_set(s10, s30)
    text = repr(z)
    total = float(s10.area_km2.iloc[0] + s30.area_km2.iloc[0])
    # the 10 km strip lies inside the 30 km one: the union is the 30 km strip
    union = float(s30.area_km2.iloc[0])
    assert text.splitlines()[0] == (
        f"ZoneSet: 2 zones, {total:,.0f} km² ({union:,.0f} km² without double counting overlaps)"
    )
    lines = text.splitlines()[2:]
    assert [ln.split()[0] for ln in lines] == ["tur-10km", "tur-30km"]
    assert f"{float(s10.area_km2.iloc[0]):,.0f} km²" in lines[0] and lines[0].endswith("tur-30km")
    assert "POLYGON" not in text and str(z) == text


def test_zone_set_html_has_the_table_and_a_map_showing_each_kind():
    z = sz.zone_set(sz.refuge_strip("TUR", depth_km=30), sz.freeze_zone("Aleppo", radius_km=25))
    html = z._repr_html_()
    assert html.count("</tr>") == 3  # header and two zones
    for zid in z.zone_id:
        assert f"<td>{zid}</td>" in html
    img = _png_in(html)
    assert img.shape[1] == round(3.2 * 96)  # THUMBNAIL_WIDTH_IN at 96 dpi
    # both zones are drawn in their kind's colour (fill at alpha 0.5 over white Syria)
    assert _share_near(img, KIND_COLOURS["refuge"], 0.5) > 0.01
    assert _share_near(img, KIND_COLOURS["freeze"], 0.5) > 0.0005
    only_strip = _png_in(sz.zone_set(sz.refuge_strip("TUR", depth_km=30))._repr_html_())
    assert _share_near(only_strip, KIND_COLOURS["freeze"], 0.5) == 0.0


def test_thumbnail_is_a_png_of_the_asked_width():
    png = thumbnail_png(sz.freeze_zone("Aleppo", radius_km=15), width=2.0, dpi=50)
    img = mpimg.imread(io.BytesIO(png), format="png")
    assert img.shape[1] == 100


# ---------------------------------------------------------------- results


def test_result_text_repr_is_a_summary_with_the_totals():
    r = _result()
    text = repr(r)
    lines = text.splitlines()
    assert lines[0] == "ScenarioResult 'turkey': Turkish border strip"
    assert lines[1].startswith("50 draws, seed 1; events 2014; 1 zone,")
    row = next(ln for ln in lines if ln.startswith("sheltered "))
    expected = [people(r.totals.loc["sheltered", q]) for q in ("p5", "p50", "p95")]
    assert re.split(r"\s{2,}", row.strip())[1:] == expected
    assert f"turkey (refuge, {float(r.per_zone.area_km2.iloc[0]):,.0f} km²)" in text
    assert "Scenario: test citation." in text and "UCDP GED (CC BY 4.0)" in text
    assert len(text) < 2_000 and "Empty DataFrame" not in text and "geometry" not in text


def test_result_html_has_numbers_sources_map_and_escapes_text():
    r = run(STRIP.with_values({"title": "<script>alert(1)</script> strip"}), draws=20, seed=1)
    html = r._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    t = r.totals
    head = f"{people(t.loc['sheltered', 'p50'])} sheltered (P5 {people(t.loc['sheltered', 'p5'])}"
    assert head in html
    for m in ("displaced", "unmet", "capacity"):
        assert f"<td>{people(t.loc[m, 'p95'])}</td>" in html
    assert "UCDP GED (CC BY 4.0)" in html and "Scenario: test citation." in html
    img = _png_in(html)
    assert _share_near(img, KIND_COLOURS["refuge"], 0.5) > 0.01


def _geojson_layers(m: folium.Map) -> list[folium.GeoJson]:
    return [c for c in m._children.values() if isinstance(c, folium.GeoJson)]


def test_explore_has_zones_with_numbers_and_the_deadliest_events():
    r = _result()
    m = r.explore(max_events=25)
    zones_layer, events_layer = _geojson_layers(m)
    props = zones_layer.data["features"][0]["properties"]
    pz = r.per_zone.iloc[0]
    assert props["sheltered"] == (
        f"{people(pz.sheltered_p50)} ({people(pz.sheltered_p5)} to {people(pz.sheltered_p95)})"
    )
    assert props["events_weighted"] == f"{pz.events_weighted:,.1f}" and props["zone_id"] == "turkey"
    feats = events_layer.data["features"]
    assert len(feats) == 25
    deaths = sorted((f["properties"]["deaths_total"] for f in feats), reverse=True)
    top = np.sort(pd.to_numeric(r.events["deaths_total"]).to_numpy())[::-1][:25]
    np.testing.assert_array_equal(deaths, top)
    assert events_layer.layer_name == f"events 2014 (25 deadliest of {len(r.events):,})"
    page = m.get_root().render()
    assert "UCDP GED (CC BY 4.0)" in page and "test citation" in page


def test_explore_options_and_errors():
    r = _result()
    assert len(_geojson_layers(r.explore(events=False))) == 1
    assert len(_geojson_layers(r.explore(max_events=0))) == 1
    with pytest.raises(sz.SafeZonesError, match="max_events must be 0 or more, got -1"):
        r.explore(max_events=-1)


# ---------------------------------------------------------------- slider


def test_slider_scores_equal_run_and_the_widget_follows_the_slider():
    s = ZoneSlider(STRIP, values=[10, 20], draws=30)
    assert s.parameter == "zones.turkey.depth_km" and s.values == [10.0, 20.0]
    ref = run(STRIP.with_values({"zones.turkey.depth_km": 20}), draws=30, seed=1).totals
    np.testing.assert_allclose(s.score(20).to_numpy(), ref.to_numpy(), rtol=1e-9)
    box = s.widget()
    slider, image, table = box.children
    assert slider.value == 10.0 and "10 km" in table.value
    before = image.value
    slider.value = 20.0  # what a user's drag does
    assert s.value == 20.0 and image.value != before
    assert f'<td style="text-align:right">{people(ref.loc["sheltered", "p50"])}</td>' in table.value
    # the map shows the deeper strip: more of it is the refuge colour
    deep = mpimg.imread(io.BytesIO(image.value), format="png")
    shallow = mpimg.imread(io.BytesIO(before), format="png")
    share = _share_near(deep, KIND_COLOURS["refuge"], 0.5)
    assert share > 1.5 * _share_near(shallow, KIND_COLOURS["refuge"], 0.5)


def test_slider_redraws_zones_on_one_base_without_leftovers():
    s = ZoneSlider(STRIP, values=[10, 30], draws=1)
    first = s.png(10)
    s.png(30)  # the 30 km strip drawn over the same base, then removed again
    assert s.png(10) == first
    fresh = ZoneSlider(STRIP, values=[10, 30], draws=1)
    assert fresh.png(10) == first


def test_slider_radius_never_shelters_fewer_when_wider():
    s = ZoneSlider("scenarios/aleppo-freeze.toml", values=[5, 10, 20], draws=1)
    assert s.parameter == "zones.aleppo.radius_km"
    sheltered = [s.score(v).loc["sheltered", "p50"] for v in s.values]
    assert sheltered == sorted(sheltered) and sheltered[0] < sheltered[-1]
    capacity = [s.score(v).loc["capacity", "p50"] for v in s.values]
    assert all(a <= c * (1 + 1e-12) for a, c in zip(sheltered, capacity, strict=True))


def test_slider_errors_name_the_problem():
    safe = Scenario.from_dict(
        {
            "id": "s",
            "title": "s",
            "source": {"citation": "c"},
            "zones": [
                {"id": "box", "kind": "safe", "wkt": "POLYGON((37 36, 37.2 36, 37.2 36.2, 37 36))"},
                {"id": "a", "kind": "freeze", "place": "Aleppo", "radius_km": 10},
            ],
        }
    )
    assert ZoneSlider(safe).zone == "a"  # the first zone that can move
    with pytest.raises(
        sz.SafeZonesError, match=r"zone 'box' is a safe zone.*movable zones: \['a'\]"
    ):
        ZoneSlider(safe, zone="box")
    with pytest.raises(
        sz.SafeZonesError, match="no zone 'nope' in scenario 's'; its zones: \\['box', 'a'\\]"
    ):
        ZoneSlider(safe, zone="nope")
    with pytest.raises(sz.SafeZonesError, match=r"slider values must be positive km, got \[-5.0\]"):
        ZoneSlider(safe, values=[-5, 10])
    s = ZoneSlider(safe, values=[10], draws=1)
    with pytest.raises(
        sz.SafeZonesError, match=r"12 is not a slider position; positions: \[10.0\]"
    ):
        s.update(12)
    only_safe = safe.model_copy(update={"zones": safe.zones[:1]})
    with pytest.raises(sz.SafeZonesError, match="no refuge strip or freeze zone to move"):
        ZoneSlider(only_safe)


def test_default_slider_positions_include_the_scenario_value():
    s = ZoneSlider("scenarios/turkey-strip-2019.toml")
    assert 32.0 in s.values and s.value == 32.0 and s.values[0] == 5.0 and s.values[-1] == 50.0


# ---------------------------------------------------------------- map extent


def test_zones_map_extent_zones_frames_the_zone():
    z = sz.freeze_zone("Aleppo", radius_km=15)
    fig, ax = zones_map(z, extent="zones", width=5)
    x0, x1 = ax.get_xlim()
    plt.close(fig)
    zx0, _, zx1, _ = z.to_crs(sz.PROJECT_CRS).total_bounds
    assert x0 < zx0 and x1 > zx1 and 150e3 <= x1 - x0 < 200e3  # at least 150 km, not Syria
    with pytest.raises(sz.SafeZonesError, match="extent must be one of 'syria', 'zones', got 'x'"):
        zones_map(z, extent="x")
