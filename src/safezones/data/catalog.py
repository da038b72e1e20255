"""Readers for the bundled layers; the only code that opens package data files."""

from __future__ import annotations

import difflib
import json
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely

from safezones.crs import LONLAT_CRS, PROJECT_CRS
from safezones.errors import UnknownNameError

__all__ = [
    "NEIGHBOURS",
    "SeedFacts",
    "actor_map",
    "border",
    "border_openness",
    "border_policies",
    "calibration",
    "control",
    "countries",
    "districts",
    "events",
    "find_place",
    "governorates",
    "normalise_name",
    "observed_sources",
    "places",
    "population_grid",
    "provenance",
    "seed_facts",
    "syria",
    "validation",
]

#: Neighbours whose border with Syria is bundled, with their names.
NEIGHBOURS: dict[str, str] = {"TUR": "Turkey", "JOR": "Jordan", "LBN": "Lebanon", "IRQ": "Iraq"}

Neighbour = Literal["TUR", "JOR", "LBN", "IRQ"]
_PKG = "safezones.data"


def _path(name: str) -> Any:
    return resources.files(_PKG).joinpath(name)


@cache
def _read(layer: str) -> gpd.GeoDataFrame:
    with resources.as_file(_path(f"{layer}.parquet")) as p:
        gdf = gpd.read_parquet(p)
    return gdf.set_crs(LONLAT_CRS, allow_override=True)


def _layer(layer: str) -> gpd.GeoDataFrame:
    return _read(layer).copy()


def countries() -> gpd.GeoDataFrame:
    """Syria and its neighbours (Natural Earth 10m, public domain).

    Columns: ``iso_a3``, ``name``, ``area_km2`` (in PROJECT_CRS), ``repaired``,
    ``geometry``.

    Examples
    --------
    >>> sorted(countries().iso_a3)[:4]
    ['CYP', 'EGY', 'IRQ', 'ISR']
    """
    return _layer("countries")


@cache
def _syria_metric() -> shapely.Geometry:
    geom = _read("countries").set_index("iso_a3").to_crs(PROJECT_CRS).geometry["SYR"]
    shapely.prepare(geom)
    return geom


def syria(*, crs: Literal["lonlat", "metric"] = "lonlat") -> shapely.Geometry:
    """Syria's outline as one shapely geometry, in EPSG:4326 or PROJECT_CRS.

    Examples
    --------
    >>> round(syria(crs="metric").area / 1e6, -3)
    186000.0
    """
    if crs == "metric":
        return _syria_metric()
    return _read("countries").set_index("iso_a3").geometry["SYR"]


def border(neighbour: str) -> gpd.GeoDataFrame:
    """Syria's border with ``neighbour`` ("TUR", "JOR", "LBN" or "IRQ") as a one-row layer.

    The line is Syria's Natural Earth boundary where it lies within 100 m of
    the neighbour's polygon, merged into one continuous line. Columns:
    ``neighbour``, ``name``, ``length_km``, ``parts``, ``geometry``.

    Examples
    --------
    >>> b = border("jor")
    >>> b.neighbour.iloc[0], b.geom_type.iloc[0]
    ('JOR', 'LineString')
    """
    code = _neighbour_code(neighbour)
    b = _layer("borders")
    return b[b["neighbour"] == code].reset_index(drop=True)


def _neighbour_code(neighbour: str) -> str:
    code = str(neighbour).strip().upper()
    if code not in NEIGHBOURS:
        valid = ", ".join(f"{k} ({v})" for k, v in NEIGHBOURS.items())
        by_name = {v.lower(): k for k, v in NEIGHBOURS.items()}
        hint = by_name.get(str(neighbour).strip().lower())
        tip = f"; did you mean {hint!r}?" if hint else ""
        raise UnknownNameError(
            f"unknown neighbour {neighbour!r}: Syria's bundled borders are with {valid}{tip}"
        )
    return code


def governorates() -> gpd.GeoDataFrame:
    """Return the 14 OCHA governorates (admin 1) with P-codes and pre-war population.

    Columns: ``adm1_pcode``, ``adm1_name``, ``population_prewar``, ``area_km2``,
    ``geometry``. Sources: OCHA COD-AB (CC BY-IGO); population OCHA / Syrian
    CBS, about 2011.

    Examples
    --------
    >>> int(governorates().population_prewar.sum())
    21110652
    """
    return _layer("governorates")


def districts() -> gpd.GeoDataFrame:
    """Return the 62 OCHA districts (admin 2): ``adm2_pcode``, ``adm2_name``, ``adm1_pcode``, ...

    Examples
    --------
    >>> len(districts())
    62
    """
    return _layer("districts")


def places(country: str | None = "SY") -> gpd.GeoDataFrame:
    """GeoNames populated places (CC BY 4.0) of one country, or all with ``country=None``.

    ``country`` is an ISO 3166 alpha-2 code: SY, TR, JO, LB or IQ. Columns:
    ``geonameid``, ``name``, ``name_key``, ``aliases``, ``country``,
    ``admin1code`` (GeoNames', not a P-code), ``adm1_pcode`` (OCHA, Syrian
    places), ``population``, ``geometry``.

    Examples
    --------
    >>> len(places("SY"))
    308
    """
    p = _layer("places")
    if country is None:
        return p
    code = str(country).strip().upper()
    known = sorted(p["country"].unique())
    if code not in known:
        raise UnknownNameError(
            f"unknown country {country!r} for places(); use one of {', '.join(known)} or None"
        )
    return p[p["country"] == code].reset_index(drop=True)


def normalise_name(name: str) -> str:
    """Lower-case ASCII form of a place name: accents, case, quotes and hyphens dropped.

    Examples
    --------
    >>> normalise_name("Ma‘arrat an-Nu‘mān")
    'ma arrat an nu man'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = "".join(c if c.isalnum() or c == " " else " " for c in ascii_only.lower())
    return " ".join(kept.split())


@cache
def _place_index() -> pd.DataFrame:
    p = _read("places")
    rows = [(k, i) for i, k in enumerate(p["name_key"])]
    for i, aliases in enumerate(p["aliases"]):
        rows += [(normalise_name(a), i) for a in str(aliases).split(";") if a]
    return pd.DataFrame(rows, columns=["key", "row"])


def find_place(name: str, *, country: str | None = "SY") -> pd.Series:
    """Return the GeoNames place called ``name`` (accents, case and hyphens ignored).

    Common English spellings of Syrian cities are known aliases ("Raqqa",
    "Hama", "Kobani"). Where several places share a name, the most populous
    wins. An unknown name raises an error listing close matches.

    Examples
    --------
    >>> find_place("raqqa")["name"]
    'Ar Raqqah'
    >>> find_place("Alepo")
    Traceback (most recent call last):
    ...
    safezones.errors.UnknownNameError: no place 'Alepo' in the bundled GeoNames places (country SY); did you mean: Aleppo? Or give (lon, lat) instead.
    """
    p = _read("places")
    idx = _place_index()
    key = normalise_name(str(name))
    rows = idx.loc[idx["key"] == key, "row"].to_numpy()
    cand = p.iloc[rows]
    if country is not None:
        cand = cand[cand["country"] == str(country).upper()]
    if len(cand):
        best: pd.Series = cand.sort_values("population", ascending=False).iloc[0]
        return best.copy()
    pool = p if country is None else p[p["country"] == str(country).upper()]
    in_pool = set(pool.index)
    keys = {k: i for k, i in zip(idx["key"], idx["row"], strict=True) if i in in_pool}
    close = difflib.get_close_matches(key, list(keys), n=5, cutoff=0.6)
    names = list(dict.fromkeys(str(p.iloc[keys[k]]["name"]) for k in close))
    where = f"country {country}" if country else "any country"
    hint = f"did you mean: {', '.join(names)}?" if names else "no close match either."
    raise UnknownNameError(
        f"no place {name!r} in the bundled GeoNames places ({where}); {hint} "
        "Or give (lon, lat) instead."
    )


def events() -> gpd.GeoDataFrame:
    """All 52,049 UCDP GED events in Syria, 2011-2019 (CC BY 4.0, "UCDP GED").

    Columns: ``event_id``, ``source``, ``year``, ``date_start``, ``date_end``,
    ``date_precision`` ("year"), ``deaths_a``, ``deaths_b``,
    ``deaths_civilians``, ``deaths_unknown``, ``deaths_total``, ``side_a``,
    ``side_b``, ``dyad_name``, ``where_prec`` (1 exact place ... 4 governorate),
    ``geometry``. ``side_a == "Government of Syria"`` is the proxy for regime
    strikes.

    Examples
    --------
    >>> e = events()
    >>> len(e), int((e.year == 2014).sum())
    (52049, 11744)
    """
    return _layer("events")


def control(snapshot: str | None = None) -> gpd.GeoDataFrame:
    """Territorial control of about 5,600 communities in two snapshots (SCMP, The Carter Center).

    Columns ``snapshot`` ("2014": early 2014; "2015": late 2014, an inference from
    the data, see PROVENANCE.md), ``actor`` (government, opposition,
    islamic_state, kurds), ``governorate``, ``geometry`` (points). Attribute
    "Syria Conflict Mapping Project, The Carter Center; Gohdes (2020)".

    Examples
    --------
    >>> c = control("2015")
    >>> len(c), sorted(c.actor.unique())
    (5599, ['government', 'islamic_state', 'kurds', 'opposition'])
    """
    gdf = _layer("control")
    if snapshot is not None:
        gdf = gdf[gdf["snapshot"] == str(snapshot)].reset_index(drop=True)
    return gdf


@cache
def _actor_map() -> pd.DataFrame:
    with resources.as_file(_path("actor_map.csv")) as p:
        return pd.read_csv(p, dtype=str, keep_default_na=False)


def actor_map() -> pd.DataFrame:
    """Return the table from dyad names to actors (``data/actor_map.csv``).

    Columns ``source`` (ucdp, acled), ``match``, ``name``, ``actor``, ``note``.

    Examples
    --------
    >>> t = actor_map()
    >>> t.set_index("name").loc["Government of Syria", "actor"]
    'government'
    """
    return _actor_map().copy()


def population_grid() -> gpd.GeoDataFrame:
    """Return the default population layer: a dasymetric grid of cells of at most 2 km.

    Columns: ``cell_id``, ``row``, ``col``, ``adm1_pcode``, ``adm2_pcode``,
    ``area_km2``, ``pop_low``, ``pop_central``, ``pop_high``, ``geometry``.
    Central values add up per governorate to the OCHA pre-war table and per
    district to its 2004 census share of it; the bands and the spread are
    described in PROVENANCE.md (Raqqa city uses the seed's 2014 range).

    Examples
    --------
    >>> g = population_grid()
    >>> round(float(g.pop_central.sum()))
    21110652
    """
    return _layer("population_grid")


@dataclass(frozen=True)
class SeedFacts:
    """The seed article's facts, each record citing ``citations[record.citation]``.

    Attributes
    ----------
    events
        The strike events reported (point layer, EPSG:4326): ``event_id``,
        ``date``, ``place``, ``killed_min``, ``civilians_killed_min``, ...
    population
        Population claims: ``place``, ``period``, ``population_low``/``_high``.
    proposals
        The three proposals: ``proposal_id``, ``kind``, ``proposed_by``, ``where``.
    tolls
        Death tolls: ``what``, ``count``, ``as_of``.
    context
        Dated context facts.
    citations
        Citation key -> publisher, dateline, date, primary source.
    """

    events: gpd.GeoDataFrame
    population: pd.DataFrame
    proposals: pd.DataFrame
    tolls: pd.DataFrame
    context: pd.DataFrame
    citations: dict[str, dict[str, Any]] = field(default_factory=dict)

    def cite(self, key: str) -> str:
        """Return a one-line citation for ``key``.

        Examples
        --------
        >>> seed_facts().cite("afp-2014-11-26")
        'Agence France-Presse (AFP), Beirut, 2014-11-26; primary source: Syrian Observatory for Human Rights (SOHR), director Rami Abdel Rahman, as reported by AFP'
        """
        c = self.citations[key]
        return (
            f"{c['publisher']}, {c['dateline']}, {c['published']}; "
            f"primary source: {c['primary_source']}"
        )


@cache
def _seed_doc() -> dict[str, Any]:
    docs: dict[str, Any] = {}
    for f in sorted(resources.files(_PKG).joinpath("seeds").iterdir(), key=lambda f: f.name):
        if f.name.endswith(".toml"):
            doc = tomllib.loads(f.read_text(encoding="utf-8"))
            for k, v in doc.items():
                if isinstance(v, list):
                    docs.setdefault(k, []).extend(v)
                elif isinstance(v, dict):
                    docs.setdefault(k, {}).update(v)
    return docs


def seed_facts() -> SeedFacts:
    """Return the facts of the seed article (AFP, Beirut, 2014-11-26), with citations.

    Examples
    --------
    >>> s = seed_facts()
    >>> s.events[["date", "killed_min", "civilians_killed_min"]].astype(str).values.tolist()
    [['2014-11-25', '63', '36'], ['2014-09-06', '53', '31']]
    >>> sorted(s.proposals.kind)
    ['freeze', 'refuge', 'safe']
    """
    doc = _seed_doc()
    ev = pd.DataFrame(doc["events"])
    ev["date"] = pd.to_datetime(ev["date"])
    events_gdf = gpd.GeoDataFrame(
        ev, geometry=gpd.points_from_xy(ev["lon"], ev["lat"]), crs=LONLAT_CRS
    )
    return SeedFacts(
        events=events_gdf,
        population=pd.DataFrame(doc["population"]),
        proposals=pd.DataFrame(doc["proposals"]),
        tolls=pd.DataFrame(doc["tolls"]),
        context=pd.DataFrame(doc["context"]),
        citations=dict(doc["citations"]),
    )


def border_policies() -> pd.DataFrame:
    """Return the neighbours' border policies towards Syrians, 2011-2019, each with its source.

    One row per policy (``country`` ISO3, ``start``, ``end``, ``kind``, ``what``,
    ``citation``) from ``seeds/border_policies.toml``; ``source`` is the citation's
    one-line reference, or "assumption".

    Examples
    --------
    >>> p = border_policies()
    >>> sorted(set(p.country)) == sorted(["EGY", "IRQ", "JOR", "LBN", "TUR"])
    True
    """
    doc = _seed_doc()
    cites = doc.get("citations", {})
    out = pd.DataFrame(doc["policies"])

    def source(key: str) -> str:
        if key == "assumption" or key not in cites:
            return "assumption"
        c = cites[key]
        return ", ".join(str(c[k]) for k in ("publisher", "title", "published", "url") if c.get(k))

    out["source"] = [source(k) for k in out["citation"]]
    return out


def border_openness() -> pd.DataFrame:
    """Return each neighbour's openness to Syrians by year (1 open, lower restricted).

    Index: year (2011-2019); columns: ISO3. Assumption-valued factors derived from
    :func:`border_policies` by the rule stated in ``seeds/border_policies.toml``.

    Examples
    --------
    >>> o = border_openness()
    >>> int(o.index.min()), int(o.index.max()), bool(((o >= 0) & (o <= 1)).all().all())
    (2011, 2019, True)
    """
    doc = _seed_doc()["openness"]
    cols = {k: v for k, v in doc.items() if isinstance(v, list) and k != "years"}
    return pd.DataFrame(cols, index=pd.Index([int(y) for y in doc["years"]], name="year"))


@cache
def _calibration() -> dict[str, Any]:
    out: dict[str, Any] = json.loads(_path("calibration.json").read_text(encoding="utf-8"))
    return out


def calibration() -> dict[str, Any]:
    """Return the bundled calibration (``calibration.json``: values, ranges, metrics, hashes).

    Written by ``safezones calibrate`` on the bundled observed files
    (``scripts/calibrate.py``); a fresh copy each call.
    """
    out: dict[str, Any] = json.loads(json.dumps(_calibration()))
    return out


@cache
def _validation() -> dict[str, Any]:
    out: dict[str, Any] = json.loads(_path("validation.json").read_text(encoding="utf-8"))
    return out


def validation() -> dict[str, Any]:
    """Return the bundled backtests of the default parameters (``validation.json``), a fresh copy.

    Written by ``scripts/calibrate.py`` with the calibration; the memo's section "How
    well does the model reproduce 2012-2019?" and the README cite it.
    """
    out: dict[str, Any] = json.loads(json.dumps(_validation()))
    return out


@cache
def _observed_manifest() -> dict[str, Any]:
    out: dict[str, Any] = json.loads(
        _path("observed").joinpath("manifest.json").read_text(encoding="utf-8")
    )
    return out


def observed_sources() -> dict[str, dict[str, str]]:
    """Return the bundled observed files' manifest (``observed/manifest.json``), a fresh copy.

    By file name: what it holds, its source, licence and SHA-256 (written by
    ``scripts/build_observed.py``); the backtests compare with these files.

    Examples
    --------
    >>> s = observed_sources()
    >>> s["unhcr_syrian_refugees_by_host_2011_2014.csv"]["licence"].split(",")[0]
    'CC BY 4.0'
    """
    out: dict[str, dict[str, str]] = json.loads(json.dumps(_observed_manifest()))
    return out


@cache
def _manifest() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_path("manifest.json").read_text(encoding="utf-8"))
    return result


def provenance() -> pd.DataFrame:
    """One row per bundled layer: source, licence, attribution, date, rows, derivation.

    Examples
    --------
    >>> p = provenance()
    >>> p.loc["events", ["licence", "attribution"]].tolist(), int(p.loc["events", "rows"])
    (['CC BY 4.0', 'UCDP GED'], 52049)
    """
    layers = _manifest()["layers"]
    df = pd.DataFrame.from_dict(layers, orient="index")
    df.index.name = "layer"
    cols = ["rows", "source", "licence", "attribution", "date", "derivation", "path", "sha256"]
    return df[cols]
