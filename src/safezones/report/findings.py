"""What a memo says of one scenario in words: who is sheltered, what binds, what it needs, what moves it.

Each function returns plain sentences or a small table from a
:class:`~safezones.model.result.ScenarioResult`; :mod:`safezones.report.page`
and :mod:`safezones.report.pdf` lay them out. Every number is the run's own
(P50 with P5 to P95 over its draws).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from safezones._text import people
from safezones.model.needs import needs_totals

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult

__all__ = [
    "binding_text",
    "headline_text",
    "memo_sensitivity",
    "needs_text",
    "paragraphs",
    "sensitivity_table",
    "sensitivity_text",
]

#: Inputs a memo names at most in "Which assumption moves the answer".
TOP_INPUTS = 5


def _band(result: ScenarioResult, metric: str) -> str:
    lo, mid, hi = _q(result, metric)
    return f"{people(mid)} (P5 {people(lo)} to P95 {people(hi)})"


def _q(result: ScenarioResult, metric: str) -> tuple[float, float, float]:
    v = np.asarray(result.totals.loc[metric, ["p5", "p50", "p95"]], dtype=float).ravel()
    return float(v[0]), float(v[1]), float(v[2])


def headline_text(result: ScenarioResult) -> str:
    """Return the headline: arrivals first, the displaced within, and both allocations.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> q = ["p5", "p50", "p95"]
    >>> t = pd.DataFrame([[8e4, 1e5, 2e5], [5e4, 6e4, 7e4], [1.3e5, 1.6e5, 2.7e5],
    ...                   [3e5, 4e5, 5e5], [1e6, 1.2e6, 1.4e6]], columns=q,
    ...     index=["arrivals", "displaced_within", "sheltered", "sheltered_optimal", "displaced"])
    >>> print(headline_text(SimpleNamespace(totals=t)))  # doctest: +NORMALIZE_WHITESPACE
    100,000 (P5 80,000 to P95 200,000) displaced people would arrive in the zones from outside
    them, and 60,000 (P5 50,000 to P95 70,000) displaced people whose homes are in the zones would
    stay: 160,000 (P5 130,000 to P95 270,000) sheltered of 1.20 M displaced, by the behavioural
    estimate (people choose zones by room, safety and distance). The upper bound, if every
    displaced person within reach went where there is room, is 400,000 (P5 300,000 to P95
    500,000).
    """
    t = result.totals
    text = (
        f"{_band(result, 'arrivals')} displaced people would arrive in the zones from outside "
        f"them, and {_band(result, 'displaced_within')} displaced people whose homes are in the "
        f"zones would stay: {_band(result, 'sheltered')} sheltered of "
        f"{people(_q(result, 'displaced')[1])} displaced, by the behavioural estimate "
        "(people choose zones by room, safety and distance)."
    )
    if "sheltered_optimal" in t.index:
        text += (
            " The upper bound, if every displaced person within reach went where there is "
            f"room, is {_band(result, 'sheltered_optimal')}."
        )
    return text


def binding_text(result: ScenarioResult) -> list[str]:
    """Return, per zone, what limits it; where capacity binds, say the number is the assumption.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> pz = pd.DataFrame({"zone_id": ["a", "b"], "binding": ["capacity", "reach"],
    ...     "binding_share": [0.9, 0.6], "sheltered_p50": [5e5, 1e4],
    ...     "capacity_rule": ["1% of 2,000 km² usable, at 40 m² per person: 500,000 people", ""]})
    >>> for s in binding_text(SimpleNamespace(per_zone=pz)):
    ...     print(s)  # doctest: +NORMALIZE_WHITESPACE
    a: capacity binds in 90 % of the draws, so its 500,000 sheltered are the usable-land
    assumption, not a finding: 1% of 2,000 km² usable, at 40 m² per person: 500,000 people.
    b: reach binds in 60 % of the draws: fewer displaced people live within reach than it could host.
    """
    pz = result.per_zone
    if "binding" not in pz.columns:
        return []
    out = []
    for _, r in pz.iterrows():
        share = f"{float(r['binding_share']):.0%}".replace("%", " %")
        head = f"{r.get('name', r['zone_id'])}: {r['binding']} binds in {share} of the draws"
        if r["binding"] == "capacity":
            out.append(
                f"{head}, so its {people(float(r['sheltered_p50']))} sheltered are the "
                f"usable-land assumption, not a finding: {r['capacity_rule']}."
            )
        elif r["binding"] == "reach":
            out.append(f"{head}: fewer displaced people live within reach than it could host.")
        else:
            out.append(
                f"{head}: enough displaced people live within reach, but most choose another "
                "zone, or stay, or leave Syria (the gravity allocation's outside option)."
            )
    return out


def needs_text(result: ScenarioResult) -> str:
    """Return the minimum needs of the people sheltered, summed over zones, with the standard."""
    sheltered = np.asarray(getattr(result, "detail", {}).get("sheltered", []), dtype=float)
    if sheltered.ndim != 2:
        return ""
    nd = result.scenario.needs
    total = {k: float(v["p50"]) for k, v in needs_totals(sheltered, nd).items()}
    return (
        f"Minimum needs of the people sheltered (P50 of their total over the zones, as "
        "summary.json gives it): "
        f"{total['water_litres_per_day'] / 1e6:,.2f} million litres of water a day, "
        f"{total['latrines']:,.0f} latrines and {total['covered_area_m2'] / 1e6:,.2f} km² of "
        f"covered living space, at {nd.water_litres_per_person_day:g} litres a person a day, "
        f"one latrine per {nd.people_per_latrine:g} people and {nd.covered_m2_per_person:g} m² "
        "a person (Sphere Handbook 2018 minimums unless the scenario sets [needs])."
    )


def sensitivity_table(result: ScenarioResult, *, metric: str = "sheltered") -> pd.DataFrame:
    """Return the drawn inputs that move ``metric`` most: assumption, S1 (± 95 % interval).

    Empty when the result kept no inputs or has fewer than 20 draws.
    """
    from safezones.errors import SafeZonesError
    from safezones.sweep.analysis import draw_sensitivity

    inputs = getattr(result, "inputs", None)
    if inputs is None:
        return pd.DataFrame(columns=["assumption", "share of the variance (S1)"])
    try:
        s = draw_sensitivity(inputs, result.samples, metric=metric)
    except SafeZonesError:
        return pd.DataFrame(columns=["assumption", "share of the variance (S1)"])
    top = s.head(TOP_INPUTS)
    return pd.DataFrame({
        "assumption": top["label"].to_numpy(),
        "share of the variance (S1)": [f"{v:.0%} ± {c:.0%}".replace("%", " %")
                                       for v, c in zip(top["S1"], top["S1_conf"], strict=True)],
    })  # fmt: skip


def sensitivity_text(result: ScenarioResult, table: pd.DataFrame) -> str:
    """Return the sentence above the sensitivity table: how it was computed, what leads."""
    n = result.provenance.get("draws", len(result.samples))
    if table.empty:
        return (f"Which assumption moves the answer needs at least 20 draws with their inputs; "
                f"this run has {n}.")  # fmt: skip
    lead = table.iloc[0]
    return (
        f"Over this run's {n:,} draws, {lead['assumption']} alone explains "
        f"{lead['share of the variance (S1)']} of the variance of people sheltered "
        "(first-order index from the draws: SALib's delta method, Plischke, Borgonovo and "
        "Smith 2013). Structural assumptions (usable land, site area, reach, hazard "
        "thresholds, the gravity decay and the outside option) are drawn with the others, "
        "each over its sourced range."
    )


def paragraphs(result: ScenarioResult) -> list[str]:
    """Return what binds each zone and the minimum needs, as the memo's paragraphs after the headline."""
    return [t for t in (*binding_text(result), needs_text(result)) if t]


def memo_sensitivity(results: Sequence[ScenarioResult]) -> dict[str, pd.DataFrame]:
    """Return each result's :func:`sensitivity_table` by scenario id (computed once per memo)."""
    return {r.scenario.id: sensitivity_table(r) for r in results}
