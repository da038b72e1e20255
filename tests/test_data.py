"""The bundled layers against their sources and independent calculations."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from safezones import SafeZonesError, UnknownNameError, data
from safezones.crs import PROJECT_CRS

GEOD = Geod(ellps="WGS84")
DATA_DIR = Path(data.__file__).parent
ROOT = Path(__file__).resolve().parents[1]


def test_every_layer_is_in_epsg4326():
    for layer in (
        data.countries(),
        data.governorates(),
        data.districts(),
        data.places(),
        data.events(),
        data.population_grid(),
        data.border("TUR"),
    ):
        assert layer.crs.to_epsg() == 4326


def test_syria_area_matches_geodesic_area():
    syria = data.countries().set_index("iso_a3").geometry["SYR"]
    geodesic_km2 = abs(GEOD.geometry_area_perimeter(syria)[0]) / 1e6
    metric_km2 = data.syria(crs="metric").area / 1e6
    assert metric_km2 == pytest.approx(geodesic_km2, rel=0.005)
    # and with Syria's usual figure of 185,180 km2, generalised outline within 1 %
    assert metric_km2 == pytest.approx(185_180, rel=0.01)


@pytest.mark.parametrize("code", ["TUR", "JOR", "LBN", "IRQ"])
def test_border_length_matches_geodesic_length(code):
    b = data.border(code)
    line = b.geometry.iloc[0]
    assert line.geom_type == "LineString", "each border is one continuous line"
    lon, lat = np.asarray(line.coords).T
    geodesic_km = GEOD.line_length(lon, lat) / 1000
    assert b.length_km.iloc[0] == pytest.approx(geodesic_km, rel=0.01)
    metric_km = b.to_crs(PROJECT_CRS).length.iloc[0] / 1000
    assert metric_km == pytest.approx(geodesic_km, rel=0.01)


def test_border_lengths_are_plausible():
    # Surveyed lengths (CIA World Factbook): TUR 899, IRQ 599, JOR 379, LBN 403 km.
    # Natural Earth 10m is generalised, so it may be shorter, never longer.
    surveyed = {"TUR": 899, "IRQ": 599, "JOR": 379, "LBN": 403}
    for code, km in surveyed.items():
        got = float(data.border(code).length_km.iloc[0])
        assert 0.7 * km < got < 1.01 * km, code


def test_border_touches_both_countries():
    c = data.countries().to_crs(PROJECT_CRS).set_index("iso_a3").geometry
    for code in ("TUR", "JOR", "LBN", "IRQ"):
        line = data.border(code).to_crs(PROJECT_CRS).geometry.iloc[0]
        pts = shapely.points(np.asarray(line.coords))
        assert shapely.distance(c["SYR"].boundary, pts).max() < 1.0
        assert shapely.distance(c[code], pts).max() < 100.0 + 1.0  # the snap tolerance


def test_governorates_and_districts(shared_data):
    gov = data.governorates()
    raw = pd.read_csv(shared_data / "syr_population_adm1_prewar.csv")
    assert sorted(gov.adm1_pcode) == [f"SY{i:02d}" for i in range(1, 15)]
    merged = gov.set_index("adm1_pcode").population_prewar
    expected = raw.set_index("ADM1_PCODE").Population
    assert (merged.sort_index() == expected.sort_index()).all()
    assert int(merged.sum()) == 21_110_652
    d = data.districts()
    assert len(d) == 62 and d.adm2_pcode.is_unique
    assert set(d.adm1_pcode) == set(gov.adm1_pcode)


def test_population_grid_sums_per_governorate_equal_ocha_table(shared_data):
    grid = data.population_grid()
    raw = pd.read_csv(shared_data / "syr_population_adm1_prewar.csv")
    expected = raw.set_index("ADM1_PCODE").Population.astype(float).sort_index()
    got = grid.groupby("adm1_pcode").pop_central.sum().sort_index()
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert (grid.pop_low <= grid.pop_central).all() and (grid.pop_central <= grid.pop_high).all()
    assert (grid.pop_low >= 0).all()


def test_population_grid_cells_are_at_most_2_km():
    grid = data.population_grid().to_crs(PROJECT_CRS)
    b = grid.bounds
    assert ((b.maxx - b.minx) <= 2000 + 0.01).all()  # 4326 round trip: mm
    assert ((b.maxy - b.miny) <= 2000 + 0.01).all()  # 4326 round trip: mm
    assert grid.area.max() <= 4e6 * (1 + 1e-6)  # lon/lat round trip moves vertices by mm
    assert grid.area_km2.max() <= 4.0 + 1e-9
    # the cells tile Syria: their total area is Syria's
    # (to 0.01 %: slivers under 100 m2 between OCHA and Natural Earth outlines are dropped)
    assert grid.area.sum() == pytest.approx(data.syria(crs="metric").area, rel=1e-4)


def test_population_grid_raqqa_uses_the_seed_range():
    """The city's share follows the seed: 300,000-350,000 in November 2014.

    Near the city (10 km, its district), everyone else has the band central x
    (1 -/+ 0.25), so high - low = 0.5 x (central - 325,000) + (350,000 - 300,000)
    exactly; GeoNames' 531,952 with the same 25 % band would give
    high - low = 0.5 x central instead.
    """
    grid = data.population_grid().to_crs(PROJECT_CRS)
    raqqa = data.find_place("Ar Raqqah")
    centre = shapely.Point(*_to_metric(raqqa.geometry.x, raqqa.geometry.y))
    # the town disc of 325,000 people at 10,000 per km2 has radius ~3.2 km
    near = grid[grid.intersects(centre.buffer(10_000)) & (grid.adm2_pcode == "SY1101")]
    central, low, high = (near[c].sum() for c in ("pop_central", "pop_low", "pop_high"))
    assert central > 325_000
    assert high - low == pytest.approx(0.5 * (central - 325_000) + 50_000, rel=1e-9)
    text = (DATA_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Ar Raqqah (SY11): GeoNames 531,952; used 300,000 / 325,000 / 350,000" in text


def _to_metric(lon, lat):
    from pyproj import Transformer

    return Transformer.from_crs(4326, PROJECT_CRS, always_xy=True).transform(lon, lat)


def test_events_count_per_year_equals_source(shared_data):
    raw = pd.read_csv(shared_data / "ucdp_ged_syria_events.csv")
    ev = data.events()
    assert len(ev) == len(raw) == 52_049
    pd.testing.assert_series_equal(
        ev.year.value_counts().sort_index(), raw.year.value_counts().sort_index()
    )
    total = raw.deaths_a + raw.deaths_b + raw.deaths_civilians + raw.deaths_unknown
    assert int(ev.deaths_total.sum()) == int(total.sum())
    assert int((ev.side_a == "Government of Syria").sum()) == 45_512
    assert (ev.date_start.dt.year == ev.year).all() and (ev.date_end.dt.year == ev.year).all()
    np.testing.assert_allclose(ev.geometry.x.to_numpy(), raw.longitude.to_numpy())


def test_places(shared_data):
    raw = pd.read_csv(shared_data / "geonames_places_levant.csv")
    assert len(data.places(None)) == len(raw)
    sy = data.places("SY")
    assert len(sy) == 308 and sy.adm1_pcode.notna().all()
    assert data.find_place("Aleppo").population == 2_098_210
    assert data.find_place("hama")["name"] == "Ḩamāh"
    assert data.find_place("KOBANI")["name"] == "‘Ayn al ‘Arab"


def test_unknown_place_suggests_close_matches():
    with pytest.raises(UnknownNameError, match=r"did you mean: .*Ḩamāh"):
        data.find_place("Hamah city")
    with pytest.raises(UnknownNameError, match="Or give \\(lon, lat\\)"):
        data.find_place("Atlantis")
    with pytest.raises(UnknownNameError, match="use one of IQ, JO, LB, SY, TR"):
        data.places("FR")


def test_unknown_neighbour_names_the_valid_ones():
    with pytest.raises(SafeZonesError) as err:
        data.border("ISR")
    assert "TUR (Turkey), JOR (Jordan), LBN (Lebanon), IRQ (Iraq)" in str(err.value)
    with pytest.raises(SafeZonesError, match="did you mean 'TUR'"):
        data.border("Turkey")


def test_manifest_matches_files_and_provenance_lists_every_layer():
    manifest = json.loads((DATA_DIR / "manifest.json").read_text())
    layers = manifest["layers"]
    on_disk = {p.stem for p in DATA_DIR.glob("*.parquet")}
    assert on_disk <= set(layers)
    text = (DATA_DIR / "PROVENANCE.md").read_text()
    for name, meta in layers.items():
        assert (
            hashlib.sha256((DATA_DIR / meta["path"]).read_bytes()).hexdigest() == meta["sha256"]
        ), f"{name} changed since the manifest was written: run make data"
        assert f"| {name} |" in text
        for key in ("source", "licence", "attribution", "date", "derivation"):
            assert meta[key], (name, key)
    prov = data.provenance()
    assert set(prov.index) == set(layers)
    assert prov.loc["events", "rows"] == 52_049
    for code in ("TUR", "JOR", "LBN", "IRQ"):
        assert f"| {code} (" in text  # border lengths are reported
    total = sum(p.stat().st_size for p in DATA_DIR.rglob("*") if p.is_file())
    assert total < 25e6


def test_build_is_reproducible(shared_data, tmp_path):
    """Rebuilding from ../shared/data gives byte-identical files to the bundled ones."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_data.py"),
            "--source",
            str(shared_data),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    # the observed files, the calibration and its backtests have their own scripts
    # (build_observed.py, calibrate.py) and tests (test_observed_files_are_rebuilt_byte_for_byte,
    # tests/validate/test_calibration.py)
    other = {"calibration.json", "validation.json"}
    for f in sorted(DATA_DIR.rglob("*")):
        if f.name in other or "observed" in f.relative_to(DATA_DIR).parts:
            continue
        if f.is_file() and f.suffix in {".parquet", ".json", ".md", ".toml"}:
            rebuilt = tmp_path / f.relative_to(DATA_DIR)
            assert rebuilt.read_bytes() == f.read_bytes(), f"{f.name} differs: run make data"


def test_observed_files_are_rebuilt_byte_for_byte(shared_data, tmp_path):
    """scripts/build_observed.py copies the observed files and writes the same manifest."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_observed.py"), "--shared",
                    str(shared_data), "--out", str(tmp_path)], check=True, capture_output=True)  # fmt: skip
    bundled = DATA_DIR / "observed"
    names = sorted(p.name for p in bundled.iterdir() if p.is_file())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name
    for name in ("unhcr_syrian_refugees_by_host_2011_2014.csv", "cccm_nw_syria_sites_2017_2019.csv",
                 "ocha_idp_movements_by_governorate_2016_2018.csv"):  # fmt: skip
        assert (shared_data / "observed" / name).read_bytes() == (bundled / name).read_bytes()
