"""What a memo says in words: who is sheltered, what binds, what moves it, how the model did.

Each function returns plain sentences or a small table from a
:class:`~safezones.model.result.ScenarioResult`; :mod:`safezones.report.page`
and :mod:`safezones.report.pdf` lay them out. Every number is the run's own
(P50 with P5 to P95 over its draws), except those of the section "How well does the
model reproduce 2012-2019?" (:func:`validation_text` and the functions after it): the
bundled backtests of the default parameters
(:func:`safezones.validate.backtest.bundled_validation`), read, not rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from safezones import data
from safezones._text import people
from safezones.defaults import LEAVE_DESTINATIONS
from safezones.model.needs import needs_totals
from safezones.validate.backtest import BACKTESTS, LIMITS, SPLITS
from safezones.validate.metrics import METRICS
from safezones.viz.format import metric_text

if TYPE_CHECKING:
    from safezones.model.result import ScenarioResult
    from safezones.validate.backtest import Validation

__all__ = [
    "VALIDATED",
    "VALIDATION_HEADING",
    "binding_text",
    "headline_text",
    "memo_sensitivity",
    "needs_text",
    "paragraphs",
    "sensitivity_table",
    "sensitivity_text",
    "validation_backtests",
    "validation_differences",
    "validation_limits",
    "validation_sources",
    "validation_table",
    "validation_text",
]

#: The section's heading, in the HTML and the PDF.
VALIDATION_HEADING = "How well does the model reproduce 2012-2019?"

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


# ---------------------------------------------------------------- validation against the record

#: Scenario settings the bundled backtests fixed, with the field of
#: :class:`~safezones.validate.history.Params` that holds each value they ran with.
VALIDATED: dict[str, str] = {
    "demand.rates": "rates",
    "shelter.leave": "attract",
    "shelter.distance_decay": "decay",
    "shelter.outside_option": "stay",
    "shelter.border_decay": "border_decay",
}
#: Who to credit for each bundled observed file (its publisher, as its manifest names it).
OBSERVED_ATTRIBUTION: dict[str, str] = {
    "unhcr_syrian_refugees_by_host_2011_2014.csv": "UNHCR Refugee Data Finder",
    "ocha_idp_movements_by_governorate_2016_2018.csv": "UN OCHA Turkey",
    "cccm_nw_syria_sites_2017_2019.csv": "CCCM Cluster, Syria cross-border operation (ISIMM)",
}


def _years(years: Sequence[int]) -> str:
    """Return years as a span ("2012-2013") when they run on, else listed."""
    ys = sorted(set(years))
    if not ys:
        return "none"
    if ys == list(range(ys[0], ys[-1] + 1)) and len(ys) > 1:
        return f"{ys[0]}-{ys[-1]}"
    return ", ".join(map(str, ys))


def _period_years(name: str, metrics: Mapping[str, object]) -> dict[str, str]:
    """Return the training and test years of backtest ``name`` that its metrics scored."""
    scored = [int(k) for k in metrics if str(k).isdigit()]
    train = [y for y in scored if y in SPLITS[name]["train"]]
    test = [y for y in scored if y > max(SPLITS[name]["train"])]
    return {"train": _years(train), "test": _years(test)}


def validation_table(val: Validation) -> pd.DataFrame:
    """Return the section's metrics: one row per backtest and period (train, test), as text.

    Columns: ``backtest``, ``period``, ``years``, ``units compared``, ``ARD``,
    ``Spearman``, ``inside P5-P95`` (:data:`safezones.validate.metrics.METRICS`),
    each metric as :func:`safezones.viz.format.metric_text` writes it.
    """
    rows = []
    for name in (n for n in BACKTESTS if n in val.backtests):
        m = val.backtests[name].metrics
        years = _period_years(name, m)
        for period in ("train", "test"):
            got = m.get(period) or {}
            rows.append({
                "backtest": name, "period": period, "years": years[period],
                "units compared": f"{int(got['units']):,}" if got.get("units") is not None else "0",
                "ARD": metric_text(got.get("ard")),
                "Spearman": metric_text(got.get("spearman")),
                "inside P5-P95": metric_text(got.get("coverage"), share=True),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=["backtest", "period", "years", "units compared", "ARD",
                                       "Spearman", "inside P5-P95"])  # fmt: skip


def _scenario_value(result: ScenarioResult, key: str) -> tuple[float, ...] | None:
    """Return a scenario's value of a :data:`VALIDATED` setting (None where it plays no part)."""
    sc = result.scenario
    if key == "demand.rates":
        return tuple(sc.demand.rates) if sc.demand.mode == "hazard" else None
    if key == "shelter.leave":
        return tuple(float(getattr(sc.shelter.leave, c)) for c in LEAVE_DESTINATIONS)
    return (float(getattr(sc.shelter, key.split(".", 1)[1])),)


def _shown(key: str, values: Sequence[float]) -> str:
    if key == "shelter.leave":
        return ", ".join(f"{c} {v:g}" for c, v in zip(LEAVE_DESTINATIONS, values, strict=True))
    return " / ".join(f"{v:g}" for v in values)


def validation_differences(val: Validation, results: Sequence[ScenarioResult]) -> list[str]:
    """Return, per scenario whose settings differ from the validated ones, a sentence naming them."""
    out = []
    for r in results:
        changed = []
        for key, field in VALIDATED.items():
            mine = _scenario_value(r, key)
            ran = np.atleast_1d(np.asarray(getattr(val.params, field), dtype=float))
            if mine is None or (len(mine) == len(ran) and np.allclose(mine, ran, rtol=1e-9)):
                continue
            changed.append(f"{key} ({_shown(key, mine)}; validated: {_shown(key, tuple(ran))})")
        if changed:
            out.append(f"{r.scenario.title} ({r.scenario.id}) changes {'; '.join(changed)}: the "
                       "validation below does not cover it with these settings.")  # fmt: skip
    return out


#: What each :data:`VALIDATED` setting is, in words.
_SETTING_WORDS = {
    "demand.rates": "the displacement rates",
    "shelter.leave": "the leave weights",
    "shelter.distance_decay": "the gravity decay",
    "shelter.outside_option": "the stay weight",
    "shelter.border_decay": "the border decay",
}
#: The metrics' names as the section's table heads them.
_METRIC_HEADS = {"ard": "ARD", "spearman": "Spearman", "coverage": "inside P5-P95"}


def validation_text(val: Validation, results: Sequence[ScenarioResult]) -> list[str]:
    """Return the section's opening paragraphs: what was validated, how, and what it covers.

    The last but one names, per scenario, each :data:`VALIDATED` setting it changes
    (:func:`validation_differences`), or says that every scenario keeps them.
    """
    intro = (
        "This is the validation of the default parameters, not of this memo's runs: the "
        "backtests bundled with safezones (data/validation.json, written by "
        f"scripts/calibrate.py; {val.draws:,} Monte Carlo draws, seed {val.seed}; parameters: "
        f"{val.params_source}), read for the memo, not rerun. The model runs on the record's "
        "yearly strike windows, with no safe zone but the de-facto refuge of the north-west "
        "border camps, and the people it sends abroad, moves within Syria or brings to those "
        "camps are set against what UNHCR, OCHA and the CCCM Cluster counted. Training years "
        "are those calibration saw; test years are later ones it did not. No zone of this "
        "memo existed then, so none of them is tested here."
    )
    settings = [f"{_SETTING_WORDS[k]} ({k})" for k in VALIDATED]
    cover = (
        "The validation holds for the values it ran with; a scenario that changes "
        f"{', '.join(settings[:-1])} or {settings[-1]} is not covered by it."
    )
    diffs = validation_differences(val, results)
    if not diffs:
        cover += " Every scenario in this memo keeps those values."
    defs = (
        "Units compared are host-country-years, governorate-years or district-months. "
        + "; ".join(f"{_METRIC_HEADS.get(k, k)}: {v}" for k, v in METRICS.items())
        + "."
    )
    return [intro, cover, *diffs, defs]


def validation_backtests(val: Validation) -> list[tuple[str, str]]:
    """Return one sentence per backtest: what it compares and how close it came, by name."""
    out = []
    for name in (n for n in BACKTESTS if n in val.backtests):
        m = val.backtests[name].metrics
        years = _period_years(name, m)
        got = {p: metric_text((m.get(p) or {}).get("ard")) for p in ("train", "test")}
        out.append((name, (
            f"{name} compares {BACKTESTS[name]}; ARD {got['train']} over the training years "
            f"({years['train']}) and {got['test']} over the test years ({years['test']})."
        )))  # fmt: skip
    return out


def validation_limits(val: Validation) -> dict[str, list[str]]:
    """Return, per backtest, what it can and cannot show, then its file's notes and skips."""

    def end(t: str) -> str:  # the files' notes and skips are written without a full stop
        t = t.strip()
        return t if t.endswith((".", "!", "?")) else f"{t}."

    return {name: [end(t) for t in (*LIMITS[name], *val.backtests[name].notes,
                                    *val.backtests[name].skipped)]
            for name in BACKTESTS if name in val.backtests}  # fmt: skip


def validation_sources(val: Validation) -> pd.DataFrame:
    """Return the observed files the validation compared with, as the memo's sources table has them."""
    manifest = data.observed_sources()
    rows = []
    for name, bt in val.backtests.items():
        file = bt.source.removeprefix("bundled ").strip()
        meta = manifest.get(file, {})
        sha = bt.sha256 or str(meta.get("sha256", ""))
        rows.append({
            "dataset": f"observed, {name} (validation)",
            "attribution": OBSERVED_ATTRIBUTION.get(file, str(meta.get("source", bt.source))),
            "licence": str(meta.get("licence", "see file")),
            "source": f"{meta.get('source', bt.source)}; {meta.get('what', file)}"
                      + (f"; SHA-256 {sha[:12]}" if sha else ""),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["dataset", "attribution", "licence", "source"])
