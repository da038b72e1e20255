"""The memo bundle: self-contained HTML, a PDF with the expected sections and sources."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import ClassVar

import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

import safezones as sz
from safezones import report, viz
from safezones._text import people
from safezones.scenario import run

ATTRIBUTIONS = (
    "Natural Earth",
    "OCHA, UNCS",
    "CC BY-IGO",
    "UCDP GED",
    "CC BY 4.0",
    "GeoNames",
    "AFP / SOHR",
)


@pytest.fixture(scope="module")
def memo(tmp_path_factory):
    results = [
        run(f"scenarios/{n}.toml", draws=20) for n in ("aleppo-freeze", "jarablus-marea-2015")
    ]
    out = report.write_memo(results, tmp_path_factory.mktemp("memo") / "memo")
    return out, results


class _Resources(HTMLParser):
    """Every URL a browser would fetch on opening the page (not links it may follow)."""

    LOADS: ClassVar[dict[str, tuple[str, ...]]] = {"img": ("src", "srcset"), "script": ("src",), "link": ("href",), "iframe": ("src",),
             "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
             "embed": ("src",), "object": ("data",), "input": ("src",)}  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in self.LOADS.get(tag, ()) or name == "background":
                self.urls.append(value or "")
            if name == "style":
                self.css.append(value or "")

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def test_html_opens_with_no_external_requests(memo):
    out, _results = memo
    page = (out / "memo.html").read_text(encoding="utf-8")
    p = _Resources()
    p.feed(page)
    assert "script" not in p.tags
    assert p.urls and all(u.startswith("data:image/png;base64,") for u in p.urls)
    # two maps, the chart, the maps side by side, the two charts of the backtests
    assert len(p.urls) == 6
    assert not any(re.search(r"url\(|@import", css) for css in p.css)


def test_html_holds_scores_assumptions_and_sources(memo):
    out, results = memo
    page = (out / "memo.html").read_text(encoding="utf-8")
    for r in results:
        assert f'id="{r.scenario.id}"' in page
        for q in ("p5", "p50", "p95"):
            assert people(r.totals.loc["sheltered", q]) in page
        for a in r.scenario.assumptions:
            assert a.replace("'", "&#x27;").replace('"', "&quot;") in page
    for attribution in ATTRIBUTIONS:
        assert attribution in page
    assert "Sphere Handbook (2018)" in page


def test_pdf_has_a_section_per_scenario_and_the_attributions(memo):
    out, results = memo
    reader = PdfReader(out / "memo.pdf")
    titles = [o.title for o in reader.outline]
    assert titles == ["Comparison", *[r.scenario.title for r in results],
                      "How well does the model reproduce 2012-2019?", "Sources and licences"]  # fmt: skip
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    assert starts == sorted(starts) and starts[0] == 0
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    # the comparison (table and chart) on the first page, the maps side by side on the
    # second, then each scenario from a new page: its map alone on the first page, then the
    # score, who holds the ground and the assumptions in that order; then the sources
    assert starts[1] == 2 and "The scenarios side by side" in texts[1]
    for r, start, end in zip(results, starts[1:-2], starts[2:-1], strict=True):
        assert r.scenario.title in texts[start] and r.scenario.title not in texts[start - 1]
        assert end - start >= 2  # the map page, then at least one page of tables
        assert "Key assumptions and their sources" not in texts[start]
        section = " ".join(texts[start + 1 : end])
        t = r.totals.loc["sheltered"]
        assert f"sheltered {people(t['p5'])} {people(t['p50'])} {people(t['p95'])}" in section
        heads = ["Score", "Who holds the ground", "Key assumptions and their sources"]
        at = [section.find(h) for h in heads]
        assert -1 not in at and at == sorted(at), (r.scenario.id, at)
    assert starts[-1] == len(reader.pages) - 1  # the sources fit on the last page
    everything = " ".join(texts)
    for attribution in ATTRIBUTIONS:
        assert attribution in everything
    assert viz.DISCLAIMER in texts[-1]


def test_pdf_fonts_are_embedded(memo):
    out, _ = memo
    reader = PdfReader(out / "memo.pdf")
    seen = 0
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            desc = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font
                    else font)["/FontDescriptor"].get_object()  # fmt: skip
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(desc.keys()), font["/BaseFont"]
            seen += 1
    assert seen


def test_pdf_pages_render_with_their_maps(memo):
    out, results = memo
    pdf = pdfium.PdfDocument(str(out / "memo.pdf"))
    vermillion = np.array([213, 94, 0])
    # each scenario's map is on the first page that starts with its heading
    # (the footer's text comes first, then "page N", then the page's own)
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    body = [t.split(f"page {i + 1}", 1)[-1].lstrip() for i, t in enumerate(texts)]
    first = {r.scenario.id: next(i for i, t in enumerate(body) if t.startswith(r.scenario.title))
             for r in results}  # fmt: skip
    for i in range(len(pdf)):
        img = np.asarray(pdf[i].render(scale=0.6).to_pil().convert("RGB")).astype(int)
        assert (img.sum(axis=-1) < 600).mean() > 0.005, f"page {i + 1} is blank"
        star = (np.abs(img - vermillion).sum(axis=-1) < 40).sum()
        if i == first["aleppo-freeze"]:  # the Aleppo map (2014): the Raqqa strikes are on it
            assert star >= 3  # a few pixels of the star at this scale
        if i == first["jarablus-marea-2015"]:  # 2015: outside the seed's window, no star
            assert star == 0


def test_figures_are_written_for_pasting(memo):
    out, results = memo
    names = {p.name for p in (out / "figures").iterdir()}
    for r in results:
        assert {f"{r.scenario.id}-map.png", f"{r.scenario.id}-map.pdf"} <= names
    assert {"comparison-chart.png", "comparison-maps.pdf", "validation-chart.png",
            "validation-timeseries.pdf"} <= names  # fmt: skip


def test_bad_memo_input_is_refused_without_output(tmp_path):
    with pytest.raises(sz.SafeZonesError, match="at least one scored scenario"):
        report.write_memo([], tmp_path / "none")
    with pytest.raises(sz.SafeZonesError, match="takes ScenarioResults"):
        report.write_memo(["scenarios/aleppo-freeze.toml"], tmp_path / "none")
    r = run("scenarios/aleppo-freeze.toml", draws=1)
    with pytest.raises(sz.SafeZonesError, match="repeated: aleppo-freeze"):
        report.write_memo([r, r], tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_key_parameters_name_a_source_for_every_value():
    r = run("scenarios/aleppo-freeze.toml", draws=1)
    t = report.key_parameters(r)
    assert (t["source"].str.len() > 0).all()
    row = t.set_index("parameter").loc["usable share of zone land"]
    assert row["value"] == "1.0%" and row["source"].startswith("assumption")
    assert t.set_index("parameter").loc["displaced, national total", "value"] == "7.60 M ± 10%"
