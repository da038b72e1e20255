"""The observed figures the backtests compare with: read, checked, totalled, hashed.

Three files, the bundled ones by default (``safezones/data/observed/``, copied from
the project's shared data by ``scripts/build_observed.py``), or any file of the same
format, e.g. newer figures:

- **refugees** (UNHCR): ``year, coa_iso, refugees`` (``coa_name`` optional): Syrian
  refugees by country of asylum at the end of each year, a stock;
- **movements** (OCHA): ``governorate, month, idp_movements``: IDP movements recorded
  in each month, a flow (one person can move twice), most likely counted by
  governorate of arrival;
- **sites** (CCCM ISIMM): ``month, governorate, district, individuals`` (``pcode``
  optional): people in each IDP site of north-west Syria at each month, a stock.

Each reader returns the figures per unit and period, what it skipped and why, and
the file's SHA-256, or raises one :class:`~safezones.DataError` listing every problem
(a missing column, an unknown country, governorate or district, a bad number or month).

Examples
--------
>>> r = read_refugees()
>>> int(r.table.query("year == 2014 and country == 'TUR'").observed.iloc[0])
1557899
>>> s = read_sites()
>>> int(s.table.query("month == '2019-11'").observed.sum())
868486
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from safezones import data
from safezones._plural import agree, listing, plural
from safezones._text import shown_value
from safezones.data.catalog import normalise_name
from safezones.defaults import LEAVE_DESTINATIONS
from safezones.errors import DataError
from safezones.io.files import PathLike
from safezones.io.tables import check_not_empty, parse_numbers, read_table, require_columns

__all__ = [
    "BUNDLED",
    "Observed",
    "bundled_path",
    "file_hash",
    "read_movements",
    "read_refugees",
    "read_sites",
]

#: The bundled observed files, by kind.
BUNDLED: dict[str, str] = {
    "refugees": "unhcr_syrian_refugees_by_host_2011_2014.csv",
    "movements": "ocha_idp_movements_by_governorate_2016_2018.csv",
    "sites": "cccm_nw_syria_sites_2017_2019.csv",
}

#: CCCM's spellings of district names that differ from OCHA's boundaries (seen in the
#: bundled ISIMM file).
DISTRICT_ALIASES: dict[str, str] = {"azaz": "SY0204", "al mara": "SY0702"}

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Observed:
    """One observed file: ``table`` (unit, period, ``observed``), skips, source and hash."""

    kind: str
    table: pd.DataFrame
    source: str
    sha256: str
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def bundled_path(kind: str) -> Path:
    """Return the path of the bundled observed file of ``kind``."""
    with resources.as_file(
        resources.files("safezones.data").joinpath("observed", BUNDLED[kind])
    ) as p:
        return Path(p)


def file_hash(path: PathLike) -> str:
    """Return the SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _open(
    kind: str, path: PathLike | None, needed: list[str]
) -> tuple[pd.DataFrame, np.ndarray, str, Path]:
    p = bundled_path(kind) if path is None else Path(path)
    df, first = read_table(p)
    src = str(p) if path is not None else f"bundled {BUNDLED[kind]}"
    require_columns(df.columns, needed, source=src, kind=f"{kind} (observed)")
    check_not_empty(df, source=src)
    return df, np.arange(len(df)) + first, src, p


def _flag(
    problems: list[str],
    mask: np.ndarray,
    lines: np.ndarray,
    values: pd.Series,
    what: str,
    why: str,
) -> None:
    """Add "<n> <what>(s) <why>: line L ('value'), ..." when ``mask`` holds any row."""
    n = int(mask.sum())
    if not n:
        return
    many = "countries" if what == "country" else None
    shown = [
        f"line {ln} ({shown_value(values.iloc[i])})"
        for i, ln in zip(np.flatnonzero(mask), lines[mask], strict=True)
    ]
    problems.append(f"{plural(n, what, many)} {why}: {listing(shown)}")


def _months(df: pd.DataFrame, col: str, lines: np.ndarray, problems: list[str]) -> pd.Series:
    """Return each row's month ``YYYY-MM`` (a cell ``YYYY-MM`` or ``YYYY-MM-DD``, 1900-2100)."""
    full = df[col].astype("string").str.strip().fillna("")
    ok = full.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?").to_numpy(dtype=bool)
    m = full.str[:7]
    year = pd.to_numeric(m.str[:4], errors="coerce").to_numpy(dtype=float)
    _flag(problems, ~ok, lines, df[col], "month", "not written YYYY-MM (or YYYY-MM-DD)")
    odd = ok & ((year < 1900) | (year > 2100))
    _flag(problems, odd, lines, df[col], "month", "not in a year from 1900 to 2100")
    return m


def _finite(
    nums: dict[str, pd.Series], col: str, df: pd.DataFrame, lines: np.ndarray, problems: list[str]
) -> None:
    """Add a problem for counts written as infinite (``inf``, ``1e400``): parse_numbers takes them."""
    inf = np.isinf(nums[col].to_numpy(dtype=float))
    n = int(inf.sum())
    _flag(
        problems,
        inf,
        lines,
        df[col],
        "value",
        f"of {col!r} {agree(n, 'is', 'are')} not a finite number",
    )


def _monthly(
    df: pd.DataFrame, lines: np.ndarray, col: str
) -> tuple[list[str], pd.Series, pd.Series]:
    """Return the problems so far, each row's month and its count (blank: missing)."""
    problems: list[str] = []
    month = _months(df, "month", lines, problems)
    nums, probs = parse_numbers(df, [col], lines, allow_missing=True)
    problems += probs
    _finite(nums, col, df, lines, problems)
    return problems, month, nums[col]


def read_refugees(path: PathLike | None = None) -> Observed:
    """Read refugees by host country and year (UNHCR's format; ``refugees`` summed per country).

    Countries other than the five hosts the model sends people to
    (:data:`~safezones.defaults.LEAVE_DESTINATIONS`), and Syria's own row (its IDPs),
    are skipped, and the skip says how many people that leaves out.
    """
    df, lines, src, p = _open("refugees", path, ["year", "coa_iso", "refugees"])
    problems: list[str] = []
    nums, probs = parse_numbers(df, ["year", "refugees"], lines, integer=True)
    problems += probs
    _finite(nums, "refugees", df, lines, problems)
    y = nums["year"].to_numpy(dtype=float)
    odd = np.isfinite(y) & (y == np.round(y)) & ((y < 1900) | (y > 2100))
    why = f"of 'year' {agree(int(odd.sum()), 'is', 'are')} not a year from 1900 to 2100"
    _flag(problems, odd, lines, df["year"], "value", why)
    iso = df["coa_iso"].astype("string").str.strip().str.upper()
    bad = ~iso.fillna("").str.match(r"^[A-Z]{3}$").to_numpy(dtype=bool)
    _flag(problems, bad, lines, df["coa_iso"], "country code", "not ISO3 (three letters, e.g. TUR)")
    if problems:
        raise DataError(problems, source=src)
    t = pd.DataFrame(
        {"year": nums["year"].astype(int), "country": iso, "observed": nums["refugees"]}
    )
    hosts = t["country"].isin(LEAVE_DESTINATIONS)
    skipped = []
    if (~hosts).any():
        other = t[~hosts]
        skipped.append(
            f"{plural(int(other['country'].nunique()), 'country', 'countries')} the model sends no one to "
            f"({plural(int(other['observed'].sum()), 'person', 'people')} over all years, e.g. "
            f"{', '.join(sorted(other['country'].unique())[:5])}) not scored; Syria's row (SYR) "
            "counts IDPs, not refugees"
        )
    kept = pd.DataFrame(t[hosts].groupby(["year", "country"], as_index=False)["observed"].sum())
    return Observed("refugees", kept, src, file_hash(p), skipped)


def _governorate_codes() -> dict[str, str]:
    g = data.governorates()
    out = {normalise_name(n): c for n, c in zip(g["adm1_name"], g["adm1_pcode"], strict=True)}
    out.update({c.lower(): c for c in g["adm1_pcode"]})
    return out


def read_movements(path: PathLike | None = None) -> Observed:
    """Read IDP movements by governorate and month, totalled per governorate and year.

    Blank months are missing (not zero): a year is totalled over the months it has, and
    the notes list the months missing; a governorate-year without any month is skipped.
    """
    df, lines, src, p = _open("movements", path, ["governorate", "month", "idp_movements"])
    problems, month, count = _monthly(df, lines, "idp_movements")
    codes = _governorate_codes()
    gov = df["governorate"].astype("string").fillna("").map(lambda s: codes.get(normalise_name(s)))
    bad = gov.isna().to_numpy()
    why = "not known (OCHA names such as 'Rural Damascus' or P-codes such as SY03)"
    _flag(problems, bad, lines, df["governorate"], "governorate", why)
    if problems:
        raise DataError(problems, source=src)
    t = pd.DataFrame(
        {
            "governorate": gov.astype(str),
            "month": month.astype(str),
            "observed": count,
        }
    )
    t["year"] = t["month"].str[:4].astype(int)
    notes, skipped = [], []
    missing = t[t["observed"].isna()]
    if len(missing):
        notes.append(
            f"{plural(len(missing), 'governorate-month')} blank in the file (missing, "
            "not zero); each year is the sum of the months it has"
        )
    agg = t.groupby(["year", "governorate"], as_index=False).agg(
        observed=("observed", "sum"), months=("observed", "count")
    )
    empty = agg["months"] == 0
    if empty.any():
        skipped.append(
            f"{plural(int(empty.sum()), 'governorate-year')} without any month of data not scored"
        )
    return Observed(
        "movements", agg[~empty].reset_index(drop=True), src, file_hash(p), skipped, notes
    )


def _district_codes() -> tuple[dict[str, str], set[str]]:
    d = data.districts()
    out = {normalise_name(n): c for n, c in zip(d["adm2_name"], d["adm2_pcode"], strict=True)}
    out.update(DISTRICT_ALIASES)
    out.update({c.lower(): c for c in d["adm2_pcode"]})  # a P-code in the district column
    return out, set(d["adm2_pcode"])


def read_sites(path: PathLike | None = None) -> Observed:
    """Read IDP site populations, totalled per district (P-code) and month.

    A row's ``pcode`` (when the file has one and it is a district P-code) wins over
    its district name. Months absent between the first and the last are listed in the
    notes, and months whose total falls by more than a fifth against both neighbours
    are flagged as looking incomplete (CCCM's 2018-07 is; the data README also calls
    2017-12 incomplete, which this rule does not catch).
    """
    df, lines, src, p = _open("sites", path, ["month", "district", "individuals"])
    problems, month, count = _monthly(df, lines, "individuals")
    names, valid = _district_codes()
    by_name = df["district"].astype("string").fillna("").map(lambda s: names.get(normalise_name(s)))
    wrong = np.zeros(len(df), dtype=bool)
    if "pcode" in df:
        pc = df["pcode"].astype("string").str.strip().str.upper()
        code = pc.where(pc.isin(valid), by_name)
        # a district P-code that is not one (CCCM's own site codes, CP..., are not district codes)
        wrong = (pc.fillna("").str.match(r"^SY\d{4}$") & ~pc.isin(valid)).to_numpy(dtype=bool)
        why = "not known (P-codes such as SY0703)"
        _flag(problems, wrong, lines, df["pcode"], "district P-code", why)
    else:
        code = by_name
    bad = code.isna().to_numpy() & ~wrong
    why = "not known (OCHA names such as 'Harim' or P-codes such as SY0703)"
    _flag(problems, bad, lines, df["district"], "district", why)
    if problems:
        raise DataError(problems, source=src)
    t = pd.DataFrame({"month": month.astype(str), "district": code.astype(str), "observed": count})
    # a blank count is missing, not zero: a district-month with every site blank is left out
    agg = pd.DataFrame(
        t.groupby(["month", "district"], as_index=False)["observed"].sum(min_count=1)
    )
    agg = agg[agg["observed"].notna()].reset_index(drop=True)
    notes = []
    months = pd.period_range(t["month"].min(), t["month"].max(), freq="M").astype(str)
    absent = sorted(set(months) - set(t["month"]))
    if absent:
        notes.append(f"{plural(len(absent), 'month')} without data: {', '.join(absent)}")
    blank = sorted(set(t["month"]) - set(agg["month"]))
    if blank:
        notes.append(
            f"{plural(len(blank), 'month')} with every count blank (missing, not zero), "
            f"not scored: {', '.join(blank)}"
        )
    tot = agg.groupby("month")["observed"].sum()
    low = [
        m
        for i, m in enumerate(tot.index)
        if 0 < i < len(tot) - 1 and tot.iloc[i] < 0.8 * min(tot.iloc[i - 1], tot.iloc[i + 1])
    ]
    if low:
        notes.append(
            f"{plural(len(low), 'month')} {agree(len(low), 'looks', 'look')} incomplete (a fifth below both "
            f"neighbouring months): {', '.join(low)}"
        )
    agg["incomplete"] = agg["month"].isin(low)
    return Observed("sites", agg, src, file_hash(p), [], notes)
