"""The memo's section "How well does the model reproduce 2012-2019?" (issue 20).

The section reads the bundled backtests of the default parameters (data/validation.json),
never reruns them: its table's figures are the file's, formatted as the memo writes them;
it names each backtest's limits, the observed files' sources and, for a scenario whose
settings differ from the validated ones, each setting by name. The figures are tested on
the whole memo in test_report.py; blank figures stand in here.
"""

from __future__ import annotations

import dataclasses
import html
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pytest
from pypdf import PdfReader

from safezones import data
from safezones.report import memo_html, memo_pdf
from safezones.report.figures import VALIDATION_FIGURES
from safezones.report.findings import VALIDATION_HEADING, validation_text
from safezones.scenario import run
from safezones.validate.backtest import BACKTESTS, LIMITS, bundled_validation
from safezones.viz.format import metric_text

HEADING = "How well does the model reproduce 2012-2019?"


@pytest.fixture(scope="module")
def result():
    return run("scenarios/aleppo-freeze.toml", draws=2)


@pytest.fixture(scope="module")
def figures(result):
    fig = plt.figure(figsize=(2, 1))  # a blank stands in for every figure
    keys = [f"{result.scenario.id}-map", "comparison-chart", *VALIDATION_FIGURES]
    yield dict.fromkeys(keys, fig)
    plt.close(fig)


class _Section(HTMLParser):
    """The validation section's h2, paragraphs, list items and table rows, as text."""

    def __init__(self):
        super().__init__()
        self.inside, self.h2, self.text = False, [], []
        self.rows, self._row, self._cell, self._buf = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.inside = ("id", "validation") in attrs
            self._buf = ""
        elif self.inside and tag == "tr":
            self._row = []
        elif self.inside and tag in ("td", "th"):
            self._cell = ""
        elif self.inside and tag in ("p", "li"):
            self._buf = ""

    def handle_endtag(self, tag):
        if tag == "h2" and self._buf is not None:
            self.h2.append(self._buf)
            self._buf = None
        elif self.inside and tag in ("p", "li") and self._buf is not None:
            self.text.append(self._buf)
            self._buf = None
        elif self._cell is not None and tag in ("td", "th"):
            self._row.append(self._cell)
            self._cell = None
        elif self._row is not None and tag == "tr":
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._buf is not None:
            self._buf += data


@pytest.fixture(scope="module")
def page(result, figures):
    return memo_html([result], figures=figures)


def _section(page):
    p = _Section()
    p.feed(page)
    return p


def test_heading_is_the_sections_and_in_the_contents(page):
    assert VALIDATION_HEADING == HEADING
    assert HEADING in _section(page).h2
    assert f'<a href="#validation">{html.escape(HEADING)}</a>' in page
    # after the scenarios, before the sources
    assert (
        page.index('id="aleppo-freeze"')
        < page.index('id="validation"')
        < page.index('id="sources"')
    )


def test_table_holds_the_bundled_files_metrics_as_the_memo_writes_them(page):
    doc = data.validation()  # the file itself, not the memo's reading of it
    rows = _section(page).rows
    head = rows[0]
    assert head == ["backtest", "period", "years", "units compared", "ARD", "Spearman",
                    "inside P5-P95"]  # fmt: skip
    got = {(r[0], r[1]): dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert set(got) == {(n, p) for n in BACKTESTS for p in ("train", "test")}
    for (name, period), row in got.items():
        m = doc[name]["metrics"][period]
        assert row["ARD"] == metric_text(m["ard"]) == f"{m['ard']:.2f}"
        assert row["Spearman"] == f"{m['spearman']:.2f}"
        assert row["inside P5-P95"] == f"{round(m['coverage'] * 100):.0f} %"
        assert row["units compared"] == f"{m['units']:,}"
        years = sorted(int(y) for y in doc[name]["periods"][period])
        if period == "train":
            assert row["years"] == (f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0]))


def test_section_says_it_is_the_defaults_validation_with_its_draws(page):
    text = " ".join(_section(page).text)
    doc = data.validation()
    assert "validation of the default parameters" in text
    assert f"{doc['model']['draws']} Monte Carlo draws" in text
    assert "not rerun" in text
    for key in ("demand.rates", "shelter.leave", "shelter.distance_decay"):
        assert key in text
    assert "Every scenario in this memo keeps those values." in text


def test_section_names_each_backtests_limits_notes_and_skips(page):
    sec = _section(page)
    text = " ".join(sec.text)
    val = bundled_validation()
    for name in BACKTESTS:
        sentence = next(t for t in sec.text if t.startswith(f"{name} compares "))
        assert BACKTESTS[name] in sentence
        for limit in [*LIMITS[name], *val.backtests[name].notes, *val.backtests[name].skipped]:
            assert limit.rstrip(".") in text, limit


def test_sources_name_the_observed_files(page):
    sources = page[page.index('id="sources"') :]
    for words in ("UNHCR Refugee Data Finder", "CC BY 4.0", "UN OCHA Turkey", "CCCM Cluster",
                  "ISIMM"):  # fmt: skip
        assert words in sources, words
    for meta in data.observed_sources().values():
        assert meta["sha256"][:12] in sources


def test_a_scenario_off_the_validated_settings_is_named_with_each_setting(result, figures):
    sc = result.scenario
    changed = sc.model_copy(update={
        "demand": sc.demand.model_copy(update={"rates": (0.05, 0.2, 0.5)}),
        "shelter": sc.shelter.model_copy(update={
            "distance_decay": 3.0,
            "leave": sc.shelter.leave.model_copy(update={"TUR": 0.5})}),
    })  # fmt: skip
    other = dataclasses.replace(result, scenario=changed)
    text = validation_text(bundled_validation(), [other])
    flagged = [t for t in text if t.startswith(sc.title)]
    assert len(flagged) == 1
    for words in ("demand.rates (0.05 / 0.2 / 0.5", "shelter.leave (TUR 0.5", "shelter.distance_decay (3",
                  "does not cover it"):  # fmt: skip
        assert words in flagged[0], words
    assert "shelter.outside_option" not in flagged[0]  # unchanged: not named
    assert not any("keeps those values" in t for t in text)
    sec = _section(memo_html([other], figures=figures))
    assert flagged[0] in sec.text


def test_text_from_the_file_is_escaped(result, figures):
    val = bundled_validation()
    bt = val.backtests["refugees_by_host"]
    bad = dataclasses.replace(bt, notes=["<b>x</b> & <script>"])
    val = dataclasses.replace(val, backtests={**val.backtests, "refugees_by_host": bad},
                              params_source="<i>mine</i>")  # fmt: skip
    page = memo_html([result], figures=figures, validation=val)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "<i>mine</i>" not in page and "&lt;i&gt;mine&lt;/i&gt;" in page


def test_pdf_has_a_bookmarked_page_with_the_section(result, figures, tmp_path):
    path = memo_pdf([result], tmp_path / "m.pdf", figures=figures, dpi=30)
    reader = PdfReader(path)
    titles = [o.title for o in reader.outline]
    assert titles[-2:] == [HEADING, "Sources and licences"]
    start = reader.get_destination_page_number(reader.outline[-2])
    end = reader.get_destination_page_number(reader.outline[-1])
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert HEADING in texts[start]
    section = " ".join(texts[start:end])
    doc = data.validation()
    for name in BACKTESTS:
        assert f"{name} compares" in section
        for period in ("train", "test"):
            assert metric_text(doc[name]["metrics"][period]["ard"]) in section
        for limit in LIMITS[name]:
            assert " ".join(limit.split()) in section, limit
    assert "validation of the default parameters" in section
    sources = " ".join(texts[end:])
    assert "UNHCR Refugee Data Finder" in sources and "CCCM Cluster" in sources
