"""Memo bundle: a self-contained HTML page and a PDF, with maps, tables and sources.

:func:`write_memo` writes, for one or more scored scenarios,

- ``memo.html``: one file, images embedded as ``data:`` URIs, no scripts,
  stylesheets or fonts fetched from anywhere;
- ``memo.pdf``: A4, fonts embedded (DejaVu Sans), a bookmark per section;
- ``figures/``: every figure as a 300 dpi PNG and a vector PDF, to paste
  into a memo.

Each scenario gets its map, its score table (P5/P50/P95, deaths averted
among them), who holds the ground (its zones' shares by actor, and a sentence
for every zone holding ground of its own threat actors), its key assumptions
with their sources and its citation; a comparison section opens the memo; the
section "How well does the model reproduce 2012-2019?" (the bundled backtests of
the default parameters, read, not rerun, with their charts and limits) and a list
of every dataset with its licence close it.

The package: :mod:`~safezones.report.content` (tables and sentences),
:mod:`~safezones.report.figures`, :mod:`~safezones.report.page` (HTML),
:mod:`~safezones.report.pdf`; this module writes the bundle.

Examples
--------
>>> from safezones.scenario import run
>>> results = [run("scenarios/aleppo-freeze.toml", draws=50)]  # doctest: +SKIP
>>> write_memo(results, "out/memo")  # doctest: +SKIP
PosixPath('out/memo')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt

from safezones.export.comparison import comparison_markdown
from safezones.model.comparison import comparison_table
from safezones.model.result import ScenarioResult
from safezones.report.content import (
    ground_table,
    ground_text,
    key_parameters,
    memo_results,
    memo_title,
    score_table,
)
from safezones.report.figures import memo_figures
from safezones.report.findings import memo_sensitivity
from safezones.report.page import memo_html
from safezones.report.pdf import memo_pdf
from safezones.validate.backtest import bundled_validation
from safezones.viz.format import METRIC_NOTES
from safezones.viz.save import save_figure

__all__ = [
    "METRIC_NOTES",
    "ground_table",
    "ground_text",
    "key_parameters",
    "memo_html",
    "memo_pdf",
    "score_table",
    "write_memo",
]


def write_memo(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
    directory: str | Path,
    *,
    title: str | None = None,
    events_style: str = "points",
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write memo.html, memo.pdf, comparison.md and figures/ (300 dpi PNG, vector PDF) atomically.

    ``progress`` is called with a short description of each step. The
    folder must be new, empty or an earlier safezones output (checked before
    drawing anything; see :func:`safezones.io.atomic.check_output_dir`).
    """
    items = memo_results(results)
    tick = progress or (lambda _: None)
    from safezones.io.atomic import atomic_dir, check_output_dir

    memo_title(title, items)  # refuse a bad title before drawing
    out = Path(directory)
    check_output_dir(out, command="memo")
    figs = memo_figures(items, events_style, tick)
    sens = memo_sensitivity(items)  # once, for the HTML and the PDF
    val = bundled_validation()  # the defaults' backtests, read (not rerun) for both
    try:
        with atomic_dir(out, command="memo") as tmp:
            tick("memo.html")
            (tmp / "memo.html").write_text(
                memo_html(items, title=title, figures=figs, sensitivity=sens, validation=val),
                encoding="utf-8",
            )
            tick("memo.pdf")
            memo_pdf(
                items,
                tmp / "memo.pdf",
                title=title,
                figures=figs,
                sensitivity=sens,
                validation=val,
            )
            tick("comparison.md")  # the memo and its figures point to it
            (tmp / "comparison.md").write_text(
                comparison_markdown(comparison_table(items), results=items), encoding="utf-8"
            )
            (tmp / "figures").mkdir()
            for name, fig in figs.items():
                tick(f"figures/{name}")
                save_figure(fig, tmp / "figures" / f"{name}.png")
                save_figure(fig, tmp / "figures" / f"{name}.pdf")
    finally:
        for fig in figs.values():
            plt.close(fig)
    return out
