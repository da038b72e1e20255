"""The one people formatter of every output (safezones._text.people)."""

from __future__ import annotations

from safezones._text import people


def test_people_format_matches_memo_rules():
    assert [people(v) for v in (1_861_234, 170_400, 9_876, 0)] == [
        "1.86 M",
        "170,000",
        "9,876",
        "0",
    ]


def test_people_agree_at_the_old_thresholds():
    # four formatters once disagreed between 1e5 and 1e6: one rule now
    assert [people(v) for v in (99_999, 100_000, 450_000, 999_499, 1e6)] == [
        "100,000",
        "100,000",
        "450,000",
        "999,000",
        "1.00 M",
    ]
    assert people(float("inf")) == "n/a" and people(-2_500_000) == "-2.50 M"
