"""District totals from the 2004 census and the settlement weight of the population grid.

Used by ``build_data.build_population_grid`` (issue 19):

1. **District totals.** Each OCHA district's share of its governorate in the
   2004 census (``syr_census_2004_subdistrict.csv``, joined on P-codes) times
   the bundled pre-war governorate total. OCHA's Qadmous (SY1006) was in 2004
   the sub-district SY100203 of Banyas (SY1002): it gets that sub-district's
   population and Banyas loses it.
2. **Settlement weight.** Within a district, the people not in a GeoNames
   town disc are spread over the cells in proportion to
   ``area x sum_p exp(-d_p / SETTLEMENT_DECAY_M)``, the sum over settlement
   points p within SETTLEMENT_CUTOFF_M of the cell's interior point: every
   GeoNames place in Syria (with or without a population) and every community
   of the SCMP control layer (both snapshots, each coordinate once). Land far
   from any settlement holds almost no one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: OCHA district that the 2004 census counts as a sub-district of another:
#: district -> (sub-district P-code, 2004 district). Source: the README entry of
#: syr_census_2004_subdistrict.csv (Qadmous, SY1006, was SY100203 of Banyas).
CENSUS_SPLITS = {"SY1006": ("SY100203", "SY1002")}
#: Length scale of the settlement kernel exp(-d / L) (assumption: villages in
#: the Syrian countryside lie a few km apart and their fields reach 2-3 km out;
#: tried 1.5, 3 and 6 km against the two criteria of issue 19, not cell by cell:
#: correlation 0.734 / 0.735 / 0.740, strip ratio 0.296 / 0.293 / 0.292, so L
#: hardly matters at 10 km in Idleb; 3 km kept as the middle value).
SETTLEMENT_DECAY_M = 3000.0
#: Settlement points farther than this add nothing (exp(-8) = 0.03 % of a
#: point's weight at its centre): land beyond it from every settlement gets only
#: SETTLEMENT_FLOOR (assumption).
SETTLEMENT_CUTOFF_M = 8 * SETTLEMENT_DECAY_M
#: Weight of land with no settlement within the cutoff, relative to a cell on a
#: settlement point (assumption: herders and scattered farms; small so that the
#: desert holds almost no one, non-zero so that a district with no settlement
#: point keeps its people spread by area).
SETTLEMENT_FLOOR = 1e-4


def district_totals(census: pd.DataFrame, prewar: pd.Series) -> pd.DataFrame:
    """Return per OCHA district: adm1_pcode, census_2004, share of governorate, total.

    ``census`` is the sub-district table; ``prewar`` the pre-war total by
    governorate P-code. ``total`` = share x pre-war total of the governorate.
    """
    sub = census[["adm1_pcode", "adm2_pcode", "adm3_pcode", "population_2004"]].copy()
    for district, (subdistrict, old) in CENSUS_SPLITS.items():
        sel = sub["adm3_pcode"] == subdistrict
        if sel.sum() != 1 or (sub.loc[sel, "adm2_pcode"] != old).any():
            raise SystemExit(f"census: sub-district {subdistrict} not found in {old}")
        sub.loc[sel, "adm2_pcode"] = district
    out = sub.groupby("adm2_pcode").agg(
        adm1_pcode=("adm1_pcode", "first"), census_2004=("population_2004", "sum")
    )
    gov = out.groupby("adm1_pcode")["census_2004"].transform("sum")
    out["share"] = out["census_2004"] / gov
    out["total"] = out["share"] * prewar.reindex(out["adm1_pcode"]).to_numpy(float)
    return out.sort_index()


def read_census(src: Path) -> pd.DataFrame:
    """Read the 2004 census by sub-district."""
    return pd.read_csv(src / "syr_census_2004_subdistrict.csv", dtype={"adm3_pcode": "string"})


def settlement_weight(cells_xy: np.ndarray, points_xy: np.ndarray) -> np.ndarray:
    """Return ``SETTLEMENT_FLOOR + sum_p exp(-d_p / L)`` for each cell point (metres)."""
    points_xy = np.unique(np.round(points_xy, 1), axis=0)  # one weight per location
    tree_c, tree_p = cKDTree(cells_xy), cKDTree(points_xy)
    pairs = tree_c.sparse_distance_matrix(tree_p, SETTLEMENT_CUTOFF_M, output_type="ndarray")
    w = np.full(len(cells_xy), SETTLEMENT_FLOOR)
    # sum in a fixed order (cell, point), so that the build is deterministic
    order = np.lexsort((pairs["j"], pairs["i"]))
    np.add.at(w, pairs["i"][order], np.exp(-pairs["v"][order] / SETTLEMENT_DECAY_M))
    return w
