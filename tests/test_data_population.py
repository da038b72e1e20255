"""The population basis of issue 19: census district totals, settlement weight, WorldPop check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from safezones import data
from safezones.crs import PROJECT_CRS

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(data.__file__).parent
#: WorldPop's Turkish strip ratio and the aims of issue 19.
MIN_CORRELATION = 0.8
RATIO_TOLERANCE = 0.15


def _census_district_totals(shared_data: Path) -> pd.Series:
    """District totals computed here from the CSVs: census share x pre-war governorate total."""
    census = pd.read_csv(shared_data / "syr_census_2004_subdistrict.csv")
    prewar = pd.read_csv(shared_data / "syr_population_adm1_prewar.csv")
    prewar = prewar[prewar["ADM_LEVEL"] == 1].set_index("ADM1_PCODE")["Population"]
    # Qadmous (OCHA SY1006) was the sub-district SY100203 of Banyas (SY1002) in 2004
    qadmous = census["adm3_pcode"] == "SY100203"
    assert qadmous.sum() == 1
    census.loc[qadmous, "adm2_pcode"] = "SY1006"
    by_district = census.groupby(["adm1_pcode", "adm2_pcode"])["population_2004"].sum()
    by_gov = census.groupby("adm1_pcode")["population_2004"].sum()
    out = {}
    for (gov, district), people in by_district.items():
        out[district] = people / by_gov[gov] * float(prewar[gov])
    return pd.Series(out).sort_index()


def test_district_totals_equal_census_share_times_governorate_total(shared_data):
    expected = _census_district_totals(shared_data)
    grid = data.population_grid()
    got = grid.groupby("adm2_pcode")["pop_central"].sum().sort_index()
    assert len(expected) == 62 and list(got.index) == list(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-9)
    # Qadmous holds the 2004 sub-district (22,370 of Tartous' 2004 people), Banyas less
    census = pd.read_csv(shared_data / "syr_census_2004_subdistrict.csv")
    tartous_2004 = census.loc[census["adm1_pcode"] == "SY10", "population_2004"].sum()
    prewar = pd.read_csv(shared_data / "syr_population_adm1_prewar.csv")
    tartous = float(prewar.set_index("ADM1_PCODE").loc["SY10", "Population"])
    assert got["SY1006"] == pytest.approx(22_370 / tartous_2004 * tartous, rel=1e-9)


def test_grid_conserves_every_governorate_total(shared_data):
    raw = pd.read_csv(shared_data / "syr_population_adm1_prewar.csv")
    raw = raw[raw["ADM_LEVEL"] == 1].set_index("ADM1_PCODE")["Population"].astype(float)
    grid = data.population_grid()
    got = grid.groupby("adm1_pcode")["pop_central"].sum()
    np.testing.assert_allclose(got.sort_index(), raw.sort_index(), rtol=1e-9)
    # every cell lies in the governorate of its district
    districts = data.districts().set_index("adm2_pcode")["adm1_pcode"]
    assert (grid["adm2_pcode"].map(districts) == grid["adm1_pcode"]).all()


def test_jordanian_strip_east_of_37e_holds_few_people():
    """10 km along the Jordanian border east of 37 E: the Hamad desert.

    The old rule (governorate totals spread by area) put 143,399 people in this
    strip (measured the same way on the grid of commit 9ca0915; the issue's
    447,000 is of a wider strip). No GeoNames place and only 3 SCMP communities
    lie in it, so its people are the tail of the settlement kernel and a few
    villages: bound 30,000, about a fifth of the old figure (the new grid holds
    about 4,500).
    """
    jor = data.border("JOR").geometry.iloc[0]
    east = shapely.clip_by_rect(jor, 37.0, 29.0, 45.0, 38.0)
    import geopandas as gpd

    strip = gpd.GeoSeries([east], crs=4326).to_crs(PROJECT_CRS).iloc[0].buffer(10_000)
    grid = data.population_grid().to_crs(PROJECT_CRS)
    share = shapely.area(shapely.intersection(grid.geometry.values, strip)) / grid.area
    people = float((grid["pop_central"] * share).sum())
    assert people < 30_000


@pytest.fixture(scope="module")
def worldpop_figures(shared_data):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import check_population
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return check_population.check(
        data.population_grid(),
        shared_data / "worldpop_idleb_100m_2026.tif",
        data.border("TUR"),
        data.governorates(),
    )


def test_worldpop_figures_equal_the_bundled_json(worldpop_figures):
    doc = json.loads((DATA_DIR / "population_check.json").read_text(encoding="utf-8"))
    assert worldpop_figures["extent_adm1_pcode"] == "SY07" == doc["extent_adm1_pcode"]
    assert doc["grid"]["correlation_10km"] == worldpop_figures["correlation_10km"]
    assert doc["grid"]["turkish_strip_ratio_10_30"] == worldpop_figures["turkish_strip_ratio_10_30"]
    assert (
        doc["worldpop"]["turkish_strip_ratio_10_30"]
        == worldpop_figures["worldpop_turkish_strip_ratio_10_30"]
    )
    text = (DATA_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    assert f"now {doc['grid']['correlation_10km']:.2f} / " in text


def test_worldpop_ratio_of_the_raster_by_hand(shared_data):
    """WorldPop's own strip ratio, by pixel centres, independently of check_population."""
    import rasterio
    from pyproj import Transformer

    with rasterio.open(shared_data / "worldpop_idleb_100m_2026.tif") as r:
        band = r.read(1)
        rows, cols = np.nonzero(band != r.nodata)
        lon, lat = rasterio.transform.xy(r.transform, rows, cols)
        people = band[rows, cols].astype(float)
    x, y = Transformer.from_crs(4326, PROJECT_CRS, always_xy=True).transform(lon, lat)
    tur = data.border("TUR").to_crs(PROJECT_CRS).geometry.iloc[0]
    d = shapely.distance(tur, shapely.points(np.asarray(x), np.asarray(y)))
    ratio = people[d <= 10_000].sum() / people[d <= 30_000].sum()
    doc = json.loads((DATA_DIR / "population_check.json").read_text(encoding="utf-8"))
    assert doc["worldpop"]["turkish_strip_ratio_10_30"] == pytest.approx(ratio, abs=1e-4)


_NOT_MET = pytest.mark.xfail(
    strict=True,
    reason="issue 19's aim is not met (measured 0.73 and 0.293 against WorldPop's 0.415; "
    "population_check.json): WorldPop 2026 shows the war's displacement (Harim district "
    "387,000 against a pre-war 204,000; the Atmeh-Sarmada camps on the border), which a "
    "pre-war basis cannot show. strict: when a better basis meets it, this fails and says so",
)


@_NOT_MET
def test_worldpop_correlation_meets_the_aim(worldpop_figures):
    """Issue 19's aim; may fail: WorldPop 2026 shows the war's displacement."""
    assert worldpop_figures["correlation_10km"] >= MIN_CORRELATION


@_NOT_MET
def test_worldpop_strip_ratio_meets_the_aim(worldpop_figures):
    """Issue 19's aim; may fail: WorldPop 2026 shows the camps along the border."""
    ratio = worldpop_figures["turkish_strip_ratio_10_30"]
    reference = worldpop_figures["worldpop_turkish_strip_ratio_10_30"]
    assert abs(ratio / reference - 1) <= RATIO_TOLERANCE
