"""Table reading shared by the readers (safezones.io.tables, safezones.io.files): empty,
missing and spreadsheet files, through each reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from safezones import DataError, sources

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad"


@pytest.mark.parametrize(
    ("reader", "path", "message"),
    [
        (sources.read_acled, BAD / "acled_header_only.csv", "has a header but no rows"),
        (sources.read_acled, BAD / "empty.csv", "the file is empty"),
        (sources.read_ucdp_ged, DATA / "no_such_file.csv", "does not exist"),
        (sources.read_points, BAD / "empty.csv", "the file is empty"),
    ],
)
def test_empty_and_missing_files(reader, path, message):
    with pytest.raises(DataError, match=message):
        reader(path)


def test_spreadsheets_are_refused_with_advice(tmp_path):
    f = tmp_path / "acled.xlsx"
    f.write_bytes(b"PK\x03\x04not really a workbook")
    with pytest.raises(DataError, match="save the sheet as CSV"):
        sources.read_acled(f)
