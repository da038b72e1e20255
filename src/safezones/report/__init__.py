"""Memo bundle: a self-contained HTML page and a PDF, with maps, tables and sources.

:func:`write_memo` writes, for one or more scored scenarios,

- ``memo.html``: one file, images embedded as ``data:`` URIs, no scripts,
  stylesheets or fonts fetched from anywhere;
- ``memo.pdf``: A4, fonts embedded (DejaVu Sans), a bookmark per section;
- ``figures/``: every figure as a 300 dpi PNG and a vector PDF, to paste
  into a memo.

Each scenario gets its map, its score table (P5/P50/P95), its key
assumptions with their sources and its citation; a comparison section and a
list of every dataset with its licence close the memo.

Examples
--------
>>> from safezones.scenario import run
>>> results = [run("scenarios/aleppo-freeze.toml", draws=50)]  # doctest: +SKIP
>>> write_memo(results, "out/memo")  # doctest: +SKIP
PosixPath('out/memo')
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from safezones import data
from safezones._plural import plural
from safezones._text import MAX_TITLE_CHARS, check_length, people, safe_url
from safezones._version import __version__
from safezones.defaults import SOURCES
from safezones.errors import SafeZonesError
from safezones.export.comparison import comparison_markdown
from safezones.model.comparison import comparison_table
from safezones.model.demand import OCHA_IDPS_MID_2014
from safezones.model.result import ScenarioResult
from safezones.viz.charts import sheltered_chart
from safezones.viz.format import DISCLAIMER, METRIC_NOTES, window_label
from safezones.viz.maps import compare_maps, scenario_map
from safezones.viz.save import save_figure

__all__ = ["METRIC_NOTES", "key_parameters", "memo_html", "memo_pdf", "score_table", "write_memo"]


def _results(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
) -> list[ScenarioResult]:
    items = list(results.values()) if isinstance(results, Mapping) else list(results or [])
    if not items:
        raise SafeZonesError("a memo needs at least one scored scenario; none were given")
    bad = [type(r).__name__ for r in items if not isinstance(r, ScenarioResult)]
    if bad:
        raise SafeZonesError(
            f"a memo takes ScenarioResults (from safezones.run), got {', '.join(sorted(set(bad)))}"
        )
    ids = [r.scenario.id for r in items]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SafeZonesError(f"scenario ids must differ in a memo; repeated: {', '.join(dup)}")
    return items


def score_table(result: ScenarioResult) -> pd.DataFrame:
    """Return the score as a memo shows it: one row per metric, P5/P50/P95 in people, and its meaning.

    Before ``residents_protected`` comes ``population``, everyone living in
    the zones (from the result's draws), so that the two are read together.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"p5": [1e6], "p50": [1.5e6], "p95": [2e6]}, index=["sheltered"])
    >>> score_table(SimpleNamespace(totals=t)).iloc[0].tolist()[:4]
    ['sheltered', '1.00 M', '1.50 M', '2.00 M']
    """
    rows = []
    pop = np.asarray(getattr(result, "detail", {}).get("population_total", []), dtype=float)
    for m in result.totals.index:
        if m == "residents_protected" and len(pop):
            lo, mid, hi = np.percentile(pop, [5, 50, 95])
            rows.append({"metric": "population", "P5": people(lo), "P50": people(mid),
                         "P95": people(hi), "meaning": METRIC_NOTES["population"]})  # fmt: skip
        r = result.totals.loc[m]
        rows.append(
            {
                "metric": str(m),
                "P5": people(float(r["p5"])),
                "P50": people(float(r["p50"])),
                "P95": people(float(r["p95"])),
                "meaning": METRIC_NOTES.get(str(m), ""),
            }
        )
    return pd.DataFrame(rows)


def key_parameters(result: ScenarioResult) -> pd.DataFrame:
    """Return the assumptions that drive the score, with their values and sources.

    Returns a table with ``parameter``, ``value`` and ``source`` columns:
    the scenario's own stated assumptions first, then the model's
    parameters (``source`` says whether each is sourced or assumed).
    """
    sc = result.scenario
    sh, dm, un = sc.shelter, sc.demand, sc.uncertainty
    rows: list[tuple[str, str, str]] = [
        ("stated assumption", a, f"scenario {sc.id}") for a in sc.assumptions
    ]
    win = result.provenance["window"]
    rows.append(("strike window", window_label(win), "scenario; UCDP GED events"))
    if dm.mode == "hazard":
        total = (
            f"{people(dm.national_total)} ± {un.national_total_spread:.0%}"
            if dm.national_total is not None and dm.scale_to_national_total
            else "not scaled"
        )
        rows += [
            (
                "displaced, national total",
                total,
                SOURCES["demand.national_total"]
                if dm.national_total == OCHA_IDPS_MID_2014
                else f"scenario {sc.id}",
            ),
            (
                "displacement rate by hazard class",
                " / ".join(f"{x:.0%}" for x in dm.rates) + f" ± {un.rate_spread:.0%}",
                SOURCES["demand.rates"],
            ),
            (
                "hazard class limits (events per 1,000 km² per year)",
                " / ".join(f"{x:g}" for x in dm.thresholds),
                SOURCES["demand.thresholds"],
            ),
        ]
    else:
        rows.append(("displaced", f"given by {dm.table}", f"scenario {sc.id}"))
    rows += [
        (
            "usable share of zone land",
            f"{sh.usable_fraction:.1%}",
            SOURCES["shelter.usable_fraction"],
        ),
        (
            "site area per person",
            f"{un.site_area_low_m2:g} to {un.site_area_high_m2:g} m²",
            "Sphere Handbook (2018): 30 to 45 m² per person",
        ),
        (
            "longest journey",
            f"{sh.max_travel_km:g} km by road (×{sh.detour_factor:g} detour)",
            f"{SOURCES['shelter.max_travel_km']}; detour {SOURCES['shelter.detour_factor']}",
        ),
        (
            "protection by zone kind",
            ", ".join(f"{k} {getattr(sh.protection, k):.1f}" for k in ("freeze", "refuge", "safe"))
            + f" (± {un.protection_spread:.1f})",
            SOURCES["shelter.protection"],
        ),
        ("allocation", sh.allocation, "optimal: most people sheltered; gravity: behavioural"),
        (
            "Monte Carlo",
            f"{plural(result.provenance['draws'], 'draw')}, seed {result.provenance['seed']}",
            SOURCES["uncertainty"],
        ),
    ]
    return pd.DataFrame(rows, columns=["parameter", "value", "source"])


def _dataset_table(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    prov = data.provenance()
    used: dict[str, dict[str, str]] = {}
    for name in ("countries", "borders", "governorates", "seed_facts"):
        used[name] = {
            "source": str(prov.loc[name, "source"]),
            "licence": str(prov.loc[name, "licence"]),
            "attribution": str(prov.loc[name, "attribution"]),
        }
    for r in results:
        for s in r.provenance["sources"]:
            if s["layer"] == "scenario":
                continue
            key = s["layer"] if s.get("licence") else f"{s['layer']} ({s['source']})"
            used.setdefault(
                key,
                {
                    "source": s["source"],
                    "licence": s.get("licence", "see file"),
                    "attribution": s.get("attribution", "user file"),
                },
            )
    return pd.DataFrame(
        [{"dataset": k, **v} for k, v in sorted(used.items())],
        columns=["dataset", "attribution", "licence", "source"],
    )


# ---------------------------------------------------------------- figures


#: Width of memo figures (in): the text width of A4 with 15 mm margins, so the
#: PDF shows them at 100 % and their smallest text stays at 6 pt.
MEMO_WIDTH_IN = 180 / 25.4


def _figures(
    results: Sequence[ScenarioResult], events_style: str, tick: Callable[[str], None]
) -> dict[str, Figure]:
    figs: dict[str, Figure] = {}
    for r in results:
        tick(f"map of {r.scenario.id}")
        figs[f"{r.scenario.id}-map"], _ = scenario_map(
            r, events_style=events_style, width=MEMO_WIDTH_IN
        )
    tick("comparison chart")
    figs["comparison-chart"], _ = sheltered_chart(results, width=MEMO_WIDTH_IN)
    if len(results) > 1:
        tick("comparison maps")
        figs["comparison-maps"], _ = compare_maps(results, width=MEMO_WIDTH_IN)
    return figs


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


# ---------------------------------------------------------------- HTML

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
nav ol{margin:.3em 0}
"""


def _table_html(df: pd.DataFrame, numeric: Sequence[str] = ()) -> str:
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


def _img(png: bytes, alt: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{b64}" alt="{html.escape(alt)}">'


def _comparison_rows(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    t = comparison_table(results)
    return pd.DataFrame(
        {
            "scenario": t["scenario"],
            "displaced": [people(v) for v in t["displaced_p50"]],
            "sheltered P50": [people(v) for v in t["sheltered_p50"]],
            "sheltered P5 to P95": [
                f"{people(a)} to {people(b)}"
                for a, b in zip(t["sheltered_p5"], t["sheltered_p95"], strict=True)
            ],
            "capacity": [people(v) for v in t["capacity_p50"]],
            "residents protected": [people(v) for v in t["residents_protected_p50"]],
            "unmet": [people(v) for v in t["unmet_p50"]],
        }
    )


def memo_html(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
    *,
    title: str | None = None,
    events_style: str = "points",
    figures: Mapping[str, Figure] | None = None,
    dpi: int = 150,
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
        Figures already drawn (keys as :func:`write_memo` names them); drawn
        here otherwise.
    dpi
        Resolution of the embedded images.
    """
    items = _results(results)
    title = _memo_title(title, items)
    figs = dict(figures) if figures is not None else _figures(items, events_style, lambda _: None)
    rows = _comparison_rows(items)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="safezones {__version__}">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(_meta_line(items))}</p>',
        "<nav><ol>",
        '<li><a href="#comparison">Comparison</a></li>',
        *(
            f'<li><a href="#{r.scenario.id}">{html.escape(r.scenario.title)}</a></li>'
            for r in items
        ),
        '<li><a href="#sources">Sources and licences</a></li>',
        "</ol></nav>",
        '<h2 id="comparison">Comparison</h2>',
        f"<p>{html.escape(_reading_note())}</p>",
        _table_html(
            rows,
            numeric=[c for c in rows.columns if c != "scenario"],
        ),
        _img(_png(figs["comparison-chart"], dpi), "People sheltered per scenario, P5 to P95"),
    ]
    if "comparison-maps" in figs:
        parts.append(_img(_png(figs["comparison-maps"], dpi), "The scenarios side by side"))
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
            _img(_png(figs[f"{sc.id}-map"], dpi), f"Map of {sc.title}"),
            "<h3>Score</h3>",
            _table_html(score_table(r), numeric=["P5", "P50", "P95"]),
            "<h3>Key assumptions and their sources</h3>",
            _table_html(key_parameters(r)),
        ]
    parts += [
        '<h2 id="sources">Sources and licences</h2>',
        _table_html(_dataset_table(items)),
        f'<p class="note">{html.escape(_method_note())}</p>',
        f'<p class="note">{html.escape(DISCLAIMER)}</p>',
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _memo_title(title: str | None, items: Sequence[ScenarioResult]) -> str:
    """Return the memo's heading: ``title`` (at most :data:`MAX_TITLE_CHARS`) or the default one."""
    if title:
        check_length(title, key="title", limit=MAX_TITLE_CHARS)
    return title or _default_title(items)


def _default_title(items: Sequence[ScenarioResult]) -> str:
    if len(items) == 1:
        return f"Safe zones in Syria: {items[0].scenario.title}"
    return f"Safe zones in Syria: {len(items)} scenarios compared"


def _meta_line(items: Sequence[ScenarioResult]) -> str:
    draws = sorted({r.provenance["draws"] for r in items})
    seeds = sorted({r.provenance["seed"] for r in items})
    return (
        f"Generated {dt.date.today().isoformat()} by safezones {__version__}; "
        f"{', '.join(map(str, draws))} Monte Carlo draws, seed {', '.join(map(str, seeds))}. "
        "Figures are P50 with P5 to P95 where a range is given."
    )


def _reading_note() -> str:
    return (
        "Each row is one scenario. Sheltered counts displaced people that the zones can take in "
        "within reach and capacity; P5 to P95 is the range over the Monte Carlo draws of the "
        "uncertain inputs (population, displacement rates, national total, site area, "
        "protection). Capacity rests on an assumed usable share of each zone's land, so where "
        "sheltered equals capacity the answer scales with that assumption."
    )


def _method_note() -> str:
    return (
        "Method: zones are built in an equal-area projection centred on Syria; the population "
        "of each zone (everyone living there) comes from the population layer, and its "
        "residents protected are those of them not displaced; displacement comes from strike "
        "intensity by district, shelter from a capacity- and reach-limited allocation; see "
        "each scenario's summary.json and columns.csv, and the safezones documentation for "
        "every parameter."
    )


# ---------------------------------------------------------------- PDF


def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans (shipped with matplotlib) so the PDF embeds its fonts."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    base = Path(mpl.get_data_path()) / "fonts" / "ttf"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(base / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(base / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(
            "DejaVuSans",
            normal="DejaVuSans",
            bold="DejaVuSans-Bold",
            italic="DejaVuSans",
            boldItalic="DejaVuSans-Bold",
        )
    return "DejaVuSans", "DejaVuSans-Bold"


def memo_pdf(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
    path: str | Path,
    *,
    title: str | None = None,
    events_style: str = "points",
    figures: Mapping[str, Figure] | None = None,
    dpi: int = 200,
) -> Path:
    """Write the memo as an A4 PDF: fonts embedded, one bookmark per section.

    Sections: comparison (table and chart, then the maps side by side), one
    per scenario starting on a new page (map, score table, key assumptions
    with sources), and sources and licences. Every page has a footer with
    the page number and the boundaries disclaimer. The file is written
    atomically.
    """
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        Image,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from safezones.io.atomic import atomic_path

    items = _results(results)
    title = _memo_title(title, items)
    figs = dict(figures) if figures is not None else _figures(items, events_style, lambda _: None)
    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12, alignment=TA_LEFT)
    small = ParagraphStyle(
        "small", parent=body, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#404040")
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9.2)
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=16, leading=20, spaceAfter=4)
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=bold, fontSize=12.5, leading=16, spaceBefore=4, spaceAfter=5
    )
    h3 = ParagraphStyle(
        "h3", parent=body, fontName=bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3
    )
    width = A4[0] - 30 * mm

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(html.escape(text), style)

    def heading(text: str, key: str, style: ParagraphStyle = h2) -> Paragraph:
        p = Paragraph(html.escape(text), style)
        p._bookmark = (key, text)  # noqa: SLF001 - read by our own afterFlowable
        return p

    def table(df: pd.DataFrame, widths: Sequence[float], numeric: Sequence[str] = ()) -> Table:
        head = [Paragraph(f"<b>{html.escape(str(c))}</b>", cell) for c in df.columns]
        rows = [head] + [[Paragraph(html.escape(str(v)), cell) for v in r] for r in df.to_numpy()]
        t = Table(rows, colWidths=[w * width for w in widths], repeatRows=1, hAlign="LEFT")
        style = [
            ("FONTNAME", (0, 0), (-1, -1), regular),  # Helvetica would not be embedded
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8c8c8")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        for c in numeric:
            j = list(df.columns).index(c)
            style.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
        t.setStyle(TableStyle(style))
        return t

    def image(fig: Figure, max_h: float) -> Image:
        png = _png(fig, dpi)
        w_in, h_in = fig.get_size_inches()
        scale = min(width / (w_in * 72), max_h / (h_in * 72))
        return Image(io.BytesIO(png), width=w_in * 72 * scale, height=h_in * 72 * scale)

    story: list[Any] = [
        Paragraph(html.escape(title), h1),
        para(_meta_line(items), small),
        Spacer(1, 4 * mm),
        heading("Comparison", "comparison"),
        para(_reading_note()),
        Spacer(1, 2 * mm),
        table(
            _comparison_rows(items),
            [0.2, 0.12, 0.12, 0.18, 0.12, 0.13, 0.13],
            numeric=[
                "displaced",
                "sheltered P50",
                "sheltered P5 to P95",
                "capacity",
                "residents protected",
                "unmet",
            ],
        ),
        Spacer(1, 3 * mm),
        image(figs["comparison-chart"], 95 * mm),
    ]
    if "comparison-maps" in figs:
        story += [
            PageBreak(),
            Paragraph("The scenarios side by side", h3),
            image(figs["comparison-maps"], A4[1] - 45 * mm),
        ]
    for r in items:
        sc = r.scenario
        story += [
            PageBreak(),
            heading(sc.title, sc.id),
            para(" ".join(sc.description.split()), small) if sc.description else Spacer(1, 0),
            para(
                f"Source: {sc.source.citation}" + (f" ({sc.source.url})" if sc.source.url else ""),
                small,
            ),
            Spacer(1, 2 * mm),
            image(figs[f"{sc.id}-map"], A4[1] - 70 * mm),
            CondPageBreak(60 * mm),
            Paragraph("Score", h3),
            table(score_table(r), [0.2, 0.1, 0.1, 0.1, 0.5], numeric=["P5", "P50", "P95"]),
            Paragraph("Key assumptions and their sources", h3),
            table(key_parameters(r), [0.25, 0.35, 0.4]),
        ]
    story += [
        PageBreak(),
        heading("Sources and licences", "sources"),
        table(_dataset_table(items), [0.16, 0.2, 0.2, 0.44]),
        Spacer(1, 3 * mm),
        para(_method_note(), small),
        para(DISCLAIMER, small),
    ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.setFillColor(colors.HexColor("#606060"))
        canvas.drawString(15 * mm, 10.5 * mm, DISCLAIMER)
        canvas.drawString(15 * mm, 7 * mm, f"safezones {__version__} memo: {title}")
        canvas.drawRightString(A4[0] - 15 * mm, 7 * mm, f"page {doc.page}")
        canvas.restoreState()

    class _Doc(SimpleDocTemplate):  # type: ignore[misc]  # reportlab has no types
        def afterFlowable(self, flowable: Any) -> None:
            mark = getattr(flowable, "_bookmark", None)
            if mark:
                key, text = mark
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(text, key, level=0)

    target = Path(path)
    with atomic_path(target) as tmp:
        doc = _Doc(
            str(tmp),
            pagesize=A4,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=14 * mm,
            initialFontName=regular,
            bottomMargin=16 * mm,
            title=title,
            author=f"safezones {__version__}",
            subject="Safe zone scenarios for Syria",
            creator=f"safezones {__version__}",
        )
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return target


# ---------------------------------------------------------------- bundle


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
    items = _results(results)
    tick = progress or (lambda _: None)
    from safezones.io.atomic import atomic_dir, check_output_dir

    _memo_title(title, items)  # refuse a bad title before drawing
    out = Path(directory)
    check_output_dir(out, command="memo")
    figs = _figures(items, events_style, tick)
    try:
        with atomic_dir(out, command="memo") as tmp:
            tick("memo.html")
            (tmp / "memo.html").write_text(
                memo_html(items, title=title, figures=figs), encoding="utf-8"
            )
            tick("memo.pdf")
            memo_pdf(items, tmp / "memo.pdf", title=title, figures=figs)
            tick("comparison.md")  # the memo and its figures point to it
            (tmp / "comparison.md").write_text(
                comparison_markdown(comparison_table(items)), encoding="utf-8"
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
