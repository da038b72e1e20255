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

__all__ = ["DRAWN_INPUTS", "discover", "draw_sensitivity", "read_results", "sensitivity"]


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


#: What each drawn input of a run is (:attr:`ScenarioResult.inputs`), as a memo names it.
DRAWN_INPUTS = {
    "population_band": "population (low to high band of the grid)",
    "rate_factor_0": "displacement rate of low-hazard places",
    "rate_factor_1": "displacement rate of medium-hazard places",
    "rate_factor_2": "displacement rate of high-hazard places",
    "national_factor": "national total of the displaced (OCHA 7.6 M, ±10 %)",
    "site_area_per_person_m2": "site area per person (30-67 m²: Sphere/UNHCR, Zaatari)",
    "protection_shift": "protection the zones give",
    "crossing_penalty_km": "penalty for crossing a front line",
    "usable_fraction": "usable share of the zones' land (0.5-5 %: CCCM sites 2019)",
    "distance_decay": "how fast distance deters (gravity decay)",
    "outside_factor": "pull of staying or leaving Syria (outside option)",
    "max_travel_km": "farthest the displaced travel",
    "detour_factor": "road detour over the straight line",
    "threshold_factor": "hazard thresholds (strike intensity)",
}


def draw_sensitivity(
    inputs: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    metric: str = "sheltered",
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Which drawn input moves a run's answer: first-order indices from the run's own draws.

    The draws of one run are a Latin hypercube (not a Saltelli design), so the
    indices come from SALib's moment-independent method (``SALib.analyze.delta``,
    Borgonovo 2007; its ``S1`` is Plischke, Borgonovo & Smith 2013's first-order
    estimator from given data): the share of the metric's variance over the draws
    that each input explains alone (clipped to 0-1: an estimate below 0 is noise).
    Inputs that do not vary are left out.

    Parameters
    ----------
    inputs, samples
        :attr:`ScenarioResult.inputs` and :attr:`ScenarioResult.samples` (rows: draws).
    metric
        A column of ``samples``.
    seed
        Seed of the bootstrap confidence intervals.

    Returns
    -------
    pandas.DataFrame
        ``input, label, S1, S1_conf`` (conf: half-width of the 95 % bootstrap
        interval), largest S1 first; ``attrs["metric"]``, ``attrs["draws"]``.
    """
    import contextlib
    import io

    from SALib.analyze import delta

    if metric not in samples.columns:
        raise SafeZonesError(
            f"no metric {metric!r} in the draws; they have {list(samples.columns)}"
        )
    if len(inputs) != len(samples):
        raise SafeZonesError(
            f"the inputs have {len(inputs)} draws and the samples {len(samples)}: not one run"
        )
    if len(samples) < 20:
        raise SafeZonesError(
            f"which input moves the answer needs at least 20 draws; this run has {len(samples)}"
        )
    x = inputs.loc[:, inputs.nunique() > 1]
    y = samples[metric].to_numpy(dtype=float)
    cols = ["input", "label", "S1", "S1_conf"]
    if x.shape[1] == 0 or np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
        out = pd.DataFrame(columns=cols)
    else:
        names = [str(c) for c in x.columns]
        problem = {"num_vars": len(names), "names": names,
                   "bounds": [[float(x[c].min()), float(x[c].max())] for c in x.columns]}  # fmt: skip
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):  # SALib prints its bin notices
            warnings.simplefilter("ignore")
            got = delta.analyze(problem, x.to_numpy(dtype=float), y, num_resamples=20,
                                print_to_console=False, seed=seed)  # fmt: skip
        out = pd.DataFrame({"input": names, "label": [DRAWN_INPUTS.get(n, n) for n in names],
                            "S1": np.clip(np.asarray(got["S1"], float), 0.0, 1.0),
                            "S1_conf": np.asarray(got["S1_conf"], float)})  # fmt: skip
        out = out.sort_values("S1", ascending=False, ignore_index=True)
    out.attrs.update(metric=metric, draws=len(samples))
    return out
