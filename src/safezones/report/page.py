"""The memo as one self-contained HTML page: images as ``data:`` URIs, no scripts, no fetches."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from safezones._text import safe_url
from safezones._version import __version__
from safezones.report.content import (
    comparison_rows,
    dataset_table,
    ground_caption,
    ground_table,
    ground_text,
    key_parameters,
    memo_results,
    memo_title,
    meta_line,
    method_note,
    reading_note,
    score_table,
)
from safezones.report.figures import memo_figures, png, with_validation_figures
from safezones.report.findings import (
    VALIDATION_HEADING,
    headline_text,
    memo_sensitivity,
    paragraphs,
    sensitivity_text,
    validation_backtests,
    validation_limits,
    validation_sources,
    validation_table,
    validation_text,
)
from safezones.validate.backtest import bundled_validation
from safezones.viz.format import DISCLAIMER

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from safezones.model.result import ScenarioResult
    from safezones.validate.backtest import Validation

__all__ = ["memo_html", "table_html"]

_CSS = """
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;max-width:60em;margin:2em auto;
color:#202020;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ccc;
padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #d0d0d0;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;white-space:nowrap}
img{max-width:100%;height:auto;border:1px solid #e0e0e0}
.meta,.note{color:#505050;font-size:.88em}
.headline,p.limits{font-weight:bold}p.limits{margin-bottom:.2em}
nav ol{margin:.3em 0}ul.flags li{margin:.2em 0}
"""


def table_html(df: pd.DataFrame, numeric: Sequence[str] = ()) -> str:
    """Return a table as HTML, every header and cell escaped; ``numeric`` columns right-aligned."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, row in df.iterrows():
        cells = "".join(
            f'<td class="num">{html.escape(str(v))}</td>'
            if c in numeric
            else f"<td>{html.escape(str(v))}</td>"
            for c, v in row.items()
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(data: bytes, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/png;base64,{b64}" alt="{html.escape(alt)}">'


def _sensitivity_html(result: ScenarioResult, t: pd.DataFrame) -> list[str]:
    parts = [f"<p>{html.escape(sensitivity_text(result, t))}</p>"]
    return parts + ([table_html(t)] if not t.empty else [])


def _ground_html(result: ScenarioResult) -> list[str]:
    """Return the "Who holds the ground" section: its paragraph, the flags, the shares."""
    text = ground_text(result)
    if not text:
        return []
    out = ['<h3 class="ground">Who holds the ground</h3>', f"<p>{html.escape(text[0])}</p>"]
    if len(text) > 1:
        items = "".join(f"<li>{html.escape(t)}</li>" for t in text[1:])
        out.append(f'<ul class="flags">{items}</ul>')
    shares = ground_table(result)
    if len(shares):
        out.append(f"<p>{html.escape(ground_caption(result))}</p>")
        out.append(table_html(shares, numeric=[c for c in shares.columns[2:]]))
    return out


def _validation_html(
    val: Validation, items: Sequence[ScenarioResult], figs: Mapping[str, Figure], dpi: int
) -> list[str]:
    """Return the section "How well does the model reproduce 2012-2019?" (bundled backtests)."""
    t = validation_table(val)
    out = [
        f'<h2 id="validation">{html.escape(VALIDATION_HEADING)}</h2>',
        *(f"<p>{html.escape(p)}</p>" for p in validation_text(val, items)),
        table_html(t, numeric=list(t.columns[3:])),
        '<ul class="backtests">',
        *(f"<li>{html.escape(s)}</li>" for _, s in validation_backtests(val)),
        "</ul>",
        _img(png(figs["validation-chart"], dpi), "Backtests: predicted against observed"),
        _img(
            png(figs["validation-timeseries"], dpi), "Backtests: observed and predicted over time"
        ),
        "<h3>What the comparisons can and cannot show</h3>",
    ]
    for name, limits in validation_limits(val).items():
        out.append(f'<p class="limits">{html.escape(name)}</p><ul class="limits">')
        out += [f"<li>{html.escape(x)}</li>" for x in limits]
        out.append("</ul>")
    return out


def memo_html(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
    *,
    title: str | None = None,
    events_style: str = "points",
    figures: Mapping[str, Figure] | None = None,
    dpi: int = 150,
    sensitivity: Mapping[str, pd.DataFrame] | None = None,
    validation: Validation | None = None,
) -> str:
    """Return the memo as one self-contained HTML document (images as ``data:`` URIs).

    Parameters
    ----------
    results
        Scored scenarios.
    title
        Heading; by default it names the number of scenarios.
    events_style
        How maps draw events (see :data:`safezones.viz.layers.EVENTS_STYLES`).
    figures
        Figures already drawn (keys as :func:`~safezones.report.write_memo` names
        them); drawn here otherwise.
    dpi
        Resolution of the embedded images.
    sensitivity
        Each scenario's :func:`~safezones.report.findings.sensitivity_table` by id,
        already computed (:func:`~safezones.report.write_memo` computes it once for
        the HTML and the PDF); computed here otherwise.
    validation
        The backtests the section "How well does the model reproduce 2012-2019?"
        shows: the bundled defaults' by default
        (:func:`~safezones.validate.backtest.bundled_validation`).
    """
    items = memo_results(results)
    title = memo_title(title, items)
    figs = (
        dict(figures) if figures is not None else memo_figures(items, events_style, lambda _: None)
    )
    val = bundled_validation() if validation is None else validation
    figs = with_validation_figures(figs, val)
    rows = comparison_rows(items)
    sens = dict(sensitivity) if sensitivity is not None else memo_sensitivity(items)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="safezones {__version__}">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(meta_line(items))}</p>',
        "<nav><ol>",
        '<li><a href="#comparison">Comparison</a></li>',
        *(
            f'<li><a href="#{r.scenario.id}">{html.escape(r.scenario.title)}</a></li>'
            for r in items
        ),
        f'<li><a href="#validation">{html.escape(VALIDATION_HEADING)}</a></li>',
        '<li><a href="#sources">Sources and licences</a></li>',
        "</ol></nav>",
        '<h2 id="comparison">Comparison</h2>',
        f"<p>{html.escape(reading_note())}</p>",
        table_html(rows, numeric=[c for c in rows.columns if c != "scenario"]),
        _img(png(figs["comparison-chart"], dpi), "People sheltered per scenario, P5 to P95"),
    ]
    if "comparison-maps" in figs:
        parts.append(_img(png(figs["comparison-maps"], dpi), "The scenarios side by side"))
    for r in items:
        sc = r.scenario
        src = html.escape(sc.source.citation)
        if sc.source.url:  # a link only to http(s); any other address is shown as text
            link, shown = safe_url(sc.source.url), html.escape(sc.source.url)
            src += f' (<a href="{html.escape(link)}">{shown}</a>)' if link else f" ({shown})"
        parts += [
            f'<h2 id="{sc.id}">{html.escape(sc.title)}</h2>',
            f"<p>{html.escape(' '.join(sc.description.split()))}</p>" if sc.description else "",
            f'<p class="note">Source: {src}</p>',
            _img(png(figs[f"{sc.id}-map"], dpi), f"Map of {sc.title}"),
            f'<p class="headline">{html.escape(headline_text(r))}</p>',
            *(f"<p>{html.escape(t)}</p>" for t in paragraphs(r)),
            "<h3>Score</h3>",
            table_html(score_table(r), numeric=["P5", "P50", "P95"]),
            "<h3>Which assumption moves the answer</h3>",
            *_sensitivity_html(r, sens[sc.id]),
            *_ground_html(r),
            "<h3>Key assumptions and their sources</h3>",
            table_html(key_parameters(r)),
        ]
    parts += [
        *_validation_html(val, items, figs, dpi),
        '<h2 id="sources">Sources and licences</h2>',
        table_html(pd.concat([dataset_table(items), validation_sources(val)], ignore_index=True)),
        f'<p class="note">{html.escape(method_note())}</p>',
        f'<p class="note">{html.escape(DISCLAIMER)}</p>',
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
