"""Bad observed files: each is one clear error naming the line and the value, or a stated skip.

The three readers (refugees, movements, sites) get the same kinds of bad input: a
missing column, an unknown unit (country, governorate, district, P-code), a bad
period, a bad count, a file that is not UTF-8; and input that is not an error but is
left out (a country the model sends no one to, a month with every count blank),
which the reader must say. Then the same files through ``safezones validate``:
exit status 2, the message, no traceback, nothing written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from safezones.errors import DataError
from safezones.validate.observed import read_movements, read_refugees, read_sites

READERS = {"refugees": read_refugees, "movements": read_movements, "sites": read_sites}
#: A cell of another column on a bad line: a message must never show it.
OTHER = "NOT-THE-BAD-VALUE"

#: (reader, file text, the exact message after "<path>: "). One problem each.
ERRORS: dict[str, tuple[str, str, str]] = {
    # ------------------------------------------------------------------ refugees
    "refugees_unknown_code": (
        "refugees",
        f"year,coa_iso,refugees,coa_name\n2014,TUR,5,Turkey\n2014,T1R,7,{OTHER}\n",
        "1 country code not ISO3 (three letters, e.g. TUR): line 3 ('T1R')",
    ),
    "refugees_negative": (
        "refugees",
        f"year,coa_iso,refugees,coa_name\n2014,TUR,-5,{OTHER}\n",
        "1 value of 'refugees' is negative: line 2 (-5)",
    ),
    "refugees_not_a_number": (
        "refugees",
        f"year,coa_iso,refugees,coa_name\n2013,JOR,12,x\n2014,JOR,many,{OTHER}\n",
        "1 value of 'refugees' is not a number: line 3 ('many')",
    ),
    "refugees_fraction": (
        "refugees",
        "year,coa_iso,refugees\n2014,TUR,5.5\n",
        "1 value of 'refugees' is not a whole number: line 2",
    ),
    "refugees_infinite": (
        "refugees",
        "year,coa_iso,refugees\n2014,TUR,inf\n",
        "1 value of 'refugees' is not a finite number: line 2 ('inf')",
    ),
    "refugees_year_not_a_year": (
        "refugees",
        "year,coa_iso,refugees\n20140,TUR,5\n",
        "1 value of 'year' is not a year from 1900 to 2100: line 2 ('20140')",
    ),
    "refugees_year_a_month": (
        "refugees",
        "year,coa_iso,refugees\n2014-12,TUR,5\n",
        "1 value of 'year' is not a number: line 2 ('2014-12')",
    ),
    # ------------------------------------------------------------------ movements
    "movements_unknown_name": (
        "movements",
        f"governorate,month,idp_movements,note\nAleppo,2016-01,5,a\nNarnia,2016-02,6,{OTHER}\n",
        "1 governorate not known (OCHA names such as 'Rural Damascus' or P-codes such as SY03): "
        "line 3 ('Narnia')",
    ),
    "movements_unknown_pcode": (
        "movements",
        "governorate,month,idp_movements\nSY02,2016-01,5\nSY99,2016-02,6\n",
        "1 governorate not known (OCHA names such as 'Rural Damascus' or P-codes such as SY03): "
        "line 3 ('SY99')",
    ),
    "movements_month_13": (
        "movements",
        f"governorate,month,idp_movements,note\nAleppo,2016-13,5,{OTHER}\n",
        "1 month not written YYYY-MM (or YYYY-MM-DD): line 2 ('2016-13')",
    ),
    "movements_month_words": (
        "movements",
        "governorate,month,idp_movements\nAleppo,2016-01,5\nAleppo,Jan 2016,6\n",
        "1 month not written YYYY-MM (or YYYY-MM-DD): line 3 ('Jan 2016')",
    ),
    "movements_negative": (
        "movements",
        "governorate,month,idp_movements\nAleppo,2016-01,-5\n",
        "1 value of 'idp_movements' is negative: line 2 (-5)",
    ),
    "movements_not_a_number": (
        "movements",
        f"governorate,month,idp_movements,note\nAleppo,2016-01,x,{OTHER}\n",
        "1 value of 'idp_movements' is not a number: line 2 ('x')",
    ),
    "movements_infinite": (
        "movements",
        "governorate,month,idp_movements\nAleppo,2016-01,inf\n",
        "1 value of 'idp_movements' is not a finite number: line 2 ('inf')",
    ),
    # ------------------------------------------------------------------ sites
    "sites_infinite": (
        "sites",
        "month,district,individuals\n2017-02,Harim,1e400\n",
        "1 value of 'individuals' is not a finite number: line 2 ('1e400')",
    ),
    "sites_unknown_district": (
        "sites",
        f"month,district,individuals,site_name\n2017-02,Harim,5,a\n2017-02,Gondor,6,{OTHER}\n",
        "1 district not known (OCHA names such as 'Harim' or P-codes such as SY0703): "
        "line 3 ('Gondor')",
    ),
    "sites_unknown_pcode_in_district": (
        "sites",
        "month,district,individuals\n2017-02,SY0703,5\n2017-02,SY0799,6\n",
        "1 district not known (OCHA names such as 'Harim' or P-codes such as SY0703): "
        "line 3 ('SY0799')",
    ),
    "sites_unknown_pcode": (
        "sites",
        f"month,district,pcode,individuals,site_name\n2017-02,Harim,SY0703,5,a\n"
        f"2017-02,,SY9999,6,{OTHER}\n",
        "1 district P-code not known (P-codes such as SY0703): line 3 ('SY9999')",
    ),
    "sites_month_slash": (
        "sites",
        "month,district,individuals\n2017/02,Harim,5\n",
        "1 month not written YYYY-MM (or YYYY-MM-DD): line 2 ('2017/02')",
    ),
    "sites_negative": (
        "sites",
        f"month,district,individuals,site_name\n2017-02,Harim,-5,{OTHER}\n",
        "1 value of 'individuals' is negative: line 2 (-5)",
    ),
    "sites_not_a_number": (
        "sites",
        "month,district,individuals\n2017-02,Harim,1.5e\n",
        "1 value of 'individuals' is not a number: line 2 ('1.5e')",
    ),
}

#: A file missing one needed column, per reader: (text, column).
MISSING = {
    "refugees": ("year,coa_iso\n2014,TUR\n", "refugees"),
    "movements": ("governorate,idp_movements\nAleppo,5\n", "month"),
    "sites": ("month,individuals\n2017-02,5\n", "district"),
}


def write(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def problem(reader: str, path: Path) -> str:
    with pytest.raises(DataError) as err:
        READERS[reader](path)
    return str(err.value)


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_value_is_one_error_naming_the_line_and_only_the_value(case, tmp_path):
    reader, text, expected = ERRORS[case]
    p = write(tmp_path, text)
    msg = problem(reader, p)
    assert msg == f"{p}: {expected}"
    assert OTHER not in msg


@pytest.mark.parametrize("reader", sorted(MISSING))
def test_missing_column_is_named(reader, tmp_path):
    text, column = MISSING[reader]
    p = write(tmp_path, text)
    msg = problem(reader, p)
    assert msg.startswith(f"{p}: ")
    assert f"missing column '{column}'" in msg


@pytest.mark.parametrize("reader", sorted(READERS))
def test_not_utf8(reader, tmp_path):
    header = {"refugees": "year,coa_iso,refugees,coa_name\n2014,TUR,5,T\xfcrkiye\n",
              "movements": "governorate,month,idp_movements\nAl-Hasakeh \xe9,2016-01,5\n",
              "sites": "month,district,individuals\n2017-02,Har\xefm,5\n"}[reader]  # fmt: skip
    p = tmp_path / "latin1.csv"
    p.write_bytes(header.encode("latin-1"))
    assert problem(reader, p) == f"{p}: the file is not UTF-8 text; re-save it as CSV UTF-8"


def test_every_problem_of_a_file_is_listed_at_once(tmp_path):
    p = write(tmp_path, "governorate,month,idp_movements\nNarnia,2016-01,5\nAleppo,2016-13,-1\n")
    msg = problem("movements", p)
    assert msg.startswith(f"{p}: 3 problems:")
    for part in ("line 2 ('Narnia')", "line 3 ('2016-13')", "line 3 (-1)"):
        assert part in msg


def test_a_long_bad_value_is_shortened(tmp_path):
    name = "Z" * 300
    p = write(tmp_path, f"governorate,month,idp_movements\n{name},2016-01,5\n")
    msg = problem("movements", p)
    assert "Z" * 30 not in msg and "line 2 ('ZZZ" in msg


def test_a_country_not_modelled_is_a_stated_skip(tmp_path):
    # DEU is a valid ISO3 code, but the model sends no one to Germany
    p = write(tmp_path, "year,coa_iso,refugees\n2014,TUR,5\n2014,DEU,7\n2013,deu,4\n")
    obs = read_refugees(p)
    assert obs.table[["year", "country", "observed"]].values.tolist() == [[2014, "TUR", 5.0]]
    (skip,) = obs.skipped
    assert skip.startswith(
        "1 country the model sends no one to (11 people over all years, e.g. DEU)"
    )
    assert "not scored" in skip


def test_a_movements_month_with_no_data_is_a_stated_skip(tmp_path):
    # 2017: every governorate blank; 2016: one month of Aleppo
    p = write(tmp_path, "governorate,month,idp_movements\nAleppo,2016-01,5\nAleppo,2017-01,\n"
              "Idleb,2017-01,\n")  # fmt: skip
    obs = read_movements(p)
    assert obs.table[["year", "governorate", "observed", "months"]].values.tolist() == [
        [2016, "SY02", 5.0, 1]
    ]
    assert obs.skipped == ["2 governorate-years without any month of data not scored"]
    assert obs.notes == ["2 governorate-months blank in the file (missing, not zero); each year "
                         "is the sum of the months it has"]  # fmt: skip


def test_a_sites_month_with_every_count_blank_is_a_stated_note_not_zero(tmp_path):
    p = write(tmp_path, "month,district,individuals\n2017-02,Harim,5\n2017-03,Harim,\n"
              "2017-03,Idleb,\n2017-04,Harim,7\n2017-05,Harim,\n")  # fmt: skip
    obs = read_sites(p)
    assert obs.table[["month", "observed"]].values.tolist() == [["2017-02", 5.0], ["2017-04", 7.0]]
    assert obs.notes == ["2 months with every count blank (missing, not zero), not scored: "
                         "2017-03, 2017-05"]  # fmt: skip
    # a month absent from the file is a note too
    obs = read_sites(write(tmp_path, "month,district,individuals\n2017-02,Harim,5\n"
                           "2017-04,Harim,7\n", "gap.csv"))  # fmt: skip
    assert obs.notes == ["1 month without data: 2017-03"]


def test_a_site_blank_beside_others_is_left_out_of_the_sum(tmp_path):
    p = write(tmp_path, "month,district,individuals\n2017-02,Harim,5\n2017-02,Harim,\n"
              "2017-02,Harim,3\n")  # fmt: skip
    assert read_sites(p).table["observed"].tolist() == [8.0]


def test_district_names_and_pcodes_are_matched(tmp_path):
    # OCHA name, CCCM spelling (A'zaz), a P-code in the district column, a P-code column
    p = write(tmp_path, "month,district,pcode,individuals\n2017-02,Harim,,1\n2017-02,A'zaz,,2\n"
              "2017-02,sy0703,,4\n2017-02,Wrong name,SY0204,8\n2017-02,Harim,CP000446,16\n")  # fmt: skip
    t = read_sites(p).table
    assert dict(zip(t["district"], t["observed"], strict=True)) == {"SY0703": 21.0, "SY0204": 10.0}


# ---------------------------------------------------------------------- through the CLI

CLI_CASES = {
    "refugees": "refugees_unknown_code",
    "movements": "movements_unknown_name",
    "sites": "sites_unknown_pcode",
}


@pytest.mark.parametrize("flag", sorted(CLI_CASES))
def test_validate_with_a_bad_file_exits_2_and_writes_nothing(flag, tmp_path):
    _, text, expected = ERRORS[CLI_CASES[flag]]
    bad = write(tmp_path, text)
    out = tmp_path / "out"
    proc = run_cli("validate", "--out", out, f"--{flag}", bad, "--draws", "5", columns=400)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert f"error: {bad}: {expected}" in " ".join(proc.stderr.split())
    assert OTHER not in proc.stderr + proc.stdout
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_validate_with_a_bad_file_leaves_an_empty_out_folder_empty(tmp_path):
    bad = write(tmp_path, MISSING["sites"][0])
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cli("validate", "--out", out, "--sites", bad, "--draws", "5", columns=400)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    assert "missing column 'district'" in proc.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("cell", "problem"), [
    ("2017-01garbage", "1 month not written YYYY-MM (or YYYY-MM-DD): line 2 ('2017-01garbage')"),
    ("9999-01", "1 month not in a year from 1900 to 2100: line 2 ('9999-01')"),
])  # fmt: skip
def test_a_month_is_checked_whole(tmp_path, cell, problem):
    """The whole cell is a month (not its first 7 characters), in a plausible year."""
    from safezones.errors import DataError
    from safezones.validate.observed import read_movements

    f = tmp_path / "m.csv"
    f.write_text(f"governorate,month,idp_movements\nAleppo,{cell},10\nIdleb,2017-02,5\n",
                 encoding="utf-8")  # fmt: skip
    with pytest.raises(DataError) as err:
        read_movements(f)
    assert problem in str(err.value)
