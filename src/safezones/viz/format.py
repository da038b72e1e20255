"""How figures word things: labels, the metric names, source lines, colours, text that fits.

Every figure, HTML summary and memo takes its words from here: the label of
each metric (:data:`METRIC_LABELS`), the source line of the datasets shown
(:func:`source_note`, :func:`result_sources`), the disclaimer, the window of a
result (:func:`window_label`), the colours of zone kinds, the actors' names
(:data:`ACTOR_LABELS`, :func:`held_label`) and the sentences that flag a zone
holding ground of its own threat actors (:func:`control_flags`). People are
written by :func:`safezones._text.people`.

Colours are safe for the common forms of colour blindness: zones use the
Okabe-Ito palette.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from safezones.config.scenario import BUNDLED_SNAPSHOTS
from safezones.defaults import CONTROL_FLAG_SHARE
from safezones.errors import SafeZonesError
from safezones.model.metrics import METRICS
from safezones.schema import ACTORS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from safezones.model.result import ScenarioResult

__all__ = [
    "A4_WIDTH_IN",
    "ACTOR_LABELS",
    "CONTROL_SOURCE",
    "DISCLAIMER",
    "KIND_COLOURS",
    "LAND_COLOUR",
    "METRIC_LABELS",
    "METRIC_NOTES",
    "PROJECTION_NOTE",
    "SEA_COLOUR",
    "SEED_COLOUR",
    "as_results",
    "check_choice",
    "column_label",
    "control_flags",
    "control_source",
    "fit_width",
    "held_label",
    "metric_label",
    "metric_text",
    "percent",
    "result_sources",
    "source_note",
    "window_label",
    "wrap",
]

#: Zone colours by kind (Okabe-Ito: blue, orange, bluish green).
KIND_COLOURS = {"refuge": "#0072B2", "freeze": "#E69F00", "safe": "#009E73"}


A4_WIDTH_IN = 8.27


DISCLAIMER = (
    "The boundaries and names shown and the designations used on this map do not "
    "imply official endorsement or acceptance."
)


PROJECTION_NOTE = "Projection: Lambert azimuthal equal-area centred on 35N 38.5E."


SEED_COLOUR = "#D55E00"  # Okabe-Ito vermillion


SEA_COLOUR = "#dbe9f4"


LAND_COLOUR = "#e8e8e8"


_LAYER_ATTRIBUTION = {
    "countries": "countries: Natural Earth (public domain)",
    "borders": "borders: derived from Natural Earth",
    "governorates": "governorates: OCHA, UNCS (CC BY-IGO)",
    "districts": "districts: OCHA, UNCS (CC BY-IGO)",
    "population_grid": "population: OCHA / Syrian CBS pre-war table by 2004 census district "
    "shares, spread with GeoNames (CC BY 4.0) and SCMP communities",
    "places": "places: GeoNames (CC BY 4.0)",
    "events": "events: UCDP GED (CC BY 4.0)",
    "seed_facts": "Raqqa strikes: AFP / SOHR, 2014-11-26",
    "control": "control: Syria Conflict Mapping Project (The Carter Center; Gohdes 2020)",
    "actor_map": "actors of events: UCDP GED dyads (CC BY 4.0), safezones' actor table",
}

#: The bundled control data as sentences cite it (short; the source line says more).
CONTROL_SOURCE = "Syria Conflict Mapping Project"

#: Each actor as legends, tables and sentences name it: the actors who hold ground
#: (:data:`safezones.schema.ACTORS`) and ``other``, the foreign states events are
#: attributed to (:data:`safezones.schema.EVENT_ACTORS`).
ACTOR_LABELS = {
    "government": "Government",
    "opposition": "Opposition",
    "islamic_state": "Islamic State",
    "kurds": "Kurdish forces",
    "unknown": "Unknown",
    "other": "Other (foreign states)",
}
_HELD = {
    "government": "government-held",
    "opposition": "opposition-held",
    "islamic_state": "IS-held",
    "kurds": "Kurdish-held",
    "unknown": "unmapped",
}


#: Each metric as a table or a chart names it, in :data:`METRICS` order.
METRIC_LABELS = {m: m.replace("_", " ") for m in METRICS} | {
    "sheltered_safe": "sheltered (safety-weighted)",
    "deaths_averted": "deaths averted per year",
}

#: What each metric means, as the memo explains it (``population`` is no
#: metric of the score but is reported beside it).
METRIC_NOTES = {
    "displaced": "people displaced in the window (hazard-based, scaled to the national total)",
    "sheltered": "displaced people the zones take in, within reach and capacity, by the "
    "behavioural (gravity) allocation: arrivals plus the displaced within",
    "arrivals": "displaced people who come to a zone from outside it (the headline)",
    "displaced_within": "displaced people whose home is inside a zone and who stay there",
    "sheltered_gravity": "sheltered by the behavioural allocation: people choose zones by "
    "capacity, safety and road distance; the turned-away try their next zone; the rest stay "
    "or leave Syria",
    "sheltered_optimal": "sheltered by the upper bound: as many as reach and capacity allow",
    "population": "everyone living in the zones, before displacement (overlaps counted once)",
    "residents_protected": "people living in the zones who were not displaced",
    "unmet": "displaced people not sheltered: they stay or leave Syria",
    "capacity": "people the zones can host (usable land / site area per person)",
    "sheltered_safe": "sheltered, weighted by each zone's safety from strikes",
    "deaths_averted": "civilian deaths per year the zones' protection would avert from the "
    "threat actors' violence: for residents, their civilian death rate x residents protected "
    "x protection; for arrivals, their origins' rate minus the zone's remaining rate "
    "(UCDP GED civilian deaths)",
}


def metric_text(value: object, *, share: bool = False) -> str:
    """Return a backtest metric as every output writes it: two decimals, or a whole percent.

    "n/a" when absent or undefined (NaN, e.g. Spearman with fewer than three units).

    Examples
    --------
    >>> metric_text(0.4588), metric_text(0.7, share=True), metric_text(None)
    ('0.46', '70 %', 'n/a')
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "n/a"
    v = float(value)
    if v != v:
        return "n/a"
    return percent(v) if share else f"{v:.2f}"


def percent(share: float) -> str:
    """Return a share as the memo and maps write it: a whole percent, with a space.

    Examples
    --------
    >>> percent(0.855), percent(0.0), percent(float("nan"))
    ('86 %', '0 %', 'n/a')
    """
    v = float(share)
    return "n/a" if v != v else f"{round(v * 100):.0f} %"


def held_label(actor: str) -> str:
    """Return the ground an actor holds as an adjective ("government-held", "IS-held").

    Examples
    --------
    >>> held_label("government"), held_label("islamic_state"), held_label("kurds")
    ('government-held', 'IS-held', 'Kurdish-held')
    """
    return _HELD.get(actor, f"{actor.replace('_', ' ')}-held")


def column_label(column: str) -> str:
    """Return the label of a per-zone column; the control shares in words.

    Examples
    --------
    >>> column_label("share_population_islamic_state"), column_label("share_area_unknown")
    ('population share, Islamic State', 'area share, Unknown')
    >>> column_label("deaths_averted_p50")
    'deaths averted per year p50'
    """
    for kind in ("area", "population"):
        prefix = f"share_{kind}_"
        if column.startswith(prefix) and column[len(prefix) :] in ACTOR_LABELS:
            return f"{kind} share, {ACTOR_LABELS[column[len(prefix) :]]}"
    for stem, label in METRIC_LABELS.items():
        if column.startswith(stem + "_") and column[len(stem) + 1 :] in ("p5", "p50", "p95"):
            return f"{label} {column[len(stem) + 1 :]}"
    return metric_label(column)


def _snapshot_words(control: Mapping[str, Any]) -> tuple[str, str]:
    """Return the snapshot as a sentence says it and the source it cites."""
    snap = str(control.get("snapshot", ""))
    if control.get("source", "bundled") == "bundled":
        when = BUNDLED_SNAPSHOTS.get(snap, snap).replace(" ", "-")
        return f"the {when} snapshot", CONTROL_SOURCE
    return f"the {snap} snapshot", str(control.get("label") or control.get("source", ""))


def control_source(result: ScenarioResult) -> str:
    """Return the control layer as a source line names it; "" when the result has none.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> control_source(NS(provenance={"control": {"source": "bundled", "snapshot": "2015"}}))
    'Control: Syria Conflict Mapping Project (The Carter Center), late 2014 snapshot'
    >>> control_source(NS(provenance={"control": {"source": "c.csv", "snapshot": "2014-06-01",
    ...                                           "label": "c.csv, 2014-06-01"}}))
    'Control: c.csv, 2014-06-01 snapshot'
    """
    control = result.provenance.get("control")
    if not control:
        return ""
    snap = str(control.get("snapshot", ""))
    if control.get("source", "bundled") == "bundled":
        when = BUNDLED_SNAPSHOTS.get(snap, snap)
        return f"Control: {CONTROL_SOURCE} (The Carter Center), {when} snapshot"
    label = control.get("label")  # a user layer's: its file and the date used
    return (
        f"Control: {label} snapshot"
        if label
        else f"Control: {control.get('source')}, {snap} snapshot"
    )


def control_flags(result: ScenarioResult, *, threshold: float = CONTROL_FLAG_SHARE) -> list[str]:
    """Return a sentence for every zone holding ground of one of its own threat actors.

    A zone is flagged for a threat actor when more than ``threshold``
    (:data:`~safezones.defaults.CONTROL_FLAG_SHARE`, an assumption) of its
    population or of its area is held by that actor at the result's control
    snapshot (``per_zone`` columns ``share_population_<actor>`` and
    ``share_area_<actor>``; the threat actors of ``provenance["threat"]``).
    Zones in their order, then actors in :data:`~safezones.schema.ACTORS`
    order. The sentences are plain text: escape them where they land.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace as NS
    >>> pz = pd.DataFrame({"name": ["Lebanese border, 30 km"],
    ...     "share_population_government": [0.855], "share_area_government": [0.712]})
    >>> r = NS(per_zone=pz, provenance={"threat": {"actors": ["government"]},
    ...     "control": {"source": "bundled", "snapshot": "2015"}})
    >>> control_flags(r)  # doctest: +NORMALIZE_WHITESPACE
    ["Lebanese border, 30 km: 86 % of the zone's population lives on government-held ground
      (71 % of its area) at the late-2014 snapshot (Syria Conflict Mapping Project)."]
    """
    prov = result.provenance
    control = prov.get("control")
    if not control:
        return []
    threat = prov.get("threat") or {}
    actors = set(threat.get("actors", ()))
    when, source = _snapshot_words(control)
    pz = result.per_zone
    out: list[str] = []
    for _, row in pz.iterrows():
        for actor in ACTORS:
            pop_col, area_col = f"share_population_{actor}", f"share_area_{actor}"
            if actor not in actors or pop_col not in pz.columns or area_col not in pz.columns:
                continue
            pop, area = float(row[pop_col]), float(row[area_col])
            if pop > threshold or area > threshold:
                out.append(
                    f"{row['name']}: {percent(pop)} of the zone's population lives on "
                    f"{held_label(actor)} ground ({percent(area)} of its area) at {when} "
                    f"({source})."
                )
    return out


def metric_label(metric: str) -> str:
    """Return the label of a metric (or of any column: its words).

    Examples
    --------
    >>> metric_label("sheltered_safe"), metric_label("residents_protected_p50")
    ('sheltered (safety-weighted)', 'residents protected p50')
    """
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def source_note(layers: Iterable[str]) -> str:
    """Return the source line for a figure showing ``layers`` (names from data.provenance()).

    Names not among the bundled layers are taken as they are (e.g. a user's file).

    Examples
    --------
    >>> source_note(["countries", "events"])
    'Sources: countries: Natural Earth (public domain); events: UCDP GED (CC BY 4.0).'
    """
    parts = [_LAYER_ATTRIBUTION.get(name, name) for name in dict.fromkeys(layers)]
    return "Sources: " + "; ".join(parts) + "."


def result_sources(result: ScenarioResult) -> list[str]:
    """Return the attribution of every dataset a result used, user files included (for source lines)."""
    out: list[str] = []
    for s in result.provenance["sources"]:
        layer = s["layer"]
        if layer == "scenario":
            continue
        if layer in _LAYER_ATTRIBUTION and s.get("licence"):
            out.append(layer)
        else:
            out.append(f"{layer}: {s['source']}")
    return out


def wrap(text: str, width: int) -> str:
    """Return ``text`` wrapped at ``width`` characters (tick labels of charts)."""
    return "\n".join(textwrap.wrap(text, width))


_OUTLINES = TextToPath()

# Raster text is hinted: at 150 dpi a line is up to ~1.5 % wider than its outline,
# at the figure's 100 dpi ~8 % narrower (measured on DejaVu Sans, 7.5 pt). Lines are
# measured unhinted, as the PDF draws them, and kept this much inside the width.
_HINTING_MARGIN = 0.98


def fit_width(
    fig: Figure, text: str, width_in: float, *, fontsize: float, fontweight: str = "normal"
) -> str:
    """Return ``text`` broken at spaces so that every line, as drawn, is at most ``width_in`` wide.

    Lines are measured on the font's outlines (the text's true extent in
    that font, the same at any dpi and in a PDF), not counted in characters,
    and kept 2 % inside ``width_in`` for the hinting of raster text; a word
    is never cut, and a word longer than the line stands alone on its own.
    Line breaks already in ``text`` are kept. User text is measured
    literally (no mathtext). ``fig`` gives nothing but the call's context.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(3, 1))
    >>> print(fit_width(fig, "a title that does not fit on one short line", 1.5, fontsize=10))
    a title that does not
    fit on one short line
    >>> plt.close(fig)
    """
    del fig  # the width of a line is the font's, not the figure's renderer's
    font = FontProperties(size=fontsize, weight=fontweight)
    limit = width_in * 72 * _HINTING_MARGIN  # points

    def fits(line: str) -> bool:
        width = _OUTLINES.get_text_width_height_descent(line, font, ismath=False)[0]
        return bool(width <= limit)

    lines = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            wider = f"{line} {word}" if line else word
            if not line or fits(wider):
                line = wider
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return "\n".join(lines)


def window_label(window: Mapping[str, Any]) -> str:
    """Return the events window of a result as its headings write it.

    Examples
    --------
    >>> window_label({"start": 2014, "end": 2014}), window_label({"start": 2014, "end": 2015})
    ('2014', '2014 to 2015')
    """
    s, e = str(window["start"]), str(window["end"])
    return s if s == e else f"{s} to {e}"


def check_choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    """Refuse ``value`` of the option ``name`` unless it is one of ``allowed``."""
    if value not in allowed:
        raise SafeZonesError(
            f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}"
        )


def as_results(
    results: Sequence[ScenarioResult] | Mapping[str, ScenarioResult] | None,
) -> list[ScenarioResult]:
    """Return the results of a sequence or a mapping as a list; refuse none."""
    if isinstance(results, Mapping):
        results = list(results.values())
    out = list(results) if results is not None else []
    if not out:
        raise SafeZonesError("no results to draw: give at least one ScenarioResult")
    return out
