"""The memo as an A4 PDF: fonts embedded (DejaVu Sans), a bookmark per section."""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import pandas as pd

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

__all__ = ["column_widths", "memo_pdf"]


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


#: Horizontal padding of a table cell, both sides together (reportlab's default, points).
_PAD = 12.0
#: Body cells this short are not broken at all ("6.93 M", "24 %"): a figure on one line.
_WHOLE_CHARS = 10


def column_widths(
    cells: Sequence[Sequence[str]], total: float, *, measure: Any, head: Any
) -> list[float]:
    """Return column widths (points) summing to ``total`` in which no word is split.

    ``cells`` are the columns' texts, the header first; ``measure(text)`` and
    ``head(text)`` give a body and a header text's width. Each column gets at
    least its longest word (so a header such as "displaced" is not broken in
    two; a body cell of at most :data:`_WHOLE_CHARS` characters counts as one
    word, so that "6.93 M" stays on one line), then the room left is shared in proportion to each column's longest
    text beyond that. When even the longest words do not fit, they are scaled
    down together (reportlab then splits the longest words).

    Examples
    --------
    With one point per character and 12 of padding, the first column's words
    need 4 + 12 and its longest text 12 + 12, the second 1 + 12:

    >>> cols = [["ab", "abcd efgh ij"], ["x", "y"]]
    >>> column_widths(cols, 31, measure=len, head=len)  # 2 left: to the first column
    [18.0, 13.0]
    >>> column_widths(cols, 100, measure=len, head=len)  # all fits: 31.5 more each
    [55.5, 44.5]
    >>> column_widths([["ab", "6.93 M"]], 10, measure=len, head=len)  # too narrow: scaled
    [10.0]
    """
    words, longest = [], []
    for col in cells:
        texts = [head(str(col[0]))] + [measure(str(t)) for t in col[1:]]
        ws = [head(w) for w in str(col[0]).split()] + [
            measure(w)
            for t in col[1:]
            for w in ([str(t)] if len(str(t)) <= _WHOLE_CHARS else str(t).split())
        ]
        words.append(max(ws, default=0.0) + _PAD)
        longest.append(max(texts, default=0.0) + _PAD)
    need = sum(words)
    if need >= total:
        return [w * total / need for w in words]
    extra = [max(b - w, 0.0) for w, b in zip(words, longest, strict=True)]
    room, want = total - need, sum(extra)
    if want <= room:  # every text fits on one line: the rest goes evenly
        return [
            b + (room - want) / len(words)
            for b in [w + e for w, e in zip(words, extra, strict=True)]
        ]
    return [w + e * room / want for w, e in zip(words, extra, strict=True)]


def _fit(df: pd.DataFrame, total: float, fonts: tuple[str, str], size: float) -> list[float]:
    """Return :func:`column_widths` of ``df``'s texts in ``fonts`` (regular, bold) at ``size``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    regular, bold = fonts
    return column_widths(
        [[str(c), *map(str, df[c])] for c in df.columns],
        total,
        measure=lambda t: stringWidth(t, regular, size),
        head=lambda t: stringWidth(t, bold, size),
    )


def _limits(limits: Mapping[str, Sequence[str]], para: Any) -> list[Any]:
    """Return each backtest's name, then its limits as bullets (``para(text, bullet)``)."""
    return [p for name, items in limits.items()
            for p in (para(name, False), *(para(t, True) for t in items))]  # fmt: skip


def memo_pdf(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
    path: str | Path,
    *,
    title: str | None = None,
    events_style: str = "points",
    figures: Mapping[str, Figure] | None = None,
    dpi: int = 200,
    sensitivity: Mapping[str, pd.DataFrame] | None = None,
    validation: Validation | None = None,
) -> Path:
    """Write the memo as an A4 PDF: fonts embedded, one bookmark per section.

    Sections: comparison (table and chart, then the maps side by side), one
    per scenario starting on a new page (map, what binds, score table, which
    assumption moves the answer, key assumptions with sources), how well the model
    reproduces 2012-2019 (the bundled backtests of the defaults, from a new page), and
    sources and licences. Every page has a footer with the page number and the
    boundaries disclaimer. The file is written atomically. ``sensitivity`` and
    ``validation``: as :func:`~safezones.report.page.memo_html` takes them.
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

    items = memo_results(results)
    tables = dict(sensitivity) if sensitivity is not None else memo_sensitivity(items)
    title = memo_title(title, items)
    figs = (
        dict(figures) if figures is not None else memo_figures(items, events_style, lambda _: None)
    )
    val = bundled_validation() if validation is None else validation
    figs = with_validation_figures(figs, val)
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
    strong = ParagraphStyle("strong", parent=body, fontName=bold)
    width = A4[0] - 30 * mm

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(html.escape(text), style)

    def heading(text: str, key: str, style: ParagraphStyle = h2) -> Paragraph:
        p = Paragraph(html.escape(text), style)
        p._bookmark = (key, text)  # noqa: SLF001 - read by our own afterFlowable
        return p

    def table(
        df: pd.DataFrame, widths: Sequence[float] | None = None, numeric: Sequence[str] = ()
    ) -> Table:
        """Lay out ``df``: ``widths`` as shares of the page, else from the texts' words."""
        head = [Paragraph(f"<b>{html.escape(str(c))}</b>", cell) for c in df.columns]
        rows = [head] + [[Paragraph(html.escape(str(v)), cell) for v in r] for r in df.to_numpy()]
        col_w = (
            _fit(df, width, (regular, bold), cell.fontSize)
            if widths is None
            else [w * width for w in widths]
        )
        t = Table(rows, colWidths=col_w, repeatRows=1, hAlign="LEFT")
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
        data = png(fig, dpi)
        w_in, h_in = fig.get_size_inches()
        scale = min(width / (w_in * 72), max_h / (h_in * 72))
        return Image(io.BytesIO(data), width=w_in * 72 * scale, height=h_in * 72 * scale)

    cmp = comparison_rows(items)

    def ground(r: ScenarioResult) -> list[Any]:
        text = ground_text(r)
        if not text:
            return []
        out: list[Any] = [Paragraph("Who holds the ground", h3), para(text[0])]
        out += [para(f"• {t}") for t in text[1:]]
        shares = ground_table(r)
        if len(shares):
            out += [
                Spacer(1, 1.5 * mm),
                para(ground_caption(r)),
                table(shares, numeric=list(shares.columns[2:])),
            ]
        return out

    story: list[Any] = [
        Paragraph(html.escape(title), h1),
        para(meta_line(items), small),
        Spacer(1, 4 * mm),
        heading("Comparison", "comparison"),
        para(reading_note()),
        Spacer(1, 2 * mm),
        table(cmp, numeric=list(cmp.columns[1:])),
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
        sens = tables[sc.id]
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
            para(headline_text(r), strong),
            *map(para, paragraphs(r)),
            Paragraph("Score", h3),
            table(score_table(r), numeric=["P5", "P50", "P95"]),
            Paragraph("Which assumption moves the answer", h3),
            para(sensitivity_text(r, sens)),
            *[table(sens, [0.7, 0.3])][: len(sens)],
            *ground(r),
            Paragraph("Key assumptions and their sources", h3),
            table(key_parameters(r), [0.25, 0.35, 0.4]),
        ]
    vt = validation_table(val)
    gap = Spacer(1, 1.5 * mm)
    story += [
        PageBreak(),
        heading(VALIDATION_HEADING, "validation"),
        *(f for t in validation_text(val, items) for f in (para(t), gap)),
        table(vt, numeric=list(vt.columns[3:])),
        gap,
        *(para(f"• {t}") for _, t in validation_backtests(val)),
        Paragraph("What the comparisons can and cannot show", h3),
        *_limits(validation_limits(val), lambda t, bullet: para(
            f"• {t}" if bullet else t, small if bullet else strong)),
        Spacer(1, 3 * mm),  # each chart goes on to the next page if it does not fit
        image(figs["validation-chart"], A4[1] - 45 * mm),
        Spacer(1, 3 * mm),
        image(figs["validation-timeseries"], A4[1] - 45 * mm),
    ]  # fmt: skip
    sources = pd.concat([dataset_table(items), validation_sources(val)], ignore_index=True)
    story += [
        PageBreak(),
        heading("Sources and licences", "sources"),
        table(sources, [0.16, 0.2, 0.2, 0.44]),
        Spacer(1, 3 * mm),
        para(method_note(), small),
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
