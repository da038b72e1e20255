r"""Tables as the readers meet them: CSV or Parquet, columns found or explained, values parsed.

Every check collects its problems (with the file's line numbers) so that a
reader can raise one :class:`~safezones.DataError` listing them all.

Examples
--------
>>> import pathlib, tempfile
>>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = f.write_text("name,beds\nIdlib,40\nRaqqa,x\n")
>>> df, first = read_table(f)
>>> values, problems = parse_numbers(df, ["beds"], np.arange(len(df)) + first)
>>> problems
["1 value of 'beds' is not a number: line 3 ('x')"]
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from safezones._plural import agree, listing, plural
from safezones._text import NO_HEADER, column_listing, shown_value
from safezones.errors import DataError
from safezones.io.files import PathLike, check_file

__all__ = [
    "check_not_empty",
    "drop_hxl_row",
    "parse_dates",
    "parse_numbers",
    "read_displaced_table",
    "read_table",
    "require_columns",
    "resolve_column",
]


def _ragged_rows(p: Path) -> list[str]:
    """Return one problem if some rows of a CSV have another number of fields than its header.

    Line numbers are the file's (a quoted value may span lines); blank lines
    are skipped, as pandas does.
    """
    try:
        with p.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                return []
            n, bad = len(header), []
            start = reader.line_num + 1
            for row in reader:
                if row and len(row) != n:
                    bad.append(f"line {start} has {plural(len(row), 'field')}")
                start = reader.line_num + 1
    except csv.Error:  # e.g. a NUL byte: left to the CSV reader's own message
        return []
    if not bad:
        return []
    head = f"the header {n}" if len(bad) == 1 else f"the header has {n}"
    listed = listing(bad) if len(bad) > 1 else bad[0]
    lead = "" if len(bad) == 1 else f"{len(bad):,} lines have another number of fields: "
    return [
        f'{lead}{listed}, {head}; quote values that hold a comma ("...") and give every '
        "row the header's fields"
    ]


def read_table(path: PathLike) -> tuple[pd.DataFrame, int]:
    """Read a CSV (UTF-8 with or without BOM) or a Parquet table as strings.

    Parameters
    ----------
    path
        The file; spreadsheets are refused with advice.

    Returns
    -------
    tuple of pandas.DataFrame and int
        The table (text columns as strings, header names stripped) and the
        file line of its first row (2 for a CSV, 1 for Parquet).

    Raises
    ------
    DataError
        The file is missing, empty, not UTF-8, ragged or not a CSV.
    """
    p = check_file(path)
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xls"}:
        raise DataError(
            "spreadsheets are not read directly; save the sheet as CSV (UTF-8) and read that",
            source=str(p),
        )
    if suffix == ".parquet":
        df = pd.read_parquet(p)
        return df.astype({c: "string" for c in df.columns if df[c].dtype == object}), 1
    try:
        ragged = _ragged_rows(p)
        if ragged:
            raise DataError(ragged, source=str(p))
        df = pd.read_csv(
            p,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
    except UnicodeDecodeError:
        raise DataError(
            "the file is not UTF-8 text; re-save it as CSV UTF-8", source=str(p)
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty", source=str(p)) from None
    except pd.errors.ParserError as exc:
        raise DataError(f"not a readable CSV: {exc}", source=str(p)) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df, 2


def require_columns(
    columns: Iterable[str], needed: Sequence[str], *, source: str, kind: str
) -> None:
    """Raise one DataError naming each missing column (and a close, misspelt match).

    A file whose first line is not a header is never echoed.

    Examples
    --------
    >>> require_columns(["lon", "latitude"], ["lon", "lat"], source="f.csv", kind="point")
    Traceback (most recent call last):
    ...
    safezones.errors.DataError: f.csv: 2 problems:
      - missing column 'lat'
      - a point file needs the columns ['lon', 'lat']
    """
    have = list(columns)
    missing = [c for c in needed if c not in have]
    if not missing:
        return
    problems = []
    if column_listing(have) is None:  # not a header: never echo the file's first line
        problems.append(NO_HEADER)
    else:
        for c in missing:
            close = difflib.get_close_matches(c, have, n=1, cutoff=0.75)
            hint = f" (found {close[0]!r}: misspelt?)" if close else ""
            problems.append(f"missing column {c!r}{hint}")
    problems.append(f"a {kind} file needs the columns {list(needed)}")
    raise DataError(problems, source=source)


def check_not_empty(df: pd.DataFrame, *, source: str) -> None:
    """Raise DataError if a table has a header but no rows."""
    if len(df) == 0:
        raise DataError("the file has a header but no rows", source=source)


def parse_numbers(
    df: pd.DataFrame,
    columns: Sequence[str],
    lines: np.ndarray,
    *,
    integer: bool = False,
    allow_missing: bool = False,
    non_negative: bool = True,
) -> tuple[dict[str, pd.Series], list[str]]:
    """Parse numeric columns; return the values and one problem per bad column.

    Thousands separators ("1,234") are accepted. Problems name the file
    ``lines`` of the bad values: not numbers (missing values too, unless
    ``allow_missing``), negative (if ``non_negative``), not whole (if ``integer``).
    """
    out: dict[str, pd.Series] = {}
    problems: list[str] = []
    for col in columns:
        raw = df[col]
        text = raw.astype("string").str.strip().str.replace(",", "", regex=False)
        vals = pd.to_numeric(text, errors="coerce").astype(float)
        bad = vals.isna() & (raw.notna() if allow_missing else True)
        if bad.any():
            rows = [
                f"line {ln} ({shown_value(raw.iloc[i])})"
                for i, ln in zip(np.flatnonzero(bad), lines[bad], strict=True)
            ]
            problems.append(
                f"{plural(int(bad.sum()), 'value')} of {col!r} {agree(int(bad.sum()), 'is not a number', 'are not numbers')}: {listing(rows)}"
            )
        if non_negative:
            neg = (vals < 0).to_numpy()
            if neg.any():
                rows = [
                    f"line {ln} ({vals.iloc[i]:g})"
                    for i, ln in zip(np.flatnonzero(neg), lines[neg], strict=True)
                ]
                problems.append(
                    f"{plural(int(neg.sum()), 'value')} of {col!r} {agree(int(neg.sum()), 'is', 'are')} negative: {listing(rows)}"
                )
        if integer:
            frac = (vals.notna() & (vals != vals.round())).to_numpy()
            if frac.any():
                problems.append(
                    f"{plural(int(frac.sum()), 'value')} of {col!r} {agree(int(frac.sum()), 'is not a whole number', 'are not whole numbers')}: "
                    f"{listing([f'line {ln}' for ln in lines[frac]])}"
                )
        out[col] = vals
    return out, problems


def parse_dates(
    raw: pd.Series, lines: np.ndarray, *, column: str, formats: Sequence[str] | None = None
) -> tuple[pd.Series, list[str]]:
    """Parse dates by ``formats`` (first that fits, per row) or ISO 8601.

    Returns the dates (datetime64[us], at midnight) and at most one problem
    listing the lines that are not dates.
    """
    text = raw.astype("string").str.strip()
    if formats is None:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    else:
        parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
        for fmt in formats:
            todo = parsed.isna()
            if not todo.any():
                break
            parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    parsed = parsed.astype("datetime64[us]").dt.normalize()
    bad = parsed.isna().to_numpy()
    problems = []
    if bad.any():
        rows = [
            f"line {ln} ({shown_value(raw.iloc[i])})"
            for i, ln in zip(np.flatnonzero(bad), lines[bad], strict=True)
        ]
        accepted = (
            "ISO dates (2014-11-25)"
            if formats is None
            else "dates like " + ", ".join(pd.Timestamp(2014, 11, 25).strftime(f) for f in formats)
        )
        problems.append(
            f"{plural(int(bad.sum()), 'value')} of {column!r} {agree(int(bad.sum()), 'is not a date', 'are not dates')}: {listing(rows)}; "
            f"expected {accepted}"
        )
    return parsed, problems


def drop_hxl_row(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Drop the HXL hashtag row (``#adm1+code``, ...) under the header, if present."""
    if len(df) == 0:
        return df, {}
    first = df.iloc[0].astype("string").str.strip()
    filled = first.dropna()
    filled = filled[filled != ""]
    if len(filled) and filled.str.startswith("#").all():
        tags = {str(c): str(t) for c, t in filled.items()}
        return df.iloc[1:].reset_index(drop=True), tags
    return df, {}


def resolve_column(
    name: str, columns: Sequence[str], tags: dict[str, str], *, source: str, what: str
) -> str:
    """Return the column called ``name``, or the one whose HXL tag is ``name``.

    Examples
    --------
    >>> resolve_column("#adm1+code", ["ADM1_PCODE"], {"ADM1_PCODE": "#adm1+code"},
    ...                source="pop.csv", what="P-code")
    'ADM1_PCODE'
    """
    if name in columns:
        return name
    by_tag = [c for c, t in tags.items() if t.casefold() == name.casefold()]
    if by_tag:
        return by_tag[0]
    listed = column_listing(columns)
    if listed is None:  # not a header: never echo the file's first line
        raise DataError(
            f"{what} column {name!r} not found: {NO_HEADER}",
            source=source,
        )
    tag_list = column_listing(sorted(tags.values()), minimum=1) if tags else None
    close = difflib.get_close_matches(name, list(columns) + list(tags.values()), n=2, cutoff=0.6)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    raise DataError(
        f"{what} column {name!r} not found{hint}; the columns are {listed}"
        + (f" with HXL tags {tag_list}" if tag_list else ""),
        source=source,
    )


def read_displaced_table(
    path: PathLike, *, pcode: str = "pcode", column: str = "displaced"
) -> pd.Series:
    r"""Read a CSV of displaced people by P-code into a Series indexed by P-code.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "idps.csv"
    >>> _ = p.write_text("pcode,displaced\nSY02,1000\n")
    >>> read_displaced_table(p).to_dict()
    {'SY02': 1000.0}
    """
    try:
        table = pd.read_csv(path, dtype={pcode: str})
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise DataError(f"cannot read the displaced table: {err}", source=str(path)) from None
    missing = [c for c in (pcode, column) if c not in table.columns]
    if missing:
        listed = column_listing(table.columns)  # never echo a line of a file that is no table
        raise DataError(
            f"missing the columns {missing}; {f'it has {listed}' if listed else NO_HEADER}; "
            "name the P-code and value columns with pcode= and column=",
            source=str(path),
        )
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:10])
        raise DataError(f"{column} is missing or negative on line(s) {rows}", source=str(path))
    codes = table[pcode].astype(str).str.strip().str.upper()
    dup = codes[codes.duplicated()].unique().tolist()
    if dup:
        raise DataError(f"repeated P-codes: {', '.join(dup)}", source=str(path))
    return pd.Series(values.to_numpy(dtype=float), index=codes.to_numpy(), name="displaced")
