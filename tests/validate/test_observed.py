"""The readers' observed columns equal the files' own totals.

The figures are those the shared data README states (../shared/data/README.md,
"Observed outcomes"): UNHCR Refugee Population Statistics, end of 2014; CCCM ISIMM
site totals for Feb 2017, Feb 2019 and Nov 2019; OCHA Turkey IDP movements,
January 2019 workbook. Each is also recomputed here with plain pandas from the
shared original (``shared_data``), and the bundled copy is checked to be that
original byte for byte.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from safezones.validate.observed import (
    BUNDLED,
    bundled_path,
    read_movements,
    read_refugees,
    read_sites,
)

#: End of 2014, Syrian refugees by country of asylum (UNHCR, via the shared data README).
REFUGEES_2014 = {"TUR": 1_557_899, "LBN": 1_147_494, "JOR": 623_112, "IRQ": 234_196, "EGY": 138_381}
#: People in north-west Syria's IDP sites (CCCM ISIMM, via the shared data README).
SITES = {"2017-02": 331_021, "2019-02": 471_855, "2019-11": 868_486}
#: IDP movements (OCHA, via the shared data README); SY02 is Aleppo's and SY07 Idleb's
#: OCHA P-code.
MOVEMENTS = {(2016, "SY02"): 821_749, (2016, "SY07"): 528_596, (2017, "SY07"): 641_077,
             (2018, "SY07"): 685_872}  # fmt: skip
#: Months the sites file has no row for (shared data README; the file starts in 2017-02).
MISSING_MONTHS = ["2017-11", "2018-03", "2018-11", "2019-01", "2019-03", "2019-04", "2019-05",
                  "2019-06", "2019-07"]  # fmt: skip
NAMES = {"SY02": "Aleppo", "SY07": "Idleb"}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def refugees():
    return read_refugees()


@pytest.fixture(scope="module")
def movements():
    return read_movements()


@pytest.fixture(scope="module")
def sites():
    return read_sites()


@pytest.mark.parametrize("kind", sorted(BUNDLED))
def test_bundled_copy_is_the_shared_original_byte_for_byte(kind, shared_data):
    original = shared_data / "observed" / BUNDLED[kind]
    bundled = bundled_path(kind)
    assert bundled.read_bytes() == original.read_bytes()
    reader = {"refugees": read_refugees, "movements": read_movements, "sites": read_sites}[kind]
    assert reader().sha256 == sha256(original)
    manifest = json.loads((bundled.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest[BUNDLED[kind]]["sha256"] == sha256(original)


@pytest.mark.parametrize("country", sorted(REFUGEES_2014))
def test_refugees_end_of_2014(country, refugees, shared_data):
    t = refugees.table
    got = t[(t["year"] == 2014) & (t["country"] == country)]["observed"]
    assert len(got) == 1 and int(got.iloc[0]) == REFUGEES_2014[country]
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["refugees"])
    assert (
        int(raw[(raw["year"] == 2014) & (raw["coa_iso"] == country)]["refugees"].sum())
        == (REFUGEES_2014[country])
    )


def test_refugees_every_year_and_host_is_the_raw_refugees_column(refugees, shared_data):
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["refugees"])
    raw = raw[raw["coa_iso"].isin(list(REFUGEES_2014))]
    expected = raw.groupby(["year", "coa_iso"])["refugees"].sum()
    got = refugees.table.set_index(["year", "country"])["observed"]
    assert sorted(got.index) == sorted(expected.index)
    for key, value in expected.items():
        assert got[key] == value  # the refugees column only: asylum-seekers not added
    # the other countries (Syria's IDP row among them) are skipped, and the skip says so
    other = pd.read_csv(shared_data / "observed" / BUNDLED["refugees"])
    other = other[~other["coa_iso"].isin(list(REFUGEES_2014))]
    (skip,) = refugees.skipped
    assert f"{other['coa_iso'].nunique()} countries" in skip
    assert f"{int(other['refugees'].sum()):,} people" in skip
    assert "SYR" in skip


@pytest.mark.parametrize("month", sorted(SITES))
def test_sites_month_totals(month, sites, shared_data):
    t = sites.table
    assert int(t[t["month"] == month]["observed"].sum()) == SITES[month]
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["sites"], dtype={"month": str})
    assert int(raw[raw["month"] == month]["individuals"].sum()) == SITES[month]


def test_sites_every_month_total_is_the_raw_sum(sites, shared_data):
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["sites"], dtype={"month": str})
    expected = raw.groupby("month")["individuals"].sum()
    got = sites.table.groupby("month")["observed"].sum()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)


@pytest.mark.parametrize("key", sorted(MOVEMENTS))
def test_movements_year_totals(key, movements, shared_data):
    year, gov = key
    t = movements.table
    got = t[(t["year"] == year) & (t["governorate"] == gov)]["observed"]
    assert len(got) == 1 and round(float(got.iloc[0])) == MOVEMENTS[key]  # fractional months
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["movements"], dtype={"month": str})
    part = raw[(raw["governorate"] == NAMES[gov]) & raw["month"].str.startswith(str(year))]
    assert round(part["idp_movements"].sum()) == MOVEMENTS[key]


def test_movements_blank_months_are_missing_not_zero(movements, shared_data):
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["movements"], dtype={"month": str})
    blank = int(raw["idp_movements"].isna().sum())
    assert blank > 0
    assert any(n.startswith(f"{blank} governorate-months blank") for n in movements.notes)
    raw["year"] = raw["month"].str[:4].astype(int)
    months = raw.groupby(["year", "governorate"])["idp_movements"].count()
    assert int(movements.table["months"].sum()) == int(months.sum()) == len(raw) - blank


def test_sites_missing_months_are_listed(sites, shared_data):
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["sites"], dtype={"month": str})
    span = pd.period_range(raw["month"].min(), raw["month"].max(), freq="M").astype(str)
    assert sorted(set(span) - set(raw["month"])) == MISSING_MONTHS
    assert f"9 months without data: {', '.join(MISSING_MONTHS)}" in sites.notes
    assert not set(MISSING_MONTHS) & set(sites.table["month"])


def test_sites_2018_07_is_flagged_incomplete(sites, shared_data):
    raw = pd.read_csv(shared_data / "observed" / BUNDLED["sites"], dtype={"month": str})
    tot = raw.groupby("month")["individuals"].sum()
    # the rule: a fifth below both neighbouring months with data (2018-06 and 2018-08)
    assert tot["2018-07"] < 0.8 * min(tot["2018-06"], tot["2018-08"])
    flagged = sorted(sites.table[sites.table["incomplete"]]["month"].unique())
    assert flagged == ["2018-07"]
    assert any("incomplete" in n and n.endswith(": 2018-07") for n in sites.notes)
