"""Agreement between predicted and observed figures: ARD, Spearman's rho, P5-P95 coverage.

- **ARD**, the averaged relative difference as issue 20 defines it: the mean over
  units of ``|predicted - observed| / observed``, the prediction being the median
  (P50). Units whose observed value is 0 are left out (the ratio is undefined;
  ``units_ard`` counts those used). Small units weigh as much as large ones.
- **ARD as Flee computes it** (``ard_flee``; Suleimenova, Bell & Groen 2017,
  Scientific Reports 7: 13377; flee's ``postprocessing`` "ratio difference"): per
  period, the sum over units of ``|predicted - observed|`` over the sum of observed,
  then the mean over periods (years, or months for the camps). Large units weigh most.
- **Spearman's rank correlation** of P50 against observed (scipy); undefined (NaN)
  with fewer than three units or a constant column.
- **Coverage**: the share of units whose observed value lies inside ``[P5, P95]``.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"observed": [100.0, 200.0, 400.0], "p5": [50.0, 250.0, 300.0],
...                   "p50": [80.0, 300.0, 400.0], "p95": [120.0, 350.0, 500.0]})
>>> m = agreement(t)
>>> round(m["ard"], 4), m["spearman"], round(m["coverage"], 4), m["units"]
(0.2333, 1.0, 0.6667, 3)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["METRICS", "agreement", "ard", "ard_flee", "coverage", "metrics_by", "spearman"]

#: The metrics every backtest reports, with what they mean.
METRICS: dict[str, str] = {
    "ard": "averaged relative difference, the mean over units of |P50 - observed| / observed "
    "(0 is perfect, 1 is as far as the observed value itself; small units weigh as much as large)",
    "ard_flee": "Flee's own normalisation (Suleimenova et al. 2017): per period the sum of "
    "|P50 - observed| over the sum observed, averaged over periods (large units weigh most)",
    "spearman": "Spearman's rank correlation of P50 with observed (1: same order of units)",
    "coverage": "share of units whose observed value lies inside P5-P95 (0.9 is what a "
    "calibrated 90 % band would give)",
}


def ard(observed: np.ndarray, predicted: np.ndarray) -> float:
    """Return the mean of ``|predicted - observed| / observed`` over units with observed > 0.

    Examples
    --------
    >>> ard(np.array([100.0, 200.0, 0.0]), np.array([150.0, 100.0, 5.0]))
    0.5
    """
    o, p = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    ok = o > 0
    if not ok.any():
        return math.nan
    return float(np.mean(np.abs(p[ok] - o[ok]) / o[ok]))


def ard_flee(
    observed: np.ndarray, predicted: np.ndarray, period: np.ndarray | None = None
) -> float:
    """Return Flee's ARD: per period ``sum |p - o| / sum o``, then the mean over periods.

    Examples
    --------
    >>> ard_flee(np.array([100.0, 300.0, 50.0]), np.array([150.0, 250.0, 50.0]),
    ...          np.array([1, 1, 2]))
    0.125
    """
    o, p = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    per = np.zeros(len(o)) if period is None else np.asarray(period)
    vals = []
    for key in pd.unique(per):
        m = per == key
        tot = o[m].sum()
        if tot > 0:
            vals.append(float(np.abs(p[m] - o[m]).sum() / tot))
    return float(np.mean(vals)) if vals else math.nan


def spearman(observed: np.ndarray, predicted: np.ndarray) -> float:
    """Return Spearman's rank correlation (NaN with fewer than 3 units or no variation).

    Examples
    --------
    >>> spearman(np.array([1.0, 2.0, 3.0]), np.array([10.0, 30.0, 20.0]))
    0.5
    """
    from scipy.stats import spearmanr  # lazily: scipy.stats is slow to import

    o, p = np.asarray(observed, dtype=float), np.asarray(predicted, dtype=float)
    if len(o) < 3 or np.ptp(o) == 0 or np.ptp(p) == 0:
        return math.nan
    return float(spearmanr(o, p).statistic)


def coverage(observed: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Return the share of units with ``low <= observed <= high``.

    Examples
    --------
    >>> coverage(np.array([1.0, 5.0]), np.array([0.0, 0.0]), np.array([2.0, 4.0]))
    0.5
    """
    o = np.asarray(observed, dtype=float)
    if len(o) == 0:
        return math.nan
    inside = (np.asarray(low, dtype=float) <= o) & (o <= np.asarray(high, dtype=float))
    return float(inside.mean())


def agreement(table: pd.DataFrame, period: str | None = None) -> dict[str, Any]:
    """Return ARD (both), Spearman and coverage of a table with ``observed, p5, p50, p95``.

    ``period``: the column whose values are Flee's time steps (:func:`ard_flee`).
    """
    o = table["observed"].to_numpy(dtype=float)
    per = table[period].to_numpy() if period is not None and period in table else None
    return {
        "ard": ard(o, table["p50"].to_numpy(dtype=float)),
        "ard_flee": ard_flee(o, table["p50"].to_numpy(dtype=float), per),
        "units_ard": int((o > 0).sum()),
        "spearman": spearman(o, table["p50"].to_numpy(dtype=float)),
        "coverage": coverage(
            o, table["p5"].to_numpy(dtype=float), table["p95"].to_numpy(dtype=float)
        ),
        "units": len(table),
    }


def metrics_by(rows: pd.DataFrame, by: str) -> dict[str, dict[str, Any]]:
    """Return :func:`agreement` per value of ``by`` (e.g. each year), and over the train and test rows.

    Keys: each value of ``by`` as text, then ``"train"`` and ``"test"`` when the rows
    have a ``split`` column holding them.
    """
    out: dict[str, dict[str, Any]] = {}
    period = "month" if "month" in rows else by
    for key, part in rows.groupby(by, sort=True):
        out[str(key)] = agreement(part, period)
    if "split" in rows:
        for s in ("train", "test"):
            part = rows[rows["split"] == s]
            if len(part):
                out[s] = agreement(part, period)
    return out
