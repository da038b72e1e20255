"""Zone geometry that matches its definition (issue 16, section 2): safezones.model.geometry.

Strips along a stretch of border are checked against a brute-force reading of
the definition (see safezones.model.zones.refuge_strip): a point of Syria
belongs when it lies within the depth of the stretch and its nearest point on
the whole border lies on the stretch. The limits and repair of drawn polygons
are checked too; zones read from files are in tests/io/test_zonefile.py.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

import safezones as sz
from safezones import GeometryError, data
from safezones.crs import PROJECT_CRS, lonlat_to_metric, metric_to_lonlat
from safezones.model.geometry import MAX_REPAIR_CROSSINGS, MAX_ZONE_VERTICES, self_crossings
from safezones.scenario import Scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SRC = Path(__file__).resolve().parents[2] / "src"
MAREA = (37.196, 36.608)  # as in scenarios/jarablus-marea-2015.toml
TRIPOINT = (42.36, 37.11)  # as in scenarios/turkey-strip-2019.toml


def metric(z: gpd.GeoDataFrame) -> shapely.Geometry:
    return z.to_crs(PROJECT_CRS).geometry.iloc[0]


def border_m(code: str) -> shapely.LineString:
    return data.border(code).to_crs(PROJECT_CRS).geometry.iloc[0]


def along(line: shapely.LineString, point: str | tuple[float, float]) -> float:
    """Where a place or (lon, lat) projects onto the line, in m from its start."""
    if isinstance(point, str):
        g = data.find_place(point, country="SY").geometry
        point = (g.x, g.y)
    return float(line.project(shapely.Point(*lonlat_to_metric(*point))))


def scenario_strip(name: str) -> gpd.GeoDataFrame:
    z = Scenario.from_toml(SCENARIOS / name).zones[0]
    return sz.refuge_strip(z.border, depth_km=z.depth_km, start=z.start, end=z.end)


# ---------------------------------------------------------------- flat-ended strips


@pytest.mark.parametrize(
    ("code", "depth", "start", "end"),
    [
        ("TUR", 40, MAREA, "Jarablus"),  # the shipped jarablus-marea-2015
        ("TUR", 32, "Jarablus", TRIPOINT),  # the shipped turkey-strip-2019
        ("TUR", 120, "Jarablus", (40.0, 36.9)),  # deep: the border's bends matter
        ("LBN", 50, (36.0, 34.5), (36.5, 34.0)),  # a border that turns a corner
        ("JOR", 60, (36.0, 32.6), (37.5, 32.5)),
    ],
)
def test_stretch_strip_is_the_nearest_point_definition(code, depth, start, end):
    """Every grid point of Syria is in the zone exactly when the definition says so."""
    zone = metric(sz.refuge_strip(code, depth_km=depth, start=start, end=end))
    line = border_m(code)
    lo, hi = sorted((along(line, start), along(line, end)))
    stretch = shapely.ops.substring(line, lo, hi)
    syria = data.syria(crs="metric")
    x0, y0, x1, y1 = stretch.buffer(depth * 1000 + 5000).bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
    pts = shapely.points(xs.ravel(), ys.ravel())
    pts = pts[shapely.contains(syria, pts)]
    # brute force: within the depth of the stretch, nearest border point on the stretch
    t = shapely.line_locate_point(line, pts)
    inside = (shapely.distance(stretch, pts) <= depth * 1000) & (t >= lo - 1e-6) & (t <= hi + 1e-6)
    got = shapely.covers(zone, pts)
    assert inside.sum() > 3000  # the grid samples the zone densely
    wrong = pts[inside != got]
    # the two agree but on the zone's edge: the split's sampling (under 8 m at 1 km from
    # the border) and the lon/lat round trip of the zone's vertices
    assert shapely.distance(zone.boundary, wrong).max(initial=0.0) < 25.0
    assert len(wrong) <= 0.001 * inside.sum()


def test_jarablus_marea_no_longer_covers_afrin_nor_crosses_the_euphrates():
    z = scenario_strip("jarablus-marea-2015.toml")
    g = z.geometry.iloc[0]
    afrin = data.find_place("Afrin", country="SY").geometry  # 36.87 E, 36.51 N
    assert not g.covers(afrin)
    # east of the Euphrates (the river leaves Turkey at Jarablus, 38.0 E, and runs SSE)
    for lonlat in [(38.10, 36.75), (38.30, 36.70), (38.40, 36.60)]:
        assert not g.covers(shapely.Point(lonlat)), lonlat
    # but it does cover the land between Marea and Jarablus next to the border
    assert g.covers(shapely.Point(37.6, 36.6))
    # about the stretch's length times the depth: 79 km x 40 km = 3,158 km2, more where
    # the border bends outwards; 6,229 km2 with round ends
    stretch_km = float(z.stretch_km.iloc[0])
    assert 78 < stretch_km < 80
    assert 0.95 * stretch_km * 40 < z.area_km2.iloc[0] < 1.15 * stretch_km * 40


def test_turkey_strip_2019_starts_at_the_euphrates():
    z = scenario_strip("turkey-strip-2019.toml")
    line = border_m("TUR")
    west_end = line.interpolate(along(line, "Jarablus"))
    lon, lat = metric_to_lonlat(west_end.x, west_end.y)
    g = z.geometry.iloc[0]
    # 20 km south of the western end and 2 km west of it: the round end reached ~30 km west
    for dx_km in (0.0, -2.0):
        p = shapely.Point(*metric_to_lonlat(west_end.x + dx_km * 1000, west_end.y - 20_000))
        assert not g.covers(p), dx_km
    # nothing of it lies west of the western end (the border's normal there points ESE)
    assert z.total_bounds[0] > lon - 0.001
    # and it does hold the land just east of the end
    assert g.covers(shapely.Point(lon + 0.15, lat - 0.1))


def test_adjacent_stretches_tile_the_longer_one():
    """Strips of A-B and B-C (B mid-segment) share only their common end: areas add up."""
    line = border_m("TUR")
    a, c = along(line, "Jarablus"), along(line, TRIPOINT)
    coords = np.asarray(line.coords)
    vertex_at = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
    k = np.searchsorted(vertex_at, (a + c) / 2)
    mid = line.interpolate((vertex_at[k - 1] + vertex_at[k]) / 2)  # the middle of a segment
    b = metric_to_lonlat(mid.x, mid.y)
    ab = sz.refuge_strip("TUR", depth_km=30, start="Jarablus", end=b)
    bc = sz.refuge_strip("TUR", depth_km=30, start=b, end=TRIPOINT)
    ac = sz.refuge_strip("TUR", depth_km=30, start="Jarablus", end=TRIPOINT)
    total = float(ac.area_km2.iloc[0])
    # round ends double-count half a disc of 30 km on each side of B (2,827 km2)
    assert ab.area_km2.iloc[0] + bc.area_km2.iloc[0] == pytest.approx(total, abs=1.0)
    both = shapely.union_all([metric(ab), metric(bc)])
    assert both.symmetric_difference(metric(ac)).area / 1e6 < 1.0


@settings(max_examples=6, deadline=None)
@given(
    st.sampled_from(["TUR", "IRQ", "JOR", "LBN"]),
    st.floats(0.05, 0.95),
    st.floats(0.05, 0.95),
    st.floats(2, 120),
)
def test_the_whole_border_strip_holds_every_stretch_strip(code, f0, f1, depth):
    line = border_m(code)
    if abs(f0 - f1) * line.length < 5_000:
        f1 = f0 + 0.05 if f0 < 0.5 else f0 - 0.05
    ends = [line.interpolate(f * line.length) for f in (f0, f1)]
    start, end = (metric_to_lonlat(p.x, p.y) for p in ends)
    part = metric(sz.refuge_strip(code, depth_km=depth, start=start, end=end))
    whole = metric(sz.refuge_strip(code, depth_km=depth))
    assert part.difference(whole).area < 1e-6 * part.area  # m2: the lon/lat round trip


@settings(max_examples=8, deadline=None)
@given(st.floats(1, 150), st.floats(1, 150))
def test_a_stretch_strip_grows_with_its_depth(d1, d2):
    lo, hi = sorted((d1, d2))
    a = metric(sz.refuge_strip("TUR", depth_km=lo, start=MAREA, end="Jarablus"))
    b = metric(sz.refuge_strip("TUR", depth_km=hi, start=MAREA, end="Jarablus"))
    assert a.difference(b).area < 1e3  # m2: only precision noise
    assert b.area >= a.area


def test_reversed_ends_give_the_same_strip():
    a = metric(sz.refuge_strip("TUR", depth_km=30, start="Jarablus", end=MAREA))
    b = metric(sz.refuge_strip("TUR", depth_km=30, start=MAREA, end="Jarablus"))
    assert a.symmetric_difference(b).area < 1e3


# ---------------------------------------------------------------- limits and repair


def lonlat_circle(n: int, radius_km: float = 10.0) -> np.ndarray:
    """n vertices of a circle around 37.5 E, 36.0 N, as lon/lat (closed by the polygon)."""
    cx, cy = lonlat_to_metric(37.5, 36.0)
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    back = Transformer.from_crs(PROJECT_CRS, "EPSG:4326", always_xy=True)
    return np.column_stack(
        back.transform(cx + radius_km * 1e3 * np.cos(a), cy + radius_km * 1e3 * np.sin(a))
    )


def test_a_20000_vertex_scribble_is_refused_quickly_and_in_bounded_memory():
    """Today make_valid takes ~20 GB on it; in a 3 GB address space it must return."""
    code = textwrap.dedent(
        """
        import resource, numpy as np, shapely
        resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))
        import safezones as sz
        rng = np.random.default_rng(0)
        xy = np.column_stack([rng.uniform(37.0, 37.5, 20_000), rng.uniform(36.0, 36.5, 20_000)])
        try:
            sz.safe_zone(shapely.Polygon(xy))
        except sz.GeometryError as err:
            print(err)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == (
        "geometry: feature 0: invalid (Self-intersection), and its outline crosses itself "
        f"more than {MAX_REPAIR_CROSSINGS} times: repairing it would take too long and too "
        "much memory; redraw it as a polygon whose outline does not cross itself"
    )


def test_a_20000_vertex_polygon_with_one_slip_is_repaired():
    xy = lonlat_circle(20_000)
    xy[[100, 101]] = xy[[101, 100]]  # two vertices swapped: the outline crosses itself once
    poly = shapely.Polygon(xy)
    assert not poly.is_valid
    z = sz.safe_zone(poly)
    assert bool(z.repaired.iloc[0])
    assert z.area_km2.iloc[0] == pytest.approx(math.pi * 10**2, rel=1e-3)


def test_too_many_vertices_are_refused():
    poly = shapely.Polygon(lonlat_circle(MAX_ZONE_VERTICES + 1))
    with pytest.raises(GeometryError) as err:
        sz.safe_zone(poly)
    assert str(err.value) == (
        "geometry: feature 0: 100,002 vertices, more than 100,000; simplify it (e.g. QGIS: "
        "Vector > Geometry Tools > Simplify, tolerance 100 m)"
    )


def test_self_crossings_are_counted_as_pairs_of_segments_that_meet():
    """The counter against shapely's pairwise test on random outlines."""
    rng = np.random.default_rng(3)
    for n in (4, 7, 15, 40):
        poly = shapely.Polygon(rng.uniform(0, 10, (n, 2)))
        ring = np.asarray(poly.exterior.coords)
        seg = [shapely.LineString(ring[i : i + 2]) for i in range(len(ring) - 1)]
        m = len(seg)
        expected = sum(
            seg[i].intersects(seg[j])
            for i in range(m)
            for j in range(i + 2, m)
            if not (i == 0 and j == m - 1)
        )
        assert self_crossings(poly, 10**9) == expected, n
    bowtie = shapely.from_wkt("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))")
    assert self_crossings(bowtie, 100) == 1
    with_hole = shapely.Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10)], [[(8, 2), (12, 2), (12, 4), (8, 4)]]
    )  # the hole pokes out through the shell's right side: two crossings
    assert self_crossings(with_hole, 100) == 2
    assert self_crossings(shapely.box(0, 0, 1, 1), 100) == 0
