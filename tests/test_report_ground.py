"""The memo says who holds the ground, whose violence the zones guard against, deaths averted.

Issue 18: a zone holding ground of one of its own threat actors is flagged in
words; the assumptions table names the threat actors, the control snapshot,
the crossing penalty and each zone's protection with its reason.
"""

from __future__ import annotations

import dataclasses
import re
import types
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from pypdf import PdfReader

from control_result import control_result
from safezones._text import people
from safezones.defaults import PROTECTION_REASONS
from safezones.report import key_parameters, memo_html, memo_pdf, score_table
from safezones.report.content import REASON_CHARS, ground_table, ground_text
from safezones.viz.format import control_flags

# ---------------------------------------------------------------- the flag sentence


def _toy(pop, area, actors=("government",), control=None):
    pz = pd.DataFrame({"name": ["Lebanese border, 30 km"]})
    for a in ("government", "opposition", "islamic_state", "kurds", "unknown"):
        pz[f"share_population_{a}"] = [pop.get(a, 0.0)]
        pz[f"share_area_{a}"] = [area.get(a, 0.0)]
    control = control or {"source": "bundled", "snapshot": "2015"}
    return types.SimpleNamespace(
        per_zone=pz, provenance={"threat": {"actors": list(actors)}, "control": control}
    )


def test_a_zone_on_its_threat_actors_ground_is_flagged_in_these_words():
    r = _toy({"government": 0.855, "opposition": 0.145}, {"government": 0.71})
    assert control_flags(r) == [
        "Lebanese border, 30 km: 86 % of the zone's population lives on government-held "
        "ground (71 % of its area) at the late-2014 snapshot (Syria Conflict Mapping Project)."
    ]


def test_flags_name_every_threat_actor_above_the_threshold_only():
    r = _toy(
        {"government": 0.05, "islamic_state": 0.06, "opposition": 0.89},
        {"government": 0.05, "islamic_state": 0.0, "kurds": 0.5},
        actors=("government", "islamic_state"),
        control={"source": "bundled", "snapshot": "2014"},
    )
    # government at exactly 5 %: not above; IS at 6 % of people; kurds and the opposition
    # hold ground but are no threat actors here
    assert control_flags(r) == [
        "Lebanese border, 30 km: 6 % of the zone's population lives on IS-held ground "
        "(0 % of its area) at the early-2014 snapshot (Syria Conflict Mapping Project)."
    ]
    assert control_flags(r, threshold=0.04)[0].startswith(
        "Lebanese border, 30 km: 5 % of the zone's population lives on government-held"
    )
    no_control = types.SimpleNamespace(per_zone=r.per_zone, provenance={"threat": {}})
    assert control_flags(no_control) == []


def test_a_user_layer_is_cited_by_its_label_and_date():
    r = _toy({"kurds": 0.5}, {"kurds": 0.4}, actors=("kurds",),
             control={"source": "lines.gpkg", "snapshot": "2016-03-01",
                      "label": "control file lines.gpkg"})  # fmt: skip
    assert control_flags(r) == [
        "Lebanese border, 30 km: 50 % of the zone's population lives on Kurdish-held ground "
        "(40 % of its area) at the 2016-03-01 snapshot (control file lines.gpkg)."
    ]


# ---------------------------------------------------------------- the memo's tables


@pytest.fixture(scope="module")
def result():
    return control_result()


def test_assumptions_name_threat_actors_snapshot_penalty_and_each_zones_protection(result):
    kp = key_parameters(result).set_index("parameter")
    assert kp.loc["threat actors (whose violence the zones guard against)", "value"] == (
        "Government"
    )
    assert kp.loc["territorial control", "value"] == (
        "Syria Conflict Mapping Project (The Carter Center), late 2014 snapshot"
    )
    assert "Carter Center" in kp.loc["territorial control", "source"]
    assert kp.loc["front-line crossing penalty", "value"] == (
        "20 km per change of controlling actor (± 50%)"
    )
    lebanon = kp.loc["protection, Lebanese border, 30 km"]
    assert lebanon["value"] == "Government 0.2 ± 0.2"
    assert lebanon["source"].startswith("assumption: Lebanon's army could not deter")
    # a bundled reason is shown whole: a reader sees no sentence cut off
    turkey = kp.loc["protection, Turkish border, 30 km", "source"]
    assert turkey == PROTECTION_REASONS["TUR"]
    assert "protection by zone kind" not in kp.index


def test_a_long_reason_of_a_users_is_shortened_at_a_word(result):
    threat = result.provenance["threat"]
    zid = next(iter(threat["protection"]))
    long = "assumption: " + "the neighbour deters aircraft " * 20
    prov = {
        **result.provenance,
        "threat": {**threat, "protection_source": {**threat["protection_source"], zid: long}},
    }
    r = dataclasses.replace(result, provenance=prov)  # fmt: skip
    name = dict(zip(r.per_zone["zone_id"], r.per_zone["name"], strict=True))[zid]
    shown = key_parameters(r).set_index("parameter").loc[f"protection, {name}", "source"]
    assert len(long) > REASON_CHARS >= len(shown) and shown.endswith(" …")
    kept = shown.removesuffix(" …")
    assert long.startswith(kept) and long[len(kept)] == " "  # cut between two words


def test_a_window_without_its_own_snapshot_says_which_stands_in(result):
    note = "the window ends on 2019-12-31, 5 years after the latest control snapshot"
    prov = {**result.provenance, "control": {**result.provenance["control"], "note": note}}
    r = dataclasses.replace(result, provenance=prov)
    assert (
        key_parameters(r)
        .set_index("parameter")
        .loc["territorial control", "value"]
        .endswith(f"late 2014 snapshot; {note}")
    )
    assert f"Snapshot: {note}." in ground_text(r)[0]


def test_ground_text_says_in_words_whom_the_zones_guard_against_and_how_they_were_cut(result):
    intro = ground_text(result)[0]
    assert intro.startswith(
        "Control: Syria Conflict Mapping Project (The Carter Center), late 2014 snapshot; land "
        "more than 10 km from any mapped community counts as held by no known actor."
    )
    assert intro.endswith(
        " These zones have more than 5 % of their population or land on ground held by the "
        "government, whose violence the zones guard against (5 % is an assumed threshold):"
    )
    assert "area kept" not in ground_table(result).columns  # nothing was cut
    control = {**result.provenance["control"], "exclude_held_by": ["government", "islamic_state"]}
    pz = result.per_zone.assign(
        share_population_government=0.0, share_area_government=0.0,
        area_before_cut_km2=result.per_zone["area_km2"] * 2,
    )  # fmt: skip
    cut = dataclasses.replace(result, per_zone=pz,
                              provenance={**result.provenance, "control": control})  # fmt: skip
    (text,) = ground_text(cut)
    assert text.endswith(
        " Each zone is cut to the land held by neither the government nor Islamic State. No "
        "zone has more than 5 % of its population or land on ground held by the government, "
        "whose violence the zones guard against."
    )
    table = ground_table(cut)
    assert list(table.columns) == ["zone", "largest holder", "Government", "Opposition",
        "Islamic State", "Kurdish forces", "Unknown", "area kept"]  # fmt: skip
    assert set(table["area kept"]) == {"50 %"}


def test_score_table_has_the_deaths_averted_row(result):
    t = score_table(result).set_index("metric")
    row = t.loc["deaths_averted"]
    assert [people(result.totals.loc["deaths_averted", q]) for q in ("p5", "p50", "p95")] == [
        row.P5,
        row.P50,
        row.P95,
    ]
    assert "civilian deaths per year" in row.meaning
    # deaths are no people: the unit column says so, and people elsewhere
    assert row.unit == "civilian deaths per year"
    assert set(t.drop(index="deaths_averted").unit) == {"people"}


# ---------------------------------------------------------------- the memo itself


class _Memo(HTMLParser):
    """The memo's h3 headings, the flags list, the paragraphs and the table rows, as text."""

    def __init__(self):
        super().__init__()
        self.h3, self.flags, self.paragraphs, self.rows = [], [], [], []
        self._tag, self._in_flags, self._row, self._cell = None, False, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "ul" and ("class", "flags") in attrs:
            self._in_flags = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""
        self._tag = tag
        if tag in ("h3", "li", "p"):
            self._text = ""

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_flags = False
        elif tag == "h3":
            self.h3.append(self._text)
        elif tag == "li" and self._in_flags:
            self.flags.append(self._text)
        elif tag == "p":
            self.paragraphs.append(self._text)
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if hasattr(self, "_text"):
            self._text += data


@pytest.fixture(scope="module")
def figures(result):
    fig = plt.figure(figsize=(2, 1))  # the maps are tested elsewhere: a blank stands in
    yield {f"{result.scenario.id}-map": fig, "comparison-chart": fig}
    plt.close(fig)


def test_memo_html_holds_the_flags_and_the_deaths_row(result, figures):
    page = _Memo()
    page.feed(memo_html([result], figures=figures))
    assert "Who holds the ground" in page.h3
    flags = control_flags(result)
    lebanon = [f for f in flags if f.startswith("Lebanese border, 30 km: ")]
    assert lebanon and "government-held ground" in lebanon[0]
    assert page.flags == flags
    intro = next(p for p in page.paragraphs if p.startswith("Control: Syria Conflict"))
    assert intro == ground_text(result)[0]
    deaths = [r for r in page.rows if r and r[0] == "deaths_averted"]
    assert len(deaths) == 1
    assert deaths[0][2] == people(result.totals.loc["deaths_averted", "p50"])
    header = next(r for r in page.rows if r and r[0] == "scenario")
    assert "civilian deaths averted per year" in header
    row = next(r for r in page.rows if r and r[0] == result.scenario.id)
    assert header[-1] == "area kept" and row[-1] == "not cut"  # no "100 %" where no cut was made
    shares = next(r for r in page.rows if r and r[0] == "Lebanese border, 30 km")
    assert shares[1] == "Government"  # held mostly by


def test_memo_escapes_zone_names_in_the_flags(result, figures):
    pz = result.per_zone.assign(name=["<b>T</b>", "J", "L&L"])
    page = memo_html([dataclasses.replace(result, per_zone=pz)], figures=figures)
    assert "<b>T</b>" not in page and "&lt;b&gt;T&lt;/b&gt;" in page
    assert re.search(r"<li>L&amp;L: \d+ % of the zone", page)


def test_memo_pdf_holds_the_flags(result, figures, tmp_path):
    path = memo_pdf([result], tmp_path / "m.pdf", figures=figures, dpi=30)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
    assert "Who holds the ground" in text
    for flag in control_flags(result):
        assert flag.removeprefix("• ") in text.replace("• ", ""), flag
    assert "deaths_averted" in text
    # columns are as wide as their longest word: no header is broken inside a word
    for words in (
        "displaced",
        "residents protected",
        "civilian deaths averted per year",
        "largest holder",
        "Government",
        "Opposition",
        "area kept",
    ):
        assert words in text, words  # fmt: skip
