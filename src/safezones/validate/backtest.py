"""Backtests: the model's past windows against refugees, movements and camp populations.

:func:`backtests` runs :func:`safezones.validate.history.simulate` once for its draws
and scores three comparisons, each per unit with observed and predicted P5/P50/P95 and
with the metrics of :mod:`safezones.validate.metrics` per year and over the training
and test periods (:data:`SPLITS`):

- ``refugees_by_host``: UNHCR's refugee stock in each host country at each year's end
  against the model's leavers, cumulated from 2011 (stock against stock);
- ``movements_by_governorate``: OCHA's IDP movements in each governorate and year
  against the model's internal movers arriving there (flow against flow, both by
  governorate of arrival; a year with blank months is compared over the months it
  has, the prediction scaled by months / 12);
- ``sites_by_district``: CCCM's site population in each district and month against the
  model's sheltered in that district's part of the north-west refuge zone in that
  month's year (a stock against one year's arrivals: see :data:`LIMITS`), with the
  density the displaced actually accepted (people per km2 of the zone part) beside
  the Sphere-based capacity.

A year beyond the bundled events (2011-2019) is scored with the latest window, and
its row says which (``window``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from safezones import data
from safezones._plural import plural
from safezones.defaults import DEFAULT_SEED, LEAVE_DESTINATIONS
from safezones.io.files import PathLike
from safezones.model.uncertainty import summarise
from safezones.validate.history import Params, Simulation, grid, simulate, simulation_draws
from safezones.validate.metrics import metrics_by
from safezones.validate.observed import Observed, read_movements, read_refugees, read_sites

__all__ = [
    "BACKTESTS",
    "LIMITS",
    "SPLITS",
    "Backtest",
    "Validation",
    "backtests",
    "bundled_validation",
    "from_dict",
    "read_observed",
    "score",
]

#: The backtests, in the order reports show them, with what each compares.
BACKTESTS: dict[str, str] = {
    "refugees_by_host": "Syrian refugees by host country at each year's end (UNHCR), against "
    "the model's leavers cumulated from 2011",
    "movements_by_governorate": "IDP movements by governorate of arrival and year (OCHA), "
    "against the model's internal movers arriving there",
    "sites_by_district": "people in north-west Syria's IDP sites by district and month (CCCM), "
    "against the model's sheltered in the Turkish-border refuge zone of Idleb and Aleppo",
}

#: Training and test years of each backtest: calibration sees only the training years;
#: later years are tests. Years before the first training year are not scored.
SPLITS: dict[str, dict[str, tuple[int, ...]]] = {
    "refugees_by_host": {"train": (2012, 2013), "test": (2014,)},
    "movements_by_governorate": {"train": (2016, 2017), "test": (2018,)},
    "sites_by_district": {"train": (2017, 2018), "test": (2019,)},
}

#: What each comparison can and cannot show.
LIMITS: dict[str, list[str]] = {
    "refugees_by_host": [
        "Stocks against stocks: UNHCR counts registered refugees at each year's end; the model "
        "cumulates its yearly leavers from 2011 and never sends anyone back.",
        "At the end of 2014 UNHCR switched Turkey's figure to the Turkish government's "
        "(1,557,899), a jump in method as well as in people: 2014 in Turkey is the least "
        "comparable test.",
        "Asylum-seekers (a few hundred per host) and every country beyond the five neighbours "
        "(Europe's Syrians, 346,000 over 2011-2014) are left out.",
        "The 2014 test is out of sample by row, not wholly by time: the displacement rates it "
        "runs with were fitted on OCHA's 2016-2017 movements.",
        "A year after 2019 is scored with the 2019 window: a persistence forecast (the stock "
        "stops growing), not a prediction from that year's events.",
    ],
    "movements_by_governorate": [
        "Flows against flows: OCHA counts movements (one person can move twice), most likely by "
        "governorate of arrival (an inference from the workbook); the model counts its internal "
        "movers once per year, at arrival.",
        "Blank months are missing, not zero: a year is compared over the months it has.",
        "The model's movers choose the safest districts by distance only: forced evacuations "
        "(eastern Aleppo 2016, Ghouta and Daraa 2018, to Idleb) are not in it.",
        "From 2017 the north-west zone's arrivals count as movements into Idleb and Aleppo.",
    ],
    "sites_by_district": [
        "A stock against one year's arrivals: the sites hold everyone who came and stayed, the "
        "model one year's displaced who reach the zone; a month is compared with its year's "
        "window.",
        "Site coordinates are deliberately imprecise; sites are matched by district name, not "
        "by point, and sites in districts outside the zone are counted but not scored.",
        "Months are missing (2017-11, 2018-03, 2018-11, 2019-01, 2019-03 to 2019-07); a month "
        "a fifth below both neighbours (2018-07) is flagged incomplete and not scored; the "
        "data README also calls 2017-12 incomplete.",
        "The zone is the Turkish border strip of Idleb and Aleppo (30 km, Ain Al Arab and "
        "Menbij left out as SDF-held), not the shifting lines of control: Afrin (Kurdish-held "
        "until March 2018) and Jebel Saman (government-held from December 2016) stay in; "
        "evacuations to Idleb from elsewhere in Syria are not in the model.",
        "The months of one year share one prediction per district, so the rows are not "
        "independent: Spearman and the coverage count about 9 districts a year, repeated.",
    ],
}


@dataclass(frozen=True)
class Backtest:
    """One comparison: rows per unit and period, metrics, what was skipped."""

    name: str
    rows: pd.DataFrame
    metrics: dict[str, dict[str, Any]]
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = ""
    sha256: str = ""
    #: per period (``year`` or ``month``): the scored units' observed total and the P5, P50
    #: and P95 of the predicted total over the draws (not sums of the units' percentiles)
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Validation:
    """Every backtest of one run, with the parameters and draws used."""

    backtests: dict[str, Backtest]
    params: Params
    draws: int
    seed: int
    params_source: str = "defaults"


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in table.to_dict(orient="records")]


def _split(name: str, year: int) -> str | None:
    s = SPLITS[name]
    if year in s["train"]:
        return "train"
    if year > max(s["train"]):
        return "test"
    return None


def _window(years: tuple[int, ...], year: int) -> tuple[int, int]:
    """Return the index and year of the window that scores ``year`` (the latest at most)."""
    y = min(max(year, years[0]), years[-1])
    return years.index(y), y


def _totals(rows: list[dict[str, Any]], draws: list[np.ndarray], period: str) -> pd.DataFrame:
    """Return per period the observed total and the predicted total's P5, P50, P95."""
    out = []
    keys = sorted({r[period] for r in rows if r["scored"]})
    for key in keys:
        idx = [i for i, r in enumerate(rows) if r["scored"] and r[period] == key]
        total = np.sum([draws[i] for i in idx], axis=0)
        p5, p50, p95 = summarise(total)
        out.append({period: key, "observed": float(sum(rows[i]["observed"] for i in idx)),
                    "p5": p5, "p50": p50, "p95": p95, "units": len(idx)})  # fmt: skip
    return pd.DataFrame(out, columns=[period, "observed", "p5", "p50", "p95", "units"])


def _finish(
    name: str,
    rows: list[dict[str, Any]],
    obs: Observed,
    skipped: list[str],
    notes: list[str],
    draws: list[np.ndarray],
    period: str = "year",
) -> Backtest:
    table = pd.DataFrame(rows)
    scored = table[table["scored"]] if len(table) else table
    metrics = (
        metrics_by(scored.assign(year=scored["year"].astype(str)), "year") if len(scored) else {}
    )
    return Backtest(
        name, table, metrics, [*obs.skipped, *skipped], [*obs.notes, *notes], obs.source,
        obs.sha256, _totals(rows, draws, period),
    )  # fmt: skip


def _row(unit: dict[str, Any], vals: np.ndarray, split: str, window: int,
         **extra: Any) -> dict[str, Any]:  # fmt: skip
    """One backtest row: the unit's keys, observed, the draws' P5/P50/P95, split, window."""
    p5, p50, p95 = summarise(vals)
    return {**unit, "p5": p5, "p50": p50, "p95": p95, "split": split, "window": window,
            "scored": True, **extra}  # fmt: skip


def _early(years: list[int], why: str) -> list[str]:
    if not years:
        return []
    return [f"{', '.join(map(str, sorted(set(years))))}: before the first training year, not "
            f"scored{why}"]  # fmt: skip


def _refugees(sim: Simulation, obs: Observed) -> Backtest:
    rows, early, draws = [], [], []
    for r in _records(obs.table):
        split = _split("refugees_by_host", int(r["year"]))
        if split is None:
            early.append(int(r["year"]))
            continue
        i, wy = _window(sim.years, int(r["year"]))
        vals = sim.abroad[:, i, LEAVE_DESTINATIONS.index(str(r["country"]))]
        draws.append(vals)
        unit = {"year": int(r["year"]), "country": r["country"], "observed": float(r["observed"])}
        rows.append(_row(unit, vals, split, wy))
    skipped = _early(early, " (the first months of the war)")
    return _finish("refugees_by_host", rows, obs, skipped, [], draws)


def _movements(sim: Simulation, obs: Observed) -> Backtest:
    g = grid()
    rows, early, draws = [], [], []
    for r in _records(obs.table):
        split = _split("movements_by_governorate", int(r["year"]))
        if split is None:
            early.append(int(r["year"]))
            continue
        i, wy = _window(sim.years, int(r["year"]))
        share = float(r["months"]) / 12.0
        vals = sim.movements[:, i, g.adm1_codes.index(str(r["governorate"]))] * share
        draws.append(vals)
        unit = {"year": int(r["year"]), "governorate": r["governorate"],
                "observed": float(r["observed"])}  # fmt: skip
        rows.append(_row(unit, vals, split, wy, months=int(r["months"])))
    return _finish("movements_by_governorate", rows, obs, _early(early, ""), [], draws)


def _sites(sim: Simulation, obs: Observed) -> Backtest:
    z = grid().zone
    rows: list[dict[str, Any]] = []
    outside: dict[str, float] = {}
    early: list[str] = []
    draws: list[np.ndarray] = []
    for r in _records(obs.table):
        year = int(str(r["month"])[:4])
        split = _split("sites_by_district", year)
        if split is None:
            early.append(str(r["month"]))
            continue
        if r["district"] not in z.district:
            outside[r["district"]] = outside.get(r["district"], 0.0) + float(r["observed"])
            continue
        i, wy = _window(sim.years, year)
        j = z.district.index(str(r["district"]))
        draws.append(sim.sites[:, i, j])
        area = float(z.area_km2[j])
        unit = {"year": year, "month": r["month"], "district": r["district"],
                "observed": float(r["observed"])}  # fmt: skip
        row = _row(unit, sim.sites[:, i, j], split, wy, zone_area_km2=area,
                   observed_per_km2=float(r["observed"]) / area,
                   capacity_per_km2=float(np.median(sim.capacity[:, j])) / area,
                   incomplete=bool(r["incomplete"]))  # fmt: skip
        row["scored"] = not bool(r["incomplete"])
        rows.append(row)
    skipped = []
    unseen = [d for d in z.district if d not in {r["district"] for r in rows}]
    if unseen:
        skipped.append(
            f"{plural(len(unseen), 'zone part')} without any site in the file (the predicted "
            f"sheltered there are not scored, nor in the totals): {', '.join(unseen)}"
        )
    if outside:
        skipped.append(
            f"sites in {len(outside)} districts outside the zone counted, not scored: "
            + ", ".join(f"{d} ({v:,.0f} person-months)" for d, v in sorted(outside.items()))
        )
    if early:
        skipped.append(f"{len(early)} district-months before the first training year not scored")
    return _finish("sites_by_district", rows, obs, skipped, _density_notes(rows), draws, "month")


def _density_notes(rows: list[dict[str, Any]]) -> list[str]:
    """Say how densely people filled the zone's districts in the last month, against capacity."""
    scored = [r for r in rows if r["scored"]]
    if not scored:
        return []
    last = max(r["month"] for r in scored)
    top = sorted((r for r in scored if r["month"] == last), key=lambda r: -r["observed_per_km2"])
    d = data.districts()
    names = dict(zip(d["adm2_pcode"], d["adm2_name"], strict=True))
    parts = [
        f"{names.get(r['district'], r['district'])} ({r['district']}) "
        f"{r['observed_per_km2']:,.0f} per km2 of its zone part "
        f"({r['observed_per_km2'] / r['capacity_per_km2']:.1f} x the capacity)"
        for r in top[:3]
        if r["capacity_per_km2"] > 0
    ]
    cap = top[0]["capacity_per_km2"]
    return [
        f"Density people accepted, {last}: {'; '.join(parts)}; the Sphere-based capacity is "
        f"{cap:,.0f} per km2 (usable share x 1e6 / site area per person, P50 of the draws)."
    ]


def score(sim: Simulation, observed: dict[str, Observed]) -> dict[str, Backtest]:
    """Score a simulation against observed files (keys as :data:`BACKTESTS`)."""
    make = {
        "refugees_by_host": _refugees,
        "movements_by_governorate": _movements,
        "sites_by_district": _sites,
    }
    return {k: make[k](sim, observed[k]) for k in BACKTESTS if k in observed}


def read_observed(
    refugees: PathLike | None = None,
    movements: PathLike | None = None,
    sites: PathLike | None = None,
) -> dict[str, Observed]:
    """Read the three observed files (the bundled ones by default), each checked."""
    return {
        "refugees_by_host": read_refugees(refugees),
        "movements_by_governorate": read_movements(movements),
        "sites_by_district": read_sites(sites),
    }


def backtests(
    params: Params | None = None,
    *,
    refugees: PathLike | None = None,
    movements: PathLike | None = None,
    sites: PathLike | None = None,
    draws: int = 100,
    seed: int = DEFAULT_SEED,
    params_source: str = "defaults",
) -> Validation:
    """Run the model on the record's windows and score it against the observed files.

    Examples
    --------
    >>> v = backtests(draws=20)  # doctest: +SKIP
    >>> sorted(v.backtests)  # doctest: +SKIP
    ['movements_by_governorate', 'refugees_by_host', 'sites_by_district']
    """
    p = Params() if params is None else params
    observed = read_observed(refugees, movements, sites)
    sim = simulate(p, simulation_draws(p, draws, seed))
    return Validation(score(sim, observed), p, draws, seed, params_source)


def from_dict(doc: dict[str, Any]) -> Validation:
    """Return the :class:`Validation` a ``validation.json`` holds (rows, metrics, skips, model)."""
    bts = {}
    for name in BACKTESTS:
        d = doc.get(name)
        if not isinstance(d, dict):
            continue
        rows = pd.DataFrame(d.get("rows", []))
        if len(rows) and "scored" not in rows:
            rows["scored"] = True
        for col in ("p5", "p50", "p95", "observed"):
            if col in rows:
                rows[col] = pd.to_numeric(rows[col], errors="coerce")
        totals = pd.DataFrame(d.get("totals", []))
        bts[name] = Backtest(
            name,
            rows,
            d.get("metrics", {}),
            list(d.get("skipped", [])),
            list(d.get("notes", [])),
            str(d.get("source", "")),
            str(d.get("sha256", "")),
            totals,
        )
    model = doc.get("model", {})
    values = model.get("values", {})
    known = {k: v for k, v in values.items() if k in Params.__dataclass_fields__}
    for k in ("rates", "attract"):
        if k in known:
            known[k] = tuple(known[k])
    return Validation(
        bts,
        Params(**known),
        int(model.get("draws", 0)),
        int(model.get("seed", 0)),
        str(model.get("parameters", "")),
    )


def bundled_validation() -> Validation:
    """Return the backtests of the bundled defaults (``data/validation.json``, by ``scripts/calibrate.py``).

    Examples
    --------
    >>> v = bundled_validation()
    >>> sorted(v.backtests) == sorted(BACKTESTS)
    True
    """
    from safezones import data

    return from_dict(data.validation())
