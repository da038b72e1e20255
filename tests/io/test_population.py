"""Population readers (safezones.io.population): OCHA COD-PS tables joined to boundaries,
and population rasters."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import rasterio

from safezones import DataError, SafeZonesError, data, sources

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad"


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_cod_ps_table_with_hxl_row_joins_all_governorates():
    pop = sources.read_admin_population(
        DATA / "syr_pop_adm1_hxl.csv", pcode="#adm1+code", population="#population+total"
    )
    assert pop.attrs["hxl_tags"]["T_TL"] == "#population+total"
    assert len(pop) == 14 and pop.pcode.tolist()[0] == "SY01"
    assert pop.pop_central.sum() == 21_110_652  # the OCHA total, thousands separators read
    assert (pop.pop_low == pop.pop_central).all() and (pop.pop_high == pop.pop_central).all()
    assert pop.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    # by column name too, with a band rule
    banded = sources.read_admin_population(
        DATA / "syr_pop_adm1_hxl.csv",
        pcode="ADM1_PCODE",
        population="T_TL",
        relative_band=(0.8, 1.3),
    )
    assert banded.pop_low.sum() == pytest.approx(0.8 * 21_110_652)
    assert banded.pop_high.sum() == pytest.approx(1.3 * 21_110_652)


def test_admin2_table_with_band_columns_reports_units_without_rows():
    with pytest.warns(UserWarning, match="59 boundary units have no population row"):
        pop = sources.read_admin_population(
            DATA / "syr_pop_adm2_bands.csv",
            pcode="admin2Pcode",
            population="population",
            low="population_low",
            high="population_high",
        )
    assert pop.pcode.tolist() == ["SY0200", "SY0202", "SY0208"]
    assert pop.pop_low.tolist() == [1_800_000, 300_000, 60_000]
    assert pop.pop_high.tolist() == [2_400_000, 400_000, 80_000]
    assert "adm2_name" in pop.columns and len(pop.attrs["units_without_population"]) == 59


def test_admin_table_bad_values_are_all_listed():
    with pytest.raises(DataError) as err:
        sources.read_admin_population(
            BAD / "pop_bad_values.csv", pcode="ADM1_PCODE", population="T_TL"
        )
    msg = str(err.value)
    assert "1 value of 'T_TL' is negative: line 3 (-5)" in msg
    assert "P-codes appear more than once: SY03" in msg


def test_unmatched_pcodes_are_an_error_or_dropped_and_listed():
    f = BAD / "pop_unmatched.csv"
    with pytest.raises(DataError) as err:
        sources.read_admin_population(f, pcode="ADM1_PCODE", population="T_TL")
    msg = str(err.value)
    assert "2 P-codes match no boundary: SY15 (line 3" in msg
    assert "SY-02 (line 4; SY02?)" in msg
    pop = _quiet(
        sources.read_admin_population, f, pcode="ADM1_PCODE", population="T_TL", on_unmatched="drop"
    )
    assert pop.pcode.tolist() == ["SY01"]
    assert pop.attrs["unmatched_pcodes"] == ["SY15", "SY-02"]
    assert pop.attrs["dropped"] == {"unmatched_pcode": 2}


def test_admin_table_column_errors():
    with pytest.raises(
        DataError, match=r"P-code column 'ADM1_PCOD' not found \(did you mean 'ADM1_PCODE'"
    ):
        sources.read_admin_population(
            DATA / "syr_pop_adm1_hxl.csv", pcode="ADM1_PCOD", population="T_TL"
        )
    with pytest.raises(SafeZonesError, match="give both low= and high="):
        sources.read_admin_population(
            DATA / "syr_pop_adm2_bands.csv",
            pcode="admin2Pcode",
            population="population",
            low="population_low",
        )


def test_admin_table_with_user_boundaries(tmp_path):
    gov = data.governorates()[["adm1_pcode", "adm1_name", "geometry"]].rename(
        columns={"adm1_pcode": "ADM1_PCODE"}
    )
    f = tmp_path / "gov.gpkg"
    gov.to_crs(32637).to_file(f)
    pop = sources.read_admin_population(
        DATA / "syr_pop_adm1_hxl.csv", pcode="ADM1_PCODE", population="T_TL", boundaries=f
    )
    assert len(pop) == 14 and pop.crs.to_epsg() == 4326
    assert "ADM1_PCODE" in pop.columns


# ---------------------------------------------------------------- rasters


@pytest.fixture(scope="module")
def tif(shared_data):
    return shared_data / "worldpop_idleb_100m_2026.tif"


def test_raster_metadata_and_total(tif):
    r = sources.read_population_raster(tif)
    assert r.shape == (1155, 1266) and r.nodata == -99999.0 and r.crs.to_epsg() == 4326
    with rasterio.open(tif) as ds:  # the whole raster, read here independently of the package
        arr = ds.read(1, masked=True).astype("float64")
    assert r.total() == pytest.approx(float(arr.sum()), rel=1e-9)
    assert 1.7e6 < r.total() < 1.8e6
