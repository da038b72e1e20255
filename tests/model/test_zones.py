"""Zone geometry against hand calculations and independent geodesic measures."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

import safezones as sz
from safezones import GeometryError, SafeZonesError, UnknownNameError, data
from safezones.crs import PROJECT_CRS

GEOD = Geod(ellps="WGS84")


def geodesic_area_km2(gdf: gpd.GeoDataFrame) -> float:
    return abs(GEOD.geometry_area_perimeter(gdf.geometry.iloc[0])[0]) / 1e6


def min_geodesic_distance_km(points_lonlat: np.ndarray, line_lonlat) -> np.ndarray:
    """Distance from each point to the nearest vertex of the line densified to <= 100 m."""
    dense = line_lonlat.segmentize(0.0009)  # ~100 m at this latitude, in degrees
    vx, vy = np.asarray(dense.coords).T
    out = np.empty(len(points_lonlat))
    for i, (x, y) in enumerate(points_lonlat):
        _, _, d = GEOD.inv(np.full_like(vx, x), np.full_like(vy, y), vx, vy)
        out[i] = d.min() / 1000
    return out


def test_columns_and_crs():
    z = sz.refuge_strip("TUR", depth_km=10)
    assert list(z.columns[:4]) == ["zone_id", "kind", "name", "area_km2"]
    assert z.crs.to_epsg() == 4326
    assert {"neighbour", "depth_km", "start", "end", "stretch_km"} <= set(z.columns)
    assert z.kind.iloc[0] == "refuge" and z.zone_id.iloc[0] == "tur-10km"


def test_turkish_30km_strip_lies_within_30km_of_the_border_and_inside_syria():
    z = sz.refuge_strip("TUR", depth_km=30)
    line = data.border("TUR").geometry.iloc[0]
    coords = shapely.get_coordinates(z.geometry.iloc[0])
    rng = np.random.default_rng(0)
    sample = coords[rng.choice(len(coords), size=400, replace=False)]
    d = min_geodesic_distance_km(sample, line)
    # tolerance: LAEA scale error < 0.07 % (21 m at 30 km) + 100 m densification
    assert d.max() <= 30 + 0.03 + 0.1
    # the strip reaches its full depth somewhere
    assert d.max() > 29.5
    syria_m = data.syria(crs="metric")
    zm = z.to_crs(PROJECT_CRS).geometry.iloc[0]
    # outside Syria: only what the lon/lat round trip of the edges moves (< 1 ppm of area)
    assert zm.difference(syria_m).area < 1e-6 * zm.area


def test_strip_area_is_about_border_length_times_depth():
    for code in ("TUR", "JOR", "LBN", "IRQ"):
        length = float(data.border(code).length_km.iloc[0])
        area = float(sz.refuge_strip(code, depth_km=10).area_km2.iloc[0])
        assert area == pytest.approx(length * 10, rel=0.10), code


def test_area_is_the_geodesic_area():
    z = sz.refuge_strip("JOR", depth_km=20)
    assert z.area_km2.iloc[0] == pytest.approx(geodesic_area_km2(z), rel=1e-3)


@settings(max_examples=8, deadline=None)
@given(st.floats(1, 150), st.floats(1, 150))
def test_a_deeper_strip_contains_a_shallower_one(d1, d2):
    lo, hi = sorted((d1, d2))
    a = sz.refuge_strip("LBN", depth_km=lo).to_crs(PROJECT_CRS).geometry.iloc[0]
    b = sz.refuge_strip("LBN", depth_km=hi).to_crs(PROJECT_CRS).geometry.iloc[0]
    assert a.difference(b).area < 1e3  # m2: only precision noise
    assert b.area >= a.area - 1e3


def test_freeze_zone_area_is_pi_r_squared():
    z = sz.freeze_zone((38.5, 35.0), radius_km=15)  # in the desert, well inside Syria
    expected = math.pi * 15**2
    assert z.area_km2.iloc[0] == pytest.approx(expected, rel=0.005)
    assert geodesic_area_km2(z) == pytest.approx(expected, rel=0.005)
    assert z.zone_id.iloc[0] == "freeze-38-50e-35-00n-15km"


def test_freeze_zone_by_name_and_clipping():
    aleppo = sz.freeze_zone("Aleppo", radius_km=15)
    assert aleppo.place.iloc[0] == "Aleppo"
    assert (aleppo.lon.iloc[0], aleppo.lat.iloc[0]) == (37.16117, 36.20124)
    # Kilis (Turkey) is ~6 km from the border: the zone is the part inside Syria only
    kilis = sz.freeze_zone("Kilis", radius_km=20)
    assert 0 < kilis.area_km2.iloc[0] < math.pi * 20**2 * 0.7


def test_stretch_between_two_places():
    whole = sz.refuge_strip("TUR", depth_km=30)
    part = sz.refuge_strip("TUR", depth_km=30, start="Jarablus", end=(36.87, 36.6))
    assert part.start.iloc[0] == "Jarābulus"
    assert part.zone_id.iloc[0].startswith("tur-30km-jarabulus-")
    # the stretch from Jarablus west to near Azaz is about 100 km of border
    assert 80 < part.stretch_km.iloc[0] < 130
    pm = part.to_crs(PROJECT_CRS).geometry.iloc[0]
    wm = whole.to_crs(PROJECT_CRS).geometry.iloc[0]
    # inside the whole strip, but for the polygonal approximation of arcs (< 10 ppm)
    assert pm.difference(wm).area < 1e-5 * pm.area
    assert part.area_km2.iloc[0] < whole.area_km2.iloc[0]
    # reversing start and end gives the same zone
    rev = sz.refuge_strip("TUR", depth_km=30, start=(36.87, 36.6), end="Jarablus")
    assert rev.area_km2.iloc[0] == pytest.approx(part.area_km2.iloc[0], rel=1e-9)


def test_safe_zone_from_wkt_file_and_layer(tmp_path):
    wkt = "POLYGON ((37 36.3, 37.5 36.3, 37.5 36.6, 37 36.6, 37 36.3))"
    a = sz.safe_zone(wkt, name="North of Aleppo")
    # hand calculation on the sphere of equal area (R = 6371.007 km): R^2 dlon (sin - sin)
    r = 6371.0072
    expected = (
        r**2 * math.radians(0.5) * (math.sin(math.radians(36.6)) - math.sin(math.radians(36.3)))
    )
    assert a.area_km2.iloc[0] == pytest.approx(expected, rel=0.005)
    path = tmp_path / "zone.geojson"
    gpd.GeoDataFrame(geometry=[shapely.from_wkt(wkt)], crs=4326).to_file(path)
    b = sz.safe_zone(path)
    assert b.area_km2.iloc[0] == pytest.approx(a.area_km2.iloc[0], rel=1e-9)
    assert b.zone_id.iloc[0] == a.zone_id.iloc[0]  # same polygon, same id
    c = sz.safe_zone(gpd.GeoSeries([shapely.from_wkt(wkt)], crs=4326).to_crs(PROJECT_CRS))
    assert c.area_km2.iloc[0] == pytest.approx(a.area_km2.iloc[0], rel=1e-6)


def test_invalid_polygon_is_repaired():
    bowtie = "POLYGON ((37 36, 37.5 36.5, 37.5 36, 37 36.5, 37 36))"
    z = sz.safe_zone(bowtie)
    assert bool(z.repaired.iloc[0])
    # two triangles of a 0.5 x 0.5 degree square: half its area
    square = sz.safe_zone("POLYGON ((37 36, 37.5 36, 37.5 36.5, 37 36.5, 37 36))")
    assert z.area_km2.iloc[0] == pytest.approx(square.area_km2.iloc[0] / 2, rel=0.01)


def test_zone_set_flags_overlaps_and_union_counts_once():
    small = sz.freeze_zone("Aleppo", radius_km=10)
    big = sz.freeze_zone("Aleppo", radius_km=20, zone_id="big")
    far = sz.freeze_zone("Damascus", radius_km=10)
    zs = sz.zone_set(small, big, far)
    assert zs.overlaps_with.tolist() == ["big", "freeze-aleppo-10km", ""]
    assert zs.overlap_km2.iloc[0] == pytest.approx(small.area_km2.iloc[0], rel=1e-6)
    assert zs.overlap_km2.iloc[2] == 0
    u = sz.union(zs)
    expected = big.area_km2.iloc[0] + far.area_km2.iloc[0]  # small lies inside big
    assert u.area_km2.iloc[0] == pytest.approx(expected, rel=1e-6)
    # a strip and a freeze zone that only touch are not flagged
    assert sz.zone_set(sz.refuge_strip("JOR", depth_km=5), far).overlaps_with.tolist() == ["", ""]


def test_zone_set_keeps_builder_columns():
    zs = sz.zone_set([sz.refuge_strip("TUR", depth_km=10)], sz.freeze_zone("Homs", radius_km=5))
    assert zs.depth_km.iloc[0] == 10 and math.isnan(zs.depth_km.iloc[1])
    assert zs.radius_km.iloc[1] == 5


# ---- errors -------------------------------------------------------------------------------


def test_unknown_neighbour():
    with pytest.raises(UnknownNameError, match=r"unknown neighbour 'SYR'.*TUR \(Turkey\)"):
        sz.refuge_strip("SYR", depth_km=10)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "must be greater than 0 km"),
        (-5, "must be greater than 0 km"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        (5000, r"larger than Syria, which is at most \d{3} km across"),
        ("10", "must be a number of kilometres"),
        (True, "must be a number of kilometres"),
    ],
)
def test_bad_distances(value, message):
    with pytest.raises(SafeZonesError, match=message):
        sz.refuge_strip("TUR", depth_km=value)
    with pytest.raises(SafeZonesError, match=message.replace("depth_km", "radius_km")):
        sz.freeze_zone("Aleppo", radius_km=value)


def test_unknown_place_suggests():
    with pytest.raises(UnknownNameError, match="did you mean: Aleppo"):
        sz.freeze_zone("Alepo", radius_km=10)
    with pytest.raises(UnknownNameError, match=r"start: .*did you mean"):
        sz.refuge_strip("TUR", depth_km=10, start="Jarabluss", end="Kobani")


def test_bad_points():
    with pytest.raises(SafeZonesError, match=r"looks like \(lat, lon\); give \(lon, lat\)"):
        sz.freeze_zone((36.2, 37.16), radius_km=10)
    with pytest.raises(SafeZonesError, match="NaN"):
        sz.freeze_zone((float("nan"), 35.0), radius_km=10)
    with pytest.raises(SafeZonesError, match="place name or a \\(lon, lat\\) pair"):
        sz.freeze_zone((1, 2, 3), radius_km=10)
    with pytest.raises(SafeZonesError, match="both start and end"):
        sz.refuge_strip("TUR", depth_km=10, start="Jarablus")
    with pytest.raises(SafeZonesError, match=r"\d+ km from the JOR border"):
        sz.refuge_strip("JOR", depth_km=10, start="Aleppo", end="Daraa")
    with pytest.raises(SafeZonesError, match="same point of the TUR border"):
        sz.refuge_strip("TUR", depth_km=10, start="Jarablus", end="Jarablus")


def test_zone_outside_syria_is_an_error():
    with pytest.raises(GeometryError, match=r"outside Syria \(its centre is at lon 33\.0"):
        sz.freeze_zone((33.0, 35.0), radius_km=20)  # Cyprus
    with pytest.raises(GeometryError, match="outside Syria"):
        sz.safe_zone("POLYGON ((32 34.5, 34 34.5, 34 35.5, 32 35.5, 32 34.5))")


@pytest.mark.filterwarnings("ignore:.crs. was not provided:UserWarning")
def test_bad_safe_zone_inputs(tmp_path):
    with pytest.raises(SafeZonesError, match="no such file"):
        sz.safe_zone(tmp_path / "missing.geojson")
    with pytest.raises(GeometryError, match="is not an area"):
        sz.safe_zone("POINT (37 36)")
    # a shapefile without .prj has no CRS
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame(geometry=[shapely.box(37, 36, 37.5, 36.5)]).to_file(shp)
    with pytest.raises(GeometryError, match=r"nocrs\.shp: the layer has no CRS"):
        sz.safe_zone(shp)
    with pytest.raises(GeometryError, match="has no CRS"):
        sz.safe_zone(gpd.GeoSeries([shapely.box(37, 36, 37.5, 36.5)]))
    with pytest.raises(GeometryError, match="cannot parse the WKT"):
        sz.safe_zone("POLYGON ((37 36, 37.5")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(SafeZonesError, match="cannot read it as a vector layer"):
        sz.safe_zone(bad)


def test_zone_set_errors():
    a = sz.freeze_zone("Aleppo", radius_km=10)
    with pytest.raises(SafeZonesError, match="repeated: freeze-aleppo-10km"):
        sz.zone_set(a, a)
    with pytest.raises(SafeZonesError, match="needs at least one zone"):
        sz.zone_set()
    with pytest.raises(SafeZonesError, match="lacks the zone columns"):
        sz.zone_set(gpd.GeoDataFrame(geometry=[shapely.box(37, 36, 38, 37)], crs=4326))
