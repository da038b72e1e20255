"""Analysis of a sweep's results: reading them, Sobol indices (SALib), scenario discovery (PRIM).

SALib and the EMA Workbench are imported only when their analysis runs.
"""

from __future__ import annotations

import difflib
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safezones.errors import DataError, SafeZonesError
from safezones.model.metrics import METRICS
from safezones.model.uncertainty import DEFAULT_SEED

__all__ = ["discover", "read_results", "sensitivity"]


def read_results(path: str | Path) -> pd.DataFrame:
    """Read a sweep's results (its folder or its results.parquet), with the spec in ``attrs``.

    ``attrs["sweep"]`` holds the manifest (spec, base scenario values, hash)
    that :func:`sensitivity` reads the parameter bounds from.
    """
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    file = p / "results.parquet" if p.is_dir() else p
    if not file.exists():
        raise DataError(
            "no results.parquet: the sweep has not finished; run it again with the same spec "
            "and folder to complete it",
            source=str(folder),
        )
    table = pd.read_parquet(file)
    manifest = folder / "sweep.json"
    if manifest.exists():
        table.attrs["sweep"] = json.loads(manifest.read_text(encoding="utf-8"))
    return table


def _parameters(
    results: pd.DataFrame, spec: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    manifest = spec if spec is not None else results.attrs.get("sweep")
    if manifest is None:
        raise SafeZonesError(
            "these results carry no sweep spec; read them with read_results(folder), or pass spec="
        )
    s = manifest.get("spec", manifest)
    return s, list(s["parameters"])


def sensitivity(
    results: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    spec: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Sobol first-order (S1) and total (ST) indices of each parameter, per metric.

    Parameters
    ----------
    results
        A ``sobol`` sweep's results in design order (from :func:`read_results`).
    metrics
        Result columns to analyse; default every metric's P50.
    spec
        The sweep manifest or spec dict; default ``results.attrs["sweep"]``.
    seed
        Seed of SALib's bootstrap confidence intervals.

    Returns
    -------
    pandas.DataFrame
        One row per metric and parameter: ``metric, parameter, S1, S1_conf,
        ST, ST_conf`` (conf: half-width of the 95 % bootstrap interval). A
        metric that does not vary gets NaN indices.
    """
    from SALib.analyze import sobol as sobol_analyze

    s, names = _parameters(results, spec)
    if s.get("design") != "sobol":
        raise SafeZonesError(
            f"Sobol indices need a sobol design (Saltelli's sample); this sweep is {s.get('design')!r}"
        )
    k = len(names)
    if len(results) % (k + 2):
        raise SafeZonesError(
            f"a sobol sweep of {k} parameters has a multiple of {k + 2} rows; got {len(results)}"
            " (is it complete and in design order?)"
        )
    ordered = results.sort_values("index") if "index" in results else results
    cols = list(metrics) if metrics is not None else [f"{m}_p50" for m in METRICS]
    missing = [c for c in cols if c not in ordered.columns]
    if missing:
        raise SafeZonesError(f"no such result columns: {missing}")
    problem = {
        "num_vars": k,
        "names": names,
        "bounds": [[s["parameters"][n]["low"], s["parameters"][n]["high"]] for n in names],
    }
    rows = []
    for col in cols:
        y = ordered[col].to_numpy(dtype=float)
        if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
            idx = {key: np.full(k, np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                idx = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        for i, n in enumerate(names):
            rows.append(
                {"metric": col, "parameter": n, "S1": float(idx["S1"][i]),
                 "S1_conf": float(idx["S1_conf"][i]), "ST": float(idx["ST"][i]),
                 "ST_conf": float(idx["ST_conf"][i])}
            )  # fmt: skip
    return pd.DataFrame(rows)


def discover(
    results: pd.DataFrame,
    metric: str,
    threshold: float,
    *,
    above: bool = True,
    min_density: float = 0.8,
    spec: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Find the parameter ranges where ``metric`` stays above (or below) ``threshold``: PRIM.

    Scenario discovery with the Patient Rule Induction Method of the EMA
    Workbench: it peels the parameter box until at least ``min_density`` of
    the scenarios inside meet the condition, keeping as many of those that
    do (coverage) as it can.

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``parameter, low, high, restricted`` (whether
        the box narrows it). ``attrs`` holds ``coverage`` (share of the
        scenarios meeting the condition that lie in the box), ``density``
        (share of the box's scenarios that meet it), ``mass`` (share of all
        scenarios in the box) and ``condition``.
    """
    _, names = _parameters(results, spec)
    if metric not in results.columns:
        hint = difflib.get_close_matches(metric, list(results.columns), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise SafeZonesError(f"no result column {metric!r}{extra}")
    y = results[metric].to_numpy(dtype=float)
    hit = y >= threshold if above else y <= threshold
    cond = f"{metric} {'>=' if above else '<='} {threshold:,.6g}"
    if not hit.any():
        raise SafeZonesError(
            f"no scenario has {cond} (the range is {y.min():,.6g} to {y.max():,.6g})"
        )
    x = results[names].astype(float).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        from ema_workbench.util import ema_logging

        ema_logging.get_rootlogger().setLevel(40)
        box = prim.Prim(x, hit, threshold=min_density).find_box()
    traj = box.peeling_trajectory
    ok = traj[traj["density"] >= min_density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    lims = box.box_lims[i]
    full_lo, full_hi = x.min(), x.max()
    out = pd.DataFrame(
        {
            "parameter": names,
            "low": [float(lims[n].iloc[0]) for n in names],
            "high": [float(lims[n].iloc[1]) for n in names],
        }
    )
    out["restricted"] = [
        bool(lims[n].iloc[0] > full_lo[n] or lims[n].iloc[1] < full_hi[n]) for n in names
    ]
    out.attrs = {
        "condition": cond,
        "coverage": float(traj.loc[i, "coverage"]),
        "density": float(traj.loc[i, "density"]),
        "mass": float(traj.loc[i, "mass"]),
    }
    return out
