"""Derive the example files of notebooks/04-your-own-data.ipynb from ../shared/data.

Run it with ``python scripts/build_notebook_data.py --source ../shared/data``.
It writes, under ``notebooks/data/``:

- ``idleb_2014_ucdp_in_acled_format.csv``: the UCDP GED events of 2014 in the
  Idleb raster's extent whose side A is the Government of Syria, written in
  the column layout of an ACLED export (31 columns, UTF-8 with BOM,
  ``event_date`` as "01 July 2014"), so that the notebook reads them as a user
  reads an ACLED download. They are UCDP data, not ACLED data: the type
  columns say so, and since the extract has year resolution only,
  ``event_date`` is a placeholder (1 July) with ``time_precision`` 3.
- ``worldpop_idleb_500m_2026.tif``: the WorldPop 100 m raster of the Idleb area
  summed over blocks of 5 x 5 cells (500 m), so that totals are kept and the
  file stays small; cells with no data in the whole block stay no data.

``notebooks/data/atmeh-camps.geojson`` is drawn by hand and not built here.
The build is deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from rasterio.transform import Affine

from safezones.io.sources import ACLED_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks" / "data"
RASTER = "worldpop_idleb_100m_2026.tif"
EVENTS = "ucdp_ged_syria_events.csv"
#: Blocks of this many cells a side are summed: 100 m -> 500 m.
BLOCK = 5
YEAR = 2014
SIDE_A = "Government of Syria"
#: UCDP where_prec -> ACLED geo_precision (1 town, 2 near a town, 3 larger region).
GEO_PRECISION = {1: 1, 2: 2, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3}


def build_events(src: Path, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
    d = pd.read_csv(src / EVENTS)
    x0, y0, x1, y1 = bounds
    keep = (
        (d["year"] == YEAR)
        & (d["side_a"] == SIDE_A)
        & d["longitude"].between(x0, x1)
        & d["latitude"].between(y0, y1)
    )
    d = d[keep].sort_values("id").reset_index(drop=True)
    deaths = d[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]].sum(axis=1)
    out = pd.DataFrame({c: [""] * len(d) for c in ACLED_COLUMNS})
    out["event_id_cnty"] = "UCDP" + d["id"].astype(str)
    out["event_date"] = f"01 July {YEAR}"
    out["year"] = YEAR
    out["time_precision"] = 3
    out["disorder_type"] = "Political violence"
    out["event_type"] = "State-based conflict (UCDP GED)"
    out["sub_event_type"] = "Not recorded (UCDP GED extract)"
    out["actor1"] = d["side_a"]
    out["actor2"] = d["side_b"]
    out["iso"] = 760
    out["region"] = "Middle East"
    out["country"] = "Syria"
    out["latitude"] = d["latitude"].round(6)
    out["longitude"] = d["longitude"].round(6)
    out["geo_precision"] = d["where_prec"].map(GEO_PRECISION).astype(int)
    out["source"] = "UCDP GED (CC BY 4.0)"
    out["notes"] = (
        "UCDP GED event "
        + d["id"].astype(str)
        + f", {YEAR}; year resolution only: event_date is a placeholder; civilian deaths "
        + d["deaths_civilians"].astype(str)
    )
    out["fatalities"] = deaths.astype(int)
    out["timestamp"] = 0
    return out


def build_raster(src: Path, dst: Path) -> tuple[float, float]:
    """Sum 5 x 5 blocks; returns the totals of the source and the result."""
    with rasterio.open(src / RASTER) as r:
        a = r.read(1).astype(np.float64)
        nodata = r.nodata
        transform, crs = r.transform, r.crs
    valid = a != nodata
    a = np.where(valid, a, 0.0)
    h, w = a.shape
    ph, pw = -h % BLOCK, -w % BLOCK
    a = np.pad(a, ((0, ph), (0, pw)))
    valid = np.pad(valid, ((0, ph), (0, pw)))
    nh, nw = a.shape[0] // BLOCK, a.shape[1] // BLOCK
    sums = a.reshape(nh, BLOCK, nw, BLOCK).sum(axis=(1, 3))
    any_valid = valid.reshape(nh, BLOCK, nw, BLOCK).any(axis=(1, 3))
    out = np.where(any_valid, sums, nodata).astype(np.float32)
    profile = {
        "driver": "GTiff",
        "height": nh,
        "width": nw,
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": transform * Affine.scale(BLOCK, BLOCK),
        "nodata": nodata,
        "compress": "deflate",
        "predictor": 3,
    }
    with rasterio.open(dst, "w", **profile) as o:
        o.write(out, 1)
        o.update_tags(
            source="WorldPop 2026 estimates (CC BY 4.0), worldpop_idleb_100m_2026.tif",
            derivation=f"sum over blocks of {BLOCK}x{BLOCK} cells by scripts/build_notebook_data.py",
        )
    return float(a.sum()), float(out[out != nodata].astype(np.float64).sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    src: Path = args.source
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with rasterio.open(src / RASTER) as r:
        bounds = tuple(r.bounds)
    events = build_events(src, bounds)  # type: ignore[arg-type]
    events.to_csv(out / "idleb_2014_ucdp_in_acled_format.csv", index=False, encoding="utf-8-sig")
    before, after = build_raster(src, out / "worldpop_idleb_500m_2026.tif")
    print(
        f"wrote {len(events):,} events and a {BLOCK * 100} m raster "
        f"(total {after:,.0f}, source {before:,.0f}) to {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
