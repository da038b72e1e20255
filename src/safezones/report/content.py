"""What the memo says, as tables and sentences: scores, assumptions, who holds the ground, sources.

The HTML page (:mod:`safezones.report.page`) and the PDF
(:mod:`safezones.report.pdf`) lay out the same content; every text here is
plain (user text unescaped), escaped where it lands.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from safezones import data
from safezones._plural import plural
from safezones._text import MAX_TITLE_CHARS, check_length, people
from safezones._version import __version__
from safezones.config.sources import parameter_sources
from safezones.defaults import CONTROL_FLAG_SHARE, SOURCES
from safezones.errors import SafeZonesError
from safezones.export.comparison import actor_words, not_held_by
from safezones.model.comparison import comparison_table
from safezones.model.result import ScenarioResult
from safezones.schema import ACTORS
from safezones.viz.format import (
    ACTOR_LABELS,
    METRIC_NOTES,
    control_flags,
    control_source,
    percent,
    window_label,
)

__all__ = [
    "REASON_CHARS",
    "comparison_rows",
    "dataset_table",
    "default_title",
    "ground_caption",
    "ground_table",
    "ground_text",
    "key_parameters",
    "memo_results",
    "memo_title",
    "meta_line",
    "method_note",
    "reading_note",
    "score_table",
]

#: Longest reason of a protection the assumptions table shows (the full one is in
#: summary.json ``threat.protection_source``): the bundled reasons (at most about 230
#: characters) are shown whole; a longer one of a user's is shortened at a word.
REASON_CHARS = 320


def memo_results(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult],
) -> list[ScenarioResult]:
    """Return the results of a memo as a list; refuse none, other objects and repeated ids."""
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
    """Return the score as a memo shows it: one row per metric, P5/P50/P95, and its meaning.

    Before ``residents_protected`` comes ``population``, everyone living in
    the zones (from the result's draws), so that the two are read together.
    ``unit`` says what the figures count: people, but civilian deaths per year
    for ``deaths_averted``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"p5": [1e6], "p50": [1.5e6], "p95": [2e6]}, index=["sheltered"])
    >>> score_table(SimpleNamespace(totals=t)).iloc[0].tolist()[:5]
    ['sheltered', '1.00 M', '1.50 M', '2.00 M', 'people']
    """
    rows = []
    pop = np.asarray(getattr(result, "detail", {}).get("population_total", []), dtype=float)
    for m in result.totals.index:
        if m == "residents_protected" and len(pop):
            lo, mid, hi = np.percentile(pop, [5, 50, 95])
            rows.append({"metric": "population", "P5": people(lo), "P50": people(mid),
                         "P95": people(hi), "unit": "people",
                         "meaning": METRIC_NOTES["population"]})  # fmt: skip
        r = result.totals.loc[m]
        rows.append(
            {
                "metric": str(m),
                "P5": people(float(r["p5"])),
                "P50": people(float(r["p50"])),
                "P95": people(float(r["p95"])),
                "unit": _UNITS.get(str(m), "people"),
                "meaning": METRIC_NOTES.get(str(m), ""),
            }
        )
    return pd.DataFrame(rows)


#: What a metric counts, where it is not people.
_UNITS = {"deaths_averted": "civilian deaths per year"}


def _actors(names: Sequence[str]) -> str:
    return ", ".join(ACTOR_LABELS.get(a, a) for a in names)


def _control_rows(
    result: ScenarioResult, src: Mapping[str, dict[str, object]]
) -> list[tuple[str, str, str]]:
    """Return the assumptions rows of threat, control, the crossing penalty and protection.

    ``src`` is :func:`~safezones.config.sources.parameter_sources` of the scenario.
    """
    sc, prov = result.scenario, result.provenance
    threat = prov.get("threat") or {}
    actors = list(threat.get("actors") or sc.threat.names())
    rows = [
        (
            "threat actors (whose violence the zones guard against)",
            "all actors" if sc.threat.actors == "all" else _actors(actors),
            _source(src, "threat.actors"),
        )
    ]
    control = prov.get("control")
    if control:
        value = control_source(result).removeprefix("Control: ")
        if control.get("note"):
            value += f"; {control['note']}"
        rows.append(
            (
                "territorial control",
                value,
                _source(src, "control.source"),
            )
        )
        rows.append(
            (
                "control surface reach",
                f"{float(control.get('max_distance_km', 0)):g} km from a community, else unknown",
                _source(src, "control.max_distance_km"),
            )
        )
        if control.get("exclude_held_by"):
            rows.append(
                (
                    "zones cut to land not held by",
                    _actors(control["exclude_held_by"]),
                    _source(src, "control.exclude_held_by"),
                )
            )
    sh, un = sc.shelter, sc.uncertainty
    rows.append(
        (
            "front-line crossing penalty",
            f"{sh.crossing_penalty_km:g} km per change of controlling actor "
            f"(± {un.crossing_penalty_spread:.0%})",
            _source(src, "shelter.crossing_penalty_km"),
        )
    )
    by_zone = threat.get("protection") or {}
    reasons = threat.get("protection_source") or {}
    combined = dict(zip(result.per_zone["zone_id"], result.per_zone["protection"], strict=True))
    names = dict(zip(result.per_zone["zone_id"], result.per_zone["name"], strict=True))
    for zid, values in by_zone.items():
        shown = ", ".join(f"{ACTOR_LABELS.get(a, a)} {float(v):.1f}" for a, v in values.items())
        if len(values) > 1 and zid in combined:
            shown += f" (combined {float(combined[zid]):.2f})"
        reason = textwrap.shorten(str(reasons.get(zid, "")), REASON_CHARS, placeholder=" …")
        rows.append(
            (
                f"protection, {names.get(zid, zid)}",
                f"{shown} ± {un.protection_spread:.1f}",
                reason
                or str(src.get(f"zones.{zid}.protection", {}).get("source") or "")
                or SOURCES["shelter.protection"],
            )
        )
    return rows


def _source(src: Mapping[str, dict[str, object]], key: str) -> str:
    """Return the source of the parameter at ``key`` (:func:`parameter_sources`)."""
    return str(src[key]["source"])


def _range_rows(
    result: ScenarioResult, src: Mapping[str, dict[str, object]]
) -> list[tuple[str, str, str]]:
    """Return the rows of the structural ranges the draws move and the gravity inputs."""
    sc = result.scenario
    sh, dm, un = sc.shelter, sc.demand, sc.uncertainty
    (ulo, uhi), (tlo, thi) = un.usable_fraction_range, un.max_travel_range
    dlo, dhi = max(sh.detour_factor - un.detour_spread, 1.0), sh.detour_factor + un.detour_spread
    dd = un.distance_decay_spread
    olo, ohi = un.outside_option_range
    rows = [
        (
            "usable share of zone land, range in the draws",
            f"{min(ulo, sh.usable_fraction):.1%} to {max(uhi, sh.usable_fraction):.1%}",
            _source(src, "uncertainty.usable_fraction_range"),
        ),
        (
            "longest journey, range in the draws",
            f"×{tlo:g} to ×{thi:g} ({sh.max_travel_km * tlo:g} to {sh.max_travel_km * thi:g} km)",
            _source(src, "uncertainty.max_travel_range"),
        ),
        (
            "detour factor, range in the draws",
            f"{dlo:g} to {dhi:g}",
            _source(src, "uncertainty.detour_spread"),
        ),
    ]
    if dm.mode == "hazard":
        rows.append(
            (
                "hazard class limits, factor in the draws",
                f"×{un.threshold_factor_range[0]:g} to ×{un.threshold_factor_range[1]:g}",
                _source(src, "uncertainty.threshold_factor_range"),
            )
        )
    if not un.structural:
        rows = [
            (
                "structural assumptions",
                "fixed at the scenario's values in the draws",
                _source(src, "uncertainty.structural"),
            )
        ]
    # both allocations are always reported: the gravity inputs matter to every result
    decay = f" ({max(sh.distance_decay - dd, 0.0):g} to {sh.distance_decay + dd:g} in the draws)"
    outside = f" (×{olo:g} to ×{ohi:g} in the draws)"
    on = un.structural
    rows += [
        (
            "gravity distance decay",
            f"{sh.distance_decay:g}{decay if on else ''}",
            _source(src, "shelter.distance_decay")
            + (f"; range: {_source(src, 'uncertainty.distance_decay_spread')}" if on else ""),
        ),
        (
            "gravity outside option (stay or leave Syria)",
            f"{sh.outside_option:g}{outside if on else ''}",
            _source(src, "shelter.outside_option")
            + (f"; range: {_source(src, 'uncertainty.outside_option_range')}" if on else ""),
        ),
    ]
    return rows


def key_parameters(result: ScenarioResult) -> pd.DataFrame:
    """Return the assumptions that drive the score, with their values and sources.

    Returns a table with ``parameter``, ``value`` and ``source`` columns:
    the scenario's own stated assumptions first, then the model's
    parameters, each source from :func:`~safezones.config.sources.parameter_sources`
    (as ``summary.json`` ``parameter_sources`` has it: a citation, an assumption, or
    the scenario): the demand, capacity and reach, the structural ranges the draws
    move, the threat actors, the control snapshot (and why, when the window has none
    of its own), the crossing penalty and each zone's protection against each
    threat actor with its reason (shortened; summary.json has it whole).
    """
    sc = result.scenario
    sh, dm, un = sc.shelter, sc.demand, sc.uncertainty
    src = parameter_sources(sc)
    rows: list[tuple[str, str, str]] = [
        ("stated assumption", a, f"scenario {sc.id}") for a in sc.assumptions
    ]
    win = result.provenance["window"]
    rows.append(
        (
            "strike window",
            window_label(win),
            f"{_source(src, 'events.start')}; events: {_source(src, 'events.source')}",
        )
    )
    if dm.mode == "hazard":
        total = (
            f"{people(dm.national_total)} ± {un.national_total_spread:.0%}"
            if dm.national_total is not None and dm.scale_to_national_total
            else "not scaled"
        )
        rows += [
            ("displaced, national total", total, _source(src, "demand.national_total")),
            (
                "displacement rate by hazard class",
                " / ".join(f"{x:.0%}" for x in dm.rates) + f" ± {un.rate_spread:.0%}",
                _source(src, "demand.rates"),
            ),
            (
                "hazard class limits (events per 1,000 km² per year)",
                " / ".join(f"{x:g}" for x in dm.thresholds),
                _source(src, "demand.thresholds"),
            ),
        ]
    else:
        rows.append(("displaced", f"given by {dm.table}", _source(src, "demand.table")))
    lo, hi = un.site_area_low_m2, un.site_area_high_m2
    rows += [
        (
            "usable share of zone land",
            f"{sh.usable_fraction:.1%}",
            _source(src, "shelter.usable_fraction"),
        ),
        (
            "site area per person",
            f"{lo:g} to {hi:g} m² (central {sh.site_area_per_person_m2:g} m²)",
            f"{lo:g}: {_source(src, 'uncertainty.site_area_low_m2')}; "
            f"{sh.site_area_per_person_m2:g}: {_source(src, 'shelter.site_area_per_person_m2')}; "
            f"{hi:g}: {_source(src, 'uncertainty.site_area_high_m2')}",
        ),
        (
            "longest journey",
            f"{sh.max_travel_km:g} km by road (×{sh.detour_factor:g} detour)",
            f"{_source(src, 'shelter.max_travel_km')}; "
            f"detour {_source(src, 'shelter.detour_factor')}",
        ),
        *_range_rows(result, src),
        *_control_rows(result, src),
        ("allocation", sh.allocation, "optimal: most people sheltered; gravity: behavioural"),
        (
            "Monte Carlo",
            f"{plural(result.provenance['draws'], 'draw')}, seed {result.provenance['seed']}",
            SOURCES["uncertainty"],
        ),
    ]
    return pd.DataFrame(rows, columns=["parameter", "value", "source"])


def ground_text(result: ScenarioResult) -> list[str]:
    """Return the "Who holds the ground" paragraph's sentences, then one flag per zone and actor.

    The first item says where control comes from (and which snapshot stands
    in, when the window has none of its own), how the zones were cut, and
    which zones hold ground of the actors they guard against; the others are
    :func:`safezones.viz.format.control_flags`. Empty when the result has no
    control layer.
    """
    control = result.provenance.get("control")
    if not control:
        return []
    threat = result.provenance.get("threat") or {}
    actors = [a for a in threat.get("actors", ()) if a in ACTORS]
    intro = f"{control_source(result)}; land more than "
    intro += f"{float(control.get('max_distance_km', 0)):g} km from any mapped community "
    intro += "counts as held by no known actor."
    note = str(control.get("note") or "")
    if note:
        intro += f" Snapshot: {note}."
    if control.get("exclude_held_by"):
        intro += f" Each zone is cut to the land {not_held_by(control['exclude_held_by'])}."
    flags = control_flags(result)
    threshold = percent(CONTROL_FLAG_SHARE)
    guarded = f"{actor_words(actors, join='or')}, whose violence the zones guard against"
    if flags:
        intro += (
            f" These zones have more than {threshold} of their population or land on ground "
            f"held by {guarded} ({threshold} is an assumed threshold):"
        )
        return [intro, *flags]
    none = (
        f"No zone has more than {threshold} of its population or land on ground held by {guarded}."
        if actors
        else "The actors the zones guard against hold no ground."
    )
    return [f"{intro} {none}"]


def ground_table(result: ScenarioResult) -> pd.DataFrame:
    """Return each zone's share of population by actor holding the ground (and the area kept).

    Columns: ``zone``, ``largest holder`` (the actor holding the ground of the
    most of its people, not necessarily a majority), one per actor (the share
    of its population on that actor's ground) and, for a scenario whose zones
    were cut (``control.exclude_held_by``), ``area kept``. Empty (no rows) when
    the result has no control shares.
    """
    pz = result.per_zone
    if "actor" not in pz.columns:
        return pd.DataFrame()
    out = pd.DataFrame({"zone": pz["name"].astype(str), "largest holder": [
        ACTOR_LABELS.get(str(a), str(a)) for a in pz["actor"]]})  # fmt: skip
    for a in ACTORS:
        col = f"share_population_{a}"
        if col in pz.columns:
            out[ACTOR_LABELS[a]] = [percent(v) for v in pz[col]]
    cut = bool((result.provenance.get("control") or {}).get("exclude_held_by"))
    if cut and "area_before_cut_km2" in pz.columns:
        before = pz["area_before_cut_km2"].to_numpy(dtype=float)
        after = pz["area_km2"].to_numpy(dtype=float)
        out["area kept"] = [
            percent(a / b) if b > 0 else "n/a" for a, b in zip(after, before, strict=True)
        ]
    return out


def ground_caption(result: ScenarioResult) -> str:
    """Return the line above the ground table: what its percentages are."""
    text = "Share of each zone's population by who holds the ground it lives on"
    if (result.provenance.get("control") or {}).get("exclude_held_by"):
        text += ", and the share of each zone's land the cut kept"
    return text + ":"


def dataset_table(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """Return every dataset the memo's results used, with its attribution, licence and source."""
    prov = data.provenance()
    names = ["countries", "borders", "governorates", "seed_facts"]
    if any(r.provenance.get("control", {}).get("source") == "bundled" for r in results):
        names.append("control")
    if any("threat" in r.provenance for r in results):
        names.append("actor_map")
    used: dict[str, dict[str, str]] = {}
    for name in names:
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


def comparison_rows(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """Return the memo's comparison: one row per scenario, P50s (and deaths averted, area kept).

    ``area kept`` (last) is the share of the zones' land left by the cut to
    ground not held by ``control.exclude_held_by``, and "not cut" for a
    scenario that excludes no one.
    """
    t = comparison_table(results)
    out = pd.DataFrame({"scenario": t["scenario"]})
    out["displaced"] = [people(v) for v in t["displaced_p50"]]
    out["sheltered P50 (P5 to P95)"] = [
        f"{people(m)} ({people(a)} to {people(b)})"
        for m, a, b in zip(t["sheltered_p50"], t["sheltered_p5"], t["sheltered_p95"], strict=True)
    ]
    for col, name in (("arrivals", "of them arrivals"), ("sheltered_optimal", "upper bound")):
        if f"{col}_p50" in t.columns:
            out[name] = [people(v) for v in t[f"{col}_p50"]]
    out["capacity"] = [people(v) for v in t["capacity_p50"]]
    out["residents protected"] = [people(v) for v in t["residents_protected_p50"]]
    out["unmet"] = [people(v) for v in t["unmet_p50"]]
    if "deaths_averted_p50" in t.columns:
        out["civilian deaths averted per year"] = [
            f"{people(m)} ({people(a)} to {people(b)})"
            for m, a, b in zip(
                t["deaths_averted_p50"], t["deaths_averted_p5"], t["deaths_averted_p95"],
                strict=True,
            )
        ]  # fmt: skip
    if "kept" in t.columns:
        cut = {r.scenario.id: bool(r.scenario.control.exclude_held_by) for r in results}
        out["area kept"] = [
            percent(v) if cut.get(str(s), True) else "not cut"
            for s, v in zip(t["scenario"], t["kept"], strict=True)
        ]
    return out


def memo_title(title: str | None, items: Sequence[ScenarioResult]) -> str:
    """Return the memo's heading: ``title`` (at most :data:`MAX_TITLE_CHARS`) or the default one."""
    if title:
        check_length(title, key="title", limit=MAX_TITLE_CHARS)
    return title or default_title(items)


def default_title(items: Sequence[ScenarioResult]) -> str:
    """Return the heading of a memo without a title: its scenario, or how many."""
    if len(items) == 1:
        return f"Safe zones in Syria: {items[0].scenario.title}"
    return f"Safe zones in Syria: {len(items)} scenarios compared"


def meta_line(items: Sequence[ScenarioResult]) -> str:
    """Return the line under the heading: when, which version, draws and seeds."""
    draws = sorted({r.provenance["draws"] for r in items})
    seeds = sorted({r.provenance["seed"] for r in items})
    return (
        f"Generated {dt.date.today().isoformat()} by safezones {__version__}; "
        f"{', '.join(map(str, draws))} Monte Carlo draws, seed {', '.join(map(str, seeds))}. "
        "Figures are P50 with P5 to P95 where a range is given."
    )


def reading_note() -> str:
    """Return how to read the comparison."""
    return (
        "Each row is one scenario. Sheltered counts displaced people that the zones take in "
        "within reach and capacity by the behavioural estimate (people choose zones by room, "
        "safety and distance): arrivals from outside the zones plus the displaced whose homes "
        "are in them; the upper bound is as many as reach and capacity allow. P5 to P95 is the "
        "range over the Monte Carlo draws of the uncertain inputs (population, displacement "
        "rates, national total, protection, the front-line crossing penalty) and of the "
        "structural assumptions (usable land, site area, reach, hazard thresholds, the gravity "
        "model's decay and outside option), each over its sourced range. Capacity rests on an assumed usable "
        "share of each zone's land, so where sheltered equals capacity the answer scales with "
        "that assumption. Civilian deaths averted are deaths per year from the violence of the "
        "actors the zones guard against that their protection would avert (a count of deaths, "
        "not of people sheltered); area kept is the share of the zones' land left after a "
        "scenario cuts them to ground not held by the actors it excludes."
    )


def method_note() -> str:
    """Return the method in a paragraph, closing the memo."""
    return (
        "Method: zones are built in an equal-area projection centred on Syria; the population "
        "of each zone (everyone living there) comes from the population layer, and its "
        "residents protected are those of them not displaced; displacement comes from the "
        "threat actors' strike intensity by district (events attributed to actors from their "
        "UCDP GED dyads), shelter from a capacity- and reach-limited allocation in which each "
        "change of controlling actor on the way costs a crossing penalty; who holds the ground "
        "comes from the Syria Conflict Mapping Project's communities (The Carter Center) or "
        "the scenario's control layer; see each scenario's summary.json and columns.csv, and "
        "the safezones documentation for every parameter."
    )
