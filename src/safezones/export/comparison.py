"""Compared scenarios written: comparison.csv, comparison.md, comparison.png, a folder each.

:func:`write_comparison` writes what :func:`safezones.model.comparison.comparison_table`
makes of the results, :func:`comparison_markdown` the table as Markdown with its notes
and sources; each scenario's folder is :func:`safezones.export.folder.write_folder`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from safezones._plural import plural
from safezones._text import csv_frame, markdown_cell, people
from safezones.export.columns import describe, for_file
from safezones.export.folder import write_folder
from safezones.io.atomic import atomic_dir, check_output_dir
from safezones.model.comparison import comparison_table
from safezones.viz.format import percent

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult

__all__ = ["actor_words", "comparison_markdown", "not_held_by", "write_comparison", "zone_kept"]

#: Actors as a sentence names them ("held by the government"), in schema order.
_ACTOR_WORDS = {
    "government": "the government",
    "opposition": "the opposition",
    "islamic_state": "Islamic State",
    "kurds": "Kurdish forces",
    "unknown": "no known actor",
    "other": "foreign states",
}


def actor_words(names: Sequence[str], *, join: str = "and") -> str:
    """Return actors as a sentence names them, joined by ``join`` ("and", "or", "nor").

    Examples
    --------
    >>> actor_words(["government"])
    'the government'
    >>> actor_words(["government", "islamic_state"], join="nor")
    'the government nor Islamic State'
    >>> actor_words(["government", "opposition", "kurds"], join="or")
    'the government, the opposition or Kurdish forces'
    """
    words = [_ACTOR_WORDS.get(a, a.replace("_", " ")) for a in names]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {join} {words[-1]}"


def not_held_by(names: Sequence[str]) -> str:
    """Return the land a cut keeps: "not held by A", "held by neither A nor B", "held by none of ...".

    Examples
    --------
    >>> not_held_by(["government", "islamic_state"])
    'held by neither the government nor Islamic State'
    """
    if len(names) == 1:
        return f"not held by {actor_words(names)}"
    if len(names) == 2:
        return f"held by neither {actor_words(names, join='nor')}"
    return f"held by none of {actor_words(names, join='and')}"


def comparison_markdown(table: pd.DataFrame, *, results: Sequence[ScenarioResult] = ()) -> str:
    """Return the comparison as a Markdown table with its notes and sources.

    Parameters
    ----------
    table
        A :func:`~safezones.model.comparison.comparison_table`.
    results
        The results it was made of: with them, ``kept`` says "not cut" for a
        scenario that excludes no one, and the notes list the share of each zone's
        area that survives a cut to land not held by ``control.exclude_held_by``.

    Returns
    -------
    str
        The table, then what the figures mean and where the data come from.
        ``kept`` (share of the area surviving the cut) and ``deaths averted``
        (per year) are columns when the table has them.

    Examples
    --------
    >>> from safezones.model.metrics import QUANTILES
    >>> metrics = ["displaced", "sheltered", "arrivals", "displaced_within", "sheltered_optimal",
    ...            "residents_protected", "unmet", "capacity", "deaths_averted"]
    >>> t = pd.DataFrame({"scenario": ["a"], "title": ["A"], "area_km2": [10.0], "kept": [0.25],
    ...     "allocation": ["optimal"], "window": ["2014 to 2014"], "draws": [1], "seed": [1],
    ...     "citation": ["c"], **{f"{m}_{q}": [1e6] for m in metrics for q in QUANTILES}})
    >>> t["deaths_averted_p50"] = 812.4
    >>> print(comparison_markdown(t).splitlines()[2])
    | a | A | 10 | 25 % | 1.00 M | 1.00 M (1.00 M to 1.00 M) | 1.00 M | 1.00 M | 1.00 M | 1.00 M | 1.00 M | 1.00 M | 812 (1.00 M to 1.00 M) |
    """
    kept = "kept" in table.columns
    cut = {r.scenario.id: bool(r.scenario.control.exclude_held_by) for r in results}
    deaths = "deaths_averted_p50" in table.columns
    head = (
        "| scenario | title | area km² | "
        + ("kept | " if kept else "")
        + "displaced | sheltered P50 (P5 to P95) | of them arrivals | displaced within | "
        "upper bound (optimal) | residents protected | unmet | capacity |"
        + (" deaths averted per year P50 (P5 to P95) |" if deaths else "")
    )
    lines = [head, "|" + "---|" * (11 + kept + deaths)]
    for _, r in table.iterrows():
        line = (
            f"| {markdown_cell(r['scenario'])} | {markdown_cell(r['title'])} | "
            f"{r['area_km2']:,.0f} | "
            + (f"{_kept(r['kept'], cut.get(str(r['scenario']), True))} | " if kept else "")
            + f"{people(r['displaced_p50'])} | {people(r['sheltered_p50'])} "
            f"({people(r['sheltered_p5'])} to {people(r['sheltered_p95'])}) | "
            f"{people(r['arrivals_p50'])} | {people(r['displaced_within_p50'])} | "
            f"{people(r['sheltered_optimal_p50'])} | "
            f"{people(r['residents_protected_p50'])} | {people(r['unmet_p50'])} | "
            f"{people(r['capacity_p50'])} |"
        )
        if deaths:
            line += (
                f" {people(r['deaths_averted_p50'])} ({people(r['deaths_averted_p5'])} to "
                f"{people(r['deaths_averted_p95'])}) |"
            )
        lines.append(line)
    notes = [
        "",
        "All figures are P50 over the Monte Carlo draws unless a range is given "
        "(P5 to P95). Displaced: people displaced in the window (hazard-based, scaled to "
        "the national total of the scenario); sheltered: displaced people the zones take "
        "in within reach and capacity by the behavioural (gravity) allocation, the headline: "
        "arrivals (from outside the zones) plus the displaced within (whose home is in a "
        "zone and who stay); upper bound: as many as reach and capacity allow (optimal); "
        "residents protected: people living in the zones who were not displaced; unmet: the "
        "displaced not sheltered, who stay or leave Syria. Sheltered safe (weighted by each "
        "zone's safety) is in comparison.csv.",
    ]
    if kept:
        notes.append(
            "Kept: the share of the zones' area left after the scenario cuts them to land not "
            "held by the actors it excludes (control.exclude_held_by); not cut: it excludes "
            "no one."
        )
    if deaths:
        notes.append(
            "Deaths averted: civilian deaths per year that the zones' protection would avert "
            "from the threat actors' violence, for their residents and their arrivals "
            "(UCDP GED civilian deaths; may be negative where a zone is more violent than "
            "its arrivals' origins)."
        )
    notes += _kept_notes(results)
    notes += ["", "Allocation, window, draws and seed per scenario:", ""]
    for _, r in table.iterrows():
        notes.append(
            f"- **{markdown_cell(r['scenario'])}**: {r['allocation']} allocation, events "
            f"{markdown_cell(r['window'])}, {plural(int(r['draws']), 'draw')}, seed {int(r['seed'])}. "
            f"Source: {markdown_cell(r['citation'])}."
        )
    notes += [
        "",
        "Data: population, OCHA / Syrian CBS pre-war table by 2004 census district shares, "
        "spread with GeoNames (CC BY 4.0) and SCMP communities; "
        "events, UCDP GED (CC BY 4.0); boundaries, OCHA/UNCS (CC BY-IGO) and Natural Earth "
        "(public domain)"
        + (
            "; territorial control, Syria Conflict Mapping Project (The Carter Center; Gohdes 2020)"
            if kept or any("control" in r.provenance for r in results)
            else ""
        )
        + ". Model: safezones (see each scenario's summary.json).",
    ]
    return "\n".join(lines + notes) + "\n"


def _kept(share: float, cut: bool) -> str:
    """Return the kept share as the comparison writes it: a percent, or "not cut"."""
    return percent(share) if cut else "not cut"


def zone_kept(result: ScenarioResult) -> pd.DataFrame:
    """Return each zone's area before and after its cut and the share kept (``kept``).

    Empty (no rows) when the result has no ``area_before_cut_km2``.
    """
    pz = result.per_zone
    if "area_before_cut_km2" not in pz.columns:
        return pd.DataFrame(columns=["zone_id", "name", "area_before_cut_km2", "area_km2", "kept"])
    out = pz[["zone_id", "name", "area_before_cut_km2", "area_km2"]].copy()
    before = out["area_before_cut_km2"].to_numpy(dtype=float)
    after = out["area_km2"].to_numpy(dtype=float)
    out["kept"] = [a / b if b > 0 else float("nan") for a, b in zip(after, before, strict=True)]
    return out.reset_index(drop=True)


def _kept_notes(results: Sequence[ScenarioResult]) -> list[str]:
    """Return the notes listing each cut zone's kept share (scenarios whose zones were cut)."""
    lines: list[str] = []
    for r in results:
        z = zone_kept(r)
        cut = z[z["area_before_cut_km2"] - z["area_km2"] > 1e-6]
        if not len(cut):
            continue
        held = not_held_by(r.scenario.control.exclude_held_by)
        parts = "; ".join(
            f"{markdown_cell(row['name'])} {percent(row['kept'])} "
            f"({row['area_km2']:,.0f} of {row['area_before_cut_km2']:,.0f} km²)"
            for _, row in cut.iterrows()
        )
        lines.append(
            f"- **{markdown_cell(r.scenario.id)}**, cut to land {markdown_cell(held)}: {parts}."
        )
    return ["", "Area kept per zone after the cut:", "", *lines] if lines else []


def write_comparison(
    results: Sequence[ScenarioResult], directory: str | Path, *, maps: bool = True
) -> pd.DataFrame:
    """Write comparison.csv, comparison.md, comparison.png and one folder per scenario.

    People are written as whole numbers; ``columns.csv`` describes the columns
    of comparison.csv (each scenario's folder has its own). The whole folder
    is written atomically, under the same rule as
    :func:`safezones.export.folder.write_folder`.

    Parameters
    ----------
    results
        Scored scenarios with distinct ids.
    directory
        The folder to write: new, empty or an earlier safezones output.
    maps
        Draw each scenario's ``map.png`` too.

    Returns
    -------
    pandas.DataFrame
        The comparison table (:func:`~safezones.model.comparison.comparison_table`).
    """
    import matplotlib.pyplot as plt

    from safezones.viz.charts import comparison_chart

    check_output_dir(directory, command="compare")  # before drawing anything
    table = comparison_table(results)
    with atomic_dir(directory, command="compare") as tmp:
        written = for_file(table)
        csv_frame(written).to_csv(tmp / "comparison.csv", index=False, float_format="%.10g")
        describe({"comparison.csv": list(written.columns)}).to_csv(tmp / "columns.csv", index=False)
        (tmp / "comparison.md").write_text(
            comparison_markdown(table, results=results), encoding="utf-8"
        )
        fig, _ = comparison_chart(table)
        fig.savefig(tmp / "comparison.png", dpi=150)
        plt.close(fig)
        for r in results:
            write_folder(r, tmp / r.scenario.id, map_png=maps)
    return table
