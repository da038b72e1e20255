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

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult

__all__ = ["comparison_markdown", "write_comparison"]


def comparison_markdown(table: pd.DataFrame) -> str:
    """Return the comparison as a Markdown table with its notes and sources.

    Parameters
    ----------
    table
        A :func:`~safezones.model.comparison.comparison_table`.

    Returns
    -------
    str
        The table, then what the figures mean and where the data come from.

    Examples
    --------
    >>> from safezones.model.metrics import METRICS, QUANTILES
    >>> t = pd.DataFrame({"scenario": ["a"], "title": ["A"], "area_km2": [10.0],
    ...     "allocation": ["optimal"], "window": ["2014 to 2014"], "draws": [1], "seed": [1],
    ...     "citation": ["c"], **{f"{m}_{q}": [1e6] for m in METRICS for q in QUANTILES}})
    >>> print(comparison_markdown(t).splitlines()[2])
    | a | A | 10 | 1.00 M | 1.00 M (1.00 M to 1.00 M) | 1.00 M | 1.00 M | 1.00 M | 1.00 M |
    """
    head = (
        "| scenario | title | area km² | displaced | sheltered P50 (P5 to P95) | "
        "residents protected | unmet | capacity | sheltered safe |"
    )
    lines = [head, "|" + "---|" * 9]
    for _, r in table.iterrows():
        lines.append(
            f"| {markdown_cell(r['scenario'])} | {markdown_cell(r['title'])} | "
            f"{r['area_km2']:,.0f} | "
            f"{people(r['displaced_p50'])} | {people(r['sheltered_p50'])} "
            f"({people(r['sheltered_p5'])} to {people(r['sheltered_p95'])}) | "
            f"{people(r['residents_protected_p50'])} | {people(r['unmet_p50'])} | "
            f"{people(r['capacity_p50'])} | {people(r['sheltered_safe_p50'])} |"
        )
    notes = [
        "",
        "All figures are P50 over the Monte Carlo draws unless a range is given "
        "(P5 to P95). Displaced: people displaced in the window (hazard-based, scaled to "
        "the national total of the scenario); sheltered: displaced people a zone takes in "
        "within reach and capacity; residents protected: people living in the zones who "
        "were not displaced; sheltered safe: sheltered weighted by each zone's safety.",
        "",
        "Allocation, window, draws and seed per scenario:",
        "",
    ]
    for _, r in table.iterrows():
        notes.append(
            f"- **{markdown_cell(r['scenario'])}**: {r['allocation']} allocation, events "
            f"{markdown_cell(r['window'])}, {plural(int(r['draws']), 'draw')}, seed {int(r['seed'])}. "
            f"Source: {markdown_cell(r['citation'])}."
        )
    notes += [
        "",
        "Data: population, OCHA / Syrian CBS pre-war table spread with GeoNames (CC BY 4.0); "
        "events, UCDP GED (CC BY 4.0); boundaries, OCHA/UNCS (CC BY-IGO) and Natural Earth "
        "(public domain). Model: safezones (see each scenario's summary.json).",
    ]
    return "\n".join(lines + notes) + "\n"


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
        (tmp / "comparison.md").write_text(comparison_markdown(table), encoding="utf-8")
        fig, _ = comparison_chart(table)
        fig.savefig(tmp / "comparison.png", dpi=150)
        plt.close(fig)
        for r in results:
            write_folder(r, tmp / r.scenario.id, map_png=maps)
    return table
